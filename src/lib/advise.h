/*
 * advise.h - the greenest start: the start time within a carbon-intensity forecast that
 * minimises the mean intensity over a run's duration. The search is a pure function over a
 * series (also used for the advice after a prediction); ct_advise() fetches the forecasts through
 * the live providers' vtables (carbon/provider.h) and runs it.
 */
#ifndef CT_ADVISE_H
#define CT_ADVISE_H

#include "carbon/provider.h"

struct ct__advice {
    double best_start_s, best_g_per_kwh;
    double now_g_per_kwh; /* NaN: the forecast does not cover a start now */
    double saving_percent;
    double horizon_end_s;
};

/*
 * Candidates are now_s and every slot start after it; a candidate counts when the slots cover
 * [start, start + duration_s) without a gap. The best is the lowest time-weighted mean (the
 * earliest of equals). "Now" is a start at now_s, or at the first slot when the forecast begins
 * within its first slot's length after now_s.
 * CT_OK; CT_EIO with `why` ("the forecast covers only 6:00:00 from now, less than the 8:00:00
 * asked for", "the forecast has gaps: no 8:00:00 without one"); CT_EINVAL for a bad duration.
 */
int ct__advise_series(const struct ct__ci_series *s, double now_s, double duration_s,
                      struct ct__advice *out, char *why, size_t why_len);

struct ct__carbon;

/* The advice from a tracker's cached forecast (carbon/refresh.h), with its source: CT_OK, or
 * CT_ENOTSUP (no forecast) / the search's failure, why set. */
int ct__advise_cached(struct ct__carbon *c, double now_s, double duration_s, struct ct__advice *out,
                      char *source, size_t source_len, char *why, size_t why_len);

#endif
