#!/usr/bin/env bash
# A real PyTorch DDP job launched by torchrun (torch.distributed.run --nproc_per_node 2 with a c10d
# rendezvous, through tests/integration/torchrun.py; gloo, CPU), with CarbonTracker in every rank,
# on a fixture powercap tree driven at a known power: the job's --parse total must be one node's
# energy over the tracked epochs, not one per rank. Needs Debian's python3-torch (scripts/install-deps.sh).
# Env (set by ctest): CT_BIN, CT_FIXTURE, CT_TMP, CT_TORCH_PYTHON, PYTHONPATH, CARBONTRACKER_LIBRARY.
set -u

: "${CT_BIN:?CT_BIN must name the carbontracker command}"
: "${CT_FIXTURE:?CT_FIXTURE must name the ct-fixture helper}"
. "$(dirname "$0")/lib.sh"
ct_setup jobs_torch
PY=${CT_TORCH_PYTHON:-/usr/bin/python3}

jcheck() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2" 2>>"$T/err"
}

if ! "$PY" -c 'import torch.distributed.run' 2>/dev/null; then
    not_ok "$PY cannot import torch.distributed.run (Debian python3-torch is not installed)"
    ct_finish
    exit
fi
mkdir -p "$T/sys"
"$CT_FIXTURE" powercap "$T/sys" server2 >/dev/null
"$CT_FIXTURE" drive "$T/sys" intel-rapl:0 60 240 20 >/dev/null &
driver=$!
ct_on_exit() { kill "$driver" 2>/dev/null; }
# A free port for the rendezvous (--standalone's fixed 29400 may be taken on a shared machine).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CARBONTRACKER_SYSFS_ROOT=$T/sys timeout 200 "$PY" "$(dirname "$0")/torchrun.py" --nnodes 1 \
    --rdzv_backend c10d --rdzv_endpoint "127.0.0.1:$port" --rdzv_id ctjob42 --nproc_per_node 2 \
    "$(dirname "$0")/ddp_train.py" "$T/logs" 2 1.0 >"$T/out" 2>"$T/err"
rc=$?
check "torchrun DDP, 2 ranks with a CarbonTracker each: exit 0" test "$rc" = 0
check "only rank 0 printed the prediction" \
    test "$(grep -c 'Predicted consumption for 2 epoch(s)' "$T/out")" = 1
check "rank 0 predicted the whole job from both ranks' logs" \
    grep -q "Job prediction: the whole job (torchrun:ctjob42) for 2 epoch(s), from 2 of its 2 ranks:" \
    "$T/out"
ct --parse "$T/logs" --json "$T/parse.json"
check "--parse: one torchrun job of 2 runs, local rank 0 measuring the node" \
    jcheck "$T/parse.json" '[(j["launcher"], j["runs"], j["nodes_measured_twice"]) for j in
        d["jobs"]] == [("torchrun", 2, [])] and sorted((r["job"]["local_rank"],
        r["job"]["measures_node"]) for r in d["runs"]) == [(0, True), (1, False)]'
# The driven package drew 60 W during every tracked epoch of the measuring rank.
check "the job's total is one node's energy over the tracked epochs (60 W x rank 0's epochs)" \
    jcheck "$T/parse.json" '[abs(d["jobs"][0]["energy_kwh"] * 3.6e6 / (60 * sum(e["duration_s"]
        for e in r["epochs"])) - 1) < 0.05 for r in d["runs"] if r["job"]["measures_node"]]
        == [True]'
check "the aggregate sentence's total is the job's" \
    jcheck "$T/parse.json" 'abs(d["totals"]["energy_kwh"] - d["jobs"][0]["energy_kwh"]) < 1e-15'
ct_finish
