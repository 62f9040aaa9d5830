/*
 * gpu_fixture.h - builds fake sysfs trees of PCI GPUs for tests, laid out as the kernel does:
 * devices/pci0000:00/<pci>/ holds vendor, device, drm/cardN/ and hwmon/hwmonM/ (with `name`),
 * each with a `device` link back to the PCI directory; class/drm/cardN (and a connector
 * cardN-DP-1) and class/hwmon/hwmonM are symlinks into it. Files are replaced atomically
 * (written beside, then renamed), as a reader opening them afresh sees the kernel's values.
 * Functions return 0 or -errno.
 */
#ifndef CT_TEST_GPU_FIXTURE_H
#define CT_TEST_GPU_FIXTURE_H

#include <stdint.h>

/* A PCI GPU <pci> ("0000:03:00.0") with vendor/device ids and DRM card<card>. */
int gpf_add_gpu(const char *root, const char *pci, unsigned vendor, unsigned device, int card);

/* Its hwmon directory hwmon<n> with `name` (e.g. "amdgpu", "i915", "xe"). */
int gpf_add_hwmon(const char *root, const char *pci, int n, const char *name);

/* Write <PCI dir>/<file> ("hwmon/hwmon3/power1_input", "product_name") with text + "\n". */
int gpf_set(const char *root, const char *pci, const char *file, const char *text);
int gpf_set_u64(const char *root, const char *pci, const char *file, uint64_t v);

/* Remove <PCI dir>/<file> (a file or a whole directory): the GPU unplugged or reset. */
int gpf_vanish(const char *root, const char *pci, const char *file);

#endif
