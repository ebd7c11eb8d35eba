#!/usr/bin/env bash
# One scripted session against hotlined under valgrind's memcheck: every
# menu flow (query and login, balance, usage, plan, recent recharges,
# recharge by card and by amount, the chat room, GBK, Big5, /wire, invalid
# and over-long entries), then SIGTERM. Passes when valgrind reports no
# memory errors and "definitely lost: 0 bytes".
#   tests/valgrind-session.sh PLAIN_HOTLINED CLIENT
# PLAIN_HOTLINED must be built without sanitizers (valgrind cannot run an
# ASan binary); CLIENT is any hotline client build (it is not checked).
set -euo pipefail

hotlined=$1
client=$2
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/hotline-valgrind-XXXXXX)
server_pid=
trap 'test -n "$server_pid" && kill -9 "$server_pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# Seeding hashes the demo passwords with yescrypt, which is slow under
# valgrind: seed the database with a plain run first.
"$hotlined" --listen 127.0.0.1 --port 0 --menus "$here/menus" \
	--db "$work/hotline.db" >"$work/seed.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
	grep -q 'listening on' "$work/seed.log" && break
	sleep 0.1
done
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=

valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
	--errors-for-leak-kinds=definite --error-exitcode=99 \
	--track-origins=yes --log-file="$work/valgrind.log" \
	"$hotlined" --listen 127.0.0.1 --port 0 --menus "$here/menus" \
	--db "$work/hotline.db" >"$work/server.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 600); do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/server.log" | head -1)
	[ -n "$port" ] && break
	sleep 0.1
done
if [ -z "$port" ]; then
	echo "valgrind-session: hotlined did not start" >&2
	cat "$work/server.log" "$work/valgrind.log" >&2
	exit 1
fi

# Each caller: lines in, the client prints what comes back.
call() {
	printf "$1" | "$client" --linger 2 127.0.0.1 "$port" >>"$work/calls.log" 2>&1 || true
}
# Query: a wrong number, an over-long password, the right one, every key.
call '1\n123\n13800138000\n12345678901234567890\n13800138000\n123456\n1\n2\n3\n4\n*\n#\n3\n'
# Recharge by card (twice: the second time it is used) and by amount.
call '2\n13900139000\n1\n1111-2222-3333-4444\n1\n1111222233334444\n#\n3\n'
call '2\n13700137000\n2\n12345678\n50\n2\n2\n20\n1\n#\n3\n'
# Chat: two callers at once, commands, hostile bytes, then GBK and /wire.
call '4\nhello\n/nick tester\n/who\n/me waves\n/msg nobody hi\n/bogus\n\033[2J\n/menu\n3\n' &
other=$!
call '4\nhi there\n/who\n/quit\n'
wait "$other"
call '9\n2\n4\n\xc4\xe3\xba\xc3\n/menu\n8\n9\n3\n0\nx\ny\nz\n'
# Big5 (繁體中文): a GBK and a Big5 member in the room at once.
call '9\n2\n4\n\xc4\xe3\xba\xc3\n/quit\n' &
other=$!
call '9\n5\n4\n\xa7\x41\xa6\x6e\n/menu\n8\n3\n'
wait "$other"
# A raw line-mode caller that drops mid-line.
printf '1\r\n1380013' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; sleep 1" || true

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=
grep -E 'definitely lost|ERROR SUMMARY|All heap blocks' "$work/valgrind.log" || true
if [ "$status" -ne 0 ] || ! grep -q 'ERROR SUMMARY: 0 errors' "$work/valgrind.log"; then
	echo "valgrind-session: memcheck found problems (exit $status):" >&2
	cat "$work/valgrind.log" >&2
	exit 1
fi
if grep -q 'definitely lost: [1-9]' "$work/valgrind.log"; then
	echo "valgrind-session: memory definitely lost" >&2
	exit 1
fi
echo "valgrind-session: definitely lost: 0, no memory errors"
