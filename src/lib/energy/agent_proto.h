/*
 * agent_proto.h - the node agent's line protocol, version 1 (doc/agent.md): pure functions over
 * bytes that parse a client's request and the agent's replies, and format the replies. It lives
 * beside the meter that reads through the agent (agent.c here); the agent (agent/agent.c), which
 * stands above the meters, includes it from here.
 */
#ifndef CT_AGENT_PROTO_H
#define CT_AGENT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define CT__AGENT_PROTO_VERSION 1
/* The longest request line the agent takes, newline included; a longer one closes the
 * connection. */
#define CT__AGENT_MAX_REQUEST 128
/* The longest reply line a client takes (a READ of CT_MAX_DEVICES counters fits). */
#define CT__AGENT_MAX_REPLY 2048

enum ct__agent_req {
    CT__AREQ_HELLO = 1, /* HELLO <version> */
    CT__AREQ_DEVICES,   /* DEVICES */
    CT__AREQ_READ,      /* READ */
    CT__AREQ_BYE,       /* BYE */
    CT__AREQ_JOB,       /* JOB <id> <rank>: the client's job (ct__agent_parse_job) */
};

/* The longest job id the protocol carries (doc/distributed.md's ids fit). */
#define CT__AGENT_MAX_JOB_ID 96

/* Parse one request line (without its newline; a trailing CR is allowed). Returns the request
 * (enum ct__agent_req), *version set for HELLO, or -1 with why set ("unknown request 'X'"). */
int ct__agent_parse_request(const char *line, size_t len, int *version, char *why, size_t why_len);

/* "JOB <id> <rank>": the distributed job a tracker is a rank of, for the agent's per-job
 * metrics. id: 1 to CT__AGENT_MAX_JOB_ID - 1 characters of letters, digits and ._:@/+-; rank: a
 * number or "-" (unknown). 0 with id and *rank (-1 for "-"), or -1 with why set. */
int ct__agent_parse_job(const char *line, size_t len, char *id, size_t id_len, int *rank, char *why,
                        size_t why_len);

/* "JOB <id> <rank>\n" (rank < 0: "-") into buf. Returns the length, or -1 when the id has a
 * character the protocol does not carry or buf is too small. */
int ct__agent_format_job(const char *id, int rank, char *buf, size_t len);

/* The agent's answer to HELLO: "HELLO <version> <program> <program version>". 0 with *version,
 * or -1 with why set. */
int ct__agent_parse_hello(const char *line, size_t len, int *version, char *why, size_t why_len);

/* One device as the agent describes it in a DEV line. */
struct ct__agent_dev {
    int index;
    char component[8];   /* "cpu", "gpu" */
    char domain[32];     /* the meter's domain: "cpu-package", "gpu-nvidia" */
    char provenance[16]; /* "measured", "integrated", "estimated", "simulated" */
    char meter[32];      /* the agent's meter: "rapl-powercap" */
    char name[96];       /* the rest of the line: "cpu:0", a GPU model name */
};

/* "DEV <index> <component> <domain> <provenance> <meter> <name>" into buf (newline added).
 * Returns the length, or -1 when a field has a space or a control character (names may have
 * spaces, not control characters) or buf is too small. */
int ct__agent_format_dev(const struct ct__agent_dev *d, char *buf, size_t len);

/* Parse a DEV line (without newline). 0, or -1 with why set. */
int ct__agent_parse_dev(const char *line, size_t len, struct ct__agent_dev *d, char *why,
                        size_t why_len);

/* "DEVICES <n>": *n (0 .. max). 0, or -1 with why set. */
int ct__agent_parse_count(const char *line, size_t len, const char *word, int max, int *n,
                          char *why, size_t why_len);

/* "READ <t_ns> <n> <uj>[!] ..." ('!' marks a lost device) into buf (newline added). Returns
 * the length, or -1 when buf is too small. */
int ct__agent_format_read(uint64_t t_ns, const uint64_t *uj, const int *lost, int n, char *buf,
                          size_t len);

/* Parse a READ reply of exactly n counters (without newline). 0, or -1 with why set. */
int ct__agent_parse_read(const char *line, size_t len, int n, uint64_t *t_ns, uint64_t *uj,
                         int *lost, char *why, size_t why_len);

#endif
