/*
 * test_providers_keyless.c - the keyless providers of issue 14: Energy-Charts (DE, FR, AT, CH, NL,
 * BE, FI), EirGrid's Smart Grid Dashboard (IE, GB-NIR) and RTE eCO2mix on ODRE (FR). Their pure
 * parsers against golden files (tests/fixtures/http/{energycharts,eirgrid,odre}), and the
 * providers against a real HTTP server on 127.0.0.1 (tests/fakes/http_server.py): success,
 * forecast, the Energy-Charts cache in the provider's state, deprecated, empty, nulls, HTML
 * error pages, 401/403/429/500, truncated and huge replies, timeouts and refused connections,
 * with the exact requests asserted. Also the zones the providers declare and ct_zones_json().
 * Set CT_UPDATE_GOLDEN=1 to rewrite the golden files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../fakes/fake_http.h"
#include "backends.h"
#include "carbon/cloud.h"
#include "carbon/eirgrid.h"
#include "carbon/energycharts.h"
#include "carbon/odre.h"
#include "carbon/provider.h"
#include "ct_assert.h"
#include "golden.h"
#include "provider_harness.h"
#include "util/http.h"

#include <dirent.h>
#include <math.h>

#define T0 1714557600.0 /* 2024-05-01T10:00:00Z */
#define EC_PATH "/co2eq"
#define EIRGRID_PATH "/api/chart/"
#define ODRE_PATH "/api/explore/v2.1/catalog/datasets/eco2mix-national-tr/records"
#define ODRE_QUERY                                                                                 \
    "?select=date_heure,taux_co2&where=taux_co2%20is%20not%20null&order_by=date_heure%20desc&"     \
    "limit=4&timezone=UTC"

/* The providers' settings as a tracker resolves them, every URL at the test server. */
static struct ct__carbon_cfg cfg(void)
{
    ct_options o = CT_OPTIONS_INIT;
    char ec[160], eg[160], od[160];
    snprintf(ec, sizeof(ec), "energycharts.url=%s", fake_http_url(&ph_srv, ""));
    snprintf(eg, sizeof(eg), "eirgrid.url=%s", fake_http_url(&ph_srv, "/"));
    snprintf(od, sizeof(od), "odre.url=%s", fake_http_url(&ph_srv, ""));
    const char *settings[] = {ec, eg, od, NULL};
    o.settings = settings;
    return ph_cfg(&o, T0 + 420); /* 10:07 UTC */
}

static struct ct__location loc_zone(const char *zone)
{
    return ph_loc_zone(zone, NULL, 1);
}

/* One route answering every request with one reply (a fixture file or an inline body). */
static void route(const char *path, int status, const char *file, const char *body, double delay)
{
    ph_route(path, json_pack("{s:i, s:f}", "status", status, "delay_s", delay), file, body);
}

/* Every request: "Accept: application/json", our User-Agent and no key header. */
static void assert_keyless_headers(json_t *reqs, size_t i)
{
    assert_string_equal(fake_http_header(reqs, i, "accept"), "application/json");
    assert_string_equal(fake_http_header(reqs, i, "user-agent"), ct__http_user_agent());
    assert_null(fake_http_header(reqs, i, "auth-token"));
}

/* The requests since the last route(): exactly these paths (with queries), each with
 * "Accept: application/json" and our User-Agent. */
static void assert_requests(const char *const *paths)
{
    ph_assert_requests(paths, assert_keyless_headers);
}

/* ---- golden files ----------------------------------------------------------------------- */

static void print_series(FILE *m, const char *what, int rc, const struct ct__ci_series *s,
                         const char *why)
{
    char t[32];
    if (rc != CT_OK) {
        fprintf(m, "%serror %s: %s\n", what, ct_status_name(rc), why);
        return;
    }
    fprintf(m, "%sok %zu slot(s), label \"%s\"\n", what, s->n, s->label);
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
    char *out = NULL, why[512] = "";
    size_t olen = 0;
    FILE *m = open_memstream(&out, &olen);
    int rc;

    assert_non_null(m);
    if (strcmp(provider, "energycharts") == 0) {
        struct ct__ec_reply r;
        rc = ct__ec_parse(buf, len, &r, why, sizeof(why));
        if (rc == CT_OK)
            fprintf(m, "deprecated %d, %zu forecast slot(s)\n", r.deprecated, r.n_forecast);
        print_series(m, "actual: ", rc, &r.actual, why);
        if (rc == CT_OK)
            print_series(m, "merged: ", rc, &r.merged, why);
        ct__ec_reply_free(&r);
    } else {
        struct ct__ci_series s;
        rc = provider[0] == 'e' ? ct__eirgrid_parse(buf, len, &s, why, sizeof(why))
                                : ct__odre_parse(buf, len, &s, why, sizeof(why));
        print_series(m, "", rc, &s, why);
        ct__series_free(&s);
    }
    fclose(m);
    return out;
}

static void test_golden_parsers(void **state)
{
    static const char *const providers[] = {"energycharts", "eirgrid", "odre"};
    const char *src = getenv("CT_SOURCE_DIR");
    int files = 0, failed = 0;
    (void)state;
    assert_non_null(src);
    for (size_t p = 0; p < sizeof(providers) / sizeof(providers[0]); p++) {
        char dir[1024];
        DIR *d;
        struct dirent *e;
        snprintf(dir, sizeof(dir), "%s/tests/fixtures/http/%s", src, providers[p]);
        d = opendir(dir);
        assert_non_null(d);
        while ((e = readdir(d)) != NULL) {
            char path[2048], name[512];
            size_t n = strlen(e->d_name), len = 0;
            char *buf, *got;
            if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            /* golden_check() reads tests/fixtures/golden/<name>: the replies' goldens sit
             * beside them. */
            snprintf(name, sizeof(name), "../http/%s/%.*s.golden", providers[p], (int)(n - 5),
                     e->d_name);
            buf = ph_read_fixture(path, &len);
            assert_non_null(buf);
            got = golden_text(providers[p], buf, len);
            failed |= golden_check(name, got) != 0;
            free(buf);
            free(got);
            files++;
        }
        closedir(d);
    }
    assert_int_equal(failed, 0);
    ct_assert_cmp_int(files, >=, 30);
}

static void test_parser_edges(void **state)
{
    struct ct__ec_reply r;
    struct ct__ci_series s;
    char why[256] = "";
    double t;
    (void)state;

    assert_int_equal(ct__ec_parse(NULL, 3, &r, why, sizeof(why)), CT_EINVAL);
    assert_int_equal(ct__ec_parse("{}", 2, NULL, why, sizeof(why)), CT_EINVAL);
    assert_int_equal(ct__ec_parse("[]", 2, &r, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "the reply is not a JSON object");
    why[0] = '\0';
    assert_int_equal(ct__ec_parse("{\"unix_seconds\": 5, \"co2eq\": []}", 32, &r, why, sizeof(why)),
                     CT_EIO);
    assert_string_equal(why, "no unix_seconds and co2eq arrays in the reply");
    why[0] = '\0';
    /* Duplicate keys are refused, not silently resolved. */
    const char *dup = "{\"unix_seconds\": [1], \"co2eq\": [1], \"co2eq\": [2]}";
    assert_int_equal(ct__ec_parse(dup, strlen(dup), &r, why, sizeof(why)), CT_EIO);
    ct_assert_contains(why, "duplicate object key");
    assert_null(r.merged.pts);

    /* Irish wall-clock time: IST (UTC+1) in summer, GMT in winter, the changes at 01:00 UTC. */
    assert_int_equal(ct__eirgrid_time("01-May-2024 11:00:00", &t), 0);
    ct_assert_double_equal(T0, t);
    assert_int_equal(ct__eirgrid_time("15-Jan-2024 10:00:00", &t), 0);
    ct_assert_double_equal(1705312800.0, t);                           /* 2024-01-15T10:00:00Z */
    assert_int_equal(ct__eirgrid_time("31-Mar-2024 00:59:00", &t), 0); /* GMT still */
    ct_assert_double_equal(1711846740.0, t);
    assert_int_equal(ct__eirgrid_time("31-Mar-2024 02:00:00", &t), 0); /* IST from 01:00 UTC */
    ct_assert_double_equal(1711846800.0, t);
    assert_int_equal(ct__eirgrid_time("27-Oct-2024 00:30:00", &t), 0); /* IST: 23:30 UTC */
    ct_assert_double_equal(1729985400.0, t);
    assert_int_equal(ct__eirgrid_time("27-Oct-2024 02:00:00", &t), 0); /* GMT again */
    ct_assert_double_equal(1729994400.0, t);
    assert_int_equal(ct__eirgrid_time("01-May-2024 11:00", &t), -1);
    assert_int_equal(ct__eirgrid_time("01-Mai-2024 11:00:00", &t), -1);
    assert_int_equal(ct__eirgrid_time("32-May-2024 11:00:00", &t), -1);
    assert_int_equal(ct__eirgrid_time(NULL, &t), -1);
    /* October's repeated hour, in row order: 01:00-01:45 IST, then 01:00-01:45 GMT. */
    const char *oct = "{\"Rows\": [{\"EffectiveTime\": \"27-Oct-2024 01:45:00\", \"Value\": 1},"
                      "{\"EffectiveTime\": \"27-Oct-2024 01:00:00\", \"Value\": 2},"
                      "{\"EffectiveTime\": \"27-Oct-2024 01:45:00\", \"Value\": 3},"
                      "{\"EffectiveTime\": \"27-Oct-2024 02:00:00\", \"Value\": 4}]}";
    assert_int_equal(ct__eirgrid_parse(oct, strlen(oct), &s, why, sizeof(why)), CT_OK);
    assert_int_equal(s.n, 4);
    ct_assert_double_equal(1729989900.0, s.pts[0].t_s); /* 00:45 UTC */
    ct_assert_double_equal(1, s.pts[0].g_per_kwh);
    ct_assert_double_equal(1729990800.0, s.pts[1].t_s); /* 01:00 UTC, the second pass */
    ct_assert_double_equal(2, s.pts[1].g_per_kwh);
    ct_assert_double_equal(1729993500.0, s.pts[2].t_s); /* 01:45 UTC */
    ct_assert_double_equal(1729994400.0, s.pts[3].t_s); /* 02:00 UTC */
    ct__series_free(&s);
    assert_string_equal(ct__eirgrid_region("ie"), "ROI");
    assert_string_equal(ct__eirgrid_region("GB-NIR"), "NI");
    assert_null(ct__eirgrid_region("GB"));

    why[0] = '\0';
    assert_int_equal(ct__odre_parse(" ", 1, &s, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "empty reply");
}

/* A year of 15-minute slots (35,040, about 1.3 MB): parsed whole, in well under a second. */
static void test_huge_reply(void **state)
{
    const size_t n = 365 * 96;
    char *buf = malloc(n * 40 + 128), *p = buf;
    struct ct__ec_reply r;
    char why[256] = "";
    (void)state;

    assert_non_null(buf);
    p += sprintf(p, "{\"unix_seconds\": [");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%.0f", i ? "," : "", T0 + 900.0 * (double)i);
    p += sprintf(p, "], \"co2eq\": [");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%zu.5", i ? "," : "", 100 + i % 300);
    p += sprintf(p, "], \"co2eq_forecast\": null, \"deprecated\": false}");
    assert_int_equal(ct__ec_parse(buf, (size_t)(p - buf), &r, why, sizeof(why)), CT_OK);
    assert_int_equal(r.actual.n, n);
    assert_int_equal(r.merged.n, n);
    assert_int_equal(r.n_forecast, 0);
    ct_assert_double_equal(100.5, r.actual.pts[0].g_per_kwh);
    ct_assert_double_equal(900, r.actual.pts[n - 1].dur_s);
    ct__ec_reply_free(&r);

    /* The same bytes from a server, beyond the client's cap: refused, said so. */
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("DE");
    struct ct__intensity ci;
    c.max_reply_bytes = 64 * 1024;
    route(EC_PATH, 200, "energycharts/de_today.json", NULL, 0);
    why[0] = '\0';
    c.max_reply_bytes = 1024;
    assert_int_equal(ct__provider_energycharts.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "reply larger than 1024 bytes");
    free(buf);
}

/* ---- Energy-Charts ---------------------------------------------------------------------- */

/* The provider's state as the carbon thread gives it: zeroed, state_size bytes. */
static void *new_state(const struct ct__carbon_provider *p)
{
    void *st = calloc(1, p->state_size);
    assert_non_null(st);
    return st;
}

static void free_state(const struct ct__carbon_provider *p, void *st)
{
    p->state_free(st);
    free(st);
}

static void test_ec_current_forecast_one_request(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("DE");
    struct ct__intensity ci;
    struct ct__ci_series s = {0};
    double mean, covered;
    char why[512] = "";
    (void)state;

    c.state = new_state(&ct__provider_energycharts);
    route(EC_PATH, 200, "energycharts/de_today.json", NULL, 0);
    assert_int_equal(ct__provider_energycharts.suitable(&c, &l), 1);
    assert_int_equal(ct__provider_energycharts.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    assert_string_equal(why, "");
    /* The latest actual slot, 09:45 (the value at 10:00 is a forecast). */
    ct_assert_double_equal(T0 - 900, ci.time_s);
    ct_assert_double_equal(round((380 + 60 * sin(39 / 96.0 * 2 * M_PI)) * 10) / 10, ci.g_per_kwh);
    assert_int_equal(ci.is_default, 0);
    assert_string_equal(ci.source, "energycharts:DE");
    assert_string_equal(ci.zone, "DE");
    assert_string_equal(ci.description,
                        "Energy-Charts (Fraunhofer ISE) co2eq, DE, 2024-05-01 09:45 UTC.");
    /* The forecast comes from the same reply: no second request. */
    assert_int_equal(ct__provider_energycharts.forecast(&c, &l, 86400, &s, why, sizeof(why)),
                     CT_OK);
    assert_int_equal(s.n, 96);
    assert_string_equal(s.label, "DE");
    ct_assert_double_equal(900, s.pts[0].dur_s);
    /* 10:00-11:00: four forecast slots, each its actual curve + 5. */
    assert_int_equal(ct__series_mean(&s, T0, 3600, &mean, &covered), 0);
    double want = 0;
    for (int i = 40; i < 44; i++)
        want += round((380 + 60 * sin(i / 96.0 * 2 * M_PI)) * 10) / 10 + 5;
    ct_assert_double_near(want / 4, mean, 1e-9);
    ct_assert_double_equal(3600, covered);
    ct__series_free(&s);
    assert_requests((const char *[]){"/co2eq?country=de", NULL});

    /* 14 minutes later: still the cached reply. 15 minutes: asked again. */
    c.now_s = T0 + 420 + 14 * 60;
    assert_int_equal(ct__provider_energycharts.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    assert_requests((const char *[]){"/co2eq?country=de", NULL});
    c.now_s = T0 + 420 + 15 * 60;
    assert_int_equal(ct__provider_energycharts.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    assert_requests((const char *[]){"/co2eq?country=de", "/co2eq?country=de", NULL});
    /* Another country is another request (the cache holds one). */
    l = loc_zone("fr");
    route(EC_PATH, 200, "energycharts/fr_hourly.json", NULL, 0);
    assert_int_equal(ct__provider_energycharts.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_equal(40 + 9, ci.g_per_kwh); /* 09:00, the latest actual hour */
    ct_assert_double_equal(T0 - 3600, ci.time_s);
    assert_string_equal(ci.source, "energycharts:FR");
    assert_int_equal(ct__provider_energycharts.forecast(&c, &l, 86400, &s, why, sizeof(why)),
                     CT_OK);
    assert_int_equal(s.n, 48);
    ct_assert_double_equal(3600, s.pts[47].dur_s);
    ct__series_free(&s);
    assert_requests((const char *[]){"/co2eq?country=fr", NULL});
    free_state(&ct__provider_energycharts, c.state);

    /* Without state (a direct call), every call asks. */
    c.state = NULL;
    route(EC_PATH, 200, "energycharts/fr_hourly.json", NULL, 0);
    assert_int_equal(ct__provider_energycharts.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    assert_int_equal(ct__provider_energycharts.forecast(&c, &l, 3600, &s, why, sizeof(why)), CT_OK);
    ct__series_free(&s);
    assert_requests((const char *[]){"/co2eq?country=fr", "/co2eq?country=fr", NULL});
}

static void test_ec_deprecated_said_once(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("NL");
    struct ct__intensity ci;
    char why[512] = "";
    (void)state;

    c.state = new_state(&ct__provider_energycharts);
    route(EC_PATH, 200, "energycharts/deprecated.json", NULL, 0);
    assert_int_equal(ct__provider_energycharts.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_equal(312.0, ci.g_per_kwh);
    assert_string_equal(why, "Energy-Charts marks /co2eq as deprecated: it may change or stop "
                             "answering, and then the next source is used");
    why[0] = '\0';
    c.now_s += 3600; /* a new request, the same flag: not said again */
    assert_int_equal(ct__provider_energycharts.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    assert_string_equal(why, "");
    assert_requests((const char *[]){"/co2eq?country=nl", "/co2eq?country=nl", NULL});
    free_state(&ct__provider_energycharts, c.state);
}

static void test_ec_no_actual_or_no_forecast(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("AT");
    struct ct__intensity ci;
    struct ct__ci_series s;
    char why[512] = "";
    (void)state;

    /* Actual values only: a current value, no forecast. */
    route(EC_PATH, 200, "energycharts/no_forecast.json", NULL, 0);
    assert_int_equal(ct__provider_energycharts.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_equal(210, ci.g_per_kwh);
    assert_int_equal(ct__provider_energycharts.forecast(&c, &l, 3600, &s, why, sizeof(why)),
                     CT_EIO);
    assert_string_equal(why, "the reply has no co2eq_forecast values (2 slots)");
    assert_null(s.pts);

    /* Only values after now: no current value. */
    why[0] = '\0';
    c.now_s = T0 - 7200;
    route(EC_PATH, 200, "energycharts/no_forecast.json", NULL, 0);
    assert_int_equal(ct__provider_energycharts.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "the reply has no actual co2eq value before now (2 slots)");

    /* Every value null. */
    why[0] = '\0';
    route(EC_PATH, 200, "energycharts/all_null.json", NULL, 0);
    assert_int_equal(ct__provider_energycharts.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "the reply has no usable co2eq values (3 times)");
    assert_requests((const char *[]){"/co2eq?country=at", NULL});
}

static void test_ec_suitability(void **state)
{
    struct ct__carbon_cfg c = cfg();
    char cc[4];
    static const char *const served[] = {"DE", "FR", "AT", "CH", "NL", "BE", "FI", "de", NULL};
    static const char *const not_served[] = {"PL", "GB", "DK-DK1", "IE", "US-MIDA-PJM", "", NULL};
    (void)state;

    for (const char *const *z = served; *z; z++) {
        struct ct__location l = loc_zone(*z);
        if (ct__provider_energycharts.suitable(&c, &l) != 1)
            fail_msg("energycharts should serve %s", *z);
    }
    for (const char *const *z = not_served; *z; z++) {
        struct ct__location l = loc_zone(*z);
        if (ct__provider_energycharts.suitable(&c, &l) != 0)
            fail_msg("energycharts should not serve \"%s\"", *z);
    }
    /* A country from geolocation or the time zone, without a zone. */
    struct ct__location l = loc_zone("");
    snprintf(l.country, sizeof(l.country), "CH");
    assert_int_equal(ct__provider_energycharts.suitable(&c, &l), 1);
    assert_string_equal(ct__ec_country("Fi", cc, sizeof(cc)), "fi");
    assert_null(ct__ec_country("DE-LU", cc, sizeof(cc)));
    assert_null(ct__ec_country(NULL, cc, sizeof(cc)));
}

/* ---- EirGrid ---------------------------------------------------------------------------- */

static void test_eirgrid_roi_and_ni(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("IE");
    struct ct__intensity ci;
    char why[512] = "";
    (void)state;

    route(EIRGRID_PATH, 200, "eirgrid/roi_day.json", NULL, 0);
    assert_int_equal(ct__provider_eirgrid.suitable(&c, &l), 1);
    assert_null(ct__provider_eirgrid.forecast);
    assert_int_equal(ct__provider_eirgrid.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    assert_string_equal(why, "");
    /* 11:00 Irish summer time is 10:00 UTC, the newest row with a value. */
    ct_assert_double_equal(T0, ci.time_s);
    ct_assert_double_equal(240 + (44 % 8) * 3, ci.g_per_kwh);
    assert_string_equal(ci.source, "eirgrid:ROI");
    assert_string_equal(ci.zone, "IE");
    assert_string_equal(ci.description,
                        "EirGrid Smart Grid Dashboard co2intensity, ROI, 2024-05-01 10:00 UTC.");
    assert_requests((const char *[]){"/api/chart/?areas=co2intensity&region=ROI&chartType=default&"
                                     "dateRange=day&dateFrom=30-Apr-2024&dateTo=01-May-2024",
                                     NULL});

    l = loc_zone("GB-NIR");
    route(EIRGRID_PATH, 200, "eirgrid/ni_day.json", NULL, 0);
    assert_int_equal(ct__provider_eirgrid.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_equal(300 + (44 % 8) * 3, ci.g_per_kwh);
    assert_string_equal(ci.source, "eirgrid:NI");
    assert_string_equal(ci.zone, "GB-NIR");
    assert_requests((const char *[]){"/api/chart/?areas=co2intensity&region=NI&chartType=default&"
                                     "dateRange=day&dateFrom=30-Apr-2024&dateTo=01-May-2024",
                                     NULL});

    /* Not Great Britain, not Ireland's neighbours. */
    l = loc_zone("GB");
    assert_int_equal(ct__provider_eirgrid.suitable(&c, &l), 0);
    l = loc_zone("FR");
    assert_int_equal(ct__provider_eirgrid.suitable(&c, &l), 0);

    /* Rows without a value, and no rows. */
    l = loc_zone("IE");
    route(EIRGRID_PATH, 200, "eirgrid/null_values.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__provider_eirgrid.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "no usable CO2 intensity rows (2 rows)");
    route(EIRGRID_PATH, 200, "eirgrid/error_message.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__provider_eirgrid.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "no Rows in the reply; the service says \"Invalid date range\"");
    /* Rows only from the future (a clock behind the service). */
    c.now_s = T0 - 86400;
    route(EIRGRID_PATH, 200, "eirgrid/roi_day.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__provider_eirgrid.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "the reply has no value before now (45 rows)");
}

/* ---- ODRE ------------------------------------------------------------------------------- */

static void test_odre_latest(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("FR");
    struct ct__intensity ci;
    char why[512] = "";
    (void)state;

    route(ODRE_PATH, 200, "odre/latest.json", NULL, 0);
    assert_int_equal(ct__provider_odre.suitable(&c, &l), 1);
    assert_null(ct__provider_odre.forecast);
    assert_int_equal(ct__provider_odre.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_equal(21, ci.g_per_kwh);
    ct_assert_double_equal(T0 - 900, ci.time_s);
    assert_string_equal(ci.source, "odre:eco2mix");
    assert_string_equal(ci.zone, "FR");
    assert_string_equal(ci.description, "RTE eCO2mix taux_co2 (ODRE), France, 2024-05-01 09:45 "
                                        "UTC.");
    assert_requests((const char *[]){ODRE_PATH ODRE_QUERY, NULL});

    /* A 0 is "not computed yet", as null: the newest real value wins. */
    route(ODRE_PATH, 200, "odre/zeros_and_nulls.json", NULL, 0);
    assert_int_equal(ct__provider_odre.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_equal(19, ci.g_per_kwh);
    ct_assert_double_equal(T0 - 2700, ci.time_s);

    route(ODRE_PATH, 400, "odre/error_400.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__provider_odre.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "HTTP 400 Bad Request");
    route(ODRE_PATH, 200, "odre/empty_results.json", NULL, 0);
    why[0] = '\0';
    assert_int_equal(ct__provider_odre.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "no usable taux_co2 records (0 in the reply)");

    l = loc_zone("BE");
    assert_int_equal(ct__provider_odre.suitable(&c, &l), 0);
}

/* ---- the same failures for every provider ---------------------------------------------- */

static int call_provider(int which, const struct ct__carbon_cfg *c, char *why, size_t why_len)
{
    struct ct__location l;
    struct ct__intensity ci;

    switch (which) {
    case 0:
        l = loc_zone("BE");
        return ct__provider_energycharts.current(c, &l, &ci, why, why_len);
    case 1:
        l = loc_zone("IE");
        return ct__provider_eirgrid.current(c, &l, &ci, why, why_len);
    default:
        l = loc_zone("FR");
        return ct__provider_odre.current(c, &l, &ci, why, why_len);
    }
}

static void test_failures_every_provider(void **state)
{
    static const char *const names[] = {"energycharts", "eirgrid", "odre"};
    static const char *const paths[] = {EC_PATH, EIRGRID_PATH, ODRE_PATH};
    static const char *const prefixes[] = {"energycharts", "eirgrid", "odre"};
    static const struct {
        int status;
        const char *file; /* "<provider>/..." when set, else body */
        const char *body;
        double delay;
        int rc;
        const char *want; /* a trailing '*' means "starts with" */
    } cases[] = {
        {401, NULL, "{}", 0, CT_EPERM, "HTTP 401 Unauthorized"},
        {403, NULL, "<html>Forbidden</html>", 0, CT_EPERM, "HTTP 403 Forbidden"},
        {429, NULL, "{}", 0, CT_EIO, "HTTP 429 Too Many Requests (rate limited)"},
        {500, NULL, "", 0, CT_EIO, "HTTP 500 Internal Server Error"},
        {503, "html_error.json", NULL, 0, CT_EIO, "HTTP 503 Service Unavailable"},
        {200, "html_error.json", NULL, 0, CT_EIO, "malformed JSON at line 1 column 1: *"},
        {200, "truncated.json", NULL, 0, CT_EIO, "malformed JSON at line 1 column *"},
        {200, NULL, "", 0, CT_EIO, "HTTP 200 with an empty reply"},
        {200, NULL, "{}", 2.0, CT_EIO, "Operation timed out after *"},
    };
    (void)state;

    for (int p = 0; p < 3; p++) {
        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
            struct ct__carbon_cfg c = cfg();
            char why[512] = "", file[128];
            size_t wl = strlen(cases[k].want);
            c.timeout_ms = 300;
            snprintf(file, sizeof(file), "%s/%s", prefixes[p], cases[k].file ? cases[k].file : "");
            route(paths[p], cases[k].status, cases[k].file ? file : NULL, cases[k].body,
                  cases[k].delay);
            if (call_provider(p, &c, why, sizeof(why)) != cases[k].rc)
                fail_msg("%s, case %zu: rc, reason \"%s\"", names[p], k, why);
            if (cases[k].want[wl - 1] == '*' ? strncmp(why, cases[k].want, wl - 1) != 0
                                             : strcmp(why, cases[k].want) != 0)
                fail_msg("%s, case %zu: \"%s\", expected \"%s\"", names[p], k, why, cases[k].want);
            json_t *reqs = fake_http_requests(&ph_srv);
            assert_int_equal(json_array_size(reqs), 1);
            json_decref(reqs);
        }
        /* A reply beyond the client's size cap. */
        {
            static const char *const big[] = {"energycharts/de_today.json", "eirgrid/roi_day.json",
                                              "odre/full_record.json"};
            struct ct__carbon_cfg c = cfg();
            char why[512] = "";
            c.max_reply_bytes = 256;
            route(paths[p], 200, big[p], NULL, 0);
            assert_int_equal(call_provider(p, &c, why, sizeof(why)), CT_EIO);
            assert_string_equal(why, "reply larger than 256 bytes");
        }
        /* Connection refused. */
        struct ct__carbon_cfg c = cfg();
        char why[512] = "", dead[128];
        snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", fake_http_refused_port());
        assert_int_equal(ct__settings_set(&ph_settings, names[p], "url", dead), CT_OK);
        assert_int_equal(call_provider(p, &c, why, sizeof(why)), CT_EIO);
        if (strstr(why, "Couldn't connect to server") == NULL)
            fail_msg("%s refused: \"%s\"", names[p], why);
    }
}

/* ---- zones ------------------------------------------------------------------------------ */

static void test_zones(void **state)
{
    char *text = NULL;
    json_t *root, *zones;
    size_t i;
    const json_t *z;
    int seen = 0;
    (void)state;

    assert_int_equal(ct__provider_needs_key(&ct__provider_electricitymaps), 1);
    assert_int_equal(ct__provider_needs_key(&ct__provider_energycharts), 0);
    assert_int_equal(ct__provider_serves(&ct__provider_electricitymaps, "JP-TK"), 1);
    assert_int_equal(ct__provider_serves(&ct__provider_eirgrid, "gb-nir"), 1);
    assert_int_equal(ct__provider_serves(&ct__provider_eirgrid, ""), 0);
    assert_int_equal(ct_zones_json(NULL), CT_EINVAL);
    assert_int_equal(ct_zones_json(&text), CT_OK);
    root = json_loads(text, 0, NULL);
    assert_non_null(root);
    zones = json_object_get(root, "zones");
    json_array_foreach(zones, i, z)
    {
        const char *name = json_string_value(json_object_get(z, "zone"));
        const json_t *ps = json_object_get(z, "providers");
        const json_t *pz;
        size_t k;
        int keyless = 0;
        /* A key is needed where every source of the zone needs one (EIA, ENTSO-E zones). */
        json_array_foreach(ps, k, pz) keyless |= !json_is_true(json_object_get(pz, "key_needed"));
        assert_int_equal(json_is_true(json_object_get(z, "key_needed")), !keyless);
        /* Electricity Maps first (with a key it is preferred), then the zone's own. */
        assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 0), "name")),
                            "electricitymaps");
        assert_true(json_is_true(json_object_get(json_array_get(ps, 0), "key_needed")));
        if (i > 0)
            ct_assert_cmp_int(
                strcmp(json_string_value(json_object_get(json_array_get(zones, i - 1), "zone")),
                       name),
                <, 0);
        if (strcmp(name, "FR") == 0) {
            assert_int_equal(json_array_size(ps), 4); /* then ENTSO-E, with a token */
            assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 1), "name")),
                                "energycharts");
            assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 2), "name")),
                                "odre");
            assert_false(json_is_true(json_object_get(json_array_get(ps, 2), "forecast")));
            seen++;
        }
        if (strcmp(name, "GB-NIR") == 0 || strcmp(name, "IE") == 0) {
            assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 1), "name")),
                                "eirgrid");
            seen++;
        }
        if (strcmp(name, "US-TEN-TVA") == 0) {
            assert_true(json_is_true(json_object_get(z, "key_needed")));
            assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 1), "name")),
                                "eia");
            seen++;
        }
    }
    assert_int_equal(seen, 4);
    ct_assert_cmp_int(json_array_size(zones), >=, 14);
    assert_true(json_is_true(json_object_get(json_object_get(root, "any_zone"), "key_needed")));
    json_decref(root);
    ct_free(text);
}

/* ---- cloud regions ---------------------------------------------------------------------- */

static void test_cloud_regions_by_name(void **state)
{
    static const struct {
        const char *name, *zone, *country, *canonical;
    } cases[] = {
        {"aws:us-east-1", "US-MIDA-PJM", "US", "aws:us-east-1"},
        {"AWS:US-East-1", "US-MIDA-PJM", "US", "aws:us-east-1"},
        {"aws:us-east-1a", "US-MIDA-PJM", "US", "aws:us-east-1"}, /* an availability zone */
        {"gcp:europe-west4", "NL", "NL", "gcp:europe-west4"},
        {"gcp:europe-west4-a", "NL", "NL", "gcp:europe-west4"}, /* a GCP zone */
        {"azure:westeurope", "NL", "NL", "azure:westeurope"},
        {"azure:northeurope", "IE", "IE", "azure:northeurope"},
        {"gcp:us-south1", "US-TEX-ERCO", "US", "gcp:us-south1"},
    };
    struct ct__location l;
    char why[512];
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ct__location_query q = {.zone = cases[i].name};
        why[0] = '\0';
        ct__location_resolve(&q, &l, why, sizeof(why));
        if (strcmp(l.zone, cases[i].zone) != 0 || strcmp(l.country, cases[i].country) != 0 ||
            strcmp(l.cloud_region, cases[i].canonical) != 0 || l.method != CT__LOC_OPTION ||
            why[0] != '\0')
            fail_msg("%s: zone \"%s\" country \"%s\" cloud \"%s\" method %d note \"%s\"",
                     cases[i].name, l.zone, l.country, l.cloud_region, l.method, why);
    }
    struct ct__location_query q = {.zone = "azure:westeurope"};
    ct__location_resolve(&q, &l, why, sizeof(why));
    assert_string_equal(l.address, "NL (azure:westeurope, set by option)");

    /* Unknown: said, and the next way to find the location is used. */
    static const char *const unknown[] = {"aws:us-east-9",   "oracle:us-ashburn-1", "gcp:", ":x",
                                          "aws:us-east-1ab", "gcp:europe-west4-ab"};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        struct ct__location_query u = {.zone = unknown[i], .tz = ""};
        why[0] = '\0';
        ct__location_resolve(&u, &l, why, sizeof(why));
        if (l.method == CT__LOC_OPTION || l.cloud_region[0] != '\0' ||
            strstr(why, "not a cloud region carbontracker knows") == NULL)
            fail_msg("%s: method %d, note \"%s\"", unknown[i], l.method, why);
    }

    /* The shipped table: well-formed, one row per region, the three clouds' major regions. */
    size_t per_cloud[3] = {0};
    for (size_t i = 0; i < ct__cloud_region_count; i++) {
        const struct ct__cloud_region_entry *e = &ct__cloud_region_table[i];
        char name[96];
        per_cloud[e->cloud[0] == 'a' ? (e->cloud[1] == 'w' ? 0 : 2) : 1]++;
        snprintf(name, sizeof(name), "%s:%s", e->cloud, e->region);
        assert_ptr_equal(ct__cloud_region_find(name), e);
        assert_true(e->zone[0] >= 'A' && e->zone[0] <= 'Z' && e->zone[1] >= 'A' &&
                    e->zone[1] <= 'Z' && (e->zone[2] == '\0' || e->zone[2] == '-'));
    }
    ct_assert_cmp_uint(per_cloud[0], >=, 25);
    ct_assert_cmp_uint(per_cloud[1], >=, 30);
    ct_assert_cmp_uint(per_cloud[2], >=, 30);
}

/* Routes for the three metadata services (a NULL reply: that service is not there). */
static void metadata_routes(const char *gcp, const char *azure, const char *aws_region)
{
    json_t *routes = json_array();
    if (gcp != NULL)
        json_array_append_new(routes, json_pack("{s:s, s:[{s:i, s:s}]}", "path",
                                                "/gcp/computeMetadata/v1/instance/zone",
                                                "responses", "status", 200, "body", gcp));
    if (azure != NULL)
        json_array_append_new(routes, json_pack("{s:s, s:[{s:i, s:s}]}", "path",
                                                "/azure/metadata/instance/compute/location",
                                                "responses", "status", 200, "body", azure));
    if (aws_region != NULL) {
        json_array_append_new(routes,
                              json_pack("{s:s, s:[{s:i, s:s}]}", "path", "/aws/latest/api/token",
                                        "responses", "status", 200, "body", "AQAEAtoken=="));
        json_array_append_new(routes, json_pack("{s:s, s:[{s:i, s:s}]}", "path",
                                                "/aws/latest/meta-data/placement/region",
                                                "responses", "status", 200, "body", aws_region));
    }
    ph_routes(json_pack("{s:o}", "routes", routes));
}

static struct ct__carbon_cfg cloud_cfg(void)
{
    struct ct__carbon_cfg c = cfg();
    assert_int_equal(
        ct__settings_set(&ph_settings, "cloud", "gcp_url", fake_http_url(&ph_srv, "/gcp")), CT_OK);
    assert_int_equal(
        ct__settings_set(&ph_settings, "cloud", "azure_url", fake_http_url(&ph_srv, "/azure")),
        CT_OK);
    assert_int_equal(
        ct__settings_set(&ph_settings, "cloud", "aws_url", fake_http_url(&ph_srv, "/aws")), CT_OK);
    return c;
}

static void test_cloud_detection(void **state)
{
    const struct ct__cloud_region_entry *e;
    char why[512] = "";
    json_t *reqs;
    (void)state;

    /* Google Cloud: the instance's zone, with the Metadata-Flavor header. */
    struct ct__carbon_cfg c = cloud_cfg();
    metadata_routes("projects/123456789/zones/europe-west4-a\n", NULL, NULL);
    assert_int_equal(ct__cloud_detect(&c, &e, why, sizeof(why)), CT_OK);
    assert_string_equal(e->zone, "NL");
    assert_string_equal(e->region, "europe-west4");
    reqs = fake_http_requests(&ph_srv);
    assert_int_equal(json_array_size(reqs), 1);
    assert_string_equal(fake_http_path(reqs, 0), "/gcp/computeMetadata/v1/instance/zone");
    assert_string_equal(fake_http_header(reqs, 0, "metadata-flavor"), "Google");
    json_decref(reqs);

    /* Azure: GCP's server is not there (404 here), then the location as text. */
    metadata_routes(NULL, "westeurope", NULL);
    assert_int_equal(ct__cloud_detect(&c, &e, why, sizeof(why)), CT_OK);
    assert_string_equal(e->cloud, "azure");
    assert_string_equal(e->zone, "NL");
    reqs = fake_http_requests(&ph_srv);
    assert_int_equal(json_array_size(reqs), 2);
    assert_string_equal(fake_http_path(reqs, 1), "/azure/metadata/instance/compute/"
                                                 "location?api-version=2021-02-01&format=text");
    assert_string_equal(fake_http_header(reqs, 1, "metadata"), "true");
    json_decref(reqs);

    /* AWS, IMDSv2: a PUT for a token, then the region with it. */
    metadata_routes(NULL, NULL, "us-east-2");
    assert_int_equal(ct__cloud_detect(&c, &e, why, sizeof(why)), CT_OK);
    assert_string_equal(e->zone, "US-MIDA-PJM");
    reqs = fake_http_requests(&ph_srv);
    assert_int_equal(json_array_size(reqs), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 2), "method")),
                        "PUT");
    assert_string_equal(fake_http_path(reqs, 2), "/aws/latest/api/token");
    assert_string_equal(fake_http_header(reqs, 2, "x-aws-ec2-metadata-token-ttl-seconds"), "60");
    assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 3), "method")),
                        "GET");
    assert_string_equal(fake_http_path(reqs, 3), "/aws/latest/meta-data/placement/region");
    assert_string_equal(fake_http_header(reqs, 3, "x-aws-ec2-metadata-token"), "AQAEAtoken==");
    json_decref(reqs);

    /* A region the table lacks, a reply that is no region name, nothing there. */
    metadata_routes(NULL, "marsnorth", NULL);
    why[0] = '\0';
    assert_int_equal(ct__cloud_detect(&c, &e, why, sizeof(why)), CT_ENOTSUP);
    assert_null(e);
    ct_assert_contains(why, "azure: region azure:marsnorth is not in carbontracker's table");
    metadata_routes("<html>captive portal</html>", NULL, NULL);
    why[0] = '\0';
    assert_int_equal(ct__cloud_detect(&c, &e, why, sizeof(why)), CT_ENOTSUP);
    ct_assert_contains(why, "gcp: not a region name");
    metadata_routes(NULL, NULL, NULL);
    why[0] = '\0';
    assert_int_equal(ct__cloud_detect(&c, &e, why, sizeof(why)), CT_ENOTSUP);
    assert_string_equal(why, "gcp: HTTP 404; azure: HTTP 404; aws: HTTP 404");

    /* Off: no request at all. */
    metadata_routes("projects/1/zones/europe-west4-a", NULL, NULL);
    assert_int_equal(ct__settings_set(&ph_settings, "cloud", "detect", "0"), CT_OK);
    why[0] = '\0';
    assert_int_equal(ct__cloud_detect(&c, &e, why, sizeof(why)), CT_ENOTSUP);
    assert_string_equal(why, "cloud detection is off (cloud.detect=0)");
    assert_requests((const char *[]){NULL});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_parsers),
        cmocka_unit_test(test_parser_edges),
        cmocka_unit_test(test_huge_reply),
        cmocka_unit_test(test_ec_current_forecast_one_request),
        cmocka_unit_test(test_ec_deprecated_said_once),
        cmocka_unit_test(test_ec_no_actual_or_no_forecast),
        cmocka_unit_test(test_ec_suitability),
        cmocka_unit_test(test_eirgrid_roi_and_ni),
        cmocka_unit_test(test_odre_latest),
        cmocka_unit_test(test_failures_every_provider),
        cmocka_unit_test(test_zones),
        cmocka_unit_test(test_cloud_regions_by_name),
        cmocka_unit_test(test_cloud_detection),
    };
    return cmocka_run_group_tests(tests, ph_group_setup, ph_group_teardown);
}
