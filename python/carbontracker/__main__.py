"""``python -m carbontracker ARGS``: runs the C command ``carbontracker ARGS`` in this process's
place (exec), so its options, output, signals and exit status are exactly the command's.

The command is looked for in CARBONTRACKER_COMMAND, next to the library (a build tree), in the
``bin`` directory beside the library's ``lib`` (an installation), then in PATH. Only an ELF
executable qualifies, so a script named carbontracker (e.g. upstream's console script) is never
run by mistake.
"""

import os
import sys

from .cli import NOT_FOUND, _MISSING, find_command


def main(argv=None):
    args = sys.argv[1:] if argv is None else list(argv)
    cmd = find_command()
    if cmd is None:
        sys.stderr.write(_MISSING)
        return NOT_FOUND
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(cmd, [cmd] + args)
    return NOT_FOUND  # not reached


if __name__ == "__main__":
    sys.exit(main())
