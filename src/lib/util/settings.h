/*
 * settings.h - the settings a meter or a carbon provider declares in its own file (a library
 * path, a service URL, an API key: {key, environment variable, default, secret}) and the values a
 * tracker resolved for them at open. A backend reads its values with ct__settings_get(); secrets
 * are wiped when freed and redacted from any text with ct__settings_redact().
 */
#ifndef CT_UTIL_SETTINGS_H
#define CT_UTIL_SETTINGS_H

#include <stddef.h>

/* One setting as its backend declares it; arrays end with a {NULL} row. */
struct ct__setting_decl {
    const char *key;  /* "url", "api_key", "library": the user names it "<backend>.<key>" */
    const char *env;  /* environment variable that sets it, or NULL */
    const char *def;  /* default value, or NULL */
    int secret;       /* 1: never shown; wiped when freed; redacted from messages */
    const char *help; /* one line */
};

/* The resolved values of a tracker (owned copies). */
struct ct__settings {
    struct ct__setting_value {
        const char *backend; /* static: the backend's name */
        const struct ct__setting_decl *decl;
        char *value; /* NULL = not set and no default */
        int given;   /* 1: set by the user (an option, a setting, the environment), not the
                        default */
    } * v;
    size_t n;
};

/* Record a value (copied; NULL = none) for backend.decl->key; given: set by the user rather than
 * the declared default. CT_OK or CT_ENOMEM. */
int ct__settings_put(struct ct__settings *s, const char *backend,
                     const struct ct__setting_decl *decl, const char *value, int given);

/* 1 when a value holds no control character (a key or URL with CR/LF would become another request
 * header). NULL is fine. */
int ct__setting_value_ok(const char *value);

/* Replace the value of backend.key (copied; NULL or "" = none), as given by the user; the old
 * value is wiped when it is a secret. CT_OK, CT_EINVAL (no such setting, or a value with a
 * control character), CT_ENOMEM. */
int ct__settings_set(struct ct__settings *s, const char *backend, const char *key,
                     const char *value);

/* A copy of src in dst (dst empty). CT_OK or CT_ENOMEM (dst then empty). */
int ct__settings_copy(struct ct__settings *dst, const struct ct__settings *src);

/* The value of backend.key, or NULL (not declared, not set and no default). NULL s is fine. */
const char *ct__settings_get(const struct ct__settings *s, const char *backend, const char *key);

/* 1 when backend.key was set by the user (not the default). */
int ct__settings_given(const struct ct__settings *s, const char *backend, const char *key);

/* Redact every secret value (and any piece of 4+ characters of it) in text. */
void ct__settings_redact(const struct ct__settings *s, char *text);

/* Make a text that may carry a server's data safe to show: every secret (and any piece of 4+
 * characters of one) redacted, then control bytes escaped and the length bounded to len
 * (ct__sanitize_text). */
void ct__settings_clean(const struct ct__settings *s, char *text, size_t len);

/* The value of NAME in env ("NAME=VALUE" strings, NULL-terminated; NULL is fine), or NULL when
 * absent or empty. */
const char *ct__env_get(const char *const *env, const char *name);

/* Wipe the secrets and free everything. */
void ct__settings_free(struct ct__settings *s);

#endif
