/*
 * fake_nvml.c - a fake libnvidia-ml.so.1 for tests: the NVML functions the meter uses, driven by
 * a scenario file named in $FAKE_NVML_SCENARIO and read at nvmlInit. Energy follows the
 * scenario's watts over real CLOCK_MONOTONIC time since nvmlInit, so tests compare measured
 * energy with watts x duration. Built in variants: -DFAKE_NO_V2 (no _v2/_v3 symbols, as old
 * drivers) and -DFAKE_NO_HANDLE (no nvmlDeviceGetHandleByIndex at all).
 *
 * Scenario (one "key = value" a line, '#' starts a comment; device keys follow a "[device]"):
 *   driver = 550.54.14          init_error = 9 (nvmlInit fails with that code)
 *   count_error = 999           (nvmlDeviceGetCount fails)
 *   [device]
 *   name = NVIDIA A100-SXM4-40GB           uuid = GPU-...
 *   watts = 250                 or steps "0:100, 0.5:300" (from 0 s 100 W, from 0.5 s 300 W;
 *                               up to FAKE_MAX_STEPS steps, on one line of up to FAKE_MAX_LINE
 *                               bytes: fake_scenario.h)
 *   energy_counter = yes|no     (no: NVML_ERROR_NOT_SUPPORTED, a pre-Volta board)
 *   power = yes|no              (no: nvmlDeviceGetPowerUsage answers NOT_SUPPORTED)
 *   energy_start_mj = 123456    energy_reset_s = 0.4 (the counter restarts from 0 then)
 *   processes = self, parent, 1234, self@0.3 (appears 0.3 s after init), dummy*50 (50 others),
 *               children (the loading process's children at the time of the call)
 *   graphics_processes = ...    procs_grow = 20 (the first sized list call of each init claims
 *                                                20 more processes than there are)
 *   fail_after_calls = 4        (energy/power calls on the device beyond the 4th fail, and from
 *   fail_after_s = 0.5           then on every call on it) / fail from 0.5 s after init
 *   fail_code = 15              (default NVML_ERROR_GPU_IS_LOST)
 *   no_permission = yes         (the _v2 handle call answers NO_PERMISSION; v1 skips the GPU)
 *   mig = MIG-<uuid>, MIG-<uuid> (MIG mode on, with these instances)
 * $FAKE_NVML_LOG, when set, names a file that gets a line per nvmlInit ("init"), nvmlShutdown
 * ("shutdown") and process-list call ("procs <device> <symbol> <count in> <rc> <count out>").
 */
#include "../../src/lib/energy/nvml_types.h"
#include "fake_scenario.h"

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

#define MAX_DEV 16
#define MAX_PROCS 512
#define MAX_MIG 7

struct nvmlDevice_st {
    int dev; /* index into devs */
    int mig; /* -1 for the GPU itself, else the MIG instance */
};

struct proc {
    unsigned pid;   /* 0: every child of the loading process at the time of the call */
    double after_s; /* visible from this time on */
};

struct fake_dev {
    char name[96];
    char uuid[96];
    struct fake_trace trace;
    int energy_counter, power;
    double energy_start_mj, energy_reset_s;
    struct proc procs[MAX_PROCS], gprocs[MAX_PROCS];
    int n_procs, n_gprocs;
    int procs_grow, grow_done;
    long fail_after_calls;
    double fail_after_s;
    int fail_code;
    int no_permission;
    char mig_uuid[MAX_MIG][96];
    int n_mig;
    long calls;
    int failed;
    struct nvmlDevice_st handle;
    struct nvmlDevice_st mig_handles[MAX_MIG];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int refcount;
static struct fake_dev devs[MAX_DEV];
static int n_devs;
static char driver[80];
static int init_error, count_error;
static double t0_s;

/* ---- scenario -------------------------------------------------------------------------------*/

static void parse_procs(struct proc *list, int *n, char *v)
{
    char *save = NULL;
    *n = 0;
    for (char *tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = fake_trim(tok);
        double after = 0;
        char *at = strchr(tok, '@');
        if (at) {
            *at = '\0';
            after = atof(at + 1);
        }
        int repeat = 1;
        unsigned pid;
        if (strncmp(tok, "dummy*", 6) == 0) {
            repeat = atoi(tok + 6);
            pid = 3000000; /* above any pid_max: never one of ours */
        } else if (strcmp(tok, "self") == 0) {
            pid = (unsigned)getpid();
        } else if (strcmp(tok, "parent") == 0) {
            pid = (unsigned)getppid();
        } else if (strcmp(tok, "children") == 0) {
            pid = 0; /* resolved at each call */
        } else {
            pid = (unsigned)strtoul(tok, NULL, 10);
        }
        for (int k = 0; k < repeat && *n < MAX_PROCS; k++) {
            list[*n].pid = pid + (unsigned)k;
            list[*n].after_s = after;
            (*n)++;
        }
    }
}

static void parse_mig(struct fake_dev *d, char *v)
{
    char *save = NULL;
    d->n_mig = 0;
    for (char *tok = strtok_r(v, ",", &save); tok && d->n_mig < MAX_MIG;
         tok = strtok_r(NULL, ",", &save))
        snprintf(d->mig_uuid[d->n_mig++], sizeof(d->mig_uuid[0]), "%s", fake_trim(tok));
}

static void device_key(struct fake_dev *d, const char *k, char *v)
{
    if (strcmp(k, "name") == 0)
        snprintf(d->name, sizeof(d->name), "%s", v);
    else if (strcmp(k, "uuid") == 0)
        snprintf(d->uuid, sizeof(d->uuid), "%s", v);
    else if (strcmp(k, "watts") == 0)
        fake_trace_parse(&d->trace, v);
    else if (strcmp(k, "energy_counter") == 0)
        d->energy_counter = fake_yes(v);
    else if (strcmp(k, "power") == 0)
        d->power = fake_yes(v);
    else if (strcmp(k, "energy_start_mj") == 0)
        d->energy_start_mj = atof(v);
    else if (strcmp(k, "energy_reset_s") == 0)
        d->energy_reset_s = atof(v);
    else if (strcmp(k, "processes") == 0)
        parse_procs(d->procs, &d->n_procs, v);
    else if (strcmp(k, "graphics_processes") == 0)
        parse_procs(d->gprocs, &d->n_gprocs, v);
    else if (strcmp(k, "procs_grow") == 0)
        d->procs_grow = atoi(v);
    else if (strcmp(k, "fail_after_calls") == 0)
        d->fail_after_calls = atol(v);
    else if (strcmp(k, "fail_after_s") == 0)
        d->fail_after_s = atof(v);
    else if (strcmp(k, "fail_code") == 0)
        d->fail_code = atoi(v);
    else if (strcmp(k, "no_permission") == 0)
        d->no_permission = fake_yes(v);
    else if (strcmp(k, "mig") == 0)
        parse_mig(d, v);
}

static struct fake_dev *cur; /* the device whose keys the scenario gives now, or NULL */

/* A "[device]" line: the next device with its defaults (beyond MAX_DEV: none). */
static void scenario_device(void)
{
    if (n_devs == MAX_DEV) {
        cur = NULL;
        return;
    }
    struct fake_dev *d = cur = &devs[n_devs];
    d->handle.dev = n_devs;
    d->handle.mig = -1;
    for (int k = 0; k < MAX_MIG; k++) {
        d->mig_handles[k].dev = n_devs;
        d->mig_handles[k].mig = k;
    }
    snprintf(d->name, sizeof(d->name), "Fake GPU %d", n_devs);
    snprintf(d->uuid, sizeof(d->uuid), "GPU-00000000-0000-0000-0000-%012d", n_devs);
    d->energy_counter = 1;
    d->power = 1;
    d->fail_code = NVML_ERROR_GPU_IS_LOST;
    fake_trace_const(&d->trace, 100);
    n_devs++;
}

static void scenario_key(char *k, char *v)
{
    if (cur)
        device_key(cur, k, v);
    else if (strcmp(k, "driver") == 0)
        snprintf(driver, sizeof(driver), "%s", v);
    else if (strcmp(k, "init_error") == 0)
        init_error = atoi(v);
    else if (strcmp(k, "count_error") == 0)
        count_error = atoi(v);
}

/* Returns 0, or -1 when the scenario cannot be read. */
static int load_scenario(void)
{
    const char *path = getenv("FAKE_NVML_SCENARIO");
    memset(devs, 0, sizeof(devs));
    n_devs = 0;
    init_error = count_error = 0;
    snprintf(driver, sizeof(driver), "%s", "550.54.14");
    cur = NULL;
    return fake_scenario_read(path, scenario_device, scenario_key);
}

/* ---- the model ------------------------------------------------------------------------------*/

/* Integral of the watts from a to b (joules). */
/* NVML_SUCCESS when the device answers now; counts a measuring call when `measure`. */
static nvmlReturn_t check(struct fake_dev *d, int measure)
{
    if (measure)
        d->calls++;
    if (d->fail_after_calls > 0 && d->calls > d->fail_after_calls)
        d->failed = 1;
    if (d->fail_after_s > 0 && fake_now_s() - t0_s >= d->fail_after_s)
        d->failed = 1;
    return d->failed ? d->fail_code : NVML_SUCCESS;
}

static struct fake_dev *dev_of(nvmlDevice_t h)
{
    if (!h || refcount == 0 || h->dev < 0 || h->dev >= n_devs)
        return NULL;
    return &devs[h->dev];
}

/* ---- the API --------------------------------------------------------------------------------*/

static nvmlReturn_t do_init(void)
{
    nvmlReturn_t r = NVML_SUCCESS;
    pthread_mutex_lock(&lock);
    if (refcount == 0) {
        if (load_scenario() < 0)
            r = NVML_ERROR_DRIVER_NOT_LOADED;
        else if (init_error)
            r = init_error;
        if (r == NVML_SUCCESS)
            t0_s = fake_now_s();
    }
    if (r == NVML_SUCCESS) {
        refcount++;
        fake_log("FAKE_NVML_LOG", "init");
    } else {
        fake_log("FAKE_NVML_LOG", "init-failed %d", r);
    }
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT nvmlReturn_t nvmlInit(void)
{
    return do_init();
}

#ifndef FAKE_NO_V2
EXPORT nvmlReturn_t nvmlInit_v2(void)
{
    return do_init();
}
#endif

EXPORT nvmlReturn_t nvmlShutdown(void)
{
    nvmlReturn_t r = NVML_SUCCESS;
    pthread_mutex_lock(&lock);
    if (refcount == 0) {
        r = NVML_ERROR_UNINITIALIZED;
        fake_log("FAKE_NVML_LOG", "shutdown-uninitialized");
    } else {
        refcount--;
        fake_log("FAKE_NVML_LOG", "shutdown");
    }
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT const char *nvmlErrorString(nvmlReturn_t r)
{
    switch (r) {
    case NVML_SUCCESS:
        return "Success";
    case NVML_ERROR_UNINITIALIZED:
        return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT:
        return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED:
        return "Not Supported";
    case NVML_ERROR_NO_PERMISSION:
        return "Insufficient Permissions";
    case NVML_ERROR_NOT_FOUND:
        return "Not Found";
    case NVML_ERROR_INSUFFICIENT_SIZE:
        return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED:
        return "Driver Not Loaded";
    case NVML_ERROR_GPU_IS_LOST:
        return "GPU is lost";
    case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
        return "RM has detected an NVML/RM version mismatch.";
    default:
        return "Unknown Error";
    }
}

EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
    if (!version || length == 0)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (refcount == 0)
        return NVML_ERROR_UNINITIALIZED;
    if (strlen(driver) >= length)
        return NVML_ERROR_INSUFFICIENT_SIZE;
    snprintf(version, length, "%s", driver);
    return NVML_SUCCESS;
}

/* The v1 calls see only the GPUs we may access, as the real library. */
static nvmlReturn_t get_count(unsigned int *count, int v2)
{
    if (!count)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (refcount == 0)
        return NVML_ERROR_UNINITIALIZED;
    if (count_error)
        return count_error;
    unsigned n = 0;
    for (int i = 0; i < n_devs; i++)
        n += v2 || !devs[i].no_permission;
    *count = n;
    return NVML_SUCCESS;
}

__attribute__((unused)) static nvmlReturn_t get_handle(unsigned int index, nvmlDevice_t *device,
                                                       int v2)
{
    if (!device)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (refcount == 0)
        return NVML_ERROR_UNINITIALIZED;
    unsigned seen = 0;
    for (int i = 0; i < n_devs; i++) {
        if (!v2 && devs[i].no_permission)
            continue;
        if (seen++ != index)
            continue;
        if (devs[i].no_permission)
            return NVML_ERROR_NO_PERMISSION;
        *device = &devs[i].handle;
        return NVML_SUCCESS;
    }
    return NVML_ERROR_INVALID_ARGUMENT;
}

EXPORT nvmlReturn_t nvmlDeviceGetCount(unsigned int *count)
{
    return get_count(count, 0);
}

#ifndef FAKE_NO_HANDLE
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *device)
{
    return get_handle(index, device, 0);
}
#endif

#ifndef FAKE_NO_V2
EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
    return get_count(count, 1);
}

#ifndef FAKE_NO_HANDLE
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    return get_handle(index, device, 1);
}
#endif
#endif

EXPORT nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *device)
{
    if (!uuid || !device)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (refcount == 0)
        return NVML_ERROR_UNINITIALIZED;
    for (int i = 0; i < n_devs; i++) {
        if (strcmp(devs[i].uuid, uuid) == 0) {
            *device = &devs[i].handle;
            return NVML_SUCCESS;
        }
        for (int k = 0; k < devs[i].n_mig; k++) {
            if (strcmp(devs[i].mig_uuid[k], uuid) == 0) {
                *device = &devs[i].mig_handles[k];
                return NVML_SUCCESS;
            }
        }
    }
    return NVML_ERROR_NOT_FOUND;
}

EXPORT nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device, unsigned int *index)
{
    struct fake_dev *d = dev_of(device);
    if (!d || !index)
        return NVML_ERROR_INVALID_ARGUMENT;
    *index = (unsigned)device->dev;
    return check(d, 0);
}

static nvmlReturn_t copy_str(char *dst, unsigned int length, const char *src)
{
    if (!dst)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(src) >= length)
        return NVML_ERROR_INSUFFICIENT_SIZE;
    snprintf(dst, length, "%s", src);
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
    struct fake_dev *d = dev_of(device);
    if (!d)
        return NVML_ERROR_INVALID_ARGUMENT;
    nvmlReturn_t r = check(d, 0);
    return r != NVML_SUCCESS ? r : copy_str(name, length, d->name);
}

EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
    struct fake_dev *d = dev_of(device);
    if (!d)
        return NVML_ERROR_INVALID_ARGUMENT;
    nvmlReturn_t r = check(d, 0);
    if (r != NVML_SUCCESS)
        return r;
    return copy_str(uuid, length, device->mig >= 0 ? d->mig_uuid[device->mig] : d->uuid);
}

EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
    struct fake_dev *d = dev_of(device);
    if (!d || !power)
        return NVML_ERROR_INVALID_ARGUMENT;
    pthread_mutex_lock(&lock);
    nvmlReturn_t r = check(d, 1);
    if (r == NVML_SUCCESS && (!d->power || device->mig >= 0))
        r = NVML_ERROR_NOT_SUPPORTED;
    if (r == NVML_SUCCESS)
        *power = (unsigned)(fake_trace_watts(&d->trace, fake_now_s() - t0_s) * 1000.0 + 0.5);
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device,
                                                        unsigned long long *energy)
{
    struct fake_dev *d = dev_of(device);
    if (!d || !energy)
        return NVML_ERROR_INVALID_ARGUMENT;
    pthread_mutex_lock(&lock);
    nvmlReturn_t r = check(d, 1);
    if (r == NVML_SUCCESS && (!d->energy_counter || device->mig >= 0))
        r = NVML_ERROR_NOT_SUPPORTED;
    if (r == NVML_SUCCESS) {
        double t = fake_now_s() - t0_s;
        double mj;
        if (d->energy_reset_s > 0 && t >= d->energy_reset_s)
            mj = fake_trace_joules(&d->trace, d->energy_reset_s, t) *
                 1000.0; /* driver reloaded: from 0 */
        else
            mj = d->energy_start_mj + fake_trace_joules(&d->trace, 0, t) * 1000.0;
        *energy = (unsigned long long)mj;
    }
    pthread_mutex_unlock(&lock);
    return r;
}

/* The process lists, in the v1 (16-byte) or v2/v3 (24-byte) element layout. */
/* The children of this process now, from /proc/self/task/<tid>/children, appended to pids. */
static unsigned self_children(unsigned *pids, unsigned n, unsigned max)
{
    DIR *dir = opendir("/proc/self/task");
    if (!dir)
        return n;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL && n < max) {
        char path[300];
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%.32s/children", de->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        unsigned pid;
        while (n < max && fscanf(f, "%u", &pid) == 1)
            pids[n++] = pid;
        fclose(f);
    }
    closedir(dir);
    return n;
}

static nvmlReturn_t procs(nvmlDevice_t device, unsigned int *count, void *infos, int graphics,
                          size_t stride, const char *sym)
{
    struct fake_dev *d = dev_of(device);
    if (!d || !count)
        return NVML_ERROR_INVALID_ARGUMENT;
    pthread_mutex_lock(&lock);
    unsigned count_in = *count;
    nvmlReturn_t r = check(d, 0);
    if (r != NVML_SUCCESS)
        goto out;
    const struct proc *list = graphics ? d->gprocs : d->procs;
    int n_list = graphics ? d->n_gprocs : d->n_procs;
    double t = fake_now_s() - t0_s;
    static unsigned pids[MAX_PROCS]; /* under lock */
    unsigned visible = 0;
    for (int i = 0; i < n_list && visible < MAX_PROCS; i++) {
        if (t < list[i].after_s)
            continue;
        if (list[i].pid == 0)
            visible = self_children(pids, visible, MAX_PROCS);
        else
            pids[visible++] = list[i].pid;
    }
    unsigned need = visible;
    if (!graphics && infos && *count > 0 && d->procs_grow > 0 && !d->grow_done) {
        d->grow_done = 1; /* processes "started" between the size query and this call */
        need += (unsigned)d->procs_grow;
    }
    if (*count < need || (need > 0 && !infos)) {
        *count = need;
        r = NVML_ERROR_INSUFFICIENT_SIZE;
        goto out;
    }
    for (unsigned k = 0; k < visible; k++) {
        unsigned char *e = (unsigned char *)infos + (size_t)k * stride;
        memset(e, 0, stride);
        if (stride == sizeof(nvmlProcessInfo_v2_t)) {
            nvmlProcessInfo_v2_t p = {pids[k], 1ULL << 30, 0xFFFFFFFFu, 0xFFFFFFFFu};
            memcpy(e, &p, sizeof(p));
        } else {
            nvmlProcessInfo_v1_t p = {pids[k], 1ULL << 30};
            memcpy(e, &p, sizeof(p));
        }
    }
    *count = visible;
out:
    fake_log("FAKE_NVML_LOG", "procs %d %s %u %d %u", device->dev, sym, count_in, r, *count);
    pthread_mutex_unlock(&lock);
    return r;
}

EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int *count,
                                                         nvmlProcessInfo_v1_t *infos)
{
    return procs(device, count, infos, 0, sizeof(nvmlProcessInfo_v1_t),
                 "nvmlDeviceGetComputeRunningProcesses");
}

EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses(nvmlDevice_t device, unsigned int *count,
                                                          nvmlProcessInfo_v1_t *infos)
{
    return procs(device, count, infos, 1, sizeof(nvmlProcessInfo_v1_t),
                 "nvmlDeviceGetGraphicsRunningProcesses");
}

#ifndef FAKE_NO_V2
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t device,
                                                            unsigned int *count,
                                                            nvmlProcessInfo_v2_t *infos)
{
    return procs(device, count, infos, 0, sizeof(nvmlProcessInfo_v2_t),
                 "nvmlDeviceGetComputeRunningProcesses_v2");
}

EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device,
                                                            unsigned int *count,
                                                            nvmlProcessInfo_v2_t *infos)
{
    return procs(device, count, infos, 0, sizeof(nvmlProcessInfo_v2_t),
                 "nvmlDeviceGetComputeRunningProcesses_v3");
}

EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v2(nvmlDevice_t device,
                                                             unsigned int *count,
                                                             nvmlProcessInfo_v2_t *infos)
{
    return procs(device, count, infos, 1, sizeof(nvmlProcessInfo_v2_t),
                 "nvmlDeviceGetGraphicsRunningProcesses_v2");
}

EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t device,
                                                             unsigned int *count,
                                                             nvmlProcessInfo_v2_t *infos)
{
    return procs(device, count, infos, 1, sizeof(nvmlProcessInfo_v2_t),
                 "nvmlDeviceGetGraphicsRunningProcesses_v3");
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *current,
                                         unsigned int *pending)
{
    struct fake_dev *d = dev_of(device);
    if (!d || !current || !pending || device->mig >= 0)
        return NVML_ERROR_INVALID_ARGUMENT;
    *current = *pending = d->n_mig > 0 ? NVML_DEVICE_MIG_ENABLE : NVML_DEVICE_MIG_DISABLE;
    return check(d, 0);
}

EXPORT nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned int *count)
{
    struct fake_dev *d = dev_of(device);
    if (!d || !count || device->mig >= 0)
        return NVML_ERROR_INVALID_ARGUMENT;
    *count = d->n_mig > 0 ? MAX_MIG : 0;
    return check(d, 0);
}

EXPORT nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned int index,
                                                        nvmlDevice_t *mig)
{
    struct fake_dev *d = dev_of(device);
    if (!d || !mig || device->mig >= 0)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (index >= (unsigned)d->n_mig)
        return NVML_ERROR_NOT_FOUND;
    *mig = &d->mig_handles[index];
    return check(d, 0);
}

EXPORT nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t mig,
                                                                 nvmlDevice_t *device)
{
    struct fake_dev *d = dev_of(mig);
    if (!d || !device || mig->mig < 0)
        return NVML_ERROR_INVALID_ARGUMENT;
    *device = &d->handle;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t device, unsigned int *is_mig)
{
    if (!dev_of(device) || !is_mig)
        return NVML_ERROR_INVALID_ARGUMENT;
    *is_mig = device->mig >= 0;
    return NVML_SUCCESS;
}
