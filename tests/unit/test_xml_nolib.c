/*
 * test_xml_nolib.c - libxml2 is loaded only when an XML reply is read (the ENTSO-E provider):
 * nothing maps it before, and a machine without it gets a reason that names the Debian package
 * to install, not a crash. Its own process: the load is attempted once per process, here under
 * names that do not exist.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "carbon/entsoe.h"
#include "ct_assert.h"
#include "util/xml.h"

#include <link.h>
#include <string.h>

static int find_xml(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    if (info->dlpi_name != NULL && strstr(info->dlpi_name, "libxml2") != NULL)
        *(int *)data = 1;
    return 0;
}

static int libxml2_mapped(void)
{
    int found = 0;
    dl_iterate_phdr(find_xml, &found);
    return found;
}

static void test_no_libxml2(void **state)
{
    static const char *const missing[] = {"libxml2-not-installed-for-this-test.so.2", NULL};
    static const char doc[] = "<GL_MarketDocument/>";
    struct ct__mix_series ms;
    char why[512] = "";
    (void)state;

    assert_false(libxml2_mapped()); /* the library does not link it */
    ct__xml_libraries = missing;
    assert_int_equal(ct__entsoe_parse(doc, strlen(doc), &ms, why, sizeof(why)), CT_ENOTSUP);
    ct_assert_contains(why, "libxml2-not-installed-for-this-test.so.2");
    ct_assert_contains(why, "libxml2 is needed to read ENTSO-E replies: install it (Debian "
                            "package libxml2)");
    assert_int_equal(ms.n, 0);
    assert_false(libxml2_mapped());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_libxml2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
