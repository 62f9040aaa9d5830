/*
 * tracker.c - the tracker's lifecycle and the epoch API: option validation, meter selection,
 * location and intensity, upstream's console and log texts, prediction and actual consumption.
 * Epoch energy is the counter at the epoch's end minus the counter at its start, read in the
 * caller's thread at the boundary.
 */
#include "tracker.h"

#include "account.h"
#include "energy/sim.h"
#include "out/text.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PUE_SOURCE "Daniel Bizo, 2023, Uptime Institute Global Data Center Survey"

/* ---- messages --------------------------------------------------------------------------- */

static void deliver(struct ct_tracker *t, int level, const char *text)
{
    if (!t->o.message)
        return;
    if (level == CT_LEVEL_OUTPUT && t->o.verbose <= 0)
        return;
    if (level == CT_LEVEL_INFO && t->o.verbose < 2)
        return;
    t->o.message(t->o.message_user, level, text);
}

/* upstream logger.output(): output log + console, "CarbonTracker: " prefix. */
static void output(struct ct_tracker *t, const char *msg)
{
    char buf[8192];
    snprintf(buf, sizeof(buf), "CarbonTracker: %s", msg);
    ct__log_out(&t->logs, buf);
    deliver(t, CT_LEVEL_OUTPUT, buf);
}

/* upstream logger.info(): standard log only. */
static void info(struct ct_tracker *t, const char *msg)
{
    ct__log_std(&t->logs, msg);
}

/* Extra information of ours: standard log, and the console at verbose >= 2. */
static void note(struct ct_tracker *t, const char *msg)
{
    char buf[4096];
    ct__log_std(&t->logs, msg);
    snprintf(buf, sizeof(buf), "CarbonTracker: %s", msg);
    deliver(t, CT_LEVEL_INFO, buf);
}

/* upstream err_warn / err_critical: error log + "CarbonTracker: LEVEL - msg" on the console. */
static void warn(struct ct_tracker *t, const char *level, const char *msg)
{
    char buf[4096];
    ct__log_err(&t->logs, level, msg);
    snprintf(buf, sizeof(buf), "CarbonTracker: %s - %s", level, msg);
    deliver(t, strcmp(level, "WARNING") == 0 ? CT_LEVEL_WARNING : CT_LEVEL_ERROR, buf);
    ct__strlcpy(t->errmsg, msg, sizeof(t->errmsg));
}

/* ---- options ---------------------------------------------------------------------------- */

static int invalid(char *errbuf, size_t errlen, const char *msg)
{
    if (errbuf && errlen)
        ct__strlcpy(errbuf, msg, errlen);
    return CT_EINVAL;
}

static int copy_options(struct ct_tracker *t, const ct_options *in)
{
    t->o = *in;
#define OWN(field, own)                                                                            \
    do {                                                                                           \
        t->own = ct__strdup(in->field);                                                            \
        if (in->field && !t->own)                                                                  \
            return CT_ENOMEM;                                                                      \
        t->o.field = t->own;                                                                       \
    } while (0)
    OWN(components, own_components);
    OWN(log_dir, own_log_dir);
    OWN(log_file_prefix, own_prefix);
    OWN(zone, own_zone);
    OWN(sim_cpu, own_sim_cpu);
    OWN(sim_gpu, own_sim_gpu);
    OWN(sysfs_root, own_sysfs);
    OWN(proc_root, own_proc);
    OWN(tz, own_tz);
    OWN(localtime_path, own_localtime);
    OWN(zoneinfo_dir, own_zoneinfo);
#undef OWN
    return CT_OK;
}

static int validate(struct ct_tracker *t, char *errbuf, size_t errlen)
{
    const ct_options *o = &t->o;
    char msg[256];
    if (o->version < 1)
        return invalid(errbuf, errlen, "options.version must be CT_OPTIONS_VERSION");
    if (o->epochs < 1)
        return invalid(
            errbuf, errlen,
            ct__fmt(msg, sizeof(msg), "epochs must be a positive integer, got %d", o->epochs));
    if (o->epochs_before_pred < -1)
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg),
                               "epochs_before_pred must be -1 (all epochs), 0 (no prediction) "
                               "or positive, got %d",
                               o->epochs_before_pred));
    if (o->monitor_epochs < -1)
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg),
                               "monitor_epochs must be -1 (all epochs) or positive, got %d",
                               o->monitor_epochs));
    t->ebp = o->epochs_before_pred < 0 ? o->epochs : o->epochs_before_pred;
    t->monitor = o->monitor_epochs < 0 ? o->epochs : o->monitor_epochs;
    if (o->monitor_epochs != -1) {
        if (t->monitor < t->ebp)
            return invalid(errbuf, errlen, "monitor_epochs cannot be less than epochs_before_pred");
        if (t->monitor == 0)
            return invalid(errbuf, errlen, "monitor_epochs cannot be zero");
    }
    if (!(o->update_interval_s > 0) || isinf(o->update_interval_s))
        return invalid(errbuf, errlen, "update_interval must be a positive number of seconds");
    if (o->decimal_precision < 0 || o->decimal_precision > 30)
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg), "decimal_precision must be in 0..30, got %d",
                               o->decimal_precision));
    t->pue = isnan(o->pue) ? CT__PUE_DEFAULT : o->pue;
    if (!(t->pue >= 1.0) || isinf(t->pue))
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg), "pue must be a number >= 1.0, got %g", o->pue));
    int rc = ct__parse_components(o->components, t->comp_order, &t->n_comp, msg, sizeof(msg));
    if (rc != CT_OK)
        return invalid(errbuf, errlen, msg);
    rc = ct__sim_validate(o, msg, sizeof(msg));
    if (rc != CT_OK)
        return invalid(errbuf, errlen, msg);
    return CT_OK;
}

/* ---- location and intensity ------------------------------------------------------------- */

static void resolve_carbon(struct ct_tracker *t)
{
    struct ct__location_query q = {
        .zone = t->o.zone,
        .tz = t->o.tz,
        .localtime_path = t->o.localtime_path,
        .zoneinfo_dir = t->o.zoneinfo_dir,
    };
    char why[512] = "";
    ct__location_resolve(&q, &t->loc, why, sizeof(why));
    if (why[0])
        note(t, why);
    char err[256] = "";
    if (ct__provider_table.current(&t->loc, &t->ci, err, sizeof(err)) != CT_OK) {
        t->ci.g_per_kwh = CT__WORLD_INTENSITY_G_PER_KWH;
        t->ci.is_default = 1;
        t->ci.year = 2019;
        ct__strlcpy(t->ci.source, "default:world:2019", sizeof(t->ci.source));
        ct__fmt(t->ci.description, sizeof(t->ci.description),
                "Defaulted to average carbon intensity for world in 2019 of %.2f gCO2/kWh.",
                CT__WORLD_INTENSITY_G_PER_KWH);
    }
}

/* Upstream's text for a default intensity, without its duplicated location clause. */
static void default_intensity_text(struct ct_tracker *t, char *buf, size_t len)
{
    ct__fmt(buf, len, "Live carbon intensity could not be fetched at detected location: %s. %s",
            t->loc.address, t->ci.description);
}

/* ---- open ------------------------------------------------------------------------------- */

static void components_line(struct ct_tracker *t, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "The following components were found:");
    for (int c = 0; c < t->n_comp && n < len; c++) {
        int comp = t->comp_order[c];
        int first = 1;
        for (int i = 0; i < t->n_devs && n < len; i++) {
            struct ct__dev *d = &t->devs[i];
            if (d->comp != comp)
                continue;
            const char *label = d->meta.provenance == CT_PROVENANCE_ESTIMATED    ? " (estimated)"
                                : d->meta.provenance == CT_PROVENANCE_INTEGRATED ? ""
                                                                                 : "";
            n += (size_t)snprintf(
                buf + n, len - n, "%s%s%s", first ? " " : ", ",
                first ? (comp == CT__COMP_GPU ? "GPU with device(s) " : "CPU with device(s) ") : "",
                d->meta.name);
            if (n < len)
                n += (size_t)snprintf(buf + n, len - n, "%s", label);
            first = 0;
        }
        if (!first && n < len)
            n += (size_t)snprintf(buf + n, len - n, ".");
    }
}

static int setup_meters(struct ct_tracker *t, char *errbuf, size_t errlen)
{
    struct ct__probe_ctx ctx = {.sysfs_fd = t->sysfs_fd, .proc_fd = t->proc_fd, .opts = &t->o};
    char why[512] = "";
    int rc = ct__meters_select(&t->set, &ctx, t->comp_order, t->n_comp, why, sizeof(why));
    if (rc != CT_OK)
        return invalid(errbuf, errlen, why);
    for (int m = 0; m < t->set.n_meters; m++) {
        struct ct__meter_inst *mi = &t->set.meters[m];
        for (int i = 0; i < mi->n_devs && t->n_devs < CT_MAX_DEVICES; i++) {
            struct ct__dev *d = &t->devs[t->n_devs++];
            memset(d, 0, sizeof(*d));
            d->comp = mi->ops->component;
            d->meter = m;
            d->meta = mi->devs[i];
        }
    }
    if (t->n_devs == 0) {
        if (errbuf && errlen)
            ct__strlcpy(errbuf,
                        "No components were available. CarbonTracker supports Intel CPUs with "
                        "the RAPL interface and NVIDIA GPUs.",
                        errlen);
        return CT_ENODEV;
    }
    return CT_OK;
}

static void report_probes(struct ct_tracker *t)
{
    for (int i = 0; i < t->set.n_probes; i++) {
        struct ct__probe_result *pr = &t->set.probes[i];
        char buf[2048];
        if (pr->status != CT_OK && pr->status != CT_ENOTSUP) {
            warn(t, "WARNING", ct__fmt(buf, sizeof(buf), "%s", pr->why));
        } else if (pr->selected) {
            if (pr->ops->component == CT__COMP_CPU && pr->ops == &ct__meter_cpu_tdp)
                output(t, ct__fmt(buf, sizeof(buf), "CPU energy is estimated, not measured: %s",
                                  pr->detail));
            else if (pr->detail[0])
                note(t,
                     ct__fmt(buf, sizeof(buf), "Energy meter %s: %s", pr->ops->name, pr->detail));
        }
    }
}

static uint64_t sampling_period(struct ct_tracker *t)
{
    uint64_t period = (uint64_t)(t->o.update_interval_s * 1e9);
    if (period < 1000000)
        period = 1000000; /* 1 ms: RAPL counters do not update faster */
    for (int m = 0; m < t->set.n_meters; m++) {
        struct ct__meter_inst *mi = &t->set.meters[m];
        uint64_t limit = mi->ops->max_interval_ns ? mi->ops->max_interval_ns(mi->state) : 0;
        if (limit && limit < period)
            period = limit;
    }
    return period;
}

CT_API int ct_tracker_open(ct_tracker **out, const ct_options *opts, char *errbuf, size_t errlen)
{
    struct ct_tracker *t = NULL;
    int rc;
    char buf[4096];

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!out || !opts)
        return invalid(errbuf, errlen, "out and opts must not be NULL");
    *out = NULL;
    t = calloc(1, sizeof(*t));
    if (!t)
        return CT_ENOMEM;
    t->sysfs_fd = t->proc_fd = -1;
    pthread_mutex_init(&t->meter_lock, NULL);
    pthread_mutex_init(&t->wake_lock, NULL);
    t->started_at = ct__wall_s();

    rc = copy_options(t, opts);
    if (rc != CT_OK)
        goto fail;
    rc = validate(t, errbuf, errlen);
    if (rc != CT_OK)
        goto fail;

    const char *sysfs = t->o.sysfs_root ? t->o.sysfs_root : "/sys";
    const char *proc = t->o.proc_root ? t->o.proc_root : "/proc";
    t->sysfs_fd = ct__root_open(sysfs); /* a missing root is "no meter there", not an error */
    t->proc_fd = ct__root_open(proc);

    rc = setup_meters(t, errbuf, errlen);
    if (rc != CT_OK)
        goto fail;

    if (t->o.log_dir) {
        rc = ct__logs_open(&t->logs, t->o.log_dir, t->o.log_file_prefix, buf, sizeof(buf));
        if (rc < 0) {
            if (errbuf && errlen)
                ct__strlcpy(errbuf, buf, errlen);
            rc = CT_EIO;
            goto fail;
        }
    }

    /* Upstream's start-up lines. */
    info(t, ct__fmt(buf, sizeof(buf), "carbontracker version %s", CT_VERSION_STRING));
    char pue[32];
    ct__fmt_repr(t->pue, pue, sizeof(pue));
    info(t, ct__fmt(buf, sizeof(buf),
                    "Only predicted and actual consumptions are multiplied by a PUE coefficient "
                    "of %s (%s).",
                    pue, isnan(t->o.pue) ? PUE_SOURCE : "configured"));
    for (int c = 0; c < 2; c++) {
        const char *sim = c == 0 ? t->o.sim_cpu : t->o.sim_gpu;
        int comp = c == 0 ? CT__COMP_CPU : CT__COMP_GPU;
        int used = 0;
        for (int i = 0; i < t->n_devs; i++)
            used |= t->devs[i].comp == comp;
        if (sim && used) {
            ct__sim_banner(&t->o, comp, buf, sizeof(buf));
            deliver(t, CT_LEVEL_OUTPUT, buf);
            info(t, buf);
        }
    }
    report_probes(t);
    components_line(t, buf, sizeof(buf));
    info(t, buf);
    output(t, buf);

    {
        char devs[3000];
        size_t n = 0;
        devs[0] = '\0';
        for (int i = 0; i < t->n_devs && n < sizeof(devs); i++)
            n += (size_t)snprintf(devs + n, sizeof(devs) - n, "%s%s (%s, %s)", i ? ", " : "",
                                  t->devs[i].meta.name, t->set.meters[t->devs[i].meter].ops->name,
                                  ct_provenance_name(t->devs[i].meta.provenance));
        note(t, ct__fmt(buf, sizeof(buf), "Energy meters: %s.", devs));
    }

    resolve_carbon(t);
    note(t,
         ct__fmt(buf, sizeof(buf), "Location: %s; carbon intensity %.2f gCO2/kWh from %s (PUE %s).",
                 t->loc.address, t->ci.g_per_kwh, t->ci.source, pue));

    /* Initial reading, then the sampler. */
    ct__read_all(t, NULL);
    for (int i = 0; i < t->n_devs; i++)
        t->devs[i].first_uj = t->devs[i].epoch_start_uj = t->devs[i].cur_uj;
    t->period_ns = sampling_period(t);
    rc = ct__sampler_start(t);
    if (rc != CT_OK) {
        if (errbuf && errlen)
            ct__strlcpy(errbuf, "could not start the sampler thread", errlen);
        goto fail;
    }
    info(t, "Monitoring thread started.");
    *out = t;
    return CT_OK;

fail:
    ct__meters_close(&t->set);
    ct__logs_close(&t->logs);
    ct_tracker_free(t);
    return rc;
}

/* ---- epochs ----------------------------------------------------------------------------- */

static void tell_read_failures(struct ct_tracker *t)
{
    char msg[300];
    int failures;
    pthread_mutex_lock(&t->meter_lock);
    failures = t->read_failures;
    ct__strlcpy(msg, t->read_error, sizeof(msg));
    pthread_mutex_unlock(&t->meter_lock);
    if (failures > t->read_failures_told) {
        if (t->read_failures_told == 0)
            warn(t, "WARNING", msg);
        t->read_failures_told = failures;
    }
}

CT_API int ct_epoch_start(ct_tracker *t)
{
    if (!t)
        return CT_EINVAL;
    if (t->finished)
        return CT_OK;
    if (t->in_epoch) {
        ct__strlcpy(t->errmsg, "epoch_start called twice without epoch_end", sizeof(t->errmsg));
        return CT_ESTATE;
    }
    uint64_t now;
    ct__read_all(t, &now);
    for (int i = 0; i < t->n_devs; i++)
        t->devs[i].epoch_start_uj = t->devs[i].cur_uj;
    t->epoch_t0_ns = now;
    t->in_epoch = 1;
    t->epoch_counter++;
    tell_read_failures(t);
    return CT_OK;
}

static void energy_block(struct ct_tracker *t, const char *desc, double duration_s, double kwh,
                         double co2)
{
    char block[2048];
    ct__consumption_block(block, sizeof(block), desc, duration_s, kwh, co2, t->o.decimal_precision,
                          t->o.interpretable);
    output(t, block);
}

static void output_pred(struct ct_tracker *t)
{
    char buf[1024];
    double kwh[t->n_epochs > 0 ? t->n_epochs : 1];
    double dur[t->n_epochs > 0 ? t->n_epochs : 1];
    for (int i = 0; i < t->n_epochs; i++) {
        kwh[i] = t->epochs[i].energy_kwh;
        dur[i] = t->epochs[i].duration_s;
    }
    t->pred_energy_kwh = ct__predict_total(t->o.epochs, kwh, (size_t)t->n_epochs);
    t->pred_duration_s = ct__predict_total(t->o.epochs, dur, (size_t)t->n_epochs);
    /* No forecast in the offline table: the intensity in force is the prediction's. */
    t->pred_co2eq_g = ct__co2eq_g(t->pred_energy_kwh, t->ci.g_per_kwh);
    t->predicted = 1;
    if (t->ci.is_default)
        default_intensity_text(t, buf, sizeof(buf));
    else
        ct__fmt(buf, sizeof(buf),
                "Current carbon intensity is %.2f gCO2/kWh at detected "
                "location: %s.",
                t->ci.g_per_kwh, t->loc.address);
    info(t, buf);
    output(t, buf);
    ct__fmt(buf, sizeof(buf), "Predicted consumption for %d epoch(s):", t->o.epochs);
    energy_block(t, buf, t->pred_duration_s, t->pred_energy_kwh, t->pred_co2eq_g);
}

static void finish(struct ct_tracker *t)
{
    char buf[1024];
    double kwh = 0, dur = 0;
    for (int i = 0; i < t->n_epochs; i++) {
        kwh += t->epochs[i].energy_kwh;
        dur += t->epochs[i].duration_s;
    }
    double co2 = ct__co2eq_g(kwh, t->ci.g_per_kwh);
    char repr[64];
    ct__fmt_repr(t->ci.g_per_kwh, repr, sizeof(repr));
    info(t, ct__fmt(buf, sizeof(buf),
                    "Carbon intensities (gCO2/kWh) fetched every 900 s at detected location %s: "
                    "[%s]",
                    t->loc.address, repr));
    ct__fmt(buf, sizeof(buf),
            "Average carbon intensity during training was %.2f gCO2/kWh at detected location: "
            "%s.",
            t->ci.g_per_kwh, t->loc.address);
    info(t, buf);
    output(t, buf);
    if (t->o.epochs_before_pred == 0)
        ct__strlcpy(buf, "Actual consumption:", sizeof(buf));
    else
        ct__fmt(buf, sizeof(buf), "Actual consumption for %d epoch(s):", t->n_epochs);
    energy_block(t, buf, dur, kwh, co2);

    ct__sampler_stop(t);
    ct__read_all(t, NULL); /* a last reading: totals of the whole run for the ledger */
    t->finished = 1;
    t->ended_at = ct__wall_s();
    info(t, "Monitoring thread ended.");
    output(t, "Finished monitoring.");
    ct__logs_close(&t->logs);
}

CT_API int ct_epoch_end(ct_tracker *t, ct_epoch_result *out)
{
    if (!t)
        return CT_EINVAL;
    if (t->finished) {
        if (out && out->version >= 1) {
            unsigned v = out->version;
            memset(out, 0, sizeof(*out));
            out->version = v;
        }
        return CT_OK;
    }
    if (!t->in_epoch) {
        ct__strlcpy(t->errmsg, "epoch_end called without epoch_start", sizeof(t->errmsg));
        return CT_ESTATE;
    }
    uint64_t now;
    ct__read_all(t, &now);
    t->in_epoch = 0;
    double duration_s = (double)(now - t->epoch_t0_ns) / 1e9;
    double cpu_j = 0, gpu_j = 0;
    for (int i = 0; i < t->n_devs; i++) {
        struct ct__dev *d = &t->devs[i];
        double j = (double)(d->cur_uj - d->epoch_start_uj) / 1e6;
        d->counted_j += j;
        if (d->comp == CT__COMP_GPU)
            gpu_j += j;
        else
            cpu_j += j;
    }
    if (t->n_epochs == t->cap_epochs) {
        int cap = t->cap_epochs ? t->cap_epochs * 2 : 16;
        struct ct__epoch *e = realloc(t->epochs, (size_t)cap * sizeof(*e));
        if (!e)
            return CT_ENOMEM;
        t->epochs = e;
        t->cap_epochs = cap;
    }
    struct ct__epoch *e = &t->epochs[t->n_epochs++];
    e->duration_s = duration_s;
    e->cpu_j = cpu_j;
    e->gpu_j = gpu_j;
    e->energy_kwh = ct__kwh_pue(cpu_j + gpu_j, t->pue);
    e->co2eq_g = ct__co2eq_g(e->energy_kwh, t->ci.g_per_kwh);

    if (out && out->version >= 1) {
        unsigned v = out->version;
        memset(out, 0, sizeof(*out));
        out->version = v;
        out->epoch = t->epoch_counter;
        out->duration_s = duration_s;
        out->energy_j = cpu_j + gpu_j;
        out->cpu_energy_j = cpu_j;
        out->gpu_energy_j = gpu_j;
        out->cpu_power_w = duration_s > 0 ? cpu_j / duration_s : 0;
        out->gpu_power_w = duration_s > 0 ? gpu_j / duration_s : 0;
        out->energy_kwh_pue = e->energy_kwh;
        out->intensity_g_per_kwh = t->ci.g_per_kwh;
        out->co2eq_g = e->co2eq_g;
        out->n_devices = t->n_devs;
        for (int i = 0; i < t->n_devs; i++) {
            struct ct__dev *d = &t->devs[i];
            ct_device_energy *de = &out->devices[i];
            ct__strlcpy(de->component, ct__component_name(d->comp), sizeof(de->component));
            ct__strlcpy(de->name, d->meta.name, sizeof(de->name));
            ct__strlcpy(de->meter, t->set.meters[d->meter].ops->name, sizeof(de->meter));
            de->provenance = d->meta.provenance;
            de->lost = d->lost;
            de->energy_j = (double)(d->cur_uj - d->epoch_start_uj) / 1e6;
        }
    }

    /* Upstream's per-epoch lines: power is the sum over the component's devices. */
    char buf[512], num[64], ts[64];
    info(t, ct__fmt(buf, sizeof(buf), "Epoch %d:", t->epoch_counter));
    ct_timestring(duration_s, 1, ts, sizeof(ts));
    info(t, ct__fmt(buf, sizeof(buf), "Duration: %s", ts));
    for (int c = 0; c < t->n_comp; c++) {
        int comp = t->comp_order[c];
        int has = 0;
        for (int i = 0; i < t->n_devs; i++)
            has |= t->devs[i].comp == comp;
        if (!has)
            continue;
        double j = comp == CT__COMP_GPU ? gpu_j : cpu_j;
        ct__fmt_plain(duration_s > 0 ? j / duration_s : 0.0, num, sizeof(num));
        info(t, ct__fmt(buf, sizeof(buf), "Average power usage (W) for %s: %s",
                        ct__component_name(comp), num));
    }
    tell_read_failures(t);

    int rc = CT_OK;
    if (t->epoch_counter == t->ebp && t->ebp > 0) {
        output_pred(t);
        if (t->o.confirm) {
            int answer = t->o.confirm(t->o.confirm_user, "Continue training (y/n)?");
            if (answer) {
                output(t, "Continuing...");
            } else {
                info(t, "Session ended by user.");
                output(t, "Quitting...");
                t->early_stop = 1;
                finish(t);
                return CT_ESTOPPED;
            }
        }
    }
    if (t->epoch_counter == t->monitor)
        finish(t);
    return rc;
}

CT_API int ct_stop(ct_tracker *t)
{
    if (!t)
        return CT_EINVAL;
    if (t->finished)
        return CT_OK;
    char buf[512];
    if (t->in_epoch) {
        uint64_t now;
        ct__read_all(t, &now);
        double j = 0;
        for (int i = 0; i < t->n_devs; i++)
            j += (double)(t->devs[i].cur_uj - t->devs[i].epoch_start_uj) / 1e6;
        char ts[64];
        ct_timestring((double)(now - t->epoch_t0_ns) / 1e9, 1, ts, sizeof(ts));
        info(t, ct__fmt(buf, sizeof(buf),
                        "Epoch %d was still running at stop (%s, %.3f J) and is not counted.",
                        t->epoch_counter, ts, j));
        t->in_epoch = 0;
    }
    t->early_stop = t->n_epochs < t->monitor;
    info(t, ct__fmt(buf, sizeof(buf),
                    "Training was interrupted before all %d epochs were monitored.", t->monitor));
    finish(t);
    return CT_OK;
}

CT_API const char *ct_errmsg(const ct_tracker *t)
{
    return t ? t->errmsg : "";
}

CT_API void ct_tracker_free(ct_tracker *t)
{
    if (!t)
        return;
    if (!t->finished && t->sampler_running)
        ct_stop(t);
    ct__sampler_stop(t);
    ct__meters_close(&t->set);
    ct__logs_close(&t->logs);
    if (t->sysfs_fd >= 0)
        close(t->sysfs_fd);
    if (t->proc_fd >= 0)
        close(t->proc_fd);
    pthread_mutex_destroy(&t->meter_lock);
    pthread_mutex_destroy(&t->wake_lock);
    free(t->epochs);
    free(t->own_components);
    free(t->own_log_dir);
    free(t->own_prefix);
    free(t->own_zone);
    free(t->own_sim_cpu);
    free(t->own_sim_gpu);
    free(t->own_sysfs);
    free(t->own_proc);
    free(t->own_tz);
    free(t->own_localtime);
    free(t->own_zoneinfo);
    free(t);
}
