"""Where the C command ``carbontracker`` is (see ``carbontracker.cli``): the console script and
``carbontracker.report`` both run it. Only an ELF executable qualifies, so a Python console script
also called carbontracker is never taken for it."""

import os
import shutil

MISSING = ("carbontracker: the carbontracker command (the C program) was not found next to "
           "libcarbontracker or in PATH. Install it with `make install` (from a clone of "
           "carbontracker in C), or set CARBONTRACKER_COMMAND to its path.\n")


def _is_command(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF" and os.access(path, os.X_OK)
    except OSError:
        return False


def find_command():
    """Path of the C command, or None (see the module's text for where it is looked for)."""
    env = os.environ.get("CARBONTRACKER_COMMAND")
    if env:
        return env if _is_command(env) else None
    from . import _lib
    candidates = []
    lib = _lib.library_path_hint()
    if lib:
        libdir = os.path.dirname(lib)
        candidates.append(os.path.join(libdir, "carbontracker"))
        for up in (os.path.dirname(libdir), os.path.dirname(os.path.dirname(libdir))):
            candidates.append(os.path.join(up, "bin", "carbontracker"))
    for d in os.environ.get("PATH", os.defpath).split(os.pathsep):
        if d:
            candidates.append(os.path.join(d, "carbontracker"))
    which = shutil.which("carbontracker")
    if which:
        candidates.append(which)
    for c in candidates:
        if _is_command(c):
            return c
    return None
