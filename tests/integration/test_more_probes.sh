#!/bin/sh
# The database, directory and UDP probes of service detection against servers started here on
# 127.0.28.0/24 and 127.0.29.0/24, with the exposure findings they lead to:
#   - REAL servers (Debian 12 packages, each with its own configuration in the test's
#     temporary directory, see tests/lab/servers.sh): OpenLDAP slapd on 127.0.28.10:389
#     (default access: anyone reads) and 127.0.28.11:389 (only bound users read),
#     Net-SNMP's snmpd on 127.0.29.1:161/udp (community public) and 127.0.29.4:161/udp (another
#     community: it must stay silent and nothing be recorded), dnsmasq on 127.0.29.2:53 (UDP and
#     TCP), chronyd on 127.0.29.3:123/udp ("local stratum 8", the system clock left alone),
#     TigerVNC's Xvnc on 127.0.28.40:5900 (security type None) and 127.0.28.41:5900 (VncAuth).
#   - STAND-INS, because Debian 12 packages neither MS SQL Server nor MongoDB:
#     tests/lab/replay.py plays back answers composed from the protocol specifications
#     (tests/fixtures/banners/make-synthetic-db.py; they are not recordings of real servers)
#     on 127.0.28.20-21:1433 (SQL Server 2019, encryption off; 2022, encryption required) and
#     127.0.28.22-23:27017 (MongoDB 6.0.5 refusing listDatabases for want of authentication;
#     answering it).
# Expected products and versions come from the servers themselves where they say them
# (`dnsmasq --version`, `uname` for snmpd's sysDescr). A server that cannot start is skipped
# with a "skip - ..." line. snmpd, dnsmasq's port 53 and chronyd's 123 need root.
# Stopped by their PIDs (lib.sh's cleanup); every wait is bounded.
set -u
. "$(dirname "$0")/lib.sh"


. "$ROOT/tests/lab/servers.sh"
srv_init "$WORK/servers"
track_servers() { LAB_PIDS="$LAB_PIDS $SRV_PIDFILES"; }

# A wildcard listener of this machine on one of our ports would answer for every address.
WILD_TCP=$(wildcard_ports | tr '\n' ' ')
WILD_UDP=$(ss -Hlun 2>/dev/null | awk '{addr = $4; n = split(addr, a, ":"); port = a[n];
    host = substr(addr, 1, length(addr) - length(port) - 1);
    if (host == "0.0.0.0" || host == "*" || host == "[::]") print port}' | sort -un | tr '\n' ' ')
for p in 53 389 1433 5900 27017; do
    case " $WILD_TCP " in *" $p "*) skip "TCP port $p has a wildcard listener here; cannot test"; finish; exit $? ;; esac
done
for p in 53 123 161; do
    case " $WILD_UDP " in *" $p "*) skip "UDP port $p has a wildcard listener here; cannot test"; finish; exit $? ;; esac
done

FIX=$ROOT/tests/fixtures/banners
EXPECT="$WORK/expect.txt" # addr port proto name product version info ("_" for spaces, "-" none)
FEXPECT="$WORK/fexpect.txt" # kind addr port protocol severity
: > "$EXPECT"
: > "$FEXPECT"
u() { printf '%s' "$*" | tr ' ' _; }
TARGETS=""

if srv_slapd 127.0.28.10 389 open; then
    echo "127.0.28.10 389 tcp ldap OpenLDAP - $(u LDAP versions 3\; naming context dc=example,dc=org\; anonymous read yes)" >> "$EXPECT"
    printf '%s\n' "svc.open 127.0.28.10 389 tcp info" "svc.ldap.rootdse 127.0.28.10 389 tcp info" \
        "svc.ldap.anonymous-read 127.0.28.10 389 tcp low" >> "$FEXPECT"
    TARGETS="$TARGETS 127.0.28.10"
else
    skip "$SRV_WHY"
fi
# Reads for bound users only: the root DSE answers, the base entry does not.
if srv_slapd 127.0.28.11 389 closed; then
    echo "127.0.28.11 389 tcp ldap OpenLDAP - $(u LDAP versions 3\; naming context dc=example,dc=org\; anonymous read no)" >> "$EXPECT"
    printf '%s\n' "svc.open 127.0.28.11 389 tcp info" "svc.ldap.rootdse 127.0.28.11 389 tcp info" >> "$FEXPECT"
    TARGETS="$TARGETS 127.0.28.11"
else
    skip "$SRV_WHY"
fi
if srv_replay mssql 127.0.28.20 1433 tds "$FIX/synthetic-mssql-2019.mssql" &&
    srv_replay mssql 127.0.28.21 1433 tds "$FIX/synthetic-mssql-2022-forced.mssql"; then
    echo "127.0.28.20 1433 tcp ms-sql-s $(u Microsoft SQL Server) 15.0.2000 $(u SQL Server 2019\; encryption off)" >> "$EXPECT"
    echo "127.0.28.21 1433 tcp ms-sql-s $(u Microsoft SQL Server) 16.0.1000 $(u SQL Server 2022\; encryption required)" >> "$EXPECT"
    printf '%s\n' "svc.open 127.0.28.20 1433 tcp info" "svc.db.exposed 127.0.28.20 1433 tcp medium" \
        "svc.open 127.0.28.21 1433 tcp info" "svc.db.exposed 127.0.28.21 1433 tcp medium" >> "$FEXPECT"
    TARGETS="$TARGETS 127.0.28.20-21"
else
    skip "$SRV_WHY"
fi
if srv_replay mongo 127.0.28.22 27017 mongo "$FIX/synthetic-mongodb-auth.mongodb" &&
    srv_replay mongo 127.0.28.23 27017 mongo "$FIX/synthetic-mongodb-noauth.mongodb"; then
    echo "127.0.28.22 27017 tcp mongodb MongoDB 6.0.5 $(u wire version 17\; authentication required)" >> "$EXPECT"
    echo "127.0.28.23 27017 tcp mongodb MongoDB 6.0.5 $(u wire version 17\; authentication none)" >> "$EXPECT"
    printf '%s\n' "svc.open 127.0.28.22 27017 tcp info" "svc.db.exposed 127.0.28.22 27017 tcp medium" \
        "svc.open 127.0.28.23 27017 tcp info" "svc.db.exposed 127.0.28.23 27017 tcp medium" \
        "svc.mongodb.noauth 127.0.28.23 27017 tcp critical" >> "$FEXPECT"
    TARGETS="$TARGETS 127.0.28.22-23"
else
    skip "$SRV_WHY"
fi
# Displays :2840 and :2841: X sockets /tmp/.X11-unix/X2840-1 while the test runs.
if srv_xvnc 127.0.28.40 5900 2840 None && srv_xvnc 127.0.28.41 5900 2841 VncAuth; then
    echo "127.0.28.40 5900 tcp vnc VNC - $(u protocol 3.8\; security: None)" >> "$EXPECT"
    echo "127.0.28.41 5900 tcp vnc VNC - $(u protocol 3.8\; security: VNC Authentication)" >> "$EXPECT"
    printf '%s\n' "svc.open 127.0.28.40 5900 tcp info" "svc.vnc.noauth 127.0.28.40 5900 tcp critical" \
        "svc.open 127.0.28.41 5900 tcp info" >> "$FEXPECT"
    TARGETS="$TARGETS 127.0.28.40-41"
else
    skip "$SRV_WHY"
fi
if [ "$(id -u)" != 0 ]; then
    skip "snmpd, dnsmasq and chronyd: ports below 1024 need root"
else
    if srv_snmpd 127.0.29.1 161 public; then
        # Net-SNMP's default sysDescr: uname's system, node, release, version and machine.
        echo "127.0.29.1 161 udp snmp net-snmp - $(u SNMP 1,2c\; community public\; sysDescr $(uname -snrvm))" >> "$EXPECT"
        printf '%s\n' "svc.open 127.0.29.1 161 udp info" \
            "svc.snmp.default-community 127.0.29.1 161 udp high" >> "$FEXPECT"
        TARGETS="$TARGETS 127.0.29.1"
    else
        skip "$SRV_WHY"
    fi
    if srv_snmpd 127.0.29.4 161 riskmap-lab-$$; then
        TARGETS="$TARGETS 127.0.29.4" # silent to "public": no service, no finding
    else
        skip "$SRV_WHY"
    fi
    if srv_dnsmasq 127.0.29.2 53; then
        v=$(dnsmasq --version | sed -n 's/^Dnsmasq version \([0-9.]*\).*/\1/p')
        echo "127.0.29.2 53 tcp domain - - -" >> "$EXPECT"
        echo "127.0.29.2 53 udp domain dnsmasq $v $(u version.bind: dnsmasq-$v)" >> "$EXPECT"
        printf '%s\n' "svc.open 127.0.29.2 53 tcp info" "svc.open 127.0.29.2 53 udp info" \
            "svc.dns.version-disclosed 127.0.29.2 53 udp low" >> "$FEXPECT"
        # dnsmasq run this way closes TCP connections without answering (dig +tcp says "end of
        # file" too): the DNS-over-TCP probe gets nothing, and the port is reported as such.
        echo "svc.unidentified 127.0.29.2 53 tcp info" >> "$FEXPECT"
        TARGETS="$TARGETS 127.0.29.2"
    else
        skip "$SRV_WHY"
    fi
    if srv_chronyd 127.0.29.3; then
        echo "127.0.29.3 123 udp ntp NTP - $(u NTPv4\; stratum 8\; refid 127.127.1.1)" >> "$EXPECT"
        echo "svc.open 127.0.29.3 123 udp info" >> "$FEXPECT"
        TARGETS="$TARGETS 127.0.29.3"
    else
        skip "$SRV_WHY"
    fi
fi
track_servers
if [ -z "$TARGETS" ]; then
    skip "no server could start; nothing to test"
    finish
    exit $?
fi

# 1. One scan: TCP detection on the TCP ports, then the UDP stage on every host that is up
#    (the hosts that only speak UDP are up through their TCP resets).
OUT="$WORK/out"
T0=$(date +%s)
# shellcheck disable=SC2086
timeout 120 "$RISKMAP" scan $TARGETS -p 53,389,1433,5900,27017 --rate 0 -q --checks services,exposure -o "$OUT" \
    > "$WORK/scan.txt" 2> "$WORK/scan.err"
rc=$?
T1=$(date +%s)
check "scan exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || cat "$WORK/scan.err"
check "scan took under 20 s ($((T1 - T0)) s)" [ $((T1 - T0)) -lt 20 ]

python3 - "$OUT/scan.json" > "$WORK/got.txt" 2> "$WORK/fgot.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = {e["id"]: e for e in d.get("evidence", [])}
u = lambda s: (s or "-").replace(" ", "_")
for h in d["hosts"]:
    for s in h["services"]:
        e = ev.get(s.get("evidence"))
        print(h["address"], s["port"], s["protocol"], s.get("name", "-"), u(s.get("product")),
              u(s.get("version")), u(s.get("info")) if s.get("method") != "port" else "-",
              "method=" + (s.get("method") or "-"), "evidence=" + str(e["length"] if e else 0))
for f in d.get("findings", []):
    print(f["kind"], f["asset"]["address"], f.get("port", 0), f.get("protocol", "-"), f["severity"],
          file=sys.stderr)
PY
sort "$EXPECT" > "$WORK/want.sorted"
awk '{print $1, $2, $3, $4, $5, $6, $7}' "$WORK/got.txt" | sort > "$WORK/got.sorted"
if cmp -s "$WORK/want.sorted" "$WORK/got.sorted"; then
    ok "services: exactly the $(wc -l < "$WORK/want.sorted") expected (address port protocol name product version info)"
else
    not_ok "services differ (< expected, > got):"
    diff "$WORK/want.sorted" "$WORK/got.sorted" | sed 's/^/#   /'
fi
check "every identified service keeps its evidence" \
    sh -c '! grep -v " method=port " "$1" | grep -q " evidence=0$"' - "$WORK/got.txt"
check "UDP services were identified by their probes (method probe:dns|ntp|snmp)" \
    sh -c '! awk "\$3 == \"udp\"" "$1" | grep -vqE " method=probe:(dns|ntp|snmp) "' - "$WORK/got.txt"

sort "$FEXPECT" > "$WORK/fwant.sorted"
sort "$WORK/fgot.txt" > "$WORK/fgot.sorted"
if cmp -s "$WORK/fwant.sorted" "$WORK/fgot.sorted"; then
    ok "findings: exactly the $(wc -l < "$WORK/fwant.sorted") expected (kind address port protocol severity)"
else
    not_ok "findings differ (< expected, > got):"
    diff "$WORK/fwant.sorted" "$WORK/fgot.sorted" | sed 's/^/#   /'
fi

check "scan.json validates against its schema" python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
    "$OUT/scan.json" "$ROOT/docs/scan-result.schema.json"

# 2. --no-udp: the same scan without the UDP stage records no UDP service.
OUT2="$WORK/out2"
# shellcheck disable=SC2086
timeout 60 "$RISKMAP" scan $TARGETS -p 53,389,1433,5900,27017 --rate 0 -q --no-udp -o "$OUT2" \
    > /dev/null 2> "$WORK/scan2.err"
check "scan --no-udp exits 0" [ $? -eq 0 ]
check "with --no-udp no service is UDP" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(any(s["protocol"] == "udp" for h in d["hosts"] for s in h["services"]))' "$OUT2/scan.json"

echo "# $SKIPS skip(s)"
finish
