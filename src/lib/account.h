/*
 * account.h - the tracker's accounts, the only place that turns joules into kWh and grams: PUE,
 * the energy-weighted CO2 of each epoch (each sampling interval's energy at the intensity in force
 * then), the completed epochs, the run's totals and the prediction. The arithmetic helpers at the
 * top are pure functions, also used by the log parser.
 */
#ifndef CT_ACCOUNT_H
#define CT_ACCOUNT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* Default PUE: Uptime Institute 2023 global survey (Daniel Bizo), as upstream's PUE_2023. */
#define CT__PUE_DEFAULT 1.58
/* Grams CO2eq per km of an average new EU car, 2020 (EEA), upstream's last co2eq.csv row. */
#define CT__CAR_G_PER_KM 107.5
#define CT__CAR_UNIT "km travelled by car"

/* Joules (before PUE) to kWh with PUE applied. */
double ct__kwh_pue(double energy_j, double pue);
/* CO2eq grams for kWh at intensity gCO2eq/kWh. */
double ct__co2eq_g(double energy_kwh, double intensity_g_per_kwh);
/* Upstream's equivalent: km travelled by car; negative or NaN grams give NaN (no equivalent). */
double ct__km_by_car(double co2eq_g);
/* epochs x mean(values[0..n-1]); 0 when n == 0. */
double ct__predict_total(int epochs, const double *values, size_t n);

struct ct__carbon;    /* carbon/refresh.h */
struct ct__intensity; /* carbon/provider.h */

/* One completed epoch. */
struct ct__epoch {
    double duration_s;
    double cpu_j;
    double gpu_j;
    double energy_kwh; /* with PUE */
    double co2eq_g;
    double intensity_g_per_kwh; /* energy-weighted over the epoch's sampling intervals */
};

/* The prediction and how it was made (what the texts say). */
struct ct__prediction {
    int epochs;
    double duration_s, energy_kwh, co2eq_g; /* PUE included */
    double intensity_g_per_kwh;             /* co2eq_g / energy_kwh */
    char basis[16]; /* "forecast", "measured" (upstream's weighting), "default" */

    double rem_s;  /* time still to run after the measured epochs */
    double ci_rem; /* forecast: mean intensity over the remaining time */
    double fmean;  /* forecast: its mean over the part it covers */
    double covered_s;
    char fsource[96]; /* forecast: its provider */
    int expected;     /* a suitable provider has forecasts */
    char fwhy[512];   /* why there is none */
    double floor_ci;  /* upstream's weighting of the values fetched and the value in force */
    int done_epochs;  /* epochs measured */
    double done_ci;   /* their energy-weighted intensity */
    int defaulted;    /* nothing fetched and the intensity in force is a default */

    /* The band: the 10th to 90th percentile of the predicted totals (CT__BAND_P = 0.8 between
     * them). The energy and the duration from the spread of the measured epochs (a Student-t
     * prediction interval for the sum of the epochs still to come: two or more epochs needed);
     * the intensity from the forecast's means over the shortest and longest remaining time. */
    int band;              /* 1: lo/hi below are set */
    int band_spread;       /* 1: the measured epochs' spread is in it (done_epochs >= 2) */
    int band_forecast;     /* 1: the forecast's range is in it */
    double lo_kwh, hi_kwh; /* PUE included */
    double lo_co2eq_g, hi_co2eq_g;
    double lo_duration_s, hi_duration_s;
};

/* The band's probability: from the 10th to the 90th percentile. */
#define CT__BAND_P 0.8

/* The 90th percentile of Student's t with `dof` degrees of freedom (the normal's 1.2816 for
 * dof -> infinity); dof >= 1. */
double ct__t90(int dof);

/* The half width of the 80 % prediction interval for the sum of `future` more values of a normal
 * quantity whose `n` values so far had sample standard deviation `sd`: t90(n-1) x sd x
 * sqrt(future + future^2 / n). 0 when n < 2 or future <= 0. */
double ct__band_halfwidth(int n, double sd, int future);

/* The run's budget (ct_options.budget_*) and what was decided. */
struct ct__budget {
    double co2eq_g, kwh; /* limits, PUE included; NaN = none */
    int stop;            /* budget_action "stop" */
    uint64_t start_ns;   /* CLOCK_MONOTONIC of the run's first reading */
    /* The running total reached a limit (set under the account's lock by whichever thread saw
     * it first): the figures and the monotonic time then. */
    int spent;
    double spent_co2eq_g, spent_kwh;
    uint64_t spent_ns;
    /* The prediction exceeds a limit (caller's thread): the epoch in which it would run out. */
    int predicted_over;
    int runs_out_epoch;
    int told_spent, told_predicted; /* said once each (caller's thread) */
    int stopped;                    /* the tracker finished because of it */
};

/* The running figures ct_get_live() shows (under the account's lock). */
struct ct__live_figures {
    double energy_j;     /* everything read since open, before PUE */
    double kwh, co2eq_g; /* completed epochs plus the open one, PUE included */
    double power_w;      /* over the latest interval with a reading */
    struct ct__budget budget;
};

struct ct__account {
    double pue;
    struct ct__carbon *carbon; /* the intensity in force, the values fetched, the forecast */

    /* Energy-weighted CO2 of the open epoch (under lock): joules x intensity in force. */
    pthread_mutex_t lock;
    int co2_on;
    uint64_t co2_last_uj;
    double co2_jg, co2_ci_min, co2_ci_max;
    uint64_t co2_open_uj;        /* where the open epoch's account began */
    double done_kwh, done_co2eq; /* the completed epochs (under lock) */
    uint64_t prev_ns, prev_uj;   /* the previous reading with its time, for the power */
    double power_w;
    struct ct__budget budget; /* under lock: spent*; the rest is the caller's thread's */

    struct ct__epoch *epochs; /* completed epochs (caller's thread) */
    int n_epochs, cap_epochs;

    int predicted;
    struct ct__prediction pred;
};

void ct__account_init(struct ct__account *a, double pue, struct ct__carbon *carbon);
/* Set the budget (NaN = no such limit). */
void ct__account_budget(struct ct__account *a, double co2eq_g, double kwh, int stop);
/* The running figures and the budget's state now. Any thread. */
void ct__account_live(struct ct__account *a, struct ct__live_figures *out);
/* After the prediction: does it exceed the budget? Sets budget.predicted_over and the epoch in
 * which the budget would run out. Returns 1 when it does. Caller's thread. */
int ct__account_budget_predicted(struct ct__account *a);
void ct__account_free(struct ct__account *a);

/* Energy read by any thread at CLOCK_MONOTONIC now_ns: total_uj is all devices' energy since
 * open. The part since the last call goes to the open epoch at the intensity in force; a stale
 * (smaller) total is ignored. The budget is checked against the running total. */
void ct__account_energy(struct ct__account *a, uint64_t total_uj, uint64_t now_ns);
/* Open the epoch's CO2 account at total_uj, the boundary read. */
void ct__account_epoch_open(struct ct__account *a, uint64_t total_uj);
/* Close it at total_uj, the boundary read, and record the epoch (its intensity is the value in
 * force when it used no energy). Returns it, or NULL (no memory). */
const struct ct__epoch *ct__account_epoch_close(struct ct__account *a, uint64_t total_uj,
                                                double duration_s, double cpu_j, double gpu_j);

/* Totals of the counted epochs: kWh (PUE included), CO2eq grams (energy-weighted), the average
 * intensity (co2 / kWh; in_force when there is no energy), duration and joules; any may be NULL. */
void ct__account_totals(const struct ct__account *a, double in_force, double *kwh, double *co2eq_g,
                        double *intensity_g_per_kwh, double *duration_s, double *energy_j);

/* The values fetched live so far (upstream's list); caller frees; NULL on no memory. */
double *ct__account_fetched(const struct ct__account *a, size_t *n);

/* Make the prediction for `epochs` from the completed ones (a->pred, a->predicted): the
 * measured epochs at their intensity, the rest at the forecast where one covers it, else at
 * upstream's weighting of the values fetched over refresh_s. */
void ct__account_predict(struct ct__account *a, int epochs, double refresh_s,
                         const struct ct__intensity *in_force, double now_wall_s);

#endif
