/*
 * intel_gpu_hwmon.c - Intel discrete GPU energy from the i915 and xe drivers' hwmon counters
 * (energy1_input, µJ, 64-bit: the driver unfolds the hardware's wrap). On xe the card-level
 * counter is used (the channel labelled "card", else energy1), never also the package counter
 * it contains. GPUs are found through class/drm/cardN and its device link, chosen by
 * ZE_AFFINITY_MASK (device indices in PCI order; a sub-device measures its whole card). An
 * integrated GPU has no counter: its energy is in the CPU package's (RAPL).
 */
#include "gpu_sysfs.h"
#include "meter.h"

#include "../util/sysfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The card-level energy attribute of an i915/xe hwmon directory: the energyN_input whose label
 * is "card", else energy1_input. */
static void card_counter(int sysfs_fd, const struct ct__hwmon_gpu *g, char *attr, size_t len)
{
    ct__strlcpy(attr, "energy1_input", len);
    for (int ch = 1; ch <= 4; ch++) {
        char path[128], label[32];
        ct__fmt(path, sizeof(path), "%s/energy%d_label", g->card.hwmon, ch);
        if (ct__sysfs_read_str(sysfs_fd, path, label, sizeof(label)) > 0 &&
            strcmp(label, "card") == 0) {
            ct__fmt(attr, len, "energy%d_input", ch);
            return;
        }
    }
}

static int intel_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    struct ct__hwmon_meter *s = NULL;
    struct ct__drm_card *cards = NULL;
    *state = NULL;
    int rc = ct__hwmon_meter_start(ctx->sysfs_fd, CT__PCI_VENDOR_INTEL, "Intel", &s, &cards, why,
                                   why_len);
    if (rc != CT_OK)
        return ct__hwmon_meter_finish(s, cards, rc, NULL, state, why, why_len);
    int n = s->n_cards;
    int chosen[CT__GPU_MAX_CARDS];
    const char *mask = ct__settings_get(ctx->settings, "intel-gpu-hwmon", "visible_devices");
    int n_chosen = ct__gpu_select(mask, "ZE_AFFINITY_MASK", NULL, NULL, n, NULL, chosen, s->notes,
                                  sizeof(s->notes));
    uint64_t now_ns = ct__now_ns();
    for (int i = 0; i < n; i++) {
        if (!ct__gpu_chosen(chosen, n_chosen, i))
            continue;
        struct ct__hwmon_gpu g;
        memset(&g, 0, sizeof(g));
        g.card = cards[i];
        g.dirfd = -1;
        g.is_energy = 1;
        ct__hwmon_gpu_identify(ctx->sysfs_fd, &g, "Intel");
        char msg[200];
        if (!g.card.hwmon[0] ||
            (strcmp(g.card.hwmon_name, "i915") != 0 && strcmp(g.card.hwmon_name, "xe") != 0)) {
            ct__fmt(msg, sizeof(msg),
                    "%s (%s) skipped: no i915/xe hwmon directory (an integrated GPU: its energy "
                    "is in the CPU package's)",
                    g.card.card, g.card.pci);
            ct__hwmon_meter_note(s, msg);
            continue;
        }
        card_counter(ctx->sysfs_fd, &g, g.attr, sizeof(g.attr));
        int r = ct__hwmon_gpu_open(ctx->sysfs_fd, &g, now_ns);
        if (r != 0) {
            ct__fmt(msg, sizeof(msg), "%s (%s) skipped: %s %s", g.card.card, g.card.pci, g.attr,
                    r == -ENOENT   ? "is absent (integrated GPU, or a kernel before 6.2)"
                    : r == -EINVAL ? "holds no number"
                                   : strerror(-r));
            ct__hwmon_meter_note(s, msg);
            continue;
        }
        s->gpus[s->n++] = g;
    }
    return ct__hwmon_meter_finish(s, cards, CT_OK, "no Intel GPU energy counter", state, why,
                                  why_len);
}

static int intel_describe(void *vs, struct ct__meter_dev *devs, int max)
{
    struct ct__hwmon_meter *s = vs;
    for (int i = 0; i < s->n && i < max; i++) {
        const struct ct__hwmon_gpu *g = &s->gpus[i];
        ct__hwmon_meter_describe(s, i, CT_PROVENANCE_MEASURED, &devs[i]);
        ct__fmt(devs[i].info, sizeof(devs[i].info),
                "PCI %s, %s; exact energy from the %s hwmon counter %s (uJ)%s", g->card.pci,
                g->card.card, g->card.hwmon_name, g->attr,
                strcmp(g->card.hwmon_name, "xe") == 0 ? ", the card level (it contains the "
                                                        "package counter, which is not added)"
                                                      : "");
    }
    return s->n;
}

static void intel_detail(void *vs, char *buf, size_t len)
{
    struct ct__hwmon_meter *s = vs;
    size_t off = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    ct__append(buf, len, &off, "%d Intel card%s; measured:", s->n_cards,
               s->n_cards == 1 ? "" : "s");
    for (int i = 0; i < s->n; i++)
        ct__append(buf, len, &off, "%s %s (%s %s%s%s%s)", i ? "," : "", s->gpus[i].card.card,
                   s->gpus[i].card.hwmon_name, s->gpus[i].attr,
                   s->gpus[i].resets ? ", counter reset" : "", s->gpus[i].lost ? ", lost: " : "",
                   s->gpus[i].lost_why);
    if (s->notes[0])
        ct__append(buf, len, &off, "; %s", s->notes);
}

static const struct ct__setting_decl intel_settings[] = {
    {"visible_devices", "ZE_AFFINITY_MASK", NULL, 0,
     "the Intel GPUs measured: device indices (N or N.sub-device), as Level Zero reads it"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct ct__meter_ops ct__meter_intel_gpu_hwmon = {
    .name = "intel-gpu-hwmon",
    .component = CT__COMP_GPU,
    .settings = intel_settings,
    .domain = "gpu-intel",
    .probe = intel_probe,
    .describe = intel_describe,
    .read = ct__hwmon_meter_read,
    .detail = intel_detail,
    .close = ct__hwmon_meter_close,
};
