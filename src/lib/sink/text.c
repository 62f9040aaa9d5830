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
