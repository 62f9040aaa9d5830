/*
 * nvml.h - what the NVML meter's three files share (never installed). The meter (nvml.c) calls
 * the selection (nvml_select.c: CUDA_VISIBLE_DEVICES, the tracked process tree) and the loader
 * (nvml_lib.c: the library, its GPUs, the notes); the selection calls only the loader; neither
 * calls back up.
 */
#ifndef CT_ENERGY_NVML_H
#define CT_ENERGY_NVML_H

#include "meter.h"
#include "nvml_types.h"
#include "power_integrator.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* The resolved entry points. NULL = absent (only the optional ones may be). */
struct ct__nvml_api {
    void *dl;
    int inited; /* nvmlInit succeeded: nvmlShutdown is owed */
    nvml_void_fn init, shutdown;
    nvml_error_string_fn error_string;
    nvml_str_fn driver_version;
    nvml_count_fn count;
    nvml_handle_fn handle_by_index;
    nvml_handle_by_uuid_fn handle_by_uuid;
    nvml_dev_str_fn name, uuid;
    nvml_dev_uint_fn index, power;
    nvml_dev_ull_fn energy;
    nvml_procs_fn compute_procs, graphics_procs;
    size_t compute_stride, graphics_stride; /* element size of the process list variant */
    nvml_mig_mode_fn mig_mode;
    nvml_dev_uint_fn max_mig_count;
    nvml_mig_handle_fn mig_by_index;
    nvml_mig_parent_fn mig_parent;
    const char *init_sym, *count_sym, *procs_sym; /* variants used, for the detail line */
};

/* One GPU NVML enumerates. */
struct ct__nvml_gpu {
    nvmlDevice_t handle;
    unsigned index; /* NVML index = PCI bus order */
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
    int accessible; /* a handle was obtained */
    int selected;   /* chosen by the selection (CUDA_VISIBLE_DEVICES or a candidate by pid) */
    char via[96];   /* the MIG entry it was selected through, or "" */
    int method;     /* how nvml.c measures it (its enum method) */
    char method_why[160];
    int active;     /* counting energy (always, unless devices_by_pid has not matched it yet) */
    int lost;       /* stopped answering: energy frozen */
    int last_error; /* NVML code of the failure that lost it */
    unsigned long long last_mj;   /* counter: last raw reading (mJ since driver load) */
    uint64_t total_uj;            /* counter: energy since activation */
    struct ct__power_trace trace; /* power: samples integrated since activation */
    unsigned long resets;         /* counter went backwards (driver reload) */
};

/* The meter's state. */
struct ct__nvml_state {
    struct ct__nvml_api api;
    char lib[PATH_MAX];
    char driver[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
    struct ct__nvml_gpu *all; /* every GPU NVML counts */
    int n_all;
    int *sel; /* indices into all[] of the described devices, in selection order */
    int n_sel;
    int by_pid;
    const ct_options *opts; /* the tracker's options: tracked_pid is read under the meter lock */
    int proc_fd;
    uint64_t next_pid_check_ns;
    char notes[384];
};

/* ---- nvml_lib.c: the library and its GPUs ------------------------------------------------- */

/*
 * dlopen `lib` (`named`: the nvml_library option named it, so the loader's message is shown),
 * resolve the functions (newest version first; a missing required one is named) and call
 * nvmlInit (a->inited). Returns CT_OK; CT_ENOTSUP (no library, not NVML, no driver), CT_EPERM or
 * CT_EIO with the reason and the fix in why. On failure the caller still calls
 * ct__nvml_unload(a).
 */
int ct__nvml_load(struct ct__nvml_api *a, const char *lib, int named, char *why, size_t why_len);

/* nvmlShutdown when nvmlInit succeeded, then dlclose. Each step once; a zeroed api is fine. */
void ct__nvml_unload(struct ct__nvml_api *a);

/* NVML's text for a code, or "unknown NVML error". */
const char *ct__nvml_errstr(const struct ct__nvml_api *a, nvmlReturn_t r);

/* Fill s->all (handles, indices, names, UUIDs of every GPU, at most CT_MAX_DEVICES) and allocate
 * s->sel. A GPU without a handle is kept, not accessible, with a note. Returns CT_OK, CT_ENOTSUP
 * (no GPU), CT_EIO or CT_ENOMEM, with the reason in why. */
int ct__nvml_enumerate(struct ct__nvml_state *s, char *why, size_t why_len);

/* Append "; "-separated text to s->notes (silently cut when full). */
void ct__nvml_note(struct ct__nvml_state *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- nvml_select.c: which GPUs ------------------------------------------------------------ */

/*
 * Mark the GPUs to describe (gpu->selected, gpu->via): every accessible one when `cvd` is NULL,
 * else those CUDA_VISIBLE_DEVICES names (indices, GPU-<uuid>, MIG-<uuid>), with a note for each
 * entry that matches none.
 */
void ct__nvml_select(struct ct__nvml_state *s, const char *cvd);

/*
 * The tracked process tree for devices_by_pid, sorted: opts->tracked_pid (or this process) and
 * its descendants read from proc_fd, or the root alone when proc cannot be read. Returns the
 * count with a malloc'ed array in *tree (free() it), or 0 (*tree NULL) when out of memory.
 */
int ct__nvml_tracked_tree(const ct_options *opts, int proc_fd, int **tree);

/* 1 when a process in NVML's compute or graphics process list of `h` is in the sorted `tree`. */
int ct__nvml_runs_tracked(const struct ct__nvml_api *a, nvmlDevice_t h, const int *tree,
                          int n_tree);

#endif
