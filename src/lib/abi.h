/*
 * abi.h - the result structs as every earlier version of carbontracker.h laid them out, frozen,
 * and the size of each versioned public struct per version: the library writes exactly the bytes
 * the caller's version defined (libgit2's way), so a program built against an older header keeps
 * working with a newer library. tests/unit/test_abi.c checks these layouts against offsets
 * computed by hand.
 */
#ifndef CT_ABI_H
#define CT_ABI_H

#include "ledger.h"

#include <carbontracker.h>
#include <stddef.h>

/* The end of field f of struct type: the size of a version whose last field is f. */
#define CT__FIELD_END(type, f) (offsetof(type, f) + sizeof(((type *)0)->f))

/* The length of the device arrays of the old layouts, frozen whatever CT_MAX_DEVICES is now. */
#define CT__V1_DEVICES 64

/* ct_device_energy before it had a version: the element of the old devices[] arrays. */
struct ct__device_energy_v0 {
    char component[8];
    char name[96];
    char meter[24];
    int provenance;
    int lost;
    double energy_j;
    char uuid[96];
    int index;
};

/* ct_epoch_result version 1. */
struct ct__epoch_result_v1 {
    unsigned version;
    int epoch;
    double duration_s;
    double energy_j;
    double cpu_energy_j;
    double gpu_energy_j;
    double cpu_power_w;
    double gpu_power_w;
    double energy_kwh_pue;
    double intensity_g_per_kwh;
    double co2eq_g;
    int n_devices;
    struct ct__device_energy_v0 devices[CT__V1_DEVICES];
};

/* ct_summary version 2; version 1 is the same without the last three fields. */
struct ct__summary_v2 {
    unsigned version;
    int epochs;
    int early_stop;
    int finished;
    double duration_s;
    double energy_j;
    double energy_kwh;
    double pue;
    double intensity_g_per_kwh;
    double co2eq_g;
    double km_by_car;
    char intensity_source[64];
    char zone[16];
    char location[128];
    char location_method[24];
    int predicted;
    int pred_epochs;
    double pred_duration_s;
    double pred_energy_kwh;
    double pred_co2eq_g;
    double tracker_cpu_s;
    int n_devices;
    struct ct__device_energy_v0 devices[CT__V1_DEVICES];
    double caller_cpu_s; /* since version 2 */
    double carbon_cpu_s;
    double sampler_cpu_s;
};

/*
 * Bytes of each struct as each version defined it (the end of its last field), indexed by
 * version; 0 = no such version. A new version appends the end of its own last field here (and
 * keeps its old layout in a struct above when it is not a prefix of the new one).
 */
#define CT__DEVICE_ENERGY_SIZES                                                                    \
    {                                                                                              \
        0, CT__FIELD_END(ct_device_energy, index)                                                  \
    }
#define CT__EPOCH_RESULT_SIZES                                                                     \
    {                                                                                              \
        0, CT__FIELD_END(struct ct__epoch_result_v1, devices),                                     \
            CT__FIELD_END(ct_epoch_result, n_devices)                                              \
    }
#define CT__SUMMARY_SIZES                                                                          \
    {                                                                                              \
        0, offsetof(struct ct__summary_v2, caller_cpu_s),                                          \
            CT__FIELD_END(struct ct__summary_v2, sampler_cpu_s),                                   \
            CT__FIELD_END(ct_summary, sampler_cpu_s)                                               \
    }

#define CT__ADVICE_SIZES                                                                           \
    {                                                                                              \
        0, CT__FIELD_END(ct_advice, source)                                                        \
    }
#define CT__LIVE_SIZES                                                                             \
    {                                                                                              \
        0, CT__FIELD_END(ct_live, finished)                                                        \
    }

/* The tables above; 0 for a version this library does not know. */
size_t ct__device_energy_size(unsigned version);
size_t ct__epoch_result_size(unsigned version);
size_t ct__summary_size(unsigned version);
size_t ct__live_size(unsigned version);
size_t ct__advice_size(unsigned version);

/* CT_OK when `size` (the table's entry for `version`) is not 0; else CT_EINVAL with a text for
 * ct_errmsg in msg naming the struct ("ct_summary"), the version and what to do. */
int ct__version_check(const char *name, unsigned version, size_t size, unsigned current, char *msg,
                      size_t len);

/* ct__version_check() for the caller's ct_epoch_result / ct_summary (the tracker passes its
 * detail message, ct_errmsg()). */
int ct__epoch_result_check(const ct_epoch_result *out, char *msg, size_t len);
int ct__summary_check(const ct_summary *out, char *msg, size_t len);

/* The ledger's device i with this energy (J) and lost mark, as the current ct_device_energy
 * (every field; version CT_DEVICE_ENERGY_VERSION). */
void ct__device_describe(ct_device_energy *de, const struct ct__ledger *l, int i, double energy_j,
                         int lost);

/* Write the complete result `r` (current layout, version ignored) into the caller's `out` as
 * out->version (known: checked by the caller) lays it out; a version-1 layout also gets the
 * devices (l, f). Bytes past that version's end are never touched. */
void ct__epoch_result_put(ct_epoch_result *out, const ct_epoch_result *r,
                          const struct ct__ledger *l, const struct ct__device_figures *f);
/* The same for ct_summary (versions 1 and 2 get the devices). */
void ct__summary_put(ct_summary *out, const ct_summary *s, const struct ct__ledger *l,
                     const struct ct__device_figures *f);

#endif
