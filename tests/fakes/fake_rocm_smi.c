/*
 * fake_rocm_smi.c - a fake librocm_smi64.so.1 for tests: the ROCm SMI functions the rocm-smi
 * meter uses, driven by a scenario file named in $FAKE_RSMI_SCENARIO and read at rsmi_init.
 * Power follows the scenario's watts over real CLOCK_MONOTONIC time since rsmi_init, and the
 * energy accumulator is its exact integral, so tests compare measured energy with the truth.
 * Built in variants: -DFAKE_NO_ENERGY (no rsmi_dev_energy_count_get, as very old libraries) and
 * -DFAKE_NO_NUM (lacks the required rsmi_num_monitor_devices).
 *
 * Scenario (one "key = value" a line, '#' starts a comment; device keys follow a "[device]"):
 *   init_error = 8              (rsmi_init fails with that code)
 *   [device]
 *   name = AMD Instinct MI250X  unique_id = 0x8c3a1e2f00aa0001   pci = 0000:03:00.0
 *   watts = 250                 or steps "0:100, 0.5:300" (from 0 s 100 W, from 0.5 s 300 W)
 *   energy_counter = yes|no     (no: RSMI_STATUS_NOT_SUPPORTED)
 *   power = yes|no              (no: rsmi_dev_power_ave_get answers NOT_SUPPORTED)
 *   resolution = 15.3           (µJ per count)     energy_start = 1000 (counts at init)
 *   reset_s = 0.3               (the accumulator restarts from 0 then: a driver reload)
 *   fail_after_s = 0.5          (every call on the device fails from then, with fail_code,
 *   fail_code = 3                default RSMI_STATUS_FILE_ERROR: a GPU reset or unplugged)
 *   pids = self, parent, 1234   (rsmi_compute_process_gpus_get lists the device for these)
 * $FAKE_RSMI_T0_NS, when set, is the CLOCK_MONOTONIC time (ns) the scenario's clock starts at
 * (default: rsmi_init), so a test knows the trace's timeline exactly.
 * $FAKE_RSMI_LOG, when set, names a file that gets a line per rsmi_init ("init" or
 * "init-failed N") and rsmi_shut_down ("shutdown").
 */
#include "../../src/lib/energy/rocm_smi_types.h"
#include "fake_scenario.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

#define MAX_DEV 16
#define MAX_PIDS 16

struct fake_dev {
    char name[96];
    uint64_t unique_id, bdfid;
    struct fake_trace trace;
    int energy_counter, power;
    double resolution, energy_start, reset_s, fail_after_s;
    unsigned fail_code;
    unsigned pids[MAX_PIDS];
    int n_pids;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fake_dev devs[MAX_DEV];
static int n_devs, inited;
static unsigned init_error;
static double t0_s;

static void parse_pids(struct fake_dev *d, char *v)
{
    char *save = NULL;
    d->n_pids = 0;
    for (char *tok = strtok_r(v, ",", &save); tok && d->n_pids < MAX_PIDS;
         tok = strtok_r(NULL, ",", &save)) {
        tok = fake_trim(tok);
        if (strcmp(tok, "self") == 0)
            d->pids[d->n_pids++] = (unsigned)getpid();
        else if (strcmp(tok, "parent") == 0)
            d->pids[d->n_pids++] = (unsigned)getppid();
        else
            d->pids[d->n_pids++] = (unsigned)strtoul(tok, NULL, 10);
    }
}

/* "DDDD:BB:DD.F" as ROCm SMI's BDF id. */
static uint64_t parse_pci(const char *v)
{
    unsigned dom = 0, bus = 0, dev = 0, fn = 0;
    if (sscanf(v, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
        return 0;
    return ((uint64_t)dom << 32) | ((uint64_t)(bus & 0xff) << 8) | ((dev & 0x1f) << 3) | (fn & 7);
}

static void device_key(struct fake_dev *d, const char *k, char *v)
{
    if (strcmp(k, "name") == 0)
        snprintf(d->name, sizeof(d->name), "%s", v);
    else if (strcmp(k, "unique_id") == 0)
        d->unique_id = strtoull(v, NULL, 0);
    else if (strcmp(k, "pci") == 0)
        d->bdfid = parse_pci(v);
    else if (strcmp(k, "watts") == 0)
        fake_trace_parse(&d->trace, v);
    else if (strcmp(k, "energy_counter") == 0)
        d->energy_counter = fake_yes(v);
    else if (strcmp(k, "power") == 0)
        d->power = fake_yes(v);
    else if (strcmp(k, "resolution") == 0)
        d->resolution = atof(v);
    else if (strcmp(k, "energy_start") == 0)
        d->energy_start = atof(v);
    else if (strcmp(k, "reset_s") == 0)
        d->reset_s = atof(v);
    else if (strcmp(k, "fail_after_s") == 0)
        d->fail_after_s = atof(v);
    else if (strcmp(k, "fail_code") == 0)
        d->fail_code = (unsigned)atoi(v);
    else if (strcmp(k, "pids") == 0)
        parse_pids(d, v);
}

static struct fake_dev *cur; /* the device whose keys the scenario gives now, or NULL */

/* A "[device]" line: the next device with its defaults (beyond MAX_DEV: none). */
static void scenario_device(void)
{
    struct fake_dev *d = cur = n_devs < MAX_DEV ? &devs[n_devs++] : NULL;
    if (!d)
        return;
    snprintf(d->name, sizeof(d->name), "Fake AMD GPU %d", n_devs - 1);
    d->unique_id = 0x1000u + (unsigned)n_devs;
    d->bdfid = (uint64_t)(n_devs + 2) << 8; /* 0000:03:00.0, 0000:04:00.0, ... */
    d->energy_counter = d->power = 1;
    d->resolution = 15.3;
    d->fail_code = CT_RSMI_FILE_ERROR;
    fake_trace_const(&d->trace, 100);
}

static void scenario_key(char *k, char *v)
{
    if (cur)
        device_key(cur, k, v);
    else if (strcmp(k, "init_error") == 0)
        init_error = (unsigned)atoi(v);
}

static int load_scenario(void)
{
    const char *path = getenv("FAKE_RSMI_SCENARIO");
    memset(devs, 0, sizeof(devs));
    n_devs = 0;
    init_error = 0;
    cur = NULL;
    return fake_scenario_read(path, scenario_device, scenario_key);
}

/* The device, or NULL with *rc set (not initialised, bad index, failed). */
static struct fake_dev *dev_at(uint32_t i, ct_rsmi_status *rc)
{
    if (!inited) {
        *rc = CT_RSMI_INIT_ERROR;
        return NULL;
    }
    if (i >= (uint32_t)n_devs) {
        *rc = CT_RSMI_INVALID_ARGS;
        return NULL;
    }
    struct fake_dev *d = &devs[i];
    if (d->fail_after_s > 0 && fake_now_s() - t0_s >= d->fail_after_s) {
        *rc = d->fail_code;
        return NULL;
    }
    *rc = CT_RSMI_SUCCESS;
    return d;
}

EXPORT ct_rsmi_status rsmi_init(uint64_t flags)
{
    (void)flags;
    pthread_mutex_lock(&lock);
    ct_rsmi_status rc = CT_RSMI_SUCCESS;
    if (load_scenario() != 0)
        rc = CT_RSMI_INIT_ERROR; /* no scenario: no amdgpu driver */
    else if (init_error)
        rc = init_error;
    if (rc == CT_RSMI_SUCCESS) {
        inited = 1;
        const char *t0 = getenv("FAKE_RSMI_T0_NS");
        t0_s = t0 && *t0 ? (double)strtoull(t0, NULL, 10) / 1e9 : fake_now_s();
        fake_log("FAKE_RSMI_LOG", "init");
    } else {
        fake_log("FAKE_RSMI_LOG", "init-failed %u", rc);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

EXPORT ct_rsmi_status rsmi_shut_down(void)
{
    pthread_mutex_lock(&lock);
    fake_log("FAKE_RSMI_LOG", inited ? "shutdown" : "shutdown-uninitialized");
    inited = 0;
    pthread_mutex_unlock(&lock);
    return CT_RSMI_SUCCESS;
}

EXPORT ct_rsmi_status rsmi_status_string(ct_rsmi_status s, const char **text)
{
    switch (s) {
    case CT_RSMI_SUCCESS:
        *text = "RSMI_STATUS_SUCCESS: The function has been executed successfully.";
        break;
    case CT_RSMI_NOT_SUPPORTED:
        *text = "RSMI_STATUS_NOT_SUPPORTED: The requested information or action is not "
                "available for the given input, on the given system";
        break;
    case CT_RSMI_FILE_ERROR:
        *text = "RSMI_STATUS_FILE_ERROR: Problem accessing a file.";
        break;
    case CT_RSMI_PERMISSION:
        *text = "RSMI_STATUS_PERMISSION: Permission denied";
        break;
    case CT_RSMI_INIT_ERROR:
        *text = "RSMI_STATUS_INIT_ERROR: An error occurred during initialization";
        break;
    default:
        *text = "An unknown error occurred";
        return CT_RSMI_INVALID_ARGS;
    }
    return CT_RSMI_SUCCESS;
}

#ifndef FAKE_NO_NUM
EXPORT ct_rsmi_status rsmi_num_monitor_devices(uint32_t *num)
{
    pthread_mutex_lock(&lock);
    *num = inited ? (uint32_t)n_devs : 0;
    pthread_mutex_unlock(&lock);
    return inited ? CT_RSMI_SUCCESS : CT_RSMI_INIT_ERROR;
}
#endif

EXPORT ct_rsmi_status rsmi_dev_name_get(uint32_t i, char *name, size_t len)
{
    ct_rsmi_status rc;
    pthread_mutex_lock(&lock);
    struct fake_dev *d = dev_at(i, &rc);
    if (d)
        snprintf(name, len, "%s", d->name);
    pthread_mutex_unlock(&lock);
    return rc;
}

EXPORT ct_rsmi_status rsmi_dev_unique_id_get(uint32_t i, uint64_t *id)
{
    ct_rsmi_status rc;
    pthread_mutex_lock(&lock);
    struct fake_dev *d = dev_at(i, &rc);
    if (d)
        *id = d->unique_id;
    pthread_mutex_unlock(&lock);
    return rc;
}

EXPORT ct_rsmi_status rsmi_dev_pci_id_get(uint32_t i, uint64_t *bdfid)
{
    ct_rsmi_status rc;
    pthread_mutex_lock(&lock);
    struct fake_dev *d = dev_at(i, &rc);
    if (d)
        *bdfid = d->bdfid;
    pthread_mutex_unlock(&lock);
    return rc;
}

EXPORT ct_rsmi_status rsmi_dev_power_ave_get(uint32_t i, uint32_t sensor, uint64_t *power_uw)
{
    ct_rsmi_status rc;
    pthread_mutex_lock(&lock);
    struct fake_dev *d = dev_at(i, &rc);
    if (d && (!d->power || sensor != 0))
        rc = CT_RSMI_NOT_SUPPORTED;
    else if (d)
        *power_uw = (uint64_t)(fake_trace_watts(&d->trace, fake_now_s() - t0_s) * 1e6 + 0.5);
    pthread_mutex_unlock(&lock);
    return rc;
}

#ifndef FAKE_NO_ENERGY
EXPORT ct_rsmi_status rsmi_dev_energy_count_get(uint32_t i, uint64_t *count, float *resolution,
                                                uint64_t *timestamp)
{
    ct_rsmi_status rc;
    pthread_mutex_lock(&lock);
    struct fake_dev *d = dev_at(i, &rc);
    if (d && !d->energy_counter) {
        rc = CT_RSMI_NOT_SUPPORTED;
    } else if (d) {
        double t = fake_now_s() - t0_s;
        double from = 0, start = d->energy_start;
        if (d->reset_s > 0 && t >= d->reset_s) {
            from = d->reset_s;
            start = 0;
        }
        *count = (uint64_t)(start + fake_trace_joules(&d->trace, from, t) * 1e6 / d->resolution);
        *resolution = (float)d->resolution;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        *timestamp = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}
#endif

EXPORT ct_rsmi_status rsmi_compute_process_gpus_get(uint32_t pid, uint32_t *dv_indices,
                                                    uint32_t *num_devices)
{
    pthread_mutex_lock(&lock);
    uint32_t n = 0, cap = *num_devices;
    for (int i = 0; i < n_devs; i++)
        for (int k = 0; k < devs[i].n_pids; k++)
            if (devs[i].pids[k] == pid) {
                if (dv_indices && n < cap)
                    dv_indices[n] = (uint32_t)i;
                n++;
                break;
            }
    pthread_mutex_unlock(&lock);
    *num_devices = n;
    if (n == 0)
        return CT_RSMI_NOT_FOUND;
    return dv_indices && n > cap ? CT_RSMI_INSUFFICIENT_SIZE : CT_RSMI_SUCCESS;
}
