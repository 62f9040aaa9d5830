/*
 * report.h - `carbontracker --report`: the report of one or several runs, drawn with cairo from
 * the carbontracker-parse JSON document (the library's ct_parse_json(), or such a document in a
 * file), as PDF, SVG, PNG or a self-contained HTML page. It is drawn by its own program,
 * carbontracker-report (src/report/), which the command execs (report_exec.c), so that neither
 * the library nor the command maps cairo and fontconfig.
 */
#ifndef CT_CLI_REPORT_H
#define CT_CLI_REPORT_H

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
