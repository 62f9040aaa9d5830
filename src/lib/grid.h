/*
 * grid.h - the tracker's carbon part: where the machine is, the intensity in force as the
 * caller's thread last saw it, and the carbon thread that refreshes it (live) or the yearly table
 * value that stays (offline).
 */
#ifndef CT_GRID_H
#define CT_GRID_H

#include "carbon/refresh.h"
#include "options.h"

struct ct__grid {
    struct ct__carbon carbon;
    struct ct__location loc; /* copies taken at each sync (caller's thread) */
    struct ct__intensity ci;
};

void ct__grid_init(struct ct__grid *g);
void ct__grid_free(struct ct__grid *g);

/* Resolve the location from the options and put its table value (else the world average) in
 * force. why: how the location was found, or "" (for the log). */
void ct__grid_resolve(struct ct__grid *g, const struct ct__opts *p, char *why, size_t len);

/* Start the carbon thread (live) or keep the table value (offline). CT_OK, CT_ENOMEM, or
 * CT_EINVAL with errbuf set (a carbon.* age limit that is not a number of seconds). */
int ct__grid_start(struct ct__grid *g, const struct ct__opts *p, int want_forecast, char *errbuf,
                   size_t errlen);

/* Take the carbon thread's location, intensity and queued messages (caller frees *ev). */
size_t ct__grid_sync(struct ct__grid *g, struct ct__carbon_event **ev);

#endif
