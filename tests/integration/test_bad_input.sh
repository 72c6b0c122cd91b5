#!/bin/sh
# Bad input everywhere (issue 10): every command that reads a file is given, in place of that
# file, a missing path, an empty file, a directory, binary garbage and a file of another
# format. Each must answer with exactly one line on stderr that starts "riskmap: " and names
# the file, exit with status 2, print nothing on stdout, and change nothing on disk: the
# state directory (a data directory with a register, a feed store, a signing key), the
# output directory and the working directory are compared file by file before and after.
#
# The table below is the test: COMMAND-LINE with @F@ where the bad file goes. Every run is
# bounded by timeout(1), and the test runs (where root and unshare(1) allow) in a network
# namespace of its own with no interface up, so that even a command that wrongly carried on
# could not send a packet anywhere (the scan and tls cases would otherwise go to 127.0.0.1).
#
# Not in the table, on purpose: `riskmap backup` and a scan's --backup sources, where a
# source that is missing, empty or unreadable is the finding the command exists to report
# (backup.unreadable, backup.none; test_backup.sh asserts those).
set -u
# The whole test runs in a network namespace of its own (one, made here: one per command
# costs a second each under load).
if [ -z "${BAD_INPUT_NETNS:-}" ] && [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
    BAD_INPUT_NETNS=1 exec unshare -n sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

SCAN=$ROOT/tests/fixtures/policies/scan-dental.json
POLICY=$ROOT/policies/baseline.xml
PROFILE=$ROOT/contrib/examples/client-profile.xml
STATE=$WORK/state
OUTD=$WORK/out
CWD=$WORK/cwd
IN=$WORK/in
mkdir -p "$STATE" "$OUTD" "$CWD" "$IN"
export RISKMAP_DATA_ROOT="$STATE/clients"

# A state worth protecting: a feed store, a register with one scan, a signing key.
"$RISKMAP" feed --feed-db "$STATE/feed.db" import "$ROOT/tests/fixtures/feeds/kev.json" > /dev/null 2>&1 ||
    not_ok "setup: feed import"
"$RISKMAP" register --db "$STATE/register.db" update "$SCAN" > /dev/null 2>&1 || not_ok "setup: register update"
"$RISKMAP" evidence key --key "$STATE/evidence.key" > /dev/null 2>&1 || not_ok "setup: evidence key"
cp "$SCAN" "$STATE/scan.json"

# The bad files. The garbage starts with bytes no parser could take for a start of anything.
printf '\001\377\000\033' > "$IN/garbage"
head -c 4096 /dev/urandom >> "$IN/garbage"
: > "$IN/empty"
mkdir -p "$IN/dir"
cp "$POLICY" "$IN/policy.xml"   # XML where JSON, PEM, a target list or a bundle is expected
cp "$SCAN" "$IN/scan.json"      # JSON where XML is expected
missing="$IN/does-not-exist"

[ -n "${BAD_INPUT_NETNS:-}" ] || echo "# not root or no unshare: running in the machine's network namespace"

snapshot() { # every entry under the three directories: path, size, mode, mtime (ns)
    find "$STATE" "$OUTD" "$CWD" -printf '%p %s %m %T@\n' | sort
}

# bad LABEL WRONG-FORMAT-FILE ARGS...: ARGS holds @F@ for the bad file.
bad() {
    label=$1 wrong=$2
    shift 2
    for kind in missing empty dir garbage wrong; do
        case $kind in
        missing) f=$missing ;;
        empty) f=$IN/empty ;;
        dir) f=$IN/dir ;;
        garbage) f=$IN/garbage ;;
        wrong) f=$wrong ;;
        esac
        set --
        for a in $ARGS; do
            case $a in *@F@*) a="${a%%@F@*}$f${a#*@F@}" ;; esac
            set -- "$@" "$a"
        done
        snapshot > "$WORK/before"
        # shellcheck disable=SC2086
        (cd "$CWD" && timeout 60 "$RISKMAP" "$@" > "$WORK/o" 2> "$WORK/e" < /dev/null)
        rc=$?
        snapshot > "$WORK/after"
        msg=$(cat "$WORK/e")
        why=""
        [ "$rc" -eq 2 ] || why="exit $rc"
        case $msg in *"
"*) why="$why; more than one line on stderr" ;; esac
        case $msg in "riskmap: "*) ;; *) why="$why; stderr does not start \"riskmap: \"" ;; esac
        case $msg in *"${f##*/}"*) ;; *) why="$why; the file is not named" ;; esac
        [ -s "$WORK/o" ] && why="$why; output on stdout"
        cmp -s "$WORK/before" "$WORK/after" ||
            why="$why; the disk changed: $(diff "$WORK/before" "$WORK/after" | head -3 | tr '\n' ' ')"
        if [ -z "$why" ]; then ok "$label, $kind: $msg"; else
            not_ok "$label, $kind:${why#;} [$(head -c 300 "$WORK/e" | tr '\n' '|')]"; fi
    done
}

ARGS="scan -sT -Pn -p 1 --no-service-detection -iL @F@ -o $OUTD/s"
bad "scan -iL" "$IN/policy.xml"
ARGS="scan -sT -Pn -p 1 --no-service-detection --excludefile @F@ 127.0.0.1 -o $OUTD/s"
bad "scan --excludefile" "$IN/policy.xml"
ARGS="scan -sT -Pn -p 1 --no-service-detection --client @F@ -o $OUTD/s"
bad "scan --client" "$IN/scan.json"
ARGS="scan -sT -Pn -p 1 --no-service-detection --policy @F@ 127.0.0.1 -o $OUTD/s"
bad "scan --policy" "$IN/scan.json"
ARGS="scan -sT -Pn -p 1 --no-service-detection --inventory 127.0.0.1=@F@ 127.0.0.1 -o $OUTD/s"
bad "scan --inventory" "$IN/policy.xml"
ARGS="inventory 127.0.0.1=@F@"
bad "inventory" "$IN/policy.xml"
ARGS="tls --tls-ca-file @F@ 127.0.0.1:1"
bad "tls --tls-ca-file" "$IN/policy.xml"
ARGS="tls --client @F@ 127.0.0.1:1"
bad "tls --client" "$IN/scan.json"
ARGS="policy eval @F@"
bad "policy eval SCAN" "$IN/policy.xml"
ARGS="policy eval -p @F@ $SCAN"
bad "policy eval -p" "$IN/scan.json"
ARGS="policy eval -c @F@ $SCAN"
bad "policy eval -c" "$IN/scan.json"
ARGS="evaluate -q @F@"
bad "evaluate" "$IN/policy.xml"
ARGS="policy validate @F@"
bad "policy validate" "$IN/scan.json"
ARGS="policy show @F@"
bad "policy show" "$IN/scan.json"
ARGS="export xccdf -o $OUTD/x.xml @F@"
bad "export xccdf" "$IN/policy.xml"
ARGS="roadmap @F@"
bad "roadmap SCAN" "$IN/policy.xml"
ARGS="roadmap -c @F@ $SCAN"
bad "roadmap -c" "$IN/scan.json"
ARGS="report @F@ -o $OUTD/r"
bad "report SCAN" "$IN/policy.xml"
ARGS="report -c @F@ $SCAN -o $OUTD/r"
bad "report -c" "$IN/scan.json"
ARGS="diff @F@ $SCAN"
bad "diff A" "$IN/policy.xml"
ARGS="diff $SCAN @F@"
bad "diff B" "$IN/policy.xml"
ARGS="register --db $STATE/register.db update @F@"
bad "register update" "$IN/policy.xml"
ARGS="feed --feed-db $STATE/feed.db import @F@"
bad "feed import" "$IN/policy.xml"
ARGS="feed --feed-db $STATE/feed.db match @F@"
bad "feed match" "$IN/policy.xml"
ARGS="evidence export @F@ -o $OUTD/b.tar.gz --key $STATE/evidence.key"
bad "evidence export SCAN" "$IN/policy.xml"
ARGS="evidence export $STATE/scan.json -o $OUTD/b.tar.gz --key @F@"
bad "evidence export --key" "$IN/policy.xml"
ARGS="evidence verify @F@"
bad "evidence verify" "$IN/policy.xml"

finish
