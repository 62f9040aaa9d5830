/*
 * agent.c - the node agent's lifecycle, its Unix socket server and its metrics text (agent.h).
 * The sampler thread reads the counters; the serving loop (the caller's thread, in
 * ct_agent_run) multiplexes every socket client with poll(), non-blocking, each with a bounded
 * input line, a bounded output buffer and an idle timeout, so no client can stall the sampler or
 * the others. Clients only name requests of the protocol (energy/agent_proto.h): the agent runs
 * nothing and opens no path a client chooses.
 */
#include "agent.h"

#include "../carbon/refresh.h"
#include "../energy/agent_proto.h"
#include "../util/sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CLIENTS_DEFAULT 1000
#define CLIENT_OUT_MAX (16 * 1024)             /* pending reply bytes before a client is dropped */
#define CLIENT_IDLE_NS (30ull * 1000000000ull) /* no complete request for this long: closed */
#define CLIENT_MAX_ERRORS 16
#define VIEW_WINDOW_NS 1000000000ull
/* READs within this time of the latest fresh read get that reading: bounds the counter reads a
 * flood of clients causes, and keeps RAPL's resolution (about 1 ms) from reaching clients as a
 * power side channel (CVE-2020-8694). */
#define FRESH_READ_NS 10000000ull

struct ct__agent_client {
    int fd;
    char in[CT__AGENT_MAX_REQUEST];
    size_t in_len;
    char out[CLIENT_OUT_MAX];
    size_t out_len;
    uint64_t active_ns; /* last complete request (or connect) */
    int errors;
    int closing;                    /* close once out is sent */
    char job[CT__AGENT_MAX_JOB_ID]; /* the job it said it is a rank of ("" = none) */
};

void ct__agent_say(struct ct_agent *a, int level, const char *text)
{
    if (a->opt.o.message)
        a->opt.o.message(a->opt.o.message_user, level, text);
}

/* ---- open ------------------------------------------------------------------------------- */

static int agent_open(ct_agent **out, const ct_options *opts, char *errbuf, size_t errlen)
{
    struct ct_agent *a = NULL;
    char why[512];
    int rc;

    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!out || !opts)
        return CT_EINVAL;
    *out = NULL;
    a = calloc(1, sizeof(*a));
    if (!a)
        return CT_ENOMEM;
    a->sysfs_fd = a->proc_fd = a->listen_fd = -1;
    a->wake_fd[0] = a->wake_fd[1] = -1;
    a->max_clients = MAX_CLIENTS_DEFAULT;
    pthread_mutex_init(&a->view_lock, NULL);
    ct__ledger_init(&a->ledger);
    ct__grid_init(&a->grid);
    ct__account_init(&a->account, CT__PUE_DEFAULT, &a->grid.carbon);
    ct__sampler_init(&a->sampler, &a->ledger, &a->account, &a->sinks);
    a->start_wall_s = ct__wall_s();

    rc = ct__opts_init(&a->opt, opts, errbuf, errlen);
    if (rc != CT_OK)
        goto fail;
    a->account.pue = a->opt.pue;
    a->sysfs_fd = ct__root_open(a->opt.o.sysfs_root ? a->opt.o.sysfs_root : "/sys");
    a->proc_fd = ct__root_open(a->opt.o.proc_root ? a->opt.o.proc_root : "/proc");
    struct ct__probe_ctx ctx = {.sysfs_fd = a->sysfs_fd,
                                .proc_fd = a->proc_fd,
                                .opts = &a->opt.o,
                                .settings = &a->opt.settings,
                                .serving = 1};
    /* The agent serves the whole node, whatever job it was started in. */
    rc = ct__ledger_setup(&a->ledger, &ctx, a->opt.comp_order, a->opt.n_comp, NULL, why,
                          sizeof(why));
    if (rc != CT_OK) {
        if (errbuf && errlen)
            ct__strlcpy(errbuf, why, errlen);
        goto fail;
    }
    for (int p = 0; p < a->ledger.set.n_probes; p++) {
        const struct ct__probe_result *pr = &a->ledger.set.probes[p];
        if (pr->status != CT_OK && pr->status != CT_ENOTSUP) {
            char msg[1200];
            ct__agent_say(a, CT_LEVEL_WARNING,
                          ct__fmt(msg, sizeof(msg), "%s: %s", pr->ops->name, pr->why));
        }
    }
    ct__grid_resolve(&a->grid, &a->opt, why, sizeof(why));
    rc = ct__grid_start(&a->grid, &a->opt, 0, errbuf, errlen);
    if (rc != CT_OK)
        goto fail;
    if (pipe2(a->wake_fd, O_CLOEXEC | O_NONBLOCK) != 0) {
        rc = CT_EIO;
        goto fail;
    }

    /* The first reading is the start: every counter is 0 there, for Prometheus and clients. */
    ct__sampler_tick(&a->sampler);
    ct__ledger_start(&a->ledger);
    ct__account_epoch_open(&a->account, 0);
    a->period_ns = ct__ledger_period(&a->ledger, (uint64_t)(a->opt.o.update_interval_s * 1e9));
    a->win_ns = ct__now_ns();
    for (int i = 0; i < a->ledger.n_devs; i++)
        a->win_uj[i] = a->ledger.devs[i].cur_uj;
    for (int k = 0; k < a->ledger.n_node; k++)
        a->win_node_uj[k] = a->ledger.node[k].cur_uj;
    rc = ct__sampler_start(&a->sampler, a->period_ns, a->period_ns);
    if (rc != CT_OK)
        goto fail;
    *out = a;
    return CT_OK;

fail:
    ct_agent_free(a);
    return rc;
}

int ct_agent_open(ct_agent **out, const ct_options *opts, char *errbuf, size_t errlen)
{
    return agent_open(out, opts, errbuf, errlen);
}

/* ---- the socket ------------------------------------------------------------------------- */

static void fail_text(char *errbuf, size_t errlen, const char *fmt, const char *path, int err)
{
    if (errbuf && errlen) {
        char what[256];
        ct__fmt(what, sizeof(what), fmt, path);
        ct__fmt(errbuf, errlen, "%s: %s", what, strerror(err));
    }
}

int ct_agent_listen(ct_agent *a, const char *path, unsigned mode, long gid, char *errbuf,
                    size_t errlen)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd = -1;

    if (!a || !path || !*path || strlen(path) >= sizeof(addr.sun_path) || mode > 0777 ||
        a->listen_fd >= 0) {
        if (errbuf && errlen)
            ct__fmt(errbuf, errlen,
                    "the socket path must be 1 to %zu bytes and the mode at most 0777",
                    sizeof(addr.sun_path) - 1);
        return CT_EINVAL;
    }
    ct__strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    if (!a->clients && !(a->clients = calloc((size_t)a->max_clients, sizeof(*a->clients))))
        return CT_ENOMEM;
    /* A socket left by an agent that died is replaced; a live agent's is not. */
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            if (errbuf && errlen)
                ct__fmt(errbuf, errlen,
                        "%s exists and is not a socket; remove it or choose "
                        "another --socket",
                        path);
            return CT_EINVAL;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int live = probe >= 0 && connect(probe, (struct sockaddr *)&addr, sizeof(addr)) == 0;
        if (probe >= 0)
            close(probe);
        if (live) {
            if (errbuf && errlen)
                ct__fmt(errbuf, errlen, "another agent is serving %s already", path);
            return CT_EINVAL;
        }
        unlink(path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        fail_text(errbuf, errlen, "cannot create a socket for %s", path, errno);
        return CT_EIO;
    }
    /* Created with its mode through the umask, and its group set with lchown: nothing here
     * follows a symbolic link someone could put at the path after bind(). */
    mode_t old = umask((mode_t)(~mode & 0777));
    int b = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
    int err = errno;
    umask(old);
    if (b != 0) {
        fail_text(errbuf, errlen, "cannot create the socket %s", path, err);
        goto fail;
    }
    if (gid >= 0 && lchown(path, (uid_t)-1, (gid_t)gid) != 0) {
        fail_text(errbuf, errlen, "cannot give %s its group", path, errno);
        unlink(path);
        goto fail;
    }
    if (listen(fd, 128) != 0) {
        fail_text(errbuf, errlen, "cannot listen on %s", path, errno);
        unlink(path);
        goto fail;
    }
    a->listen_fd = fd;
    ct__strlcpy(a->sock_path, path, sizeof(a->sock_path));
    return CT_OK;
fail:
    close(fd);
    return CT_EIO;
}

/* Queue bytes for a client; a client that does not read its replies is dropped. */
static void client_send(struct ct__agent_client *c, const char *text, size_t len)
{
    if (c->closing)
        return;
    if (len > sizeof(c->out) - c->out_len) {
        c->closing = 1;
        c->out_len = 0; /* nothing more goes to a client that does not read */
        return;
    }
    memcpy(c->out + c->out_len, text, len);
    c->out_len += len;
}

static void client_text(struct ct__agent_client *c, const char *text)
{
    client_send(c, text, strlen(text));
}

/* Every device's energy since the agent started (µJ) and the account's joules x intensity. */
static void node_totals(struct ct_agent *a, uint64_t *uj, double *jg)
{
    uint64_t sum = 0;
    pthread_mutex_lock(&a->ledger.lock);
    for (int i = 0; i < a->ledger.n_devs; i++)
        sum += a->ledger.devs[i].cur_uj - a->ledger.devs[i].first_uj;
    pthread_mutex_unlock(&a->ledger.lock);
    pthread_mutex_lock(&a->account.lock);
    *jg = a->account.co2_jg;
    pthread_mutex_unlock(&a->account.lock);
    *uj = sum;
}

/* JOB <id> <rank>: the client is a rank of that job; the job's series start now unless another
 * of its trackers is connected already. */
static void handle_job(struct ct_agent *a, struct ct__agent_client *c, const char *line, size_t len)
{
    char id[CT__AGENT_MAX_JOB_ID], why[160], buf[CT__AGENT_MAX_REPLY];
    int rank, found = 0, full = 0;
    if (ct__agent_parse_job(line, len, id, sizeof(id), &rank, why, sizeof(why)) != 0) {
        client_text(c, ct__fmt(buf, sizeof(buf), "ERR %s\n", why));
        if (++c->errors >= CLIENT_MAX_ERRORS)
            c->closing = 1;
        return;
    }
    uint64_t uj;
    double jg;
    node_totals(a, &uj, &jg);
    pthread_mutex_lock(&a->view_lock);
    for (int i = 0; i < a->view.n_jobs && !found; i++)
        found = strcmp(a->view.jobs[i].id, id) == 0;
    if (!found && a->view.n_jobs < CT__AGENT_MAX_JOBS) {
        struct ct__agent_job *j = &a->view.jobs[a->view.n_jobs++];
        ct__strlcpy(j->id, id, sizeof(j->id));
        j->base_uj = uj;
        j->base_jg = jg;
        j->clients = 1;
    } else if (!found) {
        full = 1;
    }
    pthread_mutex_unlock(&a->view_lock);
    if (full) {
        client_text(c, "ERR too many jobs on this node\n");
        return;
    }
    ct__strlcpy(c->job, id, sizeof(c->job));
    client_text(c, ct__fmt(buf, sizeof(buf), "JOB %s\n", id));
}

static void handle_request(struct ct_agent *a, struct ct__agent_client *c, const char *line,
                           size_t len)
{
    char why[160], buf[CT__AGENT_MAX_REPLY];
    int version = 0;
    int req = ct__agent_parse_request(line, len, &version, why, sizeof(why));
    switch (req) {
    case CT__AREQ_HELLO:
        if (version != CT__AGENT_PROTO_VERSION) {
            client_text(c, ct__fmt(buf, sizeof(buf),
                                   "ERR protocol version %d is not served "
                                   "(this agent speaks %d)\n",
                                   version, CT__AGENT_PROTO_VERSION));
            c->closing = 1;
            return;
        }
        client_text(c, ct__fmt(buf, sizeof(buf), "HELLO %d carbontracker-agent %s\n",
                               CT__AGENT_PROTO_VERSION, ct_version_string()));
        return;
    case CT__AREQ_DEVICES: {
        struct ct__ledger *l = &a->ledger;
        client_text(c, ct__fmt(buf, sizeof(buf), "DEVICES %d\n", l->n_devs));
        for (int i = 0; i < l->n_devs; i++) {
            const struct ct__dev *d = &l->devs[i];
            struct ct__agent_dev ad = {.index = i};
            const struct ct__meter_ops *ops = l->set.meters[d->meter].ops;
            ct__strlcpy(ad.component, ct__component_name(d->comp), sizeof(ad.component));
            ct__strlcpy(ad.domain, ops->domain, sizeof(ad.domain));
            ct__strlcpy(ad.provenance, ct_provenance_name(d->meta.provenance),
                        sizeof(ad.provenance));
            ct__strlcpy(ad.meter, ops->name, sizeof(ad.meter));
            ct__strlcpy(ad.name, d->meta.name, sizeof(ad.name));
            int n = ct__agent_format_dev(&ad, buf, sizeof(buf));
            if (n < 0) { /* a name the protocol cannot carry: still one line per device */
                ct__strlcpy(ad.name, "unnamed", sizeof(ad.name));
                n = ct__agent_format_dev(&ad, buf, sizeof(buf));
            }
            client_send(c, buf, (size_t)n);
        }
        return;
    }
    case CT__AREQ_READ: {
        /* A fresh read, so that a client's epoch is as exact as a local read; the meter lock
         * is held for the counter reads only. */
        uint64_t uj[CT_MAX_DEVICES], t_ns = ct__now_ns();
        int lost[CT_MAX_DEVICES];
        if (!a->fresh_ns || t_ns - a->fresh_ns >= FRESH_READ_NS) {
            ct__ledger_read(&a->ledger, 0, &t_ns, NULL);
            a->fresh_ns = t_ns;
        }
        t_ns = a->fresh_ns;
        pthread_mutex_lock(&a->ledger.lock);
        for (int i = 0; i < a->ledger.n_devs; i++) {
            uj[i] = a->ledger.devs[i].cur_uj - a->ledger.devs[i].first_uj;
            lost[i] = a->ledger.devs[i].lost;
        }
        pthread_mutex_unlock(&a->ledger.lock);
        int n = ct__agent_format_read(t_ns, uj, lost, a->ledger.n_devs, buf, sizeof(buf));
        if (n > 0)
            client_send(c, buf, (size_t)n);
        return;
    }
    case CT__AREQ_JOB:
        handle_job(a, c, line, len);
        return;
    case CT__AREQ_BYE:
        client_text(c, "BYE\n");
        c->closing = 1;
        return;
    default:
        client_text(c, ct__fmt(buf, sizeof(buf), "ERR %s\n", why));
        if (++c->errors >= CLIENT_MAX_ERRORS)
            c->closing = 1;
        return;
    }
}

/* Read what a client sent and answer its complete lines. */
static void client_input(struct ct_agent *a, struct ct__agent_client *c, uint64_t now)
{
    char chunk[4096];
    ssize_t got = recv(c->fd, chunk, sizeof(chunk), 0);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
        c->closing = 1;
        c->out_len = 0;
        return;
    }
    for (ssize_t i = 0; i < got && !c->closing; i++) {
        if (chunk[i] == '\n') {
            handle_request(a, c, c->in, c->in_len);
            c->in_len = 0;
            c->active_ns = now;
            continue;
        }
        if (c->in_len + 1 >= sizeof(c->in)) {
            client_text(c, "ERR request line too long\n");
            c->closing = 1;
            return;
        }
        c->in[c->in_len++] = chunk[i];
    }
}

static void client_flush(struct ct__agent_client *c)
{
    while (c->out_len > 0) {
        ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                c->out_len = 0;
                c->closing = 1;
            }
            return;
        }
        c->out_len -= (size_t)w;
        memmove(c->out, c->out + w, c->out_len);
    }
}

static void accept_clients(struct ct_agent *a, uint64_t now)
{
    for (int k = 0; k < 64; k++) {
        int fd = accept4(a->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (a->n_clients >= a->max_clients) {
            static const char busy[] = "ERR too many clients, try again later\n";
            ssize_t ignored = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            (void)ignored;
            close(fd);
            continue;
        }
        struct ct__agent_client *c = &a->clients[a->n_clients++];
        c->fd = fd;
        c->in_len = c->out_len = 0;
        c->errors = c->closing = 0;
        c->active_ns = now;
        c->job[0] = '\0';
    }
}

/* ---- the view for /metrics -------------------------------------------------------------- */

/* Power and sampling rate over the last window, the intensity in force; messages of the carbon
 * thread. Serving loop's thread. */
static void refresh_view(struct ct_agent *a, uint64_t now)
{
    struct ct__carbon_event *ev = NULL;
    size_t n = ct__grid_sync(&a->grid, &ev);
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == CT__CEV_WARN)
            ct__agent_say(a, CT_LEVEL_WARNING, ev[i].text);
    free(ev);

    uint64_t uj[CT_MAX_DEVICES], node_uj[CT__MAX_NODE_DEVS], samples;
    pthread_mutex_lock(&a->ledger.lock);
    for (int i = 0; i < a->ledger.n_devs; i++)
        uj[i] = a->ledger.devs[i].cur_uj;
    for (int k = 0; k < a->ledger.n_node; k++)
        node_uj[k] = a->ledger.node[k].cur_uj;
    samples = a->ledger.samples;
    pthread_mutex_unlock(&a->ledger.lock);

    double dt = (double)(now - a->win_ns) / 1e9;
    pthread_mutex_lock(&a->view_lock);
    for (int i = 0; i < a->ledger.n_devs; i++) {
        a->view.power_w[i] = dt > 0 ? (double)(uj[i] - a->win_uj[i]) / 1e6 / dt : 0;
        a->win_uj[i] = uj[i];
    }
    for (int k = 0; k < a->ledger.n_node; k++) {
        a->view.node_power_w[k] = dt > 0 ? (double)(node_uj[k] - a->win_node_uj[k]) / 1e6 / dt : 0;
        a->win_node_uj[k] = node_uj[k];
    }
    a->view.sampling_hz = dt > 0 ? (double)(samples - a->win_samples) / dt : 0;
    ct__strlcpy(a->view.zone, a->grid.loc.zone[0] ? a->grid.loc.zone : "unknown",
                sizeof(a->view.zone));
    ct__strlcpy(a->view.source, a->grid.ci.source, sizeof(a->view.source));
    a->view.intensity_g_per_kwh = a->grid.ci.g_per_kwh;
    a->view.clients = a->n_clients;
    /* The jobs with a tracker still connected; the others' series end. */
    int kept = 0;
    for (int k = 0; k < a->view.n_jobs; k++) {
        struct ct__agent_job *j = &a->view.jobs[k];
        j->clients = 0;
        for (int i = 0; i < a->n_clients; i++)
            j->clients += strcmp(a->clients[i].job, j->id) == 0;
        if (j->clients > 0)
            a->view.jobs[kept++] = *j;
    }
    a->view.n_jobs = kept;
    pthread_mutex_unlock(&a->view_lock);
    a->win_samples = samples;
    a->win_ns = now;
}

/* ---- the serving loop ------------------------------------------------------------------- */

int ct_agent_run(ct_agent *a)
{
    if (!a)
        return CT_EINVAL;
    struct pollfd *pf = calloc((size_t)a->max_clients + 2, sizeof(*pf));
    if (!pf)
        return CT_ENOMEM;
    refresh_view(a, ct__now_ns());
    while (!a->stop) {
        int np = 0;
        pf[np++] = (struct pollfd){.fd = a->wake_fd[0], .events = POLLIN};
        pf[np++] = (struct pollfd){.fd = a->listen_fd, .events = POLLIN};
        for (int i = 0; i < a->n_clients; i++) {
            struct ct__agent_client *c = &a->clients[i];
            short ev = c->out_len ? POLLOUT : 0;
            if (!c->closing)
                ev |= POLLIN;
            pf[np++] = (struct pollfd){.fd = c->fd, .events = ev};
        }
        /* Asleep until a client or the next refresh of the view (idle clients' time-outs are
         * checked then too): one wake-up a second when nothing happens. */
        uint64_t t = ct__now_ns(), due = a->win_ns + VIEW_WINDOW_NS;
        int wait_ms = due > t ? (int)((due - t) / 1000000) + 1 : 0;
        int r = poll(pf, (nfds_t)np, wait_ms);
        if (r < 0 && errno != EINTR)
            break;
        uint64_t now = ct__now_ns();
        if (pf[0].revents) {
            char drain[64];
            while (read(a->wake_fd[0], drain, sizeof(drain)) > 0)
                ;
        }
        for (int i = 0; i < a->n_clients; i++) {
            struct ct__agent_client *c = &a->clients[i];
            short rev = pf[2 + i].revents;
            if (rev & (POLLIN | POLLHUP | POLLERR))
                client_input(a, c, now);
            client_flush(c);
            if (now - c->active_ns > CLIENT_IDLE_NS)
                c->closing = 1, c->out_len = 0;
        }
        /* Drop the clients that are done, keeping the array dense. */
        int kept = 0;
        for (int i = 0; i < a->n_clients; i++) {
            struct ct__agent_client *c = &a->clients[i];
            if (c->closing && c->out_len == 0) {
                close(c->fd);
                continue;
            }
            if (kept != i)
                a->clients[kept] = *c;
            kept++;
        }
        a->n_clients = kept;
        if (a->listen_fd >= 0 && (pf[1].revents & POLLIN))
            accept_clients(a, now);
        if (now - a->win_ns >= VIEW_WINDOW_NS)
            refresh_view(a, now);
    }
    free(pf);
    return CT_OK;
}

void ct_agent_stop(ct_agent *a)
{
    if (!a)
        return;
    a->stop = 1;
    if (a->wake_fd[1] >= 0) {
        ssize_t ignored = write(a->wake_fd[1], "x", 1);
        (void)ignored;
    }
}

void ct_agent_free(ct_agent *a)
{
    if (!a)
        return;
    ct__metrics_stop(a->metrics);
    ct__sampler_free(&a->sampler);
    ct__grid_free(&a->grid);
    for (int i = 0; i < a->n_clients; i++)
        close(a->clients[i].fd);
    free(a->clients);
    if (a->listen_fd >= 0) {
        close(a->listen_fd);
        unlink(a->sock_path);
    }
    for (int i = 0; i < 2; i++)
        if (a->wake_fd[i] >= 0)
            close(a->wake_fd[i]);
    ct__ledger_free(&a->ledger);
    ct__account_free(&a->account);
    if (a->sysfs_fd >= 0)
        close(a->sysfs_fd);
    if (a->proc_fd >= 0)
        close(a->proc_fd);
    ct__opts_free(&a->opt);
    pthread_mutex_destroy(&a->view_lock);
    free(a);
}

int ct_agent_metrics(ct_agent *a, const char *host_port, char *errbuf, size_t errlen)
{
    if (!a || !host_port || a->metrics)
        return CT_EINVAL;
    return ct__metrics_start(&a->metrics, a, host_port, errbuf, errlen);
}
