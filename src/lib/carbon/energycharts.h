/*
 * energycharts.h - Fraunhofer ISE's Energy-Charts (no key): GET /co2eq?country=xx, the grid's
 * CO2eq intensity per slot as parallel arrays, actual values up to now and a forecast after,
 * parsed by a pure function.
 */
#ifndef CT_CARBON_ENERGYCHARTS_H
#define CT_CARBON_ENERGYCHARTS_H

#include "carbon/provider.h"

/* One /co2eq reply. */
struct ct__ec_reply {
    struct ct__ci_series actual; /* the co2eq values (realised), by slot */
    struct ct__ci_series merged; /* co2eq where the slot has one, else co2eq_forecast */
    size_t n_forecast;           /* slots of merged that came from co2eq_forecast */
    int deprecated;              /* the reply says "deprecated": true */
};

/* {"unix_seconds": [t...], "co2eq": [v|null...], "co2eq_forecast": [v|null...],
 * "deprecated": false}: slot i starts at unix_seconds[i] (UTC) and lasts until the next time
 * (the last as long as the one before it). co2eq_forecast may be missing; an array whose length
 * differs from unix_seconds is refused. CT_OK with at least one usable value in merged; CT_EIO
 * with `why` (not JSON, no arrays, lengths differ, nothing usable: the service's own "detail"
 * added where it gave one), out empty; CT_EINVAL (out NULL, or buf NULL with len > 0);
 * CT_ENOMEM. */
int ct__ec_parse(const char *buf, size_t len, struct ct__ec_reply *out, char *why, size_t why_len);
void ct__ec_reply_free(struct ct__ec_reply *r);

/* The Energy-Charts country code for a zone ("DE" -> "de"), or NULL when it serves none. */
const char *ct__ec_country(const char *zone, char *buf, size_t len);

#endif
