/*
 * test_meters.c - meter selection (meters.c) over a registry of fake meters defined here: the
 * domains add up (two GPU vendors both contribute their devices), a domain's later meters are
 * fallbacks (not probed, or with probe_all probed and not used), a failed or empty meter hands
 * its domain to the next one with its reason kept, and a simulated meter replaces its component.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a fake meter answers, and what was asked of it. The fake's state is the struct itself. */
struct fake {
    const char *label; /* device names are "<label>:<i>" */
    int status;        /* probe's answer */
    int n_devs;        /* describe's answer */
    int probes;        /* probe calls */
    int closes;        /* close calls */
};

static int fake_probe(struct fake *f, void **state, char *why, size_t why_len)
{
    f->probes++;
    if (f->status != CT_OK) {
        snprintf(why, why_len, "%s: probe answers %s", f->label, ct_status_name(f->status));
        return f->status;
    }
    *state = f;
    return CT_OK;
}

static int fake_describe(void *state, struct ct__meter_dev *devs, int max)
{
    struct fake *f = state;
    for (int i = 0; i < f->n_devs && i < max; i++) {
        snprintf(devs[i].name, sizeof(devs[i].name), "%s:%d", f->label, i);
        devs[i].provenance = CT_PROVENANCE_MEASURED;
        devs[i].index = i;
    }
    return f->n_devs;
}

static int fake_read(void *state, uint64_t now_ns, struct ct__reading *out)
{
    struct fake *f = state;
    for (int i = 0; i < f->n_devs; i++)
        out[i] = (struct ct__reading){.energy_uj = now_ns / 1000, .lost = 0};
    return CT_OK;
}

static void fake_close(void *state)
{
    if (state)
        ((struct fake *)state)->closes++;
}

/* One fake meter: its state and a vtable whose probe answers from that state. */
#define FAKE_METER(id, comp, dom)                                                                  \
    static struct fake fake_##id;                                                                  \
    static int probe_##id(const struct ct__probe_ctx *ctx, void **state, char *why, size_t len)    \
    {                                                                                              \
        (void)ctx;                                                                                 \
        return fake_probe(&fake_##id, state, why, len);                                            \
    }                                                                                              \
    static const struct ct__meter_ops meter_##id = {                                               \
        .name = #id,                                                                               \
        .component = comp,                                                                         \
        .domain = dom,                                                                             \
        .probe = probe_##id,                                                                       \
        .describe = fake_describe,                                                                 \
        .read = fake_read,                                                                         \
        .max_interval_ns = NULL,                                                                   \
        .detail = NULL,                                                                            \
        .close = fake_close,                                                                       \
    };

FAKE_METER(gpu_a, CT__COMP_GPU, "gpu-vendor-a")
FAKE_METER(gpu_b, CT__COMP_GPU, "gpu-vendor-b")
FAKE_METER(cpu_counters, CT__COMP_CPU, "cpu-package")
FAKE_METER(cpu_estimate, CT__COMP_CPU, "cpu-package")

/* A meter of the CPU domain that the user may ask for (as the agent meter, by its socket). */
static int wanted_asked;
static int wanted_preferred(const struct ct__probe_ctx *ctx)
{
    (void)ctx;
    return wanted_asked;
}
static struct fake fake_wanted;
static int probe_wanted(const struct ct__probe_ctx *ctx, void **state, char *why, size_t len)
{
    (void)ctx;
    return fake_probe(&fake_wanted, state, why, len);
}
static const struct ct__meter_ops meter_wanted = {
    .name = "wanted",
    .component = CT__COMP_CPU,
    .domain = "cpu-package",
    .preferred = wanted_preferred,
    .probe = probe_wanted,
    .describe = fake_describe,
    .read = fake_read,
    .close = fake_close,
};

/* Two GPU vendors (separate domains), then a CPU meter and its fallback (one domain). */
static const struct ct__meter_ops *const registry[] = {
    &meter_gpu_a, &meter_cpu_counters, &meter_gpu_b, &meter_cpu_estimate, NULL,
};

static int setup(void **state)
{
    (void)state;
    fake_gpu_a = (struct fake){.label = "gpu-a", .status = CT_OK, .n_devs = 2};
    fake_gpu_b = (struct fake){.label = "gpu-b", .status = CT_OK, .n_devs = 1};
    fake_cpu_counters = (struct fake){.label = "cpu", .status = CT_OK, .n_devs = 2};
    fake_cpu_estimate = (struct fake){.label = "est", .status = CT_OK, .n_devs = 1};
    return 0;
}

static struct ct__meter_set *select_from(const struct ct__meter_ops *const *reg,
                                         const ct_options *o, int probe_all)
{
    struct ct__meter_set *set = calloc(1, sizeof(*set));
    assert_non_null(set);
    struct ct__probe_ctx ctx = {.sysfs_fd = -1, .proc_fd = -1, .opts = o};
    int order[2], n = 0;
    char why[256] = "";
    assert_int_equal(ct__parse_components(o->components, order, &n, why, sizeof(why)), CT_OK);
    assert_int_equal(ct__meters_select(set, reg, &ctx, order, n, probe_all, why, sizeof(why)),
                     CT_OK);
    return set;
}

static void free_set(struct ct__meter_set *set)
{
    ct__meters_close(set);
    free(set);
}

/* The device names of every selected meter, in order, joined by spaces. */
static const char *device_list(const struct ct__meter_set *set)
{
    static char buf[1024];
    size_t n = 0;
    buf[0] = '\0';
    for (int m = 0; m < set->n_meters; m++)
        for (int d = 0; d < set->meters[m].n_devs; d++)
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "",
                                  set->meters[m].devs[d].name);
    return buf;
}

static void assert_probe(const struct ct__probe_result *pr, const struct ct__meter_ops *ops,
                         int status, int selected)
{
    assert_ptr_equal(pr->ops, ops);
    assert_int_equal(pr->status, status);
    assert_int_equal(pr->selected, selected);
}

/* Both GPU vendors contribute; the CPU domain's fallback is not probed. GPUs first ("all"),
 * each component in registry order. */
static void test_domains_add_up(void **state)
{
    (void)state;
    ct_options o = CT_OPTIONS_INIT;
    struct ct__meter_set *set = select_from(registry, &o, 0);
    assert_int_equal(set->n_meters, 3);
    assert_ptr_equal(set->meters[0].ops, &meter_gpu_a);
    assert_ptr_equal(set->meters[1].ops, &meter_gpu_b);
    assert_ptr_equal(set->meters[2].ops, &meter_cpu_counters);
    assert_string_equal(device_list(set), "gpu-a:0 gpu-a:1 gpu-b:0 cpu:0 cpu:1");
    assert_int_equal(set->n_probes, 3);
    assert_probe(&set->probes[0], &meter_gpu_a, CT_OK, 1);
    assert_probe(&set->probes[1], &meter_gpu_b, CT_OK, 1);
    assert_probe(&set->probes[2], &meter_cpu_counters, CT_OK, 1);
    assert_int_equal(fake_cpu_estimate.probes, 0);
    free_set(set);
    assert_int_equal(fake_gpu_a.closes, 1);
    assert_int_equal(fake_gpu_b.closes, 1);
    assert_int_equal(fake_cpu_counters.closes, 1);
}

/* With probe_all (--list-devices) the fallback is probed, answers OK, is not used and is closed
 * at once; the selection is the same. */
static void test_probe_all_reports_unused_fallback(void **state)
{
    (void)state;
    ct_options o = CT_OPTIONS_INIT;
    struct ct__meter_set *set = select_from(registry, &o, 1);
    assert_string_equal(device_list(set), "gpu-a:0 gpu-a:1 gpu-b:0 cpu:0 cpu:1");
    assert_int_equal(set->n_probes, 4);
    assert_probe(&set->probes[2], &meter_cpu_counters, CT_OK, 1);
    assert_probe(&set->probes[3], &meter_cpu_estimate, CT_OK, 0);
    assert_int_equal(fake_cpu_estimate.probes, 1);
    assert_int_equal(fake_cpu_estimate.closes, 1);
    free_set(set);
    assert_int_equal(fake_cpu_estimate.closes, 1);
    assert_int_equal(fake_cpu_counters.closes, 1);
}

/* The domain's first meter fails (EPERM): its reason is kept, the fallback is used. */
static void test_fallback_after_failure(void **state)
{
    (void)state;
    fake_cpu_counters.status = CT_EPERM;
    ct_options o = CT_OPTIONS_INIT;
    o.components = "cpu";
    struct ct__meter_set *set = select_from(registry, &o, 0);
    assert_int_equal(set->n_probes, 2);
    assert_probe(&set->probes[0], &meter_cpu_counters, CT_EPERM, 0);
    assert_string_equal(set->probes[0].why, "cpu: probe answers EPERM");
    assert_probe(&set->probes[1], &meter_cpu_estimate, CT_OK, 1);
    assert_string_equal(device_list(set), "est:0");
    assert_int_equal(fake_gpu_a.probes + fake_gpu_b.probes, 0);
    free_set(set);
    assert_int_equal(fake_cpu_counters.closes, 0);
    assert_int_equal(fake_cpu_estimate.closes, 1);
}

/* A meter that probes OK but finds no devices does not take its domain. */
static void test_fallback_after_no_devices(void **state)
{
    (void)state;
    fake_cpu_counters.n_devs = 0;
    ct_options o = CT_OPTIONS_INIT;
    o.components = "cpu";
    struct ct__meter_set *set = select_from(registry, &o, 0);
    assert_int_equal(set->n_probes, 2);
    assert_probe(&set->probes[0], &meter_cpu_counters, CT_ENOTSUP, 0);
    assert_string_equal(set->probes[0].why, "cpu_counters found no devices");
    assert_probe(&set->probes[1], &meter_cpu_estimate, CT_OK, 1);
    assert_string_equal(device_list(set), "est:0");
    assert_int_equal(fake_cpu_counters.closes, 1);
    free_set(set);
}

/* One vendor absent or failing does not hide the other. */
static void test_vendor_missing(void **state)
{
    (void)state;
    fake_gpu_a.status = CT_ENOTSUP;
    fake_gpu_b.status = CT_EIO;
    ct_options o = CT_OPTIONS_INIT;
    o.components = "gpu";
    struct ct__meter_set *set = select_from(registry, &o, 0);
    assert_int_equal(set->n_meters, 0);
    assert_int_equal(set->n_probes, 2);
    assert_probe(&set->probes[0], &meter_gpu_a, CT_ENOTSUP, 0);
    assert_probe(&set->probes[1], &meter_gpu_b, CT_EIO, 0);
    free_set(set);

    fake_gpu_b.status = CT_OK;
    set = select_from(registry, &o, 0);
    assert_string_equal(device_list(set), "gpu-b:0");
    free_set(set);
}

/* A simulated GPU replaces every GPU domain (none is probed); the CPU still uses the registry. */
static void test_sim_replaces_component(void **state)
{
    (void)state;
    ct_options o = CT_OPTIONS_INIT;
    o.sim_gpu = "Simulated GPU";
    o.sim_gpu_watts = 250.0;
    struct ct__meter_set *set = select_from(registry, &o, 1);
    assert_int_equal(fake_gpu_a.probes + fake_gpu_b.probes, 0);
    assert_int_equal(set->n_meters, 2);
    assert_ptr_equal(set->meters[0].ops, &ct__meter_sim_gpu);
    assert_ptr_equal(set->meters[1].ops, &meter_cpu_counters);
    assert_int_equal(set->n_probes, 3);
    assert_probe(&set->probes[2], &meter_cpu_estimate, CT_OK, 0);
    free_set(set);
}

/* The built-in registry: every meter names its domain; the CPU counters and the CPU estimate are
 * alternatives for one domain, in that order. */
/* A preferred meter is probed before its domain's others and used; not asked for, it is only a
 * fallback in registry order. */
static void test_preferred_meter_first(void **state)
{
    (void)state;
    static const struct ct__meter_ops *const reg[] = {&meter_cpu_counters, &meter_wanted,
                                                      &meter_cpu_estimate, NULL};
    ct_options o = CT_OPTIONS_INIT;
    o.components = "cpu";
    fake_wanted = (struct fake){.label = "agent", .status = CT_OK, .n_devs = 1};

    wanted_asked = 0;
    struct ct__meter_set *set = select_from(reg, &o, 0);
    assert_string_equal(device_list(set), "cpu:0 cpu:1");
    assert_int_equal(fake_wanted.probes, 0);
    free_set(set);

    wanted_asked = 1;
    set = select_from(reg, &o, 0);
    assert_string_equal(device_list(set), "agent:0");
    assert_int_equal(set->n_probes, 1);
    assert_probe(&set->probes[0], &meter_wanted, CT_OK, 1);
    free_set(set);

    /* Asked for but failing: the domain's meters follow in registry order. */
    fake_wanted.status = CT_EIO;
    set = select_from(reg, &o, 0);
    assert_string_equal(device_list(set), "cpu:0 cpu:1");
    assert_probe(&set->probes[0], &meter_wanted, CT_EIO, 0);
    assert_probe(&set->probes[1], &meter_cpu_counters, CT_OK, 1);
    free_set(set);
    wanted_asked = 0;
}

static void test_builtin_registry_domains(void **state)
{
    (void)state;
    int rapl = -1, tdp = -1;
    for (int i = 0; ct__meters[i]; i++) {
        assert_non_null(ct__meters[i]->domain);
        assert_true(ct__meters[i]->domain[0] != '\0');
        if (ct__meters[i] == &ct__meter_rapl_powercap)
            rapl = i;
        if (ct__meters[i] == &ct__meter_cpu_tdp)
            tdp = i;
    }
    assert_true(rapl >= 0 && tdp > rapl);
    /* The agent meter: the same counters as rapl-powercap, tried when its read is refused. */
    int agent = -1;
    for (int i = 0; ct__meters[i]; i++)
        if (ct__meters[i] == &ct__meter_agent)
            agent = i;
    assert_true(agent > rapl && agent < tdp);
    assert_string_equal(ct__meter_agent.domain, "cpu-package");
    assert_non_null(ct__meter_agent.preferred);
    assert_string_equal(ct__meter_rapl_powercap.domain, ct__meter_cpu_tdp.domain);
    assert_string_equal(ct__meter_nvml.domain, "gpu-nvidia");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_domains_add_up, setup),
        cmocka_unit_test_setup(test_probe_all_reports_unused_fallback, setup),
        cmocka_unit_test_setup(test_fallback_after_failure, setup),
        cmocka_unit_test_setup(test_fallback_after_no_devices, setup),
        cmocka_unit_test_setup(test_vendor_missing, setup),
        cmocka_unit_test_setup(test_sim_replaces_component, setup),
        cmocka_unit_test_setup(test_preferred_meter_first, setup),
        cmocka_unit_test(test_builtin_registry_domains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
