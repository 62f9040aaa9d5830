/*
 * main.c - carbontracker-report, the program that draws `carbontracker --report`. Only it links
 * cairo and fontconfig; the command execs it with the report's arguments, [-q] --report INPUT
 * [--output FILE], so its messages and exit statuses are the command's. The input, a log
 * directory, one of a run's logs or a parse JSON document, becomes the document here.
 */
#include "buf.h"
#include "layout.h"
#include "report.h"

#include <cairo.h>
#include <carbontracker.h>
#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* "carbontracker: <msg>" and the --help hint on stderr, as the command's usage errors. */
__attribute__((format(printf, 1, 2))) static int report_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("carbontracker: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'carbontracker --help' for more information.\n", stderr);
    return REPORT_EXIT_USAGE;
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

/* Whole file into memory; NULL with errno set. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct rp_buf b = {0};
    char chunk[65536];
    size_t n;
    if (!f)
        return NULL;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    if (b.oom || !b.p) {
        free(b.p);
        errno = b.oom ? ENOMEM : EINVAL;
        return NULL;
    }
    return b.p;
}

/* A JSON document rather than a log: its first non-blank byte is '{'. */
static int looks_like_json(const char *text)
{
    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
        text++;
    return *text == '{';
}

/* `path` with its `suffix` replaced by `repl` into buf, when that file exists; else NULL. */
static const char *partner(const char *path, size_t stem_len, const char *repl, char *buf,
                           size_t len)
{
    struct stat st;
    if (snprintf(buf, len, "%.*s%s", (int)stem_len, path, repl) >= (int)len)
        return NULL;
    return stat(buf, &st) == 0 && S_ISREG(st.st_mode) ? buf : NULL;
}

static int ends_with(const char *s, const char *suffix, size_t *stem_len)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m || strcmp(s + n - m, suffix) != 0)
        return 0;
    *stem_len = n - m;
    return 1;
}

/*
 * The parse JSON (malloc'd) for a log directory (its runs, not recursive, as upstream's
 * parse_all_logs) or for one of a run's files: the standard log, the output log or the JSONL
 * log, whose partners are found by name. A file with another name is read as a standard log.
 */
static int parse_input(const char *input, int is_dir, char **json, char *err, size_t errlen)
{
    ct_parse_result *res = NULL;
    char std_buf[4096], out_buf[4096], jsonl_buf[4096];
    const char *std_log = NULL, *out_log = NULL, *jsonl = NULL;
    char *text = NULL;
    size_t stem;
    int st;

    *json = NULL;
    if (is_dir) {
        st = ct_parse_dir(input, 0, &res, err, errlen);
    } else {
        if (ends_with(input, "carbontracker_output.log", &stem)) {
            out_log = input;
            std_log = partner(input, stem, "carbontracker.log", std_buf, sizeof(std_buf));
        } else if (ends_with(input, "carbontracker.jsonl", &stem)) {
            jsonl = input;
            std_log = partner(input, stem, "carbontracker.log", std_buf, sizeof(std_buf));
            out_log = partner(input, stem, "carbontracker_output.log", out_buf, sizeof(out_buf));
        } else if (ends_with(input, "carbontracker.log", &stem)) {
            std_log = input;
            out_log = partner(input, stem, "carbontracker_output.log", out_buf, sizeof(out_buf));
        } else {
            std_log = input;
            stem = 0;
        }
        if (!jsonl && stem > 0)
            jsonl = partner(input, stem, "carbontracker.jsonl", jsonl_buf, sizeof(jsonl_buf));
        st = ct_parse_files(std_log, out_log, jsonl, &res, err, errlen);
    }
    if (st == CT_OK)
        st = ct_parse_json_reduced(res, MAX_PLOT_POINTS, &text); /* what a page can show */
    if (st == CT_OK) {
        *json = strdup(text);
        if (!*json)
            st = CT_ENOMEM;
    }
    if (st != CT_OK && (!err[0] || st == CT_ENOMEM))
        snprintf(err, errlen, "cannot read the logs: %s", ct_strerror(st));
    ct_free(text);
    ct_parse_result_free(res);
    return st == CT_OK ? 0 : st == CT_ENOMEM ? REPORT_EXIT_SOFTWARE : REPORT_EXIT_DATAERR;
}

int report_run(const char *input, const char *output, int quiet)
{
    enum report_format fmt;
    struct stat st;
    char err[1024] = "";
    char *json = NULL;
    int rc;

    if (!output)
        output = REPORT_DEFAULT_OUTPUT;
    if (report_format_for(output, &fmt) != 0)
        return report_usage_error("cannot tell the report format from '%s': the --output file "
                                  "must end in .pdf, .svg, .png or .html",
                                  output);
    if (stat(input, &st) != 0) {
        fprintf(stderr, "Error: Log file %s does not exist\n", input);
        return REPORT_EXIT_NOINPUT;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = parse_input(input, 1, &json, err, sizeof(err));
    } else {
        json = read_file(input);
        if (!json) {
            fprintf(stderr, "carbontracker: cannot read %s: %s\n", input, strerror(errno));
            return REPORT_EXIT_NOINPUT;
        }
        rc = 0;
        if (!looks_like_json(json)) {
            free(json);
            json = NULL;
            rc = parse_input(input, 0, &json, err, sizeof(err));
        }
    }
    if (rc == 0)
        rc = report_render(json, input, output, fmt, err, sizeof(err));
    free(json);
    /* Release cairo's and fontconfig's caches, so that leak checkers see a clean exit. */
    cairo_debug_reset_static_data();
    FcFini();
    if (rc != 0) {
        fprintf(stderr, "carbontracker: --report %s: %s\n", input, err);
        return rc;
    }
    if (!quiet)
        printf("Report generated: %s\n", output);
    return 0;
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
                return report_usage_error("option '%s' needs a value", argv[i]);
        } else {
            return report_usage_error("%s: unknown argument '%s' (usage: %s [-q] --report "
                                      "LOG_OR_DIR [--output FILE])",
                                      REPORT_PROGRAM, argv[i], REPORT_PROGRAM);
        }
    }
    if (!input)
        return report_usage_error("%s: --report LOG_OR_DIR is needed", REPORT_PROGRAM);
    return report_run(input, output, quiet);
}
