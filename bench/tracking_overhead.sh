#!/usr/bin/env bash
# What tracking costs: mlcarbon `run` against CodeCarbon 3.3.2 `monitor`, side by side, on the same
# commands, interleaved so that machine drift hits both.
#
#   bench/tracking_overhead.sh [SECONDS] [REPS] [RESULTS_DIR]
#
# SECONDS  length of the tracked `sleep` (default 30); REPS repetitions (default 3, medians).
# Needs /usr/bin/time (Debian `time`) and CodeCarbon in a venv outside the repository:
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
rm -f "$RES"/*.time
WORK=$(mktemp -d)
export MLCARBON_DB=$WORK/runs.sqlite MLCARBON_CONFIG=$WORK/config

measure() { # name rep cmd...
  local name=$1 rep=$2; shift 2
  (cd "$WORK" && /usr/bin/time -v -o "$RES/$name.$rep.time" "$@" >/dev/null 2>&1) || true
}

for r in $(seq 1 "$REPS"); do
  measure mlcarbon_true "$r" "$MLC" run -q --zone CA-QC -- true
  measure codecarbon_true "$r" "$CC" monitor --offline --country-iso-code CAN --measure-power-secs 1 -- true
  measure mlcarbon_sleep "$r" "$MLC" run -q --zone CA-QC --interval 1 -- sleep "$T"
  measure codecarbon_sleep "$r" "$CC" monitor --offline --country-iso-code CAN --measure-power-secs 1 -- sleep "$T"
done
rm -rf "$WORK"

python3 - "$RES" "$T" <<'PY'
import glob, json, re, statistics, sys
res, T = sys.argv[1], float(sys.argv[2])
def parse(path):
    t = open(path).read()
    g = lambda k: re.search(re.escape(k) + r":\s*(.+)", t).group(1).strip()
    wall = [float(p) for p in g("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    return {"wall_s": sum(p * 60 ** i for i, p in enumerate(reversed(wall))),
            "cpu_s": float(g("User time (seconds)")) + float(g("System time (seconds)")),
            "max_rss_mb": int(g("Maximum resident set size (kbytes)")) / 1024}
med = {}
for name in ["mlcarbon_true", "codecarbon_true", "mlcarbon_sleep", "codecarbon_sleep"]:
    runs = [parse(p) for p in sorted(glob.glob(f"{res}/{name}.*.time"))]
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
json.dump(summary, open(f"{res}/summary.json", "w"), indent=2)
print(json.dumps(summary, indent=2))
PY
