#!/bin/sh
# riskmap demo (what `make demo` runs after building): a small lab of real services on
# loopback, one scan of it, and where the results are.
#
#   contrib/demo.sh            from anywhere; outputs go to demo-out/ in the checkout
#
# The lab lives in 127.0.40.0/24 and nowhere else, and everything is bounded in time:
#   127.0.40.1  a web server       22, 80, 443
#   127.0.40.2  a Windows box      445, 3389
#   127.0.40.3  legacy mail/ftp    21, 25
#   127.0.40.4  databases          3306, 5432
#   127.0.40.5  a cache            22, 6379 (6379 is not among nmap's top 1000 ports: the demo
#                                  shows it is not scanned, and how to reach it)
#     (plain listeners from tests/lab/listen.py: they accept and close; ports that something
#      else already listens on, on a wildcard address or in 127.0.40.0/24, are skipped)
#   127.0.40.10 TLS on 8443        openssl s_server -www with a throwaway self-signed
#                                  certificate, when openssl is installed
# The processes the demo starts are stopped by PID on exit (also on Ctrl-C); nothing else is.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
RISKMAP=${RISKMAP:-$root/riskmap}
out=$root/demo-out
lab=$out/lab
NET=127.0.40
LIFETIME=180 # seconds: upper bound of the lab's life, whatever happens

[ -x "$RISKMAP" ] || { echo "demo: $RISKMAP not built (run make)" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || { echo "demo: python3 not found (contrib/install-deps.sh)" >&2; exit 2; }

mkdir -p "$out"
chmod 700 "$out"
rm -rf "$lab"
rm -f "$out/scan.json" "$out/events.ndjson" "$out/summary.txt"
mkdir -p "$lab"

listen_pid=""
tls_pid=""
scan_pid=""
cleanup() {
    trap - EXIT INT TERM HUP
    for p in $scan_pid $listen_pid $tls_pid; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in $scan_pid $listen_pid $tls_pid; do
        wait "$p" 2>/dev/null || true
    done
    scan_pid="" listen_pid="" tls_pid=""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Ports taken by someone else where our listeners would collide with them, or where they
# would answer for every address anyway.
busy=""
if command -v ss >/dev/null 2>&1; then
    busy=$(ss -Hltn | awk -v net="$NET." '{ a = $4; p = a; sub(/.*:/, "", p); sub(/:[^:]*$/, "", a)
        gsub(/[][]/, "", a)
        if (a == "0.0.0.0" || a == "*" || a == "::" || index(a, net) == 1) printf " %s ", p }')
else
    echo "demo: ss not found; not checking for ports already in use"
fi

endpoints=""
skipped=""
for spec in 1:22 1:80 1:443 2:445 2:3389 3:21 3:25 4:3306 4:5432 5:22 5:6379; do
    host=${spec%%:*} port=${spec#*:}
    case $busy in
    *" $port "*) skipped="$skipped $NET.$host:$port" ;;
    *) endpoints="$endpoints $NET.$host:$port" ;;
    esac
done
[ -z "$skipped" ] || echo "demo: ports already in use on this machine, skipped:$skipped"

# shellcheck disable=SC2086
python3 "$root/tests/lab/listen.py" --pidfile "$lab/listen.pid" --log "$lab/connections.log" \
    --lifetime "$LIFETIME" $endpoints > "$lab/listen.out" 2>&1 &
listen_pid=$!

tls=0
if command -v openssl >/dev/null 2>&1; then
    case $busy in
    *" 8443 "*) echo "demo: port 8443 already in use; no TLS service in the lab" ;;
    *)
        if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=riskmap-demo.invalid" \
            -keyout "$lab/tls.key" -out "$lab/tls.crt" > "$lab/openssl-req.out" 2>&1; then
            timeout "$LIFETIME" openssl s_server -quiet -www -accept "$NET.10:8443" \
                -cert "$lab/tls.crt" -key "$lab/tls.key" < /dev/null > "$lab/s_server.out" 2>&1 &
            tls_pid=$!
            tls=1
        else
            echo "demo: could not make a self-signed certificate; no TLS service in the lab"
        fi
        ;;
    esac
else
    echo "demo: openssl not found; no TLS service in the lab"
fi

# Wait (at most 15 s) until everything listens.
i=0
while :; do
    ready=1
    [ -s "$lab/listen.pid" ] || ready=0
    if [ $tls = 1 ] && command -v ss >/dev/null 2>&1; then
        ss -Hltn | awk '{print $4}' | grep -qx "$NET.10:8443" || ready=0
    fi
    [ $ready = 0 ] || break
    if ! kill -0 "$listen_pid" 2>/dev/null; then
        cat "$lab/listen.out" >&2
        echo "demo: the lab listener failed to start" >&2
        exit 3
    fi
    if [ $tls = 1 ] && ! kill -0 "$tls_pid" 2>/dev/null; then
        cat "$lab/s_server.out" >&2
        echo "demo: openssl s_server failed to start" >&2
        exit 3
    fi
    i=$((i + 1))
    if [ $i -gt 150 ]; then
        echo "demo: the lab did not start within 15 s" >&2
        exit 3
    fi
    sleep 0.1
done
[ $tls = 0 ] || [ -n "$(command -v ss)" ] || sleep 1

echo "demo: lab up on $NET.0/24:$endpoints$([ $tls = 1 ] && echo " $NET.10:8443 (TLS)")"
echo "demo: scanning it (loopback only; on a real network, scan only with the owner's written authorisation)"
echo "\$ riskmap scan $NET.0/24 -o demo-out --ndjson demo-out/events.ndjson --top-ports 1000 --rate 0"
# In the background and waited for, so that Ctrl-C reaches our trap at once.
cd "$root"
timeout 120 "$RISKMAP" scan "$NET.0/24" -o demo-out --ndjson demo-out/events.ndjson \
    --top-ports 1000 --rate 0 --operator demo > "$out/summary.txt" &
scan_pid=$!
rc=0
wait "$scan_pid" || rc=$?
scan_pid=""
if [ $rc != 0 ]; then
    echo "demo: riskmap exited with status $rc" >&2
    exit 3
fi

# The lab is no longer needed.
cleanup
trap 'exit 130' INT
trap 'exit 143' TERM HUP

expected=$(echo "$endpoints $([ $tls = 1 ] && echo "$NET.10:8443")" | tr ' ' '\n' | grep . | sort)
python3 - "$out/scan.json" "$out/events.ndjson" "$expected" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
events = [json.loads(line)["event"] for line in open(sys.argv[2])]
expected = set(sys.argv[3].split())
st = doc["scan"]["stats"]
found = set()
print()
print("Open services found:")
for h in doc["hosts"]:
    svcs = [s for s in h["services"] if s["state"] == "open"]
    if not svcs:
        continue
    print(f"  {h['address']:<14} " + ", ".join(f"{s['port']}/{s.get('name') or '?'}" for s in svcs))
    found.update(f"{h['address']}:{s['port']}" for s in svcs)
sev = {}
for f in doc["findings"]:
    sev[f["severity"]] = sev.get(f["severity"], 0) + 1
print()
print(f"Scanned {doc['scan']['scope']['address_count']} addresses x {doc['scan']['ports']['count']} ports "
      f"in {st['duration_s']:.2f} s: {st['open']} open, {st['closed']} closed, {st['filtered']} filtered.")
print(f"Findings: {len(doc['findings'])} (" + ", ".join(f"{k} {v}" for k, v in sorted(sev.items())) + ")")
print(f"Events streamed: {len(events)} (" + ", ".join(f"{e} {events.count(e)}" for e in dict.fromkeys(events)) + ")")
scanned = set()
for part in doc["scan"]["ports"]["scanned"].split(","):
    a, _, b = part.partition("-")
    scanned.update(range(int(a), int(b or a) + 1))
outside = {e for e in expected if int(e.rpartition(":")[2]) not in scanned}
expected -= outside
missed, extra = expected - found, found - expected
if outside:
    print(f"Not scanned: {', '.join(sorted(outside))} (not among the top "
          f"{doc['scan']['ports']['count']} ports; -p or a larger --top-ports reaches it)")
if extra:
    print(f"Also open (not started by the demo, e.g. a service on a wildcard address): {sorted(extra)}")
if missed:
    print(f"ERROR: lab services not found: {sorted(missed)}")
else:
    print(f"All {len(expected)} lab services on scanned ports found.")
sys.exit(1 if missed else 0)
EOF

echo
echo "Outputs:"
echo "  scan result document  $out/scan.json"
echo "  NDJSON event stream   $out/events.ndjson"
echo "  summary (stdout)      $out/summary.txt"
echo "  lab files             $lab"
echo "Try: python3 -m json.tool $out/scan.json | less"
