/*
 * electricitymaps.c - the Electricity Maps v3 provider: GET <base>/carbon-intensity/latest and
 * /forecast by zone (an explicit zone, else the country) or by lat/lon, with the key in the
 * auth-token header only. Needs a key; answers anywhere the service covers.
 */
#include "carbon/electricitymaps.h"

#include "util/http.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The service's own complaint ("message", else "error" string), for a reply without a value. */
static void service_message(const json_t *root, char *why, size_t why_len)
{
    const json_t *m = json_object_get(root, "message");

    ct__why_service_says(why, why_len, json_is_string(m) ? m : json_object_get(root, "error"));
}

int ct__em_parse_latest(const char *buf, size_t len, struct ct__intensity *out, char *why,
                        size_t why_len)
{
    json_error_t err;
    json_t *root;
    const char *zone = NULL, *datetime = NULL;
    int estimated = 0;
    double v = NAN, t = 0;
    int rc = ct__reply_open(buf, len, 1, out, sizeof(*out), &root, why, why_len);

    if (rc != CT_OK)
        return rc;
    rc = CT_EIO;
    if (json_unpack_ex(root, &err, 0, "{s:F}", "carbonIntensity", &v) != 0) {
        ct__why_add(why, why_len, "no carbonIntensity number in the reply (%s)", err.text);
        service_message(root, why, why_len);
        goto cleanup;
    }
    if (!ct__valid_intensity(v)) {
        ct__why_add(why, why_len, "carbonIntensity %g is out of range", v);
        goto cleanup;
    }
    json_unpack(root, "{s?s, s?s}", "zone", &zone, "datetime", &datetime);
    estimated = json_is_true(json_object_get(root, "isEstimated"));
    if (datetime != NULL && ct__parse_utc(datetime, &t) != 0)
        t = 0;
    out->g_per_kwh = v;
    out->is_default = 0;
    out->time_s = t;
    snprintf(out->source, sizeof(out->source), "electricitymaps");
    if (zone != NULL && ct__valid_zone_code(zone)) /* else not a zone: not kept */
        ct__strlcpy(out->zone, zone, sizeof(out->zone));
    {
        char when[40] = "";
        if (t > 0)
            ct__format_utc(t, "%Y-%m-%d %H:%M UTC", when, sizeof(when));
        snprintf(out->description, sizeof(out->description), "Electricity Maps, zone %s%s%s%s.",
                 out->zone[0] ? out->zone : "?", when[0] ? ", " : "", when,
                 estimated ? " (estimated)" : "");
    }
    rc = CT_OK;
cleanup:
    json_decref(root);
    return rc;
}

/* {"zone": "DE", "forecast": [{"carbonIntensity": 302, "datetime": "..."}, ...]} */
static const json_t *forecast_entries(const json_t *root, struct ct__ci_series *out, char *why,
                                      size_t why_len)
{
    const json_t *arr = json_object_get(root, "forecast");
    const char *zone = NULL;

    if (!json_is_array(arr)) {
        ct__why_add(why, why_len, "no forecast array in the reply");
        service_message(root, why, why_len);
        return NULL;
    }
    json_unpack((json_t *)root, "{s?s}", "zone", &zone);
    if (zone != NULL && ct__valid_zone_code(zone))
        ct__strlcpy(out->label, zone, sizeof(out->label));
    return arr;
}

static int forecast_slot(const json_t *entry, double *t_s, double *dur_s, double *g_per_kwh)
{
    const char *dt;

    (void)dur_s; /* up to the next slot */
    if (json_unpack((json_t *)entry, "{s:F, s:s}", "carbonIntensity", g_per_kwh, "datetime", &dt) !=
        0)
        return -1;
    return ct__parse_utc(dt, t_s);
}

static const struct ct__series_format forecast_format = {
    .want_object = 1,
    .entries = forecast_entries,
    .slot = forecast_slot,
    .default_dur_s = 3600,
    .none_usable = "the forecast has no usable values",
    .counted = "entries",
};

int ct__em_parse_forecast(const char *buf, size_t len, struct ct__ci_series *out, char *why,
                          size_t why_len)
{
    return ct__parse_series_reply(&forecast_format, buf, len, out, why, why_len);
}

/* ---- the provider ----------------------------------------------------------------------- */

static const struct ct__setting_decl em_settings[] = {
    {"url", "CARBONTRACKER_ELECTRICITYMAPS_URL", "https://api.electricitymap.org/v3", 0,
     "base URL of the Electricity Maps API"},
    {"api_key", "ELECTRICITYMAPS_API_KEY", NULL, 1,
     "Electricity Maps auth token: live intensity for any zone"},
    {NULL, NULL, NULL, 0, NULL},
};

static const char *api_key(const struct ct__carbon_cfg *cfg)
{
    return ct__cfg_setting(cfg, "electricitymaps", "api_key");
}

static int has_key(const struct ct__carbon_cfg *cfg)
{
    const char *key = api_key(cfg);
    return key != NULL && key[0] != '\0';
}

static int em_suitable(const struct ct__carbon_cfg *cfg, const struct ct__location *loc)
{
    return has_key(cfg) && loc != NULL &&
           (loc->zone[0] != '\0' || loc->country[0] != '\0' || loc->has_coords);
}

/* The query: an explicit zone, else coordinates, else the zone/country. by_zone forces the zone. */
static int query(const struct ct__location *loc, int by_zone, char *q, size_t len)
{
    char esc[64];
    const char *zone = loc->zone[0] ? loc->zone : loc->country;

    if (!by_zone && loc->has_coords && loc->method != CT__LOC_OPTION) {
        snprintf(q, len, "lat=%.4f&lon=%.4f", loc->lat, loc->lon);
        return 0;
    }
    if (zone[0] == '\0' || ct__url_escape(zone, esc, sizeof(esc)) != 0)
        return -1;
    snprintf(q, len, "zone=%s", esc);
    return 0;
}

/* GET one endpoint, retrying by zone when coordinates were not understood (HTTP 400/404). */
static int em_get(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                  const char *endpoint, struct ct__http_response *resp, char *why, size_t why_len)
{
    char header[600], q[128], path[256];
    const char *headers[] = {header, "Accept: application/json", NULL};
    int rc;

    memset(resp, 0, sizeof(*resp));
    if (!has_key(cfg)) {
        ct__why_add(why, why_len, "no API key");
        return CT_EPERM;
    }
    if ((size_t)snprintf(header, sizeof(header), "auth-token: %s", api_key(cfg)) >=
        sizeof(header)) {
        ct__why_add(why, why_len, "the API key is too long");
        rc = CT_EINVAL;
        goto cleanup;
    }
    if (query(loc, 0, q, sizeof(q)) != 0) {
        ct__why_add(why, why_len, "no zone or coordinates to ask for");
        rc = CT_EINVAL;
        goto cleanup;
    }
    snprintf(path, sizeof(path), "/carbon-intensity/%s?%s", endpoint, q);
    rc = ct__carbon_get(cfg, ct__cfg_setting(cfg, "electricitymaps", "url"), path, headers, resp,
                        why, why_len);
    if (rc == CT_EIO && (resp->status == 400 || resp->status == 404) && q[0] == 'l' &&
        query(loc, 1, q, sizeof(q)) == 0) {
        snprintf(path, sizeof(path), "/carbon-intensity/%s?%s", endpoint, q);
        rc = ct__carbon_get(cfg, ct__cfg_setting(cfg, "electricitymaps", "url"), path, headers,
                            resp, why, why_len);
    }
cleanup:
    explicit_bzero(header, sizeof(header));
    return rc;
}

static int em_current(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                      struct ct__intensity *out, char *why, size_t why_len)
{
    struct ct__http_response resp;
    int rc = em_get(cfg, loc, "latest", &resp, why, why_len);

    if (rc != CT_OK)
        return rc;
    rc = ct__em_parse_latest(resp.body, resp.len, out, why, why_len);
    ct__http_response_free(&resp);
    return rc;
}

static int em_forecast(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                       double window_s, struct ct__ci_series *out, char *why, size_t why_len)
{
    struct ct__http_response resp;
    int rc;

    (void)window_s; /* the service answers with its whole horizon (24 h or more) */
    rc = em_get(cfg, loc, "forecast", &resp, why, why_len);
    if (rc != CT_OK)
        return rc;
    rc = ct__em_parse_forecast(resp.body, resp.len, out, why, why_len);
    ct__http_response_free(&resp);
    return rc;
}

const struct ct__carbon_provider ct__provider_electricitymaps = {
    .name = "electricitymaps",
    .settings = em_settings,
    .suitable = em_suitable,
    .current = em_current,
    .forecast = em_forecast,
};
