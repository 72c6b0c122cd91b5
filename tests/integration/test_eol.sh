#!/bin/sh
# End of life against REAL servers started here on 127.0.77.0/24: Debian 12's nginx (1.22.1)
# and redis-server (7.0.15) as installed. No stand-in is needed: both Debian 12 packages are
# upstream cycles endoflife.date lists as ended (nginx 1.22 on 2023-04-11, Redis 7.0 on
# 2024-07-29).
#
#  1. Feed = the endoflife.date fixtures tests/fixtures/feeds/eol/nginx.json and redis.json
#     only (real dates, see the README there). The patch findings are exactly: patch.eol for
#     nginx (cycle 1.22, eol_date 2023-04-11) and for Redis (7.0, 2024-07-29), with days_past
#     counted from the scan's start, plus the feed's own patch.feed and patch.feed.stale (no
#     advisories are loaded, so the advisory side is stale by construction).
#  2. `riskmap feed import --shipped` into an empty store gives the same two patch.eol
#     findings from the data built into the binary; `feed info` lists its products and
#     `feed match` answers "eol PRODUCT VERSION" queries with the cycle and its date.
#  3. The report side reads what it needs: scan.json validates against the schema.
# Every server is stopped by its PID (lib.sh's cleanup); every scan is bounded in time.
set -u
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/lab/servers.sh"
srv_init "$WORK/servers"

NGINX=""
REDIS=""
if srv_nginx 127.0.77.2 8080; then NGINX=1; else skip "nginx: $SRV_WHY"; fi
if srv_redis 127.0.77.3 6379; then REDIS=1; else skip "redis: $SRV_WHY"; fi
LAB_PIDS="$LAB_PIDS $SRV_PIDFILES"
if [ -z "$NGINX$REDIS" ]; then
    skip "no server could start; nothing to test"
    finish
    exit $?
fi

# days_since DATE SCAN.json: whole days from DATE to the scan's start day (UTC).
days_since() {
    python3 - "$1" "$2" <<'PY'
import datetime, json, sys
start = json.load(open(sys.argv[2]))["scan"]["started_utc"][:10]
d = datetime.date.fromisoformat(start) - datetime.date.fromisoformat(sys.argv[1])
print(d.days)
PY
}
severity_for() { # severity_for DAYS_PAST
    if [ "$1" -ge 730 ]; then echo critical; elif [ "$1" -ge 180 ]; then echo high; else echo medium; fi
}
scan() { # scan OUTDIR
    timeout 120 "$RISKMAP" scan 127.0.77.2-3 -p 6379,8080 --rate 0 -q --checks patch -o "$1" \
        > "$1.txt" 2> "$1.err"
}
expect_eol() { # expect_eol FINDINGS SCANJSON ADDR PORT PRODUCT VERSION CYCLE EOL_DATE LATEST
    days=$(days_since "$8" "$2")
    sev=$(severity_for "$days")
    want="$3 $4 patch.eol $sev as_of=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["scan"]["started_utc"][:10])' "$2") cycle=$7 days_past=$days eol_date=$8 eol_product=$(echo "$5" | tr 'A-Z' 'a-z' | sed 's/ .*//') latest=$9 port=$4"
    # lts: the fixtures carry the v0 API's "lts": false, the shipped bundle leaves it out.
    line=$(grep "^$3 $4 patch.eol " "$1" | sed 's/ lts=[a-z]*//')
    check "$5 $6: patch.eol, cycle $7 ended $8, $days days before the scan ($sev)" \
        sh -c 'echo "$1" | grep -q "^$2 "' - "$line" "$want"
    check "  product, version, source, key" \
        sh -c 'echo "$1" | grep -q " product=$2 product_cycle=$3_$4 protocol=tcp service=[a-z]* source=endoflife.date version=$5$"' \
        - "$line" "$(echo "$5" | sed 's/ /_/g')" "$(echo "$5" | tr 'A-Z' 'a-z' | sed 's/ .*//')" "$7" "$6"
}

# 1.
export RISKMAP_DATA_DIR="$WORK/data1"
run_riskmap feed import "$ROOT/tests/fixtures/feeds/eol/nginx.json" \
    "$ROOT/tests/fixtures/feeds/eol/redis.json" > "$WORK/import1.txt" 2>&1
check "endoflife.date fixtures imported" test $? -eq 0
check "  nginx.json: 7 release cycles" grep -q "nginx.json: eol, 7 release cycles" "$WORK/import1.txt"
scan "$WORK/out1"
check "scan 1 exits 0" test $? -eq 0
patch_findings "$WORK/out1/scan.json" > "$WORK/f1.txt" || not_ok "scan.json unreadable"
cat "$WORK/f1.txt"
n=0
if [ -n "$NGINX" ]; then
    n=$((n + 1))
    expect_eol "$WORK/f1.txt" "$WORK/out1/scan.json" 127.0.77.2 8080 nginx 1.22.1 1.22 2023-04-11 1.22.1
fi
if [ -n "$REDIS" ]; then
    n=$((n + 1))
    # Detection names Redis "Redis key-value store".
    line=$(grep "^127.0.77.3 6379 patch.eol " "$WORK/f1.txt")
    days=$(days_since 2024-07-29 "$WORK/out1/scan.json")
    check "Redis 7.0.15: patch.eol, cycle 7.0 ended 2024-07-29, $days days before the scan" \
        sh -c 'echo "$1" | grep -q " patch.eol $2 .*cycle=7.0 days_past=$3 eol_date=2024-07-29 eol_product=redis latest=7.0.15 .*version=7.0.15$"' \
        - "$line" "$(severity_for "$days")" "$days"
fi
check "fixture data: lts=false (the v0 API's default) on every patch.eol" \
    sh -c 'test "$(grep " patch.eol " "$1" | grep -c " lts=false ")" -eq "$2"' - "$WORK/f1.txt" "$n"
check "exactly $n patch.eol, no patch.eol.soon, no patch.cve" \
    sh -c 'test "$(grep -c " patch.eol " "$1")" -eq "$2" && ! grep -q " patch.eol.soon \| patch.cve " "$1"' \
    - "$WORK/f1.txt" "$n"
check "the feed's own findings: patch.feed (0 advisories) and patch.feed.stale" \
    sh -c 'grep -q " patch.feed info .*feed_records=0" "$1" && grep -q " patch.feed.stale " "$1" &&
           test "$(wc -l < "$1")" -eq $(($2 + 2))' - "$WORK/f1.txt" "$n"

# 2.
export RISKMAP_DATA_DIR="$WORK/data2"
run_riskmap feed import --shipped > "$WORK/import2.txt" 2>&1
check "feed import --shipped" test $? -eq 0
run_riskmap feed info > "$WORK/info2.txt" 2>&1
check "feed info lists the shipped EOL products" \
    grep -q "^end of life: 16 products, 204 release cycles: apache (4), debian (6), exim (11), mariadb (21), mysql (16), nginx (16), openssh (5), openssl (8), php (12), postfix (17), postgresql (11), proftpd (5), redis (10), samba (17), ubuntu (25), windows-server (20)$" "$WORK/info2.txt"
printf 'eol nginx 1.22.1\neol openssh 9.2p1\neol openssl 1.0.2k\neol openssl 3.5.0\neol mariadb 10.11.6\n' |
    run_riskmap feed match - > "$WORK/match2.txt" 2>&1
cat > "$WORK/match2.want" <<'EOF'
eol nginx 1.22.1: cycle 1.22, end of life 2023-04-11, latest 1.22.1
eol openssh 9.2p1: cycle 9, end of life none announced, latest 9.6
eol openssl 1.0.2k: cycle 1.0.2, end of life 2019-12-31, latest 1.0.2u
eol openssl 3.5.0: -
eol mariadb 10.11.6: cycle 10.11, end of life 2028-02-16, latest 10.11.11
EOF
check "feed match eol: cycles and dates from the shipped data" cmp -s "$WORK/match2.txt" "$WORK/match2.want"
scan "$WORK/out2"
check "scan 2 exits 0" test $? -eq 0
patch_findings "$WORK/out2/scan.json" > "$WORK/f2.txt"
if [ -n "$NGINX" ]; then
    expect_eol "$WORK/f2.txt" "$WORK/out2/scan.json" 127.0.77.2 8080 nginx 1.22.1 1.22 2023-04-11 1.22.1
fi
if [ -n "$REDIS" ]; then
    check "shipped data: Redis 7.0 ended 2024-07-29" \
        grep -q "^127.0.77.3 6379 patch.eol .*cycle=7.0 .*eol_date=2024-07-29 " "$WORK/f2.txt"
fi

# 3.
if python3 -c 'import jsonschema' 2>/dev/null; then
    python3 - "$ROOT/docs/scan-result.schema.json" "$WORK/out1/scan.json" <<'PY' > "$WORK/schema.txt" 2>&1
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
    check "scan.json with patch.eol findings validates against the schema" test $? -eq 0
else
    skip "python3-jsonschema not installed: schema not checked"
fi

echo "$SKIPS skipped"
finish
