/*
 * fuzz_energycharts.c - libFuzzer target: the Energy-Charts /co2eq parser over arbitrary bytes;
 * both series it returns (the actual values, and actual-then-forecast) keep the invariants.
 * Seeds: tests/fixtures/http/energycharts.
 */
#include "carbon/energycharts.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct ct__ec_reply r;
    char why[256] = "";
    int rc = ct__ec_parse((const char *)data, size, &r, why, sizeof(why));

    check_why(why, sizeof(why));
    check_series(rc, &r.merged);
    if (rc == CT_OK && r.actual.n > 0)
        check_series(rc, &r.actual);
    /* Every merged slot came from an actual or a forecast value (equal times are merged). */
    if (rc == CT_OK && r.actual.n + r.n_forecast < r.merged.n)
        abort();
    ct__ec_reply_free(&r);
    return 0;
}
