#!/bin/sh
# Installs, with apt-get, the Debian packages envgov needs that are not yet on this machine.
# Each package is checked with dpkg first; only the missing ones are installed, and named.
# Then the browser files the server serves offline (the API page /api/v1/docs renders with Swagger
# UI, npm package swagger-ui-dist): `npm ci` from package.json and package-lock.json into
# node_modules/, when they are missing or older than the lock (install scripts off: nothing runs,
# nothing is fetched at run time).
# The web UI (web/, Vue + Element Plus + ECharts) is built from the same node_modules by Vite
# (`make web`); its browser tests (`make check-web`, part of `make test`) drive Debian's chromium
# headless with playwright-core, and need fonts-noto-cjk so that Chinese renders (group web).
# Usage: scripts/deps.sh [build|web|bench|fuzz|all]   (default: build)
set -eu

BUILD="gcc make pkg-config clang-format libsqlite3-dev libpq-dev postgresql-15 libmicrohttpd-dev libjansson-dev libsodium-dev \
libxlsxwriter-dev libiniparser-dev zlib1g-dev sqlite3 curl"
FUZZ="clang libclang-rt-14-dev"
BENCH="wrk nginx-light"
WEB="chromium fonts-noto-cjk"

case "${1:-build}" in
build) want="$BUILD" ;;
web) want="$BUILD $WEB" ;;
fuzz) want="$BUILD $FUZZ" ;;
bench) want="$BUILD $BENCH" ;;
all) want="$BUILD $FUZZ $BENCH $WEB" ;;
*) echo "usage: $0 [build|web|bench|fuzz|all]" >&2; exit 2 ;;
esac

missing=""
# npm: Debian's package, unless an npm is already there (one bundled with another Node.js build)
if ! command -v npm >/dev/null 2>&1; then missing=" npm"; fi
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "deps: all packages present"
else
    echo "deps: installing:$missing"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing
    echo "deps: installed:$missing"
fi

# the API page's renderer and the web UI's packages (npm), from the lock file
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ ! -f node_modules/swagger-ui-dist/swagger-ui-bundle.js ] || [ ! -f node_modules/vite/package.json ] ||
    [ ! -f node_modules/playwright-core/package.json ] || [ ! -f "$stamp" ] ||
    [ package-lock.json -nt "$stamp" ]; then
    echo "deps: npm ci (swagger-ui-dist for /api/v1/docs; Vue, Element Plus, ECharts, Vite, playwright-core for the web UI)"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
