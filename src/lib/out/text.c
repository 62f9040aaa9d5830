/*
 * text.c - formatting of upstream's consumption block and Python-compatible float repr.
 */
#include "text.h"

#include "../account.h"
#include "../internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ct__fmt_repr(double v, char *buf, size_t len)
{
    if (isnan(v)) {
        ct__strlcpy(buf, "nan", len);
        return;
    }
    if (isinf(v)) {
        ct__strlcpy(buf, v < 0 ? "-inf" : "inf", len);
        return;
    }
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

void ct__consumption_block(char *buf, size_t len, const char *desc, double duration_s,
                           double energy_kwh, double co2eq_g, int precision, int interpretable)
{
    char ts[64];
    ct_timestring(duration_s, 0, ts, sizeof(ts));
    int n = snprintf(buf, len, "\n%s\n\tTime:\t%s\n\tEnergy:\t%.*f kWh\n\tCO2eq:\t%.*f g", desc, ts,
                     precision, energy_kwh, precision, co2eq_g);
    if (n < 0 || (size_t)n >= len)
        return;
    if (interpretable && co2eq_g >= 0 && !isnan(co2eq_g)) {
        snprintf(buf + n, len - (size_t)n, "\n\tThis is equivalent to:\n\t%.*f %s", precision,
                 ct__km_by_car(co2eq_g), CT__CAR_UNIT);
    }
}
