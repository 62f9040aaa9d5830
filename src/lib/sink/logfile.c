/*
 * logfile.c - writing the three upstream-format log files (see logfile.h).
 */
#include "logfile.h"

#include "../internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof(tmp))
        return -ENAMETOOLONG;
    memcpy(tmp, dir, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
                return -errno;
            *p = '/';
        }
    }
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
        return -errno;
    struct stat st;
    if (stat(tmp, &st) != 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    return 0;
}

int ct__logs_open(struct ct__logs *l, const char *log_dir, const char *prefix, char *why,
                  size_t why_len)
{
    memset(l, 0, sizeof(*l));
    int rc = mkdir_p(log_dir);
    if (rc < 0) {
        ct__fmt(why, why_len, "cannot create log directory %s: %s", log_dir, strerror(-rc));
        return rc;
    }
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char date[32];
    strftime(date, sizeof(date), "%Y-%m-%dT%H%M%SZ", &tm);
    unsigned id = arc4random_uniform(999999) + 1;
    int n = snprintf(l->base, sizeof(l->base), "%s/%s%s%ld.%u_%s", log_dir,
                     prefix && *prefix ? prefix : "", prefix && *prefix ? "_" : "", (long)getpid(),
                     id, date);
    if (n < 0 || (size_t)n >= sizeof(l->base) - 32) {
        ct__fmt(why, why_len, "log directory path too long: %s", log_dir);
        return -ENAMETOOLONG;
    }
    char path[4200];
    snprintf(l->std_path, sizeof(l->std_path), "%s_carbontracker.log", l->base);
    snprintf(path, sizeof(path), "%s_carbontracker_output.log", l->base);
    l->std = fopen(l->std_path, "a");
    l->out = l->std ? fopen(path, "a") : NULL;
    if (!l->std || !l->out) {
        rc = -errno;
        ct__fmt(why, why_len, "cannot create log file %s: %s", l->std ? path : l->std_path,
                strerror(errno));
        ct__logs_close(l);
        return rc;
    }
    return 0;
}

static void stamp(char *buf, size_t len, int with_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    if (with_ms && n < len)
        snprintf(buf + n, len - n, ",%03ld", ts.tv_nsec / 1000000);
}

/* Remember the first write that failed; later writes still try (space may come back). */
static void note_failure(struct ct__logs *l, const char *suffix, int e)
{
    if (l->write_errno)
        return;
    l->write_errno = e ? e : EIO;
    ct__fmt(l->write_path, sizeof(l->write_path), "%s%s", l->base, suffix);
}

static void write_line(struct ct__logs *l, FILE *f, const char *suffix, const char *prefix,
                       const char *msg)
{
    if (!f)
        return;
    errno = 0;
    if (fprintf(f, "%s - %s\n", prefix, msg) < 0 || (!l->held && fflush(f) != 0))
        note_failure(l, suffix, errno);
}

static void flush(struct ct__logs *l, FILE *f, const char *suffix)
{
    errno = 0;
    if (f && fflush(f) != 0)
        note_failure(l, suffix, errno);
}

void ct__logs_hold(struct ct__logs *l)
{
    l->held = 1;
}

void ct__logs_release(struct ct__logs *l)
{
    l->held = 0;
    flush(l, l->std, "_carbontracker.log");
    flush(l, l->out, "_carbontracker_output.log");
    flush(l, l->err, "_carbontracker_err.log");
}

int ct__logs_failed(const struct ct__logs *l, char *why, size_t why_len)
{
    if (!l->write_errno)
        return 0;
    ct__fmt(why, why_len, "%s: %s", l->write_path, strerror(l->write_errno));
    return 1;
}

void ct__log_std(struct ct__logs *l, const char *msg)
{
    char ts[40];
    if (!l->std)
        return;
    stamp(ts, sizeof(ts), 0);
    write_line(l, l->std, "_carbontracker.log", ts, msg);
}

void ct__log_out(struct ct__logs *l, const char *msg)
{
    char ts[40];
    if (!l->out)
        return;
    stamp(ts, sizeof(ts), 0);
    write_line(l, l->out, "_carbontracker_output.log", ts, msg);
}

void ct__log_err(struct ct__logs *l, const char *level, const char *msg)
{
    char ts[40];
    if (!l->std)
        return; /* logging disabled */
    if (!l->err) {
        char path[4200];
        snprintf(path, sizeof(path), "%s_carbontracker_err.log", l->base);
        l->err = fopen(path, "a");
        if (!l->err) {
            note_failure(l, "_carbontracker_err.log", errno);
            return;
        }
    }
    stamp(ts, sizeof(ts), 1);
    char prefix[96];
    ct__fmt(prefix, sizeof(prefix), "%s - MainThread - %s", ts, level);
    write_line(l, l->err, "_carbontracker_err.log", prefix, msg);
}

void ct__log_file_close(FILE *f, const char *path)
{
    struct stat st;
    int empty;

    if (!f)
        return;
    empty = fstat(fileno(f), &st) == 0 && st.st_size == 0;
    fclose(f);
    if (empty)
        unlink(path); /* nothing was written (a full disk at start): no empty log stays */
}

void ct__logs_close(struct ct__logs *l)
{
    char path[4200];

    /* A log with no line carries nothing: the run could not write (a full disk at start), or
     * it failed to open before its first line. */
    ct__log_file_close(l->std, l->std_path);
    snprintf(path, sizeof(path), "%s_carbontracker_output.log", l->base);
    ct__log_file_close(l->out, path);
    snprintf(path, sizeof(path), "%s_carbontracker_err.log", l->base);
    ct__log_file_close(l->err, path);
    l->std = l->out = l->err = NULL;
}
