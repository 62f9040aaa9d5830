/*
 * test_carbon.c - the offline carbon-intensity table and provider (upstream's default texts byte
 * for byte) and the location lookup (zone option, coordinates, GB postcodes, TZ, /etc/localtime,
 * zone.tab) over a fixture zoneinfo directory, so no result depends on the machine's tzdata.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "carbon/provider.h"
#include "ct_assert.h"
#include "tables.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- fixture --------------------------------------------------------------------------- */

struct fixture {
    char root[512];     /* mkdtemp directory */
    char zoneinfo[600]; /* <root>/zi */
    char etc[600];      /* <root>/etc */
    char localtime[700];
};

static const char ZONE_TAB[] = "# tzdb timezone descriptions (test fixture)\n"
                               "#\n"
                               "DK\t+5540+01235\tEurope/Copenhagen\n"
                               "DE\t+5230+01322\tEurope/Berlin\tmost of Germany\n"
                               "FR\t+4852+00220\tEurope/Paris\n"
                               "IN\t+2232+08822\tAsia/Kolkata\n"
                               "NA\t-2234+01706\tAfrica/Windhoek\n"
                               "US\t+404251-0740023\tAmerica/New_York\tEastern (most areas)\n";

static const char ZONE1970_TAB[] = "# zone1970.tab (test fixture)\n"
                                   "CH,DE,LI\t+4723+00832\tEurope/Zurich\tSwiss time\n"
                                   "GB,GG,IM,JE\t+513030-0000731\tEurope/London\n";

static const char TZDATA_ZI[] = "# version test\n"
                                "R Test 1 2 - Jan 1 0 0 -\n"
                                "L Africa/Windhoek Test/Alias\n"
                                "L Test/Alias Test/AliasOfAlias\n";

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[1024];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    ct_assert_cmp_int(fputs(text, f), >=, 0);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    const char *tmp = getenv("CT_FIXTURE_TMP");

    if (fx == NULL)
        return -1;
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return -1;
    snprintf(fx->root, sizeof(fx->root), "%s/carbon.XXXXXX", tmp);
    if (mkdtemp(fx->root) == NULL)
        return -1;
    snprintf(fx->zoneinfo, sizeof(fx->zoneinfo), "%s/zi", fx->root);
    snprintf(fx->etc, sizeof(fx->etc), "%s/etc", fx->root);
    snprintf(fx->localtime, sizeof(fx->localtime), "%s/localtime", fx->etc);
    if (mkdir(fx->zoneinfo, 0755) != 0 || mkdir(fx->etc, 0755) != 0)
        return -1;
    write_file(fx->zoneinfo, "zone.tab", ZONE_TAB);
    write_file(fx->zoneinfo, "zone1970.tab", ZONE1970_TAB);
    write_file(fx->zoneinfo, "tzdata.zi", TZDATA_ZI);
    *state = fx;
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    int rc = nftw(fx->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

    free(fx);
    return rc;
}

/* Make <etc>/localtime a symlink to `target` (replacing what was there). */
static void link_localtime(const struct fixture *fx, const char *target)
{
    unlink(fx->localtime);
    assert_int_equal(symlink(target, fx->localtime), 0);
}

static void resolve(const struct fixture *fx, const char *zone, const char *tz,
                    struct ct__location *loc, char *why, size_t why_len)
{
    struct ct__location_query q = {
        .zone = zone,
        .tz = tz,
        .localtime_path = fx->localtime,
        .zoneinfo_dir = fx->zoneinfo,
    };
    memset(loc, 0x5a, sizeof(*loc));
    ct__location_resolve(&q, loc, why, why_len);
}

static void assert_tz_location(const struct ct__location *loc, const char *cc, const char *tzname,
                               const char *address)
{
    assert_int_equal(loc->method, CT__LOC_TIMEZONE);
    assert_string_equal(loc->zone, cc);
    assert_string_equal(loc->country, cc);
    assert_string_equal(loc->tzname, tzname);
    assert_string_equal(loc->address, address);
}

static void assert_undetected(const struct ct__location *loc)
{
    assert_int_equal(loc->method, CT__LOC_NONE);
    assert_string_equal(loc->zone, "");
    assert_string_equal(loc->country, "");
    assert_string_equal(loc->tzname, "");
    assert_string_equal(loc->address, "UNDETECTED");
}

/* ---- table ----------------------------------------------------------------------------- */

static void test_table_lookup(void **state)
{
    (void)state;
    double v = 0;
    int year = 0;

    assert_int_equal(ct__table_lookup("DK", &v, &year), 0);
    ct_assert_double_equal(151.6503, v);
    assert_int_equal(year, 2023);
    assert_int_equal(ct__table_lookup("GB", &v, &year), 0);
    ct_assert_double_equal(237.58902, v);
    assert_int_equal(year, 2023);
    /* Namibia: upstream's pandas reads "NA" as NaN; here it is a real code. */
    assert_int_equal(ct__table_lookup("NA", &v, &year), 0);
    ct_assert_double_equal(59.25926, v);
    assert_int_equal(year, 2022);
    assert_int_equal(ct__table_lookup("CF", &v, &year), 0);
    ct_assert_double_equal(0.0, v);
    assert_int_equal(ct__table_lookup("EH", &v, &year), 0);
    assert_int_equal(year, 2009);
    /* First and last rows of the sorted table. */
    assert_string_equal(ct__intensity_table[0].code, "AE");
    assert_int_equal(ct__table_lookup("AE", &v, NULL), 0);
    ct_assert_double_equal(561.1348, v);
    assert_string_equal(ct__intensity_table[ct__intensity_count - 1].code, "ZW");
    assert_int_equal(ct__table_lookup("ZW", NULL, &year), 0);
    assert_int_equal(year, 2022);
    /* 189 countries and 6 US balancing authorities (data/carbon-intensity-zones.csv). */
    assert_int_equal(ct__intensity_count, 189 + 6);
}

static void test_table_lookup_case_and_zones(void **state)
{
    (void)state;
    double v = 0;
    int year = 0;

    assert_int_equal(ct__table_lookup("dk", &v, &year), 0);
    ct_assert_double_equal(151.6503, v);
    assert_int_equal(ct__table_lookup("Dk", &v, &year), 0);
    ct_assert_double_equal(151.6503, v);
    v = 0;
    assert_int_equal(ct__table_lookup("DK-DK1", &v, &year), 0);
    ct_assert_double_equal(151.6503, v);
    assert_int_equal(year, 2023);
    assert_int_equal(ct__table_lookup("US-CAL-CISO", &v, &year), 0);
    ct_assert_double_equal(369.47318, v);
    assert_int_equal(ct__table_lookup("na", &v, &year), 0);
    ct_assert_double_equal(59.25926, v);
}

static void test_table_lookup_missing(void **state)
{
    (void)state;
    double v = -7;
    int year = -7;

    assert_int_equal(ct__table_lookup("XX", &v, &year), -1);
    assert_int_equal(ct__table_lookup("KR", &v, &year), -1); /* upstream's mapping gap */
    assert_int_equal(ct__table_lookup("RU", &v, &year), -1);
    assert_int_equal(ct__table_lookup(NULL, &v, &year), -1);
    assert_int_equal(ct__table_lookup("", &v, &year), -1);
    assert_int_equal(ct__table_lookup("D", &v, &year), -1);
    assert_int_equal(ct__table_lookup("DNK", &v, &year), -1);
    assert_int_equal(ct__table_lookup("1K", &v, &year), -1);
    assert_int_equal(ct__table_lookup("-DK", &v, &year), -1);
    ct_assert_double_equal(-7, v);
    assert_int_equal(year, -7);
}

/* ---- provider -------------------------------------------------------------------------- */

static void current_for(const char *zone, const char *country, struct ct__intensity *ci, char *why,
                        size_t why_len)
{
    struct ct__location loc;

    memset(&loc, 0, sizeof(loc));
    snprintf(loc.zone, sizeof(loc.zone), "%s", zone);
    snprintf(loc.country, sizeof(loc.country), "%s", country);
    memset(ci, 0x5a, sizeof(*ci));
    assert_int_equal(ct__provider_table.current(NULL, &loc, ci, why, why_len), CT_OK);
}

static void test_provider_shape(void **state)
{
    (void)state;
    struct ct__location loc;

    memset(&loc, 0, sizeof(loc));
    assert_string_equal(ct__provider_table.name, "table");
    assert_int_equal(ct__provider_table.suitable(NULL, &loc), 1);
    assert_null(ct__provider_table.forecast);
    assert_int_equal(ct__provider_table.current(NULL, &loc, NULL, NULL, 0), CT_EINVAL);
}

static void test_provider_country(void **state)
{
    (void)state;
    struct ct__intensity ci;
    char why[128] = "stale";

    current_for("DK", "DK", &ci, why, sizeof(why));
    ct_assert_double_equal(151.6503, ci.g_per_kwh);
    assert_int_equal(ci.is_default, 1);
    assert_int_equal(ci.year, 2023);
    assert_string_equal(ci.source, "table:owid:DK:2023");
    assert_string_equal(ci.description,
                        "Defaulted to average carbon intensity for DK in 2023 of 151.65 gCO2/kWh.");
    assert_string_equal(why, "");
    assert_string_equal(ci.zone, "DK");
    ct_assert_double_equal(0, ci.time_s);

    current_for("GB", "GB", &ci, NULL, 0);
    assert_string_equal(ci.description,
                        "Defaulted to average carbon intensity for GB in 2023 of 237.59 gCO2/kWh.");

    current_for("NA", "NA", &ci, NULL, 0);
    ct_assert_double_equal(59.25926, ci.g_per_kwh);
    assert_string_equal(ci.source, "table:owid:NA:2022");
    assert_string_equal(ci.description,
                        "Defaulted to average carbon intensity for NA in 2022 of 59.26 gCO2/kWh.");
}

static void test_provider_zone(void **state)
{
    (void)state;
    struct ct__intensity ci;

    /* An Electricity Maps zone falls back to its country's yearly average. */
    current_for("DK-DK1", "DK", &ci, NULL, 0);
    assert_string_equal(ci.source, "table:owid:DK:2023");
    /* Country unknown, zone alone; a zone with its own row uses it. */
    current_for("US-CAL-CISO", "", &ci, NULL, 0);
    ct_assert_double_equal(167.512, ci.g_per_kwh);
    assert_string_equal(ci.source, "table:egrid:US-CAL-CISO:2023");
    current_for("US-MIDA-PJM", "", &ci, NULL, 0);
    ct_assert_double_equal(369.47318, ci.g_per_kwh);
    assert_string_equal(ci.source, "table:owid:US:2023");
    assert_string_equal(ci.description,
                        "Defaulted to average carbon intensity for US in 2023 of 369.47 gCO2/kWh.");
}

static void test_provider_world(void **state)
{
    (void)state;
    struct ct__intensity ci;
    char why[128];
    static const char world[] =
        "Defaulted to average carbon intensity for world in 2019 of 481.00 gCO2/kWh.";

    current_for("", "", &ci, why, sizeof(why));
    ct_assert_double_equal(481.0, ci.g_per_kwh);
    assert_string_equal(ci.zone, "");
    assert_int_equal(ci.is_default, 1);
    assert_int_equal(ci.year, 2019);
    assert_string_equal(ci.source, "default:world:2019");
    assert_string_equal(ci.description, world);
    assert_string_equal(why, "location unknown; using the world average");

    current_for("KR", "KR", &ci, why, sizeof(why));
    ct_assert_double_equal(481.0, ci.g_per_kwh);
    assert_string_equal(ci.description, world);
    assert_string_equal(why, "KR is not in the offline table; using the world average");

    memset(&ci, 0, sizeof(ci));
    assert_int_equal(ct__provider_table.current(NULL, NULL, &ci, NULL, 0), CT_OK);
    assert_string_equal(ci.description, world);
}

/* ---- location: the zone option ---------------------------------------------------------- */

static void test_location_option(void **state)
{
    const struct fixture *fx = *state;
    struct ct__location loc;
    char why[256];

    resolve(fx, " dk ", "Europe/Paris", &loc, why, sizeof(why));
    assert_int_equal(loc.method, CT__LOC_OPTION);
    assert_string_equal(loc.zone, "DK");
    assert_string_equal(loc.country, "DK");
    assert_string_equal(loc.tzname, "");
    assert_string_equal(loc.address, "DK (set by option)");
    assert_string_equal(why, "");

    resolve(fx, "dk-DK1", NULL, &loc, why, sizeof(why));
    assert_int_equal(loc.method, CT__LOC_OPTION);
    assert_string_equal(loc.zone, "DK-DK1");
    assert_string_equal(loc.country, "DK");
    assert_string_equal(loc.address, "DK-DK1 (set by option)");

    resolve(fx, "US-CAL-CISO", NULL, &loc, why, sizeof(why));
    assert_string_equal(loc.zone, "US-CAL-CISO");
    assert_string_equal(loc.country, "US");

    /* A zone code that is not a country: kept, country unknown. */
    resolve(fx, "aus-nsw", NULL, &loc, why, sizeof(why));
    assert_int_equal(loc.method, CT__LOC_OPTION);
    assert_string_equal(loc.zone, "AUS-nsw");
    assert_string_equal(loc.country, "");
    assert_string_equal(loc.address, "AUS-nsw (set by option)");

    /* 15 characters is the limit. */
    resolve(fx, "ABCDEFGHIJKLMNO", NULL, &loc, why, sizeof(why));
    assert_int_equal(loc.method, CT__LOC_OPTION);
    assert_string_equal(loc.zone, "ABCDEFGHIJKLMNO");
}

static void test_location_option_invalid(void **state)
{
    const struct fixture *fx = *state;
    struct ct__location loc;
    char why[256];

    resolve(fx, "D K!", "Europe/Copenhagen", &loc, why, sizeof(why));
    assert_tz_location(&loc, "DK", "Europe/Copenhagen", "DK (from time zone Europe/Copenhagen)");
    assert_string_equal(why, "zone \"D K!\" ignored: only letters, digits and '-' are allowed");

    resolve(fx, "ABCDEFGHIJKLMNOP", "Europe/Berlin", &loc, why, sizeof(why));
    assert_tz_location(&loc, "DE", "Europe/Berlin", "DE (from time zone Europe/Berlin)");
    assert_string_equal(why, "zone \"ABCDEFGHIJKLMNOP\" ignored: longer than 15 characters");

    resolve(fx, "-DK", "UTC", &loc, why, sizeof(why));
    assert_undetected(&loc);
    assert_string_equal(why, "zone \"-DK\" ignored: it must start with a country or zone code; "
                             "time zone UTC has no country");

    /* Blank means "not given": no note. */
    resolve(fx, "  ", "Europe/Copenhagen", &loc, why, sizeof(why));
    assert_tz_location(&loc, "DK", "Europe/Copenhagen", "DK (from time zone Europe/Copenhagen)");
    assert_string_equal(why, "");
}

/* ---- location: TZ ----------------------------------------------------------------------- */

static void test_location_tz_names(void **state)
{
    const struct fixture *fx = *state;
    struct ct__location loc;
    char why[256];
    char tz[1024];

    resolve(fx, NULL, "Europe/Copenhagen", &loc, why, sizeof(why));
    assert_tz_location(&loc, "DK", "Europe/Copenhagen", "DK (from time zone Europe/Copenhagen)");
    assert_string_equal(loc.address, "DK (from time zone Europe/Copenhagen)");
    assert_string_equal(why, "");

    resolve(fx, NULL, ":Europe/Copenhagen", &loc, why, sizeof(why));
    assert_tz_location(&loc, "DK", "Europe/Copenhagen", "DK (from time zone Europe/Copenhagen)");

    resolve(fx, NULL, ":/usr/share/zoneinfo/Europe/Copenhagen", &loc, why, sizeof(why));
    assert_tz_location(&loc, "DK", "Europe/Copenhagen", "DK (from time zone Europe/Copenhagen)");

    resolve(fx, NULL, "posix/Europe/Paris", &loc, why, sizeof(why));
    assert_tz_location(&loc, "FR", "Europe/Paris", "FR (from time zone Europe/Paris)");

    resolve(fx, NULL, ":/usr/share/zoneinfo/right/Europe/Paris", &loc, why, sizeof(why));
    assert_tz_location(&loc, "FR", "Europe/Paris", "FR (from time zone Europe/Paris)");

    resolve(fx, NULL, "Africa/Windhoek", &loc, why, sizeof(why));
    assert_tz_location(&loc, "NA", "Africa/Windhoek", "NA (from time zone Africa/Windhoek)");

    /* TZ wins over /etc/localtime. */
    link_localtime(fx, "/usr/share/zoneinfo/Europe/Berlin");
    resolve(fx, NULL, "Europe/Paris", &loc, why, sizeof(why));
    assert_tz_location(&loc, "FR", "Europe/Paris", "FR (from time zone Europe/Paris)");

    /* TZ naming a file outside zoneinfo (TZ=:/etc/localtime) reads it as localtime. */
    snprintf(tz, sizeof(tz), ":%s", fx->localtime);
    resolve(fx, NULL, tz, &loc, why, sizeof(why));
    assert_tz_location(&loc, "DE", "Europe/Berlin", "DE (from time zone Europe/Berlin)");
}

static void test_location_tz_no_country(void **state)
{
    const struct fixture *fx = *state;
    struct ct__location loc;
    char why[256];

    link_localtime(fx, "/usr/share/zoneinfo/Europe/Berlin");

    resolve(fx, NULL, "UTC", &loc, why, sizeof(why));
    assert_undetected(&loc);
    assert_string_equal(why, "time zone UTC has no country");

    resolve(fx, NULL, ":Etc/GMT+2", &loc, why, sizeof(why));
    assert_undetected(&loc);
    assert_string_equal(why, "time zone Etc/GMT+2 has no country");

    resolve(fx, NULL, "GMT", &loc, why, sizeof(why));
    assert_undetected(&loc);

    resolve(fx, NULL, "", &loc, why, sizeof(why));
    assert_undetected(&loc);
    assert_string_equal(why, "TZ is empty (UTC), which has no country");

    resolve(fx, NULL, "CET-1CEST", &loc, why, sizeof(why));
    assert_undetected(&loc);
    assert_string_equal(why, "TZ \"CET-1CEST\" is a POSIX rule, which has no country");

    resolve(fx, NULL, "Mars/Olympus_Mons", &loc, why, sizeof(why));
    assert_undetected(&loc);
    ct_assert_prefix(why, "time zone Mars/Olympus_Mons is not in ");

    /* why is optional. */
    resolve(fx, NULL, "UTC", &loc, NULL, 0);
    assert_undetected(&loc);
}

static void test_location_aliases_and_fallbacks(void **state)
{
    const struct fixture *fx = *state;
    struct ct__location loc;
    char why[256];

    /* Built-in legacy aliases (the fixture zone.tab has Asia/Kolkata only). */
    resolve(fx, NULL, "Asia/Calcutta", &loc, why, sizeof(why));
    assert_tz_location(&loc, "IN", "Asia/Calcutta", "IN (from time zone Asia/Calcutta)");
    resolve(fx, NULL, "US/Eastern", &loc, why, sizeof(why));
    assert_tz_location(&loc, "US", "US/Eastern", "US (from time zone US/Eastern)");
    resolve(fx, NULL, "Europe/Kiev", &loc, why, sizeof(why));
    assert_tz_location(&loc, "UA", "Europe/Kiev", "UA (from time zone Europe/Kiev)");
    resolve(fx, NULL, "GB", &loc, why, sizeof(why));
    assert_tz_location(&loc, "GB", "GB", "GB (from time zone GB)");

    /* zone1970.tab when zone.tab lacks the name: first code of the list. */
    resolve(fx, NULL, "Europe/Zurich", &loc, why, sizeof(why));
    assert_tz_location(&loc, "CH", "Europe/Zurich", "CH (from time zone Europe/Zurich)");
    resolve(fx, NULL, "Europe/London", &loc, why, sizeof(why));
    assert_tz_location(&loc, "GB", "Europe/London", "GB (from time zone Europe/London)");

    /* tzdata.zi links, also chained. */
    resolve(fx, NULL, "Test/Alias", &loc, why, sizeof(why));
    assert_tz_location(&loc, "NA", "Test/Alias", "NA (from time zone Test/Alias)");
    resolve(fx, NULL, "Test/AliasOfAlias", &loc, why, sizeof(why));
    assert_tz_location(&loc, "NA", "Test/AliasOfAlias", "NA (from time zone Test/AliasOfAlias)");
}

/* ---- location: /etc/localtime ----------------------------------------------------------- */

static void test_location_localtime_symlink(void **state)
{
    const struct fixture *fx = *state;
    struct ct__location loc;
    char why[256];

    link_localtime(fx, "/usr/share/zoneinfo/Europe/Berlin");
    resolve(fx, NULL, NULL, &loc, why, sizeof(why));
    assert_tz_location(&loc, "DE", "Europe/Berlin", "DE (from time zone Europe/Berlin)");
    assert_string_equal(loc.address, "DE (from time zone Europe/Berlin)");
    assert_string_equal(why, "");

    link_localtime(fx, "../usr/share/zoneinfo/posix/Europe/Paris");
    resolve(fx, NULL, NULL, &loc, why, sizeof(why));
    assert_tz_location(&loc, "FR", "Europe/Paris", "FR (from time zone Europe/Paris)");

    link_localtime(fx, "/usr/share/zoneinfo/Etc/UTC");
    resolve(fx, NULL, NULL, &loc, why, sizeof(why));
    assert_undetected(&loc);
    assert_string_equal(why, "time zone Etc/UTC has no country");

    link_localtime(fx, "/nonexistent/Europe/Berlin");
    resolve(fx, NULL, NULL, &loc, why, sizeof(why));
    assert_undetected(&loc);
    ct_assert_contains(why, "points to /nonexistent/Europe/Berlin, not into a zoneinfo");
}

static void test_location_localtime_copy(void **state)
{
    const struct fixture *fx = *state;
    struct ct__location loc;
    char why[2048];
    char want[2048];

    unlink(fx->localtime);
    write_file(fx->etc, "localtime", "TZif2 (a copy of the zone file)\n");

    /* No timezone file next to it: nothing known. */
    resolve(fx, NULL, NULL, &loc, why, sizeof(why));
    assert_undetected(&loc);
    snprintf(want, sizeof(want), "%s is a copy, not a symlink, and %s/timezone is missing",
             fx->localtime, fx->etc);
    assert_string_equal(why, want);

    write_file(fx->etc, "timezone", "  Europe/Copenhagen \n");
    resolve(fx, NULL, NULL, &loc, why, sizeof(why));
    assert_tz_location(&loc, "DK", "Europe/Copenhagen", "DK (from time zone Europe/Copenhagen)");
    assert_string_equal(why, "");

    write_file(fx->etc, "timezone", "Asia/Calcutta\n");
    resolve(fx, NULL, NULL, &loc, why, sizeof(why));
    assert_tz_location(&loc, "IN", "Asia/Calcutta", "IN (from time zone Asia/Calcutta)");

    unlink(fx->localtime);
    char tzfile[1024];
    snprintf(tzfile, sizeof(tzfile), "%s/timezone", fx->etc);
    unlink(tzfile);
}

static void test_location_nothing(void **state)
{
    const struct fixture *fx = *state;
    struct ct__location loc;
    char why[1024];
    char want[1024];

    unlink(fx->localtime);
    resolve(fx, NULL, NULL, &loc, why, sizeof(why));
    assert_undetected(&loc);
    snprintf(want, sizeof(want), "%s: No such file or directory", fx->localtime);
    assert_string_equal(why, want);

    memset(&loc, 0x5a, sizeof(loc));
    ct__location_resolve(NULL, &loc, why, sizeof(why));
    assert_undetected(&loc);
    assert_string_equal(why, "");
}

static void test_tz_country(void **state)
{
    const struct fixture *fx = *state;
    char cc[8];

    assert_int_equal(ct__tz_country(fx->zoneinfo, "Europe/Copenhagen", cc, sizeof(cc)), 0);
    assert_string_equal(cc, "DK");
    assert_int_equal(ct__tz_country(fx->zoneinfo, "posix/Europe/Berlin", cc, sizeof(cc)), 0);
    assert_string_equal(cc, "DE");
    assert_int_equal(ct__tz_country(fx->zoneinfo, "Europe/Zurich", cc, sizeof(cc)), 0);
    assert_string_equal(cc, "CH");
    assert_int_equal(ct__tz_country(fx->zoneinfo, "Israel", cc, sizeof(cc)), 0);
    assert_string_equal(cc, "IL");
    assert_int_equal(ct__tz_country(fx->zoneinfo, "UTC", cc, sizeof(cc)), -1);
    assert_int_equal(ct__tz_country(fx->zoneinfo, "Etc/UTC", cc, sizeof(cc)), -1);
    assert_int_equal(ct__tz_country(fx->zoneinfo, "Nowhere/Town", cc, sizeof(cc)), -1);
    assert_int_equal(ct__tz_country(fx->zoneinfo, "", cc, sizeof(cc)), -1);
    assert_int_equal(ct__tz_country(fx->zoneinfo, NULL, cc, sizeof(cc)), -1);
    assert_int_equal(ct__tz_country(fx->zoneinfo, "Europe/Copenhagen", cc, 2), -1);
    /* A zoneinfo directory without tables still knows the built-in aliases. */
    assert_int_equal(ct__tz_country(fx->root, "Europe/Copenhagen", cc, sizeof(cc)), -1);
    assert_int_equal(ct__tz_country(fx->root, "Japan", cc, sizeof(cc)), 0);
    assert_string_equal(cc, "JP");
}

/* ---- location: coordinates and GB postcodes --------------------------------------------- */

static void resolve_full(const struct fixture *fx, const struct ct__location_query *in,
                         struct ct__location *loc, char *why, size_t why_len)
{
    struct ct__location_query q = *in;
    q.localtime_path = fx->localtime;
    q.zoneinfo_dir = fx->zoneinfo;
    memset(loc, 0x5a, sizeof(*loc));
    ct__location_resolve(&q, loc, why, why_len);
}

static void test_location_coordinates(void **state)
{
    const struct fixture *fx = *state;
    struct ct__location loc;
    char why[256];

    resolve_full(fx,
                 &(struct ct__location_query){
                     .tz = "Europe/Copenhagen", .has_coords = 1, .lat = 55.6761, .lon = 12.5683},
                 &loc, why, sizeof(why));
    assert_int_equal(loc.method, CT__LOC_COORDINATES);
    assert_int_equal(loc.has_coords, 1);
    ct_assert_double_equal(55.6761, loc.lat);
    ct_assert_double_equal(12.5683, loc.lon);
    assert_string_equal(loc.zone, "");
    assert_string_equal(loc.country, "DK"); /* the time zone's, as a hint */
    assert_string_equal(loc.tzname, "");
    assert_string_equal(loc.address, "55.6761, 12.5683 (set by option)");
    assert_string_equal(why, "");

    /* No country from the time zone: coordinates alone. */
    resolve_full(
        fx, &(struct ct__location_query){.tz = "UTC", .has_coords = 1, .lat = -33.9, .lon = 18.4},
        &loc, why, sizeof(why));
    assert_int_equal(loc.method, CT__LOC_COORDINATES);
    assert_string_equal(loc.country, "");
    assert_string_equal(loc.address, "-33.9000, 18.4000 (set by option)");
    assert_string_equal(why, "time zone UTC has no country");

    /* Out of range: ignored with a note, then the time zone. */
    resolve_full(
        fx,
        &(struct ct__location_query){.tz = "Europe/Berlin", .has_coords = 1, .lat = 91, .lon = 0},
        &loc, why, sizeof(why));
    assert_tz_location(&loc, "DE", "Europe/Berlin", "DE (from time zone Europe/Berlin)");
    assert_int_equal(loc.has_coords, 0);
    assert_string_equal(why, "coordinates 91, 0 ignored: latitude must be in -90..90 and longitude "
                             "in -180..180");

    /* A zone wins; valid coordinates are kept with it. */
    resolve_full(
        fx,
        &(struct ct__location_query){.zone = "DK-DK1", .has_coords = 1, .lat = 56.15, .lon = 10.2},
        &loc, why, sizeof(why));
    assert_int_equal(loc.method, CT__LOC_OPTION);
    assert_string_equal(loc.zone, "DK-DK1");
    assert_int_equal(loc.has_coords, 1);
    ct_assert_double_equal(10.2, loc.lon);
}

static void test_location_postcode(void **state)
{
    const struct fixture *fx = *state;
    struct ct__location loc;
    char why[256];

    /* A postcode alone means Great Britain. */
    resolve_full(fx, &(struct ct__location_query){.tz = "Europe/Paris", .postcode = " rg41 1aa "},
                 &loc, why, sizeof(why));
    assert_int_equal(loc.method, CT__LOC_OPTION);
    assert_string_equal(loc.zone, "GB");
    assert_string_equal(loc.country, "GB");
    assert_string_equal(loc.postcode, "RG41");
    assert_string_equal(loc.address, "GB, postcode RG41 (set by option)");
    assert_string_equal(why, "");

    /* With a zone: kept for the zone. */
    resolve_full(fx, &(struct ct__location_query){.zone = "gb", .postcode = "SW1A"}, &loc, why,
                 sizeof(why));
    assert_string_equal(loc.zone, "GB");
    assert_string_equal(loc.postcode, "SW1A");
    assert_string_equal(loc.address, "GB (set by option)");

    /* Not a GB postcode: a note, and the time zone decides. */
    resolve_full(fx, &(struct ct__location_query){.tz = "Europe/Copenhagen", .postcode = "1050"},
                 &loc, why, sizeof(why));
    assert_tz_location(&loc, "DK", "Europe/Copenhagen", "DK (from time zone Europe/Copenhagen)");
    assert_string_equal(loc.postcode, "");
    assert_string_equal(why, "postcode \"1050\" ignored: not a GB postcode or outward code");

    /* Blank is "not given". */
    resolve_full(fx, &(struct ct__location_query){.tz = "Europe/Copenhagen", .postcode = "  "},
                 &loc, why, sizeof(why));
    assert_tz_location(&loc, "DK", "Europe/Copenhagen", "DK (from time zone Europe/Copenhagen)");
    assert_string_equal(why, "");
}

static void test_postcode_outward(void **state)
{
    static const char *const ok[][2] = {
        {"SW1A 1AA", "SW1A"}, {"sw1a1aa", "SW1A"}, {"RG41", "RG41"},   {"EC1A", "EC1A"},
        {"M1 1AE", "M1"},     {"B33 8TH", "B33"},  {"CR2 6XH", "CR2"}, {"DN55 1PT", "DN55"},
        {"W1A 0AX", "W1A"},   {"m1", "M1"},        {"  L1  ", "L1"},
    };
    static const char *const bad[] = {"1050", "ABCDE", "", "RG41!", "R", "RGG41", "SW1AA", "12"};
    char out[16];
    (void)state;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (ct__postcode_outward(ok[i][0], out, sizeof(out)) != 0)
            fail_msg("\"%s\" refused", ok[i][0]);
        assert_string_equal(out, ok[i][1]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (ct__postcode_outward(bad[i], out, sizeof(out)) == 0)
            fail_msg("\"%s\" accepted as \"%s\"", bad[i], out);
    assert_int_equal(ct__postcode_outward(NULL, out, sizeof(out)), -1);
    assert_int_equal(ct__postcode_outward("SW1A", out, 4), -1);
    assert_int_equal(ct__postcode_outward("SW1A", out, 5), 0);
}

static void test_method_names(void **state)
{
    (void)state;
    assert_string_equal(ct__loc_method_name(CT__LOC_NONE), "none");
    assert_string_equal(ct__loc_method_name(CT__LOC_OPTION), "option");
    assert_string_equal(ct__loc_method_name(CT__LOC_TIMEZONE), "timezone");
    assert_string_equal(ct__loc_method_name(CT__LOC_COORDINATES), "coordinates");
    assert_string_equal(ct__loc_method_name(CT__LOC_GEOLOCATION), "geolocation");
    assert_string_equal(ct__loc_method_name(99), "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_lookup),
        cmocka_unit_test(test_table_lookup_case_and_zones),
        cmocka_unit_test(test_table_lookup_missing),
        cmocka_unit_test(test_provider_shape),
        cmocka_unit_test(test_provider_country),
        cmocka_unit_test(test_provider_zone),
        cmocka_unit_test(test_provider_world),
        cmocka_unit_test_setup_teardown(test_location_option, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_option_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_tz_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_tz_no_country, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_aliases_and_fallbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_localtime_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_localtime_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tz_country, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_coordinates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_postcode, setup, teardown),
        cmocka_unit_test(test_postcode_outward),
        cmocka_unit_test(test_method_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
