/*
 * layout.h - the report's page geometry and look, text and boxes drawn with cairo, and the pages
 * of a document: the current page and height, page breaks and footers, sections, banners, KPI
 * boxes and table rows.
 */
#ifndef CT_REPORT_LAYOUT_H
#define CT_REPORT_LAYOUT_H

#include <cairo.h>
#include <stddef.h>

/* Page geometry (points) and look. */
#define PAGE_W 612.0 /* US letter, as upstream's reportlab report */
#define PAGE_H 792.0
#define MARGIN 40.0
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define BOTTOM (PAGE_H - MARGIN)
#define PNG_SCALE 2.0 /* 144 dpi */
#define FONT "DejaVu Sans"
#define MAX_PLOT_POINTS 1500 /* longer series are averaged into this many buckets */
#define MAX_DEVICE_ROWS 8

typedef struct rgb {
    double r, g, b;
} rgb;

static const rgb C_TEXT = {0.13, 0.15, 0.18};
static const rgb C_MUTED = {0.40, 0.43, 0.47};
static const rgb C_GRID = {0.88, 0.89, 0.91};
static const rgb C_AXIS = {0.35, 0.37, 0.40};
static const rgb C_BOX = {0.955, 0.965, 0.975};
static const rgb C_CPU = {0.12, 0.47, 0.71};
static const rgb C_GPU = {0.90, 0.45, 0.05};
static const rgb C_TOTAL = {0.25, 0.25, 0.28};
static const rgb C_ENERGY = {0.30, 0.45, 0.69};
static const rgb C_CO2 = {0.33, 0.56, 0.36};
static const rgb C_INTENSITY = {0.55, 0.35, 0.64};
static const rgb C_PRED = {0.62, 0.66, 0.71};
static const rgb C_ACTUAL = {0.18, 0.49, 0.20};
static const rgb C_WARN_BG = {1.00, 0.93, 0.88};
static const rgb C_WARN = {0.70, 0.22, 0.05};
static const rgb C_INFO_BG = {0.91, 0.94, 0.99};
static const rgb C_INFO = {0.15, 0.30, 0.60};

enum align { LEFT, CENTER, RIGHT };

/*
 * The report is drawn twice: once on a scratch recording surface to count the pages, then on
 * the output surface. PDF pages are separate pages; SVG, PNG and HTML stack them on one tall
 * surface, each page translated below the previous one.
 */
struct rp_doc {
    cairo_t *cr;
    int paged;      /* 1: cairo_show_page() between pages (PDF); 0: stacked */
    int started;    /* a page is open */
    size_t page;    /* index of the open page */
    size_t n_pages; /* pages the first pass drew (0 during the first pass) */
    double y;       /* next free line on the open page */
    const char *footer;
    int oom; /* something was left out for want of memory */
};

struct rp_kpi {
    rgb accent;
    const char *label;
    char value[64];
    char note[160];
};

struct rp_column {
    const char *title;
    double w;
    enum align al;
};

void set_rgb(cairo_t *cr, rgb c);
void font(cairo_t *cr, double size, int bold);
double text_w(cairo_t *cr, const char *s);
void layout_text(cairo_t *cr, double x, double y, const char *s, enum align al, double maxw);
double para(cairo_t *cr, double x, double y, double maxw, double line_h, const char *s, int draw);
void rect_fill(cairo_t *cr, double x, double y, double w, double h, rgb c);
void doc_end_page(struct rp_doc *d);
void doc_new_page(struct rp_doc *d);
void doc_need(struct rp_doc *d, double h);
void section(struct rp_doc *d, const char *title, double need_after);
void banner(struct rp_doc *d, const char *msg, int warn);
void kpi_grid(struct rp_doc *d, const struct rp_kpi *k, int n);
void table_row(struct rp_doc *d, const struct rp_column *cols, int ncols, const char *const *cells,
               int header, int shade);

#endif
