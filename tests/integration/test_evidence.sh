#!/bin/sh
# Evidence bundles: a real scan of redis-server on 127.0.64.1 (no password: a critical finding
# whose raw evidence is Redis's INFO answer), exported and verified by riskmap and, independently, by openssl and sha256sum
# as the bundle's README tells an auditor. Then every way a bundle can lie must fail
# verification, naming what is wrong: a changed evidence file, an added file, a removed file,
# a MANIFEST edited after signing, a signature from another key (--pubkey pins the signer).
# The signing key is created 0600 in a 0700 directory; a key readable by others is refused.
set -u
. "$(dirname "$0")/lib.sh"

BUSY=" $(wildcard_ports | tr "\n" " ") "
P=6379 # where service detection asks for Redis
case "$BUSY" in *" $P "*) echo "skip - something listens on 6379 on every address"; exit 0 ;; esac
. "$ROOT/tests/lab/servers.sh"
srv_init "$WORK/servers"
if ! srv_redis 127.0.64.1 "$P"; then
    echo "not ok - redis-server did not start: $SRV_WHY"
    exit 1
fi
LAB_PIDS="$LAB_PIDS $SRV_PIDFILES"
timeout 60 "$RISKMAP" scan -Pn -sT 127.0.64.1 -p "$P" -q -o "$WORK/scan" > /dev/null 2>&1
check "lab scan exits 0" [ $? -eq 0 ]
srv_stop_all

export RISKMAP_DATA_DIR="$WORK/data"
cd "$WORK" || exit 1
"$RISKMAP" evidence export "$WORK/scan" -o "$WORK/b.tar.gz" --operator auditor-test \
    > "$WORK/export.out" 2> "$WORK/export.err"
check "export exits 0" [ $? -eq 0 ]
check "export says it created the default key" grep -q "created the signing key" "$WORK/export.err"
check "the key is 0600 in a 0700 directory" sh -c '[ "$(stat -c %a "$1/keys")" = 700 ] &&
    [ "$(stat -c %a "$1/keys/evidence-ed25519.pem")" = 600 ]' _ "$WORK/data"
check "no temporary file left next to the bundle" [ "$(ls "$WORK" | grep -c 'b.tar.gz.tmp')" -eq 0 ]

"$RISKMAP" evidence verify "$WORK/b.tar.gz" > "$WORK/v.out" 2>&1
check "riskmap verifies its bundle" [ $? -eq 0 ]
FP=$(sed -n 's/.*key sha256:\([0-9a-f]*\).*/\1/p' "$WORK/export.out")
check "verify prints the signer's fingerprint" grep -q "sha256:$FP" "$WORK/v.out"
"$RISKMAP" evidence key > "$WORK/key.out"
sed -n '/BEGIN PUBLIC KEY/,/END PUBLIC KEY/p' "$WORK/key.out" > "$WORK/pub.pem"
check "evidence key prints the same fingerprint" grep -qx "fingerprint sha256:$FP" "$WORK/key.out"
"$RISKMAP" evidence verify "$WORK/b.tar.gz" --pubkey "$WORK/pub.pem" > /dev/null 2>&1
check "verifies with the signer pinned by --pubkey" [ $? -eq 0 ]

# What is inside, checked with standard tools only.
mkdir "$WORK/x"
tar xzf "$WORK/b.tar.gz" -C "$WORK/x"
TOP=$(ls "$WORK/x")
D="$WORK/x/$TOP"
check "bundle layout: scan.json byte for byte" cmp -s "$D/scan.json" "$WORK/scan/scan.json"
check "openssl verifies the MANIFEST signature" \
    sh -c 'cd "$1" && openssl pkeyutl -verify -pubin -inkey signer.pub.pem -rawin -in MANIFEST \
        -sigfile MANIFEST.sig > /dev/null' _ "$D"
check "sha256sum -c agrees with every MANIFEST line" \
    sh -c 'cd "$1" && sed "1,/^\$/d" MANIFEST | awk "{print \$1 \"  \" \$3}" | sha256sum -c --quiet' _ "$D"
check "openssl's key fingerprint is the printed one" \
    [ "$(openssl pkey -pubin -in "$D/signer.pub.pem" -outform DER | tail -c 32 | sha256sum | cut -d' ' -f1)" = "$FP" ]
check "chain of custody: operator, scan id, scan host" sh -c '
    grep -qx "exported_by: auditor-test" "$1/MANIFEST" &&
    grep -q "^scan_id: [0-9a-f]\{32\}$" "$1/MANIFEST" && grep -q "^scan_host: " "$1/MANIFEST"' _ "$D"
python3 - "$D" > "$WORK/idx.txt" 2>&1 <<'PY'
import json, sys, hashlib, os
d = sys.argv[1]
idx = json.load(open(os.path.join(d, "index/findings.json")))
scan = json.load(open(os.path.join(d, "scan.json")))
assert len(idx) == len(scan["findings"]) > 0
n = 0
for f in idx:
    for ev in f["evidence"]:
        data = open(os.path.join(d, ev["file"]), "rb").read()
        assert hashlib.sha256(data).hexdigest() == ev["sha256"], ev
        n += 1
redis = [f for f in idx if f["kind"] == "svc.redis.noauth"]
assert redis and redis[0]["severity"] == "critical", idx
raw = [open(os.path.join(d, ev["file"]), "rb").read() for ev in redis[0]["evidence"]]
assert any(b"redis_version:" in r for r in raw), "Redis's INFO answer is kept as evidence"
print("ok", n)
PY
check "every finding's evidence files exist with the indexed SHA-256 (Redis INFO kept)" grep -q "^ok " "$WORK/idx.txt"
grep -q "^ok " "$WORK/idx.txt" || cat "$WORK/idx.txt"

# Tampering: rebuild the archive after one change; each must fail (exit 1) naming the cause.
retar() { # retar NAME: packs $WORK/t/$TOP into $WORK/NAME.tar.gz
    tar czf "$WORK/$1.tar.gz" -C "$WORK/t" "$TOP"
}
fresh() { rm -rf "$WORK/t"; mkdir "$WORK/t"; tar xzf "$WORK/b.tar.gz" -C "$WORK/t"; }
expect_bad() { # expect_bad NAME DESCRIPTION PATTERN
    "$RISKMAP" evidence verify "$WORK/$1.tar.gz" > "$WORK/$1.out" 2>&1
    rc=$?
    if [ $rc -eq 1 ] && grep -q "$3" "$WORK/$1.out"; then ok "$2"
    else not_ok "$2 (exit $rc)"; cat "$WORK/$1.out"; fi
}
EV=$(cd "$D" && ls evidence | head -1)
fresh; printf 'X' >> "$WORK/t/$TOP/evidence/$EV"; retar t1
expect_bad t1 "a changed evidence file fails, named" "evidence/$EV: content differs"
fresh; echo extra > "$WORK/t/$TOP/evidence/extra.txt"; retar t2
expect_bad t2 "an added file fails, named" "evidence/extra.txt: in the bundle but not listed"
fresh; rm "$WORK/t/$TOP/scan.json"; retar t3
expect_bad t3 "a removed file fails, named" "scan.json: listed in the MANIFEST but missing"
fresh; sed -i 's/^exported_by: .*/exported_by: someone-else/' "$WORK/t/$TOP/MANIFEST"; retar t4
expect_bad t4 "a MANIFEST edited after signing fails" "signature does not match"
# Re-signed by another key: integrity holds with the key inside, but not for the pinned key.
openssl genpkey -algorithm ed25519 -out "$WORK/other.pem" 2>/dev/null
fresh
openssl pkey -in "$WORK/other.pem" -pubout -out "$WORK/t/$TOP/signer.pub.pem"
python3 - "$WORK/t/$TOP" <<'PY'
import hashlib, os, sys
d = sys.argv[1]
m = open(os.path.join(d, "MANIFEST")).read().split("\n")
out = []
for line in m:
    f = line.split("  ")
    if len(f) == 3 and f[2] == "signer.pub.pem":
        data = open(os.path.join(d, f[2]), "rb").read()
        line = "%s  %d  %s" % (hashlib.sha256(data).hexdigest(), len(data), f[2])
    out.append(line)
open(os.path.join(d, "MANIFEST"), "w").write("\n".join(out))
PY
openssl pkeyutl -sign -inkey "$WORK/other.pem" -rawin -in "$WORK/t/$TOP/MANIFEST" \
    -out "$WORK/t/$TOP/MANIFEST.sig"
retar t5
"$RISKMAP" evidence verify "$WORK/t5.tar.gz" > /dev/null 2>&1
check "a bundle re-signed by another key is self-consistent (exit 0 without --pubkey)" [ $? -eq 0 ]
"$RISKMAP" evidence verify "$WORK/t5.tar.gz" --pubkey "$WORK/pub.pem" > "$WORK/t5.out" 2>&1
check "... but fails against the pinned signer (exit 1)" sh -c '[ $1 -eq 1 ] && grep -q "does not match the given public key" "$2"' _ $? "$WORK/t5.out"

# Policy results and the per-framework index: the scan evaluated itself (baseline); the
# export can evaluate against HIPAA and index its items to the findings and evidence files.
check "the bundle holds the scan's own policy results" [ "$(python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["evaluation"]; b = json.load(open(sys.argv[2]))
print(a == b and a["policies"][0]["id"] == "baseline")' "$WORK/scan/scan.json" "$D/policy-results.json")" = True ]
check "MANIFEST says what advisory feed the scan used" grep -q "^advisory_feed: " "$D/MANIFEST"
"$RISKMAP" evidence export "$WORK/scan" -o "$WORK/h.tar.gz" --policy hipaa --framework hipaa \
    > /dev/null 2> "$WORK/h.err"
check "export --policy hipaa --framework hipaa exits 0" [ $? -eq 0 ]
"$RISKMAP" evidence verify "$WORK/h.tar.gz" > /dev/null 2>&1
check "... and verifies" [ $? -eq 0 ]
mkdir "$WORK/h"; tar xzf "$WORK/h.tar.gz" -C "$WORK/h"
H="$WORK/h/$(ls "$WORK/h")"
check "the HIPAA index maps a failing item to the Redis finding and its evidence file" [ "$(python3 -c '
import hashlib, json, os, sys
top = sys.argv[1]
ix = json.load(open(os.path.join(top, "index/framework-hipaa.json")))
ok = False
for it in ix["items"]:
    for f in it["contradicting"]:
        if it["status"] == "fail" and f["kind"] == "svc.redis.noauth" and f["evidence"]:
            ev = f["evidence"][0]
            data = open(os.path.join(top, ev["file"]), "rb").read()
            ok = ok or (hashlib.sha256(data).hexdigest() == ev["sha256"] and b"redis_version" in data)
print(ok and ix["framework"] == "hipaa" and ix["items"] and all(i["controls"] for i in ix["items"]))' "$H")" = True ]
check "... and the bundle's policy results are HIPAA's" \
    [ "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["policies"][0]["id"])' "$H/policy-results.json")" = hipaa ]
"$RISKMAP" evidence export "$WORK/scan" -o "$WORK/n.tar.gz" --framework nosuch > /dev/null 2> "$WORK/n.err"
check "an unknown framework is refused, naming the ones there are, nothing written" \
    sh -c '[ $1 -ne 0 ] && grep -q "\"nosuch\" is not among the policy results" "$2" && [ ! -e "$3" ]' \
    _ $? "$WORK/n.err" "$WORK/n.tar.gz"
check "the bundle holds the client report and a register snapshot" sh -c '
    grep -q "<svg id=\"chart-heatmap\"\|<svg" "$1/reports/report.html" &&
    head -c 3 "$1/register/register.csv" | od -An -tx1 | grep -q "ef bb bf" &&
    grep -q "svc.redis.noauth" "$1/register/register.csv" &&
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"risks\"]" "$1/register/register.json"' _ "$D"
check "the report in the bundle is listed in the MANIFEST with its SHA-256" \
    grep -q "^$(sha256sum "$D/reports/report.html" | cut -d' ' -f1)  [0-9]*  reports/report.html$" "$D/MANIFEST"
"$RISKMAP" keygen > "$WORK/kg.out"
check "riskmap keygen shows the same key" grep -qx "fingerprint sha256:$FP" "$WORK/kg.out"
mkdir -p "$WORK/dd/scans/s1"; cp "$WORK/scan/scan.json" "$WORK/dd/scans/s1/"; ln -s scans/s1 "$WORK/dd/latest"
"$RISKMAP" register update "$WORK/dd/scans/s1/scan.json" --data-dir "$WORK/dd" > /dev/null 2>&1
"$RISKMAP" register assign "$("$RISKMAP" register list --data-dir "$WORK/dd" --kind svc.redis.noauth |
    awk 'NR > 4 && $1 ~ /^[0-9a-f]+$/ {print $1; exit}')" owner-of-redis --data-dir "$WORK/dd" > /dev/null 2>&1
"$RISKMAP" evidence export --data-dir "$WORK/dd" -o "$WORK/dd.tar.gz" > /dev/null 2>&1
check "without SCAN, --data-dir's latest scan is exported" [ -s "$WORK/dd.tar.gz" ]
mkdir "$WORK/ddx"; tar xzf "$WORK/dd.tar.gz" -C "$WORK/ddx"
check "... with the client's register as it stands (the owner assigned)"     grep -q "owner-of-redis" "$WORK/ddx/$(ls "$WORK/ddx")/register/register.csv"

# A key readable by others is refused; a missing named key is an error, not created.
cp "$WORK/data/keys/evidence-ed25519.pem" "$WORK/loose.pem"; chmod 644 "$WORK/loose.pem"
"$RISKMAP" evidence export "$WORK/scan" -o "$WORK/c.tar.gz" --key "$WORK/loose.pem" > /dev/null 2> "$WORK/loose.err"
check "a world-readable key is refused (exit 2: bad input), nothing written" \
    sh -c '[ $1 -eq 2 ] && grep -q "readable by others" "$2" && [ ! -e "$3" ]' _ $? "$WORK/loose.err" "$WORK/c.tar.gz"
"$RISKMAP" evidence export "$WORK/scan" --key "$WORK/nokey.pem" > /dev/null 2>&1
check "a named key that does not exist is an error (exit 2), not created" \
    sh -c '[ $1 -eq 2 ] && [ ! -e "$2" ]' _ $? "$WORK/nokey.pem"
"$RISKMAP" evidence verify "$WORK/nosuch.tar.gz" > /dev/null 2>&1
check "an unreadable bundle is bad input (exit 2)" [ $? -eq 2 ]
finish
