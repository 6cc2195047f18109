#!/usr/bin/env bash
# What tracking costs: mlcarbon `run` against CodeCarbon 3.3.2 `monitor`, side by side, on the same
# commands, interleaved so that machine drift hits both.
#
#   bench/tracking_overhead.sh [SECONDS] [REPS] [RESULTS_DIR]
#
# SECONDS  length of the tracked `sleep` (default 30); REPS repetitions (default 3, medians).
# CPU time is read with getrusage (bench/device/rusage.py: microseconds; /usr/bin/time's 10 ms
# rounded mlcarbon's cost to 0.00). Needs python3 and CodeCarbon in a venv outside the repository:
#   python3 -m venv /tmp/cc-venv && /tmp/cc-venv/bin/pip install codecarbon==3.3.2
# (CC_VENV overrides the venv path). Reports, for each tool: start-up (wall time of tracking
# `true`), CPU seconds and peak RSS of tracking `sleep SECONDS`, and the extra CPU seconds per
# hour of tracking at a 1 s interval: (CPU(sleep T) - CPU(true)) / T * 3600.
set -euo pipefail
T=${1:-30}
REPS=${2:-3}
RES=${3:-bench/results/tracking}
VENV=${CC_VENV:-/tmp/cc-venv}
cd "$(dirname "$0")/.."
cargo build --release -q -p mlcarbon-cli
MLC=$PWD/target/release/mlcarbon
CC=$VENV/bin/codecarbon
[ -x "$CC" ] || { echo "CodeCarbon not found at $CC (see the header of this script)" >&2; exit 1; }
mkdir -p "$RES"
RES=$(cd "$RES" && pwd)
rm -f "$RES"/*.time "$RES"/*.rusage.json
WORK=$(mktemp -d)
RUSAGE=$PWD/bench/device/rusage.py
export MLCARBON_DB=$WORK/runs.sqlite MLCARBON_CONFIG=$WORK/config

measure() { # name rep cmd...
  local name=$1 rep=$2; shift 2
  (cd "$WORK" && python3 "$RUSAGE" "$name" "$@" >"$RES/$name.$rep.rusage.json") || true
}

for r in $(seq 1 "$REPS"); do
  measure mlcarbon_true "$r" "$MLC" run -q --zone CA-QC -- true
  measure codecarbon_true "$r" "$CC" monitor --offline --country-iso-code CAN --measure-power-secs 1 -- true
  measure mlcarbon_sleep "$r" "$MLC" run -q --zone CA-QC --interval 1 -- sleep "$T"
  measure codecarbon_sleep "$r" "$CC" monitor --offline --country-iso-code CAN --measure-power-secs 1 -- sleep "$T"
done
rm -rf "$WORK"

python3 - "$RES" "$T" <<'PY'
import glob, json, statistics, sys
res, T = sys.argv[1], float(sys.argv[2])
def parse(path):
    r = json.load(open(path))
    return {"wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "max_rss_mb": r["max_rss_mb"]}
med = {}
for name in ["mlcarbon_true", "codecarbon_true", "mlcarbon_sleep", "codecarbon_sleep"]:
    runs = [parse(p) for p in sorted(glob.glob(f"{res}/{name}.*.rusage.json"))]
    med[name] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
summary = {}
for tool in ["mlcarbon", "codecarbon"]:
    t, s = med[f"{tool}_true"], med[f"{tool}_sleep"]
    summary[tool] = {
        "startup_wall_s": t["wall_s"],
        "track_true_cpu_s": t["cpu_s"],
        "track_sleep_cpu_s": s["cpu_s"],
        "track_sleep_peak_rss_mb": s["max_rss_mb"],
        "extra_cpu_s_per_hour": max(0.0, s["cpu_s"] - t["cpu_s"]) / T * 3600,
    }
summary["ratios_codecarbon_over_mlcarbon"] = {
    k: (summary["codecarbon"][k] / summary["mlcarbon"][k]) if summary["mlcarbon"][k] > 0 else None
    for k in summary["mlcarbon"]
}
summary["seconds_tracked"] = T
# Only a difference within the run-to-run noise is left as 0 (and its ratio null): say so.
summary["notes"] = [
    f"{tool}: tracking `sleep {T:g}` cost no more CPU than tracking `true`; "
    "track longer (SECONDS) or more times (REPS)"
    for tool in ["mlcarbon", "codecarbon"]
    if summary[tool]["extra_cpu_s_per_hour"] == 0.0
]
json.dump(summary, open(f"{res}/summary.json", "w"), indent=2)
print(json.dumps(summary, indent=2))
PY
