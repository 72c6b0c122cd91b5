#!/bin/bash
# SYN-scan benchmark: riskmap -sS and -sT against nmap -sS -T4 and nmap -sT -T4, on the same
# loopback lab, nmap's top 1000 TCP ports over 127.0.30.0/24. Needs root (raw sockets).
#
#   bench/synscan.sh                  RUNS=5 bench/synscan.sh
#
# The lab is bench/portscan.sh's: tests/lab/listen.py on 127.0.30.1-20, 1 to 50 open ports
# each, drawn deterministically (SEED, default 2) from the top 1000, skipping ports something
# else listens on (wildcard or in 127.0.30.0/24). No nftables hosts here.
# Each round runs, in this order, bounded by `timeout 300`:
#   nmap -sS -n -Pn -T4 --top-ports 1000 127.0.30.0/24 -oX FILE
#   riskmap scan -sS -Pn 127.0.30.0/24 --top-ports 1000 --rate 0 --no-service-detection -q -o DIR
#   nmap -sT -n -Pn -T4 --top-ports 1000 127.0.30.0/24 -oX FILE
#   riskmap scan -sT -Pn 127.0.30.0/24 --top-ports 1000 --rate 0 --max-concurrency 2048 --no-service-detection -q -o DIR
# RUNS rounds (default 3). It prints median wall and CPU times, the ratios nmap/riskmap for
# each scan type, whether all four found the identical open set (and the lab's), and the
# tx_packets of every interface but lo before and after: raw packets must stay on lo, and the
# benchmark fails if the other interfaces sent more than TX_MAX (300) packets meanwhile.
#
# Environment: RUNS (3), SEED (2), RISKMAP (./riskmap), NMAP (nmap), TX_MAX (300), KEEP=1,
# BENCH_NET (127.0.30: the lab's /24, any 127.x.y). The shared setup is bench/lib.sh.
# Exit: 0 when every open set equals the lab's and the tx check holds, 1 when not, 2 when
# something needed is missing.
set -eu

TIMEOUT=300
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || die "needs root (SYN scans use raw sockets)"
TX_MAX=${TX_MAX:-300}
tx_other() { # total tx_packets over every interface but lo
    local t=0 f dev
    for f in /sys/class/net/*/statistics/tx_packets; do
        dev=${f#/sys/class/net/}; dev=${dev%%/*}
        [ "$dev" = lo ] && continue
        t=$((t + $(cat "$f")))
    done
    echo "$t"
}
TX0=$(tx_other)
bench_init riskmap-synbench 3
bench_net 127.0.30
LAB_HOSTS=20
TOP=1000
LAB_LIFETIME=$((RUNS * 4 * TIMEOUT + 600))

# ---- the lab (as bench/portscan.sh, without the firewalled hosts) -------------------------
bench_net_free "$NET"
bench_top_ports "$TOP"
bench_busy_ports "$NET"
bench_port_lab "$NET" "$LAB_HOSTS" 0 0
n_lab=$(wc -l < "$work/lab.txt")
bench_listen "$work/lab.txt" "$LAB_LIFETIME"
n_listening=$(bench_count_listening "$NET")
[ "$n_listening" -eq "$n_lab" ] || die "$n_listening sockets listen in $NET.0/24, expected $n_lab"

# ---- the runs -----------------------------------------------------------------------------
TARGET="$NET.0/24"
run() { # run TOOL N: TOOL is nmap-sS, riskmap-sS, nmap-sT or riskmap-sT
    local tool=$1 n=$2 out
    out="$work/$tool.$n"
    case $tool in
    nmap-sS | nmap-sT)
        bench_timed "$tool" "$n" "$tool" 11 "$tool run $n" -- \
            "$NMAP" "${tool#nmap}" -n -Pn -T4 --top-ports "$TOP" "$TARGET" -oX "$out.xml" ;;
    riskmap-sS)
        bench_timed "$tool" "$n" "$tool" 11 "$tool run $n" -- \
            "$RISKMAP" scan -sS -Pn "$TARGET" --top-ports "$TOP" --rate 0 --no-service-detection \
            -q -o "$out.d" ;;
    riskmap-sT)
        bench_timed "$tool" "$n" "$tool" 11 "$tool run $n" -- \
            "$RISKMAP" scan -sT -Pn "$TARGET" --top-ports "$TOP" --rate 0 --max-concurrency 2048 \
            --no-service-detection -q -o "$out.d" ;;
    esac
}

bench_banner "riskmap SYN-scan benchmark"
echo "lab: $n_lab open ports on $NET.1-$LAB_HOSTS (seed $SEED), listener PID $lab_pid"
echo "== $TARGET, top $TOP ports, $RUNS rounds, alternating"
n=1
while [ $n -le "$RUNS" ]; do
    for tool in nmap-sS riskmap-sS nmap-sT riskmap-sT; do
        run "$tool" "$n"
    done
    n=$((n + 1))
done
TX1=$(tx_other)
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work" "$RUNS" "$NET" <<'EOF' || fail=1
import json, statistics, sys
import xml.etree.ElementTree as ET
work, runs, net = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def nmap_open(path):
    found, states = set(), {"open": 0, "closed": 0, "filtered": 0}
    root = ET.parse(path).getroot()
    for e in root.iter("extraports"):
        states[e.get("state")] = states.get(e.get("state"), 0) + int(e.get("count"))
    for h in root.iter("host"):
        addr = next(a.get("addr") for a in h.iter("address") if a.get("addrtype") == "ipv4")
        for p in h.iter("port"):
            st = p.find("state").get("state")
            states[st] = states.get(st, 0) + 1
            if st == "open":
                found.add((addr, int(p.get("portid"))))
    return found, states

def riskmap_open(path):
    doc = json.load(open(path))
    states = {k: doc["scan"]["stats"][k] for k in ("open", "closed", "filtered")}
    return {(h["address"], s["port"]) for h in doc["hosts"] for s in h["services"]
            if s["state"] == "open"}, states

def nums(path, col=0):
    return [float(x.split()[col]) for x in open(path)]

lab = set()
for line in open(f"{work}/lab.txt"):
    a, _, p = line.strip().rpartition(":")
    lab.add((a, int(p)))

tools = ["nmap-sS", "riskmap-sS", "nmap-sT", "riskmap-sT"]
med, cpu, sets, states = {}, {}, {}, {}
for t in tools:
    med[t] = statistics.median(nums(f"{work}/{t}.times"))
    cpu[t] = statistics.median([u + s for u, s in zip(nums(f"{work}/{t}.rss", 1), nums(f"{work}/{t}.rss", 2))])
    sets[t] = []
    for i in range(1, runs + 1):
        f, st = (nmap_open(f"{work}/{t}.{i}.xml") if t.startswith("nmap")
                 else riskmap_open(f"{work}/{t}.{i}.d/scan.json"))
        sets[t].append(frozenset(f))
        states[t] = st
print()
print("== results (medians of %d runs)" % runs)
for t in tools:
    rss = statistics.median(nums(f"{work}/{t}.rss")) / 1024
    print(f"  {t:11s} median {med[t]:7.2f} s  CPU {cpu[t]:6.2f} s  peak RSS {rss:6.1f} MiB  "
          f"states o/c/f {states[t]['open']}/{states[t]['closed']}/{states[t]['filtered']}")
r_s = med["nmap-sS"] / med["riskmap-sS"]
r_t = med["nmap-sT"] / med["riskmap-sT"]
print(f"  -sS: nmap/riskmap {r_s:.2f}x wall (goal 2.5x: {'met' if r_s >= 2.5 else 'NOT met'}), "
      f"{cpu['nmap-sS'] / max(cpu['riskmap-sS'], 1e-3):.2f}x CPU")
print(f"  -sT: nmap/riskmap {r_t:.2f}x wall, {cpu['nmap-sT'] / max(cpu['riskmap-sT'], 1e-3):.2f}x CPU")
ok = True
for t in tools:
    stable = len(set(sets[t])) == 1
    eq = all(s == frozenset(lab) for s in sets[t])
    print(f"  {t:11s} open set: {len(sets[t][0])} ports, same every run: {'yes' if stable else 'NO'}, "
          f"equals the lab's ({len(lab)}): {'yes' if eq else 'NO'}")
    if not eq:
        ok = False
        for i, s in enumerate(sets[t], 1):
            if s != frozenset(lab):
                print(f"    run {i}: missed {sorted(lab - s)[:8]}, extra {sorted(s - lab)[:8]}")
print(f"  identical open set across all four tools and all runs: {'yes' if ok else 'NO'}")
sys.exit(0 if ok else 1)
EOF
fail=${fail:-0}
dtx=$((TX1 - TX0))
if [ "$dtx" -le "$TX_MAX" ]; then
    echo "  other interfaces sent $dtx packet(s) during the benchmark (<= $TX_MAX): ok"
else
    echo "  other interfaces sent $dtx packet(s) during the benchmark (> $TX_MAX): FAIL"
    fail=1
fi
exit "$fail"
