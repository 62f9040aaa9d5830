/*
 * sampler.h - the periodic sampling thread. It reads every counter on absolute CLOCK_MONOTONIC
 * deadlines (no drift) at the tracker's interval, and in between, on the same timer, only the
 * meters that need it faster (power-only GPUs, counters that could wrap twice), so the meters
 * unfold wraparound; each full reading goes to the ledger, its energy to the account, the counters
 * to the sinks. Stop wakes it at once through a semaphore.
 */
#ifndef CT_SAMPLER_H
#define CT_SAMPLER_H

#include "account.h"
#include "ledger.h"
#include "sink/sink.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>

struct ct__sampler {
    struct ct__ledger *ledger;
    struct ct__account *account;
    struct ct__sinks *sinks;
    uint64_t period_ns; /* the full reading's: the tracker's interval */
    uint64_t fast_ns;   /* the meters that need reading more often (<= period_ns) */
    int want_samples;   /* a sink takes samples (set at start) */

    pthread_t thread;
    int running; /* caller's thread */
    /* The thread waits on this semaphore's timeout (one futex call a tick, no mutex to take
     * back); stop sets stop_requested and posts it. */
    sem_t wake;
    atomic_int stop_requested;
    uint64_t missed_ticks; /* deadlines skipped because a tick overran (the thread's) */
    double cpu_s;          /* the thread's CPU time, set when it exits */
};

void ct__sampler_init(struct ct__sampler *s, struct ct__ledger *l, struct ct__account *a,
                      struct ct__sinks *k);
void ct__sampler_free(struct ct__sampler *s);

/* One reading outside an epoch boundary: ledger, account, sinks. The thread's tick; also called
 * by the caller's thread while the thread is not running (at open and at the end). */
void ct__sampler_tick(struct ct__sampler *s);

/* Start the thread (CT_OK or CT_ETHREAD): a full reading every period_ns and, between them, the
 * meters that need it (ct__ledger_poll) every fast_ns, on one timer. Stop wakes and joins it. */
int ct__sampler_start(struct ct__sampler *s, uint64_t period_ns, uint64_t fast_ns);
void ct__sampler_stop(struct ct__sampler *s);

/* CPU time (s) of the thread so far: read live while it runs. Caller's thread. */
double ct__sampler_cpu_s(const struct ct__sampler *s);

#endif
