/*
 * test_timefmt.c - ct_timestring() against upstream's convert_to_timestring (expected strings
 * produced by the Python function itself), ct__fmt_plain()'s plain decimals, and the JSON logs'
 * numbers (ct__json_real() against jansson's own text of the same real, ct__json_u64()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct ts_case {
    double seconds;
    const char *want;
};

static void check_ts(double seconds, int with_ms, const char *want)
{
    char buf[64];

    memset(buf, 'x', sizeof(buf));
    int rc = ct_timestring(seconds, with_ms, buf, sizeof(buf));
    if (rc != CT_OK || strcmp(buf, want) != 0)
        print_error("ct_timestring(%.17g, %d) = %d \"%s\", want \"%s\"\n", seconds, with_ms, rc,
                    buf, want);
    assert_int_equal(rc, CT_OK);
    assert_string_equal(buf, want);
}

/* Section 4.3 and the acceptance list of section 6. */
static void test_timestring_upstream_examples(void **state)
{
    (void)state;
    static const struct ts_case cases[] = {
        {0, "0:00:00"},      {3666, "1:01:06"}, {3666.4, "1:01:06"}, {-3666, "-1:01:06"},
        {3659.5, "1:01:00"}, {2.5, "0:00:02"},  {3.5, "0:00:04"},    {62.5, "0:01:02"},
        {86400, "24:00:00"}, {1000, "0:16:40"}, {600, "0:10:00"},    {360000, "100:00:00"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_ts(cases[i].seconds, 0, cases[i].want);
}

/* Round half to even at every carry point, negative values, huge hours (from Python). */
static void test_timestring_rounding_and_carry(void **state)
{
    (void)state;
    static const struct ts_case cases[] = {
        {0.5, "0:00:00"},        {1.5, "0:00:02"},
        {59.5, "0:01:00"},       {119.5, "0:02:00"},
        {3599.5, "1:00:00"},     {-2.5, "-0:00:02"},
        {-0.4, "-0:00:00"},      {-0.0, "0:00:00"},
        {1e10, "2777777:46:40"}, {1e20, "27777777777777780:12:40"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_ts(cases[i].seconds, 0, cases[i].want);
}

static void test_timestring_ms(void **state)
{
    (void)state;
    /* 0.135 is 0.13500000000000000888 in binary: Python and C both print "00.14". */
    static const struct ts_case cases[] = {
        {141.9, "0:02:21.90"},     {53.25, "0:00:53.25"}, {3659.9955, "1:01:00.00"},
        {59.996, "0:01:00.00"},    {0.135, "0:00:00.14"}, {-141.9, "-0:02:21.90"},
        {0.005, "0:00:00.01"},     {0.015, "0:00:00.01"}, {3599.995, "0:59:59.99"},
        {59.994999, "0:00:59.99"}, {-0.0, "0:00:00.00"},  {1e10 + 0.25, "2777777:46:40.25"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_ts(cases[i].seconds, 1, cases[i].want);
}

static void test_timestring_invalid(void **state)
{
    (void)state;
    char buf[16];

    /* "0:00:00" needs 8 bytes with the NUL. */
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(ct_timestring(0, 0, buf, 7), CT_EINVAL);
    assert_string_equal(buf, "");
    assert_int_equal(ct_timestring(0, 0, buf, 8), CT_OK);
    assert_string_equal(buf, "0:00:00");
    /* "0:02:21.90" needs 11. */
    assert_int_equal(ct_timestring(141.9, 1, buf, 10), CT_EINVAL);
    assert_int_equal(ct_timestring(141.9, 1, buf, 11), CT_OK);
    assert_string_equal(buf, "0:02:21.90");
    assert_int_equal(ct_timestring(1.0, 0, NULL, 16), CT_EINVAL);
    assert_int_equal(ct_timestring(1.0, 0, buf, 0), CT_EINVAL);
    assert_int_equal(ct_timestring(NAN, 0, buf, sizeof(buf)), CT_EINVAL);
    assert_string_equal(buf, "");
    assert_int_equal(ct_timestring(INFINITY, 1, buf, sizeof(buf)), CT_EINVAL);
    assert_int_equal(ct_timestring(-INFINITY, 0, buf, sizeof(buf)), CT_EINVAL);
}

static void check_plain(double v, const char *want)
{
    char buf[64];

    memset(buf, 'x', sizeof(buf));
    ct__fmt_plain(v, buf, sizeof(buf));
    assert_string_equal(buf, want);
}

static void test_fmt_plain(void **state)
{
    (void)state;
    check_plain(287.53, "287.53");
    check_plain(0.0, "0.0");
    check_plain(38.911, "38.911");
    check_plain(1e-05, "0.00001");
    check_plain(0.1 + 0.2, "0.3");
    check_plain(1e-13, "0.0");
    check_plain(-2.5, "-2.5");
    check_plain(1.0, "1.0");
    check_plain(136.86084615, "136.86084615");
    check_plain(0.0002777777777777778, "0.000277777778");
    check_plain(123456789.123456789, "123456789.123456791043");
    check_plain(1e20, "100000000000000000000.0");
    check_plain(NAN, "nan");
    check_plain(INFINITY, "inf");
    check_plain(-INFINITY, "-inf");
}

static void test_fmt_plain_truncates(void **state)
{
    (void)state;
    char buf[5];
    char big[400];

    ct__fmt_plain(287.53, buf, sizeof(buf));
    assert_string_equal(buf, "287.");
    /* The largest double still comes out in full, without an exponent. */
    ct__fmt_plain(-1.7976931348623157e308, big, sizeof(big));
    assert_string_equal(
        big, "-1797693134862315708145274237317043567980705675258449965989174768031572607800285"
             "38760589558632766878171540458953514382464234321326889464182768467546703537516986"
             "04991057655128207624549009038932894407586850845513394230458323690322294816580855"
             "9332123348274797826204144723168738177180919299881250404026184124858368.0");
}

/* ct__json_real(v) must be what jansson writes for json_real(v), byte for byte. */
static int json_real_matches(double v)
{
    char got[CT__JSON_REAL_MAX + 8];
    memset(got, 'x', sizeof(got));
    size_t n = ct__json_real(got, v);
    json_t *r = isfinite(v) ? json_real(v) : json_null(); /* jansson has no real that is not */
    char *want = r ? json_dumps(r, JSON_ENCODE_ANY) : NULL;
    json_decref(r);
    int ok = want && n < CT__JSON_REAL_MAX && strlen(want) == n && memcmp(got, want, n) == 0 &&
             got[CT__JSON_REAL_MAX] == 'x';
    if (!ok)
        print_error("ct__json_real(%a = %.17g) = \"%.*s\", jansson \"%s\"\n", v, v, (int)n, got,
                    want ? want : "(none)");
    free(want);
    return ok;
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_json_real(void **state)
{
    (void)state;
    char buf[CT__JSON_REAL_MAX];
    /* What the logs hold, and the shapes printf gives. */
    const struct {
        double v;
        const char *want;
    } cases[] = {
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1.0, "1.0"},
        {0.1, "0.10000000000000001"},
        {0.00039238599999999999, "0.00039238599999999999"},
        {0.001805896, "0.001805896"},
        {1796493602.4161777, "1796493602.4161777"},
        {151.6503, "151.65029999999999"},
        {-2.5, "-2.5"},
        {1e16, "10000000000000000.0"},
        {1e17, "1e17"},
        {123456789012.0, "123456789012.0"},
        {1e-4, "0.0001"},
        {1e-5, "1.0000000000000001e-5"},
        {5e-324, "4.9406564584124654e-324"},
        {1.7976931348623157e308, "1.7976931348623157e308"},
        {1000000000000000.25, "1000000000000000.2"}, /* a tie: to even */
        {1000000000000000.75, "1000000000000000.8"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = ct__json_real(buf, cases[i].v);
        if (n != strlen(cases[i].want) || memcmp(buf, cases[i].want, n) != 0)
            print_error("ct__json_real(%.17g) = \"%.*s\", want \"%s\"\n", cases[i].v, (int)n, buf,
                        cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
        assert_memory_equal(buf, cases[i].want, n);
        assert_true(json_real_matches(cases[i].v));
    }
    assert_int_equal(ct__json_real(buf, NAN), 4);
    assert_memory_equal(buf, "null", 4);
    assert_int_equal(ct__json_real(buf, -INFINITY), 4);

    /* Every power of ten and its neighbours, around the ends of the exact range. */
    for (int x = -330; x <= 308; x++) {
        char text[16];
        snprintf(text, sizeof(text), "1e%d", x);
        double p = strtod(text, NULL);
        assert_true(json_real_matches(p));
        assert_true(json_real_matches(nextafter(p, 0)));
        assert_true(json_real_matches(nextafter(p, INFINITY)));
        assert_true(json_real_matches(-p));
        assert_true(json_real_matches(p * 9.999999999999999));
    }

    /* Exact ties at the 17th digit: an odd q / 2^k has k fractional digits, the last a 5, so when
     * it has 18 significant digits in all the 18th is a 5 with nothing after it. q is drawn so
     * that there are 18 - k digits before the point (k <= 17), or k - 18 zeros after it. */
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int k = 2; k <= 24; k++) {
        uint64_t p10 = 1, two_k = 1ull << k, lo, hi; /* q in [lo, hi) */
        for (int i = 0; i < (k <= 17 ? 17 - k : k - 17); i++)
            p10 *= 10;
        if (k <= 17) {
            lo = p10 << k;
            hi = lo * 10 < (1ull << 53) ? lo * 10 : 1ull << 53;
        } else {
            lo = (two_k + p10 - 1) / p10;
            hi = two_k * 10 / p10;
        }
        for (int i = 0; i < 200; i++) {
            uint64_t q = (lo + next_rand(&seed) % (hi - lo - 1)) | 1;
            double v = ldexp((double)q, -k);
            char exact[64];
            snprintf(exact, sizeof(exact), "%.25e", v); /* 26 significant digits, all exact */
            assert_true(exact[18] == '5' && strspn(exact + 19, "0") == 8);
            assert_true(json_real_matches(v));
            assert_true(json_real_matches(-v));
        }
    }

    /* Random doubles of every exponent, then densely over the range the logs use. */
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = next_rand(&seed);
        double v;
        memcpy(&v, &bits, sizeof(v));
        if (!isfinite(v))
            continue;
        assert_true(json_real_matches(v));
        double w = ldexp(1.0 + (double)(bits >> 12) / 4503599627370496.0,
                         (int)(next_rand(&seed) % 70) - 18);
        assert_true(json_real_matches(w));
    }
}

/* ct__json_real_prec against jansson with JSON_REAL_PRECISION(prec), every precision. */
static void test_json_real_precision(void **state)
{
    (void)state;
    uint64_t seed = 0x2545f4914f6cdd1dull;
    for (int i = 0; i < 60000; i++) {
        int prec = 1 + (int)(next_rand(&seed) % 17);
        uint64_t bits = next_rand(&seed);
        double v = ldexp(1.0 + (double)(bits >> 12) / 4503599627370496.0,
                         (int)(next_rand(&seed) % 70) - 18);
        if (bits & 1)
            v = -v;
        if (i % 7 == 0)
            v = round(v * 1000.0) / 1000.0; /* short decimals: trailing zeros, ties */
        char got[CT__JSON_REAL_MAX];
        size_t n = ct__json_real_prec(got, v, prec);
        json_t *r = json_real(v);
        char *want = json_dumps(r, JSON_ENCODE_ANY | JSON_REAL_PRECISION(prec));
        json_decref(r);
        if (!want || strlen(want) != n || memcmp(got, want, n) != 0)
            print_error("ct__json_real_prec(%.17g, %d) = \"%.*s\", jansson \"%s\"\n", v, prec,
                        (int)n, got, want ? want : "(none)");
        assert_non_null(want);
        assert_int_equal(n, strlen(want));
        assert_memory_equal(got, want, n);
        free(want);
    }
}

/* A random jansson tree: objects, arrays, strings with escapes and UTF-8, integers, reals. */
static json_t *random_tree(uint64_t *seed, int depth)
{
    static const char *const strs[] = {"",
                                       "cpu:0",
                                       "a \"quoted\" \\ path/x",
                                       "tab\there\nline",
                                       "\x01\x1f\x7f bell\b feed\f cr\r",
                                       "Grüße, 東京 ✓",
                                       "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz"};
    int kind = (int)(next_rand(seed) % (depth > 3 ? 6 : 8));
    switch (kind) {
    case 0:
        return json_string(strs[next_rand(seed) % (sizeof(strs) / sizeof(strs[0]))]);
    case 1:
        return json_integer((json_int_t)(next_rand(seed) % 2000001) - 1000000);
    case 2: {
        uint64_t b = next_rand(seed);
        double v;
        memcpy(&v, &b, sizeof(v));
        return json_real(isfinite(v) ? v : 0.5);
    }
    case 3:
        return json_real(
            ldexp((double)(next_rand(seed) % 100000000), -(int)(next_rand(seed) % 40)));
    case 4:
        return next_rand(seed) % 3 == 0 ? json_null() : json_boolean(next_rand(seed) % 2);
    case 5:
        return json_integer(next_rand(seed) % 2 ? INT64_MAX : INT64_MIN);
    case 6: {
        json_t *o = json_object();
        int n = (int)(next_rand(seed) % 5);
        for (int i = 0; i < n; i++) {
            char key[32];
            snprintf(key, sizeof(key), i % 2 ? "k\"%d" : "key_%d", (int)(next_rand(seed) % 50));
            json_object_set_new(o, key, random_tree(seed, depth + 1));
        }
        return o;
    }
    default: {
        json_t *a = json_array();
        int n = (int)(next_rand(seed) % 5);
        for (int i = 0; i < n; i++)
            json_array_append_new(a, random_tree(seed, depth + 1));
        return a;
    }
    }
}

/* ct__json_text against json_dumps for the flags the library writes with. */
static void test_json_text(void **state)
{
    (void)state;
    const struct {
        int indent, prec;
        size_t flags;
    } modes[] = {
        {-1, 0, JSON_COMPACT},
        {0, 0, 0},
        {2, 0, JSON_INDENT(2)},
        {2, 15, JSON_INDENT(2) | JSON_REAL_PRECISION(15)},
        {4, 6, JSON_INDENT(4) | JSON_REAL_PRECISION(6)},
    };
    uint64_t seed = 0x853c49e6748fea9bull;
    for (int i = 0; i < 3000; i++) {
        json_t *tree = random_tree(&seed, 0);
        for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
            size_t n = 0;
            char *got = ct__json_text(tree, modes[m].indent, modes[m].prec, &n);
            char *want = json_dumps(tree, modes[m].flags | JSON_ENCODE_ANY);
            assert_non_null(got);
            assert_non_null(want);
            if (strcmp(got, want) != 0)
                print_error("mode %zu:\n%s\njansson:\n%s\n", m, got, want);
            assert_string_equal(got, want);
            assert_int_equal(n, strlen(want));
            free(got);
            free(want);
        }
        json_decref(tree);
    }
    assert_null(ct__json_text(NULL, -1, 0, NULL));
}

static void test_json_u64(void **state)
{
    (void)state;
    const uint64_t cases[] = {
        0, 1, 9, 10, 99, 100, 123456789012ull, 9223372036854775807ull, 18446744073709551615ull};
    char buf[24], want[24];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = ct__json_u64(buf, cases[i]);
        snprintf(want, sizeof(want), "%llu", (unsigned long long)cases[i]);
        assert_int_equal(n, strlen(want));
        assert_memory_equal(buf, want, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestring_upstream_examples),
        cmocka_unit_test(test_timestring_rounding_and_carry),
        cmocka_unit_test(test_timestring_ms),
        cmocka_unit_test(test_timestring_invalid),
        cmocka_unit_test(test_fmt_plain),
        cmocka_unit_test(test_fmt_plain_truncates),
        cmocka_unit_test(test_json_real),
        cmocka_unit_test(test_json_u64),
        cmocka_unit_test(test_json_real_precision),
        cmocka_unit_test(test_json_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
