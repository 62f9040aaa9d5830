/*
 * test_job.c - distributed jobs: each launcher's environment read as it documents it, the job.*
 * settings, garbage and conflicting values, the node election (a leader that dies frees it), the
 * split of a node's GPUs among its ranks, and a tracker that counts only its rank's devices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backends.h"
#include "console_capture.h"
#include "ct_assert.h"
#include "job.h"
#include "powercap_fixture.h"
#include "tracker.h"

#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Detect the job from env and the user's settings (both NULL-terminated, may be NULL). */
static void detect(const char *const *env, const char *const *settings, struct ct__job *j)
{
    ct_options o = CT_OPTIONS_INIT;
    o.environment = env;
    o.settings = settings;
    struct ct__settings s = {0};
    char err[256];
    assert_int_equal(ct__backends_resolve(&s, &o, err, sizeof(err)), CT_OK);
    ct__job_detect(env, &s, "host1", j);
    ct__settings_free(&s);
}

static void decide(struct ct__job *j, int by_pid)
{
    char why[512];
    assert_int_equal(ct__job_decide(j, by_pid, why, sizeof(why)), CT_OK);
    assert_string_equal(why, "");
}

/* Detect with job.run_dir set to dir. */
static void detect_in(const char *const *env, const char *dir, struct ct__job *j)
{
    char entry[4200];
    snprintf(entry, sizeof(entry), "job.run_dir=%s", dir);
    const char *set[] = {entry, NULL};
    detect(env, set, j);
}

/* What a detected job must be: launcher, id, ranks (-1 = unknown) and node name. */
struct want {
    const char *launcher, *id;
    int rank, world_size, local_rank, local_world_size, node_id;
    const char *node;
};

static void assert_job(const struct ct__job *j, struct want w)
{
    assert_true(j->active);
    assert_string_equal(j->launcher, w.launcher);
    assert_string_equal(j->id, w.id);
    assert_int_equal(j->rank, w.rank);
    assert_int_equal(j->world_size, w.world_size);
    assert_int_equal(j->local_rank, w.local_rank);
    assert_int_equal(j->local_world_size, w.local_world_size);
    assert_int_equal(j->node_id, w.node_id);
    assert_string_equal(j->node, w.node);
    assert_string_equal(j->warning, "");
}

static void test_torchrun(void **state)
{
    (void)state;
    const char *env[] = {"PATH=/usr/bin",
                         "RANK=3",
                         "WORLD_SIZE=4",
                         "LOCAL_RANK=1",
                         "LOCAL_WORLD_SIZE=2",
                         "GROUP_RANK=1",
                         "TORCHELASTIC_RUN_ID=run42",
                         "MASTER_ADDR=10.0.0.1",
                         "MASTER_PORT=29500",
                         NULL};
    struct ct__job j;
    detect(env, NULL, &j);
    assert_job(&j, (struct want){"torchrun", "torchrun:run42", 3, 4, 1, 2, 1, "host1"});
    decide(&j, 0);
    assert_false(j.measures_node);
    assert_int_equal(j.gpu_part, 1);
    assert_int_equal(j.gpu_parts, 2);
    /* Two GPUs: the second; four: the second pair; three: by position modulo 2. */
    assert_false(ct__job_counts_gpu(&j, 0, 2));
    assert_true(ct__job_counts_gpu(&j, 1, 2));
    assert_false(ct__job_counts_gpu(&j, 1, 4));
    assert_true(ct__job_counts_gpu(&j, 2, 4));
    assert_true(ct__job_counts_gpu(&j, 3, 4));
    assert_true(ct__job_counts_gpu(&j, 1, 3));
    assert_false(ct__job_counts_gpu(&j, 2, 3));
    /* One GPU seen and no visibility variable: local rank 0's. */
    assert_false(ct__job_counts_gpu(&j, 0, 1));

    /* torchrun --standalone: run id "none", the rendezvous endpoint names the job. */
    const char *standalone[] = {"RANK=0",
                                "WORLD_SIZE=2",
                                "LOCAL_RANK=0",
                                "LOCAL_WORLD_SIZE=2",
                                "TORCHELASTIC_RUN_ID=none",
                                "MASTER_ADDR=127.0.0.1",
                                "MASTER_PORT=41234",
                                NULL};
    detect(standalone, NULL, &j);
    assert_string_equal(j.id, "torchrun:127.0.0.1:41234");
    decide(&j, 0);
    assert_true(j.measures_node);
    assert_true(ct__job_counts_gpu(&j, 0, 2));
    assert_false(ct__job_counts_gpu(&j, 1, 2));
    assert_true(ct__job_console(&j, NULL));
}

static void test_gpus_bound_by_launcher_or_pid(void **state)
{
    (void)state;
    /* SLURM --gpus-per-task: each rank sees its own GPU as device 0. */
    const char *env[] = {
        "RANK=1", "WORLD_SIZE=2", "LOCAL_RANK=1", "LOCAL_WORLD_SIZE=2", "CUDA_VISIBLE_DEVICES=1",
        NULL};
    struct ct__job j;
    detect(env, NULL, &j);
    decide(&j, 0);
    assert_true(ct__job_counts_gpu(&j, 0, 1));
    /* Seeing both GPUs, it still counts only its own. */
    assert_false(ct__job_counts_gpu(&j, 0, 2));
    /* devices_by_pid: the meter already chose this process tree's GPUs. */
    const char *plain[] = {"RANK=1", "WORLD_SIZE=2", "LOCAL_RANK=1", "LOCAL_WORLD_SIZE=2", NULL};
    detect(plain, NULL, &j);
    decide(&j, 1);
    assert_true(ct__job_counts_gpu(&j, 0, 2));
    assert_true(ct__job_counts_gpu(&j, 1, 2));
    assert_false(j.measures_node);
}

static void test_slurm(void **state)
{
    (void)state;
    const char *env[] = {"SLURM_JOB_ID=77",        "SLURM_STEP_ID=3",
                         "SLURM_PROCID=5",         "SLURM_NTASKS=8",
                         "SLURM_LOCALID=1",        "SLURM_NODEID=1",
                         "SLURM_NNODES=2",         "SLURM_TASKS_PER_NODE=4(x2)",
                         "SLURMD_NODENAME=gpu-n2", NULL};
    struct ct__job j;
    detect(env, NULL, &j);
    assert_job(&j, (struct want){"slurm", "slurm:77.3", 5, 8, 1, 4, 1, "gpu-n2"});
    decide(&j, 0);
    assert_false(j.measures_node);
    assert_false(ct__job_console(&j, NULL));

    /* Uneven nodes: "3,2(x2)" gives node 2 two tasks. */
    const char *uneven[] = {"SLURM_JOB_ID=9",
                            "SLURM_PROCID=3",
                            "SLURM_NTASKS=7",
                            "SLURM_LOCALID=0",
                            "SLURM_NODEID=2",
                            "SLURM_TASKS_PER_NODE=3,2(x2)",
                            NULL};
    detect(uneven, NULL, &j);
    assert_int_equal(j.local_world_size, 2);
    assert_string_equal(j.id, "slurm:9");
    /* A batch script (no task of a step) is not a job of ranks. */
    const char *batch[] = {"SLURM_JOB_ID=9", "SLURM_NNODES=1", NULL};
    detect(batch, NULL, &j);
    assert_false(j.active);
    assert_string_equal(j.warning, "");
    /* torchrun inside an allocation: torchrun's ranks, SLURM's job id. */
    const char *both[] = {"SLURM_JOB_ID=12",
                          "SLURM_STEP_ID=0",
                          "SLURM_PROCID=0",
                          "SLURM_NODEID=1",
                          "RANK=6",
                          "WORLD_SIZE=8",
                          "LOCAL_RANK=2",
                          "LOCAL_WORLD_SIZE=4",
                          NULL};
    detect(both, NULL, &j);
    assert_string_equal(j.launcher, "torchrun");
    assert_string_equal(j.id, "slurm:12.0");
    assert_int_equal(j.rank, 6);
    assert_int_equal(j.node_id, 1);
}

static void test_mpi(void **state)
{
    (void)state;
    const char *ompi[] = {"OMPI_COMM_WORLD_RANK=2",           "OMPI_COMM_WORLD_SIZE=4",
                          "OMPI_COMM_WORLD_LOCAL_RANK=0",     "OMPI_COMM_WORLD_LOCAL_SIZE=2",
                          "PMIX_NAMESPACE=prterun-n1-4242@1", NULL};
    struct ct__job j;
    detect(ompi, NULL, &j);
    assert_string_equal(j.launcher, "openmpi");
    assert_string_equal(j.id, "openmpi:prterun-n1-4242@1");
    assert_int_equal(j.rank, 2);
    assert_int_equal(j.local_world_size, 2);
    decide(&j, 0);
    assert_true(j.measures_node);
    assert_false(ct__job_console(&j, NULL)); /* global rank 2 */

    /* MPICH's Hydra and Intel MPI. */
    const char *hydra[] = {"PMI_RANK=1",
                           "PMI_SIZE=2",
                           "MPI_LOCALRANKID=1",
                           "MPI_LOCALNRANKS=2",
                           "PMI_KVSNAME=kvs_4711_0",
                           NULL};
    detect(hydra, NULL, &j);
    assert_string_equal(j.launcher, "mpich");
    assert_string_equal(j.id, "mpich:kvs_4711_0");
    assert_int_equal(j.local_rank, 1);
    /* No job id at all: the ranks' common parent on this node names it. */
    const char *bare[] = {"PMI_RANK=1", "PMI_SIZE=2", NULL};
    detect(bare, NULL, &j);
    char want[96];
    snprintf(want, sizeof(want), "mpich:host1:%ld", (long)getppid());
    assert_string_equal(j.id, want);
    assert_int_equal(j.local_rank, -1);
}

static void test_settings_override(void **state)
{
    (void)state;
    const char *env[] = {"RANK=3", "WORLD_SIZE=4", "LOCAL_RANK=1", "LOCAL_WORLD_SIZE=2", NULL};
    const char *set[] = {"job.id=exp7", "job.local_rank=0", "job.node=nodeA", NULL};
    struct ct__job j;
    detect(env, set, &j);
    assert_string_equal(j.launcher, "torchrun");
    assert_string_equal(j.id, "exp7");
    assert_int_equal(j.local_rank, 0);
    assert_int_equal(j.rank, 3);
    assert_string_equal(j.node, "nodeA");
    /* Settings alone make a job; their environment variables too. */
    const char *env2[] = {"CARBONTRACKER_JOB_ID=exp8",
                          "CARBONTRACKER_RANK=1",
                          "CARBONTRACKER_WORLD_SIZE=2",
                          "CARBONTRACKER_LOCAL_RANK=1",
                          "CARBONTRACKER_LOCAL_WORLD_SIZE=2",
                          "CARBONTRACKER_NODE_ID=0",
                          NULL};
    detect(env2, NULL, &j);
    assert_true(j.active);
    assert_string_equal(j.launcher, "settings");
    assert_string_equal(j.id, "exp8");
    assert_int_equal(j.local_rank, 1);
    assert_int_equal(j.node_id, 0);
    /* job.mode=off: a lone process, whatever the launcher says. */
    const char *off[] = {"job.mode=off", NULL};
    detect(env, off, &j);
    assert_false(j.active);
    decide(&j, 0);
    assert_true(j.measures_node);
    assert_true(ct__job_counts_gpu(&j, 1, 2));
}

static void test_garbage_measures_everything(void **state)
{
    (void)state;
    const char *garbage[] = {"RANK=abc\x1b[2J", "WORLD_SIZE=2", "LOCAL_RANK=1", NULL};
    struct ct__job j;
    detect(garbage, NULL, &j);
    assert_false(j.active);
    ct_assert_contains(j.warning, "RANK='abc\\x1b[2J' is not a rank number");
    decide(&j, 0);
    assert_true(j.measures_node);
    assert_true(ct__job_counts_gpu(&j, 1, 2));
    ct_assert_contains(j.role, "may count this node more than once");

    const char *conflict[] = {"RANK=1", "WORLD_SIZE=2", "LOCAL_RANK=2", "LOCAL_WORLD_SIZE=2", NULL};
    detect(conflict, NULL, &j);
    assert_false(j.active);
    ct_assert_contains(j.warning, "the local rank is not below the local world size");
    const char *big[] = {"RANK=1", "WORLD_SIZE=99999999999", NULL};
    detect(big, NULL, &j);
    assert_false(j.active);
    ct_assert_contains(j.warning, "WORLD_SIZE='99999999999' is not a rank number");
    const char *negative[] = {"OMPI_COMM_WORLD_RANK=-1", "OMPI_COMM_WORLD_SIZE=2", NULL};
    detect(negative, NULL, &j);
    assert_false(j.active);
    const char *beyond[] = {"PMI_RANK=5", "PMI_SIZE=2", NULL};
    detect(beyond, NULL, &j);
    assert_false(j.active);
    ct_assert_contains(j.warning, "the rank is not below the world size");
}

static void test_election(void **state)
{
    (void)state;
    char dir[4096];
    assert_int_equal(pcf_mkroot(dir, sizeof(dir), "run"), 0);
    const char *env[] = {"PMI_RANK=0", "PMI_SIZE=2", "PMI_KVSNAME=kvs_1", NULL};
    struct ct__job a, b, c;
    detect_in(env, dir, &a);
    detect_in(env, dir, &b);
    decide(&a, 0);
    decide(&b, 0);
    assert_true(a.measures_node);
    assert_false(b.measures_node);
    ct_assert_contains(a.role, "elected");
    assert_true(ct__job_counts_gpu(&a, 1, 2));
    assert_false(ct__job_counts_gpu(&b, 0, 2));
    /* The leader goes: the next tracker on the node takes over. */
    ct__job_release(&a);
    ct__job_release(&b);
    detect_in(env, dir, &c);
    decide(&c, 0);
    assert_true(c.measures_node);
    ct__job_release(&c);

    /* A leader that dies (SIGKILL) frees the node for the others. */
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct ct__job l;
        detect_in(env, dir, &l);
        decide(&l, 0);
        char ok = l.measures_node ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1)
            _exit(2);
        pause();
        _exit(0);
    }
    char got = 0;
    assert_int_equal(read(ready[0], &got, 1), 1);
    assert_int_equal(got, 'y');
    detect_in(env, dir, &b);
    decide(&b, 0);
    assert_false(b.measures_node);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    detect_in(env, dir, &c);
    decide(&c, 0);
    assert_true(c.measures_node);
    ct__job_release(&c);
    close(ready[0]);
    close(ready[1]);
    /* An unusable run directory: every device, and why. */
    struct ct__job d;
    detect_in(env, "/proc/version/nothing", &d);
    char why[512];
    assert_int_equal(ct__job_decide(&d, 0, why, sizeof(why)), CT_EIO);
    ct_assert_contains(why, "cannot open the job's lock file /proc/version/nothing/");
    assert_true(d.measures_node);
    pcf_remove(dir);
}

/* ---- a tracker as one rank -------------------------------------------------------------- */

struct fx {
    char sys[4096];
    char logs[4096];
    struct console_buf con;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(pcf_mkroot(f->sys, sizeof(f->sys), "sys"), 0);
    assert_int_equal(pcf_mkroot(f->logs, sizeof(f->logs), "logs"), 0);
    assert_int_equal(pcf_create(f->sys, "server2"), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    pcf_remove(f->sys);
    pcf_remove(f->logs);
    free(f);
    return 0;
}

static json_t *jsonl_meta(struct fx *f)
{
    DIR *d = opendir(f->logs);
    assert_non_null(d);
    struct dirent *e;
    char path[8300] = "";
    while ((e = readdir(d)))
        if (strstr(e->d_name, "_carbontracker.jsonl"))
            snprintf(path, sizeof(path), "%s/%s", f->logs, e->d_name);
    closedir(d);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[65536];
    json_t *meta = NULL;
    while (!meta && fgets(line, sizeof(line), fp)) {
        json_error_t err;
        json_t *o = json_loads(line, 0, &err);
        assert_non_null(o);
        if (json_is_string(json_object_get(o, "type")) &&
            strcmp(json_string_value(json_object_get(o, "type")), "meta") == 0)
            meta = o;
        else
            json_decref(o);
    }
    fclose(fp);
    assert_non_null(meta);
    return meta;
}

static ct_tracker *open_rank(struct fx *f, const char *const *env)
{
    ct_options o = CT_OPTIONS_INIT;
    o.sysfs_root = f->sys;
    o.zone = "DK";
    o.log_dir = f->logs;
    o.message = console_capture;
    o.message_user = &f->con;
    o.verbose = 2;
    o.update_interval_s = 10;
    o.epochs = 2;
    o.nvml_library = "/nonexistent/libnvidia-ml.so.1";
    o.environment = env;
    ct_tracker *t = NULL;
    char err[512];
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_OK);
    return t;
}

static void test_tracker_rank_counts_its_share(void **state)
{
    struct fx *f = *state;
    const char *env[] = {
        "RANK=1", "WORLD_SIZE=2", "LOCAL_RANK=1", "LOCAL_WORLD_SIZE=2", "TORCHELASTIC_RUN_ID=t1",
        NULL};
    ct_tracker *t = open_rank(f, env);
    assert_int_equal(t->ledger.n_devs, 0); /* local rank 1: the node is local rank 0's */
    assert_int_equal(ct_epoch_start(t), CT_OK);
    assert_int_equal(pcf_advance(f->sys, "intel-rapl:0", 5000000), 0);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    assert_int_equal(ct_stop(t), CT_OK);
    ct_summary s = CT_SUMMARY_INIT;
    assert_int_equal(ct_get_summary(t, &s), CT_OK);
    assert_int_equal(s.epochs, 1);
    ct_assert_double_equal(s.energy_j, 0.0);
    /* Quiet on the console (global rank 1), the job said in the logs. */
    assert_null(strstr(f->con.text, "Predicted consumption for 2 epoch(s):"));
    json_t *meta = jsonl_meta(f);
    json_t *job = json_object_get(meta, "job");
    assert_non_null(job);
    assert_string_equal(json_string_value(json_object_get(job, "id")), "torchrun:t1");
    assert_int_equal(json_integer_value(json_object_get(job, "rank")), 1);
    assert_false(json_is_true(json_object_get(job, "measures_node")));
    assert_int_equal(json_array_size(json_object_get(meta, "devices")), 0);
    json_decref(meta);
    ct_tracker_free(t);
}

static void test_tracker_local_rank0_measures_node(void **state)
{
    struct fx *f = *state;
    const char *env[] = {
        "RANK=0", "WORLD_SIZE=2", "LOCAL_RANK=0", "LOCAL_WORLD_SIZE=2", "TORCHELASTIC_RUN_ID=t1",
        NULL};
    ct_tracker *t = open_rank(f, env);
    assert_int_equal(t->ledger.n_devs, 4); /* two packages and their DRAM */
    assert_int_equal(ct_epoch_start(t), CT_OK);
    assert_int_equal(pcf_advance(f->sys, "intel-rapl:0", 5000000), 0);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    assert_int_equal(ct_stop(t), CT_OK);
    ct_summary s = CT_SUMMARY_INIT;
    assert_int_equal(ct_get_summary(t, &s), CT_OK);
    ct_assert_double_near(s.energy_j, 5.0, 1e-9);
    ct_assert_contains(f->con.text, "Distributed job: torchrun job torchrun:t1: rank 0 of 2");
    ct_assert_contains(f->con.text, "Predicted consumption for 2 epoch(s):");
    char *json = NULL;
    assert_int_equal(ct_summary_json(t, &json), CT_OK);
    json_error_t err;
    json_t *root = json_loads(json, 0, &err);
    assert_non_null(root);
    assert_true(json_is_true(json_object_get(json_object_get(root, "job"), "measures_node")));
    json_decref(root);
    free(json);
    ct_tracker_free(t);
}

/* Global rank 0 predicts the whole job from its own epochs and the other ranks' logs. */
static void test_rank0_predicts_the_job(void **state)
{
    struct fx *f = *state;
    char other[4096];
    assert_int_equal(pcf_mkroot(other, sizeof(other), "sys"), 0);
    assert_int_equal(pcf_create(other, "server2"), 0);
    /* Rank 1 measures its own node (local rank 0 there) and completes its first epoch. */
    const char *env1[] = {"RANK=1",
                          "WORLD_SIZE=2",
                          "LOCAL_RANK=0",
                          "LOCAL_WORLD_SIZE=1",
                          "GROUP_RANK=1",
                          "TORCHELASTIC_RUN_ID=p1",
                          NULL};
    char sys0[4096];
    memcpy(sys0, f->sys, sizeof(sys0));
    memcpy(f->sys, other, sizeof(f->sys));
    ct_tracker *t1 = open_rank(f, env1);
    memcpy(f->sys, sys0, sizeof(f->sys));
    assert_int_equal(ct_epoch_start(t1), CT_OK);
    assert_int_equal(pcf_advance(other, "intel-rapl:1", 3000000), 0);
    assert_int_equal(ct_epoch_end(t1, NULL), CT_OK);

    const char *env0[] = {"RANK=0",
                          "WORLD_SIZE=2",
                          "LOCAL_RANK=0",
                          "LOCAL_WORLD_SIZE=1",
                          "GROUP_RANK=0",
                          "TORCHELASTIC_RUN_ID=p1",
                          NULL};
    ct_tracker *t0 = open_rank(f, env0);
    assert_int_equal(ct_epoch_start(t0), CT_OK);
    assert_int_equal(pcf_advance(f->sys, "intel-rapl:0", 5000000), 0);
    assert_int_equal(ct_epoch_end(t0, NULL), CT_OK); /* epoch 1 of 2: the prediction */
    /* 2 epochs x (5 J + 3 J) at PUE 1.58 */
    ct_assert_double_near(t0->job_pred.energy_kwh, 2 * 8.0 / 3.6e6 * 1.58, 1e-15);
    assert_int_equal(t0->job_pred.ranks, 2);
    ct_assert_contains(f->con.text, "Job prediction: the whole job (torchrun:p1) for 2 epoch(s), "
                                    "from 2 of its 2 ranks:");
    /* Rank 1 makes no job prediction and prints none. */
    assert_int_equal(t1->job_pred.ranks, 0);
    ct_tracker_free(t0);
    ct_tracker_free(t1);
    pcf_remove(other);
}

/* Two ranks of one job on two nodes, each in its own thread as in real life: their epochs run
 * concurrently, so each sees the other's log. */
struct rank_run {
    struct fx *f;
    char sys[4096];
    const char *const *env;
    double joules; /* per epoch */
    double budget_kwh;
    ct_tracker *t;
    int rc;
};

static void *run_rank(void *arg)
{
    struct rank_run *r = arg;
    ct_options o = CT_OPTIONS_INIT;
    o.sysfs_root = r->sys;
    o.zone = "DK";
    o.log_dir = r->f->logs;
    o.update_interval_s = 10;
    o.epochs = 4;
    o.nvml_library = "/nonexistent/libnvidia-ml.so.1";
    o.environment = r->env;
    o.budget_kwh = r->budget_kwh;
    o.budget_action = "stop";
    o.message = console_capture;
    o.message_user = &r->f->con; /* only written by rank 0 here: rank 1 is quiet */
    if (ct_tracker_open(&r->t, &o, NULL, 0) != CT_OK) {
        r->rc = -1000;
        return NULL;
    }
    r->rc = ct_epoch_start(r->t);
    if (r->rc == CT_OK && pcf_advance(r->sys, "intel-rapl:0", (uint64_t)(r->joules * 1e6)) == 0)
        r->rc = ct_epoch_end(r->t, NULL);
    return NULL;
}

/* The budget of a job is the job's: both ranks stop at the prediction when the job's prediction
 * exceeds it, although neither rank's own prediction does. */
static void test_job_budget_stops_every_rank(void **state)
{
    struct fx *f = *state;
    const char *env0[] = {"RANK=0",
                          "WORLD_SIZE=2",
                          "LOCAL_RANK=0",
                          "LOCAL_WORLD_SIZE=1",
                          "GROUP_RANK=0",
                          "TORCHELASTIC_RUN_ID=b1",
                          NULL};
    const char *env1[] = {"RANK=1",
                          "WORLD_SIZE=2",
                          "LOCAL_RANK=0",
                          "LOCAL_WORLD_SIZE=1",
                          "GROUP_RANK=1",
                          "TORCHELASTIC_RUN_ID=b1",
                          NULL};
    /* 4 epochs x (5 J + 3 J) = 32 J = 1.40e-5 kWh at PUE 1.58; rank 0 alone 8.8e-6, rank 1 alone
     * 5.3e-6: a budget of 1e-5 kWh is exceeded by the job only. */
    struct rank_run r[2] = {{.f = f, .env = env0, .joules = 5, .budget_kwh = 1e-5},
                            {.f = f, .env = env1, .joules = 3, .budget_kwh = 1e-5}};
    memcpy(r[0].sys, f->sys, sizeof(r[0].sys));
    assert_int_equal(pcf_mkroot(r[1].sys, sizeof(r[1].sys), "sys"), 0);
    assert_int_equal(pcf_create(r[1].sys, "server2"), 0);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, run_rank, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(r[0].rc, CT_EBUDGET);
    assert_int_equal(r[1].rc, CT_EBUDGET);
    ct_assert_double_near(r[0].t->job_pred.energy_kwh, 4 * 8.0 / 3.6e6 * 1.58, 1e-15);
    ct_assert_double_near(r[1].t->job_pred.energy_kwh, 4 * 8.0 / 3.6e6 * 1.58, 1e-15);
    ct_assert_contains(f->con.text, "The job's predicted consumption for 4 epochs");
    ct_assert_contains(f->con.text, "from 2 of its 2 ranks) exceeds the budget of 1e-05 kWh: at "
                                    "this rate the budget runs out in epoch 3.");
    for (int i = 0; i < 2; i++)
        ct_tracker_free(r[i].t);
    pcf_remove(r[1].sys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_torchrun),
        cmocka_unit_test(test_gpus_bound_by_launcher_or_pid),
        cmocka_unit_test(test_slurm),
        cmocka_unit_test(test_mpi),
        cmocka_unit_test(test_settings_override),
        cmocka_unit_test(test_garbage_measures_everything),
        cmocka_unit_test(test_election),
        cmocka_unit_test_setup_teardown(test_tracker_rank_counts_its_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tracker_local_rank0_measures_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rank0_predicts_the_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_budget_stops_every_rank, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
