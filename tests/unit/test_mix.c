/*
 * test_mix.c - intensity from a generation mix and the providers that compute it (EIA, ENTSO-E):
 * the arithmetic against hand-computed examples, the compiled-in factors and a factors file, the
 * offline table's US balancing authorities, both reply parsers against golden files
 * (tests/fixtures/http/eia, tests/fixtures/http/entsoe), and both providers against a real HTTP
 * server on 127.0.0.1 (tests/fakes/http_server.py): success, empty, nulls, stale, HTML error
 * pages that echo the URL (and so the key), 401/403/429/500, truncated and oversized replies,
 * with the exact request asserted. CT_UPDATE_GOLDEN=1 rewrites the golden files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../fakes/fake_http.h"
#include "account.h"
#include "backends.h"
#include "carbon/eia.h"
#include "carbon/entsoe.h"
#include "carbon/mix.h"
#include "carbon/provider.h"
#include "carbon/refresh.h"
#include "ct_assert.h"
#include "provider_harness.h"
#include "util/http.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

#define KEY "EIASECRET-42xyz"
/* No piece of 4+ characters in common with the messages (every such piece is redacted). */
#define TOKEN "XQZTOKEN-0d9f8e7c"
#define NOW 1787314800.0 /* 2026-08-21T12:20:00Z */

static char eia_url[128], entsoe_url[128];

static int group_setup(void **state)
{
    if (ph_group_setup(state) != 0)
        return -1;
    snprintf(eia_url, sizeof(eia_url), "http://127.0.0.1:%d/v2", ph_srv.port);
    snprintf(entsoe_url, sizeof(entsoe_url), "http://127.0.0.1:%d", ph_srv.port);
    return 0;
}

/* The settings as a tracker resolves them: the EIA URL of the test server and the key. */
static struct ct__carbon_cfg cfg(void)
{
    ct_options o = CT_OPTIONS_INIT;
    char url[160], key[64], eurl[160], ekey[64];
    const char *settings[] = {url, key, eurl, ekey, NULL};
    snprintf(url, sizeof(url), "eia.url=%s", eia_url);
    snprintf(key, sizeof(key), "eia.api_key=%s", KEY);
    snprintf(eurl, sizeof(eurl), "entsoe.url=%s", entsoe_url);
    snprintf(ekey, sizeof(ekey), "entsoe.api_key=%s", TOKEN);
    o.settings = settings;
    return ph_cfg(&o, NOW);
}

static struct ct__location loc_zone(const char *zone)
{
    return ph_loc_zone(zone, NULL, 0);
}

static void route(const char *path, int status, const char *file, const char *body, int echo)
{
    ph_route(path, json_pack("{s:i, s:b}", "status", status, "echo", echo), file, body);
}

#define EIA_PATH "/v2/electricity/rto/fuel-type-data/data/"

/* ---- the arithmetic --------------------------------------------------------------------- */

static void test_mix_hand_computed(void **state)
{
    struct ct__factors f;
    struct ct__mix m;
    double v = 0, total = 0;
    (void)state;

    ct__factors_default(NULL, &f);
    /* The defaults: IPCC 2014 medians as Electricity Maps uses them. */
    ct_assert_double_equal(820.0, f.g_per_kwh[CT__FUEL_COAL]);
    ct_assert_double_equal(490.0, f.g_per_kwh[CT__FUEL_GAS]);
    ct_assert_double_equal(650.0, f.g_per_kwh[CT__FUEL_OIL]);
    ct_assert_double_equal(230.0, f.g_per_kwh[CT__FUEL_BIOMASS]);
    ct_assert_double_equal(38.0, f.g_per_kwh[CT__FUEL_GEOTHERMAL]);
    ct_assert_double_equal(24.0, f.g_per_kwh[CT__FUEL_HYDRO]);
    ct_assert_double_equal(12.0, f.g_per_kwh[CT__FUEL_NUCLEAR]);
    ct_assert_double_equal(45.0, f.g_per_kwh[CT__FUEL_SOLAR]);
    ct_assert_double_equal(11.0, f.g_per_kwh[CT__FUEL_WIND]);
    ct_assert_double_equal(700.0, f.g_per_kwh[CT__FUEL_UNKNOWN]);
    assert_string_equal(f.name, "ipcc2014");
    ct_assert_contains(f.source, "IPCC 2014");

    /* Coal and gas half and half: (820 + 490) / 2. */
    memset(&m, 0, sizeof(m));
    ct__mix_add(&m, CT__FUEL_COAL, 100);
    ct__mix_add(&m, CT__FUEL_GAS, 100);
    assert_int_equal(ct__mix_intensity(&m, &f, &v, &total), 0);
    ct_assert_double_equal(655.0, v);
    ct_assert_double_equal(200.0, total);

    /* A PJM-like hour; battery charging (-300) and pumped storage (200) are left out:
     * (20000x820 + 40000x490 + 33000x12 + 2000x11 + 1000x45 + 1000x24 + 500x650 + 500x700)
     * / 98000 = 37162000 / 98000. */
    memset(&m, 0, sizeof(m));
    ct__mix_add(&m, CT__FUEL_COAL, 20000);
    ct__mix_add(&m, CT__FUEL_GAS, 40000);
    ct__mix_add(&m, CT__FUEL_NUCLEAR, 33000);
    ct__mix_add(&m, CT__FUEL_WIND, 2000);
    ct__mix_add(&m, CT__FUEL_SOLAR, 1000);
    ct__mix_add(&m, CT__FUEL_HYDRO, 1000);
    ct__mix_add(&m, CT__FUEL_OIL, 500);
    ct__mix_add(&m, CT__FUEL_UNKNOWN, 500);
    ct__mix_add(&m, CT__FUEL_STORAGE, -300);
    ct__mix_add(&m, CT__FUEL_STORAGE, 200);
    assert_int_equal(m.reported, 10);
    assert_int_equal(ct__mix_intensity(&m, &f, &v, &total), 0);
    ct_assert_double_equal(37162000.0 / 98000.0, v);
    ct_assert_double_within(379.2040816326531, v, 1e-9);
    ct_assert_double_equal(98000.0, total);

    /* Solar at night reads negative: ignored, wind alone remains. */
    memset(&m, 0, sizeof(m));
    ct__mix_add(&m, CT__FUEL_WIND, 100);
    ct__mix_add(&m, CT__FUEL_SOLAR, -5);
    ct__mix_add(&m, CT__FUEL_GAS, NAN);
    assert_int_equal(ct__mix_intensity(&m, &f, &v, NULL), 0);
    ct_assert_double_equal(11.0, v);

    /* Nothing generates: no intensity. */
    memset(&m, 0, sizeof(m));
    ct__mix_add(&m, CT__FUEL_SOLAR, -5);
    ct__mix_add(&m, CT__FUEL_STORAGE, 50);
    assert_int_equal(ct__mix_intensity(&m, &f, &v, NULL), -1);

    assert_int_equal(ct__fuel_parse("Other"), CT__FUEL_UNKNOWN);
    assert_int_equal(ct__fuel_parse("lignite"), CT__FUEL_NONE);
    assert_string_equal(ct__fuel_name(CT__FUEL_GEOTHERMAL), "geothermal");
}

static void test_factors_file(void **state)
{
    static const char text[] = "zone,mode,gCO2eq/kWh,source\n"
                               "# coal as eGRID has it\n"
                               "*,coal,1000,my note\n"
                               "US-MIDA-PJM,gas,500\r\n"
                               "DE,gas,300,other zone\n";
    struct ct__factors f;
    struct ct__mix m;
    char why[256] = "";
    double v;
    (void)state;

    memset(&m, 0, sizeof(m));
    ct__mix_add(&m, CT__FUEL_COAL, 100);
    ct__mix_add(&m, CT__FUEL_GAS, 100);

    /* In PJM: (1000 x 100 + 500 x 100) / 200 = 750. */
    ct__factors_default("US-MIDA-PJM", &f);
    assert_int_equal(
        ct__factors_parse(text, strlen(text), "us-mida-pjm", "f.csv", &f, why, sizeof(why)), CT_OK);
    assert_int_equal(ct__mix_intensity(&m, &f, &v, NULL), 0);
    ct_assert_double_equal(750.0, v);
    assert_string_equal(f.name, "ipcc2014+file");
    ct_assert_contains(f.source, "coal, gas from f.csv");

    /* Elsewhere only the "*" row applies: (1000 x 100 + 490 x 100) / 200 = 745. */
    ct__factors_default("US-TEX-ERCO", &f);
    assert_int_equal(
        ct__factors_parse(text, strlen(text), "US-TEX-ERCO", "f.csv", &f, why, sizeof(why)), CT_OK);
    assert_int_equal(ct__mix_intensity(&m, &f, &v, NULL), 0);
    ct_assert_double_equal(745.0, v);

    /* Bad rows are refused with the line and what to write, f unchanged. */
    ct__factors_default(NULL, &f);
    static const char bad_mode[] = "zone,mode,g\n*,lignite,1100\n";
    assert_int_equal(ct__factors_parse(bad_mode, strlen(bad_mode), "DE", "x", &f, why, sizeof(why)),
                     CT_EINVAL);
    ct_assert_contains(why, "line 2: unknown mode \"lignite\" (coal, gas,");
    ct_assert_double_equal(820.0, f.g_per_kwh[CT__FUEL_COAL]);
    why[0] = '\0';
    static const char bad_value[] = "zone,mode,g\n*,coal,-3\n";
    assert_int_equal(
        ct__factors_parse(bad_value, strlen(bad_value), "DE", "x", &f, why, sizeof(why)),
        CT_EINVAL);
    ct_assert_contains(why, "line 2: gCO2eq/kWh must be a number from 0 to 5000");
    why[0] = '\0';
    static const char short_row[] = "zone,mode,g\n*\n";
    assert_int_equal(
        ct__factors_parse(short_row, strlen(short_row), "DE", "x", &f, why, sizeof(why)),
        CT_EINVAL);
    ct_assert_contains(why, "line 2: expected zone,mode,gCO2eq/kWh[,source]");

    /* A file that is not there is named. */
    why[0] = '\0';
    assert_int_equal(ct__factors_load("DE", "/nonexistent/factors.csv", &f, why, sizeof(why)),
                     CT_EIO);
    ct_assert_contains(why, "cannot read the emission factors file /nonexistent/factors.csv");
}

/* ---- the offline table ------------------------------------------------------------------- */

static void test_table_us_zones(void **state)
{
    struct ct__intensity ci;
    struct ct__location l;
    double us;
    (void)state;

    assert_int_equal(ct__table_lookup("US", &us, NULL), 0);
    l = loc_zone("US-TEX-ERCO");
    assert_int_equal(ct__provider_table.current(NULL, &l, &ci, NULL, 0), CT_OK);
    ct_assert_double_equal(332.937, ci.g_per_kwh); /* eGRID2023 BA23: 734.0 lb/MWh */
    assert_string_equal(ci.source, "table:egrid:US-TEX-ERCO:2023");
    assert_string_equal(ci.zone, "US-TEX-ERCO");
    ct_assert_contains(ci.description, "for US-TEX-ERCO in 2023 of 332.94 gCO2/kWh");
    /* The case the user typed does not matter. */
    l = loc_zone("US-nw-bpat");
    assert_int_equal(ct__provider_table.current(NULL, &l, &ci, NULL, 0), CT_OK);
    ct_assert_double_equal(96.388, ci.g_per_kwh);
    /* A zone without its own row falls back to the US figure. */
    l = loc_zone("US-MIDA-PJM");
    assert_int_equal(ct__provider_table.current(NULL, &l, &ci, NULL, 0), CT_OK);
    ct_assert_double_equal(us, ci.g_per_kwh);
    ct_assert_contains(ci.source, "table:owid:US:");
    /* Countries are unchanged. */
    l = loc_zone("DK-DK1");
    assert_int_equal(ct__provider_table.current(NULL, &l, &ci, NULL, 0), CT_OK);
    assert_string_equal(ci.source, "table:owid:DK:2023");
}

/* ---- the EIA parser: golden files ----------------------------------------------------------- */

static char *golden_text(const char *provider, const char *buf, size_t len)
{
    char *out = NULL, why[512] = "", t[32];
    size_t olen = 0;
    FILE *m = open_memstream(&out, &olen);
    struct ct__mix_series ms;
    struct ct__factors f;
    struct ct__intensity ci;
    int rc = strcmp(provider, "eia") == 0 ? ct__eia_parse(buf, len, &ms, why, sizeof(why))
                                          : ct__entsoe_parse(buf, len, &ms, why, sizeof(why));

    assert_non_null(m);
    ct__factors_default(NULL, &f);
    if (rc != CT_OK) {
        fprintf(m, "error %s: %s\n", ct_status_name(rc), why);
        fclose(m);
        return out;
    }
    fprintf(m, "ok %zu slot(s)\n", ms.n);
    for (size_t i = 0; i < ms.n; i++) {
        double v;
        ct__format_utc(ms.slots[i].t_s, "%Y-%m-%dT%H:%MZ", t, sizeof(t));
        fprintf(m, "  %s +%.0fs reported %d:", t, ms.slots[i].dur_s, ms.slots[i].mix.reported);
        for (int k = 0; k < CT__FUEL_COUNT; k++)
            if (ms.slots[i].mix.mw[k] > 0)
                fprintf(m, " %s=%g", ct__fuel_name(k), ms.slots[i].mix.mw[k]);
        if (ct__mix_intensity(&ms.slots[i].mix, &f, &v, NULL) == 0)
            fprintf(m, " -> %.4f g/kWh\n", v);
        else
            fprintf(m, " -> no generation\n");
    }
    why[0] = '\0';
    rc = ct__mix_current(&ms, &f, provider, "X", "test", NOW, &ci, why, sizeof(why));
    if (rc == CT_OK)
        fprintf(m, "current %.4f source \"%s\" note \"%s\"\n  \"%s\"\n", ci.g_per_kwh, ci.source,
                why, ci.description);
    else
        fprintf(m, "current error %s: %s\n", ct_status_name(rc), why);
    ct__mix_series_free(&ms);
    fclose(m);
    return out;
}

/* libxml2 prints nothing, whatever the reply: stderr stays empty while every ENTSO-E fixture is
 * parsed (bad encodings, external entities, truncation). */
static void test_entsoe_silent(void **state)
{
    const char *tmp = getenv("CT_FIXTURE_TMP");
    char path[1024];
    int saved, fd;
    size_t len = 0;
    char *err;
    (void)state;

    assert_non_null(tmp);
    snprintf(path, sizeof(path), "%s/test_mix_stderr.txt", tmp);
    fflush(stderr);
    saved = dup(2);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    ph_golden_replies("entsoe", ".xml", golden_text);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    err = ph_read_fixture(path, &len);
    assert_non_null(err);
    assert_int_equal(len, 0);
    free(err);
    unlink(path);
}

static void test_golden(void **state)
{
    (void)state;
    ct_assert_cmp_int(ph_golden_replies("eia", ".json", golden_text), >=, 8);
    ct_assert_cmp_int(ph_golden_replies("entsoe", ".xml", golden_text), >=, 8);
}

static void test_eia_zones(void **state)
{
    struct ct__carbon_cfg c;
    struct ct__location l;
    (void)state;

    assert_string_equal(ct__eia_respondent("US-MIDA-PJM"), "PJM");
    assert_string_equal(ct__eia_respondent("us-tex-erco"), "ERCO");
    assert_string_equal(ct__eia_respondent("US-TEN-TVA"), "TVA");
    assert_string_equal(ct__eia_respondent("US-SE-SOCO"), "SOCO");
    assert_string_equal(ct__eia_respondent("US-MIDW-MISO"), "MISO");
    assert_string_equal(ct__eia_respondent("US-CAL-CISO"), "CISO");
    assert_null(ct__eia_respondent("US"));
    assert_null(ct__eia_respondent("DE"));
    assert_int_equal(ct__eia_fuel("COL"), CT__FUEL_COAL);
    assert_int_equal(ct__eia_fuel("BAT"), CT__FUEL_STORAGE);
    assert_int_equal(ct__eia_fuel("XYZ"), CT__FUEL_UNKNOWN);
    /* Every zone it lists is one it answers for. */
    for (const char *const *z = ct__provider_eia.zones; *z != NULL; z++)
        assert_non_null(ct__eia_respondent(*z));

    c = cfg();
    l = loc_zone("US-MIDA-PJM");
    assert_true(ct__provider_eia.suitable(&c, &l));
    l = loc_zone("DE");
    assert_false(ct__provider_eia.suitable(&c, &l));
    assert_int_equal(ct__settings_set(&ph_settings, "eia", "api_key", NULL), CT_OK);
    l = loc_zone("US-MIDA-PJM");
    assert_false(ct__provider_eia.suitable(&c, &l));
}

/* ---- the EIA provider against a server ---------------------------------------------------- */

static void test_eia_success(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("US-MIDA-PJM");
    struct ct__intensity ci;
    char why[512] = "";
    json_t *reqs;
    (void)state;

    route(EIA_PATH, 200, "eia/success.json", NULL, 0);
    assert_int_equal(ct__provider_eia.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    /* The hour ending 12:00 has two fuels so far: the hour ending 11:00 is used. */
    ct_assert_double_within(37162000.0 / 98000.0, ci.g_per_kwh, 1e-9);
    assert_string_equal(ci.source, "eia:PJM:ipcc2014");
    assert_string_equal(ci.zone, "US-MIDA-PJM");
    ct_assert_contains(ci.description, "EIA-930 hourly generation by fuel, PJM, 2026-08-21 10:00 "
                                       "UTC, 98000 MW; factors: IPCC 2014 life-cycle medians");
    assert_string_equal(why, "");
    reqs = fake_http_requests(&ph_srv);
    assert_int_equal(json_array_size(reqs), 1);
    assert_string_equal(fake_http_path(reqs, 0),
                        EIA_PATH "?api_key=" KEY "&frequency=hourly&data%5B0%5D=value"
                                 "&facets%5Brespondent%5D%5B%5D=PJM&start=2026-08-20T12"
                                 "&sort%5B0%5D%5Bcolumn%5D=period&sort%5B0%5D%5Bdirection%5D=desc"
                                 "&offset=0&length=5000");
    json_decref(reqs);

    /* A factors file given as the setting changes the value and says so in the source. */
    const char *tmp = getenv("CT_FIXTURE_TMP");
    char path[1024];
    assert_non_null(tmp);
    snprintf(path, sizeof(path), "%s/test_mix_factors.csv", tmp);
    fake_http_write(path, "zone,mode,gCO2eq/kWh,source\nUS-MIDA-PJM,coal,1071.5,eGRID 2023\n");
    assert_int_equal(ct__settings_set(&ph_settings, "eia", "factors", path), CT_OK);
    why[0] = '\0';
    assert_int_equal(ct__provider_eia.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_within((37162000.0 + 20000 * (1071.5 - 820)) / 98000.0, ci.g_per_kwh, 1e-9);
    assert_string_equal(ci.source, "eia:PJM:ipcc2014+file");
    ct_assert_contains(ci.description, "coal from test_mix_factors.csv");
    /* A broken one is an error that names it, before any request. */
    fake_http_write(path, "zone,mode,gCO2eq/kWh\n*,peat,1100\n");
    why[0] = '\0';
    assert_int_equal(ct__provider_eia.current(&c, &l, &ci, why, sizeof(why)), CT_EINVAL);
    ct_assert_contains(why, "unknown mode \"peat\"");
    ct_assert_contains(why, "test_mix_factors.csv");
    unlink(path);
}

static void test_eia_stale_empty_nulls(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("US-MIDA-PJM");
    struct ct__intensity ci;
    char why[512] = "";
    (void)state;

    /* Hours later the same reply still gives its newest complete hour, stamped with its start:
     * the carbon thread judges the age (test_eia_stale_skipped). */
    route(EIA_PATH, 200, "eia/success.json", NULL, 0);
    c.now_s = NOW + 6 * 3600;
    assert_int_equal(ct__provider_eia.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    ct_assert_double_within(37162000.0 / 98000.0, ci.g_per_kwh, 1e-9);
    ct_assert_double_equal(NOW - 2 * 3600 - 20 * 60, ci.time_s); /* 10:00 */

    c.now_s = NOW;
    why[0] = '\0';
    route(EIA_PATH, 200, "eia/empty.json", NULL, 0);
    assert_int_equal(ct__provider_eia.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "no usable generation values (0 rows)");
    why[0] = '\0';
    route(EIA_PATH, 200, "eia/nulls.json", NULL, 0);
    assert_int_equal(ct__provider_eia.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_string_equal(why, "no usable generation values (10 rows)");
    why[0] = '\0';
    route(EIA_PATH, 200, "eia/truncated.json", NULL, 0);
    assert_int_equal(ct__provider_eia.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    ct_assert_contains(why, "malformed JSON");
    /* Over the size cap. */
    why[0] = '\0';
    c.max_reply_bytes = 1000;
    route(EIA_PATH, 200, "eia/success.json", NULL, 0);
    assert_int_equal(ct__provider_eia.current(&c, &l, &ci, why, sizeof(why)), CT_EIO);
    assert_true(why[0] != '\0');
}

/* Whatever the failure, the key appears nowhere in the reason, even where the service quotes
 * the URL it was asked for. */
static void test_eia_errors_redacted(void **state)
{
    static const struct {
        int status;
        const char *body;
        int rc;
        const char *why;
    } cases[] = {
        {401, "{\"error\":\"no key at {request}\"}", CT_EPERM,
         "HTTP 401 Unauthorized; the EIA API key is missing or was refused"},
        {403,
         "<html><body><h1>403 Forbidden</h1><p>API_KEY_INVALID for {request}</p></body></html>",
         CT_EPERM, "HTTP 403 Forbidden; the EIA API key is missing or was refused"},
        {429, "<html><body>Too many requests: {request}</body></html>", CT_EIO,
         "HTTP 429 Too Many Requests (rate limited)"},
        {500, "<html><title>500</title><body>Error handling {request}</body></html>", CT_EIO,
         "HTTP 500 Internal Server Error"},
        {200, "<!DOCTYPE html><html><body>Maintenance: {request}</body></html>", CT_EIO,
         "malformed JSON"},
        {200, "{\"error\":\"Invalid request http://api.eia.gov{request}\",\"code\":400}", CT_EIO,
         "no response.data array in the reply; the service says \"Invalid request "},
        {200, "{\"error\":{\"code\":\"API_KEY_INVALID\",\"message\":\"bad key in {request}\"}}",
         CT_EIO, "the service says \"bad key in /v2/electricity/rto/fuel-type-data/data/?api_key="},
    };
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("US-TEX-ERCO");
    struct ct__intensity ci;
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char why[512] = "";
        route(EIA_PATH, cases[i].status, NULL, cases[i].body, 1);
        assert_int_equal(ct__provider_eia.current(&c, &l, &ci, why, sizeof(why)), cases[i].rc);
        ct_assert_contains(why, cases[i].why);
        ct_assert_not_contains(why, KEY);
        ct_assert_not_contains(why, "EIASEC"); /* nor a prefix of it */
    }
}

/* One EIA reply: a complete hour (coal and gas) ending at `end_s`, and optionally the next one
 * (wind and gas), as EIA lists them, newest first. */
static char *hour_reply(double end_s, int next)
{
    char p1[32], p2[32], *out = NULL;
    ct__format_utc(end_s, "%Y-%m-%dT%H", p1, sizeof(p1));
    ct__format_utc(end_s + 3600, "%Y-%m-%dT%H", p2, sizeof(p2));
    json_t *data = json_array();
    if (next) {
        json_array_append_new(data, json_pack("{s:s, s:s, s:s, s:i}", "period", p2, "respondent",
                                              "PJM", "fueltype", "WND", "value", 100));
        json_array_append_new(data, json_pack("{s:s, s:s, s:s, s:i}", "period", p2, "respondent",
                                              "PJM", "fueltype", "NG", "value", 100));
    }
    json_array_append_new(data, json_pack("{s:s, s:s, s:s, s:i}", "period", p1, "respondent", "PJM",
                                          "fueltype", "COL", "value", 100));
    json_array_append_new(data, json_pack("{s:s, s:s, s:s, s:i}", "period", p1, "respondent", "PJM",
                                          "fueltype", "NG", "value", 100));
    json_t *root = json_pack("{s:{s:o}}", "response", "data", data);
    out = json_dumps(root, 0);
    json_decref(root);
    return out;
}

/* A run that crosses an hour boundary: the carbon thread fetches hour H (coal and gas: 655), the
 * run uses 3600 J, the next fetch brings hour H+1 (wind and gas: 250.5), the run uses 10800 J
 * more. The epoch's intensity is energy-weighted: (3600 x 655 + 10800 x 250.5) / 14400. */
static void test_eia_run_across_hours(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("US-MIDA-PJM");
    struct ct__intensity table;
    struct ct__carbon carbon;
    struct ct__account a;
    struct ct__carbon_opts o = {.live = 1, .want_forecast = 0, .refresh_s = 3600};
    const struct ct__epoch *e;
    double hour = floor((double)time(NULL) / 3600) * 3600;
    char *r1 = hour_reply(hour, 0), *r2 = hour_reply(hour, 1);
    (void)state;

    json_t *routes =
        json_pack("{s:[{s:s, s:[{s:i, s:s}, {s:i, s:s}]}]}", "routes", "path", EIA_PATH,
                  "responses", "status", 200, "body", r1, "status", 200, "body", r2);
    ph_routes(routes);
    free(r1);
    free(r2);

    c.now_s = 0; /* the carbon thread's real clock */
    o.cfg = c;
    assert_int_equal(ct__provider_table.current(NULL, &l, &table, NULL, 0), CT_OK);
    ct__carbon_init(&carbon);
    assert_int_equal(ct__carbon_start(&carbon, &o, &l, &table), CT_OK);
    assert_int_equal(ct__carbon_wait_cycles(&carbon, 1, 10.0), 0);
    ct_assert_double_equal(655.0, ct__carbon_intensity_now(&carbon));

    ct__account_init(&a, 1.0, &carbon);
    ct__account_epoch_open(&a, 0);
    ct__account_energy(&a, 3600000000ull, ct__now_ns()); /* 3600 J at 655 */
    ct__carbon_kick(&carbon);
    assert_int_equal(ct__carbon_wait_cycles(&carbon, 2, 10.0), 0);
    ct_assert_double_equal(250.5, ct__carbon_intensity_now(&carbon));
    e = ct__account_epoch_close(&a, 14400000000ull, 7200, 14400, 0); /* 10800 J at 250.5 */
    assert_non_null(e);
    ct_assert_double_equal((3600 * 655.0 + 10800 * 250.5) / 14400, e->intensity_g_per_kwh);
    ct_assert_double_within(351.625, e->intensity_g_per_kwh, 1e-12);
    ct_assert_double_near(14400 / 3.6e6 * 351.625, e->co2eq_g, 1e-12);

    struct ct__carbon_sample *samples = NULL;
    size_t n = ct__carbon_samples(&carbon, &samples);
    assert_int_equal(n, 3); /* the table, then the two hours */
    assert_string_equal(samples[1].source, "eia:PJM:ipcc2014");
    assert_string_equal(samples[2].zone, "US-MIDA-PJM");
    free(samples);
    ct__account_free(&a);
    ct__carbon_stop(&carbon);
    ct__carbon_free(&carbon);
}

/* ---- the ENTSO-E provider against a server ------------------------------------------------ */

#define ENTSOE_PATH "/api"

static void test_entsoe_zones(void **state)
{
    struct ct__carbon_cfg c;
    struct ct__location l;
    (void)state;

    assert_string_equal(ct__entsoe_area("SE-SE3"), "10Y1001A1001A46L");
    assert_string_equal(ct__entsoe_area("no-no1"), "10YNO-1--------2");
    assert_string_equal(ct__entsoe_area("IT-NO"), "10Y1001A1001A73I");
    assert_string_equal(ct__entsoe_area("DE"), "10Y1001A1001A83F");
    assert_null(ct__entsoe_area("GB"));
    assert_null(ct__entsoe_area("US-MIDA-PJM"));
    assert_int_equal(ct__entsoe_fuel("B02"), CT__FUEL_COAL);
    assert_int_equal(ct__entsoe_fuel("B10"), CT__FUEL_STORAGE);
    assert_int_equal(ct__entsoe_fuel("B14"), CT__FUEL_NUCLEAR);
    assert_int_equal(ct__entsoe_fuel("B19"), CT__FUEL_WIND);
    assert_int_equal(ct__entsoe_fuel("B99"), CT__FUEL_UNKNOWN);
    assert_int_equal(ct__entsoe_fuel("C01"), CT__FUEL_UNKNOWN);
    for (const char *const *z = ct__provider_entsoe.zones; *z != NULL; z++)
        assert_non_null(ct__entsoe_area(*z));

    c = cfg();
    l = loc_zone("SE-SE3");
    assert_true(ct__provider_entsoe.suitable(&c, &l));
    l = loc_zone("US-MIDA-PJM");
    assert_false(ct__provider_entsoe.suitable(&c, &l));
    memset(&l, 0, sizeof(l)); /* a country alone (from the time zone) */
    snprintf(l.country, sizeof(l.country), "FI");
    assert_true(ct__provider_entsoe.suitable(&c, &l));
    assert_int_equal(ct__settings_set(&ph_settings, "entsoe", "api_key", NULL), CT_OK);
    assert_false(ct__provider_entsoe.suitable(&c, &l));
}

static void test_entsoe_success(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("FI");
    struct ct__intensity ci;
    char why[512] = "";
    json_t *reqs;
    (void)state;

    route(ENTSOE_PATH, 200, "entsoe/success.xml", NULL, 0);
    assert_int_equal(ct__provider_entsoe.current(&c, &l, &ci, why, sizeof(why)), CT_OK);
    /* 11:00-12:00 (12:00 has one nuclear quarter only): nuclear 4000, hydro 1200, wind 1100, gas
     * 200 MWh; pumping is consumption. (4000x12 + 1200x24 + 1100x11 + 200x490) / 6500. */
    ct_assert_double_within(186900.0 / 6500.0, ci.g_per_kwh, 1e-9);
    assert_string_equal(ci.source, "entsoe:FI:ipcc2014");
    assert_string_equal(ci.zone, "FI");
    ct_assert_contains(ci.description, "ENTSO-E actual generation per type, FI, 2026-08-21 11:00 "
                                       "UTC, 6500 MW; factors: IPCC 2014");
    assert_string_equal(why, "");
    ct_assert_double_equal(NOW - 3600 - 20 * 60, ci.time_s); /* 11:00 */
    reqs = fake_http_requests(&ph_srv);
    assert_int_equal(json_array_size(reqs), 1);
    assert_string_equal(fake_http_path(reqs, 0),
                        ENTSOE_PATH "?securityToken=" TOKEN "&documentType=A75&processType=A16"
                                    "&in_Domain=10YFI-1--------U&periodStart=202608201200"
                                    "&periodEnd=202608211300");
    assert_string_equal(fake_http_header(reqs, 0, "accept"), "application/xml");
    json_decref(reqs);
}

static void test_entsoe_errors_redacted(void **state)
{
    static const struct {
        int status;
        const char *file, *body;
        int rc;
        const char *why;
    } cases[] = {
        {401, NULL, "<html><body>401 Unauthorized for {request}</body></html>", CT_EPERM,
         "HTTP 401 Unauthorized; the ENTSO-E security token is missing or was refused"},
        {429, NULL, "<html><body>Too many requests: {request}</body></html>", CT_EIO,
         "HTTP 429 Too Many Requests (rate limited)"},
        {500, NULL, "<html><body>Error handling {request}</body></html>", CT_EIO,
         "HTTP 500 Internal Server Error"},
        {503, NULL, "<html><body>Maintenance {request}</body></html>", CT_EIO,
         "HTTP 503 Service Unavailable"},
        {200, NULL, "<html><body>Maintenance: {request}</body></html>", CT_EIO,
         "the reply is a <html>, not a GL_MarketDocument"},
        {200, NULL,
         "<Acknowledgement_MarketDocument><Reason><code>999</code><text><![CDATA[Bad "
         "request {request}]]></text></Reason></Acknowledgement_MarketDocument>",
         CT_EIO, "no generation data; the service says \"Bad request /api?securityToken="},
        {200, "entsoe/ack.xml", NULL, CT_EIO,
         "the service says \"No matching data found for Data item"},
        {200, "entsoe/truncated.xml", NULL, CT_EIO, "malformed XML at line"},
        {200, "entsoe/empty.xml", NULL, CT_EIO, "HTTP 200 with an empty reply"},
    };
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("SE-SE3");
    struct ct__intensity ci;
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char why[512] = "";
        route(ENTSOE_PATH, cases[i].status, cases[i].file, cases[i].body, 1);
        assert_int_equal(ct__provider_entsoe.current(&c, &l, &ci, why, sizeof(why)), cases[i].rc);
        ct_assert_contains(why, cases[i].why);
        ct_assert_not_contains(why, TOKEN);
        ct_assert_not_contains(why, "XQZTOK"); /* nor a prefix of it */
    }
}

/* A US zone whose newest complete hour started 13 to 14 hours ago: the carbon thread skips it
 * (beyond carbon.max_age_s, 12 h) and keeps the yearly table, saying why. */
static void test_eia_stale_skipped(void **state)
{
    struct ct__carbon_cfg c = cfg();
    struct ct__location l = loc_zone("US-MIDA-PJM");
    struct ct__intensity table;
    struct ct__carbon carbon;
    struct ct__carbon_opts o = {
        .live = 1, .refresh_s = 3600, .stale_warn_s = 10800, .max_age_s = 43200};
    struct ct__carbon_event *ev = NULL;
    double hour = floor((double)time(NULL) / 3600) * 3600;
    char *r = hour_reply(hour - 12 * 3600, 0);
    size_t n;
    int found = 0;
    (void)state;

    json_t *routes = json_pack("{s:[{s:s, s:[{s:i, s:s}]}]}", "routes", "path", EIA_PATH,
                               "responses", "status", 200, "body", r);
    ph_routes(routes);
    free(r);

    c.now_s = 0;
    o.cfg = c;
    assert_int_equal(ct__provider_table.current(NULL, &l, &table, NULL, 0), CT_OK);
    ct__carbon_init(&carbon);
    assert_int_equal(ct__carbon_start(&carbon, &o, &l, &table), CT_OK);
    assert_int_equal(ct__carbon_wait_cycles(&carbon, 1, 10.0), 0);
    ct_assert_double_equal(table.g_per_kwh, ct__carbon_intensity_now(&carbon));
    n = ct__carbon_take_events(&carbon, &ev);
    for (size_t i = 0; i < n; i++)
        if (strstr(ev[i].text, "eia: the newest value, 655.00 gCO2/kWh, is 1") != NULL &&
            strstr(ev[i].text, "(more than 12.0 h: skipped)") != NULL)
            found = 1;
    if (!found)
        for (size_t i = 0; i < n; i++)
            print_message("event: %s\n", ev[i].text);
    assert_true(found);
    free(ev);
    ct__carbon_stop(&carbon);
    ct__carbon_free(&carbon);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mix_hand_computed),
        cmocka_unit_test(test_factors_file),
        cmocka_unit_test(test_table_us_zones),
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_eia_zones),
        cmocka_unit_test(test_eia_success),
        cmocka_unit_test(test_eia_stale_empty_nulls),
        cmocka_unit_test(test_eia_errors_redacted),
        cmocka_unit_test(test_eia_run_across_hours),
        cmocka_unit_test(test_eia_stale_skipped),
        cmocka_unit_test(test_entsoe_zones),
        cmocka_unit_test(test_entsoe_silent),
        cmocka_unit_test(test_entsoe_success),
        cmocka_unit_test(test_entsoe_errors_redacted),
    };
    return cmocka_run_group_tests(tests, group_setup, ph_group_teardown);
}
