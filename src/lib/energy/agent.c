/*
 * agent.c - CPU package and DRAM energy read through the node agent (`carbontracker serve`,
 * doc/agent.md) over its Unix socket: for users whose own read of energy_uj is refused (root-only
 * since Linux 5.10). The agent's counters are unfolded 64-bit microjoules; this meter subtracts
 * the first reading, so a device's counter starts at 0 at probe as every meter's does, and the
 * energy is exactly what the agent read from the hardware.
 */
#include "../job.h"
#include "agent_proto.h"
#include "meter.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define AGENT_DOMAIN "cpu-package"
#define DEFAULT_SOCKET "/run/carbontracker/agent.sock"
/* Longest wait for one reply: the agent answers from memory and one counter read. */
#define REPLY_TIMEOUT_MS 1000

static const struct ct__setting_decl agent_settings[] = {
    {"socket", "CARBONTRACKER_AGENT", DEFAULT_SOCKET, 0,
     "the node agent's socket (carbontracker serve); setting it makes the agent the CPU meter"},
    {NULL, NULL, NULL, 0, NULL},
};

struct agent_dev {
    int remote;       /* index in the agent's READ reply */
    uint64_t base_uj; /* the agent's counter at probe */
    uint64_t last_uj; /* latest counter since probe (never decreases) */
    struct ct__agent_dev d;
};

struct agent_state {
    int fd;
    char path[108];
    int n_remote; /* devices the agent has */
    int n;        /* of them, in this meter's domain */
    struct agent_dev devs[CT_MAX_DEVICES];
    char buf[CT__AGENT_MAX_REPLY]; /* bytes received and not yet used */
    size_t have;
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

/* HELLO and DEVICES; keeps the devices of this meter's domain. */
static int handshake(struct agent_state *s, char *why, size_t why_len)
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
    for (int i = 0; i < s->n_remote; i++) {
        struct ct__agent_dev d;
        if (read_line(s, line, sizeof(line)) != 0 ||
            ct__agent_parse_dev(line, strlen(line), &d, why, why_len) != 0 || d.index != i)
            return CT_EIO;
        if (strcmp(d.domain, AGENT_DOMAIN) != 0 || strcmp(d.component, "cpu") != 0)
            continue;
        s->devs[s->n].remote = i;
        s->devs[s->n].d = d;
        s->n++;
    }
    return CT_OK;
}

/* A rank of a distributed job says which (JOB), so that the agent's /metrics has the job's
 * series. An agent that does not know JOB answers ERR; either way the reading goes on. */
static void name_job(struct agent_state *s, const struct ct__job *job)
{
    char req[CT__AGENT_MAX_REQUEST], line[CT__AGENT_MAX_REPLY];
    if (!job || !job->active || ct__agent_format_job(job->id, job->rank, req, sizeof(req)) < 0 ||
        send_all(s->fd, req) != 0 || read_line(s, line, sizeof(line)) != 0)
        return;
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
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    uint64_t uj[CT_MAX_DEVICES];
    int lost[CT_MAX_DEVICES];
    int rc;

    *state = NULL;
    if (ctx->serving) {
        ct__fmt(why, why_len, "not used inside the agent itself");
        return CT_ENOTSUP;
    }
    if (!path || !*path || strlen(path) >= sizeof(addr.sun_path)) {
        ct__fmt(why, why_len, "the agent socket path is empty or longer than %zu bytes",
                sizeof(addr.sun_path) - 1);
        return forced ? CT_EINVAL : CT_ENOTSUP;
    }
    s = calloc(1, sizeof(*s));
    if (!s)
        return CT_ENOMEM;
    ct__strlcpy(s->path, path, sizeof(s->path));
    ct__strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
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
    rc = handshake(s, why, why_len);
    if (rc == CT_OK)
        name_job(s, ctx->job);
    if (rc == CT_OK && s->n == 0) {
        ct__fmt(why, why_len, "the agent at %s measures no CPU package", path);
        rc = CT_ENOTSUP;
    }
    if (rc == CT_OK)
        rc = read_remote(s, uj, lost, why, why_len);
    if (rc != CT_OK)
        goto fail;
    for (int i = 0; i < s->n; i++)
        s->devs[i].base_uj = uj[s->devs[i].remote];
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
    char why[256];
    (void)now_ns;
    int rc = s->fd >= 0 ? read_remote(s, uj, lost, why, sizeof(why)) : CT_EIO;
    if (rc != CT_OK && s->fd >= 0) {
        close(s->fd); /* the stream may be out of step: no more reads on it */
        s->fd = -1;
    }
    for (int i = 0; i < s->n; i++) {
        struct agent_dev *d = &s->devs[i];
        if (rc == CT_OK) {
            uint64_t v = uj[d->remote];
            /* The agent's counters never go back; one that does (the agent restarted) adds
             * nothing. */
            if (v >= d->base_uj && v - d->base_uj > d->last_uj)
                d->last_uj = v - d->base_uj;
        }
        out[i].energy_uj = d->last_uj;
        out[i].lost = rc != CT_OK || lost[d->remote];
    }
    return rc;
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
    .detail = agent_detail,
    .close = agent_close,
};
