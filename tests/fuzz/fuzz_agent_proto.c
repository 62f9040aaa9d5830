/*
 * fuzz_agent_proto.c - libFuzzer target: the node agent's line protocol parsers
 * (energy/agent_proto.c) over arbitrary bytes: a client's request, and the HELLO, DEVICES, DEV and
 * READ replies a tracker parses, and the JOB request. Whatever a parser accepts must format back
 * to a line it accepts again with the same fields. Seeds: tests/fixtures/agent.
 */
#include "energy/agent_proto.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *line = (const char *)data;
    char why[160], buf[CT__AGENT_MAX_REPLY];
    int v = 0, n = 0;
    struct ct__agent_dev d, back;
    uint64_t uj[CT_MAX_DEVICES], uj2[CT_MAX_DEVICES], t, t2;
    int lost[CT_MAX_DEVICES], lost2[CT_MAX_DEVICES];

    int req = ct__agent_parse_request(line, size, &v, why, sizeof(why));
    if ((req < 0 && !memchr(why, '\0', sizeof(why))) || (req >= 0 && req > CT__AREQ_JOB))
        abort();
    char id[CT__AGENT_MAX_JOB_ID], id2[CT__AGENT_MAX_JOB_ID];
    int rank, rank2;
    if (ct__agent_parse_job(line, size, id, sizeof(id), &rank, why, sizeof(why)) == 0) {
        int len = ct__agent_format_job(id, rank, buf, sizeof(buf));
        if (len < 2 ||
            ct__agent_parse_job(buf, (size_t)len - 1, id2, sizeof(id2), &rank2, why, sizeof(why)) !=
                0 ||
            strcmp(id, id2) != 0 || rank != rank2)
            abort();
    }
    (void)ct__agent_parse_hello(line, size, &v, why, sizeof(why));
    (void)ct__agent_parse_count(line, size, "DEVICES", CT_MAX_DEVICES, &n, why, sizeof(why));
    if (ct__agent_parse_dev(line, size, &d, why, sizeof(why)) == 0) {
        int len = ct__agent_format_dev(&d, buf, sizeof(buf));
        if (len < 2 || ct__agent_parse_dev(buf, (size_t)len - 1, &back, why, sizeof(why)) != 0 ||
            memcmp(&d, &back, sizeof(d)) != 0)
            abort();
    }
    for (int k = 0; k <= 3; k++) {
        if (ct__agent_parse_read(line, size, k, &t, uj, lost, why, sizeof(why)) != 0)
            continue;
        int len = ct__agent_format_read(t, uj, lost, k, buf, sizeof(buf));
        if (len < 2 ||
            ct__agent_parse_read(buf, (size_t)len - 1, k, &t2, uj2, lost2, why, sizeof(why)) != 0 ||
            t2 != t || memcmp(uj, uj2, (size_t)k * sizeof(*uj)) != 0 ||
            memcmp(lost, lost2, (size_t)k * sizeof(*lost)) != 0)
            abort();
    }
    return 0;
}
