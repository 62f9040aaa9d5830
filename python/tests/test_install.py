"""pip install of the package, offline as on a Debian machine (pip install --no-index
--no-build-isolation with the system's setuptools), gives a working carbontracker console
script: the C command through carbontracker.cli, or a clear message when it is missing."""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import _support


@unittest.skipUnless(importlib.util.find_spec("pip") and importlib.util.find_spec("setuptools"),
                     f"{sys.executable} has no pip or setuptools (Debian: python3-pip, "
                     "python3-setuptools)")
class TestPipInstall(unittest.TestCase):
    def test_console_script(self):
        os.makedirs(_support.TMP, exist_ok=True)
        work = tempfile.mkdtemp(prefix="pip.", dir=_support.TMP)
        try:
            src = os.path.join(work, "src")  # a copy: pip's build files stay out of the tree
            shutil.copytree(_support.PYTHON_DIR, src,
                            ignore=shutil.ignore_patterns("tests", "build", "*.egg-info",
                                                          "__pycache__", "*.so", "*.so.*",
                                                          "_install.py"))
            target = os.path.join(work, "site")
            env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "PYTHONPATH")}
            r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index",
                                "--no-build-isolation", "--target", target, src],
                               env=env, capture_output=True, text=True, timeout=300)
            if r.returncode != 0 and "invalid command 'bdist_wheel'" in r.stderr:
                self.skipTest(f"{sys.executable}'s setuptools builds wheels only with the wheel "
                              "package, which is not installed")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            script = os.path.join(target, "bin", "carbontracker")
            self.assertTrue(os.access(script, os.X_OK), os.listdir(target))
            env["PYTHONPATH"] = target
            empty = os.path.join(work, "empty")
            os.makedirs(empty)
            # The command found next to the library (CARBONTRACKER_LIBRARY: the build tree).
            r = subprocess.run([script, "--version"], env=env, capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            from carbontracker import __version__
            self.assertEqual(r.stdout, f"carbontracker {__version__}\n")
            # Neither next to a library nor in PATH: the message, and 127.
            bare = dict(env, PATH=empty, CARBONTRACKER_LIBRARY=os.path.join(empty, "none.so"))
            r = subprocess.run([script, "--version"], env=bare, capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 127)
            self.assertIn("the carbontracker command (the C program) was not found", r.stderr)
            self.assertEqual(r.stdout, "")
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
