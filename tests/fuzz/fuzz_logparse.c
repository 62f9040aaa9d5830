/*
 * fuzz_logparse.c - libFuzzer target: the text-log parser (ct_parse_bytes) over arbitrary bytes.
 * The input is split at the first "\n=====\n" into a standard log and an output log; without
 * the marker the same bytes are both. Checks: parsing never fails, the JSON is valid, the
 * sentence is upstream's frame, every skipped entry has a reason. Seeds: tests/fixtures/logs.
 */
#include "parse/aggregate.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const char *find_marker(const char *p, size_t n)
{
    static const char marker[] = "\n=====\n";
    for (size_t i = 0; i + sizeof(marker) - 1 <= n; i++)
        if (memcmp(p + i, marker, sizeof(marker) - 1) == 0)
            return p + i;
    return NULL;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *p = (const char *)data;
    const char *m = find_marker(p, size);
    const char *std = p, *out = p;
    size_t std_len = size, out_len = size;
    if (m) {
        std_len = (size_t)(m - p);
        out = m + 7;
        out_len = size - std_len - 7;
    }
    ct_parse_result *r = NULL;
    if (ct_parse_bytes(std, std_len, out, out_len, &r) != CT_OK || !r || r->n_runs != 1)
        abort();
    const struct ct__prun *run = &r->runs[0];
    for (size_t i = 0; i < run->n_skipped; i++)
        if (!run->skipped[i].reason[0] || run->skipped[i].line < 0)
            abort();
    if (run->n_skipped > 3 * (CT__PARSE_MAX_SKIPPED + 1))
        abort();
    for (size_t i = 0; i < run->n_epochs; i++)
        if (!(run->epochs[i].duration_s >= 0))
            abort();
    if (run->actual && run->actual->epochs < 0)
        abort();
    char *json = NULL, *text = NULL;
    if (ct_parse_json(r, &json) != CT_OK || ct_parse_aggregate_sentence(r, &text) != CT_OK)
        abort();
    json_t *j = json_loads(json, 0, NULL);
    if (!json_is_object(j))
        abort();
    json_decref(j);
    /* the report's document, every series of more than 2 entries in groups */
    char *reduced = NULL;
    if (ct_parse_json_reduced(r, 2, &reduced) != CT_OK)
        abort();
    j = json_loads(reduced, 0, NULL);
    if (!json_is_object(j))
        abort();
    json_decref(j);
    ct_free(reduced);
    if (strncmp(text, "The training of models in this work is estimated to use ", 56) != 0 ||
        !strstr(text, "Measured by carbontracker (https://github.com/lfwa/carbontracker)."))
        abort();
    ct_free(json);
    ct_free(text);
    ct_parse_result_free(r);
    return 0;
}
