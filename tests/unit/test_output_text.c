/*
 * test_output_text.c - accounting arithmetic, upstream's consumption block byte for byte,
 * Python float repr, and the status table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "account.h"
#include "ct_assert.h"
#include "internal.h"
#include "sink/text.h"

#include <math.h>
#include <string.h>

static void test_kwh_and_co2(void **state)
{
    (void)state;
    /* Upstream example A: (287.53 + 38.911) W x 30.02 s x 1.58 = 0.0043010053 kWh. */
    double kwh = ct__kwh_pue((287.53 + 38.911) * 30.02, 1.58);
    ct_assert_double_near(0.00430100526, kwh, 1e-10);
    ct_assert_double_near(1.9567462, ct__co2eq_g(kwh * 3, 151.6503), 1e-6);
    /* PUE applies per upstream: [3,5,7] x 1.58. */
    ct_assert_double_near(7.9, ct__kwh_pue(5 * 3.6e6, 1.58), 1e-12);
}

static void test_equivalents(void **state)
{
    (void)state;
    ct_assert_double_near(2.3255813953488373, ct__km_by_car(250), 1e-12);
    ct_assert_double_near(4.6511627906976747, ct__km_by_car(500), 1e-12);
    ct_assert_nan(ct__km_by_car(-1));
    ct_assert_nan(ct__km_by_car(NAN));
}

static void test_prediction(void **state)
{
    (void)state;
    double e[] = {10, 20, 30, 40, 50};
    double t[] = {1, 2, 3, 4, 5};
    ct_assert_double_equal(300.0, ct__predict_total(10, e, 5));
    ct_assert_double_equal(30.0, ct__predict_total(10, t, 5));
    ct_assert_double_equal(0.0, ct__predict_total(10, e, 0));
}

static void test_block_upstream_example(void **state)
{
    (void)state;
    char buf[1024];
    /* Acceptance case 7: Actual consumption:, 600 s, 60 kWh, 150 g, precision 6. */
    ct__consumption_block(buf, sizeof(buf), "Actual consumption:", 600, 60, 150, 6, 1);
    assert_string_equal(buf, "\nActual consumption:\n\tTime:\t0:10:00\n\tEnergy:\t60.000000 kWh\n"
                             "\tCO2eq:\t150.000000 g\n\tThis is equivalent to:\n"
                             "\t1.395349 km travelled by car");
    /* Precision 12 as in the upstream docs' predicted block. */
    ct__consumption_block(buf, sizeof(buf), "Predicted consumption for 1000 epoch(s):", 10342,
                          0.038168, 4.096665, 12, 1);
    assert_string_equal(buf, "\nPredicted consumption for 1000 epoch(s):\n\tTime:\t2:52:22\n"
                             "\tEnergy:\t0.038168000000 kWh\n\tCO2eq:\t4.096665000000 g\n"
                             "\tThis is equivalent to:\n\t0.038108511628 km travelled by car");
}

static void test_block_not_interpretable(void **state)
{
    (void)state;
    char buf[512];
    ct__consumption_block(buf, sizeof(buf), "Actual consumption:", 1000, 50.123, 100.456, 6, 0);
    assert_string_equal(buf, "\nActual consumption:\n\tTime:\t0:16:40\n\tEnergy:\t50.123000 kWh\n"
                             "\tCO2eq:\t100.456000 g");
    /* Negative CO2 gives no equivalents even when interpretable. */
    ct__consumption_block(buf, sizeof(buf), "x", 0, 0, -1, 2, 1);
    ct_assert_not_contains(buf, "equivalent");
}

static void test_repr(void **state)
{
    (void)state;
    char buf[64];
    ct__fmt_repr(151.6503, buf, sizeof(buf));
    assert_string_equal(buf, "151.6503");
    ct__fmt_repr(1.58, buf, sizeof(buf));
    assert_string_equal(buf, "1.58");
    ct__fmt_repr(481, buf, sizeof(buf));
    assert_string_equal(buf, "481.0");
    ct__fmt_repr(0.1 + 0.2, buf, sizeof(buf));
    assert_string_equal(buf, "0.30000000000000004");
    /* Python keeps positional notation for 1e-4 <= |v| < 1e16. */
    const struct {
        double v;
        const char *want;
    } cases[] = {{200.0, "200.0"},    {1e15, "1000000000000000.0"}, {1e16, "1e+16"},
                 {0.0001, "0.0001"},  {0.00001, "1e-05"},           {-2.5, "-2.5"},
                 {0.0, "0.0"},        {123456.789, "123456.789"},   {1.5e-7, "1.5e-07"},
                 {2.5e20, "2.5e+20"}, {56.03859, "56.03859"},       {0.012, "0.012"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ct__fmt_repr(cases[i].v, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
    }
}

static void test_status_table(void **state)
{
    (void)state;
    assert_string_equal(ct_status_name(CT_OK), "OK");
    assert_string_equal(ct_status_name(CT_EPERM), "EPERM");
    assert_string_equal(ct_strerror(CT_EPERM), "permission denied");
    assert_string_equal(ct_strerror(12345), "unknown status");
    assert_null(ct_status_name(12345));
    /* Every code in the map has a distinct name and text. */
    int codes[] = {
#define C(name, value, text) value,
        CT_STATUS_MAP(C)
#undef C
    };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        assert_non_null(ct_status_name(codes[i]));
        assert_string_not_equal(ct_strerror(codes[i]), "unknown status");
        for (size_t j = 0; j < i; j++)
            assert_int_not_equal(codes[i], codes[j]);
    }
    assert_string_equal(ct_provenance_name(CT_PROVENANCE_ESTIMATED), "estimated");
    assert_int_equal(ct_version(), CT_VERSION_HEX);
    assert_string_equal(ct_version_string(), CT_VERSION_STRING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kwh_and_co2),
        cmocka_unit_test(test_equivalents),
        cmocka_unit_test(test_prediction),
        cmocka_unit_test(test_block_upstream_example),
        cmocka_unit_test(test_block_not_interpretable),
        cmocka_unit_test(test_repr),
        cmocka_unit_test(test_status_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
