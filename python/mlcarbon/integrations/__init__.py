"""Training-loop callbacks: :mod:`mlcarbon.integrations.transformers` (a Hugging Face
``TrainerCallback``) and :mod:`mlcarbon.integrations.lightning` (a PyTorch Lightning
``Callback``).

Each is imported only when asked for, so ``import mlcarbon`` needs neither library. Both track
the training run with :func:`mlcarbon.track`, record a window per epoch and per evaluation, log
``carbon/energy_kwh`` and ``carbon/emissions_kg`` (and the last epoch's and evaluation's figures)
to the trainer's logs, and write the model card's ``co2_eq_emissions`` block at the end.
"""
