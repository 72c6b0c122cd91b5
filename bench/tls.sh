#!/bin/bash
# TLS benchmark: riskmap tls against sslscan and testssl.sh on the same loopback endpoints.
#
#   bench/tls.sh                  (also run by: make bench; root for the connection counts)
#   SKIP_TESTSSL=1 bench/tls.sh   without testssl.sh (about two minutes per endpoint)
#   RUNS=N                        runs of the parallel comparison (default 3; medians)
#   PIN=1 bench/tls.sh            the s_server processes on the last CPU, everything else on
#                                 the others (taskset): riskmap does not share a core with the
#                                 servers it measures, as on a network it would not
#   DELAY_MS=5,20 bench/tls.sh    the parallel comparison also through a relay that delays
#                                 every chunk by 5 ms, then 20 ms, each way (round trips of 10
#                                 and 40 ms): see "Latency" below
#   PARALLEL_ONLY=1               only the parallel comparison (no sslscan/testssl.sh runs)
#
# The lab, all inside 127.0.32.0/24 (BENCH_NET moves it; nothing is ever sent anywhere else):
# `openssl s_server` instances with a certificate made here,
#   .1  modern:  TLS 1.2 + 1.3, three ECDHE-GCM/ChaCha suites, server order
#   .2  default: s_server's defaults (TLS 1.2 + 1.3, OpenSSL's default suites)
#   .3  legacy:  TLS 1.0 to 1.2, ALL:COMPLEMENTOFALL:@SECLEVEL=0 (NULL, anonymous...)
#   .4  tls13:   TLS 1.3 only
#   .11-30: twenty more "default" servers (RSA 2048) for the parallel run,
#   .41-60: twenty "default" servers with an ECDSA P-256 key (no DHE, no RSA signatures).
# For each of the first four, one run of each tool, bounded by `timeout 600`:
#   riskmap tls --json ENDPOINT                                  (full depth, the default)
#   sslscan --no-colour ENDPOINT                                 (its default checks)
#   testssl --quiet --color 0 -p -E --jsonfile F ENDPOINT        (protocols, suites per protocol)
# and prints the wall time, the TCP connections each opened (SYNs to the endpoint counted by
# an nftables rule in a table of its own, inet riskmap_bench_tls, deleted on exit), and the
# differences between the protocol and suite sets each reported. Then, RUNS times, riskmap on
# one "default" endpoint and on twenty at once, for each key type: medians, the ratio, the CPU
# time riskmap used and the CPU time the twenty s_server processes used meanwhile (on one
# machine they share its cores with riskmap: their handshakes, a key share and a signature per
# ServerHello, set the floor of the twenty-endpoint time).
#
# Latency: on loopback a round trip costs nothing, so one endpoint is bound by its round trips
# and twenty by the CPU the servers and riskmap share; on a client's network it is the other
# way round. The kernel here has no netem (`tc qdisc ... netem`: unknown qdisc), so with
# DELAY_MS the parallel comparison is run again through bench/delay_proxy.c (compiled here), a
# stand-in for network latency: one process on NET.h:PORT+1 for each of the forty servers,
# relaying to NET.h:PORT and holding every chunk DELAY_MS ms each way (and a connection's first
# bytes one round trip more, for the TCP handshake the kernel completed at once). It is
# started and stopped by its PID, bounded in connections and lifetime. Its CPU is printed
# with the servers'.
# Exit status: 0 when riskmap and sslscan report the same sets everywhere, 1 when not, 2 when
# something needed is missing.
set -u
. "$(dirname "$0")/lib.sh"
SRV_PIN="" RM_PIN=""
if [ -n "${PIN:-}" ]; then
    ncpu=$(nproc)
    [ "$ncpu" -ge 2 ] && command -v taskset > /dev/null || { echo "PIN=1 needs taskset and 2 CPUs" >&2; exit 2; }
    SRV_PIN="taskset -c $((ncpu - 1))" RM_PIN="taskset -c 0-$((ncpu - 2))"
fi
TIMEOUT=600
bench_init riskmap-bench-tls 3
bench_net 127.0.32
bench_net_free "$NET"
PORT=4433
DELAYS=$(echo "${DELAY_MS:-}" | tr ',' ' ')
for d in $DELAYS; do
    case $d in '' | *[!0-9]*) die "DELAY_MS must be milliseconds, e.g. 5 or 5,20 (got $d)" ;; esac
    [ "$d" -le 1000 ] || die "DELAY_MS must be at most 1000"
done
for t in openssl sslscan; do
    command -v "$t" > /dev/null || die "$t is missing (contrib/install-deps.sh)"
done
TESTSSL=$(command -v testssl || command -v testssl.sh || true)
[ -n "${SKIP_TESTSSL:-}" ] && TESTSSL=""
WORK=$work
NFT=0
SRV_PIDS=""
# shellcheck disable=SC2317 # called by bench_cleanup
nft_cleanup() { [ "$NFT" = 1 ] && nft delete table inet riskmap_bench_tls 2> /dev/null; return 0; }
bench_on_cleanup nft_cleanup

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 30 \
    -subj /CN=bench.test > /dev/null 2>&1 || die "no certificate"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/ek.pem" \
    -out "$WORK/ec.pem" -days 30 -subj /CN=bench.test > /dev/null 2>&1 || die "no certificate"
serve() { # serve HOSTNUM rsa|ec S_SERVER-OPTIONS...
    local h=$1 k=c kk=k
    [ "$2" = ec ] && k=ec kk=ek
    shift 2
    $SRV_PIN openssl s_server -accept "$NET.$h:$PORT" -cert "$WORK/$k.pem" -key "$WORK/$kk.pem" -www -quiet "$@" \
        > /dev/null 2>&1 < /dev/null &
    bench_track $!
    SRV_PIDS="$SRV_PIDS $h:$!"
}
serve 1 rsa -min_protocol TLSv1.2 -cipher ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305 -serverpref
serve 2 rsa
serve 3 rsa -min_protocol TLSv1 -max_protocol TLSv1.2 -cipher "ALL:COMPLEMENTOFALL:@SECLEVEL=0"
serve 4 rsa -tls1_3
for h in $(seq 11 30); do serve "$h" rsa; done
for h in $(seq 41 60); do serve "$h" ec; done
for h in 1 2 3 4 $(seq 11 30) $(seq 41 60); do
    i=0
    until ss -Hltn "src $NET.$h:$PORT" | grep -q LISTEN; do
        sleep 0.05; i=$((i + 1)); [ $i -gt 200 ] && die "server $NET.$h did not start"
    done
done

if [ -z "${PARALLEL_ONLY:-}" ] && [ "$(id -u)" = 0 ] && command -v nft > /dev/null; then
    nft -f - << NFT && NFT=1
table inet riskmap_bench_tls {
    chain out {
        type filter hook output priority 0; policy accept;
        ip daddr $NET.0/24 tcp dport $PORT tcp flags & (syn | ack) == syn counter
    }
}
NFT
fi
syns() { # the SYNs counted so far, or "n/a"
    [ "$NFT" = 1 ] || { echo n/a; return; }
    nft list table inet riskmap_bench_tls | awk '/counter packets/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }'
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.0fx", b / a; else print "-" }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# srv_cpu FIRST LAST: CPU seconds (user+sys) the s_server processes on NET.FIRST-LAST used so far
# (and the delay relay's, listed as host 0).
srv_cpu() {
    local e h p t=0
    for e in $SRV_PIDS; do
        h=${e%%:*} p=${e#*:}
        if [ "$h" != 0 ] && { [ "$h" -lt "$1" ] || [ "$h" -gt "$2" ]; }; then continue; fi
        t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2> /dev/null || echo 0)))
    done
    awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

bench_banner "TLS benchmark: riskmap tls vs sslscan vs testssl.sh"
# sslscan colours even its --version; testssl.sh names its version in its banner.
ver_sslscan=$(sslscan --version 2> /dev/null | sed 's/\x1b\[[0-9;]*m//g' | grep -Eo '[0-9]+\.[0-9.]+' | head -n 1)
ver_testssl=$([ -n "$TESTSSL" ] && "$TESTSSL" --version 2> /dev/null | sed 's/\x1b\[[0-9;]*m//g' |
    awk '$1 == "testssl" || $1 == "testssl.sh" { print $2; exit }')
echo "sslscan: ${ver_sslscan:-?}; testssl.sh: ${ver_testssl:-skipped}; lab: $NET.0/24"
# The sets, one "VERSION SUITE" line each, sorted; the protocol list as "protocols: ...".
sets_riskmap() {
    python3 - "$1" << 'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["findings"]:
    if f["kind"] != "tls.summary": continue
    facts = dict((x["key"], x["value"]) for x in f["facts"]) if isinstance(f["facts"], list) else f["facts"]
    print("protocols: " + facts.get("protocols", ""))
    for k, v in facts.items():
        if k.startswith("suites."):
            for s in filter(None, v.split(",")): print(k[7:], s)
PY
}
sets_sslscan() {
    awk '$2 == "enabled" { p = p (p ? "," : "") $1 } ($1 == "Accepted" || $1 == "Preferred") { print $2, $5 }
         END { print "protocols: " p }' "$1"
}
sets_testssl() {
    python3 - "$1" << 'PY'
import json, sys
names = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLS1": "TLSv1.0", "TLS1_1": "TLSv1.1", "TLS1_2": "TLSv1.2", "TLS1_3": "TLSv1.3"}
d = json.load(open(sys.argv[1]))
prot = [names[e["id"]] for e in d if e["id"] in names and e["finding"].startswith("offered")]
print("protocols: " + ",".join(prot))
for e in d:
    if e["id"].startswith("cipher-tls") or e["id"].startswith("cipher-ssl"):
        t = e["finding"].split()
        v = {"1.0": "TLSv1.0", "1": "TLSv1.0", "1.1": "TLSv1.1", "1.2": "TLSv1.2", "1.3": "TLSv1.3"}.get(t[1], t[0] + t[1])
        print(v, t[3])
PY
}

status=0
[ -n "${PARALLEL_ONLY:-}" ] || {
printf '%-8s %9s %9s %9s %8s %8s  %-22s %s\n' endpoint riskmap sslscan testssl "x ssl" "x test" "connections r/s/t" "sets"
for e in 1:modern 2:default 3:legacy 4:tls13; do
    h=${e%%:*} name=${e#*:} ep="$NET.$h:$PORT"
    c0=$(syns); t0=$(now)
    timeout 600 "$RISKMAP" tls --json "$ep" > "$WORK/$name.r.json" 2> /dev/null
    t1=$(now); c1=$(syns)
    timeout 600 sslscan --no-colour "$ep" > "$WORK/$name.s.txt" 2>&1
    t2=$(now); c2=$(syns)
    tt="-" ct="-" xt="-"
    if [ -n "$TESTSSL" ]; then
        rm -f "$WORK/$name.t.json"
        timeout 600 "$TESTSSL" --quiet --color 0 --warnings batch -p -E --jsonfile "$WORK/$name.t.json" "$ep" > /dev/null 2>&1
        t3=$(now); c3=$(syns)
        tt=$(elapsed "$t2" "$t3")
        [ "$c3" != n/a ] && ct=$((c3 - c2))
    fi
    tr=$(elapsed "$t0" "$t1") ts=$(elapsed "$t1" "$t2")
    cr=n/a cs=n/a
    [ "$c1" != n/a ] && cr=$((c1 - c0)) && cs=$((c2 - c1))
    sets_riskmap "$WORK/$name.r.json" | sort > "$WORK/$name.r.sets"
    sets_sslscan "$WORK/$name.s.txt" | sort > "$WORK/$name.s.sets"
    verdict="same as sslscan"
    if ! cmp -s "$WORK/$name.r.sets" "$WORK/$name.s.sets"; then
        verdict="DIFFERS from sslscan"; status=1
    fi
    if [ -n "$TESTSSL" ] && [ -s "$WORK/$name.t.json" ]; then
        sets_testssl "$WORK/$name.t.json" | sort > "$WORK/$name.t.sets"
        if cmp -s "$WORK/$name.r.sets" "$WORK/$name.t.sets"; then verdict="$verdict, same as testssl"
        else verdict="$verdict, differs from testssl"; fi
        xt=$(ratio "$tr" "$tt")
    fi
    xs=$(ratio "$tr" "$ts")
    printf '%-8s %8ss %8ss %8ss %8s %8s  %-22s %s\n' "$name" "$tr" "$ts" "$tt" "$xs" "$xt" "$cr/$cs/$ct" "$verdict"
    for other in s t; do
        [ -f "$WORK/$name.$other.sets" ] || continue
        diff "$WORK/$name.r.sets" "$WORK/$name.$other.sets" | sed -n "s/^</    only riskmap:/p; s/^>/    only $([ $other = s ] && echo sslscan || echo testssl):/p" | head -20
    done
done
}

# Parallel: one endpoint, then twenty at once, RUNS times each, per key type; through the
# delay relay when DP_PORT is set (DP_PID its process, for its CPU time).
DP_PORT="" DP_PID="" DELAY=0
SUMMARY=""
parallel() { # parallel LABEL FIRST: NET.FIRST alone, then NET.FIRST to NET.FIRST+19 at once
    local label=$1 first=$2 last=$(($2 + 19)) eps="" t0 t1 t2 c0 c1 port=${DP_PORT:-$PORT}
    for h in $(seq "$first" "$last"); do eps="$eps $NET.$h:$port"; done
    : > "$WORK/$label.one" && : > "$WORK/$label.many" && : > "$WORK/$label.cpu" && : > "$WORK/$label.srv"
    for _ in $(seq "$RUNS"); do
        t0=$(now)
        timeout "$TIMEOUT" $RM_PIN "$RISKMAP" tls --json "$NET.$first:$port" > "$WORK/$label.one.json"
        t1=$(now)
        c0=$(srv_cpu "$first" "$last")
        # shellcheck disable=SC2086
        timeout "$TIMEOUT" $RM_PIN /usr/bin/time -f "%U %S" -o "$WORK/$label.time" \
            "$RISKMAP" tls --json --tls-parallel-hosts 20 $eps > "$WORK/$label.json"
        t2=$(now)
        c1=$(srv_cpu "$first" "$last")
        elapsed "$t0" "$t1" >> "$WORK/$label.one" && echo >> "$WORK/$label.one"
        elapsed "$t1" "$t2" >> "$WORK/$label.many" && echo >> "$WORK/$label.many"
        awk '{ printf "%.2f\n", $1 + $2 }' "$WORK/$label.time" >> "$WORK/$label.cpu"
        awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f\n", b - a }' >> "$WORK/$label.srv"
    done
    # Through the relay, the twenty must report what they report without it.
    local same=""
    if [ -n "$DP_PORT" ] && [ -s "$WORK/${label%%@*}.json" ]; then
        sets_riskmap "$WORK/${label%%@*}.json" | sort > "$WORK/$label.nodelay.sets"
        sets_riskmap "$WORK/$label.json" | sort > "$WORK/$label.delay.sets"
        if cmp -s "$WORK/$label.nodelay.sets" "$WORK/$label.delay.sets"; then same="; the same sets as without the delay"
        else same="; sets DIFFER from those without the delay"; status=1; fi
    fi
    # The most connections any of the twenty had open at once (last run): 1 means each kept
    # to its share of the 24, more that the budget of extra connections grew.
    local most
    most=$(python3 - "$WORK/$label.json" << 'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = [int(f["facts"].get("max_parallel_connections", 0)) for f in d["findings"]
     if f["kind"] == "tls.summary" and isinstance(f["facts"], dict)]
print(max(v) if v else "?")
PY
)
    local one many x
    one=$(median < "$WORK/$label.one") many=$(median < "$WORK/$label.many")
    x=$(awk -v a="$one" -v b="$many" 'BEGIN { printf "%.1f", b / a }')
    echo "parallel ($label, median of $RUNS): 1 endpoint ${one}s, 20 endpoints ${many}s (${x} x one); riskmap CPU $(median < "$WORK/$label.cpu")s, the 20 s_server processes $(median < "$WORK/$label.srv")s CPU; at most $most connections at once per endpoint; load $(cut -d' ' -f1-3 /proc/loadavg)${PIN:+; servers pinned to CPU ${SRV_PIN##* }}$same"
    SUMMARY="$SUMMARY$(printf '%-8s %-26s %8ss %8ss %6sx' "${label%%@*}" "$([ "$DELAY" = 0 ] && echo "loopback (no delay)" || echo "${DELAY} ms each way (RTT $((2 * DELAY)) ms)")" "$one" "$many" "$x")
"
}
parallel rsa 11
parallel ecdsa 41
if [ -n "$DELAYS" ]; then
    # shellcheck disable=SC2154 # root: set by lib.sh
    cc -std=c11 -O2 -Wall -Wextra -Werror -o "$WORK/delay_proxy" "$root/bench/delay_proxy.c" ||
        die "cannot compile bench/delay_proxy.c"
    DP_PORT=$((PORT + 1))
    for DELAY in $DELAYS; do
        maps=""
        for h in $(seq 11 30) $(seq 41 60); do maps="$maps $NET.$h:$DP_PORT=$NET.$h:$PORT"; done
        # shellcheck disable=SC2086
        $SRV_PIN "$WORK/delay_proxy" -d "$DELAY" -t $((TIMEOUT * RUNS * 4 + 60)) -m 1024 $maps &
        DP_PID=$!
        bench_track "$DP_PID"
        SRV_PIDS="$SRV_PIDS 0:$DP_PID" # its CPU counts with the servers' (host 0: always in range)
        i=0
        until ss -Hltn "src $NET.60:$DP_PORT" | grep -q LISTEN; do
            sleep 0.05; i=$((i + 1)); [ $i -gt 200 ] && die "delay_proxy did not start"
        done
        parallel "rsa@${DELAY}ms" 11
        parallel "ecdsa@${DELAY}ms" 41
        kill -TERM "$DP_PID" 2> /dev/null
        wait "$DP_PID" 2> /dev/null
        SRV_PIDS=${SRV_PIDS% 0:$DP_PID} lab_pids=${lab_pids% $DP_PID}
    done
    echo "one endpoint against twenty at once (medians of $RUNS runs; the delay by bench/delay_proxy.c, a stand-in for netem):"
    printf '%-8s %-26s %9s %9s %7s\n' keys network "1" "20" "20/1"
    printf '%s' "$SUMMARY"
fi
exit $status
