/*
 * sysfs.c - small-file reads relative to a root fd, with fixture fault markers (see sysfs.h).
 */
#include "sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ct__root_open(const char *root)
{
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

static int fault_errno(const char *word)
{
    static const struct {
        const char *name;
        int value;
    } names[] = {{"EACCES", EACCES},   {"EPERM", EPERM},   {"EIO", EIO},
                 {"ENODATA", ENODATA}, {"ENOENT", ENOENT}, {"EBUSY", EBUSY}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(word, names[i].name) == 0)
            return names[i].value;
    return EIO;
}

int ct__sysfs_open(int dirfd, const char *path)
{
    char marker[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int n;
    if (slash)
        n = snprintf(marker, sizeof(marker), "%.*s/.ct-fault-%s", (int)(slash - path), path,
                     slash + 1);
    else
        n = snprintf(marker, sizeof(marker), ".ct-fault-%s", path);
    if (n > 0 && (size_t)n < sizeof(marker)) {
        int mfd = openat(dirfd, marker, O_RDONLY | O_CLOEXEC);
        if (mfd >= 0) {
            char word[32] = {0};
            ssize_t r = read(mfd, word, sizeof(word) - 1);
            close(mfd);
            if (r < 0)
                r = 0;
            word[r] = '\0';
            word[strcspn(word, " \t\r\n")] = '\0';
            return -fault_errno(word);
        }
    }
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int ct__sysfs_pread(int fd, char *buf, size_t len)
{
    if (len == 0)
        return -EINVAL;
    ssize_t r = pread(fd, buf, len - 1, 0);
    if (r < 0)
        return -errno;
    buf[r] = '\0';
    return (int)r;
}

int ct__sysfs_read_str(int dirfd, const char *path, char *buf, size_t len)
{
    int fd = ct__sysfs_open(dirfd, path);
    if (fd < 0)
        return fd;
    int r = ct__sysfs_pread(fd, buf, len);
    close(fd);
    if (r < 0)
        return r;
    while (r > 0 &&
           (buf[r - 1] == '\n' || buf[r - 1] == ' ' || buf[r - 1] == '\t' || buf[r - 1] == '\r'))
        buf[--r] = '\0';
    return r;
}

int ct__parse_u64(const char *s, uint64_t *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s < '0' || *s > '9')
        return -EINVAL;
    /* Decimal digits by hand: strtoull's locale and base handling was most of a counter read. */
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
            return -EINVAL; /* out of range */
        v = v * 10 + d;
    }
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (*s != '\0')
        return -EINVAL;
    *out = v;
    return 0;
}

int ct__sysfs_read_u64(int dirfd, const char *path, uint64_t *out)
{
    char buf[64];
    int r = ct__sysfs_read_str(dirfd, path, buf, sizeof(buf));
    if (r < 0)
        return r;
    return ct__parse_u64(buf, out);
}

int ct__sysfs_pread_u64(int fd, uint64_t *out)
{
    char buf[64];
    int r = ct__sysfs_pread(fd, buf, sizeof(buf));
    if (r < 0)
        return r;
    return ct__parse_u64(buf, out);
}
