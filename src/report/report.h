/*
 * report.h - carbontracker-report, the program that draws `carbontracker --report`: the report of
 * one or several runs, drawn with cairo from the carbontracker-parse JSON document (the library's
 * ct_parse_json(), or such a document in a file), as PDF, SVG, PNG or a self-contained HTML page.
 * The command execs it (src/cli/report_exec.c), so that neither the library nor the command maps
 * cairo and fontconfig. Files, each using only those before it: model.c (the document read into
 * runs), format.c (numbers as text), layout.c (pages, text, boxes, tables), chart.c, sections.c
 * (what a page shows), render.c (cairo surfaces: PDF, SVG, PNG), html.c, output.c, main.c.
 */
#ifndef CT_REPORT_REPORT_H
#define CT_REPORT_REPORT_H

#include <stddef.h>

/* The program's name (src/cli/report.h names it too, for the command that execs it). */
#define REPORT_PROGRAM "carbontracker-report"

/* Exit statuses, the command's own (sysexits). */
enum report_exit {
    REPORT_EXIT_USAGE = 64,     /* usage, also an unknown output extension (EX_USAGE) */
    REPORT_EXIT_DATAERR = 65,   /* the logs or the JSON document could not be read (EX_DATAERR) */
    REPORT_EXIT_NOINPUT = 66,   /* the input does not exist or holds no log (EX_NOINPUT) */
    REPORT_EXIT_SOFTWARE = 70,  /* out of memory (EX_SOFTWARE) */
    REPORT_EXIT_CANTCREAT = 73, /* the report could not be written (EX_CANTCREAT) */
};

/* Output formats, chosen by the output file name's extension. */
enum report_format { REPORT_PDF, REPORT_SVG, REPORT_PNG, REPORT_HTML };

/* The default output file, as upstream's --output. */
#define REPORT_DEFAULT_OUTPUT "carbon_report.pdf"

/* Format for `path` by its extension (.pdf .svg .png .html .htm, any case). 0, or -1 when the
 * extension is none of them. */
int report_format_for(const char *path, enum report_format *fmt);

/*
 * Render the carbontracker-parse JSON document `json_text` into `path` (written to path.tmp and
 * renamed when complete). `input_label` names the input in the report (a directory or file).
 * Returns 0, or an exit status from enum report_exit with the reason in errbuf.
 */
int report_render(const char *json_text, const char *input_label, const char *path,
                  enum report_format fmt, char *errbuf, size_t errlen);

/*
 * --report INPUT [--output OUTPUT]: INPUT is a log directory, one of a run's log files, or a
 * carbontracker-parse JSON file; OUTPUT defaults to REPORT_DEFAULT_OUTPUT. Prints "Report
 * generated: OUTPUT" unless `quiet`, errors on stderr. Returns the exit status.
 */
int report_run(const char *input, const char *output, int quiet);

#endif
