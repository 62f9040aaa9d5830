/*
 * fake_vendor.c - the fake vendor libraries' files, for the meter tests (fake_vendor.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_vendor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fv_lib_path(char *buf, size_t len, const char *file)
{
    const char *dir = getenv("CT_FAKE_NVML_DIR");
    assert_non_null(dir);
    snprintf(buf, len, "%s/%s", dir, file);
}

void fv_files(const char *prefix, const char *dir, const char *log_name, char *scenario,
              size_t scenario_len, char *log, size_t log_len)
{
    char name[64];
    snprintf(scenario, scenario_len, "%s/scenario", dir);
    snprintf(log, log_len, "%s/%s", dir, log_name);
    snprintf(name, sizeof(name), "%s_SCENARIO", prefix);
    setenv(name, scenario, 1);
    snprintf(name, sizeof(name), "%s_LOG", prefix);
    setenv(name, log, 1);
}

void fv_unset(const char *prefix)
{
    char name[64];
    snprintf(name, sizeof(name), "%s_SCENARIO", prefix);
    unsetenv(name);
    snprintf(name, sizeof(name), "%s_LOG", prefix);
    unsetenv(name);
}

void fv_scenario(const char *scenario, const char *text)
{
    FILE *fp = fopen(scenario, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

char *fv_slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    if (fp) {
        size_t n = fread(buf, 1, (1 << 20) - 1, fp);
        buf[n] = '\0';
        fclose(fp);
    }
    return buf;
}

int fv_log_count(const char *log, const char *line)
{
    char *text = fv_slurp(log);
    int n = 0;
    size_t len = strlen(line);
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (l == len && strncmp(p, line, len) == 0)
            n++;
        p += l + (nl ? 1 : 0);
    }
    free(text);
    return n;
}
