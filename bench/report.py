#!/usr/bin/env python3
"""report.py - turn bench/run.sh's raw results into the measured sections of BENCHMARKS.md.

Reads the JSON/text files run.sh leaves in --results, prints a plain summary on stdout and, with
--write FILE, replaces the text between each "<!-- BEGIN bench:NAME -->" and
"<!-- END bench:NAME -->" marker pair of FILE (everything outside the markers is kept).
"""
import argparse
import glob
import json
import math
import os
import re
import statistics
import sys

US = 1e6
MS = 1e3


def load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def jsonl(path):
    rows = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    rows.append(json.loads(line))
    except OSError:
        pass
    return rows


def med(xs):
    xs = list(xs)
    return statistics.median(xs) if xs else float("nan")


def fmt(v, digits=2):
    if v is None or (isinstance(v, float) and v != v):
        return "n/a"
    return f"{v:.{digits}f}"


def pct(v, digits=4):
    if v is None or (isinstance(v, float) and v != v):
        return "n/a"
    return f"{v:+.{digits}f} %"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


class Report:
    def __init__(self, results, elapsed, quick):
        self.dir = results
        self.elapsed = elapsed
        self.quick = quick
        self.sections = {}
        self.targets = []  # (target, measured, verdict, reason)
        self.machine = load(os.path.join(results, "machine.json"), {})

    # ---- wrapping ----------------------------------------------------------------------------
    def wrapping(self):
        rows = jsonl(os.path.join(self.dir, "wrap.jsonl"))
        self.refs = {}
        for lab in ("ref-version", "ref-tracked-true", "ref-live-true", "ref-true"):
            rr = [r for r in rows if r["label"] == lab]
            if rr:
                self.refs[lab] = {"wall_ms": med(r["wall_s"] for r in rr) * MS,
                                  "cpu_ms": med(r["user_s"] + r["sys_s"] for r in rr) * MS,
                                  "rss_mb": med(r["maxrss_kb"] for r in rr) / 1024,
                                  "minflt": med(r.get("minflt", math.nan) for r in rr),
                                  "runs": len(rr)}
        live_rows = [r for r in rows if r["label"].startswith("live-")]
        rows = [r for r in rows if not r["label"].startswith(("ref-", "live-"))]
        ns = sorted({int(r["label"].split("-")[1]) for r in rows})
        out_rows = []
        self.wrap = {}
        for n in ns:
            ct = [r for r in rows if r["label"] == f"ct-{n}"]
            bare = [r for r in rows if r["label"] == f"bare-{n}"]
            if not ct or not bare:
                continue
            cpu = lambda r: r["user_s"] + r["sys_s"]  # noqa: E731
            jsons = [load(p) for p in glob.glob(os.path.join(self.dir, f"wrap-ct-{n}-*.json"))]
            tcpu = [j["tracker_cpu_s"] for j in jsons if j and j.get("tracker_cpu_s") is not None]
            # The JSON's split of tracker_cpu_s (absent from summaries before caller_cpu_s).
            part = {k: [j[k] for j in jsons if j and j.get(k) is not None]
                    for k in ("sampler_cpu_s", "caller_cpu_s", "carbon_cpu_s")}
            w = {
                "runs": len(ct),
                "bare_runs": len(bare),
                "wall_extra_ms": (med(r["wall_s"] for r in ct) - med(r["wall_s"] for r in bare)) * MS,
                "wall_extra_max_ms": (max(r["wall_s"] for r in ct) - med(r["wall_s"] for r in bare)) * MS,
                "wall_extra_best_ms": (min(r["wall_s"] for r in ct) - min(r["wall_s"] for r in bare)) * MS,
                "cpu_ct_ms": med(cpu(r) for r in ct) * MS,
                "cpu_bare_ms": med(cpu(r) for r in bare) * MS,
                "rss_ct_kb": med(r["maxrss_kb"] for r in ct),
                "rss_ct_max_kb": max(r["maxrss_kb"] for r in ct),
                "rss_bare_kb": med(r["maxrss_kb"] for r in bare),
                "tracker_cpu_ms": med(tcpu) * MS if tcpu else float("nan"),
                "sampler_cpu_ms": med(part["sampler_cpu_s"]) * MS,
                "caller_cpu_ms": med(part["caller_cpu_s"]) * MS,
                "failed": sum(1 for r in ct + bare if r["status"] != 0),
            }
            w["cpu_extra_ms"] = w["cpu_ct_ms"] - w["cpu_bare_ms"]
            self.wrap[n] = w
            out_rows.append([
                f"{n} s", f"{w['runs']} / {w['bare_runs']}", fmt(w["wall_extra_ms"]),
                fmt(w["wall_extra_best_ms"]), fmt(w["wall_extra_max_ms"]), fmt(w["cpu_ct_ms"]),
                fmt(w["cpu_bare_ms"]),
                fmt(w["cpu_extra_ms"]), fmt(w["tracker_cpu_ms"], 3),
                f"{fmt(w['sampler_cpu_ms'], 3)} / {fmt(w['caller_cpu_ms'], 3)}",
                f"{w['rss_ct_kb'] / 1024:.2f} ({w['rss_ct_max_kb'] / 1024:.2f})",
                f"{w['rss_bare_kb'] / 1024:.2f}",
            ])
        text = table(
            ["N", "runs tracked / bare", "extra wall, median (ms)", "extra wall, best (ms)",
             "extra wall, worst (ms)",
             "CPU tracked (ms)", "CPU bare (ms)", "extra CPU (ms)", "tracker_cpu_s (ms)",
             "of it sampler / caller (ms)",
             "peak RSS tracked, median (max) MB", "peak RSS bare MB"], out_rows)
        if self.wrap and len(self.wrap) >= 2:
            lo, hi = min(self.wrap), max(self.wrap)
            self.per_s_ms = (self.wrap[hi]["cpu_extra_ms"] - self.wrap[lo]["cpu_extra_ms"]) / (hi - lo)
            # The sampler's own clock; tracker_cpu_s for summaries without the split.
            key = ("tracker_cpu_ms" if math.isnan(self.wrap[hi]["sampler_cpu_ms"])
                   else "sampler_cpu_ms")
            self.per_s_tracker_ms = (self.wrap[hi][key] - self.wrap[lo][key]) / (hi - lo)
            text += (f"\n\nPer tracked second (slope from N = {lo} to {hi} s): "
                     f"{fmt(self.per_s_ms, 3)} ms of extra CPU; the sampler thread's "
                     f"`sampler_cpu_s` grows by {fmt(self.per_s_tracker_ms, 3)} ms a second. "
                     "Everything else is a fixed cost per run.")
        self.live = None
        if live_rows and self.wrap:
            n = max(int(r["label"].split("-")[1]) for r in live_rows)
            lr = [r for r in live_rows if r["label"] == f"live-{n}"]
            bare = [r for r in rows if r["label"] == f"bare-{n}"]
            jsons = [load(p) for p in glob.glob(os.path.join(self.dir, f"wrap-live-{n}-*.json"))]
            ccpu = [j["carbon_cpu_s"] for j in jsons if j and j.get("carbon_cpu_s") is not None]
            if lr and bare:
                cpu = lambda r: r["user_s"] + r["sys_s"]  # noqa: E731
                self.live = {
                    "n": n, "runs": len(lr),
                    "wall_extra_ms": (med(r["wall_s"] for r in lr)
                                      - med(r["wall_s"] for r in bare)) * MS,
                    "cpu_extra_ms": (med(cpu(r) for r in lr) - med(cpu(r) for r in bare)) * MS,
                    "carbon_cpu_ms": med(ccpu) * MS,
                    "rss_mb": med(r["maxrss_kb"] for r in lr) / 1024,
                }
                lv = self.live
                text += (f"\n\n**Live intensity** (the command's default; here zone DK, so the "
                         "carbon thread loads libcurl and asks energidataservice.dk, which fails "
                         f"at once without network): {lv['runs']} runs of `carbontracker -- sleep "
                         f"{n}` beside the runs above add {fmt(lv['wall_extra_ms'])} ms of wall "
                         f"and {fmt(lv['cpu_extra_ms'])} ms of CPU to a bare `sleep {n}`, of which "
                         f"the carbon thread's `carbon_cpu_s` is {fmt(lv['carbon_cpu_ms'])} ms; "
                         f"peak RSS {fmt(lv['rss_mb'])} MB, libcurl and "
                         f"{self.machine.get('curl_libraries', 'its')} libraries mapped by "
                         "that thread. The caller's thread never waits for any of it.")
        if self.refs:
            names = {"ref-version": "`carbontracker --version` (start-up of the command alone)",
                     "ref-tracked-true": "`carbontracker --offline --log_dir DIR -- true`",
                     "ref-live-true": "`carbontracker --log_dir DIR -- true` (live intensity)",
                     "ref-true": "`true`"}
            text += "\n\nReferences (medians):\n\n" + table(
                ["command", "runs", "wall (ms)", "CPU (ms)", "peak RSS (MB)", "page faults"],
                [[names[k], v["runs"], fmt(v["wall_ms"]), fmt(v["cpu_ms"]), fmt(v["rss_mb"]),
                  fmt(v["minflt"], 0)] for k, v in self.refs.items()])
        text += ("\n\nExtra wall = median wall of `carbontracker --offline -- sleep N` minus median "
                 "wall of "
                 "`sleep N` (best: fastest tracked minus fastest bare run, the least disturbed "
                 "by other work on the machine; worst: slowest tracked minus the bare median). "
                 "CPU = user + system time of the whole process tree from `wait4` "
                 "(the tracker, its sampler thread and the sleep); extra CPU = tracked minus bare "
                 "medians; page faults are `wait4`'s minor faults of the process tree (a "
                 "page the loader relocates, a copy-on-write page after `fork`, a page of "
                 "fresh memory), a large part of a short run's system time. "
                 "Peak RSS is `wait4`'s `ru_maxrss`, the largest single process of the "
                 "tree, which is carbontracker's (the bare `sleep` is the smaller number in the "
                 "last column). `tracker_cpu_s` is what the JSON summary of the same runs says: "
                 "the sampler thread's `sampler_cpu_s` plus the caller thread's `caller_cpu_s` "
                 "(inside the library's calls) plus the carbon thread's `carbon_cpu_s` (0 "
                 "offline).")
        self.sections["wrap"] = text

        if not self.wrap:
            return
        worst_wall = max(w["wall_extra_ms"] for w in self.wrap.values())
        worst_n = max(self.wrap, key=lambda n: self.wrap[n]["wall_extra_ms"])
        best = max(w["wall_extra_best_ms"] for w in self.wrap.values())
        self.target("Wrapping adds < 20 ms wall time",
                    f"{fmt(worst_wall)} ms (median, worst N = {worst_n} s); best runs "
                    f"{fmt(best)} ms{self.busy_text()}",
                    worst_wall < 20, self.fixed_cost_reason("wall_ms", "wall"))
        # CPU per minute tracked at 1 Hz: the 60 s run, else extrapolated from the longest two.
        if 60 in self.wrap:
            per_min = self.wrap[60]["cpu_extra_ms"]
            how = "N = 60 s"
        else:
            a, b = sorted(self.wrap)[-2:]
            slope = (self.wrap[b]["cpu_extra_ms"] - self.wrap[a]["cpu_extra_ms"]) / (b - a)
            per_min = self.wrap[a]["cpu_extra_ms"] + slope * (60 - a)
            how = f"extrapolated from N = {a}, {b} s"
        fixed = self.wrap[min(self.wrap)]["cpu_extra_ms"]
        self.cpu_per_min = per_min
        self.target("Wrapping adds < 10 ms CPU per minute tracked at 1 Hz",
                    f"{fmt(per_min)} ms ({how}); {fmt(fixed)} ms of it is the fixed start-up "
                    f"cost seen at N = {min(self.wrap)} s",
                    per_min < 10, self.fixed_cost_reason("cpu_ms", "CPU"))
        rss = max(w["rss_ct_max_kb"] for w in self.wrap.values()) / 1024
        v = self.refs.get("ref-version")
        live = (f"; with live intensity {fmt(self.live['rss_mb'])} MB (libcurl)"
                if self.live else "")
        self.target("Peak RSS < 8 MB",
                    f"{rss:.2f} MB (largest of all offline tracked runs){live}", rss < 8,
                    (f"`carbontracker --version` alone peaks at {fmt(v['rss_mb'])} MB: the "
                     f"command maps {self.libs_text()} at start; the tracker itself adds "
                     "little (see Library: memory)") if v else "")

    def busy_text(self):
        """A warning when other work loaded the machine during the run."""
        m = self.machine
        try:
            load = max(float(m["load_start"][0]), float(m["load_end"][0]))
        except (KeyError, IndexError, ValueError):
            return ""
        n = m.get("nproc") or 1
        if load <= n / 2:
            return ""
        return (f" (the machine was busy with other work, load {load:.1f} on {n} CPUs: wall "
                "times are inflated)")

    def libs_text(self):
        """'50 shared libraries (directly: libcurl, libcairo, ...)' from the machine facts."""
        libs = self.machine.get("shared_libraries")
        base = {"libc.so.6", "libm.so.6", "libcarbontracker.so.0", "libjansson.so.4",
                "ld-linux-x86-64.so.2", "libpthread.so.0", "libdl.so.2"}
        extra = [n.split(".so")[0] for n in self.machine.get("needed", []) if n not in base]
        return f"{libs} shared libraries" + (f" (asked for directly: {', '.join(extra)})"
                                             if extra else "")

    def fixed_cost_reason(self, key, what):
        v, tt, t = (self.refs.get(k) for k in ("ref-version", "ref-tracked-true", "ref-true"))
        if not v or not tt or not t:
            return "the fixed start-up cost dominates"
        text = (f"a run's fixed cost: `carbontracker --version` alone takes {fmt(v[key])} ms of "
                f"{what} (`true`: {fmt(t[key])} ms; the command maps {self.libs_text()}), a "
                f"tracked `true` {fmt(tt[key])} ms{self.busy_text() if key == 'wall_ms' else ''}")
        if key == "cpu_ms":
            text = (f"the fixed cost of a run: a tracked `true` takes {fmt(tt[key])} ms, of which "
                    f"`true` itself {fmt(t[key])} ms and the command's start "
                    f"(`carbontracker --version`) {fmt(v[key])} ms: creating, loading and ending "
                    "two processes, which this virtual machine charges heavily")
            w1s = self.wrap.get(min(self.wrap)) if getattr(self, "wrap", None) else None
            if w1s and not math.isnan(w1s["caller_cpu_ms"]):
                text += (f"; the library's calls on the caller's thread (`caller_cpu_s`, mostly "
                         f"system time: files, the sampler thread, the GPU probe) "
                         f"{fmt(w1s['caller_cpu_ms'])} ms")
            per_s = getattr(self, "per_s_ms", None)
            if per_s is not None:
                text += (f"; each tracked second adds {fmt(per_s, 3)} ms ({fmt(per_s * 60)} ms a "
                         "minute)")
                lib = load(os.path.join(self.dir, "library.json"), {})
                w1 = lib.get("wake_1hz", {}).get("cpu_us_per_wakeup")
                if w1:
                    text += (f", most of it the sampler's 1 Hz wake-up, which costs {w1:.0f} us "
                             "on this machine even for a thread that does nothing (leaving "
                             "idle is charged to the woken thread)")
            text += "; " + self.startup_reason()
        return text

    # ---- start-up profile ----------------------------------------------------------------------
    def startup(self):
        path = os.path.join(self.dir, "callgrind-startup.txt")
        self.startup_fn = {}
        total = None
        try:
            lines = open(path).read().splitlines()
        except OSError:
            self.sections["startup"] = "Not measured (valgrind is not installed)."
            return
        for line in lines:
            m = re.match(r"\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*)$", line)
            if not m:
                continue
            ir = int(m.group(1).replace(",", ""))
            name = m.group(3)
            if name.startswith("PROGRAM TOTALS"):
                total = ir
                continue
            fn = re.sub(r"\s*\[.*\]$", "", name)
            fn = fn.split(":")[-1]
            fn = re.sub(r"\.part\.\d+$|\.constprop\.\d+$|\.isra\.\d+$", "", fn)
            self.startup_fn.setdefault(fn, ir)
        self.startup_total = total
        want = [("PROGRAM TOTALS", total), ("main", None), ("cli_run", None),
                ("ct_tracker_open", None), ("ct__opts_init", None), ("ct__meters_select", None),
                ("cpu_tdp_probe", None), ("ct__cpu_tdp_lookup", None), ("nvml_probe", None),
                ("rapl_probe", None), ("ct__logs_open", None), ("ct_epoch_end", None),
                ("ct_stop", None), ("ct_tracker_free", None), ("_dl_start", None),
                ("_dl_relocate_object", None), ("_dl_fixup", None)]
        rows = []
        for fn, ir in want:
            ir = ir if ir is not None else self.startup_fn.get(fn)
            if ir is None or not total:
                continue
            rows.append([f"`{fn}`", f"{ir:,}", f"{100.0 * ir / total:.1f} %"])
        self.sections["startup"] = (
            "Instructions of `carbontracker --offline --log_dir DIR -- true` under callgrind "
            "(user space only; inclusive, so a caller's count contains its callees'; "
            "`_dl_start` is the dynamic loader before `main`, `_dl_relocate_object` its "
            "relocations, `_dl_fixup` the functions of shared libraries bound at their first "
            "call):\n\n"
            + table(["function", "instructions", "share"], rows))

    def startup_reason(self):
        fn = getattr(self, "startup_fn", {})
        total = getattr(self, "startup_total", None)
        if not fn or not total:
            return "start-up costs dominate"
        dl = fn.get("_dl_start", 0)
        main = fn.get("main", 0)
        return (f"a tracked `true` runs {total:,} user-space instructions, {100.0 * dl / total:.0f}"
                f" % of them the dynamic loader's and {100.0 * main / total:.0f} % the command's "
                "own (start-up profile)")

    # ---- sampler -------------------------------------------------------------------------------
    def sampler(self):
        names = [("rapl", "RAPL powercap, server2 (4 zones)", "RAPL"),
                 ("cpu-tdp", "CPU estimate (cpu-tdp, /proc/stat)", "cpu-tdp"),
                 ("rapl-perf", "RAPL perf_event, 2 sockets (pkg + ram), fake perf source "
                  "(the meter without the read(2) system call)", "rapl-perf"),
                 ("rapl-msr", "RAPL MSR, 2 sockets (pkg + DRAM), fixture msr files", "rapl-msr"),
                 ("amd-energy", "amd_energy hwmon, 2 sockets (16 core counters skipped)",
                  "amd-energy"),
                 ("acpi-power-meter", "ACPI power meter hwmon (whole node, power)",
                  "acpi-power-meter"),
                 ("nvml-counter", "NVML fake, 4 GPUs, energy counters", "NVML energy"),
                 ("nvml-power", "NVML fake, 4 GPUs, power only", "NVML power"),
                 ("rsmi-counter", "ROCm SMI fake, 4 GPUs, energy accumulators", "ROCm SMI energy"),
                 ("rsmi-power", "ROCm SMI fake, 4 GPUs, power only", "ROCm SMI power"),
                 ("amdgpu-hwmon", "amdgpu hwmon `power1_input`, 4 GPUs (opened per read)",
                  "amdgpu hwmon"),
                 ("intel-gpu-hwmon", "Intel xe hwmon `energy1_input`, 4 GPUs (opened per read)",
                  "Intel hwmon"),
                 ("tracker-cpu", "whole sample `ct__sampler_tick` (RAPL 4 zones: ledger, "
                  "account; no log files)", ""),
                 ("tracker-logs", "whole sample `ct__sampler_tick` with the log files (RAPL 4 "
                  "zones: ledger, account, the JSON-lines sample record, batched writes)", "")]
        rows = []
        self.per_counter = {}
        for key, desc, short in names:
            s = load(os.path.join(self.dir, f"sampler-{key}.json"))
            if not s:
                continue
            ins = None
            try:
                cg = [tuple(map(int, line.split()))
                      for line in open(os.path.join(self.dir, f"callgrind-{key}.txt"))]
                if len(cg) == 2 and cg[1][0] != cg[0][0]:
                    ins = (cg[1][1] - cg[0][1]) / (cg[1][0] - cg[0][0])
            except (OSError, ValueError):
                pass
            per_read = s["cpu_ns_per_read_median"]
            devs = max(s["devices"], 1)
            max_hz = 0.01 / (per_read / 1e9) if per_read > 0 else float("inf")
            if short:
                self.per_counter[short] = per_read / devs
            if key == "tracker-logs":
                self.tick_logs = (per_read, ins)
            rows.append([desc, s["devices"], fmt(per_read / 1e3, 2), fmt(per_read / devs / 1e3, 2),
                         f"{ins:,.0f} / {ins / devs:,.0f}" if ins else "n/a",
                         fmt(s["wall_ns_per_read"] / 1e3, 2), fmt(s["probe_ms"], 2),
                         f"{max_hz:,.0f}"])
        lib = load(os.path.join(self.dir, "library.json"), {})
        tick = lib.get("cpu_1khz", {}).get("sampler_cpu_us_per_sample")
        text = table(["meter", "devices", "CPU per read (us)", "CPU per device read (us)",
                      "instructions per read / per device (callgrind)", "wall per read (us)",
                      "probe (ms)", "reads alone under 1 % of a core (Hz)"], rows)
        if tick:
            text += (f"\n\nThe sampler thread's whole tick at 1 kHz (wake-up on its deadline, "
                     f"lock, RAPL reads, ring), from `sampler_cpu_s` over "
                     f"{lib['cpu_1khz']['samples']} samples: **{tick:.1f} us** of CPU per tick "
                     "(the tracker's default is 1 Hz; its fastest is 1 kHz). A tick costs more "
                     "at lower rates (the wake-up from a deeper idle), so the highest rate under "
                     "1 % of a core is measured at each rate, not derived from this figure: see "
                     "Rates.")
        w1k, w1 = lib.get("wake_1khz"), lib.get("wake_1hz")
        per_s_tracker = getattr(self, "per_s_tracker_ms", None)
        if w1k and w1:
            text += ("\n\nFor scale, a thread that does nothing but wait on the same kind of "
                     "deadline (a `CLOCK_MONOTONIC` semaphore, `sem_clockwait`, as the sampler) "
                     "is charged "
                     f"**{w1k['cpu_us_per_wakeup']:.1f} us** per wake-up at 1 kHz and "
                     f"**{w1['cpu_us_per_wakeup']:.1f} us** at 1 Hz on this machine (a virtual "
                     "machine: leaving idle is charged to the woken thread)")
            if per_s_tracker is not None:
                text += (f"; the sampler's 1 Hz tick through the command costs "
                         f"{per_s_tracker * 1e3:.0f} us (slope of `sampler_cpu_s`), so at 1 Hz "
                         "nearly all of it is the wake-up, not the reads")
            text += ("." if not text.endswith(".") else "")
            self.wake_1hz_us = w1["cpu_us_per_wakeup"]
        text += ("\n\nCPU time is `CLOCK_THREAD_CPUTIME_ID` (user + system) over batches of 100 "
                 "reads, median batch; instructions are user space only (callgrind cannot see "
                 "the kernel's side of `pread`), from the difference of two runs with "
                 "different read counts, so the probe and the program's own start-up cancel out. "
                 "The fake NVML answers in-process from memory, so its rows are the meter's own "
                 "cost; a real driver's NVML calls (an ioctl each) cost more.")
        self.sections["sampler"] = text
        if self.per_counter:
            worst = max(self.per_counter.values())
            which = max(self.per_counter, key=self.per_counter.get)
            self.target("Sampling < 5 us CPU per counter read",
                        "; ".join(f"{k}: {v / 1e3:.2f} us" for k, v in self.per_counter.items()),
                        worst < 5000, f"{which} is the most expensive")

    # ---- library -------------------------------------------------------------------------------
    def library(self):
        lib = load(os.path.join(self.dir, "library.json"))
        if not lib:
            self.sections["library"] = "Not measured."
            return
        rows = []
        for key, desc in [("epoch", "no log files"), ("epoch_logs", "with the log files")]:
            e = lib[key]
            rows.append([desc, e["pairs"], e["devices"], fmt(e["start_us_median"]),
                         fmt(e["start_us_p99"]), fmt(e["end_us_median"]), fmt(e["end_us_p99"]),
                         fmt(e["cpu_us_per_pair"])])
        text = "**epoch_start / epoch_end latency** (RAPL fixture, 4 zones, wall time per call)\n\n"
        text += table(["case", "pairs", "devices", "start median (us)", "start p99 (us)",
                       "end median (us)", "end p99 (us)", "CPU per pair (us)"], rows)
        o, ol = lib["open"], lib["open_logs"]
        text += ("\n\n**Open to first sample**: `ct_tracker_open` takes the first reading itself; "
                 f"median over {o['opens']} opens: first sample {fmt(o['first_sample_ms_median'], 3)}"
                 f" ms after the call (open returns after {fmt(o['open_ms_median'], 3)} ms); with "
                 f"log files {fmt(ol['first_sample_ms_median'], 3)} ms "
                 f"({fmt(ol['open_ms_median'], 3)} ms). `ct_tracker_free` takes "
                 f"{fmt(o['free_ms_median'], 3)} ms ({fmt(ol['free_ms_median'], 3)} ms with logs).")
        d, lv = lib["day"], lib["live_1khz"]
        text += "\n\n**Memory after a day of samples at 1 Hz**\n\n"
        text += table(["point", "VmRSS (kB)"], [
            ["before ct_tracker_open", d["rss_kb_before_open"]],
            ["after ct_tracker_open", d["rss_kb_after_open"]],
            [f"ring full ({d['ring_samples']} samples)", d["rss_kb_ring_full"]],
            [f"after {d['samples']:,} samples and {d['epochs']} epochs (24 h at 1 Hz)",
             d["rss_kb_after_day"]],
            [f"live sampler at 1 kHz: start / ring full / after {lv['samples']:,} samples",
             f"{lv['rss_kb_start']} / {lv['rss_kb_ring_full']} / {lv['rss_kb_end']}"],
        ])
        growth = d["rss_kb_after_day"] - d["rss_kb_ring_full"]
        self.day_growth = growth
        text += (f"\n\nGrowth from a full ring to the end of the day: **{growth} kB**. The "
                 f"tracker struct is {d['tracker_struct_bytes']:,} bytes, of which the ring is "
                 f"{d['ring_bytes']:,} bytes ({d['ring_samples']} samples of 24 bytes), fixed; "
                 f"epochs take {lib['epoch']['bytes_per_epoch']} bytes each "
                 f"({d['epoch_storage_bytes']:,} bytes for the day's {d['epochs']} epochs, "
                 f"{lib['epoch']['epoch_storage_bytes']:,} bytes after "
                 f"{lib['epoch']['pairs']:,} epochs). The day is replayed by calling "
                 "`ct__sampler_tick` (the sampler's whole per-tick work) 86,400 times, which leaves "
                 "the tracker in the state a day of 1 Hz ticks would, in "
                 f"{fmt(d['wall_s'])} s; the live run lets the real sampler thread run at 1 kHz "
                 f"for {fmt(lv['seconds'], 1)} s, past the ring's size "
                 f"({lv['missed_ticks']} deadlines skipped on this machine). The ring keeps the "
                 "newest 4096 samples and overwrites older ones: memory is bounded, but a day's "
                 "time series is not kept (see Findings).")
        self.sections["library"] = text

        rows = []
        for key, desc in [("cpu_1khz", "1 kHz"), ("cpu_1hz", "1 Hz")]:
            c = lib[key]
            share = c["tracker_cpu_s"] / c["process_cpu_s"] * 100 if c["process_cpu_s"] else 0
            rows.append([desc, fmt(c["seconds"], 1), c["samples"], fmt(c["tracker_cpu_s"] * MS, 3),
                         fmt(c.get("sampler_cpu_s", float("nan")) * MS, 3),
                         fmt(c.get("caller_cpu_s", float("nan")) * MS, 3),
                         fmt(c["process_cpu_s"] * MS, 3), fmt(c["caller_thread_cpu_s"] * MS, 3),
                         fmt(c["open_cpu_s"] * MS, 3), f"{share:.0f} %"])
        text = table(["sampling", "seconds", "samples", "tracker_cpu_s (ms)", "sampler_cpu_s (ms)",
                      "caller_cpu_s (ms)", "process CPU, getrusage (ms)",
                      "caller thread, measured (ms)", "of it in open (ms)",
                      "tracker_cpu_s / process"], rows)
        wr = getattr(self, "wrap", {})
        if wr:
            n = max(wr)
            w = wr[n]
            text += (f"\n\nThrough the command (`carbontracker --offline -- sleep {n}`): the JSON "
                     f"says tracker_cpu_s = {fmt(w['tracker_cpu_ms'], 3)} ms, while the process "
                     f"tree used {fmt(w['cpu_extra_ms'])} ms more CPU than a bare `sleep {n}`: "
                     "the difference is the command's own process (dynamic loading, options, "
                     "fork and exec, the JSON file), which no thread clock of the library sees.")
        c1, ck = lib["cpu_1hz"], lib["cpu_1khz"]
        rest = c1["caller_thread_cpu_s"] - c1.get("caller_cpu_s", 0)
        text += ("\n\n`tracker_cpu_s` is the sum of three `CLOCK_THREAD_CPUTIME_ID` clocks: the "
                 "sampler thread's (`sampler_cpu_s`), the caller's thread's inside "
                 "`ct_tracker_open`, `ct_epoch_start`, `ct_epoch_end` and `ct_stop` "
                 "(`caller_cpu_s`: probing, location, log files, boundary reads) and the carbon "
                 "thread's (`carbon_cpu_s`, 0 offline). Here it is "
                 f"{ck['tracker_cpu_s'] / ck['process_cpu_s'] * 100:.0f} % of the process's CPU "
                 f"at 1 kHz and {c1['tracker_cpu_s'] / c1['process_cpu_s'] * 100:.0f} % at 1 Hz; "
                 "what it leaves out is the caller's work outside those calls (here "
                 f"`ct_summary_json` and `ct_tracker_free`, {fmt(rest * MS, 3)} ms at 1 Hz) and "
                 "the process's own start-up.")
        self.sections["cpu-accounting"] = text

    # ---- Python: epoch_start()+epoch_end() through the package ----------------------------------
    def python_epoch(self):
        runs = [r for r in (load(p) for p in sorted(
            glob.glob(os.path.join(self.dir, "python_epoch-*.json")))) if r]
        if not runs:
            self.sections["python"] = "Not measured."
            return
        # The run whose pair median is the median of the runs' medians.
        py = sorted(runs, key=lambda r: r["pair_us_median"])[(len(runs) - 1) // 2]
        text = table(["run", "pairs", "devices", "pair median (us)", "pair p99 (us)",
                      "epoch_start median (us)", "epoch_end median (us)", "Python"],
                     [[i + 1, r["pairs"], r["devices"], fmt(r["pair_us_median"], 1),
                       fmt(r["pair_us_p99"], 1), fmt(r["start_us_median"], 1),
                       fmt(r["end_us_median"], 1), r["python"]] for i, r in enumerate(runs)])
        lib = load(os.path.join(self.dir, "library.json"), {}).get("epoch_logs")
        if lib:
            text += ("\n\nOf the pair, the library's own `ct_epoch_start` + `ct_epoch_end` with the "
                     f"log files take {fmt(lib['start_us_median'] + lib['end_us_median'], 1)} us "
                     "(medians, Library above); the rest is the package: the ctypes calls (one "
                     "`ct_epoch_device` per device, `ct_get_live` for whether monitoring ended) "
                     "and the returned dict.")
        self.sections["python"] = text
        self.target("Python epoch_start()+epoch_end() with logs < 100 us",
                    f"{py['pair_us_median']:.1f} us median (the median run of {len(runs)}: "
                    + ", ".join(f"{r['pair_us_median']:.1f}" for r in runs) +
                    f" us), p99 {py['pair_us_p99']:.1f} us "
                    f"({py['pairs']} pairs each, {py['devices']} devices, log files on)",
                    py["pair_us_median"] < 100,
                    "see Python: the library's epoch calls with the log files and the package's "
                    "ctypes calls per device")

    # ---- accuracy ------------------------------------------------------------------------------
    def accuracy(self):
        acc = os.path.join(self.dir, "accuracy")
        rows = []
        counter_errs = []
        cases = [
            ("constant", "constant 150 W on each of 2 packages + 2 DRAM (server2)"),
            ("bursty", "bursty, one package"),
            ("sockets-dram", "bursty, 2 packages + 2 DRAM (server2)"),
            ("wrap", "bursty, counters wrapping (150 J / 100 J ranges)"),
        ]
        for key, desc in cases:
            ct = load(os.path.join(acc, f"{key}.ct.json"))
            tr = load(os.path.join(acc, f"{key}.truth.json"))
            if not ct or not tr:
                rows.append([desc, "failed", "", "", "", ""])
                counter_errs.append(float("inf"))
                continue
            truth = tr["energy_j"]
            got = ct["energy_j"]
            err = (got - truth) / truth * 100 if truth else float("nan")
            # per device
            dev_err = 0.0
            for d in tr["devices"]:
                m = [x for x in ct["devices"] if x["name"] == d["label"]]
                if m:
                    t = d["energy_uj"] / 1e6
                    dev_err = max(dev_err, abs(m[0]["energy_j"] - t) / t * 100 if t else 0)
                else:
                    dev_err = float("inf")
            counter_errs.append(max(abs(err), dev_err))
            wraps = sum(d.get("wraps", 0) for d in tr["devices"])
            extra = f"{wraps} wraps" if key == "wrap" else f"{sum(d['segments'] for d in tr['devices'])} segments"
            rows.append([desc, fmt(truth, 3), fmt(got, 3), pct(err), pct(dev_err), extra])
        ep = load(os.path.join(acc, "epochs.truth.json"))
        if ep:
            err = (ep["reported_j"] - ep["truth_j"]) / ep["truth_j"] * 100
            worst = ep["max_epoch_rel_err"] * 100
            counter_errs.append(max(abs(err), worst))
            rows.append([f"{ep['epochs']} short epochs ({fmt(ep['min_epoch_s'] * MS, 0)}-"
                         f"{fmt(ep['max_epoch_s'] * MS, 0)} ms) through the C API, 2 packages + "
                         f"2 DRAM; {fmt(ep['gap_energy_j'], 1)} J between epochs not counted",
                         fmt(ep["truth_j"], 3), fmt(ep["reported_j"], 3), pct(err),
                         f"{pct(worst)} (worst epoch); {ep['device_mismatches']} device mismatches",
                         f"summary {fmt(ep['summary_energy_j'], 3)} J"])
        gpu_rows, power10 = self.gpu_cases(acc, counter_errs)
        rows += gpu_rows
        text = table(["case", "truth (J)", "carbontracker (J)", "error, total",
                      "error, worst device", "trace"], rows)
        text += self.sweep(acc)
        text += ("\n\nTruth is what `trace_driver` added to the fixture counters (integer "
                 "microjoules, every 1 ms) or what the fake NVML's scenario integrates to (power "
                 "steps of whole milliwatts and milliseconds). carbontracker's number is the "
                 "JSON summary's `energy_j` (before PUE) of `carbontracker --json` wrapping the "
                 "driver, per device its `devices[].energy_j`.")
        self.sections["accuracy"] = text
        worst = max(counter_errs) if counter_errs else float("nan")
        self.target("Counter-based energy within 0.1 % of the truth on every trace",
                    f"worst {worst:.6f} % over {len(counter_errs)} cases", worst < 0.1, "")

    def gpu_cases(self, acc, counter_errs):
        rows, power10 = [], []
        self.power_traces = {}
        for key, desc in [("gpu-counter", "4 GPUs, energy counters, bursty"),
                          ("gpu-power-20hz", "4 GPUs, power only, bursty, 20 Hz (default)")]:
            ct = load(os.path.join(acc, f"{key}.ct.json"))
            sc = load(os.path.join(acc, f"{key}.scenario.json"))
            if not sc:
                continue
            if not ct:
                rows.append([desc, "failed", "", "", "", ""])
                continue
            truth = sc["energy_j"]
            got = ct["energy_j"]
            err = (got - truth) / truth * 100
            errs, pairs = [], []
            for g in sc["gpus"]:
                m = [d for d in ct["devices"] if d.get("uuid") == g["uuid"]]
                if m and g["energy_j"]:
                    errs.append((m[0]["energy_j"] - g["energy_j"]) / g["energy_j"] * 100)
                    pairs.append((m[0]["energy_j"], g["energy_j"]))
            worst = max(errs, key=abs) if errs else float("nan")
            if key == "gpu-counter":
                counter_errs.append(max(abs(err), abs(worst)))
            elif key == "gpu-power-20hz":
                power10.extend(pairs)
            self.power_traces[key] = errs
            rows.append([desc, fmt(truth, 3), fmt(got, 3), pct(err, 3), pct(worst, 3),
                         f"{sum(g['bursts'] for g in sc['gpus'])} bursts, "
                         f"{fmt(sc['end_s'] - sc['lead_s'], 1)} s"])
        self.power10 = power10
        return rows, power10

    def sweep(self, acc):
        runs = []
        for path in sorted(glob.glob(os.path.join(acc, "sweep-*.json"))):
            if path.endswith(".scenario.json"):
                continue
            seed = path.rsplit("-", 1)[1].split(".")[0]
            sc = load(os.path.join(acc, f"sweep-{seed}.scenario.json"))
            sw = load(path)
            if sc and sw:
                runs.append((sc, sw))
        if not runs:
            return ""
        by_hz = {}
        for sc, sw in runs:
            for r in sw["rates"]:
                for g, e in zip(sc["gpus"], r["devices"]):
                    by_hz.setdefault(r["hz"], []).append((e, g["energy_j"]))
        rows = []
        for hz in sorted(by_hz):
            errs = [(got - truth) / truth * 100 for got, truth in by_hz[hz]]
            rows.append([f"{hz:g} Hz", len(errs), f"{statistics.mean(abs(e) for e in errs):.2f} %",
                         f"{max(abs(e) for e in errs):.2f} %",
                         f"{statistics.mean(errs):+.2f} %"])
        if 20 in by_hz:
            # The target counts every 20 Hz trace, through the command and in the sweep.
            self.power10 = getattr(self, "power10", []) + by_hz[20]
        traces = sum(len(sc["gpus"]) for sc, _ in runs)
        bursts = sum(g["bursts"] for sc, _ in runs for g in sc["gpus"])
        return ("\n\n**Power-only GPUs: integration error against the polling rate** "
                f"({traces} bursty traces, {bursts} bursts; each rate polls the same traces at "
                "the same time through the NVML meter's own code, because the tracker never "
                "polls power-only GPUs slower than 20 Hz)\n\n"
                + table(["polling", "traces", "mean abs error", "worst error", "mean (bias)"], rows))

    def finish_targets(self):
        p10 = getattr(self, "power10", [])
        if p10:
            errs = [(got - truth) / truth * 100 for got, truth in p10]
            worst10 = max(abs(e) for e in errs)
            total = (sum(g for g, _ in p10) - sum(t for _, t in p10)) / sum(t for _, t in p10) * 100
            self.target("Power-integrated GPU energy within 2 % at 20 Hz on bursty traces",
                        f"worst single GPU trace {worst10:.2f} %, mean abs error "
                        f"{statistics.mean(abs(e) for e in errs):.2f} %, all {len(p10)} traces "
                        f"together {total:+.2f} % (through the command and in the sweep)",
                        worst10 < 2,
                        "the trapezoid rule over 50 ms samples cannot see where inside an "
                        "interval a power step happened, so each step of a trace costs up to "
                        "half an interval at the step's height; short traces with few, tall "
                        "steps add up to more than 2 %; the error falls with the polling rate "
                        "(sweep table)")
        self.target("`make bench` under 10 minutes",
                    f"{self.elapsed} s for bench/run.sh (plus the build)",
                    self.elapsed < 600, "")

    def target(self, name, measured, ok, reason):
        self.targets = [t for t in self.targets if t[0] != name]
        self.targets.append((name, measured, "PASS" if ok else "MISS", "" if ok else reason))

    # ---- rates: the tracker's CPU at a sampling rate, measured at that rate ----------------
    def rates(self):
        rows = jsonl(os.path.join(self.dir, "rates.jsonl"))
        if not rows:
            self.sections["rates"] = "Not measured."
            return
        cpu = lambda r: r["user_s"] + r["sys_s"]  # noqa: E731
        runs = {}
        for r in rows:
            runs.setdefault(r["label"], []).append(r)
        bare = {int(lab.split("-")[1]): med(cpu(r) for r in rr)
                for lab, rr in runs.items() if lab.startswith("rbare-")}
        # A bare sleep's CPU hardly depends on N: the 1 Hz runs' bare sleeps serve every N.
        bare_any = med(list(bare.values())) if bare else 0.0
        out, self.rate_figs = [], {}
        for lab in sorted((l for l in runs if l.startswith("rate-")),
                          key=lambda l: (int(l.split("-")[1]), int(l.split("-")[2]))):
            hz, n = int(lab.split("-")[1]), int(lab.split("-")[2])
            rr = runs[lab]
            jsons = [load(p) for p in sorted(glob.glob(os.path.join(self.dir, f"{lab}-*.json")))]
            samp = [j["sampler_cpu_s"] for j in jsons if j and j.get("sampler_cpu_s") is not None]
            tcpu = [j["tracker_cpu_s"] for j in jsons if j and j.get("tracker_cpu_s") is not None]
            counts = []
            for p in glob.glob(os.path.join(self.dir, f"{lab}-*.samples")):
                try:
                    counts.append(int(open(p).read().split()[0]))
                except (OSError, ValueError, IndexError):
                    pass
            extra = med(cpu(r) for r in rr) - bare.get(n, bare_any)
            f = {"hz": hz, "n": n, "runs": len(rr), "extra_ms": extra * MS,
                 "sampler_ms": med(samp) * MS if samp else float("nan"),
                 "tracker_ms": med(tcpu) * MS if tcpu else float("nan"),
                 "kept_hz": med(counts) / n if counts else float("nan")}
            f["core_pct"] = f["sampler_ms"] / (n * MS) * 100
            self.rate_figs[hz] = f
            out.append([f"{hz} Hz", f"{n} s", f["runs"], fmt(f["kept_hz"], 0),
                        fmt(f["extra_ms"]), fmt(f["tracker_ms"]), fmt(f["sampler_ms"]),
                        fmt(f["sampler_ms"] / max(f["kept_hz"] * n, 1) * 1000, 1),
                        fmt(f["core_pct"], 3) + " %"])
        text = table(["rate", "N", "runs", "samples written per s", "extra CPU of the process "
                      "tree (ms)", "tracker_cpu_s (ms)", "sampler_cpu_s (ms)",
                      "sampler CPU per sample (us)", "sampler, share of a core"], out)
        under = [f for f in self.rate_figs.values() if f["hz"] > 1 and f["core_pct"] < 1]
        best = max(under, key=lambda f: f["hz"]) if under else None
        text += ("\n\nHighest rate measured under 1 % of a core (the sampler thread's CPU over "
                 "the run, at that rate): " +
                 (f"**{best['hz']} Hz** ({best['core_pct']:.2f} %)." if best else "none of the "
                  "rates measured."))
        floors = [r["wake_1khz"] for r in jsonl(os.path.join(self.dir, "rate-floor.jsonl"))
                  if r.get("wake_1khz")]
        k = self.rate_figs.get(1000)
        self.khz_floor = None
        if floors and k:
            us = med([f["cpu_us_per_wakeup"] for f in floors])
            per_run = [f["cpu_us_per_wakeup"] * f["wakeups"] / 1e3 for f in floors]
            self.khz_floor = us
            own = k["sampler_ms"] - us * k["kept_hz"] * k["n"] / 1e3
            text += ("\n\nThe floor at 1 kHz, measured before and after each 1 kHz run for as "
                     "long (`bench_library --wake-only`: a thread that does nothing but wake on "
                     "a 1 ms deadline, as the sampler waits): "
                     + ", ".join(f"{ms:.0f}" for ms in per_run) +
                     f" ms, a median of {us:.1f} us a wake-up. The sampler's "
                     f"{k['sampler_ms']:.0f} ms (median) are {own:.0f} ms above that floor, "
                     f"{own / max(k['kept_hz'] * k['n'], 1) * 1e3:.1f} us a tick.")
        self.sections["rates"] = text
        k = self.rate_figs.get(1000)
        if k:
            # The target is for 10 s; a quick run's shorter one is held to its share.
            self.target("1 kHz sampling of 2 packages + DRAM for 10 s: tracker CPU <= 100 ms",
                        f"{k['extra_ms']:.1f} ms extra CPU of the process tree, start-up "
                        f"included (median of {k['runs']}"
                        + (f", runs of {k['n']} s only" if k["n"] != 10 else "") +
                        f"); tracker_cpu_s {k['tracker_ms']:.1f} "
                        f"ms, of it the sampler {k['sampler_ms']:.1f} ms; "
                        f"{k['kept_hz']:.0f} samples written a second",
                        k["extra_ms"] <= 100 * k["n"] / 10, self.khz_reason(k))
        one = self.rate_figs.get(1)
        if one:
            per_min = one["sampler_ms"] / one["n"] * 60
            self.target("1 Hz for 20 s: <= 12 ms tracker CPU with start-up; <= 10 ms per tracked "
                        "minute in steady state",
                        f"{one['extra_ms']:.2f} ms extra CPU of the process tree (median of "
                        f"{one['runs']}, tracker_cpu_s {one['tracker_ms']:.2f} ms); steady state "
                        f"{per_min:.2f} ms a minute (sampler_cpu_s over the run)",
                        one["extra_ms"] <= 12 and per_min <= 10,
                        "the fixed start-up and the 1 Hz wake-up (see Wrapping)")

    def khz_reason(self, k):
        us = getattr(self, "khz_floor", None)
        when = "between the 1 kHz runs"
        if us is None:
            wake = load(os.path.join(self.dir, "library.json"), {}).get("wake_1khz", {})
            us, when = wake.get("cpu_us_per_wakeup"), "in the library benchmark"
        per = k["sampler_ms"] / max(k["kept_hz"] * k["n"], 1) * 1000
        text = f"a tick costs {per:.1f} us of the sampler's CPU"
        own = getattr(self, "tick_logs", None)
        if own:
            text += (f"; its own work (`ct__sampler_tick` with the log files in a loop: four "
                     f"`pread`s, the ledger, the account and the sample record"
                     + (f", {own[1]:,.0f} instructions" if own[1] else "") +
                     f") is {own[0] / 1e3:.2f} us, {own[0] / 1e3 * 10:.0f} ms per 10 s at 1 kHz")
        if us:
            text += (f", and on this machine a thread that only wakes on a 1 ms deadline is "
                     f"already charged {us:.1f} us a wake-up ({when}; {us * 10:.0f} ms per 10 s "
                     "at 1 kHz before any read: a virtual machine charges leaving idle to the "
                     "woken thread), so no sampler that wakes 1,000 times a second meets 100 ms "
                     "here")
        return text

    # ---- output --------------------------------------------------------------------------------
    def build(self):
        self.startup()
        self.wrapping()
        self.sampler()
        self.library()
        self.rates()
        self.python_epoch()
        self.accuracy()
        self.finish_targets()
        m = self.machine
        self.sections["machine"] = table(
            ["", ""],
            [["date", m.get("date", "")], ["commit", m.get("commit", "")],
             ["CPU", f"{m.get('cpu', '')} ({m.get('nproc', '')} CPUs)"],
             ["kernel", m.get("kernel", "")], ["compiler", m.get("compiler", "")],
             ["valgrind", m.get("valgrind", "") or "not installed"],
             ["load average (1, 5, 15 min) at start / end",
              f"{' '.join(m.get('load_start', []))} / {' '.join(m.get('load_end', []))}"],
             ["bench/run.sh", f"{self.elapsed} s" + (" (BENCH_QUICK)" if self.quick else "")]])
        rows = [[t[0], t[1], f"**{t[2]}**" + (f": {t[3]}" if t[3] else "")] for t in self.targets]
        self.sections["summary"] = table(["target", "measured", "verdict"], rows)
        try:
            fails = [l.strip() for l in open(os.path.join(self.dir, "failures.txt")) if l.strip()]
        except OSError:
            fails = []
        if fails:
            self.sections["summary"] += ("\n\n**Steps that failed in this run** (their numbers "
                                         "are missing above): " + "; ".join(fails) + ".")

    def text(self):
        out = []
        for name in ["summary", "machine", "wrap", "startup", "sampler", "rates", "library",
                     "cpu-accounting", "python", "accuracy"]:
            out.append(f"## {name}\n\n{self.sections.get(name, '')}\n")
        return "\n".join(out)

    def write(self, path):
        doc = open(path).read()
        for name, body in self.sections.items():
            pat = re.compile(r"(<!-- BEGIN bench:%s -->\n).*?(<!-- END bench:%s -->)"
                             % (re.escape(name), re.escape(name)), re.S)
            if not pat.search(doc):
                print(f"report.py: no marker for section {name} in {path}", file=sys.stderr)
                continue
            doc = pat.sub(lambda m: m.group(1) + body + "\n" + m.group(2), doc)
        with open(path + ".tmp", "w") as f:
            f.write(doc)
        os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--elapsed", type=int, default=0)
    ap.add_argument("--quick", default="0")
    ap.add_argument("--build-s", default="")
    ap.add_argument("--write")
    a = ap.parse_args()
    r = Report(a.results, a.elapsed, a.quick == "1")
    r.build()
    print(r.text())
    if a.write:
        r.write(a.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
