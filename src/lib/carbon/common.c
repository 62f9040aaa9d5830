/*
 * common.c - what the live providers share: time series of intensity slots (time-weighted means),
 * ISO 8601 UTC times, and one GET helper that turns HTTP statuses and transport failures into
 * short, secret-free reasons.
 */
#include "carbon/provider.h"
#include "util/http.h"

#include <jansson.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void ct__why_add(char *why, size_t why_len, const char *fmt, ...)
{
    size_t used;
    va_list ap;

    if (why == NULL || why_len == 0)
        return;
    used = strnlen(why, why_len);
    if (used + 1 >= why_len)
        return;
    if (used > 0) {
        snprintf(why + used, why_len - used, "; ");
        used = strnlen(why, why_len);
        if (used + 1 >= why_len)
            return;
    }
    va_start(ap, fmt);
    vsnprintf(why + used, why_len - used, fmt, ap);
    va_end(ap);
}

void ct__printable_copy(char *dst, size_t len, const char *src)
{
    size_t i = 0, n;

    if (dst == NULL || len == 0)
        return;
    dst[0] = '\0';
    if (src == NULL)
        return;
    n = strlen(src);
    for (; i < n && i + 1 < len; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[i] = '\0';
    if (i < n && len >= 4)
        memcpy(dst + len - 4, "...", 4);
}

struct json_t *ct__json_parse(const char *buf, size_t len, char *why, size_t why_len)
{
    json_error_t err;
    json_t *root;
    size_t i = 0;

    if (buf == NULL)
        len = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
        i++;
    if (i == len) {
        ct__why_add(why, why_len, "empty reply");
        return NULL;
    }
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        char text[sizeof(err.text) * 4]; /* jansson quotes the reply: "near '...'" */
        ct__sanitize_text(text, sizeof(text), err.text, sizeof(err.text));
        ct__why_add(why, why_len, "malformed JSON at line %d column %d: %s", err.line, err.column,
                    text);
    }
    return root;
}

struct json_t *ct__json_parse_object(const char *buf, size_t len, char *why, size_t why_len)
{
    json_t *root = ct__json_parse(buf, len, why, why_len);
    if (root != NULL && !json_is_object(root)) {
        ct__why_add(why, why_len, "the reply is not a JSON object");
        json_decref(root);
        root = NULL;
    }
    return root;
}

int ct__reply_open(const char *buf, size_t len, int want_object, void *out, size_t out_size,
                   struct json_t **root, char *why, size_t why_len)
{
    *root = NULL;
    if (out == NULL || (buf == NULL && len > 0))
        return CT_EINVAL;
    memset(out, 0, out_size);
    *root = want_object ? ct__json_parse_object(buf, len, why, why_len)
                        : ct__json_parse(buf, len, why, why_len);
    return *root != NULL ? CT_OK : CT_EIO;
}

void ct__why_service_says(char *why, size_t why_len, const struct json_t *msg)
{
    char shown[128];

    if (!json_is_string(msg))
        return;
    ct__printable_copy(shown, sizeof(shown), json_string_value(msg));
    ct__why_add(why, why_len, "the service says \"%s\"", shown);
}

int ct__valid_zone_code(const char *zone)
{
    size_t n = zone != NULL ? strlen(zone) : 0;

    if (n == 0 || n > 15 || zone[0] < 'A' || zone[0] > 'Z')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((zone[i] >= 'A' && zone[i] <= 'Z') || (zone[i] >= '0' && zone[i] <= '9') ||
              zone[i] == '-' || zone[i] == '_'))
            return 0;
    return 1;
}

int ct__valid_intensity(double v)
{
    return isfinite(v) && v >= 0 && v <= CT__MAX_G_PER_KWH;
}

int ct__parse_series_reply(const struct ct__series_format *f, const char *buf, size_t len,
                           struct ct__ci_series *out, char *why, size_t why_len)
{
    json_t *root;
    const json_t *entries, *entry;
    double prev = 0;
    size_t i;
    int rc = ct__reply_open(buf, len, f->want_object, out, sizeof(*out), &root, why, why_len);

    if (rc != CT_OK)
        return rc;
    rc = CT_EIO;
    entries = f->entries(root, out, why, why_len);
    if (entries == NULL)
        goto cleanup;
    json_array_foreach(entries, i, entry)
    {
        double t, dur = 0, v;
        int r =
            f->slot_after ? f->slot_after(entry, prev, &t, &dur, &v) : f->slot(entry, &t, &dur, &v);
        if (r != 0 || !ct__valid_intensity(v))
            continue;
        prev = t;
        if (ct__series_add(out, t, dur, v) != CT_OK) {
            rc = CT_ENOMEM;
            goto cleanup;
        }
    }
    if (out->n == 0) {
        ct__why_add(why, why_len, "%s (%zu %s)", f->none_usable, json_array_size(entries),
                    f->counted);
        goto cleanup;
    }
    ct__series_finish(out, f->default_dur_s);
    rc = CT_OK;
cleanup:
    if (rc != CT_OK)
        ct__series_free(out);
    json_decref(root);
    return rc;
}

/* ---- zones ---------------------------------------------------------------------------- */

const char *ct__location_zone(const struct ct__location *loc)
{
    if (loc == NULL)
        return "";
    return loc->zone[0] != '\0' ? loc->zone : loc->country;
}

int ct__provider_serves(const struct ct__carbon_provider *p, const char *zone)
{
    if (p == NULL)
        return 0;
    if (p->zones == NULL)
        return 1;
    for (const char *const *z = p->zones; zone != NULL && zone[0] != '\0' && *z != NULL; z++)
        if (strcasecmp(*z, zone) == 0)
            return 1;
    return 0;
}

int ct__provider_needs_key(const struct ct__carbon_provider *p)
{
    for (const struct ct__setting_decl *d = p != NULL ? p->settings : NULL; d && d->key; d++)
        if (d->secret && strcmp(d->key, "api_key") == 0)
            return 1;
    return 0;
}

/* ---- series --------------------------------------------------------------------------- */

int ct__series_add(struct ct__ci_series *s, double t_s, double dur_s, double g_per_kwh)
{
    for (size_t i = s->n; i-- > 0;) {
        struct ct__ci_point *p = &s->pts[i];
        if (p->t_s == t_s) {
            p->g_per_kwh = (p->g_per_kwh * p->n + g_per_kwh) / (p->n + 1);
            p->n++;
            if (dur_s > p->dur_s)
                p->dur_s = dur_s;
            return CT_OK;
        }
        if (s->n - i > 8) /* duplicates are neighbours (price areas of one slot) */
            break;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct ct__ci_point *p = realloc(s->pts, cap * sizeof(*p));
        if (p == NULL)
            return CT_ENOMEM;
        s->pts = p;
        s->cap = cap;
    }
    s->pts[s->n].t_s = t_s;
    s->pts[s->n].dur_s = dur_s;
    s->pts[s->n].g_per_kwh = g_per_kwh;
    s->pts[s->n].n = 1;
    s->n++;
    return CT_OK;
}

static int by_time(const void *a, const void *b)
{
    const struct ct__ci_point *x = a, *y = b;
    return (x->t_s > y->t_s) - (x->t_s < y->t_s);
}

void ct__series_finish(struct ct__ci_series *s, double default_dur_s)
{
    size_t o = 0;

    if (s->n == 0)
        return;
    qsort(s->pts, s->n, sizeof(s->pts[0]), by_time);
    /* Merge equal times that were not neighbours. */
    for (size_t i = 1; i < s->n; i++) {
        struct ct__ci_point *p = &s->pts[o];
        if (s->pts[i].t_s == p->t_s) {
            int n = p->n + s->pts[i].n;
            p->g_per_kwh = (p->g_per_kwh * p->n + s->pts[i].g_per_kwh * s->pts[i].n) / n;
            p->n = n;
            if (s->pts[i].dur_s > p->dur_s)
                p->dur_s = s->pts[i].dur_s;
        } else {
            s->pts[++o] = s->pts[i];
        }
    }
    s->n = o + 1;
    for (size_t i = 0; i < s->n; i++) {
        if (s->pts[i].dur_s > 0)
            continue;
        if (i + 1 < s->n)
            s->pts[i].dur_s = s->pts[i + 1].t_s - s->pts[i].t_s;
        else if (i > 0)
            s->pts[i].dur_s = s->pts[i].t_s - s->pts[i - 1].t_s;
        else
            s->pts[i].dur_s = default_dur_s;
    }
}

void ct__series_free(struct ct__ci_series *s)
{
    if (s == NULL)
        return;
    free(s->pts);
    memset(s, 0, sizeof(*s));
}

void ct__series_move(struct ct__ci_series *dst, struct ct__ci_series *src)
{
    ct__series_free(dst);
    *dst = *src;
    memset(src, 0, sizeof(*src));
}

int ct__series_mean(const struct ct__ci_series *s, double from_s, double window_s, double *mean,
                    double *covered_s)
{
    double sum = 0, covered = 0, window = window_s;

    if (s == NULL || !(window > 0))
        return -1;
    /* Offsets from the window's start: differences of nearby times are exact, so a window inside
     * one slot is covered exactly however short it is. */
    for (size_t i = 0; i < s->n; i++) {
        double a = s->pts[i].t_s - from_s, b = a + s->pts[i].dur_s;
        double lo = a > 0 ? a : 0, hi = b < window ? b : window;
        if (hi > lo) {
            sum += s->pts[i].g_per_kwh * (hi - lo);
            covered += hi - lo;
        }
    }
    if (!(covered > 0))
        return -1;
    if (mean != NULL)
        *mean = sum / covered;
    if (covered_s != NULL)
        *covered_s = covered;
    return 0;
}

const struct ct__ci_point *ct__series_at(const struct ct__ci_series *s, double now_s)
{
    const struct ct__ci_point *before = NULL;

    if (s == NULL || s->n == 0)
        return NULL;
    for (size_t i = 0; i < s->n; i++) {
        const struct ct__ci_point *p = &s->pts[i];
        if (p->t_s <= now_s && now_s < p->t_s + p->dur_s)
            return p;
        if (p->t_s <= now_s)
            before = p;
    }
    return before != NULL ? before : &s->pts[0];
}

/* ---- time ----------------------------------------------------------------------------- */

/* Read exactly n digits. */
static int digits(const char **p, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        x = x * 10 + (c - '0');
    }
    *p += n;
    *v = x;
    return 0;
}

int ct__parse_utc(const char *s, double *t_s)
{
    struct tm tm;
    int y, mo, d, h, mi, sec = 0, off = 0;
    double frac = 0;
    const char *p = s;
    time_t t;

    if (s == NULL || t_s == NULL)
        return -1;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d) || (*p != 'T' && *p != ' '))
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
        return -1;
    if (*p == ':') {
        p++;
        if (digits(&p, 2, &sec))
            return -1;
        if (*p == '.') {
            double scale = 0.1;
            p++;
            if (*p < '0' || *p > '9')
                return -1;
            while (*p >= '0' && *p <= '9') {
                frac += (*p - '0') * scale;
                scale /= 10;
                p++;
            }
        }
    }
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (digits(&p, 2, &om))
            return -1;
        if (oh > 23 || om > 59)
            return -1;
        off = sign * (oh * 3600 + om * 60);
    }
    if (*p != '\0')
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60 || y < 1970)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *t_s = (double)t + frac - off;
    return 0;
}

void ct__fmt_age(double age_s, char *buf, size_t len)
{
    if (age_s < 7200)
        snprintf(buf, len, "%.0f min", age_s / 60);
    else
        snprintf(buf, len, "%.1f h", age_s / 3600);
}

void ct__format_utc(double t_s, const char *fmt, char *buf, size_t len)
{
    time_t t = (time_t)floor(t_s);
    struct tm tm;

    if (len == 0)
        return;
    buf[0] = '\0';
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, fmt, &tm) == 0)
        buf[0] = '\0';
}

/* ---- HTTP ----------------------------------------------------------------------------- */

const char *ct__cfg_setting(const struct ct__carbon_cfg *cfg, const char *backend, const char *key)
{
    return cfg ? ct__settings_get(cfg->settings, backend, key) : NULL;
}

double ct__cfg_now(const struct ct__carbon_cfg *cfg)
{
    return cfg != NULL && cfg->now_s > 0 ? cfg->now_s : ct__wall_s();
}

static const char *reason_phrase(long status)
{
    switch (status) {
    case 400:
        return " Bad Request";
    case 401:
        return " Unauthorized";
    case 403:
        return " Forbidden";
    case 404:
        return " Not Found";
    case 429:
        return " Too Many Requests";
    case 500:
        return " Internal Server Error";
    case 502:
        return " Bad Gateway";
    case 503:
        return " Service Unavailable";
    case 504:
        return " Gateway Timeout";
    }
    return "";
}

int ct__carbon_get(const struct ct__carbon_cfg *cfg, const char *base, const char *path_and_query,
                   const char *const *headers, struct ct__http_response *resp, char *why,
                   size_t why_len)
{
    char url[2048];
    size_t blen;
    int rc;
    struct ct__http_request rq = {0};

    memset(resp, 0, sizeof(*resp));
    if (cfg == NULL || cfg->http == NULL || base == NULL || path_and_query == NULL) {
        ct__why_add(why, why_len, "no HTTP client");
        return CT_EINVAL;
    }
    blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    if ((size_t)snprintf(url, sizeof(url), "%.*s%s", (int)blen, base, path_and_query) >=
        sizeof(url)) {
        ct__why_add(why, why_len, "URL too long");
        return CT_EINVAL;
    }
    rq.url = url;
    rq.headers = headers;
    rq.timeout_ms = cfg->timeout_ms;
    rq.connect_timeout_ms = cfg->connect_timeout_ms;
    rq.max_bytes = cfg->max_reply_bytes;
    rc = ct__http_get(cfg->http, &rq, resp);
    if (rc != CT_OK) {
        ct__why_add(why, why_len, "%s", resp->error[0] ? resp->error : ct_strerror(rc));
        return rc;
    }
    if (resp->status >= 200 && resp->status < 300) {
        size_t i = 0;
        while (i < resp->len && (resp->body[i] == ' ' || resp->body[i] == '\n' ||
                                 resp->body[i] == '\r' || resp->body[i] == '\t'))
            i++;
        if (i == resp->len) {
            ct__why_add(why, why_len, "HTTP %ld with an empty reply", resp->status);
            ct__http_response_free(resp);
            return CT_EIO;
        }
        return CT_OK;
    }
    rc = CT_EIO;
    if (resp->status == 401 || resp->status == 403) {
        int keyed = 0;
        for (const char *const *h = headers; h != NULL && *h != NULL; h++)
            keyed |= strncmp(*h, "auth-token:", 11) == 0;
        ct__why_add(why, why_len, "HTTP %ld%s%s", resp->status, reason_phrase(resp->status),
                    keyed ? " (the API key is missing or was refused)" : "");
        rc = CT_EPERM;
    } else if (resp->status == 429) {
        ct__why_add(why, why_len, "HTTP 429 Too Many Requests (rate limited)");
    } else {
        ct__why_add(why, why_len, "HTTP %ld%s", resp->status, reason_phrase(resp->status));
    }
    ct__http_response_free(resp);
    return rc;
}

int ct__carbon_fetch_series(const struct ct__carbon_cfg *cfg, const char *base,
                            const char *path_and_query, ct__series_parse_fn parse,
                            struct ct__ci_series *out, char *why, size_t why_len)
{
    static const char *const headers[] = {"Accept: application/json", NULL};
    struct ct__http_response resp;
    int rc = ct__carbon_get(cfg, base, path_and_query, headers, &resp, why, why_len);

    if (rc != CT_OK)
        return rc;
    rc = parse(resp.body, resp.len, out, why, why_len);
    ct__http_response_free(&resp);
    return rc;
}
