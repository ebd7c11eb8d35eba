#!/usr/bin/env bash
# Installs what hotline needs from Debian, builds it, and then either starts
# hotlined (run) or builds with sanitizers and runs every test (test).
#   ./setup.sh run [hotlined options]
#   ./setup.sh test
set -euo pipefail
cd "$(dirname "$0")"

packages=(gcc make cmake pkg-config libevent-dev libtelnet-dev libyaml-dev
          libsqlite3-dev libreadline-dev libcrypt-dev libcmocka-dev
          libwslay-dev nettle-dev libcjson-dev)
# npm installs the browser page's xterm.js and the teacher's page's viz.js
# (web/package-lock.json pins them):
# Debian's npm, unless one is there.
command -v npm >/dev/null || packages+=(npm)
# Only for ./setup.sh test: fuzzing, valgrind and the static checks; and
# what test_guide runs the teacher's guide with.
test_packages=(clang libclang-rt-14-dev valgrind clang-tidy cppcheck
               clang-format
               python3 tmux inetutils-telnet tcpdump netcat-openbsd iproute2
               xxd curl)
# The browser tests: headless Chromium and a CJK font for its screenshots.
test_packages+=(chromium-headless-shell fonts-wqy-zenhei)

install_missing() {
	local missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "setup.sh: installing ${missing[*]}" >&2
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
		--no-install-recommends "${missing[@]}"
}

case "${1:-}" in
run)
	shift
	install_missing
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
	# The two programs only: a first run should not wait for the tests.
	cmake --build build -j "$(nproc)" --target hotlined hotline
	# xterm.js and viz.js for the pages hotlined serves to browsers, from web/.
	(cd web && npm ci --no-audit --no-fund)
	exec build/hotlined "$@"
	;;
test)
	packages+=("${test_packages[@]}")
	install_missing
	# A plain hotlined for valgrind and the RSS figure of the hostile test.
	cmake -S . -B build-plain -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DBUILD_TESTING=OFF
	cmake --build build-plain -j "$(nproc)" --target hotlined
	cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug \
		-DHOTLINE_SANITIZE=ON -DHOTLINE_WERROR=ON \
		-DHOTLINE_PLAIN_HOTLINED="$PWD/build-plain/hotlined"
	cmake --build build-test -j "$(nproc)"
	# xterm.js and viz.js for the pages, as web/package-lock.json pins them.
	(cd web && npm ci --no-audit --no-fund)
	ctest --test-dir build-test --output-on-failure
	# The libFuzzer harnesses, about 30 s each.
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug \
		-DHOTLINE_FUZZ=ON
	cmake --build build-fuzz -j "$(nproc)" --target hotline_fuzzers
	ctest --test-dir build-fuzz -L fuzz --output-on-failure -j "$(nproc)"
	exec scripts/lint
	;;
*)
	echo "usage: ./setup.sh run [hotlined options] | ./setup.sh test" >&2
	exit 2
	;;
esac
