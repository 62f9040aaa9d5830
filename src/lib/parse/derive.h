/*
 * derive.h - the figures derived from a parsed run (derive.c).
 */
#ifndef CT_PARSE_DERIVE_H
#define CT_PARSE_DERIVE_H

#include "record.h"

/* The run's "derived" object of ct_parse_json() (a jansson json_t, new reference), NULL
 * when out of memory. */
struct json_t *ct__parse_derive_json(const struct ct__prun *run);

#endif
