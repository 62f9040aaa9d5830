"""The budget, the prediction band and the live status line in the Python package:
budget_co2eq_g / budget_kwh / budget_action, BudgetExceededError at the first epoch after a
prediction over the budget (none with ignore_errors or "warn"), the summary's record of the
decision; the band's console line after upstream's block, in the JSON-lines log, read back by
the parser and drawn in the report; the status line drawn under a pseudo-terminal and absent
from a pipe."""

import contextlib
import fcntl
import glob
import io
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
import unittest

import _support
from carbontracker import exceptions
from carbontracker.tracker import CarbonTracker

SIM = dict(sim_cpu="Budget CPU", sim_cpu_tdp=500, sim_cpu_util=1, update_interval=0.02)


def run_epochs(t, n, seconds=0.1):
    results = []
    for _ in range(n):
        t.epoch_start()
        time.sleep(seconds)
        results.append(t.epoch_end())
    return results


class TestBudget(_support.FixtureTestCase):
    def test_stop_raises_at_the_first_epoch_after_the_prediction(self):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            t = CarbonTracker(epochs=10, epochs_before_pred=2, log_dir=self.fx.logs,
                              budget_co2eq_g=0.0135, budget_action="stop", **SIM)
            run_epochs(t, 1)
            with self.assertRaises(exceptions.BudgetExceededError) as cm:
                run_epochs(t, 1)
        self.assertEqual(cm.exception.status, -11)
        self.assertEqual(cm.exception.status_name, "EBUDGET")
        self.assertIn("exceeds the budget of 0.0135 g CO2eq", str(cm.exception))
        out = buf.getvalue()
        self.assertIn("Stopping training (budget_action stop).", out)
        self.assertIn("Actual consumption for 2 epoch(s):", out)
        self.assertEqual(len(t.epoch_results), 2)
        b = t.summary["budget"]
        self.assertEqual((b["state"], b["action"], b["stopped"]), ("predicted", "stop", True))
        self.assertGreaterEqual(b["runs_out_epoch"], 3)
        self.assertIn("Actual consumption", self.fx.log("_carbontracker_output.log"))
        # Finished: further epochs are no-ops.
        self.assertIsNone(t.epoch_end())

    def test_ignore_errors_goes_on_unmonitored(self):
        with contextlib.redirect_stdout(io.StringIO()):
            t = CarbonTracker(epochs=10, epochs_before_pred=1, budget_kwh=1e-6,
                              budget_action="stop", ignore_errors=True, **SIM)
            r = run_epochs(t, 3)
        self.assertIsNotNone(r[0])
        self.assertEqual(r[1:], [None, None])
        self.assertTrue(t.summary["budget"]["stopped"])

    def test_warn_lets_it_finish(self):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            t = CarbonTracker(epochs=3, budget_kwh=1e-5, **SIM)
            run_epochs(t, 3)
        out = buf.getvalue()
        self.assertEqual(out.count("exceeds the budget of 1e-05 kWh"), 1)
        self.assertIn("Training goes on (budget_action warn).", out)
        self.assertIn("Actual consumption for 3 epoch(s):", out)
        self.assertEqual(t.summary["budget"]["stopped"], False)

    def test_bad_budget_is_a_value_error(self):
        with self.assertRaises(ValueError):
            CarbonTracker(epochs=1, budget_action="later", **SIM)
        with self.assertRaises(ValueError):
            CarbonTracker(epochs=1, budget_co2eq_g=-1, **SIM)

    def test_no_budget_summary_is_null(self):
        with contextlib.redirect_stdout(io.StringIO()):
            t = CarbonTracker(epochs=1, **SIM)
            run_epochs(t, 1, 0.01)
        self.assertIsNone(t.summary["budget"])


class TestBand(_support.FixtureTestCase):
    def test_band_in_console_log_parse_and_report(self):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            t = CarbonTracker(epochs=6, epochs_before_pred=3, log_dir=self.fx.logs, **SIM)
            for seconds in (0.05, 0.12, 0.08, 0.1, 0.1, 0.1):
                run_epochs(t, 1, seconds)
        out = buf.getvalue()
        band = t.summary["prediction"]["band"]
        self.assertEqual((band["probability"], band["percentiles"], band["epochs_measured"]),
                         (0.8, [10, 90], 3))
        lo, hi, pred = band["low"], band["high"], t.summary["prediction"]
        self.assertLess(lo["energy_kwh"], pred["energy_kwh"])
        self.assertLess(pred["energy_kwh"], hi["energy_kwh"])
        self.assertLess(lo["co2eq_g"], hi["co2eq_g"])
        # One line right after upstream's block, which is unchanged.
        block = out.index("Predicted consumption for 6 epoch(s):")
        line = out.index("CarbonTracker: Prediction band (10th to 90th percentile, from the "
                         "spread of the measured epochs): Time ")
        self.assertLess(block, line)
        self.assertRegex(out[block:line], r"^Predicted consumption for 6 epoch\(s\):\n\tTime:\t"
                         r"\d+:\d\d:\d\d\n\tEnergy:\t[0-9.]+ kWh\n\tCO2eq:\t[0-9.]+ g\n"
                         r"\tThis is equivalent to:\n\t[0-9.]+ km travelled by car\n$")
        jsonl = glob.glob(os.path.join(self.fx.logs, "*.jsonl"))[0]
        with open(jsonl) as f:
            recs = [json.loads(x) for x in f if x.strip()]
        p = next(r for r in recs if r.get("type") == "prediction")
        self.assertAlmostEqual(p["band"]["high"]["co2eq_g"] / hi["co2eq_g"], 1, places=12)
        cmd = os.environ.get("CT_BIN")
        if not cmd:
            self.skipTest("CT_BIN (the command) not set")
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        pj = os.path.join(self.fx.root, "parse.json")
        subprocess.run([cmd, "--parse", self.fx.logs, "--json", pj], check=True, env=env,
                       capture_output=True)
        with open(pj) as f:
            run = json.load(f)["runs"][0]
        self.assertAlmostEqual(run["pred"]["band"]["high"]["co2eq (g)"] / hi["co2eq_g"], 1,
                               places=12)
        self.assertEqual(run["pred"]["band"]["percentiles"], [10, 90])
        html = os.path.join(self.fx.root, "report.html")
        subprocess.run([cmd, "--report", self.fx.logs, "--output", html], check=True, env=env,
                       capture_output=True)
        with open(html) as f:
            text = f.read()
        # The HTML page's table has the band; its drawing (the same as the PDF's) has whiskers.
        self.assertTrue("<tr><th>Prediction band (10th to 90th percentile)</th><td>" in text)
        self.assertEqual(text.count("stroke-width:0.9;"), 3)


_SCRIPT = """
import time
from carbontracker.tracker import CarbonTracker
t = CarbonTracker(epochs=1, sim_cpu="S", sim_cpu_tdp=500, sim_cpu_util=1, budget_co2eq_g=1)
t.epoch_start()
time.sleep(2.6)
t.epoch_end()
print("done")
"""


class TestStatusLine(_support.FixtureTestCase):
    def run_script(self, use_pty, rows=0):
        env = self.fx.env()
        env["PYTHONPATH"] = _support.PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
        env["TERM"] = "xterm"  # the line is off on a "dumb" terminal or without TERM
        if not use_pty:
            p = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                               timeout=60)
            return p.stdout
        master, slave = pty.openpty()
        if rows:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, 120, 0, 0))
        p = subprocess.Popen([sys.executable, "-c", _SCRIPT], env=env, stdout=slave,
                             stderr=subprocess.DEVNULL)
        os.close(slave)
        out = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        p.wait(timeout=10)
        os.close(master)
        return out

    def test_drawn_and_erased_on_a_terminal(self):
        out = self.run_script(True)
        self.assertIn(b"\r\x1b[KCarbonTracker: 0:00:0", out)
        self.assertIn(b" W | ", out)
        self.assertIn(b"gCO2eq/kWh (table:owid:DK:", out)
        self.assertIn(b"| budget ", out)
        i = out.index(b"Actual consumption")
        last = out.rindex(b"\r\x1b[KCarbonTracker: 0:", 0, i)
        self.assertIn(b"\r\x1b[K", out[last + 3:i])  # erased before our next line
        self.assertTrue(out.rstrip().endswith(b"done"))

    def test_bottom_row_on_a_terminal_of_known_size(self):
        out = self.run_script(True, rows=24)
        self.assertIn(b"\x1b7\x1b[1;23r\x1b8\x1b[1A", out)  # rows 1-23 scroll
        self.assertIn(b"\x1b7\x1b[24;1H\x1b[KCarbonTracker: 0:00:0", out)  # drawn on row 24
        i = out.index(b"Actual consumption")
        self.assertIn(b"\x1b7\x1b[r\x1b8\x1b7\x1b[24;1H\x1b[K\x1b8", out[:i])  # given back
        self.assertTrue(out.rstrip().endswith(b"done"))

    def test_none_in_a_pipe(self):
        out = self.run_script(False)
        self.assertIn(b"Actual consumption", out)
        self.assertNotIn(b"\x1b", out)
        self.assertNotIn(b"\r", out)


if __name__ == "__main__":
    unittest.main()
