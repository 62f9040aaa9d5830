/*
 * sampler.c - the periodic sampling thread (sampler.h).
 */
#include "sampler.h"

#include <errno.h>
#include <string.h>
#include <time.h>

void ct__sampler_init(struct ct__sampler *s, struct ct__ledger *l, struct ct__account *a,
                      struct ct__sinks *k)
{
    memset(s, 0, sizeof(*s));
    s->ledger = l;
    s->account = a;
    s->sinks = k;
}

void ct__sampler_free(struct ct__sampler *s)
{
    ct__sampler_stop(s);
}

/* One reading: ledger, account and, when want, the sinks' samples. */
static void tick(struct ct__sampler *s, int want)
{
    uint64_t uj[CT_MAX_DEVICES], now;
    uint64_t total = ct__ledger_read(s->ledger, 0, &now, want ? uj : NULL);
    ct__account_energy(s->account, total, now);
    /* Outside the meter lock: an epoch boundary never waits for a sink's file I/O. */
    if (want) {
        ct__sinks_sample(s->sinks, now, uj, s->ledger->n_devs);
        struct ct__node_snapshot ns;
        if (ct__ledger_node(s->ledger, &ns) > 0) {
            struct ct__sink_node_dev nd[CT__MAX_NODE_DEVS];
            for (int k = 0; k < ns.n; k++)
                nd[k] = (struct ct__sink_node_dev){
                    ns.devs[k].meta.name, ns.devs[k].meter, ns.devs[k].meta.provenance,
                    (double)(ns.devs[k].cur_uj - ns.devs[k].first_uj) / 1e6, ns.devs[k].lost};
            struct ct__sink_node n = {ns.n, nd, (double)ns.node_uj / 1e6,
                                      (double)ns.components_uj / 1e6};
            ct__sinks_node(s->sinks, now, &n);
        }
    }
}

void ct__sampler_tick(struct ct__sampler *s)
{
    tick(s, ct__sinks_want_samples(s->sinks));
}

static struct timespec to_ts(uint64_t ns)
{
    return (struct timespec){(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
}

/* The first deadline after now on the grid t, t + p, ...: overrun skips whole periods rather than
 * firing a burst of late ticks. */
static uint64_t after(uint64_t t, uint64_t p, uint64_t now, uint64_t *missed)
{
    t += p;
    if (t <= now) {
        uint64_t k = (now - t) / p + 1;
        *missed += k;
        t += k * p;
    }
    return t;
}

static void *sampler_main(void *arg)
{
    struct ct__sampler *s = arg;
    uint64_t start = ct__now_ns(), full = start, fast = start, skipped = 0;
    while (!atomic_load_explicit(&s->stop_requested, memory_order_acquire)) {
        uint64_t now = ct__now_ns();
        if (full <= now)
            full = after(full, s->period_ns, now, &s->missed_ticks);
        if (fast <= now)
            fast = after(fast, s->fast_ns, now, &skipped);
        /* One timer: the earlier of the two deadlines (a full reading also serves a fast one). */
        uint64_t due = fast < full ? fast : full;
        struct timespec next = to_ts(due);
        int rc;
        while ((rc = sem_clockwait(&s->wake, CLOCK_MONOTONIC, &next)) != 0 && errno == EINTR)
            ;
        if (rc == 0 || atomic_load_explicit(&s->stop_requested, memory_order_acquire))
            break; /* only stop posts */
        if (due == full) {
            tick(s, s->want_samples); /* set before the thread was created */
            fast = due;
        } else {
            ct__ledger_poll(s->ledger, s->period_ns);
        }
    }
    struct timespec cpu;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
        s->cpu_s = (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9;
    return NULL;
}

int ct__sampler_start(struct ct__sampler *s, uint64_t period_ns, uint64_t fast_ns)
{
    if (sem_init(&s->wake, 0, 0) != 0)
        return CT_ETHREAD;
    s->period_ns = period_ns;
    s->fast_ns = fast_ns && fast_ns < period_ns ? fast_ns : period_ns;
    s->want_samples = ct__sinks_want_samples(s->sinks); /* the sinks do not change while it runs */
    atomic_store(&s->stop_requested, 0);
    if (pthread_create(&s->thread, NULL, sampler_main, s) != 0) {
        sem_destroy(&s->wake);
        return CT_ETHREAD;
    }
    s->running = 1;
    return CT_OK;
}

void ct__sampler_stop(struct ct__sampler *s)
{
    if (!s->running)
        return;
    atomic_store_explicit(&s->stop_requested, 1, memory_order_release);
    sem_post(&s->wake);
    pthread_join(s->thread, NULL);
    sem_destroy(&s->wake);
    s->running = 0;
}

double ct__sampler_cpu_s(const struct ct__sampler *s)
{
    struct timespec ts;
    clockid_t clock;
    /* The thread ends only when the caller's thread stops it, so while running is set its clock
     * is valid. */
    if (s->running && pthread_getcpuclockid(s->thread, &clock) == 0 &&
        clock_gettime(clock, &ts) == 0)
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    return s->cpu_s;
}
