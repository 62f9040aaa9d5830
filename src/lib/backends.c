/*
 * backends.c - the meters' and carbon providers' settings, resolved and listed (backends.h).
 */
#include "backends.h"

#include "carbon/cloud.h"
#include "carbon/provider.h"
#include "carbon/refresh.h"
#include "energy/meter.h"
#include "job.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Every backend that declares settings, in registry order: meters, live providers, geolocation,
 * the job. */
struct backend {
    const char *name;
    const struct ct__setting_decl *settings;
};

#define MAX_BACKENDS 64

static size_t list_backends(struct backend *out)
{
    size_t n = 0;
    for (const struct ct__meter_ops *const *m = ct__meters; *m && n < MAX_BACKENDS; m++)
        if ((*m)->settings)
            out[n++] = (struct backend){(*m)->name, (*m)->settings};
    for (const struct ct__carbon_provider *const *p = ct__live_providers; *p && n < MAX_BACKENDS;
         p++)
        if ((*p)->settings)
            out[n++] = (struct backend){(*p)->name, (*p)->settings};
    if (n < MAX_BACKENDS)
        out[n++] = (struct backend){"geolocation", ct__geolocation_settings};
    if (n < MAX_BACKENDS)
        out[n++] = (struct backend){"carbon", ct__carbon_settings};
    if (n < MAX_BACKENDS)
        out[n++] = (struct backend){"cloud", ct__cloud_settings};
    if (n < MAX_BACKENDS)
        out[n++] = (struct backend){"job", ct__job_settings};
    return n;
}

/* The ct_options fields that predate settings, and the setting each one is. */
static const struct {
    size_t offset;
    const char *backend, *key;
} legacy[] = {
    {offsetof(ct_options, nvml_library), "nvml", "library"},
    {offsetof(ct_options, electricitymaps_api_key), "electricitymaps", "api_key"},
    {offsetof(ct_options, electricitymaps_url), "electricitymaps", "url"},
    {offsetof(ct_options, ukgrid_url), "ukgrid", "url"},
    {offsetof(ct_options, energidataservice_url), "energidataservice", "url"},
    {offsetof(ct_options, geolocation_url), "geolocation", "url"},
};

static const char *legacy_value(const ct_options *o, const char *backend, const char *key)
{
    for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
        if (strcmp(legacy[i].backend, backend) == 0 && strcmp(legacy[i].key, key) == 0)
            return *(const char *const *)(const void *)((const char *)o + legacy[i].offset);
    return NULL;
}

/* Does "NAME=VALUE" name backend.key? */
static int names(const char *entry, const char *backend, const char *key)
{
    size_t b = strlen(backend), k = strlen(key);
    return strncmp(entry, backend, b) == 0 && entry[b] == '.' &&
           strncmp(entry + b + 1, key, k) == 0 && entry[b + 1 + k] == '=';
}

/* The last user setting for backend.key (its value), or NULL. */
static const char *user_value(const ct_options *o, const char *backend, const char *key)
{
    const char *v = NULL;
    for (const char *const *e = o->settings; e && *e; e++)
        if (names(*e, backend, key))
            v = strchr(*e, '=') + 1;
    return v;
}

static int invalid(char *errbuf, size_t errlen, const char *fmt, const char *a, size_t alen)
{
    if (errbuf && errlen)
        ct__fmt(errbuf, errlen, fmt, (int)alen, a);
    return CT_EINVAL;
}

/* Every user entry names a declared setting, as NAME=VALUE. */
static int check_entries(const ct_options *o, const struct backend *b, size_t nb, char *errbuf,
                         size_t errlen)
{
    for (const char *const *e = o->settings; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || eq == *e)
            return invalid(errbuf, errlen,
                           "setting '%.*s' must be NAME=VALUE, e.g. ukgrid.url=http://host:8080",
                           *e, strlen(*e));
        int known = 0;
        for (size_t i = 0; i < nb && !known; i++)
            for (const struct ct__setting_decl *d = b[i].settings; d->key && !known; d++)
                known = names(*e, b[i].name, d->key);
        if (!known)
            return invalid(errbuf, errlen,
                           "unknown setting '%.*s' (carbontracker --list-settings lists them)", *e,
                           (size_t)(eq - *e));
    }
    return CT_OK;
}

int ct__backends_resolve(struct ct__settings *s, const ct_options *o, char *errbuf, size_t errlen)
{
    struct backend b[MAX_BACKENDS];
    size_t nb = list_backends(b);
    int rc = check_entries(o, b, nb, errbuf, errlen);
    for (size_t i = 0; rc == CT_OK && i < nb; i++) {
        for (const struct ct__setting_decl *d = b[i].settings; rc == CT_OK && d->key; d++) {
            const char *v = legacy_value(o, b[i].name, d->key);
            /* Option fields are checked with the options; the rest here. */
            int from_user = v == NULL && ((v = user_value(o, b[i].name, d->key)) != NULL ||
                                          (v = ct__env_get(o->environment, d->env)) != NULL);
            int given = v != NULL;
            if (!v)
                v = d->def;
            if (!ct__setting_value_ok(v)) {
                char name[96];
                ct__fmt(name, sizeof(name), "%s.%s", b[i].name, d->key);
                return invalid(errbuf, errlen,
                               "%.*s contains a control character (a line break pasted with it?); "
                               "give it on one line",
                               name, strlen(name));
            }
            if (from_user && strcmp(d->key, "url") == 0 && strncmp(v, "http://", 7) != 0 &&
                strncmp(v, "https://", 8) != 0) {
                char name[96];
                ct__fmt(name, sizeof(name), "%s.%s", b[i].name, d->key);
                return invalid(errbuf, errlen, "%.*s must be an http:// or https:// URL", name,
                               strlen(name));
            }
            rc = ct__settings_put(s, b[i].name, d, v, given);
        }
    }
    return rc;
}

const char *ct__backends_find(const char *backend, const char *key)
{
    struct backend b[MAX_BACKENDS];
    size_t nb = list_backends(b);
    for (size_t i = 0; i < nb; i++)
        for (const struct ct__setting_decl *d = b[i].settings; d->key; d++)
            if (strcasecmp(b[i].name, backend) == 0 && strcmp(d->key, key) == 0)
                return b[i].name;
    return NULL;
}

/* ---- the public list ------------------------------------------------------------------------ */

static ct_setting_desc descs[MAX_BACKENDS * 4];
static size_t n_descs;
static pthread_once_t descs_once = PTHREAD_ONCE_INIT;

static void build_descs(void)
{
    struct backend b[MAX_BACKENDS];
    size_t nb = list_backends(b);
    for (size_t i = 0; i < nb; i++)
        for (const struct ct__setting_decl *d = b[i].settings;
             d->key && n_descs < sizeof(descs) / sizeof(descs[0]); d++)
            descs[n_descs++] = (ct_setting_desc){
                .backend = b[i].name,
                .key = d->key,
                .env = d->env,
                .default_value = d->def,
                .secret = d->secret,
                .help = d->help,
            };
}

CT_API size_t ct_setting_count(void)
{
    pthread_once(&descs_once, build_descs);
    return n_descs;
}

CT_API const ct_setting_desc *ct_setting_info(size_t i)
{
    pthread_once(&descs_once, build_descs);
    return i < n_descs ? &descs[i] : NULL;
}
