/*
 * render.c - the report onto cairo surfaces (render.h).
 */
#include "render.h"
#include "sections.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>

size_t count_pages(const struct report *rep, const char *footer, int *oom)
{
    cairo_surface_t *s = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
    struct rp_doc d = {.cr = cairo_create(s), .footer = footer};
    render(&d, rep);
    if (cairo_status(d.cr) != CAIRO_STATUS_SUCCESS || d.oom)
        *oom = 1;
    cairo_destroy(d.cr);
    cairo_surface_destroy(s);
    return d.page;
}

cairo_status_t render_to(cairo_surface_t *s, const struct report *rep, const char *footer,
                         size_t n_pages, int paged, double scale, const char *png_path)
{
    struct rp_doc d = {.cr = cairo_create(s), .paged = paged, .n_pages = n_pages, .footer = footer};
    cairo_status_t st;
    cairo_scale(d.cr, scale, scale);
    render(&d, rep);
    st = cairo_status(d.cr);
    cairo_destroy(d.cr);
    if (st == CAIRO_STATUS_SUCCESS && png_path)
        st = cairo_surface_write_to_png(s, png_path);
    cairo_surface_finish(s);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    return st;
}

cairo_surface_t *pdf_surface(const char *path, const char *iso_date)
{
    cairo_surface_t *s = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, "Carbon Emissions Report");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "carbontracker");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, iso_date);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, iso_date);
    return s;
}

cairo_surface_t *svg_surface(cairo_surface_t *s)
{
    cairo_svg_surface_restrict_to_version(s, CAIRO_SVG_VERSION_1_1);
    return s;
}
