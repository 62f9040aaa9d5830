/*
 * proctree.c - the process tree of a root pid from a proc filesystem (see proctree.h): the
 * kernel's per-thread children lists, or a scan of every process's parent pid where those lists
 * are not compiled in. Processes that exit while the tree is read are skipped silently.
 */
#include "proctree.h"

#include "../internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The collected pids in order, with an open-addressing hash set to keep each once. */
struct tree {
    int *pids;
    int n, cap;
    int *slots; /* 0 = empty; pids are > 0 */
    size_t n_slots;
};

static size_t slot_of(int pid, size_t n_slots)
{
    return ((size_t)(unsigned)pid * 2654435761u) & (n_slots - 1);
}

static int set_grow(struct tree *t)
{
    size_t n_slots = t->n_slots ? t->n_slots * 2 : 256;
    int *slots = calloc(n_slots, sizeof(*slots));
    if (!slots)
        return CT_ENOMEM;
    for (int i = 0; i < t->n; i++) {
        size_t k = slot_of(t->pids[i], n_slots);
        while (slots[k] != 0)
            k = (k + 1) & (n_slots - 1);
        slots[k] = t->pids[i];
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    return CT_OK;
}

/* Append pid unless present or the tree is full. Returns CT_OK or CT_ENOMEM. */
static int add(struct tree *t, int pid)
{
    if (pid <= 0 || t->n >= CT__PROCTREE_MAX)
        return CT_OK;
    if ((size_t)(t->n + 1) * 2 > t->n_slots && set_grow(t) != CT_OK)
        return CT_ENOMEM;
    size_t k = slot_of(pid, t->n_slots);
    while (t->slots[k] != 0) {
        if (t->slots[k] == pid)
            return CT_OK;
        k = (k + 1) & (t->n_slots - 1);
    }
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 64;
        int *p = realloc(t->pids, (size_t)cap * sizeof(*p));
        if (!p)
            return CT_ENOMEM;
        t->pids = p;
        t->cap = cap;
    }
    t->slots[k] = pid;
    t->pids[t->n++] = pid;
    return CT_OK;
}

static void tree_reset(struct tree *t)
{
    free(t->pids);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

/* The whole of a small proc file, NUL-terminated, malloc'ed; NULL with *err = errno. */
static char *read_file(int dirfd, const char *path, int *err)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err = errno;
        return NULL;
    }
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    if (!buf) {
        *err = ENOMEM;
        close(fd);
        return NULL;
    }
    for (;;) {
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                *err = ENOMEM;
                goto fail;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *err = errno;
            goto fail;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    return buf;

fail:
    close(fd);
    free(buf);
    return NULL;
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* Positive decimal pid, or -1. */
static int parse_pid(const char *s, char **end)
{
    long v = strtol(s, end, 10);
    if (*end == s || v <= 0 || v > 0x7fffffff)
        return -1;
    return (int)v;
}

/* The directory `path` under proc_fd, or NULL when it is gone or not shown. */
static DIR *open_dir(int proc_fd, const char *path)
{
    int dfd = openat(proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return NULL;
    DIR *dir = fdopendir(dfd);
    if (!dir)
        close(dfd);
    return dir;
}

/* The name of the next entry of dir that is a pid or tid (all digits, at most 10), or NULL. */
static const char *next_id(DIR *dir)
{
    struct dirent *de;
    while ((de = readdir(dir)) != NULL)
        if (all_digits(de->d_name) && strlen(de->d_name) <= 10)
            return de->d_name;
    return NULL;
}

/*
 * Add the children of pid from every <pid>/task/<tid>/children. Returns CT_OK (also when pid is
 * gone), CT_ENOMEM, or 1 when the kernel has no children files (the caller falls back to a scan).
 */
static int add_children(int proc_fd, int pid, struct tree *t)
{
    char path[64];
    int rc = CT_OK;
    snprintf(path, sizeof(path), "%d/task", pid);
    DIR *dir = open_dir(proc_fd, path);
    if (!dir)
        return CT_OK; /* exited, or not shown */
    const char *tid;
    while ((tid = next_id(dir)) != NULL) {
        char rel[96];
        int err = 0;
        snprintf(rel, sizeof(rel), "%.16s/children", tid);
        int tfd = dirfd(dir);
        char *text = read_file(tfd, rel, &err);
        if (!text) {
            struct stat st;
            if (err == ENOMEM) {
                rc = CT_ENOMEM;
                break;
            }
            /* The thread's directory is there but not its children file: not compiled in. */
            if (err == ENOENT && fstatat(tfd, tid, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
                rc = 1;
                break;
            }
            continue; /* the thread exited meanwhile */
        }
        char *p = text, *end;
        for (;;) {
            while (*p == ' ' || *p == '\n' || *p == '\t')
                p++;
            if (!*p)
                break;
            int child = parse_pid(p, &end);
            if (child < 0)
                break;
            if (add(t, child) != CT_OK) {
                rc = CT_ENOMEM;
                break;
            }
            p = end;
        }
        free(text);
        if (rc != CT_OK)
            break;
    }
    closedir(dir);
    return rc;
}

/* Parent pid from the text of <pid>/stat ("pid (comm) state ppid ..."; comm may hold spaces and
 * parentheses, so parse after the last ')'). -1 when malformed. */
static int stat_ppid(const char *text)
{
    const char *p = strrchr(text, ')');
    if (!p)
        return -1;
    p++;
    while (*p == ' ')
        p++;
    if (!*p)
        return -1;
    p++; /* state */
    while (*p == ' ')
        p++;
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < 0 || v > 0x7fffffff)
        return -1;
    return (int)v;
}

/* The tree by scanning every <pid>/stat for its parent. t holds the root already. */
static int scan_tree(int proc_fd, struct tree *t)
{
    struct pair {
        int pid, ppid;
    } *all = NULL;
    size_t n = 0, cap = 0;
    int rc = CT_OK;
    DIR *dir = open_dir(proc_fd, ".");
    if (!dir)
        return CT_OK;
    const char *name;
    while ((name = next_id(dir)) != NULL) {
        char rel[64];
        int err = 0;
        snprintf(rel, sizeof(rel), "%.16s/stat", name);
        char *text = read_file(proc_fd, rel, &err);
        if (!text) {
            if (err == ENOMEM) {
                rc = CT_ENOMEM;
                goto cleanup;
            }
            continue;
        }
        char *end;
        int pid = parse_pid(name, &end);
        int ppid = stat_ppid(text);
        free(text);
        if (pid < 0 || ppid < 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct pair *na = realloc(all, ncap * sizeof(*all));
            if (!na) {
                rc = CT_ENOMEM;
                goto cleanup;
            }
            all = na;
            cap = ncap;
        }
        all[n].pid = pid;
        all[n].ppid = ppid;
        n++;
    }
    /* Breadth first: t->pids is the queue. */
    for (int i = 0; i < t->n; i++) {
        for (size_t k = 0; k < n; k++) {
            if (all[k].ppid == t->pids[i] && add(t, all[k].pid) != CT_OK) {
                rc = CT_ENOMEM;
                goto cleanup;
            }
        }
    }

cleanup:
    closedir(dir);
    free(all);
    return rc;
}

int ct__proctree(int proc_fd, int root_pid, int **pids, int *method)
{
    struct tree t = {0};
    int rc;
    int m = CT__PROCTREE_CHILDREN;
    if (pids)
        *pids = NULL;
    if (!pids || proc_fd < 0 || root_pid <= 0)
        return CT_EINVAL;
    rc = add(&t, root_pid);
    if (rc != CT_OK)
        goto fail;
    for (int i = 0; i < t.n; i++) {
        rc = add_children(proc_fd, t.pids[i], &t);
        if (rc == 1) {
            m = CT__PROCTREE_SCAN;
            break;
        }
        if (rc != CT_OK)
            goto fail;
    }
    if (m == CT__PROCTREE_SCAN) {
        tree_reset(&t);
        rc = add(&t, root_pid);
        if (rc == CT_OK)
            rc = scan_tree(proc_fd, &t);
        if (rc != CT_OK)
            goto fail;
    }
    if (method)
        *method = m;
    free(t.slots);
    *pids = t.pids;
    return t.n;

fail:
    tree_reset(&t);
    return rc;
}

static int cmp_pid(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int ct__proctree_sorted(int proc_fd, int root_pid, int **tree)
{
    int n_tree = 0;
    int root = root_pid > 0 ? root_pid : (int)getpid();
    *tree = NULL;
    if (proc_fd >= 0)
        n_tree = ct__proctree(proc_fd, root, tree, NULL);
    if (n_tree <= 0) {
        free(*tree);
        *tree = malloc(sizeof(**tree));
        if (!*tree)
            return 0;
        (*tree)[0] = root;
        n_tree = 1;
    }
    qsort(*tree, (size_t)n_tree, sizeof(**tree), cmp_pid);
    return n_tree;
}

/* utime + stime + cutime + cstime (fields 14-17) from the text of <pid>/stat; -1 when
 * malformed. cutime/cstime hold the children already waited for, which left the tree. */
static int stat_cpu_ticks(const char *text, uint64_t *ticks)
{
    const char *p = strrchr(text, ')');
    if (!p)
        return -1;
    p++;
    uint64_t sum = 0;
    for (int field = 3; field <= 17; field++) {
        while (*p == ' ')
            p++;
        if (!*p)
            return -1;
        if (field >= 14) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(p, &end, 10);
            if (end == p || errno || *p == '-')
                return -1;
            sum += v;
            p = end;
        } else {
            p += strcspn(p, " ");
        }
    }
    *ticks = sum;
    return 0;
}

int ct__proctree_cpu_ticks(int proc_fd, int root_pid, uint64_t *ticks, int *n_pids)
{
    int *pids = NULL;
    int n = ct__proctree(proc_fd, root_pid, &pids, NULL);
    if (n < 0)
        return n;
    uint64_t sum = 0;
    int seen = 0;
    for (int i = 0; i < n; i++) {
        char path[32];
        int err = 0;
        snprintf(path, sizeof(path), "%d/stat", pids[i]);
        char *text = read_file(proc_fd, path, &err);
        uint64_t t;
        if (text && stat_cpu_ticks(text, &t) == 0) {
            sum += t;
            seen++;
        }
        free(text); /* a process that ended meanwhile: its ticks went to its parent */
    }
    free(pids);
    *ticks = sum;
    if (n_pids)
        *n_pids = seen;
    return CT_OK;
}
