/*
 * eirgrid.h - EirGrid's Smart Grid Dashboard (no key): the 15-minute CO2 intensity of Ireland
 * (region ROI) and Northern Ireland (NI), with times in Irish wall-clock time, parsed by a pure
 * function.
 */
#ifndef CT_CARBON_EIRGRID_H
#define CT_CARBON_EIRGRID_H

#include "carbon/provider.h"

/* {"Rows": [{"EffectiveTime": "21-Aug-2026 10:15:00", "FieldName": "CO2_INTENSITY", "Region":
 * "ROI", "Value": 243}, ...], ...}: one 15-minute slot per row, its time read as Europe/Dublin
 * wall-clock time (GMT, or IST = UTC+1 from the last Sunday of March 01:00 UTC to the last Sunday
 * of October 01:00 UTC; in October's repeated hour a row whose time does not move forward is the
 * second pass, in GMT); rows whose Value is null are skipped. CT_OK; CT_EIO with `why`; CT_EINVAL;
 * CT_ENOMEM. */
int ct__eirgrid_parse(const char *buf, size_t len, struct ct__ci_series *out, char *why,
                      size_t why_len);

/* "21-Aug-2026 10:15:00" (Irish wall-clock time) to UTC seconds (the repeated hour in October
 * read as summer time): 0, or -1 when malformed. */
int ct__eirgrid_time(const char *s, double *t_s);

/* The dashboard's region for a zone: "ROI" for IE, "NI" for GB-NIR, else NULL. */
const char *ct__eirgrid_region(const char *zone);

#endif
