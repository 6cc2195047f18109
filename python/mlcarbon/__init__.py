"""mlcarbon: the energy and carbon emissions of machine-learning jobs.

The calculator functions answer the same documents as ``mlcarbon <command> --format json``,
as plain dicts, computed by the Rust core (the ``mlcarbon._native`` extension). :func:`track`
measures a block, a function or a whole script from inside Python, into the same run store as
``mlcarbon run`` (``mlcarbon runs`` lists both); :mod:`mlcarbon.codecarbon` is a drop-in for
CodeCarbon's ``EmissionsTracker``.
"""

from __future__ import annotations

# `typing` (and the `re` it loads) costs more than the rest of the package's import: the
# annotations are strings (PEP 563), so it is needed by type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict

from mlcarbon import _native
from mlcarbon._errors import InputError, MlcarbonError, MlcarbonWarning
from mlcarbon._tracking import Run, track

__all__ = [
    "MlcarbonError",
    "InputError",
    "MlcarbonWarning",
    "estimate",
    "compare",
    "statement",
    "plan_search",
    "schedule",
    "advise",
    "track",
    "Run",
]


def _call(function: Any, arguments: Dict[str, Any]) -> Dict[str, Any]:
    # Imported on first use: `json` pulls in `re`, half of this package's import time.
    import json

    return json.loads(function(json.dumps(arguments)))


def estimate(**arguments: Any) -> Dict[str, Any]:
    """What ``mlcarbon estimate --format json`` prints for the same arguments.

    Arguments are the CLI's flags in snake_case: ``hardware``, ``count``, ``hours``,
    ``energy_kwh``, ``utilization``, ``cpu``, ``cpu_count``, ``cpu_utilization``, ``ram_gb``,
    ``provider``, ``region``, ``zone``, ``intensity``, ``offset_percent``, ``pue``,
    ``lifetime_years``, ``basis``, ``watts``. Bad input raises :class:`InputError` (a
    ``ValueError``) with the CLI's message.
    """
    return _call(_native.estimate, arguments)


def compare(**arguments: Any) -> Dict[str, Any]:
    """``mlcarbon compare --format json``: the job's arguments plus ``by`` (regions, providers,
    zones, hardware), ``limit`` (15), ``with`` (a list of accelerator names), ``all_zones``."""
    return _call(_native.compare, arguments)


def statement(**arguments: Any) -> Dict[str, Any]:
    """``mlcarbon statement --format json``: the job's arguments plus ``activity``
    ("training"), ``long`` (False: the short paragraph) and ``lang`` ("en" or "de"); the
    citable statement as Markdown, LaTeX and the BibTeX it cites."""
    return _call(_native.statement, arguments)


def plan_search(**arguments: Any) -> Dict[str, Any]:
    """``mlcarbon plan-search --format json`` for one trial given as the job's arguments, plus
    ``grid`` ("lr=5,batch=4") or ``trials``, ``top``, ``probability``, ``halving``, ``eta``,
    ``min_budget``: what a grid search would emit and what random search saves."""
    return _call(_native.plan_search, arguments)


def schedule(**arguments: Any) -> Dict[str, Any]:
    """``mlcarbon schedule --format json``: the job's arguments plus ``within`` (hours from now the
    job must finish in), ``now`` (RFC 3339, else the clock), ``windows``: the cleanest start times."""
    return _call(_native.schedule, arguments)


def advise(**arguments: Any) -> Dict[str, Any]:
    """``mlcarbon advise --format json``: the job's arguments plus ``deadline``, ``now``,
    ``max_slowdown``, ``grid``, ``top``, ``probability``: ranked actions with the kg each saves."""
    return _call(_native.advise, arguments)

