/*
 * counter.c - wrap or reset: one step of a hardware energy counter (counter.h).
 */
#include "counter.h"

uint64_t ct__counter_step(uint64_t prev, uint64_t cur, uint64_t range, double max_per_s,
                          uint64_t elapsed_ns, int *reset)
{
    *reset = 0;
    if (range > 0 && (cur > range || prev > range)) {
        *reset = 1; /* a value the counter cannot hold: it was replaced, not advanced */
        return 0;
    }
    if (cur >= prev)
        return cur - prev;
    if (range == 0) {
        *reset = 1;
        return 0;
    }
    uint64_t delta = (range - prev) + cur;
    if ((double)delta > 2.0 * max_per_s * ((double)elapsed_ns / 1e9)) {
        *reset = 1;
        return 0;
    }
    return delta;
}
