/*
 * wire.js: one caller's wire, as `--trace` writes it (bytes in and out
 * as hex and text, telnet commands and WebSocket frames by name, state
 * changes, passwords already masked by the server), in a panel over the
 * view: first the session's last 200 lines, then each new line as the
 * event stream brings it.
 *
 * It keeps the lines and scrolls; it knows nothing of fetching them or
 * of the stream's subscription (its owner says open(), append(),
 * close()). Lines go in with textContent only.
 */

/*
 * Lines kept on the page: a chatty caller adds thousands a minute and a
 * projector shows a screenful, so the oldest go first.
 */
export const WIRE_MAX_LINES = 2000;

/* The wire panel: a title, the lines, a status line and a close button. */
export class WireView {
	/* panel holds elements .wire-title, .wire-lines, .wire-status, .wire-close. */
	constructor(panel, onClose) {
		this.panel = panel;
		this.title = panel.querySelector('.wire-title');
		this.lines = panel.querySelector('.wire-lines');
		this.status = panel.querySelector('.wire-status');
		this.id = null;
		panel.querySelector('.wire-close').addEventListener('click',
			() => onClose());
	}

	/* Shows the panel for session id, empty; title says who it is. */
	open(id, title) {
		this.id = id;
		this.title.textContent = title;
		this.lines.replaceChildren();
		this.say('loading the last lines…', false);
		this.panel.hidden = false;
	}

	/* Hides the panel and forgets the session. */
	close() {
		this.id = null;
		this.panel.hidden = true;
		this.lines.replaceChildren();
	}

	/* Whether the panel shows session id now. */
	isShowing(id) {
		return this.id !== null && this.id === id;
	}

	/* Shows text under the title; an error in red. */
	say(text, isError) {
		this.status.textContent = text;
		this.status.classList.toggle('error', isError);
		this.status.hidden = text === '';
	}

	/* Adds lines (strings) at the end, the oldest dropped past the bound. */
	append(lines) {
		const box = this.lines;
		/* Follow the end only if the teacher has not scrolled back. */
		const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
		const add = [];

		for (const line of lines) {
			if (typeof line !== 'string')
				continue;
			const div = document.createElement('div');

			div.className = 'wire-line';
			div.textContent = line;
			add.push(div);
		}
		box.append(...add.slice(-WIRE_MAX_LINES));
		while (box.childElementCount > WIRE_MAX_LINES)
			box.firstElementChild.remove();
		if (atEnd)
			box.scrollTop = box.scrollHeight;
	}

	/* The lines shown, as text: for the tests. */
	text() {
		return Array.from(this.lines.children, (d) => d.textContent);
	}
}
