#!/usr/bin/env bash
# run.sh - `make bench`: measure the tracker's overhead and accuracy against fixture trees (fake
# powercap and proc trees, the fake NVML) and rewrite the measured sections of BENCHMARKS.md.
# Needs the release build that `make bench` makes (BUILD, default build-bench).
#
# Env: BUILD      build directory (default <source>/build-bench)
#      BENCH_QUICK=1  fewer, shorter runs for trying things out; BENCHMARKS.md is left alone
#                     unless BENCH_WRITE=1
#      BENCH_OUT  where the raw results go (default $BUILD/bench-results)
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$SRC/build-bench}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
B=$BUILD/bench
CT=$BUILD/carbontracker
OUT=${BENCH_OUT:-$BUILD/bench-results}
QUICK=${BENCH_QUICK:-0}
WRITE=${BENCH_WRITE:-$([ "$QUICK" = 1 ] && echo 0 || echo 1)}
FAKE_NVML=$B/fake-nvml/libnvidia-ml.so.1
FAKE_RSMI=$B/fake-rsmi/librocm_smi64.so.1

for f in "$CT" "$B/bench_exec" "$B/bench_sampler" "$B/bench_library" "$B/trace_driver"; do
    [ -x "$f" ] || {
        echo "bench: $f is missing; run 'make bench'" >&2
        exit 1
    }
done

rm -rf "$OUT"
mkdir -p "$OUT"
TMP=$(mktemp -d "$BUILD/bench-tmp.XXXXXX")
bg_pids=()
cleanup() {
    for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
export CT_FIXTURE_TMP=$TMP

T_START=$(date +%s)
phase() { echo "== bench [$(($(date +%s) - T_START)) s] $*"; }
# A failed step is recorded (the report lists it) and the run goes on.
failed() {
    echo "bench: FAILED: $*" >&2
    echo "$*" >>"$OUT/failures.txt"
}
LOGS=$OUT/logs
mkdir -p "$LOGS"

# Nothing of this machine's own configuration may leak into the runs.
for v in CARBONTRACKER_PUE CARBONTRACKER_LOCALTIME CARBONTRACKER_ZONEINFO \
    CARBONTRACKER_NVML_LIBRARY CUDA_VISIBLE_DEVICES FAKE_NVML_SCENARIO TZ; do
    unset "$v"
done
export CARBONTRACKER_ZONE=DK

if [ "$QUICK" = 1 ]; then
    RUNS_1=3 RUNS_10=2 RUNS_60=1 N_LONG=20 SAMPLER_READS=20000 CG_READS=(200 600)
    LIB_ARGS=(--epochs 2000 --opens 10 --day-samples 86400 --live-s 5 --cpu-s 1)
    PY_PAIRS=1000
    ACC_S=3 SWEEP_SEEDS=(1)
else
    RUNS_1=9 RUNS_10=5 RUNS_60=3 N_LONG=60 SAMPLER_READS=100000 CG_READS=(1000 3000)
    LIB_ARGS=(--epochs 10000 --opens 50 --day-samples 86400 --live-s 6 --cpu-s 3)
    PY_PAIRS=5000
    ACC_S=10 SWEEP_SEEDS=(1 2 3)
fi

# ---- machine ---------------------------------------------------------------------------------
phase "machine"
python3 - "$OUT/machine.json" "$SRC" "$CT" <<'EOF'
import json, os, platform, subprocess, sys, datetime
def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=sys.argv[2]).stdout.strip()
    except OSError:
        return ""
model = ""
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        model = line.split(":", 1)[1].strip()
        break
commit = sh("git", "rev-parse", "--short", "HEAD") or "uncommitted"
dirty = bool(sh("git", "status", "--porcelain", "--untracked-files=no"))
json.dump({
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
    "commit": commit + ("+changes" if dirty else ""),
    "compiler": sh("cc", "--version").splitlines()[0] if sh("cc", "--version") else "",
    "valgrind": sh("valgrind", "--version"),
    "load_start": open("/proc/loadavg").read().split()[:3],
    "shared_libraries": len([l for l in sh("ldd", sys.argv[3]).splitlines() if "=>" in l]),
    # What live intensity's libcurl.so.4 (dlopen'ed by the carbon thread) brings along.
    "curl_libraries": next((len([l for l in sh("ldd", p).splitlines() if "=>" in l])
                            for p in (l.split("=> ")[-1].strip()
                                      for l in sh("ldconfig", "-p").splitlines()
                                      if l.strip().startswith("libcurl.so.4 "))), None),
    # What the command and its library ask for directly (NEEDED), the rest comes with them.
    "needed": sorted({l.split("[")[1].split("]")[0]
                      for f in (sys.argv[3], os.path.join(os.path.dirname(sys.argv[3]),
                                                          "libcarbontracker.so"))
                      for l in sh("readelf", "-d", f).splitlines() if "(NEEDED)" in l}),
}, open(sys.argv[1], "w"), indent=1)
EOF

# Fixture trees shared by the overhead runs: two sockets + DRAM, and a proc tree.
SYS2=$TMP/sys-server2
PROC=$TMP/proc
mkdir -p "$SYS2" "$PROC"
"$B/trace_driver" powercap "$SYS2" server2
"$B/trace_driver" proc "$PROC"
export CARBONTRACKER_SYSFS_ROOT=$SYS2 CARBONTRACKER_PROC_ROOT=$PROC

# Fake NVML scenarios for the sampler: 4 GPUs with energy counters, 4 power-only.
if [ -f "$FAKE_NVML" ]; then
    "$B/trace_driver" nvml-scenario --gpus 4 --shape constant --watts 200 --duration 3600 \
        --scenario "$TMP/nvml-counter.scn" --out "$TMP/nvml-counter.truth.json"
    "$B/trace_driver" nvml-scenario --gpus 4 --shape constant --watts 200 --duration 3600 \
        --power-only 1 --scenario "$TMP/nvml-power.scn" --out "$TMP/nvml-power.truth.json"
fi

# ---- sampler: CPU per read, and instructions per read under callgrind ---------------------------
phase "sampler"
sampler() { # NAME ARGS...: one bench_sampler configuration, timed and under callgrind
    local name=$1
    shift
    "$B/bench_sampler" "$@" --reads "$SAMPLER_READS" >"$OUT/sampler-$name.json" ||
        failed "sampler $name"
    if command -v valgrind >/dev/null 2>&1; then
        local n
        for n in "${CG_READS[@]}"; do
            valgrind --tool=callgrind --callgrind-out-file="$TMP/cg-$name-$n.out" \
                "$B/bench_sampler" "$@" --reads "$n" --batch "$n" --quiet \
                >/dev/null 2>"$TMP/cg-$name-$n.log"
            awk -v n="$n" '/^(summary|totals):/ {print n, $2; exit}' "$TMP/cg-$name-$n.out"
        done >"$OUT/callgrind-$name.txt"
    fi
}
sampler rapl --meter rapl-powercap --sysfs "$SYS2" --proc "$PROC"
sampler cpu-tdp --meter cpu-tdp --sysfs "$SYS2" --proc "$PROC"
sampler rapl-perf --meter rapl-perf --proc "$PROC" # each makes its own two-socket tree
sampler rapl-msr --meter rapl-msr --proc "$PROC"
sampler amd-energy --meter amd-energy --proc "$PROC"
sampler acpi-power-meter --meter acpi-power-meter --proc "$PROC"
sampler tracker-cpu --meter tracker --components cpu --sysfs "$SYS2" --proc "$PROC"
mkdir -p "$TMP/sampler-logs"
sampler tracker-logs --meter tracker --components cpu --sysfs "$SYS2" --proc "$PROC" \
    --log-dir "$TMP/sampler-logs"
if [ -f "$FAKE_NVML" ]; then
    FAKE_NVML_SCENARIO=$TMP/nvml-counter.scn sampler nvml-counter --meter nvml \
        --nvml "$FAKE_NVML" --sysfs "$SYS2" --proc "$PROC"
    FAKE_NVML_SCENARIO=$TMP/nvml-power.scn sampler nvml-power --meter nvml \
        --nvml "$FAKE_NVML" --sysfs "$SYS2" --proc "$PROC"
fi

# AMD and Intel GPUs: four of each in a GPU sysfs tree bench_sampler makes (--gpus); ROCm SMI is
# the fake's, with energy accumulators, then power only.
if [ -f "$FAKE_RSMI" ]; then
    for k in 0 1 2 3; do
        printf '[device]\npci = 0000:%02x:00.0\nwatts = 250\n' $((3 + k))
    done >"$TMP/rsmi-counter.scn"
    sed 's/^watts = 250$/watts = 250\nenergy_counter = no/' "$TMP/rsmi-counter.scn" \
        >"$TMP/rsmi-power.scn"
    FAKE_RSMI_SCENARIO=$TMP/rsmi-counter.scn sampler rsmi-counter --meter rocm-smi --gpus amd \
        --set "rocm-smi.library=$FAKE_RSMI" --proc "$PROC"
    FAKE_RSMI_SCENARIO=$TMP/rsmi-power.scn sampler rsmi-power --meter rocm-smi --gpus amd \
        --set "rocm-smi.library=$FAKE_RSMI" --proc "$PROC"
fi
sampler amdgpu-hwmon --meter amdgpu-hwmon --gpus amd --proc "$PROC"
sampler intel-gpu-hwmon --meter intel-gpu-hwmon --gpus intel --proc "$PROC"

# ---- library ----------------------------------------------------------------------------------
phase "library"
"$B/bench_library" "${LIB_ARGS[@]}" >"$OUT/library.json" || failed "bench_library"

# What an epoch costs a Python training loop: epoch_start()+epoch_end() through the package of this
# tree over this build's library, the log files on, on the two-socket fixture. Three processes, one
# after the other (the first after a while of other work runs colder).
phase "python"
for r in 1 2 3; do
    CARBONTRACKER_LIBRARY=$BUILD/libcarbontracker.so python3 "$SRC/bench/python_epoch.py" \
        --pairs "$PY_PAIRS" --out "$OUT/python_epoch-$r.json" >/dev/null || failed "python epoch"
done

# Where a tracked run's start-up instructions go (user space only; callgrind).
if command -v valgrind >/dev/null 2>&1; then
    valgrind --tool=callgrind --callgrind-out-file="$TMP/cg-startup.out" \
        "$CT" --offline --log_dir "$TMP/logs-cg" -- true >/dev/null 2>"$TMP/cg-startup.log" || true
    callgrind_annotate --inclusive=yes "$TMP/cg-startup.out" 2>/dev/null |
        head -300 >"$OUT/callgrind-startup.txt" || true
fi

# ---- wrapping: carbontracker -- sleep N against sleep N ------------------------------------------
# The overhead runs are --offline: what tracking costs, without the network (which this machine
# may not have). Live intensity (the command's default) is measured beside them: `live-true` and
# `live-N` at the longest N; its carbon thread loads libcurl and asks energidataservice.dk (zone
# DK), which fails at once where there is no network.
phase "wrapping"
WRAP=$OUT/wrap.jsonl
wrapped() { # N RUN: one tracked sleep
    "$B/bench_exec" --out "$WRAP" --label "ct-$1" -- \
        "$CT" --offline --log_dir "$TMP/logs-wrap" --json "$OUT/wrap-ct-$1-$2.json" -- sleep "$1" ||
        failed "tracked sleep $1 (run $2)"
}
wrapped_live() { # N RUN: one tracked sleep with live intensity
    "$B/bench_exec" --out "$WRAP" --label "live-$1" -- \
        "$CT" --log_dir "$TMP/logs-wrap" --json "$OUT/wrap-live-$1-$2.json" -- sleep "$1" ||
        failed "live tracked sleep $1 (run $2)"
}
bare() { "$B/bench_exec" --out "$WRAP" --label "bare-$1" -- sleep "$1" || failed "sleep $1"; }

# References: the command's own start-up (--version), a tracked (offline and live) and a bare
# `true`.
for r in $(seq 1 "$RUNS_1"); do
    "$B/bench_exec" --out "$WRAP" --label ref-version -- "$CT" --version || failed "--version"
    "$B/bench_exec" --out "$WRAP" --label ref-tracked-true -- \
        "$CT" --offline --log_dir "$TMP/logs-wrap" -- true || failed "tracked true"
    "$B/bench_exec" --out "$WRAP" --label ref-live-true -- \
        "$CT" --log_dir "$TMP/logs-wrap" -- true || failed "live tracked true"
    "$B/bench_exec" --out "$WRAP" --label ref-true -- true || failed "true"
done
# N=1: sequential, tracked and bare runs alternating.
for r in $(seq 1 "$RUNS_1"); do
    wrapped 1 "$r"
    bare 1
done
# N=10 and N=60: the runs sleep side by side, started 1 s apart so that no start or exit
# (the only moments with work) meets another; each tracker wakes once a second for microseconds.
side_by_side() { # N RUNS [live]: with "live", a live tracked sleep beside each pair
    local n=$1 runs=$2 live=${3:-} r
    bg_pids=()
    for r in $(seq 1 "$runs"); do
        wrapped "$n" "$r" &
        bg_pids+=($!)
        sleep 1
        bare "$n" &
        bg_pids+=($!)
        sleep 1
        if [ -n "$live" ]; then
            wrapped_live "$n" "$r" &
            bg_pids+=($!)
            sleep 1
        fi
    done
    wait "${bg_pids[@]}" || true
    bg_pids=()
}
side_by_side 10 "$RUNS_10"
side_by_side "$N_LONG" "$RUNS_60" live

# ---- rates: the tracker's CPU at a sampling rate, measured at that rate --------------------------
phase "rates"
CT=$CT B=$B OUT=$OUT TMP=$TMP QUICK=$QUICK bash "$SRC/bench/rates.sh" || failed "rates"

# ---- accuracy ---------------------------------------------------------------------------------
phase "accuracy"
ACC=$OUT/accuracy
mkdir -p "$ACC"
ZONES2=intel-rapl:0,intel-rapl:0:0,intel-rapl:1,intel-rapl:1:0
tracked() { # CASE DRIVER-ARGS...: carbontracker (cpu) wrapping trace_driver run
    local name=$1
    shift
    "$CT" --components cpu --log_dir "$TMP/logs-acc" --json "$ACC/$name.ct.json" -- \
        "$B/trace_driver" run --out "$ACC/$name.truth.json" "$@" >"$LOGS/$name.out" 2>&1 ||
        failed "accuracy case $name (see $LOGS/$name.out)"
}
fresh_sys() { # NAME SCENARIO: a new powercap tree (every case starts from the same counters)
    local d=$TMP/sys-$1
    rm -rf "$d"
    mkdir -p "$d"
    "$B/trace_driver" powercap "$d" "$2"
    echo "$d"
}

S=$(fresh_sys constant server2)
CARBONTRACKER_SYSFS_ROOT=$S tracked constant --sysfs "$S" --zones "$ZONES2" --shape constant \
    --watts 150 --duration "$((ACC_S / 2))"
S=$(fresh_sys bursty single)
CARBONTRACKER_SYSFS_ROOT=$S tracked bursty --sysfs "$S" --zones intel-rapl:0 --seed 11 \
    --duration "$ACC_S"
S=$(fresh_sys sockets server2)
CARBONTRACKER_SYSFS_ROOT=$S tracked sockets-dram --sysfs "$S" --zones "$ZONES2" --seed 12 \
    --duration "$ACC_S"
S=$(fresh_sys wrap wrap)
CARBONTRACKER_SYSFS_ROOT=$S tracked wrap --sysfs "$S" --zones intel-rapl:0,intel-rapl:0:0 \
    --seed 13 --duration "$ACC_S"
S=$(fresh_sys epochs server2)
"$B/trace_driver" epochs --sysfs "$S" --proc "$PROC" --zones "$ZONES2" --seed 14 --epochs 200 \
    --epoch-min-ms 5 --epoch-max-ms 50 --gap-max-ms 10 --out "$ACC/epochs.truth.json" ||
    failed "accuracy case epochs"

if [ -f "$FAKE_NVML" ]; then
    # How many power steps the fake keeps per GPU (FAKE_MAX_STEPS), at most what fits its
    # scenario line buffer; a longer trace would be cut and the truth would be wrong.
    FAKE_STEPS=$(sed -n 's/^#define FAKE_MAX_STEPS \([0-9]*\).*/\1/p' \
        "$SRC/tests/fakes/fake_scenario.h")
    FAKE_STEPS=${FAKE_STEPS:-16}
    [ "$FAKE_STEPS" -le 400 ] || FAKE_STEPS=400
    # The command finds the fake where it looks for the real library (LD_LIBRARY_PATH), with
    # the environment variable as well for a command that reads it.
    export LD_LIBRARY_PATH=$B/fake-nvml${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export CARBONTRACKER_NVML_LIBRARY=$FAKE_NVML
    gpu_case() { # CASE POWER_ONLY SEED INTERVAL: 4 GPUs through the command
        local name=$1 power_only=$2 seed=$3 interval=$4
        "$B/trace_driver" nvml-scenario --gpus 4 --power-only "$power_only" --seed "$seed" \
            --duration "$ACC_S" --max-steps "$FAKE_STEPS" --scenario "$TMP/$name.scn" \
            --out "$ACC/$name.scenario.json" || {
            failed "scenario $name"
            return 0
        }
        local hold
        hold=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end_s"] + 0.3)' \
            "$ACC/$name.scenario.json")
        FAKE_NVML_SCENARIO=$TMP/$name.scn "$CT" --components gpu --interval "$interval" \
            --log_dir "$TMP/logs-acc" --json "$ACC/$name.ct.json" -- \
            "$B/trace_driver" run --hold "$hold" --out "$ACC/$name.truth.json" \
            >"$LOGS/$name.out" 2>&1 || failed "accuracy case $name (see $LOGS/$name.out)"
    }
    gpu_case gpu-counter 0 21 1
    gpu_case gpu-power-20hz 1 22 1 # the meter asks for 20 Hz whatever the interval
    # Integration error against the polling rate: the same meter code polled directly at each
    # rate (the tracker itself never polls power-only GPUs slower than 20 Hz).
    for seed in "${SWEEP_SEEDS[@]}"; do
        "$B/trace_driver" nvml-scenario --gpus 4 --power-only 1 --seed "$((30 + seed))" \
            --duration "$ACC_S" --max-steps "$FAKE_STEPS" --scenario "$TMP/sweep-$seed.scn" \
            --out "$ACC/sweep-$seed.scenario.json" || {
            failed "sweep scenario $seed"
            continue
        }
        hold=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end_s"] + 1.2)' \
            "$ACC/sweep-$seed.scenario.json")
        FAKE_NVML_SCENARIO=$TMP/sweep-$seed.scn "$B/trace_driver" sweep --nvml "$FAKE_NVML" \
            --rates 1,2,5,10,20 --hold "$hold" --out "$ACC/sweep-$seed.json" ||
            failed "sweep $seed"
    done
    unset CARBONTRACKER_NVML_LIBRARY LD_LIBRARY_PATH
fi

# ---- the node agent (carbontracker serve) -------------------------------------------------------
phase "agent"
if [ "$QUICK" = 1 ]; then AGENT_ARGS=(--seconds 5 --runs 1); else AGENT_ARGS=(--seconds 20 --runs 3); fi
python3 "$SRC/bench/agent.py" --ct "$CT" "${AGENT_ARGS[@]}" \
    $([ "$WRITE" = 1 ] && echo --write "$SRC/BENCHMARKS.md") >"$OUT/agent.md" || failed "agent"

# ---- report -----------------------------------------------------------------------------------
phase "report"
ELAPSED=$(($(date +%s) - T_START))
python3 - "$OUT/machine.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["load_end"] = open("/proc/loadavg").read().split()[:3]
json.dump(m, open(sys.argv[1], "w"), indent=1)
EOF
python3 "$SRC/bench/report.py" --results "$OUT" --elapsed "$ELAPSED" --quick "$QUICK" \
    --build-s "${BENCH_BUILD_S:-}" \
    $([ "$WRITE" = 1 ] && echo --write "$SRC/BENCHMARKS.md") >"$OUT/summary.txt"
cat "$OUT/summary.txt"
phase "done (results in $OUT)"
