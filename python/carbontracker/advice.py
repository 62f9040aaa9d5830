"""The greenest time to start a run (beyond upstream): the library's ct_advise() over the
carbon-intensity forecasts of the live providers, as `carbontracker --advise` prints it.

    from carbontracker.advice import advise
    advise("90m", zone="DK")   # {"best_start": "2026-12-06T02:00:00Z", "saving_percent": 38.2, ...}

Needs the network (the providers' forecasts); see doc/python.md.
"""

import math
import os
import re
import time
from ctypes import byref, create_string_buffer

from . import _lib
from .exceptions import InvalidArgumentError, error_for

_UNITS = {"h": 3600, "m": 60, "s": 1}


def parse_duration(text):
    """Seconds from "90m", "2h", "1h30m", "45s" or a number of seconds (also a number)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(text)
    else:
        s = str(text).strip()
        if re.fullmatch(r"[0-9]+(\.[0-9]+)?", s):
            seconds = float(s)
        else:
            m = re.fullmatch(r"(?:([0-9.]+)h)?(?:([0-9.]+)m)?(?:([0-9.]+)s)?", s)
            if not s or not m:
                seconds = math.nan
            else:
                try:
                    seconds = sum(float(v) * _UNITS[u] for v, u in zip(m.groups(), "hms") if v)
                except ValueError:
                    seconds = math.nan
    if not (seconds > 0 and math.isfinite(seconds)):
        raise InvalidArgumentError(
            f"a duration such as 90m, 2h, 1h30m or seconds (5400) is needed, got {text!r}", -2)
    return seconds


def _iso(t_s):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(math.floor(t_s)))


def _num(v):
    return v if math.isfinite(v) else None


def advise(duration, zone=None, api_keys=None, options=None):
    """The start within the forecast horizon that minimises the mean intensity over `duration`.

    Returns {"best_start" (ISO 8601 UTC), "best_intensity_g_per_kwh",
    "now_intensity_g_per_kwh" and "saving_percent" (None when the forecast does not cover a
    start now), "zone", "source", "duration_s", "forecast_end"}. The environment is read as for
    CarbonTracker (CARBONTRACKER_ZONE, ELECTRICITYMAPS_API_KEY, the provider URLs, ...);
    `options` sets further ct_options fields by their C name. Raises NotSupportedError (offline,
    no forecast for the zone), IOFailureError (forecasts not usable: too short, gaps) or
    InvalidArgumentError, each with the library's message.
    """
    seconds = parse_duration(duration)
    lib = _lib.load()
    if not lib.has("ct_advise"):
        raise error_for(-4, f"{lib.path} has no ct_advise(): a newer libcarbontracker is needed")
    o = lib.new(_lib.Options)
    lib.ct_options_init(byref(o))
    keep = []
    if zone is not None:
        keep.append(str(zone).encode())
        o.zone = keep[-1]
    if (api_keys or {}).get("electricitymaps"):
        keep.append(str(api_keys["electricitymaps"]).encode())
        o.electricitymaps_api_key = keep[-1]
    for name, value in (options or {}).items():
        setattr(o, name, os.fsencode(value) if isinstance(value, str) else value)
    lib.ct_options_from_env(byref(o))
    o.live = 0 if os.environ.get("CARBONTRACKER_OFFLINE", "0") not in ("", "0") else 1
    if options and "live" in options:
        o.live = int(options["live"])
    a = lib.new(_lib.Advice)
    a.version = _lib.CT_ADVICE_VERSION
    err = create_string_buffer(1536)
    rc = lib.ct_advise(byref(o), seconds, 0.0, byref(a), err, len(err))
    if rc != 0:
        raise error_for(rc, err.value.decode("utf-8", "replace") or lib.status_text(rc))
    return {
        "best_start": _iso(a.best_start_s),
        "best_intensity_g_per_kwh": a.best_intensity_g_per_kwh,
        "now_intensity_g_per_kwh": _num(a.now_intensity_g_per_kwh),
        "saving_percent": _num(a.saving_percent),
        "zone": a.zone.decode(),
        "source": a.source.decode(),
        "duration_s": seconds,
        "forecast_end": _iso(a.horizon_end_s),
    }


__all__ = ["advise", "parse_duration"]
