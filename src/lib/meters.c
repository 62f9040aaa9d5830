/*
 * meters.c - meter selection per component and domain (see meters.h).
 */
#include "meters.h"

#include "energy/sim.h"

#include <ctype.h>
#include <string.h>

int ct__parse_components(const char *s, int order[2], int *n, char *why, size_t why_len)
{
    char buf[256];
    size_t j = 0;
    *n = 0;
    for (const char *p = s ? s : "all"; *p && j + 1 < sizeof(buf); p++)
        if (*p != ' ' && *p != '\t')
            buf[j++] = (char)tolower((unsigned char)*p);
    buf[j] = '\0';
    if (strcmp(buf, "all") == 0 || buf[0] == '\0') {
        order[0] = CT__COMP_GPU;
        order[1] = CT__COMP_CPU;
        *n = 2;
        return CT_OK;
    }
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int comp;
        if (strcmp(tok, "cpu") == 0)
            comp = CT__COMP_CPU;
        else if (strcmp(tok, "gpu") == 0)
            comp = CT__COMP_GPU;
        else {
            ct__fmt(why, why_len, "No component found with name '%s'.", tok);
            return CT_EINVAL;
        }
        int dup = 0;
        for (int i = 0; i < *n; i++)
            dup |= order[i] == comp;
        if (!dup && *n < 2)
            order[(*n)++] = comp;
    }
    if (*n == 0) {
        ct__fmt(why, why_len, "No component found with name '%s'.", s);
        return CT_EINVAL;
    }
    return CT_OK;
}

static int add_probe(struct ct__meter_set *set, const struct ct__meter_ops *ops,
                     const struct ct__probe_ctx *ctx, int want)
{
    if (set->n_probes >= CT__MAX_PROBES)
        return CT_ENOTSUP;
    struct ct__probe_result *pr = &set->probes[set->n_probes++];
    memset(pr, 0, sizeof(*pr));
    pr->ops = ops;
    void *state = NULL;
    pr->status = ops->probe(ctx, &state, pr->why, sizeof(pr->why));
    if (pr->status != CT_OK)
        return pr->status;
    if (ops->detail)
        ops->detail(state, pr->detail, sizeof(pr->detail));
    if (!want || set->n_meters >= CT__MAX_METERS) {
        ops->close(state);
        for (int i = 0; i < set->n_meters; i++)
            if (strcmp(set->meters[i].ops->domain, ops->domain) == 0) {
                ct__fmt(pr->why, sizeof(pr->why),
                        "works, not used: %s measures the %s domain (a fallback when it is not "
                        "here)",
                        set->meters[i].ops->name, ops->domain);
                break;
            }
        return CT_OK;
    }
    struct ct__meter_inst *m = &set->meters[set->n_meters];
    memset(m, 0, sizeof(*m));
    m->ops = ops;
    m->state = state;
    for (int i = 0; i < CT_MAX_DEVICES; i++)
        m->devs[i].index = -1;
    m->n_devs = ops->describe(state, m->devs, CT_MAX_DEVICES);
    if (m->n_devs <= 0) {
        ops->close(state);
        pr->status = CT_ENOTSUP;
        ct__fmt(pr->why, sizeof(pr->why), "%s found no devices", ops->name);
        return CT_ENOTSUP;
    }
    if (m->n_devs > CT_MAX_DEVICES)
        m->n_devs = CT_MAX_DEVICES;
    pr->selected = 1;
    set->n_meters++;
    return CT_OK;
}

/* Whether a meter of `domain` is already selected. */
static int domain_taken(const struct ct__meter_set *set, const char *domain)
{
    for (int i = 0; i < set->n_meters; i++)
        if (strcmp(set->meters[i].ops->domain, domain) == 0)
            return 1;
    return 0;
}

/* Every domain of comp adds its devices; within a domain the first meter that works is used.
 * With probe_all (--list-devices) the domain's later meters are probed too, to say what else is
 * there and why not. */
static void probe_component(struct ct__meter_set *set, const struct ct__meter_ops *const *registry,
                            const struct ct__probe_ctx *ctx, int comp, int probe_all)
{
    /* The meters the user asked for first (preferred), then the registry's order. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; registry[i]; i++) {
            const struct ct__meter_ops *ops = registry[i];
            int pref = ops->preferred && ops->preferred(ctx);
            if (ops->component != comp || pref != (pass == 0))
                continue;
            int taken = domain_taken(set, ops->domain);
            if (taken && !probe_all)
                continue;
            add_probe(set, ops, ctx, !taken);
        }
    }
}

int ct__meters_select(struct ct__meter_set *set, const struct ct__meter_ops *const *registry,
                      const struct ct__probe_ctx *ctx, const int order[2], int n_order,
                      int probe_all, char *why, size_t why_len)
{
    /* Only the counts: add_probe() clears each entry it fills, and the arrays (260 KB) are in
     * fresh calloc'ed memory that a memset would only fault in. */
    set->n_meters = 0;
    set->n_probes = 0;
    int rc = ct__sim_validate(ctx->opts, why, why_len);
    if (rc != CT_OK)
        return rc;
    for (int c = 0; c < n_order; c++) {
        int comp = order[c];
        const char *sim = comp == CT__COMP_CPU ? ctx->opts->sim_cpu : ctx->opts->sim_gpu;
        if (sim) {
            const struct ct__meter_ops *ops =
                comp == CT__COMP_CPU ? &ct__meter_sim_cpu : &ct__meter_sim_gpu;
            rc = add_probe(set, ops, ctx, 1);
            if (rc != CT_OK && rc != CT_ENOTSUP) {
                ct__strlcpy(why, set->probes[set->n_probes - 1].why, why_len);
                return CT_EINVAL;
            }
            continue;
        }
        probe_component(set, registry, ctx, comp, probe_all);
    }
    /* Whole-machine meters, whatever the components: shown beside them, never added. */
    probe_component(set, registry, ctx, CT__COMP_NODE, probe_all);
    return CT_OK;
}

void ct__meters_close(struct ct__meter_set *set)
{
    for (int i = 0; i < set->n_meters; i++) {
        if (set->meters[i].ops && set->meters[i].state)
            set->meters[i].ops->close(set->meters[i].state);
        set->meters[i].state = NULL;
    }
    set->n_meters = 0;
}
