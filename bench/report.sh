#!/bin/bash
# Report benchmark (issue 8): the full HTML report (--format html: the goal is the HTML; json adds
# the roadmap and a register.json of every risk) of a generated scan
# result of 5,000 hosts and 100,000 findings, against the example client profile's four
# policies (baseline, CIS v8, HIPAA, PCI DSS). Prints the time of each run, its phases
# (riskmap report --stats) and peak memory, and the size of report.html. Goal: under 2 s.
# Then, as a client's scan with --data-dir does it, the register update of the same scan into
# an empty register followed by the report from that register, and the same in one process
# (riskmap report --record: one load, one scoring; REGISTER=0 skips both).
#
#   bench/report.sh                  RUNS=3 by default; HOSTS, FINDINGS; KEEP=1 keeps the files
#
# Nothing is sent anywhere: the scan result is synthetic (bench/gen_scan.c, riskmap's own
# result writer; hosts in 198.18.0.0/15, the benchmarking range). Not a timed test.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
HOSTS=${HOSTS:-5000}
FINDINGS=${FINDINGS:-100000}
RISKMAP=${RISKMAP:-$root/riskmap}
[ -x "$RISKMAP" ] || { echo "report.sh: build riskmap first (make)" >&2; exit 2; }
[ -f "$root/build/libriskmap.a" ] || { echo "report.sh: build riskmap first (make)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/riskmap-bench-report.XXXXXX")
trap '[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT

PKGS="libpcap openssl libxml-2.0 libcjson sqlite3 libpcre2-8 libarchive"
cc -std=c11 -D_GNU_SOURCE -DRISKMAP_VERSION='"bench"' -O2 -I"$root" \
    $(pkg-config --cflags $PKGS) -o "$work/gen_scan" "$root/bench/gen_scan.c" \
    "$root/build/libriskmap.a" $(pkg-config --libs $PKGS) -lpthread -lm
"$work/gen_scan" "$HOSTS" "$FINDINGS" "$work/scan.json"
echo "scan result: $HOSTS hosts, $FINDINGS findings, $(du -h "$work/scan.json" | cut -f1); load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"

# The example profile without its logo path (not on this machine) and evidence files.
sed -e 's|logo="[^"]*"||' "$root/contrib/examples/client-profile.xml" > "$work/profile.xml"
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f "peak %M KiB, CPU %U s user %S s sys")
: > "$work/times"
for i in $(seq 1 "$RUNS"); do
    rm -rf "$work/out"
    t0=$(date +%s.%N)
    "${timer[@]}" "$RISKMAP" report "$work/scan.json" --client "$work/profile.xml" \
        -o "$work/out" --format html --stats > /dev/null 2> "$work/err.txt" || true
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc)
    [ -s "$work/out/report.html" ] || { cat "$work/err.txt" >&2; exit 1; }
    echo "run $i: ${t} s; $(grep -E '^(stats|peak)' "$work/err.txt" | tr '\n' ' ')"
    echo "$t" >> "$work/times"
done
size=$(stat -c %s "$work/out/report.html")
rows=$(grep -o '<tr><td class="n">[0-9]*</td><td><span class="lv' "$work/out/report.html" | wc -l)
sort -n "$work/times" | awk '{t[NR] = $1} END {
    printf "median %.2f s, best %.2f s of %d runs (goal < 2 s)\n", t[int((NR + 1) / 2)], t[1], NR }'
echo "report.html $((size / 1024 / 1024)) MiB ($size bytes), $rows register rows"

[ "${REGISTER:-1}" = 1 ] || exit 0
echo "register update into an empty register, then the report from it (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
for i in $(seq 1 "$RUNS"); do
    rm -rf "$work/out" "$work/r.db" "$work/r.db-wal" "$work/r.db-shm"
    t0=$(date +%s.%N)
    "${timer[@]}" "$RISKMAP" register update "$work/scan.json" -c "$work/profile.xml" \
        --db "$work/r.db" --stats > /dev/null 2> "$work/reg.txt" || true
    t1=$(date +%s.%N)
    "${timer[@]}" "$RISKMAP" report "$work/scan.json" --client "$work/profile.xml" \
        --db "$work/r.db" -o "$work/out" --format html --stats > /dev/null 2> "$work/err.txt" || true
    t2=$(date +%s.%N)
    [ -s "$work/out/report.html" ] || { cat "$work/reg.txt" "$work/err.txt" >&2; exit 1; }
    echo "run $i: register update $(echo "$t1 - $t0" | bc) s ($(grep -E '^peak' "$work/reg.txt")), report $(echo "$t2 - $t1" | bc) s ($(grep -E '^peak' "$work/err.txt")), together $(echo "$t2 - $t0" | bc) s"
done
echo "register.db $(stat -c %s "$work/r.db") bytes"
echo "the same in one process, report --record into an empty register (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
: > "$work/times"
for i in $(seq 1 "$RUNS"); do
    rm -rf "$work/out" "$work/r.db" "$work/r.db-wal" "$work/r.db-shm"
    t0=$(date +%s.%N)
    "${timer[@]}" "$RISKMAP" report "$work/scan.json" --client "$work/profile.xml" \
        --db "$work/r.db" --record -o "$work/out" --format html --stats > /dev/null 2> "$work/err.txt" || true
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc)
    [ -s "$work/out/report.html" ] || { cat "$work/err.txt" >&2; exit 1; }
    echo "run $i: ${t} s; $(grep -E '^(stats|peak)' "$work/err.txt" | tr '\n' ' ')"
    echo "$t" >> "$work/times"
done
sort -n "$work/times" | awk '{t[NR] = $1} END {
    printf "median %.2f s, best %.2f s of %d runs (goal < 2 s)\n", t[int((NR + 1) / 2)], t[1], NR }'
