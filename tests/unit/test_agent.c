/*
 * test_agent.c - the node agent in process (ct_agent_*, agent/agent.c) and the meter that reads
 * through it (energy/agent.c): a tracker whose own RAPL read is refused measures, through the
 * agent's socket, exactly the energy the agent's fixture counters advanced; the agent counts from
 * its own start; a tracker whose agent stops marks its devices lost and keeps their energy; the
 * meter connects again after a dropped connection (nothing missed) and to a restarted agent
 * (counting from its start, the gap marked lost); the socket's mode is the one asked for and a
 * live agent's socket is not taken over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "agent/agent.h"
#include "carbontracker.h"
#include "cpu_fixture.h"
#include "ct_assert.h"
#include "energy/meter.h"
#include "meter_harness.h"
#include "powercap_fixture.h"
#include "proc_fixture.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct fx {
    char agent_sys[4096]; /* the agent's tree: readable */
    char user_sys[4096];  /* the tracker's tree: energy_uj refused */
    char proc[4096];
    char dir[64]; /* short: the socket's path */
    char sock[128];
    char *settings[2];
    ct_agent *agent;
    pthread_t thread;
    int running;
};

static void *serve(void *arg)
{
    ct_agent_run(arg);
    return NULL;
}

/* The options of an agent (sys: its readable tree) or a tracker (the tree it may not read) here:
 * the fixture's proc tree, zone DK, no logs, no NVIDIA library. */
static ct_options options(struct fx *f, const char *sys)
{
    ct_options o = CT_OPTIONS_INIT;
    o.sysfs_root = sys;
    o.proc_root = f->proc;
    o.zone = "DK";
    o.log_dir = NULL;
    o.update_interval_s = 10;
    o.nvml_library = "/nonexistent/libnvidia-ml.so.1";
    return o;
}

/* An agent on the readable tree, serving f->sock from a thread of this process. */
static void start_agent(struct fx *f)
{
    ct_options o = options(f, f->agent_sys);
    char err[512] = "";
    assert_int_equal(ct_agent_open(&f->agent, &o, err, sizeof(err)), CT_OK);
    assert_int_equal(ct_agent_listen(f->agent, f->sock, 0600, -1, err, sizeof(err)), CT_OK);
    assert_int_equal(pthread_create(&f->thread, NULL, serve, f->agent), 0);
    f->running = 1;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(pcf_mkroot(f->agent_sys, sizeof(f->agent_sys), "asys"), 0);
    assert_int_equal(pcf_mkroot(f->user_sys, sizeof(f->user_sys), "usys"), 0);
    assert_int_equal(prf_mkroot(f->proc, sizeof(f->proc), "proc"), 0);
    assert_int_equal(pcf_create(f->agent_sys, "client"), 0);
    assert_int_equal(pcf_create(f->user_sys, "client"), 0);
    assert_int_equal(pcf_deny(f->user_sys, "intel-rapl:0"), 0);
    struct prf_stat st = {.user = 1000, .system = 500, .idle = 8500};
    assert_int_equal(prf_create(f->proc, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 4, &st), 0);
    strcpy(f->dir, "/tmp/ct-agent-unit.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->sock, sizeof(f->sock), "%s/agent.sock", f->dir);
    f->settings[0] = malloc(strlen(f->sock) + 16);
    sprintf(f->settings[0], "agent.socket=%s", f->sock);

    start_agent(f);
    *state = f;
    return 0;
}

static void stop_agent(struct fx *f)
{
    if (!f->running)
        return;
    ct_agent_stop(f->agent);
    pthread_join(f->thread, NULL);
    ct_agent_free(f->agent);
    f->agent = NULL;
    f->running = 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    stop_agent(f);
    rmdir(f->dir);
    pcf_remove(f->agent_sys);
    pcf_remove(f->user_sys);
    prf_remove(f->proc);
    free(f->settings[0]);
    free(f);
    return 0;
}

static ct_tracker *open_tracker(struct fx *f)
{
    ct_options o = options(f, f->user_sys);
    o.settings = (const char *const *)f->settings;
    o.epochs = 3;
    ct_tracker *t = NULL;
    char err[512] = "";
    assert_int_equal(ct_tracker_open(&t, &o, err, sizeof(err)), CT_OK);
    return t;
}

static void test_tracker_measures_through_the_agent(void **state)
{
    struct fx *f = *state;
    struct stat st;
    assert_int_equal(stat(f->sock, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* Energy before the tracker opened is the agent's, not the run's. */
    assert_int_equal(pcf_advance(f->agent_sys, "intel-rapl:0", 5000000), 0);
    ct_tracker *t = open_tracker(f);
    assert_int_equal(ct_epoch_start(t), CT_OK);
    assert_int_equal(pcf_advance(f->agent_sys, "intel-rapl:0", 12345678), 0);
    assert_int_equal(pcf_advance(f->agent_sys, "intel-rapl:0:2", 1000001), 0);
    usleep(20000); /* past the agent's 10 ms read coalescing */
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);

    ct_device_energy d = CT_DEVICE_ENERGY_INIT;
    assert_int_equal(ct_epoch_device(t, 0, &d), CT_OK);
    assert_string_equal(d.name, "cpu:0");
    assert_string_equal(d.meter, "agent");
    assert_int_equal(d.provenance, CT_PROVENANCE_MEASURED);
    ct_assert_double_equal(d.energy_j, 12.345678);
    assert_int_equal(ct_epoch_device(t, 1, &d), CT_OK);
    assert_string_equal(d.name, "dram:0");
    ct_assert_double_equal(d.energy_j, 1.000001);

    /* The agent goes away: the devices are lost and keep what was measured. */
    assert_int_equal(ct_epoch_start(t), CT_OK);
    assert_int_equal(pcf_advance(f->agent_sys, "intel-rapl:0", 2000000), 0);
    usleep(20000);
    stop_agent(f);
    assert_int_equal(ct_epoch_end(t, NULL), CT_OK);
    assert_int_equal(ct_epoch_device(t, 0, &d), CT_OK);
    assert_int_equal(d.lost, 1);
    ct_assert_double_equal(d.energy_j, 0.0);
    ct_tracker_free(t);
    assert_int_equal(access(f->sock, F_OK), -1); /* removed at free */
}

/* The agent meter alone (as the tracker's ledger drives it), on the fixture's agent. */
struct meter_fx {
    ct_options o;
    struct mh h;
    struct ct__reading r[CT_MAX_DEVICES];
};

static void meter_open(struct fx *f, struct meter_fx *m)
{
    m->o = options(f, f->user_sys);
    m->o.settings = (const char *const *)f->settings;
    mh_init(&m->h);
    assert_int_equal(mh_probe(&m->h, &m->o, &ct__meter_agent, CT_MAX_DEVICES), CT_OK);
    assert_int_equal(m->h.n, 2);
}

/* The connected Unix sockets of this process whose peer is the agent: the meter's, found from
 * outside the meter (the agent's own listening socket and clients are on the other side). */
static int sockets(int *fds, int max)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        int fd = atoi(e->d_name);
        struct stat st;
        if (e->d_name[0] == '.' || fd == dirfd(d) || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
            continue;
        fds[n++] = fd;
    }
    closedir(d);
    return n;
}

/* A dropped connection (the agent closed it) is made again at once, and the same agent's counters
 * go on: nothing is missed, nothing is lost. */
static void test_meter_reconnects_to_the_same_agent(void **state)
{
    struct fx *f = *state;
    struct meter_fx m;
    int before[64], after[64];
    int nb = sockets(before, 64);
    meter_open(f, &m);
    int na = sockets(after, 64), mine = -1;
    for (int i = 0; i < na; i++) {
        int seen = 0;
        for (int k = 0; k < nb; k++)
            seen |= after[i] == before[k];
        struct sockaddr_un peer;
        socklen_t len = sizeof(peer);
        /* the meter's end: connected to the agent's path, not the agent's accepted end */
        if (!seen && getpeername(after[i], (struct sockaddr *)&peer, &len) == 0 &&
            len > sizeof(sa_family_t) && strcmp(peer.sun_path, f->sock) == 0)
            mine = after[i];
    }
    assert_true(mine >= 0);

    assert_int_equal(pcf_advance(f->agent_sys, "intel-rapl:0", 3000000), 0);
    usleep(20000); /* past the agent's 10 ms read coalescing */
    uint64_t now = 1000000000ull;
    assert_int_equal(ct__meter_agent.read(m.h.state, now, m.r), CT_OK);
    assert_int_equal(m.r[0].energy_uj, 3000000);
    assert_int_equal(m.r[0].lost, 0);

    assert_int_equal(shutdown(mine, SHUT_RDWR), 0); /* as the agent does to an idle client */
    assert_int_equal(pcf_advance(f->agent_sys, "intel-rapl:0", 1500000), 0);
    usleep(20000);
    assert_int_equal(ct__meter_agent.read(m.h.state, now + 1000000000ull, m.r), CT_OK);
    assert_int_equal(m.r[0].energy_uj, 4500000); /* exact: the same counters */
    assert_int_equal(m.r[0].lost, 0);
    assert_int_equal(m.r[1].lost, 0);
    mh_close(&m.h);
}

/* A restarted agent counts from its own start: the energy while no agent ran is missing and the
 * devices say lost; what the new agent measures is added to what the old one had. Until it is
 * back, the meter tries again at most every 5 s and keeps the devices' energy. */
static void test_meter_reconnects_to_a_restarted_agent(void **state)
{
    struct fx *f = *state;
    struct meter_fx m;
    meter_open(f, &m);
    assert_int_equal(pcf_advance(f->agent_sys, "intel-rapl:0", 2000000), 0);
    usleep(20000);
    uint64_t now = 1000000000ull;
    assert_int_equal(ct__meter_agent.read(m.h.state, now, m.r), CT_OK);
    assert_int_equal(m.r[0].energy_uj, 2000000);

    stop_agent(f);
    assert_int_equal(pcf_advance(f->agent_sys, "intel-rapl:0", 700000), 0); /* no agent: missed */
    assert_int_equal(ct__meter_agent.read(m.h.state, now + 1000000000ull, m.r), CT_EIO);
    assert_int_equal(m.r[0].energy_uj, 2000000);
    assert_int_equal(m.r[0].lost, 1);
    char why[256] = "";
    ct__meter_agent.read_error(m.h.state, why, sizeof(why));
    ct_assert_contains(why, f->sock);

    start_agent(f);
    assert_int_equal(pcf_advance(f->agent_sys, "intel-rapl:0", 400000), 0);
    usleep(20000);
    /* 2 s after the failed try: not yet tried again */
    assert_int_equal(ct__meter_agent.read(m.h.state, now + 3000000000ull, m.r), CT_EIO);
    assert_int_equal(m.r[0].lost, 1);
    /* 6 s after: connected; the new agent's 0.4 J since its start are added, the gap is lost */
    assert_int_equal(ct__meter_agent.read(m.h.state, now + 7000000000ull, m.r), CT_OK);
    assert_int_equal(m.r[0].energy_uj, 2400000);
    assert_int_equal(m.r[0].lost, 1);
    assert_int_equal(pcf_advance(f->agent_sys, "intel-rapl:0", 100000), 0);
    usleep(20000);
    assert_int_equal(ct__meter_agent.read(m.h.state, now + 8000000000ull, m.r), CT_OK);
    assert_int_equal(m.r[0].energy_uj, 2500000);
    assert_int_equal(m.r[0].lost, 0); /* this reading missed nothing */
    assert_int_equal(ct__meter_agent.max_interval_ns(m.h.state), 10000000000ull);
    mh_close(&m.h);
}

static void test_live_socket_is_not_taken_over(void **state)
{
    struct fx *f = *state;
    ct_options o = options(f, f->agent_sys);
    ct_agent *second = NULL;
    char err[512] = "";
    assert_int_equal(ct_agent_open(&second, &o, err, sizeof(err)), CT_OK);
    assert_int_equal(ct_agent_listen(second, f->sock, 0666, -1, err, sizeof(err)), CT_EINVAL);
    ct_assert_contains(err, "another agent is serving");
    assert_int_equal(ct_agent_metrics(second, "no-port-here", err, sizeof(err)), CT_EINVAL);
    ct_assert_contains(err, "HOST:PORT");
    ct_agent_free(second);
}

/* A node power meter (ACPI) is served on /metrics as the whole machine's: a metric of its own,
 * never among the components' counters (it contains them). */
static void test_node_meter_on_metrics(void **state)
{
    struct fx *f = *state;
    stop_agent(f);
    assert_int_equal(
        cpf_hwmon(f->agent_sys, "LNXSYSTM:00/LNXSYBUS:00/ACPI000D:00", 7, "power_meter"), 0);
    assert_int_equal(cpf_hwmon_set_u64(f->agent_sys, 7, "power1_average", 350000000ULL), 0);
    ct_options o = options(f, f->agent_sys);
    o.update_interval_s = 0.1;
    char err[512] = "";
    assert_int_equal(ct_agent_open(&f->agent, &o, err, sizeof(err)), CT_OK);
    assert_int_equal(pthread_create(&f->thread, NULL, serve, f->agent), 0);
    f->running = 1;
    usleep(1300 * 1000); /* readings, and the serving loop's once-a-second view */
    size_t len = 0;
    char *text = ct__agent_metrics_text(f->agent, &len);
    assert_non_null(text);
    ct_assert_contains(text, "# TYPE carbontracker_node_energy_joules_total counter\n"
                             "carbontracker_node_energy_joules_total{device=\"node\","
                             "meter=\"acpi-power-meter\"} ");
    /* The meter integrates its 350 W average; the gauge is the last window's mean (the agent's
     * window and the meter's readings need not line up: within 10 %). */
    const char *gauge =
        "carbontracker_node_power_watts{device=\"node\",meter=\"acpi-power-meter\"} ";
    const char *at = strstr(text, gauge);
    assert_non_null(at);
    ct_assert_double_within(350.0, strtod(at + strlen(gauge), NULL), 35.0);
    ct_assert_not_contains(text, "carbontracker_energy_joules_total{component=\"node\"");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tracker_measures_through_the_agent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meter_reconnects_to_the_same_agent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meter_reconnects_to_a_restarted_agent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_live_socket_is_not_taken_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_meter_on_metrics, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
