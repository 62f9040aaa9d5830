"""carbontracker: upstream carbontracker's Python API, measured by libcarbontracker (C).

    from carbontracker.tracker import CarbonTracker
    from carbontracker import parser, report, loggerutil, constants, cli, exceptions

The package is pure Python over ctypes; the library is loaded on first use from
CARBONTRACKER_LIBRARY, next to the package, the path recorded by `make install`, or the system.
See doc/python.md.
"""

__version__ = "0.3.0"

#: The upstream carbontracker release whose Python API this package follows (doc/python.md):
#: its modules, names, signatures and behaviour, with the differences doc/compat.md lists.
UPSTREAM_VERSION = "2.3.1"

from .exceptions import CarbonTrackerError  # noqa: E402
from .tracker import CarbonTracker  # noqa: E402


def library_version():
    """Version string of the libcarbontracker actually loaded (loads it)."""
    from . import _lib
    return _lib.load().version_string


__all__ = ["CarbonTracker", "CarbonTrackerError", "library_version", "__version__",
           "UPSTREAM_VERSION"]
