#!/bin/sh
# integration: about 160 s
# The backup check against real backups made by this test in its own temporary directory:
# restic and borg repositories (Debian's restic and borgbackup) with snapshots at controlled
# times (restic backup --time, borg create --timestamp), directories aged with touch -d, a
# Veeam-like CSV and JSON export, a marker file. Every case asserts the exact finding kinds
# and ages, and the sizes restic stats / borg info give for the latest two restore points. No network: nothing here listens or connects, except the one scan of 127.0.36.1
# (this test's loopback block; BACKUP_TEST_ADDR moves it into another 127/8 block when two
# runs share the machine) that shows --backup inside riskmap scan.
set -u
. "$(dirname "$0")/lib.sh"
ADDR=${BACKUP_TEST_ADDR:-127.0.36.1}
case $ADDR in 127.*) ;; *) echo "not ok - BACKUP_TEST_ADDR must be in 127/8"; exit 1 ;; esac

for tool in restic borg python3; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "not ok - $tool is not installed (contrib/install-deps.sh installs it)"; exit 1
    fi
done

# Judged as of a fixed time, so that ages are exact; the repositories' times are real data.
NOW=2026-11-22T12:00:00Z
NOW_S=$(date -u -d "$NOW" +%s)
# at SECONDS: the time NOW+SECONDS as the tools take it (UTC).
at() { date -u -d "@$((NOW_S + $1))" '+%Y-%m-%d %H:%M:%S'; }
H=3600; D=86400

# summ: riskmap backup --json on stdin -> one sorted line per finding:
# KIND SOURCE-OR-ASSET age_s=N state=S ... (each fact only when present).
summ() {
    python3 -c '
import json, sys
d = json.load(sys.stdin)
out = []
for f in d["findings"]:
    x = f["facts"]
    s = f["kind"] + " " + x.get("source", x.get("asset"))
    for k in ("age_s", "state", "latest_size", "previous_size", "restore_points", "future_utc",
              "empty_age_s", "not_counted"):
        if k in x and (k != "restore_points" or f["kind"] == "backup.retention"):
            s += " %s=%s" % (k, x[k])
    out.append(s)
print("\n".join(sorted(out)))'
}

# expect NAME EXPECTED-LINES RISKMAP-BACKUP-ARGS...
# XENV="NAME=value ..." (no spaces inside values) is exported to that riskmap run only.
expect() {
    name=$1; want=$2; shift 2
    # shellcheck disable=SC2086
    got=$(if [ -n "${XENV:-}" ]; then export $XENV; fi
          run_riskmap backup --json --now "$NOW" "$@" 2>"$WORK/err" | summ)
    if [ "$got" = "$(printf '%s\n' "$want" | sort)" ]; then
        ok "$name"
    else
        not_ok "$name"
        printf '  want:\n%s\n  got:\n%s\n  stderr: %s\n' "$want" "$got" "$(cat "$WORK/err")"
    fi
}

export TZ=UTC
cd "$WORK" || exit 1
mkdir -p data small big
head -c 200000 /dev/urandom > big/blob
head -c 2000 /dev/urandom > small/blob
echo data > data/file
printf 'correct horse\n' > pw
printf 'battery staple\n' > badpw

# ---- restic ----------------------------------------------------------------------------
R="restic --no-cache -q --password-file pw"
# rinit DIR: a new repository. restic init calibrates its key derivation each time (1-2.5 s);
# a copy of one initialised repository is a repository of its own (with the same id and key,
# which nothing here compares).
$R init -r rtemplate >/dev/null
rinit() { cp -a rtemplate "$1"; }
rinit rfresh
for t in $((-3 * D)) $((-2 * D)) $((-1 * D)) $((-2 * H)); do
    $R -r rfresh backup --time "$(at $t)" data >/dev/null
done
expect "restic: fresh repository, latest 2 h old, 4 restore points" \
    "backup.ok rfresh age_s=7200 latest_size=5 previous_size=5" \
    --backup restic:rfresh,name=rfresh,password-file=pw,retention=4

rinit rstale
$R -r rstale backup --time "$(at $((-50 * H)))" data >/dev/null
expect "restic: stale repository (50 h > 24 h RPO) and short retention" \
    "backup.stale rstale age_s=180000 latest_size=5
backup.retention rstale age_s=180000 latest_size=5 restore_points=1" \
    --backup restic:rstale,name=rstale,password-file=pw,retention=7
expect "restic: the same repository within a 3 d RPO" \
    "backup.ok rstale age_s=180000 latest_size=5" \
    --backup restic:rstale,name=rstale,password-file=pw,rpo=3d

# One repository, two machines: host= judges each machine's snapshots on their own.
rinit rshared
$R -r rshared backup --host fs1 --time "$(at $((-4 * H)))" data >/dev/null
$R -r rshared backup --host fs2 --time "$(at $((-4 * D)))" data >/dev/null
expect "restic: shared repository, host= per machine" \
    "backup.ok fs1 age_s=14400 latest_size=5
backup.stale fs2 age_s=345600 latest_size=5" \
    --backup restic:rshared,name=fs1,host=fs1,password-file=pw \
    --backup restic:rshared,name=fs2,host=fs2,password-file=pw

rinit rfuture
$R -r rfuture backup --time "$(at $((-3 * H)))" data >/dev/null
$R -r rfuture backup --time "$(at $((30 * D)))" data >/dev/null
expect "restic: a snapshot dated 30 days ahead is a finding, not a fresh backup" \
    "backup.future rfuture age_s=10800 latest_size=5 future_utc=2026-12-22T12:00:00Z
backup.ok rfuture age_s=10800 latest_size=5" \
    --backup restic:rfuture,name=rfuture,password-file=pw

rinit rempty
expect "restic: a repository without snapshots" \
    "backup.none rempty" \
    --backup restic:rempty,name=rempty,password-file=pw

# Sizes: restic 0.14 records none in snapshots --json; riskmap asks restic stats --mode
# restore-size for the latest and the previous snapshot only.
rinit rshrunk
$R -r rshrunk backup --time "$(at $((-3 * D)))" big >/dev/null
$R -r rshrunk backup --time "$(at $((-26 * H)))" big >/dev/null
$R -r rshrunk backup --time "$(at $((-1 * H)))" small >/dev/null
expect "restic: latest snapshot 2 kB after 200 kB is shrunk (sizes from restic stats)" \
    "backup.ok rshrunk age_s=3600 latest_size=2000 previous_size=200000
backup.shrunk rshrunk age_s=3600 latest_size=2000 previous_size=200000" \
    --backup restic:rshrunk,name=rshrunk,password-file=pw
# The sizes rest on evidence: the two restic stats runs (and only two), their commands and
# output; the finding says where its sizes came from.
run_riskmap backup --json --now "$NOW" --backup restic:rshrunk,name=rshrunk,password-file=pw > rshrunk.json
got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ev = {e["id"]: e for e in d["evidence"]}
f = [f for f in d["findings"] if f["kind"] == "backup.shrunk"][0]
sizes = [ev[i] for i in f["evidence"] if "sizes" in ev[i]["description"]][0]
print(f["facts"]["sizes"], len(f["evidence"]), sizes["media_type"])
for r in json.loads(sizes["data"])["runs"]:
    print(" ".join(r["command"][1:-1]), r["time_utc"], r["exit_status"], r["size"],
          json.loads(r["stdout"])["total_size"])' rshrunk.json)
want="restic stats --json --mode restore-size 2 application/json
stats --json --mode restore-size --no-cache -r rshrunk $(at $((-1 * H)) | tr ' ' T)Z 0 2000 2000
stats --json --mode restore-size --no-cache -r rshrunk $(at $((-26 * H)) | tr ' ' T)Z 0 200000 200000"
if [ "$got" = "$want" ]; then ok "restic: the two stats runs are the evidence of the sizes"
else not_ok "restic: sizes evidence: want [$want] got [$got]"; fi

# A snapshot of an empty directory restores 0 bytes: not a backup; the one before decides.
rinit rzero
$R -r rzero backup --time "$(at $((-26 * H)))" data >/dev/null
mkdir -p emptydir
$R -r rzero backup --time "$(at $((-1 * H)))" emptydir >/dev/null
expect "restic: a 0-byte latest snapshot is empty; the 26 h old one before it is stale" \
    "backup.empty rzero age_s=93600 latest_size=5 previous_size=5 empty_age_s=3600
backup.stale rzero age_s=93600 latest_size=5 previous_size=5" \
    --backup restic:rzero,name=rzero,password-file=pw

# A saved listing is judged without sizes (the tool is not run for it), and says so.
restic --no-cache -r rshrunk --password-file pw snapshots --json > rshrunk-saved.json
expect "restic: saved listing of the shrunk repository: no sizes, so no shrunk finding" \
    "backup.ok rsaved2 age_s=3600" \
    --backup restic:rshrunk,name=rsaved2,saved=rshrunk-saved.json
got=$(run_riskmap backup --json --now "$NOW" --backup restic:rshrunk,name=rsaved2,saved=rshrunk-saved.json |
      python3 -c 'import json, sys; d = json.load(sys.stdin)
print(d["findings"][0]["facts"]["sizes"] + "|%d" % len(d["evidence"]))')
check "restic: a saved listing's finding says sizes were not available" \
    [ "$got" = "not available: the tool is not run for a saved listing, and restic before 0.17 records no sizes in a saved snapshots --json|1" ]

expect "restic: wrong password" \
    "backup.unreadable rwrong state=wrong-password" \
    --backup restic:rfresh,name=rwrong,password-file=badpw
expect "restic: no repository there" \
    "backup.unreadable rnone state=missing" \
    --backup "restic:$WORK/nothing-here,name=rnone,password-file=pw"
cp -r rfresh rcorrupt
printf 'garbage' | dd of=rcorrupt/config bs=1 seek=20 conv=notrunc 2>/dev/null
expect "restic: corrupted config file" \
    "backup.unreadable rcorrupt state=corrupt" \
    --backup restic:rcorrupt,name=rcorrupt,password-file=pw

# A tool that hangs or floods cannot be had from restic on demand: these two stand-ins (shell
# scripts, said here as the rules ask) exercise the deadline and the output bound.
printf '#!/bin/sh\nexec sleep 30\n' > hang-tool; chmod 755 hang-tool
printf '#!/bin/sh\nexec yes\n' > flood-tool; chmod 755 flood-tool
t0=$(date +%s)
expect "restic: a tool that does not finish is killed at timeout=" \
    "backup.unreadable rhang state=timeout" \
    --backup "restic:rfresh,name=rhang,password-file=pw,tool=$WORK/hang-tool,timeout=1"
check "the hanging tool was stopped within 5 s" [ $(($(date +%s) - t0)) -le 5 ]
expect "restic: a tool writing without end is stopped at 16 MiB" \
    "backup.unreadable rflood state=timeout" \
    --backup "restic:rfresh,name=rflood,password-file=pw,tool=$WORK/flood-tool"
expect "restic: not installed" \
    "backup.unreadable rmissing state=tool-missing" \
    --backup "restic:rfresh,name=rmissing,password-file=pw,tool=$WORK/no-such-restic"
expect "restic: the password file is missing" \
    "backup.unreadable rnopw state=failed" \
    --backup "restic:rfresh,name=rnopw,password-file=$WORK/no-such-pw"

# password-file= wins over a password in riskmap's own environment.
XENV="RESTIC_PASSWORD=wrong"
expect "restic: password-file= wins over RESTIC_PASSWORD" \
    "backup.ok renv age_s=7200 latest_size=5 previous_size=5" \
    --backup restic:rfresh,name=renv,password-file=pw
expect "restic: without password-file= the environment is used" \
    "backup.unreadable renv state=wrong-password" \
    --backup restic:rfresh,name=renv
XENV=

# A saved copy of the listing is judged like the live one.
restic --no-cache -r rfresh --password-file pw snapshots --json > saved.json
expect "restic: saved snapshots --json output" \
    "backup.ok rsaved age_s=7200" \
    --backup restic:rfresh,name=rsaved,saved=saved.json

# Locked: restic check holds an exclusive lock; stop it while it holds it. SIGSTOP reaches a
# Go program's threads a moment late, and check may be removing its lock as it stops: wait,
# look again, and try again (bounded) when the lock was gone before riskmap looked.
got=""
try=0
while [ $try -lt 8 ] && [ "$got" != "backup.unreadable rlocked state=locked" ]; do
    try=$((try + 1))
    restic --no-cache -r rfresh --password-file pw check >/dev/null 2>&1 &
    cpid=$!
    i=0
    while [ $i -lt 3000 ] && [ -z "$(ls rfresh/locks)" ] && kill -0 $cpid 2>/dev/null; do i=$((i + 1)); done
    if kill -STOP $cpid 2>/dev/null; then
        sleep 0.3
        if [ -n "$(ls rfresh/locks)" ]; then
            got=$(run_riskmap backup --json --now "$NOW" --backup restic:rfresh,name=rlocked,password-file=pw | summ)
        fi
    fi
    kill -CONT $cpid 2>/dev/null
    wait $cpid
done
if [ "$got" = "backup.unreadable rlocked state=locked" ]; then ok "restic: locked repository (try $try)"
else not_ok "restic: locked repository (tries $try): $got"; fi

# ---- borg ------------------------------------------------------------------------------
export BORG_PASSPHRASE=
unset BORG_PASSPHRASE
export BORG_BASE_DIR="$WORK/borg-home"
B() { BORG_PASSPHRASE='correct horse' borg "$@"; }
B init -e repokey bfresh >/dev/null 2>&1
B create --timestamp "$(at $((-26 * H)) | tr ' ' T)" bfresh::fs-1 big
B create --timestamp "$(at $((-1 * H)) | tr ' ' T)" bfresh::fs-2 small
# An interrupted run leaves a checkpoint archive: newer, but not a success.
B create --timestamp "$(at $((-10 * 60)) | tr ' ' T)" bfresh::fs-3.checkpoint small
# borg lists local times without a zone: read in riskmap's zone, the ages do not change.
XENV="TZ=Europe/Berlin"
expect "borg: fresh (checkpoint not counted), shrunk from 200 kB to 2 kB, local zone" \
    "backup.ok bfresh age_s=3600 latest_size=2000 previous_size=200000
backup.shrunk bfresh age_s=3600 latest_size=2000 previous_size=200000" \
    --backup borg:bfresh,name=bfresh,password-file=pw
XENV=
expect "borg: archives= keeps only this source's archives" \
    "backup.stale bfs1 age_s=93600 latest_size=200000" \
    --backup "borg:bfresh,name=bfs1,password-file=pw,archives=fs-1*"
# The evidence of the sizes: borg info of the two newest counted archives (not the checkpoint).
run_riskmap backup --json --now "$NOW" --backup borg:bfresh,name=bfresh,password-file=pw > bfresh.json
got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ev = {e["id"]: e for e in d["evidence"]}
f = [f for f in d["findings"] if f["kind"] == "backup.shrunk"][0]
sizes = [ev[i] for i in f["evidence"] if "sizes" in ev[i]["description"]][0]
print(f["facts"]["sizes"])
for r in json.loads(sizes["data"])["runs"]:
    print(" ".join(r["command"][1:]), r["exit_status"], r["size"])' bfresh.json)
want="borg info --json (stats.original_size)
--log-json info --json bfresh::fs-2 0 2000
--log-json info --json bfresh::fs-1 0 200000"
if [ "$got" = "$want" ]; then ok "borg: the two borg info runs are the evidence of the sizes"
else not_ok "borg: sizes evidence: want [$want] got [$got]"; fi
# A saved borg list --json has no sizes: judged on times alone, and said so. borg 1.2 hides
# checkpoint archives from borg list; a listing made with --consider-checkpoints shows the
# checkpoint, which riskmap reads and does not count.
B list --json --consider-checkpoints bfresh > bsaved.json
expect "borg: saved list --json (checkpoint read and not counted, no sizes)" \
    "backup.ok bsaved age_s=3600 not_counted=1" \
    --backup borg:bfresh,name=bsaved,saved=bsaved.json
B init -e repokey bnone >/dev/null 2>&1
expect "borg: a repository without archives" \
    "backup.none bnone" \
    --backup borg:bnone,name=bnone,password-file=pw
B init -e repokey bzero >/dev/null 2>&1
B create --timestamp "$(at $((-26 * H)) | tr ' ' T)" bzero::full data
B create --timestamp "$(at $((-1 * H)) | tr ' ' T)" bzero::nothing emptydir
expect "borg: a 0-byte latest archive is empty; the 26 h old one before it is stale" \
    "backup.empty bzero age_s=93600 latest_size=5 previous_size=5 empty_age_s=3600
backup.stale bzero age_s=93600 latest_size=5 previous_size=5" \
    --backup borg:bzero,name=bzero,password-file=pw
B init -e repokey bfuture >/dev/null 2>&1
B create --timestamp "$(at $((-2 * H)) | tr ' ' T)" bfuture::now data
B create --timestamp "$(at $((3 * D)) | tr ' ' T)" bfuture::ahead data
expect "borg: an archive dated 3 days ahead is a finding, not a fresh backup" \
    "backup.future bfuture age_s=7200 latest_size=5 future_utc=2026-11-25T12:00:00Z
backup.ok bfuture age_s=7200 latest_size=5" \
    --backup borg:bfuture,name=bfuture,password-file=pw
B init -e repokey bckpt >/dev/null 2>&1
B create --timestamp "$(at $((-3 * D)) | tr ' ' T)" bckpt::old data
B create --timestamp "$(at $((-1 * H)) | tr ' ' T)" bckpt::new.checkpoint.1 data
expect "borg: only a checkpoint is recent: stale (3 d), the checkpoint not counted" \
    "backup.stale bckpt age_s=259200 latest_size=5" \
    --backup borg:bckpt,name=bckpt,password-file=pw
expect "borg: wrong passphrase" \
    "backup.unreadable bwrong state=wrong-password" \
    --backup borg:bfresh,name=bwrong,password-file=badpw
expect "borg: no repository there" \
    "backup.unreadable bnone state=missing" \
    --backup "borg:$WORK/nothing-here,name=bnone,password-file=pw"
B init -e repokey bstale >/dev/null 2>&1
B create --timestamp "$(at $((-8 * D)) | tr ' ' T)" bstale::old data
expect "borg: stale, 8 days (CIS 11.2 asks weekly)" \
    "backup.stale bstale age_s=691200 latest_size=5" \
    --backup borg:bstale,name=bstale,password-file=pw,rpo=7d
cp -r bstale bcorrupt
for f in bcorrupt/data/0/*; do
    sz=$(stat -c %s "$f")
    [ "$sz" -gt 100 ] && printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' | dd of="$f" bs=1 seek=$((sz / 2)) conv=notrunc 2>/dev/null
done
expect "borg: corrupted segments" \
    "backup.unreadable bcorrupt state=corrupt" \
    --backup borg:bcorrupt,name=bcorrupt,password-file=pw
# Locked: borg with-lock holds the repository while a shell we started sleeps.
B with-lock bstale sh -c "echo \$\$ > $WORK/holder.pid; exec sleep 30" &
bpid=$!
i=0
while [ ! -s holder.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect "borg: locked repository" \
    "backup.unreadable blocked state=locked" \
    --backup borg:bstale,name=blocked,password-file=pw
kill "$(cat holder.pid)" 2>/dev/null
wait $bpid 2>/dev/null

# ---- directories, exports, markers -----------------------------------------------------
mkdir -p dfresh/2026/11 dstale dempty dshrunk dfuture
head -c 5000 /dev/urandom > dfresh/2026/11/full.vbk
head -c 3000 /dev/urandom > dfresh/2026/11/incr.vib
touch -d "$(at $((-5 * D)))" dfresh/2026/11/full.vbk
touch -d "$(at $((-3 * H)))" dfresh/2026/11/incr.vib
echo notes > dfresh/readme.txt
touch -d "$(at -60)" dfresh/readme.txt # newest file, but not a backup
head -c 1000 /dev/urandom > dstale/db.bak; touch -d "$(at $((-3 * D)))" dstale/db.bak
head -c 1000 /dev/urandom > dempty/a.tar.gz; touch -d "$(at $((-20 * H)))" dempty/a.tar.gz
: > dempty/b.tar.gz; touch -d "$(at $((-1 * H)))" dempty/b.tar.gz
head -c 100000 /dev/urandom > dshrunk/a.tar.gz; touch -d "$(at $((-25 * H)))" dshrunk/a.tar.gz
head -c 1000 /dev/urandom > dshrunk/b.tar.gz; touch -d "$(at $((-1 * H)))" dshrunk/b.tar.gz
head -c 1000 /dev/urandom > dfuture/a.bak; touch -d "$(at $((2 * D)))" dfuture/a.bak
expect "directory: newest matching file (recursive), 3 h old; a shrunk incremental is not flagged below 50%" \
    "backup.ok dfresh age_s=10800 latest_size=3000 previous_size=5000" \
    --backup "directory:dfresh,name=dfresh,pattern=*.vbk|*.vib"
expect "directory: stale SQL dump" \
    "backup.stale dstale age_s=259200 latest_size=1000" \
    --backup directory:dstale,name=dstale,pattern=*.bak
expect "directory: zero-byte latest is empty and not counted" \
    "backup.empty dempty age_s=72000 latest_size=1000 previous_size=1000 empty_age_s=3600
backup.ok dempty age_s=72000 latest_size=1000 previous_size=1000" \
    --backup directory:dempty,name=dempty
expect "directory: latest 1% of the one before" \
    "backup.ok dshrunk age_s=3600 latest_size=1000 previous_size=100000
backup.shrunk dshrunk age_s=3600 latest_size=1000 previous_size=100000" \
    --backup directory:dshrunk,name=dshrunk
expect "directory: only a future-dated file" \
    "backup.future dfuture future_utc=2026-11-24T12:00:00Z
backup.none dfuture" \
    --backup directory:dfuture,name=dfuture
expect "directory: missing share" \
    "backup.unreadable dgone state=missing" \
    --backup directory:gone,name=dgone

printf 'JobName,Result,EndTime,TransferedSize\r\nFS,Success,%s,5000\r\nFS,Failed,%s,0\r\nFS,Warning,"%s",4000\r\n' \
    "$(at $((-50 * H)))" "$(at $((-2 * H)))" "$(date -u -d "@$((NOW_S - 30 * H))" '+%Y-%m-%dT%H:%M:%S+00:00')" > veeam.csv
expect "csv: Veeam sessions, the failed run does not count (latest success 30 h)" \
    "backup.stale veeam-csv age_s=108000 latest_size=4000 previous_size=5000 not_counted=1" \
    --backup csv:veeam.csv,name=veeam-csv,size-field=TransferedSize
expect "csv: Warning counts only when ok= says so" \
    "backup.stale veeam-strict age_s=180000 latest_size=5000 not_counted=2" \
    --backup csv:veeam.csv,name=veeam-strict,size-field=TransferedSize,ok=Success
# The same export as Export-Csv writes it on an en-US Windows server.
printf 'JobName,Result,EndTime\r\nFS,Success,%s\r\n' "$(date -u -d "@$((NOW_S - 14 * H))" '+%m/%d/%Y %I:%M:%S %p')" > veeam-us.csv
expect "csv: en-US dates with date=mdy (11/21/2026 10:00:00 PM)" \
    "backup.ok veeam-us age_s=50400" \
    --backup csv:veeam-us.csv,name=veeam-us,date=mdy,tz=utc
printf '{"Sessions":[{"Result":"Success","EndTime":"/Date(%s000)/"},{"Result":"Failed","EndTime":"/Date(%s000)/"}]}' \
    $((NOW_S - 5 * H)) $((NOW_S - H)) > veeam.json
expect "json: PowerShell /Date()/ export" \
    "backup.ok veeam-json age_s=18000 not_counted=1" \
    --backup json:veeam.json,name=veeam-json
echo "$(date -u -d "@$((NOW_S - 90 * 60))" '+%Y-%m-%dT%H:%M:%S')+01:00" > marker-content
touch -d "$(at $((-10 * D)))" marker-mtime
expect "marker: content with an offset (+01:00), and mtime" \
    "backup.ok mc age_s=9000
backup.stale mm age_s=864000" \
    --backup marker:marker-content,name=mc,rpo=4h --backup marker:marker-mtime,name=mm

# Exports that cannot be read, a marker from the future, sources only root may read.
printf '{"Sessions":[{"Result":"Success","EndTime":"%s"}' "$(at -3600)" > trunc.json
printf 'JobName;Result\nFS;Success\n' > notime.csv
echo "$(at $((30 * D)) | tr ' ' T)Z" > marker-future
expect "json: a truncated export; csv: no time column; marker: a time 30 days ahead" \
    "backup.unreadable tj state=format
backup.unreadable nt state=format
backup.future mf future_utc=2026-12-22T12:00:00Z
backup.none mf" \
    --backup json:trunc.json,name=tj --backup "csv:notime.csv,name=nt,sep=;" \
    --backup marker:marker-future,name=mf
mkdir -p secret && echo x > secret/a.bak && chmod 700 secret
if [ "$(id -u)" = 0 ]; then
    # As root: run as nobody, for whom the 0700 share and repository are closed.
    chmod 711 "$WORK"; chmod 644 pw
    nobody() { runuser -u nobody -- "$@"; }
else
    chmod 000 secret rfresh
    nobody() { "$@"; }
fi
got=$(nobody "$RISKMAP" backup --json --now "$NOW" --backup "directory:$WORK/secret,name=sec" \
      --backup "restic:$WORK/rfresh,name=rperm,password-file=$WORK/pw" | summ)
want="backup.unreadable rperm state=permission
backup.unreadable sec state=permission"
if [ "$got" = "$want" ]; then ok "a share and a repository the reader may not open: permission"
else not_ok "permission: want [$want] got [$got]"; fi
[ "$(id -u)" = 0 ] || chmod 700 secret rfresh

# ---- assets: missing, and the 3-2-1 view ------------------------------------------------
expect "assets: critical asset without a source; off-site copy stale" \
    "backup.missing crm
backup.ok local age_s=7200 latest_size=5 previous_size=5
backup.stale cloud age_s=180000 latest_size=5
backup.offsite.missing fs1" \
    --asset crm --asset fs1 \
    --backup restic:rfresh,name=local,asset=fs1,password-file=pw \
    --backup restic:rstale,name=cloud,asset=fs1,password-file=pw,offsite=yes,immutable=yes
expect "assets: a fresh off-site copy satisfies 3-2-1" \
    "backup.ok cloud age_s=7200 latest_size=5 previous_size=5
backup.ok local age_s=7200 latest_size=5 previous_size=5" \
    --asset fs1 \
    --backup restic:rfresh,name=local,asset=fs1,password-file=pw,offsite=no \
    --backup restic:rfresh,name=cloud,asset=fs1,password-file=pw,offsite=yes

# The human summary ends with the auditor's question answered per asset.
run_riskmap backup --now "$NOW" --asset crm --asset fs1 \
    --backup restic:rfresh,name=local,asset=fs1,password-file=pw \
    --backup restic:rstale,name=cloud,asset=db1,password-file=pw > summary.txt 2>&1
got=$(sed -n '/^assets:/,$p' summary.txt)
want="assets:
  crm                      NO BACKUP SOURCE
  fs1                      within RPO: local (2h 0m old)
  db1                      NOT within RPO (1 source, none fresh)"
if [ "$got" = "$want" ]; then ok "summary: assets within RPO or not"
else not_ok "summary: want [$want] got [$got]"; fi

# With off-site / immutable flags the summary also answers the 3-2-1 question per asset.
run_riskmap backup --now "$NOW" --asset fs1 --asset crm \
    --backup restic:rfresh,name=local,asset=fs1,password-file=pw,offsite=no \
    --backup restic:rfresh,name=cloud,asset=fs1,password-file=pw,offsite=yes,immutable=yes \
    --backup restic:rstale,name=tape,asset=db1,password-file=pw,offsite=yes \
    --backup restic:rfresh,name=nas,asset=db1,password-file=pw,offsite=no > summary2.txt 2>&1
got=$(sed -n '/^assets:/,$p' summary2.txt)
want="assets:
  fs1                      within RPO: local (2h 0m old), cloud (2h 0m old); off-site within RPO: cloud (immutable)
  crm                      NO BACKUP SOURCE
  db1                      within RPO: nas (2h 0m old); off-site within RPO: NONE"
if [ "$got" = "$want" ]; then ok "summary: the 3-2-1 view per asset"
else not_ok "summary 3-2-1: want [$want] got [$got]"; fi

# Exit status: --fail-on high with a stale source.
run_riskmap backup --now "$NOW" --fail-on high --backup directory:dstale,name=dstale >/dev/null 2>&1
check "riskmap backup --fail-on high exits 1 on backup.stale" [ $? -eq 1 ]
run_riskmap backup --backup tape:/dev/st0 >/dev/null 2>"$WORK/err"
check "a bad --backup spec is a usage error (2)" [ $? -eq 2 ]
check "the message names the spec" grep -q 'tape:/dev/st0' "$WORK/err"

# Inside a scan: the findings and their evidence land in scan.json. As root the scan drops to
# nobody before the checks, so the sources are read before the drop: a repository only root
# can read (rnow, 0700 under root) is read all the same. The scan judges with the clock, not
# --now: rnow's snapshot is an hour before the real clock, pub is at least 3 days old either
# way.
chmod 711 "$WORK"
mkdir -p pub && chmod 755 pub
cp dstale/db.bak pub/ && touch -d "$(at $((-3 * D)))" pub/db.bak && chmod 644 pub/db.bak
rinit rnow
$R -r rnow backup --time "$(date -u -d '-1 hour' '+%Y-%m-%d %H:%M:%S')" data >/dev/null
run_riskmap scan "$ADDR" -p 1 -Pn --connect -q --checks backup -o "$WORK/out" \
    --backup "directory:pub,name=pub,asset=$ADDR,offsite=no" \
    --backup restic:rnow,name=rootonly,password-file=pw >/dev/null 2>"$WORK/err"
check "scan --backup exits 0" [ $? -eq 0 ]
# Site-wide findings carry no address: the asset by name; an asset named by its address (pub
# protects $ADDR) is that host. Every finding's evidence is listed.
got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ev = {e["id"]: e for e in d["evidence"]}
for f in d["findings"]:
    print(f["kind"], json.dumps(f["asset"], sort_keys=True), f["facts"].get("source", "-"),
          "|".join(ev[i]["description"] for i in f["evidence"]))
' "$WORK/out/scan.json" | sort)
want="backup.offsite.missing {\"address\": \"$ADDR\"} - backup source pub (directory pub): the listing as read
backup.offsite.missing {\"name\": \"rootonly\"} - backup source rootonly (restic rnow): the listing as read|backup source rootonly (restic rnow): the runs that asked for the sizes of the latest and previous restore points
backup.ok {\"name\": \"rootonly\"} rootonly backup source rootonly (restic rnow): the listing as read|backup source rootonly (restic rnow): the runs that asked for the sizes of the latest and previous restore points
backup.stale {\"address\": \"$ADDR\"} pub backup source pub (directory pub): the listing as read"
if [ "$got" = "$want" ]; then ok "scan --backup: findings, assets by name and evidence in scan.json"
else not_ok "scan --backup: want [$want] got [$got] $(cat "$WORK/err")"; fi
check "scan.json names no 0.0.0.0" [ "$(grep -c '0\.0\.0\.0' "$WORK/out/scan.json")" = 0 ]
if python3 -c 'import jsonschema' 2>/dev/null; then
    python3 - "$ROOT/docs/scan-result.schema.json" "$WORK/out/scan.json" > "$WORK/schema.txt" 2>&1 <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(json.load(open(sys.argv[2])))
print("valid")
PY
    check "scan.json with site-wide findings validates against the schema" grep -qx valid "$WORK/schema.txt"
else
    not_ok "python3-jsonschema is not installed (contrib/install-deps.sh installs it)"
fi
# What reads scan.json names the asset too: the report, the register, the diff.
run_riskmap report "$WORK/out/scan.json" -o "$WORK/rep" >/dev/null 2>&1
check "report: no 0.0.0.0, the site-wide asset named" sh -c \
    "! grep -q '0\.0\.0\.0' '$WORK/rep/report.html' && grep -q 'rootonly: <b>' '$WORK/rep/report.html'"
run_riskmap register update "$WORK/out/scan.json" --db "$WORK/reg.db" >/dev/null 2>&1
got=$(run_riskmap register export --format json --db "$WORK/reg.db" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
rows = d["risks"] if isinstance(d, dict) else d
print("\n".join(sorted("%s %s [%s]" % (r["kind"], r["asset"], r["address"]) for r in rows)))')
want="backup.offsite.missing $ADDR [$ADDR]
backup.offsite.missing rootonly []
backup.stale $ADDR [$ADDR]"
if [ "$got" = "$want" ]; then ok "register: site-wide risks by asset name (no address), a host asset by its address"
else not_ok "register: want [$want] got [$got]"; fi
fp=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print([f["fingerprint"] for f in d["findings"] if f["kind"] == "backup.offsite.missing" and "name" in f["asset"]][0][:12])' "$WORK/out/scan.json")
got=$(run_riskmap register show "$fp" --db "$WORK/reg.db" 2>&1 | grep -E '^ *Asset')
check "register show: a site-wide risk says it has no address [$got]" \
    sh -c "echo '$got' | grep -q 'rootonly (site-wide, no address), port 0'"
mkdir -p "$WORK/bundle"
run_riskmap evidence export "$WORK/out/scan.json" -o "$WORK/bundle/b.tar.gz" >/dev/null 2>&1 &&
    tar xzf "$WORK/bundle/b.tar.gz" -C "$WORK/bundle"
got=$(python3 -c '
import glob, json, sys
idx = glob.glob(sys.argv[1] + "/*/index/findings.json")[0]
d = json.load(open(idx))
items = d["findings"] if isinstance(d, dict) else d
print("\n".join(sorted("%s %s %s" % (f["kind"], f.get("asset", "-"), f.get("address", "-")) for f in items)))' "$WORK/bundle")
want="backup.offsite.missing - $ADDR
backup.offsite.missing rootonly -
backup.ok rootonly -
backup.stale - $ADDR"
if [ "$got" = "$want" ]; then ok "evidence bundle index: site-wide findings by asset name"
else not_ok "evidence index: want [$want] got [$got]"; fi
check "evidence bundle names no 0.0.0.0" sh -c "! grep -rq '0\.0\.0\.0' '$WORK/bundle'/riskmap-evidence-*"
got=$(run_riskmap diff --json "$WORK/out/scan.json" "$WORK/out/scan.json" >/dev/null 2>&1; echo $?)
check "diff reads the document with site-wide findings" [ "$got" = 0 ]

finish
