/*
 * test_band.c - the prediction band: on synthetic epochs whose energy and duration are drawn from
 * known normal distributions, the 10th-to-90th-percentile band of the predicted totals covers the
 * true totals (the epochs measured plus the ones still to come, drawn from the same
 * distributions) at its stated 80 %, with about 10 % below and 10 % above; a single measured
 * epoch has no spread and, offline, no band; the t quantiles are the tables'.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "account.h"
#include "carbon/refresh.h"
#include "ct_assert.h"

#include <math.h>
#include <string.h>

/* xorshift64* and Box-Muller: the same draws on every run. */
static uint64_t rng = 0x9E3779B97F4A7C15ull;

static double uniform(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return ((rng * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0);
}

static double normal(double mean, double sd)
{
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300)
        u1 = 1e-300;
    return mean + sd * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

struct tally {
    int below, inside, above;
};

static void count(struct tally *t, double truth, double lo, double hi)
{
    if (truth < lo)
        t->below++;
    else if (truth > hi)
        t->above++;
    else
        t->inside++;
}

/* One run: n epochs measured, a prediction for `epochs`, then the rest drawn. */
static void trial(struct ct__carbon *c, int n, int epochs, struct tally *kwh, struct tally *co2,
                  struct tally *dur)
{
    const double pue = 1.5, ci = 200.0, e_mean = 1000, e_sd = 100, d_mean = 10, d_sd = 1;
    struct ct__account a;
    struct ct__intensity in_force = {.g_per_kwh = ci};
    uint64_t total_uj = 0;
    double true_j = 0, true_s = 0;

    ct__account_init(&a, pue, c);
    for (int i = 0; i < n; i++) {
        double e = normal(e_mean, e_sd), d = normal(d_mean, d_sd);
        ct__account_epoch_open(&a, total_uj);
        total_uj += (uint64_t)(e * 1e6);
        assert_non_null(ct__account_epoch_close(&a, total_uj, d, e, 0));
        true_j += (double)(uint64_t)(e * 1e6) / 1e6;
        true_s += d;
    }
    ct__account_predict(&a, epochs, 900, &in_force, 1.7e9);
    const struct ct__prediction *p = &a.pred;
    assert_true(p->band);
    assert_true(p->band_spread);
    assert_false(p->band_forecast);
    for (int i = n; i < epochs; i++) {
        true_j += normal(e_mean, e_sd);
        true_s += normal(d_mean, d_sd);
    }
    double true_kwh = true_j / 3.6e6 * pue;
    count(kwh, true_kwh, p->lo_kwh, p->hi_kwh);
    count(co2, true_kwh * ci, p->lo_co2eq_g, p->hi_co2eq_g);
    count(dur, true_s, p->lo_duration_s, p->hi_duration_s);
    ct_assert_cmp_double(p->lo_kwh, <=, p->energy_kwh);
    ct_assert_cmp_double(p->energy_kwh, <=, p->hi_kwh);
    ct_assert_cmp_double(p->lo_co2eq_g, <=, p->co2eq_g);
    ct_assert_cmp_double(p->co2eq_g, <=, p->hi_co2eq_g);
    ct__account_free(&a);
}

static void assert_rate(const char *what, const struct tally *t, int trials)
{
    double in = (double)t->inside / trials, lo = (double)t->below / trials,
           hi = (double)t->above / trials;
    /* Binomial: 4000 trials, sd 0.0063 for 80 %, 0.0047 for 10 %; the bounds are ~5 sd. */
    if (!(in > 0.77 && in < 0.83 && lo > 0.075 && lo < 0.125 && hi > 0.075 && hi < 0.125))
        fail_msg("%s: inside %.3f, below %.3f, above %.3f (expected 0.80, 0.10, 0.10)", what, in,
                 lo, hi);
}

static void coverage(int n, int epochs)
{
    struct ct__carbon c;
    struct tally kwh = {0}, co2 = {0}, dur = {0};
    const int trials = 4000;
    ct__carbon_init(&c);
    c.cur.g_per_kwh = 200.0;
    for (int i = 0; i < trials; i++)
        trial(&c, n, epochs, &kwh, &co2, &dur);
    assert_rate("energy", &kwh, trials);
    assert_rate("co2eq", &co2, trials);
    assert_rate("duration", &dur, trials);
    ct__carbon_free(&c);
}

static void test_coverage_5_of_40(void **st)
{
    (void)st;
    coverage(5, 40);
}

static void test_coverage_2_of_10(void **st)
{
    (void)st;
    coverage(2, 10); /* one degree of freedom: t90 = 3.078 */
}

static void test_coverage_20_of_100(void **st)
{
    (void)st;
    coverage(20, 100);
}

static void test_one_epoch_offline_has_no_band(void **st)
{
    (void)st;
    struct ct__carbon c;
    struct ct__account a;
    struct ct__intensity in_force = {.g_per_kwh = 100};
    ct__carbon_init(&c);
    c.cur.g_per_kwh = 100;
    ct__account_init(&a, 1.0, &c);
    ct__account_epoch_open(&a, 0);
    assert_non_null(ct__account_epoch_close(&a, 3600000000ull, 10, 3600, 0));
    ct__account_predict(&a, 10, 900, &in_force, 1.7e9);
    assert_false(a.pred.band);
    assert_false(a.pred.band_spread);
    ct__account_free(&a);
    ct__carbon_free(&c);
}

static void test_t_quantiles(void **st)
{
    (void)st;
    ct_assert_double_equal(3.078, ct__t90(1));
    ct_assert_double_equal(1.372, ct__t90(10));
    ct_assert_double_equal(1.310, ct__t90(30));
    ct_assert_double_near(1.2816, ct__t90(1000000), 1e-5);
    ct_assert_cmp_double(ct__t90(45), <, ct__t90(35));
    assert_true(isnan(ct__t90(0)));
    /* 2 epochs of sd 1, 8 to come: 3.078 x sqrt(8 + 64 / 2) */
    ct_assert_double_near(3.078 * sqrt(40.0), ct__band_halfwidth(2, 1.0, 8), 1e-12);
    ct_assert_double_equal(0.0, ct__band_halfwidth(1, 1.0, 8));
    ct_assert_double_equal(0.0, ct__band_halfwidth(5, 1.0, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coverage_5_of_40),
        cmocka_unit_test(test_coverage_2_of_10),
        cmocka_unit_test(test_coverage_20_of_100),
        cmocka_unit_test(test_one_epoch_offline_has_no_band),
        cmocka_unit_test(test_t_quantiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
