/*
 * record.c - the parser's lower layer: the run record's storage (growable arrays, components,
 * skipped entries, releasing a run) and the text helpers every reader shares (UTF-8-safe strings,
 * locale-independent numbers). Calls nothing else in src/lib/parse; the readers, the pairing and
 * the API above all call into it.
 */
#include "record.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    /* A reason quotes the line it skipped, and a file name is anybody's: both are shown on a
     * terminal, so control bytes are escaped and the length bounded. */
    char safe_file[1024], safe_reason[512];
    ct__sanitize_text(safe_file, sizeof(safe_file), file ? file : "", SIZE_MAX);
    ct__sanitize_text(safe_reason, sizeof(safe_reason), reason, SIZE_MAX);
    s->file = ct__parse_strdup(safe_file, strlen(safe_file));
    s->reason = ct__parse_strdup(safe_reason, strlen(safe_reason));
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
    char safe[1024]; /* as add_skip stores it, so the cap counts this file's entries */
    ct__sanitize_text(safe, sizeof(safe), file ? file : "", SIZE_MAX);
    file = safe;
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
    char safe[1024];
    ct__sanitize_text(safe, sizeof(safe), file ? file : "", SIZE_MAX);
    skips_for(run, safe, &dropped);
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
    free(run->node_meter);
    if (run->job) {
        free(run->job->id);
        free(run->job->launcher);
        free(run->job->node);
        free(run->job);
    }
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

struct ct__prun *ct__parse_new_run(struct ct_parse_result *r)
{
    if (ct__parse_grow(&r->runs, &r->cap_runs, r->n_runs + 1, sizeof(*r->runs)) != CT_OK)
        return NULL;
    struct ct__prun *run = &r->runs[r->n_runs++];
    memset(run, 0, sizeof(*run));
    run->pue = NAN;
    run->intensity_g_per_kwh = NAN;
    return run;
}
