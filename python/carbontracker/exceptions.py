"""Exceptions: one class per libcarbontracker status code, generated from the code table (a test
checks the table against ct_status_name()), and upstream carbontracker's exception names, so
``except`` clauses written for upstream keep working.
"""


class CarbonTrackerError(Exception):
    """Base of every error raised by this package. ``status`` is the C status code (negative),
    ``status_name`` its name without prefix ("EINVAL"); str(error) is the detail text, or the
    class's ``default_message`` when none is given."""

    status = -1
    status_name = "ERROR"
    default_message = ""

    def __init__(self, message=None, status=None):
        super().__init__(self.default_message if message is None or message == "" else message)
        if status is not None:
            self.status = status


class LibraryNotFoundError(CarbonTrackerError, OSError):
    """libcarbontracker could not be loaded, or is not a version this package can use."""


#: The C status codes: (value, name, class name, extra base). Same order as CT_STATUS_MAP.
STATUS_TABLE = (
    (-1, "ERROR", "UnspecifiedError", None),
    (-2, "EINVAL", "InvalidArgumentError", ValueError),
    (-3, "ENOMEM", "OutOfMemoryError", MemoryError),
    (-4, "ENOTSUP", "NotSupportedError", None),
    (-5, "EPERM", "PermissionDeniedError", None),
    (-6, "EIO", "IOFailureError", None),
    (-7, "ESTATE", "StateError", None),
    (-8, "ENODEV", "NoComponentsAvailableError", None),
    (-9, "ETHREAD", "ThreadError", None),
    (-10, "ESTOPPED", "StoppedByUserError", None),
    (-11, "EBUDGET", "BudgetExceededError", None),
)

#: Upstream's default texts, where upstream's class has one (carbontracker/exceptions.py).
_DEFAULT_MESSAGES = {
    "NoComponentsAvailableError": "No components were available. CarbonTracker supports Intel "
                                  "CPUs with the RAPL interface and NVIDIA GPUs.",
}

_BY_STATUS = {}
for _value, _name, _cls_name, _extra in STATUS_TABLE:
    _bases = (CarbonTrackerError,) + ((_extra,) if _extra else ())
    _cls = type(_cls_name, _bases, {"status": _value, "status_name": _name,
                                    "default_message": _DEFAULT_MESSAGES.get(_cls_name, ""),
                                    "__doc__": f"Status CT_{_name} ({_value})."})
    globals()[_cls_name] = _cls
    _BY_STATUS[_value] = _cls
del _value, _name, _cls_name, _extra, _bases, _cls

# Upstream's names (carbontracker/exceptions.py), as subclasses of the status classes.


class ComponentNameError(InvalidArgumentError):  # noqa: F821 (generated above)
    """An unknown name in ``components`` ("No component found with name 'x'.")."""


class FetcherNameError(InvalidArgumentError):  # noqa: F821
    """An unknown name in ``api_keys`` ("Invalid API name 'x' given.")."""


class MismatchedLogFilesError(CarbonTrackerError):
    """The parser found different numbers of output and standard logs."""


class MismatchedEpochsError(CarbonTrackerError):
    """The parser found different numbers of power and duration measurements."""


class DeviceLostError(CarbonTrackerError):
    """A device stopped answering while it was being measured (the energy measured before is
    kept). Raised, with ignore_errors=False, at the tracker call after the one that saw it."""


# Upstream's other names, with upstream's constructor arguments, so code that raises or catches
# them keeps working. The package raises none of them itself: the library reports these
# conditions as the status classes above (a RAPL counter it cannot read is a warning and a
# fallback, a failed intensity fetch falls back to the last good value, then the table).
class CPUError(CarbonTrackerError):
    pass


class GPUError(CarbonTrackerError):
    pass


class UnitError(CarbonTrackerError):
    """A unit that is not the expected one: UnitError(expected_unit, received_unit, message),
    as upstream; the three are kept as attributes."""

    def __init__(self, expected_unit, received_unit, message):
        super().__init__(message)
        self.expected_unit = expected_unit
        self.received_unit = received_unit
        self.message = message


class IntelRaplPermissionError(PermissionDeniedError):  # noqa: F821
    """RAPL counters that cannot be read: IntelRaplPermissionError(file_names=[...]), as
    upstream; ``file_names`` is kept."""

    def __init__(self, file_names, message=None):
        names = list(file_names or [])
        if message is None:
            message = ("cannot read the RAPL energy counters " + ", ".join(names) +
                       " (readable by root only since Linux 5.10; README.md, RAPL permissions, "
                       "says how to allow it)")
        super().__init__(message)
        self.file_names = names


class GPUPowerUsageRetrievalError(CarbonTrackerError):
    pass


class CarbonIntensityFetcherError(CarbonTrackerError):
    """A carbon intensity source failed (upstream's name)."""


class IPLocationError(CarbonTrackerError):
    """The location could not be found from the IP address (upstream's name)."""


def error_for(status, message):
    """The exception for a C status code and its detail text."""
    cls = _BY_STATUS.get(status, CarbonTrackerError)
    if cls is InvalidArgumentError and message.startswith("No component found with name"):  # noqa
        cls = ComponentNameError
    return cls(message, status)


__all__ = ["CarbonTrackerError", "LibraryNotFoundError", "ComponentNameError",
           "FetcherNameError", "MismatchedLogFilesError", "MismatchedEpochsError",
           "DeviceLostError", "CPUError", "GPUError", "UnitError", "IntelRaplPermissionError",
           "GPUPowerUsageRetrievalError", "CarbonIntensityFetcherError", "IPLocationError",
           "error_for", "STATUS_TABLE"] + [
               row[2] for row in STATUS_TABLE]
