/*
 * teacher.js: the teacher's projector view, wired together. It reads
 * the page token, the sessions (again on every connect, close or state
 * event, debounced, and every second for the idle times), the menu graph
 * (again on a "reload" event) and the room, follows the event stream,
 * and hands each event to the part it is for: the class table
 * (table.js), the graph's counts (graph.js), one caller's wire (wire.js),
 * the chat room (room.js). window.teacher is for the tests.
 *
 * It knows the contract's event types and how a session maps to a graph
 * node (its "node" field); nothing of Graphviz, of table cells or of
 * how a chat line looks.
 */
import { MenuGraph } from './graph.js';
import { ApiError, EventStream, Operator, getJson, getText } from './api.js';
import { SessionTable } from './table.js';
import { WireView } from './wire.js';
import { Room } from './room.js';

/* Where the server answers with `hotlined --dot` of its loaded menus. */
const DOT_URL = '/teacher/api/menus.dot';
const SESSIONS_URL = '/teacher/api/sessions';

/* A burst of events (a class calling at once) is one read of the table. */
const DEBOUNCE_MS = 100;
/* Idle times tick on the projector; closed calls age out. */
const TICK_MS = 1000;
/* The last trace lines a wire view starts with (the server keeps 200). */
const TRACE_URL = (id) => '/teacher/api/sessions/' + id + '/trace';

const graphStatus = document.getElementById('graph-status');
const streamStatus = document.getElementById('stream-status');
const missedStatus = document.getElementById('missed');
const pageStatus = document.getElementById('page-status');

const graph = new MenuGraph(document.getElementById('graph'));
const operator = new Operator();
const table = new SessionTable(document.getElementById('sessions'),
	(id) => openWire(id));
const wire = new WireView(document.getElementById('wire'), () => closeWire());
const room = new Room(document.getElementById('room'), operator);
const stream = new EventStream(onEvent, onStream);

const teacher = {
	graph, table, wire, room, stream, operator,
	/* The last answer of /teacher/api/sessions, and events seen. */
	sessions: null,
	events: 0,
	missed: 0,
	/* Whether the table is read every second (a test turns it off to
	 * see the events alone move it). */
	ticking: true,
};

/* Shows text in one of the status lines; empty hides it. */
function show(el, text, isError) {
	el.textContent = text;
	el.classList.toggle('error', Boolean(isError));
	el.hidden = text === '';
}

/*
 * Fetches and draws the graph: resolves to 'drawn', 'unchanged', or the
 * error shown in the graph's status line (never rejects, so nothing is
 * left unhandled).
 */
async function reload() {
	if (graph.svg === null)
		show(graphStatus, 'laying out the menu graph…', false);
	try {
		const drawn = await graph.setDot(await getText(DOT_URL));

		show(graphStatus, '', false);
		return drawn ? 'drawn' : 'unchanged';
	} catch (err) {
		const text = String(err && err.message ? err.message : err);

		show(graphStatus, text, true);
		return text;
	}
}

/* {node: callers} of the live sessions, for the graph's badges. */
function nodeCounts(sessions) {
	const counts = {};

	for (const s of sessions) {
		if (s.closed || typeof s.node !== 'string')
			continue;
		counts[s.node] = (counts[s.node] || 0) + 1;
	}
	return counts;
}

/* The refresh running now, and whether another is wanted after it. */
let refreshing = null;
let refreshAgain = false;

/*
 * Reads the sessions and shows them in the table and on the graph;
 * calls made while one runs become one more read after it. Resolves
 * when the table shows what the server said last.
 */
function refresh() {
	if (refreshing !== null) {
		refreshAgain = true;
		return refreshing;
	}
	refreshing = (async () => {
		do {
			refreshAgain = false;
			try {
				const data = await getJson(SESSIONS_URL);
				const sessions = Array.isArray(data.sessions) ?
					data.sessions : [];

				teacher.sessions = data;
				table.show(sessions);
				graph.setCounts(nodeCounts(sessions));
				show(pageStatus, '', false);
			} catch (err) {
				show(pageStatus, pageError(err), true);
			}
		} while (refreshAgain);
		refreshing = null;
	})();
	return refreshing;
}

/* What the teacher should know of a failed read. */
function pageError(err) {
	if (err instanceof ApiError && err.status === 401)
		return err.message + ': reload the page to log in again';
	return err.message;
}

let refreshTimer = null;

/* One refresh DEBOUNCE_MS from now, however many events ask for it. */
function refreshSoon() {
	if (refreshTimer !== null)
		return;
	refreshTimer = setTimeout(() => {
		refreshTimer = null;
		refresh();
	}, DEBOUNCE_MS);
}

/* One event of the stream, to the part of the page it is for. */
function onEvent(event) {
	teacher.events++;
	switch (event.type) {
	case 'connect':
	case 'close':
	case 'state':
		refreshSoon();
		break;
	case 'chat':
		room.add([event]);
		break;
	case 'trace':
		if (wire.isShowing(event.id) && Array.isArray(event.lines))
			wire.append(event.lines);
		break;
	case 'missed':
		if (Number.isSafeInteger(event.count) && event.count > 0)
			teacher.missed += event.count;
		show(missedStatus, 'missed ' + teacher.missed +
			' events (the page fell behind); read everything again', true);
		refresh();
		room.load();
		break;
	case 'reload':
		reload();
		break;
	default:
		/* key, line: the table and the wire show their effect. */
		break;
	}
}

/* Whether the stream has been open before (the first opening is start()'s). */
let streamOpened = false;

/* The stream's connection: said in the notice line. */
function onStream(state) {
	if (state === 'open') {
		show(streamStatus, '', false);
		if (streamOpened) {
			/*
			 * Reconnected, or reopened for another trace: events
			 * were lost in between. Both reads replace what is shown.
			 */
			refresh();
			room.load();
		}
		streamOpened = true;
		return;
	}
	show(streamStatus, state === 'reconnecting' ?
		'event stream lost: reconnecting…' :
		'event stream refused: trying again in a few seconds', true);
}

/*
 * What the wire view says of a call that began before the view kept
 * wires (the server keeps them only while a page is open): its start,
 * the handshake too, is not there.
 */
function keptSince(since) {
	if (typeof since !== 'string')
		return 'this call began before the view was open: its next bytes will show here';
	const at = new Date(since);
	const when = Number.isNaN(at.getTime()) ? since : at.toLocaleTimeString();

	return 'kept since ' + when + ': this call began before the view was open';
}

/*
 * Shows session id's wire: its last trace lines, then the new ones as
 * the stream brings them (the stream is reopened to follow it). Resolves
 * when the last lines are shown.
 */
async function openWire(id) {
	const data = teacher.sessions && Array.isArray(teacher.sessions.sessions) ?
		teacher.sessions.sessions : [];
	const s = data.find((x) => x.id === id);
	let title = 'session ' + id;

	if (s && typeof s.peer === 'string')
		title += ' · ' + s.peer + (s.transport ? ' · ' + s.transport : '');
	wire.open(id, title);
	try {
		const trace = await getJson(TRACE_URL(id));

		if (!wire.isShowing(id))
			return;
		wire.append(Array.isArray(trace.lines) ? trace.lines : []);
		wire.say(trace.from_start === false ? keptSince(trace.since) : '',
			false);
	} catch (err) {
		if (wire.isShowing(id))
			wire.say(err.message, true);
		return;
	}
	stream.follow([id]);
}

/* Back from the wire to the class; the stream stops following it. */
function closeWire() {
	if (wire.id === null)
		return;
	wire.close();
	if (stream.trace.length > 0)
		stream.follow([]);
}

document.addEventListener('keydown', (e) => {
	if (e.key === 'Escape')
		closeWire();
});

document.getElementById('logout').addEventListener('click', async () => {
	try {
		await operator.post('/teacher/logout', {});
		location.reload();
	} catch (err) {
		show(pageStatus, err.message, true);
	}
});

/* Everything but the graph: the token, the table, the room, the stream. */
async function start() {
	try {
		await operator.start();
	} catch (err) {
		show(pageStatus, pageError(err), true);
	}
	stream.open();
	await Promise.all([refresh(), room.load()]);
	setInterval(() => {
		if (teacher.ticking)
			refresh();
	}, TICK_MS);
}

Object.assign(teacher, {
	reload, refresh, openWire, closeWire,
	/* The graph's first drawing: 'drawn' or the error shown. */
	ready: reload(),
	/* The table and room shown once, the stream opened. */
	started: start(),
});
window.teacher = teacher;
