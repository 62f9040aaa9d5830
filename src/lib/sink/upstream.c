/*
 * upstream.c - the console and upstream's log files (upstream.h): upstream's texts, formatted
 * from the run's records.
 */
#include "upstream.h"

#include "../account.h"
#include "../internal.h"
#include "text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ct__upstream_init(struct ct__upstream *u, const ct_options *o)
{
    memset(u, 0, sizeof(*u));
    u->message = o->message;
    u->message_user = o->message_user;
    u->verbose = o->verbose;
    u->decimal_precision = o->decimal_precision;
    u->interpretable = o->interpretable;
}

int ct__upstream_open_logs(struct ct__upstream *u, const char *log_dir, const char *prefix,
                           char *why, size_t why_len)
{
    return ct__logs_open(&u->logs, log_dir, prefix, why, why_len);
}

static void deliver(struct ct__upstream *u, int level, const char *text)
{
    if (!u->message || u->console_closed ||
        (u->quiet && (level == CT_LEVEL_OUTPUT || level == CT_LEVEL_INFO)))
        return;
    if (level == CT_LEVEL_OUTPUT && u->verbose <= 0)
        return;
    if (level == CT_LEVEL_INFO && u->verbose < 2)
        return;
    u->message(u->message_user, level, text);
}

static void message(void *s, int kind, const char *msg)
{
    struct ct__upstream *u = s;
    char buf[8192];
    switch (kind) {
    case CT__MSG_OUTPUT:
    case CT__MSG_QUIT:
        snprintf(buf, sizeof(buf), "CarbonTracker: %s", msg);
        ct__log_out(&u->logs, buf);
        deliver(u, CT_LEVEL_OUTPUT, buf);
        if (kind == CT__MSG_QUIT)
            u->console_closed = 1;
        break;
    case CT__MSG_INFO:
        ct__log_std(&u->logs, msg);
        break;
    case CT__MSG_NOTE:
        ct__log_std(&u->logs, msg);
        snprintf(buf, sizeof(buf), "CarbonTracker: %s", msg);
        deliver(u, CT_LEVEL_INFO, buf);
        break;
    case CT__MSG_WARNING:
    case CT__MSG_ERROR: {
        const char *level = kind == CT__MSG_WARNING ? "WARNING" : "ERROR";
        ct__log_err(&u->logs, level, msg);
        snprintf(buf, sizeof(buf), "CarbonTracker: %s - %s", level, msg);
        deliver(u, kind == CT__MSG_WARNING ? CT_LEVEL_WARNING : CT_LEVEL_ERROR, buf);
        break;
    }
    case CT__MSG_BANNER:
        deliver(u, CT_LEVEL_OUTPUT, msg);
        ct__log_std(&u->logs, msg);
        break;
    case CT__MSG_ASKED:
        snprintf(buf, sizeof(buf), "CarbonTracker: %s", msg);
        ct__log_out(&u->logs, buf);
        break;
    }
}

/* Upstream's per-epoch lines: power is the sum over the component's devices. They reach the
 * standard log in one write. */
static void epoch(void *s, uint64_t now_ns, const struct ct__sink_epoch *e)
{
    struct ct__upstream *u = s;
    char buf[512], num[64], ts[64];
    (void)now_ns;
    ct__logs_hold(&u->logs);
    message(s, CT__MSG_INFO, ct__fmt(buf, sizeof(buf), "Epoch %d:", e->epoch));
    ct_timestring(e->duration_s, 1, ts, sizeof(ts));
    message(s, CT__MSG_INFO, ct__fmt(buf, sizeof(buf), "Duration: %s", ts));
    for (int c = 0; c < e->n_comp; c++) {
        double j = e->comp_energy_j[c];
        ct__fmt_plain(e->duration_s > 0 ? j / e->duration_s : 0.0, num, sizeof(num));
        message(
            s, CT__MSG_INFO,
            ct__fmt(buf, sizeof(buf), "Average power usage (W) for %s: %s", e->comp_name[c], num));
    }
    ct__logs_release(&u->logs);
}

static void block(struct ct__upstream *u, const struct ct__sink_consumption *c)
{
    char b[2048];
    ct__consumption_block(b, sizeof(b), c->description, c->duration_s, c->energy_kwh, c->co2eq_g,
                          u->decimal_precision, u->interpretable);
    message(u, CT__MSG_OUTPUT, b);
}

static void prediction(void *s, uint64_t now_ns, const struct ct__sink_consumption *c)
{
    const struct ct__prediction *p = c->pred;
    char buf[1024], ts[64];
    (void)now_ns;
    if (strcmp(p->basis, "forecast") == 0) {
        ct_timestring(p->rem_s, 0, ts, sizeof(ts));
        ct__fmt(buf, sizeof(buf),
                "Carbon intensity for the next %s is predicted to be %.2f gCO2/kWh at detected "
                "location: %s.",
                ts, p->ci_rem, c->location);
        message(s, CT__MSG_INFO, buf);
        message(s, CT__MSG_OUTPUT, buf);
        char cov[64];
        ct_timestring(p->covered_s, 0, cov, sizeof(cov));
        ct__fmt(buf, sizeof(buf),
                "Prediction: forecast from %s (mean %.2f gCO2/kWh over %s of the next %s%s); the "
                "%d epoch(s) measured so far count at their measured %.2f gCO2/kWh.",
                p->fsource, p->fmean, cov, ts,
                p->covered_s < p->rem_s ? ", the rest at the measured average" : "", p->done_epochs,
                p->done_ci);
        message(s, CT__MSG_NOTE, buf);
    } else {
        int no_forecast = p->expected && p->rem_s > 0;
        if (p->defaulted) {
            ct__fmt(buf, sizeof(buf),
                    "Live carbon intensity could not be fetched at detected location: %s. %s",
                    c->location, c->in_force_description);
        } else if (no_forecast) {
            ct_timestring(p->duration_s, 0, ts, sizeof(ts));
            ct__fmt(buf, sizeof(buf),
                    "Failed to predict carbon intensity for the next %s, fallback on average "
                    "measured intensity at detected location: %s.",
                    ts, c->location);
        } else {
            ct__fmt(buf, sizeof(buf),
                    "Current carbon intensity is %.2f gCO2/kWh at detected location: %s.",
                    p->floor_ci, c->location);
        }
        message(s, CT__MSG_INFO, buf);
        message(s, CT__MSG_OUTPUT, buf);
        if (no_forecast)
            message(s, CT__MSG_NOTE,
                    ct__fmt(buf, sizeof(buf),
                            "Prediction: no forecast (%s); using the average of the values "
                            "fetched, %.2f gCO2/kWh.",
                            p->fwhy[0] ? p->fwhy : "none", p->floor_ci));
    }
    block(s, c);
}

static void summary(void *s, uint64_t now_ns, const struct ct__sink_consumption *c)
{
    char buf[1024], every[32];
    (void)now_ns;
    /* Upstream's list: every value fetched live, else the value in force. */
    size_t nf = c->fetched ? c->n_fetched : 0;
    size_t cap = 64 + 32 * (nf + 1) + strlen(c->location) + 128;
    char *list = malloc(cap);
    ct__fmt_seconds(c->refresh_s, every, sizeof(every));
    if (list) {
        size_t n = 0;
        ct__append(list, cap, &n,
                   "Carbon intensities (gCO2/kWh) fetched every %s s at detected location %s: [",
                   every, c->location);
        for (size_t i = 0; i < (nf ? nf : 1); i++) {
            char repr[40];
            ct__fmt_repr(nf ? c->fetched[i] : c->in_force_g_per_kwh, repr, sizeof(repr));
            ct__append(list, cap, &n, "%s%s", i ? ", " : "", repr);
        }
        ct__append(list, cap, &n, "]");
        message(s, CT__MSG_INFO, list);
        free(list);
    }
    ct__fmt(buf, sizeof(buf),
            "Average carbon intensity during training was %.2f gCO2/kWh at detected location: "
            "%s.",
            c->intensity_g_per_kwh, c->location);
    message(s, CT__MSG_INFO, buf);
    message(s, CT__MSG_OUTPUT, buf);
    block(s, c);
}

static int logs_failed(void *s, char *why, size_t len)
{
    struct ct__upstream *u = s;
    return ct__logs_failed(&u->logs, why, len);
}

static void sink_close(void *s)
{
    struct ct__upstream *u = s;
    ct__logs_close(&u->logs);
}

const struct ct__sink_ops ct__sink_upstream = {
    .name = "upstream",
    .message = message,
    .epoch = epoch,
    .prediction = prediction,
    .summary = summary,
    .failed = logs_failed,
    .close = sink_close,
};
