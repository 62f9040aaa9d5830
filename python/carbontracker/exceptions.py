"""Exceptions: one class per libcarbontracker status code, generated from the code table (a test
checks the table against ct_status_name()), and upstream carbontracker's exception names, so
``except`` clauses written for upstream keep working.
"""


class CarbonTrackerError(Exception):
    """Base of every error raised by this package. ``status`` is the C status code (negative),
    ``status_name`` its name without prefix ("EINVAL"); str(error) is the detail text."""

    status = -1
    status_name = "ERROR"

    def __init__(self, message="", status=None):
        super().__init__(message)
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
)

_BY_STATUS = {}
for _value, _name, _cls_name, _extra in STATUS_TABLE:
    _bases = (CarbonTrackerError,) + ((_extra,) if _extra else ())
    _cls = type(_cls_name, _bases, {"status": _value, "status_name": _name,
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


# Upstream names kept for ``except`` clauses; this package does not raise them itself.
class CPUError(CarbonTrackerError):
    pass


class GPUError(CarbonTrackerError):
    pass


class UnitError(CarbonTrackerError):
    pass


class IntelRaplPermissionError(PermissionDeniedError):  # noqa: F821
    pass


class GPUPowerUsageRetrievalError(CarbonTrackerError):
    pass


def error_for(status, message):
    """The exception for a C status code and its detail text."""
    cls = _BY_STATUS.get(status, CarbonTrackerError)
    if cls is InvalidArgumentError and message.startswith("No component found with name"):  # noqa
        cls = ComponentNameError
    return cls(message, status)


__all__ = ["CarbonTrackerError", "LibraryNotFoundError", "ComponentNameError",
           "FetcherNameError", "MismatchedLogFilesError", "MismatchedEpochsError",
           "DeviceLostError", "CPUError", "GPUError", "UnitError", "IntelRaplPermissionError",
           "GPUPowerUsageRetrievalError", "error_for", "STATUS_TABLE"] + [
               row[2] for row in STATUS_TABLE]
