/*
 * parse.c - the log parser's public API: finding and pairing log files in a directory (as
 * upstream's get_all_logs, paired by name), reading them, and the shared helpers of the parser
 * (growable arrays, UTF-8-safe strings, locale-independent numbers, skipped entries).
 */
#include "parse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Files larger than this are not read (a log this size is not a log). */
#define MAX_FILE_BYTES ((size_t)1 << 30)

/* ---- helpers ---------------------------------------------------------------------------- */

int ct__parse_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    void **p = arr;
    if (need <= *cap)
        return CT_OK;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return CT_ENOMEM;
    *p = q;
    *cap = n;
    return CT_OK;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return c ? 1 : 0;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    unsigned cp = c & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

char *ct__parse_strdup(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    char *out = malloc(n * 3 + 1); /* each bad byte becomes 3 bytes */
    size_t o = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_len(s + i, n - i);
        if (l == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, s + i, l);
            o += l;
            i += l;
        }
    }
    out[o] = '\0';
    return out;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

locale_t ct__parse_c_locale(void)
{
    pthread_once(&c_locale_once, make_c_locale);
    return c_locale;
}

double ct__parse_strtod(const char *s, char **end)
{
    pthread_once(&c_locale_once, make_c_locale);
    if (c_locale)
        return strtod_l(s, end, c_locale);
    return strtod(s, end);
}

static int add_skip(struct ct__pskip **arr, size_t *n, size_t *cap, const char *file, int line,
                    const char *reason)
{
    if (ct__parse_grow(arr, cap, *n + 1, sizeof(**arr)) != CT_OK)
        return CT_ENOMEM;
    struct ct__pskip *s = &(*arr)[*n];
    s->file = ct__parse_strdup(file ? file : "", file ? strlen(file) : 0);
    s->reason = ct__parse_strdup(reason, strlen(reason));
    s->line = line;
    if (!s->file || !s->reason) {
        free(s->file);
        free(s->reason);
        return CT_ENOMEM;
    }
    (*n)++;
    return CT_OK;
}

/* Entries for `file` so far (the cap is per file). */
static size_t skips_for(const struct ct__prun *run, const char *file, size_t *dropped_idx)
{
    size_t k = 0;
    *dropped_idx = (size_t)-1;
    for (size_t i = 0; i < run->n_skipped; i++) {
        if (strcmp(run->skipped[i].file, file ? file : "") != 0)
            continue;
        if (run->skipped[i].line < 0)
            *dropped_idx = i;
        else
            k++;
    }
    return k;
}

int ct__parse_skip(struct ct__prun *run, const char *file, int line, const char *reason)
{
    size_t dropped;
    size_t k = skips_for(run, file, &dropped);
    if (k < CT__PARSE_MAX_SKIPPED)
        return add_skip(&run->skipped, &run->n_skipped, &run->cap_skipped, file, line, reason);
    /* Over the cap: count in a placeholder entry (line -1 holds the count). */
    if (dropped == (size_t)-1) {
        if (add_skip(&run->skipped, &run->n_skipped, &run->cap_skipped, file, -1, "") != CT_OK)
            return CT_ENOMEM;
        dropped = run->n_skipped - 1;
    }
    /* The count lives in the reason text until the flush. */
    struct ct__pskip *s = &run->skipped[dropped];
    long count = strtol(s->reason, NULL, 10) + 1;
    char buf[32];
    snprintf(buf, sizeof(buf), "%ld", count);
    char *r = strdup(buf);
    if (!r)
        return CT_ENOMEM;
    free(s->reason);
    s->reason = r;
    return CT_OK;
}

int ct__parse_skip_flush(struct ct__prun *run, const char *file)
{
    size_t dropped;
    skips_for(run, file, &dropped);
    if (dropped == (size_t)-1)
        return CT_OK;
    struct ct__pskip *s = &run->skipped[dropped];
    char buf[128];
    snprintf(buf, sizeof(buf), "%s more lines skipped (not listed)", s->reason);
    char *r = strdup(buf);
    if (!r)
        return CT_ENOMEM;
    free(s->reason);
    s->reason = r;
    s->line = 0;
    /* Move it to the end so it follows the listed entries. */
    struct ct__pskip tmp = *s;
    memmove(s, s + 1, (run->n_skipped - dropped - 1) * sizeof(*s));
    run->skipped[run->n_skipped - 1] = tmp;
    return CT_OK;
}

int ct__parse_skip_file(struct ct_parse_result *r, const char *file, const char *reason)
{
    return add_skip(&r->skipped, &r->n_skipped, &r->cap_skipped, file, 0, reason);
}

struct ct__pcomp *ct__parse_comp(struct ct__prun *run, const char *name, size_t len, int create,
                                 int *oom)
{
    for (size_t i = 0; i < run->n_comp; i++)
        if (strlen(run->comp[i].name) == len && strncasecmp(run->comp[i].name, name, len) == 0)
            return &run->comp[i];
    if (!create || run->n_comp >= CT__PARSE_MAX_COMPONENTS)
        return NULL;
    struct ct__pcomp *c = realloc(run->comp, (run->n_comp + 1) * sizeof(*c));
    if (!c) {
        *oom = 1;
        return NULL;
    }
    run->comp = c;
    c = &run->comp[run->n_comp];
    memset(c, 0, sizeof(*c));
    c->name = ct__parse_strdup(name, len);
    if (!c->name) {
        *oom = 1;
        return NULL;
    }
    for (char *p = c->name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    run->n_comp++;
    return c;
}

static void free_consumption(struct ct__consumption *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_equiv; i++)
        free(c->equiv[i].unit);
    free(c->equiv);
    free(c);
}

void ct__parse_run_clear(struct ct__prun *run)
{
    free(run->output_filename);
    free(run->standard_filename);
    free(run->jsonl_filename);
    free(run->version);
    for (size_t i = 0; i < run->n_comp; i++) {
        struct ct__pcomp *c = &run->comp[i];
        free(c->name);
        for (size_t d = 0; d < c->n_devices; d++)
            free(c->devices[d]);
        free(c->devices);
        for (size_t p = 0; p < c->n_power; p++)
            free(c->power[p].v);
        free(c->power);
    }
    free(run->comp);
    free(run->durations);
    free_consumption(run->actual);
    free_consumption(run->pred);
    free(run->location);
    free(run->epochs);
    for (size_t i = 0; i < run->n_devices; i++) {
        free(run->devices[i].component);
        free(run->devices[i].name);
        free(run->devices[i].meter);
        free(run->devices[i].provenance);
    }
    free(run->devices);
    free(run->samples);
    for (size_t i = 0; i < run->n_isamples; i++)
        free(run->isamples[i].source);
    free(run->isamples);
    for (size_t i = 0; i < run->n_skipped; i++) {
        free(run->skipped[i].file);
        free(run->skipped[i].reason);
    }
    free(run->skipped);
    memset(run, 0, sizeof(*run));
}

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

int ct__parse_run_bytes(struct ct__prun *run, const char *std, size_t std_len,
                        const char *std_label, const char *out, size_t out_len,
                        const char *out_label, const char *jsonl, size_t jsonl_len,
                        const char *jsonl_label)
{
    if (jsonl) {
        int rc = ct__parse_jsonl(run, jsonl, jsonl_len, jsonl_label ? jsonl_label : "jsonl log");
        if (rc == CT_OK || rc == CT_ENOMEM)
            return rc;
    }
    return ct__parse_text(run, std ? std : "", std ? std_len : 0,
                          std_label ? std_label : "standard log", out ? out : "", out ? out_len : 0,
                          out_label ? out_label : "output log");
}

static int new_result(ct_parse_result **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? CT_OK : CT_ENOMEM;
}

static struct ct__prun *new_run(ct_parse_result *r)
{
    if (ct__parse_grow(&r->runs, &r->cap_runs, r->n_runs + 1, sizeof(*r->runs)) != CT_OK)
        return NULL;
    struct ct__prun *run = &r->runs[r->n_runs++];
    memset(run, 0, sizeof(*run));
    run->pue = NAN;
    run->intensity_g_per_kwh = NAN;
    return run;
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
    struct ct__prun *run = new_run(r);
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

/* ---- files ------------------------------------------------------------------------------ */

/* Read a whole file. Returns 0 or -errno (-EFBIG when too large). */
static int read_file(const char *path, char **buf, size_t *len)
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

/* Fill one run from files (any may be NULL). A file that cannot be read: *failed names it and
 * *err holds -errno. */
static int run_from_files(struct ct__prun *run, const char *std, const char *out, const char *jsonl,
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
        int e = read_file(paths[i], &b[i], &n[i]);
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
    if ((rc = set_name(&run->standard_filename, std)) != CT_OK ||
        (rc = set_name(&run->output_filename, out)) != CT_OK ||
        (rc = set_name(&run->jsonl_filename, jsonl)) != CT_OK)
        goto cleanup;
    run->naming_generation = ct__parse_naming_generation(out ? out : std ? std : jsonl);
    rc = ct__parse_run_bytes(run, b[0], n[0], std, b[1], n[1], out, b[2], n[2], jsonl);
cleanup:
    for (int i = 0; i < 3; i++)
        free(b[i]);
    return rc;
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
    struct ct__prun *run = new_run(r);
    const char *failed = NULL;
    int err = 0;
    rc = run ? run_from_files(run, std_log, output_log, jsonl, &failed, &err) : CT_ENOMEM;
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

static int ends_with(const char *s, size_t n, const char *suffix)
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
            set_err(errbuf, errlen, "cannot open directory %s: %s", dir, strerror(errno));
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
        if (ends_with(path, plen, "carbontracker_output.log"))
            kind = KIND_OUT, suffix = strlen("carbontracker_output.log");
        else if (ends_with(path, plen, "carbontracker.log"))
            kind = KIND_STD, suffix = strlen("carbontracker.log");
        else if (ends_with(path, plen, "carbontracker.jsonl"))
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
            struct ct__prun *run = new_run(w->r);
            const char *failed = NULL;
            int err = 0;
            rc = run ? run_from_files(run, files[KIND_STD], files[KIND_OUT], files[KIND_JSONL],
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
    struct walk w = {0};
    int rc = new_result(&w.r);
    if (rc == CT_OK)
        rc = walk_dir(&w, dir, recursive, 0, errbuf, errlen);
    if (rc == CT_OK)
        rc = pair_and_parse(&w);
    if (rc == CT_OK) {
        if (w.r->n_runs > 1)
            qsort(w.r->runs, w.r->n_runs, sizeof(*w.r->runs), cmp_run);
        rc = ct__parse_totals(w.r);
    }
    for (size_t i = 0; i < w.n; i++)
        free(w.c[i].path);
    free(w.c);
    if (rc != CT_OK) {
        ct_parse_result_free(w.r);
        return rc;
    }
    *out = w.r;
    return CT_OK;
}

/* ---- result ----------------------------------------------------------------------------- */

CT_API size_t ct_parse_run_count(const ct_parse_result *r)
{
    return r ? r->n_runs : 0;
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
