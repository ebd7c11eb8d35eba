/*
 * room.js: the chat room on the projector, in large type: its lines
 * with joins and leaves (read-only: the teacher speaks with /wall), its
 * members, and the operator's buttons: /wall, kick and mute, POSTed with
 * the page token (api.js's Operator); the server does the same checks and
 * logs as for the chat commands, and its refusal is shown as it says it.
 *
 * It knows the room's URLs and how to draw a chat line; nothing of the
 * event stream (its owner hands it the "chat" events). Text from the
 * server goes in with textContent only.
 */
import { getJson } from './api.js';

const ROOM_URL = '/teacher/api/room';

/* Chat lines kept on the page: the room's recent talk, not a log. */
export const ROOM_MAX_LINES = 300;

/* After a join or leave the member list is read again this much later,
 * once for a burst (a class joining at once). */
const MEMBERS_DELAY_MS = 100;

/* "14:03" of an ISO time, or '' when it is not one. */
function clock(time) {
	const m = /T([0-9]{2}:[0-9]{2})/.exec(typeof time === 'string' ? time : '');

	if (m === null)
		return '';
	const d = new Date(time);

	if (Number.isNaN(d.getTime()))
		return m[1];
	return String(d.getHours()).padStart(2, '0') + ':' +
		String(d.getMinutes()).padStart(2, '0');
}

/* The words of one chat line, by kind, as {who, what}. */
function words(line) {
	const nick = typeof line.nick === 'string' ? line.nick : '';
	const text = typeof line.text === 'string' ? line.text : '';

	switch (line.kind) {
	case 'join':
		return { who: '→ ' + nick, what: 'joined' };
	case 'leave':
		/* text: why (hung up, kicked, idle, ...). */
		return { who: '← ' + nick, what: text ? 'left: ' + text : 'left' };
	case 'me':
		return { who: '* ' + nick, what: text };
	case 'wall':
		/* Session 0 is the teacher's page; else an operator in the chat. */
		return { who: (line.id === 0 ? 'teacher' : nick) + ' to all:', what: text };
	case 'notice':
		return { who: '', what: text };
	default:
		return { who: nick + ':', what: text };
	}
}

/* The room panel; operator posts the actions. */
export class Room {
	/*
	 * panel holds .room-lines, .room-members, .room-status and a
	 * form.wall with an input; nothing shows until load().
	 */
	constructor(panel, operator) {
		this.operator = operator;
		this.linesBox = panel.querySelector('.room-lines');
		this.membersBox = panel.querySelector('.room-members');
		this.status = panel.querySelector('.room-status');
		this.wallForm = panel.querySelector('form.wall');
		this.wallInput = this.wallForm.querySelector('input');
		this.members = [];
		this.timer = null;
		this.wallForm.addEventListener('submit', (e) => {
			e.preventDefault();
			this.wall(this.wallInput.value);
		});
		this.membersBox.addEventListener('click', (e) => this.clicked(e));
	}

	/* Reads the room (members and history) anew; resolves when shown. */
	async load() {
		try {
			const room = await getJson(ROOM_URL);

			this.linesBox.replaceChildren();
			this.add(Array.isArray(room.history) ? room.history : []);
			this.showMembers(Array.isArray(room.members) ? room.members : []);
		} catch (err) {
			this.say(err.message, true);
		}
	}

	/* Reads the members again, MEMBERS_DELAY_MS from now, once a burst. */
	reloadMembersSoon() {
		if (this.timer !== null)
			return;
		this.timer = setTimeout(async () => {
			this.timer = null;
			try {
				const room = await getJson(ROOM_URL);

				this.showMembers(Array.isArray(room.members) ?
					room.members : []);
			} catch (err) {
				this.say(err.message, true);
			}
		}, MEMBERS_DELAY_MS);
	}

	/* Adds chat lines (history entries or "chat" events) at the end. */
	add(lines) {
		const box = this.linesBox;
		const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;

		for (const line of lines) {
			if (line === null || typeof line !== 'object')
				continue;
			const div = document.createElement('div');
			const time = document.createElement('span');
			const who = document.createElement('span');
			const what = document.createElement('span');
			const w = words(line);

			div.className = 'chat-line ' + (typeof line.kind === 'string' &&
				/^[a-z]+$/.test(line.kind) ? line.kind : 'say');
			time.className = 'chat-time';
			time.textContent = clock(line.time);
			who.className = 'chat-nick';
			who.textContent = w.who;
			what.className = 'chat-text';
			what.textContent = w.what;
			div.append(time, who, what);
			box.append(div);
			if (line.kind === 'join' || line.kind === 'leave')
				this.reloadMembersSoon();
		}
		while (box.childElementCount > ROOM_MAX_LINES)
			box.firstElementChild.remove();
		if (atEnd)
			box.scrollTop = box.scrollHeight;
	}

	/* Draws the member list, each with mute and kick buttons. */
	showMembers(members) {
		const items = [];

		this.members = members.filter((m) => m && typeof m.nick === 'string');
		for (const m of this.members) {
			const li = document.createElement('li');
			const nick = document.createElement('span');
			const mute = document.createElement('button');
			const kick = document.createElement('button');

			li.dataset.nick = m.nick;
			li.classList.toggle('muted', m.muted === true);
			nick.className = 'member-nick';
			nick.textContent = m.nick + (m.muted === true ? ' (muted)' : '');
			mute.type = 'button';
			mute.className = 'mute';
			mute.textContent = m.muted === true ? 'unmute' : 'mute';
			kick.type = 'button';
			kick.className = 'kick';
			kick.textContent = 'kick';
			li.append(nick, mute, kick);
			items.push(li);
		}
		if (items.length === 0) {
			const li = document.createElement('li');

			li.className = 'nobody';
			li.textContent = 'nobody in the room';
			items.push(li);
		}
		this.membersBox.replaceChildren(...items);
	}

	/* A click in the member list: mute or kick that member. */
	clicked(e) {
		const button = e.target.closest('button');
		const li = e.target.closest('li[data-nick]');

		if (button === null || li === null)
			return;
		const member = this.members.find((m) => m.nick === li.dataset.nick);

		if (button.classList.contains('kick'))
			this.kick(li.dataset.nick);
		else if (button.classList.contains('mute'))
			this.mute(li.dataset.nick, !(member && member.muted === true));
	}

	/* Shows text in the room's status line; an error in red. */
	say(text, isError) {
		this.status.textContent = text;
		this.status.classList.toggle('error', isError);
		this.status.hidden = text === '';
	}

	/* POSTs one action; resolves to whether the server took it. */
	async act(url, body, done) {
		try {
			await this.operator.post(url, body);
			this.say(done, false);
			return true;
		} catch (err) {
			this.say(err.message, true);
			return false;
		}
	}

	/* Says text to the whole room as the teacher (the chat's /wall). */
	async wall(text) {
		if (text.trim() === '') {
			this.say('type what to tell the room first', true);
			return false;
		}
		const ok = await this.act('/teacher/api/wall', { text }, 'sent to everyone');

		if (ok)
			this.wallInput.value = '';
		return ok;
	}

	/* Puts nick out of the room. */
	async kick(nick) {
		const ok = await this.act('/teacher/api/kick', { nick },
			nick + ' was put out of the room');

		this.reloadMembersSoon();
		return ok;
	}

	/* Mutes nick, or lets nick speak again. */
	async mute(nick, muted) {
		const ok = await this.act('/teacher/api/mute', { nick, muted },
			nick + (muted ? ' is muted' : ' may speak again'));

		this.reloadMembersSoon();
		return ok;
	}
}
