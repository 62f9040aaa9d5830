/*
 * bench_library.c - the library's own costs, on a two-socket powercap fixture (4 zones):
 * epoch_start/epoch_end latency, time from ct_tracker_open to the first sample, memory after a
 * day of samples at 1 Hz, and whether tracker_cpu_s in the summary accounts for the tracker's
 * CPU time (compared with getrusage). Prints one JSON object on stdout.
 *
 * usage: bench_library [--epochs N] [--opens N] [--day-samples N] [--live-s S] [--cpu-s S]
 *        bench_library --wake-only S: only the bare 1 kHz wake-up reference, for S seconds
 *        (bench/rates.sh runs it between the tracker's 1 kHz runs: the floor under the same
 *        conditions)
 */
#include "bench_common.h"

#include "powercap_fixture.h"
#include "proc_fixture.h"
#include "tracker.h"

#include <errno.h>
#include <semaphore.h>
#include <sys/resource.h>
#include <unistd.h>

struct cfg {
    long epochs;
    long opens;
    long day_samples;
    double live_s;
    double cpu_s;
    char sys[4096], proc[4096], logs[4096];
};

static ct_options options(const struct cfg *c, int with_logs)
{
    ct_options o = CT_OPTIONS_INIT;
    o.sysfs_root = c->sys;
    o.proc_root = c->proc;
    o.zone = "DK";
    o.components = "cpu";
    o.verbose = 0;
    o.log_dir = with_logs ? c->logs : NULL;
    return o;
}

static int open_tracker(ct_tracker **t, const ct_options *o)
{
    char err[512] = "";
    int rc = ct_tracker_open(t, o, err, sizeof(err));
    if (rc != CT_OK)
        fprintf(stderr, "bench_library: ct_tracker_open: %s (%s)\n", ct_strerror(rc), err);
    return rc;
}

static double process_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* epoch_start / epoch_end latency over c->epochs pairs. */
static int epoch_latency(const struct cfg *c, int with_logs, const char *key)
{
    ct_options o = options(c, with_logs);
    o.epochs = (int)c->epochs + 10; /* monitoring must not end inside the loop */
    o.epochs_before_pred = 0;
    ct_tracker *t = NULL;
    double *start_us = calloc((size_t)c->epochs, sizeof(double));
    double *end_us = calloc((size_t)c->epochs, sizeof(double));
    int rc = 1;
    if (!start_us || !end_us || open_tracker(&t, &o) != CT_OK)
        goto cleanup;
    uint64_t cpu0 = bench_thread_cpu_ns();
    for (long i = 0; i < c->epochs; i++) {
        uint64_t t0 = bench_mono_ns();
        ct_epoch_start(t);
        uint64_t t1 = bench_mono_ns();
        ct_epoch_end(t, NULL);
        uint64_t t2 = bench_mono_ns();
        start_us[i] = (double)(t1 - t0) / 1e3;
        end_us[i] = (double)(t2 - t1) / 1e3;
    }
    double cpu_us = (double)(bench_thread_cpu_ns() - cpu0) / 1e3 / (double)c->epochs;
    size_t epoch_bytes = (size_t)t->account.cap_epochs * sizeof(struct ct__epoch);
    double s50 = bench_quantile(start_us, (size_t)c->epochs, 0.5);
    double s99 = bench_quantile(start_us, (size_t)c->epochs, 0.99);
    double smax = start_us[c->epochs - 1];
    double e50 = bench_quantile(end_us, (size_t)c->epochs, 0.5);
    double e99 = bench_quantile(end_us, (size_t)c->epochs, 0.99);
    double emax = end_us[c->epochs - 1];
    printf(",\"%s\":{\"pairs\":%ld,\"devices\":%d,\"start_us_median\":%.2f,"
           "\"start_us_p99\":%.2f,\"start_us_max\":%.1f,\"end_us_median\":%.2f,"
           "\"end_us_p99\":%.2f,\"end_us_max\":%.1f,\"cpu_us_per_pair\":%.2f,"
           "\"epoch_storage_bytes\":%zu,\"bytes_per_epoch\":%zu}",
           key, c->epochs, t->ledger.n_devs, s50, s99, smax, e50, e99, emax, cpu_us, epoch_bytes,
           sizeof(struct ct__epoch));
    rc = 0;
cleanup:
    ct_tracker_free(t);
    free(start_us);
    free(end_us);
    return rc;
}

/* ct_tracker_open duration and the time from the call to the first sample's timestamp. */
static int open_latency(const struct cfg *c, int with_logs, const char *key)
{
    double *open_ms = calloc((size_t)c->opens, sizeof(double));
    double *first_ms = calloc((size_t)c->opens, sizeof(double));
    double *free_ms = calloc((size_t)c->opens, sizeof(double));
    int rc = 1;
    if (!open_ms || !first_ms || !free_ms)
        goto cleanup;
    for (long i = 0; i < c->opens; i++) {
        ct_options o = options(c, with_logs);
        ct_tracker *t = NULL;
        uint64_t t0 = bench_mono_ns();
        if (open_tracker(&t, &o) != CT_OK)
            goto cleanup;
        uint64_t t1 = bench_mono_ns();
        open_ms[i] = (double)(t1 - t0) / 1e6;
        first_ms[i] = (double)(t->ledger.ring[0].t_ns - t0) / 1e6;
        ct_tracker_free(t);
        free_ms[i] = (double)(bench_mono_ns() - t1) / 1e6;
    }
    /* bench_median sorts: the maximum is the last element afterwards. */
    double open_med = bench_median(open_ms, (size_t)c->opens);
    double first_med = bench_median(first_ms, (size_t)c->opens);
    double free_med = bench_median(free_ms, (size_t)c->opens);
    printf(",\"%s\":{\"opens\":%ld,\"open_ms_median\":%.3f,\"open_ms_max\":%.3f,"
           "\"first_sample_ms_median\":%.3f,\"first_sample_ms_max\":%.3f,"
           "\"free_ms_median\":%.3f}",
           key, c->opens, open_med, open_ms[c->opens - 1], first_med, first_ms[c->opens - 1],
           free_med);
    rc = 0;
cleanup:
    free(open_ms);
    free(first_ms);
    free(free_ms);
    return rc;
}

static uint64_t samples_of(ct_tracker *t)
{
    pthread_mutex_lock(&t->ledger.lock);
    uint64_t n = t->ledger.samples;
    pthread_mutex_unlock(&t->ledger.lock);
    return n;
}

/*
 * A day at 1 Hz: the sampler's whole per-tick work is ct__sampler_tick(), so calling it 86,400
 * times leaves the tracker exactly as 24 h of ticks would, in seconds instead of a day; an
 * epoch ends every 3,600 samples (one per hour). Then the live sampler at 1 kHz for live_s
 * seconds, past the ring's size, to show the thread itself does not grow either.
 */
static int day_memory(const struct cfg *c)
{
    ct_options o = options(c, 1);
    o.epochs = 1000;
    o.epochs_before_pred = 0;
    o.update_interval_s = 3600;
    ct_tracker *t = NULL;
    long rss_before = bench_status_kb("VmRSS");
    if (open_tracker(&t, &o) != CT_OK)
        return 1;
    long rss_open = bench_status_kb("VmRSS");
    long rss_ring_full = -1;
    ct_epoch_start(t);
    uint64_t w0 = bench_mono_ns();
    for (long i = 1; i <= c->day_samples; i++) {
        ct__sampler_tick(&t->sampler);
        if (i == CT__RING)
            rss_ring_full = bench_status_kb("VmRSS");
        if (i % 3600 == 0) {
            ct_epoch_end(t, NULL);
            ct_epoch_start(t);
        }
    }
    double day_wall_s = (double)(bench_mono_ns() - w0) / 1e9;
    long rss_day = bench_status_kb("VmRSS");
    uint64_t day_samples = samples_of(t);
    int day_epochs = t->account.n_epochs;
    size_t epoch_bytes = (size_t)t->account.cap_epochs * sizeof(struct ct__epoch);
    ct_tracker_free(t);
    t = NULL;

    /* Live: the sampler thread at its fastest (1 ms). */
    o.update_interval_s = 0.001;
    o.log_dir = NULL;
    if (open_tracker(&t, &o) != CT_OK)
        return 1;
    long rss_live0 = bench_status_kb("VmRSS");
    long rss_live_ring = -1;
    uint64_t l0 = bench_mono_ns(), deadline = l0 + (uint64_t)(c->live_s * 1e9);
    while (bench_mono_ns() < deadline) {
        bench_sleep_ns(100000000ULL);
        if (rss_live_ring < 0 && samples_of(t) >= CT__RING)
            rss_live_ring = bench_status_kb("VmRSS");
    }
    long rss_live1 = bench_status_kb("VmRSS");
    uint64_t live_samples = samples_of(t);
    uint64_t missed = t->sampler.missed_ticks;
    double live_wall_s = (double)(bench_mono_ns() - l0) / 1e9;
    ct_stop(t);
    ct_summary s = {.version = CT_SUMMARY_VERSION};
    ct_get_summary(t, &s);
    ct_tracker_free(t);

    printf(",\"day\":{\"samples\":%llu,\"epochs\":%d,\"wall_s\":%.3f,\"rss_kb_before_open\":%ld,"
           "\"rss_kb_after_open\":%ld,\"rss_kb_ring_full\":%ld,\"rss_kb_after_day\":%ld,"
           "\"tracker_struct_bytes\":%zu,\"ring_samples\":%d,\"ring_bytes\":%zu,"
           "\"epoch_storage_bytes\":%zu},"
           "\"live_1khz\":{\"seconds\":%.3f,\"samples\":%llu,\"missed_ticks\":%llu,"
           "\"rss_kb_start\":%ld,\"rss_kb_ring_full\":%ld,\"rss_kb_end\":%ld,"
           "\"tracker_cpu_s\":%.6f}",
           (unsigned long long)day_samples, day_epochs, day_wall_s, rss_before, rss_open,
           rss_ring_full, rss_day, sizeof(struct ct_tracker), CT__RING,
           sizeof(((struct ct_tracker *)0)->ledger.ring), epoch_bytes, live_wall_s,
           (unsigned long long)live_samples, (unsigned long long)missed, rss_live0, rss_live_ring,
           rss_live1, s.tracker_cpu_s);
    return 0;
}

/*
 * tracker_cpu_s against getrusage: one epoch of cpu_s seconds at the given interval. Every
 * CPU second this process spends is the tracker's (the caller thread only sleeps), so
 * RUSAGE_SELF over open..free is the truth; the caller thread's share is measured here too
 * (around every call, ct_summary_json and ct_tracker_free included) beside what the summary's
 * caller_cpu_s says (open, the epoch calls and stop).
 */
static int cpu_accounting(const struct cfg *c, double interval_s, const char *key)
{
    ct_options o = options(c, 1);
    o.update_interval_s = interval_s;
    ct_tracker *t = NULL;
    double p0 = process_cpu_s();
    uint64_t m0 = bench_thread_cpu_ns();
    if (open_tracker(&t, &o) != CT_OK)
        return 1;
    double open_cpu_s = (double)(bench_thread_cpu_ns() - m0) / 1e9;
    ct_epoch_start(t);
    uint64_t m1 = bench_thread_cpu_ns();
    bench_sleep_ns((uint64_t)(c->cpu_s * 1e9));
    uint64_t m2 = bench_thread_cpu_ns();
    ct_epoch_end(t, NULL); /* monitor_epochs = 1: ends monitoring, joins the sampler */
    ct_summary s = {.version = CT_SUMMARY_VERSION};
    ct_get_summary(t, &s);
    uint64_t samples = t->ledger.samples;
    char *json = NULL;
    ct_summary_json(t, &json);
    ct_free(json);
    ct_tracker_free(t);
    double caller_s = (double)(bench_thread_cpu_ns() - m0 - (m2 - m1)) / 1e9;
    double process_s = process_cpu_s() - p0;
    printf(",\"%s\":{\"interval_s\":%g,\"seconds\":%.3f,\"samples\":%llu,\"tracker_cpu_s\":%.6f,"
           "\"sampler_cpu_s\":%.6f,\"caller_cpu_s\":%.6f,\"carbon_cpu_s\":%.6f,"
           "\"process_cpu_s\":%.6f,\"caller_thread_cpu_s\":%.6f,\"open_cpu_s\":%.6f,"
           "\"sampler_cpu_us_per_sample\":%.2f}",
           key, interval_s, c->cpu_s, (unsigned long long)samples, s.tracker_cpu_s, s.sampler_cpu_s,
           s.caller_cpu_s, s.carbon_cpu_s, process_s, caller_s, open_cpu_s,
           samples ? s.sampler_cpu_s * 1e6 / (double)samples : 0.0);
    return 0;
}

/*
 * Reference: what a bare timed wake-up costs this machine. A thread that only waits on a
 * CLOCK_MONOTONIC semaphore deadline, as the sampler does, and does nothing else; on a virtual
 * machine the wake-up itself can cost more than the sampler's reads.
 */
static int wake_reference(double period_s, long count, const char *key)
{
    sem_t never; /* nobody posts it: each wait ends at its deadline */
    if (sem_init(&never, 0, 0) != 0)
        return -1;
    uint64_t period_ns = (uint64_t)(period_s * 1e9), next = bench_mono_ns();
    uint64_t c0 = bench_thread_cpu_ns();
    for (long i = 0; i < count; i++) {
        next += period_ns;
        struct timespec ts = {.tv_sec = (time_t)(next / BENCH_NS_PER_S),
                              .tv_nsec = (long)(next % BENCH_NS_PER_S)};
        while (sem_clockwait(&never, CLOCK_MONOTONIC, &ts) != 0 && errno == EINTR)
            ;
    }
    double us = (double)(bench_thread_cpu_ns() - c0) / 1e3 / (double)count;
    sem_destroy(&never);
    printf(",\"%s\":{\"period_s\":%g,\"wakeups\":%ld,\"cpu_us_per_wakeup\":%.2f}", key, period_s,
           count, us);
    return 0;
}

int main(int argc, char **argv)
{
    struct cfg c = {
        .epochs = 10000, .opens = 50, .day_samples = 86400, .live_s = 6.0, .cpu_s = 3.0};
    if (argc == 3 && strcmp(argv[1], "--wake-only") == 0) {
        double s = atof(argv[2]);
        if (!(s > 0 && s <= 3600)) {
            fputs("bench_library: --wake-only wants seconds, 0 to 3600\n", stderr);
            return 2;
        }
        printf("{\"seconds\":%g", s);
        wake_reference(0.001, (long)(s * 1000 + 0.5), "wake_1khz");
        printf("}\n");
        return 0;
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--epochs") == 0)
            c.epochs = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--opens") == 0)
            c.opens = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--day-samples") == 0)
            c.day_samples = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--live-s") == 0)
            c.live_s = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--cpu-s") == 0)
            c.cpu_s = atof(argv[i + 1]);
        else {
            fprintf(stderr, "bench_library: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (argc % 2 == 0 || c.epochs < 1 || c.opens < 1 || c.day_samples < 1) {
        fputs("usage: bench_library [--epochs N] [--opens N] [--day-samples N] [--live-s S] "
              "[--cpu-s S]\n",
              stderr);
        return 2;
    }
    int rc = 1;
    struct prf_stat st = {.user = 100000, .system = 20000, .idle = 500000};
    if (pcf_mkroot(c.sys, sizeof(c.sys), "bench-sys") < 0 || pcf_create(c.sys, "server2") < 0 ||
        prf_mkroot(c.proc, sizeof(c.proc), "bench-proc") < 0 ||
        prf_create(c.proc, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 4, &st) < 0 ||
        pcf_mkroot(c.logs, sizeof(c.logs), "bench-logs") < 0) {
        fprintf(stderr, "bench_library: cannot create the fixtures\n");
        goto cleanup;
    }
    /* The day first: no earlier tracker has left freed memory resident that would hide its
     * growth. */
    printf("{\"rss_kb_at_start\":%ld", bench_status_kb("VmRSS"));
    if (day_memory(&c) || epoch_latency(&c, 0, "epoch") || epoch_latency(&c, 1, "epoch_logs") ||
        open_latency(&c, 0, "open") || open_latency(&c, 1, "open_logs") ||
        cpu_accounting(&c, 0.001, "cpu_1khz") || cpu_accounting(&c, 1.0, "cpu_1hz") ||
        wake_reference(0.001, 2000, "wake_1khz") ||
        wake_reference(1.0, (long)(c.cpu_s + 0.5), "wake_1hz"))
        goto cleanup;
    printf("}\n");
    rc = 0;
cleanup:
    fflush(stdout);
    if (c.sys[0])
        pcf_remove(c.sys);
    if (c.proc[0])
        prf_remove(c.proc);
    if (c.logs[0])
        pcf_remove(c.logs);
    return rc;
}
