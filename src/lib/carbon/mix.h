/*
 * mix.h - carbon intensity from a generation mix, for the providers that publish megawatts per
 * fuel rather than grams per kWh (EIA, ENTSO-E): sum(P_i x EF_i) / sum(P_i) over the generating
 * modes, with life-cycle emission factors (IPCC 2014 medians as Electricity Maps uses them by
 * default, compiled in from data/emission-factors.csv) that a file given as a setting may
 * override per zone. Pure functions; the factors' source travels with every value.
 */
#ifndef CT_CARBON_MIX_H
#define CT_CARBON_MIX_H

#include <stddef.h>

/* Generation modes (Electricity Maps' names). Storage is not a mode: charging is consumption, and
 * what storage gives back was generated, and counted, by the modes that charged it. */
enum ct__fuel {
    CT__FUEL_COAL = 0,
    CT__FUEL_GAS,
    CT__FUEL_OIL,
    CT__FUEL_BIOMASS,
    CT__FUEL_GEOTHERMAL,
    CT__FUEL_HYDRO,
    CT__FUEL_NUCLEAR,
    CT__FUEL_SOLAR,
    CT__FUEL_WIND,
    CT__FUEL_UNKNOWN, /* "other", "unknown": assumed thermal */
    CT__FUEL_COUNT,
    CT__FUEL_STORAGE = -2, /* batteries, pumped storage: left out of the mix */
    CT__FUEL_NONE = -1     /* not a fuel this tracker knows */
};

/* "coal", "gas", ... "unknown"; "?" for anything else. */
const char *ct__fuel_name(int fuel);
/* The mode of a name as data/emission-factors.csv writes it ("coal"; "other" = unknown), or
 * CT__FUEL_NONE. */
int ct__fuel_parse(const char *name);

/* Emission factors in force for one zone. */
struct ct__factors {
    double g_per_kwh[CT__FUEL_COUNT]; /* life cycle, gCO2eq/kWh */
    char name[24];    /* short, for intensity sources: "ipcc2014", "ipcc2014+file" */
    char source[192]; /* for descriptions: "IPCC 2014 life-cycle medians (Electricity Maps
                         defaults)", "...; coal, gas from factors.csv" */
};

/* The compiled-in factors for `zone` (NULL = none): the "*" rows of data/emission-factors.csv,
 * then the rows of that zone (case-insensitive). */
void ct__factors_default(const char *zone, struct ct__factors *out);

/*
 * Override factors from a CSV text in the format of data/emission-factors.csv: a header line,
 * then "zone,mode,gCO2eq/kWh[,source]" rows ("*" = every zone; '#' lines are comments). Rows of
 * other zones are skipped; the rows for `zone` are applied after the "*" rows. `label` names the
 * file in f->source. CT_OK; CT_EINVAL with `why` ("line 3: unknown mode \"lignite\" (coal, gas,
 * ...)", "line 2: gCO2eq/kWh must be a number from 0 to 5000") and f unchanged.
 */
int ct__factors_parse(const char *buf, size_t len, const char *zone, const char *label,
                      struct ct__factors *f, char *why, size_t why_len);

/* ct__factors_default, then the override file at `path` when not NULL/"" (ct__factors_parse).
 * CT_OK; CT_EIO (unreadable, with why naming the file and errno) or CT_EINVAL with why. */
int ct__factors_load(const char *zone, const char *path, struct ct__factors *out, char *why,
                     size_t why_len);

/* Megawatts per mode at one time. */
struct ct__mix {
    double mw[CT__FUEL_COUNT];
    int reported; /* values added (fuels reported, storage and negatives included) */
};

/* Add `mw` of `fuel` (values of one mode add up). Storage, unknown fuels, negative and non-finite
 * values count as reported but add no generation. */
void ct__mix_add(struct ct__mix *m, int fuel, double mw);

/* sum(max(P_i,0) x EF_i) / sum(max(P_i,0)): 0 with *g_per_kwh (and *total_mw when not NULL), or
 * -1 when nothing generates (no positive value). */
int ct__mix_intensity(const struct ct__mix *m, const struct ct__factors *f, double *g_per_kwh,
                      double *total_mw);

/* Mixes over time: one slot per time stamp. */
struct ct__mix_slot {
    double t_s, dur_s; /* [t_s, t_s + dur_s), UTC seconds */
    struct ct__mix mix;
};
struct ct__mix_series {
    struct ct__mix_slot *slots; /* sorted by t_s after ct__mix_series_sort */
    size_t n, cap;
};

/* The mix of the slot starting at t_s (added, empty, when new). NULL when out of memory. */
struct ct__mix *ct__mix_series_at(struct ct__mix_series *s, double t_s, double dur_s);
void ct__mix_series_sort(struct ct__mix_series *s);
void ct__mix_series_free(struct ct__mix_series *s);

struct ct__intensity;
/*
 * The current intensity from a mix series: the latest slot that generates and has as many values
 * reported as the most complete slot (the newest hour is often still coming in, one fuel at a
 * time), at the factors f. out->source is "<provider>:<area>:<f->name>" and out->description
 * "<what>, <area>, <time> UTC, <total> MW; factors: <f->source>."; out->time_s is the slot's
 * start, from which the carbon thread judges its age (carbon.stale_warn_s, carbon.max_age_s).
 * Slots starting after now_s are ignored. CT_EIO with why when no slot generates.
 */
int ct__mix_current(const struct ct__mix_series *s, const struct ct__factors *f,
                    const char *provider, const char *area, const char *what, double now_s,
                    struct ct__intensity *out, char *why, size_t why_len);

#endif
