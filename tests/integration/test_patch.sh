#!/bin/sh
# The patch check against REAL servers started here on 127.0.35.0/24 — Debian 12's sshd,
# nginx and redis-server as installed — with the real-record feed of tests/fixtures/feeds/
# (see the README there) in this test's own RISKMAP_DATA_DIR.
#
#  1. The lab's sshd announces a Debian build ("OpenSSH_9.2p1 Debian-2+deb12u<N>"). Its
#     upstream version 9.2p1 is inside the NVD ranges of CVE-2024-6387, CVE-2023-38408 and
#     CVE-2023-48795, but Debian's own records say the build is past every fix: no patch.cve
#     finding (a distro-patched banner is not a plain vulnerability). nginx 1.22.1 and Redis
#     7.0.15 are inside none of the fixture ranges: no finding either. The feed's findings
#     (patch.feed, and patch.feed.stale: the fixtures are from July 2024) are there.
#  2. One hand-written OSV record, NOT a real advisory and named so (DEBIAN-TEST-...), claims
#     Debian fixed CVE-2024-6387 only in 1:9.2p1-2+deb12u99: the same real banner must then
#     give a patch.cve confirmed against Debian's revision, with the package version read from
#     the banner equal to what dpkg says is installed.
#  3. Without a feed: one patch.feed.missing finding, nothing else from the check.
# Every server is stopped by its PID (lib.sh's cleanup); every scan is bounded in time.
set -u
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/lab/servers.sh"
srv_init "$WORK/servers"


as sshd 127.0.35.1 2222 srv_sshd
as nginx 127.0.35.2 8080 srv_nginx
as redis 127.0.35.3 6379 srv_redis
LAB_PIDS="$LAB_PIDS $SRV_PIDFILES"
if [ -z "$STARTED" ]; then
    skip "no server could start; nothing to test"
    finish
    exit $?
fi
PORTS=$(echo "$STARTED" | awk 'NF {print $3}' | sort -un | paste -sd, -)

export RISKMAP_DATA_DIR="$WORK/data"
FX="$ROOT/tests/fixtures/feeds"
run_riskmap feed import "$FX"/*.json > "$WORK/import.txt" 2>&1
check "fixture feed imported" test $? -eq 0

scan() { # scan OUTDIR
    timeout 120 "$RISKMAP" scan 127.0.35.1-3 -p "$PORTS" --rate 0 -q --checks patch -o "$1" \
        > "$1.txt" 2> "$1.err"
}

# 1.
scan "$WORK/out1"
check "scan 1 exits 0" test $? -eq 0
patch_findings "$WORK/out1/scan.json" > "$WORK/f1.txt" || not_ok "scan.json unreadable"
check "no patch.cve on the distro-patched, current lab servers" \
    sh -c '! grep -q " patch.cve " "$1"' - "$WORK/f1.txt"
check "patch.feed: 27 advisories loaded" grep -q " patch.feed info .*feed_records=27" "$WORK/f1.txt"
check "patch.feed.stale: newest record 2024-07-01T19:15:04Z" \
    grep -q " patch.feed.stale medium .*feed_newest=2024-07-01T19:15:04Z" "$WORK/f1.txt"
check "feed findings once per scan" test "$(grep -c ' patch.feed' "$WORK/f1.txt")" -eq 2
if python3 -c 'import jsonschema' 2>/dev/null; then
    python3 - "$ROOT/docs/scan-result.schema.json" "$WORK/out1/scan.json" <<'PY' > "$WORK/schema.txt" 2>&1
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
    check "scan.json with patch findings validates against the schema" test $? -eq 0
fi

# 2.
if up sshd; then
    installed=$(dpkg-query -W -f='${Version}' openssh-server 2>/dev/null)
    cat > "$WORK/test-record.json" <<'JSON'
{"id": "DEBIAN-TEST-NOT-A-REAL-ADVISORY", "modified": "2024-07-01T00:00:00Z",
 "upstream": ["CVE-2024-6387"],
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssh"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:9.2p1-2+deb12u99"}]}]}]}
JSON
    run_riskmap feed import "$WORK/test-record.json" > /dev/null 2>&1
    scan "$WORK/out2"
    check "scan 2 exits 0" test $? -eq 0
    patch_findings "$WORK/out2/scan.json" > "$WORK/f2.txt"
    line=$(grep "^127.0.35.1 2222 patch.cve " "$WORK/f2.txt")
    check "real banner + Debian record not past: patch.cve on sshd" test -n "$line"
    check "  confidence likely (confirmed against Debian's revision)" \
        sh -c 'echo "$1" | grep -q " confidence=likely "' - "$line"
    check "  CVE-2024-6387 only (the others fixed by the distribution)" \
        sh -c 'echo "$1" | grep -q " cves=CVE-2024-6387 "' - "$line"
    check "  package version from the banner = dpkg's ($installed)" \
        sh -c 'echo "$1" | grep -q " distro_package_version=$2 "' - "$line" "$installed"
    check "  distro_fixed names the record's fix" \
        sh -c 'echo "$1" | grep -q " distro_fixed=CVE-2024-6387_1:9.2p1-2+deb12u99 "' - "$line"
    check "  fixed_by_distro lists the real DSAs" \
        sh -c 'echo "$1" | grep -q "fixed_by_distro=CVE-2023-38408_(Debian:12_1:9.2p1-2+deb12u1),CVE-2023-48795_(Debian:12_1:9.2p1-2+deb12u2)"' - "$line"
else
    skip "sshd did not start: the real-banner confirmation case is not run"
fi

# 3.
export RISKMAP_DATA_DIR="$WORK/empty"
mkdir -p "$RISKMAP_DATA_DIR"
scan "$WORK/out3"
check "scan 3 exits 0" test $? -eq 0
patch_findings "$WORK/out3/scan.json" > "$WORK/f3.txt"
check "no feed: exactly one patch.feed.missing (info)" \
    sh -c 'test "$(wc -l < "$1")" -eq 1 && grep -q " patch.feed.missing info " "$1"' - "$WORK/f3.txt"

echo "$SKIPS skipped"
finish
