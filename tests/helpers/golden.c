/*
 * golden.c - see golden.h.
 */
#include "golden.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing string. */
struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
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

static void sb_puts(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* The rules of golden.h (2 to 5): an extended regex and its replacement, where \1..\9 insert
 * the groups. `once`: the first match only (the rule is anchored at the line start). */
static const struct {
    const char *re;
    const char *repl;
    int once;
} rules[] = {
    {"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(,[0-9]{3})? - ", "<TS> - ", 1},
    {"[0-9]+\\.[0-9]+_[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{6}Z", "<PID>.<ID>_<DATE>", 0},
    {"(^|[^0-9:])[0-9]+:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?", "\\1<TIME>", 0},
    {"(Average power usage \\(W\\) for [^:]+: )([-+0-9.eE]+|nan|inf)$", "\\1<W>", 0},
};
#define N_RULES (sizeof(rules) / sizeof(rules[0]))

/* Append `repl` with \N replaced by group N of the match in `s`. */
static void expand(struct sbuf *b, const char *s, const regmatch_t *m, const char *repl)
{
    for (const char *r = repl; *r; r++) {
        if (r[0] == '\\' && r[1] >= '1' && r[1] <= '9') {
            int g = r[1] - '0';
            if (m[g].rm_so >= 0)
                sb_add(b, s + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
            r++;
        } else {
            sb_add(b, r, 1);
        }
    }
}

/* `line` with every match of `re` replaced (the first only when `once`). */
static char *replace(const char *line, const regex_t *re, const char *repl, int once)
{
    struct sbuf b = {0};
    const char *s = line;
    int flags = 0;
    regmatch_t m[10];
    sb_add(&b, "", 0);
    while (*s && regexec(re, s, 10, m, flags) == 0) {
        sb_add(&b, s, (size_t)m[0].rm_so);
        expand(&b, s, m, repl);
        if (m[0].rm_eo == m[0].rm_so) { /* an empty match: keep one character and move on */
            if (!s[m[0].rm_eo])
                break;
            sb_add(&b, s + m[0].rm_eo, 1);
            s += m[0].rm_eo + 1;
        } else {
            s += m[0].rm_eo;
        }
        flags = REG_NOTBOL;
        if (once)
            break;
    }
    sb_puts(&b, s);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* `line` with every occurrence of `from` replaced by `to`. */
static char *replace_literal(const char *line, const char *from, const char *to)
{
    struct sbuf b = {0};
    size_t n = strlen(from);
    const char *s = line, *hit;
    sb_add(&b, "", 0);
    while (n > 0 && (hit = strstr(s, from)) != NULL) {
        sb_add(&b, s, (size_t)(hit - s));
        sb_puts(&b, to);
        s = hit + n;
    }
    sb_puts(&b, s);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* Rule 6: JSON members whose value comes from the clock (golden.h). */
static const char *const volatile_keys[] = {
    "t_s",
    "wall",
    "started_at",
    "ended_at",
    "time",
    "duration_s",
    "epochs_duration_s",
    "power_w",
    "cpu_power_w",
    "gpu_power_w",
    "pid",
    "tracker_cpu_s",
    "sampler_cpu_s",
    "caller_cpu_s",
    "carbon_cpu_s",
    "cpu_w",
    "gpu_w",
    "duration (s)",
    "epoch_durations (s)",
    "avg_power_usages (W)",
    "avg_energy_usages (J)",
};

/* The end of the JSON value starting at p: a string, an array or object (balanced, strings
 * skipped), or a scalar (up to the next ',', '}', ']' or white space). */
static const char *value_end(const char *p)
{
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && p[1])
                p++;
        return *p ? p + 1 : p;
    }
    if (*p == '[' || *p == '{') {
        int depth = 0;
        for (; *p; p++) {
            if (*p == '"') {
                p = value_end(p) - 1;
            } else if (*p == '[' || *p == '{') {
                depth++;
            } else if ((*p == ']' || *p == '}') && --depth == 0) {
                return p + 1;
            }
        }
        return p;
    }
    while (*p && !strchr(",}] \t\r\n", *p))
        p++;
    return p;
}

/* The volatile key whose quoted name starts at p, followed by ':'; NULL if none. Sets *value to
 * the start of its value. */
static const char *volatile_member(const char *p, const char **value)
{
    for (size_t i = 0; i < sizeof(volatile_keys) / sizeof(volatile_keys[0]); i++) {
        size_t n = strlen(volatile_keys[i]);
        if (strncmp(p + 1, volatile_keys[i], n) != 0 || p[1 + n] != '"')
            continue;
        const char *q = p + n + 2;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != ':')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        *value = q;
        return volatile_keys[i];
    }
    return NULL;
}

/* Rule 6 over the whole text (a value may span lines): "key": VALUE -> "key": <V>. */
static char *blank_json_members(const char *text)
{
    struct sbuf b = {0};
    const char *p = text, *value;
    sb_add(&b, "", 0);
    while (*p) {
        if (*p == '"' && volatile_member(p, &value) && *value && !strchr(",}]\n", *value)) {
            sb_add(&b, p, (size_t)(value - p));
            sb_puts(&b, "<V>");
            p = value_end(value);
        } else {
            sb_add(&b, p, 1);
            p++;
        }
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

char *golden_normalise(const char *text, const struct golden_subst *subst, size_t n_subst)
{
    regex_t re[N_RULES];
    size_t n_re = 0;
    struct sbuf out = {0};
    char *result = NULL;
    for (; n_re < N_RULES; n_re++) {
        if (regcomp(&re[n_re], rules[n_re].re, REG_EXTENDED) != 0) {
            fprintf(stderr, "golden: bad rule %s\n", rules[n_re].re);
            goto cleanup;
        }
    }
    sb_add(&out, "", 0);
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, n);
        for (size_t i = 0; line && i < n_subst; i++) {
            char *next = replace_literal(line, subst[i].from, subst[i].to);
            free(line);
            line = next;
        }
        for (size_t i = 0; line && i < N_RULES; i++) {
            char *next = replace(line, &re[i], rules[i].repl, rules[i].once);
            free(line);
            line = next;
        }
        if (!line)
            goto cleanup;
        sb_puts(&out, line);
        free(line);
        if (nl)
            sb_add(&out, "\n", 1);
        p += n + (nl ? 1 : 0);
    }
    if (!out.oom)
        result = blank_json_members(out.p);
cleanup:
    for (size_t i = 0; i < n_re; i++)
        regfree(&re[i]);
    free(out.p);
    return result;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct sbuf b = {0};
    char chunk[8192];
    size_t n;
    sb_add(&b, "", 0);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        sb_add(&b, chunk, n);
    fclose(f);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

static int spill(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "golden: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = strlen(text);
    int bad = fwrite(text, 1, n, f) != n;
    bad |= fclose(f) != 0;
    if (bad)
        fprintf(stderr, "golden: cannot write %s\n", path);
    return bad ? -1 : 0;
}

int golden_check(const char *name, const char *actual)
{
    const char *src = getenv("CT_SOURCE_DIR");
    const char *upd = getenv("CT_UPDATE_GOLDEN");
    const char *tmp = getenv("CT_FIXTURE_TMP");
    char path[4096], apath[4096];
    if (!src || !*src) {
        fprintf(stderr, "golden: CT_SOURCE_DIR is not set\n");
        return -1;
    }
    snprintf(path, sizeof(path), "%s/tests/fixtures/golden/%s", src, name);
    if (upd && strcmp(upd, "1") == 0 && spill(path, actual) != 0)
        return -1;
    char *want = slurp(path);
    if (want && strcmp(want, actual) == 0) {
        free(want);
        return 0;
    }
    snprintf(apath, sizeof(apath), "%s/", tmp && *tmp ? tmp : "/tmp");
    size_t o = strlen(apath);
    for (const char *c = name; *c && o + 8 < sizeof(apath); c++)
        apath[o++] = *c == '/' ? '_' : *c;
    snprintf(apath + o, sizeof(apath) - o, ".actual");
    if (spill(apath, actual) == 0) {
        if (!want)
            fprintf(stderr, "golden: %s is missing (CT_UPDATE_GOLDEN=1 writes it); got %s\n", path,
                    apath);
        else {
            fprintf(stderr,
                    "golden: %s differs from the golden file (CT_UPDATE_GOLDEN=1 rewrites "
                    "it):\n",
                    name);
            fflush(stderr);
            char cmd[8400];
            snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' >&2", path, apath);
            if (system(cmd) == -1)
                fprintf(stderr, "golden: could not run diff; compare %s with %s\n", path, apath);
        }
    }
    free(want);
    return -1;
}
