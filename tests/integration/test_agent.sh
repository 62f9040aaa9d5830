#!/usr/bin/env bash
# test_agent.sh - the node agent (carbontracker serve, doc/agent.md) end to end: run by root on a
# fixture powercap tree whose energy_uj files are mode 600, it serves an unprivileged tracker
# (user nobody) measured energy equal to the fixture's truth through its socket; /metrics passes
# promtool and a real Prometheus scrapes the same truth; hostile clients do not stop it; SIGTERM
# ends it cleanly. Needs root (to become nobody), promtool and prometheus (scripts/install-deps.sh).
set -u
. "$(dirname "$0")/lib.sh"
ct_setup agent

if [ "$(id -u)" -ne 0 ] || ! command -v runuser >/dev/null; then
    echo "ok - skipped: needs root and runuser to run a tracker as another user"
    ct_finish
    exit
fi
# Everything user nobody touches lives in a short, world-traversable path (sockets: 108 bytes).
S=$(mktemp -d /tmp/ct-agent.XXXXXX)
chmod 755 "$S"
agent_pid=
prom_pid=
ct_on_exit() {
    [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null
    [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$S"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$CT_FIXTURE" powercap "$S/sys" client || exit 1
find "$S/sys" -type d -exec chmod 755 {} +
find "$S/sys" -name energy_uj -exec chmod 600 {} +
mkdir "$S/work" "$S/noproc" && chown nobody "$S/work"
export CARBONTRACKER_SYSFS_ROOT="$S/sys" CARBONTRACKER_PROC_ROOT="$S/noproc"
check "the fixture's energy_uj is root-only" \
    bash -c "! runuser -u nobody -- cat '$S/sys/class/powercap/intel-rapl:0/energy_uj' 2>/dev/null"

# ---- usage errors --------------------------------------------------------------------------
ct --socket "$S/x.sock" -- true
check "--socket outside serve is a usage error" [ "$rc" -eq 64 ]
ct serve --socket-mode 999 --socket "$S/x.sock"
check "a bad --socket-mode is a usage error" [ "$rc" -eq 64 ]
check "naming what a mode must be" grep -q "octal mode" "$T/err"
ct serve --offline --socket "$S/x.sock" -- true
check "serve takes no command" [ "$rc" -eq 64 ]
(cd "$S/work" && runuser -u nobody -- "$CT_BIN" serve --offline >"$T/out" 2>"$T/err")
rc=$?
check "serve as a non-root user without --socket or --metrics is a usage error" [ "$rc" -eq 64 ]
check "saying there is nothing to serve" grep -q "nothing to serve" "$T/err"

# ---- the agent -----------------------------------------------------------------------------
port=$(free_port)
"$CT_BIN" serve --offline --zone DK --interval 0.5 --socket "$S/agent.sock" \
    --metrics "127.0.0.1:$port" >"$S/agent.out" 2>"$S/agent.err" &
agent_pid=$!
for _ in $(seq 100); do [ -S "$S/agent.sock" ] && break; sleep 0.1; done
check "the agent creates its socket with the mode asked for (0666 by default)" \
    [ "$(stat -c %a "$S/agent.sock" 2>/dev/null)" = 666 ]

# A tracker as nobody: its own read is refused, the agent's is measured. The tracked command
# waits (FIFOs) while the test advances the counters by a known amount: that is the truth.
mkfifo -m 666 "$S/ready" "$S/done"
(cd "$S/work" && runuser -u nobody -- env CARBONTRACKER_AGENT="$S/agent.sock" "$CT_BIN" --offline \
    --zone DK --json "$S/work/run.json" -- sh -c "echo go > $S/ready; read x < $S/done" \
    >"$S/tracker.out" 2>&1) &
tracker=$!
timeout 20 cat "$S/ready" >/dev/null
"$CT_FIXTURE" advance "$S/sys" intel-rapl:0 12345678
"$CT_FIXTURE" advance "$S/sys" intel-rapl:0:2 1000001
sleep 0.1 # past the agent's 10 ms read coalescing
timeout 20 sh -c "echo done > $S/done"
wait "$tracker"
check "the unprivileged tracker succeeded" [ $? -eq 0 ]
check "it measured cpu:0 and dram:0 through the agent, exactly the fixture's truth" \
    python3 - "$S/work/run.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
got = {x["name"]: (x["meter"], x["provenance"], x["energy_j"]) for x in d["devices"]}
want = {"cpu:0": ("agent", "measured", 12.345678), "dram:0": ("agent", "measured", 1.000001)}
if got != want:
    sys.exit("devices %r, expected %r" % (got, want))
PY

# ---- /metrics ------------------------------------------------------------------------------
curl -sf "http://127.0.0.1:$port/metrics" >"$T/out"
check "/metrics answers with the energy counter" \
    grep -q '^carbontracker_energy_joules_total{component="cpu",device="cpu:0",meter="rapl-powercap",provenance="measured"} 12.345678$' "$T/out"
check "/metrics passes promtool check metrics" promtool check metrics <"$T/out"

# A distributed job's rank (local rank 0, the one that measures the node) names its job to the
# agent: /metrics has the job's series while it runs, counting from its start, and not after.
mkfifo -m 666 "$S/jready" "$S/jdone"
(cd "$S/work" && runuser -u nobody -- env CARBONTRACKER_AGENT="$S/agent.sock" RANK=0 WORLD_SIZE=2 \
    LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 TORCHELASTIC_RUN_ID=agentjob "$CT_BIN" --offline --zone DK \
    -- sh -c "echo go > $S/jready; read x < $S/jdone" >"$S/jtracker.out" 2>&1) &
jtracker=$!
timeout 20 cat "$S/jready" >/dev/null
"$CT_FIXTURE" advance "$S/sys" intel-rapl:0 2000000
sleep 1.2 # the agent's view of its clients is refreshed every second
curl -sf "http://127.0.0.1:$port/metrics" >"$T/out"
check "a job's tracker connected: its series are on /metrics (energy since it started: 2 J)" \
    grep -q '^carbontracker_job_energy_joules_total{job="torchrun:agentjob"} 2.000000$' "$T/out"
check "with the job's emissions and its connected trackers" \
    test "$(grep -c -e '^carbontracker_job_emissions_grams_total{job="torchrun:agentjob",zone="DK"} ' \
        -e '^carbontracker_job_trackers{job="torchrun:agentjob"} 1$' "$T/out")" = 2
check "/metrics with a job passes promtool check metrics" promtool check metrics <"$T/out"
timeout 20 sh -c "echo done > $S/jdone"
wait "$jtracker"
sleep 1.2
curl -sf "http://127.0.0.1:$port/metrics" >"$T/out"
check "the job ended: its series are gone" bash -c "! grep -q agentjob '$T/out'"

# A real Prometheus scraping every second; its query must return the truth.
pport=$(free_port)
cat >"$S/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: carbontracker
    static_configs:
      - targets: ['127.0.0.1:$port']
YML
prometheus --config.file="$S/prometheus.yml" --storage.tsdb.path="$S/prom" \
    --web.listen-address="127.0.0.1:$pport" >"$S/prom.log" 2>&1 &
prom_pid=$!
value=
for _ in $(seq 60); do
    value=$(curl -sf "http://127.0.0.1:$pport/api/v1/query" \
        --data-urlencode 'query=carbontracker_energy_joules_total{device="cpu:0"}' 2>/dev/null |
        python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
    [ -n "$value" ] && break
    sleep 0.5
done
check "Prometheus scraped the agent and its query returns the truth (got '$value')" \
    [ "$value" = 14.345678 ] # 12.345678 J, then the job's 2 J
kill "$prom_pid" 2>/dev/null
wait "$prom_pid" 2>/dev/null
prom_pid=

# ---- hostile clients -------------------------------------------------------------------------
python3 "$(dirname "$0")/agent_abuse.py" "$S/agent.sock" "127.0.0.1:$port" "$agent_pid" >"$T/out" 2>&1
check "hostile socket and HTTP clients do not stop the agent serving others" [ $? -eq 0 ]
sed 's/^/# /' "$T/out"

# ---- a socket for one group ----------------------------------------------------------------
"$CT_BIN" serve -q --offline --zone DK --socket "$S/group.sock" --socket-mode 0660 \
    --socket-group daemon >"$S/group.out" 2>&1 &
group_pid=$!
for _ in $(seq 100); do [ -S "$S/group.sock" ] && break; sleep 0.1; done
check "--socket-mode 0660 --socket-group daemon: the socket has that mode and group" \
    [ "$(stat -c '%a %G' "$S/group.sock" 2>/dev/null)" = "660 daemon" ]
(cd "$S/work" && runuser -u nobody -- env CARBONTRACKER_AGENT="$S/group.sock" "$CT_BIN" --offline \
    --list-devices >"$T/out" 2>&1)
check "a user outside the group is refused, told why and what to do" \
    grep -q "cannot connect to the agent at $S/group.sock: permission denied. Fix: ask the administrator" "$T/out"
kill -TERM "$group_pid"
wait "$group_pid"

# ---- SIGTERM -------------------------------------------------------------------------------
kill -TERM "$agent_pid"
wait "$agent_pid"
check "SIGTERM stops the agent with status 0" [ $? -eq 0 ]
agent_pid=
check "and it removed its socket" [ ! -e "$S/agent.sock" ]
check "the agent printed no error" [ ! -s "$S/agent.err" ]
ct_finish
