/*
 * odre.h - RTE's eCO2mix real-time dataset on ODRE (Opendatasoft, no key): taux_co2, the CO2
 * emitted per kWh produced in metropolitan France, every 15 minutes, parsed by a pure function.
 */
#ifndef CT_CARBON_ODRE_H
#define CT_CARBON_ODRE_H

#include "carbon/provider.h"

/* {"total_count": N, "results": [{"date_heure": "2026-06-14T19:00:00+00:00", "taux_co2": 15},
 * ...]}: one 15-minute slot per record; records whose taux_co2 is null or 0 (not yet computed)
 * are skipped. CT_OK; CT_EIO with `why` (the service's "message" added); CT_EINVAL; CT_ENOMEM. */
int ct__odre_parse(const char *buf, size_t len, struct ct__ci_series *out, char *why,
                   size_t why_len);

#endif
