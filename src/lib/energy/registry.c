/*
 * registry.c - the energy meters in probe order. For each component the first meter whose probe
 * succeeds is used; "not here" (CT_ENOTSUP) is normal, other failures are reported and the next
 * meter is tried. Simulated meters are not listed: they replace a component's chain when
 * configured.
 */
#include "meter.h"

#include <stddef.h>

const struct ct__meter_ops *const ct__meters[] = {
    &ct__meter_nvml,          /* NVIDIA GPUs through NVML (dlopen'ed); GPU meters first */
    &ct__meter_rapl_powercap, /* CPU packages + DRAM, hardware counters */
    &ct__meter_cpu_tdp,       /* CPU estimate: TDP x measured utilisation */
    NULL,
};
