"""carbontracker.parser against the C parser it wraps (ct_parse_* through ctypes directly) and
against upstream's own parser regexes (carbontracker/parser.py at HEAD, verbatim) on logs written
by trackers over the fixture: same values and shapes, with upstream's documented defects fixed."""

import contextlib
import ctypes
import io
import json
import os
import re
import sys
import types
import unittest

import _support
from carbontracker import _lib, parser
from carbontracker.tracker import CarbonTracker

# upstream parser.py (HEAD 8beb2b9), verbatim.
ACTUAL = (r"(?i)Actual consumption(?:\s*for\s+\d+\s+epochs)?[\s\S]*?Time:\s*(.*)\n\s*Energy:\s*(.*)"
          r"\s+kWh[\s\S]*?CO2eq:\s*(.*)\s+g(?:\s*This is equivalent to:\s*([\s\S]*?))?"
          r"(?=\d{4}-\d{2}-\d{2}|\Z)")
PRED = (r"(?i)Predicted consumption for (\d*) epoch\(s\):[\s\S]*?Time:\s*(.*)\n\s*Energy:\s*(.*)"
        r"\s+kWh[\s\S]*?CO2eq:\s*(.*)\s+g(?:\s*This is equivalent to:\s*([\s\S]*?))?"
        r"(?=\d{4}-\d{2}-\d{2}|\Z)")
TIME = r"(\d+):(\d{2}):(\d\d?(?:.\d{2})?)"



def plain(value):
    """The value with numpy arrays (the parser's series when numpy is installed) as lists, so
    results compare with ==."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    return value

def upstream_consumption(out_text):
    return (parser.extract_measurements(re.search(ACTUAL, out_text)),
            parser.extract_measurements(re.search(PRED, out_text)))


def upstream_durations(std):
    return [int(h) * 3600 + int(m) * 60 + float(s)
            for h, m, s in re.findall(r"Duration: " + TIME, std)]


def upstream_power(std):
    out = {}
    for comp, v in re.findall(r"Average power usage \(W\) for (.+): (\[?[0-9\.]+\]?|None)", std):
        v = [0.0] if v == "None" else [float(x) for x in v.strip("[]").split()]
        out.setdefault(comp, []).append(v)
    return out


def upstream_devices(std):
    line = re.findall(r"The following components were found:(.*)\n", std)[0]
    return {c.lower(): d.split(",") for c, d in re.findall(r" (.*?) with device\(s\) (.*?)\.",
                                                            line)}


def _ok(call, rc):
    """Fail with the status a C call returned unless it is CT_OK (0)."""
    if rc != 0:
        raise AssertionError(f"{call} returned {rc}, expected 0")


def c_parse_dir(path):
    """The C parser directly: (runs JSON, totals (kWh, g), sentence)."""
    lib = _lib.load()
    r = ctypes.c_void_p()
    _ok("ct_parse_dir", lib.ct_parse_dir(path.encode(), 0, ctypes.byref(r), None, 0))
    try:
        p = ctypes.c_void_p()
        _ok("ct_parse_json", lib.ct_parse_json(r, ctypes.byref(p)))
        d = json.loads(lib.take_string(p.value))
        kwh, g = ctypes.c_double(), ctypes.c_double()
        _ok("ct_parse_totals", lib.ct_parse_totals(r, ctypes.byref(kwh), ctypes.byref(g)))
        _ok("ct_parse_aggregate_sentence", lib.ct_parse_aggregate_sentence(r, ctypes.byref(p)))
        return d, (kwh.value, g.value), lib.take_string(p.value)
    finally:
        lib.ct_parse_result_free(r)


class TestParser(unittest.TestCase):
    """Logs of three runs, written once for the class."""

    @classmethod
    def setUpClass(cls):
        if not (_support.FIXTURE and os.path.exists(_support.FIXTURE)):
            raise unittest.SkipTest("CT_FIXTURE (ct-fixture) not set")
        if not _lib.load().has("ct_parse_dir"):
            raise unittest.SkipTest("the library has no log parser")
        cls.fx = fx = _support.Fixture()
        saved = dict(os.environ)
        env = fx.env()
        os.environ.clear()
        os.environ.update(env)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                cls.write_logs(fx)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        names = sorted(os.listdir(fx.logs))
        cls.std = {n[0]: os.path.join(fx.logs, n) for n in names
                   if n.endswith("_carbontracker.log")}
        cls.out = {n[0]: os.path.join(fx.logs, n) for n in names
                   if n.endswith("_carbontracker_output.log")}

    @classmethod
    def tearDownClass(cls):
        cls.fx.remove()

    @staticmethod
    def write_logs(fx):
        # a: 3 equal epochs, the prediction after the first.
        t = CarbonTracker(epochs=3, log_dir=fx.logs, log_file_prefix="a", update_interval=10)
        for _ in range(3):
            t.epoch_start()
            fx.advance("intel-rapl:0", 3600000000)
            fx.advance("intel-rapl:1:0", 360000000)
            t.epoch_end()
        # b: stopped after 2 of 5 epochs.
        t = CarbonTracker(epochs=5, log_dir=fx.logs, log_file_prefix="b", update_interval=10,
                          decimal_precision=6)
        for _ in range(2):
            t.epoch_start()
            fx.advance("intel-rapl:1", 1800000000)
            t.epoch_end()
        t.stop()
        # c: interpretable=False, no prediction: upstream's regexes cannot read it.
        t = CarbonTracker(epochs=1, log_dir=fx.logs, log_file_prefix="c", update_interval=10,
                          interpretable=False, epochs_before_pred=0)
        t.epoch_start()
        fx.advance("intel-rapl:0", 720000000)
        t.epoch_end()

    def test_three_runs_written(self):
        self.assertEqual(sorted(self.std), ["a", "b", "c"])
        self.assertEqual(sorted(self.out), ["a", "b", "c"])

    def text(self, path):
        with open(path) as f:
            return f.read()

    def test_parse_all_logs_equals_the_c_parser(self):
        logs = parser.parse_all_logs(self.fx.logs)
        c_runs = c_parse_dir(self.fx.logs)[0]["runs"]
        self.assertEqual(len(logs), 3)
        for entry, run in zip(logs, c_runs):
            self.assertEqual(list(entry), ["output_filename", "standard_filename", "components",
                                           "early_stop", "actual", "pred"])
            for key in ("output_filename", "standard_filename", "early_stop", "actual", "pred"):
                self.assertEqual(entry[key], run[key], key)
            self.assertEqual(plain(entry["components"]), run["components"])
        self.assertEqual([e["output_filename"] for e in logs],
                         [self.out[k] for k in "abc"])
        self.assertEqual([e["standard_filename"] for e in logs],
                         [self.std[k] for k in "abc"])
        self.assertEqual([e["early_stop"] for e in logs], [False, True, False])

    def assertConsumptionClose(self, ours, printed):
        """Our run log keeps unrounded numbers; the text log prints decimal_precision decimals
        (6 in run b) and whole seconds: equal within that rounding."""
        if printed is None or ours is None:
            self.assertEqual(ours, printed)
            return
        self.assertEqual(ours["epochs"], printed["epochs"])
        self.assertAlmostEqual(ours["duration (s)"], printed["duration (s)"], delta=0.5)
        for key in ("energy (kWh)", "co2eq (g)"):
            self.assertAlmostEqual(ours[key], printed[key], delta=5.1e-7, msg=key)
        if printed["equivalents"] is None:
            self.assertIsNone(ours["equivalents"])
        else:
            self.assertEqual(set(ours["equivalents"]), set(printed["equivalents"]))
            for unit, value in printed["equivalents"].items():
                self.assertAlmostEqual(ours["equivalents"][unit], value, delta=5.1e-7)

    def test_values_equal_upstreams_regexes(self):
        logs = {e["output_filename"]: e for e in parser.parse_all_logs(self.fx.logs)}
        for k in "ab":
            entry = logs[self.out[k]]
            std = self.text(self.std[k])
            actual, pred = upstream_consumption(self.text(self.out[k]))
            # upstream always reads 1 epoch for the actual consumption (PR #98): we read them.
            self.assertEqual(actual["epochs"], 1)
            actual["epochs"] = {"a": 3, "b": 2}[k]
            self.assertConsumptionClose(entry["actual"], actual)
            self.assertConsumptionClose(entry["pred"], pred)
            cpu = plain(entry["components"]["cpu"])
            # Durations print with 2 decimals and powers with 12 in the text log.
            for ours, printed in zip(cpu["epoch_durations (s)"], upstream_durations(std)):
                self.assertAlmostEqual(ours, printed, delta=0.0051)
            self.assertEqual(len(cpu["epoch_durations (s)"]), len(upstream_durations(std)))
            for ours, printed in zip(cpu["avg_power_usages (W)"], upstream_power(std)["cpu"]):
                self.assertEqual(len(printed), 1)
                self.assertAlmostEqual(sum(ours), printed[0], delta=1e-9 * max(1, printed[0]))
            self.assertEqual(cpu["devices"], [d.strip() for d in upstream_devices(std)["cpu"]])
            self.assertEqual(cpu["avg_energy_usages (J)"],
                             [[p * d for p in row] for row, d in
                              zip(cpu["avg_power_usages (W)"], cpu["epoch_durations (s)"])])
            self.assertEqual(entry["early_stop"],
                             bool(re.findall(r"(?i)Training was interrupted", std)))
        self.assertEqual(logs[self.out["a"]]["pred"]["epochs"], 3)
        self.assertEqual(logs[self.out["a"]]["actual"]["equivalents"],
                         {"km travelled by car": logs[self.out["a"]]["actual"]["equivalents"][
                             "km travelled by car"]})
        # interpretable=False: upstream finds nothing; we read the block, without equivalents.
        c_out = self.text(self.out["c"])
        self.assertEqual(upstream_consumption(c_out), (None, None))
        c = logs[self.out["c"]]
        self.assertIsNone(c["pred"])
        self.assertEqual((c["actual"]["epochs"], c["actual"]["equivalents"]), (1, None))
        self.assertAlmostEqual(c["actual"]["energy (kWh)"], 720 / 3.6e6 * 1.58, delta=1e-12)

    def test_aggregate_and_print(self):
        d, (kwh, g), sentence = c_parse_dir(self.fx.logs)
        total_kwh, total_g, equivalents = parser.aggregate_consumption(self.fx.logs)
        self.assertEqual((total_kwh, total_g), (kwh, g))
        self.assertEqual(equivalents, d["totals"]["equivalents"])
        # Upstream's rule: actual when stopped early or all epochs ran, else the prediction.
        runs = {e["output_filename"]: e for e in parser.parse_all_logs(self.fx.logs)}
        want = sum(runs[self.out[k]]["actual"]["energy (kWh)"] for k in "abc")
        self.assertAlmostEqual(total_kwh, want, delta=1e-15)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            parser.print_aggregate(self.fx.logs)
        self.assertEqual(buf.getvalue(), sentence + "\n")
        eq = " or ".join(f"{v:.16f} {u}" for u, v in equivalents.items())
        self.assertEqual(sentence,
                         f"The training of models in this work is estimated to use "
                         f"{total_kwh:.16f} kWh of electricity contributing to "
                         f"{total_g / 1000:.16f} kg of CO2eq. This is equivalent to {eq}. "
                         f"Measured by carbontracker (https://github.com/lfwa/carbontracker).")

    def test_single_run_functions(self):
        std, out = self.text(self.std["b"]), self.text(self.out["b"])
        entry = next(e for e in parser.parse_all_logs(self.fx.logs)
                     if e["output_filename"] == self.out["b"])
        printed_actual, printed_pred = parser.get_consumption(out)
        self.assertConsumptionClose(entry["actual"], printed_actual)
        self.assertConsumptionClose(entry["pred"], printed_pred)
        self.assertIs(parser.get_early_stop(std), True)
        self.assertIs(parser.get_early_stop(self.text(self.std["a"])), False)
        self.assertEqual(parser.get_devices(std), {"cpu": ["cpu:0", "dram:0", "cpu:1", "dram:1"]})
        self.assertEqual(parser.get_epoch_durations(std), upstream_durations(std))
        self.assertEqual(parser.get_avg_power_usages(std), upstream_power(std))
        self.assertEqual(plain(parser.parse_logs(self.fx.logs, self.std["b"], self.out["b"])),
                         plain(entry["components"]))
        # The most recent pair by modification time.
        for k, t in zip("abc", (3000, 1000, 2000)):
            os.utime(self.std[k], (t, t))
            os.utime(self.out[k], (t, t))
        self.assertEqual(parser.get_most_recent_logs(self.fx.logs),
                         (self.std["a"], self.out["a"]))
        self.assertEqual(plain(parser.parse_logs(self.fx.logs)),
                         plain(parser.parse_logs(self.fx.logs, self.std["a"], self.out["a"])))
        self.assertEqual(parser.get_all_logs(self.fx.logs),
                         ([self.out[k] for k in "abc"], [self.std[k] for k in "abc"]))
        for t, k in ((1000, "a"), (3000, "b")):  # and the other way round
            os.utime(self.std[k], (t, t))
            os.utime(self.out[k], (t, t))
        self.assertEqual(parser.get_most_recent_logs(self.fx.logs),
                         (self.std["b"], self.out["b"]))

    def test_numpy_arrays_when_present(self):
        fake = types.ModuleType("numpy")

        def array(v):
            if any(isinstance(r, list) for r in v) and len({len(r) for r in v}) > 1:
                raise ValueError("inhomogeneous shape")
            return ("array", v)

        fake.array = array
        saved = sys.modules.get("numpy")
        sys.modules["numpy"] = fake
        try:
            comps = parser.parse_logs(self.fx.logs, self.std["a"], self.out["a"])
        finally:
            if saved is None:
                del sys.modules["numpy"]
            else:
                sys.modules["numpy"] = saved
        cpu = comps["cpu"]
        for key in ("avg_power_usages (W)", "avg_energy_usages (J)", "epoch_durations (s)"):
            self.assertEqual(cpu[key][0], "array", key)
        self.assertEqual(cpu["devices"], ["cpu:0", "dram:0", "cpu:1", "dram:1"])

    def test_missing_directory(self):
        with self.assertRaises(FileNotFoundError):
            parser.parse_all_logs(os.path.join(self.fx.root, "nope"))
        with self.assertRaises(IndexError):
            parser.get_most_recent_logs(self.fx.sys)


class TestHelpers(unittest.TestCase):
    def test_get_time_and_equivalents(self):
        self.assertEqual(parser.get_time("1:02:03.50"), 3723.5)
        self.assertEqual(parser.get_time("0:00:07"), 7.0)
        self.assertIsNone(parser.get_time("soon"))
        self.assertEqual(parser.parse_equivalents("\t0.5 km travelled by car\n"),
                         {"km travelled by car": 0.5})
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            self.assertEqual(parser.parse_equivalents("x km\n"), {})
        self.assertEqual(buf.getvalue(),
                         "Warning: Unable to convert 'x' to float. Skipping this equivalent.\n")


if __name__ == "__main__":
    unittest.main()
