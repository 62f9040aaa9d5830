/*
 * nvml_select.c - which GPUs the NVML meter measures: those CUDA_VISIBLE_DEVICES names (indices,
 * GPU-<uuid> and MIG-<uuid> entries, matched by UUID), or, with devices_by_pid, those running a
 * process of the tracked process tree (proctree.c) according to NVML's process lists.
 */
#include "nvml.h"

#include "proctree.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- CUDA_VISIBLE_DEVICES -------------------------------------------------------------------*/

static void mark_selected(struct ct__nvml_gpu *g, const char *via)
{
    if (g->selected)
        return;
    g->selected = 1;
    ct__strlcpy(g->via, via ? via : "", sizeof(g->via));
}

/* The accessible GPU whose UUID starts with `prefix` (case-insensitive); NULL when none, and
 * *ambiguous when several do (CUDA requires a unique prefix). */
static struct ct__nvml_gpu *gpu_by_uuid_prefix(struct ct__nvml_state *s, const char *prefix,
                                               int *ambiguous)
{
    struct ct__nvml_gpu *found = NULL;
    size_t len = strlen(prefix);
    *ambiguous = 0;
    for (int i = 0; i < s->n_all; i++) {
        struct ct__nvml_gpu *g = &s->all[i];
        if (!g->accessible || !g->uuid[0] || strncasecmp(g->uuid, prefix, len) != 0)
            continue;
        if (found)
            *ambiguous = 1;
        found = found ? found : g;
    }
    return *ambiguous ? NULL : found;
}

static struct ct__nvml_gpu *gpu_by_handle(struct ct__nvml_state *s, nvmlDevice_t h)
{
    for (int i = 0; i < s->n_all; i++)
        if (s->all[i].accessible && s->all[i].handle == h)
            return &s->all[i];
    return NULL;
}

/* The parent GPU of the MIG instance named `entry` ("MIG-<uuid>", a unique prefix allowed):
 * first among each MIG-enabled GPU's instances, else through nvmlDeviceGetHandleByUUID. */
static struct ct__nvml_gpu *mig_parent_of(struct ct__nvml_state *s, const char *entry)
{
    const struct ct__nvml_api *a = &s->api;
    size_t len = strlen(entry);
    struct ct__nvml_gpu *found = NULL;
    int matches = 0;
    if (a->mig_mode && a->max_mig_count && a->mig_by_index && a->uuid) {
        for (int i = 0; i < s->n_all; i++) {
            struct ct__nvml_gpu *g = &s->all[i];
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
static void select_by_cvd(struct ct__nvml_state *s, const char *cvd)
{
    char buf[1024];
    ct__strlcpy(buf, cvd, sizeof(buf));
    char *save = NULL;
    for (char *tok = ct__list_next(buf, &save); tok; tok = ct__list_next(NULL, &save)) {
        size_t digits = strspn(tok, "0123456789");
        int ambiguous = 0;
        if (digits > 0 && tok[digits] == '\0') {
            unsigned long idx = strtoul(tok, NULL, 10);
            if (digits > 6 || idx >= (unsigned long)s->n_all) {
                ct__nvml_note(s,
                              "CUDA_VISIBLE_DEVICES entry '%s' skipped: no GPU with that index "
                              "(NVML counts %d)",
                              tok, s->n_all);
            } else if (!s->all[idx].accessible) {
                ct__nvml_note(s,
                              "CUDA_VISIBLE_DEVICES entry '%s' skipped: GPU %lu is not accessible",
                              tok, idx);
            } else {
                mark_selected(&s->all[idx], NULL);
            }
        } else if (strncasecmp(tok, "GPU-", 4) == 0 && tok[4] != '\0') {
            struct ct__nvml_gpu *g = gpu_by_uuid_prefix(s, tok, &ambiguous);
            if (g)
                mark_selected(g, NULL);
            else
                ct__nvml_note(s, "CUDA_VISIBLE_DEVICES entry '%.60s' skipped: %s", tok,
                              ambiguous ? "the UUID prefix matches several GPUs"
                                        : "no GPU has that UUID");
        } else if (strncasecmp(tok, "MIG-GPU-", 8) == 0) {
            /* Legacy MIG-GPU-<gpu uuid>/<gi>/<ci>: the parent's UUID is in the name. */
            char parent[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
            ct__strlcpy(parent, tok + 4, sizeof(parent));
            parent[strcspn(parent, "/")] = '\0';
            struct ct__nvml_gpu *g = gpu_by_uuid_prefix(s, parent, &ambiguous);
            if (g)
                mark_selected(g, tok);
            else
                ct__nvml_note(s, "CUDA_VISIBLE_DEVICES entry '%.60s' skipped: no GPU has that UUID",
                              tok);
        } else if (strncasecmp(tok, "MIG-", 4) == 0 && tok[4] != '\0') {
            struct ct__nvml_gpu *g = mig_parent_of(s, tok);
            if (g)
                mark_selected(g, tok);
            else
                ct__nvml_note(s,
                              "CUDA_VISIBLE_DEVICES entry '%.60s' skipped: no MIG instance has "
                              "that UUID",
                              tok);
        } else {
            ct__nvml_note(s,
                          "CUDA_VISIBLE_DEVICES entry '%.40s' is not an index, GPU-<uuid> or "
                          "MIG-<uuid>: it and the entries after it are ignored, as CUDA does",
                          tok);
            break;
        }
    }
}

void ct__nvml_select(struct ct__nvml_state *s, const char *cvd)
{
    if (cvd) {
        select_by_cvd(s, cvd);
        return;
    }
    for (int i = 0; i < s->n_all; i++)
        if (s->all[i].accessible)
            mark_selected(&s->all[i], NULL);
}

/* ---- devices_by_pid: process lists ----------------------------------------------------------*/

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

int ct__nvml_tracked_tree(const ct_options *opts, int proc_fd, int **tree)
{
    return ct__proctree_sorted(proc_fd, opts ? opts->tracked_pid : 0, tree);
}

int ct__nvml_runs_tracked(const struct ct__nvml_api *a, nvmlDevice_t h, const int *tree, int n_tree)
{
    struct pid_list l = {0};
    int found = 0;
    running_pids(a->compute_procs, a->compute_stride, h, &l);
    running_pids(a->graphics_procs, a->graphics_stride, h, &l);
    for (size_t k = 0; k < l.n && !found; k++) {
        int pid = (int)l.v[k];
        found = l.v[k] <= 0x7fffffffu &&
                bsearch(&pid, tree, (size_t)n_tree, sizeof(*tree), cmp_int) != NULL;
    }
    free(l.v);
    return found;
}
