/*
 * eirgrid.c - the Ireland provider, EirGrid's Smart Grid Dashboard (no key): GET
 * <url>/api/chart/?areas=co2intensity&region=ROI|NI&... for zones IE and GB-NIR; the latest
 * 15-minute value. The dashboard has no CO2 forecast.
 */
#include "carbon/eirgrid.h"

#include "util/http.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SLOT_S 900.0

static const char *const eirgrid_zones[] = {"IE", "GB-NIR", NULL};

/* The last Sunday of month `mon` (0-based) of `year`, at 01:00 UTC. */
static double last_sunday_0100(int year, int mon)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = mon + 1, .tm_mday = 1, .tm_hour = 1};
    time_t first_of_next = timegm(&tm); /* normalised: month 12 is January of the next year */
    struct tm d;
    gmtime_r(&first_of_next, &d);
    int back = d.tm_wday == 0 ? 7 : d.tm_wday; /* days back to the last Sunday before it */
    return (double)first_of_next - back * 86400.0;
}

/* As ct__eirgrid_time; *repeated = 1 when the time lies in October's repeated hour (read as
 * summer time; the same wall-clock time an hour later is GMT). */
static int irish_time(const char *s, double *t_s, int *repeated)
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char mon[4] = "", tail;
    int d, y, h, mi, sec, m = -1;
    struct tm tm;
    double wall, summer;

    if (s == NULL || t_s == NULL ||
        sscanf(s, "%2d-%3[A-Za-z]-%4d %2d:%2d:%2d%c", &d, mon, &y, &h, &mi, &sec, &tail) != 6)
        return -1;
    for (int i = 0; i < 12; i++)
        if (strcasecmp(mon, months[i]) == 0)
            m = i;
    if (m < 0 || d < 1 || d > 31 || y < 1970 || y > 9999 || h > 23 || mi > 59 || sec > 60 ||
        h < 0 || mi < 0 || sec < 0)
        return -1;
    tm = (struct tm){
        .tm_year = y - 1900, .tm_mon = m, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
    wall = (double)timegm(&tm);
    summer = wall - 3600;
    double end = last_sunday_0100(y, 9);
    *t_s = summer >= last_sunday_0100(y, 2) && summer < end ? summer : wall;
    *repeated = *t_s == summer && summer >= end - 3600;
    return 0;
}

int ct__eirgrid_time(const char *s, double *t_s)
{
    int repeated;
    return irish_time(s, t_s, &repeated);
}

const char *ct__eirgrid_region(const char *zone)
{
    if (zone == NULL)
        return NULL;
    if (strcasecmp(zone, "IE") == 0)
        return "ROI";
    if (strcasecmp(zone, "GB-NIR") == 0)
        return "NI";
    return NULL;
}

static const json_t *rows(const json_t *root, struct ct__ci_series *out, char *why, size_t why_len)
{
    const json_t *arr = json_object_get(root, "Rows");

    (void)out;
    if (json_is_array(arr))
        return arr;
    ct__why_add(why, why_len, "no Rows in the reply");
    ct__why_service_says(why, why_len, json_object_get(root, "ErrorMessage"));
    return NULL;
}

/* One row: its time (UTC) and value. The rows come in time order: in October's repeated hour
 * (read as summer time) a time that does not move forward is the second pass, in GMT (an hour
 * later in UTC). */
static int row_slot(const json_t *row, double prev_t_s, double *t_s, double *dur_s,
                    double *g_per_kwh)
{
    const char *when = NULL;
    int repeated = 0;

    if (json_unpack((json_t *)row, "{s:s, s:F}", "EffectiveTime", &when, "Value", g_per_kwh) != 0 ||
        irish_time(when, t_s, &repeated) != 0)
        return -1;
    if (repeated && *t_s <= prev_t_s)
        *t_s += 3600;
    *dur_s = SLOT_S;
    return 0;
}

static const struct ct__series_format rows_format = {
    .want_object = 1,
    .entries = rows,
    .slot_after = row_slot,
    .default_dur_s = SLOT_S,
    .none_usable = "no usable CO2 intensity rows",
    .counted = "rows",
};

int ct__eirgrid_parse(const char *buf, size_t len, struct ct__ci_series *out, char *why,
                      size_t why_len)
{
    return ct__parse_series_reply(&rows_format, buf, len, out, why, why_len);
}

/* ---- the provider ----------------------------------------------------------------------- */

static int eirgrid_suitable(const struct ct__carbon_cfg *cfg, const struct ct__location *loc)
{
    (void)cfg;
    return ct__eirgrid_region(ct__location_zone(loc)) != NULL;
}

static int eirgrid_current(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                           struct ct__intensity *out, char *why, size_t why_len)
{
    struct ct__ci_series s = {0};
    const struct ct__ci_point *p = NULL;
    const char *region = ct__eirgrid_region(ct__location_zone(loc));
    double now = ct__cfg_now(cfg);
    char from[16], to[16], path[256], when[32];
    int rc;

    if (out == NULL || loc == NULL)
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    if (region == NULL) {
        ct__why_add(why, why_len, "EirGrid has no data for zone %s", ct__location_zone(loc));
        return CT_EINVAL;
    }
    /* From yesterday (UTC) to today in Ireland (up to an hour ahead of UTC). */
    ct__format_utc(now - 86400, "%d-%b-%Y", from, sizeof(from));
    ct__format_utc(now + 3600, "%d-%b-%Y", to, sizeof(to));
    snprintf(path, sizeof(path),
             "/api/chart/?areas=co2intensity&region=%s&chartType=default&dateRange=day&"
             "dateFrom=%s&dateTo=%s",
             region, from, to);
    rc = ct__carbon_fetch_series(cfg, ct__cfg_setting(cfg, "eirgrid", "url"), path,
                                 ct__eirgrid_parse, &s, why, why_len);
    if (rc != CT_OK)
        return rc;
    for (size_t i = 0; i < s.n && s.pts[i].t_s <= now; i++)
        p = &s.pts[i];
    if (p == NULL) {
        ct__why_add(why, why_len, "the reply has no value before now (%zu rows)", s.n);
        ct__series_free(&s);
        return CT_EIO;
    }
    out->g_per_kwh = p->g_per_kwh;
    out->time_s = p->t_s;
    snprintf(out->zone, sizeof(out->zone), "%s", strcmp(region, "NI") == 0 ? "GB-NIR" : "IE");
    snprintf(out->source, sizeof(out->source), "eirgrid:%s", region);
    ct__format_utc(p->t_s, "%Y-%m-%d %H:%M UTC", when, sizeof(when));
    snprintf(out->description, sizeof(out->description),
             "EirGrid Smart Grid Dashboard co2intensity, %s, %s.", region, when);
    ct__series_free(&s);
    return CT_OK;
}

static const struct ct__setting_decl eirgrid_settings[] = {
    {"url", "CARBONTRACKER_EIRGRID_URL", "https://www.smartgriddashboard.com", 0,
     "base URL of EirGrid's Smart Grid Dashboard (Ireland IE, Northern Ireland GB-NIR)"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct ct__carbon_provider ct__provider_eirgrid = {
    .name = "eirgrid",
    .zones = eirgrid_zones,
    .settings = eirgrid_settings,
    .suitable = eirgrid_suitable,
    .current = eirgrid_current,
};
