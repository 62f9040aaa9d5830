/*
 * aggregate.c - the totals over parsed runs (upstream's aggregate_consumption, with the epoch
 * count read correctly), upstream's print_aggregate sentence byte for byte, and the result as
 * JSON (ct_parse_json, documented in carbontracker(1), PARSE JSON).
 */
#include "parse.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- totals ----------------------------------------------------------------------------- */

static int add_equiv(struct ct_parse_result *r, const char *unit, double v)
{
    for (size_t i = 0; i < r->n_equiv; i++) {
        if (strcmp(r->total_equiv[i].unit, unit) == 0) {
            r->total_equiv[i].value += v;
            return CT_OK;
        }
    }
    if (ct__parse_grow(&r->total_equiv, &r->cap_equiv, r->n_equiv + 1, sizeof(*r->total_equiv)) !=
        CT_OK)
        return CT_ENOMEM;
    char *u = strdup(unit);
    if (!u)
        return CT_ENOMEM;
    r->total_equiv[r->n_equiv++] = (struct ct__equiv){.unit = u, .value = v};
    return CT_OK;
}

static const char *run_file(const struct ct__prun *run)
{
    return run->source_jsonl && run->jsonl_filename ? run->jsonl_filename
           : run->output_filename                   ? run->output_filename
                                                    : "output log";
}

int ct__parse_totals(struct ct_parse_result *r)
{
    r->total_energy_kwh = 0;
    r->total_co2eq_g = 0;
    for (size_t i = 0; i < r->n_runs; i++) {
        struct ct__prun *run = &r->runs[i];
        const struct ct__consumption *a = run->actual, *p = run->pred, *c;
        if (!a && !p) {
            run->aggregated = NULL;
            continue;
        }
        if (!a)
            c = p;
        else if (!p)
            c = a;
        else
            c = run->early_stop || a->epochs == p->epochs ? a : p;
        run->aggregated = c == a ? "actual" : "pred";
        if (isnan(c->energy_kwh)) {
            if (ct__parse_skip_file(r, run_file(run),
                                    "energy is not a number; not counted in the totals") != CT_OK)
                return CT_ENOMEM;
            continue;
        }
        r->total_energy_kwh += c->energy_kwh;
        if (!isnan(c->co2eq_g))
            r->total_co2eq_g += c->co2eq_g;
        if (c->has_equivalents)
            for (size_t k = 0; k < c->n_equiv; k++)
                if (add_equiv(r, c->equiv[k].unit, c->equiv[k].value) != CT_OK)
                    return CT_ENOMEM;
    }
    return CT_OK;
}

/* ---- print_aggregate -------------------------------------------------------------------- */

/* Python's f"{v:.16f}". */
static void py_f16(double v, char *buf, size_t len)
{
    if (isnan(v)) {
        snprintf(buf, len, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, len, "%s", v < 0 ? "-inf" : "inf");
        return;
    }
    locale_t c = ct__parse_c_locale();
    locale_t old = c ? uselocale(c) : (locale_t)0;
    snprintf(buf, len, "%.16f", v);
    if (c)
        uselocale(old);
}

struct text {
    char *p;
    size_t n, cap;
    int oom;
};

static void put(struct text *t, const char *s)
{
    size_t k = strlen(s);
    if (t->oom || ct__parse_grow(&t->p, &t->cap, t->n + k + 1, 1) != CT_OK) {
        t->oom = 1;
        return;
    }
    memcpy(t->p + t->n, s, k + 1);
    t->n += k;
}

CT_API int ct_parse_aggregate_sentence(const ct_parse_result *r, char **text)
{
    if (!r || !text)
        return CT_EINVAL;
    *text = NULL;
    /* 400 digits: %.16f of the largest double. */
    char num[400];
    struct text t = {0};
    put(&t, "The training of models in this work is estimated to use ");
    py_f16(r->total_energy_kwh, num, sizeof(num));
    put(&t, num);
    put(&t, " kWh of electricity contributing to ");
    py_f16(r->total_co2eq_g / 1000, num, sizeof(num));
    put(&t, num);
    put(&t, " kg of CO2eq. ");
    if (r->n_equiv) {
        put(&t, "This is equivalent to ");
        for (size_t i = 0; i < r->n_equiv; i++) {
            if (i)
                put(&t, " or ");
            py_f16(r->total_equiv[i].value, num, sizeof(num));
            put(&t, num);
            put(&t, " ");
            put(&t, r->total_equiv[i].unit);
        }
        put(&t, ". ");
    }
    put(&t, "Measured by carbontracker (https://github.com/lfwa/carbontracker).");
    if (t.oom) {
        free(t.p);
        return CT_ENOMEM;
    }
    *text = t.p;
    return CT_OK;
}

/* ---- JSON ------------------------------------------------------------------------------- */

struct jb {
    int bad; /* out of memory somewhere */
};

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static void set(struct jb *b, json_t *o, const char *key, json_t *v)
{
    if (!o || !v || json_object_set_new(o, key, v) != 0)
        b->bad = 1;
}

static void push(struct jb *b, json_t *a, json_t *v)
{
    if (!a || !v || json_array_append_new(a, v) != 0)
        b->bad = 1;
}

static json_t *equivalents(struct jb *b, const struct ct__equiv *eq, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++)
        set(b, o, eq[i].unit, jnum(eq[i].value));
    return o;
}

static json_t *consumption(struct jb *b, const struct ct__consumption *c)
{
    if (!c)
        return json_null();
    json_t *o = json_object();
    set(b, o, "epochs", json_integer(c->epochs));
    set(b, o, "duration (s)", jnum(c->duration_s));
    set(b, o, "energy (kWh)", jnum(c->energy_kwh));
    set(b, o, "co2eq (g)", jnum(c->co2eq_g));
    set(b, o, "equivalents",
        c->has_equivalents ? equivalents(b, c->equiv, c->n_equiv) : json_null());
    return o;
}

static json_t *numbers(struct jb *b, const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        push(b, a, jnum(v[i]));
    return a;
}

static json_t *components(struct jb *b, const struct ct__prun *run)
{
    json_t *o = json_object();
    for (size_t i = 0; i < run->n_comp; i++) {
        const struct ct__pcomp *c = &run->comp[i];
        json_t *co = json_object();
        json_t *devs = json_array();
        for (size_t d = 0; d < c->n_devices; d++)
            push(b, devs, json_string(c->devices[d]));
        set(b, co, "devices", devs);
        json_t *power = json_null(), *energy = json_null();
        if (c->has_power) {
            power = json_array();
            for (size_t k = 0; k < c->n_power; k++)
                push(b, power, numbers(b, c->power[k].v, c->power[k].n));
        }
        if (c->has_power && run->has_durations) {
            /* upstream: (power.T * durations).T, one row per epoch */
            energy = json_array();
            size_t rows = c->n_power < run->n_durations ? c->n_power : run->n_durations;
            for (size_t k = 0; k < rows; k++) {
                json_t *row = json_array();
                for (size_t d = 0; d < c->power[k].n; d++)
                    push(b, row, jnum(c->power[k].v[d] * run->durations[k]));
                push(b, energy, row);
            }
        }
        set(b, co, "avg_power_usages (W)", power);
        set(b, co, "avg_energy_usages (J)", energy);
        set(b, co, "epoch_durations (s)",
            run->has_durations ? numbers(b, run->durations, run->n_durations) : json_null());
        set(b, o, c->name, co);
    }
    return o;
}

static json_t *skipped(struct jb *b, const struct ct__pskip *s, size_t n, int with_line)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        set(b, o, "file", json_string(s[i].file));
        if (with_line)
            set(b, o, "line", json_integer(s[i].line));
        set(b, o, "reason", json_string(s[i].reason));
        push(b, a, o);
    }
    return a;
}

static json_t *run_json(struct jb *b, const struct ct__prun *run)
{
    json_t *o = json_object();
    set(b, o, "output_filename", jstr(run->output_filename));
    set(b, o, "standard_filename", jstr(run->standard_filename));
    set(b, o, "jsonl_filename", jstr(run->jsonl_filename));
    set(b, o, "source", json_string(run->source_jsonl ? "jsonl" : "text"));
    set(b, o, "naming_generation",
        run->naming_generation ? json_integer(run->naming_generation) : json_null());
    set(b, o, "carbontracker_version", jstr(run->version));
    set(b, o, "pue", jnum(run->pue));
    set(b, o, "early_stop", json_boolean(run->early_stop));
    set(b, o, "truncated", json_boolean(run->truncated));
    set(b, o, "components", components(b, run));
    set(b, o, "actual", consumption(b, run->actual));
    set(b, o, "pred", consumption(b, run->pred));
    set(b, o, "aggregated", jstr(run->aggregated));
    set(b, o, "location", jstr(run->location));
    set(b, o, "intensity_g_per_kwh", jnum(run->intensity_g_per_kwh));

    json_t *eps = json_array();
    for (size_t i = 0; i < run->n_epochs; i++) {
        const struct ct__pepoch *e = &run->epochs[i];
        json_t *eo = json_object();
        set(b, eo, "epoch", json_integer(e->epoch));
        set(b, eo, "duration_s", jnum(e->duration_s));
        set(b, eo, "cpu_power_w", jnum(e->cpu_power_w));
        set(b, eo, "gpu_power_w", jnum(e->gpu_power_w));
        set(b, eo, "energy_j", jnum(e->energy_j));
        set(b, eo, "energy_kwh", jnum(e->energy_kwh));
        set(b, eo, "co2eq_g", jnum(e->co2eq_g));
        push(b, eps, eo);
    }
    set(b, o, "epochs", eps);

    json_t *devs = json_array();
    for (size_t i = 0; i < run->n_devices; i++) {
        const struct ct__pdevice *d = &run->devices[i];
        json_t *dobj = json_object();
        set(b, dobj, "component", json_string(d->component));
        set(b, dobj, "name", json_string(d->name));
        set(b, dobj, "meter", jstr(d->meter));
        set(b, dobj, "provenance", jstr(d->provenance));
        set(b, dobj, "energy_j", jnum(d->energy_j));
        push(b, devs, dobj);
    }
    set(b, o, "devices", devs);

    json_t *smp = json_array();
    for (size_t i = 0; i < run->n_samples; i++) {
        json_t *so = json_object();
        set(b, so, "t_s", jnum(run->samples[i].t_s));
        set(b, so, "cpu_w", jnum(run->samples[i].cpu_w));
        set(b, so, "gpu_w", jnum(run->samples[i].gpu_w));
        push(b, smp, so);
    }
    set(b, o, "samples", smp);

    json_t *is = json_array();
    for (size_t i = 0; i < run->n_isamples; i++) {
        json_t *io = json_object();
        set(b, io, "t_s", jnum(run->isamples[i].t_s));
        set(b, io, "g_per_kwh", jnum(run->isamples[i].g_per_kwh));
        set(b, io, "source", jstr(run->isamples[i].source));
        push(b, is, io);
    }
    set(b, o, "intensity_samples", is);
    set(b, o, "skipped", skipped(b, run->skipped, run->n_skipped, 1));
    set(b, o, "derived", ct__parse_derive_json(run));
    return o;
}

CT_API int ct_parse_json(const ct_parse_result *r, char **json)
{
    if (!r || !json)
        return CT_EINVAL;
    *json = NULL;
    struct jb b = {0};
    json_t *root = json_object();
    set(&b, root, "format", json_string("carbontracker-parse"));
    set(&b, root, "format_version", json_integer(1));
    json_t *runs = json_array();
    for (size_t i = 0; i < r->n_runs; i++)
        push(&b, runs, run_json(&b, &r->runs[i]));
    set(&b, root, "runs", runs);
    json_t *tot = json_object();
    set(&b, tot, "energy_kwh", jnum(r->total_energy_kwh));
    set(&b, tot, "co2eq_g", jnum(r->total_co2eq_g));
    set(&b, tot, "equivalents", equivalents(&b, r->total_equiv, r->n_equiv));
    set(&b, root, "totals", tot);
    set(&b, root, "skipped", skipped(&b, r->skipped, r->n_skipped, 0));
    char *text = b.bad ? NULL : json_dumps(root, JSON_INDENT(2));
    json_decref(root);
    if (!text)
        return CT_ENOMEM;
    *json = text;
    return CT_OK;
}
