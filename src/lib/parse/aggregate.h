/*
 * aggregate.h - runs from files, the totals over runs and upstream's sentence (aggregate.c).
 */
#ifndef CT_PARSE_AGGREGATE_H
#define CT_PARSE_AGGREGATE_H

#include "record.h"

/* Naming generation (1, 2, 3; 0 unknown) of a log file name or path. */
int ct__parse_naming_generation(const char *path);

/* Parse one run from bytes: jsonl when given and usable, else the text logs. Any buffer may be
 * NULL (length 0). Labels may be NULL. CT_OK or CT_ENOMEM. */
int ct__parse_run_bytes(struct ct__prun *run, const char *std, size_t std_len,
                        const char *std_label, const char *out, size_t out_len,
                        const char *out_label, const char *jsonl, size_t jsonl_len,
                        const char *jsonl_label);

/* As ct__parse_run_bytes, and the run keeps the names (any may be NULL) as its file names and
 * naming generation, as a run read from those files would. CT_OK or CT_ENOMEM. */
int ct__parse_run_named(struct ct__prun *run, const char *std, size_t std_len, const char *std_name,
                        const char *out, size_t out_len, const char *out_name, const char *jsonl,
                        size_t jsonl_len, const char *jsonl_name);

/* Read a whole log file (at most 1 GiB) into *buf (malloc'ed, *len bytes; free it). 0, or -errno
 * (-EISDIR for a directory, -EFBIG when too large). */
int ct__parse_read_file(const char *path, char **buf, size_t *len);

/* Fill one run from files (any may be NULL; names are kept as given). A text log that cannot be
 * read: CT_EIO, *failed names it and *err holds -errno; an unreadable jsonl is a skipped entry.
 * CT_OK, CT_EIO or CT_ENOMEM. */
int ct__parse_run_files(struct ct__prun *run, const char *std, const char *out, const char *jsonl,
                        const char **failed, int *err);

/* Add the runs of the log files in `dir` (and below it when `recursive`) to `r`, in upstream's
 * order; unpaired and unreadable files are whole-file skipped entries. CT_OK, CT_EIO (the
 * directory cannot be opened: errbuf says why) or CT_ENOMEM. */
int ct__parse_dir_runs(struct ct_parse_result *r, const char *dir, int recursive, char *errbuf,
                       size_t errlen);

/* The totals over all runs (upstream's aggregate_consumption, defects fixed). */
int ct__parse_totals(struct ct_parse_result *r);

/* Upstream's print_aggregate sentence for the totals (malloc'ed in *text). CT_OK/CT_ENOMEM. */
int ct__parse_sentence(const struct ct_parse_result *r, char **text);

#endif
