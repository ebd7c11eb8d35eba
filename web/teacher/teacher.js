/*
 * teacher.js: the teacher's page, for now only the menu graph. It fetches
 * the DOT of the menus the server has loaded from /teacher/api/menus.dot
 * and draws it (graph.js); window.teacher.reload() fetches it again (after
 * a SIGHUP reload) and window.teacher.graph.setCounts() puts the callers on
 * it, until the page follows the server's event stream itself.
 *
 * It knows nothing of Graphviz or of the DOT's contents.
 */
import { MenuGraph } from './graph.js';

/* Where the server answers with `hotlined --dot` of its loaded menus. */
const DOT_URL = '/teacher/api/menus.dot';

const status = document.getElementById('graph-status');
const graph = new MenuGraph(document.getElementById('graph'));

/* Shows text in the status line; an error stays until the next success. */
function say(text, isError) {
	status.textContent = text;
	status.classList.toggle('error', isError);
	status.hidden = text === '';
}

/* Fetches the DOT and draws it when it changed: the DOT text. */
async function fetchDot() {
	const res = await fetch(DOT_URL, { cache: 'no-store' });

	if (!res.ok)
		throw new Error(DOT_URL + ': ' + res.status + ' ' + res.statusText);
	return res.text();
}

/*
 * Fetches and draws the graph: resolves to 'drawn', 'unchanged', or the
 * error shown in the status line (never rejects, so nothing is left
 * unhandled).
 */
async function reload() {
	if (graph.svg === null)
		say('laying out the menu graph…', false);
	try {
		const drawn = await graph.setDot(await fetchDot());

		say('', false);
		return drawn ? 'drawn' : 'unchanged';
	} catch (err) {
		const text = String(err && err.message ? err.message : err);

		say(text, true);
		return text;
	}
}

window.teacher = { graph, reload, ready: reload() };
