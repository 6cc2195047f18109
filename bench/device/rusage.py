"""Runs a command and prints one JSON line: its wall time, CPU seconds (user + system, all of its
waited-for descendants, to the microsecond getrusage gives) and peak RSS, the figures
/usr/bin/time -v gives at 10 ms, for machines without it. The peak RSS includes the interpreter's image the child had before its exec: compare with
`rusage.py bare true`.

    python3 rusage.py NAME CMD [ARGS...]
"""
import json
import os
import subprocess
import sys
import time

name, cmd = sys.argv[1], sys.argv[2:]
start = time.monotonic()
child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
# wait4 gives this child's own usage (with its waited-for descendants), not the interpreter's.
_, status, usage = os.wait4(child.pid, 0)
wall = time.monotonic() - start
code = os.waitstatus_to_exitcode(status)
print(json.dumps({
    "name": name,
    "exit": code,
    "wall_s": round(wall, 6),
    "cpu_s": round(usage.ru_utime + usage.ru_stime, 6),
    "user_s": round(usage.ru_utime, 6),
    "sys_s": round(usage.ru_stime, 6),
    "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
}), flush=True)
