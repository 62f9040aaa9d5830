/*
 * registry.c - the energy meters in probe order. Every domain (meter.h) whose meter probes OK
 * adds its devices; within a domain the first meter whose probe succeeds is used and the later
 * ones are fallbacks. "Not here" (CT_ENOTSUP) is normal, other failures are reported and the next
 * meter of the domain is tried. Simulated meters are not listed: they replace a component's
 * meters when configured.
 */
#include "meter.h"

#include <stddef.h>

const struct ct__meter_ops *const ct__meters[] = {
    &ct__meter_nvml,             /* gpu-nvidia: NVML (dlopen'ed); GPU meters first */
    &ct__meter_rocm_smi,         /* gpu-amd: ROCm SMI (dlopen'ed) */
    &ct__meter_amdgpu_hwmon,     /* gpu-amd fallback: amdgpu hwmon power, integrated */
    &ct__meter_intel_gpu_hwmon,  /* gpu-intel: i915/xe hwmon energy counters */
    &ct__meter_rapl_powercap,    /* cpu-package: packages + DRAM, hardware counters */
    &ct__meter_agent,            /* cpu-package: the same counters through the node agent */
    &ct__meter_rapl_perf,        /* cpu-package: the same counters through perf_event_open */
    &ct__meter_rapl_msr,         /* cpu-package: the same counters through /dev/cpu/N/msr (root) */
    &ct__meter_amd_energy,       /* cpu-package: AMD's amd_energy hwmon driver */
    &ct__meter_cpu_tdp,          /* cpu-package fallback: TDP x measured utilisation */
    &ct__meter_acpi_power_meter, /* node: ACPI power meter hwmon (whole machine, not added) */
    &ct__meter_ipmi_dcmi,        /* node fallback: the BMC's DCMI power reading via ipmitool */
    NULL,
};
