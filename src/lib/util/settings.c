/*
 * settings.c - the resolved settings of meters and carbon providers (settings.h).
 */
#include "settings.h"

#include "../internal.h"

#include <stdlib.h>
#include <string.h>

int ct__settings_put(struct ct__settings *s, const char *backend,
                     const struct ct__setting_decl *decl, const char *value)
{
    char *copy = value ? ct__strdup(value) : NULL;
    if (value && !copy)
        return CT_ENOMEM;
    struct ct__setting_value *v = realloc(s->v, (s->n + 1) * sizeof(*v));
    if (!v) {
        free(copy);
        return CT_ENOMEM;
    }
    s->v = v;
    s->v[s->n++] = (struct ct__setting_value){.backend = backend, .decl = decl, .value = copy};
    return CT_OK;
}

const char *ct__settings_get(const struct ct__settings *s, const char *backend, const char *key)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (strcmp(s->v[i].backend, backend) == 0 && strcmp(s->v[i].decl->key, key) == 0)
            return s->v[i].value;
    return NULL;
}

void ct__settings_redact(const struct ct__settings *s, char *text)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (s->v[i].decl->secret)
            ct__redact_secret(text, s->v[i].value);
}

void ct__settings_free(struct ct__settings *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].value && s->v[i].decl->secret)
            explicit_bzero(s->v[i].value, strlen(s->v[i].value));
        free(s->v[i].value);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}
