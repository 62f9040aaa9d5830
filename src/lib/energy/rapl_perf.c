/*
 * rapl_perf.c - CPU package and DRAM energy through perf_event_open(2) on the kernel's `power`
 * PMU (events energy-pkg and energy-ram), for machines where powercap's energy_uj is root-only
 * but perf is allowed (kernel.perf_event_paranoid <= 0, or CAP_PERFMON). The PMU's type, cpumask
 * (one CPU per package) and each event's code, scale and unit come from
 * bus/event_source/devices/power/ in sysfs; the kernel accumulates the 32-bit hardware counter
 * into 64 bits, so nothing wraps. Counters are opened through a seam (rapl_perf.h).
 */
#include "rapl_perf.h"

#include "../util/sysfs.h"
#include "counter.h"
#include "cpu_topology.h"
#include "meter.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PMU_DIR "bus/event_source/devices/power"

/* The most counters (packages x {pkg, ram}) one meter keeps. */
#define MAX_DEVS 64

/* ---- the kernel source ---------------------------------------------------------------------*/

static int kernel_open(void *ctx, uint32_t type, uint64_t config, int cpu)
{
    (void)ctx;
    struct perf_event_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.type = type;
    a.config = config;
    long fd = syscall(SYS_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : (int)fd;
}

static int kernel_read(void *ctx, int handle, uint64_t *count)
{
    (void)ctx;
    ssize_t n = read(handle, count, sizeof(*count));
    if (n < 0)
        return -errno;
    return n == (ssize_t)sizeof(*count) ? 0 : -EIO;
}

static void kernel_close(void *ctx, int handle)
{
    (void)ctx;
    close(handle);
}

static const struct ct__perf_source kernel_source = {kernel_open, kernel_read, kernel_close, NULL};
static const struct ct__perf_source *source = &kernel_source;

void ct__rapl_perf_set_source(const struct ct__perf_source *src)
{
    source = src ? src : &kernel_source;
}

/* ---- state ---------------------------------------------------------------------------------*/

struct perf_dev {
    char label[32];  /* "cpu:0", "dram:1" */
    int cpu;         /* the CPU the counter is opened on */
    int handle;      /* from the source, -1 when closed */
    double scale_uj; /* microjoules per count (the event's .scale x 1e6) */
    uint64_t prev;   /* last count */
    uint64_t total;  /* counts since probe */
};

struct perf_state {
    const struct ct__perf_source *src;
    struct perf_dev devs[MAX_DEVS];
    int n;
    uint32_t type;
    unsigned long resets;
};

struct perf_event {
    const char *name;  /* "energy-pkg" */
    const char *label; /* "cpu", "dram" */
    uint64_t config;
    double scale;
    int present;
};

static void root_name(const struct ct__probe_ctx *ctx, char *root, size_t len)
{
    ct__strlcpy(root, ctx->opts && ctx->opts->sysfs_root ? ctx->opts->sysfs_root : "/sys", len);
    for (size_t n = strlen(root); n > 1 && root[n - 1] == '/'; n--)
        root[n - 1] = '\0';
}

/* events/<name>: "event=0x02" (possibly with more terms, which the RAPL PMU never has). */
static int parse_event_code(const char *text, uint64_t *config)
{
    if (strncmp(text, "event=", 6) != 0)
        return -EINVAL;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text + 6, &end, 0);
    if (errno || end == text + 6 || (*end != '\0' && *end != ',') || v > 0xff)
        return -EINVAL;
    *config = v;
    return 0;
}

/* Read one event's code, scale and unit. 0 with ev->present set, 0 without (not offered), or a
 * negative errno with why set (a file there but unreadable or garbage). */
static int read_event(int sysfs_fd, const char *root, struct perf_event *ev, char *why,
                      size_t why_len)
{
    char rel[128], text[128];
    ct__fmt(rel, sizeof(rel), PMU_DIR "/events/%s", ev->name);
    int r = ct__sysfs_read_str(sysfs_fd, rel, text, sizeof(text));
    if (r == -ENOENT)
        return 0;
    if (r >= 0 && parse_event_code(text, &ev->config) < 0)
        r = -EINVAL;
    if (r >= 0) {
        ct__fmt(rel, sizeof(rel), PMU_DIR "/events/%s.unit", ev->name);
        r = ct__sysfs_read_str(sysfs_fd, rel, text, sizeof(text));
        if (r >= 0 && strcmp(text, "Joules") != 0)
            r = -EINVAL;
    }
    if (r >= 0) {
        ct__fmt(rel, sizeof(rel), PMU_DIR "/events/%s.scale", ev->name);
        r = ct__sysfs_read_str(sysfs_fd, rel, text, sizeof(text));
        char *end;
        if (r >= 0) {
            ev->scale = strtod(text, &end);
            if (end == text || *end != '\0' || !(ev->scale > 0.0) || ev->scale > 1.0)
                r = -EINVAL;
        }
    }
    if (r < 0) {
        ct__fmt(why, why_len, "%s/%s: %s", root, rel,
                r == -EINVAL ? "not what the kernel writes (event=0xNN, Joules, a scale in J)"
                             : strerror(-r));
        return r;
    }
    ev->present = 1;
    return 0;
}

/* kernel.perf_event_paranoid, or -100 when unknown. */
static int paranoid_level(int proc_fd)
{
    char text[32];
    if (proc_fd < 0 ||
        ct__sysfs_read_str(proc_fd, "sys/kernel/perf_event_paranoid", text, sizeof(text)) < 0)
        return -100;
    char *end;
    long v = strtol(text, &end, 10);
    return (end == text || *end != '\0') ? -100 : (int)v;
}

static int fail_open(const struct ct__probe_ctx *ctx, const char *event, int cpu, int err,
                     char *why, size_t why_len)
{
    if (err == EACCES || err == EPERM) {
        int level = paranoid_level(ctx->proc_fd);
        char lv[48] = "";
        if (level != -100)
            ct__fmt(lv, sizeof(lv), " (kernel.perf_event_paranoid is %d)", level);
        ct__fmt(why, why_len,
                "perf_event_open(power/%s, cpu %d): permission denied%s: system-wide perf "
                "events need perf_event_paranoid <= 0 or CAP_PERFMON. Fix: sudo sysctl "
                "kernel.perf_event_paranoid=0 (permanently: echo kernel.perf_event_paranoid=0 | "
                "sudo tee /etc/sysctl.d/99-perf.conf), or sudo setcap cap_perfmon=ep "
                "\"$(command -v carbontracker)\"",
                event, cpu, lv);
        return CT_EPERM;
    }
    ct__fmt(why, why_len, "perf_event_open(power/%s, cpu %d): %s", event, cpu, strerror(err));
    return CT_EIO;
}

static void perf_close(void *vs)
{
    struct perf_state *s = vs;
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        if (s->devs[i].handle >= 0)
            s->src->close(s->src->ctx, s->devs[i].handle);
    free(s);
}

static int perf_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    char root[512], text[256], rel[128];
    struct perf_state *s = NULL;
    int rc;
    *state = NULL;
    root_name(ctx, root, sizeof(root));

    uint64_t type;
    int r = ct__sysfs_read_u64(ctx->sysfs_fd, PMU_DIR "/type", &type);
    if (r == -ENOENT || r == -ENOTDIR) {
        ct__fmt(why, why_len,
                "no %s/" PMU_DIR ": the kernel offers no RAPL perf events (a virtual machine, "
                "a CPU without RAPL, or a kernel before 3.14 for Intel / 5.8 for AMD)",
                root);
        return CT_ENOTSUP;
    }
    if (r < 0 || type > UINT32_MAX) {
        ct__fmt(why, why_len, "%s/" PMU_DIR "/type: %s", root,
                r == -EINVAL || r >= 0 ? "not a PMU number" : strerror(-r));
        return CT_EIO;
    }
    int *cpus = malloc(CT__MAX_CPUS * sizeof(*cpus));
    if (!cpus)
        return CT_ENOMEM;
    int n_cpus = -EINVAL;
    r = ct__sysfs_read_str(ctx->sysfs_fd, PMU_DIR "/cpumask", text, sizeof(text));
    if (r >= 0)
        n_cpus = ct__parse_cpu_list(text, cpus, CT__MAX_CPUS);
    if (r < 0 || n_cpus <= 0) {
        ct__fmt(why, why_len, "%s/" PMU_DIR "/cpumask: %s", root,
                r < 0 ? strerror(-r) : "not a CPU list such as 0,28");
        free(cpus);
        return CT_EIO;
    }

    struct perf_event events[] = {
        {"energy-pkg", "cpu", 0, 0.0, 0},
        {"energy-ram", "dram", 0, 0.0, 0},
    };
    for (size_t e = 0; e < sizeof(events) / sizeof(events[0]); e++) {
        if (read_event(ctx->sysfs_fd, root, &events[e], why, why_len) < 0) {
            free(cpus);
            return CT_EIO;
        }
    }
    if (!events[0].present) {
        ct__fmt(why, why_len, "%s/" PMU_DIR "/events has no energy-pkg event", root);
        free(cpus);
        return CT_ENOTSUP;
    }

    s = calloc(1, sizeof(*s));
    if (!s) {
        free(cpus);
        return CT_ENOMEM;
    }
    s->src = source;
    s->type = (uint32_t)type;
    /* Package by package (cpumask holds one CPU of each), package before its DRAM. */
    for (int c = 0; c < n_cpus; c++) {
        int pkg = ct__cpu_package_id(ctx->sysfs_fd, cpus[c]);
        if (pkg < 0)
            pkg = c; /* no topology: the mask's order is the packages' order */
        for (size_t e = 0; e < sizeof(events) / sizeof(events[0]); e++) {
            if (!events[e].present)
                continue;
            if (s->n >= MAX_DEVS) {
                ct__fmt(why, why_len, "more than %d RAPL perf counters", MAX_DEVS);
                rc = CT_ENOTSUP;
                goto fail;
            }
            struct perf_dev *d = &s->devs[s->n];
            d->cpu = cpus[c];
            d->scale_uj = events[e].scale * 1e6;
            ct__fmt(d->label, sizeof(d->label), "%s:%d", events[e].label, pkg);
            d->handle = s->src->open(s->src->ctx, s->type, events[e].config, cpus[c]);
            if (d->handle < 0) {
                int err = -d->handle;
                d->handle = -1;
                /* No DRAM counter on this part (client CPUs, AMD): the package alone. */
                if (e > 0 && (err == ENOENT || err == EOPNOTSUPP || err == EINVAL))
                    continue;
                rc = fail_open(ctx, events[e].name, cpus[c], err, why, why_len);
                goto fail;
            }
            s->n++;
            r = s->src->read(s->src->ctx, d->handle, &d->prev);
            if (r < 0) {
                ct__fmt(rel, sizeof(rel), "power/%s", events[e].name);
                ct__fmt(why, why_len, "read of perf counter %s on cpu %d: %s", rel, cpus[c],
                        strerror(-r));
                rc = CT_EIO;
                goto fail;
            }
        }
    }
    free(cpus);
    *state = s;
    return CT_OK;

fail:
    free(cpus);
    perf_close(s);
    return rc;
}

static int perf_describe(void *vs, struct ct__meter_dev *devs, int max)
{
    struct perf_state *s = vs;
    for (int i = 0; i < s->n && i < max; i++) {
        ct__strlcpy(devs[i].name, s->devs[i].label, sizeof(devs[i].name));
        devs[i].provenance = CT_PROVENANCE_MEASURED;
        ct__fmt(devs[i].info, sizeof(devs[i].info), "perf power PMU on cpu %d, %.6g uJ per count",
                s->devs[i].cpu, s->devs[i].scale_uj);
    }
    return s->n;
}

static int perf_read(void *vs, uint64_t now_ns, struct ct__reading *out)
{
    struct perf_state *s = vs;
    int rc = CT_OK;
    (void)now_ns;
    for (int i = 0; i < s->n; i++) {
        struct perf_dev *d = &s->devs[i];
        uint64_t count;
        if (s->src->read(s->src->ctx, d->handle, &count) < 0) {
            out[i].energy_uj = (uint64_t)((double)d->total * d->scale_uj + 0.5);
            out[i].lost = 1;
            rc = CT_EIO;
            continue;
        }
        int reset;
        d->total += ct__counter_step(d->prev, count, 0, 0.0, 0, &reset);
        s->resets += (unsigned long)reset;
        d->prev = count;
        out[i].energy_uj = (uint64_t)((double)d->total * d->scale_uj + 0.5);
        out[i].lost = 0;
    }
    return rc;
}

static void perf_detail(void *vs, char *buf, size_t len)
{
    struct perf_state *s = vs;
    ct__fmt(buf, len,
            "%d perf counter%s of PMU type %u (power/energy-pkg, energy-ram); %lu reset%s", s->n,
            s->n == 1 ? "" : "s", s->type, s->resets, s->resets == 1 ? "" : "s");
}

const struct ct__meter_ops ct__meter_rapl_perf = {
    .name = "rapl-perf",
    .component = CT__COMP_CPU,
    .domain = "cpu-package",
    .probe = perf_probe,
    .describe = perf_describe,
    .read = perf_read,
    .detail = perf_detail,
    .close = perf_close,
};
