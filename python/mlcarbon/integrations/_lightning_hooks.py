"""The Lightning callback's hooks, apart from Lightning's ``Callback`` base class so that they
can be exercised where Lightning (and the torch it needs) is not installed; see
:mod:`mlcarbon.integrations.lightning`."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from mlcarbon.integrations._common import TrackedCallback, TrainingTracker


class LightningHooks(TrackedCallback):
    def __init__(self, activity: str = "training", **track_arguments: Any) -> None:
        super().__init__()
        self.tracking = TrainingTracker(activity, track_arguments)
        self._validations = 0

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        if trainer.local_rank == 0:
            self.tracking.begin()

    def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
        self.tracking.open_window("epoch", f"epoch {trainer.current_epoch + 1}")

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        self.tracking.close_window("epoch")
        if trainer.global_rank == 0:
            for name, value in self.tracking.figures().items():
                pl_module.log(name, value, rank_zero_only=True)

    def on_validation_start(self, trainer: Any, pl_module: Any) -> None:
        if self.tracking.active:
            self._validations += 1
            self.tracking.open_window("eval", f"validation {self._validations}")

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        self.tracking.close_window("eval")
        self._to_loggers(trainer)

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        self.tracking.end()
        self._to_loggers(trainer)

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        interrupted = isinstance(exception, KeyboardInterrupt)
        self.tracking.end("interrupted" if interrupted else "failed")

    def _to_loggers(self, trainer: Any) -> None:
        if trainer.global_rank != 0:
            return
        figures = self.tracking.figures()
        if not figures:
            return
        for logger in getattr(trainer, "loggers", None) or []:
            logger.log_metrics(figures, step=trainer.global_step)
