/*
 * logfile.h - upstream-compatible log files: the standard log, the output log and the lazily
 * created error log, named
 * {prefix_}{pid}.{id}_{YYYY-MM-DDTHHMMSSZ}_carbontracker{,_output,_err}.log (local time with a
 * literal Z, as upstream). Every record is flushed as it is written (a record of several lines once
 * it is complete, see ct__logs_hold) so a killed run leaves readable logs. Caller's thread only.
 */
#ifndef CT_SINK_LOGFILE_H
#define CT_SINK_LOGFILE_H

#include <stdio.h>

struct ct__logs {
    FILE *std;
    FILE *out;
    FILE *err;             /* opened on the first warning */
    char base[4096];       /* path without the "_carbontracker*.log" suffix */
    char std_path[4200];   /* full path of the standard log */
    int write_errno;       /* the first write that failed: its errno (0 = none) */
    char write_path[4200]; /* and its file */
    int held;              /* lines wait in the files' buffers until ct__logs_release() */
};

/* Create log_dir (and parents) if needed and open the standard and output logs.
 * Returns 0, or -errno with `why` naming the path. */
int ct__logs_open(struct ct__logs *l, const char *log_dir, const char *prefix, char *why,
                  size_t why_len);

/* "YYYY-MM-DD HH:MM:SS - msg\n" to the standard log (no-op when closed). */
void ct__log_std(struct ct__logs *l, const char *msg);
/* "YYYY-MM-DD HH:MM:SS - msg\n" to the output log; msg already carries "CarbonTracker: ". */
void ct__log_out(struct ct__logs *l, const char *msg);
/* "YYYY-MM-DD HH:MM:SS,mmm - MainThread - LEVEL - msg\n" to the error log. */
void ct__log_err(struct ct__logs *l, const char *level, const char *msg);

/* Hold the lines written from now on in the files' buffers, so that the lines of one record (an
 * epoch's) reach each file in one write; ct__logs_release() writes and flushes them. Every line
 * is in the file (in the kernel) when the release returns, as it is after an unheld write. */
void ct__logs_hold(struct ct__logs *l);
void ct__logs_release(struct ct__logs *l);

/* 1 when a write failed, with "PATH: reason" of the first failure in why; else 0. */
int ct__logs_failed(const struct ct__logs *l, char *why, size_t why_len);

/* Close the three logs; a log that is empty (writing failed, or the tracker failed to open
 * before its first line) is removed. */
void ct__logs_close(struct ct__logs *l);

/* Close f (NULL: nothing) and remove path when the file is empty, so a disk full at start (or a
 * failed open) leaves no empty logs behind. */
void ct__log_file_close(FILE *f, const char *path);

#endif
