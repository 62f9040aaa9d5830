/*
 * options_table.h - one row per ct_options field, in the struct's order: the single source of
 * the defaults (ct_options_init), the owned string copies and secrets (options.c), the
 * environment variables (ct_options_from_env, env.c), redaction, and the public introspection
 * (ct_option_info, ct_options_set) from which the command builds its options and --help.
 *
 * X(field, type, default, env, flags, cli, arg, help)
 *   type     INT, UINT, DOUBLE, STRING, CALLBACK or POINTER (ct_option_type without CT_OPTION_)
 *   default  the value of CT_OPTIONS_INIT (tests/unit/test_options.c checks that they agree)
 *   env      the environment variable ct_options_from_env() reads, or NULL
 *   flags    CT__OPT_OWNED (the tracker keeps a copy), CT__OPT_SECRET (wiped before it is freed,
 *            redacted from messages), CT__OPT_ENV_EMPTY (an empty variable is kept, not skipped)
 *   cli      the command's option name as --help spells it (matched with '_' and '-' alike), or
 *            NULL when the command has no option for the field
 *   arg      the command option's value name in --help; NULL = a flag that sets the field to 1
 *   help     one line: for a command option, its --help text; otherwise what the field is
 *
 * Adding a field: a row here, the field at the end of ct_options, its CT_OPTIONS_INIT default and
 * the Python mirror (python/carbontracker/_lib.py); the unit and Python tests demand all four.
 */
#ifndef CT_OPTIONS_TABLE_H
#define CT_OPTIONS_TABLE_H

#include "internal.h"

#include <math.h>
#include <stddef.h>

#define CT__OPT_OWNED 1
#define CT__OPT_SECRET 2
#define CT__OPT_ENV_EMPTY 4

/* clang-format off */
#define CT__OPTIONS_TABLE(X)                                                                       \
    X(version, UINT, CT_OPTIONS_VERSION, NULL, 0, NULL, NULL,                                      \
      "CT_OPTIONS_VERSION of the caller's header")                                                 \
    X(epochs, INT, 1, NULL, 0, NULL, NULL,                                                         \
      "total epochs of the training loop, used for the prediction")                                \
    X(epochs_before_pred, INT, 1, NULL, 0, NULL, NULL,                                             \
      "epochs measured before the prediction; 0 = none, -1 = all")                                 \
    X(monitor_epochs, INT, -1, NULL, 0, NULL, NULL,                                                \
      "epochs to monitor; -1 = all")                                                               \
    X(update_interval_s, DOUBLE, 1.0, NULL, 0, "interval", "SECONDS",                              \
      "sampling interval, 0.001 to 86400, fractions allowed (default 1)")                          \
    X(components, STRING, "all", NULL, CT__OPT_OWNED, "components", "LIST",                        \
      "what to measure: all (default), cpu, gpu or gpu,cpu")                                       \
    X(log_dir, STRING, NULL, NULL, CT__OPT_OWNED, "log_dir", "DIR",                                \
      "directory for the three log files (default ./logs)")                                        \
    X(log_file_prefix, STRING, NULL, NULL, CT__OPT_OWNED, "log_file_prefix", "P",                  \
      "prefix of the log file names")                                                              \
    X(verbose, INT, 1, NULL, 0, NULL, NULL,                                                        \
      "0 = no output messages, 1 = upstream's output, 2 = also information")                       \
    X(decimal_precision, INT, 12, NULL, 0, "decimal_precision", "N",                               \
      "digits after the point in the report (default 12)")                                         \
    X(interpretable, INT, 1, NULL, 0, NULL, NULL,                                                  \
      "1: also print the km travelled by car")                                                     \
    X(pue, DOUBLE, NAN, "CARBONTRACKER_PUE", 0, "pue", "X",                                        \
      "power usage effectiveness, 1.0 to 10 (default 1.58)")                                       \
    X(zone, STRING, NULL, "CARBONTRACKER_ZONE", CT__OPT_OWNED, "zone", "ZONE",                     \
      "grid zone or country code for the intensity, e.g. DK")                                      \
    X(sim_cpu, STRING, NULL, NULL, CT__OPT_OWNED, "sim-cpu", "NAME",                               \
      "simulate a CPU instead of measuring it")                                                    \
    X(sim_cpu_tdp_w, DOUBLE, NAN, NULL, 0, "sim-cpu-tdp", "W",                                     \
      "TDP of the simulated CPU in watts (needed)")                                                \
    X(sim_cpu_util, DOUBLE, NAN, NULL, 0, "sim-cpu-util", "U",                                     \
      "utilisation of the simulated CPU, 0 to 1 (0.5)")                                            \
    X(sim_gpu, STRING, NULL, NULL, CT__OPT_OWNED, "sim-gpu", "NAME",                               \
      "simulate a GPU")                                                                            \
    X(sim_gpu_watts, DOUBLE, NAN, NULL, 0, "sim-gpu-watts", "W",                                   \
      "power of the simulated GPU in watts (needed)")                                              \
    X(sim_gpu_util, DOUBLE, NAN, NULL, 0, "sim-gpu-util", "U",                                     \
      "utilisation of the simulated GPU, 0 to 1 (0.5)")                                            \
    X(sysfs_root, STRING, NULL, "CARBONTRACKER_SYSFS_ROOT", CT__OPT_OWNED, NULL, NULL,             \
      "where sysfs is (default /sys)")                                                             \
    X(proc_root, STRING, NULL, "CARBONTRACKER_PROC_ROOT", CT__OPT_OWNED, NULL, NULL,               \
      "where procfs is (default /proc)")                                                           \
    X(tz, STRING, NULL, "TZ", CT__OPT_OWNED, NULL, NULL,                                           \
      "time zone name, as the TZ variable; NULL = read localtime_path")                            \
    X(localtime_path, STRING, NULL, "CARBONTRACKER_LOCALTIME", CT__OPT_OWNED, NULL, NULL,          \
      "the local time zone file (default /etc/localtime)")                                         \
    X(zoneinfo_dir, STRING, NULL, "CARBONTRACKER_ZONEINFO", CT__OPT_OWNED, NULL, NULL,             \
      "the time zone database (default /usr/share/zoneinfo)")                                      \
    X(include_psys, INT, 0, NULL, 0, NULL, NULL,                                                   \
      "1: measure the RAPL psys zone instead of package + dram")                                   \
    X(message, CALLBACK, NULL, NULL, 0, NULL, NULL,                                                \
      "console text callback; NULL = silent")                                                      \
    X(message_user, POINTER, NULL, NULL, 0, NULL, NULL,                                            \
      "first argument of message")                                                                 \
    X(confirm, CALLBACK, NULL, NULL, 0, NULL, NULL,                                                \
      "stop_and_confirm callback; NULL = never ask")                                               \
    X(confirm_user, POINTER, NULL, NULL, 0, NULL, NULL,                                            \
      "first argument of confirm")                                                                 \
    X(nvml_library, STRING, NULL, "CARBONTRACKER_NVML_LIBRARY", CT__OPT_OWNED, NULL, NULL,         \
      "the NVML library to load (default libnvidia-ml.so.1)")                                      \
    X(cuda_visible_devices, STRING, NULL, "CUDA_VISIBLE_DEVICES",                                  \
      CT__OPT_OWNED | CT__OPT_ENV_EMPTY, NULL, NULL,                                               \
      "GPU selection as CUDA_VISIBLE_DEVICES; NULL = all, \"\" = none")                            \
    X(devices_by_pid, INT, 0, NULL, 0, "devices-by-pid", NULL,                                     \
      "measure only the GPUs running a process of the command's tree")                             \
    X(tracked_pid, INT, 0, NULL, 0, NULL, NULL,                                                    \
      "root of the tracked process tree; 0 = the caller")                                          \
    X(live, INT, 0, NULL, 0, NULL, NULL,                                                           \
      "1: fetch live carbon intensity (network); 0 = the yearly table")                            \
    X(electricitymaps_api_key, STRING, NULL, "ELECTRICITYMAPS_API_KEY",                            \
      CT__OPT_OWNED | CT__OPT_SECRET, NULL, NULL,                                                  \
      "Electricity Maps auth token; never logged")                                                 \
    X(latitude, DOUBLE, NAN, NULL, 0, "latitude", "DEG",                                           \
      "latitude of the machine in degrees (live intensity)")                                       \
    X(longitude, DOUBLE, NAN, NULL, 0, "longitude", "DEG",                                         \
      "longitude of the machine in degrees (live intensity)")                                      \
    X(postcode, STRING, NULL, NULL, CT__OPT_OWNED, "postcode", "CODE",                             \
      "GB postcode (outward code) for regional GB intensity")                                      \
    X(carbon_refresh_s, DOUBLE, NAN, NULL, 0, "carbon-refresh", "SECONDS",                         \
      "seconds between intensity fetches (default 900)")                                           \
    X(http_timeout_s, DOUBLE, NAN, NULL, 0, NULL, NULL,                                            \
      "limit for one web request in seconds (default 10)")                                         \
    X(electricitymaps_url, STRING, NULL, "CARBONTRACKER_ELECTRICITYMAPS_URL", CT__OPT_OWNED,       \
      NULL, NULL, "Electricity Maps API base URL")                                                 \
    X(ukgrid_url, STRING, NULL, "CARBONTRACKER_UKGRID_URL", CT__OPT_OWNED, NULL, NULL,             \
      "carbonintensity.org.uk API base URL")                                                       \
    X(energidataservice_url, STRING, NULL, "CARBONTRACKER_ENERGIDATASERVICE_URL",                  \
      CT__OPT_OWNED, NULL, NULL, "Energi Data Service API base URL")                               \
    X(geolocation_url, STRING, NULL, "CARBONTRACKER_GEOLOCATION_URL", CT__OPT_OWNED, NULL, NULL,   \
      "ipinfo-compatible geolocation base URL")                                                    \
    X(settings, POINTER, NULL, NULL, 0, NULL, NULL,                                                \
      "meters' and providers' settings, \"<backend>.<key>=VALUE\", NULL-terminated")              \
    X(environment, POINTER, NULL, NULL, 0, NULL, NULL,                                             \
      "\"NAME=VALUE\" array the settings' environment variables are read from")                    \
    X(budget_co2eq_g, DOUBLE, NAN, NULL, 0, "budget-co2eq", "GRAMS",                               \
      "a CO2eq budget for the run in grams (PUE included)")                                        \
    X(budget_kwh, DOUBLE, NAN, NULL, 0, "budget-kwh", "KWH",                                       \
      "an energy budget for the run in kWh (PUE included)")                                        \
    X(budget_action, STRING, NULL, NULL, CT__OPT_OWNED, "budget-action", "ACTION",                 \
      "when the budget is reached: warn (default) or stop")
/* clang-format on */

/* Number of rows (= fields of ct_options). */
#define CT__OPTS_COUNT_ROW(f, type, def, env, flags, cli, arg, help) +1
#define CT__OPTS_N_FIELDS (0 CT__OPTIONS_TABLE(CT__OPTS_COUNT_ROW))

/*
 * Bytes of ct_options as each CT_OPTIONS_VERSION defined it (the end of its last field), indexed
 * by version; 0 = no such version. A new version appends the end of its own last field, so a
 * caller built against an older header is copied only up to the end of its smaller struct.
 */
#define CT__OPTIONS_V1_END                                                                         \
    (offsetof(ct_options, geolocation_url) + sizeof(((ct_options *)0)->geolocation_url))
#define CT__OPTIONS_V2_END                                                                         \
    (offsetof(ct_options, environment) + sizeof(((ct_options *)0)->environment))
#define CT__OPTIONS_V3_END                                                                         \
    (offsetof(ct_options, budget_action) + sizeof(((ct_options *)0)->budget_action))
#define CT__OPTIONS_SIZES                                                                          \
    {                                                                                              \
        0, CT__OPTIONS_V1_END, CT__OPTIONS_V2_END, CT__OPTIONS_V3_END                              \
    }

/* ct__options_size(version): the table above; 0 for an unknown version. */
size_t ct__options_size(unsigned version);

/* The bytes of a caller's ct_options that the library may write: its version's size, or the
 * whole struct for a version this library does not know (0 or newer: as direct assignment). */
size_t ct__options_writable(unsigned version);

/* The table as data, in the struct's order (options.c). */
struct ct__option_row {
    ct_option_desc d; /* what ct_option_info() gives */
    int flags;        /* CT__OPT_* */
};
extern const struct ct__option_row ct__option_rows[];

/* The row of a field name, or NULL. */
const struct ct__option_row *ct__option_find(const char *name);

/* ct__redact_secret() for every CT__OPT_SECRET field of `o`. */
void ct__opts_redact(char *text, const ct_options *o);

#endif
