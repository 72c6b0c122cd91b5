#!/bin/sh
# integration: about 5 s
# RDP with NLA against a REAL CredSSP server started here on 127.0.156.1:3389: FreeRDP's
# shadow server (freerdp2-shadow-x11 2.11.7) sharing a headless Xvfb on display :15601, NLA
# only, nobody able to log in (tests/lab/servers.sh's srv_freerdp_shadow). riskmap's service
# detection selects CredSSP, does TLS and sends a TSRequest carrying an NTLM NEGOTIATE (no
# credential); the server's TSRequest carries the NTLM CHALLENGE. FreeRDP's NTLM (winpr) names
# 6.1 build 7601 - the version winpr pretends on every system - and no target type, which
# Windows always names: riskmap reports it as not Windows's, and the patch check does not take
# it for Windows 7 / Server 2008 R2. Asserted exactly:
#  - the shadow server listens on 127.0.156.1:3389 and nowhere else;
#  - the service: ms-wbt-server by probe:rdp, info "RDP; NLA required; NTLM 6.1 build 7601, no
#    target type (not Windows)";
#  - its evidence: the Connection Confirm selecting HYBRID, the one refusing TLS alone (NLA
#    required), then the server's TSRequest (version 6) whose negoToken is the CHALLENGE with
#    version 6.1.7601 revision 15 and neither target type flag;
#  - with the shipped end-of-life data loaded (windows-server among it), no patch.eol finding
#    for it; Debian 12's nginx (1.22.1, cycle 1.22 ended 2023-04-11), started on
#    127.0.156.2:8080 and scanned with it, is the control: its patch.eol is the only one.
# A Windows server's answer (target type, its own build) is judged in the unit tests
# (test_credssp, test_patch windows_release_from_rdp_credssp): no Windows in the lab.
# Every server is stopped by its PID (lib.sh's cleanup); the scan is bounded in time.
set -u
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/lab/servers.sh"
srv_init "$WORK/servers"

ADDR=127.0.156.1
if ! srv_freerdp_shadow $ADDR 3389 15601; then
    LAB_PIDS="$LAB_PIDS $SRV_PIDFILES"
    skip "$SRV_WHY"
    finish
    exit $?
fi
NGINX=127.0.156.2
if ! srv_nginx $NGINX 8080; then
    LAB_PIDS="$LAB_PIDS $SRV_PIDFILES"
    skip "the control: $SRV_WHY"
    finish
    exit $?
fi
LAB_PIDS="$LAB_PIDS $SRV_PIDFILES"
PID=$(cat "$WORK/servers/freerdp-shadow-$ADDR-3389.pid")

check "freerdp-shadow-cli (pid $PID) listens on $ADDR:3389 and nowhere else" \
    sh -c '[ "$(ss -Hltnp | grep "pid=$1," | awk "{print \$4}")" = "$2:3389" ]' - "$PID" "$ADDR"

export RISKMAP_DATA_DIR="$WORK/data"
run_riskmap feed import --shipped > "$WORK/import.txt" 2>&1 ||
    { not_ok "feed import --shipped: $(tail -c 300 "$WORK/import.txt")"; finish; exit 1; }
run_riskmap feed info > "$WORK/info.txt" 2>&1
check "the shipped end-of-life data holds the windows-server cycles" \
    grep -q "^end of life: .* windows-server ([1-9][0-9]*)" "$WORK/info.txt"

OUT="$WORK/out"
timeout 120 ${RISKMAP_WRAPPER:-} "$RISKMAP" scan 127.0.156.1-2 -p 3389,8080 --rate 0 -q -o "$OUT" > /dev/null \
    2> "$WORK/scan.err"
rc=$?
check "riskmap scan 127.0.156.1-2 -p 3389,8080 exits 0 (got $rc; stderr: $(head -c 300 "$WORK/scan.err"))" \
    [ "$rc" = 0 ]

python3 - "$OUT/scan.json" > "$WORK/rdp.txt" 2> "$WORK/rdp.err" <<'PY'
import base64, json, sys
d = json.load(open(sys.argv[1]))
ev = {e["id"]: e for e in d["evidence"]}
for h in d["hosts"]:
    for s in h["services"]:
        if s["port"] != 3389:
            continue
        print("service", h["address"], s["port"], s.get("name"), s.get("method"), s.get("info"))
        raw = base64.b64decode(ev[s["evidence"]]["data"])
        print("cc1", raw[:19].hex())
        print("cc2", raw[19:38].hex())
        ts = raw[38:]
        # TSRequest: SEQUENCE, long-form length (FreeRDP's is 159 bytes), [0] INTEGER version.
        print("tsrequest", ts[0] == 0x30, len(ts) == 3 + ts[2] if ts[1] == 0x81 else None,
              ts[3:8].hex())
        i = ts.find(b"NTLMSSP\0\x02\0\0\0")
        flags = int.from_bytes(ts[i + 20:i + 24], "little") if i >= 0 else None
        print("challenge", i >= 0, ts[i + 48:i + 56].hex() if i >= 0 else None,
              "target-type" if flags is not None and flags & 0x30000 else "no-target-type")
PY
patch_findings "$OUT/scan.json" > "$WORK/patch.txt" 2>> "$WORK/rdp.err"

check "the service: ms-wbt-server by probe:rdp, NLA required, winpr's NTLM version named as not Windows's (got: $(grep ^service "$WORK/rdp.txt"))" \
    [ "$(grep ^service "$WORK/rdp.txt")" = "service $ADDR 3389 ms-wbt-server probe:rdp RDP; NLA required; NTLM 6.1 build 7601, no target type (not Windows)" ]
check "evidence: the first Connection Confirm selects HYBRID (got: $(grep ^cc1 "$WORK/rdp.txt"))" \
    [ "$(grep ^cc1 "$WORK/rdp.txt")" = "cc1 030000130ed000000000000203080002000000" ]
check "evidence: TLS alone is refused with HYBRID_REQUIRED_BY_SERVER (got: $(grep ^cc2 "$WORK/rdp.txt"))" \
    [ "$(grep ^cc2 "$WORK/rdp.txt")" = "cc2 030000130ed000000000000300080005000000" ]
check "evidence: the server's TSRequest, whole, version 6 (got: $(grep ^tsrequest "$WORK/rdp.txt"))" \
    [ "$(grep ^tsrequest "$WORK/rdp.txt")" = "tsrequest True True a003020106" ]
check "evidence: its NTLM CHALLENGE names 6.1.7601 revision 15 and no target type (got: $(grep ^challenge "$WORK/rdp.txt"))" \
    [ "$(grep ^challenge "$WORK/rdp.txt")" = "challenge True 0601b11d0000000f no-target-type" ]
check "winpr's 6.1.7601 is not taken for Windows 7 / Server 2008 R2: the only patch.eol is the control's, nginx 1.22 (patch findings: $(cut -d' ' -f1-3 "$WORK/patch.txt" | tr '\n' ';'))" \
    sh -c '[ ! -s "$2" ] && [ "$(grep -c " patch.eol" "$1")" = 1 ] &&
           grep -q "^$3 8080 patch.eol .* cycle=1.22 .*eol_date=2023-04-11 .*product=nginx " "$1"' \
    - "$WORK/patch.txt" "$WORK/rdp.err" "$NGINX"

finish
