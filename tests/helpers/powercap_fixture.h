/*
 * powercap_fixture.h - builds fake powercap sysfs trees (<root>/class/powercap/<zone>/...) for
 * tests, and moves their energy counters in place, the way the kernel's counters move.
 *
 * Counters wrap modulo max_energy_range_uj (values 0 .. range-1), matching the meter's unfold
 * rule (range - prev) + cur exactly. Files are rewritten in place (pwrite + ftruncate), never
 * renamed over, because the meter keeps energy_uj open and preads it.
 * Functions return 0 or -errno (-EINVAL for an unknown scenario or bad argument).
 */
#ifndef CT_TEST_POWERCAP_FIXTURE_H
#define CT_TEST_POWERCAP_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

/* Range of a 32-bit counter in 61.035 uJ units (Intel ESU 14), and in 15.3 uJ units (DRAM on
 * servers, AMD). */
#define PCF_RANGE_INTEL_UJ 262143328850ULL
#define PCF_RANGE_DRAM_UJ 65712999613ULL

/*
 * Create a fresh directory under $CT_FIXTURE_TMP (else /tmp), created if missing, named
 * "<tag>.XXXXXX", and write its path into buf.
 */
int pcf_mkroot(char *buf, size_t len, const char *tag);

/*
 * Create a scenario's tree under root (root must exist):
 *  "client"   intel-rapl:0 package-0 (:0:0 core, :0:1 uncore, :0:2 dram), intel-rapl:1 psys,
 *             intel-rapl-mmio:0 package-0 (mirror of intel-rapl:0)
 *  "server2"  intel-rapl:0 package-0 + intel-rapl:0:0 dram, intel-rapl:1 package-1 +
 *             intel-rapl:1:0 dram
 *  "amd"      intel-rapl:0 package-0 + intel-rapl:0:0 core (no power limits)
 *  "hex"      intel-rapl:a package-1 (+ :a:0 core, :a:1 dram), intel-rapl:b package-0
 *             (+ :b:c dram): ids past 9 and out of package order
 *  "amd-dies" intel-rapl:0 package-0-die-0 and intel-rapl:1 package-0-die-1 (+ core
 *             subzones), the two die zones mirroring one counter (old kernels)
 *  "none"     nothing (no class/powercap)
 * Every scenario also has the control-type directory class/powercap/intel-rapl (no colon). See
 * powercap_fixture.c for each zone's range, constraint_0_max_power_uw and start value.
 */
int pcf_create(const char *root, const char *scenario);

/*
 * Add one zone <root>/class/powercap/<zone>/ with name, energy_uj, max_energy_range_uj and,
 * when max_power_uw > 0, constraint_0_max_power_uw. A subzone ("intel-rapl:0:2") is also linked
 * from inside its parent directory, as in real sysfs.
 */
int pcf_add_zone(const char *root, const char *zone, const char *name, uint64_t energy_uj,
                 uint64_t range_uj, uint64_t max_power_uw);

/* Rewrite <zone>/<file> in place with `text` (a newline is appended). */
int pcf_write(const char *root, const char *zone, const char *file, const char *text);

/* Set / get a zone's energy_uj. */
int pcf_set(const char *root, const char *zone, uint64_t energy_uj);
int pcf_get(const char *root, const char *zone, uint64_t *energy_uj);

/* Advance a zone's energy_uj by delta_uj, wrapping modulo its max_energy_range_uj. */
int pcf_advance(const char *root, const char *zone, uint64_t delta_uj);

/* Make opening <zone>/<file> fail with errno `errname` ("EACCES", "EIO", "ENODATA", ...):
 * writes the fault marker .ct-fault-<file> that ct__sysfs_open() honours. */
int pcf_fault(const char *root, const char *zone, const char *file, const char *errname);

/* pcf_fault(root, zone, "energy_uj", "EACCES"): a root-only energy_uj seen by a normal user. */
int pcf_deny(const char *root, const char *zone);

/* The zone disappears (module unloaded, CPU hot-unplugged): its energy_uj is emptied in place
 * (so descriptors already open read garbage, as a dead sysfs file fails its reads) and the
 * zone's directory is removed. */
int pcf_vanish(const char *root, const char *zone);

/* Remove the tree under root, root included. Refuses "/" and "". */
int pcf_remove(const char *root);

#endif
