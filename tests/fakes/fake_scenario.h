/*
 * fake_scenario.h - what the fake vendor libraries (fake_nvml.c, fake_rocm_smi.c) share: the
 * scenario file's syntax (one "key = value" a line, '#' starts a comment, "[device]" starts a
 * device's keys), a device's power trace ("watts = 250" or steps "0:100, 0.5:300"), its watts at
 * a time and its exact energy between two times, and the call log. Compiled into each fake
 * library (hidden there: the libraries are built with -fvisibility=hidden).
 */
#ifndef CT_TEST_FAKE_SCENARIO_H
#define CT_TEST_FAKE_SCENARIO_H

#define FAKE_MAX_STEPS 512 /* power steps per device: minutes-long bench traces (bench/run.sh) */
#define FAKE_MAX_LINE (1 << 16) /* a scenario line: 512 steps of "t.ttt:w.www, " fit easily */

/* Watts from step_s[i] on (the first step holds from any time before it too). */
struct fake_trace {
    double step_s[FAKE_MAX_STEPS], step_w[FAKE_MAX_STEPS];
    int n_steps;
};

/* CLOCK_MONOTONIC in seconds. */
double fake_now_s(void);

/* Append one line to the file named in the environment variable log_env, when it is set. */
void fake_log(const char *log_env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* s without leading and trailing blanks (in place). */
char *fake_trim(char *s);

/* "yes", "1" or "true". */
int fake_yes(const char *v);

/* "250" (constant) or "0:100, 0.5:300" (steps; tokens without ':' are skipped). v is changed. */
void fake_trace_parse(struct fake_trace *t, char *v);
void fake_trace_const(struct fake_trace *t, double watts);
double fake_trace_watts(const struct fake_trace *t, double at_s);
double fake_trace_joules(const struct fake_trace *t, double a_s, double b_s); /* the integral */

/* Read the scenario file at path: device() at each "[device]", key(k, v) at each "k = v" (both
 * trimmed). Callers hold their lock (one line buffer). -1 when path is unset or unreadable. */
int fake_scenario_read(const char *path, void (*device)(void), void (*key)(char *k, char *v));

#endif
