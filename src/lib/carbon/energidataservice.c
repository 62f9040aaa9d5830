/*
 * energidataservice.c - the Denmark provider, Energi Data Service (no key): the latest realised
 * 5-minute value from dataset CO2Emis and the forecast from CO2EmisProg, for price area DK1 or DK2
 * when known, else the mean of both (as upstream).
 */
#include "carbon/energidataservice.h"

#include "util/http.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_S 300.0
#define DK1_DK2_BORDER_LON 10.95 /* the Great Belt: Funen (DK1) / Zealand (DK2) */

/* {"records": [{"Minutes5UTC": "...", "PriceArea": "DK1", "CO2Emission": 112.0}, ...]} */
static const json_t *records(const json_t *root, struct ct__ci_series *out, char *why,
                             size_t why_len)
{
    const json_t *arr = json_object_get(root, "records");

    (void)out;
    if (json_is_array(arr))
        return arr;
    ct__why_add(why, why_len, "no records in the reply");
    ct__why_service_says(why, why_len, json_object_get(root, "message"));
    return NULL;
}

static int record_slot(const json_t *rec, double *t_s, double *dur_s, double *g_per_kwh)
{
    const char *when = NULL;

    *dur_s = SLOT_S;
    if (json_unpack((json_t *)rec, "{s:s, s:F}", "Minutes5UTC", &when, "CO2Emission", g_per_kwh) !=
        0)
        return -1;
    return ct__parse_utc(when, t_s);
}

static const struct ct__series_format records_format = {
    .want_object = 0,
    .entries = records,
    .slot = record_slot,
    .default_dur_s = SLOT_S,
    .none_usable = "no usable records",
    .counted = "in the reply",
};

int ct__eds_parse(const char *buf, size_t len, struct ct__ci_series *out, char *why, size_t why_len)
{
    return ct__parse_series_reply(&records_format, buf, len, out, why, why_len);
}

const char *ct__eds_area(const struct ct__location *loc)
{
    if (loc == NULL)
        return NULL;
    if (strcmp(loc->zone, "DK-DK1") == 0)
        return "DK1";
    if (strcmp(loc->zone, "DK-DK2") == 0 || strcmp(loc->zone, "DK-BHM") == 0)
        return "DK2";
    if (loc->has_coords)
        return loc->lon < DK1_DK2_BORDER_LON ? "DK1" : "DK2";
    return NULL;
}

/* ---- the provider ----------------------------------------------------------------------- */

static int eds_suitable(const struct ct__carbon_cfg *cfg, const struct ct__location *loc)
{
    (void)cfg;
    return loc != NULL && strcmp(loc->country, "DK") == 0 &&
           (loc->zone[0] == '\0' || strcmp(loc->zone, "DK") == 0 ||
            strncmp(loc->zone, "DK-", 3) == 0);
}

/* "filter=<escaped {"PriceArea":[...]}>" for the location's area(s); returns how many. */
static int filter(const struct ct__location *loc, char *buf, size_t len)
{
    const char *area = ct__eds_area(loc);
    char json[64], esc[192];

    if (area != NULL)
        snprintf(json, sizeof(json), "{\"PriceArea\":[\"%s\"]}", area);
    else
        snprintf(json, sizeof(json), "{\"PriceArea\":[\"DK1\",\"DK2\"]}");
    ct__url_escape(json, esc, sizeof(esc));
    snprintf(buf, len, "filter=%s", esc);
    return area != NULL ? 1 : 2;
}

static int fetch(const struct ct__carbon_cfg *cfg, const char *path, struct ct__ci_series *out,
                 char *why, size_t why_len)
{
    return ct__carbon_fetch_series(cfg, ct__cfg_setting(cfg, "energidataservice", "url"), path,
                                   ct__eds_parse, out, why, why_len);
}

static int eds_current(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                       struct ct__intensity *out, char *why, size_t why_len)
{
    struct ct__ci_series s = {0};
    const struct ct__ci_point *p = NULL;
    const char *area = ct__eds_area(loc);
    char f[256], path[512], when[32];
    int areas, rc;

    if (out == NULL || loc == NULL)
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    areas = filter(loc, f, sizeof(f));
    snprintf(path, sizeof(path), "/dataset/CO2Emis?%s&sort=Minutes5UTC%%20DESC&limit=%d", f,
             4 * areas);
    rc = fetch(cfg, path, &s, why, why_len);
    if (rc != CT_OK)
        return rc;
    /* The latest slot that every area asked for has reported, else the latest. */
    for (size_t i = s.n; i-- > 0 && p == NULL;)
        if (s.pts[i].n >= areas)
            p = &s.pts[i];
    if (p == NULL)
        p = &s.pts[s.n - 1];
    out->g_per_kwh = p->g_per_kwh;
    out->time_s = p->t_s;
    snprintf(out->source, sizeof(out->source), "energidataservice:%s",
             area != NULL ? area : (p->n >= 2 ? "DK1+DK2" : "DK"));
    snprintf(out->zone, sizeof(out->zone), "%s", area != NULL ? area : "DK");
    ct__format_utc(p->t_s, "%Y-%m-%d %H:%M UTC", when, sizeof(when));
    snprintf(out->description, sizeof(out->description), "Energi Data Service CO2Emis, %s, %s.",
             area != NULL ? area : (p->n >= 2 ? "mean of DK1 and DK2" : "DK"), when);
    ct__series_free(&s);
    return CT_OK;
}

static int eds_forecast(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                        double window_s, struct ct__ci_series *out, char *why, size_t why_len)
{
    char f[256], path[640], from[24], to[24];
    double start = floor(ct__cfg_now(cfg) / SLOT_S) * SLOT_S;
    /* Three hours of margin: the service may read the times as Danish local time. */
    double end = start + (window_s > 0 ? window_s : 0) + 3 * 3600;
    int areas, rc;
    long limit;

    if (out == NULL || loc == NULL)
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    if (end > start + 72 * 3600)
        end = start + 72 * 3600;
    areas = filter(loc, f, sizeof(f));
    limit = ((long)((end - start) / SLOT_S) + 48) * areas;
    ct__format_utc(start, "%Y-%m-%dT%H:%M", from, sizeof(from));
    ct__format_utc(end, "%Y-%m-%dT%H:%M", to, sizeof(to));
    snprintf(path, sizeof(path),
             "/dataset/CO2EmisProg?start=%s&end=%s&%s&sort=Minutes5UTC%%20ASC&limit=%ld", from, to,
             f, limit);
    rc = fetch(cfg, path, out, why, why_len);
    if (rc != CT_OK)
        return rc;
    snprintf(out->label, sizeof(out->label), "%s",
             ct__eds_area(loc) != NULL ? ct__eds_area(loc) : "DK1+DK2");
    return CT_OK;
}

static const struct ct__setting_decl eds_settings[] = {
    {"url", "CARBONTRACKER_ENERGIDATASERVICE_URL", "https://api.energidataservice.dk", 0,
     "base URL of the Energi Data Service API (Denmark)"},
    {NULL, NULL, NULL, 0, NULL},
};

static const char *const eds_zones[] = {"DK", "DK-DK1", "DK-DK2", "DK-BHM", NULL};

const struct ct__carbon_provider ct__provider_energidataservice = {
    .name = "energidataservice",
    .zones = eds_zones,
    .settings = eds_settings,
    .suitable = eds_suitable,
    .current = eds_current,
    .forecast = eds_forecast,
};
