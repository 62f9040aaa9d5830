/*
 * fuzz_geolocate.c - libFuzzer target: the ipinfo reply parser, the location made from it and the
 * GB outward-code reader over arbitrary bytes. Seeds: tests/fixtures/http/geolocation.
 */
#include "carbon/geolocate.h"

#include "fuzz_common.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct ct__geo g;
    struct ct__location loc;
    char why[256] = "", text[64], out[16];
    double t;
    int rc = ct__geo_parse_ipinfo((const char *)data, size, &g, why, sizeof(why));

    check_why(why, sizeof(why));
    if (rc == CT_OK) {
        if (strlen(g.country) != 2 || memchr(g.address, '\0', sizeof(g.address)) == NULL)
            abort();
        if (g.has_coords && (!(fabs(g.lat) <= 90) || !(fabs(g.lon) <= 180)))
            abort();
        ct__geo_location(&g, &loc);
        if (loc.method != CT__LOC_GEOLOCATION || strcmp(loc.country, g.country) != 0)
            abort();
    }
    /* The small text readers: the first bytes as a string. */
    snprintf(text, sizeof(text), "%.*s", (int)(size < 63 ? size : 63), (const char *)data);
    if (ct__postcode_outward(text, out, sizeof(out)) == 0 && (strlen(out) < 2 || strlen(out) > 4))
        abort();
    if (ct__parse_utc(text, &t) == 0 && !isfinite(t))
        abort();
    return 0;
}
