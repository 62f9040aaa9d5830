/*
 * sim.c - the simulated CPU and GPU meters (sim_cpu / sim_gpu options): one device drawing a
 * constant value x utilisation watts, integrated over monotonic time since probe, with
 * upstream carbontracker's validation messages and console line.
 */
#include "sim.h"

#include "meter.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Upstream's default utilisation when none is given. */
#define SIM_DEFAULT_UTIL 0.5

/* What differs between the simulated CPU and GPU: the options read and upstream's texts. */
struct sim_kind {
    int comp;
    const char *msg_missing;
    const char *msg_name;
    const char *msg_value;
    const char *msg_util;
};

/* The largest simulated power: 100 kW, more than any one CPU or GPU. */
#define CT__SIM_MAX_W 100000.0

static const struct sim_kind kind_cpu = {
    CT__COMP_CPU,
    "When using simulated CPU (sim_cpu), you must also specify the CPU TDP (sim_cpu_tdp)",
    "CPU name must be a non-empty string.",
    "CPU TDP must be a non-negative number.",
    "CPU utilization must be between 0.0 and 1.0.",
};

static const struct sim_kind kind_gpu = {
    CT__COMP_GPU,
    "When using simulated GPU (sim_gpu), you must also specify the GPU power consumption "
    "(sim_gpu_watts)",
    "GPU name must be a non-empty string.",
    "GPU watts must be a non-negative number.",
    "GPU utilization must be between 0.0 and 1.0.",
};

/* The configured name, value (W) and utilisation of one kind; util NaN stays NaN here. */
static void sim_values(const ct_options *o, const struct sim_kind *k, const char **name,
                       double *value_w, double *util)
{
    if (k->comp == CT__COMP_CPU) {
        *name = o->sim_cpu;
        *value_w = o->sim_cpu_tdp_w;
        *util = o->sim_cpu_util;
    } else {
        *name = o->sim_gpu;
        *value_w = o->sim_gpu_watts;
        *util = o->sim_gpu_util;
    }
}

static void set_why(char *why, size_t len, const char *text)
{
    if (why && len > 0)
        ct__strlcpy(why, text, len);
}

/* Python's `not name.strip()`: empty or whitespace only. */
static int blank(const char *s)
{
    for (; *s; s++)
        if (strchr(" \t\n\r\f\v", *s) == NULL)
            return 0;
    return 1;
}

/* The simulated handler's own checks (upstream's SimulatedCPUHandler / SimulatedGPUHandler).
 * A value of NaN is upstream's None; infinity is refused too (it has no energy). */
static int handler_check(const ct_options *o, const struct sim_kind *k, char *why, size_t len)
{
    const char *name;
    double value_w, util;
    sim_values(o, k, &name, &value_w, &util);
    if (name == NULL || blank(name)) {
        set_why(why, len, k->msg_name);
        return CT_EINVAL;
    }
    if (!isfinite(value_w) || value_w < 0) {
        set_why(why, len, k->msg_value);
        return CT_EINVAL;
    }
    if (value_w > CT__SIM_MAX_W) { /* no device draws that; its joules would lose all precision */
        if (why && len > 0)
            ct__fmt(why, len, "%s %s must be at most %.0f W, got %g.",
                    k->comp == CT__COMP_CPU ? "CPU" : "GPU",
                    k->comp == CT__COMP_CPU ? "TDP" : "watts", CT__SIM_MAX_W, value_w);
        return CT_EINVAL;
    }
    if (!isnan(util) && !(util >= 0.0 && util <= 1.0)) {
        set_why(why, len, k->msg_util);
        return CT_EINVAL;
    }
    return CT_OK;
}

/* Upstream's component list: strip, remove spaces, lower-case, "all" = gpu then cpu. Fills
 * order[] with kinds in that order (each at most once). */
static int selected_kinds(const char *components, const struct sim_kind **order)
{
    int n = 0;
    char buf[128];
    size_t j = 0;
    const char *c = components ? components : "all";
    for (; *c && j + 1 < sizeof(buf); c++)
        if (strchr(" \t\n\r\f\v", *c) == NULL)
            buf[j++] = (char)((*c >= 'A' && *c <= 'Z') ? *c - 'A' + 'a' : *c);
    buf[j] = '\0';
    if (strcmp(buf, "all") == 0) {
        order[n++] = &kind_gpu;
        order[n++] = &kind_cpu;
        return n;
    }
    int have_cpu = 0, have_gpu = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "cpu") == 0 && !have_cpu) {
            have_cpu = 1;
            order[n++] = &kind_cpu;
        } else if (strcmp(t, "gpu") == 0 && !have_gpu) {
            have_gpu = 1;
            order[n++] = &kind_gpu;
        }
    }
    return n;
}

int ct__sim_validate(const ct_options *o, char *why, size_t len)
{
    set_why(why, len, "");
    if (o == NULL)
        return CT_OK;
    if (o->sim_cpu != NULL && isnan(o->sim_cpu_tdp_w)) {
        set_why(why, len, kind_cpu.msg_missing);
        return CT_EINVAL;
    }
    if (o->sim_gpu != NULL && isnan(o->sim_gpu_watts)) {
        set_why(why, len, kind_gpu.msg_missing);
        return CT_EINVAL;
    }
    const struct sim_kind *order[2];
    int n = selected_kinds(o->components, order);
    for (int i = 0; i < n; i++) {
        const char *name;
        double value_w, util;
        sim_values(o, order[i], &name, &value_w, &util);
        if (name == NULL)
            continue; /* not simulated: the real meters are used */
        int rc = handler_check(o, order[i], why, len);
        if (rc != CT_OK)
            return rc;
    }
    return CT_OK;
}

void ct__sim_banner(const ct_options *o, int comp, char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return;
    buf[0] = '\0';
    if (o == NULL)
        return;
    const struct sim_kind *k = comp == CT__COMP_GPU ? &kind_gpu : &kind_cpu;
    const char *name;
    double value_w, util;
    sim_values(o, k, &name, &value_w, &util);
    if (name == NULL)
        return;
    if (isnan(util))
        util = SIM_DEFAULT_UTIL;
    /* printf's %.0f rounds the exact binary value half to even, as Python's format does. */
    double pct = rint(util * 100.0);
    if (k->comp == CT__COMP_CPU)
        ct__fmt(buf, len, "Using simulated CPU: %s with TDP: %.2fW (at %.0f%% utilization)", name,
                value_w * util, pct);
    else
        ct__fmt(buf, len,
                "Using simulated GPU: %s with power consumption: %.2fW (at %.0f%% utilization)",
                name, value_w * util, pct);
}

/* ---- the meters -------------------------------------------------------------------------- */

struct sim_state {
    const struct sim_kind *kind;
    char name[96];
    double value_w;    /* TDP / watts as configured */
    double util;       /* 0..1, default applied */
    double power_w;    /* value_w x util, constant */
    uint64_t start_ns; /* monotonic time of probe */
    uint64_t last_uj;  /* last energy returned (readings never decrease) */
};

static int sim_probe(const struct sim_kind *k, const struct ct__probe_ctx *ctx, void **state,
                     char *why, size_t why_len)
{
    *state = NULL;
    const ct_options *o = ctx ? ctx->opts : NULL;
    const char *name = NULL;
    double value_w = NAN, util = NAN;
    if (o)
        sim_values(o, k, &name, &value_w, &util);
    if (name == NULL) {
        ct__fmt(why, why_len, "no simulated %s configured (%s not set)",
                ct__component_name(k->comp), k->comp == CT__COMP_CPU ? "sim_cpu" : "sim_gpu");
        return CT_ENOTSUP;
    }
    int rc = handler_check(o, k, why, why_len);
    if (rc != CT_OK)
        return rc;
    struct sim_state *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        set_why(why, why_len, "out of memory");
        return CT_ENOMEM;
    }
    s->kind = k;
    ct__strlcpy(s->name, name, sizeof(s->name));
    s->value_w = value_w;
    s->util = isnan(util) ? SIM_DEFAULT_UTIL : util;
    s->power_w = value_w * s->util;
    s->start_ns = ct__now_ns();
    *state = s;
    return CT_OK;
}

static int sim_cpu_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t len)
{
    return sim_probe(&kind_cpu, ctx, state, why, len);
}

static int sim_gpu_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t len)
{
    return sim_probe(&kind_gpu, ctx, state, why, len);
}

static int sim_describe(void *state, struct ct__meter_dev *devs, int max)
{
    const struct sim_state *s = state;
    if (max > 0) {
        ct__strlcpy(devs[0].name, s->name, sizeof(devs[0].name));
        devs[0].provenance = CT_PROVENANCE_SIMULATED;
    }
    return 1;
}

static int sim_read(void *state, uint64_t now_ns, struct ct__reading *out)
{
    struct sim_state *s = state;
    uint64_t dt_ns = now_ns > s->start_ns ? now_ns - s->start_ns : 0;
    /* W x ns = 1e-9 J = 1e-3 uJ. Computed from the start each time: no drift. */
    double energy_uj = s->power_w * (double)dt_ns / 1e3;
    uint64_t v = (uint64_t)(energy_uj + 0.5);
    if (v < s->last_uj)
        v = s->last_uj;
    s->last_uj = v;
    out[0].energy_uj = v;
    out[0].lost = 0;
    return CT_OK;
}

static void sim_detail(void *state, char *buf, size_t len)
{
    const struct sim_state *s = state;
    ct__fmt(buf, len, "simulated: %s %g W x %.0f%% utilisation = %.2f W constant",
            s->kind->comp == CT__COMP_CPU ? "TDP" : "power", s->value_w, rint(s->util * 100.0),
            s->power_w);
}

static void sim_close(void *state)
{
    free(state);
}

const struct ct__meter_ops ct__meter_sim_cpu = {
    .name = "sim-cpu",
    .component = CT__COMP_CPU,
    .domain = "cpu",
    .probe = sim_cpu_probe,
    .describe = sim_describe,
    .read = sim_read,
    .max_interval_ns = NULL,
    .detail = sim_detail,
    .close = sim_close,
};

const struct ct__meter_ops ct__meter_sim_gpu = {
    .name = "sim-gpu",
    .component = CT__COMP_GPU,
    .domain = "gpu",
    .probe = sim_gpu_probe,
    .describe = sim_describe,
    .read = sim_read,
    .max_interval_ns = NULL,
    .detail = sim_detail,
    .close = sim_close,
};
