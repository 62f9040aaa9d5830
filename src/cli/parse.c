/*
 * parse.c - `carbontracker --parse DIR`: reads every run's logs with the library's parser
 * (ct_parse_dir), prints upstream's aggregate sentence, lists what was skipped on stderr and
 * writes the carbontracker-parse JSON with --json.
 */
#include "parse.h"

#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "carbontracker: skipped FILE[:LINE]: REASON" for every skipped file and line, and
 * "carbontracker: note: FILE.jsonl: NOTE" for every run not read from its JSON-lines log. */
static int print_messages(const ct_parse_result *r)
{
    char *text = NULL;
    int rc = ct_parse_messages(r, &text);
    if (rc != CT_OK)
        return rc;
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        fprintf(stderr, "carbontracker: %.*s\n", (int)(nl - line), line);
    }
    ct_free(text);
    return CT_OK;
}

/* A line per distributed job after upstream's sentence; a node that two ranks measured is named
 * on stderr (its energy is in the total twice). */
static int print_jobs(const ct_parse_result *r)
{
    size_t i, k;
    const json_t *job, *node;
    char *text = NULL;
    int rc = ct_parse_jobs_json(r, &text);
    json_t *jobs = rc == CT_OK ? json_loads(text, 0, NULL) : NULL;
    ct_free(text);
    if (!jobs)
        return rc == CT_OK ? CT_ENOMEM : rc;
    json_array_foreach(jobs, i, job)
    {
        const json_t *nodes = json_object_get(job, "nodes");
        printf("Job %s (%s): %lld run(s) on %zu node(s), each device counted once: %.6f kWh, "
               "%.6f kg CO2eq.\n",
               json_string_value(json_object_get(job, "id")),
               json_string_value(json_object_get(job, "launcher")),
               (long long)json_integer_value(json_object_get(job, "runs")), json_array_size(nodes),
               json_number_value(json_object_get(job, "energy_kwh")),
               json_number_value(json_object_get(job, "co2eq_g")) / 1000);
        json_array_foreach(json_object_get(job, "nodes_measured_twice"), k, node)
        {
            fprintf(stderr,
                    "carbontracker: job %s: node %s was measured by more than one rank (their "
                    "launcher variables disagreed?); its energy is counted more than once\n",
                    json_string_value(json_object_get(job, "id")), json_string_value(node));
        }
    }
    json_decref(jobs);
    return CT_OK;
}

int cli_parse_logs(const char *dir, int recursive, const char *json_path, int quiet)
{
    ct_parse_result *r = NULL;
    char err[1024];
    char *sentence = NULL;
    int fd = -1;
    int status = 0;

    if (json_path) {
        fd = cli_json_open(json_path);
        if (fd < 0) {
            fprintf(stderr, "carbontracker: cannot write %s: %s\n", json_path, strerror(-fd));
            return PARSE_EXIT_CANTCREAT;
        }
    }
    int rc = ct_parse_dir(dir, recursive, &r, err, sizeof(err));
    if (rc == CT_EIO || rc == CT_EINVAL) {
        fprintf(stderr, "carbontracker: %s\n", err[0] ? err : ct_strerror(rc));
        status = PARSE_EXIT_NOINPUT;
        goto cleanup;
    }
    if (rc == CT_OK)
        rc = ct_parse_aggregate_sentence(r, &sentence);
    if (rc == CT_OK)
        rc = print_messages(r);
    if (rc != CT_OK) {
        fprintf(stderr, "carbontracker: --parse failed: %s\n", ct_strerror(rc));
        status = PARSE_EXIT_SOFTWARE;
        goto cleanup;
    }
    if (ct_parse_run_count(r) == 0) {
        fprintf(stderr,
                "carbontracker: no carbontracker logs in %s%s (looking for pairs of "
                "*carbontracker.log and *carbontracker_output.log files)\n",
                dir, recursive ? " or its subdirectories" : "");
        status = PARSE_EXIT_NOINPUT;
    } else if (!quiet) {
        printf("%s\n", sentence);
        if (print_jobs(r) != CT_OK)
            status = PARSE_EXIT_SOFTWARE;
        fflush(stdout);
    }
    if (fd >= 0) {
        /* Written as the library makes it: for a long run the document is several times the
         * logs' size, and it is never all in memory. */
        int w = ct_parse_json_write(r, fd);
        if (w == CT_OK) {
            w = cli_json_commit_written(fd, json_path);
        } else {
            w = w == CT_EIO ? -errno : -ENOMEM;
            cli_json_abandon(fd, json_path);
        }
        fd = -1;
        if (w != 0) {
            fprintf(stderr, "carbontracker: cannot write %s: %s\n", json_path, strerror(-w));
            status = PARSE_EXIT_CANTCREAT;
        }
    }
cleanup:
    if (fd >= 0)
        cli_json_abandon(fd, json_path);
    ct_free(sentence);
    ct_parse_result_free(r);
    return status;
}
