/*
 * entsoe.c - the ENTSO-E Transparency Platform provider: GET <base>/api?securityToken=..&
 * documentType=A75&processType=A16&in_Domain=<EIC>&periodStart=..&periodEnd=.. over the last day,
 * the XML read with libxml2's pull reader (util/xml.c). The token travels in the query string; the
 * request (mix_fetch.c) redacts it from every failure text.
 */
#include "carbon/entsoe.h"
#include "carbon/mix_fetch.h"

#include "util/xml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HOUR_S 3600.0
#define WINDOW_S (24 * HOUR_S)
#define MAX_DEPTH 32
#define MAX_POSITION 100000

/* Electricity Maps zones -> EIC area codes (the bidding zone, or the control area where
 * Electricity Maps takes production from it: DE, IE). */
#define ENTSOE_AREAS(X)                                                                            \
    X("AL", "10YAL-KESH-----5")                                                                    \
    X("AT", "10YAT-APG------L")                                                                    \
    X("BA", "10YBA-JPCC-----D")                                                                    \
    X("BE", "10YBE----------2")                                                                    \
    X("BG", "10YCA-BULGARIA-R")                                                                    \
    X("CH", "10YCH-SWISSGRIDZ")                                                                    \
    X("CZ", "10YCZ-CEPS-----N")                                                                    \
    X("DE", "10Y1001A1001A83F")                                                                    \
    X("DK-DK1", "10YDK-1--------W")                                                                \
    X("DK-DK2", "10YDK-2--------M")                                                                \
    X("EE", "10Y1001A1001A39I")                                                                    \
    X("ES", "10YES-REE------0")                                                                    \
    X("FI", "10YFI-1--------U")                                                                    \
    X("FR", "10YFR-RTE------C")                                                                    \
    X("GR", "10YGR-HTSO-----Y")                                                                    \
    X("HR", "10YHR-HEP------M")                                                                    \
    X("HU", "10YHU-MAVIR----U")                                                                    \
    X("IE", "10YIE-1001A00010")                                                                    \
    X("IT-CA", "10Y1001C--00096J")                                                                 \
    X("IT-CNO", "10Y1001A1001A70O")                                                                \
    X("IT-CSO", "10Y1001A1001A71M")                                                                \
    X("IT-NO", "10Y1001A1001A73I")                                                                 \
    X("IT-SAR", "10Y1001A1001A74G")                                                                \
    X("IT-SIC", "10Y1001A1001A75E")                                                                \
    X("IT-SO", "10Y1001A1001A788")                                                                 \
    X("LT", "10YLT-1001A0008Q")                                                                    \
    X("LU", "10YLU-CEGEDEL-NQ")                                                                    \
    X("LV", "10YLV-1001A00074")                                                                    \
    X("ME", "10YCS-CG-TSO---S")                                                                    \
    X("MK", "10YMK-MEPSO----8")                                                                    \
    X("NL", "10YNL----------L")                                                                    \
    X("NO-NO1", "10YNO-1--------2")                                                                \
    X("NO-NO2", "10YNO-2--------T")                                                                \
    X("NO-NO3", "10YNO-3--------J")                                                                \
    X("NO-NO4", "10YNO-4--------9")                                                                \
    X("NO-NO5", "10Y1001A1001A48H")                                                                \
    X("PL", "10YPL-AREA-----S")                                                                    \
    X("PT", "10YPT-REN------W")                                                                    \
    X("RO", "10YRO-TEL------P")                                                                    \
    X("RS", "10YCS-SERBIATSOV")                                                                    \
    X("SE-SE1", "10Y1001A1001A44P")                                                                \
    X("SE-SE2", "10Y1001A1001A45N")                                                                \
    X("SE-SE3", "10Y1001A1001A46L")                                                                \
    X("SE-SE4", "10Y1001A1001A47J")                                                                \
    X("SI", "10YSI-ELES-----O")                                                                    \
    X("SK", "10YSK-SEPS-----K")

#define ZONE_OF(zone, eic) zone,
#define EIC_OF(zone, eic) eic,
static const char *const entsoe_zones[] = {ENTSOE_AREAS(ZONE_OF) NULL};
static const char *const entsoe_eics[] = {ENTSOE_AREAS(EIC_OF)};

const char *ct__entsoe_area(const char *zone)
{
    if (zone == NULL)
        return NULL;
    for (size_t i = 0; entsoe_zones[i] != NULL; i++)
        if (strcasecmp(entsoe_zones[i], zone) == 0)
            return entsoe_eics[i];
    return NULL;
}

int ct__entsoe_fuel(const char *psr)
{
    static const int map[26] = {
        [1] = CT__FUEL_BIOMASS,  [2] = CT__FUEL_COAL,     [3] = CT__FUEL_GAS,
        [4] = CT__FUEL_GAS,      [5] = CT__FUEL_COAL,     [6] = CT__FUEL_OIL,
        [7] = CT__FUEL_COAL,     [8] = CT__FUEL_COAL,     [9] = CT__FUEL_GEOTHERMAL,
        [10] = CT__FUEL_STORAGE, [11] = CT__FUEL_HYDRO,   [12] = CT__FUEL_HYDRO,
        [13] = CT__FUEL_UNKNOWN, [14] = CT__FUEL_NUCLEAR, [15] = CT__FUEL_UNKNOWN,
        [16] = CT__FUEL_SOLAR,   [17] = CT__FUEL_BIOMASS, [18] = CT__FUEL_WIND,
        [19] = CT__FUEL_WIND,    [20] = CT__FUEL_UNKNOWN, [25] = CT__FUEL_STORAGE,
    };
    int n;

    if (psr == NULL || psr[0] != 'B' || psr[1] < '0' || psr[1] > '9' || psr[2] < '0' ||
        psr[2] > '9' || psr[3] != '\0')
        return CT__FUEL_UNKNOWN;
    n = (psr[1] - '0') * 10 + (psr[2] - '0');
    if (n >= 1 && n <= 25 && (map[n] != 0 || n == 2 || n == 5 || n == 7 || n == 8))
        return map[n];
    return CT__FUEL_UNKNOWN; /* B21-B24 (never used for generation) and later codes */
}

/* "PT15M", "PT60M", "PT1H" in seconds; 0 otherwise. */
static double resolution_s(const char *r)
{
    char *end;
    long n;

    if (strncmp(r, "PT", 2) != 0 || r[2] < '1' || r[2] > '9')
        return 0;
    n = strtol(r + 2, &end, 10);
    if (n <= 0 || n > 1440)
        return 0;
    if (strcmp(end, "M") == 0)
        return n * 60.0;
    if (strcmp(end, "H") == 0 && n <= 24)
        return n * HOUR_S;
    return 0;
}

struct point {
    long pos;
    double q;
};

/* What the reader has seen of the current TimeSeries and Period. */
struct state {
    char names[MAX_DEPTH][40]; /* element names by depth */
    char psr[8];
    int out_domain, curve_a03, ack;
    double start_s, end_s, res_s;
    long pos;
    double q;
    int have_pos, have_q;
    struct point *pts;
    size_t n, cap;
    size_t used; /* values added to the mix */
    char reason[160];
};

/* The Period that just closed into the hourly mixes. */
static int flush_period(struct state *st, struct ct__mix_series *out)
{
    int fuel = st->out_domain ? CT__FUEL_STORAGE : ct__entsoe_fuel(st->psr);
    long total = 0;

    if (!(st->res_s > 0) || st->start_s <= 0 || st->n == 0)
        goto done;
    if (st->end_s > st->start_s)
        total = (long)((st->end_s - st->start_s) / st->res_s + 0.5);
    for (size_t i = 0; i < st->n; i++) {
        long last = st->pts[i].pos;
        if (st->curve_a03) /* held until the next listed position, or the interval's end */
            last = i + 1 < st->n ? st->pts[i + 1].pos - 1 : (total > 0 ? total : last);
        if (last > MAX_POSITION)
            last = MAX_POSITION;
        for (long p = st->pts[i].pos; p <= last; p++) {
            double t = st->start_s + (double)(p - 1) * st->res_s;
            struct ct__mix *m = ct__mix_series_at(out, floor(t / HOUR_S) * HOUR_S, HOUR_S);
            if (m == NULL)
                return CT_ENOMEM;
            ct__mix_add(m, fuel, st->pts[i].q * st->res_s / HOUR_S);
            st->used++;
        }
    }
done:
    st->n = 0;
    st->start_s = st->end_s = st->res_s = 0;
    return CT_OK;
}

static int add_point(struct state *st)
{
    if (!st->have_pos || !st->have_q || st->pos < 1 || st->pos > MAX_POSITION)
        return CT_OK;
    if (st->n > 0 && st->pts[st->n - 1].pos >= st->pos)
        return CT_OK; /* positions must rise */
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 128;
        struct point *p = realloc(st->pts, cap * sizeof(*p));
        if (p == NULL)
            return CT_ENOMEM;
        st->pts = p;
        st->cap = cap;
    }
    st->pts[st->n].pos = st->pos;
    st->pts[st->n].q = st->q;
    st->n++;
    return CT_OK;
}

/* A text node under names[depth - 1]. */
static void text(struct state *st, int depth, const char *v)
{
    const char *el = depth >= 1 && depth <= MAX_DEPTH ? st->names[depth - 1] : "";
    const char *parent = depth >= 2 && depth <= MAX_DEPTH ? st->names[depth - 2] : "";
    char *end;

    if (strcmp(el, "psrType") == 0) {
        snprintf(st->psr, sizeof(st->psr), "%.4s", v);
    } else if (strcmp(el, "curveType") == 0) {
        st->curve_a03 = strcmp(v, "A03") == 0;
    } else if (strcmp(el, "start") == 0 && strcmp(parent, "timeInterval") == 0) {
        if (ct__parse_utc(v, &st->start_s) != 0)
            st->start_s = 0;
    } else if (strcmp(el, "end") == 0 && strcmp(parent, "timeInterval") == 0) {
        if (ct__parse_utc(v, &st->end_s) != 0)
            st->end_s = 0;
    } else if (strcmp(el, "resolution") == 0) {
        st->res_s = resolution_s(v);
    } else if (strcmp(el, "position") == 0) {
        st->pos = strtol(v, &end, 10);
        st->have_pos = *end == '\0' && end != v;
    } else if (strcmp(el, "quantity") == 0) {
        st->q = strtod(v, &end);
        st->have_q = *end == '\0' && end != v && isfinite(st->q);
    } else if (strcmp(el, "text") == 0 && st->ack && st->reason[0] == '\0') {
        ct__printable_copy(st->reason, sizeof(st->reason), v);
    }
}

int ct__entsoe_parse(const char *buf, size_t len, struct ct__mix_series *out, char *why,
                     size_t why_len)
{
    struct ct__xml *x = NULL;
    struct state *st = NULL;
    int rc, node, root_seen = 0;

    if (out == NULL || (buf == NULL && len > 0))
        return CT_EINVAL;
    memset(out, 0, sizeof(*out));
    {
        size_t i = 0;
        while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
            i++;
        if (i == len) {
            ct__why_add(why, why_len, "empty reply");
            return CT_EIO;
        }
    }
    rc = ct__xml_open(buf, len, &x, why, why_len);
    if (rc == CT_ENOTSUP)
        ct__why_add(why, why_len,
                    "libxml2 is needed to read ENTSO-E replies: install it "
                    "(Debian package " CT__XML_PACKAGE ")");
    if (rc != CT_OK)
        return rc;
    st = calloc(1, sizeof(*st));
    if (st == NULL) {
        rc = CT_ENOMEM;
        goto cleanup;
    }
    rc = CT_EIO;
    while ((node = ct__xml_next(x)) > 0) {
        int depth = ct__xml_depth(x);
        if (node == CT__XML_START) {
            const char *name = ct__xml_name(x);
            if (depth == 0) {
                root_seen = 1;
                st->ack = strcmp(name, "Acknowledgement_MarketDocument") == 0;
                if (!st->ack && strcmp(name, "GL_MarketDocument") != 0) {
                    char shown[48];
                    ct__printable_copy(shown, sizeof(shown), name);
                    ct__why_add(why, why_len, "the reply is a <%s>, not a GL_MarketDocument",
                                shown);
                    goto cleanup;
                }
            }
            if (depth < MAX_DEPTH)
                snprintf(st->names[depth], sizeof(st->names[depth]), "%s", name);
            if (strcmp(name, "TimeSeries") == 0) {
                st->psr[0] = '\0';
                st->out_domain = st->curve_a03 = 0;
            } else if (strcmp(name, "outBiddingZone_Domain.mRID") == 0) {
                st->out_domain = 1;
            } else if (strcmp(name, "Point") == 0) {
                st->have_pos = st->have_q = 0;
            }
            if (ct__xml_empty(x) && depth < MAX_DEPTH)
                st->names[depth][0] = '\0';
        } else if (node == CT__XML_TEXT) {
            text(st, depth, ct__xml_value(x));
        } else if (node == CT__XML_CLOSE) {
            const char *name = ct__xml_name(x);
            if (strcmp(name, "Point") == 0 && add_point(st) != CT_OK) {
                rc = CT_ENOMEM;
                goto cleanup;
            }
            if (strcmp(name, "Period") == 0 && flush_period(st, out) != CT_OK) {
                rc = CT_ENOMEM;
                goto cleanup;
            }
            if (depth < MAX_DEPTH)
                st->names[depth][0] = '\0';
        }
    }
    if (node < 0) {
        ct__why_add(why, why_len, "malformed XML at line %d", ct__xml_line(x));
        goto cleanup;
    }
    if (!root_seen) {
        ct__why_add(why, why_len, "empty reply");
        goto cleanup;
    }
    if (st->ack) {
        ct__why_add(why, why_len, "no generation data");
        if (st->reason[0] != '\0')
            ct__why_add(why, why_len, "the service says \"%s\"", st->reason);
        goto cleanup;
    }
    if (st->used == 0) {
        ct__why_add(why, why_len, "no usable points in the reply");
        goto cleanup;
    }
    ct__mix_series_sort(out);
    rc = CT_OK;
cleanup:
    if (rc != CT_OK)
        ct__mix_series_free(out);
    if (st != NULL)
        free(st->pts);
    free(st);
    ct__xml_close(x);
    return rc;
}

/* ---- the provider ----------------------------------------------------------------------- */

static const struct ct__setting_decl entsoe_settings[] = {
    {"url", "CARBONTRACKER_ENTSOE_URL", "https://web-api.tp.entsoe.eu", 0,
     "base URL of the ENTSO-E Transparency Platform API (EU/EEA bidding zones)"},
    {"api_key", "ENTSOE_API_KEY", NULL, 1,
     "ENTSO-E Transparency security token (free, by e-mail request): live intensity of EU "
     "bidding zones"},
    CT__MIX_FACTORS_SETTING("CARBONTRACKER_ENTSOE_FACTORS"),
    {NULL, NULL, NULL, 0, NULL},
};

static int entsoe_suitable(const struct ct__carbon_cfg *cfg, const struct ct__location *loc)
{
    const char *key = ct__cfg_setting(cfg, "entsoe", "api_key");
    return key != NULL && key[0] != '\0' && loc != NULL &&
           ct__entsoe_area(ct__location_zone(loc)) != NULL;
}

static void entsoe_path(char *buf, size_t len, const char *key_esc, double now_s, const void *eic)
{
    char from[16], to[16];
    double hour = floor(now_s / HOUR_S) * HOUR_S;
    ct__format_utc(hour - WINDOW_S, "%Y%m%d%H%M", from, sizeof(from));
    ct__format_utc(hour + HOUR_S, "%Y%m%d%H%M", to, sizeof(to));
    snprintf(buf, len,
             "/api?securityToken=%s&documentType=A75&processType=A16&in_Domain=%s&periodStart=%s"
             "&periodEnd=%s",
             key_esc, (const char *)eic, from, to);
}

static int entsoe_current(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                          struct ct__intensity *out, char *why, size_t why_len)
{
    static const char *const headers[] = {"Accept: application/xml", NULL};
    const char *zone = loc != NULL ? ct__location_zone(loc) : NULL;
    const char *eic = ct__entsoe_area(zone);
    if (out == NULL || eic == NULL)
        return CT_EINVAL;
    const struct ct__mix_request r = {
        .provider = "entsoe",
        .key_what = "ENTSO-E security token",
        .zone = zone,
        .area = zone,
        .what = "ENTSO-E actual generation per type",
        .headers = headers,
        .path = entsoe_path,
        .arg = eic,
        .parse = ct__entsoe_parse,
    };
    return ct__mix_fetch_current(cfg, &r, ct__cfg_now(cfg), out, why, why_len);
}

const struct ct__carbon_provider ct__provider_entsoe = {
    .name = "entsoe",
    .settings = entsoe_settings,
    .suitable = entsoe_suitable,
    .current = entsoe_current,
    .forecast = NULL, /* A69 forecasts wind and solar only, not the mix */
    .zones = entsoe_zones,
};
