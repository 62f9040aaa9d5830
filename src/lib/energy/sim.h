/*
 * sim.h - upstream carbontracker's option checks and console line for the simulated CPU/GPU
 * (sim_cpu / sim_gpu); the meters themselves are ct__meter_sim_cpu / ct__meter_sim_gpu.
 */
#ifndef CT_ENERGY_SIM_H
#define CT_ENERGY_SIM_H

#include "../internal.h"

#include <stddef.h>

/*
 * Upstream's checks of the sim_* options, in upstream's order, first failure wins:
 *  1. sim_cpu set, sim_cpu_tdp_w NaN: "When using simulated CPU (sim_cpu), you must also
 *     specify the CPU TDP (sim_cpu_tdp)";
 *  2. sim_gpu set, sim_gpu_watts NaN: "When using simulated GPU (sim_gpu), you must also
 *     specify the GPU power consumption (sim_gpu_watts)";
 *  3. the simulated handlers' own checks (name non-empty after stripping whitespace, value a
 *     finite number >= 0, utilisation in [0, 1]), for each selected component in the order of
 *     o->components ("all" or NULL = gpu then cpu, as upstream creates them). A component not
 *     selected is not checked, as upstream. Unknown component names are ignored here.
 * Values given without their name are accepted and ignored, as upstream.
 * @param why  receives the message (upstream's ValueError text), "" on success; may be NULL.
 * @return CT_OK or CT_EINVAL.
 */
int ct__sim_validate(const ct_options *o, char *why, size_t len);

/*
 * Upstream's print line when a simulated device starts, for comp CT__COMP_CPU / CT__COMP_GPU:
 * "Using simulated CPU: {name} with TDP: {tdp*util:.2f}W (at {util*100:.0f}% utilization)" or
 * "Using simulated GPU: {name} with power consumption: {watts*util:.2f}W (at {util*100:.0f}%
 * utilization)"; util NaN counts as 0.5. Writes "" when that device is not configured.
 */
void ct__sim_banner(const ct_options *o, int comp, char *buf, size_t len);

#endif
