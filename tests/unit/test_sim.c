/*
 * test_sim.c - the simulated CPU/GPU meters: constant value x utilisation watts integrated over
 * explicit monotonic times, upstream's validation messages word for word, and the banner line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ct_assert.h"
#include "energy/meter.h"
#include "energy/sim.h"

#include <math.h>
#include <string.h>

#define SEC_NS 1000000000ULL

#define MSG_CPU_MISSING                                                                            \
    "When using simulated CPU (sim_cpu), you must also specify the CPU TDP (sim_cpu_tdp)"
#define MSG_GPU_MISSING                                                                            \
    "When using simulated GPU (sim_gpu), you must also specify the GPU power consumption "         \
    "(sim_gpu_watts)"
#define MSG_CPU_NAME "CPU name must be a non-empty string."
#define MSG_GPU_NAME "GPU name must be a non-empty string."
#define MSG_CPU_TDP "CPU TDP must be a non-negative number."
#define MSG_GPU_WATTS "GPU watts must be a non-negative number."
#define MSG_CPU_UTIL "CPU utilization must be between 0.0 and 1.0."
#define MSG_GPU_UTIL "GPU utilization must be between 0.0 and 1.0."

static ct_options cpu_opts(const char *name, double tdp_w, double util)
{
    ct_options o = CT_OPTIONS_INIT;
    o.sim_cpu = name;
    o.sim_cpu_tdp_w = tdp_w;
    o.sim_cpu_util = util;
    return o;
}

static ct_options gpu_opts(const char *name, double watts, double util)
{
    ct_options o = CT_OPTIONS_INIT;
    o.sim_gpu = name;
    o.sim_gpu_watts = watts;
    o.sim_gpu_util = util;
    return o;
}

static void *probe_ok(const struct ct__meter_ops *m, const ct_options *o)
{
    struct ct__probe_ctx ctx = {.sysfs_fd = -1, .proc_fd = -1, .opts = o};
    void *state = NULL;
    char why[256] = "";
    int rc = m->probe(&ctx, &state, why, sizeof(why));
    if (rc != CT_OK)
        print_error("probe: %d %s\n", rc, why);
    assert_int_equal(rc, CT_OK);
    assert_non_null(state);
    return state;
}

static void assert_probe_fails(const struct ct__meter_ops *m, const ct_options *o, int code,
                               const char *why_expected)
{
    struct ct__probe_ctx ctx = {.sysfs_fd = -1, .proc_fd = -1, .opts = o};
    void *state = (void *)&ctx;
    char why[256] = "";
    assert_int_equal(m->probe(&ctx, &state, why, sizeof(why)), code);
    assert_null(state);
    assert_string_equal(why, why_expected);
}

static uint64_t read_uj(const struct ct__meter_ops *m, void *state, uint64_t now_ns)
{
    struct ct__reading r = {0, 1};
    assert_int_equal(m->read(state, now_ns, &r), CT_OK);
    assert_int_equal(r.lost, 0);
    return r.energy_uj;
}

static void assert_near_uj(uint64_t got, uint64_t expected)
{
    uint64_t d = got > expected ? got - expected : expected - got;
    if (d > 1)
        print_error("energy %llu uJ, expected %llu uJ\n", (unsigned long long)got,
                    (unsigned long long)expected);
    assert_true(d <= 1);
}

/* Energy between two reads 2 s apart, well after the probe. */
static uint64_t energy_over_2s(const struct ct__meter_ops *m, const ct_options *o)
{
    void *s = probe_ok(m, o);
    uint64_t t1 = ct__now_ns() + SEC_NS;
    uint64_t e1 = read_uj(m, s, t1);
    uint64_t e2 = read_uj(m, s, t1 + 2 * SEC_NS);
    m->close(s);
    return e2 - e1;
}

static void test_ops_tables(void **st)
{
    (void)st;
    assert_string_equal(ct__meter_sim_cpu.name, "sim-cpu");
    assert_int_equal(ct__meter_sim_cpu.component, CT__COMP_CPU);
    assert_string_equal(ct__meter_sim_gpu.name, "sim-gpu");
    assert_int_equal(ct__meter_sim_gpu.component, CT__COMP_GPU);
    ct__meter_sim_cpu.close(NULL);
    ct__meter_sim_gpu.close(NULL);
}

static void test_describe(void **st)
{
    (void)st;
    ct_options o = cpu_opts("Intel Xeon", 150, NAN);
    o.sim_gpu = "NVIDIA A100";
    o.sim_gpu_watts = 400;
    void *c = probe_ok(&ct__meter_sim_cpu, &o);
    void *g = probe_ok(&ct__meter_sim_gpu, &o);
    struct ct__meter_dev dev;
    assert_int_equal(ct__meter_sim_cpu.describe(c, &dev, 1), 1);
    assert_string_equal(dev.name, "Intel Xeon");
    assert_int_equal(dev.provenance, CT_PROVENANCE_SIMULATED);
    assert_int_equal(ct__meter_sim_gpu.describe(g, &dev, 1), 1);
    assert_string_equal(dev.name, "NVIDIA A100");
    assert_int_equal(dev.provenance, CT_PROVENANCE_SIMULATED);
    char detail[128];
    ct__meter_sim_cpu.detail(c, detail, sizeof(detail));
    assert_string_equal(detail, "simulated: TDP 150 W x 50% utilisation = 75.00 W constant");
    ct__meter_sim_gpu.detail(g, detail, sizeof(detail));
    assert_string_equal(detail, "simulated: power 400 W x 50% utilisation = 200.00 W constant");
    ct__meter_sim_cpu.close(c);
    ct__meter_sim_gpu.close(g);
}

/* Upstream's handler tests: 150 W -> 75 W, util 0.75 -> 112.5 W; 400 W -> 200 W, 0.6 -> 240. */
static void test_power_is_value_times_util(void **st)
{
    (void)st;
    ct_options o = cpu_opts("Intel Xeon", 150, NAN);
    assert_near_uj(energy_over_2s(&ct__meter_sim_cpu, &o), 150000000); /* 75 W x 2 s */
    o = cpu_opts("Intel Xeon", 150, 0.75);
    assert_near_uj(energy_over_2s(&ct__meter_sim_cpu, &o), 225000000); /* 112.5 W x 2 s */
    o = gpu_opts("NVIDIA A100", 400, NAN);
    assert_near_uj(energy_over_2s(&ct__meter_sim_gpu, &o), 400000000); /* 200 W x 2 s */
    o = gpu_opts("NVIDIA A100", 400, 0.6);
    assert_near_uj(energy_over_2s(&ct__meter_sim_gpu, &o), 480000000); /* 240 W x 2 s */
}

static void test_energy_is_cumulative_since_probe(void **st)
{
    (void)st;
    ct_options o = cpu_opts("Intel Xeon", 100, 1.0);
    void *s = probe_ok(&ct__meter_sim_cpu, &o);
    uint64_t t1 = ct__now_ns() + SEC_NS;
    uint64_t e1 = read_uj(&ct__meter_sim_cpu, s, t1);
    uint64_t e2 = read_uj(&ct__meter_sim_cpu, s, t1 + SEC_NS / 2);
    uint64_t e3 = read_uj(&ct__meter_sim_cpu, s, t1 + 10 * SEC_NS);
    ct_assert_cmp_uint(e1, >=, 100000000); /* at least the 1 s added to "now" */
    assert_near_uj(e2 - e1, 50000000);
    assert_near_uj(e3 - e1, 1000000000);
    /* a time before the last read (or before the probe) never lowers the counter */
    assert_int_equal(read_uj(&ct__meter_sim_cpu, s, t1), e3);
    assert_int_equal(read_uj(&ct__meter_sim_cpu, s, 0), e3);
    ct__meter_sim_cpu.close(s);

    s = probe_ok(&ct__meter_sim_cpu, &o);
    assert_int_equal(read_uj(&ct__meter_sim_cpu, s, 0), 0);
    ct__meter_sim_cpu.close(s);
}

/* Idle simulation (upstream commit 8beb2b9): zero watts or zero utilisation are valid. */
static void test_zero_allowed(void **st)
{
    (void)st;
    ct_options o = cpu_opts("Idle CPU", 0, NAN);
    assert_int_equal(energy_over_2s(&ct__meter_sim_cpu, &o), 0);
    o = gpu_opts("Idle GPU", 0, NAN);
    assert_int_equal(energy_over_2s(&ct__meter_sim_gpu, &o), 0);
    o = gpu_opts("Idle GPU", 300, 0.0);
    assert_int_equal(energy_over_2s(&ct__meter_sim_gpu, &o), 0);
    o = cpu_opts("Busy CPU", 100, 1.0);
    assert_near_uj(energy_over_2s(&ct__meter_sim_cpu, &o), 200000000);
    char why[64] = "x";
    o = cpu_opts("Idle CPU", 0, 0.0);
    assert_int_equal(ct__sim_validate(&o, why, sizeof(why)), CT_OK);
    assert_string_equal(why, "");
}

static void test_probe_not_configured(void **st)
{
    (void)st;
    ct_options o = CT_OPTIONS_INIT;
    o.sim_cpu_tdp_w = 100; /* a value without its name: ignored */
    assert_probe_fails(&ct__meter_sim_cpu, &o, CT_ENOTSUP,
                       "no simulated cpu configured (sim_cpu not set)");
    assert_probe_fails(&ct__meter_sim_gpu, &o, CT_ENOTSUP,
                       "no simulated gpu configured (sim_gpu not set)");
    assert_probe_fails(&ct__meter_sim_cpu, NULL, CT_ENOTSUP,
                       "no simulated cpu configured (sim_cpu not set)");
}

static void test_probe_validation_cpu(void **st)
{
    (void)st;
    ct_options o = cpu_opts("", 150, NAN);
    assert_probe_fails(&ct__meter_sim_cpu, &o, CT_EINVAL, MSG_CPU_NAME);
    o = cpu_opts(" \t ", 150, NAN);
    assert_probe_fails(&ct__meter_sim_cpu, &o, CT_EINVAL, MSG_CPU_NAME);
    o = cpu_opts("Intel Xeon", NAN, NAN);
    assert_probe_fails(&ct__meter_sim_cpu, &o, CT_EINVAL, MSG_CPU_TDP);
    o = cpu_opts("Intel Xeon", -1, NAN);
    assert_probe_fails(&ct__meter_sim_cpu, &o, CT_EINVAL, MSG_CPU_TDP);
    o = cpu_opts("Intel Xeon", INFINITY, NAN);
    assert_probe_fails(&ct__meter_sim_cpu, &o, CT_EINVAL, MSG_CPU_TDP);
    o = cpu_opts("Intel Xeon", 150, 1.5);
    assert_probe_fails(&ct__meter_sim_cpu, &o, CT_EINVAL, MSG_CPU_UTIL);
    o = cpu_opts("Intel Xeon", 150, -0.1);
    assert_probe_fails(&ct__meter_sim_cpu, &o, CT_EINVAL, MSG_CPU_UTIL);
    o = cpu_opts("Intel Xeon", 150, INFINITY);
    assert_probe_fails(&ct__meter_sim_cpu, &o, CT_EINVAL, MSG_CPU_UTIL);
    /* order: name before value before utilisation */
    o = cpu_opts("", -1, 2.0);
    assert_probe_fails(&ct__meter_sim_cpu, &o, CT_EINVAL, MSG_CPU_NAME);
    o = cpu_opts("Intel Xeon", -1, 2.0);
    assert_probe_fails(&ct__meter_sim_cpu, &o, CT_EINVAL, MSG_CPU_TDP);
    /* bounds included */
    o = cpu_opts("Intel Xeon", 150, 1.0);
    ct__meter_sim_cpu.close(probe_ok(&ct__meter_sim_cpu, &o));
}

static void test_probe_validation_gpu(void **st)
{
    (void)st;
    ct_options o = gpu_opts("", 400, NAN);
    assert_probe_fails(&ct__meter_sim_gpu, &o, CT_EINVAL, MSG_GPU_NAME);
    o = gpu_opts("NVIDIA A100", NAN, NAN);
    assert_probe_fails(&ct__meter_sim_gpu, &o, CT_EINVAL, MSG_GPU_WATTS);
    o = gpu_opts("NVIDIA A100", -0.5, NAN);
    assert_probe_fails(&ct__meter_sim_gpu, &o, CT_EINVAL, MSG_GPU_WATTS);
    o = gpu_opts("NVIDIA A100", 400, 1.0001);
    assert_probe_fails(&ct__meter_sim_gpu, &o, CT_EINVAL, MSG_GPU_UTIL);
    o = gpu_opts("NVIDIA A100", 400, -1e-9);
    assert_probe_fails(&ct__meter_sim_gpu, &o, CT_EINVAL, MSG_GPU_UTIL);
}

static void assert_validate(const ct_options *o, int code, const char *why_expected)
{
    char why[256] = "stale";
    assert_int_equal(ct__sim_validate(o, why, sizeof(why)), code);
    assert_string_equal(why, why_expected);
}

static void test_validate_constructor_checks(void **st)
{
    (void)st;
    ct_options o = CT_OPTIONS_INIT;
    assert_validate(&o, CT_OK, "");
    o.sim_cpu = "Intel Xeon";
    assert_validate(&o, CT_EINVAL, MSG_CPU_MISSING);
    o.sim_gpu = "NVIDIA A100";
    assert_validate(&o, CT_EINVAL, MSG_CPU_MISSING); /* CPU is checked first */
    o.sim_cpu_tdp_w = 150;
    assert_validate(&o, CT_EINVAL, MSG_GPU_MISSING);
    o.sim_gpu_watts = 400;
    assert_validate(&o, CT_OK, "");
    /* the constructor checks come before the handler checks */
    ct_options p = CT_OPTIONS_INIT;
    p.sim_cpu = "Intel Xeon";
    p.sim_cpu_tdp_w = 150;
    p.sim_cpu_util = 7;
    p.sim_gpu = "NVIDIA A100";
    assert_validate(&p, CT_EINVAL, MSG_GPU_MISSING);
    /* values without names are accepted and ignored */
    ct_options q = CT_OPTIONS_INIT;
    q.sim_cpu_tdp_w = -5;
    q.sim_cpu_util = 9;
    q.sim_gpu_watts = -5;
    q.sim_gpu_util = 9;
    assert_validate(&q, CT_OK, "");
    assert_int_equal(ct__sim_validate(NULL, NULL, 0), CT_OK);
    o.sim_cpu_tdp_w = NAN;
    assert_int_equal(ct__sim_validate(&o, NULL, 0), CT_EINVAL);
}

static void test_validate_handler_checks(void **st)
{
    (void)st;
    ct_options o = CT_OPTIONS_INIT;
    o.sim_cpu = "";
    o.sim_cpu_tdp_w = 150;
    assert_validate(&o, CT_EINVAL, MSG_CPU_NAME);
    o.sim_cpu = "Intel Xeon";
    o.sim_cpu_tdp_w = -1;
    assert_validate(&o, CT_EINVAL, MSG_CPU_TDP);
    o.sim_cpu_tdp_w = 150;
    o.sim_cpu_util = 1.5;
    assert_validate(&o, CT_EINVAL, MSG_CPU_UTIL);
    o.sim_cpu_util = 0.75;
    assert_validate(&o, CT_OK, "");

    ct_options g = CT_OPTIONS_INIT;
    g.sim_gpu = "  ";
    g.sim_gpu_watts = 400;
    assert_validate(&g, CT_EINVAL, MSG_GPU_NAME);
    g.sim_gpu = "NVIDIA A100";
    g.sim_gpu_watts = -3;
    assert_validate(&g, CT_EINVAL, MSG_GPU_WATTS);
    g.sim_gpu_watts = 400;
    g.sim_gpu_util = -0.1;
    assert_validate(&g, CT_EINVAL, MSG_GPU_UTIL);
}

/* Handlers are built per selected component, in component order ("all" = gpu, cpu). */
static void test_validate_component_order(void **st)
{
    (void)st;
    ct_options o = CT_OPTIONS_INIT;
    o.sim_cpu = "Intel Xeon";
    o.sim_cpu_tdp_w = 150;
    o.sim_cpu_util = 2;
    o.sim_gpu = "NVIDIA A100";
    o.sim_gpu_watts = 400;
    o.sim_gpu_util = 2;
    assert_validate(&o, CT_EINVAL, MSG_GPU_UTIL);
    o.components = NULL;
    assert_validate(&o, CT_EINVAL, MSG_GPU_UTIL);
    o.components = " CPU , gpu";
    assert_validate(&o, CT_EINVAL, MSG_CPU_UTIL);
    o.components = "gpu";
    assert_validate(&o, CT_EINVAL, MSG_GPU_UTIL);
    o.sim_gpu_util = 0.5;
    assert_validate(&o, CT_OK, ""); /* the CPU is not selected: upstream never builds it */
    o.components = "cpu";
    assert_validate(&o, CT_EINVAL, MSG_CPU_UTIL);
}

static void assert_banner(const ct_options *o, int comp, const char *expected)
{
    char buf[256] = "stale";
    ct__sim_banner(o, comp, buf, sizeof(buf));
    assert_string_equal(buf, expected);
}

static void test_banner(void **st)
{
    (void)st;
    ct_options o = cpu_opts("Intel Xeon", 150, NAN);
    assert_banner(&o, CT__COMP_CPU,
                  "Using simulated CPU: Intel Xeon with TDP: 75.00W (at 50% utilization)");
    o.sim_cpu_util = 0.75;
    assert_banner(&o, CT__COMP_CPU,
                  "Using simulated CPU: Intel Xeon with TDP: 112.50W (at 75% utilization)");
    /* Python's format rounds ties half to even: 12.5 -> 12, 37.5 -> 38, 0.125 -> 0.12 */
    o = cpu_opts("Intel Xeon", 1, 0.125);
    assert_banner(&o, CT__COMP_CPU,
                  "Using simulated CPU: Intel Xeon with TDP: 0.12W (at 12% utilization)");
    o = cpu_opts("Intel Xeon", 150, 0.375);
    assert_banner(&o, CT__COMP_CPU,
                  "Using simulated CPU: Intel Xeon with TDP: 56.25W (at 38% utilization)");
    o = cpu_opts("Intel Xeon", 150, 1.0 / 3.0);
    assert_banner(&o, CT__COMP_CPU,
                  "Using simulated CPU: Intel Xeon with TDP: 50.00W (at 33% utilization)");
    assert_banner(&o, CT__COMP_GPU, ""); /* no simulated GPU configured */

    o = gpu_opts("NVIDIA A100", 400, NAN);
    assert_banner(&o, CT__COMP_GPU,
                  "Using simulated GPU: NVIDIA A100 with power consumption: 200.00W (at 50% "
                  "utilization)");
    o.sim_gpu_util = 0.6;
    assert_banner(&o, CT__COMP_GPU,
                  "Using simulated GPU: NVIDIA A100 with power consumption: 240.00W (at 60% "
                  "utilization)");
    o = gpu_opts("Idle GPU", 0, 0.0);
    assert_banner(&o, CT__COMP_GPU,
                  "Using simulated GPU: Idle GPU with power consumption: 0.00W (at 0% "
                  "utilization)");
    assert_banner(&o, CT__COMP_CPU, "");
    assert_banner(NULL, CT__COMP_CPU, "");

    char small[12];
    o = cpu_opts("Intel Xeon", 150, NAN);
    ct__sim_banner(&o, CT__COMP_CPU, small, sizeof(small));
    assert_string_equal(small, "Using simul");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops_tables),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_power_is_value_times_util),
        cmocka_unit_test(test_energy_is_cumulative_since_probe),
        cmocka_unit_test(test_zero_allowed),
        cmocka_unit_test(test_probe_not_configured),
        cmocka_unit_test(test_probe_validation_cpu),
        cmocka_unit_test(test_probe_validation_gpu),
        cmocka_unit_test(test_validate_constructor_checks),
        cmocka_unit_test(test_validate_handler_checks),
        cmocka_unit_test(test_validate_component_order),
        cmocka_unit_test(test_banner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
