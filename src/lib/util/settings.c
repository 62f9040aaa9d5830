/*
 * settings.c - the resolved settings of meters and carbon providers (settings.h).
 */
#include "settings.h"

#include "../internal.h"

#include <stdlib.h>
#include <string.h>

int ct__settings_put(struct ct__settings *s, const char *backend,
                     const struct ct__setting_decl *decl, const char *value, int given)
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
    s->v[s->n++] =
        (struct ct__setting_value){.backend = backend, .decl = decl, .value = copy, .given = given};
    return CT_OK;
}

static struct ct__setting_value *find(const struct ct__settings *s, const char *backend,
                                      const char *key)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (strcmp(s->v[i].backend, backend) == 0 && strcmp(s->v[i].decl->key, key) == 0)
            return &s->v[i];
    return NULL;
}

static void release(struct ct__setting_value *v)
{
    if (v->value && v->decl->secret)
        explicit_bzero(v->value, strlen(v->value));
    free(v->value);
    v->value = NULL;
}

const char *ct__settings_get(const struct ct__settings *s, const char *backend, const char *key)
{
    const struct ct__setting_value *v = find(s, backend, key);
    return v ? v->value : NULL;
}

int ct__settings_given(const struct ct__settings *s, const char *backend, const char *key)
{
    const struct ct__setting_value *v = find(s, backend, key);
    return v ? v->given : 0;
}

int ct__setting_value_ok(const char *value)
{
    for (const unsigned char *p = (const unsigned char *)value; p && *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

int ct__settings_set(struct ct__settings *s, const char *backend, const char *key,
                     const char *value)
{
    struct ct__setting_value *v = find(s, backend, key);
    if (!v || !ct__setting_value_ok(value))
        return CT_EINVAL;
    char *copy = value && *value ? ct__strdup(value) : NULL;
    if (value && *value && !copy)
        return CT_ENOMEM;
    release(v);
    v->value = copy;
    v->given = 1;
    return CT_OK;
}

int ct__settings_copy(struct ct__settings *dst, const struct ct__settings *src)
{
    for (size_t i = 0; src && i < src->n; i++) {
        const struct ct__setting_value *v = &src->v[i];
        if (ct__settings_put(dst, v->backend, v->decl, v->value, v->given) != CT_OK) {
            ct__settings_free(dst);
            return CT_ENOMEM;
        }
    }
    return CT_OK;
}

void ct__settings_redact(const struct ct__settings *s, char *text)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (s->v[i].decl->secret)
            ct__redact_secret(text, s->v[i].value);
}

void ct__settings_clean(const struct ct__settings *s, char *text, size_t len)
{
    char *raw;

    if (text == NULL || len == 0)
        return;
    ct__settings_redact(s, text);
    raw = strdup(text);
    if (raw == NULL) { /* no memory for the copy: say nothing rather than something unsafe */
        text[0] = '\0';
        return;
    }
    ct__sanitize_text(text, len, raw, SIZE_MAX);
    explicit_bzero(raw, strlen(raw));
    free(raw);
}

void ct__settings_free(struct ct__settings *s)
{
    for (size_t i = 0; i < s->n; i++)
        release(&s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

const char *ct__env_get(const char *const *env, const char *name)
{
    size_t n = name ? strlen(name) : 0;
    /* The first byte first: 40 settings look through the whole environment at every open. */
    for (const char *const *e = env; n && e && *e; e++)
        if (**e == *name && strncmp(*e, name, n) == 0 && (*e)[n] == '=' && (*e)[n + 1] != '\0')
            return *e + n + 1;
    return NULL;
}
