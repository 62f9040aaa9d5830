/*
 * result.c - the public side of the versioned result structs (abi.h): the ct_*_init() functions,
 * the version checks that set the tracker's detail message, and the per-device accessors
 * ct_epoch_device() and ct_summary_device().
 */
#include "abi.h"
#include "tracker.h"

#include <string.h>

static int check(const ct_tracker *t, const char *name, unsigned version, size_t size,
                 unsigned current)
{
    struct ct_tracker *w = (struct ct_tracker *)t;
    return ct__version_check(name, version, size, current, w->errmsg, sizeof(w->errmsg));
}

/* ---- init ---------------------------------------------------------------------------------- */

/* Zero the first n bytes of p and set its leading version field. */
static int init(void *p, unsigned version, size_t n)
{
    if (!p || !n)
        return CT_EINVAL;
    memset(p, 0, n);
    memcpy(p, &version, sizeof(version)); /* every versioned struct starts with it */
    return CT_OK;
}

CT_API int ct_device_energy_init(ct_device_energy *d, unsigned version)
{
    return init(d, version, ct__device_energy_size(version));
}

CT_API int ct_epoch_result_init(ct_epoch_result *r, unsigned version)
{
    return init(r, version, ct__epoch_result_size(version));
}

CT_API int ct_summary_init(ct_summary *s, unsigned version)
{
    return init(s, version, ct__summary_size(version));
}

/* ---- writing into the caller's version -------------------------------------------------- */

/* ---- the accessors ------------------------------------------------------------------------ */

/* Check t, i and out's version; then write device i (energy_j, lost) up to out's version. */
static int device_put(const ct_tracker *t, size_t i, ct_device_energy *out, const double *energy_j,
                      const int *lost)
{
    if (!t || !out || i >= (size_t)t->ledger.n_devs)
        return CT_EINVAL;
    size_t n = ct__device_energy_size(out->version);
    if (check(t, "ct_device_energy", out->version, n, CT_DEVICE_ENERGY_VERSION) != CT_OK)
        return CT_EINVAL;
    ct_device_energy de;
    ct__device_describe(&de, &t->ledger, (int)i, energy_j[i], lost[i]);
    de.version = out->version;
    memcpy(out, &de, n);
    return CT_OK;
}

CT_API int ct_epoch_device(const ct_tracker *t, size_t i, ct_device_energy *out)
{
    if (!t)
        return CT_EINVAL;
    return device_put(t, i, out, t->last_epoch.energy_j, t->last_epoch.lost);
}

CT_API int ct_summary_device(const ct_tracker *t, size_t i, ct_device_energy *out)
{
    if (!t)
        return CT_EINVAL;
    struct ct__device_figures f;
    ct__ledger_run_figures(&t->ledger, &f);
    return device_put(t, i, out, f.energy_j, f.lost);
}
