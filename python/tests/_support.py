"""Shared test support: the fixture trees the C tests use (a powercap tree built and advanced by
ct-fixture, a proc tree with cpuinfo and stat), the environment that points the library at them,
and subprocess helpers.

Env (set by ctest): CARBONTRACKER_LIBRARY (the library built in the tree), CT_FIXTURE (the
ct-fixture command), CT_TMP (scratch directory), CT_SOURCE_DIR, CT_BIN (the C command),
CT_FAKE_NVML (the fake libnvidia-ml.so.1).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("CT_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
PYTHON_DIR = os.path.join(SOURCE_DIR, "python")
FIXTURE = os.environ.get("CT_FIXTURE")
TMP = os.environ.get("CT_TMP") or tempfile.gettempdir()

#: The brand the C tests' proc fixture uses (TDP 125 W in the table).
BRAND = "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz"

#: Environment variables that would point the library elsewhere; cleared for every test.
_CLEARED = ("CARBONTRACKER_ZONE", "CARBONTRACKER_SYSFS_ROOT", "CARBONTRACKER_PROC_ROOT",
            "CARBONTRACKER_PUE", "CARBONTRACKER_NVML_LIBRARY", "CARBONTRACKER_MSR_DIR",
            "CARBONTRACKER_ATTRIBUTION", "CARBONTRACKER_IPMITOOL", "CARBONTRACKER_IPMI_DEVICE",
            "CUDA_VISIBLE_DEVICES", "ELECTRICITYMAPS_API_KEY", "CARBONTRACKER_LOCALTIME",
            "CARBONTRACKER_ZONEINFO",
            "CARBONTRACKER_ELECTRICITYMAPS_URL", "CARBONTRACKER_UKGRID_URL",
            "CARBONTRACKER_ENERGIDATASERVICE_URL", "CARBONTRACKER_GEOLOCATION_URL",
            "CARBONTRACKER_ENERGYCHARTS_URL", "CARBONTRACKER_EIRGRID_URL", "CARBONTRACKER_ODRE_URL",
            "CARBONTRACKER_STALE_WARN_S", "CARBONTRACKER_MAX_AGE_S",
            "FAKE_NVML_SCENARIO", "FAKE_NVML_LOG")


def need_fixture(test):
    """Skip unless ct-fixture is available (ctest always sets CT_FIXTURE)."""
    return unittest.skipUnless(FIXTURE and os.path.exists(FIXTURE),
                               "CT_FIXTURE (ct-fixture) not set")(test)


def write_proc(root, brand=BRAND, n_cpus=4, user=1000, system=500, idle=8500):
    """cpuinfo and stat as tests/helpers/proc_fixture.c writes them."""
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "cpuinfo"), "w") as f:
        for i in range(n_cpus):
            f.write(f"processor\t: {i}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
                    f"model\t\t: 85\nmodel name\t: {brand}\nstepping\t: 4\n"
                    f"cpu MHz\t\t: 2100.000\ncache size\t: 22528 KB\nphysical id\t: 0\n"
                    f"siblings\t: {n_cpus}\ncore id\t\t: {i}\ncpu cores\t: {n_cpus}\n"
                    f"flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep\n"
                    f"bogomips\t: 4200.00\n\n")
    line = f"{user} 0 {system} {idle} 0 0 0 0 0 0\n"
    with open(os.path.join(root, "stat"), "w") as f:
        f.write("cpu  " + line + "cpu0 " + line +
                "intr 12345 0 9 0 0 0 0 0 0 1\nctxt 67890\nbtime 1700000000\n"
                "processes 4242\nprocs_running 1\nprocs_blocked 0\n"
                "softirq 1000 1 2 3 4 5 6 7 8 9 10\n")


class Fixture:
    """A scratch directory with sys/ (powercap scenario), proc/ and logs/; env() is the
    environment that makes the library measure them, in the zone DK, without GPUs."""

    def __init__(self, scenario="server2"):
        os.makedirs(TMP, exist_ok=True)
        self.root = tempfile.mkdtemp(prefix="py.", dir=TMP)
        self.sys = os.path.join(self.root, "sys")
        self.proc = os.path.join(self.root, "proc")
        self.logs = os.path.join(self.root, "logs")
        os.makedirs(self.sys)
        if scenario != "none":
            subprocess.run([FIXTURE, "powercap", self.sys, scenario], check=True)
        write_proc(self.proc)

    def advance(self, zone, uj):
        subprocess.run([FIXTURE, "advance", self.sys, zone, str(uj)], check=True)

    def energy_path(self, zone):
        return os.path.join(self.sys, "class", "powercap", zone, "energy_uj")

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
        env.update(CARBONTRACKER_SYSFS_ROOT=self.sys, CARBONTRACKER_PROC_ROOT=self.proc,
                   CARBONTRACKER_ZONE="DK",
                   CARBONTRACKER_NVML_LIBRARY=os.path.join(self.root, "no-libnvidia-ml.so.1"))
        env.update(extra)
        return env

    def log(self, suffix):
        """Text of the one log file ending in suffix ("_carbontracker_output.log"), or None."""
        if not os.path.isdir(self.logs):
            return None
        names = [n for n in os.listdir(self.logs) if n.endswith(suffix)]
        if not names:
            return None
        assert len(names) == 1, names
        with open(os.path.join(self.logs, names[0])) as f:
            return f.read()

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


class FixtureTestCase(unittest.TestCase):
    """Each test gets a Fixture and os.environ pointing at it (restored afterwards)."""

    scenario = "server2"

    def setUp(self):
        if not (FIXTURE and os.path.exists(FIXTURE)):
            self.skipTest("CT_FIXTURE (ct-fixture) not set")
        self.fx = Fixture(self.scenario)
        self._saved = dict(os.environ)
        env = self.fx.env()
        os.environ.clear()
        os.environ.update(env)

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self._saved)
        self.fx.remove()


def run_python(code, env, timeout=60, stdin=None, cwd=None):
    """Run `python3 -c code` with the package importable; returns CompletedProcess (text)."""
    env = dict(env)
    env["PYTHONPATH"] = PYTHON_DIR + (os.pathsep + env["PYTHONPATH"]
                                      if env.get("PYTHONPATH") else "")
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=timeout, input=stdin, cwd=cwd)
