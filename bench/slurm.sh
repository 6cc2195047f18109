#!/usr/bin/env bash
# A synthetic cluster-year of sacct --parsable2 output (4 rows per job), generated on the fly:
#  1. streamed through `mlcarbon_slurm::report_sacct` (parse, group, model, total by account ×
#     month) on one thread: rows/s and peak memory; the generator's own time is measured apart,
#     so parse + model is the difference;
#  2. imported into SQLite with `mlcarbon slurm import - --cluster` (wall time, peak memory),
#     each job's figures computed and stored with it;
#  3. reported from the database with `slurm report --from-db --by account --by month`: from
#     the totals kept per group (no window), then job by job (a window that does not start on
#     a month's first day, holding the same jobs), and the two JSON outputs compared.
#
#   bench/slurm.sh [JOBS]     (default 6000000 jobs = 24 million rows, the issue's cluster-year)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${1:-6000000}"
cargo build --release -q -p mlcarbon-slurm --example synthetic_year
cargo build --release -q -p mlcarbon-cli
bin=target/release/examples/synthetic_year
mlcarbon=target/release/mlcarbon
"$bin" "$jobs" --generate-only
"$bin" "$jobs"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
db="$work/year.sqlite"
/usr/bin/time -f "import into SQLite: %e s wall, %M KiB peak (the larger process)" \
  bash -c "'$bin' '$jobs' --print | '$mlcarbon' slurm import - --cluster-name synthetic --cluster docs/examples/cluster.toml --db '$db'"
ls -l "$db"
/usr/bin/time -f "report from the totals per group, by account × month: %e s wall, %U s user, %M KiB peak" \
  "$mlcarbon" slurm report --from-db --db "$db" --cluster docs/examples/cluster.toml \
  --by account --by month --format json --since 2024-12-01 >"$work/groups.json"
/usr/bin/time -f "report job by job, by account × month: %e s wall, %U s user, %M KiB peak" \
  "$mlcarbon" slurm report --from-db --db "$db" --cluster docs/examples/cluster.toml \
  --by account --by month --format json --since 2024-12-31 >"$work/jobs.json"
cmp "$work/groups.json" "$work/jobs.json" && echo "the two reports are identical"
