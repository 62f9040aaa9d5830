/*
 * usage.c - the command's usage error: one line naming what was wrong, and where to look.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

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
