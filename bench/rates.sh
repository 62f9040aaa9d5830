#!/usr/bin/env bash
# rates.sh - the tracker's CPU at a given sampling rate, measured at that rate (never
# extrapolated): `carbontracker --offline --interval 1/HZ -- sleep N` against a bare `sleep N`,
# with the fixture environment run.sh sets up (2 packages + 2 DRAM zones). Called by run.sh;
# alone: CT=... B=... OUT=... TMP=... QUICK=0|1 bash bench/rates.sh
#
# Writes $OUT/rates.jsonl (bench_exec's lines, labels rate-HZ-N and rbare-N) and, per tracked run,
# $OUT/rate-HZ-N-RUN.json (the --json summary) and $OUT/rate-HZ-N-RUN.samples (how many sample
# records its log holds: the rate the tracker really kept); $OUT/rate-floor.jsonl, the bare 1 kHz
# wake-up measured before and after each 1 kHz run.
set -euo pipefail
: "${CT:?}" "${B:?}" "${OUT:?}" "${TMP:?}"
QUICK=${QUICK:-0}
R=$OUT/rates.jsonl

if [ "$QUICK" = 1 ]; then
    KHZ_S=3 KHZ_RUNS=1 SWEEP_S=2 SLOW_S=5 SLOW_RUNS=1 SWEEP_HZ=(100 500)
else
    KHZ_S=10 KHZ_RUNS=3 SWEEP_S=10 SLOW_S=20 SLOW_RUNS=3 SWEEP_HZ=(50 100 200 500)
fi

rate() { # HZ N RUN: one tracked sleep N at HZ, its own log directory
    local hz=$1 n=$2 run=$3 d=$TMP/logs-rate-$1-$2-$3
    rm -rf "$d"
    "$B/bench_exec" --out "$R" --label "rate-$hz-$n" -- \
        "$CT" --offline --interval "$(python3 -c "print(1/$hz)")" --log_dir "$d" \
        --json "$OUT/rate-$hz-$n-$run.json" -- sleep "$n" || {
        echo "rates: tracked sleep $n at $hz Hz failed" >&2
        return 0
    }
    cat "$d"/*_carbontracker.jsonl | grep -c '"type":"sample"' >"$OUT/rate-$hz-$n-$run.samples" || true
}

# 1 kHz and the sweep: one run at a time (a busy neighbour would make ticks late and skipped).
# Around each 1 kHz run, a thread that does nothing but wake every millisecond for as long (the
# floor of any 1 kHz sampler under the same conditions: this machine's wake-up cost drifts).
floor() {
    "$B/bench_library" --wake-only "$KHZ_S" >>"$OUT/rate-floor.jsonl" ||
        echo "rates: the wake-up floor failed" >&2
}
floor
for r in $(seq 1 "$KHZ_RUNS"); do
    rate 1000 "$KHZ_S" "$r"
    floor
done
for hz in "${SWEEP_HZ[@]}"; do rate "$hz" "$SWEEP_S" 1; done
# 1 Hz: tracked and bare side by side, started 1 s apart (the only moments with work).
pids=()
for r in $(seq 1 "$SLOW_RUNS"); do
    rate 1 "$SLOW_S" "$r" &
    pids+=($!)
    sleep 1
    "$B/bench_exec" --out "$R" --label "rbare-$SLOW_S" -- sleep "$SLOW_S" &
    pids+=($!)
    sleep 1
done
wait "${pids[@]}" || true
