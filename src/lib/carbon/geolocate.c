/*
 * geolocate.c - IP geolocation through an ipinfo-compatible service (GET <url>/json, as upstream's
 * geocoder.ip("me")): city, region, country, "lat,lon" and postal code, and upstream's address
 * text "City, Region, CC". Called once per run, on the carbon thread.
 */
#include "carbon/geolocate.h"

#include "util/http.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void field(const json_t *root, const char *key, char *dst, size_t len)
{
    const json_t *v = json_object_get(root, key);

    dst[0] = '\0';
    if (json_is_string(v))
        ct__printable_copy(dst, len, json_string_value(v));
}

int ct__geo_parse_ipinfo(const char *buf, size_t len, struct ct__geo *out, char *why,
                         size_t why_len)
{
    json_t *root;
    char loc[64];
    int rc = ct__reply_open(buf, len, 1, out, sizeof(*out), &root, why, why_len);

    if (rc != CT_OK)
        return rc;
    rc = CT_EIO;
    if (json_is_true(json_object_get(root, "bogon"))) {
        ct__why_add(why, why_len, "the service has no location for this address (bogon)");
        goto cleanup;
    }
    field(root, "city", out->city, sizeof(out->city));
    field(root, "region", out->region, sizeof(out->region));
    field(root, "country", out->country, sizeof(out->country));
    field(root, "postal", out->postal, sizeof(out->postal));
    field(root, "timezone", out->timezone, sizeof(out->timezone));
    field(root, "loc", loc, sizeof(loc));
    if (strlen(out->country) != 2 || out->country[0] < 'A' || out->country[0] > 'Z' ||
        out->country[1] < 'A' || out->country[1] > 'Z') {
        const json_t *e = json_object_get(root, "error");
        ct__why_add(why, why_len, "no country in the reply");
        ct__why_service_says(why, why_len, json_is_object(e) ? json_object_get(e, "message") : e);
        goto cleanup;
    }
    if (loc[0] != '\0') {
        double lat, lon;
        char *end = NULL;
        lat = strtod(loc, &end);
        if (end != loc && *end == ',') {
            const char *p = end + 1;
            lon = strtod(p, &end);
            if (end != p && *end == '\0' && isfinite(lat) && isfinite(lon) && fabs(lat) <= 90 &&
                fabs(lon) <= 180) {
                out->has_coords = 1;
                out->lat = lat;
                out->lon = lon;
            }
        }
    }
    /* Upstream's geocoder address: the non-empty parts of city, region, country. */
    ct__fmt(out->address, sizeof(out->address), "%s%s%s%s%s", out->city, out->city[0] ? ", " : "",
            out->region, out->region[0] ? ", " : "", out->country);
    rc = CT_OK;
cleanup:
    json_decref(root);
    return rc;
}

const struct ct__setting_decl ct__geolocation_settings[] = {
    {"url", "CARBONTRACKER_GEOLOCATION_URL", "https://ipinfo.io", 0,
     "ipinfo-compatible IP geolocation service (GET <url>/json)"},
    {NULL, NULL, NULL, 0, NULL},
};

int ct__geolocate(const struct ct__carbon_cfg *cfg, struct ct__geo *out, char *why, size_t why_len)
{
    static const char *const headers[] = {"Accept: application/json", NULL};
    struct ct__http_response resp;
    int rc;

    if (cfg == NULL || out == NULL)
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    rc = ct__carbon_get(cfg, ct__cfg_setting(cfg, "geolocation", "url"), "/json", headers, &resp,
                        why, why_len);
    if (rc != CT_OK)
        return rc;
    rc = ct__geo_parse_ipinfo(resp.body, resp.len, out, why, why_len);
    ct__http_response_free(&resp);
    return rc;
}

void ct__geo_location(const struct ct__geo *geo, struct ct__location *out)
{
    memset(out, 0, sizeof(*out));
    out->method = CT__LOC_GEOLOCATION;
    snprintf(out->zone, sizeof(out->zone), "%s", geo->country);
    snprintf(out->country, sizeof(out->country), "%s", geo->country);
    snprintf(out->address, sizeof(out->address), "%s", geo->address);
    out->has_coords = geo->has_coords;
    out->lat = geo->lat;
    out->lon = geo->lon;
    if (strcmp(geo->country, "GB") == 0 &&
        ct__postcode_outward(geo->postal, out->postcode, sizeof(out->postcode)) != 0)
        out->postcode[0] = '\0';
}
