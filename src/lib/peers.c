/*
 * peers.c - the other ranks of a job read back from their JSON-lines logs (peers.h), through the
 * log reader of --parse (its file reader and its JSON-lines reader).
 */
#include "peers.h"

#include "internal.h"
#include "parse/aggregate.h"
#include "parse/jsonl_read.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SUFFIX "_carbontracker.jsonl"

/* Does the log's meta record (among its first lines) name job `id`? buf need not end in NUL. */
static int of_job(const char *buf, size_t len, const char *id)
{
    const char *line = buf, *end_of_buf = buf + len;
    for (int i = 0; i < 4 && line < end_of_buf; i++) {
        const char *end = memchr(line, '\n', (size_t)(end_of_buf - line));
        size_t n = end ? (size_t)(end - line) : (size_t)(end_of_buf - line);
        json_t *o = json_loadb(line, n, 0, NULL);
        const char *type = json_string_value(json_object_get(o, "type"));
        if (type && strcmp(type, "meta") == 0) {
            const char *jid = json_string_value(json_object_get(json_object_get(o, "job"), "id"));
            int yes = jid && strcmp(jid, id) == 0;
            json_decref(o);
            return yes;
        }
        json_decref(o);
        line = end ? end + 1 : end_of_buf;
    }
    return 0;
}

static void read_once(const char *log_dir, const char *own_jsonl, const char *job_id, int epochs,
                      struct ct__peers *out)
{
    memset(out, 0, sizeof(*out));
    DIR *d = opendir(log_dir);
    if (!d)
        return;
    struct dirent *e;
    char path[4608];
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name), s = strlen(SUFFIX);
        if (n <= s || strcmp(e->d_name + n - s, SUFFIX) != 0)
            continue;
        ct__fmt(path, sizeof(path), "%s/%s", log_dir, e->d_name);
        if (own_jsonl && strcmp(path, own_jsonl) == 0)
            continue;
        size_t len = 0;
        char *buf = NULL;
        if (ct__parse_read_file(path, &buf, &len) != 0)
            continue;
        if (of_job(buf, len, job_id)) {
            struct ct__prun run;
            memset(&run, 0, sizeof(run));
            run.pue = run.intensity_g_per_kwh = NAN;
            if (ct__parse_jsonl(&run, buf, len, path) == CT_OK) {
                out->found++;
                if (run.n_epochs >= (size_t)epochs) {
                    out->complete++;
                    for (int k = 0; k < epochs; k++)
                        out->energy_j += run.epochs[k].energy_j;
                }
            }
            ct__parse_run_clear(&run);
        }
        free(buf);
    }
    closedir(d);
}

void ct__peers_energy(const char *log_dir, const char *own_jsonl, const char *job_id, int epochs,
                      int expected, double wait_s, struct ct__peers *out)
{
    struct timespec pause = {0, 100 * 1000 * 1000};
    for (double waited = 0;; waited += 0.1) {
        read_once(log_dir, own_jsonl, job_id, epochs, out);
        if (out->complete >= expected || waited >= wait_s)
            return;
        nanosleep(&pause, NULL);
    }
}
