/*
 * fuzz_odre.c - libFuzzer target: the ODRE eCO2mix records parser over arbitrary bytes. Seeds:
 * tests/fixtures/http/odre.
 */
#include "carbon/odre.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct ct__ci_series s;
    char why[256] = "";
    int rc = ct__odre_parse((const char *)data, size, &s, why, sizeof(why));

    check_why(why, sizeof(why));
    check_series(rc, &s);
    ct__series_free(&s);
    return 0;
}
