"""mlcarbon's exception and warning types.

The exceptions are the native module's own (``InputError`` derives from both ``MlcarbonError``
and ``ValueError``), so an error raised anywhere in Rust, a window's ``__exit__`` included, is
the class users catch."""

from __future__ import annotations

from mlcarbon import _native

MlcarbonError = _native.MlcarbonError
InputError = _native.InputError


class MlcarbonWarning(UserWarning):
    """Something the user should hear once: a fallback, a defaulted figure, a downgraded run."""
