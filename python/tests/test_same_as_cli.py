"""Each function's dict equals the CLI's `--format json` document for the same inputs.

Runs the workspace's own `mlcarbon` binary (built by `cargo test --workspace`, which `.ci/run`
runs first); skipped, saying so, where no binary has been built."""

import json
import pathlib
import subprocess

import pytest

import mlcarbon

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARIES = [ROOT / "target" / "debug" / "mlcarbon", ROOT / "target" / "release" / "mlcarbon"]
CLI = next((b for b in BINARIES if b.exists()), None)

JOB = {"hardware": "V100", "count": 2, "hours": 4}
NOW = "2026-03-01T00:00:00Z"

CASES = [
    ("estimate", mlcarbon.estimate, {**JOB, "provider": "aws", "region": "us-east-1"}),
    ("compare", mlcarbon.compare, {**JOB, "zone": "US-IA", "by": "zones", "limit": 4}),
    ("plan-search", mlcarbon.plan_search, {**JOB, "zone": "FR", "grid": "lr=5,batch=4"}),
    ("schedule", mlcarbon.schedule, {**JOB, "zone": "US-CAL-CISO", "within": 24, "now": NOW}),
    ("advise", mlcarbon.advise, {**JOB, "provider": "aws", "region": "us-east-1", "now": NOW}),
]


def flags(arguments):
    out = []
    for name, value in arguments.items():
        out += [f"--{name.replace('_', '-')}", str(value)]
    return out


@pytest.mark.skipif(CLI is None, reason="no target/{debug,release}/mlcarbon: run cargo build first")
@pytest.mark.parametrize("command,function,arguments", CASES, ids=[c[0] for c in CASES])
def test_dict_equals_cli_json(command, function, arguments):
    cli = subprocess.run(
        [str(CLI), command, *flags(arguments), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert function(**arguments) == json.loads(cli.stdout)


@pytest.mark.skipif(CLI is None, reason="no target/{debug,release}/mlcarbon: run cargo build first")
@pytest.mark.parametrize("form", ["markdown", "latex", "bibtex"])
def test_statement_forms_equal_cli_formats(form):
    # The CLI prints one form per --format; the dict holds the three (as /api/statement does).
    arguments = {**JOB, "zone": "FR", "activity": "fine-tuning"}
    cli = subprocess.run(
        [str(CLI), "statement", *flags(arguments), "--format", form],
        capture_output=True,
        text=True,
        check=True,
    )
    assert mlcarbon.statement(**arguments)[form].strip() == cli.stdout.strip()


@pytest.mark.skipif(CLI is None, reason="no target/{debug,release}/mlcarbon: run cargo build first")
def test_error_message_is_the_cli_line():
    cli = subprocess.run(
        [str(CLI), "estimate", "--hardware", "A10O", "--hours", "1", "--zone", "FR"],
        capture_output=True,
        text=True,
    )
    assert cli.returncode != 0
    with pytest.raises(mlcarbon.InputError) as caught:
        mlcarbon.estimate(hardware="A10O", hours=1, zone="FR")
    assert str(caught.value) in cli.stderr
