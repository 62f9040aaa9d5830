/*
 * report.h - `carbontracker --report`: the report of one or several runs, drawn with cairo from
 * the carbontracker-parse JSON document (the library's ct_parse_json(), or such a document in a
 * file), as PDF, SVG, PNG or a self-contained HTML page. It is drawn by its own program,
 * carbontracker-report (report.c, report_main.c), which the command execs (report_exec.c), so
 * that neither the library nor the command maps cairo and fontconfig.
 */
#ifndef CT_CLI_REPORT_H
#define CT_CLI_REPORT_H

#include <stddef.h>

/* Exit statuses of --report besides CLI_EXIT_USAGE (64, also for an unknown output extension). */
enum report_exit {
    REPORT_EXIT_DATAERR = 65,   /* the logs or the JSON document could not be read (EX_DATAERR) */
    REPORT_EXIT_NOINPUT = 66,   /* the input does not exist or holds no log (EX_NOINPUT) */
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
 * carbontracker-report: --report INPUT [--output OUTPUT]: INPUT is a log directory, one of a
 * run's log files, or a carbontracker-parse JSON file; OUTPUT defaults to REPORT_DEFAULT_OUTPUT.
 * Prints "Report generated: OUTPUT" unless `quiet`, errors on stderr. Returns the exit status.
 */
int report_run(const char *input, const char *output, int quiet);

/* The program's name, and its arguments from the command: [-q] --report INPUT [--output FILE]. */
#define REPORT_PROGRAM "carbontracker-report"

/*
 * The command's --report (report_exec.c): exec REPORT_PROGRAM, found in the command's own
 * directory, then in the installed libexec directory (relative to the command's, then as
 * configured), with the same report arguments. Returns only on failure: CLI_EXIT_SOFTWARE with
 * the reason on stderr (the program is missing or cannot be run).
 */
int cli_report(const char *input, const char *output, int quiet);

#endif
