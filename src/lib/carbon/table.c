/*
 * table.c - the offline carbon-intensity provider: Our World in Data's average intensity per
 * country (compiled in from data/carbon-intensity.csv) and eGRID's per US balancing authority
 * (data/carbon-intensity-zones.csv: a zone of its own is used before its country), else the world
 * average, with upstream's "Defaulted to average carbon intensity ..." descriptions. Always
 * suitable, never a forecast.
 */
#include "carbon/provider.h"
#include "tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The alpha-2 country of a code or Electricity Maps zone ("dk", "DK-DK1", "US-CAL-CISO"):
 * upper-cased into cc[3]; 0, or -1 when the part before the first '-' is not two letters. */
static int country_part(const char *code, char cc[3])
{
    size_t n = strcspn(code, "-");

    if (n != 2)
        return -1;
    for (size_t i = 0; i < 2; i++) {
        char c = code[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c < 'A' || c > 'Z')
            return -1;
        cc[i] = c;
    }
    cc[2] = '\0';
    return 0;
}

/* The entry of exactly `key` (upper case), or NULL. */
static const struct ct__intensity_entry *find_code(const char *key)
{
    size_t lo = 0, hi = ct__intensity_count;

    /* The generator sorts the table by code (strcmp order). */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ct__intensity_table[mid].code, key);
        if (c == 0)
            return &ct__intensity_table[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The entry of a zone that has its own row ("US-TEX-ERCO", any case), or NULL. */
static const struct ct__intensity_entry *find_zone(const char *zone)
{
    char key[16];
    size_t n = zone != NULL ? strlen(zone) : 0;

    if (n <= 2 || n >= sizeof(key))
        return NULL;
    for (size_t i = 0; i <= n; i++)
        key[i] = (zone[i] >= 'a' && zone[i] <= 'z') ? (char)(zone[i] - 'a' + 'A') : zone[i];
    return find_code(key);
}

static const struct ct__intensity_entry *find_entry(const char *code)
{
    char cc[3];

    if (code == NULL || country_part(code, cc) != 0)
        return NULL;
    return find_code(cc);
}

int ct__table_lookup(const char *country, double *value, int *year)
{
    const struct ct__intensity_entry *e = find_entry(country);

    if (e == NULL)
        return -1;
    if (value != NULL)
        *value = e->g_per_kwh;
    if (year != NULL)
        *year = e->year;
    return 0;
}

static int table_suitable(const struct ct__carbon_cfg *cfg, const struct ct__location *loc)
{
    (void)cfg;
    (void)loc;
    return 1;
}

static int table_current(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                         struct ct__intensity *out, char *why, size_t why_len)
{
    const struct ct__intensity_entry *e = NULL;

    (void)cfg;
    if (out == NULL)
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    if (why != NULL && why_len > 0)
        why[0] = '\0';

    if (loc != NULL)
        e = find_zone(loc->zone); /* a zone with its own row: a US balancing authority */
    if (e == NULL && loc != NULL && loc->country[0] != '\0')
        e = find_entry(loc->country);
    if (e == NULL && loc != NULL && loc->zone[0] != '\0')
        e = find_entry(loc->zone);

    out->is_default = 1;
    if (e != NULL) {
        out->g_per_kwh = e->g_per_kwh;
        out->year = e->year;
        snprintf(out->source, sizeof(out->source), "table:%s:%s:%d",
                 strlen(e->code) > 2 ? "egrid" : "owid", e->code, e->year);
        snprintf(out->zone, sizeof(out->zone), "%s", e->code);
        snprintf(out->description, sizeof(out->description),
                 "Defaulted to average carbon intensity for %s in %d of %.2f gCO2/kWh.", e->code,
                 e->year, e->g_per_kwh);
        return CT_OK;
    }

    out->g_per_kwh = CT__WORLD_INTENSITY_G_PER_KWH;
    out->year = 2019;
    snprintf(out->source, sizeof(out->source), "default:world:2019");
    snprintf(out->description, sizeof(out->description),
             "Defaulted to average carbon intensity for world in 2019 of %.2f gCO2/kWh.",
             CT__WORLD_INTENSITY_G_PER_KWH);
    if (why != NULL && why_len > 0) {
        const char *what = loc == NULL ? "" : loc->country[0] ? loc->country : loc->zone;
        if (what[0] == '\0')
            snprintf(why, why_len, "location unknown; using the world average");
        else
            snprintf(why, why_len, "%s is not in the offline table; using the world average", what);
    }
    return CT_OK;
}

const struct ct__carbon_provider ct__provider_table = {
    .name = "table",
    .suitable = table_suitable,
    .current = table_current,
    .forecast = NULL,
};
