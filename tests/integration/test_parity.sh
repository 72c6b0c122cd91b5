#!/bin/sh
# integration: uses xrdp
# Identification parity with nmap -sV (bench/service.sh lists where the two disagreed), against
# REAL servers started here on 127.0.70.0/24, each with its own configuration:
#   xrdp (security_layer negotiate and rdp): named xrdp from its answer to a TLS ClientHello
#     sent without X.224 (its Connection Confirm is the one Windows sends);
#   Samba's smbd (SMB1 accepted, and Samba's defaults): named Samba smbd from its SMB1 answer,
#     with the workgroup and NetBIOS name that `testparm` reads from the same configuration;
#   `openssl s_server -www`: named as nmap names it;
# and, through tests/lab/tarpit.py (no Debian package greets late or trickles on demand; the
# banners are the real products'), two servers that make a scanner wait:
#   a Sendmail greeting after 5 s on 587 (the default --service-timeout is 3 s; speak-first
#     ports wait twice that for a banner, as nmap's NULL probe waits 6 s);
#   a Dovecot POP3 greeting trickled 4 bytes every 0.3 s on 110 (the quiet gap that ends a
#     read is 0.3 s at the default timeout; an unfinished text line must not be cut by it);
# and a silent port 21, whose longer banner wait must stay bounded by 2 x --service-timeout.
# Servers need root (ports below 1024, xrdp's key); without it the test skips them. Everything
# is stopped by PID (lib.sh's cleanup); every wait is bounded.
set -u
. "$(dirname "$0")/lib.sh"

NET=127.0.70

. "$ROOT/tests/lab/servers.sh"
srv_init "$WORK/servers"
track_servers() { LAB_PIDS="$LAB_PIDS $SRV_PIDFILES"; }

# tarpit NAME ADDR:PORT TARPIT-OPTIONS...
tarpit() {
    name=$1 ep=$2
    shift 2
    python3 "$ROOT/tests/lab/tarpit.py" --pidfile "$WORK/$name.pid" --lifetime 120 "$@" "$ep" \
        > "$WORK/$name.out" 2>&1 &
    LAB_PIDS="$LAB_PIDS $WORK/$name.pid"
    i=0
    while [ ! -s "$WORK/$name.pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    [ -s "$WORK/$name.pid" ] || { echo "tarpit $name did not start:"; cat "$WORK/$name.out"; exit 1; }
}

if [ "$(id -u)" != 0 ]; then
    skip "not root: xrdp, smbd and ports below 1024 need it"
    echo "# $SKIPS skip(s)"
    finish
fi

EXPECT="$WORK/expect.txt" # addr port product (spaces as _) [info substring]
: > "$EXPECT"
PORTS=""
add() { echo "$*" >> "$EXPECT"; PORTS="$PORTS,$2"; }

srv_xrdp $NET.10 3389 negotiate && add $NET.10 3389 xrdp "RDP; TLS; NLA not required" || skip "$SRV_WHY"
srv_xrdp $NET.11 3389 rdp && add $NET.11 3389 xrdp "RDP; standard RDP security; NLA not required" || skip "$SRV_WHY"
smb_names() { # smb_names ADDR: "workgroup: W; host: H" as Samba itself reads its configuration
    conf=$SRV_WORK/smbd-$1/smb.conf
    wg=$(testparm -s --parameter-name=workgroup "$conf" 2>/dev/null)
    nb=$(testparm -s --parameter-name="netbios name" "$conf" 2>/dev/null)
    echo "workgroup: $wg; host: $nb"
}
if srv_smbd $NET.12 "server min protocol = NT1"; then
    add $NET.12 445 Samba_smbd "SMB1 accepted; $(smb_names $NET.12)"
else
    skip "$SRV_WHY"
fi
srv_smbd $NET.13 && add $NET.13 445 Samba_smbd "SMB 3.1.1; signing not required; SMB1 refused" || skip "$SRV_WHY"
srv_tls $NET.14 443 && add $NET.14 443 "OpenSSL_s_server_-www_httpd" "TLSv1" || skip "$SRV_WHY"
track_servers
tarpit sendmail-late $NET.15:587 --delay 5 \
    --banner '220 mail.lab.example ESMTP Sendmail 8.17.1.9/8.17.1.9/Debian-2; Sun, 22 Nov 2026 14:00:00 GMT\r\n'
add $NET.15 587 Sendmail "config 8.17.1.9/Debian-2"
tarpit dovecot-trickle $NET.15:110 --delay 0.3 --chunk 4 --interval 0.3 \
    --banner '+OK Dovecot (Debian) ready.\r\n'
add $NET.15 110 "Dovecot_pop3d" "Debian"
tarpit silent $NET.16:21
PORTS=${PORTS#,}

# 1. One scan, default timing: every product named.
OUT="$WORK/out"
T0=$(date +%s)
timeout 60 "$RISKMAP" scan $NET.10-15 -Pn -p "$PORTS" --no-udp --rate 0 -q -o "$OUT" \
    > "$WORK/scan.txt" 2> "$WORK/scan.err"
rc=$?
T1=$(date +%s)
check "scan exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || cat "$WORK/scan.err"
# The 5 s greeter bounds it: 5 s, its EHLO, and nothing else waits as long.
check "the scan took under 10 s ($((T1 - T0)) s)" [ $((T1 - T0)) -lt 10 ]

python3 - "$OUT/scan.json" > "$WORK/got.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for h in d["hosts"]:
    for s in h["services"]:
        if s["state"] == "open":
            print(h["address"], s["port"], (s.get("product") or "-").replace(" ", "_"),
                  s.get("version") or "-", "cpe=" + (s.get("cpe") or "-"),
                  "info=" + (s.get("info") or "-"), "note=" + (s.get("detection_note") or "-"))
PY
while read -r addr port product info; do
    line=$(grep "^$addr $port " "$WORK/got.txt")
    set -- $line
    if [ "$#" -lt 3 ]; then not_ok "$addr:$port ($product) not in scan.json"; continue; fi
    check "$addr:$port is $product (got: $3)" [ "$3" = "$product" ]
    [ "$info" = "-" ] || check "$addr:$port info has \"$info\" (got: ${line#*info=})" \
        sh -c 'case "$1" in *"info="*"$2"*) exit 0;; esac; exit 1' - "$line" "$info"
done < "$EXPECT"

grep -q "^$NET.10 3389 " "$EXPECT" &&
    check "xrdp's CPE" grep -q "^$NET.10 3389 xrdp - cpe=cpe:2.3:a:neutrinolabs:xrdp:" "$WORK/got.txt"
grep -q "^$NET.12 445 " "$EXPECT" &&
    check "Samba's CPE, no version (Samba does not say its release over SMB)" \
        grep -q "^$NET.12 445 Samba_smbd - cpe=cpe:2.3:a:samba:samba:\*" "$WORK/got.txt"
# The release is the version; the configuration's version and revision go to info.
check "the late Sendmail's version, the rest in info" \
    grep -q "^$NET.15 587 Sendmail 8.17.1.9 cpe=cpe:2.3:a:sendmail:sendmail:8.17.1.9:.* info=config 8.17.1.9/Debian-2" "$WORK/got.txt"
check "the trickled banner was read whole (evidence is the full greeting)" python3 -c '
import json, sys, base64
d = json.load(open(sys.argv[1]))
ev = {e["id"]: e for e in d["evidence"]}
s = [s for h in d["hosts"] if h["address"] == sys.argv[2] for s in h["services"] if s["port"] == 110][0]
e = ev[s["evidence"]]
data = base64.b64decode(e["data"]) if e.get("encoding") == "base64" else e["data"].encode()
sys.exit(0 if data == b"+OK Dovecot (Debian) ready.\r\n" else 1)' "$OUT/scan.json" $NET.15

# 2. The longer banner wait follows --service-timeout: at 1000 ms the 5 s greeter is not
#    waited for (2 s), and a silent FTP port costs 2 s for its banner, then 1 s for its HTTP
#    step (at the default, 6 + 3 s: bounded, and only that port's worker waits).
OUT2="$WORK/out2"
T0=$(date +%s)
timeout 60 "$RISKMAP" scan $NET.15-16 -Pn -p 587,21 --no-udp --rate 0 --service-timeout 1000 \
    -q -o "$OUT2" > /dev/null 2> "$WORK/scan2.err"
rc=$?
T1=$(date +%s)
check "short-timeout scan exits 0" [ "$rc" -eq 0 ]
check "with --service-timeout 1000 it took under 6 s ($((T1 - T0)) s)" [ $((T1 - T0)) -lt 6 ]
check "with --service-timeout 1000 neither is named, both said nothing in time" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
svcs = [s for h in d["hosts"] for s in h["services"] if s["state"] == "open"]
sys.exit(len(svcs) != 2 or any(s.get("product") or
         not (s.get("detection_note") or "").startswith("no answer to the") for s in svcs))' "$OUT2/scan.json"

# 3. A port of no known use that accepts and never speaks: after its banner wait (1.5 s) and
#    a plain GET met with silence (3 s), TLS and empty lines would only wait too (3 s each).
tarpit silent9999 $NET.16:9999
OUT3="$WORK/out3"
T0=$(date +%s)
timeout 60 "$RISKMAP" scan $NET.16 -Pn -p 9999 --no-udp --rate 0 -q -o "$OUT3" > /dev/null 2> "$WORK/scan3.err"
rc=$?
T1=$(date +%s)
check "silent-port scan exits 0" [ "$rc" -eq 0 ]
check "a silent port of no known use is given up after the banner wait and a GET: under 7 s ($((T1 - T0)) s; all four steps took 10.5 s)" \
    [ $((T1 - T0)) -lt 7 ]
check "its note says the GET went unanswered" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = [s for h in d["hosts"] for s in h["services"] if s["port"] == 9999][0]
sys.exit(s.get("product") is not None or s.get("detection_note") != "no answer to the http probe within 3000 ms")' "$OUT3/scan.json"

echo "# $SKIPS skip(s)"
finish
