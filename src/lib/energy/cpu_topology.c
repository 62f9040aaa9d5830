/*
 * cpu_topology.c - CPU lists, package ids and the CPU's vendor and model (cpu_topology.h).
 */
#include "cpu_topology.h"

#include "../internal.h"
#include "../util/sysfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_num(const char **p, int *out)
{
    const char *s = *p;
    long v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');
        if (v >= CT__MAX_CPUS * 16L)
            return -1;
    }
    *out = (int)v;
    *p = s;
    return 0;
}

int ct__parse_cpu_list(const char *text, int *cpus, int max)
{
    const char *p = text;
    int n = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    for (;;) {
        int lo, hi;
        if (parse_num(&p, &lo) < 0)
            return -EINVAL;
        hi = lo;
        if (*p == '-') {
            p++;
            if (parse_num(&p, &hi) < 0 || hi < lo)
                return -EINVAL;
        }
        for (int c = lo; c <= hi; c++) {
            if (n >= max)
                return -EINVAL;
            cpus[n++] = c;
        }
        if (*p != ',')
            break;
        p++;
    }
    while (*p == '\n' || *p == ' ' || *p == '\t')
        p++;
    return *p == '\0' ? n : -EINVAL;
}

int ct__cpu_package_id(int sysfs_fd, int cpu)
{
    char rel[96];
    uint64_t id;
    ct__fmt(rel, sizeof(rel), "devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
    int r = ct__sysfs_read_u64(sysfs_fd, rel, &id);
    if (r < 0)
        return r;
    return id > 65535 ? -EINVAL : (int)id;
}

/* The value after "key<spaces>:" on a cpuinfo line, trailing newline cut; NULL if not that key. */
static const char *cpuinfo_value(char *line, const char *key)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0)
        return NULL;
    char *p = line + k;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (*p == ' ' || *p == '\t')
        p++;
    p[strcspn(p, "\r\n")] = '\0';
    return p;
}

int ct__cpuinfo_ident(int proc_fd, char *vendor, size_t len, int *family, int *model)
{
    vendor[0] = '\0';
    *family = *model = -1;
    int fd = ct__sysfs_open(proc_fd, "cpuinfo");
    if (fd < 0)
        return fd;
    FILE *f = fdopen(fd, "r");
    if (!f) {
        int err = errno;
        close(fd);
        return -err;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        const char *v;
        if (line[0] == '\n')
            break; /* the first processor's block is enough */
        if ((v = cpuinfo_value(line, "vendor_id")) != NULL)
            ct__strlcpy(vendor, v, len);
        else if ((v = cpuinfo_value(line, "cpu family")) != NULL)
            *family = atoi(v);
        else if ((v = cpuinfo_value(line, "model")) != NULL)
            *model = atoi(v);
    }
    free(line);
    fclose(f);
    return 0;
}
