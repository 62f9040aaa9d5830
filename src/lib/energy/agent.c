/*
 * agent.c - CPU package and DRAM energy read through the node agent (`carbontracker serve`,
 * doc/agent.md) over its Unix socket: for users whose own read of energy_uj is refused (root-only
 * since Linux 5.10). The agent's counters are unfolded 64-bit microjoules; this meter subtracts
 * the first reading, so a device's counter starts at 0 at probe as every meter's does, and the
 * energy is exactly what the agent read from the hardware.
 *
 * A connection that fails (the agent stopped, restarted, or dropped us) is made again at once,
 * then at most every RECONNECT_NS. The same agent (the same process at the other end, no counter
 * gone back) goes on from its counters, so nothing is missed; a restarted one counts from its own
 * start, so only the energy between the old agent's last reading and the new one's start is
 * missing, and the devices are marked lost.
 */
#include "../job.h"
#include "agent_proto.h"
#include "meter.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define AGENT_DOMAIN "cpu-package"
#define DEFAULT_SOCKET "/run/carbontracker/agent.sock"
/* Longest wait for one reply: the agent answers from memory and one counter read. */
#define REPLY_TIMEOUT_MS 1000
/* After a failed connection, the next try at most this often. */
#define RECONNECT_NS 5000000000ull

static const struct ct__setting_decl agent_settings[] = {
    {"socket", "CARBONTRACKER_AGENT", DEFAULT_SOCKET, 0,
     "the node agent's socket (carbontracker serve); setting it makes the agent the CPU meter"},
    {NULL, NULL, NULL, 0, NULL},
};

struct agent_dev {
    int remote;         /* index in the agent's READ reply; -1: the agent no longer has it */
    uint64_t first_uj;  /* this agent's counter where the device's energy starts counting */
    uint64_t offset_uj; /* energy measured through agents before this one */
    uint64_t raw_uj;    /* this agent's counter at the last reading */
    uint64_t last_uj;   /* latest energy since probe (never decreases) */
    int gap;            /* energy between two agents is missing: the next reading says lost */
    struct ct__agent_dev d;
};

struct agent_state {
    int fd;
    char path[108];
    pid_t peer;   /* the agent's process (SO_PEERCRED), 0 unknown */
    int n_remote; /* devices the agent has */
    int n;        /* of them, in this meter's domain */
    struct agent_dev devs[CT_MAX_DEVICES];
    char buf[CT__AGENT_MAX_REPLY]; /* bytes received and not yet used */
    size_t have;
    char job_req[CT__AGENT_MAX_REQUEST]; /* "JOB <id> <rank>\n" for a job's rank, else "" */
    uint64_t retry_ns;                   /* no new connection before this time */
    char read_error[256];                /* why the last reading failed */
};

/* The next reply line (without newline) into line; 0, or -1 on timeout, EOF or overlong. */
static int read_line(struct agent_state *s, char *line, size_t cap)
{
    for (;;) {
        char *nl = memchr(s->buf, '\n', s->have);
        if (nl) {
            size_t n = (size_t)(nl - s->buf);
            if (n >= cap)
                return -1;
            memcpy(line, s->buf, n);
            line[n] = '\0';
            s->have -= n + 1;
            memmove(s->buf, nl + 1, s->have);
            return 0;
        }
        if (s->have == sizeof(s->buf))
            return -1;
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        int r = poll(&p, 1, REPLY_TIMEOUT_MS);
        if (r <= 0)
            return -1;
        ssize_t got = recv(s->fd, s->buf + s->have, sizeof(s->buf) - s->have, 0);
        if (got <= 0)
            return -1;
        s->have += (size_t)got;
    }
}

static int send_all(int fd, const char *text)
{
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = send(fd, text + off, len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

/* READ: every device's counter (the agent's own, since its start). */
static int read_remote(struct agent_state *s, uint64_t *uj, int *lost, char *why, size_t why_len)
{
    char line[CT__AGENT_MAX_REPLY];
    uint64_t t_ns;
    if (send_all(s->fd, "READ\n") != 0 || read_line(s, line, sizeof(line)) != 0) {
        ct__fmt(why, why_len, "the agent at %s did not answer READ", s->path);
        return CT_EIO;
    }
    if (ct__agent_parse_read(line, strlen(line), s->n_remote, &t_ns, uj, lost, why, why_len) != 0)
        return CT_EIO;
    return CT_OK;
}

static void agent_close(void *vs)
{
    struct agent_state *s = vs;
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

/* HELLO and DEVICES: the agent's devices into remote (s->n_remote of them). */
static int handshake(struct agent_state *s, struct ct__agent_dev *remote, char *why, size_t why_len)
{
    char line[CT__AGENT_MAX_REPLY];
    int version = 0;
    if (send_all(s->fd, "HELLO 1\nDEVICES\n") != 0 || read_line(s, line, sizeof(line)) != 0) {
        ct__fmt(why, why_len, "the agent at %s did not answer HELLO", s->path);
        return CT_EIO;
    }
    if (ct__agent_parse_hello(line, strlen(line), &version, why, why_len) != 0 ||
        version != CT__AGENT_PROTO_VERSION) {
        ct__fmt(why, why_len, "%s does not speak the carbontracker agent protocol %d", s->path,
                CT__AGENT_PROTO_VERSION);
        return CT_EIO;
    }
    if (read_line(s, line, sizeof(line)) != 0 ||
        ct__agent_parse_count(line, strlen(line), "DEVICES", CT_MAX_DEVICES, &s->n_remote, why,
                              why_len) != 0)
        return CT_EIO;
    for (int i = 0; i < s->n_remote; i++)
        if (read_line(s, line, sizeof(line)) != 0 ||
            ct__agent_parse_dev(line, strlen(line), &remote[i], why, why_len) != 0 ||
            remote[i].index != i)
            return CT_EIO;
    return CT_OK;
}

static int in_domain(const struct ct__agent_dev *d)
{
    return strcmp(d->domain, AGENT_DOMAIN) == 0 && strcmp(d->component, "cpu") == 0;
}

/* A rank of a distributed job says which (JOB), so that the agent's /metrics has the job's
 * series. An agent that does not know JOB answers ERR; either way the reading goes on. */
static void name_job(struct agent_state *s)
{
    char line[CT__AGENT_MAX_REPLY];
    if (s->job_req[0] && send_all(s->fd, s->job_req) == 0)
        (void)read_line(s, line, sizeof(line));
}

/* The socket connected to path, or -1 with errno set. */
static int connect_to(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    ct__strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        fd = -1;
    }
    return fd;
}

/* The process at the other end of the socket (the agent), 0 when the kernel does not say. */
static pid_t peer_of(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? cred.pid : 0;
}

/*
 * A new connection after a failed one: handshake, JOB, a first READ into uj and lost, and each
 * device found again by its name. The same agent process with no counter gone back goes on from
 * its counters (nothing missed); any other agent counts from its own start, after what the
 * devices had, and the gap between the two is marked lost. CT_OK, or an error with s->read_error
 * set and the socket closed.
 */
static int reconnect(struct agent_state *s, uint64_t *uj, int *lost)
{
    struct ct__agent_dev remote[CT_MAX_DEVICES];
    char why[256] = "";
    s->have = 0;
    s->fd = connect_to(s->path);
    if (s->fd < 0) {
        ct__fmt(s->read_error, sizeof(s->read_error), "no agent at %s (%s)", s->path,
                strerror(errno));
        return CT_EIO;
    }
    int rc = handshake(s, remote, why, sizeof(why));
    if (rc == CT_OK) {
        name_job(s);
        rc = read_remote(s, uj, lost, why, sizeof(why));
    }
    if (rc != CT_OK) {
        ct__fmt(s->read_error, sizeof(s->read_error), "%s", why);
        close(s->fd);
        s->fd = -1;
        return rc;
    }
    /* Another process is another agent; where the kernel does not say (0), the counters
     * decide alone. */
    pid_t peer = peer_of(s->fd);
    int same = !(peer && s->peer && peer != s->peer);
    for (int i = 0; i < s->n; i++) {
        struct agent_dev *d = &s->devs[i];
        d->remote = -1;
        for (int k = 0; k < s->n_remote; k++)
            if (in_domain(&remote[k]) && strcmp(remote[k].name, d->d.name) == 0)
                d->remote = k;
        if (d->remote >= 0 && uj[d->remote] < d->raw_uj)
            same = 0; /* a counter went back: another agent, whatever the process */
    }
    if (!same)
        for (int i = 0; i < s->n; i++) {
            struct agent_dev *d = &s->devs[i];
            d->offset_uj = d->last_uj;
            d->first_uj = 0; /* the agent counts from its own start */
            d->raw_uj = 0;
            d->gap = 1;
        }
    s->peer = peer;
    return CT_OK;
}

/* CARBONTRACKER_AGENT or agent.socket set: the agent before the domain's other meters. */
static int agent_preferred(const struct ct__probe_ctx *ctx)
{
    return ct__settings_given(ctx->settings, "agent", "socket");
}

static int agent_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    const char *path = ct__settings_get(ctx->settings, "agent", "socket");
    int forced = ct__settings_given(ctx->settings, "agent", "socket");
    struct agent_state *s = NULL;
    struct ct__agent_dev remote[CT_MAX_DEVICES];
    uint64_t uj[CT_MAX_DEVICES];
    int lost[CT_MAX_DEVICES];
    int rc;

    *state = NULL;
    if (ctx->serving) {
        ct__fmt(why, why_len, "not used inside the agent itself");
        return CT_ENOTSUP;
    }
    if (!path || !*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        ct__fmt(why, why_len, "the agent socket path is empty or longer than %zu bytes",
                sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
        return forced ? CT_EINVAL : CT_ENOTSUP;
    }
    s = calloc(1, sizeof(*s));
    if (!s)
        return CT_ENOMEM;
    ct__strlcpy(s->path, path, sizeof(s->path));
    s->fd = connect_to(path);
    if (s->fd < 0) {
        int err = errno;
        if (err == EACCES || err == EPERM) {
            ct__fmt(why, why_len,
                    "cannot connect to the agent at %s: permission denied. Fix: ask the "
                    "administrator to add you to the socket's group (carbontracker serve "
                    "--socket-group)",
                    path);
            rc = CT_EPERM;
        } else {
            ct__fmt(why, why_len, "no agent at %s (%s)%s", path, strerror(err),
                    forced ? ": start it with carbontracker serve" : "");
            rc = forced ? CT_EIO : CT_ENOTSUP;
        }
        goto fail;
    }
    s->peer = peer_of(s->fd);
    if (ctx->job && ctx->job->active &&
        ct__agent_format_job(ctx->job->id, ctx->job->rank, s->job_req, sizeof(s->job_req)) < 0)
        s->job_req[0] = '\0';
    rc = handshake(s, remote, why, why_len);
    if (rc == CT_OK) {
        name_job(s);
        for (int i = 0; i < s->n_remote; i++)
            if (in_domain(&remote[i])) {
                s->devs[s->n].remote = i;
                s->devs[s->n].d = remote[i];
                s->n++;
            }
    }
    if (rc == CT_OK && s->n == 0) {
        ct__fmt(why, why_len, "the agent at %s measures no CPU package", path);
        rc = CT_ENOTSUP;
    }
    if (rc == CT_OK)
        rc = read_remote(s, uj, lost, why, why_len);
    if (rc != CT_OK)
        goto fail;
    for (int i = 0; i < s->n; i++)
        s->devs[i].first_uj = s->devs[i].raw_uj = uj[s->devs[i].remote];
    *state = s;
    return CT_OK;

fail:
    agent_close(s);
    return rc;
}

static int agent_describe(void *vs, struct ct__meter_dev *devs, int max)
{
    struct agent_state *s = vs;
    for (int i = 0; i < s->n && i < max; i++) {
        const struct ct__agent_dev *d = &s->devs[i].d;
        ct__strlcpy(devs[i].name, d->name, sizeof(devs[i].name));
        devs[i].provenance = CT_PROVENANCE_MEASURED;
        for (int p = CT_PROVENANCE_MEASURED; p <= CT_PROVENANCE_SIMULATED; p++)
            if (strcmp(ct_provenance_name(p), d->provenance) == 0)
                devs[i].provenance = p;
        ct__fmt(devs[i].info, sizeof(devs[i].info), "through the agent at %s (its meter %s)",
                s->path, d->meter);
    }
    return s->n;
}

static int agent_read(void *vs, uint64_t now_ns, struct ct__reading *out)
{
    struct agent_state *s = vs;
    uint64_t uj[CT_MAX_DEVICES];
    int lost[CT_MAX_DEVICES];
    int rc = CT_EIO;
    if (s->fd >= 0) {
        rc = read_remote(s, uj, lost, s->read_error, sizeof(s->read_error));
        if (rc != CT_OK) {
            close(s->fd); /* the stream may be out of step: no more reads on it */
            s->fd = -1;
            s->retry_ns = 0; /* a dropped connection is tried again at once */
        }
    }
    if (s->fd < 0 && now_ns >= s->retry_ns) {
        rc = reconnect(s, uj, lost);
        if (rc != CT_OK)
            s->retry_ns = now_ns + RECONNECT_NS;
    }
    for (int i = 0; i < s->n; i++) {
        struct agent_dev *d = &s->devs[i];
        int ok = rc == CT_OK && d->remote >= 0;
        if (ok) {
            uint64_t v = uj[d->remote];
            if (v >= d->first_uj && d->offset_uj + (v - d->first_uj) > d->last_uj)
                d->last_uj = d->offset_uj + (v - d->first_uj);
            d->raw_uj = v;
        }
        out[i].energy_uj = d->last_uj;
        out[i].lost = !ok || lost[d->remote] || d->gap;
        if (ok)
            d->gap = 0;
    }
    return rc;
}

/* Read at least this often, so that an idle connection is not closed by the agent (30 s) and a
 * failed one is tried again. */
static uint64_t agent_max_interval(void *vs)
{
    (void)vs;
    return 10000000000ull;
}

static void agent_read_error(void *vs, char *buf, size_t len)
{
    const struct agent_state *s = vs;
    ct__strlcpy(buf, s->read_error, len);
}

static void agent_detail(void *vs, char *buf, size_t len)
{
    struct agent_state *s = vs;
    ct__fmt(buf, len, "agent at %s: %d of its %d devices", s->path, s->n, s->n_remote);
}

const struct ct__meter_ops ct__meter_agent = {
    .name = "agent",
    .component = CT__COMP_CPU,
    .settings = agent_settings,
    .domain = AGENT_DOMAIN,
    .preferred = agent_preferred,
    .probe = agent_probe,
    .describe = agent_describe,
    .read = agent_read,
    .max_interval_ns = agent_max_interval,
    .detail = agent_detail,
    .read_error = agent_read_error,
    .close = agent_close,
};
