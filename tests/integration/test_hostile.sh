#!/bin/sh
# integration: alone (raw packets, nftables counters, timing or 127.0.0.1 itself: see run.sh)
# Hostile servers on 127.0.65.0/24 (tests/lab/hostile.py): one that accepts and never
# speaks, one that speaks a byte a second forever, an endless banner, a 50 MB HTTP header,
# TLS records whose lengths lie, a 10 MB certificate chain, resets in the middle of every
# handshake, random bytes. A whole scan of them (port scan, service detection, checks) must
# finish within its configured timeouts, keep its peak memory bounded, name every endpoint in
# a finding (svc.unidentified with the reason when detection could not name it) and never
# crash. Run with the connect scan and with root's default (SYN scan, raw discovery).
set -u
. "$(dirname "$0")/lib.sh"

BUSY=" $(wildcard_ports | tr '\n' ' ') "
for p in 21 22 25 80 443 3306 6379 9999; do
    case "$BUSY" in *" $p "*) echo "skip - port $p is a wildcard listener here"; exit 0 ;; esac
done

PIDF="$WORK/hostile.pid"
python3 "$ROOT/tests/lab/hostile.py" --pidfile "$PIDF" --lifetime 150 \
    tlslie@127.0.65.1:443 bigcert@127.0.65.2:443 reset@127.0.65.3:443 reset@127.0.65.3:6379 \
    bigheader@127.0.65.4:80 trickle@127.0.65.5:22 endless@127.0.65.6:21 silent@127.0.65.7:25 \
    random@127.0.65.8:9999 random@127.0.65.8:3306 2> "$WORK/hostile.err" &
LAB_PIDS="$LAB_PIDS $PIDF"
i=0
while [ ! -f "$PIDF" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -f "$PIDF" ] || { echo "not ok - hostile servers did not start"; cat "$WORK/hostile.err"; exit 1; }

ST=2000 # --service-timeout: each detection conversation is cut after 2 s
# run NAME ARGS...: runs riskmap, prints "rc wall_s maxrss_kb" into $WORK/NAME.res
run() {
    name=$1; shift
    python3 - "$WORK/$name.res" "$RISKMAP" "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
try:
    rc = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        timeout=120).returncode
except subprocess.TimeoutExpired:
    rc = "timeout"
wall = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
open(sys.argv[1], "w").write("%s %.2f %d\n" % (rc, wall, rss))
PY
}

judge() { # judge NAME: every endpoint named in a finding; the 50 MB header bounded
    python3 - "$WORK/$1/scan.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
svc = {(h["address"], s["port"]): s for h in d["hosts"] for s in h["services"]}
want = {("127.0.65.1", 443), ("127.0.65.2", 443), ("127.0.65.3", 443), ("127.0.65.3", 6379),
        ("127.0.65.4", 80), ("127.0.65.5", 22), ("127.0.65.6", 21), ("127.0.65.7", 25),
        ("127.0.65.8", 9999), ("127.0.65.8", 3306)}
assert set(svc) == want, sorted(set(svc) ^ want)
unid = {(f["asset"]["address"], f["port"]): f for f in d["findings"] if f["kind"] == "svc.unidentified"}
for ep in want:
    s = svc[ep]
    if ep == ("127.0.65.4", 80):
        # The endless header is cut at the bound; its Server line still names it.
        assert s.get("product") == "hostile", s
        continue
    assert ep in unid, ("no svc.unidentified for", ep, s)
    assert unid[ep]["facts"]["detection"] == s["detection_note"], (unid[ep], s)
notes = {ep: svc[ep]["detection_note"] for ep in unid}
assert "reset" in notes[("127.0.65.3", 6379)], notes
assert "no answer" in notes[("127.0.65.7", 25)], notes
assert "the bound" in notes[("127.0.65.6", 21)], notes
ev = {e["id"]: e for e in d["evidence"]}
for h in d["hosts"]:
    for s in h["services"]:
        if "evidence" in s:
            assert ev[s["evidence"]]["length"] <= 4096, s
print("ok %d endpoints, %d unidentified" % (len(svc), len(unid)))
PY
}

run tcp scan -sT -Pn 127.0.65.1-8 -p 21,22,25,80,443,3306,6379,9999 --service-timeout $ST \
    -o "$WORK/tcp"
read -r rc wall rss < "$WORK/tcp.res"
check "-sT scan of the hostile lab exits 0 (got $rc)" [ "$rc" = 0 ]
# 10 endpoints, 64 conversations at once, at most 3 steps of 2 s each: 6 s, plus the scan.
check "-sT finishes within its timeouts (${wall} s <= 12 s)" python3 -c "import sys; sys.exit(not $wall <= 12)"
check "-sT peak memory bounded (${rss} KiB <= 65536 KiB)" [ "$rss" -le 65536 ]
if res=$(judge tcp 2>&1); then ok "-sT: $res"; else not_ok "-sT findings"; echo "$res"; fi

if [ "$(id -u)" = 0 ]; then
    run syn scan 127.0.65.1-8 -p 21,22,25,80,443,3306,6379,9999 --service-timeout $ST -o "$WORK/syn"
    read -r rc wall rss < "$WORK/syn.res"
    check "root default scan of the hostile lab exits 0 (got $rc)" [ "$rc" = 0 ]
    check "root default finishes within its timeouts (${wall} s <= 12 s)" python3 -c "import sys; sys.exit(not $wall <= 12)"
    # libpcap's capture buffers (32 MiB for the SYN scan) dominate.
    check "root default peak memory bounded (${rss} KiB <= 131072 KiB)" [ "$rss" -le 131072 ]
    if res=$(judge syn 2>&1); then ok "root default: $res"; else not_ok "root default findings"; echo "$res"; fi
fi
echo "# measured: -sT $(cat "$WORK/tcp.res") ; root $(cat "$WORK/syn.res" 2>/dev/null)  (rc wall_s maxrss_KiB)"
finish
