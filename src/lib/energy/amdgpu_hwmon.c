/*
 * amdgpu_hwmon.c - AMD GPU power from the amdgpu driver's hwmon files where ROCm SMI is absent:
 * power1_input (instantaneous, µW), else power1_average (µW), sampled at 20 Hz and integrated.
 * A fallback of the gpu-amd domain: used only when the rocm-smi meter is not, so a GPU is never
 * counted by both. GPUs are found through class/drm/cardN and its device link, chosen by
 * ROCR_VISIBLE_DEVICES then HIP_VISIBLE_DEVICES (the rocm-smi meter's settings).
 */
#include "gpu_sysfs.h"
#include "meter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int amd_hwmon_probe(const struct ct__probe_ctx *ctx, void **state, char *why, size_t why_len)
{
    struct ct__hwmon_meter *s = NULL;
    struct ct__drm_card *cards = NULL;
    *state = NULL;
    int rc =
        ct__hwmon_meter_start(ctx->sysfs_fd, CT__PCI_VENDOR_AMD, "AMD", &s, &cards, why, why_len);
    if (rc != CT_OK)
        return ct__hwmon_meter_finish(s, cards, rc, NULL, state, why, why_len);
    int n = s->n_cards;
    struct ct__hwmon_gpu all[CT__GPU_MAX_CARDS];
    const char *uuids[CT__GPU_MAX_CARDS];
    int chosen[CT__GPU_MAX_CARDS];
    for (int i = 0; i < n; i++) {
        memset(&all[i], 0, sizeof(all[i]));
        all[i].card = cards[i];
        all[i].dirfd = -1;
        ct__hwmon_gpu_identify(ctx->sysfs_fd, &all[i], "AMD");
        uuids[i] = all[i].uuid;
    }
    const char *rocr = ct__settings_get(ctx->settings, "rocm-smi", "visible_devices");
    const char *hip = ct__settings_get(ctx->settings, "rocm-smi", "hip_visible_devices");
    int n_chosen = ct__gpu_select(rocr, "ROCR_VISIBLE_DEVICES", hip, "HIP_VISIBLE_DEVICES", n,
                                  uuids, chosen, s->notes, sizeof(s->notes));
    uint64_t now_ns = ct__now_ns();
    for (int i = 0; i < n; i++) {
        if (!ct__gpu_chosen(chosen, n_chosen, i))
            continue;
        struct ct__hwmon_gpu *g = &all[i];
        char msg[160];
        if (!g->card.hwmon[0] || strcmp(g->card.hwmon_name, "amdgpu") != 0) {
            ct__fmt(msg, sizeof(msg), "%s (%s) skipped: no amdgpu hwmon directory", g->card.card,
                    g->card.pci);
            ct__hwmon_meter_note(s, msg);
            continue;
        }
        int r = -1;
        static const char *const attrs[] = {"power1_input", "power1_average"};
        for (size_t a = 0; a < 2 && r != 0; a++) {
            ct__strlcpy(g->attr, attrs[a], sizeof(g->attr));
            r = ct__hwmon_gpu_open(ctx->sysfs_fd, g, now_ns);
        }
        if (r != 0) {
            ct__fmt(msg, sizeof(msg),
                    "%s (%s) skipped: neither power1_input nor power1_average "
                    "can be read (%s)",
                    g->card.card, g->card.pci, r == -EINVAL ? "not a number" : strerror(-r));
            ct__hwmon_meter_note(s, msg);
            continue;
        }
        s->gpus[s->n++] = *g;
    }
    return ct__hwmon_meter_finish(s, cards, CT_OK, "no AMD GPU can be measured through hwmon",
                                  state, why, why_len);
}

static int amd_hwmon_describe(void *vs, struct ct__meter_dev *devs, int max)
{
    struct ct__hwmon_meter *s = vs;
    for (int i = 0; i < s->n && i < max; i++) {
        const struct ct__hwmon_gpu *g = &s->gpus[i];
        ct__hwmon_meter_describe(s, i, CT_PROVENANCE_INTEGRATED, &devs[i]);
        ct__fmt(devs[i].info, sizeof(devs[i].info),
                "PCI %s, %s; amdgpu hwmon %s (uW) integrated at 20 Hz: ROCm SMI is not used "
                "(socket power: on an APU it includes the CPU)",
                g->card.pci, g->card.card, g->attr);
    }
    return s->n;
}

static uint64_t amd_hwmon_max_interval_ns(void *vs)
{
    (void)vs;
    return CT__GPU_POWER_POLL_NS;
}

static void amd_hwmon_detail(void *vs, char *buf, size_t len)
{
    struct ct__hwmon_meter *s = vs;
    size_t off = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    ct__append(buf, len, &off, "%d amdgpu card%s; measured:", s->n_cards,
               s->n_cards == 1 ? "" : "s");
    for (int i = 0; i < s->n; i++)
        ct__append(buf, len, &off, "%s %s (%s%s%s)", i ? "," : "", s->gpus[i].card.card,
                   s->gpus[i].attr, s->gpus[i].lost ? ", lost: " : "", s->gpus[i].lost_why);
    if (s->notes[0])
        ct__append(buf, len, &off, "; %s", s->notes);
}

const struct ct__meter_ops ct__meter_amdgpu_hwmon = {
    .name = "amdgpu-hwmon",
    .component = CT__COMP_GPU,
    .settings = NULL, /* reads the rocm-smi meter's visible_devices settings */
    .domain = "gpu-amd",
    .probe = amd_hwmon_probe,
    .describe = amd_hwmon_describe,
    .read = ct__hwmon_meter_read,
    .max_interval_ns = amd_hwmon_max_interval_ns,
    .detail = amd_hwmon_detail,
    .close = ct__hwmon_meter_close,
};
