/*
 * meter_harness.c - one meter driven as the ledger drives it (meter_harness.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meter_harness.h"

#include "backends.h"
#include "util/sysfs.h"

#include <string.h>
#include <unistd.h>

void mh_init(struct mh *h)
{
    memset(h, 0, sizeof(*h));
    h->sysfs_fd = h->proc_fd = -1;
}

struct ct__probe_ctx *mh_context(struct mh *h, const ct_options *o)
{
    if (!h->resolved) {
        char why[256];
        if (o->sysfs_root)
            h->sysfs_fd = ct__root_open(o->sysfs_root);
        if (o->proc_root)
            h->proc_fd = ct__root_open(o->proc_root);
        assert_int_equal(ct__backends_resolve(&h->settings, o, why, sizeof(why)), CT_OK);
        h->resolved = 1;
    }
    h->ctx.sysfs_fd = h->sysfs_fd;
    h->ctx.proc_fd = h->proc_fd;
    h->ctx.opts = o;
    h->ctx.settings = &h->settings;
    return &h->ctx;
}

int mh_probe(struct mh *h, const ct_options *o, const struct ct__meter_ops *m, int max_devs)
{
    mh_context(h, o);
    h->m = m;
    h->why[0] = '\0';
    int rc = m->probe(&h->ctx, &h->state, h->why, sizeof(h->why));
    h->t0_ns = ct__now_ns();
    if (rc == CT_OK) {
        h->n = m->describe(h->state, h->devs, max_devs);
        assert_in_range(h->n, 1, max_devs);
    } else {
        assert_null(h->state);
        h->m = NULL;
    }
    return rc;
}

void mh_reopen_sysfs(struct mh *h, const ct_options *o)
{
    if (h->sysfs_fd >= 0)
        close(h->sysfs_fd);
    h->sysfs_fd = h->ctx.sysfs_fd = ct__root_open(o->sysfs_root);
}

void mh_close(struct mh *h)
{
    if (h->m)
        h->m->close(h->state);
    h->m = NULL;
    h->state = NULL;
    if (h->resolved)
        ct__settings_free(&h->settings);
    h->resolved = 0;
    if (h->sysfs_fd >= 0)
        close(h->sysfs_fd);
    if (h->proc_fd >= 0)
        close(h->proc_fd);
    h->sysfs_fd = h->proc_fd = -1;
}
