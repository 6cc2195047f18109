#!/usr/bin/env bash
# Start-up cost of `mlcarbon estimate` against `mlcarbon --version` (the issue's target: within
# 1.5x). Loading the embedded tables must not dominate a run. Needs hyperfine (Debian package).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p mlcarbon-cli
bin=target/release/mlcarbon
out=${1:-bench/results}
mkdir -p "$out"
hyperfine --warmup 20 --runs 300 -N --export-json "$out/startup.json" \
  "$bin --version" \
  "$bin estimate --hardware 'A100 SXM4 80GB' --count 8 --hours 72 --provider aws --region us-east-1 --format json" \
  "$bin estimate --hardware 'A100 SXM4 80GB' --count 8 --hours 72 --zone FR --format json" \
  "$bin estimate --hardware 'Tesla V100-PCIE-16GB' --hours 100 --provider azure --region centralus --compat mlco2"
python3 - "$out/startup.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["mean"]
for x in r:
    print(f'{x["mean"]*1000:8.2f} ms  ±{x["stddev"]*1000:5.2f}  ratio {x["mean"]/base:5.2f}  {x["command"][:90]}')
PY
