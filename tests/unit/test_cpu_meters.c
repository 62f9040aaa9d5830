/*
 * test_cpu_meters.c - the CPU meters that work without powercap: RAPL through perf_event_open
 * (a fake perf source behind the meter's seam), RAPL through /dev/cpu/N/msr (fake MSR files) and
 * the amd_energy hwmon driver (a hwmon chip linked from class/hwmon as in sysfs). Known power
 * traces against the truth, wraparound, resets, files that vanish or hold garbage, permission
 * errors and the fix each one names, and the order of the cpu-package fallbacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backends.h"
#include "cpu_fixture.h"
#include "ct_assert.h"
#include "energy/meter.h"
#include "meter_harness.h"
#include "meters.h"
#include "powercap_fixture.h"
#include "util/sysfs.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define S_NS 1000000000ULL
#define PERF_SCALE_J 2.3283064365386962890625e-10 /* 2^-32 J per count */

struct fx {
    char root[512]; /* sysfs root */
    char proc[600]; /* proc root, inside root */
    char msr[600];  /* msr device directory, inside root */
    char setting[700];
    const char *settings_list[2];
    ct_options opts;
    struct mh h; /* the meter under test */
    struct ct__reading out[16];
};

static int setup(void **st)
{
    static struct fx f;
    memset(&f, 0, sizeof(f));
    mh_init(&f.h);
    if (pcf_mkroot(f.root, sizeof(f.root), "test_cpu_meters") < 0)
        return -1;
    snprintf(f.proc, sizeof(f.proc), "%s/proc", f.root);
    snprintf(f.msr, sizeof(f.msr), "%s/dev/cpu", f.root);
    ct_options_init(&f.opts);
    f.opts.sysfs_root = f.root;
    f.opts.proc_root = f.proc;
    snprintf(f.setting, sizeof(f.setting), "rapl-msr.dev_dir=%s", f.msr);
    f.settings_list[0] = f.setting;
    f.opts.settings = f.settings_list;
    cpf_perf_install();
    *st = &f;
    return 0;
}

static int teardown(void **st)
{
    struct fx *f = *st;
    mh_close(&f->h);
    assert_int_equal(cpf_perf_open_count(), 0); /* close() gives every counter back */
    cpf_perf_uninstall();
    return pcf_remove(f->root) < 0 ? -1 : 0;
}

/* The probe context on the fixture's roots (the proc root lies inside the sysfs root: made
 * before it is opened). */
static struct ct__probe_ctx *context(struct fx *f)
{
    if (!f->h.resolved)
        assert_int_equal(cpf_write(f->root, "proc/.keep", ""), 0);
    return mh_context(&f->h, &f->opts);
}

static int probe(struct fx *f, const struct ct__meter_ops *m)
{
    context(f);
    return mh_probe(&f->h, &f->opts, m, 16);
}

static void probe_ok(struct fx *f, const struct ct__meter_ops *m)
{
    int rc = probe(f, m);
    if (rc != CT_OK)
        fail_msg("probe %s: %d %s", m->name, rc, f->h.why);
}

static int read_at(struct fx *f, double at_s)
{
    return f->h.m->read(f->h.state, f->h.t0_ns + (uint64_t)(at_s * 1e9), f->out);
}

static void assert_names(struct fx *f, const char *const *names, int n)
{
    assert_int_equal(f->h.n, n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(f->h.devs[i].name, names[i]);
        assert_int_equal(f->h.devs[i].provenance, CT_PROVENANCE_MEASURED);
    }
}

/* Energy in joules of reading i. */
static double joules(const struct fx *f, int i)
{
    return (double)f->out[i].energy_uj / 1e6;
}

static void write_cpuinfo(struct fx *f, const char *vendor, int family, int model)
{
    char text[512];
    snprintf(text, sizeof(text),
             "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %d\nmodel\t\t: %d\nmodel name\t: "
             "Test CPU\n",
             vendor, family, model);
    assert_int_equal(cpf_write(f->proc, "cpuinfo", text), 0);
}

/* ---- perf_event ---------------------------------------------------------------------------*/

static const uint64_t PKG = 0x02, RAM = 0x03;

/* Two packages (CPUs 0-3 and 4-7), the PMU's cpumask naming CPU 0 and 4. */
static void perf_two_sockets(struct fx *f, int with_ram)
{
    assert_int_equal(cpf_topology(f->root, 8, 4), 0);
    assert_int_equal(cpf_perf_pmu(f->root, 23, "0,4", with_ram), 0);
    cpf_perf_set(PKG, 0, 1000000000000ULL);
    cpf_perf_set(PKG, 4, 2000000000000ULL);
    if (with_ram) {
        cpf_perf_set(RAM, 0, 300000000000ULL);
        cpf_perf_set(RAM, 4, 400000000000ULL);
    }
}

/* Advance (config, cpu) by watts over seconds, in the PMU's 2^-32 J counts. */
static void perf_run(uint64_t config, int cpu, double watts, double seconds)
{
    cpf_perf_add(config, cpu, (uint64_t)llround(watts * seconds / PERF_SCALE_J));
}

static void test_perf_trace(void **st)
{
    struct fx *f = *st;
    perf_two_sockets(f, 1);
    probe_ok(f, &ct__meter_rapl_perf);
    const char *const names[] = {"cpu:0", "dram:0", "cpu:1", "dram:1"};
    assert_names(f, names, 4);
    ct_assert_contains(f->h.devs[0].info, "cpu 0");
    ct_assert_contains(f->h.devs[2].info, "cpu 4");
    /* A step trace: 10 s at 80 W, 5 s at 170.5 W, 20 s at 12 W on package 0; the others
     * constant. Read every second, as the sampler would. */
    const double steps[][2] = {{80.0, 10}, {170.5, 5}, {12.0, 20}};
    double truth = 0.0, t = 0.0;
    for (size_t s = 0; s < 3; s++) {
        for (int k = 0; k < (int)steps[s][1]; k++) {
            perf_run(PKG, 0, steps[s][0], 1.0);
            perf_run(RAM, 0, 7.25, 1.0);
            perf_run(PKG, 4, 95.0, 1.0);
            perf_run(RAM, 4, 6.0, 1.0);
            truth += steps[s][0];
            t += 1.0;
            assert_int_equal(read_at(f, t), CT_OK);
        }
    }
    ct_assert_double_within(truth, joules(f, 0), truth * 1e-3);
    ct_assert_double_within(7.25 * t, joules(f, 1), 7.25 * t * 1e-3);
    ct_assert_double_within(95.0 * t, joules(f, 2), 95.0 * t * 1e-3);
    ct_assert_double_within(6.0 * t, joules(f, 3), 6.0 * t * 1e-3);
    for (int i = 0; i < 4; i++)
        assert_false(f->out[i].lost);
    assert_null(f->h.m->max_interval_ns); /* the kernel accumulates 64 bits: nothing wraps */
}

static void test_perf_no_ram_event(void **st)
{
    struct fx *f = *st;
    perf_two_sockets(f, 0); /* AMD and client parts: energy-pkg only */
    probe_ok(f, &ct__meter_rapl_perf);
    const char *const names[] = {"cpu:0", "cpu:1"};
    assert_names(f, names, 2);
}

static void test_perf_not_here(void **st)
{
    struct fx *f = *st;
    assert_int_equal(cpf_topology(f->root, 2, 2), 0);
    assert_int_equal(probe(f, &ct__meter_rapl_perf), CT_ENOTSUP);
    ct_assert_contains(f->h.why, "bus/event_source/devices/power");
}

static void test_perf_paranoid(void **st)
{
    struct fx *f = *st;
    perf_two_sockets(f, 1);
    assert_int_equal(cpf_write(f->proc, "sys/kernel/perf_event_paranoid", "2"), 0);
    cpf_perf_fail_open(EACCES);
    assert_int_equal(probe(f, &ct__meter_rapl_perf), CT_EPERM);
    ct_assert_contains(f->h.why, "perf_event_paranoid is 2");
    ct_assert_contains(f->h.why, "sudo sysctl kernel.perf_event_paranoid=0");
    ct_assert_contains(f->h.why, "setcap cap_perfmon=ep");
    assert_int_equal(cpf_perf_open_count(), 0);
}

static void test_perf_garbage_event(void **st)
{
    struct fx *f = *st;
    perf_two_sockets(f, 1);
    assert_int_equal(cpf_write(f->root, "devices/power/events/energy-pkg.scale", "lots"), 0);
    assert_int_equal(probe(f, &ct__meter_rapl_perf), CT_EIO);
    ct_assert_contains(f->h.why, "energy-pkg.scale");
    assert_int_equal(cpf_perf_pmu(f->root, 23, "0,4", 1), 0);
    assert_int_equal(cpf_write(f->root, "devices/power/cpumask", "0,,4"), 0);
    assert_int_equal(probe(f, &ct__meter_rapl_perf), CT_EIO);
    ct_assert_contains(f->h.why, "cpumask");
}

static void test_perf_lost_and_reset(void **st)
{
    struct fx *f = *st;
    perf_two_sockets(f, 0);
    probe_ok(f, &ct__meter_rapl_perf);
    perf_run(PKG, 0, 50.0, 2.0);
    perf_run(PKG, 4, 60.0, 2.0);
    assert_int_equal(read_at(f, 2), CT_OK);
    double kept = joules(f, 0);
    ct_assert_double_within(100.0, kept, 0.1);
    /* The counter of package 0 stops answering: lost, energy so far kept; package 1 goes on. */
    cpf_perf_fail_read(PKG, 0, EIO);
    perf_run(PKG, 4, 60.0, 1.0);
    assert_int_equal(read_at(f, 3), CT_EIO);
    assert_true(f->out[0].lost);
    ct_assert_double_equal(kept, joules(f, 0));
    assert_false(f->out[1].lost);
    ct_assert_double_within(180.0, joules(f, 1), 0.18);
    /* It answers again, but from a lower value (counter reset): that interval adds nothing. */
    cpf_perf_fail_read(PKG, 0, 0);
    cpf_perf_set(PKG, 0, 5);
    assert_int_equal(read_at(f, 4), CT_OK);
    assert_false(f->out[0].lost);
    ct_assert_double_equal(kept, joules(f, 0));
    perf_run(PKG, 0, 40.0, 1.0);
    assert_int_equal(read_at(f, 5), CT_OK);
    ct_assert_double_within(kept + 40.0, joules(f, 0), 0.14);
    char buf[256];
    f->h.m->detail(f->h.state, buf, sizeof(buf));
    ct_assert_contains(buf, "1 reset");
}

/* ---- MSR ----------------------------------------------------------------------------------*/

#define MSR_UNIT 0x606
#define MSR_PKG 0x611
#define MSR_DRAM 0x619
#define AMD_UNIT 0xC0010299ULL
#define AMD_PKG 0xC001029BULL

/* Advance a 32-bit energy-status register by joules at 1/2^esu J per count, wrapping. */
static void msr_run(struct fx *f, int cpu, uint64_t address, int esu, double joules_)
{
    uint64_t v;
    assert_int_equal(cpf_msr_get(f->msr, cpu, address, &v), 0);
    uint64_t counts = (uint64_t)llround(ldexp(joules_, esu));
    /* the upper 32 bits are reserved and hold junk on some CPUs: the meter masks them */
    uint64_t low = ((v & 0xffffffffULL) + counts) & 0xffffffffULL;
    assert_int_equal(cpf_msr_set(f->msr, cpu, address, (v & ~0xffffffffULL) | low), 0);
}

/* Two Skylake-SP packages: CPUs 0-3 and 4-7; ESU 14, DRAM with the fixed ESU 16. */
static void msr_skx(struct fx *f)
{
    assert_int_equal(cpf_topology(f->root, 8, 4), 0);
    write_cpuinfo(f, "GenuineIntel", 6, 85);
    for (int cpu = 0; cpu < 8; cpu += 4) {
        assert_int_equal(cpf_msr_set(f->msr, cpu, MSR_UNIT, 0xA0E03ULL), 0); /* ESU 14 */
        assert_int_equal(cpf_msr_set(f->msr, cpu, MSR_PKG, 0xdead000000000000ULL | 0xfff00000u),
                         0); /* near the wrap */
        assert_int_equal(cpf_msr_set(f->msr, cpu, MSR_DRAM, 123456789ULL), 0);
    }
    /* the other CPUs of each package have MSR files too; only the first is opened */
    assert_int_equal(cpf_msr_set(f->msr, 1, MSR_UNIT, 0), 0);
}

static void test_msr_trace_and_wrap(void **st)
{
    struct fx *f = *st;
    msr_skx(f);
    probe_ok(f, &ct__meter_rapl_msr);
    const char *const names[] = {"cpu:0", "dram:0", "cpu:1", "dram:1"};
    assert_names(f, names, 4);
    ct_assert_contains(f->h.devs[1].info, "0x619");
    ct_assert_contains(f->h.devs[2].info, "cpu 4");
    /* 120 s at 150 W wraps package 0's counter (1048575 counts, 64 J, left); DRAM at 15.3 uJ. */
    double pkg0 = 0, dram0 = 0;
    for (int k = 1; k <= 120; k++) {
        double w = k <= 60 ? 150.0 : 33.3;
        msr_run(f, 0, MSR_PKG, 14, w);
        msr_run(f, 0, MSR_DRAM, 16, 9.5);
        msr_run(f, 4, MSR_PKG, 14, 100.0);
        pkg0 += w;
        dram0 += 9.5;
        assert_int_equal(read_at(f, k), CT_OK);
    }
    ct_assert_double_within(pkg0, joules(f, 0), pkg0 * 1e-3);
    ct_assert_double_within(dram0, joules(f, 1), dram0 * 1e-3);
    ct_assert_double_within(12000.0, joules(f, 2), 12.0);
    ct_assert_double_equal(0.0, joules(f, 3));
    /* 2^32 counts of 2^-16 J (the DRAM's, shorter than the package's 2^-14 J) at 1000 W:
     * 65.536 s to wrap; read at least every 32.768 s. */
    ct_assert_double_within(32.768e9, (double)f->h.m->max_interval_ns(f->h.state), 1e3);
}

static void test_msr_reset(void **st)
{
    struct fx *f = *st;
    msr_skx(f);
    probe_ok(f, &ct__meter_rapl_msr);
    msr_run(f, 0, MSR_PKG, 14, 50.0);
    assert_int_equal(read_at(f, 1), CT_OK);
    ct_assert_double_within(50.0, joules(f, 0), 0.05);
    /* one second later the register is far behind: a "wrap" would be ~131 kJ in 1 s */
    assert_int_equal(cpf_msr_set(f->msr, 0, MSR_PKG, 0x7ff00000ULL), 0);
    assert_int_equal(read_at(f, 2), CT_OK);
    ct_assert_double_within(50.0, joules(f, 0), 0.05);
    char buf[256];
    f->h.m->detail(f->h.state, buf, sizeof(buf));
    ct_assert_contains(buf, "1 reset");
}

static void test_msr_amd(void **st)
{
    struct fx *f = *st;
    assert_int_equal(cpf_topology(f->root, 4, 4), 0);
    write_cpuinfo(f, "AuthenticAMD", 25, 1);
    assert_int_equal(cpf_msr_set(f->msr, 0, AMD_UNIT, 0x10A0E03ULL & 0xfffff), 0);
    assert_int_equal(cpf_msr_set(f->msr, 0, AMD_UNIT, 0x0A1003ULL), 0); /* ESU 16 */
    assert_int_equal(cpf_msr_set(f->msr, 0, AMD_PKG, 7), 0);
    assert_int_equal(cpf_msr_set(f->msr, 0, MSR_DRAM, 99), 0); /* not read on AMD */
    probe_ok(f, &ct__meter_rapl_msr);
    const char *const names[] = {"cpu:0"};
    assert_names(f, names, 1);
    msr_run(f, 0, AMD_PKG, 16, 280.0);
    assert_int_equal(read_at(f, 1), CT_OK);
    ct_assert_double_within(280.0, joules(f, 0), 0.28);
    /* 65.5 kJ at 1000 W */
    ct_assert_double_within(32.768e9, (double)f->h.m->max_interval_ns(f->h.state), 1e3);
}

static void test_msr_not_loaded_and_denied(void **st)
{
    struct fx *f = *st;
    assert_int_equal(cpf_topology(f->root, 2, 2), 0);
    write_cpuinfo(f, "GenuineIntel", 6, 85);
    assert_int_equal(probe(f, &ct__meter_rapl_msr), CT_ENOTSUP);
    ct_assert_contains(f->h.why, "/dev/cpu/0/msr");
    ct_assert_contains(f->h.why, "sudo modprobe msr");
    assert_int_equal(cpf_msr_set(f->msr, 0, MSR_UNIT, 0xA0E03ULL), 0);
    assert_int_equal(cpf_write(f->msr, "0/.ct-fault-msr", "EACCES"), 0);
    assert_int_equal(probe(f, &ct__meter_rapl_msr), CT_EPERM);
    ct_assert_contains(f->h.why, "permission denied");
    ct_assert_contains(f->h.why, "setcap cap_sys_rawio=ep");
    ct_assert_contains(f->h.why, "SUBSYSTEM==\"msr\"");
}

static void test_msr_no_rapl(void **st)
{
    struct fx *f = *st;
    assert_int_equal(cpf_topology(f->root, 2, 2), 0);
    write_cpuinfo(f, "GenuineIntel", 6, 85);
    assert_int_equal(cpf_msr_set(f->msr, 0, 0x10, 1), 0); /* a CPU whose file ends before 0x606 */
    assert_int_equal(probe(f, &ct__meter_rapl_msr), CT_ENOTSUP);
    ct_assert_contains(f->h.why, "no RAPL");
    /* no topology at all: not here, saying what was looked for */
    assert_int_equal(pcf_remove(f->root), 0);
    assert_int_equal(cpf_write(f->root, "proc/cpuinfo", "processor\t: 0"), 0);
    mh_reopen_sysfs(&f->h, &f->opts);
    assert_int_equal(probe(f, &ct__meter_rapl_msr), CT_ENOTSUP);
    ct_assert_contains(f->h.why, "devices/system/cpu/online");
}

static void test_msr_vanishes(void **st)
{
    struct fx *f = *st;
    msr_skx(f);
    probe_ok(f, &ct__meter_rapl_msr);
    msr_run(f, 0, MSR_PKG, 14, 77.0);
    assert_int_equal(read_at(f, 1), CT_OK);
    double kept = joules(f, 0);
    /* the device file is emptied (CPU offlined): reads fail, the device is lost, energy kept */
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/0/msr", f->msr);
    assert_int_equal(truncate(path, 0), 0);
    assert_int_equal(read_at(f, 2), CT_EIO);
    assert_true(f->out[0].lost);
    ct_assert_double_equal(kept, joules(f, 0));
    assert_false(f->out[2].lost);
}

/* ---- amd_energy -----------------------------------------------------------------------------*/

static void test_amd_energy_trace(void **st)
{
    struct fx *f = *st;
    assert_int_equal(cpf_amd_energy(f->root, 3, 2, 4, 5000000ULL), 0);
    /* another chip that is not amd_energy is ignored */
    assert_int_equal(cpf_hwmon(f->root, "pci0000:00/0000:00:18.3", 0, "k10temp"), 0);
    probe_ok(f, &ct__meter_amd_energy);
    const char *const names[] = {"cpu:0", "cpu:1"};
    assert_names(f, names, 2);
    ct_assert_contains(f->h.devs[1].info, "class/hwmon/hwmon3/energy6_input");
    uint64_t e5 = 5000000ULL, e6 = 5000000ULL;
    double truth = 0;
    for (int k = 1; k <= 30; k++) {
        double w = (k % 7 < 3) ? 210.0 : 64.5;
        e5 += (uint64_t)llround(w * 1e6);
        e6 += 90000000ULL;
        truth += w;
        assert_int_equal(cpf_hwmon_set_u64(f->root, 3, "energy5_input", e5), 0);
        assert_int_equal(cpf_hwmon_set_u64(f->root, 3, "energy6_input", e6), 0);
        /* per-core counters move too and must not be added */
        assert_int_equal(cpf_hwmon_set_u64(f->root, 3, "energy1_input", e5 * 2), 0);
        assert_int_equal(read_at(f, k), CT_OK);
    }
    ct_assert_double_within(truth, joules(f, 0), truth * 1e-3);
    ct_assert_double_within(2700.0, joules(f, 1), 2.7);
}

static void test_amd_energy_bad_input(void **st)
{
    struct fx *f = *st;
    assert_int_equal(cpf_amd_energy(f->root, 1, 2, 2, 1000ULL), 0);
    probe_ok(f, &ct__meter_amd_energy);
    assert_int_equal(cpf_hwmon_set_u64(f->root, 1, "energy3_input", 1000ULL + 40000000ULL), 0);
    assert_int_equal(read_at(f, 1), CT_OK);
    ct_assert_double_equal(40.0, joules(f, 0));
    /* garbage text: this read fails, the device is lost for it, the energy is kept */
    assert_int_equal(cpf_hwmon_write(f->root, 1, "energy3_input", "N/A"), 0);
    assert_int_equal(read_at(f, 2), CT_EIO);
    assert_true(f->out[0].lost);
    ct_assert_double_equal(40.0, joules(f, 0));
    /* backwards (driver reloaded): a reset, nothing added, counting resumes from there */
    assert_int_equal(cpf_hwmon_set_u64(f->root, 1, "energy3_input", 500ULL), 0);
    assert_int_equal(read_at(f, 3), CT_OK);
    ct_assert_double_equal(40.0, joules(f, 0));
    assert_int_equal(cpf_hwmon_set_u64(f->root, 1, "energy3_input", 500ULL + 2500000ULL), 0);
    assert_int_equal(read_at(f, 4), CT_OK);
    ct_assert_double_equal(42.5, joules(f, 0));
    /* the file vanishes (module unloaded): emptied in place, then removed */
    assert_int_equal(cpf_hwmon_write(f->root, 1, "energy4_input", ""), 0);
    assert_int_equal(cpf_hwmon_unlink(f->root, 1, "energy4_input"), 0);
    assert_int_equal(read_at(f, 5), CT_EIO);
    assert_true(f->out[1].lost);
    assert_false(f->out[0].lost);
    ct_assert_double_equal(42.5, joules(f, 0));
}

static void test_amd_energy_denied_and_absent(void **st)
{
    struct fx *f = *st;
    assert_int_equal(probe(f, &ct__meter_amd_energy), CT_ENOTSUP);
    ct_assert_contains(f->h.why, "no amd_energy chip");
    assert_int_equal(cpf_amd_energy(f->root, 2, 1, 2, 1ULL), 0);
    assert_int_equal(cpf_hwmon_write(f->root, 2, ".ct-fault-energy3_input", "EACCES"), 0);
    assert_int_equal(probe(f, &ct__meter_amd_energy), CT_EPERM);
    ct_assert_contains(f->h.why, "energy3_input: permission denied");
    ct_assert_contains(f->h.why, "ATTR{name}==\"amd_energy\"");
    /* a chip with per-core counters only */
    assert_int_equal(cpf_hwmon_unlink(f->root, 2, ".ct-fault-energy3_input"), 0);
    assert_int_equal(cpf_hwmon_write(f->root, 2, "energy3_label", "Ecore002"), 0);
    assert_int_equal(probe(f, &ct__meter_amd_energy), CT_ENOTSUP);
    ct_assert_contains(f->h.why, "no Esocket");
}

/* ---- the cpu-package domain's order -----------------------------------------------------------*/

static void test_registry_order(void **st)
{
    (void)st;
    /* agent: the same counters through the node agent (carbontracker serve), where powercap's
     * own read is refused */
    const char *want[] = {"rapl-powercap", "agent",      "rapl-perf",
                          "rapl-msr",      "amd-energy", "cpu-tdp"};
    size_t k = 0;
    for (int i = 0; ct__meters[i]; i++) {
        if (strcmp(ct__meters[i]->domain, "cpu-package") != 0)
            continue;
        assert_true(k < 6);
        assert_string_equal(ct__meters[i]->name, want[k]);
        k++;
    }
    assert_int_equal(k, 6);
}

/* powercap root-only: perf is used, MSR works too and is listed as a fallback, and every
 * probe says why it was or was not used. */
static void test_fallback_chain(void **st)
{
    struct fx *f = *st;
    assert_int_equal(pcf_create(f->root, "server2"), 0);
    assert_int_equal(pcf_deny(f->root, "intel-rapl:0"), 0);
    msr_skx(f);
    perf_two_sockets(f, 1);
    assert_int_equal(cpf_write(f->proc, "stat", "cpu  1 0 1 10 0 0 0 0 0 0"), 0);
    struct ct__probe_ctx *ctx = context(f);
    static struct ct__meter_set set;
    int order[2] = {CT__COMP_CPU, 0};
    char why[256];
    assert_int_equal(ct__meters_select(&set, ct__meters, ctx, order, 1, 1, why, sizeof(why)),
                     CT_OK);
    int seen = 0;
    for (int i = 0; i < set.n_probes; i++) {
        const struct ct__probe_result *pr = &set.probes[i];
        if (strcmp(pr->ops->name, "rapl-powercap") == 0) {
            assert_int_equal(pr->status, CT_EPERM);
            ct_assert_contains(pr->why, "udev");
            seen |= 1;
        } else if (strcmp(pr->ops->name, "rapl-perf") == 0) {
            assert_int_equal(pr->status, CT_OK);
            assert_true(pr->selected);
            seen |= 2;
        } else if (strcmp(pr->ops->name, "rapl-msr") == 0 ||
                   strcmp(pr->ops->name, "cpu-tdp") == 0) {
            if (pr->status != CT_OK)
                fail_msg("%s: %d %s", pr->ops->name, pr->status, pr->why);
            assert_false(pr->selected);
            ct_assert_contains(pr->why, "not used: rapl-perf measures the cpu-package domain");
            seen |= strcmp(pr->ops->name, "rapl-msr") == 0 ? 4 : 8;
        } else if (strcmp(pr->ops->name, "amd-energy") == 0) {
            assert_int_equal(pr->status, CT_ENOTSUP);
            seen |= 16;
        }
    }
    assert_int_equal(seen, 31);
    assert_int_equal(set.n_meters, 1);
    assert_string_equal(set.meters[0].ops->name, "rapl-perf");
    ct__meters_close(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_perf_trace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_perf_no_ram_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_perf_not_here, setup, teardown),
        cmocka_unit_test_setup_teardown(test_perf_paranoid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_perf_garbage_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_perf_lost_and_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msr_trace_and_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msr_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msr_amd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msr_not_loaded_and_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msr_no_rapl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msr_vanishes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amd_energy_trace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amd_energy_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amd_energy_denied_and_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_chain, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
