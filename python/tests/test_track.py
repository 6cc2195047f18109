"""mlcarbon.track(): runs measured from inside Python, into the CLI's store.

The built-in demo trace (`replay="demo"`, an A100 at 250-300 W and a 65 W CPU) stands in for
this machine's sensors, so energies are non-zero without RAPL or a GPU."""

import json
import os
import pathlib
import subprocess
import sys
import textwrap
import time

import pytest

import mlcarbon

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARIES = [ROOT / "target" / "debug" / "mlcarbon", ROOT / "target" / "release" / "mlcarbon"]
CLI = next((b for b in BINARIES if b.exists()), None)

FAST = {"replay": "demo", "interval": 0.05, "zone": "FR"}


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "runs.sqlite")


def test_a_block_is_measured_and_stored_with_its_windows(db):
    with mlcarbon.track(project="bert", tags=["a", "b"], experiment="e1", db=db, **FAST) as run:
        assert run.status is None
        with run.window("epoch 1") as first:
            time.sleep(0.2)
        with run.window("eval") as second:
            time.sleep(0.1)
        live = run.energy_kwh
        assert live > 0
    assert run.status == "finished"
    assert first.energy_kwh > second.energy_kwh > 0
    assert first.emissions_kg > 0
    summary = run.summary()
    stored = summary["run"]
    assert stored["id"] == run.id and stored["uuid"] == run.uuid
    assert stored["project"] == "bert" and stored["tags"] == ["a", "b"]
    assert stored["experiment"] == "e1"
    assert stored["command"][0] == "python"
    assert stored["status"] == "finished"
    assert stored["energy_kwh"] >= live
    assert stored["energy_kwh"] == pytest.approx(run.energy_kwh)
    assert stored["zone"] == "FR"
    assert summary["samples"] >= 3
    names = [w["name"] for w in summary["windows"]]
    assert names == ["epoch 1", "eval"] == [w["name"] for w in run.windows()]
    window = run.windows()[0]
    assert window["end_t_s"] - window["start_t_s"] == pytest.approx(0.2, abs=0.1)
    assert window["energy_kwh"] == first.energy_kwh
    # A window's energy is part of the run's.
    assert sum(w["energy_kwh"] for w in run.windows()) < stored["energy_kwh"]


@pytest.mark.skipif(CLI is None, reason="no target/{debug,release}/mlcarbon: run cargo build first")
def test_the_cli_lists_python_runs_and_their_windows(db):
    with mlcarbon.track(project="from-python", db=db, **FAST) as run:
        with run.window("phase"):
            time.sleep(0.1)
    listed = subprocess.run(
        [str(CLI), "runs", "--db", db, "--format", "json"], capture_output=True, text=True, check=True
    )
    runs = json.loads(listed.stdout)
    assert [r["uuid"] for r in runs] == [run.uuid]
    assert runs[0]["project"] == "from-python"
    assert runs[0]["command"][0] == "python"


def test_without_a_location_the_world_average_is_used_flagged_as_defaulted(db):
    with mlcarbon.track(db=db, replay="demo", interval=0.05) as run:
        time.sleep(0.1)
    stored = run.summary()["run"]
    assert stored["zone"] == "WORLD"
    assert stored["intensity_origin"] == "defaulted"
    assert stored["project"] == "default"


def test_the_database_comes_from_mlcarbon_db(tmp_path, monkeypatch):
    path = tmp_path / "from-env.sqlite"
    monkeypatch.setenv("MLCARBON_DB", str(path))
    with mlcarbon.track(**FAST) as run:
        pass
    assert path.exists()
    assert run.summary()["run"]["status"] == "finished"


def test_an_exception_fails_the_run_and_propagates(db):
    tracker = mlcarbon.track(db=db, **FAST)
    with pytest.raises(ZeroDivisionError):
        with tracker:
            1 / 0
    assert tracker.run.status == "failed"
    assert tracker.run.summary()["run"]["status"] == "failed"


def test_keyboard_interrupt_marks_the_run_interrupted(db):
    tracker = mlcarbon.track(db=db, **FAST)
    with pytest.raises(KeyboardInterrupt):
        with tracker:
            raise KeyboardInterrupt
    stored = tracker.run.summary()["run"]
    assert stored["status"] == "interrupted"
    assert stored["signal"] == 2


def test_stop_is_idempotent_and_the_first_end_stands(db):
    tracker = mlcarbon.track(db=db, **FAST)
    run = tracker.start()
    time.sleep(0.1)
    assert run.stop() == "finished"
    energy = run.energy_kwh
    assert run.stop("failed") == "finished"
    assert tracker.stop() == "finished"
    assert run.energy_kwh == energy
    with pytest.raises(mlcarbon.InputError, match="stopped"):
        with run.window("late"):
            pass


def test_decorators_with_and_without_arguments_track_each_call(db, monkeypatch):
    monkeypatch.setenv("MLCARBON_DB", db)

    @mlcarbon.track(project="decorated", **FAST)
    def train(x):
        time.sleep(0.05)
        return x * 2

    @mlcarbon.track
    def plain():
        return "done"

    assert train(21) == 42 and train(1) == 2
    assert train.__name__ == "train"
    assert plain() == "done" and plain.__name__ == "plain"
    with mlcarbon.track(**FAST) as last:
        pass
    # Three runs before this one: two of train, one of plain.
    assert last.id == 4


def test_bad_arguments_raise_the_clis_messages(db):
    with pytest.raises(mlcarbon.InputError, match="Atlantis"):
        mlcarbon.track(zone="Atlantis", db=db).start()
    with pytest.raises(ValueError, match="interval"):
        mlcarbon.track(zone="FR", interval=0, db=db).start()
    with pytest.raises(mlcarbon.InputError, match="one location"):
        mlcarbon.track(zone="FR", intensity=50, db=db).start()
    with pytest.raises(mlcarbon.InputError, match="name"):
        with mlcarbon.track(db=db, **FAST) as run:
            run.window("  ")
    with pytest.raises(TypeError):
        mlcarbon.track(zonee="FR")


def test_a_window_cannot_be_entered_twice(db):
    with mlcarbon.track(db=db, **FAST) as run:
        window = run.window("once")
        with window:
            pass
        with pytest.raises(mlcarbon.InputError, match="already"):
            with window:
                pass


def test_the_cli_config_file_gives_what_the_arguments_do_not(db, tmp_path, monkeypatch):
    # The file `mlcarbon config set` writes: $XDG_CONFIG_HOME/mlcarbon/config.
    config = tmp_path / "xdg-config" / "mlcarbon" / "config"
    config.parent.mkdir(parents=True)
    config.write_text("zone = DE\npue = 1.25\nproject = from-config\ninterval = 0.05\n")
    if CLI is not None:
        got = subprocess.run([str(CLI), "config", "get", "zone"], capture_output=True, text=True)
        assert got.stdout.strip() == "DE", "the CLI reads the same file"
    with mlcarbon.track(db=db, replay="demo") as run:
        pass
    stored = run.summary()["run"]
    assert (stored["zone"], stored["pue"], stored["project"]) == ("DE", 1.25, "from-config")
    assert stored["interval_s"] == 0.05
    # An argument wins over the file; a location argument replaces the file's location.
    with mlcarbon.track("mine", db=db, replay="demo", zone="FR", pue=1.1, interval=0.1) as run:
        pass
    stored = run.summary()["run"]
    assert (stored["zone"], stored["pue"], stored["project"]) == ("FR", 1.1, "mine")
    assert stored["interval_s"] == 0.1
    # $MLCARBON_CONFIG names another file, as for the CLI; its values are checked.
    other = tmp_path / "other-config"
    other.write_text("pue = 7\n")
    monkeypatch.setenv("MLCARBON_CONFIG", str(other))
    with pytest.raises(mlcarbon.InputError, match="pue `7` is not a PUE between 1 and 5"):
        mlcarbon.track(db=db, replay="demo").start()
    # config= names one for this run only.
    with mlcarbon.track(db=db, replay="demo", config=str(config)) as run:
        pass
    assert run.summary()["run"]["zone"] == "DE"


def test_a_bad_server_in_the_config_is_said_before_tracking(db, tmp_path):
    config = tmp_path / "bad-server"
    config.write_text("server = ftp://example\n")
    with pytest.raises(mlcarbon.InputError, match="config `server`"):
        mlcarbon.track(db=db, replay="demo", config=str(config)).start()


@pytest.mark.skipif(CLI is None, reason="no target/{debug,release}/mlcarbon: run cargo build first")
def test_the_config_files_server_gets_the_run(db, tmp_path, monkeypatch):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    served = str(tmp_path / "server.sqlite")
    server = subprocess.Popen(
        [str(CLI), "serve", "--bind", f"127.0.0.1:{port}", "--db", served, "--token-file", str(token)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
        config = tmp_path / "xdg-config" / "mlcarbon" / "config"
        config.parent.mkdir(parents=True)
        config.write_text(f"zone = FR\nserver = http://127.0.0.1:{port}\n")
        monkeypatch.setenv("MLCARBON_TOKEN", "s3cret-token")
        with mlcarbon.track(db=db, replay="demo", interval=0.05) as run:
            time.sleep(0.2)
        listed = subprocess.run(
            [str(CLI), "runs", "--db", served, "--format", "json"],
            capture_output=True, text=True, check=True,
        )
        assert [r["uuid"] for r in json.loads(listed.stdout)] == [run.uuid]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_windows_open_when_the_run_stops_are_closed_then_and_marked(db):
    with pytest.raises(RuntimeError):
        with mlcarbon.track(db=db, **FAST) as run:
            left_open = run.window("epoch 3").__enter__()
            with run.window("eval") as cut:
                time.sleep(0.1)
                run.stop()
            time.sleep(0.05)
            raise RuntimeError("boom")
    assert run.status == "finished", "the first end stands"
    assert cut.closed_by_stop and cut.energy_kwh > 0
    assert not left_open.closed_by_stop and left_open.energy_kwh is None
    names = [w["name"] for w in run.summary()["windows"]]
    assert names == ["epoch 3 [open at stop]", "eval [open at stop]"]
    # Leaving a window after the stop answers what the stop recorded.
    left_open.__exit__(None, None, None)
    assert left_open.closed_by_stop and left_open.energy_kwh == run.windows()[0]["energy_kwh"]

    # An exception that unwinds past an entered window: the window ends with the run.
    with pytest.raises(KeyError):
        with mlcarbon.track(db=db, **FAST) as failed:
            failed.window("epoch 1").__enter__()
            time.sleep(0.1)
            raise KeyError("x")
    assert failed.status == "failed"
    (window,) = failed.windows()
    assert window["name"] == "epoch 1 [open at stop]" and window["energy_kwh"] > 0


def run_script(code, env, tmp_path):
    """Runs `code` in a fresh interpreter with `env` added; returns its JSON on stdout."""
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(code))
    full_env = {**os.environ, **env}
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "TORCHELASTIC_RUN_ID", "MASTER_ADDR", "MASTER_PORT"):
        if name not in env:
            full_env.pop(name, None)
    for name in list(full_env):
        if name.startswith("SLURM_") and name not in env:
            full_env.pop(name)
    done = subprocess.run(
        [sys.executable, "-W", "always", str(script), "--epochs", "2"],
        env=full_env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout), done.stderr


RANK_SCRIPT = """
    import json, mlcarbon
    with mlcarbon.track(replay="demo", interval=0.05, zone="FR") as run:
        pass
    print(json.dumps({"attribution": run.attribution, "stored": run.summary()["run"]}))
"""


def test_a_local_rank_other_than_zero_records_only_its_link(tmp_path):
    env = {
        "MLCARBON_DB": str(tmp_path / "runs.sqlite"),
        "MLCARBON_HOST": "node-7",
        "RANK": "3",
        "LOCAL_RANK": "1",
        "WORLD_SIZE": "4",
        "TORCHELASTIC_RUN_ID": "job-abc",
    }
    # Without a replayed trace a link run reads no sensor at all.
    answer, stderr = run_script(RANK_SCRIPT.replace('replay="demo", ', ""), env, tmp_path)
    assert answer["attribution"] == "link"
    stored = answer["stored"]
    assert (stored["attribution"], stored["job_key"]) == ("link", "torchelastic:job-abc")
    assert (stored["rank"], stored["local_rank"], stored["world_size"]) == (3, 1, 4)
    assert stored["hostname"] == "node-7"
    assert stored["energy_kwh"] == 0
    assert stored["command"] == ["python", str(tmp_path / "train.py"), "--epochs", "2"]
    assert stderr.count("local rank 1 of job torchelastic:job-abc") == 1
    assert "MlcarbonWarning" in stderr


def test_slurm_rank_zero_measures_the_machine(tmp_path):
    env = {
        "MLCARBON_DB": str(tmp_path / "runs.sqlite"),
        "SLURM_JOB_ID": "4242",
        "SLURM_STEP_ID": "0",
        "SLURM_PROCID": "0",
        "SLURM_LOCALID": "0",
        "SLURM_NTASKS": "2",
    }
    answer, stderr = run_script(RANK_SCRIPT, env, tmp_path)
    stored = answer["stored"]
    assert (stored["attribution"], stored["job_key"], stored["rank"]) == ("machine", "slurm:4242.0", 0)
    assert stored["world_size"] == 2
    assert stored["energy_kwh"] > 0
    assert "local rank" not in stderr


def test_a_second_machine_wide_tracker_on_a_host_counts_its_process_share(tmp_path):
    code = """
        import json, mlcarbon
        with mlcarbon.track(replay="demo", interval=0.05, zone="FR") as outer:
            with mlcarbon.track(replay="demo", interval=0.05, zone="FR") as inner:
                pass
        print(json.dumps({"outer": outer.attribution, "inner": inner.attribution,
                          "stored": inner.summary()["run"]["attribution"]}))
    """
    env = {"MLCARBON_DB": str(tmp_path / "runs.sqlite"), "MLCARBON_HOST": "node-1"}
    answer, stderr = run_script(code, env, tmp_path)
    assert answer["outer"] == "machine"
    assert answer["inner"] in ("process", "link")
    assert answer["stored"] == answer["inner"]
    assert stderr.count("already measures this machine's whole energy") == 1
