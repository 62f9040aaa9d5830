/*
 * test_attribution.c - the CPU estimate attributed to the tracked process tree (setting
 * cpu-tdp.attribution=process): the tree's CPU time (utime + stime + cutime + cstime of every
 * process, /proc/PID/stat) over all CPUs' time (/proc/stat) times the TDP, against the truth of a
 * fixture proc tree: children, a child that ends and is waited for, a new root (ct_track_pid),
 * a comm with spaces and parentheses, garbage, and the setting's bad value.
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
#include "proc_fixture.h"
#include "util/sysfs.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define S_NS 1000000000ULL
#define TDP_W 125.0 /* Intel Xeon Gold 6130 in the table */

struct fx {
    char root[512];
    char setting[64];
    const char *settings_list[2];
    int proc_fd;
    ct_options opts;
    struct ct__settings settings;
    struct ct__probe_ctx ctx;
    void *state;
    char why[512];
    uint64_t t0_ns;
    double base_j; /* the energy at t0 */
    struct ct__reading out[1];
};

/* <pid>/stat with the given CPU ticks; comm may hold spaces and parentheses. */
static void write_pid(struct fx *f, int pid, int ppid, const char *comm, unsigned utime,
                      unsigned stime, unsigned cutime, unsigned cstime)
{
    char rel[64], text[512];
    snprintf(rel, sizeof(rel), "%d/stat", pid);
    snprintf(text, sizeof(text),
             "%d (%s) S %d %d %d 0 -1 4194304 1200 0 3 0 %u %u %u %u 20 0 1 0 5000 1000000 300 "
             "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0",
             pid, comm, ppid, pid, pid, utime, stime, cutime, cstime);
    assert_int_equal(cpf_write(f->root, rel, text), 0);
}

static void write_children(struct fx *f, int pid, const char *children)
{
    char rel[64];
    snprintf(rel, sizeof(rel), "%d/task/%d/children", pid, pid);
    assert_int_equal(cpf_write(f->root, rel, children), 0);
}

static int setup_mode(void **st, const char *mode)
{
    static struct fx f;
    memset(&f, 0, sizeof(f));
    if (prf_mkroot(f.root, sizeof(f.root), "attribution") < 0)
        return -1;
    struct prf_stat ps = {.user = 10000, .idle = 30000};
    if (prf_create(f.root, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 4, &ps) < 0)
        return -1;
    ct_options_init(&f.opts);
    f.opts.proc_root = f.root;
    f.opts.tracked_pid = 100;
    snprintf(f.setting, sizeof(f.setting), "cpu-tdp.attribution=%s", mode);
    f.settings_list[0] = f.setting;
    f.opts.settings = f.settings_list;
    f.proc_fd = ct__root_open(f.root);
    *st = &f;
    return 0;
}

static int setup(void **st)
{
    return setup_mode(st, "process");
}

static int teardown(void **st)
{
    struct fx *f = *st;
    ct__meter_cpu_tdp.close(f->state);
    ct__settings_free(&f->settings);
    close(f->proc_fd);
    return prf_remove(f->root) < 0 ? -1 : 0;
}

/* Energy from t0 to t0 + at_s. */
static double read_j(struct fx *f, int at_s)
{
    assert_int_equal(ct__meter_cpu_tdp.read(f->state, f->t0_ns + (uint64_t)at_s * S_NS, f->out),
                     CT_OK);
    return (double)f->out[0].energy_uj / 1e6 - f->base_j;
}

static int probe(struct fx *f)
{
    char why[256];
    ct__settings_free(&f->settings);
    assert_int_equal(ct__backends_resolve(&f->settings, &f->opts, why, sizeof(why)), CT_OK);
    f->ctx.sysfs_fd = -1;
    f->ctx.proc_fd = f->proc_fd;
    f->ctx.opts = &f->opts;
    f->ctx.settings = &f->settings;
    int rc = ct__meter_cpu_tdp.probe(&f->ctx, &f->state, f->why, sizeof(f->why));
    f->t0_ns = ct__now_ns();
    f->base_j = 0.0;
    if (rc == CT_OK) /* the time between the probe and t0 (a loaded machine) is not the test's */
        f->base_j = read_j(f, 0);
    return rc;
}

/* A python3 with one worker: 1 s in which all CPUs counted 400 ticks (300 busy), 100 of them
 * the tree's: a quarter of the machine's CPU time, so TDP / 4. */
static void test_tree_share(void **st)
{
    struct fx *f = *st;
    write_pid(f, 100, 1, "python3", 500, 100, 0, 0);
    write_pid(f, 101, 100, "pt_data (worker 0)", 200, 50, 0, 0);
    write_children(f, 100, "101");
    write_children(f, 101, "");
    write_pid(f, 555, 1, "someone else", 9000, 9000, 0, 0); /* another user's process */
    write_children(f, 555, "");
    assert_int_equal(probe(f), CT_OK);
    char detail[512];
    ct__meter_cpu_tdp.detail(f->state, detail, sizeof(detail));
    ct_assert_contains(detail, "attribution: process");

    assert_int_equal(prf_stat_advance(f->root, 300, 100), 0);
    write_pid(f, 100, 1, "python3", 560, 100, 0, 0);             /* +60 */
    write_pid(f, 101, 100, "pt_data (worker 0)", 230, 60, 0, 0); /* +40 */
    write_pid(f, 555, 1, "someone else", 9200, 9000, 0, 0);      /* not ours */
    ct_assert_double_within(TDP_W * 100.0 / 400.0, read_j(f, 1), 1e-4);

    /* The worker ends and is waited for: its ticks move into the root's cutime/cstime, which
     * counts them once. Next second: the root alone uses 200 of 400 ticks. */
    char rel[600];
    snprintf(rel, sizeof(rel), "%s/101/stat", f->root);
    assert_int_equal(unlink(rel), 0);
    write_children(f, 100, "");
    assert_int_equal(prf_stat_advance(f->root, 300, 100), 0);
    write_pid(f, 100, 1, "python3", 760, 100, 230, 60);
    ct_assert_double_within(TDP_W * (0.25 + 200.0 / 400.0), read_j(f, 2), 1e-4);

    /* A new root (the command's pid, set after fork): a fresh process, so all its CPU time
     * (30 ticks) falls in this interval. */
    write_pid(f, 600, 100, "train.py", 20, 10, 0, 0);
    write_children(f, 600, "");
    f->opts.tracked_pid = 600;
    assert_int_equal(prf_stat_advance(f->root, 300, 100), 0);
    double e3 = read_j(f, 3);
    ct_assert_double_within(TDP_W * (0.25 + 0.5 + 30.0 / 400.0), e3, 1e-4);
    assert_int_equal(prf_stat_advance(f->root, 300, 100), 0);
    write_pid(f, 600, 100, "train.py", 50, 20, 0, 0);
    ct_assert_double_within(e3 + TDP_W * 40.0 / 400.0, read_j(f, 4), 1e-4);
}

/* The tree's share never exceeds the machine's utilisation; garbage stat lines add nothing. */
static void test_garbage_and_bounds(void **st)
{
    struct fx *f = *st;
    write_pid(f, 100, 1, "a) b (c", 0, 0, 0, 0);
    write_children(f, 100, "");
    assert_int_equal(probe(f), CT_OK);
    assert_int_equal(prf_stat_advance(f->root, 100, 300), 0);
    write_pid(f, 100, 1, "a) b (c", 900, 0, 0, 0); /* more than the machine counted */
    ct_assert_double_within(TDP_W * 100.0 / 400.0, read_j(f, 1), 1e-4);
    assert_int_equal(cpf_write(f->root, "100/stat", "100 (x) S garbage"), 0);
    assert_int_equal(prf_stat_advance(f->root, 100, 300), 0);
    double e = read_j(f, 2);
    ct_assert_double_within(TDP_W * 100.0 / 400.0, e, 1e-4);
}

static void test_bad_setting(void **st)
{
    struct fx *f = *st;
    snprintf(f->setting, sizeof(f->setting), "cpu-tdp.attribution=job");
    assert_int_equal(probe(f), CT_EINVAL);
    ct_assert_contains(f->why, "cpu-tdp.attribution is 'job'");
    ct_assert_contains(f->why, "node");
    ct_assert_contains(f->why, "process");
    assert_null(f->state);
}

/* The default: the whole CPU, and it says so. */
static void test_node_default(void **st)
{
    struct fx *f = *st;
    f->opts.settings = NULL;
    assert_int_equal(probe(f), CT_OK);
    char detail[512];
    ct__meter_cpu_tdp.detail(f->state, detail, sizeof(detail));
    ct_assert_contains(detail, "attribution: node");
    assert_int_equal(prf_stat_advance(f->root, 300, 100), 0);
    ct_assert_double_within(TDP_W * 0.75, read_j(f, 1), 1e-4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tree_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_and_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_setting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_default, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
