#!/usr/bin/env bash
# Distributed jobs end to end: ranks started by a real Open MPI `mpirun`, by SLURM's task
# environment (as `srun` sets it), on two "nodes" (two fixture trees, one shared log directory),
# with garbage launcher variables and with a rank killed mid-run. A fixture powercap zone is
# driven at a known power while the ranks run; `--parse` must give the job one node's energy
# per node, not one per rank.
# Env (set by ctest): CT_BIN, CT_FIXTURE, CT_TMP.
set -u

: "${CT_BIN:?CT_BIN must name the carbontracker command}"
: "${CT_FIXTURE:?CT_FIXTURE must name the ct-fixture helper}"
. "$(dirname "$0")/lib.sh"
ct_setup jobs

# jcheck FILE PYTHON-EXPRESSION over d = json.load(FILE).
jcheck() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2" 2>>"$T/err"
}
# jget FILE PYTHON-EXPRESSION: print its value.
jget() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

# A node: the two-socket server fixture; only package 0 moves (driven by drive_node).
new_node() {
    mkdir -p "$1"
    "$CT_FIXTURE" powercap "$1" server2 >/dev/null
}
# drive_node ROOT WATTS SECONDS: advance package 0 at WATTS in the background; $driver is its pid.
drive_node() {
    "$CT_FIXTURE" drive "$1" intel-rapl:0 "$2" "$3" 20 >"$T/driven.$$" &
    driver=$!
}
# Every rank's options: offline, PUE 1 (kWh are the joules), quiet intervals.
rank_opts=(--offline --pue 1 --zone DK --interval 0.2)
# The no-job baseline: variables of an outer launcher must not leak into the lone runs.
unset RANK WORLD_SIZE LOCAL_RANK LOCAL_WORLD_SIZE SLURM_JOB_ID SLURM_PROCID OMPI_COMM_WORLD_RANK \
    PMI_RANK 2>/dev/null

# ---- Open MPI: mpirun -np 2 wrapping the command in each rank --------------------------------
if command -v mpirun >/dev/null 2>&1; then
    new_node "$T/n0"
    drive_node "$T/n0" 40 4
    CARBONTRACKER_SYSFS_ROOT=$T/n0 timeout 60 mpirun --allow-run-as-root --oversubscribe -np 2 \
        "$CT_BIN" "${rank_opts[@]}" --log_dir "$T/mpi" -- sleep 2 >"$T/out" 2>"$T/err"
    rc=$?
    wait "$driver"
    check "mpirun -np 2: both ranks ran (exit 0)" test "$rc" = 0
    check "mpirun: only global rank 0 printed its consumption" \
        test "$(grep -c 'Actual consumption' "$T/out")" = 1
    ct --parse "$T/mpi" --json "$T/mpi.json"
    check "mpirun: --parse reads both ranks' runs as one job of 2 runs on 1 node" \
        jcheck "$T/mpi.json" 'len(d["runs"]) == 2 and len(d["jobs"]) == 1 and
            d["jobs"][0]["launcher"] == "openmpi" and d["jobs"][0]["runs"] == 2 and
            len(d["jobs"][0]["nodes"]) == 1 and d["jobs"][0]["nodes_measured_twice"] == []'
    check "mpirun: local rank 0 measured the node, local rank 1 nothing" \
        jcheck "$T/mpi.json" 'sorted((r["job"]["local_rank"], r["job"]["measures_node"],
            len(r["devices"])) for r in d["runs"]) == [(0, True, 4), (1, False, 0)]'
    # The node drew 40 W for the measuring rank's whole run (it ran inside the driven window).
    check "mpirun: the job's total is one node's energy (40 W x the measuring rank's time)" \
        jcheck "$T/mpi.json" '[abs(j["energy_kwh"] * 3.6e6 / (40 * m["actual"]["duration (s)"]) - 1)
            < 0.1 for j in d["jobs"] for m in d["runs"] if m["job"]["measures_node"]] == [True]'
    check "mpirun: the aggregate is the job's total, not twice it" \
        jcheck "$T/mpi.json" 'abs(d["totals"]["energy_kwh"] - d["jobs"][0]["energy_kwh"]) < 1e-15'
    check "mpirun: --parse prints the job's line after upstream's sentence" \
        grep -q "^Job openmpi:[0-9]* (openmpi): 2 run(s) on 1 node(s), each device counted once" \
        "$T/out"
else
    not_ok "mpirun (Debian openmpi-bin) is not installed"
fi

# ---- SLURM: two tasks of one step on one node, as srun starts them ----------------------------
new_node "$T/s0"
slurm_env=(SLURM_JOB_ID=4242 SLURM_STEP_ID=0 SLURM_NTASKS=2 SLURM_NNODES=1 SLURM_NODEID=0
    SLURM_TASKS_PER_NODE=2 SLURMD_NODENAME=node-a CARBONTRACKER_SYSFS_ROOT=$T/s0)
drive_node "$T/s0" 30 3
for r in 0 1; do
    env "${slurm_env[@]}" SLURM_PROCID=$r SLURM_LOCALID=$r \
        "$CT_BIN" "${rank_opts[@]}" --log_dir "$T/slurm" -- sleep 1.5 >"$T/out.$r" 2>"$T/err.$r" &
    pids[$r]=$!
done
wait "${pids[0]}"
rc0=$?
wait "${pids[1]}"
rc1=$?
wait "$driver"
check "SLURM tasks: both exit 0" test "$rc0:$rc1" = "0:0"
check "SLURM task 1 is quiet on the console, task 0 is not" \
    test "$(grep -c 'Actual consumption' "$T/out.0"):$(grep -c . "$T/out.1")" = "1:0"
ct --parse "$T/slurm" --json "$T/slurm.json"
check "SLURM: one job slurm:4242.0 on node-a, measured once" \
    jcheck "$T/slurm.json" '[(j["id"], j["runs"], [n["node"] for n in j["nodes"]],
        j["nodes_measured_twice"]) for j in d["jobs"]] == [("slurm:4242.0", 2, ["node-a"], [])]'
check "SLURM: the job's total is 30 W x the measuring task's time" \
    jcheck "$T/slurm.json" '[abs(d["jobs"][0]["energy_kwh"] * 3.6e6 / (30 * r["actual"]["duration (s)"])
        - 1) < 0.1 for r in d["runs"] if r["job"]["measures_node"]] == [True]'

# The same two tasks with job detection off: each counts the whole node (upstream's defect).
new_node "$T/s1"
drive_node "$T/s1" 30 3
for r in 0 1; do
    env "${slurm_env[@]}" CARBONTRACKER_SYSFS_ROOT=$T/s1 CARBONTRACKER_JOB=off SLURM_PROCID=$r \
        SLURM_LOCALID=$r "$CT_BIN" "${rank_opts[@]}" --log_dir "$T/off" -- sleep 1.5 \
        >/dev/null 2>&1 &
    pids[$r]=$!
done
wait "${pids[0]}" "${pids[1]}" "$driver"
ct --parse "$T/off" --json "$T/off.json"
check "job.mode=off: no job, each of the 2 runs counts the node (about twice the job's)" \
    jcheck "$T/off.json" 'd["jobs"] == [] and len(d["runs"]) == 2 and
        d["totals"]["energy_kwh"] > 1.6 * min(r["actual"]["energy (kWh)"] for r in d["runs"])'

# ---- two nodes, one shared log directory ---------------------------------------------------
new_node "$T/a"
new_node "$T/b"
"$CT_FIXTURE" drive "$T/a" intel-rapl:0 20 3 20 >/dev/null &
da=$!
"$CT_FIXTURE" drive "$T/b" intel-rapl:0 50 3 20 >/dev/null &
db=$!
for n in 0 1; do
    root=$T/a name=alpha
    [ $n = 1 ] && root=$T/b name=beta
    for l in 0 1; do
        env SLURM_JOB_ID=77 SLURM_STEP_ID=1 SLURM_NTASKS=4 SLURM_NNODES=2 SLURM_NODEID=$n \
            SLURM_TASKS_PER_NODE='2(x2)' SLURMD_NODENAME=$name SLURM_PROCID=$((2 * n + l)) \
            SLURM_LOCALID=$l CARBONTRACKER_SYSFS_ROOT=$root \
            "$CT_BIN" "${rank_opts[@]}" --log_dir "$T/shared" -- sleep 1.5 >/dev/null 2>&1 &
        pids[$((2 * n + l))]=$!
    done
done
wait "${pids[@]}" "$da" "$db"
ct --parse "$T/shared" --json "$T/shared.json"
check "two nodes in one log directory: one job, 4 runs, nodes alpha and beta, each once" \
    jcheck "$T/shared.json" '[(j["runs"], sorted(n["node"] for n in j["nodes"]),
        j["nodes_measured_twice"]) for j in d["jobs"]] == [(4, ["alpha", "beta"], [])]'
check "two nodes: each node's total is its own power (20 W and 50 W) x its measuring rank's time" \
    jcheck "$T/shared.json" 'all(abs(n["energy_kwh"] * 3.6e6 / ({"alpha": 20, "beta": 50}[n["node"]]
        * [r for r in d["runs"] if r["job"]["node"] == n["node"] and r["job"]["measures_node"]][0]
        ["actual"]["duration (s)"]) - 1) < 0.1 for n in d["jobs"][0]["nodes"])'
check "two nodes: the job total is the sum of the nodes'" \
    jcheck "$T/shared.json" 'abs(d["jobs"][0]["energy_kwh"] - sum(n["energy_kwh"]
        for n in d["jobs"][0]["nodes"])) < 1e-15'
# Multi-node without a shared filesystem: each node's logs copied apart, parsed together.
mkdir -p "$T/copies/alpha" "$T/copies/beta"
for f in "$T"/shared/*_carbontracker.jsonl; do
    base=${f%_carbontracker.jsonl}
    node=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("type") == "meta": print(o["job"]["node"]); break' "$f")
    cp "$base"_carbontracker* "$T/copies/$node/"
done
ct --parse "$T/copies" --recursive --json "$T/copies.json"
check "copied node directories parsed with --recursive merge into the same job total" \
    jcheck "$T/copies.json" "abs(d['jobs'][0]['energy_kwh'] - $(jget "$T/shared.json" \
        'd["jobs"][0]["energy_kwh"]')) < 1e-15 and d['jobs'][0]['runs'] == 4"

# ---- bad input ---------------------------------------------------------------------------------
new_node "$T/g"
RANK='abc' WORLD_SIZE=2 LOCAL_RANK=1 CARBONTRACKER_SYSFS_ROOT=$T/g \
    ct "${rank_opts[@]}" --log_dir "$T/garbage" -- true
check "garbage RANK: exit 0, a warning naming it, and this rank measures every device" \
    test "$rc" = 0 -a -n "$(grep "RANK='abc' is not a rank number; this rank measures every device" \
        "$T/out" "$T/err")"
ct --parse "$T/garbage" --json "$T/garbage.json"
check "garbage RANK: the run measured the node and belongs to no job" \
    jcheck "$T/garbage.json" 'd["jobs"] == [] and len(d["runs"][0]["devices"]) == 4'
RANK=1 WORLD_SIZE=2 LOCAL_RANK=3 LOCAL_WORLD_SIZE=2 CARBONTRACKER_SYSFS_ROOT=$T/g \
    ct "${rank_opts[@]}" --log_dir "$T/conflict" -- true
check "conflicting ranks (local rank 3 of 2): a warning, exit 0" \
    test "$rc" = 0 -a -n "$(grep "the local rank is not below the local world size" "$T/out" \
        "$T/err")"

# A rank killed mid-run: the others finish and the job keeps what they measured.
new_node "$T/k"
drive_node "$T/k" 25 3
for r in 0 1; do
    env RANK=$r WORLD_SIZE=2 LOCAL_RANK=$r LOCAL_WORLD_SIZE=2 TORCHELASTIC_RUN_ID=killed \
        CARBONTRACKER_SYSFS_ROOT=$T/k "$CT_BIN" "${rank_opts[@]}" --log_dir "$T/killed" \
        -- sleep 2 >/dev/null 2>&1 &
    pids[$r]=$!
done
sleep 0.8
kill -KILL "${pids[1]}"
wait "${pids[0]}"
rc0=$?
wait "${pids[1]}" "$driver" 2>/dev/null
check "rank 1 killed mid-run: rank 0 still exits 0" test "$rc0" = 0
ct --parse "$T/killed" --json "$T/killed.json"
check "rank 1 killed: the job keeps rank 0's measurement of the node (25 W x its time)" \
    jcheck "$T/killed.json" '[abs(j["energy_kwh"] * 3.6e6 / (25 * r["actual"]["duration (s)"]) - 1) < 0.1
        for j in d["jobs"] for r in d["runs"] if r["job"]["rank"] == 0] == [True]'

# --list-devices shows the job and who counts what.
LOCAL_RANK=1 LOCAL_WORLD_SIZE=2 RANK=1 WORLD_SIZE=2 MASTER_ADDR=h MASTER_PORT=9 \
    CARBONTRACKER_SYSFS_ROOT=$T/g ct --list-devices
check "--list-devices names the job, the rank and that another rank counts the CPU" \
    test "$(grep -c -e '^Job: torchrun job torchrun:h:9, rank 1 of 2, local rank 1 of 2' \
        -e 'another rank of the job counts it' "$T/out")" = 2

ct_finish
