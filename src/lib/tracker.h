/*
 * tracker.h - the tracker's internal state, shared by tracker.c (lifecycle, epochs, output),
 * sampler.c (the periodic thread) and summary.c (summary and JSON).
 */
#ifndef CT_TRACKER_H
#define CT_TRACKER_H

#include "carbon/provider.h"
#include "carbon/refresh.h"
#include "meters.h"
#include "options.h"
#include "out/jsonl.h"
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
    uint64_t mark_uj;        /* counter at the latest boundary read (caller's thread); the sampler
                                moves cur_uj concurrently, so epochs use this snapshot */
    int mark_lost;           /* lost as of that boundary read */
    double counted_j;        /* energy inside counted epochs */
    int lost;
    int lost_told; /* the loss was reported (caller's thread) */
};

/* One completed epoch. */
struct ct__epoch {
    double duration_s;
    double cpu_j;
    double gpu_j;
    double energy_kwh; /* with PUE */
    double co2eq_g;
    double intensity_g_per_kwh; /* energy-weighted over the epoch's sampling intervals */
};

/* One sampler tick, for the time series (ring buffer). */
struct ct__sample {
    uint64_t t_ns;
    uint64_t cpu_uj;
    uint64_t gpu_uj;
};

#define CT__RING 4096

struct ct_tracker {
    struct ct__opts opt; /* the options, copied and validated */

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
    uint64_t samples;       /* under meter_lock */
    uint64_t missed_ticks;  /* deadlines skipped because a tick overran */
    double sampler_cpu_s;   /* set by the sampler when it exits */
    uint64_t caller_cpu_ns; /* CPU time of the caller's thread inside the public calls (open,
                               epoch_start, epoch_end, stop) */
    struct ct__sample ring[CT__RING]; /* under meter_lock */

    /* Epochs. */
    int epoch_counter;
    int in_epoch;
    uint64_t epoch_t0_ns;
    struct ct__epoch *epochs;
    int n_epochs, cap_epochs;
    int finished, early_stop;

    /* Carbon: the carbon thread's state, and copies of its location and intensity in force
       taken at each tracker call (caller's thread). */
    struct ct__carbon carbon;
    double refresh_s;
    struct ct__location loc;
    struct ct__intensity ci;
    /* Energy-weighted CO2 of the open epoch (under meter_lock): sum of joules x intensity in
       force over the sampling intervals. */
    int co2_on;
    uint64_t co2_last_uj;
    double co2_jg, co2_ci_min, co2_ci_max;

    /* Prediction. */
    int predicted;
    double pred_duration_s, pred_energy_kwh, pred_co2eq_g;
    double pred_intensity_g_per_kwh; /* pred_co2eq_g / pred_energy_kwh */
    char pred_basis[16];             /* "forecast", "measured" (upstream's weighting), "default" */

    struct ct__logs logs;
    struct ct__jsonl *jsonl;     /* <base>_carbontracker.jsonl; NULL without a log_dir */
    double started_at, ended_at; /* wall clock */
    char errmsg[1024];
};

/* Read every meter now (takes the meter lock); updates devs[].cur_uj and lost flags. With
 * now_ns (a boundary read in the caller's thread) also snapshots them into mark_uj/mark_lost
 * under the lock, for the epoch arithmetic. */
void ct__read_all(struct ct_tracker *t, uint64_t *now_ns);

/* Attribute the energy read since the last call (total_uj: all devices since open) to the
 * intensity in force, while an epoch is open. Called by ct__read_all under meter_lock. */
void ct__co2_account(struct ct_tracker *t, uint64_t total_uj);

/* Totals of the counted epochs: kWh (PUE included), CO2eq grams (energy-weighted) and the average
 * intensity (co2 / kWh; the intensity in force when there is no energy). */
void ct__run_totals(const struct ct_tracker *t, double *kwh, double *co2eq_g,
                    double *intensity_g_per_kwh);

/* The tracker's own CPU time so far, in seconds: the sampler thread's (live while it runs),
 * the caller's thread's inside the public calls, and the carbon thread's. */
void ct__tracker_cpu(const struct ct_tracker *t, double *sampler_s, double *caller_s,
                     double *carbon_s);

/* Start / stop the sampler thread. */
int ct__sampler_start(struct ct_tracker *t);
void ct__sampler_stop(struct ct_tracker *t);

#endif
