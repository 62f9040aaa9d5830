/*
 * record.h - the log parser's internal model: one record per run (a pair of upstream text logs,
 * or our JSON-lines log), and record.c, the lowest of its layers, each calling only those below
 * it and each with its own header:
 *   parse.c        public API: ct_parse_bytes/files/dir, ct_parse_json, accessors
 *   aggregate.c    files to runs (pairing, reading, choosing the reader), totals, sentence
 *   derive.c       the figures derived from a run ("derived" in ct_parse_json)
 *   logparse.c     the text logs' run assembly    jsonl_read.c   our JSON-lines log
 *   loglex.c       the text logs' lines, numbers and times (loglex.h; logparse.c only)
 *   record.c       the record's storage and shared helpers (growth, strings, numbers, skips)
 */
#ifndef CT_PARSE_RECORD_H
#define CT_PARSE_RECORD_H

#include "../internal.h"

#include <locale.h>
#include <stddef.h>

/* Per-file cap on "skipped" entries; the rest are counted in one final entry. */
#define CT__PARSE_MAX_SKIPPED 100
/* Caps that keep crafted logs linear: components per run, devices per component. */
#define CT__PARSE_MAX_COMPONENTS 16
#define CT__PARSE_MAX_DEVICES 4096

/* One equivalent ("km travelled by car" -> 0.0182). */
struct ct__equiv {
    char *unit;
    double value;
};

/* upstream's get_consumption dict. NaN in a double means null in the JSON. */
struct ct__consumption {
    int epochs;
    double duration_s;
    double energy_kwh; /* PUE included, as printed */
    double co2eq_g;
    int has_equivalents; /* 0: "equivalents": null (no "This is equivalent to:" block) */
    size_t n_equiv;
    struct ct__equiv *equiv;
    /* The prediction's band (our JSON-lines log only): 10th to 90th percentile. */
    int has_band;
    double band_lo[3], band_hi[3]; /* duration_s, energy_kwh (PUE), co2eq_g */
};

/* One epoch's average power per device (upstream: one row of avg_power_usages). */
struct ct__prow {
    size_t n;
    double *v;
};

/* upstream parse_logs()[comp]. */
struct ct__pcomp {
    char *name; /* lower case: "gpu", "cpu" */
    size_t n_devices, cap_devices;
    char **devices;
    int has_power; /* 0: "avg_power_usages (W)": null */
    size_t n_power, cap_power;
    struct ct__prow *power;
};

struct ct__pepoch {
    int epoch;
    double duration_s;
    double cpu_power_w; /* NaN: null (no such component, or "None") */
    double gpu_power_w;
    double other_power_w; /* components other than cpu/gpu (counted in energy_j) */
    double energy_j;
    double energy_kwh; /* PUE included; NaN when the PUE is unknown */
    double co2eq_g;    /* NaN when the intensity is unknown */
    int line;          /* line of "Epoch N:" (text), 0 for JSON lines */
};

struct ct__pdevice {
    char *component;
    char *name;
    char *meter;      /* NULL: unknown */
    char *provenance; /* NULL: unknown */
    double energy_j;  /* NaN: unknown */
};

struct ct__psample {
    double t_s;
    double cpu_w; /* NaN: null */
    double gpu_w;
};

struct ct__pisample {
    double t_s;
    double g_per_kwh;
    char *source; /* NULL: null */
};

struct ct__pskip {
    char *file;
    int line; /* 0: the whole file */
    char *reason;
};

/* The job a run was one rank of (the JSON-lines meta record's "job"). */
struct ct__pjob {
    char *id, *launcher, *node;                                  /* NULL: unknown */
    int rank, world_size, local_rank, local_world_size, node_id; /* -1: unknown */
    int measures_node;
};

struct ct__prun {
    char *output_filename; /* NULL from ct_parse_bytes */
    char *standard_filename;
    char *jsonl_filename;
    int source_jsonl;
    const char *source_note; /* why the run was not read from its JSON-lines log (static), or
                                NULL */
    int naming_generation;   /* 1, 2, 3; 0 = not recognised (null) */
    char *version;           /* carbontracker version, NULL if not logged */
    double pue;              /* NaN: unknown */
    int early_stop;
    int truncated;
    size_t n_comp;
    struct ct__pcomp *comp;
    int has_durations;
    size_t n_durations, cap_durations;
    double *durations;
    struct ct__consumption *actual; /* NULL: null */
    struct ct__consumption *pred;
    char *location;
    double intensity_g_per_kwh;
    size_t n_epochs, cap_epochs;
    struct ct__pepoch *epochs;
    size_t n_devices, cap_devices;
    struct ct__pdevice *devices;
    size_t n_samples, cap_samples;
    struct ct__psample *samples;
    size_t n_isamples, cap_isamples;
    struct ct__pisample *isamples;
    size_t n_skipped, cap_skipped;
    struct ct__pskip *skipped;
    const char *aggregated; /* "actual", "pred" or NULL: what the totals took (static) */
    /* Whole-machine power (the JSON-lines log's latest "node" record), beside the components: */
    int has_node;
    double node_energy_j;     /* node meters since the tracker opened */
    double node_components_j; /* every component device over the same span */
    char *node_meter;         /* the first node device's meter ("acpi-power-meter", ...) */
    struct ct__pjob *job;     /* NULL: not a rank of a distributed job */
};

struct ct_parse_result {
    size_t n_runs, cap_runs;
    struct ct__prun *runs;
    size_t n_skipped, cap_skipped;
    struct ct__pskip *skipped; /* whole files (line 0) */
    double total_energy_kwh;
    double total_co2eq_g;
    size_t n_equiv, cap_equiv;
    struct ct__equiv *total_equiv; /* insertion order, as upstream's dict */
};

/* ---- record.c: the lower layer ---------------------------------------------------------- */

/* Grow *arr (elements of `elem` bytes, capacity *cap) to hold at least `need`. CT_OK/CT_ENOMEM. */
int ct__parse_grow(void *arr, size_t *cap, size_t need, size_t elem);

/* strndup that replaces NUL bytes and invalid UTF-8 with U+FFFD (JSON needs valid UTF-8). */
char *ct__parse_strdup(const char *p, size_t n);

/* Locale-independent strtod of a NUL-terminated string (decimal point '.'). */
double ct__parse_strtod(const char *s, char **end);
/* The "C" locale (for uselocale() around printf), or (locale_t)0 when it cannot be made. */
locale_t ct__parse_c_locale(void);

/* Add a skipped-line entry to a run (file label, 1-based line, reason); capped per file at
 * CT__PARSE_MAX_SKIPPED. CT_OK/CT_ENOMEM. */
int ct__parse_skip(struct ct__prun *run, const char *file, int line, const char *reason);
/* Close the per-file cap: if entries were dropped for `file`, add "... N more". */
int ct__parse_skip_flush(struct ct__prun *run, const char *file);

/* Whole-file entries of the result. */
int ct__parse_skip_file(struct ct_parse_result *r, const char *file, const char *reason);

/* Component `name` of the run (case-insensitive), created if `create` (and fewer than
 * CT__PARSE_MAX_COMPONENTS exist); NULL when absent, over the cap, or out of memory (*oom set). */
struct ct__pcomp *ct__parse_comp(struct ct__prun *run, const char *name, size_t len, int create,
                                 int *oom);

/* Release everything a run holds (not the struct itself). */
void ct__parse_run_clear(struct ct__prun *run);

/* Append an empty run (PUE and intensity unknown) to the result; NULL when out of memory. */
struct ct__prun *ct__parse_new_run(struct ct_parse_result *r);

#endif
