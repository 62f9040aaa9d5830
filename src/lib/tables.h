/*
 * tables.h - data tables compiled into the library from the CSV files in data/ by
 * tools/gen_tables.c.
 */
#ifndef CT_TABLES_H
#define CT_TABLES_H

#include <stddef.h>

/* data/cpu-tdp.csv: CPU model name -> thermal design power (W), in file order, with the name
 * normalised at build time (ct__cpu_name_parse, energy/cpu_name.h). The rows hold no pointers:
 * their strings are offsets into ct__tdp_strings (read them with ct__tdp_name/ct__tdp_norm), so
 * the 4,000 rows need no relocation and stay in shared read-only pages when a program loads the
 * library, instead of 8,000 relocations and 31 copied pages at every start. */
struct ct__tdp_entry {
    double tdp_w;
    unsigned name;           /* offset of the name in ct__tdp_strings */
    unsigned norm;           /* offset of the name normalised */
    unsigned short vendor;   /* enum ct__cpu_vendor of its first word */
    unsigned short body_off; /* where the name without its vendor word starts in norm */
};
extern const struct ct__tdp_entry ct__tdp_table[];
extern const size_t ct__tdp_count;
extern const double ct__tdp_mean_w; /* mean over all valid rows (upstream's fallback) */
extern const char ct__tdp_strings[];

static inline const char *ct__tdp_name(const struct ct__tdp_entry *e)
{
    return ct__tdp_strings + e->name;
}

static inline const char *ct__tdp_norm(const struct ct__tdp_entry *e)
{
    return ct__tdp_strings + e->norm;
}

/* data/carbon-intensity.csv: ISO alpha-2 -> average carbon intensity (gCO2eq/kWh), with the
 * sub-national zones of data/carbon-intensity-zones.csv ("US-MIDW-MISO"), sorted by code. */
struct ct__intensity_entry {
    const char *code;   /* "DK", "NA" (Namibia), "US-TEX-ERCO" */
    const char *entity; /* "Denmark" */
    int year;
    double g_per_kwh;
};
extern const struct ct__intensity_entry ct__intensity_table[];
extern const size_t ct__intensity_count;

/* data/cloud-regions.csv: a cloud provider's region -> the grid zone it draws from (Electricity
 * Maps zone codes), in file order. */
struct ct__cloud_region_entry {
    const char *cloud;    /* "aws", "gcp", "azure" */
    const char *region;   /* "us-east-1", "europe-west4", "westeurope" */
    const char *zone;     /* "US-MIDA-PJM", "NL" */
    const char *location; /* "Northern Virginia" */
};
extern const struct ct__cloud_region_entry ct__cloud_region_table[];
extern const size_t ct__cloud_region_count;

/* data/emission-factors.csv: life-cycle emission factor per generation mode, in file order. */
struct ct__factor_entry {
    const char *zone;   /* "*" = every zone, else one zone ("US-MIDA-PJM") */
    const char *mode;   /* "coal", "gas", ... (carbon/mix.h) */
    double g_per_kwh;   /* gCO2eq/kWh */
    const char *source; /* "IPCC 2014" */
};
extern const struct ct__factor_entry ct__factor_table[];
extern const size_t ct__factor_count;

#endif
