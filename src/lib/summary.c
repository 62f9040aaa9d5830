/*
 * summary.c - the run's totals as a struct (ct_get_summary) and as the JSON summary the command
 * writes with --json (ct_summary_json), and the device probe report (ct_probe_json).
 */
#include "tracker.h"

#include "account.h"
#include "backends.h"
#include "records.h"
#include "sink/jsonl.h"
#include "util/sysfs.h"

#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *method_name(int method)
{
    return ct__loc_method_name(method);
}

/* The run's totals, complete, in the current layout. */
static void summarize(const ct_tracker *t, ct_summary *out)
{
    memset(out, 0, sizeof(*out));
    out->version = CT_SUMMARY_VERSION;
    const struct ct__account *a = &t->account;
    /* Energy-weighted: each sampling interval's energy at the intensity in force then. */
    ct__account_totals(a, t->grid.ci.g_per_kwh, &out->energy_kwh, &out->co2eq_g,
                       &out->intensity_g_per_kwh, &out->duration_s, &out->energy_j);
    out->epochs = a->n_epochs;
    out->early_stop = t->early_stop;
    out->finished = t->finished;
    out->pue = t->opt.pue;
    out->km_by_car = ct__km_by_car(out->co2eq_g);
    ct__strlcpy(out->intensity_source, t->grid.ci.source, sizeof(out->intensity_source));
    ct__strlcpy(out->zone, t->grid.loc.zone, sizeof(out->zone));
    ct__strlcpy(out->location, t->grid.loc.address, sizeof(out->location));
    ct__strlcpy(out->location_method, method_name(t->grid.loc.method),
                sizeof(out->location_method));
    out->predicted = a->predicted;
    if (a->predicted) {
        out->pred_epochs = a->pred.epochs;
        out->pred_duration_s = a->pred.duration_s;
        out->pred_energy_kwh = a->pred.energy_kwh;
        out->pred_co2eq_g = a->pred.co2eq_g;
    }
    double sampler_s, caller_s, carbon_s;
    ct__tracker_cpu(t, &sampler_s, &caller_s, &carbon_s);
    out->tracker_cpu_s = sampler_s + caller_s + carbon_s;
    out->caller_cpu_s = caller_s;
    out->carbon_cpu_s = carbon_s;
    out->sampler_cpu_s = sampler_s;
    out->n_devices = t->ledger.n_devs;
}

CT_API int ct_get_summary(const ct_tracker *t, ct_summary *out)
{
    if (!t || !out ||
        ct__summary_check(out, ((struct ct_tracker *)t)->errmsg, sizeof(t->errmsg)) != CT_OK)
        return CT_EINVAL;
    ct_summary s;
    struct ct__device_figures f;
    summarize(t, &s);
    ct__ledger_run_figures(&t->ledger, &f);
    ct__summary_put(out, &s, &t->ledger, &f);
    return CT_OK;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *iso8601(double wall_s)
{
    if (wall_s <= 0)
        return json_null();
    time_t s = (time_t)wall_s;
    struct tm tm;
    gmtime_r(&s, &tm);
    char buf[32];
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

/* Whole-machine power beside the components (NULL without a node meter), open to the last
 * read: the node's energy, the components' over the same span, and what they leave out. */
static json_t *node_json(const struct ct__ledger *l)
{
    struct ct__node_snapshot ns;
    if (ct__ledger_node(l, &ns) == 0)
        return NULL;
    json_t *o = json_object();
    double node_j = (double)ns.node_uj / 1e6, comp_j = (double)ns.components_uj / 1e6;
    double span_s = ns.t_ns > ns.start_ns ? (double)(ns.t_ns - ns.start_ns) / 1e9 : 0.0;
    json_object_set_new(o, "energy_j", num(node_j));
    json_object_set_new(o, "components_energy_j", num(comp_j));
    json_object_set_new(o, "not_in_components_j", num(node_j - comp_j));
    json_object_set_new(o, "duration_s", num(span_s));
    json_object_set_new(o, "power_w", num(span_s > 0 ? node_j / span_s : 0.0));
    json_t *devs = json_array();
    for (int k = 0; k < ns.n; k++) {
        json_t *d = json_object();
        json_object_set_new(d, "name", json_string(ns.devs[k].meta.name));
        json_object_set_new(d, "meter", json_string(ns.devs[k].meter));
        json_object_set_new(d, "provenance",
                            json_string(ct_provenance_name(ns.devs[k].meta.provenance)));
        json_object_set_new(d, "lost", json_boolean(ns.devs[k].lost));
        json_object_set_new(d, "energy_j",
                            num((double)(ns.devs[k].cur_uj - ns.devs[k].first_uj) / 1e6));
        json_array_append_new(devs, d);
    }
    json_object_set_new(o, "devices", devs);
    return o;
}

CT_API int ct_summary_json(const ct_tracker *t, char **json)
{
    if (!t || !json)
        return CT_EINVAL;
    *json = NULL;
    ct_summary s;
    summarize(t, &s);
    json_t *root = json_object();
    if (!root)
        return CT_ENOMEM;
    json_object_set_new(root, "format", json_string("carbontracker-summary"));
    json_object_set_new(root, "format_version", json_integer(1));
    json_object_set_new(root, "carbontracker_version", json_string(CT_VERSION_STRING));
    json_object_set_new(root, "started_at", iso8601(t->started_at));
    json_object_set_new(root, "ended_at", iso8601(t->ended_at));
    json_object_set_new(root, "duration_s", num(s.duration_s));
    json_object_set_new(root, "epochs", json_integer(s.epochs));
    json_object_set_new(root, "early_stop", json_boolean(s.early_stop));
    json_object_set_new(root, "energy_j", num(s.energy_j));
    json_object_set_new(root, "energy_kwh", num(s.energy_kwh));
    json_object_set_new(root, "pue", num(s.pue));
    json_object_set_new(root, "co2eq_g", num(s.co2eq_g));
    json_object_set_new(root, "intensity_g_per_kwh", num(s.intensity_g_per_kwh));
    json_object_set_new(root, "intensity_source", json_string(s.intensity_source));
    json_object_set_new(root, "zone", s.zone[0] ? json_string(s.zone) : json_null());
    json_object_set_new(root, "cloud_region",
                        t->grid.loc.cloud_region[0] ? json_string(t->grid.loc.cloud_region)
                                                    : json_null());
    json_object_set_new(root, "location", json_string(s.location));
    json_object_set_new(root, "location_method", json_string(s.location_method));
    if (t->opt.job.active || t->opt.job.warning[0]) {
        json_t *job = ct__job_json(&t->opt.job);
        if (t->job_pred.ranks)
            json_object_set_new(job, "prediction",
                                json_pack("{s:i, s:i, s:o, s:o}", "ranks", t->job_pred.ranks,
                                          "world_size", t->opt.job.world_size, "energy_kwh",
                                          num(t->job_pred.energy_kwh), "co2eq_g",
                                          num(t->job_pred.co2eq_g)));
        json_object_set_new(root, "job", job);
    }
    json_object_set_new(root, "log_write_error",
                        t->write_error[0] ? json_string(t->write_error) : json_null());
    json_t *eq = json_object();
    if (t->opt.o.interpretable && isfinite(s.km_by_car))
        json_object_set_new(eq, CT__CAR_UNIT, num(s.km_by_car));
    json_object_set_new(root, "equivalents", eq);
    if (s.predicted) {
        json_t *p = json_object();
        json_object_set_new(p, "epochs", json_integer(s.pred_epochs));
        json_object_set_new(p, "duration_s", num(s.pred_duration_s));
        json_object_set_new(p, "energy_kwh", num(s.pred_energy_kwh));
        json_object_set_new(p, "co2eq_g", num(s.pred_co2eq_g));
        json_object_set_new(p, "intensity_g_per_kwh", num(t->account.pred.intensity_g_per_kwh));
        json_object_set_new(p, "intensity_basis", json_string(t->account.pred.basis));
        json_object_set_new(p, "band", ct__band_json(&t->account.pred));
        if (t->advised) {
            json_t *g = json_object();
            json_object_set_new(g, "best_start", iso8601(t->advice.best_start_s));
            json_object_set_new(g, "best_intensity_g_per_kwh", num(t->advice.best_g_per_kwh));
            json_object_set_new(g, "now_intensity_g_per_kwh", num(t->advice.now_g_per_kwh));
            json_object_set_new(g, "saving_percent", num(t->advice.saving_percent));
            json_object_set_new(g, "source", json_string(t->advice_source));
            json_object_set_new(p, "greenest_start", g);
        } else {
            json_object_set_new(p, "greenest_start", json_null());
        }
        json_object_set_new(root, "prediction", p);
    } else {
        json_object_set_new(root, "prediction", json_null());
    }
    json_object_set_new(root, "budget", ct__budget_json(&t->account.budget));
    json_object_set_new(root, "tracker_cpu_s", num(s.tracker_cpu_s));
    json_object_set_new(root, "sampler_cpu_s", num(s.sampler_cpu_s));
    json_object_set_new(root, "caller_cpu_s", num(s.caller_cpu_s));
    json_object_set_new(root, "carbon_cpu_s", num(s.carbon_cpu_s));
    json_t *devs = json_array();
    for (int i = 0; i < s.n_devices; i++) {
        ct_device_energy de = {.version = CT_DEVICE_ENERGY_VERSION};
        ct_summary_device(t, (size_t)i, &de);
        json_t *d = json_object();
        json_object_set_new(d, "component", json_string(de.component));
        json_object_set_new(d, "name", json_string(de.name));
        json_object_set_new(d, "meter", json_string(de.meter));
        json_object_set_new(d, "provenance", json_string(ct_provenance_name(de.provenance)));
        json_object_set_new(d, "lost", json_boolean(de.lost));
        json_object_set_new(d, "energy_j", num(de.energy_j));
        if (de.uuid[0])
            json_object_set_new(d, "uuid", json_string(de.uuid));
        if (de.index >= 0)
            json_object_set_new(d, "index", json_integer(de.index));
        json_array_append_new(devs, d);
    }
    json_object_set_new(root, "devices", devs);
    json_t *node = node_json(&t->ledger);
    if (node) /* only with a node meter: runs without one keep their summary as it was */
        json_object_set_new(root, "node", node);
    json_t *eps = json_array();
    for (int i = 0; i < t->account.n_epochs; i++) {
        const struct ct__epoch *e = &t->account.epochs[i];
        json_t *o = json_object();
        json_object_set_new(o, "epoch", json_integer(i + 1));
        json_object_set_new(o, "duration_s", num(e->duration_s));
        json_object_set_new(o, "energy_j", num(e->cpu_j + e->gpu_j));
        json_object_set_new(o, "cpu_energy_j", num(e->cpu_j));
        json_object_set_new(o, "gpu_energy_j", num(e->gpu_j));
        json_object_set_new(o, "energy_kwh", num(e->energy_kwh));
        json_object_set_new(o, "co2eq_g", num(e->co2eq_g));
        json_object_set_new(o, "intensity_g_per_kwh", num(e->intensity_g_per_kwh));
        json_array_append_new(eps, o);
    }
    json_object_set_new(root, "epochs_detail", eps);
    /* Every intensity that came into force: the table value at open, each live fetch. */
    struct ct__carbon_sample *cs = NULL;
    size_t ncs = ct__carbon_samples(&t->grid.carbon, &cs);
    json_t *samples = json_array();
    for (size_t i = 0; i < ncs; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "time", iso8601(cs[i].t_s));
        json_object_set_new(o, "g_per_kwh", num(cs[i].g_per_kwh));
        json_object_set_new(o, "source", json_string(cs[i].source));
        json_object_set_new(o, "zone", cs[i].zone[0] ? json_string(cs[i].zone) : json_null());
        json_array_append_new(samples, o);
    }
    free(cs);
    json_object_set_new(root, "intensity_samples", samples);
    *json = ct__json_text(root, 2, 15, NULL); /* JSON_INDENT(2) | JSON_REAL_PRECISION(15) */
    json_decref(root);
    return *json ? CT_OK : CT_ENOMEM;
}

CT_API int ct_probe_json(const ct_options *opts, char **json)
{
    if (!json)
        return CT_EINVAL;
    *json = NULL;
    ct_options o;
    ct_options_init(&o);
    if (opts) { /* only the bytes the caller's version has */
        size_t size = ct__options_size(opts->version);
        memcpy(&o, opts, size ? size : sizeof(o));
        o.version = CT_OPTIONS_VERSION;
    }
    int order[2], n = 0;
    char why[512] = "";
    struct ct__settings settings = {0};
    if (ct__parse_components(o.components, order, &n, why, sizeof(why)) != CT_OK ||
        ct__backends_resolve(&settings, &o, why, sizeof(why)) != CT_OK) {
        ct__settings_free(&settings);
        json_t *e = json_pack("{s:s}", "error", why);
        *json = e ? ct__json_text(e, 2, 0, NULL) : NULL; /* JSON_INDENT(2) */
        json_decref(e);
        return CT_EINVAL;
    }
    struct ct__probe_ctx ctx = {
        .sysfs_fd = ct__root_open(o.sysfs_root ? o.sysfs_root : "/sys"),
        .proc_fd = ct__root_open(o.proc_root ? o.proc_root : "/proc"),
        .opts = &o,
        .settings = &settings,
    };
    struct ct__meter_set *set = calloc(1, sizeof(*set));
    if (!set) {
        ct__settings_free(&settings);
        return CT_ENOMEM;
    }
    int rc = ct__meters_select(set, ct__meters, &ctx, order, n, 1, why, sizeof(why));
    struct ct__job job;
    char host[64] = "";
    if (gethostname(host, sizeof(host) - 1) != 0)
        host[0] = '\0';
    ct__job_detect(o.environment, &settings, host, &job);
    ct__job_preview(&job, o.devices_by_pid);
    json_t *root = json_object();
    json_object_set_new(root, "job", ct__job_json(&job));
    json_t *meters = json_array();
    for (int i = 0; rc == CT_OK && i < set->n_probes; i++) {
        struct ct__probe_result *pr = &set->probes[i];
        json_t *m = json_object();
        json_object_set_new(m, "meter", json_string(pr->ops->name));
        json_object_set_new(m, "component", json_string(ct__component_name(pr->ops->component)));
        json_object_set_new(m, "domain", json_string(pr->ops->domain));
        json_object_set_new(m, "status",
                            json_string(pr->status == CT_OK        ? "ok"
                                        : pr->status == CT_ENOTSUP ? "not-here"
                                                                   : "error"));
        const char *code =
            pr->status == CT_OK || pr->status == CT_ENOTSUP ? NULL : ct_status_name(pr->status);
        json_object_set_new(m, "code", code ? json_string(code) : json_null());
        json_object_set_new(m, "reason", json_string(pr->why));
        json_object_set_new(m, "detail", json_string(pr->detail));
        json_object_set_new(m, "selected", json_boolean(pr->selected));
        json_t *devs = json_array();
        for (int k = 0; pr->selected && k < set->n_meters; k++) {
            if (set->meters[k].ops != pr->ops)
                continue;
            for (int d = 0; d < set->meters[k].n_devs; d++) {
                json_t *dj = json_object();
                json_object_set_new(dj, "name", json_string(set->meters[k].devs[d].name));
                json_object_set_new(
                    dj, "provenance",
                    json_string(ct_provenance_name(set->meters[k].devs[d].provenance)));
                const struct ct__meter_dev *md = &set->meters[k].devs[d];
                if (md->uuid[0])
                    json_object_set_new(dj, "uuid", json_string(md->uuid));
                if (md->index >= 0)
                    json_object_set_new(dj, "index", json_integer(md->index));
                if (md->info[0])
                    json_object_set_new(dj, "info", json_string(md->info));
                int counted = pr->ops->component == CT__COMP_GPU
                                  ? ct__job_counts_gpu(&job, d, set->meters[k].n_devs)
                                  : job.measures_node;
                json_object_set_new(dj, "counted_by_this_rank", json_boolean(counted));
                json_array_append_new(devs, dj);
            }
        }
        json_object_set_new(m, "devices", devs);
        json_array_append_new(meters, m);
    }
    json_object_set_new(root, "meters", meters);
    if (rc != CT_OK)
        json_object_set_new(root, "error", json_string(why));
    ct__meters_close(set);
    free(set);
    ct__settings_free(&settings);
    if (ctx.sysfs_fd >= 0)
        close(ctx.sysfs_fd);
    if (ctx.proc_fd >= 0)
        close(ctx.proc_fd);

    struct ct__location_query q = {.zone = o.zone,
                                   .tz = o.tz,
                                   .localtime_path = o.localtime_path,
                                   .zoneinfo_dir = o.zoneinfo_dir,
                                   .has_coords = !isnan(o.latitude) && !isnan(o.longitude),
                                   .lat = o.latitude,
                                   .lon = o.longitude,
                                   .postcode = o.postcode};
    struct ct__location loc;
    char note[512] = "";
    ct__location_resolve(&q, &loc, note, sizeof(note));
    json_t *lj = json_object();
    json_object_set_new(lj, "zone", loc.zone[0] ? json_string(loc.zone) : json_null());
    json_object_set_new(lj, "cloud_region",
                        loc.cloud_region[0] ? json_string(loc.cloud_region) : json_null());
    json_object_set_new(lj, "method", json_string(method_name(loc.method)));
    json_object_set_new(lj, "address", json_string(loc.address));
    json_object_set_new(lj, "note", json_string(note));
    json_object_set_new(root, "location", lj);
    struct ct__intensity ci;
    memset(&ci, 0, sizeof(ci));
    char err[256];
    json_t *ij = json_object();
    if (ct__provider_table.current(NULL, &loc, &ci, err, sizeof(err)) == CT_OK) { /* offline */
        json_object_set_new(ij, "g_per_kwh", num(ci.g_per_kwh));
        json_object_set_new(ij, "source", json_string(ci.source));
        json_object_set_new(ij, "description", json_string(ci.description));
    }
    json_object_set_new(root, "intensity", ij);
    json_object_set_new(root, "pue", num(isnan(o.pue) ? CT__PUE_DEFAULT : o.pue));
    *json = ct__json_text(root, 2, 15, NULL); /* JSON_INDENT(2) | JSON_REAL_PRECISION(15) */
    json_decref(root);
    if (rc != CT_OK)
        return rc;
    return *json ? CT_OK : CT_ENOMEM;
}
