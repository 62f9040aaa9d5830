/*
 * output.c - the report of a parse JSON document written as PDF, SVG, PNG or HTML.
 */
#include "html.h"
#include "layout.h"
#include "render.h"
#include "report.h"

#include <cairo-svg.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int report_format_for(const char *path, enum report_format *fmt)
{
    static const struct {
        const char *ext;
        enum report_format fmt;
    } exts[] = {{".pdf", REPORT_PDF},
                {".svg", REPORT_SVG},
                {".png", REPORT_PNG},
                {".html", REPORT_HTML},
                {".htm", REPORT_HTML}};
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot)
        return -1;
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
        if (strcasecmp(dot, exts[i].ext) == 0) {
            *fmt = exts[i].fmt;
            return 0;
        }
    return -1;
}

int report_render(const char *json_text, const char *input_label, const char *path,
                  enum report_format fmt, char *errbuf, size_t errlen)
{
    struct report rep;
    char iso[64], tmp[4096], footer[600];
    int rc, oom = 0;
    size_t n_pages;
    cairo_status_t st = CAIRO_STATUS_SUCCESS;

    memset(&rep, 0, sizeof(rep));
    rep.input = input_label;
    report_date(rep.date, sizeof(rep.date), iso, sizeof(iso));
    rc = load_report(json_text, &rep, errbuf, errlen);
    if (rc != 0)
        goto cleanup;
    snprintf(footer, sizeof(footer), "Carbon Emissions Report \u2022 %s",
             rep.n_runs == 1 ? rep.runs[0].name : input_label);
    n_pages = count_pages(&rep, footer, &oom);
    if (oom || n_pages == 0) {
        snprintf(errbuf, errlen, "out of memory");
        rc = REPORT_EXIT_SOFTWARE;
        goto cleanup;
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        snprintf(errbuf, errlen, "%s: file name too long", path);
        rc = REPORT_EXIT_CANTCREAT;
        goto cleanup;
    }
    errno = 0;
    switch (fmt) {
    case REPORT_PDF:
        st = render_to(pdf_surface(tmp, iso), &rep, footer, n_pages, 1, 1, NULL);
        break;
    case REPORT_SVG:
        st = render_to(svg_surface(cairo_svg_surface_create(tmp, PAGE_W, PAGE_H * (double)n_pages)),
                       &rep, footer, n_pages, 0, 1, NULL);
        break;
    case REPORT_PNG:
        st =
            render_to(cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)lrint(PAGE_W * PNG_SCALE),
                                                 (int)lrint(PAGE_H * PNG_SCALE * (double)n_pages)),
                      &rep, footer, n_pages, 0, PNG_SCALE, tmp);
        break;
    case REPORT_HTML:
        if (write_html(&rep, footer, n_pages, tmp) != 0)
            st = errno ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_NO_MEMORY;
        break;
    }
    if (st == CAIRO_STATUS_SUCCESS && rename(tmp, path) != 0)
        st = CAIRO_STATUS_WRITE_ERROR;
    if (st != CAIRO_STATUS_SUCCESS) {
        int e = errno;
        unlink(tmp);
        if (st == CAIRO_STATUS_WRITE_ERROR)
            snprintf(errbuf, errlen, "cannot write %s: %s", path,
                     e ? strerror(e) : cairo_status_to_string(st));
        else
            snprintf(errbuf, errlen, "cannot draw the report: %s", cairo_status_to_string(st));
        rc = st == CAIRO_STATUS_NO_MEMORY ? REPORT_EXIT_SOFTWARE : REPORT_EXIT_CANTCREAT;
    }
cleanup:
    free_report(&rep);
    return rc;
}
