#!/usr/bin/env python3
"""Write one upstream-format run with many epochs, for the parser's memory and time benchmark.

    gen_biglog.py DIR [--epochs N]     (default 520000: a standard log of about 100 MB)

The standard log has upstream's four lines per epoch (epoch, duration, GPU and CPU power); the
output log has the actual consumption. The numbers vary with the epoch so that no two lines are
alike. Used by bench/parse_big.sh; nothing large is checked in.
"""
import argparse
import os


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--epochs", type=int, default=520000)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    base = os.path.join(a.dir, "41233.50719_2025-06-13T140211Z_carbontracker")
    t0 = "2025-06-13 14:02:11"
    with open(base + ".log", "w") as f:
        f.write(f"{t0} - carbontracker version 2.3.1\n")
        f.write(f"{t0} - Only predicted and actual consumptions are multiplied by a PUE "
                "coefficient of 1.58 (Daniel Bizo, 2023, Uptime Institute Global Data Center "
                "Survey).\n")
        f.write(f"{t0} - The following components were found: GPU with device(s) NVIDIA GeForce "
                "RTX 3090. CPU with device(s) cpu:0, dram:0.\n")
        f.write(f"{t0} - Monitoring thread started.\n")
        total_s = 0.0
        total_j = 0.0
        for e in range(1, a.epochs + 1):
            d = 30 + (e % 7) * 0.01
            gpu = 280 + (e % 97) * 0.13
            cpu = 38 + (e % 31) * 0.07
            total_s += d
            total_j += (gpu + cpu) * d
            f.write(f"{t0} - Epoch {e}:\n{t0} - Duration: 0:00:{d:05.2f}\n"
                    f"{t0} - Average power usage (W) for gpu: {gpu:.3f}\n"
                    f"{t0} - Average power usage (W) for cpu: {cpu:.3f}\n")
        f.write(f"{t0} - Carbon intensities (gCO2/kWh) fetched every 900 s at detected location "
                "DK: [151.6503]\n")
        f.write(f"{t0} - Average carbon intensity during training was 151.65 gCO2/kWh at "
                "detected location: DK.\n")
        f.write(f"{t0} - Monitoring thread ended.\n")
    kwh = total_j / 3.6e6 * 1.58
    co2 = kwh * 151.6503
    h, rem = divmod(int(total_s), 3600)
    with open(base + "_output.log", "w") as f:
        f.write(f"{t0} - CarbonTracker: The following components were found: GPU with device(s) "
                "NVIDIA GeForce RTX 3090. CPU with device(s) cpu:0, dram:0.\n")
        f.write(f"{t0} - CarbonTracker: \nActual consumption for {a.epochs} epoch(s):\n"
                f"\tTime:\t{h}:{rem // 60:02d}:{rem % 60:02d}\n\tEnergy:\t{kwh:.12f} kWh\n"
                f"\tCO2eq:\t{co2:.12f} g\n\tThis is equivalent to:\n"
                f"\t{co2 / 107.5:.12f} km travelled by car\n")
        f.write(f"{t0} - CarbonTracker: Finished monitoring.\n")


if __name__ == "__main__":
    main()
