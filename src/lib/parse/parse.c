/*
 * parse.c - the log parser's public API, the top layer: ct_parse_bytes, ct_parse_files and
 * ct_parse_dir build a result through aggregate.c; ct_parse_json serialises it (documented in
 * carbontracker(1), PARSE JSON); the accessors and ct_parse_result_free. Nothing below calls it.
 */
#include "parse.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building a result ------------------------------------------------------------------ */

static int new_result(ct_parse_result **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? CT_OK : CT_ENOMEM;
}

CT_API int ct_parse_bytes(const char *std_bytes, size_t std_len, const char *out_bytes,
                          size_t out_len, ct_parse_result **out)
{
    if (!out)
        return CT_EINVAL;
    *out = NULL;
    ct_parse_result *r = NULL;
    int rc = new_result(&r);
    if (rc != CT_OK)
        return rc;
    struct ct__prun *run = ct__parse_new_run(r);
    rc = run ? ct__parse_run_bytes(run, std_bytes, std_len, NULL, out_bytes, out_len, NULL, NULL, 0,
                                   NULL)
             : CT_ENOMEM;
    if (rc == CT_OK)
        rc = ct__parse_totals(r);
    if (rc != CT_OK) {
        ct_parse_result_free(r);
        return rc;
    }
    *out = r;
    return CT_OK;
}

static void set_err(char *errbuf, size_t errlen, const char *fmt, const char *a, const char *b)
{
    if (errbuf && errlen)
        snprintf(errbuf, errlen, fmt, a, b);
}

CT_API int ct_parse_files(const char *std_log, const char *output_log, const char *jsonl,
                          ct_parse_result **out, char *errbuf, size_t errlen)
{
    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!out || (!std_log && !output_log && !jsonl)) {
        set_err(errbuf, errlen, "%s%s", "no log file given", "");
        return CT_EINVAL;
    }
    *out = NULL;
    ct_parse_result *r = NULL;
    int rc = new_result(&r);
    if (rc != CT_OK)
        return rc;
    struct ct__prun *run = ct__parse_new_run(r);
    const char *failed = NULL;
    int err = 0;
    rc = run ? ct__parse_run_files(run, std_log, output_log, jsonl, &failed, &err) : CT_ENOMEM;
    if (rc == CT_EIO)
        set_err(errbuf, errlen, "cannot read %s: %s", failed, strerror(-err));
    if (rc == CT_OK)
        rc = ct__parse_totals(r);
    if (rc != CT_OK) {
        ct_parse_result_free(r);
        return rc;
    }
    *out = r;
    return CT_OK;
}

CT_API int ct_parse_dir(const char *dir, int recursive, ct_parse_result **out, char *errbuf,
                        size_t errlen)
{
    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!dir || !out) {
        set_err(errbuf, errlen, "%s%s", "dir and out must not be NULL", "");
        return CT_EINVAL;
    }
    *out = NULL;
    ct_parse_result *r = NULL;
    int rc = new_result(&r);
    if (rc == CT_OK)
        rc = ct__parse_dir_runs(r, dir, recursive, errbuf, errlen);
    if (rc == CT_OK)
        rc = ct__parse_totals(r);
    if (rc != CT_OK) {
        ct_parse_result_free(r);
        return rc;
    }
    *out = r;
    return CT_OK;
}

/* ---- result ----------------------------------------------------------------------------- */

CT_API size_t ct_parse_run_count(const ct_parse_result *r)
{
    return r ? r->n_runs : 0;
}

CT_API int ct_parse_aggregate_sentence(const ct_parse_result *r, char **text)
{
    if (!r || !text)
        return CT_EINVAL;
    return ct__parse_sentence(r, text);
}

CT_API int ct_parse_totals(const ct_parse_result *r, double *energy_kwh, double *co2eq_g)
{
    if (!r)
        return CT_EINVAL;
    if (energy_kwh)
        *energy_kwh = r->total_energy_kwh;
    if (co2eq_g)
        *co2eq_g = r->total_co2eq_g;
    return CT_OK;
}

CT_API void ct_parse_result_free(ct_parse_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_runs; i++)
        ct__parse_run_clear(&r->runs[i]);
    free(r->runs);
    for (size_t i = 0; i < r->n_skipped; i++) {
        free(r->skipped[i].file);
        free(r->skipped[i].reason);
    }
    free(r->skipped);
    for (size_t i = 0; i < r->n_equiv; i++)
        free(r->total_equiv[i].unit);
    free(r->total_equiv);
    free(r);
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
