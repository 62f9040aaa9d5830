"""CarbonTracker: upstream carbontracker's tracker API over libcarbontracker.

The C library does the measuring, the prediction, the console texts and the log files; this
module maps upstream's constructor arguments onto ct_options, routes the library's console text
to sys.stdout, asks the stop_and_confirm question, turns status codes into exceptions and makes
sure a tracker left running is stopped (and its sampler thread joined) before the interpreter
exits. See doc/python.md.
"""

import contextlib
import json
import math
import os
import random
import sys
import threading
import traceback
import weakref

from ctypes import byref, c_char_p, c_double, c_void_p, cast, create_string_buffer

from . import _lib
from .exceptions import (BudgetExceededError, CarbonTrackerError,  # noqa: F401 (documented)
                         DeviceLostError, FetcherNameError, InvalidArgumentError, error_for)

CT_OK = 0
CT_ESTOPPED = -10
CT_EBUDGET = -11
CT_BUDGET_NONE = 0

#: Keys given to set_api_keys(): process-wide, like upstream's class-level key, and used by every
#: tracker constructed afterwards that gets no api_keys of its own.
_default_api_keys = {}


def _api_key_backends():
    """The carbon providers that take an API key, by lower-case name (the library's settings
    named "<provider>.api_key"); "electricitymaps" alone for a library without the list."""
    lib = _lib.load()
    names = {"electricitymaps": "electricitymaps"}
    if lib.has("ct_setting_count"):
        for i in range(lib.ct_setting_count()):
            d = lib.ct_setting_info(i).contents
            if d.key == b"api_key":
                name = d.backend.decode()
                names[name.lower()] = name
    return names


def _check_api_keys(api_keys):
    """Upstream's set_api_keys() rules: names are case-insensitive and must be a provider that
    takes a key ("electricitymaps", and whichever others the library declares). Returns
    {provider name: key}."""
    if api_keys is None:
        return {}
    if not hasattr(api_keys, "items"):
        raise InvalidArgumentError(
            'api_keys must be a dict such as {"electricitymaps": "KEY"}', -2)
    known = _api_key_backends()
    out = {}
    for name, key in api_keys.items():
        canonical = known.get(str(name).lower())
        if canonical is None:
            raise FetcherNameError(f"Invalid API name '{name}' given.", -2)
        out[canonical] = key
    return out


def _text(b):
    return b.decode("utf-8", "replace") if b else ""


class _Console:
    """The library's console text goes to the sys.stdout of the moment, one write and flush per
    message, from the thread that made the tracker call. So the text interleaves exactly with the
    training loop's print(), follows contextlib.redirect_stdout and reaches notebooks (C's stdout
    would bypass all three). Exceptions raised inside a callback cannot cross C frames: they are
    kept and re-raised once the C call has returned."""

    def __init__(self):
        self.muted = False
        self.errors = []
        self.lock = threading.Lock()  # with the status line's thread
        self.status_shown = False
        self.status_rows = 0  # while shown: the terminal's rows, the last one kept for the line

    def erase_status(self, out):
        """Erase the status line and give the scroll region back (caller holds the lock)."""
        if self.status_shown:
            self.status_shown = False
            if self.status_rows:
                out.write(f"\0337\033[r\0338\0337\033[{self.status_rows};1H\033[K\0338")
            else:
                out.write("\r\033[K")

    def write(self, text):
        if self.muted:
            return
        out = sys.stdout
        if out is None:
            return
        with self.lock:
            try:
                self.erase_status(out)
                out.write(text + "\n")
                out.flush()
            except Exception:  # a closed or broken stdout must not break training
                pass

    def draw_status(self, line):
        out = sys.stdout
        if out is None or self.muted:
            return
        with self.lock:
            try:
                # As the command draws it: with the terminal's size known, its bottom row is
                # kept for the line (a scroll region over the rows above), so the training
                # loop's own print()s scroll above it; else a carriage return in place.
                try:
                    rows = os.get_terminal_size(out.fileno()).lines
                except (OSError, ValueError, AttributeError):
                    rows = 0
                rows = rows if rows >= 3 else 0
                if self.status_shown and rows != self.status_rows:
                    self.erase_status(out)
                if not self.status_shown:
                    self.status_rows = rows
                    if rows:
                        out.write(f"\n\0337\033[1;{rows - 1}r\0338\033[1A")
                if self.status_rows:
                    out.write(f"\0337\033[{rows};1H\033[K{line}\0338")
                else:
                    out.write("\r\033[K" + line)
                out.flush()
                self.status_shown = True
            except Exception:
                pass


    def message(self, user, level, text):
        try:
            self.write(_text(text))
        except BaseException as e:  # noqa: B902 - kept, re-raised after the C call
            self.errors.append(e)

    def confirm(self, user, question):
        """Upstream's _user_query(): the question, input(), "y" continues, "n" stops, anything
        else asks again. An exception (EOF on stdin, Ctrl-C) answers "continue" to the library
        and is raised in the caller once the library returns."""
        try:
            self.write("CarbonTracker: " + _text(question))
            while True:
                answer = input().strip().lower()
                if answer == "y":
                    return 1
                if answer == "n":
                    return 0
                self.write("CarbonTracker: Input not recognized. Try again (y/n):")
        except BaseException as e:  # noqa: B902
            self.errors.append(e)
            return 1


def _status_text(live):
    """The status line's text, as the command draws it."""
    s = int(round(live.elapsed_s))
    line = (f"CarbonTracker: {s // 3600}:{s // 60 % 60:02d}:{s % 60:02d} | {live.power_w:.1f} W | "
            f"{live.energy_kwh:.6f} kWh | {live.co2eq_g:.4f} gCO2eq | "
            f"{live.intensity_g_per_kwh:.2f} gCO2eq/kWh "
            f"({_text(live.intensity_source) or 'unknown'})")
    if live.budget != CT_BUDGET_NONE and math.isfinite(live.budget_used):
        line += f" | budget {live.budget_used * 100:.0f}%"
    return line


class _StatusLine:
    """The live status line: a daemon thread that redraws one line on sys.stdout once a second
    from ct_get_live() (safe from any thread), erased by the console before any other text of
    ours. Started only when stdout is a terminal and verbose > 0."""

    def __init__(self, lib, handle, console):
        self.lib = lib
        self.handle = handle
        self.console = console
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="carbontracker-status",
                                       daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.wait(1.0):
            live = self.lib.new_versioned(_lib.Live)
            if self.lib.ct_get_live(self.handle, byref(live)) != CT_OK or live.finished:
                continue
            self.console.draw_status(_status_text(live))

    def stop(self):
        """Stop drawing (joins the thread) and erase the line."""
        self.stopping.set()
        if self.thread is not threading.current_thread():
            self.thread.join()
        out = sys.stdout
        if out is not None:
            with self.console.lock:
                try:
                    self.console.erase_status(out)
                    out.flush()
                except Exception:
                    pass


class _Native:
    """The C handle and what must outlive it (the callbacks). Holds no reference to the
    CarbonTracker, so weakref.finalize can release a tracker that was dropped without stop()."""

    def __init__(self, lib, handle, keep):
        self.lib = lib
        self.handle = handle
        self.keep = keep
        self.pid = os.getpid()
        self.status = None  # the _StatusLine, stopped before the handle is freed
        # Result structs made once and reused by every call: the library rewrites all of their
        # version's bytes at each call that succeeds (and leaves the version as it was).
        self.result = lib.new_versioned(_lib.EpochResult)
        self.device = lib.new_versioned(_lib.DeviceEnergy)
        self.live = lib.new_versioned(_lib.Live) if lib.has("ct_get_live") else None
        # Each device's dict without its figures, by index: what describes a device (component,
        # name, meter, provenance, uuid, index) is fixed when the tracker opens.
        self.device_info = {}

    def alive(self):
        return bool(self.handle) and os.getpid() == self.pid

    def close(self):
        """ct_tracker_free(): stops monitoring if needed (the library then prints and logs the
        actual consumption), joins the sampler thread, closes the logs. Idempotent; does nothing
        in a forked child, whose tracker belongs to the parent."""
        status, self.status = self.status, None
        if status is not None and os.getpid() == self.pid:
            status.stop()
        h, self.handle = self.handle, None
        if h and os.getpid() == self.pid:
            self.lib.ct_tracker_free(h)


_PROVENANCE = {}  # the library's names of the provenance values, asked once each


def _provenance(p):
    name = _PROVENANCE.get(p)
    if name is None:
        name = _PROVENANCE[p] = _text(_lib.load().ct_provenance_name(p))
    return name


def _device_info(d):
    """What describes device d, in the order of the dicts returned: its figures (lost,
    energy_j) are filled in for each call."""
    out = {
        "component": _text(d.component),
        "name": _text(d.name),
        "meter": _text(d.meter),
        "provenance": _provenance(d.provenance),
        "lost": False,
        "energy_j": 0.0,
    }
    if d.uuid:
        out["uuid"] = _text(d.uuid)
    if d.index >= 0:
        out["index"] = d.index
    return out


def _devices(native, accessor, n):
    """[dict] of devices 0..n-1 through ct_epoch_device() or ct_summary_device(): the figures
    read at each call, the rest described once per tracker."""
    d, info, handle = native.device, native.device_info, native.handle
    out = []
    for i in range(n):
        if accessor(handle, i, d) != CT_OK:
            break
        desc = info.get(i)
        if desc is None:
            desc = info[i] = _device_info(d)
        dev = desc.copy()
        dev["lost"] = bool(d.lost)
        dev["energy_j"] = d.energy_j
        out.append(dev)
    return out


def _epoch_dict(r, devices):
    return {
        "epoch": r.epoch,
        "duration_s": r.duration_s,
        "energy_j": r.energy_j,
        "cpu_energy_j": r.cpu_energy_j,
        "gpu_energy_j": r.gpu_energy_j,
        "cpu_power_w": r.cpu_power_w,
        "gpu_power_w": r.gpu_power_w,
        "energy_kwh": r.energy_kwh_pue,
        "intensity_g_per_kwh": r.intensity_g_per_kwh,
        "co2eq_g": r.co2eq_g,
        "devices": devices,
    }


def _nan_if_none(v):
    return math.nan if v is None else float(v)


class CarbonTracker:
    """Upstream's CarbonTracker, measured by libcarbontracker.

    The arguments and their meaning are upstream's (see doc/python.md); -1 for
    epochs_before_pred and monitor_epochs means all epochs, as upstream documents. Keyword-only
    extensions: ``pue`` (default 1.58 or CARBONTRACKER_PUE), ``zone`` (grid zone or country,
    default CARBONTRACKER_ZONE or the time zone), ``live`` (fetch live carbon intensity; default:
    on when an Electricity Maps key is known) and ``options`` (a dict of further ct_options
    fields by their C name).

    Beyond upstream: epoch_end() returns the epoch's measurements as a dict, ``summary`` holds
    the run's totals (also after stop()), the tracker is a context manager (stop() on exit),
    ``with tracker.epoch():`` brackets one epoch, and errors never end the process: with
    ignore_errors=False they raise in the calling thread (an error noticed in the background,
    a device that stopped answering, at the next call); with ignore_errors=True monitoring
    stops and training goes on.
    """

    def __init__(self, epochs, epochs_before_pred=1, monitor_epochs=-1, update_interval=1,
                 interpretable=True, stop_and_confirm=False, ignore_errors=False,
                 components="all", devices_by_pid=False, log_dir=None, log_file_prefix="",
                 verbose=1, decimal_precision=12, api_keys=None, sim_cpu=None, sim_cpu_tdp=None,
                 sim_cpu_util=None, sim_gpu=None, sim_gpu_watts=None, sim_gpu_util=None, *,
                 pue=None, zone=None, live=None, budget_co2eq_g=None, budget_kwh=None,
                 budget_action="warn", status_line=None, options=None):
        self.epochs = epochs
        self.epochs_before_pred = epochs_before_pred
        self.monitor_epochs = monitor_epochs
        self.update_interval = update_interval
        self.interpretable = interpretable
        self.stop_and_confirm = stop_and_confirm
        self.ignore_errors = ignore_errors
        self.components = components
        self.devices_by_pid = devices_by_pid
        self.log_dir = log_dir
        self.log_file_prefix = log_file_prefix
        self.verbose = verbose
        self.decimal_precision = decimal_precision
        self.api_keys = api_keys
        self.sim_cpu = sim_cpu
        self.sim_cpu_tdp = sim_cpu_tdp
        self.sim_cpu_util = sim_cpu_util
        self.sim_gpu = sim_gpu
        self.sim_gpu_watts = sim_gpu_watts
        self.sim_gpu_util = sim_gpu_util
        self.epoch_counter = 0
        self.deleted = False
        #: The dict epoch_end() returned for each measured epoch.
        self.epoch_results = []
        self._lock = threading.RLock()
        self._console = _Console()
        self._native = None
        self._finalizer = None
        self._summary = None
        self._pending = None
        self._lost_seen = set()

        # Upstream validates these before anything else, whatever ignore_errors says.
        if monitor_epochs != -1:
            if monitor_epochs < epochs_before_pred:
                raise InvalidArgumentError(
                    "monitor_epochs cannot be less than epochs_before_pred", -2)
            if monitor_epochs == 0:
                raise InvalidArgumentError("monitor_epochs cannot be zero", -2)
        if sim_cpu is not None and sim_cpu_tdp is None:
            raise InvalidArgumentError(
                "When using simulated CPU (sim_cpu), you must also specify the CPU TDP "
                "(sim_cpu_tdp)", -2)
        if sim_gpu is not None and sim_gpu_watts is None:
            raise InvalidArgumentError(
                "When using simulated GPU (sim_gpu), you must also specify the GPU power "
                "consumption (sim_gpu_watts)", -2)
        for kind, name in (("CPU", sim_cpu), ("GPU", sim_gpu)):
            if name is not None and (not isinstance(name, str) or not name.strip()):
                raise InvalidArgumentError(f"{kind} name must be a non-empty string.", -2)
        keys = _check_api_keys(api_keys) or dict(_default_api_keys)

        lib = _lib.load()
        o = lib.new(_lib.Options)
        lib.ct_options_init(byref(o))
        o.epochs = int(epochs)
        o.epochs_before_pred = int(epochs_before_pred)
        o.monitor_epochs = int(monitor_epochs)
        o.update_interval_s = float(update_interval)
        o.interpretable = 1 if interpretable else 0
        o.components = str(components).encode()
        o.devices_by_pid = 1 if devices_by_pid else 0
        o.log_dir = os.fsencode(log_dir) if log_dir is not None else None
        o.log_file_prefix = str(log_file_prefix or "").encode()
        o.verbose = int(verbose)
        o.decimal_precision = int(decimal_precision)
        if sim_cpu is not None:
            o.sim_cpu = sim_cpu.encode()
            o.sim_cpu_tdp_w = self._number(sim_cpu_tdp, "CPU TDP must be a non-negative number.")
            o.sim_cpu_util = _nan_if_none(sim_cpu_util)
        if sim_gpu is not None:
            o.sim_gpu = sim_gpu.encode()
            o.sim_gpu_watts = self._number(sim_gpu_watts,
                                           "GPU watts must be a non-negative number.")
            o.sim_gpu_util = _nan_if_none(sim_gpu_util)
        if pue is not None:
            o.pue = float(pue)
        if zone is not None:
            o.zone = str(zone).encode()
        if budget_co2eq_g is not None:
            o.budget_co2eq_g = self._number(budget_co2eq_g,
                                            "budget_co2eq_g must be a number of grams.")
        if budget_kwh is not None:
            o.budget_kwh = self._number(budget_kwh, "budget_kwh must be a number of kWh.")
        if budget_action is not None:
            o.budget_action = str(budget_action).encode()
        if keys.get("electricitymaps"):
            o.electricitymaps_api_key = str(keys["electricitymaps"]).encode()
        # Other providers' keys as the library's settings ("<provider>.api_key=KEY"); the array
        # lives until ct_tracker_open() has read it.
        entries = [f"{name}.api_key={key}".encode() for name, key in keys.items()
                   if name != "electricitymaps" and key]
        settings = (c_char_p * (len(entries) + 1))(*entries, None)
        if entries:
            o.settings = cast(settings, c_void_p)
        for name, value in (options or {}).items():
            self._set_option(o, name, value)
        message = _lib.MESSAGE_FN(self._console.message)
        confirm = _lib.CONFIRM_FN(self._console.confirm)
        o.message = message
        if stop_and_confirm:
            o.confirm = confirm

        # The environment's seams and selections (CARBONTRACKER_*, TZ, CUDA_VISIBLE_DEVICES,
        # ELECTRICITYMAPS_API_KEY) for the fields still at their defaults; then copies of those
        # strings, which point into the environment.
        if lib.ct_options_from_env(byref(o)) != CT_OK:
            raise InvalidArgumentError(
                f"CARBONTRACKER_PUE is not a number: {os.environ.get('CARBONTRACKER_PUE')!r}", -2)
        for name, ctype in _lib.Options._fields_:
            if ctype is c_char_p:
                value = getattr(o, name)
                if value is not None:
                    setattr(o, name, value)
        if live is None:
            live = bool(o.electricitymaps_api_key) or bool(entries)
        if not (options and "live" in options):
            o.live = 1 if live else 0

        handle = c_void_p()
        err = create_string_buffer(1024)
        with self._lock:
            rc = lib.ct_tracker_open(byref(handle), byref(o), err, len(err))
        errors = self._take_callback_errors()
        if rc != CT_OK:
            exc = error_for(rc, _text(err.value) or lib.status_text(rc))
            if isinstance(exc, ValueError) or not ignore_errors:
                raise exc
            self._ignored(exc)
            self._log_open_error(exc)
            return
        self._native = _Native(lib, handle, (message, confirm))
        self._finalizer = weakref.finalize(self, self._native.close)
        if status_line is None:
            try:
                status_line = (verbose > 0 and sys.stdout is not None and sys.stdout.isatty()
                               and os.environ.get("TERM", "dumb") not in ("", "dumb"))
            except Exception:
                status_line = False
        if status_line and lib.has("ct_get_live"):
            self._native.status = _StatusLine(lib, handle, self._console)
        for e in errors:
            self._fail(e)

    # ---- upstream's API -------------------------------------------------------------------

    def epoch_start(self):
        """Start an epoch (counters read now). A no-op once monitoring has ended."""
        self._raise_pending()
        with self._lock:
            if not self._running():
                return
            lib = self._native.lib
            rc = lib.ct_epoch_start(self._native.handle)
            if rc == CT_OK:
                self.epoch_counter += 1
            self._after_call(rc)

    def epoch_end(self):
        """End the epoch: upstream's logging, the prediction after epochs_before_pred epochs,
        the actual consumption after monitor_epochs epochs. Returns the epoch's measurements
        (dict: epoch, duration_s, energy_j, cpu_energy_j, gpu_energy_j, cpu_power_w,
        gpu_power_w, energy_kwh (PUE included), intensity_g_per_kwh, co2eq_g, devices), or None
        once monitoring has ended."""
        self._raise_pending()
        with self._lock:
            if not self._running():
                return None
            lib = self._native.lib
            res = self._native.result
            rc = lib.ct_epoch_end(self._native.handle, res)
            out = None
            if rc in (CT_OK, CT_ESTOPPED, CT_EBUDGET) and res.epoch > 0:
                out = _epoch_dict(res, _devices(self._native, lib.ct_epoch_device,
                                                res.n_devices))
                self.epoch_results.append(out)
                self._note_lost(out["devices"])
            if rc == CT_EBUDGET:
                # budget_action "stop": the library said why, printed the actual consumption and
                # finished. BudgetExceededError unless ignore_errors (then training goes on,
                # unmonitored, as after any ignored error).
                detail = _text(lib.ct_errmsg(self._native.handle))
                self._close()
                self._take_callback_errors()
                if not self.ignore_errors:
                    raise BudgetExceededError(detail or lib.status_text(rc), rc)
                return out
            if rc == CT_ESTOPPED:
                # The user answered "n": the library printed "Quitting..." and finished; upstream
                # then calls sys.exit(0).
                self._close()
                raise SystemExit(0)
            self._after_call(rc)
            if self._native.handle and self._finished():  # not closed by an ignored error
                self._close()
            return out

    def stop(self):
        """End monitoring early (or after a loop whose monitor_epochs was not reached): prints
        and logs the actual consumption of the completed epochs. Idempotent."""
        with self._lock:
            if self._running():
                rc = self._native.lib.ct_stop(self._native.handle)
                self._close()
                errors = self._take_callback_errors()
                if rc != CT_OK:
                    errors.insert(0, error_for(rc, self._native.lib.status_text(rc)))
                for e in errors:
                    self._fail(e)
        self._raise_pending()

    def set_api_keys(self, api_keys):
        """Upstream's set_api_keys({"electricitymaps": KEY}): names are case-insensitive and
        only "electricitymaps" is known (else FetcherNameError, a ValueError). As upstream, the
        key takes effect at this tracker's next intensity fetch (which starts at once; an
        offline tracker turns live) and is kept for trackers constructed afterwards."""
        keys = _check_api_keys(api_keys)
        _default_api_keys.update(keys)
        with self._lock:
            if self._running():
                for name, key in keys.items():
                    rc = self._native.lib.ct_set_api_key(
                        self._native.handle, name.encode(), None if key is None else str(key).encode())
                    if rc != CT_OK:
                        self._fail(error_for(rc, self._native.lib.status_text(rc)))
        self._raise_pending()

    # ---- extensions -----------------------------------------------------------------------

    @property
    def summary(self):
        """The run's totals as a dict (the library's JSON summary: epochs, early_stop,
        duration_s, energy_j, energy_kwh, co2eq_g, intensity_g_per_kwh, equivalents,
        prediction, devices, epochs_detail, ...). Readable at any time, also after stop();
        None when monitoring never started (an ignored construction error)."""
        with self._lock:
            if self._running():
                return self._summary_dict()
            return self._summary

    @contextlib.contextmanager
    def epoch(self):
        """``with tracker.epoch(): train_one_epoch()``: epoch_start() and epoch_end(). An
        exception inside leaves the epoch open (stop() then logs it as not counted)."""
        self.epoch_start()
        yield self
        self.epoch_end()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            self.stop()
        except Exception:
            if exc_type is None:
                raise
        return False

    def __repr__(self):
        state = "running" if self._running() else "finished"
        return f"<CarbonTracker {state}, {len(self.epoch_results)} epoch(s) measured>"

    # ---- internals ------------------------------------------------------------------------

    @staticmethod
    def _number(value, message):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidArgumentError(message, -2) from None

    @staticmethod
    def _set_option(o, name, value):
        fields = {n: t for n, t in _lib.Options._fields_}
        if name not in fields or name in ("version", "message", "message_user", "confirm",
                                          "confirm_user"):
            raise InvalidArgumentError(f"options: unknown ct_options field {name!r}", -2)
        t = fields[name]
        try:
            if t is c_char_p:
                value = None if value is None else os.fsencode(value)
            elif t is c_double:
                value = math.nan if value is None else float(value)
            else:
                value = int(value)
            setattr(o, name, value)
        except (TypeError, ValueError) as e:
            raise InvalidArgumentError(f"options: bad value for {name}: {e}", -2) from None

    def _running(self):
        return self._native is not None and self._native.alive()

    def _finished(self):
        """Whether the library ended monitoring: ct_get_live() reads only the flag and the
        running figures, where ct_get_summary() would add up every epoch so far."""
        native = self._native
        if native.live is not None:
            return native.lib.ct_get_live(native.handle, native.live) == CT_OK and \
                bool(native.live.finished)
        s = native.lib.new_versioned(_lib.Summary)
        return native.lib.ct_get_summary(native.handle, byref(s)) == CT_OK and bool(s.finished)

    def _summary_dict(self):
        """ct_summary_json() as a dict, its numbers replaced by the exact doubles of
        ct_get_summary() and of the epoch results (the JSON text keeps 15 digits)."""
        lib = self._native.lib
        ptr = c_void_p()
        rc = lib.ct_summary_json(self._native.handle, byref(ptr))
        if rc != CT_OK:
            raise error_for(rc, lib.status_text(rc))
        d = json.loads(lib.take_string(ptr.value))
        s = lib.new_versioned(_lib.Summary)
        if lib.ct_get_summary(self._native.handle, byref(s)) != CT_OK:
            return d

        def put(obj, key, value):
            if isinstance(obj, dict) and key in obj and math.isfinite(value):
                obj[key] = value

        for key in ("duration_s", "energy_j", "energy_kwh", "pue", "co2eq_g",
                    "intensity_g_per_kwh", "tracker_cpu_s", "caller_cpu_s", "carbon_cpu_s",
                    "sampler_cpu_s"):
            put(d, key, getattr(s, key))
        put(d.get("equivalents"), "km travelled by car", s.km_by_car)
        if s.predicted:
            p = d.get("prediction")
            put(p, "duration_s", s.pred_duration_s)
            put(p, "energy_kwh", s.pred_energy_kwh)
            put(p, "co2eq_g", s.pred_co2eq_g)
        devices = _devices(self._native, lib.ct_summary_device, s.n_devices)
        for dev, native_dev in zip(d.get("devices") or [], devices):
            put(dev, "energy_j", native_dev["energy_j"])
        mine = {r["epoch"]: r for r in self.epoch_results}
        for e in d.get("epochs_detail") or []:
            r = mine.get(e.get("epoch"))
            if r is not None:
                for key in ("duration_s", "energy_j", "cpu_energy_j", "gpu_energy_j",
                            "energy_kwh", "co2eq_g", "intensity_g_per_kwh"):
                    put(e, key, r[key])
        return d

    def _close(self):
        """Monitoring has ended: keep the summary, free the C tracker (joins its threads)."""
        if self._native is None:
            return
        if self._native.alive():
            self._summary = self._summary_dict()
        self._native.close()
        if self._finalizer is not None:
            self._finalizer.detach()
        self.deleted = True

    def _take_callback_errors(self):
        errors, self._console.errors = self._console.errors, []
        return errors

    def _after_call(self, rc):
        errors = self._take_callback_errors()
        if rc != CT_OK:
            lib = self._native.lib
            detail = _text(lib.ct_errmsg(self._native.handle)) if self._running() else ""
            errors.insert(0, error_for(rc, detail or lib.status_text(rc)))
        for e in errors:
            self._fail(e)

    def _note_lost(self, devices):
        for d in devices:
            if not d["lost"]:
                continue
            key = (d["component"], d["name"], d.get("index"))
            if key not in self._lost_seen:
                self._lost_seen.add(key)
                if not self.ignore_errors and self._pending is None:
                    self._pending = DeviceLostError(
                        f"{d['component']} device {d['name']} stopped answering; the energy "
                        f"measured until then ({d['energy_j']:.3f} J this epoch) is kept", -6)

    def _raise_pending(self):
        exc, self._pending = self._pending, None
        if exc is not None:
            raise exc

    def _fail(self, exc):
        """An error: raised in the caller (ignore_errors=False), or upstream's "Ignored error"
        text and the end of monitoring (ignore_errors=True). Ctrl-C and exits always pass."""
        if isinstance(exc, (KeyboardInterrupt, SystemExit)) or not self.ignore_errors:
            raise exc
        self._ignored(exc)

    def _log_open_error(self, exc):
        """The tracker could not start and the error was ignored: as upstream, whose logger
        exists before anything can fail, the log files are written anyway, with the standard
        log's first lines, the error in the error log and the output log. Best effort: a log
        directory that cannot be written is what may have failed."""
        if self.log_dir is None:
            return
        from .loggerutil import Logger
        text = "".join(traceback.format_exception_only(type(exc), exc))
        try:
            logger = Logger(log_dir=self.log_dir, verbose=self.verbose,
                            log_prefix=self.log_file_prefix or "",
                            logger_id=str(random.randint(1, 999999)), console=False)
        except OSError:
            return
        try:
            logger.err_critical(f"Ignored error: {text}Continued training without monitoring...")
            logger.output(f"Ignored error: {text}Continued training without monitoring...")
        finally:
            logger.close()

    def _ignored(self, exc):
        text = "".join(traceback.format_exception_only(type(exc), exc))
        self._console.write(
            f"CarbonTracker: Ignored error: {text}Continued training without monitoring...")
        if self._running():
            self._console.muted = True  # upstream stops silently; the logs still get the totals
            try:
                self._native.lib.ct_stop(self._native.handle)
                self._close()
            finally:
                self._console.muted = False
                self._take_callback_errors()
        self.deleted = True


__all__ = ["CarbonTracker", "CarbonTrackerError"]
