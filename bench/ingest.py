"""Team-server ingest under load: N simulated trackers on loopback, each pushing one batch of
samples per period to `POST /api/runs/{uuid}/samples`, against a baseline that sends the same
samples one request each (a single-row insert per sample).

Usage: python3 bench/ingest.py URL TOKEN [--trackers 500] [--seconds 20] [--batch 1]
       [--period 1.0] [--single-row]

Prints the batch latencies (p50, p99, max), the samples the server stored per second, and errors.
Each tracker is a thread with one keep-alive-free connection per request, as the tracker's own
client does. Standard library only.
"""

import argparse
import http.client
import json
import threading
import time
import urllib.parse
import uuid as uuidlib


def run_start(run_uuid, host):
    return {
        "uuid": run_uuid,
        "project": "bench",
        "experiment": None,
        "tags": [],
        "command": ["bench"],
        "started_at": "2026-12-03T10:00:00Z",
        "pid": 1,
        "hostname": host,
        "os": "linux",
        "mlcarbon_version": "bench",
        "location_label": "FR",
        "zone": "FR",
        "provider": None,
        "region": None,
        "country_iso": None,
        "country_name": None,
        "intensity_g_per_kwh": 44.0,
        "intensity_origin": "estimated",
        "intensity_source": None,
        "pue": 1.0,
        "cpu_model": None,
        "cpu_count": 1,
        "gpu_model": None,
        "gpu_count": 1,
        "ram_total_gb": 1.0,
        "interval_s": 1.0,
        "job_key": "bench-job",
        "components": [
            {"key": "gpu:0", "kind": "gpu", "label": "GPU", "method": "counter"},
        ],
    }


def sample(seq):
    joules = 300.0
    return {
        "seq": seq,
        "t_s": float(seq + 1),
        "timestamp": "2026-12-03T10:%02d:%02dZ" % ((seq // 60) % 60, seq % 60),
        "intensity_g_per_kwh": 44.0,
        "components": [{"key": "gpu:0", "power_w": 300.0, "energy_j": joules}],
        "total_power_w": 300.0,
        "energy_kwh": (seq + 1) * joules / 3.6e6,
        "emissions_kg": (seq + 1) * joules / 3.6e6 * 0.044,
        "cpu_utilization": None,
        "gpu_utilization": 90.0,
        "ram_used_gb": None,
    }


class Server:
    def __init__(self, url, token):
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

    def send(self, method, path, body):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, json.dumps(body), self.headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, data
        finally:
            conn.close()


def tracker(server, index, args, deadline, results, lock):
    run_uuid = str(uuidlib.uuid4())
    status, data = server.send("PUT", "/api/runs/" + run_uuid, run_start(run_uuid, "host-%d" % index))
    if status not in (200, 201):
        with lock:
            results["errors"].append("start %d: %s" % (status, data[:200]))
        return
    seq = 0
    next_at = time.monotonic() + (index % 100) / 100.0 * args.period  # spread the senders
    latencies, stored, errors = [], 0, []
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        if now < next_at:
            time.sleep(next_at - now)
        batch = [sample(seq + i) for i in range(args.batch)]
        seq += args.batch
        bodies = [[s] for s in batch] if args.single_row else [batch]
        for body in bodies:
            started = time.monotonic()
            status, data = server.send("POST", "/api/runs/%s/samples" % run_uuid, {"samples": body})
            latencies.append(time.monotonic() - started)
            if status == 200:
                stored += json.loads(data).get("stored", 0)
            else:
                errors.append("%d %s" % (status, data[:200]))
        next_at += args.period
    with lock:
        results["latencies"].extend(latencies)
        results["stored"] += stored
        results["errors"].extend(errors)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("--trackers", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--batch", type=int, default=1, help="samples per request")
    parser.add_argument("--period", type=float, default=1.0, help="seconds between batches")
    parser.add_argument("--single-row", action="store_true", help="one request per sample")
    args = parser.parse_args()
    server = Server(args.url, args.token)
    results = {"latencies": [], "stored": 0, "errors": []}
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + args.seconds
    threads = [
        threading.Thread(target=tracker, args=(server, i, args, deadline, results, lock), daemon=True)
        for i in range(args.trackers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    lat = sorted(results["latencies"])
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")
    print(json.dumps({
        "trackers": args.trackers,
        "samples_per_request": 1 if args.single_row else args.batch,
        "period_s": args.period,
        "requests": len(lat),
        "p50_ms": round(pick(0.50), 2),
        "p99_ms": round(pick(0.99), 2),
        "max_ms": round(lat[-1] * 1000, 2) if lat else None,
        "stored_samples": results["stored"],
        "stored_per_s": round(results["stored"] / elapsed, 1),
        "errors": len(results["errors"]),
        "first_error": results["errors"][0] if results["errors"] else None,
    }))


if __name__ == "__main__":
    main()
