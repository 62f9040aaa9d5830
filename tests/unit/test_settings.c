/*
 * test_settings.c - the settings that meters and carbon providers declare: the public list,
 * resolution from the options (option field, then "<backend>.<key>=VALUE", then the environment
 * array, then the default), the store (set, copy, redaction) and a meter configured through one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backends.h"
#include "ct_assert.h"
#include "internal.h"
#include "util/settings.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ct_setting_desc *find(const char *backend, const char *key)
{
    for (size_t i = 0; i < ct_setting_count(); i++) {
        const ct_setting_desc *d = ct_setting_info(i);
        if (strcmp(d->backend, backend) == 0 && strcmp(d->key, key) == 0)
            return d;
    }
    return NULL;
}

static void test_the_list(void **state)
{
    (void)state;
    ct_assert_cmp_uint(ct_setting_count(), >=, 6);
    assert_null(ct_setting_info(ct_setting_count()));
    for (size_t i = 0; i < ct_setting_count(); i++) {
        const ct_setting_desc *d = ct_setting_info(i);
        assert_non_null(d->help);
        for (size_t j = i + 1; j < ct_setting_count(); j++) {
            const ct_setting_desc *e = ct_setting_info(j);
            if (strcmp(d->backend, e->backend) == 0 && strcmp(d->key, e->key) == 0)
                fail_msg("%s.%s is declared twice", d->backend, d->key);
        }
        /* Only keys are secrets. */
        assert_int_equal(d->secret, strcmp(d->key, "api_key") == 0);
    }
    const ct_setting_desc *d = find("ukgrid", "url");
    assert_non_null(d);
    assert_string_equal(d->env, "CARBONTRACKER_UKGRID_URL");
    assert_string_equal(d->default_value, "https://api.carbonintensity.org.uk");
    d = find("electricitymaps", "api_key");
    assert_non_null(d);
    assert_string_equal(d->env, "ELECTRICITYMAPS_API_KEY");
    assert_null(d->default_value);
    d = find("nvml", "library");
    assert_non_null(d);
    assert_string_equal(d->default_value, "libnvidia-ml.so.1");
    assert_non_null(find("geolocation", "url"));
    assert_non_null(find("energidataservice", "url"));
    assert_string_equal(ct__backends_find("ElectricityMaps", "api_key"), "electricitymaps");
    assert_null(ct__backends_find("ukgrid", "api_key"));
    ct_assert_cmp_uint(ct_struct_size("ct_setting_desc"), ==, sizeof(ct_setting_desc));
}

/* Option field, then the user's settings (the later one), then the environment, then default. */
static void test_precedence(void **state)
{
    (void)state;
    struct ct__settings s = {0};
    ct_options o = CT_OPTIONS_INIT;

    assert_int_equal(ct__backends_resolve(&s, &o, NULL, 0), CT_OK);
    assert_string_equal(ct__settings_get(&s, "ukgrid", "url"),
                        "https://api.carbonintensity.org.uk");
    assert_int_equal(ct__settings_given(&s, "ukgrid", "url"), 0);
    assert_null(ct__settings_get(&s, "electricitymaps", "api_key"));
    assert_null(ct__settings_get(&s, "ukgrid", "api_key")); /* not declared */
    ct__settings_free(&s);

    const char *env[] = {"CARBONTRACKER_UKGRID_URL=http://env", "ELECTRICITYMAPS_API_KEY=",
                         "CARBONTRACKER_NVML_LIBRARY=/env/libnvidia-ml.so.1", NULL};
    o.environment = env;
    assert_int_equal(ct__backends_resolve(&s, &o, NULL, 0), CT_OK);
    assert_string_equal(ct__settings_get(&s, "ukgrid", "url"), "http://env");
    assert_int_equal(ct__settings_given(&s, "ukgrid", "url"), 1);
    assert_null(ct__settings_get(&s, "electricitymaps", "api_key")); /* empty: not set */
    assert_string_equal(ct__settings_get(&s, "nvml", "library"), "/env/libnvidia-ml.so.1");
    ct__settings_free(&s);

    /* A URL from the environment is checked as one from the settings. */
    char err[128];
    const char *ftp[] = {"CARBONTRACKER_UKGRID_URL=ftp://example.org", NULL};
    o.environment = ftp;
    assert_int_equal(ct__backends_resolve(&s, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "ukgrid.url must be an http:// or https:// URL");
    ct__settings_free(&s);
    o.environment = env;

    const char *set[] = {"ukgrid.url=http://first", "ukgrid.url=http://second",
                         "nvml.library=/set/lib.so", NULL};
    o.settings = set;
    assert_int_equal(ct__backends_resolve(&s, &o, NULL, 0), CT_OK);
    assert_string_equal(ct__settings_get(&s, "ukgrid", "url"), "http://second");
    assert_string_equal(ct__settings_get(&s, "nvml", "library"), "/set/lib.so");
    ct__settings_free(&s);

    o.ukgrid_url = "http://field";
    o.nvml_library = "/field/lib.so";
    assert_int_equal(ct__backends_resolve(&s, &o, NULL, 0), CT_OK);
    assert_string_equal(ct__settings_get(&s, "ukgrid", "url"), "http://field");
    assert_string_equal(ct__settings_get(&s, "nvml", "library"), "/field/lib.so");
    ct__settings_free(&s);
}

static void test_store(void **state)
{
    (void)state;
    struct ct__settings s = {0}, c = {0};
    ct_options o = CT_OPTIONS_INIT;
    o.electricitymaps_api_key = "SECRETKEY123456";
    assert_int_equal(ct__backends_resolve(&s, &o, NULL, 0), CT_OK);

    char text[] = "failed with SECRETKEY123456 and SECRETKEY12 and SECR and SEC";
    ct__settings_redact(&s, text);
    assert_string_equal(text, "failed with *** and *** and *** and SEC");

    assert_int_equal(ct__settings_copy(&c, &s), CT_OK);
    assert_int_equal(ct__settings_set(&s, "electricitymaps", "api_key", "NEWKEY"), CT_OK);
    assert_string_equal(ct__settings_get(&s, "electricitymaps", "api_key"), "NEWKEY");
    assert_string_equal(ct__settings_get(&c, "electricitymaps", "api_key"), "SECRETKEY123456");
    assert_int_equal(ct__settings_set(&s, "electricitymaps", "api_key", ""), CT_OK);
    assert_null(ct__settings_get(&s, "electricitymaps", "api_key"));
    assert_int_equal(ct__settings_set(&s, "electricitymaps", "token", "x"), CT_EINVAL);
    assert_null(ct__settings_get(NULL, "ukgrid", "url"));
    ct__settings_free(&s);
    ct__settings_free(&c); /* ASan: every copy released */
}

/* A value with a control character never becomes part of a request (reliability finding 4: a
 * key with CR/LF became a request header): refused at open, by ct_set_api_key and in the store,
 * without echoing the value. */
static void test_control_characters(void **state)
{
    (void)state;
    struct ct__settings s = {0};
    ct_options o = CT_OPTIONS_INIT;
    char err[256] = "";

    o.electricitymaps_api_key = "a\r\nX-Injected: 1";
    assert_int_equal(ct__backends_resolve(&s, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "electricitymaps.api_key contains a control character (a line break "
                             "pasted with it?); give it on one line");
    ct__settings_free(&s);

    o.electricitymaps_api_key = NULL;
    const char *env[] = {"CARBONTRACKER_UKGRID_URL=http://a\tb", NULL};
    o.environment = env;
    assert_int_equal(ct__backends_resolve(&s, &o, err, sizeof(err)), CT_EINVAL);
    ct_assert_prefix(err, "ukgrid.url contains a control character");
    ct__settings_free(&s);

    o.environment = NULL;
    assert_int_equal(ct__backends_resolve(&s, &o, NULL, 0), CT_OK);
    assert_int_equal(ct__settings_set(&s, "electricitymaps", "api_key", "KEY\nX: 1"), CT_EINVAL);
    assert_null(ct__settings_get(&s, "electricitymaps", "api_key"));
    assert_int_equal(ct__setting_value_ok("plain-key_123"), 1);
    assert_int_equal(ct__setting_value_ok("del\x7f"), 0);
    ct__settings_free(&s);

    /* ct_set_api_key on an open tracker. */
    o = (ct_options)CT_OPTIONS_INIT;
    o.sim_cpu = "cpu";
    o.sim_cpu_tdp_w = 10;
    o.verbose = 0;
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    assert_int_equal(ct_set_api_key(t, "electricitymaps", "k\r\nX-Injected: 1"), CT_EINVAL);
    assert_string_equal(ct_errmsg(t), "The API key for 'electricitymaps' contains a control "
                                      "character (a line break pasted with it?); give it on one "
                                      "line.");
    ct_tracker_free(t);
}

/* A meter's setting reaches it: the NVML meter loads the library named by nvml.library. */
/* Any piece of 4+ characters of a secret is redacted, wherever it starts; control bytes are
 * escaped, valid UTF-8 kept, the length bounded without splitting a character. */
static void test_redact_and_sanitize(void **state)
{
    char text[256], out[32];
    (void)state;

    snprintf(text, sizeof(text), "near 'RETKEY-1' and SECRETKEY-123, 'KEY' and 'EY-12'");
    ct__redact_secret(text, "SECRETKEY-123");
    assert_string_equal(text, "near '***' and ***, 'KEY' and '***'");
    snprintf(text, sizeof(text), "abc");
    ct__redact_secret(text, "abc"); /* shorter than a fragment: nothing to find */
    assert_string_equal(text, "abc");

    ct__sanitize_text(out, sizeof(out),
                      "a\x1b[2J\x07 K\xc3\xb8"
                      "benhavn",
                      SIZE_MAX);
    assert_string_equal(out, "a\\x1b[2J\\x07 K\xc3\xb8"
                             "benhavn");
    ct__sanitize_text(out, sizeof(out),
                      "\xc2\x9b"
                      "31m \xff\xc3",
                      SIZE_MAX); /* C1 CSI, junk */
    assert_string_equal(out, "\\xc2\\x9b31m \\xff\\xc3");
    ct__sanitize_text(out, sizeof(out), "abc\x01", 3); /* src_len bounds the read */
    assert_string_equal(out, "abc");
    ct__sanitize_text(out, 8, "abcdefghij", SIZE_MAX);
    assert_string_equal(out, "abcd...");
    ct__sanitize_text(out, 9, "abcde\xc3\xb8xyz", SIZE_MAX); /* never half a character */
    assert_string_equal(out, "abcde...");
}

static void test_meter_setting(void **state)
{
    (void)state;
    const char *fake = getenv("CT_FAKE_NVML");
    assert_non_null(fake);
    char entry[4200];
    snprintf(entry, sizeof(entry), "nvml.library=%s", fake);
    const char *set[] = {entry, NULL};
    const char *missing[] = {"nvml.library=/nonexistent/libnvidia-ml.so.1", NULL};
    ct_options o = CT_OPTIONS_INIT;
    o.components = "gpu";
    char *json = NULL;

    for (int k = 0; k < 2; k++) {
        o.settings = k == 0 ? set : missing;
        assert_int_equal(ct_probe_json(&o, &json), CT_OK);
        json_t *root = json_loads(json, 0, NULL);
        assert_non_null(root);
        json_t *m = json_array_get(json_object_get(root, "meters"), 0);
        assert_string_equal(json_string_value(json_object_get(m, "meter")), "nvml");
        const char *reason = json_string_value(json_object_get(m, "reason"));
        if (k == 0) /* loaded: the fake without a scenario has no driver */
            ct_assert_contains(reason, "NVML could not start: Driver Not Loaded");
        else
            ct_assert_contains(reason, "/nonexistent/libnvidia-ml.so.1");
        json_decref(root);
        ct_free(json);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_list),      cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_store),         cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_meter_setting), cmocka_unit_test(test_redact_and_sanitize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
