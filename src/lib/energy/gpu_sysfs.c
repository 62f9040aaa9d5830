/*
 * gpu_sysfs.c - DRM cards, hwmon attributes, power integration and visible-devices lists for the
 * AMD and Intel GPU meters (gpu_sysfs.h).
 */
#include "gpu_sysfs.h"

#include "meter.h"

#include "../internal.h"
#include "../util/sysfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int is_card_name(const char *name)
{
    if (strncmp(name, "card", 4) != 0 || name[4] == '\0')
        return 0;
    return strspn(name + 4, "0123456789") == strlen(name + 4);
}

static int read_hex(int dirfd, const char *path, unsigned *out)
{
    char buf[32];
    if (ct__sysfs_read_str(dirfd, path, buf, sizeof(buf)) <= 0)
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(buf, &end, 16);
    if (errno || end == buf || *end != '\0' || v > 0xffffu)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* The first hwmon directory under class/drm/<card>/device/hwmon, with its name. */
static void find_hwmon(int sysfs_fd, struct ct__drm_card *c)
{
    char dir[64];
    ct__fmt(dir, sizeof(dir), "class/drm/%s/device/hwmon", c->card);
    int fd = openat(sysfs_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    char best[32] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        /* hwmon numbers are not stable; one directory per device in practice: take the lowest
         * for a deterministic choice. */
        if (strncmp(e->d_name, "hwmon", 5) != 0 || !isdigit((unsigned char)e->d_name[5]))
            continue;
        if (!best[0] || strlen(e->d_name) < strlen(best) ||
            (strlen(e->d_name) == strlen(best) && strcmp(e->d_name, best) < 0))
            ct__strlcpy(best, e->d_name, sizeof(best));
    }
    closedir(d);
    if (!best[0])
        return;
    ct__fmt(c->hwmon, sizeof(c->hwmon), "%s/%s", dir, best);
    char path[128];
    ct__fmt(path, sizeof(path), "%s/name", c->hwmon);
    if (ct__sysfs_read_str(sysfs_fd, path, c->hwmon_name, sizeof(c->hwmon_name)) < 0)
        c->hwmon_name[0] = '\0';
}

static int cmp_card(const void *a, const void *b)
{
    const struct ct__drm_card *x = a, *y = b;
    return strcmp(x->pci, y->pci);
}

int ct__drm_cards(int sysfs_fd, unsigned vendor, struct ct__drm_card *out, int max)
{
    int fd = sysfs_fd >= 0 ? openat(sysfs_fd, "class/drm", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    int n = 0;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        if (!is_card_name(e->d_name) || strlen(e->d_name) >= sizeof(out[n].card))
            continue;
        struct ct__drm_card c;
        memset(&c, 0, sizeof(c));
        ct__strlcpy(c.card, e->d_name, sizeof(c.card));
        char path[64], link[PATH_MAX];
        ct__fmt(path, sizeof(path), "class/drm/%s/device/vendor", c.card);
        if (read_hex(sysfs_fd, path, &c.vendor) != 0 || c.vendor != vendor)
            continue;
        ct__fmt(path, sizeof(path), "class/drm/%s/device/device", c.card);
        if (read_hex(sysfs_fd, path, &c.device) != 0)
            c.device = 0;
        /* The PCI address is the device link's last component ("../../../0000:03:00.0"). */
        ct__fmt(path, sizeof(path), "class/drm/%s/device", c.card);
        ssize_t len = readlinkat(sysfs_fd, path, link, sizeof(link) - 1);
        if (len <= 0)
            continue; /* not a PCI device (a virtual card) */
        link[len] = '\0';
        const char *base = strrchr(link, '/');
        ct__strlcpy(c.pci, base ? base + 1 : link, sizeof(c.pci));
        int dup = 0;
        for (int i = 0; i < n && !dup; i++)
            dup = strcmp(out[i].pci, c.pci) == 0;
        if (dup)
            continue;
        find_hwmon(sysfs_fd, &c);
        out[n++] = c;
    }
    closedir(d);
    qsort(out, (size_t)n, sizeof(*out), cmp_card);
    return n;
}

void ct__pci_from_bdfid(uint64_t bdfid, char *buf, size_t len)
{
    ct__fmt(buf, len, "%04x:%02x:%02x.%x", (unsigned)(bdfid >> 32) & 0xffffu,
            (unsigned)(bdfid >> 8) & 0xffu, (unsigned)(bdfid >> 3) & 0x1fu, (unsigned)bdfid & 0x7u);
}

int ct__hwmon_read_u64(int hwmon_fd, const char *attr, uint64_t *out)
{
    /* openat, pread, close: three system calls (the fixtures' fault markers are not looked for
     * at each read, only when the meter probes). */
    int fd = openat(hwmon_fd, attr, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = ct__sysfs_pread_u64(fd, out);
    close(fd);
    return r;
}

int ct__gpu_visible(const char *spec, const char *var, const int *in, int n_in,
                    const char *const *uuids, int *out, char *note, size_t note_len)
{
    char buf[1024];
    int n_out = 0;
    ct__strlcpy(buf, spec, sizeof(buf));
    char *save = NULL;
    for (char *tok = ct__list_next(buf, &save); tok; tok = ct__list_next(NULL, &save)) {
        size_t digits = strspn(tok, "0123456789");
        int dev = -1;
        if (digits > 0 && digits <= 6 &&
            (tok[digits] == '\0' ||
             (tok[digits] == '.' && tok[digits + 1] != '\0' &&
              strspn(tok + digits + 1, "0123456789") == strlen(tok + digits + 1)))) {
            long idx = strtol(tok, NULL, 10);
            if (idx >= n_in) {
                ct__note_add(note, note_len, "%s entry '%s' skipped: no GPU with that index", var,
                             tok);
                continue;
            }
            dev = in[idx];
            if (tok[digits] == '.')
                ct__note_add(note, note_len, "%s entry '%s': the whole GPU is measured", var, tok);
        } else if (uuids && strncasecmp(tok, "GPU-", 4) == 0 && tok[4] != '\0') {
            int matches = 0;
            for (int i = 0; i < n_in; i++)
                if (uuids[in[i]] && uuids[in[i]][0] &&
                    strncasecmp(uuids[in[i]], tok, strlen(tok)) == 0) {
                    matches++;
                    dev = in[i];
                }
            if (matches != 1) {
                ct__note_add(note, note_len, "%s entry '%.60s' skipped: %s", var, tok,
                             matches ? "the UUID prefix matches several GPUs"
                                     : "no GPU has that UUID");
                continue;
            }
        } else {
            ct__note_add(note, note_len,
                         "%s entry '%.40s' is not a GPU index or UUID: it and the entries after it "
                         "are ignored",
                         var, tok);
            break;
        }
        int seen = 0;
        for (int i = 0; i < n_out && !seen; i++)
            seen = out[i] == dev;
        if (!seen)
            out[n_out++] = dev;
    }
    return n_out;
}

static int blank(const char *s)
{
    return !s || strspn(s, " \t") == strlen(s);
}

int ct__gpu_select(const char *spec1, const char *var1, const char *spec2, const char *var2, int n,
                   const char *const *uuids, int *out, char *note, size_t note_len)
{
    int *tmp = n > 0 ? malloc((size_t)n * sizeof(*tmp)) : NULL;
    int m = n;
    if (!tmp)
        return 0;
    for (int i = 0; i < n; i++)
        tmp[i] = i;
    if (!blank(spec1))
        m = ct__gpu_visible(spec1, var1, tmp, m, uuids, out, note, note_len);
    else
        memcpy(out, tmp, (size_t)n * sizeof(*out));
    if (!blank(spec2)) {
        memcpy(tmp, out, (size_t)m * sizeof(*tmp));
        m = ct__gpu_visible(spec2, var2, tmp, m, uuids, out, note, note_len);
    }
    free(tmp);
    return m;
}

int ct__gpu_chosen(const int *chosen, int n_chosen, int i)
{
    for (int k = 0; k < n_chosen; k++)
        if (chosen[k] == i)
            return 1;
    return 0;
}

int ct__hwmon_gpu_open(int sysfs_fd, struct ct__hwmon_gpu *g, uint64_t now_ns)
{
    g->dirfd = openat(sysfs_fd, g->card.hwmon, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (g->dirfd < 0)
        return -errno;
    uint64_t v;
    int r = ct__sysfs_read_u64(g->dirfd, g->attr, &v); /* honours the fixtures' fault markers */
    if (r < 0) {
        close(g->dirfd);
        g->dirfd = -1;
        return r;
    }
    if (g->is_energy)
        g->last_uj = v;
    else
        ct__power_trace_add(&g->trace, now_ns, (double)v);
    return 0;
}

int ct__hwmon_meter_start(int sysfs_fd, unsigned vendor, const char *vendor_name,
                          struct ct__hwmon_meter **state, struct ct__drm_card **cards, char *why,
                          size_t why_len)
{
    struct ct__hwmon_meter *s = calloc(1, sizeof(*s));
    *state = s;
    *cards = calloc(CT__GPU_MAX_CARDS, sizeof(**cards));
    if (!s || !*cards)
        return CT_ENOMEM;
    s->n_cards = ct__drm_cards(sysfs_fd, vendor, *cards, CT__GPU_MAX_CARDS);
    if (s->n_cards == 0) {
        ct__fmt(why, why_len, "no %s GPU (no card of PCI vendor 0x%04x under class/drm)",
                vendor_name, vendor);
        return CT_ENOTSUP;
    }
    s->gpus = calloc((size_t)s->n_cards, sizeof(*s->gpus));
    return s->gpus ? CT_OK : CT_ENOMEM;
}

int ct__hwmon_meter_finish(struct ct__hwmon_meter *s, struct ct__drm_card *cards, int rc,
                           const char *none, void **state, char *why, size_t why_len)
{
    free(cards);
    if (rc == CT_OK && s->n == 0) {
        ct__fmt(why, why_len, "%s: %s", none, s->notes[0] ? s->notes : "none selected");
        rc = CT_ENOTSUP;
    }
    if (rc != CT_OK) {
        ct__hwmon_meter_close(s);
        return rc;
    }
    *state = s;
    return CT_OK;
}

void ct__hwmon_meter_note(struct ct__hwmon_meter *s, const char *what)
{
    size_t off = strlen(s->notes);
    ct__append(s->notes, sizeof(s->notes), &off, "%s%s", off ? "; " : "", what);
}

int ct__hwmon_meter_read(void *state, uint64_t now_ns, struct ct__reading *out)
{
    struct ct__hwmon_meter *s = state;
    int attempted = 0, answered = 0;
    for (int i = 0; i < s->n; i++) {
        struct ct__hwmon_gpu *d = &s->gpus[i];
        if (!d->lost) {
            uint64_t v;
            attempted++;
            int r = ct__hwmon_read_u64(d->dirfd, d->attr, &v);
            if (r == 0) {
                answered++;
                if (!d->is_energy) {
                    ct__power_trace_add(&d->trace, now_ns, (double)v);
                } else {
                    if (v >= d->last_uj)
                        d->total_uj += (double)(v - d->last_uj);
                    else
                        d->resets++; /* the counter went backwards: a reload; rebase */
                    d->last_uj = v;
                }
            } else {
                d->lost = 1;
                ct__fmt(d->lost_why, sizeof(d->lost_why), "%s %s", d->attr,
                        r == -EINVAL                   ? "holds no number"
                        : r == -ENOENT || r == -ENODEV ? "vanished (GPU reset or removed)"
                                                       : strerror(-r));
            }
        }
        out[i].energy_uj = (uint64_t)((d->is_energy ? d->total_uj : d->trace.total_uj) + 0.5);
        out[i].lost = d->lost;
    }
    return attempted > 0 && answered == 0 ? CT_EIO : CT_OK;
}

void ct__hwmon_meter_close(void *state)
{
    struct ct__hwmon_meter *s = state;
    if (!s)
        return;
    for (int i = 0; s->gpus && i < s->n; i++)
        if (s->gpus[i].dirfd >= 0)
            close(s->gpus[i].dirfd);
    free(s->gpus);
    free(s);
}

void ct__hwmon_meter_describe(const struct ct__hwmon_meter *s, int i, int provenance,
                              struct ct__meter_dev *d)
{
    const struct ct__hwmon_gpu *g = &s->gpus[i];
    ct__strlcpy(d->name, g->name, sizeof(d->name));
    d->provenance = provenance;
    ct__strlcpy(d->uuid, g->uuid, sizeof(d->uuid));
    d->index = i;
}

void ct__hwmon_gpu_identify(int sysfs_fd, struct ct__hwmon_gpu *g, const char *vendor_name)
{
    char path[96], buf[96];
    ct__fmt(path, sizeof(path), "class/drm/%s/device/product_name", g->card.card);
    if (ct__sysfs_read_str(sysfs_fd, path, buf, sizeof(buf)) > 0)
        ct__strlcpy(g->name, buf, sizeof(g->name));
    else
        ct__fmt(g->name, sizeof(g->name), "%s GPU %04x:%04x", vendor_name, g->card.vendor,
                g->card.device);
    ct__fmt(path, sizeof(path), "class/drm/%s/device/unique_id", g->card.card);
    g->uuid[0] = '\0';
    if (ct__sysfs_read_str(sysfs_fd, path, buf, sizeof(buf)) > 0 &&
        strspn(buf, "0123456789abcdefABCDEF") == strlen(buf) && strlen(buf) <= 16)
        ct__fmt(g->uuid, sizeof(g->uuid), "GPU-%016llx", strtoull(buf, NULL, 16));
}
