/*
 * provider_harness.c - the live-provider test harness (provider_harness.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "provider_harness.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_http ph_srv;
struct ct__http *ph_client;
struct ct__settings ph_settings;

int ph_group_setup(void **state)
{
    (void)state;
    fake_http_no_proxy();
    fake_http_start(&ph_srv, NULL);
    return ct__http_new(&ph_client) == CT_OK ? 0 : -1;
}

int ph_group_teardown(void **state)
{
    (void)state;
    ct__http_free(ph_client);
    ph_client = NULL;
    ct__settings_free(&ph_settings);
    fake_http_stop(&ph_srv);
    return 0;
}

struct ct__carbon_cfg ph_cfg(const ct_options *o, double now_s)
{
    ct__settings_free(&ph_settings);
    assert_int_equal(ct__backends_resolve(&ph_settings, o, NULL, 0), CT_OK);
    struct ct__carbon_cfg c = {
        .settings = &ph_settings,
        .timeout_ms = 3000,
        .connect_timeout_ms = 1000,
        .max_reply_bytes = 0,
        .http = ph_client,
        .now_s = now_s,
    };
    return c;
}

struct ct__location ph_loc_zone(const char *zone, const char *country, int with_address)
{
    struct ct__location l;
    memset(&l, 0, sizeof(l));
    l.method = CT__LOC_OPTION;
    snprintf(l.zone, sizeof(l.zone), "%s", zone);
    if (country != NULL)
        snprintf(l.country, sizeof(l.country), "%s", country);
    else
        snprintf(l.country, sizeof(l.country), "%.2s", zone);
    if (with_address)
        snprintf(l.address, sizeof(l.address), "%s (set by option)", zone);
    return l;
}

void ph_routes(json_t *root)
{
    char *text = json_dumps(root, 0);
    fake_http_routes(&ph_srv, text);
    free(text);
    json_decref(root);
}

void ph_route(const char *path, json_t *resp, const char *file, const char *body)
{
    if (file != NULL)
        json_object_set_new(resp, "body_file", json_string(file));
    if (body != NULL)
        json_object_set_new(resp, "body", json_string(body));
    ph_routes(json_pack("{s:[{s:s, s:[o]}]}", "routes", "path", path, "responses", resp));
}

void ph_assert_requests(const char *const *paths, void (*each_request)(json_t *reqs, size_t i))
{
    json_t *reqs = fake_http_requests(&ph_srv);
    size_t n = 0;
    while (paths[n] != NULL)
        n++;
    for (size_t i = 0; i < n && i < json_array_size(reqs); i++) {
        assert_string_equal(fake_http_path(reqs, i), paths[i]);
        if (each_request != NULL)
            each_request(reqs, i);
    }
    assert_int_equal(json_array_size(reqs), n);
    json_decref(reqs);
}

char *ph_read_fixture(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    if (f == NULL)
        return NULL;
    buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    return buf;
}

int ph_golden_replies(const char *provider, const char *ext,
                      char *(*render)(const char *provider, const char *buf, size_t len))
{
    const char *src = getenv("CT_SOURCE_DIR");
    char dir[1024];
    DIR *d;
    struct dirent *e;
    int files = 0;
    size_t el = strlen(ext);

    assert_non_null(src);
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/http/%s", src, provider);
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char path[2048], gpath[2048];
        size_t n = strlen(e->d_name), len = 0, glen = 0;
        char *buf, *got, *want;
        if (n <= el || strcmp(e->d_name + n - el, ext) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        snprintf(gpath, sizeof(gpath), "%s/%.*s.golden", dir, (int)(n - el), e->d_name);
        buf = ph_read_fixture(path, &len);
        assert_non_null(buf);
        got = render(provider, buf, len);
        if (getenv("CT_UPDATE_GOLDEN") != NULL) {
            FILE *g = fopen(gpath, "w");
            assert_non_null(g);
            fputs(got, g);
            fclose(g);
        }
        want = ph_read_fixture(gpath, &glen);
        if (want == NULL)
            fail_msg("missing golden file %s", gpath);
        if (strcmp(got, want) != 0)
            fail_msg("%s differs from %s:\n%s", path, gpath, got);
        free(buf);
        free(got);
        free(want);
        files++;
    }
    closedir(d);
    return files;
}
