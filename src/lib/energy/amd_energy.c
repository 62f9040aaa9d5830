/*
 * amd_energy.c - AMD Zen package energy from the amd_energy hwmon driver (Linux 5.8 to 5.12, and
 * the out-of-tree module since): one energyN_input (uJ, accumulated by the driver into 64 bits)
 * per socket, labelled "Esocket<N>"; the per-core "Ecore<NNN>" counters are inside the socket's
 * and are not added.
 */
#include "../util/sysfs.h"
#include "counter.h"
#include "hwmon_scan.h"
#include "meter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CHIPS 8
#define MAX_DEVS 32
#define MAX_CHANNELS 1024 /* energy1..N: one per core plus the sockets */

struct amd_dev {
    char label[32]; /* "cpu:<socket>" */
    char file[96];  /* class/hwmon/hwmonN/energyM_input */
    int fd;
    uint64_t prev_uj;
    uint64_t total_uj;
};

struct amd_state {
    struct amd_dev devs[MAX_DEVS];
    int n;
    unsigned long resets;
};

static void root_name(const struct ct__probe_ctx *ctx, char *root, size_t len)
{
    ct__strlcpy(root, ctx->opts && ctx->opts->sysfs_root ? ctx->opts->sysfs_root : "/sys", len);
    for (size_t n = strlen(root); n > 1 && root[n - 1] == '/'; n--)
        root[n - 1] = '\0';
}

static void amd_close(void *vs)
{
    struct amd_state *s = vs;
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        if (s->devs[i].fd >= 0)
            close(s->devs[i].fd);
    free(s);
}

static int fail_file(const char *root, const char *rel, int err, char *why, size_t why_len)
{
    if (err == EACCES || err == EPERM) {
        ct__fmt(why, why_len,
                "cannot read %s/%s: permission denied (the driver made its counters root-only, "
                "CVE-2020-8694). Fix: a udev rule in /etc/udev/rules.d/99-amd-energy.rules: "
                "ACTION==\"add\", SUBSYSTEM==\"hwmon\", ATTR{name}==\"amd_energy\", "
                "RUN+=\"/bin/sh -c 'chmod og+r /sys%%p/energy*_input'\" then udevadm control "
                "--reload && udevadm trigger --subsystem-match=hwmon",
                root, rel);
        return CT_EPERM;
    }
    ct__fmt(why, why_len, "cannot read %s/%s: %s", root, rel,
            err == EINVAL ? "not a number of microjoules" : strerror(err));
    return CT_EIO;
}

/* "Esocket<N>" -> N, else -1. */
static int socket_of(const char *label)
{
    if (strncmp(label, "Esocket", 7) != 0 || label[7] < '0' || label[7] > '9')
        return -1;
    char *end;
    long v = strtol(label + 7, &end, 10);
    return (*end == '\0' && v < 65536) ? (int)v : -1;
}

static int amd_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    struct ct__hwmon_chip chips[MAX_CHIPS];
    char root[512];
    struct amd_state *s = NULL;
    int rc;
    *state = NULL;
    root_name(ctx, root, sizeof(root));

    int n_chips = ct__hwmon_find(ctx->sysfs_fd, "amd_energy", chips, MAX_CHIPS);
    if (n_chips == -ENOENT || n_chips == 0) {
        ct__fmt(why, why_len,
                "no amd_energy chip in %s/" CT__HWMON_DIR
                " (an AMD Zen CPU with the out-of-tree amd_energy module: sudo modprobe "
                "amd_energy)",
                root);
        return CT_ENOTSUP;
    }
    if (n_chips < 0)
        return fail_file(root, CT__HWMON_DIR, -n_chips, why, why_len);
    if (n_chips > MAX_CHIPS)
        n_chips = MAX_CHIPS;
    s = calloc(1, sizeof(*s));
    if (!s)
        return CT_ENOMEM;
    for (int c = 0; c < n_chips; c++) {
        for (int ch = 1; ch <= MAX_CHANNELS; ch++) {
            char rel[128], label[64];
            ct__fmt(rel, sizeof(rel), "%s/energy%d_label", chips[c].path, ch);
            int r = ct__sysfs_read_str(ctx->sysfs_fd, rel, label, sizeof(label));
            if (r == -ENOENT)
                break; /* channels are numbered without gaps */
            if (r < 0) {
                rc = fail_file(root, rel, -r, why, why_len);
                goto fail;
            }
            int sock = socket_of(label);
            if (sock < 0)
                continue;
            if (s->n >= MAX_DEVS)
                break;
            struct amd_dev *d = &s->devs[s->n];
            ct__fmt(d->label, sizeof(d->label), "cpu:%d", sock);
            ct__fmt(d->file, sizeof(d->file), "%s/energy%d_input", chips[c].path, ch);
            d->fd = ct__sysfs_open(ctx->sysfs_fd, d->file);
            if (d->fd < 0) {
                rc = fail_file(root, d->file, -d->fd, why, why_len);
                d->fd = -1;
                goto fail;
            }
            s->n++;
            r = ct__sysfs_pread_u64(d->fd, &d->prev_uj);
            if (r < 0) {
                rc = fail_file(root, d->file, -r, why, why_len);
                goto fail;
            }
        }
    }
    if (s->n == 0) {
        ct__fmt(why, why_len, "%s/%s has no Esocket energy counter", root, chips[0].path);
        rc = CT_ENOTSUP;
        goto fail;
    }
    *state = s;
    return CT_OK;

fail:
    amd_close(s);
    return rc;
}

static int amd_describe(void *vs, struct ct__meter_dev *devs, int max)
{
    struct amd_state *s = vs;
    for (int i = 0; i < s->n && i < max; i++) {
        ct__strlcpy(devs[i].name, s->devs[i].label, sizeof(devs[i].name));
        devs[i].provenance = CT_PROVENANCE_MEASURED;
        ct__fmt(devs[i].info, sizeof(devs[i].info), "%s (uJ)", s->devs[i].file);
    }
    return s->n;
}

static int amd_read(void *vs, uint64_t now_ns, struct ct__reading *out)
{
    struct amd_state *s = vs;
    int rc = CT_OK;
    (void)now_ns;
    for (int i = 0; i < s->n; i++) {
        struct amd_dev *d = &s->devs[i];
        uint64_t cur;
        if (ct__sysfs_pread_u64(d->fd, &cur) < 0) {
            out[i].energy_uj = d->total_uj;
            out[i].lost = 1;
            rc = CT_EIO;
            continue;
        }
        int reset;
        d->total_uj += ct__counter_step(d->prev_uj, cur, 0, 0.0, 0, &reset);
        s->resets += (unsigned long)reset;
        d->prev_uj = cur;
        out[i].energy_uj = d->total_uj;
        out[i].lost = 0;
    }
    return rc;
}

static void amd_detail(void *vs, char *buf, size_t len)
{
    struct amd_state *s = vs;
    ct__fmt(buf, len, "%d socket counter%s of the amd_energy hwmon driver; %lu reset%s", s->n,
            s->n == 1 ? "" : "s", s->resets, s->resets == 1 ? "" : "s");
}

const struct ct__meter_ops ct__meter_amd_energy = {
    .name = "amd-energy",
    .component = CT__COMP_CPU,
    .domain = "cpu-package",
    .probe = amd_probe,
    .describe = amd_describe,
    .read = amd_read,
    .detail = amd_detail,
    .close = amd_close,
};
