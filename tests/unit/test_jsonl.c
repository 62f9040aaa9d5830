/*
 * test_jsonl.c - the JSON-lines run log writer (src/lib/sink/jsonl.c): the header and records of
 * doc/logformat.md, flushing as it goes (samples in batches), concurrent writers, a killed run read
 * back by the parser, and the parser reading what the writer wrote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ct_assert.h"
#include "parse/aggregate.h"
#include "powercap_fixture.h"
#include "sink/jsonl.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
    char dir[4096];
    char base[4200];
    char path[4300];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(pcf_mkroot(f->dir, sizeof(f->dir), "jsonl"), 0);
    snprintf(f->base, sizeof(f->base), "%s/run_4242.7_2025-07-01T120000Z", f->dir);
    snprintf(f->path, sizeof(f->path), "%s_carbontracker.jsonl", f->base);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    pcf_remove(f->dir);
    free(f);
    return 0;
}

/* Every line of the file as JSON (fails on a line that is not an object). */
static json_t *read_lines(const char *path)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    json_t *arr = json_array();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, fp)) > 0) {
        assert_int_equal(line[n - 1], '\n');
        json_error_t err;
        json_t *o = json_loadb(line, (size_t)n, 0, &err);
        if (!json_is_object(o))
            fail_msg("line is not a JSON object: %s (%s)", line, err.text);
        json_array_append_new(arr, o);
    }
    free(line);
    fclose(fp);
    return arr;
}

static const struct ct__sink_device devices[3] = {
    {"gpu", "NVIDIA A100", "nvml", CT_PROVENANCE_MEASURED, "GPU-1234", 0},
    {"cpu", "cpu:0", "rapl-powercap", CT_PROVENANCE_MEASURED, NULL, -1},
    {"cpu", "dram:0", "rapl-powercap", CT_PROVENANCE_MEASURED, "", -1},
};

static void write_meta(struct ct__jsonl *j)
{
    struct ct__sink_meta m = {.pue = 1.58,
                              .zone = "DK",
                              .location = "DK (set by option)",
                              .intensity_g_per_kwh = 151.6503,
                              .intensity_source = "table:owid:DK:2023",
                              .epochs = 2,
                              .epochs_before_pred = 1,
                              .monitor_epochs = 2,
                              .update_interval_s = 1.0,
                              .components = "all",
                              .interpretable = 1,
                              .decimal_precision = 12,
                              .live = 0,
                              .n_devices = 3,
                              .devices = devices};
    ct__sink_jsonl.meta(j, &m);
}

static const uint64_t S = 1000000000ull; /* one second in ns */

/* counters: gpu 200 W, cpu 30 W, dram 5 W from an arbitrary start. */
static void counters(int t, uint64_t *uj)
{
    uj[0] = 7000000000ull + 200000000ull * (uint64_t)t;
    uj[1] = 123456789ull + 30000000ull * (uint64_t)t;
    uj[2] = 5000000ull * (uint64_t)t;
}

static void test_records_and_round_trip(void **state)
{
    struct fx *f = *state;
    struct ct__jsonl *j = NULL;
    char why[256] = "";
    assert_int_equal(ct__jsonl_open(&j, f->base, why, sizeof(why)), 0);
    assert_non_null(j);
    assert_string_equal(ct__jsonl_path(j), f->path);
    /* Samples before the meta record are dropped: nothing describes the devices yet. */
    uint64_t uj[3];
    counters(0, uj);
    ct__sink_jsonl.sample(j, 1, uj, 3);
    write_meta(j);
    ct__sink_jsonl.intensity(j, 0, 151.6503, "table:owid:DK:2023", 0);
    ct__sink_jsonl.intensity(j, 0, 151.6503, "table:owid:DK:2023", 0); /* same: not written */
    uint64_t t0 = ct__now_ns() + S; /* t_s counts from the open */
    for (int t = 0; t <= 4; t++) {
        counters(t, uj);
        ct__sink_jsonl.sample(j, t0 + (uint64_t)t * S, uj, 3);
        ct__sink_jsonl.sample(j, t0 + (uint64_t)t * S - 1, uj,
                              3); /* older than the last: dropped */
        if (t == 2 || t == 4) {
            double dev[3] = {400.0, 60.0, 10.0};
            struct ct__sink_epoch e = {.epoch = t / 2,
                                       .duration_s = 2.0,
                                       .cpu_energy_j = 70.0,
                                       .gpu_energy_j = 400.0,
                                       .energy_kwh = 470.0 / 3.6e6 * 1.58,
                                       .intensity_g_per_kwh = 151.6503,
                                       .co2eq_g = 470.0 / 3.6e6 * 1.58 * 151.6503,
                                       .n_devices = 3,
                                       .device_energy_j = dev};
            ct__sink_jsonl.epoch(j, t0 + (uint64_t)t * S, &e);
        }
        if (t == 2) {
            struct ct__sink_consumption p = {.description = "Predicted consumption for 2 epoch(s):",
                                             .epochs = 2,
                                             .duration_s = 4.0,
                                             .energy_j = NAN,
                                             .energy_kwh = 940.0 / 3.6e6 * 1.58,
                                             .co2eq_g = 0.0626,
                                             .intensity_g_per_kwh = 151.6503,
                                             .km_by_car = 0.0626 / 107.5,
                                             .basis = "default"};
            ct__sink_jsonl.prediction(j, t0 + 2 * S, &p);
        }
        if (t == 3)
            ct__sink_jsonl.intensity(j, t0 + 3 * S, 200.0, "electricitymaps:DK-DK1", 1);
    }
    double dev_j[3] = {800.0, 120.0, 20.0};
    int lost[3] = {0, 0, 1};
    struct ct__sink_consumption s = {.description = "Actual consumption for 2 epoch(s):",
                                     .epochs = 2,
                                     .duration_s = 4.0,
                                     .energy_j = 940.0,
                                     .energy_kwh = 940.0 / 3.6e6 * 1.58,
                                     .co2eq_g = 0.0627,
                                     .intensity_g_per_kwh = 151.9,
                                     .km_by_car = 0.0627 / 107.5,
                                     .early_stop = 0,
                                     .location = "DK (set by option)",
                                     .n_devices = 3,
                                     .device_energy_j = dev_j,
                                     .device_lost = lost};
    ct__sink_jsonl.summary(j, t0 + 4 * S, &s);

    /* Flushed as written: the file is complete before close. */
    json_t *lines = read_lines(f->path);
    assert_false(ct__jsonl_failed(j));
    ct__jsonl_close(&j);
    assert_null(j);
    ct__jsonl_close(&j); /* NULL is fine */

    const char *types[] = {NULL,     "meta",  "intensity",  "sample", "sample",
                           "sample", "epoch", "prediction", "sample", "intensity",
                           "sample", "epoch", "summary"};
    assert_int_equal(json_array_size(lines), sizeof(types) / sizeof(types[0]));
    json_t *h = json_array_get(lines, 0);
    assert_string_equal(json_string_value(json_object_get(h, "format")), "carbontracker-log");
    assert_int_equal(json_integer_value(json_object_get(h, "version")), 1);
    assert_string_equal(json_string_value(json_object_get(h, "carbontracker_version")),
                        CT_VERSION_STRING);
    assert_true(json_is_integer(json_object_get(h, "pid")));
    for (size_t i = 1; i < json_array_size(lines); i++) {
        json_t *o = json_array_get(lines, i);
        assert_string_equal(json_string_value(json_object_get(o, "type")), types[i]);
        assert_true(json_is_number(json_object_get(o, "t_s")));
        assert_true(json_is_number(json_object_get(o, "wall")));
    }
    json_t *meta = json_array_get(lines, 1);
    json_t *d0 = json_array_get(json_object_get(meta, "devices"), 0);
    assert_string_equal(json_string_value(json_object_get(d0, "uuid")), "GPU-1234");
    assert_string_equal(json_string_value(json_object_get(d0, "provenance")), "measured");
    assert_null(json_object_get(json_array_get(json_object_get(meta, "devices"), 2), "uuid"));
    assert_true(json_is_true(json_object_get(json_object_get(meta, "options"), "interpretable")));
    /* First sample: energy 0, power null; second: energy since the first, power over 1 s. */
    json_t *s0 = json_array_get(json_object_get(json_array_get(lines, 3), "devices"), 0);
    assert_int_equal(json_integer_value(json_object_get(s0, "energy_uj")), 0);
    assert_true(json_is_null(json_object_get(s0, "power_w")));
    json_t *s1 = json_array_get(json_object_get(json_array_get(lines, 4), "devices"), 1);
    assert_int_equal(json_integer_value(json_object_get(s1, "energy_uj")), 30000000);
    ct_assert_double_within(30.0, json_real_value(json_object_get(s1, "power_w")), 1e-9);
    double ts3 = json_number_value(json_object_get(json_array_get(lines, 3), "t_s"));
    double ts4 = json_number_value(json_object_get(json_array_get(lines, 4), "t_s"));
    ct_assert_double_within(1.0, ts4 - ts3, 1e-9);
    ct_assert_cmp_double(ts3, >=, 1.0); /* seconds since the open */
    json_t *pred = json_array_get(lines, 7);
    assert_false(json_is_true(json_object_get(pred, "energy_j")));
    assert_null(json_object_get(pred, "energy_j")); /* NaN: left out */
    assert_string_equal(json_string_value(json_object_get(pred, "basis")), "default");
    json_t *sum = json_array_get(lines, 12);
    assert_true(
        json_is_true(json_object_get(json_array_get(json_object_get(sum, "devices"), 2), "lost")));
    json_decref(lines);

    /* Read back by the parser. */
    ct_parse_result *r = NULL;
    assert_int_equal(ct_parse_files(NULL, NULL, f->path, &r, NULL, 0), CT_OK);
    struct ct__prun *run = &r->runs[0];
    assert_true(run->source_jsonl);
    assert_false(run->truncated);
    assert_false(run->early_stop);
    assert_int_equal(run->n_skipped, 0);
    assert_int_equal(run->naming_generation, 3);
    assert_string_equal(run->version, CT_VERSION_STRING);
    ct_assert_double_equal(1.58, run->pue);
    ct_assert_double_equal(151.9, run->intensity_g_per_kwh);
    assert_string_equal(run->location, "DK (set by option)");
    assert_int_equal(run->actual->epochs, 2);
    ct_assert_double_equal(0.0627, run->actual->co2eq_g);
    ct_assert_double_equal(0.0627 / 107.5, run->actual->equiv[0].value);
    assert_int_equal(run->pred->epochs, 2);
    ct_assert_double_equal(0.0626, run->pred->co2eq_g);
    assert_string_equal(run->aggregated, "actual");
    assert_int_equal(run->n_epochs, 2);
    ct_assert_double_within(200.0, run->epochs[1].gpu_power_w, 1e-12);
    ct_assert_double_within(35.0, run->epochs[1].cpu_power_w, 1e-12);
    assert_int_equal(run->n_samples, 5);
    ct_assert_double_within(200.0, run->samples[4].gpu_w, 1e-9);
    ct_assert_double_within(35.0, run->samples[4].cpu_w, 1e-9);
    assert_int_equal(run->n_isamples, 2);
    ct_assert_double_within(3.0, run->isamples[1].t_s - run->samples[0].t_s, 1e-9);
    assert_string_equal(run->isamples[1].source, "electricitymaps:DK-DK1");
    assert_int_equal(run->n_devices, 3);
    assert_string_equal(run->devices[0].meter, "nvml");
    ct_assert_double_equal(20.0, run->devices[2].energy_j);
    /* upstream's components: gpu [[200]], cpu [[30, 5]] per epoch. */
    assert_int_equal(run->n_comp, 2);
    assert_string_equal(run->comp[0].name, "gpu");
    assert_int_equal(run->comp[1].n_devices, 2);
    assert_int_equal(run->comp[1].power[0].n, 2);
    ct_assert_double_within(30.0, run->comp[1].power[0].v[0], 1e-12);
    ct_assert_double_within(5.0, run->comp[1].power[0].v[1], 1e-12);
    ct_parse_result_free(r);
}

/* The file's lines, counted. */
static size_t count_lines(const char *path)
{
    json_t *lines = read_lines(path);
    size_t n = json_array_size(lines);
    json_decref(lines);
    return n;
}

/* Sample records wait in a batch: written when it is 5 s old (by the samples' times), before any
 * other record and on close; each line is what jansson would have written for it. */
static void test_samples_batched(void **state)
{
    struct fx *f = *state;
    struct ct__jsonl *j = NULL;
    assert_int_equal(ct__jsonl_open(&j, f->base, NULL, 0), 0);
    write_meta(j);
    assert_int_equal(count_lines(f->path), 2); /* header, meta */
    uint64_t uj[3] = {1, 2, 3}, t0 = ct__now_ns() + S;
    /* Times and counters that give powers of every shape: none yet, tiny (an exponent), large,
     * fractional, zero. */
    const uint64_t dt_ns[] = {0, 100 * S, 1234567, 3 * S / 7, 1 * S};
    const uint64_t add_uj[][3] = {
        {0, 0, 0}, {1, 7, 0}, {123456789012ull, 1, 5}, {3, 33333, 0}, {0, 0, 0}};
    uint64_t t = t0;
    for (int k = 0; k < 5; k++) {
        t += dt_ns[k];
        for (int i = 0; i < 3; i++)
            uj[i] += add_uj[k][i];
        ct__sink_jsonl.sample(j, t, uj, 3);
        /* k = 1 is 100 s after the first: that sample's batch is written at once. */
        assert_int_equal(count_lines(f->path), k == 0 ? 2 : 4);
    }
    /* Any other record writes the waiting samples first. */
    ct__sink_jsonl.intensity(j, t, 99.5, "table:owid:DK:2023", 0);
    json_t *lines = read_lines(f->path);
    assert_int_equal(json_array_size(lines), 8);
    for (size_t k = 2; k < 7; k++) {
        json_t *o = json_array_get(lines, k);
        assert_string_equal(json_string_value(json_object_get(o, "type")), "sample");
        assert_true(json_is_real(json_object_get(o, "t_s")));
        assert_true(json_is_real(json_object_get(o, "wall")));
        json_t *d = json_array_get(json_object_get(o, "devices"), 2);
        assert_true(json_is_integer(json_object_get(d, "energy_uj")));
        assert_true(k == 2 ? json_is_null(json_object_get(d, "power_w"))
                           : json_is_real(json_object_get(d, "power_w")));
    }
    assert_string_equal(json_string_value(json_object_get(json_array_get(lines, 7), "type")),
                        "intensity");
    json_decref(lines);
    /* Byte for byte what jansson writes for the same values (reals as "%.17g", ".0", exponents
     * without '+' or leading zeros). */
    FILE *fp = fopen(f->path, "r");
    assert_non_null(fp);
    char *line = NULL;
    size_t cap = 0;
    int n = 0;
    while (getline(&line, &cap, fp) > 0) {
        if (++n < 3 || n > 7)
            continue;
        json_t *o = json_loads(line, 0, NULL);
        assert_non_null(o);
        char *again = json_dumps(o, JSON_COMPACT);
        line[strcspn(line, "\n")] = 0;
        assert_string_equal(line, again);
        free(again);
        json_decref(o);
    }
    free(line);
    fclose(fp);
    /* A last sample waits for close. */
    ct__sink_jsonl.sample(j, t + S, uj, 3);
    assert_int_equal(count_lines(f->path), 8);
    ct__jsonl_close(&j);
    assert_int_equal(count_lines(f->path), 9);
}

/* A real as the writer's jansson records hold it: null when not finite. */
static json_t *real_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* Epoch records are formatted without jansson: each line is byte for byte what jansson writes for
 * the record built from the same values (keys in order, reals as "%.17g" with ".0" and short
 * exponents, non-finite numbers as null), with 0, 3 and more than CT_MAX_DEVICES devices or none
 * given. */
static void test_epoch_lines(void **state)
{
    struct fx *f = *state;
    struct ct__jsonl *j = NULL;
    assert_int_equal(ct__jsonl_open(&j, f->base, NULL, 0), 0);
    write_meta(j);
    double dev[CT_MAX_DEVICES + 6];
    for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++)
        dev[i] = i % 3 == 0 ? (double)i : i % 3 == 1 ? 1e-7 * (double)i : 1e22 / (double)(i + 1);
    dev[1] = NAN;
#define EPOCH(n, d, cpu, gpu, kwh, ci, g, devs, dev_j)                                             \
    {                                                                                              \
        .epoch = n, .duration_s = d, .cpu_energy_j = cpu, .gpu_energy_j = gpu, .energy_kwh = kwh,  \
        .intensity_g_per_kwh = ci, .co2eq_g = g, .n_devices = devs, .device_energy_j = dev_j       \
    }
    const struct ct__sink_epoch cases[] = {
        EPOCH(1, 2.0, 70.0, 400.0, 470.0 / 3.6e6 * 1.58, 151.6503, 0.0313, 3, dev),
        EPOCH(2, 0.0, 0.0, 0.0, 0.0, 151.6503, 0.0, 0, dev),
        EPOCH(3, 1e-9, 1e-300, 123456789012345678.0, INFINITY, NAN, -0.5, 0, NULL),
        EPOCH(-4, 3.25, 1.0 / 3.0, 2.5e16, 1e-5, 0.1, 1e21, CT_MAX_DEVICES + 6, dev),
    };
#undef EPOCH
    size_t n_cases = sizeof(cases) / sizeof(cases[0]);
    uint64_t t0 = ct__now_ns() + S;
    for (size_t k = 0; k < n_cases; k++)
        ct__sink_jsonl.epoch(j, t0 + k * S, &cases[k]);
    ct__jsonl_close(&j);

    FILE *fp = fopen(f->path, "r");
    assert_non_null(fp);
    char *line = NULL;
    size_t cap = 0, k = 0;
    int n = 0;
    while (getline(&line, &cap, fp) > 0) {
        if (++n < 3)
            continue; /* the header and the meta record */
        assert_true(k < n_cases);
        const struct ct__sink_epoch *e = &cases[k++];
        line[strcspn(line, "\n")] = 0;
        json_t *got = json_loads(line, 0, NULL);
        assert_non_null(got);
        double d = e->duration_s;
        json_t *o = json_object();
        json_object_set_new(o, "type", json_string("epoch"));
        json_object_set(o, "t_s", json_object_get(got, "t_s"));
        json_object_set(o, "wall", json_object_get(got, "wall"));
        json_object_set_new(o, "epoch", json_integer(e->epoch));
        json_object_set_new(o, "duration_s", real_or_null(d));
        json_object_set_new(o, "energy_j", real_or_null(e->cpu_energy_j + e->gpu_energy_j));
        json_object_set_new(o, "cpu_energy_j", real_or_null(e->cpu_energy_j));
        json_object_set_new(o, "gpu_energy_j", real_or_null(e->gpu_energy_j));
        json_object_set_new(o, "cpu_power_w", real_or_null(d > 0 ? e->cpu_energy_j / d : 0.0));
        json_object_set_new(o, "gpu_power_w", real_or_null(d > 0 ? e->gpu_energy_j / d : 0.0));
        json_object_set_new(o, "energy_kwh", real_or_null(e->energy_kwh));
        json_object_set_new(o, "intensity_g_per_kwh", real_or_null(e->intensity_g_per_kwh));
        json_object_set_new(o, "co2eq_g", real_or_null(e->co2eq_g));
        if (e->device_energy_j) {
            json_t *devs = json_array();
            for (int i = 0; i < e->n_devices; i++) {
                json_t *dobj = json_object();
                json_object_set_new(dobj, "i", json_integer(i));
                json_object_set_new(dobj, "energy_j", real_or_null(e->device_energy_j[i]));
                json_array_append_new(devs, dobj);
            }
            json_object_set_new(o, "devices", devs);
        }
        char *want = json_dumps(o, JSON_COMPACT);
        assert_string_equal(line, want);
        ct_assert_double_within((double)(k - 1) + 1.0, json_real_value(json_object_get(got, "t_s")),
                                0.5);
        free(want);
        json_decref(o);
        json_decref(got);
    }
    assert_int_equal(k, n_cases);
    free(line);
    fclose(fp);
}

static void test_killed_run(void **state)
{
    struct fx *f = *state;
    struct ct__jsonl *j = NULL;
    char why[256];
    assert_int_equal(ct__jsonl_open(&j, f->base, why, sizeof(why)), 0);
    write_meta(j);
    ct__sink_jsonl.intensity(j, 1, 100.0, "table", 0);
    uint64_t uj[3], t0 = ct__now_ns() + S;
    for (int t = 0; t <= 3; t++) {
        counters(t, uj);
        ct__sink_jsonl.sample(j, t0 + (uint64_t)t * S, uj, 3);
        if (t == 1) {
            double dev[3] = {200.0, 30.0, 5.0};
            struct ct__sink_epoch e = {.epoch = 1,
                                       .duration_s = 1.0,
                                       .cpu_energy_j = 35.0,
                                       .gpu_energy_j = 200.0,
                                       .energy_kwh = 235.0 / 3.6e6 * 1.58,
                                       .intensity_g_per_kwh = 100.0,
                                       .co2eq_g = 235.0 / 3.6e6 * 1.58 * 100.0,
                                       .n_devices = 3,
                                       .device_energy_j = dev};
            ct__sink_jsonl.epoch(j, t0 + S, &e);
        }
        if (t == 2)
            ct__sink_jsonl.intensity(j, t0 + 2 * S + S / 2, 300.0, "live", 1);
    }
    ct__jsonl_close(&j);
    FILE *fp = fopen(f->path, "a");
    assert_non_null(fp);
    fputs("{\"type\":\"sample\",\"t_s\":4.0,\"dev", fp); /* killed inside a write */
    fclose(fp);

    ct_parse_result *r = NULL;
    assert_int_equal(ct_parse_files(NULL, NULL, f->path, &r, NULL, 0), CT_OK);
    struct ct__prun *run = &r->runs[0];
    assert_true(run->truncated);
    assert_true(run->early_stop);
    assert_int_equal(run->n_skipped, 1);
    assert_string_equal(run->skipped[0].reason, "truncated last line (not complete JSON)");
    /* Epoch 1 (235 J) + samples 1..3: 2 s at 235 W; the intensity changed at 2.5 s, so the
     * interval ending at 3 s counts at 300. */
    double e1 = 235.0 / 3.6e6 * 1.58;
    double tail = 235.0 / 3.6e6 * 1.58;
    assert_int_equal(run->actual->epochs, 1);
    ct_assert_double_within(3.0, run->actual->duration_s, 1e-9);
    ct_assert_double_within(e1 + 2 * tail, run->actual->energy_kwh, 1e-15);
    ct_assert_double_within(e1 * 100 + tail * 100 + tail * 300, run->actual->co2eq_g, 1e-12);
    ct_assert_double_within((e1 * 100 + tail * 100 + tail * 300) / 107.5,
                            run->actual->equiv[0].value, 1e-15);
    ct_assert_double_within(e1 + 2 * tail, r->total_energy_kwh, 1e-15);
    ct_assert_double_within(600.0, run->devices[0].energy_j, 1e-9);
    ct_parse_result_free(r);
}

struct writer_arg {
    struct ct__jsonl *j;
    int id;
};

static void *sampler(void *p)
{
    struct writer_arg *a = p;
    uint64_t uj[3];
    for (int t = 0; t < 300; t++) {
        counters(t, uj);
        ct__sink_jsonl.sample(a->j, 0, uj, 3); /* 0: the time is taken under the file's lock */
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    struct fx *f = *state;
    struct ct__jsonl *j = NULL;
    char why[256];
    assert_int_equal(ct__jsonl_open(&j, f->base, why, sizeof(why)), 0);
    write_meta(j);
    pthread_t th[3];
    struct writer_arg args[3];
    for (int i = 0; i < 3; i++) {
        args[i] = (struct writer_arg){j, i};
        assert_int_equal(pthread_create(&th[i], NULL, sampler, &args[i]), 0);
    }
    for (int k = 0; k < 100; k++) {
        struct ct__sink_epoch e = {.epoch = k + 1, .duration_s = 0.5, .energy_kwh = NAN};
        ct__sink_jsonl.epoch(j, 0, &e);
        ct__sink_jsonl.intensity(j, 0, (double)(k % 7), "x", 0);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    ct__jsonl_close(&j);
    json_t *lines = read_lines(f->path); /* every line is a whole object */
    size_t samples = 0, epochs = 0;
    for (size_t i = 0; i < json_array_size(lines); i++) {
        const char *t = json_string_value(json_object_get(json_array_get(lines, i), "type"));
        samples += t && strcmp(t, "sample") == 0;
        epochs += t && strcmp(t, "epoch") == 0;
    }
    assert_int_equal(samples, 900);
    assert_int_equal(epochs, 100);
    json_decref(lines);
}

static void test_open_errors_and_null(void **state)
{
    struct fx *f = *state;
    struct ct__jsonl *j = (struct ct__jsonl *)1;
    char why[512] = "";
    char base[4300];
    snprintf(base, sizeof(base), "%s/no/such/dir/run", f->dir);
    assert_int_equal(ct__jsonl_open(&j, base, why, sizeof(why)), -ENOENT);
    assert_null(j);
    ct_assert_contains(why, "no/such/dir/run_carbontracker.jsonl");
    /* Every writer accepts NULL. */
    uint64_t uj[1] = {1};
    struct ct__sink_epoch e = {0};
    struct ct__sink_consumption c = {0};
    ct__sink_jsonl.meta(NULL, NULL);
    ct__sink_jsonl.sample(NULL, 0, uj, 1);
    ct__sink_jsonl.epoch(NULL, 0, &e);
    ct__sink_jsonl.intensity(NULL, 0, 1.0, "x", 0);
    ct__sink_jsonl.prediction(NULL, 0, &c);
    ct__sink_jsonl.summary(NULL, 0, &c);
    assert_int_equal(ct__jsonl_failed(NULL), 0);
    assert_string_equal(ct__jsonl_path(NULL), "");
    ct__jsonl_close(NULL);
}

/* A file that is not ours, or of a later version: the parser says so and reads the text logs. */
static void test_reader_fallbacks(void **state)
{
    struct fx *f = *state;
    static const char *const cases[][2] = {
        {"", "empty JSON-lines log; using the text logs"},
        {"{\"format\":\"carbontracker-log\",\"version\":2}\n",
         "carbontracker-log version 2 is not supported (1 is); using the text logs"},
        {"[1,2]\n", "not a carbontracker-log file; using the text logs"},
        {"garbage\n", "not a carbontracker-log file; using the text logs"},
    };
    char std[4400];
    snprintf(std, sizeof(std), "%s_carbontracker.log", f->base);
    FILE *fp = fopen(std, "w");
    assert_non_null(fp);
    fputs("2025-01-01 00:00:00 - carbontracker version 1.2.3\n", fp);
    fclose(fp);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fp = fopen(f->path, "w");
        assert_non_null(fp);
        fputs(cases[i][0], fp);
        fclose(fp);
        ct_parse_result *r = NULL;
        assert_int_equal(ct_parse_files(std, NULL, f->path, &r, NULL, 0), CT_OK);
        struct ct__prun *run = &r->runs[0];
        assert_false(run->source_jsonl);
        assert_string_equal(run->version, "1.2.3");
        ct_assert_cmp_uint(run->n_skipped, >=, 1);
        assert_string_equal(run->skipped[run->n_skipped - 1].reason, cases[i][1]);
        ct_parse_result_free(r);
    }
    /* Junk records after a valid header are skipped one by one. */
    fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs("{\"format\":\"carbontracker-log\",\"version\":1}\n{\"no_type\":1}\n[]\n{bad\n"
          "{\"type\":\"sample\"}\n{\"type\":\"epoch\",\"t_s\":1}\n{\"type\":\"future\"}\n"
          "{\"type\":\"sample\",\"t_s\":1,\"devices\":[{\"i\":99999999999,\"energy_uj\":1}]}\n",
          fp);
    fclose(fp);
    ct_parse_result *r = NULL;
    assert_int_equal(ct_parse_files(NULL, NULL, f->path, &r, NULL, 0), CT_OK);
    struct ct__prun *run = &r->runs[0];
    assert_true(run->source_jsonl);
    assert_int_equal(run->n_skipped, 5);
    assert_string_equal(run->skipped[0].reason, "record without a type");
    assert_string_equal(run->skipped[1].reason, "not a JSON object");
    assert_int_equal(run->skipped[2].line, 4);
    assert_string_equal(run->skipped[3].reason, "sample record without t_s");
    assert_string_equal(run->skipped[4].reason, "epoch record without duration_s");
    assert_int_equal(run->n_samples, 1);
    ct_parse_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_records_and_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_samples_batched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_epoch_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors_and_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_fallbacks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
