#!/bin/sh
# riskmap demo (what `make demo` runs after building): a small lab of real services on
# loopback, scanned twice as a client's nightly scans would be - the second after the MSP
# fixed two things - and the client report from the risk register, and where it all is.
#
#   contrib/demo.sh            from anywhere; outputs go to demo-out/ in the checkout
#
# The lab lives in 127.0.40.0/24 and nowhere else, and everything is bounded in time:
#   127.0.40.1  a web server     sshd on 22 (as root), nginx on 80, TLS on 443 (openssl s_server)
#   127.0.40.2  a Windows box    445, 3389            (plain listeners: no such servers here)
#   127.0.40.3  legacy mail/ftp  vsftpd on 21 (anonymous login allowed; as root), 25 (listener)
#   127.0.40.4  databases        3306, 5432           (plain listeners)
#   127.0.40.5  a cache          redis-server on 6379 (no password), memcached on 11211
# Real servers come from tests/lab/servers.sh, each with its own configuration in
# demo-out/lab; plain listeners from tests/lab/listen.py accept and close. A service that
# cannot start (not installed, not root, port taken) is skipped with a message. Everything the
# demo starts is stopped by PID on exit (also on Ctrl-C); nothing else is.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
RISKMAP=${RISKMAP:-$root/riskmap}
out=${DEMO_OUT:-$root/demo-out} # DEMO_OUT: elsewhere (make valgrind's run)
lab=$out/lab
NET=127.0.40
LIFETIME=180 # seconds: upper bound of the plain listeners' life, whatever happens
# The ports of a small office worth knowing about (the lab's among them); the whole top 1000
# would miss redis and memcached, which nmap's frequency list does not hold.
PORTS=1-1024,1433,3306,3389,5432,5900,6379,8080,8443,11211,27017

[ -x "$RISKMAP" ] || { echo "demo: $RISKMAP not built (run make)" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || { echo "demo: python3 not found (contrib/install-deps.sh)" >&2; exit 2; }

mkdir -p "$out"
chmod 700 "$out"
rm -rf "$lab"
rm -f "$out/scan.json" "$out/events.ndjson" "$out/summary.txt" "$out/summary2.txt"
rm -rf "$out/data" "$out/report"
mkdir -p "$lab"

. "$root/tests/lab/servers.sh"
srv_init "$lab"
listen_pid=""
scan_pid=""
cleanup() {
    trap - EXIT INT TERM HUP
    for p in $scan_pid $listen_pid; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in $scan_pid $listen_pid; do
        wait "$p" 2>/dev/null || true
    done
    srv_stop_all
    scan_pid="" listen_pid=""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

lab_up=""
up() { lab_up="$lab_up $1"; }
say_skip() { echo "demo: skipped: $SRV_WHY"; }
srv_sshd "$NET.1" 22 && up "$NET.1:22" || say_skip
srv_nginx "$NET.1" 80 && up "$NET.1:80" || say_skip
srv_tls "$NET.1" 443 && up "$NET.1:443" || say_skip
srv_vsftpd "$NET.3" 21 YES && up "$NET.3:21" || say_skip
srv_redis "$NET.5" 6379 && up "$NET.5:6379" || say_skip
srv_memcached "$NET.5" 11211 && up "$NET.5:11211" || say_skip

# Plain listeners where no server package is at hand, skipping ports someone else holds.
busy=$(ss -Hltn 2>/dev/null | awk -v net="$NET." '{ a = $4; p = a; sub(/.*:/, "", p); sub(/:[^:]*$/, "", a)
    gsub(/[][]/, "", a); if (a == "0.0.0.0" || a == "*" || a == "::" || index(a, net) == 1) printf " %s ", p }')
endpoints=""
for spec in 2:445 2:3389 3:25 4:3306 4:5432; do
    host=${spec%%:*} port=${spec#*:}
    case $busy in
    *" $port "*) echo "demo: skipped: $NET.$host:$port (port already in use on this machine)" ;;
    *) endpoints="$endpoints $NET.$host:$port" ;;
    esac
done
if [ -n "$endpoints" ]; then
    # shellcheck disable=SC2086
    python3 "$root/tests/lab/listen.py" --pidfile "$lab/listen.pid" --log "$lab/connections.log" \
        --lifetime "$LIFETIME" $endpoints > "$lab/listen.out" 2>&1 &
    listen_pid=$!
    i=0
    while [ ! -s "$lab/listen.pid" ]; do
        kill -0 "$listen_pid" 2>/dev/null || { cat "$lab/listen.out" >&2; echo "demo: listeners failed" >&2; exit 3; }
        i=$((i + 1))
        [ $i -le 150 ] || { echo "demo: listeners did not start within 15 s" >&2; exit 3; }
        sleep 0.1
    done
    lab_up="$lab_up$endpoints"
fi

# The client: a profile for the lab (loopback scope only), with backup sources the demo makes:
# a USB rotation marker three days old (its RPO is a day) and a NAS share with a fresh archive.
mkdir -p "$lab/backups/nas"
head -c 65536 /dev/urandom > "$lab/backups/nas/pms-nightly.tar"
touch "$lab/backups/usb-rotation"
touch -d "3 days ago" "$lab/backups/usb-rotation"
cat > "$lab/client-profile.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<!-- The demo's client: contrib/examples/client-profile.xml's dental practice, moved onto the
     loopback lab. Written by contrib/demo.sh. -->
<profile xmlns="urn:riskmap:profile:1" version="1" default-criticality="medium">
  <client id="harbor-dental-lab">
    <name>Harbor Dental Studio (loopback lab)</name>
    <contact>Dr. Maria Okafor, practice owner</contact>
  </client>
  <site id="lab" name="Loopback lab">
    <scope>$NET.0/24</scope>
  </site>
  <asset-group id="phi-systems" name="Systems holding patient records" criticality="critical"
               owner="Dr. Maria Okafor">
    <member>$NET.1</member>
    <member>$NET.4</member>
  </asset-group>
  <asset-group id="infrastructure" name="Servers and caches" criticality="high"
               owner="Northwind MSP (vCIO: Sam Reyes)">
    <member>$NET.2</member>
    <member>$NET.5</member>
  </asset-group>
  <backup name="pms-nas" type="directory" location="$lab/backups/nas" pattern="*.tar"
          asset="$NET.4" rpo-hours="24"/>
  <backup name="usb-rotation" type="marker" location="$lab/backups/usb-rotation"
          asset="$NET.4" rpo-hours="24" offsite="true"/>
  <policies>
    <policy ref="baseline"/>
    <policy ref="hipaa"/>
  </policies>
  <branding msp-name="Northwind MSP" color="#1f5fa8"/>
  <objective id="hipaa-audit">
    <title>Pass the HIPAA security audit next summer</title>
    <serves initiative="encrypt-in-transit"/>
    <serves initiative="backup-resilience"/>
    <serves initiative="retire-cleartext-admin"/>
  </objective>
  <objective id="remote-staff">
    <title>Let the hygienists work safely from home</title>
    <serves initiative="secure-remote-access"/>
    <serves initiative="lock-down-exposed-services"/>
  </objective>
  <roadmap quarter-capacity-hours="80"/>
</profile>
XML

scan() { # scan SUMMARY-FILE [ARGS...]: the client's scan into its data directory
    sum=$1
    shift
    # In the background and waited for, so that Ctrl-C reaches our trap at once.
    timeout 120 "$RISKMAP" scan --client "$lab/client-profile.xml" --data-dir "$out/data" \
        -p "$PORTS" --rate 0 --operator demo "$@" > "$sum" &
    scan_pid=$!
    rc=0
    wait "$scan_pid" || rc=$?
    scan_pid=""
    if [ $rc != 0 ] && [ $rc != 1 ]; then
        echo "demo: riskmap exited with status $rc" >&2
        exit 3
    fi
}

# The demo's own state (advisory and end-of-life feed, evidence signing key), not the
# machine's /var/lib/riskmap.
export RISKMAP_DATA_DIR="$out/state"
rm -rf "$out/state"
"$RISKMAP" feed import --shipped > /dev/null

echo "demo: lab up on $NET.0/24:$lab_up"
echo "demo: scanning it (loopback only; on a real network, scan only with the owner's written authorisation)"
echo "\$ riskmap scan --client client-profile.xml --data-dir demo-out/data -p $PORTS --rate 0 --ndjson demo-out/events.ndjson"
cd "$root"
scan "$out/summary.txt" --ndjson "$out/events.ndjson"
cp "$out/data/latest/scan.json" "$out/scan.json"
grep "^riskmap: register:" "$out/summary.txt" || true

# The MSP acts on the first report: Redis gets a password, the USB rotation is done.
echo
echo "demo: fixing two things (Redis gets a password; the off-site USB rotation is done) and scanning again"
if [ -f "$lab/redis-$NET.5-6379.pid" ]; then
    kill "$(cat "$lab/redis-$NET.5-6379.pid")" 2>/dev/null || true
    i=0
    while ss -Hltn "sport = :6379" 2>/dev/null | grep -q "$NET.5" && [ $i -lt 50 ]; do
        sleep 0.1; i=$((i + 1))
    done
    srv_redis "$NET.5" 6379 --requirepass "demo-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')" ||
        say_skip
fi
touch "$lab/backups/usb-rotation"
scan "$out/summary2.txt"
grep "^riskmap: register:" "$out/summary2.txt" || true

# The lab is no longer needed.
cleanup
trap 'exit 130' INT
trap 'exit 143' TERM HUP

python3 - "$out/scan.json" "$out/events.ndjson" "$lab_up" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
events = [json.loads(line)["event"] for line in open(sys.argv[2])]
expected = set(sys.argv[3].split())
st = doc["scan"]["stats"]
found = set()
print()
print("Open services found:")
for h in doc["hosts"]:
    for s in h["services"]:
        if s["state"] != "open":
            continue
        what = " ".join(x for x in (s.get("product"), s.get("version")) if x)
        info = f" ({s['info']})" if s.get("info") else ""
        print(f"  {h['address'] + ':' + str(s['port']):<20} {s.get('name') or '?':<14} {what}{info}")
        found.add(f"{h['address']}:{s['port']}")
order = ["critical", "high", "medium", "low", "info"]
sev = {k: 0 for k in order}
for f in doc["findings"]:
    sev[f["severity"]] += 1
print()
print(f"Scanned {doc['scan']['scope']['address_count']} addresses x {doc['scan']['ports']['count']} ports "
      f"in {st['duration_s']:.2f} s: {st['open']} open, {st['closed']} closed, {st['filtered']} filtered.")
print(f"Findings: {len(doc['findings'])} (" + ", ".join(f"{k} {v}" for k, v in sev.items() if v) + ")")
for f in sorted(doc["findings"], key=lambda f: order.index(f["severity"])):
    if f["severity"] == "info":
        continue
    if "address" in f["asset"]:
        where = f["asset"]["address"] + (f":{f['port']}" if f.get("port") else "")
    else:  # about the site (a backup source's asset), not a host
        where = "site: " + (f.get("facts", {}).get("source") or f["asset"]["name"])
    print(f"  {f['severity']:<8} {where:<20} {f['title']}")
print(f"Events streamed: {len(events)} (" + ", ".join(f"{e} {events.count(e)}" for e in dict.fromkeys(events)) + ")")
missed, extra = expected - found, found - expected
if extra:
    print(f"Also open (not started by the demo, e.g. a service on a wildcard address): {sorted(extra)}")
if missed:
    print(f"ERROR: lab services not found: {sorted(missed)}")
else:
    print(f"All {len(expected)} lab services found.")
sys.exit(1 if missed else 0)
EOF

# The client report from the register: both scans, what changed, the roadmap.
echo
echo "\$ riskmap report --data-dir demo-out/data -c client-profile.xml -o demo-out/report --format html,json,csv"
"$RISKMAP" report --data-dir "$out/data" -c "$lab/client-profile.xml" -o "$out/report" \
    --format html,json,csv > /dev/null
"$RISKMAP" register summary --data-dir "$out/data" 2>/dev/null | head -4 || true
echo
echo "\$ riskmap evidence export --data-dir demo-out/data --framework hipaa"
"$RISKMAP" evidence export --data-dir "$out/data" --framework hipaa -q
bundle=$(ls "$out"/data/evidence/riskmap-evidence-*.tar.gz | head -1)
"$RISKMAP" evidence verify "$bundle" | head -1

echo
echo "Outputs:"
echo "  scan result document  $out/scan.json (the first scan; both are in $out/data/scans)"
echo "  risk register         $out/data/register.db (riskmap register list --data-dir $out/data)"
echo "  NDJSON event stream   $out/events.ndjson"
echo "  summary (stdout)      $out/summary.txt"
echo "  client report (HTML)  $out/report/report.html   <- open this one"
echo "  roadmap (JSON)        $out/report/roadmap.json"
echo "  register (CSV, JSON)  $out/report/register.csv, $out/report/register.json"
echo "  evidence bundle       $bundle (signed; riskmap evidence verify)"
echo "  lab files             $lab"
echo "Try: python3 -m json.tool $out/scan.json | less"
