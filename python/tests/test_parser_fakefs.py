"""The parser on a fake file system (pyfakefs, Debian's python3-pyfakefs) and with patched
os and open, as upstream's tests and some users' tests drive it: every file and directory is
read through Python, so what the fakes hold is what is parsed. The results are the C parser's
on the same bytes (ct_parse_run_bytes); composition follows upstream's (patching a helper
changes what the caller sees)."""

import contextlib
import io
import os
import unittest
from unittest import mock

import _support
from carbontracker import parser

try:
    from pyfakefs import fake_filesystem_unittest
except ImportError:  # scripts/install-deps.sh installs python3-pyfakefs
    fake_filesystem_unittest = None

FIXTURES = os.path.join(_support.SOURCE_DIR, "tests", "fixtures", "logs")
GEN2 = "exp_41233_2023-03-02T101530Z_carbontracker"
OURS = "81818.4711_2025-07-01T120000Z_carbontracker"


def _read(*parts):
    with open(os.path.join(FIXTURES, *parts), "rb") as f:
        return f.read()


# Read before any fake file system is active.
FILES = {name: _read(d, name) for d, name in (
    ("gen2", GEN2 + ".log"), ("gen2", GEN2 + "_output.log"), ("ours", OURS + ".log"),
    ("ours", OURS + "_output.log"), ("ours", OURS + ".jsonl"))}
# What the C parser reads from the real fixture directories.
REAL = {d: parser.parse_dir(os.path.join(FIXTURES, d))["runs"][0] for d in ("gen2", "ours")}

def plain(value):
    """Lists from numpy arrays (present when numpy is installed), else the value."""
    return value.tolist() if hasattr(value, "tolist") else value


Base = fake_filesystem_unittest.TestCase if fake_filesystem_unittest else unittest.TestCase


@unittest.skipIf(fake_filesystem_unittest is None, "pyfakefs is not installed "
                 "(Debian: python3-pyfakefs; scripts/install-deps.sh installs it)")
class TestFakeFs(Base):
    logs = "/fake/logs"

    def setUp(self):
        self.setUpPyfakefs()
        for name, data in FILES.items():
            self.fs.create_file(os.path.join(self.logs, name), contents=data)
        # Files the parser must leave out: unpaired, empty, another name.
        self.fs.create_file(os.path.join(self.logs, "9803_2024-03-26T105836Z_carbontracker"
                                         "_output.log"), contents="x")
        self.fs.create_file(os.path.join(self.logs, "1_2024-03-26T105836Z_carbontracker.log"))
        self.fs.create_file(os.path.join(self.logs, "1_2024-03-26T105836Z_carbontracker"
                                         "_output.log"))
        self.fs.create_file(os.path.join(self.logs, "notes.txt"), contents="x")
        os.utime(os.path.join(self.logs, OURS + ".log"), (100, 100))
        os.utime(os.path.join(self.logs, OURS + "_output.log"), (100, 100))

    def path(self, name):
        return os.path.join(self.logs, name)

    def test_get_all_logs_pairs_and_drops(self):
        self.assertEqual(parser.get_all_logs(self.logs),
                         ([self.path(OURS + "_output.log"), self.path(GEN2 + "_output.log")],
                          [self.path(OURS + ".log"), self.path(GEN2 + ".log")]))

    def test_parse_all_logs_equals_the_real_files(self):
        entries = parser.parse_all_logs(self.logs)
        self.assertEqual(len(entries), 2)
        self.assertEqual([e["standard_filename"] for e in entries],
                         [self.path(OURS + ".log"), self.path(GEN2 + ".log")])
        for entry, d in zip(entries, ("ours", "gen2")):
            real = REAL[d]
            for key in ("early_stop", "actual", "pred"):
                self.assertEqual(entry[key], real[key], (d, key))
            self.assertEqual(set(entry["components"]), set(real["components"]))
            for comp, c in entry["components"].items():
                n = len(plain(c["epoch_durations (s)"]) or [])
                for key in ("devices", "epoch_durations (s)", "avg_power_usages (W)"):
                    want = real["components"][comp][key]
                    self.assertEqual(plain(c[key]),
                                     want[:n] if key != "devices" and want else want,
                                     (d, comp, key))
        # ours is read from its JSON-lines log: the unrounded numbers.
        self.assertEqual(entries[0]["actual"], REAL["ours"]["actual"])
        self.assertEqual(REAL["ours"]["source"], "jsonl")

    def test_aggregate_and_print_equal_the_c_parser(self):
        kwh, g, eq = parser.aggregate_consumption(self.logs)
        want_kwh = sum(REAL[d][REAL[d]["aggregated"]]["energy (kWh)"] for d in ("gen2", "ours"))
        want_g = sum(REAL[d][REAL[d]["aggregated"]]["co2eq (g)"] for d in ("gen2", "ours"))
        self.assertEqual((kwh, g), (want_kwh, want_g))
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            parser.print_aggregate(self.logs)
        self.assertTrue(buf.getvalue().startswith(
            f"The training of models in this work is estimated to use {kwh:.16f} kWh of "
            f"electricity contributing to {g / 1000:.16f} kg of CO2eq. "))

    def test_most_recent_and_parse_logs(self):
        for name in os.listdir(self.logs):
            t = 300 if name.startswith(("9803_", "1_")) else 200
            os.utime(self.path(name), (t, t))
        self.assertEqual(parser.get_most_recent_logs(self.logs),
                         (self.path("1_2024-03-26T105836Z_carbontracker.log"),
                          self.path("1_2024-03-26T105836Z_carbontracker_output.log")))
        os.utime(self.path("1_2024-03-26T105836Z_carbontracker_output.log"), (100, 100))
        self.assertEqual(parser.get_most_recent_logs(self.logs)[1],
                         self.path("9803_2024-03-26T105836Z_carbontracker_output.log"))
        comps = parser.parse_logs(self.logs, self.path(GEN2 + ".log"),
                                  self.path(GEN2 + "_output.log"))
        self.assertEqual(comps["gpu"]["devices"], ["Tesla V100-SXM2-16GB"] * 3)
        self.assertEqual(plain(comps["cpu"]["epoch_durations (s)"]), [60.0, 0.5, 120.0])
        self.assertEqual(plain(comps["cpu"]["avg_power_usages (W)"]),
                         [[20.5, 19.5], [0.0], [21.0, 19.0]])
        self.assertEqual(plain(comps["cpu"]["avg_energy_usages (J)"]),
                         [[1230.0, 1170.0], [0.0], [2520.0, 2280.0]])

    def test_missing_directory(self):
        with self.assertRaises(FileNotFoundError):
            parser.parse_all_logs("/fake/nowhere")


class TestPatched(unittest.TestCase):
    """os.listdir, os.path and open patched, as upstream's tests do."""

    std = ("2022-11-14 15:44:48 - The following components were found: GPU with device(s) "
           "NVIDIA GeForce RTX 3060. CPU with device(s) cpu:0.\n"
           "2022-11-14 15:44:48 - Epoch 1:\n2022-11-14 15:44:48 - Duration: 0:02:21.90\n"
           "2022-11-14 15:44:48 - Average power usage (W) for gpu: [136.86084615]\n"
           "2022-11-14 15:44:48 - Average power usage (W) for cpu: [13.389104]\n"
           "2022-11-14 15:44:49 - Epoch 2:\n2022-11-14 15:44:49 - Duration: 0:01:00.00\n"
           "2022-11-14 15:44:49 - Average power usage (W) for gpu: [100.0]\n")

    def test_parse_logs_through_patched_open(self):
        with mock.patch("builtins.open", mock.mock_open(read_data=self.std)), \
                mock.patch("os.path.isfile", side_effect=lambda p: p.endswith(".log")):
            comps = parser.parse_logs("/x", "/x/a_carbontracker.log",
                                      "/x/a_carbontracker_output.log")
        self.assertEqual(comps["gpu"]["devices"], ["NVIDIA GeForce RTX 3060"])
        self.assertEqual(plain(comps["gpu"]["epoch_durations (s)"]), [141.9, 60.0])
        # Two durations, one cpu power row: every series of cpu is cut to one epoch.
        cpu = comps["cpu"]
        self.assertEqual([plain(cpu[k]) for k in ("avg_power_usages (W)", "epoch_durations (s)")],
                         [[[13.389104]], [141.9]])
        self.assertEqual(len(cpu["avg_energy_usages (J)"]), 1)

    def test_helpers_are_what_parse_logs_calls(self):
        with mock.patch("builtins.open", mock.mock_open(read_data=self.std)), \
                mock.patch("carbontracker.parser.get_devices", return_value={"tpu": ["t0"]}), \
                mock.patch("carbontracker.parser.get_avg_power_usages", return_value={}):
            comps = parser.parse_logs("/x", "/x/a_carbontracker.log", "/x/b")
        self.assertEqual(list(comps), ["tpu"])
        self.assertIsNone(comps["tpu"]["avg_power_usages (W)"])
        self.assertIsNone(comps["tpu"]["avg_energy_usages (J)"])

    def test_aggregate_composes_get_consumption(self):
        runs = ([{"epochs": 1, "energy (kWh)": 1.0, "co2eq (g)": 2.0, "equivalents": {"km": 3}},
                 {"epochs": 4, "energy (kWh)": 4.0, "co2eq (g)": 8.0, "equivalents": None}],
                [{"epochs": 2, "energy (kWh)": float("nan"), "co2eq (g)": 1.0,
                  "equivalents": None}, None])
        with mock.patch("carbontracker.parser.get_all_logs",
                        return_value=(["/x/o1", "/x/o2"], ["/x/s1", "/x/s2"])), \
                mock.patch("builtins.open", mock.mock_open(read_data="")), \
                mock.patch("carbontracker.parser.get_consumption", side_effect=list(zip(*runs))
                           ), mock.patch("carbontracker.parser.get_early_stop",
                                         return_value=False):
            total = parser.aggregate_consumption("/x")
        # Run 1: the epochs differ and training was not stopped early, so its prediction
        # counts, and its NaN energy is left out (upstream adds NaN to the total); run 2: no
        # prediction, so the actual counts.
        self.assertEqual(total, (4.0, 8.0, {}))

    def test_get_stats(self):
        self.assertEqual(parser.get_stats(["g1", "g2", "10.5", "20.5"]), (10.5, 20.5, None))
        self.assertEqual(parser.get_stats(["g1", "g2", "1", "2", None]), (1.0, 2.0, None))
        self.assertEqual(parser.get_stats(["g1", "g2", "1", "2", "\t0.5 km\n"]),
                         (1.0, 2.0, {"km": 0.5}))


if __name__ == "__main__":
    unittest.main()
