/*
 * cpu_topology.h - which CPUs stand for which package, as the CPU energy meters that open one
 * counter per socket need it (perf's `power` PMU, the MSR device): kernel CPU lists ("0-3,8")
 * and each CPU's physical_package_id from sysfs.
 */
#ifndef CT_ENERGY_CPU_TOPOLOGY_H
#define CT_ENERGY_CPU_TOPOLOGY_H

#include <stddef.h>

/* The most CPUs a list may name (and so the most sockets a CPU meter handles). */
#define CT__MAX_CPUS 4096

/* Parse a kernel CPU list ("0", "0,28", "0-63", "0-3,8-11\n") into cpus[0..max-1], ascending as
 * written. Returns the count, or -EINVAL (not a list, a range backwards, more than max CPUs). */
int ct__parse_cpu_list(const char *text, int *cpus, int max);

/* devices/system/cpu/cpu<cpu>/topology/physical_package_id under the sysfs root. Returns the
 * package id (>= 0) or -errno (-EINVAL for garbage). */
int ct__cpu_package_id(int sysfs_fd, int cpu);

/* "vendor_id" of <proc>/cpuinfo's first processor into vendor ("GenuineIntel", "AuthenticAMD"),
 * its "cpu family" and "model" into *family / *model (-1 when missing). Returns 0 or -errno. */
int ct__cpuinfo_ident(int proc_fd, char *vendor, size_t len, int *family, int *model);

#endif
