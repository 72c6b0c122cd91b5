#!/usr/bin/env python3
"""OSV records for one Debian release from a package's own Debian changelog.

  debian-changelog-osv.py CHANGELOG SOURCE RELEASE > records.json

CHANGELOG is a changelog.Debian(.gz) as installed on a Debian host
(/usr/share/doc/PACKAGE/changelog.Debian.gz), SOURCE the source package it belongs to
(openssh), RELEASE the Debian release number (12). Every upload of that release's stable
updates (a version with "+debRELEASEu" or "~debRELEASEu") that names a CVE id is taken as
the maintainers' statement that this version fixes it in that release: one record per CVE,
fixed in the oldest such upload that names it, "introduced" 0 (every earlier version of the
release). Uploads of other releases (unstable, backports, older stables) are ignored.

What a changelog does not name is not here: a security upload whose entry names no CVE
(Debian's 1:9.2p1-2+deb12u3 of openssh fixed CVE-2024-6387 and says only "Disable
async-signal-unsafe code from the sshsigdie() function") gives no record, so riskmap keeps
calling that CVE a possible backport rather than guessing.

The records' ids start with DEBIAN-CHANGELOG- so that they are never taken for the Debian
security tracker's own OSV records (DSA-, DLA-, DEBIAN-CVE-).
"""
import gzip
import json
import re
import sys
from datetime import timezone
from email.utils import parsedate_to_datetime

HEADER = re.compile(r"^(\S+) \(([^)]+)\) ([^;]+);")
TRAILER = re.compile(r"^ -- (.+?)  (.+)$")
CVE = re.compile(r"CVE-\d{4}-\d{4,}")


def uploads(text):
    """(source, version, distributions, body lines, date) per changelog entry."""
    cur = None
    for line in text.splitlines():
        m = HEADER.match(line)
        if m:
            cur = {"source": m.group(1), "version": m.group(2), "dists": m.group(3),
                   "body": [], "date": None}
            continue
        if cur is None:
            continue
        m = TRAILER.match(line)
        if m:
            cur["date"] = parsedate_to_datetime(m.group(2))
            yield cur
            cur = None
        else:
            cur["body"].append(line)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    path, source, release = sys.argv[1:]
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        text = f.read()
    marker = re.compile(r"[+~]deb%su\d+" % re.escape(release))
    fixed = {}  # CVE -> the oldest upload naming it (the changelog is newest first)
    newest = None
    for up in uploads(text):
        if up["source"] != source or not marker.search(up["version"]):
            continue
        newest = newest or up
        for cve in set(CVE.findall("\n".join(up["body"]))):
            fixed[cve] = up
    records = []
    for cve in sorted(fixed):
        up = fixed[cve]
        when = up["date"].astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if up["date"] else None
        # The entry's lines that name the CVE, with their continuation lines.
        lines, keep = [], False
        for line in up["body"]:
            stripped = line.strip()
            if not stripped:
                keep = False
                continue
            starts = stripped.startswith(("*", "-", "["))
            if starts:
                keep = cve in stripped
            elif cve in stripped:
                keep = True
            if keep:
                lines.append(stripped)
        records.append({
            "schema_version": "1.6.0",
            "id": "DEBIAN-CHANGELOG-%s" % cve,
            "summary": "%s: %s fixed in %s (%s)" % (source, cve, up["version"], up["dists"]),
            "details": "From Debian's changelog of %s, the upload %s to %s:\n%s" % (
                source, up["version"], up["dists"], "\n".join(lines)),
            "aliases": [cve],
            "published": when,
            "modified": when,
            "affected": [{
                "package": {"ecosystem": "Debian:%s" % release, "name": source},
                "ranges": [{"type": "ECOSYSTEM",
                            "events": [{"introduced": "0"}, {"fixed": up["version"]}]}],
            }],
            "database_specific": {
                "source": "changelog.Debian of %s %s" % (source, newest["version"]),
                "upload": up["version"],
                "distribution": up["dists"],
            },
        })
    json.dump(records, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
