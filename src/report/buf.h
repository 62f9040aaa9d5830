/*
 * buf.h - a growing text buffer (the HTML page, the SVG drawn into memory, a file read whole).
 * Out of memory sets oom and makes later additions no-ops.
 */
#ifndef CT_REPORT_BUF_H
#define CT_REPORT_BUF_H

#include <cairo.h>
#include <stddef.h>

struct rp_buf {
    char *p;
    size_t len, cap;
    int oom;
};

void buf_add(struct rp_buf *b, const char *s, size_t n);
void buf_puts(struct rp_buf *b, const char *s);
__attribute__((format(printf, 2, 3))) void buf_printf(struct rp_buf *b, const char *fmt, ...);
/* HTML-escaped text. */
void buf_esc(struct rp_buf *b, const char *s);
/* A cairo write function appending to the struct rp_buf `closure`. */
cairo_status_t buf_write(void *closure, const unsigned char *data, unsigned int length);

#endif
