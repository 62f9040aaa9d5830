/*
 * bench_common.h - small helpers shared by the benchmark programs: clocks, statistics over
 * samples, the process's resident memory, and a seeded random generator for power traces.
 * Header-only (static functions), so each bench program stays one file.
 */
#ifndef CT_BENCH_COMMON_H
#define CT_BENCH_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_NS_PER_S 1000000000ULL

static inline uint64_t bench_clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * BENCH_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench_mono_ns(void)
{
    return bench_clock_ns(CLOCK_MONOTONIC);
}

static inline uint64_t bench_thread_cpu_ns(void)
{
    return bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

static inline void bench_sleep_until_ns(uint64_t t_ns)
{
    struct timespec ts = {.tv_sec = (time_t)(t_ns / BENCH_NS_PER_S),
                          .tv_nsec = (long)(t_ns % BENCH_NS_PER_S)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static inline void bench_sleep_ns(uint64_t ns)
{
    bench_sleep_until_ns(bench_mono_ns() + ns);
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts v in place; returns the q-quantile (0..1) by nearest rank. */
static inline double bench_quantile(double *v, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof(*v), bench_cmp_double);
    size_t k = (size_t)(q * (double)n);
    if (k >= n)
        k = n - 1;
    return v[k];
}

/* Median (mean of the two middle values for even n); sorts v in place. */
static inline double bench_median(double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof(*v), bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* A field of /proc/self/status in kB ("VmRSS", "VmHWM"); -1 when missing. */
static inline long bench_status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t len = strlen(field);
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, field, len) == 0 && line[len] == ':') {
            kb = strtol(line + len + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

/* splitmix64: a small, well-mixed, seedable generator (the traces must be reproducible). */
static inline uint64_t bench_rand_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double bench_rand_unit(uint64_t *state)
{
    return (double)(bench_rand_u64(state) >> 11) / 9007199254740992.0;
}

#endif
