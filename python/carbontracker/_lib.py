"""Loading libcarbontracker through ctypes: where the library is found, the version check, the
mirrored public structs and the argtypes/restype of every C function, all in one place.

Nothing here runs at import time: the library is loaded by the first call to load(), so
``import carbontracker`` works (and ``python -m carbontracker`` can find the command) even where
the library is missing.
"""

import ctypes
import ctypes.util
import os
import threading

from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double, c_int, c_size_t,
                    c_uint, c_void_p)

from .exceptions import LibraryNotFoundError

#: The library version this package was written against: same major, minor at least this.
EXPECTED_VERSION = (0, 3)

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

#: Names tried next to the package (a wheel or a copy of the build's library).
_LOCAL_NAMES = ("libcarbontracker.so", "libcarbontracker.so.0")

CT_OPTIONS_VERSION = 3
CT_DEVICE_ENERGY_VERSION = 1
CT_EPOCH_RESULT_VERSION = 2
CT_SUMMARY_VERSION = 3
CT_LIVE_VERSION = 1
CT_ADVICE_VERSION = 1

# Message levels (ct_level).
CT_LEVEL_OUTPUT, CT_LEVEL_INFO, CT_LEVEL_WARNING, CT_LEVEL_ERROR = 0, 1, 2, 3

#: ct_message_fn: void (*)(void *user, int level, const char *text)
MESSAGE_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p)
#: ct_confirm_fn: int (*)(void *user, const char *question)
CONFIRM_FN = CFUNCTYPE(c_int, c_void_p, c_char_p)


# ---- mirrored structs (include/carbontracker.h; field order and types exactly as there) ------

class Options(Structure):
    """struct ct_options."""
    _fields_ = [
        ("version", c_uint),
        ("epochs", c_int),
        ("epochs_before_pred", c_int),
        ("monitor_epochs", c_int),
        ("update_interval_s", c_double),
        ("components", c_char_p),
        ("log_dir", c_char_p),
        ("log_file_prefix", c_char_p),
        ("verbose", c_int),
        ("decimal_precision", c_int),
        ("interpretable", c_int),
        ("pue", c_double),
        ("zone", c_char_p),
        ("sim_cpu", c_char_p),
        ("sim_cpu_tdp_w", c_double),
        ("sim_cpu_util", c_double),
        ("sim_gpu", c_char_p),
        ("sim_gpu_watts", c_double),
        ("sim_gpu_util", c_double),
        ("sysfs_root", c_char_p),
        ("proc_root", c_char_p),
        ("tz", c_char_p),
        ("localtime_path", c_char_p),
        ("zoneinfo_dir", c_char_p),
        ("include_psys", c_int),
        ("message", MESSAGE_FN),
        ("message_user", c_void_p),
        ("confirm", CONFIRM_FN),
        ("confirm_user", c_void_p),
        ("nvml_library", c_char_p),
        ("cuda_visible_devices", c_char_p),
        ("devices_by_pid", c_int),
        ("tracked_pid", c_int),
        ("live", c_int),
        ("electricitymaps_api_key", c_char_p),
        ("latitude", c_double),
        ("longitude", c_double),
        ("postcode", c_char_p),
        ("carbon_refresh_s", c_double),
        ("http_timeout_s", c_double),
        ("electricitymaps_url", c_char_p),
        ("ukgrid_url", c_char_p),
        ("energidataservice_url", c_char_p),
        ("geolocation_url", c_char_p),
        ("settings", c_void_p),
        ("environment", c_void_p),
        ("budget_co2eq_g", c_double),
        ("budget_kwh", c_double),
        ("budget_action", c_char_p),
    ]


class DeviceEnergy(Structure):
    """struct ct_device_energy (from ct_epoch_device() and ct_summary_device())."""
    _fields_ = [
        ("version", c_uint),
        ("component", c_char * 8),
        ("name", c_char * 96),
        ("meter", c_char * 24),
        ("provenance", c_int),
        ("lost", c_int),
        ("energy_j", c_double),
        ("uuid", c_char * 96),
        ("index", c_int),
    ]


class EpochResult(Structure):
    """struct ct_epoch_result."""
    _fields_ = [
        ("version", c_uint),
        ("epoch", c_int),
        ("duration_s", c_double),
        ("energy_j", c_double),
        ("cpu_energy_j", c_double),
        ("gpu_energy_j", c_double),
        ("cpu_power_w", c_double),
        ("gpu_power_w", c_double),
        ("energy_kwh_pue", c_double),
        ("intensity_g_per_kwh", c_double),
        ("co2eq_g", c_double),
        ("n_devices", c_int),
    ]


class Live(Structure):
    """struct ct_live: the run's figures now (ct_get_live())."""
    _fields_ = [
        ("version", c_uint),
        ("elapsed_s", c_double),
        ("power_w", c_double),
        ("energy_j", c_double),
        ("energy_kwh", c_double),
        ("co2eq_g", c_double),
        ("intensity_g_per_kwh", c_double),
        ("intensity_source", c_char * 64),
        ("budget", c_int),
        ("budget_used", c_double),
        ("stop_requested", c_int),
        ("finished", c_int),
    ]


class Advice(Structure):
    """struct ct_advice: the greenest start from the forecast (ct_advise())."""
    _fields_ = [
        ("version", c_uint),
        ("duration_s", c_double),
        ("best_start_s", c_double),
        ("best_intensity_g_per_kwh", c_double),
        ("now_intensity_g_per_kwh", c_double),
        ("saving_percent", c_double),
        ("now_s", c_double),
        ("horizon_end_s", c_double),
        ("zone", c_char * 16),
        ("source", c_char * 96),
    ]


class Summary(Structure):
    """struct ct_summary."""
    _fields_ = [
        ("version", c_uint),
        ("epochs", c_int),
        ("early_stop", c_int),
        ("finished", c_int),
        ("duration_s", c_double),
        ("energy_j", c_double),
        ("energy_kwh", c_double),
        ("pue", c_double),
        ("intensity_g_per_kwh", c_double),
        ("co2eq_g", c_double),
        ("km_by_car", c_double),
        ("intensity_source", c_char * 64),
        ("zone", c_char * 16),
        ("location", c_char * 128),
        ("location_method", c_char * 24),
        ("predicted", c_int),
        ("pred_epochs", c_int),
        ("pred_duration_s", c_double),
        ("pred_energy_kwh", c_double),
        ("pred_co2eq_g", c_double),
        ("tracker_cpu_s", c_double),
        ("n_devices", c_int),
        ("caller_cpu_s", c_double),
        ("carbon_cpu_s", c_double),
        ("sampler_cpu_s", c_double),
    ]


# ct_option_type
(CT_OPTION_INT, CT_OPTION_UINT, CT_OPTION_DOUBLE, CT_OPTION_STRING, CT_OPTION_CALLBACK,
 CT_OPTION_POINTER) = range(6)


class OptionDesc(Structure):
    """struct ct_option_desc: one field of ct_options, from ct_option_info()."""
    _fields_ = [
        ("name", c_char_p),
        ("type", c_int),
        ("offset", c_size_t),
        ("size", c_size_t),
        ("env", c_char_p),
        ("cli_name", c_char_p),
        ("cli_arg", c_char_p),
        ("help", c_char_p),
        ("secret", c_int),
        ("owned", c_int),
    ]


class SettingDesc(Structure):
    """struct ct_setting_desc: one setting of a meter or carbon provider, from ct_setting_info()."""
    _fields_ = [
        ("backend", c_char_p),
        ("key", c_char_p),
        ("env", c_char_p),
        ("default_value", c_char_p),
        ("secret", c_int),
        ("help", c_char_p),
    ]


#: Mirrored struct per C name, for ct_struct_size() checks.
STRUCTS = {
    "ct_options": Options,
    "ct_epoch_result": EpochResult,
    "ct_summary": Summary,
    "ct_live": Live,
    "ct_advice": Advice,
    "ct_device_energy": DeviceEnergy,
    "ct_option_desc": OptionDesc,
    "ct_setting_desc": SettingDesc,
}

#: The versioned result structs: their init function and the version this package mirrors.
_VERSIONED = {
    DeviceEnergy: ("ct_device_energy_init", CT_DEVICE_ENERGY_VERSION),
    EpochResult: ("ct_epoch_result_init", CT_EPOCH_RESULT_VERSION),
    Summary: ("ct_summary_init", CT_SUMMARY_VERSION),
    Live: ("ct_live_init", CT_LIVE_VERSION),
}

_P = POINTER
_TRACKER = c_void_p  # ct_tracker * (opaque)
_PARSE_RESULT = c_void_p  # ct_parse_result * (opaque)

#: Every C function: name -> (restype, argtypes, required). Optional ones may be missing from an
#: older library; has() tells.
FUNCTIONS = {
    "ct_version": (c_uint, [], True),
    "ct_version_string": (c_char_p, [], True),
    "ct_strerror": (c_char_p, [c_int], True),
    "ct_status_name": (c_char_p, [c_int], True),
    "ct_provenance_name": (c_char_p, [c_int], True),
    "ct_message_stdout": (None, [c_void_p, c_int, c_char_p], True),
    "ct_options_init": (None, [_P(Options)], True),
    "ct_options_init_version": (c_int, [_P(Options), c_uint], False),
    "ct_option_count": (c_size_t, [], False),
    "ct_option_info": (_P(OptionDesc), [c_size_t], False),
    "ct_options_set": (c_int, [_P(Options), c_char_p, c_char_p, c_char_p, c_size_t], False),
    "ct_setting_count": (c_size_t, [], False),
    "ct_setting_info": (_P(SettingDesc), [c_size_t], False),
    "ct_struct_size": (c_size_t, [c_char_p], False),
    "ct_options_from_env": (c_int, [_P(Options)], True),
    "ct_tracker_open": (c_int, [_P(_TRACKER), _P(Options), c_char_p, c_size_t], True),
    "ct_epoch_start": (c_int, [_TRACKER], True),
    "ct_epoch_end": (c_int, [_TRACKER, _P(EpochResult)], True),
    "ct_epoch_device": (c_int, [_TRACKER, c_size_t, _P(DeviceEnergy)], True),
    "ct_stop": (c_int, [_TRACKER], True),
    "ct_get_summary": (c_int, [_TRACKER, _P(Summary)], True),
    "ct_summary_device": (c_int, [_TRACKER, c_size_t, _P(DeviceEnergy)], True),
    "ct_device_energy_init": (c_int, [_P(DeviceEnergy), c_uint], True),
    "ct_epoch_result_init": (c_int, [_P(EpochResult), c_uint], True),
    "ct_summary_init": (c_int, [_P(Summary), c_uint], True),
    "ct_live_init": (c_int, [_P(Live), c_uint], False),
    "ct_get_live": (c_int, [_TRACKER, _P(Live)], False),
    "ct_advise": (c_int, [_P(Options), c_double, c_double, _P(Advice), c_char_p, c_size_t], False),
    "ct_summary_json": (c_int, [_TRACKER, _P(c_void_p)], True),
    "ct_probe_json": (c_int, [_P(Options), _P(c_void_p)], True),
    "ct_track_pid": (c_int, [_TRACKER, c_int], True),
    "ct_set_api_key": (c_int, [_TRACKER, c_char_p, c_char_p], True),
    "ct_errmsg": (c_char_p, [_TRACKER], True),
    "ct_tracker_free": (None, [_TRACKER], True),
    "ct_free": (None, [c_void_p], True),
    "ct_timestring": (c_int, [c_double, c_int, c_char_p, c_size_t], True),
    # The log parser.
    "ct_parse_dir": (c_int, [c_char_p, c_int, _P(_PARSE_RESULT), c_char_p, c_size_t], False),
    "ct_parse_files": (c_int, [c_char_p, c_char_p, c_char_p, _P(_PARSE_RESULT), c_char_p,
                               c_size_t], False),
    "ct_parse_bytes": (c_int, [c_char_p, c_size_t, c_char_p, c_size_t, _P(_PARSE_RESULT)], False),
    "ct_parse_run_bytes": (c_int, [c_char_p, c_size_t, c_char_p, c_char_p, c_size_t, c_char_p,
                                   c_char_p, c_size_t, c_char_p, _P(_PARSE_RESULT)], False),
    "ct_parse_json": (c_int, [_PARSE_RESULT, _P(c_void_p)], False),
    "ct_parse_aggregate_sentence": (c_int, [_PARSE_RESULT, _P(c_void_p)], False),
    "ct_parse_run_count": (c_size_t, [_PARSE_RESULT], False),
    "ct_parse_totals": (c_int, [_PARSE_RESULT, _P(c_double), _P(c_double)], False),
    "ct_parse_result_free": (None, [_PARSE_RESULT], False),
}


class Library:
    """The loaded library: C functions as attributes, plus where it came from."""

    def __init__(self, cdll, path):
        self._cdll = cdll
        self.path = path
        self.missing = []
        for name, (restype, argtypes, required) in FUNCTIONS.items():
            try:
                fn = getattr(cdll, name)
            except AttributeError:
                if required:
                    raise LibraryNotFoundError(
                        f"{path} is not a usable libcarbontracker: it lacks {name}()") from None
                self.missing.append(name)
                continue
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name, fn)
        self.version = self.ct_version()
        self.version_string = self.ct_version_string().decode()
        self.sizes = {}
        self._buf_types = {}
        for cname, cls in STRUCTS.items():
            n = self.ct_struct_size(cname.encode()) if self.has("ct_struct_size") else 0
            self.sizes[cname] = n or ctypes.sizeof(cls)

    def has(self, name):
        return name not in self.missing and hasattr(self, name)

    def new(self, cls):
        """A zeroed instance of a mirrored struct in a buffer of the C size (never smaller than
        the mirror), so a newer library that grew the struct at its end writes into our memory."""
        buf_type = self._buf_types.get(cls)
        if buf_type is None:  # once per struct: an epoch_end makes several
            cname = next(k for k, v in STRUCTS.items() if v is cls)
            buf_type = self._buf_types[cls] = c_char * max(self.sizes[cname], ctypes.sizeof(cls))
        return cls.from_buffer(buf_type())

    def new_versioned(self, cls):
        """A mirrored result struct (EpochResult, Summary, DeviceEnergy) initialised by the
        library for the version this package mirrors (CT_*_VERSION above): the library writes
        exactly that version's bytes."""
        obj = self.new(cls)
        init, version = _VERSIONED[cls]
        rc = getattr(self, init)(ctypes.byref(obj), version)
        if rc != 0:
            raise LibraryNotFoundError(
                f"{self.path}: {init}() refused version {version} ({self.status_text(rc)})")
        return obj

    def take_string(self, ptr):
        """Decode a char * the library allocated and free it with ct_free()."""
        if not ptr:
            return None
        try:
            return ctypes.string_at(ptr).decode("utf-8", "replace")
        finally:
            self.ct_free(ptr)

    def status_text(self, status):
        return self.ct_strerror(status).decode()


def candidates():
    """Where the library is looked for, in order, as (how, path-or-name). CARBONTRACKER_LIBRARY,
    when set, is the only candidate."""
    env = os.environ.get("CARBONTRACKER_LIBRARY")
    if env:
        return [("CARBONTRACKER_LIBRARY", env)]
    out = []
    for name in _LOCAL_NAMES:
        p = os.path.join(PACKAGE_DIR, name)
        if os.path.exists(p):
            out.append(("next to the package", p))
    try:
        from . import _install  # written by `make install`
        if getattr(_install, "LIBRARY", None):
            out.append(("recorded by make install", _install.LIBRARY))
    except ImportError:
        pass
    found = ctypes.util.find_library("carbontracker")
    if found:
        out.append(("ctypes.util.find_library", found))
    out.append(("the dynamic linker's search path", "libcarbontracker.so.0"))
    return out


def library_path_hint():
    """The path of the library that load() would try first, without loading it (or None)."""
    for _, p in candidates():
        if os.path.sep in p and os.path.exists(p):
            return os.path.realpath(p)
    return None


def _check_version(lib):
    major, minor = lib.version >> 16, (lib.version >> 8) & 0xFF
    want_major, want_minor = EXPECTED_VERSION
    if major != want_major or minor < want_minor:
        raise LibraryNotFoundError(
            f"{lib.path} is libcarbontracker {lib.version_string}; this Python package needs "
            f"{want_major}.{want_minor} or a later {want_major}.x (set CARBONTRACKER_LIBRARY to "
            f"a matching library)")
    for cname, cls in STRUCTS.items():
        if lib.sizes[cname] < ctypes.sizeof(cls):
            raise LibraryNotFoundError(
                f"{lib.path}: struct {cname} is {lib.sizes[cname]} bytes in the library but "
                f"{ctypes.sizeof(cls)} in this package: the library is older than the package")


_lock = threading.Lock()
_lib = None


def load():
    """The library, loaded once per process; raises LibraryNotFoundError with every place
    tried."""
    global _lib
    with _lock:
        if _lib is not None:
            return _lib
        tried = []
        for how, path in candidates():
            try:
                cdll = ctypes.CDLL(path)
            except OSError as e:
                tried.append(f"{path} ({how}): {e}")
                if how == "CARBONTRACKER_LIBRARY":
                    break
                continue
            lib = Library(cdll, path)
            _check_version(lib)
            _lib = lib
            return lib
        raise LibraryNotFoundError(
            "libcarbontracker could not be loaded. Build it (make) and set CARBONTRACKER_LIBRARY "
            "to build/libcarbontracker.so, or install it (make install). Tried: "
            + "; ".join(tried))
