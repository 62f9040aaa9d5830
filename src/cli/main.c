/*
 * main.c - the `carbontracker` command: parses options by hand (they end at the first word that
 * is not an option, or at "--", so everything from the command name on belongs to the command),
 * turns environment variables into ct_options and dispatches to wrap mode or --list-devices.
 */
#include "advise.h"
#include "cli.h"
#include "parse.h"
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char usage_head[] =
    "Usage: carbontracker [OPTIONS] [--] COMMAND [ARGS...]\n"
    "       carbontracker --list-devices [OPTIONS]\n"
    "       carbontracker --zones [--json FILE]\n"
    "       carbontracker --report LOG_OR_DIR [--output FILE]\n"
    "       carbontracker --advise DURATION [--zone ZONE] [--json FILE]\n"
    "       carbontracker serve [--socket PATH] [--metrics HOST:PORT] [OPTIONS]\n"
    "\n"
    "Run COMMAND, measure the energy it uses (CPU packages, DRAM, GPUs) and report\n"
    "its carbon footprint as upstream carbontracker does, as one epoch. Options end\n"
    "at the first word that is not an option or at \"--\"; the rest goes to COMMAND.\n"
    "Values: \"--opt VALUE\" or \"--opt=VALUE\"; --opt_name and --opt-name are the same.\n"
    "\n"
    "Options:\n";

/* After the library's options (those are listed from its table, ct_option_info()). */
static const char usage_tail[] =
    "  --budget-grace SECONDS with --budget-action stop: SIGTERM, then SIGKILL after\n"
    "                         SECONDS (default 10)\n"
    "  --json FILE            write a JSON summary (or the --list-devices probe)\n"
    "  --offline              no network: the yearly table for the zone or time zone\n"
    "                         (also CARBONTRACKER_OFFLINE=1)\n"
    "  --api_keys JSON        '{\"electricitymaps\": \"KEY\"}' (or ELECTRICITYMAPS_API_KEY); any\n"
    "                         provider with an api_key setting\n"
    "  --set NAME=VALUE       a meter's or provider's setting, e.g. ukgrid.url=URL\n"
    "                         (repeatable; --list-settings lists them)\n"
    "  --list-settings        list the meters' and providers' settings and exit\n"
    "  --list-devices         show what can be measured here, and why not\n"
    "  --zones                list the zones with live carbon intensity, their\n"
    "                         providers and whether a key is needed, and exit\n"
    "  --advise DURATION      print when to start a run of DURATION (90m, 2h, 1h30m\n"
    "                         or seconds) for the lowest forecast intensity, and exit\n"
    "  --parse DIR            print the energy and CO2eq of every run logged in DIR\n"
    "                         (upstream's aggregate sentence) and exit; with --json\n"
    "                         FILE also every run's records\n"
    "  --recursive            --parse: also read the subdirectories of DIR\n"
    "  --report LOG_OR_DIR    draw a report of a run's logs (or of every run in a\n"
    "                         directory) and exit\n"
    "  --output FILE          --report's file: .pdf (default carbon_report.pdf),\n"
    "                         .svg, .png or .html\n"
    "  serve                  run the node agent (doc/agent.md): serve every meter\n"
    "                         of this machine to other users' trackers and to\n"
    "                         Prometheus until SIGTERM; takes no command\n"
    "  --socket PATH          serve: the trackers' socket (default, as root,\n"
    "                         /run/carbontracker/agent.sock)\n"
    "  --no-socket            serve: no socket (metrics only)\n"
    "  --socket-mode MODE     serve: the socket's octal mode (default 0666)\n"
    "  --socket-group GROUP   serve: the socket's group (name or number)\n"
    "  --metrics HOST:PORT    serve: Prometheus metrics at http://HOST:PORT/metrics\n"
    "  -q, --quiet            print nothing on stdout (logs are still written)\n"
    "  -v, --verbose          also print informational messages\n"
    "  -h, --help             show this help and exit\n"
    "  --version              show the version and exit\n"
    "\n"
    "Environment: CARBONTRACKER_ZONE, CARBONTRACKER_PUE, CARBONTRACKER_SYSFS_ROOT,\n"
    "CARBONTRACKER_PROC_ROOT, TZ, CARBONTRACKER_LOCALTIME, CARBONTRACKER_ZONEINFO.\n"
    "Exit status: the command's; 128+N if it was killed by signal N; 64 usage\n"
    "error; 70 the tracker could not start; 75 the budget stopped the command; 126\n"
    "command not executable; 127 command not found. See carbontracker(1).\n";

/* The command's own options; every other option is a library option (OPT_FIELD). */
enum opt_id {
    OPT_FIELD, /* a ct_options field, set through ct_options_set() */
    OPT_API_KEYS,
    OPT_SET,
    OPT_LIST_SETTINGS,
    OPT_PARSE,
    OPT_RECURSIVE,
    OPT_REPORT,
    OPT_OUTPUT,
    OPT_JSON,
    OPT_BUDGET_GRACE,
    OPT_ADVISE,
    OPT_OFFLINE,
    OPT_LIST_DEVICES,
    OPT_ZONES,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_VERSION,
    OPT_SOCKET,
    OPT_NO_SOCKET,
    OPT_SOCKET_MODE,
    OPT_SOCKET_GROUP,
    OPT_METRICS,
};

/* --report and --output (kept here: they only select the report mode). */
static const char *report_input, *report_output;
/* --advise DURATION, in seconds (0 = not given). */
static double advise_s;
/* --parse DIR and --recursive. */
static const char *parse_dir;
static int parse_recursive;

/* Long names with '-' only; '_' in what the user typed is read as '-'. `field` names the
 * ct_options field of an alias of a library option. */
static const struct opt_def {
    const char *name;
    char short_name;
    int takes_value;
    enum opt_id id;
    const char *field;
} opt_defs[] = {
    /* clang-format off */
    {"api-keys", 0, 1, OPT_API_KEYS, NULL},
    {"set", 0, 1, OPT_SET, NULL},
    {"list-settings", 0, 0, OPT_LIST_SETTINGS, NULL},
    {"parse", 0, 1, OPT_PARSE, NULL},
    {"recursive", 0, 0, OPT_RECURSIVE, NULL},
    {"report", 0, 1, OPT_REPORT, NULL},
    {"output", 0, 1, OPT_OUTPUT, NULL},
    {"json", 0, 1, OPT_JSON, NULL},
    {"budget-grace", 0, 1, OPT_BUDGET_GRACE, NULL},
    {"advise", 0, 1, OPT_ADVISE, NULL},
    {"offline", 0, 0, OPT_OFFLINE, NULL},
    {"list-devices", 0, 0, OPT_LIST_DEVICES, NULL},
    {"zones", 0, 0, OPT_ZONES, NULL},
    {"lat", 0, 1, OPT_FIELD, "latitude"},   /* alias of --latitude */
    {"lon", 0, 1, OPT_FIELD, "longitude"},  /* alias of --longitude */
    {"quiet", 'q', 0, OPT_QUIET, NULL},
    {"verbose", 'v', 0, OPT_VERBOSE, NULL},
    {"help", 'h', 0, OPT_HELP, NULL},
    {"version", 0, 0, OPT_VERSION, NULL},
    {"socket", 0, 1, OPT_SOCKET, NULL},
    {"no-socket", 0, 0, OPT_NO_SOCKET, NULL},
    {"socket-mode", 0, 1, OPT_SOCKET_MODE, NULL},
    {"socket-group", 0, 1, OPT_SOCKET_GROUP, NULL},
    {"metrics", 0, 1, OPT_METRICS, NULL},
    /* clang-format on */
};

/* An option found on the command line: the name (with '-' only) used in messages. */
struct opt {
    char name[64];
    char short_name;
    int takes_value;
    enum opt_id id;
    const ct_option_desc *field; /* OPT_FIELD */
};

/*
 * The command's limits on library options, checked as they are read (the library checks its own
 * again at open). `what` completes "--NAME must be WHAT, got 'VALUE'"; NULL: an integer whose
 * every error reads "invalid number 'VALUE' for --NAME (LO to HI)".
 */
static const struct limit {
    const char *field;
    double lo, hi;
    int lo_excluded;
    const char *what;
} limits[] = {
    {"update_interval_s", 0, INFINITY, 1, "greater than 0"},
    {"latitude", -90, 90, 0, "between -90 and 90"},
    {"longitude", -180, 180, 0, "between -180 and 180"},
    {"carbon_refresh_s", 0, INFINITY, 1, "greater than 0"},
    {"pue", 1.0, INFINITY, 0, "at least 1.0"},
    {"decimal_precision", 0, 30, 0, NULL},
    {"budget_co2eq_g", 0, INFINITY, 1, "greater than 0 grams"},
    {"budget_kwh", 0, INFINITY, 1, "greater than 0 kWh"},
};

static void usage(void)
{
    fputs(usage_head, stdout);
    for (size_t i = 0; i < ct_option_count(); i++) {
        const ct_option_desc *f = ct_option_info(i);
        char spec[64];
        if (!f->cli_name)
            continue;
        snprintf(spec, sizeof(spec), "--%s%s%s", f->cli_name, f->cli_arg ? " " : "",
                 f->cli_arg ? f->cli_arg : "");
        printf("  %-21s  %s\n", spec, f->help);
    }
    fputs(usage_tail, stdout);
}

/* The meters' and providers' settings given (--set, --api_keys), NULL-terminated; the strings
 * live until exit. */
#define MAX_SETTINGS 64
static const char *settings[MAX_SETTINGS + 1];
static size_t n_settings;
static char *owned[MAX_SETTINGS]; /* the entries made from --api_keys (freed by the next parse) */
static size_t n_owned;

/* The setting named "<backend>.<key>" (backend without case), or NULL. */
static const ct_setting_desc *setting_named(const char *backend, size_t blen, const char *key)
{
    for (size_t i = 0; i < ct_setting_count(); i++) {
        const ct_setting_desc *d = ct_setting_info(i);
        if (strlen(d->backend) == blen && strncasecmp(d->backend, backend, blen) == 0 &&
            strcmp(d->key, key) == 0)
            return d;
    }
    return NULL;
}

static int add_setting(const char *entry)
{
    if (n_settings >= MAX_SETTINGS)
        return cli_usage_error("too many --set options (at most %d)", MAX_SETTINGS);
    settings[n_settings++] = entry;
    return 0;
}

/* --set NAME=VALUE: NAME must be a declared setting (the library checks again at open). */
static int check_setting(const char *entry)
{
    const char *eq = strchr(entry, '='), *dot = strchr(entry, '.');
    if (!eq || !dot || dot > eq)
        return cli_usage_error("--set expects NAME=VALUE such as ukgrid.url=http://host:8080, "
                               "got '%s'",
                               entry);
    char key[64];
    snprintf(key, sizeof(key), "%.*s", (int)(eq - dot - 1), dot + 1);
    if (!setting_named(entry, (size_t)(dot - entry), key))
        return cli_usage_error("unknown setting '%.*s' (carbontracker --list-settings lists them)",
                               (int)(eq - entry), entry);
    return add_setting(entry);
}

/* --list-settings: every setting, its variable and default (secrets' values are never shown). */
static int list_settings(void)
{
    for (size_t i = 0; i < ct_setting_count(); i++) {
        const ct_setting_desc *d = ct_setting_info(i);
        char name[96];
        snprintf(name, sizeof(name), "%s.%s", d->backend, d->key);
        printf("%-28s %s\n", name, d->help);
        printf("%-28s environment %s; default %s%s\n", "", d->env ? d->env : "(none)",
               d->default_value ? d->default_value : "(none)", d->secret ? "; secret" : "");
    }
    return 0;
}

/*
 * --api_keys: a JSON object of strings whose names are providers with an api_key setting
 * (case-insensitive, as upstream's set_api_keys). The key itself is never printed; Electricity
 * Maps' goes to its option field, the others become "<provider>.api_key=KEY" settings. Returns 0
 * or an exit status.
 */
static int check_api_keys(const char *text, ct_options *o)
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
        const ct_setting_desc *d = setting_named(name, strlen(name), "api_key");
        if (!d) {
            rc = cli_usage_error("Invalid API name '%s' given.", name);
            goto cleanup;
        }
        if (!json_is_string(value)) {
            rc = cli_usage_error("--api_keys: the key for '%s' must be a string", name);
            goto cleanup;
        }
        static char *em_key; /* these live until exit */
        char *entry = NULL;
        if (strcmp(d->backend, "electricitymaps") == 0) {
            free(em_key);
            entry = em_key = strdup(json_string_value(value));
            o->electricitymaps_api_key = entry;
        } else if (asprintf(&entry, "%s.api_key=%s", d->backend, json_string_value(value)) < 0) {
            entry = NULL;
        } else if ((rc = add_setting(entry)) != 0) {
            free(entry);
            goto cleanup;
        } else {
            owned[n_owned++] = entry; /* add_setting bounds n_settings, so n_owned too */
        }
        if (!entry) {
            rc = cli_usage_error("out of memory");
            goto cleanup;
        }
        if (rc != 0)
            goto cleanup;
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
        if (ch != (name[i] == '_' ? '-' : name[i]))
            return 0;
    }
    return 1;
}

static const ct_option_desc *field_named(const char *name)
{
    for (size_t i = 0; i < ct_option_count(); i++)
        if (strcmp(ct_option_info(i)->name, name) == 0)
            return ct_option_info(i);
    return NULL;
}

/* `name` with '_' read as '-', for messages. */
static void dash_name(char *out, size_t len, const char *name)
{
    size_t i = 0;
    for (; name[i] && i + 1 < len; i++)
        out[i] = name[i] == '_' ? '-' : name[i];
    out[i] = '\0';
}

static void from_def(struct opt *out, const struct opt_def *d)
{
    memset(out, 0, sizeof(*out));
    dash_name(out->name, sizeof(out->name), d->name);
    out->short_name = d->short_name;
    out->takes_value = d->takes_value;
    out->id = d->id;
    out->field = d->field ? field_named(d->field) : NULL;
}

/* The command's own options first, then the library's by their command names. */
static int find_long(const char *typed, size_t len, struct opt *out)
{
    for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
        if (name_matches(typed, len, opt_defs[i].name)) {
            from_def(out, &opt_defs[i]);
            return out->id != OPT_FIELD || out->field ? 0 : -1;
        }
    for (size_t i = 0; i < ct_option_count(); i++) {
        const ct_option_desc *f = ct_option_info(i);
        if (!f->cli_name || !name_matches(typed, len, f->cli_name))
            continue;
        memset(out, 0, sizeof(*out));
        dash_name(out->name, sizeof(out->name), f->cli_name);
        out->takes_value = f->cli_arg != NULL;
        out->id = OPT_FIELD;
        out->field = f;
        return 0;
    }
    return -1;
}

static int find_short(char ch, struct opt *out)
{
    for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
        if (opt_defs[i].short_name != 0 && opt_defs[i].short_name == ch) {
            from_def(out, &opt_defs[i]);
            return 0;
        }
    return -1;
}

/* Parsed values that need checks after the whole command line is read. */
struct pending {
    const char *api_keys;
    int pue_given;
};

/* Set a library option through the library's parser, then apply the command's limits. Returns -1
 * to go on, or an exit status. */
static int apply_field(struct cli *c, struct pending *p, const struct opt *d, const char *value)
{
    const ct_option_desc *f = d->field;
    const struct limit *lim = NULL;
    char *at = (char *)&c->opts + f->offset;
    char cli_name[64];
    double v = 0;

    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
        if (strcmp(limits[i].field, f->name) == 0)
            lim = &limits[i];
    if (ct_options_set(&c->opts, f->name, d->takes_value ? value : "1", NULL, 0) != CT_OK) {
        if (lim && !lim->what)
            return cli_usage_error("invalid number '%s' for --%s (%g to %g)", value, d->name,
                                   lim->lo, lim->hi);
        return cli_usage_error("invalid number '%s' for --%s", value, d->name);
    }
    if (strcmp(f->name, "pue") == 0)
        p->pue_given = 1;
    if (!lim)
        return -1;
    if (f->type == CT_OPTION_INT) {
        int n;
        memcpy(&n, at, sizeof(n));
        v = n;
    } else {
        memcpy(&v, at, sizeof(v));
    }
    if (!(v < lim->lo || v > lim->hi || (lim->lo_excluded && v == lim->lo)))
        return -1;
    if (!lim->what)
        return cli_usage_error("invalid number '%s' for --%s (%g to %g)", value, d->name, lim->lo,
                               lim->hi);
    dash_name(cli_name, sizeof(cli_name), f->cli_name);
    return cli_usage_error("--%s must be %s, got '%s'", cli_name, lim->what, value);
}

/* Apply one option. Returns -1 to go on, or an exit status. */
static int apply(struct cli *c, struct pending *p, const struct opt *d, const char *value)
{
    ct_options *o = &c->opts;
    switch (d->id) {
    case OPT_FIELD:
        return apply_field(c, p, d, value);
    case OPT_API_KEYS:
        p->api_keys = value;
        break;
    case OPT_SET:
        return check_setting(value) ? CLI_EXIT_USAGE : -1;
    case OPT_LIST_SETTINGS:
        return list_settings();
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
    case OPT_JSON:
        if (*value == '\0')
            return cli_usage_error("--json needs a file name");
        c->json_path = value;
        break;
    case OPT_BUDGET_GRACE: {
        char *end;
        double v = strtod(value, &end);
        if (*value == '\0' || *end != '\0' || !(v >= 0 && v <= 3600))
            return cli_usage_error("--budget-grace must be 0 to 3600 seconds, got '%s'", value);
        c->budget_grace_s = v;
        break;
    }
    case OPT_ADVISE:
        if (cli_parse_duration(value, &advise_s) != 0)
            return cli_usage_error("--advise expects a duration such as 90m, 2h, 1h30m or "
                                   "seconds (5400), got '%s'",
                                   value);
        break;
    case OPT_OFFLINE:
        c->offline = 1;
        break;
    case OPT_LIST_DEVICES:
        c->list_devices = 1;
        break;
    case OPT_ZONES:
        c->list_zones = 1;
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
        usage();
        return 0;
    case OPT_VERSION:
        printf("carbontracker %s\n", ct_version_string());
        return 0;
    case OPT_SOCKET:
    case OPT_NO_SOCKET:
    case OPT_SOCKET_MODE:
    case OPT_SOCKET_GROUP:
    case OPT_METRICS:
        if (!c->serve)
            return cli_usage_error("--%s is an option of 'carbontracker serve'", d->name);
        if (d->id == OPT_SOCKET && *value == '\0')
            return cli_usage_error("--socket needs a path");
        if (d->id == OPT_SOCKET)
            c->socket_path = value;
        else if (d->id == OPT_NO_SOCKET)
            c->no_socket = 1;
        else if (d->id == OPT_SOCKET_MODE)
            c->socket_mode = value;
        else if (d->id == OPT_SOCKET_GROUP)
            c->socket_group = value;
        else
            c->metrics_addr = value;
        break;
    }
    return -1;
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
    /* What earlier calls left (the fuzz target parses many command lines in one process). */
    report_input = report_output = parse_dir = NULL;
    parse_recursive = 0;
    n_settings = 0;
    settings[0] = NULL;
    while (n_owned > 0)
        free(owned[--n_owned]);
    ct_options_init(&c->opts);
    c->opts.epochs = 1;
    c->opts.epochs_before_pred = 0;
    c->opts.monitor_epochs = -1;
    c->opts.log_dir = "./logs";
    c->budget_grace_s = 10;
    if (argc > 1 && strcmp(argv[1], "serve") == 0) {
        c->serve = 1;
        i = 2;
    }

    while (i < argc) {
        const char *arg = argv[i];
        struct opt opt, *d = &opt;
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
            if (find_long(arg + 2, len, d) != 0)
                return cli_usage_error("unknown option '%.*s'", (int)(len + 2), arg);
            if (eq && !d->takes_value)
                return cli_usage_error("option '--%s' takes no value", d->name);
            if (eq)
                value = eq + 1;
        } else {
            if (arg[2] != '\0' || find_short(arg[1], d) != 0)
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
        rc = check_api_keys(p.api_keys, &c->opts);
        if (rc != 0)
            return rc;
    }
    c->opts.settings = n_settings ? settings : NULL;
    if (c->list_devices && c->command)
        return cli_usage_error("--list-devices takes no command (got '%s')", c->command[0]);
    if (c->list_zones && (c->command || c->list_devices || report_input || parse_dir))
        return cli_usage_error("--zones takes no command (got '%s')", c->command ? c->command[0]
                                                                      : c->list_devices
                                                                          ? "--list-devices"
                                                                      : report_input ? "--report"
                                                                                     : "--parse");
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
    if (advise_s > 0 &&
        (c->command || c->list_devices || c->list_zones || report_input || parse_dir))
        return cli_usage_error("--advise takes no command (got '%s')", c->command ? c->command[0]
                                                                       : c->list_devices
                                                                           ? "--list-devices"
                                                                       : c->list_zones ? "--zones"
                                                                       : report_input  ? "--report"
                                                                                       : "--parse");
    if (c->serve && (c->command || c->list_devices || c->list_zones || report_input || parse_dir ||
                     advise_s > 0))
        return cli_usage_error("serve takes no command (got '%s')",
                               c->command ? c->command[0] : "another mode");
    if (c->serve && c->socket_path && c->no_socket)
        return cli_usage_error("--socket and --no-socket exclude each other");
    if (!c->serve && !c->list_devices && !c->list_zones && !c->command && !report_input &&
        !parse_dir && !(advise_s > 0))
        return cli_usage_error("no command given");
    return -1;
}

#ifndef CT_CLI_NO_MAIN /* the fuzz targets (tests/fuzz) bring libFuzzer's main */
int main(int argc, char **argv)
{
    struct cli c;
    int rc = cli_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (advise_s > 0)
        return cli_advise(&c, advise_s);
    if (parse_dir)
        return cli_parse_logs(parse_dir, parse_recursive, c.json_path, c.quiet);
    if (report_input)
        return cli_report(report_input, report_output, c.quiet);
    if (c.serve)
        return cli_serve(&c);
    if (c.list_devices)
        return cli_list_devices(&c);
    if (c.list_zones)
        return cli_list_zones(&c);
    return cli_run(&c);
}
#endif
