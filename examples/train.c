/*
 * train.c - a small real training loop tracked with libcarbontracker: a one-hidden-layer MLP
 * learns a non-linear decision boundary on generated data with plain SGD, about a second per
 * epoch. It shows the whole epoch API: open, epoch_start/epoch_end (with the per-epoch result),
 * stop, summary. This is what `make run` tracks.
 *
 * usage: train [--epochs N] [--samples N] [--log_dir DIR] [--json FILE] [--no-tracker]
 * Environment (ct_options_from_env): CARBONTRACKER_ZONE, CARBONTRACKER_SYSFS_ROOT,
 * CARBONTRACKER_PROC_ROOT, TZ, CUDA_VISIBLE_DEVICES, ELECTRICITYMAPS_API_KEY, ...;
 * CARBONTRACKER_OFFLINE=1 for no network.
 */
#include <carbontracker.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_IN 16
#define N_HID 128

struct model {
    float w1[N_HID][N_IN], b1[N_HID], w2[N_HID], b2;
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* Label: inside a sphere of radius 2.2 around the origin in the first 4 dimensions. */
static void make_data(float *x, float *y, int n)
{
    for (int i = 0; i < n; i++) {
        double r = 0;
        for (int j = 0; j < N_IN; j++) {
            x[i * N_IN + j] = (float)(uniform() * 4.0 - 2.0);
            if (j < 4)
                r += x[i * N_IN + j] * x[i * N_IN + j];
        }
        y[i] = r < 2.2 * 2.2 ? 1.0f : 0.0f;
    }
}

static float forward(const struct model *m, const float *x, float *h)
{
    float z = m->b2;
    for (int k = 0; k < N_HID; k++) {
        float a = m->b1[k];
        for (int j = 0; j < N_IN; j++)
            a += m->w1[k][j] * x[j];
        h[k] = a > 0 ? a : 0;
        z += m->w2[k] * h[k];
    }
    return 1.0f / (1.0f + expf(-z));
}

/* One epoch of SGD; returns the mean log loss. */
static double train_epoch(struct model *m, const float *x, const float *y, int n, float lr)
{
    double loss = 0;
    float h[N_HID];
    for (int i = 0; i < n; i++) {
        const float *xi = &x[i * N_IN];
        float p = forward(m, xi, h);
        loss += -(y[i] * logf(p + 1e-7f) + (1 - y[i]) * logf(1 - p + 1e-7f));
        float g = p - y[i];
        for (int k = 0; k < N_HID; k++) {
            float gh = h[k] > 0 ? g * m->w2[k] : 0;
            m->w2[k] -= lr * g * h[k];
            for (int j = 0; j < N_IN; j++)
                m->w1[k][j] -= lr * gh * xi[j];
            m->b1[k] -= lr * gh;
        }
        m->b2 -= lr * g;
    }
    return loss / n;
}

static double accuracy(const struct model *m, const float *x, const float *y, int n)
{
    float h[N_HID];
    int ok = 0;
    for (int i = 0; i < n; i++)
        ok += (forward(m, &x[i * N_IN], h) >= 0.5f) == (y[i] >= 0.5f);
    return (double)ok / n;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int main(int argc, char **argv)
{
    int epochs = 4, samples = 600000, use_tracker = 1;
    const char *log_dir = NULL, *json_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--epochs") == 0 && i + 1 < argc)
            epochs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc)
            samples = atoi(argv[++i]);
        else if (strcmp(argv[i], "--log_dir") == 0 && i + 1 < argc)
            log_dir = argv[++i];
        else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
            json_path = argv[++i];
        else if (strcmp(argv[i], "--no-tracker") == 0)
            use_tracker = 0;
        else {
            fprintf(stderr,
                    "usage: %s [--epochs N] [--samples N] [--log_dir DIR] [--json FILE] "
                    "[--no-tracker]\n",
                    argv[0]);
            return 2;
        }
    }
    if (epochs < 1 || samples < 100) {
        fprintf(stderr, "train: --epochs must be >= 1 and --samples >= 100\n");
        return 2;
    }

    float *x = malloc(sizeof(float) * (size_t)samples * N_IN);
    float *y = malloc(sizeof(float) * (size_t)samples);
    struct model *m = calloc(1, sizeof(*m));
    if (!x || !y || !m) {
        fprintf(stderr, "train: out of memory\n");
        return 1;
    }
    make_data(x, y, samples);
    for (int k = 0; k < N_HID; k++) {
        for (int j = 0; j < N_IN; j++)
            m->w1[k][j] = (float)((uniform() - 0.5) * 0.5);
        m->w2[k] = (float)((uniform() - 0.5) * 0.5);
    }

    ct_tracker *tracker = NULL;
    if (use_tracker) {
        ct_options o = CT_OPTIONS_INIT;
        o.epochs = epochs;
        o.log_dir = log_dir;
        o.message = ct_message_stdout;
        /* Seams, GPUs and API keys from the environment; live intensity unless told not to. */
        ct_options_from_env(&o);
        o.live = env("CARBONTRACKER_OFFLINE") == NULL;
        char err[512];
        int rc = ct_tracker_open(&tracker, &o, err, sizeof(err));
        if (rc != CT_OK) {
            /* Training goes on without measurements: never lose the run to the tracker. */
            fprintf(stderr, "train: not tracking (%s: %s)\n", ct_strerror(rc), err);
            tracker = NULL;
        }
    }

    for (int e = 1; e <= epochs; e++) {
        if (tracker)
            ct_epoch_start(tracker);
        double loss = train_epoch(m, x, y, samples, 0.01f);
        ct_epoch_result r = CT_EPOCH_RESULT_INIT;
        if (tracker)
            ct_epoch_end(tracker, &r);
        printf("epoch %d/%d: loss %.4f, accuracy %.3f", e, epochs, loss,
               accuracy(m, x, y, samples < 10000 ? samples : 10000));
        if (tracker && r.epoch > 0)
            printf(" | %.2f s, %.1f J, %.3f gCO2eq", r.duration_s, r.energy_j, r.co2eq_g);
        printf("\n");
        fflush(stdout);
    }

    if (tracker) {
        ct_stop(tracker);
        if (json_path) {
            char *json = NULL;
            if (ct_summary_json(tracker, &json) == CT_OK) {
                FILE *f = fopen(json_path, "w");
                if (f) {
                    fputs(json, f);
                    fputc('\n', f);
                    fclose(f);
                }
            }
            ct_free(json);
        }
        ct_tracker_free(tracker);
    }
    free(x);
    free(y);
    free(m);
    return 0;
}
