/*
 * rocm_smi.c - AMD GPU energy through ROCm SMI, dlopen'ed at run time (librocm_smi64.so.1, or
 * the rocm-smi.library setting / CARBONTRACKER_ROCM_SMI_LIBRARY). Each GPU's energy accumulator
 * (rsmi_dev_energy_count_get, counts x resolution) is exact; a GPU without one has its power
 * (rsmi_dev_power_ave_get) sampled at 20 Hz and integrated. GPUs are matched to their DRM card
 * by PCI address, each counted once, and chosen by ROCR_VISIBLE_DEVICES then
 * HIP_VISIBLE_DEVICES, or by the processes of the tracked tree (rsmi_compute_process_gpus_get).
 * The library is not initialised on a machine whose sysfs shows no AMD GPU.
 */
#include "gpu_sysfs.h"
#include "meter.h"
#include "proctree.h"
#include "rocm_smi_types.h"

#include "../util/dl.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RSMI_DEFAULT_LIBRARY "librocm_smi64.so.1"
#define NS_PER_S 1000000000ULL
#define PID_RECHECK_NS (2 * NS_PER_S)

enum method { METHOD_NONE = 0, METHOD_COUNTER, METHOD_POWER };

struct rsmi_api {
    void *dl;
    int inited;
    ct_rsmi_init_fn init;
    ct_rsmi_shut_down_fn shut_down;
    ct_rsmi_num_devices_fn num;
    ct_rsmi_status_string_fn status_string;
    ct_rsmi_dev_name_fn name;
    ct_rsmi_dev_u64_fn unique_id, pci_id;
    ct_rsmi_power_ave_fn power;
    ct_rsmi_energy_count_fn energy;
    ct_rsmi_process_gpus_fn process_gpus;
};

struct amd_gpu {
    uint32_t index; /* ROCm SMI's device index */
    char name[96];
    char uuid[40]; /* "GPU-<16 hex digits of the unique id>", as ROCR_VISIBLE_DEVICES names it */
    char pci[32];
    char card[16]; /* its DRM card, or "" */
    int method;
    char method_why[160];
    int active, lost;
    ct_rsmi_status last_error;
    uint64_t last_count;
    float resolution_uj;
    double total_uj; /* counter: energy since activation */
    unsigned long resets;
    struct ct__power_trace trace;
};

struct rsmi_state {
    struct rsmi_api api;
    char lib[PATH_MAX];
    struct amd_gpu *all;
    int n_all;
    int *sel;
    int n_sel;
    int by_pid;
    const ct_options *opts;
    int proc_fd;
    uint64_t next_pid_check_ns;
    char notes[384];
};

static const char *errstr(const struct rsmi_api *a, ct_rsmi_status r)
{
    const char *text = NULL;
    if (!a->status_string || a->status_string(r, &text) != CT_RSMI_SUCCESS || !text)
        return "unknown ROCm SMI error";
    return text;
}

/* ---- the library ----------------------------------------------------------------------------*/

#define RESOLVE(a, field, ...) CT__DL_SYM((a)->dl, &(a)->field, __VA_ARGS__)

/* dlopen and resolve; CT_OK or CT_ENOTSUP with the reason (a missing required function named). */
static int load(struct rsmi_api *a, const char *lib, int named, char *why, size_t why_len)
{
    const char *err = "";
    a->dl = ct__dl_open(lib, &err);
    if (!a->dl) {
        if (named)
            ct__fmt(why, why_len, "cannot load the ROCm SMI library %s: %s", lib, err);
        else
            ct__fmt(why, why_len,
                    "%s not found (ROCm SMI is not installed; Debian's librocm-smi64-1 or ROCm "
                    "gives the GPUs' energy accumulators)",
                    lib);
        return CT_ENOTSUP;
    }
    const char *missing = NULL;
    if (!RESOLVE(a, init, "rsmi_init"))
        missing = "rsmi_init";
    else if (!RESOLVE(a, shut_down, "rsmi_shut_down"))
        missing = "rsmi_shut_down";
    else if (!RESOLVE(a, num, "rsmi_num_monitor_devices"))
        missing = "rsmi_num_monitor_devices";
    else if (!RESOLVE(a, name, "rsmi_dev_name_get"))
        missing = "rsmi_dev_name_get";
    else if (!RESOLVE(a, pci_id, "rsmi_dev_pci_id_get"))
        missing = "rsmi_dev_pci_id_get";
    if (missing) {
        ct__fmt(why, why_len, "%s lacks the ROCm SMI function %s: not a usable ROCm SMI library",
                lib, missing);
        return CT_ENOTSUP;
    }
    /* Optional: NULL means the feature is absent. */
    RESOLVE(a, status_string, "rsmi_status_string");
    RESOLVE(a, unique_id, "rsmi_dev_unique_id_get");
    RESOLVE(a, power, "rsmi_dev_power_ave_get");
    RESOLVE(a, energy, "rsmi_dev_energy_count_get");
    RESOLVE(a, process_gpus, "rsmi_compute_process_gpus_get");
    if (!a->power && !a->energy) {
        ct__fmt(why, why_len,
                "%s has neither rsmi_dev_energy_count_get nor rsmi_dev_power_ave_get: nothing to "
                "measure with",
                lib);
        return CT_ENOTSUP;
    }
    return CT_OK;
}

static int start(struct rsmi_api *a, char *why, size_t why_len)
{
    ct_rsmi_status r = a->init(0);
    if (r == CT_RSMI_SUCCESS) {
        a->inited = 1;
        return CT_OK;
    }
    if (r == CT_RSMI_PERMISSION) {
        ct__fmt(why, why_len,
                "ROCm SMI could not start: %s (code %u). Fix: give this user read access to "
                "/dev/kfd and /dev/dri/renderD* (the render and video groups)",
                errstr(a, r), r);
        return CT_EPERM;
    }
    ct__fmt(why, why_len, "ROCm SMI could not start: %s (code %u)", errstr(a, r), r);
    return CT_EIO;
}

static void unload(struct rsmi_api *a)
{
    if (a->inited)
        a->shut_down();
    a->inited = 0;
    ct__dl_close(a->dl);
    a->dl = NULL;
}

/* ---- reading --------------------------------------------------------------------------------*/

/* First reading of a device: its energy counts from now. */
static ct_rsmi_status activate(struct rsmi_state *s, struct amd_gpu *g, uint64_t now_ns)
{
    ct_rsmi_status r;
    if (g->method == METHOD_COUNTER) {
        uint64_t ts;
        r = s->api.energy(g->index, &g->last_count, &g->resolution_uj, &ts);
    } else {
        uint64_t uw;
        r = s->api.power(g->index, 0, &uw);
        if (r == CT_RSMI_SUCCESS) /* not from the probe's sample: the device counts from now */
            ct__power_trace_start(&g->trace, now_ns, (double)uw);
    }
    if (r == CT_RSMI_SUCCESS)
        g->active = 1;
    return r;
}

/* devices_by_pid: activate every candidate that a process of the tracked tree runs on. */
static void match_processes(struct rsmi_state *s, uint64_t now_ns)
{
    int *tree = NULL;
    int n_tree = ct__proctree_sorted(s->proc_fd, s->opts ? s->opts->tracked_pid : 0, &tree);
    for (int p = 0; p < n_tree && s->api.process_gpus; p++) {
        uint32_t idx[CT__GPU_MAX_CARDS], n = CT__GPU_MAX_CARDS;
        if (s->api.process_gpus((uint32_t)tree[p], idx, &n) != CT_RSMI_SUCCESS)
            continue;
        for (uint32_t k = 0; k < n && k < CT__GPU_MAX_CARDS; k++)
            for (int i = 0; i < s->n_sel; i++) {
                struct amd_gpu *g = &s->all[s->sel[i]];
                if (g->index != idx[k] || g->active || g->lost)
                    continue;
                ct_rsmi_status r = activate(s, g, now_ns);
                if (r != CT_RSMI_SUCCESS) {
                    g->lost = 1;
                    g->last_error = r;
                }
            }
    }
    free(tree);
}

static ct_rsmi_status read_gpu(struct rsmi_state *s, struct amd_gpu *g, uint64_t now_ns)
{
    ct_rsmi_status r;
    if (g->method == METHOD_COUNTER) {
        uint64_t count, ts;
        float res;
        r = s->api.energy(g->index, &count, &res, &ts);
        if (r == CT_RSMI_SUCCESS) {
            if (count >= g->last_count)
                g->total_uj += (double)(count - g->last_count) * (double)g->resolution_uj;
            else
                g->resets++; /* the accumulator restarted (driver reload, GPU reset): rebase */
            g->last_count = count;
            g->resolution_uj = res;
        }
    } else {
        uint64_t uw;
        r = s->api.power(g->index, 0, &uw);
        if (r == CT_RSMI_SUCCESS)
            ct__power_trace_add(&g->trace, now_ns, (double)uw);
    }
    return r;
}

static int rsmi_read(void *vs, uint64_t now_ns, struct ct__reading *out)
{
    struct rsmi_state *s = vs;
    int attempted = 0, answered = 0;
    if (s->by_pid && now_ns >= s->next_pid_check_ns) {
        match_processes(s, now_ns);
        s->next_pid_check_ns = now_ns + PID_RECHECK_NS;
    }
    for (int i = 0; i < s->n_sel; i++) {
        struct amd_gpu *g = &s->all[s->sel[i]];
        if (g->active && !g->lost) {
            attempted++;
            ct_rsmi_status r = read_gpu(s, g, now_ns);
            if (r == CT_RSMI_SUCCESS) {
                answered++;
            } else {
                g->lost = 1; /* a GPU reset or unplugged: its energy so far is kept */
                g->last_error = r;
            }
        }
        double uj = g->method == METHOD_COUNTER ? g->total_uj : g->trace.total_uj;
        out[i].energy_uj = (uint64_t)(uj + 0.5);
        out[i].lost = g->lost;
    }
    return attempted > 0 && answered == 0 ? CT_EIO : CT_OK;
}

static uint64_t rsmi_max_interval_ns(void *vs)
{
    struct rsmi_state *s = vs;
    for (int i = 0; i < s->n_sel; i++)
        if (s->all[s->sel[i]].method == METHOD_POWER)
            return CT__GPU_POWER_POLL_NS;
    return s->by_pid ? PID_RECHECK_NS : 0;
}

/* ---- probing --------------------------------------------------------------------------------*/

static void rsmi_close(void *vs)
{
    struct rsmi_state *s = vs;
    if (!s)
        return;
    unload(&s->api);
    if (s->proc_fd >= 0)
        close(s->proc_fd);
    free(s->all);
    free(s->sel);
    free(s);
}

static void choose_method(struct rsmi_state *s, struct amd_gpu *g, uint64_t now_ns)
{
    const struct rsmi_api *a = &s->api;
    ct_rsmi_status re = CT_RSMI_NOT_SUPPORTED, rp = CT_RSMI_NOT_SUPPORTED;
    if (a->energy) {
        uint64_t ts;
        re = a->energy(g->index, &g->last_count, &g->resolution_uj, &ts);
        if (re == CT_RSMI_SUCCESS && g->resolution_uj > 0) {
            g->method = METHOD_COUNTER;
            ct__fmt(g->method_why, sizeof(g->method_why),
                    "exact energy from the GPU's energy accumulator (rsmi_dev_energy_count_get, "
                    "%.2f uJ per count)",
                    (double)g->resolution_uj);
            return;
        }
    }
    if (a->power) {
        uint64_t uw;
        rp = a->power(g->index, 0, &uw);
        if (rp == CT_RSMI_SUCCESS) {
            g->method = METHOD_POWER;
            ct__power_trace_start(&g->trace, now_ns, (double)uw);
            ct__fmt(g->method_why, sizeof(g->method_why),
                    "power samples (rsmi_dev_power_ave_get) integrated at 20 Hz: %s",
                    !a->energy                    ? "the library has no rsmi_dev_energy_count_get"
                    : re == CT_RSMI_SUCCESS       ? "its energy accumulator has no resolution"
                    : re == CT_RSMI_NOT_SUPPORTED ? "no energy accumulator on this GPU"
                                                  : "its energy accumulator fails");
            return;
        }
    }
    g->method = METHOD_NONE;
    ct__note_add(s->notes, sizeof(s->notes),
                 "GPU %u (%s) skipped: neither energy (%s) nor power (%s) can be read", g->index,
                 g->name, a->energy ? errstr(a, re) : "no function",
                 a->power ? errstr(a, rp) : "no function");
}

/* Enumerate the GPUs, match each to its DRM card by PCI address, each PCI device once. */
static int enumerate(struct rsmi_state *s, const struct ct__drm_card *cards, int n_cards, char *why,
                     size_t why_len)
{
    const struct rsmi_api *a = &s->api;
    uint32_t n = 0;
    ct_rsmi_status r = a->num(&n);
    if (r != CT_RSMI_SUCCESS) {
        ct__fmt(why, why_len, "ROCm SMI cannot count the GPUs: %s (code %u)", errstr(a, r), r);
        return CT_EIO;
    }
    if (n == 0) {
        ct__fmt(why, why_len, "no AMD GPU: ROCm SMI finds none (%d amdgpu card%s in sysfs)",
                n_cards, n_cards == 1 ? "" : "s");
        return CT_ENOTSUP;
    }
    if (n > CT__GPU_MAX_CARDS)
        n = CT__GPU_MAX_CARDS;
    s->all = calloc(n, sizeof(*s->all));
    s->sel = calloc(n, sizeof(*s->sel));
    if (!s->all || !s->sel)
        return CT_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        struct amd_gpu *g = &s->all[s->n_all];
        memset(g, 0, sizeof(*g));
        g->index = i;
        uint64_t bdf = 0, uid = 0;
        if (a->pci_id(i, &bdf) == CT_RSMI_SUCCESS)
            ct__pci_from_bdfid(bdf, g->pci, sizeof(g->pci));
        int dup = 0;
        for (int k = 0; k < s->n_all && !dup && g->pci[0]; k++)
            dup = strcmp(s->all[k].pci, g->pci) == 0;
        if (dup) {
            ct__note_add(s->notes, sizeof(s->notes), "GPU %u skipped: PCI %s is already counted", i,
                         g->pci);
            continue;
        }
        for (int k = 0; k < n_cards; k++)
            if (strcmp(cards[k].pci, g->pci) == 0)
                ct__strlcpy(g->card, cards[k].card, sizeof(g->card));
        if (a->name(i, g->name, sizeof(g->name)) != CT_RSMI_SUCCESS || !g->name[0])
            ct__fmt(g->name, sizeof(g->name), "AMD GPU %u", i);
        if (a->unique_id && a->unique_id(i, &uid) == CT_RSMI_SUCCESS && uid != 0)
            ct__fmt(g->uuid, sizeof(g->uuid), "GPU-%016llx", (unsigned long long)uid);
        s->n_all++;
    }
    return CT_OK;
}

static int rsmi_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    const ct_options *o = ctx->opts;
    struct rsmi_state *s = NULL;
    struct ct__drm_card *cards = NULL;
    int rc;

    *state = NULL;
    s = calloc(1, sizeof(*s));
    cards = calloc(CT__GPU_MAX_CARDS, sizeof(*cards));
    if (!s || !cards) {
        rc = CT_ENOMEM;
        goto fail;
    }
    s->proc_fd = -1;
    s->opts = o;
    s->by_pid = o && o->devices_by_pid;
    const char *lib = ct__settings_get(ctx->settings, "rocm-smi", "library");
    int lib_given = ct__settings_given(ctx->settings, "rocm-smi", "library");
    ct__strlcpy(s->lib, lib ? lib : RSMI_DEFAULT_LIBRARY, sizeof(s->lib));

    /* ROCm SMI prints to stderr when it finds no GPU: it is only started where sysfs shows one.
     * A library the user named is still loaded and checked. */
    int n_cards = ct__drm_cards(ctx->sysfs_fd, CT__PCI_VENDOR_AMD, cards, CT__GPU_MAX_CARDS);
    if (n_cards == 0) {
        if (!lib_given) {
            ct__strlcpy(why, "no AMD GPU (no card of PCI vendor 0x1002 under class/drm)", why_len);
            rc = CT_ENOTSUP;
            goto fail;
        }
        rc = load(&s->api, s->lib, 1, why, why_len);
        if (rc == CT_OK) {
            ct__fmt(why, why_len,
                    "no AMD GPU (no card of PCI vendor 0x1002 under class/drm); %s loaded and "
                    "complete, not started",
                    s->lib);
            rc = CT_ENOTSUP;
        }
        goto fail;
    }
    rc = load(&s->api, s->lib, lib_given, why, why_len);
    if (rc == CT_OK)
        rc = start(&s->api, why, why_len);
    if (rc == CT_OK)
        rc = enumerate(s, cards, n_cards, why, why_len);
    if (rc != CT_OK)
        goto fail;

    /* The selection: every GPU, or those ROCR_VISIBLE_DEVICES then HIP_VISIBLE_DEVICES name
     * (devices_by_pid: every GPU is a candidate and the processes decide). */
    const char *uuids[CT__GPU_MAX_CARDS];
    int chosen[CT__GPU_MAX_CARDS];
    for (int i = 0; i < s->n_all; i++)
        uuids[i] = s->all[i].uuid;
    const char *rocr =
        s->by_pid ? NULL : ct__settings_get(ctx->settings, "rocm-smi", "visible_devices");
    const char *hip =
        s->by_pid ? NULL : ct__settings_get(ctx->settings, "rocm-smi", "hip_visible_devices");
    int n_chosen = ct__gpu_select(rocr, "ROCR_VISIBLE_DEVICES", hip, "HIP_VISIBLE_DEVICES",
                                  s->n_all, uuids, chosen, s->notes, sizeof(s->notes));
    /* Described in ROCm SMI (PCI) order, stable across runs for the logs. */
    uint64_t now_ns = ct__now_ns();
    for (int i = 0; i < s->n_all; i++) {
        if (!ct__gpu_chosen(chosen, n_chosen, i))
            continue;
        struct amd_gpu *g = &s->all[i];
        choose_method(s, g, now_ns);
        if (g->method == METHOD_NONE)
            continue;
        g->active = !s->by_pid;
        s->sel[s->n_sel++] = i;
    }
    if (s->n_sel == 0) {
        if (n_chosen == 0)
            ct__fmt(why, why_len,
                    "the visible-devices variables select none of the %d AMD GPU%s: %s", s->n_all,
                    s->n_all == 1 ? "" : "s", s->notes);
        else
            ct__fmt(why, why_len, "no AMD GPU can be measured: %s", s->notes);
        rc = CT_ENOTSUP;
        goto fail;
    }
    if (s->by_pid) {
        if (!s->api.process_gpus)
            ct__note_add(
                s->notes, sizeof(s->notes),
                "devices_by_pid: this ROCm SMI has no rsmi_compute_process_gpus_get, so no "
                "GPU is counted");
        if (ctx->proc_fd >= 0)
            s->proc_fd = fcntl(ctx->proc_fd, F_DUPFD_CLOEXEC, 0);
        match_processes(s, now_ns);
        s->next_pid_check_ns = now_ns + PID_RECHECK_NS;
    }
    free(cards);
    *state = s;
    return CT_OK;

fail:
    free(cards);
    rsmi_close(s);
    return rc;
}

static int rsmi_describe(void *vs, struct ct__meter_dev *devs, int max)
{
    struct rsmi_state *s = vs;
    for (int i = 0; i < s->n_sel && i < max; i++) {
        const struct amd_gpu *g = &s->all[s->sel[i]];
        struct ct__meter_dev *d = &devs[i];
        ct__strlcpy(d->name, g->name, sizeof(d->name));
        d->provenance =
            g->method == METHOD_COUNTER ? CT_PROVENANCE_MEASURED : CT_PROVENANCE_INTEGRATED;
        ct__strlcpy(d->uuid, g->uuid, sizeof(d->uuid));
        d->index = (int)g->index;
        ct__fmt(d->info, sizeof(d->info), "PCI %s%s%s; %s%s", g->pci[0] ? g->pci : "unknown",
                g->card[0] ? ", " : "", g->card, g->method_why,
                s->by_pid
                    ? (g->active ? "; devices_by_pid: a process of the tracked tree runs on it"
                                 : "; devices_by_pid: none of the tracked tree yet")
                    : "");
    }
    return s->n_sel;
}

static void rsmi_detail(void *vs, char *buf, size_t len)
{
    struct rsmi_state *s = vs;
    size_t off = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    ct__append(buf, len, &off, "%s, %d GPU%s; measured:", s->lib, s->n_all,
               s->n_all == 1 ? "" : "s");
    for (int i = 0; i < s->n_sel; i++) {
        const struct amd_gpu *g = &s->all[s->sel[i]];
        ct__append(buf, len, &off, "%s %u (%s%s%s%s)", i ? "," : "", g->index,
                   g->method == METHOD_COUNTER ? "energy counter" : "power at 20 Hz",
                   g->resets ? ", counter reset" : "", g->lost ? ", lost: " : "",
                   g->lost ? errstr(&s->api, g->last_error) : "");
    }
    if (s->notes[0])
        ct__append(buf, len, &off, "; %s", s->notes);
}

static const struct ct__setting_decl rsmi_settings[] = {
    {"library", "CARBONTRACKER_ROCM_SMI_LIBRARY", RSMI_DEFAULT_LIBRARY, 0,
     "the ROCm SMI library to load (AMD GPUs)"},
    {"visible_devices", "ROCR_VISIBLE_DEVICES", NULL, 0,
     "the AMD GPUs measured: indices or GPU-<unique id>, as ROCr reads it"},
    {"hip_visible_devices", "HIP_VISIBLE_DEVICES", NULL, 0,
     "indices into the AMD GPUs ROCR_VISIBLE_DEVICES leaves, as HIP reads it"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct ct__meter_ops ct__meter_rocm_smi = {
    .name = "rocm-smi",
    .component = CT__COMP_GPU,
    .settings = rsmi_settings,
    .domain = "gpu-amd",
    .probe = rsmi_probe,
    .describe = rsmi_describe,
    .read = rsmi_read,
    .max_interval_ns = rsmi_max_interval_ns,
    .detail = rsmi_detail,
    .close = rsmi_close,
};
