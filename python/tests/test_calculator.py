"""The calculator functions answer the CLI's JSON documents; bad input raises the CLI's message."""

import subprocess
import sys

import pytest

import mlcarbon


def test_estimate_is_the_cli_figure():
    # `mlcarbon estimate --hardware "A100 SXM4 80GB" --count 2 --hours 10 --zone FR --format json`
    report = mlcarbon.estimate(hardware="A100 SXM4 80GB", count=2, hours=10, zone="FR")
    assert report["hardware"] == "nvidia-a100-sxm4-80gb"
    assert report["emissions_kg"] == 0.3608693088
    assert report["energy_kwh"] == 8.16816
    assert report["location"]["zone"] == "FR"
    assert report["emissions_kg_low"] < report["emissions_kg"]


def test_provider_region_estimate():
    report = mlcarbon.estimate(hardware="V100", hours=5, provider="gcp", region="us-central1")
    assert report["location"]["provider"] is not None
    assert report["emissions_kg"] > 0


def test_compare_by_zones_with_limit():
    report = mlcarbon.compare(hardware="V100", hours=5, zone="US-IA", by="zones", limit=3)
    assert len(report["alternatives"]) == 3
    assert all(a["emissions_kg"] <= report["baseline"]["emissions_kg"] for a in report["alternatives"])


def test_statement_names_the_activity():
    answer = mlcarbon.statement(hardware="V100", hours=5, zone="FR", activity="fine-tuning")
    assert "fine-tuning" in str(answer)


def test_statement_short_long_and_german():
    short = mlcarbon.statement(hardware="V100", hours=5, zone="FR")["markdown"]
    long = mlcarbon.statement(hardware="V100", hours=5, zone="FR", long=True)["markdown"]
    german = mlcarbon.statement(hardware="V100", hours=5, zone="FR", lang="de")["markdown"]
    assert "Data sources:" not in short and "Data sources:" in long
    assert german.startswith("Das Training lief 5 h lang")
    with pytest.raises(mlcarbon.InputError, match="use en or de"):
        mlcarbon.statement(hardware="V100", hours=5, zone="FR", lang="fr")


def test_plan_search_of_a_grid():
    plan = mlcarbon.plan_search(hardware="V100", hours=2, zone="FR", grid="lr=5,batch=4")
    assert plan["grid_trials"] == 20
    # ln(1 - 0.95) / ln(1 - 0.05) rounded up: 59 random trials reach the top 5 % with 95 % odds.
    assert plan["random_trials"] == 59
    with pytest.raises(mlcarbon.InputError, match="not both"):
        mlcarbon.plan_search(hardware="V100", hours=2, zone="FR", grid="lr=5", trials=10)


def test_unknown_hardware_is_a_value_error_with_the_cli_message():
    with pytest.raises(ValueError) as caught:
        mlcarbon.estimate(hardware="A10O", hours=1, zone="FR")
    assert isinstance(caught.value, mlcarbon.InputError)
    assert isinstance(caught.value, mlcarbon.MlcarbonError)
    assert "\n" not in str(caught.value)
    assert "A10O" in str(caught.value)


def test_misspelt_argument_is_refused():
    with pytest.raises(mlcarbon.InputError, match="unknown argument `hardwre`"):
        mlcarbon.estimate(hardwre="V100", hours=1, zone="FR")


def test_out_of_range_number_is_refused():
    with pytest.raises(mlcarbon.InputError):
        mlcarbon.estimate(hardware="V100", hours=-1, zone="FR")


def test_import_loads_only_the_standard_library_and_the_extension():
    code = "import sys, mlcarbon; print(sorted(m for m in sys.modules if m.startswith('mlcarbon')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # The package's own small modules; the CodeCarbon drop-in loads only when imported.
    assert out.stdout.strip() == "['mlcarbon', 'mlcarbon._errors', 'mlcarbon._native', 'mlcarbon._tracking']"
    # `json`, `typing` and the `re` they load cost more than the package: loaded on first use.
    code = "import sys, mlcarbon; print(sorted(m for m in ('json', 're', 'typing') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
