/*
 * cpu_tdp.c - the CPU estimate for machines without an energy counter: the model's TDP (from
 * /proc/cpuinfo's "model name" and the compiled-in table, else the table's mean) times the CPU
 * utilisation measured from /proc/stat over each interval between reads. Labelled "estimated".
 * With the setting attribution=process (for a shared machine) only the tracked process tree's
 * share is counted, as Scaphandre attributes power: TDP x its CPU time (utime + stime of every
 * process in the tree, /proc/PID/stat) over all CPUs' time (/proc/stat) in the interval.
 */
#include "cpu_name.h"
#include "meter.h"
#include "proctree.h"

#include "../tables.h"
#include "../util/sysfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNKNOWN_CPU "Unknown CPU"

/* Utilisation assumed when even the since-boot average is unknown (upstream's 50 %). */
#define DEFAULT_UTIL 0.5

struct cpu_tdp_state {
    char brand[96];   /* "model name" exactly as in cpuinfo, or "Unknown CPU" */
    char matched[96]; /* table entry, "" when the mean is used */
    double tdp_w;
    int is_matched;
    int stat_fd;         /* <proc_root>/stat, kept open and pread */
    uint64_t prev_total; /* ticks: user+nice+system+idle+iowait+irq+softirq+steal */
    uint64_t prev_idle;  /* ticks: idle+iowait */
    uint64_t prev_ns;    /* monotonic time of the previous read (probe for the first) */
    double util;         /* last known utilisation, 0..1 */
    double energy_uj;    /* accumulated estimate */
    /* attribution=process: the tracked tree's share of all CPU time */
    int per_process;
    int proc_fd;            /* the tracker's proc root (not owned) */
    const ct_options *opts; /* the tracker's options: tracked_pid, read under the meter lock */
    uint64_t prev_tree;     /* the tree's ticks at the previous read */
    int tree_pid;           /* the root it was measured for */
    double share;           /* last known share of all CPU time, 0..1 */
};

static const struct ct__setting_decl cpu_tdp_settings[] = {
    {"attribution", "CARBONTRACKER_ATTRIBUTION", "node", 0,
     "node: the whole CPU's estimate; process: the tracked process tree's share of it by CPU "
     "time (/proc/PID/stat), for shared machines"},
    {NULL, NULL, NULL, 0, NULL},
};

/* The root of the tracked tree: the option (the wrapped command), else this process. */
static int tracked_root(const struct cpu_tdp_state *s)
{
    return s->opts && s->opts->tracked_pid > 0 ? s->opts->tracked_pid : (int)getpid();
}

/* First line of /proc/stat: "cpu  user nice system idle iowait irq softirq steal guest
 * guest_nice". guest and guest_nice are already counted in user and nice, so they are not
 * summed. Kernels before 2.6 have only the first four fields. Returns 0 or -EINVAL. */
static int parse_stat(const char *buf, uint64_t *total, uint64_t *idle)
{
    if (strncmp(buf, "cpu", 3) != 0 || (buf[3] != ' ' && buf[3] != '\t'))
        return -EINVAL;
    const char *p = buf + 3;
    uint64_t f[8] = {0};
    int n = 0;
    while (n < 8) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p < '0' || *p > '9')
            break;
        uint64_t v = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            unsigned d = (unsigned)(*p - '0');
            if (v > (UINT64_MAX - d) / 10)
                return -EINVAL;
            v = v * 10 + d;
        }
        f[n++] = v;
    }
    if (n < 4)
        return -EINVAL;
    uint64_t sum = 0;
    for (int i = 0; i < 8; i++)
        sum += f[i];
    *total = sum;
    *idle = f[3] + f[4];
    return 0;
}

/* pread the first line of the open stat file. Returns 0 or -errno. */
static int read_stat(int fd, uint64_t *total, uint64_t *idle)
{
    char buf[1024];
    int r = ct__sysfs_pread(fd, buf, sizeof(buf));
    if (r < 0)
        return r;
    if (strchr(buf, '\n') == NULL && (size_t)r >= sizeof(buf) - 1)
        return -EINVAL; /* first line longer than any real one */
    return parse_stat(buf, total, idle);
}

/* The first "model name" value of cpuinfo into brand; "Unknown CPU" when there is none (ARM,
 * s390, an unreadable file). */
static void read_brand(int proc_fd, char *brand, size_t len)
{
    ct__strlcpy(brand, UNKNOWN_CPU, len);
    int fd = proc_fd >= 0 ? ct__sysfs_open(proc_fd, "cpuinfo") : -EBADF;
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "r");
    if (f == NULL) {
        close(fd);
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        const char *p = line + 10;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != ':')
            continue;
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strlen(p);
        while (n > 0 &&
               (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n > 0) {
            if (n >= len)
                n = len - 1;
            memcpy(brand, p, n);
            brand[n] = '\0';
        }
        break;
    }
    free(line);
    fclose(f);
}

static int cpu_tdp_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    struct cpu_tdp_state *s = NULL;
    const char *root = (ctx && ctx->opts && ctx->opts->proc_root) ? ctx->opts->proc_root : "/proc";
    int rc;
    *state = NULL;
    if (ctx == NULL || ctx->proc_fd < 0) {
        ct__fmt(why, why_len, "%s could not be opened: no /proc/stat for the utilisation", root);
        return CT_ENOTSUP;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        ct__fmt(why, why_len, "out of memory");
        return CT_ENOMEM;
    }
    s->stat_fd = ct__sysfs_open(ctx->proc_fd, "stat");
    if (s->stat_fd < 0) {
        int err = -s->stat_fd;
        ct__fmt(why, why_len, "cannot read %s/stat (%s): the CPU utilisation is unknown", root,
                strerror(err));
        rc = (err == ENOENT || err == ENOTDIR) ? CT_ENOTSUP : CT_EIO;
        goto fail;
    }
    uint64_t total = 0, idle = 0;
    int r = read_stat(s->stat_fd, &total, &idle);
    if (r < 0) {
        if (r == -EINVAL)
            ct__fmt(why, why_len, "%s/stat: first line is not \"cpu user nice system idle ...\"",
                    root);
        else
            ct__fmt(why, why_len, "cannot read %s/stat (%s)", root, strerror(-r));
        rc = CT_EIO;
        goto fail;
    }
    s->prev_total = total;
    s->prev_idle = idle;
    /* Until a read sees ticks move, assume the since-boot average (better than upstream's
     * fixed 50 %, which is only the fallback when no tick was ever counted). */
    s->util =
        total > 0 ? 1.0 - (double)(idle > total ? total : idle) / (double)total : DEFAULT_UTIL;

    const char *attr = ct__settings_get(ctx->settings, "cpu-tdp", "attribution");
    if (attr && strcmp(attr, "process") == 0) {
        s->per_process = 1;
    } else if (attr && strcmp(attr, "node") != 0) {
        ct__fmt(why, why_len,
                "cpu-tdp.attribution is '%s': it takes node (the whole CPU) or process (the "
                "tracked process tree's share by CPU time)",
                attr);
        rc = CT_EINVAL;
        goto fail;
    }
    s->proc_fd = ctx->proc_fd;
    s->opts = ctx->opts;
    if (s->per_process) {
        s->tree_pid = tracked_root(s);
        if (ct__proctree_cpu_ticks(s->proc_fd, s->tree_pid, &s->prev_tree, NULL) != CT_OK)
            s->prev_tree = 0;
        s->share = 0.0; /* until the tree is seen using CPU time */
    }
    read_brand(ctx->proc_fd, s->brand, sizeof(s->brand));
    if (strcmp(s->brand, UNKNOWN_CPU) != 0 &&
        ct__cpu_tdp_lookup(s->brand, &s->tdp_w, s->matched, sizeof(s->matched)) == 0) {
        s->is_matched = 1;
    } else {
        s->is_matched = 0;
        s->matched[0] = '\0';
        s->tdp_w = ct__tdp_mean_w;
    }
    s->prev_ns = ct__now_ns();
    *state = s;
    return CT_OK;

fail:
    if (s->stat_fd >= 0)
        close(s->stat_fd);
    free(s);
    return rc;
}

static int cpu_tdp_describe(void *state, struct ct__meter_dev *devs, int max)
{
    const struct cpu_tdp_state *s = state;
    if (max > 0) {
        /* The label leaves out the " @ 2.10GHz" tail: upstream's parser cuts device names at the
         * first '.', so a dot-free label survives it. */
        ct__strlcpy(devs[0].name, s->brand, sizeof(devs[0].name));
        char *at = strstr(devs[0].name, " @");
        if (at && at != devs[0].name)
            *at = '\0';
        devs[0].provenance = CT_PROVENANCE_ESTIMATED; /* the whole brand is in detail() */
    }
    return 1;
}

static int cpu_tdp_read(void *state, uint64_t now_ns, struct ct__reading *out)
{
    struct cpu_tdp_state *s = state;
    uint64_t total, idle;
    /* On failure nothing moves: the next good read covers the whole interval. */
    if (read_stat(s->stat_fd, &total, &idle) < 0)
        return CT_EIO;
    uint64_t tree = 0;
    int root = 0, have_tree = 0;
    if (s->per_process) {
        root = tracked_root(s);
        have_tree = ct__proctree_cpu_ticks(s->proc_fd, root, &tree, NULL) == CT_OK;
        if (have_tree && root != s->tree_pid) {
            /* A new root (ct_track_pid: the command, forked since the previous reading): all its
             * CPU time falls in this interval, so it counts from 0. */
            s->tree_pid = root;
            s->prev_tree = 0;
        }
    }
    if (total > s->prev_total) {
        double d_total = (double)(total - s->prev_total);
        /* iowait may step backwards on some kernels: use a signed difference, then clamp. */
        double d_idle = (double)idle - (double)s->prev_idle;
        double u = 1.0 - d_idle / d_total;
        s->util = u < 0.0 ? 0.0 : (u > 1.0 ? 1.0 : u);
        if (have_tree) {
            /* a process that ended unwaited takes its ticks along: never below 0 */
            double d_tree = tree > s->prev_tree ? (double)(tree - s->prev_tree) : 0.0;
            double sh = d_tree / d_total;
            s->share = sh > s->util ? s->util : sh;
        }
    } /* else: interval shorter than a tick (or no tick counted): keep the last utilisation */
    s->prev_total = total;
    s->prev_idle = idle;
    if (have_tree)
        s->prev_tree = tree;
    if (now_ns > s->prev_ns) {
        /* W x ns = 1e-3 uJ. */
        double fraction = s->per_process ? s->share : s->util;
        s->energy_uj += s->tdp_w * fraction * (double)(now_ns - s->prev_ns) / 1e3;
        s->prev_ns = now_ns;
    }
    out[0].energy_uj = (uint64_t)(s->energy_uj + 0.5);
    out[0].lost = 0;
    return CT_OK;
}

static uint64_t cpu_tdp_max_interval_ns(void *state)
{
    (void)state;
    return 0; /* no counter to wrap; utilisation is averaged over any interval */
}

static void cpu_tdp_detail(void *state, char *buf, size_t len)
{
    const struct cpu_tdp_state *s = state;
    const char *how = s->per_process
                          ? "x the tracked process tree's share of all CPU time (estimated; "
                            "attribution: process)"
                          : "x measured utilisation (estimated; attribution: node)";
    if (s->is_matched)
        ct__fmt(buf, len, "%s matched '%s': TDP %g W %s", s->brand, s->matched, s->tdp_w, how);
    else
        ct__fmt(buf, len, "%s not in the TDP table: mean TDP %.2f W %s", s->brand, s->tdp_w, how);
}

static void cpu_tdp_close(void *state)
{
    struct cpu_tdp_state *s = state;
    if (s == NULL)
        return;
    if (s->stat_fd >= 0)
        close(s->stat_fd);
    free(s);
}

int ct__cpu_tdp_info(void *state, double *tdp_w, int *matched)
{
    const struct cpu_tdp_state *s = state;
    if (s == NULL)
        return CT_EINVAL;
    if (tdp_w)
        *tdp_w = s->tdp_w;
    if (matched)
        *matched = s->is_matched;
    return CT_OK;
}

const struct ct__meter_ops ct__meter_cpu_tdp = {
    .name = "cpu-tdp",
    .component = CT__COMP_CPU,
    .domain = "cpu-package",
    .settings = cpu_tdp_settings,
    .probe = cpu_tdp_probe,
    .describe = cpu_tdp_describe,
    .read = cpu_tdp_read,
    .max_interval_ns = cpu_tdp_max_interval_ns,
    .detail = cpu_tdp_detail,
    .close = cpu_tdp_close,
};
