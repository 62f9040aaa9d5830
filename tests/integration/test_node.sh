#!/usr/bin/env bash
# Integration tests of the whole-machine (node) meters through the `carbontracker` command: the
# fake ipmitool's output format against the installed ipmitool's own format strings, the ACPI
# power meter (a power_meter hwmon chip in a fixture sysfs tree) and the BMC's DCMI reading (the
# fake ipmitool first on PATH) in --list-devices, in the --json summary beside the components and
# never added to them, in the JSON-lines log, in --parse --json and in the --report HTML page.
# Env (set by ctest): CT_BIN, CT_SOURCE_DIR, CT_TMP.
set -u

: "${CT_BIN:?CT_BIN must name the carbontracker command}"
: "${CT_SOURCE_DIR:?CT_SOURCE_DIR must name the source tree}"
. "$(dirname "$0")/lib.sh"
ct_setup node

jcheck() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
def near(a, b, rel):
    return abs(a - b) <= rel * abs(b)
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2" 2>>"$T/err"
}

FAKE="$CT_SOURCE_DIR/tests/fakes/ipmitool.sh"

# ---- the fake speaks the real ipmitool's format ----------------------------------------------
real=$(PATH=/usr/bin:/usr/sbin:/bin:/sbin command -v ipmitool)
if [ -z "$real" ]; then
    not_ok "ipmitool is installed (scripts/install-deps.sh installs it)"
else
    # Every format string the fake prints for `dcmi power reading` is one the real binary holds.
    n=0
    while IFS= read -r fmt; do
        n=$((n + 1))
        check "the real ipmitool prints '${fmt}'" grep -aqF -- "$fmt" "$real"
    done < <(sed -n "s/^printf '\(    [A-Z][^']*\)'.*/\1/p" "$FAKE" | sed 's/\\n$//')
    check "the fake's format lines were all checked" test "$n" -ge 7
fi

# ---- fixtures ---------------------------------------------------------------------------------
for v in CARBONTRACKER_PUE CARBONTRACKER_LOCALTIME CARBONTRACKER_ZONEINFO TZ \
    CARBONTRACKER_IPMITOOL CARBONTRACKER_IPMI_DEVICE CARBONTRACKER_MSR_DIR; do
    unset "$v"
done
export CARBONTRACKER_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
mkdir -p "$T/proc" "$T/bin" "$T/dev"
printf 'processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz\n\n' \
    >"$T/proc/cpuinfo"
echo "cpu  100 0 100 800 0 0 0 0 0 0" >"$T/proc/stat"
export CARBONTRACKER_PROC_ROOT="$T/proc"
export CARBONTRACKER_ZONE=DK
export CARBONTRACKER_OFFLINE=1
ln -s "$FAKE" "$T/bin/ipmitool"
echo 400 >"$T/bin/watts"
: >"$T/dev/ipmi0"
export PATH="$T/bin:$PATH"
cd "$T" || exit 1

# sysfs with an ACPI power meter at 450 W (hwmon1 links into the device tree, as the kernel has it)
acpi_sys() {
    local s=$1 dev="devices/LNXSYSTM:00/LNXSYBUS:00/ACPI000D:00/hwmon/hwmon1"
    mkdir -p "$s/$dev" "$s/class/hwmon"
    echo power_meter >"$s/$dev/name"
    echo 450000000 >"$s/$dev/power1_average"
    echo 1000 >"$s/$dev/power1_average_interval"
    ln -s "../../$dev" "$s/class/hwmon/hwmon1"
}
acpi_sys "$T/sys"
mkdir -p "$T/sys-bmc"

# ---- the ACPI power meter, with the BMC as its fallback -----------------------------------------
export CARBONTRACKER_SYSFS_ROOT="$T/sys" CARBONTRACKER_IPMI_DEVICE="$T/dev/ipmi0"
ct --list-devices --json "$T/probe.json"
check "--list-devices exits 0" test "$rc" = 0
check "--list-devices: the ACPI power meter in use for the node" \
    jcheck "$T/probe.json" "[(m['meter'], m['component'], m['domain'], m['selected']) for m in d['meters'] if m['component'] == 'node'] == [('acpi-power-meter', 'node', 'node', True), ('ipmi-dcmi', 'node', 'node', False)]"
check "--list-devices: ipmi-dcmi works and says why it is not used" \
    jcheck "$T/probe.json" "[m['reason'] for m in d['meters'] if m['meter'] == 'ipmi-dcmi'][0].startswith('works, not used: acpi-power-meter')"
check "--list-devices text: node: acpi-power-meter: in use" grep -qxF "node: acpi-power-meter: in use" "$T/out"

ct --log_dir "$T/logs" --json "$T/run.json" -- sleep 1.2
check "a run with a node meter exits 0" test "$rc" = 0
check "JSON: node energy is 450 W x the span (within 5 %)" \
    jcheck "$T/run.json" "near(d['node']['energy_j'], 450 * d['node']['duration_s'], 0.05) and d['node']['duration_s'] > 1.0"
check "JSON: the node is not added: energy_j is the components' alone" \
    jcheck "$T/run.json" "d['energy_j'] < d['node']['energy_j'] and all(x['component'] != 'node' for x in d['devices'])"
check "JSON: not_in_components_j = node - components" \
    jcheck "$T/run.json" "abs(d['node']['not_in_components_j'] - (d['node']['energy_j'] - d['node']['components_energy_j'])) < 1e-6 and d['node']['devices'][0]['meter'] == 'acpi-power-meter'"
jsonl=$(ls "$T"/logs/*_carbontracker.jsonl 2>/dev/null | head -1)
check "JSON-lines log: node records beside the samples" \
    python3 -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
nodes = [r for r in recs if r.get("type") == "node"]
sys.exit(0 if nodes and nodes[-1]["energy_j"] > nodes[-1]["components_energy_j"] else 1)' "$jsonl"

ct --parse "$T/logs" --json "$T/parse.json"
check "--parse --json: the run's node block" \
    jcheck "$T/parse.json" "d['runs'][0]['node']['meter'] == 'acpi-power-meter' and d['runs'][0]['node']['not_in_components_j'] > 0"
ct --report "$T/logs" --output "$T/report.html" -q
check "--report: the HTML page shows what the components leave out" \
    grep -q "what they leave out (fans, disks, network, power-supply loss, other devices)" "$T/report.html"

# ---- the BMC alone --------------------------------------------------------------------------
export CARBONTRACKER_SYSFS_ROOT="$T/sys-bmc"
: >"$T/bin/calls"
ct --json "$T/bmc.json" --log_dir "$T/logs-bmc" -- sleep 2.2
check "BMC: a run exits 0" test "$rc" = 0
check "BMC: the node is ipmi-dcmi at 400 W (within 10 %: the reading is held)" \
    jcheck "$T/bmc.json" "d['node']['devices'][0]['meter'] == 'ipmi-dcmi' and near(d['node']['energy_j'], 400 * d['node']['duration_s'], 0.10)"
check "BMC: ipmitool polled about once a second, not more" \
    test "$(wc -l <"$T/bin/calls")" -ge 2 -a "$(wc -l <"$T/bin/calls")" -le 6
echo error >"$T/bin/mode"
ct --list-devices --json "$T/probe-bmc.json"
check "BMC: a failing ipmitool is an error naming its message" \
    jcheck "$T/probe-bmc.json" "[(m['status'], 'Could not open device' in m['reason']) for m in d['meters'] if m['meter'] == 'ipmi-dcmi'] == [('error', True)]"
rm -f "$T/bin/mode"
unset CARBONTRACKER_IPMI_DEVICE
ct --list-devices --json "$T/probe-none.json"
check "no /dev/ipmi0: ipmitool is not run, the meter is not here" \
    jcheck "$T/probe-none.json" "[m['status'] for m in d['meters'] if m['meter'] == 'ipmi-dcmi'] == ['not-here']"

ct_finish
