/*
 * sampler.c - the periodic sampling thread. It reads every counter on absolute CLOCK_MONOTONIC
 * deadlines (no drift), often enough that no counter can wrap twice between reads, so the meters
 * unfold wraparound; it keeps a ring of samples for the time series. Stop wakes it at once
 * through a condition variable.
 */
#include "tracker.h"

#include <errno.h>
#include <string.h>
#include <time.h>

void ct__read_all(struct ct_tracker *t, uint64_t *now_ns)
{
    pthread_mutex_lock(&t->meter_lock);
    uint64_t now = ct__now_ns();
    int base = 0;
    for (int m = 0; m < t->set.n_meters; m++) {
        struct ct__meter_inst *mi = &t->set.meters[m];
        int rc = mi->ops->read(mi->state, now, &t->readings[base]);
        if (rc != CT_OK) {
            t->read_failures++;
            ct__fmt(t->read_error, sizeof(t->read_error), "%s: read failed: %s", mi->ops->name,
                    ct_strerror(rc));
        }
        base += mi->n_devs;
    }
    uint64_t cpu = 0, gpu = 0;
    for (int i = 0; i < t->n_devs; i++) {
        struct ct__dev *d = &t->devs[i];
        /* Counters never go backwards; a meter that failed keeps the last value. */
        if (t->readings[i].energy_uj > d->cur_uj)
            d->cur_uj = t->readings[i].energy_uj;
        if (t->readings[i].lost)
            d->lost = 1;
        if (now_ns) {
            d->mark_uj = d->cur_uj;
            d->mark_lost = d->lost;
        }
        if (d->comp == CT__COMP_GPU)
            gpu += d->cur_uj - d->first_uj;
        else
            cpu += d->cur_uj - d->first_uj;
    }
    ct__co2_account(t, cpu + gpu);
    struct ct__sample *s = &t->ring[t->samples % CT__RING];
    s->t_ns = now;
    s->cpu_uj = cpu;
    s->gpu_uj = gpu;
    t->samples++;
    /* Samples go to the JSON-lines file from the non-boundary reads only (the sampler thread,
     * and open/finish while it is not running), so there is one writer at a time and records
     * stay in time order, and an epoch boundary never waits for file I/O. The copy is taken
     * under the lock, the write happens after it. */
    uint64_t uj[CT_MAX_DEVICES];
    int spill = t->jsonl && !now_ns;
    for (int i = 0; spill && i < t->n_devs; i++)
        uj[i] = t->devs[i].cur_uj;
    pthread_mutex_unlock(&t->meter_lock);
    if (spill)
        ct__jsonl_sample(t->jsonl, now, uj, t->n_devs);
    if (now_ns)
        *now_ns = now;
}

static void *sampler_main(void *arg)
{
    struct ct_tracker *t = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&t->wake_lock);
    while (!t->stop_requested) {
        uint64_t ns = (uint64_t)next.tv_nsec + t->period_ns;
        next.tv_sec += (time_t)(ns / 1000000000ull);
        next.tv_nsec = (long)(ns % 1000000000ull);
        /* Overrun: skip whole periods rather than firing a burst of late ticks. */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        while (next.tv_sec < now.tv_sec ||
               (next.tv_sec == now.tv_sec && next.tv_nsec < now.tv_nsec)) {
            ns = (uint64_t)next.tv_nsec + t->period_ns;
            next.tv_sec += (time_t)(ns / 1000000000ull);
            next.tv_nsec = (long)(ns % 1000000000ull);
            t->missed_ticks++;
        }
        int rc = 0;
        while (!t->stop_requested && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&t->wake, &t->wake_lock, &next);
        if (t->stop_requested)
            break;
        pthread_mutex_unlock(&t->wake_lock);
        ct__read_all(t, NULL);
        pthread_mutex_lock(&t->wake_lock);
    }
    pthread_mutex_unlock(&t->wake_lock);
    struct timespec cpu;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
        t->sampler_cpu_s = (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9;
    return NULL;
}

void ct__tracker_cpu(const struct ct_tracker *t, double *sampler_s, double *caller_s,
                     double *carbon_s)
{
    struct timespec ts;
    clockid_t clock;
    double s = t->sampler_cpu_s;

    /* The sampler ends only when the caller's thread stops it, so while sampler_running is set
     * its clock is valid. */
    if (t->sampler_running && pthread_getcpuclockid(t->sampler, &clock) == 0 &&
        clock_gettime(clock, &ts) == 0)
        s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    *sampler_s = s;
    *caller_s = (double)t->caller_cpu_ns / 1e9;
    *carbon_s = ct__carbon_cpu_s(&t->carbon);
}

int ct__sampler_start(struct ct_tracker *t)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake, &ca);
    pthread_condattr_destroy(&ca);
    t->stop_requested = 0;
    if (pthread_create(&t->sampler, NULL, sampler_main, t) != 0) {
        pthread_cond_destroy(&t->wake);
        return CT_ETHREAD;
    }
    t->sampler_running = 1;
    return CT_OK;
}

void ct__sampler_stop(struct ct_tracker *t)
{
    if (!t->sampler_running)
        return;
    pthread_mutex_lock(&t->wake_lock);
    t->stop_requested = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->wake_lock);
    pthread_join(t->sampler, NULL);
    pthread_cond_destroy(&t->wake);
    t->sampler_running = 0;
}
