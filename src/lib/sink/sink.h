/*
 * sink.h - where a run's records go: one small interface, and the list of sinks a tracker writes
 * to. The tracker produces records (the run's setup, samples, epochs, intensity changes, the
 * prediction, the summary) and upstream's messages; each sink renders what it shows: the console
 * and upstream's three log files (upstream.c), the JSON-lines run log (jsonl.c). A new output is
 * one more sink: a file with a `const struct ct__sink_ops` and one ct__sinks_add() call.
 *
 * Threads: samples come from the sampler thread, everything else from the caller's thread; a
 * sink that takes samples must accept them concurrently with the other calls.
 */
#ifndef CT_SINK_SINK_H
#define CT_SINK_SINK_H

#include <stddef.h>
#include <stdint.h>

struct ct__prediction; /* account.h */
struct ct__budget;     /* account.h */

/* Upstream's message kinds. */
enum ct__msg {
    CT__MSG_OUTPUT = 0,  /* logger.output(): output log and console, "CarbonTracker: " prefix */
    CT__MSG_INFO = 1,    /* logger.info(): standard log only */
    CT__MSG_NOTE = 2,    /* ours: standard log, and the console at verbose >= 2 */
    CT__MSG_WARNING = 3, /* err_warn: error log and console, "CarbonTracker: WARNING - " */
    CT__MSG_ERROR = 4,   /* err_critical: the same at ERROR */
    CT__MSG_BANNER = 5,  /* upstream's simulation banner: console as output, standard log */
    CT__MSG_ASKED = 6,   /* a question the confirm callback shows: output log only */
    CT__MSG_QUIT = 7,    /* upstream's "Quitting...": the last console line; what follows (the
                            actual consumption, "Finished monitoring.") goes to the logs only,
                            as upstream exits there */
};

/* One device as the meta record describes it; "i" is its position in the array. */
struct ct__sink_device {
    const char *component; /* "cpu", "gpu" */
    const char *name;      /* upstream label: "cpu:0", a GPU model, ... */
    const char *meter;     /* "rapl-powercap", "nvml", ... */
    int provenance;        /* ct_provenance */
    const char *uuid;      /* NULL or "" = none */
    int index;             /* -1 = none */
};

struct ct__job;

struct ct__sink_meta {
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
    const struct ct__sink_device *devices;
    const struct ct__job *job; /* the job this tracker is a rank of; NULL or inactive: none */
};

struct ct__sink_epoch {
    int epoch;
    double duration_s;
    double cpu_energy_j, gpu_energy_j; /* before PUE */
    double energy_kwh;                 /* PUE included */
    double intensity_g_per_kwh;
    double co2eq_g;
    int n_devices;
    const double *device_energy_j; /* per device (meta order), before PUE; may be NULL */
    int n_comp;                    /* the components measured, in the selected order */
    const char *comp_name[2];      /* "cpu", "gpu" */
    double comp_energy_j[2];
};

/* A consumption block: the prediction or the actual (summary). NaN = unknown. */
struct ct__sink_consumption {
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
    const char *location; /* upstream's "detected location" text */
    int n_devices;        /* summary: per device energy of the counted epochs */
    const double *device_energy_j;
    const int *device_lost; /* may be NULL */
    /* For the texts: */
    const struct ct__prediction *pred; /* prediction: how it was made */
    const struct ct__budget *budget;   /* summary: the budget and what was decided; NULL */
    const double *fetched;             /* summary: the values fetched live (upstream's list), */
    size_t n_fetched;                  /* or none: the value in force */
    double in_force_g_per_kwh;
    const char *in_force_description; /* upstream's text for a default intensity */
    double refresh_s;
};

/* Whole-machine power (node meters) beside the components, over the same span: open to now. */
struct ct__sink_node_dev {
    const char *name;  /* "node", "node:bmc" */
    const char *meter; /* "acpi-power-meter", "ipmi-dcmi" */
    int provenance;    /* ct_provenance */
    double energy_j;   /* since open */
    int lost;
};

struct ct__sink_node {
    int n;
    const struct ct__sink_node_dev *devs;
    double node_j;       /* all node devices since open */
    double components_j; /* every component device since open, at the same read */
};

struct ct__sink_ops {
    const char *name;
    /* Every member may be NULL (the sink ignores that record). */
    void (*message)(void *s, int kind, const char *text);
    void (*meta)(void *s, const struct ct__sink_meta *m);
    /* now_ns: CLOCK_MONOTONIC of the reading (0 = now); energy_uj: every device's counter. */
    void (*sample)(void *s, uint64_t now_ns, const uint64_t *energy_uj, int n);
    void (*epoch)(void *s, uint64_t now_ns, const struct ct__sink_epoch *e);
    void (*intensity)(void *s, uint64_t now_ns, double g_per_kwh, const char *source, int live);
    void (*prediction)(void *s, uint64_t now_ns, const struct ct__sink_consumption *c);
    void (*summary)(void *s, uint64_t now_ns, const struct ct__sink_consumption *c);
    /* 1 when the sink could not write something, with "FILE: reason" of the first failure in
     * why; 0 otherwise. Caller's thread. */
    int (*failed)(void *s, char *why, size_t len);
    /* Flush and release; the sink is not called again. */
    void (*close)(void *s);
    /* Whole-machine power with a sample (sampler thread), when a node meter is in use. */
    void (*node)(void *s, uint64_t now_ns, const struct ct__sink_node *n);
};

#define CT__MAX_SINKS 4

struct ct__sinks {
    struct {
        const struct ct__sink_ops *ops;
        void *state;
        int failure_told; /* its write failure was reported */
    } s[CT__MAX_SINKS];
    int n;
};

/* Add a sink (state owned by the caller until close). 0, or -1 when the list is full. */
int ct__sinks_add(struct ct__sinks *k, const struct ct__sink_ops *ops, void *state);

void ct__sinks_message(struct ct__sinks *k, int kind, const char *text);
void ct__sinks_meta(struct ct__sinks *k, const struct ct__sink_meta *m);
void ct__sinks_sample(struct ct__sinks *k, uint64_t now_ns, const uint64_t *energy_uj, int n);
/* 1 when a sink takes samples (the sampler copies the counters only then). */
int ct__sinks_want_samples(const struct ct__sinks *k);
void ct__sinks_node(struct ct__sinks *k, uint64_t now_ns, const struct ct__sink_node *n);
void ct__sinks_epoch(struct ct__sinks *k, uint64_t now_ns, const struct ct__sink_epoch *e);
void ct__sinks_intensity(struct ct__sinks *k, uint64_t now_ns, double g_per_kwh, const char *source,
                         int live);
void ct__sinks_prediction(struct ct__sinks *k, uint64_t now_ns,
                          const struct ct__sink_consumption *c);
void ct__sinks_summary(struct ct__sinks *k, uint64_t now_ns, const struct ct__sink_consumption *c);
/* The next sink whose writes failed and that was not reported yet: 1 with "FILE: reason" in why
 * (each sink once), else 0. */
int ct__sinks_next_failure(struct ct__sinks *k, char *why, size_t len);
/* Close every sink and empty the list. */
void ct__sinks_close(struct ct__sinks *k);

#endif
