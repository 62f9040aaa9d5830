/*
 * jsonl.h - our machine-readable run log, <base>_carbontracker.jsonl beside the three text logs:
 * a header line naming the format and version, then one JSON record per line (meta, sample,
 * epoch, intensity, prediction, summary), each flushed as written so that a killed run keeps
 * everything up to its last sample. Format: doc/logformat.md.
 *
 * Threads: every function may be called from any thread (one mutex per file); samples come from
 * the sampler, the rest from the caller's thread. ct__jsonl_close() must not race with writers.
 * Every writer accepts NULL (no JSON-lines log: does nothing). Write errors are remembered
 * (ct__jsonl_failed) and later records are dropped, never reported to the training loop.
 */
#ifndef CT_SINK_JSONL_H
#define CT_SINK_JSONL_H

#include "sink.h"

#include <stddef.h>
#include <stdint.h>

struct ct__jsonl;

/* Create <base_path>_carbontracker.jsonl (truncating an old one) and write the header line.
 * Returns 0 or -errno, with `why` naming the path. */
int ct__jsonl_open(struct ct__jsonl **out, const char *base_path, char *why, size_t len);

/* The budget and what was decided, as the summary record and the --json summary show it
 * (doc/logformat.md): null without a budget, NULL on no memory. */
struct json_t;
struct json_t *ct__budget_json(const struct ct__budget *b);

/* The prediction's band (doc/logformat.md): null when there is none, NULL on no memory. */
struct json_t *ct__band_json(const struct ct__prediction *p);

/* 1 once a write failed (later records were dropped). */
int ct__jsonl_failed(const struct ct__jsonl *j);

/* Path of the file (valid until close). */
const char *ct__jsonl_path(const struct ct__jsonl *j);

/*
 * The log as a sink (sink.h); its state is the struct ct__jsonl (NULL: nothing is written),
 * which close frees. Records: meta (the run's setup, once, after open); sample (every device's
 * unfolded counter in microjoules, meta order: the log holds energy since the first sample written
 * and the average power since the previous one; samples before the meta record and samples older
 * than the last one written are dropped; now_ns 0 = now); epoch; intensity (written only when the
 * value or source differs from the last one written); prediction; summary.
 */
extern const struct ct__sink_ops ct__sink_jsonl;

/* Close and free; *j becomes NULL. NULL and *j == NULL are fine. */
void ct__jsonl_close(struct ct__jsonl **j);

#endif
