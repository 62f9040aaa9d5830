/*
 * sink.c - the list of sinks (sink.h): each record goes to every sink that takes it, in the
 * order the sinks were added.
 */
#include "sink.h"

int ct__sinks_add(struct ct__sinks *k, const struct ct__sink_ops *ops, void *state)
{
    if (k->n >= CT__MAX_SINKS)
        return -1;
    k->s[k->n].ops = ops;
    k->s[k->n].state = state;
    k->s[k->n].failure_told = 0;
    k->n++;
    return 0;
}

#define EACH(k, member, ...)                                                                       \
    do {                                                                                           \
        for (int i_ = 0; i_ < (k)->n; i_++)                                                        \
            if ((k)->s[i_].ops->member)                                                            \
                (k)->s[i_].ops->member((k)->s[i_].state, __VA_ARGS__);                             \
    } while (0)

void ct__sinks_message(struct ct__sinks *k, int kind, const char *text)
{
    EACH(k, message, kind, text);
}

void ct__sinks_meta(struct ct__sinks *k, const struct ct__sink_meta *m)
{
    EACH(k, meta, m);
}

void ct__sinks_sample(struct ct__sinks *k, uint64_t now_ns, const uint64_t *energy_uj, int n)
{
    EACH(k, sample, now_ns, energy_uj, n);
}

void ct__sinks_node(struct ct__sinks *k, uint64_t now_ns, const struct ct__sink_node *n)
{
    EACH(k, node, now_ns, n);
}

int ct__sinks_want_samples(const struct ct__sinks *k)
{
    for (int i = 0; i < k->n; i++)
        if (k->s[i].ops->sample)
            return 1;
    return 0;
}

void ct__sinks_epoch(struct ct__sinks *k, uint64_t now_ns, const struct ct__sink_epoch *e)
{
    EACH(k, epoch, now_ns, e);
}

void ct__sinks_intensity(struct ct__sinks *k, uint64_t now_ns, double g_per_kwh, const char *source,
                         int live)
{
    EACH(k, intensity, now_ns, g_per_kwh, source, live);
}

void ct__sinks_prediction(struct ct__sinks *k, uint64_t now_ns,
                          const struct ct__sink_consumption *c)
{
    EACH(k, prediction, now_ns, c);
}

void ct__sinks_summary(struct ct__sinks *k, uint64_t now_ns, const struct ct__sink_consumption *c)
{
    EACH(k, summary, now_ns, c);
}

int ct__sinks_next_failure(struct ct__sinks *k, char *why, size_t len)
{
    for (int i = 0; i < k->n; i++)
        if (!k->s[i].failure_told && k->s[i].ops->failed &&
            k->s[i].ops->failed(k->s[i].state, why, len)) {
            k->s[i].failure_told = 1;
            return 1;
        }
    return 0;
}

void ct__sinks_close(struct ct__sinks *k)
{
    for (int i = 0; i < k->n; i++)
        if (k->s[i].ops->close)
            k->s[i].ops->close(k->s[i].state);
    k->n = 0;
}
