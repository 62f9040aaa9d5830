/*
 * jsonnum.c - numbers as the JSON logs write them, without printf on the frequent paths (the
 * sampler's sample records, the parse JSON's long arrays).
 *
 * ct__json_real() gives jansson's text of a real byte for byte: C's "%.17g" (17 significant
 * digits of the double's exact binary value, rounded to nearest with ties to even, trailing zeros
 * removed), then ".0" when that would read back as an integer, and no '+' or leading zeros in the
 * exponent. Zero and the values from 1e-4 to 1e16 (nearly every time, energy and power a log
 * holds) are converted here with exact integer arithmetic; the rest, which printf writes with an
 * exponent, go through snprintf.
 */
#include "../internal.h"

#include <math.h>
#include <stdio.h>
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

/* The 17 significant digits of m * 2^e (m < 2^53, the value in [1e-4, 1e16)) as an integer in
 * [10^16, 10^17), rounded to nearest, ties to even, and the decimal exponent of its first digit:
 * value ~ digits * 10^(x - 16). */
static uint64_t digits17(uint64_t m, int e, int *x_out)
{
    /* 2^(e+52) <= value < 2^(e+53): the exponent is this or one more (78913 / 2^18 ~ log10 2). */
    int x = ((e + 52) * 78913) >> 18;
    for (;;) {
        int k = 16 - x; /* 0 .. 20 in the range served: m * 10^k < 2^53 * 2^67 */
        unsigned __int128 n = (unsigned __int128)m * POW10[k < 19 ? k : 19];
        if (k > 19)
            n *= POW10[k - 19];
        uint64_t d;
        if (e >= 0) {
            d = (uint64_t)(n << e); /* e <= 1 below 1e16: exact, fits */
        } else {
            int s = -e; /* <= 66 from 1e-4 up */
            unsigned __int128 q = n >> s, r = n - (q << s), half = (unsigned __int128)1 << (s - 1);
            d = (uint64_t)q;
            if (r > half || (r == half && (d & 1)))
                d++;
        }
        if (d >= POW10[17])
            x++; /* the estimate was one low, or rounding carried to 10^17: 17 digits of more */
        else if (d < POW10[16])
            x--;
        else {
            *x_out = x;
            return d;
        }
    }
}

/* "%.17g" of a finite v that is 0 or whose |v| is in [1e-4, 1e16) (fixed notation), with
 * jansson's ".0"; 0 for other values. */
static size_t real_fast(char *p, double v)
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
    uint64_t d = digits17(m, e, &x);
    char dig[17];
    for (int i = 16; i >= 0; i--) {
        dig[i] = (char)('0' + d % 10);
        d /= 10;
    }
    int nd = 17; /* significant digits left once trailing zeros are gone (at least one) */
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
static size_t real_printf(char *p, double v)
{
    int n = snprintf(p, CT__JSON_REAL_MAX, "%.17g", v);
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

size_t ct__json_real(char *p, double v)
{
    if (!isfinite(v)) {
        memcpy(p, "null", 4);
        return 4;
    }
    size_t n = real_fast(p, v);
    return n ? n : real_printf(p, v);
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
