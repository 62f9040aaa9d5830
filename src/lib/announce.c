/*
 * announce.c - upstream's start-up texts (announce.h).
 */
#include "announce.h"

#include "energy/sim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PUE_SOURCE "Daniel Bizo, 2023, Uptime Institute Global Data Center Survey"

static void components_line(const struct ct__opts *p, const struct ct__ledger *l, char *buf,
                            size_t len)
{
    size_t n = 0;
    ct__append(buf, len, &n, "The following components were found:");
    for (int c = 0; c < p->n_comp; c++) {
        int comp = p->comp_order[c];
        int first = 1;
        for (int i = 0; i < l->n_devs; i++) {
            const struct ct__dev *d = &l->devs[i];
            if (d->comp != comp)
                continue;
            ct__append(
                buf, len, &n, "%s%s%s%s", first ? " " : ", ",
                first ? (comp == CT__COMP_GPU ? "GPU with device(s) " : "CPU with device(s) ") : "",
                d->meta.name, d->meta.provenance == CT_PROVENANCE_ESTIMATED ? " (estimated)" : "");
            first = 0;
        }
        if (!first)
            ct__append(buf, len, &n, ".");
    }
}

void ct__announce_job(struct ct__sinks *k, const struct ct__job *j, const char *why,
                      void (*warn)(void *ctx, const char *text), void *ctx)
{
    char buf[1024], line[768];
    if (j->warning[0])
        warn(ctx, ct__fmt(buf, sizeof(buf),
                          "%s; this rank measures every device, so the job's total may count "
                          "this node more than once. Fix the launcher's variables or set "
                          "job.rank and job.local_rank.",
                          j->warning));
    if (why && why[0])
        warn(ctx, ct__fmt(buf, sizeof(buf),
                          "%s; this rank measures every device (set job.run_dir to a writable "
                          "directory local to the node)",
                          why));
    if (!j->active)
        return;
    ct__job_describe(j, line, sizeof(line));
    ct__sinks_message(k, CT__MSG_NOTE, ct__fmt(buf, sizeof(buf), "Distributed job: %s.", line));
}

void ct__announce_meters(struct ct__sinks *k, const struct ct__opts *p, const struct ct__ledger *l,
                         void (*warn)(void *ctx, const char *text), void *ctx)
{
    char buf[4096], pue[32];
    ct__sinks_message(k, CT__MSG_INFO,
                      ct__fmt(buf, sizeof(buf), "carbontracker version %s", CT_VERSION_STRING));
    ct__fmt_repr(p->pue, pue, sizeof(pue));
    ct__sinks_message(k, CT__MSG_INFO,
                      ct__fmt(buf, sizeof(buf),
                              "Only predicted and actual consumptions are multiplied by a PUE "
                              "coefficient of %s (%s).",
                              pue, isnan(p->o.pue) ? PUE_SOURCE : "configured"));
    for (int c = 0; c < 2; c++) {
        const char *sim = c == 0 ? p->o.sim_cpu : p->o.sim_gpu;
        int comp = c == 0 ? CT__COMP_CPU : CT__COMP_GPU;
        if (sim && ct__ledger_has(l, comp)) {
            ct__sim_banner(&p->o, comp, buf, sizeof(buf));
            ct__sinks_message(k, CT__MSG_BANNER, buf);
        }
    }
    for (int i = 0; i < l->set.n_probes; i++) {
        const struct ct__probe_result *pr = &l->set.probes[i];
        if (pr->status != CT_OK && pr->status != CT_ENOTSUP) {
            warn(ctx, pr->why);
        } else if (pr->selected) {
            if (pr->ops->component == CT__COMP_CPU && pr->ops == &ct__meter_cpu_tdp)
                ct__sinks_message(k, CT__MSG_OUTPUT,
                                  ct__fmt(buf, sizeof(buf),
                                          "CPU energy is estimated, not measured: %s", pr->detail));
            else if (pr->detail[0])
                ct__sinks_message(
                    k, CT__MSG_NOTE,
                    ct__fmt(buf, sizeof(buf), "Energy meter %s: %s", pr->ops->name, pr->detail));
        }
    }
    components_line(p, l, buf, sizeof(buf));
    ct__sinks_message(k, CT__MSG_INFO, buf);
    ct__sinks_message(k, CT__MSG_OUTPUT, buf);

    char devs[3000];
    size_t n = 0;
    devs[0] = '\0';
    for (int i = 0; i < l->n_devs; i++)
        ct__append(devs, sizeof(devs), &n, "%s%s (%s, %s)", i ? ", " : "", l->devs[i].meta.name,
                   ct__ledger_meter_name(l, i), ct_provenance_name(l->devs[i].meta.provenance));
    ct__sinks_message(k, CT__MSG_NOTE, ct__fmt(buf, sizeof(buf), "Energy meters: %s.", devs));
}

void ct__announce_location(struct ct__sinks *k, const struct ct__opts *p, const struct ct__grid *g,
                           const char *why)
{
    char buf[4096], pue[32];
    /* A location option that was ignored, or a zone the yearly table does not know while no live
     * source can answer, changes the intensity the user sees: one warning on the console, saying
     * what is used instead. Notes about the time zone (no option given) stay notes. */
    int ignored = strstr(why, " ignored") != NULL;
    int unknown = !p->o.live && g->loc.method == CT__LOC_OPTION && g->ci.is_default &&
                  strncmp(g->ci.source, "default:world", 13) == 0;
    if (ignored || unknown) {
        char what[1200];
        if (unknown)
            ct__fmt(what, sizeof(what), "%s%szone %s is not in the carbon-intensity table", why,
                    why[0] ? "; " : "", g->loc.zone[0] ? g->loc.zone : g->loc.country);
        else
            ct__strlcpy(what, why, sizeof(what));
        ct__sinks_message(k, CT__MSG_WARNING,
                          ct__fmt(buf, sizeof(buf), "%s: using %.2f gCO2/kWh from %s (%s).", what,
                                  g->ci.g_per_kwh, g->ci.source, g->loc.address));
    } else if (why[0]) {
        ct__sinks_message(k, CT__MSG_NOTE, why);
    }
    ct__fmt_repr(p->pue, pue, sizeof(pue));
    ct__sinks_message(k, CT__MSG_NOTE,
                      ct__fmt(buf, sizeof(buf),
                              "Location: %s; carbon intensity %.2f gCO2/kWh from %s (PUE %s).",
                              g->loc.address, g->ci.g_per_kwh, g->ci.source, pue));
    if (!p->o.live)
        return;
    char every[32];
    int geo = g->loc.method == CT__LOC_NONE || g->loc.method == CT__LOC_TIMEZONE;
    ct__fmt_seconds(p->refresh_s, every, sizeof(every));
    ct__sinks_message(k, CT__MSG_NOTE,
                      ct__fmt(buf, sizeof(buf),
                              "Live carbon intensity: fetched every %s s in the background%s%s.",
                              every, geo ? "; the location is looked up by IP at " : "",
                              geo ? ct__settings_get(&p->settings, "geolocation", "url") : ""));
}
