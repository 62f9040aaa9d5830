#!/usr/bin/env bash
# Integration tests of the CPU estimate's attribution through the `carbontracker` command: with
# cpu-tdp.attribution=process only the wrapped command's process tree counts (the real /proc:
# its own CPU time against the machine's), a busy command against a sleeping one; the default
# says "attribution: node"; a bad value is an error naming both choices.
# Env (set by ctest): CT_BIN, CT_TMP.
set -u

: "${CT_BIN:?CT_BIN must name the carbontracker command}"
. "$(dirname "$0")/lib.sh"
ct_setup attribution

jcheck() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
cpu = sum(x["energy_j"] for x in d.get("devices", []) if x.get("component") == "cpu")
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2" 2>>"$T/err"
}

for v in CARBONTRACKER_PUE CARBONTRACKER_PROC_ROOT CARBONTRACKER_ATTRIBUTION \
    CARBONTRACKER_IPMI_DEVICE CARBONTRACKER_MSR_DIR; do
    unset "$v"
done
export CARBONTRACKER_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
mkdir -p "$T/sys" # no powercap, no PMU, no hwmon: the CPU is the estimate
export CARBONTRACKER_SYSFS_ROOT="$T/sys" CARBONTRACKER_ZONE=DK CARBONTRACKER_OFFLINE=1
cd "$T" || exit 1

ct --set cpu-tdp.attribution=job --list-devices --json "$T/bad.json"
check "a bad attribution is an error naming node and process" \
    python3 -c 'import json, sys
m = [m for m in json.load(open(sys.argv[1]))["meters"] if m["meter"] == "cpu-tdp"][0]
sys.exit(0 if m["status"] == "error" and "node" in m["reason"] and "process" in m["reason"] else 1)' "$T/bad.json"

ct --list-devices
check "the default attribution is node, and --list-devices says so" grep -q "attribution: node" "$T/out"
ct --set cpu-tdp.attribution=process --list-devices
check "--list-devices says attribution: process" grep -q "attribution: process" "$T/out"

busy='i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done'
ct --set cpu-tdp.attribution=process --json "$T/busy.json" --log_dir "$T/l1" -- sh -c "$busy"
check "process attribution: a busy command runs" test "$rc" = 0
CARBONTRACKER_ATTRIBUTION=process ct --json "$T/idle.json" --log_dir "$T/l2" -- sleep 1
check "process attribution: a sleeping command runs" test "$rc" = 0
check "process attribution: a sleeping command is charged almost nothing" \
    jcheck "$T/idle.json" "cpu < 0.05 * 125 * d['duration_s']"
check "process attribution: the busy command is charged more than the sleeping one" \
    python3 -c 'import json, sys
e = [sum(x["energy_j"] for x in json.load(open(f))["devices"]) for f in sys.argv[1:]]
sys.exit(0 if e[0] > 2 * e[1] and e[0] > 0 else 1)' "$T/busy.json" "$T/idle.json"

ct_finish
