/*
 * loglex.c - the text logs' lexical layer: string views, lines, time stamps, and numbers and
 * times read as upstream's regexes read them (re-implemented by hand, defects fixed; doc/compat.md,
 * "Log parser"). Pure over bytes; calls only record.c. logparse.c assembles the run from these.
 */
#include "loglex.h"

#include "record.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- string views ----------------------------------------------------------------------- */

const char *ct__lex_find(struct sv s, const char *needle)
{
    size_t k = strlen(needle);
    if (k > s.n)
        return NULL;
    for (size_t i = 0; i + k <= s.n; i++)
        if (s.p[i] == needle[0] && memcmp(s.p + i, needle, k) == 0)
            return s.p + i;
    return NULL;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive (ASCII) search, without a library call per position. */
const char *ct__lex_find_ci(struct sv s, const char *needle)
{
    size_t k = strlen(needle);
    if (k == 0 || k > s.n)
        return NULL;
    char first = ascii_lower(needle[0]);
    for (size_t i = 0; i + k <= s.n; i++) {
        if (ascii_lower(s.p[i]) != first)
            continue;
        size_t j = 1;
        while (j < k && ascii_lower(s.p[i + j]) == ascii_lower(needle[j]))
            j++;
        if (j == k)
            return s.p + i;
    }
    return NULL;
}

int ct__lex_starts_ci(struct sv s, const char *prefix)
{
    size_t k = strlen(prefix);
    return s.n >= k && strncasecmp(s.p, prefix, k) == 0;
}

int ct__lex_ends_with(struct sv s, const char *suffix)
{
    size_t k = strlen(suffix);
    return s.n >= k && memcmp(s.p + s.n - k, suffix, k) == 0;
}

char *ct__lex_dup(struct sv s)
{
    return ct__parse_strdup(s.p, s.n);
}

/* ---- lines ------------------------------------------------------------------------------ */

int ct__lex_next_line(struct lines *it, struct line *l)
{
    if (it->pos >= it->len)
        return 0;
    const char *s = it->buf + it->pos;
    size_t rest = it->len - it->pos;
    const char *nl = memchr(s, '\n', rest);
    size_t n = nl ? (size_t)(nl - s) : rest;
    it->pos += nl ? n + 1 : n;
    l->s = (struct sv){s, n};
    if (l->s.n && l->s.p[l->s.n - 1] == '\r')
        l->s.n--;
    l->no = ++it->no;
    l->unterminated = nl == NULL;
    return 1;
}

/* "YYYY-MM-DD" at the start (upstream's block terminator). */
int ct__lex_date_start(struct sv s)
{
    return s.n >= 10 && lex_is_digit(s.p[0]) && lex_is_digit(s.p[1]) && lex_is_digit(s.p[2]) &&
           lex_is_digit(s.p[3]) && s.p[4] == '-' && lex_is_digit(s.p[5]) && lex_is_digit(s.p[6]) &&
           s.p[7] == '-' && lex_is_digit(s.p[8]) && lex_is_digit(s.p[9]);
}

/* Length of "YYYY-MM-DD HH:MM:SS[,mmm] - " at the start, 0 when there is none. */
size_t ct__lex_stamp_len(struct sv s)
{
    if (!ct__lex_date_start(s) || s.n < 22 || s.p[10] != ' ' || !lex_is_digit(s.p[11]) ||
        !lex_is_digit(s.p[12]) || s.p[13] != ':' || !lex_is_digit(s.p[14]) ||
        !lex_is_digit(s.p[15]) || s.p[16] != ':' || !lex_is_digit(s.p[17]) ||
        !lex_is_digit(s.p[18]))
        return 0;
    size_t i = 19;
    if (i < s.n && (s.p[i] == ',' || s.p[i] == '.')) {
        i++;
        while (i < s.n && lex_is_digit(s.p[i]))
            i++;
    }
    if (i + 3 <= s.n && memcmp(s.p + i, " - ", 3) == 0)
        return i + 3;
    if (i + 2 == s.n && memcmp(s.p + i, " -", 2) == 0)
        return i + 2;
    return 0;
}

/* Seconds of a stamp's date and time, counted naively (for differences only). */
double ct__lex_stamp_seconds(struct sv s)
{
    int v[6];
    const int at[6] = {0, 5, 8, 11, 14, 17}, len[6] = {4, 2, 2, 2, 2, 2};
    for (int i = 0; i < 6; i++) {
        v[i] = 0;
        for (int k = 0; k < len[i]; k++)
            v[i] = v[i] * 10 + (s.p[at[i] + k] - '0');
    }
    /* Days from civil (proleptic Gregorian). */
    int y = v[0] - (v[1] <= 2), m = v[1];
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + v[2] - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = era * 146097 + doe - 719468;
    return (double)days * 86400.0 + v[3] * 3600.0 + v[4] * 60.0 + v[5];
}

/* ---- numbers and times ------------------------------------------------------------------ */

/* A number at the start of s: [+-]digits[.digits][e[+-]digits], .digits, nan, inf, infinity.
 * Returns the length used, 0 when there is none. */
size_t ct__lex_num(struct sv s, double *out)
{
    size_t i = 0;
    char buf[80];
    if (i < s.n && (s.p[i] == '+' || s.p[i] == '-'))
        i++;
    struct sv rest = {s.p + i, s.n - i};
    size_t word = ct__lex_starts_ci(rest, "infinity") ? 8
                  : ct__lex_starts_ci(rest, "inf")    ? 3
                  : ct__lex_starts_ci(rest, "nan")    ? 3
                                                      : 0;
    if (word) {
        i += word;
    } else {
        size_t digits = 0;
        while (i < s.n && lex_is_digit(s.p[i]))
            i++, digits++;
        if (i < s.n && s.p[i] == '.') {
            i++;
            while (i < s.n && lex_is_digit(s.p[i]))
                i++, digits++;
        }
        if (digits == 0)
            return 0;
        if (i < s.n && (s.p[i] == 'e' || s.p[i] == 'E')) {
            size_t j = i + 1;
            if (j < s.n && (s.p[j] == '+' || s.p[j] == '-'))
                j++;
            size_t e = j;
            while (j < s.n && lex_is_digit(s.p[j]))
                j++;
            if (j > e)
                i = j;
        }
    }
    if (i >= sizeof(buf))
        return 0;
    memcpy(buf, s.p, i);
    buf[i] = '\0';
    *out = ct__parse_strtod(buf, NULL);
    return i;
}

/* The whole of s (trimmed) is one number. */
int ct__lex_whole_num(struct sv s, double *out)
{
    s = sv_trim(s);
    return s.n && ct__lex_num(s, out) == s.n;
}

/*
 * "H:MM:SS" or "H:MM:SS.ff" at the start of s (upstream's (\d+):(\d{2}):(\d\d?(?:.\d{2})?),
 * any number of decimals). *strict: two-digit seconds and zero or two decimals, as written.
 * Returns the length used, 0 when there is none.
 */
size_t ct__lex_hms(struct sv s, double *seconds, int *strict)
{
    size_t i = 0, hd = 0;
    while (i < s.n && lex_is_digit(s.p[i]) && hd < 12)
        i++, hd++;
    if (hd == 0 || i + 4 > s.n || s.p[i] != ':' || !lex_is_digit(s.p[i + 1]) ||
        !lex_is_digit(s.p[i + 2]) || s.p[i + 3] != ':')
        return 0;
    size_t m_at = i + 1;
    i += 4;
    size_t s_at = i, sd = 0;
    while (i < s.n && lex_is_digit(s.p[i]) && sd < 2)
        i++, sd++;
    if (sd == 0)
        return 0;
    size_t fd = 0;
    if (i + 1 < s.n && s.p[i] == '.' && lex_is_digit(s.p[i + 1])) {
        i++;
        while (i < s.n && lex_is_digit(s.p[i]))
            i++, fd++;
    }
    char buf[64];
    double h = 0, m, sec;
    for (size_t k = 0; k < hd; k++)
        h = h * 10 + (s.p[k] - '0');
    m = (s.p[m_at] - '0') * 10 + (s.p[m_at + 1] - '0');
    size_t sl = i - s_at;
    if (sl >= sizeof(buf))
        return 0;
    memcpy(buf, s.p + s_at, sl);
    buf[sl] = '\0';
    sec = ct__parse_strtod(buf, NULL);
    /* Python: float(h) * 60 * 60 + float(m) * 60 + float(s), in that order. */
    *seconds = h * 60 * 60 + m * 60 + sec;
    *strict = sd == 2 && (fd == 0 || fd == 2);
    return i;
}

/* upstream get_time: the first H:MM:SS anywhere in s. */
int ct__lex_search_hms(struct sv s, double *seconds, int *strict)
{
    for (size_t i = 0; i < s.n; i++)
        if (lex_is_digit(s.p[i]) && (i == 0 || !lex_is_digit(s.p[i - 1])) &&
            ct__lex_hms((struct sv){s.p + i, s.n - i}, seconds, strict))
            return 1;
    return 0;
}

/* Ours: "Energy meters: cpu:0 (rapl-powercap, measured), dram:0 (rapl-powercap, measured)." */
int ct__lex_meters(struct sv rest, struct meter_note **notes, size_t *n, size_t *cap)
{
    static const char *const pats[] = {", measured)", ", integrated)", ", estimated)",
                                       ", simulated)"};
    struct sv r = sv_trim(rest);
    if (r.n && r.p[r.n - 1] == '.')
        r.n--;
    const char *start = r.p;
    const char *next[4];
    for (int k = 0; k < 4; k++)
        next[k] = ct__lex_find(r, pats[k]);
    while (*n < CT__PARSE_MAX_DEVICES) {
        /* The nearest entry end; a pattern's next occurrence is searched again only once passed,
         * so the line is read a bounded number of times. */
        int pi = -1;
        for (int k = 0; k < 4; k++) {
            if (next[k] && next[k] < start)
                next[k] = ct__lex_find(sv_from(r, start), pats[k]);
            if (next[k] && (pi < 0 || next[k] < next[pi]))
                pi = k;
        }
        if (pi < 0)
            break;
        const char *best = next[pi];
        const char *lp = NULL;
        for (const char *q = start;
             (q = ct__lex_find((struct sv){q, (size_t)(best - q)}, " (")) != NULL; q++)
            lp = q;
        if (lp) {
            if (ct__parse_grow(notes, cap, *n + 1, sizeof(**notes)) != CT_OK)
                return CT_ENOMEM;
            struct meter_note *m = &(*notes)[(*n)++];
            m->name = ct__lex_dup(sv_trim((struct sv){start, (size_t)(lp - start)}));
            m->meter = ct__lex_dup((struct sv){lp + 2, (size_t)(best - lp - 2)});
            m->provenance = ct__parse_strdup(pats[pi] + 2, strlen(pats[pi]) - 3);
            if (!m->name || !m->meter || !m->provenance)
                return CT_ENOMEM;
        }
        start = best + strlen(pats[pi]);
        while (start < r.p + r.n && (*start == ',' || *start == ' '))
            start++;
    }
    return CT_OK;
}

/* Parse a power value: "287.53", "[136.86084615]", "[45.2 3.1]", "None". *none for None.
 * Returns the count of values (0 for None), -1 when unreadable, -2 out of memory. */
int ct__lex_power_values(struct sv v, double **out, int *none)
{
    *out = NULL;
    *none = 0;
    v = sv_trim(v);
    if (v.n == 4 && memcmp(v.p, "None", 4) == 0) {
        *none = 1;
        return 0;
    }
    double x;
    if (v.n && v.p[0] != '[') {
        if (!ct__lex_whole_num(v, &x))
            return -1;
        *out = malloc(sizeof(double));
        if (!*out)
            return -2;
        (*out)[0] = x;
        return 1;
    }
    if (v.n < 2 || v.p[v.n - 1] != ']')
        return -1;
    struct sv in = {v.p + 1, v.n - 2};
    size_t cap = 0, n = 0;
    for (size_t i = 0; i < in.n;) {
        while (i < in.n && (lex_is_space(in.p[i]) || in.p[i] == ','))
            i++;
        if (i >= in.n)
            break;
        size_t used = ct__lex_num((struct sv){in.p + i, in.n - i}, &x);
        if (!used || (i + used < in.n && !lex_is_space(in.p[i + used]) && in.p[i + used] != ',')) {
            free(*out);
            *out = NULL;
            return -1;
        }
        if (ct__parse_grow(out, &cap, n + 1, sizeof(double)) != CT_OK) {
            free(*out);
            *out = NULL;
            return -2;
        }
        (*out)[n++] = x;
        i += used;
    }
    if (n == 0 || n > INT_MAX) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return (int)n;
}

/* Numpy wraps long arrays onto lines without a time stamp: join them up to the ']'. */
char *ct__lex_join_continued(struct sv first, struct lines *it, int *ok)
{
    size_t cap = first.n + 1, n = first.n;
    char *buf = malloc(cap);
    *ok = 0;
    if (!buf)
        return NULL;
    memcpy(buf, first.p, first.n);
    for (int k = 0; k < 256; k++) {
        struct lines save = *it;
        struct line l;
        if (!ct__lex_next_line(it, &l))
            break;
        if (ct__lex_date_start(l.s) || l.unterminated) {
            *it = save;
            break;
        }
        if (ct__parse_grow(&buf, &cap, n + l.s.n + 2, 1) != CT_OK) {
            free(buf);
            return NULL;
        }
        buf[n++] = ' ';
        memcpy(buf + n, l.s.p, l.s.n);
        n += l.s.n;
        if (memchr(l.s.p, ']', l.s.n)) {
            *ok = 1;
            break;
        }
    }
    buf[n] = '\0';
    return buf;
}

/* "Energy:\t0.0129 kWh" / "CO2eq:\t1.95 g": the number, then whitespace and the unit. */
int ct__lex_value_unit(struct sv v, const char *unit, double *x)
{
    v = sv_trim(v);
    size_t used = ct__lex_num(v, x);
    if (!used || used == v.n || !lex_is_space(v.p[used]))
        return 0;
    struct sv u = sv_trim(sv_from(v, v.p + used));
    if (u.n != strlen(unit) || strncasecmp(u.p, unit, u.n) != 0)
        return 0;
    return 1;
}
