/*
 * mix_fetch.c - one request for the current generation mix of a keyed provider (see
 * mix_fetch.h), shared by the EIA and ENTSO-E providers.
 */
#include "carbon/mix_fetch.h"

#include "util/http.h"

#include <string.h>

int ct__mix_fetch_current(const struct ct__carbon_cfg *cfg, const struct ct__mix_request *r,
                          double now_s, struct ct__intensity *out, char *why, size_t why_len)
{
    struct ct__http_response resp;
    struct ct__mix_series ms = {0};
    struct ct__factors f;
    const char *key = ct__cfg_setting(cfg, r->provider, "api_key");
    char esc[512], path[1024];
    int rc;

    memset(out, 0, sizeof(*out));
    if (key == NULL || key[0] == '\0' || ct__url_escape(key, esc, sizeof(esc)) != 0) {
        ct__why_add(why, why_len, "no usable %s", r->key_what);
        return CT_EPERM;
    }
    rc = ct__factors_load(r->zone, ct__cfg_setting(cfg, r->provider, "factors"), &f, why, why_len);
    if (rc != CT_OK)
        goto cleanup;
    r->path(path, sizeof(path), esc, now_s, r->arg);
    rc = ct__carbon_get(cfg, ct__cfg_setting(cfg, r->provider, "url"), path, r->headers, &resp, why,
                        why_len);
    if (rc == CT_EPERM)
        ct__why_add(why, why_len, "the %s is missing or was refused", r->key_what);
    if (rc != CT_OK)
        goto cleanup;
    rc = r->parse(resp.body, resp.len, &ms, why, why_len);
    ct__http_response_free(&resp);
    if (rc != CT_OK)
        goto cleanup;
    rc = ct__mix_current(&ms, &f, r->provider, r->area, r->what, now_s, out, why, why_len);
cleanup:
    explicit_bzero(path, sizeof(path));
    explicit_bzero(esc, sizeof(esc));
    ct__mix_series_free(&ms);
    ct__settings_redact(cfg->settings, why); /* the key travels in the URL */
    return rc;
}
