"""Upstream's public modules besides the tracker and the parser: exceptions (upstream's
arguments and texts), constants, loggerutil, report and cli, and the tracker's upstream
attributes and error paths; the behaviours upstream's own tests check, written here."""

import contextlib
import datetime
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import _support
from carbontracker import (UPSTREAM_VERSION, __version__, cli, constants, exceptions,
                           loggerutil, report)
from carbontracker.tracker import CarbonTracker

RAPL = "No components were available. CarbonTracker supports Intel CPUs with the RAPL " \
       "interface and NVIDIA GPUs."


class TestExceptions(unittest.TestCase):
    def test_upstream_names_and_arguments(self):
        for name in ("NoComponentsAvailableError", "UnitError", "IntelRaplPermissionError",
                     "GPUPowerUsageRetrievalError", "CarbonIntensityFetcherError",
                     "IPLocationError", "GPUError", "CPUError", "ComponentNameError",
                     "FetcherNameError", "MismatchedLogFilesError", "MismatchedEpochsError"):
            cls = getattr(exceptions, name)
            self.assertTrue(issubclass(cls, exceptions.CarbonTrackerError), name)
        e = exceptions.UnitError("kWh", "J", "expected kWh")
        self.assertEqual((e.expected_unit, e.received_unit, e.message),
                         ("kWh", "J", "expected kWh"))
        self.assertEqual(str(e), "expected kWh")
        e = exceptions.IntelRaplPermissionError(file_names=["a/energy_uj", "b/energy_uj"])
        self.assertEqual(e.file_names, ["a/energy_uj", "b/energy_uj"])
        self.assertIn("a/energy_uj, b/energy_uj", str(e))
        with self.assertRaises(exceptions.PermissionDeniedError):
            raise exceptions.IntelRaplPermissionError(["x"])
        for cls in (exceptions.CarbonIntensityFetcherError, exceptions.IPLocationError,
                    exceptions.GPUPowerUsageRetrievalError, exceptions.ComponentNameError):
            with self.assertRaises(cls):
                raise cls

    def test_no_components_message(self):
        self.assertEqual(str(exceptions.NoComponentsAvailableError()), RAPL)
        self.assertEqual(str(exceptions.NoComponentsAvailableError("other")), "other")
        # A status without a default text keeps an empty one.
        self.assertEqual(str(exceptions.StateError()), "")
        self.assertIs(type(exceptions.error_for(-8, "")), exceptions.NoComponentsAvailableError)


class TestConstantsAndVersion(unittest.TestCase):
    def test_constants(self):
        self.assertEqual(constants.PUE_2023, 1.58)
        self.assertEqual((constants.PUE_2020, constants.PUE_2021, constants.PUE_2022),
                         (1.59, 1.57, 1.55))
        self.assertEqual(constants.WORLD_2019_CARBON_INTENSITY, 481)

    def test_versions(self):
        self.assertEqual(__version__, "0.3.0")
        self.assertEqual(UPSTREAM_VERSION, "2.3.1")
        from carbontracker import _lib
        self.assertEqual(_lib.load().version_string, __version__)
        with open(os.path.join(_support.PYTHON_DIR, "pyproject.toml")) as f:
            self.assertIn(f'\nversion = "{__version__}"\n', f.read())


class TestLoggerUtil(unittest.TestCase):
    def test_convert_to_timestring(self):
        c = loggerutil.convert_to_timestring
        self.assertEqual(c(3725.4), "1:02:05")
        self.assertEqual(c(3666), "1:01:06")
        self.assertEqual(c(0), "0:00:00")
        self.assertEqual(c(-3666), "-1:01:06")
        self.assertEqual(c(3659.5), "1:01:00")  # round half even, 60 carried
        self.assertEqual(c(2.5), "0:00:02")
        self.assertEqual(c(3659.9955, add_milliseconds=True), "1:01:00.00")
        self.assertEqual(c(141.9, True), "0:02:21.90")

    def test_formatter_and_filter(self):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
        record.created = time.mktime(datetime.datetime(2023, 3, 15, 14, 20, 0).timetuple())
        f = loggerutil.TrackerFormatter()
        self.assertEqual(f.formatTime(record), "2023-03-15 14:20:00")
        self.assertEqual(f.formatTime(record, "%Y-%m-%d %H-%M-%S"), "2023-03-15 14-20-00")
        self.assertTrue(loggerutil.VerboseFilter(1).filter(record))
        self.assertFalse(loggerutil.VerboseFilter(0).filter(record))

    def test_logger_names_files_and_formats(self):
        d = tempfile.mkdtemp(prefix="py.logger.", dir=_support.TMP)
        try:
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                lg = loggerutil.Logger(log_dir=d, verbose=1, log_prefix="run")
                self.assertTrue(lg.logger.name.startswith("run_"))
                self.assertEqual(lg.logger_output.level, logging.DEBUG)
                lg.output("hello")
                lg.err_warn("careful")
                lg.close()
            self.assertEqual(buf.getvalue(),
                             "CarbonTracker: hello\nCarbonTracker: WARNING - careful\n")
            names = sorted(os.listdir(d))
            self.assertEqual(len(names), 3, names)
            stem = rf"run_{os.getpid()}\.root_\d{{4}}-\d\d-\d\dT\d{{6}}Z_carbontracker"
            for name, suffix in zip(names, (".log", "_err.log", "_output.log")):
                self.assertRegex(name, "^" + stem + re.escape(suffix) + "$")
            with open(os.path.join(d, names[0])) as f:
                std = f.read()
            self.assertRegex(std, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - carbontracker version "
                             + re.escape(__version__) + "\n")
            self.assertIn(" - Only predicted and actual consumptions are multiplied by a PUE "
                          "coefficient of 1.58 (Daniel Bizo, 2023, Uptime Institute Global "
                          "Data Center Survey).\n", std)
            with open(os.path.join(d, names[1])) as f:
                self.assertRegex(f.read(), r" - MainThread - WARNING - careful\n$")
            with open(os.path.join(d, names[2])) as f:
                self.assertRegex(f.read(), r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - "
                                 r"CarbonTracker: hello\n$")
            # No prefix: no underscore in the name; a second Logger of the same name replaces
            # the first one's handlers instead of doubling every line.
            with contextlib.redirect_stdout(io.StringIO()) as out:
                a = loggerutil.Logger(verbose=1)
                self.assertNotIn("_", a.logger.name)
                b = loggerutil.Logger(verbose=1)
                b.output("once")
            self.assertEqual(out.getvalue(), "CarbonTracker: once\n")
            with contextlib.redirect_stdout(io.StringIO()) as out:
                loggerutil.Logger(verbose=1, console=False).output("nothing")
            self.assertEqual(out.getvalue(), "")
        finally:
            shutil.rmtree(d, ignore_errors=True)


class TestReportHelpers(unittest.TestCase):
    def test_format_duration(self):
        self.assertEqual(report.format_duration(0), "0s")
        self.assertEqual(report.format_duration(59.9), "59s")
        self.assertEqual(report.format_duration(120), "2min")
        self.assertEqual(report.format_duration(3725.4), "1h 2min 5s")
        self.assertEqual(report.format_duration(7200), "2h")

    def test_missing_log(self):
        with self.assertRaises(FileNotFoundError):
            report.generate_report_from_log("/nonexistent/x_carbontracker.log", "/tmp/x.pdf")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            cli.generate_report("/nonexistent/x_carbontracker.log", "/tmp/x.pdf")
        self.assertEqual(buf.getvalue(),
                         "Error: Log file /nonexistent/x_carbontracker.log does not exist\n")


def _run_two_epochs(fx, **kw):
    with contextlib.redirect_stdout(io.StringIO()):
        t = CarbonTracker(epochs=2, update_interval=10, log_dir=fx.logs, **kw)
        results = []
        for uj in (3000000, 5000000):
            t.epoch_start()
            time.sleep(0.05)
            fx.advance("intel-rapl:0", uj)
            results.append(t.epoch_end())
    return t, results


class TestReport(_support.FixtureTestCase):
    def std_log(self):
        return next(os.path.join(self.fx.logs, n) for n in os.listdir(self.fx.logs)
                    if n.endswith("_carbontracker.log"))

    def test_pdf_from_log(self):
        t, results = _run_two_epochs(self.fx)
        out = os.path.join(self.fx.root, "carbon_report.pdf")
        report.generate_report_from_log(self.std_log(), out)
        with open(out, "rb") as f:
            self.assertEqual(f.read(5), b"%PDF-")
        if shutil.which("pdfinfo"):
            info = subprocess.run(["pdfinfo", out], capture_output=True, text=True).stdout
            self.assertRegex(info, r"Page size:\s+612 x 792 pts")  # US letter, as upstream
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            cli.generate_report(self.std_log(), out)
        self.assertEqual(buf.getvalue(), f"Report generated: {out}\n")
        # A log the report cannot read: the program's message, raised.
        bad = os.path.join(self.fx.root, "bad_carbontracker.log")
        with open(bad, "w") as f:
            f.write("nothing\n")
        with self.assertRaises(exceptions.CarbonTrackerError) as cm:
            report.generate_report_from_log(bad, os.path.join(self.fx.root, "bad.pdf"))
        self.assertIn("could not be written", str(cm.exception))

    def test_log_parser(self):
        t, results = _run_two_epochs(self.fx)
        with open(self.std_log()) as f:
            text = f.read()
        p = report.LogParser(text)
        self.assertEqual(p.version, __version__)
        self.assertEqual(p.pue, 1.58)
        self.assertEqual([e["epoch"] for e in p.epochs], [1, 2])
        for e, r in zip(p.epochs, results):
            self.assertAlmostEqual(e["duration"], r["duration_s"], delta=0.006)
            self.assertEqual(e["gpu_power"], 0.0)
            self.assertAlmostEqual(e["cpu_power"], r["cpu_power_w"],
                                   delta=1e-9 * r["cpu_power_w"])
            self.assertEqual(e["total_power"], e["cpu_power"])
        self.assertTrue(p.components.startswith("CPU with device(s) cpu:0"))
        self.assertIn("DK", p.location)
        self.assertRegex(p.start_time, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        m = p.calculate_energy_metrics()
        self.assertAlmostEqual(m["total_duration"], sum(e["duration"] for e in p.epochs))
        # From the log's printed power and durations (2 decimals), PUE included. It differs from
        # the tracker's own total only by that rounding: at most 0.005 s per epoch at the epoch's
        # power (a bound, not a percentage, so a slow machine's longer epochs do not matter).
        want_kwh = sum(e["total_power"] * e["duration"] for e in p.epochs) / 3.6e6 * 1.58
        self.assertAlmostEqual(m["energy_kwh"], want_kwh, delta=1e-12)
        rounding_kwh = sum(e["total_power"] * 0.005 for e in p.epochs) / 3.6e6 * 1.58
        self.assertAlmostEqual(m["energy_kwh"], t.summary["energy_kwh"],
                               delta=rounding_kwh + 1e-9 * t.summary["energy_kwh"])
        self.assertAlmostEqual(m["co2_kg"], want_kwh * p.carbon_intensity / 1000, delta=1e-12)
        png = p.generate_plots()["combined_plots"].getvalue()
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        with self.assertRaises(ValueError):
            report.LogParser("2025-01-01 00:00:00 - carbontracker version 0.3.0\n") \
                .calculate_energy_metrics()


class TestCli(unittest.TestCase):
    def test_main_runs_the_c_command(self):
        r = subprocess.run([sys.executable, "-c",
                            "import sys; from carbontracker.cli import main; "
                            "sys.exit(main())", "--version"],
                           env=dict(os.environ, PYTHONPATH=_support.PYTHON_DIR),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, f"carbontracker {__version__}\n")
        # In-process, with sys.stdout not a file (a notebook): the output reaches it.
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            self.assertEqual(cli.main(["--version"]), 0)
        self.assertEqual(buf.getvalue(), f"carbontracker {__version__}\n")
        # The wrapped command's exit status is the console script's.
        self.assertEqual(cli.main(["--offline", "-q", "--log_dir",
                                   tempfile.mkdtemp(dir=_support.TMP), "--", "sh", "-c",
                                   "exit 3"]), 3)

    def test_not_installed(self):
        script = os.path.join(_support.TMP, "carbontracker")
        os.makedirs(_support.TMP, exist_ok=True)
        with open(script, "w") as f:
            f.write("#!/bin/sh\necho script\n")
        os.chmod(script, 0o755)
        saved = dict(os.environ)
        err = io.StringIO()
        try:
            os.environ["CARBONTRACKER_COMMAND"] = script  # not the C program
            with contextlib.redirect_stderr(err):
                self.assertEqual(cli.main(["--version"]), 127)
        finally:
            os.environ.clear()
            os.environ.update(saved)
            os.unlink(script)
        self.assertIn("the carbontracker command (the C program) was not found", err.getvalue())
        self.assertIn("CARBONTRACKER_COMMAND", err.getvalue())


class TestTrackerUpstream(_support.FixtureTestCase):
    def test_arguments_are_attributes(self):
        with contextlib.redirect_stdout(io.StringIO()):
            t = CarbonTracker(epochs=3, epochs_before_pred=2, monitor_epochs=3,
                              update_interval=10, components="cpu", verbose=0,
                              sim_cpu="Sim CPU", sim_cpu_tdp=100, sim_cpu_util=0.5,
                              api_keys=None, log_file_prefix="p", decimal_precision=6)
            t.stop()
        want = dict(epochs=3, epochs_before_pred=2, monitor_epochs=3, update_interval=10,
                    interpretable=True, stop_and_confirm=False, ignore_errors=False,
                    components="cpu", devices_by_pid=False, log_dir=None,
                    log_file_prefix="p", verbose=0, decimal_precision=6, api_keys=None,
                    sim_cpu="Sim CPU", sim_cpu_tdp=100, sim_cpu_util=0.5, sim_gpu=None,
                    sim_gpu_watts=None, sim_gpu_util=None)
        for name, value in want.items():
            self.assertEqual(getattr(t, name), value, name)

    def test_ignored_error_at_construction_is_logged(self):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            t = CarbonTracker(epochs=2, components="gpu", ignore_errors=True,
                              log_dir=self.fx.logs, log_file_prefix="job")
        self.assertTrue(t.deleted)
        text = ("Ignored error: carbontracker.exceptions.NoComponentsAvailableError: " + RAPL +
                "\nContinued training without monitoring...")
        self.assertEqual(buf.getvalue(), "CarbonTracker: " + text + "\n")  # console: once
        names = os.listdir(self.fx.logs)
        self.assertEqual(len(names), 3, names)
        for n in names:  # as the library names them: {prefix_}{pid}.{1..999999}_{date}_...
            self.assertRegex(n, rf"^job_{os.getpid()}\.\d{{1,6}}_\d{{4}}-\d\d-\d\dT\d{{6}}Z_"
                                r"carbontracker(_output|_err)?\.log$")
        self.assertIn(" - carbontracker version " + __version__ + "\n",
                      self.fx.log("_carbontracker.log"))
        self.assertIn(" - CarbonTracker: " + text + "\n",
                      self.fx.log("_carbontracker_output.log"))
        self.assertIn(" - MainThread - CRITICAL - " + text + "\n",
                      self.fx.log("_carbontracker_err.log"))
        # upstream's parser reads the run: no consumption, no error.
        from carbontracker import parser
        self.assertEqual(parser.aggregate_consumption(self.fx.logs), (0, 0, {}))

    def test_no_console_block_after_quitting(self):
        buf = io.StringIO()
        saved = sys.stdin
        sys.stdin = io.StringIO("n\n")
        try:
            with contextlib.redirect_stdout(buf):
                t = CarbonTracker(epochs=3, stop_and_confirm=True, update_interval=10,
                                  log_dir=self.fx.logs)
                t.epoch_start()
                with self.assertRaises(SystemExit):
                    t.epoch_end()
        finally:
            sys.stdin = saved
        self.assertTrue(buf.getvalue().endswith(
            "CarbonTracker: Continue training (y/n)?\nCarbonTracker: Quitting...\n"),
            buf.getvalue())
        self.assertEqual(buf.getvalue().count("Actual consumption"), 0)
        out = self.fx.log("_carbontracker_output.log")
        self.assertIn("Actual consumption for 1 epoch(s):", out.split("Quitting...")[1])


if __name__ == "__main__":
    unittest.main()
