/*
 * aggregate.c - runs from files and the totals over them: pairing log files in a directory (as
 * upstream's get_all_logs, paired by name, optionally recursive), choosing the reader for each
 * run (our JSON-lines log when usable, else the text logs), the totals (upstream's
 * aggregate_consumption, with the epoch count read correctly) and upstream's print_aggregate
 * sentence byte for byte. Calls the readers and record.c below it; parse.c calls it.
 */
#include "aggregate.h"
#include "jsonl_read.h"
#include "logparse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Files larger than this are not read (a log this size is not a log). */
#define MAX_FILE_BYTES ((size_t)1 << 30)

/* ---- naming generations ----------------------------------------------------------------- */

static int all_digits(const char *p, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

/* "2020-05-17T19:02Z", "2025-06-13T140211Z": YYYY-MM-DDT, then digits and ':', then Z. */
static int is_name_date(const char *p, size_t n)
{
    if (n < 13 || p[n - 1] != 'Z' || p[10] != 'T' || p[4] != '-' || p[7] != '-')
        return 0;
    if (!all_digits(p, 4) || !all_digits(p + 5, 2) || !all_digits(p + 8, 2))
        return 0;
    for (size_t i = 11; i < n - 1; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || p[i] == ':'))
            return 0;
    return 1;
}

int ct__parse_naming_generation(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *suffix = strstr(base, "_carbontracker");
    if (!suffix)
        return 0;
    /* The last occurrence: a prefix may contain the word. */
    for (const char *q = suffix; (q = strstr(q + 1, "_carbontracker")) != NULL;)
        suffix = q;
    size_t stem = (size_t)(suffix - base);
    /* The date is the last '_'-separated part of the stem. */
    size_t us = stem;
    while (us > 0 && base[us - 1] != '_')
        us--;
    if (!is_name_date(base + us, stem - us))
        return 0;
    if (us == 0)
        return 1; /* {date}_carbontracker... (<= 1.1.6) */
    size_t end = us - 1, start = end;
    while (start > 0 && base[start - 1] != '_')
        start--;
    const char *id = base + start;
    size_t idn = end - start;
    const char *dot = memchr(id, '.', idn);
    if (!dot)
        return all_digits(id, idn) ? 2 : 0; /* {prefix_}{pid}_{date} (1.1.7 - 1.5) */
    size_t a = (size_t)(dot - id);
    return all_digits(id, a) && all_digits(dot + 1, idn - a - 1) ? 3 : 0; /* {pid}.{id} */
}

/* ---- one run ---------------------------------------------------------------------------- */

/* The JSON-lines log ended without its summary (a killed run, or a write that failed: a full
 * disk, a file cut short). When the text logs beside it have the actual consumption, the run
 * went on after the JSON-lines log stopped and the text logs are the complete source: the run is
 * read from them, keeping the JSON-lines log's skipped entries and saying why (source_note). A
 * killed run's text logs have no actual consumption either: the JSON-lines log stays. */
static int reconcile(struct ct__prun *run, const char *std, size_t std_len, const char *std_label,
                     const char *out, size_t out_len, const char *out_label)
{
    struct ct__prun tr;
    memset(&tr, 0, sizeof(tr));
    tr.pue = NAN;
    tr.intensity_g_per_kwh = NAN;
    int rc = ct__parse_text(&tr, std ? std : "", std ? std_len : 0,
                            std_label ? std_label : "standard log", out ? out : "",
                            out ? out_len : 0, out_label ? out_label : "output log");
    if (rc != CT_OK || tr.actual == NULL || tr.truncated) {
        ct__parse_run_clear(&tr);
        return rc == CT_ENOMEM ? rc : CT_OK;
    }
    /* The text run takes the place of the JSON-lines one; names and skipped lines stay. */
    struct ct__pskip *sk = tr.skipped;
    size_t n_sk = tr.n_skipped;
    tr.skipped = run->skipped;
    tr.n_skipped = run->n_skipped;
    tr.cap_skipped = run->cap_skipped;
    run->skipped = NULL;
    run->n_skipped = run->cap_skipped = 0;
    for (size_t i = 0; i < n_sk && rc == CT_OK; i++)
        rc = ct__parse_skip(&tr, sk[i].file, sk[i].line, sk[i].reason);
    for (size_t i = 0; i < n_sk; i++) {
        free(sk[i].file);
        free(sk[i].reason);
    }
    free(sk);
    tr.output_filename = run->output_filename;
    tr.standard_filename = run->standard_filename;
    tr.jsonl_filename = run->jsonl_filename;
    tr.naming_generation = run->naming_generation;
    run->output_filename = run->standard_filename = run->jsonl_filename = NULL;
    ct__parse_run_clear(run);
    *run = tr;
    run->source_note = "the JSON-lines log ends early (no summary record) and the text logs have "
                       "the actual consumption: read from the text logs";
    return rc;
}

int ct__parse_run_bytes(struct ct__prun *run, const char *std, size_t std_len,
                        const char *std_label, const char *out, size_t out_len,
                        const char *out_label, const char *jsonl, size_t jsonl_len,
                        const char *jsonl_label)
{
    if (jsonl) {
        int rc = ct__parse_jsonl(run, jsonl, jsonl_len, jsonl_label ? jsonl_label : "jsonl log");
        if (rc == CT_OK && run->truncated && (std || out))
            rc = reconcile(run, std, std_len, std_label, out, out_len, out_label);
        if (rc == CT_OK || rc == CT_ENOMEM)
            return rc;
    }
    return ct__parse_text(run, std ? std : "", std ? std_len : 0,
                          std_label ? std_label : "standard log", out ? out : "", out ? out_len : 0,
                          out_label ? out_label : "output log");
}

/* ---- files ------------------------------------------------------------------------------ */

int ct__parse_read_file(const char *path, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    int rc = 0;
    char *b = NULL;
    size_t n = 0, cap = 0;
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = -EISDIR;
        goto fail;
    }
    cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
    if (cap > MAX_FILE_BYTES) {
        rc = -EFBIG;
        goto fail;
    }
    b = malloc(cap);
    if (!b) {
        rc = -ENOMEM;
        goto fail;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_FILE_BYTES) {
                rc = -EFBIG;
                goto fail;
            }
            char *q = realloc(b, cap * 2);
            if (!q) {
                rc = -ENOMEM;
                goto fail;
            }
            b = q;
            cap *= 2;
        }
        ssize_t got = read(fd, b + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = -errno;
            goto fail;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    *buf = b;
    *len = n;
    return 0;
fail:
    close(fd);
    free(b);
    return rc;
}

static int set_name(char **dst, const char *path)
{
    if (!path)
        return CT_OK;
    *dst = ct__parse_strdup(path, strlen(path));
    return *dst ? CT_OK : CT_ENOMEM;
}

int ct__parse_run_named(struct ct__prun *run, const char *std, size_t std_len, const char *std_name,
                        const char *out, size_t out_len, const char *out_name, const char *jsonl,
                        size_t jsonl_len, const char *jsonl_name)
{
    int rc;
    if ((rc = set_name(&run->standard_filename, std_name)) != CT_OK ||
        (rc = set_name(&run->output_filename, out_name)) != CT_OK ||
        (rc = set_name(&run->jsonl_filename, jsonl ? jsonl_name : NULL)) != CT_OK)
        return rc;
    const char *name = out_name ? out_name : std_name ? std_name : jsonl_name;
    if (name)
        run->naming_generation = ct__parse_naming_generation(name);
    return ct__parse_run_bytes(run, std, std_len, std_name, out, out_len, out_name, jsonl,
                               jsonl_len, jsonl_name);
}

int ct__parse_run_files(struct ct__prun *run, const char *std, const char *out, const char *jsonl,
                        const char **failed, int *err)
{
    char *b[3] = {NULL, NULL, NULL};
    size_t n[3] = {0, 0, 0};
    const char *paths[3] = {std, out, jsonl};
    int rc = CT_OK;
    *failed = NULL;
    for (int i = 0; i < 3; i++) {
        if (!paths[i])
            continue;
        int e = ct__parse_read_file(paths[i], &b[i], &n[i]);
        if (e == -ENOMEM) {
            rc = CT_ENOMEM;
            goto cleanup;
        }
        if (e < 0 && i < 2) {
            *failed = paths[i];
            *err = e;
            rc = CT_EIO;
            goto cleanup;
        }
        if (e < 0) { /* an unreadable jsonl: the text logs still do */
            char why[512];
            snprintf(why, sizeof(why), "cannot read: %s; using the text logs", strerror(-e));
            rc = ct__parse_skip(run, jsonl, 0, why);
            if (rc != CT_OK)
                goto cleanup;
        }
    }
    rc = ct__parse_run_named(run, b[0], n[0], std, b[1], n[1], out, b[2], n[2], jsonl);
cleanup:
    for (int i = 0; i < 3; i++)
        free(b[i]);
    return rc;
}

/* ---- directories ------------------------------------------------------------------------ */

enum { KIND_STD, KIND_OUT, KIND_JSONL };

struct candidate {
    char *path;
    size_t key_len; /* path minus the suffix: files of one run share it */
    int kind;
};

struct walk {
    struct candidate *c;
    size_t n, cap;
    ct_parse_result *r;
};

static int has_suffix(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int add_candidate(struct walk *w, const char *path, size_t key_len, int kind)
{
    if (ct__parse_grow(&w->c, &w->cap, w->n + 1, sizeof(*w->c)) != CT_OK)
        return CT_ENOMEM;
    w->c[w->n].path = strdup(path);
    if (!w->c[w->n].path)
        return CT_ENOMEM;
    w->c[w->n].key_len = key_len;
    w->c[w->n].kind = kind;
    w->n++;
    return CT_OK;
}

static int walk_dir(struct walk *w, const char *dir, int recursive, int depth, char *errbuf,
                    size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (depth == 0) {
            if (errbuf && errlen)
                snprintf(errbuf, errlen, "cannot open directory %s: %s", dir, strerror(errno));
            return CT_EIO;
        }
        char why[256];
        snprintf(why, sizeof(why), "directory not read: %s", strerror(errno));
        return ct__parse_skip_file(w->r, dir, why);
    }
    int rc = CT_OK;
    struct dirent *e;
    size_t dlen = strlen(dir);
    while (rc == CT_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t nlen = strlen(e->d_name);
        char *path = malloc(dlen + nlen + 2);
        if (!path) {
            rc = CT_ENOMEM;
            break;
        }
        snprintf(path, dlen + nlen + 2, "%s%s%s", dir, dlen && dir[dlen - 1] == '/' ? "" : "/",
                 e->d_name);
        size_t plen = strlen(path);
        struct stat st, lst;
        int kind = -1;
        size_t suffix = 0;
        if (has_suffix(path, plen, "carbontracker_output.log"))
            kind = KIND_OUT, suffix = strlen("carbontracker_output.log");
        else if (has_suffix(path, plen, "carbontracker.log"))
            kind = KIND_STD, suffix = strlen("carbontracker.log");
        else if (has_suffix(path, plen, "carbontracker.jsonl"))
            kind = KIND_JSONL, suffix = strlen("carbontracker.jsonl");
        if (recursive && lstat(path, &lst) == 0 && S_ISDIR(lst.st_mode)) {
            if (depth < 64)
                rc = walk_dir(w, path, recursive, depth + 1, errbuf, errlen);
        } else if (kind >= 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (st.st_size == 0 && kind != KIND_JSONL)
                rc = ct__parse_skip_file(w->r, path, "empty file");
            else
                rc = add_candidate(w, path, plen - suffix, kind);
        }
        free(path);
    }
    closedir(d);
    return rc;
}

static int cmp_candidate(const void *a, const void *b)
{
    const struct candidate *x = a, *y = b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->path, y->path, n);
    if (c)
        return c;
    if (x->key_len != y->key_len)
        return x->key_len < y->key_len ? -1 : 1;
    return x->kind - y->kind;
}

/* Runs in upstream's order: sorted by the output log's path. */
static int cmp_run(const void *a, const void *b)
{
    const struct ct__prun *x = a, *y = b;
    return strcmp(x->output_filename ? x->output_filename : "",
                  y->output_filename ? y->output_filename : "");
}

static const char *partner_text(int kind)
{
    return kind == KIND_STD   ? "no matching output log (..._carbontracker_output.log)"
           : kind == KIND_OUT ? "no matching standard log (..._carbontracker.log)"
                              : "no matching text logs; JSON-lines logs are read with them";
}

static int pair_and_parse(struct walk *w)
{
    int rc = CT_OK;
    if (w->n > 1)
        qsort(w->c, w->n, sizeof(*w->c), cmp_candidate);
    for (size_t i = 0; i < w->n && rc == CT_OK;) {
        size_t j = i;
        const char *files[3] = {NULL, NULL, NULL};
        while (j < w->n && w->c[j].key_len == w->c[i].key_len &&
               memcmp(w->c[j].path, w->c[i].path, w->c[i].key_len) == 0) {
            files[w->c[j].kind] = w->c[j].path;
            j++;
        }
        if (!files[KIND_STD] || !files[KIND_OUT]) {
            for (int k = 0; k < 3 && rc == CT_OK; k++)
                if (files[k])
                    rc = ct__parse_skip_file(w->r, files[k], partner_text(k));
        } else {
            struct ct__prun *run = ct__parse_new_run(w->r);
            const char *failed = NULL;
            int err = 0;
            rc = run ? ct__parse_run_files(run, files[KIND_STD], files[KIND_OUT], files[KIND_JSONL],
                                           &failed, &err)
                     : CT_ENOMEM;
            if (rc == CT_EIO) {
                char why[256];
                snprintf(why, sizeof(why), "cannot read: %s; run not parsed", strerror(-err));
                ct__parse_run_clear(run);
                w->r->n_runs--;
                rc = ct__parse_skip_file(w->r, failed, why);
            }
        }
        i = j;
    }
    return rc;
}

int ct__parse_dir_runs(struct ct_parse_result *r, const char *dir, int recursive, char *errbuf,
                       size_t errlen)
{
    struct walk w = {.r = r};
    int rc = walk_dir(&w, dir, recursive, 0, errbuf, errlen);
    if (rc == CT_OK)
        rc = pair_and_parse(&w);
    if (rc == CT_OK && r->n_runs > 1)
        qsort(r->runs, r->n_runs, sizeof(*r->runs), cmp_run);
    for (size_t i = 0; i < w.n; i++)
        free(w.c[i].path);
    free(w.c);
    return rc;
}

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
    locale_t c = ct__parse_c_locale();
    locale_t old = c ? uselocale(c) : (locale_t)0;
    ct__fmt_fixed(v, 16, buf, len);
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

int ct__parse_sentence(const struct ct_parse_result *r, char **text)
{
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
