#!/bin/sh
# integration: alone (raw packets, nftables counters, timing or 127.0.0.1 itself: see run.sh)
# Host discovery on 127.0.60.0/24 (root): nftables rules of the test's own make hosts that
# answer ICMP (.1), drop ICMP but answer TCP (.2), answer only on one port (.3, found only with
# --alive-ports), drop everything (.4, down), and answer ICMP only (.5: alive, every port
# filtered). Each alive host records how it answered; a
# down host is never port-scanned (an nftables counter sees exactly the discovery probes);
# -Pn port-scans everyone; without root (as nobody) discovery falls back to TCP connect pings
# and says so once. ARP is tested in two network namespaces of the test's own on 198.18.60.0/24
# (veth, torn down after): a host that drops all IP is found by its ARP reply, with its MAC.
# Raw packets stay on lo and in the namespaces: the other interfaces' tx_packets are read before
# and after.
set -u
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
    echo "skip - raw host discovery needs root"
    exit 0
fi
if ! command -v nft > /dev/null 2>&1; then
    echo "skip - needs nft (nftables) to make hosts that drop probes"
    exit 0
fi

tx_other() {
    t=0
    for f in /sys/class/net/*/statistics/tx_packets; do
        dev=${f#/sys/class/net/}; dev=${dev%%/*}
        [ "$dev" = lo ] && continue
        t=$((t + $(cat "$f")))
    done
    echo "$t"
}
TX0=$(tx_other)

T="riskmap_disctest_$$"
NSA="rmdiscA_$$"
NSB="rmdiscB_$$"
teardown() {
    nft delete table inet "$T" 2>/dev/null
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
    cleanup
}
trap teardown EXIT INT TERM

# A port no one else uses, for the .3 listener and --alive-ports.
BUSY=" $(busy_ports | tr '\n' ' ') "
AP=26060
case "$BUSY" in *" $AP "*) AP=26061 ;; esac
lab_start lab 127.0.60.1:22 127.0.60.3:$AP

nft -f - <<NFT
table inet $T {
    counter down_in { }
    chain input {
        type filter hook input priority -10; policy accept;
        ip daddr 127.0.60.2 ip protocol icmp drop
        ip daddr 127.0.60.3 tcp dport $AP accept
        ip daddr 127.0.60.3 drop
        ip daddr 127.0.60.4 counter name down_in drop
        ip daddr 127.0.60.5 ip protocol tcp drop
    }
}
NFT
down_count() {
    nft list counter inet "$T" down_in | awk '/packets/ {for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1)}'
}

hosts_of() { # scan.json -> "address reason" per host, sorted
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for h in d["hosts"]:
    print(h["address"], h.get("reason", "-"))' "$1" | sort
}

validate() { # validate scan.json; print its discovery setting
    python3 - "$ROOT/docs/scan-result.schema.json" "$1" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator(schema).validate(doc)
assert doc["scan"]["complete"] is True, doc["scan"]
assert doc["scan"]["stats"]["hosts_up"] == len(doc["hosts"])
for h in doc["hosts"]:
    assert h["rtt_ms"] >= 0, h
print(doc["scan"]["settings"]["discovery"])
PY
}

# 1. Raw discovery, then the SYN scan (root's default) of the hosts found.
c0=$(down_count)
timeout 60 "$RISKMAP" scan 127.0.60.1-5 -p 22,$AP --retries 1 --no-service-detection -v \
    --ndjson "$WORK/raw.ndjson" -o "$WORK/raw" > "$WORK/raw.txt" 2> "$WORK/raw.err"
rc=$?
c1=$(down_count)
check "raw discovery scan exits 0" [ $rc -eq 0 ]
[ $rc -eq 0 ] || cat "$WORK/raw.err"
hosts_of "$WORK/raw/scan.json" > "$WORK/raw.hosts"
check ".1 answers ICMP echo: reason echo-reply" grep -qx "127.0.60.1 echo-reply" "$WORK/raw.hosts"
check ".2 drops ICMP but resets TCP: alive by a reset" grep -qx "127.0.60.2 reset" "$WORK/raw.hosts"
check ".5 drops TCP but answers ICMP: alive by echo-reply" grep -qx "127.0.60.5 echo-reply" "$WORK/raw.hosts"
check ".3 (one port only) and .4 (drops all) are down without --alive-ports" \
    [ "$(cut -d' ' -f1 "$WORK/raw.hosts" | tr '\n' ' ')" = "127.0.60.1 127.0.60.2 127.0.60.5 " ]
check ".5 is listed with both ports filtered and a round trip" python3 -c 'import json, sys
h = [h for h in json.load(open(sys.argv[1]))["hosts"] if h["address"] == "127.0.60.5"][0]
assert h["ports"] == {"open": 0, "closed": 0, "filtered": 2} and h["rtt_ms"] >= 0, h' "$WORK/raw/scan.json"
check "the event stream has one host_up per alive host, .5 included" python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
up = sorted(e["address"] for e in ev if e["event"] == "host_up")
assert up == ["127.0.60.1", "127.0.60.2", "127.0.60.5"], up' "$WORK/raw.ndjson"
# 4 probes per round, 2 rounds (--retries 1), and nothing more: the down host is not port-scanned.
check "the down host received exactly the 8 discovery probes, no port-scan probe ($((c1 - c0)))" \
    [ $((c1 - c0)) -eq 8 ]
check "discovery is logged with its counts" grep -q "host discovery: 3 of 5 host(s) up" "$WORK/raw.err"
check "the document validates, says discovery raw" [ "$(validate "$WORK/raw/scan.json" 2>&1)" = raw ]
check "the SYN scan found .1's port 22 open" grep -q "^  22/tcp  *open" "$WORK/raw.txt"

# 2. --alive-ports finds the host that answers only there.
c0=$(down_count)
timeout 60 "$RISKMAP" scan 127.0.60.1-4 -p 22,$AP --alive-ports $AP --retries 1 \
    --no-service-detection -q -o "$WORK/alive" > /dev/null 2> "$WORK/alive.err"
c1=$(down_count)
hosts_of "$WORK/alive/scan.json" > "$WORK/alive.hosts"
check "--alive-ports $AP: .3 alive by its SYN-ACK" grep -qx "127.0.60.3 syn-ack" "$WORK/alive.hosts"
check "--alive-ports: still 3 hosts up, .4 down" [ "$(wc -l < "$WORK/alive.hosts")" -eq 3 ]
check "--alive-ports: the down host got 5 probes per round, 10 in all ($((c1 - c0)))" \
    [ $((c1 - c0)) -eq 10 ]
check "--alive-ports recorded in settings" python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["scan"]["settings"]
assert s["alive_ports"] == sys.argv[2], s' "$WORK/alive/scan.json" "$AP"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
h = [h for h in d["hosts"] if h["address"] == "127.0.60.3"][0]
assert [s["port"] for s in h["services"]] == [int(sys.argv[2])], h' "$WORK/alive/scan.json" "$AP" \
    && ok "the port scan then found .3's port $AP open" || not_ok ".3's port $AP"

# 3. -Pn: no discovery; every address is port-scanned, .4 too (its counter moves past 8).
c0=$(down_count)
timeout 60 "$RISKMAP" scan -Pn 127.0.60.1-4 -p 22,$AP --retries 1 --no-service-detection -q \
    -o "$WORK/pn" > /dev/null 2>&1
c1=$(down_count)
check "-Pn: the down host is port-scanned (2 ports x 2 attempts = 4 SYNs, no ICMP)" [ $((c1 - c0)) -eq 4 ]
check "-Pn: settings say discovery off" python3 -c 'import json, sys
assert json.load(open(sys.argv[1]))["scan"]["settings"]["discovery"] == "off"' "$WORK/pn/scan.json"
hosts_of "$WORK/pn/scan.json" > "$WORK/pn.hosts"
check "-Pn: hosts are those that answered the port scan (.1 .2 .3)" \
    [ "$(cut -d' ' -f1 "$WORK/pn.hosts" | tr '\n' ' ')" = "127.0.60.1 127.0.60.2 127.0.60.3 " ]

# 4. Without root: TCP connect pings, said once.
UOUT="$WORK/user"
chmod 0711 "$WORK"   # nobody must reach its output directory
mkdir -m 0777 "$UOUT"
timeout 60 setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$RISKMAP" scan \
    127.0.60.1-4 -p 22 --retries 1 --no-service-detection -o "$UOUT/out" \
    > "$WORK/user.txt" 2> "$WORK/user.err"
rc=$?
check "unprivileged scan exits 0" [ $rc -eq 0 ]
[ $rc -eq 0 ] || cat "$WORK/user.err"
check "unprivileged: says once that discovery uses connect pings" \
    [ "$(grep -c 'host discovery without root' "$WORK/user.err")" -eq 1 ]
hosts_of "$UOUT/out/scan.json" > "$WORK/user.hosts"
check "unprivileged: .1 and .2 alive by connect ping, .3 and .4 down" \
    [ "$(tr '\n' ' ' < "$WORK/user.hosts")" = "127.0.60.1 tcp-connect-ping 127.0.60.2 tcp-connect-ping " ]
check "unprivileged: the document says discovery connect" [ "$(validate "$UOUT/out/scan.json" 2>&1)" = connect ]
lab_stop lab

# 5. ARP, in namespaces of our own: A (198.18.60.1) scans B (198.18.60.2, drops all IP) and
#    198.18.60.3 (nobody).
if ip netns add "$NSA" 2>/dev/null && ip netns add "$NSB" 2>/dev/null &&
   ip -n "$NSA" link add rmveth0 type veth peer name rmveth1 netns "$NSB" &&
   ip -n "$NSA" addr add 198.18.60.1/24 dev rmveth0 && ip -n "$NSB" addr add 198.18.60.2/24 dev rmveth1 &&
   ip -n "$NSA" link set rmveth0 up && ip -n "$NSB" link set rmveth1 up &&
   ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up; then
    ip netns exec "$NSB" nft -f - <<'NFT'
table inet dropall {
    chain input {
        type filter hook input priority -10; policy drop;
    }
}
NFT
    MAC=$(ip -n "$NSB" -o link show rmveth1 | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/')
    # IPv6 duplicate-address detection may still be settling: ARP does not care.
    timeout 60 ip netns exec "$NSA" "$RISKMAP" scan 198.18.60.2-3 -p 22 --retries 1 \
        --no-service-detection -q -o "$WORK/arp" > /dev/null 2> "$WORK/arp.err"
    rc=$?
    check "ARP scan in the namespace exits 0" [ $rc -eq 0 ]
    [ $rc -eq 0 ] || cat "$WORK/arp.err"
    python3 - "$WORK/arp/scan.json" "$MAC" > "$WORK/arp.txt" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
hs = [(h["address"], h.get("reason"), h.get("mac")) for h in d["hosts"]]
assert hs == [("198.18.60.2", "arp-response", sys.argv[2])], hs
assert d["scan"]["settings"]["discovery"] == "raw", d["scan"]["settings"]
print("arp ok")
PY
    if grep -qx "arp ok" "$WORK/arp.txt"; then
        ok "a host that drops all IP is found by ARP, with its MAC; the absent one is down"
    else
        not_ok "ARP discovery"; cat "$WORK/arp.txt"
    fi
    check "ARP document validates" [ "$(validate "$WORK/arp/scan.json" 2>&1)" = raw ]
else
    echo "skip - cannot create network namespaces here (ARP check)"
fi

TX1=$(tx_other)
check "no more than 200 packets left by other interfaces ($((TX1 - TX0)))" [ $((TX1 - TX0)) -le 200 ]
finish
