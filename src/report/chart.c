/*
 * chart.c - the report's charts (chart.h).
 */
#include "chart.h"
#include "format.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- charts ------------------------------------------------------------------------------- */

double fx(const struct rp_frame *f, double v)
{
    return f->x + (v - f->x0) / (f->x1 - f->x0) * f->w;
}

double fy(const struct rp_frame *f, double v)
{
    return f->y + f->h - (v - f->y0) / (f->y1 - f->y0) * f->h;
}

/* 1, 2 or 5 times a power of ten, about range / max_ticks. */
static double nice_step(double range, int max_ticks)
{
    if (!(range > 0))
        return 1;
    double raw = range / (max_ticks < 1 ? 1 : max_ticks);
    double mag = pow(10, floor(log10(raw)));
    double r = raw / mag;
    return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

static void fmt_tick(char *buf, size_t len, double v, double step)
{
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (dec > 10)
        dec = 10;
    if (fabs(v) < step * 1e-6)
        v = 0;
    snprintf(buf, len, "%.*f", dec, v);
}

/* Chart box: title and legend on top, y axis label and ticks on the left, x ticks and label
 * below. Fills in f's plot area and ticks; x_cat > 0 means categories 1..x_cat. */
void chart_axes(cairo_t *cr, double bx, double by, double bw, double bh, const char *title,
                const struct rp_legend_item *leg, int n_leg, const char *xlabel, const char *ylabel,
                double xmax, int x_cat, double ymax, struct rp_frame *f)
{
    char buf[48];
    double lx;

    f->x = bx + 48;
    f->y = by + 20;
    f->w = bw - 48 - 8;
    f->h = bh - 20 - 28;

    /* Title and legend. */
    font(cr, 9, 1);
    set_rgb(cr, C_TEXT);
    layout_text(cr, bx, by + 10, title, LEFT, 0);
    font(cr, 7, 0);
    lx = bx + bw;
    for (int i = n_leg - 1; i >= 0; i--) {
        double w = text_w(cr, leg[i].label);
        lx -= w;
        set_rgb(cr, C_TEXT);
        layout_text(cr, lx, by + 10, leg[i].label, LEFT, 0);
        lx -= 12;
        set_rgb(cr, leg[i].color);
        if (leg[i].line) {
            cairo_set_line_width(cr, 1.6);
            cairo_move_to(cr, lx, by + 7.5);
            cairo_line_to(cr, lx + 9, by + 7.5);
            cairo_stroke(cr);
        } else {
            cairo_rectangle(cr, lx + 1, by + 3.5, 7, 7);
            cairo_fill(cr);
        }
        lx -= 8;
    }

    /* Ranges and ticks. */
    if (!(ymax > 0) || !isfinite(ymax))
        ymax = 1;
    f->y0 = 0;
    f->ystep = nice_step(ymax, (int)(f->h / 18));
    f->y1 = ceil(ymax / f->ystep - 1e-9) * f->ystep;
    if (f->y1 < ymax * 1.04)
        f->y1 += f->ystep; /* headroom above the highest value */
    if (x_cat > 0) {
        f->x0 = 0.5;
        f->x1 = x_cat + 0.5;
        /* Label every x_ticks-th category, a step of 1, 2 or 5 times a power of ten. */
        f->x_ticks = (int)nice_step(x_cat, (int)(f->w / 22));
        if (f->x_ticks < 1)
            f->x_ticks = 1;
    } else {
        if (!(xmax > 0) || !isfinite(xmax))
            xmax = 1;
        f->x0 = 0;
        f->xstep = nice_step(xmax, (int)(f->w / 50));
        f->x1 = xmax; /* time axes end where the run ends */
    }

    /* Grid and y ticks. */
    cairo_set_line_width(cr, 0.5);
    font(cr, 6.5, 0);
    for (double v = f->y0; v <= f->y1 + f->ystep * 1e-6; v += f->ystep) {
        double y = fy(f, v);
        set_rgb(cr, C_GRID);
        cairo_move_to(cr, f->x, y);
        cairo_line_to(cr, f->x + f->w, y);
        cairo_stroke(cr);
        set_rgb(cr, C_MUTED);
        fmt_tick(buf, sizeof(buf), v, f->ystep);
        layout_text(cr, f->x - 4, y + 2.3, buf, RIGHT, 0);
    }
    /* x ticks. */
    if (x_cat > 0) {
        for (int c = 1; c <= x_cat; c++) {
            /* Multiples of the step, and 1 when the step leaves room for it. */
            if (c % f->x_ticks != 0 && !(c == 1 && (f->x_ticks >= 5 || f->x_ticks == 1)))
                continue;
            snprintf(buf, sizeof(buf), "%d", c);
            set_rgb(cr, C_MUTED);
            layout_text(cr, fx(f, c), f->y + f->h + 9, buf, CENTER, 0);
        }
    } else {
        for (double v = f->x0; v <= f->x1 + f->xstep * 1e-6; v += f->xstep) {
            double x = fx(f, v);
            set_rgb(cr, C_AXIS);
            cairo_move_to(cr, x, f->y + f->h);
            cairo_line_to(cr, x, f->y + f->h + 3);
            cairo_stroke(cr);
            fmt_tick(buf, sizeof(buf), v, f->xstep);
            set_rgb(cr, C_MUTED);
            layout_text(cr, x, f->y + f->h + 10, buf, CENTER, 0);
        }
    }
    /* Axes. */
    set_rgb(cr, C_AXIS);
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, f->x, f->y);
    cairo_line_to(cr, f->x, f->y + f->h);
    cairo_line_to(cr, f->x + f->w, f->y + f->h);
    cairo_stroke(cr);
    /* Axis labels. */
    font(cr, 7, 0);
    set_rgb(cr, C_MUTED);
    layout_text(cr, f->x + f->w / 2, f->y + f->h + 22, xlabel, CENTER, 0);
    cairo_save(cr);
    cairo_translate(cr, bx + 8, f->y + f->h / 2);
    cairo_rotate(cr, -M_PI / 2);
    layout_text(cr, 0, 0, ylabel, CENTER, f->h);
    cairo_restore(cr);
}

static void chart_empty(cairo_t *cr, double bx, double by, double bw, double bh, const char *title,
                        const char *msg)
{
    font(cr, 9, 1);
    set_rgb(cr, C_TEXT);
    layout_text(cr, bx, by + 10, title, LEFT, 0);
    rect_fill(cr, bx, by + 20, bw, bh - 28, C_BOX);
    font(cr, 8, 0);
    set_rgb(cr, C_MUTED);
    layout_text(cr, bx + bw / 2, by + 20 + (bh - 28) / 2 + 3, msg, CENTER, bw - 10);
}

/* Time axis unit for a run of `t_s` seconds. */
struct rp_tunit {
    double div;
    const char *label;
};

static struct rp_tunit time_unit(double t_s)
{
    if (t_s < 180)
        return (struct rp_tunit){1, "Time (s)"};
    if (t_s < 3 * 3600)
        return (struct rp_tunit){60, "Time (min)"};
    return (struct rp_tunit){3600, "Time (h)"};
}

/* A polyline of (t, v) points, long series averaged into buckets; NaN breaks the line. */
static void plot_series(cairo_t *cr, const struct rp_frame *f, const double *t, const double *v,
                        size_t n, double tdiv, rgb c, double width)
{
    size_t bucket = n > MAX_PLOT_POINTS ? (n + MAX_PLOT_POINTS - 1) / MAX_PLOT_POINTS : 1;
    int pen = 0;
    set_rgb(cr, c);
    cairo_set_line_width(cr, width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t i = 0; i < n; i += bucket) {
        double st = 0, sv = 0;
        size_t k = 0;
        for (size_t j = i; j < n && j < i + bucket; j++) {
            if (isnan(v[j]) || isnan(t[j]))
                continue;
            st += t[j];
            sv += v[j];
            k++;
        }
        if (k == 0) {
            pen = 0;
            continue;
        }
        double x = fx(f, st / (double)k / tdiv), y = fy(f, sv / (double)k);
        if (pen)
            cairo_line_to(cr, x, y);
        else
            cairo_move_to(cr, x, y);
        pen = 1;
    }
    cairo_stroke(cr);
}

/* Steps: value v[i] from t[i] to t[i+1] (the last to t_end). */
static void plot_steps(cairo_t *cr, const struct rp_frame *f, const double *t, const double *v,
                       size_t n, double t_end, double tdiv, rgb c, double width)
{
    int pen = 0;
    set_rgb(cr, c);
    cairo_set_line_width(cr, width);
    for (size_t i = 0; i < n; i++) {
        double t1 = i + 1 < n ? t[i + 1] : t_end;
        if (isnan(v[i])) {
            pen = 0;
            continue;
        }
        if (pen)
            cairo_line_to(cr, fx(f, t[i] / tdiv), fy(f, v[i]));
        else
            cairo_move_to(cr, fx(f, t[i] / tdiv), fy(f, v[i]));
        cairo_line_to(cr, fx(f, t1 / tdiv), fy(f, v[i]));
        pen = 1;
    }
    cairo_stroke(cr);
}

void plot_bars(cairo_t *cr, const struct rp_frame *f, const double *at, const double *v, size_t n,
               rgb c)
{
    double slot = f->w / (double)n, bw = slot * 0.7;
    if (bw < 0.6)
        bw = 0.6;
    set_rgb(cr, c);
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] > 0))
            continue;
        double x = fx(f, at ? at[i] : (double)i + 1) - bw / 2, y = fy(f, v[i]);
        cairo_rectangle(cr, x, y, bw, f->y + f->h - y);
    }
    cairo_fill(cr);
}

double max_of(const double *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] > m)
            m = v[i];
    return m;
}

/* Power over time per component: samples when the logs have them, else per-epoch averages. */
void chart_power(cairo_t *cr, const struct rp_run *r, double bx, double by, double bw, double bh)
{
    const char *title = "Power over time (without PUE)";
    size_t n = r->n_samples ? r->n_samples : r->n_epochs;
    struct rp_legend_item leg[3];
    int n_leg = 0;
    struct rp_frame f;
    struct rp_tunit u = time_unit(r->t_end_s);
    char xl[160];
    double *t = NULL, *cpu = NULL, *gpu = NULL, *tot = NULL, ymax = 0;

    if (n == 0) {
        chart_empty(cr, bx, by, bw, bh, title, "No power figures in the logs.");
        return;
    }
    t = calloc(n, sizeof(double));
    cpu = calloc(n, sizeof(double));
    gpu = calloc(n, sizeof(double));
    tot = calloc(n, sizeof(double));
    if (!t || !cpu || !gpu || !tot)
        goto cleanup;
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        if (r->n_samples) {
            t[i] = r->samples[i].t_s;
            cpu[i] = r->has_cpu ? r->samples[i].cpu_w : NAN;
            gpu[i] = r->has_gpu ? r->samples[i].gpu_w : NAN;
        } else {
            t[i] = acc;
            acc += or0(r->epochs[i].duration_s);
            cpu[i] = r->has_cpu ? r->epochs[i].cpu_power_w : NAN;
            gpu[i] = r->has_gpu ? r->epochs[i].gpu_power_w : NAN;
        }
        tot[i] = isnan(cpu[i]) && isnan(gpu[i]) ? NAN : or0(cpu[i]) + or0(gpu[i]);
        if (tot[i] > ymax)
            ymax = tot[i];
    }
    if (r->has_cpu)
        leg[n_leg++] = (struct rp_legend_item){"CPU", C_CPU, 1};
    if (r->has_gpu)
        leg[n_leg++] = (struct rp_legend_item){"GPU", C_GPU, 1};
    if (r->has_cpu && r->has_gpu)
        leg[n_leg++] = (struct rp_legend_item){"Total", C_TOTAL, 1};
    if (r->n_samples)
        snprintf(xl, sizeof(xl), "%s since the first epoch started \u2022 %zu samples", u.label,
                 r->n_samples);
    else
        snprintf(xl, sizeof(xl),
                 "%s since the first epoch started \u2022 per-epoch averages (the logs have no "
                 "samples)",
                 u.label);
    chart_axes(cr, bx, by, bw, bh, title, leg, n_leg, xl, "Power (W)", r->t_end_s / u.div, 0, ymax,
               &f);
    cairo_save(cr);
    cairo_rectangle(cr, f.x, f.y - 1, f.w + 1, f.h + 1);
    cairo_clip(cr);
    if (r->n_samples) {
        if (r->has_cpu && r->has_gpu)
            plot_series(cr, &f, t, tot, n, u.div, C_TOTAL, 1.0);
        if (r->has_gpu)
            plot_series(cr, &f, t, gpu, n, u.div, C_GPU, 1.2);
        if (r->has_cpu)
            plot_series(cr, &f, t, cpu, n, u.div, C_CPU, 1.2);
    } else {
        if (r->has_cpu && r->has_gpu)
            plot_steps(cr, &f, t, tot, n, r->t_end_s, u.div, C_TOTAL, 1.0);
        if (r->has_gpu)
            plot_steps(cr, &f, t, gpu, n, r->t_end_s, u.div, C_GPU, 1.4);
        if (r->has_cpu)
            plot_steps(cr, &f, t, cpu, n, r->t_end_s, u.div, C_CPU, 1.4);
    }
    cairo_restore(cr);
cleanup:
    free(t);
    free(cpu);
    free(gpu);
    free(tot);
}

/* Energy (PUE included) or CO2eq per epoch, as bars. */
void chart_epochs(cairo_t *cr, const struct rp_run *r, int co2, double bx, double by, double bw,
                  double bh)
{
    char title[96];
    const char *unit;
    double scale = 1, *v, *at;
    size_t pos = 0;
    struct rp_frame f;

    if (co2)
        snprintf(title, sizeof(title), "CO2eq per epoch");
    else
        snprintf(title, sizeof(title), "Energy per epoch (PUE %.2f included)", r->pue_used);
    if (r->n_epochs == 0) {
        chart_empty(cr, bx, by, bw, bh, title, "No epoch in the logs.");
        return;
    }
    v = calloc(r->n_epochs, sizeof(double));
    at = calloc(r->n_epochs, sizeof(double));
    if (!v || !at) {
        free(v);
        free(at);
        return;
    }
    for (size_t i = 0; i < r->n_epochs; i++) {
        const struct rp_epoch *e = &r->epochs[i];
        v[i] = (co2 ? e->co2eq_g_shown : e->kwh_shown) / e->n_in; /* a group: its mean */
        at[i] = (double)pos + (e->n_in + 1) / 2.0; /* the middle of the epochs it stands for */
        pos += (size_t)e->n_in;
    }
    double m = max_of(v, r->n_epochs);
    if (co2 && isnan(r->intensity_g_per_kwh) && !(m > 0)) {
        chart_empty(cr, bx, by, bw, bh, title, "No carbon intensity in the logs.");
        free(v);
        free(at);
        return;
    }
    if (co2) {
        unit = "CO2eq (g)";
        if (m >= 1000) {
            unit = "CO2eq (kg)";
            scale = 1000;
        }
    } else {
        unit = "Energy (kWh)";
        if (m < 0.01) {
            unit = "Energy (Wh)";
            scale = 0.001;
        }
    }
    for (size_t i = 0; i < r->n_epochs; i++)
        v[i] /= scale;
    chart_axes(cr, bx, by, bw, bh, title, NULL, 0, "Epoch", unit, 0, (int)r->n_epochs_logged,
               m / scale, &f);
    plot_bars(cr, &f, at, v, r->n_epochs, co2 ? C_CO2 : C_ENERGY);
    free(v);
    free(at);
}

/* Carbon intensity over time: the logged values as steps, else the run's mean as a flat line. */
void chart_intensity(cairo_t *cr, const struct rp_run *r, double bx, double by, double bw,
                     double bh)
{
    const char *title = "Carbon intensity over time";
    struct rp_tunit u = time_unit(r->t_end_s);
    struct rp_frame f;
    double ymax = r->intensity_g_per_kwh, t_end = r->t_end_s > 0 ? r->t_end_s : 1;
    struct rp_legend_item leg[2] = {{"logged values", C_INTENSITY, 1}, {"mean", C_MUTED, 1}};

    if (r->n_isamples == 0 && isnan(r->intensity_g_per_kwh)) {
        chart_empty(cr, bx, by, bw, bh, title, "No carbon intensity in the logs.");
        return;
    }
    for (size_t i = 0; i < r->n_isamples; i++)
        if (r->isamples[i].g_per_kwh > ymax || isnan(ymax))
            ymax = r->isamples[i].g_per_kwh;
    chart_axes(cr, bx, by, bw, bh, title, r->n_isamples ? leg : leg + 1, r->n_isamples ? 2 : 1,
               u.label, "gCO2/kWh", t_end / u.div, 0, ymax, &f);
    if (!isnan(r->intensity_g_per_kwh)) {
        double dash[] = {3, 2};
        cairo_set_dash(cr, dash, 2, 0);
        set_rgb(cr, C_MUTED);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, f.x, fy(&f, r->intensity_g_per_kwh));
        cairo_line_to(cr, fx(&f, t_end / u.div), fy(&f, r->intensity_g_per_kwh));
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    if (r->n_isamples) {
        double *t = calloc(r->n_isamples, sizeof(double));
        double *v = calloc(r->n_isamples, sizeof(double));
        if (t && v) {
            for (size_t i = 0; i < r->n_isamples; i++) {
                t[i] = r->isamples[i].t_s;
                v[i] = r->isamples[i].g_per_kwh;
            }
            plot_steps(cr, &f, t, v, r->n_isamples, t_end, u.div, C_INTENSITY, 1.6);
        }
        free(t);
        free(v);
    } else {
        /* Under the flat line, where nothing else is drawn. */
        font(cr, 6.5, 0);
        set_rgb(cr, C_MUTED);
        layout_text(cr, f.x + f.w / 2, fy(&f, r->intensity_g_per_kwh) + 11,
                    "one value for the whole run: the logs have no time series", CENTER, f.w - 6);
    }
}

/* Prediction vs actual: for energy, CO2eq and time a predicted and an actual bar, one above
 * the other, each pair scaled to its larger value, with the values written at the bars' ends. */
void chart_pred(cairo_t *cr, const struct rp_run *r, double bx, double by, double bw, double bh)
{
    char ltitle[2][48], buf[64];
    const char *names[3] = {"Energy (kWh)", "CO2eq", "Time"};
    double pv[3] = {r->pred.energy_kwh, r->pred.co2eq_g, r->pred.duration_s};
    /* The band in the same order (its fields are duration, energy, CO2eq). */
    const int bk[3] = {1, 2, 0};
    double av[3] = {r->actual.energy_kwh, r->actual.co2eq_g, r->actual.duration_s};
    const double label_w = 58, value_w = 52, top = by + 30, bottom = by + bh - 14;
    const double group_h = (bottom - top) / 3, bar_h = fmin(11, group_h * 0.36);
    const double x0 = bx + label_w, bar_max = bw - label_w - value_w;
    struct rp_legend_item leg[2];

    snprintf(ltitle[0], sizeof(ltitle[0]), "predicted (%d epochs)", r->pred.epochs);
    snprintf(ltitle[1], sizeof(ltitle[1]), "actual (%d epochs)", r->actual.epochs);
    leg[0] = (struct rp_legend_item){ltitle[0], C_PRED, 0};
    leg[1] = (struct rp_legend_item){ltitle[1], C_ACTUAL, 0};
    font(cr, 9, 1);
    set_rgb(cr, C_TEXT);
    layout_text(cr, bx, by + 10, "Prediction vs actual", LEFT, 0);
    font(cr, 7, 0);
    double lx = bx + label_w; /* the legend goes under the title: the title row is too short */
    for (int i = 0; i < 2; i++) {
        set_rgb(cr, leg[i].color);
        cairo_rectangle(cr, lx, by + 15.5, 7, 7);
        cairo_fill(cr);
        set_rgb(cr, C_TEXT);
        layout_text(cr, lx + 10, by + 22, leg[i].label, LEFT, 0);
        lx += 10 + text_w(cr, leg[i].label) + 12;
    }
    for (int g = 0; g < 3; g++) {
        double gy = top + group_h * g, m = fmax(or0(pv[g]), or0(av[g]));
        if (r->pred.has_band)
            m = fmax(m, or0(r->pred.band_hi[bk[g]]));
        double cy = gy + group_h / 2;
        font(cr, 7.5, 0);
        set_rgb(cr, C_MUTED);
        layout_text(cr, bx, cy + 2.5, names[g], LEFT, label_w - 4);
        for (int k = 0; k < 2; k++) {
            double v = k ? av[g] : pv[g], w = m > 0 ? or0(v) / m * bar_max : 0;
            double y = k ? cy + 0.5 : cy - 0.5 - bar_h;
            rect_fill(cr, x0, y, w, bar_h, k ? C_ACTUAL : C_PRED);
            if (!k && r->pred.has_band && m > 0) {
                /* The 10th-90th percentile band: a whisker across the predicted bar. */
                double xl = x0 + or0(r->pred.band_lo[bk[g]]) / m * bar_max;
                double xh = x0 + or0(r->pred.band_hi[bk[g]]) / m * bar_max, ym = y + bar_h / 2;
                set_rgb(cr, C_TEXT);
                cairo_set_line_width(cr, 0.9);
                cairo_move_to(cr, xl, ym);
                cairo_line_to(cr, xh, ym);
                cairo_move_to(cr, xl, y + 1);
                cairo_line_to(cr, xl, y + bar_h - 1);
                cairo_move_to(cr, xh, y + 1);
                cairo_line_to(cr, xh, y + bar_h - 1);
                cairo_stroke(cr);
                w = fmax(w, xh - x0); /* the value's label after the whisker */
            }
            if (g == 0)
                fmt_sig(buf, sizeof(buf), v, 4);
            else if (g == 1)
                fmt_co2(buf, sizeof(buf), v);
            else
                fmt_duration(buf, sizeof(buf), v);
            font(cr, 6.5, 0);
            set_rgb(cr, C_TEXT);
            layout_text(cr, x0 + w + 3, y + bar_h - 2.5, buf, LEFT, 0);
        }
    }
    set_rgb(cr, C_AXIS);
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, x0, top);
    cairo_line_to(cr, x0, bottom);
    cairo_stroke(cr);
    font(cr, 6.5, 0);
    set_rgb(cr, C_MUTED);
    layout_text(cr, bx + bw / 2, by + bh - 4,
                r->pred.has_band ? "scaled to the larger of each pair; PUE included; whiskers: "
                                   "10th-90th pct."
                                 : "each pair scaled to its larger value; PUE included",
                CENTER, bw);
}
