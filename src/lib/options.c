/*
 * options.c - the options table as data (options_table.h): defaults, introspection and parsing
 * by name (public), and the tracker's copy of its options (options.h): owned strings duplicated,
 * secrets wiped and redacted, upstream's validation, and the derived values.
 */
#include "options.h"

#include "backends.h"

#include "account.h"
#include "carbon/cloud.h"
#include "energy/sim.h"
#include "meters.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIELD_SIZE(f) sizeof(((ct_options *)0)->f)
#define ROW(f, type, def, env, flags, cli, arg, help)                                              \
    {{#f, CT_OPTION_##type, offsetof(ct_options, f), FIELD_SIZE(f), env, cli, arg, help,           \
      ((flags)&CT__OPT_SECRET) != 0, ((flags)&CT__OPT_OWNED) != 0},                                \
     flags},
const struct ct__option_row ct__option_rows[] = {CT__OPTIONS_TABLE(ROW)};
#undef ROW

_Static_assert(sizeof(ct__option_rows) / sizeof(ct__option_rows[0]) == CT__OPTS_N_FIELDS,
               "one row per field");

static const size_t options_sizes[] = CT__OPTIONS_SIZES;
_Static_assert(sizeof(options_sizes) / sizeof(options_sizes[0]) == CT_OPTIONS_VERSION + 1,
               "CT__OPTIONS_SIZES records every CT_OPTIONS_VERSION");

size_t ct__options_size(unsigned version)
{
    return version < sizeof(options_sizes) / sizeof(options_sizes[0]) ? options_sizes[version] : 0;
}

size_t ct__options_writable(unsigned version)
{
    size_t n = ct__options_size(version);
    return n ? n : sizeof(ct_options);
}

const struct ct__option_row *ct__option_find(const char *name)
{
    for (size_t i = 0; name && i < CT__OPTS_N_FIELDS; i++)
        if (strcmp(ct__option_rows[i].d.name, name) == 0)
            return &ct__option_rows[i];
    return NULL;
}

static void *field_ptr(ct_options *o, size_t offset)
{
    return (char *)o + offset;
}

static const char **field_at(ct_options *o, size_t offset)
{
    return (const char **)field_ptr(o, offset);
}

/* The defaults of every field, generated from the table. */
static void defaults(ct_options *o)
{
    memset(o, 0, sizeof(*o));
#define INIT(f, type, def, env, flags, cli, arg, help) o->f = def;
    CT__OPTIONS_TABLE(INIT)
#undef INIT
}

CT_API int ct_options_init_version(ct_options *o, unsigned version)
{
    size_t n = ct__options_size(version);
    ct_options d;
    if (!o || !n)
        return CT_EINVAL;
    defaults(&d);
    d.version = version;
    memcpy(o, &d, n);
    return CT_OK;
}

CT_API void ct_options_init(ct_options *o)
{
    ct_options_init_version(o, CT_OPTIONS_VERSION);
}

CT_API size_t ct_option_count(void)
{
    return CT__OPTS_N_FIELDS;
}

CT_API const ct_option_desc *ct_option_info(size_t i)
{
    return i < CT__OPTS_N_FIELDS ? &ct__option_rows[i].d : NULL;
}

/* Strict decimal numbers, as a command line gives them: no spaces, hex, inf or nan. */
static int parse_double(const char *s, double *out)
{
    char *end;
    if (*s == '\0' || strspn(s, "0123456789.+-eE") != strlen(s))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno != 0 || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_int(const char *s, int *out)
{
    char *end;
    if (*s == '\0' || strspn(s, "0123456789+-") != strlen(s))
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || errno != 0 || v < INT_MIN || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

/* A prefix that stays in the log directory and on one line: no '/' (so no ".." component either)
 * and no control character. */
static int plain_name(const char *s)
{
    if (strchr(s, '/'))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static int invalid(char *errbuf, size_t errlen, const char *msg)
{
    if (errbuf && errlen)
        ct__strlcpy(errbuf, msg, errlen);
    return CT_EINVAL;
}

static int validate(struct ct__opts *p, char *errbuf, size_t errlen)
{
    const ct_options *o = &p->o;
    char msg[256];
    if (o->epochs < 1)
        return invalid(
            errbuf, errlen,
            ct__fmt(msg, sizeof(msg), "epochs must be a positive integer, got %d", o->epochs));
    if (o->epochs_before_pred < -1)
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg),
                               "epochs_before_pred must be -1 (all epochs), 0 (no prediction) "
                               "or positive, got %d",
                               o->epochs_before_pred));
    if (o->monitor_epochs < -1)
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg),
                               "monitor_epochs must be -1 (all epochs) or positive, got %d",
                               o->monitor_epochs));
    p->ebp = o->epochs_before_pred < 0 ? o->epochs : o->epochs_before_pred;
    p->monitor = o->monitor_epochs < 0 ? o->epochs : o->monitor_epochs;
    if (o->monitor_epochs != -1) {
        if (p->monitor < p->ebp)
            return invalid(errbuf, errlen, "monitor_epochs cannot be less than epochs_before_pred");
        if (p->monitor == 0)
            return invalid(errbuf, errlen, "monitor_epochs cannot be zero");
    }
    if (o->zone && strchr(o->zone, ':') && !ct__cloud_region_find(o->zone))
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg),
                               "zone '%.60s' is not a cloud region carbontracker knows: give "
                               "aws:REGION, gcp:REGION or azure:REGION (carbontracker --zones "
                               "--json FILE lists them) or the grid zone",
                               o->zone));
    if (o->log_file_prefix && !plain_name(o->log_file_prefix))
        return invalid(errbuf, errlen,
                       "log_file_prefix must be part of a file name: no '/' and no control "
                       "characters");
    if (!(o->update_interval_s > 0) || isinf(o->update_interval_s))
        return invalid(errbuf, errlen, "update_interval must be a positive number of seconds");
    if (o->update_interval_s < 0.001 || o->update_interval_s > 86400)
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg),
                               "update_interval must be between 0.001 and 86400 seconds (1 ms "
                               "to 1 day), got %g",
                               o->update_interval_s));
    if (o->decimal_precision < 0 || o->decimal_precision > 30)
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg), "decimal_precision must be in 0..30, got %d",
                               o->decimal_precision));
    p->pue = isnan(o->pue) ? CT__PUE_DEFAULT : o->pue;
    if (!(p->pue >= 1.0) || isinf(p->pue))
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg), "pue must be a number >= 1.0, got %g", o->pue));
    if (p->pue > 10.0)
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg),
                               "pue must be at most 10 (the worst data centres are near 3), "
                               "got %g",
                               o->pue));
    if (isnan(o->latitude) != isnan(o->longitude))
        return invalid(errbuf, errlen, "latitude and longitude must be given together");
    if (!isnan(o->latitude) && !(fabs(o->latitude) <= 90 && fabs(o->longitude) <= 180))
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg),
                               "latitude must be in -90..90 and longitude in -180..180, got %g, %g",
                               o->latitude, o->longitude));
    p->refresh_s = isnan(o->carbon_refresh_s) ? 900.0 : o->carbon_refresh_s;
    if (!(p->refresh_s > 0) || isinf(p->refresh_s))
        return invalid(errbuf, errlen, "carbon_refresh_s must be a positive number of seconds");
    if (!isnan(o->http_timeout_s) && (!(o->http_timeout_s > 0) || isinf(o->http_timeout_s)))
        return invalid(errbuf, errlen, "http_timeout_s must be a positive number of seconds");
    {
        const char *urls[][2] = {{"electricitymaps_url", o->electricitymaps_url},
                                 {"ukgrid_url", o->ukgrid_url},
                                 {"energidataservice_url", o->energidataservice_url},
                                 {"geolocation_url", o->geolocation_url}};
        for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
            if (urls[i][1] && strncmp(urls[i][1], "http://", 7) != 0 &&
                strncmp(urls[i][1], "https://", 8) != 0)
                return invalid(
                    errbuf, errlen,
                    ct__fmt(msg, sizeof(msg), "%s must be an http:// or https:// URL", urls[i][0]));
    }
    if (!isnan(o->budget_co2eq_g) && !(o->budget_co2eq_g > 0 && isfinite(o->budget_co2eq_g)))
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg),
                               "budget_co2eq_g must be a positive number of grams, got %g",
                               o->budget_co2eq_g));
    if (!isnan(o->budget_kwh) && !(o->budget_kwh > 0 && isfinite(o->budget_kwh)))
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg),
                               "budget_kwh must be a positive number of kWh, got %g",
                               o->budget_kwh));
    if (o->budget_action && strcmp(o->budget_action, "warn") != 0 &&
        strcmp(o->budget_action, "stop") != 0)
        return invalid(errbuf, errlen,
                       "budget_action must be \"warn\" (say so and go on) or \"stop\" (end the "
                       "run when the budget is reached)");
    int rc = ct__parse_components(o->components, p->comp_order, &p->n_comp, msg, sizeof(msg));
    if (rc != CT_OK)
        return invalid(errbuf, errlen, msg);
    rc = ct__sim_validate(o, msg, sizeof(msg));
    if (rc != CT_OK)
        return invalid(errbuf, errlen, msg);
    return CT_OK;
}

CT_API int ct_options_set(ct_options *o, const char *name, const char *value, char *errbuf,
                          size_t errlen)
{
    char msg[256];
    const struct ct__option_row *r = ct__option_find(name);
    if (!o || !name)
        return invalid(errbuf, errlen, "ct_options_set needs options and a name");
    if (!r)
        return invalid(errbuf, errlen, ct__fmt(msg, sizeof(msg), "unknown option '%s'", name));
    if (r->d.offset + r->d.size > ct__options_writable(o->version))
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg), "option %s is newer than options.version %u", name,
                               o->version));
    void *f = field_ptr(o, r->d.offset);
    if (!value && (r->d.type == CT_OPTION_STRING || r->d.type == CT_OPTION_INT ||
                   r->d.type == CT_OPTION_DOUBLE)) {
        ct_options d;
        defaults(&d);
        memcpy(f, field_ptr(&d, r->d.offset), r->d.size);
        return CT_OK;
    }
    switch (r->d.type) {
    case CT_OPTION_STRING:
        *(const char **)f = value;
        return CT_OK;
    case CT_OPTION_INT: {
        int v;
        if (parse_int(value, &v) != 0)
            return invalid(errbuf, errlen,
                           ct__fmt(msg, sizeof(msg), "invalid integer '%s' for %s", value, name));
        *(int *)f = v;
        return CT_OK;
    }
    case CT_OPTION_DOUBLE: {
        double v;
        if (parse_double(value, &v) != 0)
            return invalid(errbuf, errlen,
                           ct__fmt(msg, sizeof(msg), "invalid number '%s' for %s", value, name));
        *(double *)f = v;
        return CT_OK;
    }
    default:
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg), "option %s cannot be set from text", name));
    }
}

static void release(char *s, int secret)
{
    if (s && secret)
        explicit_bzero(s, strlen(s));
    free(s);
}

void ct__opts_redact(char *text, const ct_options *o)
{
    for (size_t i = 0; text && o && i < CT__OPTS_N_FIELDS; i++)
        if ((ct__option_rows[i].flags & CT__OPT_SECRET) &&
            ct__option_rows[i].d.type == CT_OPTION_STRING)
            ct__redact_secret(text, *field_at((ct_options *)o, ct__option_rows[i].d.offset));
}

int ct__opts_init(struct ct__opts *p, const ct_options *in, char *errbuf, size_t errlen)
{
    char msg[256];
    size_t n = in ? ct__options_size(in->version) : 0;

    memset(p, 0, sizeof(*p));
    p->job.lock_fd = -1;
    defaults(&p->o);
    if (!in)
        return invalid(errbuf, errlen, "no options");
    if (in->version < 1)
        return invalid(errbuf, errlen, "options.version must be CT_OPTIONS_VERSION");
    if (!n)
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg),
                               "options.version %u is newer than this library knows (%d): the "
                               "program was built against a newer carbontracker.h",
                               in->version, CT_OPTIONS_VERSION));
    memcpy(&p->o, in, n); /* fields of later versions keep their defaults */
    for (size_t i = 0; i < CT__OPTS_N_FIELDS; i++) {
        if (!(ct__option_rows[i].flags & CT__OPT_OWNED))
            continue;
        const char **f = field_at(&p->o, ct__option_rows[i].d.offset);
        if (!*f)
            continue;
        p->own[i] = ct__strdup(*f);
        if (!p->own[i]) {
            *f = NULL;
            return CT_ENOMEM;
        }
        *f = p->own[i];
    }
    int rc = validate(p, errbuf, errlen);
    if (rc == CT_OK)
        rc = ct__backends_resolve(&p->settings, &p->o, errbuf, errlen);
    if (rc == CT_OK) {
        char host[64] = "";
        if (gethostname(host, sizeof(host) - 1) != 0)
            host[0] = '\0';
        ct__job_detect(p->o.environment, &p->settings, host, &p->job);
    }
    p->o.settings = NULL; /* resolved: the caller's arrays are not kept */
    p->o.environment = NULL;
    if (rc != CT_OK && errbuf && errlen) {
        ct__opts_redact(errbuf, &p->o);
        ct__settings_redact(&p->settings, errbuf);
    }
    return rc;
}

void ct__opts_free(struct ct__opts *p)
{
    for (size_t i = 0; i < CT__OPTS_N_FIELDS; i++) {
        release(p->own[i], ct__option_rows[i].flags & CT__OPT_SECRET);
        p->own[i] = NULL;
    }
    ct__settings_free(&p->settings);
    ct__job_release(&p->job);
}
