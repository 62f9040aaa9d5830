/*
 * test_http.c - the HTTP client (util/http.c) against a real server on 127.0.0.1
 * (tests/fakes/http_server.py): statuses passed through, headers and User-Agent sent, no
 * redirects, the reply size cap, the total timeout, refused connections, other schemes refused,
 * and a cancel from another thread ending a slow transfer at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../fakes/fake_http.h"
#include "ct_assert.h"
#include "internal.h"
#include "util/http.h"

#include <pthread.h>

static struct fake_http srv;

static int group_setup(void **state)
{
    (void)state;
    fake_http_no_proxy();
    fake_http_start(&srv, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fake_http_stop(&srv);
    return 0;
}

static void route(const char *path, int status, const char *body, double delay,
                  const char *header_name, const char *header_value)
{
    json_t *resp = json_pack("{s:i, s:s, s:f}", "status", status, "body", body, "delay_s", delay);
    json_t *root;
    char *text;

    if (header_name != NULL)
        json_object_set_new(resp, "headers", json_pack("{s:s}", header_name, header_value));
    root = json_pack("{s:[{s:s, s:[o]}]}", "routes", "path", path, "responses", resp);
    text = json_dumps(root, 0);
    fake_http_routes(&srv, text);
    free(text);
    json_decref(root);
}

static int get(struct ct__http *h, const char *url, const char *const *headers, long timeout_ms,
               size_t max_bytes, struct ct__http_response *resp)
{
    struct ct__http_request rq = {
        .url = url,
        .headers = headers,
        .connect_timeout_ms = 1000,
        .timeout_ms = timeout_ms,
        .max_bytes = max_bytes,
    };
    return ct__http_get(h, &rq, resp);
}

static void test_status_headers_and_agent(void **state)
{
    struct ct__http *h = NULL;
    struct ct__http_response r;
    const char *headers[] = {"X-Test: one", "auth-token: abc", NULL};
    json_t *reqs;
    (void)state;

    assert_int_equal(ct__http_new(&h), CT_OK);
    route("/hello", 200, "hi there", 0, NULL, NULL);
    assert_int_equal(get(h, fake_http_url(&srv, "/hello?x=1&y=%20"), headers, 2000, 0, &r), CT_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 8);
    assert_string_equal(r.body, "hi there");
    assert_string_equal(r.error, "");
    ct__http_response_free(&r);
    reqs = fake_http_requests(&srv);
    assert_int_equal(json_array_size(reqs), 1);
    assert_string_equal(fake_http_path(reqs, 0), "/hello?x=1&y=%20");
    assert_string_equal(fake_http_header(reqs, 0, "x-test"), "one");
    assert_string_equal(fake_http_header(reqs, 0, "auth-token"), "abc");
    assert_string_equal(fake_http_header(reqs, 0, "user-agent"), ct__http_user_agent());
    ct_assert_prefix(ct__http_user_agent(),
                     "carbontracker/" CT_VERSION_STRING " (libcarbontracker; libcurl/");
    json_decref(reqs);

    /* Any status is an answer: 404 with its body; a redirect is not followed. */
    route("/hello", 500, "boom", 0, NULL, NULL);
    assert_int_equal(get(h, fake_http_url(&srv, "/nothing"), NULL, 2000, 0, &r), CT_OK);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{\"error\": \"no route for /nothing\"}");
    ct__http_response_free(&r);
    route("/moved", 302, "", 0, "Location", "/hello");
    assert_int_equal(get(h, fake_http_url(&srv, "/moved"), NULL, 2000, 0, &r), CT_OK);
    assert_int_equal(r.status, 302);
    assert_int_equal(r.len, 0);
    assert_non_null(r.body);
    ct__http_response_free(&r);
    reqs = fake_http_requests(&srv);
    assert_int_equal(json_array_size(reqs), 1);
    json_decref(reqs);
    ct__http_free(h);
}

static void test_size_cap(void **state)
{
    struct ct__http *h = NULL;
    struct ct__http_response r;
    char big[5001];
    (void)state;

    memset(big, 'x', 5000);
    big[5000] = '\0';
    assert_int_equal(ct__http_new(&h), CT_OK);
    route("/big", 200, big, 0, NULL, NULL);
    assert_int_equal(get(h, fake_http_url(&srv, "/big"), NULL, 2000, 1000, &r), CT_EIO);
    assert_string_equal(r.error, "reply larger than 1000 bytes");
    assert_null(r.body);
    assert_int_equal(get(h, fake_http_url(&srv, "/big"), NULL, 2000, 5000, &r), CT_OK);
    assert_int_equal(r.len, 5000);
    assert_int_equal(r.status, 200);
    ct__http_response_free(&r);
    ct__http_free(h);
}

static void test_timeout_and_refused(void **state)
{
    struct ct__http *h = NULL;
    struct ct__http_response r;
    char url[128], want[128];
    int port = fake_http_refused_port();
    uint64_t t0;
    (void)state;

    assert_int_equal(ct__http_new(&h), CT_OK);
    route("/slow", 200, "late", 3.0, NULL, NULL);
    t0 = ct__now_ns();
    assert_int_equal(get(h, fake_http_url(&srv, "/slow"), NULL, 300, 0, &r), CT_EIO);
    ct_assert_cmp_uint(ct__now_ns() - t0, <, 1500000000ull);
    ct_assert_prefix(r.error, "Operation timed out after ");
    assert_int_equal(r.status, 0);

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
    assert_int_equal(get(h, url, NULL, 2000, 0, &r), CT_EIO);
    snprintf(want, sizeof(want), "Failed to connect to 127.0.0.1 port %d", port);
    ct_assert_prefix(r.error, want);
    ct_assert_contains(r.error, "Couldn't connect to server");

    /* Only http and https. */
    assert_int_equal(get(h, "file:///etc/passwd", NULL, 2000, 0, &r), CT_EIO);
    ct_assert_contains(r.error, "file");
    assert_int_equal(get(h, "ftp://127.0.0.1/", NULL, 2000, 0, &r), CT_EIO);
    assert_null(r.body);
    ct__http_free(h);
}

struct slow_call {
    struct ct__http *h;
    const char *url;
    int rc;
    uint64_t done_ns;
    struct ct__http_response r;
};

static void *slow_thread(void *arg)
{
    struct slow_call *c = arg;
    c->rc = get(c->h, c->url, NULL, 20000, 0, &c->r);
    c->done_ns = ct__now_ns();
    return NULL;
}

static void test_cancel_from_another_thread(void **state)
{
    struct slow_call c = {0};
    struct ct__http_response r;
    pthread_t th;
    uint64_t t_cancel;
    json_t *reqs;
    (void)state;

    assert_int_equal(ct__http_new(&c.h), CT_OK);
    route("/slow", 200, "late", 10.0, NULL, NULL);
    c.url = fake_http_url(&srv, "/slow");
    assert_int_equal(pthread_create(&th, NULL, slow_thread, &c), 0);
    usleep(300000); /* the request is at the server, which sleeps */
    t_cancel = ct__now_ns();
    ct__http_cancel(c.h);
    pthread_join(th, NULL);
    assert_int_equal(c.rc, CT_ESTOPPED);
    assert_string_equal(c.r.error, "cancelled");
    ct_assert_cmp_uint(c.done_ns - t_cancel, <, 200000000ull); /* well under the poll step */
    /* A cancelled client makes no more requests. */
    assert_int_equal(get(c.h, fake_http_url(&srv, "/slow"), NULL, 2000, 0, &r), CT_ESTOPPED);
    reqs = fake_http_requests(&srv);
    assert_int_equal(json_array_size(reqs), 1);
    json_decref(reqs);
    ct__http_free(c.h);
    ct__http_cancel(NULL);
    ct__http_free(NULL);
}

static void test_arguments_and_escape(void **state)
{
    struct ct__http *h = NULL;
    struct ct__http_response r;
    struct ct__http_request rq = {0};
    char out[64];
    (void)state;

    assert_int_equal(ct__http_new(NULL), CT_EINVAL);
    assert_int_equal(ct__http_new(&h), CT_OK);
    assert_int_equal(ct__http_get(h, NULL, &r), CT_EINVAL);
    assert_int_equal(ct__http_get(h, &rq, &r), CT_EINVAL);
    assert_int_equal(ct__http_get(NULL, &rq, &r), CT_EINVAL);
    assert_int_equal(ct__http_get(h, &rq, NULL), CT_EINVAL);
    ct__http_free(h);

    assert_int_equal(ct__url_escape("{\"PriceArea\":[\"DK1\"]}", out, sizeof(out)), 0);
    assert_string_equal(out, "%7B%22PriceArea%22%3A%5B%22DK1%22%5D%7D");
    assert_int_equal(ct__url_escape("Az09-._~ /", out, sizeof(out)), 0);
    assert_string_equal(out, "Az09-._~%20%2F");
    assert_int_equal(ct__url_escape("\xc3\xa6", out, sizeof(out)), 0);
    assert_string_equal(out, "%C3%A6");
    assert_int_equal(ct__url_escape("abc", out, 4), 0);
    assert_int_equal(ct__url_escape("abc", out, 3), -1);
    assert_string_equal(out, "");
    assert_int_equal(ct__url_escape(" ", out, 3), -1);
    assert_int_equal(ct__url_escape(NULL, out, sizeof(out)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_headers_and_agent),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_timeout_and_refused),
        cmocka_unit_test(test_cancel_from_another_thread),
        cmocka_unit_test(test_arguments_and_escape),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
