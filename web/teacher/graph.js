/*
 * graph.js: the teacher's menu graph. It takes the DOT text that
 * `hotlined --dot` writes, lays it out in the browser with Graphviz
 * compiled to WebAssembly (viz.js, served from /viz/viz.js: no Graphviz
 * process on the server, nothing from a CDN), and puts on each node the
 * number of callers in it now.
 *
 * Nodes are named as the DOT names them: "LANGUAGE/MENU" for a menu
 * ("zh-CN/main"), "LANGUAGE/flow:FLOW" for a flow ("zh-CN/flow:query"),
 * "LANGUAGE/action:quit". New counts change a badge's text in place; only
 * new DOT (after a SIGHUP reload) is laid out again.
 *
 * It knows nothing of sessions, of where the DOT and the counts come
 * from, or of how a session's state maps onto a node: the caller of
 * setCounts() says that. Graphviz needs WebAssembly, which a
 * Content-Security-Policy refuses unless its script-src allows
 * 'wasm-unsafe-eval' (web/README.md).
 */
import { instance as vizInstance } from '../viz/viz.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/* The badge: larger than the labels, read across a room; one digit wide. */
const BADGE_FONT = 18;
const BADGE_HEIGHT = 24;
const BADGE_DIGIT = 11;

/* The one Graphviz of the page, started at the first layout. */
let vizStarted = null;

/* Graphviz, started once; a failed start is tried again next time. */
function graphviz() {
	if (vizStarted === null) {
		vizStarted = vizInstance().catch((err) => {
			vizStarted = null;
			throw startError(err);
		});
	}
	return vizStarted;
}

/* Why Graphviz could not start, said so a teacher can act on it. */
function startError(err) {
	const text = String(err && err.message ? err.message : err);

	if (/unsafe-eval/.test(text)) {
		return new Error('Graphviz (viz.js) could not start: the page\'s ' +
			'Content-Security-Policy refuses WebAssembly; its script-src ' +
			'needs \'wasm-unsafe-eval\'');
	}
	return new Error('Graphviz (viz.js) could not start: ' + text);
}

/* A count as shown: a whole number of callers, 0 for anything else. */
function callers(value) {
	return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/*
 * The box around a node's shapes, {x, y, width, height}, from the
 * coordinates Graphviz wrote (ellipses, polygons, paths: a path's control
 * points bound its curve), so it needs no rendering: a graph laid out
 * while its container is hidden gets its badges in the right places too.
 */
function shapeBox(node) {
	const xs = [], ys = [];

	for (const el of node.querySelectorAll(':scope > ellipse')) {
		const cx = Number(el.getAttribute('cx'));
		const cy = Number(el.getAttribute('cy'));
		const rx = Number(el.getAttribute('rx'));
		const ry = Number(el.getAttribute('ry'));

		xs.push(cx - rx, cx + rx);
		ys.push(cy - ry, cy + ry);
	}
	for (const el of node.querySelectorAll(
		':scope > polygon, :scope > polyline, :scope > path')) {
		const text = el.getAttribute(el.localName === 'path' ? 'd' : 'points');
		const nums = (text || '').match(/-?[0-9.]+(?:e-?[0-9]+)?/g) || [];

		for (let i = 0; i + 1 < nums.length; i += 2) {
			xs.push(Number(nums[i]));
			ys.push(Number(nums[i + 1]));
		}
	}
	if (xs.length === 0)
		return { x: 0, y: 0, width: 0, height: 0 };
	const x = Math.min(...xs), y = Math.min(...ys);

	return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

/* Makes an SVG element with the given attributes. */
function svgElement(name, attrs) {
	const el = document.createElementNS(SVG_NS, name);

	for (const [key, value] of Object.entries(attrs))
		el.setAttribute(key, String(value));
	return el;
}

/*
 * The menu graph in one container element. setDot() lays out (a
 * promise, taken in order), setCounts() only changes badges.
 */
export class MenuGraph {
	/* An empty graph in container; nothing is drawn until setDot(). */
	constructor(container) {
		this.container = container;
		this.dot = null;
		this.svg = null;
		/* node name -> addBadge()'s entry, for each node drawn */
		this.nodes = new Map();
		this.counts = new Map();
		this.queue = Promise.resolve();
	}

	/*
	 * Lays out dot and draws it, unless it is the DOT already drawn.
	 * Resolves to whether it drew; rejects with Graphviz's message (the
	 * graph drawn before stays). Calls run one after another.
	 */
	setDot(dot) {
		const run = this.queue.then(() => this.layout(String(dot)));

		this.queue = run.catch(() => undefined);
		return run;
	}

	/* Sets every node's count from {node name: callers}; absent is 0. */
	setCounts(counts) {
		this.counts = new Map();
		for (const [name, value] of Object.entries(counts || {}))
			this.counts.set(name, callers(value));
		for (const [name, entry] of this.nodes)
			this.showCount(entry, this.counts.get(name) || 0);
	}

	/* The names of the drawn nodes, in the DOT's order. */
	nodeNames() {
		return Array.from(this.nodes.keys());
	}

	/* Lays out one DOT text and swaps the drawing; see setDot(). */
	async layout(dot) {
		if (dot === this.dot)
			return false;
		const viz = await graphviz();
		/* renderSVGElement throws with Graphviz's own error message. */
		const svg = viz.renderSVGElement(dot);

		/* The viewBox alone: the drawing scales to the container. */
		svg.removeAttribute('width');
		svg.removeAttribute('height');
		svg.classList.add('menu-graph');
		this.container.replaceChildren(svg);
		this.svg = svg;
		this.dot = dot;
		this.nodes = new Map();
		/* Badges go last, above the edges Graphviz draws after nodes. */
		const layer = svgElement('g', { class: 'counts' });
		for (const node of svg.querySelectorAll('g.node')) {
			const title = node.querySelector(':scope > title');

			if (title !== null) {
				this.nodes.set(title.textContent,
					this.addBadge(node, title.textContent, layer));
			}
		}
		svg.querySelector('g.graph').append(layer);
		for (const [name, entry] of this.nodes)
			this.showCount(entry, this.counts.get(name) || 0);
		return true;
	}

	/*
	 * Adds a hidden badge for the node called name to layer, at the top
	 * right corner of the node's shape. Nodes have no transform of their
	 * own, so the layer beside them shares their coordinates. Returns
	 * the entry showCount() takes.
	 */
	addBadge(node, name, layer) {
		/* Measured once: later counts move nothing. */
		const shape = shapeBox(node);
		const badge = svgElement('g', { class: 'count', 'data-node': name });
		const box = svgElement('rect', {
			y: shape.y - BADGE_HEIGHT / 2,
			height: BADGE_HEIGHT,
			rx: BADGE_HEIGHT / 2,
		});
		const label = svgElement('text', {
			x: shape.x + shape.width,
			y: shape.y,
			'text-anchor': 'middle',
			'dominant-baseline': 'central',
			'font-size': BADGE_FONT,
		});

		badge.append(box, label);
		layer.append(badge);
		return { node, badge, box, label, right: shape.x + shape.width };
	}

	/* Shows n on a node's badge; the badge and highlight only when n > 0. */
	showCount(entry, n) {
		const text = String(n);
		const width = BADGE_HEIGHT + (text.length - 1) * BADGE_DIGIT;

		if (entry.label.textContent === text)
			return;
		entry.label.textContent = text;
		entry.box.setAttribute('x', entry.right - width / 2);
		entry.box.setAttribute('width', width);
		entry.node.classList.toggle('busy', n > 0);
		entry.badge.classList.toggle('busy', n > 0);
	}
}
