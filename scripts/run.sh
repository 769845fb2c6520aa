#!/bin/sh
# `make run`: on first run loads the Pudong-like demo district into var/envgov.db with a year of
# hourly history for every station and outlet written straight into the store (printing the
# logins once and keeping a copy in var/demo-logins.txt, mode 0600), then starts `envgov serve`
# with the HTTP API on 127.0.0.1:8080 and the HJ 212 device port on 127.0.0.1:2756, and the
# simulator for every demo device: each continues its stored data from the hour after its last
# stored hour, catching up to now at 120x, then live, so there is no gap. Ctrl-C stops both.
# Override with EG_HTTP, EG_HJ212, EG_DB, EG_SIM_DEVICES (default: every device).
set -eu
cd "$(dirname "$0")/.."
BIN=build/envgov
DB=${EG_DB:-var/envgov.db}
HTTP=${EG_HTTP:-127.0.0.1:8080}
HJ212=${EG_HJ212:-127.0.0.1:2756}
DEVICES=${EG_SIM_DEVICES:-100000}
mkdir -p "$(dirname "$DB")" var

if [ ! -f "$DB" ]; then
    echo "== first run: loading the demo district and its history into $DB (about 20-30 s)"
    umask 077
    if ! $BIN demo --db "$DB" >var/demo-logins.txt; then
        rm -f "$DB" "$DB-wal" "$DB-shm"
        echo "envgov demo failed (see above); nothing was kept" >&2
        exit 1
    fi
    cat var/demo-logins.txt
    umask 022
else
    echo "== using $DB (delete it to reload the demo); demo logins: var/demo-logins.txt"
fi

$BIN serve --db "$DB" --http "$HTTP" --hj212 "$HJ212" &
SERVE=$!
SIM=
trap 'kill $SIM $SERVE 2>/dev/null; wait $SERVE 2>/dev/null; exit 0' INT TERM
# Wait until the API answers before starting the simulator.
i=0
until curl -fs "http://$HTTP/healthz" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 $SERVE 2>/dev/null; then
        echo "envgov serve did not start" >&2
        exit 1
    fi
    sleep 0.1
done
echo "== envgov is running: web UI http://$HTTP/ , API http://$HTTP/api/v1/ (docs: /api/v1/docs, OpenAPI: /api/v1/openapi.json, /healthz, /metrics)"
echo "== HJ 212 devices: $HJ212"
: >>var/sim.log
LINES_BEFORE=$(wc -l <var/sim.log)
$BIN sim --db "$DB" --devices "$DEVICES" --interval 60 --to "$HJ212" >>var/sim.log 2>&1 &
SIM=$!
# The simulator says how many devices it plays and from when they continue.
i=0
while [ $i -lt 100 ] && [ "$(wc -l <var/sim.log)" -le "$LINES_BEFORE" ] && kill -0 $SIM 2>/dev/null; do
    i=$((i + 1))
    sleep 0.1
done
tail -n +"$((LINES_BEFORE + 1))" var/sim.log | head -1 | sed 's/^envgov sim: /== simulator: /'
echo "== simulator running (log: var/sim.log). Try: curl http://$HTTP/api/v1/aqi/latest"
wait $SERVE
