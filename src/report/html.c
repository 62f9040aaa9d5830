/*
 * html.c - the report as an HTML page (html.h).
 */
#include "html.h"
#include "buf.h"
#include "format.h"
#include "layout.h"
#include "render.h"

#include <cairo-svg.h>
#include <carbontracker.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void html_run(struct rp_buf *b, const struct rp_run *r)
{
    char x[64], y[64];
    buf_puts(b, "<table class=\"kpi\"><tbody>\n");
    buf_printf(b, "<tr><th>%s</th><td>%s</td></tr>\n",
               r->actual.present ? "CO2eq" : "CO2eq (logged epochs)",
               fmt_co2(x, sizeof(x), r->co2eq_g));
    buf_printf(b, "<tr><th>Energy with PUE</th><td>%s (PUE %.2f)</td></tr>\n",
               fmt_kwh(x, sizeof(x), r->energy_kwh_pue), r->pue_used);
    buf_printf(b, "<tr><th>Energy without PUE</th><td>%s</td></tr>\n",
               fmt_kwh(x, sizeof(x), r->energy_kwh));
    buf_printf(b, "<tr><th>Duration</th><td>%s</td></tr>\n",
               fmt_duration(x, sizeof(x), r->duration_s));
    buf_printf(b, "<tr><th>Epochs</th><td>%d</td></tr>\n", r->n_epochs_shown);
    buf_printf(b, "<tr><th>Average power (no PUE)</th><td>%s</td></tr>\n",
               fmt_power(x, sizeof(x), r->power_w));
    buf_printf(b, "<tr><th>Equivalent</th><td>%s km travelled by car</td></tr>\n",
               fmt_sig(x, sizeof(x), r->km, 4));
    if (isnan(r->intensity_g_per_kwh))
        buf_puts(b, "<tr><th>Carbon intensity</th><td>unknown</td></tr>\n");
    else
        buf_printf(b, "<tr><th>Carbon intensity</th><td>%.2f gCO2/kWh at ", r->intensity_g_per_kwh);
    if (!isnan(r->intensity_g_per_kwh)) {
        buf_esc(b, r->location ? r->location : "an unknown location");
        buf_puts(b, "</td></tr>\n");
    }
    if (r->has_node) {
        char node[512];
        buf_puts(b, "<tr><th>Whole machine</th><td>");
        buf_esc(b, fmt_node_share(node, sizeof(node), r->node_meter, r->node_energy_j,
                                  r->node_components_j));
        buf_puts(b, "</td></tr>\n");
    }
    buf_printf(b, "<tr><th>Status</th><td>%s</td></tr>\n", status_of(r));
    if (r->pred.present)
        buf_printf(b, "<tr><th>Prediction (%d epochs)</th><td>%s, %s, %s</td></tr>\n",
                   r->pred.epochs, fmt_kwh(x, sizeof(x), r->pred.energy_kwh),
                   fmt_co2(y, sizeof(y), r->pred.co2eq_g),
                   fmt_duration((char[48]){0}, 48, r->pred.duration_s));
    if (r->pred.present && r->pred.has_band)
        buf_printf(b,
                   "<tr><th>Prediction band (10th to 90th percentile)</th><td>%s to %s, %s to "
                   "%s, %s to %s</td></tr>\n",
                   fmt_kwh(x, sizeof(x), r->pred.band_lo[1]),
                   fmt_kwh((char[48]){0}, 48, r->pred.band_hi[1]),
                   fmt_co2(y, sizeof(y), r->pred.band_lo[2]),
                   fmt_co2((char[48]){0}, 48, r->pred.band_hi[2]),
                   fmt_duration((char[48]){0}, 48, r->pred.band_lo[0]),
                   fmt_duration((char[48]){0}, 48, r->pred.band_hi[0]));
    buf_puts(b,
             "</tbody></table>\n<table><thead><tr><th>Component</th><th>Device</th>"
             "<th>Meter</th><th>Provenance</th><th>Energy (J, no PUE)</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < r->n_devices; i++) {
        const struct rp_device *dv = &r->devices[i];
        buf_puts(b, "<tr><td>");
        buf_esc(b, dv->component ? dv->component : "?");
        buf_puts(b, "</td><td>");
        buf_esc(b, dv->name ? dv->name : "?");
        buf_puts(b, "</td><td>");
        buf_esc(b, dv->meter ? dv->meter : "(not in the logs)");
        buf_puts(b, "</td><td>");
        buf_esc(b, dv->provenance ? dv->provenance : "n/a");
        buf_printf(b, "</td><td class=\"n\">%s</td></tr>\n",
                   fmt_joules(x, sizeof(x), dv->energy_j));
    }
    buf_puts(b, "</tbody></table>\n<table><thead><tr><th>Epoch</th><th>Duration (s)</th>"
                "<th>CPU (W)</th><th>GPU (W)</th><th>Energy (J, no PUE)</th>"
                "<th>Energy (kWh, PUE)</th><th>CO2eq (g)</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < r->n_epochs; i++) {
        const struct rp_epoch *e = &r->epochs[i];
        char c0[32], c1[48], c2[48], c3[48], c4[48], c5[48], c6[48];
        if (e->n_in > 1) /* a group of epochs (a long run): its sums and mean power */
            snprintf(c0, sizeof(c0), "%d\u2013%d", e->epoch - e->n_in + 1, e->epoch);
        else
            snprintf(c0, sizeof(c0), "%d", e->epoch);
        buf_printf(
            b,
            "<tr><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
            "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
            "<td class=\"n\">%s</td></tr>\n",
            c0, fmt_fixed(c1, sizeof(c1), e->duration_s, 2),
            fmt_fixed(c2, sizeof(c2), e->cpu_power_w, 1),
            fmt_fixed(c3, sizeof(c3), e->gpu_power_w, 1), fmt_joules(c4, sizeof(c4), e->energy_j),
            fmt_sig(c5, sizeof(c5), e->kwh_shown, 4), fmt_sig(c6, sizeof(c6), e->co2eq_g_shown, 4));
    }
    buf_puts(b, "</tbody></table>\n");
}

int write_html(const struct report *rep, const char *footer, size_t n_pages, const char *path)
{
    struct rp_buf svg = {0}, b = {0};
    const char *start;
    int rc = -1;
    FILE *f = NULL;
    cairo_surface_t *s = svg_surface(
        cairo_svg_surface_create_for_stream(buf_write, &svg, PAGE_W, PAGE_H * (double)n_pages));
    if (render_to(s, rep, footer, n_pages, 0, 1, NULL) != CAIRO_STATUS_SUCCESS || svg.oom || !svg.p)
        goto cleanup;
    start = strstr(svg.p, "<svg"); /* drop the XML declaration */
    if (!start)
        goto cleanup;

    buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"generator\" content=\"carbontracker\">\n"
                 "<title>Carbon Emissions Report</title>\n<style>\n"
                 "body{font-family:'DejaVu Sans',Verdana,sans-serif;color:#21262d;max-width:"
                 "880px;margin:2em auto;padding:0 1em}\n"
                 "h1{margin-bottom:.2em}.sub{color:#666;margin-top:0}\n"
                 "table{border-collapse:collapse;margin:.8em 0;font-size:.85em}\n"
                 "th,td{border:1px solid #dde;padding:.25em .6em;text-align:left}\n"
                 "thead th,.kpi th{background:#eef1f4}td.n{text-align:right}\n"
                 ".report svg{width:100%;height:auto;border:1px solid #ccd;margin-top:1em}\n"
                 "</style>\n</head>\n<body>\n<h1>Carbon Emissions Report</h1>\n");
    buf_printf(&b, "<p class=\"sub\">Generated by carbontracker v%s &bull; %s &bull; from ",
               ct_version_string(), rep->date);
    buf_esc(&b, rep->input);
    buf_puts(&b, "</p>\n");
    if (rep->n_runs > 1) {
        char x[48], y[48], z[48];
        buf_puts(&b, "<h2>Runs compared</h2>\n<table><thead><tr><th>#</th><th>Run</th>"
                     "<th>Epochs</th><th>Duration</th><th>Energy (kWh)</th><th>CO2eq (g)</th>"
                     "<th>Early stop</th><th>Status</th><th>Total uses</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < rep->n_runs; i++) {
            const struct rp_run *r = &rep->runs[i];
            buf_printf(&b, "<tr><td class=\"n\">%zu</td><td>", i + 1);
            buf_esc(&b, r->name);
            buf_printf(&b,
                       "</td><td class=\"n\">%d</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                       "<td class=\"n\">%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
                       r->n_epochs_shown, fmt_duration(x, sizeof(x), r->duration_s),
                       fmt_sig(y, sizeof(y), r->energy_kwh_pue, 4),
                       fmt_sig(z, sizeof(z), r->co2eq_g, 4), r->early_stop ? "yes" : "no",
                       status_of(r), counted_as(r));
        }
        buf_printf(&b,
                   "<tr><th></th><th>Total (as --parse aggregates)</th><td></td><td></td>"
                   "<td class=\"n\">%s</td><td class=\"n\">%s</td><td></td><td></td><td></td>"
                   "</tr>\n"
                   "</tbody></table>\n",
                   fmt_sig(x, sizeof(x), rep->total_kwh, 4),
                   fmt_sig(y, sizeof(y), rep->total_g, 4));
    }
    for (size_t i = 0; i < rep->n_runs; i++) {
        buf_puts(&b, "<h2>Run: ");
        buf_esc(&b, rep->runs[i].name);
        buf_puts(&b, "</h2>\n");
        html_run(&b, &rep->runs[i]);
    }
    buf_puts(&b, "<h2>The report as drawn</h2>\n<div class=\"report\">\n");
    buf_puts(&b, start);
    buf_puts(&b, "</div>\n</body>\n</html>\n");
    if (b.oom)
        goto cleanup;
    f = fopen(path, "w");
    if (!f)
        goto cleanup;
    if (fwrite(b.p, 1, b.len, f) != b.len)
        goto cleanup;
    rc = fclose(f) == 0 ? 0 : -1;
    f = NULL;
cleanup:
    if (f)
        fclose(f);
    free(svg.p);
    free(b.p);
    return rc;
}
