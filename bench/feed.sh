#!/bin/bash
# Advisory feed benchmark: import rate and match time (issue 5's goal: >= 20,000 records/s,
# 10,000 products matched in under 1 s). Not a timed test; prints what it measured.
#
#   bench/feed.sh                       (RECORDS=100000 PRODUCTS=10000 by default)
#
# No large real feed is at hand offline, so RECORDS OSV records are generated from the shape
# of tests/fixtures/feeds/osv-debian.json (Debian security tracker records: id, upstream CVE,
# summary, severity vector, one or two affected Debian packages with an ECOSYSTEM range from
# "0" to a fixed dpkg version, database_specific) over PACKAGES package names, plus NVD-shaped
# CPE records (tests/fixtures/feeds/nvd-*.json: version ranges and exact versions) for a
# fifth of them. The records are synthetic — ids BENCH-N, CVE-9999-N — only their shape is
# real. Then PRODUCTS queries (half "pkg Debian:12 NAME VERSION", half "cpe VENDOR:PRODUCT
# VERSION") go through `riskmap feed match`, one process, one store. The OSV records are
# imported a second time from all.zip, a file per record, as osv.dev publishes an ecosystem.
# Everything happens in a temporary directory; nothing touches the network.
set -euo pipefail
RECORDS=${RECORDS:-100000}
PRODUCTS=${PRODUCTS:-10000}
PACKAGES=${PACKAGES:-5000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RISKMAP=${RISKMAP:-$ROOT/riskmap}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/riskmap-bench-feed.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
[ -x "$RISKMAP" ] || { echo "build riskmap first (make)" >&2; exit 1; }

python3 - "$WORK" "$RECORDS" "$PRODUCTS" "$PACKAGES" <<'PY'
import json, random, sys
work, records, products, packages = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(5)
vec = ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
       "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N"]
def dver(p, k):  # a dpkg version of package p, k-th security update
    return "1:%d.%dp1-2+deb12u%d" % (p % 9 + 1, p % 7, k)
osv, nvd = [], []
for i in range(records):
    p = rnd.randrange(packages)
    aff = [{"package": {"ecosystem": "Debian:12", "name": "pkg%d" % p,
                        "purl": "pkg:deb/debian/pkg%d?arch=source" % p},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": dver(p, rnd.randrange(1, 20))}]}],
            "database_specific": {"source": "https://security-tracker.debian.org/tracker/"}}]
    if rnd.random() < 0.3:
        aff.append({"package": {"ecosystem": "Debian:11", "name": "pkg%d" % p},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:%d.0-1+deb11u%d" % (p % 9, rnd.randrange(1, 9))}]}]})
    osv.append({"schema_version": "1.6.0", "id": "BENCH-%d" % i, "modified": "2024-07-01T13:15:06Z",
                "published": "2024-07-01T13:15:06Z", "upstream": ["CVE-9999-%d" % (100000 + i)],
                "summary": "synthetic record %d in the shape of a Debian tracker record" % i,
                "severity": [{"type": "CVSS_V3", "score": rnd.choice(vec)}], "affected": aff})
    if i % 5 == 0:
        v = "%d.%d" % (p % 9 + 1, rnd.randrange(10))
        m = {"vulnerable": True, "criteria": "cpe:2.3:a:vendor%d:product%d:*:*:*:*:*:*:*:*" % (p, p)}
        if rnd.random() < 0.8:
            m["versionStartIncluding"] = "%d.0" % (p % 9)
            m["versionEndExcluding"] = v + "p1"
        else:
            m["criteria"] = "cpe:2.3:a:vendor%d:product%d:%s:*:*:*:*:*:*:*" % (p, p, v)
        nvd.append({"cve": {"id": "CVE-9998-%d" % (100000 + i), "published": "2024-07-01T13:15:06.467",
                            "lastModified": "2024-07-01T13:15:06.467", "vulnStatus": "Analyzed",
                            "descriptions": [{"lang": "en", "value": "synthetic NVD-shaped record %d" % i}],
                            "metrics": {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary",
                                "cvssData": {"version": "3.1", "vectorString": vec[0], "baseScore": 9.8}}]},
                            "configurations": [{"nodes": [{"operator": "OR", "negate": False, "cpeMatch": [m]}]}]}})
json.dump(osv, open(work + "/osv.json", "w"))
# The same records as osv.dev publishes an ecosystem: all.zip, one JSON file per record.
import zipfile
with zipfile.ZipFile(work + "/all.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for r in osv:
        z.writestr(r["id"] + ".json", json.dumps(r, indent=2))
json.dump({"format": "NVD_CVE", "version": "2.0", "timestamp": "2024-07-01T00:00:00.000",
           "vulnerabilities": nvd}, open(work + "/nvd.json", "w"))
with open(work + "/queries.txt", "w") as q:
    for i in range(products):
        p = rnd.randrange(packages)
        if i % 2:
            q.write("pkg Debian:12 pkg%d %s\n" % (p, dver(p, rnd.randrange(1, 20))))
        else:
            q.write("cpe vendor%d:product%d %d.%dp1\n" % (p, p, p % 9 + 1, rnd.randrange(10)))
print("generated: %d OSV records (%.1f MB), %d NVD records (%.1f MB), %d queries" % (
    len(osv), len(json.dumps(osv)) / 1e6, len(nvd), len(json.dumps({"v": nvd})) / 1e6, products))
PY

now() { date +%s.%N; }
export RISKMAP_DATA_DIR="$WORK/data"
t0=$(now)
/usr/bin/time -f "%e s wall, %U+%S s CPU, %M KiB peak RSS" -o "$WORK/time-osv" \
    "$RISKMAP" feed import "$WORK/osv.json" > "$WORK/import-osv.txt"
t1=$(now)
/usr/bin/time -f "%e s wall, %U+%S s CPU, %M KiB peak RSS" -o "$WORK/time-nvd" \
    "$RISKMAP" feed import "$WORK/nvd.json" > "$WORK/import-nvd.txt"
t2=$(now)
cat "$WORK/import-osv.txt" "$WORK/import-nvd.txt" | sed "s|$WORK/||"
nosv=$(sed -n 's/.*osv, \([0-9]*\) record.*/\1/p' "$WORK/import-osv.txt")
nnvd=$(sed -n 's/.*nvd, \([0-9]*\) record.*/\1/p' "$WORK/import-nvd.txt")
awk -v n="$nosv" -v a="$t0" -v b="$t1" 'BEGIN {printf "OSV import: %d records in %.2f s = %.0f records/s\n", n, b - a, n / (b - a)}'
echo "   ($(cat "$WORK/time-osv"))"
awk -v n="$nnvd" -v a="$t1" -v b="$t2" 'BEGIN {printf "NVD import: %d records in %.2f s = %.0f records/s\n", n, b - a, n / (b - a)}'
echo "   ($(cat "$WORK/time-nvd"))"
echo "store: $(du -h "$WORK/data/feed.db" | cut -f1)"
# The same OSV records from all.zip (osv.dev's export shape) into a store of their own.
ta=$(now)
/usr/bin/time -f "%e s wall, %U+%S s CPU, %M KiB peak RSS" -o "$WORK/time-zip" \
    "$RISKMAP" feed --feed-db "$WORK/zip.db" import "$WORK/all.zip" > "$WORK/import-zip.txt"
tb=$(now)
nzip=$(sed -n 's/.*osv, \([0-9]*\) record.*/\1/p' "$WORK/import-zip.txt")
awk -v n="$nzip" -v a="$ta" -v b="$tb" -v z="$(du -h "$WORK/all.zip" | cut -f1)" 'BEGIN {printf "OSV import from all.zip (%s, a file per record): %d records in %.2f s = %.0f records/s\n", z, n, b - a, n / (b - a)}'
echo "   ($(cat "$WORK/time-zip"))"

t3=$(now)
/usr/bin/time -f "%e s wall, %U+%S s CPU, %M KiB peak RSS" -o "$WORK/time-match" \
    "$RISKMAP" feed match "$WORK/queries.txt" > "$WORK/matches.txt"
t4=$(now)
nq=$(wc -l < "$WORK/matches.txt")
hits=$(grep -vc ': -$' "$WORK/matches.txt" || true)
awk -v n="$nq" -v h="$hits" -v a="$t3" -v b="$t4" 'BEGIN {printf "match: %d products in %.3f s (%.1f us each), %d with at least one CVE\n", n, b - a, (b - a) * 1e6 / n, h}'
echo "   ($(cat "$WORK/time-match"); process start and store open included)"
