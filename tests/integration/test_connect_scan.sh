#!/bin/sh
# integration: alone (raw packets, nftables counters, timing or 127.0.0.1 itself: see run.sh)
# Connect scan against real listeners on 127.0.20.0/24: the exact open set, exclusions that
# receive no connection, duplicates scanned once, the scan result document against its
# schema, NDJSON events, exit codes, fingerprint stability, dropped and rejected ports
# (nftables, when root), and IPv6 on ::1.
set -u
. "$(dirname "$0")/lib.sh"

BUSY=$(busy_ports | tr '\n' ' ')
is_busy() { case " $BUSY " in *" $1 "*) return 0 ;; esac; return 1; }

CANDIDATES=""
for p in 21 22 23 25 53 80 110 139 143 443 445 993 3306 3389 5432 5900 6379 8080 8443 9200 \
         20001 20002 20003 20004 20005; do
    is_busy "$p" || CANDIDATES="$CANDIDATES $p"
done
set -- $CANDIDATES
NCAND=$#

# Host i (1..12) listens on 1 + i % 6 candidate ports, picked with a stride so hosts differ.
ENDPOINTS=""
EXPECT="$WORK/expected.txt"
: > "$EXPECT"
i=1
while [ $i -le 12 ]; do
    n=$((1 + i % 6)); j=0
    while [ $j -lt $n ]; do
        idx=$(( (i * 7 + j * 3) % NCAND + 1 ))
        eval "port=\${$idx}"
        if ! grep -qx "127.0.20.$i $port" "$EXPECT"; then
            echo "127.0.20.$i $port" >> "$EXPECT"
            ENDPOINTS="$ENDPOINTS 127.0.20.$i:$port"
        fi
        j=$((j + 1))
    done
    i=$((i + 1))
done
sort -o "$EXPECT" "$EXPECT"
PORTS=$(awk '{print $2}' "$EXPECT" | sort -un | paste -sd, -)
EXCLUDED="127.0.20.200 127.0.20.210 127.0.20.211"
EX_ENDPOINTS=""
for a in $EXCLUDED; do
    for p in $(echo "$PORTS" | tr ',' ' ' | cut -d' ' -f1-3); do EX_ENDPOINTS="$EX_ENDPOINTS $a:$p"; done
done

lab_start lab $ENDPOINTS
lab_start excluded $EX_ENDPOINTS

# 1. Exact open set, exclusions, duplicates, NDJSON.
OUT="$WORK/out1"
run_riskmap scan -sT -Pn 127.0.20.0/24 127.0.20.1-3 -p "$PORTS" --exclude 127.0.20.200,127.0.20.210-211 \
    --rate 0 --no-service-detection -q -o "$OUT" --ndjson "$OUT.ndjson" > "$WORK/out1.txt" 2> "$WORK/out1.err"
rc=$?
check "scan exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || cat "$WORK/out1.err"
check "nothing on stderr with -q" [ ! -s "$WORK/out1.err" ]

python3 - "$OUT/scan.json" > "$WORK/got1.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for h in d["hosts"]:
    for s in h["services"]:
        if s["state"] == "open":
            print(h["address"], s["port"])
PY
sort -o "$WORK/got1.txt" "$WORK/got1.txt"
if cmp -s "$EXPECT" "$WORK/got1.txt"; then ok "open set is exactly the lab's ($(wc -l < "$EXPECT") ports)"
else not_ok "open set differs from the lab"; diff "$EXPECT" "$WORK/got1.txt" | head -20; fi

python3 - "$OUT/scan.json" <<'PY' > "$WORK/facts1.txt"
import json, sys
d = json.load(open(sys.argv[1]))
print("address_count", d["scan"]["scope"]["address_count"])
print("hosts", len(d["hosts"]))
print("svc_findings", sum(1 for f in d["findings"] if f["kind"] == "svc.open"))
print("excluded_hosts", sum(1 for h in d["hosts"] if h["address"] in ("127.0.20.200", "127.0.20.210", "127.0.20.211")))
print("scan_type", d["scan"]["settings"]["scan_type"])
PY
check "253 unique addresses in scope (256 - 3 excluded, duplicates once)" grep -qx "address_count 253" "$WORK/facts1.txt"
check "every in-scope loopback address answered (RST counts as up)" grep -qx "hosts 253" "$WORK/facts1.txt"
check "no excluded address in the result" grep -qx "excluded_hosts 0" "$WORK/facts1.txt"
check "the document says which engine ran (connect)" grep -qx "scan_type connect" "$WORK/facts1.txt"
check "one svc.open finding per open port" grep -qx "svc_findings $(wc -l < "$EXPECT")" "$WORK/facts1.txt"

python3 - "$OUT.ndjson" > "$WORK/nd1.txt" <<'PY'
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
assert events[0]["event"] == "scan_start", events[0]
assert events[-1]["event"] == "scan_end", events[-1]
ids = [e["id"] for e in events if e["event"] == "finding"]
assert ids == ["F%d" % (i + 1) for i in range(len(ids))], ids[:5]
for e in events:
    if e["event"] == "port_open":
        print(e["address"], e["port"])
PY
sort -o "$WORK/nd1.txt" "$WORK/nd1.txt"
check "NDJSON: whole lines, start/end events, finding ids in order, port_open set equals the lab" cmp -s "$EXPECT" "$WORK/nd1.txt"

lab_stop excluded
check "excluded addresses received no connection" [ -f "$WORK/excluded.log" ] && [ ! -s "$WORK/excluded.log" ]

# 2. Fingerprints stay the same from scan to scan, whatever the scan order.
OUT2="$WORK/out2"
run_riskmap scan -sT -Pn 127.0.20.1-12 -p "$PORTS" --rate 0 --seed 7 --no-service-detection -q -o "$OUT2" > /dev/null 2>&1
fp() { python3 -c 'import json,sys; print("\n".join(sorted(f["fingerprint"] for f in json.load(open(sys.argv[1]))["findings"])))' "$1"; }
fp "$OUT/scan.json" > "$WORK/fp1.txt"; fp "$OUT2/scan.json" > "$WORK/fp2.txt"
check "fingerprints are stable across scans" cmp -s "$WORK/fp1.txt" "$WORK/fp2.txt"

lab_stop lab
# Each lab port got exactly one connection per scan: duplicates (127.0.20.1-3 named twice)
# were scanned once, and nothing was retried needlessly. (Both scans run without service
# detection, which opens conversations of its own; tests/integration/test_service_detect.sh
# covers it.)
python3 - "$WORK/lab.log" "$EXPECT" <<'PY' > "$WORK/conn.txt"
import sys, collections
want = collections.Counter(line.split()[0] for line in open(sys.argv[2]))
got = {l.split()[0]: int(l.split()[1]) for l in open(sys.argv[1])}
bad = [(a, n, got.get(a, 0)) for a, n in want.items() if got.get(a, 0) != 2 * n]
print("ok" if not bad else bad)
PY
check "each lab port was connected to exactly once per scan" grep -qx ok "$WORK/conn.txt"

# 3. The issue's acceptance command: top 100 ports over the /24, default rate, valid document.
lab_start lab2 $ENDPOINTS
OUT3="$WORK/out3"
run_riskmap scan -sT -Pn 127.0.20.0/24 --top-ports 100 -o "$OUT3" > "$WORK/out3.txt" 2>"$WORK/out3.err"
check "top-100 scan exits 0" [ $? -eq 0 ]
WILD=$(wildcard_ports | paste -sd' ' -)
python3 - "$ROOT/docs/scan-result.schema.json" "$OUT3/scan.json" "$EXPECT" "$WILD" <<'PY' > "$WORK/v3.txt" 2>&1
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
scanned = set()
for part in doc["scan"]["ports"]["scanned"].split(","):
    a, _, b = part.partition("-")
    scanned.update(range(int(a), int(b or a) + 1))
assert len(scanned) == 100 == doc["scan"]["ports"]["count"]
lab = {(l.split()[0], int(l.split()[1])) for l in open(sys.argv[3])}
wild = {int(p) for p in sys.argv[4].split()}
want = {(a, p) for a, p in lab if p in scanned}
want |= {("127.0.20.%d" % i, p) for i in range(256) for p in wild & scanned}
got = {(h["address"], s["port"]) for h in doc["hosts"] for s in h["services"]}
assert got == want, (sorted(got - want)[:10], sorted(want - got)[:10])
print("valid", len(got))
PY
if grep -q '^valid' "$WORK/v3.txt"; then ok "scan.json validates against the schema; open set exact ($(cat "$WORK/v3.txt"))"
else not_ok "top-100 document"; cat "$WORK/v3.txt"; fi
lab_stop lab2

# 4. Exit codes and messages.
lab_start lab3 127.0.20.1:20001
run_riskmap scan -sT -Pn 127.0.20.1 -p 20001 -q --fail-on info > /dev/null 2>&1
check "--fail-on info with an open port exits 1" [ $? -eq 1 ]
run_riskmap scan -sT -Pn 127.0.20.1 -p 20001 -q --fail-on high > /dev/null 2>&1
check "--fail-on high with only info findings exits 0" [ $? -eq 0 ]
lab_stop lab3
msg=$(run_riskmap scan -sT -Pn 192.0.2.300 2>&1); rc=$?
check "bad target exits 2" [ "$rc" -eq 2 ]
check "bad target message names the token" [ "$msg" = 'riskmap: target "192.0.2.300": octet out of range' ]
run_riskmap scan -sT -Pn 127.0.20.1 -p 70000 > /dev/null 2>&1
check "bad port list exits 2" [ $? -eq 2 ]
run_riskmap scan -sT -Pn 127.0.20.1 --bogus > /dev/null 2>&1
check "unknown option exits 2" [ $? -eq 2 ]
# 131,072 addresses, all in the benchmarking range 198.18.0.0/15; refused before anything is sent.
run_riskmap scan -sT -Pn 198.18-19.0-255.0-255 --dry-run > /dev/null 2>&1
check "more than 65536 addresses refused without --allow-large (exit 2, nothing sent: dry run)" [ $? -eq 2 ]
run_riskmap scan -sT -Pn 127.0.20.1 -p 20001 -q -o /proc/riskmap-cannot-write > /dev/null 2>&1
check "unwritable output directory exits 3" [ $? -eq 3 ]
run_riskmap --version | grep -q '^riskmap [0-9]'
check "--version" [ $? -eq 0 ]
run_riskmap help scan | grep -q -- '--max-concurrency'
check "help scan documents the options" [ $? -eq 0 ]
n=$(run_riskmap scan -sT -Pn 127.0.20.0/30 --exclude 127.0.20.1 --dry-run | grep -c '^127\.')
check "dry run lists the in-scope addresses (4 - 1 excluded)" [ "$n" -eq 3 ]

# 4b. Engine edge cases.
# A service that accepts and resets at once is open (the reset comes after the handshake).
RST_EPS=""; p=21000
while [ $p -lt 21200 ]; do is_busy $p || RST_EPS="$RST_EPS 127.0.20.7:$p"; p=$((p + 1)); done
lab_start resetter --reset $RST_EPS
n_rst=$(echo $RST_EPS | wc -w)
got=$(run_riskmap scan -sT -Pn 127.0.20.7 -p 21000-21199 --rate 0 --max-concurrency 2048 -q | grep -c '/tcp *open')
check "accept-then-reset services are open ($got of $n_rst)" [ "$got" -eq "$n_rst" ]
lab_stop resetter
# Connecting to a local port in the ephemeral range can meet itself (TCP simultaneous open):
# that is no listener. Only what ss shows listening on 127.0.0.1 may be reported open.
set -- $(cat /proc/sys/net/ipv4/ip_local_port_range); eph_lo=$1; eph_hi=$2
LISTENING=$(ss -Hltn 2>/dev/null | awk -v lo="$eph_lo" -v hi="$eph_hi" '{addr = $4; n = split(addr, a, ":"); port = a[n];
    host = substr(addr, 1, length(addr) - length(port) - 1);
    if ((host == "0.0.0.0" || host == "*" || host == "127.0.0.1" || host == "[::]") && port >= lo && port <= hi) print port}' | sort -un)
self_ok=1
for run in 1 2 3; do
    found=$(run_riskmap scan -sT -Pn 127.0.0.1 -p "$eph_lo-$eph_hi" --rate 0 --max-concurrency 2048 -q | awk '/\/tcp *open/ {split($1, a, "/"); print a[1]}' | sort -un)
    [ "$found" = "$LISTENING" ] || { self_ok=0; echo "   run $run: found [$found] expected [$LISTENING]"; }
done
check "no phantom open ports from self-connects over the ephemeral range (3 runs)" [ "$self_ok" -eq 1 ]
out=$(run_riskmap scan -sT -Pn 127.0.20.1 -p 20001-20010 --max-concurrency 1 -v 2>&1 >/dev/null)
echo "$out" | grep -q "1 worker(s), 1 connects in flight each"
check "--max-concurrency 1 is honoured" [ $? -eq 0 ]
# An interrupted scan keeps what it found, marked incomplete, and exits 3.
OUT4="$WORK/out4"
# Started directly, not through a shell function: $! must be riskmap itself, since a
# background subshell ignores SIGINT.
# shellcheck disable=SC2086
${RISKMAP_WRAPPER:-} "$RISKMAP" scan -sT -Pn 127.0.20.0/24 -p 1-100 --rate 500 -q -o "$OUT4" > /dev/null 2>&1 &
spid=$!
# Under a wrapper (valgrind) the program needs seconds to start and to finish writing.
if [ -n "${RISKMAP_WRAPPER:-}" ]; then settle=5 rounds=600; else settle=1 rounds=100; fi
sleep $settle
kill -INT $spid
i=0; while kill -0 $spid 2>/dev/null && [ $i -lt $rounds ]; do sleep 0.1; i=$((i + 1)); done
wait $spid; rc=$?
check "interrupted scan exits 3" [ "$rc" -eq 3 ]
python3 - "$OUT4/scan.json" > "$WORK/f4.txt" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["scan"]
print(s["complete"], s.get("incomplete_reason"), s["stats"]["ports_done"] < 25600)
PY
check "interrupted scan.json says complete=false, interrupted, and why" grep -qx "False interrupted True" "$WORK/f4.txt"
# With --ndjson - standard output carries only JSON lines, and a closed pipe does not lose
# the scan result.
OUT6="$WORK/out6"
run_riskmap scan -sT -Pn 127.0.20.1 -p 20001-20003 --ndjson - -q -o "$OUT6" | python3 -c '
import json, sys
for line in sys.stdin: json.loads(line)' 
check "--ndjson - writes only JSON to standard output" [ $? -eq 0 ]
run_riskmap scan -sT -Pn 127.0.20.0/28 -p 1-200 --rate 0 --ndjson - -q -o "$OUT6" | head -1 > /dev/null
check "a closed pipe on the stream still leaves scan.json" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$OUT6/scan.json"

# 5. Dropped and rejected ports (nftables on lo; root only). The table is ours and removed.
if [ "$(id -u)" = 0 ] && command -v nft > /dev/null 2>&1; then
    T="riskmap_test_$$"
    trap 'nft delete table inet '"$T"' 2>/dev/null; cleanup' EXIT INT TERM
    nft -f - <<NFT
table inet $T {
    chain input {
        type filter hook input priority -10; policy accept;
        ip daddr 127.0.20.250 tcp dport { 20001, 20002, 20003 } drop
        ip daddr 127.0.20.251 tcp dport { 20001, 20002, 20003 } reject with tcp reset
    }
}
NFT
    OUT5="$WORK/out5"
    start=$(date +%s)
    run_riskmap scan -sT -Pn 127.0.20.250-251 -p 20001-20003 --rate 0 -q -o "$OUT5" > "$WORK/out5.txt" 2>&1
    rc=$?
    end=$(date +%s)
    nft delete table inet "$T"
    check "drop/reject scan exits 0" [ $rc -eq 0 ]
    python3 - "$OUT5/scan.json" > "$WORK/f5.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
hosts = {h["address"]: h["ports"] for h in d["hosts"]}
print("dropped_up", "127.0.20.250" in hosts)
print("rejected", hosts.get("127.0.20.251"))
print("filtered", d["scan"]["stats"]["filtered"])
PY
    check "dropped host is not up (no answer at all)" grep -qx "dropped_up False" "$WORK/f5.txt"
    check "rejected ports are closed" grep -qx "rejected {'open': 0, 'closed': 3, 'filtered': 0}" "$WORK/f5.txt"
    check "dropped ports are filtered" grep -qx "filtered 3" "$WORK/f5.txt"
    check "filtered ports time out within the configured bounds ($((end - start)) s)" [ $((end - start)) -le 6 ]
else
    echo "skip - nftables drop/reject checks need root and nft"
fi

# 6. IPv6 on ::1 (when the loopback has it).
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
    lab_start lab6 '[::1]:20004'
    out=$(run_riskmap scan -sT -Pn ::1 -p 20003-20004 --rate 0 -q 2>&1)
    echo "$out" | grep -q '20004/tcp *open'
    check "IPv6: open port on ::1 found" [ $? -eq 0 ]
    lab_stop lab6
else
    echo "skip - no ::1 on lo"
fi

finish
