#!/bin/sh
# The exposure check against REAL servers started here on 127.0.25.0/24: redis-server without
# a password (svc.redis.noauth) and with --requirepass (no finding), memcached
# (svc.memcached.exposed), vsftpd with anonymous_enable=YES (svc.ftp.cleartext always,
# svc.ftp.anonymous only with --intrusive) and nginx on port 8080 (svc.http.admin-cleartext);
# on 127.0.27.11-13, Samba's smbd (as root) for svc.smb.v1 and svc.smb.signing-off.
#
# VNC is the one exception: no VNC server package is installed in the test lab, so a few
# lines of Python below play the server side of the RFB 3.8 handshake (version, then the
# security types None and VNC Authentication) — a stand-in, NOT a real VNC server.
#
# The servers come from tests/lab/servers.sh. A server that cannot start is skipped with a
# "skip - ..." line. Every server is stopped by its PID (lib.sh's cleanup); every wait and
# every scan is bounded in time.
set -u
. "$(dirname "$0")/lib.sh"

. "$ROOT/tests/lab/servers.sh"
srv_init "$WORK/servers"


as redis-open 127.0.25.1 6379 srv_redis
as redis-auth 127.0.25.2 6379 srv_redis --requirepass riskmap-test-secret
as memcached 127.0.25.3 11211 srv_memcached
as vsftpd 127.0.25.4 2121 srv_vsftpd YES
as nginx 127.0.25.5 8080 srv_nginx

# The VNC stand-in (see the header): RFB 3.8, security types None (1) and VNC Authentication
# (2); it records what the client sent and never goes past the security types. Bounded: it
# exits after 60 s whatever happens.
cat > "$WORK/rfb.py" <<'PY'
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8); s.settimeout(1)
log = open(sys.argv[3], "ab", buffering=0)
end = time.time() + 60
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.settimeout(2)
    try:
        c.sendall(b"RFB 003.008\n")
        got = c.recv(12)
        log.write(got)
        if len(got) == 12:
            c.sendall(b"\x02\x01\x02")
            log.write(c.recv(64))
    except OSError:
        pass
    c.close()
PY
if srv_start rfb 127.0.25.6 5900 -- python3 "$WORK/rfb.py" 127.0.25.6 5900 "$WORK/rfb.log"; then
    STARTED="${STARTED}rfb 127.0.25.6 5900
"
else
    skip "$SRV_WHY"
fi
# lib.sh's cleanup stops what it knows by pid file; hand it ours too.
LAB_PIDS="$LAB_PIDS $SRV_PIDFILES"

if [ -z "$STARTED" ]; then
    skip "no server could start; nothing to test"
    finish
    exit $?
fi
PORTS=$(echo "$STARTED" | awk 'NF {print $3}' | sort -un | paste -sd, -)

# findings FILE: "addr port kind severity evidence-count key=value..." per exposure finding.
findings() {
    python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = {e["id"] for e in d.get("evidence", [])}
for f in d["findings"]:
    if f["check"] != "exposure":
        continue
    eids = f.get("evidence", [])
    assert all(e in ev for e in eids), eids
    facts = " ".join("%s=%s" % (k, str(v).replace(" ", "_")) for k, v in sorted(f.get("facts", {}).items()))
    print(f["asset"]["address"], f.get("port", 0), f["kind"], f["severity"], len(eids), f["fingerprint"], facts)
PY
}

# 1. Without --intrusive.
OUT1="$WORK/out1"
timeout 120 "$RISKMAP" scan 127.0.25.1-6 -p "$PORTS" --rate 0 -q --checks exposure \
    -o "$OUT1" > "$WORK/scan1.txt" 2> "$WORK/scan1.err"
rc=$?
check "scan without --intrusive exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || cat "$WORK/scan1.err"
findings "$OUT1/scan.json" > "$WORK/f1.txt" || not_ok "scan.json findings unreadable"
has() { grep -q "^$1 $2 $3 $4 " "$WORK/$5"; }

if up redis-open; then
    check "redis without a password: svc.redis.noauth, critical" has 127.0.25.1 6379 svc.redis.noauth critical f1.txt
    check "svc.redis.noauth carries the detection evidence and the version" \
        grep -q "^127.0.25.1 6379 svc.redis.noauth critical 1 .*version=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')" "$WORK/f1.txt"
fi
if up redis-auth; then
    check "redis with requirepass: no finding" sh -c '! grep -q "^127.0.25.2 " "$1"' - "$WORK/f1.txt"
fi
if up memcached; then
    check "memcached: svc.memcached.exposed, high" has 127.0.25.3 11211 svc.memcached.exposed high f1.txt
fi
if up vsftpd; then
    check "vsftpd: svc.ftp.cleartext, medium, with detection and FEAT evidence" \
        grep -q "^127.0.25.4 2121 svc.ftp.cleartext medium 2 .*auth_tls=not_offered" "$WORK/f1.txt"
    check "vsftpd without --intrusive: no svc.ftp.anonymous" \
        sh -c '! grep -q "svc.ftp.anonymous" "$1"' - "$WORK/f1.txt"
    check "vsftpd without --intrusive: the FEAT transcript has no log-in" python3 -c '
import json, sys, base64
d = json.load(open(sys.argv[1]))
t = [e for e in d["evidence"] if e["description"].startswith("exposure check: FTP")]
txt = "".join(e["data"] if e["encoding"] == "utf-8" else base64.b64decode(e["data"]).decode() for e in t)
sys.exit(not (t and "C: FEAT" in txt and "USER" not in txt))' "$OUT1/scan.json"
fi
if up nginx; then
    check "nginx on 8080: svc.http.admin-cleartext, medium" has 127.0.25.5 8080 svc.http.admin-cleartext medium f1.txt
fi
if up rfb; then
    check "RFB stand-in offering None: svc.vnc.noauth, critical" \
        grep -q "^127.0.25.6 5900 svc.vnc.noauth critical 2 .*security_types=1_(None),_2_(VNC_Authentication)" "$WORK/f1.txt"
    # Detection and then the check each sent "RFB 003.008\n" back, read the security types and
    # closed: nothing after the types, no authentication chosen.
    check "detection and the VNC check sent the version back and nothing after the security types" \
        sh -c 'test "$(tr -d "\n" < "$1")" = "RFB 003.008RFB 003.008"' - "$WORK/rfb.log"
fi
check "no unexpected-port findings without --allowed-ports" sh -c '! grep -q svc.port.unexpected "$1"' - "$WORK/f1.txt"

# 2. With --intrusive and an allow-list holding only the Redis port.
OUT2="$WORK/out2"
timeout 120 "$RISKMAP" scan 127.0.25.1-6 -p "$PORTS" --rate 0 -q --checks exposure --intrusive \
    --allowed-ports 6379 -o "$OUT2" > "$WORK/scan2.txt" 2> "$WORK/scan2.err"
rc=$?
check "scan with --intrusive --allowed-ports exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || cat "$WORK/scan2.err"
findings "$OUT2/scan.json" > "$WORK/f2.txt" || not_ok "scan.json findings unreadable"
if up vsftpd; then
    check "vsftpd with --intrusive: svc.ftp.anonymous, high" has 127.0.25.4 2121 svc.ftp.anonymous high f2.txt
fi
NOT6379=$(echo "$STARTED" | awk 'NF && $3 != 6379' | wc -l)
GOT=$(grep -c " svc.port.unexpected medium " "$WORK/f2.txt")
check "one svc.port.unexpected per open port outside the allow-list ($GOT of $NOT6379)" [ "$GOT" -eq "$NOT6379" ]
check "no svc.port.unexpected for the allowed port" sh -c '! grep -q "^127.0.25.[12] 6379 svc.port.unexpected" "$1"' - "$WORK/f2.txt"

# 3. Fingerprints of the findings both scans share are the same.
cut -d' ' -f1-4,6 "$WORK/f1.txt" | sort > "$WORK/fp1.txt"
cut -d' ' -f1-4,6 "$WORK/f2.txt" | grep -v -e svc.port.unexpected -e svc.ftp.anonymous | sort > "$WORK/fp2.txt"
check "fingerprints are stable across scans" cmp -s "$WORK/fp1.txt" "$WORK/fp2.txt"

check "scan.json validates against its schema" python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
    "$OUT2/scan.json" "$ROOT/docs/scan-result.schema.json"

msg=$("$RISKMAP" scan 127.0.25.1 -p 1 --allowed-ports 80-70 2>&1); rc=$?
check "a malformed --allowed-ports is a usage error naming the option (exit $rc)" \
    sh -c '[ "$1" -eq 2 ] && [ "$2" = "riskmap: option --allowed-ports: ports \"80-70\": range is reversed" ]' - "$rc" "$msg"

# 4. SMB against real Samba (smbd as root, port 445): SMB1 accepted (server min protocol =
#    NT1) is svc.smb.v1 high; signing not required (the default) is svc.smb.signing-off medium;
#    server signing = mandatory with SMB1 refused gives neither.
SMB_UP=""
# (smb_n, not i: servers.sh's functions use i themselves; sh has no locals.)
for smb_n in 11 12 13; do
    case $smb_n in
    11) opt="server min protocol = NT1" ;;
    12) opt="server signing = auto" ;;
    13) opt="server signing = mandatory" ;;
    esac
    if srv_smbd 127.0.27.$smb_n "$opt"; then
        SMB_UP="$SMB_UP $smb_n"
        LAB_PIDS="$LAB_PIDS $SRV_WORK/smbd-127.0.27.$smb_n.pid"
    else
        skip "$SRV_WHY"
    fi
done
if [ -n "$SMB_UP" ]; then
    OUT4="$WORK/out4"
    timeout 60 "$RISKMAP" scan 127.0.27.11-13 -p 445 --rate 0 -q --checks exposure \
        -o "$OUT4" > /dev/null 2> "$WORK/scan4.err"
    check "SMB scan with the exposure check exits 0" [ $? -eq 0 ]
    findings "$OUT4/scan.json" > "$WORK/f4.txt" || not_ok "scan.json findings unreadable"
    for i in $SMB_UP; do
        case $i in
        11) check "smbd with SMB1: svc.smb.v1, high, with evidence" \
                grep -q "^127.0.27.11 445 svc.smb.v1 high 1 .*smb1=accepted" "$WORK/f4.txt"
            check "smbd with SMB1: svc.smb.signing-off, medium, dialect 3.1.1" \
                grep -q "^127.0.27.11 445 svc.smb.signing-off medium 1 .*dialect=3.1.1 .*signing=not_required" "$WORK/f4.txt" ;;
        12) check "smbd defaults: svc.smb.signing-off only" \
                sh -c 'grep "^127.0.27.12 " "$1" | grep -q " svc.smb.signing-off medium " &&
                       ! grep -q "^127.0.27.12 445 svc.smb.v1 " "$1"' - "$WORK/f4.txt" ;;
        13) check "smbd with signing mandatory and no SMB1: no SMB finding" \
                sh -c '! grep -q "^127.0.27.13 " "$1"' - "$WORK/f4.txt" ;;
        esac
    done
fi

echo "# $SKIPS skip(s)"
finish
