/*
 * agent_proto.c - the node agent's line protocol (agent_proto.h, doc/agent.md). Every function is
 * pure: bytes in, fields out, no allocation, nothing read past `len` (lines need not be
 * NUL-terminated).
 */
#include "agent_proto.h"

#include "../internal.h"

#include <stdio.h>
#include <string.h>

/* A cursor over one line. */
struct cur {
    const char *p, *end;
};

static void init_cur(struct cur *c, const char *line, size_t len)
{
    c->p = line;
    c->end = line + len;
    if (c->end > c->p && c->end[-1] == '\r')
        c->end--;
}

/* The next space-separated word: its start and length (0 at the end of the line). */
static size_t word(struct cur *c, const char **start)
{
    while (c->p < c->end && *c->p == ' ')
        c->p++;
    *start = c->p;
    while (c->p < c->end && *c->p != ' ')
        c->p++;
    return (size_t)(c->p - *start);
}

static int word_is(const char *w, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(w, lit, n) == 0;
}

/* A decimal without sign, at most 20 digits, that fits in 64 bits. */
static int parse_u64(const char *w, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (w[i] < '0' || w[i] > '9')
            return -1;
        uint64_t d = (uint64_t)(w[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int at_end(struct cur *c)
{
    const char *w;
    return word(c, &w) == 0;
}

/* Copy a word into a fixed field: -1 when it does not fit or has a control character. */
static int copy_word(char *dst, size_t cap, const char *w, size_t n)
{
    if (n == 0 || n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)w[i] < 0x20 || w[i] == 0x7f)
            return -1;
    memcpy(dst, w, n);
    dst[n] = '\0';
    return 0;
}

/* The printable prefix of a word for a message: at most 24 bytes, controls as '?'. */
static void quote(char *dst, size_t cap, const char *w, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && i < 24 && k + 1 < cap; i++)
        dst[k++] = (unsigned char)w[i] < 0x20 || (unsigned char)w[i] >= 0x7f ? '?' : w[i];
    dst[k] = '\0';
}

int ct__agent_parse_request(const char *line, size_t len, int *version, char *why, size_t why_len)
{
    struct cur c;
    const char *w;
    char q[32];
    init_cur(&c, line, len);
    size_t n = word(&c, &w);
    int req;
    if (word_is(w, n, "HELLO")) {
        const char *v;
        size_t vn = word(&c, &v);
        uint64_t ver;
        if (parse_u64(v, vn, &ver) != 0 || ver == 0 || ver > 1000000) {
            ct__fmt(why, why_len, "HELLO needs a protocol version number");
            return -1;
        }
        *version = (int)ver;
        req = CT__AREQ_HELLO;
    } else if (word_is(w, n, "DEVICES")) {
        req = CT__AREQ_DEVICES;
    } else if (word_is(w, n, "READ")) {
        req = CT__AREQ_READ;
    } else if (word_is(w, n, "BYE")) {
        req = CT__AREQ_BYE;
    } else if (word_is(w, n, "JOB")) {
        return CT__AREQ_JOB; /* its words: ct__agent_parse_job */
    } else {
        quote(q, sizeof(q), w, n);
        ct__fmt(why, why_len, "unknown request '%s' (HELLO, DEVICES, READ, JOB, BYE)", q);
        return -1;
    }
    if (!at_end(&c)) {
        ct__fmt(why, why_len, "unexpected words after the request");
        return -1;
    }
    return req;
}

static int job_id_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch != '\0' && strchr("._:@/+-", ch) != NULL);
}

int ct__agent_parse_job(const char *line, size_t len, char *id, size_t id_len, int *rank, char *why,
                        size_t why_len)
{
    struct cur c;
    const char *w;
    size_t n;
    uint64_t r;
    init_cur(&c, line, len);
    n = word(&c, &w);
    if (!word_is(w, n, "JOB")) {
        ct__fmt(why, why_len, "not a JOB line");
        return -1;
    }
    n = word(&c, &w);
    for (size_t i = 0; i < n; i++)
        if (!job_id_char(w[i]))
            n = 0;
    if (n == 0 || n >= id_len || n >= CT__AGENT_MAX_JOB_ID) {
        ct__fmt(why, why_len,
                "JOB needs an id of 1 to %d letters, digits or ._:@/+- and a rank (or -)",
                CT__AGENT_MAX_JOB_ID - 1);
        return -1;
    }
    memcpy(id, w, n);
    id[n] = '\0';
    n = word(&c, &w);
    if (word_is(w, n, "-")) {
        *rank = -1;
    } else if (parse_u64(w, n, &r) == 0 && r <= 100000000) {
        *rank = (int)r;
    } else {
        ct__fmt(why, why_len, "JOB needs a rank number (or -) after the id");
        return -1;
    }
    if (!at_end(&c)) {
        ct__fmt(why, why_len, "unexpected words after the request");
        return -1;
    }
    return 0;
}

int ct__agent_format_job(const char *id, int rank, char *buf, size_t len)
{
    size_t n = strlen(id);
    if (n == 0 || n >= CT__AGENT_MAX_JOB_ID)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!job_id_char(id[i]))
            return -1;
    int k = rank < 0 ? snprintf(buf, len, "JOB %s -\n", id)
                     : snprintf(buf, len, "JOB %s %d\n", id, rank);
    return k < 0 || (size_t)k >= len ? -1 : k;
}

int ct__agent_parse_hello(const char *line, size_t len, int *version, char *why, size_t why_len)
{
    struct cur c;
    const char *w;
    size_t n;
    uint64_t v;
    init_cur(&c, line, len);
    n = word(&c, &w);
    if (word_is(w, n, "HELLO")) {
        n = word(&c, &w);
        if (parse_u64(w, n, &v) == 0 && v > 0 && v <= 1000000) {
            *version = (int)v;
            return 0;
        }
    }
    ct__fmt(why, why_len, "expected 'HELLO <version> ...'");
    return -1;
}

static int plain_field(const char *s, int allow_space)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || (*s == ' ' && !allow_space))
            return 0;
    return 1;
}

int ct__agent_format_dev(const struct ct__agent_dev *d, char *buf, size_t len)
{
    if (d->index < 0 || !plain_field(d->component, 0) || !plain_field(d->domain, 0) ||
        !plain_field(d->provenance, 0) || !plain_field(d->meter, 0) || !plain_field(d->name, 1))
        return -1;
    size_t off = 0;
    ct__append(buf, len, &off, "DEV %d %s %s %s %s %s\n", d->index, d->component, d->domain,
               d->provenance, d->meter, d->name);
    return off < len ? (int)off : -1;
}

int ct__agent_parse_dev(const char *line, size_t len, struct ct__agent_dev *d, char *why,
                        size_t why_len)
{
    struct cur c;
    const char *w;
    size_t n;
    uint64_t idx;
    init_cur(&c, line, len);
    memset(d, 0, sizeof(*d));
    n = word(&c, &w);
    if (!word_is(w, n, "DEV"))
        goto bad;
    n = word(&c, &w);
    if (parse_u64(w, n, &idx) != 0 || idx >= 1000000)
        goto bad;
    d->index = (int)idx;
    n = word(&c, &w);
    if (copy_word(d->component, sizeof(d->component), w, n) != 0)
        goto bad;
    n = word(&c, &w);
    if (copy_word(d->domain, sizeof(d->domain), w, n) != 0)
        goto bad;
    n = word(&c, &w);
    if (copy_word(d->provenance, sizeof(d->provenance), w, n) != 0)
        goto bad;
    n = word(&c, &w);
    if (copy_word(d->meter, sizeof(d->meter), w, n) != 0)
        goto bad;
    while (c.p < c.end && *c.p == ' ')
        c.p++;
    if (copy_word(d->name, sizeof(d->name), c.p, (size_t)(c.end - c.p)) != 0)
        goto bad;
    return 0;
bad:
    ct__fmt(why, why_len,
            "malformed DEV line (DEV <index> <component> <domain> <provenance> <meter> <name>)");
    return -1;
}

int ct__agent_parse_count(const char *line, size_t len, const char *lead, int max, int *out,
                          char *why, size_t why_len)
{
    struct cur c;
    const char *w;
    size_t n;
    uint64_t v;
    init_cur(&c, line, len);
    n = word(&c, &w);
    if (word_is(w, n, lead)) {
        n = word(&c, &w);
        if (parse_u64(w, n, &v) == 0 && v <= (uint64_t)max && at_end(&c)) {
            *out = (int)v;
            return 0;
        }
    }
    ct__fmt(why, why_len, "expected '%s <0..%d>'", lead, max);
    return -1;
}

int ct__agent_format_read(uint64_t t_ns, const uint64_t *uj, const int *lost, int n, char *buf,
                          size_t len)
{
    size_t off = 0;
    ct__append(buf, len, &off, "READ %llu %d", (unsigned long long)t_ns, n);
    for (int i = 0; i < n; i++)
        ct__append(buf, len, &off, " %llu%s", (unsigned long long)uj[i], lost[i] ? "!" : "");
    ct__append(buf, len, &off, "\n");
    return off < len ? (int)off : -1;
}

int ct__agent_parse_read(const char *line, size_t len, int n, uint64_t *t_ns, uint64_t *uj,
                         int *lost, char *why, size_t why_len)
{
    struct cur c;
    const char *w;
    size_t wn;
    uint64_t count;
    init_cur(&c, line, len);
    wn = word(&c, &w);
    if (!word_is(w, wn, "READ"))
        goto bad;
    wn = word(&c, &w);
    if (parse_u64(w, wn, t_ns) != 0)
        goto bad;
    wn = word(&c, &w);
    if (parse_u64(w, wn, &count) != 0 || count != (uint64_t)n) {
        ct__fmt(why, why_len, "READ reply with another number of devices than announced (%d)", n);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        wn = word(&c, &w);
        lost[i] = wn > 0 && w[wn - 1] == '!';
        if (parse_u64(w, wn - (size_t)lost[i], &uj[i]) != 0)
            goto bad;
    }
    if (!at_end(&c))
        goto bad;
    return 0;
bad:
    ct__fmt(why, why_len, "malformed READ reply (READ <t_ns> <n> <uj>[!] ...)");
    return -1;
}
