/*
 * logparse.c - upstream's text logs (and ours, which use the same lines), pure over bytes: the
 * run assembled from the lines that loglex.c reads. The standard log gives devices, epochs
 * (duration, average power per component), PUE, version and early stop; the output log gives the
 * predicted and actual consumption blocks. Upstream's regex semantics are re-implemented by hand
 * and its defects fixed (doc/compat.md, "Log parser"). Lines that carry data but cannot be read
 * are reported. Calls only loglex.c and record.c.
 */
#include "logparse.h"

#include "../account.h"
#include "loglex.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- parser state ----------------------------------------------------------------------- */

enum { SEEN_CPU = 1, SEEN_GPU = 2, SEEN_DURATION = 4 };

struct block {
    int open;
    int pred; /* 0 actual, 1 predicted */
    int line;
    int epochs; /* -1: "Actual consumption:" without a count */
    int have_time, have_energy, have_co2, in_equiv;
    struct ct__consumption c;
    size_t cap_equiv;
    char why[160]; /* set when a line of the block could not be read */
};

struct tp {
    struct ct__prun *run;
    const char *label;
    int rc; /* CT_ENOMEM once memory ran out */
    int cur_seen;
    int have_epoch;
    int saw_components, saw_version, saw_pue, saw_started, saw_ended, saw_finished;
    int have_stamp0;
    double stamp0;
    struct meter_note *meters;
    size_t n_meters, cap_meters;
    struct block b;
};

static void skip(struct tp *t, int line, const char *reason)
{
    if (t->rc == CT_OK)
        t->rc = ct__parse_skip(t->run, t->label, line, reason);
}

/* "reason 'text'" with the text cut to 60 bytes. */
static void skip_text(struct tp *t, int line, const char *reason, struct sv text)
{
    char buf[200];
    int n = text.n > 60 ? 60 : (int)text.n;
    char *q = ct__parse_strdup(text.p, (size_t)n);
    if (!q) {
        t->rc = CT_ENOMEM;
        return;
    }
    snprintf(buf, sizeof(buf), "%s '%s%s'", reason, q, text.n > 60 ? "..." : "");
    free(q);
    skip(t, line, buf);
}

static void skip_truncated(struct tp *t, const struct line *l)
{
    t->run->truncated = 1;
    skip_text(t, l->no, "truncated last line (no newline at the end of the file):", l->s);
}

static void oom(struct tp *t)
{
    t->rc = CT_ENOMEM;
}

/* ---- standard log ----------------------------------------------------------------------- */

static struct ct__pepoch *new_epoch(struct tp *t, int number, int line)
{
    struct ct__prun *r = t->run;
    if (ct__parse_grow(&r->epochs, &r->cap_epochs, r->n_epochs + 1, sizeof(*r->epochs)) != CT_OK) {
        oom(t);
        return NULL;
    }
    if (number <= 0)
        number = r->n_epochs ? r->epochs[r->n_epochs - 1].epoch + 1 : 1;
    struct ct__pepoch *e = &r->epochs[r->n_epochs++];
    *e = (struct ct__pepoch){.epoch = number,
                             .duration_s = NAN,
                             .cpu_power_w = NAN,
                             .gpu_power_w = NAN,
                             .other_power_w = NAN,
                             .energy_j = NAN,
                             .energy_kwh = NAN,
                             .co2eq_g = NAN,
                             .line = line};
    t->have_epoch = 1;
    t->cur_seen = 0;
    return e;
}

/* The epoch a Duration or power line belongs to: the open one, or a new implicit one when the
 * open one already has that field (logs without "Epoch N:" lines). */
static struct ct__pepoch *epoch_for(struct tp *t, int bit, int line)
{
    if (!t->have_epoch || (t->cur_seen & bit))
        return new_epoch(t, 0, line);
    return &t->run->epochs[t->run->n_epochs - 1];
}

/* "Epoch N:" */
static int std_epoch(struct tp *t, struct sv msg, const struct line *l)
{
    struct sv m = sv_trim(msg);
    if (m.n < 8 || memcmp(m.p, "Epoch ", 6) != 0 || m.p[m.n - 1] != ':')
        return 0;
    long n = 0;
    for (size_t i = 6; i + 1 < m.n; i++) {
        if (!lex_is_digit(m.p[i]))
            return 0;
        if (n < INT_MAX / 10)
            n = n * 10 + (m.p[i] - '0');
    }
    if (!new_epoch(t, n > 0 ? (int)n : 0, l->no))
        return -1;
    return 1;
}

static int std_duration(struct tp *t, const char *at, struct sv msg, const struct line *l)
{
    struct sv v = sv_from(msg, at + strlen("Duration: "));
    double secs;
    int strict;
    size_t used = ct__lex_hms(v, &secs, &strict);
    if (!used) {
        skip_text(t, l->no, "unreadable epoch duration", sv_trim(v));
        return -1;
    }
    if (l->unterminated && (!strict || sv_trim(sv_from(v, v.p + used)).n != 0))
        return 0; /* maybe cut short: the caller reports the truncated line */
    struct ct__prun *r = t->run;
    if (ct__parse_grow(&r->durations, &r->cap_durations, r->n_durations + 1,
                       sizeof(*r->durations)) != CT_OK) {
        oom(t);
        return -1;
    }
    r->durations[r->n_durations++] = secs;
    r->has_durations = 1;
    struct ct__pepoch *e = epoch_for(t, SEEN_DURATION, l->no);
    if (!e)
        return -1;
    e->duration_s = secs;
    t->cur_seen |= SEEN_DURATION;
    return 1;
}

static int std_power(struct tp *t, const char *at, struct sv msg, const struct line *l,
                     struct lines *it)
{
    struct sv rest = sv_from(msg, at + strlen("Average power usage (W) for "));
    /* upstream: for (.+): (value) - the component runs to the last ": ". */
    const char *colon = NULL;
    for (const char *q = rest.p; (q = ct__lex_find(sv_from(rest, q), ": ")) != NULL; q++)
        colon = q;
    if (!colon || colon == rest.p) {
        skip_text(t, l->no, "power line without a component or value:", sv_trim(rest));
        return -1;
    }
    struct sv comp = sv_trim((struct sv){rest.p, (size_t)(colon - rest.p)});
    struct sv value = sv_trim(sv_from(rest, colon + 2));
    char *joined = NULL;
    if (value.n && value.p[0] == '[' && !memchr(value.p, ']', value.n) && !l->unterminated) {
        int ok;
        joined = ct__lex_join_continued(value, it, &ok);
        if (!joined) {
            oom(t);
            return -1;
        }
        if (!ok) {
            skip_text(t, l->no, "power list without its closing ']':", value);
            free(joined);
            return -1;
        }
        value = (struct sv){joined, strlen(joined)};
    }
    double *v = NULL;
    int none;
    int n = ct__lex_power_values(value, &v, &none);
    if (n == -2) {
        free(joined);
        oom(t);
        return -1;
    }
    if (n < 0) {
        if (l->unterminated) {
            free(joined);
            return 0;
        }
        skip_text(t, l->no, "unreadable power value", value);
        free(joined);
        return -1;
    }
    free(joined);
    int oomf = 0;
    struct ct__pcomp *c = ct__parse_comp(t->run, comp.p, comp.n, 1, &oomf);
    if (!c && !oomf) {
        free(v);
        skip_text(t, l->no, "too many components; power line ignored:", comp);
        return -1;
    }
    if (!c ||
        ct__parse_grow(&c->power, &c->cap_power, c->n_power + 1, sizeof(*c->power)) != CT_OK) {
        free(v);
        oom(t);
        return -1;
    }
    /* Upstream's components arrays: None is [0.0]. */
    if (none) {
        v = malloc(sizeof(double));
        if (!v) {
            oom(t);
            return -1;
        }
        v[0] = 0.0;
    }
    c->power[c->n_power++] = (struct ct__prow){.n = none ? 1 : (size_t)n, .v = v};
    c->has_power = 1;
    /* The epoch record: the sum over the component's devices; None stays null. */
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    int bit = strcmp(c->name, "cpu") == 0 ? SEEN_CPU : strcmp(c->name, "gpu") == 0 ? SEEN_GPU : 0;
    struct ct__pepoch *e = epoch_for(t, bit, l->no);
    if (!e)
        return -1;
    t->cur_seen |= bit;
    if (none)
        return 1;
    if (bit == SEEN_CPU)
        e->cpu_power_w = sum;
    else if (bit == SEEN_GPU)
        e->gpu_power_w = sum;
    else
        e->other_power_w = isnan(e->other_power_w) ? sum : e->other_power_w + sum;
    return 1;
}

static int add_device(struct tp *t, struct ct__pcomp *c, struct sv name)
{
    if (c->n_devices >= CT__PARSE_MAX_DEVICES)
        return 0;
    if (ct__parse_grow(&c->devices, &c->cap_devices, c->n_devices + 1, sizeof(char *)) != CT_OK) {
        oom(t);
        return -1;
    }
    char **d = c->devices;
    if (!(d[c->n_devices] = ct__lex_dup(name))) {
        oom(t);
        return -1;
    }
    c->n_devices++;
    return 0;
}

/* "The following components were found: GPU with device(s) A, B. CPU with device(s) cpu:0."
 * Each part runs to the next component's name, so device names may contain dots. */
static int components_line(struct tp *t, struct sv rest, const struct line *l)
{
    static const char key[] = " with device(s) ";
    const size_t klen = sizeof(key) - 1;
    struct sv r = sv_trim(rest);
    if (l->unterminated && !ct__lex_ends_with(r, "."))
        return 0;
    const char *at = ct__lex_find(r, key);
    if (!at)
        return 1; /* "found:" with nothing: no components */
    while (at) {
        const char *ns = at;
        while (ns > r.p && !lex_is_space(ns[-1]))
            ns--;
        struct sv comp = {ns, (size_t)(at - ns)};
        const char *dstart = at + klen;
        const char *next = ct__lex_find(sv_from(r, dstart), key);
        const char *dend = r.p + r.n;
        if (next) {
            dend = next;
            while (dend > dstart && !lex_is_space(dend[-1]))
                dend--;
        }
        struct sv devs = sv_trim((struct sv){dstart, (size_t)(dend - dstart)});
        if (devs.n && devs.p[devs.n - 1] == '.')
            devs.n--;
        int oomf = 0;
        struct ct__pcomp *c = comp.n ? ct__parse_comp(t->run, comp.p, comp.n, 1, &oomf) : NULL;
        if (oomf) {
            oom(t);
            return -1;
        }
        for (size_t i = 0; c && i <= devs.n;) {
            size_t j = i;
            while (j < devs.n && devs.p[j] != ',')
                j++;
            struct sv d = sv_trim((struct sv){devs.p + i, j - i});
            if (d.n && add_device(t, c, d) != 0)
                return -1;
            i = j + 1;
        }
        at = next;
    }
    return 1;
}

/* "Average carbon intensity during training was X gCO2/kWh at detected location: ADDR." */
static int avg_intensity(struct tp *t, const char *at, struct sv msg, const struct line *l)
{
    struct sv v = sv_from(msg, at + strlen("Average carbon intensity during training was "));
    double x;
    size_t used = ct__lex_num(v, &x);
    if (!used) {
        skip_text(t, l->no, "unreadable average carbon intensity", sv_trim(v));
        return -1;
    }
    if (l->unterminated && !ct__lex_ends_with(sv_trim(v), "."))
        return 0;
    if (!isnan(t->run->intensity_g_per_kwh) || t->run->location)
        return 1; /* the standard log's comes first */
    t->run->intensity_g_per_kwh = x;
    const char *loc = ct__lex_find(v, "at detected location: ");
    if (loc) {
        struct sv a = sv_trim(sv_from(v, loc + strlen("at detected location: ")));
        if (a.n && a.p[a.n - 1] == '.')
            a.n--;
        if (!(t->run->location = ct__lex_dup(a)))
            oom(t);
    }
    return 1;
}

/* Upstream's (and our live provider's) "Carbon intensity: X gCO2/kWh at ADDR" per fetch. */
static int intensity_fetch(struct tp *t, struct sv msg, struct sv line, size_t stamp,
                           const struct line *l)
{
    struct sv v = sv_from(msg, msg.p + strlen("Carbon intensity: "));
    double x;
    if (!ct__lex_num(v, &x) || !ct__lex_find(v, " gCO2/kWh")) {
        skip_text(t, l->no, "unreadable carbon intensity", sv_trim(v));
        return -1;
    }
    if (!stamp)
        return 1; /* no time: nothing to plot it at */
    struct ct__prun *r = t->run;
    if (ct__parse_grow(&r->isamples, &r->cap_isamples, r->n_isamples + 1, sizeof(*r->isamples)) !=
        CT_OK) {
        oom(t);
        return -1;
    }
    double ts = ct__lex_stamp_seconds(line);
    r->isamples[r->n_isamples++] =
        (struct ct__pisample){.t_s = t->have_stamp0 ? ts - t->stamp0 : 0, .g_per_kwh = x};
    return 1;
}

/* One standard-log line: 1 used, 0 not recognised (or possibly cut short), -1 reported. */
static int std_line(struct tp *t, const struct line *l, struct lines *it)
{
    size_t stamp = ct__lex_stamp_len(l->s);
    struct sv msg = {l->s.p + stamp, l->s.n - stamp};
    const char *at;
    struct ct__prun *r = t->run;

    if (stamp && !t->have_stamp0) {
        t->stamp0 = ct__lex_stamp_seconds(l->s);
        t->have_stamp0 = 1;
    }
    if (ct__lex_find_ci(msg, "training was interrupted"))
        r->early_stop = 1;
    if ((at = ct__lex_find(msg, "Average power usage (W) for ")) != NULL)
        return std_power(t, at, msg, l, it);
    if ((at = ct__lex_find(msg, "Duration: ")) != NULL)
        return std_duration(t, at, msg, l);
    int rc = std_epoch(t, msg, l);
    if (rc != 0)
        return rc;
    if ((at = ct__lex_find(msg, "The following components were found:")) != NULL) {
        if (t->saw_components)
            return 1;
        rc = components_line(t, sv_from(msg, at + strlen("The following components were found:")),
                             l);
        if (rc == 1)
            t->saw_components = 1;
        return rc;
    }
    if (ct__lex_starts_ci(msg, "Energy meters: ")) {
        if (ct__lex_meters(sv_from(msg, msg.p + strlen("Energy meters: ")), &t->meters,
                           &t->n_meters, &t->cap_meters) != CT_OK) {
            oom(t);
            return -1;
        }
        return 1;
    }
    if ((at = ct__lex_find(msg, "carbontracker version ")) != NULL) {
        struct sv v = sv_from(msg, at + strlen("carbontracker version "));
        size_t k = 0;
        while (k < v.n && (lex_is_digit(v.p[k]) || v.p[k] == '.'))
            k++;
        if (k && !t->saw_version) {
            t->saw_version = 1;
            if (!(r->version = ct__lex_dup((struct sv){v.p, k})))
                oom(t);
        }
        return k || !l->unterminated ? 1 : 0;
    }
    if ((at = ct__lex_find(msg, "PUE coefficient of ")) != NULL) {
        struct sv v = sv_from(msg, at + strlen("PUE coefficient of "));
        double x;
        size_t used = ct__lex_num(v, &x);
        if (used && used < v.n && !t->saw_pue) {
            /* upstream's [\d\.]+ stops at the sentence's end: "1.58 (...)." or "1.58." */
            t->saw_pue = 1;
            r->pue = x;
        }
        return used && used < v.n ? 1 : 0;
    }
    if ((at = ct__lex_find(msg, "Average carbon intensity during training was ")) != NULL)
        return avg_intensity(t, at, msg, l);
    if (ct__lex_starts_ci(msg, "Carbon intensity: "))
        return intensity_fetch(t, msg, l->s, stamp, l);
    if (ct__lex_find(msg, "Monitoring thread started.")) {
        t->saw_started = 1;
        return 1;
    }
    if (ct__lex_find(msg, "Monitoring thread ended.")) {
        t->saw_ended = 1;
        return 1;
    }
    if (ct__lex_find_ci(msg, "training was interrupted"))
        return 1;
    if (!stamp && sv_trim(msg).n && !l->unterminated) {
        skip_text(t, l->no, "not a log line (no time stamp):", sv_trim(msg));
        return -1;
    }
    return stamp || sv_trim(msg).n == 0 ? 1 : 0;
}

/* ---- output log: consumption blocks ----------------------------------------------------- */

static void block_free(struct block *b)
{
    for (size_t i = 0; i < b->c.n_equiv; i++)
        free(b->c.equiv[i].unit);
    free(b->c.equiv);
    memset(b, 0, sizeof(*b));
}

static void block_close(struct tp *t)
{
    struct block *b = &t->b;
    if (!b->open)
        return;
    const char *what = b->pred ? "'Predicted consumption'" : "'Actual consumption'";
    struct ct__consumption **slot = b->pred ? &t->run->pred : &t->run->actual;
    char buf[300];
    if (b->why[0]) {
        snprintf(buf, sizeof(buf), "%s block not read: %s", what, b->why);
        skip(t, b->line, buf);
    } else if (!b->have_time || !b->have_energy || !b->have_co2) {
        snprintf(buf, sizeof(buf), "incomplete %s block: no %s line", what,
                 !b->have_time     ? "Time"
                 : !b->have_energy ? "Energy"
                                   : "CO2eq");
        skip(t, b->line, buf);
    } else if (*slot) {
        snprintf(buf, sizeof(buf), "another %s block; the first one counts, as upstream", what);
        skip(t, b->line, buf);
    } else {
        *slot = malloc(sizeof(**slot));
        if (!*slot) {
            oom(t);
        } else {
            **slot = b->c;
            (*slot)->epochs = b->epochs;
            memset(&b->c, 0, sizeof(b->c));
        }
    }
    block_free(b);
}

/* Header "Actual consumption[ for N epoch(s)]:" or "Predicted consumption for N epoch(s):"
 * anywhere in the line (upstream's regexes are not anchored). 1 opened, 0 none. */
static int block_open(struct tp *t, struct sv s, const struct line *l)
{
    const char *at;
    int pred;
    struct sv rest;
    if ((at = ct__lex_find_ci(s, "predicted consumption for ")) != NULL) {
        pred = 1;
        rest = sv_from(s, at + strlen("predicted consumption for "));
    } else if ((at = ct__lex_find_ci(s, "actual consumption")) != NULL) {
        pred = 0;
        rest = sv_trim(sv_from(s, at + strlen("actual consumption")));
        if (!ct__lex_starts_ci(rest, "for "))
            rest.n = 0;
        else
            rest = sv_trim(sv_from(rest, rest.p + 4));
    } else {
        return 0;
    }
    if (l->unterminated && !ct__lex_ends_with(sv_trim(s), ":"))
        return 0; /* cut short: reported as truncated by the caller */
    block_close(t);
    struct block *b = &t->b;
    memset(b, 0, sizeof(*b));
    b->open = 1;
    b->pred = pred;
    b->line = l->no;
    b->epochs = -1;
    b->c.duration_s = NAN;
    b->c.energy_kwh = NAN;
    b->c.co2eq_g = NAN;
    size_t k = 0;
    long n = 0;
    while (k < rest.n && lex_is_digit(rest.p[k])) {
        if (n < INT_MAX / 10)
            n = n * 10 + (rest.p[k] - '0');
        k++;
    }
    if (k)
        b->epochs = (int)n;
    else if (pred)
        snprintf(b->why, sizeof(b->why), "no number of epochs");
    return 1;
}

static void block_line(struct tp *t, const struct line *l)
{
    struct block *b = &t->b;
    struct sv s = sv_trim(l->s);
    double x;
    if (s.n == 0)
        return;
    if (b->in_equiv) {
        /* upstream parse_equivalents: "value unit", split at the first space. */
        size_t i = 0;
        while (i < s.n && !lex_is_space(s.p[i]))
            i++;
        struct sv num = {s.p, i};
        struct sv unit = sv_trim(sv_from(s, s.p + i));
        if (!ct__lex_whole_num(num, &x)) {
            skip_text(t, l->no, "unreadable equivalent:", s);
            return;
        }
        if (unit.n == 0) {
            skip_text(t, l->no, "equivalent without a unit:", s);
            return;
        }
        if (ct__parse_grow(&b->c.equiv, &b->cap_equiv, b->c.n_equiv + 1, sizeof(*b->c.equiv)) !=
            CT_OK) {
            oom(t);
            return;
        }
        char *u = ct__lex_dup(unit);
        if (!u) {
            oom(t);
            return;
        }
        /* A repeated unit replaces the value, as a Python dict does. */
        for (size_t k = 0; k < b->c.n_equiv; k++) {
            if (strcmp(b->c.equiv[k].unit, u) == 0) {
                b->c.equiv[k].value = x;
                free(u);
                return;
            }
        }
        b->c.equiv[b->c.n_equiv++] = (struct ct__equiv){.unit = u, .value = x};
        return;
    }
    if (ct__lex_starts_ci(s, "Time:")) {
        int strict;
        struct sv v = sv_trim(sv_from(s, s.p + 5));
        if (l->unterminated && (!ct__lex_hms(v, &x, &strict) || !strict))
            return skip_truncated(t, l);
        if (!ct__lex_search_hms(v, &x, &strict))
            x = NAN; /* upstream get_time: None */
        b->c.duration_s = x;
        b->have_time = 1;
    } else if (ct__lex_starts_ci(s, "Energy:")) {
        if (!ct__lex_value_unit(sv_from(s, s.p + 7), "kWh", &x)) {
            if (l->unterminated)
                return skip_truncated(t, l);
            if (!b->why[0])
                snprintf(b->why, sizeof(b->why), "unreadable Energy line (line %d)", l->no);
            return;
        }
        b->c.energy_kwh = x;
        b->have_energy = 1;
    } else if (ct__lex_starts_ci(s, "CO2eq:")) {
        if (!ct__lex_value_unit(sv_from(s, s.p + 6), "g", &x)) {
            if (l->unterminated)
                return skip_truncated(t, l);
            if (!b->why[0])
                snprintf(b->why, sizeof(b->why), "unreadable CO2eq line (line %d)", l->no);
            return;
        }
        b->c.co2eq_g = x;
        b->have_co2 = 1;
    } else if (ct__lex_starts_ci(s, "This is equivalent to:")) {
        b->in_equiv = 1;
        b->c.has_equivalents = 1;
    } else if (l->unterminated) {
        skip_truncated(t, l);
    }
}

static void out_line(struct tp *t, const struct line *l)
{
    size_t stamp = ct__lex_stamp_len(l->s);
    struct sv msg = {l->s.p + stamp, l->s.n - stamp};
    const char *at;

    if (t->b.open && !ct__lex_date_start(l->s)) {
        if (block_open(t, l->s, l))
            return;
        block_line(t, l);
        return;
    }
    block_close(t);
    if (block_open(t, msg, l))
        return;
    if ((at = ct__lex_find(msg, "Average carbon intensity during training was ")) != NULL) {
        if (avg_intensity(t, at, msg, l) == 0 && l->unterminated)
            skip_truncated(t, l);
        return;
    }
    if ((at = ct__lex_find(msg, "The following components were found:")) != NULL &&
        !t->saw_components) {
        int rc = components_line(
            t, sv_from(msg, at + strlen("The following components were found:")), l);
        if (rc == 1)
            t->saw_components = 1;
        else if (rc == 0)
            skip_truncated(t, l);
        return;
    }
    if (ct__lex_find(msg, "Finished monitoring.")) {
        t->saw_finished = 1;
        return;
    }
    if (l->unterminated && sv_trim(l->s).n) {
        skip_truncated(t, l);
        return;
    }
    if (!stamp && sv_trim(msg).n)
        skip_text(t, l->no, "not a log line (no time stamp):", sv_trim(msg));
}

/* ---- the run ---------------------------------------------------------------------------- */

static void finish_devices(struct tp *t)
{
    struct ct__prun *r = t->run;
    for (size_t c = 0; c < r->n_comp && t->rc == CT_OK; c++) {
        for (size_t d = 0; d < r->comp[c].n_devices; d++) {
            if (ct__parse_grow(&r->devices, &r->cap_devices, r->n_devices + 1,
                               sizeof(*r->devices)) != CT_OK) {
                oom(t);
                return;
            }
            const char *name = r->comp[c].devices[d];
            struct ct__pdevice *dv = &r->devices[r->n_devices++];
            memset(dv, 0, sizeof(*dv));
            dv->energy_j = NAN;
            size_t nl = strlen(name);
            const char *est = " (estimated)";
            int estimated = nl > strlen(est) && strcmp(name + nl - strlen(est), est) == 0;
            dv->component = strdup(r->comp[c].name);
            dv->name = estimated ? ct__parse_strdup(name, nl - strlen(est)) : strdup(name);
            if (!dv->component || !dv->name) {
                oom(t);
                return;
            }
            for (size_t m = 0; m < t->n_meters; m++) {
                if (strcmp(t->meters[m].name, dv->name) == 0) {
                    dv->meter = strdup(t->meters[m].meter);
                    dv->provenance = strdup(t->meters[m].provenance);
                    if (!dv->meter || !dv->provenance)
                        oom(t);
                    break;
                }
            }
            if (!dv->provenance && estimated && !(dv->provenance = strdup("estimated")))
                oom(t);
        }
    }
}

static void finish_epochs(struct tp *t)
{
    struct ct__prun *r = t->run;
    size_t k = 0;
    char buf[160];
    for (size_t i = 0; i < r->n_epochs; i++) {
        struct ct__pepoch e = r->epochs[i];
        if (isnan(e.duration_s)) {
            snprintf(buf, sizeof(buf), "epoch %d has no Duration line (incomplete record)",
                     e.epoch);
            skip(t, e.line, buf);
            continue;
        }
        double w = 0;
        int any = 0;
        const double p[3] = {e.cpu_power_w, e.gpu_power_w, e.other_power_w};
        for (int j = 0; j < 3; j++)
            if (!isnan(p[j]))
                w += p[j], any = 1;
        e.energy_j = any ? w * e.duration_s : NAN;
        e.energy_kwh = !isnan(e.energy_j) && !isnan(r->pue) ? ct__kwh_pue(e.energy_j, r->pue) : NAN;
        e.co2eq_g = e.energy_kwh * r->intensity_g_per_kwh;
        r->epochs[k++] = e;
    }
    r->n_epochs = k;
    /* upstream raises MismatchedEpochsError here; we say so and keep the common prefix. */
    for (size_t c = 0; c < r->n_comp; c++) {
        if (r->comp[c].has_power && r->has_durations && r->comp[c].n_power != r->n_durations) {
            snprintf(buf, sizeof(buf),
                     "%zu power values for %s but %zu durations; energies for the first %zu",
                     r->comp[c].n_power, r->comp[c].name, r->n_durations,
                     r->comp[c].n_power < r->n_durations ? r->comp[c].n_power : r->n_durations);
            skip(t, 0, buf);
        }
    }
}

int ct__parse_text(struct ct__prun *run, const char *std, size_t std_len, const char *std_label,
                   const char *out, size_t out_len, const char *out_label)
{
    struct tp t = {.run = run, .rc = CT_OK};
    struct line l;
    run->source_jsonl = 0;

    t.label = std_label;
    struct lines it = {.buf = std, .len = std_len};
    while (t.rc == CT_OK && ct__lex_next_line(&it, &l)) {
        int rc = std_line(&t, &l, &it);
        if (rc == 0 && l.unterminated && sv_trim(l.s).n)
            skip_truncated(&t, &l);
    }
    if (t.rc == CT_OK)
        t.rc = ct__parse_skip_flush(run, std_label);

    t.label = out_label;
    it = (struct lines){.buf = out, .len = out_len};
    while (t.rc == CT_OK && ct__lex_next_line(&it, &l))
        out_line(&t, &l);
    block_close(&t);
    if (t.rc == CT_OK)
        t.rc = ct__parse_skip_flush(run, out_label);

    /* "Actual consumption:" (the command's block) counts the epochs logged, at least 1. */
    if (t.rc == CT_OK) {
        t.label = std_label;
        finish_epochs(&t);
        finish_devices(&t);
        if (run->actual && run->actual->epochs < 0)
            run->actual->epochs = run->n_epochs ? (int)run->n_epochs : 1;
        if (t.saw_started && !t.saw_ended && !t.saw_finished)
            run->truncated = 1;
        if (t.rc == CT_OK)
            t.rc = ct__parse_skip_flush(run, std_label);
    }
    block_free(&t.b);
    for (size_t i = 0; i < t.n_meters; i++) {
        free(t.meters[i].name);
        free(t.meters[i].meter);
        free(t.meters[i].provenance);
    }
    free(t.meters);
    return t.rc;
}
