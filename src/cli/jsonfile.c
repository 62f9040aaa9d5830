/*
 * jsonfile.c - writing the --json files atomically: the text goes to an unnamed file in FILE's
 * directory (O_TMPFILE), which gets the name FILE.tmp only when complete and is then renamed over
 * FILE, so a command killed with SIGKILL while it runs leaves no FILE.tmp behind. Where the file
 * system has no O_TMPFILE, the text goes to FILE.tmp from the start. Also the common end of the
 * commands that show a document of the library's (--list-devices, --zones).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int tmp_name(const char *path, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s.tmp", path);
    return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

/* The directory part of path ("." when none). */
static int dir_name(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    if (n + 1 > len)
        return -ENAMETOOLONG;
    memcpy(buf, slash == NULL ? "." : path, n);
    buf[n] = '\0';
    return 0;
}

int cli_json_open(const char *path)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    int rc = tmp_name(path, tmp, sizeof(tmp));
    if (rc == 0)
        rc = dir_name(path, dir, sizeof(dir));
    if (rc != 0)
        return rc;
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd < 0 ? -errno : fd; /* unnamed, or the directory's own error (EACCES, ...) */
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    return fd < 0 ? -errno : fd;
}

/* An unnamed file (O_TMPFILE) gets the name tmp; a named one has it already. */
static int name_it(int fd, const char *tmp)
{
    struct stat st;
    char proc[64];
    if (fstat(fd, &st) != 0)
        return -errno;
    if (st.st_nlink > 0)
        return 0;
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    unlink(tmp); /* a stale one from an older version */
    if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) != 0)
        return -errno;
    return 0;
}

void cli_json_abandon(int fd, const char *path)
{
    char tmp[PATH_MAX];
    if (fd >= 0)
        close(fd);
    if (tmp_name(path, tmp, sizeof(tmp)) == 0)
        unlink(tmp);
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int cli_json_commit_written(int fd, const char *path)
{
    char tmp[PATH_MAX];
    int rc = write_all(fd, "\n", 1);
    if (rc == 0)
        rc = tmp_name(path, tmp, sizeof(tmp));
    if (rc == 0)
        rc = name_it(fd, tmp);
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    fd = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc != 0)
        cli_json_abandon(fd, path);
    return rc;
}

int cli_json_commit_text(int fd, const char *path, const char *text)
{
    int rc = text ? write_all(fd, text, strlen(text)) : -ENOMEM;
    if (rc != 0) {
        cli_json_abandon(fd, path);
        return rc;
    }
    return cli_json_commit_written(fd, path);
}

int cli_json_commit(int fd, const char *path, const json_t *root)
{
    char *text = json_dumps(root, JSON_INDENT(2));
    int rc = cli_json_commit_text(fd, path, text);
    free(text);
    return rc;
}

int cli_summary_open(const char *path)
{
    int fd = cli_json_open(path);
    if (fd < 0)
        fprintf(stderr, "carbontracker: cannot write '%s.tmp': %s\n", path, strerror(-fd));
    return fd;
}

int cli_summary_commit(int *fd, const char *path, const json_t *root)
{
    int rc = 0;

    if (*fd < 0)
        return 0;
    if (root) {
        rc = cli_json_commit(*fd, path, root);
    } else {
        cli_json_abandon(*fd, path);
        rc = -ENOMEM;
    }
    *fd = -1;
    if (rc != 0)
        fprintf(stderr, "carbontracker: cannot write '%s': %s\n", path, strerror(-rc));
    return rc;
}

int cli_show_document(const struct cli *c, int status, int json_fd, json_t *root, char *text,
                      void (*print)(const json_t *root))
{
    if (status == 0) {
        if (!c->quiet)
            print(root);
        if (cli_summary_commit(&json_fd, c->json_path, root) != 0)
            status = CLI_EXIT_SOFTWARE;
    }
    if (json_fd >= 0)
        cli_json_abandon(json_fd, c->json_path);
    json_decref(root);
    ct_free(text);
    return status;
}
