/*
 * eia.c - the EIA Open Data v2 provider: GET <base>/electricity/rto/fuel-type-data/data/ for the
 * zone's balancing authority over the last day, with the key in the query string (EIA's only way);
 * the request (mix_fetch.c) redacts it from every failure text.
 */
#include "carbon/eia.h"
#include "carbon/mix_fetch.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HOUR_S 3600.0
#define WINDOW_S (24 * HOUR_S) /* the request's window: the last day */

/* Electricity Maps zones of US balancing authorities; the EIA respondent is the part after the
 * last '-' (EIA-930 codes). */
static const char *const eia_zones[] = {
    "US-CAL-BANC", "US-CAL-CISO", "US-CAL-IID",  "US-CAL-LDWP",  "US-CAL-TIDC",  "US-CAR-CPLE",
    "US-CAR-CPLW", "US-CAR-DUK",  "US-CAR-SC",   "US-CAR-SCEG",  "US-CENT-SPA",  "US-CENT-SWPP",
    "US-FLA-FMPP", "US-FLA-FPC",  "US-FLA-FPL",  "US-FLA-GVL",   "US-FLA-JEA",   "US-FLA-SEC",
    "US-FLA-TAL",  "US-FLA-TEC",  "US-MIDA-PJM", "US-MIDW-AECI", "US-MIDW-LGEE", "US-MIDW-MISO",
    "US-NE-ISNE",  "US-NW-AVA",   "US-NW-BPAT",  "US-NW-CHPD",   "US-NW-DOPD",   "US-NW-GCPD",
    "US-NW-IPCO",  "US-NW-NEVP",  "US-NW-NWMT",  "US-NW-PACE",   "US-NW-PACW",   "US-NW-PGE",
    "US-NW-PSCO",  "US-NW-PSEI",  "US-NW-SCL",   "US-NW-TPWR",   "US-NW-WACM",   "US-NW-WAUW",
    "US-NY-NYIS",  "US-SE-SOCO",  "US-SW-AZPS",  "US-SW-EPE",    "US-SW-PNM",    "US-SW-SRP",
    "US-SW-TEPC",  "US-SW-WALC",  "US-TEN-TVA",  "US-TEX-ERCO",  NULL,
};

const char *ct__eia_respondent(const char *zone)
{
    if (zone == NULL)
        return NULL;
    for (const char *const *z = eia_zones; *z != NULL; z++)
        if (strcasecmp(*z, zone) == 0)
            return strrchr(*z, '-') + 1;
    return NULL;
}

int ct__eia_fuel(const char *code)
{
    static const struct {
        const char *code;
        int fuel;
    } map[] = {
        {"COL", CT__FUEL_COAL},    {"NG", CT__FUEL_GAS},      {"OIL", CT__FUEL_OIL},
        {"NUC", CT__FUEL_NUCLEAR}, {"SUN", CT__FUEL_SOLAR},   {"SNB", CT__FUEL_SOLAR},
        {"WND", CT__FUEL_WIND},    {"WAT", CT__FUEL_HYDRO},   {"GEO", CT__FUEL_GEOTHERMAL},
        {"BIO", CT__FUEL_BIOMASS}, {"BAT", CT__FUEL_STORAGE}, {"PS", CT__FUEL_STORAGE},
        {"OES", CT__FUEL_STORAGE},
    };
    if (code != NULL)
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
            if (strcmp(map[i].code, code) == 0)
                return map[i].fuel;
    return CT__FUEL_UNKNOWN; /* OTH, UNK and codes added later: assumed thermal */
}

/* A value as EIA gives it: a number or a numeric string; 0 with *v, or -1 (null, junk). */
static int number(const json_t *j, double *v)
{
    char *end;

    if (json_is_number(j)) {
        *v = json_number_value(j);
        return isfinite(*v) ? 0 : -1;
    }
    if (!json_is_string(j) || json_string_length(j) == 0)
        return -1;
    *v = strtod(json_string_value(j), &end);
    return *end == '\0' && isfinite(*v) ? 0 : -1;
}

/* "2026-08-21T10" (hour ending, UTC) -> the hour's start. */
static int period_start(const char *period, double *t_s)
{
    char iso[32];

    if (strlen(period) != 13 || period[10] != 'T')
        return -1;
    snprintf(iso, sizeof(iso), "%s:00Z", period);
    if (ct__parse_utc(iso, t_s) != 0)
        return -1;
    *t_s -= HOUR_S;
    return 0;
}

/* The service's complaint: {"error": "..."} or {"error": {"code": ..., "message": "..."}}. */
static void service_error(const json_t *root, char *why, size_t why_len)
{
    const json_t *e = json_object_get(root, "error");

    if (json_is_object(e))
        e = json_object_get(e, "message");
    ct__why_service_says(why, why_len, e);
}

int ct__eia_parse(const char *buf, size_t len, struct ct__mix_series *out, char *why,
                  size_t why_len)
{
    json_t *root;
    const json_t *data, *row;
    size_t i, used = 0;
    int rc;

    if (out == NULL || (buf == NULL && len > 0))
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    root = ct__json_parse_object(buf, len, why, why_len);
    if (root == NULL)
        return CT_EIO;
    rc = CT_EIO;
    data = json_object_get(json_object_get(root, "response"), "data");
    if (!json_is_array(data)) {
        ct__why_add(why, why_len, "no response.data array in the reply");
        service_error(root, why, why_len);
        goto cleanup;
    }
    json_array_foreach(data, i, row)
    {
        const char *period = NULL, *fuel = NULL;
        double t, v;
        struct ct__mix *m;
        if (json_unpack((json_t *)row, "{s:s, s:s}", "period", &period, "fueltype", &fuel) != 0 ||
            period_start(period, &t) != 0 || number(json_object_get(row, "value"), &v) != 0)
            continue;
        m = ct__mix_series_at(out, t, HOUR_S);
        if (m == NULL) {
            rc = CT_ENOMEM;
            goto cleanup;
        }
        ct__mix_add(m, ct__eia_fuel(fuel), v);
        used++;
    }
    if (used == 0) {
        ct__why_add(why, why_len, "no usable generation values (%zu rows)", json_array_size(data));
        goto cleanup;
    }
    ct__mix_series_sort(out);
    rc = CT_OK;
cleanup:
    if (rc != CT_OK)
        ct__mix_series_free(out);
    json_decref(root);
    return rc;
}

/* ---- the provider ----------------------------------------------------------------------- */

static const struct ct__setting_decl eia_settings[] = {
    {"url", "CARBONTRACKER_EIA_URL", "https://api.eia.gov/v2", 0,
     "base URL of the EIA Open Data API v2 (US balancing authorities)"},
    {"api_key", "EIA_API_KEY", NULL, 1,
     "EIA Open Data API key (free, eia.gov/opendata): live intensity of US balancing authorities"},
    CT__MIX_FACTORS_SETTING("CARBONTRACKER_EIA_FACTORS"),
    {NULL, NULL, NULL, 0, NULL},
};

static int eia_suitable(const struct ct__carbon_cfg *cfg, const struct ct__location *loc)
{
    const char *key = ct__cfg_setting(cfg, "eia", "api_key");
    return key != NULL && key[0] != '\0' && loc != NULL && ct__eia_respondent(loc->zone) != NULL;
}

static void eia_path(char *buf, size_t len, const char *key_esc, double now_s, const void *ba)
{
    char start[24];
    ct__format_utc(floor(now_s / HOUR_S) * HOUR_S - WINDOW_S, "%Y-%m-%dT%H", start, sizeof(start));
    snprintf(buf, len,
             "/electricity/rto/fuel-type-data/data/?api_key=%s&frequency=hourly&data%%5B0%%5D="
             "value&facets%%5Brespondent%%5D%%5B%%5D=%s&start=%s&sort%%5B0%%5D%%5Bcolumn%%5D="
             "period&sort%%5B0%%5D%%5Bdirection%%5D=desc&offset=0&length=5000",
             key_esc, (const char *)ba, start);
}

static int eia_current(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                       struct ct__intensity *out, char *why, size_t why_len)
{
    const char *ba = loc != NULL ? ct__eia_respondent(loc->zone) : NULL;
    if (out == NULL || ba == NULL)
        return CT_EINVAL;
    const struct ct__mix_request r = {
        .provider = "eia",
        .key_what = "EIA API key",
        .zone = loc->zone,
        .area = ba,
        .what = "EIA-930 hourly generation by fuel",
        .headers = NULL,
        .path = eia_path,
        .arg = ba,
        .parse = ct__eia_parse,
    };
    int rc = ct__mix_fetch_current(cfg, &r, ct__cfg_now(cfg), out, why, why_len);
    if (rc == CT_OK)
        ct__strlcpy(out->zone, loc->zone, sizeof(out->zone));
    return rc;
}

const struct ct__carbon_provider ct__provider_eia = {
    .name = "eia",
    .settings = eia_settings,
    .suitable = eia_suitable,
    .current = eia_current,
    .forecast = NULL, /* EIA-930 has demand forecasts only, no mix */
    .zones = eia_zones,
};
