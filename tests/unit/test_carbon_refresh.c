/*
 * test_carbon_refresh.c - live carbon intensity through the whole tracker: the carbon thread
 * against a real HTTP server on 127.0.0.1 (tests/fakes/http_server.py), driven cycle by cycle.
 * Energy-weighted CO2 across a change of intensity, the prediction from a forecast and its
 * fallbacks, failures falling back to the last good value then the table with one warning, IP
 * geolocation, coordinates, stop never waiting for a slow server, offline making no request, the
 * JSON samples, and the API key never appearing in a log, the console or the JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../fakes/fake_http.h"
#include "account.h"
#include "carbon/eirgrid.h"
#include "console_capture.h"
#include "ct_assert.h"
#include "powercap_fixture.h"
#include "proc_fixture.h"
#include "tracker.h"

#include <dirent.h>
#include <math.h>

#define KEY "SECRETKEY-123"
#define LATEST "/v3/carbon-intensity/latest?zone=DK-DK2"
#define FORECAST "/v3/carbon-intensity/forecast?zone=DK-DK2"
#define ADDR "DK-DK2 (set by option)"

static struct fake_http srv;
static char em_url[128], dead_url[128], srv_url[128];
/* The keyless providers of other zones point nowhere; the replayed recordings are from 2024, so
 * the age limits are off except in the tests of stale values. */
static char dead_settings[6][192];
static const char *live_settings[] = {
    dead_settings[0],     dead_settings[1],        dead_settings[2],
    dead_settings[3],     dead_settings[4],        dead_settings[5],
    "carbon.max_age_s=0", "carbon.stale_warn_s=0", NULL};

struct fx {
    char sys[4096];
    char proc[4096];
    char logs[4096];
    char zi[4096];
    struct console_buf con; /* what the tracker printed */
};

static int group_setup(void **state)
{
    (void)state;
    fake_http_no_proxy();
    fake_http_start(&srv, NULL);
    snprintf(em_url, sizeof(em_url), "http://127.0.0.1:%d/v3", srv.port);
    snprintf(srv_url, sizeof(srv_url), "http://127.0.0.1:%d", srv.port);
    snprintf(dead_url, sizeof(dead_url), "http://127.0.0.1:%d", fake_http_refused_port());
    snprintf(dead_settings[0], sizeof(dead_settings[0]), "energycharts.url=%s", dead_url);
    snprintf(dead_settings[1], sizeof(dead_settings[1]), "eirgrid.url=%s", dead_url);
    snprintf(dead_settings[2], sizeof(dead_settings[2]), "odre.url=%s", dead_url);
    /* No instance metadata service either (CI machines may have one). */
    snprintf(dead_settings[3], sizeof(dead_settings[3]), "cloud.gcp_url=%s", dead_url);
    snprintf(dead_settings[4], sizeof(dead_settings[4]), "cloud.azure_url=%s", dead_url);
    snprintf(dead_settings[5], sizeof(dead_settings[5]), "cloud.aws_url=%s", dead_url);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fake_http_stop(&srv);
    return 0;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct prf_stat st = {.user = 1000, .system = 500, .idle = 8500};
    char path[4200];
    FILE *zt;

    assert_non_null(f);
    assert_int_equal(pcf_mkroot(f->sys, sizeof(f->sys), "sys"), 0);
    assert_int_equal(prf_mkroot(f->proc, sizeof(f->proc), "proc"), 0);
    assert_int_equal(pcf_mkroot(f->logs, sizeof(f->logs), "logs"), 0);
    assert_int_equal(pcf_mkroot(f->zi, sizeof(f->zi), "zoneinfo"), 0);
    assert_int_equal(pcf_create(f->sys, "server2"), 0);
    assert_int_equal(prf_create(f->proc, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 4, &st), 0);
    snprintf(path, sizeof(path), "%s/zone.tab", f->zi);
    zt = fopen(path, "w");
    assert_non_null(zt);
    fputs("DK\t+5540+01235\tEurope/Copenhagen\n", zt);
    fclose(zt);
    fake_http_routes(&srv, "{\"routes\": []}");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    pcf_remove(f->sys);
    prf_remove(f->proc);
    pcf_remove(f->logs);
    pcf_remove(f->zi);
    free(f);
    return 0;
}

static ct_options live_options(struct fx *f)
{
    ct_options o = CT_OPTIONS_INIT;
    o.sysfs_root = f->sys;
    o.proc_root = f->proc;
    o.log_dir = f->logs;
    o.message = console_capture;
    o.message_user = &f->con;
    o.update_interval_s = 10; /* the tests drive the reads */
    o.epochs = 2;
    o.epochs_before_pred = 0;
    o.decimal_precision = 6;
    o.live = 1;
    o.zone = "DK-DK2";
    o.tz = "UTC";
    o.zoneinfo_dir = f->zi;
    o.electricitymaps_api_key = KEY;
    o.electricitymaps_url = em_url;
    o.ukgrid_url = dead_url;
    o.energidataservice_url = dead_url;
    o.geolocation_url = dead_url;
    o.settings = live_settings;
    o.http_timeout_s = 2;
    return o;
}

static char *read_log(struct fx *f, const char *suffix)
{
    DIR *d = opendir(f->logs);
    struct dirent *e;
    char path[8192] = "";
    assert_non_null(d);
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name), s = strlen(suffix);
        if (n > s && strcmp(e->d_name + n - s, suffix) == 0)
            snprintf(path, sizeof(path), "%s/%s", f->logs, e->d_name);
    }
    closedir(d);
    if (!path[0])
        return calloc(1, 1);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* The key appears nowhere: console, the three logs, the JSON summary. */
static void assert_no_key(struct fx *f, ct_tracker *t)
{
    const char *suffixes[] = {"_carbontracker.log", "_carbontracker_output.log",
                              "_carbontracker_err.log"};
    char *js = NULL;
    ct_assert_not_contains(f->con.text, KEY);
    for (int i = 0; i < 3; i++) {
        char *log = read_log(f, suffixes[i]);
        ct_assert_not_contains(log, KEY);
        free(log);
    }
    assert_int_equal(ct_summary_json(t, &js), CT_OK);
    ct_assert_not_contains(js, KEY);
    ct_free(js);
}

static void wait_cycles(ct_tracker *t, unsigned long n)
{
    assert_int_equal(ct__carbon_wait_cycles(&t->grid.carbon, n, 10.0), 0);
}

static void next_cycle(ct_tracker *t, unsigned long n)
{
    ct__carbon_kick(&t->grid.carbon);
    wait_cycles(t, n);
}

static void assert_paths(const char *const *paths)
{
    json_t *reqs = fake_http_requests(&srv);
    size_t n = 0;
    while (paths[n] != NULL)
        n++;
    for (size_t i = 0; i < n && i < json_array_size(reqs); i++)
        assert_string_equal(fake_http_path(reqs, i), paths[i]);
    assert_int_equal(json_array_size(reqs), n);
    json_decref(reqs);
}

static json_t *summary(ct_tracker *t)
{
    char *js = NULL;
    json_error_t err;
    json_t *root;
    assert_int_equal(ct_summary_json(t, &js), CT_OK);
    root = json_loads(js, 0, &err);
    assert_non_null(root);
    ct_free(js);
    return root;
}

static void assert_sample(json_t *root, size_t i, double g, const char *source, const char *zone)
{
    json_t *s = json_array_get(json_object_get(root, "intensity_samples"), i);
    assert_non_null(s);
    ct_assert_double_equal(g, json_real_value(json_object_get(s, "g_per_kwh")));
    assert_string_equal(json_string_value(json_object_get(s, "source")), source);
    if (zone)
        assert_string_equal(json_string_value(json_object_get(s, "zone")), zone);
    else
        assert_true(json_is_null(json_object_get(s, "zone")));
    assert_int_equal(strlen(json_string_value(json_object_get(s, "time"))), 20);
}

/* ---- energy-weighted CO2 ---------------------------------------------------------------- */

static void test_energy_weighted_co2(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    ct_summary s = {.version = CT_SUMMARY_VERSION};

    fake_http_routes(&srv, "{\"routes\": [{\"path\": \"/v3/carbon-intensity/latest\", "
                           "\"responses\": [{\"status\": 200, \"body_file\": "
                           "\"electricitymaps/latest_zone.json\"}, {\"status\": 200, "
                           "\"body_file\": \"electricitymaps/latest_second.json\"}]}]}");
    o.epochs = 1;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    ct_assert_double_equal(132.0, ct__carbon_intensity_now(&t->grid.carbon));
    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:0", 3600000000ull); /* 3600 J at 132 */
    ct__sampler_tick(&t->sampler);
    next_cycle(t, 2);
    ct_assert_double_equal(200.0, ct__carbon_intensity_now(&t->grid.carbon));
    pcf_advance(f->sys, "intel-rapl:1", 10800000000ull); /* 10800 J at 200 */
    assert_int_equal(ct_epoch_end(t, &r), CT_OK);        /* monitor reached: finishes */

    /* (3600 x 132 + 10800 x 200) / 14400 = 183, not the mean of the fetches (166). */
    ct_assert_double_equal(14400.0, r.energy_j);
    ct_assert_double_equal(183.0, r.intensity_g_per_kwh);
    ct_assert_double_near(14400.0 / 3.6e6 * 1.58 * 183.0, r.co2eq_g, 1e-12);
    assert_int_equal(ct_get_summary(t, &s), CT_OK);
    ct_assert_double_equal(183.0, s.intensity_g_per_kwh);
    ct_assert_double_near(r.co2eq_g, s.co2eq_g, 1e-15);
    assert_string_equal(s.intensity_source, "electricitymaps");
    assert_string_equal(s.location_method, "option");
    assert_string_equal(s.location, ADDR);

    json_t *root = summary(t);
    assert_string_equal(json_string_value(json_object_get(root, "location_method")), "option");
    assert_int_equal(json_array_size(json_object_get(root, "intensity_samples")), 3);
    assert_sample(root, 0, 151.6503, "table:owid:DK:2023", "DK");
    assert_sample(root, 1, 132.0, "electricitymaps", "DK-DK2");
    assert_sample(root, 2, 200.0, "electricitymaps", "DK-DK2");
    ct_assert_double_equal(183.0, json_real_value(json_object_get(
                                      json_array_get(json_object_get(root, "epochs_detail"), 0),
                                      "intensity_g_per_kwh")));
    json_decref(root);

    char *std = read_log(f, "_carbontracker.log");
    ct_assert_contains(std, " - Carbon intensity: 132.00 gCO2/kWh at " ADDR "\n");
    ct_assert_contains(std, " - Carbon intensity: 200.00 gCO2/kWh at " ADDR "\n");
    /* Python's repr of each value, as upstream writes the list. */
    ct_assert_contains(std, " - Carbon intensities (gCO2/kWh) fetched every 900 s at detected "
                            "location " ADDR ": [132.0, 200.0]\n");
    ct_assert_contains(std, " - Average carbon intensity during training was 183.00 "
                            "gCO2/kWh at detected location: " ADDR ".\n");
    free(std);
    ct_assert_contains(f->con.text, "CarbonTracker: Average carbon intensity during training "
                                    "was 183.00 gCO2/kWh at detected location: " ADDR ".\n");
    ct_assert_not_contains(f->con.text, "WARNING");
    assert_paths((const char *[]){LATEST, LATEST, NULL});
    {
        json_t *reqs = fake_http_requests(&srv);
        assert_string_equal(fake_http_header(reqs, 0, "auth-token"), KEY);
        json_decref(reqs);
    }
    assert_no_key(f, t);
    ct_tracker_free(t);
}

/* ---- prediction ------------------------------------------------------------------------- */

/* A forecast around the real clock: 300 for the past hour, then 250 for 30 hours, or 100 from
 * hour `low_from` on. */
static char *forecast_series(int low_from)
{
    double h = floor(ct__wall_s() / 3600) * 3600;
    json_t *arr = json_array(), *root, *routes;
    char *text;
    for (int i = -1; i < 30; i++) {
        char when[32];
        ct__format_utc(h + i * 3600.0, "%Y-%m-%dT%H:%M:%S.000Z", when, sizeof(when));
        json_array_append_new(arr, json_pack("{s:i, s:s}", "carbonIntensity",
                                             i < 0          ? 300
                                             : i < low_from ? 250
                                                            : 100,
                                             "datetime", when));
    }
    root = json_pack("{s:s, s:o}", "zone", "DK-DK2", "forecast", arr);
    text = json_dumps(root, 0);
    routes = json_pack("{s:[{s:s, s:[{s:i, s:s}]}, {s:s, s:[{s:i, s:s}]}]}", "routes", "path",
                       "/v3/carbon-intensity/latest", "responses", "status", 200, "body_file",
                       "electricitymaps/latest_zone.json", "path", "/v3/carbon-intensity/forecast",
                       "responses", "status", 200, "body", text);
    free(text);
    json_decref(root);
    text = json_dumps(routes, 0);
    json_decref(routes);
    return text;
}

static char *forecast_now(void)
{
    return forecast_series(1000);
}

/* A greener time in the forecast: after the prediction, one line says when to start instead. */
static void test_prediction_advises_a_greener_start(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    char when[40], want[200];
    /* The hour the forecast is built around, read just before it is. */
    ct__format_utc(floor(ct__wall_s() / 3600) * 3600 + 5 * 3600.0, "%Y-%m-%d %H:%M UTC", when,
                   sizeof(when));
    char *routes = forecast_series(5);

    fake_http_routes(&srv, routes);
    free(routes);
    o.epochs = 4;
    o.epochs_before_pred = 1;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:0", 3600000000ull);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    snprintf(want, sizeof(want), "CarbonTracker: Starting at %s would emit 60 %% less: ", when);
    ct_assert_contains(f->con.text, want);
    ct_assert_contains(f->con.text, "is 100.00 gCO2eq/kWh then, 250.00 from now "
                                    "(electricitymaps:DK-DK2).\n");
    /* After upstream's block, which stays as it was. */
    const char *block = strstr(f->con.text, "Predicted consumption for 4 epoch(s):");
    assert_non_null(block);
    ct_assert_cmp_int(block - f->con.text, <, strstr(f->con.text, want) - f->con.text);
    json_t *root = summary(t);
    json_t *g = json_object_get(json_object_get(root, "prediction"), "greenest_start");
    ct_assert_double_near(60.0, json_real_value(json_object_get(g, "saving_percent")), 1e-9);
    ct_assert_double_near(100.0, json_real_value(json_object_get(g, "best_intensity_g_per_kwh")),
                          1e-9);
    json_decref(root);
    ct_tracker_free(t);
}

static void test_prediction_uses_forecast(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    ct_summary s = {.version = CT_SUMMARY_VERSION};
    char *routes = forecast_now();

    fake_http_routes(&srv, routes);
    free(routes);
    o.epochs = 4;
    o.epochs_before_pred = 1;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1); /* latest and forecast */
    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:0", 3600000000ull);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);

    /* Epoch 1 measured at 132; the 3 others at the forecast's 250. */
    if (strstr(f->con.text, "CarbonTracker: Carbon intensity for the next 0:00:00 is predicted to "
                            "be 250.00 gCO2/kWh at detected location: " ADDR ".\n") == NULL)
        fail_msg("no forecast message in:\n%s", f->con.text);
    assert_int_equal(ct_get_summary(t, &s), CT_OK);
    double done = 3600 / 3.6e6 * 1.58;
    ct_assert_double_near(4 * done, s.pred_energy_kwh, 1e-15);
    ct_assert_double_near(done * 132 + 3 * done * 250, s.pred_co2eq_g, 1e-12);
    ct_assert_contains(f->con.text, "\tCO2eq:\t1.393560 g\n");
    json_t *root = summary(t);
    json_t *p = json_object_get(root, "prediction");
    assert_string_equal(json_string_value(json_object_get(p, "intensity_basis")), "forecast");
    ct_assert_double_near(220.5, json_real_value(json_object_get(p, "intensity_g_per_kwh")), 1e-9);
    json_decref(root);
    char *std = read_log(f, "_carbontracker.log");
    ct_assert_contains(std, " - Carbon intensity for the next 0:00:00 is predicted to be "
                            "250.00 gCO2/kWh at detected location: " ADDR ".\n");
    ct_assert_contains(std, " - Prediction: forecast from electricitymaps:DK-DK2 (mean 250.00 "
                            "gCO2/kWh over 0:00:00 of the next 0:00:00); the 1 epoch(s) "
                            "measured so far count at their measured 132.00 gCO2/kWh.\n");
    free(std);
    assert_paths((const char *[]){LATEST, FORECAST, NULL});
    ct_tracker_free(t);
    /* After the prediction no forecast is fetched any more; stop made no request either. */
    assert_paths((const char *[]){LATEST, FORECAST, NULL});
}

static void test_prediction_fallbacks(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    ct_summary s = {.version = CT_SUMMARY_VERSION};

    /* The forecast fails (500 here, refused for Denmark's service): upstream's weighting. */
    fake_http_routes(&srv, "{\"routes\": [{\"path\": \"/v3/carbon-intensity/latest\", "
                           "\"responses\": [{\"status\": 200, \"body_file\": "
                           "\"electricitymaps/latest_zone.json\"}]}, {\"path\": "
                           "\"/v3/carbon-intensity/forecast\", \"responses\": [{\"status\": "
                           "500, \"body\": \"\"}]}]}");
    o.epochs = 4;
    o.epochs_before_pred = 1;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:0", 3600000000ull);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    ct_assert_contains(f->con.text, "CarbonTracker: Failed to predict carbon intensity for the "
                                    "next 0:00:00, fallback on average measured intensity at "
                                    "detected location: " ADDR ".\n");
    assert_int_equal(ct_get_summary(t, &s), CT_OK);
    ct_assert_double_near(4 * 3600 / 3.6e6 * 1.58 * 132, s.pred_co2eq_g, 1e-12);
    char *std = read_log(f, "_carbontracker.log");
    ct_assert_contains(std, " - Prediction: no forecast (electricitymaps: HTTP 500 Internal "
                            "Server Error; energidataservice: Failed to connect to 127.0.0.1");
    ct_assert_contains(std, "); using the average of the values fetched, 132.00 gCO2/kWh.\n");
    free(std);
    json_t *root = summary(t);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(root, "prediction"), "intensity_basis")),
        "measured");
    json_decref(root);
    ct_tracker_free(t);

    /* All epochs before the prediction (nothing left to forecast): upstream's weighting of the
     * values fetched, [132, 200] and the current 200 once: 177.33. */
    console_reset(&f->con);
    fake_http_routes(&srv, "{\"routes\": [{\"path\": \"/v3/carbon-intensity/latest\", "
                           "\"responses\": [{\"status\": 200, \"body_file\": "
                           "\"electricitymaps/latest_zone.json\"}, {\"status\": 200, "
                           "\"body_file\": \"electricitymaps/latest_second.json\"}]}]}");
    o.epochs = 2;
    o.epochs_before_pred = -1;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    next_cycle(t, 2);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    ct_assert_contains(f->con.text, "CarbonTracker: Current carbon intensity is 177.33 gCO2/kWh "
                                    "at detected location: " ADDR ".\n");
    ct_tracker_free(t);
}

/* ---- failures --------------------------------------------------------------------------- */

static void test_failures_fall_back_and_warn_once(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};

    /* 401 from the start: the table, one warning, in upstream's words. */
    fake_http_routes(&srv, "{\"routes\": [{\"path\": \"/v3/carbon-intensity/latest\", "
                           "\"responses\": [{\"status\": 401, \"body_file\": "
                           "\"electricitymaps/error_401.json\"}]}]}");
    o.zone = "PL"; /* no keyless source: Electricity Maps alone */
    o.verbose = 2;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    next_cycle(t, 2); /* a second failure: a note, not a second warning */
    assert_int_equal(ct_epoch_end(t, &r), CT_OK);
    ct_assert_double_equal(661.92584, r.intensity_g_per_kwh);
    ct_assert_contains(f->con.text, "CarbonTracker: WARNING - Failed to retrieve carbon "
                                    "intensity: Defaulting to average carbon intensity "
                                    "661.92584 gCO2/kWh. Reason: electricitymaps: HTTP 401 "
                                    "Unauthorized (the API key is missing or was refused).\n");
    assert_int_equal(count(f->con.text, "WARNING"), 1);
    assert_int_equal(count(f->con.text, "Failed to retrieve carbon intensity"), 2);

    /* Live again, then 429, 500, malformed, empty, a timeout: the last good value stays. */
    fake_http_routes(&srv,
                     "{\"routes\": [{\"path\": \"/v3/carbon-intensity/latest\", \"responses\": ["
                     "{\"status\": 200, \"body_file\": \"electricitymaps/latest_coords.json\"},"
                     "{\"status\": 429, \"body_file\": \"electricitymaps/error_429.json\"},"
                     "{\"status\": 500, \"body\": \"\"},"
                     "{\"status\": 200, \"body_file\": \"electricitymaps/malformed.json\"},"
                     "{\"status\": 200, \"body\": \"\"},"
                     "{\"status\": 200, \"body_file\": \"electricitymaps/null_value.json\"},"
                     "{\"status\": 200, \"body\": \"{}\", \"delay_s\": 4}]}]}");
    assert_int_equal(ct_epoch_start(t), CT_OK);
    next_cycle(t, 3);
    ct_assert_double_equal(302.5, ct__carbon_intensity_now(&t->grid.carbon));
    for (unsigned long c = 4; c <= 9; c++)
        next_cycle(t, c);
    ct_assert_double_equal(302.5, ct__carbon_intensity_now(&t->grid.carbon));
    assert_int_equal(ct_epoch_end(t, &r), CT_OK);
    ct_assert_double_equal(302.5,
                           r.intensity_g_per_kwh); /* no energy: the value in force at its end */
    assert_int_equal(ct_stop(t), CT_OK);

    char *std = read_log(f, "_carbontracker.log");
    ct_assert_contains(std, " - Carbon intensity is live again: 302.50 gCO2/kWh from "
                            "electricitymaps.\n");
    const char *reasons[] = {
        "electricitymaps: HTTP 429 Too Many Requests (rate limited)",
        "electricitymaps: HTTP 500 Internal Server Error",
        "electricitymaps: malformed JSON at line 1 column 37: '}' expected near end of file",
        "electricitymaps: HTTP 200 with an empty reply",
        ("electricitymaps: no carbonIntensity number in the reply (Expected real or integer, got "
         "null)"),
        "electricitymaps: Operation timed out after 2",
    };
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        char want[512];
        snprintf(want, sizeof(want), " - Failed to retrieve carbon intensity (%s", reasons[i]);
        if (strstr(std, want) == NULL)
            fail_msg("no \"%s\" in the standard log:\n%s", want, std);
    }
    ct_assert_contains(std, "); keeping the last value fetched, 302.50 gCO2/kWh from "
                            "electricitymaps at ");
    ct_assert_contains(std, "fetched every 900 s at detected location PL (set by option): "
                            "[302.5]\n");
    free(std);
    assert_int_equal(count(f->con.text, "WARNING"), 1);
    assert_no_key(f, t);
    ct_tracker_free(t);
}

static void test_last_good_value_warns_once(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;

    fake_http_routes(&srv, "{\"routes\": [{\"path\": \"/v3/carbon-intensity/latest\", "
                           "\"responses\": [{\"status\": 200, \"body_file\": "
                           "\"electricitymaps/latest_coords.json\"}, {\"status\": 500, "
                           "\"body\": \"\"}]}]}");
    o.zone = "PL"; /* no keyless source: Electricity Maps alone */
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    next_cycle(t, 2);
    next_cycle(t, 3);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    ct_assert_contains(f->con.text, "CarbonTracker: WARNING - Failed to retrieve carbon "
                                    "intensity (electricitymaps: HTTP 500 Internal Server "
                                    "Error); keeping the last value fetched, 302.50 gCO2/kWh "
                                    "from electricitymaps at ");
    assert_int_equal(count(f->con.text, "WARNING"), 1);
    ct_assert_double_equal(302.5, ct__carbon_intensity_now(&t->grid.carbon));
    ct_tracker_free(t);
}

static void test_no_key_outside_the_keyless_zones(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;

    o.zone = "PL";
    o.electricitymaps_api_key = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    ct_assert_contains(
        f->con.text, "CarbonTracker: WARNING - Failed to retrieve carbon intensity: Defaulting to "
                     "average carbon intensity 661.92584 gCO2/kWh. Reason: no live source for PL "
                     "without a free ENTSO-E security token (--api_keys '{\"entsoe\": \"TOKEN\"}' "
                     "or ENTSOE_API_KEY; ask transparency@entsoe.eu for RESTful API access) or an "
                     "Electricity Maps API key.\n");
    ct_tracker_free(t);
    assert_paths((const char *[]){NULL});

    /* A US balancing authority: the free EIA key; elsewhere only Electricity Maps. */
    const char *const zones[] = {"US-TEN-TVA", "JP-TK"};
    const char *const reasons[] = {
        "Reason: no live source for US-TEN-TVA without a free EIA API key (--api_keys '{\"eia\": "
        "\"KEY\"}' or EIA_API_KEY; https://www.eia.gov/opendata/register.php) or an Electricity "
        "Maps API key.\n",
        "Reason: no live source for JP-TK without an Electricity Maps API key (--api_keys "
        "'{\"electricitymaps\": \"KEY\"}' or ELECTRICITYMAPS_API_KEY; carbontracker --zones lists "
        "the zones with a keyless source).\n"};
    for (int i = 0; i < 2; i++) {
        console_reset(&f->con);
        o.zone = zones[i];
        assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
        wait_cycles(t, 1);
        assert_int_equal(ct_epoch_start(t), CT_OK);
        ct_assert_contains(f->con.text, reasons[i]);
        ct_tracker_free(t);
    }
    assert_paths((const char *[]){NULL});
}

/* ---- stop and offline ------------------------------------------------------------------- */

static void test_stop_never_waits_for_a_slow_server(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    uint64_t t0;

    fake_http_routes(&srv, "{\"routes\": [{\"path\": \"/v3/carbon-intensity/latest\", "
                           "\"responses\": [{\"status\": 200, \"body_file\": "
                           "\"electricitymaps/latest_zone.json\", \"delay_s\": 8}]}]}");
    o.http_timeout_s = 30;
    t0 = ct__now_ns();
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    ct_assert_cmp_uint(ct__now_ns() - t0, <, 1000000000ull);
    for (int i = 0; i < 50; i++) { /* the request reaches the server */
        json_t *reqs = fake_http_requests(&srv);
        size_t n = json_array_size(reqs);
        json_decref(reqs);
        if (n > 0)
            break;
        usleep(20000);
    }
    t0 = ct__now_ns();
    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:0", 1000000);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    ct_assert_cmp_uint(ct__now_ns() - t0, <, 100000000ull); /* epoch calls never wait */
    t0 = ct__now_ns();
    assert_int_equal(ct_stop(t), CT_OK);
    ct_assert_cmp_uint(ct__now_ns() - t0, <, 500000000ull); /* the request in flight is cancelled */
    json_t *root = summary(t);
    assert_int_equal(json_array_size(json_object_get(root, "intensity_samples")), 1);
    assert_sample(root, 0, 151.6503, "table:owid:DK:2023", "DK");
    json_decref(root);
    /* A run shorter than the service took to answer used the table's value: one warning says so
     * (reliability finding 9: a hung API during a short run gave no message). */
    ct_assert_contains(f->con.text, "CarbonTracker: WARNING - The carbon-intensity service did not "
                                    "answer within the ");
    ct_assert_contains(f->con.text, " s the run lasted (its timeout is 30 s); the run used 151.65 "
                                    "gCO2/kWh from table:owid:DK:2023.\n");
    assert_int_equal(count(f->con.text, "WARNING"), 1);
    t0 = ct__now_ns();
    ct_tracker_free(t);
    ct_assert_cmp_uint(ct__now_ns() - t0, <, 200000000ull);
    assert_paths((const char *[]){LATEST, NULL});
}

static void test_offline_makes_no_request(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;

    o.live = 0;
    o.electricitymaps_url = em_url;
    o.ukgrid_url = o.energidataservice_url = o.geolocation_url = srv_url;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:0", 3600000000ull);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    assert_int_equal(ct_stop(t), CT_OK);
    assert_false(t->grid.carbon.running);
    json_t *root = summary(t);
    assert_int_equal(json_array_size(json_object_get(root, "intensity_samples")), 1);
    assert_sample(root, 0, 151.6503, "table:owid:DK:2023", "DK");
    ct_assert_double_equal(151.6503, json_real_value(json_object_get(root, "intensity_g_per_kwh")));
    json_decref(root);
    char *std = read_log(f, "_carbontracker.log");
    ct_assert_not_contains(std, "Live carbon intensity:");
    ct_assert_contains(std, "fetched every 900 s at detected location " ADDR ": [151.6503]\n");
    free(std);
    ct_tracker_free(t);
    assert_paths((const char *[]){NULL});
}

/* ---- location --------------------------------------------------------------------------- */

static void test_geolocation_then_gb_regional(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    ct_summary s = {.version = CT_SUMMARY_VERSION};

    fake_http_routes(&srv, "{\"routes\": [{\"path\": \"/json\", \"responses\": [{\"status\": 200, "
                           "\"body_file\": \"geolocation/ipinfo_gb.json\"}]}, {\"path\": "
                           "\"/regional/postcode/RG41\", \"responses\": [{\"status\": 200, "
                           "\"body_file\": \"ukgrid/regional_postcode_current.json\"}]}]}");
    o.zone = NULL;
    o.electricitymaps_api_key = NULL;
    o.ukgrid_url = o.geolocation_url = srv_url;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    next_cycle(t, 2); /* geolocation is done once per run */
    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:0", 3600000000ull);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    assert_int_equal(ct_stop(t), CT_OK);
    assert_int_equal(ct_get_summary(t, &s), CT_OK);
    assert_string_equal(s.location, "Wokingham, England, GB");
    assert_string_equal(s.location_method, "geolocation");
    assert_string_equal(s.zone, "GB");
    ct_assert_double_equal(95.0, s.intensity_g_per_kwh);
    assert_string_equal(s.intensity_source, "ukgrid:regional:RG41");
    json_t *root = summary(t);
    assert_int_equal(json_array_size(json_object_get(root, "intensity_samples")), 4);
    assert_sample(root, 0, 481.0, "default:world:2019", NULL);
    assert_sample(root, 1, 237.58902, "table:owid:GB:2023", "GB");
    assert_sample(root, 2, 95.0, "ukgrid:regional:RG41", "GB");
    assert_sample(root, 3, 95.0, "ukgrid:regional:RG41", "GB");
    json_decref(root);
    char *std = read_log(f, "_carbontracker.log");
    ct_assert_contains(std, " - Live carbon intensity: fetched every 900 s in the background; "
                            "the location is looked up by IP at http://127.0.0.1:");
    ct_assert_contains(std, " - Location: Wokingham, England, GB (from IP geolocation, "
                            "postcode RG41).\n");
    ct_assert_contains(std, " - Carbon intensity: 95.00 gCO2/kWh at Wokingham, England, GB\n");
    ct_assert_contains(std, " - Carbon intensities (gCO2/kWh) fetched every 900 s at detected "
                            "location Wokingham, England, GB: [95.0, 95.0]\n");
    free(std);
    ct_tracker_free(t);
    assert_paths(
        (const char *[]){"/json", "/regional/postcode/RG41", "/regional/postcode/RG41", NULL});
}

static void test_geolocation_fails(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;

    fake_http_routes(&srv, "{\"routes\": [{\"path\": \"/json\", \"responses\": [{\"status\": 200, "
                           "\"body_file\": \"geolocation/ipinfo_bogon.json\"}]}]}");
    o.zone = NULL;
    o.electricitymaps_api_key = NULL;
    o.geolocation_url = srv_url;
    o.verbose = 2;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    ct_assert_contains(f->con.text, "CarbonTracker: Failed to retrieve location based on IP "
                                    "(the service has no location for this address (bogon)); "
                                    "using UNDETECTED.\n");
    ct_assert_contains(
        f->con.text, "CarbonTracker: WARNING - Failed to retrieve carbon intensity: Defaulting to "
                     "average carbon intensity 481.0 gCO2/kWh. Reason: the location is unknown, "
                     "and outside the zones with a keyless source (carbontracker --zones lists "
                     "them) live data needs an Electricity Maps API key");
    ct_summary s = {.version = CT_SUMMARY_VERSION};
    assert_int_equal(ct_get_summary(t, &s), CT_OK);
    assert_string_equal(s.location_method, "none");
    assert_string_equal(s.location, "UNDETECTED");
    ct_tracker_free(t);
    assert_paths((const char *[]){"/json", NULL});
}

static void test_coordinates_denmark_east(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    ct_summary s = {.version = CT_SUMMARY_VERSION};

    fake_http_routes(
        &srv, "{\"routes\": [{\"path\": \"/dataset/CO2Emis\", \"responses\": [{\"status\": 200, "
              "\"body\": \"{\\\"records\\\": [{\\\"Minutes5UTC\\\": \\\"2024-05-01T10:05:00\\\", "
              "\\\"PriceArea\\\": \\\"DK2\\\", \\\"CO2Emission\\\": 77.5}]}\"}]}]}");
    o.zone = NULL;
    o.latitude = 55.6759;
    o.longitude = 12.5655;
    o.tz = "Europe/Copenhagen"; /* the country for the Danish service */
    o.electricitymaps_api_key = NULL;
    o.energidataservice_url = srv_url;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    assert_int_equal(ct_stop(t), CT_OK);
    assert_int_equal(ct_get_summary(t, &s), CT_OK);
    assert_string_equal(s.location_method, "coordinates");
    assert_string_equal(s.location, "55.6759, 12.5655 (set by option)");
    ct_assert_double_equal(77.5, s.intensity_g_per_kwh);
    assert_string_equal(s.intensity_source, "energidataservice:DK2");
    ct_tracker_free(t);
    assert_paths((const char *[]){"/dataset/CO2Emis?filter=%7B%22PriceArea%22%3A%5B%22DK2%22%5D%7D"
                                  "&sort=Minutes5UTC%20DESC&limit=4",
                                  NULL});
}

static void test_validation(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    char err[256];

    o.latitude = 10;
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "latitude and longitude must be given together");
    o.longitude = 200;
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "latitude must be in -90..90 and longitude in -180..180, got 10, 200");
    o = live_options(f);
    o.carbon_refresh_s = 0;
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "carbon_refresh_s must be a positive number of seconds");
    o = live_options(f);
    o.http_timeout_s = -1;
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "http_timeout_s must be a positive number of seconds");
    o = live_options(f);
    o.ukgrid_url = "ftp://example.org";
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "ukgrid_url must be an http:// or https:// URL");
    assert_null(t);
    assert_paths((const char *[]){NULL});
}

/* ---- keys set after open (upstream's set_api_keys) ------------------------------------------ */

static void test_key_set_while_running(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;

    fake_http_routes(&srv, "{\"routes\": [{\"path\": \"/v3/carbon-intensity/latest\", "
                           "\"responses\": [{\"status\": 200, \"body_file\": "
                           "\"electricitymaps/latest_zone.json\"}]}]}");
    o.zone = "DE";
    o.electricitymaps_api_key = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1); /* no key, no source for DE: the table */
    ct_assert_double_equal(380.95047, ct__carbon_intensity_now(&t->grid.carbon));
    assert_int_equal(ct_set_api_key(t, "co2signal", KEY), CT_EINVAL);
    assert_string_equal(ct_errmsg(t), "Invalid API name 'co2signal' given.");
    assert_int_equal(ct_set_api_key(t, "ElectricityMaps", KEY), CT_OK);
    wait_cycles(t, 2); /* the key starts a fetch at once */
    ct_assert_double_equal(132.0, ct__carbon_intensity_now(&t->grid.carbon));
    json_t *reqs = fake_http_requests(&srv);
    assert_int_equal(json_array_size(reqs), 1);
    assert_string_equal(fake_http_path(reqs, 0), "/v3/carbon-intensity/latest?zone=DE");
    assert_string_equal(fake_http_header(reqs, 0, "auth-token"), KEY);
    json_decref(reqs);
    ct_stop(t);
    assert_no_key(f, t);
    ct_tracker_free(t);
}

static void test_key_turns_an_offline_tracker_live(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;

    fake_http_routes(&srv, "{\"routes\": [{\"path\": \"/v3/carbon-intensity/latest\", "
                           "\"responses\": [{\"status\": 200, \"body_file\": "
                           "\"electricitymaps/latest_zone.json\"}]}]}");
    o.live = 0;
    o.electricitymaps_api_key = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    assert_false(t->grid.carbon.running);
    assert_int_equal(ct_set_api_key(t, "electricitymaps", KEY), CT_OK);
    assert_true(t->grid.carbon.running);
    wait_cycles(t, 1);
    ct_assert_double_equal(132.0, ct__carbon_intensity_now(&t->grid.carbon));
    ct_stop(t);
    assert_int_equal(ct_set_api_key(t, "electricitymaps", "other"), CT_OK); /* over: no effect */
    assert_no_key(f, t);
    ct_tracker_free(t);
    assert_paths((const char *[]){LATEST, NULL});
}

/* Providers' settings come from ct_options.settings and from the environment array alone: no
 * option field names them (the way every new provider is configured). */
static void test_settings_and_environment(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    char em[160], uk[160];
    snprintf(em, sizeof(em), "electricitymaps.url=%s", em_url);
    snprintf(uk, sizeof(uk), "ukgrid.url=%s", dead_url);
    const char *settings[] = {"electricitymaps.url=http://127.0.0.1:1/overridden",
                              em,
                              uk,
                              dead_settings[0],
                              "carbon.max_age_s=0",
                              NULL};
    const char *env[] = {"OTHER=1", "ELECTRICITYMAPS_API_KEY=" KEY, NULL};

    fake_http_routes(&srv, "{\"routes\": [{\"path\": \"/v3/carbon-intensity/latest\", "
                           "\"responses\": [{\"status\": 200, \"body_file\": "
                           "\"electricitymaps/latest_zone.json\"}]}]}");
    o.zone = "DE";
    o.electricitymaps_api_key = NULL;
    o.electricitymaps_url = NULL;
    o.ukgrid_url = NULL;
    o.settings = settings;
    o.environment = env;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    ct_assert_double_equal(132.0, ct__carbon_intensity_now(&t->grid.carbon));
    json_t *reqs = fake_http_requests(&srv);
    assert_int_equal(json_array_size(reqs), 1); /* the later entry won: the test server */
    assert_string_equal(fake_http_path(reqs, 0), "/v3/carbon-intensity/latest?zone=DE");
    assert_string_equal(fake_http_header(reqs, 0, "auth-token"), KEY);
    json_decref(reqs);
    assert_null(t->opt.o.settings); /* resolved at open, not kept */
    assert_null(t->opt.o.environment);
    ct_stop(t);
    assert_no_key(f, t);
    ct_tracker_free(t);

    /* An unknown name, a malformed entry and a URL that is not http(s) are refused at open. */
    char err[256];
    const char *unknown[] = {"ukgrid.token=x", NULL};
    const char *malformed[] = {"ukgrid.url", NULL};
    const char *ftp[] = {"ukgrid.url=ftp://example.org", NULL};
    o.environment = NULL;
    o.settings = unknown;
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(
        err, "unknown setting 'ukgrid.token' (carbontracker --list-settings lists them)");
    o.settings = malformed;
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "setting 'ukgrid.url' must be NAME=VALUE, e.g. "
                             "ukgrid.url=http://host:8080");
    o.settings = ftp;
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "ukgrid.url must be an http:// or https:// URL");
}

/* ---- keyless providers and stale values ------------------------------------------------ */

/* Routes for one path answering with `body`. */
static void route_body(const char *path, const char *body)
{
    json_t *root = json_pack("{s:[{s:s, s:[{s:i, s:s}]}]}", "routes", "path", path, "responses",
                             "status", 200, "body", body);
    char *text = json_dumps(root, 0);
    fake_http_routes(&srv, text);
    free(text);
    json_decref(root);
}

/* The settings of a tracker that reaches one keyless provider, `name`, at the test server, with
 * the default age limits. */
static char one_provider[3][192];
static void one_provider_settings(const char *name)
{
    static const char *const names[] = {"energycharts", "eirgrid", "odre"};
    for (int i = 0; i < 3; i++)
        snprintf(one_provider[i], sizeof(one_provider[i]), "%s.url=%s", names[i],
                 strcmp(names[i], name) == 0 ? srv_url : dead_url);
}

static void test_energycharts_through_the_thread(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    const char *settings[] = {one_provider[0], one_provider[1], one_provider[2], NULL};
    double q = floor(ct__wall_s() / 900) * 900;
    json_t *ts = json_array(), *act = json_array(), *fc = json_array();

    /* A day around now: actual values (300) up to the slot before now's, then a forecast of 200
     * for 24 hours. */
    for (int i = -8; i < 96; i++) {
        json_array_append_new(ts, json_real(q + 900.0 * i));
        json_array_append_new(act, i < 0 ? json_real(300) : json_null());
        json_array_append_new(fc, i < 0 ? json_null() : json_real(200));
    }
    json_t *reply = json_pack("{s:o, s:o, s:o, s:b}", "unix_seconds", ts, "co2eq", act,
                              "co2eq_forecast", fc, "deprecated", 0);
    char *body = json_dumps(reply, 0);
    json_decref(reply);
    route_body("/co2eq", body);
    free(body);
    one_provider_settings("energycharts");
    o.settings = settings;
    o.zone = "DE";
    o.electricitymaps_api_key = NULL;
    o.epochs = 4;
    o.epochs_before_pred = 1;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    ct_assert_double_equal(300, ct__carbon_intensity_now(&t->grid.carbon));
    /* The current value and the forecast from one request: the reply is in the state. */
    assert_paths((const char *[]){"/co2eq?country=de", NULL});
    next_cycle(t, 2); /* within 15 minutes: from the cache */
    assert_paths((const char *[]){"/co2eq?country=de", NULL});
    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:0", 3600000000ull);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    if (strstr(f->con.text, "is predicted to be 200.00 gCO2/kWh at detected location: DE (set by "
                            "option).\n") == NULL)
        fail_msg("no forecast from Energy-Charts in:\n%s", f->con.text);
    json_t *root = summary(t);
    assert_string_equal(json_string_value(json_object_get(root, "intensity_source")),
                        "energycharts:DE");
    json_decref(root);
    ct_assert_not_contains(f->con.text, "WARNING");
    ct_tracker_free(t);
}

/* EirGrid rows for Ireland whose newest value is `age_s` old (Irish wall-clock times). */
static char *eirgrid_rows(double age_s, double value)
{
    json_t *rows = json_array();
    double newest = floor((ct__wall_s() - age_s) / 900) * 900;
    for (int i = -3; i <= 4; i++) {
        double t = newest + 900.0 * i, back;
        char local[32];
        ct__format_utc(t + 3600, "%d-%b-%Y %H:%M:%S", local, sizeof(local));
        if (ct__eirgrid_time(local, &back) != 0 || back != t) /* Irish time is GMT */
            ct__format_utc(t, "%d-%b-%Y %H:%M:%S", local, sizeof(local));
        json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:o}", "EffectiveTime", local,
                                              "FieldName", "CO2_INTENSITY", "Region", "ROI",
                                              "Value", i <= 0 ? json_real(value) : json_null()));
    }
    json_t *root = json_pack("{s:o, s:s}", "Rows", rows, "Status", "Success");
    char *text = json_dumps(root, 0);
    json_decref(root);
    return text;
}

static void test_stale_value_used_with_a_warning(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    const char *settings[] = {one_provider[0], one_provider[1], one_provider[2], NULL};
    char *body = eirgrid_rows(5 * 3600, 321);

    route_body("/api/chart/", body);
    free(body);
    one_provider_settings("eirgrid");
    o.settings = settings;
    o.zone = "IE";
    o.electricitymaps_api_key = NULL;
    o.verbose = 2;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    next_cycle(t, 2);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    ct_assert_double_equal(321, ct__carbon_intensity_now(&t->grid.carbon));
    /* One warning, then notes; the value is in force. */
    ct_assert_contains(f->con.text, "CarbonTracker: WARNING - Carbon intensity 321.00 gCO2/kWh "
                                    "from eirgrid:ROI is 5.");
    ct_assert_contains(f->con.text, " h old (the newest the source has); using it.\n");
    assert_int_equal(count(f->con.text, "WARNING"), 1);
    assert_int_equal(count(f->con.text, "(the newest the source has); using it."), 2);
    ct_tracker_free(t);
}

static void test_stale_value_skipped_past_the_limit(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    const char *settings[] = {one_provider[0], one_provider[1], one_provider[2],
                              "carbon.max_age_s=7200", NULL};
    char *body = eirgrid_rows(3 * 3600, 321);
    char err[256] = "";

    route_body("/api/chart/", body);
    free(body);
    one_provider_settings("eirgrid");
    o.settings = settings;
    o.zone = "IE";
    o.electricitymaps_api_key = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    /* Skipped: the yearly table for Ireland, and the reason. */
    ct_assert_contains(f->con.text, "CarbonTracker: WARNING - Failed to retrieve carbon intensity: "
                                    "Defaulting to average carbon intensity ");
    ct_assert_contains(f->con.text, "Reason: eirgrid: the newest value, 321.00 gCO2/kWh, is 3.");
    ct_assert_contains(f->con.text, " h old (more than 2.0 h: skipped).\n");
    assert_true(ct__carbon_intensity_now(&t->grid.carbon) != 321);
    ct_tracker_free(t);

    /* A limit that is not a number of seconds is refused at open. */
    const char *bad[] = {"carbon.max_age_s=12h", NULL};
    o.settings = bad;
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "carbon.max_age_s must be a number of seconds from 0 (no limit) to "
                             "315360000, got '12h'");
}

/* No zone given, on a Google Cloud machine: the metadata server names the region, its grid zone
 * is the location (no IP geolocation), and the JSON keeps the region beside the zone. */
static void test_cloud_region_detected(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    ct_tracker *t = NULL;
    char gcp[192];
    const char *settings[] = {dead_settings[0], dead_settings[1], dead_settings[2],     gcp,
                              dead_settings[4], dead_settings[5], "carbon.max_age_s=0", NULL};

    snprintf(gcp, sizeof(gcp), "cloud.gcp_url=%s/gcp", srv_url);
    fake_http_routes(&srv, "{\"routes\": [{\"path\": \"/gcp/computeMetadata/v1/instance/zone\", "
                           "\"responses\": [{\"status\": 200, \"body\": \"projects/42/zones/"
                           "europe-west4-b\"}]}, {\"path\": \"/v3/carbon-intensity/latest\", "
                           "\"responses\": [{\"status\": 200, \"body_file\": "
                           "\"electricitymaps/latest_zone.json\"}]}]}");
    o.zone = NULL;
    o.settings = settings;
    o.geolocation_url = srv_url;
    o.verbose = 2;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    ct_assert_contains(f->con.text, "CarbonTracker: Location: NL (gcp:europe-west4, from the "
                                    "instance metadata service), Eemshaven.\n");
    assert_paths((const char *[]){"/gcp/computeMetadata/v1/instance/zone",
                                  "/v3/carbon-intensity/latest?zone=NL", NULL});
    json_t *root = summary(t);
    assert_string_equal(json_string_value(json_object_get(root, "zone")), "NL");
    assert_string_equal(json_string_value(json_object_get(root, "cloud_region")),
                        "gcp:europe-west4");
    assert_string_equal(json_string_value(json_object_get(root, "location_method")), "cloud");
    json_decref(root);
    ct_tracker_free(t);
}

/* ---- hostile servers ------------------------------------------------------------------- */

/* One route whose reply echoes the request (http_server.py's "echo": {header:NAME}, {path}). */
static void echo_route(const char *path, const char *body)
{
    json_t *root = json_pack("{s:[{s:s, s:[{s:i, s:s, s:b}]}]}", "routes", "path", path,
                             "responses", "status", 200, "body", body, "echo", 1);
    char *text = json_dumps(root, 0);
    fake_http_routes(&srv, text);
    free(text);
    json_decref(root);
}

/* Nothing a hostile server sent reaches the console, the logs or the JSON raw: no piece of 4+
 * characters of the key, no control byte, no text longer than a message holds. */
static void assert_nothing_hostile(struct fx *f, ct_tracker *t)
{
    const char *suffixes[] = {"_carbontracker.log", "_carbontracker_output.log",
                              "_carbontracker_err.log"};
    const char *pieces[] = {KEY, "SECR", "RETK", "TKEY", "KEY-", "Y-12", "-123"};
    char *texts[5];
    texts[0] = strdup(f->con.text);
    for (int i = 0; i < 3; i++)
        texts[1 + i] = read_log(f, suffixes[i]);
    assert_int_equal(ct_summary_json(t, &texts[4]), CT_OK);
    for (int i = 0; i < 5; i++) {
        for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++)
            if (strstr(texts[i], pieces[k]) != NULL)
                fail_msg("\"%s\" leaked into text %d:\n%s", pieces[k], i, texts[i]);
        for (const char *p = texts[i]; *p; p++)
            if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
                fail_msg("control byte 0x%02x in text %d:\n%s", (unsigned char)*p, i, texts[i]);
        ct_assert_not_contains(texts[i], "\\u001b"); /* nor in the JSON, escaped */
        ct_assert_not_contains(texts[i],
                               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    }
    ct_free(texts[4]);
    for (int i = 0; i < 4; i++)
        free(texts[i]);
}

static void run_hostile(struct fx *f, ct_options *o, const char *expect)
{
    ct_tracker *t = NULL;

    o->verbose = 2;
    assert_int_equal(ct_tracker_open(&t, o, NULL, 0), CT_OK);
    wait_cycles(t, 1);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:0", 3600000000ull);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    assert_int_equal(ct_stop(t), CT_OK);
    if (expect != NULL && strstr(f->con.text, expect) == NULL) {
        char *std = read_log(f, "_carbontracker.log");
        if (strstr(std, expect) == NULL)
            fail_msg("no \"%s\" on the console:\n%s\nnor in the log:\n%s", expect, f->con.text,
                     std);
        free(std);
    }
    assert_nothing_hostile(f, t);
    ct_tracker_free(t);
    console_reset(&f->con);
    DIR *d = opendir(f->logs); /* the next run's logs alone */
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            assert_int_equal(unlinkat(dirfd(d), e->d_name, 0), 0);
    closedir(d);
}

#define LONG_A                                                                                     \
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define LONG_AAAA LONG_A LONG_A LONG_A LONG_A LONG_A LONG_A LONG_A LONG_A LONG_A LONG_A

/* Electricity Maps gets the key in its auth-token header and echoes it: as a bare token (jansson
 * quotes it: "near '...'"), as the zone (kept only when it is a zone code), in its message. */
static void test_hostile_electricitymaps(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);

    echo_route("/v3/carbon-intensity/latest", "x{header:auth-token}\x1b[2J");
    run_hostile(f, &o, "malformed JSON at line 1 column");
    echo_route("/v3/carbon-intensity/latest", "{\"zone\": \"{header:auth-token}\\u001b[31m\", "
                                              "\"carbonIntensity\": 120}");
    run_hostile(f, &o, "Carbon intensity: 120.00 gCO2/kWh");
    echo_route("/v3/carbon-intensity/latest",
               "{\"message\": \"bad token ...KEY-12\\u001b]0;pwned\\u0007 " LONG_AAAA "\"}");
    run_hostile(f, &o, "the service says");
}

/* carbonintensity.org.uk (no key sent): its complaint and its region name carry pieces of the key
 * the tracker holds, control bytes and a very long text. */
static void test_hostile_ukgrid(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);

    o.zone = "GB";
    o.electricitymaps_url = dead_url;
    o.ukgrid_url = srv_url;
    echo_route("/intensity",
               "{\"error\": {\"code\": \"400\", \"message\": \"{path} RETKEY-1\\u001b[2J"
               " " LONG_AAAA "\"}}");
    run_hostile(f, &o, "ukgrid: ");
    echo_route("/intensity", "SECRETK\x1b]0;x\x07");
    run_hostile(f, &o, "malformed JSON");
}

/* Energi Data Service: a bare token and an error text with pieces of the key and escapes. */
static void test_hostile_energidataservice(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);

    o.electricitymaps_url = dead_url;
    o.energidataservice_url = srv_url;
    echo_route("/dataset/CO2Emis", "ETKEY-123\x1b[2J");
    run_hostile(f, &o, "energidataservice: malformed JSON");
    echo_route("/dataset/CO2Emis", "{\"message\": \"no: TKEY-\\u009b31m\\u001b[2J " LONG_AAAA "\", "
                                   "\"records\": \"x\"}");
    run_hostile(f, &o, "energidataservice: ");
}

/* IP geolocation: the city and region become the detected location, shown and logged. */
static void test_hostile_geolocation(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);

    o.zone = NULL;
    o.electricitymaps_url = dead_url;
    o.geolocation_url = srv_url;
    echo_route("/json", "{\"city\": \"SECRETKEY\\u001b[2J\", \"region\": \"{path}\\u0007"
                        "Y-123\", \"country\": \"DK\", \"loc\": \"55.6,12.5\"}");
    run_hostile(f, &o, "Location: ");
    echo_route("/json", "{\"country\": \"\\u001b[2J\", \"error\": {\"message\": \"KEY-123 "
                        "\\u001b[2J\"}}");
    run_hostile(f, &o, "Failed to retrieve location based on IP");
}

/* The providers of other zones: each gets the hostile replies on its own path, every other
 * service (Electricity Maps with the key the tracker holds included) pointing nowhere. The key
 * pieces come back in the reply as a server that echoes a leaked request would send them. */
static void hostile_keyless(struct fx *f, const char *provider, const char *zone, const char *path)
{
    ct_options o = live_options(f);
    const char *settings[] = {one_provider[0], one_provider[1], one_provider[2], NULL};
    char expect[64];

    one_provider_settings(provider);
    o.settings = settings;
    o.zone = zone;
    o.electricitymaps_url = dead_url;
    snprintf(expect, sizeof(expect), "%s: malformed JSON", provider);
    echo_route(path, "SECRETKEY-123 {path}\x1b[2J\xc2\x9b");
    run_hostile(f, &o, expect);
    snprintf(expect, sizeof(expect), "%s: ", provider);
    echo_route(path, "{\"message\": \"{path} RETKEY-1\\u001b]0;pwned\\u0007 " LONG_AAAA "\", "
                     "\"error\": \"TKEY-123\\u009b31m\", \"detail\": \"SECR\\u001b[2J\"}");
    run_hostile(f, &o, expect);
}

static void test_hostile_energycharts(void **state)
{
    hostile_keyless(*state, "energycharts", "DE", "/co2eq");
}

static void test_hostile_eirgrid(void **state)
{
    hostile_keyless(*state, "eirgrid", "IE", "/api/chart/");
}

static void test_hostile_odre(void **state)
{
    hostile_keyless(*state, "odre", "FR",
                    "/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records");
}

/* EIA and ENTSO-E take their key in the query string: a server that echoes the request ({request})
 * hands it back whole, in an HTML page, a JSON error and an ENTSO-E acknowledgement. */
static void hostile_keyed(struct fx *f, const char *provider, const char *zone, const char *path,
                          const char *url_suffix)
{
    ct_options o = live_options(f);
    char url[192], key[96];
    const char *settings[] = {url, key, dead_settings[0], dead_settings[1], dead_settings[2], NULL};
    char expect[64];

    snprintf(url, sizeof(url), "%s.url=%s%s", provider, srv_url, url_suffix);
    snprintf(key, sizeof(key), "%s.api_key=%s", provider, KEY);
    o.settings = settings;
    o.zone = zone;
    o.electricitymaps_url = dead_url;
    snprintf(expect, sizeof(expect), "%s: ", provider);
    echo_route(path, "<html><body>Bad request {request}\x1b[2J</body></html>");
    run_hostile(f, &o, expect);
    echo_route(path, "{\"error\": \"Invalid request {request}\\u001b]0;x\\u0007 " LONG_AAAA "\"}");
    run_hostile(f, &o, expect);
    echo_route(path, "<Acknowledgement_MarketDocument><Reason><code>999</code><text><![CDATA["
                     "Bad request {request} \xc2\x9b"
                     "31m]]></text></Reason></Acknowledgement_MarketDocument>");
    run_hostile(f, &o, expect);
}

static void test_hostile_eia(void **state)
{
    hostile_keyed(*state, "eia", "US-TEX-ERCO", "/v2/electricity/rto/fuel-type-data/data/", "/v2");
}

static void test_hostile_entsoe(void **state)
{
    hostile_keyed(*state, "entsoe", "SE-SE3", "/api", "");
}

/* A cloud metadata service names the region: a key piece, escapes or a long text there never
 * becomes the location shown, logged or in the JSON. */
static void test_hostile_cloud(void **state)
{
    struct fx *f = *state;
    ct_options o = live_options(f);
    char gcp[192], azure[192];
    const char *settings[] = {
        dead_settings[0], dead_settings[1], dead_settings[2], gcp, azure, dead_settings[5], NULL};

    snprintf(gcp, sizeof(gcp), "cloud.gcp_url=%s/gcp", srv_url);
    snprintf(azure, sizeof(azure), "cloud.azure_url=%s/azure", dead_url);
    o.zone = NULL;
    o.settings = settings;
    o.electricitymaps_url = dead_url;
    echo_route("/gcp/computeMetadata/v1/instance/zone",
               "projects/42/zones/SECRETKEY-123\x1b[2J{header:Metadata-Flavor}" LONG_AAAA);
    run_hostile(f, &o, "Location: UNDETECTED");
    assert_paths((const char *[]){"/gcp/computeMetadata/v1/instance/zone", NULL});
    echo_route("/gcp/computeMetadata/v1/instance/zone", "projects/42/zones/europe-\x1b]0;x\x07"
                                                        "RETKEY-1-b");
    run_hostile(f, &o, "Location: UNDETECTED");
    assert_paths((const char *[]){"/gcp/computeMetadata/v1/instance/zone", NULL});
    snprintf(gcp, sizeof(gcp), "cloud.gcp_url=%s/gcp", dead_url);
    snprintf(azure, sizeof(azure), "cloud.azure_url=%s/azure", srv_url);
    echo_route("/azure/metadata/instance/compute/location",
               "TKEY-123\xc2\x9b"
               "31m{header:Metadata}\x1b[2J" LONG_AAAA);
    run_hostile(f, &o, "Location: UNDETECTED");
    assert_paths((const char *[]){"/azure/metadata/instance/compute/location?api-version=2021-02-"
                                  "01&format=text",
                                  NULL});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_energy_weighted_co2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prediction_uses_forecast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prediction_fallbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prediction_advises_a_greener_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures_fall_back_and_warn_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_good_value_warns_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_key_outside_the_keyless_zones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_never_waits_for_a_slow_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offline_makes_no_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_geolocation_then_gb_regional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_geolocation_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coordinates_denmark_east, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_set_while_running, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_turns_an_offline_tracker_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings_and_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_energycharts_through_the_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_value_used_with_a_warning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_value_skipped_past_the_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cloud_region_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_electricitymaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_ukgrid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_energidataservice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_geolocation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_energycharts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_eirgrid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_odre, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_eia, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_entsoe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_cloud, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
