#!/usr/bin/env bash
# parse_big.sh - the log parser on one very long run: memory and time of `carbontracker --parse`,
# `--parse --json` and `--report` over a generated upstream-format log of 520,000 epochs (about
# 100 MB; bench/gen_biglog.py), each RUNS times, medians of peak RSS (/usr/bin/time -v) and wall
# time. Not part of `make bench` (it takes minutes); the figures are in BENCHMARKS.md, "Parsing a
# large log".
#
#   BUILD=build-bench bash bench/parse_big.sh [RUNS] [EPOCHS]
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$SRC/build-bench}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
RUNS=${1:-3}
EPOCHS=${2:-520000}
CT=$BUILD/carbontracker
[ -x "$CT" ] || {
    echo "parse_big: $CT is missing; build it first (make bench)" >&2
    exit 1
}
[ -x /usr/bin/time ] || {
    echo "parse_big: /usr/bin/time (Debian package time) is needed" >&2
    exit 1
}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 "$SRC/bench/gen_biglog.py" "$TMP/logs" --epochs "$EPOCHS"
echo "log: $(du -b "$TMP/logs"/*_carbontracker.log | cut -f1) bytes, $EPOCHS epochs"

# measure NAME ARGS...: RUNS runs; prints "NAME: median peak RSS MB, median wall s (all runs)".
measure() {
    local name=$1
    shift
    local rss=() wall=()
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -v "$CT" "$@" >/dev/null 2>"$TMP/time" || {
            echo "$name: failed:" >&2
            tail -5 "$TMP/time" >&2
            return 0
        }
        rss+=("$(awk '/Maximum resident set size/ {print $NF}' "$TMP/time")")
        wall+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0;
            for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$TMP/time")")
    done
    python3 - "$name" "${rss[*]}" "${wall[*]}" <<'PY'
import statistics, sys
name, rss, wall = sys.argv[1], [int(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
print(f"{name}: peak RSS {statistics.median(rss) / 1024:.0f} MB, wall {statistics.median(wall):.2f} s "
      f"(runs: {', '.join(f'{r / 1024:.0f} MB' for r in rss)}; {', '.join(f'{w:.2f} s' for w in wall)})")
PY
}

measure "--parse" --parse "$TMP/logs"
measure "--parse --json" --parse "$TMP/logs" --json "$TMP/out.json"
measure "--report" --report "$TMP/logs" --output "$TMP/out.pdf"
