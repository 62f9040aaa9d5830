/*
 * account.c - accounting arithmetic (see account.h).
 */
#include "account.h"

#include <math.h>

double ct__kwh_pue(double energy_j, double pue)
{
    return energy_j / 3.6e6 * pue;
}

double ct__co2eq_g(double energy_kwh, double intensity_g_per_kwh)
{
    return energy_kwh * intensity_g_per_kwh;
}

double ct__km_by_car(double co2eq_g)
{
    if (isnan(co2eq_g) || co2eq_g < 0)
        return NAN;
    return co2eq_g / CT__CAR_G_PER_KM;
}

double ct__predict_total(int epochs, const double *values, size_t n)
{
    if (n == 0)
        return 0.0;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += values[i];
    return (double)epochs * (sum / (double)n);
}
