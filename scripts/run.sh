#!/bin/sh
# `make run`: on first run loads the Pudong-like demo district into var/envgov.db (printing the
# logins once and keeping a copy in var/demo-logins.txt, mode 0600), then starts `envgov serve`
# with the HTTP API on 127.0.0.1:8080 and the HJ 212 device port on 127.0.0.1:2756, and the
# simulator for every demo device (408) so the demo is live: on first run it first replays the
# last 12 hours at 2880x (about 15 s) so that AQI and charts have data. Ctrl-C stops both.
# Override with EG_HTTP, EG_HJ212, EG_DB, EG_SIM_DEVICES.
set -eu
cd "$(dirname "$0")/.."
BIN=build/envgov
DB=${EG_DB:-var/envgov.db}
HTTP=${EG_HTTP:-127.0.0.1:8080}
HJ212=${EG_HJ212:-127.0.0.1:2756}
DEVICES=${EG_SIM_DEVICES:-408}
mkdir -p "$(dirname "$DB")"

if [ ! -f "$DB" ]; then
    echo "== first run: loading the demo district into $DB"
    umask 077
    $BIN demo --db "$DB" | tee var/demo-logins.txt
    umask 022
    touch var/.fresh
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
echo "== envgov is running: API http://$HTTP/api/v1/ (OpenAPI: /api/v1/openapi.json, /healthz, /metrics)"
echo "== HJ 212 devices: $HJ212; simulating $DEVICES demo devices"
if [ -f var/.fresh ]; then
    echo "== replaying the last 12 hours of device data (about 15 s)"
    START=$(TZ=Asia/Shanghai date -d '-12 hours' '+%Y-%m-%d %H:00')
    $BIN sim --db "$DB" --devices "$DEVICES" --interval 60 --to "$HJ212" --start "$START" \
        --speed 2880 --duration 15 >>var/sim.log 2>&1 || true
    rm -f var/.fresh
fi
$BIN sim --db "$DB" --devices "$DEVICES" --interval 60 --to "$HJ212" >>var/sim.log 2>&1 &
SIM=$!
echo "== simulator running (log: var/sim.log). Try: curl http://$HTTP/api/v1/aqi/latest"
wait $SERVE
