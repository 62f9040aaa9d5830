/*
 * bench_sampler.c - the CPU cost of one sample: probes one meter of the registry (or opens a whole
 * tracker) on fixture trees and reads it many times, timing batches of reads with
 * CLOCK_THREAD_CPUTIME_ID (user + system time of this thread, so the sysfs reads' kernel time is
 * in). Prints one JSON object. Run under callgrind with two different --reads counts, the
 * difference of the instruction totals divided by the difference of the counts is the
 * instructions per read, free of the probe's and the program's fixed costs.
 *
 * usage: bench_sampler --meter NAME|tracker [--reads N] [--batch B] [--sysfs ROOT]
 *                      [--proc ROOT] [--nvml LIB] [--components C] [--set K=V]...
 *                      [--gpus amd|intel] [--log-dir DIR] [--quiet]
 * --log-dir (tracker only) opens the tracker with its log files there, so that each sample also
 * writes its JSON-lines record as the sampler thread's ticks do. Without --sysfs / --proc a server2
 * powercap tree and a proc tree are made (and removed);
 * --gpus adds four PCI GPUs to it (0000:03:00.0 .. 0000:06:00.0): AMD with amdgpu hwmon
 * power1_input, or Intel xe with card and package energy counters. For the meters rapl-perf,
 * rapl-msr and amd-energy the tree made is instead two sockets with the perf `power` PMU (read
 * through the tests' fake perf source: the meter's own cost, without the read(2) system call),
 * the msr files of CPUs 0 and 4, an amd_energy chip and, for acpi-power-meter, a power_meter
 * chip.
 */
#include "bench_common.h"

#include "backends.h"
#include "cpu_fixture.h"
#include "gpu_fixture.h"
#include "meters.h"
#include "powercap_fixture.h"
#include "proc_fixture.h"
#include "tracker.h"
#include "util/sysfs.h"

#include <fcntl.h>
#include <unistd.h>

struct args {
    const char *meter;
    long reads;
    long batch;
    const char *sysfs, *proc, *nvml, *components, *gpus, *log_dir;
    const char *settings[5];
    int n_settings;
    int quiet;
};

static int usage(void)
{
    fputs("usage: bench_sampler --meter NAME|tracker [--reads N] [--batch B] [--sysfs ROOT] "
          "[--proc ROOT] [--nvml LIB] [--components C] [--set K=V]... [--gpus amd|intel] "
          "[--log-dir DIR] [--quiet]\n",
          stderr);
    return 2;
}

static const struct ct__meter_ops *find_meter(const char *name)
{
    for (int i = 0; ct__meters[i]; i++)
        if (strcmp(ct__meters[i]->name, name) == 0)
            return ct__meters[i];
    return NULL;
}

/* Report: per read and per device read, CPU (median over batches and overall mean) and wall. */
static void report(const struct args *a, const char *what, int n_devs, double probe_ms,
                   double *batch_cpu_ns, long n_batches, uint64_t cpu_ns, uint64_t wall_ns,
                   long reads)
{
    double per_read_mean = (double)cpu_ns / (double)reads;
    double per_read_median = bench_median(batch_cpu_ns, (size_t)n_batches) / (double)a->batch;
    printf("{\"meter\":\"%s\",\"devices\":%d,\"reads\":%ld,\"batch\":%ld,\"probe_ms\":%.3f,"
           "\"cpu_ns_per_read_median\":%.1f,\"cpu_ns_per_read_mean\":%.1f,"
           "\"cpu_ns_per_device_read\":%.1f,\"wall_ns_per_read\":%.1f}\n",
           what, n_devs, reads, a->batch, probe_ms, per_read_median, per_read_mean,
           per_read_median / (n_devs > 0 ? n_devs : 1), (double)wall_ns / (double)reads);
}

/* Times `reads` calls of fn(arg) in batches. */
typedef int (*read_fn)(void *arg);

static int time_reads(const struct args *a, read_fn fn, void *arg, double **batches_out,
                      long *n_batches_out, uint64_t *cpu_ns, uint64_t *wall_ns)
{
    long n_batches = a->reads / a->batch;
    double *batches = calloc((size_t)(n_batches > 0 ? n_batches : 1), sizeof(*batches));
    if (!batches)
        return -1;
    for (long i = 0; i < 100 && i < a->reads; i++) /* warm caches and page cache */
        fn(arg);
    uint64_t c0 = bench_thread_cpu_ns(), w0 = bench_mono_ns();
    for (long b = 0; b < n_batches; b++) {
        uint64_t cb = bench_thread_cpu_ns();
        for (long i = 0; i < a->batch; i++)
            if (fn(arg) != CT_OK) {
                free(batches);
                fprintf(stderr, "bench_sampler: read failed\n");
                return -1;
            }
        batches[b] = (double)(bench_thread_cpu_ns() - cb);
    }
    *cpu_ns = bench_thread_cpu_ns() - c0;
    *wall_ns = bench_mono_ns() - w0;
    *batches_out = batches;
    *n_batches_out = n_batches;
    return 0;
}

struct meter_ctx {
    const struct ct__meter_ops *ops;
    void *state;
    struct ct__reading readings[CT_MAX_DEVICES];
};

static int meter_read(void *arg)
{
    struct meter_ctx *m = arg;
    return m->ops->read(m->state, ct__now_ns(), m->readings);
}

static int tracker_read(void *arg)
{
    struct ct_tracker *t = arg;
    ct__sampler_tick(&t->sampler);
    return CT_OK;
}

static int bench_meter(const struct args *a, const ct_options *o)
{
    struct meter_ctx m = {.ops = find_meter(a->meter)};
    char why[1024] = "";
    int rc = 1;
    double *batches = NULL;
    long n_batches = 0;
    uint64_t cpu_ns = 0, wall_ns = 0;
    struct ct__settings settings = {0}; /* the meters' settings, resolved as a tracker does */
    struct ct__probe_ctx ctx = {.sysfs_fd = ct__root_open(o->sysfs_root ? o->sysfs_root : "/sys"),
                                .proc_fd = ct__root_open(o->proc_root ? o->proc_root : "/proc"),
                                .opts = o,
                                .settings = &settings};
    if (ct__backends_resolve(&settings, o, why, sizeof(why)) != CT_OK) {
        fprintf(stderr, "bench_sampler: %s\n", why);
        goto cleanup;
    }
    if (!m.ops) {
        fprintf(stderr, "bench_sampler: no meter named '%s' in the registry\n", a->meter);
        goto cleanup;
    }
    uint64_t p0 = bench_mono_ns();
    int r = m.ops->probe(&ctx, &m.state, why, sizeof(why));
    double probe_ms = (double)(bench_mono_ns() - p0) / 1e6;
    if (r != CT_OK) {
        fprintf(stderr, "bench_sampler: probe of %s failed: %s\n", a->meter, why);
        goto cleanup;
    }
    struct ct__meter_dev devs[CT_MAX_DEVICES];
    memset(devs, 0, sizeof(devs));
    int n_devs = m.ops->describe(m.state, devs, CT_MAX_DEVICES);
    if (time_reads(a, meter_read, &m, &batches, &n_batches, &cpu_ns, &wall_ns) < 0)
        goto cleanup;
    if (!a->quiet)
        report(a, a->meter, n_devs, probe_ms, batches, n_batches, cpu_ns, wall_ns, a->reads);
    rc = 0;
cleanup:
    free(batches);
    ct__settings_free(&settings);
    if (m.ops && m.state)
        m.ops->close(m.state);
    if (ctx.sysfs_fd >= 0)
        close(ctx.sysfs_fd);
    if (ctx.proc_fd >= 0)
        close(ctx.proc_fd);
    return rc;
}

static int bench_tracker(const struct args *a, ct_options *o)
{
    ct_tracker *t = NULL;
    char err[512] = "";
    double *batches = NULL;
    long n_batches = 0;
    uint64_t cpu_ns = 0, wall_ns = 0;
    int rc = 1;
    o->update_interval_s = 3600; /* the sampler thread stays asleep: this thread reads */
    o->components = a->components ? a->components : "cpu";
    o->epochs = 1;
    o->verbose = 0;
    o->log_dir = a->log_dir; /* with it each tick also writes its JSON-lines sample record */
    uint64_t p0 = bench_mono_ns();
    if (ct_tracker_open(&t, o, err, sizeof(err)) != CT_OK) {
        fprintf(stderr, "bench_sampler: ct_tracker_open: %s\n", err);
        goto cleanup;
    }
    double open_ms = (double)(bench_mono_ns() - p0) / 1e6;
    if (time_reads(a, tracker_read, t, &batches, &n_batches, &cpu_ns, &wall_ns) < 0)
        goto cleanup;
    if (!a->quiet) {
        char what[64];
        snprintf(what, sizeof(what), "tracker-%s%s", o->components, a->log_dir ? "-logs" : "");
        report(a, what, t->ledger.n_devs, open_ms, batches, n_batches, cpu_ns, wall_ns, a->reads);
    }
    rc = 0;
cleanup:
    free(batches);
    ct_tracker_free(t);
    return rc;
}

/* Four PCI GPUs of one vendor in the sysfs tree, laid out as the kernel does. */
static int add_gpus(const char *root, const char *vendor)
{
    int amd = strcmp(vendor, "amd") == 0;
    for (int i = 0; i < 4; i++) {
        char pci[32], dir[64];
        snprintf(pci, sizeof(pci), "0000:%02x:00.0", 3 + i);
        snprintf(dir, sizeof(dir), "hwmon/hwmon%d", 2 + i);
        int r = gpf_add_gpu(root, pci, amd ? 0x1002 : 0x8086, amd ? 0x740c : 0x56c0, 1 + i);
        if (r == 0)
            r = gpf_add_hwmon(root, pci, 2 + i, amd ? "amdgpu" : "xe");
        char file[96];
        snprintf(file, sizeof(file), "%s/%s", dir, amd ? "power1_input" : "energy1_input");
        if (r == 0)
            r = gpf_set(root, pci, file, amd ? "250000000" : "123456789");
        if (r == 0 && !amd) {
            snprintf(file, sizeof(file), "%s/energy1_label", dir);
            r = gpf_set(root, pci, file, "card");
            snprintf(file, sizeof(file), "%s/energy2_input", dir);
            if (r == 0)
                r = gpf_set(root, pci, file, "98765432");
        }
        if (r < 0) {
            fprintf(stderr, "bench_sampler: cannot make GPU %s: %s\n", pci, strerror(-r));
            return r;
        }
    }
    return 0;
}

/* Two sockets (CPUs 0-3, 4-7) for the CPU meters without powercap; msr_setting receives
 * "rapl-msr.dev_dir=<sys>/dev/cpu". */
static int make_cpu2(const char *sys, char *msr_setting, size_t len)
{
    char dir[2100];
    snprintf(dir, sizeof(dir), "%s/dev/cpu", sys);
    snprintf(msr_setting, len, "rapl-msr.dev_dir=%s", dir);
    int r = cpf_topology(sys, 8, 4);
    if (r == 0)
        r = cpf_perf_pmu(sys, 23, "0,4", 1);
    for (int cpu = 0; r == 0 && cpu < 8; cpu += 4) {
        r = cpf_msr_set(dir, cpu, 0x606, 0xA0E03ULL);
        if (r == 0)
            r = cpf_msr_set(dir, cpu, 0x611, 123456789ULL);
        if (r == 0)
            r = cpf_msr_set(dir, cpu, 0x619, 98765ULL);
        for (uint64_t config = 2; r == 0 && config <= 3; config++)
            cpf_perf_set(config, cpu, 1000000000000ULL);
    }
    if (r == 0)
        r = cpf_amd_energy(sys, 2, 2, 8, 5000000ULL);
    if (r == 0) /* the ACPI power meter (whole node) */
        r = cpf_hwmon(sys, "LNXSYSTM:00/LNXSYBUS:00/ACPI000D:00", 3, "power_meter");
    if (r == 0)
        r = cpf_hwmon_set_u64(sys, 3, "power1_average", 450000000ULL);
    return r;
}

int main(int argc, char **argv)
{
    struct args a = {.reads = 100000, .batch = 100};
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (strcmp(k, "--quiet") == 0) {
            a.quiet = 1;
            continue;
        }
        if (i + 1 >= argc)
            return usage();
        const char *v = argv[++i];
        if (strcmp(k, "--meter") == 0)
            a.meter = v;
        else if (strcmp(k, "--reads") == 0)
            a.reads = atol(v);
        else if (strcmp(k, "--batch") == 0)
            a.batch = atol(v);
        else if (strcmp(k, "--sysfs") == 0)
            a.sysfs = v;
        else if (strcmp(k, "--proc") == 0)
            a.proc = v;
        else if (strcmp(k, "--nvml") == 0)
            a.nvml = v;
        else if (strcmp(k, "--components") == 0)
            a.components = v;
        else if (strcmp(k, "--log-dir") == 0)
            a.log_dir = v;
        else if (strcmp(k, "--set") == 0 && a.n_settings < 4)
            a.settings[a.n_settings++] = v;
        else if (strcmp(k, "--gpus") == 0 && (strcmp(v, "amd") == 0 || strcmp(v, "intel") == 0))
            a.gpus = v;
        else
            return usage();
    }
    if (!a.meter || a.reads < 1 || a.batch < 1)
        return usage();
    if (a.batch > a.reads)
        a.batch = a.reads;
    if (strcmp(a.meter, "rapl-perf") == 0)
        cpf_perf_install();

    char sys[2048] = "", proc[4096] = "", msr_setting[2200] = "";
    int made_sys = 0, made_proc = 0, rc = 1;
    int cpu2 = strcmp(a.meter, "rapl-perf") == 0 || strcmp(a.meter, "rapl-msr") == 0 ||
               strcmp(a.meter, "amd-energy") == 0 || strcmp(a.meter, "acpi-power-meter") == 0;
    if (!a.sysfs) {
        if (pcf_mkroot(sys, sizeof(sys), "bench-sys") < 0 ||
            (cpu2 ? make_cpu2(sys, msr_setting, sizeof(msr_setting)) : pcf_create(sys, "server2")) <
                0)
            goto cleanup;
        made_sys = 1;
        a.sysfs = sys;
        if (a.gpus && add_gpus(sys, a.gpus) < 0)
            goto cleanup;
        if (cpu2 && a.n_settings < 4)
            a.settings[a.n_settings++] = msr_setting;
    }
    if (!a.proc) {
        struct prf_stat st = {.user = 100000, .system = 20000, .idle = 500000};
        if (prf_mkroot(proc, sizeof(proc), "bench-proc") < 0 ||
            prf_create(proc, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 4, &st) < 0)
            goto cleanup;
        made_proc = 1;
        a.proc = proc;
    }
    ct_options o = CT_OPTIONS_INIT;
    o.sysfs_root = a.sysfs;
    o.proc_root = a.proc;
    o.zone = "DK";
    o.nvml_library = a.nvml;
    o.settings = a.settings;
    rc = strcmp(a.meter, "tracker") == 0 ? bench_tracker(&a, &o) : bench_meter(&a, &o);
cleanup:
    if (made_sys)
        pcf_remove(sys);
    if (made_proc)
        prf_remove(proc);
    return rc;
}
