/*
 * provider_harness.h - what the live-provider tests share: a real HTTP server on 127.0.0.1
 * (tests/fakes/http_server.py) and a client, started once per group; the provider settings a
 * tracker would resolve from given options; a location set by option; one-route replies and the
 * check of the exact request paths. Uses cmocka asserts; include after <cmocka.h>.
 */
#ifndef CT_TEST_PROVIDER_HARNESS_H
#define CT_TEST_PROVIDER_HARNESS_H

#include <jansson.h>

#include "../fakes/fake_http.h"
#include "backends.h"
#include "carbon/provider.h"
#include "util/http.h"

extern struct fake_http ph_srv;         /* the server, started by ph_group_setup() */
extern struct ct__http *ph_client;      /* the client every cfg uses */
extern struct ct__settings ph_settings; /* resolved by the last ph_cfg() */

/* cmocka group setup/teardown: no proxies, the server on a free port, a client. */
int ph_group_setup(void **state);
int ph_group_teardown(void **state);

/* Resolve *o into ph_settings and return the cfg a tracker would pass the providers
 * (3 s timeout, 1 s connect timeout, the shared client, clock at now_s). */
struct ct__carbon_cfg ph_cfg(const ct_options *o, double now_s);

/* A location set by option: zone, country (NULL: the zone's first two letters) and, when
 * with_address, the address "<zone> (set by option)". */
struct ct__location ph_loc_zone(const char *zone, const char *country, int with_address);

/* Serve the routes document root ({"routes": [...]}, taken over). Restarts the request log. */
void ph_routes(json_t *root);

/* Route `path` to one reply: resp (taken over, e.g. {"status", "delay_s"}) plus the fixture
 * body_file and/or inline body where not NULL. Restarts the server's request log. */
void ph_route(const char *path, json_t *resp, const char *file, const char *body);

/* The requests since the last route: exactly these paths (NULL-terminated, with queries), in
 * order; each_request (may be NULL) then checks request i further. */
void ph_assert_requests(const char *const *paths, void (*each_request)(json_t *reqs, size_t i));

/* A fixture file read whole (at most 1 MiB), NUL-terminated: malloc'ed (free it), or NULL when it
 * cannot be opened. */
char *ph_read_fixture(const char *path, size_t *len);

/* Each reply file ending in `ext` in tests/fixtures/http/<provider>, rendered by
 * render(provider, bytes, len) (malloc'ed text), must equal <name>.golden beside it (rewritten
 * first when CT_UPDATE_GOLDEN is set); a difference or a missing golden fails the test. Returns
 * the number of files compared. */
int ph_golden_replies(const char *provider, const char *ext,
                      char *(*render)(const char *provider, const char *buf, size_t len));

#endif
