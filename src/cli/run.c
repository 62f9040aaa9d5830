/*
 * run.c - wrap mode: resolve COMMAND as execvp would, open a tracker (one epoch, no prediction,
 * as upstream's CLI), vfork + exec the command, forward signals sent to us, wait for it, print
 * and log the actual consumption, write the --json summary and exit with the command's status.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The signals forwarded to the command. */
static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_FORWARDED ((int)(sizeof(forwarded_signals) / sizeof(forwarded_signals[0])))
_Static_assert(N_FORWARDED == 4, "saved_forwarded[] holds one entry per forwarded signal");

/* The running command's pid, 0 when there is none. Read by the signal handler. */
static atomic_int child_pid;

/* SIGPIPE as we found it: the command gets it back (an ignored signal stays ignored across
 * exec), while we ignore it so that a closed stdout cannot kill us before the logs are done. */
static struct sigaction saved_sigpipe;
/* The forwarded signals' dispositions as we found them, for the command: a command started in
 * the background by a non-interactive shell must keep ignoring SIGINT and SIGQUIT. */
static struct sigaction saved_forwarded[4];

/* State of the message callback. */
struct msg_state {
    int quiet;
    struct status_line *status; /* erased before each message */
    int child_done;             /* the command has ended: our next line must start on a new line */
    int line_checked;           /* ...and that was taken care of */
};

/*
 * Forward a signal to the command only when it was sent to us specifically (kill, sigqueue,
 * tgkill). A signal from the terminal (Ctrl-C: si_code SI_KERNEL) went to the whole foreground
 * process group, the command included, so sending it again would deliver it twice.
 */
static void forward_signal(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    int pid = atomic_load(&child_pid);
    if (pid <= 0)
        return;
    if (info->si_code == SI_USER || info->si_code == SI_QUEUE || info->si_code == SI_TKILL) {
        int saved = errno;
        kill(pid, sig);
        errno = saved;
    }
}

static void signal_set(sigset_t *set)
{
    sigemptyset(set);
    for (int i = 0; i < N_FORWARDED; i++)
        sigaddset(set, forwarded_signals[i]);
}

/*
 * Resolve `cmd` the way execvp does: a name with a '/' is used as is, otherwise each PATH entry
 * is tried (an empty entry is the current directory; PATH unset means the system default). A
 * file that exists but cannot be executed is remembered (EACCES) while the search goes on.
 * Returns 0, or the errno execvp would fail with.
 */
static int resolve_command(const char *cmd, char *resolved, size_t len)
{
    struct stat st;
    int err = ENOENT;

    if (*cmd == '\0')
        return ENOENT;
    if (strchr(cmd, '/')) {
        if (stat(cmd, &st) != 0)
            return errno;
        if (S_ISDIR(st.st_mode) || access(cmd, X_OK) != 0)
            return EACCES;
        snprintf(resolved, len, "%s", cmd);
        return 0;
    }

    const char *path = getenv("PATH");
    char defpath[256];
    if (!path) {
        size_t n = confstr(_CS_PATH, defpath, sizeof(defpath));
        path = n > 0 && n <= sizeof(defpath) ? defpath : "/bin:/usr/bin";
    }
    for (const char *p = path;; p++) {
        const char *colon = strchr(p, ':');
        size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
        int n = dlen == 0 ? snprintf(resolved, len, "%s", cmd)
                          : snprintf(resolved, len, "%.*s/%s", (int)dlen, p, cmd);
        if (n > 0 && (size_t)n < len && stat(resolved, &st) == 0) {
            if (!S_ISDIR(st.st_mode) && access(resolved, X_OK) == 0)
                return 0;
            err = EACCES;
        }
        if (!colon)
            break;
        p = colon;
    }
    return err;
}

static int exec_failure_status(int err)
{
    return err == ENOENT || err == ENOTDIR || err == ELOOP || err == ENAMETOOLONG
               ? CLI_EXIT_NOT_FOUND
               : CLI_EXIT_NOT_EXECUTABLE;
}

/*
 * Before our first line after the command ended: if stdout is a regular file whose last byte is
 * not a newline (the command's output ended mid-line), print one so that our text starts on a
 * line of its own. A terminal or a pipe cannot be asked for its last byte, so there nothing can
 * be known and nothing is done. stdout is often open write-only (`> file`), so when pread fails
 * the file is opened again for reading through /proc/self/fd/1.
 */
static void start_on_new_line(void)
{
    struct stat st;
    char last = '\n';

    if (fstat(STDOUT_FILENO, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
        return;
    if (pread(STDOUT_FILENO, &last, 1, st.st_size - 1) != 1) {
        int fd = open("/proc/self/fd/1", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return;
        if (pread(fd, &last, 1, st.st_size - 1) != 1)
            last = '\n';
        close(fd);
    }
    if (last != '\n') {
        fputc('\n', stdout);
        fflush(stdout);
    }
}

/* Upstream prints its report on stdout (ct_message_stdout); -q moves warnings to stderr. */
static void on_message(void *user, int level, const char *text)
{
    struct msg_state *m = user;
    status_line_erase(m->status);
    if (m->quiet) {
        if (level >= CT_LEVEL_WARNING)
            fprintf(stderr, "%s\n", text);
        return;
    }
    if (m->child_done && !m->line_checked) {
        m->line_checked = 1;
        start_on_new_line();
    }
    ct_message_stdout(NULL, level, text);
}

/* Summary JSON from the library plus "exit_status" and "command". */
static json_t *summary_json(ct_tracker *t, char **command, int exit_status)
{
    char *text = NULL;
    json_t *root = NULL;
    json_t *cmd = NULL;
    json_error_t jerr;

    if (ct_summary_json(t, &text) != CT_OK)
        goto fail;
    root = json_loads(text, 0, &jerr);
    if (!json_is_object(root))
        goto fail;
    cmd = json_array();
    if (!cmd)
        goto fail;
    for (char **a = command; *a; a++)
        if (json_array_append_new(cmd, json_string(*a)) != 0)
            goto fail;
    if (json_object_set_new(root, "exit_status", json_integer(exit_status)) != 0 ||
        json_object_set(root, "command", cmd) != 0)
        goto fail;
    json_decref(cmd);
    ct_free(text);
    return root;
fail:
    json_decref(cmd);
    json_decref(root);
    ct_free(text);
    return NULL;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the wait for the command does besides waiting. */
struct watch {
    int budget;                 /* a budget is set: look at the run while waiting */
    double grace_s;             /* SIGTERM to SIGKILL */
    struct status_line *status; /* the status line (status->on: draw it) */
    int stopped;                /* out: the budget stopped the command (we sent SIGTERM) */
    int told;                   /* "warn": the moment the budget was spent was said */
};

/*
 * Wait until the command has ended (without reaping it). With a budget or a status line, the
 * run is looked at ten times a second meanwhile (ct_get_live() costs two lock acquisitions):
 * the status line is redrawn (at most once a second), and when the budget asks to stop, the
 * command gets SIGTERM, then SIGKILL after the grace period. Otherwise a plain blocking wait.
 */
static void wait_child(ct_tracker *t, pid_t pid, const char *name, struct watch *w)
{
    siginfo_t info;
    double term_at = 0;
    int killed = 0;
    if (!w->budget && !w->status->on) {
        while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0 && errno == EINTR)
            ;
        return;
    }
    for (;;) {
        memset(&info, 0, sizeof(info));
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT | WNOHANG) != 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (info.si_pid == pid)
            return;
        ct_live l = CT_LIVE_INIT;
        if (ct_get_live(t, &l) == CT_OK) {
            status_line_draw(w->status, &l);
            if (l.budget == CT_BUDGET_SPENT && !l.stop_requested && !w->told) {
                /* "warn": say it when it happens; the summary's warning follows at the end. */
                char ts[32];
                ct_timestring(l.elapsed_s, 0, ts, sizeof(ts));
                status_line_erase(w->status);
                fprintf(stderr,
                        "carbontracker: the budget is spent after %s (%.6g g CO2eq, %.6g kWh); "
                        "'%s' goes on (--budget-action warn)\n",
                        ts, l.co2eq_g, l.energy_kwh, name);
                w->told = 1;
            }
            if (l.stop_requested && !w->stopped) {
                status_line_erase(w->status);
                fprintf(stderr,
                        "carbontracker: the budget is %s: sending SIGTERM to '%s' (SIGKILL "
                        "after %g s)\n",
                        l.budget == CT_BUDGET_SPENT ? "spent" : "predicted to be exceeded", name,
                        w->grace_s);
                kill(pid, SIGTERM);
                w->stopped = 1;
                term_at = mono_s();
            } else if (w->stopped && !killed && mono_s() - term_at >= w->grace_s) {
                status_line_erase(w->status);
                fprintf(stderr,
                        "carbontracker: '%s' did not end within %g s of SIGTERM: sending "
                        "SIGKILL\n",
                        name, w->grace_s);
                kill(pid, SIGKILL);
                killed = 1;
            }
        }
        struct timespec tick = {0, 100000000L};
        nanosleep(&tick, NULL);
    }
}

/* Run the command (`resolved`: where resolve_command found it); returns its exit status (128+N
 * when killed by signal N). The forwarded signals are blocked on entry and on return. */
static int run_child(ct_tracker *t, char **command, const char *resolved, const sigset_t *old_mask,
                     struct watch *w)
{
    int pipefd[2] = {-1, -1};
    int exec_errno = 0;
    int status = 0;
    pid_t pid;
    siginfo_t info;

    /* A signal that came while the tracker started (it is blocked until now) means: do not
     * start the command at all. */
    sigset_t block, pending;
    signal_set(&block);
    sigpending(&pending);
    for (int i = 0; i < N_FORWARDED; i++) {
        int sig = forwarded_signals[i];
        if (sigismember(&pending, sig)) {
            struct timespec zero = {0, 0};
            sigtimedwait(&block, &info, &zero);
            fprintf(stderr, "carbontracker: %s before '%s' was started\n", strsignal(sig),
                    command[0]);
            return 128 + sig;
        }
    }

    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        fprintf(stderr, "carbontracker: cannot create a pipe: %s\n", strerror(errno));
        return CLI_EXIT_SOFTWARE;
    }
    fflush(stdout);
    fflush(stderr);
    /*
     * vfork: the child borrows our memory until it execs, so starting it copies no page tables
     * and leaves no copy-on-write pages behind (fork did both, for the whole tracker). Until the
     * exec the child only makes system calls: its signal dispositions are its own, the
     * forwarded signals stay blocked until the dispositions we were started with are back, and
     * the exec failure goes through the pipe.
     */
    pid = vfork();
    if (pid < 0) {
        fprintf(stderr, "carbontracker: cannot fork: %s\n", strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return CLI_EXIT_SOFTWARE;
    }
    if (pid == 0) {
        /* The child: the dispositions and the mask we were started with, then exec. */
        for (int i = 0; i < N_FORWARDED; i++)
            sigaction(forwarded_signals[i], &saved_forwarded[i], NULL);
        sigaction(SIGPIPE, &saved_sigpipe, NULL);
        sigprocmask(SIG_SETMASK, old_mask, NULL);
        close(pipefd[0]);
        /* What resolve_command found, without searching PATH again; if that fails (a script
         * without "#!", which execvp gives to /bin/sh, or a file changed since), execvp decides
         * as it always has. */
        execv(resolved, command);
        execvp(command[0], command);
        int err = errno;
        ssize_t wr = write(pipefd[1], &err, sizeof(err));
        (void)wr;
        _exit(exec_failure_status(err));
    }

    close(pipefd[1]);
    atomic_store(&child_pid, (int)pid);
    ct_track_pid(t, (int)pid); /* --devices-by-pid: the command's tree, not ours */
    sigprocmask(SIG_SETMASK, old_mask, NULL);

    for (;;) {
        ssize_t n = read(pipefd[0], &exec_errno, sizeof(exec_errno));
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof(exec_errno))
            exec_errno = 0;
        break;
    }
    close(pipefd[0]);

    /* Wait without reaping, so the pid cannot be reused while the handler may still use it. */
    wait_child(t, pid, command[0], w);
    status_line_erase(w->status);
    sigprocmask(SIG_BLOCK, &block, NULL);
    atomic_store(&child_pid, 0);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;

    if (exec_errno != 0) {
        fprintf(stderr, "carbontracker: cannot run '%s': %s\n", command[0], strerror(exec_errno));
        return exec_failure_status(exec_errno);
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return CLI_EXIT_SOFTWARE;
}

int cli_run(struct cli *c)
{
    char resolved[PATH_MAX];
    char errbuf[512] = "";
    struct status_line status;
    struct msg_state msg = {.quiet = c->quiet, .status = &status};
    struct watch watch = {.grace_s = c->budget_grace_s, .status = &status};
    ct_tracker *t = NULL;
    json_t *summary = NULL;
    int json_fd = -1;
    int exit_status;
    int rc;
    sigset_t block, old_mask;
    struct sigaction sa;

    int err = resolve_command(c->command[0], resolved, sizeof(resolved));
    if (err != 0) {
        fprintf(stderr, "carbontracker: cannot run '%s': %s\n", c->command[0], strerror(err));
        return exec_failure_status(err);
    }
    if (c->json_path && (json_fd = cli_summary_open(c->json_path)) < 0)
        return CLI_EXIT_SOFTWARE;

    /*
     * Block the forwarded signals before the tracker starts its sampler thread, so that the
     * thread inherits the mask and only this thread ever runs the handler; they are unblocked
     * once the command's pid is known.
     */
    signal_set(&block);
    sigprocmask(SIG_BLOCK, &block, &old_mask);
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = forward_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&sa.sa_mask);
    for (int i = 0; i < N_FORWARDED; i++)
        sigaction(forwarded_signals[i], &sa, &saved_forwarded[i]);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, &saved_sigpipe);

    status_line_init(&status, c->quiet);
    watch.budget = !isnan(c->opts.budget_co2eq_g) || !isnan(c->opts.budget_kwh);
    c->opts.message = on_message;
    c->opts.message_user = &msg;
    rc = ct_tracker_open(&t, &c->opts, errbuf, sizeof(errbuf));
    if (rc != CT_OK) {
        /* The library's detail names the file and the real cause ("cannot create log directory
         * D: Not a directory"); the status's generic text is only for when there is none. */
        if (rc == CT_EINVAL)
            fprintf(stderr, "carbontracker: invalid option%s%s\n", errbuf[0] ? ": " : "", errbuf);
        else
            fprintf(stderr, "carbontracker: %s\n", errbuf[0] ? errbuf : ct_strerror(rc));
        exit_status = rc == CT_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_SOFTWARE;
        goto cleanup;
    }
    rc = ct_epoch_start(t);
    if (rc != CT_OK) {
        fprintf(stderr, "carbontracker: cannot start measuring: %s\n", ct_strerror(rc));
        exit_status = CLI_EXIT_SOFTWARE;
        goto cleanup;
    }

    exit_status = run_child(t, c->command, resolved, &old_mask, &watch);
    msg.child_done = 1;

    rc = ct_epoch_end(t, NULL);
    if (watch.stopped) /* the budget ended it, whatever its own status says */
        exit_status = CLI_EXIT_BUDGET;
    if (rc != CT_OK && rc != CT_ESTOPPED && rc != CT_EBUDGET)
        fprintf(stderr, "carbontracker: ending the measurement failed: %s\n", ct_strerror(rc));
    ct_stop(t);

    if (json_fd >= 0) {
        summary = summary_json(t, c->command, exit_status);
        if (cli_summary_commit(&json_fd, c->json_path, summary) != 0 && exit_status == 0)
            exit_status = CLI_EXIT_SOFTWARE;
    }

cleanup:
    if (json_fd >= 0)
        cli_json_abandon(json_fd, c->json_path);
    json_decref(summary);
    ct_tracker_free(t);
    fflush(stdout);
    return exit_status;
}
