/*
 * hwmon_scan.c - hwmon chips by name (hwmon_scan.h).
 */
#include "hwmon_scan.h"

#include "../internal.h"
#include "../util/sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int by_num(const void *a, const void *b)
{
    const struct ct__hwmon_chip *x = a, *y = b;
    return (x->num > y->num) - (x->num < y->num);
}

int ct__hwmon_find(int sysfs_fd, const char *name, struct ct__hwmon_chip *chips, int max)
{
    int dfd = openat(sysfs_fd, CT__HWMON_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    DIR *dir = fdopendir(dfd);
    if (!dir) {
        int err = errno;
        close(dfd);
        return -err;
    }
    int n = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        char *end;
        if (strncmp(de->d_name, "hwmon", 5) != 0 || de->d_name[5] < '0' || de->d_name[5] > '9')
            continue;
        long num = strtol(de->d_name + 5, &end, 10);
        if (*end != '\0' || num > 1000000)
            continue;
        char rel[96], chip[64];
        ct__fmt(rel, sizeof(rel), CT__HWMON_DIR "/%s/name", de->d_name);
        if (ct__sysfs_read_str(sysfs_fd, rel, chip, sizeof(chip)) < 0 || strcmp(chip, name) != 0)
            continue;
        if (n < max) {
            ct__fmt(chips[n].path, sizeof(chips[n].path), CT__HWMON_DIR "/%s", de->d_name);
            chips[n].num = (int)num;
        }
        n++;
    }
    closedir(dir);
    qsort(chips, (size_t)(n < max ? n : max), sizeof(*chips), by_num);
    return n;
}
