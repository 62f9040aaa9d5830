/*
 * misc.c - clocks, bounded string formatting and copying used across the library.
 */
#include "../internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t ct__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double ct__wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *ct__fmt(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return buf;
}

void ct__append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
    if (*off >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *off, len - *off, fmt, ap);
    va_end(ap);
    *off = w < 0 ? len : *off + (size_t)w;
}

void ct__note_vadd(char *buf, size_t len, const char *fmt, va_list ap)
{
    size_t off = strlen(buf);
    if (off + 3 >= len)
        return;
    if (off > 0) {
        memcpy(buf + off, "; ", 3);
        off += 2;
    }
    vsnprintf(buf + off, len - off, fmt, ap);
}

void ct__note_add(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ct__note_vadd(buf, len, fmt, ap);
    va_end(ap);
}

char *ct__list_next(char *list, char **save)
{
    char *tok = strtok_r(list, ",", save);
    if (!tok)
        return NULL;
    while (isspace((unsigned char)*tok))
        tok++;
    char *end = tok + strlen(tok);
    while (end > tok && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return tok;
}

char *ct__strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

void ct__strlcpy(char *dst, const char *src, size_t len)
{
    if (len == 0)
        return;
    snprintf(dst, len, "%s", src ? src : "");
}

const char *ct__component_name(int comp)
{
    return comp == CT__COMP_GPU ? "gpu" : comp == CT__COMP_NODE ? "node" : "cpu";
}

/* Length of the longest run at text that is also somewhere in secret (at most klen). */
static size_t secret_run(const char *text, const char *secret, size_t klen)
{
    size_t best = 0;

    for (size_t j = 0; j + best < klen; j++) {
        size_t m = 0;
        while (j + m < klen && text[m] != '\0' && text[m] == secret[j + m])
            m++;
        if (m > best)
            best = m;
    }
    return best;
}

void ct__redact_secret(char *text, const char *secret)
{
    size_t klen;
    char *r = text, *w = text;

    if (!text || !secret || (klen = strlen(secret)) < CT__SECRET_FRAGMENT)
        return;
    while (*r) {
        size_t m = secret_run(r, secret, klen);
        if (m >= CT__SECRET_FRAGMENT) { /* the secret, or any piece of it a server echoed */
            memcpy(w, "***", 3);
            w += 3;
            r += m;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

/* Bytes of a valid UTF-8 sequence at s (avail bytes there) that is not a C1 control
 * (U+0080-U+009F), else 0. */
static size_t utf8_char(const unsigned char *s, size_t avail)
{
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

    if (n == 0 || s[0] >= 0xf5 || n > avail)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
        return 0; /* C1 controls: CSI (U+009B) moves a terminal's cursor as ESC [ does */
    if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 4 && s[0] == 0xf0 && s[1] < 0x90) ||
        (n == 4 && s[0] == 0xf4 && s[1] >= 0x90) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0))
        return 0; /* overlong, beyond U+10FFFF, surrogates */
    return n;
}

void ct__sanitize_text(char *dst, size_t len, const char *src, size_t src_len)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0, i = 0;

    if (dst == NULL || len == 0)
        return;
    dst[0] = '\0';
    if (src == NULL)
        return;
    while (i < src_len && s[i] != '\0') {
        char piece[8];
        size_t n = 1, used = 1; /* bytes written, bytes of src read */
        if (s[i] >= 0x20 && s[i] < 0x7f) {
            piece[0] = (char)s[i];
        } else if (s[i] >= 0x80 && (n = utf8_char(s + i, src_len - i)) > 0) {
            memcpy(piece, s + i, n);
            used = n;
        } else {
            n = 4;
            snprintf(piece, sizeof(piece), "\\x%02x", s[i]);
        }
        if (o + n + 1 > len) {
            if (len >= 4) { /* bounded: say it was cut */
                while (o + 4 > len)
                    o--;
                while (o > 0 && ((unsigned char)dst[o] & 0xc0) == 0x80)
                    o--; /* never split a character */
                memcpy(dst + o, "...", 4);
                return;
            }
            break;
        }
        memcpy(dst + o, piece, n);
        o += n;
        i += used;
    }
    dst[o] = '\0';
}
