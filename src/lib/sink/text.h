/*
 * text.h - upstream's console/output texts: the consumption block.
 */
#ifndef CT_SINK_TEXT_H
#define CT_SINK_TEXT_H

#include <stddef.h>

/*
 * Upstream's _output_energy block, without the "CarbonTracker: " prefix:
 * "\n{desc}\n\tTime:\t{timestr}\n\tEnergy:\t{E:.pf} kWh\n\tCO2eq:\t{C:.pf} g" followed, when
 * interpretable and co2eq_g >= 0, by "\n\tThis is equivalent to:\n\t{km:.pf} km travelled by car".
 */
void ct__consumption_block(char *buf, size_t len, const char *desc, double duration_s,
                           double energy_kwh, double co2eq_g, int precision, int interpretable);

#endif
