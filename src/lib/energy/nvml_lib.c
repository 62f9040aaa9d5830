/*
 * nvml_lib.c - the NVML library for the NVML meter: dlopen'ed at run time, its functions resolved
 * newest version first (a missing required one is named), nvmlInit's failures turned into a
 * reason with the fix, and the GPUs it enumerates. Also the meter's notes, which every part adds
 * to.
 */
#include "nvml.h"

#include "../util/dl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Newest symbol version first. */
#define RESOLVE(api, field, ...) CT__DL_SYM((api)->dl, &(api)->field, __VA_ARGS__)

static size_t procs_stride(const char *sym)
{
    size_t len = sym ? strlen(sym) : 0;
    if (len > 3 && (strcmp(sym + len - 3, "_v3") == 0 || strcmp(sym + len - 3, "_v2") == 0))
        return sizeof(nvmlProcessInfo_v2_t);
    return sizeof(nvmlProcessInfo_v1_t);
}

static int load_symbols(struct ct__nvml_api *a, const char *lib, char *why, size_t why_len)
{
    const char *missing = NULL;
    a->init_sym = RESOLVE(a, init, "nvmlInit_v2", "nvmlInit");
    if (!a->init_sym)
        missing = "nvmlInit_v2 (or nvmlInit)";
    if (!RESOLVE(a, shutdown, "nvmlShutdown") && !missing)
        missing = "nvmlShutdown";
    if (!RESOLVE(a, error_string, "nvmlErrorString") && !missing)
        missing = "nvmlErrorString";
    /* Count and handle come as a pair: the v1 calls skip GPUs we may not access, so v1 and v2
     * indices differ and must not be mixed. */
    a->count_sym = RESOLVE(a, count, "nvmlDeviceGetCount_v2");
    if (!a->count_sym || !RESOLVE(a, handle_by_index, "nvmlDeviceGetHandleByIndex_v2")) {
        a->count_sym = RESOLVE(a, count, "nvmlDeviceGetCount");
        if (!a->count_sym && !missing)
            missing = "nvmlDeviceGetCount_v2 (or nvmlDeviceGetCount)";
        if (!RESOLVE(a, handle_by_index, "nvmlDeviceGetHandleByIndex") && !missing)
            missing = "nvmlDeviceGetHandleByIndex_v2 (or nvmlDeviceGetHandleByIndex)";
    }
    if (!RESOLVE(a, name, "nvmlDeviceGetName") && !missing)
        missing = "nvmlDeviceGetName";
    if (missing) {
        ct__fmt(why, why_len,
                "%s lacks the NVML function %s: not a usable NVIDIA management library", lib,
                missing);
        return CT_ENOTSUP;
    }
    /* Optional: a NULL pointer means the feature is absent. */
    RESOLVE(a, driver_version, "nvmlSystemGetDriverVersion");
    RESOLVE(a, handle_by_uuid, "nvmlDeviceGetHandleByUUID");
    RESOLVE(a, uuid, "nvmlDeviceGetUUID");
    RESOLVE(a, index, "nvmlDeviceGetIndex");
    RESOLVE(a, power, "nvmlDeviceGetPowerUsage");
    RESOLVE(a, energy, "nvmlDeviceGetTotalEnergyConsumption");
    a->procs_sym =
        RESOLVE(a, compute_procs, "nvmlDeviceGetComputeRunningProcesses_v3",
                "nvmlDeviceGetComputeRunningProcesses_v2", "nvmlDeviceGetComputeRunningProcesses");
    a->compute_stride = procs_stride(a->procs_sym);
    a->graphics_stride = procs_stride(RESOLVE(
        a, graphics_procs, "nvmlDeviceGetGraphicsRunningProcesses_v3",
        "nvmlDeviceGetGraphicsRunningProcesses_v2", "nvmlDeviceGetGraphicsRunningProcesses"));
    RESOLVE(a, mig_mode, "nvmlDeviceGetMigMode");
    RESOLVE(a, max_mig_count, "nvmlDeviceGetMaxMigDeviceCount");
    RESOLVE(a, mig_by_index, "nvmlDeviceGetMigDeviceHandleByIndex");
    RESOLVE(a, mig_parent, "nvmlDeviceGetDeviceHandleFromMigDeviceHandle");
    return CT_OK;
}

const char *ct__nvml_errstr(const struct ct__nvml_api *a, nvmlReturn_t r)
{
    const char *s = a->error_string ? a->error_string(r) : NULL;
    return s ? s : "unknown NVML error";
}

/* nvmlInit's failure as a status and a reason with the fix. */
static int init_failure(const struct ct__nvml_api *a, nvmlReturn_t r, char *why, size_t why_len)
{
    switch (r) {
    case NVML_ERROR_DRIVER_NOT_LOADED:
    case NVML_ERROR_LIBRARY_NOT_FOUND:
        ct__fmt(why, why_len, "NVML could not start: %s (NVML code %d): no NVIDIA driver loaded",
                ct__nvml_errstr(a, r), r);
        return CT_ENOTSUP;
    case NVML_ERROR_NO_PERMISSION:
        ct__fmt(why, why_len,
                "NVML could not start: %s (NVML code %d). Fix: give this user read/write access "
                "to /dev/nvidiactl and /dev/nvidia* (e.g. the video group)",
                ct__nvml_errstr(a, r), r);
        return CT_EPERM;
    case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
        ct__fmt(why, why_len,
                "NVML could not start: %s (NVML code %d): the NVIDIA driver was upgraded without "
                "a reboot. Fix: reboot, or reload the nvidia kernel modules",
                ct__nvml_errstr(a, r), r);
        return CT_EIO;
    default:
        ct__fmt(why, why_len, "NVML could not start: %s (NVML code %d)", ct__nvml_errstr(a, r), r);
        return CT_EIO;
    }
}

int ct__nvml_load(struct ct__nvml_api *a, const char *lib, int named, char *why, size_t why_len)
{
    const char *err = "";
    a->dl = ct__dl_open(lib, &err);
    if (!a->dl) {
        if (named)
            ct__fmt(why, why_len, "cannot load the NVML library %s: %s", lib, err);
        else
            ct__fmt(why, why_len, "%s not found (no NVIDIA driver)", lib);
        return CT_ENOTSUP;
    }
    int rc = load_symbols(a, lib, why, why_len);
    if (rc != CT_OK)
        return rc;
    nvmlReturn_t r = a->init();
    if (r != NVML_SUCCESS)
        return init_failure(a, r, why, why_len);
    a->inited = 1;
    return CT_OK;
}

void ct__nvml_unload(struct ct__nvml_api *a)
{
    if (a->inited)
        a->shutdown();
    a->inited = 0;
    ct__dl_close(a->dl);
    a->dl = NULL;
}

void ct__nvml_note(struct ct__nvml_state *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ct__note_vadd(s->notes, sizeof(s->notes), fmt, ap);
    va_end(ap);
}

int ct__nvml_enumerate(struct ct__nvml_state *s, char *why, size_t why_len)
{
    const struct ct__nvml_api *a = &s->api;
    unsigned n = 0;
    nvmlReturn_t r = a->count(&n);
    if (r != NVML_SUCCESS) {
        ct__fmt(why, why_len, "NVML cannot count the GPUs: %s (NVML code %d)",
                ct__nvml_errstr(a, r), r);
        return CT_EIO;
    }
    if (n == 0) {
        ct__fmt(why, why_len, "NVML (driver %s) finds no GPU", s->driver);
        return CT_ENOTSUP;
    }
    if (n > CT_MAX_DEVICES)
        n = CT_MAX_DEVICES;
    s->all = calloc(n, sizeof(*s->all));
    s->sel = calloc(n, sizeof(*s->sel));
    if (!s->all || !s->sel)
        return CT_ENOMEM;
    s->n_all = (int)n;
    for (unsigned i = 0; i < n; i++) {
        struct ct__nvml_gpu *g = &s->all[i];
        g->index = i;
        r = a->handle_by_index(i, &g->handle);
        if (r != NVML_SUCCESS) {
            /* NO_PERMISSION: a GPU outside this job's cgroup. */
            ct__nvml_note(s, "GPU %u not accessible: %s", i, ct__nvml_errstr(a, r));
            continue;
        }
        g->accessible = 1;
        unsigned idx;
        if (a->index && a->index(g->handle, &idx) == NVML_SUCCESS)
            g->index = idx;
        if (a->name(g->handle, g->name, sizeof(g->name)) != NVML_SUCCESS || !g->name[0])
            ct__fmt(g->name, sizeof(g->name), "NVIDIA GPU %u", i);
        if (!a->uuid || a->uuid(g->handle, g->uuid, sizeof(g->uuid)) != NVML_SUCCESS)
            g->uuid[0] = '\0';
    }
    return CT_OK;
}
