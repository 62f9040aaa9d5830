/*
 * bench_exec.c - runs a command several times and appends one JSON line per run to a file: wall
 * time (CLOCK_MONOTONIC around fork and wait4), user and system CPU time and peak RSS of the
 * command's process tree (wait4's rusage: the process plus the children it waited for; its
 * ru_maxrss is the largest single process of that tree, not a sum).
 *
 * usage: bench_exec --out FILE [--label L] [--runs N] [--pause-ms MS] -- COMMAND [ARGS...]
 * The command's stdout and stderr go to /dev/null. Exit 0, 1 on failure, 2 on usage errors.
 */
#include "bench_common.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static int usage(void)
{
    fputs("usage: bench_exec --out FILE [--label L] [--runs N] [--pause-ms MS] -- COMMAND "
          "[ARGS...]\n",
          stderr);
    return 2;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* One run; writes its JSON line. Returns 0 or -1. */
static int run_once(char **command, const char *label, int run, FILE *out)
{
    uint64_t t0 = bench_mono_ns();
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench_exec: fork");
        return -1;
    }
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        execvp(command[0], command);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("bench_exec: wait4");
            return -1;
        }
    }
    uint64_t t1 = bench_mono_ns();
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    fprintf(out,
            "{\"label\":\"%s\",\"run\":%d,\"wall_s\":%.9f,\"user_s\":%.6f,\"sys_s\":%.6f,"
            "\"maxrss_kb\":%ld,\"minflt\":%ld,\"nvcsw\":%ld,\"nivcsw\":%ld,\"status\":%d}\n",
            label, run, (double)(t1 - t0) / 1e9, tv_s(ru.ru_utime), tv_s(ru.ru_stime), ru.ru_maxrss,
            ru.ru_minflt, ru.ru_nvcsw, ru.ru_nivcsw, code);
    fflush(out);
    if (code != 0)
        fprintf(stderr, "bench_exec: %s run %d exited with %d\n", label, run, code);
    return code == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *out_path = NULL, *label = "run";
    int runs = 1;
    long pause_ms = 0;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (i + 1 >= argc)
            return usage();
        if (strcmp(argv[i], "--out") == 0)
            out_path = argv[++i];
        else if (strcmp(argv[i], "--label") == 0)
            label = argv[++i];
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--pause-ms") == 0)
            pause_ms = atol(argv[++i]);
        else
            return usage();
    }
    if (!out_path || runs < 1 || i >= argc)
        return usage();
    FILE *out = fopen(out_path, "a");
    if (!out) {
        fprintf(stderr, "bench_exec: cannot open %s: %s\n", out_path, strerror(errno));
        return 1;
    }
    int rc = 0;
    for (int r = 0; r < runs; r++) {
        if (r > 0 && pause_ms > 0)
            bench_sleep_ns((uint64_t)pause_ms * 1000000ULL);
        if (run_once(argv + i, label, r, out) < 0)
            rc = 1;
    }
    fclose(out);
    return rc;
}
