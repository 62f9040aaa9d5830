/*
 * parse.h - `carbontracker --parse DIR [--recursive] [--json FILE]`: the total energy and CO2eq
 * of the runs logged in a directory, printed as upstream's print_aggregate sentence.
 */
#ifndef CT_CLI_PARSE_H
#define CT_CLI_PARSE_H

/* Exit statuses of --parse besides 0 and CLI_EXIT_USAGE (64). */
enum parse_exit {
    PARSE_EXIT_NOINPUT = 66,   /* DIR cannot be read, or holds no pair of logs (EX_NOINPUT) */
    PARSE_EXIT_SOFTWARE = 70,  /* out of memory (EX_SOFTWARE) */
    PARSE_EXIT_CANTCREAT = 73, /* the --json file cannot be written (EX_CANTCREAT) */
};

/* Parse the logs in `dir` (and its subdirectories when `recursive`), report skipped files and
 * lines on stderr, print the aggregate sentence on stdout unless `quiet`, write the
 * carbontracker-parse JSON to `json_path` when given. Returns the exit status. */
int cli_parse_logs(const char *dir, int recursive, const char *json_path, int quiet);

#endif
