/*
 * fake_scenario.c - the scenario file, power traces and call log of the fake vendor libraries
 * (fake_scenario.h).
 */
#include "fake_scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double fake_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fake_log(const char *log_env, const char *fmt, ...)
{
    const char *path = getenv(log_env);
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
}

char *fake_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

int fake_yes(const char *v)
{
    return strcmp(v, "yes") == 0 || strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
}

void fake_trace_const(struct fake_trace *t, double watts)
{
    t->step_s[0] = 0;
    t->step_w[0] = watts;
    t->n_steps = 1;
}

void fake_trace_parse(struct fake_trace *t, char *v)
{
    t->n_steps = 0;
    if (!strchr(v, ':')) {
        fake_trace_const(t, atof(v));
        return;
    }
    char *save = NULL;
    for (char *tok = strtok_r(v, ",", &save); tok && t->n_steps < FAKE_MAX_STEPS;
         tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        if (!colon)
            continue;
        *colon = '\0';
        t->step_s[t->n_steps] = atof(fake_trim(tok));
        t->step_w[t->n_steps] = atof(fake_trim(colon + 1));
        t->n_steps++;
    }
}

double fake_trace_watts(const struct fake_trace *t, double at_s)
{
    double w = t->n_steps ? t->step_w[0] : 0;
    for (int i = 0; i < t->n_steps; i++)
        if (at_s >= t->step_s[i])
            w = t->step_w[i];
    return w;
}

double fake_trace_joules(const struct fake_trace *t, double a_s, double b_s)
{
    double j = 0;
    for (int i = 0; i < t->n_steps; i++) {
        double lo = i == 0 ? -1e300 : t->step_s[i];
        double hi = i + 1 < t->n_steps ? t->step_s[i + 1] : 1e300;
        if (lo < a_s)
            lo = a_s;
        if (hi > b_s)
            hi = b_s;
        if (hi > lo)
            j += t->step_w[i] * (hi - lo);
    }
    return j;
}

int fake_scenario_read(const char *path, void (*device)(void), void (*key)(char *k, char *v))
{
    static char line[FAKE_MAX_LINE]; /* under the caller's lock */
    if (!path || !*path)
        return -1;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = fake_trim(line);
        if (!*s)
            continue;
        if (strcmp(s, "[device]") == 0) {
            device();
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq)
            continue;
        *eq = '\0';
        key(fake_trim(s), fake_trim(eq + 1));
    }
    fclose(f);
    return 0;
}
