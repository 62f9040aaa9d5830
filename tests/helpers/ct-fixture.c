/*
 * ct-fixture.c - command-line front end of the powercap fixture for shell integration tests:
 * build a fake powercap tree, move or break its counters, or drive a counter at a constant power
 * in real time while the tracked command runs; build PCI GPUs with their DRM and hwmon
 * directories (gpu_fixture.h). Exit: 0 ok, 1 failure (message on stderr), 2 usage.
 */
#include "gpu_fixture.h"
#include "powercap_fixture.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "usage: ct-fixture powercap ROOT SCENARIO   (client, server2, amd, hex, amd-dies, none)\n"
    "       ct-fixture set ROOT ZONE UJ\n"
    "       ct-fixture get ROOT ZONE\n"
    "       ct-fixture advance ROOT ZONE UJ     (wraps at max_energy_range_uj)\n"
    "       ct-fixture deny ROOT ZONE           (energy_uj fails with EACCES)\n"
    "       ct-fixture fault ROOT ZONE FILE ERRNO\n"
    "       ct-fixture vanish ROOT ZONE\n"
    "       ct-fixture drive ROOT ZONE WATTS SECONDS [STEP_MS]\n"
    "           advance ZONE at WATTS for SECONDS in real time, every STEP_MS (default 10),\n"
    "           then print the microjoules added\n"
    "       ct-fixture gpu ROOT PCI VENDOR DEVICE CARD [HWMON NAME]\n"
    "           a PCI GPU (ids in hex) with DRM cardCARD and hwmonHWMON named NAME\n"
    "       ct-fixture gpu-set ROOT PCI FILE TEXT  (FILE relative to the PCI device)\n";

static int usage(void)
{
    fputs(usage_text, stderr);
    return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    if (!*s || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0)
        return -1;
    *out = v;
    return 0;
}

static int failed(const char *what, const char *root, const char *zone, int r)
{
    fprintf(stderr, "ct-fixture: %s %s%s%s: %s\n", what, root, zone ? " " : "", zone ? zone : "",
            strerror(-r));
    return 1;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_until_ns(uint64_t t_ns)
{
    struct timespec ts = {.tv_sec = (time_t)(t_ns / 1000000000ULL),
                          .tv_nsec = (long)(t_ns % 1000000000ULL)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* Advance at a constant power: after t seconds the counter has moved total x t / duration. */
static int drive(const char *root, const char *zone, double watts, double seconds, uint64_t step_ms)
{
    uint64_t total_uj = (uint64_t)llround(watts * seconds * 1e6);
    uint64_t duration_ns = (uint64_t)llround(seconds * 1e9);
    uint64_t step_ns = step_ms * 1000000ULL;
    uint64_t added_uj = 0;
    uint64_t t0_ns = mono_ns();
    for (uint64_t k = 1;; k++) {
        uint64_t deadline_ns = t0_ns + k * step_ns;
        if (deadline_ns > t0_ns + duration_ns)
            deadline_ns = t0_ns + duration_ns;
        sleep_until_ns(deadline_ns);
        uint64_t elapsed_ns = mono_ns() - t0_ns;
        uint64_t target_uj = total_uj;
        if (elapsed_ns < duration_ns)
            target_uj = (uint64_t)((double)total_uj * ((double)elapsed_ns / (double)duration_ns));
        if (target_uj > added_uj) {
            int r = pcf_advance(root, zone, target_uj - added_uj);
            if (r < 0)
                return failed("cannot advance", root, zone, r);
            added_uj = target_uj;
        }
        if (elapsed_ns >= duration_ns)
            break;
    }
    printf("%" PRIu64 "\n", added_uj);
    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    const char *cmd = argv[1], *root = argv[2];
    uint64_t uj;
    int r;

    if (strcmp(cmd, "powercap") == 0) {
        if (argc != 4)
            return usage();
        r = pcf_create(root, argv[3]);
        if (r == -EINVAL) {
            fprintf(stderr, "ct-fixture: unknown scenario '%s'\n", argv[3]);
            return usage();
        }
        return r < 0 ? failed("cannot create", root, argv[3], r) : 0;
    }
    if (strcmp(cmd, "gpu") == 0 && (argc == 7 || argc == 9)) {
        unsigned vendor = (unsigned)strtoul(argv[4], NULL, 16);
        unsigned device = (unsigned)strtoul(argv[5], NULL, 16);
        r = gpf_add_gpu(root, argv[3], vendor, device, atoi(argv[6]));
        if (r == 0 && argc == 9)
            r = gpf_add_hwmon(root, argv[3], atoi(argv[7]), argv[8]);
        return r < 0 ? failed("cannot create", root, argv[3], r) : 0;
    }
    if (strcmp(cmd, "gpu-set") == 0 && argc == 6) {
        r = gpf_set(root, argv[3], argv[4], argv[5]);
        return r < 0 ? failed("cannot write", root, argv[4], r) : 0;
    }
    if (argc < 4)
        return usage();
    const char *zone = argv[3];
    if (strcmp(cmd, "set") == 0 || strcmp(cmd, "advance") == 0) {
        if (argc != 5 || parse_u64(argv[4], &uj) < 0)
            return usage();
        r = cmd[0] == 's' ? pcf_set(root, zone, uj) : pcf_advance(root, zone, uj);
        return r < 0 ? failed("cannot write", root, zone, r) : 0;
    }
    if (strcmp(cmd, "get") == 0) {
        if (argc != 4)
            return usage();
        r = pcf_get(root, zone, &uj);
        if (r < 0)
            return failed("cannot read", root, zone, r);
        printf("%" PRIu64 "\n", uj);
        return 0;
    }
    if (strcmp(cmd, "deny") == 0) {
        if (argc != 4)
            return usage();
        r = pcf_deny(root, zone);
        return r < 0 ? failed("cannot write marker in", root, zone, r) : 0;
    }
    if (strcmp(cmd, "fault") == 0) {
        if (argc != 6)
            return usage();
        r = pcf_fault(root, zone, argv[4], argv[5]);
        return r < 0 ? failed("cannot write marker in", root, zone, r) : 0;
    }
    if (strcmp(cmd, "vanish") == 0) {
        if (argc != 4)
            return usage();
        r = pcf_vanish(root, zone);
        return r < 0 ? failed("cannot remove", root, zone, r) : 0;
    }
    if (strcmp(cmd, "drive") == 0) {
        double watts, seconds;
        uint64_t step_ms = 10;
        if (argc < 6 || argc > 7 || parse_double(argv[4], &watts) < 0 ||
            parse_double(argv[5], &seconds) < 0 ||
            (argc == 7 && (parse_u64(argv[6], &step_ms) < 0 || step_ms == 0)))
            return usage();
        return drive(root, zone, watts, seconds, step_ms);
    }
    return usage();
}
