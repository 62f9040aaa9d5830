/*
 * gpu_sysfs.h - what the AMD and Intel GPU meters share: the DRM cards of one PCI vendor as sysfs
 * shows them (class/drm/cardN, its device link, the PCI address, the hwmon directory under the
 * device), hwmon attributes read afresh each time (so a vanished file is seen at once), the
 * state, read and close of the two hwmon GPU meters, and the parser of the vendors'
 * visible-devices variables.
 */
#ifndef CT_ENERGY_GPU_SYSFS_H
#define CT_ENERGY_GPU_SYSFS_H

#include "power_integrator.h" /* struct ct__power_trace, in struct ct__hwmon_gpu */

#include <stddef.h>
#include <stdint.h>

struct ct__reading;   /* meter.h */
struct ct__meter_dev; /* meter.h */

#define CT__PCI_VENDOR_AMD 0x1002u
#define CT__PCI_VENDOR_INTEL 0x8086u

/* Power-only GPUs are sampled at 20 Hz: a step trace then integrates within 2 %. */
#define CT__GPU_POWER_POLL_NS 50000000ULL

#define CT__GPU_MAX_CARDS 64

/* One DRM card of a PCI GPU. */
struct ct__drm_card {
    char card[16];       /* "card1" */
    char pci[32];        /* "0000:03:00.0", from the device link */
    unsigned vendor;     /* PCI vendor id (0x1002 AMD, 0x8086 Intel) */
    unsigned device;     /* PCI device id */
    char hwmon[96];      /* "class/drm/card1/device/hwmon/hwmon3" (relative to sysfs), or "" */
    char hwmon_name[32]; /* the hwmon directory's `name` ("amdgpu", "i915", "xe"), or "" */
};

/*
 * The DRM cards (class/drm/card<digits>, connectors such as card0-DP-1 skipped) whose PCI vendor
 * is `vendor`, sorted by PCI address, each PCI device once (the first card naming it). Reads
 * relative to sysfs_fd. Returns the count (0 when class/drm is absent) up to `max`.
 */
int ct__drm_cards(int sysfs_fd, unsigned vendor, struct ct__drm_card *out, int max);

/* "DDDD:BB:DD.F" from ROCm SMI's BDF id ((domain << 32) | (bus << 8) | (device << 3) | fn). */
void ct__pci_from_bdfid(uint64_t bdfid, char *buf, size_t len);

/*
 * Read one hwmon attribute holding an unsigned decimal (µW, µJ), opening it relative to the
 * hwmon directory's fd each time (openat, pread, close): a GPU unplugged or reset makes the open
 * fail at once.
 * Returns 0, -errno (-ENOENT: gone) or -EINVAL (not a number).
 */
int ct__hwmon_read_u64(int hwmon_fd, const char *attr, uint64_t *out);

/*
 * Apply a visible-devices list to devices 0..n-1 (ROCR_VISIBLE_DEVICES, HIP_VISIBLE_DEVICES,
 * ZE_AFFINITY_MASK). Entries are comma-separated: an index into `in` ("2"), an index with a
 * sub-device ("2.1", Level Zero: the whole device is measured), or, when uuids is not NULL, a
 * UUID or unique prefix of one ("GPU-8c3a..."). An entry matching nothing is skipped with a
 * note; an entry of no known form ends the list, as the runtimes do. in[0..n_in-1] are the device
 * numbers visible so far (the result of an earlier list, or 0..n-1), uuids indexed by device
 * number. Writes the chosen device numbers to out (each once, in list order) and returns their
 * count. `var` names the variable in notes, appended "; "-separated to note.
 */
int ct__gpu_visible(const char *spec, const char *var, const int *in, int n_in,
                    const char *const *uuids, int *out, char *note, size_t note_len);

/*
 * The devices 0..n-1 chosen by up to two chained lists (ROCm: ROCR_VISIBLE_DEVICES, then
 * HIP_VISIBLE_DEVICES indexing what ROCr left visible; Intel: ZE_AFFINITY_MASK alone). A NULL
 * or blank spec leaves the list as it is. Writes the device numbers to out (room for n) and
 * returns their count.
 */
int ct__gpu_select(const char *spec1, const char *var1, const char *spec2, const char *var2, int n,
                   const char *const *uuids, int *out, char *note, size_t note_len);

/* Whether device i is among the n_chosen that ct__gpu_select wrote to chosen. */
int ct__gpu_chosen(const int *chosen, int n_chosen, int i);

/* One GPU measured through a hwmon attribute (the amdgpu-hwmon and intel-gpu-hwmon meters). */
struct ct__hwmon_gpu {
    struct ct__drm_card card;
    char name[96];
    char uuid[40]; /* "GPU-<device/unique_id>", or "" */
    int dirfd;     /* the hwmon directory, opened through class/drm/cardN/device/hwmon */
    char attr[24]; /* "power1_input", "power1_average" (µW) or "energy1_input" (µJ) */
    int is_energy; /* attr is a µJ counter, else µW power, integrated */
    int lost;      /* the attribute vanished or held garbage: energy frozen */
    char lost_why[96];
    uint64_t last_uj; /* energy: last raw value */
    double total_uj;  /* energy: since probe */
    unsigned long resets;
    struct ct__power_trace trace;
};

/* Open g->card.hwmon as g->dirfd and take the first reading of g->attr (the base). Returns 0
 * or -errno (-EINVAL: not a number). */
int ct__hwmon_gpu_open(int sysfs_fd, struct ct__hwmon_gpu *g, uint64_t now_ns);

/* The state of a meter of GPUs read through hwmon (amdgpu-hwmon, intel-gpu-hwmon). */
struct ct__hwmon_meter {
    struct ct__hwmon_gpu *gpus; /* the measured GPUs (room for n_cards) */
    int n;
    int n_cards; /* the vendor's DRM cards */
    char notes[384];
};

/*
 * Begin a hwmon GPU meter's probe: allocate its state and find the DRM cards of PCI vendor
 * `vendor` (called vendor_name in the reason). Returns CT_OK with *state and *cards (room for
 * CT__GPU_MAX_CARDS, (*state)->n_cards of them), CT_ENOTSUP with the reason in why when there is
 * no such card, or CT_ENOMEM. Whatever the result, the caller ends with ct__hwmon_meter_finish.
 */
int ct__hwmon_meter_start(int sysfs_fd, unsigned vendor, const char *vendor_name,
                          struct ct__hwmon_meter **state, struct ct__drm_card **cards, char *why,
                          size_t why_len);

/*
 * End a hwmon GPU meter's probe: free cards and, when rc is CT_OK and GPUs are measured, give the
 * state to *state and return CT_OK. Otherwise close the state and return rc, or CT_ENOTSUP with
 * why "<none>: <the notes>" when rc is CT_OK but no GPU is measured.
 */
int ct__hwmon_meter_finish(struct ct__hwmon_meter *s, struct ct__drm_card *cards, int rc,
                           const char *none, void **state, char *why, size_t why_len);

/* Append a note ("; "-separated) to the meter's notes, as far as they have room. */
void ct__hwmon_meter_note(struct ct__hwmon_meter *s, const char *what);

/* The meter's read (a ct__meter_ops read over a struct ct__hwmon_meter): every GPU not lost at
 * now_ns into out[i]; a GPU whose file vanished or holds garbage is marked lost with the reason,
 * its energy kept; a counter that went backwards (a driver reload) is rebased. Returns CT_OK, or
 * CT_EIO when every GPU read failed. */
int ct__hwmon_meter_read(void *state, uint64_t now_ns, struct ct__reading *out);

/* The meter's close: the GPUs' directory fds, then the state. NULL does nothing. */
void ct__hwmon_meter_close(void *state);

/* Describe GPU i: its name, uuid and index i, with `provenance`; d->info is the caller's. */
void ct__hwmon_meter_describe(const struct ct__hwmon_meter *s, int i, int provenance,
                              struct ct__meter_dev *d);

/* The GPU's name: device/product_name when the driver gives one, else "<vendor> GPU vvvv:dddd".
 * And its "GPU-<unique_id>" from device/unique_id, or "". */
void ct__hwmon_gpu_identify(int sysfs_fd, struct ct__hwmon_gpu *g, const char *vendor_name);

#endif
