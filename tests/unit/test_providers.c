/*
 * test_providers.c - the live carbon-intensity providers and IP geolocation: every parser against
 * golden files made from recorded replies (tests/fixtures/http), and every provider against a real
 * HTTP server on 127.0.0.1 (tests/fakes/http_server.py) replaying success, forecast, 401, 429,
 * 500, malformed, empty and slow replies, and against a port where nothing listens. The exact
 * requests (path, query, headers) are asserted. Set CT_UPDATE_GOLDEN=1 to rewrite golden files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../fakes/fake_http.h"
#include "backends.h"
#include "carbon/electricitymaps.h"
#include "carbon/energidataservice.h"
#include "carbon/geolocate.h"
#include "carbon/provider.h"
#include "carbon/ukgrid.h"
#include "ct_assert.h"
#include "provider_harness.h"
#include "util/http.h"

#include <dirent.h>
#include <math.h>

#define T0 1714557600.0 /* 2024-05-01T10:00:00Z, the fixtures' first slot */
#define KEY "SECRETKEY-123"

static char em_url[128], uk_url[128], eds_url[128], geo_url[128], dead_url[128];

static int group_setup(void **state)
{
    if (ph_group_setup(state) != 0)
        return -1;
    snprintf(em_url, sizeof(em_url), "http://127.0.0.1:%d/v3", ph_srv.port);
    snprintf(uk_url, sizeof(uk_url), "http://127.0.0.1:%d", ph_srv.port);
    snprintf(eds_url, sizeof(eds_url), "http://127.0.0.1:%d/", ph_srv.port); /* trailing slash */
    snprintf(geo_url, sizeof(geo_url), "http://127.0.0.1:%d", ph_srv.port);
    snprintf(dead_url, sizeof(dead_url), "http://127.0.0.1:%d", fake_http_refused_port());
    return 0;
}

/* The providers' settings as a tracker resolves them, with the test server's URLs. */
static struct ct__carbon_cfg cfg(void)
{
    ct_options o = CT_OPTIONS_INIT;
    o.electricitymaps_url = em_url;
    o.ukgrid_url = uk_url;
    o.energidataservice_url = eds_url;
    o.geolocation_url = geo_url;
    o.electricitymaps_api_key = KEY;
    return ph_cfg(&o, T0 + 420); /* 10:07 */
}

/* Change one resolved setting of the cfg() in use. */
static void set(const char *backend, const char *key, const char *value)
{
    assert_int_equal(ct__settings_set(&ph_settings, backend, key, value), CT_OK);
}

static struct ct__location loc_zone(const char *zone, const char *country)
{
    return ph_loc_zone(zone, country, 1);
}

/* Routes: one path answering with one reply (status, fixture file or inline body, delay). */
static void route(const char *path, int status, const char *file, const char *body, double delay)
{
    ph_route(path, json_pack("{s:i, s:f}", "status", status, "delay_s", delay), file, body);
}

static void assert_requests(const char *const *paths)
{
    ph_assert_requests(paths, NULL);
}

/* ---- golden files ----------------------------------------------------------------------- */

static void print_series(FILE *m, int rc, const struct ct__ci_series *s, const char *why)
{
    char t[32];
    if (rc != CT_OK) {
        fprintf(m, "error %s: %s\n", ct_status_name(rc), why);
        return;
    }
    fprintf(m, "ok %zu slot(s), label \"%s\"\n", s->n, s->label);
    for (size_t i = 0; i < s->n; i++) {
        if (s->n > 8 && i == 4) {
            fprintf(m, "  ... %zu more\n", s->n - 6);
            i = s->n - 2;
        }
        ct__format_utc(s->pts[i].t_s, "%Y-%m-%dT%H:%M:%SZ", t, sizeof(t));
        fprintf(m, "  %s +%.0fs %.3f (n=%d)\n", t, s->pts[i].dur_s, s->pts[i].g_per_kwh,
                s->pts[i].n);
    }
}

static char *golden_text(const char *provider, const char *buf, size_t len)
{
    char *out = NULL, why[512], t[32];
    size_t olen = 0;
    FILE *m = open_memstream(&out, &olen);
    int rc;

    assert_non_null(m);
    if (strcmp(provider, "electricitymaps") == 0) {
        struct ct__intensity ci;
        struct ct__ci_series s;
        why[0] = '\0';
        rc = ct__em_parse_latest(buf, len, &ci, why, sizeof(why));
        if (rc == CT_OK) {
            ct__format_utc(ci.time_s, "%Y-%m-%dT%H:%M:%SZ", t, sizeof(t));
            fprintf(m, "latest: ok %.3f zone \"%s\" time %s source \"%s\"\n  \"%s\"\n",
                    ci.g_per_kwh, ci.zone, t, ci.source, ci.description);
        } else {
            fprintf(m, "latest: error %s: %s\n", ct_status_name(rc), why);
        }
        why[0] = '\0';
        rc = ct__em_parse_forecast(buf, len, &s, why, sizeof(why));
        fprintf(m, "forecast: ");
        print_series(m, rc, &s, why);
        ct__series_free(&s);
    } else if (strcmp(provider, "ukgrid") == 0 || strcmp(provider, "energidataservice") == 0) {
        struct ct__ci_series s;
        why[0] = '\0';
        rc = provider[0] == 'u' ? ct__ukgrid_parse(buf, len, &s, why, sizeof(why))
                                : ct__eds_parse(buf, len, &s, why, sizeof(why));
        print_series(m, rc, &s, why);
        ct__series_free(&s);
    } else {
        struct ct__geo g;
        why[0] = '\0';
        rc = ct__geo_parse_ipinfo(buf, len, &g, why, sizeof(why));
        if (rc == CT_OK)
            fprintf(m, "ok \"%s\" country %s coords %d %.4f %.4f postal \"%s\" tz \"%s\"\n",
                    g.address, g.country, g.has_coords, g.lat, g.lon, g.postal, g.timezone);
        else
            fprintf(m, "error %s: %s\n", ct_status_name(rc), why);
    }
    fclose(m);
    return out;
}

static void test_golden_parsers(void **state)
{
    static const char *const providers[] = {"electricitymaps", "ukgrid", "energidataservice",
                                            "geolocation"};
    int files = 0;
    (void)state;
    for (size_t p = 0; p < 4; p++)
        files += ph_golden_replies(providers[p], ".json", golden_text);
    ct_assert_cmp_int(files, >=, 35);
}

static void test_parsers_edge_cases(void **state)
{
    struct ct__intensity ci;
    struct ct__ci_series s;
    struct ct__geo g;
    char why[256];
    static const char bin[] = "\x00\xff{\"data\":";
    (void)state;

    assert_int_equal(ct__em_parse_latest(NULL, 0, NULL, NULL, 0), CT_EINVAL);
    assert_int_equal(ct__em_parse_latest(NULL, 3, &ci, NULL, 0), CT_EINVAL);
    why[0] = '\0';
    assert_int_equal(ct__em_parse_latest(NULL, 0, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "empty reply");
    why[0] = '\0';
    assert_int_equal(ct__ukgrid_parse(" \n\t", 3, &s, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "empty reply");
    assert_int_equal(s.n, 0);
    assert_null(s.pts);
    why[0] = '\0';
    assert_int_equal(ct__eds_parse(bin, sizeof(bin) - 1, &s, why, sizeof(why)), CT_EIO);
    ct_assert_prefix(why, "malformed JSON at line 1 column");
    why[0] = '\0';
    /* Duplicate keys are refused, not silently resolved. */
    assert_int_equal(ct__em_parse_latest("{\"carbonIntensity\":1,\"carbonIntensity\":900}", 43, &ci,
                                         why, sizeof(why)),
                     CT_EIO);
    ct_assert_contains(why, "duplicate object key");
    /* An integer is a number ("F", not "f"). */
    assert_int_equal(ct__em_parse_latest("{\"carbonIntensity\":302}", 23, &ci, NULL, 0), CT_OK);
    ct_assert_double_equal(302.0, ci.g_per_kwh);
    assert_string_equal(ci.zone, "");
    ct_assert_double_equal(0, ci.time_s);
    /* Embedded NULs end nothing: the length is what counts. */
    why[0] = '\0';
    assert_int_equal(ct__geo_parse_ipinfo("{\"country\":\"DK\"}\0junk", 21, &g, why, sizeof(why)),
                     CT_EIO);
    assert_int_equal(ct__geo_parse_ipinfo("{\"country\":\"DK\"}", 16, &g, NULL, 0), CT_OK);
    assert_string_equal(g.address, "DK");
    assert_int_equal(g.has_coords, 0);
    /* A two-letter lowercase or longer code is not a country. */
    assert_int_equal(ct__geo_parse_ipinfo("{\"country\":\"dk\"}", 16, &g, NULL, 0), CT_EIO);
    assert_int_equal(ct__geo_parse_ipinfo("{\"country\":\"DNK\"}", 17, &g, NULL, 0), CT_EIO);
    /* loc must be "lat,lon" within range. */
    assert_int_equal(
        ct__geo_parse_ipinfo("{\"country\":\"DK\",\"loc\":\"95,12\"}", 30, &g, NULL, 0), CT_OK);
    assert_int_equal(g.has_coords, 0);
}

/* ---- Electricity Maps ------------------------------------------------------------------- */

static void test_em_zone_latest_and_forecast(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("DK-DK2", "DK");
    struct ct__intensity ci;
    struct ct__ci_series s = {0};
    char why[512] = "";
    json_t *reqs;
    (void)state;

    fake_http_routes(&ph_srv,
                     "{\"routes\": ["
                     "{\"path\": \"/v3/carbon-intensity/latest\", \"responses\": "
                     "[{\"status\": 200, \"body_file\": \"electricitymaps/latest_zone.json\"}]},"
                     "{\"path\": \"/v3/carbon-intensity/forecast\", \"responses\": "
                     "[{\"status\": 200, \"body_file\": \"electricitymaps/forecast.json\"}]}]}");
    assert_int_equal(ct__provider_electricitymaps.suitable(&c, &l), 1);
    assert_int_equal(ct__provider_electricitymaps.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    assert_string_equal(why, "");
    ct_assert_double_equal(132.0, ci.g_per_kwh);
    assert_int_equal(ci.is_default, 0);
    assert_string_equal(ci.source, "electricitymaps");
    assert_string_equal(ci.zone, "DK-DK2");
    ct_assert_double_equal(T0, ci.time_s);
    assert_int_equal(ct__provider_electricitymaps.forecast(&c, &l, 86400, &s, why, sizeof(why)),
                     CT_OK);
    assert_int_equal(s.n, 24);
    assert_string_equal(s.label, "DK-DK2");
    ct_assert_double_equal(T0, s.pts[0].t_s);
    ct_assert_double_equal(3600, s.pts[0].dur_s);
    ct_assert_double_equal(100, s.pts[0].g_per_kwh);
    ct_assert_double_equal(3600, s.pts[23].dur_s);
    ct_assert_double_equal(215, s.pts[23].g_per_kwh);
    ct__series_free(&s);

    reqs = fake_http_requests(&ph_srv);
    assert_int_equal(json_array_size(reqs), 2);
    assert_string_equal(fake_http_path(reqs, 0), "/v3/carbon-intensity/latest?zone=DK-DK2");
    assert_string_equal(fake_http_path(reqs, 1), "/v3/carbon-intensity/forecast?zone=DK-DK2");
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, i), "method")),
                            "GET");
        assert_string_equal(fake_http_header(reqs, i, "auth-token"), KEY);
        assert_string_equal(fake_http_header(reqs, i, "accept"), "application/json");
        ct_assert_prefix(fake_http_header(reqs, i, "user-agent"),
                         "carbontracker/" CT_VERSION_STRING " (");
        assert_string_equal(fake_http_header(reqs, i, "user-agent"), ct__http_user_agent());
    }
    json_decref(reqs);
}

static void test_em_coordinates_then_zone(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("DE", "DE");
    struct ct__intensity ci;
    char why[512] = "";
    (void)state;

    l.method = CT__LOC_GEOLOCATION;
    l.has_coords = 1;
    l.lat = 52.52;
    l.lon = 13.405;
    /* Coordinates are asked first (upstream's order), and understood. */
    route("/v3/carbon-intensity/latest", 200, "electricitymaps/latest_coords.json", NULL, 0);
    assert_int_equal(ct__provider_electricitymaps.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_equal(302.5, ci.g_per_kwh);
    assert_string_equal(ci.zone, "DE");
    assert_requests((const char *[]){"/v3/carbon-intensity/latest?lat=52.5200&lon=13.4050", NULL});

    /* Coordinates the service has no zone for (404): the country's zone instead. */
    fake_http_routes(&ph_srv,
                     "{\"routes\": [{\"path\": \"/v3/carbon-intensity/latest\", \"query\": "
                     "\"lat=52.5200&lon=13.4050\", \"responses\": [{\"status\": 404, \"body\": "
                     "\"{\\\"message\\\": \\\"No zone found\\\"}\"}]},"
                     "{\"path\": \"/v3/carbon-intensity/latest\", \"query\": \"zone=DE\", "
                     "\"responses\": [{\"status\": 200, \"body_file\": "
                     "\"electricitymaps/latest_coords.json\"}]}]}");
    why[0] = '\0';
    assert_int_equal(ct__provider_electricitymaps.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_equal(302.5, ci.g_per_kwh);
    assert_requests((const char *[]){"/v3/carbon-intensity/latest?lat=52.5200&lon=13.4050",
                                     "/v3/carbon-intensity/latest?zone=DE", NULL});

    /* An explicit zone wins over coordinates. */
    l.method = CT__LOC_OPTION;
    route("/v3/carbon-intensity/latest", 200, "electricitymaps/latest_coords.json", NULL, 0);
    assert_int_equal(ct__provider_electricitymaps.current(&c, &l, &ci, NULL, 0), CT_OK);
    assert_requests((const char *[]){"/v3/carbon-intensity/latest?zone=DE", NULL});
}

/* One failure: the route answers (status, file or body, delay) and current() must fail with rc
 * and exactly `want` (or, when want ends in '*', a reason starting with it). */
static void em_fails(int status, const char *file, const char *body, double delay, int rc,
                     const char *want)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("DK-DK2", "DK");
    struct ct__intensity ci;
    char why[512] = "";
    size_t wl = strlen(want);

    c.timeout_ms = 400;
    route("/v3/carbon-intensity/latest", status, file, body, delay);
    assert_int_equal(ct__provider_electricitymaps.current(&c, &l, &ci, why, sizeof(why)), rc);
    if (want[wl - 1] == '*') {
        if (strncmp(why, want, wl - 1) != 0)
            fail_msg("reason \"%s\" does not start with \"%.*s\"", why, (int)wl - 1, want);
    } else {
        assert_string_equal(why, want);
    }
    ct_assert_not_contains(why, KEY);
    assert_requests((const char *[]){"/v3/carbon-intensity/latest?zone=DK-DK2", NULL});
}

static void test_em_failures(void **state)
{
    (void)state;
    em_fails(401, "electricitymaps/error_401.json", NULL, 0, CT_EPERM,
             "HTTP 401 Unauthorized (the API key is missing or was refused)");
    em_fails(403, NULL, "{}", 0, CT_EPERM,
             "HTTP 403 Forbidden (the API key is missing or was refused)");
    em_fails(429, "electricitymaps/error_429.json", NULL, 0, CT_EIO,
             "HTTP 429 Too Many Requests (rate limited)");
    em_fails(500, NULL, "oops", 0, CT_EIO, "HTTP 500 Internal Server Error");
    em_fails(200, "electricitymaps/malformed.json", NULL, 0, CT_EIO,
             "malformed JSON at line 1 column 37: '}' expected near end of file");
    em_fails(200, NULL, "", 0, CT_EIO, "HTTP 200 with an empty reply");
    em_fails(200, "electricitymaps/empty_object.json", NULL, 0, CT_EIO,
             "no carbonIntensity number in the reply (Object item not found: carbonIntensity)");
    em_fails(200, "electricitymaps/null_value.json", NULL, 0, CT_EIO,
             "no carbonIntensity number in the reply (Expected real or integer, got null)");
    em_fails(200, "electricitymaps/overflow.json", NULL, 0, CT_EIO,
             "malformed JSON at line 1 column 40: real number overflow near '1e999'");
    em_fails(200, "electricitymaps/negative_value.json", NULL, 0, CT_EIO,
             "carbonIntensity -5 is out of range");
    {
        uint64_t t0 = ct__now_ns();
        em_fails(200, "electricitymaps/latest_zone.json", NULL, 2.0, CT_EIO,
                 "Operation timed out after*");
        ct_assert_cmp_uint(ct__now_ns() - t0, <, 1500000000ull);
    }
}

static void test_em_refused_and_no_key(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("DK-DK2", "DK");
    struct ct__location none;
    struct ct__intensity ci;
    char why[512] = "", want[128];
    (void)state;

    set("electricitymaps", "url", dead_url);
    assert_int_equal(ct__provider_electricitymaps.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    snprintf(want, sizeof(want), "Failed to connect to 127.0.0.1 port %s",
             strrchr(dead_url, ':') + 1);
    ct_assert_prefix(why, want);
    ct_assert_contains(why, "Couldn't connect to server");

    c = cfg();
    set("electricitymaps", "api_key", NULL);
    assert_int_equal(ct__provider_electricitymaps.suitable(&c, &l), 0);
    why[0] = '\0';
    fake_http_routes(&ph_srv, "{\"routes\": []}");
    assert_int_equal(ct__provider_electricitymaps.current(&c, &l, &ci, why, sizeof(why)), CT_EPERM);
    assert_string_equal(why, "no API key");
    set("electricitymaps", "api_key", "");
    assert_int_equal(ct__provider_electricitymaps.suitable(&c, &l), 0);
    set("electricitymaps", "api_key", KEY);
    memset(&none, 0, sizeof(none));
    assert_int_equal(ct__provider_electricitymaps.suitable(&c, &none), 0);
    assert_requests((const char *[]){NULL});
}

/* ---- Great Britain ---------------------------------------------------------------------- */

static void test_uk_regional_quirk_and_fallback(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("GB", "GB");
    struct ct__intensity ci;
    char why[512] = "";
    (void)state;

    snprintf(l.postcode, sizeof(l.postcode), "RG41");
    c.now_s = T0 + 600;
    /* Current regional: "data" is an array of regions. */
    route("/regional/postcode/RG41", 200, "ukgrid/regional_postcode_current.json", NULL, 0);
    assert_int_equal(ct__provider_ukgrid.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    assert_string_equal(why, "");
    ct_assert_double_equal(95.0, ci.g_per_kwh);
    assert_string_equal(ci.source, "ukgrid:regional:RG41");
    assert_string_equal(ci.zone, "GB");
    assert_string_equal(ci.description, "carbonintensity.org.uk, region South England (postcode "
                                        "RG41), 2024-05-01 10:00-10:30 UTC.");
    assert_requests((const char *[]){"/regional/postcode/RG41", NULL});

    /* Regional fails: national, and the reason is kept. */
    fake_http_routes(&ph_srv,
                     "{\"routes\": ["
                     "{\"path\": \"/regional/postcode/RG41\", \"responses\": [{\"status\": "
                     "500, \"body\": \"\"}]},"
                     "{\"path\": \"/intensity\", \"responses\": [{\"status\": 200, "
                     "\"body_file\": \"ukgrid/national_current.json\"}]}]}");
    why[0] = '\0';
    assert_int_equal(ct__provider_ukgrid.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_equal(117.0, ci.g_per_kwh); /* the actual value, not the forecast */
    assert_string_equal(ci.source, "ukgrid:national");
    assert_string_equal(why, "regional (postcode RG41): HTTP 500 Internal Server Error");
    assert_requests((const char *[]){"/regional/postcode/RG41", "/intensity", NULL});

    /* No postcode: national only; the forecast value when there is no actual yet. */
    l.postcode[0] = '\0';
    route("/intensity", 200, "ukgrid/national_current_forecast_only.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__provider_ukgrid.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_equal(121.0, ci.g_per_kwh);
    assert_string_equal(ci.description, "carbonintensity.org.uk, national, 2024-05-01 10:00-10:30 "
                                        "UTC.");
    assert_requests((const char *[]){"/intensity", NULL});
}

static void test_uk_forecast(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("GB", "GB");
    struct ct__ci_series s;
    char why[512] = "";
    double mean = 0, covered = 0;
    (void)state;

    snprintf(l.postcode, sizeof(l.postcode), "RG41");
    c.now_s = T0 + 420;
    /* Regional fw24h: "data" is one region object. */
    route("/regional/intensity/2024-05-01T10:00Z/fw24h/postcode/RG41", 200,
          "ukgrid/regional_fw24h.json", NULL, 0);
    assert_int_equal(ct__provider_ukgrid.forecast(&c, &l, 3 * 3600, &s, why, sizeof(why)), CT_OK);
    assert_int_equal(s.n, 48);
    assert_string_equal(s.label, "South England");
    /* 10:07-11:07: 23 min at 60, 30 at 61, 7 at 62. */
    assert_int_equal(ct__series_mean(&s, T0 + 420, 3600, &mean, &covered), 0);
    ct_assert_double_equal(3600, covered);
    ct_assert_double_near((60.0 * 23 + 61.0 * 30 + 62.0 * 7) / 60, mean, 1e-12);
    ct__series_free(&s);
    assert_requests(
        (const char *[]){"/regional/intensity/2024-05-01T10:00Z/fw24h/postcode/RG41", NULL});

    /* National, fw48h for longer windows; regional failure falls back. */
    fake_http_routes(&ph_srv,
                     "{\"routes\": ["
                     "{\"path\": \"/intensity/2024-05-01T10:00Z/fw48h\", \"responses\": "
                     "[{\"status\": 200, \"body_file\": \"ukgrid/national_fw24h.json\"}]}]}");
    why[0] = '\0';
    assert_int_equal(ct__provider_ukgrid.forecast(&c, &l, 30 * 3600, &s, why, sizeof(why)), CT_OK);
    assert_int_equal(s.n, 48);
    assert_string_equal(s.label, "GB");
    ct_assert_double_equal(80 + 2 * 47, s.pts[47].g_per_kwh);
    assert_string_equal(why, "regional (postcode RG41): HTTP 404 Not Found");
    ct__series_free(&s);
    assert_requests((const char *[]){"/regional/intensity/2024-05-01T10:00Z/fw48h/postcode/RG41",
                                     "/intensity/2024-05-01T10:00Z/fw48h", NULL});
}

static void uk_fails(int status, const char *file, const char *body, double delay, int rc,
                     const char *want)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("GB", "GB");
    struct ct__intensity ci;
    char why[512] = "";
    size_t wl = strlen(want);

    c.timeout_ms = 400;
    route("/intensity", status, file, body, delay);
    assert_int_equal(ct__provider_ukgrid.current(&c, &l, &ci, why, sizeof(why)), rc);
    if (want[wl - 1] == '*') {
        if (strncmp(why, want, wl - 1) != 0)
            fail_msg("reason \"%s\" does not start with \"%.*s\"", why, (int)wl - 1, want);
    } else {
        assert_string_equal(why, want);
    }
    assert_requests((const char *[]){"/intensity", NULL});
}

static void test_uk_failures(void **state)
{
    (void)state;
    uk_fails(400, "ukgrid/error_400.json", NULL, 0, CT_EIO, "HTTP 400 Bad Request");
    uk_fails(429, NULL, "{}", 0, CT_EIO, "HTTP 429 Too Many Requests (rate limited)");
    uk_fails(500, NULL, "", 0, CT_EIO, "HTTP 500 Internal Server Error");
    uk_fails(200, "ukgrid/empty_data.json", NULL, 0, CT_EIO, "the reply has no data");
    uk_fails(200, "ukgrid/no_values.json", NULL, 0, CT_EIO,
             "the reply has no usable intensity (1 slots)");
    uk_fails(200, "ukgrid/malformed.json", NULL, 0, CT_EIO,
             "malformed JSON at line 1 column 37: string or '}' expected near end of file");
    uk_fails(200, "ukgrid/empty.json", NULL, 0, CT_EIO, "HTTP 200 with an empty reply");
    uk_fails(200, "ukgrid/national_current.json", NULL, 2.0, CT_EIO, "Operation timed out after*");
}

static void test_uk_suitability(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("GB", "GB");
    (void)state;
    assert_int_equal(ct__provider_ukgrid.suitable(&c, &l), 1);
    l = loc_zone("GB-NIR", "GB"); /* Northern Ireland is not on the GB grid */
    assert_int_equal(ct__provider_ukgrid.suitable(&c, &l), 0);
    l = loc_zone("", "GB");
    assert_int_equal(ct__provider_ukgrid.suitable(&c, &l), 1);
    l = loc_zone("IE", "IE");
    assert_int_equal(ct__provider_ukgrid.suitable(&c, &l), 0);
    assert_int_equal(ct__provider_ukgrid.suitable(&c, NULL), 0);
}

/* ---- Denmark ---------------------------------------------------------------------------- */

#define EDS_BOTH "filter=%7B%22PriceArea%22%3A%5B%22DK1%22%2C%22DK2%22%5D%7D"
#define EDS_DK2 "filter=%7B%22PriceArea%22%3A%5B%22DK2%22%5D%7D"

static void test_eds_current(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("DK", "DK");
    struct ct__intensity ci;
    char why[512] = "";
    (void)state;

    /* Area unknown: both asked, the latest slot both reported (10:05: DK1 120, DK2 80). */
    route("/dataset/CO2Emis", 200, "energidataservice/co2emis_latest.json", NULL, 0);
    assert_int_equal(ct__provider_energidataservice.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_equal(100.0, ci.g_per_kwh);
    ct_assert_double_equal(T0 + 300, ci.time_s);
    assert_string_equal(ci.source, "energidataservice:DK1+DK2");
    assert_string_equal(ci.zone, "DK");
    assert_string_equal(ci.description,
                        "Energi Data Service CO2Emis, mean of DK1 and DK2, 2024-05-01 10:05 UTC.");
    assert_requests(
        (const char *[]){"/dataset/CO2Emis?" EDS_BOTH "&sort=Minutes5UTC%20DESC&limit=8", NULL});

    /* DK2 from the zone (Bornholm is in DK2). */
    l = loc_zone("DK-BHM", "DK");
    route("/dataset/CO2Emis", 200, "energidataservice/co2emis_dk1.json", NULL, 0);
    assert_int_equal(ct__provider_energidataservice.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_equal(140.0, ci.g_per_kwh); /* the latest record (10:15) */
    assert_string_equal(ci.source, "energidataservice:DK2");
    assert_requests(
        (const char *[]){"/dataset/CO2Emis?" EDS_DK2 "&sort=Minutes5UTC%20DESC&limit=4", NULL});
}

static void test_eds_areas(void **state)
{
    struct ct__location l = loc_zone("DK", "DK");
    struct ct__carbon_cfg c = cfg();
    (void)state;
    assert_null(ct__eds_area(&l));
    l.has_coords = 1;
    l.lat = 55.6759;
    l.lon = 12.5655; /* Copenhagen */
    assert_string_equal(ct__eds_area(&l), "DK2");
    l.lat = 56.1567;
    l.lon = 10.2108; /* Aarhus */
    assert_string_equal(ct__eds_area(&l), "DK1");
    l = loc_zone("DK-DK1", "DK");
    assert_string_equal(ct__eds_area(&l), "DK1");
    assert_string_equal(ct__eds_area(&(struct ct__location){.zone = "DK-DK2"}), "DK2");
    assert_null(ct__eds_area(NULL));
    assert_int_equal(ct__provider_energidataservice.suitable(&c, &l), 1);
    l = loc_zone("", "DK");
    assert_int_equal(ct__provider_energidataservice.suitable(&c, &l), 1);
    l = loc_zone("SE", "SE");
    assert_int_equal(ct__provider_energidataservice.suitable(&c, &l), 0);
    l = loc_zone("DE", "DK"); /* a foreign zone given explicitly */
    assert_int_equal(ct__provider_energidataservice.suitable(&c, &l), 0);
}

static void test_eds_forecast_and_failures(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("DK", "DK");
    struct ct__ci_series s;
    struct ct__intensity ci;
    char why[512] = "";
    double mean, covered;
    (void)state;

    /* CO2EmisProg (not CO2Emis, upstream's bug), UTC times floored to 5 minutes. */
    route("/dataset/CO2EmisProg", 200, "energidataservice/co2emisprog.json", NULL, 0);
    assert_int_equal(ct__provider_energidataservice.forecast(&c, &l, 86400, &s, why, sizeof(why)),
                     CT_OK);
    assert_int_equal(s.n, 324);
    assert_string_equal(s.label, "DK1+DK2");
    ct_assert_double_equal(80.0, s.pts[0].g_per_kwh);
    assert_int_equal(s.pts[0].n, 2);
    /* 10:00-11:00 is one 12-slot cycle: mean of 80..91. */
    assert_int_equal(ct__series_mean(&s, T0, 3600, &mean, &covered), 0);
    ct_assert_double_equal(85.5, mean);
    ct_assert_double_equal(3600, covered);
    ct__series_free(&s);
    assert_requests((const char *[]){"/dataset/CO2EmisProg?start=2024-05-01T10:05&end=2024-05-"
                                     "02T13:05&" EDS_BOTH "&sort=Minutes5UTC%20ASC&limit=744",
                                     NULL});

    route("/dataset/CO2EmisProg", 200, "energidataservice/empty_records.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__provider_energidataservice.forecast(&c, &l, 3600, &s, why, sizeof(why)),
                     CT_EIO);
    assert_string_equal(why, "no usable records (0 in the reply)");

    route("/dataset/CO2Emis", 200, "energidataservice/null_values.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__provider_energidataservice.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "no usable records (2 in the reply)");

    route("/dataset/CO2Emis", 400, "energidataservice/error_400.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__provider_energidataservice.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "HTTP 400 Bad Request");

    route("/dataset/CO2Emis", 200, "energidataservice/malformed.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__provider_energidataservice.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "malformed JSON at line 1 column 50: string or '}' expected near '}'");

    set("energidataservice", "url", dead_url);
    why[0] = '\0';
    assert_int_equal(ct__provider_energidataservice.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    ct_assert_contains(why, "Couldn't connect to server");
}

/* ---- geolocation ------------------------------------------------------------------------ */

static void test_geolocate(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__geo g;
    struct ct__location l;
    char why[512] = "";
    (void)state;

    route("/json", 200, "geolocation/ipinfo_gb.json", NULL, 0);
    assert_int_equal(ct__geolocate(&c, &g, why, sizeof(why)), CT_OK);
    assert_string_equal(g.address, "Wokingham, England, GB");
    ct__geo_location(&g, &l);
    assert_int_equal(l.method, CT__LOC_GEOLOCATION);
    assert_string_equal(l.zone, "GB");
    assert_string_equal(l.country, "GB");
    assert_string_equal(l.address, "Wokingham, England, GB");
    assert_string_equal(l.postcode, "RG41");
    assert_int_equal(l.has_coords, 1);
    ct_assert_double_equal(51.4112, l.lat);
    ct_assert_double_equal(-0.8339, l.lon);
    {
        json_t *reqs = fake_http_requests(&ph_srv);
        assert_int_equal(json_array_size(reqs), 1);
        assert_string_equal(fake_http_path(reqs, 0), "/json");
        assert_string_equal(fake_http_header(reqs, 0, "accept"), "application/json");
        assert_null(fake_http_header(reqs, 0, "auth-token")); /* the key goes nowhere else */
        json_decref(reqs);
    }

    /* A Danish postal code is not a GB outward code. */
    route("/json", 200, "geolocation/ipinfo_dk.json", NULL, 0);
    assert_int_equal(ct__geolocate(&c, &g, why, sizeof(why)), CT_OK);
    ct__geo_location(&g, &l);
    assert_string_equal(l.address, "Copenhagen, Capital Region, DK");
    assert_string_equal(l.postcode, "");

    route("/json", 200, "geolocation/ipinfo_bogon.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__geolocate(&c, &g, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "the service has no location for this address (bogon)");

    route("/json", 429, "geolocation/ipinfo_429.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__geolocate(&c, &g, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "HTTP 429 Too Many Requests (rate limited)");

    route("/json", 200, "geolocation/malformed.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__geolocate(&c, &g, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "malformed JSON at line 1 column 1: '[' or '{' expected near '<'");
}

/* ---- helpers ---------------------------------------------------------------------------- */

static void test_series_and_times(void **state)
{
    struct ct__ci_series s = {0};
    double t = 0, mean = 0, covered = 0;
    (void)state;

    assert_int_equal(ct__parse_utc("2024-05-01T10:00:00.000Z", &t), 0);
    ct_assert_double_equal(T0, t);
    assert_int_equal(ct__parse_utc("2024-05-01T10:00Z", &t), 0);
    ct_assert_double_equal(T0, t);
    assert_int_equal(ct__parse_utc("2024-05-01T10:00:00", &t), 0);
    ct_assert_double_equal(T0, t);
    assert_int_equal(ct__parse_utc("2024-05-01T12:00:00+02:00", &t), 0);
    ct_assert_double_equal(T0, t);
    assert_int_equal(ct__parse_utc("2024-05-01T10:00:30.5Z", &t), 0);
    ct_assert_double_equal(T0 + 30.5, t);
    assert_int_equal(ct__parse_utc("2024-05-01 10:00", &t), 0);
    assert_int_equal(ct__parse_utc("2024-05-01", &t), -1);
    assert_int_equal(ct__parse_utc("2024-13-01T10:00Z", &t), -1);
    assert_int_equal(ct__parse_utc("2024-05-01T10:00Zjunk", &t), -1);
    assert_int_equal(ct__parse_utc("", &t), -1);
    assert_int_equal(ct__parse_utc(NULL, &t), -1);

    /* Added out of order, one time twice (two price areas): sorted, averaged, lengths filled. */
    assert_int_equal(ct__series_add(&s, T0 + 3600, 0, 300), CT_OK);
    assert_int_equal(ct__series_add(&s, T0, 0, 100), CT_OK);
    assert_int_equal(ct__series_add(&s, T0 + 3600, 0, 100), CT_OK);
    ct__series_finish(&s, 1800);
    assert_int_equal(s.n, 2);
    ct_assert_double_equal(T0, s.pts[0].t_s);
    ct_assert_double_equal(3600, s.pts[0].dur_s);
    ct_assert_double_equal(100, s.pts[0].g_per_kwh);
    ct_assert_double_equal(3600, s.pts[1].dur_s);
    ct_assert_double_equal(200, s.pts[1].g_per_kwh);
    assert_int_equal(s.pts[1].n, 2);
    assert_int_equal(ct__series_mean(&s, T0 + 1800, 3600, &mean, &covered), 0);
    ct_assert_double_equal(150, mean);
    ct_assert_double_equal(3600, covered);
    /* A window reaching past the end: covered says how much. */
    assert_int_equal(ct__series_mean(&s, T0 + 5400, 3600, &mean, &covered), 0);
    ct_assert_double_equal(200, mean);
    ct_assert_double_equal(1800, covered);
    assert_int_equal(ct__series_mean(&s, T0 + 7200, 1800, &mean, &covered), -1);
    assert_int_equal(ct__series_mean(&s, T0, 0, &mean, &covered), -1);
    ct_assert_double_equal(200, ct__series_at(&s, T0 + 4000)->g_per_kwh);
    ct_assert_double_equal(200, ct__series_at(&s, T0 + 99999)->g_per_kwh);
    ct_assert_double_equal(100, ct__series_at(&s, T0 - 5)->g_per_kwh);
    ct__series_free(&s);
    assert_null(ct__series_at(&s, T0));
}

/* ---- the same failures for every provider ---------------------------------------------- */

static int call_provider(int which, const struct ct__carbon_cfg *c, char *why, size_t why_len)
{
    struct ct__location l;
    struct ct__intensity ci;
    struct ct__geo g;

    switch (which) {
    case 0:
        l = loc_zone("DK-DK2", "DK");
        return ct__provider_electricitymaps.current(c, &l, &ci, why, why_len);
    case 1:
        l = loc_zone("GB", "GB");
        return ct__provider_ukgrid.current(c, &l, &ci, why, why_len);
    case 2:
        l = loc_zone("DK", "DK");
        return ct__provider_energidataservice.current(c, &l, &ci, why, why_len);
    default:
        return ct__geolocate(c, &g, why, why_len);
    }
}

static void test_failures_every_provider(void **state)
{
    static const char *const names[] = {"electricitymaps", "ukgrid", "energidataservice",
                                        "geolocation"};
    static const char *const paths[] = {"/v3/carbon-intensity/latest", "/intensity",
                                        "/dataset/CO2Emis", "/json"};
    static const struct {
        int status;
        const char *body;
        double delay;
        int rc;
        const char *want; /* a trailing '*' means "starts with" */
    } cases[] = {
        {401, "{}", 0, CT_EPERM, "HTTP 401 Unauthorized"},
        {429, "{}", 0, CT_EIO, "HTTP 429 Too Many Requests (rate limited)"},
        {500, "", 0, CT_EIO, "HTTP 500 Internal Server Error"},
        {503, "<html>", 0, CT_EIO, "HTTP 503 Service Unavailable"},
        {200, "{\"x\":", 0, CT_EIO, "malformed JSON at line 1 column 5: *"},
        {200, "", 0, CT_EIO, "HTTP 200 with an empty reply"},
        {200, "{}", 2.0, CT_EIO, "Operation timed out after *"},
    };
    (void)state;

    for (int p = 0; p < 4; p++) {
        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
            struct ct__carbon_cfg c = cfg();
            char why[512] = "", want[128];
            size_t wl;
            c.timeout_ms = 300;
            route(paths[p], cases[k].status, NULL, cases[k].body, cases[k].delay);
            if (call_provider(p, &c, why, sizeof(why)) != cases[k].rc)
                fail_msg("%s, case %zu: rc, reason \"%s\"", names[p], k, why);
            snprintf(want, sizeof(want), "%s%s", cases[k].want,
                     p == 0 && k == 0 ? " (the API key is missing or was refused)" : "");
            wl = strlen(want);
            if (want[wl - 1] == '*' ? strncmp(why, want, wl - 1) != 0 : strcmp(why, want) != 0)
                fail_msg("%s, case %zu: \"%s\", expected \"%s\"", names[p], k, why, want);
            json_t *reqs = fake_http_requests(&ph_srv);
            assert_int_equal(json_array_size(reqs), 1);
            json_decref(reqs);
        }
        /* Connection refused. */
        {
            struct ct__carbon_cfg c = cfg();
            char why[512] = "";
            set("electricitymaps", "url", dead_url);
            set("ukgrid", "url", dead_url);
            set("energidataservice", "url", dead_url);
            set("geolocation", "url", dead_url);
            assert_int_equal(call_provider(p, &c, why, sizeof(why)), CT_EIO);
            if (strstr(why, "Couldn't connect to server") == NULL)
                fail_msg("%s refused: \"%s\"", names[p], why);
        }
    }
}

/* ct__parse_series_reply with a format of its own: [[t_s, value], ...] under "v". */
static const json_t *pairs(const json_t *root, struct ct__ci_series *out, char *why, size_t why_len)
{
    const json_t *a = json_object_get(root, "v");
    snprintf(out->label, sizeof(out->label), "pairs");
    if (json_is_array(a))
        return a;
    ct__why_add(why, why_len, "no v");
    ct__why_service_says(why, why_len, json_object_get(root, "msg"));
    return NULL;
}

static int pair_slot(const json_t *e, double *t_s, double *dur_s, double *g_per_kwh)
{
    (void)dur_s;
    return json_unpack((json_t *)e, "[FF]", t_s, g_per_kwh) == 0 ? 0 : -1;
}

static void test_series_reply_format(void **state)
{
    (void)state;
    static const struct ct__series_format f = {
        .want_object = 1,
        .entries = pairs,
        .slot = pair_slot,
        .default_dur_s = 60,
        .none_usable = "nothing usable",
        .counted = "pairs",
    };
    struct ct__ci_series s = {0};
    char why[256] = "";
    const char *ok = "{\"v\": [[200, 5], \"x\", [100, 1], [300, -1], [150, 9000]]}";

    assert_int_equal(ct__parse_series_reply(&f, ok, strlen(ok), &s, why, sizeof(why)), CT_OK);
    assert_int_equal(s.n, 2); /* "x", the negative and the too large value skipped */
    assert_true(s.pts[0].t_s == 100 && s.pts[0].g_per_kwh == 1 && s.pts[0].dur_s == 100);
    assert_true(s.pts[1].t_s == 200 && s.pts[1].g_per_kwh == 5 && s.pts[1].dur_s == 100);
    assert_string_equal(s.label, "pairs");
    assert_string_equal(why, "");
    ct__series_free(&s);

    const char *none = "{\"v\": [[1, -5], 7]}";
    assert_int_equal(ct__parse_series_reply(&f, none, strlen(none), &s, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "nothing usable (2 pairs)");
    assert_int_equal(s.n, 0);
    assert_string_equal(s.label, "");

    why[0] = '\0';
    const char *msg = "{\"msg\": \"go\\naway\"}";
    assert_int_equal(ct__parse_series_reply(&f, msg, strlen(msg), &s, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "no v; the service says \"go?away\"");

    why[0] = '\0';
    assert_int_equal(ct__parse_series_reply(&f, "[1]", 3, &s, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "the reply is not a JSON object");
    assert_int_equal(ct__parse_series_reply(&f, NULL, 3, &s, why, sizeof(why)), CT_EINVAL);
    assert_int_equal(ct__parse_series_reply(&f, ok, strlen(ok), NULL, why, sizeof(why)), CT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_parsers),
        cmocka_unit_test(test_parsers_edge_cases),
        cmocka_unit_test(test_series_and_times),
        cmocka_unit_test(test_series_reply_format),
        cmocka_unit_test(test_em_zone_latest_and_forecast),
        cmocka_unit_test(test_em_coordinates_then_zone),
        cmocka_unit_test(test_em_failures),
        cmocka_unit_test(test_em_refused_and_no_key),
        cmocka_unit_test(test_uk_regional_quirk_and_fallback),
        cmocka_unit_test(test_uk_forecast),
        cmocka_unit_test(test_uk_failures),
        cmocka_unit_test(test_uk_suitability),
        cmocka_unit_test(test_eds_current),
        cmocka_unit_test(test_eds_areas),
        cmocka_unit_test(test_eds_forecast_and_failures),
        cmocka_unit_test(test_geolocate),
        cmocka_unit_test(test_failures_every_provider),
    };
    return cmocka_run_group_tests(tests, group_setup, ph_group_teardown);
}
