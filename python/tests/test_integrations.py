"""mlcarbon.integrations: the Transformers and Lightning training callbacks.

The Transformers callback is driven through Transformers' own `CallbackHandler`,
`TrainerState` and `TrainerControl` (they import without torch), in the order `Trainer` calls
its hooks. Lightning needs torch; PyPI's torch wheel (with its CUDA libraries, several GB) does
not install on the CI machine in minutes, so the Lightning hooks are driven here by a minimal
trainer and module with the attributes and methods Lightning's `Trainer` gives a callback
(`local_rank`, `global_rank`, `current_epoch`, `global_step`, `loggers`, `pl_module.log`), and
the real subclass is checked only where Lightning is installed. Tests of a missing library skip
with the reason, unless MLCARBON_REQUIRE_TRANSFORMERS=1.

The demo trace (`replay="demo"`) stands in for this machine's sensors. The model card tests
need the `mlcarbon` CLI ($MLCARBON_CLI, target/*/mlcarbon or PATH), as test_track.py does.
"""

import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

import mlcarbon

ROOT = pathlib.Path(__file__).resolve().parents[2]
FAST = {"replay": "demo", "interval": 0.05, "zone": "FR"}


def _cli():
    for candidate in (
        os.environ.get("MLCARBON_CLI"),
        ROOT / "target" / "debug" / "mlcarbon",
        ROOT / "target" / "release" / "mlcarbon",
        shutil.which("mlcarbon"),
    ):
        if candidate and pathlib.Path(candidate).exists():
            return str(candidate)
    return None


CLI = _cli()
needs_cli = pytest.mark.skipif(CLI is None, reason="the mlcarbon CLI is not built (cargo build)")


def _require(module):
    if os.environ.get("MLCARBON_REQUIRE_TRANSFORMERS") == "1":
        return __import__(module)
    return pytest.importorskip(module, reason=f"{module} is not installed (pip install {module})")


def test_importing_mlcarbon_loads_neither_library():
    code = (
        "import sys, mlcarbon, mlcarbon.integrations; "
        "print(sorted(m for m in ('transformers', 'lightning', 'pytorch_lightning', 'torch') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_metadata_block_is_read_as_the_cli_writes_it():
    from mlcarbon.integrations._common import parse_metadata

    card = (
        '---\nco2_eq_emissions:\n  emissions: 103.4\n  source: "mlcarbon 0.1.0 (\\"x\\")"\n'
        '  training_type: "fine-tuning"\n---\n\n## Environmental Impact\n'
    )
    assert parse_metadata(card) == {
        "co2_eq_emissions": {
            "emissions": 103.4,
            "source": 'mlcarbon 0.1.0 ("x")',
            "training_type": "fine-tuning",
        }
    }
    with pytest.raises(mlcarbon.MlcarbonError, match="closing"):
        parse_metadata("---\na: 1\n")


# --- Transformers ---------------------------------------------------------------------------


def _trainer_events(callback, state, epochs=2, eval_steps=3):
    """The hook order of `Trainer.train()` with evaluation and logging each epoch."""
    from transformers import TrainerControl
    from transformers.trainer_callback import CallbackHandler

    handler = CallbackHandler([callback], None, None, None, None)
    control = TrainerControl()
    handler.on_train_begin(None, state, control)
    for epoch in range(epochs):
        handler.on_epoch_begin(None, state, control)
        time.sleep(0.15)
        state.epoch = epoch + 1.0
        handler.on_epoch_end(None, state, control)
        for _ in range(eval_steps):
            handler.on_prediction_step(None, state, control)
            time.sleep(0.03)
        handler.on_evaluate(None, state, control, metrics={"eval_loss": 0.5})
        logs = {"loss": 1.0 / (epoch + 1)}
        state.log_history.append({**logs, "step": epoch})
        handler.on_log(None, state, control, logs)
    handler.on_train_end(None, state, control)
    return handler


def test_transformers_callback_measures_epochs_and_evaluations_into_the_logs(tmp_path):
    transformers = _require("transformers")
    from mlcarbon.integrations.transformers import MlcarbonCallback

    assert issubclass(MlcarbonCallback, transformers.TrainerCallback)
    db = str(tmp_path / "runs.sqlite")
    callback = MlcarbonCallback(project="bert", db=db, **FAST)
    state = transformers.TrainerState()
    _trainer_events(callback, state)

    run = callback.run
    assert run.status == "finished"
    names = [w["name"] for w in run.windows()]
    assert names == ["epoch 1", "eval 1", "epoch 2", "eval 2"]
    assert [w["name"] for w in callback.windows] == names
    assert callback.windows[0]["energy_kwh"] > callback.windows[1]["energy_kwh"] > 0

    last = state.log_history[-1]
    assert last["loss"] == 0.5
    for key in ("energy_kwh", "emissions_kg", "epoch_energy_kwh", "eval_energy_kwh"):
        assert last[f"carbon/{key}"] > 0, key
    assert last["carbon/epoch_energy_kwh"] == pytest.approx(callback.windows[2]["energy_kwh"])
    assert last["carbon/eval_emissions_kg"] == pytest.approx(callback.windows[3]["emissions_kg"])
    assert last["carbon/energy_kwh"] <= run.energy_kwh
    stored = run.summary()
    assert stored["run"]["project"] == "bert"


def test_transformers_callback_measures_nothing_off_the_main_process(tmp_path):
    transformers = _require("transformers")
    from mlcarbon.integrations.transformers import MlcarbonCallback

    callback = MlcarbonCallback(db=str(tmp_path / "runs.sqlite"), **FAST)
    state = transformers.TrainerState(is_local_process_zero=False, is_world_process_zero=False)
    _trainer_events(callback, state, epochs=1, eval_steps=1)
    assert callback.run is None
    assert not any(k.startswith("carbon/") for k in state.log_history[-1])
    assert not (tmp_path / "runs.sqlite").exists()
    with pytest.raises(mlcarbon.MlcarbonError, match="main process"):
        callback.model_card_metadata()


@needs_cli
def test_transformers_callback_writes_the_clis_model_card_and_merges_into_a_trainers(
    tmp_path, monkeypatch
):
    transformers = _require("transformers")
    from huggingface_hub import ModelCard

    from mlcarbon.integrations.transformers import MlcarbonCallback

    monkeypatch.setenv("MLCARBON_CLI", CLI)
    db = str(tmp_path / "runs.sqlite")
    callback = MlcarbonCallback(activity="fine-tuning", project="bert", db=db, **FAST)
    _trainer_events(callback, transformers.TrainerState(), epochs=1)

    metadata = callback.model_card_metadata()["co2_eq_emissions"]
    cli_card = subprocess.run(
        [CLI, "statement", "--run", callback.run.uuid, "--db", db, "--format", "model-card",
         "--activity", "fine-tuning"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert f"emissions: {metadata['emissions']}" in cli_card
    assert metadata["training_type"] == "fine-tuning"
    assert metadata["emissions"] == pytest.approx(callback.run.emissions_kg * 1000, rel=1e-3)

    fresh = callback.write_model_card(tmp_path)
    assert fresh == str(tmp_path / "README.md")
    assert pathlib.Path(fresh).read_text() == cli_card

    # A card the Trainer wrote keeps its metadata and text and gains the block and section.
    existing = tmp_path / "trainer-card.md"
    existing.write_text(
        "---\nlicense: mit\ntags:\n- generated_from_trainer\n---\n\n# bert-tiny\n\nFine-tuned.\n"
    )
    callback.write_model_card(existing)
    merged = ModelCard.load(existing)
    assert merged.data.license == "mit"
    assert merged.data.co2_eq_emissions == metadata
    assert "## Environmental Impact" in merged.text and "bert-tiny" in merged.text


# --- Lightning ------------------------------------------------------------------------------


class _Logger:
    def __init__(self):
        self.metrics = []

    def log_metrics(self, metrics, step):
        self.metrics.append((step, dict(metrics)))


class _Trainer:
    """What Lightning's `Trainer` gives a callback's hooks, and no more."""

    def __init__(self, local_rank=0, global_rank=0):
        self.local_rank, self.global_rank = local_rank, global_rank
        self.current_epoch, self.global_step = 0, 0
        self.loggers = [_Logger()]


class _Module:
    def __init__(self):
        self.logged = []

    def log(self, name, value, **options):
        assert options == {"rank_zero_only": True}
        self.logged.append((name, value))


def _fit(callback, trainer, module, epochs=2):
    """The hook order of `Trainer.fit()` with a sanity check and validation each epoch."""
    callback.on_fit_start(trainer, module)
    callback.on_validation_start(trainer, module)  # the sanity check
    callback.on_validation_end(trainer, module)
    for epoch in range(epochs):
        trainer.current_epoch = epoch
        callback.on_train_epoch_start(trainer, module)
        time.sleep(0.15)
        trainer.global_step += 10
        callback.on_validation_start(trainer, module)
        time.sleep(0.05)
        callback.on_validation_end(trainer, module)
        callback.on_train_epoch_end(trainer, module)
    callback.on_fit_end(trainer, module)


def test_lightning_hooks_measure_epochs_and_validations_into_the_logs(tmp_path):
    from mlcarbon.integrations._lightning_hooks import LightningHooks

    callback = LightningHooks(project="resnet", db=str(tmp_path / "runs.sqlite"), **FAST)
    trainer, module = _Trainer(), _Module()
    _fit(callback, trainer, module)

    assert callback.run.status == "finished"
    assert [w["name"] for w in callback.run.windows()] == [
        "validation 1", "validation 2", "epoch 1", "validation 3", "epoch 2",
    ]
    logged = dict(module.logged)
    assert logged["carbon/epoch_energy_kwh"] == pytest.approx(callback.windows[-1]["energy_kwh"])
    assert logged["carbon/energy_kwh"] > logged["carbon/epoch_energy_kwh"] > 0
    steps = [step for step, _ in trainer.loggers[0].metrics]
    assert steps == [0, 10, 20, 20]  # sanity check, two validations, the end of fitting
    validation = trainer.loggers[0].metrics[2][1]
    assert validation["carbon/eval_emissions_kg"] == pytest.approx(
        callback.windows[3]["emissions_kg"]
    )
    assert trainer.loggers[0].metrics[-1][1]["carbon/energy_kwh"] == callback.run.energy_kwh


def test_lightning_hooks_measure_on_local_rank_zero_and_log_on_global_rank_zero(tmp_path):
    from mlcarbon.integrations._lightning_hooks import LightningHooks

    other_host = LightningHooks(db=str(tmp_path / "a.sqlite"), **FAST)
    trainer, module = _Trainer(local_rank=0, global_rank=4), _Module()
    _fit(other_host, trainer, module, epochs=1)
    assert other_host.run.status == "finished" and other_host.windows
    assert module.logged == [] and trainer.loggers[0].metrics == []

    same_host = LightningHooks(db=str(tmp_path / "b.sqlite"), **FAST)
    _fit(same_host, _Trainer(local_rank=1, global_rank=1), _Module(), epochs=1)
    assert same_host.run is None and same_host.windows == []


def test_lightning_hooks_record_a_failed_fit(tmp_path):
    from mlcarbon.integrations._lightning_hooks import LightningHooks

    callback = LightningHooks(db=str(tmp_path / "runs.sqlite"), **FAST)
    trainer, module = _Trainer(), _Module()
    callback.on_fit_start(trainer, module)
    callback.on_train_epoch_start(trainer, module)
    callback.on_exception(trainer, module, RuntimeError("out of memory"))
    assert callback.run.status == "failed"
    assert [w["name"] for w in callback.run.windows()] == ["epoch 1"]


def test_lightning_callback_is_a_lightning_callback():
    try:
        from lightning.pytorch import Callback
    except ImportError:
        Callback = pytest.importorskip(
            "pytorch_lightning", reason="Lightning is not installed (it needs torch)"
        ).Callback
    from mlcarbon.integrations.lightning import MlcarbonCallback

    callback = MlcarbonCallback(project="x", **FAST)
    assert isinstance(callback, Callback) and callback.run is None


def test_transformers_callback_names_a_resumed_epoch_by_the_epoch_in_progress(tmp_path):
    transformers = _require("transformers")
    from mlcarbon.integrations.transformers import MlcarbonCallback

    callback = MlcarbonCallback(db=str(tmp_path / "runs.sqlite"), **FAST)
    state, control = transformers.TrainerState(), transformers.TrainerControl()
    callback.on_train_begin(None, state, control)
    for done in (1.5, 2.9999999, 3.0):  # resumed mid-epoch 2; float sums; a whole epoch
        state.epoch = done
        callback.on_epoch_begin(None, state, control)
        callback.on_epoch_end(None, state, control)
    callback.on_train_end(None, state, control)
    assert [w["name"] for w in callback.windows] == ["epoch 2", "epoch 4", "epoch 4"]


def test_lightning_callback_without_lightning_says_what_to_install():
    import importlib.util

    if any(importlib.util.find_spec(m) for m in ("lightning", "pytorch_lightning")):
        pytest.skip("Lightning is installed")
    with pytest.raises(ImportError, match="pip install lightning"):
        import mlcarbon.integrations.lightning  # noqa: F401
