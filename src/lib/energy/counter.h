/*
 * counter.h - one step of a hardware energy counter, shared by the CPU meters: a step back is a
 * wrap of a counter of known range, unless that wrap would need more than twice the device's
 * maximum power (then, as a value beyond the range or a step back of a counter without range, it
 * is a reset that adds nothing). Units are the counter's own (uJ, RAPL ticks, perf counts).
 */
#ifndef CT_ENERGY_COUNTER_H
#define CT_ENERGY_COUNTER_H

#include <stdint.h>

/*
 * The increase from prev to cur over elapsed_ns. range: the wrap modulus (a wrap adds
 * range - prev + cur; powercap's max_energy_range_uj, 2^32 ticks for an MSR; a value above it is
 * a reset); 0 = a counter that never wraps (64-bit, kernel-accumulated). max_per_s: the most the
 * counter can advance per second (the device's maximum power in the counter's unit), bounding a
 * plausible wrap. *reset is set to 1 when the step is a reset (the return is then 0), else 0.
 */
uint64_t ct__counter_step(uint64_t prev, uint64_t cur, uint64_t range, double max_per_s,
                          uint64_t elapsed_ns, int *reset);

#endif
