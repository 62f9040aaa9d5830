#!/usr/bin/env python3
"""Upstream carbontracker's own tests of its public parser and exceptions modules, unchanged,
against our Python package: a compatibility check.

The repository holds no copy of upstream's code or tests. Point CT_UPSTREAM_TESTS at a copy of
upstream's repository at v2.3.1 (a clone, or `git archive v2.3.1 tests | tar x` in an empty
directory: the directory that holds tests/test_parser.py); without it the check is skipped
(exit 77). The test files are copied to a scratch directory and imported from there, so only our
package (python/) can be imported as carbontracker.

Every failure must be one that doc/compat.md lists (ALLOWED below, with the reason); at most 3.
Upstream's tests use pyfakefs (Debian: python3-pyfakefs).
"""

import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("CT_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
MODULES = ("tests.test_parser", "tests.test_exceptions")

#: Upstream tests that fail on purpose; each is in doc/compat.md ("Python package").
ALLOWED = {
    "tests.test_parser.TestParser.test_parse_epoch_mismatch":
        "power rows and durations of different lengths are cut to the shorter series instead "
        "of raising MismatchedEpochsError",
}
MAX_ALLOWED = 3
SKIP = 77


def main():
    src = os.environ.get("CT_UPSTREAM_TESTS")
    if not src:
        print("skipped: set CT_UPSTREAM_TESTS to a copy of upstream carbontracker v2.3.1 (the "
              "directory holding tests/test_parser.py) to run its tests against this package")
        return SKIP
    tests = os.path.join(src, "tests")
    if not os.path.isfile(os.path.join(tests, "test_parser.py")):
        print(f"CT_UPSTREAM_TESTS={src}: no tests/test_parser.py there (give the directory "
              "that holds upstream's tests/)", file=sys.stderr)
        return 2
    try:
        import pyfakefs  # noqa: F401
    except ImportError:
        print(f"skipped: {sys.executable} has no pyfakefs (Debian: python3-pyfakefs), which "
              "upstream's tests need")
        return SKIP
    work = tempfile.mkdtemp(prefix="ct-upstream-tests.")
    try:
        shutil.copytree(tests, os.path.join(work, "tests"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        sys.path[:0] = [os.path.join(SOURCE_DIR, "python"), work]
        import carbontracker
        where = os.path.dirname(carbontracker.__file__)
        if os.path.realpath(where) != os.path.realpath(os.path.join(SOURCE_DIR, "python",
                                                                    "carbontracker")):
            print(f"carbontracker was imported from {where}, not this package", file=sys.stderr)
            return 2
        suite = unittest.defaultTestLoader.loadTestsFromNames(MODULES)
        result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failed = {t.id(): "failure" for t, _ in result.failures}
    failed.update({t.id(): "error" for t, _ in result.errors})
    unexpected = sorted(set(failed) - set(ALLOWED))
    print(f"\nupstream {', '.join(MODULES)}: {result.testsRun} run, "
          f"{result.testsRun - len(failed) - len(result.skipped)} passed, {len(failed)} failed "
          f"({len(set(failed) & set(ALLOWED))} of them listed in doc/compat.md), "
          f"{len(result.skipped)} skipped")
    for name in sorted(set(failed) & set(ALLOWED)):
        print(f"  expected: {name}: {ALLOWED[name]}")
    for name in unexpected:
        print(f"  UNEXPECTED {failed[name]}: {name}")
    if unexpected or len(failed) > MAX_ALLOWED or result.testsRun == 0:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
