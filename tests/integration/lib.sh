# Shared by the integration tests: a loopback lab of real listeners, started and stopped by
# PID, and small assertion helpers. Traffic goes to 127.0.0.0/8 only.

: "${RISKMAP:?RISKMAP must name the riskmap binary}"
# Debian's own tools first: a version manager's shim in front of python3 (pyenv's, on the
# build machines) costs 0.3-1.5 s per call, and the tests call python3 hundreds of times.
PATH=/usr/bin:/bin:$PATH
export PATH
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/riskmap-test.XXXXXX")
LAB_PIDS=""
FAILS=0
PASSES=0

cleanup() {
    for pidfile in $LAB_PIDS; do
        if pid=$(cat "$pidfile" 2>/dev/null); then
            kill "$pid" 2>/dev/null || true
        fi
    done
    # Give listeners a moment to write their logs, bounded.
    for pidfile in $LAB_PIDS; do
        i=0
        # A listener may remove its own pid file as it exits.
        while pid=$(cat "$pidfile" 2>/dev/null) && kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
            sleep 0.1; i=$((i + 1))
        done
    done
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# Ports something else on this machine listens on (any address): never use them in a lab,
# and expect them open on every 127/8 address when they are wildcard listeners.
busy_ports() {
    ss -Hltn 2>/dev/null | awk '{n = split($4, a, ":"); print a[n]}' | sort -un
}
wildcard_ports() {
    ss -Hltn 2>/dev/null | awk '{addr = $4; n = split(addr, a, ":"); port = a[n];
        host = substr(addr, 1, length(addr) - length(port) - 1);
        if (host == "0.0.0.0" || host == "*" || host == "[::]") print port}' | sort -un
}

# lab_start NAME ENDPOINT... : starts a listener, waits until it listens (bounded).
lab_start() {
    name=$1; shift
    pidfile="$WORK/$name.pid"
    python3 "$ROOT/tests/lab/listen.py" --pidfile "$pidfile" --log "$WORK/$name.log" \
        --lifetime 300 "$@" 2>"$WORK/$name.err" &
    LAB_PIDS="$LAB_PIDS $pidfile"
    i=0
    while [ ! -f "$pidfile" ]; do
        sleep 0.05; i=$((i + 1))
        if [ $i -gt 200 ]; then
            echo "lab $name did not start:"; cat "$WORK/$name.err"; exit 1
        fi
    done
}

# lab_stop NAME: stops it and waits for its connection log.
lab_stop() {
    pidfile="$WORK/$1.pid"
    kill "$(cat "$pidfile")"
    i=0
    while [ ! -f "$WORK/$1.log" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}

SKIPS=0
skip() { SKIPS=$((SKIPS + 1)); echo "skip - $*"; } # what this machine cannot run, said
STARTED="" # "name addr port" lines, named by the test
# as NAME ADDR PORT SRV_FUNCTION [ARGS...]: starts a server from tests/lab/servers.sh under a
# name, or says why it could not (skip). (as_* names: the srv_ functions use
# name, addr and port themselves; sh has no locals.)
as() {
    as_name=$1 as_addr=$2 as_port=$3 as_fn=$4
    shift 4
    if "$as_fn" "$as_addr" "$as_port" "$@"; then
        STARTED="$STARTED$as_name $as_addr $as_port
"
    else
        skip "$SRV_WHY"
    fi
}
up() { case "$STARTED" in *"$1 "*) return 0 ;; esac; return 1; } # up NAME: did it start?
# patch_findings FILE: "addr port kind severity key=value..." per patch finding of a scan.json,
# facts sorted (blanks in values as _); fails when a finding names evidence the file lacks.
patch_findings() {
    python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = {e["id"] for e in d.get("evidence", [])}
for f in d["findings"]:
    if f["check"] != "patch":
        continue
    assert all(e in ev for e in f.get("evidence", [])), f
    facts = " ".join("%s=%s" % (k, str(v).replace(" ", "_")) for k, v in sorted(f.get("facts", {}).items()))
    print(f["asset"]["address"], f.get("port", 0), f["kind"], f["severity"], facts)
PY
}
ok() { PASSES=$((PASSES + 1)); echo "ok - $*"; }
not_ok() { FAILS=$((FAILS + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
    d=$1; shift
    if "$@"; then ok "$d"; else not_ok "$d"; fi
}
finish() {
    echo "$PASSES passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
}

run_riskmap() {
    # RISKMAP_WRAPPER (valgrind, ...) is split on spaces on purpose.
    # shellcheck disable=SC2086
    ${RISKMAP_WRAPPER:-} "$RISKMAP" "$@"
}
