/*
 * proc_fixture.h - builds fake proc roots (<root>/cpuinfo, <root>/stat) for the CPU estimate's
 * tests and moves the /proc/stat tick counters in place, the way the kernel's counters move.
 *
 * stat is rewritten in place (pwrite at offset 0 + ftruncate), never renamed over, because the
 * meter keeps it open and preads it. Functions return 0 or -errno (-EINVAL for a bad argument).
 */
#ifndef CT_TEST_PROC_FIXTURE_H
#define CT_TEST_PROC_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

/* The aggregate "cpu" line of /proc/stat, in USER_HZ ticks. guest/guest_nice are, as in the
 * kernel, already included in user/nice; the fixture writes what it is given. */
struct prf_stat {
    uint64_t user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice;
};

/*
 * Create a fresh directory under $CT_FIXTURE_TMP (else /tmp), created if missing, named
 * "<tag>.XXXXXX", and write its path into buf.
 */
int prf_mkroot(char *buf, size_t len, const char *tag);

/*
 * Write <root>/cpuinfo (x86 layout) with n_cpus "processor" blocks whose "model name" is brand.
 * brand NULL: blocks without a model name line (ARM layout: "processor", "BogoMIPS",
 * "CPU implementer", ...).
 */
int prf_write_cpuinfo(const char *root, const char *brand, int n_cpus);

/* Write <root>/stat in place: the aggregate "cpu" line from *st, a "cpu0" line with the same
 * counters, and the usual intr/ctxt/btime/processes lines. */
int prf_write_stat(const char *root, const struct prf_stat *st);

/* Parse the aggregate line of <root>/stat back. */
int prf_read_stat(const char *root, struct prf_stat *st);

/* prf_write_cpuinfo + prf_write_stat; root must exist. */
int prf_create(const char *root, const char *brand, int n_cpus, const struct prf_stat *st);

/* Add busy_ticks to user and idle_ticks to idle, in place: the interval's utilisation is
 * busy / (busy + idle). */
int prf_stat_advance(const char *root, uint64_t busy_ticks, uint64_t idle_ticks);

/* Add every field of *delta to the counters, in place. */
int prf_stat_advance_fields(const char *root, const struct prf_stat *delta);

/* Make opening <root>/<file> fail with errno `errname` ("EACCES", "EIO", ...): writes the fault
 * marker .ct-fault-<file> that ct__sysfs_open() honours. */
int prf_fault(const char *root, const char *file, const char *errname);

/* Remove the tree under root, root included. Refuses "/" and "". */
int prf_remove(const char *root);

#endif
