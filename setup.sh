#!/usr/bin/env bash
# Installs what hotline needs from Debian, builds it, and then either starts
# hotlined (run) or builds with sanitizers and runs every test (test).
#   ./setup.sh run [hotlined options]
#   ./setup.sh test
set -euo pipefail
cd "$(dirname "$0")"

packages=(gcc make cmake pkg-config libevent-dev libtelnet-dev libyaml-dev
          libsqlite3-dev libreadline-dev libcrypt-dev libcmocka-dev)

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
	cmake --build build -j "$(nproc)"
	exec build/hotlined "$@"
	;;
test)
	install_missing
	cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug \
		-DHOTLINE_SANITIZE=ON -DHOTLINE_WERROR=ON
	cmake --build build-test -j "$(nproc)"
	exec ctest --test-dir build-test --output-on-failure
	;;
*)
	echo "usage: ./setup.sh run [hotlined options] | ./setup.sh test" >&2
	exit 2
	;;
esac
