#!/bin/sh
# integration: about 50 s
# `riskmap scan --client PROFILE` (127.0.74.0/24): the profile's scope is scanned and its
# exclusions never touched (the excluded listener's connection log stays empty); its backup
# sources are judged; its CA bundle makes a TLS service signed by the client's own CA trusted
# (a real openssl s_server; without the profile the same service is untrusted); its policies
# evaluate the findings at the end of the scan and the policy results are in scan.json; the
# default data directory is $RISKMAP_DATA_ROOT/CLIENT-ID; the command line overrides (targets,
# --policy, --no-evaluate).
set -u
. "$(dirname "$0")/lib.sh"

NET=127.0.74
BUSY=" $(busy_ports | tr '\n' ' ') "
P=27401; T=27443
case "$BUSY" in *" $P "*|*" $T "*) P=27411; T=27453 ;; esac

# The client's own CA and a server certificate it signed for 127.0.74.1.
PKI="$WORK/pki"; mkdir -p "$PKI"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.pem" -days 365 \
    -subj "/CN=Test Client Internal CA" > /dev/null 2>&1
openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/srv.key" -out "$PKI/srv.csr" \
    -subj "/CN=$NET.1" > /dev/null 2>&1
printf 'subjectAltName=IP:%s.1\nbasicConstraints=CA:FALSE\n' "$NET" > "$PKI/ext.cnf"
openssl x509 -req -in "$PKI/srv.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 200 -extfile "$PKI/ext.cnf" -out "$PKI/srv.pem" > /dev/null 2>&1
check "test PKI made" [ -s "$PKI/srv.pem" ]

timeout 300 openssl s_server -quiet -accept "$NET.1:$T" -cert "$PKI/srv.pem" -key "$PKI/srv.key" \
    -www > /dev/null 2>&1 &
echo $! > "$WORK/s_server.pid"
LAB_PIDS="$LAB_PIDS $WORK/s_server.pid"
lab_start lab "$NET.1:$P" "$NET.2:$P"
lab_start excluded "$NET.3:$P"
i=0
while ! ss -Hltn "sport = :$T" | grep -q "$NET.1"; do
    sleep 0.1; i=$((i + 1)); [ $i -lt 100 ] || break
done

# Backups: a fresh archive in a directory source, a marker three days old (RPO 24 h).
mkdir -p "$WORK/backups"
head -c 4096 /dev/urandom > "$WORK/backups/files-1.tar"
touch "$WORK/usb-rotation"
touch -d "3 days ago" "$WORK/usb-rotation"

cat > "$WORK/profile.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<profile xmlns="urn:riskmap:profile:1" version="1" default-criticality="medium">
  <client id="test-client-74"><name>Loopback Test Client</name></client>
  <site id="lab" name="Loopback lab">
    <scope>$NET.1-4</scope>
    <exclude reason="vendor forbids scanning">$NET.3</exclude>
  </site>
  <asset-group id="servers" name="Servers" criticality="critical" owner="Alice">
    <member>$NET.1</member>
  </asset-group>
  <asset-group id="phones" name="Phone system" criticality="critical" owner="Bob">
    <member>$NET.4</member>
  </asset-group>
  <backup name="file-archive" type="directory" location="$WORK/backups" pattern="*.tar"
          asset="$NET.1" rpo-hours="24"/>
  <backup name="usb-rotation" type="marker" location="$WORK/usb-rotation" asset="$NET.2"
          rpo-hours="24"/>
  <policies>
    <policy ref="baseline"/>
    <policy ref="hipaa"/>
  </policies>
  <ca-bundle path="pki/ca.pem"/>
</profile>
XML

scan() { # scan ARGS...: the profile's scan, bounded
    timeout 120 "$RISKMAP" scan --client "$WORK/profile.xml" -p "$P,$T" --no-udp "$@"
}
# jq-free JSON questions: py EXPR FILE (the document is d)
py() { python3 -c "import json, sys; d = json.load(open(sys.argv[2])); print($1)" "$1" "$2"; }

# 1. The profile's scan into an explicit data directory.
D="$WORK/data"
scan --data-dir "$D" > "$WORK/s1.out" 2> "$WORK/s1.err"
rc=$?
check "client scan exits 0 (rc $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || cat "$WORK/s1.err"
J="$D/latest/scan.json"
check "scan.json committed in the data directory" [ -f "$J" ]
check "targets are the profile's scope" \
    [ "$(py '",".join(d["scan"]["scope"]["targets"])' "$J")" = "$NET.1-4" ]
check "the exclusion is recorded" \
    [ "$(py '",".join(d["scan"]["scope"]["exclusions"])' "$J")" = "$NET.3" ]
check "hosts: every scope address but the excluded one (loopback answers them all)" \
    [ "$(py '" ".join(h["address"] for h in d["hosts"])' "$J")" = "$NET.1 $NET.2 $NET.4" ]
lab_stop excluded
check "the excluded address received no connection" \
    sh -c '! grep -q "^$1 " "$2"' _ "$NET.3" "$WORK/excluded.log"

check "backup source file-archive judged ok" \
    [ "$(py 'len([f for f in d["findings"] if f["kind"] == "backup.ok" and "file-archive" in json.dumps(f)])' "$J")" = 1 ]
check "backup source usb-rotation stale (3 days > 24 h)" \
    [ "$(py 'len([f for f in d["findings"] if f["kind"] == "backup.stale" and "usb-rotation" in json.dumps(f)])' "$J")" = 1 ]

check "a critical asset group no backup source names is backup.missing" \
    [ "$(py '[f["facts"].get("asset") for f in d["findings"] if f["kind"] == "backup.missing"]' "$J")" = "['phones']" ]

UNTRUSTED='len([f for f in d["findings"] if f["kind"] in ("tls.cert.untrusted", "tls.cert.self-signed", "tls.cert.incomplete-chain")])'
TLSANY='len([f for f in d["findings"] if f["kind"].startswith("tls.")])'
check "the TLS service was checked" [ "$(py "$TLSANY" "$J")" -ge 1 ]
check "chained to the profile's CA bundle: trusted" [ "$(py "$UNTRUSTED" "$J")" = 0 ]

check "policy results are in scan.json" \
    [ "$(py 'd["evaluation"]["format"]' "$J")" = "riskmap-policy-evaluation" ]
check "... for the profile's policies (baseline, hipaa)" \
    [ "$(py '",".join(sorted(p["id"] for p in d["evaluation"]["policies"]))' "$J")" = "baseline,hipaa" ]
check "... with a HIPAA framework summary" \
    [ "$(py 'len([f for f in d["evaluation"]["frameworks"] if f["id"] == "hipaa"])' "$J")" = 1 ]
check "... and the stale backup fails a control" [ "$(py '[c["status"] for c in d["evaluation"]["controls"] if any(d["findings"][i]["kind"] == "backup.stale" for r in c["rules"] for i in r["failing"])][:1]' "$J")" = "['fail']" ]
check "the summary prints compliance per framework" \
    grep -q "^riskmap: HIPAA Security Rule.*: [0-9]* of [0-9]* item(s) checked: [0-9]* pass, [0-9]* fail" "$WORK/s1.out"
grep -q "^riskmap: HIPAA" "$WORK/s1.out" || { head -c 3000 "$WORK/s1.out"; head -c 600 "$J"; }

# The scan is recorded in the client's risk register (by root's committer when root).
check "the register is in the data directory, 0600" \
    sh -c '[ -f "$1/register.db" ] && [ "$(stat -c %a "$1/register.db")" = 600 ]' _ "$D"
check "the run says what the register did" grep -q "register: [0-9]* new" "$WORK/s1.out"
"$RISKMAP" register list --data-dir "$D" --status open > "$WORK/reg1.txt" 2>&1
check "the stale backup is an open risk in the register" grep -q "usb-rotation" "$WORK/reg1.txt"
touch "$WORK/usb-rotation"   # a fresh rotation: the stale-backup risk goes away
scan --data-dir "$D" > "$WORK/s1b.out" 2>&1
"$RISKMAP" register list --data-dir "$D" --status resolved > "$WORK/reg2.txt" 2>&1
check "the second scan resolves it" grep -q "usb-rotation" "$WORK/reg2.txt"
check "... and says so" grep -q "register: [0-9]* new, [0-9]* still open, 1 resolved\|1 resolved" "$WORK/s1b.out"
grep -q "1 resolved" "$WORK/s1b.out" || { cat "$WORK/s1b.out"; cat "$WORK/reg1.txt" "$WORK/reg2.txt"; }

# The client report from the register: trend over both scans, register CSV and JSON.
"$RISKMAP" report --data-dir "$D" -c "$WORK/profile.xml" -o "$WORK/report" --format html,json,csv \
    > "$WORK/rep.out" 2> "$WORK/rep.err"
check "report --data-dir exits 0" [ $? -eq 0 ]
check "... writes report.html, register.csv, register.json, roadmap.json" sh -c '
    for f in report.html register.csv register.json roadmap.json; do [ -s "$1/$f" ] || exit 1; done' _ "$WORK/report"
check "the register JSON has both scans in its trend and the resolved risk" [ "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = d.get("trend") or []
print(len(t) == 2 and any(r.get("status") == "resolved" for r in d["risks"]))' "$WORK/report/register.json")" = True ]
check "the HTML draws the trend chart (and no single-scan note)" sh -c '
    ! grep -q "id=\"single-scan\"" "$1" && grep -q "<svg id=\"chart-trend\"" "$1"' _ "$WORK/report/report.html"
check "register.csv starts with a UTF-8 BOM and a header" sh -c '
    head -c 3 "$1" | od -An -tx1 | grep -q "ef bb bf"' _ "$WORK/report/register.csv"

# Evidence for the auditor: the bundle of the latest scan lands in the client's directory.
RISKMAP_DATA_DIR="$WORK/keys" "$RISKMAP" evidence export --data-dir "$D" --framework hipaa \
    > "$WORK/ev.out" 2>&1
check "evidence export --data-dir writes into DIR/evidence" sh -c '
    ls "$1"/evidence/riskmap-evidence-*.tar.gz > /dev/null 2>&1' _ "$D"
RISKMAP_DATA_DIR="$WORK/keys" "$RISKMAP" evidence verify "$D"/evidence/riskmap-evidence-*.tar.gz \
    > /dev/null 2>&1
check "... and it verifies" [ $? -eq 0 ]

# 2. The same evaluation offline gives the same control statuses.
"$RISKMAP" policy eval --client "$WORK/profile.xml" --json "$J" > "$WORK/eval.json" 2>/dev/null
check "offline evaluation agrees with the scan's" [ "$(python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["evaluation"]; b = json.load(open(sys.argv[2]))
st = lambda e: sorted((c["policy"], c["id"], c["status"]) for c in e["controls"])
print(st(a) == st(b))' "$J" "$WORK/eval.json")" = True ]

# 3. Without the profile the client's CA is unknown: the same service is untrusted.
timeout 120 "$RISKMAP" scan "$NET.1" -p "$T" --no-udp -o "$WORK/plain" > /dev/null 2>&1
check "without the profile's CA bundle the chain is untrusted" \
    [ "$(py "$UNTRUSTED" "$WORK/plain/scan.json")" -ge 1 ]
check "a plain scan is evaluated against the baseline" \
    [ "$(py '",".join(p["id"] for p in d["evaluation"]["policies"])' "$WORK/plain/scan.json")" = baseline ]

# 4. Overrides: targets, --policy, --no-evaluate; the default data directory.
RISKMAP_DATA_ROOT="$WORK/root" scan "$NET.2" --policy cis-v8 > /dev/null 2> "$WORK/s4.err"
J4="$WORK/root/test-client-74/latest/scan.json"
check "default data directory is \$RISKMAP_DATA_ROOT/CLIENT-ID" [ -f "$J4" ]
check "targets on the command line replace the scope" \
    [ "$(py '",".join(d["scan"]["scope"]["targets"])' "$J4")" = "$NET.2" ]
check "... while the profile's exclusions still apply" \
    [ "$(py '",".join(d["scan"]["scope"]["exclusions"])' "$J4")" = "$NET.3" ]
check "--policy replaces the profile's policies" \
    [ "$(py '",".join(p["id"] for p in d["evaluation"]["policies"])' "$J4")" = cis-v8 ]
scan -o "$WORK/noeval" --no-evaluate > /dev/null 2>&1
check "--no-evaluate leaves the evaluation out" \
    [ "$(py '"evaluation" in d' "$WORK/noeval/scan.json")" = False ]

# 5. Bad input: a clear message, nothing scanned.
printf '<profile xmlns="urn:riskmap:profile:1" version="1"><client id="x"/></profile>' > "$WORK/bad.xml"
timeout 20 "$RISKMAP" scan --client "$WORK/bad.xml" -o "$WORK/bad" > /dev/null 2> "$WORK/bad.err"
rc=$?
check "an invalid profile is refused with status 2 (rc $rc)" [ $rc -eq 2 ]
check "... naming file and line" grep -q "bad.xml:1: " "$WORK/bad.err"
check "... and nothing was written" [ ! -e "$WORK/bad/scan.json" ]
timeout 20 "$RISKMAP" scan --client "$WORK/profile.xml" --policy nosuch -o "$WORK/bad2" \
    > /dev/null 2> "$WORK/bad2.err"
check "an unknown policy is refused in one line naming it" grep -qx "riskmap: nosuch:0: no shipped policy of that name.*" "$WORK/bad2.err"

finish
