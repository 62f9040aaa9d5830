/*
 * trace_driver.c - the accuracy benchmark's source of truth. It follows seeded random power
 * traces (bursts of 10 ms to 2 s at 10-300 W, or a constant power) and moves fixture powercap
 * counters in place at a fine step (1 ms), the way the hardware would, while being the command
 * that carbontracker tracks; then it writes the energy it added as JSON, to compare with what
 * carbontracker reports. GPUs are the fake NVML's: their traces are written into its scenario
 * file (power steps in time since nvmlInit) before the tracker starts, and the driver stays alive
 * past their end. It also makes the fixture trees, runs the many-short-epochs case through the C
 * API, and polls power-only GPUs through the NVML meter at several rates (the sweep).
 *
 * usage: trace_driver powercap ROOT SCENARIO   (pcf_create's scenarios, plus "single": one
 *                                              package, "wrap": counters that wrap every 0.5 s)
 *        trace_driver proc ROOT
 *        trace_driver nvml-scenario --gpus N [--power-only 1] [trace] --scenario FILE --out FILE
 *        trace_driver run    [--sysfs ROOT --zones Z1,Z2,...] [--hold SEC] [trace] --out FILE
 *        trace_driver epochs --sysfs ROOT --proc ROOT --zones ... --epochs N [trace] --out FILE
 *        trace_driver sweep  --nvml LIB --rates 1,2,5 --hold SEC --out FILE
 * trace options: --seed S --duration SEC --shape bursty|constant --watts W --min-w W --max-w W
 *                --min-ms MS --max-ms MS --step-ms MS
 * Exit 0, 1 on failure, 2 on usage errors.
 */
#include "bench_common.h"

#include "backends.h"
#include "carbontracker.h"
#include "meters.h"
#include "powercap_fixture.h"
#include "proc_fixture.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>

#define MAX_CHANNELS 64

/* A power trace for one device, generated lazily as time advances. */
struct trace {
    uint64_t rng;
    int constant;
    double watts;          /* constant power, or the current segment's */
    double min_w, max_w;   /* bursts: power uniform in [min_w, max_w] */
    double min_s, max_s;   /* bursts: duration log-uniform in [min_s, max_s] */
    uint64_t seg_start_ns; /* current segment, relative to the trace's start */
    uint64_t seg_end_ns;
    double cum_uj_at_start; /* energy of the trace up to seg_start_ns */
    long segments;
};

struct channel {
    char zone[64];  /* powercap zone id */
    char label[96]; /* the tracker's device label: cpu:N, dram:N */
    struct trace tr;
    uint64_t added_uj; /* energy written into the counter */
    uint64_t start_uj; /* the counter before the run */
    uint64_t range_uj; /* max_energy_range_uj (0: none) */
};

struct opts {
    uint64_t seed;
    double duration_s;
    int constant;
    double watts, min_w, max_w, min_ms, max_ms, step_ms;
    const char *sysfs, *proc, *zones, *out;
    int epochs;
    double epoch_min_ms, epoch_max_ms, gap_max_ms;
    int gpus, power_only, max_steps;
    double lead_s, hold_s;
    const char *scenario, *nvml, *rates;
};

static struct channel channels[MAX_CHANNELS];
static int n_channels;

static int usage(void)
{
    fputs("usage: trace_driver powercap ROOT SCENARIO | proc ROOT |\n"
          "       run|epochs|nvml-scenario|sweep --out FILE [--sysfs ROOT] [--proc ROOT]\n"
          "         [--zones Z1,Z2] [--seed S] [--duration SEC] [--shape bursty|constant]\n"
          "         [--watts W] [--min-w W] [--max-w W] [--min-ms MS] [--max-ms MS]\n"
          "         [--step-ms MS] [--epochs N] [--epoch-min-ms MS] [--epoch-max-ms MS]\n"
          "         [--gap-max-ms MS] [--gpus N] [--power-only 0|1] [--lead-s SEC]\n"
          "         [--hold SEC] [--scenario FILE] [--nvml LIB] [--rates HZ,HZ,...]\n"
          "         [--max-steps N]\n",
          stderr);
    return 2;
}

/* ---- traces ------------------------------------------------------------------------------ */

static void trace_init(struct trace *tr, const struct opts *o, unsigned index)
{
    memset(tr, 0, sizeof(*tr));
    tr->rng = o->seed * 0x100000001B3ULL + index * 0x9E3779B97F4A7C15ULL + 1;
    tr->constant = o->constant;
    tr->min_w = o->min_w;
    tr->max_w = o->max_w;
    tr->min_s = o->min_ms / 1e3;
    tr->max_s = o->max_ms / 1e3;
    if (tr->constant) {
        tr->watts = o->watts;
        tr->seg_end_ns = UINT64_MAX;
        tr->segments = 1;
        return;
    }
    tr->seg_end_ns = 0; /* the first call draws the first segment */
}

/* Energy of the trace from its start to t_ns, in microjoules. t_ns never decreases. */
static double trace_energy_uj(struct trace *tr, uint64_t t_ns)
{
    while (!tr->constant && t_ns >= tr->seg_end_ns) {
        tr->cum_uj_at_start += tr->watts * (double)(tr->seg_end_ns - tr->seg_start_ns) / 1e3;
        tr->seg_start_ns = tr->seg_end_ns;
        double u = bench_rand_unit(&tr->rng), v = bench_rand_unit(&tr->rng);
        double len_s = tr->min_s * pow(tr->max_s / tr->min_s, u);
        tr->watts = tr->min_w + (tr->max_w - tr->min_w) * v;
        tr->seg_end_ns = tr->seg_start_ns + (uint64_t)(len_s * 1e9);
        tr->segments++;
    }
    /* W x ns = 1e-3 uJ */
    return tr->cum_uj_at_start + tr->watts * (double)(t_ns - tr->seg_start_ns) / 1e3;
}

/* ---- fixture trees ----------------------------------------------------------------------- */

/* The bench's own scenarios; the others are pcf_create's. */
static int make_powercap(const char *root, const char *scenario)
{
    int r;
    if (strcmp(scenario, "single") == 0) {
        r = pcf_create(root, "none");
        if (r == 0)
            r = pcf_add_zone(root, "intel-rapl:0", "package-0", 5000000000ULL, PCF_RANGE_INTEL_UJ,
                             300000000ULL);
    } else if (strcmp(scenario, "wrap") == 0) {
        /* 150 J at 300 W: a wrap every 0.5 s at full power, so the sampler reads every 0.25 s.
         * The dram zone has no power limit (1000 W assumed) and a 100 J range: read every
         * 50 ms. Both start close to the top of their range. */
        r = pcf_create(root, "none");
        if (r == 0)
            r = pcf_add_zone(root, "intel-rapl:0", "package-0", 149000000ULL, 150000000ULL,
                             300000000ULL);
        if (r == 0)
            r = pcf_add_zone(root, "intel-rapl:0:0", "dram", 99500000ULL, 100000000ULL, 0);
    } else {
        r = pcf_create(root, scenario);
    }
    if (r == -EINVAL)
        fprintf(stderr, "trace_driver: unknown scenario '%s'\n", scenario);
    else if (r < 0)
        fprintf(stderr, "trace_driver: cannot create %s in %s: %s\n", scenario, root, strerror(-r));
    return r < 0 ? 1 : 0;
}

static int make_proc(const char *root)
{
    struct prf_stat st = {.user = 100000, .system = 20000, .idle = 500000};
    int r = prf_create(root, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 4, &st);
    if (r < 0)
        fprintf(stderr, "trace_driver: cannot create %s: %s\n", root, strerror(-r));
    return r < 0 ? 1 : 0;
}

/* Read a zone's name file (trailing newline removed). */
static int zone_name(const char *root, const char *zone, char *buf, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/class/powercap/%s/name", root, zone);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    if (!fgets(buf, (int)len, f))
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* The label the tracker gives a zone: package-N -> cpu:N, dram below package-N -> dram:N. */
static int zone_label(const char *root, const char *zone, char *label, size_t len)
{
    char name[64], parent[64], pname[64];
    int pkg;
    if (zone_name(root, zone, name, sizeof(name)) < 0)
        return -1;
    if (sscanf(name, "package-%d", &pkg) == 1) {
        snprintf(label, len, "cpu:%d", pkg);
        return 0;
    }
    const char *last = strrchr(zone, ':');
    snprintf(parent, sizeof(parent), "%.*s", (int)(last - zone), zone);
    if (strcmp(name, "dram") == 0 && zone_name(root, parent, pname, sizeof(pname)) == 0 &&
        sscanf(pname, "package-%d", &pkg) == 1) {
        snprintf(label, len, "dram:%d", pkg);
        return 0;
    }
    snprintf(label, len, "%s", name);
    return 0;
}

static int setup_channels(const struct opts *o)
{
    char list[1024];
    snprintf(list, sizeof(list), "%s", o->zones ? o->zones : "");
    n_channels = 0;
    for (char *save = NULL, *z = strtok_r(list, ",", &save); z; z = strtok_r(NULL, ",", &save)) {
        if (n_channels == MAX_CHANNELS)
            return -1;
        struct channel *c = &channels[n_channels];
        memset(c, 0, sizeof(*c));
        snprintf(c->zone, sizeof(c->zone), "%s", z);
        if (zone_label(o->sysfs, c->zone, c->label, sizeof(c->label)) < 0) {
            fprintf(stderr, "trace_driver: no zone %s in %s\n", z, o->sysfs);
            return -1;
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s/class/powercap/%s/max_energy_range_uj", o->sysfs, z);
        FILE *f = fopen(path, "r");
        if (!f || fscanf(f, "%" SCNu64, &c->range_uj) != 1)
            c->range_uj = 0;
        if (f)
            fclose(f);
        if (pcf_get(o->sysfs, c->zone, &c->start_uj) < 0)
            return -1;
        trace_init(&c->tr, o, (unsigned)n_channels);
        n_channels++;
    }
    return n_channels > 0 ? 0 : -1;
}

/* ---- run: be the tracked command ---------------------------------------------------------- */

struct step_stats {
    long steps;
    long late_steps; /* more than one step late */
    uint64_t max_late_ns;
};

/* Follow the traces from now for duration_ns, advancing every step_ns. */
static int drive_for(const struct opts *o, const char *root, uint64_t t_from_ns,
                     uint64_t duration_ns, struct step_stats *st)
{
    uint64_t step_ns = (uint64_t)(o->step_ms * 1e6);
    uint64_t t0 = bench_mono_ns();
    for (uint64_t k = 1;; k++) {
        uint64_t due = k * step_ns < duration_ns ? k * step_ns : duration_ns;
        bench_sleep_until_ns(t0 + due);
        uint64_t now = bench_mono_ns() - t0;
        if (now > due && now - due > st->max_late_ns)
            st->max_late_ns = now - due;
        if (now > due + step_ns)
            st->late_steps++;
        uint64_t t = now < duration_ns ? now : duration_ns;
        for (int i = 0; i < n_channels; i++) {
            struct channel *c = &channels[i];
            uint64_t target = (uint64_t)floor(trace_energy_uj(&c->tr, t_from_ns + t));
            if (target > c->added_uj) {
                int r = pcf_advance(root, c->zone, target - c->added_uj);
                if (r < 0) {
                    fprintf(stderr, "trace_driver: cannot advance %s: %s\n", c->zone, strerror(-r));
                    return -1;
                }
                c->added_uj = target;
            }
        }
        st->steps++;
        if (now >= duration_ns)
            return 0;
    }
}

static void write_channels(FILE *f)
{
    fprintf(f, "\"devices\":[");
    for (int i = 0; i < n_channels; i++) {
        const struct channel *c = &channels[i];
        uint64_t wraps = c->range_uj ? (c->start_uj + c->added_uj) / c->range_uj : 0;
        fprintf(f,
                "%s{\"zone\":\"%s\",\"label\":\"%s\",\"energy_uj\":%" PRIu64
                ",\"segments\":%ld,\"range_uj\":%" PRIu64 ",\"wraps\":%" PRIu64 "}",
                i ? "," : "", c->zone, c->label, c->added_uj, c->tr.segments, c->range_uj, wraps);
    }
    fprintf(f, "]");
}

static uint64_t total_added_uj(void)
{
    uint64_t sum = 0;
    for (int i = 0; i < n_channels; i++)
        sum += channels[i].added_uj;
    return sum;
}

static int cmd_run(const struct opts *o)
{
    if (o->zones && setup_channels(o) < 0)
        return 1;
    struct step_stats st = {0};
    uint64_t w0 = bench_mono_ns();
    if (n_channels > 0 && drive_for(o, o->sysfs, 0, (uint64_t)(o->duration_s * 1e9), &st) < 0)
        return 1;
    /* GPUs follow their scenario on their own: stay alive past its end. */
    if (o->hold_s > 0)
        bench_sleep_until_ns(w0 + (uint64_t)(o->hold_s * 1e9));
    double wall_s = (double)(bench_mono_ns() - w0) / 1e9;
    FILE *f = fopen(o->out, "w");
    if (!f) {
        fprintf(stderr, "trace_driver: cannot write %s: %s\n", o->out, strerror(errno));
        return 1;
    }
    fprintf(f,
            "{\"mode\":\"run\",\"seed\":%" PRIu64 ",\"shape\":\"%s\",\"duration_s\":%.3f,"
            "\"wall_s\":%.3f,\"step_ms\":%g,\"steps\":%ld,\"late_steps\":%ld,"
            "\"max_late_ms\":%.3f,\"energy_j\":%.6f,",
            o->seed, o->constant ? "constant" : "bursty", n_channels ? o->duration_s : 0.0, wall_s,
            o->step_ms, st.steps, st.late_steps, (double)st.max_late_ns / 1e6,
            (double)total_added_uj() / 1e6);
    write_channels(f);
    fprintf(f, "}\n");
    return fclose(f) == 0 ? 0 : 1;
}

/* ---- GPUs: the fake NVML's scenario -------------------------------------------------------- */

/* The fake NVML keeps at most MAX_STEPS power steps per device (512 now; 16 in its first
 * version) and drops more silently, which would make the truth wrong: --max-steps says how many
 * it takes (run.sh reads it from the fake's source and passes at most 400). The default is the
 * first version's, safe with any fake. */
#define FAKE_NVML_MAX_STEPS 16

/*
 * Write a scenario for the fake NVML: per GPU 0 W until lead_s (+ 0..1 s) after nvmlInit,
 * then bursts (or one constant segment) for about duration_s, then 0 W. Durations are whole
 * milliseconds and powers whole milliwatts, so the truth, sum of mW x ms, is an exact integer
 * in microjoules and equals what the fake integrates from the text it parses.
 */
static int cmd_nvml_scenario(const struct opts *o)
{
    FILE *sc = fopen(o->scenario, "w"), *out = fopen(o->out, "w");
    if (!sc || !out) {
        fprintf(stderr, "trace_driver: cannot write %s / %s\n", o->scenario, o->out);
        if (sc)
            fclose(sc);
        if (out)
            fclose(out);
        return 1;
    }
    uint64_t lead_ms = (uint64_t)llround(o->lead_s * 1e3);
    uint64_t total_uj = 0, end_ms_max = 0;
    fprintf(sc, "# trace_driver nvml-scenario: seed %" PRIu64 ", %s, %d GPU(s)\n", o->seed,
            o->constant ? "constant" : "bursty", o->gpus);
    fprintf(out,
            "{\"mode\":\"nvml-scenario\",\"seed\":%" PRIu64 ",\"shape\":\"%s\","
            "\"power_only\":%s,\"gpus\":[",
            o->seed, o->constant ? "constant" : "bursty", o->power_only ? "true" : "false");
    for (int g = 0; g < o->gpus; g++) {
        struct trace tr;
        trace_init(&tr, o, 1000u + (unsigned)g);
        fprintf(sc,
                "[device]\nname = NVIDIA A100-SXM4-40GB\n"
                "uuid = GPU-bench000-0000-0000-0000-%012d\n",
                g);
        fprintf(sc, "energy_counter = %s\npower = yes\nwatts = 0:0", o->power_only ? "no" : "yes");
        /* The first step falls anywhere in a 1 s window: uniformly placed against the grid of
         * every polling rate that divides 1 s, rather than always early in an interval. */
        uint64_t gpu_lead_ms = lead_ms + (uint64_t)(bench_rand_unit(&tr.rng) * 1000.0);
        uint64_t t_ms = gpu_lead_ms, uj = 0, dur_ms = (uint64_t)llround(o->duration_s * 1e3);
        int steps = 1, bursts = 0;
        while (steps < o->max_steps - 1 && t_ms < gpu_lead_ms + dur_ms) {
            uint64_t len_ms, mw;
            if (tr.constant) {
                len_ms = dur_ms;
                mw = (uint64_t)llround(tr.watts * 1e3);
            } else {
                double u = bench_rand_unit(&tr.rng), v = bench_rand_unit(&tr.rng);
                len_ms = (uint64_t)llround(tr.min_s * pow(tr.max_s / tr.min_s, u) * 1e3);
                mw = (uint64_t)llround((tr.min_w + (tr.max_w - tr.min_w) * v) * 1e3);
                if (len_ms < 1)
                    len_ms = 1;
            }
            fprintf(sc, ", %" PRIu64 ".%03" PRIu64 ":%" PRIu64 ".%03" PRIu64, t_ms / 1000,
                    t_ms % 1000, mw / 1000, mw % 1000);
            uj += mw * len_ms;
            t_ms += len_ms;
            steps++;
            bursts++;
        }
        fprintf(sc, ", %" PRIu64 ".%03" PRIu64 ":0\n", t_ms / 1000, t_ms % 1000);
        fprintf(out,
                "%s{\"index\":%d,\"uuid\":\"GPU-bench000-0000-0000-0000-%012d\","
                "\"energy_uj\":%" PRIu64 ",\"energy_j\":%.6f,\"bursts\":%d,\"end_s\":%.3f}",
                g ? "," : "", g, g, uj, (double)uj / 1e6, bursts, (double)t_ms / 1e3);
        total_uj += uj;
        if (t_ms > end_ms_max)
            end_ms_max = t_ms;
    }
    fprintf(out, "],\"energy_j\":%.6f,\"lead_s\":%.3f,\"end_s\":%.3f}\n", (double)total_uj / 1e6,
            (double)lead_ms / 1e3, (double)end_ms_max / 1e3);
    int rc = fclose(sc) == 0;
    rc &= fclose(out) == 0;
    return rc ? 0 : 1;
}

/* ---- sweep: power-only GPUs polled at several rates ---------------------------------------- */

#define MAX_RATES 8

struct poller {
    double hz;
    void *state;
    int n_devs;
    struct ct__reading readings[CT_MAX_DEVICES];
    uint64_t until_ns;
    long reads, failures;
};

static pthread_mutex_t nvml_lock = PTHREAD_MUTEX_INITIALIZER;

/* Read the meter at absolute deadlines 1/hz apart (the sampler's way), then once at the end. */
static void *poll_main(void *arg)
{
    struct poller *p = arg;
    uint64_t period_ns = (uint64_t)(1e9 / p->hz), next = bench_mono_ns();
    for (;;) {
        next += period_ns;
        int last = next >= p->until_ns;
        bench_sleep_until_ns(last ? p->until_ns : next);
        pthread_mutex_lock(&nvml_lock); /* as the tracker's meter lock: one read at a time */
        if (ct__meter_nvml.read(p->state, ct__now_ns(), p->readings) != CT_OK)
            p->failures++;
        pthread_mutex_unlock(&nvml_lock);
        p->reads++;
        if (last)
            return NULL;
    }
}

static int cmd_sweep(const struct opts *o)
{
    struct poller pollers[MAX_RATES];
    pthread_t threads[MAX_RATES];
    int n = 0, rc = 1, started = 0;
    memset(pollers, 0, sizeof(pollers));
    ct_options co = CT_OPTIONS_INIT;
    co.nvml_library = o->nvml;
    struct ct__settings settings = {0}; /* nvml.library, resolved as a tracker does */
    struct ct__probe_ctx ctx = {.sysfs_fd = -1, .proc_fd = -1, .opts = &co, .settings = &settings};
    char list[256], why[1024];
    if (ct__backends_resolve(&settings, &co, why, sizeof(why)) != CT_OK) {
        fprintf(stderr, "trace_driver: %s\n", why);
        goto cleanup;
    }
    snprintf(list, sizeof(list), "%s", o->rates);
    uint64_t t0 = bench_mono_ns();
    for (char *save = NULL, *r = strtok_r(list, ",", &save); r && n < MAX_RATES;
         r = strtok_r(NULL, ",", &save)) {
        struct poller *p = &pollers[n];
        p->hz = atof(r);
        if (!(p->hz > 0))
            goto cleanup;
        why[0] = '\0';
        if (ct__meter_nvml.probe(&ctx, &p->state, why, sizeof(why)) != CT_OK) {
            fprintf(stderr, "trace_driver: NVML probe failed: %s\n", why);
            goto cleanup;
        }
        struct ct__meter_dev devs[CT_MAX_DEVICES];
        memset(devs, 0, sizeof(devs));
        p->n_devs = ct__meter_nvml.describe(p->state, devs, CT_MAX_DEVICES);
        p->until_ns = t0 + (uint64_t)(o->hold_s * 1e9);
        n++;
    }
    for (started = 0; started < n; started++)
        if (pthread_create(&threads[started], NULL, poll_main, &pollers[started]) != 0)
            break;
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    if (started < n)
        goto cleanup;
    FILE *f = fopen(o->out, "w");
    if (!f) {
        fprintf(stderr, "trace_driver: cannot write %s: %s\n", o->out, strerror(errno));
        goto cleanup;
    }
    fprintf(f, "{\"mode\":\"sweep\",\"hold_s\":%.3f,\"rates\":[", o->hold_s);
    for (int i = 0; i < n; i++) {
        const struct poller *p = &pollers[i];
        double sum = 0;
        fprintf(f, "%s{\"hz\":%g,\"reads\":%ld,\"failures\":%ld,\"devices\":[", i ? "," : "", p->hz,
                p->reads, p->failures);
        for (int d = 0; d < p->n_devs; d++) {
            sum += (double)p->readings[d].energy_uj / 1e6;
            fprintf(f, "%s%.6f", d ? "," : "", (double)p->readings[d].energy_uj / 1e6);
        }
        fprintf(f, "],\"energy_j\":%.6f}", sum);
    }
    fprintf(f, "]}\n");
    rc = fclose(f) == 0 ? 0 : 1;
cleanup:
    for (int i = 0; i < n; i++)
        ct__meter_nvml.close(pollers[i].state);
    ct__settings_free(&settings);
    return rc;
}

/* ---- epochs: many short epochs through the C API ------------------------------------------ */

static int cmd_epochs(const struct opts *o)
{
    if (setup_channels(o) < 0)
        return 1;
    ct_options co = CT_OPTIONS_INIT;
    co.sysfs_root = o->sysfs;
    co.proc_root = o->proc;
    co.zone = "DK";
    co.components = "cpu";
    co.epochs = o->epochs;
    co.epochs_before_pred = 0;
    co.verbose = 0;
    ct_tracker *t = NULL;
    char err[512] = "";
    int rc = ct_tracker_open(&t, &co, err, sizeof(err));
    if (rc != CT_OK) {
        fprintf(stderr, "trace_driver: ct_tracker_open: %s (%s)\n", ct_strerror(rc), err);
        return 1;
    }
    uint64_t rng = o->seed ^ 0xE90C5ULL;
    uint64_t t_ns = 0; /* position in the traces */
    double truth_j = 0, reported_j = 0, gap_j = 0, max_abs_err_j = 0, max_rel_err = 0;
    double min_epoch_s = 1e9, max_epoch_s = 0;
    long device_mismatches = 0;
    struct step_stats st = {0};
    static ct_epoch_result res;
    uint64_t before[MAX_CHANNELS];
    int e;
    for (e = 0; e < o->epochs; e++) {
        /* A gap between epochs: energy that no epoch may count. */
        uint64_t gap_ns = (uint64_t)(bench_rand_unit(&rng) * o->gap_max_ms * 1e6);
        uint64_t gap_from = total_added_uj();
        if (gap_ns > 0 && drive_for(o, o->sysfs, t_ns, gap_ns, &st) < 0)
            goto fail;
        t_ns += gap_ns;
        gap_j += (double)(total_added_uj() - gap_from) / 1e6;

        double u = bench_rand_unit(&rng);
        uint64_t len_ns =
            (uint64_t)((o->epoch_min_ms + (o->epoch_max_ms - o->epoch_min_ms) * u) * 1e6);
        for (int i = 0; i < n_channels; i++)
            before[i] = channels[i].added_uj;
        ct_epoch_start(t);
        if (drive_for(o, o->sysfs, t_ns, len_ns, &st) < 0)
            goto fail;
        t_ns += len_ns;
        res.version = CT_EPOCH_RESULT_VERSION;
        rc = ct_epoch_end(t, &res);
        if (rc != CT_OK) {
            fprintf(stderr, "trace_driver: ct_epoch_end: %s\n", ct_strerror(rc));
            goto fail;
        }
        double added_j = 0;
        for (int i = 0; i < n_channels; i++) {
            double dev_j = (double)(channels[i].added_uj - before[i]) / 1e6;
            added_j += dev_j;
            int found = 0;
            for (int d = 0; d < res.n_devices; d++) {
                ct_device_energy de = CT_DEVICE_ENERGY_INIT;
                if (ct_epoch_device(t, (size_t)d, &de) != CT_OK)
                    continue;
                if (strcmp(de.name, channels[i].label) == 0) {
                    found = 1;
                    if (fabs(de.energy_j - dev_j) > 1e-6)
                        device_mismatches++;
                }
            }
            if (!found)
                device_mismatches++;
        }
        double err_j = fabs(res.energy_j - added_j);
        truth_j += added_j;
        reported_j += res.energy_j;
        if (err_j > max_abs_err_j)
            max_abs_err_j = err_j;
        if (added_j > 0 && err_j / added_j > max_rel_err)
            max_rel_err = err_j / added_j;
        if (res.duration_s < min_epoch_s)
            min_epoch_s = res.duration_s;
        if (res.duration_s > max_epoch_s)
            max_epoch_s = res.duration_s;
    }
    ct_summary s = {.version = CT_SUMMARY_VERSION};
    ct_get_summary(t, &s);
    ct_tracker_free(t);
    t = NULL;
    FILE *f = fopen(o->out, "w");
    if (!f) {
        fprintf(stderr, "trace_driver: cannot write %s: %s\n", o->out, strerror(errno));
        return 1;
    }
    fprintf(f,
            "{\"mode\":\"epochs\",\"seed\":%" PRIu64 ",\"epochs\":%d,\"truth_j\":%.6f,"
            "\"reported_j\":%.6f,\"summary_energy_j\":%.6f,\"summary_epochs\":%d,"
            "\"gap_energy_j\":%.6f,\"max_epoch_abs_err_j\":%.9f,\"max_epoch_rel_err\":%.3e,"
            "\"device_mismatches\":%ld,\"min_epoch_s\":%.4f,\"max_epoch_s\":%.4f,"
            "\"steps\":%ld,\"late_steps\":%ld,\"max_late_ms\":%.3f,",
            o->seed, o->epochs, truth_j, reported_j, s.energy_j, s.epochs, gap_j, max_abs_err_j,
            max_rel_err, device_mismatches, min_epoch_s, max_epoch_s, st.steps, st.late_steps,
            (double)st.max_late_ns / 1e6);
    write_channels(f);
    fprintf(f, "}\n");
    return fclose(f) == 0 ? 0 : 1;
fail:
    ct_tracker_free(t);
    return 1;
}

/* ---- main --------------------------------------------------------------------------------- */

static int parse(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){.seed = 1,
                       .duration_s = 5,
                       .watts = 100,
                       .min_w = 10,
                       .max_w = 300,
                       .min_ms = 10,
                       .max_ms = 2000,
                       .step_ms = 1,
                       .epochs = 200,
                       .epoch_min_ms = 5,
                       .epoch_max_ms = 50,
                       .gap_max_ms = 10,
                       .gpus = 1,
                       .max_steps = FAKE_NVML_MAX_STEPS,
                       .lead_s = 0.3};
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc)
            return -1;
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--seed") == 0)
            o->seed = strtoull(v, NULL, 10);
        else if (strcmp(k, "--duration") == 0)
            o->duration_s = atof(v);
        else if (strcmp(k, "--shape") == 0 && (!strcmp(v, "bursty") || !strcmp(v, "constant")))
            o->constant = strcmp(v, "constant") == 0;
        else if (strcmp(k, "--watts") == 0)
            o->watts = atof(v);
        else if (strcmp(k, "--min-w") == 0)
            o->min_w = atof(v);
        else if (strcmp(k, "--max-w") == 0)
            o->max_w = atof(v);
        else if (strcmp(k, "--min-ms") == 0)
            o->min_ms = atof(v);
        else if (strcmp(k, "--max-ms") == 0)
            o->max_ms = atof(v);
        else if (strcmp(k, "--step-ms") == 0)
            o->step_ms = atof(v);
        else if (strcmp(k, "--sysfs") == 0)
            o->sysfs = v;
        else if (strcmp(k, "--proc") == 0)
            o->proc = v;
        else if (strcmp(k, "--zones") == 0)
            o->zones = v;
        else if (strcmp(k, "--out") == 0)
            o->out = v;
        else if (strcmp(k, "--epochs") == 0)
            o->epochs = atoi(v);
        else if (strcmp(k, "--epoch-min-ms") == 0)
            o->epoch_min_ms = atof(v);
        else if (strcmp(k, "--epoch-max-ms") == 0)
            o->epoch_max_ms = atof(v);
        else if (strcmp(k, "--gap-max-ms") == 0)
            o->gap_max_ms = atof(v);
        else if (strcmp(k, "--gpus") == 0)
            o->gpus = atoi(v);
        else if (strcmp(k, "--power-only") == 0)
            o->power_only = atoi(v);
        else if (strcmp(k, "--lead-s") == 0)
            o->lead_s = atof(v);
        else if (strcmp(k, "--hold") == 0)
            o->hold_s = atof(v);
        else if (strcmp(k, "--scenario") == 0)
            o->scenario = v;
        else if (strcmp(k, "--nvml") == 0)
            o->nvml = v;
        else if (strcmp(k, "--rates") == 0)
            o->rates = v;
        else if (strcmp(k, "--max-steps") == 0)
            o->max_steps = atoi(v);
        else
            return -1;
    }
    if (!o->out || !(o->duration_s > 0) || !(o->step_ms > 0) || !(o->min_ms > 0) ||
        o->max_ms < o->min_ms || o->max_w < o->min_w || o->epochs < 1 || o->gpus < 1 ||
        o->gpus > 16 || o->lead_s < 0 || o->max_steps < 3 || (o->zones && !o->sysfs))
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "powercap") == 0)
        return argc == 4 ? make_powercap(argv[2], argv[3]) : usage();
    if (strcmp(cmd, "proc") == 0)
        return argc == 3 ? make_proc(argv[2]) : usage();
    struct opts o;
    if (parse(argc, argv, &o) < 0)
        return usage();
    if (strcmp(cmd, "run") == 0)
        return cmd_run(&o);
    if (strcmp(cmd, "epochs") == 0)
        return o.proc && o.zones ? cmd_epochs(&o) : usage();
    if (strcmp(cmd, "nvml-scenario") == 0)
        return o.scenario ? cmd_nvml_scenario(&o) : usage();
    if (strcmp(cmd, "sweep") == 0)
        return o.nvml && o.rates && o.hold_s > 0 ? cmd_sweep(&o) : usage();
    return usage();
}
