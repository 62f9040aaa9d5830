/*
 * cloud.h - cloud regions as grid zones: "aws:us-east-1", "gcp:europe-west4", "azure:westeurope"
 * looked up in the table compiled from data/cloud-regions.csv, and the region asked from the
 * instance metadata service of the cloud the machine runs in (carbon thread only).
 */
#ifndef CT_CARBON_CLOUD_H
#define CT_CARBON_CLOUD_H

#include "carbon/provider.h"
#include "tables.h"

/* The table row for "cloud:region" (case-insensitive; a GCP zone "europe-west4-a" or an AWS
 * availability zone "us-east-1a" names its region), or NULL. */
const struct ct__cloud_region_entry *ct__cloud_region_find(const char *name);

/* Fill a location from a table row: zone, country, cloud_region ("aws:us-east-1"), method and
 * the address "US-MIDA-PJM (aws:us-east-1, <how>)". */
void ct__cloud_location(const struct ct__cloud_region_entry *e, int method, const char *how,
                        struct ct__location *out);

/* The metadata services' settings (their URLs, and "detect"). */
extern const struct ct__setting_decl ct__cloud_settings[];

/*
 * Ask the instance metadata services (GCP, then Azure, then AWS with an IMDSv2 token), each
 * bounded by a short timeout, for the region this machine runs in. CT_OK with *out the table
 * row; CT_ENOTSUP when none answered with a region (`why` says what each said) or detection is
 * off (cloud.detect=0); CT_ESTOPPED when cancelled.
 */
int ct__cloud_detect(const struct ct__carbon_cfg *cfg, const struct ct__cloud_region_entry **out,
                     char *why, size_t why_len);

#endif
