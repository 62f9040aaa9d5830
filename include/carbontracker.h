/*
 * carbontracker.h - the public API of libcarbontracker.
 *
 * libcarbontracker measures the energy a training run uses (CPU packages, DRAM, GPUs), converts
 * it into CO2eq with the local grid's carbon intensity and the data centre's PUE, predicts the
 * whole run from its first epochs, and writes logs that upstream carbontracker's parser reads.
 *
 * Ownership in two lines: strings passed in are copied when kept; every object returned through
 * an `**out` parameter is owned by the caller and released with the matching ct_*_free()/ct_free().
 * The library never prints, never exits and never reads the environment: configuration arrives
 * in ct_options, console text leaves through the ct_options.message callback.
 *
 * Threads: a tracker is used from one thread at a time (the training loop's). Internally it runs
 * a sampler thread; ct_stop() and ct_tracker_free() join it promptly.
 *
 * Units are in every name: energy_j / energy_uj (joules / microjoules), duration_s (seconds),
 * power_w (watts), co2eq_g (grams CO2eq), intensity_g_per_kwh (gCO2eq per kWh).
 */
#ifndef CARBONTRACKER_H
#define CARBONTRACKER_H

#include <math.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CT_API __attribute__((visibility("default")))
#else
#define CT_API
#endif

/* Version. Same major version = ABI compatible: every struct the API fills or reads carries a
 * version, and the library honours the layout of each version (see "Versioned result structs").
 * The minor version grows with the API (0.2: ct_epoch_result version 2, ct_summary version 3,
 * ct_device_energy versioned, the device accessors; 0.3: ct_options version 3 (the budget),
 * CT_EBUDGET, ct_get_live, ct_advise, ct_zones_json, the node agent's ct_agent_*, and the parse
 * functions ct_parse_run_bytes, ct_parse_messages, ct_parse_json_write, ct_parse_json_reduced,
 * ct_parse_jobs_json). */
#define CT_VERSION_MAJOR 0
#define CT_VERSION_MINOR 3
#define CT_VERSION_PATCH 0
#define CT_VERSION_HEX ((CT_VERSION_MAJOR << 16) | (CT_VERSION_MINOR << 8) | CT_VERSION_PATCH)
#define CT_VERSION_STRING "0.3.0"
#define CT_VERSION_CHECK(x, y, z) (CT_VERSION_HEX >= (((x) << 16) | ((y) << 8) | (z)))

/** Version of the library actually loaded (CT_VERSION_HEX of its build). Thread-safe. */
CT_API unsigned ct_version(void);
/** Version string of the library actually loaded, e.g. "0.3.0". Static storage. */
CT_API const char *ct_version_string(void);

/*
 * Status codes. 0 is success, errors are negative. Codes are never renumbered.
 * X(name, value, description)
 */
#define CT_STATUS_MAP(X)                                                                           \
    X(OK, 0, "success")                                                                            \
    X(ERROR, -1, "unspecified error")                                                              \
    X(EINVAL, -2, "invalid argument")                                                              \
    X(ENOMEM, -3, "out of memory")                                                                 \
    X(ENOTSUP, -4, "not available on this machine")                                                \
    X(EPERM, -5, "permission denied")                                                              \
    X(EIO, -6, "input/output error")                                                               \
    X(ESTATE, -7, "call not valid in the tracker's current state")                                 \
    X(ENODEV, -8, "no energy meter available")                                                     \
    X(ETHREAD, -9, "could not start a thread")                                                     \
    X(ESTOPPED, -10, "the user chose to stop training")                                            \
    X(EBUDGET, -11, "the carbon budget stopped training")

typedef enum ct_status {
#define CT__STATUS_ENUM(name, value, text) CT_##name = value,
    CT_STATUS_MAP(CT__STATUS_ENUM)
#undef CT__STATUS_ENUM
} ct_status;

/** Short description of a status code ("permission denied"). Static storage; unknown codes
 *  give "unknown status". Thread-safe. */
CT_API const char *ct_strerror(int status);
/** Name of a status code without prefix ("EPERM", "OK"); NULL for unknown codes. */
CT_API const char *ct_status_name(int status);

/** Where a device's energy figure comes from. Shown next to every number. */
typedef enum ct_provenance {
    CT_PROVENANCE_MEASURED = 0,   /* hardware energy counter (RAPL energy_uj, NVML total energy) */
    CT_PROVENANCE_INTEGRATED = 1, /* trapezoid rule over measured power samples */
    CT_PROVENANCE_ESTIMATED = 2,  /* model: TDP x measured utilisation */
    CT_PROVENANCE_SIMULATED = 3   /* --sim-cpu / --sim-gpu: constant watts */
} ct_provenance;

/** "measured", "integrated", "estimated", "simulated"; "unknown" otherwise. Static storage. */
CT_API const char *ct_provenance_name(int provenance);

/** Message levels delivered to ct_options.message. */
typedef enum ct_level {
    CT_LEVEL_OUTPUT = 0,  /* upstream's console output ("CarbonTracker: ...") */
    CT_LEVEL_INFO = 1,    /* extra information, delivered only when verbose >= 2 */
    CT_LEVEL_WARNING = 2, /* "CarbonTracker: WARNING - ..."; always delivered */
    CT_LEVEL_ERROR = 3    /* "CarbonTracker: ERROR - ..."; always delivered */
} ct_level;

/**
 * Console callback. `text` is a complete message without the final newline (it may contain
 * newlines, e.g. the consumption block), formatted exactly as upstream prints it. Called from the
 * thread that made the tracker call (epoch_start/epoch_end/stop/open/free); never from the
 * sampler thread. Output-level messages are filtered by ct_options.verbose before the call.
 */
typedef void (*ct_message_fn)(void *user, int level, const char *text);

/** A ready-made ct_message_fn: writes `text` and a newline to stdout and flushes. */
CT_API void ct_message_stdout(void *user, int level, const char *text);

/**
 * stop_and_confirm callback: asked after the prediction is printed. `question` is upstream's
 * "Continue training (y/n)?". Return 1 to continue, 0 to stop (ct_epoch_end then returns
 * CT_ESTOPPED and the tracker finishes as if ct_stop() had been called).
 */
typedef int (*ct_confirm_fn)(void *user, const char *question);

#define CT_OPTIONS_VERSION 3 /* 2: settings, environment; 3: the budget */

/**
 * Tracker options. Initialise with CT_OPTIONS_INIT or ct_options_init(), then set fields.
 * Strings are copied by ct_tracker_open(). NaN in a double means "not given".
 * Versioned: new fields are added only at the end, with a new CT_OPTIONS_VERSION; the library
 * reads only as many bytes as the caller's `version` defined (see ct_options_init_version()).
 */
typedef struct ct_options {
    unsigned version; /* CT_OPTIONS_VERSION */

    int epochs;                  /* total epochs of the training loop (> 0); used for prediction */
    int epochs_before_pred;      /* epochs measured before the prediction is printed; default 1;
                                    0 = no prediction; -1 = all epochs */
    int monitor_epochs;          /* epochs to monitor; the actual consumption is printed and
                                    monitoring ends when reached; -1 (default) = all epochs */
    double update_interval_s;    /* sampling period in seconds, default 1, fractional allowed;
                                    shortened automatically when a counter could wrap sooner */
    const char *components;      /* "all" (default), "cpu", "gpu", "gpu,cpu", ... */
    const char *log_dir;         /* directory for the three upstream log files; NULL = no files */
    const char *log_file_prefix; /* prefix for log file names; NULL or "" = none */
    int verbose;                 /* 0 = no output-level messages, 1 (default) = upstream's output,
                                    2 = also CT_LEVEL_INFO messages */
    int decimal_precision;       /* digits after the point for energy, CO2eq, equivalents; 12 */
    int interpretable;           /* 1 (default): also print "km travelled by car" */
    double pue;                  /* power usage effectiveness, default 1.58 (NaN = default) */
    const char *zone;            /* grid zone or ISO 3166 alpha-2 country ("DK", "NA"); NULL =
                                    detect from the time zone */

    const char *sim_cpu;  /* simulated CPU name; needs sim_cpu_tdp_w */
    double sim_cpu_tdp_w; /* simulated CPU TDP in watts, >= 0 */
    double sim_cpu_util;  /* utilisation 0..1, NaN = 0.5 */
    const char *sim_gpu;  /* simulated GPU name; needs sim_gpu_watts */
    double sim_gpu_watts; /* simulated GPU power in watts, >= 0 */
    double sim_gpu_util;  /* utilisation 0..1, NaN = 0.5 */

    /* Seams: where the outside world is. NULL = the real location. */
    const char *sysfs_root;     /* "/sys" */
    const char *proc_root;      /* "/proc" */
    const char *tz;             /* time zone name (the TZ environment variable's value, e.g.
                                   "Europe/Copenhagen" or ":Europe/Copenhagen"); NULL = read
                                   localtime_path */
    const char *localtime_path; /* "/etc/localtime" (a symlink into zoneinfo_dir, or a copy) */
    const char *zoneinfo_dir;   /* "/usr/share/zoneinfo" (holds zone.tab / zone1970.tab) */
    int include_psys;           /* 1: measure the RAPL psys (platform) zone instead of
                                   package + dram; default 0 */

    ct_message_fn message; /* console text; NULL = silent */
    void *message_user;
    ct_confirm_fn confirm; /* stop_and_confirm; NULL = never ask */
    void *confirm_user;

    /* GPUs (NVIDIA through NVML, loaded at run time). */
    const char *nvml_library;         /* NULL = "libnvidia-ml.so.1" */
    const char *cuda_visible_devices; /* the CUDA_VISIBLE_DEVICES value: NULL = unset (all
                                         GPUs), "" = no GPU, else indices, GPU-<uuid> or MIG-...
                                         entries (see ct_options_from_env) */
    int devices_by_pid;               /* 1: only GPUs running a process of the tracked tree */
    int tracked_pid;                  /* root of the tracked process tree; 0 = the caller */

    /* Live carbon intensity (doc/carbon.md). All network traffic runs on the tracker's carbon
       thread: epoch calls never wait for it and ct_stop() cancels a request in flight. */
    int live;                            /* 1: fetch live intensity and forecasts every
                                            carbon_refresh_s, and locate the machine by IP when no
                                            zone/coordinates are given; 0 (default): offline, the
                                            yearly table for the zone or time zone, no network */
    const char *electricitymaps_api_key; /* Electricity Maps auth token (upstream's api_keys
                                            {"electricitymaps": KEY}); NULL = none. Sent only in
                                            the auth-token header, never logged */
    double latitude, longitude;          /* degrees, NaN = unset (give both or neither) */
    const char *postcode;                /* GB postcode or outward code ("RG41") for regional
                                            data from carbonintensity.org.uk; alone it means GB */
    double carbon_refresh_s;             /* seconds between fetches; NaN = 900 (upstream) */
    double http_timeout_s;               /* limit for one request; NaN = 10 */
    const char *electricitymaps_url;     /* NULL = "https://api.electricitymap.org/v3" */
    const char *ukgrid_url;              /* NULL = "https://api.carbonintensity.org.uk" */
    const char *energidataservice_url;   /* NULL = "https://api.energidataservice.dk" */
    const char *geolocation_url;         /* ipinfo-compatible, GET <url>/json; NULL =
                                            "https://ipinfo.io" */

    /* Since version 2. The settings that meters and carbon providers declare (a library path, a
       service URL, an API key; ct_setting_info() lists them), as "<backend>.<key>=VALUE"
       strings in a NULL-terminated array, e.g. {"ukgrid.url=http://127.0.0.1:8080", NULL};
       NULL = none. A later entry for the same setting wins; the fields above that name a
       setting (nvml_library, electricitymaps_api_key, the *_url fields) win over both. Read by
       ct_tracker_open() (not kept); an unknown name is CT_EINVAL. */
    const char *const *settings;
    /* Since version 2. Where the settings' environment variables are looked up: "NAME=VALUE"
       strings in a NULL-terminated array (the process's `environ`); NULL = none. Set by
       ct_options_from_env(); read by ct_tracker_open() (not kept). */
    const char *const *environment;

    /* Since version 3. A budget for the run (beyond upstream): the CO2eq in grams and/or the
       energy in kWh (both PUE included, as printed) the run may use; NaN = none. Checked against
       the prediction (when it is made) and against the running total at every sample.
       budget_action: "warn" (NULL or default: say so once, go on) or "stop" (ct_epoch_end
       returns CT_EBUDGET and the tracker finishes as after ct_stop(); ct_get_live() reports
       stop_requested for a caller that runs the work elsewhere, as the command does). In a
       distributed job the budget will be the job's, decided by the rank that prints the
       prediction (not built yet: each tracker decides for itself). */
    double budget_co2eq_g;
    double budget_kwh;
    const char *budget_action;
} ct_options;

#define CT_OPTIONS_INIT                                                                            \
    {                                                                                              \
        .version = CT_OPTIONS_VERSION, .epochs = 1, .epochs_before_pred = 1, .monitor_epochs = -1, \
        .update_interval_s = 1.0, .components = "all", .log_dir = NULL, .log_file_prefix = NULL,   \
        .verbose = 1, .decimal_precision = 12, .interpretable = 1, .pue = NAN, .zone = NULL,       \
        .sim_cpu = NULL, .sim_cpu_tdp_w = NAN, .sim_cpu_util = NAN, .sim_gpu = NULL,               \
        .sim_gpu_watts = NAN, .sim_gpu_util = NAN, .sysfs_root = NULL, .proc_root = NULL,          \
        .tz = NULL, .localtime_path = NULL, .zoneinfo_dir = NULL, .include_psys = 0,               \
        .message = NULL, .message_user = NULL, .confirm = NULL, .confirm_user = NULL,              \
        .nvml_library = NULL, .cuda_visible_devices = NULL, .devices_by_pid = 0, .tracked_pid = 0, \
        .live = 0, .electricitymaps_api_key = NULL, .latitude = NAN, .longitude = NAN,             \
        .postcode = NULL, .carbon_refresh_s = NAN, .http_timeout_s = NAN,                          \
        .electricitymaps_url = NULL, .ukgrid_url = NULL, .energidataservice_url = NULL,            \
        .geolocation_url = NULL, .settings = NULL, .environment = NULL, .budget_co2eq_g = NAN,     \
        .budget_kwh = NAN, .budget_action = NULL                                                   \
    }

/** Fill `o` with the defaults of CT_OPTIONS_INIT (for bindings that cannot use the macro);
 *  the same as ct_options_init_version(o, CT_OPTIONS_VERSION). */
CT_API void ct_options_init(ct_options *o);

/**
 * Fill `o` with the defaults of the ct_options that CT_OPTIONS_VERSION `version` defined, and set
 * o->version: only that version's bytes are written, so a caller built against an older header
 * (a smaller struct) is safe with a newer library. ct_tracker_open() reads the same number of
 * bytes and gives the fields of later versions their defaults.
 * @return CT_OK; CT_EINVAL when `o` is NULL or `version` is 0 or newer than the library (`o`
 *         untouched). Thread-safe.
 */
CT_API int ct_options_init_version(ct_options *o, unsigned version);

/* ---- Options by name: the library's table of ct_options fields ------------------------------
 *
 * Every field of ct_options is described by one entry, in the struct's order, so that bindings
 * and the command can check their mirrors, read environment and command-line values generically
 * and print help. Entries are static and immutable (thread-safe).
 */

/** What a field holds. */
typedef enum ct_option_type {
    CT_OPTION_INT = 0,      /* int */
    CT_OPTION_UINT = 1,     /* unsigned (only `version`) */
    CT_OPTION_DOUBLE = 2,   /* double; NaN = not given */
    CT_OPTION_STRING = 3,   /* const char *; NULL = not given */
    CT_OPTION_CALLBACK = 4, /* a function pointer (message, confirm) */
    CT_OPTION_POINTER = 5   /* void * (a callback's user argument) */
} ct_option_type;

/** One field of ct_options. Grows only at the end. */
typedef struct ct_option_desc {
    const char *name;     /* the field's name, e.g. "update_interval_s" */
    int type;             /* ct_option_type */
    size_t offset;        /* offsetof(ct_options, name) */
    size_t size;          /* sizeof the field */
    const char *env;      /* the variable ct_options_from_env() reads for it, or NULL */
    const char *cli_name; /* the carbontracker command's option, spelt as its --help spells it
                             ("log_dir", "sim-cpu"; '_' and '-' are the same), or NULL */
    const char *cli_arg;  /* that option's value name in --help ("DIR"); NULL = a flag that
                             sets the field to 1 */
    const char *help;     /* one line: the command's --help text, or what the field is */
    int secret;           /* 1: never printed or logged (electricitymaps_api_key) */
    int owned;            /* 1: a string ct_tracker_open() copies */
} ct_option_desc;

/** Number of fields of ct_options this library knows (entries of ct_option_info()). */
CT_API size_t ct_option_count(void);

/** The `i`th field of ct_options (0-based, in the struct's order); NULL when i >=
 *  ct_option_count(). Static storage. */
CT_API const ct_option_desc *ct_option_info(size_t i);

/**
 * Set the field called `name` (ct_option_desc.name) from text, as a command line or a
 * configuration file gives it. Strings are stored as the pointer `value` (as a direct
 * assignment: keep it alive until ct_tracker_open()). Numbers are read strictly: an int in
 * decimal ([+-]digits, within int's range), a double in decimal notation (digits, '.', sign,
 * exponent; no spaces, hex, inf or nan). A NULL `value` puts the field back to its default.
 * Range checks beyond the type are ct_tracker_open()'s.
 * @param errbuf  optional; on failure receives a text naming the option and the value, e.g.
 *                "invalid number 'abc' for update_interval_s".
 * @return CT_OK; CT_EINVAL (NULL `o`, unknown name, malformed number, or a field that cannot be
 *         set from text: version, callbacks, pointers; `o` untouched).
 */
CT_API int ct_options_set(ct_options *o, const char *name, const char *value, char *errbuf,
                          size_t errlen);

/* ---- Settings of the meters and carbon providers ------------------------------------------
 *
 * Each meter and carbon provider declares its own settings (a library path, a service URL, an API
 * key). They are set through ct_options.settings ("<backend>.<key>=VALUE"), through their
 * environment variable (ct_options.environment, filled by ct_options_from_env()), and, for API
 * keys, with ct_set_api_key(). Entries are static and immutable (thread-safe).
 */

/** One setting of a meter or a carbon provider. Grows only at the end. */
typedef struct ct_setting_desc {
    const char *backend;       /* the meter or provider: "nvml", "electricitymaps", "ukgrid" */
    const char *key;           /* "library", "url", "api_key"; the setting is "<backend>.<key>" */
    const char *env;           /* the environment variable that sets it, or NULL */
    const char *default_value; /* the value when nothing sets it, or NULL */
    int secret;                /* 1: never printed or logged (API keys) */
    const char *help;          /* one line */
} ct_setting_desc;

/** Number of settings the library's meters and providers declare. Thread-safe. */
CT_API size_t ct_setting_count(void);
/** Setting `i` (0 .. ct_setting_count() - 1) in registry order, or NULL. Static storage. */
CT_API const ct_setting_desc *ct_setting_info(size_t i);

/** sizeof() of a public struct as this library was built, i.e. of its current version
 *  (CT_OPTIONS_VERSION, CT_EPOCH_RESULT_VERSION, ...): "ct_options", "ct_epoch_result",
 *  "ct_summary", "ct_device_energy", "ct_live", "ct_advice" or "ct_option_desc"; 0 for any
 *  other name. For
 *  bindings that mirror the structs (the Python package checks its ctypes layouts against it).
 *  Thread-safe. */
CT_API size_t ct_struct_size(const char *name);

/**
 * The one place the library reads the environment, and only when asked: set the seams and
 * selections that users expect from their environment, for fields still at their defaults:
 * CARBONTRACKER_ZONE -> zone, CARBONTRACKER_SYSFS_ROOT -> sysfs_root, CARBONTRACKER_PROC_ROOT
 * -> proc_root, TZ -> tz, CARBONTRACKER_LOCALTIME -> localtime_path, CARBONTRACKER_ZONEINFO ->
 * zoneinfo_dir, CARBONTRACKER_PUE -> pue, CARBONTRACKER_NVML_LIBRARY -> nvml_library,
 * CUDA_VISIBLE_DEVICES -> cuda_visible_devices (an empty value is kept: it means no GPU),
 * ELECTRICITYMAPS_API_KEY -> electricitymaps_api_key, CARBONTRACKER_ELECTRICITYMAPS_URL,
 * CARBONTRACKER_UKGRID_URL, CARBONTRACKER_ENERGIDATASERVICE_URL, CARBONTRACKER_GEOLOCATION_URL
 * -> the *_url fields. It never turns `live` on. The strings point into the environment: call
 * ct_tracker_open() before changing it.
 * @return CT_OK, or CT_EINVAL when CARBONTRACKER_PUE is not a number (the field is left).
 * Not thread-safe against concurrent setenv().
 */
CT_API int ct_options_from_env(ct_options *o);

/** Opaque tracker handle. */
typedef struct ct_tracker ct_tracker;

/**
 * Validate options, find the energy meters, locate the grid zone, open the log files and start
 * the sampler thread. Prints (through the message callback) the components found.
 *
 * @param out     receives the tracker; set to NULL on failure. Free with ct_tracker_free().
 * @param opts    options; copied.
 * @param errbuf  optional buffer for the failure's detail text (upstream's ValueError texts for
 *                invalid options, e.g. "monitor_epochs cannot be zero"); may be NULL.
 * @return CT_OK; CT_EINVAL (invalid option); CT_ENODEV (no component could be measured);
 *         CT_EIO (log directory or files could not be created); CT_ENOMEM; CT_ETHREAD.
 */
CT_API int ct_tracker_open(ct_tracker **out, const ct_options *opts, char *errbuf, size_t errlen);

/*
 * Versioned result structs (as libgit2's option structs). Each struct the library fills starts
 * with `unsigned version`: set it to the header's CT_*_VERSION (the CT_*_INIT macros and the
 * ct_*_init() functions do). The library writes exactly the bytes that version of the struct
 * had, never more, so a program built against an older carbontracker.h keeps working with a
 * newer library; a version this library does not know (0, or newer than it) is refused with
 * CT_EINVAL and nothing is written. Per-device figures are not part of any struct: they come one
 * device at a time from ct_epoch_device() and ct_summary_device(), so the number of devices a
 * tracker supports is not part of the ABI.
 */

/** Maximum number of devices a tracker measures (devices beyond it are not counted). Not part of
 *  the ABI: no public struct has an array of this size. */
#define CT_MAX_DEVICES 64

/* 1: the first versioned layout (the result structs of version 1 and 2 of ct_summary and 1 of
 *    ct_epoch_result held arrays of it without the version field). */
#define CT_DEVICE_ENERGY_VERSION 1

/** One device's share of an epoch or of the run, from ct_epoch_device() or ct_summary_device().
 *  Energies are before PUE. */
typedef struct ct_device_energy {
    unsigned version;  /* set to CT_DEVICE_ENERGY_VERSION by the caller */
    char component[8]; /* "cpu" or "gpu" (DRAM counts as cpu, as upstream) */
    char name[96];     /* upstream label: "cpu:0", "dram:0", a GPU or CPU model name */
    char meter[24];    /* "rapl-powercap", "cpu-tdp", "nvml", "sim-cpu", "sim-gpu", ... */
    int provenance;    /* ct_provenance */
    int lost;          /* 1: the device stopped answering; energy is what was measured before */
    double energy_j;   /* energy in joules, before PUE */
    char uuid[96];     /* GPU UUID ("GPU-..."), "" when the meter has none */
    int index;         /* the meter's device index (NVML index for GPUs), -1 when none */
} ct_device_energy;

#define CT_DEVICE_ENERGY_INIT                                                                      \
    {                                                                                              \
        .version = CT_DEVICE_ENERGY_VERSION                                                        \
    }

/**
 * Zero the bytes that CT_DEVICE_ENERGY_VERSION `version` defined and set d->version.
 * @return CT_OK; CT_EINVAL when `d` is NULL or `version` is 0 or newer than the library knows
 *         (`d` untouched). Thread-safe.
 */
CT_API int ct_device_energy_init(ct_device_energy *d, unsigned version);

/* 1: with `ct_device_energy devices[64]` (without its version field) after n_devices;
 * 2: no device array (ct_epoch_device() gives each device). */
#define CT_EPOCH_RESULT_VERSION 2

/** Result of one epoch, filled by ct_epoch_end(). Energies before PUE unless named _pue. */
typedef struct ct_epoch_result {
    unsigned version;           /* set to CT_EPOCH_RESULT_VERSION by the caller */
    int epoch;                  /* 1-based epoch number */
    double duration_s;          /* wall time between epoch_start and epoch_end (monotonic clock) */
    double energy_j;            /* all devices */
    double cpu_energy_j;        /* CPU + DRAM devices */
    double gpu_energy_j;        /* GPU devices */
    double cpu_power_w;         /* cpu_energy_j / duration_s */
    double gpu_power_w;         /* gpu_energy_j / duration_s */
    double energy_kwh_pue;      /* energy_j / 3.6e6 x PUE, as upstream prints */
    double intensity_g_per_kwh; /* carbon intensity in force */
    double co2eq_g;             /* energy_kwh_pue x intensity */
    int n_devices;              /* devices measured: ct_epoch_device(t, 0 .. n_devices-1) */
} ct_epoch_result;

#define CT_EPOCH_RESULT_INIT                                                                       \
    {                                                                                              \
        .version = CT_EPOCH_RESULT_VERSION                                                         \
    }

/**
 * Zero the bytes that CT_EPOCH_RESULT_VERSION `version` defined and set r->version (for bindings
 * and callers that cannot use CT_EPOCH_RESULT_INIT).
 * @return CT_OK; CT_EINVAL when `r` is NULL or `version` is 0 or newer than the library knows
 *         (`r` untouched). Thread-safe.
 */
CT_API int ct_epoch_result_init(ct_epoch_result *r, unsigned version);

/**
 * Start an epoch: reads every energy counter (microseconds, no other I/O).
 * @return CT_OK; CT_ESTATE if an epoch is already open. After monitoring has ended (monitor_epochs
 *         reached or ct_stop()) this is a no-op returning CT_OK, as upstream.
 */
CT_API int ct_epoch_start(ct_tracker *t);

/**
 * End the epoch: reads every counter, computes the epoch's energy (counter at end minus counter
 * at start), writes the per-epoch log lines, prints the prediction after epochs_before_pred
 * epochs and the actual consumption after monitor_epochs epochs (then monitoring ends).
 * @param out  optional; receives the epoch's measurements, written only up to the end of the
 *             struct as out->version defined it (set it first: CT_EPOCH_RESULT_INIT). Each
 *             device's share: ct_epoch_device().
 * @return CT_OK; CT_EINVAL for a NULL tracker, or an out->version of 0 or newer than the library
 *         knows (ct_errmsg says which; the epoch stays open, out untouched); CT_ESTATE without a
 *         matching ct_epoch_start() (out untouched); CT_ESTOPPED when the confirm callback said
 *         stop; CT_EBUDGET when budget_action is "stop" and the budget is spent or the prediction
 *         exceeds it (out holds the epoch; the tracker finished as after ct_stop(); the summary
 *         says why). After monitoring ended: no-op, CT_OK, out->epoch = 0 (the rest zeroed).
 */
CT_API int ct_epoch_end(ct_tracker *t, ct_epoch_result *out);

/**
 * Device `i` of the latest completed epoch (the one the last ct_epoch_end() that counted
 * returned): its name, meter, provenance, energy in joules before PUE and whether it was lost at
 * the epoch's end. Devices are numbered 0 .. n_devices-1 in the order of ct_epoch_result and of
 * ct_summary_device(); before the first epoch completes, energy_j is 0. The figures stay
 * readable after monitoring ended.
 * @param out  receives the device, written only up to the end of the struct as out->version
 *             defined it (set it first: CT_DEVICE_ENERGY_INIT). Owned by the caller.
 * @return CT_OK; CT_EINVAL when `t` or `out` is NULL, `i` is not below the tracker's device
 *         count, or out->version is 0 or newer than the library knows (out untouched; for a bad
 *         version ct_errmsg says which). Thread: the tracker's (one thread at a time).
 */
CT_API int ct_epoch_device(const ct_tracker *t, size_t i, ct_device_energy *out);

/**
 * Finish monitoring early (or at the end of a loop whose monitor_epochs was not reached):
 * prints and logs the actual consumption of the epochs completed so far (an epoch still open
 * is not counted, and the log says so), stops the sampler and closes the logs. Idempotent.
 * @return CT_OK.
 */
CT_API int ct_stop(ct_tracker *t);

/* 1: with `ct_device_energy devices[64]` (without its version field) after n_devices;
 * 2: caller_cpu_s, carbon_cpu_s, sampler_cpu_s added after devices[];
 * 3: no device array (ct_summary_device() gives each device). */
#define CT_SUMMARY_VERSION 3

/** Totals of a run, readable at any time, also after ct_stop(). */
typedef struct ct_summary {
    unsigned version;  /* set to CT_SUMMARY_VERSION by the caller */
    int epochs;        /* completed epochs counted in the totals */
    int early_stop;    /* ct_stop() ended monitoring before monitor_epochs */
    int finished;      /* monitoring has ended */
    double duration_s; /* sum of the counted epochs' durations */
    double energy_j;   /* sum over counted epochs and devices, before PUE */
    double energy_kwh; /* energy_j / 3.6e6 x pue: the number printed as Energy */
    double pue;
    double intensity_g_per_kwh;
    double co2eq_g;
    double km_by_car;          /* co2eq_g / 107.5 (EEA 2020 new EU car) */
    char intensity_source[64]; /* e.g. "table:owid:DK:2023" or "default:world:2019" */
    char zone[16];             /* zone/country used, "" when unknown (world average) */
    char location[128];        /* upstream's "detected location" text */
    char location_method[24];  /* "option", "timezone", "none" */
    int predicted;             /* 1 when a prediction was made */
    int pred_epochs;
    double pred_duration_s;
    double pred_energy_kwh; /* PUE included, as printed */
    double pred_co2eq_g;
    double tracker_cpu_s; /* CPU time (s) the tracker used so far, the measurement's overhead:
                             sampler_cpu_s + caller_cpu_s + carbon_cpu_s */
    int n_devices;        /* devices measured: ct_summary_device(t, 0 .. n_devices-1) */
    double caller_cpu_s;  /* CPU time (s) of the caller's thread inside ct_tracker_open(),
                             ct_epoch_start(), ct_epoch_end() and ct_stop() (probing, logs,
                             messages, boundary reads) */
    double carbon_cpu_s;  /* CPU time (s) of the carbon thread (live intensity: loading libcurl,
                             geolocation, fetches); 0 offline */
    double sampler_cpu_s; /* CPU time (s) of the sampler thread */
} ct_summary;

#define CT_SUMMARY_INIT                                                                            \
    {                                                                                              \
        .version = CT_SUMMARY_VERSION                                                              \
    }

/**
 * Zero the bytes that CT_SUMMARY_VERSION `version` defined and set s->version (for bindings and
 * callers that cannot use CT_SUMMARY_INIT).
 * @return CT_OK; CT_EINVAL when `s` is NULL or `version` is 0 or newer than the library knows
 *         (`s` untouched). Thread-safe.
 */
CT_API int ct_summary_init(ct_summary *s, unsigned version);

/**
 * Copy the run's totals into `out`, written only up to the end of the struct as out->version
 * defined it (set it first: CT_SUMMARY_INIT). Each device's share: ct_summary_device().
 * @return CT_OK; CT_EINVAL when `t` or `out` is NULL or out->version is 0 or newer than the
 *         library knows (out untouched; ct_errmsg says which). Thread: the tracker's.
 */
CT_API int ct_get_summary(const ct_tracker *t, ct_summary *out);

/**
 * Device `i`'s share of the run: its name, meter, provenance, the energy of the counted epochs in
 * joules before PUE (what the JSON summary's devices[i].energy_j shows) and whether it stopped
 * answering. Devices are numbered 0 .. n_devices-1 as in ct_summary and ct_epoch_device().
 * @param out  receives the device, written only up to the end of the struct as out->version
 *             defined it (set it first: CT_DEVICE_ENERGY_INIT). Owned by the caller.
 * @return CT_OK; CT_EINVAL when `t` or `out` is NULL, `i` is not below the tracker's device
 *         count, or out->version is 0 or newer than the library knows (out untouched; for a bad
 *         version ct_errmsg says which). Thread: the tracker's (one thread at a time).
 */
CT_API int ct_summary_device(const ct_tracker *t, size_t i, ct_device_energy *out);

/* Budget states (ct_live.budget). */
#define CT_BUDGET_NONE 0      /* no budget set */
#define CT_BUDGET_WITHIN 1    /* set, not spent, and the prediction (if any) stays within it */
#define CT_BUDGET_PREDICTED 2 /* the prediction exceeds it */
#define CT_BUDGET_SPENT 3     /* the running total reached it */

/* 1: the first layout. */
#define CT_LIVE_VERSION 1

/** The run as it stands now, between epoch boundaries included (ct_get_live()). Energies and
 *  CO2eq cover everything measured since ct_tracker_open(); kWh and grams include the PUE. */
typedef struct ct_live {
    unsigned version;           /* set to CT_LIVE_VERSION by the caller */
    double elapsed_s;           /* since ct_tracker_open() */
    double power_w;             /* all devices, over the latest sampling interval */
    double energy_j;            /* all devices since open, before PUE */
    double energy_kwh;          /* energy_j / 3.6e6 x PUE */
    double co2eq_g;             /* completed epochs plus the open one, energy-weighted */
    double intensity_g_per_kwh; /* in force now */
    char intensity_source[64];  /* where it comes from, as ct_summary.intensity_source */
    int budget;                 /* CT_BUDGET_* */
    double budget_used;         /* the larger share of the CO2eq / kWh budget spent (1 = all);
                                   NaN without a budget */
    int stop_requested;         /* 1: budget_action "stop" and the budget is spent or predicted
                                   to be exceeded: end the work now */
    int finished;               /* monitoring has ended */
} ct_live;

#define CT_LIVE_INIT                                                                               \
    {                                                                                              \
        .version = CT_LIVE_VERSION                                                                 \
    }

/**
 * The run's figures now, for a status line or a budget watchdog: read under the tracker's locks,
 * so it may be called from any thread at any time between ct_tracker_open() and
 * ct_tracker_free(), also while another thread is in an epoch call. Costs no I/O.
 * @param out  written up to the end of the struct as out->version defined it (CT_LIVE_INIT).
 * @return CT_OK; CT_EINVAL when `t` or `out` is NULL or out->version is 0 or newer than the
 *         library knows (out untouched).
 */
CT_API int ct_get_live(const ct_tracker *t, ct_live *out);

/** Zero the bytes that CT_LIVE_VERSION `version` defined and set l->version. @return CT_OK;
 *  CT_EINVAL when `l` is NULL or `version` is 0 or newer than the library knows. Thread-safe. */
CT_API int ct_live_init(ct_live *l, unsigned version);

/**
 * The run's summary as a JSON object (fields documented in carbontracker(1)).
 * @param json  receives a NUL-terminated string; free it with ct_free().
 * @return CT_OK, CT_ENOMEM.
 */
CT_API int ct_summary_json(const ct_tracker *t, char **json);

/**
 * Describe what this machine can measure, and why not, without starting a tracker: for each
 * meter the status ("ok", "not-here", "error"), the reason or fix, and its devices.
 * @param opts  the seams and components to probe (NULL = defaults).
 * @param json  receives a JSON object {"meters":[...], "zone":..., ...}; free with ct_free().
 * @return CT_OK, CT_ENOMEM, CT_EINVAL.
 */
CT_API int ct_probe_json(const ct_options *opts, char **json);

/* 1: the first layout. */
#define CT_ADVICE_VERSION 1

/** The greenest time to start a run of a given duration, from the carbon-intensity forecast
 *  (ct_advise()). Intensities are the forecast's time-weighted means over the run's duration. */
typedef struct ct_advice {
    unsigned version;                /* set to CT_ADVICE_VERSION by the caller */
    double duration_s;               /* the run's duration asked for */
    double best_start_s;             /* UTC seconds since 1970: the start that minimises the mean
                                        intensity over duration_s (the earliest of equals) */
    double best_intensity_g_per_kwh; /* that mean */
    double now_intensity_g_per_kwh;  /* the mean when starting now (NaN when the forecast does
                                        not cover a start now) */
    double saving_percent;           /* (now - best) / now x 100; NaN when now is unknown */
    double now_s;                    /* the time the advice was computed for (UTC seconds) */
    double horizon_end_s;            /* where the forecast ends (UTC seconds) */
    char zone[16];                   /* the zone it is for ("DK", "GB") */
    char source[96];                 /* the provider and its area ("energidataservice:DK1") */
} ct_advice;

#define CT_ADVICE_INIT                                                                             \
    {                                                                                              \
        .version = CT_ADVICE_VERSION                                                               \
    }

/**
 * The greenest time to start a run of `duration_s` seconds within the forecast horizon: every
 * live carbon provider with a forecast that suits the location (ct_options.zone, coordinates,
 * postcode or time zone) is asked in turn, through the network, on the calling thread (each
 * request limited by http_timeout_s), and the first forecast that covers the duration is used.
 * Needs opts->live (the library makes no request otherwise).
 * @param now_s   the time to advise from (UTC seconds); 0 = now.
 * @param out     written up to the end of the struct as out->version defined it.
 * @param errbuf  on failure: what was wrong and what to do ("no carbon intensity forecast for
 *                zone PL: ...", "the forecast ... covers only 6:00:00 from now, less than the
 *                8:00:00 asked for").
 * @return CT_OK; CT_EINVAL (bad options or duration, unknown version, unknown location);
 *         CT_ENOTSUP (offline, no libcurl, no provider with a forecast for the zone); CT_EIO (the
 *         forecasts could not be fetched or do not cover the duration); CT_ENOMEM. Thread-safe.
 */
CT_API int ct_advise(const ct_options *opts, double duration_s, double now_s, ct_advice *out,
                     char *errbuf, size_t errlen);

/**
 * Every grid zone (Electricity Maps zone codes: "DE", "IE", "GB-NIR", ...) that some live
 * carbon-intensity provider serves by name, with its providers in order of preference and
 * whether an API key is needed, as a JSON object:
 * {"zones": [{"zone": "DE", "key_needed": false, "providers": [{"name": "electricitymaps",
 * "key_needed": true, "forecast": true}, {"name": "energycharts", ...}]}, ...],
 * "any_zone": {"key_needed": true, "providers": [...]}} (zones sorted by code; "any_zone" holds
 * the providers that answer for any zone). A zone's key_needed is true when every one of its
 * providers needs a key. Makes no request. Thread-safe.
 * @param json  receives the NUL-terminated text; free it with ct_free().
 * @return CT_OK, CT_EINVAL (json NULL), CT_ENOMEM.
 */
CT_API int ct_zones_json(char **json);

/**
 * Set the root of the tracked process tree after open (e.g. the command's child pid, known only
 * after fork). Meters that select devices by process (devices_by_pid) use it from their next
 * read on. @return CT_OK or CT_EINVAL (pid <= 0). Thread: the caller's.
 */
CT_API int ct_track_pid(ct_tracker *t, int pid);

/**
 * Set an API key after open (upstream's set_api_keys): `provider` is "electricitymaps" (any
 * case); `key` is copied (NULL or "" removes it). A live tracker uses it from its next fetch,
 * which starts at once; an offline tracker turns live fetching on. The key is never logged.
 * @return CT_OK; CT_EINVAL for an unknown provider (ct_errmsg: upstream's "Invalid API name 'x'
 *         given."); CT_ENOMEM. After monitoring ended: CT_OK, no effect. Thread: the caller's.
 */
CT_API int ct_set_api_key(ct_tracker *t, const char *provider, const char *key);

/** Detail text of the tracker's last failure or degradation ("" if none). Owned by the
 *  tracker, valid until its next call. */
CT_API const char *ct_errmsg(const ct_tracker *t);

/** Stop (as ct_stop()) if still running, join threads, close files and free. NULL is fine. */
CT_API void ct_tracker_free(ct_tracker *t);

/** Free memory returned by the library (JSON strings). NULL is fine. */
CT_API void ct_free(void *p);

/**
 * Format `seconds` as upstream's convert_to_timestring: "H:MM:SS" with Python's round-half-even,
 * or "H:MM:SS.ff" when `with_ms`. Writes at most `len` bytes including the NUL.
 * @return CT_OK or CT_EINVAL (buffer too small).
 */
CT_API int ct_timestring(double seconds, int with_ms, char *buf, size_t len);

/* ---- Node agent ----------------------------------------------------------------------------
 *
 * The node agent behind `carbontracker serve` (doc/agent.md): a long-running service that opens
 * every meter of the node once (run by root, it reads the root-only RAPL counters), samples them
 * on one thread and serves them read-only to other users' trackers over a Unix socket (line
 * protocol version 1) and to Prometheus at /metrics. Counters start at 0 when the agent opens.
 * Console text (warnings) leaves through ct_options.message, as for a tracker.
 */
typedef struct ct_agent ct_agent;

/**
 * Open every meter the options select (components, seams, simulation), locate the grid zone, start
 * the carbon thread (live unless opts->live is 0) and the sampler thread (opts->update_interval_s,
 * shortened as the meters need). A node without any meter is an error (CT_ENODEV), as for a
 * tracker.
 * @return CT_OK; CT_EINVAL; CT_ENODEV; CT_ENOMEM; CT_ETHREAD; CT_EIO. errbuf: the detail text.
 */
CT_API int ct_agent_open(ct_agent **out, const ct_options *opts, char *errbuf, size_t errlen);

/**
 * Serve the socket protocol at `path`: created with `mode` (e.g. 0660) and, when gid >= 0, that
 * owner group (the process umask is changed around the bind: call it before starting threads that
 * create files). A stale socket left by a dead agent is replaced; a live agent's is not.
 * @return CT_OK; CT_EINVAL (bad path or mode, the path is not a socket, another agent serves it);
 *         CT_EIO (cannot create, chown or chmod it); CT_ENOMEM. errbuf: the detail text.
 */
CT_API int ct_agent_listen(ct_agent *a, const char *path, unsigned mode, long gid, char *errbuf,
                           size_t errlen);

/**
 * Serve Prometheus metrics at http://HOST:PORT/metrics ("127.0.0.1:9464", "[::1]:9464", ":9464"
 * for every address), on libmicrohttpd's own thread (loaded with dlopen now).
 * @return CT_OK; CT_EINVAL (bad address); CT_ENOTSUP (libmicrohttpd missing); CT_EIO (cannot
 *         listen). errbuf: the detail text.
 */
CT_API int ct_agent_metrics(ct_agent *a, const char *host_port, char *errbuf, size_t errlen);

/** Serve the socket's clients on the calling thread until ct_agent_stop(). CT_OK, CT_ENOMEM. */
CT_API int ct_agent_run(ct_agent *a);

/** Make ct_agent_run() return soon. Async-signal-safe: call it from a SIGTERM handler. */
CT_API void ct_agent_stop(ct_agent *a);

/** Stop the threads, remove the socket and free. NULL is fine. */
CT_API void ct_agent_free(ct_agent *a);

/* ---- Log parser ----------------------------------------------------------------------------
 *
 * Reads the logs of runs - ours and upstream carbontracker's of every version (file names
 * {date}_, {pid}_{date}_ and {prefix_}{pid}.{id}_{date}_carbontracker{,_output}.log) - and gives
 * what upstream's parser.parse_all_logs() and aggregate_consumption() give, with upstream's
 * defects fixed (doc/compat.md, "Log parser"). When a run also has our JSON-lines log
 * (..._carbontracker.jsonl, doc/logformat.md), that is read instead of the text logs.
 * Parsing never fails on bad input: lines and files that cannot be read are listed as skipped,
 * with the reason. Results are immutable; functions taking a result are thread-safe.
 */

/** Opaque parse result; free with ct_parse_result_free(). */
typedef struct ct_parse_result ct_parse_result;

/**
 * Parse every run in a directory, as upstream's parse_all_logs(): non-empty regular files
 * ending in "carbontracker_output.log" and "carbontracker.log" are paired by the name before
 * that suffix (files without a partner are listed as skipped); a "..._carbontracker.jsonl" of
 * the same name is used when present. Runs are ordered by the output log's path.
 * @param dir        directory to read.
 * @param recursive  1: also walk subdirectories (symbolic links to directories are not
 *                   followed); pairs are formed within each directory.
 * @param out        receives the result (also with zero runs); NULL on failure.
 * @param errbuf     optional buffer for the failure's text ("cannot open directory ...").
 * @return CT_OK; CT_EINVAL (NULL argument); CT_EIO (dir cannot be read); CT_ENOMEM.
 */
CT_API int ct_parse_dir(const char *dir, int recursive, ct_parse_result **out, char *errbuf,
                        size_t errlen);

/**
 * Parse one run from its files. `std_log` and `output_log` may be NULL (nothing read from it)
 * when `jsonl` is given; `jsonl` may be NULL.
 * @return CT_OK; CT_EINVAL; CT_EIO (a named file cannot be read; errbuf says which); CT_ENOMEM.
 */
CT_API int ct_parse_files(const char *std_log, const char *output_log, const char *jsonl,
                          ct_parse_result **out, char *errbuf, size_t errlen);

/**
 * Parse one run from the bytes of its standard log and output log (pure: no I/O). Either may
 * be NULL with length 0. The bytes need no terminating NUL and may hold anything.
 * @return CT_OK; CT_EINVAL (out is NULL); CT_ENOMEM.
 */
CT_API int ct_parse_bytes(const char *std_bytes, size_t std_len, const char *out_bytes,
                          size_t out_len, ct_parse_result **out);

/**
 * Parse one run from the bytes of its files, read by the caller (pure: no I/O), exactly as
 * ct_parse_files() would read those files: the JSON-lines log when `jsonl_bytes` is given and
 * usable, else the two text logs. The names (any may be NULL) become the run's
 * output_filename, standard_filename and jsonl_filename and label its skipped lines; they are
 * only copied, never opened. Any buffer may be NULL with length 0. For programs that read the
 * files themselves (the Python package reads them through Python's open()). Since 0.2.
 * @return CT_OK; CT_EINVAL (out is NULL); CT_ENOMEM.
 */
CT_API int ct_parse_run_bytes(const char *std_bytes, size_t std_len, const char *std_name,
                              const char *out_bytes, size_t out_len, const char *out_name,
                              const char *jsonl_bytes, size_t jsonl_len, const char *jsonl_name,
                              ct_parse_result **out);

/**
 * The result as JSON: {"format": "carbontracker-parse", "format_version": 1, "runs": [...],
 * "totals": {...}, "skipped": [...]} (fields in carbontracker(1), PARSE JSON).
 * @param json  receives a NUL-terminated string; free it with ct_free().
 * @return CT_OK; CT_EINVAL; CT_ENOMEM.
 */
CT_API int ct_parse_json(const ct_parse_result *r, char **json);

/**
 * ct_parse_json()'s document, byte for byte, written to `fd` as it is made instead of built in
 * memory: the long arrays of a run (epochs, samples, power rows, epoch figures) are written an
 * element at a time, so the memory it takes is a small buffer whatever the size of the logs
 * (carbontracker(1), --parse --json). No final newline; `fd` is left open, at the end of what was
 * written. On an error part of the document may have been written.
 * @return CT_OK; CT_EINVAL (r NULL, fd negative); CT_ENOMEM; CT_EIO (a write failed: errno says
 *         why, as write(2) set it).
 */
CT_API int ct_parse_json_write(const ct_parse_result *r, int fd);

/**
 * ct_parse_json()'s document for drawing, small whatever the length of the runs: in a run whose
 * series is longer than `max_points` entries, consecutive entries are taken in groups of
 * k = ceil(n / max_points), one entry per group. "epochs": the group's last "epoch" number, a
 * member "epochs" (how many it stands for), the sums of "duration_s", "energy_j", "energy_kwh" and
 * "co2eq_g", and mean power (energy over duration); "derived"."epoch_figures": the sums over the
 * same groups; "samples": mean time and mean power; "intensity_samples": the first time and
 * source, the mean intensity. The components' per-epoch arrays of such a run are null (its epochs
 * carry the same figures). Short series, totals and every other figure are as ct_parse_json()
 * gives them. What carbontracker-report reads (doc/report.md).
 * @param json  receives a NUL-terminated string; free it with ct_free().
 * @return CT_OK; CT_EINVAL (max_points 0); CT_ENOMEM.
 */
CT_API int ct_parse_json_reduced(const ct_parse_result *r, size_t max_points, char **json);

/**
 * Upstream's print_aggregate() text, byte for byte, without the final newline: "The training
 * of models in this work is estimated to use {kWh:.16f} kWh of electricity contributing to
 * {kg:.16f} kg of CO2eq. [This is equivalent to {v:.16f} {unit}[ or ...]. ]Measured by
 * carbontracker (https://github.com/lfwa/carbontracker)."
 * @param text  receives a NUL-terminated string; free it with ct_free().
 * @return CT_OK; CT_EINVAL; CT_ENOMEM.
 */
CT_API int ct_parse_aggregate_sentence(const ct_parse_result *r, char **text);

/**
 * What a reader should be told about a result, one line each, every line ending in '\n':
 * "skipped FILE: REASON" for each file and "skipped FILE:LINE: REASON" for each line that could
 * not be read (as in the JSON's "skipped" lists), then "note: FILE.jsonl: NOTE" for each run not
 * read from its JSON-lines log ("source_note"). Control bytes are escaped. Cheaper than
 * ct_parse_json() for a large result: the command prints these without building the JSON.
 * @param text  receives a NUL-terminated string ("" when there is nothing); free with ct_free().
 * @return CT_OK; CT_EINVAL; CT_ENOMEM.
 */
CT_API int ct_parse_messages(const ct_parse_result *r, char **text);

/**
 * The runs of distributed jobs grouped by job, node and rank (doc/distributed.md): the "jobs"
 * array of ct_parse_json() alone, small whatever the size of the logs. *json receives the JSON
 * text (free with ct_free()); "[]" when no run was a rank of a job.
 * @return CT_OK; CT_EINVAL; CT_ENOMEM.
 */
CT_API int ct_parse_jobs_json(const ct_parse_result *r, char **json);

/** Number of runs in a result (0 for NULL). */
CT_API size_t ct_parse_run_count(const ct_parse_result *r);

/** Totals over all runs, as upstream's aggregate_consumption(): kWh (PUE included) and grams
 *  CO2eq; either pointer may be NULL. @return CT_OK or CT_EINVAL. */
CT_API int ct_parse_totals(const ct_parse_result *r, double *energy_kwh, double *co2eq_g);

/** Free a result. NULL is fine. */
CT_API void ct_parse_result_free(ct_parse_result *r);

#ifdef __cplusplus
}
#endif
#endif /* CARBONTRACKER_H */
