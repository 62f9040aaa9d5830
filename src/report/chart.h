/*
 * chart.h - the report's charts: axes with ticks, legend and title in a box, then lines, steps or
 * bars in its frame; and the four charts of a run.
 */
#ifndef CT_REPORT_CHART_H
#define CT_REPORT_CHART_H

#include "layout.h"
#include "model.h"

struct rp_frame {
    double x, y, w, h;     /* plot area */
    double x0, x1, y0, y1; /* data range */
    double xstep, ystep;   /* tick steps */
    int x_ticks;           /* categorical axes: label every x_ticks-th category */
};

struct rp_legend_item {
    const char *label;
    rgb color;
    int line; /* 1: a line sample, 0: a square */
};

double fy(const struct rp_frame *f, double v);
double fx(const struct rp_frame *f, double v);
void chart_axes(cairo_t *cr, double bx, double by, double bw, double bh, const char *title,
                const struct rp_legend_item *leg, int n_leg, const char *xlabel, const char *ylabel,
                double xmax, int x_cat, double ymax, struct rp_frame *f);
/* Bar i at x = at[i] (NULL: i + 1), n slots across the frame. */
void plot_bars(cairo_t *cr, const struct rp_frame *f, const double *at, const double *v, size_t n,
               rgb c);
double max_of(const double *v, size_t n);
void chart_power(cairo_t *cr, const struct rp_run *r, double bx, double by, double bw, double bh);
void chart_epochs(cairo_t *cr, const struct rp_run *r, int co2, double bx, double by, double bw,
                  double bh);
void chart_intensity(cairo_t *cr, const struct rp_run *r, double bx, double by, double bw,
                     double bh);
void chart_pred(cairo_t *cr, const struct rp_run *r, double bx, double by, double bw, double bh);

#endif
