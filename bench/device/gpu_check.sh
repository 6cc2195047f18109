#!/usr/bin/env bash
# The checks that need an NVIDIA GPU, as one script for a borrowed GPU machine (no Rust there):
# build here, copy the binaries into BIN_DIR, run this there.
#
#   cargo build --release -p mlcarbon-cli && cargo test --release -p mlcarbon-meter --no-run
#   mkdir -p .dev && cp target/release/mlcarbon .dev/ && cp <meter test binary> .dev/meter-tests
#   bench/device/gpu_check.sh .dev OUT_DIR
#
# Needs python3 with torch (the GPU load). CodeCarbon 3.3.2 is compared when its wheels are in
# .whl/ (see bench/tracking_overhead.sh for what it measures). Writes logs and the runs database
# to OUT_DIR.
set -u
BIN=$(cd "${1:-.dev}" && pwd)
OUT=$(mkdir -p "${2:-/tmp/gpu-check}" && cd "${2:-/tmp/gpu-check}" && pwd)
cd "$(dirname "$0")/../.."
MLC=$BIN/mlcarbon
TESTS=$BIN/meter-tests
HERE=bench/device
export MLCARBON_DB=$OUT/runs.sqlite MLCARBON_CONFIG=$OUT/config
say() { echo; echo "== $*"; }

say machine
nvidia-smi --query-gpu=name,driver_version,power.draw,power.limit,enforced.power.limit --format=csv
echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo)"; uname -r
ls /sys/class/powercap 2>&1 | head -3
CC=""
if ls .whl/*.whl >/dev/null 2>&1 &&
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/cc-site .whl/*.whl; then
  CC="env PYTHONPATH=/tmp/cc-site python3 -m codecarbon.cli.main"
  $CC --help >/dev/null 2>&1 || { echo "codecarbon does not start"; CC=""; }
fi

say "under load: tracked GPU job (45 s), nvidia-smi log, hardware tests beside it"
nvidia-smi --query-gpu=timestamp,power.draw,utilization.gpu --format=csv,noheader,nounits \
  -lms 500 >"$OUT/smi_power.csv" &
SMI=$!
"$MLC" run --zone US-IA --project gpu-check --tag machine -- python3 $HERE/gpu_load.py 45 \
  >/tmp/run_machine.txt 2>&1 &
RUN=$!
sleep 15
"$TESTS" --ignored hardware_ --nocapture --test-threads=1 2>&1
wait $RUN
echo "run exit: $?"
kill $SMI
cat /tmp/run_machine.txt

say "CPU cost of tracking (sleep 30), side by side; a process-attributed GPU job beside them"
(
  python3 $HERE/rusage.py bare_true true
  for i in 1 2 3; do python3 $HERE/rusage.py mlcarbon_true "$MLC" run -q --zone US-IA -- true; done
  for i in 1 2 3; do
    CUDA_VISIBLE_DEVICES= python3 $HERE/rusage.py mlcarbon_true_no_gpu "$MLC" run -q --zone US-IA -- true
  done
  python3 $HERE/rusage.py mlcarbon_sleep30_interval1 "$MLC" run -q --zone US-IA --interval 1 -- sleep 30
) >/tmp/cost_a.jsonl &
A=$!
python3 $HERE/rusage.py mlcarbon_sleep30_one_sample "$MLC" run -q --zone US-IA --interval 3600 \
  -- sleep 30 >/tmp/cost_b.jsonl &
B=$!
# The same without NVML (no GPU visible): what the GPU's queries cost against the rest.
CUDA_VISIBLE_DEVICES= python3 $HERE/rusage.py mlcarbon_sleep30_interval1_no_gpu "$MLC" run -q \
  --zone US-IA --interval 1 -- sleep 30 >/tmp/cost_d.jsonl &
D=$!
if [ -n "$CC" ]; then
  (
    mkdir -p /tmp/cc-work && cd /tmp/cc-work &&
      python3 "$OLDPWD/$HERE/rusage.py" codecarbon_true $CC monitor --offline --country-iso-code USA \
        --measure-power-secs 1 -- true &&
      python3 "$OLDPWD/$HERE/rusage.py" codecarbon_sleep30_interval1 $CC monitor --offline \
        --country-iso-code USA --measure-power-secs 1 -- sleep 30
  ) >/tmp/cost_c.jsonl &
  C=$!
fi
"$MLC" run --zone US-IA --project gpu-check --tag process --attribution process \
  -- python3 $HERE/gpu_load.py 20 >/tmp/run_process.txt 2>&1
wait $A $B $D ${C:-}
cat /tmp/run_process.txt
cat /tmp/cost_*.jsonl | tee "$OUT/cost.jsonl"

say "idle: NVML counter vs integrated power, and what each NVML call costs"
"$TESTS" --ignored hardware_nvml --nocapture --test-threads=1 2>&1

say "stored runs"
"$MLC" runs
"$MLC" show 1
"$MLC" export --all --format codecarbon >"$OUT/emissions.csv"
"$MLC" export 1 --samples --format csv >"$OUT/samples_run1.csv"
head -3 "$OUT/emissions.csv"
