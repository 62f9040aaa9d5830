#!/bin/bash
# test_budget.sh - the command's budget and live status line: a simulated 500 W run with a 0.1 g
# budget stops within a few seconds of reaching it (exit 75, logs and JSON complete), "warn"
# lets it finish, a command that ignores SIGTERM gets SIGKILL after the grace period, bad
# budgets are usage errors; the status line appears under a pseudo-terminal and never in a pipe.
set -u
. "$(dirname "$0")/lib.sh"
ct_setup budget

# DK's table value (151.65 g/kWh) x PUE 1.58 x 500 W: 0.0333 g per second, so 0.1 g is reached
# after 3.0 s of measuring.
SIM=(--offline --zone DK --sim-cpu Budget --sim-cpu-tdp 500 --sim-cpu-util 1 --interval 0.2)
jq_py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

t0=$(date +%s.%N)
ct "${SIM[@]}" --log_dir "$T/stop" --json "$T/stop.json" --budget-co2eq 0.1 --budget-action stop \
    -- sleep 60
t1=$(date +%s.%N)
check "stop: exit status 75" [ "$rc" -eq 75 ]
check "stop: ends within a few seconds of reaching the budget (3 s)" \
    python3 -c "import sys; sys.exit(not (2.5 < $t1 - $t0 < 7))"
check "stop: the console says the budget stopped it" \
    grep -q "WARNING - The budget of 0.1 g CO2eq was reached after 0:00:0.*Stopping training" "$T/out"
check "stop: SIGTERM named on stderr" grep -q "budget is spent: sending SIGTERM to 'sleep'" "$T/err"
check "stop: the actual consumption is printed" grep -q "Actual consumption:" "$T/out"
check "stop: JSON records the decision" \
    [ "$(jq_py "$T/stop.json" "d['budget']['state'], d['budget']['action'], d['budget']['stopped'], d['exit_status']")" = "spent stop True 75" ]
check "stop: spent at 0.1 g or just past it (one 0.2 s sample: 0.0067 g)" \
    [ "$(jq_py "$T/stop.json" "0.1 <= d['budget']['spent']['co2eq_g'] < 0.1 + 0.0067 * 1.5 and 2.9 < d['budget']['spent']['elapsed_s'] < 4")" = True ]
check "stop: output log complete" grep -q "Actual consumption" "$T"/stop/*_carbontracker_output.log
check "stop: JSON-lines summary with the budget" \
    python3 -c "
import json, sys, glob
recs = [json.loads(l) for l in open(glob.glob('$T/stop/*.jsonl')[0]) if l.strip()]
s = [r for r in recs if r.get('type') == 'summary']
sys.exit(not (s and s[-1]['budget']['stopped'] is True and s[-1]['budget']['state'] == 'spent'))"

ct "${SIM[@]}" --log_dir "$T/warn" --json "$T/warn.json" --budget-co2eq 0.1 -- sleep 4
check "warn: the command runs to its end (exit 0)" [ "$rc" -eq 0 ]
check "warn: warned once" [ "$(grep -c "The budget of 0.1 g CO2eq was reached" "$T/out")" -eq 1 ]
check "warn: training goes on" grep -q "Training goes on (budget_action warn)" "$T/out"
check "warn: said on stderr when it happened" \
    grep -q "carbontracker: the budget is spent after 0:00:0[34] (0.1[0-9]* g CO2eq, .* kWh); 'sleep' goes on (--budget-action warn)" "$T/err"
check "warn: JSON: spent, not stopped, over budget" \
    [ "$(jq_py "$T/warn.json" "d['budget']['state'], d['budget']['stopped'], d['co2eq_g'] > 0.12")" = "spent False True" ]

ct "${SIM[@]}" --log_dir "$T/kwh" --budget-kwh 0.0002 --budget-action stop -- sleep 60
check "kWh budget: stops (0.0002 kWh = 0.9 s at 790 W with PUE)" [ "$rc" -eq 75 ]
check "kWh budget: named" grep -q "The budget of 0.0002 kWh was reached" "$T/out"

t0=$(date +%s.%N)
ct "${SIM[@]}" --log_dir "$T/kill" --budget-co2eq 0.02 --budget-action stop --budget-grace 1 \
    -- bash -c 'trap "" TERM; while :; do sleep 0.1; done'
t1=$(date +%s.%N)
check "grace: SIGKILL after the grace period" grep -q "did not end within 1 s of SIGTERM: sending SIGKILL" "$T/err"
check "grace: exit status 75" [ "$rc" -eq 75 ]
check "grace: ended about 1 s after SIGTERM" python3 -c "import sys; sys.exit(not ($t1 - $t0 < 5))"

ct --offline --budget-action later -- true
check "bad action: usage error" [ "$rc" -eq 64 ]
check "bad action: says what is allowed" grep -q 'budget_action must be "warn"' "$T/err"
ct --offline --budget-co2eq 0 -- true
check "zero budget: usage error" [ "$rc" -eq 64 ]
check "zero budget: says so" grep -q -- "--budget-co2eq must be greater than 0 grams, got '0'" "$T/err"
ct --offline --budget-grace x -- true
check "bad grace: usage error" [ "$rc" -eq 64 ]

# The status line: piped output has none; under a pseudo-terminal it appears and is erased
# (TERM set: the line is off on a "dumb" terminal or without TERM).
export TERM=xterm
ct "${SIM[@]}" --log_dir "$T/pipe" -- sleep 2.5
check "pipe: no status line" bash -c "! grep -q \$'\\r\\|\\033' '$T/out'"
script -qec "$CT_BIN ${SIM[*]} --log_dir $T/tty -- sleep 2.5" /dev/null >"$T/tty.txt" 2>&1
check "tty: the status line is drawn" grep -q $'\r\033\[KCarbonTracker: 0:00:0[0-9] | 500.0 W | ' "$T/tty.txt"
check "tty: it shows the intensity and its source" grep -q "151.65 gCO2eq/kWh (table:owid:DK:" "$T/tty.txt"
check "tty: erased before our next line" \
    python3 -c "
import sys
t = open('$T/tty.txt', 'rb').read()
i = t.index(b'Actual consumption')
last_draw = t.rindex(b'\r\x1b[KCarbonTracker: 0:', 0, i)
sys.exit(not t[last_draw + 3:i].count(b'\r\x1b[K') >= 1)"
check "tty: never in the logs" bash -c "! grep -q \$'\\033' $T/tty/*"
TERM=dumb script -qec "$CT_BIN ${SIM[*]} --log_dir $T/dumb -- sleep 1.2" /dev/null >"$T/dumb.txt" 2>&1
check "TERM=dumb: no status line" bash -c "! grep -q \$'\\033' '$T/dumb.txt'"

# A terminal of known size (tmux renders it): the bottom row is kept for the line, the
# command's output scrolls above it, and afterwards nothing of the line is left on the screen.
sock="ct-budget-$$"
ct_on_exit() { tmux -L "$sock" kill-server 2>/dev/null; return 0; }
tmux -L "$sock" new-session -d -x 150 -y 12 "$CT_BIN ${SIM[*]} --log_dir $T/tmux -- sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line \$i; sleep 0.25; done'; sleep 30"
sleep 2.4
tmux -L "$sock" capture-pane -p -t 0 >"$T/mid.txt"
for _ in $(seq 40); do grep -q "Finished monitoring" <(tmux -L "$sock" capture-pane -p -t 0) && break; sleep 0.25; done
tmux -L "$sock" capture-pane -p -t 0 >"$T/end.txt"
tmux -L "$sock" kill-server 2>/dev/null
check "tmux: while it runs, the line is the bottom row" \
    python3 -c "
import sys
rows = open('$T/mid.txt').read().split('\n')[:12]
sys.exit(not (rows[11].startswith('CarbonTracker: 0:00:0') and ' W | ' in rows[11]))"
check "tmux: the command's output scrolls above it, untouched" \
    python3 -c "
import re, sys
rows = open('$T/mid.txt').read().split('\n')[:11]
lines = [r for r in rows if r.startswith('line')]
sys.exit(not (len(lines) >= 5 and all(re.fullmatch(r'line \d+', r.rstrip()) for r in lines)))"
check "tmux: afterwards no trace of the line, every line of the command there" \
    python3 -c "
import sys
t = open('$T/end.txt').read()
sys.exit(not ('gCO2eq/kWh (' not in t and 'line 12' in t and 'Actual consumption:' in t))"
ct_finish
