/*
 * odre.c - the France provider, RTE eCO2mix through ODRE (no key): the latest taux_co2 of dataset
 * eco2mix-national-tr (a direct, production-based figure). No forecast: Energy-Charts has one
 * for FR.
 */
#include "carbon/odre.h"

#include "util/http.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define SLOT_S 900.0
#define RECORDS "/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records"

static const char *const odre_zones[] = {"FR", NULL};

static const json_t *results(const json_t *root, struct ct__ci_series *out, char *why,
                             size_t why_len)
{
    const json_t *arr = json_object_get(root, "results");

    (void)out;
    if (json_is_array(arr))
        return arr;
    ct__why_add(why, why_len, "no results in the reply");
    ct__why_service_says(why, why_len, json_object_get(root, "message"));
    return NULL;
}

static int result_slot(const json_t *rec, double *t_s, double *dur_s, double *g_per_kwh)
{
    const char *when = NULL;

    *dur_s = SLOT_S;
    if (json_unpack((json_t *)rec, "{s:s, s:F}", "date_heure", &when, "taux_co2", g_per_kwh) != 0 ||
        *g_per_kwh <= 0)
        return -1;
    return ct__parse_utc(when, t_s);
}

static const struct ct__series_format results_format = {
    .want_object = 1,
    .entries = results,
    .slot = result_slot,
    .default_dur_s = SLOT_S,
    .none_usable = "no usable taux_co2 records",
    .counted = "in the reply",
};

int ct__odre_parse(const char *buf, size_t len, struct ct__ci_series *out, char *why,
                   size_t why_len)
{
    return ct__parse_series_reply(&results_format, buf, len, out, why, why_len);
}

/* ---- the provider ----------------------------------------------------------------------- */

static int odre_suitable(const struct ct__carbon_cfg *cfg, const struct ct__location *loc)
{
    const struct ct__carbon_provider self = {.zones = odre_zones};
    (void)cfg;
    return ct__provider_serves(&self, ct__location_zone(loc));
}

static int odre_current(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                        struct ct__intensity *out, char *why, size_t why_len)
{
    struct ct__ci_series s = {0};
    const struct ct__ci_point *p;
    char when[32];
    int rc;

    if (out == NULL || loc == NULL)
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    rc = ct__carbon_fetch_series(cfg, ct__cfg_setting(cfg, "odre", "url"),
                                 RECORDS "?select=date_heure,taux_co2&where=taux_co2%20is%20not%"
                                         "20null&order_by=date_heure%20desc&limit=4&timezone=UTC",
                                 ct__odre_parse, &s, why, why_len);
    if (rc != CT_OK)
        return rc;
    p = &s.pts[s.n - 1];
    out->g_per_kwh = p->g_per_kwh;
    out->time_s = p->t_s;
    snprintf(out->zone, sizeof(out->zone), "FR");
    snprintf(out->source, sizeof(out->source), "odre:eco2mix");
    ct__format_utc(p->t_s, "%Y-%m-%d %H:%M UTC", when, sizeof(when));
    snprintf(out->description, sizeof(out->description), "RTE eCO2mix taux_co2 (ODRE), France, %s.",
             when);
    ct__series_free(&s);
    return CT_OK;
}

static const struct ct__setting_decl odre_settings[] = {
    {"url", "CARBONTRACKER_ODRE_URL", "https://odre.opendatasoft.com", 0,
     "base URL of ODRE, the French energy open-data portal (RTE eCO2mix, FR)"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct ct__carbon_provider ct__provider_odre = {
    .name = "odre",
    .zones = odre_zones,
    .settings = odre_settings,
    .suitable = odre_suitable,
    .current = odre_current,
};
