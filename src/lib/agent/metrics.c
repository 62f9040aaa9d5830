/*
 * metrics.c - the node agent's Prometheus endpoint: the text exposition format 0.0.4 of every
 * device's counter and power, the grid intensity, the emissions and the agent's own cost, served
 * at /metrics by libmicrohttpd. The library does not link libmicrohttpd: it is loaded with dlopen
 * (util/dl.c) when an agent starts serving metrics, so no tracker ever maps it; its header gives
 * the types and constants only.
 */
#include "agent.h"

#include "../util/dl.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#define MHD_LIBRARY "libmicrohttpd.so.12"
#define HTTP_CONNECTIONS 1000   /* scrapers at once; more are refused */
#define HTTP_TIMEOUT_S 10       /* a connection idle this long is closed */
#define HTTP_MEMORY (32 * 1024) /* per connection: bounds request headers */

/* ---- the text --------------------------------------------------------------------------- */

struct text {
    char *p;
    size_t len, cap;
    int failed;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        /* No buffer yet: vsnprintf measures (NULL + 0 would be undefined). */
        int n = t->failed ? 0 : vsnprintf(t->p ? t->p + t->len : NULL, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (t->failed || n < 0)
            return;
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap + (size_t)n) * 2;
        char *q = realloc(t->p, cap);
        if (!q) {
            t->failed = 1;
            return;
        }
        t->p = q;
        t->cap = cap;
    }
}

/* A label value with '\', '"' and newlines escaped as the format demands. */
static void escape(char *dst, size_t cap, const char *s)
{
    size_t k = 0;
    for (; *s && k + 3 < cap; s++) {
        if (*s == '\\' || *s == '"') {
            dst[k++] = '\\';
            dst[k++] = *s;
        } else if (*s == '\n') {
            dst[k++] = '\\';
            dst[k++] = 'n';
        } else {
            dst[k++] = *s;
        }
    }
    dst[k] = '\0';
}

static void family(struct text *t, const char *name, const char *type, const char *help)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The labels of device i: a GPU by its UUID where it has one, and a name that two devices share
 * gets " #i" so that every series is unique. */
static void device_labels(const struct ct__ledger *l, int i, char *buf, size_t len)
{
    const struct ct__dev *d = &l->devs[i];
    char dev[128], esc[300];
    int dup = 0;
    ct__strlcpy(dev, d->meta.uuid[0] ? d->meta.uuid : d->meta.name, sizeof(dev));
    for (int k = 0; k < l->n_devs; k++)
        if (k != i && strcmp(l->devs[k].meta.name, d->meta.name) == 0 && !d->meta.uuid[0])
            dup = 1;
    if (dup) {
        size_t off = strlen(dev);
        ct__append(dev, sizeof(dev), &off, " #%d", i);
    }
    escape(esc, sizeof(esc), dev);
    ct__fmt(buf, len, "component=\"%s\",device=\"%s\",meter=\"%s\",provenance=\"%s\"",
            ct__component_name(d->comp), esc, ct__ledger_meter_name(l, i),
            ct_provenance_name(d->meta.provenance));
}

char *ct__agent_metrics_text(struct ct_agent *a, size_t *len)
{
    struct text t = {0};
    struct ct__ledger *l = &a->ledger;
    uint64_t uj[CT_MAX_DEVICES], nuj[CT__MAX_NODE_DEVS], samples;
    struct ct__agent_view v;
    char labels[512], zone[40], source[140];

    pthread_mutex_lock(&l->lock);
    for (int i = 0; i < l->n_devs; i++)
        uj[i] = l->devs[i].cur_uj - l->devs[i].first_uj;
    for (int k = 0; k < l->n_node; k++)
        nuj[k] = l->node[k].cur_uj - l->node[k].first_uj;
    samples = l->samples;
    pthread_mutex_unlock(&l->lock);
    pthread_mutex_lock(&a->view_lock);
    v = a->view;
    pthread_mutex_unlock(&a->view_lock);
    pthread_mutex_lock(&a->account.lock);
    double jg = a->account.co2_jg; /* joules x gCO2eq/kWh */
    pthread_mutex_unlock(&a->account.lock);
    escape(zone, sizeof(zone), v.zone);
    escape(source, sizeof(source), v.source);

    family(&t, "carbontracker_energy_joules_total", "counter",
           "Energy the device used since the agent started, wraparound unfolded.");
    for (int i = 0; i < l->n_devs; i++) {
        device_labels(l, i, labels, sizeof(labels));
        put(&t, "carbontracker_energy_joules_total{%s} %llu.%06llu\n", labels,
            (unsigned long long)(uj[i] / 1000000), (unsigned long long)(uj[i] % 1000000));
    }
    family(&t, "carbontracker_power_watts", "gauge",
           "Mean power of the device over the last second.");
    for (int i = 0; i < l->n_devs; i++) {
        device_labels(l, i, labels, sizeof(labels));
        put(&t, "carbontracker_power_watts{%s} %.6f\n", labels, v.power_w[i]);
    }
    /* Whole-machine meters (ACPI power meter, IPMI DCMI): a metric of their own, since they
     * contain the components above and must not be added to them. */
    if (l->n_node > 0) {
        char name[300];
        family(&t, "carbontracker_node_energy_joules_total", "counter",
               "Energy of the whole machine (a node power meter) since the agent started; it "
               "contains the components' energy.");
        for (int k = 0; k < l->n_node; k++) {
            escape(name, sizeof(name), l->node[k].meta.name);
            put(&t,
                "carbontracker_node_energy_joules_total{device=\"%s\",meter=\"%s\"} "
                "%llu.%06llu\n",
                name, l->node[k].meter, (unsigned long long)(nuj[k] / 1000000),
                (unsigned long long)(nuj[k] % 1000000));
        }
        family(&t, "carbontracker_node_power_watts", "gauge",
               "Mean power of the whole machine over the last second.");
        for (int k = 0; k < l->n_node; k++) {
            escape(name, sizeof(name), l->node[k].meta.name);
            put(&t, "carbontracker_node_power_watts{device=\"%s\",meter=\"%s\"} %.6f\n", name,
                l->node[k].meter, v.node_power_w[k]);
        }
    }
    family(&t, "carbontracker_carbon_intensity_grams_per_kwh", "gauge",
           "Carbon intensity of the grid in force, in gCO2eq/kWh.");
    put(&t, "carbontracker_carbon_intensity_grams_per_kwh{zone=\"%s\",source=\"%s\"} %.6f\n", zone,
        source, v.intensity_g_per_kwh);
    family(&t, "carbontracker_emissions_grams_total", "counter",
           "CO2eq of the node's measured energy since the agent started: energy x intensity in "
           "force x PUE.");
    put(&t, "carbontracker_emissions_grams_total{zone=\"%s\"} %.9f\n", zone,
        ct__kwh_pue(jg, a->opt.pue));
    /* Per distributed job, while one of its trackers is connected (it said JOB). */
    uint64_t node_uj = 0;
    for (int i = 0; i < l->n_devs; i++)
        node_uj += uj[i];
    if (v.n_jobs > 0) {
        char id[2 * CT__AGENT_MAX_JOB_ID];
        family(&t, "carbontracker_job_energy_joules_total", "counter",
               "Energy of every device the agent serves, since the job's first tracker connected "
               "(a new series each time the job reconnects).");
        for (int k = 0; k < v.n_jobs; k++) {
            uint64_t e = node_uj > v.jobs[k].base_uj ? node_uj - v.jobs[k].base_uj : 0;
            escape(id, sizeof(id), v.jobs[k].id);
            put(&t, "carbontracker_job_energy_joules_total{job=\"%s\"} %llu.%06llu\n", id,
                (unsigned long long)(e / 1000000), (unsigned long long)(e % 1000000));
        }
        family(&t, "carbontracker_job_emissions_grams_total", "counter",
               "CO2eq of that energy: energy x intensity in force x PUE.");
        for (int k = 0; k < v.n_jobs; k++) {
            double d = jg > v.jobs[k].base_jg ? jg - v.jobs[k].base_jg : 0;
            escape(id, sizeof(id), v.jobs[k].id);
            put(&t, "carbontracker_job_emissions_grams_total{job=\"%s\",zone=\"%s\"} %.9f\n", id,
                zone, ct__kwh_pue(d, a->opt.pue));
        }
        family(&t, "carbontracker_job_trackers", "gauge",
               "Trackers of the job connected to the agent (the ranks that measure this node).");
        for (int k = 0; k < v.n_jobs; k++) {
            escape(id, sizeof(id), v.jobs[k].id);
            put(&t, "carbontracker_job_trackers{job=\"%s\"} %d\n", id, v.jobs[k].clients);
        }
    }
    family(&t, "carbontracker_pue", "gauge", "Power usage effectiveness applied to emissions.");
    put(&t, "carbontracker_pue %.6f\n", a->opt.pue);

    struct rusage ru;
    double cpu_s = 0;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    family(&t, "carbontracker_agent_cpu_seconds_total", "counter",
           "CPU time the agent process used (user + system).");
    put(&t, "carbontracker_agent_cpu_seconds_total %.6f\n", cpu_s);
    family(&t, "carbontracker_agent_samples_total", "counter", "Counter reads of every meter.");
    put(&t, "carbontracker_agent_samples_total %llu\n", (unsigned long long)samples);
    family(&t, "carbontracker_agent_sampling_rate_hertz", "gauge",
           "Counter reads per second over the last second.");
    put(&t, "carbontracker_agent_sampling_rate_hertz %.3f\n", v.sampling_hz);
    family(&t, "carbontracker_agent_socket_clients", "gauge",
           "Trackers connected to the agent's socket.");
    put(&t, "carbontracker_agent_socket_clients %d\n", v.clients);
    family(&t, "carbontracker_agent_start_time_seconds", "gauge",
           "When the agent started (Unix time); its counters start at 0 then.");
    put(&t, "carbontracker_agent_start_time_seconds %.3f\n", a->start_wall_s);
    if (t.failed) {
        free(t.p);
        return NULL;
    }
    *len = t.len;
    return t.p;
}

/* ---- libmicrohttpd ---------------------------------------------------------------------- */

struct ct__metrics {
    void *dl;
    struct MHD_Daemon *daemon;
    struct ct_agent *agent;
    struct MHD_Daemon *(*start)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
                                MHD_AccessHandlerCallback, void *, ...);
    void (*stop)(struct MHD_Daemon *);
    struct MHD_Response *(*from_buffer)(size_t, void *, enum MHD_ResponseMemoryMode);
    enum MHD_Result (*add_header)(struct MHD_Response *, const char *, const char *);
    enum MHD_Result (*queue)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
    void (*destroy)(struct MHD_Response *);
};

static enum MHD_Result reply(struct ct__metrics *m, struct MHD_Connection *conn,
                             unsigned int status, char *body, size_t len, const char *type)
{
    struct MHD_Response *r = m->from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    m->add_header(r, "Content-Type", type);
    enum MHD_Result ok = m->queue(conn, status, r);
    m->destroy(r);
    return ok;
}

static enum MHD_Result reply_text(struct ct__metrics *m, struct MHD_Connection *conn,
                                  unsigned int status, const char *text)
{
    char *body = ct__strdup(text);
    if (!body)
        return MHD_NO;
    return reply(m, conn, status, body, strlen(body), "text/plain; charset=utf-8");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    struct ct__metrics *m = cls;
    (void)version;
    (void)upload;
    (void)con_cls;
    if (*upload_size) { /* a body is never wanted: drop it and answer at the end */
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_text(m, conn, 405, "only GET /metrics is served\n");
    if (strcmp(url, "/metrics") != 0)
        return reply_text(m, conn, 404, "carbontracker agent: the metrics are at /metrics\n");
    size_t len = 0;
    char *body = ct__agent_metrics_text(m->agent, &len);
    if (!body)
        return MHD_NO;
    return reply(m, conn, 200, body, len, "text/plain; version=0.0.4; charset=utf-8");
}

void ct__metrics_stop(struct ct__metrics *m)
{
    if (!m)
        return;
    if (m->daemon)
        m->stop(m->daemon);
    ct__dl_close(m->dl);
    free(m);
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" into a socket address. */
static int parse_address(const char *hp, struct sockaddr_storage *sa, char *errbuf, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(hp, ':');
    const char *h = hp;
    size_t hl = colon ? (size_t)(colon - hp) : 0;
    if (colon && hl >= 2 && hp[0] == '[' && hp[hl - 1] == ']') {
        h = hp + 1;
        hl -= 2;
    }
    if (!colon || !colon[1] || hl >= sizeof(host)) {
        ct__fmt(errbuf, errlen, "--metrics needs HOST:PORT (e.g. 127.0.0.1:9464), got '%s'", hp);
        return CT_EINVAL;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int r = getaddrinfo(hl ? host : NULL, colon + 1, &hints, &res);
    if (r != 0 || !res) {
        ct__fmt(errbuf, errlen, "--metrics: cannot use the address '%s': %s", hp,
                r ? gai_strerror(r) : "no address");
        return CT_EINVAL;
    }
    memset(sa, 0, sizeof(*sa));
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return CT_OK;
}

int ct__metrics_start(struct ct__metrics **out, struct ct_agent *a, const char *host_port,
                      char *errbuf, size_t errlen)
{
    struct sockaddr_storage sa;
    const char *err = NULL;
    int rc = parse_address(host_port, &sa, errbuf, errlen);
    if (rc != CT_OK)
        return rc;
    struct ct__metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return CT_ENOMEM;
    m->agent = a;
    m->dl = ct__dl_open(MHD_LIBRARY, &err);
    if (!m->dl) {
        ct__fmt(errbuf, errlen,
                "--metrics needs libmicrohttpd (%s: %s). Fix: apt-get install libmicrohttpd12",
                MHD_LIBRARY, err);
        ct__metrics_stop(m);
        return CT_ENOTSUP;
    }
    const char *missing = NULL;
    if (!CT__DL_SYM(m->dl, &m->start, "MHD_start_daemon"))
        missing = "MHD_start_daemon";
    else if (!CT__DL_SYM(m->dl, &m->stop, "MHD_stop_daemon"))
        missing = "MHD_stop_daemon";
    else if (!CT__DL_SYM(m->dl, &m->from_buffer, "MHD_create_response_from_buffer"))
        missing = "MHD_create_response_from_buffer";
    else if (!CT__DL_SYM(m->dl, &m->add_header, "MHD_add_response_header"))
        missing = "MHD_add_response_header";
    else if (!CT__DL_SYM(m->dl, &m->queue, "MHD_queue_response"))
        missing = "MHD_queue_response";
    else if (!CT__DL_SYM(m->dl, &m->destroy, "MHD_destroy_response"))
        missing = "MHD_destroy_response";
    if (missing) {
        ct__fmt(errbuf, errlen, "%s has no %s", MHD_LIBRARY, missing);
        ct__metrics_stop(m);
        return CT_ENOTSUP;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    m->daemon = m->start(flags, 0, NULL, NULL, handle, m, MHD_OPTION_SOCK_ADDR, &sa,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTIONS,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_S,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY, MHD_OPTION_END);
    if (!m->daemon) {
        ct__fmt(errbuf, errlen,
                "--metrics: cannot listen on %s (address in use, or not this "
                "machine's)",
                host_port);
        ct__metrics_stop(m);
        return CT_EIO;
    }
    *out = m;
    return CT_OK;
}
