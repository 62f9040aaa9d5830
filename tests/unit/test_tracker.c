/*
 * test_tracker.c - the tracker end to end through its seams: fixture powercap and proc trees
 * whose counters the test advances while a tracker runs, the epoch API, upstream's texts and
 * log files, prediction and actual consumption, validation, fallbacks and the JSON outputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "console_capture.h"
#include "ct_assert.h"
#include "powercap_fixture.h"
#include "proc_fixture.h"
#include "tracker.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct fx {
    char sys[4096];
    char proc[4096];
    char logs[4096];
    struct console_buf con; /* what the tracker printed */
};

static int setup(void **state, const char *scenario)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(pcf_mkroot(f->sys, sizeof(f->sys), "sys"), 0);
    assert_int_equal(prf_mkroot(f->proc, sizeof(f->proc), "proc"), 0);
    assert_int_equal(pcf_mkroot(f->logs, sizeof(f->logs), "logs"), 0);
    if (strcmp(scenario, "none") != 0)
        assert_int_equal(pcf_create(f->sys, scenario), 0);
    struct prf_stat st = {.user = 1000, .system = 500, .idle = 8500};
    assert_int_equal(prf_create(f->proc, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 4, &st), 0);
    *state = f;
    return 0;
}

static int setup_server2(void **state)
{
    return setup(state, "server2");
}

static int setup_client(void **state)
{
    return setup(state, "client");
}

static int setup_none(void **state)
{
    return setup(state, "none");
}

static int teardown(void **state)
{
    struct fx *f = *state;
    pcf_remove(f->sys);
    prf_remove(f->proc);
    pcf_remove(f->logs);
    free(f);
    return 0;
}

static ct_options base_options(struct fx *f)
{
    ct_options o = CT_OPTIONS_INIT;
    o.sysfs_root = f->sys;
    o.proc_root = f->proc;
    o.zone = "DK";
    o.log_dir = f->logs;
    o.message = console_capture;
    o.message_user = &f->con;
    o.update_interval_s = 10; /* the tests drive reads through the epoch boundaries */
    o.nvml_library = "/nonexistent/libnvidia-ml.so.1"; /* no GPU, even on a machine with one */
    return o;
}

/* Read the whole of the log file whose name ends in `suffix` ("_carbontracker.log"). */
static char *read_log(struct fx *f, const char *suffix)
{
    DIR *d = opendir(f->logs);
    assert_non_null(d);
    struct dirent *e;
    char path[8192] = "";
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name), s = strlen(suffix);
        if (n > s && strcmp(e->d_name + n - s, suffix) == 0)
            snprintf(path, sizeof(path), "%s/%s", f->logs, e->d_name);
    }
    closedir(d);
    if (!path[0])
        return NULL;
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* Remove the log files of earlier runs. */
static void clear_logs(struct fx *f)
{
    DIR *d = opendir(f->logs);
    assert_non_null(d);
    struct dirent *e;
    char path[8192];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", f->logs, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static void wait_samples(ct_tracker *t, uint64_t more)
{
    pthread_mutex_lock(&t->ledger.lock);
    uint64_t target = t->ledger.samples + more;
    pthread_mutex_unlock(&t->ledger.lock);
    for (int i = 0; i < 5000; i++) {
        pthread_mutex_lock(&t->ledger.lock);
        uint64_t n = t->ledger.samples;
        pthread_mutex_unlock(&t->ledger.lock);
        if (n >= target)
            return;
        usleep(1000);
    }
    fail_msg("sampler did not tick");
}

/* Device i of the latest completed epoch (ct_epoch_device) or of the run (ct_summary_device). */
static ct_device_energy epoch_dev(const ct_tracker *t, int i)
{
    ct_device_energy d = CT_DEVICE_ENERGY_INIT;
    assert_int_equal(ct_epoch_device(t, (size_t)i, &d), CT_OK);
    return d;
}

static ct_device_energy run_dev(const ct_tracker *t, int i)
{
    ct_device_energy d = CT_DEVICE_ENERGY_INIT;
    assert_int_equal(ct_summary_device(t, (size_t)i, &d), CT_OK);
    return d;
}

/* The latest epoch's device called `name`. */
static ct_device_energy dev(const ct_tracker *t, const char *name)
{
    for (int i = 0; i < t->ledger.n_devs; i++) {
        ct_device_energy d = epoch_dev(t, i);
        if (strcmp(d.name, name) == 0)
            return d;
    }
    fail_msg("no device %s", name);
    ct_device_energy none = CT_DEVICE_ENERGY_INIT;
    return none;
}

static void test_two_sockets_exact_energy(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    o.epochs = 3;
    ct_tracker *t = NULL;
    char err[512];
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_OK);
    ct_assert_contains(f->con.text, "CarbonTracker: The following components were found: CPU "
                                    "with device(s) cpu:0, dram:0, cpu:1, dram:1.\n");

    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:0", 50000000);  /* 50 J */
    pcf_advance(f->sys, "intel-rapl:0:0", 5000000); /* 5 J */
    pcf_advance(f->sys, "intel-rapl:1", 40000000);  /* 40 J */
    pcf_advance(f->sys, "intel-rapl:1:0", 4000001); /* 4.000001 J */
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    assert_int_equal(ct_epoch_end(t, &r), CT_OK);
    assert_int_equal(r.epoch, 1);
    assert_int_equal(r.n_devices, 4);
    ct_assert_double_equal(50.0, dev(t, "cpu:0").energy_j);
    ct_assert_double_equal(5.0, dev(t, "dram:0").energy_j);
    ct_assert_double_equal(40.0, dev(t, "cpu:1").energy_j);
    ct_assert_double_equal(4.000001, dev(t, "dram:1").energy_j);
    ct_assert_double_near(99.000001, r.cpu_energy_j, 1e-9); /* summed, never averaged */
    ct_assert_double_equal(0.0, r.gpu_energy_j);
    assert_string_equal(dev(t, "cpu:0").meter, "rapl-powercap");
    assert_int_equal(dev(t, "cpu:0").provenance, CT_PROVENANCE_MEASURED);
    ct_assert_double_near(99.000001 / 3.6e6 * 1.58, r.energy_kwh_pue, 1e-15);
    ct_assert_double_near(151.6503, r.intensity_g_per_kwh, 1e-9);
    ct_assert_double_near(99.000001 / 3.6e6 * 1.58 * 151.6503, r.co2eq_g, 1e-12);

    /* Energy between epochs is not counted in the epochs. */
    pcf_advance(f->sys, "intel-rapl:0", 1000000000);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:1", 7000000);
    assert_int_equal(ct_epoch_end(t, &r), CT_OK);
    assert_int_equal(r.epoch, 2);
    ct_assert_double_equal(7.0, r.cpu_energy_j);
    ct_tracker_free(t);
}

static void test_short_epoch_exact(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    o.epochs = 1;
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:0", 123457); /* 0.123457 J in a ~1 ms epoch */
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    assert_int_equal(ct_epoch_end(t, &r), CT_OK);
    ct_assert_cmp_double(r.duration_s, <, 0.5);
    ct_assert_double_equal(0.123457, r.cpu_energy_j);
    ct_tracker_free(t);
}

static void test_wraparound_several_times(void **state)
{
    struct fx *f = *state;
    /* The fixture jumps 157 kJ between reads a few ms apart: raise the zone's power limit so
     * the meter does not take the jump for a counter reset (real hardware cannot do this). */
    assert_int_equal(
        pcf_write(f->sys, "intel-rapl:0", "constraint_0_max_power_uw", "1000000000000000"), 0);
    ct_options o = base_options(f);
    o.update_interval_s = 0.002;
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    /* 0.6 of the range per step, the sampler reading between steps: 3 wraps in 5 steps. */
    uint64_t step = PCF_RANGE_INTEL_UJ / 10 * 6, added = 0;
    for (int i = 0; i < 5; i++) {
        pcf_advance(f->sys, "intel-rapl:0", step);
        added += step;
        wait_samples(t, 2);
    }
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    assert_int_equal(ct_epoch_end(t, &r), CT_OK);
    ct_assert_double_equal((double)added / 1e6, dev(t, "cpu:0").energy_j);
    ct_assert_double_equal(0.0, dev(t, "dram:0").energy_j);
    ct_tracker_free(t);
}

static void test_client_excludes_core_uncore_psys_mmio(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    ct_summary s = {.version = CT_SUMMARY_VERSION};
    assert_int_equal(ct_get_summary(t, &s), CT_OK);
    assert_int_equal(s.n_devices, 2);
    assert_string_equal(run_dev(t, 0).name, "cpu:0");
    assert_string_equal(run_dev(t, 1).name, "dram:0");
    assert_int_equal(ct_epoch_start(t), CT_OK);
    pcf_advance(f->sys, "intel-rapl:0:0", 9000000); /* core: inside package, not added */
    pcf_advance(f->sys, "intel-rapl:1", 9000000);   /* psys: excluded */
    pcf_advance(f->sys, "intel-rapl:0", 2000000);
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    assert_int_equal(ct_epoch_end(t, &r), CT_OK);
    ct_assert_double_equal(2.0, r.cpu_energy_j);
    ct_tracker_free(t);
}

static void test_denied_counter_falls_back_to_estimate(void **state)
{
    struct fx *f = *state;
    assert_int_equal(pcf_deny(f->sys, "intel-rapl:0"), 0);
    ct_options o = base_options(f);
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    ct_assert_contains(f->con.text, "CarbonTracker: WARNING - ");
    ct_assert_contains(f->con.text, "intel-rapl:0/energy_uj");
    ct_assert_contains(f->con.text, "chmod");
    ct_assert_contains(f->con.text, "udev");
    ct_assert_contains(f->con.text, "CPU with device(s) Intel(R) Xeon(R) Gold 6130 CPU "
                                    "(estimated).");
    ct_summary s = {.version = CT_SUMMARY_VERSION};
    ct_get_summary(t, &s);
    assert_int_equal(s.n_devices, 1);
    assert_string_equal(run_dev(t, 0).meter, "cpu-tdp");
    assert_int_equal(run_dev(t, 0).provenance, CT_PROVENANCE_ESTIMATED);
    ct_tracker_free(t);
    char *err = read_log(f, "_carbontracker_err.log");
    assert_non_null(err);
    ct_assert_contains(err, " - MainThread - WARNING - ");
    ct_assert_contains(err, "energy_uj");
    free(err);
}

static void test_estimate_from_proc_stat(void **state)
{
    struct fx *f = *state; /* no powercap at all */
    ct_options o = base_options(f);
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    usleep(20000);
    assert_int_equal(prf_stat_advance(f->proc, 300, 100), 0); /* 75% busy */
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    assert_int_equal(ct_epoch_end(t, &r), CT_OK);
    /* Intel Xeon Gold 6130: TDP 125 W. */
    double expect = 125.0 * 0.75 * r.duration_s;
    ct_assert_double_near(expect, r.cpu_energy_j, 1e-5);
    assert_int_equal(epoch_dev(t, 0).provenance, CT_PROVENANCE_ESTIMATED);
    ct_tracker_free(t);
    char *std = read_log(f, "_carbontracker.log");
    ct_assert_contains(std, "CPU with device(s) Intel(R) Xeon(R) Gold 6130 CPU (estimated).");
    free(std);
}

/* Prediction after epochs_before_pred, stop after 3 of 5: "Actual consumption for 3 epoch(s)"
 * with the energy of those 3 epochs (upstream says 2 and counts 3). */
static void test_prediction_and_stop_count(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    o.epochs = 5;
    o.epochs_before_pred = 2;
    o.decimal_precision = 6;
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    for (int e = 0; e < 3; e++) {
        assert_int_equal(ct_epoch_start(t), CT_OK);
        pcf_advance(f->sys, "intel-rapl:0", 3600000000ull); /* 3600 J = 1 Wh */
        assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
        /* The epoch's lines are in the file (in the kernel, no buffer) when ct_epoch_end
         * returns: a run killed now loses none of them. */
        char *std = read_log(f, "_carbontracker.log"), want[32];
        snprintf(want, sizeof(want), " - Epoch %d:\n", e + 1);
        const char *lines = strstr(std, want);
        assert_non_null(lines);
        ct_assert_contains(lines, " - Duration: 0:00:");
        ct_assert_contains(lines, " - Average power usage (W) for cpu: ");
        assert_int_equal(std[strlen(std) - 1], '\n');
        free(std);
        if (e == 0)
            ct_assert_not_contains(f->con.text, "Predicted");
        if (e == 1)
            ct_assert_contains(f->con.text, "CarbonTracker: \nPredicted consumption for 5 "
                                            "epoch(s):\n\tTime:\t");
    }
    /* 5 x mean(1 Wh x 1.58) = 0.0079 kWh. */
    ct_assert_contains(f->con.text, "\tEnergy:\t0.007900 kWh\n");
    assert_int_equal(ct_epoch_start(t), CT_OK); /* a 4th epoch interrupted */
    pcf_advance(f->sys, "intel-rapl:0", 3600000000ull);
    assert_int_equal(ct_stop(t), CT_OK);
    ct_assert_contains(f->con.text, "CarbonTracker: \nActual consumption for 3 epoch(s):\n");
    ct_assert_contains(f->con.text, "\tEnergy:\t0.004740 kWh\n\tCO2eq:\t0.718822 g\n");
    ct_assert_contains(f->con.text, "CarbonTracker: Finished monitoring.\n");
    ct_summary s = {.version = CT_SUMMARY_VERSION};
    ct_get_summary(t, &s);
    assert_int_equal(s.epochs, 3);
    assert_int_equal(s.early_stop, 1);
    ct_assert_double_equal(3 * 3600.0, s.energy_j);
    assert_int_equal(s.predicted, 1);
    ct_assert_double_near(0.0079, s.pred_energy_kwh, 1e-12);
    /* Calls after the end are no-ops. */
    assert_int_equal(ct_epoch_start(t), CT_OK);
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    assert_int_equal(ct_epoch_end(t, &r), CT_OK);
    assert_int_equal(r.epoch, 0);
    assert_int_equal(ct_stop(t), CT_OK);
    ct_tracker_free(t);

    char *std = read_log(f, "_carbontracker.log");
    assert_non_null(std);
    ct_assert_contains(std, " - Training was interrupted before all 5 epochs were "
                            "monitored.\n");
    ct_assert_contains(std, " - Epoch 4 was still running at stop");
    ct_assert_contains(std, " - Average power usage (W) for cpu: ");
    ct_assert_contains(std, "fetched every 900 s at detected location DK (set by option): "
                            "[151.6503]\n");
    ct_assert_contains(std, " - Monitoring thread ended.\n");
    /* Every line of the standard log starts with upstream's time stamp. */
    regex_t re;
    assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} - ",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    char *save = NULL;
    for (char *line = strtok_r(std, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        assert_int_equal(regexec(&re, line, 0, NULL, 0), 0);
    regfree(&re);
    free(std);
    char *out = read_log(f, "_carbontracker_output.log");
    ct_assert_contains(out, " - CarbonTracker: \nActual consumption for 3 epoch(s):\n\tTime:");
    ct_assert_contains(out, " - CarbonTracker: Finished monitoring.\n");
    free(out);
}

static void test_all_epochs_semantics(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    o.epochs = 3;
    o.epochs_before_pred = -1; /* -1 = all epochs, as documented upstream */
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    for (int e = 0; e < 3; e++) {
        ct_assert_not_contains(f->con.text, "Predicted");
        ct_epoch_start(t);
        ct_epoch_end(t, NULL);
    }
    ct_assert_contains(f->con.text, "Predicted consumption for 3 epoch(s):");
    /* monitor_epochs = -1: actual printed by itself after the last epoch, no stop() needed. */
    ct_assert_contains(f->con.text, "Actual consumption for 3 epoch(s):");
    ct_summary s = {.version = CT_SUMMARY_VERSION};
    ct_get_summary(t, &s);
    assert_int_equal(s.finished, 1);
    assert_int_equal(s.early_stop, 0);
    ct_tracker_free(t);
}

static void test_validation_messages(void **state)
{
    struct fx *f = *state;
    char err[512];
    ct_tracker *t = NULL;
    ct_options o;

#define EXPECT(stmt, code, text)                                                                   \
    do {                                                                                           \
        o = base_options(f);                                                                       \
        stmt;                                                                                      \
        err[0] = '\0';                                                                             \
        assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), code);                         \
        assert_null(t);                                                                            \
        assert_string_equal(err, text);                                                            \
    } while (0)

    EXPECT(o.monitor_epochs = 0, CT_EINVAL,
           "monitor_epochs cannot be less than epochs_before_pred");
    EXPECT((o.monitor_epochs = 0, o.epochs_before_pred = 0), CT_EINVAL,
           "monitor_epochs cannot be zero");
    EXPECT((o.epochs = 5, o.monitor_epochs = 1, o.epochs_before_pred = 3), CT_EINVAL,
           "monitor_epochs cannot be less than epochs_before_pred");
    EXPECT(o.sim_cpu = "X", CT_EINVAL,
           "When using simulated CPU (sim_cpu), you must also specify the CPU TDP (sim_cpu_tdp)");
    EXPECT(o.sim_gpu = "G", CT_EINVAL,
           "When using simulated GPU (sim_gpu), you must also specify the GPU power consumption "
           "(sim_gpu_watts)");
    EXPECT((o.sim_cpu = "X", o.sim_cpu_tdp_w = -1), CT_EINVAL,
           "CPU TDP must be a non-negative number.");
    EXPECT((o.sim_gpu = "G", o.sim_gpu_watts = 100, o.sim_gpu_util = 1.5), CT_EINVAL,
           "GPU utilization must be between 0.0 and 1.0.");
    EXPECT(o.components = "cpu,tpu", CT_EINVAL, "No component found with name 'tpu'.");
    EXPECT(o.epochs = 0, CT_EINVAL, "epochs must be a positive integer, got 0");
    EXPECT(o.pue = 0.9, CT_EINVAL, "pue must be a number >= 1.0, got 0.9");
    EXPECT(o.update_interval_s = 0, CT_EINVAL,
           "update_interval must be a positive number of seconds");
    EXPECT(o.decimal_precision = -1, CT_EINVAL, "decimal_precision must be in 0..30, got -1");
    EXPECT(o.components = "gpu", CT_ENODEV,
           "No components were available. CarbonTracker supports Intel CPUs with the RAPL "
           "interface and NVIDIA GPUs.");
#undef EXPECT
    /* A log directory that cannot be created. */
    o = base_options(f);
    o.log_dir = "/proc/version/logs";
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_EIO);
    ct_assert_contains(err, "/proc/version/logs");
    assert_int_equal(ct_tracker_open(NULL, &o, NULL, 0), CT_EINVAL);
}

static void test_state_errors(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    o.epochs = 2;
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    assert_int_equal(ct_epoch_end(t, NULL), CT_ESTATE);
    ct_assert_contains(ct_errmsg(t), "without epoch_start");
    assert_int_equal(ct_epoch_start(t), CT_OK);
    assert_int_equal(ct_epoch_start(t), CT_ESTATE);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    ct_tracker_free(t); /* free without stop: stops and writes the actual consumption */
    ct_assert_contains(f->con.text, "Actual consumption for 1 epoch(s):");
    assert_int_equal(ct_epoch_start(NULL), CT_EINVAL);
    ct_tracker_free(NULL);
}

static int answer;
static int confirm(void *user, const char *question)
{
    (void)user;
    assert_string_equal(question, "Continue training (y/n)?");
    return answer;
}

static void test_stop_and_confirm(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    o.epochs = 4;
    o.confirm = confirm;
    ct_tracker *t = NULL;
    answer = 1;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    ct_epoch_start(t);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    ct_assert_contains(f->con.text, "CarbonTracker: Continuing...\n");
    /* The question is not printed by the library (the callback prompts) but is logged. */
    ct_assert_not_contains(f->con.text, "Continue training (y/n)?");
    ct_tracker_free(t);
    {
        char *out = read_log(f, "_carbontracker_output.log");
        ct_assert_contains(out, " - CarbonTracker: Continue training (y/n)?\n");
        ct_assert_contains(out, " - CarbonTracker: Continuing...\n");
        free(out);
    }

    console_reset(&f->con);
    clear_logs(f); /* read_log() below must find the second run's log */
    answer = 0;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    ct_epoch_start(t);
    assert_int_equal(ct_epoch_end(t, NULL), CT_ESTOPPED);
    /* Upstream exits after "Quitting...": it is the console's last line; the output log
     * still gets the actual consumption. */
    ct_assert_contains(f->con.text, "CarbonTracker: Quitting...\n");
    assert_string_equal(strstr(f->con.text, "CarbonTracker: Quitting...\n"),
                        "CarbonTracker: Quitting...\n");
    ct_epoch_start(t); /* monitoring is over: no-op */
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    ct_tracker_free(t);
    assert_string_equal(strstr(f->con.text, "CarbonTracker: Quitting...\n"),
                        "CarbonTracker: Quitting...\n");
    {
        char *out = read_log(f, "_carbontracker_output.log");
        const char *q = strstr(out, " - CarbonTracker: Quitting...\n");
        assert_non_null(q);
        ct_assert_contains(q, "Actual consumption for 1 epoch(s):");
        ct_assert_contains(q, "CarbonTracker: Finished monitoring.\n");
        free(out);
    }
}

static void test_simulated_devices(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    o.sim_cpu = "Sim CPU";
    o.sim_cpu_tdp_w = 150;
    o.sim_gpu = "Sim GPU";
    o.sim_gpu_watts = 400;
    o.sim_gpu_util = 0.6;
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    ct_assert_contains(f->con.text, "Using simulated CPU: Sim CPU with TDP: 75.00W (at 50% "
                                    "utilization)\n");
    ct_assert_contains(f->con.text, "Using simulated GPU: Sim GPU with power consumption: "
                                    "240.00W (at 60% utilization)\n");
    ct_assert_contains(f->con.text, "found: GPU with device(s) Sim GPU. CPU with device(s) "
                                    "Sim CPU.\n");
    ct_epoch_start(t);
    usleep(50000);
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    ct_epoch_end(t, &r);
    ct_assert_double_near(75.0 * r.duration_s, r.cpu_energy_j, 1e-4);
    ct_assert_double_near(240.0 * r.duration_s, r.gpu_energy_j, 1e-4);
    ct_assert_double_near(240.0, r.gpu_power_w, 0.01);
    assert_int_equal(epoch_dev(t, 0).provenance, CT_PROVENANCE_SIMULATED);
    ct_stop(t);
    char *std = read_log(f, "_carbontracker.log");
    /* gpu line before cpu line, as upstream's report needs. */
    char *g = strstr(std, "Average power usage (W) for gpu: ");
    char *c = strstr(std, "Average power usage (W) for cpu: ");
    assert_non_null(g);
    assert_non_null(c);
    ct_assert_cmp_int(g - std, <, c - std);
    free(std);
    ct_tracker_free(t);
}

static void test_log_file_names(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    o.log_file_prefix = "exp";
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    ct_tracker_free(t);
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^exp_[0-9]+\\.[0-9]+_[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{6}Z_"
                             "carbontracker((_output|_err)?\\.log|\\.jsonl)$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    DIR *d = opendir(f->logs);
    struct dirent *e;
    int n = 0;
    char pid[32];
    snprintf(pid, sizeof(pid), "exp_%ld.", (long)getpid());
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        assert_int_equal(regexec(&re, e->d_name, 0, NULL, 0), 0);
        ct_assert_prefix(e->d_name, pid);
        n++;
    }
    closedir(d);
    regfree(&re);
    /* Standard and output logs and the JSON-lines run log; the error log is created only when
     * something is warned. */
    assert_int_equal(n, 3);
}

static void test_stop_is_prompt(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    o.update_interval_s = 3600;
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    uint64_t t0 = ct__now_ns();
    ct_stop(t);
    ct_assert_cmp_uint(ct__now_ns() - t0, <, 500000000ull);
    ct_tracker_free(t);
}

static void test_quiet_and_no_logs(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    o.verbose = 0;
    o.log_dir = NULL;
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    ct_epoch_start(t);
    ct_epoch_end(t, NULL);
    ct_tracker_free(t);
    assert_int_equal(f->con.len, 0);
}

/* The probe report's entry for a meter (the registry's order is not this test's concern). */
static json_t *meter_named(json_t *root, const char *name)
{
    json_t *ms = json_object_get(root, "meters");
    for (size_t i = 0; i < json_array_size(ms); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(ms, i), "meter")), name) == 0)
            return json_array_get(ms, i);
    fail_msg("no meter %s in the probe report", name);
    return NULL;
}

static void test_json_outputs(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    o.epochs = 2;
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    for (int e = 0; e < 2; e++) {
        ct_epoch_start(t);
        pcf_advance(f->sys, "intel-rapl:1", 2000000);
        ct_epoch_end(t, NULL);
    }
    char *js = NULL;
    assert_int_equal(ct_summary_json(t, &js), CT_OK);
    json_error_t jerr;
    json_t *root = json_loads(js, 0, &jerr);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "format")),
                        "carbontracker-summary");
    assert_int_equal(json_integer_value(json_object_get(root, "epochs")), 2);
    ct_assert_double_equal(4.0, json_real_value(json_object_get(root, "energy_j")));
    ct_assert_double_near(1.58, json_real_value(json_object_get(root, "pue")), 1e-12);
    assert_string_equal(json_string_value(json_object_get(root, "zone")), "DK");
    assert_string_equal(json_string_value(json_object_get(root, "location_method")), "option");
    assert_string_equal(json_string_value(json_object_get(root, "intensity_source")),
                        "table:owid:DK:2023");
    assert_non_null(json_object_get(json_object_get(root, "equivalents"), "km travelled by car"));
    json_t *devs = json_object_get(root, "devices");
    assert_int_equal(json_array_size(devs), 4);
    json_t *d2 = json_array_get(devs, 2);
    assert_string_equal(json_string_value(json_object_get(d2, "name")), "cpu:1");
    assert_string_equal(json_string_value(json_object_get(d2, "provenance")), "measured");
    ct_assert_double_equal(4.0, json_real_value(json_object_get(d2, "energy_j")));
    assert_int_equal(json_array_size(json_object_get(root, "epochs_detail")), 2);
    json_decref(root);
    ct_free(js);
    ct_tracker_free(t);

    assert_int_equal(pcf_deny(f->sys, "intel-rapl:0"), 0);
    assert_int_equal(ct_probe_json(&o, &js), CT_OK);
    root = json_loads(js, 0, &jerr);
    assert_non_null(root);
    json_t *mg = json_array_get(json_object_get(root, "meters"), 0); /* GPUs are probed first */
    assert_string_equal(json_string_value(json_object_get(mg, "meter")), "nvml");
    assert_string_equal(json_string_value(json_object_get(mg, "status")), "not-here");
    json_t *m0 = meter_named(root, "rapl-powercap");
    assert_string_equal(json_string_value(json_object_get(m0, "status")), "error");
    assert_string_equal(json_string_value(json_object_get(m0, "code")), "EPERM");
    ct_assert_contains(json_string_value(json_object_get(m0, "reason")), "udev");
    /* then the node agent (none runs here) and the other counters of the cpu-package domain
     * (not in this tree), then the estimate */
    const char *const chain[] = {"agent", "rapl-perf", "rapl-msr", "amd-energy"};
    for (size_t i = 0; i < 4; i++) {
        json_t *mi = meter_named(root, chain[i]);
        assert_non_null(mi);
        assert_string_equal(json_string_value(json_object_get(mi, "status")), "not-here");
        assert_false(json_is_true(json_object_get(mi, "selected")));
    }
    json_t *m1 = meter_named(root, "cpu-tdp");
    assert_true(json_is_true(json_object_get(m1, "selected")));
    json_decref(root);
    ct_free(js);
}

/* Replace what varies between runs (time stamps, durations, powers, pid and id) with markers. */
static void normalise(const char *in, char *out, size_t len)
{
    regex_t ts, dur, pw;
    assert_int_equal(regcomp(&ts, "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} - ",
                             REG_EXTENDED | REG_NEWLINE),
                     0);
    assert_int_equal(
        regcomp(&dur, "Duration: [0-9]+:[0-9]{2}:[0-9]{2}\\.[0-9]{2}$", REG_EXTENDED | REG_NEWLINE),
        0);
    assert_int_equal(regcomp(&pw, "\\(W\\) for (cpu|gpu): [0-9.]+$", REG_EXTENDED | REG_NEWLINE),
                     0);
    size_t o = 0;
    const char *line = in;
    while (*line && o + 1 < len) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line + 1) : strlen(line);
        char buf[4096];
        snprintf(buf, sizeof(buf), "%.*s", (int)n, line);
        regmatch_t m[2];
        char tmp[4096];
        if (regexec(&ts, buf, 1, m, 0) == 0) {
            snprintf(tmp, sizeof(tmp), "TS - %s", buf + m[0].rm_eo);
            strcpy(buf, tmp);
        }
        if (regexec(&dur, buf, 1, m, 0) == 0)
            snprintf(buf + m[0].rm_so, sizeof(buf) - (size_t)m[0].rm_so, "Duration: D\n");
        if (regexec(&pw, buf, 2, m, 0) == 0) {
            char comp[4];
            snprintf(comp, sizeof(comp), "%.3s", buf + m[1].rm_so);
            snprintf(buf + m[0].rm_so, sizeof(buf) - (size_t)m[0].rm_so, "(W) for %s: P\n", comp);
        }
        o += (size_t)snprintf(out + o, len - o, "%s", buf);
        line += n;
    }
    regfree(&ts);
    regfree(&dur);
    regfree(&pw);
}

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        fail_msg("cannot open %s", path);
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* Upstream's log formats, byte for byte apart from what varies (golden files). Set
 * CT_UPDATE_GOLDEN=1 to rewrite them after an intended change. */
static void test_golden_logs(void **state)
{
    struct fx *f = *state;
    ct_options o = base_options(f);
    o.epochs = 3;
    ct_tracker *t = NULL;
    assert_int_equal(ct_tracker_open(&t, &o, NULL, 0), CT_OK);
    for (int e = 0; e < 2; e++) {
        ct_epoch_start(t);
        pcf_advance(f->sys, "intel-rapl:0", 3000000000ull);
        pcf_advance(f->sys, "intel-rapl:1:0", 600000000ull);
        ct_epoch_end(t, NULL);
    }
    ct_stop(t);
    ct_tracker_free(t);
    const char *src = getenv("CT_SOURCE_DIR");
    assert_non_null(src);
    const char *names[][2] = {{"_carbontracker.log", "std"},
                              {"_carbontracker_output.log", "output"}};
    for (int i = 0; i < 2; i++) {
        char *log = read_log(f, names[i][0]);
        char *norm = calloc(1, 1 << 16);
        normalise(log, norm, 1 << 16);
        char path[4200];
        snprintf(path, sizeof(path), "%s/tests/fixtures/golden/server2-2of3-%s.log", src,
                 names[i][1]);
        if (getenv("CT_UPDATE_GOLDEN")) {
            FILE *fp = fopen(path, "w");
            assert_non_null(fp);
            fputs(norm, fp);
            fclose(fp);
        }
        char *want = read_file(path);
        assert_string_equal(norm, want);
        free(want);
        free(norm);
        free(log);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_sockets_exact_energy, setup_server2, teardown),
        cmocka_unit_test_setup_teardown(test_short_epoch_exact, setup_server2, teardown),
        cmocka_unit_test_setup_teardown(test_wraparound_several_times, setup_server2, teardown),
        cmocka_unit_test_setup_teardown(test_client_excludes_core_uncore_psys_mmio, setup_client,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_denied_counter_falls_back_to_estimate, setup_server2,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_estimate_from_proc_stat, setup_none, teardown),
        cmocka_unit_test_setup_teardown(test_prediction_and_stop_count, setup_server2, teardown),
        cmocka_unit_test_setup_teardown(test_all_epochs_semantics, setup_server2, teardown),
        cmocka_unit_test_setup_teardown(test_validation_messages, setup_none, teardown),
        cmocka_unit_test_setup_teardown(test_state_errors, setup_server2, teardown),
        cmocka_unit_test_setup_teardown(test_stop_and_confirm, setup_server2, teardown),
        cmocka_unit_test_setup_teardown(test_simulated_devices, setup_none, teardown),
        cmocka_unit_test_setup_teardown(test_log_file_names, setup_server2, teardown),
        cmocka_unit_test_setup_teardown(test_stop_is_prompt, setup_server2, teardown),
        cmocka_unit_test_setup_teardown(test_quiet_and_no_logs, setup_server2, teardown),
        cmocka_unit_test_setup_teardown(test_json_outputs, setup_server2, teardown),
        cmocka_unit_test_setup_teardown(test_golden_logs, setup_server2, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
