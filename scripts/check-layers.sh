#!/bin/sh
# check-layers.sh: keeps the layout of src/ as docs and issue 9 describe it. Fails, naming
# file:line and the rule, when
#   sql      SQL text (a string literal that is a statement) is in a module that owns no tables;
#   sqlite3  `sqlite3` appears anywhere in src/ but src/db/sqlite.c (the one file that knows SQLite);
#   dialect  SQLite-only syntax is in a string literal outside src/db (PostgreSQL must run it too);
#   order    a module includes a header of a module at its level or above, or an unknown module;
#   private  a module includes another module's internal header.
# Comments are not code: only string literals count for sql/dialect (a comment may name a PRAGMA).
# tests/, bench/ and fuzz/ are exempt (they may open SQLite directly to set a scene).
#
# Usage: scripts/check-layers.sh [--root DIR]   check DIR/src (default: this tree)
#        scripts/check-layers.sh --self-test    plant each violation in a copy, expect each caught
set -eu

# Module order, lower first; a module may include its own headers and those of lower levels
# (modules in one comma group share a level and may not include each other).
ORDER="base hj212,quality obs db auth registry ts eval devices ingest flow tasks intake rules govern plans http demo cli"
# Modules that own tables and may therefore hold SQL.
OWNERS="db auth registry ts eval devices flow tasks intake rules govern plans"

here=$(cd "$(dirname "$0")/.." && pwd)

check() {
    root=$1
    (cd "$root" && find src -name '*.[ch]' | sort) >/dev/null 2>&1 || {
        echo "check-layers: no src/ under $root" >&2
        return 2
    }
    cd "$root"
    find src -name '*.[ch]' | sort |
        ORDER="$ORDER" OWNERS="$OWNERS" perl -e '
use strict; use warnings;
my (%level, %owner);
my $l = 0;
for my $g (split " ", $ENV{ORDER}) { $level{$_} = $l for split /,/, $g; $l++ }
$owner{$_} = 1 for split " ", $ENV{OWNERS};
my $sql = qr/^\s*(?:SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|WITH)\s+[A-Za-z_*(]
            |^\s*(?:BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|VACUUM)\b
            |\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|ON\s+CONFLICT
            |CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|VIEW|TRIGGER))\b
            |\bSELECT\s.*\bFROM\s/x;
# SQLite-only: conflict clauses, PRAGMA, AUTOINCREMENT, rowid tables, SQLite functions
# (PostgreSQL: ON CONFLICT, SERIAL/IDENTITY, now()/to_char, GREATEST/LEAST).
my $dialect = qr/\bINSERT\s+OR\s+\w+|\bREPLACE\s+INTO\b|\bPRAGMA\b|\bAUTOINCREMENT\b
            |\bWITHOUT\s+ROWID\b|\browid\b|\blast_insert_rowid\b|\bsqlite_\w+|\bGLOB\b
            |\b(?:strftime|julianday|datetime|unixepoch|ifnull|IFNULL|group_concat|instr|printf
            |unicode|typeof|zeroblob|randomblob|total_changes|changes)\s*\(
            |\b(?:max|min)\s*\((?:[^(),]|\([^()]*\))*,/x;
my $bad = 0;
sub fail { my ($f, $n, $rule, $msg) = @_; print "$f:$n: [$rule] $msg\n"; $bad = 1 }
while (my $f = <STDIN>) {
    chomp $f;
    my ($mod) = $f =~ m{^src/([^/]+)/} or next;
    open my $fh, "<", $f or die "$f: $!";
    my $text = do { local $/; <$fh> };
    close $fh;
    # strip comments, keep strings and newlines (so line numbers hold)
    $text =~ s{("(?:[^"\\\n]|\\.)*")|(\x27(?:[^\x27\\\n]|\\.)*\x27)|(/\*.*?\*/)|(//[^\n]*)}
              {defined $1 ? $1 : defined $2 ? $2 : defined $3 ? ($3 =~ tr/\n//cdr) : ""}gse;
    my $n = 0;
    for my $line (split /\n/, $text, -1) {
        $n++;
        if ($line =~ /sqlite3/ && $f ne "src/db/sqlite.c") {
            fail($f, $n, "sqlite3", "sqlite3 outside src/db/sqlite.c: go through db/db.h");
        }
        if ($line =~ /^\s*#\s*include\s*"([^"\/]+)\/([^"]+)"/) {
            my ($m, $h) = ($1, $2);
            if (!exists $level{$mod}) {
                fail($f, $n, "order", "module $mod is not in the order (scripts/check-layers.sh ORDER)");
            } elsif (!exists $level{$m}) {
                fail($f, $n, "order", "includes $m/$h: module $m is not in the order");
            } elsif ($m ne $mod && $h =~ /internal/) {
                fail($f, $n, "private", "includes $m/$h: internal to module $m");
            } elsif ($m ne $mod && $level{$m} >= $level{$mod}) {
                fail($f, $n, "order", "$mod includes $m/$h: $m is not below $mod");
            }
        }
        while ($line =~ /"((?:[^"\\]|\\.)*)"/g) {
            my $lit = $1;
            if (!$owner{$mod} && $lit =~ $sql) {
                fail($f, $n, "sql", "SQL in module $mod, which owns no tables: move it into a function of the owner ($ENV{OWNERS})");
            }
            if ($mod ne "db" && $lit =~ $dialect) {
                fail($f, $n, "dialect", "SQLite-only syntax outside src/db: use portable SQL or a db/db.h option");
            }
        }
    }
}
exit $bad;
'
}

# Plants each line in its own file of an empty tree, checks once, and expects exactly the planted
# violations: every "bad" line reported under its rule, no "ok" line reported.
self_test() {
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    i=0
    : >"$tmp/want"
    while IFS='|' read -r want rule mod line; do
        i=$((i + 1))
        f="src/$mod/planted_$i.c"
        mkdir -p "$tmp/$(dirname "$f")"
        printf '%s\n' "$line" >"$tmp/$f"
        [ "$want" = bad ] && echo "$f:1: [$rule]" >>"$tmp/want"
    done <<'EOF'
bad|sql|cli|static const char *q = "SELECT id FROM users WHERE name = ?";
bad|sql|http|static const char *q = "DELETE FROM ingest_landing WHERE id <= ?";
bad|sql|ingest|static const char *q = "BEGIN IMMEDIATE";
bad|sql|ingest|static const char *q = "INSERT INTO t (a) VALUES (?) ON CONFLICT DO NOTHING";
bad|sqlite3|ingest|#include <sqlite3.h>
bad|sqlite3|registry|static void f(void) { sqlite3_exec(0, 0, 0, 0, 0); }
bad|dialect|devices|static const char *q = "INSERT OR IGNORE INTO ingest_commands (mn) VALUES (?)";
bad|dialect|ts|static const char *q = "PRAGMA synchronous=FULL";
bad|dialect|registry|static const char *q = "SELECT strftime('%s', 'now')";
bad|dialect|devices|static const char *q = "UPDATE s SET t = max(coalesce(t, 0), ?1)";
bad|order|quality|#include "db/db.h"
bad|order|hj212|#include "quality/quality.h"
bad|order|ts|#include "ingest/ingest.h"
bad|order|newmod|#include "base/base.h"
bad|private|http|#include "ingest/internal.h"
ok|-|ingest|/* the writer's connection runs PRAGMA synchronous=FULL; see "SELECT x FROM y" */
ok|-|http|static const char *const m[] = {"GET", "POST", "DELETE"};
ok|-|registry|static const char *q = "SELECT id FROM users WHERE name = ?";
ok|-|devices|static const char *q = "SELECT max(t) FROM ingest_landing";
ok|-|devices|#include "devices/internal.h"
ok|-|cli|#include "http/http.h"
EOF
    out=$(check "$tmp" 2>&1 || true)
    got=$(printf '%s\n' "$out" | sed -n 's/^\(src\/[^:]*:[0-9]*: \[[a-z0-9]*\]\).*/\1/p' | sort -u)
    if [ "$got" != "$(sort -u "$tmp/want")" ]; then
        echo "check-layers self-test: expected these violations:" >&2
        sort -u "$tmp/want" >&2
        echo "but the check reported:" >&2
        printf '%s\n' "$out" >&2
        return 1
    fi
    echo "check-layers self-test: $(wc -l <"$tmp/want") planted violations caught, no false alarm"
}

broken() {
    echo "check-layers: the lines above break the layout rules (see scripts/check-layers.sh)" >&2
    exit 1
}

case "${1:-}" in
--self-test) self_test ;;
--root) check "$2" || broken ;;
"") check "$here" && echo "check-layers: ok" || broken ;;
*)
    echo "usage: $0 [--root DIR | --self-test]" >&2
    exit 2
    ;;
esac
