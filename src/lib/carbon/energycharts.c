/*
 * energycharts.c - the Energy-Charts provider (Fraunhofer ISE, no key, CC BY 4.0): one request,
 * GET <url>/co2eq?country=de, answers both the current value (the latest actual slot) and the
 * forecast (actual slots, then co2eq_forecast). The reply is kept in the provider's state for
 * CACHE_S, so a refresh cycle asks once for both, and at most once per 15 minutes.
 */
#include "carbon/energycharts.h"

#include "util/http.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SLOT_S 900.0
#define CACHE_S 900.0 /* the service recalculates hourly; 15 minutes is its fair use */

/* The countries whose /co2eq answer was confirmed (doc/carbon.md); Electricity Maps codes. */
static const char *const ec_zones[] = {"DE", "FR", "AT", "CH", "NL", "BE", "FI", NULL};

static int is_null_or_number(const json_t *v)
{
    return v == NULL || json_is_null(v) || json_is_number(v);
}

/* The array `name` of root: NULL when absent or null; *bad when it is something else. */
static const json_t *array_of(const json_t *root, const char *name, int *bad)
{
    const json_t *a = json_object_get(root, name);
    if (a == NULL || json_is_null(a))
        return NULL;
    if (!json_is_array(a))
        *bad = 1;
    return json_is_array(a) ? a : NULL;
}

void ct__ec_reply_free(struct ct__ec_reply *r)
{
    if (r == NULL)
        return;
    ct__series_free(&r->actual);
    ct__series_free(&r->merged);
    r->n_forecast = 0;
    r->deprecated = 0;
}

int ct__ec_parse(const char *buf, size_t len, struct ct__ec_reply *out, char *why, size_t why_len)
{
    json_t *root;
    const json_t *times, *actual, *forecast;
    size_t n, usable = 0;
    int bad = 0, rc = ct__reply_open(buf, len, 1, out, sizeof(*out), &root, why, why_len);

    if (rc != CT_OK)
        return rc;
    rc = CT_EIO;
    times = array_of(root, "unix_seconds", &bad);
    actual = array_of(root, "co2eq", &bad);
    forecast = array_of(root, "co2eq_forecast", &bad);
    if (times == NULL || bad || (actual == NULL && forecast == NULL)) {
        ct__why_add(why, why_len, "no unix_seconds and co2eq arrays in the reply");
        ct__why_service_says(why, why_len, json_object_get(root, "detail"));
        goto cleanup;
    }
    n = json_array_size(times);
    if ((actual != NULL && json_array_size(actual) != n) ||
        (forecast != NULL && json_array_size(forecast) != n)) {
        ct__why_add(why, why_len, "co2eq has %zu and co2eq_forecast %zu values for %zu times",
                    actual ? json_array_size(actual) : 0, forecast ? json_array_size(forecast) : 0,
                    n);
        goto cleanup;
    }
    out->deprecated = json_is_true(json_object_get(root, "deprecated"));
    for (size_t i = 0; i < n; i++) {
        const json_t *t = json_array_get(times, i), *a = json_array_get(actual, i),
                     *f = json_array_get(forecast, i), *next = json_array_get(times, i + 1),
                     *prev = i > 0 ? json_array_get(times, i - 1) : NULL;
        double ts, dur = 0;
        if (!json_is_number(t) || !is_null_or_number(a) || !is_null_or_number(f))
            continue;
        ts = json_number_value(t);
        if (!isfinite(ts) || ts <= 0 || ts > 1e11)
            continue;
        if (json_is_number(next) && json_number_value(next) > ts)
            dur = json_number_value(next) - ts;
        else if (json_is_number(prev) && json_number_value(prev) < ts)
            dur = ts - json_number_value(prev);
        if (!(dur > 0) || dur > 86400)
            dur = DEFAULT_SLOT_S;
        if (json_is_number(a) && ct__valid_intensity(json_number_value(a))) {
            if (ct__series_add(&out->actual, ts, dur, json_number_value(a)) != CT_OK ||
                ct__series_add(&out->merged, ts, dur, json_number_value(a)) != CT_OK)
                goto nomem;
            usable++;
        } else if (json_is_number(f) && ct__valid_intensity(json_number_value(f))) {
            if (ct__series_add(&out->merged, ts, dur, json_number_value(f)) != CT_OK)
                goto nomem;
            out->n_forecast++;
            usable++;
        }
    }
    if (usable == 0) {
        ct__why_add(why, why_len, "the reply has no usable co2eq values (%zu times)", n);
        goto cleanup;
    }
    ct__series_finish(&out->actual, DEFAULT_SLOT_S);
    ct__series_finish(&out->merged, DEFAULT_SLOT_S);
    rc = CT_OK;
    goto cleanup;
nomem:
    rc = CT_ENOMEM;
cleanup:
    if (rc != CT_OK)
        ct__ec_reply_free(out);
    json_decref(root);
    return rc;
}

const char *ct__ec_country(const char *zone, char *buf, size_t len)
{
    const struct ct__carbon_provider p = {.zones = ec_zones};

    if (zone == NULL || len < 3 || strlen(zone) != 2 || !ct__provider_serves(&p, zone))
        return NULL;
    buf[0] = (char)(zone[0] | 0x20);
    buf[1] = (char)(zone[1] | 0x20);
    buf[2] = '\0';
    return buf;
}

/* ---- the provider ----------------------------------------------------------------------- */

/* What the provider keeps between calls: the last reply, for one country, CACHE_S long. */
struct ec_state {
    char country[4];
    double fetched_s;
    struct ct__ec_reply reply;
    int have, deprecated_told;
};

static void ec_state_free(void *state)
{
    struct ec_state *st = state;
    ct__ec_reply_free(&st->reply);
    st->have = 0;
}

static int ec_suitable(const struct ct__carbon_cfg *cfg, const struct ct__location *loc)
{
    char cc[4];
    (void)cfg;
    return ct__ec_country(ct__location_zone(loc), cc, sizeof(cc)) != NULL;
}

/* The reply for the location's country: the cached one while fresh, else a new request (kept
 * in the state when there is one). *r points into the state, or to `local` (caller frees). The
 * caller's result `out` (out_size bytes) is cleared first; CT_EINVAL when it or loc is NULL. */
static int get_reply(const struct ct__carbon_cfg *cfg, const struct ct__location *loc, void *out,
                     size_t out_size, struct ct__ec_reply *local, const struct ct__ec_reply **r,
                     char *cc, size_t cc_len, char *why, size_t why_len)
{
    struct ec_state *st = cfg != NULL ? cfg->state : NULL;
    double now = ct__cfg_now(cfg);
    char path[64];
    struct ct__http_response resp;
    static const char *const headers[] = {"Accept: application/json", NULL};
    int rc;

    if (out == NULL || loc == NULL)
        return CT_EINVAL;
    memset(out, 0, out_size);
    memset(local, 0, sizeof(*local));
    if (ct__ec_country(ct__location_zone(loc), cc, cc_len) == NULL) {
        ct__why_add(why, why_len, "Energy-Charts has no CO2 data for zone %s",
                    ct__location_zone(loc));
        return CT_EINVAL;
    }
    if (st != NULL && st->have && strcmp(st->country, cc) == 0 && now >= st->fetched_s &&
        now - st->fetched_s < CACHE_S) {
        *r = &st->reply;
        return CT_OK;
    }
    snprintf(path, sizeof(path), "/co2eq?country=%s", cc);
    rc = ct__carbon_get(cfg, ct__cfg_setting(cfg, "energycharts", "url"), path, headers, &resp, why,
                        why_len);
    if (rc != CT_OK)
        return rc;
    rc = ct__ec_parse(resp.body, resp.len, local, why, why_len);
    ct__http_response_free(&resp);
    if (rc != CT_OK)
        return rc;
    if (st == NULL) {
        *r = local;
        return CT_OK;
    }
    ct__ec_reply_free(&st->reply);
    st->reply = *local;
    memset(local, 0, sizeof(*local));
    snprintf(st->country, sizeof(st->country), "%s", cc);
    st->fetched_s = now;
    st->have = 1;
    *r = &st->reply;
    return CT_OK;
}

/* Say once per run (per call without state) that the service marks the endpoint deprecated. */
static void tell_deprecated(const struct ct__carbon_cfg *cfg, const struct ct__ec_reply *r,
                            char *why, size_t why_len)
{
    struct ec_state *st = cfg != NULL ? cfg->state : NULL;

    if (!r->deprecated || (st != NULL && st->deprecated_told))
        return;
    ct__why_add(why, why_len,
                "Energy-Charts marks /co2eq as deprecated: it may change or stop answering, and "
                "then the next source is used");
    if (st != NULL)
        st->deprecated_told = 1;
}

static int ec_current(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                      struct ct__intensity *out, char *why, size_t why_len)
{
    struct ct__ec_reply local;
    const struct ct__ec_reply *r = NULL;
    const struct ct__ci_point *p = NULL;
    double now = ct__cfg_now(cfg);
    char cc[4], when[32];
    int rc;

    rc = get_reply(cfg, loc, out, sizeof(*out), &local, &r, cc, sizeof(cc), why, why_len);
    if (rc != CT_OK)
        return rc;
    for (size_t i = 0; i < r->actual.n && r->actual.pts[i].t_s <= now; i++)
        p = &r->actual.pts[i];
    if (p == NULL) {
        ct__why_add(why, why_len, "the reply has no actual co2eq value before now (%zu slots)",
                    r->merged.n);
        ct__ec_reply_free(&local);
        return CT_EIO;
    }
    out->g_per_kwh = p->g_per_kwh;
    out->time_s = p->t_s;
    snprintf(out->zone, sizeof(out->zone), "%c%c", cc[0] & ~0x20, cc[1] & ~0x20);
    snprintf(out->source, sizeof(out->source), "energycharts:%s", out->zone);
    ct__format_utc(p->t_s, "%Y-%m-%d %H:%M UTC", when, sizeof(when));
    snprintf(out->description, sizeof(out->description),
             "Energy-Charts (Fraunhofer ISE) co2eq, %s, %s.", out->zone, when);
    tell_deprecated(cfg, r, why, why_len);
    ct__ec_reply_free(&local);
    return CT_OK;
}

static int ec_forecast(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                       double window_s, struct ct__ci_series *out, char *why, size_t why_len)
{
    struct ct__ec_reply local;
    const struct ct__ec_reply *r = NULL;
    char cc[4];
    int rc;

    (void)window_s; /* the service answers today and its whole forecast horizon */
    rc = get_reply(cfg, loc, out, sizeof(*out), &local, &r, cc, sizeof(cc), why, why_len);
    if (rc != CT_OK)
        return rc;
    if (r->n_forecast == 0) {
        ct__why_add(why, why_len, "the reply has no co2eq_forecast values (%zu slots)",
                    r->merged.n);
        ct__ec_reply_free(&local);
        return CT_EIO;
    }
    out->pts = malloc(r->merged.n * sizeof(*out->pts));
    if (out->pts == NULL) {
        ct__ec_reply_free(&local);
        return CT_ENOMEM;
    }
    memcpy(out->pts, r->merged.pts, r->merged.n * sizeof(*out->pts));
    out->n = out->cap = r->merged.n;
    snprintf(out->label, sizeof(out->label), "%c%c", cc[0] & ~0x20, cc[1] & ~0x20);
    ct__ec_reply_free(&local);
    return CT_OK;
}

static const struct ct__setting_decl ec_settings[] = {
    {"url", "CARBONTRACKER_ENERGYCHARTS_URL", "https://api.energy-charts.info", 0,
     "base URL of the Energy-Charts API (Fraunhofer ISE; DE, FR, AT, CH, NL, BE, FI)"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct ct__carbon_provider ct__provider_energycharts = {
    .name = "energycharts",
    .zones = ec_zones,
    .settings = ec_settings,
    .suitable = ec_suitable,
    .current = ec_current,
    .forecast = ec_forecast,
    .state_size = sizeof(struct ec_state),
    .state_free = ec_state_free,
};
