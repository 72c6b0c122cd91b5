# Real servers for riskmap's tests and demo, each on a chosen loopback address with its own
# configuration, keys, pid and log files in a work directory: sshd (root only), nginx,
# redis-server, memcached, vsftpd (root only), `openssl s_server`, Samba's smbd (root only,
# port 445), xrdp (root only), FreeRDP's shadow server on Xvfb, OpenLDAP's slapd, TigerVNC's
# Xvnc, snmpd, dnsmasq and chronyd (UDP; root only for ports below 1024), and replay.py
# stand-ins for servers Debian does not package. Sourced, not run.
#
#   . tests/lab/servers.sh
#   srv_init "$WORK"                      # where configurations, logs and pid files go
#   srv_nginx 127.0.24.2 8080 || echo "skip - $SRV_WHY"
#   ...
#   srv_stop_all                          # stops exactly what srv_* started, by PID
#
# Every srv_* function returns 0 once the server listens (waiting at most 5 s), or 1 with the
# reason in SRV_WHY. SRV_STARTED lists "name addr port" lines of the servers that started.
# Only 127.0.0.0/8 addresses are accepted: these servers are for the local lab, nothing else.

SRV_SBIN=/usr/sbin
SRV_WORK=""
SRV_PIDFILES=""
SRV_STARTED=""
SRV_WHY=""

srv_init() { # srv_init DIR
    SRV_WORK=$1
    mkdir -p "$SRV_WORK"
}

srv_loopback() { # srv_loopback ADDR
    case $1 in
    127.*) return 0 ;;
    *) SRV_WHY="$1 is not a loopback address"; return 1 ;;
    esac
}

# Waits (at most 5 s) until ADDR:PORT listens; 1 when it never does or the process died.
srv_wait_listen() { # srv_wait_listen PID ADDR PORT
    i=0
    while [ $i -lt 100 ]; do
        # TCP listeners are LISTEN; bound UDP sockets (snmpd, dnsmasq, chronyd) are UNCONN.
        if ss -Hltun "src $2:$3" 2>/dev/null | grep -qE 'LISTEN|UNCONN'; then return 0; fi
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.05
        i=$((i + 1))
    done
    return 1
}

# srv_start NAME ADDR PORT -- CMD...: runs CMD in the foreground of a background job.
srv_start() {
    name=$1 addr=$2 port=$3
    shift 4
    srv_loopback "$addr" || return 1
    if ss -Hltn "sport = :$port" 2>/dev/null | grep -q LISTEN &&
        ss -Hltn "sport = :$port" 2>/dev/null | awk '{print $4}' | grep -qE "^(0\.0\.0\.0|\*|\[::\]|$addr):"; then
        SRV_WHY="$name: port $port is already in use for $addr"
        return 1
    fi
    "$@" > "$SRV_WORK/$name.out" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$SRV_WORK/$name.pid"
    SRV_PIDFILES="$SRV_PIDFILES $SRV_WORK/$name.pid"
    if srv_wait_listen "$pid" "$addr" "$port"; then
        SRV_STARTED="$SRV_STARTED$name $addr $port
"
        return 0
    fi
    SRV_WHY="$name did not start: $(tail -c 300 "$SRV_WORK/$name.out" | tr '\n' ' ')"
    kill "$pid" 2>/dev/null || true
    return 1
}

srv_stop_all() {
    for f in $SRV_PIDFILES; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
    for f in $SRV_PIDFILES; do
        i=0
        while [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && [ $i -lt 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
    done
    SRV_PIDFILES=""
}

srv_sshd() { # srv_sshd ADDR PORT
    [ "$(id -u)" = 0 ] || { SRV_WHY="sshd: needs root"; return 1; }
    [ -x $SRV_SBIN/sshd ] || { SRV_WHY="sshd: openssh-server not installed (contrib/install-deps.sh)"; return 1; }
    d=$SRV_WORK/sshd-$1-$2
    mkdir -p "$d"
    [ -f "$d/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" < /dev/null
    cat > "$d/sshd_config" <<EOF
ListenAddress $1:$2
HostKey $d/host_key
PidFile $d/sshd-own.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
EOF
    mkdir -p /run/sshd
    srv_start "sshd-$1-$2" "$1" "$2" -- $SRV_SBIN/sshd -D -e -f "$d/sshd_config"
}

srv_nginx() { # srv_nginx ADDR PORT
    [ -x $SRV_SBIN/nginx ] || { SRV_WHY="nginx: not installed (contrib/install-deps.sh)"; return 1; }
    d=$SRV_WORK/nginx-$1-$2
    mkdir -p "$d/www" "$d/tmp"
    echo riskmap > "$d/www/index.html"
    cat > "$d/nginx.conf" <<EOF
daemon off;
pid $d/nginx-own.pid;
error_log $d/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $d/tmp; proxy_temp_path $d/tmp;
    fastcgi_temp_path $d/tmp; uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
    server { listen $1:$2; root $d/www; }
}
EOF
    srv_start "nginx-$1-$2" "$1" "$2" -- $SRV_SBIN/nginx -c "$d/nginx.conf" -p "$d"
}

srv_redis() { # srv_redis ADDR PORT [EXTRA-ARGS...], e.g. --requirepass SECRET
    command -v redis-server > /dev/null 2>&1 || { SRV_WHY="redis-server: not installed (contrib/install-deps.sh)"; return 1; }
    a=$1 p=$2
    shift 2
    d=$SRV_WORK/redis-$a-$p
    mkdir -p "$d"
    srv_start "redis-$a-$p" "$a" "$p" -- redis-server --bind "$a" --port "$p" --daemonize no \
        --save '' --appendonly no --dir "$d" --pidfile "$d/redis-own.pid" "$@"
}

srv_memcached() { # srv_memcached ADDR PORT
    command -v memcached > /dev/null 2>&1 || { SRV_WHY="memcached: not installed (contrib/install-deps.sh)"; return 1; }
    srv_start "memcached-$1-$2" "$1" "$2" -- memcached -u nobody -l "$1" -p "$2" -U 0
}

srv_vsftpd() { # srv_vsftpd ADDR PORT [YES|NO: anonymous login, default YES]
    [ "$(id -u)" = 0 ] || { SRV_WHY="vsftpd: needs root"; return 1; }
    [ -x $SRV_SBIN/vsftpd ] || { SRV_WHY="vsftpd: not installed (contrib/install-deps.sh)"; return 1; }
    d=$SRV_WORK/vsftpd-$1-$2
    mkdir -p "$d/empty"
    # Anonymous sessions run as this user and start in its home: Debian's vsftpd package makes
    # "ftp" (home /srv/ftp); "nobody" has no home and anonymous login would fail.
    ftpuser=nobody
    getent passwd ftp > /dev/null 2>&1 && ftpuser=ftp
    cat > "$d/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$1
listen_port=$2
background=NO
anonymous_enable=${3:-YES}
anon_root=$d/empty
ftp_username=$ftpuser
local_enable=NO
write_enable=NO
secure_chroot_dir=$d/empty
xferlog_enable=NO
EOF
    srv_start "vsftpd-$1-$2" "$1" "$2" -- $SRV_SBIN/vsftpd "$d/vsftpd.conf"
}

srv_tls() { # srv_tls ADDR PORT: openssl s_server -www with a throw-away self-signed key
    d=$SRV_WORK/tls-$1-$2
    mkdir -p "$d"
    if ! openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/tls.key" -out "$d/tls.crt" \
            -days 1 -subj /CN=riskmap-lab < /dev/null > "$d/req.out" 2>&1; then
        SRV_WHY="openssl s_server: no key could be made"
        return 1
    fi
    srv_start "tls-$1-$2" "$1" "$2" -- openssl s_server -accept "$1:$2" -cert "$d/tls.crt" \
        -key "$d/tls.key" -www -quiet
}

srv_smbd() { # srv_smbd ADDR [OPTION=VALUE...]: Samba's smbd on ADDR:445, e.g.
    # "server min protocol = NT1" (SMB1 accepted), "server signing = mandatory"
    [ "$(id -u)" = 0 ] || { SRV_WHY="smbd: needs root (port 445)"; return 1; }
    [ -x $SRV_SBIN/smbd ] || { SRV_WHY="smbd: samba not installed (contrib/install-deps.sh)"; return 1; }
    a=$1
    shift
    d=$SRV_WORK/smbd-$a
    mkdir -p "$d/private" "$d/lock" "$d/state" "$d/cache" "$d/pid" "$d/share"
    {
        echo "[global]"
        echo "interfaces = $a/8" # an address/mask: lo holds only 127.0.0.1, the /8 is routed to it
        echo "bind interfaces only = yes"
        echo "smb ports = 445"
        echo "disable netbios = yes"
        echo "private dir = $d/private"
        echo "lock directory = $d/lock"
        echo "state directory = $d/state"
        echo "cache directory = $d/cache"
        echo "pid directory = $d/pid"
        echo "ncalrpc dir = $d/ncalrpc"
        echo "log file = $d/log.%m"
        echo "passdb backend = tdbsam:$d/private/passdb.tdb"
        echo "load printers = no"
        echo "printing = bsd"
        echo "printcap name = /dev/null"
        echo "disable spoolss = yes"
        for o in "$@"; do echo "$o"; done
        echo "[share]"
        echo "path = $d/share"
        echo "read only = yes"
    } > "$d/smb.conf"
    # Its own session and process group (setsid execs in place: the pid stays smbd's): smbd
    # ends by signalling its whole process group, which must not be the test's.
    srv_start "smbd-$a" "$a" 445 -- setsid $SRV_SBIN/smbd --foreground --no-process-group \
        --debug-stdout --configfile="$d/smb.conf"
}

srv_xrdp() { # srv_xrdp ADDR PORT [SECURITY_LAYER: negotiate (default), tls, rdp]
    [ "$(id -u)" = 0 ] || { SRV_WHY="xrdp: needs root (its key and pid file)"; return 1; }
    [ -x $SRV_SBIN/xrdp ] && [ -f /etc/xrdp/xrdp.ini ] ||
        { SRV_WHY="xrdp: not installed (contrib/install-deps.sh)"; return 1; }
    d=$SRV_WORK/xrdp-$1-$2
    mkdir -p "$d"
    # The package's configuration with our own listener, one process, no log file of its own.
    sed -e "s|^port=3389|port=tcp://$1:$2|" -e 's|^fork=true|fork=false|' \
        -e "s|^security_layer=.*|security_layer=${3:-negotiate}|" \
        -e 's|^LogFile=.*|LogFile=/dev/null|' -e 's|^EnableSyslog=.*|EnableSyslog=false|' \
        /etc/xrdp/xrdp.ini > "$d/xrdp.ini"
    srv_start "xrdp-$1-$2" "$1" "$2" -- setsid $SRV_SBIN/xrdp --nodaemon --config "$d/xrdp.ini"
}

srv_slapd() { # srv_slapd ADDR PORT [open|closed, default open]: OpenLDAP with one database,
    # suffix dc=example,dc=org, holding only its base entry. open: slapd's default access (anyone
    # reads); closed: only bound users read the database (the root DSE stays readable).
    [ -x $SRV_SBIN/slapd ] || { SRV_WHY="slapd: not installed (contrib/install-deps.sh)"; return 1; }
    suffix=dc=example,dc=org
    acl=""
    [ "${3:-open}" = closed ] && acl="access to * by users read by anonymous auth"
    d=$SRV_WORK/slapd-$1-$2
    rm -rf "$d"
    mkdir -p "$d/db"
    cat > "$d/slapd.conf" <<EOF2
include /etc/ldap/schema/core.schema
pidfile $d/slapd-own.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "$suffix"
directory $d/db
maxsize 10485760
$acl
EOF2
    dc=$(echo "$suffix" | sed -n 's/^dc=\([^,]*\).*/\1/p')
    printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: %s\no: riskmap lab\n' \
        "$suffix" "$dc" > "$d/base.ldif"
    if ! $SRV_SBIN/slapadd -f "$d/slapd.conf" -l "$d/base.ldif" > "$d/slapadd.out" 2>&1; then
        SRV_WHY="slapd: slapadd failed: $(tail -c 200 "$d/slapadd.out" | tr '\n' ' ')"
        return 1
    fi
    # -d 0: stay in the foreground (our pid is slapd's), log nothing.
    srv_start "slapd-$1-$2" "$1" "$2" -- $SRV_SBIN/slapd -d 0 -f "$d/slapd.conf" -h "ldap://$1:$2/"
}

srv_replay() { # srv_replay NAME ADDR PORT tds|mongo FILE: tests/lab/replay.py, a stand-in that
    # plays back recorded answers, for servers Debian 12 does not package (MS SQL, MongoDB).
    # It ends by itself after SRV_REPLAY_LIFETIME seconds (default 300).
    srv_start "replay-$1-$2-$3" "$2" "$3" -- python3 "${ROOT:-.}/tests/lab/replay.py" \
        --framing "$4" --pidfile "$SRV_WORK/replay-$1-$2-$3.own.pid" \
        --lifetime "${SRV_REPLAY_LIFETIME:-300}" "$2:$3" "$5"
}

srv_snmpd() { # srv_snmpd ADDR [PORT, default 161] [COMMUNITY, default public]: Net-SNMP's
    # agent on ADDR:PORT/udp only, read-only community COMMUNITY, no other configuration read.
    [ -x $SRV_SBIN/snmpd ] || { SRV_WHY="snmpd: not installed (contrib/install-deps.sh)"; return 1; }
    p=${2:-161}
    d=$SRV_WORK/snmpd-$1-$p
    mkdir -p "$d/persist"
    printf 'agentAddress udp:%s:%s\nrocommunity %s default\nsysLocation riskmap lab\n' \
        "$1" "$p" "${3:-public}" > "$d/snmpd.conf"
    # -C: this file only; -f: foreground; -Lf: log to a file; persistent state in $d.
    SNMP_PERSISTENT_DIR="$d/persist" srv_start "snmpd-$1-$p" "$1" "$p" -- $SRV_SBIN/snmpd -f -C \
        -c "$d/snmpd.conf" -Lf "$d/snmpd.log" -p "$d/snmpd-own.pid"
}

srv_dnsmasq() { # srv_dnsmasq ADDR [PORT, default 53]: dnsmasq (from dnsmasq-base: no service,
    # no system configuration) answering on ADDR:PORT only, no upstream, no hosts file.
    command -v dnsmasq > /dev/null 2>&1 || { SRV_WHY="dnsmasq: not installed (contrib/install-deps.sh)"; return 1; }
    p=${2:-53}
    d=$SRV_WORK/dnsmasq-$1-$p
    mkdir -p "$d"
    # --bind-dynamic: bind exactly ADDR (never the wildcard, which would answer on every 127/8
    # address of every other test); ADDR need not be configured on lo.
    srv_start "dnsmasq-$1-$p" "$1" "$p" -- dnsmasq --keep-in-foreground --conf-file=/dev/null \
        --listen-address="$1" --bind-dynamic --port="$p" --no-resolv --no-hosts --no-poll \
        --pid-file="$d/dnsmasq-own.pid" --user=nobody --group=nogroup --log-facility="$d/log"
}

srv_chronyd() { # srv_chronyd ADDR: chrony as an NTP server on ADDR:123/udp only, serving its own
    # clock at stratum 8 ("local stratum 8"), never setting the system clock (-x).
    [ "$(id -u)" = 0 ] || { SRV_WHY="chronyd: needs root (port 123)"; return 1; }
    [ -x $SRV_SBIN/chronyd ] || { SRV_WHY="chronyd: chrony not installed (contrib/install-deps.sh)"; return 1; }
    d=$SRV_WORK/chronyd-$1
    mkdir -p "$d"
    chmod 755 "$d"
    cat > "$d/chrony.conf" <<EOF2
bindaddress $1
port 123
allow 127.0.0.0/8
local stratum 8
cmdport 0
pidfile $d/chronyd-own.pid
EOF2
    srv_start "chronyd-$1" "$1" 123 -- $SRV_SBIN/chronyd -d -x -f "$d/chrony.conf"
}

srv_freerdp_shadow() { # srv_freerdp_shadow ADDR PORT DISPLAY: FreeRDP's shadow server
    # (freerdp2-shadow-x11) on ADDR:PORT only, sharing a headless Xvfb on DISPLAY (no X TCP
    # listener), NLA only (/sec:nla: its Connection Confirm selects CredSSP). No SAM file, so
    # nobody can log in; the NTLM CHALLENGE comes before any credential. HOME is its directory
    # here: the certificate it makes on first start goes there, not into root's home.
    [ -x /usr/bin/freerdp-shadow-cli ] ||
        { SRV_WHY="freerdp-shadow-cli: freerdp2-shadow-x11 not installed (contrib/install-deps.sh)"; return 1; }
    [ -x /usr/bin/Xvfb ] || { SRV_WHY="Xvfb: xvfb not installed (contrib/install-deps.sh)"; return 1; }
    [ -e "/tmp/.X$3-lock" ] && { SRV_WHY="Xvfb: display :$3 is in use"; return 1; }
    srv_loopback "$1" || return 1
    d=$SRV_WORK/freerdp-shadow-$1-$2
    mkdir -p "$d"
    # -displayfd: Xvfb writes its display number there once it serves clients. Its socket
    # exists earlier, and a client let in before the screen is set up reads a colour depth
    # of 0 (FreeRDP then refuses to start: seen under load).
    : > "$d/xvfb.ready"
    /usr/bin/Xvfb ":$3" -nolisten tcp -screen 0 640x480x24 -displayfd 3 3> "$d/xvfb.ready" \
        > "$d/xvfb.out" 2>&1 < /dev/null &
    echo "$!" > "$d/xvfb.pid"
    SRV_PIDFILES="$SRV_PIDFILES $d/xvfb.pid"
    i=0
    while [ ! -s "$d/xvfb.ready" ] || [ ! -S "/tmp/.X11-unix/X$3" ]; do
        if ! kill -0 "$(cat "$d/xvfb.pid")" 2>/dev/null || [ $i -ge 100 ]; then
            SRV_WHY="Xvfb :$3 did not start: $(tail -c 300 "$d/xvfb.out" | tr '\n' ' ')"
            return 1
        fi
        sleep 0.05
        i=$((i + 1))
    done
    # Now and then (1 start in 12 once, under load more often) FreeRDP reads the X server's
    # colour depth as 0 and gives up at once, though Xvfb is the same and ready; another start
    # works. Three tries.
    for try in 1 2 3; do
        srv_start "freerdp-shadow-$1-$2" "$1" "$2" -- env HOME="$d" XDG_CONFIG_HOME="$d/config" \
            DISPLAY=":$3" /usr/bin/freerdp-shadow-cli "/bind-address:$1" "/port:$2" /sec:nla &&
            return 0
        case $SRV_WHY in *"color depth: 0"*) ;; *) return 1 ;; esac
        sleep 0.2
    done
    return 1
}

srv_xvnc() { # srv_xvnc ADDR PORT DISPLAY [None|VncAuth, default None]: TigerVNC's Xvnc, a
    # headless X server with a VNC server, on ADDR:PORT only (no X TCP listener; its X socket
    # is /tmp/.X11-unix/XDISPLAY). VncAuth uses a password file made here.
    [ -x /usr/bin/Xvnc ] || { SRV_WHY="Xvnc: tigervnc-standalone-server not installed (contrib/install-deps.sh)"; return 1; }
    [ -e "/tmp/.X$3-lock" ] && { SRV_WHY="Xvnc: display :$3 is in use"; return 1; }
    d=$SRV_WORK/xvnc-$1-$2
    mkdir -p "$d"
    sec=${4:-None}
    pw=""
    if [ "$sec" = VncAuth ]; then
        echo "riskmap-lab-$$" | vncpasswd -f > "$d/passwd" 2> /dev/null ||
            { SRV_WHY="Xvnc: vncpasswd (tigervnc-tools) failed"; return 1; }
        chmod 600 "$d/passwd"
        pw="-PasswordFile=$d/passwd"
    fi
    srv_start "xvnc-$1-$2" "$1" "$2" -- /usr/bin/Xvnc ":$3" -interface "$1" -rfbport "$2" \
        -SecurityTypes "$sec" $pw -nolisten tcp -geometry 640x480 -depth 16
}
