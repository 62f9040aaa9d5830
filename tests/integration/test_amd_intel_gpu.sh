#!/usr/bin/env bash
# Integration tests of the `carbontracker` command with AMD and Intel GPUs: --list-devices with
# Debian's real librocm_smi64.so.1 on a machine without an AMD GPU (a clear "no AMD GPU" line, no
# crash, no hang, nothing from ROCm SMI on the console; run only where the library is installed),
# then a run over a kernel-like sysfs tree with the fake ROCm SMI (tests/fakes) and an Intel xe
# card: the --json summary per GPU, ROCR_VISIBLE_DEVICES, --set, the amdgpu hwmon fallback.
# Env (set by ctest): CT_BIN, CT_FIXTURE, CT_FAKE_NVML_DIR, CT_TMP.
set -u

: "${CT_BIN:?CT_BIN must name the carbontracker command}"
: "${CT_FIXTURE:?CT_FIXTURE must name ct-fixture}"
: "${CT_FAKE_NVML_DIR:?CT_FAKE_NVML_DIR must name the directory of the fake libraries}"
. "$(dirname "$0")/lib.sh"
ct_setup amdgpu

jcheck() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
gpus = [x for x in d.get("devices", []) if x.get("component") == "gpu"]
def near(a, b, rel):
    return abs(a - b) <= rel * abs(b)
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2" 2>>"$T/err"
}

for v in CARBONTRACKER_PUE CARBONTRACKER_LOCALTIME CARBONTRACKER_ZONEINFO TZ CUDA_VISIBLE_DEVICES \
    CARBONTRACKER_NVML_LIBRARY CARBONTRACKER_ROCM_SMI_LIBRARY ROCR_VISIBLE_DEVICES \
    HIP_VISIBLE_DEVICES ZE_AFFINITY_MASK LD_LIBRARY_PATH; do
    unset "$v"
done
mkdir -p "$T/sys" "$T/proc"
printf 'processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz\n\n' \
    >"$T/proc/cpuinfo"
echo "cpu  100 0 100 800 0 0 0 0 0 0" >"$T/proc/stat"
export CARBONTRACKER_PROC_ROOT="$T/proc"
export CARBONTRACKER_ZONE=DK
export CARBONTRACKER_OFFLINE=1
export CARBONTRACKER_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
cd "$T" || exit 1

# ---- the real ROCm SMI, no AMD GPU ----------------------------------------------------------
real=""
for d in /usr/lib /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /opt/rocm/lib; do
    [ -e "$d/librocm_smi64.so.1" ] && real="$d/librocm_smi64.so.1" && break
done
amd_here=0
grep -qs 0x1002 /sys/class/drm/card*/device/vendor && amd_here=1
if [ -z "$real" ]; then
    echo "# skipped: Debian's librocm_smi64.so.1 is not installed (librocm-smi64-1)"
elif [ "$amd_here" = 1 ]; then
    echo "# skipped: this machine has an AMD GPU"
else
    # This machine's own sysfs, the default library name.
    CARBONTRACKER_SYSFS_ROOT=/sys timeout 30 "$CT_BIN" --list-devices >"$T/out" 2>"$T/err"
    rc=$?
    check "real ROCm SMI: --list-devices exits 0 (no crash, no hang)" test "$rc" = 0
    check "real ROCm SMI: rocm-smi not here" grep -q "^gpu: rocm-smi: not here" "$T/out"
    check "real ROCm SMI: a clear no-AMD-GPU line" grep -qF \
        "    no AMD GPU (no card of PCI vendor 0x1002 under class/drm)" "$T/out"
    check "real ROCm SMI: the amdgpu fallback says the same" grep -A1 "^gpu: amdgpu-hwmon: not here" \
        "$T/out" -q
    check "real ROCm SMI: nothing on stderr" test ! -s "$T/err"
    # The library named: it is loaded and its functions checked, and still not started.
    CARBONTRACKER_SYSFS_ROOT=/sys CARBONTRACKER_ROCM_SMI_LIBRARY=$real timeout 30 "$CT_BIN" \
        --list-devices >"$T/out" 2>"$T/err"
    rc=$?
    check "real ROCm SMI named: exits 0" test "$rc" = 0
    check "real ROCm SMI named: loaded, complete, not started" grep -qF \
        "no AMD GPU (no card of PCI vendor 0x1002 under class/drm); $real loaded and complete, not started" \
        "$T/out"
    check "real ROCm SMI named: nothing on stderr" test ! -s "$T/err"
fi

# ---- a node with two AMD GPUs and an Intel xe card ------------------------------------------
export CARBONTRACKER_SYSFS_ROOT="$T/sys"
fx() { "$CT_FIXTURE" "$@" || echo "fixture failed: $*" >>"$T/err"; }
fx gpu "$T/sys" 0000:03:00.0 1002 740c 1 3 amdgpu
fx gpu-set "$T/sys" 0000:03:00.0 hwmon/hwmon3/power1_input 250000000
fx gpu "$T/sys" 0000:43:00.0 1002 740c 2 5 amdgpu
fx gpu-set "$T/sys" 0000:43:00.0 hwmon/hwmon5/power1_average 100000000
fx gpu "$T/sys" 0000:0a:00.0 8086 56c0 3 7 xe
fx gpu-set "$T/sys" 0000:0a:00.0 hwmon/hwmon7/energy1_input 1000
export FAKE_RSMI_SCENARIO="$T/rsmi.scn"
cat >"$T/rsmi.scn" <<EOF
[device]
name = AMD Instinct MI250X
unique_id = 0x8c3a1e2f00aa0001
pci = 0000:03:00.0
watts = 250
[device]
name = AMD Instinct MI210
pci = 0000:43:00.0
watts = 100
energy_counter = no
EOF
export CARBONTRACKER_ROCM_SMI_LIBRARY="$CT_FAKE_NVML_DIR/librocm_smi64.so.1"

ct --list-devices
check "--list-devices: rocm-smi in use" grep -q "^gpu: rocm-smi: in use" "$T/out"
check "--list-devices: the MI210 integrated at 20 Hz" grep -qF \
    "PCI 0000:43:00.0, card2; power samples (rsmi_dev_power_ave_get) integrated at 20 Hz" "$T/out"
check "--list-devices: amdgpu-hwmon available, not used" grep -q "^gpu: amdgpu-hwmon: available" \
    "$T/out"
check "--list-devices: intel-gpu-hwmon in use" grep -q "^gpu: intel-gpu-hwmon: in use" "$T/out"

ct --json "$T/run.json" --log_dir "$T/logs" --components gpu -- sleep 0.6
check "run: exits 0" test "$rc" = 0
check "run: three GPUs, each once, summed" jcheck "$T/run.json" \
    "[g['meter'] for g in gpus] == ['rocm-smi', 'rocm-smi', 'intel-gpu-hwmon']
     and near(gpus[0]['energy_j'], 250 * d['duration_s'], 0.05)
     and gpus[0]['provenance'] == 'measured' and gpus[1]['provenance'] == 'integrated'
     and near(gpus[1]['energy_j'], 100 * d['duration_s'], 0.05)"

ROCR_VISIBLE_DEVICES=GPU-8c3a1e2f00aa0001 ct --json "$T/rocr.json" --log_dir "$T/logs2" \
    --components gpu -- true
check "ROCR_VISIBLE_DEVICES: one AMD GPU" jcheck "$T/rocr.json" \
    "[g['name'] for g in gpus if g['meter'] == 'rocm-smi'] == ['AMD Instinct MI250X']"

# ROCm SMI missing: the amdgpu hwmon files, integrated; --set picks the library.
ct --set rocm-smi.library=/nonexistent/librocm_smi64.so.1 --json "$T/hwmon.json" \
    --log_dir "$T/logs3" --components gpu -- sleep 0.3
check "no ROCm SMI: exits 0" test "$rc" = 0
check "no ROCm SMI: the amdgpu hwmon fallback, integrated" jcheck "$T/hwmon.json" \
    "[g['meter'] for g in gpus][:2] == ['amdgpu-hwmon', 'amdgpu-hwmon']
     and all(g['provenance'] == 'integrated' for g in gpus[:2])
     and near(gpus[0]['energy_j'], 250 * d['duration_s'], 0.05)"
ct --set rocm-smi.library=/nonexistent/librocm_smi64.so.1 --list-devices
check "no ROCm SMI: --list-devices names the reason" grep -qF \
    "cannot load the ROCm SMI library /nonexistent/librocm_smi64.so.1" "$T/out"
check "no ROCm SMI: --list-devices shows amdgpu-hwmon in use" grep -q \
    "^gpu: amdgpu-hwmon: in use" "$T/out"

ct_finish
