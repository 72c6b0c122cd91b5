#!/bin/sh
# Service detection against REAL servers started here on 127.0.24.0/24, each with its own
# configuration, keys, pid and log files in the test's temporary directory: sshd (as root),
# nginx, redis-server, memcached, vsftpd and `openssl s_server` for TLS. A server that cannot
# start is skipped with a "skip - ..." line. The product and version riskmap reports for each
# port must equal what the server itself says (`nginx -v`, `redis-server --version`, ...).
# Every server is stopped by its PID (lib.sh's cleanup); every wait is bounded.
set -u
. "$(dirname "$0")/lib.sh"

BUSY=$(busy_ports | tr '\n' ' ')
WILD=$(wildcard_ports | tr '\n' ' ')
is_busy() { case " $BUSY " in *" $1 "*) return 0 ;; esac; return 1; }
SKIPS=0
skip() { SKIPS=$((SKIPS + 1)); echo "skip - $*"; }

# Registers a foreground server's PID with lib.sh's cleanup.
track() { # track NAME PID
    echo "$2" > "$WORK/$1.pid"
    LAB_PIDS="$LAB_PIDS $WORK/$1.pid"
}

# Waits (at most 5 s) until ADDR:PORT listens; 1 when it never does or the process died.
wait_listen() { # wait_listen NAME ADDR PORT
    i=0
    while [ $i -lt 100 ]; do
        if ss -Hltn "src $2:$3" 2>/dev/null | grep -q LISTEN; then return 0; fi
        kill -0 "$(cat "$WORK/$1.pid")" 2>/dev/null || return 1
        sleep 0.05; i=$((i + 1))
    done
    return 1
}

SERVERS="" # "name addr port" lines of the servers that started
started() { SERVERS="$SERVERS$1 $2 $3
"; }

start_server() { # start_server NAME ADDR PORT -- CMD...
    name=$1 addr=$2 port=$3; shift 4
    if is_busy "$port"; then skip "$name: port $port is already in use on this machine"; return; fi
    "$@" > "$WORK/$name.out" 2>&1 < /dev/null &
    track "$name" $!
    if wait_listen "$name" "$addr" "$port"; then
        started "$name" "$addr" "$port"
    else
        skip "$name did not start: $(tail -c 300 "$WORK/$name.out" | tr '\n' ' ')"
        kill "$(cat "$WORK/$name.pid")" 2>/dev/null || true
    fi
}

SBIN=/usr/sbin
EXPECT="$WORK/expect.txt" # addr port name product version (version "-" for none)
: > "$EXPECT"

# --- sshd: its own host key and configuration; must run as root ---
if [ "$(id -u)" != 0 ]; then
    skip "sshd: needs root"
elif [ ! -x $SBIN/sshd ]; then
    skip "sshd: openssh-server not installed (contrib/install-deps.sh)"
else
    ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh_host_key" < /dev/null
    cat > "$WORK/sshd_config" <<EOF
ListenAddress 127.0.24.1:2222
HostKey $WORK/ssh_host_key
PidFile $WORK/sshd-own.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
EOF
    mkdir -p /run/sshd
    start_server sshd 127.0.24.1 2222 -- $SBIN/sshd -D -e -f "$WORK/sshd_config"
    # The package's own account of itself: upstream version and Debian revision.
    v=$(dpkg-query -W -f='${Version}' openssh-server 2>/dev/null)
    v=${v#*:}
    echo "127.0.24.1 2222 ssh OpenSSH ${v%%-*} Debian ${v#*-}" >> "$EXPECT"
    # sshd -V names the release without the portable suffix: "OpenSSH_9.2, OpenSSL ..."
    SSHD_V=$($SBIN/sshd -V 2>&1 | sed -n 's/^OpenSSH_\([0-9.]*\).*/\1/p')
fi

# --- nginx: daemon off, its own pid, log and temp paths ---
if command -v $SBIN/nginx > /dev/null 2>&1; then
    mkdir -p "$WORK/www" "$WORK/nginx-tmp"
    echo riskmap > "$WORK/www/index.html"
    cat > "$WORK/nginx.conf" <<EOF
daemon off;
pid $WORK/nginx-own.pid;
error_log $WORK/nginx-error.log;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx-tmp; proxy_temp_path $WORK/nginx-tmp;
    fastcgi_temp_path $WORK/nginx-tmp; uwsgi_temp_path $WORK/nginx-tmp; scgi_temp_path $WORK/nginx-tmp;
    server { listen 127.0.24.2:8080; root $WORK/www; }
}
EOF
    start_server nginx 127.0.24.2 8080 -- $SBIN/nginx -c "$WORK/nginx.conf" -p "$WORK"
    v=$($SBIN/nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')
    echo "127.0.24.2 8080 http nginx $v" >> "$EXPECT"
else
    skip "nginx: not installed (contrib/install-deps.sh)"
fi

# --- redis-server: foreground, no persistence ---
if command -v redis-server > /dev/null 2>&1; then
    start_server redis 127.0.24.3 6379 -- redis-server --bind 127.0.24.3 --port 6379 \
        --daemonize no --save '' --appendonly no --dir "$WORK" --pidfile "$WORK/redis-own.pid"
    v=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')
    echo "127.0.24.3 6379 redis Redis_key-value_store $v" >> "$EXPECT"
else
    skip "redis-server: not installed (contrib/install-deps.sh)"
fi

# --- memcached: foreground, TCP only ---
if command -v memcached > /dev/null 2>&1; then
    start_server memcached 127.0.24.4 11211 -- memcached -u nobody -l 127.0.24.4 -p 11211 -U 0
    v=$(memcached -V | sed -n 's/^memcached \([0-9.]*\).*/\1/p')
    echo "127.0.24.4 11211 memcached memcached $v" >> "$EXPECT"
else
    skip "memcached: not installed (contrib/install-deps.sh)"
fi

# --- vsftpd: foreground (background=NO), anonymous into an empty directory ---
if [ "$(id -u)" != 0 ]; then
    skip "vsftpd: needs root"
elif [ -x $SBIN/vsftpd ]; then
    mkdir -p "$WORK/ftp-empty"
    cat > "$WORK/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.24.5
listen_port=2121
background=NO
anonymous_enable=YES
anon_root=$WORK/ftp-empty
ftp_username=nobody
local_enable=NO
write_enable=NO
secure_chroot_dir=$WORK/ftp-empty
xferlog_enable=NO
EOF
    start_server vsftpd 127.0.24.5 2121 -- $SBIN/vsftpd "$WORK/vsftpd.conf"
    # vsftpd -v writes its version to file descriptor 0.
    v=$($SBIN/vsftpd -v 0>&1 | sed -n 's/.*version \([0-9.]*\).*/\1/p')
    echo "127.0.24.5 2121 ftp vsftpd $v" >> "$EXPECT"
else
    skip "vsftpd: not installed (contrib/install-deps.sh)"
fi

# --- openssl s_server: TLS with a throw-away self-signed key, answering HTTP (-www) ---
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/tls.key" -out "$WORK/tls.crt" \
        -days 1 -subj /CN=riskmap-test < /dev/null > "$WORK/req.out" 2>&1; then
    start_server s_server 127.0.24.6 8443 -- openssl s_server -accept 127.0.24.6:8443 \
        -cert "$WORK/tls.crt" -key "$WORK/tls.key" -www -quiet
    echo "127.0.24.6 8443 https OpenSSL_s_server -" >> "$EXPECT"
else
    skip "openssl s_server: no key could be made"
fi

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

echo "# $SKIPS skip(s)"
finish
