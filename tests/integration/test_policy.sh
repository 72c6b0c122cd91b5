#!/bin/sh
# riskmap policy validate/show/list/eval on the real binary, offline: no traffic at all. The
# scan result is a fixture (tests/fixtures/policies/scan-dental.json: a dental practice's
# network with an exposed SQL Server, SMB1 on the imaging server, Telnet on the NAS and RDP on
# a workstation), evaluated against the shipped policies and the example client profile.
set -u
. "$(dirname "$0")/lib.sh"

FIX="$ROOT/tests/fixtures/policies"
PROFILE="$ROOT/contrib/examples/client-profile.xml"
SCAN="$FIX/scan-dental.json"
cd "$ROOT" || exit 1

# --- list and validate -------------------------------------------------------------------
run_riskmap policy list > "$WORK/list.txt"
check "policy list exits 0" [ $? -eq 0 ]
check "policy list names the six shipped policies in order" \
    [ "$(awk 'NR > 1 {print $1}' "$WORK/list.txt" | tr '\n' ' ')" = "baseline cis-v8 hipaa iso27001 nist-csf pci-dss " ]

run_riskmap policy validate policies/*.xml "$PROFILE" > "$WORK/val.out" 2> "$WORK/val.err"
check "every shipped policy and the example profile validate (exit 0)" [ $? -eq 0 ]
check "validate says so for all seven files" [ "$(grep -c ': valid ' "$WORK/val.out")" -eq 7 ]
check "the example profile validates with no warnings" [ ! -s "$WORK/val.err" ]

run_riskmap policy validate "$FIX/bad-refs.xml" "$FIX/hostile/external-entity.xml" \
    > "$WORK/bad.out" 2> "$WORK/bad.err"
check "invalid files: exit 2" [ $? -eq 2 ]
check "schema errors are file:line: message" \
    grep -qx "$FIX/bad-refs.xml:9: Element '{urn:riskmap:policy:1}rule': No match found for key-sequence \['missing'\] of keyref '{urn:riskmap:policy:1}ruleControl'." "$WORK/bad.err"
check "an external entity is refused at its DOCTYPE" \
    grep -qx "$FIX/hostile/external-entity.xml:3: DOCTYPE is not allowed (no DTDs, no entities)" "$WORK/bad.err"
check "the summary line counts both" grep -qx "riskmap: policy validate: 2 of 2 files invalid" "$WORK/bad.err"

# --- show ----------------------------------------------------------------------------------
run_riskmap policy show hipaa > "$WORK/show.txt"
check "policy show hipaa exits 0" [ $? -eq 0 ]
check "show lists 164.312(e)(1) with the Telnet rule under it" \
    sh -c 'grep -A40 "^  hipaa-164.312.e.1 " "$1" | grep -q "rule hipaa-164.312.e.1.svc-telnet-open: svc.telnet.open  high L4 I4"' - "$WORK/show.txt"

# --- eval ------------------------------------------------------------------------------------
run_riskmap policy eval -c "$PROFILE" -o "$WORK/eval.json" "$SCAN" > "$WORK/eval.txt"
check "eval with failing controls exits 1" [ $? -eq 1 ]
check "eval -o writes the evaluation document privately (0600)" \
    [ "$(stat -c %a "$WORK/eval.json")" = 600 ]
python3 - "$WORK/eval.json" > "$WORK/eval.facts" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("format", d["format"], d["version"], d["date"], d["client"]["id"])
print("policies", ",".join(p["id"] for p in d["policies"]))
print("summary", " ".join("%s=%d" % kv for kv in d["controls_summary"].items()))
for f in d["frameworks"]:
    print("fw", f["id"], f["items"], f["checked"], f["pass"], f["fail"], f["partial"], f["not-checked"])
    for it in f["results"]:
        print("item", f["id"], it["id"], it["status"])
for c in d["controls"]:
    print("ctl", c["policy"], c["id"], c["status"], c["failing"], c["accepted"],
          ",".join("%s@%s" % (h["kind"], h["asset"]) for h in c["findings"] if h["fails"]))
print("unmapped", len(d["unmapped_findings"]))
PY
check "evaluation document header" grep -qx "format riskmap-policy-evaluation 1 2026-11-20 harbor-dental" "$WORK/eval.facts"
check "the profile's four policies were evaluated" grep -qx "policies baseline,cis-v8,hipaa,pci-dss" "$WORK/eval.facts"
check "15 controls fail, 5 partial, 5 pass, 35 not checked" \
    grep -qx "summary fail=15 partial=5 pass=5 not-checked=35 not-applicable=0" "$WORK/eval.facts"
check "HIPAA 164.312(e)(1) fails (Telnet on the NAS)" grep -qx "item hipaa 164.312(e)(1) fail" "$WORK/eval.facts"
check "hipaa/hipaa-164.312.e.1 fails on exactly the Telnet finding" \
    grep -qx "ctl hipaa hipaa-164.312.e.1 fail 1 0 svc.telnet.open@192.0.2.20" "$WORK/eval.facts"
check "SMB1 on the imaging server is an accepted risk in the baseline" \
    grep -qx "ctl baseline file-sharing-hardened pass 0 1 " "$WORK/eval.facts"
check "...but still fails CIS 4.1 (acceptance names the baseline rule only)" \
    grep -qx "ctl cis-v8 cis-4.1 fail 1 0 svc.smb.v1@192.0.2.11" "$WORK/eval.facts"
check "the answered training control passes; HIPAA 164.308(a)(5)(i) passes" \
    sh -c 'grep -qx "ctl baseline security-awareness pass 0 0 " "$1" && grep -qx "item hipaa 164.308(a)(5)(i) pass" "$1"' - "$WORK/eval.facts"
check "MFA answered partial" grep -qx "ctl baseline mfa-enforced partial 0 0 " "$WORK/eval.facts"
check "unanswered manual control is not checked, never passed" \
    grep -qx "ctl baseline incident-response-plan not-checked 0 0 " "$WORK/eval.facts"
check "CIS 4.8's unexpected-port rule is switched off, Telnet and SMB1 still fail it" \
    grep -qx "ctl cis-v8 cis-4.8 fail 2 0 svc.smb.v1@192.0.2.11,svc.telnet.open@192.0.2.20" "$WORK/eval.facts"
check "informational svc.open findings are recorded, never failing" \
    grep -qx "ctl baseline service-inventory pass 0 0 " "$WORK/eval.facts"
check "every finding is taken by some rule" grep -qx "unmapped 0" "$WORK/eval.facts"
check "the text summary names the HIPAA failure" \
    grep -q "^FAIL hipaa/hipaa-164.312.e.1  Transmission security" "$WORK/eval.txt"

run_riskmap policy eval -p cis-v8 --date 2026-11-20 "$SCAN" > "$WORK/cis.txt"
check "eval -p cis-v8 without a profile exits 1" [ $? -eq 1 ]
check "CIS: 19 safeguards, 6 checked, 5 fail (4.1 4.4 4.6 4.8 12.6), 1 partial (3.10), 13 not checked" \
    grep -q "^CIS Critical Security Controls 8.0  *19  *6  *0  *5  *1  *0  *13$" "$WORK/cis.txt"
run_riskmap policy eval -p cis-v8 --json "$SCAN" > "$WORK/cis.json"
check "--json prints the document on stdout, and only it" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["frameworks"][0]["fail"] != 5)' "$WORK/cis.json"

run_riskmap policy eval -p no-such "$SCAN" > /dev/null 2> "$WORK/nosuch.err"
check "an unknown policy is a usage error (2)" [ $? -eq 2 ]
check "...named as such" grep -q "^no-such:0: no shipped policy of that name" "$WORK/nosuch.err"
run_riskmap policy eval --date 2026-13-01 "$SCAN" > /dev/null 2> "$WORK/date.err"
check "a bad --date is a usage error" [ $? -eq 2 ]

finish
