"""Upstream carbontracker's report module (carbontracker/report.py): generate_report_from_log(),
LogParser and format_duration(), drawn by our report program instead of matplotlib and
reportlab (no Python dependency).

generate_report_from_log(log_file, output_pdf) runs ``carbontracker --report LOG --output PDF``
(the C command, found as ``carbontracker.cli`` finds it, which runs carbontracker-report): the
file is written where upstream writes it, as a PDF (US letter, as upstream's), and also for
CPU-only runs and with the PUE counted as on the console (doc/report.md). LogParser reads a
standard log's text with the library's log parser.
"""

import io
import os
import re
import subprocess
import tempfile

from ._command import MISSING, find_command
from .exceptions import CarbonTrackerError, NotSupportedError


def format_duration(seconds):
    """A duration as upstream's report writes it: "1h 2min 5s", "2min", "0s" (whole seconds,
    zero parts left out)."""
    hours = int(seconds // 3600)
    minutes = int((seconds % 3600) // 60)
    secs = int(seconds % 60)
    parts = [f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "min")) if n > 0]
    if secs > 0 or not parts:
        parts.append(f"{secs}s")
    return " ".join(parts)


def _report(log_file, output, quiet=True):
    """Run ``carbontracker --report log_file --output output``; raise with the program's own
    message when it fails."""
    cmd = find_command()
    if cmd is None:
        raise NotSupportedError(MISSING.strip(), -4)
    args = [cmd, "--report", os.fspath(log_file), "--output", os.fspath(output)]
    if quiet:
        args.append("-q")
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        detail = (r.stderr or r.stdout).strip() or f"exit status {r.returncode}"
        raise CarbonTrackerError(f"the report of {os.fspath(log_file)} could not be written: "
                                 f"{detail}")


def generate_report_from_log(log_file_path, output_path):
    """Write the report of a run to output_path, from one of its log files (upstream passes the
    standard log; the output log and our JSON-lines log beside it are used too). The extension
    of output_path picks the format: PDF (upstream's, and the default for any other name), SVG,
    PNG or HTML. FileNotFoundError when the log does not exist; CarbonTrackerError with the
    report program's message when it cannot be drawn."""
    if not os.path.exists(log_file_path):
        raise FileNotFoundError(2, "No such file or directory", os.fspath(log_file_path))
    _report(log_file_path, output_path)


def _first(pattern, text):
    m = re.search(pattern, text)
    return m.group(1) if m else None


class LogParser:
    """The figures of one run from the text of its standard log, as upstream's LogParser has
    them: ``epochs`` (dicts with epoch, duration, gpu_power, cpu_power, total_power; a component
    that was not measured counts 0 W, so CPU-only runs have epochs too), ``carbon_intensity``,
    ``location``, ``version``, ``pue``, ``components`` (the text after "The following components
    were found: "), ``start_time`` and ``end_time`` (the first and last time stamps). The numbers
    come from the library's log parser, which reads every upstream log version and ours."""

    def __init__(self, log_content):
        self.log_content = log_content
        self.epochs = []
        self.carbon_intensity = None
        self.location = None
        self.version = None
        self.pue = None
        self.components = None
        self.start_time = None
        self.end_time = None
        self._parse_log()

    def _parse_log(self):
        from . import parser
        run = parser._parse_run(std_log_data=self.log_content)
        self._derived = run.get("derived") or {}
        self.version = run.get("carbontracker_version")
        self.pue = run.get("pue")
        self.carbon_intensity = run.get("intensity_g_per_kwh")
        self.location = run.get("location")
        for e in run.get("epochs") or []:
            gpu = e.get("gpu_power_w") or 0.0
            cpu = e.get("cpu_power_w") or 0.0
            self.epochs.append({"epoch": e.get("epoch"), "duration": e.get("duration_s") or 0.0,
                                "gpu_power": gpu, "cpu_power": cpu, "total_power": gpu + cpu})
        text = self.log_content
        self.components = _first(r"The following components were found: (.*)", text)
        stamps = re.findall(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})", text)
        if stamps:
            self.start_time, self.end_time = stamps[0], stamps[-1]

    def _parse_duration(self, duration_str):
        """Seconds of "H:MM:SS[.ff]", "MM:SS" or a plain number."""
        parts = duration_str.split(":")
        if len(parts) == 3:
            return int(parts[0]) * 3600 + int(parts[1]) * 60 + float(parts[2])
        if len(parts) == 2:
            return int(parts[0]) * 60 + float(parts[1])
        return float(duration_str)

    def calculate_energy_metrics(self):
        """{"total_duration" (s), "avg_gpu_power", "avg_cpu_power", "total_power" (W, means over
        the epochs), "energy_kwh" (PUE included, as the console prints it; upstream's report
        leaves the PUE out), "co2_kg"}. ValueError when the log has no epoch."""
        if not self.epochs:
            raise ValueError("the log has no epoch (no \"Epoch N:\" with its duration and power "
                             "lines): nothing to report")
        n = len(self.epochs)
        gpu = sum(e["gpu_power"] for e in self.epochs) / n
        cpu = sum(e["cpu_power"] for e in self.epochs) / n
        energy_kwh = self._derived.get("energy_kwh_pue")
        co2_g = self._derived.get("co2eq_g")
        return {
            "total_duration": sum(e["duration"] for e in self.epochs),
            "avg_gpu_power": gpu,
            "avg_cpu_power": cpu,
            "total_power": gpu + cpu,
            "energy_kwh": energy_kwh,
            "co2_kg": None if co2_g is None else co2_g / 1000,
        }

    def generate_plots(self):
        """{"combined_plots": io.BytesIO}: the report of this log as a PNG image, drawn by the
        report program (upstream's holds its matplotlib figure)."""
        with tempfile.TemporaryDirectory(prefix="carbontracker-") as tmp:
            log = os.path.join(tmp, "0.0_1970-01-01T000000Z_carbontracker.log")
            with open(log, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(self.log_content)
            png = os.path.join(tmp, "plots.png")
            _report(log, png)
            with open(png, "rb") as f:
                return {"combined_plots": io.BytesIO(f.read())}


__all__ = ["generate_report_from_log", "LogParser", "format_duration"]
