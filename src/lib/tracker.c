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
#include <strings.h>
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
    OWN(nvml_library, own_nvml);
    OWN(cuda_visible_devices, own_cuda);
    OWN(electricitymaps_api_key, own_em_key);
    OWN(postcode, own_postcode);
    OWN(electricitymaps_url, own_em_url);
    OWN(ukgrid_url, own_uk_url);
    OWN(energidataservice_url, own_eds_url);
    OWN(geolocation_url, own_geo_url);
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
    if (isnan(o->latitude) != isnan(o->longitude))
        return invalid(errbuf, errlen, "latitude and longitude must be given together");
    if (!isnan(o->latitude) && !(fabs(o->latitude) <= 90 && fabs(o->longitude) <= 180))
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg),
                               "latitude must be in -90..90 and longitude in -180..180, got %g, %g",
                               o->latitude, o->longitude));
    t->refresh_s = isnan(o->carbon_refresh_s) ? 900.0 : o->carbon_refresh_s;
    if (!(t->refresh_s > 0) || isinf(t->refresh_s))
        return invalid(errbuf, errlen, "carbon_refresh_s must be a positive number of seconds");
    if (!isnan(o->http_timeout_s) && (!(o->http_timeout_s > 0) || isinf(o->http_timeout_s)))
        return invalid(errbuf, errlen, "http_timeout_s must be a positive number of seconds");
    {
        const char *urls[][2] = {{"electricitymaps_url", o->electricitymaps_url},
                                 {"ukgrid_url", o->ukgrid_url},
                                 {"energidataservice_url", o->energidataservice_url},
                                 {"geolocation_url", o->geolocation_url}};
        for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
            if (urls[i][1] && strncmp(urls[i][1], "http://", 7) != 0 &&
                strncmp(urls[i][1], "https://", 8) != 0)
                return invalid(
                    errbuf, errlen,
                    ct__fmt(msg, sizeof(msg), "%s must be an http:// or https:// URL", urls[i][0]));
    }
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
        .has_coords = !isnan(t->o.latitude) && !isnan(t->o.longitude),
        .lat = t->o.latitude,
        .lon = t->o.longitude,
        .postcode = t->o.postcode,
    };
    char why[512] = "";
    ct__location_resolve(&q, &t->loc, why, sizeof(why));
    if (why[0])
        note(t, why);
    char err[256] = "";
    if (ct__provider_table.current(NULL, &t->loc, &t->ci, err, sizeof(err)) != CT_OK) {
        t->ci.g_per_kwh = CT__WORLD_INTENSITY_G_PER_KWH;
        t->ci.is_default = 1;
        t->ci.year = 2019;
        ct__strlcpy(t->ci.source, "default:world:2019", sizeof(t->ci.source));
        ct__fmt(t->ci.description, sizeof(t->ci.description),
                "Defaulted to average carbon intensity for world in 2019 of %.2f gCO2/kWh.",
                CT__WORLD_INTENSITY_G_PER_KWH);
    }
}

/* "900" for whole seconds, else "%g". */
static void fmt_seconds(double s, char *buf, size_t len)
{
    if (s == floor(s) && s < 1e15)
        ct__fmt(buf, len, "%.0f", s);
    else
        ct__fmt(buf, len, "%g", s);
}

/* Start the carbon thread (live) or just put the table value in force (offline). */
static int start_carbon(struct ct_tracker *t)
{
    double timeout_s = isnan(t->o.http_timeout_s) ? 10.0 : t->o.http_timeout_s;
    struct ct__carbon_opts co = {
        .live = t->o.live != 0,
        .want_forecast = t->ebp > 0 && !t->predicted,
        .refresh_s = t->refresh_s,
        .cfg =
            {
                .electricitymaps_url = t->o.electricitymaps_url ? t->o.electricitymaps_url
                                                                : CT__DEFAULT_ELECTRICITYMAPS_URL,
                .ukgrid_url = t->o.ukgrid_url ? t->o.ukgrid_url : CT__DEFAULT_UKGRID_URL,
                .energidataservice_url = t->o.energidataservice_url
                                             ? t->o.energidataservice_url
                                             : CT__DEFAULT_ENERGIDATASERVICE_URL,
                .geolocation_url =
                    t->o.geolocation_url ? t->o.geolocation_url : CT__DEFAULT_GEOLOCATION_URL,
                .electricitymaps_key = t->o.electricitymaps_api_key,
                .timeout_ms = (long)(timeout_s * 1000 < 1 ? 1 : timeout_s * 1000),
                .connect_timeout_ms = (long)(timeout_s * 1000 < 5000 ? timeout_s * 1000 : 5000),
                .max_reply_bytes = 0,
            },
    };
    if (co.cfg.connect_timeout_ms < 1)
        co.cfg.connect_timeout_ms = 1;
    return ct__carbon_start(&t->carbon, &co, &t->loc, &t->ci);
}

/* Take the carbon thread's location, intensity and messages (caller's thread). */
static void sync_carbon(struct ct_tracker *t)
{
    struct ct__carbon_event *ev = NULL;
    size_t n = ct__carbon_take_events(&t->carbon, &ev);

    ct__carbon_snapshot(&t->carbon, &t->loc, &t->ci, NULL);
    ct__jsonl_intensity(t->jsonl, 0, t->ci.g_per_kwh, t->ci.source, !t->ci.is_default);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == CT__CEV_LOG)
            info(t, ev[i].text);
        else if (ev[i].kind == CT__CEV_NOTE)
            note(t, ev[i].text);
        else
            warn(t, "WARNING", ev[i].text);
    }
    free(ev);
}

/* ---- energy-weighted CO2 ---------------------------------------------------------------- */

void ct__co2_account(struct ct_tracker *t, uint64_t total_uj)
{
    uint64_t d = total_uj >= t->co2_last_uj ? total_uj - t->co2_last_uj : 0;

    t->co2_last_uj = total_uj;
    if (!t->co2_on || d == 0)
        return;
    double ci = ct__carbon_intensity_now(&t->carbon);
    t->co2_jg += (double)d / 1e6 * ci;
    if (ci < t->co2_ci_min)
        t->co2_ci_min = ci;
    if (ci > t->co2_ci_max)
        t->co2_ci_max = ci;
}

/* Open the epoch's CO2 account at the counters just read (caller's thread). */
static void co2_begin(struct ct_tracker *t)
{
    uint64_t base = 0;
    pthread_mutex_lock(&t->meter_lock);
    for (int i = 0; i < t->n_devs; i++)
        base += t->devs[i].epoch_start_uj - t->devs[i].first_uj;
    t->co2_last_uj = base;
    t->co2_jg = 0;
    t->co2_ci_min = INFINITY;
    t->co2_ci_max = -INFINITY;
    t->co2_on = 1;
    pthread_mutex_unlock(&t->meter_lock);
}

/* Close it: the epoch's energy-weighted intensity (exactly the value in force when it never
 * changed; the value in force now when the epoch used no energy). */
static double co2_end(struct ct_tracker *t, double energy_j)
{
    double jg, lo, hi;
    pthread_mutex_lock(&t->meter_lock);
    jg = t->co2_jg;
    lo = t->co2_ci_min;
    hi = t->co2_ci_max;
    t->co2_on = 0;
    pthread_mutex_unlock(&t->meter_lock);
    if (energy_j > 0 && lo <= hi)
        return lo == hi ? lo : jg / energy_j;
    return ct__carbon_intensity_now(&t->carbon);
}

void ct__run_totals(const struct ct_tracker *t, double *kwh, double *co2eq_g,
                    double *intensity_g_per_kwh)
{
    double k = 0, c = 0, avg;
    int same = 1;
    for (int i = 0; i < t->n_epochs; i++) {
        k += t->epochs[i].energy_kwh;
        c += t->epochs[i].co2eq_g;
        if (t->epochs[i].intensity_g_per_kwh != t->epochs[0].intensity_g_per_kwh)
            same = 0;
    }
    if (t->n_epochs > 0 && same) {
        avg = t->epochs[0].intensity_g_per_kwh;
        c = ct__co2eq_g(k, avg);
    } else if (k > 0) {
        avg = c / k;
    } else {
        avg = t->ci.g_per_kwh;
    }
    if (kwh)
        *kwh = k;
    if (co2eq_g)
        *co2eq_g = c;
    if (intensity_g_per_kwh)
        *intensity_g_per_kwh = avg;
}

/* The values fetched live so far (upstream's list); caller frees. */
static double *fetched_values(struct ct_tracker *t, size_t *n)
{
    struct ct__carbon_sample *s = NULL;
    size_t ns = ct__carbon_samples(&t->carbon, &s);
    double *v = malloc((ns ? ns : 1) * sizeof(*v));
    *n = 0;
    for (size_t i = 0; v && i < ns; i++)
        if (s[i].live)
            v[(*n)++] = s[i].g_per_kwh;
    free(s);
    return v;
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
    int rc =
        ct__meters_select(&t->set, ct__meters, &ctx, t->comp_order, t->n_comp, 0, why, sizeof(why));
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

static int tracker_open(ct_tracker **out, const ct_options *opts, char *errbuf, size_t errlen)
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
    ct__carbon_init(&t->carbon);
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
        if (rc == 0)
            rc = ct__jsonl_open(&t->jsonl, t->logs.base, buf, sizeof(buf));
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
    rc = start_carbon(t);
    if (rc != CT_OK)
        goto fail;
    if (t->o.live) {
        char every[32];
        fmt_seconds(t->refresh_s, every, sizeof(every));
        note(t, ct__fmt(buf, sizeof(buf),
                        "Live carbon intensity: fetched every %s s in the background%s%s.", every,
                        t->loc.method == CT__LOC_NONE || t->loc.method == CT__LOC_TIMEZONE
                            ? "; the location is looked up by IP at "
                            : "",
                        t->loc.method == CT__LOC_NONE || t->loc.method == CT__LOC_TIMEZONE
                            ? (t->o.geolocation_url ? t->o.geolocation_url
                                                    : CT__DEFAULT_GEOLOCATION_URL)
                            : ""));
    }

    if (t->jsonl) {
        struct ct__jsonl_device jd[CT_MAX_DEVICES];
        for (int i = 0; i < t->n_devs; i++)
            jd[i] = (struct ct__jsonl_device){
                .component = ct__component_name(t->devs[i].comp),
                .name = t->devs[i].meta.name,
                .meter = t->set.meters[t->devs[i].meter].ops->name,
                .provenance = t->devs[i].meta.provenance,
                .uuid = t->devs[i].meta.uuid,
                .index = t->devs[i].meta.index,
            };
        struct ct__jsonl_meta jm = {
            .pue = t->pue,
            .zone = t->loc.zone,
            .location = t->loc.address,
            .intensity_g_per_kwh = t->ci.g_per_kwh,
            .intensity_source = t->ci.source,
            .epochs = t->o.epochs,
            .epochs_before_pred = t->o.epochs_before_pred,
            .monitor_epochs = t->o.monitor_epochs,
            .update_interval_s = t->o.update_interval_s,
            .components = t->o.components,
            .interpretable = t->o.interpretable,
            .decimal_precision = t->o.decimal_precision,
            .live = t->o.live,
            .n_devices = t->n_devs,
            .devices = jd,
        };
        ct__jsonl_meta(t->jsonl, &jm);
        ct__jsonl_intensity(t->jsonl, 0, t->ci.g_per_kwh, t->ci.source, !t->ci.is_default);
    }

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
    ct__jsonl_close(&t->jsonl);
    ct_tracker_free(t);
    return rc;
}

/* ---- epochs ----------------------------------------------------------------------------- */

static void tell_read_failures(struct ct_tracker *t)
{
    for (int i = 0; i < t->n_devs; i++) {
        struct ct__dev *d = &t->devs[i];
        int lost;
        pthread_mutex_lock(&t->meter_lock);
        lost = d->lost;
        uint64_t cur_uj = d->cur_uj;
        pthread_mutex_unlock(&t->meter_lock);
        if (lost && !d->lost_told) {
            char buf[512];
            d->lost_told = 1;
            warn(t, "WARNING",
                 ct__fmt(buf, sizeof(buf),
                         "%s device %s%s%s stopped answering and is marked lost; the energy "
                         "measured until then (%.3f J) is kept and the run goes on.",
                         ct__component_name(d->comp), d->meta.name, d->meta.uuid[0] ? " " : "",
                         d->meta.uuid, (double)(cur_uj - d->first_uj) / 1e6));
        }
    }
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

static int epoch_start(ct_tracker *t)
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
        t->devs[i].epoch_start_uj = t->devs[i].mark_uj;
    co2_begin(t);
    t->epoch_t0_ns = now;
    t->in_epoch = 1;
    t->epoch_counter++;
    sync_carbon(t);
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

/* Upstream's weighting (the fallback): the mean of the values fetched so far and the value in
 * force repeated 1 + floor(T / refresh) times, as if fetched over the predicted time T. */
static double weighted_intensity(struct ct_tracker *t, double pred_s, const double *fetched,
                                 size_t n)
{
    double cur = t->ci.g_per_kwh;
    double k = 1 + floor(pred_s / t->refresh_s);
    double sum = k * cur;
    int same = 1;
    for (size_t i = 0; i < n; i++) {
        sum += fetched[i];
        same &= fetched[i] == cur;
    }
    return same ? cur : sum / ((double)n + k);
}

static void output_pred(struct ct_tracker *t)
{
    char buf[1024], ts[64];
    double kwh[t->n_epochs > 0 ? t->n_epochs : 1];
    double dur[t->n_epochs > 0 ? t->n_epochs : 1];
    double done_kwh = 0, done_dur = 0, done_co2 = 0, done_ci = 0;
    for (int i = 0; i < t->n_epochs; i++) {
        kwh[i] = t->epochs[i].energy_kwh;
        dur[i] = t->epochs[i].duration_s;
        done_dur += dur[i];
    }
    ct__run_totals(t, &done_kwh, &done_co2, &done_ci);
    t->pred_energy_kwh = ct__predict_total(t->o.epochs, kwh, (size_t)t->n_epochs);
    t->pred_duration_s = ct__predict_total(t->o.epochs, dur, (size_t)t->n_epochs);
    double rem_kwh = t->pred_energy_kwh - done_kwh, rem_s = t->pred_duration_s - done_dur;
    if (rem_kwh < 0)
        rem_kwh = 0;
    if (rem_s < 0)
        rem_s = 0;

    size_t nf = 0;
    double *fetched = fetched_values(t, &nf);
    double floor_ci = weighted_intensity(t, t->pred_duration_s, fetched, fetched ? nf : 0);
    free(fetched);

    double fmean = 0, covered = 0;
    char fsrc[96] = "", fwhy[512] = "";
    int expected = 0;
    int have = rem_s > 0 &&
               ct__carbon_forecast_mean(&t->carbon, ct__wall_s(), rem_s, &fmean, &covered, fsrc,
                                        sizeof(fsrc), &expected, fwhy, sizeof(fwhy)) == CT_OK;
    if (have) {
        /* Measured epochs at their energy-weighted intensity; the remaining ones at the forecast
         * mean over the remaining time, upstream's weighting where the forecast ends. */
        if (covered > rem_s * (1 - 1e-9))
            covered = rem_s;
        double ci_rem =
            covered >= rem_s ? fmean : (fmean * covered + floor_ci * (rem_s - covered)) / rem_s;
        t->pred_co2eq_g = done_co2 + ct__co2eq_g(rem_kwh, ci_rem);
        t->pred_intensity_g_per_kwh =
            t->pred_energy_kwh > 0 ? t->pred_co2eq_g / t->pred_energy_kwh : ci_rem;
        ct__strlcpy(t->pred_basis, "forecast", sizeof(t->pred_basis));
        ct_timestring(rem_s, 0, ts, sizeof(ts));
        ct__fmt(buf, sizeof(buf),
                "Carbon intensity for the next %s is predicted to be %.2f gCO2/kWh at detected "
                "location: %s.",
                ts, ci_rem, t->loc.address);
        info(t, buf);
        output(t, buf);
        char cov[64];
        ct_timestring(covered, 0, cov, sizeof(cov));
        ct__fmt(buf, sizeof(buf),
                "Prediction: forecast from %s (mean %.2f gCO2/kWh over %s of the next %s%s); the "
                "%d epoch(s) measured so far count at their measured %.2f gCO2/kWh.",
                fsrc, fmean, cov, ts, covered < rem_s ? ", the rest at the measured average" : "",
                t->n_epochs, done_ci);
        note(t, buf);
    } else {
        t->pred_co2eq_g = ct__co2eq_g(t->pred_energy_kwh, floor_ci);
        t->pred_intensity_g_per_kwh = floor_ci;
        if (nf == 0 && t->ci.is_default) {
            ct__strlcpy(t->pred_basis, "default", sizeof(t->pred_basis));
            default_intensity_text(t, buf, sizeof(buf));
        } else if (expected && rem_s > 0) {
            ct__strlcpy(t->pred_basis, "measured", sizeof(t->pred_basis));
            ct_timestring(t->pred_duration_s, 0, ts, sizeof(ts));
            ct__fmt(buf, sizeof(buf),
                    "Failed to predict carbon intensity for the next %s, fallback on average "
                    "measured intensity at detected location: %s.",
                    ts, t->loc.address);
        } else {
            ct__strlcpy(t->pred_basis, "measured", sizeof(t->pred_basis));
            ct__fmt(buf, sizeof(buf),
                    "Current carbon intensity is %.2f gCO2/kWh at detected location: %s.", floor_ci,
                    t->loc.address);
        }
        info(t, buf);
        output(t, buf);
        if (expected && rem_s > 0)
            note(t, ct__fmt(buf, sizeof(buf),
                            "Prediction: no forecast (%s); using the average of the values "
                            "fetched, %.2f gCO2/kWh.",
                            fwhy[0] ? fwhy : "none", floor_ci));
    }
    t->predicted = 1;
    ct__carbon_forecast_done(&t->carbon);
    ct__fmt(buf, sizeof(buf), "Predicted consumption for %d epoch(s):", t->o.epochs);
    energy_block(t, buf, t->pred_duration_s, t->pred_energy_kwh, t->pred_co2eq_g);
    struct ct__jsonl_consumption jp = {
        .description = buf,
        .epochs = t->o.epochs,
        .duration_s = t->pred_duration_s,
        .energy_j = NAN,
        .energy_kwh = t->pred_energy_kwh,
        .co2eq_g = t->pred_co2eq_g,
        .intensity_g_per_kwh = t->pred_intensity_g_per_kwh,
        .km_by_car = t->o.interpretable ? ct__km_by_car(t->pred_co2eq_g) : NAN,
        .basis = t->pred_basis,
    };
    ct__jsonl_prediction(t->jsonl, 0, &jp);
}

static void finish(struct ct_tracker *t)
{
    char buf[1024], every[32];
    double kwh = 0, dur = 0, co2 = 0, avg = 0;

    ct__carbon_stop(&t->carbon); /* cancels a request in flight: milliseconds */
    sync_carbon(t);
    for (int i = 0; i < t->n_epochs; i++)
        dur += t->epochs[i].duration_s;
    ct__run_totals(t, &kwh, &co2, &avg);

    /* Upstream's list: every value fetched live, else the value in force. */
    size_t nf = 0;
    double *fetched = fetched_values(t, &nf);
    size_t cap = 64 + 32 * (nf + 1) + strlen(t->loc.address) + 128;
    char *list = malloc(cap);
    fmt_seconds(t->refresh_s, every, sizeof(every));
    if (list) {
        size_t n = (size_t)snprintf(list, cap,
                                    "Carbon intensities (gCO2/kWh) fetched every %s s at detected "
                                    "location %s: [",
                                    every, t->loc.address);
        for (size_t i = 0; i < (fetched && nf ? nf : 1) && n < cap; i++) {
            char repr[40];
            ct__fmt_repr(fetched && nf ? fetched[i] : t->ci.g_per_kwh, repr, sizeof(repr));
            n += (size_t)snprintf(list + n, cap - n, "%s%s", i ? ", " : "", repr);
        }
        if (n < cap)
            snprintf(list + n, cap - n, "]");
        info(t, list);
        free(list);
    }
    free(fetched);
    ct__fmt(buf, sizeof(buf),
            "Average carbon intensity during training was %.2f gCO2/kWh at detected location: "
            "%s.",
            avg, t->loc.address);
    info(t, buf);
    output(t, buf);
    if (t->o.epochs_before_pred == 0)
        ct__strlcpy(buf, "Actual consumption:", sizeof(buf));
    else
        ct__fmt(buf, sizeof(buf), "Actual consumption for %d epoch(s):", t->n_epochs);
    energy_block(t, buf, dur, kwh, co2);

    ct__sampler_stop(t);
    ct__read_all(t, NULL); /* a last reading: totals of the whole run for the ledger */
    if (t->jsonl) {
        double dev_j[CT_MAX_DEVICES], total_j = 0;
        int lost[CT_MAX_DEVICES];
        for (int i = 0; i < t->n_devs; i++) {
            dev_j[i] = t->devs[i].counted_j;
            lost[i] = t->devs[i].lost;
            total_j += dev_j[i];
        }
        struct ct__jsonl_consumption js = {
            .description = buf, /* still the "Actual consumption..." title */
            .epochs = t->n_epochs,
            .duration_s = dur,
            .energy_j = total_j,
            .energy_kwh = kwh,
            .co2eq_g = co2,
            .intensity_g_per_kwh = avg,
            .km_by_car = t->o.interpretable ? ct__km_by_car(co2) : NAN,
            .early_stop = t->early_stop,
            .location = t->loc.address,
            .n_devices = t->n_devs,
            .device_energy_j = dev_j,
            .device_lost = lost,
        };
        ct__jsonl_summary(t->jsonl, 0, &js);
        ct__jsonl_close(&t->jsonl);
    }
    ct__meters_close(&t->set); /* releases the hardware (nvmlShutdown) at stop, not at free */
    t->finished = 1;
    t->ended_at = ct__wall_s();
    info(t, "Monitoring thread ended.");
    output(t, "Finished monitoring.");
    ct__logs_close(&t->logs);
}

static int epoch_end(ct_tracker *t, ct_epoch_result *out)
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
        double j = (double)(d->mark_uj - d->epoch_start_uj) / 1e6;
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
    e->intensity_g_per_kwh = co2_end(t, cpu_j + gpu_j);
    e->co2eq_g = ct__co2eq_g(e->energy_kwh, e->intensity_g_per_kwh);
    if (t->jsonl) {
        double dev_j[CT_MAX_DEVICES];
        for (int i = 0; i < t->n_devs; i++)
            dev_j[i] = (double)(t->devs[i].cur_uj - t->devs[i].epoch_start_uj) / 1e6;
        struct ct__jsonl_epoch je = {
            .epoch = t->epoch_counter,
            .duration_s = duration_s,
            .cpu_energy_j = cpu_j,
            .gpu_energy_j = gpu_j,
            .energy_kwh = e->energy_kwh,
            .intensity_g_per_kwh = e->intensity_g_per_kwh,
            .co2eq_g = e->co2eq_g,
            .n_devices = t->n_devs,
            .device_energy_j = dev_j,
        };
        ct__jsonl_epoch(t->jsonl, now, &je);
    }
    sync_carbon(t);

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
        out->intensity_g_per_kwh = e->intensity_g_per_kwh;
        out->co2eq_g = e->co2eq_g;
        out->n_devices = t->n_devs;
        for (int i = 0; i < t->n_devs; i++) {
            struct ct__dev *d = &t->devs[i];
            ct_device_energy *de = &out->devices[i];
            ct__strlcpy(de->component, ct__component_name(d->comp), sizeof(de->component));
            ct__strlcpy(de->name, d->meta.name, sizeof(de->name));
            ct__strlcpy(de->meter, t->set.meters[d->meter].ops->name, sizeof(de->meter));
            de->provenance = d->meta.provenance;
            de->lost = d->mark_lost;
            de->energy_j = (double)(d->mark_uj - d->epoch_start_uj) / 1e6;
            ct__strlcpy(de->uuid, d->meta.uuid, sizeof(de->uuid));
            de->index = d->meta.index;
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
            /* The callback shows the question (a prompt); the output log records it, as
             * upstream's logger.output does. */
            ct__log_out(&t->logs, "CarbonTracker: Continue training (y/n)?");
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

static int stop(ct_tracker *t)
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
            j += (double)(t->devs[i].mark_uj - t->devs[i].epoch_start_uj) / 1e6;
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

/* ---- the public calls: each adds the CPU time it used on the caller's thread ----------- */

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

CT_API int ct_tracker_open(ct_tracker **out, const ct_options *opts, char *errbuf, size_t errlen)
{
    uint64_t cpu0 = thread_cpu_ns();
    int rc = tracker_open(out, opts, errbuf, errlen);
    if (rc == CT_OK)
        (*out)->caller_cpu_ns += thread_cpu_ns() - cpu0;
    return rc;
}

CT_API int ct_epoch_start(ct_tracker *t)
{
    uint64_t cpu0 = thread_cpu_ns();
    int rc = epoch_start(t);
    if (t)
        t->caller_cpu_ns += thread_cpu_ns() - cpu0;
    return rc;
}

CT_API int ct_epoch_end(ct_tracker *t, ct_epoch_result *out)
{
    uint64_t cpu0 = thread_cpu_ns();
    int rc = epoch_end(t, out);
    if (t)
        t->caller_cpu_ns += thread_cpu_ns() - cpu0;
    return rc;
}

CT_API int ct_stop(ct_tracker *t)
{
    uint64_t cpu0 = thread_cpu_ns();
    int rc = stop(t);
    if (t)
        t->caller_cpu_ns += thread_cpu_ns() - cpu0;
    return rc;
}

CT_API int ct_set_api_key(ct_tracker *t, const char *provider, const char *key)
{
    if (!t || !provider)
        return CT_EINVAL;
    if (strcasecmp(provider, "electricitymaps") != 0) {
        ct__fmt(t->errmsg, sizeof(t->errmsg), "Invalid API name '%s' given.", provider);
        return CT_EINVAL;
    }
    if (t->finished)
        return CT_OK; /* monitoring is over: nothing will be fetched again */
    if (t->carbon.running) {
        ct__carbon_set_key(&t->carbon, key);
        return CT_OK;
    }
    /* Offline until now: the key turns live fetching on (no thread runs, so the old key string
     * can be replaced safely). */
    char *own = key && *key ? strdup(key) : NULL;
    if (key && *key && !own)
        return CT_ENOMEM;
    free(t->own_em_key);
    t->own_em_key = own;
    t->o.electricitymaps_api_key = own;
    if (!own)
        return CT_OK;
    t->o.live = 1;
    int rc = start_carbon(t);
    if (rc == CT_OK) {
        char buf[256];
        note(t, ct__fmt(buf, sizeof(buf),
                        "Live carbon intensity: turned on by a new Electricity Maps API key."));
    }
    return rc;
}

CT_API int ct_track_pid(ct_tracker *t, int pid)
{
    if (!t || pid <= 0)
        return CT_EINVAL;
    pthread_mutex_lock(&t->meter_lock); /* meters read opts.tracked_pid under this lock */
    t->o.tracked_pid = pid;
    pthread_mutex_unlock(&t->meter_lock);
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
    ct__carbon_free(&t->carbon);
    ct__meters_close(&t->set);
    ct__logs_close(&t->logs);
    ct__jsonl_close(&t->jsonl);
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
    free(t->own_nvml);
    free(t->own_cuda);
    if (t->own_em_key)
        explicit_bzero(t->own_em_key, strlen(t->own_em_key));
    free(t->own_em_key);
    free(t->own_postcode);
    free(t->own_em_url);
    free(t->own_uk_url);
    free(t->own_eds_url);
    free(t->own_geo_url);
    free(t);
}
