/*
 * zones.c - ct_zones_json(): the zones that the live carbon providers declare (their `zones`
 * lists), each with its providers in the order the carbon thread tries them, and whether a key
 * is needed (a provider needs one when its settings declare a secret api_key).
 */
#include "carbon/provider.h"
#include "tables.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* {"key_needed": ..., "providers": [...]} for the providers serving `zone` (NULL: any zone). */
static json_t *entry(const char *zone)
{
    json_t *e = json_object(), *arr = json_array();
    int keyless = 0;

    if (e == NULL || arr == NULL) {
        json_decref(e);
        json_decref(arr);
        return NULL;
    }
    for (const struct ct__carbon_provider *const *pp = ct__live_providers; *pp; pp++) {
        const struct ct__carbon_provider *p = *pp;
        if (zone != NULL ? !ct__provider_serves(p, zone) : p->zones != NULL)
            continue;
        keyless |= !ct__provider_needs_key(p);
        json_array_append_new(arr, json_pack("{s:s, s:b, s:b}", "name", p->name, "key_needed",
                                             ct__provider_needs_key(p), "forecast",
                                             p->forecast != NULL));
    }
    if (zone != NULL)
        json_object_set_new(e, "zone", json_string(zone));
    json_object_set_new(e, "key_needed", json_boolean(!keyless));
    json_object_set_new(e, "providers", arr);
    return e;
}

CT_API int ct_zones_json(char **json)
{
    const char **names = NULL;
    size_t n = 0, cap = 0;
    json_t *root = NULL, *zones = NULL;
    int rc = CT_ENOMEM;

    if (json == NULL)
        return CT_EINVAL;
    *json = NULL;
    for (const struct ct__carbon_provider *const *pp = ct__live_providers; *pp; pp++)
        for (const char *const *z = (*pp)->zones; z != NULL && *z != NULL; z++) {
            int seen = 0;
            for (size_t i = 0; i < n && !seen; i++)
                seen = strcasecmp(names[i], *z) == 0;
            if (seen)
                continue;
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 32;
                const char **p = realloc(names, ncap * sizeof(*p));
                if (p == NULL)
                    goto cleanup;
                names = p;
                cap = ncap;
            }
            names[n++] = *z;
        }
    if (n > 0)
        qsort(names, n, sizeof(*names), by_name);
    root = json_object();
    zones = json_array();
    if (root == NULL || zones == NULL)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        json_t *e = entry(names[i]);
        if (e == NULL || json_array_append_new(zones, e) != 0)
            goto cleanup;
    }
    json_object_set_new(root, "zones", zones);
    zones = NULL;
    json_object_set_new(root, "any_zone", entry(NULL));
    json_t *clouds = json_array();
    for (size_t i = 0; clouds != NULL && i < ct__cloud_region_count; i++) {
        const struct ct__cloud_region_entry *e = &ct__cloud_region_table[i];
        json_array_append_new(clouds,
                              json_pack("{s:s, s:s, s:s, s:s}", "cloud", e->cloud, "region",
                                        e->region, "zone", e->zone, "location", e->location));
    }
    if (clouds == NULL)
        goto cleanup;
    json_object_set_new(root, "cloud_regions", clouds);
    *json = ct__json_text(root, -1, 0, NULL); /* JSON_COMPACT */
    rc = *json != NULL ? CT_OK : CT_ENOMEM;
cleanup:
    json_decref(zones);
    json_decref(root);
    free(names);
    return rc;
}
