/*
 * layout.c - text, boxes and pages of the report (layout.h).
 */
#include "layout.h"

#include <stdio.h>
#include <string.h>

/* ---- drawing primitives ------------------------------------------------------------------- */

void set_rgb(cairo_t *cr, rgb c)
{
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double text_w(cairo_t *cr, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

/* Text with its baseline at y; when wider than maxw (> 0) the start is replaced by "…" so that
 * the end (a file name's distinctive part) stays. */
void layout_text(cairo_t *cr, double x, double y, const char *s, enum align al, double maxw)
{
    char tmp[512];
    const char *out = s;
    if (maxw > 0 && text_w(cr, s) > maxw) {
        size_t len = strlen(s), skip = 0;
        while (skip < len) {
            skip++;
            while (skip < len && ((unsigned char)s[skip] & 0xC0) == 0x80)
                skip++;
            snprintf(tmp, sizeof(tmp), "\u2026%s", s + skip);
            if (text_w(cr, tmp) <= maxw)
                break;
        }
        out = tmp;
    }
    double w = text_w(cr, out);
    cairo_move_to(cr, al == LEFT ? x : al == CENTER ? x - w / 2 : x - w, y);
    cairo_show_text(cr, out);
}

/* Bytes of the longest start of p[0..len) (whole UTF-8 characters, at least one) that fits in
 * maxw. */
static size_t fit_prefix(cairo_t *cr, const char *p, size_t len, double maxw)
{
    char tmp[1024];
    size_t k = len < sizeof(tmp) ? len : sizeof(tmp) - 1;
    while (k > 1) {
        while (k > 1 && ((unsigned char)p[k] & 0xC0) == 0x80)
            k--; /* not inside a character */
        memcpy(tmp, p, k);
        tmp[k] = '\0';
        if (text_w(cr, tmp) <= maxw)
            break;
        k--;
    }
    return k;
}

/* Word-wrapped paragraph from baseline y; words wider than a line are cut. Returns the height
 * used. Draws only when `draw`. */
double para(cairo_t *cr, double x, double y, double maxw, double line_h, const char *s, int draw)
{
    char line[1024], cand[1024];
    size_t n = 0, lines = 0;
    const char *p = s;
    line[0] = '\0';
    while (*p) {
        size_t wl = strcspn(p, " ");
        wl = fit_prefix(cr, p, wl, maxw); /* the word, or as much of it as fits a line */
        int fits = n + 1 + wl < sizeof(cand);
        if (fits) {
            memcpy(cand, line, n);
            cand[n] = ' ';
            memcpy(cand + (n ? n + 1 : 0), p, wl);
            cand[(n ? n + 1 : 0) + wl] = '\0';
            fits = text_w(cr, cand) <= maxw;
        }
        if (n && !fits) {
            if (draw)
                layout_text(cr, x, y + (double)lines * line_h, line, LEFT, 0);
            lines++;
            memcpy(line, p, wl);
            line[wl] = '\0';
        } else {
            memcpy(line, cand, strlen(cand) + 1);
        }
        n = strlen(line);
        p += wl;
        while (*p == ' ')
            p++;
    }
    if (n) {
        if (draw)
            layout_text(cr, x, y + (double)lines * line_h, line, LEFT, 0);
        lines++;
    }
    return (double)lines * line_h;
}

void rect_fill(cairo_t *cr, double x, double y, double w, double h, rgb c)
{
    set_rgb(cr, c);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
}

/* ---- pages ----------------------------------------------------------------------------------- */

static void doc_footer(struct rp_doc *d)
{
    char buf[64];
    cairo_t *cr = d->cr;
    font(cr, 7, 0);
    set_rgb(cr, C_MUTED);
    layout_text(cr, MARGIN, PAGE_H - 20, d->footer, LEFT, CONTENT_W - 80);
    if (d->n_pages)
        snprintf(buf, sizeof(buf), "Page %zu of %zu", d->page + 1, d->n_pages);
    else
        snprintf(buf, sizeof(buf), "Page %zu", d->page + 1);
    layout_text(cr, PAGE_W - MARGIN, PAGE_H - 20, buf, RIGHT, 0);
}

void doc_end_page(struct rp_doc *d)
{
    if (!d->started)
        return;
    doc_footer(d);
    if (d->paged)
        cairo_show_page(d->cr);
    else
        cairo_restore(d->cr);
    d->started = 0;
    d->page++;
}

void doc_new_page(struct rp_doc *d)
{
    doc_end_page(d);
    d->started = 1;
    if (!d->paged) {
        cairo_save(d->cr);
        cairo_translate(d->cr, 0, PAGE_H * (double)d->page);
    }
    rect_fill(d->cr, 0, 0, PAGE_W, PAGE_H, (rgb){1, 1, 1});
    if (!d->paged && d->page > 0)
        rect_fill(d->cr, 0, 0, PAGE_W, 1.5, C_GRID); /* where one page ends and the next starts */
    d->y = MARGIN;
}

/* Room for `h` points on this page, else a new page. */
void doc_need(struct rp_doc *d, double h)
{
    if (d->y + h > BOTTOM)
        doc_new_page(d);
}

void section(struct rp_doc *d, const char *title, double need_after)
{
    doc_need(d, 22 + need_after);
    cairo_t *cr = d->cr;
    d->y += 6;
    font(cr, 11.5, 1);
    set_rgb(cr, C_TEXT);
    layout_text(cr, MARGIN, d->y + 11, title, LEFT, 0);
    cairo_set_line_width(cr, 0.6);
    set_rgb(cr, C_GRID);
    cairo_move_to(cr, MARGIN, d->y + 15.5);
    cairo_line_to(cr, PAGE_W - MARGIN, d->y + 15.5);
    cairo_stroke(cr);
    d->y += 22;
}

/* A coloured note box (warning or information) with wrapped text. */
void banner(struct rp_doc *d, const char *msg, int warn)
{
    cairo_t *cr = d->cr;
    font(cr, 8.5, 0);
    double h = para(cr, 0, 0, CONTENT_W - 20, 11, msg, 0) + 10;
    doc_need(d, h + 6);
    cr = d->cr;
    font(cr, 8.5, 0);
    rect_fill(cr, MARGIN, d->y, CONTENT_W, h, warn ? C_WARN_BG : C_INFO_BG);
    rect_fill(cr, MARGIN, d->y, 3, h, warn ? C_WARN : C_INFO);
    set_rgb(cr, warn ? C_WARN : C_INFO);
    para(cr, MARGIN + 10, d->y + 13, CONTENT_W - 20, 11, msg, 1);
    d->y += h + 6;
}

static void kpi_box(cairo_t *cr, double x, double y, double w, double h, rgb accent,
                    const char *label, const char *value, const char *note)
{
    double size = 16;
    rect_fill(cr, x, y, w, h, C_BOX);
    rect_fill(cr, x, y, 3, h, accent);
    font(cr, 7.5, 1);
    set_rgb(cr, C_MUTED);
    layout_text(cr, x + 10, y + 12, label, LEFT, w - 14);
    font(cr, size, 1);
    while (size > 9 && text_w(cr, value) > w - 16) {
        size -= 0.5;
        font(cr, size, 1);
    }
    set_rgb(cr, C_TEXT);
    layout_text(cr, x + 10, y + 30, value, LEFT, w - 14);
    font(cr, 7, 0);
    set_rgb(cr, C_MUTED);
    layout_text(cr, x + 10, y + h - 5.5, note, LEFT, w - 14);
}

/* A grid of KPI boxes, three per row. */
void kpi_grid(struct rp_doc *d, const struct rp_kpi *k, int n)
{
    const double gap = 8, h = 44, w = (CONTENT_W - 2 * gap) / 3;
    for (int i = 0; i < n; i += 3) {
        doc_need(d, h + gap);
        for (int j = i; j < n && j < i + 3; j++)
            kpi_box(d->cr, MARGIN + (j - i) * (w + gap), d->y, w, h, k[j].accent, k[j].label,
                    k[j].value, k[j].note);
        d->y += h + gap;
    }
}

/* A table: header row, then rows of cells; columns with right alignment where asked. */
void table_row(struct rp_doc *d, const struct rp_column *cols, int ncols, const char *const *cells,
               int header, int shade)
{
    const double row_h = header ? 15 : 13;
    cairo_t *cr = d->cr;
    double x = MARGIN;
    if (header)
        rect_fill(cr, MARGIN, d->y, CONTENT_W, row_h, (rgb){0.90, 0.92, 0.94});
    else if (shade)
        rect_fill(cr, MARGIN, d->y, CONTENT_W, row_h, (rgb){0.97, 0.975, 0.98});
    font(cr, header ? 7.5 : 8, header);
    set_rgb(cr, header ? C_MUTED : C_TEXT);
    for (int c = 0; c < ncols; c++) {
        double tx = cols[c].al == RIGHT ? x + cols[c].w - 4 : x + 4;
        layout_text(cr, tx, d->y + row_h - 4, cells[c], cols[c].al, cols[c].w - 8);
        x += cols[c].w;
    }
    d->y += row_h;
}
