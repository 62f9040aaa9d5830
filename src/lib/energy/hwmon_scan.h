/*
 * hwmon_scan.h - finding hwmon chips by driver name under class/hwmon of the sysfs root. Entries
 * hwmonN are links into the device tree and their numbers change between boots, so a chip is
 * known by its `name` file (and its device), never by N.
 */
#ifndef CT_ENERGY_HWMON_SCAN_H
#define CT_ENERGY_HWMON_SCAN_H

#include <stddef.h>

#define CT__HWMON_DIR "class/hwmon"

/* A chip found: "class/hwmon/hwmon3" relative to the sysfs root, and its number. */
struct ct__hwmon_chip {
    char path[48];
    int num;
};

/*
 * The chips whose name file is `name`, in number order, into chips[0..max-1]. Returns how many
 * there are (possibly more than max), or -errno when class/hwmon cannot be listed (-ENOENT when
 * it does not exist). Files are read through ct__sysfs_*, so fixture fault markers apply.
 */
int ct__hwmon_find(int sysfs_fd, const char *name, struct ct__hwmon_chip *chips, int max);

#endif
