/*
 * jsonl.c - writing the JSON-lines run log (see jsonl.h and doc/logformat.md): each record is
 * serialised with jansson, written with one fwrite and flushed under the file's mutex. Sample
 * and epoch records, the frequent ones, are formatted straight into text instead (no allocation,
 * no JSON tree): an epoch's as its own line, the samples into a batch buffer, written when the
 * batch is full or CT__JSONL_BATCH_NS old, before any other record (the file stays in time order)
 * and on close.
 */
#include "jsonl.h"

#include "../account.h"
#include "../internal.h"
#include "../job.h"
#include "logfile.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JSONL_VERSION 1

/* Samples wait in the batch at most this long (by their own time stamps) before they are written:
 * what a SIGKILL can lose (doc/logformat.md). */
#define CT__JSONL_BATCH_NS 5000000000ull
/* The batch's size: at 1 kHz with 3 devices it holds about 0.4 s of samples. */
#define CT__JSONL_BATCH_BYTES 65536
/* The longest sample line: its fixed part and each device's. */
#define SAMPLE_HEAD_MAX 96
#define SAMPLE_DEV_MAX 80

struct ct__jsonl {
    pthread_mutex_t lock;
    FILE *f;
    char path[4200];
    uint64_t t0_ns;
    int failed;
    int write_errno; /* why the first write failed (0: out of memory) */
    int n_devices;
    /* samples: the first reading (the zero) and the previous one (for power) */
    int have_prev;
    uint64_t prev_ns;
    uint64_t *base_uj, *prev_uj;
    /* last intensity written */
    int have_ci;
    double ci;
    char ci_source[128];
    /* sample lines not yet written (allocated with the meta record) */
    char *batch;
    size_t batch_len, batch_cap;
    uint64_t batch_since_ns; /* the oldest one's time */
};

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str(const char *s)
{
    return s ? json_string(s) : json_null();
}

static double t_s(const struct ct__jsonl *j, uint64_t now_ns)
{
    return now_ns >= j->t0_ns ? (double)(now_ns - j->t0_ns) / 1e9 : 0.0;
}

/* A record with "type", "t_s" and "wall" first. */
static json_t *record(const struct ct__jsonl *j, const char *type, uint64_t now_ns)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "t_s", num(t_s(j, now_ns)));
    json_object_set_new(o, "wall", num(ct__wall_s()));
    return o;
}

/* Write the batched samples and then text (n bytes, may be 0) and flush. Lock held. */
static void write_locked(struct ct__jsonl *j, const char *text, size_t n)
{
    size_t b = j->batch_len;
    j->batch_len = 0;
    if (j->failed || !j->f)
        return;
    errno = 0;
    if ((b && fwrite(j->batch, 1, b, j->f) != b) || (n && fwrite(text, 1, n, j->f) != n) ||
        fflush(j->f) != 0) {
        j->failed = 1;
        j->write_errno = errno ? errno : EIO;
    }
}

/* Serialise, write as one line after the batched samples, flush; takes the record's reference.
 * Lock held by the caller. */
static void emit_locked(struct ct__jsonl *j, json_t *o)
{
    size_t n = 0;
    char *text = ct__json_text(o, -1, 0, &n); /* json_dumps(o, JSON_COMPACT), without printf */
    json_decref(o);
    if (!text) {
        j->failed = 1;
        return;
    }
    text[n] = '\n'; /* replaces the NUL: one write for the whole line */
    write_locked(j, text, n + 1);
    free(text);
}

static size_t put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return n;
}

static void emit(struct ct__jsonl *j, json_t *o)
{
    pthread_mutex_lock(&j->lock);
    emit_locked(j, o);
    pthread_mutex_unlock(&j->lock);
}

static uint64_t now_or(uint64_t now_ns)
{
    return now_ns ? now_ns : ct__now_ns();
}

int ct__jsonl_open(struct ct__jsonl **out, const char *base_path, char *why, size_t len)
{
    *out = NULL;
    struct ct__jsonl *j = calloc(1, sizeof(*j));
    if (!j) {
        ct__fmt(why, len, "out of memory");
        return -ENOMEM;
    }
    int n = snprintf(j->path, sizeof(j->path), "%s_carbontracker.jsonl", base_path);
    if (n < 0 || (size_t)n >= sizeof(j->path)) {
        ct__fmt(why, len, "log path too long: %s", base_path);
        free(j);
        return -ENAMETOOLONG;
    }
    j->f = fopen(j->path, "we");
    if (!j->f) {
        int e = errno;
        ct__fmt(why, len, "cannot create log file %s: %s", j->path, strerror(e));
        free(j);
        return -e;
    }
    pthread_mutex_init(&j->lock, NULL);
    j->t0_ns = ct__now_ns();
    json_t *h = json_object();
    if (h) {
        json_object_set_new(h, "format", json_string("carbontracker-log"));
        json_object_set_new(h, "version", json_integer(JSONL_VERSION));
        json_object_set_new(h, "carbontracker_version", json_string(CT_VERSION_STRING));
        json_object_set_new(h, "started_at", num(ct__wall_s()));
        json_object_set_new(h, "pid", json_integer((json_int_t)getpid()));
    }
    emit(j, h);
    if (j->failed) {
        int e = errno ? errno : EIO;
        ct__fmt(why, len, "cannot write log file %s: %s", j->path, strerror(e));
        ct__jsonl_close(&j);
        return -e;
    }
    *out = j;
    return 0;
}

static void jsonl_meta(void *s, const struct ct__sink_meta *m)
{
    struct ct__jsonl *j = s;
    if (!j || !m)
        return;
    json_t *o = record(j, "meta", ct__now_ns());
    if (!o) {
        emit(j, NULL);
        return;
    }
    json_object_set_new(o, "pue", num(m->pue));
    json_object_set_new(o, "zone", m->zone && *m->zone ? json_string(m->zone) : json_null());
    json_object_set_new(o, "location", str(m->location));
    json_object_set_new(o, "intensity_g_per_kwh", num(m->intensity_g_per_kwh));
    json_object_set_new(o, "intensity_source", str(m->intensity_source));
    json_t *opts = json_object();
    json_object_set_new(opts, "epochs", json_integer(m->epochs));
    json_object_set_new(opts, "epochs_before_pred", json_integer(m->epochs_before_pred));
    json_object_set_new(opts, "monitor_epochs", json_integer(m->monitor_epochs));
    json_object_set_new(opts, "update_interval_s", num(m->update_interval_s));
    json_object_set_new(opts, "components", str(m->components));
    json_object_set_new(opts, "interpretable", json_boolean(m->interpretable));
    json_object_set_new(opts, "decimal_precision", json_integer(m->decimal_precision));
    json_object_set_new(opts, "live", json_boolean(m->live));
    json_object_set_new(o, "options", opts);
    json_t *devs = json_array();
    for (int i = 0; i < m->n_devices; i++) {
        const struct ct__sink_device *d = &m->devices[i];
        json_t *dobj = json_object();
        json_object_set_new(dobj, "i", json_integer(i));
        json_object_set_new(dobj, "component", str(d->component));
        json_object_set_new(dobj, "name", str(d->name));
        json_object_set_new(dobj, "meter", str(d->meter));
        json_object_set_new(dobj, "provenance", json_string(ct_provenance_name(d->provenance)));
        if (d->uuid && *d->uuid)
            json_object_set_new(dobj, "uuid", json_string(d->uuid));
        if (d->index >= 0)
            json_object_set_new(dobj, "index", json_integer(d->index));
        json_array_append_new(devs, dobj);
    }
    json_object_set_new(o, "devices", devs);
    if (m->job && (m->job->active || m->job->warning[0]))
        json_object_set_new(o, "job", ct__job_json(m->job));
    pthread_mutex_lock(&j->lock);
    if (!j->base_uj && m->n_devices > 0) {
        j->base_uj = calloc((size_t)m->n_devices, sizeof(uint64_t));
        j->prev_uj = calloc((size_t)m->n_devices, sizeof(uint64_t));
        if (!j->base_uj || !j->prev_uj) {
            free(j->base_uj);
            free(j->prev_uj);
            j->base_uj = j->prev_uj = NULL;
        } else {
            j->n_devices = m->n_devices;
        }
    }
    if (!j->batch && j->n_devices > 0) {
        size_t cap = SAMPLE_HEAD_MAX + (size_t)j->n_devices * SAMPLE_DEV_MAX;
        j->batch_cap = cap * 4 > CT__JSONL_BATCH_BYTES ? cap * 4 : CT__JSONL_BATCH_BYTES;
        j->batch = malloc(j->batch_cap);
        if (!j->batch)
            j->n_devices = 0; /* no samples rather than a failure at every tick */
    }
    emit_locked(j, o);
    pthread_mutex_unlock(&j->lock);
}

static void jsonl_sample(void *s, uint64_t now_ns, const uint64_t *energy_uj, int n)
{
    struct ct__jsonl *j = s;
    if (!j || !energy_uj)
        return;
    pthread_mutex_lock(&j->lock);
    now_ns = now_or(now_ns);
    /* No meta record yet (nothing describes the devices), or older than the last sample (two
     * threads read, the later one wrote first): dropped, so the log stays in time order. */
    if (j->n_devices == 0 || (j->have_prev && now_ns < j->prev_ns)) {
        pthread_mutex_unlock(&j->lock);
        return;
    }
    if (n > j->n_devices)
        n = j->n_devices; /* devices beyond the meta record's are not described */
    /* The line as jansson would write {"type","t_s","wall","devices":[{"i","energy_uj",
     * "power_w"}]}, straight into the batch (which always has room for the longest line). */
    char *p0 = j->batch + j->batch_len, *p = p0;
    p += put_str(p, "{\"type\":\"sample\",\"t_s\":");
    p += ct__json_real(p, t_s(j, now_ns));
    p += put_str(p, ",\"wall\":");
    p += ct__json_real(p, ct__wall_s());
    p += put_str(p, ",\"devices\":[");
    double dt = j->have_prev && now_ns > j->prev_ns ? (double)(now_ns - j->prev_ns) / 1e9 : 0;
    for (int i = 0; i < n; i++) {
        if (!j->have_prev)
            j->base_uj[i] = energy_uj[i];
        uint64_t rel = energy_uj[i] >= j->base_uj[i] ? energy_uj[i] - j->base_uj[i] : 0;
        double w = NAN;
        if (dt > 0)
            w = energy_uj[i] >= j->prev_uj[i] ? (double)(energy_uj[i] - j->prev_uj[i]) / 1e6 / dt
                                              : 0.0;
        if (i)
            *p++ = ',';
        p += put_str(p, "{\"i\":");
        p += ct__json_u64(p, (uint64_t)i);
        p += put_str(p, ",\"energy_uj\":");
        p += ct__json_u64(p, rel > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : rel);
        p += put_str(p, ",\"power_w\":");
        p += ct__json_real(p, w);
        *p++ = '}';
        j->prev_uj[i] = energy_uj[i];
    }
    p += put_str(p, "]}\n");
    if (j->batch_len == 0)
        j->batch_since_ns = now_ns;
    j->batch_len += (size_t)(p - p0);
    j->have_prev = 1;
    j->prev_ns = now_ns;
    if (j->batch_cap - j->batch_len < SAMPLE_HEAD_MAX + (size_t)j->n_devices * SAMPLE_DEV_MAX ||
        now_ns - j->batch_since_ns >= CT__JSONL_BATCH_NS)
        write_locked(j, NULL, 0);
    pthread_mutex_unlock(&j->lock);
}

/* Whole-machine power beside the components: {"type":"node", "energy_j" (all node meters since
 * open), "components_energy_j" (every component device since open, the same read), "devices"}. */
static void jsonl_node(void *s, uint64_t now_ns, const struct ct__sink_node *n)
{
    struct ct__jsonl *j = s;
    if (!j || !n || n->n <= 0)
        return;
    pthread_mutex_lock(&j->lock);
    if (j->n_devices == 0) { /* no meta record yet: the log starts with the devices */
        pthread_mutex_unlock(&j->lock);
        return;
    }
    json_t *o = record(j, "node", now_or(now_ns));
    if (o) {
        json_object_set_new(o, "energy_j", num(n->node_j));
        json_object_set_new(o, "components_energy_j", num(n->components_j));
        json_t *devs = json_array();
        for (int i = 0; i < n->n; i++) {
            json_t *d = json_object();
            json_object_set_new(d, "name", json_string(n->devs[i].name));
            json_object_set_new(d, "meter", json_string(n->devs[i].meter));
            json_object_set_new(d, "provenance",
                                json_string(ct_provenance_name(n->devs[i].provenance)));
            json_object_set_new(d, "energy_j", num(n->devs[i].energy_j));
            json_object_set_new(d, "lost", json_boolean(n->devs[i].lost));
            json_array_append_new(devs, d);
        }
        json_object_set_new(o, "devices", devs);
    }
    emit_locked(j, o);
    pthread_mutex_unlock(&j->lock);
}

/* The longest epoch line: its fixed part (about 200 bytes of keys, an int and 11 reals) and each
 * device's (its keys, an int index and a real). */
#define EPOCH_HEAD_MAX (256 + 11 * CT__JSON_REAL_MAX)
#define EPOCH_DEV_MAX (32 + CT__JSON_REAL_MAX)

/* ",\"key\":" and a real as jansson writes it, at p; returns the bytes written. */
static size_t put_field(char *p, const char *key, double v)
{
    size_t n = put_str(p, key);
    return n + ct__json_real(p + n, v);
}

/* The epoch record as jansson would write it, formatted straight into one line (as the samples):
 * one epoch end costs no allocation for up to CT_MAX_DEVICES devices. */
static void jsonl_epoch(void *s, uint64_t now_ns, const struct ct__sink_epoch *e)
{
    struct ct__jsonl *j = s;
    if (!j || !e)
        return;
    int n = e->device_energy_j && e->n_devices > 0 ? e->n_devices : 0;
    size_t cap = EPOCH_HEAD_MAX + (size_t)n * EPOCH_DEV_MAX;
    char stack[EPOCH_HEAD_MAX + CT_MAX_DEVICES * EPOCH_DEV_MAX];
    char *line = cap <= sizeof(stack) ? stack : malloc(cap), *p = line;
    if (!line) {
        emit(j, NULL);
        return;
    }
    double d = e->duration_s;
    p += put_field(p, "{\"type\":\"epoch\",\"t_s\":", t_s(j, now_or(now_ns)));
    p += put_field(p, ",\"wall\":", ct__wall_s());
    p += sprintf(p, ",\"epoch\":%d", e->epoch);
    p += put_field(p, ",\"duration_s\":", d);
    p += put_field(p, ",\"energy_j\":", e->cpu_energy_j + e->gpu_energy_j);
    p += put_field(p, ",\"cpu_energy_j\":", e->cpu_energy_j);
    p += put_field(p, ",\"gpu_energy_j\":", e->gpu_energy_j);
    p += put_field(p, ",\"cpu_power_w\":", d > 0 ? e->cpu_energy_j / d : 0.0);
    p += put_field(p, ",\"gpu_power_w\":", d > 0 ? e->gpu_energy_j / d : 0.0);
    p += put_field(p, ",\"energy_kwh\":", e->energy_kwh);
    p += put_field(p, ",\"intensity_g_per_kwh\":", e->intensity_g_per_kwh);
    p += put_field(p, ",\"co2eq_g\":", e->co2eq_g);
    if (e->device_energy_j) {
        p += put_str(p, ",\"devices\":[");
        for (int i = 0; i < n; i++) {
            p += put_str(p, i ? ",{\"i\":" : "{\"i\":");
            p += ct__json_u64(p, (uint64_t)i);
            p += put_field(p, ",\"energy_j\":", e->device_energy_j[i]);
            *p++ = '}';
        }
        *p++ = ']';
    }
    p += put_str(p, "}\n");
    pthread_mutex_lock(&j->lock);
    write_locked(j, line, (size_t)(p - line));
    pthread_mutex_unlock(&j->lock);
    if (line != stack)
        free(line);
}

static void jsonl_intensity(void *s, uint64_t now_ns, double g_per_kwh, const char *source,
                            int live)
{
    struct ct__jsonl *j = s;
    if (!j)
        return;
    now_ns = now_or(now_ns);
    pthread_mutex_lock(&j->lock);
    const char *src = source ? source : "";
    if (j->have_ci && j->ci == g_per_kwh && strncmp(j->ci_source, src, sizeof(j->ci_source)) == 0) {
        pthread_mutex_unlock(&j->lock);
        return;
    }
    j->have_ci = 1;
    j->ci = g_per_kwh;
    ct__strlcpy(j->ci_source, src, sizeof(j->ci_source));
    json_t *o = record(j, "intensity", now_ns);
    if (o) {
        json_object_set_new(o, "g_per_kwh", num(g_per_kwh));
        json_object_set_new(o, "source", str(source));
        json_object_set_new(o, "live", json_boolean(live));
    }
    emit_locked(j, o);
    pthread_mutex_unlock(&j->lock);
}

/* A limit, or null. */
static json_t *limit(double v)
{
    return isnan(v) ? json_null() : num(v);
}

json_t *ct__budget_json(const struct ct__budget *b)
{
    if (!b || (isnan(b->co2eq_g) && isnan(b->kwh)))
        return json_null();
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "co2eq_g", limit(b->co2eq_g));
    json_object_set_new(o, "kwh", limit(b->kwh));
    json_object_set_new(o, "action", json_string(b->stop ? "stop" : "warn"));
    json_object_set_new(o, "state",
                        json_string(b->spent            ? "spent"
                                    : b->predicted_over ? "predicted"
                                                        : "within"));
    if (b->spent) {
        json_t *sp = json_object();
        json_object_set_new(sp, "co2eq_g", num(b->spent_co2eq_g));
        json_object_set_new(sp, "kwh", num(b->spent_kwh));
        json_object_set_new(sp, "elapsed_s",
                            b->spent_ns > b->start_ns
                                ? num((double)(b->spent_ns - b->start_ns) / 1e9)
                                : json_null());
        json_object_set_new(o, "spent", sp);
    } else {
        json_object_set_new(o, "spent", json_null());
    }
    json_object_set_new(o, "runs_out_epoch",
                        b->predicted_over ? json_integer(b->runs_out_epoch) : json_null());
    json_object_set_new(o, "stopped", json_boolean(b->stopped));
    return o;
}

json_t *ct__band_json(const struct ct__prediction *p)
{
    if (!p || !p->band)
        return json_null();
    json_t *o = json_object(), *lo = json_object(), *hi = json_object();
    json_object_set_new(o, "probability", num(CT__BAND_P));
    json_object_set_new(o, "percentiles", json_pack("[i, i]", 10, 90));
    json_object_set_new(o, "epochs_measured", json_integer(p->done_epochs));
    json_object_set_new(o, "from_spread", json_boolean(p->band_spread));
    json_object_set_new(o, "from_forecast", json_boolean(p->band_forecast));
    json_object_set_new(lo, "duration_s", num(p->lo_duration_s));
    json_object_set_new(lo, "energy_kwh", num(p->lo_kwh));
    json_object_set_new(lo, "co2eq_g", num(p->lo_co2eq_g));
    json_object_set_new(hi, "duration_s", num(p->hi_duration_s));
    json_object_set_new(hi, "energy_kwh", num(p->hi_kwh));
    json_object_set_new(hi, "co2eq_g", num(p->hi_co2eq_g));
    json_object_set_new(o, "low", lo);
    json_object_set_new(o, "high", hi);
    return o;
}

static json_t *consumption(const struct ct__jsonl *j, const char *type, uint64_t now_ns,
                           const struct ct__sink_consumption *c)
{
    json_t *o = record(j, type, now_or(now_ns));
    if (!o)
        return NULL;
    json_object_set_new(o, "description", str(c->description));
    json_object_set_new(o, "epochs", json_integer(c->epochs));
    json_object_set_new(o, "duration_s", num(c->duration_s));
    if (!isnan(c->energy_j))
        json_object_set_new(o, "energy_j", num(c->energy_j));
    json_object_set_new(o, "energy_kwh", num(c->energy_kwh));
    json_object_set_new(o, "co2eq_g", num(c->co2eq_g));
    json_object_set_new(o, "intensity_g_per_kwh", num(c->intensity_g_per_kwh));
    if (isfinite(c->km_by_car)) {
        json_t *eq = json_object();
        json_object_set_new(eq, CT__CAR_UNIT, num(c->km_by_car));
        json_object_set_new(o, "equivalents", eq);
    } else {
        json_object_set_new(o, "equivalents", json_null());
    }
    return o;
}

static void jsonl_prediction(void *s, uint64_t now_ns, const struct ct__sink_consumption *c)
{
    struct ct__jsonl *j = s;
    if (!j || !c)
        return;
    json_t *o = consumption(j, "prediction", now_ns, c);
    if (o) {
        json_object_set_new(o, "basis", str(c->basis));
        json_object_set_new(o, "band", ct__band_json(c->pred));
    }
    emit(j, o);
}

static void jsonl_summary(void *s, uint64_t now_ns, const struct ct__sink_consumption *c)
{
    struct ct__jsonl *j = s;
    if (!j || !c)
        return;
    json_t *o = consumption(j, "summary", now_ns, c);
    if (o) {
        json_object_set_new(o, "early_stop", json_boolean(c->early_stop));
        json_object_set_new(o, "budget", ct__budget_json(c->budget));
        json_object_set_new(o, "location", str(c->location));
        json_t *devs = json_array();
        for (int i = 0; c->device_energy_j && i < c->n_devices; i++) {
            json_t *dobj = json_object();
            json_object_set_new(dobj, "i", json_integer(i));
            json_object_set_new(dobj, "energy_j", num(c->device_energy_j[i]));
            json_object_set_new(dobj, "lost", json_boolean(c->device_lost ? c->device_lost[i] : 0));
            json_array_append_new(devs, dobj);
        }
        json_object_set_new(o, "devices", devs);
    }
    emit(j, o);
}

int ct__jsonl_failed(const struct ct__jsonl *j)
{
    return j ? j->failed : 0;
}

const char *ct__jsonl_path(const struct ct__jsonl *j)
{
    return j ? j->path : "";
}

void ct__jsonl_close(struct ct__jsonl **jp)
{
    if (!jp || !*jp)
        return;
    struct ct__jsonl *j = *jp;
    *jp = NULL;
    pthread_mutex_lock(&j->lock);
    if (j->batch_len)
        write_locked(j, NULL, 0);
    pthread_mutex_unlock(&j->lock);
    ct__log_file_close(j->f, j->path); /* an empty one holds not even its header */
    pthread_mutex_destroy(&j->lock);
    free(j->base_uj);
    free(j->prev_uj);
    free(j->batch);
    free(j);
}

/* ---- as a sink ---------------------------------------------------------------------------- */

static int jsonl_failed(void *s, char *why, size_t len)
{
    const struct ct__jsonl *j = s;
    if (!j || !j->failed)
        return 0;
    ct__fmt(why, len, "%s: %s", j->path,
            j->write_errno ? strerror(j->write_errno) : "out of memory; later records dropped");
    return 1;
}

static void sink_close(void *s)
{
    struct ct__jsonl *j = s;
    ct__jsonl_close(&j);
}

const struct ct__sink_ops ct__sink_jsonl = {
    .name = "jsonl",
    .meta = jsonl_meta,
    .sample = jsonl_sample,
    .node = jsonl_node,
    .epoch = jsonl_epoch,
    .intensity = jsonl_intensity,
    .prediction = jsonl_prediction,
    .summary = jsonl_summary,
    .failed = jsonl_failed,
    .close = sink_close,
};
