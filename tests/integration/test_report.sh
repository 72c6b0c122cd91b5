#!/bin/sh
# riskmap report and riskmap roadmap on the real binary, offline: no traffic at all. The scan
# result is a synthetic fixture written by riskmap's own result writer (see
# tests/fixtures/report/README.md: 6 hosts, 40 findings, hostile strings on one host), scored
# against the example client profile's policies and objectives.
set -u
. "$(dirname "$0")/lib.sh"

FIX="$ROOT/tests/fixtures/report"
SCAN="$FIX/scan-small.json"
cd "$ROOT" || exit 1

# The example profile with a real logo (a 1x1 PNG made here) instead of its example path.
python3 - "$WORK/logo.png" <<'PY'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(b"\x00\x1f\x5f\xa8")) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
# The logo path relative, as a profile kept beside its logo would name it: relative to the
# profile's directory, wherever riskmap runs.
sed -e 's|logo="[^"]*"|logo="logo.png"|' contrib/examples/client-profile.xml > "$WORK/profile.xml"

# --- report ------------------------------------------------------------------------------
run_riskmap report "$SCAN" --client "$WORK/profile.xml" -o "$WORK/out" --format html,json \
    > "$WORK/report.out" 2> "$WORK/report.err"
check "report exits 0" [ $? -eq 0 ]
check "it prints the three files it wrote" \
    [ "$(cat "$WORK/report.out")" = "$(printf '%s\n%s\n%s' "$WORK/out/report.html" "$WORK/out/roadmap.json" "$WORK/out/register.json")" ]
check "no warnings (the logo embeds)" [ ! -s "$WORK/report.err" ]
check "report.html is private (0600)" [ "$(stat -c %a "$WORK/out/report.html")" = 600 ]
check "nothing else is left in the output directory (no temporary files)" \
    [ "$(ls "$WORK/out" | tr '\n' ' ')" = "register.json report.html roadmap.json " ]

# The HTML, parsed by Python's own HTML parser: structure, references, escaping.
python3 - "$WORK/out/report.html" > "$WORK/html.facts" <<'PY'
import re, sys
from html.parser import HTMLParser
src = open(sys.argv[1], encoding="utf-8").read()
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections, self.svgs, self.external, self.scripts, self.handlers = [], [], [], 0, 0
        self.text, self.logo = [], ""
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section": self.sections.append(a.get("id"))
        if tag == "svg": self.svgs.append(a.get("id"))
        if tag in ("script", "iframe", "object", "embed"): self.scripts += 1
        for k, v in attrs:
            if k.startswith("on"): self.handlers += 1
            if k in ("src", "href", "action", "srcset", "poster", "background"):
                v = (v or "").strip()
                if not (v.startswith("#") or v.startswith("data:")): self.external.append(v)
        if tag == "img": self.logo = a.get("src", "")[:30]
    def handle_data(self, d): self.text.append(d)
p = P(); p.feed(src); p.close()
text = "".join(p.text)
css = " ".join(re.findall(r"<style>(.*?)</style>", src, re.S))
print("sections", " ".join(p.sections))
print("svgs", " ".join(p.svgs))
print("external", len(p.external) + len(re.findall(r"url\((?!['\"]?(data:|#))", css)) + css.count("@import"))
print("scripts", p.scripts, "handlers", p.handlers)
print("logo", p.logo)
print("hostile-title", 'Telnet service open <script>alert("0")</script>' in text)
print("hostile-host", '"><img src=x onerror=alert(1)>.example' in text)
print("hostile-product", "<script>alert('svc')</script>" in text)
print("single-scan", "This report covers a single scan" in text)
print("why", "Why it matters: SMB1 carries the flaws exploited by EternalBlue/WannaCry" in text)
print("truncated", bool(re.search(r"Truncated: the first 2,048 of 10,000 bytes", text)))
print("objective", "Pass the HIPAA security audit booked for Q3 2027 (target 2027-Q3): 2 initiatives serve it, done by the end of Q2 2027 \u2014 on track." in text)
print("print-css", "@media print" in css)
print("brand", ":root{--brand:#1f5fa8}" in css)
PY
check "sections in order: summary, register, roadmap, controls, hosts" \
    grep -qx "sections summary register roadmap controls hosts" "$WORK/html.facts"
check "every chart, the trend aside (one scan)" \
    grep -qx "svgs chart-heatmap chart-severity chart-compliance chart-roadmap" "$WORK/html.facts"
check "no external reference in any src/href/url()" grep -qx "external 0" "$WORK/html.facts"
check "no script element, no event handler attribute" grep -qx "scripts 0 handlers 0" "$WORK/html.facts"
check "the logo is embedded as a data: URI" grep -qx "logo data:image/png;base64,iVBORw0K" "$WORK/html.facts"
for k in hostile-title hostile-host hostile-product single-scan why truncated objective print-css brand; do
    check "html: $k" grep -qx "$k True" "$WORK/html.facts"
done
check "the raw file holds none of the hostile markup" \
    sh -c '! grep -qE "<script|<img src=x|<b onmouseover" "$1"' - "$WORK/out/report.html"

# Every chart renders in a real SVG renderer (librsvg), as a standalone SVG document.
python3 - "$WORK/out/report.html" "$WORK" <<'PY'
import re, sys
src = open(sys.argv[1], encoding="utf-8").read()
for m in re.finditer(r'<svg id="([a-z-]+)"(.*?)</svg>', src, re.S):
    with open("%s/%s.svg" % (sys.argv[2], m.group(1)), "w", encoding="utf-8") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" id="%s"%s</svg>' % (m.group(1), m.group(2)))
PY
if command -v rsvg-convert > /dev/null; then
    for c in chart-heatmap chart-severity chart-compliance chart-roadmap; do
        check "$c renders (rsvg-convert) to a PNG" \
            sh -c 'rsvg-convert "$1.svg" -o "$1.png" && [ "$(head -c 4 "$1.png" | od -An -c | tr -d " ")" = "211PNG" ]' - "$WORK/$c"
    done
else
    echo "skip - rsvg-convert not installed (contrib/install-deps.sh installs librsvg2-bin)"
fi

# The roadmap JSON: exact figures of this fixture (docs/roadmap.md's method).
python3 - "$WORK/out/roadmap.json" > "$WORK/rm.facts" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("format", r["format"], r["format_version"], r["date"], r["capacity_hours"])
print("quarters", ",".join(q["quarter"] for q in r["quarters"]))
print("capacity", ",".join(str(q["capacity_hours"]) for q in r["quarters"]))
print("totals", r["effort_hours"], r["budget"], r["risk_reduction"])
qsum = sum(q["budget"] for q in r["quarters"]) + r["later_budget"]
print("budget-adds-up", abs(qsum - r["budget"]) < 0.5)
ins = {i["id"]: i for i in r["initiatives"]}
print("initiatives", len(ins))
c = ins["retire-cleartext-admin"]
print("cleartext", c["first_quarter"], c["driver"], ",".join(c["objectives"]), c["risk_reduction"], c["effort_hours"])
e = ins["replace-unsupported"]
print("eol", e["driver"], e["first_quarter"], e["cost_band"], e["budget"])
print("objectives", ",".join(o["id"] for o in r["objectives"]))
print("warnings", len(r["warnings"]))
PY
check "roadmap.json: format, scan date, the profile's capacity" \
    grep -qx "format riskmap-roadmap 1 2026-11-20 80" "$WORK/rm.facts"
check "four calendar quarters from the scan date" \
    grep -qx "quarters Q4 2026,Q1 2027,Q2 2027,Q3 2027" "$WORK/rm.facts"
check "the first quarter pro rata (42 of 92 days left: 37 h)" \
    grep -qx "capacity 37,80,80,80" "$WORK/rm.facts"
check "totals: 130 h, budget 16500, risk reduction 540" grep -qx "totals 130 16500 540" "$WORK/rm.facts"
check "budget per quarter adds up to the total" grep -qx "budget-adds-up True" "$WORK/rm.facts"
check "seven initiatives" grep -qx "initiatives 7" "$WORK/rm.facts"
check "cleartext admin: first quarter, driven by the HIPAA audit objective" \
    grep -qx "cleartext Q4 2026 objective hipaa-audit 112 8" "$WORK/rm.facts"
check "end of life already past: urgent, medium cost band, 3 assets x 5000" \
    grep -qx "eol urgent Q1 2027 medium 15000" "$WORK/rm.facts"
check "the profile's objectives are listed" grep -qx "objectives hipaa-audit,remote-staff" "$WORK/rm.facts"
check "every served initiative exists in the applied policies: no warning" grep -qx "warnings 0" "$WORK/rm.facts"

# --- roadmap -------------------------------------------------------------------------------
run_riskmap roadmap "$SCAN" --client "$WORK/profile.xml" --json > "$WORK/rm.json"
check "roadmap --json exits 0" [ $? -eq 0 ]
check "roadmap --json is the report's roadmap.json" cmp -s "$WORK/rm.json" "$WORK/out/roadmap.json"
run_riskmap roadmap "$SCAN" --client "$WORK/profile.xml" --capacity 20 > "$WORK/rm.txt"
check "roadmap text: --capacity overrides the profile" \
    grep -q "^Roadmap from 2026-11-20 for Harbor Dental Studio, 20 hours of work per quarter$" "$WORK/rm.txt"
check "roadmap text: work beyond four quarters is 'later'" grep -q "^later " "$WORK/rm.txt"

# --- objectives against the applied policies ------------------------------------------------
sed -e 's|<serves initiative="backup-resilience"/>|<serves initiative="no-such-initiative"/>|' \
    "$WORK/profile.xml" > "$WORK/profile-bad.xml"
run_riskmap policy validate "$WORK/profile-bad.xml" > /dev/null 2> "$WORK/val.err"
check "validate: an objective serving an initiative no policy defines is a warning (exit 0)" [ $? -eq 0 ]
check "...naming the objective and the initiative" \
    grep -qx "warning: $WORK/profile-bad.xml: objective \"hipaa-audit\" serves initiative \"no-such-initiative\", which none of the applied policies defines" "$WORK/val.err"
run_riskmap roadmap "$SCAN" --client "$WORK/profile-bad.xml" > /dev/null 2> "$WORK/rm.err"
check "roadmap: the same warning" grep -q "^warning: .*\"no-such-initiative\", which none of the applied policies defines$" "$WORK/rm.err"

# --- defaults and errors -------------------------------------------------------------------
run_riskmap report "$SCAN" -o "$WORK/plain" > /dev/null 2>&1
check "without a profile: baseline policy, html only" \
    [ "$(ls "$WORK/plain" | tr '\n' ' ')" = "report.html " ]
check "...unbranded, with the baseline policy named" \
    sh -c 'grep -q "under the policies applied (riskmap baseline" "$1" && ! grep -q "Prepared by" "$1"' - "$WORK/plain/report.html"
run_riskmap report "$SCAN" > /dev/null 2> "$WORK/e1"
check "report without -o: exit 2" [ $? -eq 2 ]
check "...and says so" grep -qx "riskmap: report: name the output directory (-o DIR)" "$WORK/e1"
run_riskmap report "$SCAN" -o "$WORK/x" --format pdf > /dev/null 2> "$WORK/e2"
check "unknown format: exit 2" [ $? -eq 2 ]
run_riskmap roadmap "$WORK/missing.json" > /dev/null 2> "$WORK/e3"
check "missing scan result: exit 2" [ $? -eq 2 ]
printf '<html>not a logo</html>' > "$WORK/logo.png"
run_riskmap report "$SCAN" --client "$WORK/profile.xml" -o "$WORK/out" > /dev/null 2> "$WORK/e4"
check "a logo that is not PNG/SVG: still a report, with a warning" \
    grep -q "^warning: logo .* not embedded: neither PNG nor SVG$" "$WORK/e4"
check "...and no <img> in it" sh -c '! grep -q "<img" "$1"' - "$WORK/out/report.html"

# Hosts that answered with nothing open and nothing found get one line, not a section each.
python3 - "$SCAN" "$WORK/quiet.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for i in (200, 201, 202):
    d["hosts"].append({"address": "198.18.9.%d" % i, "family": "ipv4", "state": "up",
                       "reason": "syn-ack", "rtt_ms": 1,
                       "ports": {"open": 0, "closed": 0, "filtered": 0}, "services": []})
d["hosts"].sort(key=lambda h: tuple(int(x) for x in h["address"].split(".")))
json.dump(d, open(sys.argv[2], "w"))
PY
run_riskmap report "$WORK/quiet.json" -o "$WORK/quiet" --format html > /dev/null 2> "$WORK/quiet.err"
check "quiet hosts: report exits 0" [ $? -eq 0 ]
check "quiet hosts: named in one line" \
    grep -q '<p class="quiet-hosts"><b>3 other hosts</b> answered with no open port and no finding: 198.18.9.200, 198.18.9.201, 198.18.9.202.</p>' "$WORK/quiet/report.html"
check "quiet hosts: no section of their own (still the fixture's 6)" \
    [ "$(grep -o '<div class="host">' "$WORK/quiet/report.html" | wc -l)" -eq "$(grep -o '<div class="host">' "$WORK/out/report.html" | wc -l)" ]

finish
