/*
 * parse.c - the log parser's public API, the top layer: ct_parse_bytes, ct_parse_run_bytes,
 * ct_parse_files and ct_parse_dir build a result through aggregate.c; ct_parse_json serialises it
 * (documented in carbontracker(1), PARSE JSON), into memory, streamed to a file descriptor
 * (ct_parse_json_write) or with long series in groups (ct_parse_json_reduced, for the report);
 * the accessors and ct_parse_result_free. Nothing below calls it.
 */
#include "aggregate.h"
#include "derive.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

CT_API int ct_parse_jobs_json(const ct_parse_result *r, char **json)
{
    if (!r || !json)
        return CT_EINVAL;
    *json = NULL;
    struct jb b = {0};
    json_t *jobs = jobs_json(&b, r);
    char *text = b.bad ? NULL : ct__json_text(jobs, 2, 0, NULL); /* JSON_INDENT(2) */
    json_decref(jobs);
    if (!text)
        return CT_ENOMEM;
    *json = text;
    return CT_OK;
}

/* ---- the document, written as it is made --------------------------------------------------- */

/* A JSON writer that gives, byte for byte, what json_dumps(JSON_INDENT(2)) gives for the same
 * tree, without the tree: the long arrays of a run (epochs, samples, power rows) are written an
 * element at a time, the small objects through jansson. Output goes to a growing buffer (fd < 0)
 * or, in 64 KiB pieces, to fd. */
#define JW_FLUSH (64 * 1024)
#define JW_DEPTH 16

struct jw {
    int fd;    /* -1: into buf */
    char *buf; /* NUL-terminated when into buf */
    size_t len, cap;
    int err;                       /* CT_OK, CT_ENOMEM or CT_EIO (errno as write(2) left it) */
    int depth;                     /* containers open */
    unsigned char first[JW_DEPTH]; /* per depth: nothing written in it yet */
    size_t max_points; /* 0: every entry; else long series in at most this many groups */
    struct jb b;
};

static void jw_flush(struct jw *w)
{
    size_t off = 0;
    while (w->err == CT_OK && off < w->len) {
        ssize_t n = write(w->fd, w->buf + off, w->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            w->err = CT_EIO;
            break;
        }
        off += (size_t)n;
    }
    w->len = 0;
}

static void jw_put(struct jw *w, const char *p, size_t n)
{
    if (w->err != CT_OK)
        return;
    if (w->len + n + 1 > w->cap && ct__parse_grow(&w->buf, &w->cap, w->len + n + 1, 1) != CT_OK) {
        w->err = CT_ENOMEM;
        return;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    w->buf[w->len] = '\0';
    if (w->fd >= 0 && w->len >= JW_FLUSH)
        jw_flush(w);
}

/* A new line indented to the current depth (jansson: two spaces a level). */
static void jw_newline(struct jw *w)
{
    static const char spaces[] = "                                "; /* 2 * JW_DEPTH */
    jw_put(w, "\n", 1);
    jw_put(w, spaces, 2 * (size_t)w->depth);
}

/* Before an array element or an object member: the comma after the previous one, a new line. */
static void jw_item(struct jw *w)
{
    if (!w->first[w->depth])
        jw_put(w, ",", 1);
    w->first[w->depth] = 0;
    jw_newline(w);
}

static void jw_begin(struct jw *w, char open)
{
    jw_put(w, &open, 1);
    if (w->depth + 1 >= JW_DEPTH) {
        w->err = CT_ENOMEM;
        return;
    }
    w->first[++w->depth] = 1;
}

/* Close the innermost container: "[]" / "{}" when it stayed empty, as jansson writes them. */
static void jw_end(struct jw *w, char close)
{
    int empty = w->first[w->depth];
    w->depth--;
    if (!empty)
        jw_newline(w);
    jw_put(w, &close, 1);
}

/* A value of jansson's (a new reference, consumed; NULL: out of memory), indented to the current
 * depth: its lines are jansson's, each moved right by the depth. */
static void jw_json(struct jw *w, json_t *v)
{
    if (!v) {
        w->err = CT_ENOMEM;
        return;
    }
    char *text = ct__json_text(v, 2, 0, NULL); /* JSON_INDENT(2) | JSON_ENCODE_ANY */
    json_decref(v);
    if (!text) {
        w->err = CT_ENOMEM;
        return;
    }
    for (const char *p = text, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl) {
            jw_put(w, p, strlen(p));
            break;
        }
        jw_put(w, p, (size_t)(nl - p));
        jw_newline(w);
    }
    free(text);
}

static void jw_key(struct jw *w, const char *key)
{
    jw_item(w);
    jw_json(w, json_string(key));
    jw_put(w, ": ", 2);
}

/* A member whose value is jansson's. */
static void jw_member(struct jw *w, const char *key, json_t *v)
{
    jw_key(w, key);
    jw_json(w, v);
}

/* A number as jansson writes a real, null when not finite. */
static void jw_num(struct jw *w, double v)
{
    char text[CT__JSON_REAL_MAX];
    size_t n = ct__json_real(text, v);
    if (n > 0)
        jw_put(w, text, n);
    else
        jw_put(w, "null", 4);
}

static void jw_field(struct jw *w, const char *rec, const struct jfield *f)
{
    const void *at = rec + f->offset;
    jw_key(w, f->key);
    switch (f->kind) {
    case J_INT: {
        char text[24];
        int n = snprintf(text, sizeof(text), "%d", *(const int *)at);
        jw_put(w, text, (size_t)n);
        break;
    }
    case J_NUM:
        jw_num(w, *(const double *)at);
        break;
    case J_STR:
        jw_json(w, json_string(*(char *const *)at));
        break;
    case J_NSTR:
        jw_json(w, str_json(*(char *const *)at));
        break;
    }
}

/* Member `key`: an array of n records of `size` bytes, each an object of the n_fields fields. */
static void jw_records(struct jw *w, const char *key, const void *recs, size_t n, size_t size,
                       const struct jfield *fields, size_t n_fields)
{
    jw_key(w, key);
    jw_begin(w, '[');
    for (size_t i = 0; i < n && w->err == CT_OK; i++) {
        jw_item(w);
        jw_begin(w, '{');
        for (size_t k = 0; k < n_fields; k++)
            jw_field(w, (const char *)recs + i * size, &fields[k]);
        jw_end(w, '}');
    }
    jw_end(w, ']');
}
#define JW_RECORDS(w, key, recs, n, fields)                                                        \
    jw_records(w, key, recs, n, sizeof(*(recs)), fields, sizeof(fields) / sizeof(fields[0]))

/* An array of numbers, each v[i] * (scale ? scale : 1). */
static void jw_numbers(struct jw *w, const double *v, size_t n, const double *scale)
{
    jw_begin(w, '[');
    for (size_t i = 0; i < n; i++) {
        jw_item(w);
        jw_num(w, scale ? v[i] * *scale : v[i]);
    }
    jw_end(w, ']');
}

/* ---- long series in groups (ct_parse_json_reduced) ---- */

/* A sum over the finite values of a group; NaN when it has none. */
struct jw_sum {
    double v;
    int n;
};
static void sum_add(struct jw_sum *s, double v)
{
    if (isfinite(v)) {
        s->v += v;
        s->n++;
    }
}
static double sum_of(const struct jw_sum *s)
{
    return s->n ? s->v : NAN;
}
static double mean_of(const struct jw_sum *s)
{
    return s->n ? s->v / s->n : NAN;
}

/* How many consecutive entries of a series of n make one group (1: the series is short). */
static size_t group_size(const struct jw *w, size_t n)
{
    return w->max_points && n > w->max_points ? (n + w->max_points - 1) / w->max_points : 1;
}

static void jw_num_member(struct jw *w, const char *key, double v)
{
    jw_key(w, key);
    jw_num(w, v);
}

/* "epochs" in groups of k: the last epoch's number, how many epochs, the sums of durations and
 * energies, power as energy over duration (the group's mean power). */
static void jw_epoch_groups(struct jw *w, const struct ct__prun *run, size_t k)
{
    jw_key(w, "epochs");
    jw_begin(w, '[');
    for (size_t i = 0; i < run->n_epochs && w->err == CT_OK; i += k) {
        size_t m = run->n_epochs - i < k ? run->n_epochs - i : k;
        struct jw_sum d = {0}, cpu = {0}, gpu = {0}, cpu_d = {0}, gpu_d = {0}, j = {0}, kwh = {0},
                      g = {0};
        for (size_t x = i; x < i + m; x++) {
            const struct ct__pepoch *e = &run->epochs[x];
            sum_add(&d, e->duration_s);
            sum_add(&cpu, e->cpu_power_w * e->duration_s);
            sum_add(&gpu, e->gpu_power_w * e->duration_s);
            if (isfinite(e->cpu_power_w))
                sum_add(&cpu_d, e->duration_s);
            if (isfinite(e->gpu_power_w))
                sum_add(&gpu_d, e->duration_s);
            sum_add(&j, e->energy_j);
            sum_add(&kwh, e->energy_kwh);
            sum_add(&g, e->co2eq_g);
        }
        jw_item(w);
        jw_begin(w, '{');
        jw_key(w, "epoch");
        char text[24];
        jw_put(w, text, (size_t)snprintf(text, sizeof(text), "%d", run->epochs[i + m - 1].epoch));
        jw_key(w, "epochs");
        jw_put(w, text, (size_t)snprintf(text, sizeof(text), "%zu", m));
        jw_num_member(w, "duration_s", sum_of(&d));
        jw_num_member(w, "cpu_power_w", cpu.n && sum_of(&cpu_d) > 0 ? cpu.v / cpu_d.v : NAN);
        jw_num_member(w, "gpu_power_w", gpu.n && sum_of(&gpu_d) > 0 ? gpu.v / gpu_d.v : NAN);
        jw_num_member(w, "energy_j", sum_of(&j));
        jw_num_member(w, "energy_kwh", sum_of(&kwh));
        jw_num_member(w, "co2eq_g", sum_of(&g));
        jw_end(w, '}');
    }
    jw_end(w, ']');
}

/* "samples" in groups of k: mean time and mean power. */
static void jw_sample_groups(struct jw *w, const struct ct__prun *run, size_t k)
{
    jw_key(w, "samples");
    jw_begin(w, '[');
    for (size_t i = 0; i < run->n_samples && w->err == CT_OK; i += k) {
        size_t m = run->n_samples - i < k ? run->n_samples - i : k;
        struct jw_sum t = {0}, cpu = {0}, gpu = {0};
        for (size_t x = i; x < i + m; x++) {
            sum_add(&t, run->samples[x].t_s);
            sum_add(&cpu, run->samples[x].cpu_w);
            sum_add(&gpu, run->samples[x].gpu_w);
        }
        jw_item(w);
        jw_begin(w, '{');
        jw_num_member(w, "t_s", mean_of(&t));
        jw_num_member(w, "cpu_w", mean_of(&cpu));
        jw_num_member(w, "gpu_w", mean_of(&gpu));
        jw_end(w, '}');
    }
    jw_end(w, ']');
}

/* "intensity_samples" in groups of k: the first time and source, the mean intensity (steps). */
static void jw_isample_groups(struct jw *w, const struct ct__prun *run, size_t k)
{
    jw_key(w, "intensity_samples");
    jw_begin(w, '[');
    for (size_t i = 0; i < run->n_isamples && w->err == CT_OK; i += k) {
        size_t m = run->n_isamples - i < k ? run->n_isamples - i : k;
        struct jw_sum v = {0};
        for (size_t x = i; x < i + m; x++)
            sum_add(&v, run->isamples[x].g_per_kwh);
        jw_item(w);
        jw_begin(w, '{');
        jw_num_member(w, "t_s", run->isamples[i].t_s);
        jw_num_member(w, "g_per_kwh", mean_of(&v));
        jw_key(w, "source");
        jw_json(w, str_json(run->isamples[i].source));
        jw_end(w, '}');
    }
    jw_end(w, ']');
}

/* upstream's parse_logs() per component: devices, power rows, energy rows, durations. */
static void jw_components(struct jw *w, const struct ct__prun *run)
{
    jw_key(w, "components");
    jw_begin(w, '{');
    for (size_t i = 0; i < run->n_comp && w->err == CT_OK; i++) {
        const struct ct__pcomp *c = &run->comp[i];
        jw_key(w, c->name);
        jw_begin(w, '{');
        json_t *devs = json_array();
        for (size_t d = 0; d < c->n_devices; d++)
            push(&w->b, devs, json_string(c->devices[d]));
        jw_member(w, "devices", devs);
        if (group_size(w, run->n_epochs) > 1 || group_size(w, c->n_power) > 1) {
            /* a reduced document: the epochs carry these figures, in groups */
            jw_member(w, "avg_power_usages (W)", json_null());
            jw_member(w, "avg_energy_usages (J)", json_null());
            jw_member(w, "epoch_durations (s)", json_null());
            jw_end(w, '}');
            continue;
        }
        jw_key(w, "avg_power_usages (W)");
        if (c->has_power) {
            jw_begin(w, '[');
            for (size_t k = 0; k < c->n_power && w->err == CT_OK; k++) {
                jw_item(w);
                jw_numbers(w, c->power[k].v, c->power[k].n, NULL);
            }
            jw_end(w, ']');
        } else {
            jw_put(w, "null", 4);
        }
        jw_key(w, "avg_energy_usages (J)");
        if (c->has_power && run->has_durations) {
            /* upstream: (power.T * durations).T, one row per epoch */
            size_t rows = c->n_power < run->n_durations ? c->n_power : run->n_durations;
            jw_begin(w, '[');
            for (size_t k = 0; k < rows && w->err == CT_OK; k++) {
                jw_item(w);
                jw_numbers(w, c->power[k].v, c->power[k].n, &run->durations[k]);
            }
            jw_end(w, ']');
        } else {
            jw_put(w, "null", 4);
        }
        jw_key(w, "epoch_durations (s)");
        if (run->has_durations)
            jw_numbers(w, run->durations, run->n_durations, NULL);
        else
            jw_put(w, "null", 4);
        jw_end(w, '}');
    }
    jw_end(w, '}');
}

/* The library's derived figures, "epoch_figures" an epoch at a time. */
static void jw_derived(struct jw *w, const struct ct__prun *run)
{
    double pue, intensity;
    json_t *d = ct__parse_derive_json(run, &pue, &intensity);
    const char *key;
    json_t *v;
    if (!d) {
        w->err = CT_ENOMEM;
        return;
    }
    jw_key(w, "derived");
    jw_begin(w, '{');
    json_object_foreach(d, key, v) jw_member(w, key, json_incref(v));
    json_decref(d);
    jw_key(w, "epoch_figures");
    jw_begin(w, '[');
    size_t k = group_size(w, run->n_epochs); /* sums over the groups of "epochs" */
    for (size_t i = 0; i < run->n_epochs && w->err == CT_OK; i += k) {
        struct jw_sum kwh = {0}, g = {0};
        for (size_t x = i; x < i + k && x < run->n_epochs; x++) {
            double ek, eg;
            ct__parse_derive_epoch(&run->epochs[x], pue, intensity, &ek, &eg);
            sum_add(&kwh, ek);
            sum_add(&g, eg);
        }
        jw_item(w);
        jw_begin(w, '{');
        jw_key(w, "energy_kwh");
        jw_num(w, sum_of(&kwh));
        jw_key(w, "co2eq_g");
        jw_num(w, sum_of(&g));
        jw_end(w, '}');
    }
    jw_end(w, ']');
    jw_end(w, '}');
}

static void jw_run(struct jw *w, const struct ct__prun *run)
{
    struct jb *b = &w->b;
    jw_begin(w, '{');
    jw_member(w, "output_filename", str_json(run->output_filename));
    jw_member(w, "standard_filename", str_json(run->standard_filename));
    jw_member(w, "jsonl_filename", str_json(run->jsonl_filename));
    jw_member(w, "source", json_string(run->source_jsonl ? "jsonl" : "text"));
    jw_member(w, "source_note", str_json(run->source_note));
    jw_member(w, "naming_generation",
              run->naming_generation ? json_integer(run->naming_generation) : json_null());
    jw_member(w, "carbontracker_version", str_json(run->version));
    jw_member(w, "pue", num_json(run->pue));
    jw_member(w, "early_stop", json_boolean(run->early_stop));
    jw_member(w, "truncated", json_boolean(run->truncated));
    jw_components(w, run);
    jw_member(w, "actual", consumption(b, run->actual));
    jw_member(w, "pred", consumption(b, run->pred));
    jw_member(w, "aggregated", str_json(run->aggregated));
    jw_member(w, "location", str_json(run->location));
    jw_member(w, "intensity_g_per_kwh", num_json(run->intensity_g_per_kwh));
    jw_member(w, "job", job_json(b, run->job));
    size_t k;
    if ((k = group_size(w, run->n_epochs)) > 1)
        jw_epoch_groups(w, run, k);
    else
        JW_RECORDS(w, "epochs", run->epochs, run->n_epochs, epoch_fields);
    JW_RECORDS(w, "devices", run->devices, run->n_devices, device_fields);
    if ((k = group_size(w, run->n_samples)) > 1)
        jw_sample_groups(w, run, k);
    else
        JW_RECORDS(w, "samples", run->samples, run->n_samples, sample_fields);
    if ((k = group_size(w, run->n_isamples)) > 1)
        jw_isample_groups(w, run, k);
    else
        JW_RECORDS(w, "intensity_samples", run->isamples, run->n_isamples, isample_fields);
    jw_member(w, "skipped", skipped(b, run->skipped, run->n_skipped, 1));
    jw_derived(w, run);
    if (run->has_node) { /* only runs with a node meter: the others' JSON stays as it was */
        json_t *n = json_object();
        member(b, n, "meter", str_json(run->node_meter));
        member(b, n, "energy_j", num_json(run->node_energy_j));
        member(b, n, "components_energy_j", num_json(run->node_components_j));
        member(b, n, "not_in_components_j", num_json(run->node_energy_j - run->node_components_j));
        jw_member(w, "node", n);
    }
    jw_end(w, '}');
}

/* The whole document into w (w->err says how it went). */
static void jw_document(struct jw *w, const ct_parse_result *r)
{
    struct jb *b = &w->b;
    jw_begin(w, '{');
    jw_member(w, "format", json_string("carbontracker-parse"));
    jw_member(w, "format_version", json_integer(1));
    jw_key(w, "runs");
    jw_begin(w, '[');
    for (size_t i = 0; i < r->n_runs && w->err == CT_OK; i++) {
        jw_item(w);
        jw_run(w, &r->runs[i]);
    }
    jw_end(w, ']');
    json_t *tot = json_object();
    member(b, tot, "energy_kwh", num_json(r->total_energy_kwh));
    member(b, tot, "co2eq_g", num_json(r->total_co2eq_g));
    member(b, tot, "equivalents", equivalents(b, r->total_equiv, r->n_equiv));
    jw_member(w, "totals", tot);
    jw_member(w, "jobs", jobs_json(b, r));
    jw_member(w, "skipped", skipped(b, r->skipped, r->n_skipped, 0));
    jw_end(w, '}');
    if (w->err == CT_OK && w->b.bad)
        w->err = CT_ENOMEM;
}

/* The document into a new buffer (*json, NUL-terminated). */
static int json_to_memory(const ct_parse_result *r, size_t max_points, char **json)
{
    *json = NULL;
    struct jw w = {.fd = -1, .max_points = max_points};
    jw_document(&w, r);
    if (w.err != CT_OK) {
        free(w.buf);
        return w.err;
    }
    *json = w.buf;
    return CT_OK;
}

CT_API int ct_parse_json(const ct_parse_result *r, char **json)
{
    if (!r || !json)
        return CT_EINVAL;
    return json_to_memory(r, 0, json);
}

CT_API int ct_parse_json_write(const ct_parse_result *r, int fd)
{
    if (!r || fd < 0)
        return CT_EINVAL;
    struct jw w = {.fd = fd};
    jw_document(&w, r);
    if (w.err == CT_OK)
        jw_flush(&w);
    int saved = errno;
    free(w.buf);
    errno = saved;
    return w.err;
}

CT_API int ct_parse_json_reduced(const ct_parse_result *r, size_t max_points, char **json)
{
    if (!r || !json || max_points == 0)
        return CT_EINVAL;
    return json_to_memory(r, max_points, json);
}
