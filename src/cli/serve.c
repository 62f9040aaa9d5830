/*
 * serve.c - `carbontracker serve`: the node agent (doc/agent.md) run until SIGTERM or SIGINT.
 * The command turns its options into the library's agent calls; the agent itself (sampling, the
 * socket, /metrics with libmicrohttpd loaded at run time) lives in the library.
 */
#include "cli.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_SOCKET_DIR "/run/carbontracker"
#define DEFAULT_SOCKET DEFAULT_SOCKET_DIR "/agent.sock"
#define DEFAULT_SOCKET_MODE 0666

static ct_agent *running;

static void on_signal(int sig)
{
    (void)sig;
    ct_agent_stop(running);
}

static void say(void *user, int level, const char *text)
{
    (void)user;
    (void)level;
    fprintf(stderr, "carbontracker serve: %s\n", text);
}

/* An octal mode of at most 0777; 0 and sets *mode, else -1. */
static int parse_mode(const char *s, unsigned *mode)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 8);
    if (!*s || errno || *end || v > 0777)
        return -1;
    *mode = (unsigned)v;
    return 0;
}

/* A group name or number; 0 and sets *gid, else -1. */
static int parse_group(const char *s, long *gid)
{
    struct group *g = getgrnam(s);
    if (g) {
        *gid = (long)g->gr_gid;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || errno || *end || v < 0)
        return -1;
    *gid = v;
    return 0;
}

/* Room for many clients at once: the soft limit on open files up to the hard one. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int cli_serve(struct cli *c)
{
    unsigned mode = DEFAULT_SOCKET_MODE;
    long gid = -1;
    const char *path = c->socket_path;
    char err[1024];
    int rc;

    if (c->socket_mode && parse_mode(c->socket_mode, &mode) != 0)
        return cli_usage_error("--socket-mode must be an octal mode up to 0777, got '%s'",
                               c->socket_mode);
    if (c->socket_group && parse_group(c->socket_group, &gid) != 0)
        return cli_usage_error("--socket-group: no group '%s'", c->socket_group);
    /* As root the socket is on by default; another user gets one only when asking for it. */
    if (!path && !c->no_socket && geteuid() == 0) {
        path = DEFAULT_SOCKET;
        if (mkdir(DEFAULT_SOCKET_DIR, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "carbontracker serve: cannot create %s: %s\n", DEFAULT_SOCKET_DIR,
                    strerror(errno));
            return CLI_EXIT_SOFTWARE;
        }
    }
    if (!path && !c->metrics_addr)
        return cli_usage_error("serve has nothing to serve: give --socket PATH or --metrics "
                               "HOST:PORT");

    c->opts.log_dir = NULL; /* the agent writes no run logs */
    c->opts.message = say;
    c->opts.message_user = NULL;
    raise_fd_limit();
    rc = ct_agent_open(&running, &c->opts, err, sizeof(err));
    if (rc != CT_OK) {
        fprintf(stderr, "carbontracker serve: cannot start: %s\n", err[0] ? err : ct_strerror(rc));
        return rc == CT_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_SOFTWARE;
    }
    if (path && (rc = ct_agent_listen(running, path, mode, gid, err, sizeof(err))) != CT_OK)
        goto fail;
    if (c->metrics_addr &&
        (rc = ct_agent_metrics(running, c->metrics_addr, err, sizeof(err))) != CT_OK)
        goto fail;

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!c->quiet) {
        printf("carbontracker serve: serving");
        if (path)
            printf(" the socket %s (mode %04o)", path, mode);
        if (c->metrics_addr)
            printf("%s http://%s/metrics", path ? " and" : "", c->metrics_addr);
        printf("\n");
        fflush(stdout);
    }
    rc = ct_agent_run(running);
    ct_agent_free(running);
    running = NULL;
    return rc == CT_OK ? 0 : CLI_EXIT_SOFTWARE;

fail:
    fprintf(stderr, "carbontracker serve: %s\n", err[0] ? err : ct_strerror(rc));
    ct_agent_free(running);
    running = NULL;
    return rc == CT_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_SOFTWARE;
}
