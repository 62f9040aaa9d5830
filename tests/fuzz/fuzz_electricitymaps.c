/*
 * fuzz_electricitymaps.c - libFuzzer target: Electricity Maps latest and forecast parsers over
 * arbitrary bytes. Seeds: tests/fixtures/http/electricitymaps.
 */
#include "carbon/electricitymaps.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct ct__intensity ci;
    struct ct__ci_series s;
    char why[256] = "";
    int rc;

    rc = ct__em_parse_latest((const char *)data, size, &ci, why, sizeof(why));
    check_why(why, sizeof(why));
    if (rc == CT_OK && (!isfinite(ci.g_per_kwh) || ci.g_per_kwh < 0 || ci.g_per_kwh > 5000 ||
                        ci.is_default || memchr(ci.zone, '\0', sizeof(ci.zone)) == NULL))
        abort();
    why[0] = '\0';
    rc = ct__em_parse_forecast((const char *)data, size, &s, why, sizeof(why));
    check_why(why, sizeof(why));
    check_series(rc, &s);
    ct__series_free(&s);
    return 0;
}
