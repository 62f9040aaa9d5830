"""carbontracker.advice.advise() against a local HTTP server (tests/fakes/http_server.py)
serving a carbonintensity.org.uk forecast built around the current time with a known greenest
window: the exact start and the issue's keys; durations in every spelling; offline and zones
without a forecast raise with the library's message. Every URL points at 127.0.0.1."""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

import _support
from carbontracker import exceptions
from carbontracker.advice import advise, parse_duration

_URL_VARS = ("CARBONTRACKER_UKGRID_URL", "CARBONTRACKER_ELECTRICITYMAPS_URL",
             "CARBONTRACKER_ENERGIDATASERVICE_URL", "CARBONTRACKER_ENERGYCHARTS_URL",
             "CARBONTRACKER_EIRGRID_URL", "CARBONTRACKER_ODRE_URL",
             "CARBONTRACKER_GEOLOCATION_URL")


def _iso(t):
    return time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(t))


class TestAdvise(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(_support.TMP, exist_ok=True)
        cls.dir = tempfile.mkdtemp(prefix="advice.", dir=_support.TMP)
        t0 = int(time.time() // 1800 * 1800)
        values = [50 if 10 <= i < 14 else 200 for i in range(48)]
        body = json.dumps({"data": [{"from": _iso(t0 + i * 1800), "to": _iso(t0 + (i + 1) * 1800),
                                     "intensity": {"forecast": v, "actual": None}}
                                    for i, v in enumerate(values)]})
        routes = [{"path": f"/uk/intensity/{_iso(s)}/{h}",
                   "responses": [{"status": 200, "body": body}]}
                  for s in (t0, t0 + 1800) for h in ("fw24h", "fw48h")]
        with open(os.path.join(cls.dir, "routes.json"), "w") as f:
            json.dump({"routes": routes}, f)
        cls.best = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + 10 * 1800))
        port_file = os.path.join(cls.dir, "port")
        cls.server = subprocess.Popen(
            [sys.executable, os.path.join(_support.SOURCE_DIR, "tests", "fakes", "http_server.py"),
             "--port", "0", "--port-file", port_file, "--routes",
             os.path.join(cls.dir, "routes.json"), "--log", os.path.join(cls.dir, "log"),
             "--max-seconds", "120"])
        for _ in range(200):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        with open(port_file) as f:
            base = f"http://127.0.0.1:{f.read().strip()}"
        cls.saved = {k: os.environ.get(k) for k in _URL_VARS + ("CARBONTRACKER_OFFLINE",)}
        for k in _URL_VARS:
            os.environ[k] = base + "/" + k.split("_")[1].lower()
        os.environ["CARBONTRACKER_UKGRID_URL"] = base + "/uk"
        os.environ.pop("CARBONTRACKER_OFFLINE", None)

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait()
        for k, v in cls.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    def test_exact_start_and_keys(self):
        a = advise("2h", zone="GB")
        self.assertEqual(a["best_start"], self.best)
        self.assertEqual((a["best_intensity_g_per_kwh"], a["now_intensity_g_per_kwh"],
                          a["saving_percent"], a["zone"]), (50, 200, 75, "GB"))
        self.assertTrue(a["source"].startswith("ukgrid"))
        self.assertEqual(advise(5400, zone="GB")["best_start"], self.best)

    def test_durations(self):
        for text in ("90m", "1h30m", "5400", 5400, "1h29m60s"):
            self.assertEqual(parse_duration(text), 5400, text)
        for bad in ("", "2x", "0", "m", -1, "1m2h"):
            with self.assertRaises(exceptions.InvalidArgumentError, msg=bad):
                parse_duration(bad)

    def test_clear_errors(self):
        with self.assertRaises(exceptions.NotSupportedError) as cm:
            advise("2h", zone="PL")
        self.assertIn("no carbon intensity forecast for PL", str(cm.exception))
        with self.assertRaises(exceptions.NotSupportedError) as cm:
            advise("2h", zone="GB", options={"live": 0})
        self.assertIn("needs the live forecasts", str(cm.exception))
        with self.assertRaises(exceptions.IOFailureError) as cm:
            advise("30h", zone="GB")
        self.assertIn("less than the 30:00:00 asked for", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
