/*
 * job.c - which job a tracker is one rank of, and what it counts (job.h). The launchers' own
 * variables are read as they document them; nothing needs configuring.
 */
#include "job.h"

#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

const struct ct__setting_decl ct__job_settings[] = {
    {"mode", "CARBONTRACKER_JOB", "auto", 0,
     "auto: detect torchrun, SLURM, Open MPI, MPICH/Hydra, Intel MPI from their variables; off: "
     "measure every device as a lone process would"},
    {"id", "CARBONTRACKER_JOB_ID", NULL, 0, "the job's id (overrides the launcher's)"},
    {"rank", "CARBONTRACKER_RANK", NULL, 0,
     "this process's global rank (0 prints the job's "
     "prediction)"},
    {"world_size", "CARBONTRACKER_WORLD_SIZE", NULL, 0, "the number of ranks in the job"},
    {"local_rank", "CARBONTRACKER_LOCAL_RANK", NULL, 0,
     "this process's rank on its node (0 measures the node's CPU and DRAM)"},
    {"local_world_size", "CARBONTRACKER_LOCAL_WORLD_SIZE", NULL, 0,
     "the number of ranks on this node (the GPUs are split among them)"},
    {"node_id", "CARBONTRACKER_NODE_ID", NULL, 0, "the node's index in the job"},
    {"node", "CARBONTRACKER_NODE", NULL, 0, "the node's name (default: the host name)"},
    {"console", "CARBONTRACKER_JOB_CONSOLE", "rank0", 0,
     "rank0: only global rank 0 prints (the others still write their logs); all: every rank"},
    {"run_dir", "CARBONTRACKER_RUN_DIR", NULL, 0,
     "where ranks without a local rank elect the one that measures the node (default "
     "$XDG_RUNTIME_DIR, else /dev/shm, else /tmp)"},
    {NULL, NULL, NULL, 0, NULL},
};

/* ---- reading variables ------------------------------------------------------------------- */

struct reader {
    const char *const *env;
    char *warning;
    size_t warning_len;
    int bad;
};

/* A rank number named `name` (for the warning): 1 with *out, -1 (and a warning) when it is not a
 * non-negative integer. */
static int rank_value(struct reader *r, const char *name, const char *v, int *out)
{
    char *end = NULL;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end != '\0' || x < 0 || x > INT_MAX) {
        char shown[48];
        ct__sanitize_text(shown, sizeof(shown), v, SIZE_MAX);
        if (!r->bad)
            ct__fmt(r->warning, r->warning_len, "%s='%s' is not a rank number", name, shown);
        r->bad = 1;
        return -1;
    }
    *out = (int)x;
    return 1;
}

/* An integer variable: 1 with *out, 0 when absent, -1 (and a warning) when garbage. */
static int int_var(struct reader *r, const char *name, int *out)
{
    const char *v = ct__env_get(r->env, name);
    return v ? rank_value(r, name, v, out) : 0;
}

/* The first of up to three integer variables that is set. */
static void int_of(struct reader *r, int *out, const char *a, const char *b, const char *c)
{
    const char *names[3] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (names[i] && int_var(r, names[i], out) != 0)
            return;
}

/* Tasks on node `node` from SLURM_TASKS_PER_NODE ("2(x3),1"), or -1. */
static int slurm_tasks_on_node(const char *spec, int node)
{
    int seen = 0;
    const char *p = spec;
    while (p && *p) {
        char *end = NULL;
        long tasks = strtol(p, &end, 10), times = 1;
        if (end == p || tasks < 0)
            return -1;
        p = end;
        if (p[0] == '(' && p[1] == 'x') {
            times = strtol(p + 2, &end, 10);
            if (end == p + 2 || *end != ')' || times < 1)
                return -1;
            p = end + 1;
        }
        if (node < seen + times)
            return (int)tasks;
        seen += (int)times;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return -1;
}

static void set_id(struct ct__job *j, const char *launcher, const char *a, const char *b)
{
    ct__fmt(j->id, sizeof(j->id), "%s:%s%s%s", launcher, a, b ? "." : "", b ? b : "");
}

/* The launcher's view: 1 when one was found. */
static int from_launcher(struct reader *r, struct ct__job *j)
{
    const char *const *env = r->env;
    if (ct__env_get(env, "RANK") && ct__env_get(env, "WORLD_SIZE")) {
        ct__strlcpy(j->launcher, "torchrun", sizeof(j->launcher));
        int_of(r, &j->rank, "RANK", NULL, NULL);
        int_of(r, &j->world_size, "WORLD_SIZE", NULL, NULL);
        int_of(r, &j->local_rank, "LOCAL_RANK", NULL, NULL);
        int_of(r, &j->local_world_size, "LOCAL_WORLD_SIZE", NULL, NULL);
        int_of(r, &j->node_id, "GROUP_RANK", NULL, NULL);
        const char *run = ct__env_get(env, "TORCHELASTIC_RUN_ID");
        const char *addr = ct__env_get(env, "MASTER_ADDR"), *port = ct__env_get(env, "MASTER_PORT");
        if (run && strcmp(run, "none") != 0)
            set_id(j, "torchrun", run, NULL);
        else if (addr && port)
            ct__fmt(j->id, sizeof(j->id), "torchrun:%s:%s", addr, port);
        return 1;
    }
    if (ct__env_get(env, "OMPI_COMM_WORLD_RANK")) {
        ct__strlcpy(j->launcher, "openmpi", sizeof(j->launcher));
        int_of(r, &j->rank, "OMPI_COMM_WORLD_RANK", NULL, NULL);
        int_of(r, &j->world_size, "OMPI_COMM_WORLD_SIZE", NULL, NULL);
        int_of(r, &j->local_rank, "OMPI_COMM_WORLD_LOCAL_RANK", NULL, NULL);
        int_of(r, &j->local_world_size, "OMPI_COMM_WORLD_LOCAL_SIZE", NULL, NULL);
        const char *ns = ct__env_get(env, "PMIX_NAMESPACE");
        const char *jobid = ct__env_get(env, "OMPI_MCA_ess_base_jobid");
        if (ns || jobid)
            set_id(j, "openmpi", ns ? ns : jobid, NULL);
        return 1;
    }
    if (ct__env_get(env, "PMI_RANK")) {
        ct__strlcpy(j->launcher, "mpich", sizeof(j->launcher));
        int_of(r, &j->rank, "PMI_RANK", NULL, NULL);
        int_of(r, &j->world_size, "PMI_SIZE", NULL, NULL);
        int_of(r, &j->local_rank, "MPI_LOCALRANKID", NULL, NULL);
        int_of(r, &j->local_world_size, "MPI_LOCALNRANKS", NULL, NULL);
        const char *kvs = ct__env_get(env, "PMI_KVSNAME");
        if (kvs)
            set_id(j, "mpich", kvs, NULL);
        return 1;
    }
    if (ct__env_get(env, "SLURM_JOB_ID") && ct__env_get(env, "SLURM_PROCID")) {
        ct__strlcpy(j->launcher, "slurm", sizeof(j->launcher));
        int_of(r, &j->rank, "SLURM_PROCID", NULL, NULL);
        int_of(r, &j->world_size, "SLURM_NTASKS", "SLURM_NPROCS", NULL);
        int_of(r, &j->local_rank, "SLURM_LOCALID", NULL, NULL);
        int_of(r, &j->node_id, "SLURM_NODEID", NULL, NULL);
        const char *tpn = ct__env_get(env, "SLURM_TASKS_PER_NODE");
        if (tpn && j->node_id >= 0)
            j->local_world_size = slurm_tasks_on_node(tpn, j->node_id);
        return 1;
    }
    return 0;
}

/* An integer job.* setting, if the user gave it, into *out (a warning when it is garbage). */
static void int_setting(struct reader *r, const struct ct__settings *s, const char *key, int *out)
{
    const char *v = ct__settings_get(s, "job", key);
    char name[40];
    if (v && ct__settings_given(s, "job", key))
        rank_value(r, ct__fmt(name, sizeof(name), "job.%s", key), v, out);
}

static void check(struct reader *r, struct ct__job *j)
{
    if (r->bad)
        return;
    const char *what = NULL;
    if (j->world_size == 0)
        what = "the world size is 0";
    else if (j->rank >= 0 && j->world_size > 0 && j->rank >= j->world_size)
        what = "the rank is not below the world size";
    else if (j->local_rank >= 0 && j->local_world_size > 0 && j->local_rank >= j->local_world_size)
        what = "the local rank is not below the local world size";
    else if (j->local_world_size > 0 && j->world_size > 0 && j->local_world_size > j->world_size)
        what = "the local world size exceeds the world size";
    if (what) {
        ct__fmt(r->warning, r->warning_len,
                "%s job variables conflict (%s: rank %d of %d, local rank %d of %d)", j->launcher,
                what, j->rank, j->world_size, j->local_rank, j->local_world_size);
        r->bad = 1;
    }
}

static int visibility_set(const char *const *env)
{
    static const char *const vars[] = {"CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES",
                                       "HIP_VISIBLE_DEVICES", "ZE_AFFINITY_MASK"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        if (ct__env_get(env, vars[i]))
            return 1;
    return 0;
}

/* Where ranks elect their node's measurer. */
static void find_run_dir(const char *const *env, const struct ct__settings *s, char *out,
                         size_t len)
{
    const char *d = ct__settings_get(s, "job", "run_dir");
    struct stat st;
    if (!d || !*d) {
        d = ct__env_get(env, "XDG_RUNTIME_DIR");
        if (!d || stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
            d = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
    }
    ct__strlcpy(out, d, len);
}

void ct__job_detect(const char *const *env, const struct ct__settings *s, const char *host,
                    struct ct__job *j)
{
    memset(j, 0, sizeof(*j));
    j->rank = j->world_size = j->local_rank = j->local_world_size = j->node_id = -1;
    j->lock_fd = -1;
    const char *mode = ct__settings_get(s, "job", "mode");
    if (mode && strcmp(mode, "off") == 0)
        return;
    struct reader r = {.env = env, .warning = j->warning, .warning_len = sizeof(j->warning)};
    if (mode && strcmp(mode, "auto") != 0) {
        ct__fmt(j->warning, sizeof(j->warning), "job.mode '%.20s' is not auto or off", mode);
        r.bad = 1;
    }
    int found = from_launcher(&r, j);
    /* A SLURM allocation names the job across nodes, whichever launcher runs inside it. */
    const char *sj = ct__env_get(env, "SLURM_JOB_ID");
    if (found && sj) {
        const char *step = ct__env_get(env, "SLURM_STEP_ID");
        set_id(j, "slurm", sj, step ? step : ct__env_get(env, "SLURM_STEPID"));
        if (j->node_id < 0)
            int_of(&r, &j->node_id, "SLURM_NODEID", NULL, NULL);
    }
    const char *node = ct__env_get(env, "SLURMD_NODENAME");
    ct__strlcpy(j->node, node ? node : host ? host : "", sizeof(j->node));

    static const char *const keys[] = {"rank", "world_size", "local_rank", "local_world_size",
                                       "node_id"};
    int *fields[] = {&j->rank, &j->world_size, &j->local_rank, &j->local_world_size, &j->node_id};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (ct__settings_given(s, "job", keys[i])) {
            int_setting(&r, s, keys[i], fields[i]);
            if (!found)
                ct__strlcpy(j->launcher, "settings", sizeof(j->launcher));
            found = 1;
        }
    }
    const char *id = ct__settings_get(s, "job", "id");
    if (id && ct__settings_given(s, "job", "id")) {
        ct__strlcpy(j->id, id, sizeof(j->id));
        if (!found)
            ct__strlcpy(j->launcher, "settings", sizeof(j->launcher));
        found = 1;
    }
    const char *nn = ct__settings_get(s, "job", "node");
    if (nn && ct__settings_given(s, "job", "node"))
        ct__strlcpy(j->node, nn, sizeof(j->node));
    if (!found && !r.bad)
        return;
    j->visibility = visibility_set(env);
    find_run_dir(env, s, j->run_dir, sizeof(j->run_dir));
    if (found)
        check(&r, j);
    if (!j->id[0]) /* no id from the launcher: the ranks' common parent names the job here */
        ct__fmt(j->id, sizeof(j->id), "%s:%s:%ld", j->launcher[0] ? j->launcher : "job", j->node,
                (long)getppid());
    j->active = !r.bad;
}

/* ---- deciding what this rank counts ------------------------------------------------------ */

static void id_for_file(const char *in, char *out, size_t len)
{
    size_t n = 0;
    for (const char *c = in; *c && n + 1 < len; c++)
        out[n++] = ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9') || *c == '.' || *c == '-')
                       ? *c
                       : '_';
    out[n] = '\0';
}

/* Take the node's lock for this job: 1 won, 0 another rank holds it, -1 error (why). */
static int elect(struct ct__job *j, const char *dir, char *why, size_t why_len)
{
    char id[96], node[64], path[4200];
    id_for_file(j->id, id, sizeof(id));
    id_for_file(j->node, node, sizeof(node));
    ct__fmt(path, sizeof(path), "%s/carbontracker-job-%s-%s.lock", dir, id, node);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        ct__fmt(why, why_len, "cannot open the job's lock file %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return 0;
        ct__fmt(why, why_len, "cannot lock the job's lock file %s: %s", path, strerror(e));
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) < 0) {
        /* the pid is only for people looking; the lock is what counts */
    }
    j->lock_fd = fd;
    return 1;
}

static int decide(struct ct__job *j, int by_pid, int elect_now, char *why, size_t why_len);

int ct__job_decide(struct ct__job *j, int by_pid, char *why, size_t why_len)
{
    return decide(j, by_pid, 1, why, why_len);
}

void ct__job_preview(struct ct__job *j, int by_pid)
{
    decide(j, by_pid, 0, NULL, 0);
}

static int decide(struct ct__job *j, int by_pid, int elect_now, char *why, size_t why_len)
{
    if (why && why_len)
        why[0] = '\0';
    j->measures_node = 1;
    j->gpu_part = 0;
    j->gpu_parts = 1;
    if (!j->active) {
        ct__strlcpy(j->role,
                    j->warning[0] ? "measures every device (the job's total may count this node "
                                    "more than once)"
                                  : "measures every device",
                    sizeof(j->role));
        return CT_OK;
    }
    if (j->world_size == 1) {
        ct__strlcpy(j->role, "the job's only rank: measures every device", sizeof(j->role));
        return CT_OK;
    }
    if (j->local_rank >= 0) {
        j->measures_node = j->local_rank == 0;
        if (by_pid) {
            j->gpu_parts = 1;
        } else if (j->local_world_size > 0) {
            j->gpu_part = j->local_rank;
            j->gpu_parts = j->local_world_size;
        } else {
            j->gpu_parts = 0;
        }
        ct__fmt(j->role, sizeof(j->role), "local rank %d: %s; %s", j->local_rank,
                j->measures_node ? "measures the node (CPU, DRAM)"
                                 : "local rank 0 measures the node",
                by_pid              ? "the GPUs this process tree uses"
                : j->gpu_parts == 0 ? (j->measures_node ? "all GPUs" : "no GPU")
                                    : "its share of the GPUs");
        return CT_OK;
    }
    if (!elect_now) {
        j->gpu_parts = by_pid ? 1 : 0;
        ct__fmt(j->role, sizeof(j->role),
                "no local rank: the first rank on the node to start measures the node and its "
                "GPUs (lock in %.120s)",
                j->run_dir);
        return CT_OK;
    }
    int won = elect(j, j->run_dir, why, why_len);
    if (won < 0) {
        ct__strlcpy(j->role,
                    "no local rank and no election possible: measures every device (the job's "
                    "total may count this node more than once)",
                    sizeof(j->role));
        return CT_EIO;
    }
    j->measures_node = won;
    j->gpu_parts = by_pid ? 1 : 0;
    ct__strlcpy(j->role,
                won ? "elected on the node: measures the node (CPU, DRAM) and its GPUs"
                    : "another rank on the node was elected to measure it",
                sizeof(j->role));
    return CT_OK;
}

int ct__job_counts_gpu(const struct ct__job *j, int i, int n)
{
    if (j->gpu_parts == 1)
        return 1;
    if (j->gpu_parts <= 0)
        return j->measures_node;
    if (j->visibility && n < j->gpu_parts)
        return 1; /* the launcher gave each rank its own GPUs */
    if (n % j->gpu_parts == 0)
        return i / (n / j->gpu_parts) == j->gpu_part;
    return i % j->gpu_parts == j->gpu_part;
}

int ct__job_console(const struct ct__job *j, const struct ct__settings *s)
{
    const char *c = ct__settings_get(s, "job", "console");
    if (!j->active || j->rank <= 0 || (c && strcmp(c, "all") == 0))
        return 1;
    return 0;
}

void ct__job_release(struct ct__job *j)
{
    if (j && j->lock_fd >= 0) {
        close(j->lock_fd);
        j->lock_fd = -1;
    }
}

void ct__job_describe(const struct ct__job *j, char *buf, size_t len)
{
    if (!j->active) {
        ct__fmt(buf, len, "%s%s%s", j->warning[0] ? j->warning : "not a distributed job",
                j->warning[0] ? "; this rank " : ": ",
                j->role[0] ? j->role
                           : "measures every "
                             "device");
        return;
    }
    char rank[48] = "", local[48] = "", nid[24] = "";
    if (j->rank >= 0)
        ct__fmt(rank, sizeof(rank), "rank %d of %d", j->rank, j->world_size);
    if (j->local_rank >= 0)
        ct__fmt(local, sizeof(local), "%slocal rank %d of %d", rank[0] ? ", " : "", j->local_rank,
                j->local_world_size);
    if (j->node_id >= 0)
        ct__fmt(nid, sizeof(nid), " (node %d)", j->node_id);
    ct__fmt(buf, len, "%s job %s: %s%s on %s%s; %s", j->launcher, j->id, rank, local,
            j->node[0] ? j->node : "this node", nid, j->role);
}

json_t *ct__job_json(const struct ct__job *j)
{
    json_t *o = json_object();
    json_object_set_new(o, "active", json_boolean(j->active));
    json_object_set_new(o, "launcher", json_string(j->launcher));
    json_object_set_new(o, "id", json_string(j->id));
    const char *names[] = {"rank", "world_size", "local_rank", "local_world_size", "node_id"};
    int values[] = {j->rank, j->world_size, j->local_rank, j->local_world_size, j->node_id};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        if (values[i] >= 0)
            json_object_set_new(o, names[i], json_integer(values[i]));
    json_object_set_new(o, "node", json_string(j->node));
    json_object_set_new(o, "measures_node", json_boolean(j->measures_node));
    json_object_set_new(o, "role", json_string(j->role));
    if (j->warning[0])
        json_object_set_new(o, "warning", json_string(j->warning));
    return o;
}
