/*
 * test_budget.c - the budget in the epoch API and ct_get_live(): a simulated 500 W CPU, epochs
 * of ~0.1 s; a budget below the prediction is reported at the first epoch after the prediction
 * (CT_EBUDGET with "stop", a warning once with "warn"), a budget the running total reaches
 * before any prediction is reported at that epoch's end, and the summary records the decision.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ct_assert.h"

#include <carbontracker.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct console {
    char text[16384];
    size_t len;
};

static void collect(void *user, int level, const char *text)
{
    struct console *c = user;
    (void)level;
    int n = snprintf(c->text + c->len, sizeof(c->text) - c->len, "%s\n", text);
    if (n > 0)
        c->len += (size_t)n < sizeof(c->text) - c->len ? (size_t)n : 0;
}

static ct_options sim_options(struct console *con)
{
    ct_options o = CT_OPTIONS_INIT;
    o.epochs = 10;
    o.sim_cpu = "Budget CPU";
    o.sim_cpu_tdp_w = 500;
    o.sim_cpu_util = 1;
    o.zone = "DK"; /* the table: 151.65 g/kWh */
    o.update_interval_s = 0.02;
    o.message = collect;
    o.message_user = con;
    return o;
}

static int epoch(ct_tracker *t, ct_epoch_result *r)
{
    assert_int_equal(ct_epoch_start(t), CT_OK);
    usleep(100000);
    *r = (ct_epoch_result)CT_EPOCH_RESULT_INIT;
    return ct_epoch_end(t, r);
}

static char *summary(ct_tracker *t)
{
    char *json = NULL;
    assert_int_equal(ct_summary_json(t, &json), CT_OK);
    return json;
}

/* Stop: the prediction after epoch 2 exceeds a budget of 4 epochs' CO2eq -> CT_EBUDGET there. */
static void test_stop_at_first_epoch_after_prediction(void **st)
{
    (void)st;
    struct console con = {0};
    ct_options o = sim_options(&con);
    o.epochs_before_pred = 2;
    /* 500 W x 0.1 s x 1.58 / 3.6e6 x 151.65 = 3.3e-3 g per epoch; 10 epochs ~ 0.033 g. */
    o.budget_co2eq_g = 0.0135;
    o.budget_action = "stop";
    ct_tracker *t = NULL;
    char err[256] = "";
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_OK);
    ct_epoch_result r;
    assert_int_equal(epoch(t, &r), CT_OK); /* no prediction yet, within the budget */
    ct_live l = CT_LIVE_INIT;
    assert_int_equal(ct_get_live(t, &l), CT_OK);
    assert_int_equal(l.budget, CT_BUDGET_WITHIN);
    assert_int_equal(l.stop_requested, 0);
    ct_assert_double_near(l.co2eq_g, r.co2eq_g, r.co2eq_g * 0.05 + 1e-9);
    ct_assert_cmp_double(l.budget_used, >, 0.15);
    ct_assert_cmp_double(l.budget_used, <, 0.4);

    double co2_2 = 0;
    assert_int_equal(epoch(t, &r), CT_EBUDGET); /* the prediction is made here */
    co2_2 = r.co2eq_g;
    assert_int_equal(r.epoch, 2);
    ct_assert_contains(con.text, "Predicted consumption for 10 epoch(s):");
    ct_assert_contains(con.text, "exceeds the budget of 0.0135 g CO2eq: at this rate the budget "
                                 "runs out in epoch ");
    ct_assert_contains(con.text, "Stopping training (budget_action stop).");
    ct_assert_contains(con.text, "Actual consumption for 2 epoch(s):");
    ct_assert_contains(ct_errmsg(t), "exceeds the budget");
    assert_int_equal(ct_get_live(t, &l), CT_OK);
    assert_int_equal(l.budget, CT_BUDGET_PREDICTED);
    assert_int_equal(l.stop_requested, 1);
    assert_int_equal(l.finished, 1);
    /* Finished: further epochs are no-ops. */
    assert_int_equal(ct_epoch_start(t), CT_OK);

    ct_summary s = CT_SUMMARY_INIT;
    assert_int_equal(ct_get_summary(t, &s), CT_OK);
    assert_int_equal(s.epochs, 2);
    assert_int_equal(s.early_stop, 1);
    /* The epoch in which the budget runs out at the predicted rate. */
    int expect = (int)ceil(0.0135 / (s.pred_co2eq_g / 10));
    char *json = summary(t);
    char want[160];
    snprintf(want, sizeof(want), "\"runs_out_epoch\": %d", expect);
    const char *b = strstr(json, "\"budget\": {");
    assert_non_null(b);
    ct_assert_contains(b, "\"co2eq_g\": 0.0135,\n    \"kwh\": null,\n    \"action\": \"stop\",\n"
                          "    \"state\": \"predicted\",\n    \"spent\": null");
    ct_assert_contains(json, want);
    ct_assert_contains(json, "\"stopped\": true");
    ct_assert_cmp_int(expect, >=, 3);
    ct_assert_cmp_int(expect, <=, 6);
    (void)co2_2;
    free(json);
    ct_tracker_free(t);
}

/* Warn: said once at the prediction, training goes on to the end. */
static void test_warn_goes_on(void **st)
{
    (void)st;
    struct console con = {0};
    ct_options o = sim_options(&con);
    o.epochs = 4;
    o.budget_kwh = 5e-5; /* ~2.3 epochs of 2.2e-5 kWh */
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    ct_epoch_result r;
    for (int i = 0; i < 4; i++)
        assert_int_equal(epoch(t, &r), CT_OK);
    const char *p = strstr(con.text, "exceeds the budget of 5e-05 kWh");
    assert_non_null(p);
    assert_null(strstr(p + 1, "exceeds the budget"));
    ct_assert_contains(con.text, "Training goes on (budget_action warn).");
    /* The running total reached it later: said once too, in epoch 3. */
    ct_assert_contains(con.text, "The budget of 5e-05 kWh was reached after 0:00:0");
    ct_assert_contains(con.text, "Actual consumption for 4 epoch(s):");
    char *json = summary(t);
    ct_assert_contains(json, "\"action\": \"warn\",\n    \"state\": \"spent\"");
    ct_assert_contains(json, "\"runs_out_epoch\": 3");
    ct_assert_contains(json, "\"stopped\": false");
    free(json);
    ct_tracker_free(t);
}

/* Without a prediction (epochs_before_pred 0), the running total is what counts: stop at the
 * end of the epoch in which it was reached. */
static void test_spent_without_prediction(void **st)
{
    (void)st;
    struct console con = {0};
    ct_options o = sim_options(&con);
    o.epochs_before_pred = 0;
    o.budget_co2eq_g = 0.005; /* reached during epoch 2 */
    o.budget_action = "stop";
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    ct_epoch_result r;
    assert_int_equal(epoch(t, &r), CT_OK);
    assert_int_equal(epoch(t, &r), CT_EBUDGET);
    ct_assert_contains(con.text, "The budget of 0.005 g CO2eq was reached after 0:00:00.");
    ct_live l = CT_LIVE_INIT;
    assert_int_equal(ct_get_live(t, &l), CT_OK);
    assert_int_equal(l.budget, CT_BUDGET_SPENT);
    ct_assert_cmp_double(l.budget_used, >=, 1.0);
    char *json = summary(t);
    ct_assert_contains(json, "\"state\": \"spent\",\n    \"spent\": {\n      \"co2eq_g\": 0.00");
    free(json);
    ct_tracker_free(t);
}

/* ct_get_live without a budget, its version check, and bad budgets at open. */
static void test_live_and_validation(void **st)
{
    (void)st;
    struct console con = {0};
    ct_options o = sim_options(&con);
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    usleep(150000);
    ct_live l = CT_LIVE_INIT;
    assert_int_equal(ct_get_live(t, &l), CT_OK);
    assert_int_equal(l.budget, CT_BUDGET_NONE);
    assert_true(isnan(l.budget_used));
    ct_assert_double_near(l.power_w, 500.0, 5.0);
    ct_assert_double_near(151.6503, l.intensity_g_per_kwh, 1e-9);
    ct_assert_prefix(l.intensity_source, "table:owid:DK:");
    ct_assert_double_near(l.energy_kwh, l.energy_j / 3.6e6 * 1.58, 1e-12);
    ct_assert_double_near(l.co2eq_g, l.energy_kwh * 151.65, l.co2eq_g * 0.05);
    ct_assert_cmp_double(l.elapsed_s, >=, 0.15);
    ct_live bad = {.version = CT_LIVE_VERSION + 1};
    assert_int_equal(ct_get_live(t, &bad), CT_EINVAL);
    assert_int_equal(ct_get_live(NULL, &l), CT_EINVAL);
    assert_int_equal(ct_live_init(&l, 0), CT_EINVAL);
    assert_int_equal(ct_struct_size("ct_live"), sizeof(ct_live));
    ct_tracker_free(t);

    char err[256];
    o.budget_co2eq_g = -1;
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "budget_co2eq_g must be a positive number of grams, got -1");
    o.budget_co2eq_g = NAN;
    o.budget_kwh = 0;
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EINVAL);
    assert_string_equal(err, "budget_kwh must be a positive number of kWh, got 0");
    o.budget_kwh = NAN;
    o.budget_action = "halt";
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EINVAL);
    ct_assert_contains(err, "budget_action must be \"warn\"");
    assert_string_equal(ct_status_name(CT_EBUDGET), "EBUDGET");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stop_at_first_epoch_after_prediction),
        cmocka_unit_test(test_warn_goes_on),
        cmocka_unit_test(test_spent_without_prediction),
        cmocka_unit_test(test_live_and_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
