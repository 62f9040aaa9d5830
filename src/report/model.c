/*
 * model.c - the carbontracker-parse JSON document read into the report's runs (model.h).
 * Documents in upstream's shape (only "components") have their epochs and devices rebuilt from
 * it.
 */
#include "model.h"
#include "report.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double jnum(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int jtrue(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static void load_consumption(const json_t *o, struct rp_consumption *c)
{
    memset(c, 0, sizeof(*c));
    c->km = NAN;
    if (!json_is_object(o))
        return;
    c->present = 1;
    c->epochs = (int)json_integer_value(json_object_get(o, "epochs"));
    c->duration_s = jnum(o, "duration (s)");
    c->energy_kwh = jnum(o, "energy (kWh)");
    c->co2eq_g = jnum(o, "co2eq (g)");
    c->km = jnum(json_object_get(o, "equivalents"), "km travelled by car");
    const json_t *band = json_object_get(o, "band");
    if (json_is_object(band)) {
        static const char *const keys[3] = {"duration (s)", "energy (kWh)", "co2eq (g)"};
        c->has_band = 1;
        for (int k = 0; k < 3; k++) {
            c->band_lo[k] = jnum(json_object_get(band, "low"), keys[k]);
            c->band_hi[k] = jnum(json_object_get(band, "high"), keys[k]);
            if (isnan(c->band_lo[k]) || isnan(c->band_hi[k]))
                c->has_band = 0;
        }
    }
}

/* calloc for n elements that may be 0 (a 1-element block then, so NULL means no memory). */
static void *alloc_n(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

/* One member of a struct read from a JSON object: a number (NaN when absent) or a string
 * (pointing into the tree; NULL when absent). */
struct rfield {
    const char *key;
    int is_str;
    size_t offset;
};
#define NUM(type, member, key)                                                                     \
    {                                                                                              \
        key, 0, offsetof(type, member)                                                             \
    }
#define STR(type, member, key)                                                                     \
    {                                                                                              \
        key, 1, offsetof(type, member)                                                             \
    }
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void read_fields(const json_t *o, void *rec, const struct rfield *f, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        char *at = (char *)rec + f[k].offset;
        if (f[k].is_str)
            *(const char **)at = jstr(o, f[k].key);
        else
            *(double *)at = jnum(o, f[k].key);
    }
}

/* The objects of array a as *n records of `size` bytes, each read by the n_fields fields; NULL
 * when out of memory. */
static void *read_records(const json_t *a, size_t *n, size_t size, const struct rfield *fields,
                          size_t n_fields)
{
    const json_t *v;
    size_t i;
    char *recs = alloc_n(json_array_size(a), size);

    if (!recs)
        return NULL;
    *n = json_array_size(a);
    json_array_foreach(a, i, v)
    {
        read_fields(v, recs + i * size, fields, n_fields);
    }
    return recs;
}

static const struct rfield run_fields[] = {
    STR(struct rp_run, std_file, "standard_filename"),
    STR(struct rp_run, out_file, "output_filename"),
    STR(struct rp_run, jsonl_file, "jsonl_filename"),
    STR(struct rp_run, source, "source"),
    STR(struct rp_run, version, "carbontracker_version"),
    STR(struct rp_run, location, "location"),
    NUM(struct rp_run, pue, "pue"),
    NUM(struct rp_run, intensity_g_per_kwh, "intensity_g_per_kwh"),
};
/* The "epoch" number is read apart: it defaults to the position. */
static const struct rfield epoch_fields[] = {
    NUM(struct rp_epoch, duration_s, "duration_s"),
    NUM(struct rp_epoch, cpu_power_w, "cpu_power_w"),
    NUM(struct rp_epoch, gpu_power_w, "gpu_power_w"),
    NUM(struct rp_epoch, energy_j, "energy_j"),
    NUM(struct rp_epoch, energy_kwh, "energy_kwh"),
    NUM(struct rp_epoch, co2eq_g, "co2eq_g"),
};
static const struct rfield device_fields[] = {
    STR(struct rp_device, component, "component"), STR(struct rp_device, name, "name"),
    STR(struct rp_device, meter, "meter"),         STR(struct rp_device, provenance, "provenance"),
    NUM(struct rp_device, energy_j, "energy_j"),
};
static const struct rfield sample_fields[] = {
    NUM(struct rp_sample, t_s, "t_s"),
    NUM(struct rp_sample, cpu_w, "cpu_w"),
    NUM(struct rp_sample, gpu_w, "gpu_w"),
};
static const struct rfield isample_fields[] = {
    NUM(struct rp_isample, t_s, "t_s"),
    NUM(struct rp_isample, g_per_kwh, "g_per_kwh"),
    STR(struct rp_isample, source, "source"),
};
/* The run's "derived" object (the PUE, the intensity and the epoch count are read apart). */
static const struct rfield derived_fields[] = {
    NUM(struct rp_run, energy_j, "energy_j"),
    NUM(struct rp_run, energy_kwh, "energy_kwh"),
    NUM(struct rp_run, energy_kwh_pue, "energy_kwh_pue"),
    NUM(struct rp_run, co2eq_g, "co2eq_g"),
    NUM(struct rp_run, km, "car_km"),
    NUM(struct rp_run, duration_s, "duration_s"),
    NUM(struct rp_run, epochs_s, "epochs_duration_s"),
    NUM(struct rp_run, power_w, "power_w"),
    NUM(struct rp_run, cpu_power_w, "cpu_power_w"),
    NUM(struct rp_run, gpu_power_w, "gpu_power_w"),
};

/* Sum of a per-epoch row of avg_power_usages (W): one number per device. */
static double row_sum(const json_t *row)
{
    double s = 0;
    size_t i;
    const json_t *v;
    if (json_is_number(row))
        return json_number_value(row);
    json_array_foreach(row, i, v) s += json_is_number(v) ? json_number_value(v) : 0.0;
    return s;
}

/* No "epochs" array: rebuild the epochs from the upstream-style "components" block. */
static int epochs_from_components(const json_t *comps, struct rp_run *r)
{
    const json_t *cpu = json_object_get(comps, "cpu"), *gpu = json_object_get(comps, "gpu");
    const json_t *any = cpu ? cpu : gpu;
    const json_t *dur = json_object_get(any, "epoch_durations (s)");
    size_t n = json_array_size(dur);
    r->epochs = alloc_n(n, sizeof(*r->epochs));
    if (!r->epochs)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct rp_epoch *e = &r->epochs[i];
        const json_t *cp = json_array_get(json_object_get(cpu, "avg_power_usages (W)"), i);
        const json_t *gp = json_array_get(json_object_get(gpu, "avg_power_usages (W)"), i);
        e->epoch = (int)i + 1;
        e->n_in = 1;
        e->duration_s = json_number_value(json_array_get(dur, i));
        e->cpu_power_w = cp ? row_sum(cp) : NAN;
        e->gpu_power_w = gp ? row_sum(gp) : NAN;
        e->energy_j = ((isnan(e->cpu_power_w) ? 0 : e->cpu_power_w) +
                       (isnan(e->gpu_power_w) ? 0 : e->gpu_power_w)) *
                      e->duration_s;
        e->energy_kwh = e->co2eq_g = NAN;
    }
    r->n_epochs = n;
    return 0;
}

static int load_run(const json_t *jr, struct rp_run *r)
{
    const json_t *a, *v, *comps = json_object_get(jr, "components");
    size_t i;

    read_fields(jr, r, run_fields, N_OF(run_fields));
    const json_t *node = json_object_get(jr, "node");
    r->has_node = json_is_object(node);
    r->node_energy_j = jnum(node, "energy_j");
    r->node_components_j = jnum(node, "components_energy_j");
    r->node_meter = jstr(node, "meter");
    r->early_stop = jtrue(jr, "early_stop");
    r->truncated = jtrue(jr, "truncated");
    load_consumption(json_object_get(jr, "actual"), &r->actual);
    load_consumption(json_object_get(jr, "pred"), &r->pred);
    if (json_object_get(jr, "aggregated")) {
        r->aggregated = jstr(jr, "aggregated");
    } else if (r->actual.present || r->pred.present) {
        /* Upstream's aggregate_consumption() rule. */
        int use_actual =
            !r->pred.present ||
            (r->actual.present && (r->early_stop || r->actual.epochs == r->pred.epochs));
        r->aggregated = use_actual ? "actual" : "pred";
    }
    r->n_skipped = json_array_size(json_object_get(jr, "skipped"));

    a = json_object_get(jr, "epochs");
    if (json_array_size(a) == 0 && json_is_object(comps)) {
        if (epochs_from_components(comps, r) != 0)
            return -1;
    } else {
        r->epochs =
            read_records(a, &r->n_epochs, sizeof(*r->epochs), epoch_fields, N_OF(epoch_fields));
        if (!r->epochs)
            return -1;
        json_array_foreach(a, i, v)
        {
            json_t *num = json_object_get(v, "epoch");
            r->epochs[i].epoch = json_is_integer(num) ? (int)json_integer_value(num) : (int)i + 1;
            num = json_object_get(v, "epochs"); /* a group of epochs (a reduced document) */
            r->epochs[i].n_in = json_is_integer(num) && json_integer_value(num) > 1
                                    ? (int)json_integer_value(num)
                                    : 1;
        }
    }

    for (i = 0; i < r->n_epochs; i++)
        r->n_epochs_logged += (size_t)r->epochs[i].n_in;

    a = json_object_get(jr, "devices");
    r->n_devices = json_array_size(a);
    if (r->n_devices == 0 && json_is_object(comps)) {
        /* Only the upstream-style component lists: names without meters. */
        const char *comp;
        json_t *c;
        size_t n = 0;
        json_object_foreach((json_t *)comps, comp, c) n +=
            json_array_size(json_object_get(c, "devices"));
        r->devices = alloc_n(n, sizeof(*r->devices));
        if (!r->devices)
            return -1;
        json_object_foreach((json_t *)comps, comp, c)
        {
            json_array_foreach(json_object_get(c, "devices"), i, v)
            {
                struct rp_device *d = &r->devices[r->n_devices++];
                d->component = comp;
                d->name = json_string_value(v);
                d->energy_j = NAN;
            }
        }
    } else {
        r->devices =
            read_records(a, &r->n_devices, sizeof(*r->devices), device_fields, N_OF(device_fields));
        if (!r->devices)
            return -1;
    }
    for (i = 0; i < r->n_devices; i++) {
        const char *c = r->devices[i].component;
        if (c && strcmp(c, "cpu") == 0)
            r->has_cpu = 1;
        else if (c && strcmp(c, "gpu") == 0)
            r->has_gpu = 1;
    }

    r->samples = read_records(json_object_get(jr, "samples"), &r->n_samples, sizeof(*r->samples),
                              sample_fields, N_OF(sample_fields));
    r->isamples = read_records(json_object_get(jr, "intensity_samples"), &r->n_isamples,
                               sizeof(*r->isamples), isample_fields, N_OF(isample_fields));
    if (!r->samples || !r->isamples)
        return -1;
    return 0;
}

/* The figures the library derived (the run's "derived" object, carbontracker(1), PARSE JSON):
 * what the report shows. A document without them (written by hand, or before they were added)
 * has them unknown, its PUE counted as 1. */
static void load_derived(const json_t *jr, struct rp_run *r)
{
    const json_t *d = json_object_get(jr, "derived");
    const json_t *figs = json_object_get(d, "epoch_figures");
    const char *pue_from = jstr(d, "pue_from"), *ci_from = jstr(d, "intensity_from");

    r->pue_used = json_is_object(d) ? jnum(d, "pue") : 1.0;
    r->pue_inferred = !pue_from || strcmp(pue_from, "unknown") == 0 ? 2
                      : strcmp(pue_from, "inferred") == 0           ? 1
                                                                    : 0;
    if (json_is_object(d)) {
        r->intensity_g_per_kwh = jnum(d, "intensity_g_per_kwh");
        r->intensity_inferred = !ci_from                              ? 0
                                : strcmp(ci_from, "samples") == 0     ? 1
                                : strcmp(ci_from, "consumption") == 0 ? 2
                                                                      : 0;
    }
    read_fields(d, r, derived_fields, N_OF(derived_fields));
    r->n_epochs_shown = json_is_integer(json_object_get(d, "epochs"))
                            ? (int)json_integer_value(json_object_get(d, "epochs"))
                            : (int)r->n_epochs_logged;
    for (size_t i = 0; i < r->n_epochs; i++) {
        const json_t *f = json_array_get(figs, i);
        r->epochs[i].kwh_shown = jnum(f, "energy_kwh");
        r->epochs[i].co2eq_g_shown = jnum(f, "co2eq_g");
    }
}

/* The run's names, and the end of its time axis. */
static void name_run(struct rp_run *r)
{
    const char *base = r->std_file ? r->std_file : r->out_file ? r->out_file : "(unnamed run)";
    const char *slash = strrchr(base, '/');

    snprintf(r->name, sizeof(r->name), "%s", slash ? slash + 1 : base);
    snprintf(r->stem, sizeof(r->stem), "%s", r->name);
    {
        size_t n = strlen(r->stem);
        const char *suffixes[] = {"_carbontracker.log", "_carbontracker_output.log", ".log"};
        for (size_t i = 0; i < 3; i++) {
            size_t m = strlen(suffixes[i]);
            if (n > m && strcmp(r->stem + n - m, suffixes[i]) == 0) {
                r->stem[n - m] = '\0';
                break;
            }
        }
    }
    r->t_end_s = or0(r->epochs_s);
    if (r->n_samples > 0 && r->samples[r->n_samples - 1].t_s > r->t_end_s)
        r->t_end_s = r->samples[r->n_samples - 1].t_s;
    if (r->n_isamples > 0 && r->isamples[r->n_isamples - 1].t_s > r->t_end_s)
        r->t_end_s = r->isamples[r->n_isamples - 1].t_s;
}

void free_report(struct report *rep)
{
    for (size_t i = 0; rep->runs && i < rep->n_runs; i++) {
        free(rep->runs[i].epochs);
        free(rep->runs[i].devices);
        free(rep->runs[i].samples);
        free(rep->runs[i].isamples);
    }
    free(rep->runs);
    json_decref(rep->root);
}

/* Local date and time of the report; SOURCE_DATE_EPOCH (UTC) makes it reproducible. */
void report_date(char *buf, size_t len, char *iso, size_t iso_len)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t now = time(NULL);
    struct tm tm;
    if (sde && *sde) {
        now = (time_t)strtoll(sde, NULL, 10);
        gmtime_r(&now, &tm);
    } else {
        localtime_r(&now, &tm);
    }
    strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
    strftime(iso, iso_len, "%Y-%m-%dT%H:%M:%S", &tm);
}

int load_report(const char *json_text, struct report *rep, char *err, size_t errlen)
{
    json_error_t jerr;
    const json_t *runs, *totals, *v;
    const char *format;
    size_t i;

    rep->root = json_loads(json_text, 0, &jerr);
    if (!rep->root) {
        snprintf(err, errlen, "not a JSON document (line %d: %s)", jerr.line, jerr.text);
        return REPORT_EXIT_DATAERR;
    }
    format = jstr(rep->root, "format");
    if (!format || strcmp(format, "carbontracker-parse") != 0) {
        snprintf(err, errlen, "not a carbontracker-parse document (\"format\" is missing)");
        return REPORT_EXIT_DATAERR;
    }
    if (jnum(rep->root, "format_version") != 1.0) {
        snprintf(err, errlen, "unsupported format_version (this version reads 1)");
        return REPORT_EXIT_DATAERR;
    }
    runs = json_object_get(rep->root, "runs");
    rep->skipped = json_object_get(rep->root, "skipped");
    rep->n_skipped = json_array_size(rep->skipped);
    rep->n_runs = json_array_size(runs);
    if (rep->n_runs == 0) {
        snprintf(err, errlen, "no carbontracker run found (%zu file(s) skipped)", rep->n_skipped);
        return REPORT_EXIT_NOINPUT;
    }
    rep->runs = calloc(rep->n_runs, sizeof(*rep->runs));
    if (!rep->runs)
        goto nomem;
    json_array_foreach(runs, i, v)
    {
        if (!json_is_object(v)) {
            snprintf(err, errlen, "run %zu is not an object", i + 1);
            return REPORT_EXIT_DATAERR;
        }
        if (load_run(v, &rep->runs[i]) != 0)
            goto nomem;
        load_derived(v, &rep->runs[i]);
        name_run(&rep->runs[i]);
    }
    for (i = 0; i < rep->n_runs; i++) {
        const struct rp_run *r = &rep->runs[i];
        if (r->version || r->n_epochs || r->n_devices || r->n_samples || r->actual.present ||
            r->pred.present)
            break;
    }
    if (i == rep->n_runs) {
        snprintf(err, errlen, "no carbontracker record in the logs (not a carbontracker log?)");
        return REPORT_EXIT_DATAERR;
    }
    totals = json_object_get(rep->root, "totals");
    rep->total_kwh = jnum(totals, "energy_kwh");
    rep->total_g = jnum(totals, "co2eq_g");
    rep->total_km = jnum(json_object_get(totals, "equivalents"), "km travelled by car");
    if (isnan(rep->total_kwh) || isnan(rep->total_g)) {
        rep->total_kwh = rep->total_g = 0;
        for (i = 0; i < rep->n_runs; i++) {
            rep->total_kwh += or0(rep->runs[i].energy_kwh_pue);
            rep->total_g += or0(rep->runs[i].co2eq_g);
        }
    }
    if (isnan(rep->total_km))
        rep->total_km = rep->total_g * KM_PER_G;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return REPORT_EXIT_SOFTWARE;
}

const char *status_of(const struct rp_run *r)
{
    if (r->truncated)
        return "cut short";
    if (r->early_stop)
        return "early stop";
    if (!r->actual.present)
        return "no actual";
    return "complete";
}

/* Which figure upstream's aggregation counts for the run. */
const char *counted_as(const struct rp_run *r)
{
    if (!r->aggregated)
        return "neither";
    return strcmp(r->aggregated, "pred") == 0 ? "prediction" : r->aggregated;
}
