/*
 * ledger.c - the tracker's book of devices and counters (ledger.h). Counters never go backwards:
 * a meter that fails keeps its last value, a lost device keeps the energy measured until then.
 */
#include "ledger.h"

#include <string.h>

void ct__ledger_init(struct ct__ledger *l)
{
    /* l is zeroed memory (calloc'ed with its tracker): clearing its ring and device tables again
     * would touch every page of them at open, for nothing. */
    pthread_mutex_init(&l->lock, NULL);
}

void ct__ledger_free(struct ct__ledger *l)
{
    ct__meters_close(&l->set);
    pthread_mutex_destroy(&l->lock);
}

int ct__ledger_setup(struct ct__ledger *l, const struct ct__probe_ctx *ctx, const int order[2],
                     int n_order, const struct ct__job *job, char *why, size_t why_len)
{
    int mine[2], n_mine = 0;
    for (int c = 0; c < n_order; c++) /* a rank that does not measure the node probes no CPU */
        if (!job || job->measures_node || order[c] == CT__COMP_GPU)
            mine[n_mine++] = order[c];
    int rc = ct__meters_select(&l->set, ct__meters, ctx, mine, n_mine, 0, why, why_len);
    if (rc != CT_OK)
        return rc;
    int base = 0;
    for (int m = 0; m < l->set.n_meters; m++) {
        struct ct__meter_inst *mi = &l->set.meters[m];
        int first = base; /* this meter's first reading */
        base += mi->n_devs;
        if (mi->ops->component == CT__COMP_NODE) {
            /* Node meters come after every component's (meters.c): their readings follow. A
             * rank that does not measure the node leaves them to the one that does. */
            if (job && !job->measures_node)
                continue;
            if (l->n_node == 0)
                l->node_base = first;
            for (int i = 0; i < mi->n_devs && l->n_node < CT__MAX_NODE_DEVS; i++) {
                struct ct__node_dev *nd = &l->node[l->n_node++];
                memset(nd, 0, sizeof(*nd));
                nd->meta = mi->devs[i];
                nd->meter = mi->ops->name;
            }
            l->meter_counted[m] = 1;
            continue;
        }
        for (int i = 0; i < mi->n_devs && l->n_devs < CT_MAX_DEVICES; i++) {
            if (job && mi->ops->component == CT__COMP_GPU &&
                !ct__job_counts_gpu(job, i, mi->n_devs))
                continue;
            struct ct__dev *d = &l->devs[l->n_devs++];
            memset(d, 0, sizeof(*d));
            d->comp = mi->ops->component;
            d->meter = m;
            d->slot = first + i;
            d->meta = mi->devs[i];
            l->meter_counted[m] = 1;
        }
    }
    if (l->n_devs == 0 && !(job && job->active)) {
        ct__strlcpy(why,
                    "No components were available. CarbonTracker supports Intel CPUs with "
                    "the RAPL interface and NVIDIA GPUs.",
                    why_len);
        return CT_ENODEV;
    }
    return CT_OK;
}

int ct__ledger_has(const struct ct__ledger *l, int comp)
{
    for (int i = 0; i < l->n_devs; i++)
        if (l->devs[i].comp == comp)
            return 1;
    return 0;
}

/* Read the counted meters (those whose wraparound bound is under below_ns only, when it is not
 * 0) into l->readings at now. Lock held. */
static void read_meters(struct ct__ledger *l, uint64_t now, uint64_t below_ns)
{
    int base = 0;
    for (int m = 0; m < l->set.n_meters; m++) {
        struct ct__meter_inst *mi = &l->set.meters[m];
        int due = l->meter_counted[m];
        if (due && below_ns) {
            uint64_t limit = mi->ops->max_interval_ns ? mi->ops->max_interval_ns(mi->state) : 0;
            due = limit && limit < below_ns;
        }
        int rc = due ? mi->ops->read(mi->state, now, &l->readings[base]) : CT_OK;
        if (rc != CT_OK) {
            char why[sizeof(l->read_error)] = "";
            l->read_failures++;
            if (mi->ops->read_error)
                mi->ops->read_error(mi->state, why, sizeof(why));
            ct__fmt(l->read_error, sizeof(l->read_error), "%s: read failed: %s", mi->ops->name,
                    why[0] ? why : ct_strerror(rc));
        }
        base += mi->n_devs;
    }
}

void ct__ledger_poll(struct ct__ledger *l, uint64_t below_ns)
{
    pthread_mutex_lock(&l->lock);
    read_meters(l, ct__now_ns(), below_ns);
    pthread_mutex_unlock(&l->lock);
}

uint64_t ct__ledger_read(struct ct__ledger *l, int boundary, uint64_t *now_ns, uint64_t *uj)
{
    pthread_mutex_lock(&l->lock);
    uint64_t now = ct__now_ns();
    read_meters(l, now, 0);
    uint64_t cpu = 0, gpu = 0;
    for (int k = 0; k < l->n_node; k++) {
        struct ct__node_dev *nd = &l->node[k];
        const struct ct__reading *r = &l->readings[l->node_base + k];
        if (r->energy_uj > nd->cur_uj)
            nd->cur_uj = r->energy_uj;
        nd->lost = r->lost;
    }
    for (int i = 0; i < l->n_devs; i++) {
        struct ct__dev *d = &l->devs[i];
        const struct ct__reading *r = &l->readings[d->slot];
        if (r->energy_uj > d->cur_uj)
            d->cur_uj = r->energy_uj;
        if (r->lost)
            d->lost = 1;
        if (boundary) {
            d->mark_uj = d->cur_uj;
            d->mark_lost = d->lost;
        }
        if (uj)
            uj[i] = d->cur_uj;
        if (d->comp == CT__COMP_GPU)
            gpu += d->cur_uj - d->first_uj;
        else
            cpu += d->cur_uj - d->first_uj;
    }
    struct ct__sample *s = &l->ring[l->samples % CT__RING];
    s->t_ns = now;
    s->cpu_uj = cpu;
    s->gpu_uj = gpu;
    l->node_components_uj = cpu + gpu;
    l->last_read_ns = now;
    l->samples++;
    pthread_mutex_unlock(&l->lock);
    if (now_ns)
        *now_ns = now;
    return cpu + gpu;
}

int ct__ledger_node(const struct ct__ledger *l, struct ct__node_snapshot *out)
{
    if (l->n_node == 0) { /* every tick asks: nothing of the large snapshot to clear */
        out->n = 0;
        return 0;
    }
    memset(out, 0, sizeof(*out));
    /* The lock is the only thing a reader changes (the summary holds a const tracker). */
    pthread_mutex_t *lock = (pthread_mutex_t *)&l->lock;
    pthread_mutex_lock(lock);
    out->n = l->n_node;
    for (int k = 0; k < l->n_node; k++) {
        out->devs[k] = l->node[k];
        out->node_uj += l->node[k].cur_uj - l->node[k].first_uj;
    }
    out->components_uj = l->node_components_uj;
    out->t_ns = l->last_read_ns;
    out->start_ns = l->start_ns;
    pthread_mutex_unlock(lock);
    return out->n;
}

void ct__ledger_start(struct ct__ledger *l)
{
    pthread_mutex_lock(&l->lock);
    for (int k = 0; k < l->n_node; k++)
        l->node[k].first_uj = l->node[k].cur_uj;
    l->node_components_uj = 0;
    l->start_ns = l->last_read_ns;
    for (int i = 0; i < l->n_devs; i++)
        l->devs[i].first_uj = l->devs[i].epoch_start_uj = l->devs[i].mark_uj = l->devs[i].cur_uj;
    pthread_mutex_unlock(&l->lock);
}

uint64_t ct__ledger_epoch_start(struct ct__ledger *l)
{
    uint64_t base = 0;
    for (int i = 0; i < l->n_devs; i++) {
        l->devs[i].epoch_start_uj = l->devs[i].mark_uj;
        base += l->devs[i].mark_uj - l->devs[i].first_uj;
    }
    return base;
}

void ct__ledger_epoch_energy(struct ct__ledger *l, int count, double *dev_j, double *cpu_j,
                             double *gpu_j)
{
    double c = 0, g = 0;
    for (int i = 0; i < l->n_devs; i++) {
        struct ct__dev *d = &l->devs[i];
        double j = (double)(d->mark_uj - d->epoch_start_uj) / 1e6;
        if (count)
            d->counted_j += j;
        if (dev_j)
            dev_j[i] = j;
        if (d->comp == CT__COMP_GPU)
            g += j;
        else
            c += j;
    }
    if (cpu_j)
        *cpu_j = c;
    if (gpu_j)
        *gpu_j = g;
}

uint64_t ct__ledger_period(const struct ct__ledger *l, uint64_t period_ns)
{
    if (period_ns < 1000000)
        period_ns = 1000000; /* 1 ms: RAPL counters do not update faster */
    for (int m = 0; m < l->set.n_meters; m++) {
        const struct ct__meter_inst *mi = &l->set.meters[m];
        if (!l->meter_counted[m])
            continue;
        uint64_t limit = mi->ops->max_interval_ns ? mi->ops->max_interval_ns(mi->state) : 0;
        if (limit && limit < period_ns)
            period_ns = limit;
    }
    return period_ns;
}

int ct__ledger_next_loss(struct ct__ledger *l, double *kept_j)
{
    for (int i = 0; i < l->n_devs; i++) {
        struct ct__dev *d = &l->devs[i];
        pthread_mutex_lock(&l->lock);
        int lost = d->lost;
        uint64_t cur_uj = d->cur_uj;
        pthread_mutex_unlock(&l->lock);
        if (lost && !d->lost_told) {
            d->lost_told = 1;
            *kept_j = (double)(cur_uj - d->first_uj) / 1e6;
            return i;
        }
    }
    return -1;
}

int ct__ledger_new_failure(struct ct__ledger *l, char *msg, size_t len)
{
    int failures;
    pthread_mutex_lock(&l->lock);
    failures = l->read_failures;
    ct__strlcpy(msg, l->read_error, len);
    pthread_mutex_unlock(&l->lock);
    if (failures <= l->read_failures_told)
        return 0;
    int first = l->read_failures_told == 0;
    l->read_failures_told = failures;
    return first;
}

const char *ct__ledger_meter_name(const struct ct__ledger *l, int i)
{
    return l->set.meters[l->devs[i].meter].ops->name;
}

void ct__ledger_epoch_figures(const struct ct__ledger *l, const double *dev_j,
                              struct ct__device_figures *f)
{
    f->n = l->n_devs;
    for (int i = 0; i < l->n_devs; i++) {
        f->energy_j[i] = dev_j[i];
        f->lost[i] = l->devs[i].mark_lost;
    }
}

void ct__ledger_run_figures(const struct ct__ledger *l, struct ct__device_figures *f)
{
    f->n = l->n_devs;
    for (int i = 0; i < l->n_devs; i++) {
        f->energy_j[i] = l->devs[i].counted_j;
        f->lost[i] = l->devs[i].lost;
    }
}
