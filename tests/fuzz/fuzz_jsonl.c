/*
 * fuzz_jsonl.c - libFuzzer target: the JSON-lines run log reader (ct__parse_jsonl) over
 * arbitrary bytes, with the fallback to (empty) text logs, the totals, the JSON and the
 * sentence. Seeds: the .jsonl files under tests/fixtures/logs.
 */
#include "parse/aggregate.h"
#include "parse/jsonl_read.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ct_parse_result *r = calloc(1, sizeof(*r));
    if (!r)
        return 0;
    r->runs = calloc(1, sizeof(*r->runs));
    if (!r->runs) {
        free(r);
        return 0;
    }
    r->n_runs = r->cap_runs = 1;
    struct ct__prun *run = &r->runs[0];
    run->pue = NAN;
    run->intensity_g_per_kwh = NAN;
    if (ct__parse_run_bytes(run, NULL, 0, NULL, NULL, 0, NULL, (const char *)data, size,
                            "fuzz.jsonl") != CT_OK ||
        ct__parse_totals(r) != CT_OK)
        abort();
    if (!run->source_jsonl && (run->n_samples || run->n_epochs || run->actual))
        abort(); /* a refused file leaves nothing behind */
    for (size_t i = 0; i < run->n_comp; i++)
        if (run->comp[i].has_power && run->comp[i].n_power != run->n_epochs)
            abort();
    char *json = NULL, *text = NULL;
    if (ct_parse_json(r, &json) != CT_OK || ct_parse_aggregate_sentence(r, &text) != CT_OK)
        abort();
    json_t *j = json_loads(json, 0, NULL);
    if (!json_is_object(j))
        abort();
    json_decref(j);
    ct_free(json);
    ct_free(text);
    ct_parse_result_free(r);
    return 0;
}
