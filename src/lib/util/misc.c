/*
 * misc.c - clocks, bounded string formatting and copying used across the library.
 */
#include "../internal.h"

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

void ct__redact_secret(char *text, const char *secret)
{
    size_t klen;
    char *r = text, *w = text;

    if (!text || !secret || (klen = strlen(secret)) < 4)
        return;
    while (*r) {
        size_t m = 0;
        while (m < klen && r[m] == secret[m])
            m++;
        if (m == klen || m >= 6) { /* the secret, or a truncated copy of it */
            memcpy(w, "***", 3);
            w += 3;
            r += m;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}
