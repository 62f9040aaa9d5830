/*
 * records.h - the run's records, composed from the tracker's parts for the sinks (sink.h) and
 * for the caller (ct_epoch_result): what was set up, each epoch, the prediction, the summary.
 */
#ifndef CT_RECORDS_H
#define CT_RECORDS_H

#include "abi.h"
#include "account.h"
#include "grid.h"
#include "ledger.h"
#include "options.h"
#include "sink/sink.h"

/* The run's setup (devices, PUE, location, options) and the intensity in force, after open. */
void ct__records_meta(struct ct__sinks *k, const struct ct__opts *p, const struct ct__ledger *l,
                      const struct ct__grid *g, const struct ct__job *job);

/* A completed epoch: dev_j holds each device's energy (ct__ledger_epoch_energy). */
void ct__records_epoch(struct ct__sinks *k, const struct ct__opts *p, const struct ct__ledger *l,
                       uint64_t now_ns, int epoch, const struct ct__epoch *e, const double *dev_j);

/* Make the prediction (account) and send it. */
void ct__records_prediction(struct ct__sinks *k, const struct ct__opts *p, struct ct__account *a,
                            const struct ct__grid *g);

/* The actual consumption of the counted epochs, and each device's counted energy. */
void ct__records_summary(struct ct__sinks *k, const struct ct__opts *p, const struct ct__ledger *l,
                         const struct ct__account *a, const struct ct__grid *g, int early_stop);

/* The caller's epoch result (e NULL: cleared, version kept), written as out->version (known,
 * ct__epoch_result_check) lays it out; f: the epoch's devices (ct__ledger_epoch_figures). */
void ct__records_result(ct_epoch_result *out, const struct ct__ledger *l, int epoch,
                        const struct ct__epoch *e, const struct ct__device_figures *f);

#endif
