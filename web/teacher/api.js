/*
 * api.js: the teacher's page talking to hotlined (the HTTP contract of
 * issue 18): JSON reads, the operator's POSTs with the page token, and
 * the event stream (Server-Sent Events) with its trace subscription.
 *
 * It knows the URLs and the token, nothing of tables, graphs or rooms:
 * what an event means is its listener's business. Errors are thrown as
 * ApiError with the server's own sentence (the JSON "error" field).
 */

/* The event stream; ?trace=ID,... adds those sessions' trace lines. */
const EVENTS_URL = '/teacher/api/events';

/*
 * After the stream was refused outright (a 503 when 16 teachers follow
 * it, a 401 when the cookie expired) the browser stops retrying by
 * itself; we try again after this long.
 */
const REOPEN_MS = 3000;

/* An answer that was not 2xx: status, and the server's sentence. */
export class ApiError extends Error {
	/* status is the HTTP status (0: no answer); body the parsed JSON. */
	constructor(status, message, body) {
		super(message);
		this.status = status;
		this.body = body || {};
	}
}

/* The sentence of a failed answer: its "error" field, else the status. */
async function failure(res) {
	let body = null;

	try {
		body = await res.json();
	} catch (err) {
		body = null;
	}
	const said = body && typeof body.error === 'string' ? body.error :
		res.status + ' ' + res.statusText;

	return new ApiError(res.status, said, body);
}

/* fetch() whose network failure is an ApiError too. */
async function request(url, init) {
	try {
		return await fetch(url, init);
	} catch (err) {
		throw new ApiError(0, url + ': no answer from the server', null);
	}
}

/* GETs url and parses its JSON; rejects with ApiError. */
export async function getJson(url) {
	const res = await request(url, { cache: 'no-store' });

	if (!res.ok)
		throw await failure(res);
	return res.json();
}

/* GETs url as text; rejects with ApiError. */
export async function getText(url) {
	const res = await request(url, { cache: 'no-store' });

	if (!res.ok)
		throw await failure(res);
	return res.text();
}

/*
 * The operator's side: POSTs JSON with the page token that
 * /teacher/api/whoami gave (none when the page came with a bearer key).
 */
export class Operator {
	/* Not usable until start() has read the token. */
	constructor() {
		this.token = null;
	}

	/* Reads the page token; resolves to whoami's answer. */
	async start() {
		const who = await getJson('/teacher/api/whoami');

		this.token = typeof who.page_token === 'string' ?
			who.page_token : null;
		return who;
	}

	/* POSTs body as JSON to url; resolves to the answer's JSON. */
	async post(url, body) {
		const headers = { 'Content-Type': 'application/json' };

		if (this.token !== null)
			headers['X-Teacher-Token'] = this.token;
		const res = await request(url, {
			method: 'POST',
			headers,
			body: JSON.stringify(body),
			cache: 'no-store',
		});

		if (!res.ok)
			throw await failure(res);
		return res.json();
	}
}

/*
 * The event stream: one EventSource at a time, reopened with a new
 * query when the trace subscription changes. Calls onEvent(object) for
 * each event and onState('open' | 'reconnecting' | 'closed') when the
 * connection changes.
 */
export class EventStream {
	/* Nothing is opened until open(). */
	constructor(onEvent, onState) {
		this.onEvent = onEvent;
		this.onState = onState;
		this.source = null;
		this.trace = [];
		this.timer = null;
	}

	/*
	 * The URL for the subscription now. wire=1: the server keeps every
	 * caller's recent wire while the page is open, so any row opens with
	 * its last lines.
	 */
	url() {
		if (this.trace.length === 0)
			return EVENTS_URL + '?wire=1';
		return EVENTS_URL + '?wire=1&trace=' + this.trace.join(',');
	}

	/* Follows the trace of the sessions in ids (numbers) from now on. */
	follow(ids) {
		this.trace = ids.filter((id) => Number.isSafeInteger(id) && id > 0);
		this.open();
	}

	/* (Re)opens the stream for the subscription now. */
	open() {
		this.shut();
		const source = new EventSource(this.url());

		this.source = source;
		source.onopen = () => this.onState('open');
		source.onmessage = (msg) => {
			let event = null;

			try {
				event = JSON.parse(msg.data);
			} catch (err) {
				/* Not JSON: nothing the page can use. */
				return;
			}
			if (event !== null && typeof event === 'object')
				this.onEvent(event);
		};
		source.onerror = () => {
			if (source !== this.source)
				return;
			if (source.readyState === EventSource.CLOSED) {
				/* Refused: the browser gives up; we do not. */
				this.onState('closed');
				this.timer = setTimeout(() => this.open(), REOPEN_MS);
			} else {
				this.onState('reconnecting');
			}
		};
	}

	/* Closes the stream, and any reopening planned. */
	shut() {
		if (this.timer !== null) {
			clearTimeout(this.timer);
			this.timer = null;
		}
		if (this.source !== null) {
			this.source.close();
			this.source = null;
		}
	}
}
