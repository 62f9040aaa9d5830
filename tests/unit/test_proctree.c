/*
 * test_proctree.c - the process tree helper against fixture proc trees (children files, the
 * stat-scan fallback, cycles and duplicates, odd command names) and against the real /proc with
 * a child and a grandchild of the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ct_assert.h"
#include "energy/proctree.h"
#include "proc_fixture.h"
#include "util/sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct fx {
    char root[PATH_MAX];
    int fd;
};

static int setup(void **st)
{
    static struct fx f;
    memset(&f, 0, sizeof(f));
    if (prf_mkroot(f.root, sizeof(f.root), "test_proctree") < 0)
        return -1;
    f.fd = ct__root_open(f.root);
    *st = &f;
    return f.fd < 0 ? -1 : 0;
}

static int teardown(void **st)
{
    struct fx *f = *st;
    close(f->fd);
    return prf_remove(f->root) < 0 ? -1 : 0;
}

/* mkdir -p root/rel. */
static void mkdirs(const char *root, const char *rel)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    mkdir(path, 0755);
}

static void put(const char *root, const char *rel, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A process: <pid>/stat with the parent, <pid>/task/<tid>/ per thread; children files when
 * `children` is not NULL (one string per thread, tids pid, pid+1000, ...). */
static void proc_entry(const char *root, int pid, int ppid, const char *comm, int n_threads,
                       const char *const *children)
{
    char rel[128], text[256];
    for (int t = 0; t < n_threads; t++) {
        int tid = pid + 1000 * t;
        snprintf(rel, sizeof(rel), "%d/task/%d", pid, tid);
        mkdirs(root, rel);
        if (children) {
            snprintf(rel, sizeof(rel), "%d/task/%d/children", pid, tid);
            put(root, rel, children[t]);
        }
    }
    snprintf(rel, sizeof(rel), "%d/stat", pid);
    snprintf(text, sizeof(text), "%d (%s) S %d %d %d 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0\n",
             pid, comm, ppid, pid, pid);
    put(root, rel, text);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The tree's pids, sorted, compared with the expected list. */
static void assert_tree(int n, int *pids, const int *want, int n_want)
{
    assert_int_equal(n, n_want);
    qsort(pids, (size_t)n, sizeof(*pids), cmp_int);
    for (int i = 0; i < n; i++)
        assert_int_equal(pids[i], want[i]);
}

static void test_children_files(void **st)
{
    struct fx *f = *st;
    /* 100 has two threads; a child forked by the second thread is on its children list. */
    proc_entry(f->root, 100, 1, "python", 2, (const char *const[]){"101 102\n", "103"});
    proc_entry(f->root, 101, 100, "worker", 1, (const char *const[]){"104 "});
    proc_entry(f->root, 102, 100, "worker", 1, (const char *const[]){""});
    proc_entry(f->root, 103, 100, "worker", 1, (const char *const[]){""});
    proc_entry(f->root, 104, 101, "nvidia-smi", 1, (const char *const[]){""});
    proc_entry(f->root, 200, 1, "other", 1, (const char *const[]){"201"});
    proc_entry(f->root, 201, 200, "other", 1, (const char *const[]){""});
    int *pids = NULL, method = -1;
    int n = ct__proctree(f->fd, 100, &pids, &method);
    assert_int_equal(method, CT__PROCTREE_CHILDREN);
    assert_non_null(pids);
    assert_int_equal(pids[0], 100); /* the root first */
    assert_tree(n, pids, (const int[]){100, 101, 102, 103, 104}, 5);
    free(pids);

    /* A subtree. */
    n = ct__proctree(f->fd, 101, &pids, NULL);
    assert_tree(n, pids, (const int[]){101, 104}, 2);
    free(pids);
}

static void test_cycles_duplicates_garbage(void **st)
{
    struct fx *f = *st;
    /* 104 claims 100 as its child (a reused pid seen mid-change) and 101 lists 104 twice: each
     * pid is kept once and the walk ends. Garbage ends a list. */
    proc_entry(f->root, 100, 1, "a", 1, (const char *const[]){"101"});
    proc_entry(f->root, 101, 100, "b", 1, (const char *const[]){"104 104 105"});
    proc_entry(f->root, 104, 101, "c", 1, (const char *const[]){"100 x 106"});
    proc_entry(f->root, 105, 101, "d", 1, (const char *const[]){"-3 107"});
    int *pids = NULL;
    int n = ct__proctree(f->fd, 100, &pids, NULL);
    assert_tree(n, pids, (const int[]){100, 101, 104, 105}, 4);
    free(pids);
}

static void test_scan_fallback(void **st)
{
    struct fx *f = *st;
    /* No children files (CONFIG_PROC_CHILDREN unset): every stat's parent is read. Command
     * names may hold spaces and parentheses. */
    proc_entry(f->root, 100, 1, "train", 1, NULL);
    proc_entry(f->root, 101, 100, "a) S 1 (b", 1, NULL);
    proc_entry(f->root, 102, 100, "data loader", 1, NULL);
    proc_entry(f->root, 150, 101, "x", 1, NULL);
    proc_entry(f->root, 200, 1, "other", 1, NULL);
    proc_entry(f->root, 201, 200, "other", 1, NULL);
    put(f->root, "300", ""); /* not a directory: skipped */
    mkdirs(f->root, "301");  /* no stat: skipped */
    mkdirs(f->root, "self");
    int *pids = NULL, method = -1;
    int n = ct__proctree(f->fd, 100, &pids, &method);
    assert_int_equal(method, CT__PROCTREE_SCAN);
    assert_int_equal(pids[0], 100);
    assert_tree(n, pids, (const int[]){100, 101, 102, 150}, 4);
    free(pids);
}

static void test_root_not_shown(void **st)
{
    struct fx *f = *st;
    int *pids = NULL, method = -1;
    int n = ct__proctree(f->fd, 4242, &pids, &method);
    assert_int_equal(method, CT__PROCTREE_CHILDREN);
    assert_tree(n, pids, (const int[]){4242}, 1);
    free(pids);
}

static void test_invalid(void **st)
{
    struct fx *f = *st;
    int *pids = (int *)1;
    assert_int_equal(ct__proctree(f->fd, 0, &pids, NULL), CT_EINVAL);
    assert_null(pids);
    assert_int_equal(ct__proctree(-1, 1, &pids, NULL), CT_EINVAL);
    assert_int_equal(ct__proctree(f->fd, -5, &pids, NULL), CT_EINVAL);
    assert_int_equal(ct__proctree(f->fd, 1, NULL, NULL), CT_EINVAL);
}

/* The real kernel: the test's child and grandchild are in its tree. */
static void test_real_proc(void **st)
{
    (void)st;
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t child = fork();
    ct_assert_cmp_int(child, >=, 0);
    if (child == 0) {
        /* Neither may hold the test's output open, nor outlive a failed test for long. */
        close(1);
        close(2);
        alarm(60);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            pause();
            _exit(0);
        }
        ssize_t w = write(pipefd[1], &grandchild, sizeof(grandchild));
        (void)w;
        pause();
        _exit(0);
    }
    pid_t grandchild = 0;
    assert_int_equal(read(pipefd[0], &grandchild, sizeof(grandchild)), (ssize_t)sizeof(grandchild));
    close(pipefd[0]);
    close(pipefd[1]);

    int fd = ct__root_open("/proc");
    ct_assert_cmp_int(fd, >=, 0);
    int *pids = NULL;
    int n = ct__proctree(fd, getpid(), &pids, NULL);
    int have_child = 0, have_grandchild = 0;
    for (int i = 0; i < n; i++) {
        have_child |= pids[i] == child;
        have_grandchild |= pids[i] == grandchild;
    }
    free(pids);
    assert_true(have_child);
    assert_true(have_grandchild);

    /* The child as root: itself and the grandchild, not us. */
    n = ct__proctree(fd, child, &pids, NULL);
    assert_tree(n, pids,
                (const int[]){child < grandchild ? child : grandchild,
                              child < grandchild ? grandchild : child},
                2);
    free(pids);
    close(fd);
    kill(grandchild, SIGKILL);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_children_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cycles_duplicates_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_not_shown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
        cmocka_unit_test(test_real_proc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
