/*
 * jsonout.c - JSON text as jansson writes it, byte for byte, without printf on the frequent paths
 * (the sampler's sample records, the logs' other records, the summary, the parse JSON's long
 * arrays).
 *
 * ct__json_real() gives jansson's text of a real: C's "%.17g" (17 significant digits of the
 * double's exact binary value, rounded to nearest with ties to even, trailing zeros removed; or
 * fewer digits, as JSON_REAL_PRECISION asks), then ".0" when that would read back as an integer,
 * and no '+' or leading zeros in the exponent. Zero and the values from 1e-4 to 1e16 in fixed
 * notation (nearly every time, energy and power a log holds) are converted here with exact
 * integer arithmetic; the rest go through snprintf. ct__json_text() writes a whole jansson tree as
 * json_dumps() does with JSON_COMPACT or JSON_INDENT(n), numbers through ct__json_real().
 */
#include "../internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 10^0 .. 10^19: the powers that fit in 64 bits. */
static const uint64_t POW10[20] = {1ull,
                                   10ull,
                                   100ull,
                                   1000ull,
                                   10000ull,
                                   100000ull,
                                   1000000ull,
                                   10000000ull,
                                   100000000ull,
                                   1000000000ull,
                                   10000000000ull,
                                   100000000000ull,
                                   1000000000000ull,
                                   10000000000000ull,
                                   100000000000000ull,
                                   1000000000000000ull,
                                   10000000000000000ull,
                                   100000000000000000ull,
                                   1000000000000000000ull,
                                   10000000000000000000ull};

/* The prec (1 .. 17) significant digits of m * 2^e (m < 2^53, the value in [1e-4, 1e16)) as an
 * integer in [10^(prec-1), 10^prec), rounded to nearest, ties to even, and the decimal exponent
 * of its first digit: value ~ digits * 10^(x - prec + 1). */
static uint64_t sig_digits(uint64_t m, int e, int prec, int *x_out)
{
    /* 2^(e+52) <= value < 2^(e+53): the exponent is this or one more (78913 / 2^18 ~ log10 2). */
    int x = ((e + 52) * 78913) >> 18;
    for (;;) {
        int k = prec - 1 - x; /* -16 .. 20 in the range served */
        unsigned __int128 n = m;
        if (k > 0) {
            n *= POW10[k < 19 ? k : 19]; /* m * 10^k < 2^53 * 2^67 */
            if (k > 19)
                n *= POW10[k - 19];
        }
        /* value * 10^k = n * 2^e / 10^-k, rounded to nearest, ties to even */
        uint64_t d;
        if (e >= 0 && k >= 0) {
            d = (uint64_t)(n << e); /* e <= 1 below 1e16: exact */
        } else if (k >= 0) {
            int s = -e; /* <= 66 from 1e-4 up */
            unsigned __int128 q = n >> s, r = n - (q << s), half = (unsigned __int128)1 << (s - 1);
            d = (uint64_t)q;
            if (r > half || (r == half && (d & 1)))
                d++;
        } else { /* fewer digits than the integer part has (JSON_REAL_PRECISION) */
            unsigned __int128 den = (unsigned __int128)POW10[-k] << (e < 0 ? -e : 0);
            if (e > 0)
                n <<= e;
            unsigned __int128 q = n / den, r = n - q * den;
            d = (uint64_t)q;
            if (2 * r > den || (2 * r == den && (d & 1)))
                d++;
        }
        if (d >= POW10[prec])
            x++; /* the estimate was one low, or rounding carried to 10^prec */
        else if (d < POW10[prec - 1])
            x--;
        else {
            *x_out = x;
            return d;
        }
    }
}

/* "%.<prec>g" of a finite v that is 0 or whose |v| is in [1e-4, 1e16) and prints in fixed
 * notation, with jansson's ".0"; 0 for other values. */
static size_t real_fast(char *p, double v, int prec)
{
    double a = fabs(v);
    if (a == 0) { /* an idle device's power */
        memcpy(p, signbit(v) ? "-0.0" : "0.0", 4);
        return signbit(v) ? 4 : 3;
    }
    if (!(a >= 1e-4 && a < 1e16))
        return 0;
    uint64_t bits;
    memcpy(&bits, &a, sizeof(bits));
    uint64_t m = (bits & ((1ull << 52) - 1)) | (1ull << 52); /* normal: the range has no others */
    int e = (int)((bits >> 52) & 0x7ff) - 1075;
    int x;
    uint64_t d = sig_digits(m, e, prec, &x);
    if (x >= prec)
        return 0; /* printf writes it with an exponent */
    char dig[17];
    for (int i = prec - 1; i >= 0; i--) {
        dig[i] = (char)('0' + d % 10);
        d /= 10;
    }
    int nd = prec; /* significant digits left once trailing zeros are gone (at least one) */
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    char *q = p;
    if (signbit(v))
        *q++ = '-';
    if (x >= 0) {
        int whole = x + 1; /* digits before the point */
        if (nd <= whole) {
            memcpy(q, dig, (size_t)nd);
            q += nd;
            memset(q, '0', (size_t)(whole - nd));
            q += whole - nd;
            memcpy(q, ".0", 2); /* jansson: would read back as an integer */
            q += 2;
        } else {
            memcpy(q, dig, (size_t)whole);
            q += whole;
            *q++ = '.';
            memcpy(q, dig + whole, (size_t)(nd - whole));
            q += nd - whole;
        }
    } else {
        *q++ = '0';
        *q++ = '.';
        memset(q, '0', (size_t)(-x - 1));
        q += -x - 1;
        memcpy(q, dig, (size_t)nd);
        q += nd;
    }
    return (size_t)(q - p);
}

/* The same through snprintf and jansson's fix-ups, for every finite value. */
static size_t real_printf(char *p, double v, int prec)
{
    int n = snprintf(p, CT__JSON_REAL_MAX, "%.*g", prec, v);
    if (n < 0 || n >= CT__JSON_REAL_MAX - 2)
        return 0;
    size_t len = (size_t)n;
    char *e = memchr(p, 'e', len);
    if (!e) {
        if (!memchr(p, '.', len)) {
            memcpy(p + len, ".0", 2);
            len += 2;
        }
        return len;
    }
    char *start = e + 1, *end = e + 1;
    if (*end == '+' || *end == '-') {
        if (*end == '-')
            start++;
        end++;
    }
    while (end < p + len - 1 && *end == '0')
        end++;
    memmove(start, end, (size_t)(p + len - end));
    return len - (size_t)(end - start);
}

size_t ct__json_real_prec(char *p, double v, int prec)
{
    if (!isfinite(v)) {
        memcpy(p, "null", 4);
        return 4;
    }
    if (prec < 1 || prec > 17)
        prec = 17; /* jansson: 0 is its default, 17 */
    size_t n = real_fast(p, v, prec);
    return n ? n : real_printf(p, v, prec);
}

size_t ct__json_real(char *p, double v)
{
    return ct__json_real_prec(p, v, 17);
}

size_t ct__json_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return (size_t)n;
}

/* ---- whole trees ------------------------------------------------------------------------- */

struct jtext {
    char *p;
    size_t len, cap;
    int bad;
    int indent, prec;
};

/* Room for n more bytes at the end (plus a NUL), or NULL (bad set). */
static char *room(struct jtext *t, size_t n)
{
    if (t->bad)
        return NULL;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 512;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *q = realloc(t->p, cap);
        if (!q) {
            t->bad = 1;
            return NULL;
        }
        t->p = q;
        t->cap = cap;
    }
    return t->p + t->len;
}

static void text_put(struct jtext *t, const char *s, size_t n)
{
    char *q = room(t, n);
    if (q) {
        memcpy(q, s, n);
        t->len += n;
    }
}

/* A string as jansson writes it: '"' and '\' escaped, control characters as \b \f \n \r \t or
 * \u00XX (upper-case hex), everything else (UTF-8 included) as it is. */
static void put_string(struct jtext *t, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    char *q = room(t, n * 6 + 2);
    if (!q)
        return;
    char *start = q;
    *q++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *q++ = (char)c;
            continue;
        }
        *q++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *q++ = (char)c;
            break;
        case '\b':
            *q++ = 'b';
            break;
        case '\f':
            *q++ = 'f';
            break;
        case '\n':
            *q++ = 'n';
            break;
        case '\r':
            *q++ = 'r';
            break;
        case '\t':
            *q++ = 't';
            break;
        default:
            memcpy(q, "u00", 3);
            q[3] = hex[c >> 4];
            q[4] = hex[c & 15];
            q += 5;
        }
    }
    *q++ = '"';
    t->len += (size_t)(q - start);
}

/* jansson's dump_indent: a new line and depth levels of indentation, or with JSON_INDENT(0) a
 * space where one separates items (none at all for JSON_COMPACT, which is indent -1 here). */
static void put_indent(struct jtext *t, int depth, int space)
{
    if (t->indent > 0) {
        size_t n = (size_t)depth * (size_t)t->indent;
        char *q = room(t, n + 1);
        if (q) {
            *q = '\n';
            memset(q + 1, ' ', n);
            t->len += n + 1;
        }
    } else if (space && t->indent == 0) {
        text_put(t, " ", 1);
    }
}

static void dump(struct jtext *t, const json_t *v, int depth)
{
    char scalar[CT__JSON_REAL_MAX];
    if (depth > 64) { /* far deeper than any record: a cycle */
        t->bad = 1;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *val;
        void *iter = json_object_iter((json_t *)v);
        if (!iter) {
            text_put(t, "{}", 2);
            return;
        }
        text_put(t, "{", 1);
        put_indent(t, depth + 1, 0);
        while (iter) {
            key = json_object_iter_key(iter);
            val = json_object_iter_value(iter);
            put_string(t, key, strlen(key));
            if (t->indent < 0)
                text_put(t, ":", 1);
            else
                text_put(t, ": ", 2);
            dump(t, val, depth + 1);
            iter = json_object_iter_next((json_t *)v, iter);
            if (iter) {
                text_put(t, ",", 1);
                put_indent(t, depth + 1, 1);
            } else {
                put_indent(t, depth, 0);
            }
        }
        text_put(t, "}", 1);
        return;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        if (n == 0) {
            text_put(t, "[]", 2);
            return;
        }
        text_put(t, "[", 1);
        put_indent(t, depth + 1, 0);
        for (size_t i = 0; i < n; i++) {
            dump(t, json_array_get(v, i), depth + 1);
            if (i + 1 < n) {
                text_put(t, ",", 1);
                put_indent(t, depth + 1, 1);
            } else {
                put_indent(t, depth, 0);
            }
        }
        text_put(t, "]", 1);
        return;
    }
    case JSON_STRING:
        put_string(t, json_string_value(v), json_string_length(v));
        return;
    case JSON_INTEGER: {
        json_int_t i = json_integer_value(v);
        size_t n = 0;
        if (i < 0)
            scalar[n++] = '-';
        n += ct__json_u64(scalar + n, i < 0 ? 0 - (uint64_t)i : (uint64_t)i);
        text_put(t, scalar, n);
        return;
    }
    case JSON_REAL:
        text_put(t, scalar, ct__json_real_prec(scalar, json_real_value(v), t->prec));
        return;
    case JSON_TRUE:
        text_put(t, "true", 4);
        return;
    case JSON_FALSE:
        text_put(t, "false", 5);
        return;
    case JSON_NULL:
        text_put(t, "null", 4);
        return;
    }
}

char *ct__json_text(const json_t *v, int indent, int prec, size_t *len)
{
    struct jtext t = {.indent = indent, .prec = prec};
    if (!v) {
        if (len)
            *len = 0;
        return NULL;
    }
    dump(&t, v, 0);
    if (t.bad || !room(&t, 0)) {
        free(t.p);
        return NULL;
    }
    t.p[t.len] = '\0';
    if (len)
        *len = t.len;
    return t.p;
}
