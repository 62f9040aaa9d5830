/*
 * mix_fetch.h - the current intensity of a provider that publishes a generation mix behind a key
 * carried in the URL (EIA, ENTSO-E): the key escaped, the zone's factors loaded, one GET, the
 * provider's parser, the mix turned into an intensity, and the key kept out of every reason.
 */
#ifndef CT_CARBON_MIX_FETCH_H
#define CT_CARBON_MIX_FETCH_H

#include "carbon/mix.h"
#include "carbon/provider.h"

/* The `factors` setting each mix provider declares (env: its variable), read by
 * ct__mix_fetch_current. */
#define CT__MIX_FACTORS_SETTING(env)                                                               \
    {                                                                                              \
        "factors", env, NULL, 0,                                                                   \
            "CSV file of emission factors overriding the defaults (zone,mode,gCO2eq/kWh[,source])" \
    }

/* One provider's request for the current mix. */
struct ct__mix_request {
    const char *provider; /* "eia": its settings section (url, api_key, factors), the source */
    const char *key_what; /* "EIA API key": named when the key is missing or refused */
    const char *zone;     /* the zone whose emission factors apply */
    const char *area;     /* the area named in the intensity's source and description */
    const char *what;     /* "EIA-930 hourly generation by fuel", for the description */
    const char *const *headers; /* extra request headers, NULL-terminated, or NULL */
    /* Write the request's path and query for the URL-escaped key at now_s. */
    void (*path)(char *buf, size_t len, const char *key_esc, double now_s, const void *arg);
    const void *arg; /* passed to path: the provider's area code */
    /* The provider's reply parser (ct__eia_parse, ct__entsoe_parse). */
    int (*parse)(const char *buf, size_t len, struct ct__mix_series *out, char *why,
                 size_t why_len);
};

/*
 * The current intensity at now_s from the request's mix (ct__mix_current). CT_OK; CT_EPERM with
 * why "no usable <key_what>" (none, or too long to escape) or "... the <key_what> is missing or
 * was refused" (HTTP 401/403); else the status of the factors, the GET, the parser or the mix,
 * with why. No key ever reaches why.
 */
int ct__mix_fetch_current(const struct ct__carbon_cfg *cfg, const struct ct__mix_request *r,
                          double now_s, struct ct__intensity *out, char *why, size_t why_len);

#endif
