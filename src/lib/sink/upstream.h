/*
 * upstream.h - the console and upstream's three log files as one sink, because upstream's logger
 * writes both: its messages (output, info, warnings) and its texts for epochs, the prediction and
 * the actual consumption, byte for byte. Console text leaves through the ct_options.message
 * callback, filtered by verbose.
 */
#ifndef CT_SINK_UPSTREAM_H
#define CT_SINK_UPSTREAM_H

#include "carbontracker.h"
#include "logfile.h"
#include "sink.h"

struct ct__upstream {
    struct ct__logs logs; /* closed (all NULL) without a log directory */
    ct_message_fn message;
    void *message_user;
    int verbose;
    int decimal_precision;
    int interpretable;
    int console_closed; /* the user quit: the logs only from here on */
    int quiet;          /* a job's rank other than 0: the console gets warnings and errors only */
};

/* Prepare the sink from the options (no files yet). */
void ct__upstream_init(struct ct__upstream *u, const ct_options *o);

/* Open the standard and output logs in log_dir. 0, or -errno with why naming the path. */
int ct__upstream_open_logs(struct ct__upstream *u, const char *log_dir, const char *prefix,
                           char *why, size_t why_len);

/* The sink; its state is a struct ct__upstream, whose logs close closes. */
extern const struct ct__sink_ops ct__sink_upstream;

#endif
