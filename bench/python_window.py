"""Cost of `with run.window(name):` (enter + exit) in an installed mlcarbon package; the issue's
target is 1 ms or less. Not a test: run it with the interpreter the package is installed in,

    python bench/python_window.py [--windows 2000] [--sensors machine|demo]

`machine` (default) reads this machine's sensors at each boundary (RAPL or the CPU model, the
RAM model, NVML where a GPU is), as a user's run does; `demo` replays the built-in trace. The
run's database is a temporary file; the sampling thread runs at 1 s, as by default, so some
boundaries wait for a sample (and its commit) in progress: the maximum shows it."""

import argparse
import statistics
import sys
import tempfile
import time
import warnings

import mlcarbon


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", type=int, default=2000)
    parser.add_argument("--sensors", choices=["machine", "demo"], default="machine")
    options = parser.parse_args()
    replay = "demo" if options.sensors == "demo" else None
    costs = []
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", mlcarbon.MlcarbonWarning)
        with mlcarbon.track(project="bench", zone="FR", db=f"{folder}/runs.sqlite", replay=replay) as run:
            for index in range(options.windows):
                started = time.perf_counter()
                with run.window("w"):
                    pass
                costs.append(time.perf_counter() - started)
                if index % 100 == 0:
                    time.sleep(0.01)
        stored = len(run.windows())
    costs_us = sorted(c * 1e6 for c in costs)

    def at(q: float) -> float:
        return costs_us[min(len(costs_us) - 1, int(q * len(costs_us)))]

    print(
        f"window enter+exit, {options.sensors} sensors, {len(costs_us)} windows ({stored} stored): "
        f"median {statistics.median(costs_us):.1f} µs, p99 {at(0.99):.1f} µs, "
        f"max {costs_us[-1]:.1f} µs (Python {sys.version.split()[0]})"
    )


if __name__ == "__main__":
    main()
