/*
 * nvml.c - NVIDIA GPU energy through NVML, dlopen'ed at run time (libnvidia-ml.so.1, or the
 * nvml_library option). Each GPU's exact energy counter (Volta and newer) is read at the epoch
 * boundaries; older GPUs' power is sampled at 10 Hz and integrated with the trapezoid rule. The
 * GPUs are chosen by CUDA_VISIBLE_DEVICES, or by the processes of the tracked process tree.
 */
#include "meter.h"
#include "nvml_types.h"
#include "proctree.h"

#include <ctype.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define NVML_DEFAULT_LIBRARY "libnvidia-ml.so.1"
#define NS_PER_S 1000000000ULL
#define POWER_POLL_NS (NS_PER_S / 10) /* power-only GPUs are sampled at 10 Hz */
#define PID_RECHECK_NS (2 * NS_PER_S) /* devices_by_pid: process lists re-read every 2 s */
#define MAX_GPUS CT_MAX_DEVICES

_Static_assert(sizeof(void *) == sizeof(nvml_void_fn), "dlsym results must fit function pointers");

enum method { METHOD_NONE = 0, METHOD_COUNTER, METHOD_POWER };

/* The resolved entry points. NULL = absent (only the optional ones may be). */
struct nvml_api {
    void *dl;
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
struct gpu {
    nvmlDevice_t handle;
    unsigned index; /* NVML index = PCI bus order */
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
    int accessible; /* a handle was obtained */
    int selected;   /* chosen by the selection (CUDA_VISIBLE_DEVICES or a candidate by pid) */
    char via[96];   /* the MIG entry it was selected through, or "" */
    int method;     /* enum method */
    char method_why[160];
    int active;     /* counting energy (always, unless devices_by_pid has not matched it yet) */
    int lost;       /* stopped answering: energy frozen */
    int last_error; /* NVML code of the failure that lost it */
    unsigned long long last_mj; /* counter: last raw reading (mJ since driver load) */
    unsigned last_mw;           /* power: last sample */
    uint64_t last_ns;           /* power: time of the last sample */
    uint64_t total_uj;          /* counter: energy since activation */
    double total_uj_f;          /* power: integrated energy since activation */
    unsigned long resets;       /* counter went backwards (driver reload) */
};

struct nvml_state {
    struct nvml_api api;
    int inited;
    char lib[PATH_MAX];
    char driver[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
    struct gpu *all; /* every GPU NVML counts */
    int n_all;
    int *sel; /* indices into all[] of the described devices, in selection order */
    int n_sel;
    int by_pid;
    const ct_options *opts; /* the tracker's options: tracked_pid is read under the meter lock */
    int proc_fd;
    uint64_t next_pid_check_ns;
    char notes[384];
};

/* ---- loading --------------------------------------------------------------------------------*/

/* dlsym the first of `names` present into *slot (a function pointer); returns its name or
 * NULL (then *slot is NULL). */
static const char *resolve(void *dl, void *slot, const char *const *names)
{
    void *p = NULL;
    const char *used = NULL;
    for (; *names; names++) {
        p = dlsym(dl, *names);
        if (p) {
            used = *names;
            break;
        }
    }
    memcpy(slot, &p, sizeof(p));
    return used;
}

/* Newest symbol version first. */
#define RESOLVE(api, field, ...)                                                                   \
    resolve((api)->dl, &(api)->field, (const char *const[]){__VA_ARGS__, NULL})

static size_t procs_stride(const char *sym)
{
    size_t len = sym ? strlen(sym) : 0;
    if (len > 3 && (strcmp(sym + len - 3, "_v3") == 0 || strcmp(sym + len - 3, "_v2") == 0))
        return sizeof(nvmlProcessInfo_v2_t);
    return sizeof(nvmlProcessInfo_v1_t);
}

static int load_symbols(struct nvml_api *a, const char *lib, char *why, size_t why_len)
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

static const char *errstr(const struct nvml_api *a, nvmlReturn_t r)
{
    const char *s = a->error_string ? a->error_string(r) : NULL;
    return s ? s : "unknown NVML error";
}

/* nvmlInit's failure as a status and a reason with the fix. */
static int init_failure(const struct nvml_api *a, nvmlReturn_t r, char *why, size_t why_len)
{
    switch (r) {
    case NVML_ERROR_DRIVER_NOT_LOADED:
    case NVML_ERROR_LIBRARY_NOT_FOUND:
        ct__fmt(why, why_len, "NVML could not start: %s (NVML code %d): no NVIDIA driver loaded",
                errstr(a, r), r);
        return CT_ENOTSUP;
    case NVML_ERROR_NO_PERMISSION:
        ct__fmt(why, why_len,
                "NVML could not start: %s (NVML code %d). Fix: give this user read/write access "
                "to /dev/nvidiactl and /dev/nvidia* (e.g. the video group)",
                errstr(a, r), r);
        return CT_EPERM;
    case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
        ct__fmt(why, why_len,
                "NVML could not start: %s (NVML code %d): the NVIDIA driver was upgraded without "
                "a reboot. Fix: reboot, or reload the nvidia kernel modules",
                errstr(a, r), r);
        return CT_EIO;
    default:
        ct__fmt(why, why_len, "NVML could not start: %s (NVML code %d)", errstr(a, r), r);
        return CT_EIO;
    }
}

/* ---- notes ----------------------------------------------------------------------------------*/

static void add_note(struct nvml_state *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_note(struct nvml_state *s, const char *fmt, ...)
{
    size_t off = strlen(s->notes);
    if (off + 3 >= sizeof(s->notes))
        return;
    if (off > 0) {
        memcpy(s->notes + off, "; ", 3);
        off += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->notes + off, sizeof(s->notes) - off, fmt, ap);
    va_end(ap);
}

/* ---- selection ------------------------------------------------------------------------------*/

static void select_gpu(struct gpu *g, const char *via)
{
    if (g->selected)
        return;
    g->selected = 1;
    ct__strlcpy(g->via, via ? via : "", sizeof(g->via));
}

/* The accessible GPU whose UUID starts with `prefix` (case-insensitive); NULL when none, and
 * *ambiguous when several do (CUDA requires a unique prefix). */
static struct gpu *gpu_by_uuid_prefix(struct nvml_state *s, const char *prefix, int *ambiguous)
{
    struct gpu *found = NULL;
    size_t len = strlen(prefix);
    *ambiguous = 0;
    for (int i = 0; i < s->n_all; i++) {
        struct gpu *g = &s->all[i];
        if (!g->accessible || !g->uuid[0] || strncasecmp(g->uuid, prefix, len) != 0)
            continue;
        if (found)
            *ambiguous = 1;
        found = found ? found : g;
    }
    return *ambiguous ? NULL : found;
}

static struct gpu *gpu_by_handle(struct nvml_state *s, nvmlDevice_t h)
{
    for (int i = 0; i < s->n_all; i++)
        if (s->all[i].accessible && s->all[i].handle == h)
            return &s->all[i];
    return NULL;
}

/* The parent GPU of the MIG instance named `entry` ("MIG-<uuid>", a unique prefix allowed):
 * first among each MIG-enabled GPU's instances, else through nvmlDeviceGetHandleByUUID. */
static struct gpu *mig_parent_of(struct nvml_state *s, const char *entry)
{
    const struct nvml_api *a = &s->api;
    size_t len = strlen(entry);
    struct gpu *found = NULL;
    int matches = 0;
    if (a->mig_mode && a->max_mig_count && a->mig_by_index && a->uuid) {
        for (int i = 0; i < s->n_all; i++) {
            struct gpu *g = &s->all[i];
            unsigned cur = 0, pending = 0, max = 0;
            if (!g->accessible || a->mig_mode(g->handle, &cur, &pending) != NVML_SUCCESS ||
                cur != NVML_DEVICE_MIG_ENABLE || a->max_mig_count(g->handle, &max) != NVML_SUCCESS)
                continue;
            for (unsigned k = 0; k < max; k++) {
                nvmlDevice_t mig;
                char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
                if (a->mig_by_index(g->handle, k, &mig) != NVML_SUCCESS ||
                    a->uuid(mig, uuid, sizeof(uuid)) != NVML_SUCCESS)
                    continue;
                if (strncasecmp(uuid, entry, len) == 0) {
                    matches++;
                    found = g;
                }
            }
        }
        if (matches == 1)
            return found;
        if (matches > 1)
            return NULL;
    }
    if (a->handle_by_uuid && a->mig_parent) {
        nvmlDevice_t mig, parent;
        if (a->handle_by_uuid(entry, &mig) == NVML_SUCCESS &&
            a->mig_parent(mig, &parent) == NVML_SUCCESS)
            return gpu_by_handle(s, parent);
    }
    return NULL;
}

/*
 * CUDA_VISIBLE_DEVICES: comma-separated integers, GPU-<uuid> (unique prefix allowed),
 * MIG-<uuid> or the legacy MIG-GPU-<uuid>/<gi>/<ci>. GPUs are matched by UUID, because NVML's
 * order need not be CUDA's.
 *
 * Integers: CUDA's default order is FASTEST_FIRST, and only with CUDA_DEVICE_ORDER=PCI_BUS_ID is
 * it PCI bus order, which is NVML's. We cannot know CUDA's fastest-first ranking, so integers are
 * taken as NVML (PCI) indices, as upstream carbontracker does; on machines with one GPU model
 * both orders agree. An index or UUID that matches no GPU is skipped with a note. An entry that
 * is none of these forms ends the list, as in CUDA (which hides it and every entry after it).
 */
static void select_by_cvd(struct nvml_state *s, const char *cvd)
{
    char buf[1024];
    ct__strlcpy(buf, cvd, sizeof(buf));
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok))
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && isspace((unsigned char)end[-1]))
            *--end = '\0';
        size_t digits = strspn(tok, "0123456789");
        int ambiguous = 0;
        if (digits > 0 && tok[digits] == '\0') {
            unsigned long idx = strtoul(tok, NULL, 10);
            if (digits > 6 || idx >= (unsigned long)s->n_all) {
                add_note(s,
                         "CUDA_VISIBLE_DEVICES entry '%s' skipped: no GPU with that index (NVML "
                         "counts %d)",
                         tok, s->n_all);
            } else if (!s->all[idx].accessible) {
                add_note(s, "CUDA_VISIBLE_DEVICES entry '%s' skipped: GPU %lu is not accessible",
                         tok, idx);
            } else {
                select_gpu(&s->all[idx], NULL);
            }
        } else if (strncasecmp(tok, "GPU-", 4) == 0 && tok[4] != '\0') {
            struct gpu *g = gpu_by_uuid_prefix(s, tok, &ambiguous);
            if (g)
                select_gpu(g, NULL);
            else
                add_note(s, "CUDA_VISIBLE_DEVICES entry '%.60s' skipped: %s", tok,
                         ambiguous ? "the UUID prefix matches several GPUs"
                                   : "no GPU has that UUID");
        } else if (strncasecmp(tok, "MIG-GPU-", 8) == 0) {
            /* Legacy MIG-GPU-<gpu uuid>/<gi>/<ci>: the parent's UUID is in the name. */
            char parent[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
            ct__strlcpy(parent, tok + 4, sizeof(parent));
            parent[strcspn(parent, "/")] = '\0';
            struct gpu *g = gpu_by_uuid_prefix(s, parent, &ambiguous);
            if (g)
                select_gpu(g, tok);
            else
                add_note(s, "CUDA_VISIBLE_DEVICES entry '%.60s' skipped: no GPU has that UUID",
                         tok);
        } else if (strncasecmp(tok, "MIG-", 4) == 0 && tok[4] != '\0') {
            struct gpu *g = mig_parent_of(s, tok);
            if (g)
                select_gpu(g, tok);
            else
                add_note(s,
                         "CUDA_VISIBLE_DEVICES entry '%.60s' skipped: no MIG instance has that "
                         "UUID",
                         tok);
        } else {
            add_note(s,
                     "CUDA_VISIBLE_DEVICES entry '%.40s' is not an index, GPU-<uuid> or "
                     "MIG-<uuid>: it and the entries after it are ignored, as CUDA does",
                     tok);
            break;
        }
    }
}

/* ---- process lists --------------------------------------------------------------------------*/

struct pid_list {
    unsigned *v;
    size_t n, cap;
};

static int pid_list_add(struct pid_list *l, unsigned pid)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        unsigned *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return CT_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = pid;
    return CT_OK;
}

/*
 * Append the pids of one process list (compute or graphics) of a device. The size is asked
 * first (count 0); on NVML_ERROR_INSUFFICIENT_SIZE the buffer grows to the count NVML needs,
 * with room for processes starting meanwhile, and the call is retried.
 * Returns CT_OK (also when the list is not supported), CT_ENOMEM or CT_EIO.
 */
static int running_pids(nvml_procs_fn fn, size_t stride, nvmlDevice_t h, struct pid_list *out)
{
    unsigned char *buf = NULL;
    unsigned count = 0;
    int rc = CT_OK;
    if (!fn)
        return CT_OK;
    nvmlReturn_t r = fn(h, &count, NULL);
    for (int tries = 0; r == NVML_ERROR_INSUFFICIENT_SIZE && tries < 8; tries++) {
        unsigned cap = count + 8;
        free(buf);
        buf = calloc(cap, stride);
        if (!buf)
            return CT_ENOMEM;
        count = cap;
        r = fn(h, &count, buf);
        if (r == NVML_SUCCESS && count > cap)
            count = cap;
    }
    if (r == NVML_SUCCESS) {
        for (unsigned i = 0; i < count && buf; i++) {
            unsigned pid;
            memcpy(&pid, buf + (size_t)i * stride, sizeof(pid)); /* pid is the first member */
            if (pid_list_add(out, pid) != CT_OK) {
                rc = CT_ENOMEM;
                break;
            }
        }
    } else if (r != NVML_ERROR_NOT_SUPPORTED) {
        rc = CT_EIO;
    }
    free(buf);
    return rc;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* ---- reading --------------------------------------------------------------------------------*/

/* Take a device's first reading: its energy counts from now. 0 or the NVML code. */
static nvmlReturn_t activate(struct nvml_state *s, struct gpu *g, uint64_t now_ns)
{
    nvmlReturn_t r;
    if (g->method == METHOD_COUNTER) {
        r = s->api.energy(g->handle, &g->last_mj);
    } else {
        r = s->api.power(g->handle, &g->last_mw);
        g->last_ns = now_ns;
    }
    if (r == NVML_SUCCESS)
        g->active = 1;
    return r;
}

/* devices_by_pid: activate every candidate running a process of the tracked tree. */
static void match_processes(struct nvml_state *s, uint64_t now_ns)
{
    int *tree = NULL;
    int n_tree = 0;
    int root = s->opts && s->opts->tracked_pid > 0 ? s->opts->tracked_pid : (int)getpid();
    if (s->proc_fd >= 0)
        n_tree = ct__proctree(s->proc_fd, root, &tree, NULL);
    if (n_tree <= 0) {
        free(tree);
        tree = malloc(sizeof(*tree));
        if (!tree)
            return;
        tree[0] = root;
        n_tree = 1;
    }
    qsort(tree, (size_t)n_tree, sizeof(*tree), cmp_int);
    for (int i = 0; i < s->n_sel; i++) {
        struct gpu *g = &s->all[s->sel[i]];
        if (g->active || g->lost)
            continue;
        struct pid_list l = {0};
        running_pids(s->api.compute_procs, s->api.compute_stride, g->handle, &l);
        running_pids(s->api.graphics_procs, s->api.graphics_stride, g->handle, &l);
        for (size_t k = 0; k < l.n; k++) {
            int pid = (int)l.v[k];
            if (l.v[k] <= 0x7fffffffu &&
                bsearch(&pid, tree, (size_t)n_tree, sizeof(*tree), cmp_int)) {
                nvmlReturn_t r = activate(s, g, now_ns);
                if (r != NVML_SUCCESS) {
                    g->lost = 1;
                    g->last_error = r;
                }
                break;
            }
        }
        free(l.v);
    }
    free(tree);
}

static int nvml_read(void *vs, uint64_t now_ns, struct ct__reading *out)
{
    struct nvml_state *s = vs;
    int attempted = 0, answered = 0;
    if (s->by_pid && now_ns >= s->next_pid_check_ns) {
        match_processes(s, now_ns);
        s->next_pid_check_ns = now_ns + PID_RECHECK_NS;
    }
    for (int i = 0; i < s->n_sel; i++) {
        struct gpu *g = &s->all[s->sel[i]];
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
                if (r == NVML_SUCCESS) {
                    if (now_ns > g->last_ns) {
                        /* mW x ns = 1e-12 J = 1e-6 uJ */
                        double dt_ns = (double)(now_ns - g->last_ns);
                        g->total_uj_f += ((double)g->last_mw + (double)mw) / 2.0 * dt_ns / 1e6;
                        g->last_ns = now_ns;
                    }
                    g->last_mw = mw;
                }
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
            g->method == METHOD_COUNTER ? g->total_uj : (uint64_t)(g->total_uj_f + 0.5);
        out[i].lost = g->lost;
    }
    return attempted > 0 && answered == 0 ? CT_EIO : CT_OK;
}

static uint64_t nvml_max_interval_ns(void *vs)
{
    struct nvml_state *s = vs;
    for (int i = 0; i < s->n_sel; i++)
        if (s->all[s->sel[i]].method == METHOD_POWER)
            return POWER_POLL_NS;
    /* The 64-bit mJ counter does not wrap in practice: no bound, except re-checking who runs
     * on the GPUs when selecting by process. */
    return s->by_pid ? PID_RECHECK_NS : 0;
}

/* ---- probing --------------------------------------------------------------------------------*/

static void nvml_close(void *vs)
{
    struct nvml_state *s = vs;
    if (!s)
        return;
    if (s->inited)
        s->api.shutdown();
    if (s->api.dl)
        dlclose(s->api.dl);
    if (s->proc_fd >= 0)
        close(s->proc_fd);
    free(s->all);
    free(s->sel);
    free(s);
}

/* Handles, names and UUIDs of every GPU. */
static int enumerate(struct nvml_state *s, char *why, size_t why_len)
{
    const struct nvml_api *a = &s->api;
    unsigned n = 0;
    nvmlReturn_t r = a->count(&n);
    if (r != NVML_SUCCESS) {
        ct__fmt(why, why_len, "NVML cannot count the GPUs: %s (NVML code %d)", errstr(a, r), r);
        return CT_EIO;
    }
    if (n == 0) {
        ct__fmt(why, why_len, "NVML (driver %s) finds no GPU", s->driver);
        return CT_ENOTSUP;
    }
    if (n > MAX_GPUS)
        n = MAX_GPUS;
    s->all = calloc(n, sizeof(*s->all));
    s->sel = calloc(n, sizeof(*s->sel));
    if (!s->all || !s->sel)
        return CT_ENOMEM;
    s->n_all = (int)n;
    for (unsigned i = 0; i < n; i++) {
        struct gpu *g = &s->all[i];
        g->index = i;
        r = a->handle_by_index(i, &g->handle);
        if (r != NVML_SUCCESS) {
            /* NO_PERMISSION: a GPU outside this job's cgroup. */
            add_note(s, "GPU %u not accessible: %s", i, errstr(a, r));
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

/* Energy counter if it answers, else power samples, else unusable (method NONE). The reading
 * taken here is the device's first unless devices_by_pid waits for a process. */
static void choose_method(struct nvml_state *s, struct gpu *g, uint64_t now_ns)
{
    const struct nvml_api *a = &s->api;
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
        rp = a->power(g->handle, &g->last_mw);
        g->last_ns = now_ns;
        if (rp == NVML_SUCCESS) {
            g->method = METHOD_POWER;
            ct__fmt(g->method_why, sizeof(g->method_why),
                    "power samples (nvmlDeviceGetPowerUsage) integrated at 10 Hz: %s",
                    !a->energy ? "the library has no nvmlDeviceGetTotalEnergyConsumption"
                    : re == NVML_ERROR_NOT_SUPPORTED
                        ? "no energy counter on this GPU (older than Volta)"
                        : "its energy counter fails");
            return;
        }
    }
    g->method = METHOD_NONE;
    add_note(s, "GPU %u (%s) skipped: neither energy (%s) nor power (%s) can be read", g->index,
             g->name, a->energy ? errstr(a, re) : "no function",
             a->power ? errstr(a, rp) : "no function");
}

static int nvml_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    const ct_options *o = ctx->opts;
    struct nvml_state *s = NULL;
    int rc;

    *state = NULL;
    s = calloc(1, sizeof(*s));
    if (!s)
        return CT_ENOMEM;
    s->proc_fd = -1;
    s->opts = o;
    s->by_pid = o && o->devices_by_pid;
    ct__strlcpy(s->lib, o && o->nvml_library ? o->nvml_library : NVML_DEFAULT_LIBRARY,
                sizeof(s->lib));
    const char *cvd = o ? o->cuda_visible_devices : NULL;
    if (!s->by_pid && cvd && strspn(cvd, " \t") == strlen(cvd)) {
        ct__strlcpy(why, "CUDA_VISIBLE_DEVICES is empty: no GPU selected", why_len);
        rc = CT_ENOTSUP;
        goto fail;
    }

    dlerror();
    s->api.dl = dlopen(s->lib, RTLD_NOW | RTLD_LOCAL);
    if (!s->api.dl) {
        const char *e = dlerror();
        if (o && o->nvml_library)
            ct__fmt(why, why_len, "cannot load the NVML library %s: %s", s->lib, e ? e : "");
        else
            ct__fmt(why, why_len, "%s not found (no NVIDIA driver)", s->lib);
        rc = CT_ENOTSUP;
        goto fail;
    }
    rc = load_symbols(&s->api, s->lib, why, why_len);
    if (rc != CT_OK)
        goto fail;
    nvmlReturn_t r = s->api.init();
    if (r != NVML_SUCCESS) {
        rc = init_failure(&s->api, r, why, why_len);
        goto fail;
    }
    s->inited = 1;
    if (!s->api.driver_version ||
        s->api.driver_version(s->driver, sizeof(s->driver)) != NVML_SUCCESS)
        ct__strlcpy(s->driver, "unknown", sizeof(s->driver));
    rc = enumerate(s, why, why_len);
    if (rc != CT_OK)
        goto fail;

    if (s->by_pid) {
        /* Every GPU is a candidate; the processes decide (CUDA_VISIBLE_DEVICES is not used). */
        for (int i = 0; i < s->n_all; i++)
            if (s->all[i].accessible)
                select_gpu(&s->all[i], NULL);
    } else if (!cvd) {
        for (int i = 0; i < s->n_all; i++)
            if (s->all[i].accessible)
                select_gpu(&s->all[i], NULL);
    } else {
        select_by_cvd(s, cvd);
    }

    /* The described devices, in NVML (PCI) order whatever the order of CUDA_VISIBLE_DEVICES:
     * stable across runs for the logs. */
    uint64_t now_ns = ct__now_ns();
    int n_chosen = 0;
    for (int i = 0; i < s->n_all; i++) {
        struct gpu *g = &s->all[i];
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
            add_note(s, "devices_by_pid: this NVML lists no processes, so no GPU is counted");
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
    struct nvml_state *s = vs;
    for (int i = 0; i < s->n_sel && i < max; i++) {
        const struct gpu *g = &s->all[s->sel[i]];
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
    struct nvml_state *s = vs;
    size_t off = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    ct__append(buf, len, &off, "driver %s, %d GPU%s; measured:", s->driver, s->n_all,
               s->n_all == 1 ? "" : "s");
    for (int i = 0; i < s->n_sel; i++) {
        const struct gpu *g = &s->all[s->sel[i]];
        ct__append(buf, len, &off, "%s %u (%s%s%s%s)", i ? "," : "", g->index,
                   g->method == METHOD_COUNTER ? "energy counter" : "power at 10 Hz",
                   g->resets ? ", counter reset" : "", g->lost ? ", lost: " : "",
                   g->lost ? errstr(&s->api, g->last_error) : "");
    }
    if (s->by_pid)
        ct__append(buf, len, &off, "; selected by the processes of the tracked tree");
    if (s->notes[0])
        ct__append(buf, len, &off, "; %s", s->notes);
    ct__append(buf, len, &off, "; %s, %s, %s", s->api.init_sym, s->api.count_sym,
               s->api.procs_sym ? s->api.procs_sym : "no process lists");
}

const struct ct__meter_ops ct__meter_nvml = {
    .name = "nvml",
    .component = CT__COMP_GPU,
    .domain = "gpu-nvidia",
    .probe = nvml_probe,
    .describe = nvml_describe,
    .read = nvml_read,
    .max_interval_ns = nvml_max_interval_ns,
    .detail = nvml_detail,
    .close = nvml_close,
};
