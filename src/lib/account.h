/*
 * account.h - accounting arithmetic: PUE, kWh, CO2eq, equivalents and the linear prediction.
 * Pure functions, unit-tested directly.
 */
#ifndef CT_ACCOUNT_H
#define CT_ACCOUNT_H

#include <stddef.h>

/* Default PUE: Uptime Institute 2023 global survey (Daniel Bizo), as upstream's PUE_2023. */
#define CT__PUE_DEFAULT 1.58
/* Grams CO2eq per km of an average new EU car, 2020 (EEA), upstream's last co2eq.csv row. */
#define CT__CAR_G_PER_KM 107.5
#define CT__CAR_UNIT "km travelled by car"

/* Joules (before PUE) to kWh with PUE applied. */
double ct__kwh_pue(double energy_j, double pue);
/* CO2eq grams for kWh at intensity gCO2eq/kWh. */
double ct__co2eq_g(double energy_kwh, double intensity_g_per_kwh);
/* Upstream's equivalent: km travelled by car; negative or NaN grams give NaN (no equivalent). */
double ct__km_by_car(double co2eq_g);
/* epochs x mean(values[0..n-1]); 0 when n == 0. */
double ct__predict_total(int epochs, const double *values, size_t n);

#endif
