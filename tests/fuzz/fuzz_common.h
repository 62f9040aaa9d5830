/*
 * fuzz_common.h - invariants the fuzz targets check on every parser result: a series is sorted
 * with unique times, positive lengths and finite values in range, and its mean is finite; reasons
 * are NUL-terminated. A violation aborts, which libFuzzer reports.
 */
#ifndef CT_FUZZ_COMMON_H
#define CT_FUZZ_COMMON_H

#include "carbon/provider.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline void check_why(const char *why, size_t len)
{
    if (memchr(why, '\0', len) == NULL)
        abort();
}

static inline void check_series(int rc, const struct ct__ci_series *s)
{
    double mean = 0, covered = 0;

    if (rc != CT_OK) {
        if (s->n != 0 || s->pts != NULL)
            abort();
        return;
    }
    if (s->n == 0)
        abort();
    for (size_t i = 0; i < s->n; i++) {
        const struct ct__ci_point *p = &s->pts[i];
        if (!(p->dur_s > 0) || !isfinite(p->g_per_kwh) || p->g_per_kwh < 0 || p->g_per_kwh > 5000 ||
            p->n < 1)
            abort();
        if (i > 0 && !(p->t_s > s->pts[i - 1].t_s))
            abort();
    }
    if (ct__series_mean(s, s->pts[0].t_s,
                        s->pts[s->n - 1].t_s + s->pts[s->n - 1].dur_s - s->pts[0].t_s, &mean,
                        &covered) != 0 ||
        !isfinite(mean))
        abort();
    if (ct__series_at(s, s->pts[0].t_s) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#endif
