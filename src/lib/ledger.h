/*
 * ledger.h - the tracker's book of devices: the meters chosen, each device's unfolded counter,
 * its value at open, at the open epoch's start and at the latest boundary read, the energy of the
 * counted epochs, lost devices and read failures, and a ring of recent samples. The meter lock
 * lives here: the caller's thread (epoch boundaries) and the sampler read through ct__ledger_read
 * only, never concurrently.
 */
#ifndef CT_LEDGER_H
#define CT_LEDGER_H

#include "job.h"
#include "meters.h"

#include <pthread.h>
#include <stdint.h>

/* One device as the ledger keeps it. */
struct ct__dev {
    int comp;  /* CT__COMP_* */
    int meter; /* index into set.meters */
    int slot;  /* index of its reading among all the meters' devices */
    struct ct__meter_dev meta;
    uint64_t cur_uj;         /* latest unfolded counter (under lock) */
    uint64_t first_uj;       /* counter at open */
    uint64_t epoch_start_uj; /* counter at the current epoch's start */
    uint64_t mark_uj;        /* counter at the latest boundary read (caller's thread); the sampler
                                moves cur_uj concurrently, so epochs use this snapshot */
    int mark_lost;           /* lost as of that boundary read */
    double counted_j;        /* energy inside counted epochs */
    int lost;                /* under lock */
    int lost_told;           /* the loss was reported (caller's thread) */
};

/* A whole-machine device (CT__COMP_NODE meters): kept beside the components, never in their
 * totals, epochs or device lists. */
struct ct__node_dev {
    struct ct__meter_dev meta;
    const char *meter; /* the meter's name */
    uint64_t cur_uj;   /* latest counter (under lock) */
    uint64_t first_uj; /* counter at open */
    int lost;          /* under lock */
};

#define CT__MAX_NODE_DEVS 4

/* The node devices and the components over the same span (open to the latest read). */
struct ct__node_snapshot {
    int n;
    struct ct__node_dev devs[CT__MAX_NODE_DEVS];
    uint64_t node_uj;       /* all node devices since open */
    uint64_t components_uj; /* all component devices since open, at the same read */
    uint64_t t_ns;          /* that read's CLOCK_MONOTONIC time */
    uint64_t start_ns;      /* the first read's */
};

/* One reading of all devices, for the time series (ring buffer). */
struct ct__sample {
    uint64_t t_ns;
    uint64_t cpu_uj;
    uint64_t gpu_uj;
};

#define CT__RING 4096

struct ct__ledger {
    struct ct__meter_set set;
    struct ct__dev devs[CT_MAX_DEVICES];
    int n_devs;

    pthread_mutex_t lock; /* the meter lock: every read and everything marked "under lock" */
    struct ct__reading readings[CT_MAX_DEVICES + CT__MAX_NODE_DEVS];
    unsigned char meter_counted[CT__MAX_METERS]; /* a meter with a device this tracker counts
                                                    (the others are not read) */
    struct ct__node_dev node[CT__MAX_NODE_DEVS]; /* whole-machine devices */
    int n_node;
    int node_base;               /* their first reading's index (after every component's) */
    uint64_t node_components_uj; /* components since open at the latest read (under lock) */
    uint64_t last_read_ns;       /* under lock */
    uint64_t start_ns;           /* the run's first read */
    int read_failures;           /* failed meter reads (under lock) */
    char read_error[1024];       /* last failure text (under lock) */
    int read_failures_told;      /* failures already reported (caller's thread) */
    uint64_t samples;            /* reads so far (under lock) */
    struct ct__sample ring[CT__RING];
};

/* Prepare a ledger in zeroed memory (its tracker is calloc'ed). */
void ct__ledger_init(struct ct__ledger *l);
/* Close the meters (idempotent) and release the lock. */
void ct__ledger_free(struct ct__ledger *l);

/* Choose the meters for the components in order[] and list the devices this tracker counts: as
 * one rank of a job (job active), the node-wide components only where job->measures_node and the
 * GPUs ct__job_counts_gpu gives it, and no device at all is then fine (the rank still logs its
 * epochs). job NULL: every device. CT_OK; CT_EINVAL (invalid simulation options, why set);
 * CT_ENODEV (no device outside a job, why set to upstream's text). */
int ct__ledger_setup(struct ct__ledger *l, const struct ct__probe_ctx *ctx, const int order[2],
                     int n_order, const struct ct__job *job, char *why, size_t why_len);

/* Does any device belong to component comp? */
int ct__ledger_has(const struct ct__ledger *l, int comp);

/*
 * Read every meter now. boundary: an epoch boundary in the caller's thread, which also snapshots
 * every counter into mark_uj/mark_lost under the lock. uj (optional): receives every device's
 * counter as read. Returns the energy of all devices since open in microjoules; *now_ns (optional)
 * the CLOCK_MONOTONIC time of the reading.
 */
uint64_t ct__ledger_read(struct ct__ledger *l, int boundary, uint64_t *now_ns, uint64_t *uj);

/* Read only the meters that must be read more often than below_ns (power-only GPUs that integrate
 * power, counters that could wrap), keeping their state current between full reads; the devices'
 * figures move at the next ct__ledger_read. The sampler's fast ticks. */
void ct__ledger_poll(struct ct__ledger *l, uint64_t below_ns);

/* Copy the node devices and the components' energy over the same span (under the lock).
 * Returns the number of node devices (0: no node meter, and only out->n is set). */
int ct__ledger_node(const struct ct__ledger *l, struct ct__node_snapshot *out);

/* Put the current counters in place as the run's start (after the first read at open). */
void ct__ledger_start(struct ct__ledger *l);
/* The open epoch starts at the latest boundary read. Returns the energy of all devices from open
 * to that read (µJ), where the epoch's CO2 account begins. */
uint64_t ct__ledger_epoch_start(struct ct__ledger *l);
/* The energy of each device from the epoch's start to the latest boundary read, in joules
 * (dev_j[0..n_devs-1], may be NULL), summed per component into *cpu_j and *gpu_j. count: add it
 * to the devices' counted energy (a completed epoch). */
void ct__ledger_epoch_energy(struct ct__ledger *l, int count, double *dev_j, double *cpu_j,
                             double *gpu_j);

/* Shortest read interval any meter needs, bounded by period_ns (and at least 1 ms). */
uint64_t ct__ledger_period(const struct ct__ledger *l, uint64_t period_ns);

/* A device lost since the last call (its energy until then in *kept_j), or -1; each loss is
 * returned once. Caller's thread. */
int ct__ledger_next_loss(struct ct__ledger *l, double *kept_j);
/* The first read failure's text when new failures happened since the last call (returns 1 only
 * for the first batch ever, as upstream warns once), else 0. Caller's thread. */
int ct__ledger_new_failure(struct ct__ledger *l, char *msg, size_t len);

/* Per-device figures of an epoch or of the run, for the ledger's devices 0 .. n-1. */
struct ct__device_figures {
    int n;
    double energy_j[CT_MAX_DEVICES];
    int lost[CT_MAX_DEVICES];
};

/* A completed epoch's per-device figures: dev_j (ct__ledger_epoch_energy) and each device's
 * lost mark at the epoch's end; kept for ct_epoch_device(). */
void ct__ledger_epoch_figures(const struct ct__ledger *l, const double *dev_j,
                              struct ct__device_figures *f);

/* Each device's energy in the counted epochs and its lost mark (ct_summary_device()). */
void ct__ledger_run_figures(const struct ct__ledger *l, struct ct__device_figures *f);

/* The name of the meter that measures device i. */
const char *ct__ledger_meter_name(const struct ct__ledger *l, int i);

#endif
