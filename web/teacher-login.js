/*
 * teacher-login.js: the teacher's login page (teacher/login.html, what
 * /teacher shows without the teacher's cookie). The secret (the key from
 * the startup link, or the operator password) goes to POST /teacher/login
 * as JSON; on success the server sets the cookie and the page reloads
 * /teacher, which is then the view. Opened as /teacher#key=KEY it logs in
 * at once, and drops the key from the address bar (and so from the
 * history) before anything else.
 *
 * It is public (a top-level path: /teacher/ paths need the key) and knows
 * nothing of the view. Server text goes in with textContent only.
 */

const LOGIN_URL = '/teacher/login';

const form = document.getElementById('login-form');
const input = document.getElementById('secret');
const button = document.getElementById('login-button');
const status = document.getElementById('login-status');
const buttonText = button.textContent;

/* The countdown of a lockout (429), while one runs. */
let lockTimer = null;

/* Shows text under the form; an error in red. */
function say(text, isError) {
	status.textContent = text;
	status.classList.toggle('error', isError);
	status.hidden = text === '';
}

/* Keeps the button off for seconds, counting down on it. */
function lockFor(seconds) {
	let left = seconds;

	clearInterval(lockTimer);
	button.disabled = true;
	button.textContent = 'wait ' + left + ' s';
	lockTimer = setInterval(() => {
		left--;
		if (left > 0) {
			button.textContent = 'wait ' + left + ' s';
			return;
		}
		clearInterval(lockTimer);
		lockTimer = null;
		button.disabled = false;
		button.textContent = buttonText;
	}, 1000);
}

/* The seconds of a 429: the JSON's retry_after, else Retry-After. */
function retryAfter(res, body) {
	const n = body && Number.isSafeInteger(body.retry_after) ?
		body.retry_after : parseInt(res.headers.get('Retry-After'), 10);

	return Number.isSafeInteger(n) && n > 0 ? n : 60;
}

/*
 * Logs in with secret; on success reloads /teacher (then the view).
 * Resolves to 'ok' or the error shown.
 */
async function login(secret) {
	let res = null;
	let body = null;

	say('checking…', false);
	button.disabled = true;
	try {
		res = await fetch(LOGIN_URL, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ secret }),
			cache: 'no-store',
			credentials: 'same-origin',
		});
		body = await res.json().catch(() => null);
	} catch (err) {
		button.disabled = false;
		say('no answer from the server: is hotlined running?', true);
		return status.textContent;
	}
	button.disabled = false;
	if (res.ok) {
		say('logged in, opening the view…', false);
		location.reload();
		return 'ok';
	}
	const said = body && typeof body.error === 'string' ? body.error :
		res.status + ' ' + res.statusText;

	if (res.status === 429) {
		const seconds = retryAfter(res, body);

		say(said + ' (try again in ' + seconds + ' s)', true);
		lockFor(seconds);
	} else if (res.status === 401) {
		say(said + ': check the key or password', true);
	} else {
		say(said, true);
	}
	input.select();
	return status.textContent;
}

form.addEventListener('submit', (e) => {
	e.preventDefault();
	if (input.value !== '')
		window.teacherLogin.last = login(input.value);
});

/* The key from #key=KEY, or null; the fragment is dropped either way. */
function keyFromFragment() {
	const m = /^#key=([^&]*)/.exec(location.hash);

	if (m === null)
		return null;
	/* Out of the address bar and the history before anything else. */
	history.replaceState(null, '', location.pathname + location.search);
	try {
		return decodeURIComponent(m[1]);
	} catch (err) {
		return m[1];
	}
}

const key = keyFromFragment();

/* For the tests: the running login's promise, if any. */
window.teacherLogin = { last: key === null ? null : login(key) };
if (key === null)
	input.focus();
