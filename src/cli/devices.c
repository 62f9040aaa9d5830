/*
 * devices.c - `carbontracker --list-devices`: asks the library what this machine can measure
 * (ct_probe_json) and prints it readably, one block per meter, then the location and the carbon
 * intensity that a run would use; with --json the probe's JSON is written to a file as well.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *str_field(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && *s ? s : NULL;
}

/* "in use", "available", "not here", "error" from the probe's status and selected fields. */
static const char *status_text(const json_t *meter)
{
    const char *status = str_field(meter, "status");
    if (!status)
        return "unknown";
    if (strcmp(status, "ok") == 0)
        return json_is_true(json_object_get(meter, "selected")) ? "in use" : "available";
    if (strcmp(status, "not-here") == 0)
        return "not here";
    if (strcmp(status, "error") == 0)
        return "error";
    return status;
}

static void print_meter(const json_t *meter)
{
    const char *component = str_field(meter, "component");
    const char *name = str_field(meter, "meter");
    const char *code = str_field(meter, "code");
    const char *reason = str_field(meter, "reason");
    const char *detail = str_field(meter, "detail");
    const json_t *devices = json_object_get(meter, "devices");
    size_t i;
    json_t *dev;

    printf("%s: %s: %s", component ? component : "?", name ? name : "?", status_text(meter));
    if (code && strcmp(status_text(meter), "not here") != 0)
        printf(" (%s)", code);
    putchar('\n');
    if (json_array_size(devices) > 0) {
        fputs("    devices:", stdout);
        json_array_foreach(devices, i, dev)
        {
            const char *dname = str_field(dev, "name");
            const char *prov = str_field(dev, "provenance");
            int mine = !json_is_false(json_object_get(dev, "counted_by_this_rank"));
            printf("%s %s (%s%s)", i > 0 ? "," : "", dname ? dname : "?", prov ? prov : "?",
                   mine ? "" : "; another rank of the job counts it");
        }
        putchar('\n');
        /* Per device: index, UUID and how it is measured (GPUs, the CPU estimate). */
        json_array_foreach(devices, i, dev)
        {
            const json_t *index = json_object_get(dev, "index");
            const char *uuid = str_field(dev, "uuid");
            const char *info = str_field(dev, "info");
            if (!json_is_integer(index) && !uuid && !info)
                continue;
            if (json_is_integer(index))
                printf("    %lld: ", (long long)json_integer_value(index));
            else
                fputs("    ", stdout);
            printf("%s%s%s\n", str_field(dev, "name") ? str_field(dev, "name") : "?",
                   uuid ? " " : "", uuid ? uuid : "");
            if (info)
                printf("        %s\n", info);
        }
    }
    if (reason)
        printf("    %s\n", reason);
    if (detail && (!reason || strcmp(detail, reason) != 0))
        printf("    %s\n", detail);
}

static const char *method_text(const char *method)
{
    if (!method)
        return "not known";
    if (strcmp(method, "option") == 0)
        return "given by --zone or CARBONTRACKER_ZONE";
    if (strcmp(method, "timezone") == 0)
        return "from the time zone";
    if (strcmp(method, "none") == 0)
        return "unknown: the world average is used";
    return method;
}

/* The job this process is a rank of, and what it counts (a line only inside a job). */
static void print_job(const json_t *job)
{
    if (!json_is_object(job))
        return;
    const char *warning = str_field(job, "warning");
    if (warning)
        printf("Job: %s; this process would measure every device.\n", warning);
    if (!json_is_true(json_object_get(job, "active")))
        return;
    printf("Job: %s job %s", str_field(job, "launcher"), str_field(job, "id"));
    const json_t *rank = json_object_get(job, "rank"), *local = json_object_get(job, "local_rank");
    if (json_is_integer(rank))
        printf(", rank %lld of %lld", (long long)json_integer_value(rank),
               (long long)json_integer_value(json_object_get(job, "world_size")));
    if (json_is_integer(local))
        printf(", local rank %lld of %lld", (long long)json_integer_value(local),
               (long long)json_integer_value(json_object_get(job, "local_world_size")));
    printf(" on %s\n    %s\n\n", str_field(job, "node"), str_field(job, "role"));
}

static void print_report(const json_t *root)
{
    const json_t *meters = json_object_get(root, "meters");
    const json_t *loc = json_object_get(root, "location");
    const json_t *intensity = json_object_get(root, "intensity");
    const json_t *pue = json_object_get(root, "pue");
    size_t i;
    json_t *meter;

    const char *error = str_field(root, "error");
    print_job(json_object_get(root, "job"));

    json_array_foreach(meters, i, meter) print_meter(meter);
    if (json_array_size(meters) == 0)
        puts("No energy meter of this build measures the selected components (--components).");
    if (error)
        printf("Nothing can be measured: %s\n", error);
    putchar('\n');
    if (json_is_object(loc)) {
        const char *zone = str_field(loc, "zone");
        const char *address = str_field(loc, "address");
        const char *note = str_field(loc, "note");
        if (zone)
            printf("Location: %s; zone %s, %s\n", address ? address : "UNDETECTED", zone,
                   method_text(str_field(loc, "method")));
        else
            printf("Location: %s; zone %s\n", address ? address : "UNDETECTED",
                   method_text(str_field(loc, "method")));
        if (note)
            printf("    %s\n", note);
    }
    if (json_is_object(intensity)) {
        const char *source = str_field(intensity, "source");
        const char *description = str_field(intensity, "description");
        printf("Carbon intensity: %.2f gCO2/kWh (%s)%s%s\n",
               json_number_value(json_object_get(intensity, "g_per_kwh")),
               source ? source : "unknown source", description ? ": " : "",
               description ? description : "");
    }
    if (json_is_number(pue))
        printf("PUE: %.2f (applied to the predicted and actual consumption)\n",
               json_number_value(pue));
    fflush(stdout);
}

int cli_list_devices(struct cli *c)
{
    char *text = NULL;
    json_t *root = NULL;
    json_error_t jerr;
    int json_fd = -1;
    int exit_status = 0;

    if (c->json_path && (json_fd = cli_summary_open(c->json_path)) < 0)
        return CLI_EXIT_SOFTWARE;
    /* When nothing can be measured the probe still describes why: that is the report. */
    int rc = ct_probe_json(&c->opts, &text);
    if (rc == CT_EINVAL) {
        exit_status = cli_usage_error("invalid option for --list-devices (see --components and "
                                      "the --sim-* options)");
        goto cleanup;
    }
    if (!text) {
        fprintf(stderr, "carbontracker: cannot probe the energy meters: %s\n", ct_strerror(rc));
        exit_status = CLI_EXIT_SOFTWARE;
        goto cleanup;
    }
    root = json_loads(text, 0, &jerr);
    if (!json_is_object(root)) {
        fprintf(stderr, "carbontracker: the library's probe JSON is malformed: %s\n", jerr.text);
        exit_status = CLI_EXIT_SOFTWARE;
        goto cleanup;
    }

cleanup:
    return cli_show_document(c, exit_status, json_fd, root, text, print_report);
}
