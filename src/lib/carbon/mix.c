/*
 * mix.c - carbon intensity from a generation mix (see mix.h): the modes, the emission factors
 * (compiled in, overridable per zone by a CSV file) and the weighted mean.
 */
#include "carbon/mix.h"

#include "carbon/provider.h"
#include "tables.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FACTOR_FILE_BYTES (1u << 20)

static const char *const fuel_names[CT__FUEL_COUNT] = {
    "coal", "gas", "oil", "biomass", "geothermal", "hydro", "nuclear", "solar", "wind", "unknown",
};

const char *ct__fuel_name(int fuel)
{
    return fuel >= 0 && fuel < CT__FUEL_COUNT ? fuel_names[fuel] : "?";
}

int ct__fuel_parse(const char *name)
{
    if (name == NULL)
        return CT__FUEL_NONE;
    for (int i = 0; i < CT__FUEL_COUNT; i++)
        if (strcasecmp(name, fuel_names[i]) == 0)
            return i;
    return strcasecmp(name, "other") == 0 ? CT__FUEL_UNKNOWN : CT__FUEL_NONE;
}

static int zone_matches(const char *row_zone, const char *zone)
{
    return zone != NULL && zone[0] != '\0' && strcasecmp(row_zone, zone) == 0;
}

void ct__factors_default(const char *zone, struct ct__factors *out)
{
    int zoned = 0;

    memset(out, 0, sizeof(*out));
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ct__factor_count; i++) {
            const struct ct__factor_entry *e = &ct__factor_table[i];
            int fuel = ct__fuel_parse(e->mode);
            if (fuel < 0 || (pass == 0 ? strcmp(e->zone, "*") != 0 : !zone_matches(e->zone, zone)))
                continue;
            out->g_per_kwh[fuel] = e->g_per_kwh;
            zoned |= pass;
        }
    snprintf(out->name, sizeof(out->name), "ipcc2014%s", zoned ? "+zone" : "");
    snprintf(out->source, sizeof(out->source),
             "IPCC 2014 life-cycle medians (Electricity Maps defaults)%s",
             zoned ? " with this zone's own factors" : "");
}

/* One CSV field (no quoting: the format has none) into dst; returns the next field or NULL. */
static const char *field(const char *p, const char *end, char *dst, size_t len)
{
    size_t n = 0;

    while (p < end && *p != ',') {
        if (n + 1 < len)
            dst[n++] = *p;
        p++;
    }
    while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\t' || dst[n - 1] == '\r'))
        n--;
    dst[n] = '\0';
    return p < end ? p + 1 : NULL;
}

int ct__factors_parse(const char *buf, size_t len, const char *zone, const char *label,
                      struct ct__factors *f, char *why, size_t why_len)
{
    struct ct__factors tmp;
    char changed[CT__FUEL_COUNT] = {0};
    int line = 0;
    const char *p = buf, *end = buf + (buf != NULL ? len : 0);

    if (f == NULL)
        return CT_EINVAL;
    tmp = *f;
    for (int pass = 0; pass < 2; pass++) {
        line = 0;
        for (p = buf; p != NULL && p < end;) {
            const char *eol = memchr(p, '\n', (size_t)(end - p));
            const char *next = eol != NULL ? eol + 1 : NULL, *q;
            char z[32], mode[32], value[32], *vend;
            double v;
            int fuel;
            if (eol == NULL)
                eol = end;
            line++;
            while (p < eol && (*p == ' ' || *p == '\t'))
                p++;
            if (line == 1 || p == eol || *p == '#' || *p == '\r') {
                p = next;
                continue;
            }
            q = field(p, eol, z, sizeof(z));
            q = q != NULL ? field(q, eol, mode, sizeof(mode)) : NULL;
            if (q == NULL) {
                ct__why_add(why, why_len, "line %d: expected zone,mode,gCO2eq/kWh[,source]", line);
                return CT_EINVAL;
            }
            field(q, eol, value, sizeof(value));
            p = next;
            if (pass == 0 ? strcmp(z, "*") != 0 : !zone_matches(z, zone))
                continue;
            fuel = ct__fuel_parse(mode);
            if (fuel < 0) {
                char shown[40];
                ct__printable_copy(shown, sizeof(shown), mode);
                ct__why_add(why, why_len,
                            "line %d: unknown mode \"%s\" (coal, gas, oil, biomass, geothermal, "
                            "hydro, nuclear, solar, wind, unknown)",
                            line, shown);
                return CT_EINVAL;
            }
            errno = 0;
            v = strtod(value, &vend);
            if (value[0] == '\0' || *vend != '\0' || errno != 0 || !ct__valid_intensity(v)) {
                ct__why_add(why, why_len, "line %d: gCO2eq/kWh must be a number from 0 to %.0f",
                            line, CT__MAX_G_PER_KWH);
                return CT_EINVAL;
            }
            tmp.g_per_kwh[fuel] = v;
            changed[fuel] = 1;
        }
    }
    {
        char modes[128] = "", shown[64];
        int any = 0;
        for (int i = 0; i < CT__FUEL_COUNT; i++)
            if (changed[i]) {
                size_t used = strlen(modes);
                snprintf(modes + used, sizeof(modes) - used, "%s%s", any ? ", " : "",
                         fuel_names[i]);
                any = 1;
            }
        if (any) {
            size_t used = strlen(tmp.source);
            ct__printable_copy(shown, sizeof(shown), label != NULL ? label : "a file");
            snprintf(tmp.source + used, sizeof(tmp.source) - used, "; %s from %s", modes, shown);
            used = strlen(tmp.name);
            if (strstr(tmp.name, "+file") == NULL)
                snprintf(tmp.name + used, sizeof(tmp.name) - used, "+file");
        }
    }
    *f = tmp;
    return CT_OK;
}

int ct__factors_load(const char *zone, const char *path, struct ct__factors *out, char *why,
                     size_t why_len)
{
    FILE *fp;
    char *buf;
    size_t n;
    int rc;
    const char *base;

    ct__factors_default(zone, out);
    if (path == NULL || path[0] == '\0')
        return CT_OK;
    fp = fopen(path, "rb");
    if (fp == NULL) {
        ct__why_add(why, why_len, "cannot read the emission factors file %s: %s", path,
                    strerror(errno));
        return CT_EIO;
    }
    buf = malloc(MAX_FACTOR_FILE_BYTES);
    if (buf == NULL) {
        fclose(fp);
        return CT_ENOMEM;
    }
    n = fread(buf, 1, MAX_FACTOR_FILE_BYTES, fp);
    if (ferror(fp) || n == MAX_FACTOR_FILE_BYTES) {
        ct__why_add(why, why_len, "the emission factors file %s is unreadable or over %u bytes",
                    path, MAX_FACTOR_FILE_BYTES - 1);
        rc = CT_EIO;
    } else {
        base = strrchr(path, '/');
        rc = ct__factors_parse(buf, n, zone, base != NULL ? base + 1 : path, out, why, why_len);
        if (rc != CT_OK)
            ct__why_add(why, why_len, "in the emission factors file %s", path);
    }
    fclose(fp);
    free(buf);
    return rc;
}

void ct__mix_add(struct ct__mix *m, int fuel, double mw)
{
    m->reported++;
    if (fuel < 0 || fuel >= CT__FUEL_COUNT || !isfinite(mw) || mw <= 0)
        return;
    m->mw[fuel] += mw;
}

int ct__mix_intensity(const struct ct__mix *m, const struct ct__factors *f, double *g_per_kwh,
                      double *total_mw)
{
    double num = 0, den = 0;

    for (int i = 0; i < CT__FUEL_COUNT; i++)
        if (m->mw[i] > 0) {
            num += m->mw[i] * f->g_per_kwh[i];
            den += m->mw[i];
        }
    if (!(den > 0) || !isfinite(num) || !isfinite(den))
        return -1;
    if (g_per_kwh != NULL)
        *g_per_kwh = num / den;
    if (total_mw != NULL)
        *total_mw = den;
    return 0;
}

/* ---- mixes over time ------------------------------------------------------------------ */

struct ct__mix *ct__mix_series_at(struct ct__mix_series *s, double t_s, double dur_s)
{
    for (size_t i = s->n; i-- > 0;)
        if (s->slots[i].t_s == t_s)
            return &s->slots[i].mix;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        struct ct__mix_slot *p = realloc(s->slots, cap * sizeof(*p));
        if (p == NULL)
            return NULL;
        s->slots = p;
        s->cap = cap;
    }
    memset(&s->slots[s->n], 0, sizeof(s->slots[0]));
    s->slots[s->n].t_s = t_s;
    s->slots[s->n].dur_s = dur_s;
    return &s->slots[s->n++].mix;
}

static int slot_by_time(const void *a, const void *b)
{
    const struct ct__mix_slot *x = a, *y = b;
    return (x->t_s > y->t_s) - (x->t_s < y->t_s);
}

void ct__mix_series_sort(struct ct__mix_series *s)
{
    if (s->n > 1)
        qsort(s->slots, s->n, sizeof(s->slots[0]), slot_by_time);
}

void ct__mix_series_free(struct ct__mix_series *s)
{
    if (s == NULL)
        return;
    free(s->slots);
    memset(s, 0, sizeof(*s));
}

int ct__mix_current(const struct ct__mix_series *s, const struct ct__factors *f,
                    const char *provider, const char *area, const char *what, double now_s,
                    struct ct__intensity *out, char *why, size_t why_len)
{
    const struct ct__mix_slot *best = NULL;
    double v = 0, total = 0;
    int most = 0;
    char when[32];

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < s->n; i++)
        if (s->slots[i].t_s <= now_s && s->slots[i].mix.reported > most &&
            ct__mix_intensity(&s->slots[i].mix, f, NULL, NULL) == 0)
            most = s->slots[i].mix.reported;
    for (size_t i = s->n; i-- > 0 && best == NULL;)
        if (s->slots[i].t_s <= now_s && s->slots[i].mix.reported >= most &&
            ct__mix_intensity(&s->slots[i].mix, f, &v, &total) == 0)
            best = &s->slots[i];
    if (best == NULL) {
        ct__why_add(why, why_len, "no hour of the reply has any generation (%zu slot(s))", s->n);
        return CT_EIO;
    }
    ct__format_utc(best->t_s, "%Y-%m-%d %H:%M", when, sizeof(when));
    out->g_per_kwh = v;
    out->time_s = best->t_s;
    snprintf(out->source, sizeof(out->source), "%s:%s:%s", provider, area, f->name);
    ct__printable_copy(out->zone, sizeof(out->zone), area);
    snprintf(out->description, sizeof(out->description), "%s, %s, %s UTC, %.0f MW; factors: %s.",
             what, area, when, total, f->source);
    return CT_OK;
}
