/*
 * fuzz_entsoe.c - libFuzzer target: the ENTSO-E A75 parser (XML through libxml2) over arbitrary
 * bytes, and the intensity of what it gives. Seeds: tests/fixtures/http/entsoe.
 */
#include "carbon/entsoe.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct ct__mix_series ms;
    struct ct__factors f;
    struct ct__intensity ci;
    char why[256] = "";
    int rc = ct__entsoe_parse((const char *)data, size, &ms, why, sizeof(why));

    check_why(why, sizeof(why));
    if (rc == CT_OK) {
        ct__factors_default("SE-SE3", &f);
        why[0] = '\0';
        if (ct__mix_current(&ms, &f, "entsoe", "SE-SE3", "ENTSO-E", 1.9e9, &ci, why, sizeof(why)) ==
                CT_OK &&
            !ct__valid_intensity(ci.g_per_kwh))
            __builtin_trap();
        check_why(why, sizeof(why));
    } else if (ms.n != 0 || ms.slots != NULL) {
        __builtin_trap();
    }
    ct__mix_series_free(&ms);
    return 0;
}
