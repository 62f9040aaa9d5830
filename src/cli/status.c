/*
 * status.c - the live status line of wrap mode (cli.h): one updating line on a terminal while
 * the command runs, drawn with a carriage return and erased with "\r" + "erase to end of line"
 * before any of our other output, so it never reaches a log, a pipe or a file.
 */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void status_line_init(struct status_line *s, int quiet)
{
    s->on = !quiet && isatty(STDOUT_FILENO);
    s->shown = 0;
    s->last_draw_s = -INFINITY;
}

void status_line_format(const ct_live *l, char *buf, size_t len)
{
    char ts[32];
    ct_timestring(l->elapsed_s, 0, ts, sizeof(ts));
    int n = snprintf(buf, len,
                     "CarbonTracker: %s | %.1f W | %.6f kWh | %.4f gCO2eq | %.2f gCO2eq/kWh (%s)",
                     ts, l->power_w, l->energy_kwh, l->co2eq_g, l->intensity_g_per_kwh,
                     l->intensity_source[0] ? l->intensity_source : "unknown");
    if (n > 0 && (size_t)n < len && l->budget != CT_BUDGET_NONE && isfinite(l->budget_used))
        snprintf(buf + n, len - (size_t)n, " | budget %.0f%%", l->budget_used * 100);
}

void status_line_draw(struct status_line *s, const ct_live *l)
{
    double now = mono_s();
    if (!s->on || now - s->last_draw_s < 1.0)
        return;
    char line[256];
    status_line_format(l, line, sizeof(line));
    /* "\r\033[K": back to the line's start and erase it; no newline, so the next draw or the
     * erase replaces it in place. */
    printf("\r\033[K%s", line);
    fflush(stdout);
    s->shown = 1;
    s->last_draw_s = now;
}

void status_line_erase(struct status_line *s)
{
    if (!s->shown)
        return;
    fputs("\r\033[K", stdout);
    fflush(stdout);
    s->shown = 0;
}
