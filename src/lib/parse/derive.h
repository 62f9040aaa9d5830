/*
 * derive.h - the figures derived from a parsed run (derive.c).
 */
#ifndef CT_PARSE_DERIVE_H
#define CT_PARSE_DERIVE_H

#include "record.h"

/* The run's "derived" object of ct_parse_json() without its last member, "epoch_figures" (which
 * parse.c streams, ct__parse_derive_epoch() per epoch): a jansson json_t, new reference, NULL when
 * out of memory. *pue and *intensity receive the PUE and intensity the figures use. */
struct json_t *ct__parse_derive_json(const struct ct__prun *run, double *pue, double *intensity);

/* One epoch's "epoch_figures" entry: its energy with the PUE (kWh) and its CO2eq (g), as logged,
 * else from its energy with `pue` and `intensity` (those of ct__parse_derive_json()). */
void ct__parse_derive_epoch(const struct ct__pepoch *e, double pue, double intensity, double *kwh,
                            double *co2eq_g);

#endif
