#!/bin/sh
# Runs every libFuzzer target in DIR for FUZZ_SECONDS each, on a scratch copy of its seed
# corpus (tests/fuzz/corpus/NAME, where NAME is the target without "fuzz_"), so the repository's
# corpus stays small. A crash fails the run and leaves the input in build/fuzz/crashes/.
set -eu
dir=${1:?usage: run.sh BUILD_DIR}
secs=${FUZZ_SECONDS:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir/crashes"
status=0
for bin in "$dir"/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin"); name=${name#fuzz_}
    work=$(mktemp -d)
    if [ -d "$root/tests/fuzz/corpus/$name" ]; then
        cp -r "$root/tests/fuzz/corpus/$name/." "$work/"
    fi
    echo "== fuzz $name for ${secs}s"
    if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$dir/crashes/$name-" -print_final_stats=1 "$work" \
            > "$dir/fuzz-$name.log" 2>&1; then
        echo "fuzz $name FAILED:"; tail -40 "$dir/fuzz-$name.log"; status=1
    else
        grep -E '^stat::number_of_executed_units' "$dir/fuzz-$name.log" | sed "s/^/   $name /" || true
    fi
    rm -rf "$work"
done
exit $status
