/*
 * geolocate.h - where the machine is by its public IP, from an ipinfo-compatible service
 * (GET <url>/json): one request per run, on the carbon thread. The parser is pure.
 */
#ifndef CT_CARBON_GEOLOCATE_H
#define CT_CARBON_GEOLOCATE_H

#include "carbon/provider.h"

struct ct__geo {
    char city[64];
    char region[64];
    char country[8]; /* ISO alpha-2, upper case */
    char postal[16];
    char timezone[64];
    int has_coords;
    double lat, lon;
    char address[128]; /* upstream's geocoder text: "City, Region, CC" ("Region, CC", "CC") */
};

/* An ipinfo /json reply: CT_OK with out set (a country is required), or CT_EIO with `why`
 * ("malformed JSON ...", "the service has no location for this address (bogon)"). */
int ct__geo_parse_ipinfo(const char *buf, size_t len, struct ct__geo *out, char *why,
                         size_t why_len);

/* GET cfg->geolocation_url + "/json" and parse it. CT_OK, or negative with `why`. */
int ct__geolocate(const struct ct__carbon_cfg *cfg, struct ct__geo *out, char *why, size_t why_len);

/* The location a geolocation answer gives (method CT__LOC_GEOLOCATION, zone = country, the GB
 * outward code from the postal code). */
void ct__geo_location(const struct ct__geo *geo, struct ct__location *out);

#endif
