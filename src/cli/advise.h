/*
 * advise.h - `carbontracker --advise DURATION [--zone Z] [--json FILE]`: the greenest time to
 * start a run of DURATION within the carbon-intensity forecast (the library's ct_advise()).
 */
#ifndef CT_CLI_ADVISE_H
#define CT_CLI_ADVISE_H

#include "cli.h"

/* Exit status of --advise when no advice can be given (no forecast for the zone, a horizon
 * shorter than DURATION, offline): EX_UNAVAILABLE. */
#define ADVISE_EXIT_UNAVAILABLE 69

/* A duration as "90m", "2h", "1h30m", "45s", "1h30m15s" or plain seconds ("5400", "0.5"):
 * 0 with *seconds > 0, or -1. */
int cli_parse_duration(const char *text, double *seconds);

/* Print the advice (or why there is none) and write --json. Returns the exit status. */
int cli_advise(struct cli *c, double duration_s);

#endif
