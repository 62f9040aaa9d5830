/*
 * fuzz_ukgrid.c - libFuzzer target: the carbonintensity.org.uk parser (national, regional array
 * and object forms) over arbitrary bytes. Seeds: tests/fixtures/http/ukgrid.
 */
#include "carbon/ukgrid.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct ct__ci_series s;
    char why[256] = "";
    int rc = ct__ukgrid_parse((const char *)data, size, &s, why, sizeof(why));

    check_why(why, sizeof(why));
    check_series(rc, &s);
    if (rc == CT_OK && memchr(s.label, '\0', sizeof(s.label)) == NULL)
        abort();
    ct__series_free(&s);
    return 0;
}
