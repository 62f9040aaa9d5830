/*
 * cloud.c - cloud regions to grid zones (cloud.h): the lookup in the compiled table, and the
 * detection through the instance metadata services of GCP, Azure and AWS. Each service is one
 * short request (two for AWS: the IMDSv2 token, then the region) with a one-second limit, so a
 * machine outside these clouds loses at most a few seconds of the carbon thread, never of the
 * caller.
 */
#include "carbon/cloud.h"

#include "util/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DETECT_TIMEOUT_MS 1000
#define DETECT_CONNECT_MS 500

const struct ct__cloud_region_entry *ct__cloud_region_find(const char *name)
{
    const char *colon = name != NULL ? strchr(name, ':') : NULL;
    size_t cl, rl;

    if (colon == NULL)
        return NULL;
    cl = (size_t)(colon - name);
    rl = strlen(colon + 1);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ct__cloud_region_count; i++) {
            const struct ct__cloud_region_entry *e = &ct__cloud_region_table[i];
            size_t el = strlen(e->region);
            if (strlen(e->cloud) != cl || strncasecmp(e->cloud, name, cl) != 0)
                continue;
            if (pass == 0 && rl == el && strcasecmp(e->region, colon + 1) == 0)
                return e;
            /* A zone inside the region: "europe-west4-a" (GCP), "us-east-1a" (AWS). */
            if (pass == 1 && strncasecmp(e->region, colon + 1, el) == 0 &&
                ((rl == el + 2 && colon[1 + el] == '-') ||
                 (rl == el + 1 && strcmp(e->cloud, "aws") == 0)))
                return e;
        }
    return NULL;
}

void ct__cloud_location(const struct ct__cloud_region_entry *e, int method, const char *how,
                        struct ct__location *out)
{
    memset(out, 0, sizeof(*out));
    out->method = method;
    snprintf(out->zone, sizeof(out->zone), "%s", e->zone);
    snprintf(out->country, sizeof(out->country), "%.2s", e->zone);
    snprintf(out->cloud_region, sizeof(out->cloud_region), "%s:%s", e->cloud, e->region);
    snprintf(out->address, sizeof(out->address), "%s (%s, %s)", e->zone, out->cloud_region, how);
}

const struct ct__setting_decl ct__cloud_settings[] = {
    {"detect", "CARBONTRACKER_CLOUD_DETECT", "1", 0,
     "1: ask the cloud's instance metadata service for the region when no zone is given; 0: "
     "do not"},
    {"gcp_url", "CARBONTRACKER_GCP_METADATA_URL", "http://metadata.google.internal", 0,
     "Google Cloud's metadata server"},
    {"azure_url", "CARBONTRACKER_AZURE_METADATA_URL", "http://169.254.169.254", 0,
     "Azure's instance metadata service"},
    {"aws_url", "CARBONTRACKER_AWS_METADATA_URL", "http://169.254.169.254", 0,
     "AWS's instance metadata service (IMDSv2)"},
    {NULL, NULL, NULL, 0, NULL},
};

/* One request to a metadata service: CT_OK with the trimmed reply in buf (a name: letters,
 * digits, '-', '/', '_' and '.'), else the failure with why. */
static int ask(const struct ct__carbon_cfg *cfg, const char *key, const char *path,
               const char *const *headers, int put, char *buf, size_t len, char *why,
               size_t why_len)
{
    const char *base = ct__cfg_setting(cfg, "cloud", key);
    char url[512];
    struct ct__http_request rq = {0};
    struct ct__http_response resp;
    size_t n;
    int rc;

    if (base == NULL || base[0] == '\0' || cfg->http == NULL)
        return CT_ENOTSUP;
    snprintf(url, sizeof(url), "%s%s", base, path);
    rq.url = url;
    rq.headers = headers;
    rq.timeout_ms = DETECT_TIMEOUT_MS;
    rq.connect_timeout_ms = DETECT_CONNECT_MS;
    rq.max_bytes = 4096;
    rq.put_empty = put;
    rc = ct__http_get(cfg->http, &rq, &resp);
    if (rc != CT_OK) {
        ct__why_add(why, why_len, "%s", resp.error[0] ? resp.error : ct_strerror(rc));
        return rc;
    }
    rc = CT_EIO;
    n = resp.len;
    while (n > 0 &&
           (resp.body[n - 1] == '\n' || resp.body[n - 1] == '\r' || resp.body[n - 1] == ' '))
        n--;
    if (resp.status != 200) {
        ct__why_add(why, why_len, "HTTP %ld", resp.status);
    } else if (n == 0 || n >= len ||
               strspn(resp.body, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
                                 "OPQRSTUVWXYZ0123456789-/_.=") < n) {
        ct__why_add(why, why_len, "not a region name");
    } else {
        memcpy(buf, resp.body, n);
        buf[n] = '\0';
        rc = CT_OK;
    }
    ct__http_response_free(&resp);
    return rc;
}

/* "gcp:" + the last segment of "projects/123/zones/europe-west4-a". */
static int detect_gcp(const struct ct__carbon_cfg *cfg, char *name, size_t len, char *why,
                      size_t why_len)
{
    static const char *const headers[] = {"Metadata-Flavor: Google", NULL};
    char reply[256];
    int rc = ask(cfg, "gcp_url", "/computeMetadata/v1/instance/zone", headers, 0, reply,
                 sizeof(reply), why, why_len);
    if (rc == CT_OK) {
        const char *slash = strrchr(reply, '/');
        snprintf(name, len, "gcp:%s", slash ? slash + 1 : reply);
    }
    return rc;
}

static int detect_azure(const struct ct__carbon_cfg *cfg, char *name, size_t len, char *why,
                        size_t why_len)
{
    static const char *const headers[] = {"Metadata: true", NULL};
    char reply[256];
    int rc = ask(cfg, "azure_url",
                 "/metadata/instance/compute/location?api-version=2021-02-01&format=text", headers,
                 0, reply, sizeof(reply), why, why_len);
    if (rc == CT_OK)
        snprintf(name, len, "azure:%s", reply);
    return rc;
}

static int detect_aws(const struct ct__carbon_cfg *cfg, char *name, size_t len, char *why,
                      size_t why_len)
{
    static const char *const ttl[] = {"X-aws-ec2-metadata-token-ttl-seconds: 60", NULL};
    char token[160], header[200], reply[256];
    const char *headers[] = {header, NULL};
    int rc = ask(cfg, "aws_url", "/latest/api/token", ttl, 1, token, sizeof(token), why, why_len);

    if (rc != CT_OK)
        return rc;
    snprintf(header, sizeof(header), "X-aws-ec2-metadata-token: %s", token);
    rc = ask(cfg, "aws_url", "/latest/meta-data/placement/region", headers, 0, reply, sizeof(reply),
             why, why_len);
    explicit_bzero(token, sizeof(token));
    explicit_bzero(header, sizeof(header));
    if (rc == CT_OK)
        snprintf(name, len, "aws:%s", reply);
    return rc;
}

int ct__cloud_detect(const struct ct__carbon_cfg *cfg, const struct ct__cloud_region_entry **out,
                     char *why, size_t why_len)
{
    static const struct {
        const char *cloud;
        int (*detect)(const struct ct__carbon_cfg *, char *, size_t, char *, size_t);
    } services[] = {{"gcp", detect_gcp}, {"azure", detect_azure}, {"aws", detect_aws}};
    const char *on = ct__cfg_setting(cfg, "cloud", "detect");

    *out = NULL;
    if (on != NULL && strcmp(on, "0") == 0) {
        ct__why_add(why, why_len, "cloud detection is off (cloud.detect=0)");
        return CT_ENOTSUP;
    }
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
        char name[128] = "", sub[256] = "";
        int rc = services[i].detect(cfg, name, sizeof(name), sub, sizeof(sub));
        if (rc == CT_ESTOPPED)
            return rc;
        if (rc == CT_OK) {
            *out = ct__cloud_region_find(name);
            if (*out != NULL)
                return CT_OK;
            ct__printable_copy(sub, sizeof(sub), name);
            ct__why_add(why, why_len, "%s: region %s is not in carbontracker's table",
                        services[i].cloud, sub);
            return CT_ENOTSUP;
        }
        if (sub[0] != '\0')
            ct__why_add(why, why_len, "%s: %s", services[i].cloud, sub);
    }
    return CT_ENOTSUP;
}
