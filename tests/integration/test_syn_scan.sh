#!/bin/sh
# integration: alone (raw packets, nftables counters, timing or 127.0.0.1 itself: see run.sh)
# SYN scan (-sS) against real listeners on 127.0.26.0/24, as root only: the open set equals
# the lab's and the connect scan's, exactly; no connection is ever completed (half-open);
# the document validates; our own address (both directions captured on lo) gives the same
# answer as the connect scan; dropped ports are filtered after retransmission, rejected ones
# closed (nftables); the rate limit holds; IPv6 and -sS -sT together are refused.
# Root is dropped once the raw socket is open: the --debug-privs event shows nobody's ids in
# all four Uid/Gid fields and no capability, and scan.json is still written (atomically).
# Raw packets go to lo only: the tx_packets counters of every other interface are read
# before and after, and the test fails if they grew by more than 200 in total.
set -u
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
    echo "skip - SYN scan needs root (raw socket and libpcap)"
    exit 0
fi

tx_other() { # total tx_packets over every interface but lo
    t=0
    for f in /sys/class/net/*/statistics/tx_packets; do
        dev=${f#/sys/class/net/}; dev=${dev%%/*}
        [ "$dev" = lo ] && continue
        t=$((t + $(cat "$f")))
    done
    echo "$t"
}
TX0=$(tx_other)

BUSY=$(busy_ports | tr '\n' ' ')
is_busy() { case " $BUSY " in *" $1 "*) return 0 ;; esac; return 1; }
CANDIDATES=""
for p in 21 22 23 25 80 110 143 443 445 3306 3389 5432 5900 6379 8080 8443 26001 26002 26003; do
    is_busy "$p" || CANDIDATES="$CANDIDATES $p"
done
set -- $CANDIDATES
NCAND=$#

ENDPOINTS=""
EXPECT="$WORK/expected.txt"
: > "$EXPECT"
for i in 1 2 3 5 8 13 21 34 55 89 144 233 254; do
    n=$((1 + i % 4)); j=0
    while [ $j -lt $n ]; do
        idx=$(( (i * 5 + j * 7) % NCAND + 1 ))
        eval "port=\${$idx}"
        if ! grep -qx "127.0.26.$i $port" "$EXPECT"; then
            echo "127.0.26.$i $port" >> "$EXPECT"
            ENDPOINTS="$ENDPOINTS 127.0.26.$i:$port"
        fi
        j=$((j + 1))
    done
done
sort -o "$EXPECT" "$EXPECT"
# Every lab port plus a few nobody listens on.
PORTS=$(echo "$CANDIDATES" | tr ' ' '\n' | grep . | paste -sd, -)

open_set() { # scan.json -> "addr port" lines of open ports, sorted
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for h in d["hosts"]:
    for s in h["services"]:
        if s["state"] == "open": print(h["address"], s["port"])' "$1" | sort
}

lab_start lab $ENDPOINTS

# 1. -sS and -sT over the /24: identical open sets, equal to the lab.
OUTS="$WORK/syn"
timeout 60 "$RISKMAP" scan -sS 127.0.26.0/24 -p "$PORTS" --rate 0 --no-service-detection -q \
    --debug-privs --ndjson "$WORK/syn.ndjson" -o "$OUTS" > "$WORK/syn.txt" 2> "$WORK/syn.err"
rc=$?
check "-sS scan exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || cat "$WORK/syn.err"
# The drop, observed from inside: the privileges event comes before any host_up.
python3 - "$WORK/syn.ndjson" > "$WORK/privs.txt" 2>&1 <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
kinds = [e["event"] for e in ev]
p = [e for e in ev if e["event"] == "privileges"]
assert len(p) == 1, kinds
p = p[0]
assert kinds.index("privileges") < kinds.index("host_up"), kinds
print("dropped", p["dropped"], p["user"])
print("uid", p["uid"])
print("gid", p["gid"])
print("groups", repr(p["groups"]))
print("capeff", p["capeff"])
PY
NOBODY=$(id -u nobody)
NOGROUP=$(id -g nobody)
check "root dropped to nobody once the raw socket was open" grep -qx "dropped True nobody" "$WORK/privs.txt"
check "after the drop Uid is $NOBODY in all four fields" grep -qx "uid $NOBODY $NOBODY $NOBODY $NOBODY" "$WORK/privs.txt"
check "after the drop Gid is $NOGROUP in all four fields" grep -qx "gid $NOGROUP $NOGROUP $NOGROUP $NOGROUP" "$WORK/privs.txt"
check "after the drop no supplementary group" grep -qx "groups ''" "$WORK/privs.txt"
check "after the drop no capability (CapEff 0)" grep -qx "capeff 0000000000000000" "$WORK/privs.txt"
grep -q '^uid ' "$WORK/privs.txt" || cat "$WORK/privs.txt"
check "scan.json written after the drop, root-owned 0600, no temporary file left" \
    sh -c '[ "$(stat -c "%U %a" "$1/scan.json")" = "root 600" ] && [ "$(ls -A "$1")" = scan.json ]' _ "$OUTS"
OUTT="$WORK/connect"
timeout 60 "$RISKMAP" scan -sT 127.0.26.0/24 -p "$PORTS" --rate 0 --no-service-detection -q \
    -o "$OUTT" > "$WORK/connect.txt" 2> "$WORK/connect.err"
check "-sT scan exits 0" [ $? -eq 0 ]
open_set "$OUTS/scan.json" > "$WORK/got_syn.txt"
open_set "$OUTT/scan.json" > "$WORK/got_connect.txt"
if cmp -s "$EXPECT" "$WORK/got_syn.txt"; then ok "-sS open set is exactly the lab's ($(wc -l < "$EXPECT") ports)"
else not_ok "-sS open set differs from the lab"; diff "$EXPECT" "$WORK/got_syn.txt" | head -20; fi
check "-sS and -sT give the identical open set" cmp -s "$WORK/got_syn.txt" "$WORK/got_connect.txt"

python3 - "$ROOT/docs/scan-result.schema.json" "$OUTS/scan.json" "$PORTS" <<'PY' > "$WORK/v1.txt" 2>&1
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
st = doc["scan"]["stats"]
n = 256 * len(sys.argv[3].split(","))
assert st["ports_done"] == n and st["open"] + st["closed"] + st["filtered"] == n, st
assert st["filtered"] == 0, st
assert st["hosts_up"] == 256 == len(doc["hosts"]), st  # every loopback address resets
assert doc["scan"]["complete"] is True
assert doc["scan"]["settings"]["scan_type"] == "syn", doc["scan"]["settings"]
print("valid")
PY
if grep -qx valid "$WORK/v1.txt"; then ok "-sS document validates, says scan_type syn; counters add up; 256 hosts up"
else not_ok "-sS document"; cat "$WORK/v1.txt"; fi

# 2. Half-open: the SYN scan never completes a connection (the listener accepted none).
lab_stop lab
lab_start lab_half $ENDPOINTS
timeout 60 "$RISKMAP" scan -sS 127.0.26.0/24 -p "$PORTS" --rate 0 --no-service-detection -q \
    -o "$WORK/half" > /dev/null 2>&1
open_set "$WORK/half/scan.json" > "$WORK/got_half.txt"
lab_stop lab_half
check "a second -sS scan (new cookie key) finds the same set" cmp -s "$EXPECT" "$WORK/got_half.txt"
check "the SYN scan completed no connection (listener accepted none)" \
    [ -f "$WORK/lab_half.log" ] && [ ! -s "$WORK/lab_half.log" ]

# 3. Our own address: every packet of the exchange, both ways, is captured with source ==
#    destination; the answer must still be the connect scan's.
SELFPORTS="$PORTS,$(busy_ports | head -20 | paste -sd, -)"
SELFPORTS=${SELFPORTS%,}
lab_start lab_self 127.0.0.1:26003
timeout 60 "$RISKMAP" scan -sS 127.0.0.1 -p "$SELFPORTS" --rate 0 --no-service-detection -q \
    -o "$WORK/self_s" > /dev/null 2>&1
timeout 60 "$RISKMAP" scan -sT 127.0.0.1 -p "$SELFPORTS" --rate 0 --no-service-detection -q \
    -o "$WORK/self_t" > /dev/null 2>&1
lab_stop lab_self
open_set "$WORK/self_s/scan.json" > "$WORK/self_s.txt"
open_set "$WORK/self_t/scan.json" > "$WORK/self_t.txt"
check "scanning 127.0.0.1 itself: -sS equals -sT ($(wc -l < "$WORK/self_t.txt") open)" \
    cmp -s "$WORK/self_s.txt" "$WORK/self_t.txt"
check "scanning 127.0.0.1 itself: the lab port is open" grep -qx "127.0.0.1 26003" "$WORK/self_s.txt"

# 4. Dropped and rejected ports (nftables on lo). The table is ours and removed. -Pn: the
#    engine alone decides which hosts are up (the dropped host answers ICMP).
if command -v nft > /dev/null 2>&1; then
    T="riskmap_syntest_$$"
    trap 'nft delete table inet '"$T"' 2>/dev/null; cleanup' EXIT INT TERM
    nft -f - <<NFT
table inet $T {
    chain input {
        type filter hook input priority -10; policy accept;
        ip daddr 127.0.26.250 tcp dport { 26001, 26002, 26003 } drop
        ip daddr 127.0.26.251 tcp dport { 26001, 26002, 26003 } reject with tcp reset
    }
}
NFT
    start=$(date +%s)
    timeout 60 "$RISKMAP" scan -sS -Pn 127.0.26.250-251 -p 26001-26003 --rate 0 --retries 2 -q \
        -o "$WORK/drop" > /dev/null 2>&1
    rc=$?
    end=$(date +%s)
    nft delete table inet "$T"
    check "drop/reject -sS scan exits 0" [ $rc -eq 0 ]
    python3 - "$WORK/drop/scan.json" > "$WORK/drop.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
hosts = {h["address"]: h["ports"] for h in d["hosts"]}
print("dropped_up", "127.0.26.250" in hosts)
print("rejected", hosts.get("127.0.26.251"))
print("filtered", d["scan"]["stats"]["filtered"])
print("probes", d["scan"]["stats"]["probes_sent"])
PY
    check "dropped host is not up" grep -qx "dropped_up False" "$WORK/drop.txt"
    check "rejected ports are closed" grep -qx "rejected {'open': 0, 'closed': 3, 'filtered': 0}" "$WORK/drop.txt"
    check "dropped ports are filtered" grep -qx "filtered 3" "$WORK/drop.txt"
    # 3 rejected: one probe each; 3 dropped: first attempt plus 2 retransmissions.
    check "silence is retransmitted --retries times (12 probes)" grep -qx "probes 12" "$WORK/drop.txt"
    check "filtered ports time out within the bounds ($((end - start)) s)" [ $((end - start)) -le 8 ]
else
    echo "skip - nftables drop/reject checks need nft"
fi

# 5. The rate limit holds: 2000 probes at 5000/s take at least 0.35 s.
python3 - "$RISKMAP" > "$WORK/rate.txt" <<'PY'
import subprocess, sys, time
t = time.monotonic()
subprocess.run(["timeout", "30", sys.argv[1], "scan", "-sS", "127.0.26.1-8", "-p", "1-250",
                "--rate", "5000", "--no-service-detection", "-q"], stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL, check=True)
print("elapsed %.2f" % (time.monotonic() - t))
PY
el=$(sed -n 's/^elapsed //p' "$WORK/rate.txt")
check "--rate 5000 paces 2000 SYNs (${el:-?} s >= 0.35 s)" python3 -c "import sys; sys.exit(0 if float('${el:-0}') >= 0.35 else 1)"

# 6. Refusals.
msg=$(timeout 10 "$RISKMAP" scan -sS ::1 -p 22 -q 2>&1); rc=$?
check "-sS on an IPv6 target exits 3 naming IPv4-only" sh -c "[ $rc -eq 3 ] && echo \"\$1\" | grep -q 'IPv4 only'" _ "$msg"
timeout 10 "$RISKMAP" scan -sS -sT 127.0.26.1 -p 22 -q > /dev/null 2>&1
check "-sS with -sT is a usage error (2)" [ $? -eq 2 ]
timeout 10 "$RISKMAP" scan -sS 127.0.26.1 -p 22 -q --user riskmap-no-such-user -o "$WORK/nouser" > /dev/null 2>&1
check "-sS --user with an unknown account is a usage error (2), nothing written" \
    sh -c '[ $1 -eq 2 ] && [ ! -e "$2" ]' _ $? "$WORK/nouser"
timeout 10 "$RISKMAP" scan -sS 127.0.26.1 -p 22 -q --user root > /dev/null 2>&1
check "-sS --user root is refused (2)" [ $? -eq 2 ]

# 7. Nothing left lo.
TX1=$(tx_other)
check "other interfaces sent $((TX1 - TX0)) packet(s) during the test (<= 200)" [ $((TX1 - TX0)) -le 200 ]

finish
