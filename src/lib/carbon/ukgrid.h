/*
 * ukgrid.h - Great Britain's carbonintensity.org.uk (no key): national /intensity and regional
 * /regional/postcode replies, current and fw24h forecast, parsed by one pure function that copes
 * with the API's array-vs-object "data" quirk.
 */
#ifndef CT_CARBON_UKGRID_H
#define CT_CARBON_UKGRID_H

#include "carbon/provider.h"

/* Any of the replies above: CT_OK with the half-hour slots (value: "actual" when the API has it,
 * else "forecast"; label: the region's short name, or "GB" nationally), CT_EIO with `why`,
 * CT_ENOMEM. */
int ct__ukgrid_parse(const char *buf, size_t len, struct ct__ci_series *out, char *why,
                     size_t why_len);

#endif
