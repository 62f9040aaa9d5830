/*
 * report.c - `carbontracker --report`: reads the carbontracker-parse JSON document (runs, epochs,
 * devices, samples), draws the report on US-letter pages with cairo and writes it as PDF, SVG or
 * PNG (pages stacked) or as an HTML page (tables plus the SVG inline). See doc/report.md for what
 * each number is and where it comes from.
 */
#include "report.h"
#include "cli.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- page geometry (points) and look ----------------------------------------------------------
 */

#define PAGE_W 612.0 /* US letter, as upstream's reportlab report */
#define PAGE_H 792.0
#define MARGIN 40.0
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define BOTTOM (PAGE_H - MARGIN)
#define PNG_SCALE 2.0 /* 144 dpi */
#define FONT "DejaVu Sans"
#define KM_PER_G (1.0 / 107.5) /* EEA 2020 average new car in the EU, as the console */
#define MAX_PLOT_POINTS 1500   /* longer series are averaged into this many buckets */
#define MAX_DEVICE_ROWS 8

typedef struct rgb {
    double r, g, b;
} rgb;

static const rgb C_TEXT = {0.13, 0.15, 0.18};
static const rgb C_MUTED = {0.40, 0.43, 0.47};
static const rgb C_GRID = {0.88, 0.89, 0.91};
static const rgb C_AXIS = {0.35, 0.37, 0.40};
static const rgb C_BOX = {0.955, 0.965, 0.975};
static const rgb C_CPU = {0.12, 0.47, 0.71};
static const rgb C_GPU = {0.90, 0.45, 0.05};
static const rgb C_TOTAL = {0.25, 0.25, 0.28};
static const rgb C_ENERGY = {0.30, 0.45, 0.69};
static const rgb C_CO2 = {0.33, 0.56, 0.36};
static const rgb C_INTENSITY = {0.55, 0.35, 0.64};
static const rgb C_PRED = {0.62, 0.66, 0.71};
static const rgb C_ACTUAL = {0.18, 0.49, 0.20};
static const rgb C_WARN_BG = {1.00, 0.93, 0.88};
static const rgb C_WARN = {0.70, 0.22, 0.05};
static const rgb C_INFO_BG = {0.91, 0.94, 0.99};
static const rgb C_INFO = {0.15, 0.30, 0.60};

/* ---- the data, read from the JSON document ------------------------------------------------ */

struct consumption {
    int present;
    int epochs;
    double duration_s;
    double energy_kwh; /* PUE included, as the console prints it */
    double co2eq_g;
    double km; /* "km travelled by car", NaN when absent */
};

struct epoch {
    int epoch;
    double duration_s, cpu_power_w, gpu_power_w, energy_j, energy_kwh, co2eq_g;
};

struct device {
    const char *component, *name, *meter, *provenance;
    double energy_j;
};

struct sample {
    double t_s, cpu_w, gpu_w;
};

struct isample {
    double t_s, g_per_kwh;
    const char *source;
};

/* One run; strings point into the JSON tree, which outlives the run. */
struct run {
    const char *std_file, *out_file, *jsonl_file, *source, *version, *location;
    double pue; /* NaN when the log has none */
    int early_stop, truncated;
    struct consumption actual, pred;
    const char *aggregated;     /* what the totals count: "actual", "pred" or NULL (neither) */
    double intensity_g_per_kwh; /* NaN when unknown */
    int intensity_inferred;     /* 1: from the logged values, 2: CO2eq / energy of a block */
    struct epoch *epochs;
    size_t n_epochs;
    struct device *devices;
    size_t n_devices;
    struct sample *samples;
    size_t n_samples;
    struct isample *isamples;
    size_t n_isamples;
    size_t n_skipped;
    int has_cpu, has_gpu;

    /* Derived (derive_run): what the report shows. */
    double pue_used;       /* pue, else inferred from the totals, else 1 */
    int pue_inferred;      /* 1: pue_used was inferred, 2: unknown (1 used) */
    double energy_j;       /* without PUE */
    double energy_kwh_pue; /* with PUE */
    double co2eq_g, km, duration_s;
    int n_epochs_shown;
    double epochs_s; /* sum of the logged epochs' durations */
    double power_w, cpu_power_w, gpu_power_w;
    double t_end_s; /* end of the time axis */
    char name[160]; /* the standard log's file name without directory */
    char stem[160]; /* name without "_carbontracker.log" (or ".log") */
};

struct report {
    json_t *root;
    struct run *runs;
    size_t n_runs;
    double total_kwh, total_g, total_km;
    size_t n_skipped;
    json_t *skipped;
    const char *input;
    char date[64];
};

static double jnum(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int jtrue(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static void load_consumption(const json_t *o, struct consumption *c)
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
}

/* calloc for n elements that may be 0 (a 1-element block then, so NULL means no memory). */
static void *alloc_n(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

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
static int epochs_from_components(const json_t *comps, struct run *r)
{
    const json_t *cpu = json_object_get(comps, "cpu"), *gpu = json_object_get(comps, "gpu");
    const json_t *any = cpu ? cpu : gpu;
    const json_t *dur = json_object_get(any, "epoch_durations (s)");
    size_t n = json_array_size(dur);
    r->epochs = alloc_n(n, sizeof(*r->epochs));
    if (!r->epochs)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct epoch *e = &r->epochs[i];
        const json_t *cp = json_array_get(json_object_get(cpu, "avg_power_usages (W)"), i);
        const json_t *gp = json_array_get(json_object_get(gpu, "avg_power_usages (W)"), i);
        e->epoch = (int)i + 1;
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

static int load_run(const json_t *jr, struct run *r)
{
    const json_t *a, *v, *comps = json_object_get(jr, "components");
    size_t i;

    r->std_file = jstr(jr, "standard_filename");
    r->out_file = jstr(jr, "output_filename");
    r->jsonl_file = jstr(jr, "jsonl_filename");
    r->source = jstr(jr, "source");
    r->version = jstr(jr, "carbontracker_version");
    r->location = jstr(jr, "location");
    r->pue = jnum(jr, "pue");
    r->early_stop = jtrue(jr, "early_stop");
    r->truncated = jtrue(jr, "truncated");
    load_consumption(json_object_get(jr, "actual"), &r->actual);
    load_consumption(json_object_get(jr, "pred"), &r->pred);
    r->intensity_g_per_kwh = jnum(jr, "intensity_g_per_kwh");
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
        r->n_epochs = json_array_size(a);
        r->epochs = alloc_n(r->n_epochs, sizeof(*r->epochs));
        if (!r->epochs)
            return -1;
        json_array_foreach(a, i, v)
        {
            struct epoch *e = &r->epochs[i];
            json_t *num = json_object_get(v, "epoch");
            e->epoch = json_is_integer(num) ? (int)json_integer_value(num) : (int)i + 1;
            e->duration_s = jnum(v, "duration_s");
            e->cpu_power_w = jnum(v, "cpu_power_w");
            e->gpu_power_w = jnum(v, "gpu_power_w");
            e->energy_j = jnum(v, "energy_j");
            e->energy_kwh = jnum(v, "energy_kwh");
            e->co2eq_g = jnum(v, "co2eq_g");
        }
    }

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
                struct device *d = &r->devices[r->n_devices++];
                d->component = comp;
                d->name = json_string_value(v);
                d->energy_j = NAN;
            }
        }
    } else {
        r->devices = alloc_n(r->n_devices, sizeof(*r->devices));
        if (!r->devices)
            return -1;
        json_array_foreach(a, i, v)
        {
            struct device *d = &r->devices[i];
            d->component = jstr(v, "component");
            d->name = jstr(v, "name");
            d->meter = jstr(v, "meter");
            d->provenance = jstr(v, "provenance");
            d->energy_j = jnum(v, "energy_j");
        }
    }
    for (i = 0; i < r->n_devices; i++) {
        const char *c = r->devices[i].component;
        if (c && strcmp(c, "cpu") == 0)
            r->has_cpu = 1;
        else if (c && strcmp(c, "gpu") == 0)
            r->has_gpu = 1;
    }

    a = json_object_get(jr, "samples");
    r->n_samples = json_array_size(a);
    r->samples = alloc_n(r->n_samples, sizeof(*r->samples));
    if (!r->samples)
        return -1;
    json_array_foreach(a, i, v)
    {
        r->samples[i].t_s = jnum(v, "t_s");
        r->samples[i].cpu_w = jnum(v, "cpu_w");
        r->samples[i].gpu_w = jnum(v, "gpu_w");
    }

    a = json_object_get(jr, "intensity_samples");
    r->n_isamples = json_array_size(a);
    r->isamples = alloc_n(r->n_isamples, sizeof(*r->isamples));
    if (!r->isamples)
        return -1;
    json_array_foreach(a, i, v)
    {
        r->isamples[i].t_s = jnum(v, "t_s");
        r->isamples[i].g_per_kwh = jnum(v, "g_per_kwh");
        r->isamples[i].source = jstr(v, "source");
    }
    return 0;
}

static double or0(double v)
{
    return isnan(v) ? 0.0 : v;
}

/* The figures the report shows, PUE counted as the console counts it (doc/report.md). */
static void derive_run(struct run *r)
{
    const char *base = r->std_file ? r->std_file : r->out_file ? r->out_file : "(unnamed run)";
    const char *slash = strrchr(base, '/');
    double cpu_j = 0, gpu_j = 0, sum_co2 = 0;
    int co2_all = r->n_epochs > 0;

    /* No intensity line (a killed run has none): the mean of the logged values, else what the
       prediction or actual block implies. */
    if (isnan(r->intensity_g_per_kwh) && r->n_isamples > 0) {
        double s = 0;
        for (size_t i = 0; i < r->n_isamples; i++)
            s += r->isamples[i].g_per_kwh;
        r->intensity_g_per_kwh = s / (double)r->n_isamples;
        r->intensity_inferred = 1;
    }
    for (int k = 0; k < 2 && isnan(r->intensity_g_per_kwh); k++) {
        const struct consumption *c = k ? &r->pred : &r->actual;
        if (c->present && c->energy_kwh > 0 && c->co2eq_g >= 0) {
            r->intensity_g_per_kwh = c->co2eq_g / c->energy_kwh;
            r->intensity_inferred = 2;
        }
    }
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
    r->energy_j = 0;
    r->epochs_s = 0;
    for (size_t i = 0; i < r->n_epochs; i++) {
        const struct epoch *e = &r->epochs[i];
        r->energy_j += or0(e->energy_j);
        r->epochs_s += or0(e->duration_s);
        cpu_j += or0(e->cpu_power_w) * or0(e->duration_s);
        gpu_j += or0(e->gpu_power_w) * or0(e->duration_s);
        if (isnan(e->co2eq_g))
            co2_all = 0;
        sum_co2 += or0(e->co2eq_g);
    }
    if (r->n_epochs == 0 && r->actual.present && !isnan(r->pue) && r->pue > 0)
        r->energy_j = r->actual.energy_kwh / r->pue * 3.6e6;

    r->pue_inferred = 0;
    if (!isnan(r->pue) && r->pue > 0) {
        r->pue_used = r->pue;
    } else if (r->actual.present && r->energy_j > 0 && r->actual.energy_kwh > 0) {
        r->pue_used = r->actual.energy_kwh / (r->energy_j / 3.6e6);
        r->pue_inferred = 1;
    } else {
        r->pue_used = 1.0;
        r->pue_inferred = 2;
    }

    if (r->actual.present && !isnan(r->actual.energy_kwh)) {
        r->energy_kwh_pue = r->actual.energy_kwh;
        r->co2eq_g = r->actual.co2eq_g;
        /* The epochs' own durations are more precise than the printed H:MM:SS. */
        r->duration_s = (r->epochs_s > 0 && (size_t)r->actual.epochs == r->n_epochs) ||
                                isnan(r->actual.duration_s)
                            ? r->epochs_s
                            : r->actual.duration_s;
        r->n_epochs_shown = r->actual.epochs > 0 ? r->actual.epochs : (int)r->n_epochs;
        r->km = r->actual.km;
    } else {
        r->energy_kwh_pue = r->energy_j / 3.6e6 * r->pue_used;
        r->co2eq_g = co2_all ? sum_co2 : r->energy_kwh_pue * r->intensity_g_per_kwh;
        r->duration_s = r->epochs_s;
        r->n_epochs_shown = (int)r->n_epochs;
        r->km = NAN;
    }
    if (isnan(r->km) && !isnan(r->co2eq_g))
        r->km = r->co2eq_g * KM_PER_G;

    r->power_w = r->epochs_s > 0 ? r->energy_j / r->epochs_s : NAN;
    r->cpu_power_w = r->epochs_s > 0 && r->has_cpu ? cpu_j / r->epochs_s : NAN;
    r->gpu_power_w = r->epochs_s > 0 && r->has_gpu ? gpu_j / r->epochs_s : NAN;
    if (r->n_epochs == 0 && r->n_samples > 0) {
        /* Samples only: average them. */
        double c = 0, g = 0;
        for (size_t i = 0; i < r->n_samples; i++) {
            c += or0(r->samples[i].cpu_w);
            g += or0(r->samples[i].gpu_w);
        }
        r->cpu_power_w = r->has_cpu ? c / (double)r->n_samples : NAN;
        r->gpu_power_w = r->has_gpu ? g / (double)r->n_samples : NAN;
        r->power_w = (c + g) / (double)r->n_samples;
    }
    r->t_end_s = r->epochs_s;
    if (r->n_samples > 0 && r->samples[r->n_samples - 1].t_s > r->t_end_s)
        r->t_end_s = r->samples[r->n_samples - 1].t_s;
    if (r->n_isamples > 0 && r->isamples[r->n_isamples - 1].t_s > r->t_end_s)
        r->t_end_s = r->isamples[r->n_isamples - 1].t_s;
}

static void free_report(struct report *rep)
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
static void report_date(char *buf, size_t len, char *iso, size_t iso_len)
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

static int load_report(const char *json_text, struct report *rep, char *err, size_t errlen)
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
        derive_run(&rep->runs[i]);
    }
    for (i = 0; i < rep->n_runs; i++) {
        const struct run *r = &rep->runs[i];
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
    return CLI_EXIT_SOFTWARE;
}

/* ---- number formatting (the same text in the drawing and the HTML tables) ---------------------
 */

/* `sig` significant digits in plain decimal notation; "n/a" for NaN. */
static const char *fmt_sig(char *buf, size_t len, double v, int sig)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "n/a");
        return buf;
    }
    if (v == 0) {
        snprintf(buf, len, "0");
        return buf;
    }
    int dec = sig - 1 - (int)floor(log10(fabs(v)));
    if (dec < 0)
        dec = 0;
    if (dec > 12)
        dec = 12;
    snprintf(buf, len, "%.*f", dec, v);
    return buf;
}

static const char *fmt_kwh(char *buf, size_t len, double kwh)
{
    char n[48];
    snprintf(buf, len, "%s kWh", fmt_sig(n, sizeof(n), kwh, 4));
    return buf;
}

static const char *fmt_co2(char *buf, size_t len, double g)
{
    char n[48];
    if (!isfinite(g))
        snprintf(buf, len, "n/a");
    else if (fabs(g) >= 1000)
        snprintf(buf, len, "%s kg", fmt_sig(n, sizeof(n), g / 1000, 4));
    else
        snprintf(buf, len, "%s g", fmt_sig(n, sizeof(n), g, 4));
    return buf;
}

/* `dec` decimals; "-" for NaN (a component the run does not have). */
static const char *fmt_fixed(char *buf, size_t len, double v, int dec)
{
    if (isfinite(v))
        snprintf(buf, len, "%.*f", dec, v);
    else
        snprintf(buf, len, "-");
    return buf;
}

/* Joules: whole numbers from 1000 J on, else 4 significant digits. */
static const char *fmt_joules(char *buf, size_t len, double j)
{
    if (isfinite(j) && fabs(j) >= 1000)
        snprintf(buf, len, "%.0f", j);
    else
        fmt_sig(buf, len, j, 4);
    return buf;
}

static const char *fmt_power(char *buf, size_t len, double w)
{
    if (isfinite(w))
        snprintf(buf, len, "%.1f W", w);
    else
        snprintf(buf, len, "n/a");
    return buf;
}

/* Upstream's report: "Xh Ymin Zs", zero parts left out, "0s" when all are zero. Under a minute
 * the seconds keep one decimal. */
static const char *fmt_duration(char *buf, size_t len, double s)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, len, "n/a");
        return buf;
    }
    if (s < 60) {
        if (fabs(s - rint(s)) < 0.05)
            snprintf(buf, len, "%.0fs", rint(s));
        else
            snprintf(buf, len, "%.1fs", s);
        return buf;
    }
    long t = lrint(s), h = t / 3600, m = t % 3600 / 60, sec = t % 60;
    size_t n = 0;
    buf[0] = '\0';
    if (h)
        n += (size_t)snprintf(buf + n, len - n, "%ldh", h);
    if (m && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%s%ldmin", n ? " " : "", m);
    if (sec && n < len)
        snprintf(buf + n, len - n, "%s%lds", n ? " " : "", sec);
    return buf;
}

/* ---- drawing primitives ------------------------------------------------------------------- */

static void set_rgb(cairo_t *cr, rgb c)
{
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static double text_w(cairo_t *cr, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

enum align { LEFT, CENTER, RIGHT };

/* Text with its baseline at y; when wider than maxw (> 0) the start is replaced by "…" so that
 * the end (a file name's distinctive part) stays. */
static void text(cairo_t *cr, double x, double y, const char *s, enum align al, double maxw)
{
    char tmp[512];
    const char *out = s;
    if (maxw > 0 && text_w(cr, s) > maxw) {
        size_t len = strlen(s), skip = 0;
        while (skip < len) {
            skip++;
            while (skip < len && ((unsigned char)s[skip] & 0xC0) == 0x80)
                skip++;
            snprintf(tmp, sizeof(tmp), "\u2026%s", s + skip);
            if (text_w(cr, tmp) <= maxw)
                break;
        }
        out = tmp;
    }
    double w = text_w(cr, out);
    cairo_move_to(cr, al == LEFT ? x : al == CENTER ? x - w / 2 : x - w, y);
    cairo_show_text(cr, out);
}

/* Bytes of the longest start of p[0..len) (whole UTF-8 characters, at least one) that fits in
 * maxw. */
static size_t fit_prefix(cairo_t *cr, const char *p, size_t len, double maxw)
{
    char tmp[1024];
    size_t k = len < sizeof(tmp) ? len : sizeof(tmp) - 1;
    while (k > 1) {
        while (k > 1 && ((unsigned char)p[k] & 0xC0) == 0x80)
            k--; /* not inside a character */
        memcpy(tmp, p, k);
        tmp[k] = '\0';
        if (text_w(cr, tmp) <= maxw)
            break;
        k--;
    }
    return k;
}

/* Word-wrapped paragraph from baseline y; words wider than a line are cut. Returns the height
 * used. Draws only when `draw`. */
static double para(cairo_t *cr, double x, double y, double maxw, double line_h, const char *s,
                   int draw)
{
    char line[1024], cand[1024];
    size_t n = 0, lines = 0;
    const char *p = s;
    line[0] = '\0';
    while (*p) {
        size_t wl = strcspn(p, " ");
        wl = fit_prefix(cr, p, wl, maxw); /* the word, or as much of it as fits a line */
        int fits = n + 1 + wl < sizeof(cand);
        if (fits) {
            memcpy(cand, line, n);
            cand[n] = ' ';
            memcpy(cand + (n ? n + 1 : 0), p, wl);
            cand[(n ? n + 1 : 0) + wl] = '\0';
            fits = text_w(cr, cand) <= maxw;
        }
        if (n && !fits) {
            if (draw)
                text(cr, x, y + (double)lines * line_h, line, LEFT, 0);
            lines++;
            memcpy(line, p, wl);
            line[wl] = '\0';
        } else {
            memcpy(line, cand, strlen(cand) + 1);
        }
        n = strlen(line);
        p += wl;
        while (*p == ' ')
            p++;
    }
    if (n) {
        if (draw)
            text(cr, x, y + (double)lines * line_h, line, LEFT, 0);
        lines++;
    }
    return (double)lines * line_h;
}

static void rect_fill(cairo_t *cr, double x, double y, double w, double h, rgb c)
{
    set_rgb(cr, c);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
}

/* ---- pages ----------------------------------------------------------------------------------- */

/*
 * The report is drawn twice: once on a scratch recording surface to count the pages, then on
 * the output surface. PDF pages are separate pages; SVG, PNG and HTML stack them on one tall
 * surface, each page translated below the previous one.
 */
struct doc {
    cairo_t *cr;
    int paged;      /* 1: cairo_show_page() between pages (PDF); 0: stacked */
    int started;    /* a page is open */
    size_t page;    /* index of the open page */
    size_t n_pages; /* pages the first pass drew (0 during the first pass) */
    double y;       /* next free line on the open page */
    const char *footer;
    int oom; /* something was left out for want of memory */
};

static void doc_footer(struct doc *d)
{
    char buf[64];
    cairo_t *cr = d->cr;
    font(cr, 7, 0);
    set_rgb(cr, C_MUTED);
    text(cr, MARGIN, PAGE_H - 20, d->footer, LEFT, CONTENT_W - 80);
    if (d->n_pages)
        snprintf(buf, sizeof(buf), "Page %zu of %zu", d->page + 1, d->n_pages);
    else
        snprintf(buf, sizeof(buf), "Page %zu", d->page + 1);
    text(cr, PAGE_W - MARGIN, PAGE_H - 20, buf, RIGHT, 0);
}

static void doc_end_page(struct doc *d)
{
    if (!d->started)
        return;
    doc_footer(d);
    if (d->paged)
        cairo_show_page(d->cr);
    else
        cairo_restore(d->cr);
    d->started = 0;
    d->page++;
}

static void doc_new_page(struct doc *d)
{
    doc_end_page(d);
    d->started = 1;
    if (!d->paged) {
        cairo_save(d->cr);
        cairo_translate(d->cr, 0, PAGE_H * (double)d->page);
    }
    rect_fill(d->cr, 0, 0, PAGE_W, PAGE_H, (rgb){1, 1, 1});
    if (!d->paged && d->page > 0)
        rect_fill(d->cr, 0, 0, PAGE_W, 1.5, C_GRID); /* where one page ends and the next starts */
    d->y = MARGIN;
}

/* Room for `h` points on this page, else a new page. */
static void doc_need(struct doc *d, double h)
{
    if (d->y + h > BOTTOM)
        doc_new_page(d);
}

static void section(struct doc *d, const char *title, double need_after)
{
    doc_need(d, 22 + need_after);
    cairo_t *cr = d->cr;
    d->y += 6;
    font(cr, 11.5, 1);
    set_rgb(cr, C_TEXT);
    text(cr, MARGIN, d->y + 11, title, LEFT, 0);
    cairo_set_line_width(cr, 0.6);
    set_rgb(cr, C_GRID);
    cairo_move_to(cr, MARGIN, d->y + 15.5);
    cairo_line_to(cr, PAGE_W - MARGIN, d->y + 15.5);
    cairo_stroke(cr);
    d->y += 22;
}

/* A coloured note box (warning or information) with wrapped text. */
static void banner(struct doc *d, const char *msg, int warn)
{
    cairo_t *cr = d->cr;
    font(cr, 8.5, 0);
    double h = para(cr, 0, 0, CONTENT_W - 20, 11, msg, 0) + 10;
    doc_need(d, h + 6);
    cr = d->cr;
    font(cr, 8.5, 0);
    rect_fill(cr, MARGIN, d->y, CONTENT_W, h, warn ? C_WARN_BG : C_INFO_BG);
    rect_fill(cr, MARGIN, d->y, 3, h, warn ? C_WARN : C_INFO);
    set_rgb(cr, warn ? C_WARN : C_INFO);
    para(cr, MARGIN + 10, d->y + 13, CONTENT_W - 20, 11, msg, 1);
    d->y += h + 6;
}

static void kpi_box(cairo_t *cr, double x, double y, double w, double h, rgb accent,
                    const char *label, const char *value, const char *note)
{
    double size = 16;
    rect_fill(cr, x, y, w, h, C_BOX);
    rect_fill(cr, x, y, 3, h, accent);
    font(cr, 7.5, 1);
    set_rgb(cr, C_MUTED);
    text(cr, x + 10, y + 12, label, LEFT, w - 14);
    font(cr, size, 1);
    while (size > 9 && text_w(cr, value) > w - 16) {
        size -= 0.5;
        font(cr, size, 1);
    }
    set_rgb(cr, C_TEXT);
    text(cr, x + 10, y + 30, value, LEFT, w - 14);
    font(cr, 7, 0);
    set_rgb(cr, C_MUTED);
    text(cr, x + 10, y + h - 5.5, note, LEFT, w - 14);
}

/* A grid of KPI boxes, three per row. */
struct kpi {
    rgb accent;
    const char *label;
    char value[64];
    char note[160];
};

static void kpi_grid(struct doc *d, const struct kpi *k, int n)
{
    const double gap = 8, h = 44, w = (CONTENT_W - 2 * gap) / 3;
    for (int i = 0; i < n; i += 3) {
        doc_need(d, h + gap);
        for (int j = i; j < n && j < i + 3; j++)
            kpi_box(d->cr, MARGIN + (j - i) * (w + gap), d->y, w, h, k[j].accent, k[j].label,
                    k[j].value, k[j].note);
        d->y += h + gap;
    }
}

/* A table: header row, then rows of cells; columns with right alignment where asked. */
struct column {
    const char *title;
    double w;
    enum align al;
};

static void table_row(struct doc *d, const struct column *cols, int ncols, const char *const *cells,
                      int header, int shade)
{
    const double row_h = header ? 15 : 13;
    cairo_t *cr = d->cr;
    double x = MARGIN;
    if (header)
        rect_fill(cr, MARGIN, d->y, CONTENT_W, row_h, (rgb){0.90, 0.92, 0.94});
    else if (shade)
        rect_fill(cr, MARGIN, d->y, CONTENT_W, row_h, (rgb){0.97, 0.975, 0.98});
    font(cr, header ? 7.5 : 8, header);
    set_rgb(cr, header ? C_MUTED : C_TEXT);
    for (int c = 0; c < ncols; c++) {
        double tx = cols[c].al == RIGHT ? x + cols[c].w - 4 : x + 4;
        text(cr, tx, d->y + row_h - 4, cells[c], cols[c].al, cols[c].w - 8);
        x += cols[c].w;
    }
    d->y += row_h;
}

/* ---- charts ------------------------------------------------------------------------------- */

struct frame {
    double x, y, w, h;     /* plot area */
    double x0, x1, y0, y1; /* data range */
    double xstep, ystep;   /* tick steps */
    int x_ticks;           /* categorical axes: label every x_ticks-th category */
};

static double fx(const struct frame *f, double v)
{
    return f->x + (v - f->x0) / (f->x1 - f->x0) * f->w;
}

static double fy(const struct frame *f, double v)
{
    return f->y + f->h - (v - f->y0) / (f->y1 - f->y0) * f->h;
}

/* 1, 2 or 5 times a power of ten, about range / max_ticks. */
static double nice_step(double range, int max_ticks)
{
    if (!(range > 0))
        return 1;
    double raw = range / (max_ticks < 1 ? 1 : max_ticks);
    double mag = pow(10, floor(log10(raw)));
    double r = raw / mag;
    return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

static void fmt_tick(char *buf, size_t len, double v, double step)
{
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (dec > 10)
        dec = 10;
    if (fabs(v) < step * 1e-6)
        v = 0;
    snprintf(buf, len, "%.*f", dec, v);
}

struct legend_item {
    const char *label;
    rgb color;
    int line; /* 1: a line sample, 0: a square */
};

/* Chart box: title and legend on top, y axis label and ticks on the left, x ticks and label
 * below. Fills in f's plot area and ticks; x_cat > 0 means categories 1..x_cat. */
static void chart_axes(cairo_t *cr, double bx, double by, double bw, double bh, const char *title,
                       const struct legend_item *leg, int n_leg, const char *xlabel,
                       const char *ylabel, double xmax, int x_cat, double ymax, struct frame *f)
{
    char buf[48];
    double lx;

    f->x = bx + 48;
    f->y = by + 20;
    f->w = bw - 48 - 8;
    f->h = bh - 20 - 28;

    /* Title and legend. */
    font(cr, 9, 1);
    set_rgb(cr, C_TEXT);
    text(cr, bx, by + 10, title, LEFT, 0);
    font(cr, 7, 0);
    lx = bx + bw;
    for (int i = n_leg - 1; i >= 0; i--) {
        double w = text_w(cr, leg[i].label);
        lx -= w;
        set_rgb(cr, C_TEXT);
        text(cr, lx, by + 10, leg[i].label, LEFT, 0);
        lx -= 12;
        set_rgb(cr, leg[i].color);
        if (leg[i].line) {
            cairo_set_line_width(cr, 1.6);
            cairo_move_to(cr, lx, by + 7.5);
            cairo_line_to(cr, lx + 9, by + 7.5);
            cairo_stroke(cr);
        } else {
            cairo_rectangle(cr, lx + 1, by + 3.5, 7, 7);
            cairo_fill(cr);
        }
        lx -= 8;
    }

    /* Ranges and ticks. */
    if (!(ymax > 0) || !isfinite(ymax))
        ymax = 1;
    f->y0 = 0;
    f->ystep = nice_step(ymax, (int)(f->h / 18));
    f->y1 = ceil(ymax / f->ystep - 1e-9) * f->ystep;
    if (f->y1 < ymax * 1.04)
        f->y1 += f->ystep; /* headroom above the highest value */
    if (x_cat > 0) {
        f->x0 = 0.5;
        f->x1 = x_cat + 0.5;
        /* Label every x_ticks-th category, a step of 1, 2 or 5 times a power of ten. */
        f->x_ticks = (int)nice_step(x_cat, (int)(f->w / 22));
        if (f->x_ticks < 1)
            f->x_ticks = 1;
    } else {
        if (!(xmax > 0) || !isfinite(xmax))
            xmax = 1;
        f->x0 = 0;
        f->xstep = nice_step(xmax, (int)(f->w / 50));
        f->x1 = xmax; /* time axes end where the run ends */
    }

    /* Grid and y ticks. */
    cairo_set_line_width(cr, 0.5);
    font(cr, 6.5, 0);
    for (double v = f->y0; v <= f->y1 + f->ystep * 1e-6; v += f->ystep) {
        double y = fy(f, v);
        set_rgb(cr, C_GRID);
        cairo_move_to(cr, f->x, y);
        cairo_line_to(cr, f->x + f->w, y);
        cairo_stroke(cr);
        set_rgb(cr, C_MUTED);
        fmt_tick(buf, sizeof(buf), v, f->ystep);
        text(cr, f->x - 4, y + 2.3, buf, RIGHT, 0);
    }
    /* x ticks. */
    if (x_cat > 0) {
        for (int c = 1; c <= x_cat; c++) {
            /* Multiples of the step, and 1 when the step leaves room for it. */
            if (c % f->x_ticks != 0 && !(c == 1 && (f->x_ticks >= 5 || f->x_ticks == 1)))
                continue;
            snprintf(buf, sizeof(buf), "%d", c);
            set_rgb(cr, C_MUTED);
            text(cr, fx(f, c), f->y + f->h + 9, buf, CENTER, 0);
        }
    } else {
        for (double v = f->x0; v <= f->x1 + f->xstep * 1e-6; v += f->xstep) {
            double x = fx(f, v);
            set_rgb(cr, C_AXIS);
            cairo_move_to(cr, x, f->y + f->h);
            cairo_line_to(cr, x, f->y + f->h + 3);
            cairo_stroke(cr);
            fmt_tick(buf, sizeof(buf), v, f->xstep);
            set_rgb(cr, C_MUTED);
            text(cr, x, f->y + f->h + 10, buf, CENTER, 0);
        }
    }
    /* Axes. */
    set_rgb(cr, C_AXIS);
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, f->x, f->y);
    cairo_line_to(cr, f->x, f->y + f->h);
    cairo_line_to(cr, f->x + f->w, f->y + f->h);
    cairo_stroke(cr);
    /* Axis labels. */
    font(cr, 7, 0);
    set_rgb(cr, C_MUTED);
    text(cr, f->x + f->w / 2, f->y + f->h + 22, xlabel, CENTER, 0);
    cairo_save(cr);
    cairo_translate(cr, bx + 8, f->y + f->h / 2);
    cairo_rotate(cr, -M_PI / 2);
    text(cr, 0, 0, ylabel, CENTER, f->h);
    cairo_restore(cr);
}

static void chart_empty(cairo_t *cr, double bx, double by, double bw, double bh, const char *title,
                        const char *msg)
{
    font(cr, 9, 1);
    set_rgb(cr, C_TEXT);
    text(cr, bx, by + 10, title, LEFT, 0);
    rect_fill(cr, bx, by + 20, bw, bh - 28, C_BOX);
    font(cr, 8, 0);
    set_rgb(cr, C_MUTED);
    text(cr, bx + bw / 2, by + 20 + (bh - 28) / 2 + 3, msg, CENTER, bw - 10);
}

/* Time axis unit for a run of `t_s` seconds. */
struct tunit {
    double div;
    const char *label;
};

static struct tunit time_unit(double t_s)
{
    if (t_s < 180)
        return (struct tunit){1, "Time (s)"};
    if (t_s < 3 * 3600)
        return (struct tunit){60, "Time (min)"};
    return (struct tunit){3600, "Time (h)"};
}

/* A polyline of (t, v) points, long series averaged into buckets; NaN breaks the line. */
static void plot_series(cairo_t *cr, const struct frame *f, const double *t, const double *v,
                        size_t n, double tdiv, rgb c, double width)
{
    size_t bucket = n > MAX_PLOT_POINTS ? (n + MAX_PLOT_POINTS - 1) / MAX_PLOT_POINTS : 1;
    int pen = 0;
    set_rgb(cr, c);
    cairo_set_line_width(cr, width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t i = 0; i < n; i += bucket) {
        double st = 0, sv = 0;
        size_t k = 0;
        for (size_t j = i; j < n && j < i + bucket; j++) {
            if (isnan(v[j]) || isnan(t[j]))
                continue;
            st += t[j];
            sv += v[j];
            k++;
        }
        if (k == 0) {
            pen = 0;
            continue;
        }
        double x = fx(f, st / (double)k / tdiv), y = fy(f, sv / (double)k);
        if (pen)
            cairo_line_to(cr, x, y);
        else
            cairo_move_to(cr, x, y);
        pen = 1;
    }
    cairo_stroke(cr);
}

/* Steps: value v[i] from t[i] to t[i+1] (the last to t_end). */
static void plot_steps(cairo_t *cr, const struct frame *f, const double *t, const double *v,
                       size_t n, double t_end, double tdiv, rgb c, double width)
{
    int pen = 0;
    set_rgb(cr, c);
    cairo_set_line_width(cr, width);
    for (size_t i = 0; i < n; i++) {
        double t1 = i + 1 < n ? t[i + 1] : t_end;
        if (isnan(v[i])) {
            pen = 0;
            continue;
        }
        if (pen)
            cairo_line_to(cr, fx(f, t[i] / tdiv), fy(f, v[i]));
        else
            cairo_move_to(cr, fx(f, t[i] / tdiv), fy(f, v[i]));
        cairo_line_to(cr, fx(f, t1 / tdiv), fy(f, v[i]));
        pen = 1;
    }
    cairo_stroke(cr);
}

static void plot_bars(cairo_t *cr, const struct frame *f, const double *v, size_t n, rgb c)
{
    double slot = f->w / (double)n, bw = slot * 0.7;
    if (bw < 0.6)
        bw = 0.6;
    set_rgb(cr, c);
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] > 0))
            continue;
        double x = fx(f, (double)i + 1) - bw / 2, y = fy(f, v[i]);
        cairo_rectangle(cr, x, y, bw, f->y + f->h - y);
    }
    cairo_fill(cr);
}

static double max_of(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] > m)
            m = v[i];
    return m;
}

/* Power over time per component: samples when the logs have them, else per-epoch averages. */
static void chart_power(cairo_t *cr, const struct run *r, double bx, double by, double bw,
                        double bh)
{
    const char *title = "Power over time (without PUE)";
    size_t n = r->n_samples ? r->n_samples : r->n_epochs;
    struct legend_item leg[3];
    int n_leg = 0;
    struct frame f;
    struct tunit u = time_unit(r->t_end_s);
    char xl[160];
    double *t = NULL, *cpu = NULL, *gpu = NULL, *tot = NULL, ymax = 0;

    if (n == 0) {
        chart_empty(cr, bx, by, bw, bh, title, "No power figures in the logs.");
        return;
    }
    t = calloc(n, sizeof(double));
    cpu = calloc(n, sizeof(double));
    gpu = calloc(n, sizeof(double));
    tot = calloc(n, sizeof(double));
    if (!t || !cpu || !gpu || !tot)
        goto cleanup;
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        if (r->n_samples) {
            t[i] = r->samples[i].t_s;
            cpu[i] = r->has_cpu ? r->samples[i].cpu_w : NAN;
            gpu[i] = r->has_gpu ? r->samples[i].gpu_w : NAN;
        } else {
            t[i] = acc;
            acc += or0(r->epochs[i].duration_s);
            cpu[i] = r->has_cpu ? r->epochs[i].cpu_power_w : NAN;
            gpu[i] = r->has_gpu ? r->epochs[i].gpu_power_w : NAN;
        }
        tot[i] = isnan(cpu[i]) && isnan(gpu[i]) ? NAN : or0(cpu[i]) + or0(gpu[i]);
        if (tot[i] > ymax)
            ymax = tot[i];
    }
    if (r->has_cpu)
        leg[n_leg++] = (struct legend_item){"CPU", C_CPU, 1};
    if (r->has_gpu)
        leg[n_leg++] = (struct legend_item){"GPU", C_GPU, 1};
    if (r->has_cpu && r->has_gpu)
        leg[n_leg++] = (struct legend_item){"Total", C_TOTAL, 1};
    if (r->n_samples)
        snprintf(xl, sizeof(xl), "%s since the first epoch started \u2022 %zu samples", u.label,
                 r->n_samples);
    else
        snprintf(xl, sizeof(xl),
                 "%s since the first epoch started \u2022 per-epoch averages (the logs have no "
                 "samples)",
                 u.label);
    chart_axes(cr, bx, by, bw, bh, title, leg, n_leg, xl, "Power (W)", r->t_end_s / u.div, 0, ymax,
               &f);
    cairo_save(cr);
    cairo_rectangle(cr, f.x, f.y - 1, f.w + 1, f.h + 1);
    cairo_clip(cr);
    if (r->n_samples) {
        if (r->has_cpu && r->has_gpu)
            plot_series(cr, &f, t, tot, n, u.div, C_TOTAL, 1.0);
        if (r->has_gpu)
            plot_series(cr, &f, t, gpu, n, u.div, C_GPU, 1.2);
        if (r->has_cpu)
            plot_series(cr, &f, t, cpu, n, u.div, C_CPU, 1.2);
    } else {
        if (r->has_cpu && r->has_gpu)
            plot_steps(cr, &f, t, tot, n, r->t_end_s, u.div, C_TOTAL, 1.0);
        if (r->has_gpu)
            plot_steps(cr, &f, t, gpu, n, r->t_end_s, u.div, C_GPU, 1.4);
        if (r->has_cpu)
            plot_steps(cr, &f, t, cpu, n, r->t_end_s, u.div, C_CPU, 1.4);
    }
    cairo_restore(cr);
cleanup:
    free(t);
    free(cpu);
    free(gpu);
    free(tot);
}

/* Energy (PUE included) or CO2eq per epoch, as bars. */
static void chart_epochs(cairo_t *cr, const struct run *r, int co2, double bx, double by, double bw,
                         double bh)
{
    char title[96];
    const char *unit;
    double scale = 1, *v;
    struct frame f;

    if (co2)
        snprintf(title, sizeof(title), "CO2eq per epoch");
    else
        snprintf(title, sizeof(title), "Energy per epoch (PUE %.2f included)", r->pue_used);
    if (r->n_epochs == 0) {
        chart_empty(cr, bx, by, bw, bh, title, "No epoch in the logs.");
        return;
    }
    v = calloc(r->n_epochs, sizeof(double));
    if (!v)
        return;
    for (size_t i = 0; i < r->n_epochs; i++) {
        const struct epoch *e = &r->epochs[i];
        double kwh = isnan(e->energy_kwh) ? or0(e->energy_j) / 3.6e6 * r->pue_used : e->energy_kwh;
        v[i] = co2 ? (isnan(e->co2eq_g) ? kwh * r->intensity_g_per_kwh : e->co2eq_g) : kwh;
    }
    double m = max_of(v, r->n_epochs);
    if (co2 && isnan(r->intensity_g_per_kwh) && !(m > 0)) {
        chart_empty(cr, bx, by, bw, bh, title, "No carbon intensity in the logs.");
        free(v);
        return;
    }
    if (co2) {
        unit = "CO2eq (g)";
        if (m >= 1000) {
            unit = "CO2eq (kg)";
            scale = 1000;
        }
    } else {
        unit = "Energy (kWh)";
        if (m < 0.01) {
            unit = "Energy (Wh)";
            scale = 0.001;
        }
    }
    for (size_t i = 0; i < r->n_epochs; i++)
        v[i] /= scale;
    chart_axes(cr, bx, by, bw, bh, title, NULL, 0, "Epoch", unit, 0, (int)r->n_epochs, m / scale,
               &f);
    plot_bars(cr, &f, v, r->n_epochs, co2 ? C_CO2 : C_ENERGY);
    free(v);
}

/* Carbon intensity over time: the logged values as steps, else the run's mean as a flat line. */
static void chart_intensity(cairo_t *cr, const struct run *r, double bx, double by, double bw,
                            double bh)
{
    const char *title = "Carbon intensity over time";
    struct tunit u = time_unit(r->t_end_s);
    struct frame f;
    double ymax = r->intensity_g_per_kwh, t_end = r->t_end_s > 0 ? r->t_end_s : 1;
    struct legend_item leg[2] = {{"logged values", C_INTENSITY, 1}, {"mean", C_MUTED, 1}};

    if (r->n_isamples == 0 && isnan(r->intensity_g_per_kwh)) {
        chart_empty(cr, bx, by, bw, bh, title, "No carbon intensity in the logs.");
        return;
    }
    for (size_t i = 0; i < r->n_isamples; i++)
        if (r->isamples[i].g_per_kwh > ymax || isnan(ymax))
            ymax = r->isamples[i].g_per_kwh;
    chart_axes(cr, bx, by, bw, bh, title, r->n_isamples ? leg : leg + 1, r->n_isamples ? 2 : 1,
               u.label, "gCO2/kWh", t_end / u.div, 0, ymax, &f);
    if (!isnan(r->intensity_g_per_kwh)) {
        double dash[] = {3, 2};
        cairo_set_dash(cr, dash, 2, 0);
        set_rgb(cr, C_MUTED);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, f.x, fy(&f, r->intensity_g_per_kwh));
        cairo_line_to(cr, fx(&f, t_end / u.div), fy(&f, r->intensity_g_per_kwh));
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    if (r->n_isamples) {
        double *t = calloc(r->n_isamples, sizeof(double));
        double *v = calloc(r->n_isamples, sizeof(double));
        if (t && v) {
            for (size_t i = 0; i < r->n_isamples; i++) {
                t[i] = r->isamples[i].t_s;
                v[i] = r->isamples[i].g_per_kwh;
            }
            plot_steps(cr, &f, t, v, r->n_isamples, t_end, u.div, C_INTENSITY, 1.6);
        }
        free(t);
        free(v);
    } else {
        /* Under the flat line, where nothing else is drawn. */
        font(cr, 6.5, 0);
        set_rgb(cr, C_MUTED);
        text(cr, f.x + f.w / 2, fy(&f, r->intensity_g_per_kwh) + 11,
             "one value for the whole run: the logs have no time series", CENTER, f.w - 6);
    }
}

/* Prediction vs actual: for energy, CO2eq and time a predicted and an actual bar, one above
 * the other, each pair scaled to its larger value, with the values written at the bars' ends. */
static void chart_pred(cairo_t *cr, const struct run *r, double bx, double by, double bw, double bh)
{
    char ltitle[2][48], buf[64];
    const char *names[3] = {"Energy (kWh)", "CO2eq", "Time"};
    double pv[3] = {r->pred.energy_kwh, r->pred.co2eq_g, r->pred.duration_s};
    double av[3] = {r->actual.energy_kwh, r->actual.co2eq_g, r->actual.duration_s};
    const double label_w = 58, value_w = 52, top = by + 30, bottom = by + bh - 14;
    const double group_h = (bottom - top) / 3, bar_h = fmin(11, group_h * 0.36);
    const double x0 = bx + label_w, bar_max = bw - label_w - value_w;
    struct legend_item leg[2];

    snprintf(ltitle[0], sizeof(ltitle[0]), "predicted (%d epochs)", r->pred.epochs);
    snprintf(ltitle[1], sizeof(ltitle[1]), "actual (%d epochs)", r->actual.epochs);
    leg[0] = (struct legend_item){ltitle[0], C_PRED, 0};
    leg[1] = (struct legend_item){ltitle[1], C_ACTUAL, 0};
    font(cr, 9, 1);
    set_rgb(cr, C_TEXT);
    text(cr, bx, by + 10, "Prediction vs actual", LEFT, 0);
    font(cr, 7, 0);
    double lx = bx + label_w; /* the legend goes under the title: the title row is too short */
    for (int i = 0; i < 2; i++) {
        set_rgb(cr, leg[i].color);
        cairo_rectangle(cr, lx, by + 15.5, 7, 7);
        cairo_fill(cr);
        set_rgb(cr, C_TEXT);
        text(cr, lx + 10, by + 22, leg[i].label, LEFT, 0);
        lx += 10 + text_w(cr, leg[i].label) + 12;
    }
    for (int g = 0; g < 3; g++) {
        double gy = top + group_h * g, m = fmax(or0(pv[g]), or0(av[g]));
        double cy = gy + group_h / 2;
        font(cr, 7.5, 0);
        set_rgb(cr, C_MUTED);
        text(cr, bx, cy + 2.5, names[g], LEFT, label_w - 4);
        for (int k = 0; k < 2; k++) {
            double v = k ? av[g] : pv[g], w = m > 0 ? or0(v) / m * bar_max : 0;
            double y = k ? cy + 0.5 : cy - 0.5 - bar_h;
            rect_fill(cr, x0, y, w, bar_h, k ? C_ACTUAL : C_PRED);
            if (g == 0)
                fmt_sig(buf, sizeof(buf), v, 4);
            else if (g == 1)
                fmt_co2(buf, sizeof(buf), v);
            else
                fmt_duration(buf, sizeof(buf), v);
            font(cr, 6.5, 0);
            set_rgb(cr, C_TEXT);
            text(cr, x0 + w + 3, y + bar_h - 2.5, buf, LEFT, 0);
        }
    }
    set_rgb(cr, C_AXIS);
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, x0, top);
    cairo_line_to(cr, x0, bottom);
    cairo_stroke(cr);
    font(cr, 6.5, 0);
    set_rgb(cr, C_MUTED);
    text(cr, bx + bw / 2, by + bh - 4, "each pair scaled to its larger value; PUE included", CENTER,
         bw);
}

/* ---- the report's sections ------------------------------------------------------------------ */

static void header(struct doc *d, const struct report *rep, const char *what)
{
    char sub[256];
    cairo_t *cr = d->cr;
    font(cr, 22, 1);
    set_rgb(cr, C_TEXT);
    text(cr, MARGIN, d->y + 20, "Carbon Emissions Report", LEFT, 0);
    snprintf(sub, sizeof(sub), "Generated by carbontracker v%s \u2022 %s", ct_version_string(),
             rep->date);
    font(cr, 9, 0);
    set_rgb(cr, C_MUTED);
    text(cr, MARGIN, d->y + 36, sub, LEFT, 0);
    font(cr, 8.5, 0);
    set_rgb(cr, C_TEXT);
    text(cr, MARGIN, d->y + 49, what, LEFT, CONTENT_W);
    d->y += 58;
}

static const char *status_of(const struct run *r)
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
static const char *counted_as(const struct run *r)
{
    if (!r->aggregated)
        return "neither";
    return strcmp(r->aggregated, "pred") == 0 ? "prediction" : r->aggregated;
}

/* Single-run KPIs. */
static void run_kpis(struct doc *d, const struct run *r)
{
    struct kpi k[6];
    char a[48], b[48], c[48];
    int actual = r->actual.present;

    memset(k, 0, sizeof(k));
    k[0].accent = C_CO2;
    k[0].label = actual ? "CO2EQ EMISSIONS" : "CO2EQ (LOGGED EPOCHS)";
    fmt_co2(k[0].value, sizeof(k[0].value), r->co2eq_g);
    if (isnan(r->co2eq_g))
        snprintf(k[0].note, sizeof(k[0].note), "no carbon intensity in the logs");
    else
        snprintf(k[0].note, sizeof(k[0].note), "\u2248 %s km travelled by car",
                 fmt_sig(a, sizeof(a), r->km, 4));

    k[1].accent = C_ENERGY;
    k[1].label = "ENERGY WITH PUE";
    fmt_kwh(k[1].value, sizeof(k[1].value), r->energy_kwh_pue);
    snprintf(k[1].note, sizeof(k[1].note), "PUE %.2f%s, as printed on the console", r->pue_used,
             r->pue_inferred == 1   ? " (inferred)"
             : r->pue_inferred == 2 ? " (unknown)"
                                    : "");

    k[2].accent = C_ENERGY;
    k[2].label = "ENERGY WITHOUT PUE";
    fmt_kwh(k[2].value, sizeof(k[2].value), r->energy_j / 3.6e6);
    snprintf(k[2].note, sizeof(k[2].note), "%s J at the devices",
             fmt_joules(a, sizeof(a), r->energy_j));

    k[3].accent = C_TOTAL;
    k[3].label = "DURATION";
    fmt_duration(k[3].value, sizeof(k[3].value), r->duration_s);
    snprintf(k[3].note, sizeof(k[3].note), "sum of the epochs' wall time");

    k[4].accent = C_TOTAL;
    k[4].label = "EPOCHS";
    snprintf(k[4].value, sizeof(k[4].value), "%d", r->n_epochs_shown);
    if (r->pred.present && r->pred.epochs != r->n_epochs_shown)
        snprintf(k[4].note, sizeof(k[4].note), "of %d predicted", r->pred.epochs);
    else
        snprintf(k[4].note, sizeof(k[4].note), "%s", actual ? "completed" : "logged");

    k[5].accent = C_GPU;
    k[5].label = "AVERAGE POWER";
    fmt_power(k[5].value, sizeof(k[5].value), r->power_w);
    if (r->has_cpu && r->has_gpu)
        snprintf(k[5].note, sizeof(k[5].note), "CPU %s + GPU %s, without PUE",
                 fmt_power(b, sizeof(b), r->cpu_power_w), fmt_power(c, sizeof(c), r->gpu_power_w));
    else
        snprintf(k[5].note, sizeof(k[5].note), "%s only, without PUE", r->has_gpu ? "GPU" : "CPU");
    kpi_grid(d, k, 6);
}

/* Where the numbers came from: devices, meters, provenance, intensity, PUE, files. */
static void run_provenance(struct doc *d, const struct run *r)
{
    static const struct column cols[] = {{"Component", 62, LEFT},
                                         {"Device", 210, LEFT},
                                         {"Meter", 90, LEFT},
                                         {"Provenance", 75, LEFT},
                                         {"Energy (J, no PUE)", 95, RIGHT}};
    const char *head[5];
    char line[1024], ci[64], sources[256] = "";
    size_t shown = r->n_devices > MAX_DEVICE_ROWS ? MAX_DEVICE_ROWS - 1 : r->n_devices;

    section(d, "Where the numbers come from", 15 + 13 * (double)(shown ? shown : 1));
    for (int i = 0; i < 5; i++)
        head[i] = cols[i].title;
    table_row(d, cols, 5, head, 1, 0);
    for (size_t i = 0; i < shown; i++) {
        const struct device *dv = &r->devices[i];
        char e[48];
        const char *cells[5] = {dv->component ? dv->component : "?", dv->name ? dv->name : "?",
                                dv->meter ? dv->meter : "(not in the logs)",
                                dv->provenance ? dv->provenance : "n/a",
                                fmt_joules(e, sizeof(e), dv->energy_j)};
        doc_need(d, 13);
        table_row(d, cols, 5, cells, 0, (int)(i % 2));
    }
    if (shown < r->n_devices) {
        snprintf(line, sizeof(line), "\u2026 and %zu more devices", r->n_devices - shown);
        const char *cells[5] = {"", line, "", "", ""};
        table_row(d, cols, 5, cells, 0, 0);
    }
    if (r->n_devices == 0) {
        const char *cells[5] = {"", "no device named in the logs", "", "", ""};
        table_row(d, cols, 5, cells, 0, 0);
    }
    d->y += 6;

    /* Intensity: its value, location and sources. */
    if (isnan(r->intensity_g_per_kwh))
        snprintf(ci, sizeof(ci), "unknown");
    else
        snprintf(ci, sizeof(ci), "%.2f gCO2/kWh", r->intensity_g_per_kwh);
    for (size_t i = 0; i < r->n_isamples; i++) {
        const char *s = r->isamples[i].source;
        if (!s || strstr(sources, s))
            continue;
        size_t n = strlen(sources);
        snprintf(sources + n, sizeof(sources) - n, "%s%s", n ? ", " : "", s);
    }
    if (r->n_isamples)
        snprintf(line, sizeof(line),
                 "Carbon intensity: %s on average over the run at %s; %zu logged value%s from %s.",
                 ci, r->location ? r->location : "an unknown location", r->n_isamples,
                 r->n_isamples == 1 ? "" : "s", sources[0] ? sources : "an unnamed source");
    else if (r->intensity_inferred == 2)
        snprintf(line, sizeof(line),
                 "Carbon intensity: %s at %s, inferred from the %s block's CO2eq and energy (the "
                 "logs have no intensity line).",
                 ci, r->location ? r->location : "an unknown location",
                 r->actual.present ? "actual consumption" : "prediction");
    else if (isnan(r->intensity_g_per_kwh))
        snprintf(line, sizeof(line),
                 "Carbon intensity: unknown (the logs have no intensity line), so no CO2eq.");
    else
        snprintf(line, sizeof(line),
                 "Carbon intensity: %s at %s (the log's \"Average carbon intensity\" line; one "
                 "value for the whole run).",
                 ci, r->location ? r->location : "an unknown location");
    struct {
        const char *txt;
    } paras[4];
    char pue[320], files[900], pred[320];
    int np = 0;
    paras[np++].txt = line;
    if (r->pue_inferred == 2)
        snprintf(pue, sizeof(pue),
                 "PUE: not in the logs; 1.00 is used, so the energy with and "
                 "without PUE are the same.");
    else
        snprintf(pue, sizeof(pue),
                 "PUE %.2f%s: the energy and CO2eq totals include it, as the console prints "
                 "them; power, per-device and per-epoch joules do not.",
                 r->pue_used, r->pue_inferred ? " (inferred from the totals)" : "");
    paras[np++].txt = pue;
    if (r->pred.present) {
        char e[48], g[48], t[48];
        snprintf(pred, sizeof(pred), "Prediction for %d epochs: %s, %s CO2eq, %s.", r->pred.epochs,
                 fmt_kwh(e, sizeof(e), r->pred.energy_kwh), fmt_co2(g, sizeof(g), r->pred.co2eq_g),
                 fmt_duration(t, sizeof(t), r->pred.duration_s));
        paras[np++].txt = pred;
    }
    snprintf(files, sizeof(files), "Logs (%s%s, carbontracker %s): %s%s%s%s%s",
             r->source && strcmp(r->source, "jsonl") == 0 ? "JSONL records" : "text logs",
             r->n_skipped ? ", some lines skipped" : "",
             r->version ? r->version : "version unknown", r->std_file ? r->std_file : "?",
             r->out_file ? ", " : "", r->out_file ? r->out_file : "", r->jsonl_file ? ", " : "",
             r->jsonl_file ? r->jsonl_file : "");
    paras[np++].txt = files;
    for (int i = 0; i < np; i++) {
        font(d->cr, 8, 0);
        double h = para(d->cr, 0, 0, CONTENT_W, 10.5, paras[i].txt, 0);
        doc_need(d, h + 2);
        font(d->cr, 8, 0);
        set_rgb(d->cr, C_TEXT);
        para(d->cr, MARGIN, d->y + 8, CONTENT_W, 10.5, paras[i].txt, 1);
        d->y += h + 2;
    }
}

static void run_charts(struct doc *d, const struct run *r)
{
    const double gap = 16, half = (CONTENT_W - gap) / 2;
    double h_power = 112, h_row = 108;
    int pred = r->pred.present && r->actual.present;
    double room = BOTTOM - d->y - 8 - 8 - 8, want = h_power + 2 * h_row;

    /* Shrink the charts by up to a fifth to keep the run on one page. */
    if (room < want && room >= want * 0.8) {
        h_power *= room / want;
        h_row *= room / want;
    }
    doc_need(d, 8 + h_power);
    d->y += 8;
    chart_power(d->cr, r, MARGIN, d->y, CONTENT_W, h_power);
    d->y += h_power + 8;
    doc_need(d, h_row);
    chart_epochs(d->cr, r, 0, MARGIN, d->y, half, h_row);
    chart_epochs(d->cr, r, 1, MARGIN + half + gap, d->y, half, h_row);
    d->y += h_row + 8;
    doc_need(d, h_row);
    if (pred) {
        chart_intensity(d->cr, r, MARGIN, d->y, half, h_row);
        chart_pred(d->cr, r, MARGIN + half + gap, d->y, half, h_row);
    } else {
        chart_intensity(d->cr, r, MARGIN, d->y, CONTENT_W, h_row);
    }
    d->y += h_row + 8;
}

static void run_notes(struct doc *d, const struct run *r)
{
    char msg[512];
    if (r->truncated) {
        snprintf(msg, sizeof(msg),
                 "This run was cut short: its logs end before carbontracker finished (the process "
                 "was killed or crashed), so it printed no actual consumption. The figures below "
                 "cover the %zu epoch%s logged before the end%s%s.",
                 r->n_epochs, r->n_epochs == 1 ? "" : "s",
                 r->actual.present ? ", rebuilt from the JSON-lines run log" : "",
                 r->pred.present ? "; the prediction is listed below" : "");
        banner(d, msg, 1);
    } else if (r->early_stop) {
        snprintf(msg, sizeof(msg),
                 "Training was interrupted: monitoring stopped after %d epoch%s%s. The figures "
                 "cover the completed epochs.",
                 r->n_epochs_shown, r->n_epochs_shown == 1 ? "" : "s",
                 r->pred.present ? " of the predicted run" : "");
        banner(d, msg, 0);
    } else if (!r->actual.present) {
        banner(d,
               "The logs hold no actual consumption block; the figures come from the logged "
               "epochs.",
               0);
    }
}

static void draw_run(struct doc *d, const struct report *rep, const struct run *r, size_t index)
{
    char what[512];
    doc_new_page(d);
    if (rep->n_runs == 1) {
        snprintf(what, sizeof(what), "Run: %s", r->name);
        header(d, rep, what);
    } else {
        snprintf(what, sizeof(what), "Run %zu of %zu: %s", index + 1, rep->n_runs, r->name);
        font(d->cr, 14, 1);
        set_rgb(d->cr, C_TEXT);
        text(d->cr, MARGIN, d->y + 14, what, LEFT, CONTENT_W);
        d->y += 24;
    }
    run_notes(d, r);
    run_kpis(d, r);
    run_provenance(d, r);
    run_charts(d, r);
}

/* Several runs: totals, the comparison table and per-run bars. */
static void draw_overview(struct doc *d, const struct report *rep)
{
    static const struct column cols[] = {
        {"#", 18, RIGHT},        {"Run (log name)", 158, LEFT}, {"Epochs", 40, RIGHT},
        {"Duration", 66, RIGHT}, {"Energy (kWh)", 66, RIGHT},   {"CO2eq (g)", 60, RIGHT},
        {"Status", 58, LEFT},    {"Total uses", 66, LEFT}};
    struct kpi k[6];
    char what[600], a[48];
    const char *head[8];
    double dur = 0, ej = 0;
    int epochs = 0;

    doc_new_page(d);
    snprintf(what, sizeof(what), "%zu runs from %s", rep->n_runs, rep->input);
    header(d, rep, what);
    for (size_t i = 0; i < rep->n_runs; i++) {
        dur += or0(rep->runs[i].duration_s);
        ej += rep->runs[i].energy_j;
        epochs += rep->runs[i].n_epochs_shown;
    }
    memset(k, 0, sizeof(k));
    k[0].accent = C_CO2;
    k[0].label = "TOTAL CO2EQ";
    fmt_co2(k[0].value, sizeof(k[0].value), rep->total_g);
    snprintf(k[0].note, sizeof(k[0].note), "\u2248 %s km travelled by car",
             fmt_sig(a, sizeof(a), rep->total_km, 4));
    k[1].accent = C_ENERGY;
    k[1].label = "TOTAL ENERGY WITH PUE";
    fmt_kwh(k[1].value, sizeof(k[1].value), rep->total_kwh);
    snprintf(k[1].note, sizeof(k[1].note), "as --parse aggregates (see below)");
    k[2].accent = C_ENERGY;
    k[2].label = "ENERGY WITHOUT PUE";
    fmt_kwh(k[2].value, sizeof(k[2].value), ej / 3.6e6);
    snprintf(k[2].note, sizeof(k[2].note), "logged epochs of all runs");
    k[3].accent = C_TOTAL;
    k[3].label = "DURATION";
    fmt_duration(k[3].value, sizeof(k[3].value), dur);
    snprintf(k[3].note, sizeof(k[3].note), "all runs together");
    k[4].accent = C_TOTAL;
    k[4].label = "EPOCHS";
    snprintf(k[4].value, sizeof(k[4].value), "%d", epochs);
    snprintf(k[4].note, sizeof(k[4].note), "all runs together");
    k[5].accent = C_TOTAL;
    k[5].label = "RUNS";
    snprintf(k[5].value, sizeof(k[5].value), "%zu", rep->n_runs);
    snprintf(k[5].note, sizeof(k[5].note), "%zu file%s skipped", rep->n_skipped,
             rep->n_skipped == 1 ? "" : "s");
    kpi_grid(d, k, 6);

    section(d, "Runs compared", 30);
    for (int i = 0; i < 8; i++)
        head[i] = cols[i].title;
    table_row(d, cols, 8, head, 1, 0);
    for (size_t i = 0; i < rep->n_runs; i++) {
        const struct run *r = &rep->runs[i];
        char n[24], ep[16], du[48], kwh[48], g[48];
        snprintf(n, sizeof(n), "%zu", i + 1);
        snprintf(ep, sizeof(ep), "%d", r->n_epochs_shown);
        fmt_duration(du, sizeof(du), r->duration_s);
        fmt_sig(kwh, sizeof(kwh), r->energy_kwh_pue, 4);
        fmt_sig(g, sizeof(g), r->co2eq_g, 4);
        const char *cells[8] = {n, r->stem, ep, du, kwh, g, status_of(r), counted_as(r)};
        if (d->y + 13 > BOTTOM) {
            doc_new_page(d);
            table_row(d, cols, 8, head, 1, 0);
        }
        table_row(d, cols, 8, cells, 0, (int)(i % 2));
    }
    {
        char ep[16], du[48], kwh[48], g[48];
        snprintf(ep, sizeof(ep), "%d", epochs);
        fmt_duration(du, sizeof(du), dur);
        fmt_sig(kwh, sizeof(kwh), rep->total_kwh, 4);
        fmt_sig(g, sizeof(g), rep->total_g, 4);
        const char *cells[8] = {"", "Total (as --parse aggregates)", ep, du, kwh, g, "", ""};
        doc_need(d, 15);
        cairo_set_line_width(d->cr, 0.8);
        set_rgb(d->cr, C_AXIS);
        cairo_move_to(d->cr, MARGIN, d->y + 0.5);
        cairo_line_to(d->cr, PAGE_W - MARGIN, d->y + 0.5);
        cairo_stroke(d->cr);
        table_row(d, cols, 8, cells, 0, 0);
    }
    d->y += 4;
    font(d->cr, 7.5, 0);
    const char *foot =
        "Each row shows the run's actual consumption (PUE included, as on the console), or its "
        "logged epochs when it was cut short. The total follows upstream's aggregation (--parse), "
        "column \"Total uses\": a run counts with its actual consumption when it was stopped "
        "early or ran the predicted number of epochs, else with its prediction; a run without an "
        "actual block counts with its prediction.";
    double h = para(d->cr, 0, 0, CONTENT_W, 9.5, foot, 0);
    doc_need(d, h);
    font(d->cr, 7.5, 0);
    set_rgb(d->cr, C_MUTED);
    para(d->cr, MARGIN, d->y + 7, CONTENT_W, 9.5, foot, 1);
    d->y += h + 2;
    for (size_t i = 0; i < rep->n_skipped; i++) {
        char line[600];
        const json_t *s = json_array_get(rep->skipped, i);
        snprintf(line, sizeof(line), "Skipped: %s (%s)", jstr(s, "file") ? jstr(s, "file") : "?",
                 jstr(s, "reason") ? jstr(s, "reason") : "no reason given");
        doc_need(d, 11);
        font(d->cr, 7.5, 0);
        set_rgb(d->cr, C_WARN);
        text(d->cr, MARGIN, d->y + 8, line, LEFT, CONTENT_W);
        d->y += 10.5;
    }

    /* Per-run bars. */
    double *g = calloc(rep->n_runs, sizeof(double)), *e = calloc(rep->n_runs, sizeof(double));
    if (g && e) {
        const double gap = 16, half = (CONTENT_W - gap) / 2, hh = 130;
        struct frame f;
        int kg = 0;
        for (size_t i = 0; i < rep->n_runs; i++) {
            g[i] = or0(rep->runs[i].co2eq_g);
            e[i] = or0(rep->runs[i].energy_kwh_pue);
            kg |= g[i] >= 1000;
        }
        if (kg)
            for (size_t i = 0; i < rep->n_runs; i++)
                g[i] /= 1000;
        section(d, "Per run", hh);
        chart_axes(d->cr, MARGIN, d->y, half, hh, "CO2eq per run", NULL, 0, "Run (# in the table)",
                   kg ? "CO2eq (kg)" : "CO2eq (g)", 0, (int)rep->n_runs, max_of(g, rep->n_runs),
                   &f);
        plot_bars(d->cr, &f, g, rep->n_runs, C_CO2);
        chart_axes(d->cr, MARGIN + half + gap, d->y, half, hh, "Energy per run (PUE included)",
                   NULL, 0, "Run (# in the table)", "Energy (kWh)", 0, (int)rep->n_runs,
                   max_of(e, rep->n_runs), &f);
        plot_bars(d->cr, &f, e, rep->n_runs, C_ENERGY);
        d->y += hh + 8;
    } else {
        d->oom = 1;
    }
    free(g);
    free(e);
}

/* ---- output --------------------------------------------------------------------------------- */

struct buf {
    char *p;
    size_t len, cap;
    int oom;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void buf_printf(struct buf *b, const char *fmt, ...)
{
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        buf_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* HTML-escaped text. */
static void buf_esc(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        default:
            buf_add(b, s, 1);
        }
    }
}

static cairo_status_t buf_write(void *closure, const unsigned char *data, unsigned int length)
{
    struct buf *b = closure;
    buf_add(b, (const char *)data, length);
    return b->oom ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

/* Draw the whole report on d->cr. */
static void render(struct doc *d, const struct report *rep)
{
    if (rep->n_runs > 1)
        draw_overview(d, rep);
    for (size_t i = 0; i < rep->n_runs; i++)
        draw_run(d, rep, &rep->runs[i], i);
    doc_end_page(d);
}

/* First pass: the number of pages, on a scratch surface. */
static size_t count_pages(const struct report *rep, const char *footer, int *oom)
{
    cairo_surface_t *s = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
    struct doc d = {.cr = cairo_create(s), .footer = footer};
    render(&d, rep);
    if (cairo_status(d.cr) != CAIRO_STATUS_SUCCESS || d.oom)
        *oom = 1;
    cairo_destroy(d.cr);
    cairo_surface_destroy(s);
    return d.page;
}

/* Second pass onto `s` (consumed); returns the surface's final status. */
static cairo_status_t render_to(cairo_surface_t *s, const struct report *rep, const char *footer,
                                size_t n_pages, int paged, double scale, const char *png_path)
{
    struct doc d = {.cr = cairo_create(s), .paged = paged, .n_pages = n_pages, .footer = footer};
    cairo_status_t st;
    cairo_scale(d.cr, scale, scale);
    render(&d, rep);
    st = cairo_status(d.cr);
    cairo_destroy(d.cr);
    if (st == CAIRO_STATUS_SUCCESS && png_path)
        st = cairo_surface_write_to_png(s, png_path);
    cairo_surface_finish(s);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    return st;
}

static cairo_surface_t *pdf_surface(const char *path, const char *iso_date)
{
    cairo_surface_t *s = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, "Carbon Emissions Report");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "carbontracker");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, iso_date);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, iso_date);
    return s;
}

static cairo_surface_t *svg_surface(cairo_surface_t *s)
{
    cairo_svg_surface_restrict_to_version(s, CAIRO_SVG_VERSION_1_1);
    return s;
}

/* The HTML page: numbers as tables (searchable, copyable), then the drawn report as inline SVG. */
static void html_run(struct buf *b, const struct run *r)
{
    char x[64], y[64];
    buf_puts(b, "<table class=\"kpi\"><tbody>\n");
    buf_printf(b, "<tr><th>%s</th><td>%s</td></tr>\n",
               r->actual.present ? "CO2eq" : "CO2eq (logged epochs)",
               fmt_co2(x, sizeof(x), r->co2eq_g));
    buf_printf(b, "<tr><th>Energy with PUE</th><td>%s (PUE %.2f)</td></tr>\n",
               fmt_kwh(x, sizeof(x), r->energy_kwh_pue), r->pue_used);
    buf_printf(b, "<tr><th>Energy without PUE</th><td>%s</td></tr>\n",
               fmt_kwh(x, sizeof(x), r->energy_j / 3.6e6));
    buf_printf(b, "<tr><th>Duration</th><td>%s</td></tr>\n",
               fmt_duration(x, sizeof(x), r->duration_s));
    buf_printf(b, "<tr><th>Epochs</th><td>%d</td></tr>\n", r->n_epochs_shown);
    buf_printf(b, "<tr><th>Average power (no PUE)</th><td>%s</td></tr>\n",
               fmt_power(x, sizeof(x), r->power_w));
    buf_printf(b, "<tr><th>Equivalent</th><td>%s km travelled by car</td></tr>\n",
               fmt_sig(x, sizeof(x), r->km, 4));
    if (isnan(r->intensity_g_per_kwh))
        buf_puts(b, "<tr><th>Carbon intensity</th><td>unknown</td></tr>\n");
    else
        buf_printf(b, "<tr><th>Carbon intensity</th><td>%.2f gCO2/kWh at ", r->intensity_g_per_kwh);
    if (!isnan(r->intensity_g_per_kwh)) {
        buf_esc(b, r->location ? r->location : "an unknown location");
        buf_puts(b, "</td></tr>\n");
    }
    buf_printf(b, "<tr><th>Status</th><td>%s</td></tr>\n", status_of(r));
    if (r->pred.present)
        buf_printf(b, "<tr><th>Prediction (%d epochs)</th><td>%s, %s, %s</td></tr>\n",
                   r->pred.epochs, fmt_kwh(x, sizeof(x), r->pred.energy_kwh),
                   fmt_co2(y, sizeof(y), r->pred.co2eq_g),
                   fmt_duration((char[48]){0}, 48, r->pred.duration_s));
    buf_puts(b,
             "</tbody></table>\n<table><thead><tr><th>Component</th><th>Device</th>"
             "<th>Meter</th><th>Provenance</th><th>Energy (J, no PUE)</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < r->n_devices; i++) {
        const struct device *dv = &r->devices[i];
        buf_puts(b, "<tr><td>");
        buf_esc(b, dv->component ? dv->component : "?");
        buf_puts(b, "</td><td>");
        buf_esc(b, dv->name ? dv->name : "?");
        buf_puts(b, "</td><td>");
        buf_esc(b, dv->meter ? dv->meter : "(not in the logs)");
        buf_puts(b, "</td><td>");
        buf_esc(b, dv->provenance ? dv->provenance : "n/a");
        buf_printf(b, "</td><td class=\"n\">%s</td></tr>\n",
                   fmt_joules(x, sizeof(x), dv->energy_j));
    }
    buf_puts(b, "</tbody></table>\n<table><thead><tr><th>Epoch</th><th>Duration (s)</th>"
                "<th>CPU (W)</th><th>GPU (W)</th><th>Energy (J, no PUE)</th>"
                "<th>Energy (kWh, PUE)</th><th>CO2eq (g)</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < r->n_epochs; i++) {
        const struct epoch *e = &r->epochs[i];
        char c1[48], c2[48], c3[48], c4[48], c5[48], c6[48];
        double kwh = isnan(e->energy_kwh) ? or0(e->energy_j) / 3.6e6 * r->pue_used : e->energy_kwh;
        double g = isnan(e->co2eq_g) ? kwh * r->intensity_g_per_kwh : e->co2eq_g;
        buf_printf(b,
                   "<tr><td class=\"n\">%d</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                   "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                   "<td class=\"n\">%s</td></tr>\n",
                   e->epoch, fmt_fixed(c1, sizeof(c1), e->duration_s, 2),
                   fmt_fixed(c2, sizeof(c2), e->cpu_power_w, 1),
                   fmt_fixed(c3, sizeof(c3), e->gpu_power_w, 1),
                   fmt_joules(c4, sizeof(c4), e->energy_j), fmt_sig(c5, sizeof(c5), kwh, 4),
                   fmt_sig(c6, sizeof(c6), g, 4));
    }
    buf_puts(b, "</tbody></table>\n");
}

static int write_html(const struct report *rep, const char *footer, size_t n_pages,
                      const char *path)
{
    struct buf svg = {0}, b = {0};
    const char *start;
    int rc = -1;
    FILE *f = NULL;
    cairo_surface_t *s = svg_surface(
        cairo_svg_surface_create_for_stream(buf_write, &svg, PAGE_W, PAGE_H * (double)n_pages));
    if (render_to(s, rep, footer, n_pages, 0, 1, NULL) != CAIRO_STATUS_SUCCESS || svg.oom || !svg.p)
        goto cleanup;
    start = strstr(svg.p, "<svg"); /* drop the XML declaration */
    if (!start)
        goto cleanup;

    buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"generator\" content=\"carbontracker\">\n"
                 "<title>Carbon Emissions Report</title>\n<style>\n"
                 "body{font-family:'DejaVu Sans',Verdana,sans-serif;color:#21262d;max-width:"
                 "880px;margin:2em auto;padding:0 1em}\n"
                 "h1{margin-bottom:.2em}.sub{color:#666;margin-top:0}\n"
                 "table{border-collapse:collapse;margin:.8em 0;font-size:.85em}\n"
                 "th,td{border:1px solid #dde;padding:.25em .6em;text-align:left}\n"
                 "thead th,.kpi th{background:#eef1f4}td.n{text-align:right}\n"
                 ".report svg{width:100%;height:auto;border:1px solid #ccd;margin-top:1em}\n"
                 "</style>\n</head>\n<body>\n<h1>Carbon Emissions Report</h1>\n");
    buf_printf(&b, "<p class=\"sub\">Generated by carbontracker v%s &bull; %s &bull; from ",
               ct_version_string(), rep->date);
    buf_esc(&b, rep->input);
    buf_puts(&b, "</p>\n");
    if (rep->n_runs > 1) {
        char x[48], y[48], z[48];
        buf_puts(&b, "<h2>Runs compared</h2>\n<table><thead><tr><th>#</th><th>Run</th>"
                     "<th>Epochs</th><th>Duration</th><th>Energy (kWh)</th><th>CO2eq (g)</th>"
                     "<th>Early stop</th><th>Status</th><th>Total uses</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < rep->n_runs; i++) {
            const struct run *r = &rep->runs[i];
            buf_printf(&b, "<tr><td class=\"n\">%zu</td><td>", i + 1);
            buf_esc(&b, r->name);
            buf_printf(&b,
                       "</td><td class=\"n\">%d</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                       "<td class=\"n\">%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
                       r->n_epochs_shown, fmt_duration(x, sizeof(x), r->duration_s),
                       fmt_sig(y, sizeof(y), r->energy_kwh_pue, 4),
                       fmt_sig(z, sizeof(z), r->co2eq_g, 4), r->early_stop ? "yes" : "no",
                       status_of(r), counted_as(r));
        }
        buf_printf(&b,
                   "<tr><th></th><th>Total (as --parse aggregates)</th><td></td><td></td>"
                   "<td class=\"n\">%s</td><td class=\"n\">%s</td><td></td><td></td><td></td>"
                   "</tr>\n"
                   "</tbody></table>\n",
                   fmt_sig(x, sizeof(x), rep->total_kwh, 4),
                   fmt_sig(y, sizeof(y), rep->total_g, 4));
    }
    for (size_t i = 0; i < rep->n_runs; i++) {
        buf_puts(&b, "<h2>Run: ");
        buf_esc(&b, rep->runs[i].name);
        buf_puts(&b, "</h2>\n");
        html_run(&b, &rep->runs[i]);
    }
    buf_puts(&b, "<h2>The report as drawn</h2>\n<div class=\"report\">\n");
    buf_puts(&b, start);
    buf_puts(&b, "</div>\n</body>\n</html>\n");
    if (b.oom)
        goto cleanup;
    f = fopen(path, "w");
    if (!f)
        goto cleanup;
    if (fwrite(b.p, 1, b.len, f) != b.len)
        goto cleanup;
    rc = fclose(f) == 0 ? 0 : -1;
    f = NULL;
cleanup:
    if (f)
        fclose(f);
    free(svg.p);
    free(b.p);
    return rc;
}

int report_format_for(const char *path, enum report_format *fmt)
{
    static const struct {
        const char *ext;
        enum report_format fmt;
    } exts[] = {{".pdf", REPORT_PDF},
                {".svg", REPORT_SVG},
                {".png", REPORT_PNG},
                {".html", REPORT_HTML},
                {".htm", REPORT_HTML}};
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot)
        return -1;
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
        if (strcasecmp(dot, exts[i].ext) == 0) {
            *fmt = exts[i].fmt;
            return 0;
        }
    return -1;
}

int report_render(const char *json_text, const char *input_label, const char *path,
                  enum report_format fmt, char *errbuf, size_t errlen)
{
    struct report rep;
    char iso[64], tmp[4096], footer[600];
    int rc, oom = 0;
    size_t n_pages;
    cairo_status_t st = CAIRO_STATUS_SUCCESS;

    memset(&rep, 0, sizeof(rep));
    rep.input = input_label;
    report_date(rep.date, sizeof(rep.date), iso, sizeof(iso));
    rc = load_report(json_text, &rep, errbuf, errlen);
    if (rc != 0)
        goto cleanup;
    snprintf(footer, sizeof(footer), "Carbon Emissions Report \u2022 %s",
             rep.n_runs == 1 ? rep.runs[0].name : input_label);
    n_pages = count_pages(&rep, footer, &oom);
    if (oom || n_pages == 0) {
        snprintf(errbuf, errlen, "out of memory");
        rc = CLI_EXIT_SOFTWARE;
        goto cleanup;
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        snprintf(errbuf, errlen, "%s: file name too long", path);
        rc = REPORT_EXIT_CANTCREAT;
        goto cleanup;
    }
    errno = 0;
    switch (fmt) {
    case REPORT_PDF:
        st = render_to(pdf_surface(tmp, iso), &rep, footer, n_pages, 1, 1, NULL);
        break;
    case REPORT_SVG:
        st = render_to(svg_surface(cairo_svg_surface_create(tmp, PAGE_W, PAGE_H * (double)n_pages)),
                       &rep, footer, n_pages, 0, 1, NULL);
        break;
    case REPORT_PNG:
        st =
            render_to(cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)lrint(PAGE_W * PNG_SCALE),
                                                 (int)lrint(PAGE_H * PNG_SCALE * (double)n_pages)),
                      &rep, footer, n_pages, 0, PNG_SCALE, tmp);
        break;
    case REPORT_HTML:
        if (write_html(&rep, footer, n_pages, tmp) != 0)
            st = errno ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_NO_MEMORY;
        break;
    }
    if (st == CAIRO_STATUS_SUCCESS && rename(tmp, path) != 0)
        st = CAIRO_STATUS_WRITE_ERROR;
    if (st != CAIRO_STATUS_SUCCESS) {
        int e = errno;
        unlink(tmp);
        if (st == CAIRO_STATUS_WRITE_ERROR)
            snprintf(errbuf, errlen, "cannot write %s: %s", path,
                     e ? strerror(e) : cairo_status_to_string(st));
        else
            snprintf(errbuf, errlen, "cannot draw the report: %s", cairo_status_to_string(st));
        rc = st == CAIRO_STATUS_NO_MEMORY ? CLI_EXIT_SOFTWARE : REPORT_EXIT_CANTCREAT;
    }
cleanup:
    free_report(&rep);
    return rc;
}

/* ---- --report ------------------------------------------------------------------------------ */

/* Whole file into memory; NULL with errno set. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct buf b = {0};
    char chunk[65536];
    size_t n;
    if (!f)
        return NULL;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    if (b.oom || !b.p) {
        free(b.p);
        errno = b.oom ? ENOMEM : EINVAL;
        return NULL;
    }
    return b.p;
}

/* A JSON document rather than a log: its first non-blank byte is '{'. */
static int looks_like_json(const char *text)
{
    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
        text++;
    return *text == '{';
}

/* `path` with its `suffix` replaced by `repl` into buf, when that file exists; else NULL. */
static const char *partner(const char *path, size_t stem_len, const char *repl, char *buf,
                           size_t len)
{
    struct stat st;
    if (snprintf(buf, len, "%.*s%s", (int)stem_len, path, repl) >= (int)len)
        return NULL;
    return stat(buf, &st) == 0 && S_ISREG(st.st_mode) ? buf : NULL;
}

static int ends_with(const char *s, const char *suffix, size_t *stem_len)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m || strcmp(s + n - m, suffix) != 0)
        return 0;
    *stem_len = n - m;
    return 1;
}

/*
 * The parse JSON (malloc'd) for a log directory (its runs, not recursive, as upstream's
 * parse_all_logs) or for one of a run's files: the standard log, the output log or the JSONL
 * log, whose partners are found by name. A file with another name is read as a standard log.
 */
static int parse_logs(const char *input, int is_dir, char **json, char *err, size_t errlen)
{
    ct_parse_result *res = NULL;
    char std_buf[4096], out_buf[4096], jsonl_buf[4096];
    const char *std_log = NULL, *out_log = NULL, *jsonl = NULL;
    char *text = NULL;
    size_t stem;
    int st;

    *json = NULL;
    if (is_dir) {
        st = ct_parse_dir(input, 0, &res, err, errlen);
    } else {
        if (ends_with(input, "carbontracker_output.log", &stem)) {
            out_log = input;
            std_log = partner(input, stem, "carbontracker.log", std_buf, sizeof(std_buf));
        } else if (ends_with(input, "carbontracker.jsonl", &stem)) {
            jsonl = input;
            std_log = partner(input, stem, "carbontracker.log", std_buf, sizeof(std_buf));
            out_log = partner(input, stem, "carbontracker_output.log", out_buf, sizeof(out_buf));
        } else if (ends_with(input, "carbontracker.log", &stem)) {
            std_log = input;
            out_log = partner(input, stem, "carbontracker_output.log", out_buf, sizeof(out_buf));
        } else {
            std_log = input;
            stem = 0;
        }
        if (!jsonl && stem > 0)
            jsonl = partner(input, stem, "carbontracker.jsonl", jsonl_buf, sizeof(jsonl_buf));
        st = ct_parse_files(std_log, out_log, jsonl, &res, err, errlen);
    }
    if (st == CT_OK)
        st = ct_parse_json(res, &text);
    if (st == CT_OK) {
        *json = strdup(text);
        if (!*json)
            st = CT_ENOMEM;
    }
    if (st != CT_OK && (!err[0] || st == CT_ENOMEM))
        snprintf(err, errlen, "cannot read the logs: %s", ct_strerror(st));
    ct_free(text);
    ct_parse_result_free(res);
    return st == CT_OK ? 0 : st == CT_ENOMEM ? CLI_EXIT_SOFTWARE : REPORT_EXIT_DATAERR;
}

int report_run(const char *input, const char *output, int quiet)
{
    enum report_format fmt;
    struct stat st;
    char err[1024] = "";
    char *json = NULL;
    int rc;

    if (!output)
        output = REPORT_DEFAULT_OUTPUT;
    if (report_format_for(output, &fmt) != 0)
        return cli_usage_error("cannot tell the report format from '%s': the --output file "
                               "must end in .pdf, .svg, .png or .html",
                               output);
    if (stat(input, &st) != 0) {
        fprintf(stderr, "Error: Log file %s does not exist\n", input);
        return REPORT_EXIT_NOINPUT;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = parse_logs(input, 1, &json, err, sizeof(err));
    } else {
        json = read_file(input);
        if (!json) {
            fprintf(stderr, "carbontracker: cannot read %s: %s\n", input, strerror(errno));
            return REPORT_EXIT_NOINPUT;
        }
        rc = 0;
        if (!looks_like_json(json)) {
            free(json);
            json = NULL;
            rc = parse_logs(input, 0, &json, err, sizeof(err));
        }
    }
    if (rc == 0)
        rc = report_render(json, input, output, fmt, err, sizeof(err));
    free(json);
    /* Release cairo's and fontconfig's caches, so that leak checkers see a clean exit. */
    cairo_debug_reset_static_data();
    FcFini();
    if (rc != 0) {
        fprintf(stderr, "carbontracker: --report %s: %s\n", input, err);
        return rc;
    }
    if (!quiet)
        printf("Report generated: %s\n", output);
    return 0;
}
