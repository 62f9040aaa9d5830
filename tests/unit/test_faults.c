/*
 * test_faults.c - the tracker when its logs cannot be written (reliability finding 1: a log
 * write that failed mid-run was silent). The process's file size limit (RLIMIT_FSIZE, SIGXFSZ
 * ignored) makes every write past it fail with EFBIG, as a full disk fails with ENOSPC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "carbontracker.h"
#include "console_capture.h"
#include "ct_assert.h"
#include "powercap_fixture.h"

#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

static void test_write_failure_is_reported_once(void **state)
{
    (void)state;
    char dir[4096];
    assert_int_equal(pcf_mkroot(dir, sizeof(dir), "test_faults"), 0);
    static struct console_buf con;
    ct_options o = CT_OPTIONS_INIT;
    o.sim_cpu = "cpu";
    o.sim_cpu_tdp_w = 100;
    o.epochs = 3;
    o.update_interval_s = 3600;
    o.log_dir = dir;
    o.zone = "DK";
    o.message = console_capture;
    o.message_user = &con;

    struct rlimit old, small = {.rlim_cur = 700, .rlim_max = RLIM_INFINITY};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);

    ct_tracker *t = NULL;
    int rc = ct_tracker_open(&t, &o, NULL, 0);
    for (int e = 0; rc == CT_OK && e < 3; e++) {
        assert_int_equal(ct_epoch_start(t), CT_OK);
        assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    }
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, CT_OK);

    /* Each log that failed is named once on the console, with the reason; the run went on. */
    ct_assert_contains(con.text, "CarbonTracker: WARNING - Could not write the log ");
    ct_assert_contains(con.text, "_carbontracker.jsonl: File too large. Measuring goes on; that "
                                 "log is incomplete from here on.\n");
    int told = 0;
    for (const char *p = con.text; (p = strstr(p, "_carbontracker.jsonl: File too large")); p++)
        told++;
    ct_assert_cmp_int(told, ==, 1);
    ct_assert_contains(con.text, "Actual consumption for 3 epoch(s):");

    char *json = NULL;
    assert_int_equal(ct_summary_json(t, &json), CT_OK);
    json_t *root = json_loads(json, 0, NULL);
    const char *err = json_string_value(json_object_get(root, "log_write_error"));
    assert_non_null(err);
    ct_assert_contains(err, "_carbontracker");
    ct_assert_contains(err, ": File too large");
    json_decref(root);
    ct_free(json);
    ct_tracker_free(t);
    pcf_remove(dir);
}

/* Without a failure the summary says so. */
static void test_no_failure(void **state)
{
    (void)state;
    ct_options o = CT_OPTIONS_INIT;
    o.sim_cpu = "cpu";
    o.sim_cpu_tdp_w = 100;
    o.verbose = 0;
    ct_tracker *t = NULL;
    char *json = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    ct_stop(t);
    assert_int_equal(ct_summary_json(t, &json), CT_OK);
    json_t *root = json_loads(json, 0, NULL);
    assert_true(json_is_null(json_object_get(root, "log_write_error")));
    json_decref(root);
    ct_free(json);
    ct_tracker_free(t);
}

/* A disk full from the start (here: a file size limit of 0): no empty logs are left behind
 * (reliability finding 10: three 0-byte logs stayed), and whatever happened is said. */
static void test_full_at_start_leaves_no_empty_logs(void **state)
{
    (void)state;
    char dir[4096];
    assert_int_equal(pcf_mkroot(dir, sizeof(dir), "test_faults_full"), 0);
    static struct console_buf con;
    ct_options o = CT_OPTIONS_INIT;
    o.sim_cpu = "cpu";
    o.sim_cpu_tdp_w = 100;
    o.epochs = 1;
    o.update_interval_s = 3600;
    o.log_dir = dir;
    o.zone = "DK";
    o.message = console_capture;
    o.message_user = &con;
    console_reset(&con);

    struct rlimit old, none = {.rlim_cur = 0};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    none.rlim_max = old.rlim_max;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &none), 0);
    ct_tracker *t = NULL;
    char err[512] = "";
    int rc = ct_tracker_open(&t, &o, err, sizeof(err));
    if (rc == CT_OK) {
        assert_int_equal(ct_epoch_start(t), CT_OK);
        assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
        ct_stop(t);
    }
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    if (rc == CT_OK)
        ct_assert_contains(con.text, "File too large");
    else
        ct_assert_contains(err, "File too large");
    ct_tracker_free(t);

    DIR *d = opendir(dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        assert_int_equal(fstatat(dirfd(d), e->d_name, &st, 0), 0);
        if (st.st_size == 0)
            fail_msg("an empty log was left behind: %s", e->d_name);
    }
    closedir(d);
    pcf_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_failure_is_reported_once),
        cmocka_unit_test(test_no_failure),
        cmocka_unit_test(test_full_at_start_leaves_no_empty_logs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
