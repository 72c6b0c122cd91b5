#!/bin/bash
# Runs the integration tests: first, one at a time, those that say "# integration: alone" in
# their first lines (they send raw packets, scan 127.0.0.1 itself, or time what they do, and
# another test's listeners or load would change their answer); then the others JOBS at a time
# (each has its own loopback block, and most of their time is spent waiting on servers), never
# two together that say they use the same thing ("# integration: uses xrdp": one pid file).
# Each test's output is printed whole when it ends, with its time; the run fails if any fails.
#
#   tests/integration/run.sh [-j JOBS] TEST...      RISKMAP (and RISKMAP_TOOLS) in the environment
set -u
JOBS=2
if [ "${1:-}" = -j ]; then JOBS=$2; shift 2; fi
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/riskmap-integ.XXXXXX")
trap 'rm -rf "$LOGS"' EXIT
FAILED=""
START=$(date +%s)

alone=() shared=()
for t in "$@"; do
    if head -n 15 "$t" | grep -q '^# integration: alone'; then alone+=("$t"); else shared+=("$t"); fi
done
# The longest first, so that the last one to end is a short one (times from earlier runs).
order=$(for t in "${shared[@]}"; do
    s=$(sed -n 's/^# integration: about \([0-9]*\) s.*/\1/p' "$t" | head -n 1)
    echo "${s:-30} $t"
done | sort -rn | cut -d' ' -f2)

# report TEST: prints the test's output and time, and notes a failure (no status: failed).
report() {
    local rc=99 s="?"
    [ -f "$LOGS/$(basename "$1").rc" ] && read -r rc s < "$LOGS/$(basename "$1").rc"
    echo "== $1 ($s s)"
    cat "$LOGS/$(basename "$1").log"
    [ "$rc" = 0 ] || { FAILED="$FAILED $1"; echo "== $1 FAILED (exit $rc)"; }
}

run_one() { # run_one TEST: runs it into its log, recording exit status and time
    local b t0
    b=$(basename "$1")
    t0=$(date +%s)
    sh "$1" > "$LOGS/$b.log" 2>&1
    echo "$? $(($(date +%s) - t0))" > "$LOGS/$b.rc"
}

for t in "${alone[@]}"; do
    run_one "$t"
    report "$t"
done

uses() { # uses TEST: the resources it names ("# integration: uses xrdp"), one per line
    head -n 15 "$1" | sed -n 's/^# integration: uses //p' | tr ' ' '\n'
}
free() { # free TEST: 0 when none of its resources is held by a running test
    local r
    for r in $(uses "$1"); do
        [ -z "${held[$r]:-}" ] || return 1
    done
}
reap() { # reap: waits for one running test to end, prints it, frees what it held
    local pid r t
    wait -n 2> /dev/null
    for pid in "${!running[@]}"; do
        kill -0 "$pid" 2> /dev/null && continue
        t=${running[$pid]}
        unset "running[$pid]"
        for r in $(uses "$t"); do unset "held[$r]"; done
        report "$t"
    done
}

declare -A running=() held=() # pid -> test; resource -> test
queue=($order)
while [ "${#queue[@]}" -gt 0 ]; do
    next=-1
    if [ "${#running[@]}" -lt "$JOBS" ]; then
        for i in "${!queue[@]}"; do
            if free "${queue[$i]}"; then next=$i; break; fi
        done
    fi
    if [ "$next" -lt 0 ]; then
        reap
        continue
    fi
    t=${queue[$next]}
    unset "queue[$next]"
    queue=("${queue[@]}")
    for r in $(uses "$t"); do held[$r]=$t; done
    run_one "$t" &
    running[$!]=$t
done
while [ "${#running[@]}" -gt 0 ]; do
    reap
done

echo "integration: $# test scripts in $(($(date +%s) - START)) s (${#alone[@]} alone, the rest $JOBS at a time)"
if [ -n "$FAILED" ]; then
    echo "integration: FAILED:$FAILED"
    exit 1
fi
