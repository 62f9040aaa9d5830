/*
 * rapl_perf.h - the seam under the perf_event RAPL meter (rapl_perf.c): how a counter of the
 * `power` PMU is opened, read and closed. The library uses the kernel (perf_event_open(2) and
 * read(2)); tests and benchmarks install a fake source that plays a known power trace.
 */
#ifndef CT_ENERGY_RAPL_PERF_H
#define CT_ENERGY_RAPL_PERF_H

#include <stdint.h>

struct ct__perf_source {
    /* Open the system-wide counter `config` of PMU `type` on `cpu`. Returns a handle >= 0 or
     * -errno (EACCES/EPERM when perf_event_paranoid or a missing CAP_PERFMON forbids it). */
    int (*open)(void *ctx, uint32_t type, uint64_t config, int cpu);
    /* The counter's 64-bit count since it was opened (kernel-accumulated, never wraps). Returns 0
     * or -errno. */
    int (*read)(void *ctx, int handle, uint64_t *count);
    void (*close)(void *ctx, int handle);
    void *ctx;
};

/* Use `src` for every later probe (NULL: the kernel again). Not thread-safe: tests call it before
 * opening trackers. */
void ct__rapl_perf_set_source(const struct ct__perf_source *src);

#endif
