/*
 * format.h - numbers as text, the same in the drawing and in the HTML tables. Each writes into
 * buf (len bytes) and returns it; NaN gives "n/a" (fmt_fixed: "-").
 */
#ifndef CT_REPORT_FORMAT_H
#define CT_REPORT_FORMAT_H

#include <stddef.h>

const char *fmt_sig(char *buf, size_t len, double v, int sig);
const char *fmt_kwh(char *buf, size_t len, double kwh);
const char *fmt_co2(char *buf, size_t len, double g);
const char *fmt_fixed(char *buf, size_t len, double v, int dec);
const char *fmt_joules(char *buf, size_t len, double j);
const char *fmt_power(char *buf, size_t len, double w);
const char *fmt_duration(char *buf, size_t len, double s);
/* The whole-machine sentence: node energy (meter), the components' over the same span and what
 * they leave out (node - components, and its share of the node). */
const char *fmt_node_share(char *buf, size_t len, const char *meter, double node_j,
                           double components_j);

#endif
