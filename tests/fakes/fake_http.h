/*
 * fake_http.h - header-only test helper: start tests/fakes/http_server.py on 127.0.0.1 (port 0,
 * read back from a file), give it routes, read back the requests it logged, find a port where
 * nothing listens, and stop it. Uses cmocka asserts; include after <cmocka.h>.
 */
#ifndef CT_TEST_FAKE_HTTP_H
#define CT_TEST_FAKE_HTTP_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct fake_http {
    pid_t pid;
    int port;
    char dir[512];
    char routes[600];
    char log[600];
    char portfile[600];
};

static inline void fake_http_write(const char *path, const char *text)
{
    char tmp[700];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, path), 0);
}

/* Replace the routes (restarts every reply sequence) and forget the logged requests. */
static inline void fake_http_routes(struct fake_http *f, const char *routes_json)
{
    FILE *lf = fopen(f->log, "w");
    assert_non_null(lf);
    fclose(lf);
    fake_http_write(f->routes, routes_json);
}

static inline const char *fake_http_python(void)
{
    const char *p = getenv("CT_PYTHON");
    if (p != NULL && p[0] != '\0')
        return p;
    if (access("/usr/bin/python3", X_OK) == 0)
        return "/usr/bin/python3"; /* faster to start than a pyenv shim */
    return "python3";
}

static inline void fake_http_start(struct fake_http *f, const char *routes_json)
{
    const char *tmp = getenv("CT_FIXTURE_TMP");
    const char *src = getenv("CT_SOURCE_DIR");
    char script[1024], root[1024];

    memset(f, 0, sizeof(*f));
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    if (src == NULL || src[0] == '\0')
        src = ".";
    mkdir(tmp, 0755);
    snprintf(f->dir, sizeof(f->dir), "%s/fakehttp.XXXXXX", tmp);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->routes, sizeof(f->routes), "%s/routes.json", f->dir);
    snprintf(f->log, sizeof(f->log), "%s/requests.jsonl", f->dir);
    snprintf(f->portfile, sizeof(f->portfile), "%s/port", f->dir);
    snprintf(script, sizeof(script), "%s/tests/fakes/http_server.py", src);
    snprintf(root, sizeof(root), "%s/tests/fixtures/http", src);
    fake_http_routes(f, routes_json ? routes_json : "{\"routes\": []}");
    f->pid = fork();
    assert_true(f->pid >= 0);
    if (f->pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        execlp(fake_http_python(), "python3", script, "--port", "0", "--port-file", f->portfile,
               "--routes", f->routes, "--log", f->log, "--root", root, "--max-seconds", "60",
               "--max-requests", "400", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1000; i++) { /* up to 10 s */
        FILE *pf = fopen(f->portfile, "r");
        if (pf != NULL) {
            int ok = fscanf(pf, "%d", &f->port) == 1;
            fclose(pf);
            if (ok && f->port > 0)
                return;
        }
        if (waitpid(f->pid, NULL, WNOHANG) == f->pid)
            fail_msg("http_server.py exited before listening");
        usleep(10000);
    }
    fail_msg("http_server.py did not write its port");
}

static inline int fake_http_rm(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static inline void fake_http_stop(struct fake_http *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGTERM);
        waitpid(f->pid, NULL, 0);
        f->pid = 0;
    }
    if (f->dir[0] != '\0')
        nftw(f->dir, fake_http_rm, 8, FTW_DEPTH | FTW_PHYS);
    f->dir[0] = '\0';
}

/* "http://127.0.0.1:<port><suffix>" in a static buffer (one of four, rotating). */
static inline const char *fake_http_url(const struct fake_http *f, const char *suffix)
{
    static char bufs[4][256];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof(bufs[0]), "http://127.0.0.1:%d%s", f->port, suffix ? suffix : "");
    return b;
}

/* The requests logged so far, as a JSON array of {"method", "path", "headers"}. */
static inline json_t *fake_http_requests(const struct fake_http *f)
{
    json_t *arr = json_array();
    FILE *lf = fopen(f->log, "r");
    char line[16384];

    assert_non_null(lf);
    while (fgets(line, sizeof(line), lf) != NULL) {
        json_error_t err;
        json_t *o = json_loads(line, 0, &err);
        assert_non_null(o);
        json_array_append_new(arr, o);
    }
    fclose(lf);
    return arr;
}

/* The path (with query) of request i, or "" when there is none. */
static inline const char *fake_http_path(json_t *reqs, size_t i)
{
    const char *p = json_string_value(json_object_get(json_array_get(reqs, i), "path"));
    return p ? p : "";
}

/* Header `name` (lower case) of request i, or NULL. */
static inline const char *fake_http_header(json_t *reqs, size_t i, const char *name)
{
    return json_string_value(
        json_object_get(json_object_get(json_array_get(reqs, i), "headers"), name));
}

/* A 127.0.0.1 port where nothing listens (connections are refused). */
static inline int fake_http_refused_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int s = socket(AF_INET, SOCK_STREAM, 0), port;

    assert_true(s >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    port = ntohs(a.sin_port);
    close(s);
    return port;
}

/* Keep proxies from the environment away from 127.0.0.1 requests (libcurl reads them). */
static inline void fake_http_no_proxy(void)
{
    const char *names[] = {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                           "all_proxy",  "ALL_PROXY",   "no_proxy",   "NO_PROXY"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unsetenv(names[i]);
}

#endif
