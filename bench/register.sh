#!/bin/sh
# Register benchmark (no traffic): `riskmap register update` of a generated scan of N findings
# on H hosts (default 100,000 on 5,000, the issue's size), first into an empty register, then
# again (every risk already held), then `register export` as CSV and JSON. Prints riskmap's own
# split (--stats: load versus evaluate+score+apply), elapsed and CPU time, and the sizes.
#
#   bench/register.sh                 N=100000 H=5000
#   N=20000 H=1000 bench/register.sh
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RISKMAP=${RISKMAP:-$ROOT/riskmap}
N=${N:-100000}
H=${H:-5000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/riskmap-bench-register.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
POL="$ROOT/tests/fixtures/policies/small.xml"
GEN="$ROOT/tests/fixtures/register/make_scan.py"

python3 "$GEN" big "$N" "$WORK/a.json" "$H" aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 2026-12-01T09:00:00Z
python3 "$GEN" big "$N" "$WORK/b.json" "$H" bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb 2026-12-08T09:00:00Z
echo "scan result: $N findings on $H hosts, $(stat -c %s "$WORK/a.json") bytes; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for s in a b; do
    /usr/bin/time -f "  elapsed %e s, user %U s, sys %S s, max RSS %M KB" \
        "$RISKMAP" register update "$WORK/$s.json" -p "$POL" --db "$WORK/r.db" --stats 2>&1 |
        grep -E '^(register:|stats:|  elapsed)'
done
echo "register.db: $(stat -c %s "$WORK/r.db") bytes"
for f in csv json; do
    /usr/bin/time -f "export $f: elapsed %e s" "$RISKMAP" register export --format $f \
        --db "$WORK/r.db" -o "$WORK/r.$f" 2>&1
    echo "  $(stat -c %s "$WORK/r.$f") bytes"
done
