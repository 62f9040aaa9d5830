/*
 * advise.c - the greenest start (advise.h): the search over a forecast, and ct_advise(), which
 * asks each live provider that has a forecast for the location, in the order of
 * ct__live_providers, so a provider added there is used without more code.
 */
#include "advise.h"

#include "abi.h"
#include "carbon/refresh.h"
#include "grid.h"
#include "options.h"
#include "util/http.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The mean over [start, start + dur) when the slots cover all of it; -1 otherwise. */
static int covered_mean(const struct ct__ci_series *s, double start, double dur, double *mean)
{
    double cov = 0;
    if (ct__series_mean(s, start, dur, mean, &cov) != 0)
        return -1;
    return cov >= dur * (1 - 1e-9) ? 0 : -1;
}

int ct__advise_series(const struct ct__ci_series *s, double now_s, double duration_s,
                      struct ct__advice *out, char *why, size_t why_len)
{
    char d[32], h[32];
    memset(out, 0, sizeof(*out));
    out->now_g_per_kwh = out->saving_percent = NAN;
    if (!(duration_s > 0) || !isfinite(duration_s)) {
        ct__strlcpy(why, "the duration must be a positive number of seconds", why_len);
        return CT_EINVAL;
    }
    if (!s || s->n == 0) {
        ct__strlcpy(why, "the forecast is empty", why_len);
        return CT_EIO;
    }
    const struct ct__ci_point *last = &s->pts[s->n - 1];
    out->horizon_end_s = last->t_s + last->dur_s;

    int found = 0;
    double m;
    /* A start now, or at the first slot when the forecast begins shortly after now. */
    double now_start = now_s;
    if (s->pts[0].t_s > now_s && s->pts[0].t_s - now_s <= s->pts[0].dur_s)
        now_start = s->pts[0].t_s;
    if (covered_mean(s, now_start, duration_s, &m) == 0) {
        out->now_g_per_kwh = m;
        out->best_start_s = now_start;
        out->best_g_per_kwh = m;
        found = 1;
    }
    for (size_t i = 0; i < s->n; i++) {
        double t = s->pts[i].t_s;
        if (t <= now_start || covered_mean(s, t, duration_s, &m) != 0)
            continue;
        if (!found || m < out->best_g_per_kwh) {
            out->best_start_s = t;
            out->best_g_per_kwh = m;
        }
        found = 1;
    }
    if (!found) {
        double from = s->pts[0].t_s > now_s ? s->pts[0].t_s : now_s;
        ct_timestring(duration_s, 0, d, sizeof(d));
        if (out->horizon_end_s - from < duration_s * (1 - 1e-9)) {
            ct_timestring(out->horizon_end_s > from ? out->horizon_end_s - from : 0, 0, h,
                          sizeof(h));
            ct__fmt(why, why_len,
                    "the forecast covers only %s from now, less than the %s asked for", h, d);
        } else {
            ct__fmt(why, why_len,
                    "the forecast has gaps (missing or unusable slots): no %s without one", d);
        }
        return CT_EIO;
    }
    if (!isnan(out->now_g_per_kwh) && out->now_g_per_kwh > 0)
        out->saving_percent =
            (out->now_g_per_kwh - out->best_g_per_kwh) / out->now_g_per_kwh * 100.0;
    return CT_OK;
}

int ct__advise_cached(struct ct__carbon *c, double now_s, double duration_s, struct ct__advice *out,
                      char *source, size_t source_len, char *why, size_t why_len)
{
    struct ct__ci_series s;
    if (ct__carbon_forecast_copy(c, &s, source, source_len) == 0) {
        ct__strlcpy(why, "no forecast", why_len);
        return CT_ENOTSUP;
    }
    int rc = ct__advise_series(&s, now_s, duration_s, out, why, why_len);
    ct__series_free(&s);
    return rc;
}

/* Why no provider with a forecast suits the location: the keyless ones serve other zones
 * (named from the provider table, so a provider added there is named too), and those that
 * need a key have none. */
static void no_forecast_reason(const struct ct__location *loc, char *buf, size_t len)
{
    char keyless[256] = "", keyed[256] = "";
    for (const struct ct__carbon_provider *const *pp = ct__live_providers; *pp; pp++) {
        if ((*pp)->forecast == NULL)
            continue;
        char *list = ct__provider_needs_key(*pp) ? keyed : keyless;
        size_t n = strlen(list);
        snprintf(list + n, 256 - n, "%s%s", n ? ", " : "", (*pp)->name);
    }
    ct__fmt(buf, len,
            "no carbon intensity forecast for %s: the providers with forecasts that need no key "
            "(%s) do not serve it%s%s%s",
            loc->zone[0] ? loc->zone : "this location", keyless[0] ? keyless : "none",
            keyed[0] ? ", and " : "", keyed,
            keyed[0] ? " needs an API key (--api_keys '{\"<provider>\": \"KEY\"}', e.g. "
                       "ELECTRICITYMAPS_API_KEY for electricitymaps)"
                     : "");
}

static int fail(char *errbuf, size_t errlen, const char *text, int rc)
{
    if (errbuf && errlen)
        ct__strlcpy(errbuf, text, errlen);
    return rc;
}

CT_API int ct_advise(const ct_options *opts, double duration_s, double now_s, ct_advice *out,
                     char *errbuf, size_t errlen)
{
    struct ct__opts p;
    struct ct__grid g;
    struct ct__http *http = NULL;
    struct ct__ci_series s;
    char why[512] = "", reasons[1024] = "", msg[1536];
    int rc, tried = 0;
    size_t n = out ? ct__advice_size(out->version) : 0;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    ct__grid_init(&g);
    memset(&s, 0, sizeof(s));
    rc = ct__opts_init(&p, opts, errbuf, errlen);
    if (rc != CT_OK)
        goto done;
    if (!out || !n) {
        rc = fail(errbuf, errlen, "ct_advise needs a ct_advice whose version is CT_ADVICE_VERSION",
                  CT_EINVAL);
        goto done;
    }
    if (!(duration_s > 0) || !isfinite(duration_s) || duration_s > 14 * 86400.0) {
        rc = fail(errbuf, errlen,
                  "the duration must be more than 0 seconds and at most 14 days (forecasts "
                  "reach one to four days ahead)",
                  CT_EINVAL);
        goto done;
    }
    if (!p.o.live) {
        rc = fail(errbuf, errlen,
                  "the greenest start needs the live forecasts, and the options are offline "
                  "(--offline or CARBONTRACKER_OFFLINE): allow the network",
                  CT_ENOTSUP);
        goto done;
    }
    ct__grid_resolve(&g, &p, why, sizeof(why));
    if (g.loc.method == CT__LOC_NONE) {
        rc = fail(errbuf, errlen,
                  "the location is unknown: give the grid zone (--zone DK, CARBONTRACKER_ZONE), "
                  "coordinates or a GB postcode",
                  CT_EINVAL);
        goto done;
    }
    if (ct__http_load(why, sizeof(why)) != CT_OK || ct__http_new(&http) != CT_OK) {
        rc = fail(errbuf, errlen,
                  ct__fmt(msg, sizeof(msg),
                          "the forecasts cannot be fetched: libcurl could not be loaded (%s)", why),
                  CT_ENOTSUP);
        goto done;
    }
    double timeout_s = isnan(p.o.http_timeout_s) ? 10.0 : p.o.http_timeout_s;
    struct ct__carbon_cfg cfg = {
        .settings = &p.settings,
        .timeout_ms = (long)(timeout_s * 1000 < 1 ? 1 : timeout_s * 1000),
        .connect_timeout_ms = (long)(timeout_s * 1000 < 5000 ? timeout_s * 1000 : 5000),
        .http = http,
        .now_s = now_s,
    };
    if (cfg.connect_timeout_ms < 1)
        cfg.connect_timeout_ms = 1;
    double now = ct__cfg_now(&cfg);
    /* A window of the duration beyond a day, so that the providers fetch as far as they reach. */
    double window = duration_s + 48 * 3600.0;
    for (const struct ct__carbon_provider *const *pp = ct__live_providers; *pp; pp++) {
        const struct ct__carbon_provider *pr = *pp;
        /* The provider's own state for this call, as the carbon thread gives it one. */
        struct ct__carbon_cfg pcfg = cfg;
        pcfg.state = pr->state_size ? calloc(1, pr->state_size) : NULL;
        if (pr->state_size && !pcfg.state) {
            rc = CT_ENOMEM;
            goto done;
        }
        if (pr->forecast == NULL || !pr->suitable(&pcfg, &g.loc)) {
            free(pcfg.state);
            continue;
        }
        tried++;
        why[0] = '\0';
        ct__series_free(&s);
        memset(&s, 0, sizeof(s));
        rc = pr->forecast(&pcfg, &g.loc, window, &s, why, sizeof(why));
        if (pcfg.state && pr->state_free)
            pr->state_free(pcfg.state);
        free(pcfg.state);
        struct ct__advice a;
        if (rc == CT_OK)
            rc = ct__advise_series(&s, now, duration_s, &a, why, sizeof(why));
        if (rc == CT_OK) {
            ct_advice r;
            memset(&r, 0, sizeof(r));
            r.version = out->version;
            r.duration_s = duration_s;
            r.best_start_s = a.best_start_s;
            r.best_intensity_g_per_kwh = a.best_g_per_kwh;
            r.now_intensity_g_per_kwh = a.now_g_per_kwh;
            r.saving_percent = a.saving_percent;
            r.now_s = now;
            r.horizon_end_s = a.horizon_end_s;
            ct__strlcpy(r.zone, g.loc.zone, sizeof(r.zone));
            ct__fmt(r.source, sizeof(r.source), "%s%s%s", pr->name, s.label[0] ? ":" : "", s.label);
            memcpy(out, &r, n);
            goto done;
        }
        ct__why_add(reasons, sizeof(reasons), "%s: %s", pr->name, why[0] ? why : ct_strerror(rc));
    }
    if (!tried) {
        no_forecast_reason(&g.loc, msg, sizeof(msg));
        rc = fail(errbuf, errlen, msg, CT_ENOTSUP);
    } else {
        rc = fail(errbuf, errlen,
                  ct__fmt(msg, sizeof(msg), "no usable carbon intensity forecast for %s (%s)",
                          g.loc.zone[0] ? g.loc.zone : "this location", reasons),
                  rc == CT_ENOMEM ? CT_ENOMEM : CT_EIO);
    }
done:
    if (rc != CT_OK && errbuf && errlen)
        ct__settings_redact(&p.settings, errbuf);
    ct__series_free(&s);
    ct__http_free(http);
    ct__grid_free(&g);
    ct__opts_free(&p);
    return rc;
}
