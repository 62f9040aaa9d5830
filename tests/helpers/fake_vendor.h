/*
 * fake_vendor.h - what the tests of the vendor-library meters (NVML, ROCm SMI) share about the
 * fake libraries built in tests/fakes: where they are, the scenario file and call log each reads
 * and writes (named by <PREFIX>_SCENARIO and <PREFIX>_LOG), and counting lines of that log.
 * Uses cmocka asserts; include after <cmocka.h>.
 */
#ifndef CT_TEST_FAKE_VENDOR_H
#define CT_TEST_FAKE_VENDOR_H

#include <stddef.h>

/* buf = "<CT_FAKE_NVML_DIR>/<file>" (every fake library is built in that directory). */
void fv_lib_path(char *buf, size_t len, const char *file);

/* scenario = "<dir>/scenario", log = "<dir>/<log_name>", and the fake told of both through
 * <prefix>_SCENARIO and <prefix>_LOG ("FAKE_NVML", "FAKE_RSMI"). fv_unset() forgets them. */
void fv_files(const char *prefix, const char *dir, const char *log_name, char *scenario,
              size_t scenario_len, char *log, size_t log_len);
void fv_unset(const char *prefix);

/* Replace the scenario file's text. */
void fv_scenario(const char *scenario, const char *text);

/* The file's text (up to 1 MiB; "" when it does not exist), to free(). */
char *fv_slurp(const char *path);

/* The number of lines of the log equal to `line`. */
int fv_log_count(const char *log, const char *line);

#endif
