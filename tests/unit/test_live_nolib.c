/*
 * test_live_nolib.c - a machine without libcurl: libcurl is loaded with dlopen by the carbon
 * thread's first request only, so an offline tracker never loads it, and a live tracker that
 * cannot load it keeps the yearly table with one warning naming libcurl and its Debian package.
 * Also the split of the tracker's own CPU time (caller, carbon and sampler threads) in
 * ct_get_summary and the JSON summary, and a version-1 ct_summary written only up to its end.
 * Its own process: the load is attempted once per process, under a name that does not exist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "console_capture.h"
#include "ct_assert.h"
#include "powercap_fixture.h"
#include "proc_fixture.h"
#include "tracker.h"
#include "util/http.h"

#include <jansson.h>
#include <link.h>
#include <math.h>
#include <string.h>

#define NO_CURL "libcurl-not-installed-for-this-test.so.4"

struct fx {
    char sys[4096];
    char proc[4096];
    struct console_buf con; /* what the tracker printed */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct prf_stat st = {.user = 1000, .system = 500, .idle = 8500};

    assert_non_null(f);
    assert_int_equal(pcf_mkroot(f->sys, sizeof(f->sys), "sys"), 0);
    assert_int_equal(prf_mkroot(f->proc, sizeof(f->proc), "proc"), 0);
    assert_int_equal(pcf_create(f->sys, "server2"), 0);
    assert_int_equal(prf_create(f->proc, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 4, &st), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    pcf_remove(f->sys);
    prf_remove(f->proc);
    free(f);
    return 0;
}

static ct_options options(struct fx *f, int live)
{
    ct_options o = CT_OPTIONS_INIT;
    o.sysfs_root = f->sys;
    o.proc_root = f->proc;
    o.message = console_capture;
    o.message_user = &f->con;
    o.verbose = 2;
    o.update_interval_s = 10;
    o.epochs = 2;
    o.epochs_before_pred = 0;
    o.zone = "GB"; /* carbonintensity.org.uk is suitable: a live tracker makes a request */
    o.tz = "UTC";
    o.live = live;
    o.ukgrid_url = "http://127.0.0.1:9"; /* never reached: no libcurl */
    o.geolocation_url = "http://127.0.0.1:9";
    return o;
}

static int curl_mapped_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    if (strstr(info->dlpi_name, "libcurl") != NULL)
        *(int *)data = 1;
    return 0;
}

/* Whether any libcurl is mapped into this process. */
static int curl_mapped(void)
{
    int found = 0;
    dl_iterate_phdr(curl_mapped_cb, &found);
    return found;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* Offline first (this test runs first): no libcurl mapped before or after a whole run. */
static void test_offline_never_loads_libcurl(void **state)
{
    struct fx *f = *state;
    ct_options o = options(f, 0);
    ct_tracker *t = NULL;

    assert_int_equal(curl_mapped(), 0);
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    assert_int_equal(ct_stop(t), CT_OK);
    ct_tracker_free(t);
    assert_int_equal(curl_mapped(), 0);
}

static void test_load_fails_cleanly(void **state)
{
    struct ct__http *h = NULL;
    struct ct__http_response resp;
    struct ct__http_request rq = {.url = "http://127.0.0.1:9/"};
    char why[256] = "";

    (void)state;
    assert_int_equal(ct__http_new(&h), CT_OK);
    assert_int_equal(ct__http_get(h, &rq, &resp), CT_ENOTSUP);
    ct_assert_contains(resp.error, NO_CURL);
    assert_null(resp.body);
    assert_int_equal(ct__http_load(why, sizeof(why)), CT_ENOTSUP);
    assert_string_equal(why, resp.error);
    ct__http_cancel(h); /* no transfer was ever made: nothing to wake */
    ct__http_free(h);
    assert_int_equal(curl_mapped(), 0);
}

static void test_live_without_libcurl_keeps_the_table(void **state)
{
    struct fx *f = *state;
    ct_options o = options(f, 1);
    ct_tracker *t = NULL;
    ct_summary s = {.version = CT_SUMMARY_VERSION};
    char *js = NULL;

    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    /* The thread ends after its first cycle: it cannot make a request. */
    assert_int_equal(ct__carbon_wait_cycles(&t->grid.carbon, 1, 10.0), 0);
    for (int e = 0; e < 2; e++) {
        assert_int_equal(ct_epoch_start(t), CT_OK);
        assert_int_equal(ct_epoch_end(t, NULL), CT_OK); /* the second ends monitoring */
    }
    assert_int_equal(count(f->con.text, "libcurl could not be loaded"), 1);
    ct_assert_contains(f->con.text, "CarbonTracker: WARNING - Live carbon intensity is "
                                    "unavailable: libcurl could not be loaded (" NO_CURL);
    ct_assert_contains(f->con.text, "install it (Debian package libcurl4). Using ");
    assert_int_equal(ct_get_summary(t, &s), CT_OK);
    assert_string_equal(s.intensity_source, "table:owid:GB:2023");
    assert_int_equal(t->grid.carbon.n_samples, 1); /* only the table value ever came into force */
    assert_int_equal(t->grid.carbon.exited, 1);
    assert_int_equal(curl_mapped(), 0);

    /* The tracker's CPU time is the sum of its three threads'. */
    ct_assert_cmp_double(s.caller_cpu_s, >, 0);
    ct_assert_cmp_double(s.carbon_cpu_s, >, 0);
    ct_assert_cmp_double(s.sampler_cpu_s, >, 0);
    ct_assert_double_equal(s.sampler_cpu_s + s.caller_cpu_s + s.carbon_cpu_s, s.tracker_cpu_s);
    /* The JSON has the same numbers (its text keeps 15 significant digits). */
    assert_int_equal(ct_summary_json(t, &js), CT_OK);
    json_t *root = json_loads(js, 0, NULL);
    assert_non_null(root);
    /* Equal to 14 significant digits. */
    ct_assert_double_within(s.caller_cpu_s, json_real_value(json_object_get(root, "caller_cpu_s")),
                            1e-14 * fabs(s.caller_cpu_s));
    ct_assert_double_within(s.carbon_cpu_s, json_real_value(json_object_get(root, "carbon_cpu_s")),
                            1e-14 * fabs(s.carbon_cpu_s));
    ct_assert_double_within(s.sampler_cpu_s,
                            json_real_value(json_object_get(root, "sampler_cpu_s")),
                            1e-14 * fabs(s.sampler_cpu_s));
    ct_assert_double_within(s.tracker_cpu_s,
                            json_real_value(json_object_get(root, "tracker_cpu_s")),
                            1e-14 * fabs(s.tracker_cpu_s));
    json_decref(root);
    ct_free(js);
    ct_tracker_free(t);
}

/* Caller CPU grows with the work done in public calls; a version-1 struct is written only up to
 * its end, with tracker_cpu_s still the whole sum. */
static void test_cpu_split_and_version_1(void **state)
{
    struct fx *f = *state;
    ct_options o = options(f, 0);
    ct_tracker *t = NULL;
    ct_summary a = {.version = CT_SUMMARY_VERSION}, b = {.version = CT_SUMMARY_VERSION};
    struct ct__summary_v2 v1; /* the layout a program built against version 1 passes */
    unsigned char *bytes = (unsigned char *)&v1;

    o.epochs = 1000;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    assert_int_equal(ct_get_summary(t, &a), CT_OK);
    ct_assert_cmp_double(a.caller_cpu_s, >, 0);
    ct_assert_double_equal(0, a.carbon_cpu_s); /* offline: no carbon thread */
    for (int i = 0; i < 200; i++) {
        assert_int_equal(ct_epoch_start(t), CT_OK);
        assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    }
    assert_int_equal(ct_get_summary(t, &b), CT_OK);
    ct_assert_cmp_double(b.caller_cpu_s, >, a.caller_cpu_s);
    ct_assert_double_equal(b.sampler_cpu_s + b.caller_cpu_s + b.carbon_cpu_s, b.tracker_cpu_s);

    memset(&v1, 0xAB, sizeof(v1));
    v1.version = 1;
    assert_int_equal(ct_get_summary(t, (ct_summary *)&v1), CT_OK);
    for (size_t i = offsetof(struct ct__summary_v2, caller_cpu_s); i < sizeof(v1); i++)
        assert_int_equal(bytes[i], 0xAB);
    ct_assert_cmp_double(v1.tracker_cpu_s, >=, b.tracker_cpu_s);
    assert_int_equal(v1.version, 1);
    ct_tracker_free(t);
}

int main(void)
{
    ct__curl_library = NO_CURL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_offline_never_loads_libcurl, setup, teardown),
        cmocka_unit_test(test_load_fails_cleanly),
        cmocka_unit_test_setup_teardown(test_live_without_libcurl_keeps_the_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cpu_split_and_version_1, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
