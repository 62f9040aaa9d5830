/*
 * test_options.c - the options table (src/lib/options_table.h) against everything it drives:
 * ct_options_init() equals the hand-written CT_OPTIONS_INIT field by field, the rows cover the
 * struct, the version sizes, ct_options_set(), ct_options_from_env(), the tracker's owned copies
 * and the redaction of secrets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ct_assert.h"
#include "options.h"
#include "options_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Equal as the row's type says (NaN equals NaN; strings by content). Prints the field if not. */
static int field_equal(const ct_options *a, const ct_options *b, const ct_option_desc *f)
{
    const char *pa = (const char *)a + f->offset, *pb = (const char *)b + f->offset;
    int eq;
    if (f->type == CT_OPTION_DOUBLE) {
        double x, y;
        memcpy(&x, pa, sizeof(x));
        memcpy(&y, pb, sizeof(y));
        eq = (isnan(x) && isnan(y)) || x == y;
    } else if (f->type == CT_OPTION_STRING) {
        const char *x, *y;
        memcpy(&x, pa, sizeof(x));
        memcpy(&y, pb, sizeof(y));
        eq = x == y || (x && y && strcmp(x, y) == 0);
    } else {
        eq = memcmp(pa, pb, f->size) == 0;
    }
    if (!eq)
        print_error("field %s differs\n", f->name);
    return eq;
}

/* Every row: ct_options_init() gives what CT_OPTIONS_INIT gives. A row added with a default the
 * macro lacks (the macro then zero-fills the field) fails here. */
static void test_init_equals_macro(void **state)
{
    (void)state;
    ct_options macro = CT_OPTIONS_INIT, fn;
    memset(&fn, 0x5a, sizeof(fn));
    ct_options_init(&fn);
    int bad = 0;
    for (size_t i = 0; i < ct_option_count(); i++)
        bad += !field_equal(&macro, &fn, ct_option_info(i));
    assert_int_equal(bad, 0);
    /* And a field default that is not zero is not zero in both (the test can fail). */
    assert_true(isnan(fn.pue) && fn.epochs == 1 && strcmp(fn.components, "all") == 0);
}

/* The rows are the struct: in order, without gaps beyond alignment, to the last version's end. */
static void test_rows_cover_the_struct(void **state)
{
    (void)state;
    size_t end = 0;
    assert_int_equal(ct_option_count(), CT__OPTS_N_FIELDS);
    assert_null(ct_option_info(ct_option_count()));
    for (size_t i = 0; i < ct_option_count(); i++) {
        const ct_option_desc *f = ct_option_info(i);
        assert_non_null(f->name);
        assert_non_null(f->help);
        if (f->offset < end || f->offset - end >= (f->size < 8 ? f->size : 8))
            fail_msg("row %s at %zu, previous field ended at %zu", f->name, f->offset, end);
        end = f->offset + f->size;
        assert_ptr_equal(ct__option_find(f->name), &ct__option_rows[i]);
        /* Owned and secret only make sense for strings; cli_arg only with a cli name. */
        if (f->owned || f->secret)
            assert_int_equal(f->type, CT_OPTION_STRING);
        if (f->cli_arg)
            assert_non_null(f->cli_name);
        if (f->cli_name && !f->cli_arg)
            assert_int_equal(f->type, CT_OPTION_INT);
    }
    assert_int_equal(end, ct__options_size(CT_OPTIONS_VERSION));
    assert_true(sizeof(ct_options) - end < 8);
    assert_int_equal(ct_struct_size("ct_option_desc"), sizeof(ct_option_desc));
    assert_int_equal(ct_option_info(0)->offset, 0);
    assert_string_equal(ct_option_info(0)->name, "version");
}

static void test_init_version(void **state)
{
    (void)state;
    size_t n = ct__options_size(1);
    unsigned char buf[sizeof(ct_options) + 32];
    ct_options *o = (ct_options *)(void *)buf;

    assert_int_equal(ct__options_size(0), 0);
    assert_int_equal(ct__options_size(CT_OPTIONS_VERSION + 1), 0);
    assert_true(n > 0 && n <= sizeof(ct_options));
    memset(buf, 0xa5, sizeof(buf));
    assert_int_equal(ct_options_init_version(o, 0), CT_EINVAL);
    assert_int_equal(ct_options_init_version(o, CT_OPTIONS_VERSION + 1), CT_EINVAL);
    assert_int_equal(ct_options_init_version(NULL, 1), CT_EINVAL);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xa5); /* untouched */
    assert_int_equal(ct_options_init_version(o, 1), CT_OK);
    assert_int_equal(o->version, 1);
    assert_int_equal(o->epochs, 1);
    for (size_t i = n; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xa5); /* nothing past version 1's struct */
    ct_options full;
    ct_options_init(&full);
    assert_int_equal(full.version, CT_OPTIONS_VERSION);
}

static void test_opts_init_versions(void **state)
{
    (void)state;
    struct ct__opts p;
    char err[256];
    ct_options o = CT_OPTIONS_INIT;

    o.version = 0;
    assert_int_equal(ct__opts_init(&p, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "options.version must be CT_OPTIONS_VERSION");
    ct__opts_free(&p);

    o.version = CT_OPTIONS_VERSION + 1;
    assert_int_equal(ct__opts_init(&p, &o, err, sizeof(err)), CT_EINVAL);
    assert_non_null(strstr(err, "is newer than this library knows"));
    ct__opts_free(&p);

    o.version = CT_OPTIONS_VERSION;
    o.zone = "DK";
    assert_int_equal(ct__opts_init(&p, &o, err, sizeof(err)), CT_OK);
    assert_string_equal(p.o.zone, "DK");
    assert_ptr_not_equal(p.o.zone, o.zone); /* owned copy */
    assert_string_equal(p.o.components, "all");
    assert_true(isnan(p.o.pue) && p.pue > 1.5);
    ct__opts_free(&p);
}

/* Every owned string row is copied by ct__opts_init (valid values where validation looks). */
static void test_owned_strings(void **state)
{
    (void)state;
    struct ct__opts p;
    ct_options o = CT_OPTIONS_INIT;
    char values[64][96];
    int owned = 0;

    for (size_t i = 0; i < ct_option_count(); i++) {
        const ct_option_desc *f = ct_option_info(i);
        const char **field = (const char **)(void *)((char *)&o + f->offset);
        if (!f->owned) {
            if (f->type == CT_OPTION_STRING)
                fail_msg("string field %s is not owned", f->name);
            continue;
        }
        if (*field) /* a default that validation reads ("all") */
            continue;
        if (strstr(f->name, "_url"))
            snprintf(values[i], sizeof(values[i]), "http://127.0.0.1/%s", f->name);
        else if (strcmp(f->name, "sim_cpu") == 0 || strcmp(f->name, "sim_gpu") == 0)
            continue; /* they need their watts: not a copying question */
        else if (strcmp(f->name, "budget_action") == 0)
            snprintf(values[i], sizeof(values[i]), "stop"); /* one of two words */
        else
            snprintf(values[i], sizeof(values[i]), "value of %s", f->name);
        *field = values[i];
    }
    assert_int_equal(ct__opts_init(&p, &o, NULL, 0), CT_OK);
    for (size_t i = 0; i < ct_option_count(); i++) {
        const ct_option_desc *f = ct_option_info(i);
        if (!f->owned)
            continue;
        const char *in = *(const char **)(void *)((char *)&o + f->offset);
        const char *kept = *(const char **)(void *)((char *)&p.o + f->offset);
        if (!in)
            continue;
        owned++;
        assert_ptr_not_equal(kept, in);
        assert_string_equal(kept, in);
        assert_ptr_equal(p.own[i], kept);
    }
    ct_assert_cmp_int(owned, >=, 17);
    ct__opts_free(&p); /* ASan: every copy released */
}

static void test_set_by_name(void **state)
{
    (void)state;
    ct_options o = CT_OPTIONS_INIT;
    char err[128];
    const char *dir = "/tmp/logs";

    assert_int_equal(ct_options_set(&o, "epochs", "12", err, sizeof(err)), CT_OK);
    assert_int_equal(o.epochs, 12);
    assert_int_equal(ct_options_set(&o, "monitor_epochs", "-1", err, sizeof(err)), CT_OK);
    assert_int_equal(ct_options_set(&o, "decimal_precision", "+7", err, sizeof(err)), CT_OK);
    assert_int_equal(o.decimal_precision, 7);
    assert_int_equal(ct_options_set(&o, "update_interval_s", "0.25", err, sizeof(err)), CT_OK);
    assert_true(o.update_interval_s == 0.25);
    assert_int_equal(ct_options_set(&o, "latitude", "-1.5e1", err, sizeof(err)), CT_OK);
    assert_true(o.latitude == -15.0);
    assert_int_equal(ct_options_set(&o, "log_dir", dir, err, sizeof(err)), CT_OK);
    assert_ptr_equal(o.log_dir, dir); /* the caller's pointer, as an assignment */

    const char *bad_doubles[] = {"", "abc", "1.5x", " 1", "inf", "nan", "0x10", "1e400"};
    for (size_t i = 0; i < sizeof(bad_doubles) / sizeof(bad_doubles[0]); i++) {
        err[0] = '\0';
        assert_int_equal(ct_options_set(&o, "pue", bad_doubles[i], err, sizeof(err)), CT_EINVAL);
        assert_true(isnan(o.pue)); /* untouched */
        char want[64];
        snprintf(want, sizeof(want), "invalid number '%s' for pue", bad_doubles[i]);
        assert_string_equal(err, want);
    }
    const char *bad_ints[] = {"", "1.0", "1e3", "12abc", "--5", "99999999999"};
    for (size_t i = 0; i < sizeof(bad_ints) / sizeof(bad_ints[0]); i++) {
        assert_int_equal(ct_options_set(&o, "epochs", bad_ints[i], err, sizeof(err)), CT_EINVAL);
        assert_int_equal(o.epochs, 12);
        assert_non_null(strstr(err, "for epochs"));
        assert_non_null(strstr(err, bad_ints[i]));
    }
    assert_int_equal(ct_options_set(&o, "no_such", "1", err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "unknown option 'no_such'");
    assert_int_equal(ct_options_set(&o, "message", "x", err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "option message cannot be set from text");
    assert_int_equal(ct_options_set(&o, "version", "1", err, sizeof(err)), CT_EINVAL);
    assert_int_equal(ct_options_set(&o, "message_user", "x", NULL, 0), CT_EINVAL);
    assert_int_equal(ct_options_set(NULL, "epochs", "1", NULL, 0), CT_EINVAL);

    /* NULL: back to the default. */
    assert_int_equal(ct_options_set(&o, "latitude", NULL, NULL, 0), CT_OK);
    assert_true(isnan(o.latitude));
    assert_int_equal(ct_options_set(&o, "epochs", NULL, NULL, 0), CT_OK);
    assert_int_equal(o.epochs, 1);
    assert_int_equal(ct_options_set(&o, "components", NULL, NULL, 0), CT_OK);
    assert_string_equal(o.components, "all");
}

/* Every env row is read into a field at its default and leaves a set field alone. */
static void test_from_env_rows(void **state)
{
    (void)state;
    ct_options o = CT_OPTIONS_INIT, set = CT_OPTIONS_INIT;
    int n = 0;

    for (size_t i = 0; i < ct_option_count(); i++) {
        const ct_option_desc *f = ct_option_info(i);
        if (!f->env)
            continue;
        n++;
        if (f->type == CT_OPTION_DOUBLE)
            setenv(f->env, "1.25", 1);
        else
            setenv(f->env, f->name, 1); /* the field's name as its value */
    }
    set.pue = 2.0;
    set.zone = "SE";
    set.tz = "";
    assert_true(n >= 14);
    assert_int_equal(ct_options_from_env(&o), CT_OK);
    assert_int_equal(ct_options_from_env(&set), CT_OK);
    for (size_t i = 0; i < ct_option_count(); i++) {
        const ct_option_desc *f = ct_option_info(i);
        if (!f->env)
            continue;
        const char *p = (const char *)&o + f->offset;
        if (f->type == CT_OPTION_DOUBLE) {
            double v;
            memcpy(&v, p, sizeof(v));
            assert_true(v == 1.25);
        } else {
            const char *v;
            memcpy(&v, p, sizeof(v));
            assert_non_null(v);
            assert_string_equal(v, f->name);
        }
        unsetenv(f->env);
    }
    assert_true(set.pue == 2.0);
    assert_string_equal(set.zone, "SE");
    assert_string_equal(set.tz, ""); /* not at its default (NULL): kept */
    assert_string_equal(set.sysfs_root, "sysfs_root");
}

static void test_from_env_semantics(void **state)
{
    (void)state;
    ct_options o = CT_OPTIONS_INIT;

    /* Empty values are skipped, except CUDA_VISIBLE_DEVICES ("" = no GPU). */
    setenv("CUDA_VISIBLE_DEVICES", "", 1);
    setenv("CARBONTRACKER_ZONE", "", 1);
    setenv("CARBONTRACKER_PUE", "", 1);
    assert_int_equal(ct_options_from_env(&o), CT_OK);
    assert_non_null(o.cuda_visible_devices);
    assert_string_equal(o.cuda_visible_devices, "");
    assert_null(o.zone);
    assert_true(isnan(o.pue));

    /* A bad PUE is CT_EINVAL; the field is left and the other variables are still read. */
    ct_options p = CT_OPTIONS_INIT;
    setenv("CARBONTRACKER_PUE", "1.5x", 1);
    setenv("CARBONTRACKER_ZONE", "DK", 1);
    setenv("TZ", "Europe/Copenhagen", 1);
    assert_int_equal(ct_options_from_env(&p), CT_EINVAL);
    assert_true(isnan(p.pue));
    assert_string_equal(p.zone, "DK");
    assert_string_equal(p.tz, "Europe/Copenhagen");
    /* "nan" and "inf" are numbers to strtod but not values: refused as "1.5x" is (NaN would have
     * meant "unset" and been ignored while -1 was refused). */
    for (int i = 0; i < 3; i++) {
        ct_options q = CT_OPTIONS_INIT;
        setenv("CARBONTRACKER_PUE", (const char *[]){"nan", "inf", "-nan"}[i], 1);
        assert_int_equal(ct_options_from_env(&q), CT_EINVAL);
        assert_true(isnan(q.pue));
    }
    /* strtod's own syntax, as before: leading spaces and exponents are fine here. */
    setenv("CARBONTRACKER_PUE", " 1.2e0", 1);
    ct_options q = CT_OPTIONS_INIT;
    assert_int_equal(ct_options_from_env(&q), CT_OK);
    assert_true(q.pue == 1.2);
    /* Never turns live on; unset variables leave NULL. */
    unsetenv("CUDA_VISIBLE_DEVICES");
    unsetenv("CARBONTRACKER_PUE");
    unsetenv("CARBONTRACKER_ZONE");
    unsetenv("TZ");
    ct_options r = CT_OPTIONS_INIT;
    assert_int_equal(ct_options_from_env(&r), CT_OK);
    assert_int_equal(r.live, 0);
    assert_null(r.cuda_visible_devices);
    assert_int_equal(ct_options_from_env(NULL), CT_EINVAL);
}

static void redacted(const char *text, const char *secret, const char *want)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", text);
    ct__redact_secret(buf, secret);
    if (strcmp(buf, want) != 0)
        fail_msg("redact(\"%s\", \"%s\") = \"%s\", want \"%s\"", text, secret, buf, want);
}

static void test_redaction(void **state)
{
    (void)state;
    redacted("key abcdef123456 and abcdef123456.", "abcdef123456", "key *** and ***.");
    redacted("truncated: abcdef1", "abcdef123456", "truncated: ***");
    redacted("short abcde", "abcdef123456", "short ***");      /* any 4+ piece, a prefix too */
    redacted("mid f123, abc", "abcdef123456", "mid ***, abc"); /* or its middle; 3 chars stay */
    redacted("x abcd y", "abcd", "x *** y");                   /* a short secret, whole */
    redacted("x abc y", "abc", "x abc y");                     /* too short to redact */
    redacted("nothing", NULL, "nothing");
    redacted("", "abcdef", "");

    ct_options o = CT_OPTIONS_INIT;
    char buf[128] = "auth-token: s3cr3t-t0ken failed; s3cr3t- again";
    o.electricitymaps_api_key = "s3cr3t-t0ken";
    ct__opts_redact(buf, &o);
    assert_string_equal(buf, "auth-token: *** failed; *** again");

    /* A validation message that would hold the key is redacted. */
    struct ct__opts p;
    char err[256];
    o.components = "s3cr3t-t0ken";
    assert_int_equal(ct__opts_init(&p, &o, err, sizeof(err)), CT_EINVAL);
    assert_null(strstr(err, "s3cr3t"));
    assert_non_null(strstr(err, "***"));
    ct__opts_free(&p);
}

/* The log file prefix stays in the log directory and on one line (reliability finding 5:
 * "../../escaped" wrote two levels above it). */
static void test_log_file_prefix(void **state)
{
    (void)state;
    struct ct__opts p;
    ct_options o = CT_OPTIONS_INIT;
    char err[256];
    const char *bad[] = {"../../escaped", "a/b", "/abs", "two\nlines", "tab\t"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o.log_file_prefix = bad[i];
        assert_int_equal(ct__opts_init(&p, &o, err, sizeof(err)), CT_EINVAL);
        assert_string_equal(err, "log_file_prefix must be part of a file name: no '/' and no "
                                 "control characters");
        ct__opts_free(&p);
    }
    const char *good[] = {"exp", "run..2", "..", "résumé"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        o.log_file_prefix = good[i];
        assert_int_equal(ct__opts_init(&p, &o, err, sizeof(err)), CT_OK);
        ct__opts_free(&p);
    }
}

/* Numbers are range-checked before any conversion (reliability finding 8: --interval 1e308
 * sampled at 1 kHz, --sim-cpu-tdp 1e300 gave 0 J). */
static void test_ranges(void **state)
{
    (void)state;
    struct ct__opts p;
    char err[256];
    struct {
        double interval, pue, tdp;
        const char *want; /* NULL = accepted */
    } cases[] = {
        {1e308, NAN, NAN,
         "update_interval must be between 0.001 and 86400 seconds (1 ms to 1 day), got 1e+308"},
        {1e-7, NAN, NAN,
         "update_interval must be between 0.001 and 86400 seconds (1 ms to 1 day), got 1e-07"},
        {0.001, NAN, NAN, NULL},
        {86400, NAN, NAN, NULL},
        {1, 10.5, NAN, "pue must be at most 10 (the worst data centres are near 3), got 10.5"},
        {1, 10, NAN, NULL},
        {1, NAN, 1e300, "CPU TDP must be at most 100000 W, got 1e+300."},
        {1, NAN, 100000, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ct_options o = CT_OPTIONS_INIT;
        o.update_interval_s = cases[i].interval;
        o.pue = cases[i].pue;
        if (!isnan(cases[i].tdp)) {
            o.sim_cpu = "X";
            o.sim_cpu_tdp_w = cases[i].tdp;
        }
        err[0] = '\0';
        int rc = ct__opts_init(&p, &o, err, sizeof(err));
        ct__opts_free(&p);
        if (cases[i].want) {
            assert_int_equal(rc, CT_EINVAL);
            assert_string_equal(err, cases[i].want);
        } else {
            assert_int_equal(rc, CT_OK);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_equals_macro),
        cmocka_unit_test(test_rows_cover_the_struct),
        cmocka_unit_test(test_init_version),
        cmocka_unit_test(test_opts_init_versions),
        cmocka_unit_test(test_owned_strings),
        cmocka_unit_test(test_set_by_name),
        cmocka_unit_test(test_from_env_rows),
        cmocka_unit_test(test_from_env_semantics),
        cmocka_unit_test(test_redaction),
        cmocka_unit_test(test_log_file_prefix),
        cmocka_unit_test(test_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
