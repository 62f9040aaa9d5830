/*
 * provider.h - carbon-intensity providers and location. A provider is a const vtable; each live
 * web provider is one file with a pure JSON parser over bytes (electricitymaps.c, ukgrid.c,
 * energidataservice.c). The offline per-country table (table.c) is always present and is the
 * fallback. All network traffic happens on the carbon thread (refresh.c).
 */
#ifndef CT_CARBON_PROVIDER_H
#define CT_CARBON_PROVIDER_H

#include "../internal.h"
#include "../util/settings.h"

#include <stddef.h>

/* How the location was found. */
enum ct__loc_method {
    CT__LOC_NONE = 0,        /* nothing known: world average */
    CT__LOC_OPTION = 1,      /* --zone / option / CARBONTRACKER_ZONE (or a postcode alone: GB) */
    CT__LOC_TIMEZONE = 2,    /* TZ or /etc/localtime mapped through zone.tab */
    CT__LOC_COORDINATES = 3, /* latitude/longitude options */
    CT__LOC_GEOLOCATION = 4, /* IP geolocation (ipinfo-compatible service), on the carbon thread */
    CT__LOC_CLOUD = 5,       /* the cloud's instance metadata service, on the carbon thread */
};

/* "none", "option", "timezone", "coordinates", "geolocation", "cloud". */
const char *ct__loc_method_name(int method);

struct ct__location {
    int method;            /* enum ct__loc_method */
    char zone[16];         /* zone or ISO alpha-2 country, upper case ("DK", "NA"); "" = unknown */
    char country[8];       /* ISO alpha-2 country the zone lies in ("" = unknown) */
    char tzname[64];       /* the time zone name used, when method == CT__LOC_TIMEZONE */
    char address[128];     /* upstream's "detected location" text, e.g. "DK (from time zone
                              Europe/Copenhagen)", "Copenhagen, Capital Region, DK"; "UNDETECTED" */
    int has_coords;        /* lat/lon below are known */
    double lat, lon;       /* degrees */
    char postcode[16];     /* GB outward code ("RG41"), "" = unknown */
    char cloud_region[48]; /* "aws:us-east-1" when the zone came from a cloud region, else "" */
};

/* Inputs of the location lookup (the seams). */
struct ct__location_query {
    const char *zone;           /* explicit zone/country or NULL */
    const char *tz;             /* TZ value or NULL */
    const char *localtime_path; /* NULL = "/etc/localtime" */
    const char *zoneinfo_dir;   /* NULL = "/usr/share/zoneinfo" */
    int has_coords;             /* lat/lon given */
    double lat, lon;
    const char *postcode; /* GB postcode or outward code, NULL = none */
};

/* Resolve the location without the network: zone option, else coordinates, else a postcode alone
 * (GB), else the time zone. Never fails: unknown gives method CT__LOC_NONE. `why` receives a note
 * when a step failed (e.g. "time zone UTC has no country"). */
void ct__location_resolve(const struct ct__location_query *q, struct ct__location *out, char *why,
                          size_t why_len);

/* The outward code of a GB postcode ("sw1a 1aa" -> "SW1A", "RG41" -> "RG41"); 0, or -1 when it is
 * not one. */
int ct__postcode_outward(const char *postcode, char *out, size_t len);

/* One intensity answer. */
struct ct__intensity {
    double g_per_kwh;      /* gCO2eq/kWh */
    int is_default;        /* 1: from the offline table or the world average (not live) */
    int year;              /* data year for table values (world average: 2019) */
    char source[64];       /* "table:owid:DK:2023", "default:world:2019", "electricitymaps",
                              "ukgrid:national", "ukgrid:regional:RG41", "energidataservice:DK1" */
    char description[256]; /* upstream's default description, e.g. "Defaulted to average carbon
                              intensity for DK in 2023 of 151.65 gCO2/kWh."; for live values where
                              it came from */
    double time_s;         /* the data's own time stamp (UTC seconds), 0 = unknown */
    char zone[16];         /* the zone the value is for ("DK-DK2", "GB", "DK1"), "" = unknown */
};

/* One slot of a forecast (or of realised values): [t_s, t_s + dur_s). */
struct ct__ci_point {
    double t_s;       /* UTC seconds since the epoch */
    double dur_s;     /* slot length */
    double g_per_kwh; /* mean over the `n` values of this slot */
    int n;            /* values averaged (price areas) */
};

struct ct__ci_series {
    struct ct__ci_point *pts; /* sorted by t_s, unique t_s */
    size_t n, cap;
    char label[64]; /* zone or region the series is for, "" = unknown */
};

/* Add a value at t_s (averaged with a value already there); CT_OK or CT_ENOMEM. */
int ct__series_add(struct ct__ci_series *s, double t_s, double dur_s, double g_per_kwh);
/* Sort by time and give slots without a length (dur_s <= 0) the distance to the next slot, or
 * `default_dur_s` for the last. */
void ct__series_finish(struct ct__ci_series *s, double default_dur_s);
void ct__series_free(struct ct__ci_series *s);
/* Move src into dst (dst freed first); src is left empty. */
void ct__series_move(struct ct__ci_series *dst, struct ct__ci_series *src);
/* Time-weighted mean over [from_s, from_s + window_s): 0 with *mean and *covered_s (seconds of
 * the window the slots cover), or -1 when no slot overlaps the window. */
int ct__series_mean(const struct ct__ci_series *s, double from_s, double window_s, double *mean,
                    double *covered_s);

/* The slot in force at now_s: the one covering it, else the latest before it, else the first;
 * NULL for an empty series. */
const struct ct__ci_point *ct__series_at(const struct ct__ci_series *s, double now_s);

/* "2024-05-01T10:00:00.000Z", "2024-05-01T10:00Z", "2024-05-01T10:00:00" (UTC), with optional
 * "+HH:MM" offsets, to UTC seconds. 0, or -1 when malformed. */
int ct__parse_utc(const char *s, double *t_s);
/* An age for a message: "25 min" below two hours, else "5.5 h". */
void ct__fmt_age(double age_s, char *buf, size_t len);
/* UTC seconds as strftime(fmt) of gmtime. */
void ct__format_utc(double t_s, const char *fmt, char *buf, size_t len);

struct ct__http;

/* What the live providers need: their settings (where the services are, the keys), timeouts, the
 * client and a clock seam. Borrowed. */
struct ct__carbon_cfg {
    const struct ct__settings *settings; /* every provider's declared settings, resolved: a
                                            provider reads its own with ct__cfg_setting() */
    long timeout_ms;                     /* whole request */
    long connect_timeout_ms;
    size_t max_reply_bytes;
    struct ct__http *http; /* the carbon thread's client (cancellable) */
    double now_s;          /* wall clock for request windows; 0 = the real clock */
    /* The called provider's own state between calls (its state_size bytes, zeroed when the
     * carbon thread starts, released with its state_free when the tracker is freed); NULL for
     * a provider without state. The carbon thread sets it for each call on a copy of its cfg. */
    void *state;
};

/* The value of a provider's setting (e.g. "ukgrid", "url"), or NULL. */
const char *ct__cfg_setting(const struct ct__carbon_cfg *cfg, const char *backend, const char *key);

/* Current wall-clock seconds of a configuration (cfg->now_s, else the real clock). */
double ct__cfg_now(const struct ct__carbon_cfg *cfg);

/*
 * GET base + path_and_query with optional headers; CT_OK only for a 2xx reply with a body (in
 * *resp). Otherwise `why` says what happened without any secret: "HTTP 401 Unauthorized (the API
 * key is missing or was refused)" (the hint only when an auth-token header was sent), "HTTP 429
 * Too Many Requests (rate limited)", "HTTP 500 Internal Server Error", "Operation timed out ...",
 * "HTTP 200 with an empty reply"; returns CT_EPERM (401/403), CT_EIO, CT_ESTOPPED (cancelled) or
 * CT_ENOMEM.
 */
struct ct__http_response;
int ct__carbon_get(const struct ct__carbon_cfg *cfg, const char *base, const char *path_and_query,
                   const char *const *headers, struct ct__http_response *resp, char *why,
                   size_t why_len);

/* Parser of a reply into a series (the pure parsers of the providers). */
typedef int (*ct__series_parse_fn)(const char *buf, size_t len, struct ct__ci_series *out,
                                   char *why, size_t why_len);

/* GET base + path_and_query with "Accept: application/json" and parse the reply into out.
 * CT_OK, or the failure of the request or of the parser (why set). */
int ct__carbon_fetch_series(const struct ct__carbon_cfg *cfg, const char *base,
                            const char *path_and_query, ct__series_parse_fn parse,
                            struct ct__ci_series *out, char *why, size_t why_len);

/* Copy a string from a reply for a message: printable ASCII only ('?' otherwise), truncated with
 * "..." to fit. */
void ct__printable_copy(char *dst, size_t len, const char *src);

/* Parse a reply as JSON (duplicate keys rejected): the root, or NULL with `why` ("empty reply",
 * "malformed JSON at line L column C: ..."). Free with json_decref. */
struct json_t;
struct json_t *ct__json_parse(const char *buf, size_t len, char *why, size_t why_len);
/* As ct__json_parse, and the root must be an object (else NULL, why "the reply is not a JSON
 * object"). */
struct json_t *ct__json_parse_object(const char *buf, size_t len, char *why, size_t why_len);

/* The start of every reply parser: CT_EINVAL when out is NULL (or buf is NULL with len > 0);
 * else *out (out_size bytes) is zeroed and the reply parsed as JSON (an object where want_object,
 * as ct__json_parse_object): CT_OK with *root (free with json_decref), or CT_EIO with `why` set. */
int ct__reply_open(const char *buf, size_t len, int want_object, void *out, size_t out_size,
                   struct json_t **root, char *why, size_t why_len);

/* Add "the service says "<text>"" to why when msg is a JSON string (shown printable, truncated);
 * nothing otherwise. */
void ct__why_service_says(char *why, size_t why_len, const struct json_t *msg);

/* 1 when zone is what a zone code can be: an upper-case letter, then up to 14 upper-case
 * letters, digits, '-' or '_' ("DK-DK2", "US-CAL-CISO", "GB"). A zone copied from a reply is
 * checked with this before it is kept. */
int ct__valid_zone_code(const char *zone);

/* No grid is dirtier than pure lignite (~1200 gCO2eq/kWh) by this much: larger values are junk. */
#define CT__MAX_G_PER_KWH 5000.0
/* 1 when v is a believable intensity: finite, 0 to CT__MAX_G_PER_KWH. */
int ct__valid_intensity(double v);

/* What a live provider's series reply looks like, for ct__parse_series_reply: an array of entries
 * somewhere in a JSON document, each entry one slot. */
struct ct__series_format {
    int want_object; /* the reply must be a JSON object */
    /* The array of entries in the reply, or NULL with `why` set (the service's own complaint
     * added where it gave one). May set out->label from the reply. */
    const struct json_t *(*entries)(const struct json_t *root, struct ct__ci_series *out, char *why,
                                    size_t why_len);
    /* One entry: 0 with its start, length (0: up to the next slot) and value, or -1 to skip it
     * (values that ct__valid_intensity refuses are skipped too). */
    int (*slot)(const struct json_t *entry, double *t_s, double *dur_s, double *g_per_kwh);
    /* Instead of slot where the reply's order carries meaning (EirGrid: the second pass of
     * October's repeated hour): as slot, also given the start of the previous usable entry (0
     * before the first). */
    int (*slot_after)(const struct json_t *entry, double prev_t_s, double *t_s, double *dur_s,
                      double *g_per_kwh);
    double default_dur_s;    /* the length of a last slot whose length is not known */
    const char *none_usable; /* why when no entry is usable, followed by " (N <counted>)" */
    const char *counted;     /* "entries", "slots", "in the reply" */
};

/* Parse a series reply as `f` describes it into out (sorted, ct__series_finish). CT_OK; CT_EINVAL
 * (out NULL, or buf NULL with len > 0); CT_EIO with `why` (not JSON, no entries, none usable:
 * "<none_usable> (N <counted>)"), out empty; CT_ENOMEM. */
int ct__parse_series_reply(const struct ct__series_format *f, const char *buf, size_t len,
                           struct ct__ci_series *out, char *why, size_t why_len);

/* Append a formatted note to why ("a; b"). */
void ct__why_add(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct ct__carbon_provider {
    const char *name; /* "table", "electricitymaps", "ukgrid", "energidataservice" */
    /* clang-format off */
    const char *const *zones; /* zone codes this provider serves live, NULL-terminated; NULL = any zone */
    /* clang-format on */
    /* The provider's settings ({NULL}-terminated, or NULL): a service URL, an API key... The
     * user sets them as "<name>.<key>" (ct_options.settings, the command's --set) or through the
     * declared environment variable; ct_setting_info() lists them. */
    const struct ct__setting_decl *settings;
    /* 1 if this provider can answer for the location. */
    int (*suitable)(const struct ct__carbon_cfg *cfg, const struct ct__location *loc);
    /* Current intensity. CT_OK, or negative with `why` set. */
    int (*current)(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                   struct ct__intensity *out, char *why, size_t why_len);
    /* Forecast slots covering at least [now, now + window_s] where the service has them; NULL when
     * the provider has no forecast. CT_OK with out filled (sorted), or negative with `why`. */
    int (*forecast)(const struct ct__carbon_cfg *cfg, const struct ct__location *loc,
                    double window_s, struct ct__ci_series *out, char *why, size_t why_len);
    /* Bytes of state the provider keeps between calls (a cache): the carbon thread allocates
     * them zeroed and passes them as cfg->state; 0 = none. */
    size_t state_size;
    /* Releases what the state holds (not the state itself); NULL when it holds nothing. */
    void (*state_free)(void *state);
};

/* 1 when p declares zones and `zone` (case-insensitive) is one of them, or p serves any zone. */
int ct__provider_serves(const struct ct__carbon_provider *p, const char *zone);
/* The zone a location asks for: its zone, else its country ("" when neither is known). */
const char *ct__location_zone(const struct ct__location *loc);
/* 1 when p needs an API key: its settings declare a secret "api_key". */
int ct__provider_needs_key(const struct ct__carbon_provider *p);

/* The offline per-country table (compiled in from data/carbon-intensity.csv). */
extern const struct ct__carbon_provider ct__provider_table;
/* Live providers (electricitymaps.c, ukgrid.c, energidataservice.c, energycharts.c, eirgrid.c,
 * odre.c). */
extern const struct ct__carbon_provider ct__provider_electricitymaps;
extern const struct ct__carbon_provider ct__provider_ukgrid;
extern const struct ct__carbon_provider ct__provider_energidataservice;
extern const struct ct__carbon_provider ct__provider_energycharts;
extern const struct ct__carbon_provider ct__provider_eirgrid;
extern const struct ct__carbon_provider ct__provider_odre;
extern const struct ct__carbon_provider ct__provider_eia;    /* eia.c */
extern const struct ct__carbon_provider ct__provider_entsoe; /* entsoe.c */
/* IP geolocation's settings (geolocate.c): its service URL. */
extern const struct ct__setting_decl ct__geolocation_settings[];
/* The live providers in the order they are tried (NULL-terminated; refresh.c). */
extern const struct ct__carbon_provider *const ct__live_providers[];

/* World average used when the country is unknown or missing from the table (IEA 2019). */
#define CT__WORLD_INTENSITY_G_PER_KWH 481.0

/* Table lookup: 0 with value and year set, or -1 when the country is not in the table. */
int ct__table_lookup(const char *country, double *value, int *year);

/* Country (alpha-2) for a time zone name via zone.tab/zone1970.tab in zoneinfo_dir; 0 or -1. */
int ct__tz_country(const char *zoneinfo_dir, const char *tzname, char *country, size_t len);

#endif
