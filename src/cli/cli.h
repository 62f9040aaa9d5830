/*
 * cli.h - what the files of the `carbontracker` command share: the parsed command line, the exit
 * codes it documents and the small output helpers. The command links only the public API.
 */
#ifndef CT_CLI_H
#define CT_CLI_H

#include "carbontracker.h"

#include <jansson.h>

/* Exit statuses (documented in carbontracker(1), EXIT STATUS). */
enum cli_exit {
    CLI_EXIT_USAGE = 64,           /* usage error or invalid option (sysexits EX_USAGE) */
    CLI_EXIT_SOFTWARE = 70,        /* the tracker could not start (EX_SOFTWARE, as upstream) */
    CLI_EXIT_BUDGET = 75,          /* the budget stopped the command (--budget-action stop) */
    CLI_EXIT_NOT_EXECUTABLE = 126, /* command found but not executable */
    CLI_EXIT_NOT_FOUND = 127,      /* command not found */
};

/* The command line after parsing; strings point into argv or the environment. */
struct cli {
    ct_options opts;
    const char *json_path; /* --json FILE or NULL */
    int list_devices;      /* --list-devices */
    int list_zones;        /* --zones */
    int offline;           /* --offline */
    int quiet;             /* -q: nothing from us on stdout */
    double budget_grace_s; /* --budget-grace: SIGTERM to SIGKILL when the budget stops it */
    char **command;        /* COMMAND ARGS..., NULL-terminated (argv's tail); NULL if none */
    int n_command;
    int serve;                /* carbontracker serve: the node agent */
    const char *socket_path;  /* --socket PATH */
    int no_socket;            /* --no-socket */
    const char *socket_mode;  /* --socket-mode MODE (octal) */
    const char *socket_group; /* --socket-group GROUP */
    const char *metrics_addr; /* --metrics HOST:PORT */
};

/*
 * The live status line (status.c): one line on a terminal (elapsed, power, energy, CO2eq,
 * intensity and its source), redrawn at most once a second and erased before any other output
 * of ours; on the terminal's bottom row, kept out of the command's scrolling, when its size is
 * known. `on` only when stdout is a terminal (TERM set, not "dumb") and -q was not given; never
 * in logs or pipes.
 */
struct status_line {
    int on;
    int shown;          /* a line is on the screen now */
    int rows;           /* while shown: the terminal's rows, the last one kept for the line
                           (0: size unknown, drawn in place with a carriage return) */
    double last_draw_s; /* CLOCK_MONOTONIC of the last draw */
};
void status_line_init(struct status_line *s, int quiet);
/* Redraw with the run's figures now, unless the last draw was less than a second ago. */
void status_line_draw(struct status_line *s, const ct_live *l);
/* Erase the line (nothing when none is shown); the cursor is left at the line's start. */
void status_line_erase(struct status_line *s);
/* The text of the line for these figures (also for tests of the format). */
void status_line_format(const ct_live *l, char *buf, size_t len);

/* Parse argv and the environment into `c`. Returns -1 to continue, or an exit status (after
 * printing help, the version or a usage error). */
int cli_parse(struct cli *c, int argc, char **argv);

/* Print "carbontracker: <msg>" and the --help hint on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Wrap mode: run c->command under a tracker. Returns the exit status. */
int cli_run(struct cli *c);

/* serve: run the node agent until SIGTERM or SIGINT. Returns the exit status. */
int cli_serve(struct cli *c);

/* --list-devices: print what this machine can measure. Returns the exit status. */
int cli_list_devices(struct cli *c);

/* --zones: print the zones with live carbon intensity (and write them with --json). Returns
 * the exit status. */
int cli_list_zones(struct cli *c);

/*
 * JSON files are written to "FILE.tmp" and renamed over FILE when complete, so a reader never
 * sees half a file. cli_json_open() creates FILE.tmp (early, so an unwritable path is reported
 * before a long run) and returns its fd or -errno; cli_json_commit() writes `root` indented by
 * two spaces plus a newline, closes fd and renames; returns 0 or -errno (FILE.tmp removed).
 * cli_json_abandon() closes fd and removes FILE.tmp.
 */
int cli_json_open(const char *path);
int cli_json_commit(int fd, const char *path, const json_t *root);
/* As cli_json_commit, with the text already made (NULL: out of memory, FILE.tmp removed). */
int cli_json_commit_text(int fd, const char *path, const char *text);
/* As cli_json_commit, with the text already written to fd (ct_parse_json_write()). */
int cli_json_commit_written(int fd, const char *path);
void cli_json_abandon(int fd, const char *path);

/*
 * The --json summary of --list-devices and of a run, with its messages on stderr.
 * cli_summary_open(): cli_json_open(), saying "cannot write 'FILE.tmp': why" when that fails.
 * cli_summary_commit(): nothing (0) when *fd is closed; else commits `root` (NULL: out of memory,
 * FILE.tmp removed), sets *fd to -1 and returns 0, or -errno after saying "cannot write 'FILE':
 * why".
 */
int cli_summary_open(const char *path);
int cli_summary_commit(int *fd, const char *path, const json_t *root);

/*
 * The end of a command that shows a JSON document of the library's (--list-devices, --zones):
 * when status (the exit status so far) is 0, print(root) unless --quiet and commit root to the
 * --json file opened as json_fd; otherwise the file is abandoned. Then root and text (the
 * library's, ct_free) are released. Returns the exit status.
 */
int cli_show_document(const struct cli *c, int status, int json_fd, json_t *root, char *text,
                      void (*print)(const json_t *root));

#endif
