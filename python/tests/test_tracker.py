"""CarbonTracker against the library built in the tree and the C tests' fixtures: exact energies
from fixture RAPL counters (and the same numbers as the C API), upstream's texts and argument
validation, results after stop, the context manager, ignore_errors, stop_and_confirm, and a
tracker abandoned without stop()."""

import contextlib
import ctypes
import io
import os
import re
import sys
import tempfile
import time
import unittest

import _support
from carbontracker import _lib, exceptions
from carbontracker.tracker import CarbonTracker

DK_INTENSITY = 151.6503  # table:owid:DK:2023, as the C tests


class _DeviceV0(ctypes.Structure):
    """ct_device_energy as 0.1 laid it out (no version field), the element of its arrays."""
    _fields_ = [("component", ctypes.c_char * 8), ("name", ctypes.c_char * 96),
                ("meter", ctypes.c_char * 24), ("provenance", ctypes.c_int),
                ("lost", ctypes.c_int), ("energy_j", ctypes.c_double),
                ("uuid", ctypes.c_char * 96), ("index", ctypes.c_int)]


class _EpochResultV1(ctypes.Structure):
    """ct_epoch_result version 1 (carbontracker 0.1)."""
    _fields_ = [("version", ctypes.c_uint), ("epoch", ctypes.c_int)] + [
        (n, ctypes.c_double) for n in ("duration_s", "energy_j", "cpu_energy_j", "gpu_energy_j",
                                       "cpu_power_w", "gpu_power_w", "energy_kwh_pue",
                                       "intensity_g_per_kwh", "co2eq_g")] + [
        ("n_devices", ctypes.c_int), ("devices", _DeviceV0 * 64)]


def quiet(**kw):
    """A tracker whose console text is captured: (tracker, StringIO)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        t = CarbonTracker(**kw)
    return t, buf


def dev(result, name):
    return next(d for d in result["devices"] if d["name"] == name)


class TestEnergy(_support.FixtureTestCase):
    def test_exact_energy_per_device(self):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            t = CarbonTracker(epochs=3, log_dir=self.fx.logs, update_interval=10)
            t.epoch_start()
            self.fx.advance("intel-rapl:0", 50000000)  # 50 J
            self.fx.advance("intel-rapl:0:0", 5000000)  # 5 J
            self.fx.advance("intel-rapl:1", 40000000)  # 40 J
            self.fx.advance("intel-rapl:1:0", 4000001)  # 4.000001 J
            r = t.epoch_end()
        self.assertIn("CarbonTracker: The following components were found: CPU with device(s) "
                      "cpu:0, dram:0, cpu:1, dram:1.\n", buf.getvalue())
        self.assertEqual(r["epoch"], 1)
        self.assertEqual(len(r["devices"]), 4)
        self.assertEqual(dev(r, "cpu:0")["energy_j"], 50.0)
        self.assertEqual(dev(r, "dram:0")["energy_j"], 5.0)
        self.assertEqual(dev(r, "cpu:1")["energy_j"], 40.0)
        self.assertEqual(dev(r, "dram:1")["energy_j"], 4.000001)
        self.assertAlmostEqual(r["cpu_energy_j"], 99.000001, delta=1e-9)
        self.assertEqual(r["gpu_energy_j"], 0.0)
        self.assertEqual(dev(r, "cpu:0")["meter"], "rapl-powercap")
        self.assertEqual(dev(r, "cpu:0")["provenance"], "measured")
        self.assertAlmostEqual(r["energy_kwh"], 99.000001 / 3.6e6 * 1.58, delta=1e-15)
        self.assertAlmostEqual(r["intensity_g_per_kwh"], DK_INTENSITY, delta=1e-9)
        self.assertAlmostEqual(r["co2eq_g"], r["energy_kwh"] * DK_INTENSITY, delta=1e-12)

        # Energy between epochs is not counted.
        self.fx.advance("intel-rapl:0", 1000000000)
        with contextlib.redirect_stdout(buf):
            t.epoch_start()
            self.fx.advance("intel-rapl:1", 7000000)
            r = t.epoch_end()
            t.stop()
        self.assertEqual(r["epoch"], 2)
        self.assertEqual(r["cpu_energy_j"], 7.0)
        self.assertEqual(t.summary["energy_j"], 99.000001 + 7.0)
        self.assertEqual([e["epoch"] for e in t.epoch_results], [1, 2])

    def test_version_1_epoch_result_of_an_old_program(self):
        # A program built against 0.1 passes the version-1 layout with its 64-device array: the
        # library fills the array (ctypes lays the struct out on its own, independently of the C
        # compiler) and writes nothing past its end.
        lib = _lib.load()
        h = self.open_c_api(lib, 2)
        try:
            self.assertEqual(lib.ct_epoch_start(h), 0)
            self.fx.advance("intel-rapl:0", 2000000)
            self.fx.advance("intel-rapl:1:0", 500001)
            size = ctypes.sizeof(_EpochResultV1)
            self.assertEqual(size, 88 + 64 * 248)
            buf = ctypes.create_string_buffer(b"\xab" * (size + 64), size + 64)
            r = _EpochResultV1.from_buffer(buf)
            r.version = 1
            self.assertEqual(lib.ct_epoch_end(h, ctypes.cast(ctypes.byref(r),
                                                             ctypes.POINTER(_lib.EpochResult))), 0)
            self.assertEqual(set(buf.raw[size:]), {0xAB})
            self.assertEqual((r.version, r.epoch, r.n_devices), (1, 1, 4))
            self.assertEqual(r.energy_j, 2.500001)
            for i in range(4):
                d = lib.new_versioned(_lib.DeviceEnergy)
                self.assertEqual(lib.ct_epoch_device(h, i, ctypes.byref(d)), 0)
                self.assertEqual(r.devices[i].name, d.name)
                self.assertEqual(r.devices[i].meter, d.meter)
                self.assertEqual(r.devices[i].energy_j, d.energy_j)
            self.assertEqual([r.devices[i].energy_j for i in range(4)], [2.0, 0.0, 0.0, 0.500001])
            self.assertEqual(r.devices[4].name, b"")
        finally:
            lib.ct_tracker_free(h)

    def open_c_api(self, lib, epochs):
        """A tracker on the fixture opened through the C API directly (ctypes, no tracker.py)."""
        o = lib.new(_lib.Options)
        lib.ct_options_init(ctypes.byref(o))
        o.epochs = epochs
        o.update_interval_s = 10
        o.sysfs_root = self.fx.sys.encode()
        o.proc_root = self.fx.proc.encode()
        o.zone = b"DK"
        o.nvml_library = b"/nonexistent/libnvidia-ml.so.1"
        h = ctypes.c_void_p()
        err = ctypes.create_string_buffer(512)
        self.assertEqual(lib.ct_tracker_open(ctypes.byref(h), ctypes.byref(o), err, 512), 0,
                         err.value)
        return h

    def run_c_api(self, steps):
        """The same sequence through the C API directly (ctypes, no tracker.py)."""
        lib = _lib.load()
        h = self.open_c_api(lib, len(steps))
        results = []
        try:
            for step in steps:
                self.assertEqual(lib.ct_epoch_start(h), 0)
                for zone, uj in step:
                    self.fx.advance(zone, uj)
                r = lib.new(_lib.EpochResult)
                r.version = _lib.CT_EPOCH_RESULT_VERSION
                self.assertEqual(lib.ct_epoch_end(h, ctypes.byref(r)), 0)
                devices = []
                for i in range(r.n_devices):
                    d = lib.new(_lib.DeviceEnergy)
                    d.version = _lib.CT_DEVICE_ENERGY_VERSION
                    self.assertEqual(lib.ct_epoch_device(h, i, ctypes.byref(d)), 0)
                    devices.append(d)
                self.assertEqual(lib.ct_epoch_device(h, r.n_devices, ctypes.byref(d)), -2)
                results.append((r, devices))
            s = lib.new(_lib.Summary)
            s.version = _lib.CT_SUMMARY_VERSION
            lib.ct_stop(h)
            self.assertEqual(lib.ct_get_summary(h, ctypes.byref(s)), 0)
        finally:
            lib.ct_tracker_free(h)
        return results, s

    def test_same_numbers_as_the_c_api(self):
        steps = [[("intel-rapl:0", 12345678), ("intel-rapl:1:0", 3000003)],
                 [("intel-rapl:1", 987654321)],
                 [("intel-rapl:0:0", 1), ("intel-rapl:0", 2)]]
        c_results, c_summary = self.run_c_api(steps)
        t, _ = quiet(epochs=len(steps), update_interval=10)
        py = []
        with contextlib.redirect_stdout(io.StringIO()):
            for step in steps:
                t.epoch_start()
                for zone, uj in step:
                    self.fx.advance(zone, uj)
                py.append(t.epoch_end())
            t.stop()
        for (c, c_devices), p in zip(c_results, py):
            for key, cfield in (("epoch", "epoch"), ("energy_j", "energy_j"),
                                ("cpu_energy_j", "cpu_energy_j"), ("gpu_energy_j", "gpu_energy_j"),
                                ("energy_kwh", "energy_kwh_pue"),
                                ("intensity_g_per_kwh", "intensity_g_per_kwh"),
                                ("co2eq_g", "co2eq_g")):
                self.assertEqual(p[key], getattr(c, cfield), key)
            self.assertEqual(len(p["devices"]), c.n_devices)
            for i, d in enumerate(p["devices"]):
                self.assertEqual(d["name"], c_devices[i].name.decode())
                self.assertEqual(d["energy_j"], c_devices[i].energy_j)
        s = t.summary
        self.assertEqual(s["energy_j"], c_summary.energy_j)
        self.assertEqual(s["energy_kwh"], c_summary.energy_kwh)
        self.assertEqual(s["co2eq_g"], c_summary.co2eq_g)
        self.assertEqual(s["epochs"], c_summary.epochs)
        self.assertEqual(s["energy_j"], (12345678 + 3000003 + 987654321 + 1 + 2) / 1e6)

    def test_prediction_and_stop_count(self):
        # As test_prediction_and_stop_count in tests/unit/test_tracker.c.
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            t = CarbonTracker(epochs=5, epochs_before_pred=2, decimal_precision=6,
                              log_dir=self.fx.logs, update_interval=10)
            for e in range(3):
                t.epoch_start()
                self.fx.advance("intel-rapl:0", 3600000000)  # 1 Wh
                t.epoch_end()
                if e == 0:
                    self.assertNotIn("Predicted", buf.getvalue())
            self.assertIn("CarbonTracker: \nPredicted consumption for 5 epoch(s):\n\tTime:\t",
                          buf.getvalue())
            self.assertIn("\tEnergy:\t0.007900 kWh\n", buf.getvalue())
            t.epoch_start()  # a 4th epoch, interrupted
            self.fx.advance("intel-rapl:0", 3600000000)
            t.stop()
        out = buf.getvalue()
        self.assertIn("CarbonTracker: \nActual consumption for 3 epoch(s):\n", out)
        self.assertIn("\tEnergy:\t0.004740 kWh\n\tCO2eq:\t0.718822 g\n", out)
        self.assertTrue(out.endswith("CarbonTracker: Finished monitoring.\n"), out)
        s = t.summary
        self.assertEqual(s["epochs"], 3)
        self.assertIs(s["early_stop"], True)
        self.assertEqual(s["energy_j"], 3 * 3600.0)
        self.assertAlmostEqual(s["prediction"]["energy_kwh"], 0.0079, delta=1e-12)
        self.assertIn(" - Training was interrupted before all 5 epochs were monitored.\n",
                      self.fx.log("_carbontracker.log"))
        self.assertIn(" - CarbonTracker: Finished monitoring.\n",
                      self.fx.log("_carbontracker_output.log"))


class TestLifecycle(_support.FixtureTestCase):
    def test_results_after_stop_and_no_ops(self):
        t, buf = quiet(epochs=2, log_dir=self.fx.logs, update_interval=10)
        with contextlib.redirect_stdout(buf):
            t.epoch_start()
            self.fx.advance("intel-rapl:0", 2000000)
            t.epoch_end()
            t.stop()
            n = len(buf.getvalue())
            # After stop: every call is a no-op, results stay readable.
            t.epoch_start()
            self.assertIsNone(t.epoch_end())
            t.stop()
        self.assertEqual(len(buf.getvalue()), n)
        self.assertTrue(t.deleted)
        s = t.summary
        self.assertEqual(s["format"], "carbontracker-summary")
        self.assertEqual((s["epochs"], s["energy_j"], s["zone"]), (1, 2.0, "DK"))
        self.assertEqual(s["epochs_detail"][0]["energy_j"], 2.0)
        self.assertEqual(s["devices"][0]["name"], "cpu:0")
        self.assertEqual(t.epoch_results[0]["energy_j"], 2.0)
        self.assertEqual(t.epoch_counter, 1)

    def test_summary_while_running(self):
        t, _ = quiet(epochs=4, update_interval=10)
        with contextlib.redirect_stdout(io.StringIO()):
            t.epoch_start()
            self.fx.advance("intel-rapl:1", 1500000)
            t.epoch_end()
            s = t.summary
            self.assertEqual((s["epochs"], s["energy_j"], s["early_stop"]), (1, 1.5, False))
            self.assertFalse(t.deleted)
            t.stop()

    def test_monitor_epochs_ends_monitoring(self):
        t, buf = quiet(epochs=5, monitor_epochs=2, update_interval=10, log_dir=self.fx.logs)
        with contextlib.redirect_stdout(buf):
            for _ in range(5):
                t.epoch_start()
                self.fx.advance("intel-rapl:0", 1000000)
                t.epoch_end()
            t.stop()
        out = buf.getvalue()
        self.assertEqual(out.count("Actual consumption for 2 epoch(s):"), 1)
        self.assertTrue(t.deleted)
        self.assertEqual(len(t.epoch_results), 2)
        self.assertEqual(t.summary["energy_j"], 2.0)
        self.assertIs(t.summary["early_stop"], False)

    def test_context_manager_and_epoch_block(self):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            with CarbonTracker(epochs=3, update_interval=10, log_dir=self.fx.logs) as t:
                for _ in range(2):
                    with t.epoch():
                        self.fx.advance("intel-rapl:0", 4000000)
        self.assertTrue(t.deleted)
        self.assertIn("Actual consumption for 2 epoch(s):", buf.getvalue())
        self.assertEqual(t.summary["energy_j"], 8.0)
        self.assertIn("Finished monitoring.", self.fx.log("_carbontracker_output.log"))

    def test_context_manager_stops_on_exception(self):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), self.assertRaises(KeyError):
            with CarbonTracker(epochs=3, update_interval=10) as t:
                with t.epoch():
                    self.fx.advance("intel-rapl:0", 4000000)
                with t.epoch():
                    raise KeyError("boom")
        self.assertTrue(t.deleted)
        self.assertEqual(t.summary["epochs"], 1)  # the interrupted epoch is not counted
        self.assertIn("Actual consumption for 1 epoch(s):", buf.getvalue())

    def test_no_log_dir_writes_no_files(self):
        before = set(os.listdir(self.fx.root))
        cwd = os.getcwd()
        os.chdir(self.fx.root)
        try:
            t, _ = quiet(epochs=1, update_interval=10)
            with contextlib.redirect_stdout(io.StringIO()):
                t.epoch_start()
                t.epoch_end()
        finally:
            os.chdir(cwd)
        self.assertEqual(set(os.listdir(self.fx.root)), before)

    def test_verbose_zero_is_silent(self):
        t, buf = quiet(epochs=1, verbose=0, update_interval=10)
        with contextlib.redirect_stdout(buf):
            t.epoch_start()
            t.epoch_end()
        self.assertEqual(buf.getvalue(), "")
        self.assertTrue(t.deleted)

    def test_log_file_prefix(self):
        t, _ = quiet(epochs=1, update_interval=10, log_dir=self.fx.logs, log_file_prefix="run7")
        with contextlib.redirect_stdout(io.StringIO()):
            t.stop()
        names = os.listdir(self.fx.logs)
        self.assertTrue(names and all(n.startswith("run7_") for n in names), names)

    def test_simulated_devices(self):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            t = CarbonTracker(epochs=1, sim_cpu="My CPU", sim_cpu_tdp=100,
                              sim_gpu="My GPU", sim_gpu_watts=300, sim_gpu_util=0.25)
            t.epoch_start()
            time.sleep(0.02)
            r = t.epoch_end()
        out = buf.getvalue()
        self.assertIn("Using simulated CPU: My CPU with TDP: 50.00W (at 50% utilization)\n", out)
        self.assertIn("Using simulated GPU: My GPU with power consumption: 75.00W (at 25% "
                      "utilization)\n", out)
        self.assertIn("The following components were found: GPU with device(s) My GPU. CPU with "
                      "device(s) My CPU.", out)
        self.assertAlmostEqual(r["gpu_power_w"], 75.0, delta=0.5)
        self.assertAlmostEqual(r["cpu_power_w"], 50.0, delta=0.5)
        self.assertEqual(dev(r, "My GPU")["provenance"], "simulated")

    def test_extensions(self):
        t, buf = quiet(epochs=1, update_interval=10, pue=1.2, zone="FR",
                       options={"include_psys": False, "carbon_refresh_s": None})
        with contextlib.redirect_stdout(buf):
            t.epoch_start()
            self.fx.advance("intel-rapl:0", 3600000000)
            r = t.epoch_end()
        self.assertEqual(r["energy_kwh"], 3600 / 3.6e6 * 1.2)
        self.assertEqual((t.summary["zone"], t.summary["pue"]), ("FR", 1.2))
        with self.assertRaises(ValueError) as cm:
            CarbonTracker(epochs=1, options={"no_such_field": 1})
        self.assertEqual(str(cm.exception), "options: unknown ct_options field 'no_such_field'")
        os.environ["CARBONTRACKER_PUE"] = "high"
        with self.assertRaises(ValueError) as cm:
            CarbonTracker(epochs=1)
        self.assertEqual(str(cm.exception), "CARBONTRACKER_PUE is not a number: 'high'")
        os.environ["CARBONTRACKER_PUE"] = "1.1"
        t, buf = quiet(epochs=1, update_interval=10)
        with contextlib.redirect_stdout(buf):
            t.stop()
        self.assertEqual(t.summary["pue"], 1.1)

    def test_print_order_is_kept(self):
        code = ("from carbontracker.tracker import CarbonTracker\n"
                "print('before')\n"
                "t = CarbonTracker(epochs=1, epochs_before_pred=0, update_interval=10)\n"
                "print('between')\n"
                "t.epoch_start(); print('training'); t.epoch_end()\n"
                "print('after')\n")
        r = _support.run_python(code, self.fx.env())  # stdout is a pipe: block-buffered
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        order = [lines.index(x) for x in ("before", "between", "training", "after")]
        self.assertEqual(order, sorted(order))
        self.assertLess(lines.index("before"),
                        next(i for i, x in enumerate(lines) if "components were found" in x))
        self.assertLess(lines.index("training"), lines.index("Actual consumption:"))
        self.assertLess(lines.index("CarbonTracker: Finished monitoring."), lines.index("after"))

    def test_console_equals_the_c_library(self):
        """The text printed through the package equals what the C library prints itself through
        ct_message_stdout (C's stdout, captured at file descriptor 1) for the same run."""
        steps = [("intel-rapl:0", 7200000000), ("intel-rapl:1:0", 1234567)]

        def c_run():
            lib = _lib.load()
            o = lib.new(_lib.Options)
            lib.ct_options_init(ctypes.byref(o))
            o.epochs, o.epochs_before_pred, o.update_interval_s = 3, 2, 10
            o.decimal_precision = 8
            o.message = ctypes.cast(lib.ct_message_stdout, _lib.MESSAGE_FN)
            lib.ct_options_from_env(ctypes.byref(o))
            h = ctypes.c_void_p()
            self.assertEqual(lib.ct_tracker_open(ctypes.byref(h), ctypes.byref(o), None, 0), 0)
            for _ in range(3):
                lib.ct_epoch_start(h)
                for zone, uj in steps:
                    self.fx.advance(zone, uj)
                lib.ct_epoch_end(h, None)
            lib.ct_tracker_free(h)

        sys.stdout.flush()
        with tempfile.TemporaryFile() as tmp:
            saved = os.dup(1)
            os.dup2(tmp.fileno(), 1)
            try:
                c_run()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            tmp.seek(0)
            c_text = tmp.read().decode()

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            t = CarbonTracker(epochs=3, epochs_before_pred=2, update_interval=10,
                              decimal_precision=8)
            for _ in range(3):
                t.epoch_start()
                for zone, uj in steps:
                    self.fx.advance(zone, uj)
                t.epoch_end()
        self.assertIn("Predicted consumption for 3 epoch(s):", c_text)
        self.assertIn("Actual consumption for 3 epoch(s):", c_text)
        self.assertIn(f"\tEnergy:\t{3 * 7201.234567 / 3.6e6 * 1.58:.8f} kWh\n", c_text)
        # Identical but for the wall-clock durations ("Time:" lines), which the runs cannot share.
        def timeless(text):
            return re.sub(r"\tTime:\t\d+:\d\d:\d\d\n", "\tTime:\tT\n", text)

        self.assertEqual(c_text.count("\tTime:\t"), 2)
        self.assertEqual(timeless(buf.getvalue()), timeless(c_text))


class TestValidation(_support.FixtureTestCase):
    def check(self, text, exc=ValueError, **kw):
        kw.setdefault("epochs", 5)
        with contextlib.redirect_stdout(io.StringIO()) as buf, self.assertRaises(exc) as cm:
            CarbonTracker(**kw)
        self.assertEqual(str(cm.exception), text)
        self.assertIsInstance(cm.exception, exceptions.CarbonTrackerError)
        self.assertEqual(buf.getvalue(), "")
        return cm.exception

    def test_upstream_value_errors(self):
        self.check("monitor_epochs cannot be less than epochs_before_pred", monitor_epochs=0)
        self.check("monitor_epochs cannot be zero", monitor_epochs=0, epochs_before_pred=0)
        self.check("monitor_epochs cannot be less than epochs_before_pred", monitor_epochs=1,
                   epochs_before_pred=3)
        self.check("When using simulated CPU (sim_cpu), you must also specify the CPU TDP "
                   "(sim_cpu_tdp)", sim_cpu="X")
        self.check("When using simulated GPU (sim_gpu), you must also specify the GPU power "
                   "consumption (sim_gpu_watts)", sim_gpu="G")
        self.check("CPU utilization must be between 0.0 and 1.0.", sim_cpu="X", sim_cpu_tdp=10,
                   sim_cpu_util=1.5)
        self.check("GPU utilization must be between 0.0 and 1.0.", sim_gpu="G",
                   sim_gpu_watts=10, sim_gpu_util=1.5)
        self.check("CPU TDP must be a non-negative number.", sim_cpu="X", sim_cpu_tdp=-1)
        self.check("CPU name must be a non-empty string.", sim_cpu="", sim_cpu_tdp=10)
        self.check("GPU watts must be a non-negative number.", sim_gpu="G", sim_gpu_watts="lots")

    def test_numbers_in_range(self):
        self.check("update_interval must be between 0.001 and 86400 seconds (1 ms to 1 day), "
                   "got 1e+308", update_interval=1e308, sim_cpu="X", sim_cpu_tdp=10)

    def test_log_file_prefix_stays_in_the_log_dir(self):
        with tempfile.TemporaryDirectory() as d:
            logs = os.path.join(d, "a", "b")
            self.check("log_file_prefix must be part of a file name: no '/' and no control "
                       "characters", log_dir=logs, log_file_prefix="../../escaped",
                       sim_cpu="X", sim_cpu_tdp=10)
            self.assertEqual([f for f in os.listdir(d) if f.startswith("escaped")], [])

    def test_validation_ignores_ignore_errors(self):
        self.check("monitor_epochs cannot be zero", monitor_epochs=0, epochs_before_pred=0,
                   ignore_errors=True)

    def test_unknown_component(self):
        e = self.check("No component found with name 'tpu'.", exc=exceptions.ComponentNameError,
                       components="tpu")
        self.assertIsInstance(e, ValueError)
        self.assertEqual(e.status, -2)

    def test_sim_values_without_name_are_ignored(self):
        t, buf = quiet(epochs=1, sim_cpu_tdp=10, sim_gpu_watts=5, sim_cpu_util=3)
        with contextlib.redirect_stdout(buf):
            t.stop()
        self.assertNotIn("simulated", buf.getvalue())
        self.assertIn("CPU with device(s) cpu:0", buf.getvalue())

    def test_api_keys(self):
        e = self.check("Invalid API name 'wattime' given.", exc=exceptions.FetcherNameError,
                       api_keys={"wattime": "x"})
        self.assertIsInstance(e, ValueError)
        t, buf = quiet(epochs=1, api_keys={"ElectricityMaps": "KEY"}, live=False)
        with contextlib.redirect_stdout(buf):
            with self.assertRaises(exceptions.FetcherNameError):
                t.set_api_keys({"nope": "x"})
            t.stop()
        self.assertNotIn("KEY", buf.getvalue())

    def test_set_api_keys_takes_effect_on_a_running_tracker(self):
        """As upstream, set_api_keys() on a running tracker is used at its next fetch: here an
        offline tracker turns live, fetches from a dead local port and says it fell back."""
        os.environ["CARBONTRACKER_ELECTRICITYMAPS_URL"] = "http://127.0.0.1:9/v3"
        os.environ["CARBONTRACKER_ENERGYCHARTS_URL"] = "http://127.0.0.1:9"  # DE's keyless source
        try:
            t, buf = quiet(epochs=1000, zone="DE", live=False, verbose=1)
            with contextlib.redirect_stdout(buf):
                t.set_api_keys({"electricitymaps": "SECRET-KEY-42"})
                for _ in range(100):  # the fetch runs on the carbon thread
                    t.epoch_start()
                    t.epoch_end()
                    if "Failed to retrieve carbon intensity" in buf.getvalue():
                        break
                    time.sleep(0.05)
                t.stop()
        finally:
            del os.environ["CARBONTRACKER_ELECTRICITYMAPS_URL"]
            del os.environ["CARBONTRACKER_ENERGYCHARTS_URL"]
        self.assertIn("Failed to retrieve carbon intensity", buf.getvalue())
        self.assertNotIn("SECRET-KEY-42", buf.getvalue())


class TestErrors(_support.FixtureTestCase):
    def test_no_components(self):
        with contextlib.redirect_stdout(io.StringIO()):
            with self.assertRaises(exceptions.NoComponentsAvailableError) as cm:
                CarbonTracker(epochs=2, components="gpu")
        self.assertEqual(str(cm.exception), "No components were available. CarbonTracker "
                         "supports Intel CPUs with the RAPL interface and NVIDIA GPUs.")

    def test_no_components_ignored(self):
        t, buf = quiet(epochs=2, components="gpu", ignore_errors=True)
        self.assertEqual(
            buf.getvalue(),
            "CarbonTracker: Ignored error: carbontracker.exceptions.NoComponentsAvailableError: "
            "No components were available. CarbonTracker supports Intel CPUs with the RAPL "
            "interface and NVIDIA GPUs.\nContinued training without monitoring...\n")
        self.assertTrue(t.deleted)
        t.epoch_start()
        self.assertIsNone(t.epoch_end())
        t.stop()
        self.assertIsNone(t.summary)

    def test_log_dir_cannot_be_created(self):
        blocker = os.path.join(self.fx.root, "file")
        open(blocker, "w").close()
        with contextlib.redirect_stdout(io.StringIO()):
            with self.assertRaises(exceptions.IOFailureError):
                CarbonTracker(epochs=1, log_dir=os.path.join(blocker, "logs"))

    def test_state_error_raises(self):
        t, buf = quiet(epochs=3, update_interval=10)
        with contextlib.redirect_stdout(buf):
            with self.assertRaises(exceptions.StateError) as cm:
                t.epoch_end()
            self.assertEqual(str(cm.exception), "epoch_end called without epoch_start")
            t.epoch_start()  # the tracker goes on
            self.fx.advance("intel-rapl:0", 1000000)
            self.assertEqual(t.epoch_end()["energy_j"], 1.0)
            t.stop()

    def test_state_error_ignored_stops_monitoring(self):
        t, buf = quiet(epochs=3, update_interval=10, ignore_errors=True, log_dir=self.fx.logs)
        with contextlib.redirect_stdout(buf):
            t.epoch_start()
            self.fx.advance("intel-rapl:0", 1000000)
            t.epoch_end()
            n = len(buf.getvalue())
            self.assertIsNone(t.epoch_end())  # no epoch_start: an error, ignored
            t.epoch_start()
            self.assertIsNone(t.epoch_end())
            t.stop()
        self.assertEqual(buf.getvalue()[n:],
                         "CarbonTracker: Ignored error: carbontracker.exceptions.StateError: "
                         "epoch_end called without epoch_start\nContinued training without "
                         "monitoring...\n")
        self.assertTrue(t.deleted)
        self.assertEqual(t.summary["epochs"], 1)
        # Monitoring ended quietly on the console, but the logs have the totals.
        self.assertIn("Actual consumption for 1 epoch(s):",
                      self.fx.log("_carbontracker_output.log"))

    def break_counter(self, zone):
        with open(self.fx.energy_path(zone), "w") as f:
            f.write("gone\n")

    def test_device_lost_raises_at_next_call(self):
        t, buf = quiet(epochs=4, update_interval=10)
        with contextlib.redirect_stdout(buf):
            t.epoch_start()
            self.fx.advance("intel-rapl:1", 3000000)
            self.break_counter("intel-rapl:1")
            r = t.epoch_end()  # the epoch itself is measured and returned
            self.assertIs(dev(r, "cpu:1")["lost"], True)
            self.assertEqual(dev(r, "cpu:1")["energy_j"], 0.0)
            self.assertIn("CarbonTracker: WARNING - ", buf.getvalue())
            with self.assertRaises(exceptions.DeviceLostError) as cm:
                t.epoch_start()
            self.assertIn("cpu device cpu:1 stopped answering", str(cm.exception))
            t.epoch_start()  # raised once; the tracker goes on with the others
            self.fx.advance("intel-rapl:0", 2000000)
            self.assertEqual(t.epoch_end()["energy_j"], 2.0)
            t.stop()

    def test_device_lost_ignored(self):
        t, buf = quiet(epochs=4, update_interval=10, ignore_errors=True)
        with contextlib.redirect_stdout(buf):
            t.epoch_start()
            self.break_counter("intel-rapl:1")
            t.epoch_end()
            t.epoch_start()
            self.fx.advance("intel-rapl:0", 2000000)
            self.assertEqual(t.epoch_end()["energy_j"], 2.0)
            t.stop()
        self.assertNotIn("Ignored error", buf.getvalue())


    def test_device_figures_are_read_every_epoch(self):
        # What describes a device is read once per tracker, its figures at every call: each
        # epoch's energies and lost flags are its own, every dict is a new one, in the same
        # key order.
        t, buf = quiet(epochs=4, update_interval=10, ignore_errors=True)
        keys = ["component", "name", "meter", "provenance", "lost", "energy_j"]
        steps = [{"intel-rapl:0": 1000000, "intel-rapl:1:0": 250000},
                 {"intel-rapl:0": 3000000, "intel-rapl:1": 7000000},
                 {"intel-rapl:0:0": 5}]
        results = []
        with contextlib.redirect_stdout(buf):
            for k, step in enumerate(steps):
                t.epoch_start()
                for zone, uj in step.items():
                    self.fx.advance(zone, uj)
                if k == 2:
                    self.break_counter("intel-rapl:1")
                results.append(t.epoch_end())
            summary = t.summary
            t.stop()
        names = {"intel-rapl:0": "cpu:0", "intel-rapl:0:0": "dram:0", "intel-rapl:1": "cpu:1",
                 "intel-rapl:1:0": "dram:1"}
        for k, (r, step) in enumerate(zip(results, steps)):
            self.assertEqual([d["name"] for d in r["devices"]],
                             ["cpu:0", "dram:0", "cpu:1", "dram:1"])
            for d in r["devices"]:
                self.assertEqual(list(d), keys)
                self.assertEqual((d["component"], d["meter"], d["provenance"]),
                                 ("cpu", "rapl-powercap", "measured"))
                uj = next((v for z, v in step.items() if names[z] == d["name"]), 0)
                self.assertEqual(d["energy_j"], uj / 1e6, (k, d["name"]))
                self.assertIs(d["lost"], k == 2 and d["name"] == "cpu:1")
        self.assertIsNot(results[0]["devices"][0], results[1]["devices"][0])
        results[0]["devices"][0]["name"] = "changed by the caller"
        self.assertEqual(results[1]["devices"][0]["name"], "cpu:0")
        self.assertEqual([d["energy_j"] for d in summary["devices"]],
                         [4.0, 5e-06, 7.0, 0.25])


class TestConfirm(_support.FixtureTestCase):
    def run_confirm(self, answers, **kw):
        buf = io.StringIO()
        saved = sys.stdin
        sys.stdin = io.StringIO(answers)
        try:
            with contextlib.redirect_stdout(buf):
                t = CarbonTracker(epochs=3, stop_and_confirm=True, update_interval=10,
                                  log_dir=self.fx.logs, **kw)
                t.epoch_start()
                r = t.epoch_end()
        finally:
            sys.stdin = saved
        return t, r, buf.getvalue()

    def test_yes_after_unrecognised(self):
        t, r, out = self.run_confirm("maybe\ny\n")
        self.assertIn("travelled by car\nCarbonTracker: Continue training (y/n)?\n"
                      "CarbonTracker: Input not recognized. Try again (y/n):\n"
                      "CarbonTracker: Continuing...\n", out)
        self.assertEqual(r["epoch"], 1)
        self.assertFalse(t.deleted)
        with contextlib.redirect_stdout(io.StringIO()):
            t.stop()

    def test_no_exits_like_upstream(self):
        with self.assertRaises(SystemExit) as cm:
            self.run_confirm("N\n")
        self.assertEqual(cm.exception.code, 0)
        std = self.fx.log("_carbontracker.log")
        self.assertIn(" - Session ended by user.\n", std)
        out = self.fx.log("_carbontracker_output.log")
        self.assertIn(" - CarbonTracker: Quitting...\n", out)
        self.assertIn("Actual consumption for 1 epoch(s):", out)

    def test_eof_raises_in_caller(self):
        with self.assertRaises(EOFError):
            self.run_confirm("")

    def test_eof_ignored(self):
        t, r, out = self.run_confirm("", ignore_errors=True)
        self.assertIn("CarbonTracker: Ignored error: EOFError", out)
        self.assertTrue(t.deleted)
        self.assertEqual(t.summary["epochs"], 1)


class TestAbandoned(_support.FixtureTestCase):
    def test_exit_without_stop(self):
        code = ("import subprocess\n"
                "from carbontracker.tracker import CarbonTracker\n"
                f"t = CarbonTracker(epochs=5, log_dir={self.fx.logs!r}, update_interval=0.01)\n"
                "t.epoch_start()\n"
                f"subprocess.run([{_support.FIXTURE!r}, 'advance', {self.fx.sys!r}, "
                "'intel-rapl:0', '9000000'], check=True)\n"
                "t.epoch_end()\n"
                "t.epoch_start()\n"
                "print('leaving')\n")
        t0 = time.monotonic()
        r = _support.run_python(code, self.fx.env(), timeout=60)  # a hang fails here
        elapsed = time.monotonic() - t0
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(elapsed, 30)  # interpreter start-up under ASan included
        self.assertIn("leaving\n", r.stdout)
        self.assertIn("Actual consumption for 1 epoch(s):", r.stdout)
        self.assertTrue(r.stdout.endswith("CarbonTracker: Finished monitoring.\n"), r.stdout)
        out = self.fx.log("_carbontracker_output.log")
        self.assertIn("Actual consumption for 1 epoch(s):", out)
        self.assertIn(" - CarbonTracker: Finished monitoring.\n", out)
        self.assertIn("Epoch 2 was still running at stop", self.fx.log("_carbontracker.log"))

    def test_dropped_tracker_is_released(self):
        t, buf = quiet(epochs=2, update_interval=0.01)
        with contextlib.redirect_stdout(buf):
            del t
            import gc
            gc.collect()
        self.assertIn("Finished monitoring.", buf.getvalue())

    @unittest.skipUnless(hasattr(os, "fork"), "needs fork")
    def test_forked_child_leaves_the_tracker_alone(self):
        t, buf = quiet(epochs=2, update_interval=0.01, log_dir=self.fx.logs)
        with contextlib.redirect_stdout(buf):
            t.epoch_start()
            pid = os.fork()
            if pid == 0:  # the child: calls are no-ops, releasing does not touch the parent's
                ok = False
                try:
                    ok = t.epoch_end() is None and t.summary is None
                    t._native.close()
                finally:
                    os._exit(0 if ok else 1)
            _, status = os.waitpid(pid, 0)
            self.assertEqual(os.waitstatus_to_exitcode(status), 0)
            self.fx.advance("intel-rapl:0", 5000000)
            self.assertEqual(t.epoch_end()["energy_j"], 5.0)
            t.stop()
        self.assertEqual(buf.getvalue().count("Finished monitoring."), 1)


    @unittest.skipUnless(hasattr(os, "fork"), "needs fork")
    def test_tracker_opened_in_a_forked_child(self):
        # A child forked while the parent's tracker runs opens its own: it measures its own
        # epochs and devices, and the parent's tracker goes on unchanged.
        t, buf = quiet(epochs=3, update_interval=10, log_dir=self.fx.logs)
        with contextlib.redirect_stdout(buf):
            t.epoch_start()
            self.fx.advance("intel-rapl:0", 1000000)
            t.epoch_end()
            pid = os.fork()
            if pid == 0:
                ok = False
                try:
                    with contextlib.redirect_stdout(io.StringIO()):
                        child = CarbonTracker(epochs=2, update_interval=10, verbose=0)
                        child.epoch_start()
                        self.fx.advance("intel-rapl:1", 2000000)
                        r = child.epoch_end()
                        child.stop()
                    ok = (r["epoch"] == 1 and dev(r, "cpu:1")["energy_j"] == 2.0
                          and dev(r, "cpu:0")["energy_j"] == 0.0 and t.epoch_end() is None)
                finally:
                    os._exit(0 if ok else 1)
            _, status = os.waitpid(pid, 0)
            self.assertEqual(os.waitstatus_to_exitcode(status), 0)
            t.epoch_start()
            self.fx.advance("intel-rapl:0", 3000000)
            r = t.epoch_end()
            t.stop()
        self.assertEqual(r["epoch"], 2)
        self.assertEqual(dev(r, "cpu:0")["energy_j"], 3.0)
        self.assertEqual(dev(r, "cpu:1")["energy_j"], 0.0)
        self.assertEqual(buf.getvalue().count("Finished monitoring."), 1)


if __name__ == "__main__":
    unittest.main()
