/*
 * zones.c - `carbontracker --zones`: the zones with live carbon intensity (ct_zones_json), one
 * line each with whether a key is needed and the providers in order of preference; --json FILE
 * writes the library's JSON.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* "electricitymaps (key), energycharts (forecast)" */
static void print_providers(const json_t *providers)
{
    size_t i;
    const json_t *p;

    json_array_foreach(providers, i, p)
    {
        int key = json_is_true(json_object_get(p, "key_needed"));
        int forecast = json_is_true(json_object_get(p, "forecast"));
        printf("%s%s%s%s%s%s", i ? ", " : "", json_string_value(json_object_get(p, "name")),
               key || forecast ? " (" : "", key ? "key" : "", key && forecast ? ", " : "",
               forecast ? "forecast)"
               : key    ? ")"
                        : "");
    }
    printf("\n");
}

static void print_zones(const json_t *root)
{
    const json_t *zones = json_object_get(root, "zones"), *z;
    const json_t *any = json_object_get(root, "any_zone");
    size_t i;
    int w = 8; /* the zone column: as wide as the longest zone ("US-MIDA-PJM") */

    json_array_foreach(zones, i, z)
    {
        const char *zone = json_string_value(json_object_get(z, "zone"));
        int n = zone != NULL ? (int)strlen(zone) : 0;
        w = n > w ? n : w;
    }
    printf("Zones with live carbon intensity (Electricity Maps zone codes, for --zone):\n");
    printf("%-*s %-10s %s\n", w, "zone", "key", "providers, in order of preference");
    json_array_foreach(zones, i, z)
    {
        printf("%-*s %-10s ", w, json_string_value(json_object_get(z, "zone")),
               json_is_true(json_object_get(z, "key_needed")) ? "needed" : "not needed");
        print_providers(json_object_get(z, "providers"));
    }
    if (json_array_size(json_object_get(any, "providers")) > 0) {
        printf("%-*s %-10s ", w, "any",
               json_is_true(json_object_get(any, "key_needed")) ? "needed" : "not needed");
        print_providers(json_object_get(any, "providers"));
    }
    printf("Keys: --api_keys '{\"<provider>\": \"KEY\"}' or the provider's variable "
           "(--list-settings). Elsewhere the yearly per-country table is used.\n");
    printf("Cloud regions as zones (--zone aws:us-east-1, gcp:europe-west4, azure:westeurope): "
           "%zu known; --zones --json FILE lists them with their grid zones.\n",
           json_array_size(json_object_get(root, "cloud_regions")));
    fflush(stdout);
}

int cli_list_zones(struct cli *c)
{
    char *text = NULL;
    json_t *root = NULL;
    json_error_t jerr;
    int json_fd = -1, exit_status = 0;

    if (c->json_path && (json_fd = cli_summary_open(c->json_path)) < 0)
        return CLI_EXIT_SOFTWARE;
    if (ct_zones_json(&text) != CT_OK || (root = json_loads(text, 0, &jerr)) == NULL) {
        fprintf(stderr, "carbontracker: cannot list the zones: %s\n",
                text ? jerr.text : ct_strerror(CT_ENOMEM));
        exit_status = CLI_EXIT_SOFTWARE;
        goto cleanup;
    }
cleanup:
    return cli_show_document(c, exit_status, json_fd, root, text, print_zones);
}
