# shellcheck shell=bash
# Shared setup of the benchmarks in bench/ (bash; sourced, not run):
#
#   . "$(dirname "$0")/lib.sh"
#   TIMEOUT=300                        # seconds allowed to one timed run (default 300)
#   bench_init riskmap-bench 5         # work directory prefix, default RUNS
#   bench_net 127.0.30                 # NET: BENCH_NET or this /24 (127.x.y only)
#   bench_on_cleanup my_undo           # also run my_undo on exit (firewall rules, servers)
#   bench_net_free 127.0.30            # nothing of ours may listen there already
#   bench_top_ports 1000               # $work/top.txt, nmap's top N TCP ports
#   bench_busy_ports 127.0.30          # $work/busy.txt, ports someone else holds
#   bench_port_lab 127.0.30 20 0 0     # $work/lab.txt, $work/endpoints.txt
#   bench_listen "$work/lab.txt" 3600  # listen.py on those endpoints; lab_pid
#   bench_timed KEY N LABEL WIDTH WHAT -- CMD...   # one bounded, timed run
#
# Environment every benchmark takes: RUNS, BENCH_NET (the lab's /24), SEED (2), RISKMAP (./riskmap of this checkout),
# NMAP (nmap), KEEP=1 keeps the work directory. Exit status 2 (die) when something needed is
# missing. Everything the lab starts is stopped on exit by its PID, also on Ctrl-C.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TIMEOUT=${TIMEOUT:-300}
work=""
lab_pid=""  # the last listen.py started (bench_listen)
lab_pids="" # every process bench_listen or bench_track started
tool_pid="" # the timed run in flight
BENCH_CLEANUP=""

die() { echo "bench: $*" >&2; exit 2; }

# bench_init PREFIX DEFAULT_RUNS: checks RUNS and the tools every benchmark needs, makes $work
# and sets the traps.
bench_init() {
    RUNS=${RUNS:-$2}
    SEED=${SEED:-2}
    RISKMAP=${RISKMAP:-$root/riskmap}
    NMAP=${NMAP:-nmap}
    case $RUNS in '' | *[!0-9]*) die "RUNS must be a positive number" ;; esac
    if [ "$RUNS" -lt 1 ] || [ "$RUNS" -gt 100 ]; then die "RUNS must be 1..100"; fi
    [ -x "$RISKMAP" ] || die "$RISKMAP not built (run make)"
    local t
    for t in "$NMAP" python3 timeout ss; do
        command -v "$t" >/dev/null 2>&1 || die "$t not found (contrib/install-deps.sh installs it)"
    done
    [ -x /usr/bin/time ] || die "/usr/bin/time not found (Debian package time; contrib/install-deps.sh)"
    work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    trap bench_cleanup EXIT
    trap 'echo "bench: interrupted" >&2; exit 130' INT
    trap 'exit 143' TERM HUP
}

# bench_net DEFAULT: NET, the lab's /24 (three octets), BENCH_NET or DEFAULT; loopback only.
bench_net() {
    NET=${BENCH_NET:-$1}
    echo "$NET" | grep -Eq '^127\.([0-9]{1,3})\.([0-9]{1,3})$' ||
        die "BENCH_NET must be three octets in 127.0.0.0/8, e.g. 127.0.30 (got $NET)"
}

bench_on_cleanup() { BENCH_CLEANUP="$BENCH_CLEANUP $1"; }

# bench_track PID: one more process of the lab for the cleanup to stop.
bench_track() { lab_pids="$lab_pids $1"; }

bench_cleanup() {
    trap - EXIT INT TERM HUP
    local p f
    if [ -n "$tool_pid" ]; then # a timed run in flight: timeout passes TERM to its group
        kill -TERM "$tool_pid" 2>/dev/null || true
        wait "$tool_pid" 2>/dev/null || true
        tool_pid=""
    fi
    for p in $lab_pids; do
        kill -TERM "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    lab_pids=""
    lab_pid=""
    for f in $BENCH_CLEANUP; do "$f"; done
    BENCH_CLEANUP=""
    if [ "${KEEP:-0}" = 1 ]; then
        echo "bench: work directory kept: $work"
    else
        rm -rf "$work"
    fi
}

# bench_net_free NET: dies when something already listens in NET.0/24 (another bench run).
bench_net_free() {
    if ss -Hltn | awk '{print $4}' | grep -q "^$1\."; then
        die "something already listens in $1.0/24 (another bench running?)"
    fi
}

# bench_top_ports N: nmap's top N TCP ports into $work/top.txt, in riskmap's generated copy of
# nmap-services' order (the port lists the tools actually scanned are compared after the runs).
bench_top_ports() {
    awk '/top_ports_by_freq\[\] = \{/ {on = 1; next} on && /\};/ {exit}
         on { gsub(/[ ,]+/, " "); for (i = 1; i <= NF; i++) print $i }' \
        "$root/scanner/top_ports.c" | head -n "$1" > "$work/top.txt"
    [ "$(wc -l < "$work/top.txt")" -eq "$1" ] || die "cannot read the top $1 ports from scanner/top_ports.c"
}

# bench_busy_ports NET: into $work/busy.txt, the ports someone else listens on, on a wildcard
# address or in NET.0/24: a listener of ours there would collide, or answer for every address.
bench_busy_ports() {
    ss -Hltn | awk '{print $4}' | awk -v net="$1." '
        { p = $0; sub(/.*:/, "", p); a = $0; sub(/:[^:]*$/, "", a); gsub(/[][]/, "", a)
          if (a == "0.0.0.0" || a == "*" || a == "::" || index(a, net) == 1) print p }' \
        | sort -un > "$work/busy.txt"
}

# bench_port_lab NET HOSTS LOW FW: the port-scan lab, drawn deterministically (SEED) from
# $work/top.txt minus $work/busy.txt and ports below LOW. NET.1-HOSTS get 1 to 50 open ports
# each ($work/lab.txt, ADDR:PORT lines); NET.201 and .202 five more each, which only with FW=1
# are listened on ($work/endpoints.txt = the lab plus those), to be hidden by firewall rules.
bench_port_lab() {
    python3 - "$work" "$SEED" "$1" "$2" "$3" "$4" <<'EOF'
import random, sys
work, seed, net, nhosts, low = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
fw = sys.argv[6] == "1"
top = [int(x) for x in open(f"{work}/top.txt")]
busy = {int(x) for x in open(f"{work}/busy.txt") if x.strip()}
pool = [p for p in top if p not in busy and p >= low]
rng = random.Random(seed)
lab, hidden = [], []
for h in range(1, nhosts + 1):
    for p in sorted(rng.sample(pool, rng.randint(1, 50))):
        lab.append(f"{net}.{h}:{p}")
for h in (201, 202):  # behind the nftables rules: must be found closed or filtered, never open
    ports = sorted(rng.sample(pool, 5))  # drawn either way, so the lab does not depend on fw
    if fw:
        hidden.extend(f"{net}.{h}:{p}" for p in ports)
open(f"{work}/lab.txt", "w").write("\n".join(lab) + "\n")
open(f"{work}/endpoints.txt", "w").write("\n".join(lab + hidden) + "\n")
EOF
}

# bench_listen ENDPOINTS-FILE LIFETIME [LISTEN.PY-OPTIONS...]: tests/lab/listen.py on every
# ADDR:PORT of the file, waited for (at most 20 s) until its pidfile says all listen; lab_pid.
bench_listen() {
    local eps=$1 life=$2 tag i
    shift 2
    tag=lab$(echo "$lab_pids" | wc -w)
    [ "$tag" = lab0 ] && tag=lab # the first one keeps the old names: lab.pid, lab.log
    # shellcheck disable=SC2046
    python3 "$root/tests/lab/listen.py" --pidfile "$work/$tag.pid" --log "$work/$tag.log" \
        --lifetime "$life" --backlog 1024 "$@" $(cat "$eps") > "$work/$tag.out" 2>&1 &
    lab_pid=$! # ours from here on: the cleanup stops it
    bench_track "$lab_pid"
    bench_wait_pidfile "$lab_pid" "$work/$tag.pid" "$work/$tag.out" "the lab listener"
}

# bench_wait_pidfile PID PIDFILE OUTPUT WHAT: waits (at most 20 s) until PID wrote PIDFILE.
bench_wait_pidfile() {
    local i=0
    while [ ! -s "$2" ]; do
        if ! kill -0 "$1" 2>/dev/null; then
            cat "$3" >&2
            die "$4 failed to start"
        fi
        i=$((i + 1))
        [ $i -le 200 ] || die "$4 did not start within 20 s"
        sleep 0.1
    done
    [ "$(cat "$2")" = "$1" ] || die "the pidfile names $(cat "$2"), not $4 $1"
}

# bench_count_listening NET: how many sockets listen in NET.0/24.
bench_count_listening() {
    ss -Hltn | awk -v net="$1." 'index($4, net) == 1' | wc -l
}

# bench_timed KEY N LABEL WIDTH WHAT -- CMD...: runs CMD once, bounded by `timeout $TIMEOUT`,
# its output in $work/KEY.N.stdout; appends the wall seconds to $work/KEY.times and peak RSS
# (KiB), user and system CPU seconds to $work/KEY.rss, and prints "  LABEL run N: S s" (LABEL
# padded to WIDTH). A failed run ends the benchmark (exit 1), naming WHAT failed.
bench_timed() {
    local key=$1 n=$2 label=$3 width=$4 what=$5 out t0 t1 rc
    shift 6
    out="$work/$key.$n"
    t0=$(date +%s.%N)
    # In the background and waited for, so that Ctrl-C reaches our trap at once (timeout puts
    # the tool in a process group of its own, which the terminal's SIGINT does not reach).
    timeout "$TIMEOUT" /usr/bin/time -f "%M %U %S" -o "$out.rss" "$@" > "$out.stdout" 2>&1 &
    tool_pid=$!
    rc=0
    wait "$tool_pid" || rc=$?
    tool_pid=""
    t1=$(date +%s.%N)
    if [ $rc != 0 ]; then
        echo "bench: $what failed (exit $rc):" >&2
        tail -n 5 "$out.stdout" >&2
        [ $rc = 124 ] && echo "bench: (killed after ${TIMEOUT}s)" >&2
        exit 1
    fi
    echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}' >> "$work/$key.times"
    tail -n 1 "$out.rss" >> "$work/$key.rss"
    printf "  %-${width}s run %d: %6.2f s\n" "$label" "$n" "$(tail -n 1 "$work/$key.times")"
}

# bench_banner TITLE: the first lines of every benchmark's report.
bench_banner() {
    echo "$1, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "machine: $(nproc) CPU(s), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "nmap: $("$NMAP" --version | head -n 1)"
    echo "riskmap: $("$RISKMAP" --version)"
}
