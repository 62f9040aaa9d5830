/*
 * ipmi_dcmi.h - the parser of `ipmitool dcmi power reading` output (ipmi_dcmi.c), pure over
 * bytes so tests check it against the format the real ipmitool prints.
 */
#ifndef CT_ENERGY_IPMI_DCMI_H
#define CT_ENERGY_IPMI_DCMI_H

#include <stddef.h>

/*
 * ipmitool (lib/ipmi_dcmi.c) prints, after two blank lines:
 *     Instantaneous power reading:              %8d Watts
 *     Minimum during sampling period:           %8d Watts
 *     Maximum during sampling period:           %8d Watts
 *     Average power reading over sample period: %8d Watts
 *     IPMI timestamp:                           <time>
 *     Sampling period:                          %08u Seconds.
 *     Power reading state is:                   activated|deactivated
 * The instantaneous reading is taken (else the average). Returns 0 with *watts set, or -1 with
 * why saying what the output was instead (ipmitool's own error line, when there is one).
 */
int ct__ipmi_dcmi_parse(const char *text, size_t len, double *watts, char *why, size_t why_len);

#endif
