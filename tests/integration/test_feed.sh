#!/bin/sh
# `riskmap feed import` and `riskmap feed info` on the real-record fixtures of
# tests/fixtures/feeds/ (see the README there), in a store under this test's own work
# directory (RISKMAP_DATA_DIR): the default path, file modes, per-source counts, a malformed
# file rejected with its JSON path while the files before it stay imported. No network.
set -u
. "$(dirname "$0")/lib.sh"

FX="$ROOT/tests/fixtures/feeds"
export RISKMAP_DATA_DIR="$WORK/data"

out=$(run_riskmap feed info 2>&1)
check "info without a feed says nothing is loaded" \
    test "$out" = "feed $WORK/data/feed.db: nothing loaded (riskmap feed import FILE...)"

out=$(run_riskmap feed import "$FX/nvd-openssh.json" "$FX/osv-debian.json" "$FX/kev.json" 2>&1)
rc=$?
check "import exits 0" test "$rc" -eq 0
expect="$FX/nvd-openssh.json: nvd, 5 records, newest 2024-07-01T13:15:06Z
$FX/osv-debian.json: osv, 7 records, newest 2024-07-01T19:15:04Z
$FX/kev.json: kev, 5 records, newest 2024-07-10T17:00:00Z"
check "import reports format, records and newest record per file" test "$out" = "$expect"
check "store created 0600" test "$(stat -c %a "$WORK/data/feed.db")" = 600
check "its directory created 0700" test "$(stat -c %a "$WORK/data")" = 700

# A malformed OSV record after a good NVD file: the NVD file stays, the bad one is refused.
printf '{"id": "OSV-X", "modified": "2024-01-01T00:00:00Z", "affected": [{"ranges": [{"type": "SEMVER", "events": [{"introduced": 0}]}]}]}' > "$WORK/bad.json"
out=$(run_riskmap feed import "$FX/nvd-httpd.json" "$WORK/bad.json" 2>"$WORK/err")
rc=$?
check "malformed file: exit 2" test "$rc" -eq 2
check "malformed file: the file before it imported" \
    test "$out" = "$FX/nvd-httpd.json: nvd, 5 records, newest 2024-07-01T19:15:04Z"
check "malformed file: path-precise message" test "$(cat "$WORK/err")" = \
    "riskmap: $WORK/bad.json: affected[0].ranges[0].events[0]: introduced is not a non-empty string"

out=$(run_riskmap feed info)
check "info names the store" test "$(echo "$out" | sed -n 1p)" = "feed $WORK/data/feed.db"
# source, records, newest record, imports (the age and import time depend on today).
got=$(echo "$out" | awk 'NR > 2 {print $1, $2, $3, $NF}')
expect="osv 7 2024-07-01T19:15:04Z 1
nvd 10 2024-07-01T19:15:04Z 2
kev 5 2024-07-10T17:00:00Z 1"
check "info: per-source records, newest record, imports" test "$got" = "$expect"
check "info: the age of the newest record in days" \
    sh -c "echo \"\$1\" | awk 'NR == 3 && \$5 == \"d\" && \$4 > 100 {f = 1} END {exit !f}'" _ "$out"

# match: the CVEs whose ranges include each queried version.
out=$(printf '%s\n' "cpe openbsd:openssh 9.2p1" "cpe openbsd:openssh 9.8p1" "# comment" \
    "pkg Debian:12 openssh 1:9.2p1-2+deb12u2" "pkg Debian:12 openssh 1:9.2p1-2+deb12u3" \
    "cpe apache:http_server 2.4.50" | run_riskmap feed match -)
expect="cpe openbsd:openssh 9.2p1: CVE-2024-6387,CVE-2023-38408,CVE-2023-48795 (3)
cpe openbsd:openssh 9.8p1: -
pkg Debian:12 openssh 1:9.2p1-2+deb12u2: CVE-2024-6387 (1)
pkg Debian:12 openssh 1:9.2p1-2+deb12u3: -
cpe apache:http_server 2.4.50: CVE-2021-42013,CVE-2021-44790,CVE-2023-25690,CVE-2024-38476 (4)"
check "match: CVEs per queried version" test "$out" = "$expect"
echo "openssh 9.2p1" | run_riskmap feed match - > /dev/null 2> "$WORK/err"
check "match: a malformed query line is an error naming the line" test "$(cat "$WORK/err")" = \
    'riskmap: -:1: expected "cpe VENDOR:PRODUCT VERSION", "pkg ECOSYSTEM PACKAGE VERSION" or "eol PRODUCT VERSION"'

out=$(run_riskmap feed --feed-db "$WORK/other.db" info)
check "--feed-db names another store" \
    test "$out" = "feed $WORK/other.db: nothing loaded (riskmap feed import FILE...)"
run_riskmap feed import >/dev/null 2>&1
check "import without files: exit 2" test $? -eq 2

# Archives of OSV records, as osv.dev publishes an ecosystem (all.zip: one JSON file per
# record): the fixture's seven records one per entry, beside a README and in a subdirectory,
# as zip and as tar.gz, each one import; the same rows as the JSON list imported as a file.
python3 - "$FX/osv-debian.json" "$WORK" <<'PY'
import json, sys, tarfile, zipfile, io
recs = json.load(open(sys.argv[1]))
work = sys.argv[2]
with zipfile.ZipFile(work + "/all.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for i, r in enumerate(recs):
        z.writestr(("sub/" if i % 2 else "") + r["id"] + ".json", json.dumps(r, indent=1))
    z.writestr("README.txt", "not a record")
with tarfile.open(work + "/all.tar.gz", "w:gz") as t:
    for r in recs:
        b = json.dumps(r).encode()
        ti = tarfile.TarInfo(r["id"] + ".json")
        ti.size = len(b)
        t.addfile(ti, io.BytesIO(b))
# One malformed entry after good ones: the whole archive is refused.
with zipfile.ZipFile(work + "/bad.zip", "w") as z:
    for r in recs[:3]:
        z.writestr(r["id"] + ".json", json.dumps(r))
    z.writestr("OSV-X.json", open(work + "/bad.json").read())
with zipfile.ZipFile(work + "/empty.zip", "w") as z:
    z.writestr("README.txt", "no records")
PY
rows() { # rows DB: every advisory with its ranges, as text
    python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for r in db.execute("SELECT v.name, coalesce(v.cve, \"\"), a.ecosystem, a.package, r.type, coalesce(r.introduced, \"\"), coalesce(r.fixed, \"\") FROM advisory v JOIN affected a ON a.advisory = v.id LEFT JOIN affected_range r ON r.affected = a.id ORDER BY 1, 3, 4, 6, 7"): print("|".join(map(str, r)))' "$1"
}
run_riskmap feed --feed-db "$WORK/list.db" import "$FX/osv-debian.json" > /dev/null
for a in all.zip all.tar.gz; do
    out=$(run_riskmap feed --feed-db "$WORK/$a.db" import "$WORK/$a" 2>&1)
    check "$a: one import of 7 OSV records" \
        test "$out" = "$WORK/$a: osv, 7 records, newest 2024-07-01T19:15:04Z"
    check "$a: the same rows as the JSON list" test "$(rows "$WORK/$a.db")" = "$(rows "$WORK/list.db")"
done
check "the rows compared are there (7 advisories)" \
    test "$(rows "$WORK/list.db" | cut -d'|' -f1 | sort -u | wc -l)" -eq 7
out=$(run_riskmap feed --feed-db "$WORK/bad.db" import "$WORK/bad.zip" 2> "$WORK/err")
check "bad.zip: exit 2" test $? -eq 2
check "bad.zip: the entry and its JSON path named" test "$(cat "$WORK/err")" = \
    "riskmap: $WORK/bad.zip: OSV-X.json: affected[0].ranges[0].events[0]: introduced is not a non-empty string"
check "bad.zip: nothing of it stored" test -z "$(rows "$WORK/bad.db")"
run_riskmap feed --feed-db "$WORK/empty.db" import "$WORK/empty.zip" > /dev/null 2> "$WORK/err"
check "an archive without records: exit 2, said" test "$(cat "$WORK/err")" = \
    "riskmap: $WORK/empty.zip: no *.json entry: not an archive of OSV records"
finish
