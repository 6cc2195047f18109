#!/usr/bin/env bash
# A real one-node Slurm on this machine (Debian's slurm-wlm 22.05 with slurmdbd and MariaDB),
# a few jobs submitted to it, their accounting read back with sacct, and `mlcarbon slurm report`
# run on it. Needs root and apt-get (a CI container); says why and exits 0 elsewhere.
#
#   .ci/slurm-localhost.sh [OUT_DIR]     (default target/slurm-live)
#
# MLCARBON_BIN names the mlcarbon binary to test (default: `cargo run`). The CLI test
# `slurm_live` runs this when MLCARBON_REQUIRE_SLURM=1 (it starts system daemons: never by surprise).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/slurm-live}"
mkdir -p "$out"

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "skipped: a local Slurm needs root and apt-get" >&2
  exit 0
fi
if ! command -v slurmctld >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurm-wlm slurmdbd mariadb-server munge >/dev/null
fi
host="$(hostname -s)"
# One run at a time on a machine (several checkouts' test suites may start it at once).
# The daemons started below must not inherit the lock (`9>&-`), or it is never released.
exec 9>/run/lock/mlcarbon-slurm-localhost.lock
if ! flock -w 600 9; then
  echo "error: another local Slurm run has held /run/lock/mlcarbon-slurm-localhost.lock for 10 min" >&2
  exit 1
fi

if ! pgrep -x munged >/dev/null; then
  mkdir -p /etc/munge /var/log/munge /run/munge /var/lib/munge
  [ -f /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
  chown -R munge:munge /etc/munge /var/log/munge /run/munge /var/lib/munge
  chmod 400 /etc/munge/munge.key
  su -s /bin/sh munge -c /usr/sbin/munged 9>&-
fi
if ! pgrep -x mariadbd >/dev/null; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  (mysqld_safe >/dev/null 2>&1 9>&- &)
  for _ in $(seq 30); do mysql -e 'select 1' >/dev/null 2>&1 && break; sleep 1; done
fi
mysql -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db; CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurm-ci'; ALTER USER 'slurm'@'localhost' IDENTIFIED BY 'slurm-ci'; GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"

mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/slurm /etc/slurm
chown -R slurm:slurm /var/spool/slurmctld /var/log/slurm /run/slurm
cat >/etc/slurm/slurmdbd.conf <<EOF
AuthType=auth/munge
DbdHost=localhost
SlurmUser=slurm
LogFile=/var/log/slurm/slurmdbd.log
PidFile=/run/slurm/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurm-ci
StorageLoc=slurm_acct_db
EOF
chown slurm:slurm /etc/slurm/slurmdbd.conf && chmod 600 /etc/slurm/slurmdbd.conf
cat >/etc/slurm/slurm.conf <<EOF
ClusterName=mlcarbonci
SlurmctldHost=$host
AuthType=auth/munge
SlurmUser=slurm
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=5
ReturnToService=2
NodeName=$host CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
# Each daemon waits for the one before it: slurmctld exits at once without a listening slurmdbd.
wait_for() { for _ in $(seq 60); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done; "$@"; }
pgrep -x slurmdbd >/dev/null || slurmdbd 9>&-
wait_for sacctmgr -n show cluster
sacctmgr -i add cluster mlcarbonci >/dev/null 2>&1 || true
pgrep -x slurmctld >/dev/null || slurmctld 9>&-
wait_for sinfo
pgrep -x slurmd >/dev/null || slurmd 9>&-
wait_for sh -c 'sinfo -h -o %t | grep -qx idle'
sinfo

since="$(date +%Y-%m-%dT%H:%M:%S)"
ok="$(sbatch --parsable -o "$out/slurm-%j.out" -J ok -n 1 --mem=100M --wrap 'srun sh -c "i=0; while [ \$i -lt 300000 ]; do i=\$((i+1)); done"; sleep 2')"
fails="$(sbatch --parsable -o "$out/slurm-%j.out" -J fails -n 1 --mem=100M --wrap 'sleep 1; exit 3')"
array="$(sbatch --parsable -o "$out/slurm-%A_%a.out" -J arr -a 1-2 -n 1 --mem-per-cpu=50M --wrap 'sleep 2')"
cancel="$(sbatch --parsable -o "$out/slurm-%j.out" -J cancel -n 1 --mem=100M --wrap 'sleep 60')"
echo "submitted jobs $ok $fails ${array}_[1-2] $cancel"
ids="$ok,$fails,$array,$cancel"
sleep 4 && scancel "$cancel"
for _ in $(seq 60); do [ -z "$(squeue -h -j "$ids" 2>/dev/null)" ] && break; sleep 1; done
sleep 3 # slurmdbd receives the last records

fields=JobID,User,Account,Partition,State,Submit,Start,End,Elapsed,TotalCPU,CPUTime,NCPUS,NNodes,ReqMem,MaxRSS,AllocTRES,TRESUsageInTot,ConsumedEnergyRaw,NodeList
# Only this run's jobs: another run's may be in the same accounting database.
sacct -a --parsable2 -S "$since" -j "$ids" --format "$fields" >"$out/sacct.psv"
sacct -a --json -S "$since" -j "$ids" >"$out/sacct.json"
cat >"$out/cluster.toml" <<EOF
intensity_g_per_kwh = 50
pue = 1.2
[[partition]]
name = "debug"
cpu_w_per_core = 5
EOF
if [ -n "${MLCARBON_BIN:-}" ]; then mlcarbon() { "$MLCARBON_BIN" "$@"; }
else mlcarbon() { cargo run -q -p mlcarbon-cli -- "$@"; }; fi
for file in sacct.psv sacct.json; do
  mlcarbon slurm report "$out/$file" --cluster "$out/cluster.toml" --by state --format json >"$out/$file.report.json"
  jobs="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["jobs"])' "$out/$file.report.json")"
  echo "$file: $jobs jobs"
  [ "$jobs" = 5 ] || { echo "expected 5 jobs from $file" >&2; exit 1; }
done

# sacct run by mlcarbon (one query for today's week), then the epilog for one job.
db="$out/runs.sqlite"
rm -f "$db" "$db-wal" "$db-shm"
today="$(date +%Y-%m-%d)"
mlcarbon slurm import --since "$today" --until "$today" --cluster-name mlcarbonci \
  --cluster "$out/cluster.toml" --db "$db"
mlcarbon slurm report --from-db --db "$db" --cluster "$out/cluster.toml" --format json >"$out/db.report.json"
jobs="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["jobs"])' "$out/db.report.json")"
echo "import --since: $jobs jobs"
[ "$jobs" -ge 5 ] || { echo "expected at least the 5 jobs from slurm import --since" >&2; exit 1; }
epilog_db="$out/epilog.sqlite"
rm -f "$epilog_db" "$epilog_db-wal" "$epilog_db-shm"
SLURM_JOB_ID="$cancel" SLURM_CLUSTER_NAME=mlcarbonci mlcarbon slurm epilog --db "$epilog_db" 2>"$out/epilog.err"
cat "$out/epilog.err"
grep -q "job $cancel of cluster \`mlcarbonci\` stored" "$out/epilog.err" \
  || { echo "the epilog did not store job $cancel" >&2; exit 1; }
