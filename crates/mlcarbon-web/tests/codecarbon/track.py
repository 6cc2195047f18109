"""Runs CodeCarbon's own tracker for a few seconds, uploading to the server given.

Usage: python track.py BASE_URL TOKEN EXPERIMENT_ID
Prints one JSON line: the emissions (kg) and energy (kWh) CodeCarbon counted in all.
"""

import json
import sys
import time

from codecarbon import OfflineEmissionsTracker

base_url, token, experiment_id = sys.argv[1:4]

# Offline: a country instead of a location lookup over the network. One measurement a second
# and an upload after each, so that a few seconds make several intervals.
tracker = OfflineEmissionsTracker(
    country_iso_code="CAN",
    api_endpoint=base_url,
    api_key=token,
    experiment_id=experiment_id,
    save_to_api=True,
    save_to_file=False,
    measure_power_secs=1,
    api_call_interval=1,
    tracking_mode="machine",
    allow_multiple_runs=True,
    log_level="warning",
)
tracker.start()
deadline = time.monotonic() + 3.5
total = 0
while time.monotonic() < deadline:
    total += sum(i * i for i in range(10_000))
emissions = tracker.stop()
data = tracker.final_emissions_data
print(json.dumps({"emissions_kg": emissions, "energy_kwh": data.energy_consumed}))
