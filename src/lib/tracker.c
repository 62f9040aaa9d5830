/*
 * tracker.c - the tracker's lifecycle and the epoch API. Each step hands its data one way down
 * the pipeline: the ledger reads the counters at the epoch's boundaries (so an epoch's energy is
 * exact however short it is), the account turns joules into kWh and grams, the sinks show it.
 */
#include "tracker.h"

#include "announce.h"
#include "backends.h"
#include "peers.h"
#include "records.h"
#include "sink/jsonl.h"
#include "util/sysfs.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- messages --------------------------------------------------------------------------- */

static void say(struct ct_tracker *t, int kind, const char *text)
{
    ct__sinks_message(&t->sinks, kind, text);
}

/* A warning also becomes the tracker's detail message (ct_errmsg). */
static void warn(void *ctx, const char *text)
{
    struct ct_tracker *t = ctx;
    say(t, CT__MSG_WARNING, text);
    ct__strlcpy(t->errmsg, text, sizeof(t->errmsg));
}

/* Take the carbon thread's location, intensity and messages (caller's thread). */
static void sync_carbon(struct ct_tracker *t)
{
    struct ct__carbon_event *ev = NULL;
    size_t n = ct__grid_sync(&t->grid, &ev);

    ct__sinks_intensity(&t->sinks, 0, t->grid.ci.g_per_kwh, t->grid.ci.source,
                        !t->grid.ci.is_default);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == CT__CEV_LOG)
            say(t, CT__MSG_INFO, ev[i].text);
        else if (ev[i].kind == CT__CEV_NOTE)
            say(t, CT__MSG_NOTE, ev[i].text);
        else
            warn(t, ev[i].text);
    }
    free(ev);
}

/* A log that could not be written (disk full, file too large, ...): once per sink, on the console
 * (the log itself may not take it), and kept for the summary. Measuring goes on. */
static void tell_write_failures(struct ct_tracker *t)
{
    char why[480], buf[512];
    while (ct__sinks_next_failure(&t->sinks, why, sizeof(why))) {
        if (!t->write_error[0])
            ct__strlcpy(t->write_error, why, sizeof(t->write_error));
        warn(t, ct__fmt(buf, sizeof(buf),
                        "Could not write the log %s. Measuring goes on; that log is incomplete "
                        "from here on.",
                        why));
    }
}

/* Devices lost and read failures since the last call, reported once each. */
static void tell_read_failures(struct ct_tracker *t)
{
    double kept_j;
    char buf[512];
    for (int i; (i = ct__ledger_next_loss(&t->ledger, &kept_j)) >= 0;) {
        const struct ct__dev *d = &t->ledger.devs[i];
        warn(t, ct__fmt(buf, sizeof(buf),
                        "%s device %s%s%s stopped answering and is marked lost; the energy "
                        "measured until then (%.3f J) is kept and the run goes on.",
                        ct__component_name(d->comp), d->meta.name, d->meta.uuid[0] ? " " : "",
                        d->meta.uuid, kept_j));
    }
    if (ct__ledger_new_failure(&t->ledger, buf, sizeof(buf)))
        warn(t, buf);
    tell_write_failures(t);
}

/* ---- open ------------------------------------------------------------------------------- */

static int start_carbon(struct ct_tracker *t, char *errbuf, size_t errlen)
{
    return ct__grid_start(&t->grid, &t->opt, t->opt.ebp > 0 && !t->account.predicted, errbuf,
                          errlen);
}

/* The sinks: the console and upstream's logs always, the JSON-lines log beside them. */
static int open_sinks(struct ct_tracker *t, char *errbuf, size_t errlen)
{
    char why[4096];
    struct ct__jsonl *j = NULL;
    ct__upstream_init(&t->upstream, &t->opt.o);
    t->upstream.quiet = !ct__job_console(&t->opt.job, &t->opt.settings);
    ct__sinks_add(&t->sinks, &ct__sink_upstream, &t->upstream);
    if (!t->opt.o.log_dir)
        return CT_OK;
    int rc = ct__upstream_open_logs(&t->upstream, t->opt.o.log_dir, t->opt.o.log_file_prefix, why,
                                    sizeof(why));
    if (rc == 0)
        rc = ct__jsonl_open(&j, t->upstream.logs.base, why, sizeof(why));
    if (rc < 0) {
        if (errbuf && errlen)
            ct__strlcpy(errbuf, why, errlen); /* names the path and strerror of the errno */
        return rc == -EACCES || rc == -EPERM || rc == -EROFS ? CT_EPERM : CT_EIO;
    }
    ct__sinks_add(&t->sinks, &ct__sink_jsonl, j);
    return CT_OK;
}

static int tracker_open(ct_tracker **out, const ct_options *opts, char *errbuf, size_t errlen)
{
    struct ct_tracker *t = NULL;
    int rc;
    char why[512];

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!out || !opts) {
        if (errbuf && errlen)
            ct__strlcpy(errbuf, "out and opts must not be NULL", errlen);
        return CT_EINVAL;
    }
    *out = NULL;
    t = calloc(1, sizeof(*t));
    if (!t)
        return CT_ENOMEM;
    t->sysfs_fd = t->proc_fd = -1;
    ct__ledger_init(&t->ledger);
    ct__grid_init(&t->grid);
    ct__account_init(&t->account, CT__PUE_DEFAULT, &t->grid.carbon);
    ct__sampler_init(&t->sampler, &t->ledger, &t->account, &t->sinks);
    t->started_at = ct__wall_s();

    rc = ct__opts_init(&t->opt, opts, errbuf, errlen);
    if (rc != CT_OK)
        goto fail;
    t->account.pue = t->opt.pue;
    ct__account_budget(&t->account, t->opt.o.budget_co2eq_g, t->opt.o.budget_kwh,
                       t->opt.o.budget_action && strcmp(t->opt.o.budget_action, "stop") == 0);
    t->sysfs_fd = ct__root_open(t->opt.o.sysfs_root ? t->opt.o.sysfs_root : "/sys");
    t->proc_fd = ct__root_open(t->opt.o.proc_root ? t->opt.o.proc_root : "/proc");

    /* Which devices this tracker counts, as one rank of a job. */
    char job_why[512];
    ct__job_decide(&t->opt.job, t->opt.o.devices_by_pid, job_why, sizeof(job_why));

    /* A missing root is "no meter there", not an error. */
    struct ct__probe_ctx ctx = {.sysfs_fd = t->sysfs_fd,
                                .proc_fd = t->proc_fd,
                                .opts = &t->opt.o,
                                .settings = &t->opt.settings,
                                .job = &t->opt.job};
    rc = ct__ledger_setup(&t->ledger, &ctx, t->opt.comp_order, t->opt.n_comp, &t->opt.job, why,
                          sizeof(why));
    if (rc != CT_OK) {
        if (errbuf && errlen)
            ct__strlcpy(errbuf, why, errlen);
        goto fail;
    }
    rc = open_sinks(t, errbuf, errlen);
    if (rc != CT_OK)
        goto fail;

    ct__announce_job(&t->sinks, &t->opt.job, job_why, warn, t);
    ct__announce_meters(&t->sinks, &t->opt, &t->ledger, warn, t);
    ct__grid_resolve(&t->grid, &t->opt, why, sizeof(why));
    rc = start_carbon(t, errbuf, errlen);
    if (rc != CT_OK)
        goto fail;
    ct__announce_location(&t->sinks, &t->opt, &t->grid, why);
    ct__records_meta(&t->sinks, &t->opt, &t->ledger, &t->grid, &t->opt.job);

    /* The first reading is the run's start; then the sampler. */
    ct__sampler_tick(&t->sampler);
    t->open_ns = ct__now_ns();
    t->account.budget.start_ns = t->open_ns; /* before the sampler thread starts */
    ct__ledger_start(&t->ledger);
    /* A full reading (samples, account, budget) at the interval; the meters that need it (a
     * power-only GPU's 20 Hz) read alone in between, so they do not make every tick fast. */
    uint64_t interval_ns = (uint64_t)(t->opt.o.update_interval_s * 1e9);
    if (interval_ns < 1000000)
        interval_ns = 1000000; /* ct__ledger_period's floor */
    rc = ct__sampler_start(&t->sampler, interval_ns, ct__ledger_period(&t->ledger, interval_ns));
    if (rc != CT_OK) {
        if (errbuf && errlen)
            ct__strlcpy(errbuf, "could not start the sampler thread", errlen);
        goto fail;
    }
    say(t, CT__MSG_INFO, "Monitoring thread started.");
    *out = t;
    return CT_OK;

fail:
    ct__sinks_close(&t->sinks);
    ct_tracker_free(t);
    return rc;
}

/* ---- epochs ----------------------------------------------------------------------------- */

static int epoch_start(ct_tracker *t)
{
    if (!t)
        return CT_EINVAL;
    if (t->finished)
        return CT_OK;
    if (t->in_epoch) {
        ct__strlcpy(t->errmsg, "epoch_start called twice without epoch_end", sizeof(t->errmsg));
        return CT_ESTATE;
    }
    uint64_t now;
    ct__ledger_read(&t->ledger, 1, &now, NULL);
    ct__account_epoch_open(&t->account, ct__ledger_epoch_start(&t->ledger));
    t->epoch_t0_ns = now;
    t->in_epoch = 1;
    t->epoch_counter++;
    sync_carbon(t);
    tell_read_failures(t);
    return CT_OK;
}

static void finish(struct ct_tracker *t)
{
    ct__carbon_stop(&t->grid.carbon); /* cancels a request in flight: milliseconds */
    sync_carbon(t);
    ct__sampler_stop(&t->sampler);
    ct__sampler_tick(&t->sampler); /* a last reading: the whole run for the ledger and sinks */
    ct__records_summary(&t->sinks, &t->opt, &t->ledger, &t->account, &t->grid, t->early_stop);
    tell_write_failures(t);

    ct__meters_close(&t->ledger.set); /* releases the hardware (nvmlShutdown) at stop */
    __atomic_store_n(&t->finished, 1, __ATOMIC_RELEASE); /* ct_get_live() reads it anywhere */
    t->ended_at = ct__wall_s();
    say(t, CT__MSG_INFO, "Monitoring thread ended.");
    say(t, CT__MSG_OUTPUT, "Finished monitoring.");
    tell_write_failures(t); /* one the last lines met */
    ct__sinks_close(&t->sinks);
}

/* A rank of a job of several ranks writing logs, where the job's figures can be read back. */
static int in_job(const struct ct_tracker *t)
{
    const struct ct__job *jb = &t->opt.job;
    return jb->active && jb->world_size >= 2 && t->opt.o.log_dir;
}

static int budget_set(const struct ct_tracker *t)
{
    return !isnan(t->account.budget.co2eq_g) || !isnan(t->account.budget.kwh);
}

/* The job's energy (J, before PUE) in its first `epochs` epochs: this rank's, plus the other
 * ranks' read back from their JSON-lines logs in the log directory (shared, the normal case on
 * clusters), waiting up to 3 s for a rank one step behind. *ranks: the ranks counted. */
static double job_energy_j(struct ct_tracker *t, int epochs, int *ranks)
{
    const struct ct__job *jb = &t->opt.job;
    double own_j = 0;
    for (int i = 0; i < epochs && i < t->account.n_epochs; i++)
        own_j += t->account.epochs[i].cpu_j + t->account.epochs[i].gpu_j;
    char own[4200];
    ct__fmt(own, sizeof(own), "%s_carbontracker.jsonl", t->upstream.logs.base);
    struct ct__peers peers;
    ct__peers_energy(t->opt.o.log_dir, own, jb->id, epochs, jb->world_size - 1, 3.0, &peers);
    *ranks = 1 + peers.complete;
    return own_j + peers.energy_j;
}

/* The prediction of the whole job: made by global rank 0, which prints it after upstream's block
 * (one line; the summary keeps it), and by every rank when a budget is set, so that all ranks
 * take the same budget decision from the same figures. */
static void predict_job(struct ct_tracker *t)
{
    const struct ct__job *jb = &t->opt.job;
    if (!in_job(t) || (jb->rank != 0 && !budget_set(t)))
        return;
    int ebp = t->opt.ebp, ranks = 0;
    double total_j = job_energy_j(t, ebp, &ranks);
    const struct ct__prediction *pr = &t->account.pred;
    double kwh = (double)t->opt.o.epochs / ebp * total_j / 3.6e6 * t->opt.pue;
    t->job_pred.ranks = ranks;
    t->job_pred.energy_kwh = kwh;
    t->job_pred.co2eq_g = kwh * pr->intensity_g_per_kwh;
    if (jb->rank != 0)
        return;
    char buf[1024], e[64], c[64];
    ct__fmt_fixed(kwh, t->opt.o.decimal_precision, e, sizeof(e));
    ct__fmt_fixed(t->job_pred.co2eq_g, t->opt.o.decimal_precision, c, sizeof(c));
    say(t, CT__MSG_OUTPUT,
        ct__fmt(buf, sizeof(buf),
                "Job prediction: the whole job (%s) for %d epoch(s), from %d of its %d ranks%s: "
                "%s kWh, %s g CO2eq.",
                jb->id, t->opt.o.epochs, t->job_pred.ranks, jb->world_size,
                t->job_pred.ranks < jb->world_size
                    ? " (the others' logs are not in this log directory yet or at all)"
                    : "",
                e, c));
}

/* Ask whether to go on after the prediction; 0 = the user said stop. */
static int confirm(struct ct_tracker *t)
{
    if (!t->opt.o.confirm)
        return 1;
    /* The callback shows the question (a prompt); the output log records it, as upstream's
     * logger.output does. */
    say(t, CT__MSG_ASKED, "Continue training (y/n)?");
    if (t->opt.o.confirm(t->opt.o.confirm_user, "Continue training (y/n)?")) {
        say(t, CT__MSG_OUTPUT, "Continuing...");
        return 1;
    }
    say(t, CT__MSG_INFO, "Session ended by user.");
    say(t, CT__MSG_QUIT, "Quitting...");
    return 0;
}

/* After upstream's prediction block (which stays as it is): the band, in one line. */
static void tell_band(struct ct_tracker *t)
{
    const struct ct__prediction *p = &t->account.pred;
    char lo_t[32], hi_t[32], from[96], buf[512];
    if (!p->band)
        return;
    ct_timestring(p->lo_duration_s, 0, lo_t, sizeof(lo_t));
    ct_timestring(p->hi_duration_s, 0, hi_t, sizeof(hi_t));
    ct__fmt(from, sizeof(from), "%s%s%s", p->band_spread ? "the spread of the measured epochs" : "",
            p->band_spread && p->band_forecast ? " and " : "",
            p->band_forecast ? "the forecast's range" : "");
    say(t, CT__MSG_OUTPUT,
        ct__fmt(buf, sizeof(buf),
                "Prediction band (10th to 90th percentile, from %s): Time %s to %s, Energy "
                "%.6g to %.6g kWh, CO2eq %.6g to %.6g g.",
                from, lo_t, hi_t, p->lo_kwh, p->hi_kwh, p->lo_co2eq_g, p->hi_co2eq_g));
}

/* After the prediction: when the forecast has a start for the predicted run that emits at least
 * 1 % less than starting now, one line says when (the JSON summary keeps it). */
static void advise_after_prediction(struct ct_tracker *t)
{
    const struct ct__prediction *p = &t->account.pred;
    struct ct__advice *a = &t->advice;
    char why[256], when[40], dur[32], buf[512];
    double now = ct__wall_s();
    if (!(p->duration_s > 0) ||
        ct__advise_cached(&t->grid.carbon, now, p->duration_s, a, t->advice_source,
                          sizeof(t->advice_source), why, sizeof(why)) != CT_OK ||
        !(a->saving_percent >= 1.0) || !(a->best_start_s > now))
        return;
    t->advised = 1;
    ct__format_utc(a->best_start_s, "%Y-%m-%d %H:%M UTC", when, sizeof(when));
    ct_timestring(p->duration_s, 0, dur, sizeof(dur));
    say(t, CT__MSG_OUTPUT,
        ct__fmt(buf, sizeof(buf),
                "Starting at %s would emit %.0f %% less: the forecast's mean over the predicted "
                "%s is %.2f gCO2eq/kWh then, %.2f from now (%s).",
                when, a->saving_percent, dur, a->best_g_per_kwh, a->now_g_per_kwh,
                t->advice_source));
}

/* "0.1 g CO2eq", "2 kWh" or both: the limits set. */
static const char *budget_text(const struct ct__budget *b, char *buf, size_t len)
{
    char co2[48] = "", kwh[48] = "";
    if (!isnan(b->co2eq_g))
        ct__fmt(co2, sizeof(co2), "%g g CO2eq", b->co2eq_g);
    if (!isnan(b->kwh))
        ct__fmt(kwh, sizeof(kwh), "%g kWh", b->kwh);
    return ct__fmt(buf, len, "%s%s%s", co2, co2[0] && kwh[0] ? " and " : "", kwh);
}

/*
 * The budget after a completed epoch: spent (the running total reached it, seen by the sampler
 * or at this boundary) or, right after the prediction, predicted to be exceeded. Each is said
 * once, as a warning with the numbers. Returns 1 when budget_action is "stop" and the run must
 * end now. In a distributed job the decision is the job's (job_budget_check).
 */
static int job_budget_check(struct ct_tracker *t, int after_prediction);

static int budget_check(struct ct_tracker *t, int after_prediction)
{
    if (in_job(t) && budget_set(t))
        return job_budget_check(t, after_prediction);
    struct ct__live_figures f;
    char lim[112], when[64], buf[640];
    ct__account_live(&t->account, &f);
    struct ct__budget *b = &t->account.budget; /* the caller's thread's part */
    const char *then = b->stop ? "Stopping training (budget_action stop)."
                               : "Training goes on (budget_action warn).";
    int stop = 0;
    if (f.budget.spent && !b->told_spent) {
        b->told_spent = 1;
        if (f.budget.spent_ns > f.budget.start_ns) {
            char ts[32];
            ct_timestring((double)(f.budget.spent_ns - f.budget.start_ns) / 1e9, 1, ts, sizeof(ts));
            ct__fmt(when, sizeof(when), "after %s", ts);
        } else {
            ct__fmt(when, sizeof(when), "in epoch %d", t->epoch_counter);
        }
        warn(t, ct__fmt(buf, sizeof(buf),
                        "The budget of %s was reached %s (%.6g g CO2eq, %.6g kWh, PUE "
                        "included). %s",
                        budget_text(b, lim, sizeof(lim)), when, f.budget.spent_co2eq_g,
                        f.budget.spent_kwh, then));
        stop = b->stop;
    }
    if (after_prediction && !b->told_predicted && ct__account_budget_predicted(&t->account)) {
        const struct ct__prediction *p = &t->account.pred;
        b->told_predicted = 1;
        warn(t, ct__fmt(buf, sizeof(buf),
                        "The predicted consumption for %d epochs (%.6g g CO2eq, %.6g kWh, PUE "
                        "included) exceeds the budget of %s: at this rate the budget runs out "
                        "in epoch %d. %s",
                        p->epochs, p->co2eq_g, p->energy_kwh, budget_text(b, lim, sizeof(lim)),
                        b->runs_out_epoch, then));
        stop |= b->stop;
    }
    if (stop)
        b->stopped = 1;
    return stop;
}

/*
 * The budget of a distributed job: the job's energy so far (every rank's completed epochs, read
 * back from their logs after waiting for all of them to reach this epoch) and, right after the
 * prediction, the job's prediction. Every rank computes the same figures at the same epoch, so
 * all of them stop together (a rank of a DDP job that went on alone would wait forever for the
 * others); global rank 0 says it on the console, the others in their logs. The running total the
 * sampler sees is one rank's, so it decides nothing here.
 */
static int job_budget_check(struct ct_tracker *t, int after_prediction)
{
    struct ct__budget *b = &t->account.budget;
    int ranks = 0, k = t->account.n_epochs;
    double total_j = job_energy_j(t, k, &ranks);
    double kwh = total_j / 3.6e6 * t->opt.pue, own_kwh = 0, own_g = 0;
    for (int i = 0; i < k; i++) {
        own_kwh += t->account.epochs[i].energy_kwh;
        own_g += t->account.epochs[i].co2eq_g;
    }
    double ci = own_kwh > 0 ? own_g / own_kwh : t->grid.ci.g_per_kwh;
    double g = kwh * ci;
    char lim[112], buf[768];
    int kind = t->opt.job.rank == 0 ? CT__MSG_WARNING : CT__MSG_INFO;
    const char *then = b->stop ? "Stopping training in every rank (budget_action stop)."
                               : "Training goes on (budget_action warn).";
    int stop = 0;
    int over = (!isnan(b->co2eq_g) && g >= b->co2eq_g) || (!isnan(b->kwh) && kwh >= b->kwh);
    if (over && !b->told_spent) {
        b->told_spent = 1;
        ct__fmt(buf, sizeof(buf),
                "The job's budget of %s was reached in epoch %d (%.6g g CO2eq, %.6g kWh, PUE "
                "included, from %d of its %d ranks). %s",
                budget_text(b, lim, sizeof(lim)), k, g, kwh, ranks, t->opt.job.world_size, then);
        kind == CT__MSG_WARNING ? warn(t, buf) : say(t, kind, buf);
        stop = b->stop;
    }
    const struct ct__prediction *pr = &t->account.pred;
    double pk = t->job_pred.energy_kwh, pg = t->job_pred.co2eq_g;
    if (after_prediction && t->job_pred.ranks && !b->told_predicted &&
        ((!isnan(b->co2eq_g) && pg > b->co2eq_g) || (!isnan(b->kwh) && pk > b->kwh))) {
        b->told_predicted = 1;
        b->predicted_over = 1;
        /* The epoch in which the job's spending at this rate passes the first limit. */
        double per_epoch_kwh = pk / pr->epochs, per_epoch_g = pg / pr->epochs, runs_out = 1e9;
        if (!isnan(b->kwh) && per_epoch_kwh > 0)
            runs_out = fmin(runs_out, ceil(b->kwh / per_epoch_kwh));
        if (!isnan(b->co2eq_g) && per_epoch_g > 0)
            runs_out = fmin(runs_out, ceil(b->co2eq_g / per_epoch_g));
        b->runs_out_epoch = (int)fmax(1, fmin(runs_out, pr->epochs));
        ct__fmt(buf, sizeof(buf),
                "The job's predicted consumption for %d epochs (%.6g g CO2eq, %.6g kWh, PUE "
                "included, from %d of its %d ranks) exceeds the budget of %s: at this rate the "
                "budget runs out in epoch %d. %s",
                pr->epochs, pg, pk, t->job_pred.ranks, t->opt.job.world_size,
                budget_text(b, lim, sizeof(lim)), b->runs_out_epoch, then);
        kind == CT__MSG_WARNING ? warn(t, buf) : say(t, kind, buf);
        stop |= b->stop;
    }
    if (stop)
        b->stopped = 1;
    return stop;
}

static int epoch_end(ct_tracker *t, ct_epoch_result *out)
{
    if (!t || (out && ct__epoch_result_check(out, t->errmsg, sizeof(t->errmsg)) != CT_OK))
        return CT_EINVAL;
    if (t->finished) {
        if (out)
            ct__records_result(out, &t->ledger, 0, NULL, &t->last_epoch);
        return CT_OK;
    }
    if (!t->in_epoch) {
        ct__strlcpy(t->errmsg, "epoch_end called without epoch_start", sizeof(t->errmsg));
        return CT_ESTATE;
    }
    uint64_t now;
    uint64_t total_uj = ct__ledger_read(&t->ledger, 1, &now, NULL);
    t->in_epoch = 0;
    double duration_s = (double)(now - t->epoch_t0_ns) / 1e9;
    double dev_j[CT_MAX_DEVICES], cpu_j, gpu_j;
    /* Every per-device figure from the boundary snapshot, never the counters the sampler moves. */
    ct__ledger_epoch_energy(&t->ledger, 1, dev_j, &cpu_j, &gpu_j);
    const struct ct__epoch *e =
        ct__account_epoch_close(&t->account, total_uj, duration_s, cpu_j, gpu_j);
    if (!e)
        return CT_ENOMEM;

    ct__records_epoch(&t->sinks, &t->opt, &t->ledger, now, t->epoch_counter, e, dev_j);
    ct__ledger_epoch_figures(&t->ledger, dev_j, &t->last_epoch);
    sync_carbon(t);
    if (out)
        ct__records_result(out, &t->ledger, t->epoch_counter, e, &t->last_epoch);
    tell_read_failures(t);

    int predicted_now = t->epoch_counter == t->opt.ebp && t->opt.ebp > 0;
    if (predicted_now) {
        ct__records_prediction(&t->sinks, &t->opt, &t->account, &t->grid);
        predict_job(t);
        tell_band(t);
        advise_after_prediction(t);
    }
    if (budget_check(t, predicted_now)) {
        t->early_stop = t->epoch_counter < t->opt.monitor;
        finish(t);
        return CT_EBUDGET;
    }
    if (predicted_now) {
        if (!confirm(t)) {
            t->early_stop = 1;
            finish(t);
            return CT_ESTOPPED;
        }
    }
    if (t->epoch_counter == t->opt.monitor)
        finish(t);
    return CT_OK;
}

static int stop(ct_tracker *t)
{
    if (!t)
        return CT_EINVAL;
    if (t->finished)
        return CT_OK;
    char buf[512];
    if (t->in_epoch) {
        uint64_t now;
        double cpu_j, gpu_j;
        ct__ledger_read(&t->ledger, 1, &now, NULL);
        ct__ledger_epoch_energy(&t->ledger, 0, NULL, &cpu_j, &gpu_j);
        char ts[64];
        ct_timestring((double)(now - t->epoch_t0_ns) / 1e9, 1, ts, sizeof(ts));
        say(t, CT__MSG_INFO,
            ct__fmt(buf, sizeof(buf),
                    "Epoch %d was still running at stop (%s, %.3f J) and is not counted.",
                    t->epoch_counter, ts, cpu_j + gpu_j));
        t->in_epoch = 0;
    }
    t->early_stop = t->account.n_epochs < t->opt.monitor;
    say(t, CT__MSG_INFO,
        ct__fmt(buf, sizeof(buf), "Training was interrupted before all %d epochs were monitored.",
                t->opt.monitor));
    finish(t);
    return CT_OK;
}

/* ---- the public calls: each adds the CPU time it used on the caller's thread ----------- */

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ct__tracker_cpu(const struct ct_tracker *t, double *sampler_s, double *caller_s,
                     double *carbon_s)
{
    *sampler_s = ct__sampler_cpu_s(&t->sampler);
    *caller_s = (double)t->caller_cpu_ns / 1e9;
    *carbon_s = ct__carbon_cpu_s(&t->grid.carbon);
}

CT_API int ct_tracker_open(ct_tracker **out, const ct_options *opts, char *errbuf, size_t errlen)
{
    uint64_t cpu0 = thread_cpu_ns();
    int rc = tracker_open(out, opts, errbuf, errlen);
    if (rc == CT_OK)
        (*out)->caller_cpu_ns += thread_cpu_ns() - cpu0;
    return rc;
}

#define TIMED(t, call)                                                                             \
    do {                                                                                           \
        uint64_t cpu0_ = thread_cpu_ns();                                                          \
        int rc_ = (call);                                                                          \
        if (t)                                                                                     \
            (t)->caller_cpu_ns += thread_cpu_ns() - cpu0_;                                         \
        return rc_;                                                                                \
    } while (0)

CT_API int ct_epoch_start(ct_tracker *t)
{
    TIMED(t, epoch_start(t));
}

CT_API int ct_epoch_end(ct_tracker *t, ct_epoch_result *out)
{
    TIMED(t, epoch_end(t, out));
}

CT_API int ct_stop(ct_tracker *t)
{
    TIMED(t, stop(t));
}

CT_API int ct_set_api_key(ct_tracker *t, const char *provider, const char *key)
{
    if (!t || !provider)
        return CT_EINVAL;
    const char *name = ct__backends_find(provider, "api_key");
    if (!name) {
        ct__fmt(t->errmsg, sizeof(t->errmsg), "Invalid API name '%s' given.", provider);
        return CT_EINVAL;
    }
    if (!ct__setting_value_ok(key)) {
        ct__fmt(t->errmsg, sizeof(t->errmsg),
                "The API key for '%s' contains a control character (a line break pasted with "
                "it?); give it on one line.",
                name);
        return CT_EINVAL;
    }
    if (t->finished)
        return CT_OK; /* monitoring is over: nothing will be fetched again */
    if (t->grid.carbon.running)
        return ct__carbon_set_setting(&t->grid.carbon, name, "api_key", key);
    /* Offline until now: a key turns live fetching on (no thread runs, so the settings can be
     * changed in place). */
    int rc = ct__settings_set(&t->opt.settings, name, "api_key", key);
    if (rc != CT_OK || !key || !*key)
        return rc;
    t->opt.o.live = 1;
    rc = start_carbon(t, t->errmsg, sizeof(t->errmsg));
    if (rc == CT_OK) {
        char buf[160];
        say(t, CT__MSG_NOTE,
            ct__fmt(buf, sizeof(buf), "Live carbon intensity: turned on by a new %s API key.",
                    strcmp(name, "electricitymaps") == 0 ? "Electricity Maps" : name));
    }
    return rc;
}

CT_API int ct_track_pid(ct_tracker *t, int pid)
{
    if (!t || pid <= 0)
        return CT_EINVAL;
    pthread_mutex_lock(&t->ledger.lock); /* meters read opts.tracked_pid under this lock */
    t->opt.o.tracked_pid = pid;
    pthread_mutex_unlock(&t->ledger.lock);
    return CT_OK;
}

CT_API const char *ct_errmsg(const ct_tracker *t)
{
    return t ? t->errmsg : "";
}

CT_API void ct_tracker_free(ct_tracker *t)
{
    if (!t)
        return;
    if (!t->finished && t->sampler.running)
        ct_stop(t);
    ct__sampler_free(&t->sampler);
    ct__grid_free(&t->grid);
    ct__sinks_close(&t->sinks);
    ct__ledger_free(&t->ledger);
    ct__account_free(&t->account);
    if (t->sysfs_fd >= 0)
        close(t->sysfs_fd);
    if (t->proc_fd >= 0)
        close(t->proc_fd);
    ct__opts_free(&t->opt);
    free(t);
}
