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

#define MAX_G_PER_KWH 5000.0 /* no grid is dirtier than pure lignite (~1200) by this much */

/* The service's own complaint ("message"/"error" string), for a reply without a value. */
static void service_message(const json_t *root, char *why, size_t why_len)
{
    const char *keys[] = {"message", "error"};
    char shown[128];

    for (size_t i = 0; i < 2; i++) {
        const json_t *m = json_object_get(root, keys[i]);
        if (json_is_string(m)) {
            ct__printable_copy(shown, sizeof(shown), json_string_value(m));
            ct__why_add(why, why_len, "the service says \"%s\"", shown);
            return;
        }
    }
}

static int valid_value(double v)
{
    return isfinite(v) && v >= 0 && v <= MAX_G_PER_KWH;
}

int ct__em_parse_latest(const char *buf, size_t len, struct ct__intensity *out, char *why,
                        size_t why_len)
{
    json_error_t err;
    json_t *root = NULL;
    const char *zone = NULL, *datetime = NULL;
    int estimated = 0, rc = CT_EIO;
    double v = NAN, t = 0;

    if (out == NULL || (buf == NULL && len > 0))
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    root = ct__json_parse_object(buf, len, why, why_len);
    if (root == NULL)
        return CT_EIO;
    if (json_unpack_ex(root, &err, 0, "{s:F}", "carbonIntensity", &v) != 0) {
        ct__why_add(why, why_len, "no carbonIntensity number in the reply (%s)", err.text);
        service_message(root, why, why_len);
        goto cleanup;
    }
    if (!valid_value(v)) {
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
    if (zone != NULL)
        ct__printable_copy(out->zone, sizeof(out->zone), zone);
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

int ct__em_parse_forecast(const char *buf, size_t len, struct ct__ci_series *out, char *why,
                          size_t why_len)
{
    json_t *root = NULL, *arr;
    const char *zone = NULL;
    size_t i, skipped = 0;
    json_t *item;
    int rc = CT_EIO;

    if (out == NULL || (buf == NULL && len > 0))
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    root = ct__json_parse_object(buf, len, why, why_len);
    if (root == NULL)
        return CT_EIO;
    arr = json_object_get(root, "forecast");
    if (!json_is_array(arr)) {
        ct__why_add(why, why_len, "no forecast array in the reply");
        service_message(root, why, why_len);
        goto cleanup;
    }
    json_array_foreach(arr, i, item)
    {
        double v, t;
        const char *dt;
        if (json_unpack(item, "{s:F, s:s}", "carbonIntensity", &v, "datetime", &dt) != 0 ||
            !valid_value(v) || ct__parse_utc(dt, &t) != 0) {
            skipped++;
            continue;
        }
        if (ct__series_add(out, t, 0, v) != CT_OK) {
            rc = CT_ENOMEM;
            goto cleanup;
        }
    }
    if (out->n == 0) {
        ct__why_add(why, why_len, "the forecast has no usable values (%zu entries)",
                    json_array_size(arr));
        goto cleanup;
    }
    ct__series_finish(out, 3600);
    json_unpack(root, "{s?s}", "zone", &zone);
    if (zone != NULL)
        ct__printable_copy(out->label, sizeof(out->label), zone);
    (void)skipped;
    rc = CT_OK;
cleanup:
    if (rc != CT_OK)
        ct__series_free(out);
    json_decref(root);
    return rc;
}

/* ---- the provider ----------------------------------------------------------------------- */

static int has_key(const struct ct__carbon_cfg *cfg)
{
    return cfg != NULL && cfg->electricitymaps_key != NULL && cfg->electricitymaps_key[0] != '\0';
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
    if ((size_t)snprintf(header, sizeof(header), "auth-token: %s", cfg->electricitymaps_key) >=
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
    rc = ct__carbon_get(cfg, cfg->electricitymaps_url, path, headers, resp, why, why_len);
    if (rc == CT_EIO && (resp->status == 400 || resp->status == 404) && q[0] == 'l' &&
        query(loc, 1, q, sizeof(q)) == 0) {
        snprintf(path, sizeof(path), "/carbon-intensity/%s?%s", endpoint, q);
        rc = ct__carbon_get(cfg, cfg->electricitymaps_url, path, headers, resp, why, why_len);
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
    .suitable = em_suitable,
    .current = em_current,
    .forecast = em_forecast,
};
