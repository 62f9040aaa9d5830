/*
 * pyfmt.c - number and duration formatting that must match upstream's Python byte for byte:
 * ct_timestring() is loggerutil.convert_to_timestring (float divmod, round half to even, the
 * "60" carry), ct__fmt_plain() the plain decimals that upstream's log parser reads back,
 * ct__fmt_repr() Python's float repr().
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Python's float divmod(x, y) for finite x and y > 0 (Objects/floatobject.c, float_divmod). */
static void py_divmod(double x, double y, double *quot, double *rem)
{
    double mod = fmod(x, y);
    double div = (x - mod) / y;
    double floordiv;

    if (mod != 0.0) {
        if ((y < 0) != (mod < 0)) {
            mod += y;
            div -= 1.0;
        }
    } else {
        mod = copysign(0.0, y);
    }
    if (div != 0.0) {
        floordiv = floor(div);
        if (div - floordiv > 0.5)
            floordiv += 1.0;
    } else {
        floordiv = copysign(0.0, x / y);
    }
    *quot = floordiv;
    *rem = mod;
}

CT_API int ct_timestring(double seconds, int with_ms, char *buf, size_t len)
{
    const char *sign = "";
    double m, s, h, m_of_h;
    int n;

    if (buf == NULL || len == 0)
        return CT_EINVAL;
    buf[0] = '\0';
    if (!isfinite(seconds))
        return CT_EINVAL;
    if (seconds < 0) {
        sign = "-";
        seconds = fabs(seconds);
    }

    py_divmod(seconds, 60.0, &m, &s);
    if (!with_ms) {
        /* int(round(s)): rint() rounds half to even in the default rounding mode, as Python. */
        s = rint(s);
        if (s == 60.0) {
            m += 1.0;
            s = 0.0;
        }
    } else {
        char sec[32];
        snprintf(sec, sizeof(sec), "%05.2f", s);
        if (strncmp(sec, "60", 2) == 0) {
            m += 1.0;
            s = 0.0;
        }
    }
    py_divmod(m, 60.0, &h, &m_of_h);
    if (h == 0.0)
        h = 0.0; /* int(h) has no negative zero: divmod(-0.0, 60) gives -0.0 */

    /* h is integer-valued: "%.0f" prints it exactly as Python's int(h) does, without a cap. */
    if (!with_ms)
        n = snprintf(buf, len, "%s%.0f:%02d:%02d", sign, h, (int)m_of_h, (int)s);
    else
        n = snprintf(buf, len, "%s%.0f:%02d:%05.2f", sign, h, (int)m_of_h, s);
    if (n < 0 || (size_t)n >= len) {
        buf[0] = '\0';
        return CT_EINVAL;
    }
    return CT_OK;
}

/* Python's text of a NaN or an infinity ("nan", "inf", "-inf") into buf: 1 when v is one, else 0
 * (buf untouched). */
static int fmt_nonfinite(double v, char *buf, size_t len)
{
    if (isnan(v))
        ct__strlcpy(buf, "nan", len);
    else if (isinf(v))
        ct__strlcpy(buf, v < 0 ? "-inf" : "inf", len);
    else
        return 0;
    return 1;
}

void ct__fmt_fixed(double v, int prec, char *buf, size_t len)
{
    if (buf == NULL || len == 0 || fmt_nonfinite(v, buf, len))
        return;
    snprintf(buf, len, "%.*f", prec, v);
}

void ct__fmt_plain(double v, char *buf, size_t len)
{
    /* The longest "%.12f" of a finite double: sign, 309 integer digits, point, 12 digits. */
    char tmp[352];
    size_t n;

    if (buf == NULL || len == 0)
        return;
    ct__fmt_fixed(v, 12, tmp, sizeof(tmp));
    n = strlen(tmp);
    /* "%.12f" always has a point followed by 12 digits: drop trailing zeros, keep one digit. */
    while (n > 2 && tmp[n - 1] == '0' && tmp[n - 2] != '.')
        tmp[--n] = '\0';
    snprintf(buf, len, "%s", tmp);
}

void ct__fmt_repr(double v, char *buf, size_t len)
{
    if (fmt_nonfinite(v, buf, len))
        return;
    /* The shortest digits that read back to the same double, as d.ddde[+-]XX. */
    char e[64];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    char *exp_at = strchr(e, 'e');
    int exp10 = atoi(exp_at + 1);
    /* Python writes positional notation for 1e-4 <= |v| < 1e16, else exponent form. */
    if (exp10 < -4 || exp10 >= 16) {
        char mant[40];
        snprintf(mant, sizeof(mant), "%.*s", (int)(exp_at - e), e);
        snprintf(buf, len, "%se%c%02d", mant, exp10 < 0 ? '-' : '+', abs(exp10));
        return;
    }
    char digits[32];
    size_t nd = 0;
    for (const char *p = e; p < exp_at; p++)
        if (*p >= '0' && *p <= '9' && nd + 1 < sizeof(digits))
            digits[nd++] = *p;
    digits[nd] = '\0';
    char out[64];
    size_t o = 0;
    if (v < 0)
        out[o++] = '-';
    if (exp10 < 0) {
        o += (size_t)snprintf(out + o, sizeof(out) - o, "0.");
        for (int i = 0; i < -exp10 - 1; i++)
            out[o++] = '0';
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", digits);
    } else {
        for (int i = 0; i <= exp10; i++)
            out[o++] = (size_t)i < nd ? digits[i] : '0';
        out[o++] = '.';
        if ((size_t)exp10 + 1 < nd)
            o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", digits + exp10 + 1);
        else
            out[o++] = '0';
    }
    out[o] = '\0';
    ct__strlcpy(buf, out, len);
}

void ct__fmt_seconds(double s, char *buf, size_t len)
{
    if (s == floor(s) && s < 1e15)
        ct__fmt(buf, len, "%.0f", s);
    else
        ct__fmt(buf, len, "%g", s);
}
