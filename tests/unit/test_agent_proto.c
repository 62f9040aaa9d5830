/*
 * test_agent_proto.c - the node agent's line protocol (energy/agent_proto.c, doc/agent.md):
 * requests, the HELLO, DEVICES, DEV and READ replies formatted and parsed back, and the malformed
 * lines each parser refuses with its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ct_assert.h"
#include "energy/agent_proto.h"
#include "internal.h"

#include <string.h>

#define LINE(s) s, strlen(s)

static void test_requests(void **state)
{
    (void)state;
    char why[128];
    int v = 0;
    assert_int_equal(ct__agent_parse_request(LINE("HELLO 1"), &v, why, sizeof(why)),
                     CT__AREQ_HELLO);
    assert_int_equal(v, 1);
    assert_int_equal(ct__agent_parse_request(LINE("DEVICES\r"), &v, why, sizeof(why)),
                     CT__AREQ_DEVICES);
    assert_int_equal(ct__agent_parse_request(LINE("READ"), &v, why, sizeof(why)), CT__AREQ_READ);
    assert_int_equal(ct__agent_parse_request(LINE("BYE"), &v, why, sizeof(why)), CT__AREQ_BYE);
    assert_int_equal(ct__agent_parse_request(LINE("read"), &v, why, sizeof(why)), -1);
    assert_string_equal(why, "unknown request 'read' (HELLO, DEVICES, READ, JOB, BYE)");
    assert_int_equal(ct__agent_parse_request(LINE("READ /etc/shadow"), &v, why, sizeof(why)), -1);
    assert_string_equal(why, "unexpected words after the request");
    assert_int_equal(ct__agent_parse_request(LINE("HELLO"), &v, why, sizeof(why)), -1);
    assert_int_equal(
        ct__agent_parse_request(LINE("HELLO 99999999999999999999999"), &v, why, sizeof(why)), -1);
    assert_int_equal(ct__agent_parse_request("\x01\x02\xff", 3, &v, why, sizeof(why)), -1);
    assert_string_equal(why, "unknown request '\x3f\x3f\x3f' (HELLO, DEVICES, READ, JOB, BYE)");
    assert_int_equal(ct__agent_parse_request("", 0, &v, why, sizeof(why)), -1);
    assert_int_equal(
        ct__agent_parse_hello(LINE("HELLO 1 carbontracker-agent 0.2.0"), &v, why, sizeof(why)), 0);
    assert_int_equal(v, 1);
}

/* JOB: the job a tracker is a rank of, for the agent's per-job series. */
static void test_job(void **state)
{
    (void)state;
    char why[160], id[CT__AGENT_MAX_JOB_ID], buf[CT__AGENT_MAX_REQUEST];
    int v = 0, rank = 7;
    assert_int_equal(ct__agent_parse_request(LINE("JOB slurm:77.1 3"), &v, why, sizeof(why)),
                     CT__AREQ_JOB);
    assert_int_equal(
        ct__agent_parse_job(LINE("JOB slurm:77.1 3"), id, sizeof(id), &rank, why, sizeof(why)), 0);
    assert_string_equal(id, "slurm:77.1");
    assert_int_equal(rank, 3);
    assert_int_equal(ct__agent_parse_job(LINE("JOB openmpi:prterun-n1-42@1 -\r"), id, sizeof(id),
                                         &rank, why, sizeof(why)),
                     0);
    assert_string_equal(id, "openmpi:prterun-n1-42@1");
    assert_int_equal(rank, -1);
    /* What cannot be a job: no id, a quote or space in it, no rank, more words, too long. */
    const char *bad[] = {"JOB",      "JOB x",     "JOB a\"b 1", "JOB id 1 2",
                         "JOB id x", "JOB id -1", "JOB \x01 1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(
            ct__agent_parse_job(bad[i], strlen(bad[i]), id, sizeof(id), &rank, why, sizeof(why)),
            -1);
    char longid[200];
    memset(longid, 'a', sizeof(longid));
    memcpy(longid, "JOB ", 4);
    strcpy(longid + 120, " 1");
    assert_int_equal(
        ct__agent_parse_job(longid, strlen(longid), id, sizeof(id), &rank, why, sizeof(why)), -1);
    ct_assert_contains(why, "JOB needs an id of 1 to 95");
    /* Round trip, and an id the protocol cannot carry is not sent. */
    int n = ct__agent_format_job("torchrun:127.0.0.1:29500", 0, buf, sizeof(buf));
    assert_int_equal(n, (int)strlen("JOB torchrun:127.0.0.1:29500 0\n"));
    assert_string_equal(buf, "JOB torchrun:127.0.0.1:29500 0\n");
    assert_int_equal(
        ct__agent_parse_job(buf, (size_t)n - 1, id, sizeof(id), &rank, why, sizeof(why)), 0);
    assert_int_equal(ct__agent_format_job("my job", 1, buf, sizeof(buf)), -1);
    assert_int_equal(ct__agent_format_job("x", -1, buf, sizeof(buf)), 8);
    assert_string_equal(buf, "JOB x -\n");
}

static void test_dev_round_trip(void **state)
{
    (void)state;
    char buf[512], why[128];
    struct ct__agent_dev d = {.index = 3}, back;
    strcpy(d.component, "gpu");
    strcpy(d.domain, "gpu-nvidia");
    strcpy(d.provenance, "measured");
    strcpy(d.meter, "nvml");
    strcpy(d.name, "NVIDIA A100-SXM4-40GB");
    int n = ct__agent_format_dev(&d, buf, sizeof(buf));
    assert_string_equal(buf, "DEV 3 gpu gpu-nvidia measured nvml NVIDIA A100-SXM4-40GB\n");
    assert_int_equal(n, (int)strlen(buf));
    assert_int_equal(ct__agent_parse_dev(buf, (size_t)n - 1, &back, why, sizeof(why)), 0);
    assert_memory_equal(&d, &back, sizeof(d));
    strcpy(d.meter, "two words");
    assert_int_equal(ct__agent_format_dev(&d, buf, sizeof(buf)), -1);
    assert_int_equal(
        ct__agent_parse_dev(LINE("DEV 0 cpu cpu-package measured"), &back, why, sizeof(why)), -1);
    assert_int_equal(ct__agent_parse_dev(LINE("DEV x cpu a b c name"), &back, why, sizeof(why)),
                     -1);
    int count = -1;
    assert_int_equal(
        ct__agent_parse_count(LINE("DEVICES 2"), "DEVICES", 64, &count, why, sizeof(why)), 0);
    assert_int_equal(count, 2);
    assert_int_equal(
        ct__agent_parse_count(LINE("DEVICES 65"), "DEVICES", 64, &count, why, sizeof(why)), -1);
    assert_string_equal(why, "expected 'DEVICES <0..64>'");
}

static void test_read_round_trip(void **state)
{
    (void)state;
    char buf[256], why[128];
    uint64_t uj[3] = {0, 18446744073709551615ull, 12345678}, back[3], t;
    int lost[3] = {0, 0, 1}, lback[3];
    int n = ct__agent_format_read(42, uj, lost, 3, buf, sizeof(buf));
    assert_string_equal(buf, "READ 42 3 0 18446744073709551615 12345678!\n");
    assert_int_equal(ct__agent_parse_read(buf, (size_t)n - 1, 3, &t, back, lback, why, sizeof(why)),
                     0);
    assert_int_equal(t, 42);
    assert_memory_equal(uj, back, sizeof(uj));
    assert_memory_equal(lost, lback, sizeof(lost));
    assert_int_equal(ct__agent_parse_read(buf, (size_t)n - 1, 2, &t, back, lback, why, sizeof(why)),
                     -1);
    assert_string_equal(why, "READ reply with another number of devices than announced (2)");
    assert_int_equal(ct__agent_parse_read(LINE("READ 1 1 18446744073709551616"), 1, &t, back, lback,
                                          why, sizeof(why)),
                     -1);
    assert_int_equal(ct__agent_parse_read(LINE("READ 1 1 !"), 1, &t, back, lback, why, sizeof(why)),
                     -1);
    assert_int_equal(
        ct__agent_parse_read(LINE("READ 1 1 5 6"), 1, &t, back, lback, why, sizeof(why)), -1);
    assert_int_equal(ct__agent_format_read(1, uj, lost, 3, buf, 10), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_job),
        cmocka_unit_test(test_dev_round_trip),
        cmocka_unit_test(test_read_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
