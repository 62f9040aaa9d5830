/*
 * energidataservice.h - Denmark's Energi Data Service (no key): datasets CO2Emis (realised) and
 * CO2EmisProg (forecast), 5-minute records per price area DK1/DK2, parsed by a pure function.
 */
#ifndef CT_CARBON_ENERGIDATASERVICE_H
#define CT_CARBON_ENERGIDATASERVICE_H

#include "carbon/provider.h"

/* A dataset reply {"records": [{"Minutes5UTC", "PriceArea", "CO2Emission"}, ...]}: CT_OK with one
 * 5-minute slot per time, the mean over the price areas present (point.n = how many); records
 * whose CO2Emission is null are skipped. CT_EIO with `why` when nothing usable; CT_ENOMEM. */
int ct__eds_parse(const char *buf, size_t len, struct ct__ci_series *out, char *why,
                  size_t why_len);

/* The price area for a location: "DK1" (west), "DK2" (east), or NULL when unknown (both are then
 * averaged). Zones DK-DK1/DK-DK2/DK-BHM, else coordinates (west of 10.95 E is DK1). */
const char *ct__eds_area(const struct ct__location *loc);

#endif
