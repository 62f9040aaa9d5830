/*
 * entsoe.h - the European provider, ENTSO-E Transparency Platform (free token): actual generation
 * per production type (document A75, process A16) of every EU/EEA bidding zone, turned into an
 * intensity from the mix (carbon/mix.h). Its XML is read with libxml2 (util/xml.h), loaded only
 * when this provider is used. The reply parser is a pure function over bytes.
 */
#ifndef CT_CARBON_ENTSOE_H
#define CT_CARBON_ENTSOE_H

#include "carbon/mix.h"
#include "carbon/provider.h"

/*
 * A GL_MarketDocument (A75) into hourly mixes: every TimeSeries (one production type,
 * MktPSRType/psrType B01..B25) adds its Points at timeInterval/start + (position - 1) x
 * resolution (PT15M, PT30M, PT60M, PT1H) to the hour they fall in, as MWh (MW x the resolution),
 * so series of different resolutions weigh alike; curveType A03 holds a point until the next
 * listed position or the interval's end. Series with an outBiddingZone_Domain (pumping,
 * charging) and storage types are reported but add no generation. An
 * Acknowledgement_MarketDocument is the service's refusal: CT_EIO with its reason text ("the
 * service says "No matching data found ...""). CT_OK; CT_EIO with `why` (malformed XML at a line,
 * no usable point); CT_ENOTSUP when libxml2 cannot be loaded (why says to install libxml2);
 * CT_ENOMEM.
 */
int ct__entsoe_parse(const char *buf, size_t len, struct ct__mix_series *out, char *why,
                     size_t why_len);

/* The mode of an ENTSO-E production type ("B01" biomass, ... "B10"/"B25" storage; unknown codes
 * unknown). */
int ct__entsoe_fuel(const char *psr_type);

/* The EIC area code of an Electricity Maps zone ("SE-SE3" -> "10Y1001A1001A46L", any case), or
 * NULL when the table has none. */
const char *ct__entsoe_area(const char *zone);

#endif
