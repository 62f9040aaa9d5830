"""``python -m carbontracker ARGS``: runs the C command ``carbontracker ARGS`` in this process's
place (exec), so its options, output, signals and exit status are exactly the command's.

The command is looked for in CARBONTRACKER_COMMAND, next to the library (a build tree), in the
``bin`` directory beside the library's ``lib`` (an installation), then in PATH. Only an ELF
executable qualifies, so a script named carbontracker (e.g. upstream's console script) is never
run by mistake.
"""

import os
import shutil
import sys


def _is_command(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF" and os.access(path, os.X_OK)
    except OSError:
        return False


def find_command():
    """Path of the C command, or None."""
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


def main(argv=None):
    args = sys.argv[1:] if argv is None else list(argv)
    cmd = find_command()
    if cmd is None:
        sys.stderr.write("python -m carbontracker: the carbontracker command was not found (build "
                         "it with make, install it with make install, or set "
                         "CARBONTRACKER_COMMAND)\n")
        return 127
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(cmd, [cmd] + args)
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main())
