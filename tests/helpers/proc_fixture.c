/*
 * proc_fixture.c - fake proc roots for tests: cpuinfo and stat files, with stat's tick counters
 * advanced in place (see proc_fixture.h).
 */
#include "proc_fixture.h"

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

int prf_mkroot(char *buf, size_t len, const char *tag)
{
    const char *base = getenv("CT_FIXTURE_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    if (mkdir(base, 0755) != 0 && errno != EEXIST)
        return -errno;
    int n = snprintf(buf, len, "%s/%s.XXXXXX", base, tag ? tag : "proc");
    if (n < 0 || (size_t)n >= len)
        return -EINVAL;
    if (mkdtemp(buf) == NULL)
        return -errno;
    return 0;
}

static int path_of(char *buf, size_t len, const char *root, const char *file)
{
    int n = snprintf(buf, len, "%s/%s", root, file);
    return (n < 0 || (size_t)n >= len) ? -EINVAL : 0;
}

/* Replace the file's contents in place: pwrite at offset 0, then ftruncate to the new size. */
static int write_in_place(const char *root, const char *file, const char *text)
{
    char path[PATH_MAX];
    int rc = path_of(path, sizeof(path), root, file);
    if (rc != 0)
        return rc;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t w = pwrite(fd, text + done, len - done, (off_t)done);
        if (w < 0) {
            rc = -errno;
            goto cleanup;
        }
        done += (size_t)w;
    }
    if (ftruncate(fd, (off_t)len) != 0)
        rc = -errno;
cleanup:
    close(fd);
    return rc;
}

int prf_write_cpuinfo(const char *root, const char *brand, int n_cpus)
{
    if (root == NULL || n_cpus < 0)
        return -EINVAL;
    size_t cap = 256 + (size_t)n_cpus * (512 + (brand ? strlen(brand) : 0));
    char *text = malloc(cap);
    if (text == NULL)
        return -ENOMEM;
    size_t o = 0;
    text[0] = '\0';
    for (int i = 0; i < n_cpus; i++) {
        int n;
        if (brand)
            n = snprintf(text + o, cap - o,
                         "processor\t: %d\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
                         "model\t\t: 85\nmodel name\t: %s\nstepping\t: 4\n"
                         "cpu MHz\t\t: 2100.000\ncache size\t: 22528 KB\nphysical id\t: 0\n"
                         "siblings\t: %d\ncore id\t\t: %d\ncpu cores\t: %d\n"
                         "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep\n"
                         "bogomips\t: 4200.00\n\n",
                         i, brand, n_cpus, i, n_cpus);
        else
            n = snprintf(text + o, cap - o,
                         "processor\t: %d\nBogoMIPS\t: 50.00\n"
                         "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32\n"
                         "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\n"
                         "CPU part\t: 0xd0c\nCPU revision\t: 1\n\n",
                         i);
        if (n < 0 || (size_t)n >= cap - o) {
            free(text);
            return -EINVAL;
        }
        o += (size_t)n;
    }
    int rc = write_in_place(root, "cpuinfo", text);
    free(text);
    return rc;
}

static int format_line(char *buf, size_t len, const char *label, const struct prf_stat *s)
{
    return snprintf(buf, len,
                    "%s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
                    " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
                    label, s->user, s->nice, s->system, s->idle, s->iowait, s->irq, s->softirq,
                    s->steal, s->guest, s->guest_nice);
}

int prf_write_stat(const char *root, const struct prf_stat *st)
{
    if (root == NULL || st == NULL)
        return -EINVAL;
    char text[2048];
    size_t o = 0;
    int n = format_line(text, sizeof(text), "cpu ", st); /* the kernel prints "cpu  " */
    if (n < 0)
        return -EINVAL;
    o += (size_t)n;
    n = format_line(text + o, sizeof(text) - o, "cpu0", st);
    if (n < 0)
        return -EINVAL;
    o += (size_t)n;
    n = snprintf(text + o, sizeof(text) - o,
                 "intr 12345 0 9 0 0 0 0 0 0 1\nctxt 67890\nbtime 1700000000\n"
                 "processes 4242\nprocs_running 1\nprocs_blocked 0\n"
                 "softirq 1000 1 2 3 4 5 6 7 8 9 10\n");
    if (n < 0 || (size_t)n >= sizeof(text) - o)
        return -EINVAL;
    return write_in_place(root, "stat", text);
}

int prf_read_stat(const char *root, struct prf_stat *st)
{
    char path[PATH_MAX];
    int rc = path_of(path, sizeof(path), root, "stat");
    if (rc != 0)
        return rc;
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -errno;
    struct prf_stat s = {0};
    int n = fscanf(f,
                   "cpu %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
                   &s.user, &s.nice, &s.system, &s.idle, &s.iowait, &s.irq, &s.softirq, &s.steal,
                   &s.guest, &s.guest_nice);
    fclose(f);
    if (n != 10)
        return -EINVAL;
    *st = s;
    return 0;
}

int prf_create(const char *root, const char *brand, int n_cpus, const struct prf_stat *st)
{
    int rc = prf_write_cpuinfo(root, brand, n_cpus);
    if (rc != 0)
        return rc;
    return prf_write_stat(root, st);
}

int prf_stat_advance_fields(const char *root, const struct prf_stat *d)
{
    struct prf_stat s;
    int rc = prf_read_stat(root, &s);
    if (rc != 0)
        return rc;
    s.user += d->user;
    s.nice += d->nice;
    s.system += d->system;
    s.idle += d->idle;
    s.iowait += d->iowait;
    s.irq += d->irq;
    s.softirq += d->softirq;
    s.steal += d->steal;
    s.guest += d->guest;
    s.guest_nice += d->guest_nice;
    return prf_write_stat(root, &s);
}

int prf_stat_advance(const char *root, uint64_t busy_ticks, uint64_t idle_ticks)
{
    struct prf_stat d = {0};
    d.user = busy_ticks;
    d.idle = idle_ticks;
    return prf_stat_advance_fields(root, &d);
}

int prf_fault(const char *root, const char *file, const char *errname)
{
    if (file == NULL || errname == NULL || strchr(file, '/') != NULL)
        return -EINVAL;
    char marker[NAME_MAX + 1];
    int n = snprintf(marker, sizeof(marker), ".ct-fault-%s", file);
    if (n < 0 || (size_t)n >= sizeof(marker))
        return -EINVAL;
    char text[64];
    snprintf(text, sizeof(text), "%s\n", errname);
    return write_in_place(root, marker, text);
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(path) != 0 ? -1 : 0;
}

int prf_remove(const char *root)
{
    if (root == NULL || root[0] == '\0' || strcmp(root, "/") == 0)
        return -EINVAL;
    if (nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return errno ? -errno : -EIO;
    return 0;
}
