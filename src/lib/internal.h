/*
 * internal.h - helpers shared by the library's files (never installed). Names use the ct__
 * prefix; the library is built with -fvisibility=hidden so none of them is exported.
 */
#ifndef CT_INTERNAL_H
#define CT_INTERNAL_H

#include "carbontracker.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Component kinds (bit flags, so a selection is a mask). */
enum ct__component {
    CT__COMP_CPU = 1,
    CT__COMP_GPU = 2,
    CT__COMP_NODE = 4, /* whole-machine meters: shown beside the components, never added */
};

/* "cpu" / "gpu" / "node". */
const char *ct__component_name(int comp);

/* Monotonic clock in nanoseconds (CLOCK_MONOTONIC). */
uint64_t ct__now_ns(void);
/* Wall clock in seconds since the epoch (CLOCK_REALTIME), with fractions. */
double ct__wall_s(void);

/* Format into buf (always NUL-terminated, truncated if needed); returns buf. */
char *ct__fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Append formatted text at buf + *off (bounded by len, always NUL-terminated); *off moves on and
 * stays >= len once the buffer is full, so a sequence of calls simply truncates. */
void ct__append(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Add an item to the "; "-separated list of notes in buf (NUL-terminated, room len): cut when
 * the buffer fills, nothing added once fewer than 3 bytes are left. */
void ct__note_add(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ct__note_vadd(char *buf, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* The next entry of a comma-separated list cut up in place (strtok_r: pass the list's buffer
 * first, then NULL, with the same *save), its surrounding white space removed; NULL at the end. */
char *ct__list_next(char *list, char **save);

/* strdup that accepts NULL (returns NULL). */
char *ct__strdup(const char *s);

/* Copy with truncation, always NUL-terminated. */
void ct__strlcpy(char *dst, const char *src, size_t len);

/* The shortest piece of a secret that is redacted wherever it appears. */
#define CT__SECRET_FRAGMENT 4

/* Replace, in the NUL-terminated `text`, every run of CT__SECRET_FRAGMENT (4) or more characters
 * that is also a piece of `secret` (the whole secret, a truncated copy, or any part of it a server
 * echoed, such as jansson's "near '...'") by "***". NULL or shorter secrets change nothing. */
void ct__redact_secret(char *text, const char *secret);

/* Copy at most src_len bytes of src (less at a NUL) into dst (len bytes, always NUL-terminated)
 * so that it is safe on a terminal and in a log line: printable ASCII and valid UTF-8 stay,
 * control bytes (C0, DEL, C1) and invalid UTF-8 become "\xNN"; text that does not fit ends in
 * "..." (never in the middle of a character). Every text that can carry another program's data
 * (a server's reply, a log line read back) passes through this before it is shown. */
void ct__sanitize_text(char *dst, size_t len, const char *src, size_t src_len);

/*
 * Python-compatible number formatting. ct__fmt_fixed: f"{v:.<prec>f}", "%.<prec>f" in the
 * current locale, and "nan", "inf", "-inf". ct__fmt_plain: a plain fixed-point decimal without
 * exponent, at most 12 fractional digits, trailing zeros removed but one digit kept after the
 * point ("287.53", "0.0") - what upstream's parser reads.
 */
void ct__fmt_fixed(double v, int prec, char *buf, size_t len);
void ct__fmt_plain(double v, char *buf, size_t len);
/* Python repr() of a float: the shortest text that reads back to the same double
 * ("151.6503", "1.58", "481.0"). */
void ct__fmt_repr(double v, char *buf, size_t len);
/* JSON text as jansson writes it, byte for byte (util/jsonout.c). ct__json_real: a real at p
 * ("%.17g", ".0" when it would read back as an integer, no '+' or leading zeros in the exponent;
 * "null" when not finite), using at most CT__JSON_REAL_MAX bytes there, no NUL promised; returns
 * the length. ct__json_real_prec: the same with prec significant digits (JSON_REAL_PRECISION;
 * 0: 17). ct__json_u64: an unsigned integer (at most 20 bytes), its length. */
#define CT__JSON_REAL_MAX 32
size_t ct__json_real(char *p, double v);
size_t ct__json_real_prec(char *p, double v, int prec);
size_t ct__json_u64(char *p, uint64_t v);
/* What json_dumps(v, flags) gives for a jansson tree (declared here as struct json_t so that this
 * header needs no jansson): indent -1 JSON_COMPACT, 0 neither, n > 0 JSON_INDENT(n); prec as
 * JSON_REAL_PRECISION (0: 17); any value at the root (JSON_ENCODE_ANY). A new NUL-terminated
 * text (*len its length when len is given; free() it), or NULL when out of memory. */
struct json_t;
char *ct__json_text(const struct json_t *v, int indent, int prec, size_t *len);
/* Seconds as upstream names a refresh period: "900" for whole seconds, else "%g". */
void ct__fmt_seconds(double s, char *buf, size_t len);

#endif
