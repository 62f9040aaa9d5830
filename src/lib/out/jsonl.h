/*
 * jsonl.h - our machine-readable run log, <base>_carbontracker.jsonl beside the three text logs:
 * a header line naming the format and version, then one JSON record per line (meta, sample,
 * epoch, intensity, prediction, summary), each flushed as written so that a killed run keeps
 * everything up to its last sample. Format: doc/logformat.md.
 *
 * Threads: every function may be called from any thread (one mutex per file); samples come from
 * the sampler, the rest from the caller's thread. ct__jsonl_close() must not race with writers.
 * Every writer accepts NULL (no JSON-lines log: does nothing). Write errors are remembered
 * (ct__jsonl_failed) and later records are dropped, never reported to the training loop.
 */
#ifndef CT_OUT_JSONL_H
#define CT_OUT_JSONL_H

#include <stddef.h>
#include <stdint.h>

struct ct__jsonl;

/* One device as the meta record describes it; "i" is its position in the array. */
struct ct__jsonl_device {
    const char *component; /* "cpu", "gpu" */
    const char *name;      /* upstream label: "cpu:0", a GPU model, ... */
    const char *meter;     /* "rapl-powercap", "nvml", ... */
    int provenance;        /* ct_provenance */
    const char *uuid;      /* NULL or "" = none */
    int index;             /* -1 = none */
};

struct ct__jsonl_meta {
    double pue;
    const char *zone; /* NULL or "" = unknown */
    const char *location;
    double intensity_g_per_kwh; /* in force at open */
    const char *intensity_source;
    /* options */
    int epochs, epochs_before_pred, monitor_epochs;
    double update_interval_s;
    const char *components;
    int interpretable, decimal_precision, live;
    int n_devices;
    const struct ct__jsonl_device *devices;
};

struct ct__jsonl_epoch {
    int epoch;
    double duration_s;
    double cpu_energy_j, gpu_energy_j; /* before PUE */
    double energy_kwh;                 /* PUE included */
    double intensity_g_per_kwh;
    double co2eq_g;
    int n_devices;
    const double *device_energy_j; /* per device (meta order), before PUE; may be NULL */
};

/* A consumption block: the prediction or the actual (summary). NaN = unknown. */
struct ct__jsonl_consumption {
    const char *description; /* the block's title, e.g. "Actual consumption for 2 epoch(s):" */
    int epochs;
    double duration_s;
    double energy_j;   /* before PUE (summary only; NaN for the prediction) */
    double energy_kwh; /* PUE included */
    double co2eq_g;
    double intensity_g_per_kwh;
    double km_by_car;     /* NaN: no equivalents (not interpretable, or negative CO2eq) */
    const char *basis;    /* prediction: "forecast", "measured", "default"; NULL */
    int early_stop;       /* summary */
    const char *location; /* summary; NULL */
    int n_devices;        /* summary: per device energy of the counted epochs */
    const double *device_energy_j;
    const int *device_lost; /* may be NULL */
};

/* Create <base_path>_carbontracker.jsonl (truncating an old one) and write the header line.
 * Returns 0 or -errno, with `why` naming the path. */
int ct__jsonl_open(struct ct__jsonl **out, const char *base_path, char *why, size_t len);

/* The run's setup: devices, PUE, location, intensity in force, options. Once, after open. */
void ct__jsonl_meta(struct ct__jsonl *j, const struct ct__jsonl_meta *m);

/* One sampler reading: every device's unfolded counter in microjoules (meta order). The log
 * holds energy since the first sample written and the average power since the previous one.
 * Samples before the meta record, and samples older than the last one written, are dropped.
 * now_ns: CLOCK_MONOTONIC (ct__now_ns()) of the reading; 0 = now. */
void ct__jsonl_sample(struct ct__jsonl *j, uint64_t now_ns, const uint64_t *energy_uj, int n);

void ct__jsonl_epoch(struct ct__jsonl *j, uint64_t now_ns, const struct ct__jsonl_epoch *e);

/* The intensity in force changed (or was fetched again): written only when the value or source
 * differs from the last one written. live: fetched from a live provider. */
void ct__jsonl_intensity(struct ct__jsonl *j, uint64_t now_ns, double g_per_kwh, const char *source,
                         int live);

void ct__jsonl_prediction(struct ct__jsonl *j, uint64_t now_ns,
                          const struct ct__jsonl_consumption *c);
void ct__jsonl_summary(struct ct__jsonl *j, uint64_t now_ns, const struct ct__jsonl_consumption *c);

/* 1 once a write failed (later records were dropped). */
int ct__jsonl_failed(const struct ct__jsonl *j);

/* Path of the file (valid until close). */
const char *ct__jsonl_path(const struct ct__jsonl *j);

/* Close and free; *j becomes NULL. NULL and *j == NULL are fine. */
void ct__jsonl_close(struct ct__jsonl **j);

#endif
