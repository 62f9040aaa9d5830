/*
 * records.c - the run's records composed from the tracker's parts (records.h).
 */
#include "records.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ct__records_meta(struct ct__sinks *k, const struct ct__opts *p, const struct ct__ledger *l,
                      const struct ct__grid *g, const struct ct__job *job)
{
    struct ct__sink_device sd[CT_MAX_DEVICES];
    for (int i = 0; i < l->n_devs; i++)
        sd[i] = (struct ct__sink_device){
            .component = ct__component_name(l->devs[i].comp),
            .name = l->devs[i].meta.name,
            .meter = ct__ledger_meter_name(l, i),
            .provenance = l->devs[i].meta.provenance,
            .uuid = l->devs[i].meta.uuid,
            .index = l->devs[i].meta.index,
        };
    const ct_options *o = &p->o;
    struct ct__sink_meta m = {
        .pue = p->pue,
        .zone = g->loc.zone,
        .location = g->loc.address,
        .intensity_g_per_kwh = g->ci.g_per_kwh,
        .intensity_source = g->ci.source,
        .epochs = o->epochs,
        .epochs_before_pred = o->epochs_before_pred,
        .monitor_epochs = o->monitor_epochs,
        .update_interval_s = o->update_interval_s,
        .components = o->components,
        .interpretable = o->interpretable,
        .decimal_precision = o->decimal_precision,
        .live = o->live,
        .n_devices = l->n_devs,
        .devices = sd,
        .job = job,
    };
    ct__sinks_meta(k, &m);
    ct__sinks_intensity(k, 0, g->ci.g_per_kwh, g->ci.source, !g->ci.is_default);
}

void ct__records_epoch(struct ct__sinks *k, const struct ct__opts *p, const struct ct__ledger *l,
                       uint64_t now_ns, int epoch, const struct ct__epoch *e, const double *dev_j)
{
    struct ct__sink_epoch se = {
        .epoch = epoch,
        .duration_s = e->duration_s,
        .cpu_energy_j = e->cpu_j,
        .gpu_energy_j = e->gpu_j,
        .energy_kwh = e->energy_kwh,
        .intensity_g_per_kwh = e->intensity_g_per_kwh,
        .co2eq_g = e->co2eq_g,
        .n_devices = l->n_devs,
        .device_energy_j = dev_j,
    };
    for (int c = 0; c < p->n_comp; c++) {
        int comp = p->comp_order[c];
        if (!ct__ledger_has(l, comp))
            continue;
        se.comp_name[se.n_comp] = ct__component_name(comp);
        se.comp_energy_j[se.n_comp++] = comp == CT__COMP_GPU ? e->gpu_j : e->cpu_j;
    }
    ct__sinks_epoch(k, now_ns, &se);
}

/* A consumption record: the parts every one shares. */
static void consumption(struct ct__sink_consumption *c, const struct ct__opts *p,
                        const struct ct__grid *g, const char *title, int epochs, double kwh,
                        double co2eq_g, double duration_s)
{
    memset(c, 0, sizeof(*c));
    c->description = title;
    c->epochs = epochs;
    c->duration_s = duration_s;
    c->energy_kwh = kwh;
    c->co2eq_g = co2eq_g;
    c->km_by_car = p->o.interpretable ? ct__km_by_car(co2eq_g) : NAN;
    c->location = g->loc.address;
    c->in_force_g_per_kwh = g->ci.g_per_kwh;
    c->in_force_description = g->ci.description;
    c->refresh_s = p->refresh_s;
}

void ct__records_prediction(struct ct__sinks *k, const struct ct__opts *p, struct ct__account *a,
                            const struct ct__grid *g)
{
    const struct ct__prediction *pr = &a->pred;
    char title[128];
    ct__account_predict(a, p->o.epochs, p->refresh_s, &g->ci, ct__wall_s());
    ct__fmt(title, sizeof(title), "Predicted consumption for %d epoch(s):", p->o.epochs);
    struct ct__sink_consumption c;
    consumption(&c, p, g, title, p->o.epochs, pr->energy_kwh, pr->co2eq_g, pr->duration_s);
    c.energy_j = NAN;
    c.intensity_g_per_kwh = pr->intensity_g_per_kwh;
    c.basis = pr->basis;
    c.pred = pr;
    ct__sinks_prediction(k, 0, &c);
}

void ct__records_summary(struct ct__sinks *k, const struct ct__opts *p, const struct ct__ledger *l,
                         const struct ct__account *a, const struct ct__grid *g, int early_stop)
{
    char title[128];
    double kwh, co2, avg, dur, dev_j[CT_MAX_DEVICES], total_j = 0;
    int lost[CT_MAX_DEVICES];
    ct__account_totals(a, g->ci.g_per_kwh, &kwh, &co2, &avg, &dur, NULL);
    for (int i = 0; i < l->n_devs; i++) {
        dev_j[i] = l->devs[i].counted_j;
        lost[i] = l->devs[i].lost;
        total_j += dev_j[i];
    }
    if (p->o.epochs_before_pred == 0)
        ct__strlcpy(title, "Actual consumption:", sizeof(title));
    else
        ct__fmt(title, sizeof(title), "Actual consumption for %d epoch(s):", a->n_epochs);
    size_t nf = 0;
    double *fetched = ct__account_fetched(a, &nf);
    struct ct__sink_consumption c;
    consumption(&c, p, g, title, a->n_epochs, kwh, co2, dur);
    c.energy_j = total_j;
    c.intensity_g_per_kwh = avg;
    c.early_stop = early_stop;
    c.budget = &a->budget;
    c.n_devices = l->n_devs;
    c.device_energy_j = dev_j;
    c.device_lost = lost;
    c.fetched = fetched;
    c.n_fetched = fetched ? nf : 0;
    ct__sinks_summary(k, 0, &c);
    free(fetched);
}

void ct__records_result(ct_epoch_result *out, const struct ct__ledger *l, int epoch,
                        const struct ct__epoch *e, const struct ct__device_figures *f)
{
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    if (e) {
        r.epoch = epoch;
        r.duration_s = e->duration_s;
        r.energy_j = e->cpu_j + e->gpu_j;
        r.cpu_energy_j = e->cpu_j;
        r.gpu_energy_j = e->gpu_j;
        r.cpu_power_w = e->duration_s > 0 ? e->cpu_j / e->duration_s : 0;
        r.gpu_power_w = e->duration_s > 0 ? e->gpu_j / e->duration_s : 0;
        r.energy_kwh_pue = e->energy_kwh;
        r.intensity_g_per_kwh = e->intensity_g_per_kwh;
        r.co2eq_g = e->co2eq_g;
        r.n_devices = f->n;
    }
    ct__epoch_result_put(out, &r, l, f);
}
