/*
 * acpi_power_meter.c - whole-node power from the ACPI power meter (ACPI000D, the kernel's
 * acpi_power_meter hwmon driver, name "power_meter") that many servers expose: power1_average in
 * microwatts, averaged by the firmware over power1_average_interval. Power only, so it is
 * integrated over time: each reading, an average, covers the interval since the previous one. A
 * `node` meter: shown beside the components, never added to them (it contains them).
 */
#include "../util/sysfs.h"
#include "hwmon_scan.h"
#include "meter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CHIPS 4
/* The driver's "no reading" value (0xFFFFFFFF x 1000, lm-sensors#460). */
#define POWER_ERROR_UW 4294967295000ULL
/* More than any server draws: a reading above it is garbage, not power. */
#define MAX_NODE_UW 100000000000ULL /* 100 kW */
#define NS_PER_S 1000000000ULL

struct pm_dev {
    char label[32];
    char file[96]; /* class/hwmon/hwmonN[/device]/power1_average */
    int fd;
    uint64_t prev_uw;
    uint64_t prev_ns;
    uint64_t interval_ms; /* power1_average_interval, 0 = unknown */
    double energy_uj;
    unsigned long bad; /* readings skipped: the error value or garbage */
};

struct pm_state {
    struct pm_dev devs[MAX_CHIPS];
    int n;
};

static void pm_close(void *vs)
{
    struct pm_state *s = vs;
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        if (s->devs[i].fd >= 0)
            close(s->devs[i].fd);
    free(s);
}

/* A reading that is power: not the driver's error value, not absurd. */
static int plausible(uint64_t uw)
{
    return uw != POWER_ERROR_UW && uw <= MAX_NODE_UW;
}

static int pm_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    struct ct__hwmon_chip chips[MAX_CHIPS];
    const char *root = ctx->opts && ctx->opts->sysfs_root ? ctx->opts->sysfs_root : "/sys";
    *state = NULL;
    int n = ct__hwmon_find(ctx->sysfs_fd, "power_meter", chips, MAX_CHIPS);
    if (n <= 0) {
        ct__fmt(why, why_len,
                "no power_meter chip in %s/" CT__HWMON_DIR
                " (servers whose firmware has an ACPI power meter, ACPI000D: sudo modprobe "
                "acpi_power_meter)",
                root);
        return CT_ENOTSUP;
    }
    if (n > MAX_CHIPS)
        n = MAX_CHIPS;
    struct pm_state *s = calloc(1, sizeof(*s));
    if (!s)
        return CT_ENOMEM;
    int rc = CT_OK;
    for (int c = 0; c < n; c++) {
        struct pm_dev *d = &s->devs[s->n];
        /* The attributes sit in hwmonN/ or, on older kernels, in hwmonN/device/. */
        const char *sub[] = {"", "/device"};
        int fd = -ENOENT;
        for (int k = 0; k < 2 && fd == -ENOENT; k++) {
            ct__fmt(d->file, sizeof(d->file), "%s%s/power1_average", chips[c].path, sub[k]);
            fd = ct__sysfs_open(ctx->sysfs_fd, d->file);
        }
        if (fd < 0) {
            ct__fmt(why, why_len, "cannot read %s/%s: %s", root, d->file, strerror(-fd));
            rc = fd == -ENOENT ? CT_ENOTSUP : (fd == -EACCES ? CT_EPERM : CT_EIO);
            goto fail;
        }
        d->fd = fd;
        s->n++;
        int r = ct__sysfs_pread_u64(fd, &d->prev_uw);
        if (r < 0 || !plausible(d->prev_uw)) {
            ct__fmt(why, why_len, "%s/%s: %s", root, d->file,
                    r < 0 ? (r == -EINVAL ? "not a number of microwatts" : strerror(-r))
                          : "no reading (the firmware reports an error)");
            rc = CT_EIO;
            goto fail;
        }
        char rel[128];
        ct__fmt(rel, sizeof(rel), "%.*s/power1_average_interval",
                (int)(strrchr(d->file, '/') - d->file), d->file);
        if (ct__sysfs_read_u64(ctx->sysfs_fd, rel, &d->interval_ms) < 0)
            d->interval_ms = 0;
        d->prev_ns = ct__now_ns();
        if (n == 1)
            ct__strlcpy(d->label, "node", sizeof(d->label));
        else
            ct__fmt(d->label, sizeof(d->label), "node:%d", c);
    }
    *state = s;
    return CT_OK;

fail:
    pm_close(s);
    return rc;
}

static int pm_describe(void *vs, struct ct__meter_dev *devs, int max)
{
    struct pm_state *s = vs;
    for (int i = 0; i < s->n && i < max; i++) {
        ct__strlcpy(devs[i].name, s->devs[i].label, sizeof(devs[i].name));
        devs[i].provenance = CT_PROVENANCE_INTEGRATED;
        ct__fmt(devs[i].info, sizeof(devs[i].info), "ACPI power meter %s (uW)", s->devs[i].file);
    }
    return s->n;
}

static int pm_read(void *vs, uint64_t now_ns, struct ct__reading *out)
{
    struct pm_state *s = vs;
    int rc = CT_OK;
    for (int i = 0; i < s->n; i++) {
        struct pm_dev *d = &s->devs[i];
        uint64_t uw;
        int r = ct__sysfs_pread_u64(d->fd, &uw);
        if (r == 0 && !plausible(uw)) {
            d->bad++; /* a skipped reading: the next good one covers the interval */
            out[i].energy_uj = (uint64_t)(d->energy_uj + 0.5);
            out[i].lost = 0;
            continue;
        }
        if (r < 0) {
            out[i].energy_uj = (uint64_t)(d->energy_uj + 0.5);
            out[i].lost = 1;
            rc = CT_EIO;
            continue;
        }
        if (now_ns > d->prev_ns) {
            /* power1_average is the average over the interval that just ended: it covers the time
             * since the previous good reading (uW x ns = 1e-9 uJ) */
            d->energy_uj += (double)uw * (double)(now_ns - d->prev_ns) / 1e9;
            d->prev_ns = now_ns;
        }
        d->prev_uw = uw;
        out[i].energy_uj = (uint64_t)(d->energy_uj + 0.5);
        out[i].lost = 0;
    }
    return rc;
}

/* Read at least once per averaging interval (the firmware's window), at most every second. */
static uint64_t pm_max_interval_ns(void *vs)
{
    struct pm_state *s = vs;
    uint64_t best = NS_PER_S;
    for (int i = 0; i < s->n; i++)
        if (s->devs[i].interval_ms > 0 && s->devs[i].interval_ms * 1000000ULL < best)
            best = s->devs[i].interval_ms * 1000000ULL;
    return best < 100000000ULL ? 100000000ULL : best;
}

static void pm_detail(void *vs, char *buf, size_t len)
{
    struct pm_state *s = vs;
    unsigned long bad = 0;
    for (int i = 0; i < s->n; i++)
        bad += s->devs[i].bad;
    ct__fmt(buf, len,
            "%d ACPI power meter%s, whole node, integrated; shown beside the components, not "
            "added to them; %lu reading%s skipped",
            s->n, s->n == 1 ? "" : "s", bad, bad == 1 ? "" : "s");
}

const struct ct__meter_ops ct__meter_acpi_power_meter = {
    .name = "acpi-power-meter",
    .component = CT__COMP_NODE,
    .domain = "node",
    .probe = pm_probe,
    .describe = pm_describe,
    .read = pm_read,
    .max_interval_ns = pm_max_interval_ns,
    .detail = pm_detail,
    .close = pm_close,
};
