/*
 * tracker.h - the tracker's internal state, shared by tracker.c (lifecycle, epochs, output),
 * sampler.c (the periodic thread) and summary.c (summary and JSON).
 */
#ifndef CT_TRACKER_H
#define CT_TRACKER_H

#include "carbon/provider.h"
#include "meters.h"
#include "out/logfile.h"
#include "util/sysfs.h"

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* One device as the ledger keeps it. */
struct ct__dev {
    int comp;  /* CT__COMP_* */
    int meter; /* index into set.meters */
    struct ct__meter_dev meta;
    uint64_t cur_uj;         /* latest unfolded counter */
    uint64_t first_uj;       /* counter at open */
    uint64_t epoch_start_uj; /* counter at the current epoch's start */
    double counted_j;        /* energy inside counted epochs */
    int lost;
};

/* One completed epoch. */
struct ct__epoch {
    double duration_s;
    double cpu_j;
    double gpu_j;
    double energy_kwh; /* with PUE */
    double co2eq_g;
};

/* One sampler tick, for the time series (ring buffer). */
struct ct__sample {
    uint64_t t_ns;
    uint64_t cpu_uj;
    uint64_t gpu_uj;
};

#define CT__RING 4096

struct ct_tracker {
    ct_options o; /* strings point into the owned copies below */
    char *own_components, *own_log_dir, *own_prefix, *own_zone, *own_sim_cpu, *own_sim_gpu;
    char *own_sysfs, *own_proc, *own_tz, *own_localtime, *own_zoneinfo;

    int ebp;     /* effective epochs_before_pred (-1 mapped to epochs) */
    int monitor; /* effective monitor_epochs */
    double pue;
    int comp_order[2];
    int n_comp;

    int sysfs_fd, proc_fd;
    struct ct__meter_set set;
    struct ct__dev devs[CT_MAX_DEVICES];
    int n_devs;
    struct ct__reading readings[CT_MAX_DEVICES];

    /* Meter lock: serialises reads between the caller's thread and the sampler. */
    pthread_mutex_t meter_lock;
    int read_failures;      /* failed meter reads (under meter_lock) */
    char read_error[256];   /* last failure text (under meter_lock) */
    int read_failures_told; /* failures already reported (caller thread) */

    /* Sampler. */
    pthread_t sampler;
    int sampler_running;
    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    int stop_requested;
    uint64_t period_ns;
    uint64_t samples;                 /* under meter_lock */
    uint64_t missed_ticks;            /* deadlines skipped because a tick overran */
    double sampler_cpu_s;             /* set by the sampler when it exits */
    struct ct__sample ring[CT__RING]; /* under meter_lock */

    /* Epochs. */
    int epoch_counter;
    int in_epoch;
    uint64_t epoch_t0_ns;
    struct ct__epoch *epochs;
    int n_epochs, cap_epochs;
    int finished, early_stop;

    /* Carbon. */
    struct ct__location loc;
    struct ct__intensity ci;

    /* Prediction. */
    int predicted;
    double pred_duration_s, pred_energy_kwh, pred_co2eq_g;

    struct ct__logs logs;
    double started_at, ended_at; /* wall clock */
    char errmsg[1024];
};

/* Read every meter now (takes the meter lock); updates devs[].cur_uj and lost flags. */
void ct__read_all(struct ct_tracker *t, uint64_t *now_ns);

/* Start / stop the sampler thread. */
int ct__sampler_start(struct ct_tracker *t);
void ct__sampler_stop(struct ct_tracker *t);

#endif
