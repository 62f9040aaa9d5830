/*
 * ukgrid.c - the Great Britain provider, National Grid ESO's carbonintensity.org.uk (no key):
 * regional values by postcode outward code when one is known (falling back to national), else
 * national; current slot and the fw24h/fw48h forecast. Suitable for GB (not Northern Ireland).
 */
#include "carbon/ukgrid.h"

#include "util/http.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_S 1800.0

/* The number in intensity.actual when the API has it, else intensity.forecast. */
static int slot_value(const json_t *slot, double *v)
{
    const json_t *in = json_object_get(slot, "intensity");
    const json_t *actual, *forecast;

    if (!json_is_object(in))
        return -1;
    actual = json_object_get(in, "actual");
    forecast = json_object_get(in, "forecast");
    if (json_is_number(actual))
        *v = json_number_value(actual);
    else if (json_is_number(forecast))
        *v = json_number_value(forecast);
    else
        return -1;
    return 0;
}

/* The slots: {"data": [slot...]} (national), {"data": [{"shortname": ..., "data": [slot...]}]}
 * (regional current) or {"data": {"shortname": ..., "data": [slot...]}} (regional from/to,
 * fw24h); the label is the region's short name, or "GB". */
static const json_t *data_slots(const json_t *root, struct ct__ci_series *out, char *why,
                                size_t why_len)
{
    const json_t *data = json_object_get(root, "data"), *slots = NULL, *region = NULL, *e;

    if (json_is_array(data)) {
        const json_t *first = json_array_get(data, 0);
        if (json_is_object(first) && json_object_get(first, "intensity") != NULL) {
            slots = data; /* national: data is the slots */
        } else if (json_is_object(first) && json_is_array(json_object_get(first, "data"))) {
            region = first; /* regional current: data is an array of regions */
            slots = json_object_get(first, "data");
        }
    } else if (json_is_object(data) && json_is_array(json_object_get(data, "data"))) {
        region = data; /* regional from/to and fw24h: data is one region */
        slots = json_object_get(data, "data");
    }
    if (slots == NULL) {
        if (json_is_array(data) && json_array_size(data) == 0)
            ct__why_add(why, why_len, "the reply has no data");
        else
            ct__why_add(why, why_len, "no intensity data in the reply");
        e = json_object_get(root, "error");
        ct__why_service_says(why, why_len, json_is_object(e) ? json_object_get(e, "message") : e);
        return NULL;
    }
    if (region != NULL) {
        const json_t *name = json_object_get(region, "shortname");
        if (json_is_string(name))
            ct__printable_copy(out->label, sizeof(out->label), json_string_value(name));
    } else {
        snprintf(out->label, sizeof(out->label), "GB");
    }
    return slots;
}

/* {"from": "...Z", "to": "...Z", "intensity": {"forecast": 180, "actual": 175}}; a slot without
 * "to" is SLOT_S long. */
static int data_slot(const json_t *entry, double *t_s, double *dur_s, double *g_per_kwh)
{
    const char *from = NULL, *to = NULL;
    double t_to;

    if (!json_is_object(entry) ||
        json_unpack((json_t *)entry, "{s:s, s?s}", "from", &from, "to", &to) != 0 ||
        ct__parse_utc(from, t_s) != 0 || slot_value(entry, g_per_kwh) != 0)
        return -1;
    *dur_s = SLOT_S;
    if (to != NULL && ct__parse_utc(to, &t_to) == 0 && t_to > *t_s)
        *dur_s = t_to - *t_s;
    return 0;
}

static const struct ct__series_format slots_format = {
    .want_object = 0,
    .entries = data_slots,
    .slot = data_slot,
    .default_dur_s = SLOT_S,
    .none_usable = "the reply has no usable intensity",
    .counted = "slots",
};

int ct__ukgrid_parse(const char *buf, size_t len, struct ct__ci_series *out, char *why,
                     size_t why_len)
{
    return ct__parse_series_reply(&slots_format, buf, len, out, why, why_len);
}

/* ---- the provider ----------------------------------------------------------------------- */

static int uk_suitable(const struct ct__carbon_cfg *cfg, const struct ct__location *loc)
{
    (void)cfg;
    return loc != NULL && strcmp(loc->country, "GB") == 0 &&
           (loc->zone[0] == '\0' || strcmp(loc->zone, "GB") == 0);
}

static int fetch(const struct ct__carbon_cfg *cfg, const char *path, struct ct__ci_series *out,
                 char *why, size_t why_len)
{
    return ct__carbon_fetch_series(cfg, ct__cfg_setting(cfg, "ukgrid", "url"), path,
                                   ct__ukgrid_parse, out, why, why_len);
}

static void describe(const struct ct__ci_point *p, const char *what, char *buf, size_t len)
{
    char from[24], to[24];

    ct__format_utc(p->t_s, "%Y-%m-%d %H:%M", from, sizeof(from));
    ct__format_utc(p->t_s + p->dur_s, "%H:%M", to, sizeof(to));
    snprintf(buf, len, "carbonintensity.org.uk, %s, %s-%s UTC.", what, from, to);
}

static int uk_current(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                      struct ct__intensity *out, char *why, size_t why_len)
{
    struct ct__ci_series s = {0};
    const struct ct__ci_point *p;
    char path[128], what[128];
    int rc = CT_EIO;

    if (out == NULL || loc == NULL)
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    if (loc->postcode[0] != '\0') {
        char sub[256] = "";
        snprintf(path, sizeof(path), "/regional/postcode/%s", loc->postcode);
        rc = fetch(cfg, path, &s, sub, sizeof(sub));
        if (rc == CT_OK && (p = ct__series_at(&s, ct__cfg_now(cfg))) != NULL) {
            out->g_per_kwh = p->g_per_kwh;
            out->time_s = p->t_s;
            snprintf(out->source, sizeof(out->source), "ukgrid:regional:%s", loc->postcode);
            snprintf(out->zone, sizeof(out->zone), "GB");
            snprintf(what, sizeof(what), "region %s (postcode %s)", s.label[0] ? s.label : "?",
                     loc->postcode);
            describe(p, what, out->description, sizeof(out->description));
            ct__series_free(&s);
            return CT_OK;
        }
        ct__series_free(&s);
        if (rc == CT_ESTOPPED || rc == CT_ENOMEM) {
            ct__why_add(why, why_len, "%s", sub);
            return rc;
        }
        ct__why_add(why, why_len, "regional (postcode %s): %s", loc->postcode, sub);
    }
    rc = fetch(cfg, "/intensity", &s, why, why_len);
    if (rc == CT_OK && (p = ct__series_at(&s, ct__cfg_now(cfg))) != NULL) {
        out->g_per_kwh = p->g_per_kwh;
        out->time_s = p->t_s;
        snprintf(out->source, sizeof(out->source), "ukgrid:national");
        snprintf(out->zone, sizeof(out->zone), "GB");
        describe(p, "national", out->description, sizeof(out->description));
    }
    ct__series_free(&s);
    return rc;
}

static int uk_forecast(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                       double window_s, struct ct__ci_series *out, char *why, size_t why_len)
{
    char from[24], path[160];
    const char *horizon = window_s <= 23.5 * 3600 ? "fw24h" : "fw48h";
    double now = ct__cfg_now(cfg);
    int rc;

    if (out == NULL || loc == NULL)
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    ct__format_utc(floor(now / SLOT_S) * SLOT_S, "%Y-%m-%dT%H:%MZ", from, sizeof(from));
    if (loc->postcode[0] != '\0') {
        char sub[256] = "";
        snprintf(path, sizeof(path), "/regional/intensity/%s/%s/postcode/%s", from, horizon,
                 loc->postcode);
        rc = fetch(cfg, path, out, sub, sizeof(sub));
        if (rc == CT_OK || rc == CT_ESTOPPED || rc == CT_ENOMEM) {
            if (rc != CT_OK)
                ct__why_add(why, why_len, "%s", sub);
            return rc;
        }
        ct__why_add(why, why_len, "regional (postcode %s): %s", loc->postcode, sub);
    }
    snprintf(path, sizeof(path), "/intensity/%s/%s", from, horizon);
    return fetch(cfg, path, out, why, why_len);
}

static const struct ct__setting_decl uk_settings[] = {
    {"url", "CARBONTRACKER_UKGRID_URL", "https://api.carbonintensity.org.uk", 0,
     "base URL of the carbonintensity.org.uk API (Great Britain)"},
    {NULL, NULL, NULL, 0, NULL},
};

static const char *const uk_zones[] = {"GB", NULL};

const struct ct__carbon_provider ct__provider_ukgrid = {
    .name = "ukgrid",
    .zones = uk_zones,
    .settings = uk_settings,
    .suitable = uk_suitable,
    .current = uk_current,
    .forecast = uk_forecast,
};
