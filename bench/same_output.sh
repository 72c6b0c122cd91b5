#!/bin/bash
# Proof that a performance change changed no result: runs two riskmap binaries on the same
# generated inputs and compares every output byte for byte (timestamps masked only where a
# raw comparison differs, and then said so).
#
#   bench/same_output.sh OLD-RISKMAP NEW-RISKMAP [HOSTS FINDINGS]   (default 5000 100000)
#   OLD_CACHE=DIR keeps the old binary's outputs in DIR for the next comparison
#
# Inputs: the scan result and client profile of bench/policy.sh (KEEP=1, RUNS=1: its python
# generator, six policies, 20 asset groups, acceptances), and bench/gen_scan.c's scan of
# bench/report.sh with the example profile. Outputs compared: `riskmap evaluate` (text, -o
# JSON, --xccdf, --arf), `riskmap report --format html,json,csv` (report.html, roadmap.json,
# register.json, register.csv) and `register update` + `register export` csv and json.
# Nothing is sent anywhere.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { echo "usage: bench/same_output.sh OLD-RISKMAP NEW-RISKMAP [HOSTS FINDINGS]" >&2; exit 2; }
old=$(realpath "$1") new=$(realpath "$2")
HOSTS=${3:-5000} FINDINGS=${4:-100000}
work=$(mktemp -d "${TMPDIR:-/tmp}/riskmap-same-output.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The policy benchmark's inputs, made by its own generator.
mkdir "$work/policy"
TMPDIR="$work/policy" KEEP=1 RUNS=1 RISKMAP="$new" bash "$root/bench/policy.sh" > "$work/policy.log"
mv "$work"/policy/riskmap-bench-policy.*/scan.json "$work/p-scan.json"
mv "$work"/policy/riskmap-bench-policy.*/profile.xml "$work/p-profile.xml"
rm -rf "$work/policy"

# The report benchmark's scan (riskmap's own writer) and the example profile without its logo.
PKGS="libpcap openssl libxml-2.0 libcjson sqlite3 libpcre2-8 libarchive"
cc -std=c11 -D_GNU_SOURCE -DRISKMAP_VERSION='"bench"' -O2 -I"$root" \
    $(pkg-config --cflags $PKGS) -o "$work/gen_scan" "$root/bench/gen_scan.c" \
    "$root/build/libriskmap.a" $(pkg-config --libs $PKGS) -lpthread -lm
"$work/gen_scan" "$HOSTS" "$FINDINGS" "$work/r-scan.json"
sed -e 's|logo="[^"]*"||' "$root/contrib/examples/client-profile.xml" > "$work/r-profile.xml"

run() { # run NAME BINARY: every output into $work/NAME/
    local d="$work/$1" bin=$2 s
    mkdir -p "$d"
    for s in p r; do
        "$bin" evaluate "$work/$s-scan.json" -c "$work/$s-profile.xml" -o "$d/$s-eval.json" \
            --xccdf "$d/$s-xccdf.xml" --arf "$d/$s-arf.xml" > "$d/$s-eval.txt" 2>&1 || [ $? -eq 1 ]
        "$bin" report "$work/$s-scan.json" --client "$work/$s-profile.xml" -o "$d/$s-report" \
            --format html,json,csv > /dev/null 2>&1 || [ $? -eq 1 ]
    done
    "$bin" register update "$work/r-scan.json" -c "$work/r-profile.xml" --db "$d/r.db" \
        > "$d/register-update.txt" 2>&1 || [ $? -eq 1 ]
    for f in csv json; do
        "$bin" register export --format $f --db "$d/r.db" -o "$d/register-export.$f"
    done
    rm -f "$d/r.db"
}
# The old binary's outputs may be kept between comparisons (OLD_CACHE=DIR): the inputs are
# deterministic, so they only depend on the old binary.
if [ -n "${OLD_CACHE:-}" ] && [ -d "$OLD_CACHE" ] && [ -f "$OLD_CACHE/p-eval.json" ]; then
    cp -r "$OLD_CACHE" "$work/old"
else
    run old "$old"
    [ -z "${OLD_CACHE:-}" ] || cp -r "$work/old" "$OLD_CACHE"
fi
run new "$new"

# The times a run stamps: ISO 8601 (JSON, XML, the register's history) and the report's
# "generated 2026-11-22 19:56 UTC"; and the work directory in the paths an output names (the
# profile's), which differs when the old outputs come from OLD_CACHE.
mask() {
    sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z/TIMESTAMP/g' \
        -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}( UTC)/TIMESTAMP/g' \
        -e 's/riskmap-same-output\.[A-Za-z0-9]{6}/WORK/g' "$1"
}
bad=0
for f in $(cd "$work/old" && find . -type f | sort); do
    if cmp -s "$work/old/$f" "$work/new/$f"; then
        echo "identical: $f ($(stat -c %s "$work/new/$f") bytes)"
    elif cmp -s <(mask "$work/old/$f") <(mask "$work/new/$f"); then
        echo "identical but for timestamps and the work directory: $f"
    else
        echo "DIFFERENT: $f"
        diff <(mask "$work/old/$f") <(mask "$work/new/$f") | head -n 10 | cut -c 1-300
        bad=1
    fi
done
[ "$(cd "$work/new" && find . -type f | wc -l)" = "$(cd "$work/old" && find . -type f | wc -l)" ] ||
    { echo "DIFFERENT: the new binary wrote another set of files"; bad=1; }
exit $bad
