"""mlcarbon's Python package and CodeCarbon 3.3.2, side by side (issue 13's targets).

Not a test. `bench/python_vs_codecarbon.sh` runs it; by hand:

    python bench/python_vs_codecarbon.py --mlcarbon-python VENV/bin/python \
        --codecarbon-python CC_VENV/bin/python [--seconds 30] [--imports 7] [--windows 500]

Each figure comes from fresh worker processes (this file, `worker` mode, standard library only),
one per tool, run at the same time over the same idle period:
- import: `import mlcarbon` / `import codecarbon` in-process (perf_counter), median of N runs;
- start: `mlcarbon.track(zone="FR").__enter__()` / `OfflineEmissionsTracker(country_iso_code=
  "FRA", measure_power_secs=1).start()` (offline, no network), wall and process CPU;
- CPU per sample: the process's CPU time (all threads) over the tracked idle period, less an
  untracked worker's over the same period, divided by the 1 s samples the period holds;
- memory: VmRSS after start less VmRSS before the import, and the peak (VmHWM) less it;
- window: `with run.window(...)` / `start_task()` + `stop_task()`, median and p99, µs.
Both tools measure this machine's sensors (no replay); both write to temporary folders.
Every figure but import is the median over `--rounds` rounds of fresh workers: on a virtual
machine one 30 s period's CPU per sample varies by half from one period to the next (both
tools' alike), so each round's ratio is printed too.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def _status_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _worker(tool, seconds, windows, folder):
    import warnings

    warnings.simplefilter("ignore")
    rss_before = _status_kb("VmRSS")
    result = {"tool": tool}
    if tool == "baseline":
        cpu = time.process_time()
        time.sleep(seconds)
        result["period_cpu_s"] = time.process_time() - cpu
        return result
    started = time.perf_counter()
    __import__(tool)
    result["import_s"] = time.perf_counter() - started
    wall, cpu = time.perf_counter(), time.process_time()
    if tool == "mlcarbon":
        import mlcarbon

        tracker = mlcarbon.track(project="bench", zone="FR", db=os.path.join(folder, "runs.sqlite"))
        run = tracker.__enter__()
        begin_window = lambda: run.window("w").__enter__()  # noqa: E731
        end_window = lambda w: w.__exit__(None, None, None)  # noqa: E731
    else:
        import logging

        from codecarbon import OfflineEmissionsTracker

        logging.getLogger("codecarbon").setLevel(logging.ERROR)
        tracker = OfflineEmissionsTracker(
            project_name="bench", country_iso_code="FRA", measure_power_secs=1,
            output_dir=folder, log_level="error",
        )
        tracker.start()
        begin_window = lambda: tracker.start_task("w")  # noqa: E731
        end_window = lambda _: tracker.stop_task()  # noqa: E731
    result["start_s"] = time.perf_counter() - wall
    result["start_cpu_s"] = time.process_time() - cpu
    result["rss_added_mb"] = (_status_kb("VmRSS") - rss_before) / 1024

    period_wall, period_cpu = time.perf_counter(), time.process_time()
    time.sleep(seconds)
    result["period_cpu_s"] = time.process_time() - period_cpu
    result["period_s"] = time.perf_counter() - period_wall

    costs = []
    for _ in range(windows):
        started = time.perf_counter()
        end_window(begin_window())
        costs.append((time.perf_counter() - started) * 1e6)
    costs.sort()
    result["window_median_us"] = statistics.median(costs)
    result["window_p99_us"] = costs[min(len(costs) - 1, int(0.99 * len(costs)))]
    if tool == "mlcarbon":
        tracker.__exit__(None, None, None)
    else:
        tracker.stop()
    result["peak_rss_added_mb"] = (_status_kb("VmHWM") - rss_before) / 1024
    return result


def _spawn(python, *arguments):
    return subprocess.Popen(
        [python, os.path.abspath(__file__), "worker", *map(str, arguments)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _collect(process):
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"worker failed ({process.returncode}):\n{err.strip()}")
    return json.loads(out.strip().splitlines()[-1])


def _import_median_ms(python, tool, runs):
    code = f"import time; t = time.perf_counter(); import {tool}; print(time.perf_counter() - t)"
    times = []
    for _ in range(runs):
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
        times.append(float(done.stdout.strip().splitlines()[-1]) * 1000)
    return statistics.median(times)


def _round(options):
    """One round: a baseline, an mlcarbon and a CodeCarbon worker over the same idle period."""
    with tempfile.TemporaryDirectory() as folder:
        for tool in ("mlcarbon", "codecarbon"):
            os.makedirs(os.path.join(folder, tool))
        workers = {
            "baseline": _spawn(options.mlcarbon_python, "baseline", options.seconds, 0, folder),
            "mlcarbon": _spawn(options.mlcarbon_python, "mlcarbon", options.seconds,
                               options.windows, os.path.join(folder, "mlcarbon")),
            "codecarbon": _spawn(options.codecarbon_python, "codecarbon", options.seconds,
                                 options.windows, os.path.join(folder, "codecarbon")),
        }
        results = {name: _collect(process) for name, process in workers.items()}
    baseline_cpu = results["baseline"]["period_cpu_s"]
    for tool in ("mlcarbon", "codecarbon"):
        r = results[tool]
        # One sample a second (interval and measure_power_secs 1).
        r["cpu_per_sample_ms"] = max(r["period_cpu_s"] - baseline_cpu, 0.0) / r["period_s"] * 1000
    return results


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        tool, seconds, windows, folder = sys.argv[2:6]
        print(json.dumps(_worker(tool, float(seconds), int(windows), folder)))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlcarbon-python", required=True)
    parser.add_argument("--codecarbon-python", required=True)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--imports", type=int, default=7)
    parser.add_argument("--windows", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    imports = {
        tool: _import_median_ms(python, tool, options.imports)
        for tool, python in (("mlcarbon", options.mlcarbon_python),
                             ("codecarbon", options.codecarbon_python))
    }
    rounds = []
    for _ in range(options.rounds):
        rounds.append(_round(options))
    baseline_cpu = statistics.median(r["baseline"]["period_cpu_s"] for r in rounds)
    results = {}
    for tool in ("mlcarbon", "codecarbon"):
        keys = [k for k, v in rounds[0][tool].items() if isinstance(v, float)]
        results[tool] = {k: statistics.median(r[tool][k] for r in rounds) for k in keys}
        results[tool]["import_ms"] = imports[tool]
    per_round = [r["codecarbon"]["cpu_per_sample_ms"] / max(r["mlcarbon"]["cpu_per_sample_ms"], 1e-9)
                 for r in rounds]

    rows = [
        ("import (ms, median)", "import_ms", 1.0, "≤ 30 ms", lambda m, c: m <= 30),
        ("start (ms)", "start_s", 1000.0, "≥ 50× faster", lambda m, c: c >= 50 * m),
        ("start CPU (ms)", "start_cpu_s", 1000.0, "", None),
        ("CPU per 1 s sample (ms)", "cpu_per_sample_ms", 1.0, "≥ 20× less",
         lambda m, c: c >= 20 * m),
        ("RSS added by import+start (MB)", "rss_added_mb", 1.0, "≤ 15 MB", lambda m, c: m <= 15),
        ("peak RSS added (MB)", "peak_rss_added_mb", 1.0, "≤ 15 MB", lambda m, c: m <= 15),
        ("window enter+exit (µs, median)", "window_median_us", 1.0, "≤ 1000 µs",
         lambda m, c: m <= 1000),
        ("window enter+exit (µs, p99)", "window_p99_us", 1.0, "", None),
    ]
    print(f"Idle period {options.seconds:g} s, median of {options.rounds} round(s); "
          f"untracked baseline {baseline_cpu * 1000:.1f} ms CPU; "
          f"import: median of {options.imports}; windows: {options.windows} "
          "(CodeCarbon: start_task + stop_task)")
    print(f"| {'what':<32} | {'mlcarbon':>10} | {'CodeCarbon':>10} | {'ratio':>8} | target | met |")
    print(f"|{'-' * 34}|{'-' * 12}|{'-' * 12}|{'-' * 10}|--------|-----|")
    for label, key, scale, target, met in rows:
        m, c = results["mlcarbon"][key] * scale, results["codecarbon"][key] * scale
        ratio = f"{c / m:.1f}×" if m > 0 else "n/a"
        verdict = "" if met is None else ("yes" if met(m, c) else "NO")
        print(f"| {label:<32} | {m:>10.3f} | {c:>10.3f} | {ratio:>8} | {target} | {verdict} |")
    print("CPU per sample, each round: " + ", ".join(
        f"{r['mlcarbon']['cpu_per_sample_ms']:.3f} vs {r['codecarbon']['cpu_per_sample_ms']:.3f} ms "
        f"({ratio:.1f}×)" for r, ratio in zip(rounds, per_round)))
    print(json.dumps({"median": results, "rounds": rounds}))


if __name__ == "__main__":
    main()
