/*
 * grid.c - the tracker's carbon part (grid.h): location, the intensity in force, and the carbon
 * thread's configuration from the options.
 */
#include "grid.h"

#include <math.h>
#include <string.h>

void ct__grid_init(struct ct__grid *g)
{
    memset(g, 0, sizeof(*g));
    ct__carbon_init(&g->carbon);
}

void ct__grid_free(struct ct__grid *g)
{
    ct__carbon_free(&g->carbon);
}

void ct__grid_resolve(struct ct__grid *g, const struct ct__opts *p, char *why, size_t len)
{
    const ct_options *o = &p->o;
    struct ct__location_query q = {
        .zone = o->zone,
        .tz = o->tz,
        .localtime_path = o->localtime_path,
        .zoneinfo_dir = o->zoneinfo_dir,
        .has_coords = !isnan(o->latitude) && !isnan(o->longitude),
        .lat = o->latitude,
        .lon = o->longitude,
        .postcode = o->postcode,
    };
    why[0] = '\0';
    ct__location_resolve(&q, &g->loc, why, len);
    char err[256] = "";
    if (ct__provider_table.current(NULL, &g->loc, &g->ci, err, sizeof(err)) != CT_OK) {
        g->ci.g_per_kwh = CT__WORLD_INTENSITY_G_PER_KWH;
        g->ci.is_default = 1;
        g->ci.year = 2019;
        ct__strlcpy(g->ci.source, "default:world:2019", sizeof(g->ci.source));
        ct__fmt(g->ci.description, sizeof(g->ci.description),
                "Defaulted to average carbon intensity for world in 2019 of %.2f gCO2/kWh.",
                CT__WORLD_INTENSITY_G_PER_KWH);
    }
}

int ct__grid_start(struct ct__grid *g, const struct ct__opts *p, int want_forecast, char *errbuf,
                   size_t errlen)
{
    const ct_options *o = &p->o;
    double timeout_s = isnan(o->http_timeout_s) ? 10.0 : o->http_timeout_s;
    struct ct__carbon_opts co = {
        .live = o->live != 0,
        .want_forecast = want_forecast,
        .refresh_s = p->refresh_s,
        .cfg =
            {
                .settings = &p->settings,
                .timeout_ms = (long)(timeout_s * 1000 < 1 ? 1 : timeout_s * 1000),
                .connect_timeout_ms = (long)(timeout_s * 1000 < 5000 ? timeout_s * 1000 : 5000),
                .max_reply_bytes = 0,
            },
    };
    if (co.cfg.connect_timeout_ms < 1)
        co.cfg.connect_timeout_ms = 1;
    int rc = ct__carbon_age_limits(&p->settings, &co.stale_warn_s, &co.max_age_s, errbuf, errlen);
    if (rc != CT_OK)
        return rc;
    return ct__carbon_start(&g->carbon, &co, &g->loc, &g->ci);
}

size_t ct__grid_sync(struct ct__grid *g, struct ct__carbon_event **ev)
{
    size_t n = ct__carbon_take_events(&g->carbon, ev);
    ct__carbon_snapshot(&g->carbon, &g->loc, &g->ci, NULL);
    return n;
}
