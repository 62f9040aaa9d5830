/*
 * derive.c - the figures derived from a parsed run, as the console counts them: the PUE used
 * (logged, else inferred from the totals), energy without and with it, the carbon intensity used
 * (logged, else inferred), CO2eq, duration, per-component energy and average power, and each
 * epoch's energy and CO2eq. They become the run's "derived" object in ct_parse_json()
 * (carbontracker(1), PARSE JSON), so that readers such as the report do not redo the accounting.
 */
#include "derive.h"
#include "../account.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

struct derived {
    double pue;
    const char *pue_from; /* "log", "inferred", "unknown" */
    double intensity;
    const char *intensity_from; /* "log", "samples", "consumption", NULL (unknown) */
    double energy_j, cpu_energy_j, gpu_energy_j, epochs_duration_s;
    double energy_kwh_pue, co2eq_g, car_km, duration_s;
    int epochs;
    double power_w, cpu_power_w, gpu_power_w;
};

static double nan_to_0(double v)
{
    return isnan(v) ? 0.0 : v;
}

static int has_component(const struct ct__prun *run, const char *name)
{
    for (size_t i = 0; i < run->n_devices; i++)
        if (run->devices[i].component && strcmp(run->devices[i].component, name) == 0)
            return 1;
    if (run->n_devices == 0)
        for (size_t i = 0; i < run->n_comp; i++)
            if (run->comp[i].n_devices > 0 && strcmp(run->comp[i].name, name) == 0)
                return 1;
    return 0;
}

/* A consumption block with its energy. */
static int block_has_energy(const struct ct__consumption *c)
{
    return c && !isnan(c->energy_kwh);
}

static void derive(const struct ct__prun *run, struct derived *d)
{
    const struct ct__consumption *actual = run->actual;
    int has_cpu = has_component(run, "cpu"), has_gpu = has_component(run, "gpu");
    int co2_all = run->n_epochs > 0;
    double sum_co2 = 0;

    /* No intensity line (a killed run has none): the mean of the logged values, else what the
       actual or prediction block implies. */
    d->intensity = run->intensity_g_per_kwh;
    d->intensity_from = isnan(d->intensity) ? NULL : "log";
    if (isnan(d->intensity) && run->n_isamples > 0) {
        double s = 0;
        for (size_t i = 0; i < run->n_isamples; i++)
            s += run->isamples[i].g_per_kwh;
        d->intensity = s / (double)run->n_isamples;
        d->intensity_from = "samples";
    }
    for (int k = 0; k < 2 && isnan(d->intensity); k++) {
        const struct ct__consumption *c = k ? run->pred : actual;
        if (c && c->energy_kwh > 0 && c->co2eq_g >= 0) {
            d->intensity = c->co2eq_g / c->energy_kwh;
            d->intensity_from = "consumption";
        }
    }

    d->energy_j = d->cpu_energy_j = d->gpu_energy_j = d->epochs_duration_s = 0;
    for (size_t i = 0; i < run->n_epochs; i++) {
        const struct ct__pepoch *e = &run->epochs[i];
        d->energy_j += nan_to_0(e->energy_j);
        d->epochs_duration_s += nan_to_0(e->duration_s);
        d->cpu_energy_j += nan_to_0(e->cpu_power_w) * nan_to_0(e->duration_s);
        d->gpu_energy_j += nan_to_0(e->gpu_power_w) * nan_to_0(e->duration_s);
        if (isnan(e->co2eq_g))
            co2_all = 0;
        sum_co2 += nan_to_0(e->co2eq_g);
    }
    /* No epoch: the actual block's energy without its PUE (ct__kwh_pue() undone). */
    if (run->n_epochs == 0 && actual && !isnan(run->pue) && run->pue > 0)
        d->energy_j = actual->energy_kwh / run->pue * 3.6e6;

    if (!isnan(run->pue) && run->pue > 0) {
        d->pue = run->pue;
        d->pue_from = "log";
    } else if (actual && d->energy_j > 0 && actual->energy_kwh > 0) {
        d->pue = actual->energy_kwh / ct__kwh_pue(d->energy_j, 1.0);
        d->pue_from = "inferred";
    } else {
        d->pue = 1.0;
        d->pue_from = "unknown";
    }

    if (block_has_energy(actual)) {
        d->energy_kwh_pue = actual->energy_kwh;
        d->co2eq_g = actual->co2eq_g;
        /* The epochs' own durations are more precise than the printed H:MM:SS. */
        d->duration_s = (d->epochs_duration_s > 0 && (size_t)actual->epochs == run->n_epochs) ||
                                isnan(actual->duration_s)
                            ? d->epochs_duration_s
                            : actual->duration_s;
        d->epochs = actual->epochs > 0 ? actual->epochs : (int)run->n_epochs;
        d->car_km = NAN;
        if (actual->has_equivalents)
            for (size_t i = 0; i < actual->n_equiv; i++)
                if (strcmp(actual->equiv[i].unit, CT__CAR_UNIT) == 0)
                    d->car_km = actual->equiv[i].value;
    } else {
        d->energy_kwh_pue = ct__kwh_pue(d->energy_j, d->pue);
        d->co2eq_g = co2_all ? sum_co2 : ct__co2eq_g(d->energy_kwh_pue, d->intensity);
        d->duration_s = d->epochs_duration_s;
        d->epochs = (int)run->n_epochs;
        d->car_km = NAN;
    }
    if (isnan(d->car_km) && !isnan(d->co2eq_g))
        d->car_km = ct__km_by_car(d->co2eq_g);

    d->power_w = d->epochs_duration_s > 0 ? d->energy_j / d->epochs_duration_s : NAN;
    d->cpu_power_w =
        d->epochs_duration_s > 0 && has_cpu ? d->cpu_energy_j / d->epochs_duration_s : NAN;
    d->gpu_power_w =
        d->epochs_duration_s > 0 && has_gpu ? d->gpu_energy_j / d->epochs_duration_s : NAN;
    if (run->n_epochs == 0 && run->n_samples > 0) {
        /* Samples only: their averages. */
        double c = 0, g = 0;
        for (size_t i = 0; i < run->n_samples; i++) {
            c += nan_to_0(run->samples[i].cpu_w);
            g += nan_to_0(run->samples[i].gpu_w);
        }
        d->cpu_power_w = has_cpu ? c / (double)run->n_samples : NAN;
        d->gpu_power_w = has_gpu ? g / (double)run->n_samples : NAN;
        d->power_w = (c + g) / (double)run->n_samples;
    }
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static int member(json_t *o, const char *key, json_t *v)
{
    return v && json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

void ct__parse_derive_epoch(const struct ct__pepoch *e, double pue, double intensity, double *kwh,
                            double *co2eq_g)
{
    *kwh = isnan(e->energy_kwh) ? ct__kwh_pue(nan_to_0(e->energy_j), pue) : e->energy_kwh;
    *co2eq_g = isnan(e->co2eq_g) ? ct__co2eq_g(*kwh, intensity) : e->co2eq_g;
}

json_t *ct__parse_derive_json(const struct ct__prun *run, double *pue, double *intensity)
{
    struct derived d;
    json_t *o = json_object();
    int bad = !o;

    derive(run, &d);
    *pue = d.pue;
    *intensity = d.intensity;
    if (!bad)
        bad = member(o, "pue", num(d.pue)) || member(o, "pue_from", json_string(d.pue_from)) ||
              member(o, "intensity_g_per_kwh", num(d.intensity)) ||
              member(o, "intensity_from",
                     d.intensity_from ? json_string(d.intensity_from) : json_null()) ||
              member(o, "energy_j", num(d.energy_j)) ||
              member(o, "energy_kwh", num(ct__kwh_pue(d.energy_j, 1.0))) ||
              member(o, "energy_kwh_pue", num(d.energy_kwh_pue)) ||
              member(o, "co2eq_g", num(d.co2eq_g)) || member(o, "car_km", num(d.car_km)) ||
              member(o, "duration_s", num(d.duration_s)) ||
              member(o, "epochs", json_integer(d.epochs)) ||
              member(o, "epochs_duration_s", num(d.epochs_duration_s)) ||
              member(o, "cpu_energy_j", num(d.cpu_energy_j)) ||
              member(o, "gpu_energy_j", num(d.gpu_energy_j)) ||
              member(o, "power_w", num(d.power_w)) ||
              member(o, "cpu_power_w", num(d.cpu_power_w)) ||
              member(o, "gpu_power_w", num(d.gpu_power_w));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}
