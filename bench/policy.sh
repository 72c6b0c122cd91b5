#!/bin/bash
# Policy benchmark (issue 7): every shipped policy evaluated against a generated scan result of
# 5,000 hosts and 100,000 findings, tailored by a generated client profile; prints the time of
# each phase (policies and profile loaded and schema-validated, scan result loaded, evaluated,
# JSON and XCCDF written) and the peak memory. Goal: under 1 s and under 200 MiB together.
#
#   bench/policy.sh                  RUNS=5 by default; KEEP=1 keeps the work directory
#
# Nothing is sent anywhere: the scan result is synthetic. Its hosts are in 198.18.0.0/15 (the
# benchmarking range); its findings mix every kind the checks emit today with the TLS, patch
# and backup kinds being built (with the facts the thresholds read: days_left, cvss_max,
# age_s), 20 per host.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-5}
RISKMAP=${RISKMAP:-$root/riskmap}
[ -x "$RISKMAP" ] || { echo "policy.sh: build riskmap first (make)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "policy.sh: needs GNU time (Debian package time)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/riskmap-bench-policy.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

ROOT=$root python3 - "$work" <<'PY'
import json, random, hashlib, sys, os
work = sys.argv[1]
random.seed(7)
HOSTS, PER_HOST = 5000, 20
kinds = [("svc.open", "info", None), ("svc.telnet.open", "high", None), ("svc.ftp.cleartext", "medium", None),
         ("svc.rdp.exposed", "medium", None), ("svc.db.exposed", "medium", None), ("svc.smb.v1", "high", None),
         ("svc.smb.signing-off", "medium", None), ("svc.smtp.no-starttls", "low", None),
         ("svc.http.admin-cleartext", "medium", None), ("svc.port.unexpected", "medium", None),
         ("svc.redis.noauth", "critical", None), ("svc.vnc.noauth", "critical", None),
         ("tls.protocol.tls10", "high", None), ("tls.protocol.tls11", "medium", None),
         ("tls.cipher.3des", "medium", None), ("tls.cert.expiring", "medium", ("days_left", 1, 40)),
         ("tls.cert.expired", "high", None), ("tls.cert.self-signed", "medium", None),
         ("tls.hsts.missing", "low", None), ("patch.cve", "high", ("cvss_max", 1, 10)),
         ("patch.eol", "high", None), ("patch.eol.soon", "low", ("days_left", 10, 700)),
         ("backup.stale", "high", ("age_s", 3600, 1440000)), ("backup.missing", "critical", None),
         ("backup.unreadable", "high", None)]
def addr(i):
    return "198.%d.%d.%d" % (18 + (i >> 16), (i >> 8) & 255, i & 255)
hosts, findings = [], []
for h in range(HOSTS):
    a = addr(h + 1)
    hosts.append({"address": a, "family": "ipv4", "state": "up", "reason": "syn-ack",
                  "ports": {"open": 0, "closed": 0, "filtered": 0}, "services": []})
    for k in range(PER_HOST):
        kind, sev, fact = kinds[(h * 7 + k * 3) % len(kinds)]
        port = [22, 23, 25, 80, 443, 445, 1433, 3389, 5900, 6379][k % 10]
        facts = {"port": str(port), "protocol": "tcp", "service": "smtp" if port == 25 else "other"}
        if fact:
            facts[fact[0]] = str(random.randint(fact[1], fact[2]))
        fp = hashlib.sha256(("%s %s %d %d" % (kind, a, port, k)).encode()).hexdigest()
        findings.append({"id": "F%d" % (len(findings) + 1), "kind": kind, "check": kind.split(".")[0],
                         "severity": sev, "title": kind, "asset": {"address": a}, "port": port,
                         "protocol": "tcp", "facts": facts, "references": [], "evidence": [],
                         "fingerprint": fp})
template = json.load(open(os.path.join(os.environ.get("ROOT", "."), "tests/fixtures/policies/scan-dental.json")))
template["scan"]["id"] = "be0c4000000000000000000000000000"
template["hosts"], template["findings"], template["evidence"] = hosts, findings, []
json.dump(template, open(os.path.join(work, "scan.json"), "w"))

# A profile of a larger client: 20 groups of CIDR blocks and named servers, thresholds,
# acceptances and answers, naming every shipped policy.
g = []
for i in range(20):
    members = "".join("<member>198.%d.%d.0/26</member>" % (18, i * 4 + j) for j in range(4))
    members += "".join("<member>198.18.%d.%d</member>" % (200 + i, j) for j in range(10))
    g.append('<asset-group id="g%d" name="Group %d" criticality="%s" owner="Owner %d">%s</asset-group>'
             % (i, i, ["low", "medium", "high", "critical"][i % 4], i, members))
pols = "".join('<policy ref="%s"/>' % p for p in ["baseline", "cis-v8", "nist-csf", "hipaa", "iso27001", "pci-dss"])
acc = "".join('<accept rule="remote-admin-encrypted.svc-telnet-open" asset="198.18.%d.0/24" owner="O" expires="2027-01-31"><reason>r</reason></accept>' % i for i in range(10))
prof = ('<?xml version="1.0"?><profile xmlns="urn:riskmap:profile:1" version="1"><client id="bench"><name>Bench Ltd</name></client>'
        '<site id="s" name="S"><scope>198.18.0.0/15</scope></site>%s<policies>%s</policies><tailoring>'
        '<threshold name="cert-days" value="14"/><threshold name="cvss-min" value="4"/>%s'
        '<answer control="security-awareness" result="pass" by="B" date="2026-10-01"/></tailoring></profile>') % ("".join(g), pols, acc)
open(os.path.join(work, "profile.xml"), "w").write(prof)
PY

echo "scan result: $(du -h "$work/scan.json" | cut -f1), 5000 hosts, 100000 findings; six shipped policies; profile with 20 asset groups"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$RISKMAP" policy validate "$work/profile.xml" > /dev/null
for i in $(seq "$RUNS"); do
    /usr/bin/time -q -f "%e %M %U %S" -o "$work/time.$i" "$RISKMAP" policy eval -c "$work/profile.xml" \
        --stats -o "$work/eval.json" --xccdf "$work/xccdf.xml" "$work/scan.json" \
        > /dev/null 2> "$work/stats.$i" || [ $? -eq 1 ]
    read -r wall peak user sys < "$work/time.$i"
    echo "run $i: $(grep '^stats:' "$work/stats.$i" | sed 's/^stats: //'); wall $wall s (CPU $user s user + $sys s sys), peak $((peak / 1024)) MiB"
done
sort -n "$work"/time.* | awk '{w[NR] = $1; if ($2 > m) m = $2} END {
    printf "median wall %.2f s, max peak RSS %d MiB (goal: under 1 s and 200 MiB)\n", w[int((NR + 1) / 2)], m / 1024 }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "outputs: evaluation JSON $(du -h "$work/eval.json" | cut -f1), XCCDF $(du -h "$work/xccdf.xml" | cut -f1)"
