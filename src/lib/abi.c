/*
 * abi.c - the versioned result structs (abi.h): their size per version, the version check, and a
 * result written into the caller's version of its struct (the old layouts included).
 */
#include "abi.h"

#include <ctype.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const size_t device_sizes[] = CT__DEVICE_ENERGY_SIZES;
static const size_t epoch_sizes[] = CT__EPOCH_RESULT_SIZES;
static const size_t summary_sizes[] = CT__SUMMARY_SIZES;
static const size_t live_sizes[] = CT__LIVE_SIZES;
static const size_t advice_sizes[] = CT__ADVICE_SIZES;
_Static_assert(COUNT(advice_sizes) == CT_ADVICE_VERSION + 1, "CT__ADVICE_SIZES: every version");
_Static_assert(COUNT(live_sizes) == CT_LIVE_VERSION + 1, "CT__LIVE_SIZES records every version");
_Static_assert(COUNT(device_sizes) == CT_DEVICE_ENERGY_VERSION + 1,
               "CT__DEVICE_ENERGY_SIZES records every CT_DEVICE_ENERGY_VERSION");
_Static_assert(COUNT(epoch_sizes) == CT_EPOCH_RESULT_VERSION + 1,
               "CT__EPOCH_RESULT_SIZES records every CT_EPOCH_RESULT_VERSION");
_Static_assert(COUNT(summary_sizes) == CT_SUMMARY_VERSION + 1,
               "CT__SUMMARY_SIZES records every CT_SUMMARY_VERSION");

size_t ct__device_energy_size(unsigned version)
{
    return version < COUNT(device_sizes) ? device_sizes[version] : 0;
}

size_t ct__epoch_result_size(unsigned version)
{
    return version < COUNT(epoch_sizes) ? epoch_sizes[version] : 0;
}

size_t ct__summary_size(unsigned version)
{
    return version < COUNT(summary_sizes) ? summary_sizes[version] : 0;
}

size_t ct__live_size(unsigned version)
{
    return version < COUNT(live_sizes) ? live_sizes[version] : 0;
}

size_t ct__advice_size(unsigned version)
{
    return version < COUNT(advice_sizes) ? advice_sizes[version] : 0;
}

int ct__version_check(const char *name, unsigned version, size_t size, unsigned current, char *msg,
                      size_t len)
{
    if (size)
        return CT_OK;
    if (!msg || !len)
        return CT_EINVAL;
    char upper[32];
    size_t k = 0;
    for (; name[k] && k + 1 < sizeof(upper); k++)
        upper[k] = (char)toupper((unsigned char)name[k]);
    upper[k] = '\0';
    if (version == 0)
        ct__fmt(msg, len, "%s.version is 0: set it to %s_VERSION (%s_INIT or %s_init())", name,
                upper, upper, name);
    else
        ct__fmt(msg, len,
                "%s.version %u is newer than this library knows (%u): the program was built "
                "against a newer carbontracker.h than libcarbontracker " CT_VERSION_STRING,
                name, version, current);
    return CT_EINVAL;
}

/* ct_errmsg() is the tracker's detail slot, also for the calls that take the tracker const:
 * a tracker is used from one thread at a time, and the object itself is never const. */
void ct__device_describe(ct_device_energy *de, const struct ct__ledger *l, int i, double energy_j,
                         int lost)
{
    const struct ct__dev *d = &l->devs[i];
    memset(de, 0, sizeof(*de));
    de->version = CT_DEVICE_ENERGY_VERSION;
    ct__strlcpy(de->component, ct__component_name(d->comp), sizeof(de->component));
    ct__strlcpy(de->name, d->meta.name, sizeof(de->name));
    ct__strlcpy(de->meter, ct__ledger_meter_name(l, i), sizeof(de->meter));
    de->provenance = d->meta.provenance;
    de->lost = lost;
    de->energy_j = energy_j;
    ct__strlcpy(de->uuid, d->meta.uuid, sizeof(de->uuid));
    de->index = d->meta.index;
}

/* The devices[] of the old layouts: at most their 64 entries. Returns how many were written. */
static int legacy_devices(struct ct__device_energy_v0 *out, const struct ct__ledger *l,
                          const struct ct__device_figures *f)
{
    int n = f->n < CT__V1_DEVICES ? f->n : CT__V1_DEVICES;
    for (int i = 0; i < n; i++) {
        ct_device_energy de;
        ct__device_describe(&de, l, i, f->energy_j[i], f->lost[i]);
        struct ct__device_energy_v0 *o = &out[i];
        memcpy(o->component, de.component, sizeof(o->component));
        memcpy(o->name, de.name, sizeof(o->name));
        memcpy(o->meter, de.meter, sizeof(o->meter));
        o->provenance = de.provenance;
        o->lost = de.lost;
        o->energy_j = de.energy_j;
        memcpy(o->uuid, de.uuid, sizeof(o->uuid));
        o->index = de.index;
    }
    return n;
}

void ct__epoch_result_put(ct_epoch_result *out, const ct_epoch_result *r,
                          const struct ct__ledger *l, const struct ct__device_figures *f)
{
    unsigned v = out->version;
    size_t n = ct__epoch_result_size(v);
    if (v >= 2) {
        ct_epoch_result c = *r;
        c.version = v;
        memcpy(out, &c, n);
        return;
    }
    struct ct__epoch_result_v1 o;
    memset(&o, 0, sizeof(o)); /* padding included: the caller gets no stack bytes */
    o.version = v;
    o.epoch = r->epoch;
    o.duration_s = r->duration_s;
    o.energy_j = r->energy_j;
    o.cpu_energy_j = r->cpu_energy_j;
    o.gpu_energy_j = r->gpu_energy_j;
    o.cpu_power_w = r->cpu_power_w;
    o.gpu_power_w = r->gpu_power_w;
    o.energy_kwh_pue = r->energy_kwh_pue;
    o.intensity_g_per_kwh = r->intensity_g_per_kwh;
    o.co2eq_g = r->co2eq_g;
    if (r->n_devices > 0)
        o.n_devices = legacy_devices(o.devices, l, f);
    memcpy(out, &o, n);
}

void ct__summary_put(ct_summary *out, const ct_summary *s, const struct ct__ledger *l,
                     const struct ct__device_figures *f)
{
    unsigned v = out->version;
    size_t n = ct__summary_size(v);
    if (v >= 3) {
        ct_summary c = *s;
        c.version = v;
        memcpy(out, &c, n);
        return;
    }
    struct ct__summary_v2 o;
    memset(&o, 0, sizeof(o)); /* padding included: the caller gets no stack bytes */
    o.version = v;
    o.epochs = s->epochs;
    o.early_stop = s->early_stop;
    o.finished = s->finished;
    o.duration_s = s->duration_s;
    o.energy_j = s->energy_j;
    o.energy_kwh = s->energy_kwh;
    o.pue = s->pue;
    o.intensity_g_per_kwh = s->intensity_g_per_kwh;
    o.co2eq_g = s->co2eq_g;
    o.km_by_car = s->km_by_car;
    memcpy(o.intensity_source, s->intensity_source, sizeof(o.intensity_source));
    memcpy(o.zone, s->zone, sizeof(o.zone));
    memcpy(o.location, s->location, sizeof(o.location));
    memcpy(o.location_method, s->location_method, sizeof(o.location_method));
    o.predicted = s->predicted;
    o.pred_epochs = s->pred_epochs;
    o.pred_duration_s = s->pred_duration_s;
    o.pred_energy_kwh = s->pred_energy_kwh;
    o.pred_co2eq_g = s->pred_co2eq_g;
    o.tracker_cpu_s = s->tracker_cpu_s;
    o.n_devices = legacy_devices(o.devices, l, f);
    o.caller_cpu_s = s->caller_cpu_s; /* beyond a version-1 struct: not copied for it */
    o.carbon_cpu_s = s->carbon_cpu_s;
    o.sampler_cpu_s = s->sampler_cpu_s;
    memcpy(out, &o, n);
}

int ct__summary_check(const ct_summary *out, char *msg, size_t len)
{
    return ct__version_check("ct_summary", out->version, ct__summary_size(out->version),
                             CT_SUMMARY_VERSION, msg, len);
}

int ct__epoch_result_check(const ct_epoch_result *out, char *msg, size_t len)
{
    return ct__version_check("ct_epoch_result", out->version, ct__epoch_result_size(out->version),
                             CT_EPOCH_RESULT_VERSION, msg, len);
}
