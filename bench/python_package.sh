#!/usr/bin/env bash
# The Python package's install and import costs (issue 13's targets: `pip install .` in a fresh
# venv within 3 min on the 2-core VM, `python -c "import mlcarbon"` within 30 ms). The install
# figure depends on what cargo has already built under target/ (a clone's first install builds
# everything); the import figure is the mean over hyperfine's runs, less a bare interpreter's.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-target/bench-python-venv}
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
start=$(date +%s.%N)
"$venv/bin/pip" install -q .
end=$(date +%s.%N)
printf 'pip install . (fresh venv): %.1f s\n' "$(echo "$end - $start" | bc)"
py="$venv/bin/python"
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 5 --runs 50 "$py -c pass" "$py -c 'import mlcarbon'" \
    "$py -c 'import mlcarbon.codecarbon'"
else
  "$py" - "$py" <<'PY'
import statistics, subprocess, sys, time
def mean_ms(code, runs=30):
    times = []
    for _ in range(runs):
        t = time.perf_counter(); subprocess.run([sys.argv[1], "-c", code], check=True)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)
bare, imp, cc = mean_ms("pass"), mean_ms("import mlcarbon"), mean_ms("import mlcarbon.codecarbon")
print(f"python -c pass {bare:.1f} ms; import mlcarbon {imp:.1f} ms (+{imp - bare:.1f}); "
      f"import mlcarbon.codecarbon {cc:.1f} ms (+{cc - bare:.1f}) (medians of 30)")
PY
fi
"$py" -X importtime -c "import mlcarbon" 2>&1 | tail -3
