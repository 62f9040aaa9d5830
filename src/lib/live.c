/*
 * live.c - ct_get_live(): the run's figures as they stand now (elapsed time, power, energy,
 * CO2eq, the intensity in force, the budget), for a status line or a budget watchdog on any
 * thread. Reads the account and the carbon part under their own locks only.
 */
#include "tracker.h"

#include <math.h>
#include <string.h>

CT_API int ct_live_init(ct_live *l, unsigned version)
{
    size_t n = ct__live_size(version);
    if (!l || !n)
        return CT_EINVAL;
    memset(l, 0, n);
    l->version = version;
    return CT_OK;
}

CT_API int ct_get_live(const ct_tracker *ct, ct_live *out)
{
    /* The parts read here lock themselves; the tracker is not changed. */
    struct ct_tracker *t = (struct ct_tracker *)ct;
    if (!t || !out)
        return CT_EINVAL;
    size_t n = ct__live_size(out->version);
    if (!n)
        return CT_EINVAL;
    struct ct__live_figures f;
    struct ct__intensity ci;
    ct__account_live(&t->account, &f);
    ct__carbon_snapshot(&t->grid.carbon, NULL, &ci, NULL);

    ct_live l;
    memset(&l, 0, sizeof(l));
    l.version = out->version;
    l.elapsed_s = ct__wall_s() - t->started_at;
    l.power_w = f.power_w;
    l.energy_j = f.energy_j;
    l.energy_kwh = ct__kwh_pue(f.energy_j, t->account.pue);
    l.co2eq_g = f.co2eq_g;
    l.intensity_g_per_kwh = ci.g_per_kwh;
    ct__strlcpy(l.intensity_source, ci.source, sizeof(l.intensity_source));
    const struct ct__budget *b = &f.budget;
    if (isnan(b->co2eq_g) && isnan(b->kwh)) {
        l.budget = CT_BUDGET_NONE;
        l.budget_used = NAN;
    } else {
        double u1 = isnan(b->co2eq_g) ? 0 : f.co2eq_g / b->co2eq_g;
        double u2 = isnan(b->kwh) ? 0 : f.kwh / b->kwh;
        l.budget_used = u1 > u2 ? u1 : u2;
        l.budget = b->spent            ? CT_BUDGET_SPENT
                   : b->predicted_over ? CT_BUDGET_PREDICTED
                                       : CT_BUDGET_WITHIN;
        l.stop_requested = b->stop && l.budget != CT_BUDGET_WITHIN;
    }
    l.finished = __atomic_load_n(&t->finished, __ATOMIC_ACQUIRE);
    memcpy(out, &l, n);
    return CT_OK;
}
