/*
 * env.c - ct_options_from_env(): the single, opt-in place where the library reads environment
 * variables (the command and the bindings call it; the rest of the library never does). Which
 * variable sets which field is the `env` column of options_table.h.
 */
#include "options_table.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether a field still holds its default (NaN-aware; strings by content). */
static int at_default(const ct_options *o, const ct_options *d, const ct_option_desc *f)
{
    const char *a = (const char *)o + f->offset, *b = (const char *)d + f->offset;
    switch (f->type) {
    case CT_OPTION_DOUBLE: {
        double x, y;
        memcpy(&x, a, sizeof(x));
        memcpy(&y, b, sizeof(y));
        return isnan(y) ? isnan(x) : x == y;
    }
    case CT_OPTION_STRING: {
        const char *x, *y;
        memcpy(&x, a, sizeof(x));
        memcpy(&y, b, sizeof(y));
        return x == y || (x && y && strcmp(x, y) == 0);
    }
    default:
        return memcmp(a, b, f->size) == 0;
    }
}

/* Store `v` in the field; -1 when it is not a number of the field's type. */
static int store(ct_options *o, const ct_option_desc *f, const char *v)
{
    char *p = (char *)o + f->offset, *end = NULL;
    switch (f->type) {
    case CT_OPTION_STRING:
        memcpy(p, &v, sizeof(v));
        return 0;
    case CT_OPTION_DOUBLE: {
        double x = strtod(v, &end);
        if (end == v || *end != '\0' || !isfinite(x)) /* "nan" is not "unset", nor is "inf" */
            return -1;
        memcpy(p, &x, sizeof(x));
        return 0;
    }
    case CT_OPTION_INT: {
        long x = strtol(v, &end, 10);
        if (end == v || *end != '\0' || x < INT_MIN || x > INT_MAX)
            return -1;
        int i = (int)x;
        memcpy(p, &i, sizeof(i));
        return 0;
    }
    default:
        return -1;
    }
}

CT_API int ct_options_from_env(ct_options *o)
{
    ct_options d;
    int rc = CT_OK;

    if (!o)
        return CT_EINVAL;
    ct_options_init(&d);
    size_t end = ct__options_writable(o->version);
    for (size_t i = 0; i < CT__OPTS_N_FIELDS; i++) {
        const struct ct__option_row *r = &ct__option_rows[i];
        if (!r->d.env || r->d.offset + r->d.size > end || !at_default(o, &d, &r->d))
            continue;
        const char *v = getenv(r->d.env);
        if (!v || (!*v && !(r->flags & CT__OPT_ENV_EMPTY))) /* "" kept only where it means */
            continue;                                       /* something (no GPU) */
        if (store(o, &r->d, v) != 0)
            rc = CT_EINVAL; /* the field is left; the others are still read */
    }
    /* The settings' variables are looked up in the environment at ct_tracker_open(). */
    if (offsetof(ct_options, environment) + sizeof(o->environment) <= end && !o->environment)
        o->environment = (const char *const *)environ;
    return rc;
}
