"""Upstream carbontracker's logging helpers (carbontracker/loggerutil.py): convert_to_timestring(),
TrackerFormatter, VerboseFilter and Logger, with upstream's signatures and file formats.

The tracker does not use them: the library writes the console text and the three log files
itself (byte for byte as upstream's Logger does). They are here for code that imports them, and
the package uses Logger for the logs of a tracker that could not start (ignore_errors=True).
convert_to_timestring() is the library's ct_timestring(), the one that formats every time the
library prints.
"""

import datetime
import logging
import os
import pathlib
import sys
from ctypes import create_string_buffer
from logging import LogRecord
from typing import Union

from . import constants


def convert_to_timestring(seconds, add_milliseconds=False):
    """"H:MM:SS" (or "H:MM:SS.ff" with add_milliseconds) of a number of seconds, as upstream
    prints durations: Python's round-half-even, a rounded 60 carried into the minutes, a minus
    sign for negative values. convert_to_timestring(3725.4) == "1:02:05"."""
    from . import _lib
    lib = _lib.load()
    buf = create_string_buffer(64)
    rc = lib.ct_timestring(float(seconds), 1 if add_milliseconds else 0, buf, len(buf))
    if rc != 0:
        from .exceptions import error_for
        raise error_for(rc, f"cannot format {seconds!r} seconds as a time string")
    return buf.value.decode()


class TrackerFormatter(logging.Formatter):
    """The log files' time stamps: local time "YYYY-MM-DD HH:MM:SS" (no milliseconds), or
    ``datefmt`` when given."""

    converter = datetime.datetime.fromtimestamp

    def formatTime(self, record: LogRecord, datefmt: Union[str, None] = None) -> str:
        if not record.created:
            return None
        when = self.converter(record.created)
        return when.strftime(datefmt or "%Y-%m-%d %H:%M:%S")


class VerboseFilter(logging.Filter):
    """Lets records through when ``verbose`` > 0 (upstream's console filter)."""

    def __init__(self, verbose):
        super().__init__()
        self.verbose = verbose

    def filter(self, record):
        return self.verbose > 0


#: Marks the handlers a Logger added, so a later Logger of the same name replaces them instead
#: of writing every line twice (upstream adds another set each time).
_OURS = "_carbontracker_handler"


def _own(logger, handler):
    setattr(handler, _OURS, True)
    logger.addHandler(handler)


def _drop_ours(logger):
    for h in list(logger.handlers):
        if getattr(h, _OURS, False):
            logger.removeHandler(h)
            h.close()


class Logger:
    """Upstream's three loggers: ``logger`` (the standard log), ``logger_output`` (the output
    log and the console, "CarbonTracker: " prefixed, filtered by ``verbose``) and ``logger_err``
    (the error log, created on its first record, and the console as
    "CarbonTracker: LEVEL - msg"). With ``log_dir`` the files are
    ``{log_prefix_}{pid}.{logger_id}_{YYYY-MM-DDTHHMMSSZ}_carbontracker{,_output,_err}.log``, as
    the library names them. ``console=False`` (not upstream) writes the files only."""

    def __init__(self, log_dir=None, verbose=0, log_prefix="", logger_id="root", *,
                 console=True):
        self.verbose = verbose
        self.console = console
        self.logger, self.logger_output, self.logger_err = self._setup(
            log_dir=log_dir, log_prefix=log_prefix, logger_id=logger_id)
        self._log_initial_info()
        self.msg_prepend = "CarbonTracker: "

    def _setup(self, log_dir=None, log_prefix="", logger_id="root"):
        if log_prefix:
            log_prefix += "_"
        logger_name = f"{log_prefix}{os.getpid()}.{logger_id}"
        logger = logging.getLogger(logger_name)
        logger_err = logging.getLogger(f"carbontracker.{logger_id}.err")
        logger_output = logging.getLogger(f"carbontracker.{logger_id}.output")
        for lg in (logger, logger_output, logger_err):
            _drop_ours(lg)
            lg.propagate = False
            lg.setLevel(logging.DEBUG)

        if self.console:
            out = logging.StreamHandler(stream=sys.stdout)
            out.setLevel(logging.INFO)
            out.setFormatter(logging.Formatter("{message}", style="{"))
            out.addFilter(VerboseFilter(self.verbose))
            _own(logger_output, out)
            err = logging.StreamHandler(stream=sys.stdout)
            err.setLevel(logging.INFO)
            err.setFormatter(logging.Formatter("CarbonTracker: {levelname} - {message}",
                                               style="{"))
            _own(logger_err, err)

        if log_dir is not None:
            pathlib.Path(log_dir).mkdir(parents=True, exist_ok=True)
            # ISO 8601 without colons (Windows file names), local time with a literal Z, as
            # upstream and the library name them.
            date = datetime.datetime.now().strftime("%Y-%m-%dT%H%M%SZ")
            base = os.path.join(os.fspath(log_dir), f"{logger_name}_{date}_carbontracker")
            stamp = TrackerFormatter(fmt="%(asctime)s - %(message)s")
            fh = logging.FileHandler(base + "_output.log")
            fh.setLevel(logging.INFO)
            fh.setFormatter(stamp)
            _own(logger_output, fh)
            f = logging.FileHandler(base + ".log")
            f.setLevel(logging.DEBUG)
            f.setFormatter(stamp)
            _own(logger, f)
            fe = logging.FileHandler(base + "_err.log", delay=True)
            fe.setLevel(logging.DEBUG)
            fe.setFormatter(logging.Formatter(
                "{asctime} - {threadName} - {levelname} - {message}", style="{"))
            _own(logger_err, fe)
        return logger, logger_output, logger_err

    def _log_initial_info(self):
        from . import __version__
        self.info(f"carbontracker version {__version__}")
        self.info("Only predicted and actual consumptions are multiplied by a PUE coefficient "
                  f"of {constants.PUE_2023} (Daniel Bizo, 2023, Uptime Institute Global Data "
                  "Center Survey).")

    def output(self, msg, verbose_level=0):
        self.logger_output.info(self.msg_prepend + msg)

    def info(self, msg):
        self.logger.info(msg)

    def err_debug(self, msg):
        self.logger_err.debug(msg)

    def err_info(self, msg):
        self.logger_err.info(msg)

    def err_warn(self, msg):
        self.logger_err.warning(msg)

    def err_critical(self, msg):
        self.logger_err.critical(msg)

    def close(self):
        """Close the files (not upstream: its handlers stay open until exit)."""
        for lg in (self.logger, self.logger_output, self.logger_err):
            _drop_ours(lg)


__all__ = ["convert_to_timestring", "TrackerFormatter", "VerboseFilter", "Logger"]
