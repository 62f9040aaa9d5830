/*
 * env.c - ct_options_from_env(): the single, opt-in place where the library reads environment
 * variables (the command and the bindings call it; the rest of the library never does).
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>

static const char *get(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

CT_API int ct_options_from_env(ct_options *o)
{
    if (!o)
        return CT_EINVAL;
    const char *v;
    if (!o->zone && (v = get("CARBONTRACKER_ZONE")))
        o->zone = v;
    if (!o->sysfs_root && (v = get("CARBONTRACKER_SYSFS_ROOT")))
        o->sysfs_root = v;
    if (!o->proc_root && (v = get("CARBONTRACKER_PROC_ROOT")))
        o->proc_root = v;
    if (!o->tz && (v = get("TZ")))
        o->tz = v;
    if (!o->localtime_path && (v = get("CARBONTRACKER_LOCALTIME")))
        o->localtime_path = v;
    if (!o->zoneinfo_dir && (v = get("CARBONTRACKER_ZONEINFO")))
        o->zoneinfo_dir = v;
    if (!o->nvml_library && (v = get("CARBONTRACKER_NVML_LIBRARY")))
        o->nvml_library = v;
    if (!o->cuda_visible_devices)
        o->cuda_visible_devices = getenv("CUDA_VISIBLE_DEVICES"); /* "" kept: no GPU */
    if (!o->electricitymaps_api_key && (v = get("ELECTRICITYMAPS_API_KEY")))
        o->electricitymaps_api_key = v;
    if (!o->electricitymaps_url && (v = get("CARBONTRACKER_ELECTRICITYMAPS_URL")))
        o->electricitymaps_url = v;
    if (!o->ukgrid_url && (v = get("CARBONTRACKER_UKGRID_URL")))
        o->ukgrid_url = v;
    if (!o->energidataservice_url && (v = get("CARBONTRACKER_ENERGIDATASERVICE_URL")))
        o->energidataservice_url = v;
    if (!o->geolocation_url && (v = get("CARBONTRACKER_GEOLOCATION_URL")))
        o->geolocation_url = v;
    if (isnan(o->pue) && (v = get("CARBONTRACKER_PUE"))) {
        char *end = NULL;
        double pue = strtod(v, &end);
        if (end == v || *end != '\0')
            return CT_EINVAL;
        o->pue = pue;
    }
    return CT_OK;
}
