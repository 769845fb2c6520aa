#!/bin/sh
# `make run`: shows the command line, parses the real HJ 212 sample capture, and — once the
# server exists — loads the demo district on first run and starts `envgov serve` on 127.0.0.1.
set -eu
cd "$(dirname "$0")/.."
BIN=build/envgov
$BIN --help
SAMPLE=../shared/data/real/hj212_xiaoyao9184_hj-t212-parser/AllData_2016-08-24_05_first3000lines.h212
if [ -f "$SAMPLE" ]; then
    echo
    echo "== parsing the real HJ 212 capture ($SAMPLE), first 3 packets:"
    head -n 3 "$SAMPLE" | $BIN hj212 parse - || true
fi
