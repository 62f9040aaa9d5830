"""A notebook-style script written for upstream (notebook/upstream_notebook.py: tracker,
parser, report) runs unchanged against this package, and what it prints is what the logs say."""

import ast
import os
import re
import subprocess
import sys
import tempfile

import _support

SCRIPT = os.path.join(_support.HERE, "notebook", "upstream_notebook.py")


class TestUpstreamNotebook(_support.FixtureTestCase):
    def test_runs_unchanged(self):
        cwd = tempfile.mkdtemp(prefix="notebook.", dir=self.fx.root)
        env = dict(os.environ, PYTHONPATH=_support.PYTHON_DIR)
        r = subprocess.run([sys.executable, SCRIPT], cwd=cwd, env=env, capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = r.stdout
        # The tracker's console text, then the parser's and the report's results.
        self.assertIn("CarbonTracker: The following components were found: GPU with device(s) "
                      "Tesla T4.", out)
        self.assertIn("Predicted consumption for 3 epoch(s):", out)
        self.assertIn("Actual consumption for 3 epoch(s):", out)
        lines = dict(line.split(": ", 1) for line in out.splitlines()
                     if re.match(r"^(Output file name|Standard file name|Stopped early|"
                                 r"Measured consumption|Predicted consumption|Measured GPU "
                                 r"devices): ", line))
        self.assertRegex(lines["Output file name"],
                         r"^\./logs/\d+\.\d+_\d{4}-\d\d-\d\dT\d{6}Z_carbontracker_output\.log$")
        self.assertEqual(lines["Stopped early"], "False")
        actual = ast.literal_eval(lines["Measured consumption"])
        pred = ast.literal_eval(lines["Predicted consumption"])
        self.assertEqual((actual["epochs"], pred["epochs"]), (3, 3))
        self.assertGreater(actual["energy (kWh)"], 0)
        self.assertEqual(ast.literal_eval(lines["Measured GPU devices"]), ["Tesla T4"])
        self.assertRegex(out, r"\nThe training of models in this work is estimated to use "
                              r"\d+\.\d{16} kWh of electricity contributing to \d+\.\d{16} kg of "
                              r"CO2eq\. This is equivalent to \d+\.\d{16} km travelled by car\. "
                              r"Measured by carbontracker \(https://github\.com/lfwa/"
                              r"carbontracker\)\.\n")
        with open(os.path.join(cwd, "carbon_report.pdf"), "rb") as f:
            self.assertEqual(f.read(5), b"%PDF-")


if __name__ == "__main__":
    import unittest
    unittest.main()
