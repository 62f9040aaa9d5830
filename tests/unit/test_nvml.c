/*
 * test_nvml.c - the NVML meter against the fake libnvidia-ml (tests/fakes): loading and missing
 * symbols, the energy-counter and power-integration paths with energies compared to the
 * scenario's watts, every CUDA_VISIBLE_DEVICES form, devices_by_pid (late processes, children,
 * grown process lists), lost GPUs; through the meter's ops and through the tracker. Every test
 * checks that each successful nvmlInit got its nvmlShutdown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backends.h"
#include "console_capture.h"
#include "ct_assert.h"
#include "energy/meter.h"
#include "fake_vendor.h"
#include "proc_fixture.h"
#include "tracker.h"
#include "util/sysfs.h"

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MS 1000000ULL
#define S_NS 1000000000ULL

#define U0 "GPU-aaaa1111-2222-3333-4444-555555555555"
#define U1 "GPU-bbbb1111-2222-3333-4444-555555555555"
#define U2 "GPU-bbbb2222-2222-3333-4444-555555555555"
#define U3 "GPU-eeee1111-2222-3333-4444-555555555555"
#define MIG_A "MIG-cccc1111-2222-3333-4444-555555555555"
#define MIG_B "MIG-dddd1111-2222-3333-4444-555555555555"

/* Four GPUs: two with energy counters, a power-only P100, and a MIG-enabled A100. */
static const char four_gpus[] = "driver = 535.104.05\n"
                                "[device]\nname = NVIDIA A100-SXM4-40GB\nuuid = " U0 "\n"
                                "watts = 250\nenergy_start_mj = 5000000\n"
                                "[device]\nname = Tesla V100-SXM2-16GB\nuuid = " U1 "\n"
                                "watts = 300\n"
                                "[device]\nname = Tesla P100-PCIE-16GB\nuuid = " U2 "\n"
                                "watts = 120\nenergy_counter = no\n"
                                "[device]\nname = NVIDIA A100-PCIE-40GB\nuuid = " U3 "\n"
                                "watts = 200\nmig = " MIG_A ", " MIG_B "\n";

struct fx {
    char dir[PATH_MAX];
    char scenario[PATH_MAX + 16];
    char log[PATH_MAX + 16];
    char lib[PATH_MAX];
    char sys[PATH_MAX];
    char proc[PATH_MAX];
    ct_options o;
    struct ct__probe_ctx ctx;
    struct ct__settings settings; /* o's settings, resolved by probe() as a tracker does */
    void *state;
    char why[1024];
    int n;
    struct ct__meter_dev devs[16];
    struct ct__reading out[16];
    struct console_buf con; /* what the tracker printed */
    pid_t child;            /* a paused child process, killed by teardown */
    ct_tracker *t;          /* freed by teardown, also when the test fails */
};

static const struct ct__meter_ops *const M = &ct__meter_nvml;

static int setup(void **st)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || prf_mkroot(f->dir, sizeof(f->dir), "test_nvml") < 0)
        return -1;
    fv_files("FAKE_NVML", f->dir, "nvml.log", f->scenario, sizeof(f->scenario), f->log,
             sizeof(f->log));
    fv_lib_path(f->lib, sizeof(f->lib), "libnvidia-ml.so.1");
    ct_options_init(&f->o);
    f->o.nvml_library = f->lib;
    f->ctx.sysfs_fd = -1;
    f->ctx.proc_fd = ct__root_open("/proc");
    f->ctx.opts = &f->o;
    *st = f;
    return 0;
}

/* Number of lines of the fake's log equal to `line`. */
static int log_count(struct fx *f, const char *line)
{
    return fv_log_count(f->log, line);
}

static int teardown(void **st)
{
    struct fx *f = *st;
    M->close(f->state);
    f->state = NULL;
    ct_tracker_free(f->t);
    if (f->child > 0) {
        kill(f->child, SIGKILL);
        waitpid(f->child, NULL, 0);
    }
    /* nvmlShutdown once per successful nvmlInit, never more. */
    int inits = log_count(f, "init"), shutdowns = log_count(f, "shutdown");
    int extra = log_count(f, "shutdown-uninitialized");
    ct__settings_free(&f->settings);
    if (f->ctx.proc_fd >= 0)
        close(f->ctx.proc_fd);
    if (f->sys[0])
        prf_remove(f->sys);
    if (f->proc[0])
        prf_remove(f->proc);
    prf_remove(f->dir);
    fv_unset("FAKE_NVML");
    free(f);
    assert_int_equal(inits, shutdowns);
    assert_int_equal(extra, 0);
    return 0;
}

static void scenario(struct fx *f, const char *text)
{
    fv_scenario(f->scenario, text);
}

/* Probe; on success describe into f->devs. Returns the probe's status. */
static int probe(struct fx *f)
{
    M->close(f->state);
    f->state = NULL;
    f->why[0] = '\0';
    ct__settings_free(&f->settings);
    assert_int_equal(ct__backends_resolve(&f->settings, &f->o, NULL, 0), CT_OK);
    f->ctx.settings = &f->settings;
    int rc = M->probe(&f->ctx, &f->state, f->why, sizeof(f->why));
    if (rc == CT_OK) {
        memset(f->devs, 0, sizeof(f->devs));
        for (int i = 0; i < 16; i++)
            f->devs[i].index = -1;
        f->n = M->describe(f->state, f->devs, 16);
        assert_in_range(f->n, 1, 16);
    } else {
        assert_null(f->state);
        f->n = 0;
    }
    return rc;
}

static uint64_t rd(struct fx *f)
{
    uint64_t now = ct__now_ns();
    assert_int_equal(M->read(f->state, now, f->out), CT_OK);
    return now;
}

/* A read whose NVML calls happened within [before, after] (the fake's clock is read then). */
struct stamp {
    uint64_t before, after;
};

static struct stamp rdb(struct fx *f)
{
    struct stamp s;
    s.before = ct__now_ns();
    assert_int_equal(M->read(f->state, s.before, f->out), CT_OK);
    s.after = ct__now_ns();
    return s;
}

/*
 * The energy a constant-power counter device gained between reads a and b (or an epoch's
 * boundaries) is exactly watts x the time between the fake's two clock reads, which lie in the
 * brackets: within [watts x (b.before - a.after), watts x (b.after - a.before)], widened by the
 * counter's 1 mJ resolution per read. Returns the relative error against the brackets' middle,
 * for the record. Exact however loaded the machine is.
 */
static double assert_counter_energy(double e_j, double watts, struct stamp a, struct stamp b)
{
    double lo = watts * (double)(b.before - a.after) / 1e9 - 0.002;
    double hi = watts * (double)(b.after - a.before) / 1e9 + 0.002;
    double mid = (lo + hi) / 2;
    if (e_j < lo || e_j > hi)
        fail_msg("%.6f J outside [%.6f, %.6f] J (%.0f W)", e_j, lo, hi, watts);
    return fabs(e_j - mid) / mid;
}

static double joules(const struct fx *f, int i)
{
    return (double)f->out[i].energy_uj / 1e6;
}

static void sleep_ms(unsigned ms)
{
    usleep(ms * 1000u);
}

static void detail(struct fx *f, char *buf, size_t len)
{
    M->detail(f->state, buf, len);
}

/* ---- loading --------------------------------------------------------------------------------*/

static void test_missing_library(void **st)
{
    struct fx *f = *st;
    f->o.nvml_library = "/nonexistent/libnvidia-ml.so.1";
    assert_int_equal(probe(f), CT_ENOTSUP);
    ct_assert_contains(f->why, "cannot load the NVML library /nonexistent/libnvidia-ml.so.1");
    assert_int_equal(log_count(f, "init"), 0);
}

static void test_missing_required_symbol(void **st)
{
    struct fx *f = *st;
    char lib[PATH_MAX];
    fv_lib_path(lib, sizeof(lib), "libnvidia-ml-nohandle.so.1");
    f->o.nvml_library = lib;
    scenario(f, four_gpus);
    assert_int_equal(probe(f), CT_ENOTSUP);
    ct_assert_contains(f->why, "lacks the NVML function nvmlDeviceGetHandleByIndex_v2 (or "
                               "nvmlDeviceGetHandleByIndex)");
    assert_int_equal(log_count(f, "init"), 0); /* refused before nvmlInit */
}

static void test_no_driver(void **st)
{
    struct fx *f = *st;
    /* No scenario file: the fake's nvmlInit answers DRIVER_NOT_LOADED. */
    assert_int_equal(probe(f), CT_ENOTSUP);
    assert_string_equal(f->why,
                        "NVML could not start: Driver Not Loaded (NVML code 9): no NVIDIA driver "
                        "loaded");
    assert_int_equal(log_count(f, "init-failed 9"), 1);
    assert_int_equal(log_count(f, "shutdown"), 0); /* nvmlInit failed: nothing to shut down */
}

static void test_init_errors(void **st)
{
    struct fx *f = *st;
    scenario(f, "init_error = 18\n[device]\n");
    assert_int_equal(probe(f), CT_EIO);
    ct_assert_contains(f->why, "upgraded without a reboot");
    scenario(f, "init_error = 4\n[device]\n");
    assert_int_equal(probe(f), CT_EPERM);
    ct_assert_contains(f->why, "/dev/nvidiactl");
    scenario(f, "init_error = 999\n[device]\n");
    assert_int_equal(probe(f), CT_EIO);
    assert_string_equal(f->why, "NVML could not start: Unknown Error (NVML code 999)");
}

static void test_no_gpu(void **st)
{
    struct fx *f = *st;
    scenario(f, "driver = 550.54.14\n");
    assert_int_equal(probe(f), CT_ENOTSUP);
    assert_string_equal(f->why, "NVML (driver 550.54.14) finds no GPU");
    assert_int_equal(log_count(f, "init"), 1);
    assert_int_equal(log_count(f, "shutdown"), 1);
    scenario(f, "count_error = 999\n[device]\n");
    assert_int_equal(probe(f), CT_EIO);
    assert_string_equal(f->why, "NVML cannot count the GPUs: Unknown Error (NVML code 999)");
}

/* ---- energy ---------------------------------------------------------------------------------*/

static void test_counter_path(void **st)
{
    struct fx *f = *st;
    scenario(f, "[device]\nname = NVIDIA A100-SXM4-40GB\nuuid = " U0 "\nwatts = 250\n"
                "energy_start_mj = 987654321\n"
                "[device]\nname = Tesla V100-SXM2-16GB\nuuid = " U1 "\nwatts = 300\n");
    assert_int_equal(probe(f), CT_OK);
    assert_int_equal(f->n, 2);
    assert_string_equal(f->devs[0].name, "NVIDIA A100-SXM4-40GB");
    assert_string_equal(f->devs[0].uuid, U0);
    assert_int_equal(f->devs[0].index, 0);
    assert_int_equal(f->devs[0].provenance, CT_PROVENANCE_MEASURED);
    assert_string_equal(f->devs[0].info, "driver 550.54.14; exact energy from the GPU's energy "
                                         "counter (nvmlDeviceGetTotalEnergyConsumption)");
    assert_string_equal(f->devs[1].uuid, U1);
    assert_int_equal(f->devs[1].index, 1);
    assert_int_equal(M->max_interval_ns(f->state), 0); /* the 64-bit mJ counter never wraps */

    struct stamp a = rdb(f);
    double a0 = joules(f, 0), a1 = joules(f, 1);
    ct_assert_cmp_double(a0, <, 250.0 * 1.0); /* energy since probe only, not since driver load */
    sleep_ms(400);
    struct stamp b = rdb(f);
    double e0 = joules(f, 0) - a0, e1 = joules(f, 1) - a1;
    double err0 = assert_counter_energy(e0, 250, a, b), err1 = assert_counter_energy(e1, 300, a, b);
    print_message("counter path over 0.4 s: %.6f J (%.4f%%), %.6f J (%.4f%%)\n", e0, err0 * 100, e1,
                  err1 * 100);
    assert_int_equal(f->out[0].lost, 0);
    assert_int_equal(f->out[1].lost, 0);
    char buf[512];
    detail(f, buf, sizeof(buf));
    assert_string_equal(buf, "driver 550.54.14, 2 GPUs; measured: 0 (energy counter), 1 (energy "
                             "counter); nvmlInit_v2, nvmlDeviceGetCount_v2, "
                             "nvmlDeviceGetComputeRunningProcesses_v3");
}

static void test_power_integration_exact(void **st)
{
    struct fx *f = *st;
    scenario(f, "[device]\nname = Tesla P100-PCIE-16GB\nuuid = " U2
                "\nwatts = 120\nenergy_counter = no\n");
    assert_int_equal(probe(f), CT_OK);
    assert_int_equal(f->devs[0].provenance, CT_PROVENANCE_INTEGRATED);
    assert_string_equal(f->devs[0].info,
                        "driver 550.54.14; power samples (nvmlDeviceGetPowerUsage) integrated at "
                        "20 Hz: no energy counter on this GPU (older than Volta)");
    assert_int_equal(M->max_interval_ns(f->state), 50 * MS); /* the sampler polls at 20 Hz */
    /* Constant power: the trapezoid is exact over the timestamps passed to read(). */
    uint64_t t0 = ct__now_ns();
    assert_int_equal(M->read(f->state, t0, f->out), CT_OK);
    uint64_t base = f->out[0].energy_uj;
    assert_int_equal(M->read(f->state, t0 + S_NS, f->out), CT_OK);
    assert_int_equal(f->out[0].energy_uj - base, 120000000); /* 120 W x 1 s */
    assert_int_equal(M->read(f->state, t0 + S_NS + 250 * MS, f->out), CT_OK);
    assert_int_equal(f->out[0].energy_uj - base, 150000000);
    /* A timestamp that does not advance adds nothing. */
    assert_int_equal(M->read(f->state, t0 + S_NS, f->out), CT_OK);
    assert_int_equal(f->out[0].energy_uj - base, 150000000);
}

static void test_power_integration_steps(void **st)
{
    struct fx *f = *st;
    /* 100 W for 0.3 s, then 300 W: sampled every 10 ms, within 2% of the exact integral. */
    scenario(f, "[device]\nname = Tesla K80\nwatts = 0:100, 0.3:300\nenergy_counter = no\n");
    uint64_t before = ct__now_ns();
    assert_int_equal(probe(f), CT_OK);
    uint64_t after = ct__now_ns();
    uint64_t t_init = before + (after - before) / 2; /* the fake's time zero, within the probe */
    uint64_t ta = rd(f);
    double a = joules(f, 0);
    uint64_t tb = ta, max_gap = 0, max_call = 0;
    while (tb - ta < 600 * MS) {
        sleep_ms(10);
        uint64_t t = ct__now_ns();
        assert_int_equal(M->read(f->state, t, f->out), CT_OK);
        uint64_t done = ct__now_ns();
        max_gap = t - tb > max_gap ? t - tb : max_gap;
        max_call = done - t > max_call ? done - t : max_call;
        tb = t;
    }
    double e = joules(f, 0) - a;
    double sa = (double)(ta - t_init) / 1e9, sb = (double)(tb - t_init) / 1e9;
    double want = 100.0 * (fmin(sb, 0.3) - fmin(sa, 0.3)) + 300.0 * (sb - fmax(sa, 0.3));
    double err = fabs(e - want) / want;
    /* The trapezoid misses at most half the step times the gap around it; the fake's time zero
     * is known to the probe's duration, its clock reads to the read's duration. */
    double bound =
        200.0 * ((double)max_gap / 2 + (double)(after - before) + (double)max_call) / 1e9;
    print_message("power steps at 100 Hz: %.4f J vs %.4f J (%.3f%%, bound %.3f J)\n", e, want,
                  err * 100, bound);
    ct_assert_double_within(want, e, bound);
}

static void test_mixed_boards(void **st)
{
    struct fx *f = *st;
    scenario(f, four_gpus);
    assert_int_equal(probe(f), CT_OK);
    assert_int_equal(f->n, 4);
    assert_int_equal(f->devs[0].provenance, CT_PROVENANCE_MEASURED);
    assert_int_equal(f->devs[1].provenance, CT_PROVENANCE_MEASURED);
    assert_int_equal(f->devs[2].provenance, CT_PROVENANCE_INTEGRATED);
    assert_int_equal(f->devs[3].provenance, CT_PROVENANCE_MEASURED);
    assert_string_equal(f->devs[3].uuid, U3);
    assert_int_equal(f->devs[3].index, 3);
    ct_assert_contains(f->devs[0].info, "driver 535.104.05; ");
    assert_int_equal(M->max_interval_ns(f->state), 50 * MS);
    struct stamp sa = rdb(f), sb = sa;
    uint64_t a_uj[4];
    for (int i = 0; i < 4; i++)
        a_uj[i] = f->out[i].energy_uj;
    while (sb.before - sa.before < 500 * MS) {
        sleep_ms(50); /* the sampler's 20 Hz */
        sb = rdb(f);
    }
    const double watts[4] = {250, 300, 120, 200};
    for (int i = 0; i < 4; i++) {
        double e = (double)(f->out[i].energy_uj - a_uj[i]) / 1e6;
        double err;
        if (i == 2) {
            /* Constant power: the trapezoid over the read times is exact (to 1 uJ a read). */
            uint64_t want_uj = 120 * (sb.before - sa.before) / 1000;
            ct_assert_cmp_int(
                llabs((long long)(f->out[i].energy_uj - a_uj[i]) - (long long)want_uj), <=, 2);
            err = fabs(e - (double)want_uj / 1e6) / ((double)want_uj / 1e6);
        } else {
            err = assert_counter_energy(e, watts[i], sa, sb);
        }
        print_message("mixed: GPU %d %.4f J (%.4f%%)\n", i, e, err * 100);
    }
    char buf[512];
    detail(f, buf, sizeof(buf));
    ct_assert_contains(buf, "driver 535.104.05, 4 GPUs; measured: 0 (energy counter), 1 (energy "
                            "counter), 2 (power at 20 Hz), 3 (energy counter);");
}

static void test_unusable_board(void **st)
{
    struct fx *f = *st;
    scenario(f, "[device]\nname = GeForce GT 710\nenergy_counter = no\npower = no\n");
    assert_int_equal(probe(f), CT_ENOTSUP);
    assert_string_equal(f->why, "no GPU can be measured: GPU 0 (GeForce GT 710) skipped: neither "
                                "energy (Not Supported) nor power (Not Supported) can be read");
    scenario(f, "[device]\nname = GeForce GT 710\nenergy_counter = no\npower = no\n"
                "[device]\nname = Tesla T4\n");
    assert_int_equal(probe(f), CT_OK);
    assert_int_equal(f->n, 1);
    assert_string_equal(f->devs[0].name, "Tesla T4");
    assert_int_equal(f->devs[0].index, 1);
    char buf[512];
    detail(f, buf, sizeof(buf));
    ct_assert_contains(buf, "GPU 0 (GeForce GT 710) skipped: neither energy");
}

static void test_counter_reset(void **st)
{
    struct fx *f = *st;
    /* The driver reloads 0.25 s after init: the counter restarts at 0. That interval adds
     * nothing and the counter is rebased. */
    scenario(f, "[device]\nname = Tesla V100\nwatts = 400\nenergy_start_mj = 7000000\n"
                "energy_reset_s = 0.25\n");
    assert_int_equal(probe(f), CT_OK);
    rd(f);
    double before = joules(f, 0);
    sleep_ms(350);
    rd(f);
    ct_assert_double_equal(before, joules(f, 0)); /* backwards: treated as a reset, adds 0 */
    struct stamp sa = rdb(f);
    double a = joules(f, 0);
    sleep_ms(200);
    struct stamp sb = rdb(f);
    assert_counter_energy(joules(f, 0) - a, 400, sa, sb);
    char buf[512];
    detail(f, buf, sizeof(buf));
    ct_assert_contains(buf, "0 (energy counter, counter reset)");
}

/* ---- CUDA_VISIBLE_DEVICES -------------------------------------------------------------------*/

/* Probe with CUDA_VISIBLE_DEVICES=cvd over the four GPUs; returns the status and fills `got`
 * with the indices of the described devices ("0,2"). */
static int cvd_probe(struct fx *f, const char *cvd, char *got, size_t len)
{
    f->o.cuda_visible_devices = cvd;
    int rc = probe(f);
    got[0] = '\0';
    for (int i = 0; i < f->n; i++) {
        size_t off = strlen(got);
        snprintf(got + off, len - off, "%s%d", i ? "," : "", f->devs[i].index);
    }
    return rc;
}

static void test_cvd_forms(void **st)
{
    struct fx *f = *st;
    char got[64], buf[512];
    scenario(f, four_gpus);
#define SELECTS(cvd, want)                                                                         \
    do {                                                                                           \
        assert_int_equal(cvd_probe(f, cvd, got, sizeof(got)), CT_OK);                              \
        assert_string_equal(got, want);                                                            \
    } while (0)
    SELECTS(NULL, "0,1,2,3"); /* unset: all GPUs */
    SELECTS("1", "1");
    SELECTS("0,2", "0,2");
    SELECTS("2,0", "0,2"); /* described in NVML order */
    SELECTS(" 1 ", "1");
    SELECTS("0,0," U0, "0");  /* the same GPU once */
    SELECTS(U1, "1");         /* full UUID */
    SELECTS("GPU-aaaa", "0"); /* unique prefix */
    SELECTS("gpu-EEEE1111", "3");
    SELECTS(MIG_A, "3"); /* a MIG instance: its parent GPU, and said so */
    assert_string_equal(f->devs[0].uuid, U3);
    assert_string_equal(f->devs[0].info,
                        "driver 535.104.05; exact energy from the GPU's energy counter "
                        "(nvmlDeviceGetTotalEnergyConsumption); selected by " MIG_A
                        ": the whole GPU is measured (NVML gives no power per MIG instance)");
    SELECTS("MIG-dddd", "3");
    SELECTS("MIG-GPU-eeee1111-2222-3333-4444-555555555555/1/0", "3"); /* legacy MIG form */
    ct_assert_contains(f->devs[0].info, "selected by MIG-GPU-eeee1111");

    /* An index that does not exist is skipped, with a note. */
    SELECTS("0,5", "0");
    detail(f, buf, sizeof(buf));
    ct_assert_contains(buf, "CUDA_VISIBLE_DEVICES entry '5' skipped: no GPU with that index (NVML "
                            "counts 4)");
    /* An invalid entry hides itself and every entry after it, as in CUDA. */
    SELECTS("1,-1,0", "1");
    detail(f, buf, sizeof(buf));
    ct_assert_contains(buf, "CUDA_VISIBLE_DEVICES entry '-1' is not an index, GPU-<uuid> or "
                            "MIG-<uuid>: it and the entries after it are ignored, as CUDA does");
    SELECTS("GPU-bbbb,2", "2");
    detail(f, buf, sizeof(buf));
    ct_assert_contains(buf, "'GPU-bbbb' skipped: the UUID prefix matches several GPUs");
#undef SELECTS

    assert_int_equal(cvd_probe(f, "", got, sizeof(got)), CT_ENOTSUP);
    assert_string_equal(f->why, "CUDA_VISIBLE_DEVICES is empty: no GPU selected");
    assert_int_equal(cvd_probe(f, "5", got, sizeof(got)), CT_ENOTSUP);
    assert_string_equal(f->why, "CUDA_VISIBLE_DEVICES='5' selects none of the 4 GPUs: "
                                "CUDA_VISIBLE_DEVICES entry '5' skipped: no GPU with that index "
                                "(NVML counts 4)");
    assert_int_equal(cvd_probe(f, "abc,0", got, sizeof(got)), CT_ENOTSUP);
    ct_assert_contains(f->why, "entry 'abc' is not an index");
    assert_int_equal(cvd_probe(f, "NoDevFiles", got, sizeof(got)), CT_ENOTSUP);
    assert_int_equal(cvd_probe(f, "GPU-ffff", got, sizeof(got)), CT_ENOTSUP);
    ct_assert_contains(f->why, "'GPU-ffff' skipped: no GPU has that UUID");
    assert_int_equal(cvd_probe(f, "MIG-ffff", got, sizeof(got)), CT_ENOTSUP);
    ct_assert_contains(f->why, "'MIG-ffff' skipped: no MIG instance has that UUID");
    assert_int_equal(cvd_probe(f, "GPU-", got, sizeof(got)), CT_ENOTSUP);
    assert_int_equal(cvd_probe(f, "99999999999", got, sizeof(got)), CT_ENOTSUP);
}

static void test_no_permission(void **st)
{
    struct fx *f = *st;
    char got[64], buf[512];
    /* GPU 1 belongs to another job's cgroup: the _v2 handle call refuses it. */
    scenario(f, "[device]\nuuid = " U0 "\n[device]\nuuid = " U1 "\nno_permission = yes\n"
                "[device]\nuuid = " U2 "\n");
    assert_int_equal(cvd_probe(f, NULL, got, sizeof(got)), CT_OK);
    assert_string_equal(got, "0,2");
    detail(f, buf, sizeof(buf));
    ct_assert_contains(buf, "GPU 1 not accessible: Insufficient Permissions");
    assert_int_equal(cvd_probe(f, "1", got, sizeof(got)), CT_ENOTSUP);
    ct_assert_contains(f->why, "'1' skipped: GPU 1 is not accessible");
    assert_int_equal(cvd_probe(f, U2, got, sizeof(got)), CT_OK);
    assert_string_equal(got, "2");
}

/* ---- symbol versions ------------------------------------------------------------------------*/

static void test_no_v2_symbols(void **st)
{
    struct fx *f = *st;
    char lib[PATH_MAX], buf[512];
    fv_lib_path(lib, sizeof(lib), "libnvidia-ml-nov2.so.1");
    f->o.nvml_library = lib;
    f->o.devices_by_pid = 1;
    /* The v1 process list has 16-byte elements: our pid is found only with the right stride. */
    scenario(f, "[device]\nname = Tesla P4\nwatts = 60\nprocesses = dummy*2, self\n"
                "[device]\nname = Tesla M60\nwatts = 90\nenergy_counter = no\n"
                "graphics_processes = dummy*3, self\n");
    assert_int_equal(probe(f), CT_OK);
    assert_int_equal(f->n, 2);
    detail(f, buf, sizeof(buf));
    ct_assert_contains(buf, "; nvmlInit, nvmlDeviceGetCount, nvmlDeviceGetComputeRunningProcesses");
    ct_assert_contains(f->devs[0].info, "(one does now)");
    ct_assert_contains(f->devs[1].info, "(one does now)");
    struct stamp sa = rdb(f);
    double a0 = joules(f, 0), a1 = joules(f, 1);
    sleep_ms(200);
    struct stamp sb = rdb(f);
    assert_counter_energy(joules(f, 0) - a0, 60, sa, sb);
    double dt = (double)(sb.before - sa.before) / 1e9;
    ct_assert_double_near(90 * dt, joules(f, 1) - a1, 3e-6); /* constant power: exact */
    assert_int_equal(log_count(f, "procs 0 nvmlDeviceGetComputeRunningProcesses 0 7 3"), 1);
    assert_int_equal(log_count(f, "procs 1 nvmlDeviceGetGraphicsRunningProcesses 12 0 4"), 1);
}

/* ---- lost GPUs ------------------------------------------------------------------------------*/

static void test_lost_mid_run(void **st)
{
    struct fx *f = *st;
    /* GPU 0 answers 3 energy calls (probe + 2 reads), then GPU_IS_LOST; GPU 1 goes on. */
    scenario(f, "[device]\nname = A\nwatts = 250\nfail_after_calls = 3\n"
                "[device]\nname = B\nwatts = 100\n");
    assert_int_equal(probe(f), CT_OK);
    rd(f);
    sleep_ms(100);
    rd(f);
    double kept = joules(f, 0), b = joules(f, 1);
    ct_assert_cmp_double(kept, >, 0);
    assert_int_equal(f->out[0].lost, 0);
    sleep_ms(100);
    rd(f); /* CT_OK: GPU 1 answered */
    assert_int_equal(f->out[0].lost, 1);
    ct_assert_double_equal(kept, joules(f, 0));
    assert_int_equal(f->out[1].lost, 0);
    ct_assert_cmp_double(joules(f, 1), >, b);
    sleep_ms(50);
    rd(f);
    assert_int_equal(f->out[0].lost, 1); /* lost for good */
    ct_assert_double_equal(kept, joules(f, 0));
    char buf[512];
    detail(f, buf, sizeof(buf));
    ct_assert_contains(buf, "measured: 0 (energy counter, lost: GPU is lost), 1 (energy counter)");

    /* Every GPU lost: that read fails, later ones have nothing to read and keep the values. */
    /* The probe makes two calls (energy: not supported; power), the first read the third. */
    scenario(f, "[device]\nname = A\nwatts = 0:200\nenergy_counter = no\nfail_after_calls = 3\n"
                "fail_code = 999\n");
    assert_int_equal(probe(f), CT_OK);
    uint64_t t0 = ct__now_ns();
    assert_int_equal(M->read(f->state, t0, f->out), CT_OK);
    uint64_t e = f->out[0].energy_uj;
    assert_int_equal(M->read(f->state, t0 + S_NS, f->out), CT_EIO);
    assert_int_equal(f->out[0].lost, 1);
    assert_int_equal(f->out[0].energy_uj, e);
    assert_int_equal(M->read(f->state, t0 + 2 * S_NS, f->out), CT_OK);
    assert_int_equal(f->out[0].lost, 1);
    assert_int_equal(f->out[0].energy_uj, e);
}

/* ---- devices_by_pid -------------------------------------------------------------------------*/

/* A child that waits to be killed (by teardown, even when the test fails). Its stdout and
 * stderr are closed so that it cannot hold the test's output open. */
static pid_t spawn_child(struct fx *f)
{
    pid_t pid = fork();
    ct_assert_cmp_int(pid, >=, 0);
    if (pid == 0) {
        close(1);
        close(2);
        alarm(60); /* never outlive a crashed test for long */
        pause();
        _exit(0);
    }
    f->child = pid;
    return pid;
}

static void test_by_pid(void **st)
{
    struct fx *f = *st;
    char text[2048];
    pid_t child = spawn_child(f);
    /* 0: us; 1: our child; 2: our parent (not in our tree); 3: us, from 0.3 s on; 4: us, as a
     * graphics process; 5: nobody. */
    snprintf(text, sizeof(text),
             "[device]\nname = G0\nwatts = 100\nprocesses = dummy*3, self\n"
             "[device]\nname = G1\nwatts = 100\nprocesses = %d\n"
             "[device]\nname = G2\nwatts = 100\nprocesses = parent\n"
             "[device]\nname = G3\nwatts = 100\nprocesses = self@0.3\n"
             "[device]\nname = G4\nwatts = 100\nenergy_counter = no\ngraphics_processes = self\n"
             "[device]\nname = G5\nwatts = 100\n",
             (int)child);
    scenario(f, text);
    f->o.devices_by_pid = 1;
    f->o.cuda_visible_devices = "5"; /* not used when selecting by process */
    assert_int_equal(probe(f), CT_OK);
    assert_int_equal(f->n, 6); /* every GPU is a candidate; energy counts once matched */
    ct_assert_contains(f->devs[0].info,
                       "devices_by_pid: counted from when a process of the tracked "
                       "tree runs on it (one does now)");
    ct_assert_contains(f->devs[3].info, "(none yet; checked every 2 s)");
    assert_int_equal(M->max_interval_ns(f->state), 50 * MS); /* G4 is power-only */

    uint64_t t0 = ct__now_ns();
    sleep_ms(50);
    assert_int_equal(M->read(f->state, t0 + 50 * MS, f->out), CT_OK);
    ct_assert_cmp_uint(f->out[0].energy_uj, >, 0);
    ct_assert_cmp_uint(f->out[1].energy_uj, >, 0); /* a child of ours */
    assert_int_equal(f->out[2].energy_uj, 0);
    assert_int_equal(f->out[3].energy_uj, 0);
    ct_assert_cmp_uint(f->out[4].energy_uj, >, 0);
    assert_int_equal(f->out[5].energy_uj, 0);

    sleep_ms(350); /* G3's process has started; it is seen at the next check, 2 s on */
    assert_int_equal(M->read(f->state, t0 + 1000 * MS, f->out), CT_OK);
    assert_int_equal(f->out[3].energy_uj, 0);
    assert_int_equal(M->read(f->state, t0 + 2100 * MS, f->out), CT_OK);
    ct_assert_cmp_uint(f->out[3].energy_uj, <,
                       1000000); /* matched now: counted from here (< 10 ms) */
    sleep_ms(100);
    assert_int_equal(M->read(f->state, t0 + 2200 * MS, f->out), CT_OK);
    ct_assert_cmp_uint(f->out[3].energy_uj, >, 50000); /* 100 W x ~0.1 s */
    ct_assert_cmp_uint(f->out[3].energy_uj, <, 100 * 150 * 1000);
    assert_int_equal(f->out[2].energy_uj, 0);
    assert_int_equal(f->out[5].energy_uj, 0);
}

static void test_track_pid(void **st)
{
    struct fx *f = *st;
    char text[1024];
    pid_t child = spawn_child(f);
    snprintf(text, sizeof(text),
             "[device]\nname = G0\nprocesses = self\n[device]\nname = G1\nprocesses = %d\n",
             (int)child);
    scenario(f, text);
    f->o.devices_by_pid = 1;
    f->o.tracked_pid = child; /* the wrapped command's tree: not us */
    assert_int_equal(probe(f), CT_OK);
    assert_int_equal(M->max_interval_ns(f->state), 2 * S_NS); /* re-check every 2 s */
    uint64_t t0 = ct__now_ns();
    sleep_ms(30);
    assert_int_equal(M->read(f->state, t0 + 30 * MS, f->out), CT_OK);
    assert_int_equal(f->out[0].energy_uj, 0);
    ct_assert_cmp_uint(f->out[1].energy_uj, >, 0);
    /* ct_track_pid() changes the root; the next check uses it. */
    f->o.tracked_pid = 0;
    assert_int_equal(M->read(f->state, t0 + 2100 * MS, f->out), CT_OK);
    sleep_ms(30);
    assert_int_equal(M->read(f->state, t0 + 2130 * MS, f->out), CT_OK);
    ct_assert_cmp_uint(f->out[0].energy_uj, >, 0);
}

static void test_process_list_grows(void **st)
{
    struct fx *f = *st;
    /* 41 processes, ours last; 20 more "start" between the size query and the first sized call,
     * so NVML answers INSUFFICIENT_SIZE twice: the buffer grows and the call is retried. */
    scenario(f, "[device]\nname = G0\nprocesses = dummy*40, self\nprocs_grow = 20\n");
    f->o.devices_by_pid = 1;
    assert_int_equal(probe(f), CT_OK);
    ct_assert_contains(f->devs[0].info, "(one does now)");
    char *log = fv_slurp(f->log);
    ct_assert_contains(log, "procs 0 nvmlDeviceGetComputeRunningProcesses_v3 0 7 41\n"
                            "procs 0 nvmlDeviceGetComputeRunningProcesses_v3 49 7 61\n"
                            "procs 0 nvmlDeviceGetComputeRunningProcesses_v3 69 0 41\n");
    free(log);
}

/* ---- through the tracker --------------------------------------------------------------------*/

static const char two_gpus[] = "[device]\nname = NVIDIA A100-SXM4-40GB\nuuid = " U0 "\n"
                               "watts = 250\nenergy_start_mj = 123456789\n"
                               "[device]\nname = Tesla P100-PCIE-16GB\nuuid = " U2 "\n"
                               "watts = 100\nenergy_counter = no\n";

/* Tracker options: no powercap (an empty sysfs root), a fixture proc for the CPU estimate. */
static ct_options tracker_options(struct fx *f, const char *components)
{
    if (!f->sys[0]) {
        assert_int_equal(prf_mkroot(f->sys, sizeof(f->sys), "sys"), 0);
        assert_int_equal(prf_mkroot(f->proc, sizeof(f->proc), "proc"), 0);
        struct prf_stat stat = {.user = 1000, .system = 500, .idle = 8500};
        assert_int_equal(prf_create(f->proc, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 4, &stat),
                         0);
    }
    ct_options o = CT_OPTIONS_INIT;
    o.components = components;
    o.sysfs_root = f->sys;
    o.proc_root = f->proc;
    o.zone = "DK";
    o.log_dir = f->dir;
    o.message = console_capture;
    o.message_user = &f->con;
    o.nvml_library = f->lib;
    o.update_interval_s = 10;
    return o;
}

static double log_number(const char *text, const char *prefix)
{
    const char *p = strstr(text, prefix);
    if (!p)
        fail_msg("no '%s' in the log", prefix);
    return strtod(p + strlen(prefix), NULL);
}

/* The standard log (the file named *_carbontracker.log) in the fixture directory. */
static char *std_log(struct fx *f)
{
    const char *suffix = "_carbontracker.log";
    char path[2 * PATH_MAX] = "";
    DIR *d = opendir(f->dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name), k = strlen(suffix);
        if (n > k && strcmp(e->d_name + n - k, suffix) == 0)
            snprintf(path, sizeof(path), "%s/%s", f->dir, e->d_name);
    }
    closedir(d);
    if (path[0] == '\0')
        fail_msg("no file ending in %s in %s", suffix, f->dir);
    return fv_slurp(path);
}

/* ct_epoch_start / ct_epoch_end, bracketed in time like rdb(). */
static struct stamp epoch_start(struct fx *f)
{
    struct stamp s;
    s.before = ct__now_ns();
    assert_int_equal(ct_epoch_start(f->t), CT_OK);
    s.after = ct__now_ns();
    return s;
}

static struct stamp epoch_end(struct fx *f, ct_epoch_result *r)
{
    struct stamp s;
    s.before = ct__now_ns();
    assert_int_equal(ct_epoch_end(f->t, r), CT_OK);
    s.after = ct__now_ns();
    return s;
}

/* Device i of the latest completed epoch (ct_epoch_device) or of the run (ct_summary_device). */
static ct_device_energy epoch_dev(struct fx *f, int i)
{
    ct_device_energy d = CT_DEVICE_ENERGY_INIT;
    assert_int_equal(ct_epoch_device(f->t, (size_t)i, &d), CT_OK);
    return d;
}

static ct_device_energy run_dev(struct fx *f, int i)
{
    ct_device_energy d = CT_DEVICE_ENERGY_INIT;
    assert_int_equal(ct_summary_device(f->t, (size_t)i, &d), CT_OK);
    return d;
}

static void test_tracker_gpus(void **st)
{
    struct fx *f = *st;
    scenario(f, two_gpus);
    ct_options o = tracker_options(f, "gpu");
    char err[512] = "";
    assert_int_equal(ct_tracker_open(&f->t, &o, err, sizeof(err)), CT_OK);
    ct_assert_contains(f->con.text, "CarbonTracker: The following components were found: GPU with "
                                    "device(s) NVIDIA A100-SXM4-40GB, Tesla P100-PCIE-16GB.\n");
    assert_int_equal(f->t->sampler.fast_ns, 50 * MS); /* the power-only GPU is read at 20 Hz */

    struct stamp s0 = epoch_start(f);
    sleep_ms(600);
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    struct stamp s1 = epoch_end(f, &r);
    assert_int_equal(r.n_devices, 2);
    double d = r.duration_s;
    ct_device_energy dev_a = epoch_dev(f, 0), dev_p = epoch_dev(f, 1);
    const ct_device_energy *a = &dev_a, *p = &dev_p;
    assert_string_equal(a->component, "gpu");
    assert_string_equal(a->meter, "nvml");
    assert_string_equal(a->name, "NVIDIA A100-SXM4-40GB");
    assert_string_equal(a->uuid, U0);
    assert_int_equal(a->index, 0);
    assert_int_equal(a->provenance, CT_PROVENANCE_MEASURED);
    assert_int_equal(a->lost, 0);
    assert_string_equal(p->uuid, U2);
    assert_int_equal(p->index, 1);
    assert_int_equal(p->provenance, CT_PROVENANCE_INTEGRATED);
    double ea = assert_counter_energy(a->energy_j, 250, s0, s1);
    double ep = fabs(p->energy_j - 100 * d) / (100 * d);
    print_message("tracker epoch %.3f s: counter %.4f J (%.4f%%), 20 Hz power %.6f J (%.6f%%)\n", d,
                  a->energy_j, ea * 100, p->energy_j, ep * 100);
    /* Constant power integrated over the epoch boundaries' own timestamps: exact. */
    ct_assert_double_near(100 * d, p->energy_j, 1e-5);
    ct_assert_double_near(a->energy_j + p->energy_j, r.gpu_energy_j, 1e-9); /* summed */
    ct_assert_double_equal(0, r.cpu_energy_j);
    ct_stop(f->t);

    /* Upstream's per-epoch line: the sum over the GPUs. */
    char *log = std_log(f);
    double w = log_number(log, "Average power usage (W) for gpu: ");
    ct_assert_double_near(r.gpu_power_w, w, 1e-6 * r.gpu_power_w);
    ct_assert_double_near(350, w, 350 * 0.02);
    ct_assert_contains(log, "The following components were found: GPU with device(s) NVIDIA "
                            "A100-SXM4-40GB, Tesla P100-PCIE-16GB.\n");
    free(log);

    char *json = NULL;
    assert_int_equal(ct_summary_json(f->t, &json), CT_OK);
    json_error_t jerr;
    json_t *root = json_loads(json, 0, &jerr);
    assert_non_null(root);
    json_t *devs = json_object_get(root, "devices");
    assert_int_equal(json_array_size(devs), 2);
    json_t *d0 = json_array_get(devs, 0), *d1 = json_array_get(devs, 1);
    assert_string_equal(json_string_value(json_object_get(d0, "uuid")), U0);
    assert_int_equal(json_integer_value(json_object_get(d0, "index")), 0);
    assert_string_equal(json_string_value(json_object_get(d0, "provenance")), "measured");
    assert_string_equal(json_string_value(json_object_get(d0, "name")), "NVIDIA A100-SXM4-40GB");
    assert_true(json_is_false(json_object_get(d0, "lost")));
    ct_assert_double_equal(a->energy_j, json_real_value(json_object_get(d0, "energy_j")));
    assert_string_equal(json_string_value(json_object_get(d1, "provenance")), "integrated");
    assert_int_equal(json_integer_value(json_object_get(d1, "index")), 1);
    json_decref(root);
    ct_free(json);
    ct_tracker_free(f->t);
    f->t = NULL;
}

static void test_tracker_all_components(void **st)
{
    struct fx *f = *st;
    scenario(f, two_gpus);
    ct_options o = tracker_options(f, "all");
    o.cuda_visible_devices = "GPU-aaaa";
    assert_int_equal(ct_tracker_open(&f->t, &o, NULL, 0), CT_OK);
    ct_assert_contains(f->con.text, "CarbonTracker: The following components were found: GPU with "
                                    "device(s) NVIDIA A100-SXM4-40GB. CPU with device(s) ");
    assert_int_equal(f->t->sampler.period_ns, 10 * S_NS); /* counters only: no bound */
    struct stamp s0 = epoch_start(f);
    sleep_ms(200);
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    struct stamp s1 = epoch_end(f, &r);
    assert_int_equal(r.n_devices, 2);
    assert_string_equal(epoch_dev(f, 0).component, "gpu");
    assert_string_equal(epoch_dev(f, 1).component, "cpu");
    assert_counter_energy(r.gpu_energy_j, 250, s0, s1);
    ct_tracker_free(f->t);
    f->t = NULL;

    /* Probe report: the GPU's index, UUID and method. */
    char *json = NULL;
    assert_int_equal(ct_probe_json(&o, &json), CT_OK);
    json_t *root = json_loads(json, 0, NULL);
    json_t *m = json_array_get(json_object_get(root, "meters"), 0);
    assert_string_equal(json_string_value(json_object_get(m, "meter")), "nvml");
    assert_string_equal(json_string_value(json_object_get(m, "status")), "ok");
    json_t *d = json_array_get(json_object_get(m, "devices"), 0);
    assert_string_equal(json_string_value(json_object_get(d, "uuid")), U0);
    assert_int_equal(json_integer_value(json_object_get(d, "index")), 0);
    ct_assert_contains(json_string_value(json_object_get(d, "info")), "driver 550.54.14; exact");
    json_decref(root);
    ct_free(json);

    /* No GPU selected: the CPU alone. */
    console_reset(&f->con);
    o.cuda_visible_devices = "";
    assert_int_equal(ct_tracker_open(&f->t, &o, NULL, 0), CT_OK);
    ct_assert_contains(f->con.text, "found: CPU with device(s) ");
    ct_tracker_free(f->t);
    f->t = NULL;
    o.components = "gpu";
    char err[512];
    assert_int_equal(ct_tracker_open(&f->t, &o, err, sizeof(err)), CT_ENODEV);
}

static void test_tracker_lost_gpu(void **st)
{
    struct fx *f = *st;
    /* Energy calls on GPU 0: probe, open, epoch 1 start and end; epoch 2's start fails. */
    scenario(f, "[device]\nname = NVIDIA A100-SXM4-40GB\nuuid = " U0 "\nwatts = 250\n"
                "fail_after_calls = 4\n"
                "[device]\nname = NVIDIA A100-SXM4-40GB\nuuid = " U1 "\nwatts = 150\n");
    ct_options o = tracker_options(f, "gpu");
    o.epochs = 3;
    o.epochs_before_pred = 0;
    assert_int_equal(ct_tracker_open(&f->t, &o, NULL, 0), CT_OK);
    ct_epoch_result r1 = {.version = CT_EPOCH_RESULT_VERSION}, r2 = r1;
    struct stamp s0 = epoch_start(f);
    sleep_ms(150);
    struct stamp s1 = epoch_end(f, &r1);
    ct_device_energy r1d0 = epoch_dev(f, 0);
    assert_int_equal(r1d0.lost, 0);
    assert_counter_energy(r1d0.energy_j, 250, s0, s1);
    struct stamp s2 = epoch_start(f);
    sleep_ms(150);
    struct stamp s3 = epoch_end(f, &r2); /* CT_OK: the run goes on */
    assert_int_equal(epoch_dev(f, 0).lost, 1);
    ct_assert_double_equal(0, epoch_dev(f, 0).energy_j);
    assert_int_equal(epoch_dev(f, 1).lost, 0);
    assert_counter_energy(epoch_dev(f, 1).energy_j, 150, s2, s3);
    ct_assert_contains(f->con.text,
                       "CarbonTracker: WARNING - gpu device NVIDIA A100-SXM4-40GB " U0
                       " stopped answering and is marked lost; the energy measured until "
                       "then (");
    ct_stop(f->t);
    ct_summary s = {.version = CT_SUMMARY_VERSION};
    assert_int_equal(ct_get_summary(f->t, &s), CT_OK);
    assert_int_equal(run_dev(f, 0).lost, 1);
    ct_assert_double_equal(r1d0.energy_j, run_dev(f, 0).energy_j); /* kept */
    assert_int_equal(run_dev(f, 1).lost, 0);
    char *json = NULL;
    assert_int_equal(ct_summary_json(f->t, &json), CT_OK);
    ct_assert_contains(json, "\"lost\": true");
    ct_free(json);
    ct_tracker_free(f->t);
    f->t = NULL;
}

static void test_tracker_by_pid_late(void **st)
{
    struct fx *f = *st;
    /* The job starts its CUDA context 0.2 s after the tracker: the sampler's 2 s re-check
     * catches it, and only what follows is counted. GPU 1 never runs our processes. */
    scenario(f, "[device]\nname = G0\nwatts = 200\nprocesses = self@0.2\n"
                "[device]\nname = G1\nwatts = 300\n");
    ct_options o = tracker_options(f, "gpu");
    o.proc_root = NULL; /* the real /proc: our own process tree */
    o.devices_by_pid = 1;
    assert_int_equal(ct_tracker_open(&f->t, &o, NULL, 0), CT_OK);
    assert_int_equal(f->t->sampler.fast_ns, 2 * S_NS);
    assert_int_equal(ct_epoch_start(f->t), CT_OK);
    sleep_ms(2600);
    ct_epoch_result r = {.version = CT_EPOCH_RESULT_VERSION};
    assert_int_equal(ct_epoch_end(f->t, &r), CT_OK);
    ct_assert_cmp_double(epoch_dev(f, 0).energy_j, >, 200 * 0.3);
    ct_assert_cmp_double(epoch_dev(f, 0).energy_j, <, 200 * (r.duration_s - 1.5));
    ct_assert_double_equal(0, epoch_dev(f, 1).energy_j);
    ct_tracker_free(f->t);
    f->t = NULL;
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_missing_library),
        T(test_missing_required_symbol),
        T(test_no_driver),
        T(test_init_errors),
        T(test_no_gpu),
        T(test_counter_path),
        T(test_power_integration_exact),
        T(test_power_integration_steps),
        T(test_mixed_boards),
        T(test_unusable_board),
        T(test_counter_reset),
        T(test_cvd_forms),
        T(test_no_permission),
        T(test_no_v2_symbols),
        T(test_lost_mid_run),
        T(test_by_pid),
        T(test_track_pid),
        T(test_process_list_grows),
        T(test_tracker_gpus),
        T(test_tracker_all_components),
        T(test_tracker_lost_gpu),
        T(test_tracker_by_pid_late),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
