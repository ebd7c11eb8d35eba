/*
 * hotline.js: the browser caller. One call is one WebSocket to /ws on the
 * page's own host and port; its binary frames carry telnet both ways, so
 * hotlined drives the browser through the same core as any telnet
 * caller. The small telnet state machine here takes character mode
 * (WILL ECHO, WILL SGA, BINARY both ways), says TTYPE xterm-256color and
 * NAWS on every resize, and refuses everything else.
 *
 * It knows nothing of menus or lines: keys go out as the terminal makes
 * them (Enter as CR, Backspace as DEL, IME-committed text as UTF-8) and
 * the server's line editor does the rest. Nothing reconnects by itself:
 * after a hang-up, Enter (or the status line's button) is a new call.
 */
(function () {
	'use strict';

	/* Telnet commands (RFC 854) and the options we take part in. */
	const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251;
	const SB = 250, SE = 240;
	const OPT_BINARY = 0, OPT_ECHO = 1, OPT_SGA = 3, OPT_TTYPE = 24;
	const OPT_NAWS = 31;
	const TTYPE_IS = 0, TTYPE_SEND = 1;
	const TERMINAL_TYPE = 'xterm-256color';

	/* Options the server may enable on its side (we say DO). */
	const HIM_ACCEPT = new Set([OPT_ECHO, OPT_SGA, OPT_BINARY]);
	/* Options we enable on our side when asked (we say WILL). */
	const US_ACCEPT = new Set([OPT_BINARY, OPT_SGA, OPT_TTYPE, OPT_NAWS]);

	/* A subnegotiation we keep; ours are a few bytes, so more is noise. */
	const SB_MAX = 64;

	/* Parser states of the telnet byte stream. */
	const S_DATA = 0, S_IAC = 1, S_OPT = 2, S_SB = 3, S_SB_IAC = 4;

	/*
	 * Telnet for one call: feed() takes the server's bytes, hands data
	 * bytes to onData and answers negotiation through send; sendText()
	 * encodes what the caller typed. send gets a Uint8Array.
	 */
	class Telnet {
		/* Starts with every option off, as RFC 854 says. */
		constructor(send, onData, size) {
			this.send = send;
			this.onData = onData;
			this.size = size;
			this.us = new Set();
			this.him = new Set();
			this.state = S_DATA;
			this.verb = 0;
			this.sb = [];
			this.sbOverflow = false;
			this.encoder = new TextEncoder();
		}

		/* Whether the server echoes what we type. */
		serverEchoes() {
			return this.him.has(OPT_ECHO);
		}

		/* Parses one frame's bytes; data bytes go to onData in one piece. */
		feed(bytes) {
			const data = [];

			for (const b of bytes) {
				switch (this.state) {
				case S_DATA:
					if (b === IAC)
						this.state = S_IAC;
					else
						data.push(b);
					break;
				case S_IAC:
					this.state = S_DATA;
					if (b === IAC) {
						data.push(IAC);
					} else if (b >= WILL && b <= DONT) {
						this.verb = b;
						this.state = S_OPT;
					} else if (b === SB) {
						this.sb = [];
						this.sbOverflow = false;
						this.state = S_SB;
					}
					/* NOP, GA, AYT and the rest mean nothing to a terminal. */
					break;
				case S_OPT:
					this.state = S_DATA;
					this.negotiate(this.verb, b);
					break;
				case S_SB:
					if (b === IAC)
						this.state = S_SB_IAC;
					else
						this.sbPush(b);
					break;
				case S_SB_IAC:
					if (b === SE) {
						this.state = S_DATA;
						if (!this.sbOverflow)
							this.subnegotiation(this.sb);
					} else {
						/* IAC IAC is a data 0xff; anything else is malformed. */
						this.sbPush(b);
						this.state = S_SB;
					}
					break;
				}
			}
			if (data.length > 0)
				this.onData(Uint8Array.from(data));
		}

		/* Keeps one subnegotiation byte, up to SB_MAX. */
		sbPush(b) {
			if (this.sb.length < SB_MAX)
				this.sb.push(b);
			else
				this.sbOverflow = true;
		}

		/*
		 * Answers WILL, WONT, DO or DONT. An answer goes out only when the
		 * option's state changes, so two peers never loop (RFC 854).
		 */
		negotiate(verb, opt) {
			/* WILL and WONT are about the server's side, DO and DONT ours. */
			const theirs = verb === WILL || verb === WONT;
			const on = theirs ? this.him : this.us;
			const accept = theirs ? HIM_ACCEPT : US_ACCEPT;
			const yes = theirs ? DO : WILL;
			const no = theirs ? DONT : WONT;

			if (verb === WONT || verb === DONT) {
				if (on.delete(opt))
					this.command(no, opt);
				return;
			}
			if (on.has(opt))
				return;
			if (!accept.has(opt)) {
				this.command(no, opt);
				return;
			}
			on.add(opt);
			this.command(yes, opt);
			if (!theirs && opt === OPT_NAWS)
				this.sendNaws();
		}

		/* Answers SB TTYPE SEND; other subnegotiations are ignored. */
		subnegotiation(sb) {
			if (sb.length === 2 && sb[0] === OPT_TTYPE &&
			    sb[1] === TTYPE_SEND && this.us.has(OPT_TTYPE)) {
				const name = Array.from(this.encoder.encode(TERMINAL_TYPE));

				this.send(Uint8Array.from([IAC, SB, OPT_TTYPE, TTYPE_IS,
					...name, IAC, SE]));
			}
		}

		/* Sends IAC verb opt. */
		command(verb, opt) {
			this.send(Uint8Array.from([IAC, verb, opt]));
		}

		/* Sends the window size, if the server asked for NAWS. */
		sendNaws() {
			if (!this.us.has(OPT_NAWS))
				return;
			const { cols, rows } = this.size();
			const body = [OPT_NAWS, cols >> 8, cols & 0xff, rows >> 8,
				rows & 0xff];

			this.send(Uint8Array.from([IAC, SB, ...escapeIac(body), IAC,
				SE]));
		}

		/*
		 * Sends typed text as UTF-8. Outside binary mode a CR must be
		 * followed by NUL (RFC 854); in binary mode it goes bare, as
		 * inetutils telnet sends Enter.
		 */
		sendText(text) {
			const bytes = [];

			for (const b of this.encoder.encode(text)) {
				bytes.push(b);
				if (b === 13 && !this.us.has(OPT_BINARY))
					bytes.push(0);
			}
			this.send(Uint8Array.from(escapeIac(bytes)));
		}
	}

	/* Doubles every 0xff, as telnet carries a data byte 0xff. */
	function escapeIac(bytes) {
		const out = [];

		for (const b of bytes) {
			out.push(b);
			if (b === IAC)
				out.push(IAC);
		}
		return out;
	}

	/*
	 * xterm.js sets its colours and cell sizes by adding <style> elements,
	 * which default-src 'self' refuses as inline styles. CSSOM changes
	 * made by our own script are allowed, so each such element is copied
	 * into a constructed style sheet, and kept in step with it.
	 */
	function mirrorInjectedStyles() {
		const sheets = new Map();

		function sync(el) {
			let sheet = sheets.get(el);

			if (!sheet) {
				sheet = new CSSStyleSheet();
				sheets.set(el, sheet);
				document.adoptedStyleSheets = [
					...document.adoptedStyleSheets, sheet];
			}
			sheet.replaceSync(el.textContent);
		}

		function drop(el) {
			const sheet = sheets.get(el);

			if (!sheet)
				return;
			sheets.delete(el);
			document.adoptedStyleSheets =
				document.adoptedStyleSheets.filter((s) => s !== sheet);
		}

		/* The <style> elements in a node added or removed, itself included. */
		function stylesIn(n) {
			if (n.nodeName === 'STYLE')
				return [n];
			return n.querySelectorAll ?
				Array.from(n.querySelectorAll('style')) : [];
		}

		new MutationObserver((records) => {
			for (const r of records) {
				if (r.target.nodeName === 'STYLE')
					sync(r.target);
				else if (r.target.parentNode &&
					 r.target.parentNode.nodeName === 'STYLE')
					sync(r.target.parentNode);
				for (const n of r.addedNodes)
					stylesIn(n).forEach(sync);
				for (const n of r.removedNodes)
					stylesIn(n).forEach(drop);
			}
		}).observe(document, { childList: true, characterData: true,
			subtree: true });
	}

	const statusEl = document.getElementById('status');
	const statusText = document.getElementById('status-text');
	const redial = document.getElementById('redial');
	const STATUS_TEXT = {
		connecting: '正在接通 connecting…',
		connected: '已接通 connected',
		disconnected: '已挂断 disconnected',
	};

	mirrorInjectedStyles();

	const term = new Terminal({
		cursorBlink: true,
		fontSize: 16,
		fontFamily: '"DejaVu Sans Mono", "Noto Sans Mono CJK SC", ' +
			'"WenQuanYi Zen Hei Mono", monospace',
		scrollback: 1000,
	});
	const fit = new FitAddon.FitAddon();

	term.loadAddon(fit);
	term.open(document.getElementById('terminal'));

	let ws = null;
	let telnet = null;
	let decoder = null;
	let state = 'disconnected';

	/* Shows the call's state in the status line. */
	function setState(s) {
		state = s;
		statusEl.className = 'status status-' + s;
		statusText.textContent = STATUS_TEXT[s];
		redial.hidden = s !== 'disconnected';
	}

	/* The /ws URL on the page's own host and port, wss under https. */
	function wsUrl() {
		const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';

		return scheme + '//' + location.host + '/ws';
	}

	/* Places a new call: a fresh socket, telnet state and UTF-8 decoder. */
	function call() {
		if (state !== 'disconnected')
			return;
		setState('connecting');
		/* Streaming: a character split across two frames shows whole. */
		decoder = new TextDecoder('utf-8');
		const sock = new WebSocket(wsUrl());

		sock.binaryType = 'arraybuffer';
		telnet = new Telnet(
			(bytes) => {
				if (sock.readyState === WebSocket.OPEN)
					sock.send(bytes);
			},
			(bytes) => term.write(decoder.decode(bytes, { stream: true })),
			() => ({ cols: term.cols, rows: term.rows }));
		sock.onopen = () => setState('connected');
		sock.onmessage = (ev) => {
			/* Telnet travels in binary frames only. */
			if (ev.data instanceof ArrayBuffer)
				telnet.feed(new Uint8Array(ev.data));
		};
		sock.onclose = () => hangUp();
		ws = sock;
		term.focus();
	}

	/* The call ended, by either side: say so, and wait for Enter. */
	function hangUp() {
		if (state === 'disconnected')
			return;
		term.write(decoder.decode());
		ws = null;
		setState('disconnected');
		term.write('\r\n\r\n[已挂断 按回车键重拨] hung up: ' +
			'press Enter to call again\r\n');
	}

	/* A key, a paste or IME-committed text from the caller. */
	function input(text) {
		if (state === 'disconnected') {
			if (text === '\r')
				call();
			return;
		}
		if (state !== 'connected')
			return;
		/* Without the server's echo, echo as a plain telnet would. */
		if (!telnet.serverEchoes())
			term.write(text.replace(/\r/g, '\r\n'));
		telnet.sendText(text);
	}

	term.onData(input);
	term.onResize(() => {
		if (telnet)
			telnet.sendNaws();
	});

	const keypad = document.getElementById('keypad');

	/* Keeps the focus where it was: a tap must not pop up a keyboard. */
	keypad.addEventListener('mousedown', (ev) => ev.preventDefault());
	keypad.addEventListener('click', (ev) => {
		const key = ev.target.closest('button');

		if (key && key.dataset.key)
			input(key.dataset.key);
	});
	redial.addEventListener('click', () => call());

	/* One fit per frame, however many resize events arrive. */
	let fitPending = false;

	function scheduleFit() {
		if (fitPending)
			return;
		fitPending = true;
		requestAnimationFrame(() => {
			fitPending = false;
			fit.fit();
		});
	}

	new ResizeObserver(scheduleFit).observe(
		document.getElementById('terminal'));
	window.addEventListener('resize', scheduleFit);
	fit.fit();

	/* For the browser tests: the terminal and the call's state. */
	window.hotline = {
		term,
		state: () => state,
		call,
	};

	call();
})();
