#!/bin/sh
# The advisory data built into riskmap (checks/data/nvd.json, osv.json and kev.json, real NVD,
# Debian and CISA records, see the README there) against REAL servers started here on
# 127.0.82.0/24: Debian 12's sshd, vsftpd, nginx and redis-server as installed.
#
#  1. `riskmap feed import --shipped` into an empty store loads the end-of-life bundle, 34 NVD
#     records, 334 OSV records and 6 KEV entries, each recorded as shipped:checks/data/FILE; `feed
#     info` shows them per source with the newest record; `feed match` gives the published
#     ranges' CVEs; a Debian 9 package list is judged by Debian's own record (no traffic).
#  2. A scan with that store alone: sshd ("OpenSSH_9.2p1 Debian-2+deb12u<N>") gets one
#     patch.cve with CVE-2024-6387, confidence possible-backport (a Debian build whose fix names
#     no CVE in the changelog), and CVE-2023-38408, CVE-2023-51385 and CVE-2025-26465 as
#     fixed_by_distro (Debian 12's records, made from openssh's changelog); vsftpd 3.0.3 gets CVE-2021-30047 and Redis 7.0.15 CVE-2025-49844,
#     likely (no distribution marker in what they send); nginx 1.22.1 is in none of the
#     shipped ranges: no patch.cve. The feed's own findings say how old the data is
#     (patch.feed, patch.feed.stale).
# Every server is stopped by its PID (lib.sh's cleanup); every scan is bounded in time.
set -u
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/lab/servers.sh"
srv_init "$WORK/servers"


# 1.
export RISKMAP_DATA_DIR="$WORK/data"
run_riskmap feed import --shipped > "$WORK/import.txt" 2>&1
check "feed import --shipped exits 0" test $? -eq 0
cat > "$WORK/import.want" <<'TXT'
shipped:checks/data/eol.json: eol, 204 release cycles, newest 2026-10-01T00:00:00Z
shipped:checks/data/nvd.json: nvd, 34 records, newest 2026-06-17T06:41:31Z
shipped:checks/data/osv.json: osv, 334 records, newest 2026-11-19T21:02:23Z
shipped:checks/data/kev.json: kev, 6 records, newest 2023-04-13T10:01:59Z
TXT
check "import: eol, 34 NVD records, 334 OSV records, 6 KEV entries" cmp -s "$WORK/import.txt" "$WORK/import.want"
run_riskmap feed info > "$WORK/info.txt" 2>&1
check "feed info: nvd 34 records, newest 2026-06-17T06:41:31Z, imported once" \
    grep -q "^nvd  *34  2026-06-17T06:41:31Z  .* 1$" "$WORK/info.txt"
check "feed info: kev 6 records" grep -q "^kev  *6  2023-04-13T10:01:59Z  .* 1$" "$WORK/info.txt"
check "feed info: eol 204 cycles" grep -q "^eol  *204  " "$WORK/info.txt"
check "feed info: osv 334 records (DSA-3029-1, DLA-3008-1, UBUNTU-CVE-2024-6387, Debian 12's changelogs)" \
    grep -q "^osv  *334  2026-11-19T21:02:23Z  .* 1$" "$WORK/info.txt"
printf '%s\n' "cpe openbsd:openssh 9.2p1" "cpe f5:nginx 1.22.1" "cpe f5:nginx 1.20.0" \
    "cpe apache:http_server 2.4.49" "cpe redis:redis 7.0.15" "cpe vsftpd_project:vsftpd 3.0.3" \
    "cpe exim:exim 4.91" "cpe samba:samba 4.17.12" |
    run_riskmap feed match - > "$WORK/match.txt" 2>&1
cat > "$WORK/match.want" <<'TXT'
cpe openbsd:openssh 9.2p1: CVE-2024-6387,CVE-2023-38408,CVE-2023-51385,CVE-2025-26465 (4)
cpe f5:nginx 1.22.1: -
cpe f5:nginx 1.20.0: CVE-2021-23017,CVE-2022-41741 (2)
cpe apache:http_server 2.4.49: CVE-2021-41773,CVE-2021-42013,CVE-2021-44790,CVE-2023-25690,CVE-2024-27316 (5)
cpe redis:redis 7.0.15: CVE-2025-49844 (1)
cpe vsftpd_project:vsftpd 3.0.3: CVE-2021-30047 (1)
cpe exim:exim 4.91: CVE-2019-10149 (1)
cpe samba:samba 4.17.12: -
TXT
check "feed match: the shipped ranges' CVEs" cmp -s "$WORK/match.txt" "$WORK/match.want"
# A Debian 9 host's package list (dpkg-query -W), judged from the file alone (no traffic; the
# address only names the host): DLA-3008-1 makes its openssl a confirmed CVE-2022-1292, and
# Debian 9 itself is past its end of life.
printf 'openssl\t1.1.0l-1~deb9u5\nlibssl1.1\t1.1.0l-1~deb9u5\n' > "$WORK/deb9.txt"
run_riskmap inventory --json "127.0.82.9=$WORK/deb9.txt" > "$WORK/deb9.json" 2> "$WORK/deb9.err"
check "inventory (Debian 9): confirmed CVE-2022-1292 in openssl, Debian 9 ended 2020-07-18" \
    test "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(";".join("%s %s %s" % (f["kind"], f["facts"].get("cves", f["facts"].get("product_cycle", "-")), f["facts"].get("confidence", f["facts"].get("eol_date", "-"))) for f in d["findings"]))' "$WORK/deb9.json")" = \
    "patch.feed - -;patch.feed.stale - -;patch.cve CVE-2022-1292 confirmed;patch.inventory - -;patch.eol debian 9 2020-07-18"
check "  fixed in 1.1.0l-1~deb9u6 (the record's range; the installed version is one it lists)" \
    test "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([f["facts"]["fixed_version"] for f in d["findings"] if f["kind"] == "patch.cve"])' "$WORK/deb9.json")" = \
    "['1.1.0l-1~deb9u6']"

# 2.
as sshd 127.0.82.1 2222 srv_sshd
as vsftpd 127.0.82.2 21 srv_vsftpd YES
as nginx 127.0.82.3 8080 srv_nginx
as redis 127.0.82.4 6379 srv_redis
LAB_PIDS="$LAB_PIDS $SRV_PIDFILES"
if [ -z "$STARTED" ]; then
    skip "no server could start: the scan part is not run"
    echo "$SKIPS skipped"
    finish
    exit $?
fi
PORTS=$(echo "$STARTED" | awk 'NF {print $3}' | sort -un | paste -sd, -)

# The patch findings but end of life, each line ending in a blank ("key=value " matches the
# last fact too).
cve_findings() {
    patch_findings "$1" > "$1.lines" && awk '$3 !~ /^patch\.eol/ {print $0 " "}' "$1.lines"
}
timeout 120 "$RISKMAP" scan 127.0.82.1-4 -p "$PORTS" --rate 0 -q --checks patch -o "$WORK/out" \
    > "$WORK/out.txt" 2> "$WORK/out.err"
check "scan exits 0" test $? -eq 0
cve_findings "$WORK/out/scan.json" > "$WORK/f.txt" || not_ok "scan.json unreadable"
if up sshd; then
    line=$(grep "^127.0.82.1 2222 patch.cve " "$WORK/f.txt")
    check "sshd (Debian 12): one patch.cve" test -n "$line"
    # NVD's ranges take four CVEs; Debian 12's records (openssh's changelog) fix three in
    # revisions this build is past; deb12u3, CVE-2024-6387's fix, names no CVE.
    check "  CVE-2024-6387 alone" sh -c 'echo "$1" | grep -q " cves=CVE-2024-6387 "' - "$line"
    check "  the other three fixed by Debian 12's revisions, said so" sh -c 'echo "$1" | grep -q " fixed_by_distro=CVE-2023-38408_(Debian:12_1:9.2p1-2+deb12u1),CVE-2023-51385_(Debian:12_1:9.2p1-2+deb12u2),CVE-2025-26465_(Debian:12_1:9.2p1-2+deb12u5) "' - "$line"
    check "  confidence possible-backport, distro Debian" \
        sh -c 'echo "$1" | grep -q " confidence=possible-backport .*distro=Debian "' - "$line"
    check "  medium (high 8.1, one level lower for the backport), no KEV" \
        sh -c 'echo "$1" | grep -q "^127.0.82.1 2222 patch.cve medium .*cvss_max=8.1 .*kev=no "' - "$line"
fi
if up vsftpd; then
    check "vsftpd 3.0.3: patch.cve CVE-2021-30047, likely, high" \
        grep -q "^127.0.82.2 21 patch.cve high .*confidence=likely .*cves=CVE-2021-30047 " "$WORK/f.txt"
fi
if up nginx; then
    check "nginx 1.22.1: no patch.cve" sh -c '! grep -q "^127.0.82.3 8080 patch.cve " "$1"' - "$WORK/f.txt"
fi
if up redis; then
    check "Redis 7.0.15: patch.cve CVE-2025-49844 (7.0 <= v < 7.2.11), likely" \
        grep -q "^127.0.82.4 6379 patch.cve [a-z]* .*confidence=likely .*cves=CVE-2025-49844 " "$WORK/f.txt"
fi
check "patch.feed: 368 advisories (34 NVD, 334 OSV), the NVD records' newest 2026-06-17T06:41:31Z" \
    grep -q " patch.feed info .*feed_newest=2026-06-17T06:41:31Z feed_records=368 " "$WORK/f.txt"
check "patch.feed.stale: the shipped NVD data is months old (the OSV records' age does not hide it)" grep -q " patch.feed.stale medium " "$WORK/f.txt"

echo "$SKIPS skipped"
finish
