/*
 * advise.c - the command's --advise (advise.h): parse the duration, ask the library, print one
 * line and write the JSON keys best_start, best_intensity_g_per_kwh, now_intensity_g_per_kwh,
 * saving_percent, zone and source.
 */
#include "advise.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_parse_duration(const char *text, double *seconds)
{
    const char *p = text;
    char *end;
    double total = 0;
    int units = 0, last = 4; /* h = 3, m = 2, s = 1: each at most once, in that order */

    if (!text || !*text)
        return -1;
    if (strspn(text, "0123456789.") == strlen(text)) {
        double v = strtod(text, &end);
        if (*end != '\0' || !(v > 0) || !isfinite(v))
            return -1;
        *seconds = v;
        return 0;
    }
    while (*p) {
        if (*p < '0' || *p > '9')
            return -1;
        double v = strtod(p, &end);
        if (end == p)
            return -1;
        int rank = *end == 'h' ? 3 : *end == 'm' ? 2 : *end == 's' ? 1 : 0;
        if (!rank || rank >= last)
            return -1;
        total += v * (rank == 3 ? 3600 : rank == 2 ? 60 : 1);
        last = rank;
        units++;
        p = end + 1;
    }
    if (!units || !(total > 0) || !isfinite(total))
        return -1;
    *seconds = total;
    return 0;
}

static void iso_utc(double t_s, char *buf, size_t len)
{
    time_t t = (time_t)floor(t_s);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

int cli_advise(struct cli *c, double duration_s)
{
    char err[1536] = "", start[32], dur[32], horizon[32];
    ct_advice a = CT_ADVICE_INIT;
    int json_fd = -1, status = 0;

    if (c->json_path && (json_fd = cli_summary_open(c->json_path)) < 0)
        return CLI_EXIT_SOFTWARE;
    int rc = ct_advise(&c->opts, duration_s, 0, &a, err, sizeof(err));
    if (rc != CT_OK) {
        fprintf(stderr, "carbontracker: --advise: %s\n", err[0] ? err : ct_strerror(rc));
        cli_json_abandon(json_fd, c->json_path);
        return rc == CT_EINVAL ? CLI_EXIT_USAGE : ADVISE_EXIT_UNAVAILABLE;
    }
    iso_utc(a.best_start_s, start, sizeof(start));
    iso_utc(a.horizon_end_s, horizon, sizeof(horizon));
    ct_timestring(duration_s, 0, dur, sizeof(dur));
    if (!c->quiet) {
        printf("CarbonTracker: The greenest start for %s in %s is %s at %.2f gCO2eq/kWh", dur,
               a.zone, start, a.best_intensity_g_per_kwh);
        if (isfinite(a.now_intensity_g_per_kwh))
            printf(" (starting now: %.2f gCO2eq/kWh; %.1f %% less)", a.now_intensity_g_per_kwh,
                   a.saving_percent);
        else
            printf(" (the forecast does not cover a start now)");
        printf(". Forecast: %s, until %s.\n", a.source, horizon);
    }
    if (json_fd >= 0) {
        json_t *root = json_object();
        if (root) {
            json_object_set_new(root, "best_start", json_string(start));
            json_object_set_new(root, "best_intensity_g_per_kwh",
                                num_or_null(a.best_intensity_g_per_kwh));
            json_object_set_new(root, "now_intensity_g_per_kwh",
                                num_or_null(a.now_intensity_g_per_kwh));
            json_object_set_new(root, "saving_percent", num_or_null(a.saving_percent));
            json_object_set_new(root, "zone", json_string(a.zone));
            json_object_set_new(root, "source", json_string(a.source));
            json_object_set_new(root, "duration_s", json_real(duration_s));
            json_object_set_new(root, "forecast_end", json_string(horizon));
        }
        if (cli_summary_commit(&json_fd, c->json_path, root) != 0)
            status = CLI_EXIT_SOFTWARE;
        json_decref(root);
    }
    fflush(stdout);
    return status;
}
