#!/usr/bin/env bash
# Costs that must not grow with the size of the run database (issue 11, "Scale"): a database of
# 100,000 runs and one run of 1,000,000 samples, built by SQL (crates/mlcarbon-store/examples/
# scale_db.rs), then each reader measured against its target.
#
#   bench/scale.sh [RESULTS_DIR]
#
# Environment: MLC (an mlcarbon binary; default: built here in release), SCALE_DB (reuse a
# database built by scale_db), RUNS and SAMPLES (sizes, defaults 100000 and 1000000), BASELINE
# (a results.json of an earlier run, default bench/scale-baseline.json: each figure is printed
# with its ratio to the baseline's, < 1 is better).
#
# CLI figures are the process's CPU (user + system, getrusage to the microsecond) and peak RSS,
# median of REPS runs (default 5). Server figures are the server's own CPU per request (utime +
# stime from /proc/PID/stat over N requests, N large enough for the 10 ms tick) and the growth of
# its peak RSS (VmHWM) over its idle figure, one fresh server per endpoint. Needs python3, Linux.
set -euo pipefail
cd "$(dirname "$0")/.."
RES=${1:-bench/results/scale}
mkdir -p "$RES"
if [ -z "${MLC:-}" ]; then
    cargo build --release -q -p mlcarbon-cli
    MLC=$PWD/target/release/mlcarbon
fi
if [ -z "${SCALE_DB:-}" ]; then
    cargo build --release -q -p mlcarbon-store --example scale_db
    SCALE_DB=$(mktemp -d)/scale.sqlite
    target/release/examples/scale_db "$SCALE_DB" "${RUNS:-100000}" "${SAMPLES:-1000000}"
fi
exec python3 - "$MLC" "$SCALE_DB" "$RES" "${BASELINE:-bench/scale-baseline.json}" "${REPS:-5}" <<'PY'
import json, os, re, socket, statistics, subprocess, sys, tempfile, time, urllib.request

mlc, db, res, baseline_path, reps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
env = dict(os.environ, MLCARBON_DB=db, MLCARBON_CONFIG=os.path.join(tempfile.mkdtemp(), "config"))
TICK = os.sysconf("SC_CLK_TCK")

def cli(args):
    """CPU ms and peak RSS MB of `mlcarbon ARGS`, medians over reps."""
    cpu, rss = [], []
    for _ in range(reps):
        child = subprocess.Popen([mlc] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        err = child.stderr.read().decode()
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"mlcarbon {' '.join(args)} failed: {err.strip()}")
        cpu.append((usage.ru_utime + usage.ru_stime) * 1000)
        rss.append(usage.ru_maxrss / 1024)
    return statistics.median(cpu), statistics.median(rss)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def proc_cpu_ms(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK

def proc_hwm_mb(pid):
    m = re.search(r"VmHWM:\s+(\d+) kB", open(f"/proc/{pid}/status").read())
    return int(m.group(1)) / 1024

def server(path, n):
    """Server CPU ms per request and peak RSS growth MB, for n GETs of path on a fresh server."""
    port = free_port()
    proc = subprocess.Popen([mlc, "serve", "--db", db, "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1).read()
                break
            except Exception:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
        time.sleep(0.2)
        cpu0, hwm0 = proc_cpu_ms(proc.pid), proc_hwm_mb(proc.pid)
        size = 0
        for _ in range(n):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as r:
                if r.status != 200:
                    sys.exit(f"GET {path} answered {r.status}")
                while chunk := r.read(1 << 16):
                    size += len(chunk)
        time.sleep(0.1)
        return (proc_cpu_ms(proc.pid) - cpu0) / n, proc_hwm_mb(proc.pid) - hwm0, size // n
    finally:
        proc.terminate()
        proc.wait()

big = subprocess.run([mlc, "runs", "--project", "big", "--format", "json"], capture_output=True,
                     text=True, env=env, check=True)
big_id = str(json.loads(big.stdout)[0]["id"])

figures = {}  # name -> (value, unit, target or None)
def put(name, value, unit, target=None):
    figures[name] = (round(value, 3), unit, target)

c, m = cli(["runs"]);                       put("runs: CPU", c, "ms", 10)
c, m = cli(["show", "last"]);               put("show last: CPU", c, "ms", 10)
c, m = cli(["show", big_id]);               put("show (1M samples): CPU", c, "ms", 50); put("show (1M samples): peak RSS", m, "MB", 40)
c, m = cli(["export", "--all", "--format", "json"]); put("export --all json (100k runs): CPU", c, "ms"); put("export --all json (100k runs): peak RSS", m, "MB", 40)
c, m = cli(["export", "--all", "--format", "csv"]);  put("export --all csv (100k runs): peak RSS", m, "MB", 40)
c, m = cli(["export", big_id, "--samples", "--format", "csv"]); put("export --samples csv (1M): CPU", c, "ms"); put("export --samples csv (1M): peak RSS", m, "MB", 40)
c, m, _ = server("/runs", 5);               put("/runs page: server CPU per view", c, "ms", 20)
c, m, _ = server(f"/runs/{big_id}", 5);     put("/runs/{id} page (1M samples): server CPU", c, "ms", 50); put("/runs/{id} page (1M samples): server peak RSS growth", m, "MB", 40)
c, m, _ = server("/api/runs?limit=20", 50); put("/api/runs?limit=20: server CPU", c, "ms", 10)
c, m, s = server(f"/api/runs/{big_id}/samples?format=csv", 1); put("/api/runs/{id}/samples csv (1M): server CPU", c, "ms"); put("/api/runs/{id}/samples csv (1M): server peak RSS growth", m, "MB", 40)
c, m, s = server("/api/runs/export?format=jsonl", 1); put("runs export, all runs jsonl: server peak RSS growth", m, "MB", 40); put("runs export, all runs jsonl: bytes", s, "B")

try:
    baseline = json.load(open(baseline_path))["figures"]
except (OSError, ValueError, KeyError):
    baseline = {}
json.dump({"figures": {k: v[0] for k, v in figures.items()}, "mlcarbon": mlc}, open(f"{res}/results.json", "w"), indent=2)
print(f"{'figure':58} {'value':>10} {'target':>8} {'before':>10} {'ratio':>7}")
for name, (value, unit, target) in figures.items():
    before = baseline.get(name)
    ratio = f"{value / before:7.3f}" if before else "      -"
    tgt = f"≤{target}" if target is not None else "-"
    ok = "" if target is None else ("  ok" if value <= target else "  OVER")
    print(f"{name:58} {value:>8.2f}{unit:>2} {tgt:>8} {before if before is not None else '-':>10} {ratio}{ok}")
PY
