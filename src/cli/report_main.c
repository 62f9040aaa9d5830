/*
 * report_main.c - carbontracker-report, the program that draws `carbontracker --report`
 * (report.c). Only it links cairo and fontconfig; the command execs it with the report's
 * arguments, [-q] --report INPUT [--output FILE], so its messages and exit statuses are the
 * command's.
 */
#include "cli.h"
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("carbontracker: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'carbontracker --help' for more information.\n", stderr);
    return CLI_EXIT_USAGE;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]: 1 with *value set (and *i moved past it), 0 when
 * argv[*i] is another option, -1 when the value is missing. */
static int value_option(const char *name, int argc, char **argv, int *i, const char **value)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return 0;
    if (argv[*i][n] == '=') {
        *value = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

int main(int argc, char **argv)
{
    const char *input = NULL, *output = NULL;
    int quiet = 0;

    for (int i = 1; i < argc; i++) {
        int rc;
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
        } else if ((rc = value_option("--report", argc, argv, &i, &input)) != 0 ||
                   (rc = value_option("--output", argc, argv, &i, &output)) != 0) {
            if (rc < 0)
                return cli_usage_error("option '%s' needs a value", argv[i]);
        } else {
            return cli_usage_error("%s: unknown argument '%s' (usage: %s [-q] --report "
                                   "LOG_OR_DIR [--output FILE])",
                                   REPORT_PROGRAM, argv[i], REPORT_PROGRAM);
        }
    }
    if (!input)
        return cli_usage_error("%s: --report LOG_OR_DIR is needed", REPORT_PROGRAM);
    return report_run(input, output, quiet);
}
