/*
 * peers.h - the other ranks of a job as their JSON-lines logs in a shared log directory show
 * them: what global rank 0 adds to its own measurement to predict the whole job.
 */
#ifndef CT_PEERS_H
#define CT_PEERS_H

#include <stddef.h>

struct ct__peers {
    int found;       /* logs of other ranks of the job in the directory */
    int complete;    /* of those, ranks that had completed the epochs asked for */
    double energy_j; /* their energy in those epochs, before PUE */
};

/*
 * Read the JSON-lines logs in log_dir whose meta record names job `job_id` (own_jsonl, this
 * tracker's log, is skipped) and sum the energy of their epochs 1..epochs. Ranks run in step, but
 * one may finish an epoch a little later: wait up to wait_s (polling) until `expected` other
 * ranks have completed them. Never fails: unreadable files are left out (found and complete say
 * how many were read).
 */
void ct__peers_energy(const char *log_dir, const char *own_jsonl, const char *job_id, int epochs,
                      int expected, double wait_s, struct ct__peers *out);

#endif
