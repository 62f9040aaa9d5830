/*
 * electricitymaps.h - Electricity Maps v3 (carbon-intensity/latest and /forecast, by zone or by
 * coordinates, auth-token header): the pure parsers over reply bytes, for tests and fuzzing.
 */
#ifndef CT_CARBON_ELECTRICITYMAPS_H
#define CT_CARBON_ELECTRICITYMAPS_H

#include "carbon/provider.h"

/* A /carbon-intensity/latest reply: CT_OK with out set (source "electricitymaps", zone, time), or
 * CT_EIO with `why` ("malformed JSON at line 1 column 2: ...", "no carbonIntensity ..."). */
int ct__em_parse_latest(const char *buf, size_t len, struct ct__intensity *out, char *why,
                        size_t why_len);

/* A /carbon-intensity/forecast reply: CT_OK with the slots (sorted, hourly lengths inferred), or
 * CT_EIO with `why`; CT_ENOMEM. */
int ct__em_parse_forecast(const char *buf, size_t len, struct ct__ci_series *out, char *why,
                          size_t why_len);

#endif
