#!/bin/sh
# Install every Debian package riskmap needs to build, test, demo and benchmark.
# Idempotent: packages already present are skipped, and nothing runs apt when all are there.
#
# Server packages (nginx, openssh-server, ...) are installed with a temporary
# /usr/sbin/policy-rc.d that refuses to start services: Debian's own instances would listen
# on 0.0.0.0, answer on every 127/8 address and pollute every scan. Tests start their own
# instances on chosen addresses.
set -eu

# Build: compiler, pkg-config and the libraries riskmap links.
BUILD="gcc make pkg-config libpcap-dev libssl-dev libxml2-dev libcjson-dev libsqlite3-dev
libpcre2-dev libarchive-dev"
# Test: unit test framework, libFuzzer (clang), sanitizer runtimes, valgrind, openssl CLI,
# python3 for loopback listeners, iproute2 for namespaces, rpm (its rpm.vercmp() is the
# reference the RPM version comparison is tested against; a tool, no service), oscap to
# validate XCCDF exports, sslscan (the TLS test compares its protocol and suite sets with
# riskmap's), sqlite3 (the register test checks the file with PRAGMA integrity_check after
# killing an update), librsvg2-bin (rsvg-convert renders the report's SVG charts in its test).
TEST="libcmocka-dev clang libclang-rt-14-dev valgrind openssl python3 python3-jsonschema iproute2 rpm
openscap-scanner sslscan sqlite3 librsvg2-bin"
# The backup check's integration test makes real repositories with these (no daemons).
BACKUP="restic borgbackup"
# Benchmarks compare against these anchors on the same lab (clients only: nothing to keep from
# starting).
BENCH="nmap nftables time testssl.sh"
# Service detection tests start these real servers themselves on chosen 127/8 addresses.
# freerdp2-shadow-x11 (FreeRDP's shadow server: RDP with CredSSP, which xrdp lacks) and xvfb
# (the X display it shares) ship no service: nothing starts on install.
SERVERS="openssh-server nginx-light redis-server memcached vsftpd samba xrdp slapd snmpd
dnsmasq-base chrony tigervnc-standalone-server tigervnc-tools freerdp2-shadow-x11 xvfb"

missing=""
for p in $BUILD $TEST $BACKUP $BENCH $SERVERS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing Debian packages:$missing" >&2
    echo "install-deps: not root; run as root or: sudo apt-get install$missing" >&2
    exit 1
fi

echo "install-deps: installing:$missing"
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# riskmap install-deps: keep services from starting on install\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

export DEBIAN_FRONTEND=noninteractive
# An old or absent package list makes apt-get install fail; update once per run.
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing

# Debian enables a server's service on install: on a box left at a client site it would start
# on 0.0.0.0 at the next boot. Disable the ones this run installed (never ones the
# administrator already had); the tests start their own instances.
for p in $missing; do
    case $p in
    openssh-server) svc=ssh ;;
    nginx | nginx-light) svc=nginx ;;
    redis-server) svc=redis-server ;;
    memcached) svc=memcached ;;
    vsftpd) svc=vsftpd ;;
    slapd) svc=slapd ;;
    snmpd) svc=snmpd ;;
    chrony) svc=chrony ;;
    samba) svc="smbd nmbd samba-ad-dc" ;; # smbd listens on 0.0.0.0:445 and :139
    xrdp) svc="xrdp xrdp-sesman" ;;       # xrdp listens on 0.0.0.0:3389
    *) continue ;; # dnsmasq-base, freerdp2-shadow-x11, xvfb: no service of their own
    esac
    for s in $svc; do
        if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
            systemctl disable --now "$s" >/dev/null 2>&1 || true
        elif command -v update-rc.d >/dev/null 2>&1; then
            update-rc.d "$s" disable >/dev/null 2>&1 || true
        fi
    done
done
echo "install-deps: done"
