/*
 * rapl_powercap.c - CPU package and DRAM energy from the Linux powercap sysfs tree (Intel RAPL,
 * and AMD since Linux 5.11). Each kept zone's energy_uj stays open and is pread; the wrapping
 * hardware counter is unfolded into a 64-bit counter that starts at 0 at probe.
 */
#include "../util/sysfs.h"
#include "counter.h"
#include "meter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POWERCAP_DIR "class/powercap"

/*
 * Assumed maximum power of a zone whose constraint_0_max_power_uw is missing or 0 (DRAM and psys
 * zones usually, AMD always): 1000 W, more than any one socket or its DIMMs draw. It bounds the
 * reset check (a wrap needing more than twice this power is a reset) and the wrap period.
 */
#define DEFAULT_MAX_POWER_UW 1000000000ULL

#define NS_PER_S 1000000000ULL

enum zone_kind { KIND_OTHER = 0, KIND_CPU, KIND_DRAM, KIND_PSYS };

struct zone {
    char id[64];    /* entry in class/powercap: "intel-rapl:0:2", "intel-rapl-mmio:0" */
    char name[64];  /* its name file: "package-0", "dram", "psys", ... */
    char label[96]; /* upstream-compatible device label: "cpu:0", "dram:0", "psys" */
    int mmio;       /* intel-rapl-mmio control type */
    unsigned top;   /* zone id (hexadecimal in the entry name) */
    unsigned sub;   /* subzone id when has_sub */
    int has_sub;
    int kind;              /* enum zone_kind */
    int pkg;               /* package number from the name (the parent's for dram), -1 for psys */
    int die;               /* die number of package-N-die-M, else -1 */
    int keep;              /* selected for measuring */
    int fd;                /* open energy_uj, or -1 */
    uint64_t range_uj;     /* max_energy_range_uj: the largest value before wrapping; 0 = unknown */
    uint64_t max_power_uw; /* constraint_0_max_power_uw, or DEFAULT_MAX_POWER_UW */
    uint64_t prev_uj;      /* last raw reading */
    uint64_t prev_ns;      /* monotonic time of the last raw reading */
    uint64_t total_uj;     /* unfolded energy since probe */
};

struct rapl_state {
    struct zone *zones;
    int n;
    unsigned long resets;  /* intervals dropped because the counter went back implausibly */
    char root[PATH_MAX];   /* the sysfs root, for messages */
    char read_error[4400]; /* why the last read that failed did: the file and the cause */
};

/* ---- parsing --------------------------------------------------------------------------------*/

static int parse_hex(const char **p, unsigned *out)
{
    const char *s = *p;
    unsigned v = 0;
    int digits = 0;
    for (;; s++, digits++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            break;
        if (digits >= 7)
            return -1;
        v = v * 16 + (unsigned)d;
    }
    if (digits == 0)
        return -1;
    *out = v;
    *p = s;
    return 0;
}

static int parse_dec(const char **p, int *out)
{
    const char *s = *p;
    int v = 0;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (digits >= 6)
            return -1;
        v = v * 10 + (*s - '0');
    }
    if (digits == 0)
        return -1;
    *out = v;
    *p = s;
    return 0;
}

/* "intel-rapl:<hex>", "intel-rapl:<hex>:<hex>", "intel-rapl-mmio:<hex>[:<hex>]". The ids are
 * printed by the kernel with "%x" and allocated in registration order: they say nothing about
 * the domain, only the name file does. */
static int parse_zone_id(const char *entry, struct zone *z)
{
    const char *p;
    if (strncmp(entry, "intel-rapl-mmio:", 16) == 0) {
        z->mmio = 1;
        p = entry + 16;
    } else if (strncmp(entry, "intel-rapl:", 11) == 0) {
        z->mmio = 0;
        p = entry + 11;
    } else {
        return -1;
    }
    if (parse_hex(&p, &z->top) < 0)
        return -1;
    z->has_sub = 0;
    if (*p == ':') {
        p++;
        if (parse_hex(&p, &z->sub) < 0)
            return -1;
        z->has_sub = 1;
    }
    return *p == '\0' ? 0 : -1;
}

/* "package-N" or "package-N-die-M". */
static int parse_package_name(const char *name, int *pkg, int *die)
{
    const char *p = name;
    if (strncmp(p, "package-", 8) != 0)
        return -1;
    p += 8;
    if (parse_dec(&p, pkg) < 0)
        return -1;
    *die = -1;
    if (*p == '\0')
        return 0;
    if (strncmp(p, "-die-", 5) != 0)
        return -1;
    p += 5;
    if (parse_dec(&p, die) < 0)
        return -1;
    return *p == '\0' ? 0 : -1;
}

/* ---- error texts ----------------------------------------------------------------------------*/

static int fail_read(const char *root, const char *rel, int err, char *why, size_t why_len)
{
    if (err == EACCES || err == EPERM) {
        const char *base = strrchr(rel, '/');
        if (base && strcmp(base + 1, "energy_uj") == 0) {
            ct__fmt(why, why_len,
                    "cannot read %s/%s: permission denied (root-only since Linux 5.10, "
                    "CVE-2020-8694). Fix: sudo chmod o+r %s/" POWERCAP_DIR
                    "/intel-rapl:*/energy_uj %s/" POWERCAP_DIR
                    "/intel-rapl:*/*/energy_uj, or permanently a udev rule in "
                    "/etc/udev/rules.d/99-powercap.rules: ACTION==\"add|change\", "
                    "SUBSYSTEM==\"powercap\", KERNEL==\"intel-rapl:*\", RUN+=\"/bin/chmod og+r "
                    "%%S%%p/energy_uj\" then udevadm control --reload && udevadm trigger "
                    "--subsystem-match=powercap",
                    root, rel, root, root);
        } else {
            ct__fmt(why, why_len, "cannot read %s/%s: permission denied", root, rel);
        }
        return CT_EPERM;
    }
    ct__fmt(why, why_len, "cannot read %s/%s: %s", root, rel, strerror(err));
    return CT_EIO;
}

/* ---- probing --------------------------------------------------------------------------------*/

static int zone_order(const void *a, const void *b)
{
    const struct zone *x = a, *y = b;
    if (x->mmio != y->mmio)
        return x->mmio - y->mmio;
    if (x->top != y->top)
        return x->top < y->top ? -1 : 1;
    if (x->has_sub != y->has_sub)
        return x->has_sub - y->has_sub;
    if (x->sub != y->sub)
        return x->sub < y->sub ? -1 : 1;
    return 0;
}

/* Device order: package number, then die, then cpu before dram (psys has package -1). */
static int device_order(const void *a, const void *b)
{
    const struct zone *x = a, *y = b;
    if (x->pkg != y->pkg)
        return x->pkg < y->pkg ? -1 : 1;
    if (x->die != y->die)
        return x->die < y->die ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return zone_order(a, b);
}

/* The intel-rapl / intel-rapl-mmio entries of class/powercap, sorted by type and id. */
static int list_zones(int sysfs_fd, const char *root, struct zone **out, int *n_out, char *why,
                      size_t why_len)
{
    struct zone *zones = NULL;
    int n = 0, cap = 0;
    DIR *dir = NULL;
    int rc = CT_OK;

    int dfd = openat(sysfs_fd, POWERCAP_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            ct__fmt(why, why_len, "no %s/" POWERCAP_DIR, root);
            return CT_ENOTSUP;
        }
        return fail_read(root, POWERCAP_DIR, errno, why, why_len);
    }
    dir = fdopendir(dfd);
    if (!dir) {
        rc = fail_read(root, POWERCAP_DIR, errno, why, why_len);
        close(dfd);
        goto fail;
    }
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(dir);
        if (!de) {
            if (errno != 0) {
                rc = fail_read(root, POWERCAP_DIR, errno, why, why_len);
                goto fail;
            }
            break;
        }
        struct zone z;
        memset(&z, 0, sizeof(z));
        if (strlen(de->d_name) >= sizeof(z.id) || parse_zone_id(de->d_name, &z) < 0)
            continue;
        ct__strlcpy(z.id, de->d_name, sizeof(z.id));
        z.fd = -1;
        z.pkg = -1;
        z.die = -1;
        if (n == cap) {
            int ncap = cap ? cap * 2 : 16;
            struct zone *nz = realloc(zones, (size_t)ncap * sizeof(*zones));
            if (!nz) {
                rc = CT_ENOMEM;
                goto fail;
            }
            zones = nz;
            cap = ncap;
        }
        zones[n++] = z;
    }
    closedir(dir);
    if (n > 1)
        qsort(zones, (size_t)n, sizeof(*zones), zone_order);
    *out = zones;
    *n_out = n;
    return CT_OK;

fail:
    if (dir)
        closedir(dir);
    free(zones);
    return rc;
}

/* Read every zone's name; zones without a name file are left KIND_OTHER. */
static int read_names(int sysfs_fd, const char *root, struct zone *zones, int n, char *why,
                      size_t why_len)
{
    char rel[PATH_MAX];
    for (int i = 0; i < n; i++) {
        ct__fmt(rel, sizeof(rel), POWERCAP_DIR "/%s/name", zones[i].id);
        int r = ct__sysfs_read_str(sysfs_fd, rel, zones[i].name, sizeof(zones[i].name));
        if (r == -ENOENT || r == -ENOTDIR) {
            zones[i].name[0] = '\0';
            continue;
        }
        if (r < 0)
            return fail_read(root, rel, -r, why, why_len);
    }
    return CT_OK;
}

static const struct zone *find_parent(const struct zone *zones, int n, const struct zone *z)
{
    for (int i = 0; i < n; i++)
        if (!zones[i].has_sub && zones[i].mmio == z->mmio && zones[i].top == z->top)
            return &zones[i];
    return NULL;
}

/* Domain from the names: package-N[-die-M] at top level, dram under a package, psys at top
 * level. core and uncore are inside the package already and stay KIND_OTHER. */
static void classify(struct zone *zones, int n)
{
    for (int i = 0; i < n; i++) {
        struct zone *z = &zones[i];
        int pkg, die;
        if (!z->has_sub) {
            if (parse_package_name(z->name, &pkg, &die) == 0) {
                z->kind = KIND_CPU;
                z->pkg = pkg;
                z->die = die;
            } else if (strcmp(z->name, "psys") == 0) {
                z->kind = KIND_PSYS;
            }
        } else if (strcmp(z->name, "dram") == 0) {
            const struct zone *parent = find_parent(zones, n, z);
            if (parent && parse_package_name(parent->name, &pkg, &die) == 0) {
                z->kind = KIND_DRAM;
                z->pkg = pkg;
                z->die = die;
            }
        }
    }
}

/* psys alone when asked for and present (it contains package and dram), else package + dram.
 * Returns the number of zones kept. */
static int select_zones(struct zone *zones, int n, int include_psys)
{
    int have_psys = 0;
    for (int i = 0; i < n; i++)
        if (zones[i].kind == KIND_PSYS)
            have_psys = 1;
    int psys_mode = include_psys && have_psys;
    for (int i = 0; i < n; i++) {
        int k = zones[i].kind;
        zones[i].keep = psys_mode ? k == KIND_PSYS : (k == KIND_CPU || k == KIND_DRAM);
    }
    /* The same domain twice (an intel-rapl-mmio zone mirrors its intel-rapl package): keep the
     * intel-rapl one, else the lowest id. zones[] is sorted so that the preferred comes first. */
    int kept = 0;
    for (int j = 0; j < n; j++) {
        if (!zones[j].keep)
            continue;
        for (int i = 0; i < j; i++) {
            if (zones[i].keep && zones[i].kind == zones[j].kind && zones[i].pkg == zones[j].pkg &&
                zones[i].die == zones[j].die) {
                zones[j].keep = 0;
                break;
            }
        }
        kept += zones[j].keep;
    }
    return kept;
}

/* Open energy_uj, read the range, the maximum power and the first value. */
static int open_zone(int sysfs_fd, const char *root, struct zone *z, char *why, size_t why_len)
{
    char rel[PATH_MAX];
    ct__fmt(rel, sizeof(rel), POWERCAP_DIR "/%s/max_energy_range_uj", z->id);
    int r = ct__sysfs_read_u64(sysfs_fd, rel, &z->range_uj);
    if (r == -ENOENT)
        z->range_uj = 0; /* unknown: a backwards step can then only be a reset */
    else if (r < 0)
        return fail_read(root, rel, -r, why, why_len);

    ct__fmt(rel, sizeof(rel), POWERCAP_DIR "/%s/constraint_0_max_power_uw", z->id);
    if (ct__sysfs_read_u64(sysfs_fd, rel, &z->max_power_uw) < 0 || z->max_power_uw == 0)
        z->max_power_uw = DEFAULT_MAX_POWER_UW;

    ct__fmt(rel, sizeof(rel), POWERCAP_DIR "/%s/energy_uj", z->id);
    int fd = ct__sysfs_open(sysfs_fd, rel);
    if (fd < 0)
        return fail_read(root, rel, -fd, why, why_len);
    z->fd = fd;
    r = ct__sysfs_pread_u64(fd, &z->prev_uj);
    if (r < 0)
        return fail_read(root, rel, -r, why, why_len);
    return CT_OK;
}

/* Do a and b (open) read one counter? Compared twice, because a real counter can tick (about
 * every millisecond) between the two reads. */
static int same_counter(const struct zone *a, const struct zone *b)
{
    if (a->range_uj != b->range_uj)
        return 0;
    if (a->prev_uj == b->prev_uj)
        return 1;
    uint64_t va, vb;
    if (ct__sysfs_pread_u64(a->fd, &va) < 0 || ct__sysfs_pread_u64(b->fd, &vb) < 0)
        return 0;
    return va == vb;
}

/*
 * Old kernels (before AMD RAPL moved to package scope) registered one zone per die on
 * multi-die EPYC/Threadripper, and every die zone read the same socket counter (codecarbon#1274:
 * one 68 W socket reported as 68 W + 68 W). Heuristic: two package-N-die-M zones of the same
 * package whose energy_uj readings AND max_energy_range_uj are identical at probe time are one
 * counter; the higher die is dropped. Independent per-die counters (Intel multi-die parts) differ
 * in their readings and are all kept.
 */
static void drop_mirrored_dies(struct zone *zones, int n)
{
    for (int j = 0; j < n; j++) {
        struct zone *b = &zones[j];
        if (!b->keep || b->kind != KIND_CPU || b->die < 0)
            continue;
        for (int i = 0; i < n; i++) {
            struct zone *a = &zones[i];
            if (i == j || !a->keep || a->kind != KIND_CPU || a->pkg != b->pkg || a->die < 0 ||
                a->die > b->die)
                continue;
            if (same_counter(a, b)) {
                b->keep = 0;
                close(b->fd);
                b->fd = -1;
                break;
            }
        }
    }
}

static void make_labels(struct zone *zones, int n)
{
    for (int i = 0; i < n; i++) {
        struct zone *z = &zones[i];
        if (!z->keep)
            continue;
        int dies = 0;
        for (int k = 0; k < n; k++)
            if (zones[k].keep && zones[k].kind == KIND_CPU && zones[k].pkg == z->pkg)
                dies++;
        const char *prefix = z->kind == KIND_DRAM ? "dram" : "cpu";
        if (z->kind == KIND_PSYS)
            ct__strlcpy(z->label, "psys", sizeof(z->label));
        else if (z->die >= 0 && dies > 1)
            ct__fmt(z->label, sizeof(z->label), "%s:%d-die-%d", prefix, z->pkg, z->die);
        else
            ct__fmt(z->label, sizeof(z->label), "%s:%d", prefix, z->pkg);
    }
}

static void rapl_close(void *vs)
{
    struct rapl_state *s = vs;
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        if (s->zones[i].fd >= 0)
            close(s->zones[i].fd);
    free(s->zones);
    free(s);
}

static int rapl_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    struct zone *zones = NULL;
    struct rapl_state *s = NULL;
    int n = 0;
    int rc;
    char root[PATH_MAX];

    *state = NULL;
    const char *sysfs_root = ctx->opts && ctx->opts->sysfs_root ? ctx->opts->sysfs_root : "/sys";
    ct__strlcpy(root, sysfs_root, sizeof(root));
    for (size_t len = strlen(root); len > 1 && root[len - 1] == '/'; len--)
        root[len - 1] = '\0';
    int include_psys = ctx->opts ? ctx->opts->include_psys : 0;

    rc = list_zones(ctx->sysfs_fd, root, &zones, &n, why, why_len);
    if (rc < 0)
        return rc;
    rc = read_names(ctx->sysfs_fd, root, zones, n, why, why_len);
    if (rc < 0)
        goto fail;
    classify(zones, n);
    if (select_zones(zones, n, include_psys) == 0) {
        ct__fmt(why, why_len, "no RAPL package zones in %s/" POWERCAP_DIR, root);
        rc = CT_ENOTSUP;
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        if (!zones[i].keep)
            continue;
        rc = open_zone(ctx->sysfs_fd, root, &zones[i], why, why_len);
        if (rc < 0)
            goto fail;
    }
    drop_mirrored_dies(zones, n);
    make_labels(zones, n);

    s = calloc(1, sizeof(*s));
    if (!s) {
        rc = CT_ENOMEM;
        goto fail;
    }
    int kept = 0;
    for (int i = 0; i < n; i++)
        kept += zones[i].keep;
    s->zones = calloc((size_t)kept, sizeof(*s->zones));
    if (!s->zones) {
        rc = CT_ENOMEM;
        goto fail;
    }
    uint64_t now_ns = ct__now_ns();
    for (int i = 0; i < n; i++) {
        if (!zones[i].keep)
            continue;
        s->zones[s->n] = zones[i];
        s->zones[s->n].prev_ns = now_ns;
        s->zones[s->n].total_uj = 0;
        s->n++;
        zones[i].fd = -1; /* owned by the state now */
    }
    qsort(s->zones, (size_t)s->n, sizeof(*s->zones), device_order);
    ct__strlcpy(s->root, root, sizeof(s->root));
    free(zones);
    *state = s;
    return CT_OK;

fail:
    for (int i = 0; i < n; i++)
        if (zones[i].fd >= 0)
            close(zones[i].fd);
    free(zones);
    rapl_close(s);
    return rc;
}

/* ---- reading --------------------------------------------------------------------------------*/

static int rapl_describe(void *vs, struct ct__meter_dev *devs, int max)
{
    struct rapl_state *s = vs;
    for (int i = 0; i < s->n && i < max; i++) {
        ct__strlcpy(devs[i].name, s->zones[i].label, sizeof(devs[i].name));
        devs[i].provenance = CT_PROVENANCE_MEASURED;
    }
    return s->n;
}

/*
 * Energy since the previous reading of z. A step back is a wrap, (range - prev) + cur (the
 * +1 uJ of the exact modulus is negligible), unless that wrap needs more than twice the zone's
 * maximum power over the elapsed time, or the value exceeds the range: then the counter was
 * reset, the interval adds 0 and the counter resynchronises. Never negative.
 */
static uint64_t unfold(struct rapl_state *s, struct zone *z, uint64_t cur_uj, uint64_t now_ns)
{
    uint64_t elapsed_ns = now_ns > z->prev_ns ? now_ns - z->prev_ns : 0;
    int reset;
    uint64_t delta_uj = ct__counter_step(z->prev_uj, cur_uj, z->range_uj, (double)z->max_power_uw,
                                         elapsed_ns, &reset);
    z->prev_uj = cur_uj;
    if (now_ns > z->prev_ns)
        z->prev_ns = now_ns;
    s->resets += (unsigned long)reset;
    return delta_uj;
}

static int rapl_read(void *vs, uint64_t now_ns, struct ct__reading *out)
{
    struct rapl_state *s = vs;
    int rc = CT_OK;
    for (int i = 0; i < s->n; i++) {
        struct zone *z = &s->zones[i];
        uint64_t cur_uj;
        int r = ct__sysfs_pread_u64(z->fd, &cur_uj);
        if (r < 0) {
            ct__fmt(s->read_error, sizeof(s->read_error),
                    "cannot read %s/" POWERCAP_DIR "/%s/energy_uj: %s", s->root, z->id,
                    r == -EINVAL ? "not a number" : strerror(-r));
            out[i].energy_uj = z->total_uj;
            out[i].lost = 1;
            rc = CT_EIO;
            continue;
        }
        z->total_uj += unfold(s, z, cur_uj, now_ns);
        out[i].energy_uj = z->total_uj;
        out[i].lost = 0;
    }
    return rc;
}

/* Time for the counter to run through its whole range at the zone's maximum power; 0 when the
 * range is unknown. range_uj / power_uw is in seconds. */
static uint64_t wrap_period_ns(const struct zone *z)
{
    uint64_t p = z->max_power_uw, q = z->range_uj / p, r = z->range_uj % p;
    if (z->range_uj == 0)
        return 0;
    if (q > UINT64_MAX / NS_PER_S)
        return UINT64_MAX;
    uint64_t ns = q * NS_PER_S;
    uint64_t frac_ns = p <= UINT64_MAX / NS_PER_S
                           ? r * NS_PER_S / p
                           : (uint64_t)((double)r * (double)NS_PER_S / (double)p);
    return ns > UINT64_MAX - frac_ns ? UINT64_MAX : ns + frac_ns;
}

static uint64_t shortest_wrap_ns(const struct rapl_state *s)
{
    uint64_t best = 0;
    for (int i = 0; i < s->n; i++) {
        uint64_t w = wrap_period_ns(&s->zones[i]);
        if (w > 0 && (best == 0 || w < best))
            best = w;
    }
    return best;
}

/* Sample at least twice per wrap: half the shortest wrap period over all zones. */
static uint64_t rapl_max_interval_ns(void *vs)
{
    uint64_t wrap_ns = shortest_wrap_ns(vs);
    if (wrap_ns == 0)
        return 0;
    return wrap_ns / 2 > 0 ? wrap_ns / 2 : 1;
}

static void rapl_detail(void *vs, char *buf, size_t len)
{
    struct rapl_state *s = vs;
    size_t off = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    ct__append(buf, len, &off, "%d zone%s: ", s->n, s->n == 1 ? "" : "s");
    for (int i = 0; i < s->n; i++)
        ct__append(buf, len, &off, "%s%s (%s)", i ? ", " : "", s->zones[i].id, s->zones[i].name);
    uint64_t wrap_ns = shortest_wrap_ns(s);
    if (wrap_ns > 0)
        ct__append(buf, len, &off, "; shortest wrap %llu s",
                   (unsigned long long)(wrap_ns / NS_PER_S));
    else
        ct__append(buf, len, &off, "; wrap period unknown");
    ct__append(buf, len, &off, "; %lu reset%s", s->resets, s->resets == 1 ? "" : "s");
}

static void rapl_read_error(void *vs, char *buf, size_t len)
{
    const struct rapl_state *s = vs;
    ct__strlcpy(buf, s->read_error, len);
}

const struct ct__meter_ops ct__meter_rapl_powercap = {
    .name = "rapl-powercap",
    .component = CT__COMP_CPU,
    .domain = "cpu-package",
    .probe = rapl_probe,
    .describe = rapl_describe,
    .read = rapl_read,
    .max_interval_ns = rapl_max_interval_ns,
    .detail = rapl_detail,
    .close = rapl_close,
    .read_error = rapl_read_error,
};
