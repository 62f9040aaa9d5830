/*
 * account.c - the accounts (account.h): arithmetic, energy-weighted CO2, epochs, totals and the
 * prediction.
 */
#include "account.h"

#include "carbon/refresh.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double ct__kwh_pue(double energy_j, double pue)
{
    return energy_j / 3.6e6 * pue;
}

double ct__co2eq_g(double energy_kwh, double intensity_g_per_kwh)
{
    return energy_kwh * intensity_g_per_kwh;
}

double ct__km_by_car(double co2eq_g)
{
    if (isnan(co2eq_g) || co2eq_g < 0)
        return NAN;
    return co2eq_g / CT__CAR_G_PER_KM;
}

double ct__predict_total(int epochs, const double *values, size_t n)
{
    if (n == 0)
        return 0.0;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += values[i];
    return (double)epochs * (sum / (double)n);
}

double ct__t90(int dof)
{
    /* Student's t, 0.90 quantile, dof 1..30 (standard tables), then towards the normal. */
    static const double t[] = {3.078, 1.886, 1.638, 1.533, 1.476, 1.440, 1.415, 1.397,
                               1.383, 1.372, 1.363, 1.356, 1.350, 1.345, 1.341, 1.337,
                               1.333, 1.330, 1.328, 1.325, 1.323, 1.321, 1.319, 1.318,
                               1.316, 1.315, 1.314, 1.313, 1.311, 1.310};
    if (dof < 1)
        return NAN;
    if (dof <= 30)
        return t[dof - 1];
    if (dof <= 40)
        return 1.310 + (1.303 - 1.310) * (dof - 30) / 10.0;
    if (dof <= 60)
        return 1.303 + (1.296 - 1.303) * (dof - 40) / 20.0;
    if (dof <= 120)
        return 1.296 + (1.289 - 1.296) * (dof - 60) / 60.0;
    return 1.2816 + (1.289 - 1.2816) * 120.0 / dof;
}

double ct__band_halfwidth(int n, double sd, int future)
{
    if (n < 2 || future <= 0 || !(sd >= 0))
        return 0;
    double f = future;
    return ct__t90(n - 1) * sd * sqrt(f + f * f / n);
}

/* Sample standard deviation of v[0..n-1] (n >= 2). */
static double sample_sd(const double *v, int n)
{
    double m = 0, ss = 0;
    for (int i = 0; i < n; i++)
        m += v[i];
    m /= n;
    for (int i = 0; i < n; i++)
        ss += (v[i] - m) * (v[i] - m);
    return sqrt(ss / (n - 1));
}

/* ---- the tracker's accounts ------------------------------------------------------------- */

void ct__account_init(struct ct__account *a, double pue, struct ct__carbon *carbon)
{
    memset(a, 0, sizeof(*a));
    a->pue = pue;
    a->carbon = carbon;
    a->budget.co2eq_g = a->budget.kwh = NAN;
    pthread_mutex_init(&a->lock, NULL);
}

void ct__account_budget(struct ct__account *a, double co2eq_g, double kwh, int stop)
{
    a->budget.co2eq_g = co2eq_g;
    a->budget.kwh = kwh;
    a->budget.stop = stop;
}

static int has_budget(const struct ct__budget *b)
{
    return !isnan(b->co2eq_g) || !isnan(b->kwh);
}

/* Under lock: the running total (completed epochs plus the open one). */
static void running(const struct ct__account *a, double *kwh, double *co2)
{
    double open_j = a->co2_on ? (double)(a->co2_last_uj - a->co2_open_uj) / 1e6 : 0;
    *kwh = a->done_kwh + ct__kwh_pue(open_j, a->pue);
    *co2 = a->done_co2eq + (a->co2_on ? a->co2_jg / 3.6e6 * a->pue : 0);
}

/* Under lock: note the moment the running total reaches a limit. */
static void check_budget(struct ct__account *a, uint64_t now_ns)
{
    struct ct__budget *b = &a->budget;
    double kwh, co2;
    if (b->spent || !has_budget(b))
        return;
    running(a, &kwh, &co2);
    if ((!isnan(b->co2eq_g) && co2 >= b->co2eq_g) || (!isnan(b->kwh) && kwh >= b->kwh)) {
        b->spent = 1;
        b->spent_co2eq_g = co2;
        b->spent_kwh = kwh;
        b->spent_ns = now_ns;
    }
}

void ct__account_free(struct ct__account *a)
{
    pthread_mutex_destroy(&a->lock);
    free(a->epochs);
    a->epochs = NULL;
}

/* Under lock. */
static void add_energy(struct ct__account *a, uint64_t total_uj)
{
    if (total_uj <= a->co2_last_uj)
        return;
    uint64_t d = total_uj - a->co2_last_uj;
    __atomic_store_n(&a->co2_last_uj, total_uj, __ATOMIC_RELAXED);
    if (!a->co2_on)
        return;
    double ci = ct__carbon_intensity_now(a->carbon);
    a->co2_jg += (double)d / 1e6 * ci;
    if (ci < a->co2_ci_min)
        a->co2_ci_min = ci;
    if (ci > a->co2_ci_max)
        a->co2_ci_max = ci;
}

void ct__account_energy(struct ct__account *a, uint64_t total_uj, uint64_t now_ns)
{
    /* co2_last_uj only grows (the epoch's account opens at a boundary total, which no earlier
     * reading exceeds), so a reading without new energy needs no lock: the common case when a
     * counter updates more slowly than it is sampled. */
    if (total_uj <= __atomic_load_n(&a->co2_last_uj, __ATOMIC_RELAXED))
        return;
    pthread_mutex_lock(&a->lock);
    if (a->prev_ns && now_ns > a->prev_ns && total_uj >= a->prev_uj)
        a->power_w = (double)(total_uj - a->prev_uj) / 1e6 / ((double)(now_ns - a->prev_ns) / 1e9);
    a->prev_ns = now_ns;
    a->prev_uj = total_uj;
    add_energy(a, total_uj);
    check_budget(a, now_ns);
    pthread_mutex_unlock(&a->lock);
}

void ct__account_live(struct ct__account *a, struct ct__live_figures *out)
{
    pthread_mutex_lock(&a->lock);
    out->energy_j = (double)a->co2_last_uj / 1e6;
    running(a, &out->kwh, &out->co2eq_g);
    out->power_w = a->power_w;
    out->budget = a->budget;
    pthread_mutex_unlock(&a->lock);
}

int ct__account_budget_predicted(struct ct__account *a)
{
    struct ct__budget *b = &a->budget;
    const struct ct__prediction *p = &a->pred;
    if (!a->predicted || !has_budget(b) || p->epochs < 1)
        return 0;
    /* The epoch in which the running total would cross each limit, at the prediction's mean
     * per epoch. */
    int over = 0, at = p->epochs + 1;
    double per[2] = {p->co2eq_g / p->epochs, p->energy_kwh / p->epochs};
    double lim[2] = {b->co2eq_g, b->kwh};
    for (int i = 0; i < 2; i++) {
        if (isnan(lim[i]) || !((i ? p->energy_kwh : p->co2eq_g) > lim[i]))
            continue;
        over = 1;
        int e = per[i] > 0 ? (int)ceil(lim[i] / per[i] * (1 - 1e-12)) : 1;
        if (e < 1)
            e = 1;
        if (e < at)
            at = e;
    }
    pthread_mutex_lock(&a->lock); /* ct_get_live() reads it from any thread */
    b->predicted_over = over;
    b->runs_out_epoch = over ? at : 0;
    pthread_mutex_unlock(&a->lock);
    return over;
}

void ct__account_epoch_open(struct ct__account *a, uint64_t total_uj)
{
    pthread_mutex_lock(&a->lock);
    __atomic_store_n(&a->co2_last_uj, total_uj, __ATOMIC_RELAXED);
    a->co2_open_uj = total_uj;
    a->co2_jg = 0;
    a->co2_ci_min = INFINITY;
    a->co2_ci_max = -INFINITY;
    a->co2_on = 1;
    pthread_mutex_unlock(&a->lock);
}

const struct ct__epoch *ct__account_epoch_close(struct ct__account *a, uint64_t total_uj,
                                                double duration_s, double cpu_j, double gpu_j)
{
    double jg, lo, hi, ci, energy_j = cpu_j + gpu_j;
    pthread_mutex_lock(&a->lock);
    add_energy(a, total_uj);
    check_budget(a, 0);
    jg = a->co2_jg;
    lo = a->co2_ci_min;
    hi = a->co2_ci_max;
    a->co2_on = 0;
    pthread_mutex_unlock(&a->lock);
    /* Exactly the value in force when it never changed; the value in force now when the epoch
     * used no energy. */
    if (energy_j > 0 && lo <= hi)
        ci = lo == hi ? lo : jg / energy_j;
    else
        ci = ct__carbon_intensity_now(a->carbon);

    if (a->n_epochs == a->cap_epochs) {
        int cap = a->cap_epochs ? a->cap_epochs * 2 : 16;
        struct ct__epoch *e = realloc(a->epochs, (size_t)cap * sizeof(*e));
        if (!e)
            return NULL;
        a->epochs = e;
        a->cap_epochs = cap;
    }
    struct ct__epoch *e = &a->epochs[a->n_epochs++];
    e->duration_s = duration_s;
    e->cpu_j = cpu_j;
    e->gpu_j = gpu_j;
    e->energy_kwh = ct__kwh_pue(energy_j, a->pue);
    e->intensity_g_per_kwh = ci;
    e->co2eq_g = ct__co2eq_g(e->energy_kwh, ci);
    pthread_mutex_lock(&a->lock);
    a->done_kwh += e->energy_kwh;
    a->done_co2eq += e->co2eq_g;
    pthread_mutex_unlock(&a->lock);
    return e;
}

void ct__account_totals(const struct ct__account *a, double in_force, double *kwh, double *co2eq_g,
                        double *intensity_g_per_kwh, double *duration_s, double *energy_j)
{
    double k = 0, c = 0, avg, dur = 0, j = 0;
    int same = 1;
    for (int i = 0; i < a->n_epochs; i++) {
        k += a->epochs[i].energy_kwh;
        c += a->epochs[i].co2eq_g;
        dur += a->epochs[i].duration_s;
        j += a->epochs[i].cpu_j + a->epochs[i].gpu_j;
        if (a->epochs[i].intensity_g_per_kwh != a->epochs[0].intensity_g_per_kwh)
            same = 0;
    }
    if (a->n_epochs > 0 && same) {
        avg = a->epochs[0].intensity_g_per_kwh;
        c = ct__co2eq_g(k, avg);
    } else if (k > 0) {
        avg = c / k;
    } else {
        avg = in_force;
    }
    if (kwh)
        *kwh = k;
    if (co2eq_g)
        *co2eq_g = c;
    if (intensity_g_per_kwh)
        *intensity_g_per_kwh = avg;
    if (duration_s)
        *duration_s = dur;
    if (energy_j)
        *energy_j = j;
}

double *ct__account_fetched(const struct ct__account *a, size_t *n)
{
    struct ct__carbon_sample *s = NULL;
    size_t ns = ct__carbon_samples(a->carbon, &s);
    double *v = malloc((ns ? ns : 1) * sizeof(*v));
    *n = 0;
    for (size_t i = 0; v && i < ns; i++)
        if (s[i].live)
            v[(*n)++] = s[i].g_per_kwh;
    free(s);
    return v;
}

/* Upstream's weighting (the fallback): the mean of the values fetched so far and the value in
 * force repeated 1 + floor(T / refresh) times, as if fetched over the predicted time T. */
static double weighted_intensity(double cur, double refresh_s, double pred_s, const double *fetched,
                                 size_t n)
{
    double k = 1 + floor(pred_s / refresh_s);
    double sum = k * cur;
    int same = 1;
    for (size_t i = 0; i < n; i++) {
        sum += fetched[i];
        same &= fetched[i] == cur;
    }
    return same ? cur : sum / ((double)n + k);
}

void ct__account_predict(struct ct__account *a, int epochs, double refresh_s,
                         const struct ct__intensity *in_force, double now_wall_s)
{
    struct ct__prediction *p = &a->pred;
    int n = a->n_epochs;
    double kwh[n > 0 ? n : 1], dur[n > 0 ? n : 1];
    double done_kwh = 0, done_dur = 0, done_co2 = 0;

    memset(p, 0, sizeof(*p));
    p->epochs = epochs;
    p->done_epochs = n;
    for (int i = 0; i < n; i++) {
        kwh[i] = a->epochs[i].energy_kwh;
        dur[i] = a->epochs[i].duration_s;
    }
    ct__account_totals(a, in_force->g_per_kwh, &done_kwh, &done_co2, &p->done_ci, &done_dur, NULL);
    p->energy_kwh = ct__predict_total(epochs, kwh, (size_t)n);
    p->duration_s = ct__predict_total(epochs, dur, (size_t)n);
    double rem_kwh = p->energy_kwh - done_kwh;
    p->rem_s = p->duration_s - done_dur;
    if (rem_kwh < 0)
        rem_kwh = 0;
    if (p->rem_s < 0)
        p->rem_s = 0;

    size_t nf = 0;
    double *fetched = ct__account_fetched(a, &nf);
    p->floor_ci = weighted_intensity(in_force->g_per_kwh, refresh_s, p->duration_s, fetched,
                                     fetched ? nf : 0);
    free(fetched);

    int have =
        p->rem_s > 0 && ct__carbon_forecast_mean(a->carbon, now_wall_s, p->rem_s, &p->fmean,
                                                 &p->covered_s, p->fsource, sizeof(p->fsource),
                                                 &p->expected, p->fwhy, sizeof(p->fwhy)) == CT_OK;
    if (have) {
        /* Measured epochs at their energy-weighted intensity; the remaining ones at the forecast
         * mean over the remaining time, upstream's weighting where the forecast ends. */
        if (p->covered_s > p->rem_s * (1 - 1e-9))
            p->covered_s = p->rem_s;
        p->ci_rem =
            p->covered_s >= p->rem_s
                ? p->fmean
                : (p->fmean * p->covered_s + p->floor_ci * (p->rem_s - p->covered_s)) / p->rem_s;
        p->co2eq_g = done_co2 + ct__co2eq_g(rem_kwh, p->ci_rem);
        p->intensity_g_per_kwh = p->energy_kwh > 0 ? p->co2eq_g / p->energy_kwh : p->ci_rem;
        ct__strlcpy(p->basis, "forecast", sizeof(p->basis));
    } else {
        p->co2eq_g = ct__co2eq_g(p->energy_kwh, p->floor_ci);
        p->intensity_g_per_kwh = p->floor_ci;
        p->defaulted = nf == 0 && in_force->is_default;
        ct__strlcpy(p->basis, p->defaulted ? "default" : "measured", sizeof(p->basis));
    }
    /* The band. Energy and duration: the sum of the epochs still to come, from the measured
     * epochs' spread. Intensity: the forecast's mean over the shortest and the longest remaining
     * time the band allows (the value used when there is no forecast). */
    int future = epochs - n;
    double hw_kwh = n >= 2 ? ct__band_halfwidth(n, sample_sd(kwh, n), future) : 0;
    double hw_dur = n >= 2 ? ct__band_halfwidth(n, sample_sd(dur, n), future) : 0;
    p->band_spread = n >= 2 && future > 0;
    p->lo_kwh = p->energy_kwh - hw_kwh;
    p->hi_kwh = p->energy_kwh + hw_kwh;
    p->lo_duration_s = p->duration_s - hw_dur;
    p->hi_duration_s = p->duration_s + hw_dur;
    if (p->lo_kwh < done_kwh)
        p->lo_kwh = done_kwh;
    if (p->lo_duration_s < done_dur)
        p->lo_duration_s = done_dur;
    double ci_lo = have ? p->ci_rem : p->floor_ci, ci_hi = ci_lo;
    if (have) {
        double spans[2] = {p->lo_duration_s - done_dur, p->hi_duration_s - done_dur};
        for (int i = 0; i < 2; i++) {
            double m, cov;
            if (!(spans[i] > 0) || ct__carbon_forecast_mean(a->carbon, now_wall_s, spans[i], &m,
                                                            &cov, NULL, 0, NULL, NULL, 0) != CT_OK)
                continue;
            if (cov < spans[i]) /* the rest at upstream's weighting, as the prediction does */
                m = (m * cov + p->floor_ci * (spans[i] - cov)) / spans[i];
            ci_lo = m < ci_lo ? m : ci_lo;
            ci_hi = m > ci_hi ? m : ci_hi;
        }
        p->band_forecast = ci_hi > ci_lo;
    }
    p->lo_co2eq_g = done_co2 + ct__co2eq_g(p->lo_kwh - done_kwh, ci_lo);
    p->hi_co2eq_g = done_co2 + ct__co2eq_g(p->hi_kwh - done_kwh, ci_hi);
    if (!have) { /* upstream's weighting applies to the whole run, measured epochs included */
        p->lo_co2eq_g = ct__co2eq_g(p->lo_kwh, ci_lo);
        p->hi_co2eq_g = ct__co2eq_g(p->hi_kwh, ci_hi);
    }
    p->band = p->band_spread || p->band_forecast;

    a->predicted = 1;
    ct__carbon_forecast_done(a->carbon);
}
