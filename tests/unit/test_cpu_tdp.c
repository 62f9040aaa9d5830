/*
 * test_cpu_tdp.c - CPU brand normalisation, the TDP table lookup, and the cpu-tdp meter (TDP x
 * utilisation measured from a fixture /proc/stat, read at explicit monotonic times).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ct_assert.h"
#include "energy/cpu_name.h"
#include "energy/meter.h"
#include "proc_fixture.h"
#include "tables.h"
#include "util/sysfs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GOLD_6130 "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz"
#define SEC_NS 1000000000ULL
/* Upstream's fallback: the mean TDP of data/cpu-tdp.csv, each name counted once. */
#define TDP_MEAN_W 71.22418812133574

/* ---- normalisation ------------------------------------------------------------------------- */

static void assert_norm(const char *brand, const char *expected)
{
    char out[256];
    ct__cpu_name_normalise(brand, out, sizeof(out));
    assert_string_equal(out, expected);
}

static void test_normalise_real_brands(void **st)
{
    (void)st;
    assert_norm(GOLD_6130, "intel xeon gold 6130");
    assert_norm("AMD EPYC 7742 64-Core Processor", "amd epyc 7742");
    assert_norm("Intel(R) Core(TM) i7-9700K CPU @ 3.60GHz", "intel core i7-9700k");
    assert_norm("AMD Ryzen 9 5950X 16-Core Processor", "amd ryzen 9 5950x");
    assert_norm("11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz", "intel core i7-1165g7");
    assert_norm("Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", "intel xeon e5-2680 v4");
    assert_norm("AMD EPYC 7B13", "amd epyc 7b13");
}

static void test_normalise_markers_and_suffixes(void **st)
{
    (void)st;
    /* a marker between two word characters leaves a space; before '-' it leaves nothing */
    assert_norm("Intel(R) Core(TM)2 Duo CPU     E8400  @ 3.00GHz", "intel core 2 duo e8400");
    assert_norm("AMD FX(tm)-8350 Eight-Core Processor", "amd fx-8350");
    assert_norm("AMD Ryzen 7 PRO 4750U with Radeon Graphics", "amd ryzen 7 pro 4750u");
    assert_norm("AMD Ryzen 7 7840U w/ Radeon 780M Graphics", "amd ryzen 7 7840u");
    assert_norm("Intel\xc2\xae Xeon\xc2\xae Gold 6130 Processor", "intel xeon gold 6130");
    assert_norm("Intel Core\xe2\x84\xa2 i7-870", "intel core i7-870");
    assert_norm("7th Gen AMD PRO A10-9700 APU", "amd pro a10-9700");
    assert_norm("  AMD\tA10-9700 RADEON R7, 10 COMPUTE CORES 4C+6G ",
                "amd a10-9700 radeon r7 10 compute cores 4c+6g");
    assert_norm("ARMv7 Processor rev 4 (v7l)", "armv7 rev 4 (v7l)");
    assert_norm("", "");
    assert_norm(NULL, "");
}

static void test_normalise_truncates_whole_tokens(void **st)
{
    (void)st;
    char out[6];
    ct__cpu_name_normalise(GOLD_6130, out, sizeof(out));
    assert_string_equal(out, "intel");
    char one[1] = {'x'};
    ct__cpu_name_normalise(GOLD_6130, one, sizeof(one));
    assert_int_equal(one[0], '\0');
    char untouched[2] = {'x', 'y'};
    ct__cpu_name_normalise(GOLD_6130, untouched, 0);
    assert_int_equal(untouched[0], 'x');
}

/* ---- lookup -------------------------------------------------------------------------------- */

static void assert_lookup(const char *brand, double tdp_w, const char *matched)
{
    double w = -1;
    char m[96] = "";
    assert_int_equal(ct__cpu_tdp_lookup(brand, &w, m, sizeof(m)), 0);
    ct_assert_double_equal(tdp_w, w);
    assert_string_equal(m, matched);
}

static void assert_no_match(const char *brand)
{
    double w = -7;
    char m[96] = "untouched";
    assert_int_equal(ct__cpu_tdp_lookup(brand, &w, m, sizeof(m)), -1);
    ct_assert_double_equal(-7, w);
    assert_string_equal(m, "untouched");
}

static void test_lookup_real_brands(void **st)
{
    (void)st;
    assert_lookup(GOLD_6130, 125, "Intel Xeon Gold 6130");
    assert_lookup("AMD EPYC 7742 64-Core Processor", 225, "AMD EPYC 7742");
    assert_lookup("Intel(R) Core(TM) i7-9700K CPU @ 3.60GHz", 95, "Intel Core i7-9700K");
    assert_lookup("Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", 120, "Intel Xeon E5-2680 v4");
    assert_lookup("AMD Ryzen 9 5950X 16-Core Processor", 105, "AMD Ryzen 9 5950X");
    assert_lookup("11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz", 28, "Intel Core i7-1165G7");
    assert_lookup("Intel Xeon Gold 6130", 125, "Intel Xeon Gold 6130");
    assert_lookup("intel xeon gold 6130", 125, "Intel Xeon Gold 6130");
}

static void test_lookup_whole_tokens_only(void **st)
{
    (void)st;
    /* upstream's substring search turns i7-870 into i7-8700 (65 W); the table says 95 W */
    assert_lookup("Intel Core i7-870", 95, "Intel Core i7-870");
    assert_lookup("Intel(R) Core(TM) i7-870 CPU @ 2.93GHz", 95, "Intel Core i7-870");
    assert_lookup("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", 65, "Intel Core i7-8700");
    assert_no_match("Intel Core i7-87");
    assert_no_match("AMD EPYC 7B13");                  /* cloud part; 7B12 is a different model */
    assert_no_match("Intel(R) Xeon(R) CPU @ 2.20GHz"); /* no model number at all */
    assert_no_match("12th Gen Intel(R) Core(TM) i7-12700K");
    assert_no_match("ARMv7 Processor rev 4 (v7l)");
    assert_no_match("");
    assert_no_match(NULL);
}

static void test_lookup_token_rules(void **st)
{
    (void)st;
    /* every entry token inside the brand: the Sandy Bridge "E5-2680 0" brand */
    assert_lookup("Intel(R) Xeon(R) CPU E5-2680 0 @ 2.70GHz", 130, "Intel Xeon E5-2680");
    assert_lookup("AMD A10-9700 RADEON R7, 10 COMPUTE CORES 4C+6G", 65, "7th Gen A10-9700 APU");
    /* vendor word missing in the table row */
    assert_lookup("AMD Athlon(tm) 5350 APU with Radeon(tm) R3", 25,
                  "Athlon 5350 APU with Radeon R3 Series");
    /* vendor-less rows are AMD parts: an AMD brand may take one, an Intel brand may not */
    assert_lookup("AMD Opteron(tm) Processor 4226", 95, "4226");
    assert_no_match("Intel(R) Xeon(R) CPU 4226 @ 2.50GHz");
    /* equal normalised names: first in file order ("... 2700E" 65 W before "... 2700E
     * Processor" 45 W) */
    assert_lookup("AMD Ryzen 7 2700E Eight-Core Processor", 65, "AMD Ryzen 7 2700E");
}

static void test_lookup_optional_outputs(void **st)
{
    (void)st;
    assert_int_equal(ct__cpu_tdp_lookup(GOLD_6130, NULL, NULL, 0), 0);
    char m[6];
    double w = 0;
    assert_int_equal(ct__cpu_tdp_lookup(GOLD_6130, &w, m, sizeof(m)), 0);
    assert_string_equal(m, "Intel");
    ct_assert_double_equal(125, w);
}

static void test_every_table_row_finds_itself(void **st)
{
    (void)st;
    /* a handful spread over the table, each found as itself (or its first normalised twin) */
    for (size_t i = 0; i < ct__tdp_count; i += 97) {
        char m[128], a[256], b[256];
        double w;
        assert_int_equal(ct__cpu_tdp_lookup(ct__tdp_name(&ct__tdp_table[i]), &w, m, sizeof(m)), 0);
        ct__cpu_name_normalise(m, a, sizeof(a));
        ct__cpu_name_normalise(ct__tdp_name(&ct__tdp_table[i]), b, sizeof(b));
        assert_string_equal(a, b);
    }
}

/* ---- the meter ----------------------------------------------------------------------------- */

struct fx {
    char root[512];
    int proc_fd;
    ct_options opts;
    struct ct__probe_ctx ctx;
    void *state;
    char why[256];
};

static const struct prf_stat base_stat = {.user = 1000, .idle = 1000};

static int fx_setup(void **st)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL || prf_mkroot(f->root, sizeof(f->root), "cputdp") != 0)
        return -1;
    ct_options o = CT_OPTIONS_INIT;
    f->opts = o;
    f->opts.proc_root = f->root;
    f->proc_fd = ct__root_open(f->root);
    if (f->proc_fd < 0)
        return -1;
    f->ctx.sysfs_fd = -1;
    f->ctx.proc_fd = f->proc_fd;
    f->ctx.opts = &f->opts;
    *st = f;
    return 0;
}

static int fx_teardown(void **st)
{
    struct fx *f = *st;
    ct__meter_cpu_tdp.close(f->state);
    close(f->proc_fd);
    prf_remove(f->root);
    free(f);
    return 0;
}

static void fx_probe_ok(struct fx *f)
{
    int rc = ct__meter_cpu_tdp.probe(&f->ctx, &f->state, f->why, sizeof(f->why));
    if (rc != CT_OK)
        print_error("probe: %d %s\n", rc, f->why);
    assert_int_equal(rc, CT_OK);
    assert_non_null(f->state);
}

static uint64_t fx_read(struct fx *f, uint64_t now_ns)
{
    struct ct__reading r = {0, 1};
    assert_int_equal(ct__meter_cpu_tdp.read(f->state, now_ns, &r), CT_OK);
    assert_int_equal(r.lost, 0);
    return r.energy_uj;
}

/* A time safely after the probe's own ct__now_ns(). */
static uint64_t after_probe(void)
{
    return ct__now_ns() + SEC_NS;
}

static void assert_near_uj(uint64_t got, uint64_t expected)
{
    uint64_t d = got > expected ? got - expected : expected - got;
    if (d > 1)
        print_error("energy %llu uJ, expected %llu uJ\n", (unsigned long long)got,
                    (unsigned long long)expected);
    assert_true(d <= 1);
}

static void test_meter_ops_table(void **st)
{
    (void)st;
    assert_string_equal(ct__meter_cpu_tdp.name, "cpu-tdp");
    assert_int_equal(ct__meter_cpu_tdp.component, CT__COMP_CPU);
    assert_non_null(ct__meter_cpu_tdp.describe);
    assert_non_null(ct__meter_cpu_tdp.detail);
    ct__meter_cpu_tdp.close(NULL); /* NULL-safe */
}

static void test_meter_matched_cpu(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_create(f->root, GOLD_6130, 4, &base_stat), 0);
    fx_probe_ok(f);

    struct ct__meter_dev devs[2];
    memset(devs, 0, sizeof(devs));
    assert_int_equal(ct__meter_cpu_tdp.describe(f->state, devs, 2), 1);
    /* The label drops " @ 2.10GHz" (upstream's parser cuts device names at a dot). */
    assert_string_equal(devs[0].name, "Intel(R) Xeon(R) Gold 6130 CPU");
    assert_int_equal(devs[0].provenance, CT_PROVENANCE_ESTIMATED);

    char detail[256];
    ct__meter_cpu_tdp.detail(f->state, detail, sizeof(detail));
    assert_string_equal(detail, GOLD_6130 " matched 'Intel Xeon Gold 6130': TDP 125 W x measured "
                                          "utilisation (estimated; attribution: node)");
    double w = 0;
    int matched = -1;
    assert_int_equal(ct__cpu_tdp_info(f->state, &w, &matched), CT_OK);
    ct_assert_double_equal(125, w);
    assert_int_equal(matched, 1);
    assert_int_equal(ct__meter_cpu_tdp.max_interval_ns(f->state), 0);
}

/* 75 % busy over 2 s at 125 W: 187.5 J. */
static void test_meter_75_percent(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_create(f->root, GOLD_6130, 4, &base_stat), 0);
    fx_probe_ok(f);
    uint64_t t0 = after_probe();
    uint64_t e0 = fx_read(f, t0);
    assert_int_equal(prf_stat_advance(f->root, 300, 100), 0);
    uint64_t e1 = fx_read(f, t0 + 2 * SEC_NS);
    assert_near_uj(e1 - e0, 187500000);
    /* next interval: 25 % busy for 4 s = 125 J */
    assert_int_equal(prf_stat_advance(f->root, 100, 300), 0);
    uint64_t e2 = fx_read(f, t0 + 6 * SEC_NS);
    assert_near_uj(e2 - e1, 125000000);
}

static void test_meter_0_and_100_percent(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_create(f->root, GOLD_6130, 4, &base_stat), 0);
    fx_probe_ok(f);
    uint64_t t0 = after_probe();
    uint64_t e0 = fx_read(f, t0);
    assert_int_equal(prf_stat_advance(f->root, 0, 400), 0);
    uint64_t e1 = fx_read(f, t0 + 2 * SEC_NS);
    assert_int_equal(e1, e0); /* idle: nothing at all */
    assert_int_equal(prf_stat_advance(f->root, 400, 0), 0);
    uint64_t e2 = fx_read(f, t0 + 4 * SEC_NS);
    assert_near_uj(e2 - e1, 250000000); /* 125 W x 1.0 x 2 s */
}

/* No tick between two reads (interval shorter than a tick): the last utilisation holds. */
static void test_meter_keeps_last_utilisation(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_create(f->root, GOLD_6130, 4, &base_stat), 0);
    fx_probe_ok(f);
    uint64_t t0 = after_probe();
    uint64_t e0 = fx_read(f, t0);
    assert_int_equal(prf_stat_advance(f->root, 300, 100), 0);
    uint64_t e1 = fx_read(f, t0 + 2 * SEC_NS);
    uint64_t e2 = fx_read(f, t0 + 3 * SEC_NS);
    assert_near_uj(e1 - e0, 187500000);
    assert_near_uj(e2 - e1, 93750000); /* 125 x 0.75 x 1 s */
}

/* Before any tick moves, the since-boot average is used; with no tick ever, 50 %. */
static void test_meter_initial_utilisation(void **st)
{
    struct fx *f = *st;
    const struct prf_stat boot75 = {.user = 200, .system = 100, .idle = 80, .iowait = 20};
    assert_int_equal(prf_create(f->root, GOLD_6130, 4, &boot75), 0);
    fx_probe_ok(f);
    uint64_t t0 = after_probe();
    uint64_t e0 = fx_read(f, t0);
    uint64_t e1 = fx_read(f, t0 + 2 * SEC_NS);
    assert_near_uj(e1 - e0, 187500000);

    ct__meter_cpu_tdp.close(f->state);
    f->state = NULL;
    const struct prf_stat zero = {0};
    assert_int_equal(prf_write_stat(f->root, &zero), 0);
    fx_probe_ok(f);
    t0 = after_probe();
    e0 = fx_read(f, t0);
    e1 = fx_read(f, t0 + 2 * SEC_NS);
    assert_near_uj(e1 - e0, 125000000); /* 125 W x 0.5 x 2 s */
}

/* guest/guest_nice are inside user/nice already; iowait is idle; irq, softirq, steal busy. */
static void test_meter_stat_fields(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_create(f->root, GOLD_6130, 4, &base_stat), 0);
    fx_probe_ok(f);
    uint64_t t0 = after_probe();
    uint64_t e0 = fx_read(f, t0);
    const struct prf_stat guest = {
        .user = 200, .nice = 100, .idle = 100, .guest = 200, .guest_nice = 100};
    assert_int_equal(prf_stat_advance_fields(f->root, &guest), 0);
    uint64_t e1 = fx_read(f, t0 + 2 * SEC_NS);
    assert_near_uj(e1 - e0, 187500000); /* 300 busy of 400, not 600 of 700 */
    const struct prf_stat mixed = {
        .system = 100, .irq = 50, .softirq = 50, .steal = 100, .idle = 50, .iowait = 50};
    assert_int_equal(prf_stat_advance_fields(f->root, &mixed), 0);
    uint64_t e2 = fx_read(f, t0 + 4 * SEC_NS);
    assert_near_uj(e2 - e1, 187500000);
}

/* A read that fails changes nothing; the next good one covers the whole interval. */
static void test_meter_read_failure_then_recovery(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_create(f->root, GOLD_6130, 4, &base_stat), 0);
    fx_probe_ok(f);
    uint64_t t0 = after_probe();
    uint64_t e0 = fx_read(f, t0);
    assert_int_equal(prf_stat_advance(f->root, 300, 100), 0);
    struct prf_stat now;
    assert_int_equal(prf_read_stat(f->root, &now), 0);

    char path[600];
    snprintf(path, sizeof(path), "%s/stat", f->root);
    FILE *fp = fopen(path, "r+");
    assert_non_null(fp);
    assert_int_equal(ftruncate(fileno(fp), 0), 0);
    fputs("intr 0\n", fp);
    fclose(fp);
    struct ct__reading r = {12345, 0};
    assert_int_equal(ct__meter_cpu_tdp.read(f->state, t0 + SEC_NS, &r), CT_EIO);
    assert_int_equal(r.energy_uj, 12345); /* untouched */

    assert_int_equal(prf_write_stat(f->root, &now), 0);
    uint64_t e1 = fx_read(f, t0 + 2 * SEC_NS);
    assert_near_uj(e1 - e0, 187500000);
}

static void test_meter_time_never_goes_back(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_create(f->root, GOLD_6130, 4, &base_stat), 0);
    fx_probe_ok(f);
    uint64_t t0 = after_probe();
    uint64_t e0 = fx_read(f, t0);
    assert_int_equal(prf_stat_advance(f->root, 400, 0), 0);
    assert_int_equal(fx_read(f, t0 - SEC_NS), e0);
    assert_int_equal(fx_read(f, t0), e0);
}

static void test_meter_unknown_cpu(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_create(f->root, "Foo Computing Bar 9000", 2, &base_stat), 0);
    fx_probe_ok(f);
    struct ct__meter_dev dev;
    assert_int_equal(ct__meter_cpu_tdp.describe(f->state, &dev, 1), 1);
    assert_string_equal(dev.name, "Foo Computing Bar 9000");
    double w = 0;
    int matched = -1;
    assert_int_equal(ct__cpu_tdp_info(f->state, &w, &matched), CT_OK);
    ct_assert_double_equal(TDP_MEAN_W, w);
    assert_int_equal(matched, 0);
    char detail[256];
    ct__meter_cpu_tdp.detail(f->state, detail, sizeof(detail));
    assert_string_equal(detail, "Foo Computing Bar 9000 not in the TDP table: mean TDP 71.22 W x "
                                "measured utilisation (estimated; attribution: node)");
    uint64_t t0 = after_probe();
    uint64_t e0 = fx_read(f, t0);
    assert_int_equal(prf_stat_advance(f->root, 400, 0), 0);
    uint64_t e1 = fx_read(f, t0 + 2 * SEC_NS);
    assert_near_uj(e1 - e0, (uint64_t)llround(TDP_MEAN_W * 2e6));
}

/* ARM layout: no "model name" line. */
static void test_meter_no_model_name(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_create(f->root, NULL, 4, &base_stat), 0);
    fx_probe_ok(f);
    struct ct__meter_dev dev;
    assert_int_equal(ct__meter_cpu_tdp.describe(f->state, &dev, 1), 1);
    assert_string_equal(dev.name, "Unknown CPU");
    assert_int_equal(dev.provenance, CT_PROVENANCE_ESTIMATED);
    double w = 0;
    int matched = -1;
    assert_int_equal(ct__cpu_tdp_info(f->state, &w, &matched), CT_OK);
    ct_assert_double_equal(TDP_MEAN_W, w);
    assert_int_equal(matched, 0);
    char detail[256];
    ct__meter_cpu_tdp.detail(f->state, detail, sizeof(detail));
    assert_string_equal(detail, "Unknown CPU not in the TDP table: mean TDP 71.22 W x measured "
                                "utilisation (estimated; attribution: node)");
}

/* No cpuinfo at all still gives an estimate (the mean TDP). */
static void test_meter_no_cpuinfo(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_write_stat(f->root, &base_stat), 0);
    fx_probe_ok(f);
    struct ct__meter_dev dev;
    assert_int_equal(ct__meter_cpu_tdp.describe(f->state, &dev, 1), 1);
    assert_string_equal(dev.name, "Unknown CPU");
    /* describe with max 0 still counts the device */
    assert_int_equal(ct__meter_cpu_tdp.describe(f->state, NULL, 0), 1);
}

static void test_meter_no_stat(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_write_cpuinfo(f->root, GOLD_6130, 1), 0);
    int rc = ct__meter_cpu_tdp.probe(&f->ctx, &f->state, f->why, sizeof(f->why));
    assert_int_equal(rc, CT_ENOTSUP);
    assert_null(f->state);
    char expected[700];
    snprintf(expected, sizeof(expected),
             "cannot read %s/stat (No such file or directory): the CPU utilisation is unknown",
             f->root);
    assert_string_equal(f->why, expected);
}

static void test_meter_stat_denied(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_create(f->root, GOLD_6130, 1, &base_stat), 0);
    assert_int_equal(prf_fault(f->root, "stat", "EACCES"), 0);
    int rc = ct__meter_cpu_tdp.probe(&f->ctx, &f->state, f->why, sizeof(f->why));
    assert_int_equal(rc, CT_EIO);
    assert_null(f->state);
    ct_assert_contains(f->why, "/stat (Permission denied)");
}

static void test_meter_stat_malformed(void **st)
{
    struct fx *f = *st;
    assert_int_equal(prf_write_cpuinfo(f->root, GOLD_6130, 1), 0);
    char path[600];
    snprintf(path, sizeof(path), "%s/stat", f->root);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("cpu  12 34 56\nintr 0\n", fp); /* fewer than 4 counters */
    fclose(fp);
    int rc = ct__meter_cpu_tdp.probe(&f->ctx, &f->state, f->why, sizeof(f->why));
    assert_int_equal(rc, CT_EIO);
    assert_null(f->state);
    ct_assert_contains(f->why, "first line is not");

    /* old 2.4 kernels: exactly four counters are enough */
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("cpu  300 0 0 100\n", fp);
    fclose(fp);
    fx_probe_ok(f);
}

static void test_meter_no_proc_root(void **st)
{
    struct fx *f = *st;
    f->ctx.proc_fd = -1;
    int rc = ct__meter_cpu_tdp.probe(&f->ctx, &f->state, f->why, sizeof(f->why));
    assert_int_equal(rc, CT_ENOTSUP);
    assert_null(f->state);
    assert_int_equal(ct__cpu_tdp_info(NULL, NULL, NULL), CT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise_real_brands),
        cmocka_unit_test(test_normalise_markers_and_suffixes),
        cmocka_unit_test(test_normalise_truncates_whole_tokens),
        cmocka_unit_test(test_lookup_real_brands),
        cmocka_unit_test(test_lookup_whole_tokens_only),
        cmocka_unit_test(test_lookup_token_rules),
        cmocka_unit_test(test_lookup_optional_outputs),
        cmocka_unit_test(test_every_table_row_finds_itself),
        cmocka_unit_test(test_meter_ops_table),
        cmocka_unit_test_setup_teardown(test_meter_matched_cpu, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_75_percent, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_0_and_100_percent, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_keeps_last_utilisation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_initial_utilisation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_stat_fields, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_read_failure_then_recovery, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_time_never_goes_back, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_unknown_cpu, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_no_model_name, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_no_cpuinfo, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_no_stat, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_stat_denied, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_stat_malformed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_meter_no_proc_root, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
