/*
 * http.h - the library's only HTTP client: GET through libcurl with connect and total timeouts,
 * TLS verification, a size cap on replies and a User-Agent, cancellable from another thread so
 * that stopping a tracker never waits for a slow server. libcurl is loaded at run time (dlopen)
 * by the first request, never by creating a client.
 */
#ifndef CT_UTIL_HTTP_H
#define CT_UTIL_HTTP_H

#include <stddef.h>

/* Default cap on a reply body: API replies are well under 100 KB. */
#define CT__HTTP_MAX_REPLY_BYTES (4u << 20)

/* A client: one transfer at a time (the carbon thread's), cancellable from any thread. */
struct ct__http;

struct ct__http_request {
    const char *url;
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    long connect_timeout_ms;    /* <= 0: 5000 */
    long timeout_ms;            /* whole transfer; <= 0: 10000 */
    size_t max_bytes;           /* 0: CT__HTTP_MAX_REPLY_BYTES */
    int put_empty;              /* 1: PUT with an empty body instead of GET */
};

struct ct__http_response {
    long status; /* HTTP status, 0 when none was received */
    char *body;  /* NUL-terminated reply body (may hold NULs itself); free with ..._free */
    size_t len;
    char error[256]; /* transport error text ("" when a status was received) */
};

/* The library loaded for HTTP, and the Debian package that has it. */
#define CT__CURL_LIBRARY "libcurl.so.4"
#define CT__CURL_PACKAGE "libcurl4"
/* What is dlopen'ed: CT__CURL_LIBRARY; tests set another name before the first request. */
extern const char *ct__curl_library;

/*
 * Load libcurl and initialise it, once per process (thread-safe; the first caller does the work,
 * later ones wait for it and get its result). CT_OK, or CT_ENOTSUP with the reason in why (the
 * dlopen error, or a function the library lacks). ct__http_get calls it.
 */
int ct__http_load(char *why, size_t why_len);

/* Create a client; touches no libcurl (that waits for the first request). CT_OK or CT_ENOMEM. */
int ct__http_new(struct ct__http **out);
/* Abort the transfer in progress, and every later one, promptly. Thread-safe. */
void ct__http_cancel(struct ct__http *h);
/* Free a client; no transfer may be in progress. NULL is fine. */
void ct__http_free(struct ct__http *h);

/*
 * GET rq->url (loading libcurl first, see ct__http_load). CT_OK when a status was received (any
 * status: read resp->status); CT_EIO for a transport failure (refused, timed out, TLS, reply over
 * the cap; resp->error says which); CT_ESTOPPED when cancelled; CT_ENOTSUP when libcurl cannot be
 * loaded (resp->error says why); CT_ENOMEM. resp is always initialised; free it with
 * ct__http_response_free().
 */
int ct__http_get(struct ct__http *h, const struct ct__http_request *rq,
                 struct ct__http_response *resp);
void ct__http_response_free(struct ct__http_response *resp);

/* Percent-encode `s` for a URL path segment or query value (RFC 3986 unreserved characters are
 * kept). Writes at most len bytes; returns 0, or -1 when it does not fit. */
int ct__url_escape(const char *s, char *out, size_t len);

/* "carbontracker/0.3.0 (libcarbontracker; libcurl/x.y.z)" (loads libcurl). */
const char *ct__http_user_agent(void);

#endif
