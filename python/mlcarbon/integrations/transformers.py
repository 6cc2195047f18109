"""A Hugging Face Transformers ``TrainerCallback`` that measures training with mlcarbon.

::

    from mlcarbon.integrations.transformers import MlcarbonCallback

    carbon = MlcarbonCallback(project="bert", zone="FR")
    trainer = Trainer(model=model, args=args, train_dataset=train, callbacks=[carbon])
    trainer.train()
    carbon.write_model_card(args.output_dir)  # co2_eq_emissions in the card's metadata

The run starts at ``on_train_begin`` and stops at ``on_train_end``; each epoch and each
evaluation is a window of it (``epoch 1``, ``eval 1``, ...). Every log the Trainer writes gains
``carbon/energy_kwh`` and ``carbon/emissions_kg`` (the run so far) and, after an epoch or an
evaluation ended, ``carbon/epoch_energy_kwh``/``carbon/epoch_emissions_kg`` or
``carbon/eval_energy_kwh``/``carbon/eval_emissions_kg``; they also go into
``state.log_history`` (``trainer_state.json``). Reporting callbacks the Trainer runs before
this one (``report_to``) see a log before it gains the figures; to have them report the
figures, put this callback first: ``trainer.callback_handler.callbacks.insert(0, carbon)``.

Only the local main process (``state.is_local_process_zero``: local rank 0 of each host)
measures, as :func:`mlcarbon.track` counts the machine once per host; the other processes do
nothing.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from transformers import TrainerCallback

from mlcarbon.integrations._common import TrackedCallback, TrainingTracker


class MlcarbonCallback(TrackedCallback, TrainerCallback):
    """Measures a ``Trainer``'s training. ``activity``: what the model card calls the
    training (``"training"``, ``"fine-tuning"``, ...); other keyword arguments go to
    :func:`mlcarbon.track` (``project``, ``zone``, ``provider``/``region``, ``db``, ...)."""

    def __init__(self, activity: str = "training", **track_arguments: Any) -> None:
        self.tracking = TrainingTracker(activity, track_arguments)
        self._evaluations = 0

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_local_process_zero:
            self.tracking.begin()

    def on_epoch_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        # `state.epoch` counts epochs done, with a fraction when resumed mid-epoch: the epoch
        # starting is the next whole one (the small margin absorbs float sums like 2.9999999).
        epoch = int((state.epoch or 0) + 1e-6) + 1
        self.tracking.open_window("epoch", f"epoch {epoch}")

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.tracking.close_window("epoch")

    def on_prediction_step(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        # The Trainer has no hook before an evaluation: its first step opens the window.
        self._open_evaluation()

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.tracking.close_window("eval")

    def on_predict(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.tracking.close_window("eval")

    def _open_evaluation(self) -> None:
        if self.tracking.active and "eval" not in self.tracking._open:
            self._evaluations += 1
            self.tracking.open_window("eval", f"eval {self._evaluations}")

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        figures = self.tracking.figures()
        if not figures:
            return
        if logs is not None:
            logs.update(figures)
        if state.log_history:
            state.log_history[-1].update(figures)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.tracking.end()
