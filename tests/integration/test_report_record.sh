#!/bin/sh
# riskmap report --record (one process: the scan applied to the register, then the report
# written from the register that update left) against the two commands it replaces,
# `register update` followed by `report --db`, on the same scans and the same register
# history: every output must be the same byte for byte but for the time stamps a run makes
# (the report's "generated" minute, the history's when). Offline: no traffic at all.
#
# Two registers, A (two commands) and B (--record), go through the register test's fixture
# scans in turn: scan 1 (new risks, one accepted by the profile), people's edits (owner, an
# acceptance, a false positive), scan 2 (complete: one resolved, one new), scan 2 again
# (already recorded: nothing changed), scan 3 (incomplete), scan 4 (made here: scan 1's
# findings again, one of them twice, so the resolved risk reopens and a fingerprint comes
# twice in one scan). Then the report fixture's scan with the example profile into a data
# directory that has no register yet (--data-dir: made by --record).
set -u
. "$(dirname "$0")/lib.sh"

FIX="$ROOT/tests/fixtures/register"
POL="$ROOT/tests/fixtures/policies/small.xml"
PROF="$ROOT/tests/fixtures/policies/profile-small.xml"
cd "$ROOT" || exit 1

# The time stamps of a run: ISO 8601 (JSON exports, history) and the report's generated minute.
mask() {
    sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z/TIMESTAMP/g' \
        -e 's/generated [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC/generated TIMESTAMP/g' "$1"
}
# same A B: the two files equal, byte for byte once masked (and not empty).
same() { [ -s "$1" ] && [ -s "$2" ] && mask "$1" > "$1.m" && mask "$2" > "$2.m" && cmp "$1.m" "$2.m"; }
# The register as exports show it, into DIR: csv, json, and every history row.
exports() { # exports DB DIR
    mkdir -p "$2"
    run_riskmap register export --format csv --db "$1" -o "$2/export.csv" &&
        run_riskmap register export --format json --db "$1" -o "$2/export.json" &&
        sqlite3 "$1" "SELECT fingerprint, at, who, field, old, new, note FROM history ORDER BY fingerprint, rowid" > "$2/history.txt"
}

# step NAME SCAN: both ways, then every output compared.
step() {
    name=$1 scan=$2
    shift 2
    run_riskmap register update "$scan" --db "$WORK/a.db" "$@" > "$WORK/$name.a.out" 2>&1
    ra=$?
    run_riskmap report "$scan" --db "$WORK/a.db" "$@" -o "$WORK/$name.a" \
        --format html,json,csv > "$WORK/$name.a.rep" 2> "$WORK/$name.a.err"
    rb=$?
    run_riskmap report "$scan" --db "$WORK/b.db" --record "$@" -o "$WORK/$name.b" \
        --format html,json,csv > "$WORK/$name.b.out" 2> "$WORK/$name.b.err"
    rc=$?
    check "$name: both ways exit 0" [ "$ra$rb$rc" = 000 ]
    check "$name: --record prints register update's line first" \
        [ "$(head -n 1 "$WORK/$name.b.out")" = "$(head -n 1 "$WORK/$name.a.out")" ]
    tail -n +2 "$WORK/$name.b.out" | sed "s|$name.b/|OUT/|" > "$WORK/$name.b.files"
    sed "s|$name.a/|OUT/|" "$WORK/$name.a.rep" > "$WORK/$name.a.files"
    check "$name: then the four files it wrote, as report --db names them" \
        sh -c "[ \$(wc -l < '$WORK/$name.b.files') = 4 ] && cmp -s '$WORK/$name.a.files' '$WORK/$name.b.files'"
    check "$name: the same warnings" [ "$(cat "$WORK/$name.a.err")" = "$(cat "$WORK/$name.b.err")" ]
    for f in report.html roadmap.json register.json register.csv; do
        check "$name: $f the same" same "$WORK/$name.a/$f" "$WORK/$name.b/$f"
    done
    exports "$WORK/a.db" "$WORK/$name.ra" && exports "$WORK/b.db" "$WORK/$name.rb"
    for f in export.csv export.json history.txt; do
        check "$name: the registers' $f the same" same "$WORK/$name.ra/$f" "$WORK/$name.rb/$f"
    done
}

step scan1 "$FIX/scan1.json" -p "$POL" -c "$PROF"
check "scan 1: 5 new, one accepted by the profile" \
    grep -q "^register: 5 new, 0 resolved, 0 reopened, 0 still present; worst 20, total 53 (4 risks counted)$" "$WORK/scan1.b.out"
check "scan 1: the report names the five risks" \
    [ "$(grep -o '<tr><td class="n">[0-9]*</td><td><span class="lv' "$WORK/scan1.b/report.html" | wc -l)" = 5 ]
check "register.db made mode 600" [ "$(stat -c %a "$WORK/b.db")" = 600 ]

# People's changes, the same on both (their when differs: masked).
for db in a b; do
    for c in "assign fd21fe76072d alice --due 2026-12-15" \
             "accept e633d4e2e93f --until 2027-01-31 --reason legacy" \
             "false-positive 3fd566ab27ae --reason test-certificate"; do
        # shellcheck disable=SC2086
        run_riskmap register $c --by sam --db "$WORK/$db.db" > /dev/null
    done
done

step scan2 "$FIX/scan2.json" -p "$POL" -c "$PROF"
check "scan 2: 1 new, 1 resolved, 4 still present" \
    grep -q "^register: 1 new, 1 resolved, 0 reopened, 4 still present; worst 20, total 47 (3 risks counted)$" "$WORK/scan2.b.out"
check "scan 2: the report keeps alice as F1's owner" grep -q 'alice' "$WORK/scan2.b/report.html"
step again "$FIX/scan2.json" -p "$POL" -c "$PROF"
check "scan 2 again: nothing changed" \
    grep -q "^register: scan already recorded, nothing changed$" "$WORK/again.b.out"
step scan3 "$FIX/scan3.json" -p "$POL" -c "$PROF"
check "scan 3 (incomplete) resolves nothing, and says so" \
    grep -q "^register: 0 new, 0 resolved, 0 reopened, 1 still present; .*(incomplete scan: nothing resolved)$" "$WORK/scan3.b.out"

python3 - "$FIX/scan1.json" "$WORK/scan4.json" <<'EOF'
import copy, json, sys
d = json.load(open(sys.argv[1]))
d["scan"]["id"] = "4" * 32
d["scan"]["started_utc"] = d["scan"]["finished_utc"] = "2026-11-29T09:00:00Z"
twice = copy.deepcopy(d["findings"][0])
twice["id"] = "F99"
d["findings"].append(twice)
json.dump(d, open(sys.argv[2], "w"), indent=1)
EOF
step scan4 "$WORK/scan4.json" -p "$POL" -c "$PROF"
check "scan 4: the resolved risk reopens, the twice-found one counts once" \
    grep -q "^register: 0 new, 1 resolved, 1 reopened, 5 still present;" "$WORK/scan4.b.out"

# --data-dir: the data directory's register, made by --record when it has none.
SCAN="$ROOT/tests/fixtures/report/scan-small.json"
sed -e 's|logo="[^"]*"||' contrib/examples/client-profile.xml > "$WORK/profile.xml"
run_riskmap register update "$SCAN" -c "$WORK/profile.xml" --data-dir "$WORK/da" > "$WORK/d.a.out" 2>&1 &&
    run_riskmap report "$SCAN" -c "$WORK/profile.xml" --data-dir "$WORK/da" -o "$WORK/d.a" \
        --format html,json,csv >> "$WORK/d.a.out" 2>&1
check "data dir, two commands: exit 0" [ $? -eq 0 ]
run_riskmap report "$SCAN" -c "$WORK/profile.xml" --data-dir "$WORK/db" --record -o "$WORK/d.b" \
    --format html,json,csv > "$WORK/d.b.out" 2>&1
check "data dir, --record: exit 0, the register made" sh -c "[ $? -eq 0 ] && [ -f '$WORK/db/register.db' ]"
for f in report.html register.json register.csv roadmap.json; do
    check "data dir: $f the same" same "$WORK/d.a/$f" "$WORK/d.b/$f"
done
check "data dir: the report has the register's risks" \
    [ "$(grep -o '<tr><td class="n">[0-9]*</td><td><span class="lv' "$WORK/d.b/report.html" | wc -l)" -gt 5 ]

# Usage errors.
run_riskmap report "$SCAN" -c "$WORK/profile.xml" --record -o "$WORK/x" > /dev/null 2> "$WORK/u1.err"
check "--record without a register is a usage error (2)" \
    sh -c "[ $? -eq 2 ] && grep -q -- '--record needs the register' '$WORK/u1.err'"
run_riskmap report "$SCAN" -c "$WORK/profile.xml" --db "$WORK/x.db" --record --date 2026-12-01 \
    -o "$WORK/x" > /dev/null 2> "$WORK/u2.err"
check "--record with --date is a usage error (2), nothing made" \
    sh -c "[ $? -eq 2 ] && [ ! -e '$WORK/x.db' ] && [ ! -e '$WORK/x' ]"

finish
