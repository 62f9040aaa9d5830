#!/usr/bin/env bash
# Integration tests of the `carbontracker` command: option parsing, exit statuses, signal
# forwarding, console text, log files, the --json summary and --list-devices, run against fake
# powercap/proc trees (ct-fixture) so that nothing depends on the machine.
# Env (set by ctest): CT_BIN, CT_FIXTURE, CT_SOURCE_DIR, CT_TMP.
set -u

: "${CT_BIN:?CT_BIN must name the carbontracker command}"
: "${CT_FIXTURE:?CT_FIXTURE must name the ct-fixture helper}"
: "${CT_SOURCE_DIR:?CT_SOURCE_DIR must name the source tree}"
. "$(dirname "$0")/lib.sh"
ct_setup cli

# jcheck FILE PYTHON-EXPRESSION: the expression over d = json.load(FILE) is true.
jcheck() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>>"$T/err"
}
# new_sys [SCENARIO]: a fresh fake sysfs tree; prints its path.
n_sys=0
new_sys() {
    n_sys=$((n_sys + 1))
    local d="$T/sys$n_sys"
    mkdir -p "$d" && "$CT_FIXTURE" powercap "$d" "${1:-client}" || return 1
    echo "$d"
}
# logs_in DIR SUFFIX: the log files in DIR with that suffix ("", "_output", "_err").
logs_in() {
    find "$1" -maxdepth 1 -type f -name "*_carbontracker$2.log" 2>/dev/null
}

# Everything the library would take from the machine comes from fixtures.
for v in CARBONTRACKER_PUE CARBONTRACKER_LOCALTIME CARBONTRACKER_ZONEINFO TZ CUDA_VISIBLE_DEVICES \
    ELECTRICITYMAPS_API_KEY; do
    unset "$v"
done
# No network in tests (live intensity has its own tests against a local server), no real GPU.
export CARBONTRACKER_OFFLINE=1
export CARBONTRACKER_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
mkdir -p "$T/proc"
printf 'processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz\n\n' \
    >"$T/proc/cpuinfo"
echo "cpu  100 0 100 800 0 0 0 0 0 0" >"$T/proc/stat"
export CARBONTRACKER_PROC_ROOT="$T/proc"
export CARBONTRACKER_ZONE=DK
CARBONTRACKER_SYSFS_ROOT=$(new_sys client) || exit 1
export CARBONTRACKER_SYSFS_ROOT
cd "$T" || exit 1

# ---- version and help ---------------------------------------------------------------------
version=$(sed -n 's/^project(carbontracker VERSION \([0-9.]*\).*/\1/p' "$CT_SOURCE_DIR/CMakeLists.txt")
ct --version
check "--version prints the version" test "$rc:$(cat "$T/out")" = "0:carbontracker $version"

ct --help
help_ok=1
for o in --log_dir --log_file_prefix --api_keys --parse --report --output --sim-cpu --sim-cpu-tdp \
    --sim-cpu-util --sim-gpu --sim-gpu-watts --sim-gpu-util --json --components --interval \
    --zone --offline --pue --decimal_precision --list-devices -q --quiet -v --verbose -h --help \
    --version; do
    grep -q -- "^ *\(-., \)\?$o\b" "$T/out" || {
        echo "# --help lacks $o"
        help_ok=0
    }
done
check "--help lists every option and exits 0" test "$rc:$help_ok" = "0:1"

# ---- exit statuses ------------------------------------------------------------------------
ct --log_dir "$T/l-exit" sh -c 'exit 3'
check "the command's exit status is ours (sh -c 'exit 3' -> 3)" test "$rc" = 3

ct --log_dir "$T/l-kill" sh -c 'kill -TERM $$'
check "a command killed by SIGTERM gives 143" test "$rc" = 143

ct --log_dir "$T/l-dd" -- sh -c 'exit 5'
check "'--' ends the options" test "$rc" = 5

ct --log_dir "$T/l-dd2" -- --not-an-option
check "after '--' a word starting with '-' is the command" \
    test "$rc:$(cat "$T/err")" = "127:carbontracker: cannot run '--not-an-option': No such file or directory"

ct --log_dir "$T/l-after" sh -c 'printf "%s|" "$@"' sh --log_dir "$T/l-x" --json "$T/x.json" -q
check "options after the command name belong to the command" \
    test "$rc:$(tail -n +2 "$T/out" | head -1)" = "0:--log_dir|$T/l-x|--json|$T/x.json|-q|"
check "options after the command name are not read by us" \
    test ! -e "$T/l-x" -a ! -e "$T/x.json" -a -n "$(logs_in "$T/l-after" _output)"

ct --log_dir "$T/l-nf" no-such-command-ct-xyz arg
check "command not found -> 127 with the message" \
    test "$rc:$(cat "$T/err")" = "127:carbontracker: cannot run 'no-such-command-ct-xyz': No such file or directory"
check "command not found starts no tracker (no logs, nothing on stdout)" \
    test ! -e "$T/l-nf" -a ! -s "$T/out"

printf '#!/bin/sh\nexit 0\n' >"$T/noexec.sh"
chmod 644 "$T/noexec.sh"
ct --log_dir "$T/l-nx" "$T/noexec.sh"
check "command not executable -> 126 with the message" \
    test "$rc:$(cat "$T/err")" = "126:carbontracker: cannot run '$T/noexec.sh': Permission denied"
ct --log_dir "$T/l-nx" "$T"
check "a directory as command -> 126" test "$rc" = 126 -a ! -e "$T/l-nx"

mkdir -p "$T/bin"
cp "$T/noexec.sh" "$T/bin/ct-noexec-cmd"
PATH="$T/bin:$PATH" "$CT_BIN" --log_dir "$T/l-nxp" ct-noexec-cmd >"$T/out" 2>"$T/err"
rc=$?
check "a non-executable file found in PATH -> 126" \
    test "$rc:$(cat "$T/err")" = "126:carbontracker: cannot run 'ct-noexec-cmd': Permission denied"

# ---- usage errors (64) --------------------------------------------------------------------
ct --bogus -- true
check "unknown option -> 64" test "$rc" = 64
check "unknown option is named" grep -q "unknown option '--bogus'" "$T/err"
ct -x true
check "unknown short option -> 64" test "$rc" = 64
ct
check "no command -> 64" test "$rc" = 64
ct --log_dir
check "option without its value -> 64" test "$rc" = 64
ct --offline=yes true
check "a flag given a value -> 64" test "$rc" = 64

ct --log_dir "$T/l-sim" --sim-cpu X -- true
check "--sim-cpu without --sim-cpu-tdp -> 64" test "$rc" = 64
check "--sim-cpu without --sim-cpu-tdp: upstream's text" grep -qF \
    "When using simulated CPU (sim_cpu), you must also specify the CPU TDP (sim_cpu_tdp)" "$T/err"
ct --log_dir "$T/l-sim" --sim-gpu G -- true
check "--sim-gpu without --sim-gpu-watts: 64 and upstream's text" test "$rc" = 64 -a -n \
    "$(grep -F "When using simulated GPU (sim_gpu), you must also specify the GPU power consumption (sim_gpu_watts)" "$T/err")"
ct --log_dir "$T/l-sim" --sim-cpu X --sim-cpu-tdp 12abc -- true
check "a bad number is a usage error naming the option" \
    test "$rc" = 64 -a -n "$(grep -F -- "--sim-cpu-tdp" "$T/err")" -a ! -e "$T/l-sim"
ct --log_dir "$T/l-sim" --sim-cpu X --sim-cpu-tdp 10 --sim-cpu-util 1.5 -- true
check "--sim-cpu-util out of range -> 64 (upstream's text)" \
    test "$rc" = 64 -a -n "$(grep -F "CPU utilization must be between 0.0 and 1.0." "$T/err")"
ct --interval 0 true
check "--interval 0 -> 64" test "$rc" = 64
ct --interval=abc true
check "--interval=abc -> 64 naming --interval" test "$rc" = 64 -a -n "$(grep -F -- --interval "$T/err")"
ct --pue 0.9 true
check "--pue below 1.0 -> 64" test "$rc" = 64
CARBONTRACKER_PUE=lots "$CT_BIN" true >"$T/out" 2>"$T/err"
rc=$?
check "a bad CARBONTRACKER_PUE -> 64 naming it" \
    test "$rc" = 64 -a -n "$(grep -F CARBONTRACKER_PUE "$T/err")"
for v in nan inf -nan; do
    CARBONTRACKER_PUE=$v "$CT_BIN" true >"$T/out" 2>"$T/err"
    rc=$?
    check "CARBONTRACKER_PUE=$v is refused as -1 is (not taken as unset)" \
        test "$rc:$(cat "$T/err" | head -1)" = "64:carbontracker: invalid CARBONTRACKER_PUE '$v' (a number >= 1.0)"
done
# A fallback that changes the intensity shown is one warning on the console.
"$CT_BIN" --offline --log_dir "$T/l-zone" --zone XX true >"$T/out" 2>"$T/err"
check "--zone XX (not in the table): one console warning naming the world average" \
    test "$(grep -c 'WARNING' "$T/out"):$(grep -c '^CarbonTracker: WARNING - zone XX is not in the carbon-intensity table: using 481.00 gCO2/kWh from default:world:2019 (XX (set by option)).$' "$T/out")" = "1:1"
TZ=Europe/Copenhagen CARBONTRACKER_ZONEINFO="$T/no-zoneinfo" "$CT_BIN" --offline --log_dir "$T/l-zone" --zone 'DK;x' true >"$T/out" 2>"$T/err"
check "--zone 'DK;x' (ignored): one console warning saying what is used" \
    test "$(grep -c 'WARNING' "$T/out"):$(grep -c "^CarbonTracker: WARNING - zone \"DK;x\" ignored: only letters, digits and '-' are allowed.*: using .* gCO2/kWh from .*\.$" "$T/out")" = "1:1"
"$CT_BIN" --offline --log_dir "$T/l-zone" --zone DK true >"$T/out" 2>"$T/err"
check "--zone DK: no warning" test "$(grep -c 'WARNING' "$T/out")" = 0
ct --log_dir "$T/l-comp" --components tpu -- true
check "--components tpu -> 64 with upstream's text" \
    test "$rc" = 64 -a -n "$(grep -F "No component found with name 'tpu'." "$T/err")"
ct --list-devices true
check "--list-devices with a command -> 64" test "$rc" = 64

ct --log_dir "$T/l-api" --api_keys '{"co2signal": "SECRETKEY123"}' -- true
check "--api_keys with an unknown provider -> 64" test "$rc" = 64
check "--api_keys: upstream's text" grep -qF "Invalid API name 'co2signal' given." "$T/err"
ct --log_dir "$T/l-api" --api_keys '["electricitymaps"]' -- true
check "--api_keys that is not an object -> 64" test "$rc" = 64
ct --log_dir "$T/l-api" --api_keys '{"ElectricityMaps": "SECRETKEY123"}' -- true
check "--api_keys with a known provider (any case) runs the command" test "$rc" = 0
check "--api_keys with a valid key prints nothing on stderr" test -z "$(cat "$T/err")"

# The meters' and providers' settings: --list-settings, --set.
ct --list-settings
check "--list-settings exits 0" test "$rc" = 0
check "--list-settings names each provider's URL with its variable" \
    grep -qE '^ +environment CARBONTRACKER_UKGRID_URL; default https://api.carbonintensity.org.uk$' "$T/out"
check "--list-settings lists the NVML library" grep -q '^nvml.library ' "$T/out"
check "--list-settings marks the key secret, no value" grep -q 'ELECTRICITYMAPS_API_KEY; default (none); secret$' "$T/out"
ct --log_dir "$T/l-set" --set ukgrid.token=x -- true
check "--set with an unknown setting -> 64" test "$rc" = 64
check "--set: names it and where the list is" \
    grep -qF "unknown setting 'ukgrid.token' (carbontracker --list-settings lists them)" "$T/err"
ct --log_dir "$T/l-set" --set ukgrid.url -- true
check "--set without a value -> 64" test "$rc" = 64
ct --log_dir "$T/l-set" --offline --set ukgrid.url=ftp://example.org -- true
check "--set with a URL that is not http(s) -> 64" test "$rc" = 64
check "--set: says which setting" grep -qF "ukgrid.url must be an http:// or https:// URL" "$T/err"
ct --log_dir "$T/l-set" --offline --set ukgrid.url=http://127.0.0.1:1 -- true
check "--set with a valid setting runs the command" test "$rc" = 0
ct --log_dir "$T/l-set" --api_keys '{"ukgrid": "k"}' -- true
check "--api_keys for a provider without a key -> 64" test "$rc" = 64

# Reliability: a prefix cannot leave the log directory, a key cannot carry a line break, and
# --decimal_precision says the range the library takes.
mkdir -p "$T/deep/l-pre"
ct --offline --log_dir "$T/deep/l-pre" --log_file_prefix ../../escaped -- true
check "--log_file_prefix with '/' -> 64" test "$rc" = 64
check "--log_file_prefix: says why" grep -qF "log_file_prefix must be part of a file name" "$T/err"
check "--log_file_prefix: nothing written outside the log directory" \
    test -z "$(find "$T" -maxdepth 1 -name 'escaped*')"
ELECTRICITYMAPS_API_KEY=$'SECRETKEY123\r\nX-Injected: 1' ct --offline --log_dir "$T/l-crlf" -- true
check "a key with CR/LF -> 64" test "$rc" = 64
check "a key with CR/LF: says so" grep -qF "electricitymaps.api_key contains a control character" "$T/err"
check "a key with CR/LF: the key is not echoed" sh -c "! grep -q SECRETKEY '$T/err' '$T/out'"
ct --decimal_precision 31 -- true
check "--decimal_precision 31 -> 64 with the library's range" grep -qF "(0 to 30)" "$T/err"
ct --offline --log_dir "$T/l-range" --interval 1e308 -- true
check "--interval 1e308 -> 64" test "$rc" = 64
check "--interval 1e308: the range" grep -qF "between 0.001 and 86400 seconds" "$T/err"
ct --offline --log_dir "$T/l-range" --sim-cpu X --sim-cpu-tdp 1e300 -- true
check "--sim-cpu-tdp 1e300 -> 64" test "$rc" = 64

# A log that cannot be written (here: past the file size limit, as a full disk) is named on the
# console once, the run goes on and the status is still the command's.
bash -c 'ulimit -f 1; trap "" XFSZ; exec "$0" "$@"' "$CT_BIN" --offline --log_dir "$T/l-full" \
    --json "$T/full.json" -- sh -c 'sleep 1; exit 3' >"$T/out" 2>"$T/err"
rc=$?
check "a log write failure keeps the command's status" test "$rc" = 3
check "a log write failure is named on the console" \
    grep -qE '^CarbonTracker: WARNING - Could not write the log .*_carbontracker.jsonl: File too large' "$T/out"
check "the --json that cannot be written is named" grep -qF "full.json': File too large" "$T/err"
check "no half-written --json is left" test ! -e "$T/full.json.tmp"
check "the API key is never echoed" test -z "$(grep -rl SECRETKEY123 "$T/out" "$T/err" "$T/l-api")"

# A full disk from the start (a file size limit of 0) leaves no empty logs behind.
bash -c 'ulimit -f 0; trap "" XFSZ; exec "$0" "$@"' "$CT_BIN" --offline --log_dir "$T/l-full0" \
    -- true >"$T/out" 2>"$T/err"
check "a disk full at start leaves no 0-byte logs" \
    test -z "$(find "$T/l-full0" -type f -size 0 2>/dev/null)"
# SIGKILL while the command runs leaves no FILE.json.tmp (the summary is unnamed until complete).
"$CT_BIN" --offline --log_dir "$T/l-kill" --json "$T/killed.json" -- sleep 5 >/dev/null 2>&1 &
kpid=$!
for _ in $(seq 50); do [ -n "$(ls "$T/l-kill" 2>/dev/null)" ] && break; sleep 0.05; done
sleep 0.2
kill -KILL "$kpid"
wait "$kpid" 2>/dev/null
check "SIGKILL leaves no stale --json .tmp" test ! -e "$T/killed.json.tmp" -a ! -e "$T/killed.json"
# Errors opening the logs name the directory and the real cause, not a generic status.
touch "$T/a-file"
ct --offline --log_dir "$T/a-file/logs" -- true
check "ENOTDIR: 70 and strerror of the real errno" test "$rc:$(cat "$T/err")" = \
    "70:carbontracker: cannot create log directory $T/a-file/logs: Not a directory"

ct --parse "$T/l-api" -- true
check "--parse with a command -> 64" test "$rc" = 64
ct --output x.pdf -- true
check "--output without --report -> 64" test "$rc" = 64

# ---- the tracker cannot start (70) --------------------------------------------------------
ct --log_dir /dev/null/logs -- touch "$T/ran-70"
check "log directory that cannot be created -> 70, command not run" \
    test "$rc" = 70 -a ! -e "$T/ran-70" -a -n "$(grep '^carbontracker: ' "$T/err")"
ct --log_dir "$T/l-gpu" --components gpu -- touch "$T/ran-70"
check "no meter for --components gpu -> 70, command not run" test "$rc" = 70 -a ! -e "$T/ran-70"
ct --log_dir "$T/l-json70" --json "$T/no/such/dir/s.json" -- touch "$T/ran-70"
check "--json into a missing directory -> 70, command not run" test "$rc" = 70 -a ! -e "$T/ran-70"

# ---- a measured run: console text, logs, JSON ---------------------------------------------
sys=$(new_sys client)
CARBONTRACKER_SYSFS_ROOT=$sys "$CT_BIN" --log_dir "$T/l-run" --log_file_prefix run \
    --json "$T/run.json" --interval 0.1 -- "$CT_FIXTURE" drive "$sys" intel-rapl:0 20 0.5 \
    >"$T/out" 2>"$T/err" &
ct_pid=$!
wait $ct_pid
rc=$?
run_out=$(cat "$T/out")
driven_uj=$(grep -E '^[0-9]+$' "$T/out" | head -1)
check "measured run exits 0" test "$rc" = 0 -a -n "$driven_uj"
check "stdout: components found (client fixture)" grep -qxF \
    "CarbonTracker: The following components were found: CPU with device(s) cpu:0, dram:0." "$T/out"
block_re='CarbonTracker: \nActual consumption:\n\tTime:\t[0-9]+:[0-9]{2}:[0-9]{2}\n\tEnergy:\t[0-9]+\.[0-9]{12} kWh\n\tCO2eq:\t[0-9]+\.[0-9]{12} g\n\tThis is equivalent to:\n\t[0-9]+\.[0-9]{12} km travelled by car\n'
has_block() {
    python3 -c 'import re, sys
sys.exit(0 if re.search(sys.argv[1], open(sys.argv[2]).read()) else 1)' "$block_re" "$1"
}
check "stdout: the Actual consumption block (Time, Energy, CO2eq)" has_block "$T/out"
check "stdout ends with Finished monitoring" test "$(tail -1 "$T/out")" = "CarbonTracker: Finished monitoring."

name_re="^run_${ct_pid}\.[0-9]+_[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{6}Z_carbontracker((_output|_err)?\.log|\.jsonl)\$"
names_ok=1
n_logs=0
for f in "$T/l-run"/*; do
    n_logs=$((n_logs + 1))
    [[ $(basename "$f") =~ $name_re ]] || {
        echo "# unexpected log name $(basename "$f")"
        names_ok=0
    }
done
std_log=$(logs_in "$T/l-run" "")
out_log=$(logs_in "$T/l-run" _output)
check "log files have upstream's names ({prefix_}{pid}.{id}_{date}_carbontracker*.log, + .jsonl)" \
    test "$names_ok" = 1 -a "$n_logs" -ge 3 -a "$n_logs" -le 4
check "std and output logs exist" test -s "$std_log" -a -s "$out_log"
check "output log holds the Actual consumption block" has_block "$out_log"
check "std log lists the components" \
    grep -qF "The following components were found: CPU with device(s) cpu:0, dram:0." "$std_log"

check "--json: format and version" \
    jcheck "$T/run.json" 'd["format"] == "carbontracker-summary" and d["format_version"] == 1'
check "--json: energy_j equals what the fixture drove (0.5%)" \
    jcheck "$T/run.json" "abs(d['energy_j'] - $driven_uj / 1e6) <= 0.005 * $driven_uj / 1e6"
check "--json: cpu:0 is measured by rapl-powercap with the driven energy" \
    jcheck "$T/run.json" "[(x['provenance'], x['meter']) for x in d['devices'] if x['name'] == 'cpu:0'] == [('measured', 'rapl-powercap')] and abs([x['energy_j'] for x in d['devices'] if x['name'] == 'cpu:0'][0] - $driven_uj / 1e6) <= 0.005 * $driven_uj / 1e6"
check "--json: exit_status and command" \
    jcheck "$T/run.json" "d['exit_status'] == 0 and d['command'] == ['$CT_FIXTURE', 'drive', '$sys', 'intel-rapl:0', '20', '0.5']"
check "--json: energy_kwh, co2eq_g follow from energy_j, pue and intensity" \
    jcheck "$T/run.json" "d['pue'] == 1.58 and abs(d['energy_kwh'] - d['energy_j'] / 3.6e6 * 1.58) <= 1e-12 and abs(d['co2eq_g'] - d['energy_kwh'] * d['intensity_g_per_kwh']) <= 1e-9 * max(1, d['co2eq_g'])"
check "--json: zone DK given by the environment, one epoch, no prediction" \
    jcheck "$T/run.json" "d['zone'] == 'DK' and d['location_method'] == 'option' and d['epochs'] == 1 and d['prediction'] is None and len(d['epochs_detail']) == 1"
check "--json: no FILE.tmp left behind" test ! -e "$T/run.json.tmp"

# Log file date: local time with a literal Z (TZ=JST-9 needs no zoneinfo).
t0=$(date +%s)
TZ=JST-9 "$CT_BIN" --log_dir "$T/l-tz" true >"$T/out" 2>"$T/err"
t1=$(date +%s)
check "log file date is local time with a literal Z" python3 -c 'import calendar, re, sys, time
m = re.search(r"_(\d{4})-(\d\d)-(\d\d)T(\d\d)(\d\d)(\d\d)Z_carbontracker\.log$", sys.argv[1])
t = calendar.timegm(tuple(int(x) for x in m.groups()) + (0, 0, 0)) - 9 * 3600
sys.exit(0 if int(sys.argv[2]) - 1 <= t <= int(sys.argv[3]) + 1 else 1)' \
    "$(logs_in "$T/l-tz" "")" "$t0" "$t1"

ct --log-dir "$T/l-hyphen" --log-file-prefix=hy --json="$T/exit3.json" -- sh -c 'exit 3'
check "--log-dir and --opt=value spellings" test -n "$(logs_in "$T/l-hyphen" _output | grep '/hy_')"
check "--json records a failing command's exit status and argv" \
    jcheck "$T/exit3.json" "d['exit_status'] == 3 and d['command'] == ['sh', '-c', 'exit 3']"

mkdir -p "$T/cwd" && (cd "$T/cwd" && "$CT_BIN" true >/dev/null 2>&1)
check "default --log_dir is ./logs" test -n "$(logs_in "$T/cwd/logs" _output)"

# ---- environment ----------------------------------------------------------------------------
CARBONTRACKER_PUE=2 "$CT_BIN" --log_dir "$T/l-env" --json "$T/pue.json" true >"$T/out" 2>"$T/err"
check "CARBONTRACKER_PUE sets the PUE" jcheck "$T/pue.json" "d['pue'] == 2.0"
CARBONTRACKER_PUE=2 "$CT_BIN" --log_dir "$T/l-env" --pue 1.2 --json "$T/pue.json" true \
    >"$T/out" 2>"$T/err"
check "--pue wins over CARBONTRACKER_PUE" jcheck "$T/pue.json" "d['pue'] == 1.2"
mkdir -p "$T/zoneinfo"
printf '# fixture\nDK\t+5540+01235\tEurope/Copenhagen\nFR\t+4852+00220\tEurope/Paris\n' \
    >"$T/zoneinfo/zone.tab"
env -u CARBONTRACKER_ZONE TZ=Europe/Paris CARBONTRACKER_ZONEINFO="$T/zoneinfo" \
    "$CT_BIN" --log_dir "$T/l-env" --json "$T/tz.json" true >"$T/out" 2>"$T/err"
check "without a zone, TZ + CARBONTRACKER_ZONEINFO give the zone" \
    jcheck "$T/tz.json" "d['zone'] == 'FR' and d['location_method'] == 'timezone'"
TZ=Europe/Paris CARBONTRACKER_ZONEINFO="$T/zoneinfo" \
    "$CT_BIN" --log_dir "$T/l-env" --zone SE --json "$T/tz.json" true >"$T/out" 2>"$T/err"
check "--zone wins over CARBONTRACKER_ZONE and the time zone" \
    jcheck "$T/tz.json" "d['zone'] == 'SE' and d['location_method'] == 'option'"

# ---- simulation ---------------------------------------------------------------------------
ct --log_dir "$T/l-sim2" --sim-cpu "Sim CPU" --sim-cpu-tdp 100 --json "$T/sim.json" -- true
check "--sim-cpu runs with provenance simulated" \
    jcheck "$T/sim.json" "[x['provenance'] for x in d['devices']] == ['simulated'] and d['devices'][0]['name'] == 'Sim CPU'"

# ---- quiet, and where our text starts -------------------------------------------------------
ct -q --log_dir "$T/l-quiet" -- sh -c 'echo child'
check "-q: nothing from us on stdout" test "$rc:$(cat "$T/out")" = "0:child"
check "-q: the logs are still written" has_block "$(logs_in "$T/l-quiet" _output)"

"$CT_BIN" --log_dir "$T/l-nl" -- printf 'no newline' >"$T/nl.txt" 2>"$T/err"
check "after output without a final newline our text starts on a new line" \
    test "$(grep -A1 -F 'no newline' "$T/nl.txt" | head -2 | cut -c1-15 | tr '\n' '|')" = \
    "no newline|CarbonTracker: |"
"$CT_BIN" --log_dir "$T/l-nl" -- printf 'line\n' >"$T/nl2.txt" 2>"$T/err"
check "after output with a final newline no empty line is added" \
    test "$(grep -c -x '' "$T/nl2.txt")" = 0

{
    "$CT_BIN" --log_dir "$T/l-pipe" -- sh -c 'sleep 0.3; exit 6' 2>"$T/err"
    echo $? >"$T/pipe.rc"
} | head -c 1 >/dev/null
check "a closed stdout does not kill us: the command's status, complete logs" \
    test "$(cat "$T/pipe.rc")" = 6 -a -n "$(grep 'Finished monitoring' "$(logs_in "$T/l-pipe" _output)")"

# ---- signals --------------------------------------------------------------------------------
# wait_gone PID SECONDS: wait for PID (a job of this shell) to end; sets $status to its exit
# status, or to "timeout". Not for $(...): a subshell cannot wait for this shell's jobs.
status=""
wait_gone() {
    local pid=$1 n=$(($2 * 20))
    while [ "$n" -gt 0 ]; do
        # a zombie has ended; `kill -0` still succeeds on it
        case "$(ps -o stat= -p "$pid" 2>/dev/null)" in
        "" | Z*) break ;;
        esac
        sleep 0.05
        n=$((n - 1))
    done
    if [ "$n" -le 0 ]; then
        status=timeout
    else
        wait "$pid"
        status=$?
    fi
}
# child_of PID: the pid of PID's child, waiting up to 5 s for it to appear.
child_of() {
    local n=100 c=""
    while [ -z "$c" ] && [ "$n" -gt 0 ]; do
        c=$(ps -o pid= --ppid "$1" | tr -d ' ' | head -1)
        [ -z "$c" ] && sleep 0.05
        n=$((n - 1))
    done
    echo "$c"
}

"$CT_BIN" --log_dir "$T/l-sig" -- sleep 30 >"$T/out" 2>"$T/err" &
ct_pid=$!
child=$(child_of $ct_pid)
sleep 0.2 # let the child exec sleep
start=$(date +%s%N)
kill -TERM $ct_pid
wait_gone $ct_pid 5
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "SIGTERM to carbontracker is forwarded: exit 143 within 5 s (${elapsed_ms} ms)" \
    test "$status" = 143 -a "$elapsed_ms" -lt 5000
check "SIGTERM: the command is gone" test -n "$child" -a ! -d "/proc/$child"
check "SIGTERM: Actual consumption printed" has_block "$T/out"
check "SIGTERM: Actual consumption logged" has_block "$(logs_in "$T/l-sig" _output)"
[ -n "$child" ] && kill -KILL "$child" 2>/dev/null

"$CT_BIN" --log_dir "$T/l-hup" -- \
    sh -c 'trap "exit 9" HUP; : >"$0"; while :; do sleep 0.05; done' "$T/hup-ready" \
    >"$T/out" 2>"$T/err" &
ct_pid=$!
child=$(child_of $ct_pid)
for _ in $(seq 100); do # until sh has installed its trap
    [ -e "$T/hup-ready" ] && break
    sleep 0.05
done
kill -HUP $ct_pid
wait_gone $ct_pid 5
check "SIGHUP is forwarded and the command's own exit status (9) comes back" test "$status" = 9
[ -n "$child" ] && kill -KILL "$child" 2>/dev/null

(
    trap '' INT
    exec "$CT_BIN" --log_dir "$T/l-ign" -- sh -c 'kill -INT $$; exit 8'
) >"$T/out" 2>"$T/err"
rc=$?
check "a signal ignored when we started stays ignored in the command" test "$rc" = 8

# ---- --list-devices -----------------------------------------------------------------------
ct --list-devices --json "$T/probe.json"
check "--list-devices exits 0" test "$rc" = 0
check "--list-devices: rapl-powercap in use with cpu:0 and dram:0 measured" \
    grep -qxF "    devices: cpu:0 (measured), dram:0 (measured)" "$T/out"
check "--list-devices: location and intensity lines" \
    test -n "$(grep '^Location: ' "$T/out")" -a -n "$(grep '^Carbon intensity: 151.65 gCO2/kWh' "$T/out")"
check "--list-devices --json writes the probe JSON" \
    jcheck "$T/probe.json" "[(m['meter'], m['status'], m['selected']) for m in d['meters'] if m['meter'] == 'rapl-powercap'] == [('rapl-powercap', 'ok', True)] and d['location']['zone'] == 'DK' and d['intensity']['g_per_kwh'] > 0 and d['pue'] == 1.58"
check "--list-devices JSON: rapl-powercap and its fallbacks (the agent first) share the cpu-package domain" \
    jcheck "$T/probe.json" "[(m['meter'], m['domain'], m['selected']) for m in d['meters'] if m['component'] == 'cpu'] == [('rapl-powercap', 'cpu-package', True), ('agent', 'cpu-package', False), ('rapl-perf', 'cpu-package', False), ('rapl-msr', 'cpu-package', False), ('amd-energy', 'cpu-package', False), ('cpu-tdp', 'cpu-package', False)]"
check "--list-devices: every cpu-package meter not in use says why" \
    jcheck "$T/probe.json" "all(m['reason'] for m in d['meters'] if m['component'] == 'cpu' and not m['selected'])"

denied=$(new_sys client)
"$CT_FIXTURE" deny "$denied" intel-rapl:0
CARBONTRACKER_SYSFS_ROOT=$denied "$CT_BIN" --list-devices >"$T/out" 2>"$T/err"
rc=$?
check "unreadable counter: --list-devices names the file and exits 0" \
    test "$rc" = 0 -a -n "$(grep -F "$denied/class/powercap/intel-rapl:0/energy_uj" "$T/out")"
check "unreadable counter: --list-devices gives the chmod and udev fixes" \
    test -n "$(grep -F chmod "$T/out")" -a -n "$(grep -F udev "$T/out")"
check "unreadable counter: falls back to cpu-tdp, estimated" \
    test -n "$(grep -xF "cpu: cpu-tdp: in use" "$T/out")" -a -n "$(grep -F "(estimated)" "$T/out")"
CARBONTRACKER_SYSFS_ROOT=$denied "$CT_BIN" --log_dir "$T/l-deny" --json "$T/deny.json" true \
    >"$T/out" 2>"$T/err"
check "unreadable counter: a run is estimated by cpu-tdp" \
    jcheck "$T/deny.json" "[(x['meter'], x['provenance']) for x in d['devices']] == [('cpu-tdp', 'estimated')]"

ct -q --list-devices
check "-q --list-devices prints nothing" test "$rc:$(cat "$T/out")" = "0:"

ct_finish
