/*
 * tracker.h - the tracker: the parts it composes, each owning its data. Data flows one way:
 * meters -> sampler -> ledger -> account -> sinks, with the grid (carbon) feeding the account.
 * tracker.c runs the lifecycle and the epoch API; summary.c reads the parts for the summary.
 */
#ifndef CT_TRACKER_H
#define CT_TRACKER_H

#include "abi.h"
#include "account.h"
#include "advise.h"
#include "grid.h"
#include "ledger.h"
#include "options.h"
#include "sampler.h"
#include "sink/sink.h"
#include "sink/upstream.h"

#include <stdint.h>

struct ct_tracker {
    struct ct__opts opt;        /* the options, copied and validated */
    int sysfs_fd, proc_fd;      /* the seams' root directories */
    struct ct__ledger ledger;   /* devices and counters */
    struct ct__account account; /* epochs, CO2, totals, prediction */
    struct ct__grid grid;       /* location and the intensity in force */
    struct ct__sampler sampler;
    struct ct__upstream upstream; /* console and upstream's log files */
    struct ct__sinks sinks;       /* upstream, then the JSON-lines log */

    struct ct__device_figures last_epoch; /* the latest completed epoch's (ct_epoch_device) */
    int epoch_counter;
    int in_epoch;
    uint64_t epoch_t0_ns;
    uint64_t open_ns; /* CLOCK_MONOTONIC at open (the first reading) */
    int finished, early_stop;
    uint64_t caller_cpu_ns;      /* CPU time of the caller's thread inside the public calls */
    double started_at, ended_at; /* wall clock */
    char errmsg[1024];
    int advised; /* after the prediction: a greener start was found in the forecast */
    struct ct__advice advice;
    char advice_source[96];
    char write_error[512]; /* the first log write that failed, "FILE: reason" ("" = none) */
    struct {
        int ranks;         /* ranks counted, this one included; 0: no job prediction */
        double energy_kwh; /* PUE included */
        double co2eq_g;
    } job_pred; /* the whole job's prediction (rank 0; every rank with a budget) */
};

/* The tracker's own CPU time so far, in seconds: the sampler thread's (live while it runs),
 * the caller's thread's inside the public calls, and the carbon thread's. */
void ct__tracker_cpu(const struct ct_tracker *t, double *sampler_s, double *caller_s,
                     double *carbon_s);

#endif
