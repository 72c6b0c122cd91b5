#!/bin/bash
# Service-detection benchmark: riskmap's service detection (on by default) against nmap -sV,
# on the same lab of real servers on loopback, the same hosts and ports.
#
#   bench/service.sh                  (also run by: make bench)
#   RUNS=5 bench/service.sh           runs per tool (default 3)
#
# The lab, all inside 127.0.33.0/24 (BENCH_NET; nothing is ever sent anywhere else), every
# server that tests/lab/servers.sh can start, each with its own configuration:
#   127.0.33.1  vsftpd 21, sshd 22, nginx 80, openssl s_server 443, smbd 445 (Samba's
#               defaults: SMB2 and up), xrdp 3389 (security_layer negotiate), redis-server
#               6379, memcached 11211: the usual ports;
#   127.0.33.2  vsftpd 2121, sshd 2222, nginx 8080, s_server 8443, smbd 445 with SMB1
#               (server min protocol = NT1), xrdp 3389 (security_layer rdp), redis 6380,
#               memcached 11212: the same products elsewhere, where a tool cannot lean on the
#               port number;
#   127.0.33.3  services that make a scanner wait (tests/lab/tarpit.py; no package does this
#               on demand, the banners are the real products'): 25 an Exim greeting after a
#               2 s greet pause; 110 a Dovecot POP3 greeting trickled 4 bytes every 0.3 s;
#               587 a Sendmail greeting after 5 s (sendmail's greet_pause example value);
#               9999 accepts and never speaks;
#   127.0.33.4  slapd 389, Xvnc 5900 (no authentication), the replay.py stand-ins for MS SQL
#               1433 and MongoDB 27017 (recorded synthetic answers: Debian packages neither),
#               and over UDP dnsmasq 53, chronyd 123 and snmpd 161 (community public).
# sshd, vsftpd, smbd, xrdp and the UDP servers need root; without it (or without the package)
# a server is skipped with a message and the benchmark runs on the rest (nginx and s_server on
# 80 and 443 too; the waiting services move to 10025, 10110 and 10587; no UDP).
#
# Both tools get the same hosts and ports, no host discovery, and their default timing
# otherwise (riskmap's UDP stage asks every host on UDP 53, 123 and 161; nmap gets those too):
#   nmap -sV -Pn -n -sS -sU -p T:PORTS,U:53,123,161 127.0.33.1-4 -oX FILE   (root)
#   nmap -sV -Pn -n -p PORTS 127.0.33.1-4 -oX FILE                          (otherwise)
#   riskmap scan 127.0.33.1-4 -Pn -p PORTS -q -o DIR
# alternating, RUNS times each, each run bounded by `timeout 900`. It prints median wall
# times, the ratio nmap/riskmap (goal 5x), CPU time and peak RSS, the open sets (which must
# equal the lab's), and a table per port: what nmap names (service, product, version), what
# riskmap names, and whether riskmap identified what nmap did. A port agrees when nmap names
# no product, or riskmap names the same product (case aside) and nmap's version is riskmap's,
# or none (riskmap names one nmap did not), or riskmap's version followed by a space or a
# slash and a detail riskmap's info field carries (OpenSSH's "9.2p1" + "Debian 2+deb12u3",
# Sendmail's "8.17.1.9" + "8.17.1.9/Debian-2"). Below the table, every port that does not agree with the bytes
# riskmap kept as evidence: what a signature would have to match.
#
# Environment: RUNS (3), RISKMAP (./riskmap), NMAP (nmap), BENCH_NET (127.0.33), KEEP=1.
# Exit: 0 when the open sets equal the lab's, every port agrees and the goal is met; 1 when
# not; 2 when something needed is missing. The shared setup is bench/lib.sh.
set -eu

TIMEOUT=900
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init riskmap-svbench 3
bench_net 127.0.33
LAB_LIFETIME=$((RUNS * 2 * TIMEOUT + 600)) # upper bound; stopped by PID long before
GOAL=5
H1=$NET.1 H2=$NET.2 H3=$NET.3 H4=$NET.4
TARGET="$NET.1-4"
UDP_PORTS=53,123,161 # the ports riskmap's UDP stage asks

# ---- the lab ------------------------------------------------------------------------------
bench_net_free "$NET"
ROOT=$root # servers.sh finds tests/lab/replay.py through it
# shellcheck source=tests/lab/servers.sh
. "$root/tests/lab/servers.sh"
srv_init "$work/servers"
bench_on_cleanup srv_stop_all

skipped=""
lab_srv() { # lab_srv FUNCTION ARGS...: starts one server, or notes why it could not
    "$@" || skipped="$skipped  skipped: $SRV_WHY
"
}
lab_srv srv_vsftpd "$H1" 21
lab_srv srv_sshd "$H1" 22
lab_srv srv_nginx "$H1" 80
lab_srv srv_tls "$H1" 443
lab_srv srv_smbd "$H1"
lab_srv srv_xrdp "$H1" 3389 negotiate
lab_srv srv_redis "$H1" 6379
lab_srv srv_memcached "$H1" 11211
lab_srv srv_vsftpd "$H2" 2121
lab_srv srv_sshd "$H2" 2222
lab_srv srv_nginx "$H2" 8080
lab_srv srv_tls "$H2" 8443
lab_srv srv_smbd "$H2" "server min protocol = NT1"
lab_srv srv_xrdp "$H2" 3389 rdp
lab_srv srv_redis "$H2" 6380
lab_srv srv_memcached "$H2" 11212
lab_srv srv_slapd "$H4" 389 open
lab_srv srv_xvnc "$H4" 5900 3394 None # display :3394, X socket /tmp/.X11-unix/X3394
SRV_REPLAY_LIFETIME=$LAB_LIFETIME # the stand-ins end by themselves after 300 s otherwise
lab_srv srv_replay mssql "$H4" 1433 tds "$root/tests/fixtures/banners/synthetic-mssql-2019.mssql"
lab_srv srv_replay mongo "$H4" 27017 mongo "$root/tests/fixtures/banners/synthetic-mongodb-noauth.mongodb"
udp=0
if [ "$(id -u)" = 0 ]; then
    udp=1
    lab_srv srv_dnsmasq "$H4" 53
    lab_srv srv_chronyd "$H4"
    lab_srv srv_snmpd "$H4" 161 public
else
    skipped="$skipped  not root: no UDP servers, and nmap scans TCP only
"
fi

# tarpit NAME ENDPOINT TARPIT-OPTIONS...: one silent or slow service of tests/lab/tarpit.py.
tarpit() {
    local name=$1 ep=$2
    shift 2
    python3 "$root/tests/lab/tarpit.py" --pidfile "$work/$name.pid" --lifetime "$LAB_LIFETIME" \
        "$@" "$ep" > "$work/$name.out" 2>&1 &
    bench_track $!
    bench_wait_pidfile $! "$work/$name.pid" "$work/$name.out" "tarpit $name"
    SRV_STARTED="$SRV_STARTED$name ${ep%:*} ${ep##*:}
"
}
# Without root, ports below 1024 cannot be bound: the waiting services move up by 10000.
up=0
[ "$(id -u)" = 0 ] || { up=10000; skipped="$skipped  not root: the waiting services listen on 10025, 10110, 10587
"; }
tarpit exim-slow "$H3:$((25 + up))" --delay 2 \
    --banner '220 mx.lab.example ESMTP Exim 4.96 Sun, 22 Nov 2026 14:00:00 +0000\r\n'
tarpit dovecot-trickle "$H3:$((110 + up))" --delay 0.3 --chunk 4 --interval 0.3 \
    --banner '+OK Dovecot (Debian) ready.\r\n'
tarpit sendmail-late "$H3:$((587 + up))" --delay 5 \
    --banner '220 mail.lab.example ESMTP Sendmail 8.17.1.9/8.17.1.9/Debian-2; Sun, 22 Nov 2026 14:00:00 GMT; (No UCE/UBE) logging access from: localhost(OK)-localhost [127.0.0.1]\r\n'
tarpit silent "$H3:9999"

# ADDR:PORT/PROTO lines; the UDP servers are the ones named so.
echo "$SRV_STARTED" | awk 'NF == 3 { print $2 ":" $3 "/" ($1 ~ /^(dnsmasq|chronyd|snmpd)-/ ? "udp" : "tcp"), $1 }' \
    | sort -V > "$work/lab-names.txt"
awk '{ print $1 }' "$work/lab-names.txt" > "$work/lab.txt"
PORTS=$(grep '/tcp$' "$work/lab.txt" | sed 's|.*:||; s|/tcp||' | sort -un | paste -sd, -)
n_lab=$(wc -l < "$work/lab.txt")
# Whatever else listens in the /24 on a scanned port would be found open and blur the
# comparison (dnsmasq also serves DNS over TCP 53, which is not scanned).
extra=$(ss -Hltn | awk -v net="$NET." 'index($4, net) == 1 { print $4 "/tcp" }' | sort -u \
    | grep -vxF -f "$work/lab.txt" | awk -F'[:/]' -v ports=",$PORTS," 'index(ports, "," $2 ",")' || true)
[ -z "$extra" ] || die "listening in $NET.0/24 on a scanned port, not part of the lab: $extra"

# ---- the runs -----------------------------------------------------------------------------
run() { # run TOOL N
    local out="$work/$1.$2"
    if [ "$1" = nmap ] && [ $udp = 1 ]; then
        bench_timed nmap "$2" nmap 8 "nmap run $2" -- \
            "$NMAP" -sV -Pn -n -sS -sU -p "T:$PORTS,U:$UDP_PORTS" "$TARGET" -oX "$out.xml"
    elif [ "$1" = nmap ]; then
        bench_timed nmap "$2" nmap 8 "nmap run $2" -- \
            "$NMAP" -sV -Pn -n -p "$PORTS" "$TARGET" -oX "$out.xml"
    elif [ $udp = 1 ]; then
        bench_timed riskmap "$2" riskmap 8 "riskmap run $2" -- \
            "$RISKMAP" scan "$TARGET" -Pn -p "$PORTS" -q -o "$out.d"
    else
        bench_timed riskmap "$2" riskmap 8 "riskmap run $2" -- \
            "$RISKMAP" scan "$TARGET" -Pn -p "$PORTS" --no-udp -q -o "$out.d"
    fi
}

bench_banner "riskmap service-detection benchmark"
echo "lab: $n_lab services on $TARGET:"
sed 's/^/  /' "$work/lab-names.txt"
printf '%s' "$skipped"
echo "== $TARGET, TCP ports $PORTS$([ $udp = 1 ] && echo ", UDP ports $UDP_PORTS"), $RUNS runs each, alternating"
n=1
while [ $n -le "$RUNS" ]; do
    run nmap "$n"
    run riskmap "$n"
    n=$((n + 1))
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- the figures --------------------------------------------------------------------------
python3 "$root/bench/service_report.py" "$work" "$RUNS" "$GOAL"
