/*
 * jsonl_read.c - reading our JSON-lines run log (doc/logformat.md) into a run record, pure over
 * bytes: one jansson parse per line; a line that is not JSON (a truncated last line of a killed
 * run, junk) is skipped and reported. A run without its summary record was killed: its actual
 * consumption is rebuilt from the epochs and samples written up to the end. Calls only record.c
 * (and account.c's conversions).
 */
#include "jsonl_read.h"

#include "../account.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DEVICE_INDEX 4096

struct jr {
    struct ct__prun *run;
    const char *label;
    int rc;
    int interpretable;
    double meta_intensity;
    int *dev_of_i; /* record index "i" -> run->devices position, -1 none */
    size_t n_dev_of_i;
    double *first_j, *last_j; /* per device position: energy at the first/last sample */
    int have_first;
    double *sample_total_j; /* parallel to run->samples */
    size_t cap_total;
    double *sample_ci; /* parallel to run->samples: the intensity in force (file order) */
    size_t cap_ci;
    double ci_now;        /* the last intensity record read, else meta's */
    double **epoch_dev_j; /* per epoch: energy per device position, or NULL */
    size_t cap_epoch_dev;
    double last_epoch_t_s;
    int have_summary;
    int have_meta;
    double *summary_dev_j;
};

static void oom(struct jr *j)
{
    j->rc = CT_ENOMEM;
}

static void skip(struct jr *j, int line, const char *reason)
{
    if (j->rc == CT_OK)
        j->rc = ct__parse_skip(j->run, j->label, line, reason);
}

/* A number field; NaN when missing, null or not a number. */
static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static char *str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return NULL;
    return ct__parse_strdup(json_string_value(v), json_string_length(v));
}

/* Replace *dst with the string field (kept when the field is absent). */
static void set_str(struct jr *j, char **dst, const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return;
    char *s = str(o, key);
    if (!s) {
        oom(j);
        return;
    }
    free(*dst);
    *dst = s;
}

static int int_field(const json_t *o, const char *key, int dflt)
{
    double v = num(o, key);
    if (isnan(v) || v < -1e9 || v > 1e9)
        return dflt;
    return (int)v;
}

/* Device position of a record's "i", -1 when unknown. */
static long dev_pos(const struct jr *j, const json_t *entry)
{
    double i = num(entry, "i");
    if (isnan(i) || i < 0 || i >= (double)j->n_dev_of_i)
        return -1;
    return j->dev_of_i[(size_t)i];
}

/* ---- records ---------------------------------------------------------------------------- */

/* An integer field of the job, -1 when absent or not a small non-negative integer. */
static int job_int(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;
    return x >= 0 && x <= 100000000 ? (int)x : -1;
}

/* The job this run was a rank of: only an active job with an id groups runs. */
static void rec_job(struct jr *j, const json_t *o)
{
    if (!json_is_object(o) || !json_is_true(json_object_get(o, "active")) ||
        !json_is_string(json_object_get(o, "id")))
        return;
    struct ct__pjob *jb = calloc(1, sizeof(*jb));
    if (!jb) {
        oom(j);
        return;
    }
    jb->id = str(o, "id");
    jb->launcher = str(o, "launcher");
    jb->node = str(o, "node");
    jb->rank = job_int(o, "rank");
    jb->world_size = job_int(o, "world_size");
    jb->local_rank = job_int(o, "local_rank");
    jb->local_world_size = job_int(o, "local_world_size");
    jb->node_id = job_int(o, "node_id");
    jb->measures_node = json_is_true(json_object_get(o, "measures_node"));
    j->run->job = jb;
    if (!jb->id)
        oom(j);
}

static void rec_meta(struct jr *j, const json_t *o, int line)
{
    struct ct__prun *r = j->run;
    if (j->have_meta) {
        skip(j, line, "second meta record ignored");
        return;
    }
    j->have_meta = 1;
    r->pue = num(o, "pue");
    j->meta_intensity = num(o, "intensity_g_per_kwh");
    if (isnan(j->ci_now))
        j->ci_now = j->meta_intensity;
    r->intensity_g_per_kwh = j->meta_intensity;
    set_str(j, &r->location, o, "location");
    const json_t *opts = json_object_get(o, "options");
    const json_t *interp = json_object_get(opts, "interpretable");
    if (json_is_boolean(interp))
        j->interpretable = json_is_true(interp);
    rec_job(j, json_object_get(o, "job"));
    const json_t *devs = json_object_get(o, "devices");
    size_t n = json_array_size(devs);
    if (n > MAX_DEVICE_INDEX)
        n = MAX_DEVICE_INDEX;
    j->dev_of_i = malloc(MAX_DEVICE_INDEX * sizeof(*j->dev_of_i));
    r->devices = calloc(n ? n : 1, sizeof(*r->devices));
    j->first_j = calloc(n ? n : 1, sizeof(double));
    j->last_j = calloc(n ? n : 1, sizeof(double));
    j->summary_dev_j = malloc((n ? n : 1) * sizeof(double));
    if (!j->dev_of_i || !r->devices || !j->first_j || !j->last_j || !j->summary_dev_j) {
        oom(j);
        return;
    }
    r->cap_devices = n ? n : 1;
    j->n_dev_of_i = MAX_DEVICE_INDEX;
    for (size_t k = 0; k < MAX_DEVICE_INDEX; k++)
        j->dev_of_i[k] = -1;
    for (size_t k = 0; k < n; k++) {
        const json_t *d = json_array_get(devs, k);
        struct ct__pdevice *dv = &r->devices[r->n_devices];
        char *comp = str(d, "component"), *name = str(d, "name");
        if (!comp || !name) {
            free(comp);
            free(name);
            skip(j, line, "meta device without component or name ignored");
            continue;
        }
        dv->component = comp;
        dv->name = name;
        dv->meter = str(d, "meter");
        dv->provenance = str(d, "provenance");
        dv->energy_j = NAN;
        double i = num(d, "i");
        size_t idx = isnan(i) || i < 0 || i >= MAX_DEVICE_INDEX ? k : (size_t)i;
        j->dev_of_i[idx] = (int)r->n_devices;
        j->summary_dev_j[r->n_devices] = NAN;
        r->n_devices++;
    }
}

static void rec_sample(struct jr *j, const json_t *o, int line)
{
    struct ct__prun *r = j->run;
    double t = num(o, "t_s");
    if (isnan(t)) {
        skip(j, line, "sample record without t_s");
        return;
    }
    if (ct__parse_grow(&r->samples, &r->cap_samples, r->n_samples + 1, sizeof(*r->samples)) !=
            CT_OK ||
        ct__parse_grow(&j->sample_total_j, &j->cap_total, r->n_samples + 1, sizeof(double)) !=
            CT_OK ||
        ct__parse_grow(&j->sample_ci, &j->cap_ci, r->n_samples + 1, sizeof(double)) != CT_OK) {
        oom(j);
        return;
    }
    double cpu = NAN, gpu = NAN, total = 0;
    const json_t *devs = json_object_get(o, "devices");
    size_t k;
    const json_t *d;
    json_array_foreach(devs, k, d)
    {
        long p = dev_pos(j, d);
        if (p < 0)
            continue;
        double e = num(d, "energy_uj") / 1e6;
        double w = num(d, "power_w");
        if (!isnan(e)) {
            total += e;
            if (!j->have_first)
                j->first_j[p] = e;
            j->last_j[p] = e;
        }
        if (!isnan(w)) {
            if (strcmp(r->devices[p].component, "gpu") == 0)
                gpu = isnan(gpu) ? w : gpu + w;
            else
                cpu = isnan(cpu) ? w : cpu + w;
        }
    }
    j->have_first = j->have_first || r->n_devices > 0;
    j->sample_total_j[r->n_samples] = total;
    j->sample_ci[r->n_samples] = j->ci_now;
    r->samples[r->n_samples++] = (struct ct__psample){.t_s = t, .cpu_w = cpu, .gpu_w = gpu};
}

static void rec_epoch(struct jr *j, const json_t *o, int line)
{
    struct ct__prun *r = j->run;
    double dur = num(o, "duration_s");
    if (isnan(dur)) {
        skip(j, line, "epoch record without duration_s");
        return;
    }
    if (ct__parse_grow(&r->epochs, &r->cap_epochs, r->n_epochs + 1, sizeof(*r->epochs)) != CT_OK ||
        ct__parse_grow(&j->epoch_dev_j, &j->cap_epoch_dev, r->n_epochs + 1, sizeof(double *)) !=
            CT_OK) {
        oom(j);
        return;
    }
    double *dev = NULL;
    const json_t *devs = json_object_get(o, "devices");
    if (json_is_array(devs) && r->n_devices) {
        dev = malloc(r->n_devices * sizeof(double));
        if (!dev) {
            oom(j);
            return;
        }
        for (size_t k = 0; k < r->n_devices; k++)
            dev[k] = NAN;
        size_t k;
        const json_t *d;
        json_array_foreach(devs, k, d)
        {
            long p = dev_pos(j, d);
            if (p >= 0)
                dev[p] = num(d, "energy_j");
        }
    }
    j->epoch_dev_j[r->n_epochs] = dev;
    int n = int_field(o, "epoch", r->n_epochs ? r->epochs[r->n_epochs - 1].epoch + 1 : 1);
    r->epochs[r->n_epochs++] = (struct ct__pepoch){.epoch = n,
                                                   .duration_s = dur,
                                                   .cpu_power_w = num(o, "cpu_power_w"),
                                                   .gpu_power_w = num(o, "gpu_power_w"),
                                                   .other_power_w = NAN,
                                                   .energy_j = num(o, "energy_j"),
                                                   .energy_kwh = num(o, "energy_kwh"),
                                                   .co2eq_g = num(o, "co2eq_g"),
                                                   .line = 0};
    double t = num(o, "t_s");
    if (!isnan(t))
        j->last_epoch_t_s = t;
}

static void rec_intensity(struct jr *j, const json_t *o, int line)
{
    struct ct__prun *r = j->run;
    double t = num(o, "t_s"), g = num(o, "g_per_kwh");
    if (isnan(t) || isnan(g)) {
        skip(j, line, "intensity record without t_s or g_per_kwh");
        return;
    }
    if (ct__parse_grow(&r->isamples, &r->cap_isamples, r->n_isamples + 1, sizeof(*r->isamples)) !=
        CT_OK) {
        oom(j);
        return;
    }
    const json_t *s = json_object_get(o, "source");
    char *src = NULL;
    if (json_is_string(s) && !(src = str(o, "source"))) {
        oom(j);
        return;
    }
    r->isamples[r->n_isamples++] = (struct ct__pisample){.t_s = t, .g_per_kwh = g, .source = src};
    j->ci_now = g;
}

/* "node": whole-machine power beside the components; the latest record holds the run so far. */
static void rec_node(struct jr *j, const json_t *o, int line)
{
    struct ct__prun *r = j->run;
    double e = num(o, "energy_j"), c = num(o, "components_energy_j");
    if (isnan(e) || isnan(c)) {
        skip(j, line, "node record without energy_j or components_energy_j");
        return;
    }
    r->has_node = 1;
    r->node_energy_j = e;
    r->node_components_j = c;
    const json_t *d0 = json_array_get(json_object_get(o, "devices"), 0);
    if (d0)
        set_str(j, &r->node_meter, d0, "meter");
}

static struct ct__consumption *consumption(struct jr *j, const json_t *o)
{
    struct ct__consumption *c = calloc(1, sizeof(*c));
    if (!c) {
        oom(j);
        return NULL;
    }
    c->epochs = int_field(o, "epochs", 0);
    c->duration_s = num(o, "duration_s");
    c->energy_kwh = num(o, "energy_kwh");
    c->co2eq_g = num(o, "co2eq_g");
    const json_t *eq = json_object_get(o, "equivalents");
    if (json_is_object(eq)) {
        c->has_equivalents = 1;
        size_t n = json_object_size(eq);
        c->equiv = calloc(n ? n : 1, sizeof(*c->equiv));
        if (!c->equiv) {
            free(c);
            oom(j);
            return NULL;
        }
        const char *unit;
        const json_t *v;
        json_object_foreach((json_t *)eq, unit, v)
        {
            if (!json_is_number(v))
                continue;
            char *u = ct__parse_strdup(unit, strlen(unit));
            if (!u) {
                oom(j);
                break;
            }
            c->equiv[c->n_equiv++] = (struct ct__equiv){.unit = u, .value = json_number_value(v)};
        }
    }
    const json_t *band = json_object_get(o, "band");
    if (json_is_object(band)) {
        static const char *const keys[3] = {"duration_s", "energy_kwh", "co2eq_g"};
        const json_t *lo = json_object_get(band, "low"), *hi = json_object_get(band, "high");
        c->has_band = 1;
        for (int k = 0; k < 3; k++) {
            c->band_lo[k] = num(lo, keys[k]);
            c->band_hi[k] = num(hi, keys[k]);
            if (isnan(c->band_lo[k]) || isnan(c->band_hi[k]))
                c->has_band = 0;
        }
    }
    return c;
}

static void rec_consumption(struct jr *j, const json_t *o, int line, int summary)
{
    struct ct__prun *r = j->run;
    struct ct__consumption **slot = summary ? &r->actual : &r->pred;
    if (*slot) {
        skip(j, line,
             summary ? "second summary record ignored" : "second prediction record ignored");
        return;
    }
    *slot = consumption(j, o);
    if (!summary || !*slot)
        return;
    j->have_summary = 1;
    const json_t *es = json_object_get(o, "early_stop");
    r->early_stop = json_is_true(es);
    double ci = num(o, "intensity_g_per_kwh");
    if (!isnan(ci))
        r->intensity_g_per_kwh = ci;
    set_str(j, &r->location, o, "location");
    size_t k;
    const json_t *d;
    json_array_foreach(json_object_get(o, "devices"), k, d)
    {
        long p = dev_pos(j, d);
        if (p >= 0)
            j->summary_dev_j[p] = num(d, "energy_j");
    }
}

/* ---- after the last line ---------------------------------------------------------------- */

/* Components as upstream's parse_logs: devices per component in meta order; one row per epoch
 * with each device's average power (its energy over the epoch's duration). */
static void build_components(struct jr *j)
{
    struct ct__prun *r = j->run;
    int oomf = 0;
    for (size_t d = 0; d < r->n_devices; d++) {
        const char *cn = r->devices[d].component;
        struct ct__pcomp *c = ct__parse_comp(r, cn, strlen(cn), 1, &oomf);
        if (!c && !oomf)
            continue; /* over the component cap */
        if (!c || ct__parse_grow(&c->devices, &c->cap_devices, c->n_devices + 1, sizeof(char *)) !=
                      CT_OK) {
            oom(j);
            return;
        }
        char **names = c->devices;
        if (!(names[c->n_devices] = strdup(r->devices[d].name))) {
            oom(j);
            return;
        }
        c->n_devices++;
    }
    if (r->n_epochs == 0)
        return;
    r->durations = malloc(r->n_epochs * sizeof(double));
    if (!r->durations) {
        oom(j);
        return;
    }
    r->cap_durations = r->n_durations = r->n_epochs;
    r->has_durations = 1;
    for (size_t e = 0; e < r->n_epochs; e++)
        r->durations[e] = r->epochs[e].duration_s;
    for (size_t ci = 0; ci < r->n_comp; ci++) {
        struct ct__pcomp *c = &r->comp[ci];
        c->power = calloc(r->n_epochs, sizeof(*c->power));
        if (!c->power) {
            oom(j);
            return;
        }
        c->cap_power = r->n_epochs;
        c->has_power = 1;
        for (size_t e = 0; e < r->n_epochs; e++) {
            struct ct__prow *row = &c->power[c->n_power++];
            double dur = r->epochs[e].duration_s;
            row->v = malloc((c->n_devices ? c->n_devices : 1) * sizeof(double));
            if (!row->v) {
                oom(j);
                return;
            }
            if (j->epoch_dev_j[e]) {
                for (size_t d = 0; d < r->n_devices; d++)
                    if (strcasecmp(r->devices[d].component, c->name) == 0)
                        row->v[row->n++] = dur > 0 ? j->epoch_dev_j[e][d] / dur : 0.0;
            } else {
                double w = strcmp(c->name, "gpu") == 0 ? r->epochs[e].gpu_power_w
                                                       : r->epochs[e].cpu_power_w;
                row->v[row->n++] = isnan(w) ? 0.0 : w;
            }
        }
    }
}

/* A killed run (no summary): the completed epochs plus what the samples measured after the last
 * of them, each sampling interval at the intensity in force at its end (the last intensity
 * record written before that sample). */
static void rebuild_actual(struct jr *j)
{
    struct ct__prun *r = j->run;
    double dur = 0, kwh = 0, co2 = 0;
    for (size_t e = 0; e < r->n_epochs; e++) {
        dur += r->epochs[e].duration_s;
        kwh += r->epochs[e].energy_kwh;
        co2 += r->epochs[e].co2eq_g;
    }
    double tail_s = 0;
    if (r->n_samples > 0) {
        size_t start = 0;
        if (r->n_epochs > 0 && !isnan(j->last_epoch_t_s)) {
            for (size_t s = 0; s < r->n_samples; s++)
                if (r->samples[s].t_s <= j->last_epoch_t_s + 1e-9)
                    start = s;
            if (r->samples[start].t_s > j->last_epoch_t_s + 1e-9)
                start = r->n_samples - 1; /* nothing measured before it: no tail */
        }
        size_t last = r->n_samples - 1;
        double pue = isnan(r->pue) ? 1.0 : r->pue;
        for (size_t s = start + 1; s <= last; s++) {
            double dj = j->sample_total_j[s] - j->sample_total_j[s - 1];
            double dk = ct__kwh_pue(dj, pue);
            kwh += dk;
            co2 += dk * j->sample_ci[s];
        }
        tail_s = r->samples[last].t_s - r->samples[start].t_s;
        dur += tail_s;
    }
    if (r->n_epochs == 0 && !(tail_s > 0))
        return;
    struct ct__consumption *c = calloc(1, sizeof(*c));
    if (!c) {
        oom(j);
        return;
    }
    c->epochs = (int)r->n_epochs;
    c->duration_s = dur;
    c->energy_kwh = kwh;
    c->co2eq_g = co2;
    if (j->interpretable && co2 >= 0 && isfinite(co2)) {
        c->equiv = malloc(sizeof(*c->equiv));
        if (!c->equiv || !(c->equiv[0].unit = strdup(CT__CAR_UNIT))) {
            free(c->equiv);
            free(c);
            oom(j);
            return;
        }
        c->equiv[0].value = ct__km_by_car(co2);
        c->n_equiv = 1;
        c->has_equivalents = 1;
    }
    r->actual = c;
}

static void finish(struct jr *j)
{
    struct ct__prun *r = j->run;
    build_components(j);
    /* A component without devices has no power (the writer logs 0 W for it). */
    int has_cpu = 0, has_gpu = 0;
    for (size_t d = 0; d < r->n_devices; d++) {
        if (strcmp(r->devices[d].component, "gpu") == 0)
            has_gpu = 1;
        else
            has_cpu = 1;
    }
    for (size_t e = 0; r->n_devices && e < r->n_epochs; e++) {
        if (!has_cpu)
            r->epochs[e].cpu_power_w = NAN;
        if (!has_gpu)
            r->epochs[e].gpu_power_w = NAN;
    }
    for (size_t d = 0; d < r->n_devices; d++)
        r->devices[d].energy_j = j->have_summary ? j->summary_dev_j[d]
                                 : j->have_first ? j->last_j[d] - j->first_j[d]
                                                 : NAN;
    if (!j->have_summary) {
        r->truncated = 1;
        r->early_stop = 1; /* killed: what was measured is what was used */
        if (j->rc == CT_OK)
            rebuild_actual(j);
    }
}

/* ---- lines ------------------------------------------------------------------------------ */

/* The header line: {"format": "carbontracker-log", "version": 1, ...}. */
static int header_record(struct jr *j, const json_t *o, int line)
{
    const json_t *f = json_object_get(o, "format");
    double v = num(o, "version");
    char why[160];
    if (!json_is_string(f) || strcmp(json_string_value(f), "carbontracker-log") != 0) {
        skip(j, line,
             "not a carbontracker-log file (first line lacks \"format\": "
             "\"carbontracker-log\"); using the text logs");
        return 1;
    }
    if (v != 1) {
        snprintf(why, sizeof(why),
                 "carbontracker-log version %g is not supported (1 is); using the text logs", v);
        skip(j, line, why);
        return 1;
    }
    set_str(j, &j->run->version, o, "carbontracker_version");
    return 0;
}

int ct__parse_jsonl(struct ct__prun *run, const char *buf, size_t len, const char *label)
{
    struct jr j = {.run = run,
                   .label = label,
                   .rc = CT_OK,
                   .interpretable = 1,
                   .meta_intensity = NAN,
                   .ci_now = NAN,
                   .last_epoch_t_s = NAN};
    size_t pos = 0;
    int no = 0, seen_header = 0, used = 1;

    while (j.rc == CT_OK && pos < len) {
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += nl ? n + 1 : n;
        no++;
        while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (n == 0)
            continue;
        json_error_t err;
        json_t *o = json_loadb(s, n, 0, &err);
        if (!json_is_object(o)) {
            char why[256];
            if (!nl)
                snprintf(why, sizeof(why), "truncated last line (not complete JSON)");
            else if (o)
                snprintf(why, sizeof(why), "not a JSON object");
            else
                snprintf(why, sizeof(why), "invalid JSON: %s", err.text);
            if (!nl)
                run->truncated = 1;
            json_decref(o);
            if (!seen_header) {
                skip(&j, no, why);
                skip(&j, no, "not a carbontracker-log file; using the text logs");
                used = 0;
                break;
            }
            skip(&j, no, why);
            continue;
        }
        if (!seen_header) {
            seen_header = 1;
            if (header_record(&j, o, no) != 0) {
                json_decref(o);
                used = 0;
                break;
            }
            json_decref(o);
            continue;
        }
        const json_t *type = json_object_get(o, "type");
        const char *ty = json_is_string(type) ? json_string_value(type) : NULL;
        if (!ty)
            skip(&j, no, "record without a type");
        else if (strcmp(ty, "meta") == 0)
            rec_meta(&j, o, no);
        else if (strcmp(ty, "sample") == 0)
            rec_sample(&j, o, no);
        else if (strcmp(ty, "epoch") == 0)
            rec_epoch(&j, o, no);
        else if (strcmp(ty, "intensity") == 0)
            rec_intensity(&j, o, no);
        else if (strcmp(ty, "prediction") == 0)
            rec_consumption(&j, o, no, 0);
        else if (strcmp(ty, "summary") == 0)
            rec_consumption(&j, o, no, 1);
        else if (strcmp(ty, "node") == 0)
            rec_node(&j, o, no);
        /* other types: later versions' additions, ignored */
        json_decref(o);
    }
    if (!seen_header && used) {
        skip(&j, 0, "empty JSON-lines log; using the text logs");
        used = 0;
    }
    if (used && j.rc == CT_OK) {
        run->source_jsonl = 1;
        finish(&j);
    }
    if (j.rc == CT_OK)
        j.rc = ct__parse_skip_flush(run, label);
    if (!used && j.rc == CT_OK) {
        /* Leave the run to the text logs: only the skipped entries stay. */
        free(run->version);
        run->version = NULL;
        run->truncated = 0;
    }
    for (size_t e = 0; e < run->n_epochs && j.epoch_dev_j; e++)
        free(j.epoch_dev_j[e]);
    free(j.epoch_dev_j);
    free(j.dev_of_i);
    free(j.first_j);
    free(j.last_j);
    free(j.sample_total_j);
    free(j.sample_ci);
    free(j.summary_dev_j);
    return j.rc != CT_OK ? j.rc : used ? CT_OK : 1;
}
