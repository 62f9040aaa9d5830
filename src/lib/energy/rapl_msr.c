/*
 * rapl_msr.c - CPU package and DRAM energy straight from the RAPL model-specific registers
 * through the msr driver's /dev/cpu/N/msr (root, or CAP_SYS_RAWIO with read access to the
 * device), for kernels without powercap or perf RAPL support. One CPU per package (the first
 * online CPU of each physical_package_id) is read; the file offset is the MSR address. The
 * 32-bit counters are unfolded into 64 bits in their own units (1/2^ESU J).
 */
#include "../util/sysfs.h"
#include "counter.h"
#include "cpu_topology.h"
#include "meter.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* From the kernel's arch/x86/include/asm/msr-index.h. */
#define MSR_RAPL_POWER_UNIT 0x606
#define MSR_PKG_ENERGY_STATUS 0x611
#define MSR_DRAM_ENERGY_STATUS 0x619
#define MSR_AMD_RAPL_POWER_UNIT 0xC0010299
#define MSR_AMD_PKG_ENERGY_STATUS 0xC001029B

#define COUNTER_RANGE (1ULL << 32) /* the energy-status registers are 32 bits */
#define MAX_POWER_W 1000.0         /* more than one socket or its DIMMs draw */
#define MAX_DEVS 64
#define NS_PER_S 1000000000ULL

struct msr_dev {
    char label[32]; /* "cpu:0", "dram:0" */
    int cpu;
    int fd;           /* /dev/cpu/<cpu>/msr */
    uint64_t address; /* the energy-status MSR */
    int esu;          /* energy-status unit: a count is 1/2^esu J */
    uint64_t prev;    /* last raw 32-bit value */
    uint64_t prev_ns;
    uint64_t total; /* counts since probe */
};

struct msr_state {
    struct msr_dev devs[MAX_DEVS];
    int n;
    int amd;
    unsigned long resets;
    char dir[256];
};

/*
 * Intel server parts whose DRAM counter uses a fixed 15.3 uJ unit (ESU 16) whatever
 * MSR_RAPL_POWER_UNIT says: the kernel's RAPL_UNIT_QUIRK_INTEL_HSW (intel_rapl_common.c:
 * Haswell-X, Broadwell-X/D, Skylake-X, Ice Lake-X/D, Sapphire/Emerald Rapids, Xeon Phi).
 */
static int dram_unit_quirk(int family, int model)
{
    static const int models[] = {0x3f, 0x4f, 0x56, 0x55, 0x6a, 0x6c, 0x8f, 0xcf, 0x57, 0x85};
    if (family != 6)
        return 0;
    for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
        if (models[i] == model)
            return 1;
    return 0;
}

static const struct ct__setting_decl msr_settings[] = {
    {"dev_dir", "CARBONTRACKER_MSR_DIR", "/dev/cpu", 0,
     "directory of the msr driver's per-CPU devices (<dir>/<cpu>/msr)"},
    {NULL, NULL, NULL, 0, NULL},
};

/* pread one 8-byte MSR. 0, -errno, or -ENODATA for a register the file does not hold (EIO from
 * the kernel for an MSR the CPU lacks; a short read from a fixture). */
static int read_msr(int fd, uint64_t address, uint64_t *value)
{
    ssize_t n = pread(fd, value, sizeof(*value), (off_t)address);
    if (n < 0)
        return -errno;
    return n == (ssize_t)sizeof(*value) ? 0 : -ENODATA;
}

static void msr_close(void *vs)
{
    struct msr_state *s = vs;
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        if (s->devs[i].fd >= 0 && (i == 0 || s->devs[i].fd != s->devs[i - 1].fd))
            close(s->devs[i].fd);
    free(s);
}

static int fail_open(const char *dir, int cpu, int err, char *why, size_t why_len)
{
    if (err == ENOENT || err == ENOTDIR || err == ENXIO || err == ENODEV) {
        ct__fmt(why, why_len,
                "no %s/%d/msr: the msr driver is not loaded. Fix: sudo modprobe msr (at every "
                "boot: echo msr | sudo tee /etc/modules-load.d/msr.conf)",
                dir, cpu);
        return CT_ENOTSUP;
    }
    if (err == EACCES || err == EPERM) {
        ct__fmt(why, why_len,
                "cannot open %s/%d/msr: permission denied (root only: it needs CAP_SYS_RAWIO and "
                "read access to the device). Fix: run as root, or give a group read access with "
                "a udev rule in /etc/udev/rules.d/99-msr.rules: SUBSYSTEM==\"msr\", "
                "GROUP=\"msr\", MODE=\"0640\" and sudo setcap cap_sys_rawio=ep "
                "\"$(command -v carbontracker)\"",
                dir, cpu);
        return CT_EPERM;
    }
    ct__fmt(why, why_len, "cannot open %s/%d/msr: %s", dir, cpu, strerror(err));
    return CT_EIO;
}

static int add_dev(struct msr_state *s, const char *kind, int pkg, int cpu, int fd,
                   uint64_t address, int esu, uint64_t raw)
{
    if (s->n >= MAX_DEVS)
        return -1;
    struct msr_dev *d = &s->devs[s->n++];
    ct__fmt(d->label, sizeof(d->label), "%s:%d", kind, pkg);
    d->cpu = cpu;
    d->fd = fd;
    d->address = address;
    d->esu = esu;
    d->prev = raw & 0xffffffffULL;
    d->prev_ns = ct__now_ns();
    return 0;
}

/* The first online CPU of each package, in package order: cpus[] in, reps[]/pkgs[] out. */
static int one_cpu_per_package(int sysfs_fd, const int *cpus, int n, int *reps, int *pkgs)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        int pkg = ct__cpu_package_id(sysfs_fd, cpus[i]);
        if (pkg < 0)
            return pkg;
        int seen = 0;
        for (int j = 0; j < k; j++)
            seen |= pkgs[j] == pkg;
        if (!seen) {
            reps[k] = cpus[i];
            pkgs[k] = pkg;
            k++;
        }
    }
    /* package order (insertion sort: few packages) */
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && pkgs[j - 1] > pkgs[j]; j--) {
            int t = pkgs[j];
            pkgs[j] = pkgs[j - 1];
            pkgs[j - 1] = t;
            t = reps[j];
            reps[j] = reps[j - 1];
            reps[j - 1] = t;
        }
    return k;
}

static int msr_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    char text[4096];
    int *cpus = NULL, *reps = NULL, *pkgs = NULL;
    int dir_fd = -1, rc;
    struct msr_state *s = NULL;
    const char *sysfs_root = ctx->opts && ctx->opts->sysfs_root ? ctx->opts->sysfs_root : "/sys";
    const char *dir = ct__settings_get(ctx->settings, "rapl-msr", "dev_dir");
    if (!dir)
        dir = "/dev/cpu";
    *state = NULL;

    int r = ct__sysfs_read_str(ctx->sysfs_fd, "devices/system/cpu/online", text, sizeof(text));
    if (r < 0) {
        ct__fmt(why, why_len, "no %s/devices/system/cpu/online (%s): the CPUs are unknown",
                sysfs_root, strerror(-r));
        return CT_ENOTSUP;
    }
    cpus = malloc(CT__MAX_CPUS * sizeof(*cpus));
    reps = malloc(CT__MAX_CPUS * sizeof(*reps));
    pkgs = malloc(CT__MAX_CPUS * sizeof(*pkgs));
    s = calloc(1, sizeof(*s));
    if (!cpus || !reps || !pkgs || !s) {
        rc = CT_ENOMEM;
        goto fail;
    }
    ct__strlcpy(s->dir, dir, sizeof(s->dir));
    int n_cpus = ct__parse_cpu_list(text, cpus, CT__MAX_CPUS);
    if (n_cpus <= 0) {
        ct__fmt(why, why_len, "%s/devices/system/cpu/online: not a CPU list such as 0-63",
                sysfs_root);
        rc = CT_EIO;
        goto fail;
    }
    int n_pkgs = one_cpu_per_package(ctx->sysfs_fd, cpus, n_cpus, reps, pkgs);
    if (n_pkgs <= 0) {
        ct__fmt(why, why_len,
                "%s/devices/system/cpu/cpu%d/topology/physical_package_id: %s: the packages "
                "are unknown",
                sysfs_root, cpus[0], strerror(n_pkgs < 0 ? -n_pkgs : EINVAL));
        rc = CT_ENOTSUP;
        goto fail;
    }

    char vendor[64];
    int family, model;
    if (ctx->proc_fd < 0 ||
        ct__cpuinfo_ident(ctx->proc_fd, vendor, sizeof(vendor), &family, &model) < 0)
        vendor[0] = '\0', family = model = -1;
    s->amd = strcmp(vendor, "AuthenticAMD") == 0 || strcmp(vendor, "HygonGenuine") == 0;
    uint64_t unit_msr = s->amd ? MSR_AMD_RAPL_POWER_UNIT : MSR_RAPL_POWER_UNIT;
    uint64_t pkg_msr = s->amd ? MSR_AMD_PKG_ENERGY_STATUS : MSR_PKG_ENERGY_STATUS;

    dir_fd = ct__root_open(dir);
    if (dir_fd < 0) {
        rc = fail_open(dir, reps[0], -dir_fd, why, why_len);
        goto fail;
    }
    for (int p = 0; p < n_pkgs; p++) {
        char rel[32];
        ct__fmt(rel, sizeof(rel), "%d/msr", reps[p]);
        int fd = ct__sysfs_open(dir_fd, rel);
        if (fd < 0) {
            rc = fail_open(dir, reps[p], -fd, why, why_len);
            goto fail;
        }
        uint64_t unit, raw;
        r = read_msr(fd, unit_msr, &unit);
        if (r == 0)
            r = read_msr(fd, pkg_msr, &raw);
        if (r < 0) {
            close(fd);
            ct__fmt(why, why_len,
                    "%s/%d/msr: the RAPL registers (0x%llx, 0x%llx) cannot be read (%s): this %s "
                    "CPU has no RAPL, or a virtual machine hides it",
                    dir, reps[p], (unsigned long long)unit_msr, (unsigned long long)pkg_msr,
                    r == -ENODATA ? "no such register" : strerror(-r), s->amd ? "AMD" : "Intel");
            rc = CT_ENOTSUP;
            goto fail;
        }
        int esu = (int)((unit >> 8) & 0x1f);
        if (add_dev(s, "cpu", pkgs[p], reps[p], fd, pkg_msr, esu, raw) < 0) {
            close(fd);
            ct__fmt(why, why_len, "more than %d RAPL counters", MAX_DEVS);
            rc = CT_ENOTSUP;
            goto fail;
        }
        /* DRAM: Intel servers only; a CPU without it answers EIO. */
        if (!s->amd && read_msr(fd, MSR_DRAM_ENERGY_STATUS, &raw) == 0)
            add_dev(s, "dram", pkgs[p], reps[p], fd, MSR_DRAM_ENERGY_STATUS,
                    dram_unit_quirk(family, model) ? 16 : esu, raw);
    }
    close(dir_fd);
    free(cpus);
    free(reps);
    free(pkgs);
    *state = s;
    return CT_OK;

fail:
    if (dir_fd >= 0)
        close(dir_fd);
    free(cpus);
    free(reps);
    free(pkgs);
    msr_close(s);
    return rc;
}

static int msr_describe(void *vs, struct ct__meter_dev *devs, int max)
{
    struct msr_state *s = vs;
    for (int i = 0; i < s->n && i < max; i++) {
        const struct msr_dev *d = &s->devs[i];
        ct__strlcpy(devs[i].name, d->label, sizeof(devs[i].name));
        devs[i].provenance = CT_PROVENANCE_MEASURED;
        ct__fmt(devs[i].info, sizeof(devs[i].info), "MSR 0x%llx on cpu %d, %.6g uJ per count",
                (unsigned long long)d->address, d->cpu, ldexp(1e6, -d->esu));
    }
    return s->n;
}

static uint64_t to_uj(const struct msr_dev *d)
{
    return (uint64_t)(ldexp((double)d->total, -d->esu) * 1e6 + 0.5);
}

static int msr_read(void *vs, uint64_t now_ns, struct ct__reading *out)
{
    struct msr_state *s = vs;
    int rc = CT_OK;
    for (int i = 0; i < s->n; i++) {
        struct msr_dev *d = &s->devs[i];
        uint64_t raw;
        if (read_msr(d->fd, d->address, &raw) < 0) {
            out[i].energy_uj = to_uj(d);
            out[i].lost = 1;
            rc = CT_EIO;
            continue;
        }
        raw &= 0xffffffffULL;
        int reset;
        uint64_t elapsed = now_ns > d->prev_ns ? now_ns - d->prev_ns : 0;
        d->total += ct__counter_step(d->prev, raw, COUNTER_RANGE, ldexp(MAX_POWER_W, d->esu),
                                     elapsed, &reset);
        s->resets += (unsigned long)reset;
        d->prev = raw;
        if (now_ns > d->prev_ns)
            d->prev_ns = now_ns;
        out[i].energy_uj = to_uj(d);
        out[i].lost = 0;
    }
    return rc;
}

/* Half the shortest wrap period: 2^32 counts at 1000 W. */
static uint64_t msr_max_interval_ns(void *vs)
{
    struct msr_state *s = vs;
    double best_s = 0.0;
    for (int i = 0; i < s->n; i++) {
        double wrap_s = ldexp((double)COUNTER_RANGE, -s->devs[i].esu) / MAX_POWER_W;
        if (best_s == 0.0 || wrap_s < best_s)
            best_s = wrap_s;
    }
    return best_s > 0.0 ? (uint64_t)(best_s / 2.0 * (double)NS_PER_S) : 0;
}

static void msr_detail(void *vs, char *buf, size_t len)
{
    struct msr_state *s = vs;
    ct__fmt(buf, len, "%d counter%s through %s/N/msr (%s RAPL registers); %lu reset%s", s->n,
            s->n == 1 ? "" : "s", s->dir, s->amd ? "AMD" : "Intel", s->resets,
            s->resets == 1 ? "" : "s");
}

const struct ct__meter_ops ct__meter_rapl_msr = {
    .name = "rapl-msr",
    .component = CT__COMP_CPU,
    .domain = "cpu-package",
    .settings = msr_settings,
    .probe = msr_probe,
    .describe = msr_describe,
    .read = msr_read,
    .max_interval_ns = msr_max_interval_ns,
    .detail = msr_detail,
    .close = msr_close,
};
