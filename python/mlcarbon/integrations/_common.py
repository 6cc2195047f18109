"""What the Transformers and Lightning callbacks share: one tracked run with a window per
epoch and per evaluation, the figures to log, and the model card of the finished run.

The model card is the CLI's own (``mlcarbon statement --run UUID --format model-card``, built by
``mlcarbon_model::model_card`` from the stored, measured run), never re-typed here.
"""

from __future__ import annotations

import os
import shutil
import subprocess

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

import mlcarbon

#: Prefix of every figure the callbacks log.
PREFIX = "carbon/"


class TrainingTracker:
    """A tracked training run: ``begin()``, windows by kind (``epoch``, ``eval``), ``end()``.

    ``track_arguments`` go to :func:`mlcarbon.track` unchanged (``project``, ``zone``, ``db``,
    ``interval``, ...). Figures of closed windows wait in ``pending`` until the next log.
    """

    def __init__(self, activity: str, track_arguments: Dict[str, Any]) -> None:
        self.activity = activity
        self.track_arguments = track_arguments
        self.tracker: Optional[mlcarbon.track] = None
        self.run: Optional[mlcarbon.Run] = None
        self._open: Dict[str, Any] = {}
        self.pending: Dict[str, float] = {}
        #: Closed windows' figures, in order: ``name``, ``energy_kwh``, ``emissions_kg``.
        self.windows: list = []

    @property
    def active(self) -> bool:
        return self.run is not None and self.run.status is None

    def begin(self) -> None:
        if self.active:
            return
        self.tracker = mlcarbon.track(**self.track_arguments)
        self.run = self.tracker.start()

    def open_window(self, kind: str, name: str) -> None:
        if not self.active or kind in self._open:
            return
        window = self.run.window(name)
        window.__enter__()
        self._open[kind] = (name, window)

    def close_window(self, kind: str) -> None:
        opened = self._open.pop(kind, None)
        if opened is None or not self.active:
            return
        name, window = opened
        window.__exit__(None, None, None)
        self.windows.append(
            {"name": name, "energy_kwh": window.energy_kwh, "emissions_kg": window.emissions_kg}
        )
        self.pending[f"{PREFIX}{kind}_energy_kwh"] = window.energy_kwh
        self.pending[f"{PREFIX}{kind}_emissions_kg"] = window.emissions_kg

    def figures(self) -> Dict[str, float]:
        """The run so far and the windows closed since the last call; empty when not measuring."""
        if self.run is None:
            return {}
        figures = dict(self.pending)
        self.pending.clear()
        figures[f"{PREFIX}energy_kwh"] = self.run.energy_kwh
        figures[f"{PREFIX}emissions_kg"] = self.run.emissions_kg
        return figures

    def end(self, status: str = "finished") -> None:
        for kind in list(self._open):
            self.close_window(kind)
        if self.tracker is not None:
            self.tracker.stop(status)

    def model_card(self) -> str:
        """The finished run's model card (metadata block and section), from the CLI."""
        if self.run is None:
            raise mlcarbon.MlcarbonError(
                "no run was tracked in this process (only the main process measures); "
                "write the model card on the main process"
            )
        cli = os.environ.get("MLCARBON_CLI") or shutil.which("mlcarbon")
        if cli is None:
            raise mlcarbon.MlcarbonError(
                "the model card is written by the mlcarbon CLI, not found on PATH; install it "
                "(cargo install --path crates/mlcarbon-cli) or set MLCARBON_CLI, or run "
                f"`mlcarbon statement --run {self.run.uuid} --format model-card` later"
            )
        command = [cli, "statement", "--run", self.run.uuid, "--format", "model-card"]
        command += ["--activity", self.activity]
        db = self.track_arguments.get("db")
        if db is not None:
            command += ["--db", str(db)]
        self.run.flush()
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise mlcarbon.MlcarbonError(done.stderr.strip() or f"{cli} exited {done.returncode}")
        return done.stdout

    def model_card_metadata(self) -> Dict[str, Any]:
        """The card's YAML metadata block as a dict: ``{"co2_eq_emissions": {...}}``."""
        return parse_metadata(self.model_card())

    def write_model_card(self, path: Any) -> str:
        """Writes the card to ``path`` (a folder: its ``README.md``) and returns the file's path.

        A new file gets the CLI's card as it is. An existing card (``Trainer.create_model_card``
        writes one) keeps its text and metadata: ``co2_eq_emissions`` is set in its metadata
        and the "Environmental Impact" section appended, through ``huggingface_hub.ModelCard``
        (installed with transformers), which reads and writes the Hub's card format.
        """
        target = os.fspath(path)
        if os.path.isdir(target):
            target = os.path.join(target, "README.md")
        card = self.model_card()
        if not os.path.exists(target):
            with open(target, "w", encoding="utf-8") as file:
                file.write(card)
            return target
        try:
            from huggingface_hub import ModelCard
        except ImportError:
            raise mlcarbon.MlcarbonError(
                f"{target} exists; merging into a card needs huggingface_hub "
                "(pip install huggingface_hub), or write to a new file"
            ) from None
        existing = ModelCard.load(target)
        existing.data.co2_eq_emissions = parse_metadata(card)["co2_eq_emissions"]
        section = card.split("\n---\n", 1)[1].strip()
        existing.text = existing.text.rstrip() + "\n\n" + section + "\n"
        existing.save(target)
        return target


def parse_metadata(card: str) -> Dict[str, Any]:
    """Reads the card's first ``---`` block as the CLI writes it: one mapping of scalars, each a
    number or a double-quoted string (YAML's double-quoted escapes used there are JSON's)."""
    import json

    lines = card.splitlines()
    if not lines or lines[0] != "---":
        raise mlcarbon.MlcarbonError("the model card does not start with a `---` metadata block")
    metadata: Dict[str, Any] = {}
    section: Optional[Dict[str, Any]] = None
    for line in lines[1:]:
        if line == "---":
            return metadata
        key, _, value = line.strip().partition(":")
        value = value.strip()
        if not line.startswith(" "):
            section = metadata.setdefault(key, {}) if not value else None
            if value:
                metadata[key] = json.loads(value)
        elif section is not None:
            section[key] = json.loads(value)
    raise mlcarbon.MlcarbonError("the model card's metadata block has no closing `---`")


class TrackedCallback:
    """What both callbacks offer once training ended: the run, its windows, its model card."""

    tracking: TrainingTracker

    @property
    def run(self) -> Any:
        """The :class:`mlcarbon.Run` (``None`` before training, and where nothing measures)."""
        return self.tracking.run

    @property
    def windows(self) -> list:
        """Closed windows' ``name``, ``energy_kwh`` and ``emissions_kg``, in order."""
        return self.tracking.windows

    def model_card_metadata(self) -> Dict[str, Any]:
        """``{"co2_eq_emissions": {"emissions": grams, "source", "training_type",
        "geographical_location", "hardware_used"}}`` for the finished run, as ``mlcarbon
        statement --run RUN --format model-card`` writes it (the ``mlcarbon`` CLI on PATH or
        ``$MLCARBON_CLI``); for ``ModelCardData(co2_eq_emissions=...)`` or a card's YAML."""
        return self.tracking.model_card_metadata()

    def write_model_card(self, path: Any) -> str:
        """Writes the run's card to ``path`` (a folder: its ``README.md``), merging into a card
        already there (``trainer.create_model_card()`` writes one); returns the file written."""
        return self.tracking.write_model_card(path)
