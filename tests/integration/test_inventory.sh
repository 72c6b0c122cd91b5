#!/bin/sh
# Package inventories (--inventory HOST=FILE) against REAL servers started here on
# 127.0.80.0/24 — Debian 12's sshd and nginx as installed — with the real-record feed of
# tests/fixtures/feeds/ (OSV Debian records, NVD, KEV) in this test's own RISKMAP_DATA_DIR.
#
# The inventories are this machine's own, real files:
#   status.txt  a copy of /var/lib/dpkg/status, unedited: openssh at 1:9.2p1-2+deb12u<N>,
#               past every Debian fix in the fixture feed;
#   below.txt   the output of `dpkg-query -W` with ONE EDIT, made here on purpose: the three
#               openssh binary packages' version is set to 1:9.2p1-2+deb12u2, a real Debian 12
#               revision which is past the fixes of CVE-2023-38408 (deb12u1) and
#               CVE-2023-48795 (deb12u2) but below that of CVE-2024-6387 (deb12u3);
#   below6.txt  the same edit on the six-column form docs/inventory.md recommends (source
#               package, source version and ${db:Status-Abbrev}: removed packages left out).
#
# Both sshds run with "DebianBanner no": they announce the upstream "OpenSSH_9.2p1" only, so the
# banner alone gives a patch.cve (confidence likely: 9.2p1 is inside NVD's ranges of all three
# CVEs). Then:
#   1. without inventories: patch.cve likely on both sshds, three CVEs each;
#   2. 127.0.80.1=below.txt: the banner finding becomes confirmed with CVE-2024-6387 only, the
#      other two in fixed_by_inventory; 127.0.80.2=status.txt: no patch.cve at all (the
#      installed package is fixed), and its patch.inventory finding says which banner CVEs the
#      inventory showed fixed; 127.0.80.3 (nginx only, sshd not exposed)=below.txt: a port-0
#      patch.cve confirmed for the openssh source package; every inventory finding carries
#      the file's path and its SHA-256 as sha256sum computes it;
#   3. the same through a client profile's <inventory> elements (status.txt with
#      format="dpkg-status"), and a missing inventory file is a usage error (exit 2);
#   4. a Windows hotfix list (a stand-in, see there) one cumulative update behind;
#   5. `riskmap inventory` (no scan) gives the same confirmed finding from the file alone, and
#      with end-of-life data the inventory's Debian release is judged as the host's system.
# The inventories sit in this test's work directory, mode 0700 and root's: the scans run as
# root and drop to nobody before the checks, so every confirmed finding below also shows the
# files were read before the drop.
# Every server is stopped by its PID (lib.sh's cleanup); every scan is bounded in time.
set -u
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/lab/servers.sh"
srv_init "$WORK/servers"

if [ "$(id -u)" != 0 ] || [ ! -x /usr/sbin/sshd ] || ! command -v dpkg-query > /dev/null; then
    skip "needs root, Debian's openssh-server and dpkg-query"
    finish
    exit $?
fi

sshd_plain() { # sshd_plain ADDR PORT: Debian's sshd announcing the upstream version only
    d=$SRV_WORK/sshd-$1-$2
    mkdir -p "$d"
    ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" < /dev/null
    cat > "$d/sshd_config" <<EOF
ListenAddress $1:$2
HostKey $d/host_key
PidFile $d/sshd-own.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
DebianBanner no
EOF
    mkdir -p /run/sshd
    srv_start "sshd-$1-$2" "$1" "$2" -- /usr/sbin/sshd -D -e -f "$d/sshd_config"
}
sshd_plain 127.0.80.1 2222 || skip "$SRV_WHY"
sshd_plain 127.0.80.2 2222 || skip "$SRV_WHY"
srv_nginx 127.0.80.3 8080 || skip "$SRV_WHY"
LAB_PIDS="$LAB_PIDS $SRV_PIDFILES" # lib.sh's cleanup stops each by its PID
if [ "$SKIPS" -gt 0 ]; then
    echo "a lab server did not start: nothing is asserted"
    finish
    exit $?
fi

export RISKMAP_DATA_DIR="$WORK/data"
FX="$ROOT/tests/fixtures/feeds"
run_riskmap feed import "$FX"/*.json > "$WORK/import.txt" 2>&1
check "fixture feed imported" test $? -eq 0

cp /var/lib/dpkg/status "$WORK/status.txt"
dpkg-query -W > "$WORK/real-W.txt"
# The one edit (see the header): openssh's binaries at deb12u2.
awk -F '\t' 'BEGIN { OFS = "\t" }
    $1 ~ /^openssh-(server|client|sftp-server)(:.*)?$/ { $2 = "1:9.2p1-2+deb12u2" } { print }' \
    "$WORK/real-W.txt" > "$WORK/below.txt"
check "below.txt: exactly the openssh lines differ from the real output" \
    test "$(diff "$WORK/real-W.txt" "$WORK/below.txt" | grep -c '^>')" -eq \
    "$(grep -cE '^openssh-(server|client|sftp-server)	' "$WORK/real-W.txt")"
dpkg-query -W -f='${binary:Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\t${db:Status-Abbrev}\n' \
    > "$WORK/real-6.txt"
awk -F '\t' 'BEGIN { OFS = "\t" }
    $1 ~ /^openssh-(server|client|sftp-server)(:.*)?$/ { $2 = "1:9.2p1-2+deb12u2"; $5 = $2 } { print }' \
    "$WORK/real-6.txt" > "$WORK/below6.txt"
sha_below=$(sha256sum "$WORK/below.txt" | cut -d' ' -f1)
sha_below6=$(sha256sum "$WORK/below6.txt" | cut -d' ' -f1)
sha_status=$(sha256sum "$WORK/status.txt" | cut -d' ' -f1)
npk_status=$(grep -c '^Status: \(install\|hold\) ok installed$' "$WORK/status.txt")

# fact LINE KEY: the value of one fact on a patch_findings line.
fact() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
scan() { # scan OUTDIR ARGS...
    out=$1; shift
    timeout 120 "$RISKMAP" scan 127.0.80.1-3 -p 2222,8080 --rate 0 -q --no-udp --checks patch \
        -o "$out" "$@" > "$out.txt" 2> "$out.err"
}

# 1.
scan "$WORK/out1"
check "scan 1 exits 0" test $? -eq 0
patch_findings "$WORK/out1/scan.json" > "$WORK/f1.txt"
for a in 127.0.80.1 127.0.80.2; do
    line=$(grep "^$a 2222 patch.cve " "$WORK/f1.txt")
    check "no inventory: $a upstream banner -> patch.cve likely" \
        test "$(fact "$line" confidence)" = likely
    check "  the three CVEs of NVD's ranges, worst first" \
        test "$(fact "$line" cves)" = "CVE-2023-38408,CVE-2024-6387,CVE-2023-48795"
done
check "no inventory: no patch.inventory finding" sh -c '! grep -q " patch.inventory " "$1"' - "$WORK/f1.txt"

# 2.
scan "$WORK/out2" --inventory "127.0.80.1=$WORK/below.txt" --inventory "127.0.80.2=$WORK/status.txt" \
    --inventory "127.0.80.3=$WORK/below6.txt"
check "scan 2 exits 0" test $? -eq 0
check "  the inventories were root-only (work directory 0700, root's)" \
    test "$(stat -c '%a %U' "$WORK")" = "700 root"
patch_findings "$WORK/out2/scan.json" > "$WORK/f2.txt"
check "scan 2: exactly the expected patch findings" test "$(awk '{print $1, $2, $3, $4}' "$WORK/f2.txt" | sort | tr '\n' ';')" = \
"127.0.80.1 0 patch.feed info;127.0.80.1 0 patch.feed.stale medium;127.0.80.1 0 patch.inventory info;127.0.80.1 2222 patch.cve high;127.0.80.2 0 patch.inventory info;127.0.80.3 0 patch.cve high;127.0.80.3 0 patch.inventory info;"

if python3 -c 'import jsonschema' 2>/dev/null; then
    python3 - "$ROOT/docs/scan-result.schema.json" "$WORK/out2/scan.json" <<'PY' > "$WORK/schema.txt" 2>&1
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
    check "scan.json with inventory findings validates against the schema" test $? -eq 0
fi
line=$(grep "^127.0.80.1 2222 patch.cve " "$WORK/f2.txt")
check "below: banner finding confirmed by the inventory" test "$(fact "$line" confidence)" = confirmed
check "  CVE-2024-6387 only" test "$(fact "$line" cves)" = CVE-2024-6387
check "  the other two fixed by the installed package" test "$(fact "$line" fixed_by_inventory)" = \
    "CVE-2023-38408_(Debian:12_1:9.2p1-2+deb12u1),CVE-2023-48795_(Debian:12_1:9.2p1-2+deb12u2)"
check "  installed_version from the inventory" test "$(fact "$line" installed_version)" = "1:9.2p1-2+deb12u2"
check "  package openssh, ecosystem Debian:12" \
    test "$(fact "$line" package) $(fact "$line" ecosystem)" = "openssh Debian:12"
check "  distro_fixed names Debian's fix" test "$(fact "$line" distro_fixed)" = "CVE-2024-6387_1:9.2p1-2+deb12u3"
check "  inventory path and SHA-256 (= sha256sum)" \
    test "$(fact "$line" inventory) $(fact "$line" inventory_sha256)" = "$WORK/below.txt $sha_below"
check "  CVSS from NVD's record (8.1)" test "$(fact "$line" cvss_max)" = 8.1

check "status: no patch.cve for the fixed host" sh -c '! grep -q "^127.0.80.2 [0-9]* patch.cve " "$1"' - "$WORK/f2.txt"
line=$(grep "^127.0.80.2 0 patch.inventory " "$WORK/f2.txt")
check "status: patch.inventory says the banner CVEs are fixed" test "$(fact "$line" banner_fixed_by_inventory)" = \
    "2222/tcp_OpenSSH_9.2p1:_CVE-2024-6387_(Debian:12_1:9.2p1-2+deb12u3),CVE-2023-38408_(Debian:12_1:9.2p1-2+deb12u1),CVE-2023-48795_(Debian:12_1:9.2p1-2+deb12u2)"
check "  read as dpkg-status, $npk_status installed packages, Debian:12 from the +deb markers" \
    test "$(fact "$line" inventory_format) $(fact "$line" packages) $(fact "$line" ecosystem) $(fact "$line" ecosystem_from)" = \
    "dpkg-status $npk_status Debian:12 +deb_markers"
check "  its path and SHA-256" \
    test "$(fact "$line" inventory) $(fact "$line" inventory_sha256)" = "$WORK/status.txt $sha_status"
check "  no affected package" test "$(fact "$line" affected_packages)" = 0

line=$(grep "^127.0.80.3 0 patch.cve " "$WORK/f2.txt")
check "nginx host: port-0 patch.cve for the installed openssh, confirmed" \
    test "$(fact "$line" confidence) $(fact "$line" package) $(fact "$line" cves)" = "confirmed openssh CVE-2024-6387"
check "  binary packages named" test "$(fact "$line" binary_packages)" = \
    "$(grep -oE '^openssh-(client|server|sftp-server)' "$WORK/below.txt" | sort | paste -sd, -)"
check "  fixed_version is Debian's" test "$(fact "$line" fixed_version)" = "1:9.2p1-2+deb12u3"
check "  inventory SHA-256" test "$(fact "$line" inventory_sha256)" = "$sha_below6"
line=$(grep "^127.0.80.3 0 patch.inventory " "$WORK/f2.txt")
check "  its patch.inventory: dpkg format, 1 affected package, the installed ones only" \
    test "$(fact "$line" inventory_format) $(fact "$line" affected_packages) $(fact "$line" packages) $(fact "$line" skipped_lines)" = \
    "dpkg 1 $npk_status $(awk -F '\t' 'substr($6, 2, 1) !~ /[iWt]/' "$WORK/below6.txt" | wc -l)"

# 3. The client profile.
cat > "$WORK/profile.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<profile xmlns="urn:riskmap:profile:1" version="1">
  <client id="inventory-test"><name>Inventory test</name></client>
  <site id="lab" name="Loopback lab"><scope>127.0.80.1-3</scope></site>
  <inventory host="127.0.80.1" file="below.txt"/>
  <inventory host="127.0.80.2" file="$WORK/status.txt" format="dpkg-status" os="Debian:12"/>
</profile>
EOF
timeout 120 "$RISKMAP" scan -p 2222,8080 --rate 0 -q --no-udp --checks patch --client "$WORK/profile.xml" \
    --no-evaluate -o "$WORK/out3" > "$WORK/out3.txt" 2> "$WORK/out3.err"
rc=$?
check "scan 3 (profile) exits 0" test $rc -eq 0
patch_findings "$WORK/out3/scan.json" > "$WORK/f3.txt"
line=$(grep "^127.0.80.1 2222 patch.cve " "$WORK/f3.txt")
check "profile: relative inventory path read, banner finding confirmed" \
    test "$(fact "$line" confidence) $(fact "$line" cves) $(fact "$line" inventory)" = "confirmed CVE-2024-6387 $WORK/below.txt"
line=$(grep "^127.0.80.2 0 patch.inventory " "$WORK/f3.txt")
check "profile: os given, not inferred" test "$(fact "$line" ecosystem_from)" = given
check "profile: 127.0.80.3 has no inventory" sh -c '! grep -q "^127.0.80.3 0 patch" "$1"' - "$WORK/f3.txt"

timeout 60 "$RISKMAP" scan 127.0.80.1 -p 2222 --rate 0 -q --checks patch -o "$WORK/out4" \
    --inventory "127.0.80.1=$WORK/no-such-file" > "$WORK/out4.txt" 2>&1
rc=$?
check "missing inventory file: exit 2, the file named" \
    sh -c 'test "$1" -eq 2 && grep -q "option --inventory: $2/no-such-file: No such file or directory" "$3"' \
    - "$rc" "$WORK" "$WORK/out4.txt"

timeout 60 "$RISKMAP" scan 127.0.80.1 -p 2222 --rate 0 --no-udp --checks patch --no-evaluate \
    -o "$WORK/out6" --inventory "127.0.80.7=$WORK/below.txt" > "$WORK/out6.txt" 2> "$WORK/out6.err"
check "an inventory about no host up: the scan says so" \
    grep -q "inventory 127.0.80.7=$WORK/below.txt: no such host up in this scan" "$WORK/out6.err"

# 4. A Windows hotfix list. No Windows machine is at hand, so this file is a STAND-IN written
# here in the exact shape Windows PowerShell 5.1's `Get-HotFix | ConvertTo-Csv > file` gives
# (#TYPE line, quoted columns, UTF-16LE with its byte order mark), listing the real February
# 2026 cumulative update of build 19045 (KB5075912) and not March's (KB5078885). It is
# attached to the nginx host's address only to have an asset in the scan.
python3 - "$WORK/hotfix.csv" <<'PY'
import sys
rows = ['#TYPE System.Management.ManagementObject#root\\cimv2\\Win32_QuickFixEngineering',
        '"PSComputerName","InstalledOn","Caption","CSName","Description","FixComments","HotFixID","InstallDate","InstalledBy"',
        '"FRONTDESK01","2/11/2026 12:00:00 AM","https://support.microsoft.com/help/5075912","FRONTDESK01","Security Update","","KB5075912","","NT AUTHORITY\\SYSTEM"',
        '"FRONTDESK01","1/14/2026 12:00:00 AM","https://support.microsoft.com/help/5073724","FRONTDESK01","Security Update","","KB5073724","","NT AUTHORITY\\SYSTEM"']
open(sys.argv[1], "wb").write(b"\xff\xfe" + "\r\n".join(rows).encode("utf-16-le") + "\r\n".encode("utf-16-le"))
PY
sha_hotfix=$(sha256sum "$WORK/hotfix.csv" | cut -d' ' -f1)
scan "$WORK/out5" --inventory "127.0.80.3=$WORK/hotfix.csv,build=19045"
check "scan 5 (hotfix list) exits 0" test $? -eq 0
patch_findings "$WORK/out5/scan.json" > "$WORK/f5.txt"
check "hotfix: exactly a patch.hotfix.missing and a patch.inventory on the host" \
    test "$(grep '^127.0.80.3 ' "$WORK/f5.txt" | awk '{print $2, $3, $4}' | sort | tr '\n' ';')" = \
    "0 patch.hotfix.missing high;0 patch.inventory info;"
line=$(grep "^127.0.80.3 0 patch.hotfix.missing " "$WORK/f5.txt")
check "  March's update required, February's the newest installed" \
    test "$(fact "$line" required_kb) $(fact "$line" required_date) $(fact "$line" installed_kb) $(fact "$line" installed_date)" = \
    "KB5078885 2026-03-10 KB5075912 2026-02-10"
check "  build, computer name, confidence, SHA-256 of the UTF-16 file" \
    test "$(fact "$line" os_build) $(fact "$line" computer) $(fact "$line" confidence) $(fact "$line" inventory_sha256)" = \
    "19045 FRONTDESK01 confirmed $sha_hotfix"
line=$(grep "^127.0.80.3 0 patch.inventory " "$WORK/f5.txt")
check "  patch.inventory: hotfix format, 2 hotfixes, status missing" \
    test "$(fact "$line" inventory_format) $(fact "$line" hotfixes) $(fact "$line" hotfix_status)" = "hotfix 2 missing"

# 5. Without a scan: riskmap inventory, the same judgement from the files alone (no traffic).
run_riskmap inventory --json --fail-on high "127.0.80.9=$WORK/below.txt" > "$WORK/offline.json" 2> "$WORK/offline.err"
rc=$?
check "riskmap inventory: exit 1 (a high finding, --fail-on high)" test $rc -eq 1
check "  findings: the feed's two, the confirmed openssh CVE, the inventory record" \
    test "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(";".join("%s %s %s" % (f["kind"], f["facts"].get("confidence", "-"), f["facts"].get("cves", "-")) for f in d["findings"]))' "$WORK/offline.json")" = \
    "patch.feed - -;patch.feed.stale - -;patch.cve confirmed CVE-2024-6387;patch.inventory - -"
# With end-of-life data (riskmap's shipped endoflife.date set) the inventory's Debian release
# is the host's operating system: Debian 12's security support ended on 2026-06-10.
RISKMAP_DATA_DIR="$WORK/data-eol" run_riskmap feed import --shipped > /dev/null 2>&1
RISKMAP_DATA_DIR="$WORK/data-eol" run_riskmap inventory --json "127.0.80.9=$WORK/status.txt" > "$WORK/offline-eol.json" 2>&1
check "riskmap inventory with EOL data: patch.eol for the inventory's Debian 12, seen in the inventory" \
    test "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(";".join("%s %s %s" % (f["facts"]["product_cycle"], f["facts"]["eol_date"], f["facts"]["seen_on"]) for f in d["findings"] if f["kind"] == "patch.eol"))' "$WORK/offline-eol.json")" = \
    "debian 12 2026-06-10 package inventory $WORK/status.txt"
run_riskmap inventory "web1=$WORK/below.txt" > "$WORK/offline2.txt" 2>&1
rc=$?
check "riskmap inventory: a host name is refused without a scan (exit 2)" \
    sh -c 'test "$1" -eq 2 && grep -q "without a scan HOST must be an address" "$2"' - "$rc" "$WORK/offline2.txt"

echo "$SKIPS skipped"
finish
