/*
 * fuzz_eirgrid.c - libFuzzer target: the EirGrid Smart Grid Dashboard parser (Irish wall-clock
 * times included) over arbitrary bytes. Seeds: tests/fixtures/http/eirgrid.
 */
#include "carbon/eirgrid.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct ct__ci_series s;
    char why[256] = "";
    int rc = ct__eirgrid_parse((const char *)data, size, &s, why, sizeof(why));

    check_why(why, sizeof(why));
    check_series(rc, &s);
    ct__series_free(&s);
    return 0;
}
