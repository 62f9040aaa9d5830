/*
 * http.c - GET through libcurl's multi interface, polled in short steps so that a cancel from
 * another thread (ct__http_cancel: a flag and curl_multi_wakeup) ends a transfer at once, whatever
 * the server does. Timeouts, TLS verification, no redirects, http/https only, a capped body.
 * libcurl is not linked: libcurl.so.4 is loaded with dlopen on the first request (the carbon
 * thread's), so offline trackers never map it and its dozens of dependencies.
 */
#include "util/http.h"

#include "../internal.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every libcurl function used, resolved from the loaded library into `curl` below; calls go
 * through CURL_FN(name). Types come from <curl/curl.h> (a variadic function such as
 * curl_easy_setopt is called through a pointer of its own variadic type). */
#define CT__CURL_FUNCTIONS(X)                                                                      \
    X(curl_global_init)                                                                            \
    X(curl_version_info)                                                                           \
    X(curl_easy_init)                                                                              \
    X(curl_easy_setopt)                                                                            \
    X(curl_easy_getinfo)                                                                           \
    X(curl_easy_cleanup)                                                                           \
    X(curl_easy_strerror)                                                                          \
    X(curl_slist_append)                                                                           \
    X(curl_slist_free_all)                                                                         \
    X(curl_multi_init)                                                                             \
    X(curl_multi_add_handle)                                                                       \
    X(curl_multi_remove_handle)                                                                    \
    X(curl_multi_perform)                                                                          \
    X(curl_multi_poll)                                                                             \
    X(curl_multi_wakeup)                                                                           \
    X(curl_multi_info_read)                                                                        \
    X(curl_multi_strerror)                                                                         \
    X(curl_multi_cleanup)

static struct {
#define CT__CURL_FIELD(name) __typeof__(&name) p_##name;
    CT__CURL_FUNCTIONS(CT__CURL_FIELD)
#undef CT__CURL_FIELD
} curl;

#define CURL_FN(name) (curl.p_##name)

/* Overridden by tests to simulate a machine without libcurl (before the first request). */
const char *ct__curl_library = CT__CURL_LIBRARY;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_rc = CT_ENOTSUP;
static char load_error[256] = "";
static char user_agent[128] = "carbontracker/" CT_VERSION_STRING " (libcarbontracker)";

/* Load libcurl, resolve every function, initialise it (once per process, on the thread of the
 * first request). The library stays loaded until the process ends. */
static void load_curl(void)
{
    const curl_version_info_data *v;
    void *lib = dlopen(ct__curl_library, RTLD_NOW | RTLD_LOCAL);
    const char *missing = NULL;

    if (lib == NULL) {
        const char *e = dlerror();
        ct__strlcpy(load_error, e ? e : ct__curl_library, sizeof(load_error));
        return;
    }
#define CT__CURL_RESOLVE(name)                                                                     \
    if (missing == NULL) {                                                                         \
        curl.p_##name = (__typeof__(curl.p_##name))dlsym(lib, #name);                              \
        if (curl.p_##name == NULL)                                                                 \
            missing = #name;                                                                       \
    }
    CT__CURL_FUNCTIONS(CT__CURL_RESOLVE)
#undef CT__CURL_RESOLVE
    if (missing != NULL) {
        snprintf(load_error, sizeof(load_error), "%s has no %s() (libcurl 7.68 or later needed)",
                 ct__curl_library, missing);
        memset(&curl, 0, sizeof(curl));
        dlclose(lib);
        return;
    }
    if (CURL_FN(curl_global_init)(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof(load_error), "curl_global_init failed");
        return;
    }
    v = CURL_FN(curl_version_info)(CURLVERSION_NOW);
    if (v != NULL && v->version != NULL)
        snprintf(user_agent, sizeof(user_agent), "carbontracker/%s (libcarbontracker; libcurl/%s)",
                 CT_VERSION_STRING, v->version);
    load_rc = CT_OK;
}

int ct__http_load(char *why, size_t why_len)
{
    pthread_once(&load_once, load_curl);
    if (load_rc != CT_OK && why != NULL && why_len > 0)
        snprintf(why, why_len, "%s", load_error);
    return load_rc;
}

const char *ct__http_user_agent(void)
{
    pthread_once(&load_once, load_curl);
    return user_agent;
}

/* The multi handle is made on the first request (the requesting thread), under `lock` so that a
 * cancel from another thread sees it or not at all. */
struct ct__http {
    pthread_mutex_t lock;
    CURLM *multi;
    atomic_int cancelled;
};

int ct__http_new(struct ct__http **out)
{
    struct ct__http *h;

    if (out == NULL)
        return CT_EINVAL;
    *out = NULL;
    h = calloc(1, sizeof(*h));
    if (h == NULL)
        return CT_ENOMEM;
    pthread_mutex_init(&h->lock, NULL);
    atomic_init(&h->cancelled, 0);
    *out = h;
    return CT_OK;
}

void ct__http_cancel(struct ct__http *h)
{
    if (h == NULL)
        return;
    atomic_store(&h->cancelled, 1);
    pthread_mutex_lock(&h->lock);
    if (h->multi != NULL)
        CURL_FN(curl_multi_wakeup)(h->multi);
    pthread_mutex_unlock(&h->lock);
}

void ct__http_free(struct ct__http *h)
{
    if (h == NULL)
        return;
    if (h->multi != NULL)
        CURL_FN(curl_multi_cleanup)(h->multi);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

void ct__http_response_free(struct ct__http_response *resp)
{
    if (resp == NULL)
        return;
    free(resp->body);
    resp->body = NULL;
    resp->len = 0;
}

/* The body, growing up to `max` bytes; a larger reply aborts the transfer. */
struct sink {
    char *buf;
    size_t len, cap, max;
    int over, nomem;
};

static size_t on_data(char *data, size_t size, size_t n, void *user)
{
    struct sink *s = user;
    size_t add = size * n;

    if (add > s->max - s->len) {
        s->over = 1;
        return 0;
    }
    if (s->len + add + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        char *p;
        while (cap < s->len + add + 1)
            cap *= 2;
        if (cap > s->max + 1)
            cap = s->max + 1;
        p = realloc(s->buf, cap);
        if (p == NULL) {
            s->nomem = 1;
            return 0;
        }
        s->buf = p;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, add);
    s->len += add;
    s->buf[s->len] = '\0';
    return add;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct ct__http *h = user;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return atomic_load(&h->cancelled) ? 1 : 0;
}

static CURL *make_easy(struct ct__http *h, const struct ct__http_request *rq,
                       struct curl_slist *headers, struct sink *sink, char *errbuf)
{
    long connect_ms = rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : 5000;
    long total_ms = rq->timeout_ms > 0 ? rq->timeout_ms : 10000;
    CURL *e = CURL_FN(curl_easy_init)();

    if (e == NULL)
        return NULL;
    if (connect_ms > total_ms)
        connect_ms = total_ms;
    CURL_FN(curl_easy_setopt)(e, CURLOPT_URL, rq->url);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_HTTPGET, 1L);
    if (rq->put_empty) /* a PUT without a body (AWS's metadata token); the reply is read alike */
        CURL_FN(curl_easy_setopt)(e, CURLOPT_CUSTOMREQUEST, "PUT");
    CURL_FN(curl_easy_setopt)(e, CURLOPT_NOSIGNAL, 1L);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_TIMEOUT_MS, total_ms);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_USERAGENT, user_agent);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_HTTPHEADER, headers);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_WRITEFUNCTION, on_data);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_WRITEDATA, sink);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_NOPROGRESS, 0L);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_XFERINFODATA, h);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_ERRORBUFFER, errbuf);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_FOLLOWLOCATION, 0L);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_SSL_VERIFYPEER, 1L);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_SSL_VERIFYHOST, 2L);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)sink->max);
    CURL_FN(curl_easy_setopt)(e, CURLOPT_ACCEPT_ENCODING, "");
#if LIBCURL_VERSION_NUM >= 0x075500
    CURL_FN(curl_easy_setopt)(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    CURL_FN(curl_easy_setopt)(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
#if LIBCURL_VERSION_NUM >= 0x075700
    /* Do not wait for a DNS resolver thread when a transfer is abandoned. */
    CURL_FN(curl_easy_setopt)(e, CURLOPT_QUICK_EXIT, 1L);
#endif
    return e;
}

int ct__http_get(struct ct__http *h, const struct ct__http_request *rq,
                 struct ct__http_response *resp)
{
    struct sink sink = {0};
    struct curl_slist *headers = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *e = NULL;
    CURLcode res = CURLE_OK;
    int added = 0, cancelled = 0, running = 1, rc = CT_OK;

    if (resp == NULL)
        return CT_EINVAL;
    memset(resp, 0, sizeof(*resp));
    if (h == NULL || rq == NULL || rq->url == NULL)
        return CT_EINVAL;
    if (atomic_load(&h->cancelled)) {
        ct__strlcpy(resp->error, "cancelled", sizeof(resp->error));
        return CT_ESTOPPED;
    }
    if (ct__http_load(resp->error, sizeof(resp->error)) != CT_OK)
        return CT_ENOTSUP;
    pthread_mutex_lock(&h->lock);
    if (h->multi == NULL)
        h->multi = CURL_FN(curl_multi_init)();
    pthread_mutex_unlock(&h->lock);
    if (h->multi == NULL)
        return CT_ENOMEM;
    sink.max = rq->max_bytes ? rq->max_bytes : CT__HTTP_MAX_REPLY_BYTES;
    for (const char *const *p = rq->headers; p != NULL && *p != NULL; p++) {
        struct curl_slist *n = CURL_FN(curl_slist_append)(headers, *p);
        if (n == NULL) {
            rc = CT_ENOMEM;
            goto cleanup;
        }
        headers = n;
    }
    e = make_easy(h, rq, headers, &sink, errbuf);
    if (e == NULL || CURL_FN(curl_multi_add_handle)(h->multi, e) != CURLM_OK) {
        rc = CT_ENOMEM;
        goto cleanup;
    }
    added = 1;
    while (running) {
        CURLMcode mc;
        if (atomic_load(&h->cancelled)) {
            cancelled = 1;
            break;
        }
        mc = CURL_FN(curl_multi_perform)(h->multi, &running);
        if (mc != CURLM_OK) {
            snprintf(resp->error, sizeof(resp->error), "%s", CURL_FN(curl_multi_strerror)(mc));
            rc = CT_EIO;
            goto cleanup;
        }
        if (!running)
            break;
        mc = CURL_FN(curl_multi_poll)(h->multi, NULL, 0, 100, NULL);
        if (mc != CURLM_OK) {
            snprintf(resp->error, sizeof(resp->error), "%s", CURL_FN(curl_multi_strerror)(mc));
            rc = CT_EIO;
            goto cleanup;
        }
    }
    if (!cancelled) {
        CURLMsg *msg;
        int left;
        while ((msg = CURL_FN(curl_multi_info_read)(h->multi, &left)) != NULL)
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == e)
                res = msg->data.result;
    }
    if (cancelled || (res == CURLE_ABORTED_BY_CALLBACK && atomic_load(&h->cancelled))) {
        ct__strlcpy(resp->error, "cancelled", sizeof(resp->error));
        rc = CT_ESTOPPED;
        goto cleanup;
    }
    if (sink.nomem) {
        rc = CT_ENOMEM;
        goto cleanup;
    }
    if (sink.over || res == CURLE_FILESIZE_EXCEEDED) {
        snprintf(resp->error, sizeof(resp->error), "reply larger than %zu bytes", sink.max);
        rc = CT_EIO;
        goto cleanup;
    }
    if (res != CURLE_OK) {
        snprintf(resp->error, sizeof(resp->error), "%s",
                 errbuf[0] ? errbuf : CURL_FN(curl_easy_strerror)(res));
        rc = CT_EIO;
        goto cleanup;
    }
    CURL_FN(curl_easy_getinfo)(e, CURLINFO_RESPONSE_CODE, &resp->status);
    if (sink.buf == NULL) {
        sink.buf = calloc(1, 1);
        if (sink.buf == NULL) {
            rc = CT_ENOMEM;
            goto cleanup;
        }
    }
    resp->body = sink.buf;
    resp->len = sink.len;
    sink.buf = NULL;

cleanup:
    if (added)
        CURL_FN(curl_multi_remove_handle)(h->multi, e);
    if (e != NULL)
        CURL_FN(curl_easy_cleanup)(e);
    CURL_FN(curl_slist_free_all)(headers);
    free(sink.buf);
    return rc;
}

int ct__url_escape(const char *s, char *out, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    if (s == NULL || out == NULL || len == 0)
        return -1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                   (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~';
        if (o + (keep ? 1 : 3) >= len) {
            out[0] = '\0';
            return -1;
        }
        if (keep) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    return 0;
}
