/*
 * refresh.c - the carbon thread (see refresh.h). All network traffic of a tracker happens here;
 * the state it publishes is guarded by one mutex that is never held across a request, and stop
 * cancels the request in flight, so neither the epoch calls nor ct_stop wait for a server.
 */
#include "carbon/refresh.h"

#include "carbon/cloud.h"
#include "carbon/eia.h"
#include "carbon/entsoe.h"
#include "carbon/geolocate.h"
#include "util/http.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FORECAST_WINDOW_S (24 * 3600.0)
#define MAX_SAMPLES 100000
#define MAX_EVENTS 1000

/* Tried in this order: a configured Electricity Maps key first (the user asked for it), then the
 * free regional services. The table is the fallback, not in this list. */
const struct ct__carbon_provider *const ct__live_providers[] = {
    &ct__provider_electricitymaps,
    &ct__provider_ukgrid,
    &ct__provider_energidataservice,
    &ct__provider_energycharts, /* before ODRE for FR: its current value and forecast agree */
    &ct__provider_eirgrid,
    &ct__provider_odre,
    &ct__provider_eia,
    &ct__provider_entsoe,
    NULL,
};

const struct ct__setting_decl ct__carbon_settings[] = {
    {"stale_warn_s", "CARBONTRACKER_STALE_WARN_S", "10800", 0,
     "a live value older than this many seconds is used with a warning (0 = never warn)"},
    {"max_age_s", "CARBONTRACKER_MAX_AGE_S", "43200", 0,
     "a live value older than this many seconds is skipped (0 = no limit)"},
    {NULL, NULL, NULL, 0, NULL},
};

/* A setting's number of seconds: a decimal, 0 to 10 years. */
static int seconds_setting(const struct ct__settings *s, const char *key, double def, double *out,
                           char *errbuf, size_t errlen)
{
    const char *v = ct__settings_get(s, "carbon", key);
    char *end = NULL;
    double x;

    *out = def;
    if (v == NULL || v[0] == '\0')
        return CT_OK;
    errno = 0;
    x = strtod(v, &end);
    if (errno != 0 || end == v || *end != '\0' || !isfinite(x) || x < 0 || x > 3650 * 86400.0 ||
        strpbrk(v, "xXnNiI") != NULL) {
        if (errbuf != NULL && errlen > 0)
            ct__fmt(errbuf, errlen,
                    "carbon.%s must be a number of seconds from 0 (no limit) to 315360000, got "
                    "'%.40s'",
                    key, v);
        return CT_EINVAL;
    }
    *out = x;
    return CT_OK;
}

int ct__carbon_age_limits(const struct ct__settings *s, double *warn_s, double *max_s, char *errbuf,
                          size_t errlen)
{
    int rc = seconds_setting(s, "stale_warn_s", CT__STALE_WARN_S, warn_s, errbuf, errlen);
    if (rc == CT_OK)
        rc = seconds_setting(s, "max_age_s", CT__STALE_MAX_S, max_s, errbuf, errlen);
    return rc;
}

/* The cfg a provider is called with: the thread's, with the provider's own state. */
static struct ct__carbon_cfg provider_cfg(const struct ct__carbon *c, size_t i)
{
    struct ct__carbon_cfg cfg = c->o.cfg;
    cfg.state = c->pstate != NULL ? c->pstate[i] : NULL;
    return cfg;
}

static size_t n_live_providers(void)
{
    size_t n = 0;
    while (ct__live_providers[n] != NULL)
        n++;
    return n;
}

/* Allocate each provider's state (on the carbon thread, before its first call). A state that
 * cannot be allocated leaves its provider stateless (NULL): it still answers, uncached. */
static void alloc_states(struct ct__carbon *c)
{
    size_t n = n_live_providers();

    c->pstate = calloc(n ? n : 1, sizeof(*c->pstate));
    for (size_t i = 0; c->pstate != NULL && i < n; i++)
        if (ct__live_providers[i]->state_size > 0)
            c->pstate[i] = calloc(1, ct__live_providers[i]->state_size);
}

static void free_states(struct ct__carbon *c)
{
    if (c->pstate == NULL)
        return;
    for (size_t i = 0; ct__live_providers[i] != NULL; i++) {
        if (c->pstate[i] != NULL && ct__live_providers[i]->state_free != NULL)
            ct__live_providers[i]->state_free(c->pstate[i]);
        free(c->pstate[i]);
    }
    free(c->pstate);
    c->pstate = NULL;
}

void ct__carbon_init(struct ct__carbon *c)
{
    pthread_condattr_t ca;

    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cond, &ca);
    pthread_condattr_destroy(&ca);
    c->inited = 1;
}

/* Queue a message (under lock). */
static void event(struct ct__carbon *c, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void event(struct ct__carbon *c, int kind, const char *fmt, ...)
{
    struct ct__carbon_event *e;
    char raw[2048];
    va_list ap;

    if (c->n_events >= MAX_EVENTS)
        return;
    if (c->n_events == c->cap_events) {
        size_t cap = c->cap_events ? c->cap_events * 2 : 16;
        struct ct__carbon_event *p = realloc(c->events, cap * sizeof(*p));
        if (p == NULL)
            return;
        c->events = p;
        c->cap_events = cap;
    }
    e = &c->events[c->n_events++];
    e->kind = kind;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    /* Every provider's reasons and fields reach the console through here: redact the secrets
     * (before any cut, so no piece survives), escape control bytes, bound the length. */
    ct__settings_redact(&c->settings, raw);
    ct__sanitize_text(e->text, sizeof(e->text), raw, sizeof(raw));
    explicit_bzero(raw, sizeof(raw));
}

/* What a provider copied from a reply is checked here, once for every provider: the zone must be
 * a zone code (else it is dropped), the texts are redacted and made safe to show. */
static void clean_intensity(const struct ct__carbon *c, struct ct__intensity *ci)
{
    if (!ct__valid_zone_code(ci->zone))
        ci->zone[0] = '\0';
    ct__settings_clean(&c->settings, ci->source, sizeof(ci->source));
    ct__settings_clean(&c->settings, ci->description, sizeof(ci->description));
}

static void clean_location(const struct ct__carbon *c, struct ct__location *loc)
{
    ct__settings_clean(&c->settings, loc->address, sizeof(loc->address));
    ct__settings_clean(&c->settings, loc->tzname, sizeof(loc->tzname));
    if (!ct__valid_zone_code(loc->zone))
        loc->zone[0] = '\0';
}

/* Record a value coming into force (under lock). */
static void add_sample(struct ct__carbon *c, const struct ct__intensity *ci, int live)
{
    struct ct__carbon_sample *s;

    if (c->n_samples >= MAX_SAMPLES)
        return;
    if (c->n_samples == c->cap_samples) {
        size_t cap = c->cap_samples ? c->cap_samples * 2 : 32;
        struct ct__carbon_sample *p = realloc(c->samples, cap * sizeof(*p));
        if (p == NULL)
            return;
        c->samples = p;
        c->cap_samples = cap;
    }
    s = &c->samples[c->n_samples++];
    memset(s, 0, sizeof(*s));
    s->t_s = ct__cfg_now(&c->o.cfg);
    s->g_per_kwh = ci->g_per_kwh;
    s->live = live;
    ct__strlcpy(s->source, ci->source, sizeof(s->source));
    ct__strlcpy(s->zone, ci->zone[0] ? ci->zone : c->loc.zone, sizeof(s->zone));
}

static void table_value(const struct ct__location *loc, struct ct__intensity *ci)
{
    if (ct__provider_table.current(NULL, loc, ci, NULL, 0) != CT_OK) {
        memset(ci, 0, sizeof(*ci));
        ci->g_per_kwh = CT__WORLD_INTENSITY_G_PER_KWH;
        ci->is_default = 1;
        ci->year = 2019;
        ct__strlcpy(ci->source, "default:world:2019", sizeof(ci->source));
    }
}

/* Why no live provider answers for loc. */
static void no_source_reason(const struct ct__carbon *c, const struct ct__location *loc, char *buf,
                             size_t len)
{
    const char *key = ct__cfg_setting(&c->o.cfg, "electricitymaps", "api_key");

    if (key != NULL && key[0] != '\0')
        snprintf(buf, len, "the location is unknown (give a zone or coordinates)");
    else if (loc->method == CT__LOC_NONE)
        snprintf(buf, len,
                 "the location is unknown, and outside the zones with a keyless source "
                 "(carbontracker --zones lists them) live data needs an Electricity Maps API key "
                 "(--api_keys '{\"electricitymaps\": \"KEY\"}' or ELECTRICITYMAPS_API_KEY)");
    else if (ct__eia_respondent(loc->zone) != NULL)
        snprintf(buf, len,
                 "no live source for %s without a free EIA API key (--api_keys '{\"eia\": "
                 "\"KEY\"}' or EIA_API_KEY; https://www.eia.gov/opendata/register.php) or an "
                 "Electricity Maps API key",
                 loc->zone);
    else if (ct__entsoe_area(ct__location_zone(loc)) != NULL)
        snprintf(buf, len,
                 "no live source for %s without a free ENTSO-E security token (--api_keys "
                 "'{\"entsoe\": \"TOKEN\"}' or ENTSOE_API_KEY; ask transparency@entsoe.eu for "
                 "RESTful API access) or an Electricity Maps API key",
                 ct__location_zone(loc));
    else
        snprintf(buf, len,
                 "no live source for %s without an Electricity Maps API key (--api_keys "
                 "'{\"electricitymaps\": \"KEY\"}' or ELECTRICITYMAPS_API_KEY; carbontracker "
                 "--zones lists the zones with a keyless source)",
                 loc->zone[0] ? loc->zone : loc->country);
}

/* libcurl is loaded by the first request, on this thread. Without it live data is unavailable:
 * one warning, the table value stays in force and the thread ends (CT_ESTOPPED). */
static int need_curl(struct ct__carbon *c)
{
    char why[256] = "";

    if (ct__http_load(why, sizeof(why)) == CT_OK)
        return CT_OK;
    pthread_mutex_lock(&c->lock);
    event(c, CT__CEV_WARN,
          "Live carbon intensity is unavailable: libcurl could not be loaded (%s); install it "
          "(Debian package %s). Using %.2f gCO2/kWh from %s.",
          why, CT__CURL_PACKAGE, c->cur.g_per_kwh, c->cur.source);
    c->forecast_expected = 0;
    snprintf(c->forecast_why, sizeof(c->forecast_why), "libcurl (%s) is not installed",
             CT__CURL_LIBRARY);
    pthread_mutex_unlock(&c->lock);
    return CT_ESTOPPED;
}

/* A location found on this thread comes into force, with its table value while nothing live was
 * fetched (under lock). What came from a reply is cleaned first (nl is changed). */
static void take_location(struct ct__carbon *c, struct ct__location *nl)
{
    clean_location(c, nl);
    c->loc = *nl;
    if (!c->have_live) {
        struct ct__intensity ci;
        table_value(nl, &ci);
        if (ci.g_per_kwh != c->cur.g_per_kwh || strcmp(ci.source, c->cur.source) != 0) {
            c->cur = ci;
            add_sample(c, &ci, 0);
        }
    }
}

/* Geolocate once when nothing explicit was given. Returns CT_ESTOPPED when cancelled. */
static int geolocate(struct ct__carbon *c, struct ct__location *loc)
{
    struct ct__geo geo;
    struct ct__location nl;
    char why[512] = "";
    int rc;

    c->geo_done = 1;
    if (loc->method != CT__LOC_NONE && loc->method != CT__LOC_TIMEZONE)
        return CT_OK;
    if (need_curl(c) != CT_OK)
        return CT_ESTOPPED;
    rc = ct__geolocate(&c->o.cfg, &geo, why, sizeof(why));
    if (rc == CT_ESTOPPED)
        return rc;
    pthread_mutex_lock(&c->lock);
    if (rc != CT_OK) {
        event(c, CT__CEV_NOTE, "Failed to retrieve location based on IP (%s); using %s.", why,
              loc->address);
        pthread_mutex_unlock(&c->lock);
        return CT_OK;
    }
    ct__geo_location(&geo, &nl);
    take_location(c, &nl);
    event(c, CT__CEV_NOTE, "Location: %s (from IP geolocation%s%s).", nl.address,
          nl.postcode[0] ? ", postcode " : "", nl.postcode);
    pthread_mutex_unlock(&c->lock);
    *loc = nl;
    return CT_OK;
}

/* Ask the cloud's metadata service for the region when nothing explicit was given; a region found
 * is the location, and IP geolocation is not needed. Returns CT_ESTOPPED when cancelled. */
static int detect_cloud(struct ct__carbon *c, struct ct__location *loc)
{
    const struct ct__cloud_region_entry *e = NULL;
    struct ct__location nl;
    char why[512] = "";
    int rc;

    c->cloud_done = 1;
    if (loc->method != CT__LOC_NONE && loc->method != CT__LOC_TIMEZONE)
        return CT_OK;
    if (need_curl(c) != CT_OK)
        return CT_ESTOPPED;
    rc = ct__cloud_detect(&c->o.cfg, &e, why, sizeof(why));
    if (rc == CT_ESTOPPED)
        return rc;
    if (rc != CT_OK) {
        pthread_mutex_lock(&c->lock);
        if (strstr(why, "is not in carbontracker's table") != NULL)
            event(c, CT__CEV_NOTE, "Cloud region: %s; give --zone.", why);
        pthread_mutex_unlock(&c->lock);
        return CT_OK;
    }
    ct__cloud_location(e, CT__LOC_CLOUD, "from the instance metadata service", &nl);
    pthread_mutex_lock(&c->lock);
    take_location(c, &nl);
    event(c, CT__CEV_NOTE, "Location: %s, %s.", nl.address, e->location);
    pthread_mutex_unlock(&c->lock);
    *loc = nl;
    c->geo_done = 1;
    return CT_OK;
}

/* Fetch the current value; returns CT_ESTOPPED when cancelled, else 1 when some live provider is
 * suitable and 0 when none is. */
static int refresh_current(struct ct__carbon *c, const struct ct__location *loc)
{
    char reasons[1024] = "", why[512];
    struct ct__intensity ci;
    int any = 0;

    for (size_t i = 0; ct__live_providers[i] != NULL; i++) {
        const struct ct__carbon_provider *p = ct__live_providers[i];
        struct ct__carbon_cfg pcfg = provider_cfg(c, i);
        double age_s;
        int rc;
        if (!p->suitable(&pcfg, loc))
            continue;
        if (!any && need_curl(c) != CT_OK)
            return CT_ESTOPPED;
        any = 1;
        why[0] = '\0';
        rc = p->current(&pcfg, loc, &ci, why, sizeof(why));
        if (rc == CT_ESTOPPED)
            return rc;
        age_s = ci.time_s > 0 ? ct__cfg_now(&c->o.cfg) - ci.time_s : 0;
        if (rc == CT_OK && c->o.max_age_s > 0 && age_s > c->o.max_age_s) {
            char a[32], m[32];
            ct__fmt_age(age_s, a, sizeof(a));
            ct__fmt_age(c->o.max_age_s, m, sizeof(m));
            ct__why_add(reasons, sizeof(reasons),
                        "%s: the newest value, %.2f gCO2/kWh, is %s old (more than %s: skipped)",
                        p->name, ci.g_per_kwh, a, m);
            continue;
        }
        if (rc == CT_OK) {
            pthread_mutex_lock(&c->lock);
            clean_intensity(c, &ci);
            if (c->o.stale_warn_s > 0 && age_s > c->o.stale_warn_s) {
                char a[32];
                ct__fmt_age(age_s, a, sizeof(a));
                event(c, c->stale_told ? CT__CEV_NOTE : CT__CEV_WARN,
                      "Carbon intensity %.2f gCO2/kWh from %s is %s old (the newest the source "
                      "has); using it.",
                      ci.g_per_kwh, ci.source, a);
                c->stale_told = 1;
            }
            c->cur = ci;
            c->have_live = 1;
            add_sample(c, &ci, 1);
            event(c, CT__CEV_LOG, "Carbon intensity: %.2f gCO2/kWh at %s", ci.g_per_kwh,
                  loc->address);
            if (reasons[0] != '\0' || why[0] != '\0')
                event(c, CT__CEV_NOTE, "Carbon intensity %.2f gCO2/kWh from %s (%s%s%s).",
                      ci.g_per_kwh, ci.source, reasons, reasons[0] && why[0] ? "; " : "", why);
            if (c->failing)
                event(c, CT__CEV_NOTE, "Carbon intensity is live again: %.2f gCO2/kWh from %s.",
                      ci.g_per_kwh, ci.source);
            c->failing = 0;
            pthread_mutex_unlock(&c->lock);
            return 1;
        }
        ct__why_add(reasons, sizeof(reasons), "%s: %s", p->name, why[0] ? why : ct_strerror(rc));
    }

    pthread_mutex_lock(&c->lock);
    if (!any) {
        char r[512];
        no_source_reason(c, loc, r, sizeof(r));
        ct__strlcpy(reasons, r, sizeof(reasons));
    }
    if (c->have_live) {
        char when[32] = "";
        for (size_t i = c->n_samples; i-- > 0;)
            if (c->samples[i].live) {
                ct__format_utc(c->samples[i].t_s, "%H:%M:%S", when, sizeof(when));
                break;
            }
        event(c, c->failure_told ? CT__CEV_NOTE : CT__CEV_WARN,
              "Failed to retrieve carbon intensity (%s); keeping the last value fetched, %.2f "
              "gCO2/kWh from %s at %s UTC.",
              reasons, c->cur.g_per_kwh, c->cur.source, when);
    } else {
        char repr[64];
        ct__fmt_repr(c->cur.g_per_kwh, repr, sizeof(repr));
        event(c, c->failure_told ? CT__CEV_NOTE : CT__CEV_WARN,
              "Failed to retrieve carbon intensity: Defaulting to average carbon intensity %s "
              "gCO2/kWh. Reason: %s.",
              repr, reasons);
    }
    c->failure_told = 1;
    c->failing = 1;
    pthread_mutex_unlock(&c->lock);
    return any;
}

/* Fetch the forecast; CT_ESTOPPED when cancelled, else CT_OK. */
static int refresh_forecast(struct ct__carbon *c, const struct ct__location *loc)
{
    char reasons[512] = "", why[512];
    struct ct__ci_series s;
    int expected = 0;

    /* Say at once that a forecast is coming, so a prediction made meanwhile says it fell back. */
    for (const struct ct__carbon_provider *const *pp = ct__live_providers; *pp; pp++)
        expected |= (*pp)->forecast != NULL && (*pp)->suitable(&c->o.cfg, loc);
    pthread_mutex_lock(&c->lock);
    c->forecast_expected |= expected;
    pthread_mutex_unlock(&c->lock);
    for (size_t i = 0; ct__live_providers[i] != NULL; i++) {
        const struct ct__carbon_provider *p = ct__live_providers[i];
        struct ct__carbon_cfg pcfg = provider_cfg(c, i);
        int rc;
        if (p->forecast == NULL || !p->suitable(&pcfg, loc))
            continue;
        why[0] = '\0';
        memset(&s, 0, sizeof(s));
        rc = p->forecast(&pcfg, loc, FORECAST_WINDOW_S, &s, why, sizeof(why));
        if (rc == CT_ESTOPPED) {
            ct__series_free(&s);
            return rc;
        }
        if (rc == CT_OK) {
            pthread_mutex_lock(&c->lock);
            ct__settings_clean(&c->settings, s.label, sizeof(s.label));
            ct__series_move(&c->forecast, &s);
            snprintf(c->forecast_source, sizeof(c->forecast_source), "%s%s%s", p->name,
                     c->forecast.label[0] ? ":" : "", c->forecast.label);
            c->forecast_expected = 1;
            c->forecast_why[0] = '\0';
            pthread_mutex_unlock(&c->lock);
            return CT_OK;
        }
        ct__series_free(&s);
        ct__why_add(reasons, sizeof(reasons), "%s: %s", p->name, why[0] ? why : ct_strerror(rc));
    }
    pthread_mutex_lock(&c->lock);
    c->forecast_expected = expected;
    ct__strlcpy(c->forecast_why, reasons, sizeof(c->forecast_why));
    ct__settings_clean(&c->settings, c->forecast_why, sizeof(c->forecast_why));
    if (expected && !c->forecast_told) {
        event(c, CT__CEV_NOTE, "No carbon intensity forecast (%s).", reasons);
        c->forecast_told = 1;
    }
    pthread_mutex_unlock(&c->lock);
    return CT_OK;
}

/* One refresh. Returns 1 to keep refreshing, 0 when there is nothing to fetch, -1 when stopped. */
static int cycle(struct ct__carbon *c)
{
    struct ct__location loc;
    int want, rc;

    pthread_mutex_lock(&c->lock);
    loc = c->loc;
    if (c->settings_changed) { /* only this thread reads its settings: take the new ones */
        struct ct__settings fresh = {0};
        if (ct__settings_copy(&fresh, &c->pending) == CT_OK) {
            ct__settings_free(&c->settings);
            c->settings = fresh;
            c->settings_changed = 0;
            c->failure_told = 0; /* a failure with a new key is news */
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (!c->cloud_done && detect_cloud(c, &loc) == CT_ESTOPPED)
        return -1;
    if (!c->geo_done && geolocate(c, &loc) == CT_ESTOPPED)
        return -1;
    rc = refresh_current(c, &loc);
    if (rc < 0)
        return -1;
    pthread_mutex_lock(&c->lock);
    want = c->want_forecast;
    pthread_mutex_unlock(&c->lock);
    if (rc > 0 && want && refresh_forecast(c, &loc) == CT_ESTOPPED)
        return -1;
    return rc > 0;
}

static void deadline_after(struct timespec *ts, double s)
{
    double whole = floor(s);
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += (time_t)whole;
    ts->tv_nsec += (long)((s - whole) * 1e9);
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *carbon_main(void *arg)
{
    struct ct__carbon *c = arg;
    struct timespec cpu;

    alloc_states(c);
    pthread_mutex_lock(&c->lock);
    while (!c->stop) {
        int more;
        pthread_mutex_unlock(&c->lock);
        more = cycle(c);
        pthread_mutex_lock(&c->lock);
        c->cycles++;
        pthread_cond_broadcast(&c->cond);
        if (more < 0)
            break;
        if (more == 0) {
            while (!c->stop && !c->kick)
                pthread_cond_wait(&c->cond, &c->lock);
        } else {
            struct timespec until;
            int rc = 0;
            deadline_after(&until, c->o.refresh_s);
            while (!c->stop && !c->kick && rc != ETIMEDOUT)
                rc = pthread_cond_timedwait(&c->cond, &c->lock, &until);
        }
        c->kick = 0;
    }
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
        c->cpu_s = (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9;
    c->exited = 1;
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

int ct__carbon_start(struct ct__carbon *c, const struct ct__carbon_opts *o,
                     const struct ct__location *loc, const struct ct__intensity *table_value_in)
{
    int rc;

    pthread_mutex_lock(&c->lock);
    c->o = *o;
    c->o.cfg.http = NULL;
    /* The thread's own copy of the settings (ct__carbon_set_setting changes them while it runs),
     * and the copy that callers change. */
    ct__settings_free(&c->settings);
    ct__settings_free(&c->pending);
    if (ct__settings_copy(&c->settings, o->cfg.settings) != CT_OK ||
        ct__settings_copy(&c->pending, o->cfg.settings) != CT_OK) {
        pthread_mutex_unlock(&c->lock);
        return CT_ENOMEM;
    }
    c->o.cfg.settings = &c->settings;
    c->want_forecast = o->want_forecast;
    c->loc = *loc;
    c->cur = *table_value_in;
    c->have_live = 0;
    add_sample(c, table_value_in, 0);
    pthread_mutex_unlock(&c->lock);
    if (!o->live)
        return CT_OK;
    rc = ct__http_new(&c->http);
    if (rc == CT_ENOMEM)
        return rc;
    if (rc != CT_OK) {
        pthread_mutex_lock(&c->lock);
        event(c, CT__CEV_WARN, "Live carbon intensity is off: no HTTP client; using %s.",
              table_value_in->source);
        pthread_mutex_unlock(&c->lock);
        return CT_OK;
    }
    c->o.cfg.http = c->http;
    c->started_ns = ct__now_ns();
    if (pthread_create(&c->thread, NULL, carbon_main, c) != 0) {
        ct__http_free(c->http);
        c->http = NULL;
        c->o.cfg.http = NULL;
        pthread_mutex_lock(&c->lock);
        event(c, CT__CEV_WARN,
              "Live carbon intensity is off: could not start its thread; using %s.",
              table_value_in->source);
        pthread_mutex_unlock(&c->lock);
        return CT_OK;
    }
    c->running = 1;
    return CT_OK;
}

int ct__carbon_set_setting(struct ct__carbon *c, const char *backend, const char *key,
                           const char *value)
{
    pthread_mutex_lock(&c->lock);
    int rc = ct__settings_set(&c->pending, backend, key, value);
    if (rc == CT_OK) {
        c->settings_changed = 1;
        c->kick = 1;
        pthread_cond_broadcast(&c->cond);
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

void ct__carbon_stop(struct ct__carbon *c)
{
    int unanswered;

    if (!c->inited || !c->running)
        return;
    pthread_mutex_lock(&c->lock);
    /* The first fetch has not ended (a hung or slow service) and nothing live came: the run used
     * the table's value all along, which the user is told once. */
    unanswered = c->cycles == 0 && !c->have_live;
    c->stop = 1;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    ct__http_cancel(c->http);
    pthread_join(c->thread, NULL);
    c->running = 0;
    if (unanswered) {
        pthread_mutex_lock(&c->lock);
        event(c, CT__CEV_WARN,
              "The carbon-intensity service did not answer within the %.1f s the run lasted (its "
              "timeout is %.0f s); the run used %.2f gCO2/kWh from %s.",
              (double)(ct__now_ns() - c->started_ns) / 1e9, c->o.cfg.timeout_ms / 1000.0,
              c->cur.g_per_kwh, c->cur.source);
        pthread_mutex_unlock(&c->lock);
    }
}

void ct__carbon_free(struct ct__carbon *c)
{
    if (!c->inited)
        return;
    ct__carbon_stop(c);
    ct__http_free(c->http);
    c->http = NULL;
    free_states(c);
    ct__series_free(&c->forecast);
    ct__settings_free(&c->settings);
    ct__settings_free(&c->pending);
    free(c->samples);
    free(c->events);
    c->samples = NULL;
    c->events = NULL;
    c->n_samples = c->n_events = c->cap_samples = c->cap_events = 0;
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    c->inited = 0;
}

double ct__carbon_cpu_s(const struct ct__carbon *c)
{
    struct ct__carbon *m = (struct ct__carbon *)c; /* the lock guards readers too */
    struct timespec ts;
    clockid_t clock;
    double s;

    if (!c->inited)
        return 0;
    pthread_mutex_lock(&m->lock);
    s = m->cpu_s;
    if (m->running && !m->exited && pthread_getcpuclockid(m->thread, &clock) == 0 &&
        clock_gettime(clock, &ts) == 0)
        s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    pthread_mutex_unlock(&m->lock);
    return s;
}

double ct__carbon_intensity_now(struct ct__carbon *c)
{
    double v;

    pthread_mutex_lock(&c->lock);
    v = c->cur.g_per_kwh;
    pthread_mutex_unlock(&c->lock);
    return v;
}

void ct__carbon_snapshot(struct ct__carbon *c, struct ct__location *loc, struct ct__intensity *ci,
                         int *have_live)
{
    pthread_mutex_lock(&c->lock);
    if (loc != NULL)
        *loc = c->loc;
    if (ci != NULL)
        *ci = c->cur;
    if (have_live != NULL)
        *have_live = c->have_live;
    pthread_mutex_unlock(&c->lock);
}

size_t ct__carbon_take_events(struct ct__carbon *c, struct ct__carbon_event **out)
{
    size_t n;

    pthread_mutex_lock(&c->lock);
    *out = c->events;
    n = c->n_events;
    c->events = NULL;
    c->n_events = c->cap_events = 0;
    pthread_mutex_unlock(&c->lock);
    return n;
}

size_t ct__carbon_samples(const struct ct__carbon *c, struct ct__carbon_sample **out)
{
    /* The lock guards readers too; the tracker is const to its summary functions. */
    struct ct__carbon *m = (struct ct__carbon *)c;
    size_t n;

    *out = NULL;
    if (!c->inited)
        return 0;
    pthread_mutex_lock(&m->lock);
    n = m->n_samples;
    if (n > 0) {
        *out = malloc(n * sizeof(**out));
        if (*out != NULL)
            memcpy(*out, m->samples, n * sizeof(**out));
        else
            n = 0;
    }
    pthread_mutex_unlock(&m->lock);
    return n;
}

int ct__carbon_forecast_mean(struct ct__carbon *c, double from_s, double window_s, double *mean,
                             double *covered_s, char *source, size_t source_len, int *expected,
                             char *why, size_t why_len)
{
    int rc = CT_ENOTSUP;

    pthread_mutex_lock(&c->lock);
    if (expected != NULL)
        *expected = c->forecast_expected || c->forecast.n > 0;
    if (ct__series_mean(&c->forecast, from_s, window_s, mean, covered_s) == 0) {
        if (source != NULL)
            ct__strlcpy(source, c->forecast_source, source_len);
        rc = CT_OK;
    } else if (why != NULL && why_len > 0) {
        if (c->forecast.n > 0)
            ct__strlcpy(why, "the forecast does not cover the predicted time", why_len);
        else if (c->forecast_why[0] != '\0')
            ct__strlcpy(why, c->forecast_why, why_len);
        else if (c->forecast_expected || c->running)
            ct__strlcpy(why, "no forecast was fetched yet", why_len);
        else
            why[0] = '\0';
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

size_t ct__carbon_forecast_copy(struct ct__carbon *c, struct ct__ci_series *out, char *source,
                                size_t source_len)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->forecast.n; i++)
        if (ct__series_add(out, c->forecast.pts[i].t_s, c->forecast.pts[i].dur_s,
                           c->forecast.pts[i].g_per_kwh) != CT_OK)
            break;
    ct__strlcpy(out->label, c->forecast.label, sizeof(out->label));
    ct__strlcpy(source, c->forecast_source, source_len);
    pthread_mutex_unlock(&c->lock);
    if (out->n != c->forecast.n) { /* out of memory: no advice rather than a partial one */
        ct__series_free(out);
        return 0;
    }
    return out->n;
}

void ct__carbon_forecast_done(struct ct__carbon *c)
{
    pthread_mutex_lock(&c->lock);
    c->want_forecast = 0;
    pthread_mutex_unlock(&c->lock);
}

void ct__carbon_kick(struct ct__carbon *c)
{
    pthread_mutex_lock(&c->lock);
    c->kick = 1;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

int ct__carbon_wait_cycles(struct ct__carbon *c, unsigned long n, double timeout_s)
{
    struct timespec until;
    int rc = 0;

    deadline_after(&until, timeout_s);
    pthread_mutex_lock(&c->lock);
    while (c->cycles < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&c->cond, &c->lock, &until);
    rc = c->cycles >= n ? 0 : -1;
    pthread_mutex_unlock(&c->lock);
    return rc;
}
