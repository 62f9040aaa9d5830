/*
 * main.c - the `carbontracker` command: parses options by hand (they end at the first word that
 * is not an option, or at "--", so everything from the command name on belongs to the command),
 * turns environment variables into ct_options and dispatches to wrap mode or --list-devices.
 */
#include "cli.h"
#include "parse.h"
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char usage_text[] =
    "Usage: carbontracker [OPTIONS] [--] COMMAND [ARGS...]\n"
    "       carbontracker --list-devices [OPTIONS]\n"
    "       carbontracker --report LOG_OR_DIR [--output FILE]\n"
    "\n"
    "Run COMMAND, measure the energy it uses (CPU packages, DRAM, GPUs) and report\n"
    "its carbon footprint as upstream carbontracker does, as one epoch. Options end\n"
    "at the first word that is not an option or at \"--\"; the rest goes to COMMAND.\n"
    "Values: \"--opt VALUE\" or \"--opt=VALUE\"; --opt_name and --opt-name are the same.\n"
    "\n"
    "Options:\n"
    "  --log_dir DIR          directory for the three log files (default ./logs)\n"
    "  --log_file_prefix P    prefix of the log file names\n"
    "  --json FILE            write a JSON summary (or the --list-devices probe)\n"
    "  --components LIST      what to measure: all (default), cpu, gpu or gpu,cpu\n"
    "  --interval SECONDS     sampling interval, > 0, fractions allowed (default 1)\n"
    "  --zone ZONE            grid zone or country code for the intensity, e.g. DK\n"
    "  --offline              no network: the yearly table for the zone or time zone\n"
    "                         (also CARBONTRACKER_OFFLINE=1)\n"
    "  --latitude, --longitude DEG  where the machine is, for live intensity\n"
    "  --postcode CODE        GB postcode (outward code) for regional GB intensity\n"
    "  --carbon-refresh SECONDS  seconds between intensity fetches (default 900)\n"
    "  --pue X                power usage effectiveness, >= 1.0 (default 1.58)\n"
    "  --decimal_precision N  digits after the point in the report (default 12)\n"
    "  --api_keys JSON        '{\"electricitymaps\": \"KEY\"}' (or ELECTRICITYMAPS_API_KEY)\n"
    "  --sim-cpu NAME         simulate a CPU instead of measuring it\n"
    "  --sim-cpu-tdp W        TDP of the simulated CPU in watts (needed)\n"
    "  --sim-cpu-util U       utilisation of the simulated CPU, 0 to 1 (0.5)\n"
    "  --sim-gpu NAME         simulate a GPU\n"
    "  --sim-gpu-watts W      power of the simulated GPU in watts (needed)\n"
    "  --sim-gpu-util U       utilisation of the simulated GPU, 0 to 1 (0.5)\n"
    "  --list-devices         show what can be measured here, and why not\n"
    "  --devices-by-pid       measure only the GPUs running a process of the command's tree\n"
    "  --parse DIR            print the energy and CO2eq of every run logged in DIR\n"
    "                         (upstream's aggregate sentence) and exit; with --json\n"
    "                         FILE also every run's records\n"
    "  --recursive            --parse: also read the subdirectories of DIR\n"
    "  --report LOG_OR_DIR    draw a report of a run's logs (or of every run in a\n"
    "                         directory) and exit\n"
    "  --output FILE          --report's file: .pdf (default carbon_report.pdf),\n"
    "                         .svg, .png or .html\n"
    "  -q, --quiet            print nothing on stdout (logs are still written)\n"
    "  -v, --verbose          also print informational messages\n"
    "  -h, --help             show this help and exit\n"
    "  --version              show the version and exit\n"
    "\n"
    "Environment: CARBONTRACKER_ZONE, CARBONTRACKER_PUE, CARBONTRACKER_SYSFS_ROOT,\n"
    "CARBONTRACKER_PROC_ROOT, TZ, CARBONTRACKER_LOCALTIME, CARBONTRACKER_ZONEINFO.\n"
    "Exit status: the command's; 128+N if it was killed by signal N; 64 usage\n"
    "error; 70 the tracker could not start; 126 command not executable; 127 command\n"
    "not found. See carbontracker(1).\n";

enum opt_id {
    OPT_LOG_DIR,
    OPT_LOG_FILE_PREFIX,
    OPT_API_KEYS,
    OPT_PARSE,
    OPT_RECURSIVE,
    OPT_REPORT,
    OPT_OUTPUT,
    OPT_SIM_CPU,
    OPT_SIM_CPU_TDP,
    OPT_SIM_CPU_UTIL,
    OPT_SIM_GPU,
    OPT_SIM_GPU_WATTS,
    OPT_SIM_GPU_UTIL,
    OPT_JSON,
    OPT_COMPONENTS,
    OPT_INTERVAL,
    OPT_ZONE,
    OPT_OFFLINE,
    OPT_LATITUDE,
    OPT_LONGITUDE,
    OPT_POSTCODE,
    OPT_CARBON_REFRESH,
    OPT_PUE,
    OPT_DECIMAL_PRECISION,
    OPT_LIST_DEVICES,
    OPT_DEVICES_BY_PID,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_VERSION,
};

/* --report and --output (kept here: they only select the report mode). */
static const char *report_input, *report_output;
/* --parse DIR and --recursive. */
static const char *parse_dir;
static int parse_recursive;

/* Long names with '-' only; '_' in what the user typed is read as '-'. */
static const struct opt_def {
    const char *name;
    char short_name;
    int takes_value;
    enum opt_id id;
} opt_defs[] = {
    {"log-dir", 0, 1, OPT_LOG_DIR},
    {"log-file-prefix", 0, 1, OPT_LOG_FILE_PREFIX},
    {"api-keys", 0, 1, OPT_API_KEYS},
    {"parse", 0, 1, OPT_PARSE},
    {"recursive", 0, 0, OPT_RECURSIVE},
    {"report", 0, 1, OPT_REPORT},
    {"output", 0, 1, OPT_OUTPUT},
    {"sim-cpu", 0, 1, OPT_SIM_CPU},
    {"sim-cpu-tdp", 0, 1, OPT_SIM_CPU_TDP},
    {"sim-cpu-util", 0, 1, OPT_SIM_CPU_UTIL},
    {"sim-gpu", 0, 1, OPT_SIM_GPU},
    {"sim-gpu-watts", 0, 1, OPT_SIM_GPU_WATTS},
    {"sim-gpu-util", 0, 1, OPT_SIM_GPU_UTIL},
    {"json", 0, 1, OPT_JSON},
    {"components", 0, 1, OPT_COMPONENTS},
    {"interval", 0, 1, OPT_INTERVAL},
    {"zone", 0, 1, OPT_ZONE},
    {"offline", 0, 0, OPT_OFFLINE},
    {"latitude", 0, 1, OPT_LATITUDE},
    {"lat", 0, 1, OPT_LATITUDE},
    {"longitude", 0, 1, OPT_LONGITUDE},
    {"lon", 0, 1, OPT_LONGITUDE},
    {"postcode", 0, 1, OPT_POSTCODE},
    {"carbon-refresh", 0, 1, OPT_CARBON_REFRESH},
    {"pue", 0, 1, OPT_PUE},
    {"decimal-precision", 0, 1, OPT_DECIMAL_PRECISION},
    {"list-devices", 0, 0, OPT_LIST_DEVICES},
    {"devices-by-pid", 0, 0, OPT_DEVICES_BY_PID},
    {"quiet", 'q', 0, OPT_QUIET},
    {"verbose", 'v', 0, OPT_VERBOSE},
    {"help", 'h', 0, OPT_HELP},
    {"version", 0, 0, OPT_VERSION},
};

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("carbontracker: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'carbontracker --help' for more information.\n", stderr);
    return CLI_EXIT_USAGE;
}

/* A decimal number and nothing else: no spaces, no hex, no inf/nan. */
static int parse_number(const char *s, double *out)
{
    char *end;
    if (*s == '\0' || strspn(s, "0123456789.+-eE") != strlen(s))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno != 0 || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_int(const char *s, int *out)
{
    char *end;
    if (*s == '\0' || strspn(s, "0123456789+-") != strlen(s))
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || errno != 0 || v < -1000000 || v > 1000000)
        return -1;
    *out = (int)v;
    return 0;
}

/*
 * --api_keys: a JSON object of strings whose names are known providers (case-insensitive, as
 * upstream's set_api_keys). The key itself is never printed; *key_out receives a copy that lives
 * until exit. Returns 0 or an exit status.
 */
static int check_api_keys(const char *text, char **key_out)
{
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    const char *name;
    json_t *value;
    int rc = 0;

    if (!json_is_object(root)) {
        rc = cli_usage_error("--api_keys expects a JSON object such as "
                             "'{\"electricitymaps\": \"KEY\"}'");
        goto cleanup;
    }
    json_object_foreach(root, name, value)
    {
        if (strcasecmp(name, "electricitymaps") != 0) {
            rc = cli_usage_error("Invalid API name '%s' given.", name);
            goto cleanup;
        }
        if (!json_is_string(value)) {
            rc = cli_usage_error("--api_keys: the key for '%s' must be a string", name);
            goto cleanup;
        }
        free(*key_out);
        *key_out = strdup(json_string_value(value));
    }
cleanup:
    json_decref(root);
    return rc;
}

/* Same name once '_' is read as '-'; `len` bytes of `typed` are compared. */
static int name_matches(const char *typed, size_t len, const char *name)
{
    if (strlen(name) != len)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = typed[i] == '_' ? '-' : typed[i];
        if (ch != name[i])
            return 0;
    }
    return 1;
}

static const struct opt_def *find_long(const char *typed, size_t len)
{
    for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
        if (name_matches(typed, len, opt_defs[i].name))
            return &opt_defs[i];
    return NULL;
}

static const struct opt_def *find_short(char ch)
{
    for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
        if (opt_defs[i].short_name != 0 && opt_defs[i].short_name == ch)
            return &opt_defs[i];
    return NULL;
}

/* Parsed values that need checks after the whole command line is read. */
struct pending {
    const char *api_keys;
    const char *zone;
    int pue_given;
};

static int number_option(const char *opt, const char *value, double *out)
{
    if (parse_number(value, out) != 0)
        return cli_usage_error("invalid number '%s' for --%s", value, opt);
    return 0;
}

/* Apply one option. Returns -1 to go on, or an exit status. */
static int apply(struct cli *c, struct pending *p, const struct opt_def *d, const char *value)
{
    ct_options *o = &c->opts;
    int rc = 0;
    switch (d->id) {
    case OPT_LOG_DIR:
        o->log_dir = value;
        break;
    case OPT_LOG_FILE_PREFIX:
        o->log_file_prefix = value;
        break;
    case OPT_API_KEYS:
        p->api_keys = value;
        break;
    case OPT_REPORT:
        report_input = value;
        break;
    case OPT_OUTPUT:
        report_output = value;
        break;
    case OPT_PARSE:
        if (*value == '\0')
            return cli_usage_error("--parse needs a directory");
        parse_dir = value;
        break;
    case OPT_RECURSIVE:
        parse_recursive = 1;
        break;
    case OPT_SIM_CPU:
        o->sim_cpu = value;
        break;
    case OPT_SIM_CPU_TDP:
        rc = number_option(d->name, value, &o->sim_cpu_tdp_w);
        break;
    case OPT_SIM_CPU_UTIL:
        rc = number_option(d->name, value, &o->sim_cpu_util);
        break;
    case OPT_SIM_GPU:
        o->sim_gpu = value;
        break;
    case OPT_SIM_GPU_WATTS:
        rc = number_option(d->name, value, &o->sim_gpu_watts);
        break;
    case OPT_SIM_GPU_UTIL:
        rc = number_option(d->name, value, &o->sim_gpu_util);
        break;
    case OPT_JSON:
        if (*value == '\0')
            return cli_usage_error("--json needs a file name");
        c->json_path = value;
        break;
    case OPT_COMPONENTS:
        o->components = value;
        break;
    case OPT_INTERVAL:
        rc = number_option(d->name, value, &o->update_interval_s);
        if (rc == 0 && !(o->update_interval_s > 0))
            return cli_usage_error("--interval must be greater than 0, got '%s'", value);
        break;
    case OPT_ZONE:
        p->zone = value;
        break;
    case OPT_OFFLINE:
        c->offline = 1;
        break;
    case OPT_LATITUDE:
        rc = number_option(d->name, value, &o->latitude);
        if (rc == 0 && !(o->latitude >= -90 && o->latitude <= 90))
            return cli_usage_error("--latitude must be between -90 and 90, got '%s'", value);
        break;
    case OPT_LONGITUDE:
        rc = number_option(d->name, value, &o->longitude);
        if (rc == 0 && !(o->longitude >= -180 && o->longitude <= 180))
            return cli_usage_error("--longitude must be between -180 and 180, got '%s'", value);
        break;
    case OPT_POSTCODE:
        o->postcode = value;
        break;
    case OPT_CARBON_REFRESH:
        rc = number_option(d->name, value, &o->carbon_refresh_s);
        if (rc == 0 && !(o->carbon_refresh_s > 0))
            return cli_usage_error("--carbon-refresh must be greater than 0, got '%s'", value);
        break;
    case OPT_PUE:
        rc = number_option(d->name, value, &o->pue);
        if (rc == 0 && !(o->pue >= 1.0))
            return cli_usage_error("--pue must be at least 1.0, got '%s'", value);
        p->pue_given = 1;
        break;
    case OPT_DECIMAL_PRECISION:
        if (parse_int(value, &o->decimal_precision) != 0 || o->decimal_precision < 0 ||
            o->decimal_precision > 100)
            return cli_usage_error("invalid number '%s' for --%s (0 to 100)", value, d->name);
        break;
    case OPT_LIST_DEVICES:
        c->list_devices = 1;
        break;
    case OPT_DEVICES_BY_PID:
        o->devices_by_pid = 1;
        break;
    case OPT_QUIET:
        c->quiet = 1;
        o->verbose = 0;
        break;
    case OPT_VERBOSE:
        c->quiet = 0;
        o->verbose = 2;
        break;
    case OPT_HELP:
        fputs(usage_text, stdout);
        return 0;
    case OPT_VERSION:
        printf("carbontracker %s\n", ct_version_string());
        return 0;
    }
    return rc != 0 ? rc : -1;
}

/* A non-empty environment variable, or NULL. */
static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* The library never reads the environment: the seams and defaults come from here. */
static int apply_environment(struct cli *c, struct pending *p)
{
    ct_options *o = &c->opts;
    const char *v;

    if (p->zone)
        o->zone = p->zone;
    v = getenv("TZ");
    if (v && !*v)
        o->tz = "UTC"; /* an empty TZ means UTC to the C library */
    /* Everything else the library's one reader of the environment maps (seams, GPUs, keys,
     * API base URLs); options given on the command line are kept. */
    if (ct_options_from_env(o) != CT_OK || (!p->pue_given && !isnan(o->pue) && !(o->pue >= 1.0)))
        return cli_usage_error("invalid CARBONTRACKER_PUE '%s' (a number >= 1.0)",
                               env("CARBONTRACKER_PUE") ? env("CARBONTRACKER_PUE") : "");
    /* Live intensity unless --offline or CARBONTRACKER_OFFLINE (any value but "0"). */
    v = env("CARBONTRACKER_OFFLINE");
    o->live = !c->offline && !(v && strcmp(v, "0") != 0);
    return -1;
}

int cli_parse(struct cli *c, int argc, char **argv)
{
    struct pending p = {0};
    int i = 1;
    int rc;

    memset(c, 0, sizeof(*c));
    ct_options_init(&c->opts);
    c->opts.epochs = 1;
    c->opts.epochs_before_pred = 0;
    c->opts.monitor_epochs = -1;
    c->opts.log_dir = "./logs";

    while (i < argc) {
        const char *arg = argv[i];
        const struct opt_def *d = NULL;
        const char *value = NULL;

        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (arg[0] != '-' || arg[1] == '\0')
            break; /* the command starts here */
        if (arg[1] == '-') {
            const char *eq = strchr(arg + 2, '=');
            size_t len = eq ? (size_t)(eq - (arg + 2)) : strlen(arg + 2);
            d = find_long(arg + 2, len);
            if (!d)
                return cli_usage_error("unknown option '%.*s'", (int)(len + 2), arg);
            if (eq && !d->takes_value)
                return cli_usage_error("option '--%s' takes no value", d->name);
            if (eq)
                value = eq + 1;
        } else {
            d = arg[2] == '\0' ? find_short(arg[1]) : NULL;
            if (!d)
                return cli_usage_error("unknown option '%s'", arg);
        }
        i++;
        if (d->takes_value && !value) {
            if (i >= argc)
                return cli_usage_error("option '--%s' needs a value", d->name);
            value = argv[i++];
        }
        rc = apply(c, &p, d, value);
        if (rc >= 0)
            return rc;
    }
    if (i < argc) {
        c->command = argv + i;
        c->n_command = argc - i;
    }

    rc = apply_environment(c, &p);
    if (rc >= 0)
        return rc;

    /* Upstream's combination checks, before anything is started (the library repeats them). */
    if (c->opts.sim_cpu && isnan(c->opts.sim_cpu_tdp_w))
        return cli_usage_error("invalid option: When using simulated CPU (sim_cpu), you must also "
                               "specify the CPU TDP (sim_cpu_tdp)");
    if (c->opts.sim_gpu && isnan(c->opts.sim_gpu_watts))
        return cli_usage_error("invalid option: When using simulated GPU (sim_gpu), you must also "
                               "specify the GPU power consumption (sim_gpu_watts)");
    if (p.api_keys) {
        static char *api_key; /* lives until exit */
        rc = check_api_keys(p.api_keys, &api_key);
        if (rc != 0)
            return rc;
        c->opts.electricitymaps_api_key = api_key;
    }
    if (c->list_devices && c->command)
        return cli_usage_error("--list-devices takes no command (got '%s')", c->command[0]);
    if (report_output && !report_input)
        return cli_usage_error("--output needs --report");
    if (report_input && (c->command || c->list_devices))
        return cli_usage_error("--report takes no command (got '%s')",
                               c->command ? c->command[0] : "--list-devices");
    if (parse_recursive && !parse_dir)
        return cli_usage_error("--recursive needs --parse");
    if (parse_dir && (c->command || c->list_devices || report_input)) {
        const char *what = c->command        ? c->command[0]
                           : c->list_devices ? "--list-devices"
                                             : "--report";
        return cli_usage_error("--parse takes no command (got '%s')", what);
    }
    if (!c->list_devices && !c->command && !report_input && !parse_dir)
        return cli_usage_error("no command given");
    return -1;
}

int main(int argc, char **argv)
{
    struct cli c;
    int rc = cli_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (parse_dir)
        return cli_parse_logs(parse_dir, parse_recursive, c.json_path, c.quiet);
    if (report_input)
        return cli_report(report_input, report_output, c.quiet);
    if (c.list_devices)
        return cli_list_devices(&c);
    return cli_run(&c);
}
