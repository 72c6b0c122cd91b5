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
#   riskmap scan -sS 127.0.30.0/24 --top-ports 1000 --rate 0 --no-service-detection -q -o DIR
#   nmap -sT -n -Pn -T4 --top-ports 1000 127.0.30.0/24 -oX FILE
#   riskmap scan -sT 127.0.30.0/24 --top-ports 1000 --rate 0 --max-concurrency 2048 --no-service-detection -q -o DIR
# RUNS rounds (default 3). It prints median wall and CPU times, the ratios nmap/riskmap for
# each scan type, whether all four found the identical open set (and the lab's), and the
# tx_packets of every interface but lo before and after: raw packets must stay on lo, and the
# benchmark fails if the other interfaces sent more than TX_MAX (300) packets meanwhile.
#
# Environment: RUNS (3), SEED (2), RISKMAP (./riskmap), NMAP (nmap), TX_MAX (300), KEEP=1.
# Exit: 0 when every open set equals the lab's and the tx check holds, 1 when not, 2 when
# something needed is missing.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
SEED=${SEED:-2}
RISKMAP=${RISKMAP:-$root/riskmap}
NMAP=${NMAP:-nmap}
TX_MAX=${TX_MAX:-300}
NET=127.0.30
LAB_HOSTS=20
TOP=1000
TIMEOUT=300
LAB_LIFETIME=$((RUNS * 4 * TIMEOUT + 600))

die() { echo "bench: $*" >&2; exit 2; }

case $RUNS in '' | *[!0-9]*) die "RUNS must be a positive number" ;; esac
if [ "$RUNS" -lt 1 ] || [ "$RUNS" -gt 100 ]; then die "RUNS must be 1..100"; fi
[ "$(id -u)" = 0 ] || die "needs root (SYN scans use raw sockets)"
[ -x "$RISKMAP" ] || die "$RISKMAP not built (run make)"
for t in "$NMAP" python3 timeout ss; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found (contrib/install-deps.sh installs it)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (Debian package time)"

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

work=$(mktemp -d "${TMPDIR:-/tmp}/riskmap-synbench.XXXXXX")
lab_pid=""
tool_pid=""
cleanup() {
    trap - EXIT INT TERM HUP
    if [ -n "$tool_pid" ]; then
        kill -TERM "$tool_pid" 2>/dev/null || true
        wait "$tool_pid" 2>/dev/null || true
    fi
    if [ -n "$lab_pid" ]; then
        kill -TERM "$lab_pid" 2>/dev/null || true
        wait "$lab_pid" 2>/dev/null || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "bench: work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM HUP

# ---- the lab (as bench/portscan.sh) -------------------------------------------------------
if ss -Hltn | awk '{print $4}' | grep -q "^$NET\."; then
    die "something already listens in $NET.0/24 (another bench running?)"
fi
awk '/top_ports_by_freq\[\] = \{/ {on = 1; next} on && /\};/ {exit}
     on { gsub(/[ ,]+/, " "); for (i = 1; i <= NF; i++) print $i }' \
    "$root/scanner/top_ports.c" | head -n "$TOP" > "$work/top.txt"
[ "$(wc -l < "$work/top.txt")" -eq "$TOP" ] || die "cannot read the top $TOP ports from scanner/top_ports.c"
ss -Hltn | awk '{print $4}' | awk -v net="$NET." '
    { p = $0; sub(/.*:/, "", p); a = $0; sub(/:[^:]*$/, "", a); gsub(/[][]/, "", a)
      if (a == "0.0.0.0" || a == "*" || a == "::" || index(a, net) == 1) print p }' \
    | sort -un > "$work/busy.txt"
python3 - "$work" "$SEED" "$NET" "$LAB_HOSTS" <<'EOF'
import random, sys
work, seed, net, nhosts = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
top = [int(x) for x in open(f"{work}/top.txt")]
busy = {int(x) for x in open(f"{work}/busy.txt") if x.strip()}
pool = [p for p in top if p not in busy]
rng = random.Random(seed)
lab = []
for h in range(1, nhosts + 1):
    for p in sorted(rng.sample(pool, rng.randint(1, 50))):
        lab.append(f"{net}.{h}:{p}")
open(f"{work}/lab.txt", "w").write("\n".join(lab) + "\n")
EOF
n_lab=$(wc -l < "$work/lab.txt")
# shellcheck disable=SC2046
python3 "$root/tests/lab/listen.py" --pidfile "$work/lab.pid" --log "$work/lab.log" \
    --lifetime "$LAB_LIFETIME" --backlog 1024 $(cat "$work/lab.txt") > "$work/listen.out" 2>&1 &
lab_pid=$!
i=0
while [ ! -s "$work/lab.pid" ]; do
    kill -0 "$lab_pid" 2>/dev/null || { cat "$work/listen.out" >&2; die "the lab listener failed to start"; }
    i=$((i + 1)); [ $i -le 200 ] || die "the lab listener did not start within 20 s"
    sleep 0.1
done
n_listening=$(ss -Hltn | awk -v net="$NET." 'index($4, net) == 1' | wc -l)
[ "$n_listening" -eq "$n_lab" ] || die "$n_listening sockets listen in $NET.0/24, expected $n_lab"

# ---- the runs -----------------------------------------------------------------------------
TARGET="$NET.0/24"
run() { # run TOOL N: TOOL is nmap-sS, riskmap-sS, nmap-sT or riskmap-sT
    local tool=$1 n=$2 out t0 t1 rc
    out="$work/$tool.$n"
    t0=$(date +%s.%N)
    case $tool in
    nmap-sS | nmap-sT)
        timeout "$TIMEOUT" /usr/bin/time -f "%M %U %S" -o "$out.rss" \
            "$NMAP" "${tool#nmap}" -n -Pn -T4 --top-ports "$TOP" "$TARGET" -oX "$out.xml" \
            > "$out.stdout" 2>&1 & ;;
    riskmap-sS)
        timeout "$TIMEOUT" /usr/bin/time -f "%M %U %S" -o "$out.rss" \
            "$RISKMAP" scan -sS "$TARGET" --top-ports "$TOP" --rate 0 --no-service-detection \
            -q -o "$out.d" > "$out.stdout" 2>&1 & ;;
    riskmap-sT)
        timeout "$TIMEOUT" /usr/bin/time -f "%M %U %S" -o "$out.rss" \
            "$RISKMAP" scan -sT "$TARGET" --top-ports "$TOP" --rate 0 --max-concurrency 2048 \
            --no-service-detection -q -o "$out.d" > "$out.stdout" 2>&1 & ;;
    esac
    tool_pid=$!
    rc=0
    wait "$tool_pid" || rc=$?
    tool_pid=""
    t1=$(date +%s.%N)
    if [ $rc != 0 ]; then
        echo "bench: $tool run $n failed (exit $rc):" >&2
        tail -n 5 "$out.stdout" >&2
        exit 1
    fi
    echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}' >> "$work/$tool.times"
    tail -n 1 "$out.rss" >> "$work/$tool.rss"
    printf '  %-11s run %d: %6.2f s\n' "$tool" "$n" "$(tail -n 1 "$work/$tool.times")"
}

echo "riskmap SYN-scan benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) CPU(s), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "nmap: $("$NMAP" --version | head -n 1)"
echo "riskmap: $("$RISKMAP" --version)"
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
