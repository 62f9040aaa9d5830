/*
 * test_node_meters.c - the whole-machine meters: the ACPI power meter (a power_meter hwmon chip
 * linked from class/hwmon, its files in hwmonN/ or, as older kernels have them, in
 * hwmonN/device/) and the BMC's DCMI power reading through a fake ipmitool on PATH. Known power
 * traces against the truth (integrated: within 2 %), the driver's error value, garbage, files
 * that vanish, an ipmitool that fails or hangs; and that a tracker keeps node power beside the
 * components, never in their totals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backends.h"
#include "cpu_fixture.h"
#include "ct_assert.h"
#include "energy/ipmi_dcmi.h"
#include "energy/meter.h"
#include "meter_harness.h"
#include "powercap_fixture.h"
#include "proc_fixture.h"
#include "util/sysfs.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_NS 1000000000ULL
#define ACPI_DEV "LNXSYSTM:00/LNXSYBUS:00/ACPI000D:00"

struct fx {
    char root[512];
    char bin[600]; /* the fake ipmitool's directory, first on PATH */
    char dev[600]; /* the BMC device (a plain file) */
    char set_dev[700];
    const char *settings_list[2];
    ct_options opts;
    struct mh h; /* the meter under test */
    struct ct__reading out[8];
    char *old_path;
};

static int setup(void **st)
{
    static struct fx f;
    memset(&f, 0, sizeof(f));
    mh_init(&f.h);
    if (pcf_mkroot(f.root, sizeof(f.root), "test_node_meters") < 0)
        return -1;
    snprintf(f.bin, sizeof(f.bin), "%s/bin", f.root);
    snprintf(f.dev, sizeof(f.dev), "%s/dev/ipmi0", f.root);
    snprintf(f.set_dev, sizeof(f.set_dev), "ipmi-dcmi.device=%s", f.dev);
    f.settings_list[0] = f.set_dev;
    ct_options_init(&f.opts);
    f.opts.sysfs_root = f.root;
    f.opts.settings = f.settings_list;
    const char *path = getenv("PATH");
    f.old_path = strdup(path ? path : "/usr/bin:/bin");
    char newpath[4096];
    snprintf(newpath, sizeof(newpath), "%s:%s", f.bin, f.old_path);
    setenv("PATH", newpath, 1);
    *st = &f;
    return 0;
}

static int teardown(void **st)
{
    struct fx *f = *st;
    mh_close(&f->h);
    setenv("PATH", f->old_path, 1);
    free(f->old_path);
    return pcf_remove(f->root) < 0 ? -1 : 0;
}

static int probe(struct fx *f, const struct ct__meter_ops *m)
{
    return mh_probe(&f->h, &f->opts, m, 8);
}

static int read_at(struct fx *f, double at_s)
{
    return f->h.m->read(f->h.state, f->h.t0_ns + (uint64_t)(at_s * 1e9), f->out);
}

static double joules(const struct fx *f, int i)
{
    return (double)f->out[i].energy_uj / 1e6;
}

/* ---- ACPI power meter -----------------------------------------------------------------------*/

static void test_acpi_trace(void **st)
{
    struct fx *f = *st;
    assert_int_equal(cpf_hwmon(f->root, ACPI_DEV, 2, "power_meter"), 0);
    assert_int_equal(cpf_hwmon_set_u64(f->root, 2, "power1_average", 350000000ULL), 0);
    assert_int_equal(cpf_hwmon_write(f->root, 2, "power1_average_interval", "1000"), 0);
    assert_int_equal(cpf_hwmon(f->root, "platform/coretemp.0", 1, "coretemp"), 0);
    assert_int_equal(probe(f, &ct__meter_acpi_power_meter), CT_OK);
    assert_int_equal(f->h.n, 1);
    assert_string_equal(f->h.devs[0].name, "node");
    assert_int_equal(f->h.devs[0].provenance, CT_PROVENANCE_INTEGRATED);
    assert_int_equal(ct__meter_acpi_power_meter.component, CT__COMP_NODE);
    ct_assert_double_equal(1e9, (double)f->h.m->max_interval_ns(f->h.state));
    /* A step trace: each second's average written before that second's read. */
    double truth = 0;
    for (int k = 1; k <= 60; k++) {
        double w = k <= 20 ? 350.0 : k <= 35 ? 612.5 : 410.0;
        assert_int_equal(cpf_hwmon_set_u64(f->root, 2, "power1_average", (uint64_t)(w * 1e6)), 0);
        assert_int_equal(read_at(f, k), CT_OK);
        truth += w;
    }
    ct_assert_double_within(truth, joules(f, 0), truth * 0.02);
    /* the driver's "no reading" value: skipped, the next good reading covers the interval */
    assert_int_equal(cpf_hwmon_write(f->root, 2, "power1_average", "4294967295000"), 0);
    assert_int_equal(read_at(f, 61), CT_OK);
    assert_false(f->out[0].lost);
    ct_assert_double_within(truth, joules(f, 0), truth * 0.02);
    assert_int_equal(cpf_hwmon_set_u64(f->root, 2, "power1_average", 400000000ULL), 0);
    assert_int_equal(read_at(f, 62), CT_OK);
    truth += 800.0;
    ct_assert_double_within(truth, joules(f, 0), truth * 0.02);
    char buf[256];
    f->h.m->detail(f->h.state, buf, sizeof(buf));
    ct_assert_contains(buf, "1 reading skipped");
    /* the file vanishes (meter gone): lost, the energy so far kept */
    assert_int_equal(cpf_hwmon_write(f->root, 2, "power1_average", ""), 0);
    assert_int_equal(cpf_hwmon_unlink(f->root, 2, "power1_average"), 0);
    assert_int_equal(read_at(f, 63), CT_EIO);
    assert_true(f->out[0].lost);
    ct_assert_double_within(truth, joules(f, 0), truth * 0.02);
}

/* Older kernels put the attributes in hwmonN/device/ (the ACPI device itself). */
static void test_acpi_device_dir(void **st)
{
    struct fx *f = *st;
    assert_int_equal(cpf_hwmon(f->root, ACPI_DEV, 0, "power_meter"), 0);
    char path[1024], target[64];
    snprintf(path, sizeof(path), "%s/devices/" ACPI_DEV "/hwmon/hwmon0/device", f->root);
    snprintf(target, sizeof(target), "../..");
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(cpf_write(f->root, "devices/" ACPI_DEV "/power1_average", "250000000"), 0);
    assert_int_equal(probe(f, &ct__meter_acpi_power_meter), CT_OK);
    ct_assert_contains(f->h.devs[0].info, "hwmon0/device/power1_average");
    assert_int_equal(cpf_write(f->root, "devices/" ACPI_DEV "/power1_average", "250000000"), 0);
    assert_int_equal(read_at(f, 10), CT_OK);
    ct_assert_double_within(2500.0, joules(f, 0), 2500.0 * 0.02);
}

static void test_acpi_bad_input(void **st)
{
    struct fx *f = *st;
    assert_int_equal(probe(f, &ct__meter_acpi_power_meter), CT_ENOTSUP);
    ct_assert_contains(f->h.why, "no power_meter chip");
    assert_int_equal(cpf_hwmon(f->root, ACPI_DEV, 4, "power_meter"), 0);
    assert_int_equal(cpf_hwmon_write(f->root, 4, "power1_average", "watts"), 0);
    assert_int_equal(probe(f, &ct__meter_acpi_power_meter), CT_EIO);
    ct_assert_contains(f->h.why, "not a number of microwatts");
    assert_int_equal(cpf_hwmon_write(f->root, 4, "power1_average", "4294967295000"), 0);
    assert_int_equal(probe(f, &ct__meter_acpi_power_meter), CT_EIO);
    ct_assert_contains(f->h.why, "no reading");
    /* garbage in mid-run: that reading fails, the device is lost for it, energy kept */
    assert_int_equal(cpf_hwmon_write(f->root, 4, "power1_average", "100000000"), 0);
    assert_int_equal(probe(f, &ct__meter_acpi_power_meter), CT_OK);
    assert_int_equal(read_at(f, 10), CT_OK);
    ct_assert_double_within(1000.0, joules(f, 0), 20.0);
    assert_int_equal(cpf_hwmon_write(f->root, 4, "power1_average", "1e8"), 0);
    assert_int_equal(read_at(f, 11), CT_EIO);
    assert_true(f->out[0].lost);
    ct_assert_double_within(1000.0, joules(f, 0), 20.0);
}

/* ---- IPMI DCMI ------------------------------------------------------------------------------*/

static void install_ipmitool(struct fx *f, int watts, const char *mode)
{
    const char *src = getenv("CT_SOURCE_DIR");
    assert_non_null(src);
    char from[1024], to[1024], text[32];
    snprintf(from, sizeof(from), "%s/tests/fakes/ipmitool.sh", src);
    snprintf(to, sizeof(to), "%s/bin/ipmitool", f->root);
    assert_int_equal(cpf_write(f->root, "bin/watts", "0"), 0);
    unlink(to);
    assert_int_equal(symlink(from, to), 0);
    snprintf(text, sizeof(text), "%d", watts);
    assert_int_equal(cpf_write(f->root, "bin/watts", text), 0);
    assert_int_equal(cpf_write(f->root, "bin/mode", mode), 0);
    assert_int_equal(cpf_write(f->root, "dev/ipmi0", ""), 0);
}

/* The lines the real ipmitool prints, parsed; other output says what it was. */
static void test_ipmi_parse(void **st)
{
    (void)st;
    const char ok[] = "\n\n    Instantaneous power reading:                   287 Watts\n"
                      "    Minimum during sampling period:                 12 Watts\n"
                      "    Maximum during sampling period:                498 Watts\n"
                      "    Average power reading over sample period:      301 Watts\n"
                      "    IPMI timestamp:                           Thu Jan  1 00:00:00 2026\n"
                      "    Sampling period:                          00000001 Seconds.\n"
                      "    Power reading state is:                   activated\n\n\n";
    double w = 0;
    char why[256] = "";
    assert_int_equal(ct__ipmi_dcmi_parse(ok, sizeof(ok) - 1, &w, why, sizeof(why)), 0);
    ct_assert_double_equal(287.0, w);
    const char avg[] = "    Average power reading over sample period:      301 Watts\n";
    assert_int_equal(ct__ipmi_dcmi_parse(avg, sizeof(avg) - 1, &w, why, sizeof(why)), 0);
    ct_assert_double_equal(301.0, w);
    const char err[] = "DCMI request failed because: Invalid command (c1)\n";
    assert_int_equal(ct__ipmi_dcmi_parse(err, sizeof(err) - 1, &w, why, sizeof(why)), -1);
    ct_assert_contains(why, "Invalid command (c1)");
    const char junk[] = "    Instantaneous power reading:  lots Watts\n\x01\xff";
    assert_int_equal(ct__ipmi_dcmi_parse(junk, sizeof(junk) - 1, &w, why, sizeof(why)), -1);
    assert_int_equal(ct__ipmi_dcmi_parse("", 0, &w, why, sizeof(why)), -1);
    ct_assert_contains(why, "(empty)");
    const char huge[] = "    Instantaneous power reading:              999999999 Watts\n";
    assert_int_equal(ct__ipmi_dcmi_parse(huge, sizeof(huge) - 1, &w, why, sizeof(why)), -1);
}

/* Let the child started by the last read finish (it runs in real time). */
static void settle(void)
{
    usleep(100000);
}

static void test_ipmi_trace(void **st)
{
    struct fx *f = *st;
    install_ipmitool(f, 300, "ok");
    assert_int_equal(probe(f, &ct__meter_ipmi_dcmi), CT_OK);
    assert_string_equal(f->h.devs[0].name, "node:bmc");
    assert_int_equal(f->h.devs[0].provenance, CT_PROVENANCE_INTEGRATED);
    ct_assert_contains(f->h.devs[0].info, "dcmi power reading");
    /* 20 s: 300 W for 10 s then 330 W; the reading is held between answers (one a second). */
    double truth = 0;
    for (int k = 1; k <= 20; k++) {
        int w = k <= 10 ? 300 : 330;
        char text[16];
        snprintf(text, sizeof(text), "%d", w);
        assert_int_equal(cpf_write(f->root, "bin/watts", text), 0);
        assert_int_equal(read_at(f, k), CT_OK);
        settle();
        truth += w;
    }
    ct_assert_double_within(truth, joules(f, 0), truth * 0.02);
    assert_false(f->out[0].lost);
    char buf[512];
    f->h.m->detail(f->h.state, buf, sizeof(buf));
    ct_assert_contains(buf, "330 W now");
}

static void test_ipmi_failures(void **st)
{
    struct fx *f = *st;
    /* no device: not tried at all (ipmitool not run) */
    assert_int_equal(probe(f, &ct__meter_ipmi_dcmi), CT_ENOTSUP);
    ct_assert_contains(f->h.why, "modprobe ipmi_si");
    install_ipmitool(f, 300, "error");
    assert_int_equal(probe(f, &ct__meter_ipmi_dcmi), CT_EIO);
    ct_assert_contains(f->h.why, "Could not open device at /dev/ipmi0");
    install_ipmitool(f, 300, "garbage");
    assert_int_equal(probe(f, &ct__meter_ipmi_dcmi), CT_EIO);
    ct_assert_contains(f->h.why, "Power: lots");
    /* works, then hangs: killed after the timeout, the energy so far kept, lost when it stays
     * silent */
    install_ipmitool(f, 200, "ok");
    assert_int_equal(probe(f, &ct__meter_ipmi_dcmi), CT_OK);
    assert_int_equal(read_at(f, 1), CT_OK);
    settle();
    assert_int_equal(cpf_write(f->root, "bin/mode", "hang"), 0);
    assert_int_equal(read_at(f, 2), CT_OK); /* collects the 200 W answer, starts a hanging one */
    settle();
    double kept = joules(f, 0);
    ct_assert_double_within(400.0, kept, 8.0);
    assert_int_equal(read_at(f, 8), CT_EIO); /* 6 s later: killed */
    char buf[512];
    f->h.m->detail(f->h.state, buf, sizeof(buf));
    ct_assert_contains(buf, "no answer within 5 s");
    assert_int_equal(cpf_write(f->root, "bin/mode", "error"), 0);
    read_at(f, 9); /* starts one that fails */
    settle();
    read_at(f, 40); /* collects the failure: 38 s without an answer */
    assert_true(f->out[0].lost);
    f->h.m->detail(f->h.state, buf, sizeof(buf));
    ct_assert_contains(buf, "Could not open device");
}

/* ---- a tracker: node power beside the components, never added -------------------------------*/

static void test_tracker_node_beside(void **st)
{
    struct fx *f = *st;
    char proc[1024];
    snprintf(proc, sizeof(proc), "%s/proc", f->root);
    assert_int_equal(pcf_create(f->root, "server2"), 0);
    struct prf_stat ps = {.user = 1000, .idle = 9000};
    assert_int_equal(cpf_write(f->root, "proc/.keep", ""), 0);
    assert_int_equal(prf_create(proc, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 4, &ps), 0);
    assert_int_equal(cpf_hwmon(f->root, ACPI_DEV, 2, "power_meter"), 0);
    assert_int_equal(cpf_hwmon_set_u64(f->root, 2, "power1_average", 500000000ULL), 0);
    char logs[1024];
    snprintf(logs, sizeof(logs), "%s/logs", f->root);
    ct_options o = CT_OPTIONS_INIT;
    o.sysfs_root = f->root;
    o.proc_root = proc;
    o.components = "cpu";
    o.log_dir = logs;
    o.zone = "DK";
    o.epochs = 1;
    o.update_interval_s = 0.05;
    ct_tracker *t = NULL;
    char err[512];
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_OK);
    ct_epoch_start(t);
    pcf_advance(f->root, "intel-rapl:0", 3000000ULL);
    usleep(300000);
    ct_epoch_end(t, NULL);
    ct_stop(t);
    char *js = NULL;
    assert_int_equal(ct_summary_json(t, &js), CT_OK);
    json_error_t jerr;
    json_t *root = json_loads(js, 0, &jerr);
    assert_non_null(root);
    /* the components' energy is RAPL's alone: 3 J */
    ct_assert_double_within(3.0, json_real_value(json_object_get(root, "energy_j")), 1e-6);
    json_t *node = json_object_get(root, "node");
    assert_true(json_is_object(node));
    double node_j = json_real_value(json_object_get(node, "energy_j"));
    double span = json_real_value(json_object_get(node, "duration_s"));
    ct_assert_cmp_double(span, >, 0.25);
    ct_assert_double_within(500.0 * span, node_j, 500.0 * span * 0.02);
    ct_assert_double_within(3.0, json_real_value(json_object_get(node, "components_energy_j")),
                            1e-6);
    ct_assert_double_within(node_j - 3.0,
                            json_real_value(json_object_get(node, "not_in_components_j")), 1e-6);
    json_t *d0 = json_array_get(json_object_get(node, "devices"), 0);
    assert_string_equal(json_string_value(json_object_get(d0, "meter")), "acpi-power-meter");
    /* no node device among the components' */
    json_t *devs = json_object_get(root, "devices");
    for (size_t i = 0; i < json_array_size(devs); i++)
        assert_string_not_equal(
            json_string_value(json_object_get(json_array_get(devs, i), "component")), "node");
    json_decref(root);
    ct_free(js);
    ct_tracker_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_acpi_trace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acpi_device_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acpi_bad_input, setup, teardown),
        cmocka_unit_test(test_ipmi_parse),
        cmocka_unit_test_setup_teardown(test_ipmi_trace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipmi_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tracker_node_beside, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
