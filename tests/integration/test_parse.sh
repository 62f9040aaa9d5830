#!/usr/bin/env bash
# Integration tests of `carbontracker --parse DIR [--recursive] [--json FILE]`: upstream's
# aggregate sentence byte for byte on the golden log directories (tests/fixtures/logs), skipped
# files and lines on stderr, exit statuses, the JSON document, and a real run's logs read back.
# Env (set by ctest): CT_BIN, CT_SOURCE_DIR, CT_TMP.
set -u

: "${CT_BIN:?CT_BIN must name the carbontracker command}"
: "${CT_SOURCE_DIR:?CT_SOURCE_DIR must name the source tree}"
. "$(dirname "$0")/lib.sh"
ct_setup parse
L=$CT_SOURCE_DIR/tests/fixtures/logs

# sentence KWH KG [EQUIVALENTS]: upstream's print_aggregate text.
sentence() {
    local s="The training of models in this work is estimated to use $1 kWh of electricity contributing to $2 kg of CO2eq. "
    [ -n "${3:-}" ] && s="${s}This is equivalent to $3. "
    printf '%sMeasured by carbontracker (https://github.com/lfwa/carbontracker).\n' "$s"
}
# jcheck FILE PYTHON-EXPRESSION over d = json.load(FILE).
jcheck() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>>"$T/err"
}

# ---- upstream's logs of each naming generation -------------------------------------------
ct --parse "$L/gen3"
check "generation 3 (HEAD example A): the actual, byte for byte, exit 0, nothing on stderr" \
    test "$rc:$(cat "$T/out"):$(cat "$T/err")" = "0:$(sentence 0.0129540039510000 0.0019644785853530 \
        '0.0182742193990000 km travelled by car'):"
ct --parse "$L/crlf"
check "CRLF logs give the same sentence" test "$rc:$(cat "$T/out")" = \
    "0:$(sentence 0.0129540039510000 0.0019644785853530 '0.0182742193990000 km travelled by car')"
ct --parse "$L/gen1"
check "generation 1 ({date}_ names, 1.1.6): the prediction (1 of 4 epochs, no early stop)" \
    test "$rc:$(cat "$T/out")" = \
    "0:$(sentence 0.0376660000000000 0.0038419320000000 '0.0319100000000000 km travelled by car')"
ct --parse "$L/gen2"
check "generation 2 ({prefix_}{pid}_ names, numpy arrays): the actual (early stop)" \
    test "$rc:$(cat "$T/out")" = \
    "0:$(sentence 0.0340000000000000 0.0085000000000000 '0.0705980000000000 km travelled by car')"
ct --parse "$L/cli"
check "the command's 'Actual consumption:' block" test "$rc:$(cat "$T/out")" = \
    "0:$(sentence 0.0002869363930000 0.0000434708635900 '0.0004043801260000 km travelled by car')"
ct --parse "$L/uninterpretable"
check "interpretable=False logs parse (no equivalents clause)" test "$rc:$(cat "$T/out")" = \
    "0:$(sentence 0.0026333333330000 0.0012666333333330)"
ct --parse="$L/exponent"
check "--parse=DIR; exponent numbers; a nan CO2eq is left out" test "$rc:$(cat "$T/out")" = \
    "0:$(sentence 0.0000000000065833 0.0000000000000000 '0.0012000000000000 km travelled by car')"

# ---- skipped files and lines -----------------------------------------------------------------
ct --parse "$L/unpaired"
want_err="carbontracker: skipped $L/unpaired/555_2023-01-05T000000Z_carbontracker.log: empty file
carbontracker: skipped $L/unpaired/555_2023-01-05T000000Z_carbontracker_output.log: no matching standard log (..._carbontracker.log)
carbontracker: skipped $L/unpaired/777.1_2023-01-06T000000Z_carbontracker.jsonl: no matching text logs; JSON-lines logs are read with them
carbontracker: skipped $L/unpaired/9803_2023-01-04T000000Z_carbontracker_output.log: no matching standard log (..._carbontracker.log)"
check "unpaired and empty files are listed on stderr, the 3 pairs counted, exit 0" \
    test "$rc:$(cat "$T/out"):$(cat "$T/err")" = \
    "0:$(sentence 0.0080000000000000 0.0030000000000000 '0.0300000000000000 km travelled by car'):$want_err"
ct --parse "$L/truncated"
check "a killed run: the cut line is listed with its number" \
    test "$rc:$(head -1 "$T/err")" = \
    "0:carbontracker: skipped $L/truncated/31337.4242_2025-03-04T050607Z_carbontracker.log:9: truncated last line (no newline at the end of the file): '2025-03-04 05:06:27 - Duration: 0:00:10.0'"
ct --parse "$L/junk"
check "junk: every unreadable line listed, the readable block counted" \
    test "$rc:$(grep -c '^carbontracker: skipped ' "$T/err"):$(cat "$T/out")" = \
    "0:12:$(sentence 0.0000050000000000 0.0000010000000000 '0.2500000000000000 kg of € coal')"

# ---- our JSON-lines log ------------------------------------------------------------------
ct --parse "$L/ours"
check "our run with its JSON-lines log: unrounded numbers" test "$rc:$(cat "$T/out")" = \
    "0:$(sentence 0.0031600000000000 0.0004792149480000 '0.0044578134697674 km travelled by car')"
ct --parse "$L/ours-killed"
check "a killed run's JSON-lines log counts what was measured" test "$rc:$(cat "$T/out")" = \
    "0:$(sentence 0.0023700000000000 0.0003594112110000 '0.0033433601023256 km travelled by car')"
ct --parse "$L/ours-cut"
check "a JSON-lines log cut short beside complete text logs: the complete figure, and a note" \
    test "$rc:$(cat "$T/out"):$(grep -c '^carbontracker: note: .*ours-cut/81818.4711_2025-07-01T120000Z_carbontracker.jsonl: the JSON-lines log ends early (no summary record) and the text logs have the actual consumption: read from the text logs$' "$T/err")" = \
    "0:$(sentence 0.0031600000000000 0.0004792149480000 '0.0044578134700000 km travelled by car'):1"

# ---- exit statuses ---------------------------------------------------------------------------
mkdir -p "$T/empty"
ct --parse "$T/empty"
check "no logs -> 66, a message, nothing on stdout" test "$rc:$(cat "$T/out"):$(cat "$T/err")" = \
    "66::carbontracker: no carbontracker logs in $T/empty (looking for pairs of *carbontracker.log and *carbontracker_output.log files)"
ct --parse "$T/nonexistent"
check "a directory that cannot be read -> 66" test "$rc:$(cat "$T/err")" = \
    "66:carbontracker: cannot open directory $T/nonexistent: No such file or directory"
ct --parse "$L/gen3" -- true
check "--parse with a command -> 64" test "$rc" = 64
ct --recursive -- true
check "--recursive without --parse -> 64" test "$rc:$(head -1 "$T/err")" = \
    "64:carbontracker: --recursive needs --parse"
ct --parse ""
check "--parse with an empty name -> 64" test "$rc" = 64
ct --parse "$L/gen3" --json "$T/no/such/dir/p.json"
check "--json that cannot be written -> 73, nothing printed" test "$rc:$(cat "$T/out")" = "73:"
ct -q --parse "$L/gen3"
check "-q: nothing on stdout" test "$rc:$(cat "$T/out")" = "0:"

# ---- --recursive ---------------------------------------------------------------------------
mkdir -p "$T/tree/a/b" "$T/tree/c"
cp "$L"/gen3/* "$T/tree/a/b/"
cp "$L"/cli/* "$T/tree/c/"
ln -s "$T/tree" "$T/tree/c/loop"
ct --parse "$T/tree"
check "without --recursive the subdirectories are not read -> 66" test "$rc" = 66
ct --parse "$T/tree" --recursive --json "$T/tree.json"
check "--recursive sums the runs below (a symlink loop is not followed)" \
    test "$rc:$(cat "$T/out")" = "0:$(sentence 0.0132409403440000 0.0020079494489430 \
        '0.0186785995250000 km travelled by car')"
check "--json: carbontracker-parse, 2 runs, generation 3" jcheck "$T/tree.json" \
    'd["format"] == "carbontracker-parse" and d["format_version"] == 1 and len(d["runs"]) == 2 and all(r["naming_generation"] == 3 for r in d["runs"])'
check "--json: upstream's keys (components, actual, pred) and the totals" jcheck "$T/tree.json" \
    'set(d["runs"][0]["components"]["gpu"]) == {"devices", "avg_power_usages (W)", "avg_energy_usages (J)", "epoch_durations (s)"} and d["runs"][0]["actual"]["epochs"] == 2 and set(d["runs"][0]["actual"]) == {"epochs", "duration (s)", "energy (kWh)", "co2eq (g)", "equivalents"} and d["runs"][1]["pred"] is None'
check "the sentence is Python's formatting of the JSON totals" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["totals"]
eq = " or ".join(f"{v:.16f} {k}" for k, v in d["equivalents"].items())
kwh, kg = d["energy_kwh"], d["co2eq_g"] / 1000
s = f"The training of models in this work is estimated to use {kwh:.16f} kWh of electricity contributing to {kg:.16f} kg of CO2eq. "
s += f"This is equivalent to {eq}. " if eq else ""
s += "Measured by carbontracker (https://github.com/lfwa/carbontracker).\n"
sys.exit(0 if open(sys.argv[2]).read() == s else 1)' "$T/tree.json" "$T/out"
check "--json written atomically (no .tmp left)" test ! -e "$T/tree.json.tmp"

# ---- a real run's logs, read back ------------------------------------------------------
"$CT_BIN" --log_dir "$T/run" --zone DK --sim-cpu "Test CPU" --sim-cpu-tdp 100 --sim-cpu-util 1 \
    -- sleep 0.3 >"$T/run.out" 2>"$T/run.err"
run_rc=$?
energy=$(sed -n 's/^\tEnergy:\t\([0-9.]*\) kWh$/\1/p' "$T/run.out")
co2=$(sed -n 's/^\tCO2eq:\t\([0-9.]*\) g$/\1/p' "$T/run.out")
ct --parse "$T/run" --json "$T/run.json"
check "a run of the command, parsed: the printed Energy and CO2eq" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t, r = d["totals"], d["runs"][0]
ok = (abs(t["energy_kwh"] - float(sys.argv[2])) < 1e-12 and abs(t["co2eq_g"] - float(sys.argv[3])) < 1e-12
      and r["actual"]["epochs"] == 1 and r["pred"] is None and r["epochs"][0]["cpu_power_w"] > 0
      and r["devices"][0]["provenance"] == "simulated" and r["skipped"] == [] and not r["truncated"])
sys.exit(0 if ok and int(sys.argv[4]) == 0 else 1)' "$T/run.json" "${energy:-x}" "${co2:-x}" "$run_rc"

ct_finish
