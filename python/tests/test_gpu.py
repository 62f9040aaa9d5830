"""GPUs through the fake libnvidia-ml (tests/fakes): found and measured, CUDA_VISIBLE_DEVICES
honoured (the package calls ct_options_from_env), devices_by_pid counting only the GPUs that run
a process of this Python process's tree."""

import contextlib
import io
import os
import time
import unittest

import _support
from carbontracker.tracker import CarbonTracker

U0 = "GPU-aaaa1111-2222-3333-4444-555555555555"
U1 = "GPU-bbbb1111-2222-3333-4444-555555555555"

SCENARIO = f"""driver = 550.54.14
[device]
name = NVIDIA A100-SXM4-40GB
uuid = {U0}
watts = 250
processes = self
[device]
name = Tesla T4
uuid = {U1}
watts = 70
processes = 1
"""

FAKE = os.environ.get("CT_FAKE_NVML")


@unittest.skipUnless(FAKE and os.path.exists(FAKE), "CT_FAKE_NVML (fake NVML) not set")
class TestGpu(_support.FixtureTestCase):
    def setUp(self):
        super().setUp()
        scenario = os.path.join(self.fx.root, "scenario")
        with open(scenario, "w") as f:
            f.write(SCENARIO)
        os.environ.update(CARBONTRACKER_NVML_LIBRARY=FAKE, FAKE_NVML_SCENARIO=scenario)

    def run_epoch(self, **kw):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            t = CarbonTracker(epochs=1, components="gpu", update_interval=0.05, **kw)
            t.epoch_start()
            time.sleep(0.2)
            r = t.epoch_end()
        return r, buf.getvalue()

    def test_gpus_found_and_measured(self):
        r, out = self.run_epoch()
        self.assertIn("CarbonTracker: The following components were found: GPU with device(s) "
                      "NVIDIA A100-SXM4-40GB, Tesla T4.\n", out)
        gpus = [(d["name"], d["uuid"], d["index"], d["meter"], d["provenance"])
                for d in r["devices"]]
        self.assertEqual(gpus, [("NVIDIA A100-SXM4-40GB", U0, 0, "nvml", "measured"),
                                ("Tesla T4", U1, 1, "nvml", "measured")])
        self.assertAlmostEqual(r["devices"][0]["energy_j"], 250 * r["duration_s"],
                               delta=0.02 * 250 * r["duration_s"])
        self.assertAlmostEqual(r["gpu_energy_j"], 320 * r["duration_s"],
                               delta=0.02 * 320 * r["duration_s"])

    def test_cuda_visible_devices(self):
        os.environ["CUDA_VISIBLE_DEVICES"] = "1"
        r, _ = self.run_epoch()
        self.assertEqual([d["uuid"] for d in r["devices"]], [U1])

    def test_devices_by_pid(self):
        # Every GPU is a candidate; a GPU's energy counts once a process of this process's tree
        # runs on it (the T4 runs only pid 1's).
        r, out = self.run_epoch(devices_by_pid=True)
        self.assertEqual([d["uuid"] for d in r["devices"]], [U0, U1])
        self.assertAlmostEqual(r["devices"][0]["energy_j"], 250 * r["duration_s"],
                               delta=0.02 * 250 * r["duration_s"])
        self.assertEqual(r["devices"][1]["energy_j"], 0.0)


if __name__ == "__main__":
    unittest.main()
