/*
 * nvml.c - NVIDIA GPU energy through NVML, dlopen'ed at run time (libnvidia-ml.so.1, or the
 * nvml_library option). Each GPU's exact energy counter (Volta and newer) is read at the epoch
 * boundaries; older GPUs' power is sampled at 20 Hz and integrated with the trapezoid rule. The
 * GPUs are chosen by CUDA_VISIBLE_DEVICES, or by the processes of the tracked process tree. This
 * file is the meter; the library and its GPUs are nvml_lib.c's, the selection nvml_select.c's.
 */
#include "nvml.h"

#include "gpu_sysfs.h" /* CT__GPU_POWER_POLL_NS */

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NVML_DEFAULT_LIBRARY "libnvidia-ml.so.1"
#define NS_PER_S 1000000000ULL
#define POWER_POLL_NS CT__GPU_POWER_POLL_NS /* power-only GPUs are sampled at 20 Hz */
#define PID_RECHECK_NS (2 * NS_PER_S)       /* devices_by_pid: process lists re-read every 2 s */

enum method { METHOD_NONE = 0, METHOD_COUNTER, METHOD_POWER };

/* ---- reading --------------------------------------------------------------------------------*/

/* Take a device's first reading: its energy counts from now. 0 or the NVML code. */
static nvmlReturn_t activate(struct ct__nvml_state *s, struct ct__nvml_gpu *g, uint64_t now_ns)
{
    nvmlReturn_t r;
    if (g->method == METHOD_COUNTER) {
        r = s->api.energy(g->handle, &g->last_mj);
    } else {
        unsigned mw;
        r = s->api.power(g->handle, &mw);
        if (r == NVML_SUCCESS)
            ct__power_trace_start(&g->trace, now_ns, (double)mw * 1000.0);
    }
    if (r == NVML_SUCCESS)
        g->active = 1;
    return r;
}

/* devices_by_pid: activate every candidate running a process of the tracked tree. */
static void match_processes(struct ct__nvml_state *s, uint64_t now_ns)
{
    int *tree = NULL;
    int n_tree = ct__nvml_tracked_tree(s->opts, s->proc_fd, &tree);
    for (int i = 0; i < s->n_sel && n_tree > 0; i++) {
        struct ct__nvml_gpu *g = &s->all[s->sel[i]];
        if (g->active || g->lost || !ct__nvml_runs_tracked(&s->api, g->handle, tree, n_tree))
            continue;
        nvmlReturn_t r = activate(s, g, now_ns);
        if (r != NVML_SUCCESS) {
            g->lost = 1;
            g->last_error = r;
        }
    }
    free(tree);
}

static int nvml_read(void *vs, uint64_t now_ns, struct ct__reading *out)
{
    struct ct__nvml_state *s = vs;
    int attempted = 0, answered = 0;
    if (s->by_pid && now_ns >= s->next_pid_check_ns) {
        match_processes(s, now_ns);
        s->next_pid_check_ns = now_ns + PID_RECHECK_NS;
    }
    for (int i = 0; i < s->n_sel; i++) {
        struct ct__nvml_gpu *g = &s->all[s->sel[i]];
        if (g->active && !g->lost) {
            nvmlReturn_t r;
            attempted++;
            if (g->method == METHOD_COUNTER) {
                unsigned long long mj;
                r = s->api.energy(g->handle, &mj);
                if (r == NVML_SUCCESS) {
                    if (mj >= g->last_mj)
                        g->total_uj += (uint64_t)(mj - g->last_mj) * 1000u;
                    else
                        g->resets++; /* driver reloaded: the counter restarted; rebase */
                    g->last_mj = mj;
                }
            } else {
                unsigned mw;
                r = s->api.power(g->handle, &mw);
                if (r == NVML_SUCCESS)
                    ct__power_trace_add(&g->trace, now_ns, (double)mw * 1000.0);
            }
            if (r == NVML_SUCCESS) {
                answered++;
            } else {
                /* GPU_IS_LOST, UNKNOWN or any failure of a device that answered before. */
                g->lost = 1;
                g->last_error = r;
            }
        }
        out[i].energy_uj =
            g->method == METHOD_COUNTER ? g->total_uj : (uint64_t)(g->trace.total_uj + 0.5);
        out[i].lost = g->lost;
    }
    return attempted > 0 && answered == 0 ? CT_EIO : CT_OK;
}

static uint64_t nvml_max_interval_ns(void *vs)
{
    struct ct__nvml_state *s = vs;
    for (int i = 0; i < s->n_sel; i++)
        if (s->all[s->sel[i]].method == METHOD_POWER)
            return POWER_POLL_NS;
    /* The 64-bit mJ counter does not wrap in practice: no bound, except re-checking who runs
     * on the GPUs when selecting by process. */
    return s->by_pid ? PID_RECHECK_NS : 0;
}

/* ---- probing and describing
 * --------------------------------------------------------------------------------*/

static void nvml_close(void *vs)
{
    struct ct__nvml_state *s = vs;
    if (!s)
        return;
    ct__nvml_unload(&s->api);
    if (s->proc_fd >= 0)
        close(s->proc_fd);
    free(s->all);
    free(s->sel);
    free(s);
}

/* Energy counter if it answers, else power samples, else unusable (method NONE). The reading
 * taken here is the device's first unless devices_by_pid waits for a process. */
static void choose_method(struct ct__nvml_state *s, struct ct__nvml_gpu *g, uint64_t now_ns)
{
    const struct ct__nvml_api *a = &s->api;
    nvmlReturn_t re = NVML_ERROR_FUNCTION_NOT_FOUND, rp = NVML_ERROR_FUNCTION_NOT_FOUND;
    if (a->energy) {
        re = a->energy(g->handle, &g->last_mj);
        if (re == NVML_SUCCESS) {
            g->method = METHOD_COUNTER;
            ct__strlcpy(g->method_why,
                        "exact energy from the GPU's energy counter "
                        "(nvmlDeviceGetTotalEnergyConsumption)",
                        sizeof(g->method_why));
            return;
        }
    }
    if (a->power) {
        unsigned mw;
        rp = a->power(g->handle, &mw);
        if (rp == NVML_SUCCESS) {
            g->method = METHOD_POWER;
            ct__power_trace_start(&g->trace, now_ns, (double)mw * 1000.0);
            ct__fmt(g->method_why, sizeof(g->method_why),
                    "power samples (nvmlDeviceGetPowerUsage) integrated at 20 Hz: %s",
                    !a->energy ? "the library has no nvmlDeviceGetTotalEnergyConsumption"
                    : re == NVML_ERROR_NOT_SUPPORTED
                        ? "no energy counter on this GPU (older than Volta)"
                        : "its energy counter fails");
            return;
        }
    }
    g->method = METHOD_NONE;
    ct__nvml_note(s, "GPU %u (%s) skipped: neither energy (%s) nor power (%s) can be read",
                  g->index, g->name, a->energy ? ct__nvml_errstr(a, re) : "no function",
                  a->power ? ct__nvml_errstr(a, rp) : "no function");
}

static int nvml_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    const ct_options *o = ctx->opts;
    struct ct__nvml_state *s = NULL;
    int rc;

    *state = NULL;
    s = calloc(1, sizeof(*s));
    if (!s)
        return CT_ENOMEM;
    s->proc_fd = -1;
    s->opts = o;
    s->by_pid = o && o->devices_by_pid;
    const char *lib = ct__settings_get(ctx->settings, "nvml", "library");
    int lib_given = ct__settings_given(ctx->settings, "nvml", "library");
    ct__strlcpy(s->lib, lib ? lib : NVML_DEFAULT_LIBRARY, sizeof(s->lib));
    const char *cvd = o ? o->cuda_visible_devices : NULL;
    if (!s->by_pid && cvd && strspn(cvd, " \t") == strlen(cvd)) {
        ct__strlcpy(why, "CUDA_VISIBLE_DEVICES is empty: no GPU selected", why_len);
        rc = CT_ENOTSUP;
        goto fail;
    }

    rc = ct__nvml_load(&s->api, s->lib, lib_given, why, why_len);
    if (rc != CT_OK)
        goto fail;
    if (!s->api.driver_version ||
        s->api.driver_version(s->driver, sizeof(s->driver)) != NVML_SUCCESS)
        ct__strlcpy(s->driver, "unknown", sizeof(s->driver));
    rc = ct__nvml_enumerate(s, why, why_len);
    if (rc != CT_OK)
        goto fail;

    /* With devices_by_pid every GPU is a candidate and the processes decide
     * (CUDA_VISIBLE_DEVICES is not used). */
    ct__nvml_select(s, s->by_pid ? NULL : cvd);

    /* The described devices, in NVML (PCI) order whatever the order of CUDA_VISIBLE_DEVICES:
     * stable across runs for the logs. */
    uint64_t now_ns = ct__now_ns();
    int n_chosen = 0;
    for (int i = 0; i < s->n_all; i++) {
        struct ct__nvml_gpu *g = &s->all[i];
        if (!g->selected)
            continue;
        n_chosen++;
        choose_method(s, g, now_ns);
        if (g->method == METHOD_NONE)
            continue;
        g->active = !s->by_pid; /* the reading just taken is the base */
        s->sel[s->n_sel++] = i;
    }
    if (s->n_sel == 0) {
        if (n_chosen == 0 && cvd && !s->by_pid)
            ct__fmt(why, why_len, "CUDA_VISIBLE_DEVICES='%.100s' selects none of the %d GPU%s: %s",
                    cvd, s->n_all, s->n_all == 1 ? "" : "s", s->notes[0] ? s->notes : "");
        else if (n_chosen == 0)
            ct__fmt(why, why_len, "none of the %d GPU%s is accessible: %s", s->n_all,
                    s->n_all == 1 ? "" : "s", s->notes);
        else
            ct__fmt(why, why_len, "no GPU can be measured: %s", s->notes);
        rc = CT_ENOTSUP;
        goto fail;
    }
    if (s->by_pid) {
        if (!s->api.compute_procs && !s->api.graphics_procs)
            ct__nvml_note(s, "devices_by_pid: this NVML lists no processes, so no GPU is counted");
        if (ctx->proc_fd >= 0)
            s->proc_fd = fcntl(ctx->proc_fd, F_DUPFD_CLOEXEC, 0);
        match_processes(s, now_ns);
        s->next_pid_check_ns = now_ns + PID_RECHECK_NS;
    }
    *state = s;
    return CT_OK;

fail:
    nvml_close(s);
    return rc;
}

static int nvml_describe(void *vs, struct ct__meter_dev *devs, int max)
{
    struct ct__nvml_state *s = vs;
    for (int i = 0; i < s->n_sel && i < max; i++) {
        const struct ct__nvml_gpu *g = &s->all[s->sel[i]];
        struct ct__meter_dev *d = &devs[i];
        ct__strlcpy(d->name, g->name, sizeof(d->name));
        d->provenance =
            g->method == METHOD_COUNTER ? CT_PROVENANCE_MEASURED : CT_PROVENANCE_INTEGRATED;
        ct__strlcpy(d->uuid, g->uuid, sizeof(d->uuid));
        d->index = (int)g->index;
        char extra[200] = "";
        if (g->via[0])
            ct__fmt(extra, sizeof(extra),
                    "; selected by %.60s: the whole GPU is measured (NVML gives no power per MIG "
                    "instance)",
                    g->via);
        else if (s->by_pid)
            ct__fmt(extra, sizeof(extra),
                    "; devices_by_pid: counted from when a process of the tracked tree runs on "
                    "it (%s)",
                    g->active ? "one does now" : "none yet; checked every 2 s");
        ct__fmt(d->info, sizeof(d->info), "driver %s; %s%s", s->driver, g->method_why, extra);
    }
    return s->n_sel;
}

static void nvml_detail(void *vs, char *buf, size_t len)
{
    struct ct__nvml_state *s = vs;
    size_t off = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    ct__append(buf, len, &off, "driver %s, %d GPU%s; measured:", s->driver, s->n_all,
               s->n_all == 1 ? "" : "s");
    for (int i = 0; i < s->n_sel; i++) {
        const struct ct__nvml_gpu *g = &s->all[s->sel[i]];
        ct__append(buf, len, &off, "%s %u (%s%s%s%s)", i ? "," : "", g->index,
                   g->method == METHOD_COUNTER ? "energy counter" : "power at 20 Hz",
                   g->resets ? ", counter reset" : "", g->lost ? ", lost: " : "",
                   g->lost ? ct__nvml_errstr(&s->api, g->last_error) : "");
    }
    if (s->by_pid)
        ct__append(buf, len, &off, "; selected by the processes of the tracked tree");
    if (s->notes[0])
        ct__append(buf, len, &off, "; %s", s->notes);
    ct__append(buf, len, &off, "; %s, %s, %s", s->api.init_sym, s->api.count_sym,
               s->api.procs_sym ? s->api.procs_sym : "no process lists");
}

static const struct ct__setting_decl nvml_settings[] = {
    {"library", "CARBONTRACKER_NVML_LIBRARY", NVML_DEFAULT_LIBRARY, 0,
     "the NVML library to load (NVIDIA GPUs)"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct ct__meter_ops ct__meter_nvml = {
    .name = "nvml",
    .component = CT__COMP_GPU,
    .settings = nvml_settings,
    .domain = "gpu-nvidia",
    .probe = nvml_probe,
    .describe = nvml_describe,
    .read = nvml_read,
    .max_interval_ns = nvml_max_interval_ns,
    .detail = nvml_detail,
    .close = nvml_close,
};
