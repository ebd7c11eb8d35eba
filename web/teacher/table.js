/*
 * table.js: the class at a glance, one row per session of
 * /teacher/api/sessions: id, peer, transport, mode, language and
 * encoding, state and menu, idle time, bytes in and out, and for a call
 * that just ended its close reason (the row greyed).
 *
 * It only draws what it is given and says which row was chosen; it knows
 * nothing of where the sessions come from. Text from the server goes in
 * with textContent only.
 */

/* The columns, in order: header text and the cell's class. */
const COLUMNS = [
	['#', 'id'],
	['peer', 'peer'],
	['via', 'transport'],
	['mode', 'mode'],
	['language', 'language'],
	['state', 'state'],
	['idle', 'idle'],
	['in / out', 'bytes'],
];

/* A duration in ms as read across a room: "0.4 s", "12 s", "3 min 05 s". */
export function formatDuration(ms) {
	if (!Number.isFinite(ms) || ms < 0)
		return '';
	if (ms < 10000)
		return (ms / 1000).toFixed(1) + ' s';
	const s = Math.floor(ms / 1000);

	if (s < 60)
		return s + ' s';
	if (s < 3600)
		return Math.floor(s / 60) + ' min ' + String(s % 60).padStart(2, '0') + ' s';
	return Math.floor(s / 3600) + ' h ' +
		String(Math.floor(s / 60) % 60).padStart(2, '0') + ' min';
}

/* A byte count: "24 B", "1.4 kB", "2.1 MB". */
export function formatBytes(n) {
	if (!Number.isFinite(n) || n < 0)
		return '';
	if (n < 1000)
		return n + ' B';
	if (n < 1000000)
		return (n / 1000).toFixed(1) + ' kB';
	return (n / 1000000).toFixed(1) + ' MB';
}

/* A field as text: strings as they are, anything else empty. */
function text(value) {
	return typeof value === 'string' ? value : '';
}

/* The cells' texts of one session, in COLUMNS' order. */
function cells(s) {
	const transport = s.transport === 'websocket' ? 'WebSocket' :
		text(s.transport);
	const language = [text(s.language), text(s.encoding)]
		.filter((t) => t !== '').join(' · ');
	let state = text(s.state);

	if (typeof s.menu === 'string' && s.menu !== '')
		state += ' (' + s.menu + ')';
	if (typeof s.nick === 'string' && s.nick !== '')
		state += ' · ' + s.nick;
	if (s.closed && typeof s.closed === 'object') {
		state = 'ended ' + formatDuration(s.closed.ago_ms) + ' ago: ' +
			text(s.closed.reason);
	}
	return [
		String(s.id),
		text(s.peer),
		transport,
		text(s.mode),
		language,
		state,
		s.closed ? '' : formatDuration(s.idle_ms),
		formatBytes(s.bytes_in) + ' / ' + formatBytes(s.bytes_out),
	];
}

/* The class table in a <table> element; onOpen(id) when a row is chosen. */
export class SessionTable {
	/* Draws the header; rows come with show(). */
	constructor(table, onOpen) {
		const head = document.createElement('thead');
		const row = document.createElement('tr');

		this.onOpen = onOpen;
		for (const [title, kind] of COLUMNS) {
			const th = document.createElement('th');

			th.textContent = title;
			th.className = kind;
			row.append(th);
		}
		head.append(row);
		this.body = document.createElement('tbody');
		this.empty = document.createElement('caption');
		this.empty.textContent = 'no callers yet';
		table.replaceChildren(this.empty, head, this.body);
		this.body.addEventListener('click', (e) => this.choose(e));
		this.body.addEventListener('keydown', (e) => {
			if (e.key === 'Enter' || e.key === ' ')
				this.choose(e);
		});
	}

	/* The row the event happened in, as its session id, to onOpen. */
	choose(e) {
		const row = e.target.closest('tr[data-id]');

		if (row === null)
			return;
		e.preventDefault();
		this.onOpen(Number(row.dataset.id));
	}

	/* Shows sessions (the array of /teacher/api/sessions) in their order. */
	show(sessions) {
		const rows = [];
		/* The row with the keyboard's focus keeps it across redraws. */
		const focused = this.body.contains(document.activeElement) ?
			document.activeElement.dataset.id : null;

		for (const s of sessions) {
			if (!Number.isSafeInteger(s.id))
				continue;
			const tr = document.createElement('tr');

			tr.dataset.id = String(s.id);
			tr.tabIndex = 0;
			tr.classList.toggle('closed', Boolean(s.closed));
			cells(s).forEach((t, i) => {
				const td = document.createElement('td');

				td.className = COLUMNS[i][1];
				td.textContent = t;
				tr.append(td);
			});
			rows.push(tr);
		}
		this.body.replaceChildren(...rows);
		this.empty.hidden = rows.length > 0;
		for (const tr of rows) {
			if (tr.dataset.id === focused)
				tr.focus();
		}
	}
}
