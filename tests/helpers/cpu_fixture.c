/*
 * cpu_fixture.c - fixture trees and the fake perf source for the CPU meters without powercap
 * (see cpu_fixture.h).
 */
#include "cpu_fixture.h"

#include "energy/rapl_perf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return -ENAMETOOLONG;
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return -errno;
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

static int mkparent(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0;
    *slash = '\0';
    return mkdirs(buf);
}

static int write_path(const char *path, const char *text)
{
    int r = mkparent(path);
    if (r < 0)
        return r;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    char buf[4096];
    int n = snprintf(buf, sizeof(buf), "%s\n", text);
    if (n < 0 || n >= (int)sizeof(buf) || pwrite(fd, buf, (size_t)n, 0) != n ||
        ftruncate(fd, n) < 0) {
        close(fd);
        return -EIO;
    }
    return close(fd) < 0 ? -errno : 0;
}

int cpf_write(const char *root, const char *rel, const char *text)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    return write_path(path, text);
}

int cpf_topology(const char *root, int n_cpus, int cpus_per_pkg)
{
    char rel[128], text[64];
    if (n_cpus <= 0 || cpus_per_pkg <= 0)
        return -EINVAL;
    snprintf(text, sizeof(text), n_cpus == 1 ? "0" : "0-%d", n_cpus - 1);
    int r = cpf_write(root, "devices/system/cpu/online", text);
    for (int c = 0; r == 0 && c < n_cpus; c++) {
        snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/topology/physical_package_id", c);
        snprintf(text, sizeof(text), "%d", c / cpus_per_pkg);
        r = cpf_write(root, rel, text);
    }
    return r;
}

static int make_link(const char *root, const char *link_rel, const char *target)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", root, link_rel) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    int r = mkparent(path);
    if (r < 0)
        return r;
    unlink(path);
    return symlink(target, path) < 0 ? -errno : 0;
}

int cpf_perf_pmu(const char *root, unsigned type, const char *cpumask, int with_ram)
{
    static const char *const scale = "2.3283064365386962890625e-10";
    char text[32];
    snprintf(text, sizeof(text), "%u", type);
    int r = cpf_write(root, "devices/power/type", text);
    if (r == 0)
        r = cpf_write(root, "devices/power/cpumask", cpumask);
    if (r == 0)
        r = cpf_write(root, "devices/power/format/event", "config:0-7");
    const char *events[][2] = {{"energy-pkg", "event=0x02"}, {"energy-ram", "event=0x03"}};
    for (int e = 0; r == 0 && e < (with_ram ? 2 : 1); e++) {
        char rel[128];
        snprintf(rel, sizeof(rel), "devices/power/events/%s", events[e][0]);
        r = cpf_write(root, rel, events[e][1]);
        snprintf(rel, sizeof(rel), "devices/power/events/%s.scale", events[e][0]);
        if (r == 0)
            r = cpf_write(root, rel, scale);
        snprintf(rel, sizeof(rel), "devices/power/events/%s.unit", events[e][0]);
        if (r == 0)
            r = cpf_write(root, rel, "Joules");
    }
    if (r == 0)
        r = make_link(root, "bus/event_source/devices/power", "../../../devices/power");
    return r;
}

static int msr_path(const char *dir, int cpu, char *path, size_t len)
{
    return snprintf(path, len, "%s/%d/msr", dir, cpu) >= (int)len ? -ENAMETOOLONG : 0;
}

int cpf_msr_set(const char *dir, int cpu, uint64_t address, uint64_t value)
{
    char path[PATH_MAX];
    int r = msr_path(dir, cpu, path, sizeof(path));
    if (r == 0)
        r = mkparent(path);
    if (r < 0)
        return r;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(value >> (8 * i)); /* little-endian, as the CPU gives it */
    r = pwrite(fd, b, 8, (off_t)address) == 8 ? 0 : -EIO;
    close(fd);
    return r;
}

int cpf_msr_get(const char *dir, int cpu, uint64_t address, uint64_t *value)
{
    char path[PATH_MAX];
    int r = msr_path(dir, cpu, path, sizeof(path));
    if (r < 0)
        return r;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    unsigned char b[8];
    r = pread(fd, b, 8, (off_t)address) == 8 ? 0 : -EIO;
    close(fd);
    *value = 0;
    for (int i = 0; r == 0 && i < 8; i++)
        *value |= (uint64_t)b[i] << (8 * i);
    return r;
}

int cpf_hwmon(const char *root, const char *devpath, int num, const char *name)
{
    char rel[PATH_MAX], target[PATH_MAX];
    snprintf(rel, sizeof(rel), "devices/%s/hwmon/hwmon%d/name", devpath, num);
    int r = cpf_write(root, rel, name);
    if (r < 0)
        return r;
    snprintf(rel, sizeof(rel), "class/hwmon/hwmon%d", num);
    snprintf(target, sizeof(target), "../../devices/%s/hwmon/hwmon%d", devpath, num);
    return make_link(root, rel, target);
}

int cpf_hwmon_write(const char *root, int num, const char *file, const char *text)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "class/hwmon/hwmon%d/%s", num, file);
    return cpf_write(root, rel, text);
}

int cpf_hwmon_set_u64(const char *root, int num, const char *file, uint64_t value)
{
    char text[32];
    snprintf(text, sizeof(text), "%llu", (unsigned long long)value);
    return cpf_hwmon_write(root, num, file, text);
}

int cpf_hwmon_unlink(const char *root, int num, const char *file)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/class/hwmon/hwmon%d/%s", root, num, file);
    return unlink(path) < 0 ? -errno : 0;
}

int cpf_amd_energy(const char *root, int num, int n_sockets, int n_cores, uint64_t start_uj)
{
    int r = cpf_hwmon(root, "platform/amd_energy.0", num, "amd_energy");
    char file[64], label[32];
    for (int i = 0; r == 0 && i < n_cores + n_sockets; i++) {
        if (i < n_cores)
            snprintf(label, sizeof(label), "Ecore%03d", i);
        else
            snprintf(label, sizeof(label), "Esocket%d", i - n_cores);
        snprintf(file, sizeof(file), "energy%d_label", i + 1);
        r = cpf_hwmon_write(root, num, file, label);
        snprintf(file, sizeof(file), "energy%d_input", i + 1);
        if (r == 0)
            r = cpf_hwmon_set_u64(root, num, file, start_uj);
    }
    return r;
}

/* ---- fake perf source ----------------------------------------------------------------------*/

#define FAKE_MAX 64

static struct {
    struct {
        uint64_t config;
        int cpu;
        uint64_t count;
        int read_err;
        int used;
    } c[FAKE_MAX];
    int open_err;
    int open[FAKE_MAX]; /* handle -> counter index + 1, 0 when closed */
} fake;

static int find(uint64_t config, int cpu, int create)
{
    for (int i = 0; i < FAKE_MAX; i++)
        if (fake.c[i].used && fake.c[i].config == config && fake.c[i].cpu == cpu)
            return i;
    if (!create)
        return -1;
    for (int i = 0; i < FAKE_MAX; i++)
        if (!fake.c[i].used) {
            fake.c[i].used = 1;
            fake.c[i].config = config;
            fake.c[i].cpu = cpu;
            fake.c[i].count = 0;
            fake.c[i].read_err = 0;
            return i;
        }
    return -1;
}

static int fake_open(void *ctx, uint32_t type, uint64_t config, int cpu)
{
    (void)ctx;
    (void)type;
    if (fake.open_err)
        return -fake.open_err;
    int i = find(config, cpu, 0);
    if (i < 0)
        return -ENOENT;
    for (int h = 0; h < FAKE_MAX; h++)
        if (!fake.open[h]) {
            fake.open[h] = i + 1;
            return h;
        }
    return -EMFILE;
}

static int fake_read(void *ctx, int handle, uint64_t *count)
{
    (void)ctx;
    if (handle < 0 || handle >= FAKE_MAX || !fake.open[handle])
        return -EBADF;
    int i = fake.open[handle] - 1;
    if (fake.c[i].read_err)
        return -fake.c[i].read_err;
    *count = fake.c[i].count;
    return 0;
}

static void fake_close(void *ctx, int handle)
{
    (void)ctx;
    if (handle >= 0 && handle < FAKE_MAX)
        fake.open[handle] = 0;
}

static const struct ct__perf_source fake_source = {fake_open, fake_read, fake_close, NULL};

void cpf_perf_install(void)
{
    memset(&fake, 0, sizeof(fake));
    ct__rapl_perf_set_source(&fake_source);
}

void cpf_perf_uninstall(void)
{
    ct__rapl_perf_set_source(NULL);
}

void cpf_perf_set(uint64_t config, int cpu, uint64_t count)
{
    int i = find(config, cpu, 1);
    if (i >= 0)
        fake.c[i].count = count;
}

void cpf_perf_add(uint64_t config, int cpu, uint64_t delta)
{
    int i = find(config, cpu, 1);
    if (i >= 0)
        fake.c[i].count += delta;
}

void cpf_perf_fail_open(int err)
{
    fake.open_err = err;
}

void cpf_perf_fail_read(uint64_t config, int cpu, int err)
{
    int i = find(config, cpu, 0);
    if (i >= 0)
        fake.c[i].read_err = err;
}

int cpf_perf_open_count(void)
{
    int n = 0;
    for (int h = 0; h < FAKE_MAX; h++)
        n += fake.open[h] != 0;
    return n;
}
