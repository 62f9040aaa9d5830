/*
 * ipmi_dcmi.c - whole-node power from the BMC's DCMI power reading, through `ipmitool dcmi power
 * reading` run as a child process (no IPMI library is linked). The probe runs it once and waits
 * (with a timeout); afterwards read() never blocks: it starts a child when the previous answer is
 * a poll interval old, collects the output of a running child without waiting, and kills one
 * that does not answer within the timeout. The power is held between answers and integrated
 * (provenance "integrated"). A `node` meter: shown beside the components, never added to them.
 */
#include "ipmi_dcmi.h"

#include "../util/sysfs.h"
#include "meter.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define OUT_MAX 4096
#define TIMEOUT_NS 5000000000ULL /* a BMC answers in well under a second */
#define POLL_NS 1000000000ULL    /* DCMI readings are refreshed about every second */
#define MAX_NODE_W 100000.0

static const struct ct__setting_decl ipmi_settings[] = {
    {"command", "CARBONTRACKER_IPMITOOL", "ipmitool", 0,
     "the ipmitool program (looked up on PATH) run as: <command> dcmi power reading"},
    {"device", "CARBONTRACKER_IPMI_DEVICE", "/dev/ipmi0", 0,
     "the BMC's device; without it the meter is not tried"},
    {NULL, NULL, NULL, 0, NULL},
};

/* ---- parsing -------------------------------------------------------------------------------*/

/* The number after `key` on its line, if the line goes on with "Watts". */
static int field_watts(const char *text, size_t len, const char *key, double *watts)
{
    size_t k = strlen(key);
    for (size_t i = 0; i + k <= len; i++) {
        if (memcmp(text + i, key, k) != 0)
            continue;
        const char *p = text + i + k;
        const char *end = text + len;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        char num[32];
        size_t n = 0;
        while (p < end && n + 1 < sizeof(num) && (*p >= '0' && *p <= '9'))
            num[n++] = *p++;
        num[n] = '\0';
        if (n == 0 || n > 9)
            return -1;
        while (p < end && *p == ' ')
            p++;
        if ((size_t)(end - p) < 5 || memcmp(p, "Watts", 5) != 0)
            return -1;
        *watts = strtod(num, NULL);
        return 0;
    }
    return -1;
}

int ct__ipmi_dcmi_parse(const char *text, size_t len, double *watts, char *why, size_t why_len)
{
    double w;
    if (field_watts(text, len, "Instantaneous power reading:", &w) == 0 ||
        field_watts(text, len, "Average power reading over sample period:", &w) == 0) {
        if (w > MAX_NODE_W) {
            ct__fmt(why, why_len, "a power reading of %.0f W is not a machine's", w);
            return -1;
        }
        *watts = w;
        return 0;
    }
    /* ipmitool's own complaint: the first non-blank line, printable characters only */
    char line[160];
    size_t n = 0, i = 0;
    while (i < len && (text[i] == '\n' || text[i] == '\r' || text[i] == ' '))
        i++;
    for (; i < len && text[i] != '\n' && n + 1 < sizeof(line); i++)
        line[n++] = (text[i] >= 0x20 && text[i] < 0x7f) ? text[i] : '?';
    line[n] = '\0';
    ct__fmt(why, why_len, "no DCMI power reading in the output%s%s", n ? ": " : " (empty)", line);
    return -1;
}

/* ---- the child -----------------------------------------------------------------------------*/

struct ipmi_state {
    char command[256];
    char device[256];
    pid_t pid;  /* running child, or 0 */
    int out_fd; /* its stdout+stderr, non-blocking; -1 when none */
    char out[OUT_MAX];
    size_t out_len;
    uint64_t started_ns;
    double power_w;     /* the latest answer */
    uint64_t answer_ns; /* when it came */
    uint64_t prev_ns;   /* previous read */
    double energy_uj;
    unsigned long answers, failures;
    char last_error[256];
};

/* Start `<command> dcmi power reading`. 0 or -errno. */
static int start_child(struct ipmi_state *s, uint64_t now_ns)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
        return -errno;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    char *argv[] = {s->command, "dcmi", "power", "reading", NULL};
    pid_t pid;
    int r = posix_spawnp(&pid, s->command, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (r != 0) {
        close(p[0]);
        return -r;
    }
    s->pid = pid;
    s->out_fd = p[0];
    s->out_len = 0;
    s->started_ns = now_ns;
    return 0;
}

/* Reap the child (it has closed its output, or is being killed). Returns its wait status. */
static int reap(struct ipmi_state *s, int kill_it)
{
    int status = 0;
    if (kill_it)
        kill(s->pid, SIGKILL);
    while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
        ;
    s->pid = 0;
    close(s->out_fd);
    s->out_fd = -1;
    return status;
}

/*
 * Collect output. Returns 1 when the child finished (and was reaped), 0 while it runs.
 * wait_ns > 0: wait up to that long (the probe); 0: never wait (read()).
 */
static int collect(struct ipmi_state *s, uint64_t wait_ns)
{
    for (;;) {
        char buf[1024];
        ssize_t n = read(s->out_fd, buf, sizeof(buf));
        if (n > 0) {
            size_t room = OUT_MAX - 1 - s->out_len;
            size_t take = (size_t)n < room ? (size_t)n : room;
            memcpy(s->out + s->out_len, buf, take);
            s->out_len += take;
            continue;
        }
        if (n == 0) {
            s->out[s->out_len] = '\0';
            return 1; /* EOF: the status is taken by the caller through reap() */
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN || wait_ns == 0)
            return errno == EAGAIN ? 0 : 1;
        uint64_t now = ct__now_ns();
        if (now - s->started_ns >= wait_ns)
            return 0;
        struct pollfd pfd = {.fd = s->out_fd, .events = POLLIN};
        poll(&pfd, 1, (int)((wait_ns - (now - s->started_ns)) / 1000000ULL) + 1);
    }
}

/* The child finished: parse its answer. 0 with s->power_w set, or -1 with s->last_error. */
static int finish(struct ipmi_state *s, uint64_t now_ns)
{
    int status = reap(s, 0);
    double w;
    char why[256];
    if (ct__ipmi_dcmi_parse(s->out, s->out_len, &w, why, sizeof(why)) == 0) {
        s->power_w = w;
        s->answer_ns = now_ns;
        s->answers++;
        return 0;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        ct__fmt(s->last_error, sizeof(s->last_error), "%s could not be run", s->command);
    else
        ct__strlcpy(s->last_error, why, sizeof(s->last_error));
    s->failures++;
    return -1;
}

static void ipmi_close(void *vs)
{
    struct ipmi_state *s = vs;
    if (!s)
        return;
    if (s->pid > 0)
        reap(s, 1);
    free(s);
}

static int ipmi_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    const char *cmd = ct__settings_get(ctx->settings, "ipmi-dcmi", "command");
    const char *dev = ct__settings_get(ctx->settings, "ipmi-dcmi", "device");
    *state = NULL;
    if (!cmd || !*cmd || !dev || !*dev) {
        ct__fmt(why, why_len, "no ipmitool command or IPMI device set");
        return CT_ENOTSUP;
    }
    if (access(dev, F_OK) != 0) {
        ct__fmt(why, why_len,
                "no %s: no BMC, or its driver is not loaded (sudo modprobe ipmi_si ipmi_devintf)",
                dev);
        return CT_ENOTSUP;
    }
    struct ipmi_state *s = calloc(1, sizeof(*s));
    if (!s)
        return CT_ENOMEM;
    s->out_fd = -1;
    ct__strlcpy(s->command, cmd, sizeof(s->command));
    ct__strlcpy(s->device, dev, sizeof(s->device));
    uint64_t now = ct__now_ns();
    int r = start_child(s, now);
    if (r < 0) {
        ct__fmt(why, why_len, "cannot run %s: %s%s", cmd, strerror(-r),
                r == -ENOENT ? " (install it: sudo apt-get install ipmitool)" : "");
        free(s);
        return CT_ENOTSUP;
    }
    if (!collect(s, TIMEOUT_NS)) {
        reap(s, 1);
        ct__fmt(why, why_len, "%s dcmi power reading did not answer within %llu s", cmd,
                (unsigned long long)(TIMEOUT_NS / 1000000000ULL));
        free(s);
        return CT_EIO;
    }
    if (finish(s, ct__now_ns()) < 0) {
        ct__fmt(why, why_len,
                "%s dcmi power reading: %s (the BMC may not support DCMI power readings; a "
                "permission error needs read-write access to %s: a udev rule "
                "KERNEL==\"ipmi*\", GROUP=\"ipmi\", MODE=\"0660\")",
                cmd, s->last_error, dev);
        free(s);
        return CT_EIO;
    }
    s->prev_ns = ct__now_ns();
    *state = s;
    return CT_OK;
}

static int ipmi_describe(void *vs, struct ct__meter_dev *devs, int max)
{
    struct ipmi_state *s = vs;
    if (max > 0) {
        ct__strlcpy(devs[0].name, "node:bmc", sizeof(devs[0].name));
        devs[0].provenance = CT_PROVENANCE_INTEGRATED;
        ct__fmt(devs[0].info, sizeof(devs[0].info), "%s dcmi power reading (%s)", s->command,
                s->device);
    }
    return 1;
}

static int ipmi_read(void *vs, uint64_t now_ns, struct ct__reading *out)
{
    struct ipmi_state *s = vs;
    int rc = CT_OK;
    /* The power in force since the previous read is the latest answer (held). */
    if (now_ns > s->prev_ns) {
        s->energy_uj += s->power_w * (double)(now_ns - s->prev_ns) / 1e3; /* W x ns = 1e-3 uJ */
        s->prev_ns = now_ns;
    }
    if (s->pid > 0) {
        if (collect(s, 0)) {
            if (finish(s, now_ns) < 0)
                rc = CT_EIO;
        } else if (now_ns - s->started_ns > TIMEOUT_NS) {
            reap(s, 1);
            ct__fmt(s->last_error, sizeof(s->last_error), "no answer within %llu s",
                    (unsigned long long)(TIMEOUT_NS / 1000000000ULL));
            s->failures++;
            rc = CT_EIO;
        }
    }
    if (s->pid == 0 && now_ns - s->started_ns >= POLL_NS) {
        if (start_child(s, now_ns) < 0) {
            s->failures++;
            rc = CT_EIO;
        }
    }
    out[0].energy_uj = (uint64_t)(s->energy_uj + 0.5);
    /* Lost once answers stopped for long: the energy so far is kept. */
    out[0].lost = now_ns - s->answer_ns > 6 * TIMEOUT_NS;
    return rc;
}

static uint64_t ipmi_max_interval_ns(void *vs)
{
    (void)vs;
    return POLL_NS;
}

static void ipmi_detail(void *vs, char *buf, size_t len)
{
    struct ipmi_state *s = vs;
    ct__fmt(buf, len,
            "BMC DCMI power reading, whole node, %.0f W now; integrated, shown beside the "
            "components, not added to them; %lu answer%s, %lu failure%s%s%s",
            s->power_w, s->answers, s->answers == 1 ? "" : "s", s->failures,
            s->failures == 1 ? "" : "s", s->last_error[0] ? ": " : "", s->last_error);
}

const struct ct__meter_ops ct__meter_ipmi_dcmi = {
    .name = "ipmi-dcmi",
    .component = CT__COMP_NODE,
    .domain = "node",
    .settings = ipmi_settings,
    .probe = ipmi_probe,
    .describe = ipmi_describe,
    .read = ipmi_read,
    .max_interval_ns = ipmi_max_interval_ns,
    .detail = ipmi_detail,
    .close = ipmi_close,
};
