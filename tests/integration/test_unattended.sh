#!/bin/sh
# integration: alone (raw packets, nftables counters, timing or 127.0.0.1 itself: see run.sh)
# Unattended scans of one client's data directory (127.0.68.0/24): --cron prints one summary
# line and logs with times and levels into DIR/logs; each scan gets its own directory and
# DIR/latest moves only once a scan is committed; the summary counts what is new since the last
# scan (checked against the two documents' fingerprints); a second run while one holds the
# lock exits 4 at once; a killed run leaves `latest` and the earlier scans intact and its
# stale lock is taken over (and said so); --keep prunes the oldest scans. With CAP_NET_RAW but
# no root (as a systemd unit would run it), the SYN scan works and the capability is dropped
# once the raw sockets are open.
set -u
. "$(dirname "$0")/lib.sh"

BUSY=" $(wildcard_ports | tr '\n' ' ') "
P1=26801; P2=26802
case "$BUSY" in *" $P1 "*|*" $P2 "*) P1=26811; P2=26812 ;; esac
D="$WORK/client"
lab_start lab 127.0.68.1:$P1

run() { # run ARGS...: riskmap scan into the data directory, unattended
    timeout 60 "$RISKMAP" scan 127.0.68.1-4 -p "$P1,$P2" --data-dir "$D" --cron "$@"
}

# 1. First run.
run > "$WORK/r1.out" 2> "$WORK/r1.err"
check "first run exits 0" [ $? -eq 0 ]
check "cron output is exactly one summary line" sh -c '[ "$(wc -l < "$1")" -eq 1 ] &&
    grep -q "^summary: scan [0-9a-f]\{32\}: 4 host(s) up of 4 address(es), 1 open port(s), .*no earlier scan to compare, .* s, complete$" "$1"' _ "$WORK/r1.out"
[ "$(wc -l < "$WORK/r1.out")" -eq 1 ] || cat "$WORK/r1.out" "$WORK/r1.err"
check "nothing on stderr in cron mode" [ ! -s "$WORK/r1.err" ]
check "the log has UTC times, pid and levels" \
    grep -q "^20[0-9-]*T[0-9:.]*Z riskmap\[[0-9]*\] info: summary: scan " "$D/logs/riskmap.log"
L1=$(readlink "$D/latest")
check "latest names the committed scan" [ -f "$D/$L1/scan.json" ]
check "data directory 0700, scan.json 0600" sh -c '[ "$(stat -c %a "$1")" = 700 ] &&
    [ "$(stat -c %a "$1/scans")" = 700 ] && [ "$(stat -c %a "$1/$2/scan.json")" = 600 ]' _ "$D" "$L1"
check "the lock is released (empty) after a clean run" [ ! -s "$D/lock" ]

# 2. A new service: the summary counts exactly the findings the first scan did not have.
lab_start lab2 127.0.68.2:$P2
run > "$WORK/r2.out" 2>&1
L2=$(readlink "$D/latest")
NEW=$(python3 -c 'import json, sys
a = {f["fingerprint"] for f in json.load(open(sys.argv[1]))["findings"]}
b = [f["fingerprint"] for f in json.load(open(sys.argv[2]))["findings"]]
print(sum(1 for x in b if x not in a))' "$D/$L1/scan.json" "$D/$L2/scan.json")
check "second run: $NEW new finding(s), as the fingerprints say" \
    grep -q ", $NEW new since the last scan, " "$WORK/r2.out"
check "... and at least one is new (the new service)" [ "$NEW" -ge 1 ]

# 3. The lock: a slow run holds it; a second one exits 4 at once, logged.
run -Pn -p 26700-26799 --rate 100 --retries 0 > /dev/null 2>&1 &  # 400 probes: 4 s
SLOW=$!
i=0
while [ ! -s "$D/lock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
t0=$(date +%s)
run > "$WORK/r3.out" 2> "$WORK/r3.err"
rc=$?
t1=$(date +%s)
check "a second run while the first holds the lock exits 4" [ $rc -eq 4 ]
check "... at once ($((t1 - t0)) s)" [ $((t1 - t0)) -le 2 ]
check "... saying which run holds it" grep -q "another riskmap run for .* is still running (pid [0-9]* on " "$WORK/r3.err"
check "... and logging it as an error" grep -q " error: another riskmap run" "$D/logs/riskmap.log"
wait $SLOW
check "the slow run finished normally" [ $? -eq 0 ]
L3=$(readlink "$D/latest")

# 4. A killed run: latest, earlier scans, the register and the report untouched; its stale
# lock is taken over.
check "each committed scan was recorded in the client's register" \
    [ "$(sqlite3 "$D/register.db" 'SELECT count(*) FROM scan' 2>/dev/null)" -ge 3 ]
"$RISKMAP" report --data-dir "$D" -o "$WORK/report" > /dev/null 2>&1
REG_BEFORE=$("$RISKMAP" register list --data-dir "$D" 2>&1 | md5sum)
REP_BEFORE=$(md5sum < "$WORK/report/report.html")
run -Pn -p 26700-26799 --rate 100 --retries 0 > /dev/null 2>&1 &
KILLED=$!
i=0
while [ ! -s "$D/lock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
# timeout(1) runs riskmap as its child: kill riskmap itself, hard.
RPID=$(sed -n 's/^pid \([0-9]*\) .*/\1/p' "$D/lock")
kill -9 "$RPID" 2>/dev/null
wait $KILLED
check "after the kill, latest still names the last committed scan" [ "$(readlink "$D/latest")" = "$L3" ]
check "after the kill, every earlier scan is intact" sh -c '
    for s in "$@"; do python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$s/scan.json" || exit 1; done' _ \
    "$D/$L2" "$D/$L3"
check "the lock still names the killed run" grep -q "^pid $RPID " "$D/lock"
check "after the kill, the register passes sqlite's integrity check" \
    [ "$(sqlite3 "$D/register.db" 'PRAGMA integrity_check' 2>&1)" = ok ]
check "... and holds what it held" [ "$("$RISKMAP" register list --data-dir "$D" 2>&1 | md5sum)" = "$REG_BEFORE" ]
check "... and the previous report is unchanged" [ "$(md5sum < "$WORK/report/report.html")" = "$REP_BEFORE" ]
i=0 # the root committer helper notices its parent is gone and removes the temporary file
while ls "$D"/scans/*/scan.json.tmp.* > /dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "no temporary file of the killed run is left" sh -c '! ls "$1"/scans/*/scan.json.tmp.* > /dev/null 2>&1' _ "$D"
run > /dev/null 2>&1
check "the next run succeeds" [ $? -eq 0 ]
check "... and logs that it took over a stale lock of pid $RPID" \
    grep -q "warning: the lock of .* was left by a run that did not finish (pid $RPID on " "$D/logs/riskmap.log"

# 5. Retention.
N0=$(ls "$D/scans" | wc -l)
run --keep 2 > /dev/null 2>&1
check "--keep 2 leaves two scan directories (of $((N0 + 1)))" [ "$(ls "$D/scans" | wc -l)" -eq 2 ]
check "... the newest, which latest names" [ -f "$D/latest/scan.json" ]
"$RISKMAP" scan 127.0.68.1 -p "$P1" --keep 2 > /dev/null 2> "$WORK/keep.err"
check "--keep without --data-dir is a usage error (2)" sh -c '[ $1 -eq 2 ] && grep -q "only with --data-dir" "$2"' _ $? "$WORK/keep.err"

# 6. CAP_NET_RAW without root: the SYN scan and raw discovery work, then the capability goes.
if [ "$(id -u)" = 0 ] && setpriv --help 2>/dev/null | grep -q ambient-caps; then
    setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --inh-caps=+net_raw \
        --ambient-caps=+net_raw "$RISKMAP" scan -sS 127.0.68.1-2 -p "$P1,$P2" --debug-privs \
        --ndjson - -q > "$WORK/caps.ndjson" 2> "$WORK/caps.err"
    rc=$?
    check "CAP_NET_RAW only: -sS scan exits 0" [ $rc -eq 0 ]
    python3 - "$WORK/caps.ndjson" "$P1" "$P2" > "$WORK/caps.txt" 2>&1 <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
p = [e for e in ev if e["event"] == "privileges"][0]
assert p["dropped"] is False and p["capeff"] == "0" * 16, p
opened = sorted((e["address"], e["port"]) for e in ev if e["event"] == "port_open")
assert opened == [("127.0.68.1", int(sys.argv[2])), ("127.0.68.2", int(sys.argv[3]))], opened
print("ok")
PY
    check "CAP_NET_RAW only: both ports found, no capability left afterwards" grep -qx ok "$WORK/caps.txt"
    grep -qx ok "$WORK/caps.txt" || cat "$WORK/caps.txt" "$WORK/caps.err"
fi

# 7. The shipped systemd unit is valid (systemd's own checker), pointed at this binary.
if command -v systemd-analyze > /dev/null 2>&1; then
    mkdir -p "$WORK/units"
    sed "s|/usr/local/bin/riskmap|$RISKMAP|; /^Documentation=/d" "$ROOT/contrib/systemd/riskmap@.service" \
        > "$WORK/units/riskmap@.service"
    cp "$ROOT/contrib/systemd/riskmap@.timer" "$WORK/units/"
    sed -i '/^Documentation=/d' "$WORK/units/riskmap@.timer"
    (cd "$WORK/units" && systemd-analyze verify ./riskmap@acme.service ./riskmap@acme.timer) \
        > "$WORK/verify.txt" 2>&1
    check "systemd-analyze verify accepts riskmap@.service and riskmap@.timer" [ ! -s "$WORK/verify.txt" ]
    [ -s "$WORK/verify.txt" ] && cat "$WORK/verify.txt"
fi
finish
