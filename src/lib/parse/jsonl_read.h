/*
 * jsonl_read.h - the reader of our JSON-lines run log (jsonl_read.c).
 */
#ifndef CT_PARSE_JSONL_READ_H
#define CT_PARSE_JSONL_READ_H

#include "record.h"

/*
 * JSON-lines log (jsonl_read.c): fill `run` from our carbontracker-log file. Returns CT_OK when
 * the file was used, 1 when it is not a usable carbontracker-log (a skipped entry says why; the
 * run is left for the text logs), CT_ENOMEM.
 */
int ct__parse_jsonl(struct ct__prun *run, const char *buf, size_t len, const char *label);

#endif
