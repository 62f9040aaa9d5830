/*
 * power_integrator.c - the trapezoid integration of power samples shared by the power-only GPU
 * meters (see power_integrator.h).
 */
#include "power_integrator.h"

#include <string.h>

void ct__power_trace_add(struct ct__power_trace *p, uint64_t now_ns, double power_uw)
{
    if (p->primed && now_ns > p->last_ns) {
        /* µW x ns = 1e-15 J = 1e-9 µJ */
        p->total_uj += (p->last_uw + power_uw) / 2.0 * (double)(now_ns - p->last_ns) / 1e9;
    }
    if (!p->primed || now_ns > p->last_ns)
        p->last_ns = now_ns;
    p->last_uw = power_uw;
    p->primed = 1;
}

void ct__power_trace_start(struct ct__power_trace *p, uint64_t now_ns, double power_uw)
{
    memset(p, 0, sizeof(*p));
    ct__power_trace_add(p, now_ns, power_uw);
}
