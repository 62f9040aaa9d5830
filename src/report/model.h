/*
 * model.h - the report's runs, read from the carbontracker-parse JSON document: the logged
 * records as they are and the figures the library derived from them (each run's "derived"
 * object), which the pages show without computing them again.
 */
#ifndef CT_REPORT_MODEL_H
#define CT_REPORT_MODEL_H

#include <jansson.h>
#include <math.h>
#include <stddef.h>

#define KM_PER_G (1.0 / 107.5) /* EEA 2020 average new car in the EU, as the console */

struct rp_consumption {
    int present;
    int epochs;
    double duration_s;
    double energy_kwh; /* PUE included, as the console prints it */
    double co2eq_g;
    double km;    /* "km travelled by car", NaN when absent */
    int has_band; /* the prediction's 10th-90th percentile band (our JSON-lines logs) */
    double band_lo[3], band_hi[3]; /* duration_s, energy_kwh, co2eq_g */
};

struct rp_epoch {
    int epoch; /* its number; in a group (a reduced document), the group's last */
    int n_in;  /* epochs it stands for: 1, or a group's count (ct_parse_json_reduced) */
    double duration_s, cpu_power_w, gpu_power_w, energy_j, energy_kwh, co2eq_g;
    double kwh_shown, co2eq_g_shown; /* derived: with the PUE and the intensity the run uses */
};

struct rp_device {
    const char *component, *name, *meter, *provenance;
    double energy_j;
};

struct rp_sample {
    double t_s, cpu_w, gpu_w;
};

struct rp_isample {
    double t_s, g_per_kwh;
    const char *source;
};

/* One run; strings point into the JSON tree, which outlives the run. */
struct rp_run {
    const char *std_file, *out_file, *jsonl_file, *source, *version, *location;
    double pue; /* NaN when the log has none */
    int early_stop, truncated;
    struct rp_consumption actual, pred;
    const char *aggregated;     /* what the totals count: "actual", "pred" or NULL (neither) */
    double intensity_g_per_kwh; /* NaN when unknown */
    int intensity_inferred;     /* 1: from the logged values, 2: CO2eq / energy of a block */
    struct rp_epoch *epochs;
    size_t n_epochs;        /* entries of epochs[] */
    size_t n_epochs_logged; /* the epochs they stand for (the sum of their n_in) */
    struct rp_device *devices;
    size_t n_devices;
    struct rp_sample *samples;
    size_t n_samples;
    struct rp_isample *isamples;
    size_t n_isamples;
    size_t n_skipped;
    int has_cpu, has_gpu;

    /* Derived by the library (the run's "derived" object): what the report shows. */
    double pue_used;       /* pue, else inferred from the totals, else 1 */
    int pue_inferred;      /* 1: pue_used was inferred, 2: unknown (1 used) */
    double energy_j;       /* without PUE */
    double energy_kwh;     /* without PUE */
    double energy_kwh_pue; /* with PUE */
    double co2eq_g, km, duration_s;
    int n_epochs_shown;
    double epochs_s; /* sum of the logged epochs' durations */
    double power_w, cpu_power_w, gpu_power_w;
    double t_end_s;           /* end of the time axis (model.c) */
    int has_node;             /* a whole-machine meter was logged (the run's "node") */
    double node_energy_j;     /* its energy over the run */
    double node_components_j; /* the components' over the same span */
    const char *node_meter;
    char name[160]; /* the standard log's file name without directory */
    char stem[160]; /* name without "_carbontracker.log" (or ".log") */
};

struct report {
    json_t *root;
    struct rp_run *runs;
    size_t n_runs;
    double total_kwh, total_g, total_km;
    size_t n_skipped;
    json_t *skipped;
    const char *input;
    char date[64];
};

/* 0 for NaN (a figure that is not in the logs), when summing. */
static inline double or0(double v)
{
    return isnan(v) ? 0.0 : v;
}

/* A number member (NaN when absent or not a number) and a string member (NULL) of `o`. */
double jnum(const json_t *o, const char *key);
const char *jstr(const json_t *o, const char *key);

/* Read `json_text` into `rep` (rep->input and rep->date set by the caller): 0, or an exit status
 * (enum report_exit) with the reason in err. free_report() releases it either way. */
int load_report(const char *json_text, struct report *rep, char *err, size_t errlen);
void free_report(struct report *rep);

/* Local date and time of the report (and ISO 8601 for the PDF metadata); SOURCE_DATE_EPOCH (UTC)
 * makes it reproducible. */
void report_date(char *buf, size_t len, char *iso, size_t iso_len);

/* The run's status in a word ("cut short", "early stop", "no actual", "complete"), and which of
 * its figures upstream's aggregation counts ("actual", "prediction", "neither"). */
const char *status_of(const struct rp_run *r);
const char *counted_as(const struct rp_run *r);

#endif
