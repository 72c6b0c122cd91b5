#!/bin/sh
# integration: uses xrdp
# Service detection against REAL servers started here on 127.0.24.0/24, each with its own
# configuration, keys, pid and log files in the test's temporary directory: sshd (as root),
# nginx, redis-server, memcached, vsftpd and `openssl s_server` for TLS; then Samba's smbd
# and xrdp (both as root) for the SMB and RDP probes. A server that cannot
# start is skipped with a "skip - ..." line. The product and version riskmap reports for each
# port must equal what the server itself says (`nginx -v`, `redis-server --version`, ...).
# The servers come from tests/lab/servers.sh and are stopped by their PIDs (lib.sh's cleanup);
# every wait is bounded.
set -u
. "$(dirname "$0")/lib.sh"

WILD=$(wildcard_ports | tr '\n' ' ')

. "$ROOT/tests/lab/servers.sh"
srv_init "$WORK/servers"
# lib.sh's cleanup stops what it knows by pid file; hand it ours too.
track_servers() { LAB_PIDS="$LAB_PIDS $SRV_PIDFILES"; }

EXPECT="$WORK/expect.txt" # addr port name product version (version "-" for none)
: > "$EXPECT"

if srv_sshd 127.0.24.1 2222; then
    # The package's own account of itself: upstream version and Debian revision.
    v=$(dpkg-query -W -f='${Version}' openssh-server 2>/dev/null)
    v=${v#*:}
    echo "127.0.24.1 2222 ssh OpenSSH ${v%%-*} Debian ${v#*-}" >> "$EXPECT"
    # sshd -V names the release without the portable suffix: "OpenSSH_9.2, OpenSSL ..."
    SSHD_V=$(/usr/sbin/sshd -V 2>&1 | sed -n 's/^OpenSSH_\([0-9.]*\).*/\1/p')
else
    skip "$SRV_WHY"
fi
if srv_nginx 127.0.24.2 8080; then
    v=$(/usr/sbin/nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')
    echo "127.0.24.2 8080 http nginx $v" >> "$EXPECT"
else
    skip "$SRV_WHY"
fi
if srv_redis 127.0.24.3 6379; then
    v=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')
    echo "127.0.24.3 6379 redis Redis_key-value_store $v" >> "$EXPECT"
else
    skip "$SRV_WHY"
fi
if srv_memcached 127.0.24.4 11211; then
    v=$(memcached -V | sed -n 's/^memcached \([0-9.]*\).*/\1/p')
    echo "127.0.24.4 11211 memcached memcached $v" >> "$EXPECT"
else
    skip "$SRV_WHY"
fi
# The same two on ports of no known use: found by their answer to a bare GET, then asked in
# their own protocol (the version, and for Redis the INFO the exposure check reads).
if srv_redis 127.0.24.3 16380; then
    v=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')
    echo "127.0.24.3 16380 redis Redis_key-value_store $v" >> "$EXPECT"
else
    skip "$SRV_WHY"
fi
if srv_memcached 127.0.24.4 11212; then
    v=$(memcached -V | sed -n 's/^memcached \([0-9.]*\).*/\1/p')
    echo "127.0.24.4 11212 memcached memcached $v" >> "$EXPECT"
else
    skip "$SRV_WHY"
fi
if srv_vsftpd 127.0.24.5 2121; then
    # vsftpd -v writes its version to file descriptor 0.
    v=$(/usr/sbin/vsftpd -v 0>&1 | sed -n 's/.*version \([0-9.]*\).*/\1/p')
    echo "127.0.24.5 2121 ftp vsftpd $v" >> "$EXPECT"
else
    skip "$SRV_WHY"
fi
if srv_tls 127.0.24.6 8443; then
    echo "127.0.24.6 8443 https OpenSSL_s_server_-www_httpd -" >> "$EXPECT"
else
    skip "$SRV_WHY"
fi
track_servers
SERVERS=$SRV_STARTED

# Only the servers that started are expected.
awk -v s="$SERVERS" 'BEGIN { n = split(s, l, "\n"); for (i = 1; i <= n; i++) { split(l[i], f, " ");
    ok[f[2] " " f[3]] = 1 } } ok[$1 " " $2]' "$EXPECT" > "$EXPECT.started"
mv "$EXPECT.started" "$EXPECT"
NSTARTED=$(wc -l < "$EXPECT")
if [ "$NSTARTED" -eq 0 ]; then
    skip "no server could start; nothing to test"
    finish
    exit $?
fi
PORTS=$(awk '{print $2}' "$EXPECT" | sort -un | paste -sd, -)
for w in $WILD; do
    case ",$PORTS," in *",$w,"*) skip "port $w has a wildcard listener on this machine" ;; esac
done

# 1. Detection: product and version per port equal the servers' own.
OUT="$WORK/out"
T0=$(date +%s)
timeout 120 "$RISKMAP" scan 127.0.24.1-6 -p "$PORTS" --rate 0 -q -o "$OUT" \
    > "$WORK/scan.txt" 2> "$WORK/scan.err"
rc=$?
T1=$(date +%s)
check "scan with service detection exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || cat "$WORK/scan.err"
check "service detection of $NSTARTED server(s) took under 20 s ($((T1 - T0)) s)" [ $((T1 - T0)) -lt 20 ]

python3 - "$OUT/scan.json" > "$WORK/got.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = {e["id"]: e for e in d.get("evidence", [])}
for h in d["hosts"]:
    for s in h["services"]:
        if s["state"] != "open":
            continue
        e = ev.get(s.get("evidence"))
        print(h["address"], s["port"], s.get("name", "-"), (s.get("product") or "-").replace(" ", "_"),
              s.get("version") or "-", "method=" + (s.get("method") or "-"),
              "info=" + (s.get("info") or "-").replace(" ", "_"),
              "cpe=" + (s.get("cpe") or "-"), "evidence=" + str(e["length"] if e else 0))
PY
while read -r addr port name product version rest; do
    line=$(grep "^$addr $port " "$WORK/got.txt")
    set -- $line
    if [ "$#" -lt 5 ]; then not_ok "$addr:$port ($product) not in scan.json"; continue; fi
    if [ "$3 $4 $5" = "$name $product $version" ]; then
        ok "$addr:$port identified as $name $product $version (${6})"
    else
        not_ok "$addr:$port: got \"$3 $4 $5\", the server says \"$name $product $version\""
    fi
    case "$9" in evidence=0) not_ok "$addr:$port: no evidence kept" ;; esac
    case "$rest" in Debian*)
        check "$addr:$port info names the Debian revision (${rest})" \
            sh -c 'case "$1" in *"$2"*) exit 0;; esac; exit 1' - "$7" "$(echo "$rest" | tr ' ' _)" ;;
    esac
done < "$EXPECT"

if grep -q "^127.0.24.1 2222 " "$EXPECT"; then
    check "OpenSSH version begins with sshd -V's release ($SSHD_V)" \
        grep -q "^127.0.24.1 2222 ssh OpenSSH $SSHD_V" "$WORK/got.txt"
    check "OpenSSH CPE carries the version" \
        grep -q "^127.0.24.1 2222 .*cpe=cpe:2.3:a:openbsd:openssh:$SSHD_V" "$WORK/got.txt"
fi
if grep -q "^127.0.24.6 8443 " "$EXPECT"; then
    check "the TLS port is named https and says which TLS version" \
        grep -q "^127.0.24.6 8443 https .*info=TLSv1" "$WORK/got.txt"
fi

check "scan.json validates against its schema" python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
    "$OUT/scan.json" "$ROOT/docs/scan-result.schema.json"

# 2. --no-service-detection: port-table names only, nothing sent beyond the connect.
OUT2="$WORK/out2"
timeout 60 "$RISKMAP" scan 127.0.24.1-6 -p "$PORTS" --rate 0 -q --no-service-detection \
    -o "$OUT2" > /dev/null 2> "$WORK/scan2.err"
check "scan without service detection exits 0" [ $? -eq 0 ]
check "without service detection no product is named" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(any(s.get("product") for h in d["hosts"] for s in h["services"]))' "$OUT2/scan.json"

# 3. SMB against real Samba (smbd, as root: port 445) on 127.0.27.1-3: SMB1 accepted (server
#    min protocol = NT1), the defaults, and signing mandatory. Dialect, signing and SMB1 come
#    from riskmap's own SMB2 and SMB1 NEGOTIATE; what smbd should answer follows from its
#    configuration (Samba 4.17 offers up to SMB 3.1.1, signing enabled but not required).
SMB_UP=""
srv_smbd 127.0.27.1 "server min protocol = NT1" && SMB_UP="$SMB_UP 1" || skip "$SRV_WHY"
srv_smbd 127.0.27.2 && SMB_UP="$SMB_UP 2" || skip "$SRV_WHY"
srv_smbd 127.0.27.3 "server signing = mandatory" && SMB_UP="$SMB_UP 3" || skip "$SRV_WHY"
track_servers
if [ -n "$SMB_UP" ]; then
    OUT3="$WORK/out3"
    timeout 60 "$RISKMAP" scan 127.0.27.1-3 -p 445 --rate 0 -q -o "$OUT3" > /dev/null 2> "$WORK/scan3.err"
    check "SMB scan exits 0" [ $? -eq 0 ]
    python3 - "$OUT3/scan.json" > "$WORK/smb.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = {e["id"]: e for e in d.get("evidence", [])}
for h in d["hosts"]:
    for s in h["services"]:
        e = ev.get(s.get("evidence"))
        print(h["address"], s["port"], s.get("name", "-"), s.get("method") or "-",
              "evidence=" + str(e["length"] if e else 0), "info=" + (s.get("info") or "-"))
PY
    for i in $SMB_UP; do
        case $i in
        1) want="SMB 3.1.1; signing not required; SMB1 accepted" ;;
        2) want="SMB 3.1.1; signing not required; SMB1 refused" ;;
        3) want="SMB 3.1.1; signing required; SMB1 refused" ;;
        esac
        line=$(grep "^127.0.27.$i 445 " "$WORK/smb.txt")
        # (Samba's workgroup and host name follow when it accepted SMB1: test_parity.sh.)
        check "smbd 127.0.27.$i:445 is microsoft-ds by probe:smb, info \"$want...\" (got: ${line#* * })" \
            sh -c 'case "$1" in *" microsoft-ds probe:smb evidence="[1-9]*" info=$2"*) exit 0;; esac; exit 1' - "$line" "$want"
    done
    # NTLM was started (no credential sent): Samba's CHALLENGE is in the evidence, and its
    # version (6.1 build 0, Samba's own) is not reported as a Windows build.
    check "smbd: each answer's evidence holds Samba's NTLMSSP CHALLENGE, and no Windows build is named" \
        python3 -c '
import base64, json, sys
d = json.load(open(sys.argv[1]))
ev = {e["id"]: e for e in d["evidence"]}
svcs = [s for h in d["hosts"] for s in h["services"] if s["port"] == 445]
ok = len(svcs) == int(sys.argv[2])
for s in svcs:
    raw = base64.b64decode(ev[s["evidence"]]["data"])
    i = raw.find(b"NTLMSSP\0\x02\0\0\0")
    ok = ok and i >= 0 and raw[i + 48:i + 52] == bytes([6, 1, 0, 0]) and "Windows" not in (s.get("info") or "")
sys.exit(0 if ok else 1)' "$OUT3/scan.json" "$(echo $SMB_UP | wc -w)"
fi

# 4. RDP against real xrdp (as root) on 127.0.27.20-21:3389: security_layer=negotiate selects TLS
#    (xrdp has no CredSSP, so NLA is not required), security_layer=rdp standard RDP security.
RDP_UP=""
srv_xrdp 127.0.27.20 3389 negotiate && RDP_UP="$RDP_UP 20" || skip "$SRV_WHY"
srv_xrdp 127.0.27.21 3389 rdp && RDP_UP="$RDP_UP 21" || skip "$SRV_WHY"
track_servers
if [ -n "$RDP_UP" ]; then
    OUT4="$WORK/out4"
    timeout 60 "$RISKMAP" scan 127.0.27.20-21 -p 3389 --rate 0 -q -o "$OUT4" > /dev/null 2> "$WORK/scan4.err"
    check "RDP scan exits 0" [ $? -eq 0 ]
    python3 - "$OUT4/scan.json" > "$WORK/rdp.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = {e["id"]: e for e in d.get("evidence", [])}
for h in d["hosts"]:
    for s in h["services"]:
        e = ev.get(s.get("evidence"))
        print(h["address"], s["port"], s.get("name", "-"), s.get("method") or "-",
              "evidence=" + str(e["length"] if e else 0), "info=" + (s.get("info") or "-"))
PY
    for i in $RDP_UP; do
        case $i in
        20) want="RDP; TLS; NLA not required" ;;
        21) want="RDP; standard RDP security; NLA not required" ;;
        esac
        line=$(grep "^127.0.27.$i 3389 " "$WORK/rdp.txt")
        check "xrdp 127.0.27.$i:3389 is ms-wbt-server by probe:rdp, info \"$want\" (got: ${line#* * })" \
            sh -c 'case "$1" in *" ms-wbt-server probe:rdp evidence="[1-9]*" info=$2") exit 0;; esac; exit 1' - "$line" "$want"
    done
fi

echo "# $SKIPS skip(s)"
finish
