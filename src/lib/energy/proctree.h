/*
 * proctree.h - the process tree of one root pid as a proc filesystem shows it (the root and all
 * its descendants), for meters that select devices by the processes they run. Reads from a
 * directory descriptor, so tests point it at a fixture tree.
 */
#ifndef CT_ENERGY_PROCTREE_H
#define CT_ENERGY_PROCTREE_H

#include "carbontracker.h" /* status codes */

#include <stdint.h>

/* How the tree was found. */
enum ct__proctree_method {
    CT__PROCTREE_CHILDREN = 0, /* <pid>/task/<tid>/children (CONFIG_PROC_CHILDREN) */
    CT__PROCTREE_SCAN = 1      /* every <pid>/stat's parent pid (fallback) */
};

/* Largest tree collected; deeper or wider trees are cut there. */
#define CT__PROCTREE_MAX 65536

/*
 * Collect root_pid (always first, even when proc does not show it) and its descendants,
 * breadth first, each once. Uses <pid>/task/<tid>/children of proc_fd; when the kernel does not
 * provide those files, scans every <pid>/stat for its parent pid instead.
 * @param proc_fd   directory descriptor of the proc root (not closed)
 * @param pids      receives a malloc'ed array (free() it)
 * @param method    optional: receives the enum ct__proctree_method used
 * @return the number of pids (>= 1), CT_EINVAL (root_pid <= 0, proc_fd < 0) or CT_ENOMEM.
 */
int ct__proctree(int proc_fd, int root_pid, int **pids, int *method);

/*
 * The tracked process tree for the meters' devices_by_pid, sorted ascending for bsearch():
 * root_pid (this process when <= 0) and its descendants read from proc_fd, or the root alone
 * when proc cannot be read (proc_fd < 0 allowed). Returns the count with a malloc'ed array in
 * *tree (free() it), or 0 (*tree NULL) when out of memory.
 */
int ct__proctree_sorted(int proc_fd, int root_pid, int **tree);

/*
 * The CPU time of root_pid's tree: utime + stime + cutime + cstime of every process in it (from
 * <pid>/stat, USER_HZ ticks; the children already waited for are in their parent's cutime and
 * cstime). Processes whose stat cannot be read are left out (*n_pids counts the others).
 * @return CT_OK, CT_EINVAL or CT_ENOMEM.
 */
int ct__proctree_cpu_ticks(int proc_fd, int root_pid, uint64_t *ticks, int *n_pids);

#endif
