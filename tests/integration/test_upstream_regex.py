#!/usr/bin/env python3
"""Upstream carbontracker's parser regexes (parser.py at HEAD 8beb2b9, verbatim) applied to logs
written by our example training run: our logs must be readable by upstream's parser."""
import glob
import os
import re
import subprocess
import sys
import tempfile

ACTUAL = (r"(?i)Actual consumption(?:\s*for\s+\d+\s+epochs)?[\s\S]*?Time:\s*(.*)\n\s*Energy:\s*(.*)"
          r"\s+kWh[\s\S]*?CO2eq:\s*(.*)\s+g(?:\s*This is equivalent to:\s*([\s\S]*?))?"
          r"(?=\d{4}-\d{2}-\d{2}|\Z)")
PRED = (r"(?i)Predicted consumption for (\d*) epoch\(s\):[\s\S]*?Time:\s*(.*)\n\s*Energy:\s*(.*)"
        r"\s+kWh[\s\S]*?CO2eq:\s*(.*)\s+g(?:\s*This is equivalent to:\s*([\s\S]*?))?"
        r"(?=\d{4}-\d{2}-\d{2}|\Z)")
TIME = r"(\d+):(\d{2}):(\d\d?(?:.\d{2})?)"

passed = failed = 0


def check(name, cond):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok - {name}")
    else:
        failed += 1
        print(f"not ok - {name}")


def main():
    example = os.environ["CT_EXAMPLE"]
    fixture = os.environ["CT_FIXTURE"]
    tmp = tempfile.mkdtemp(dir=os.environ.get("CT_TMP"))
    sysroot = os.path.join(tmp, "sys")
    os.makedirs(sysroot)
    subprocess.run([fixture, "powercap", sysroot, "server2"], check=True)
    logs = os.path.join(tmp, "logs")
    env = dict(os.environ, CARBONTRACKER_SYSFS_ROOT=sysroot, CARBONTRACKER_ZONE="DK",
               CARBONTRACKER_OFFLINE="1", CARBONTRACKER_NVML_LIBRARY="/nonexistent/libnvidia-ml.so.1")
    subprocess.run([example, "--epochs", "3", "--samples", "2000", "--log_dir", logs], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    std = open(glob.glob(os.path.join(logs, "*_carbontracker.log"))[0]).read()
    out = open(glob.glob(os.path.join(logs, "*_carbontracker_output.log"))[0]).read()

    # get_devices
    comps = re.findall(r"The following components were found:(.*)\n", std)
    devs = dict((c.lower(), d.split(",")) for c, d in re.findall(r" (.*?) with device\(s\) (.*?)\.", comps[0]))
    check("get_devices finds cpu devices", devs.get("cpu") == ["cpu:0", " dram:0", " cpu:1", " dram:1"])
    # get_epoch_durations
    durs = re.findall(r"Duration: " + TIME, std)
    check("get_epoch_durations finds 3 epochs", len(durs) == 3)
    # get_avg_power_usages
    powers = re.findall(r"Average power usage \(W\) for (.+): (\[?[0-9\.]+\]?|None)", std)
    check("get_avg_power_usages finds 3 cpu lines", [c for c, _ in powers] == ["cpu"] * 3)
    check("power values are plain decimals", all(re.fullmatch(r"[0-9]+\.[0-9]+", v) for _, v in powers))
    # get_consumption
    a = re.findall(ACTUAL, out)
    p = re.findall(PRED, out)
    check("actual block parses", len(a) == 1 and float(a[0][1]) >= 0 and float(a[0][2]) >= 0)
    check("predicted block parses", len(p) == 1 and p[0][0] == "3")
    check("equivalents parse", len(a) == 1 and a[0][3].strip().endswith("km travelled by car"))
    check("time parses", len(a) == 1 and re.match(TIME, a[0][0]) is not None)
    # report.py regexes
    check("report: PUE", re.search(r"PUE coefficient of ([\d\.]+)", std).group(1) == "1.58")
    check("report: version", re.search(r"carbontracker version ([\d\.]+)", std) is not None)
    check("report: intensity and location",
          re.search(r"Average carbon intensity during training was ([\d\.]+) gCO2/kWh at detected location: (.*)", std)
          .group(1) == "151.65")
    check("early stop flag absent for a complete run", not re.findall(r"(?i)Training was interrupted", std))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
