#!/bin/bash
# Port-scan benchmark: riskmap against nmap -sT -T4 on the same loopback lab, same port list.
#
#   bench/portscan.sh                 (or: make bench)
#   RUNS=9 bench/portscan.sh          runs per tool and phase (default 5)
#
# The lab, all on loopback, all inside 127.0.30.0/24 (nothing is ever sent anywhere else):
#   - 127.0.30.1-20: listeners (tests/lab/listen.py), 1 to 50 open ports each, chosen
#     deterministically (SEED, default 2) from nmap's top 1000 TCP ports, skipping ports that
#     something else on this machine already listens on (ss -Hltn) on a wildcard address or
#     in 127.0.30.0/24;
#   - 127.0.30.201: every TCP packet to it is DROPPED by nftables (all ports filtered);
#   - 127.0.30.202: every TCP packet to it is REJECTED with a TCP reset (all ports closed);
#     both also run a few listeners that the rules must hide.
#   The nftables rules live in a table of their own (inet riskmap_bench), deleted on exit, also
#   on Ctrl-C; no other table is touched. Without root that part is skipped with a message.
#
# Phase 1 scans the whole /24, phase 2 the two firewalled hosts alone, each with
#   nmap -sT -n -Pn -T4 --top-ports 1000 TARGET -oX FILE
#   riskmap scan -sT -Pn TARGET --top-ports 1000 --rate 0 --max-concurrency 2048 --no-service-detection -q -o DIR
# (nmap -sT without -sV does no service detection either; that comparison is a separate one;
# -sT and -Pn pin what riskmap does as root by default since discovery and -sS came).
# alternating, RUNS times each, every run bounded by `timeout 300`. riskmap's default rate is
# a polite 2000 connects/s for small-office networks; -T4 is nmap's aggressive template, so the
# benchmark lifts riskmap's limit too (--rate 0). It prints median wall times, the ratio
# nmap/riskmap, CPU time and peak RSS (GNU time %U+%S, %M), the port states each tool saw,
# and whether both tools found the identical open set (sets of (address, port) from nmap's
# XML and riskmap's scan.json), also against the lab. The load average is printed first: on a
# 2-core machine anything else running skews the wall times (the CPU times much less).
#
# Environment: RUNS (5), SEED (2), RISKMAP (./riskmap of this checkout), NMAP (nmap),
# RISKMAP_EXTRA (extra riskmap options, e.g. "--threads 2"), KEEP=1 keeps the work directory,
# BENCH_NET (127.0.30: the lab's /24, any 127.x.y; its nftables table is then named
# riskmap_bench_127_x_y). The shared setup is bench/lib.sh.
# Exit status: 0 when both tools found identical open sets equal to the lab's, 1 when not,
# 2 when something needed is missing.
set -eu

TIMEOUT=300
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init riskmap-bench 5
RISKMAP_EXTRA=${RISKMAP_EXTRA:-}
bench_net 127.0.30
LAB_HOSTS=20
TABLE=riskmap_bench # another lab /24 (BENCH_NET) gets a table of its own
[ "$NET" = 127.0.30 ] || TABLE=riskmap_bench_$(echo "$NET" | tr . _)
TOP=1000
LAB_LIFETIME=$((RUNS * 4 * TIMEOUT + 600)) # upper bound; stopped by PID long before

table_made=0
drop_table() {
    if [ "$table_made" = 1 ]; then
        nft delete table inet "$TABLE" 2>/dev/null || echo "bench: could not delete nftables table inet $TABLE" >&2
        table_made=0
    fi
}
bench_on_cleanup drop_table

# ---- the lab ----------------------------------------------------------------------------
# Nothing of ours may already be here: another bench run, or a leftover table.
bench_net_free "$NET"
bench_top_ports "$TOP"
bench_busy_ports "$NET"

fw=0
if [ "$(id -u)" != 0 ]; then
    echo "bench: not root: skipping the nftables drop/reject hosts (phase 2)"
elif ! command -v nft >/dev/null 2>&1; then
    echo "bench: nft not found: skipping the drop/reject hosts (phase 2)"
elif nft list table inet "$TABLE" >/dev/null 2>&1; then
    die "nftables table inet $TABLE already exists (another bench running?); not touching it"
else
    # Input hook, so the SYN leaves the scanner's socket as on a real network and vanishes
    # (drop) or is answered with a reset (reject) on arrival; only our two addresses match.
    if nft -f - <<EOF
table inet $TABLE {
    chain input {
        type filter hook input priority filter; policy accept;
        ip daddr $NET.201 meta l4proto tcp drop
        ip daddr $NET.202 meta l4proto tcp reject with tcp reset
    }
}
EOF
    then
        table_made=1
        fw=1
    else
        echo "bench: could not create the nftables table: skipping the drop/reject hosts"
    fi
fi

# Without root, ports below net.ipv4.ip_unprivileged_port_start cannot be bound: leave them out.
low=0
if [ "$(id -u)" != 0 ]; then
    low=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)
    echo "bench: not root: the lab uses only ports from $low up"
fi

bench_port_lab "$NET" "$LAB_HOSTS" "$low" "$fw"
n_lab=$(wc -l < "$work/lab.txt")
bench_listen "$work/endpoints.txt" "$LAB_LIFETIME"
n_listening=$(bench_count_listening "$NET")
n_endpoints=$(wc -l < "$work/endpoints.txt")
[ "$n_listening" -eq "$n_endpoints" ] || die "$n_listening sockets listen in $NET.0/24, expected $n_endpoints"

# ---- the runs ---------------------------------------------------------------------------
# run TOOL PHASE N TARGET: one bounded run; wall seconds go to PHASE.TOOL.times, peak RSS
# (KiB), user and system CPU seconds to PHASE.TOOL.rss.
run() {
    local tool=$1 ph=$2 n=$3 target=$4 out
    out="$work/$ph.$tool.$n"
    if [ "$tool" = nmap ]; then
        bench_timed "$ph.$tool" "$n" "$tool" 8 "$tool run $n on $target" -- \
            "$NMAP" -sT -n -Pn -T4 --top-ports "$TOP" "$target" -oX "$out.xml"
    else
        # shellcheck disable=SC2086
        bench_timed "$ph.$tool" "$n" "$tool" 8 "$tool run $n on $target" -- \
            "$RISKMAP" scan -sT -Pn "$target" --top-ports "$TOP" --rate 0 --max-concurrency 2048 \
            --no-service-detection $RISKMAP_EXTRA -q -o "$out.d"
    fi
}

phase() {
    local name=$1 target=$2 n
    echo "== $name: $target, top $TOP ports, $RUNS runs each, alternating"
    n=1
    while [ $n -le "$RUNS" ]; do
        run nmap "$name" "$n" "$target"
        run riskmap "$name" "$n" "$target"
        n=$((n + 1))
    done
}

bench_banner "riskmap port-scan benchmark"
echo "lab: $n_lab open ports on $NET.1-$LAB_HOSTS (seed $SEED), listener PID $lab_pid"
echo "note: riskmap runs with --rate 0 (its default is a polite 2000/s) against nmap's aggressive -T4"
[ -n "$RISKMAP_EXTRA" ] && echo "note: extra riskmap options: $RISKMAP_EXTRA"
phase net "$NET.0/24"
if [ $fw = 1 ]; then
    phase fw "$NET.201-202"
fi

# ---- the figures ------------------------------------------------------------------------
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work" "$RUNS" "$fw" "$NET" <<'EOF'
import json, statistics, sys
import xml.etree.ElementTree as ET

work, runs, fw, net = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]

def expand(spec):
    out = set()
    for part in spec.split(","):
        if part:
            a, _, b = part.partition("-")
            out.update(range(int(a), int(b or a) + 1))
    return out

states = {}  # (phase, tool) -> [open, closed, filtered] summed over runs

def count(key, state, n=1):
    c = states.setdefault(key, {"open": 0, "closed": 0, "filtered": 0})
    c[state] = c.get(state, 0) + n

def nmap_run(path, key):
    root = ET.parse(path).getroot()
    ports = expand(root.find("scaninfo").get("services"))
    found = set()
    for e in root.iter("extraports"):
        count(key, e.get("state"), int(e.get("count")))
    for p in root.iter("port"):
        count(key, p.find("state").get("state"))
    for h in root.iter("host"):
        addr = next(a.get("addr") for a in h.iter("address") if a.get("addrtype") in ("ipv4", "ipv6"))
        for p in h.iter("port"):
            if p.get("protocol") == "tcp" and p.find("state").get("state") == "open":
                found.add((addr, int(p.get("portid"))))
    return ports, found

def riskmap_run(path, key):
    doc = json.load(open(path))
    for st in ("open", "closed", "filtered"):
        count(key, st, doc["scan"]["stats"][st])
    ports = expand(doc["scan"]["ports"]["scanned"])
    found = {(h["address"], s["port"]) for h in doc["hosts"] for s in h["services"]
             if s["state"] == "open" and s["protocol"] == "tcp"}
    return ports, found

def nums(path, col=0):
    return [float(x.split()[col]) for x in open(path)]

lab = set()
for line in open(f"{work}/lab.txt"):
    a, _, p = line.strip().rpartition(":")
    lab.add((a, int(p)))

ok = True
phases = [("net", f"{net}.0/24")] + ([("fw", f"{net}.201-202")] if fw else [])
print()
print("== results (medians of %d runs)" % runs)
for ph, target in phases:
    t_n, t_r = nums(f"{work}/{ph}.nmap.times"), nums(f"{work}/{ph}.riskmap.times")
    rss_n, rss_r = nums(f"{work}/{ph}.nmap.rss"), nums(f"{work}/{ph}.riskmap.rss")
    cpu_n = [u + s for u, s in zip(nums(f"{work}/{ph}.nmap.rss", 1), nums(f"{work}/{ph}.nmap.rss", 2))]
    cpu_r = [u + s for u, s in zip(nums(f"{work}/{ph}.riskmap.rss", 1), nums(f"{work}/{ph}.riskmap.rss", 2))]
    mn, mr = statistics.median(t_n), statistics.median(t_r)
    cn, cr = statistics.median(cpu_n), statistics.median(cpu_r)
    sets_n, sets_r, plist = [], [], set()
    for i in range(1, runs + 1):
        pn, fn = nmap_run(f"{work}/{ph}.nmap.{i}.xml", (ph, "nmap"))
        pr, fr = riskmap_run(f"{work}/{ph}.riskmap.{i}.d/scan.json", (ph, "riskmap"))
        sets_n.append(frozenset(fn)); sets_r.append(frozenset(fr))
        plist.add((frozenset(pn), frozenset(pr)))
    same_ports = all(a == b for a, b in plist)
    nmap_stable, rm_stable = len(set(sets_n)) == 1, len(set(sets_r)) == 1
    identical = nmap_stable and rm_stable and sets_n[0] == sets_r[0]
    want = {x for x in lab if x[0] in ({f"{net}.{h}" for h in range(1, 256)} if ph == "net" else set())}
    print(f"{target}:")
    print(f"  nmap    median {mn:7.2f} s   (min {min(t_n):.2f}, max {max(t_n):.2f})   CPU {cn:6.2f} s   peak RSS {statistics.median(rss_n)/1024:5.1f} MiB")
    print(f"  riskmap median {mr:7.2f} s   (min {min(t_r):.2f}, max {max(t_r):.2f})   CPU {cr:6.2f} s   peak RSS {statistics.median(rss_r)/1024:5.1f} MiB (max {max(rss_r)/1024:.1f})")
    goal = 2 if ph == "net" else 3
    print(f"  ratio nmap/riskmap: {mn / mr:.2f}x wall (goal {goal}x: {'met' if mn / mr >= goal else 'NOT met'}), "
          f"{cn / cr:.2f}x CPU (user+system)")
    print(f"  same port list scanned: {'yes' if same_ports else 'NO'}")
    print(f"  open ports found: nmap {len(sets_n[0])}, riskmap {len(sets_r[0])}; "
          f"identical open set: {'yes' if identical else 'NO'}"
          + ("" if nmap_stable and rm_stable else " (a tool found different sets in different runs)"))
    if not identical:
        for i, (a, b) in enumerate(zip(sets_n, sets_r), 1):
            if a != b:
                print(f"    run {i}: only nmap {sorted(a - b)[:10]}, only riskmap {sorted(b - a)[:10]}")
    sn, sr = states[(ph, "nmap")], states[(ph, "riskmap")]
    fmt = lambda c: "/".join(f"{c[k] / runs:g}" for k in ("open", "closed", "filtered"))
    print(f"  port states per run, open/closed/filtered: nmap {fmt(sn)}, riskmap {fmt(sr)}"
          + ("" if sn == sr else "  (DIFFERENT)"))
    extra = sets_r[0] - want
    missing = want - sets_r[0]
    print(f"  lab's open set ({len(want)}): riskmap missed {len(missing)}, found {len(extra)} beyond it"
          + (f" {sorted(extra)[:6]}" if extra else ""))
    ok = ok and identical and same_ports and not missing and not (ph == "fw" and extra)
sys.exit(0 if ok else 1)
EOF
