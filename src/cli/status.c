/*
 * status.c - the live status line of wrap mode (cli.h): one updating line on a terminal while
 * the command runs, never in a log, a pipe or a file. When the terminal's size is known, its
 * bottom row is kept for the line (a scroll region over the rows above, as apt does), so the
 * command's own output scrolls above it and never shares its row; otherwise the line is drawn
 * with a carriage return. Either way it is erased before any other output of ours, and the
 * scroll region is given back.
 */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The terminal's rows when at least 3 are known, else 0 (a pseudo-terminal without a size). */
static int term_rows(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row >= 3)
        return ws.ws_row;
    return 0;
}

void status_line_init(struct status_line *s, int quiet)
{
    const char *term = getenv("TERM");
    /* A terminal that understands "erase line" (not TERM=dumb or unset: Emacs' shell, ...). */
    s->on = !quiet && isatty(STDOUT_FILENO) && term && *term && strcmp(term, "dumb") != 0;
    s->shown = 0;
    s->rows = 0;
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
    int rows = term_rows();
    if (s->shown && rows != s->rows)
        status_line_erase(s); /* resized: reserve the new bottom row */
    if (!s->shown) {
        s->rows = rows;
        /* Room for the line, then rows 1..N-1 scroll (DECSTBM) and the cursor goes back where
         * it was (save, region, restore, up). */
        if (s->rows)
            printf("\n\0337\033[1;%dr\0338\033[1A", s->rows - 1);
    }
    if (s->rows)
        /* Save the cursor, draw on the bottom row, restore. */
        printf("\0337\033[%d;1H\033[K%s\0338", s->rows, line);
    else
        /* "\r\033[K": back to the line's start and erase it; no newline, so the next draw or
         * the erase replaces it in place. */
        printf("\r\033[K%s", line);
    fflush(stdout);
    s->shown = 1;
    s->last_draw_s = now;
}

void status_line_erase(struct status_line *s)
{
    if (!s->shown)
        return;
    if (s->rows)
        /* The whole screen scrolls again; the bottom row is cleared. */
        printf("\0337\033[r\0338\0337\033[%d;1H\033[K\0338", s->rows);
    else
        fputs("\r\033[K", stdout);
    fflush(stdout);
    s->shown = 0;
}
