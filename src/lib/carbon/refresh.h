/*
 * refresh.h - the carbon thread: the cloud region from the instance metadata service, else IP
 * geolocation (once, either), then the current intensity and the forecast
 * every refresh interval from the first suitable live provider, falling back to the last good value
 * and then the yearly table. It publishes the intensity in force (read by the sampler for the
 * energy-weighted CO2), the samples for the JSON summary, a cached forecast for the prediction, and
 * messages that the caller's thread delivers. Epoch calls never wait for the network.
 */
#ifndef CT_CARBON_REFRESH_H
#define CT_CARBON_REFRESH_H

#include "carbon/provider.h"

#include <pthread.h>

/* One value that came into force. */
struct ct__carbon_sample {
    double t_s;       /* wall clock (UTC seconds) when it came into force */
    double g_per_kwh; /* gCO2eq/kWh */
    int live;         /* 1: fetched from a live provider (upstream's "fetched" list) */
    char source[64];  /* ct__intensity.source */
    char zone[16];    /* zone the value is for */
};

/* Messages for the caller's thread. */
enum ct__carbon_event_kind {
    CT__CEV_LOG = 0,  /* standard log only (upstream's "Carbon intensity: ..." line) */
    CT__CEV_NOTE = 1, /* standard log, and the console at verbose >= 2 */
    CT__CEV_WARN = 2, /* a warning: error log and console */
};

struct ct__carbon_event {
    int kind;
    char text[768];
};

/* A live value whose own time stamp is older than this is used with a warning (seconds). */
#define CT__STALE_WARN_S (3 * 3600.0)
/* ... and one older than this is skipped: the next provider, then the fallbacks. */
#define CT__STALE_MAX_S (12 * 3600.0)

/* The carbon thread's own settings ("carbon.stale_warn_s", "carbon.max_age_s"). */
extern const struct ct__setting_decl ct__carbon_settings[];

/* Read the age limits from resolved settings into *warn_s and *max_s (0 = no limit). CT_OK, or
 * CT_EINVAL with errbuf naming the setting and the value. */
int ct__carbon_age_limits(const struct ct__settings *s, double *warn_s, double *max_s, char *errbuf,
                          size_t errlen);

struct ct__carbon_opts {
    int live;                  /* 0: no thread, no network: the table value stays in force */
    int want_forecast;         /* fetch forecasts (a prediction will be made) */
    double refresh_s;          /* seconds between fetches */
    double stale_warn_s;       /* a value older than this is used with a warning; 0 = never */
    double max_age_s;          /* a value older than this is skipped; 0 = no limit */
    struct ct__carbon_cfg cfg; /* cfg.http is the thread's own client (set by start) */
};

struct ct__carbon {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    int inited;
    pthread_t thread;
    int running;
    struct ct__http *http;
    struct ct__carbon_opts o;

    /* Under lock. */
    int stop, kick, want_forecast;
    unsigned long cycles;
    struct ct__location loc;
    struct ct__intensity cur; /* in force */
    int have_live;            /* cur came from a live provider (now or as the last good value) */
    struct ct__carbon_sample *samples;
    size_t n_samples, cap_samples;
    struct ct__ci_series forecast;
    char forecast_source[96];
    int forecast_expected;  /* a suitable provider has forecasts */
    char forecast_why[512]; /* why there is none */
    struct ct__carbon_event *events;
    size_t n_events, cap_events;

    struct ct__settings pending; /* the settings as callers changed them (under lock) */
    int settings_changed;

    double cpu_s;        /* the thread's CPU time, set when it ends (under lock) */
    uint64_t started_ns; /* when the thread was started (ct__now_ns) */
    int exited;          /* the thread has ended (under lock) */

    /* The thread's own. */
    int geo_done, cloud_done, failure_told, failing, forecast_told, stale_told;
    void **pstate; /* each live provider's state (ct__live_providers order), NULL = none */
    struct ct__settings settings; /* the settings in use (o.cfg.settings points here) */
};

/* Change a provider's setting (e.g. "electricitymaps", "api_key") while the thread runs (NULL or
 * "" = none); it takes effect at the next fetch, which starts at once. CT_OK, CT_EINVAL (no such
 * setting), CT_ENOMEM. */
int ct__carbon_set_setting(struct ct__carbon *c, const char *backend, const char *key,
                           const char *value);

/* Prepare (mutex, condition); always call before ct__carbon_start/free. */
void ct__carbon_init(struct ct__carbon *c);

/*
 * Put the location and its table value in force and, when o->live, start the thread (which
 * geolocates when the location came from the time zone or is unknown, then fetches at once and
 * every refresh_s). Never blocks on the network. CT_OK (a thread that cannot start leaves the
 * tracker offline, with a note), CT_ENOMEM.
 */
int ct__carbon_start(struct ct__carbon *c, const struct ct__carbon_opts *o,
                     const struct ct__location *loc, const struct ct__intensity *table_value);

/* Stop the thread: cancels a request in flight and joins (milliseconds). Idempotent. */
void ct__carbon_stop(struct ct__carbon *c);
void ct__carbon_free(struct ct__carbon *c);

/* CPU time (s) the carbon thread has used so far (0 when there is none). Caller's thread. */
double ct__carbon_cpu_s(const struct ct__carbon *c);
/* The intensity in force (gCO2eq/kWh). Any thread. */
double ct__carbon_intensity_now(struct ct__carbon *c);
/* Copies of the location and the intensity in force; have_live may be NULL. */
void ct__carbon_snapshot(struct ct__carbon *c, struct ct__location *loc, struct ct__intensity *ci,
                         int *have_live);
/* Take the queued messages (caller frees *out). Returns how many. */
size_t ct__carbon_take_events(struct ct__carbon *c, struct ct__carbon_event **out);
/* A copy of the samples (caller frees *out); returns how many (0 with *out NULL on ENOMEM). */
size_t ct__carbon_samples(const struct ct__carbon *c, struct ct__carbon_sample **out);

/*
 * The cached forecast's time-weighted mean over [from_s, from_s + window_s): CT_OK with *mean,
 * *covered_s and source ("ukgrid:GB"); CT_ENOTSUP when there is none (why says why, or is "" when
 * no suitable provider has forecasts; *expected tells which).
 */
int ct__carbon_forecast_mean(struct ct__carbon *c, double from_s, double window_s, double *mean,
                             double *covered_s, char *source, size_t source_len, int *expected,
                             char *why, size_t why_len);
/* A copy of the cached forecast (caller frees with ct__series_free) and its source; returns the
 * number of slots (0: none, out empty). */
size_t ct__carbon_forecast_copy(struct ct__carbon *c, struct ct__ci_series *out, char *source,
                                size_t source_len);

/* No more forecasts are needed (the prediction was made). */
void ct__carbon_forecast_done(struct ct__carbon *c);

/* For tests: refresh now, and wait until `n` refresh cycles have completed (0, or -1 on timeout).
 */
void ct__carbon_kick(struct ct__carbon *c);
int ct__carbon_wait_cycles(struct ct__carbon *c, unsigned long n, double timeout_s);

#endif
