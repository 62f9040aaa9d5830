/*
 * cpu_fixture.h - fixture trees for the CPU meters that work without powercap, laid out as the
 * kernel lays them out: CPU topology under devices/system/cpu, the perf `power` PMU under
 * devices/power with bus/event_source/devices/power linked to it, the msr driver's
 * <dir>/<cpu>/msr files (8-byte little-endian registers at their addresses), and hwmon chips in
 * the device tree with class/hwmon/hwmonN links to them. Also a fake perf source
 * (rapl_perf.h) whose counters a test sets. Files move in place (pwrite + ftruncate).
 * Functions return 0 or -errno.
 */
#ifndef CT_TEST_CPU_FIXTURE_H
#define CT_TEST_CPU_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

/* devices/system/cpu/online = "0-<n_cpus-1>", each cpuN/topology/physical_package_id =
 * N / cpus_per_pkg. */
int cpf_topology(const char *root, int n_cpus, int cpus_per_pkg);

/* devices/power/{type,cpumask,events/energy-pkg[.scale,.unit]} (and energy-ram when with_ram),
 * scale 2^-32 J, and the link bus/event_source/devices/power -> ../../../devices/power. */
int cpf_perf_pmu(const char *root, unsigned type, const char *cpumask, int with_ram);

/* Write <root>/<rel> in place (directories made as needed); a newline is appended. */
int cpf_write(const char *root, const char *rel, const char *text);

/* Set the 8-byte register `address` of <dir>/<cpu>/msr (created sparse as needed). */
int cpf_msr_set(const char *dir, int cpu, uint64_t address, uint64_t value);
int cpf_msr_get(const char *dir, int cpu, uint64_t address, uint64_t *value);

/* A hwmon chip: devices/<devpath>/hwmon/hwmon<num>/name = name, and class/hwmon/hwmon<num> a
 * link to it (relative, as in sysfs). */
int cpf_hwmon(const char *root, const char *devpath, int num, const char *name);
/* Write <chip>/<file> of class/hwmon/hwmon<num> in place, through the link. */
int cpf_hwmon_write(const char *root, int num, const char *file, const char *text);
int cpf_hwmon_set_u64(const char *root, int num, const char *file, uint64_t value);
/* Remove class/hwmon/hwmon<num>/<file> (a counter that vanishes). */
int cpf_hwmon_unlink(const char *root, int num, const char *file);

/* amd_energy: chip hwmon<num> under devices/platform/amd_energy.0 with n_cores Ecore counters
 * (energy1..n_cores) then n_sockets Esocket counters, each starting at start_uj. */
int cpf_amd_energy(const char *root, int num, int n_sockets, int n_cores, uint64_t start_uj);

/* ---- the fake perf source ----------------------------------------------------------------*/

/* Install the fake as the perf meter's source (and clear its counters); cpf_perf_uninstall()
 * puts the kernel back. */
void cpf_perf_install(void);
void cpf_perf_uninstall(void);
/* The count of counter (config, cpu); opening a counter nobody set fails with ENOENT. */
void cpf_perf_set(uint64_t config, int cpu, uint64_t count);
void cpf_perf_add(uint64_t config, int cpu, uint64_t delta);
/* Every open fails with -err (EACCES: paranoid too high); 0 = open normally. */
void cpf_perf_fail_open(int err);
/* Reads of (config, cpu) fail with -err from now on; 0 = succeed again. */
void cpf_perf_fail_read(uint64_t config, int cpu, int err);
/* Counters open right now. */
int cpf_perf_open_count(void);

#endif
