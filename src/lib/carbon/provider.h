/*
 * provider.h - carbon-intensity providers and location. A provider is a const vtable; live web
 * providers (a later issue) add one file each with a pure JSON parser over bytes. The offline
 * per-country table (table.c) is always present and is the fallback.
 */
#ifndef CT_CARBON_PROVIDER_H
#define CT_CARBON_PROVIDER_H

#include "../internal.h"

#include <stddef.h>

/* How the location was found. */
enum ct__loc_method {
    CT__LOC_NONE = 0,     /* nothing known: world average */
    CT__LOC_OPTION = 1,   /* --zone / option / CARBONTRACKER_ZONE */
    CT__LOC_TIMEZONE = 2, /* TZ or /etc/localtime mapped through zone.tab */
};

struct ct__location {
    int method;        /* enum ct__loc_method */
    char zone[16];     /* zone or ISO alpha-2 country, upper case ("DK", "NA"); "" = unknown */
    char country[8];   /* ISO alpha-2 country the zone lies in ("" = unknown) */
    char tzname[64];   /* the time zone name used, when method == CT__LOC_TIMEZONE */
    char address[128]; /* upstream's "detected location" text, e.g. "DK (time zone
                          Europe/Copenhagen)"; "UNDETECTED" when nothing is known */
};

/* Inputs of the location lookup (the seams). */
struct ct__location_query {
    const char *zone;           /* explicit zone/country or NULL */
    const char *tz;             /* TZ value or NULL */
    const char *localtime_path; /* NULL = "/etc/localtime" */
    const char *zoneinfo_dir;   /* NULL = "/usr/share/zoneinfo" */
};

/* Resolve the location. Never fails: unknown gives method CT__LOC_NONE. `why` receives a note
 * when a step failed (e.g. "time zone UTC has no country"). */
void ct__location_resolve(const struct ct__location_query *q, struct ct__location *out, char *why,
                          size_t why_len);

/* One intensity answer. */
struct ct__intensity {
    double g_per_kwh;      /* gCO2eq/kWh */
    int is_default;        /* 1: from the offline table or the world average (not live) */
    int year;              /* data year for table values (world average: 2019) */
    char source[64];       /* "table:owid:DK:2023", "default:world:2019", ... */
    char description[256]; /* upstream's default description, e.g. "Defaulted to average carbon
                              intensity for DK in 2023 of 151.65 gCO2/kWh." */
};

struct ct__carbon_provider {
    const char *name; /* "table", "electricitymaps", ... */
    /* 1 if this provider can answer for the location. */
    int (*suitable)(const struct ct__location *loc);
    /* Current intensity. CT_OK, or negative with `why` set. */
    int (*current)(const struct ct__location *loc, struct ct__intensity *out, char *why,
                   size_t why_len);
    /* Average forecast over [now, now + window_s]; NULL when the provider has no forecast. */
    int (*forecast)(const struct ct__location *loc, double window_s, struct ct__intensity *out,
                    char *why, size_t why_len);
};

/* The offline per-country table (compiled in from data/carbon-intensity.csv). */
extern const struct ct__carbon_provider ct__provider_table;

/* World average used when the country is unknown or missing from the table (IEA 2019). */
#define CT__WORLD_INTENSITY_G_PER_KWH 481.0

/* Table lookup: 0 with value and year set, or -1 when the country is not in the table. */
int ct__table_lookup(const char *country, double *value, int *year);

/* Country (alpha-2) for a time zone name via zone.tab/zone1970.tab in zoneinfo_dir; 0 or -1. */
int ct__tz_country(const char *zoneinfo_dir, const char *tzname, char *country, size_t len);

#endif
