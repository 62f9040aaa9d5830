/*
 * golden.h - golden-file comparison for tests: a normaliser that blanks only what changes from
 * run to run (clock readings, durations and what is derived from them, pids and stamps in file
 * names, the tracker's own CPU times), and a check that compares a text with a file under
 * tests/fixtures/golden/, or rewrites that file when CT_UPDATE_GOLDEN=1.
 *
 * The rules, in this order (1 to 5 line by line, 6 over the whole text; everything else is
 * compared byte for byte):
 *  1. literal substitutions given by the caller (fixture paths made by mkdtemp -> "<SYS>", ...)
 *  2. a timestamp at the start of a log line, "2026-01-31 12:00:00 - " or with ",123"
 *     milliseconds -> "<TS> - "
 *  3. the pid, random id and date in log file names, "1234.56789_2026-01-31T120000Z" ->
 *     "<PID>.<ID>_<DATE>"
 *  4. time strings H:MM:SS and H:MM:SS.ff (upstream's durations) -> "<TIME>"
 *  5. the average power lines' number, "Average power usage (W) for cpu: 12.5" -> "... <W>"
 *  6. JSON members whose value is a clock reading, a duration or derived from one (power), a
 *     pid or a CPU time -> <V>, the key and its separator kept; the value may be an array that
 *     spans lines. The keys: "t_s", "wall", "started_at", "ended_at", "time", "duration_s",
 *     "epochs_duration_s", "power_w", "cpu_power_w", "gpu_power_w", "pid", "tracker_cpu_s",
 *     "sampler_cpu_s", "caller_cpu_s", "carbon_cpu_s", and in --parse's JSON "cpu_w", "gpu_w",
 *     "duration (s)", "epoch_durations (s)", "avg_power_usages (W)" and "avg_energy_usages (J)"
 *     (upstream's power x duration: its last digits follow the duration; the exact device
 *     energies are compared in "devices")
 */
#ifndef CT_TEST_GOLDEN_H
#define CT_TEST_GOLDEN_H

#include <stddef.h>

/* One literal substitution: every occurrence of `from` becomes `to`. */
struct golden_subst {
    const char *from;
    const char *to;
};

/*
 * Normalise `text` with the caller's literal substitutions (applied first, in order) and the
 * rules above. Returns a malloc'ed string (free it), or NULL when out of memory.
 */
char *golden_normalise(const char *text, const struct golden_subst *subst, size_t n_subst);

/*
 * Compare `actual` with $CT_SOURCE_DIR/tests/fixtures/golden/<name>. With CT_UPDATE_GOLDEN=1 the
 * file is rewritten with `actual` first (and the check passes). On a difference, `actual` is
 * written to $CT_FIXTURE_TMP/<name with '/' as '_'>.actual and `diff -u` of the two is printed on
 * stderr. Returns 0 when equal, -1 otherwise (the reason on stderr).
 */
int golden_check(const char *name, const char *actual);

#endif
