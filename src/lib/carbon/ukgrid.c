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
#define MAX_G_PER_KWH 5000.0

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
    return isfinite(*v) && *v >= 0 && *v <= MAX_G_PER_KWH ? 0 : -1;
}

static void service_error(const json_t *root, char *why, size_t why_len)
{
    const json_t *e = json_object_get(root, "error");
    const json_t *m = json_is_object(e) ? json_object_get(e, "message") : e;
    char shown[128];

    if (json_is_string(m)) {
        ct__printable_copy(shown, sizeof(shown), json_string_value(m));
        ct__why_add(why, why_len, "the service says \"%s\"", shown);
    }
}

int ct__ukgrid_parse(const char *buf, size_t len, struct ct__ci_series *out, char *why,
                     size_t why_len)
{
    json_t *root = NULL;
    const json_t *data, *slots = NULL, *region = NULL, *slot;
    size_t i;
    int rc = CT_EIO;

    if (out == NULL || (buf == NULL && len > 0))
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    root = ct__json_parse(buf, len, why, why_len);
    if (root == NULL)
        return CT_EIO;
    data = json_object_get(root, "data");
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
        service_error(root, why, why_len);
        goto cleanup;
    }
    json_array_foreach(slots, i, slot)
    {
        const char *from = NULL, *to = NULL;
        double t, t_to, v, dur = SLOT_S;
        if (!json_is_object(slot) ||
            json_unpack((json_t *)slot, "{s:s, s?s}", "from", &from, "to", &to) != 0 ||
            ct__parse_utc(from, &t) != 0 || slot_value(slot, &v) != 0)
            continue;
        if (to != NULL && ct__parse_utc(to, &t_to) == 0 && t_to > t)
            dur = t_to - t;
        if (ct__series_add(out, t, dur, v) != CT_OK) {
            rc = CT_ENOMEM;
            goto cleanup;
        }
    }
    if (out->n == 0) {
        ct__why_add(why, why_len, "the reply has no usable intensity (%zu slots)",
                    json_array_size(slots));
        goto cleanup;
    }
    ct__series_finish(out, SLOT_S);
    if (region != NULL) {
        const json_t *name = json_object_get(region, "shortname");
        if (json_is_string(name))
            ct__printable_copy(out->label, sizeof(out->label), json_string_value(name));
    } else {
        snprintf(out->label, sizeof(out->label), "GB");
    }
    rc = CT_OK;
cleanup:
    if (rc != CT_OK)
        ct__series_free(out);
    json_decref(root);
    return rc;
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
    return ct__carbon_fetch_series(cfg, cfg->ukgrid_url, path, ct__ukgrid_parse, out, why, why_len);
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

const struct ct__carbon_provider ct__provider_ukgrid = {
    .name = "ukgrid",
    .suitable = uk_suitable,
    .current = uk_current,
    .forecast = uk_forecast,
};
