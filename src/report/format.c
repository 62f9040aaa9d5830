/*
 * format.c - numbers as text (format.h).
 */
#include "format.h"

#include <math.h>
#include <stdio.h>

/* `sig` significant digits in plain decimal notation; "n/a" for NaN. */
const char *fmt_sig(char *buf, size_t len, double v, int sig)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "n/a");
        return buf;
    }
    if (v == 0) {
        snprintf(buf, len, "0");
        return buf;
    }
    int dec = sig - 1 - (int)floor(log10(fabs(v)));
    if (dec < 0)
        dec = 0;
    if (dec > 12)
        dec = 12;
    snprintf(buf, len, "%.*f", dec, v);
    return buf;
}

const char *fmt_kwh(char *buf, size_t len, double kwh)
{
    char n[48];
    snprintf(buf, len, "%s kWh", fmt_sig(n, sizeof(n), kwh, 4));
    return buf;
}

const char *fmt_co2(char *buf, size_t len, double g)
{
    char n[48];
    if (!isfinite(g))
        snprintf(buf, len, "n/a");
    else if (fabs(g) >= 1000)
        snprintf(buf, len, "%s kg", fmt_sig(n, sizeof(n), g / 1000, 4));
    else
        snprintf(buf, len, "%s g", fmt_sig(n, sizeof(n), g, 4));
    return buf;
}

/* `dec` decimals; "-" for NaN (a component the run does not have). */
const char *fmt_fixed(char *buf, size_t len, double v, int dec)
{
    if (isfinite(v))
        snprintf(buf, len, "%.*f", dec, v);
    else
        snprintf(buf, len, "-");
    return buf;
}

/* Joules: whole numbers from 1000 J on, else 4 significant digits. */
const char *fmt_joules(char *buf, size_t len, double j)
{
    if (isfinite(j) && fabs(j) >= 1000)
        snprintf(buf, len, "%.0f", j);
    else
        fmt_sig(buf, len, j, 4);
    return buf;
}

const char *fmt_power(char *buf, size_t len, double w)
{
    if (isfinite(w))
        snprintf(buf, len, "%.1f W", w);
    else
        snprintf(buf, len, "n/a");
    return buf;
}

/* Upstream's report: "Xh Ymin Zs", zero parts left out, "0s" when all are zero. Under a minute
 * the seconds keep one decimal. */
const char *fmt_duration(char *buf, size_t len, double s)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, len, "n/a");
        return buf;
    }
    if (s < 60) {
        if (fabs(s - rint(s)) < 0.05)
            snprintf(buf, len, "%.0fs", rint(s));
        else
            snprintf(buf, len, "%.1fs", s);
        return buf;
    }
    long t = lrint(s), h = t / 3600, m = t % 3600 / 60, sec = t % 60;
    size_t n = 0;
    buf[0] = '\0';
    if (h)
        n += (size_t)snprintf(buf + n, len - n, "%ldh", h);
    if (m && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%s%ldmin", n ? " " : "", m);
    if (sec && n < len)
        snprintf(buf + n, len - n, "%s%lds", n ? " " : "", sec);
    return buf;
}

const char *fmt_node_share(char *buf, size_t len, const char *meter, double node_j,
                           double components_j)
{
    char n[48], c[48], o[48];
    double out_j = node_j - components_j;
    snprintf(buf, len,
             "Whole machine (%s, not added to the totals: it contains the components): %s; the "
             "components measured %s over the same span, so what they leave out (fans, disks, "
             "network, power-supply loss, other devices) is %s (%.1f %% of the machine).",
             meter ? meter : "node meter", fmt_joules(n, sizeof(n), node_j),
             fmt_joules(c, sizeof(c), components_j), fmt_joules(o, sizeof(o), out_j),
             node_j > 0 ? 100.0 * out_j / node_j : 0.0);
    return buf;
}
