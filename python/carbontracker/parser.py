"""Upstream carbontracker's log parser (carbontracker/parser.py), backed by the C parser.

The functions, their signatures and return shapes are upstream's: parse_all_logs(),
parse_logs(), get_consumption(), aggregate_consumption(), print_aggregate(), get_all_logs(),
get_most_recent_logs(), get_devices(), get_epoch_durations(), get_avg_power_usages(),
get_early_stop() and the small helpers get_time(), parse_equivalents(), get_stats() and
extract_measurements(). They are composed as upstream's are (parse_all_logs() calls
get_all_logs(), get_consumption(), get_early_stop() and parse_logs(); parse_logs() calls
get_epoch_durations(), get_avg_power_usages() and get_devices(); ...), so code that patches one
of them sees the same calls. The per-epoch series ("avg_power_usages (W)", "avg_energy_usages
(J)", "epoch_durations (s)") are numpy arrays when numpy can be imported, as upstream, else lists.

Files and directories are read in Python (open(), os.listdir(), os.path), so pyfakefs and a
patched open() work as with upstream; the bytes go to the library (ct_parse_run_bytes), which
reads our logs and upstream's of every version and fixes upstream's parser defects
(doc/compat.md, "Log parser"): the actual consumption's epoch count is read, interpretable=False
blocks parse, every device of a multi-device power line is kept, device names keep their dots
and lose the leading space, exponent and nan numbers are read. A run with our JSON-lines log
beside its standard log is read from it. Unpaired log files are left out rather than raising
MismatchedLogFilesError, and power and duration series of different lengths are cut to the
shorter one rather than raising MismatchedEpochsError. parse_dir() gives everything the C
parser knows about a directory (JSON-lines logs, per-epoch energy, devices, skipped lines,
totals); it reads the directory in C.
"""

import errno
import json
import math
import os
import re

from ctypes import byref, c_double, c_void_p, create_string_buffer

from . import _lib
from .exceptions import NotSupportedError, error_for

_SERIES = ("avg_power_usages (W)", "avg_energy_usages (J)", "epoch_durations (s)")


# ---- the C parser ---------------------------------------------------------------------------

def _library():
    lib = _lib.load()
    for name in ("ct_parse_dir", "ct_parse_files", "ct_parse_bytes", "ct_parse_json",
                 "ct_parse_aggregate_sentence", "ct_parse_result_free"):
        if not lib.has(name):
            raise NotSupportedError(f"{lib.path} has no log parser ({name}() is missing)", -4)
    return lib


class _Result:
    """A ct_parse_result, freed on exit."""

    def __init__(self, lib, ptr):
        self.lib = lib
        self.ptr = ptr

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.lib.ct_parse_result_free(self.ptr)
        self.ptr = None

    def json(self):
        out = c_void_p()
        rc = self.lib.ct_parse_json(self.ptr, byref(out))
        if rc != 0:
            raise error_for(rc, self.lib.status_text(rc))
        return json.loads(self.lib.take_string(out.value))


def _check(lib, rc, err, path):
    if rc == 0:
        return
    text = err.value.decode("utf-8", "replace") if err is not None else ""
    if path is not None and not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    raise error_for(rc, text or lib.status_text(rc))


def _parse_dir(log_dir, recursive=False):
    lib = _library()
    ptr = c_void_p()
    err = create_string_buffer(1024)
    path = os.fspath(log_dir)
    rc = lib.ct_parse_dir(os.fsencode(path), 1 if recursive else 0, byref(ptr), err, len(err))
    _check(lib, rc, err, path)
    return _Result(lib, ptr)


def _raw(data):
    """Bytes for the C parser from a str (as read by _read) or bytes; None stays None."""
    if data is None:
        return None
    if isinstance(data, str):
        return data.encode("utf-8", "surrogateescape")
    return bytes(data)


def _name(path):
    return None if path is None else os.fsencode(os.fspath(path))


def _parse_run(std_log_data=None, output_log_data=None, jsonl_data=None, std_name=None,
               output_name=None, jsonl_name=None):
    """One run from the texts (or bytes) of its logs, as the C parser reads it: the run's JSON
    record ({} when there is none). jsonl_data, when given, is preferred, as for files."""
    lib = _library()
    std, out, jsonl = _raw(std_log_data), _raw(output_log_data), _raw(jsonl_data)
    ptr = c_void_p()
    if lib.has("ct_parse_run_bytes"):
        rc = lib.ct_parse_run_bytes(std, len(std or b""), _name(std_name), out,
                                    len(out or b""), _name(output_name), jsonl,
                                    len(jsonl or b""), _name(jsonl_name), byref(ptr))
    else:  # a 0.2 library from before ct_parse_run_bytes: the text logs, without names
        rc = lib.ct_parse_bytes(std, len(std or b""), out, len(out or b""), byref(ptr))
    _check(lib, rc, None, None)
    with _Result(lib, ptr) as r:
        runs = r.json()["runs"]
    return runs[0] if runs else {}


def _read(path):
    """A log file's text through Python's open(), as upstream reads it (so pyfakefs and a
    patched open() apply). Bytes that are not UTF-8 survive for the C parser."""
    with open(path, "r", encoding="utf-8", errors="surrogateescape", newline="") as f:
        return f.read()


def _jsonl_of(std_log):
    """(path, bytes) of our JSON-lines log beside a standard log, or (None, None)."""
    s = os.fspath(std_log)
    if not s.endswith("_carbontracker.log"):
        return None, None
    path = s[: -len(".log")] + ".jsonl"
    if not os.path.isfile(path):
        return None, None
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None, None  # unreadable: the text logs still do
    return path, data


# ---- numpy, when present ----------------------------------------------------------------------

def _numpy():
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def _array(value):
    """upstream's np.array(value) when numpy is present (ragged rows stay lists)."""
    np = _numpy()
    if np is None or value is None:
        return value
    try:
        return np.array(value)
    except ValueError:  # ragged rows (devices appeared mid-run): keep the lists
        return value


def _component(power, durations, devices, energy=None):
    """One component of parse_logs(): power rows and durations cut to the epochs both have
    (upstream raises MismatchedEpochsError when their numbers differ), and the energy rows
    (the library's when given, else power x duration per device, as upstream)."""
    if power is not None and durations is not None:
        n = min(len(power), len(durations))
        power, durations = list(power)[:n], list(durations)[:n]
        if energy is None:
            energy = [[p * d for p in (row if isinstance(row, (list, tuple)) else [row])]
                      for row, d in zip(power, durations)]
        else:
            energy = list(energy)[:n]
    else:
        energy = None
    return {
        "avg_power_usages (W)": _array(power),
        "avg_energy_usages (J)": _array(energy),
        "epoch_durations (s)": _array(durations),
        "devices": list(devices or []),
    }


def _components(run):
    """parse_logs()'s dict from the C parser's record of a run."""
    return {name: _component(c.get("avg_power_usages (W)"), c.get("epoch_durations (s)"),
                             c.get("devices"), c.get("avg_energy_usages (J)"))
            for name, c in (run.get("components") or {}).items()}


# ---- upstream's API ---------------------------------------------------------------------------

def parse_dir(log_dir, recursive=False):
    """Everything the C parser reads from a directory, as a dict: {"format":
    "carbontracker-parse", "runs": [...], "totals": {...}, "skipped": [...]} (carbontracker(1),
    PARSE JSON). Not in upstream; the directory is read in C."""
    with _parse_dir(log_dir, recursive) as r:
        return r.json()


def _run_of(std_log, output_log, std_data, output_data):
    """The C parser's record of a run that has our JSON-lines log, else None."""
    jsonl_path, jsonl = _jsonl_of(std_log)
    if jsonl is None:
        return None
    return _parse_run(std_data, output_data, jsonl, std_log, output_log, jsonl_path)


def parse_all_logs(log_dir):
    """One dict per run in log_dir: output_filename, standard_filename, components (as
    parse_logs()), early_stop, actual and pred (as get_consumption())."""
    logs = []
    output_logs, std_logs = get_all_logs(log_dir)
    for out, std in zip(output_logs, std_logs):
        std_data = _read(std)
        output_data = _read(out)
        run = _run_of(std, out, std_data, output_data)
        if run is not None:
            actual, pred, early_stop = run.get("actual"), run.get("pred"), run.get("early_stop")
        else:
            actual, pred = get_consumption(output_data)
            early_stop = get_early_stop(std_data)
        logs.append({
            "output_filename": out,
            "standard_filename": std,
            "components": parse_logs(log_dir, std, out),
            "early_stop": bool(early_stop),
            "actual": actual,
            "pred": pred,
        })
    return logs


def parse_logs(log_dir, std_log_file=None, output_log_file=None):
    """{component: {"avg_power_usages (W)", "avg_energy_usages (J)", "epoch_durations (s)",
    "devices"}} of one run: the given files, or the most recent run in log_dir. Series of
    different lengths are cut to the shorter one."""
    if std_log_file is None or output_log_file is None:
        std_log_file, output_log_file = get_most_recent_logs(log_dir)
    std_log_data = _read(std_log_file)
    run = _run_of(std_log_file, output_log_file, std_log_data, None)
    if run is not None:
        return _components(run)
    durations = get_epoch_durations(std_log_data)
    powers = get_avg_power_usages(std_log_data)
    components = {}
    for comp, devices in get_devices(std_log_data).items():
        power = powers.get(comp) if powers else None
        components[comp] = _component(power if power else None, durations or None, devices)
    return components


def get_consumption(output_log_data):
    """(actual, pred) from the text of an output log; each None or {"epochs", "duration (s)",
    "energy (kWh)", "co2eq (g)", "equivalents"}."""
    run = _parse_run(output_log_data=output_log_data)
    return run.get("actual"), run.get("pred")


def get_early_stop(std_log_data):
    """Whether the standard log says training was interrupted."""
    return bool(_parse_run(std_log_data=std_log_data).get("early_stop"))


def get_devices(std_log_data):
    """{component: [device names]} from the "components were found" line."""
    comps = _parse_run(std_log_data=std_log_data).get("components") or {}
    return {name: list(c.get("devices") or []) for name, c in comps.items()
            if c.get("devices")}


def get_epoch_durations(std_log_data):
    """The epochs' durations in seconds, in log order."""
    run = _parse_run(std_log_data=std_log_data)
    for c in (run.get("components") or {}).values():
        if c.get("epoch_durations (s)") is not None:
            return list(c["epoch_durations (s)"])
    return [e["duration_s"] for e in run.get("epochs") or [] if e.get("duration_s") is not None]


def get_avg_power_usages(std_log_data):
    """{component: [[watts per device], ...]} one row per epoch."""
    comps = _parse_run(std_log_data=std_log_data).get("components") or {}
    return {name: c["avg_power_usages (W)"] for name, c in comps.items()
            if c.get("avg_power_usages (W)") is not None}


_OUTPUT_SUFFIX = "carbontracker_output.log"
_STD_SUFFIX = "carbontracker.log"


def get_all_logs(log_dir):
    """(output_logs, std_logs): the non-empty log files of log_dir that pair up, in the order
    of the output logs' paths. A file is paired with the one whose name is the same up to the
    suffix; files without a partner are left out (upstream raises MismatchedLogFilesError when
    dropping them by a shorter stem does not even the counts)."""
    files = []
    for name in os.listdir(log_dir):
        path = os.path.join(log_dir, name)
        if os.path.isfile(path) and os.path.getsize(path) > 0:
            files.append(path)
    std = {f[: -len(_STD_SUFFIX)]: f for f in files if f.endswith(_STD_SUFFIX)}
    pairs = sorted((f, std[f[: -len(_OUTPUT_SUFFIX)]]) for f in files
                   if f.endswith(_OUTPUT_SUFFIX) and f[: -len(_OUTPUT_SUFFIX)] in std)
    return [o for o, _ in pairs], [s for _, s in pairs]


def get_most_recent_logs(log_dir):
    """(std_log, output_log): the newest of each kind by modification time (IndexError when a
    kind is missing, as upstream)."""
    files = [os.path.join(log_dir, f) for f in os.listdir(log_dir)
             if os.path.isfile(os.path.join(log_dir, f))]
    output_logs = sorted((f for f in files if f.endswith(_OUTPUT_SUFFIX)), key=os.path.getmtime)
    std_logs = sorted((f for f in files if f.endswith(_STD_SUFFIX)), key=os.path.getmtime)
    return std_logs[-1], output_logs[-1]


def _counted(actual, pred, early_stop):
    """Upstream's rule for a run's share of the aggregate: the actual consumption when training
    stopped early or ran the predicted epochs (or there is no prediction), else the
    prediction."""
    if actual is None:
        return pred
    if pred is None or early_stop or actual.get("epochs") == pred.get("epochs"):
        return actual
    return pred


def _is_number(v):
    return isinstance(v, (int, float)) and not math.isnan(v)


def aggregate_consumption(log_dir):
    """(total energy kWh, total CO2eq g, {equivalent unit: total}) over the runs in log_dir:
    per run the actual consumption when training stopped early or ran the predicted epochs,
    else the prediction. A run whose energy is not a number is left out (upstream adds NaN)."""
    output_logs, std_logs = get_all_logs(log_dir=log_dir)
    total_energy = 0
    total_co2eq = 0
    total_equivalents = {}
    for output_log, std_log in zip(output_logs, std_logs):
        output_data = _read(output_log)
        std_data = _read(std_log)
        run = _run_of(std_log, output_log, std_data, output_data)
        if run is not None:
            chosen = run.get(run.get("aggregated")) if run.get("aggregated") else None
        else:
            actual, pred = get_consumption(output_data)
            chosen = _counted(actual, pred, get_early_stop(std_data))
        if chosen is None or not _is_number(chosen.get("energy (kWh)")):
            continue
        total_energy += chosen["energy (kWh)"]
        if _is_number(chosen.get("co2eq (g)")):
            total_co2eq += chosen["co2eq (g)"]
        for unit, value in (chosen.get("equivalents") or {}).items():
            total_equivalents[unit] = total_equivalents.get(unit, 0) + value
    return total_energy, total_co2eq, total_equivalents


def print_aggregate(log_dir):
    """Print upstream's sentence: "The training of models in this work is estimated to use ...
    Measured by carbontracker (https://github.com/lfwa/carbontracker)."."""
    energy, co2eq, equivalents = aggregate_consumption(log_dir)
    text = (f"The training of models in this work is estimated to use {energy:.16f} kWh of "
            f"electricity contributing to {co2eq / 1000:.16f} kg of CO2eq. ")
    if equivalents:
        joined = " or ".join(f"{v:.16f} {k}" for k, v in equivalents.items())
        text += f"This is equivalent to {joined}. "
    print(text + "Measured by carbontracker (https://github.com/lfwa/carbontracker).")


# ---- upstream's small helpers (pure Python, as upstream) ---------------------------------------

def get_time(time_str):
    """Seconds of an "H:MM:SS[.ff]" time string, or None."""
    m = re.search(r"(\d+):(\d{2}):(\d\d?(?:.\d{2})?)", time_str or "")
    if not m:
        return None
    h, mi, s = m.groups()
    return int(h) * 3600 + int(mi) * 60 + float(s)


def parse_equivalents(lines):
    """{unit: value} from the lines after "This is equivalent to:"."""
    out = {}
    for line in (lines or "").splitlines():
        parts = line.strip().split(" ", 1)
        if len(parts) != 2:
            continue
        try:
            out[parts[1].strip()] = float(parts[0])
        except ValueError:
            print(f"Warning: Unable to convert '{parts[0]}' to float. Skipping this equivalent.")
    return out


def get_stats(groups):
    """(energy kWh, CO2eq g, equivalents) of a consumption match's groups: the equivalents are
    None when the match has no fifth group or it is None, else parse_equivalents() of it."""
    energy = float(groups[2])
    co2eq = float(groups[3])
    if len(groups) >= 5 and groups[4] is not None:
        return energy, co2eq, parse_equivalents(groups[4])
    return energy, co2eq, None


def extract_measurements(match):
    """The consumption dict of a regex match of upstream's consumption patterns (4 groups:
    the actual block, counted as 1 epoch as upstream; 5 groups: the prediction)."""
    if not match:
        return None
    groups = list(match.groups())
    if len(groups) == 4:
        groups = [1] + groups
    energy, co2eq, equivalents = get_stats(groups)
    return {"epochs": int(groups[0]), "duration (s)": get_time(groups[1]),
            "energy (kWh)": energy, "co2eq (g)": co2eq, "equivalents": equivalents}


__all__ = ["parse_all_logs", "parse_logs", "parse_dir", "get_consumption", "get_early_stop",
           "get_devices", "get_epoch_durations", "get_avg_power_usages", "get_all_logs",
           "get_most_recent_logs", "aggregate_consumption", "print_aggregate", "get_time",
           "parse_equivalents", "get_stats", "extract_measurements"]
