/*
 * cpu_name.h - CPU model names as /proc/cpuinfo prints them ("Intel(R) Xeon(R) Gold 6130 CPU @
 * 2.10GHz") matched against the compiled-in TDP table (data/cpu-tdp.csv), and the cpu-tdp meter's
 * figures for the tracker's messages.
 */
#ifndef CT_ENERGY_CPU_NAME_H
#define CT_ENERGY_CPU_NAME_H

#include <stddef.h>

/* Longest normalised name kept (bytes, with the NUL). */
#define CT__CPU_NAME_MAX 256

/* The vendor word a normalised name starts with. */
enum ct__cpu_vendor {
    CT__CPU_VENDOR_NONE = 0,
    CT__CPU_VENDOR_INTEL = 1,
    CT__CPU_VENDOR_AMD = 2,
    CT__CPU_VENDOR_APPLE = 3,
};

/*
 * Normalise a CPU brand or table name for comparison: drops "(R)", "(TM)", "(tm)", "®", "™",
 * the "@ frequency" tail, the words "CPU", "Processor", "APU", "N-Core"/"Eight-Core", an
 * "Nth Gen" prefix and a "with ..."/"w/ ..." suffix ("with Radeon Graphics"); lower-cases and
 * collapses whitespace (commas count as whitespace). "Intel(R) Core(TM) i7-9700K CPU @
 * 3.60GHz" -> "intel core i7-9700k". A NULL brand gives "". `out` is always NUL-terminated
 * (truncated to len - 1 bytes); nothing is written when len is 0. Pure; thread-safe.
 */
void ct__cpu_name_normalise(const char *brand, char *out, size_t len);

/*
 * Normalise `raw` into out (as ct__cpu_name_normalise) and split it: returns its vendor
 * (enum ct__cpu_vendor, from the first word) and sets *body_off to where the rest starts in out
 * (0 without a vendor word). tools/gen_tables.c stores this for every table row at build time,
 * so a lookup normalises only the brand. Pure; thread-safe.
 */
int ct__cpu_name_parse(const char *raw, char *out, size_t len, size_t *body_off);

/*
 * Look up a CPU's thermal design power in the compiled-in table. Matching, on normalised names:
 *  1. exact equality;
 *  2. equality once a leading vendor word ("intel", "amd", "apple") is removed from both;
 *  3. every token of the entry (vendor removed) is a whole token of the brand, the entry has a
 *     token with a digit (a model number) and no conflicting vendor; the entry with the most
 *     tokens wins. Tokens are whole words, so "i7-870" never matches "i7-8700".
 * Rows without a vendor word are AMD parts in data/cpu-tdp.csv (CodeCarbon's list names every
 * Intel part "Intel ..."), so step 3 never gives them to an Intel brand. Ties go to the entry
 * first in file order.
 *
 * @param tdp_w    receives the TDP in watts (may be NULL).
 * @param matched  receives the table entry's name as written in the CSV (may be NULL).
 * @return 0 when found, -1 when not (outputs untouched). Pure; thread-safe.
 */
int ct__cpu_tdp_lookup(const char *brand, double *tdp_w, char *matched, size_t matched_len);

/*
 * Figures of a probed cpu-tdp meter (state from ct__meter_cpu_tdp.probe): the TDP in watts used
 * by the model, and whether it came from the table (1) or is the table's mean (0). Either
 * output may be NULL. @return CT_OK, or CT_EINVAL for a NULL state.
 */
int ct__cpu_tdp_info(void *state, double *tdp_w, int *matched);

#endif
