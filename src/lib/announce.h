/*
 * announce.h - upstream's start-up texts about the setup (version, PUE, simulation banners, the
 * meters' probe outcomes, the components found, the location and live intensity), sent to the
 * sinks as messages.
 */
#ifndef CT_ANNOUNCE_H
#define CT_ANNOUNCE_H

#include "grid.h"
#include "ledger.h"
#include "options.h"
#include "sink/sink.h"

/* Version, PUE, banners, probes and components: after the meters were chosen. warn(): how a
 * warning is raised (the tracker keeps its text as the detail message). */
/* The job this tracker is a rank of, and what it counts (a note); its conflicting variables and a
 * failed election (why, "" = none) as warnings. Nothing outside a job. */
void ct__announce_job(struct ct__sinks *k, const struct ct__job *j, const char *why,
                      void (*warn)(void *ctx, const char *text), void *ctx);

void ct__announce_meters(struct ct__sinks *k, const struct ct__opts *p, const struct ct__ledger *l,
                         void (*warn)(void *ctx, const char *text), void *ctx);

/* The location, the intensity in force and, live, how it is refreshed: after the location was
 * resolved. why: how the location was found ("" = nothing to say). */
void ct__announce_location(struct ct__sinks *k, const struct ct__opts *p, const struct ct__grid *g,
                           const char *why);

#endif
