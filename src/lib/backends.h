/*
 * backends.h - the settings of every meter and carbon provider in the registries, resolved for a
 * tracker from its options: the option field that predates settings (e.g. ukgrid_url), else the
 * user's "<backend>.<key>=VALUE" (ct_options.settings), else the declared environment variable in
 * ct_options.environment, else the declared default. Also the public list, ct_setting_info().
 */
#ifndef CT_BACKENDS_H
#define CT_BACKENDS_H

#include "internal.h"
#include "util/settings.h"

/* Resolve every declared setting for `o` into s (empty before). CT_OK; CT_EINVAL with errbuf
 * naming an unknown setting, a malformed entry or a URL that is not http(s); CT_ENOMEM. */
int ct__backends_resolve(struct ct__settings *s, const ct_options *o, char *errbuf, size_t errlen);

/* The name of the backend (matched without case) that declares a setting named key, or NULL. */
const char *ct__backends_find(const char *backend, const char *key);

#endif
