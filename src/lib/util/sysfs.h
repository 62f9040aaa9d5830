/*
 * sysfs.h - reading small sysfs/procfs files relative to a root directory descriptor, so tests
 * point the library at a fixture tree (the sysfs_root / proc_root seams).
 *
 * Fault injection for fixtures: a file may have a sibling marker ".ct-fault-<name>" whose first
 * word is an errno name ("EACCES", "EIO", "ENODATA"); ct__sysfs_open() then fails with that errno
 * as the kernel would (root cannot be denied a read by file modes, so tests need this). Real sysfs
 * never contains such names; the check happens only when a file is opened, never per read.
 */
#ifndef CT_UTIL_SYSFS_H
#define CT_UTIL_SYSFS_H

#include <stddef.h>
#include <stdint.h>

/* Open the directory `root` (e.g. "/sys") and return its fd, or -errno. */
int ct__root_open(const char *root);

/* Open `path` (relative to dirfd) read-only, honouring fault markers. Returns fd or -errno. */
int ct__sysfs_open(int dirfd, const char *path);

/* pread the whole (small) file at offset 0 into buf (NUL-terminated). Returns bytes or -errno. */
int ct__sysfs_pread(int fd, char *buf, size_t len);

/* Read a file (relative to dirfd) into buf, trailing whitespace stripped. Returns length or
 * -errno. */
int ct__sysfs_read_str(int dirfd, const char *path, char *buf, size_t len);

/* Parse an unsigned decimal (leading/trailing whitespace allowed). Returns 0 or -EINVAL. */
int ct__parse_u64(const char *s, uint64_t *out);

/* Read a file holding one unsigned decimal. Returns 0 or -errno (-EINVAL if malformed). */
int ct__sysfs_read_u64(int dirfd, const char *path, uint64_t *out);

/* pread an open fd holding one unsigned decimal. Returns 0 or -errno. */
int ct__sysfs_pread_u64(int fd, uint64_t *out);

#endif
