/*
 * meter.h - the internal energy-meter interface. Every meter presents each of its devices as a
 * monotonically increasing energy counter in microjoules, plus a provenance label; everything
 * above the meters works on counters only (epoch energy = counter at end - counter at start).
 *
 * Adding a source is one new file with a `const struct ct__meter_ops` and one line in
 * registry.c. probe() answering CT_ENOTSUP means "not on this machine" and is not an error.
 * Meters of different domains add up; meters of one domain are alternatives (meters.h).
 */
#ifndef CT_ENERGY_METER_H
#define CT_ENERGY_METER_H

#include "../internal.h"
#include "../util/settings.h"

#include <stddef.h>
#include <stdint.h>

/* Everything a meter may need when probing, resolved from the options by the caller. */
struct ct__job;

struct ct__probe_ctx {
    int sysfs_fd;           /* dirfd of the sysfs root (default /sys) */
    int proc_fd;            /* dirfd of the proc root (default /proc) */
    const ct_options *opts; /* the tracker's options (sim_* values, include_psys, ...) */
    const struct ct__settings *settings; /* every meter's declared settings, resolved; a meter
                                            reads its own with ct__settings_get() */
    int serving; /* 1 inside the node agent (agent/agent.c): the meter that reads through the
                    agent must not pick the agent itself */
    const struct ct__job *job; /* the distributed job this tracker is a rank of (job.h), or NULL:
                                  the agent meter names it to the agent */
};

/* One device as a meter describes it. */
struct ct__meter_dev {
    char name[96];  /* upstream-compatible label: "cpu:0", "dram:1", CPU/GPU model name */
    int provenance; /* ct_provenance */
    char uuid[96];  /* GPU UUID or "" */
    int index;      /* meter's own device index (NVML index), -1 when none */
    char info[256]; /* one line for --list-devices: driver, method and why, MIG parent... */
};

/* One reading of one device. */
struct ct__reading {
    uint64_t energy_uj; /* cumulative since probe, wraparound unfolded; never decreases */
    int lost;           /* the device stopped answering: energy_uj keeps its last value */
};

struct ct__meter_ops {
    const char *name; /* "rapl-powercap", "cpu-tdp", "sim-cpu", ... (shown to users) */
    int component;    /* CT__COMP_CPU, CT__COMP_GPU, or CT__COMP_NODE (whole-machine power, shown
                         beside the components and never added to their totals) */
    /* The meter's settings ({NULL}-terminated, or NULL): e.g. a vendor library's path. The user
     * sets them as "<name>.<key>" or through the declared environment variable. */
    const struct ct__setting_decl *settings;

    /*
     * The hardware the meter measures: "cpu-package", "gpu-nvidia", later "gpu-amd", "node"...
     * Meters of one domain are alternatives for the same devices (the first in registry order
     * that probes OK is used, the others are fallbacks); every domain whose meter probes OK
     * contributes its devices. Simulated meters use the component's name ("cpu", "gpu"): they
     * replace the whole component.
     */
    const char *domain;

    /*
     * Optional: 1 when the user asked for this meter (e.g. set its socket), so that it is probed
     * before the other meters of its domain instead of in registry order. NULL = never.
     */
    int (*preferred)(const struct ct__probe_ctx *ctx);

    /*
     * Find the meter's devices. On CT_OK, *state is set and describe() may be called.
     * CT_ENOTSUP: not on this machine (`why` says what was looked for). Other negative codes:
     * a real failure, with `why` naming the file or symbol and the fix (e.g. the udev rule for a
     * root-only energy_uj); the registry then tries the next meter of the component.
     */
    int (*probe)(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len);

    /* Number of devices; fills up to `max` entries of devs. */
    int (*describe)(void *state, struct ct__meter_dev *devs, int max);

    /*
     * Read every device at monotonic time now_ns (the caller passes ct__now_ns() taken just
     * before the call). Called with the tracker's meter lock held, from the caller's thread at
     * epoch boundaries and from the sampler thread, never concurrently. Must not block beyond
     * counter reads. Fills out[0..n-1]. Returns CT_OK or a negative code (the readings then
     * keep their previous values).
     */
    int (*read)(void *state, uint64_t now_ns, struct ct__reading *out);

    /*
     * Longest safe interval between two reads in nanoseconds (e.g. half the shortest possible
     * wrap period of a counter; the CPU estimate's own needs), or 0 for no constraint.
     * Optional (NULL = no constraint).
     */
    uint64_t (*max_interval_ns)(void *state);

    /* Extra line for --list-devices and the logs (e.g. "matched 'Intel Xeon Gold 6130', TDP
     * 125 W"); optional. */
    void (*detail)(void *state, char *buf, size_t len);

    void (*close)(void *state); /* NULL-safe */

    /* Why the last failed `read` failed, naming the file or call and the cause ("cannot read
     * /sys/class/powercap/intel-rapl:1/energy_uj: No such device"); optional (NULL: the status's
     * text is shown). */
    void (*read_error)(void *state, char *buf, size_t len);
};

/* The meters, in probe order (registry.c); passed to ct__meters_select(). NULL-terminated. */
extern const struct ct__meter_ops *const ct__meters[];

/* Individual meters (one file each). */
extern const struct ct__meter_ops ct__meter_rapl_powercap;
extern const struct ct__meter_ops ct__meter_rapl_perf;
extern const struct ct__meter_ops ct__meter_rapl_msr;
extern const struct ct__meter_ops ct__meter_amd_energy;
extern const struct ct__meter_ops ct__meter_acpi_power_meter;
extern const struct ct__meter_ops ct__meter_ipmi_dcmi;
extern const struct ct__meter_ops ct__meter_cpu_tdp;
extern const struct ct__meter_ops ct__meter_sim_cpu;
extern const struct ct__meter_ops ct__meter_sim_gpu;
extern const struct ct__meter_ops ct__meter_nvml;
extern const struct ct__meter_ops ct__meter_rocm_smi;
extern const struct ct__meter_ops ct__meter_amdgpu_hwmon;
extern const struct ct__meter_ops ct__meter_intel_gpu_hwmon;
extern const struct ct__meter_ops ct__meter_agent;

#endif
