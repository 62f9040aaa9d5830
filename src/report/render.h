/*
 * render.h - the report drawn onto cairo surfaces: a first pass counts the pages, a second draws
 * them onto a PDF (a page per page), SVG or PNG (pages stacked) surface.
 */
#ifndef CT_REPORT_RENDER_H
#define CT_REPORT_RENDER_H

#include "model.h"

#include <cairo.h>

/* First pass: the number of pages, on a scratch surface; *oom set when drawing failed. */
size_t count_pages(const struct report *rep, const char *footer, int *oom);
/* Second pass onto `s` (consumed), scaled by `scale`, `paged` (a page per page) or stacked,
 * written as PNG to `png_path` when not NULL; returns the surface's final status. */
cairo_status_t render_to(cairo_surface_t *s, const struct report *rep, const char *footer,
                         size_t n_pages, int paged, double scale, const char *png_path);
/* A PDF surface with the report's metadata, and an SVG surface restricted to SVG 1.1. */
cairo_surface_t *pdf_surface(const char *path, const char *iso_date);
cairo_surface_t *svg_surface(cairo_surface_t *s);

#endif
