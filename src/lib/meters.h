/*
 * meters.h - choosing the meters for the selected components: for each component the simulated
 * meter when configured, else, per domain (meter.h), the first registry meter whose probe
 * succeeds; the domains add up. Keeps the outcome of every probe so --list-devices and the logs
 * can say what was found and why not.
 */
#ifndef CT_METERS_H
#define CT_METERS_H

#include "energy/meter.h"

#define CT__MAX_METERS 8
#define CT__MAX_PROBES 24

/* Outcome of probing one meter. */
struct ct__probe_result {
    const struct ct__meter_ops *ops;
    int status;     /* CT_OK, CT_ENOTSUP, or a failure */
    int selected;   /* 1 when the meter is used for its domain */
    char why[1024]; /* reason (not here / failure with fix) */
    char detail[512];
};

/* A selected meter with its devices. */
struct ct__meter_inst {
    const struct ct__meter_ops *ops;
    void *state;
    int n_devs;
    struct ct__meter_dev devs[CT_MAX_DEVICES];
};

struct ct__meter_set {
    struct ct__meter_inst meters[CT__MAX_METERS];
    int n_meters;
    struct ct__probe_result probes[CT__MAX_PROBES];
    int n_probes;
};

/* Parse a components string ("all", "cpu", "gpu,cpu", spaces ignored, case-insensitive) into an
 * ordered list (order[0..*n-1] of CT__COMP_*). "all" is gpu then cpu, as upstream.
 * Returns CT_OK or CT_EINVAL with upstream's "No component found with name 'x'." in why. */
int ct__parse_components(const char *s, int order[2], int *n, char *why, size_t why_len);

/* Probe and select meters for the components in order[] from `registry` (NULL-terminated, in
 * probe order; the tracker passes ct__meters, tests their own). A component with a simulated
 * meter configured gets that meter alone. Otherwise every domain of the component whose meter
 * probes OK contributes its devices, and within a domain the first meter in registry order that
 * probes OK is used: a failed one is kept with its reason and the next one of the domain is
 * tried; the later ones are fallbacks, probed only with probe_all (for the device report) and
 * then kept as OK but not selected. Probes, meters and so devices come in component order, then
 * registry order; the whole-machine (CT__COMP_NODE) meters come last, probed whatever the
 * components. Never fails for a missing meter; returns CT_EINVAL only for invalid
 * simulation options (why set). */
int ct__meters_select(struct ct__meter_set *set, const struct ct__meter_ops *const *registry,
                      const struct ct__probe_ctx *ctx, const int order[2], int n_order,
                      int probe_all, char *why, size_t why_len);

/* Close every selected meter. */
void ct__meters_close(struct ct__meter_set *set);

#endif
