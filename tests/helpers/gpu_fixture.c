/*
 * gpu_fixture.c - fake sysfs trees of PCI GPUs (gpu_fixture.h).
 */
#include "gpu_fixture.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

static int pci_path(char *buf, size_t len, const char *root, const char *pci, const char *rest)
{
    int n = snprintf(buf, len, "%s/devices/pci0000:00/%s%s%s", root, pci, rest ? "/" : "",
                     rest ? rest : "");
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The symlink <root>/<rel> -> target, its directory created. */
static int link_at(const char *target, const char *root, const char *rel)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    *strrchr(dir, '/') = '\0';
    int r = mkdirs(dir);
    if (r < 0)
        return r;
    return symlink(target, path) < 0 && errno != EEXIST ? -errno : 0;
}

int gpf_set(const char *root, const char *pci, const char *file, const char *text)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    int r = pci_path(path, sizeof(path), root, pci, file);
    if (r < 0)
        return r;
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -errno;
    fprintf(f, "%s\n", text);
    if (fclose(f) != 0)
        return -errno;
    return rename(tmp, path) < 0 ? -errno : 0;
}

int gpf_set_u64(const char *root, const char *pci, const char *file, uint64_t v)
{
    char text[32];
    snprintf(text, sizeof(text), "%" PRIu64, v);
    return gpf_set(root, pci, file, text);
}

int gpf_add_gpu(const char *root, const char *pci, unsigned vendor, unsigned device, int card)
{
    char path[PATH_MAX], text[16], rel[64];
    int r = pci_path(path, sizeof(path), root, pci, NULL);
    if (r < 0 || (r = mkdirs(path)) < 0)
        return r;
    snprintf(text, sizeof(text), "0x%04x", vendor);
    if ((r = gpf_set(root, pci, "vendor", text)) < 0)
        return r;
    snprintf(text, sizeof(text), "0x%04x", device);
    if ((r = gpf_set(root, pci, "device", text)) < 0)
        return r;
    /* drm/cardN with its device link and a connector, as the kernel shows them. */
    snprintf(rel, sizeof(rel), "drm/card%d/card%d-DP-1", card, card);
    if ((r = pci_path(path, sizeof(path), root, pci, rel)) < 0 || (r = mkdirs(path)) < 0)
        return r;
    char target[PATH_MAX];
    snprintf(target, sizeof(target), "../../../%s", pci);
    snprintf(rel, sizeof(rel), "drm/card%d/device", card);
    if ((r = pci_path(path, sizeof(path), root, pci, rel)) < 0)
        return r;
    if (symlink(target, path) < 0 && errno != EEXIST)
        return -errno;
    snprintf(target, sizeof(target), "../../devices/pci0000:00/%s/drm/card%d", pci, card);
    snprintf(rel, sizeof(rel), "class/drm/card%d", card);
    if ((r = link_at(target, root, rel)) < 0)
        return r;
    snprintf(target, sizeof(target), "../../devices/pci0000:00/%s/drm/card%d/card%d-DP-1", pci,
             card, card);
    snprintf(rel, sizeof(rel), "class/drm/card%d-DP-1", card);
    return link_at(target, root, rel);
}

int gpf_add_hwmon(const char *root, const char *pci, int n, const char *name)
{
    char path[PATH_MAX], rel[64], target[PATH_MAX];
    snprintf(rel, sizeof(rel), "hwmon/hwmon%d", n);
    int r = pci_path(path, sizeof(path), root, pci, rel);
    if (r < 0 || (r = mkdirs(path)) < 0)
        return r;
    snprintf(rel, sizeof(rel), "hwmon/hwmon%d/name", n);
    if ((r = gpf_set(root, pci, rel, name)) < 0)
        return r;
    snprintf(rel, sizeof(rel), "hwmon/hwmon%d/device", n);
    if ((r = pci_path(path, sizeof(path), root, pci, rel)) < 0)
        return r;
    snprintf(target, sizeof(target), "../../../%s", pci);
    if (symlink(target, path) < 0 && errno != EEXIST)
        return -errno;
    snprintf(target, sizeof(target), "../../devices/pci0000:00/%s/hwmon/hwmon%d", pci, n);
    snprintf(rel, sizeof(rel), "class/hwmon/hwmon%d", n);
    return link_at(target, root, rel);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

int gpf_vanish(const char *root, const char *pci, const char *file)
{
    char path[PATH_MAX];
    int r = pci_path(path, sizeof(path), root, pci, file);
    if (r < 0)
        return r;
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
        return errno ? -errno : -EIO;
    return 0;
}
