#!/usr/bin/env bash
# A synthetic cluster-year of sacct --parsable2 output (4 rows per job), generated on the fly and
# streamed through `mlcarbon_slurm::report_sacct` (parse, group, model, total by account × month)
# on one thread. Prints rows/s and peak memory; the generator's own time is measured apart so
# that parse + model can be read as the difference.
#
#   bench/slurm.sh [JOBS]     (default 6000000 jobs = 24 million rows, the issue's cluster-year)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${1:-6000000}"
cargo build --release -q -p mlcarbon-slurm --example synthetic_year
bin=target/release/examples/synthetic_year
"$bin" "$jobs" --generate-only
"$bin" "$jobs"
