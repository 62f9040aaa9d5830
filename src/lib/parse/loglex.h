/*
 * loglex.h - the text logs' lexical layer (loglex.c): string views over the log bytes, lines
 * (CRLF-tolerant, the unterminated last one flagged), time stamps, and numbers and times as
 * upstream's regexes read them. Pure functions over bytes; only record.c below; logparse.c, the
 * text logs' run assembly, is its one caller.
 */
#ifndef CT_PARSE_LOGLEX_H
#define CT_PARSE_LOGLEX_H

#include <stddef.h>

/* A view of n bytes at p (not NUL-terminated). */
struct sv {
    const char *p;
    size_t n;
};

/* One line of a log, without its "\n" or "\r\n". */
struct line {
    struct sv s;
    int no;           /* 1-based */
    int unterminated; /* the file ends inside this line */
};

/* A line iterator over a buffer: struct lines it = {.buf = b, .len = n}. */
struct lines {
    const char *buf;
    size_t len, pos;
    int no;
};

static inline int lex_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static inline int lex_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* s without leading and trailing white space. */
static inline struct sv sv_trim(struct sv s)
{
    while (s.n && lex_is_space(s.p[0]))
        s.p++, s.n--;
    while (s.n && lex_is_space(s.p[s.n - 1]))
        s.n--;
    return s;
}

/* The rest of s from `at` (a pointer into s). */
static inline struct sv sv_from(struct sv s, const char *at)
{
    return (struct sv){at, s.n - (size_t)(at - s.p)};
}

/* One "Energy meters:" entry (ours): "cpu:0 (rapl-powercap, measured)". */
struct meter_note {
    char *name, *meter, *provenance;
};

/* ---- strings ---------------------------------------------------------------------------- */

/* First occurrence of `needle` in s (case-sensitive, or ASCII case-insensitive), else NULL. */
const char *ct__lex_find(struct sv s, const char *needle);
const char *ct__lex_find_ci(struct sv s, const char *needle);
/* s starts with `prefix` (ASCII case-insensitive) / ends with `suffix` (exactly). */
int ct__lex_starts_ci(struct sv s, const char *prefix);
int ct__lex_ends_with(struct sv s, const char *suffix);
/* ct__parse_strdup of the view (NULL when out of memory). */
char *ct__lex_dup(struct sv s);

/* ---- lines and time stamps -------------------------------------------------------------- */

/* The next line into *l: 1, or 0 at the end of the buffer. */
int ct__lex_next_line(struct lines *it, struct line *l);
/* "YYYY-MM-DD" at the start (upstream's block terminator). */
int ct__lex_date_start(struct sv s);
/* Length of "YYYY-MM-DD HH:MM:SS[,mmm] - " at the start, 0 when there is none. */
size_t ct__lex_stamp_len(struct sv s);
/* Seconds of a stamp's date and time, counted naively (for differences only). */
double ct__lex_stamp_seconds(struct sv s);

/* ---- numbers and times ------------------------------------------------------------------ */

/* A number at the start of s: [+-]digits[.digits][e[+-]digits], .digits, nan, inf, infinity.
 * Returns the length used, 0 when there is none. */
size_t ct__lex_num(struct sv s, double *out);
/* The whole of s (trimmed) is one number. */
int ct__lex_whole_num(struct sv s, double *out);
/* "H:MM:SS[.ff]" at the start of s (upstream's (\d+):(\d{2}):(\d\d?(?:.\d{2})?), any number of
 * decimals), in seconds. *strict: two-digit seconds and zero or two decimals, as written.
 * Returns the length used, 0 when there is none. */
size_t ct__lex_hms(struct sv s, double *seconds, int *strict);
/* upstream get_time: the first H:MM:SS anywhere in s. 1 found, 0 not. */
int ct__lex_search_hms(struct sv s, double *seconds, int *strict);
/* "Energy:\t0.0129 kWh" / "CO2eq:\t1.95 g" after the label: the number, then white space and
 * `unit` (ASCII case-insensitive). 1 read, 0 not. */
int ct__lex_value_unit(struct sv v, const char *unit, double *x);
/* A power value: "287.53", "[136.86084615]", "[45.2 3.1]", "None" (*none set). Returns the
 * count of values in the malloc'ed *out (0 for None), -1 when unreadable, -2 out of memory. */
int ct__lex_power_values(struct sv v, double **out, int *none);
/* Numpy wraps long arrays onto lines without a time stamp: `first` joined (with spaces) with
 * the following lines up to the one holding ']', which *ok says was found (at most 256 lines;
 * a stamped or unterminated line ends the search and is left to the iterator). Returns the
 * malloc'ed text, NULL when out of memory. */
char *ct__lex_join_continued(struct sv first, struct lines *it, int *ok);
/* Ours: "cpu:0 (rapl-powercap, measured), dram:0 (rapl-powercap, measured)." after "Energy
 * meters: ", appended to *notes (n used, cap allocated; at most CT__PARSE_MAX_DEVICES in all).
 * On CT_ENOMEM the last note may be partly filled (NULL fields); the caller frees all. */
int ct__lex_meters(struct sv rest, struct meter_note **notes, size_t *n, size_t *cap);

#endif
