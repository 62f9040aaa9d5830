/*
 * test_rapl.c - the RAPL powercap meter against fixture sysfs trees: zone selection and labels,
 * exact energies, wraparound, resets, permission and I/O errors, the sampling bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ct_assert.h"
#include "energy/meter.h"
#include "powercap_fixture.h"
#include "util/sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define S_NS 1000000000ULL

struct fx {
    char root[PATH_MAX];
    int sysfs_fd;
    ct_options opts;
    struct ct__probe_ctx ctx;
    void *state;
    char why[2048];
    uint64_t t0_ns; /* taken after probe: reads pass t0_ns + k seconds */
    int n;
    struct ct__meter_dev devs[16];
    struct ct__reading out[16];
};

static const struct ct__meter_ops *const M = &ct__meter_rapl_powercap;

static int setup(void **st)
{
    static struct fx f;
    memset(&f, 0, sizeof(f));
    f.sysfs_fd = -1;
    if (pcf_mkroot(f.root, sizeof(f.root), "test_rapl") < 0)
        return -1;
    ct_options_init(&f.opts);
    f.opts.sysfs_root = f.root;
    *st = &f;
    return 0;
}

static int teardown(void **st)
{
    struct fx *f = *st;
    M->close(f->state);
    f->state = NULL;
    if (f->sysfs_fd >= 0)
        close(f->sysfs_fd);
    return pcf_remove(f->root) < 0 ? -1 : 0;
}

/* Probe the tree under f->root; returns the probe's status. */
static int probe(struct fx *f)
{
    if (f->sysfs_fd < 0)
        f->sysfs_fd = ct__root_open(f->root);
    ct_assert_cmp_int(f->sysfs_fd, >=, 0);
    f->ctx.sysfs_fd = f->sysfs_fd;
    f->ctx.proc_fd = -1;
    f->ctx.opts = &f->opts;
    f->why[0] = '\0';
    int rc = M->probe(&f->ctx, &f->state, f->why, sizeof(f->why));
    f->t0_ns = ct__now_ns();
    if (rc == CT_OK) {
        f->n = M->describe(f->state, f->devs, 16);
        assert_in_range(f->n, 1, 16);
    } else {
        assert_null(f->state);
    }
    return rc;
}

static void probe_ok(struct fx *f, const char *scenario)
{
    assert_int_equal(pcf_create(f->root, scenario), 0);
    int rc = probe(f);
    if (rc != CT_OK)
        fail_msg("probe %s: %d %s", scenario, rc, f->why);
}

static void assert_labels(struct fx *f, const char *const *labels, int n)
{
    assert_int_equal(f->n, n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(f->devs[i].name, labels[i]);
        assert_int_equal(f->devs[i].provenance, CT_PROVENANCE_MEASURED);
    }
}

/* Read at t0 + at_s seconds; asserts CT_OK. */
static void read_at(struct fx *f, uint64_t at_s)
{
    assert_int_equal(M->read(f->state, f->t0_ns + at_s * S_NS, f->out), CT_OK);
}

static void detail(struct fx *f, char *buf, size_t len)
{
    M->detail(f->state, buf, len);
}

/* ---- device lists ---------------------------------------------------------------------------*/

static void test_meter_identity(void **st)
{
    (void)st;
    assert_string_equal(M->name, "rapl-powercap");
    assert_int_equal(M->component, CT__COMP_CPU);
    assert_non_null(M->max_interval_ns);
    assert_non_null(M->detail);
}

static void test_client_package_and_dram_only(void **st)
{
    struct fx *f = *st;
    probe_ok(f, "client");
    static const char *const labels[] = {"cpu:0", "dram:0"};
    assert_labels(f, labels, 2);
    char d[512];
    detail(f, d, sizeof(d));
    assert_string_equal(
        d, "2 zones: intel-rapl:0 (package-0), intel-rapl:0:2 (dram); shortest wrap 262 s; "
           "0 resets");
}

static void test_client_energy_exact_core_uncore_psys_mmio_ignored(void **st)
{
    struct fx *f = *st;
    probe_ok(f, "client");
    read_at(f, 1);
    assert_int_equal(f->out[0].energy_uj, 0);
    assert_int_equal(f->out[1].energy_uj, 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 12500000), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0:2", 1750001), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0:0", 9000000), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0:1", 8000000), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:1", 7000000), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl-mmio:0", 6000000), 0);
    read_at(f, 2);
    assert_int_equal(f->out[0].energy_uj, 12500000);
    assert_int_equal(f->out[1].energy_uj, 1750001);
    assert_int_equal(f->out[0].lost, 0);
    assert_int_equal(f->out[1].lost, 0);
}

static void test_mmio_only_package_is_used(void **st)
{
    struct fx *f = *st;
    assert_int_equal(
        pcf_add_zone(f->root, "intel-rapl-mmio:0", "package-0", 1000, PCF_RANGE_INTEL_UJ, 0), 0);
    assert_int_equal(pcf_add_zone(f->root, "intel-rapl:0", "psys", 2000, PCF_RANGE_INTEL_UJ, 0), 0);
    assert_int_equal(probe(f), CT_OK);
    static const char *const labels[] = {"cpu:0"};
    assert_labels(f, labels, 1);
    assert_int_equal(pcf_advance(f->root, "intel-rapl-mmio:0", 4242), 0);
    read_at(f, 1);
    assert_int_equal(f->out[0].energy_uj, 4242);
}

static void test_server2_two_sockets_summed_separately(void **st)
{
    struct fx *f = *st;
    probe_ok(f, "server2");
    static const char *const labels[] = {"cpu:0", "dram:0", "cpu:1", "dram:1"};
    assert_labels(f, labels, 4);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 100000001), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0:0", 20000002), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:1", 110000003), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:1:0", 21000004), 0);
    read_at(f, 1);
    assert_int_equal(f->out[0].energy_uj, 100000001);
    assert_int_equal(f->out[1].energy_uj, 20000002);
    assert_int_equal(f->out[2].energy_uj, 110000003);
    assert_int_equal(f->out[3].energy_uj, 21000004);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:1", 5), 0);
    read_at(f, 2);
    assert_int_equal(f->out[0].energy_uj, 100000001);
    assert_int_equal(f->out[2].energy_uj, 110000008);
}

static void test_hex_ids_labels_from_names(void **st)
{
    struct fx *f = *st;
    probe_ok(f, "hex");
    static const char *const labels[] = {"cpu:0", "dram:0", "cpu:1", "dram:1"};
    assert_labels(f, labels, 4);
    /* intel-rapl:b is package-0, intel-rapl:a package-1, whatever their positions. */
    assert_int_equal(pcf_advance(f->root, "intel-rapl:b", 111), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:b:c", 222), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:a", 333), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:a:1", 444), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:a:0", 555), 0);
    read_at(f, 1);
    assert_int_equal(f->out[0].energy_uj, 111);
    assert_int_equal(f->out[1].energy_uj, 222);
    assert_int_equal(f->out[2].energy_uj, 333);
    assert_int_equal(f->out[3].energy_uj, 444);
}

static void test_amd_package_only(void **st)
{
    struct fx *f = *st;
    probe_ok(f, "amd");
    static const char *const labels[] = {"cpu:0"};
    assert_labels(f, labels, 1);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0:0", 1000), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 68000000), 0);
    read_at(f, 1);
    assert_int_equal(f->out[0].energy_uj, 68000000);
}

static void test_amd_mirrored_dies_count_once(void **st)
{
    struct fx *f = *st;
    probe_ok(f, "amd-dies");
    static const char *const labels[] = {"cpu:0"};
    assert_labels(f, labels, 1);
    char d[512];
    detail(f, d, sizeof(d));
    ct_assert_contains(d, "1 zone: intel-rapl:0 (package-0-die-0);");
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 68000000), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:1", 68000000), 0);
    read_at(f, 1);
    assert_int_equal(f->out[0].energy_uj, 68000000);
}

static void test_independent_dies_are_kept(void **st)
{
    struct fx *f = *st;
    assert_int_equal(pcf_create(f->root, "amd-dies"), 0);
    assert_int_equal(pcf_set(f->root, "intel-rapl:1", 7000000001ULL), 0);
    assert_int_equal(probe(f), CT_OK);
    static const char *const labels[] = {"cpu:0-die-0", "cpu:0-die-1"};
    assert_labels(f, labels, 2);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:1", 77), 0);
    read_at(f, 1);
    assert_int_equal(f->out[0].energy_uj, 0);
    assert_int_equal(f->out[1].energy_uj, 77);
}

static void test_dies_with_other_range_are_kept(void **st)
{
    struct fx *f = *st;
    assert_int_equal(pcf_create(f->root, "amd-dies"), 0);
    assert_int_equal(pcf_write(f->root, "intel-rapl:1", "max_energy_range_uj", "65712999614"), 0);
    assert_int_equal(probe(f), CT_OK);
    static const char *const labels[] = {"cpu:0-die-0", "cpu:0-die-1"};
    assert_labels(f, labels, 2);
}

static void test_include_psys_measures_psys_alone(void **st)
{
    struct fx *f = *st;
    f->opts.include_psys = 1;
    probe_ok(f, "client");
    static const char *const labels[] = {"psys"};
    assert_labels(f, labels, 1);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 1000000), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:1", 3000000), 0);
    read_at(f, 1);
    assert_int_equal(f->out[0].energy_uj, 3000000);
}

static void test_include_psys_without_psys_falls_back(void **st)
{
    struct fx *f = *st;
    f->opts.include_psys = 1;
    probe_ok(f, "server2");
    static const char *const labels[] = {"cpu:0", "dram:0", "cpu:1", "dram:1"};
    assert_labels(f, labels, 4);
}

/* ---- counters -------------------------------------------------------------------------------*/

static void test_wraparound_several_wraps_exact(void **st)
{
    struct fx *f = *st;
    probe_ok(f, "server2");
    uint64_t sum_pkg = 0, sum_dram = 0;
    /* 20 reads 1000 s apart: package-0 (range 262.1 kJ) gets 100 kJ per interval (100 W, under
     * its 125 W), dram:0 (range 65.7 kJ) 30 kJ: each read sees at most one wrap. */
    for (uint64_t k = 1; k <= 20; k++) {
        assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 100000000000ULL + k), 0);
        assert_int_equal(pcf_advance(f->root, "intel-rapl:0:0", 30000000000ULL + k), 0);
        sum_pkg += 100000000000ULL + k;
        sum_dram += 30000000000ULL + k;
        read_at(f, 1000 * k);
        assert_int_equal(f->out[0].energy_uj, sum_pkg);
        assert_int_equal(f->out[1].energy_uj, sum_dram);
        assert_int_equal(f->out[2].energy_uj, 0);
    }
    /* The counters wrapped several times. */
    ct_assert_cmp_uint(sum_pkg, >, 7 * PCF_RANGE_INTEL_UJ);
    ct_assert_cmp_uint(sum_dram, >, 9 * PCF_RANGE_DRAM_UJ);
    char d[512];
    detail(f, d, sizeof(d));
    ct_assert_contains(d, "; 0 resets");
}

static void test_wrap_at_range_boundary(void **st)
{
    struct fx *f = *st;
    assert_int_equal(pcf_create(f->root, "server2"), 0);
    assert_int_equal(pcf_set(f->root, "intel-rapl:0", PCF_RANGE_INTEL_UJ - 1000), 0);
    assert_int_equal(probe(f), CT_OK);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 5000), 0);
    uint64_t now;
    assert_int_equal(pcf_get(f->root, "intel-rapl:0", &now), 0);
    assert_int_equal(now, 4000);
    read_at(f, 1);
    assert_int_equal(f->out[0].energy_uj, 5000);
    /* The counter may read exactly its range. */
    assert_int_equal(pcf_set(f->root, "intel-rapl:0", PCF_RANGE_INTEL_UJ), 0);
    read_at(f, 3000);
    assert_int_equal(f->out[0].energy_uj, 5000 + PCF_RANGE_INTEL_UJ - 4000);
}

static void test_reset_adds_zero_never_negative(void **st)
{
    struct fx *f = *st;
    probe_ok(f, "server2");
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 1000000), 0);
    read_at(f, 1);
    assert_int_equal(f->out[0].energy_uj, 1000000);
    /* Back from 100001000000 to 5000000000 uJ: as a wrap that is 167 kJ in 1 s, far over
     * 2 x 125 W. */
    assert_int_equal(pcf_set(f->root, "intel-rapl:0", 5000000000ULL), 0);
    read_at(f, 2);
    assert_int_equal(f->out[0].energy_uj, 1000000);
    assert_int_equal(f->out[0].lost, 0);
    /* Resynchronised on the new value. */
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 7000000), 0);
    read_at(f, 3);
    assert_int_equal(f->out[0].energy_uj, 8000000);
    /* Above the range: impossible, also a reset. */
    assert_int_equal(pcf_set(f->root, "intel-rapl:0", PCF_RANGE_INTEL_UJ + 5), 0);
    read_at(f, 4);
    assert_int_equal(f->out[0].energy_uj, 8000000);
    assert_int_equal(pcf_set(f->root, "intel-rapl:0", 10), 0);
    read_at(f, 5);
    assert_int_equal(f->out[0].energy_uj, 8000000);
    assert_int_equal(pcf_set(f->root, "intel-rapl:0", 30), 0);
    read_at(f, 6);
    assert_int_equal(f->out[0].energy_uj, 8000020);
    char d[512];
    detail(f, d, sizeof(d));
    ct_assert_contains(d, "; 3 resets");
}

static void test_read_after_zone_vanishes_keeps_values(void **st)
{
    struct fx *f = *st;
    probe_ok(f, "server2");
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 1111), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:1", 2222), 0);
    read_at(f, 1);
    assert_int_equal(f->out[2].energy_uj, 2222);
    assert_int_equal(pcf_vanish(f->root, "intel-rapl:1"), 0);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 3333), 0);
    assert_int_equal(M->read(f->state, f->t0_ns + 2 * S_NS, f->out), CT_EIO);
    assert_int_equal(f->out[0].energy_uj, 4444);
    assert_int_equal(f->out[0].lost, 0);
    assert_int_equal(f->out[2].energy_uj, 2222);
    assert_int_equal(f->out[2].lost, 1);
    assert_int_equal(f->out[3].energy_uj, 0);
    assert_int_equal(f->out[3].lost, 0);
    /* The failure names the file and the cause (reliability finding 10). */
    char why[4500], want[PATH_MAX + 128];
    M->read_error(f->state, why, sizeof(why));
    snprintf(want, sizeof(want), "cannot read %s/class/powercap/intel-rapl:1/energy_uj: ", f->root);
    ct_assert_prefix(why, want);
    ct_assert_cmp_int((int)strlen(why), >, (int)strlen(want));
}

/* ---- errors ---------------------------------------------------------------------------------*/

static void test_eacces_is_eperm_with_fix(void **st)
{
    struct fx *f = *st;
    assert_int_equal(pcf_create(f->root, "client"), 0);
    assert_int_equal(pcf_deny(f->root, "intel-rapl:0"), 0);
    assert_int_equal(probe(f), CT_EPERM);
    char path[PATH_MAX + 256];
    snprintf(path, sizeof(path), "cannot read %s/class/powercap/intel-rapl:0/energy_uj: ", f->root);
    ct_assert_contains(f->why, path);
    ct_assert_contains(f->why, "permission denied");
    ct_assert_contains(f->why, "CVE-2020-8694");
    ct_assert_contains(f->why, "sudo chmod o+r");
    ct_assert_contains(f->why, "udev");
    ct_assert_contains(f->why, "RUN+=\"/bin/chmod og+r %S%p/energy_uj\"");
}

static void test_eacces_on_dram_names_dram(void **st)
{
    struct fx *f = *st;
    assert_int_equal(pcf_create(f->root, "server2"), 0);
    assert_int_equal(pcf_deny(f->root, "intel-rapl:1:0"), 0);
    assert_int_equal(probe(f), CT_EPERM);
    char path[PATH_MAX + 256];
    snprintf(path, sizeof(path), "%s/class/powercap/intel-rapl:1:0/energy_uj", f->root);
    ct_assert_contains(f->why, path);
}

static void test_denied_excluded_zone_does_not_matter(void **st)
{
    struct fx *f = *st;
    assert_int_equal(pcf_create(f->root, "client"), 0);
    assert_int_equal(pcf_deny(f->root, "intel-rapl:0:0"), 0);
    assert_int_equal(pcf_deny(f->root, "intel-rapl:1"), 0);
    assert_int_equal(probe(f), CT_OK);
    assert_int_equal(f->n, 2);
}

static void test_eio_names_file_and_error(void **st)
{
    struct fx *f = *st;
    assert_int_equal(pcf_create(f->root, "server2"), 0);
    assert_int_equal(pcf_fault(f->root, "intel-rapl:1", "energy_uj", "EIO"), 0);
    assert_int_equal(probe(f), CT_EIO);
    char want[PATH_MAX + 256];
    snprintf(want, sizeof(want),
             "cannot read %s/class/powercap/intel-rapl:1/energy_uj: Input/output error", f->root);
    assert_string_equal(f->why, want);
}

static void test_none_is_enotsup(void **st)
{
    struct fx *f = *st;
    assert_int_equal(pcf_create(f->root, "none"), 0);
    assert_int_equal(probe(f), CT_ENOTSUP);
    char want[PATH_MAX + 256];
    snprintf(want, sizeof(want), "no %s/class/powercap", f->root);
    assert_string_equal(f->why, want);
}

static void test_no_package_zone_is_enotsup(void **st)
{
    struct fx *f = *st;
    assert_int_equal(pcf_add_zone(f->root, "intel-rapl:0", "psys", 1, PCF_RANGE_INTEL_UJ, 0), 0);
    assert_int_equal(pcf_add_zone(f->root, "dtpm:0", "package-0", 1, PCF_RANGE_INTEL_UJ, 0), 0);
    assert_int_equal(probe(f), CT_ENOTSUP);
    char want[PATH_MAX + 256];
    snprintf(want, sizeof(want), "no RAPL package zones in %s/class/powercap", f->root);
    assert_string_equal(f->why, want);
}

/* ---- sampling bound -------------------------------------------------------------------------*/

static void test_max_interval_half_shortest_wrap(void **st)
{
    struct fx *f = *st;
    probe_ok(f, "server2");
    /* dram has no max power: 1000 W assumed; 65712999613 uJ / 1000 W = 65.712999613 s. */
    assert_int_equal(M->max_interval_ns(f->state), 65712999613ULL / 2);
}

static void test_max_interval_uses_constraint(void **st)
{
    struct fx *f = *st;
    assert_int_equal(pcf_create(f->root, "server2"), 0);
    assert_int_equal(pcf_write(f->root, "intel-rapl:0:0", "constraint_0_max_power_uw", "20000000"),
                     0);
    assert_int_equal(pcf_write(f->root, "intel-rapl:1:0", "constraint_0_max_power_uw", "0"), 0);
    assert_int_equal(pcf_write(f->root, "intel-rapl:1:0", "max_energy_range_uj", "900000000000"),
                     0);
    assert_int_equal(probe(f), CT_OK);
    /* dram:0 3285.6 s at 20 W, dram:1 900 s at 1000 W, packages 2097.1466308 s at 125 W. */
    assert_int_equal(M->max_interval_ns(f->state), 900000000000ULL / 2);
    M->close(f->state);
    f->state = NULL;
    assert_int_equal(pcf_write(f->root, "intel-rapl:1:0", "constraint_0_max_power_uw", "1000"), 0);
    assert_int_equal(probe(f), CT_OK);
    /* 262143328850 uJ / 125 W = 2097.1466308 s; half of it in ns. */
    assert_int_equal(M->max_interval_ns(f->state), 2097146630800ULL / 2);
}

/* ---- fixture helper -------------------------------------------------------------------------*/

static void test_fixture_advance_wraps_in_place(void **st)
{
    struct fx *f = *st;
    assert_int_equal(pcf_add_zone(f->root, "intel-rapl:0", "package-0", 95, 100, 0), 0);
    char path[PATH_MAX + 256];
    snprintf(path, sizeof(path), "%s/class/powercap/intel-rapl:0/energy_uj", f->root);
    int fd = ct__sysfs_open(AT_FDCWD, path);
    ct_assert_cmp_int(fd, >=, 0);
    uint64_t v;
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 10), 0);
    assert_int_equal(ct__sysfs_pread_u64(fd, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(pcf_advance(f->root, "intel-rapl:0", 250), 0);
    assert_int_equal(ct__sysfs_pread_u64(fd, &v), 0);
    assert_int_equal(v, 55);
    char buf[32];
    assert_int_equal(ct__sysfs_pread(fd, buf, sizeof(buf)), 3);
    assert_string_equal(buf, "55\n");
    close(fd);
    assert_int_equal(pcf_create(f->root, "nosuch"), -EINVAL);
}

/* The counter files' numbers: what the kernel writes, and what must be refused rather than
 * misread. */
static void test_parse_u64(void **st)
{
    (void)st;
    const struct {
        const char *text;
        int rc;
        uint64_t v;
    } cases[] = {
        {"0", 0, 0},
        {"123456789\n", 0, 123456789},
        {"  00042 \t\r\n", 0, 42},
        {"\t7", 0, 7},
        {"18446744073709551615\n", 0, UINT64_MAX},
        {"18446744073709551616", -EINVAL, 0},
        {"99999999999999999999", -EINVAL, 0},
        {"", -EINVAL, 0},
        {"\n", -EINVAL, 0},
        {"-1", -EINVAL, 0},
        {"+1", -EINVAL, 0},
        {"12x", -EINVAL, 0},
        {"12 3", -EINVAL, 0},
        {"0x10", -EINVAL, 0},
        {"1.5", -EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 12345;
        int rc = ct__parse_u64(cases[i].text, &v);
        if (rc != cases[i].rc)
            print_error("ct__parse_u64(\"%s\") = %d\n", cases[i].text, rc);
        assert_int_equal(rc, cases[i].rc);
        assert_true(rc == 0 ? v == cases[i].v : v == 12345); /* untouched on error */
    }
}

static void test_close_null(void **st)
{
    (void)st;
    M->close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_meter_identity),
        T(test_client_package_and_dram_only),
        T(test_client_energy_exact_core_uncore_psys_mmio_ignored),
        T(test_mmio_only_package_is_used),
        T(test_server2_two_sockets_summed_separately),
        T(test_hex_ids_labels_from_names),
        T(test_amd_package_only),
        T(test_amd_mirrored_dies_count_once),
        T(test_independent_dies_are_kept),
        T(test_dies_with_other_range_are_kept),
        T(test_include_psys_measures_psys_alone),
        T(test_include_psys_without_psys_falls_back),
        T(test_wraparound_several_wraps_exact),
        T(test_wrap_at_range_boundary),
        T(test_reset_adds_zero_never_negative),
        T(test_read_after_zone_vanishes_keeps_values),
        T(test_eacces_is_eperm_with_fix),
        T(test_eacces_on_dram_names_dram),
        T(test_denied_excluded_zone_does_not_matter),
        T(test_eio_names_file_and_error),
        T(test_none_is_enotsup),
        T(test_no_package_zone_is_enotsup),
        T(test_max_interval_half_shortest_wrap),
        T(test_max_interval_uses_constraint),
        T(test_fixture_advance_wraps_in_place),
        T(test_close_null),
        cmocka_unit_test(test_parse_u64),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
