/*
 * agent.h - the node agent (`carbontracker serve`, doc/agent.md): every meter of the node opened
 * once through the meter registry and the ledger, sampled by the tracker's sampler on one thread,
 * served read-only to other users' trackers over a Unix socket (agent.c) and to Prometheus at
 * /metrics (metrics.c, libmicrohttpd loaded with dlopen).
 */
#ifndef CT_AGENT_AGENT_H
#define CT_AGENT_AGENT_H

#include "../account.h"
#include "../energy/agent_proto.h"
#include "../grid.h"
#include "../ledger.h"
#include "../options.h"
#include "../sampler.h"
#include "../sink/sink.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

struct ct__agent_client;
struct ct__metrics;

#define CT__AGENT_MAX_JOBS 64

/* A distributed job with a tracker connected (it said JOB): the node's energy and emissions
 * from the moment its first tracker said so, while one is connected (doc/agent.md). */
struct ct__agent_job {
    char id[CT__AGENT_MAX_JOB_ID];
    uint64_t base_uj; /* every device's energy since the agent started, then */
    double base_jg;   /* the account's joules x gCO2eq/kWh then */
    int clients;      /* its trackers connected (counted at each view refresh) */
};

/* What /metrics shows besides the counters: refreshed by the serving loop about once a second
 * (under view_lock). */
struct ct__agent_view {
    double power_w[CT_MAX_DEVICES];         /* over the last window */
    double node_power_w[CT__MAX_NODE_DEVS]; /* the whole-machine meters', likewise */
    double sampling_hz;                     /* sampler reads per second over the last window */
    char zone[16];
    char source[64];
    double intensity_g_per_kwh;
    int clients; /* socket clients connected */
    struct ct__agent_job jobs[CT__AGENT_MAX_JOBS];
    int n_jobs;
};

struct ct_agent {
    struct ct__opts opt;
    int sysfs_fd, proc_fd;
    struct ct__ledger ledger;
    struct ct__account account; /* CO2 since start: energy x intensity in force, then PUE */
    struct ct__grid grid;
    struct ct__sinks sinks; /* none: the sampler's samples go nowhere */
    struct ct__sampler sampler;
    uint64_t period_ns;
    double start_wall_s;

    pthread_mutex_t view_lock;
    struct ct__agent_view view;
    uint64_t win_uj[CT_MAX_DEVICES]; /* the serving loop's previous window (its thread) */
    uint64_t win_node_uj[CT__MAX_NODE_DEVS];
    uint64_t win_ns, win_samples;
    uint64_t fresh_ns; /* the latest read a client's READ caused (serving loop's thread) */

    int listen_fd; /* -1: no socket */
    char sock_path[108];
    struct ct__agent_client *clients;
    int n_clients, max_clients;
    int wake_fd[2]; /* ct_agent_stop() writes to [1] */
    volatile sig_atomic_t stop;

    struct ct__metrics *metrics;
};

/* Say text through the message callback (serving loop's thread). */
void ct__agent_say(struct ct_agent *a, int level, const char *text);

/* The Prometheus text exposition (format 0.0.4) of the agent now, in a malloc'ed buffer (*len
 * its length). Any thread. NULL on ENOMEM. */
char *ct__agent_metrics_text(struct ct_agent *a, size_t *len);

/* Serve /metrics at host:port ("127.0.0.1:9464", "[::1]:9464", ":9464" = every address).
 * CT_OK; CT_EINVAL (bad address, errbuf says why); CT_ENOTSUP (libmicrohttpd missing); CT_EIO
 * (could not listen). */
int ct__metrics_start(struct ct__metrics **out, struct ct_agent *a, const char *host_port,
                      char *errbuf, size_t errlen);
void ct__metrics_stop(struct ct__metrics *m); /* NULL-safe */

#endif
