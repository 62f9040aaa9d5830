/*
 * test_abi.c - the versioned result structs: the frozen old layouts (abi.h) against offsets
 * computed by hand, each version of ct_epoch_result, ct_summary and ct_device_energy written
 * exactly up to its end (a canary after it stays untouched), versions the library does not know
 * refused, and the per-device accessors against the JSON summary and the old device arrays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "abi.h"
#include "console_capture.h"
#include "ct_assert.h"
#include "powercap_fixture.h"
#include "proc_fixture.h"
#include "tracker.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CANARY 0xAB
#define SLACK 256 /* canary bytes after the caller's struct */

/* ---- layouts -------------------------------------------------------------------------------- */

/* Offsets as the C rules give them on LP64 (x86-64, aarch64), worked out by hand from the field
 * list of each version of carbontracker.h. */
static void test_old_layouts(void **state)
{
    (void)state;
    /* ct_device_energy of 0.1 (no version field): 8 + 96 + 24 chars, two ints, a double. */
    assert_int_equal(offsetof(struct ct__device_energy_v0, component), 0);
    assert_int_equal(offsetof(struct ct__device_energy_v0, name), 8);
    assert_int_equal(offsetof(struct ct__device_energy_v0, meter), 104);
    assert_int_equal(offsetof(struct ct__device_energy_v0, provenance), 128);
    assert_int_equal(offsetof(struct ct__device_energy_v0, lost), 132);
    assert_int_equal(offsetof(struct ct__device_energy_v0, energy_j), 136);
    assert_int_equal(offsetof(struct ct__device_energy_v0, uuid), 144);
    assert_int_equal(offsetof(struct ct__device_energy_v0, index), 240);
    assert_int_equal(sizeof(struct ct__device_energy_v0), 248);

    /* ct_epoch_result version 1: two 4-byte fields, nine doubles, n_devices, 64 devices. */
    assert_int_equal(offsetof(struct ct__epoch_result_v1, epoch), 4);
    assert_int_equal(offsetof(struct ct__epoch_result_v1, duration_s), 8);
    assert_int_equal(offsetof(struct ct__epoch_result_v1, co2eq_g), 72);
    assert_int_equal(offsetof(struct ct__epoch_result_v1, n_devices), 80);
    assert_int_equal(offsetof(struct ct__epoch_result_v1, devices), 88);
    assert_int_equal(sizeof(struct ct__epoch_result_v1), 88 + 64 * 248);

    /* ct_summary versions 1 and 2. */
    assert_int_equal(offsetof(struct ct__summary_v2, duration_s), 16);
    assert_int_equal(offsetof(struct ct__summary_v2, km_by_car), 64);
    assert_int_equal(offsetof(struct ct__summary_v2, intensity_source), 72);
    assert_int_equal(offsetof(struct ct__summary_v2, zone), 136);
    assert_int_equal(offsetof(struct ct__summary_v2, location), 152);
    assert_int_equal(offsetof(struct ct__summary_v2, location_method), 280);
    assert_int_equal(offsetof(struct ct__summary_v2, predicted), 304);
    assert_int_equal(offsetof(struct ct__summary_v2, pred_duration_s), 312);
    assert_int_equal(offsetof(struct ct__summary_v2, tracker_cpu_s), 336);
    assert_int_equal(offsetof(struct ct__summary_v2, n_devices), 344);
    assert_int_equal(offsetof(struct ct__summary_v2, devices), 352);
    assert_int_equal(offsetof(struct ct__summary_v2, caller_cpu_s), 352 + 64 * 248);
    assert_int_equal(offsetof(struct ct__summary_v2, sampler_cpu_s), 16240);
    assert_int_equal(sizeof(struct ct__summary_v2), 16248);
}

static void test_current_layouts(void **state)
{
    (void)state;
    assert_int_equal(offsetof(ct_device_energy, version), 0);
    assert_int_equal(offsetof(ct_device_energy, component), 4);
    assert_int_equal(offsetof(ct_device_energy, energy_j), 144);
    assert_int_equal(offsetof(ct_device_energy, index), 248);
    assert_int_equal(sizeof(ct_device_energy), 256);
    assert_int_equal(offsetof(ct_epoch_result, n_devices), 80);
    assert_int_equal(sizeof(ct_epoch_result), 88);
    assert_int_equal(offsetof(ct_summary, n_devices), 344);
    assert_int_equal(offsetof(ct_summary, caller_cpu_s), 352);
    assert_int_equal(sizeof(ct_summary), 376);
    assert_int_equal(ct_struct_size("ct_device_energy"), sizeof(ct_device_energy));
    assert_int_equal(ct_struct_size("ct_epoch_result"), sizeof(ct_epoch_result));
    assert_int_equal(ct_struct_size("ct_summary"), sizeof(ct_summary));
}

/* The size tables: every version the header ever had, the end of its last field. */
static void test_size_tables(void **state)
{
    (void)state;
    assert_int_equal(ct__device_energy_size(0), 0);
    assert_int_equal(ct__device_energy_size(1), 252);
    assert_int_equal(ct__device_energy_size(2), 0);
    assert_int_equal(ct__epoch_result_size(0), 0);
    assert_int_equal(ct__epoch_result_size(1), 15960);
    assert_int_equal(ct__epoch_result_size(2), 84);
    assert_int_equal(ct__epoch_result_size(3), 0);
    assert_int_equal(ct__summary_size(0), 0);
    assert_int_equal(ct__summary_size(1), 16224);
    assert_int_equal(ct__summary_size(2), 16248);
    assert_int_equal(ct__summary_size(3), 376);
    assert_int_equal(ct__summary_size(4), 0);
    assert_int_equal(ct__summary_size(~0u), 0);
}

/* ---- a tracker on two sockets --------------------------------------------------------------- */

struct fx {
    char sys[4096];
    char proc[4096];
    struct console_buf con;
    ct_tracker *t;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(pcf_mkroot(f->sys, sizeof(f->sys), "sys"), 0);
    assert_int_equal(prf_mkroot(f->proc, sizeof(f->proc), "proc"), 0);
    assert_int_equal(pcf_create(f->sys, "server2"), 0);
    struct prf_stat st = {.user = 1000, .system = 500, .idle = 8500};
    assert_int_equal(prf_create(f->proc, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 4, &st), 0);
    ct_options o = CT_OPTIONS_INIT;
    o.sysfs_root = f->sys;
    o.proc_root = f->proc;
    o.zone = "DK";
    o.epochs = 4;
    o.epochs_before_pred = 0;
    o.message = console_capture;
    o.message_user = &f->con;
    o.update_interval_s = 10; /* reads happen at the epoch boundaries */
    o.nvml_library = "/nonexistent/libnvidia-ml.so.1";
    assert_int_equal(ct_tracker_open(&f->t, &o, NULL, 0), CT_OK);
    assert_int_equal(f->t->ledger.n_devs, 4); /* cpu:0, dram:0, cpu:1, dram:1 */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    ct_tracker_free(f->t);
    pcf_remove(f->sys);
    prf_remove(f->proc);
    free(f);
    return 0;
}

static const char *const zones[4] = {"intel-rapl:0", "intel-rapl:0:0", "intel-rapl:1",
                                     "intel-rapl:1:0"};

/* One epoch in which device d uses (d + 1) x base_uj + 7 microjoules. */
static void run_epoch(struct fx *f, uint64_t base_uj, ct_epoch_result *out)
{
    assert_int_equal(ct_epoch_start(f->t), CT_OK);
    for (int d = 0; d < 4; d++)
        assert_int_equal(pcf_advance(f->sys, zones[d], (uint64_t)(d + 1) * base_uj + 7), 0);
    assert_int_equal(ct_epoch_end(f->t, out), CT_OK);
}

/* A buffer of `size` bytes plus SLACK, all CANARY, with `version` at the start. */
static unsigned char *canary_buffer(size_t size, unsigned version)
{
    unsigned char *b = malloc(size + SLACK);
    assert_non_null(b);
    memset(b, CANARY, size + SLACK);
    memcpy(b, &version, sizeof(version));
    return b;
}

static void assert_canary(const unsigned char *b, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (b[i] != CANARY)
            fail_msg("byte %zu (after the caller's %zu) was written: 0x%02x", i, from, b[i]);
}

static ct_device_energy epoch_dev(struct fx *f, size_t i)
{
    ct_device_energy d = CT_DEVICE_ENERGY_INIT;
    assert_int_equal(ct_epoch_device(f->t, i, &d), CT_OK);
    return d;
}

static ct_device_energy run_dev(struct fx *f, size_t i)
{
    ct_device_energy d = CT_DEVICE_ENERGY_INIT;
    assert_int_equal(ct_summary_device(f->t, i, &d), CT_OK);
    return d;
}

/* The version-1 device element equals the accessor's device, field by field. */
static void assert_same_device(const struct ct__device_energy_v0 *old, const ct_device_energy *d)
{
    assert_string_equal(old->component, d->component);
    assert_string_equal(old->name, d->name);
    assert_string_equal(old->meter, d->meter);
    assert_int_equal(old->provenance, d->provenance);
    assert_int_equal(old->lost, d->lost);
    ct_assert_double_equal(d->energy_j, old->energy_j);
    assert_string_equal(old->uuid, d->uuid);
    assert_int_equal(old->index, d->index);
}

/* ---- ct_epoch_result ------------------------------------------------------------------------ */

/* A program built against 0.1 passes the version-1 struct: its devices[] are filled, nothing past
 * its end is written. */
static void test_epoch_result_v1(void **state)
{
    struct fx *f = *state;
    size_t n = sizeof(struct ct__epoch_result_v1);
    unsigned char *b = canary_buffer(n, 1);
    run_epoch(f, 1000000, (ct_epoch_result *)b);
    assert_canary(b, n, n + SLACK);
    struct ct__epoch_result_v1 r;
    memcpy(&r, b, sizeof(r));
    assert_int_equal(r.version, 1);
    assert_int_equal(r.epoch, 1);
    assert_int_equal(r.n_devices, 4);
    ct_assert_double_near(10.000028, r.cpu_energy_j, 1e-9);
    for (int i = 0; i < 4; i++) {
        ct_device_energy d = epoch_dev(f, (size_t)i);
        assert_same_device(&r.devices[i], &d);
        ct_assert_double_equal((double)((uint64_t)(i + 1) * 1000000 + 7) / 1e6, d.energy_j);
    }
    for (int i = 4; i < CT__V1_DEVICES; i++) /* the rest of the array: zeroed */
        assert_string_equal(r.devices[i].name, "");
    free(b);
}

static void test_epoch_result_v2(void **state)
{
    struct fx *f = *state;
    size_t n = ct__epoch_result_size(2);
    unsigned char *b = canary_buffer(sizeof(ct_epoch_result), 2);
    run_epoch(f, 2000000, (ct_epoch_result *)b);
    assert_canary(b, n, sizeof(ct_epoch_result) + SLACK); /* the tail padding too */
    ct_epoch_result r;
    memcpy(&r, b, n);
    assert_int_equal(r.version, 2);
    assert_int_equal(r.epoch, 1);
    assert_int_equal(r.n_devices, 4);
    ct_assert_double_near(20.000028, r.energy_j, 1e-9);
    double sum = 0;
    for (int i = 0; i < r.n_devices; i++)
        sum += epoch_dev(f, (size_t)i).energy_j;
    ct_assert_double_near(r.energy_j, sum, 1e-9);
    free(b);
}

/* After monitoring ended, ct_epoch_end clears a result: still only the caller's bytes. */
static void test_epoch_result_after_finish(void **state)
{
    struct fx *f = *state;
    ct_epoch_result r = CT_EPOCH_RESULT_INIT;
    run_epoch(f, 1000000, &r);
    assert_int_equal(ct_stop(f->t), CT_OK);
    for (unsigned v = 1; v <= CT_EPOCH_RESULT_VERSION; v++) {
        size_t n = ct__epoch_result_size(v);
        unsigned char *b = canary_buffer(n, v);
        assert_int_equal(ct_epoch_end(f->t, (ct_epoch_result *)b), CT_OK);
        assert_canary(b, n, n + SLACK);
        unsigned got;
        memcpy(&got, b, sizeof(got));
        assert_int_equal(got, v);
        for (size_t i = sizeof(got); i < n; i++)
            assert_int_equal(b[i], 0);
        free(b);
    }
    /* The latest completed epoch's devices stay readable. */
    ct_assert_double_equal(1.000007, epoch_dev(f, 0).energy_j);
}

/* Version 0 and versions newer than the library are refused; the epoch stays open. */
static void test_epoch_result_unknown_versions(void **state)
{
    struct fx *f = *state;
    _Alignas(max_align_t) unsigned char b[sizeof(ct_epoch_result) + SLACK];
    assert_int_equal(ct_epoch_start(f->t), CT_OK);
    for (unsigned v = 0; v < 5; v += CT_EPOCH_RESULT_VERSION + 1) { /* 0, 3 */
        memset(b, CANARY, sizeof(b));
        memcpy(b, &v, sizeof(v));
        assert_int_equal(ct_epoch_end(f->t, (ct_epoch_result *)b), CT_EINVAL);
        assert_canary(b, sizeof(v), sizeof(b));
    }
    ct_assert_contains(ct_errmsg(f->t), "ct_epoch_result.version 3 is newer than this library "
                                        "knows (2): the program was built against a newer "
                                        "carbontracker.h than libcarbontracker 0.3.0");
    unsigned v = 0;
    memcpy(b, &v, sizeof(v));
    assert_int_equal(ct_epoch_end(f->t, (ct_epoch_result *)b), CT_EINVAL);
    assert_string_equal(ct_errmsg(f->t), "ct_epoch_result.version is 0: set it to "
                                         "CT_EPOCH_RESULT_VERSION (CT_EPOCH_RESULT_INIT or "
                                         "ct_epoch_result_init())");
    assert_int_equal(f->t->in_epoch, 1);
    ct_epoch_result r = CT_EPOCH_RESULT_INIT;
    assert_int_equal(ct_epoch_end(f->t, &r), CT_OK);
    assert_int_equal(r.epoch, 1);
}

/* ---- ct_summary ----------------------------------------------------------------------------- */

static void test_summary_versions(void **state)
{
    struct fx *f = *state;
    run_epoch(f, 1000000, NULL);
    run_epoch(f, 3000000, NULL);
    ct_summary cur = CT_SUMMARY_INIT;
    assert_int_equal(ct_get_summary(f->t, &cur), CT_OK);
    assert_int_equal(cur.epochs, 2);
    assert_int_equal(cur.n_devices, 4);

    for (unsigned v = 1; v <= 2; v++) {
        size_t n = ct__summary_size(v);
        unsigned char *b = canary_buffer(sizeof(struct ct__summary_v2), v);
        assert_int_equal(ct_get_summary(f->t, (ct_summary *)b), CT_OK);
        assert_canary(b, n, sizeof(struct ct__summary_v2) + SLACK);
        struct ct__summary_v2 s;
        memcpy(&s, b, sizeof(s));
        assert_int_equal(s.version, v);
        assert_int_equal(s.epochs, 2);
        assert_int_equal(s.n_devices, 4);
        ct_assert_double_equal(cur.energy_j, s.energy_j);
        ct_assert_double_equal(cur.co2eq_g, s.co2eq_g);
        assert_string_equal(cur.intensity_source, s.intensity_source);
        assert_string_equal(cur.location_method, s.location_method);
        for (int i = 0; i < 4; i++) {
            ct_device_energy d = run_dev(f, (size_t)i);
            assert_same_device(&s.devices[i], &d);
            ct_assert_double_equal((double)((uint64_t)(i + 1) * 4000000 + 14) / 1e6, d.energy_j);
        }
        if (v == 2)
            ct_assert_cmp_double(s.caller_cpu_s, >, 0);
        free(b);
    }

    size_t n = ct__summary_size(3);
    unsigned char *b = canary_buffer(sizeof(ct_summary), 3);
    assert_int_equal(ct_get_summary(f->t, (ct_summary *)b), CT_OK);
    assert_canary(b, n, sizeof(ct_summary) + SLACK);
    ct_summary s;
    memcpy(&s, b, sizeof(s));
    assert_int_equal(s.version, 3);
    ct_assert_double_equal(cur.energy_j, s.energy_j);
    ct_assert_cmp_double(s.sampler_cpu_s + s.caller_cpu_s + s.carbon_cpu_s, >, 0);
    free(b);
}

static void test_summary_unknown_versions(void **state)
{
    struct fx *f = *state;
    _Alignas(max_align_t) unsigned char b[sizeof(ct_summary) + SLACK];
    for (unsigned v = 0; v < 5; v += CT_SUMMARY_VERSION + 1) { /* 0, 4 */
        memset(b, CANARY, sizeof(b));
        memcpy(b, &v, sizeof(v));
        assert_int_equal(ct_get_summary(f->t, (ct_summary *)b), CT_EINVAL);
        assert_canary(b, sizeof(v), sizeof(b));
    }
    ct_assert_contains(ct_errmsg(f->t), "ct_summary.version 4 is newer than this library knows "
                                        "(3)");
    assert_int_equal(ct_get_summary(NULL, (ct_summary *)b), CT_EINVAL);
    assert_int_equal(ct_get_summary(f->t, NULL), CT_EINVAL);
}

/* ---- the accessors -------------------------------------------------------------------------- */

/* Each device of the run equals the JSON summary's devices[i]; the latest epoch's devices add up
 * to its result. */
static void test_accessors_match_json(void **state)
{
    struct fx *f = *state;
    ct_epoch_result r = CT_EPOCH_RESULT_INIT;
    /* Before the first epoch: the devices, no energy yet. */
    ct_device_energy d0 = epoch_dev(f, 0);
    assert_string_equal(d0.name, "cpu:0");
    ct_assert_double_equal(0, d0.energy_j);
    run_epoch(f, 1500000, &r);
    run_epoch(f, 2500000, &r);
    assert_int_equal(ct_stop(f->t), CT_OK);
    char *js = NULL;
    assert_int_equal(ct_summary_json(f->t, &js), CT_OK);
    json_t *root = json_loads(js, 0, NULL);
    ct_free(js);
    assert_non_null(root);
    json_t *devs = json_object_get(root, "devices");
    assert_int_equal(json_array_size(devs), 4);
    double epoch_sum = 0;
    for (size_t i = 0; i < 4; i++) {
        json_t *j = json_array_get(devs, i);
        ct_device_energy d = run_dev(f, i);
        assert_int_equal(d.version, CT_DEVICE_ENERGY_VERSION);
        assert_string_equal(d.name, json_string_value(json_object_get(j, "name")));
        assert_string_equal(d.component, json_string_value(json_object_get(j, "component")));
        assert_string_equal(d.meter, json_string_value(json_object_get(j, "meter")));
        assert_string_equal(ct_provenance_name(d.provenance),
                            json_string_value(json_object_get(j, "provenance")));
        assert_int_equal(d.lost, json_is_true(json_object_get(j, "lost")));
        ct_assert_double_within(d.energy_j, json_real_value(json_object_get(j, "energy_j")),
                                1e-14 * d.energy_j);
        ct_assert_double_equal((double)((i + 1) * 4000000 + 14) / 1e6, d.energy_j);
        ct_device_energy e = epoch_dev(f, i);
        assert_string_equal(e.name, d.name);
        ct_assert_double_equal((double)((i + 1) * 2500000 + 7) / 1e6, e.energy_j);
        epoch_sum += e.energy_j;
    }
    ct_assert_double_near(r.energy_j, epoch_sum, 1e-9);
    json_decref(root);
}

static void test_accessor_errors(void **state)
{
    struct fx *f = *state;
    run_epoch(f, 1000000, NULL);
    int (*const fn[2])(const ct_tracker *, size_t, ct_device_energy *) = {ct_epoch_device,
                                                                          ct_summary_device};
    for (int k = 0; k < 2; k++) {
        _Alignas(max_align_t) unsigned char b[sizeof(ct_device_energy) + SLACK];
        /* Out of range, NULL tracker or output: CT_EINVAL, nothing written. */
        size_t bad[] = {4, 5, CT_MAX_DEVICES, (size_t)-1};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            memset(b, CANARY, sizeof(b));
            unsigned v = CT_DEVICE_ENERGY_VERSION;
            memcpy(b, &v, sizeof(v));
            assert_int_equal(fn[k](f->t, bad[i], (ct_device_energy *)b), CT_EINVAL);
            assert_canary(b, sizeof(v), sizeof(b));
        }
        assert_int_equal(fn[k](NULL, 0, (ct_device_energy *)b), CT_EINVAL);
        assert_int_equal(fn[k](f->t, 0, NULL), CT_EINVAL);
        /* Unknown versions. */
        for (unsigned v = 0; v < 3; v += 2) { /* 0, 2 */
            memset(b, CANARY, sizeof(b));
            memcpy(b, &v, sizeof(v));
            assert_int_equal(fn[k](f->t, 0, (ct_device_energy *)b), CT_EINVAL);
            assert_canary(b, sizeof(v), sizeof(b));
        }
        ct_assert_contains(ct_errmsg(f->t), "ct_device_energy.version 2 is newer than this "
                                            "library knows (1)");
        /* Version 1: exactly its bytes. */
        size_t n = ct__device_energy_size(1);
        memset(b, CANARY, sizeof(b));
        unsigned v = 1;
        memcpy(b, &v, sizeof(v));
        assert_int_equal(fn[k](f->t, 3, (ct_device_energy *)b), CT_OK);
        assert_canary(b, n, sizeof(b));
        ct_device_energy d = CT_DEVICE_ENERGY_INIT;
        assert_int_equal(fn[k](f->t, 3, &d), CT_OK);
        assert_memory_equal(b, &d, n);
        assert_string_equal(d.name, "dram:1");
        ct_assert_double_equal(4.000007, d.energy_j);
    }
}

/* ---- init ----------------------------------------------------------------------------------- */

static int init_device(void *p, unsigned v)
{
    return ct_device_energy_init(p, v);
}

static int init_epoch(void *p, unsigned v)
{
    return ct_epoch_result_init(p, v);
}

static int init_summary(void *p, unsigned v)
{
    return ct_summary_init(p, v);
}

static void test_init_functions(void **state)
{
    (void)state;
    struct {
        int (*init)(void *, unsigned);
        size_t (*size)(unsigned);
        unsigned current;
    } const kinds[] = {
        {init_device, ct__device_energy_size, CT_DEVICE_ENERGY_VERSION},
        {init_epoch, ct__epoch_result_size, CT_EPOCH_RESULT_VERSION},
        {init_summary, ct__summary_size, CT_SUMMARY_VERSION},
    };
    size_t cap = sizeof(struct ct__summary_v2) + SLACK;
    unsigned char *b = malloc(cap);
    assert_non_null(b);
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        for (unsigned v = 1; v <= kinds[k].current; v++) {
            size_t n = kinds[k].size(v);
            memset(b, CANARY, cap);
            assert_int_equal(kinds[k].init(b, v), CT_OK);
            unsigned got;
            memcpy(&got, b, sizeof(got));
            assert_int_equal(got, v);
            for (size_t i = sizeof(got); i < n; i++)
                assert_int_equal(b[i], 0);
            assert_canary(b, n, cap);
        }
        memset(b, CANARY, cap);
        assert_int_equal(kinds[k].init(b, 0), CT_EINVAL);
        assert_int_equal(kinds[k].init(b, kinds[k].current + 1), CT_EINVAL);
        assert_canary(b, 0, cap);
        assert_int_equal(kinds[k].init(NULL, kinds[k].current), CT_EINVAL);
    }
    free(b);
    /* The macros and the functions agree. */
    ct_summary a = CT_SUMMARY_INIT, s;
    assert_int_equal(ct_summary_init(&s, CT_SUMMARY_VERSION), CT_OK);
    assert_memory_equal(&a, &s, ct__summary_size(CT_SUMMARY_VERSION));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_old_layouts),
        cmocka_unit_test(test_current_layouts),
        cmocka_unit_test(test_size_tables),
        cmocka_unit_test_setup_teardown(test_epoch_result_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_epoch_result_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_epoch_result_after_finish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_epoch_result_unknown_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_unknown_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accessors_match_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accessor_errors, setup, teardown),
        cmocka_unit_test(test_init_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
