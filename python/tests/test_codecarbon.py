"""mlcarbon.codecarbon: typical CodeCarbon code runs with only its import changed."""

import csv
import json
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

import mlcarbon
from mlcarbon import codecarbon

# A CodeCarbon 3.x usage script as people write it (explicit start/stop, flush, the context
# manager, the decorator with and without arguments, forced power/PUE/intensity, tasks).
CODECARBON_SCRIPT = """
import json
import time
from codecarbon import EmissionsTracker, OfflineEmissionsTracker, track_emissions

def work(seconds=0.3):
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        n += sum(i * i for i in range(1000))
    return n

out = {}

tracker = EmissionsTracker(project_name="explicit", measure_power_secs=0.1, log_level="error")
tracker.start()
work()
out["flushed"] = tracker.flush()
work()
out["explicit"] = tracker.stop()
out["final"] = tracker.final_emissions_data.emissions
out["final_fields"] = sorted(vars(tracker.final_emissions_data))
out["energy"] = tracker.final_emissions_data.energy_consumed

with OfflineEmissionsTracker(country_iso_code="FRA", project_name="context",
                             measure_power_secs=0.1, pue=1.2, wue=1.8,
                             force_cpu_power=45, force_ram_power=10,
                             gpu_ids=[0], save_to_api=True, allow_multiple_runs=True) as ctx:
    work()
out["context"] = ctx.final_emissions
out["context_country"] = ctx.final_emissions_data.country_iso_code
out["context_pue"] = ctx.final_emissions_data.pue
out["context_water"] = ctx.final_emissions_data.water_consumed

forced = OfflineEmissionsTracker(project_name="forced", measure_power_secs=0.1,
                                 force_carbon_intensity_g_co2e_kwh=100.0)
forced.start()
forced.start_task("load data")
work(0.2)
loaded = forced.stop_task()
forced.start_task("train")
work(0.3)
trained = forced.stop_task()
out["forced"] = forced.stop()
out["tasks"] = [loaded.run_id, trained.run_id]
out["task_energy"] = [loaded.energy_consumed, trained.energy_consumed]
out["task_emissions"] = [loaded.emissions, trained.emissions]

@track_emissions
def bare():
    return work(0.1)

@track_emissions(project_name="decorated", offline=True, country_iso_code="CAN",
                 region="quebec", measure_power_secs=0.1)
def with_arguments():
    return work(0.1)

bare()
with_arguments()
print(json.dumps(out))
"""


def run_codecarbon_script(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(
        textwrap.dedent(CODECARBON_SCRIPT).replace("from codecarbon import", "from mlcarbon.codecarbon import")
    )
    env = {**os.environ, "MLCARBON_DB": str(tmp_path / "runs.sqlite")}
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "TORCHELASTIC_RUN_ID", "SLURM_JOB_ID", "SLURM_LOCALID"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout), done.stderr


def test_a_codecarbon_script_runs_with_only_the_import_changed(tmp_path):
    out, stderr = run_codecarbon_script(tmp_path)
    with open(tmp_path / "emissions.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == codecarbon.CODECARBON_HEADER
    assert len(rows[0]) == 38
    # flush + stop, context, forced, bare, decorated: one header, six rows, appended.
    assert len(rows) == 7
    by_project = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [r["project_name"] for r in by_project] == [
        "explicit",
        "explicit",
        "context",
        "forced",
        "codecarbon",
        "decorated",
    ]
    assert out["explicit"] > out["flushed"] > 0
    assert out["final"] == out["explicit"]
    assert out["energy"] > 0
    assert out["final_fields"] == sorted(codecarbon.CODECARBON_HEADER)
    assert out["context_country"] == "FRA"
    assert out["context_pue"] == 1.2
    assert out["context_water"] == pytest.approx(
        float(by_project[2]["energy_consumed"]) * 1.8
    )
    # 100 g/kWh forced: emissions are energy x 0.1 kg/kWh.
    forced = by_project[3]
    assert float(forced["emissions"]) == pytest.approx(float(forced["energy_consumed"]) * 0.1)
    assert out["tasks"] == ["load data", "train"]
    assert all(e > 0 for e in out["task_energy"])
    assert sum(out["task_emissions"]) <= out["forced"]
    assert by_project[5]["region"] == "CA-QC"
    # Said once each: the offline location rule and the arguments without effect.
    assert stderr.count("would look this machine's location up online") == 1
    assert stderr.count("accepted without effect: force_ram_power, gpu_ids, save_to_api") == 1


def test_the_runs_are_in_mlcarbons_store_with_tasks_as_windows(tmp_path):
    run_codecarbon_script(tmp_path)
    os.environ["MLCARBON_DB"], saved = str(tmp_path / "runs.sqlite"), os.environ.get("MLCARBON_DB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tracker = codecarbon.OfflineEmissionsTracker(country_iso_code="FRA", measure_power_secs=1)
            tracker.start()
            tracker.start_task("only")
            tracker.stop()
    finally:
        if saved is None:
            del os.environ["MLCARBON_DB"]
        else:
            os.environ["MLCARBON_DB"] = saved
    summary = tracker.run.summary()
    assert summary["run"]["id"] == 6
    assert [w["name"] for w in summary["windows"]] == ["only"]


def test_bad_numbers_are_input_errors():
    with pytest.raises(mlcarbon.InputError, match="measure_power_secs"):
        codecarbon.EmissionsTracker(measure_power_secs="often")
    with pytest.raises(mlcarbon.InputError, match="tracking_mode"):
        codecarbon.EmissionsTracker(tracking_mode="everything")


def test_unknown_arguments_are_accepted_with_one_warning_naming_them():
    with pytest.warns(mlcarbon.MlcarbonWarning, match="colour, made_up_option"):
        codecarbon.OfflineEmissionsTracker(country_iso_code="FRA", made_up_option=3, colour="blue")


def test_project_name_and_interval_are_taken_by_position(tmp_path, monkeypatch):
    monkeypatch.setenv("MLCARBON_DB", str(tmp_path / "runs.sqlite"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", mlcarbon.MlcarbonWarning)
        tracker = codecarbon.OfflineEmissionsTracker(
            "positional", 0.5, country_iso_code="FRA", output_dir=str(tmp_path)
        )
    with tracker:
        pass
    stored = tracker.run.summary()["run"]
    assert (stored["project"], stored["interval_s"]) == ("positional", 0.5)
    assert tracker.final_emissions_data.project_name == "positional"
