#!/bin/sh
# Installs, with apt-get, the Debian packages envgov needs that are not yet on this machine.
# Each package is checked with dpkg first; only the missing ones are installed, and named.
# Usage: scripts/deps.sh [build|bench|fuzz|all]   (default: build)
set -eu

BUILD="gcc make pkg-config clang-format libsqlite3-dev libmicrohttpd-dev libjansson-dev libsodium-dev \
libxlsxwriter-dev libiniparser-dev sqlite3 curl"
FUZZ="clang libclang-rt-14-dev"
BENCH="wrk nginx-light"

case "${1:-build}" in
build) want="$BUILD" ;;
fuzz) want="$BUILD $FUZZ" ;;
bench) want="$BUILD $BENCH" ;;
all) want="$BUILD $FUZZ $BENCH" ;;
*) echo "usage: $0 [build|bench|fuzz|all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "deps: all packages present"
    exit 0
fi

echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
echo "deps: installed:$missing"
