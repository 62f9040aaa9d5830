/*
 * logparse.h - the reader of upstream's text logs (logparse.c).
 */
#ifndef CT_PARSE_LOGPARSE_H
#define CT_PARSE_LOGPARSE_H

#include "record.h"

/*
 * Text logs (logparse.c): fill `run` from a standard log and an output log (either may be empty).
 * `std_label`/`out_label` name the files in skipped entries. CT_OK or CT_ENOMEM.
 */
int ct__parse_text(struct ct__prun *run, const char *std, size_t std_len, const char *std_label,
                   const char *out, size_t out_len, const char *out_label);

#endif
