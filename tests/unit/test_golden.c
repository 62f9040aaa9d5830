/*
 * test_golden.c - golden-file tests of the epoch API's outputs: each scenario runs a tracker on
 * fixture powercap/proc trees (counters advanced in place, so epoch energies are exact) and
 * compares, byte for byte after golden.h's normaliser, every console message (level and text),
 * the epoch results, the JSON summary and every file written (the three upstream logs and the
 * JSON-lines log) with tests/fixtures/golden/lib/<scenario>.golden.
 *
 * Only the public API is used, so the test holds while the internals are rearranged.
 * Regenerate the golden files (after a deliberate output change, and review the diff):
 *     CT_UPDATE_GOLDEN=1 ctest -R 'test_golden|integration_test_golden'
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "carbontracker.h"
#include "golden.h"
#include "powercap_fixture.h"
#include "proc_fixture.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC_MAX (1 << 20)

struct gx {
    char sys[4096];
    char proc[4096];
    char logs[4096];
    char *doc; /* the document compared with the golden file */
    size_t len;
    int n_epochs; /* epochs ended, with their clock-derived numbers: */
    double duration_s[16], cpu_power_w[16];
};

static void doc_add(struct gx *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void doc_add(struct gx *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g->doc + g->len, DOC_MAX - g->len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < DOC_MAX - g->len);
    g->len += (size_t)n;
}

static const char *level_name(int level)
{
    switch (level) {
    case CT_LEVEL_OUTPUT:
        return "output";
    case CT_LEVEL_INFO:
        return "info";
    case CT_LEVEL_WARNING:
        return "warning";
    case CT_LEVEL_ERROR:
        return "error";
    }
    return "?";
}

/* ct_message_fn: every message as "[level] text" (a multi-line text keeps its newlines). */
static void capture(void *user, int level, const char *text)
{
    doc_add(user, "[%s] %s\n", level_name(level), text);
}

/* A fixture: powercap scenario (or "none"), a proc root whose stat is given, a log directory. */
static struct gx *fixture(const char *scenario, const struct prf_stat *st)
{
    struct gx *g = calloc(1, sizeof(*g));
    assert_non_null(g);
    g->doc = calloc(1, DOC_MAX);
    assert_non_null(g->doc);
    assert_int_equal(pcf_mkroot(g->sys, sizeof(g->sys), "gsys"), 0);
    assert_int_equal(prf_mkroot(g->proc, sizeof(g->proc), "gproc"), 0);
    assert_int_equal(pcf_mkroot(g->logs, sizeof(g->logs), "glogs"), 0);
    if (strcmp(scenario, "none") != 0)
        assert_int_equal(pcf_create(g->sys, scenario), 0);
    assert_int_equal(prf_create(g->proc, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 4, st), 0);
    return g;
}

static ct_options options(struct gx *g)
{
    ct_options o = CT_OPTIONS_INIT;
    o.sysfs_root = g->sys;
    o.proc_root = g->proc;
    o.zone = "DK";
    o.log_dir = g->logs;
    o.message = capture;
    o.message_user = g;
    /* No sampler tick during a test (the boundaries and open/stop read the counters): the
     * JSON-lines log then holds the same records on every run. */
    o.update_interval_s = 30;
    o.nvml_library = "/nonexistent/libnvidia-ml.so.1"; /* no GPU, even on a machine with one */
    return o;
}

static ct_tracker *open_tracker(struct gx *g, const ct_options *o)
{
    ct_tracker *t = NULL;
    char err[512] = "";
    doc_add(g, "## console\n");
    int rc = ct_tracker_open(&t, o, err, sizeof(err));
    if (rc != CT_OK)
        fail_msg("ct_tracker_open: %s: %s", ct_status_name(rc), err);
    return t;
}

/* The epoch's result, every number as the exact double. */
static void doc_epoch(struct gx *g, const ct_tracker *t, int rc, const ct_epoch_result *r)
{
    doc_add(g,
            "## epoch_end -> %s: epoch %d energy_j %.17g cpu_energy_j %.17g gpu_energy_j %.17g "
            "energy_kwh_pue %.17g intensity_g_per_kwh %.17g co2eq_g %.17g\n",
            ct_status_name(rc), r->epoch, r->energy_j, r->cpu_energy_j, r->gpu_energy_j,
            r->energy_kwh_pue, r->intensity_g_per_kwh, r->co2eq_g);
    if (r->epoch > 0) {
        assert_true(g->n_epochs < 16);
        g->duration_s[g->n_epochs] = r->duration_s;
        g->cpu_power_w[g->n_epochs] = r->cpu_power_w;
        g->n_epochs++;
    }
    for (int i = 0; i < r->n_devices; i++) {
        ct_device_energy d = CT_DEVICE_ENERGY_INIT;
        assert_int_equal(ct_epoch_device(t, (size_t)i, &d), CT_OK);
        doc_add(g, "##   %s %s %s %s lost %d index %d energy_j %.17g\n", d.component, d.name,
                d.meter, ct_provenance_name(d.provenance), d.lost, d.index, d.energy_j);
    }
}

static int epoch(struct gx *g, ct_tracker *t, const char *const *zones, const uint64_t *uj, int n)
{
    int rc = ct_epoch_start(t);
    doc_add(g, "## epoch_start -> %s\n", ct_status_name(rc));
    for (int i = 0; i < n; i++)
        assert_int_equal(pcf_advance(g->sys, zones[i], uj[i]), 0);
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    rc = ct_epoch_end(t, &r);
    doc_epoch(g, t, rc, &r);
    return rc;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, DOC_MAX);
    assert_non_null(buf);
    size_t n = fread(buf, 1, DOC_MAX - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/*
 * The standard log's per-epoch lines carry the clock: "Duration: H:MM:SS.ff" and "Average power
 * usage (W) for cpu: P". The normaliser blanks those numbers; here they are checked against the
 * epoch results instead (the duration's time string exactly, the power as energy / duration).
 */
static void check_clock_lines(const struct gx *g, const char *log)
{
    static const char dur_tag[] = " - Duration: ",
                      pw_tag[] = " - Average power usage (W) for cpu: ";
    int n_dur = 0, n_pw = 0;
    for (const char *p = log; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        const char *d = strstr(p, dur_tag), *w = strstr(p, pw_tag), *nl = strchr(p, '\n');
        if (d && (!nl || d < nl)) {
            assert_true(n_dur < g->n_epochs);
            char want[64];
            assert_int_equal(ct_timestring(g->duration_s[n_dur++], 1, want, sizeof(want)), CT_OK);
            size_t n = strlen(want);
            d += strlen(dur_tag);
            if (strncmp(d, want, n) != 0 || d[n] != '\n')
                fail_msg("standard log: Duration line %d is not %s: %.40s", n_dur, want, d);
        }
        if (w && (!nl || w < nl)) {
            assert_true(n_pw < g->n_epochs);
            double want = g->cpu_power_w[n_pw++];
            double got = strtod(w + strlen(pw_tag), NULL);
            if (!(fabs(got - want) <= 1e-12 + 1e-15 * fabs(want)))
                fail_msg("standard log: power line %d says %.17g W, the epoch %.17g W", n_pw, got,
                         want);
        }
    }
    assert_int_equal(n_dur, g->n_epochs);
    assert_int_equal(n_pw, g->n_epochs);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* Stop, add the JSON summary and every file of the log directory, free the tracker, normalise
 * and compare with lib/<name>.golden. */
static void finish(struct gx *g, ct_tracker *t, const char *name)
{
    int rc = ct_stop(t);
    doc_add(g, "## stop -> %s\n", ct_status_name(rc));
    char *json = NULL;
    assert_int_equal(ct_summary_json(t, &json), CT_OK);
    doc_add(g, "## summary json\n%s\n", json);
    ct_free(json);
    ct_tracker_free(t);
    doc_add(g, "## after free\n");

    struct dirent **names = NULL;
    int n = scandir(g->logs, &names, not_dot, by_name);
    assert_true(n >= 0);
    for (int i = 0; i < n; i++) {
        char path[8400];
        snprintf(path, sizeof(path), "%s/%s", g->logs, names[i]->d_name);
        char *text = slurp(path);
        size_t nl = strlen(names[i]->d_name), sl = strlen("_carbontracker.log");
        if (nl > sl && strcmp(names[i]->d_name + nl - sl, "_carbontracker.log") == 0)
            check_clock_lines(g, text);
        doc_add(g, "## file %s\n%s", names[i]->d_name, text);
        if (g->len > 0 && g->doc[g->len - 1] != '\n')
            doc_add(g, "\n## (no newline at the end of the file)\n");
        free(text);
        free(names[i]);
    }
    free(names);

    const struct golden_subst subst[] = {
        {g->logs, "<LOGS>"}, {g->sys, "<SYS>"}, {g->proc, "<PROC>"}};
    char *norm = golden_normalise(g->doc, subst, sizeof(subst) / sizeof(subst[0]));
    assert_non_null(norm);
    char golden[256];
    snprintf(golden, sizeof(golden), "lib/%s.golden", name);
    int diff = golden_check(golden, norm);
    free(norm);
    pcf_remove(g->sys);
    prf_remove(g->proc);
    pcf_remove(g->logs);
    free(g->doc);
    free(g);
    if (diff != 0)
        fail_msg("%s: output differs from the golden file (diff above)", golden);
}

static const struct prf_stat busy_stat = {.user = 1000, .system = 500, .idle = 8500};

static const char *const server2_zones[] = {"intel-rapl:0", "intel-rapl:0:0", "intel-rapl:1",
                                            "intel-rapl:1:0"};

/* (a) Offline, zone DK, 3 epochs, prediction after 1, logs, verbose 2 (notes on the console). */
static void test_offline_dk_verbose(void **state)
{
    (void)state;
    struct gx *g = fixture("server2", &busy_stat);
    ct_options o = options(g);
    o.epochs = 3;
    o.epochs_before_pred = 1;
    o.verbose = 2;
    ct_tracker *t = open_tracker(g, &o);
    const uint64_t e1[] = {50000000, 5000000, 40000000, 4000001};
    const uint64_t e2[] = {61000000, 6100000, 43000000, 4300000};
    const uint64_t e3[] = {55500000, 5550000, 41000000, 4100000};
    assert_int_equal(epoch(g, t, server2_zones, e1, 4), CT_OK);
    assert_int_equal(pcf_advance(g->sys, "intel-rapl:0", 1000000000), 0); /* between epochs */
    assert_int_equal(epoch(g, t, server2_zones, e2, 4), CT_OK);
    assert_int_equal(epoch(g, t, server2_zones, e3, 4), CT_OK);
    finish(g, t, "offline-dk-verbose");
}

/* (b) monitor_epochs (2) below epochs (4): the actual consumption after epoch 2, the third
 * epoch's calls are no-ops. */
static void test_monitor_fewer_epochs(void **state)
{
    (void)state;
    struct gx *g = fixture("server2", &busy_stat);
    ct_options o = options(g);
    o.epochs = 4;
    o.monitor_epochs = 2;
    o.epochs_before_pred = 1;
    ct_tracker *t = open_tracker(g, &o);
    const uint64_t e1[] = {120000000, 12000000, 80000000, 8000000};
    const uint64_t e2[] = {130000000, 13000000, 90000000, 9000000};
    const uint64_t e3[] = {1000000, 1000000, 1000000, 1000000};
    assert_int_equal(epoch(g, t, server2_zones, e1, 4), CT_OK);
    assert_int_equal(epoch(g, t, server2_zones, e2, 4), CT_OK);
    assert_int_equal(epoch(g, t, server2_zones, e3, 4), CT_OK);
    finish(g, t, "monitor-2of4");
}

/* (c) ct_stop() with an epoch open: the completed epoch is counted, the open one is not. */
static void test_stop_with_epoch_open(void **state)
{
    (void)state;
    struct gx *g = fixture("server2", &busy_stat);
    ct_options o = options(g);
    o.epochs = 3;
    o.epochs_before_pred = 2;
    ct_tracker *t = open_tracker(g, &o);
    const uint64_t e1[] = {70000000, 7000000, 60000000, 6000000};
    assert_int_equal(epoch(g, t, server2_zones, e1, 4), CT_OK);
    int rc = ct_epoch_start(t);
    doc_add(g, "## epoch_start -> %s\n", ct_status_name(rc));
    assert_int_equal(pcf_advance(g->sys, "intel-rapl:0", 2500000), 0);
    assert_int_equal(pcf_advance(g->sys, "intel-rapl:1:0", 500000), 0);
    finish(g, t, "stop-epoch-open");
}

/* (d) interpretable = 0 and decimal_precision = 3, on a client machine (package + dram of one
 * socket; core, uncore, psys and the mmio mirror not counted), large enough energies for
 * three decimals of kWh. */
static void test_plain_precision3(void **state)
{
    (void)state;
    struct gx *g = fixture("client", &busy_stat);
    ct_options o = options(g);
    o.epochs = 2;
    o.epochs_before_pred = 1;
    o.interpretable = 0;
    o.decimal_precision = 3;
    ct_tracker *t = open_tracker(g, &o);
    const char *const zones[] = {"intel-rapl:0", "intel-rapl:0:2", "intel-rapl:0:0",
                                 "intel-rapl:1"};
    /* The package starts at 12.3 GJ of a 262.1 GJ range: no wrap (a wrap this fast would be
     * taken for a counter reset). */
    const uint64_t e1[] = {150000000000ull, 9000000000ull, 50000000000ull, 1000000};
    const uint64_t e2[] = {90000000000ull, 7000000000ull, 1000000, 1000000};
    assert_int_equal(epoch(g, t, zones, e1, 4), CT_OK);
    assert_int_equal(epoch(g, t, zones, e2, 4), CT_OK);
    finish(g, t, "plain-precision3");
}

/* (e) components = cpu without powercap: the TDP x utilisation estimate from /proc/stat. The
 * estimate integrates over clock time, so the fixture keeps the CPU idle (only idle ticks
 * move): its energy is then exactly 0 on every run, whatever the epochs' durations. */
static void test_cpu_estimate(void **state)
{
    (void)state;
    const struct prf_stat idle_stat = {.idle = 10000};
    struct gx *g = fixture("none", &idle_stat);
    ct_options o = options(g);
    o.components = "cpu";
    o.epochs = 2;
    o.epochs_before_pred = 1;
    o.verbose = 2;
    ct_tracker *t = open_tracker(g, &o);
    for (int e = 0; e < 2; e++) {
        int rc = ct_epoch_start(t);
        doc_add(g, "## epoch_start -> %s\n", ct_status_name(rc));
        assert_int_equal(prf_stat_advance(g->proc, 0, 400), 0);
        ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
        rc = ct_epoch_end(t, &r);
        doc_epoch(g, t, rc, &r);
        assert_int_equal(rc, CT_OK);
    }
    finish(g, t, "cpu-estimate");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offline_dk_verbose),   cmocka_unit_test(test_monitor_fewer_epochs),
        cmocka_unit_test(test_stop_with_epoch_open), cmocka_unit_test(test_plain_precision3),
        cmocka_unit_test(test_cpu_estimate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
