/*
 * options.h - the tracker's own copy of its options: the caller's ct_options with every string
 * copied, validated, and the values derived from them (effective epoch counts, PUE, refresh
 * period, component order). Owned by the tracker; read-only after ct__opts_init().
 */
#ifndef CT_OPTIONS_H
#define CT_OPTIONS_H

#include "internal.h"
#include "job.h"
#include "options_table.h"
#include "util/settings.h"

struct ct__opts {
    ct_options o;                 /* owned strings point into own[] */
    char *own[CT__OPTS_N_FIELDS]; /* the copies, by row of options_table.h (NULL elsewhere) */

    int ebp;          /* effective epochs_before_pred (-1 mapped to epochs) */
    int monitor;      /* effective monitor_epochs (-1 mapped to epochs) */
    double pue;       /* pue, or the default when not given */
    double refresh_s; /* carbon_refresh_s, or 900 */
    int comp_order[2];
    int n_comp;
    struct ct__settings settings; /* every meter's and provider's settings, resolved (backends.h);
                                     o.settings and o.environment are NULL after open */
    struct ct__job job;           /* the job this tracker is a rank of, read from o.environment
                                     and the job.* settings; decided (what it counts) at open */
};

/* Copy `in` (only as many bytes as its version defined; later fields get their defaults; owned
 * strings duplicated) and validate it. CT_OK; CT_ENOMEM; CT_EINVAL with upstream's text in
 * errbuf (secrets redacted), also for a version that is 0 or newer than the library. On failure
 * ct__opts_free() still releases what was copied. */
int ct__opts_init(struct ct__opts *p, const ct_options *in, char *errbuf, size_t errlen);

/* Release the copies and the settings (secrets wiped first). */
void ct__opts_free(struct ct__opts *p);

#endif
