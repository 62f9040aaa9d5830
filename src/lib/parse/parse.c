/*
 * parse.c - the log parser's public API, the top layer: ct_parse_bytes, ct_parse_run_bytes,
 * ct_parse_files and ct_parse_dir build a result through aggregate.c; ct_parse_json serialises it
 * (documented in carbontracker(1), PARSE JSON); the accessors and ct_parse_result_free. Nothing
 * below calls it.
 */
#include "aggregate.h"
#include "derive.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building a result ------------------------------------------------------------------ */

/* The end of building r (NULL: out of memory) after rc: its totals, then *out = r; or r freed. */
static int finish(ct_parse_result *r, int rc, ct_parse_result **out)
{
    if (rc == CT_OK)
        rc = ct__parse_totals(r);
    if (rc != CT_OK) {
        ct_parse_result_free(r);
        return rc;
    }
    *out = r;
    return CT_OK;
}

CT_API int ct_parse_bytes(const char *std_bytes, size_t std_len, const char *out_bytes,
                          size_t out_len, ct_parse_result **out)
{
    if (!out)
        return CT_EINVAL;
    *out = NULL;
    ct_parse_result *r = calloc(1, sizeof(*r));
    struct ct__prun *run = r ? ct__parse_new_run(r) : NULL;
    int rc = run ? ct__parse_run_bytes(run, std_bytes, std_len, NULL, out_bytes, out_len, NULL,
                                       NULL, 0, NULL)
                 : CT_ENOMEM;
    return finish(r, rc, out);
}

CT_API int ct_parse_run_bytes(const char *std_bytes, size_t std_len, const char *std_name,
                              const char *out_bytes, size_t out_len, const char *out_name,
                              const char *jsonl_bytes, size_t jsonl_len, const char *jsonl_name,
                              ct_parse_result **out)
{
    if (!out)
        return CT_EINVAL;
    *out = NULL;
    ct_parse_result *r = calloc(1, sizeof(*r));
    struct ct__prun *run = r ? ct__parse_new_run(r) : NULL;
    int rc = run ? ct__parse_run_named(run, std_bytes, std_len, std_name, out_bytes, out_len,
                                       out_name, jsonl_bytes, jsonl_len, jsonl_name)
                 : CT_ENOMEM;
    return finish(r, rc, out);
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
    ct_parse_result *r = calloc(1, sizeof(*r));
    struct ct__prun *run = r ? ct__parse_new_run(r) : NULL;
    const char *failed = NULL;
    int err = 0;
    int rc = run ? ct__parse_run_files(run, std_log, output_log, jsonl, &failed, &err) : CT_ENOMEM;
    if (rc == CT_EIO)
        set_err(errbuf, errlen, "cannot read %s: %s", failed, strerror(-err));
    return finish(r, rc, out);
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
    ct_parse_result *r = calloc(1, sizeof(*r));
    int rc = r ? ct__parse_dir_runs(r, dir, recursive, errbuf, errlen) : CT_ENOMEM;
    return finish(r, rc, out);
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

/* Append one formatted line to a growing buffer; CT_OK or CT_ENOMEM. */
static int add_line(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int add_line(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || ct__parse_grow(buf, cap, *len + (size_t)n + 1, 1) != CT_OK)
        return CT_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(*buf + *len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *len += (size_t)n;
    return CT_OK;
}

CT_API int ct_parse_messages(const ct_parse_result *r, char **text)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = CT_OK;

    if (!r || !text)
        return CT_EINVAL;
    *text = NULL;
    rc = add_line(&buf, &len, &cap, "%s", "");
    for (size_t i = 0; rc == CT_OK && i < r->n_skipped; i++)
        rc = add_line(&buf, &len, &cap, "skipped %s: %s\n", r->skipped[i].file,
                      r->skipped[i].reason);
    for (size_t k = 0; rc == CT_OK && k < r->n_runs; k++) {
        const struct ct__prun *run = &r->runs[k];
        for (size_t i = 0; rc == CT_OK && i < run->n_skipped; i++) {
            const struct ct__pskip *s = &run->skipped[i];
            if (s->line > 0)
                rc = add_line(&buf, &len, &cap, "skipped %s:%d: %s\n", s->file, s->line, s->reason);
            else
                rc = add_line(&buf, &len, &cap, "skipped %s: %s\n", s->file, s->reason);
        }
    }
    for (size_t k = 0; rc == CT_OK && k < r->n_runs; k++) {
        const struct ct__prun *run = &r->runs[k];
        if (run->source_note != NULL)
            rc = add_line(&buf, &len, &cap, "note: %s: %s\n",
                          run->jsonl_filename ? run->jsonl_filename : "", run->source_note);
    }
    if (rc != CT_OK) {
        free(buf);
        return rc;
    }
    *text = buf;
    return CT_OK;
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

static json_t *num_json(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str_json(const char *s)
{
    return s ? json_string(s) : json_null();
}

static void member(struct jb *b, json_t *o, const char *key, json_t *v)
{
    if (!o || !v || json_object_set_new(o, key, v) != 0)
        b->bad = 1;
}

static void push(struct jb *b, json_t *a, json_t *v)
{
    if (!a || !v || json_array_append_new(a, v) != 0)
        b->bad = 1;
}

/* One member of an object written from a struct: the key is the member's name. */
enum jkind {
    J_INT,  /* int */
    J_NUM,  /* double, null when not finite */
    J_STR,  /* char *, never NULL */
    J_NSTR, /* char *, null when NULL */
};
struct jfield {
    const char *key;
    enum jkind kind;
    size_t offset;
};
#define JFIELD(type, member, kind)                                                                 \
    {                                                                                              \
#member, kind, offsetof(type, member)                                                      \
    }

static json_t *field_json(const char *rec, const struct jfield *f)
{
    const void *at = rec + f->offset;
    switch (f->kind) {
    case J_INT:
        return json_integer(*(const int *)at);
    case J_NUM:
        return num_json(*(const double *)at);
    case J_STR:
        return json_string(*(char *const *)at);
    case J_NSTR:
        return str_json(*(char *const *)at);
    }
    return NULL;
}

/* An array of n records of `size` bytes, each an object of the n_fields fields. */
static json_t *records_json(struct jb *b, const void *recs, size_t n, size_t size,
                            const struct jfield *fields, size_t n_fields)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        for (size_t k = 0; k < n_fields; k++)
            member(b, o, fields[k].key, field_json((const char *)recs + i * size, &fields[k]));
        push(b, a, o);
    }
    return a;
}
#define RECORDS_JSON(b, recs, n, fields)                                                           \
    records_json(b, recs, n, sizeof(*(recs)), fields, sizeof(fields) / sizeof(fields[0]))

static const struct jfield epoch_fields[] = {
    JFIELD(struct ct__pepoch, epoch, J_INT),       JFIELD(struct ct__pepoch, duration_s, J_NUM),
    JFIELD(struct ct__pepoch, cpu_power_w, J_NUM), JFIELD(struct ct__pepoch, gpu_power_w, J_NUM),
    JFIELD(struct ct__pepoch, energy_j, J_NUM),    JFIELD(struct ct__pepoch, energy_kwh, J_NUM),
    JFIELD(struct ct__pepoch, co2eq_g, J_NUM),
};
static const struct jfield device_fields[] = {
    JFIELD(struct ct__pdevice, component, J_STR), JFIELD(struct ct__pdevice, name, J_STR),
    JFIELD(struct ct__pdevice, meter, J_NSTR),    JFIELD(struct ct__pdevice, provenance, J_NSTR),
    JFIELD(struct ct__pdevice, energy_j, J_NUM),
};
static const struct jfield sample_fields[] = {
    JFIELD(struct ct__psample, t_s, J_NUM),
    JFIELD(struct ct__psample, cpu_w, J_NUM),
    JFIELD(struct ct__psample, gpu_w, J_NUM),
};
static const struct jfield isample_fields[] = {
    JFIELD(struct ct__pisample, t_s, J_NUM),
    JFIELD(struct ct__pisample, g_per_kwh, J_NUM),
    JFIELD(struct ct__pisample, source, J_NSTR),
};

static json_t *equivalents(struct jb *b, const struct ct__equiv *eq, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++)
        member(b, o, eq[i].unit, num_json(eq[i].value));
    return o;
}

static json_t *consumption(struct jb *b, const struct ct__consumption *c)
{
    if (!c)
        return json_null();
    json_t *o = json_object();
    member(b, o, "epochs", json_integer(c->epochs));
    member(b, o, "duration (s)", num_json(c->duration_s));
    member(b, o, "energy (kWh)", num_json(c->energy_kwh));
    member(b, o, "co2eq (g)", num_json(c->co2eq_g));
    member(b, o, "equivalents",
           c->has_equivalents ? equivalents(b, c->equiv, c->n_equiv) : json_null());
    if (c->has_band) {
        json_t *band = json_object(), *lo = json_object(), *hi = json_object();
        static const char *const keys[3] = {"duration (s)", "energy (kWh)", "co2eq (g)"};
        for (int k = 0; k < 3; k++) {
            member(b, lo, keys[k], num_json(c->band_lo[k]));
            member(b, hi, keys[k], num_json(c->band_hi[k]));
        }
        member(b, band, "percentiles", json_pack("[i, i]", 10, 90));
        member(b, band, "low", lo);
        member(b, band, "high", hi);
        member(b, o, "band", band);
    }
    return o;
}

static json_t *numbers(struct jb *b, const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        push(b, a, num_json(v[i]));
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
        member(b, co, "devices", devs);
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
                    push(b, row, num_json(c->power[k].v[d] * run->durations[k]));
                push(b, energy, row);
            }
        }
        member(b, co, "avg_power_usages (W)", power);
        member(b, co, "avg_energy_usages (J)", energy);
        member(b, co, "epoch_durations (s)",
               run->has_durations ? numbers(b, run->durations, run->n_durations) : json_null());
        member(b, o, c->name, co);
    }
    return o;
}

static json_t *skipped(struct jb *b, const struct ct__pskip *s, size_t n, int with_line)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        member(b, o, "file", json_string(s[i].file));
        if (with_line)
            member(b, o, "line", json_integer(s[i].line));
        member(b, o, "reason", json_string(s[i].reason));
        push(b, a, o);
    }
    return a;
}

/* ---- distributed jobs ---------------------------------------------------------------- */

/* An integer member unless it is unknown (-1). */
static void known_int(struct jb *b, json_t *o, const char *key, int v)
{
    if (v >= 0)
        member(b, o, key, json_integer(v));
}

static json_t *job_json(struct jb *b, const struct ct__pjob *jb)
{
    if (!jb)
        return json_null();
    json_t *o = json_object();
    member(b, o, "id", str_json(jb->id));
    member(b, o, "launcher", str_json(jb->launcher));
    member(b, o, "node", str_json(jb->node));
    known_int(b, o, "rank", jb->rank);
    known_int(b, o, "world_size", jb->world_size);
    known_int(b, o, "local_rank", jb->local_rank);
    known_int(b, o, "local_world_size", jb->local_world_size);
    known_int(b, o, "node_id", jb->node_id);
    member(b, o, "measures_node", json_boolean(jb->measures_node));
    return o;
}

/* What a run adds to the totals: its aggregated consumption, or NULL. */
static const struct ct__consumption *counted(const struct ct__prun *run)
{
    if (!run->aggregated)
        return NULL;
    return strcmp(run->aggregated, "actual") == 0 ? run->actual : run->pred;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Add what run counted to *kwh and *g (unknowns add nothing). */
static void add_counted(const struct ct__prun *run, double *kwh, double *g)
{
    const struct ct__consumption *c = counted(run);
    if (c && isfinite(c->energy_kwh))
        *kwh += c->energy_kwh;
    if (c && isfinite(c->co2eq_g))
        *g += c->co2eq_g;
}

/* One node of job `id`: its ranks, what they counted, and how many measured the node. */
static json_t *node_json(struct jb *b, const ct_parse_result *r, const char *id, const char *node,
                         double *kwh, double *g, int *measurers)
{
    json_t *o = json_object(), *ranks = json_array();
    double nk = 0, ng = 0;
    int node_id = -1;
    *measurers = 0;
    for (size_t i = 0; i < r->n_runs; i++) {
        const struct ct__prun *run = &r->runs[i];
        if (!run->job || !same_str(run->job->id, id) || !same_str(run->job->node, node))
            continue;
        double rk = 0, rg = 0;
        add_counted(run, &rk, &rg);
        nk += rk;
        ng += rg;
        *measurers += run->job->measures_node;
        if (run->job->node_id >= 0)
            node_id = run->job->node_id;
        json_t *one = json_object();
        known_int(b, one, "rank", run->job->rank);
        known_int(b, one, "local_rank", run->job->local_rank);
        member(b, one, "measures_node", json_boolean(run->job->measures_node));
        member(b, one, "energy_kwh", num_json(rk));
        member(b, one, "co2eq_g", num_json(rg));
        member(b, one, "file", str_json(run->jsonl_filename));
        push(b, ranks, one);
    }
    member(b, o, "node", str_json(node));
    known_int(b, o, "node_id", node_id);
    member(b, o, "energy_kwh", num_json(nk));
    member(b, o, "co2eq_g", num_json(ng));
    member(b, o, "ranks", ranks);
    *kwh += nk;
    *g += ng;
    return o;
}

/* The runs grouped by job, then node, then rank: each job's total is what its ranks counted, each
 * device once (doc/distributed.md). A node measured by more than one rank is named. */
static json_t *jobs_json(struct jb *b, const ct_parse_result *r)
{
    json_t *jobs = json_array();
    for (size_t i = 0; i < r->n_runs; i++) {
        const struct ct__pjob *jb = r->runs[i].job;
        int seen = !jb;
        for (size_t k = 0; k < i && !seen; k++)
            seen = r->runs[k].job && same_str(r->runs[k].job->id, jb->id);
        if (seen)
            continue;
        json_t *o = json_object(), *nodes = json_array(), *twice = json_array();
        double kwh = 0, g = 0;
        int n_runs = 0, world = -1;
        for (size_t k = i; k < r->n_runs; k++) {
            const struct ct__pjob *other = r->runs[k].job;
            if (!other || !same_str(other->id, jb->id))
                continue;
            n_runs++;
            if (other->world_size > world)
                world = other->world_size;
            int first_of_node = 1;
            for (size_t m = i; m < k && first_of_node; m++)
                first_of_node = !(r->runs[m].job && same_str(r->runs[m].job->id, jb->id) &&
                                  same_str(r->runs[m].job->node, other->node));
            if (!first_of_node)
                continue;
            int measurers;
            push(b, nodes, node_json(b, r, jb->id, other->node, &kwh, &g, &measurers));
            if (measurers > 1)
                push(b, twice, str_json(other->node));
        }
        member(b, o, "id", str_json(jb->id));
        member(b, o, "launcher", str_json(jb->launcher));
        known_int(b, o, "world_size", world);
        member(b, o, "runs", json_integer(n_runs));
        member(b, o, "energy_kwh", num_json(kwh));
        member(b, o, "co2eq_g", num_json(g));
        member(b, o, "nodes", nodes);
        member(b, o, "nodes_measured_twice", twice);
        push(b, jobs, o);
    }
    return jobs;
}

static json_t *run_json(struct jb *b, const struct ct__prun *run)
{
    json_t *o = json_object();
    member(b, o, "output_filename", str_json(run->output_filename));
    member(b, o, "standard_filename", str_json(run->standard_filename));
    member(b, o, "jsonl_filename", str_json(run->jsonl_filename));
    member(b, o, "source", json_string(run->source_jsonl ? "jsonl" : "text"));
    member(b, o, "source_note", str_json(run->source_note));
    member(b, o, "naming_generation",
           run->naming_generation ? json_integer(run->naming_generation) : json_null());
    member(b, o, "carbontracker_version", str_json(run->version));
    member(b, o, "pue", num_json(run->pue));
    member(b, o, "early_stop", json_boolean(run->early_stop));
    member(b, o, "truncated", json_boolean(run->truncated));
    member(b, o, "components", components(b, run));
    member(b, o, "actual", consumption(b, run->actual));
    member(b, o, "pred", consumption(b, run->pred));
    member(b, o, "aggregated", str_json(run->aggregated));
    member(b, o, "location", str_json(run->location));
    member(b, o, "intensity_g_per_kwh", num_json(run->intensity_g_per_kwh));
    member(b, o, "job", job_json(b, run->job));

    member(b, o, "epochs", RECORDS_JSON(b, run->epochs, run->n_epochs, epoch_fields));
    member(b, o, "devices", RECORDS_JSON(b, run->devices, run->n_devices, device_fields));
    member(b, o, "samples", RECORDS_JSON(b, run->samples, run->n_samples, sample_fields));
    member(b, o, "intensity_samples",
           RECORDS_JSON(b, run->isamples, run->n_isamples, isample_fields));
    member(b, o, "skipped", skipped(b, run->skipped, run->n_skipped, 1));
    member(b, o, "derived", ct__parse_derive_json(run));
    if (run->has_node) { /* only runs with a node meter: the others' JSON stays as it was */
        json_t *n = json_object();
        member(b, n, "meter", str_json(run->node_meter));
        member(b, n, "energy_j", num_json(run->node_energy_j));
        member(b, n, "components_energy_j", num_json(run->node_components_j));
        member(b, n, "not_in_components_j", num_json(run->node_energy_j - run->node_components_j));
        member(b, o, "node", n);
    }
    return o;
}

CT_API int ct_parse_jobs_json(const ct_parse_result *r, char **json)
{
    if (!r || !json)
        return CT_EINVAL;
    *json = NULL;
    struct jb b = {0};
    json_t *jobs = jobs_json(&b, r);
    char *text = b.bad ? NULL : json_dumps(jobs, JSON_INDENT(2));
    json_decref(jobs);
    if (!text)
        return CT_ENOMEM;
    *json = text;
    return CT_OK;
}

CT_API int ct_parse_json(const ct_parse_result *r, char **json)
{
    if (!r || !json)
        return CT_EINVAL;
    *json = NULL;
    struct jb b = {0};
    json_t *root = json_object();
    member(&b, root, "format", json_string("carbontracker-parse"));
    member(&b, root, "format_version", json_integer(1));
    json_t *runs = json_array();
    for (size_t i = 0; i < r->n_runs; i++)
        push(&b, runs, run_json(&b, &r->runs[i]));
    member(&b, root, "runs", runs);
    json_t *tot = json_object();
    member(&b, tot, "energy_kwh", num_json(r->total_energy_kwh));
    member(&b, tot, "co2eq_g", num_json(r->total_co2eq_g));
    member(&b, tot, "equivalents", equivalents(&b, r->total_equiv, r->n_equiv));
    member(&b, root, "totals", tot);
    member(&b, root, "jobs", jobs_json(&b, r));
    member(&b, root, "skipped", skipped(&b, r->skipped, r->n_skipped, 0));
    char *text = b.bad ? NULL : json_dumps(root, JSON_INDENT(2));
    json_decref(root);
    if (!text)
        return CT_ENOMEM;
    *json = text;
    return CT_OK;
}
