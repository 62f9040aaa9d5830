"""Upstream carbontracker's log parser (carbontracker/parser.py), backed by the C parser.

The functions and return shapes are upstream's: parse_all_logs(), parse_logs(),
get_consumption(), aggregate_consumption(), print_aggregate(), get_all_logs(),
get_most_recent_logs(), get_devices(), get_epoch_durations(), get_avg_power_usages(),
get_early_stop() and the small helpers get_time(), parse_equivalents(), get_stats() and
extract_measurements(). The per-epoch series ("avg_power_usages (W)", "avg_energy_usages (J)",
"epoch_durations (s)") are numpy arrays when numpy can be imported, as upstream, else lists.

The reading is the C library's (ct_parse_*): it reads our logs and upstream's of every
version, and fixes upstream's parser defects (doc/compat.md, "Log parser"): the actual
consumption's epoch count is read, interpretable=False blocks parse, every device of a
multi-device power line is kept, device names keep their dots and lose the leading space,
exponent and nan numbers are read. Unpaired log files are left out rather than raising
MismatchedLogFilesError, and power and duration series of different lengths are cut to the
shorter one rather than raising MismatchedEpochsError. parse_dir() gives everything the C
parser knows (JSON-lines logs, per-epoch energy, devices, skipped lines, totals).
"""

import errno
import json
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

    def sentence(self):
        out = c_void_p()
        rc = self.lib.ct_parse_aggregate_sentence(self.ptr, byref(out))
        if rc != 0:
            raise error_for(rc, self.lib.status_text(rc))
        return self.lib.take_string(out.value)

    def totals(self):
        kwh, g = c_double(), c_double()
        rc = self.lib.ct_parse_totals(self.ptr, byref(kwh), byref(g))
        if rc != 0:
            raise error_for(rc, self.lib.status_text(rc))
        return kwh.value, g.value


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


def _parse_files(std_log, output_log, jsonl=None):
    lib = _library()
    ptr = c_void_p()
    err = create_string_buffer(1024)
    enc = [None if p is None else os.fsencode(os.fspath(p)) for p in (std_log, output_log, jsonl)]
    rc = lib.ct_parse_files(enc[0], enc[1], enc[2], byref(ptr), err, len(err))
    for p in (std_log, output_log, jsonl):
        if rc != 0 and p is not None and not os.path.exists(p):
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), os.fspath(p))
    _check(lib, rc, err, None)
    return _Result(lib, ptr)


def _parse_text(std_log_data=None, output_log_data=None):
    """One run from log texts (no files): the first run of the C result as JSON."""
    lib = _library()

    def raw(data):
        if data is None:
            return None, 0
        b = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else bytes(data)
        return b, len(b)

    std, std_len = raw(std_log_data)
    out, out_len = raw(output_log_data)
    ptr = c_void_p()
    rc = lib.ct_parse_bytes(std, std_len, out, out_len, byref(ptr))
    _check(lib, rc, None, None)
    with _Result(lib, ptr) as r:
        runs = r.json()["runs"]
    return runs[0] if runs else {}


# ---- numpy, when present ----------------------------------------------------------------------

def _numpy():
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def _arrays(components):
    """The per-epoch series as numpy arrays (upstream's np.array) when numpy is present."""
    np = _numpy()
    for comp in components.values():
        for key in _SERIES:
            value = comp.get(key)
            if value is None:
                continue
            if np is not None:
                try:
                    value = np.array(value)
                except ValueError:  # ragged rows (devices appeared mid-run): keep the lists
                    pass
            comp[key] = value
    return components


def _components(run):
    comps = {}
    for name, c in (run.get("components") or {}).items():
        comps[name] = {
            "avg_power_usages (W)": c.get("avg_power_usages (W)"),
            "avg_energy_usages (J)": c.get("avg_energy_usages (J)"),
            "epoch_durations (s)": c.get("epoch_durations (s)"),
            "devices": list(c.get("devices") or []),
        }
    return _arrays(comps)


def _entry(run):
    return {
        "output_filename": run.get("output_filename"),
        "standard_filename": run.get("standard_filename"),
        "components": _components(run),
        "early_stop": bool(run.get("early_stop")),
        "actual": run.get("actual"),
        "pred": run.get("pred"),
    }


# ---- upstream's API ---------------------------------------------------------------------------

def parse_dir(log_dir, recursive=False):
    """Everything the C parser reads from a directory, as a dict: {"format":
    "carbontracker-parse", "runs": [...], "totals": {...}, "skipped": [...]} (carbontracker(1),
    PARSE JSON). Not in upstream."""
    with _parse_dir(log_dir, recursive) as r:
        return r.json()


def parse_all_logs(log_dir):
    """One dict per run in log_dir: output_filename, standard_filename, components (as
    parse_logs()), early_stop, actual and pred (as get_consumption())."""
    return [_entry(run) for run in parse_dir(log_dir)["runs"]]


def _jsonl_of(std_log):
    s = os.fspath(std_log)
    if s.endswith("_carbontracker.log"):
        j = s[: -len(".log")] + ".jsonl"
        if os.path.isfile(j):
            return j
    return None


def parse_logs(log_dir, std_log_file=None, output_log_file=None):
    """{component: {"avg_power_usages (W)", "avg_energy_usages (J)", "epoch_durations (s)",
    "devices"}} of one run: the given files, or the most recent run in log_dir."""
    if std_log_file is None or output_log_file is None:
        std_log_file, output_log_file = get_most_recent_logs(log_dir)
    with _parse_files(std_log_file, output_log_file, _jsonl_of(std_log_file)) as r:
        runs = r.json()["runs"]
    return _components(runs[0]) if runs else {}


def get_consumption(output_log_data):
    """(actual, pred) from the text of an output log; each None or {"epochs", "duration (s)",
    "energy (kWh)", "co2eq (g)", "equivalents"}."""
    run = _parse_text(output_log_data=output_log_data)
    return run.get("actual"), run.get("pred")


def get_early_stop(std_log_data):
    """Whether the standard log says training was interrupted."""
    return bool(_parse_text(std_log_data=std_log_data).get("early_stop"))


def get_devices(std_log_data):
    """{component: [device names]} from the "components were found" line."""
    comps = _parse_text(std_log_data=std_log_data).get("components") or {}
    return {name: list(c.get("devices") or []) for name, c in comps.items()
            if c.get("devices")}


def get_epoch_durations(std_log_data):
    """The epochs' durations in seconds, in log order."""
    run = _parse_text(std_log_data=std_log_data)
    for c in (run.get("components") or {}).values():
        if c.get("epoch_durations (s)") is not None:
            return list(c["epoch_durations (s)"])
    return [e["duration_s"] for e in run.get("epochs") or [] if e.get("duration_s") is not None]


def get_avg_power_usages(std_log_data):
    """{component: [[watts per device], ...]} one row per epoch."""
    comps = _parse_text(std_log_data=std_log_data).get("components") or {}
    return {name: c["avg_power_usages (W)"] for name, c in comps.items()
            if c.get("avg_power_usages (W)") is not None}


def _logs_in(log_dir, suffix):
    out = []
    for name in os.listdir(log_dir):
        path = os.path.join(log_dir, name)
        if name.endswith(suffix) and os.path.isfile(path):
            out.append(path)
    return out


def get_all_logs(log_dir):
    """(output_logs, std_logs): the paired, non-empty log files of log_dir, sorted."""
    runs = parse_dir(log_dir)["runs"]
    pairs = [(r["output_filename"], r["standard_filename"]) for r in runs
             if r.get("output_filename") and r.get("standard_filename")]
    return [o for o, _ in pairs], [s for _, s in pairs]


def get_most_recent_logs(log_dir):
    """(std_log, output_log): the newest of each kind by modification time."""
    std = _logs_in(log_dir, "carbontracker.log")
    out = _logs_in(log_dir, "carbontracker_output.log")
    if not std or not out:
        raise IndexError(f"no carbontracker logs in {os.fspath(log_dir)}")
    return max(std, key=os.path.getmtime), max(out, key=os.path.getmtime)


def aggregate_consumption(log_dir):
    """(total energy kWh, total CO2eq g, {equivalent unit: total}) over the runs in log_dir:
    per run the actual consumption when training stopped early or ran the predicted epochs,
    else the prediction."""
    with _parse_dir(log_dir) as r:
        d = r.json()
        kwh, g = r.totals() if r.lib.has("ct_parse_totals") else (
            d["totals"]["energy_kwh"], d["totals"]["co2eq_g"])
    return kwh, g, dict(d["totals"].get("equivalents") or {})


def print_aggregate(log_dir):
    """Print upstream's sentence: "The training of models in this work is estimated to use ...
    Measured by carbontracker (https://github.com/lfwa/carbontracker)."."""
    with _parse_dir(log_dir) as r:
        print(r.sentence())


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
    """(energy kWh, CO2eq g, equivalents or None) of a consumption match's groups."""
    return float(groups[2]), float(groups[3]), parse_equivalents(groups[4]) or None


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
