/*
 * powercap_fixture.c - fake powercap sysfs trees for the RAPL meter's tests and the ct-fixture
 * command (see powercap_fixture.h). Counters move in place, wrapping like the hardware's.
 */
#include "powercap_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCF_DIR "class/powercap"

struct pcf_zone {
    const char *zone;
    const char *name;
    uint64_t energy_uj;
    uint64_t range_uj;
    uint64_t max_power_uw; /* 0: no constraint_0_max_power_uw file */
};

/* clang-format off */
static const struct pcf_zone client_zones[] = {
    {"intel-rapl:0", "package-0", 12345678901ULL, PCF_RANGE_INTEL_UJ, 45000000ULL},
    {"intel-rapl:0:0", "core", 5000000000ULL, PCF_RANGE_INTEL_UJ, 0},
    {"intel-rapl:0:1", "uncore", 100000000ULL, PCF_RANGE_INTEL_UJ, 0},
    {"intel-rapl:0:2", "dram", 3000000000ULL, PCF_RANGE_INTEL_UJ, 0},
    {"intel-rapl:1", "psys", 40000000000ULL, PCF_RANGE_INTEL_UJ, 0},
    {"intel-rapl-mmio:0", "package-0", 12345678901ULL, PCF_RANGE_INTEL_UJ, 45000000ULL},
};
static const struct pcf_zone server2_zones[] = {
    {"intel-rapl:0", "package-0", 100000000000ULL, PCF_RANGE_INTEL_UJ, 125000000ULL},
    {"intel-rapl:0:0", "dram", 20000000000ULL, PCF_RANGE_DRAM_UJ, 0},
    {"intel-rapl:1", "package-1", 110000000000ULL, PCF_RANGE_INTEL_UJ, 125000000ULL},
    {"intel-rapl:1:0", "dram", 21000000000ULL, PCF_RANGE_DRAM_UJ, 0},
};
static const struct pcf_zone amd_zones[] = {
    {"intel-rapl:0", "package-0", 7000000000ULL, PCF_RANGE_DRAM_UJ, 0},
    {"intel-rapl:0:0", "core", 900000000ULL, PCF_RANGE_DRAM_UJ, 0},
};
static const struct pcf_zone hex_zones[] = {
    {"intel-rapl:a", "package-1", 50000000000ULL, PCF_RANGE_INTEL_UJ, 150000000ULL},
    {"intel-rapl:a:0", "core", 30000000000ULL, PCF_RANGE_INTEL_UJ, 0},
    {"intel-rapl:a:1", "dram", 5000000000ULL, PCF_RANGE_DRAM_UJ, 0},
    {"intel-rapl:b", "package-0", 60000000000ULL, PCF_RANGE_INTEL_UJ, 150000000ULL},
    {"intel-rapl:b:c", "dram", 6000000000ULL, PCF_RANGE_DRAM_UJ, 0},
};
static const struct pcf_zone amd_dies_zones[] = {
    {"intel-rapl:0", "package-0-die-0", 7000000000ULL, PCF_RANGE_DRAM_UJ, 0},
    {"intel-rapl:0:0", "core", 800000000ULL, PCF_RANGE_DRAM_UJ, 0},
    {"intel-rapl:1", "package-0-die-1", 7000000000ULL, PCF_RANGE_DRAM_UJ, 0},
    {"intel-rapl:1:0", "core", 810000000ULL, PCF_RANGE_DRAM_UJ, 0},
};
/* clang-format on */

static const struct {
    const char *name;
    const struct pcf_zone *zones;
    size_t n;
} scenarios[] = {
    {"client", client_zones, sizeof(client_zones) / sizeof(client_zones[0])},
    {"server2", server2_zones, sizeof(server2_zones) / sizeof(server2_zones[0])},
    {"amd", amd_zones, sizeof(amd_zones) / sizeof(amd_zones[0])},
    {"hex", hex_zones, sizeof(hex_zones) / sizeof(hex_zones[0])},
    {"amd-dies", amd_dies_zones, sizeof(amd_dies_zones) / sizeof(amd_dies_zones[0])},
    {"none", NULL, 0},
};

static int mkdir_p(const char *path)
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

static int zone_path(char *buf, size_t len, const char *root, const char *zone, const char *file)
{
    int n = file ? snprintf(buf, len, "%s/" PCF_DIR "/%s/%s", root, zone, file)
                 : snprintf(buf, len, "%s/" PCF_DIR "/%s", root, zone);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int pcf_mkroot(char *buf, size_t len, const char *tag)
{
    const char *base = getenv("CT_FIXTURE_TMP");
    if (!base || !*base)
        base = "/tmp";
    int r = mkdir_p(base);
    if (r < 0)
        return r;
    int n = snprintf(buf, len, "%s/%s.XXXXXX", base, tag ? tag : "pcf");
    if (n < 0 || (size_t)n >= len)
        return -ENAMETOOLONG;
    return mkdtemp(buf) ? 0 : -errno;
}

/* Write `text` into path in place: pwrite at 0, then cut to length. A shorter text is first
 * padded with trailing whitespace to the old length, so a concurrent reader sees either the old
 * number or the new one (parsers accept trailing whitespace), never a mix of digits. */
static int write_in_place(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int rc = 0;
    size_t len = strlen(text);
    struct stat st;
    char buf[256];
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto cleanup;
    }
    if (len >= sizeof(buf)) {
        rc = -EINVAL;
        goto cleanup;
    }
    size_t total = len;
    memcpy(buf, text, len);
    if ((size_t)st.st_size > len && (size_t)st.st_size < sizeof(buf)) {
        memset(buf + len, ' ', (size_t)st.st_size - len);
        total = (size_t)st.st_size;
    }
    if (pwrite(fd, buf, total, 0) != (ssize_t)total) {
        rc = errno ? -errno : -EIO;
        goto cleanup;
    }
    if (ftruncate(fd, (off_t)len) < 0)
        rc = -errno;
cleanup:
    close(fd);
    return rc;
}

static int write_u64(const char *root, const char *zone, const char *file, uint64_t v)
{
    char text[32];
    snprintf(text, sizeof(text), "%" PRIu64, v);
    return pcf_write(root, zone, file, text);
}

static int read_u64(const char *root, const char *zone, const char *file, uint64_t *out)
{
    char path[PATH_MAX], buf[64];
    int r = zone_path(path, sizeof(path), root, zone, file);
    if (r < 0)
        return r;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    int err = errno;
    close(fd);
    if (n < 0)
        return -err;
    buf[n] = '\0';
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno != 0 || end == buf)
        return -EINVAL;
    *out = (uint64_t)v;
    return 0;
}

int pcf_write(const char *root, const char *zone, const char *file, const char *text)
{
    char path[PATH_MAX], line[256];
    int r = zone_path(path, sizeof(path), root, zone, file);
    if (r < 0)
        return r;
    int n = snprintf(line, sizeof(line), "%s\n", text);
    if (n < 0 || (size_t)n >= sizeof(line))
        return -EINVAL;
    return write_in_place(path, line);
}

int pcf_add_zone(const char *root, const char *zone, const char *name, uint64_t energy_uj,
                 uint64_t range_uj, uint64_t max_power_uw)
{
    char path[PATH_MAX];
    int r = zone_path(path, sizeof(path), root, zone, NULL);
    if (r < 0)
        return r;
    if ((r = mkdir_p(path)) < 0)
        return r;
    if ((r = pcf_write(root, zone, "name", name)) < 0)
        return r;
    if ((r = write_u64(root, zone, "energy_uj", energy_uj)) < 0)
        return r;
    if ((r = write_u64(root, zone, "max_energy_range_uj", range_uj)) < 0)
        return r;
    if ((r = pcf_write(root, zone, "enabled", "1")) < 0)
        return r;
    if (max_power_uw > 0) {
        if ((r = write_u64(root, zone, "constraint_0_max_power_uw", max_power_uw)) < 0)
            return r;
        if ((r = pcf_write(root, zone, "constraint_0_name", "long_term")) < 0)
            return r;
    }
    /* A subzone also appears inside its parent's directory. */
    const char *last = strrchr(zone, ':');
    const char *first = strchr(zone, ':');
    if (last && first && last != first) {
        char parent[128], link[PATH_MAX], target[160];
        snprintf(parent, sizeof(parent), "%.*s", (int)(last - zone), zone);
        if (zone_path(link, sizeof(link), root, parent, zone) == 0) {
            snprintf(target, sizeof(target), "../%s", zone);
            if (symlink(target, link) < 0 && errno != EEXIST && errno != ENOENT)
                return -errno;
        }
    }
    return 0;
}

int pcf_create(const char *root, const char *scenario)
{
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        if (strcmp(scenarios[i].name, scenario) != 0)
            continue;
        if (scenarios[i].n == 0)
            return 0;
        char path[PATH_MAX];
        int r = zone_path(path, sizeof(path), root, "intel-rapl", NULL);
        if (r < 0)
            return r;
        if ((r = mkdir_p(path)) < 0)
            return r;
        if ((r = pcf_write(root, "intel-rapl", "enabled", "1")) < 0)
            return r;
        for (size_t k = 0; k < scenarios[i].n; k++) {
            const struct pcf_zone *z = &scenarios[i].zones[k];
            r = pcf_add_zone(root, z->zone, z->name, z->energy_uj, z->range_uj, z->max_power_uw);
            if (r < 0)
                return r;
        }
        return 0;
    }
    return -EINVAL;
}

int pcf_set(const char *root, const char *zone, uint64_t energy_uj)
{
    return write_u64(root, zone, "energy_uj", energy_uj);
}

int pcf_get(const char *root, const char *zone, uint64_t *energy_uj)
{
    return read_u64(root, zone, "energy_uj", energy_uj);
}

int pcf_advance(const char *root, const char *zone, uint64_t delta_uj)
{
    uint64_t cur, range;
    int r = pcf_get(root, zone, &cur);
    if (r < 0)
        return r;
    r = read_u64(root, zone, "max_energy_range_uj", &range);
    if (r < 0)
        return r;
    uint64_t next;
    if (range == 0) {
        next = cur + delta_uj;
    } else {
        cur %= range;
        delta_uj %= range;
        next = cur >= range - delta_uj ? cur - (range - delta_uj) : cur + delta_uj;
    }
    return pcf_set(root, zone, next);
}

int pcf_fault(const char *root, const char *zone, const char *file, const char *errname)
{
    char marker[128];
    int n = snprintf(marker, sizeof(marker), ".ct-fault-%s", file);
    if (n < 0 || (size_t)n >= sizeof(marker) || strchr(file, '/'))
        return -EINVAL;
    return pcf_write(root, zone, marker, errname);
}

int pcf_deny(const char *root, const char *zone)
{
    return pcf_fault(root, zone, "energy_uj", "EACCES");
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int remove_tree(const char *path)
{
    if (!path || !*path || strcmp(path, "/") == 0)
        return -EINVAL;
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
        return errno ? -errno : -EIO;
    return 0;
}

int pcf_vanish(const char *root, const char *zone)
{
    char path[PATH_MAX];
    int r = zone_path(path, sizeof(path), root, zone, "energy_uj");
    if (r < 0)
        return r;
    if (truncate(path, 0) < 0)
        return -errno;
    if ((r = zone_path(path, sizeof(path), root, zone, NULL)) < 0)
        return r;
    return remove_tree(path);
}

int pcf_remove(const char *root)
{
    return remove_tree(root);
}
