/*
 * location.c - where the machine is, without the network: an explicit zone option, else
 * coordinates, else a GB postcode alone, else the time zone name (TZ, else the /etc/localtime
 * symlink or /etc/timezone) mapped to its country through zoneinfo's zone.tab / zone1970.tab,
 * tzdata.zi links and a few built-in legacy aliases. IP geolocation is geolocate.c's, on the
 * carbon thread.
 */
#include "carbon/provider.h"

#include "carbon/cloud.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_LOCALTIME "/etc/localtime"
#define DEFAULT_ZONEINFO "/usr/share/zoneinfo"
#define MAX_ZONE_LEN 15 /* sizeof(ct__location.zone) - 1 */

/* Legacy names (tzdata's "backward" links) that zone.tab and zone1970.tab do not list. */
static const struct {
    const char *name;
    const char *cc;
} tz_aliases[] = {
    {"America/Buenos_Aires", "AR"},
    {"America/Indianapolis", "US"},
    {"America/Louisville", "US"},
    {"Asia/Calcutta", "IN"},
    {"Asia/Chongqing", "CN"},
    {"Asia/Istanbul", "TR"},
    {"Asia/Katmandu", "NP"},
    {"Asia/Rangoon", "MM"},
    {"Asia/Saigon", "VN"},
    {"Australia/ACT", "AU"},
    {"Australia/NSW", "AU"},
    {"Canada/Eastern", "CA"},
    {"Canada/Pacific", "CA"},
    {"Egypt", "EG"},
    {"Eire", "IE"},
    {"Europe/Belfast", "GB"},
    {"Europe/Kiev", "UA"},
    {"Europe/Uzhgorod", "UA"},
    {"Europe/Zaporozhye", "UA"},
    {"GB", "GB"},
    {"GB-Eire", "GB"},
    {"Hongkong", "HK"},
    {"Iceland", "IS"},
    {"Iran", "IR"},
    {"Israel", "IL"},
    {"Jamaica", "JM"},
    {"Japan", "JP"},
    {"Libya", "LY"},
    {"NZ", "NZ"},
    {"Poland", "PL"},
    {"Portugal", "PT"},
    {"PRC", "CN"},
    {"ROC", "TW"},
    {"ROK", "KR"},
    {"Singapore", "SG"},
    {"Turkey", "TR"},
    {"US/Alaska", "US"},
    {"US/Arizona", "US"},
    {"US/Central", "US"},
    {"US/Eastern", "US"},
    {"US/Hawaii", "US"},
    {"US/Mountain", "US"},
    {"US/Pacific", "US"},
};

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_alpha(char c)
{
    return is_upper(c) || (c >= 'a' && c <= 'z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char to_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Append a note to `why`, separated from earlier ones by "; ". */
static void note(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(char *why, size_t why_len, const char *fmt, ...)
{
    size_t used;
    va_list ap;

    if (why == NULL || why_len == 0)
        return;
    used = strnlen(why, why_len);
    if (used >= why_len - 1)
        return;
    if (used > 0) {
        snprintf(why + used, why_len - used, "; ");
        used = strnlen(why, why_len);
        if (used >= why_len - 1)
            return;
    }
    va_start(ap, fmt);
    vsnprintf(why + used, why_len - used, fmt, ap);
    va_end(ap);
}

/* Copy at most n bytes of s into dst for a message, printable ASCII only. */
static void printable(char *dst, size_t len, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n && i + 1 < len && s[i] != '\0'; i++)
        dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    dst[i] = '\0';
}

/* "posix/Europe/Paris" and "right/Europe/Paris" name Europe/Paris. */
static const char *strip_tz_prefix(const char *name)
{
    if (strncmp(name, "posix/", 6) == 0)
        return name + 6;
    if (strncmp(name, "right/", 6) == 0)
        return name + 6;
    return name;
}

/* The part of a path after its "zoneinfo/" directory component, or NULL. */
static const char *after_zoneinfo(const char *path)
{
    const char *p = path;

    while ((p = strstr(p, "zoneinfo/")) != NULL) {
        if (p == path || p[-1] == '/')
            return strip_tz_prefix(p + 9);
        p++;
    }
    return NULL;
}

/* Time zones that are offsets from UTC and belong to no country. */
static int is_utc_like(const char *name)
{
    static const char *const names[] = {"UTC",   "UCT",       "GMT",  "GMT0",      "GMT+0",
                                        "GMT-0", "Greenwich", "Zulu", "Universal", "Factory"};

    if (strncmp(name, "Etc/", 4) == 0)
        return 1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* A POSIX TZ rule ("CET-1CEST", "EST5EDT,M3.2.0,M11.1.0", "<+03>-3") rather than a zone name. */
static int is_posix_rule(const char *name)
{
    if (strchr(name, '/') != NULL)
        return 0;
    for (const char *p = name; *p; p++)
        if (is_digit(*p) || *p == ',' || *p == '<')
            return 1;
    return 0;
}

/* What a line of a zoneinfo file tells a lookup (scan_lines). */
enum { LINE_FOUND = 0, LINE_NEXT = 1, LINE_STOP = 2 };

/* Hand each line of dir/file to `match` until it answers other than LINE_NEXT: 0 when it answered
 * LINE_FOUND, else -1 (also when the file cannot be read). */
static int scan_lines(const char *dir, const char *file, int (*match)(const char *line, void *ctx),
                      void *ctx)
{
    char path[PATH_MAX];
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    int answer = LINE_NEXT;

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
        return -1;
    f = fopen(path, "re");
    if (f == NULL)
        return -1;
    while (answer == LINE_NEXT && getline(&line, &cap, f) >= 0)
        answer = match(line, ctx);
    free(line);
    fclose(f);
    return answer == LINE_FOUND ? 0 : -1;
}

struct tab_query {
    const char *name; /* the time zone looked for */
    char *cc;         /* its country, when found */
};

/* A zone.tab-style line: "CC[,CC...]<TAB>coords<TAB>TZ[<TAB>comments]". */
static int tab_line(const char *line, void *ctx)
{
    struct tab_query *q = ctx;
    const char *tab1, *tab2, *tz;
    size_t tz_len;

    if (line[0] == '#')
        return LINE_NEXT;
    tab1 = strchr(line, '\t');
    if (tab1 == NULL)
        return LINE_NEXT;
    tab2 = strchr(tab1 + 1, '\t');
    if (tab2 == NULL)
        return LINE_NEXT;
    tz = tab2 + 1;
    tz_len = strcspn(tz, "\t\r\n");
    if (tz_len != strlen(q->name) || strncmp(tz, q->name, tz_len) != 0)
        return LINE_NEXT;
    if (!is_upper(line[0]) || !is_upper(line[1]) || (line[2] != '\t' && line[2] != ','))
        return LINE_NEXT;
    q->cc[0] = line[0];
    q->cc[1] = line[1];
    q->cc[2] = '\0';
    return LINE_FOUND;
}

/* Look `name` up in a zone.tab-style file: 0 with cc set, or -1. */
static int tab_lookup(const char *dir, const char *file, const char *name, char cc[3])
{
    struct tab_query q = {name, cc};
    return scan_lines(dir, file, tab_line, &q);
}

struct link_query {
    const char *name; /* the link looked for */
    char *target;     /* its target, when found */
    size_t len;
};

/* A tzdata.zi link line: "L TARGET LINKNAME". */
static int link_line(const char *line, void *ctx)
{
    struct link_query *q = ctx;
    const char *tgt, *link;
    size_t tgt_len, link_len;

    if (line[0] != 'L' || line[1] != ' ')
        return LINE_NEXT;
    tgt = line + 2;
    tgt_len = strcspn(tgt, " \t\r\n");
    link = tgt + tgt_len;
    link += strspn(link, " \t");
    link_len = strcspn(link, " \t\r\n");
    if (link_len != strlen(q->name) || strncmp(link, q->name, link_len) != 0)
        return LINE_NEXT;
    if (tgt_len == 0 || tgt_len >= q->len)
        return LINE_STOP;
    memcpy(q->target, tgt, tgt_len);
    q->target[tgt_len] = '\0';
    return LINE_FOUND;
}

/* The target of tzdata.zi link `name`: 0, or -1. */
static int zi_link_target(const char *dir, const char *name, char *target, size_t len)
{
    struct link_query q = {name, target, len};
    return scan_lines(dir, "tzdata.zi", link_line, &q);
}

static int country_of(const char *dir, const char *name, char cc[3])
{
    if (tab_lookup(dir, "zone.tab", name, cc) == 0)
        return 0;
    if (tab_lookup(dir, "zone1970.tab", name, cc) == 0)
        return 0;
    for (size_t i = 0; i < sizeof(tz_aliases) / sizeof(tz_aliases[0]); i++) {
        if (strcmp(tz_aliases[i].name, name) == 0) {
            memcpy(cc, tz_aliases[i].cc, 3);
            return 0;
        }
    }
    return -1;
}

int ct__tz_country(const char *zoneinfo_dir, const char *tzname, char *country, size_t len)
{
    const char *dir = zoneinfo_dir != NULL ? zoneinfo_dir : DEFAULT_ZONEINFO;
    char cc[3];
    char name[64], target[64];

    if (tzname == NULL || country == NULL || len < 3)
        return -1;
    tzname = strip_tz_prefix(tzname);
    if (tzname[0] == '\0' || strlen(tzname) >= sizeof(name) || is_utc_like(tzname))
        return -1;
    snprintf(name, sizeof(name), "%s", tzname);
    /* Follow up to a few tzdata.zi links (alias -> canonical zone). */
    for (int hop = 0; hop < 4; hop++) {
        if (country_of(dir, name, cc) == 0) {
            snprintf(country, len, "%s", cc);
            return 0;
        }
        if (zi_link_target(dir, name, target, sizeof(target)) != 0 || strcmp(target, name) == 0)
            break;
        memcpy(name, target, sizeof(name));
    }
    return -1;
}

/* The explicit zone option: 1 when it was taken, 0 when absent or invalid (with a note). */
static int zone_from_option(const char *zone, struct ct__location *out, char *why, size_t why_len)
{
    const char *start = zone, *end;
    char shown[40];
    size_t n, country_len;

    while (is_space(*start))
        start++;
    end = start + strlen(start);
    while (end > start && is_space(end[-1]))
        end--;
    n = (size_t)(end - start);
    if (n == 0)
        return 0;
    printable(shown, sizeof(shown), start, n);
    if (memchr(start, ':', n) != NULL) { /* a cloud region: "aws:us-east-1" */
        char name[64];
        const struct ct__cloud_region_entry *e = NULL;
        if (n < sizeof(name)) {
            memcpy(name, start, n);
            name[n] = '\0';
            e = ct__cloud_region_find(name);
        }
        if (e == NULL) {
            note(why, why_len,
                 "zone \"%s\" ignored: not a cloud region carbontracker knows (aws:REGION, "
                 "gcp:REGION or azure:REGION; carbontracker --zones --json FILE lists them); give "
                 "the grid zone instead",
                 shown);
            return 0;
        }
        ct__cloud_location(e, CT__LOC_OPTION, "set by option", out);
        return 1;
    }
    if (n > MAX_ZONE_LEN) {
        note(why, why_len, "zone \"%s%s\" ignored: longer than %d characters", shown,
             n >= sizeof(shown) ? "..." : "", MAX_ZONE_LEN);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_alpha(start[i]) && !is_digit(start[i]) && start[i] != '-') {
            note(why, why_len, "zone \"%s\" ignored: only letters, digits and '-' are allowed",
                 shown);
            return 0;
        }
    }
    country_len = strcspn(start, "-");
    if (country_len == 0) {
        note(why, why_len, "zone \"%s\" ignored: it must start with a country or zone code", shown);
        return 0;
    }
    if (country_len > n)
        country_len = n;
    for (size_t i = 0; i < n; i++)
        out->zone[i] = i < country_len ? to_upper(start[i]) : start[i];
    out->zone[n] = '\0';
    if (country_len == 2 && is_alpha(out->zone[0]) && is_alpha(out->zone[1])) {
        out->country[0] = out->zone[0];
        out->country[1] = out->zone[1];
        out->country[2] = '\0';
    }
    out->method = CT__LOC_OPTION;
    snprintf(out->address, sizeof(out->address), "%s (set by option)", out->zone);
    return 1;
}

/* Copy a time zone name into name[len]; 0, or -1 with a note when it is too long or empty. */
static int take_name(const char *src, char *name, size_t len, char *why, size_t why_len)
{
    char shown[40];

    src = strip_tz_prefix(src);
    if (src[0] == '\0') {
        note(why, why_len, "empty time zone name");
        return -1;
    }
    if (strlen(src) >= len) {
        printable(shown, sizeof(shown), src, sizeof(shown) - 1);
        note(why, why_len, "time zone name \"%s...\" is too long", shown);
        return -1;
    }
    snprintf(name, len, "%s", src);
    return 0;
}

/* The time zone named by a localtime file: its symlink target inside zoneinfo, or the
 * "timezone" file next to it when it is a copy (Debian's /etc/timezone). */
static int name_from_localtime(const char *path, char *name, size_t len, char *why, size_t why_len)
{
    char target[PATH_MAX];
    char tzfile[PATH_MAX];
    char *resolved = NULL;
    FILE *f = NULL;
    const char *slash, *zi;
    struct stat st;
    ssize_t n;
    int rc = -1;

    if (lstat(path, &st) != 0) {
        note(why, why_len, "%s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (S_ISLNK(st.st_mode)) {
        n = readlink(path, target, sizeof(target) - 1);
        if (n < 0) {
            note(why, why_len, "%s: %s", path, strerror(errno));
            goto cleanup;
        }
        target[n] = '\0';
        zi = after_zoneinfo(target);
        if (zi == NULL) {
            /* A chain of links (e.g. through /etc/alternatives): try the final path. */
            resolved = realpath(path, NULL);
            if (resolved != NULL)
                zi = after_zoneinfo(resolved);
        }
        if (zi == NULL) {
            note(why, why_len, "%s points to %s, not into a zoneinfo directory", path, target);
            goto cleanup;
        }
        rc = take_name(zi, name, len, why, why_len);
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        note(why, why_len, "%s is not a file or symlink", path);
        goto cleanup;
    }

    slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(tzfile, sizeof(tzfile), "timezone");
    else if ((size_t)snprintf(tzfile, sizeof(tzfile), "%.*s/timezone", (int)(slash - path), path) >=
             sizeof(tzfile))
        goto cleanup;
    f = fopen(tzfile, "re");
    if (f == NULL) {
        note(why, why_len, "%s is a copy, not a symlink, and %s is missing", path, tzfile);
        goto cleanup;
    }
    if (fgets(target, sizeof(target), f) == NULL) {
        note(why, why_len, "%s is empty", tzfile);
        goto cleanup;
    }
    {
        char *s = target, *e;
        while (is_space(*s))
            s++;
        e = s + strlen(s);
        while (e > s && is_space(e[-1]))
            *--e = '\0';
        zi = after_zoneinfo(s);
        rc = take_name(zi != NULL ? zi : s, name, len, why, why_len);
    }
cleanup:
    free(resolved);
    if (f != NULL)
        fclose(f);
    return rc;
}

/* The time zone named by a TZ value: ":Europe/Copenhagen", "Europe/Copenhagen",
 * ":/usr/share/zoneinfo/Europe/Copenhagen", ":/etc/localtime" (a file), "CET-1CEST" (a rule). */
static int name_from_tz(const char *tz, char *name, size_t len, char *why, size_t why_len)
{
    const char *zi;

    if (tz[0] == ':')
        tz++;
    if (tz[0] == '\0') {
        note(why, why_len, "TZ is empty (UTC), which has no country");
        return -1;
    }
    if (tz[0] == '/') {
        zi = after_zoneinfo(tz);
        if (zi != NULL)
            return take_name(zi, name, len, why, why_len);
        return name_from_localtime(tz, name, len, why, why_len);
    }
    return take_name(tz, name, len, why, why_len);
}

const char *ct__loc_method_name(int method)
{
    switch (method) {
    case CT__LOC_OPTION:
        return "option";
    case CT__LOC_TIMEZONE:
        return "timezone";
    case CT__LOC_COORDINATES:
        return "coordinates";
    case CT__LOC_GEOLOCATION:
        return "geolocation";
    case CT__LOC_CLOUD:
        return "cloud";
    }
    return "none";
}

int ct__postcode_outward(const char *postcode, char *out, size_t len)
{
    char buf[16];
    size_t n = 0, outward;
    const char *p = postcode;

    if (postcode == NULL || out == NULL || len == 0)
        return -1;
    out[0] = '\0';
    while (is_space(*p))
        p++;
    /* Copy letters and digits up to the first space (the outward code), upper-cased. */
    for (; *p && !is_space(*p); p++) {
        if (!is_alpha(*p) && !is_digit(*p))
            return -1;
        if (n + 1 >= sizeof(buf))
            return -1;
        buf[n++] = to_upper(*p);
    }
    buf[n] = '\0';
    outward = n;
    /* A full postcode written without its space ("SW1A1AA"): the inward code is digit + 2 letters.
     */
    if (n >= 5 && n <= 7 && is_digit(buf[n - 3]) && is_alpha(buf[n - 2]) && is_alpha(buf[n - 1]))
        outward = n - 3;
    /* Outward codes: A9, A99, AA9, AA99, A9A, AA9A. */
    if (outward < 2 || outward > 4 || !is_alpha(buf[0]))
        return -1;
    {
        size_t letters = is_alpha(buf[1]) ? 2 : 1;
        if (letters >= outward || !is_digit(buf[letters]))
            return -1;
        for (size_t i = letters + 1; i < outward; i++)
            if (!is_digit(buf[i]) && !(i == outward - 1 && is_alpha(buf[i])))
                return -1;
    }
    if (outward + 1 > len)
        return -1;
    memcpy(out, buf, outward);
    out[outward] = '\0';
    return 0;
}

/* The time-zone step: 1 with out set, 0 with a note. */
static int from_timezone(const struct ct__location_query *q, struct ct__location *out, char *why,
                         size_t why_len)
{
    char name[sizeof(out->tzname)];
    char cc[3];
    int rc;

    if (q->tz != NULL)
        rc = name_from_tz(q->tz, name, sizeof(name), why, why_len);
    else
        rc = name_from_localtime(q->localtime_path != NULL ? q->localtime_path : DEFAULT_LOCALTIME,
                                 name, sizeof(name), why, why_len);
    if (rc != 0)
        return 0;

    if (is_utc_like(name)) {
        note(why, why_len, "time zone %s has no country", name);
        return 0;
    }
    if (ct__tz_country(q->zoneinfo_dir, name, cc, sizeof(cc)) == 0) {
        out->method = CT__LOC_TIMEZONE;
        snprintf(out->zone, sizeof(out->zone), "%s", cc);
        snprintf(out->country, sizeof(out->country), "%s", cc);
        snprintf(out->tzname, sizeof(out->tzname), "%s", name);
        snprintf(out->address, sizeof(out->address), "%s (from time zone %s)", cc, name);
        return 1;
    }
    if (is_posix_rule(name))
        note(why, why_len, "TZ \"%s\" is a POSIX rule, which has no country", name);
    else
        note(why, why_len, "time zone %s is not in %s/zone.tab", name,
             q->zoneinfo_dir != NULL ? q->zoneinfo_dir : DEFAULT_ZONEINFO);
    return 0;
}

/* The postcode option's outward code into pc (or ""), with a note when it is not a GB one. */
static void postcode_option(const char *postcode, char *pc, size_t len, char *why, size_t why_len)
{
    char shown[40];
    const char *s = postcode;

    pc[0] = '\0';
    if (s == NULL)
        return;
    while (is_space(*s))
        s++;
    if (*s == '\0')
        return;
    if (ct__postcode_outward(s, pc, len) != 0) {
        printable(shown, sizeof(shown), s, sizeof(shown) - 1);
        note(why, why_len, "postcode \"%s\" ignored: not a GB postcode or outward code", shown);
        pc[0] = '\0';
    }
}

void ct__location_resolve(const struct ct__location_query *q, struct ct__location *out, char *why,
                          size_t why_len)
{
    char pc[sizeof(out->postcode)];

    if (out == NULL)
        return;
    memset(out, 0, sizeof(*out));
    if (why != NULL && why_len > 0)
        why[0] = '\0';
    if (q == NULL)
        goto none;
    postcode_option(q->postcode, pc, sizeof(pc), why, why_len);

    if (q->zone != NULL && zone_from_option(q->zone, out, why, why_len)) {
        snprintf(out->postcode, sizeof(out->postcode), "%s", pc);
        if (q->has_coords && isfinite(q->lat) && isfinite(q->lon) && fabs(q->lat) <= 90 &&
            fabs(q->lon) <= 180) {
            out->has_coords = 1;
            out->lat = q->lat;
            out->lon = q->lon;
        }
        return;
    }

    if (q->has_coords) {
        if (isfinite(q->lat) && isfinite(q->lon) && fabs(q->lat) <= 90 && fabs(q->lon) <= 180) {
            struct ct__location tz;
            memset(&tz, 0, sizeof(tz));
            /* The time zone's country, if any, is kept as a hint for the GB/DK services and the
             * yearly table; Electricity Maps is asked by coordinates. */
            if (from_timezone(q, &tz, why, why_len))
                snprintf(out->country, sizeof(out->country), "%s", tz.country);
            out->method = CT__LOC_COORDINATES;
            out->has_coords = 1;
            out->lat = q->lat;
            out->lon = q->lon;
            snprintf(out->postcode, sizeof(out->postcode), "%s", pc);
            snprintf(out->address, sizeof(out->address), "%.4f, %.4f (set by option)", q->lat,
                     q->lon);
            return;
        }
        note(why, why_len,
             "coordinates %g, %g ignored: latitude must be in -90..90 and longitude "
             "in -180..180",
             q->lat, q->lon);
    }

    if (pc[0] != '\0') {
        /* A postcode alone names Great Britain (the option exists for its regional data). */
        out->method = CT__LOC_OPTION;
        snprintf(out->zone, sizeof(out->zone), "GB");
        snprintf(out->country, sizeof(out->country), "GB");
        snprintf(out->postcode, sizeof(out->postcode), "%s", pc);
        snprintf(out->address, sizeof(out->address), "GB, postcode %s (set by option)", pc);
        return;
    }

    if (from_timezone(q, out, why, why_len))
        return;

none:
    memset(out, 0, sizeof(*out));
    out->method = CT__LOC_NONE;
    snprintf(out->address, sizeof(out->address), "UNDETECTED");
}
