#!/bin/sh
# riskmap register and riskmap diff on the real binary, offline (no traffic at all): three
# fixture scans of one client (tests/fixtures/register/, written by make_scan.py there) are
# applied in turn, people change risks through the CLI, the register is listed, filtered,
# exported and diffed; then a large generated scan is killed (SIGKILL) in the middle of its
# update and the SQLite file must be intact (sqlite3 PRAGMA integrity_check) and unchanged.
set -u
. "$(dirname "$0")/lib.sh"

FIX="$ROOT/tests/fixtures/register"
POL="$ROOT/tests/fixtures/policies/small.xml"
PROF="$ROOT/tests/fixtures/policies/profile-small.xml"
DIR="$WORK/acme"
DB="$DIR/register.db"
cd "$ROOT" || exit 1

# The fixtures' fingerprints (make_scan.py computes them as checks/finding.c does).
F1=fd21fe76072d   # svc.telnet.open 192.0.2.10:23, critical asset: 4 x 5 = 20
F2=6584d3c72eac   # svc.telnet.open 192.0.2.20:23, accepted in the profile (Alice, 2026-12-31): 16
F3=e633d4e2e93f   # tls.protocol.tls10 192.0.2.30:443, office: 3 x 4 = 12; gone in scan 2
F4=b8c330370e95   # backup.stale 192.0.2.10, 30 h > 24 h RPO: 3 x 5 = 15
F5=3fd566ab27ae   # tls.cert.expiring 192.0.2.100:443, 10 < 14 days, low asset: 3 x 2 = 6
F7=8ccf500db505   # tls.protocol.ssl3 192.0.2.31:443, new in scan 2: 12

reg() { run_riskmap register "$@" --data-dir "$DIR"; }
update() { reg update "$FIX/$1" -p "$POL" -c "$PROF"; }
# The fingerprint prefixes (12) of `register list` rows, sorted, one line.
rows() { reg list "$@" | awk 'f && NF {print $1} /^FINGERPRINT/ {f = 1}' | sed '/^(/d' | sort | tr '\n' ' '; }
sorted() { for x in "$@"; do echo "$x"; done | sort | tr '\n' ' '; }
status_of() { reg list | awk -v p="$1" '$1 == p {print $2}'; }
q() { sqlite3 "$DB" "$1"; }

# --- scan 1 ------------------------------------------------------------------------------
update scan1.json > "$WORK/u1.out" 2>&1
check "update scan 1 exits 0" [ $? -eq 0 ]
check "scan 1: 5 new, worst 20, total 53 over 4 counted (the accepted one is not)" \
    grep -q "^register: 5 new, 0 resolved, 0 reopened, 0 still present; worst 20, total 53 (4 risks counted)$" "$WORK/u1.out"
check "register.db is mode 600" [ "$(stat -c %a "$DB")" = 600 ]
check "its directory is mode 700" [ "$(stat -c %a "$DIR")" = 700 ]
check "the profile's acceptance: accepted, owner Alice" \
    [ "$(q "SELECT status || '|' || owner || '|' || accept_expires FROM risk WHERE fingerprint LIKE '$F2%'")" = "accepted|Alice|2026-12-31" ]
check "history: each new risk opened by \"scan 1111...\"" \
    [ "$(q "SELECT count(*) FROM history WHERE who = 'scan 11111111111111111111111111111111' AND field = 'status' AND old IS NULL")" = 5 ]

# --- people ------------------------------------------------------------------------------
reg assign "$F1" alice --due 2026-12-15 --by sam > /dev/null
check "assign exits 0" [ $? -eq 0 ]
reg accept "$F3" --until 2027-01-31 --reason "legacy clients, until January" --by sam > /dev/null
check "accept exits 0" [ $? -eq 0 ]
reg false-positive "$F5" --reason "test certificate, not in use" --by sam > /dev/null
check "false-positive exits 0" [ $? -eq 0 ]
reg note "$F4" "asked the client about the NAS job" --by sam > /dev/null
check "note exits 0" [ $? -eq 0 ]
reg accept "$F3" --until 2027-01-31 > /dev/null 2>&1
check "accept without --reason is a usage error (2)" [ $? -eq 2 ]
reg show fd21 > /dev/null 2>&1
check "a unique 4-digit prefix names a risk" [ $? -eq 0 ]
reg show ffff > /dev/null 2>&1
check "an unknown prefix is a usage error (2)" [ $? -eq 2 ]
reg show fd2 > /dev/null 2>&1
check "a prefix under 4 digits is a usage error (2)" [ $? -eq 2 ]
reg show zzzz > /dev/null 2>&1
check "a non-hex prefix is a usage error (2)" [ $? -eq 2 ]
reg show "$F1" > "$WORK/show1.out"
check "show: owner alice, due 2026-12-15" sh -c "grep -q '^  Owner  *alice$' '$WORK/show1.out' && grep -q '^  Due  *2026-12-15$' '$WORK/show1.out'"
check "show: history rows by sam (owner, due) with UTC time" \
    [ "$(grep -cE '^  20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  sam +(owner|due):' "$WORK/show1.out")" = 2 ]
check "history rows of sam in the file: owner, due, status/accept_expires/treatment, status/exception_kind/treatment, note" \
    [ "$(q "SELECT group_concat(field, ',') FROM (SELECT field FROM history WHERE who = 'sam' ORDER BY id)")" = "owner,due,status,accept_expires,treatment,status,exception_kind,treatment,note" ]

# --- scan 2 ------------------------------------------------------------------------------
update scan2.json > "$WORK/u2.out" 2>&1
check "scan 2: 1 new (F7), 1 resolved (F3), 4 still present; worst 20, total 47" \
    grep -q "^register: 1 new, 1 resolved, 0 reopened, 4 still present; worst 20, total 47 (3 risks counted)$" "$WORK/u2.out"
check "headline with trend: worst 20 unchanged, total down 6" \
    sh -c "grep -q '^Worst single risk: 20 (very high), $F1.*unchanged since the previous scan$' '$WORK/u2.out' && grep -q '^Total risk: 47, down 6 since the previous scan$' '$WORK/u2.out'"
check "F1 keeps its owner across scans" [ "$(q "SELECT owner FROM risk WHERE fingerprint LIKE '$F1%'")" = alice ]
check "F1 first seen 2026-11-20, last seen 2026-11-27" \
    [ "$(q "SELECT first_seen || ' ' || last_seen FROM risk WHERE fingerprint LIKE '$F1%'")" = "2026-11-20 2026-11-27" ]
check "F3 (accepted, gone) resolved" [ "$(status_of "$F3")" = resolved ]
check "F5 stays an exception, out of the scores" \
    [ "$(q "SELECT status || '|' || residual || '|' || exception_kind || '|' || treatment FROM risk WHERE fingerprint LIKE '$F5%'")" = "exception|0|false-positive|test certificate, not in use" ]
check "list shows the exception with its reason" \
    sh -c "reg() { :; }; '$RISKMAP' register list --data-dir '$DIR' | grep -q '^$F5 exception .*\[false-positive: test certificate, not in use\]$'"
check "F7 new and open" [ "$(status_of "$F7")" = open ]

update scan2.json > "$WORK/u2b.out" 2>&1
check "scan 2 again: nothing changed" grep -q "^register: scan already recorded, nothing changed$" "$WORK/u2b.out"
check "scan 2 again: still 2 trend points" [ "$(q 'SELECT count(*) FROM scan')" = 2 ]

# --- filters -----------------------------------------------------------------------------
check "list: all six" [ "$(rows)" = "$(sorted $F1 $F2 $F3 $F4 $F5 $F7)" ]
check "list --status open" [ "$(rows --status open)" = "$(sorted $F1 $F4 $F7)" ]
check "list --status resolved" [ "$(rows --status resolved)" = "$(sorted $F3)" ]
check "list --min-score 15" [ "$(rows --min-score 15)" = "$(sorted $F1 $F2 $F4)" ]
check "list --asset 192.0.2.10" [ "$(rows --asset 192.0.2.10)" = "$(sorted $F1 $F4)" ]
check "list --framework cis-v8 (telnet and backup controls)" [ "$(rows --framework cis-v8)" = "$(sorted $F1 $F2 $F4)" ]
check "list --owner alice" [ "$(rows --owner alice)" = "$(sorted $F1)" ]
check "list --kind tls." [ "$(rows --kind tls.)" = "$(sorted $F3 $F5 $F7)" ]
check "list --kind tls.protocol.ssl3 --status open" [ "$(rows --kind tls.protocol.ssl3 --status open)" = "$(sorted $F7)" ]
check "the register may be named before the subcommand" \
    [ "$(run_riskmap register --data-dir "$DIR" list --owner alice | awk '/^FINGERPRINT/ {getline; print $1}')" = "$F1" ]
reg list --status bogus > /dev/null 2>&1
check "list --status bogus is a usage error (2)" [ $? -eq 2 ]

# --- export ------------------------------------------------------------------------------
reg export --format csv --bom -o "$WORK/reg.csv"
check "export csv exits 0" [ $? -eq 0 ]
check "csv file is mode 600" [ "$(stat -c %a "$WORK/reg.csv")" = 600 ]
python3 - "$WORK/reg.csv" "$F3" > "$WORK/csv.out" 2>&1 <<'EOF'
import csv, io, sys
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no BOM"
body = raw[3:].decode("utf-8")
lines = body.split("\r\n")
assert lines[-1] == "", "file does not end in CRLF"
assert "\n" not in body.replace("\r\n", ""), "bare LF line end"
rows = list(csv.DictReader(io.StringIO(body, newline="")))
assert len(rows) == 6, len(rows)
by = {r["fingerprint"][:12]: r for r in rows}
r = by[sys.argv[2]]
assert r["title"] == 'TLS 1.0 offered, for "legacy" clients', r["title"]
assert r["status"] == "resolved" and r["residual"] == "0" and r["inherent"] == "12", r
assert r["treatment"] == "legacy clients, until January", r["treatment"]
assert r["frameworks"] == "hipaa 164.312(e)(1)", r["frameworks"]
assert r["first_seen"] == "2026-11-20" and r["last_seen"] == "2026-11-20", r
print("csv ok")
EOF
check "csv reads back field for field (BOM, CRLF, quoted comma and quotes)" grep -q "^csv ok$" "$WORK/csv.out" || cat "$WORK/csv.out"

reg export --format json > "$WORK/reg.json"
check "export json exits 0" [ $? -eq 0 ]
python3 - "$WORK/reg.json" "$F1" > "$WORK/json.out" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "riskmap-register"
assert d["headline"] == {"worst": 20, "total": 47, "counted": 3,
                         "worst_fingerprint": d["headline"]["worst_fingerprint"]}
assert d["headline"]["worst_fingerprint"].startswith(sys.argv[2])
assert [(p["scan_id"][:4], p["worst"], p["total"], p["new"], p["resolved"]) for p in d["trend"]] == \
    [("1111", 20, 53, 5, 0), ("2222", 20, 47, 1, 1)], d["trend"]
assert d["by_status"] == {"open": 3, "reopened": 0, "mitigating": 0, "accepted": 1,
                          "exception": 1, "resolved": 1}, d["by_status"]
print("json ok")
EOF
check "json: headline, trend and status counts" grep -q "^json ok$" "$WORK/json.out" || cat "$WORK/json.out"

# --- scan 3: incomplete ------------------------------------------------------------------
update scan3.json > "$WORK/u3.out" 2>&1
check "incomplete scan 3 resolves nothing" \
    grep -q "^register: 0 new, 0 resolved, 0 reopened, 1 still present; .*(incomplete scan: nothing resolved)$" "$WORK/u3.out"
check "F4 and F7 still open after the incomplete scan" [ "$(rows --status open)" = "$(sorted $F1 $F4 $F7)" ]
reg trend > "$WORK/trend.out"
check "trend: three scans, worst/total 20/53, 20/47, 20/47" \
    [ "$(awk 'NR > 1 {print $1, $3, $4}' "$WORK/trend.out" | tr '\n' ';')" = "2026-11-20 20 53;2026-11-27 20 47;2026-11-28 20 47;" ]
check "trend: per-framework compliance on each line" [ "$(grep -c ' hipaa [0-9]*/[0-9]*/[0-9]*/[0-9]*' "$WORK/trend.out")" = 3 ]

# --- diff --------------------------------------------------------------------------------
run_riskmap diff "$FIX/scan1.json" "$FIX/scan2.json" > "$WORK/diff.out"
check "diff exits 0" [ $? -eq 0 ]
check "diff: 1 new, 1 resolved, 1 changed severity, 4 unchanged" \
    grep -q "^1 new, 1 resolved, 1 changed severity, 4 unchanged$" "$WORK/diff.out"
check "diff: backup.stale medium -> high" grep -q "^  medium -> high  *backup.stale " "$WORK/diff.out"
# The data directory layout of riskmap scan --data-dir (scanner/datadir.h), made by hand.
mkdir -p "$DIR/scans/20261120T090000Z-11111111" "$DIR/scans/20261127T090000Z-22222222"
cp "$FIX/scan1.json" "$DIR/scans/20261120T090000Z-11111111/scan.json"
cp "$FIX/scan2.json" "$DIR/scans/20261127T090000Z-22222222/scan.json"
mkdir -p "$DIR/scans/20261128T090000Z-deadbeef" # a killed scan: no scan.json, skipped
ln -s scans/20261127T090000Z-22222222 "$DIR/latest"
run_riskmap diff --json --data-dir "$DIR" previous latest > "$WORK/diff.json"
check "diff --data-dir previous latest --json exits 0" [ $? -eq 0 ]
python3 - "$WORK/diff.json" > "$WORK/diffj.out" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["a"]["id"].startswith("1111") and d["b"]["id"].startswith("2222"), (d["a"], d["b"])
assert [x["kind"] for x in d["new"]] == ["tls.protocol.ssl3"], d["new"]
assert [x["kind"] for x in d["resolved"]] == ["tls.protocol.tls10"], d["resolved"]
assert [(x["kind"], x["severity_a"], x["severity_b"]) for x in d["changed"]] == \
    [("backup.stale", "medium", "high")], d["changed"]
assert d["unchanged"] == 4
print("diff ok")
EOF
check "diff json: new ssl3, resolved tls10, backup medium -> high" grep -q "^diff ok$" "$WORK/diffj.out" || cat "$WORK/diffj.out"
run_riskmap diff --data-dir "$DIR" 20261120T090000Z-11111111 latest | grep -q "^1 new, 1 resolved" 
check "diff by scan directory name" [ $? -eq 0 ]

# --- SIGKILL in the middle of an update --------------------------------------------------
python3 "$FIX/make_scan.py" big 60000 "$WORK/big.json"
before=$(q "SELECT count(*), group_concat(fingerprint || status || residual || coalesce(owner, ''), ',') FROM (SELECT * FROM risk ORDER BY fingerprint)" | sha256sum)
hist_before=$(q "SELECT count(*) FROM history")
scans_before=$(q "SELECT count(*) FROM scan")
# The binary itself in the background (not a shell function, whose subshell would take the
# signal and leave riskmap running).
"$RISKMAP" register update "$WORK/big.json" -p "$POL" --data-dir "$DIR" > /dev/null 2>&1 &
pid=$!
# Wait (bounded: 30 s) until the update's transaction has spilled pages into the WAL: it is
# writing, and has not committed (the commit would also have to write the scan row last).
i=0
while [ $i -lt 3000 ]; do
    s=$(stat -c %s "$DB-wal" 2>/dev/null || echo 0)
    [ "$s" -gt 1048576 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.01
    i=$((i + 1))
done
kill -KILL $pid 2>/dev/null
wait $pid
rc=$?
check "the update was killed mid-way (exit 137, WAL at $s bytes)" [ $rc -eq 137 ]
check "sqlite3 PRAGMA integrity_check = ok" [ "$(q 'PRAGMA integrity_check')" = ok ]
check "risks unchanged after the kill" [ "$(q "SELECT count(*), group_concat(fingerprint || status || residual || coalesce(owner, ''), ',') FROM (SELECT * FROM risk ORDER BY fingerprint)" | sha256sum)" = "$before" ]
check "history unchanged after the kill" [ "$(q 'SELECT count(*) FROM history')" = "$hist_before" ]
check "no trend point for the killed scan" [ "$(q 'SELECT count(*) FROM scan')" = "$scans_before" ]
reg summary > "$WORK/sum.out" 2>&1
check "the register still reads: summary after the kill" grep -q "^Total risk: 47, unchanged since the previous scan$" "$WORK/sum.out"
reg update "$WORK/big.json" -p "$POL" > "$WORK/big.out" 2>&1
check "the killed update, run again, completes: 60000 new, 4 resolved (F1 F2 F4 F7)" \
    grep -q "^register: 60000 new, 4 resolved, 0 reopened, 0 still present; worst 16, total 960000 (60000 risks counted)$" "$WORK/big.out" ||
    cat "$WORK/big.out"

finish
