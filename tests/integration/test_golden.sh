#!/usr/bin/env bash
# Golden-file tests of the `carbontracker` command: the console output, the log files, the --json
# summary, and --parse (text and --json) of the logs, on fake powercap/proc trees. The tracked
# command advances the fixture's counters itself (ct-fixture advance), so the energies are exact;
# ct-golden normalises only what the clock decides (tests/helpers/golden.h lists the rules) and
# the result is compared byte for byte with tests/fixtures/golden/cli/NAME.golden.
# Regenerate the golden files (after a deliberate output change; review the diff):
#     CT_UPDATE_GOLDEN=1 ctest -R integration_test_golden
# Env (set by ctest): CT_BIN, CT_FIXTURE, CT_GOLDEN, CT_SOURCE_DIR, CT_TMP.
set -u

: "${CT_BIN:?CT_BIN must name the carbontracker command}"
: "${CT_FIXTURE:?CT_FIXTURE must name the ct-fixture helper}"
: "${CT_GOLDEN:?CT_GOLDEN must name the ct-golden helper}"
: "${CT_SOURCE_DIR:?CT_SOURCE_DIR must name the source tree}"
. "$(dirname "$0")/lib.sh"
ct_setup golden
GOLDEN_DIR=$CT_SOURCE_DIR/tests/fixtures/golden/cli

# Everything the library would take from the machine comes from fixtures; no network, no GPU.
for v in CARBONTRACKER_PUE CARBONTRACKER_LOCALTIME CARBONTRACKER_ZONEINFO TZ CUDA_VISIBLE_DEVICES \
    ELECTRICITYMAPS_API_KEY CARBONTRACKER_SYSFS_ROOT; do
    unset "$v"
done
export CARBONTRACKER_OFFLINE=1
export CARBONTRACKER_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
export CARBONTRACKER_ZONE=DK
mkdir -p "$T/proc"
printf 'processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz\n\n' \
    >"$T/proc/cpuinfo"
echo "cpu  100 0 100 800 0 0 0 0 0 0" >"$T/proc/stat"
export CARBONTRACKER_PROC_ROOT="$T/proc"
cd "$T" || exit 1

# golden NAME DOC: normalise DOC and compare it with $GOLDEN_DIR/NAME.golden (rewrite it first
# when CT_UPDATE_GOLDEN=1); a difference is shown as a unified diff.
golden() {
    local name=$1 doc=$2 want=$GOLDEN_DIR/$1.golden
    if ! "$CT_GOLDEN" normalise "$CT_FIXTURE" "<CT_FIXTURE>" "$T" "<T>" <"$doc" >"$doc.norm"; then
        not_ok "$name: normalise"
        return
    fi
    if [ "${CT_UPDATE_GOLDEN:-}" = 1 ]; then
        mkdir -p "$GOLDEN_DIR" && cp "$doc.norm" "$want"
    fi
    if diff -u "$want" "$doc.norm" >"$T/diff" 2>&1; then
        ok "$name matches $want"
    else
        echo "not ok - $name differs from $want (CT_UPDATE_GOLDEN=1 rewrites it):"
        sed 's/^/#   /' "$T/diff"
        fail=$((fail + 1))
    fi
}

# doc_files DIR: every file of DIR (sorted by name) with a header line.
doc_files() {
    local f
    for f in $(cd "$1" && LC_ALL=C ls); do
        echo "## file $f"
        cat "$1/$f"
    done
}

# run_doc DOC LOGDIR ARGS...: run the command, write what it printed, its status, the --json
# summary (if $T/run.json) and its log files to DOC.
run_doc() {
    local doc=$1 logs=$2
    shift 2
    rm -f "$T/run.json"
    ct "$@"
    {
        echo "## exit status $rc"
        echo "## stdout"
        cat "$T/out"
        echo "## stderr"
        cat "$T/err"
        if [ -e "$T/run.json" ]; then
            echo "## --json"
            cat "$T/run.json"
        fi
        doc_files "$logs"
    } >"$doc"
}

# ---- a two-socket server, verbose, --json: the command moves every zone once --------------
sys=$T/sys-server2
mkdir -p "$sys" && "$CT_FIXTURE" powercap "$sys" server2 || exit 1
export CARBONTRACKER_SYSFS_ROOT=$sys
# --interval 3600: no sampler tick during the run, so the JSON-lines log holds the same records
# on every run (the counters are read at the start and the end).
run_doc "$T/verbose.doc" "$T/logs1" --log_dir "$T/logs1" --json "$T/run.json" --interval 3600 -v \
    -- sh -c "'$CT_FIXTURE' advance '$sys' intel-rapl:0 50000000 &&
              '$CT_FIXTURE' advance '$sys' intel-rapl:0:0 5000000 &&
              '$CT_FIXTURE' advance '$sys' intel-rapl:1 40000000 &&
              '$CT_FIXTURE' advance '$sys' intel-rapl:1:0 4000001 && echo the command ran"
check "verbose run exits 0" test "$rc" = 0
golden server2-verbose "$T/verbose.doc"

# ---- a client, prefix, precision 3, PUE 1.2, components cpu, the command fails (exit 3) ----
sys=$T/sys-client
mkdir -p "$sys" && "$CT_FIXTURE" powercap "$sys" client || exit 1
export CARBONTRACKER_SYSFS_ROOT=$sys
run_doc "$T/client.doc" "$T/logs2" --log_dir "$T/logs2" --log_file_prefix gold \
    --decimal_precision 3 --pue 1.2 --components cpu --json "$T/run.json" --interval 3600 \
    -- sh -c "'$CT_FIXTURE' advance '$sys' intel-rapl:0 150000000000 &&
              '$CT_FIXTURE' advance '$sys' intel-rapl:0:2 9000000000 &&
              '$CT_FIXTURE' advance '$sys' intel-rapl:1 7000000 && exit 3"
check "failing command's status is ours (3)" test "$rc" = 3
golden client-prefix-precision3 "$T/client.doc"

# ---- --parse and --parse --json over both runs' logs ----------------------------------------
mkdir -p "$T/all" && cp "$T/logs1"/* "$T/logs2"/* "$T/all/" || exit 1
ct --parse "$T/all"
{
    echo "## --parse: exit status $rc"
    echo "## stdout"
    cat "$T/out"
    echo "## stderr"
    cat "$T/err"
} >"$T/parse.doc"
ct --parse "$T/all" --json "$T/parse.json"
{
    echo "## --parse --json: exit status $rc"
    echo "## stdout"
    cat "$T/out"
    echo "## stderr"
    cat "$T/err"
    echo "## --json"
    cat "$T/parse.json"
} >>"$T/parse.doc"
# The derived per-component energy of a text-logged epoch is its power x duration, whose last
# digits follow the duration (as avg_energy_usages): compare it to 9 significant digits.
python3 - "$T/parse.doc" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = re.sub(r'("(?:cpu|gpu)_energy_j": )(-?[0-9.]+(?:e-?[0-9]+)?)',
           lambda m: m.group(1) + format(float(m.group(2)), ".9g"), s)
open(p, "w").write(s)
PY
golden parse "$T/parse.doc"

ct_finish
