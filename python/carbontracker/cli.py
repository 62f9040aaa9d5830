"""The ``carbontracker`` console command of the package (``[project.scripts]``), upstream's
``carbontracker.cli`` module: ``main()`` runs the C command ``carbontracker`` with this process's
arguments and returns its exit status, so ``pip install`` gives the same command, options,
output and exit status as ``make install``.

The C command is looked for in CARBONTRACKER_COMMAND, next to the library (a build tree), in
the ``bin`` directory beside the library's ``lib`` (an installation), then in PATH. Only an ELF
executable qualifies, so this console script (a Python script also called carbontracker) is never
run by mistake. When none is found, main() says so and returns 127.

While the command runs, this process ignores SIGINT and SIGQUIT, as system(3) does (the
terminal sends them to the command too, which forwards them to what it wraps), and passes
SIGTERM and SIGHUP on to it. Where sys.stdout or sys.stderr is not a file of this process (a
notebook, contextlib.redirect_stdout), the command's output is copied to it.
"""

import os
import signal
import subprocess
import sys
import threading

from ._command import MISSING as _MISSING
from ._command import find_command  # noqa: F401 (part of this module's API)

#: The exit status when the command cannot be found or started (as a shell's).
NOT_FOUND = 127

def _status(returncode):
    """A shell's exit status: 128+N for a command killed by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def run_command(args):
    """Run the C command with ``args`` (a list of strings) and return its exit status; 127 with
    a message on stderr when the command is not installed."""
    cmd = find_command()
    if cmd is None:
        sys.stderr.write(_MISSING)
        return NOT_FOUND
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    # Where sys.stdout / sys.stderr are not the process's files (a notebook, redirect_stdout),
    # the command's output is passed on to them instead.
    relay = {name: _not_a_file(getattr(sys, name)) for name in ("stdout", "stderr")}
    try:
        proc = subprocess.Popen([cmd] + list(args),
                                stdout=subprocess.PIPE if relay["stdout"] else None,
                                stderr=subprocess.PIPE if relay["stderr"] else None)
    except OSError as e:
        sys.stderr.write(f"carbontracker: cannot run {cmd}: {e}\n")
        return NOT_FOUND
    pumps = [_pump(getattr(proc, name), getattr(sys, name)) for name in ("stdout", "stderr")
             if relay[name]]
    in_main = _main_thread()  # signal handlers can only be set there
    saved = {}
    if in_main:
        for sig in (signal.SIGINT, signal.SIGQUIT):
            saved[sig] = signal.signal(sig, signal.SIG_IGN)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            saved[sig] = signal.signal(sig, lambda n, _f: proc.send_signal(n))
    try:
        status = _status(proc.wait())
        for t in pumps:
            t.join()
        return status
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _not_a_file(stream):
    """Whether a Python stream is something other than an open file descriptor."""
    if stream is None:
        return False
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return True
    return False


def _pump(pipe, stream):
    """A thread copying the command's output from pipe to a Python stream, line by line."""
    def run():
        with pipe:
            for line in iter(pipe.readline, b""):
                stream.write(line.decode("utf-8", "replace"))
                stream.flush()

    t = threading.Thread(target=run, name="carbontracker-output", daemon=True)
    t.start()
    return t


def _main_thread():
    return threading.current_thread() is threading.main_thread()


def main(argv=None):
    """The console entry: ``carbontracker ARGS`` runs the C command with ARGS (sys.argv[1:] by
    default) and returns its exit status (the console script exits with it)."""
    args = sys.argv[1:] if argv is None else list(argv)
    return run_command(args)


# Upstream's helpers of this module, over the C command.

def parse_logs(log_dir):
    """Print upstream's aggregate sentence over the runs in log_dir (``--parse``)."""
    from . import parser
    parser.print_aggregate(log_dir=log_dir)


def generate_report(log_file, output_pdf):
    """Write the PDF report of a log file (``--report``), with upstream's messages."""
    if not os.path.exists(log_file):
        print(f"Error: Log file {log_file} does not exist")
        return
    from .report import generate_report_from_log
    generate_report_from_log(log_file, output_pdf)
    print(f"Report generated: {output_pdf}")


__all__ = ["main", "find_command", "run_command", "parse_logs", "generate_report"]

if __name__ == "__main__":
    sys.exit(main())
