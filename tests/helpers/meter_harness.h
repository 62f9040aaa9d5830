/*
 * meter_harness.h - one meter of the registry driven as the ledger drives it, on fixture trees:
 * the meters' settings resolved from the options, the probe context, probe and describe, close.
 * Shared by the meter tests that call a meter's ops directly. Uses cmocka asserts; include after
 * <cmocka.h>.
 */
#ifndef CT_TEST_METER_HARNESS_H
#define CT_TEST_METER_HARNESS_H

#include "energy/meter.h"
#include "util/settings.h"

struct mh {
    int sysfs_fd, proc_fd; /* the options' roots, opened at the first probe; -1 before */
    int resolved;          /* settings resolved (at the first probe) */
    struct ct__settings settings;
    struct ct__probe_ctx ctx;
    const struct ct__meter_ops *m; /* the meter probed and open, NULL when none is */
    void *state;
    char why[2048]; /* the probe's reason */
    uint64_t t0_ns; /* when the probe returned */
    int n;          /* devices described */
    struct ct__meter_dev devs[CT_MAX_DEVICES];
};

/* Before anything else: nothing open. */
void mh_init(struct mh *h);

/* The probe context for the options o (kept in h, o must live as long as h): at the first call
 * its sysfs_root and proc_root, when set, are opened and the meters' settings resolved. */
struct ct__probe_ctx *mh_context(struct mh *h, const ct_options *o);

/* Probe m in mh_context(h, o). CT_OK: described, 1 to
 * max_devs devices (asserted), m open in h; otherwise no state (asserted) and h->m NULL. */
int mh_probe(struct mh *h, const ct_options *o, const struct ct__meter_ops *m, int max_devs);

/* Open the sysfs root again (the tree was replaced under the open directory). */
void mh_reopen_sysfs(struct mh *h, const ct_options *o);

/* Close the open meter, free the settings, close the roots. */
void mh_close(struct mh *h);

#endif
