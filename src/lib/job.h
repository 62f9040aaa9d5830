/*
 * job.h - the job a tracker is one rank of (torchrun, SLURM, Open MPI, MPICH/Hydra, Intel MPI, or
 * the user's own job.* settings), read from the environment the caller handed in, and which of
 * the node's devices this rank counts: the node-wide ones (CPU packages, DRAM, the estimate) by
 * one tracker per node and job, each GPU by the rank that uses it. Detection is a pure function
 * of the environment and the settings; the election takes a lock file and holds it for the
 * tracker's life.
 */
#ifndef CT_JOB_H
#define CT_JOB_H

#include "util/settings.h"

#include <stddef.h>

struct ct__job {
    int active;        /* 1: a launcher (or the job.* settings) says this is one rank of a job */
    char launcher[16]; /* "torchrun", "slurm", "openmpi", "mpich" (Hydra, Intel MPI), "settings" */
    char id[96];       /* the job's id: "slurm:1234.0", "torchrun:<run id or master>", ... */
    int rank, world_size;             /* global rank and size; -1 unknown */
    int local_rank, local_world_size; /* on this node; -1 unknown */
    int node_id;                      /* the node's index in the job, -1 unknown */
    char node[64];                    /* the node's name (SLURMD_NODENAME, else the host name) */
    char warning[320]; /* conflicting or garbage variables: what was wrong and the safe choice */
    int visibility;    /* CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES, HIP_VISIBLE_DEVICES or
                          ZE_AFFINITY_MASK is set */
    char run_dir[256]; /* where the election's lock goes: job.run_dir, else $XDG_RUNTIME_DIR,
                          else /dev/shm, else /tmp */

    /* Decided at open (ct__job_decide). */
    int measures_node;       /* 1: this rank measures the node-wide devices */
    int gpu_part, gpu_parts; /* this rank counts the GPUs of part gpu_part of gpu_parts (each
                                GPU meter's devices split by local rank); parts 0: all GPUs when
                                measures_node, none otherwise; gpu_parts 1: all of them */
    char role[192];          /* why, for the logs and --list-devices: "local rank 0 of 2 on
                                node n1: measures the node and GPU part 1 of 2" */
    int lock_fd;             /* the election's lock, held while the tracker lives; -1 none */
};

/* The job.* settings (id, rank, local_rank, node_id, world_size, local_world_size, node, mode,
 * console, run_dir). */
extern const struct ct__setting_decl ct__job_settings[];

/*
 * Read the job from env ("NAME=VALUE" strings, NULL-terminated; may be NULL) and the settings
 * (NULL is fine), host: this machine's name (used when no launcher names the node). Never fails:
 * no launcher gives active 0; conflicting or garbage values give a warning and active 0 with
 * what could be read kept for the logs (every device measured: safe, may double count). The
 * setting job.mode=off ignores every launcher.
 */
void ct__job_detect(const char *const *env, const struct ct__settings *s, const char *host,
                    struct ct__job *j);

/*
 * Decide what this rank counts: not a job, a one-rank job or a warning -> everything; a known
 * local rank -> local rank 0 measures the node, the GPUs are split by local rank (each GPU meter's
 * devices in their visible order; a rank that sees fewer GPUs than there are local ranks while a
 * visibility variable is set was bound to its own by the launcher and counts them all); no local
 * rank -> an election on the node: the first tracker to take the lock file
 * <run_dir>/carbontracker-job-<id>-<node>.lock measures the node and all GPUs (the lock is
 * released when it exits or dies, so a later rank can take over). by_pid: the GPU meters already
 * chose this process tree's GPUs (count them all). Sets measures_node, gpu_part(s), role; CT_OK,
 * or CT_EIO with why when the run directory cannot be used (the rank then measures everything,
 * which role says).
 */
int ct__job_decide(struct ct__job *j, int by_pid, char *why, size_t why_len);

/* As ct__job_decide without taking part in an election (--list-devices): a rank that would have
 * to be elected is shown as measuring the node if it won, and role says so. */
void ct__job_preview(struct ct__job *j, int by_pid);

/* Whether GPU device i of n (one meter's devices, in order) is this rank's. */
int ct__job_counts_gpu(const struct ct__job *j, int i, int n);

/* Whether this rank prints to the console: not a job, global rank 0, or job.console=all. */
int ct__job_console(const struct ct__job *j, const struct ct__settings *s);

/* The job as a JSON object (the JSON-lines meta record and the summary; doc/logformat.md):
 * active, launcher, id, rank, world_size, local_rank, local_world_size, node_id (those known),
 * node, measures_node, role, and warning when there is one. New reference. */
struct json_t;
struct json_t *ct__job_json(const struct ct__job *j);

/* Release the election's lock (idempotent). */
void ct__job_release(struct ct__job *j);

/* One line for the logs and --list-devices: "torchrun job 4242: rank 1 of 2, local rank 1 of 2,
 * node n1 (id 0); local rank 0 measures the node; GPU part 2 of 2" or "not a distributed job". */
void ct__job_describe(const struct ct__job *j, char *buf, size_t len);

#endif
