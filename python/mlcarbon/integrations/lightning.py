"""A PyTorch Lightning ``Callback`` that measures training with mlcarbon.

::

    from mlcarbon.integrations.lightning import MlcarbonCallback

    carbon = MlcarbonCallback(project="bert", zone="FR")
    trainer = lightning.pytorch.Trainer(max_epochs=3, callbacks=[carbon])
    trainer.fit(model, data)
    carbon.write_model_card("model/README.md")

The run starts at ``on_fit_start`` and stops at ``on_fit_end`` (``failed`` at
``on_exception``); each training epoch and each validation loop is a window (``epoch 1``,
``validation 1``, ...). At each training epoch's end ``pl_module.log`` records
``carbon/energy_kwh``, ``carbon/emissions_kg`` and ``carbon/epoch_*`` (``rank_zero_only``);
after a validation loop, and at the end of fitting, the figures go to ``trainer.loggers``
directly (Lightning refuses ``self.log`` there).

Local rank 0 of each host measures (:func:`mlcarbon.track` counts the machine once per host);
only global rank 0 logs. Works with ``lightning.pytorch`` or the older ``pytorch_lightning``.
"""

from __future__ import annotations

try:
    from lightning.pytorch import Callback
except ImportError:
    try:
        from pytorch_lightning import Callback
    except ImportError:
        raise ImportError(
            "mlcarbon.integrations.lightning needs PyTorch Lightning: pip install lightning "
            "(or pytorch-lightning)"
        ) from None

from mlcarbon.integrations._lightning_hooks import LightningHooks


class MlcarbonCallback(LightningHooks, Callback):
    """Measures a Lightning ``Trainer``'s fitting. ``activity``: what the model card calls the
    training (``"training"``, ``"fine-tuning"``, ...); other keyword arguments go to
    :func:`mlcarbon.track` (``project``, ``zone``, ``provider``/``region``, ``db``, ...)."""


__all__ = ["MlcarbonCallback"]
