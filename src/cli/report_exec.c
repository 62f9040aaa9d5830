/*
 * report_exec.c - the command's --report: execs carbontracker-report (src/report/), which
 * draws the report with cairo, so that the command itself links neither cairo nor fontconfig
 * and starts as fast as a tracker should.
 */
#include "cli.h"
#include "report.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef CT_REPORT_DIR
#define CT_REPORT_DIR "/usr/local/libexec/carbontracker"
#endif
#ifndef CT_REPORT_FROM_BIN
#define CT_REPORT_FROM_BIN "../libexec/carbontracker"
#endif

/* dir + "/" + REPORT_PROGRAM into buf when that is an executable file: 0, else -1. */
static int candidate(const char *dir, size_t dir_len, const char *sub, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%.*s%s%s/%s", (int)dir_len, dir, sub[0] ? "/" : "", sub,
                     REPORT_PROGRAM);
    return n > 0 && (size_t)n < len && access(buf, X_OK) == 0 ? 0 : -1;
}

/* The program: next to the command (the build directory, or both in one directory), then the
 * libexec directory relative to the command's bin directory, then the configured one. */
static int find_report_program(char *buf, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        const char *slash = strrchr(self, '/');
        size_t dir_len = slash ? (size_t)(slash - self) : 0;
        if (slash && (candidate(self, dir_len, "", buf, len) == 0 ||
                      candidate(self, dir_len, CT_REPORT_FROM_BIN, buf, len) == 0))
            return 0;
    }
    return candidate(CT_REPORT_DIR, strlen(CT_REPORT_DIR), "", buf, len);
}

int cli_report(const char *input, const char *output, int quiet)
{
    char path[PATH_MAX];
    char *args[8];
    int n = 0;

    if (find_report_program(path, sizeof(path)) != 0) {
        fprintf(stderr,
                "carbontracker: --report needs the program %s, which is not installed: it was "
                "looked for next to this command and in %s\n",
                REPORT_PROGRAM, CT_REPORT_DIR);
        return CLI_EXIT_SOFTWARE;
    }
    args[n++] = path;
    if (quiet)
        args[n++] = "-q";
    args[n++] = "--report";
    args[n++] = (char *)input;
    if (output) {
        args[n++] = "--output";
        args[n++] = (char *)output;
    }
    args[n] = NULL;
    fflush(stdout);
    fflush(stderr);
    execv(path, args);
    fprintf(stderr, "carbontracker: --report: cannot run %s: %s\n", path, strerror(errno));
    return CLI_EXIT_SOFTWARE;
}
