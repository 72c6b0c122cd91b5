#!/bin/sh
# integration: alone (raw packets, nftables counters, timing or 127.0.0.1 itself: see run.sh)
# Scope proof: every packet on lo to or from 127.0.62.0/23 is captured with libpcap
# (tests/tools/lo_capture) while riskmap scans 127.0.62.0/24 with exclusions given three ways
# (--exclude with a CIDR and an address, --excludefile) and more targets from -iL. The whole
# pipeline runs: host discovery, the port scan, service detection and the checks. The capture
# must show traffic to every in-scope address and none to, or from, an excluded or
# out-of-scope address (127.0.63.x is the out-of-scope neighbour); listeners on excluded
# addresses must see no connection. Runs for the SYN scan with raw discovery (root), the
# connect scan with raw discovery, the connect scan with -Pn, and, as nobody, the connect scan
# with connect pings.
set -u
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
    echo "skip - capturing on lo needs root"
    exit 0
fi
CAP="${RISKMAP_TOOLS:-}/lo_capture"
if [ ! -x "$CAP" ]; then
    echo "not ok - lo_capture not built (make builds it into \$(O)/tools)"
    exit 1
fi

BUSY=" $(busy_ports | tr '\n' ' ') "
P1=26201; P2=26202
case "$BUSY" in *" $P1 "*|*" $P2 "*) P1=26211; P2=26212 ;; esac
# Listeners inside the scope, and on excluded and out-of-scope addresses (must stay silent).
lab_start inside 127.0.62.1:$P1 127.0.62.205:$P2 127.0.62.64:$P1
lab_start outside 127.0.62.7:$P1 127.0.62.50:$P1 127.0.62.130:$P2 127.0.63.1:$P1

echo "127.0.62.200-210  # more targets, inside the /24 already: each counted once" > "$WORK/targets.txt"
echo "127.0.62.50" > "$WORK/excl.txt"
EXCL_ARGS="--exclude 127.0.62.128/26,127.0.62.7 --excludefile $WORK/excl.txt"

python3 - > "$WORK/allowed.txt" <<'PY'
import ipaddress
net = ipaddress.ip_network("127.0.62.0/24")
excl = set(ipaddress.ip_network("127.0.62.128/26")) | {ipaddress.ip_address("127.0.62.7"),
                                                        ipaddress.ip_address("127.0.62.50")}
for a in net:
    if a not in excl:
        print(a)
PY
NALLOWED=$(wc -l < "$WORK/allowed.txt")

# run_captured NAME [setpriv ARGS --] RISKMAP-ARGS...: scans while capturing; leaves
# $WORK/NAME.cap (the capture's pair list) and the scan's exit status in $WORK/NAME.rc.
run_captured() {
    name=$1; shift
    rm -f "$WORK/$name.ready"
    "$CAP" lo "net 127.0.62.0/23" 120 "$WORK/$name.ready" > "$WORK/$name.cap" 2> "$WORK/$name.caperr" &
    cpid=$!
    i=0
    while [ ! -f "$WORK/$name.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    timeout 90 "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"
    echo $? > "$WORK/$name.rc"
    sleep 0.3 # the last answers
    kill "$cpid" 2>/dev/null
    wait "$cpid" 2>/dev/null
}

# judge NAME: every captured pair within the allowed set (both directions); traffic to every
# allowed address; no drops.
judge() {
    python3 - "$WORK/allowed.txt" "$WORK/$1.cap" "$2" <<'PY'
import sys
allowed = set(open(sys.argv[1]).read().split())
need_all = sys.argv[3] == "all"
bad, seen, drops = [], set(), None
for line in open(sys.argv[2]):
    if line.startswith("# drops"):
        f = line.split()
        drops = int(f[2]) + int(f[4])
        continue
    src, dst, n = line.split()
    for a in (src, dst):
        if a.startswith("127.0.62.") or a.startswith("127.0.63."):
            if a not in allowed:
                bad.append((src, dst, n))
    if dst in allowed:
        seen.add(dst)
if drops is None:
    print("capture did not finish"); sys.exit(1)
if drops:
    print("capture dropped %d packets: proves nothing" % drops); sys.exit(1)
if bad:
    print("out of scope:", bad[:10]); sys.exit(1)
if need_all and seen != allowed:
    print("no traffic to", sorted(allowed - seen)[:10]); sys.exit(1)
if not seen:
    print("no traffic at all"); sys.exit(1)
print("ok %d addresses reached, none outside" % len(seen))
PY
}

prove() { # prove NAME DESCRIPTION all|some
    if [ "$(cat "$WORK/$1.rc")" != 0 ]; then
        not_ok "$2: scan failed"; cat "$WORK/$1.err"; return
    fi
    if res=$(judge "$1" "$3"); then ok "$2: $res"; else not_ok "$2: $res"; fi
}

run_captured syn "$RISKMAP" scan 127.0.62.0/24 -iL "$WORK/targets.txt" $EXCL_ARGS \
    -p "22,80,443,$P1,$P2" --retries 1 -q -o "$WORK/syn"
prove syn "root default (raw discovery, -sS, detection, checks)" all
run_captured tcp "$RISKMAP" scan -sT 127.0.62.0/24 -iL "$WORK/targets.txt" $EXCL_ARGS \
    -p "22,80,443,$P1,$P2" --retries 1 -q -o "$WORK/tcp"
prove tcp "-sT with raw discovery" all
run_captured pn "$RISKMAP" scan -sT -Pn 127.0.62.0/24 -iL "$WORK/targets.txt" $EXCL_ARGS \
    -p "$P1,$P2" --retries 0 -q -o "$WORK/pn"
prove pn "-sT -Pn" all
chmod 0711 "$WORK"
mkdir -m 0777 "$WORK/user"
run_captured user setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
    "$RISKMAP" scan 127.0.62.0/24 -iL "$WORK/targets.txt" $EXCL_ARGS -p "$P1,$P2" --retries 0 \
    -q -o "$WORK/user/out"
prove user "unprivileged (connect pings, -sT)" all

# The open set is exactly the in-scope listeners, in every run.
for r in syn tcp pn user; do
    f="$WORK/$r/scan.json"; [ "$r" = user ] && f="$WORK/user/out/scan.json"
    got=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted("%s:%d" % (h["address"], s["port"]) for h in d["hosts"] for s in h["services"]
                      if s["port"] in (int(sys.argv[2]), int(sys.argv[3])))))' "$f" "$P1" "$P2")
    check "$r: open lab ports are exactly the in-scope ones" \
        [ "$got" = "127.0.62.1:$P1 127.0.62.205:$P2 127.0.62.64:$P1" ]
done

lab_stop outside
lab_stop inside
check "listeners on excluded and out-of-scope addresses saw no connection" \
    [ -f "$WORK/outside.log" ] && [ ! -s "$WORK/outside.log" ]
check "in-scope listeners were reached" [ -s "$WORK/inside.log" ]
check "riskmap counted the same scope ($NALLOWED addresses)" python3 -c 'import json, sys
assert json.load(open(sys.argv[1]))["scan"]["scope"]["address_count"] == int(sys.argv[2])' "$WORK/syn/scan.json" "$NALLOWED"
finish
