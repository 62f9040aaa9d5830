/*
 * parse.c - `carbontracker --parse DIR`: reads every run's logs with the library's parser
 * (ct_parse_dir), prints upstream's aggregate sentence, lists what was skipped on stderr and
 * writes the carbontracker-parse JSON with --json.
 */
#include "parse.h"

#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "carbontracker: skipped FILE[:LINE]: REASON" for every skipped file and line, and a note for
 * every run not read from its JSON-lines log because the text logs were more complete. */
static void print_skipped(const json_t *root)
{
    size_t i, k;
    const json_t *s, *run;
    json_array_foreach(json_object_get(root, "runs"), i, run)
    {
        const char *note = json_string_value(json_object_get(run, "source_note"));
        if (note != NULL)
            fprintf(stderr, "carbontracker: note: %s: %s\n",
                    json_string_value(json_object_get(run, "jsonl_filename")), note);
    }
    json_array_foreach(json_object_get(root, "skipped"), i, s)
    {
        fprintf(stderr, "carbontracker: skipped %s: %s\n",
                json_string_value(json_object_get(s, "file")),
                json_string_value(json_object_get(s, "reason")));
    }
    json_array_foreach(json_object_get(root, "runs"), i, run)
    {
        json_array_foreach(json_object_get(run, "skipped"), k, s)
        {
            json_int_t line = json_integer_value(json_object_get(s, "line"));
            const char *file = json_string_value(json_object_get(s, "file"));
            const char *reason = json_string_value(json_object_get(s, "reason"));
            if (line > 0)
                fprintf(stderr, "carbontracker: skipped %s:%lld: %s\n", file, (long long)line,
                        reason);
            else
                fprintf(stderr, "carbontracker: skipped %s: %s\n", file, reason);
        }
    }
}

int cli_parse_logs(const char *dir, int recursive, const char *json_path, int quiet)
{
    ct_parse_result *r = NULL;
    char err[1024];
    char *json = NULL, *sentence = NULL;
    json_t *root = NULL;
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
        rc = ct_parse_json(r, &json);
    if (rc == CT_OK)
        rc = ct_parse_aggregate_sentence(r, &sentence);
    if (rc == CT_OK && !(root = json_loads(json, 0, NULL)))
        rc = CT_ENOMEM;
    if (rc != CT_OK) {
        fprintf(stderr, "carbontracker: --parse failed: %s\n", ct_strerror(rc));
        status = PARSE_EXIT_SOFTWARE;
        goto cleanup;
    }
    print_skipped(root);
    if (ct_parse_run_count(r) == 0) {
        fprintf(stderr,
                "carbontracker: no carbontracker logs in %s%s (looking for pairs of "
                "*carbontracker.log and *carbontracker_output.log files)\n",
                dir, recursive ? " or its subdirectories" : "");
        status = PARSE_EXIT_NOINPUT;
    } else if (!quiet) {
        printf("%s\n", sentence);
        fflush(stdout);
    }
    if (fd >= 0) {
        int w = cli_json_commit(fd, json_path, root);
        fd = -1;
        if (w != 0) {
            fprintf(stderr, "carbontracker: cannot write %s: %s\n", json_path, strerror(-w));
            status = PARSE_EXIT_CANTCREAT;
        }
    }
cleanup:
    if (fd >= 0)
        cli_json_abandon(fd, json_path);
    json_decref(root);
    ct_free(json);
    ct_free(sentence);
    ct_parse_result_free(r);
    return status;
}
