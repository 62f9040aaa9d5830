/*
 * html.h - the report as one self-contained HTML page: the numbers as tables (searchable,
 * copyable), then the drawn report as inline SVG.
 */
#ifndef CT_REPORT_HTML_H
#define CT_REPORT_HTML_H

#include "model.h"

/* Write the page to `path` (n_pages: from count_pages()): 0, or -1 with errno set when the file
 * could not be written (0 when out of memory). */
int write_html(const struct report *rep, const char *footer, size_t n_pages, const char *path);

#endif
