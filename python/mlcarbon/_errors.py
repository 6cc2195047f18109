"""mlcarbon's exception and warning types.

The exceptions are the native module's own (``InputError`` derives from both ``MlcarbonError``
and ``ValueError``), so an error raised anywhere in Rust, a window's ``__exit__`` included, is
the class users catch."""

from __future__ import annotations

import sys
import warnings

from mlcarbon import _native

MlcarbonError = _native.MlcarbonError
InputError = _native.InputError


class MlcarbonWarning(UserWarning):
    """Something the user should hear once: a fallback, a defaulted figure, a downgraded run."""


def warn_user(message: str) -> None:
    """Warns with the user's line as the place: the first frame outside this package."""
    level, frame = 2, sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith("mlcarbon"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, MlcarbonWarning, stacklevel=level)
