"""python -m carbontracker runs the C command in its place."""

import os
import subprocess
import sys
import unittest

import _support


def run_module(args, env):
    env = dict(env)
    env["PYTHONPATH"] = _support.PYTHON_DIR
    return subprocess.run([sys.executable, "-m", "carbontracker"] + args, env=env,
                          capture_output=True, text=True, timeout=60)


class TestMain(unittest.TestCase):
    def test_version_and_exit_status(self):
        # The command next to the library (the build tree), exec'd: its output, its status.
        r = run_module(["--version"], os.environ)
        self.assertEqual(r.returncode, 0, r.stderr)
        from carbontracker import _lib
        self.assertEqual(r.stdout, f"carbontracker {_lib.load().version_string}\n")

    def test_finds_and_refuses(self):
        from carbontracker import __main__ as main
        found = main.find_command()
        self.assertIsNotNone(found)
        if os.environ.get("CT_BIN"):
            self.assertEqual(os.path.realpath(found), os.path.realpath(os.environ["CT_BIN"]))
        # A script called carbontracker (upstream's console script) is never taken.
        script = os.path.join(_support.TMP, "carbontracker")
        os.makedirs(_support.TMP, exist_ok=True)
        with open(script, "w") as f:
            f.write("#!/bin/sh\necho script\n")
        os.chmod(script, 0o755)
        saved = dict(os.environ)
        try:
            os.environ["CARBONTRACKER_COMMAND"] = script
            self.assertIsNone(main.find_command())
            self.assertEqual(main.main(["--version"]), 127)
        finally:
            os.environ.clear()
            os.environ.update(saved)
            os.unlink(script)


if __name__ == "__main__":
    unittest.main()
