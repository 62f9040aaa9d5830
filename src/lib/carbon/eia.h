/*
 * eia.h - the US provider, EIA Open Data v2 (free key): hourly generation by fuel type of every
 * US balancing authority (Form EIA-930, route electricity/rto/fuel-type-data), turned into an
 * intensity from the mix (carbon/mix.h). The reply parser is a pure function.
 */
#ifndef CT_CARBON_EIA_H
#define CT_CARBON_EIA_H

#include "carbon/mix.h"
#include "carbon/provider.h"

/*
 * A fuel-type-data reply {"response": {"data": [{"period": "2026-08-21T10", "respondent": "PJM",
 * "fueltype": "COL", "value": 12345 | "12345" | null, ...}]}} into one hourly mix per period.
 * `period` is the hour ending, UTC, so each slot starts an hour earlier. Null values are not
 * reported; storage (BAT, PS, OES) and negative values are reported but add no generation;
 * unknown fuel codes count as "unknown". CT_OK; CT_EIO with `why` (not JSON, no data array, with
 * the service's complaint when it gave one, or nothing usable), out empty; CT_ENOMEM.
 */
int ct__eia_parse(const char *buf, size_t len, struct ct__mix_series *out, char *why,
                  size_t why_len);

/* The mode of an EIA-930 fuel code ("COL" coal, "NG" gas, "NUC", "OIL", "SUN", "SNB" solar,
 * "WND", "WAT" hydro, "GEO", "BIO", "OTH"/"UNK"/anything else unknown; "BAT", "PS", "OES"
 * storage). */
int ct__eia_fuel(const char *code);

/* The EIA respondent (balancing authority) of an Electricity Maps zone ("US-MIDA-PJM" -> "PJM",
 * any case), or NULL when the zone is not a US balancing authority the table knows. */
const char *ct__eia_respondent(const char *zone);

#endif
