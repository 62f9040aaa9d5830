/*
 * options.c - the tracker's copy of its options (options.h): strings duplicated through one
 * table of the string fields, upstream's validation, and the derived values.
 */
#include "options.h"

#include "account.h"
#include "energy/sim.h"
#include "meters.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Every string field of ct_options, and whether it is a secret (wiped before it is freed). */
static const struct {
    size_t offset;
    int secret;
} strings[CT__OPTS_N_STRINGS] = {
    {offsetof(ct_options, components), 0},
    {offsetof(ct_options, log_dir), 0},
    {offsetof(ct_options, log_file_prefix), 0},
    {offsetof(ct_options, zone), 0},
    {offsetof(ct_options, sim_cpu), 0},
    {offsetof(ct_options, sim_gpu), 0},
    {offsetof(ct_options, sysfs_root), 0},
    {offsetof(ct_options, proc_root), 0},
    {offsetof(ct_options, tz), 0},
    {offsetof(ct_options, localtime_path), 0},
    {offsetof(ct_options, zoneinfo_dir), 0},
    {offsetof(ct_options, nvml_library), 0},
    {offsetof(ct_options, cuda_visible_devices), 0},
    {offsetof(ct_options, electricitymaps_api_key), 1},
    {offsetof(ct_options, postcode), 0},
    {offsetof(ct_options, electricitymaps_url), 0},
    {offsetof(ct_options, ukgrid_url), 0},
    {offsetof(ct_options, energidataservice_url), 0},
    {offsetof(ct_options, geolocation_url), 0},
};

static const char **field_at(ct_options *o, size_t offset)
{
    return (const char **)(void *)((char *)o + offset);
}

static void release(char *s, int secret)
{
    if (s && secret)
        explicit_bzero(s, strlen(s));
    free(s);
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
    if (o->version < 1)
        return invalid(errbuf, errlen, "options.version must be CT_OPTIONS_VERSION");
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
    if (!(o->update_interval_s > 0) || isinf(o->update_interval_s))
        return invalid(errbuf, errlen, "update_interval must be a positive number of seconds");
    if (o->decimal_precision < 0 || o->decimal_precision > 30)
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg), "decimal_precision must be in 0..30, got %d",
                               o->decimal_precision));
    p->pue = isnan(o->pue) ? CT__PUE_DEFAULT : o->pue;
    if (!(p->pue >= 1.0) || isinf(p->pue))
        return invalid(errbuf, errlen,
                       ct__fmt(msg, sizeof(msg), "pue must be a number >= 1.0, got %g", o->pue));
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
    int rc = ct__parse_components(o->components, p->comp_order, &p->n_comp, msg, sizeof(msg));
    if (rc != CT_OK)
        return invalid(errbuf, errlen, msg);
    rc = ct__sim_validate(o, msg, sizeof(msg));
    if (rc != CT_OK)
        return invalid(errbuf, errlen, msg);
    return CT_OK;
}

int ct__opts_init(struct ct__opts *p, const ct_options *in, char *errbuf, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->o = *in;
    for (size_t i = 0; i < CT__OPTS_N_STRINGS; i++) {
        const char **f = field_at(&p->o, strings[i].offset);
        if (!*f)
            continue;
        p->own[i] = ct__strdup(*f);
        if (!p->own[i]) {
            *f = NULL;
            return CT_ENOMEM;
        }
        *f = p->own[i];
    }
    return validate(p, errbuf, errlen);
}

int ct__opts_set_string(struct ct__opts *p, const char **field, const char *value)
{
    for (size_t i = 0; i < CT__OPTS_N_STRINGS; i++) {
        if (field != field_at(&p->o, strings[i].offset))
            continue;
        char *own = value && *value ? ct__strdup(value) : NULL;
        if (value && *value && !own)
            return CT_ENOMEM;
        release(p->own[i], strings[i].secret);
        p->own[i] = own;
        *field = own;
        return CT_OK;
    }
    return CT_EINVAL;
}

void ct__opts_free(struct ct__opts *p)
{
    for (size_t i = 0; i < CT__OPTS_N_STRINGS; i++) {
        release(p->own[i], strings[i].secret);
        p->own[i] = NULL;
    }
}
