"""A drop-in for CodeCarbon's Python API, measured by mlcarbon.

Change one line, ``from codecarbon import EmissionsTracker`` to
``from mlcarbon.codecarbon import EmissionsTracker``, and the rest runs unchanged:
:class:`EmissionsTracker`, :class:`OfflineEmissionsTracker` and :func:`track_emissions` take
CodeCarbon 3.x's constructor arguments, ``start()``, ``stop()`` (kg CO2e), ``flush()``,
``start_task()``/``stop_task()`` and the context manager work as there, ``final_emissions_data``
has CodeCarbon's field names, and ``emissions.csv`` is written in CodeCarbon 3.3.2's 38 columns,
appended as CodeCarbon appends. Each run also lands in mlcarbon's store, so ``mlcarbon runs``
lists it, and tasks are stored as the run's windows.

What differs, said once as an :class:`mlcarbon.MlcarbonWarning`:

- Nothing goes online. Where CodeCarbon's ``EmissionsTracker`` would look the machine's
  location up on the internet (no country or cloud region given), mlcarbon uses its offline
  rule: the world average, recorded as defaulted.
- Arguments mlcarbon cannot honour (``gpu_ids``, ``force_ram_power``, the API, Prometheus and
  logger outputs, ``on_csv_write="update"``, unknown names) are accepted and named in one
  warning; none raises.

Mapped arguments: ``project_name`` (project), ``experiment_id`` (experiment),
``measure_power_secs`` (interval), ``country_iso_code``/``country_2letter_iso_code`` and
``region`` (zone), ``cloud_provider``/``cloud_region`` (provider/region),
``force_carbon_intensity_g_co2e_kwh`` (intensity), ``pue``, ``wue`` (water = energy x WUE, L),
``force_cpu_power`` (the CPU's power at full load, W, for its model when it has no RAPL
counters), ``tracking_mode`` (attribution). ``log_level`` and ``allow_multiple_runs`` are
accepted: mlcarbon logs nothing, and its own rule keeps two trackers on one host from counting
the machine twice.
"""

from __future__ import annotations

import os

# Kept off the import path (loaded where used): `csv`, `platform`, `uuid`, `functools` and
# `typing` together cost several times the rest of the module.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional

from mlcarbon import _native
from mlcarbon._errors import InputError, warn_user
from mlcarbon._tracking import Run, track

__all__ = ["EmissionsTracker", "OfflineEmissionsTracker", "track_emissions", "EmissionsData", "CODECARBON_HEADER"]

#: CodeCarbon 3.3.2's ``emissions.csv`` columns, in order (from the Rust store's exporter).
CODECARBON_HEADER: List[str] = list(_native.codecarbon_header())

# Columns holding numbers (the rest are text), for EmissionsData.
_INTEGER = {"cpu_count", "gpu_count"}
_TEXT = {
    "timestamp",
    "project_name",
    "run_id",
    "experiment_id",
    "country_name",
    "country_iso_code",
    "region",
    "cloud_provider",
    "cloud_region",
    "os",
    "python_version",
    "codecarbon_version",
    "cpu_model",
    "gpu_model",
    "tracking_mode",
    "on_cloud",
}

# CodeCarbon's arguments that mlcarbon honours (besides the location ones).
_MAPPED = {
    "project_name",
    "measure_power_secs",
    "output_dir",
    "output_file",
    "save_to_file",
    "country_iso_code",
    "country_2letter_iso_code",
    "region",
    "cloud_provider",
    "cloud_region",
    "pue",
    "wue",
    "force_cpu_power",
    "force_carbon_intensity_g_co2e_kwh",
    "tracking_mode",
    "experiment_id",
    "log_level",
    "allow_multiple_runs",
    "on_csv_write",
}

_said: set = set()


def _say_once(key: str, message: str) -> None:
    if key not in _said:
        _said.add(key)
        warn_user(f"mlcarbon.codecarbon: {message}")


class EmissionsData:
    """A row of ``emissions.csv`` as CodeCarbon's ``EmissionsData``: one attribute per column
    (numbers as numbers, an unknown figure as None); ``values`` is the row as a dict."""

    def __init__(self, row: Dict[str, Any]) -> None:
        for name in CODECARBON_HEADER:
            setattr(self, name, row.get(name))

    @classmethod
    def _from_csv_row(cls, cells: List[str]) -> "EmissionsData":
        row: Dict[str, Any] = {}
        for name, cell in zip(CODECARBON_HEADER, cells):
            if name in _TEXT:
                row[name] = cell
            elif cell == "":
                row[name] = None
            elif name in _INTEGER:
                row[name] = int(float(cell))
            else:
                row[name] = float(cell)
        return cls(row)

    @property
    def values(self) -> Dict[str, Any]:
        return {name: getattr(self, name) for name in CODECARBON_HEADER}

    def __repr__(self) -> str:
        return f"EmissionsData({self.values!r})"


class _Tracker:
    """What ``EmissionsTracker`` and ``OfflineEmissionsTracker`` share."""

    _online_default = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # CodeCarbon's first two parameters, the only ones passed by position in practice.
        for name, value in zip(("project_name", "measure_power_secs"), args):
            kwargs.setdefault(name, value)
        if len(args) > 2:
            kwargs["positional arguments after measure_power_secs"] = args[2:]
        self._options = kwargs
        unsupported = sorted(
            name
            for name, value in kwargs.items()
            if (name not in _MAPPED and value not in (None, False))
            or (name == "on_csv_write" and value not in (None, "append"))
        )
        if unsupported:
            _say_once(
                "unsupported:" + ",".join(unsupported),
                f"accepted without effect: {', '.join(unsupported)} (mlcarbon measures every GPU, "
                "models RAM from memory in use, writes only emissions.csv and its own store)",
            )
        self._project = kwargs.get("project_name") or "codecarbon"
        self._experiment = kwargs.get("experiment_id")
        self._output_dir = kwargs.get("output_dir") or "."
        self._output_file = kwargs.get("output_file") or "emissions.csv"
        self._save_to_file = kwargs.get("save_to_file", True) not in (False, "false", "False")
        self._wue = _number(kwargs.get("wue"), "wue")
        self._interval = _number(kwargs.get("measure_power_secs"), "measure_power_secs") or 15.0
        mode = kwargs.get("tracking_mode") or "machine"
        if mode not in ("machine", "process"):
            raise InputError(f'tracking_mode `{mode}`: "machine" or "process"')
        self._tracking_mode = mode
        self._location = self._location_arguments(kwargs)
        self._track: Optional[track] = None
        self._run: Optional[Run] = None
        self._task: Optional[Any] = None
        self._task_name: Optional[str] = None
        self._tasks: Dict[str, EmissionsData] = {}
        self.final_emissions_data: Optional[EmissionsData] = None
        self.final_emissions: Optional[float] = None

    def _location_arguments(self, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        intensity = _number(kwargs.get("force_carbon_intensity_g_co2e_kwh"), "force_carbon_intensity_g_co2e_kwh")
        location: Dict[str, Any] = {"pue": _number(kwargs.get("pue"), "pue")}
        if intensity is not None:
            location["intensity"] = intensity
        elif kwargs.get("cloud_provider") and kwargs.get("cloud_region"):
            location["provider"] = kwargs["cloud_provider"]
            location["region"] = kwargs["cloud_region"]
        elif kwargs.get("country_iso_code") or kwargs.get("country_2letter_iso_code"):
            location["zone"] = kwargs.get("country_iso_code") or kwargs.get("country_2letter_iso_code")
            # CodeCarbon's region names a sub-national grid ("quebec", "california").
            if kwargs.get("region"):
                location["_subzone"] = kwargs["region"]
        elif self._online_default:
            _say_once(
                "online",
                "CodeCarbon's EmissionsTracker would look this machine's location up online; mlcarbon "
                "stays offline and uses the world average (recorded as defaulted): pass "
                "country_iso_code= or cloud_provider=/cloud_region= for the grid you run on",
            )
        return location

    @property
    def run(self) -> Optional[Run]:
        """The mlcarbon run behind the tracker (its id, windows, stored summary)."""
        return self._run

    def start(self) -> None:
        """Starts measuring (a second start while running does nothing, as in CodeCarbon)."""
        if self._run is not None and self._run.status is None:
            return
        location = dict(self._location)
        subzone = location.pop("_subzone", None)
        arguments: Dict[str, Any] = {
            "project": self._project,
            "experiment": self._experiment,
            "interval": self._interval,
            "attribution": self._tracking_mode,
            **{k: v for k, v in location.items() if v is not None},
        }
        power = _number(self._options.get("force_cpu_power"), "force_cpu_power")
        if power is not None:
            arguments["cpu_watts"] = power
        if subzone is not None:
            try:
                self._track = track(**{**arguments, "zone": subzone})
                self._run = self._track.start()
                return
            except InputError:
                _say_once(f"region:{subzone}", f"region `{subzone}` is not a grid zone mlcarbon knows; the country's figure is used")
        self._track = track(**arguments)
        self._run = self._track.start()

    def _row(self) -> List[str]:
        assert self._run is not None
        cells = list(self._run._native.codecarbon_row(self._wue))
        import platform

        cells[CODECARBON_HEADER.index("python_version")] = platform.python_version()
        return cells

    def _write(self, cells: List[str]) -> None:
        if not self._save_to_file:
            return
        path = os.path.join(self._output_dir, self._output_file)
        header = ",".join(CODECARBON_HEADER)
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path, newline="") as existing:
                first = existing.readline().rstrip("\r\n")
            if first != header:
                # As CodeCarbon does with a file of another format: kept aside, not mixed.
                os.replace(path, path + ".bak")
                _say_once(f"bak:{path}", f"{path} had other columns; it is now {path}.bak")
        new = not os.path.exists(path) or os.path.getsize(path) == 0
        os.makedirs(self._output_dir, exist_ok=True)
        with open(path, "a", newline="") as out:
            import csv

            writer = csv.writer(out, lineterminator="\n")
            if new:
                writer.writerow(CODECARBON_HEADER)
            writer.writerow(cells)

    def flush(self) -> Optional[float]:
        """Writes the emissions so far as a row of the CSV (and to the store); returns kg."""
        if self._run is None or self._run.status is not None:
            return None
        self._run.flush()
        cells = self._row()
        self._write(cells)
        return EmissionsData._from_csv_row(cells).emissions

    def stop(self) -> Optional[float]:
        """Stops measuring, writes the run's row and returns its emissions, kg CO2e; stopping
        again returns the same figure."""
        if self._run is None:
            _say_once("stop-unstarted", "stop() before start(): nothing was measured")
            return None
        if self._run.status is None:
            if self._task is not None:
                self.stop_task()
            self._run.stop()
            cells = self._row()
            self.final_emissions_data = EmissionsData._from_csv_row(cells)
            self.final_emissions = self.final_emissions_data.emissions
            self._write(cells)
        return self.final_emissions

    def start_task(self, task_name: Optional[str] = None) -> None:
        """Starts a named task (a window of the run); one task at a time, as in CodeCarbon."""
        if self._run is None or self._run.status is not None:
            self.start()
        if self._task is not None:
            self.stop_task()
        import uuid

        name = task_name or str(uuid.uuid4())
        assert self._run is not None
        window = self._run.window(name)
        window.__enter__()
        self._task, self._task_name = window, name

    def stop_task(self, task_name: Optional[str] = None) -> Optional[EmissionsData]:
        """Ends the running task; its EmissionsData has the task's duration, energy and
        emissions (its per-component figures are unknown: None)."""
        if self._task is None or self._run is None:
            return None
        window, name = self._task, self._task_name or ""
        window.__exit__(None, None, None)
        self._task = self._task_name = None
        record = self._run.windows()[-1]
        data = EmissionsData._from_csv_row(self._row())
        duration = record["end_t_s"] - record["start_t_s"]
        data.run_id = name
        data.duration = duration
        data.energy_consumed = record["energy_kwh"]
        data.emissions = record["emissions_kg"]
        data.emissions_rate = record["emissions_kg"] / duration if duration > 0 else 0.0
        data.water_consumed = record["energy_kwh"] * self._wue if self._wue else 0.0
        for name_ in ("cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy", "ram_energy"):
            setattr(data, name_, None)
        self._tasks[name] = data
        return data

    def __enter__(self) -> "_Tracker":
        self.start()
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        self.stop()


def _number(value: Any, name: str) -> Optional[float]:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, not `{value}`") from None


class EmissionsTracker(_Tracker):
    """CodeCarbon's ``EmissionsTracker``, offline: without a country or cloud region it uses
    the world average (CodeCarbon would look the location up online), said once."""

    _online_default = True


class OfflineEmissionsTracker(_Tracker):
    """CodeCarbon's ``OfflineEmissionsTracker``: ``country_iso_code`` (alpha-3, ``"FRA"``),
    optionally ``region``, or ``cloud_provider``/``cloud_region``."""


def track_emissions(fn: Optional[Callable[..., Any]] = None, *, offline: bool = False, **kwargs: Any) -> Any:
    """CodeCarbon's decorator, with or without arguments: each call of the function is a run
    (``offline=True`` for ``OfflineEmissionsTracker``'s arguments)."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        import functools

        @functools.wraps(function)
        def tracked(*args: Any, **inner: Any) -> Any:
            tracker = (OfflineEmissionsTracker if offline else EmissionsTracker)(**kwargs)
            tracker.start()
            try:
                return function(*args, **inner)
            finally:
                tracker.stop()

        return tracked

    if fn is not None and callable(fn):
        return decorate(fn)
    return decorate
