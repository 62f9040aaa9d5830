/*
 * power_integrator.h - power samples integrated into energy with the trapezoid rule, for every
 * GPU meter that reads a device's power because it has no energy counter (nvml, rocm-smi, the
 * hwmon meters): one integrator, so that every vendor's GPUs add up their samples the same way.
 */
#ifndef CT_ENERGY_POWER_INTEGRATOR_H
#define CT_ENERGY_POWER_INTEGRATOR_H

#include <stdint.h>

/* Power samples integrated with the trapezoid rule. */
struct ct__power_trace {
    uint64_t last_ns;
    double last_uw;
    double total_uj;
    int primed; /* a first sample was taken */
};

/* Add a sample of power_uw at now_ns; the first sample only sets the start. A sample at or
 * before the last one's time adds nothing but is the new power. */
void ct__power_trace_add(struct ct__power_trace *p, uint64_t now_ns, double power_uw);

/* Start again from nothing: power_uw at now_ns is the first sample (energy counts from now). */
void ct__power_trace_start(struct ct__power_trace *p, uint64_t now_ns, double power_uw);

#endif
