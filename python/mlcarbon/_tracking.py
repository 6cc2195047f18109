"""``mlcarbon.track()``: measure a block, a function or a script from inside Python.

The sampler is Rust, on a thread of its own inside this process: it never takes the GIL, and
every call from Python releases the GIL while Rust works. Runs go to the same SQLite store as
``mlcarbon run`` (``db=``, else ``$MLCARBON_DB``, else ``$XDG_DATA_HOME/mlcarbon/runs.sqlite``),
so ``mlcarbon runs`` and ``mlcarbon show`` list them, with the command ``python <sys.argv...>``.
"""

from __future__ import annotations

import sys
# `typing` (and the `re` it loads) costs more than the rest of the package's import: the
# annotations are strings (PEP 563), so it is needed by type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, List, Optional

from mlcarbon import _native
from mlcarbon._errors import warn_user

# SIGINT, recorded with a run that a KeyboardInterrupt ended.
_SIGINT = 2


def _warn(message: str) -> None:
    warn_user(f"mlcarbon: {message}")


class Run:
    """A run being tracked (what ``with mlcarbon.track(...) as run:`` gives).

    ``energy_kwh`` and ``emissions_kg`` are the run so far (with PUE), as of the last sample or
    window boundary; :meth:`window` measures a named part of the run; :meth:`summary` is the
    stored run as ``mlcarbon show RUN --format json`` prints it, with its windows.
    """

    __slots__ = ("_native", "_status", "attribution", "placement", "hostname")

    def __init__(self, native_run: Any) -> None:
        self._native = native_run
        self._status: Optional[str] = None
        # Imported on first use: `json` pulls in `re`, half of this package's import time.
        import json

        started = json.loads(native_run.started_json())
        #: What the run counts: ``machine``, ``process`` (its share) or ``link`` (nothing:
        #: another tracker on this host measures the machine for the job).
        self.attribution: str = started["attribution"]
        #: The distributed job: ``job_key``, ``rank``, ``local_rank``, ``world_size``.
        self.placement: Dict[str, Any] = started["placement"]
        #: This host's name as the run records it (``$MLCARBON_HOST`` overrides it).
        self.hostname: str = started["hostname"]
        for message in started["warnings"]:
            _warn(message)

    @property
    def id(self) -> int:
        """The run's id in its store (``mlcarbon show ID``)."""
        return self._native.id

    @property
    def uuid(self) -> str:
        """The run's uuid, unique across stores and hosts."""
        return self._native.uuid

    @property
    def energy_kwh(self) -> float:
        """Energy so far, kWh, with PUE."""
        return self._native.energy_kwh

    @property
    def emissions_kg(self) -> float:
        """Emissions so far, kg CO2e."""
        return self._native.emissions_kg

    @property
    def status(self) -> Optional[str]:
        """``None`` while running, then ``finished``, ``failed`` or ``interrupted``."""
        return self._status

    def window(self, name: str) -> Any:
        """A named interval: ``with run.window("epoch 3") as w:``; afterwards ``w.energy_kwh``
        and ``w.emissions_kg`` hold its figures, and the window is stored with the run.

        Each boundary takes a fresh reading of the sensors (not the last periodic sample,
        which can be an interval old), and writes nothing to the database (the sampling thread
        stores finished windows), so entering or leaving costs well under a millisecond.
        """
        return self._native.window(name)

    def windows(self) -> List[Dict[str, Any]]:
        """The closed windows, in order: ``name``, ``started_at``, ``ended_at``,
        ``start_t_s``, ``end_t_s``, ``energy_kwh``, ``emissions_kg``."""
        import json

        return json.loads(self._native.windows_json())

    def summary(self) -> Dict[str, Any]:
        """The run as stored: ``run``, ``components``, ``samples`` (as ``mlcarbon show RUN
        --format json``) and ``windows``. While running, the stored totals are those of the last
        commit (every 5 s); :meth:`flush` commits now."""
        import json

        return json.loads(self._native.summary_json())

    def flush(self) -> None:
        """Writes the samples taken so far to the store."""
        self._native.commit()

    def stop(self, status: str = "finished") -> str:
        """Takes the last sample and records the end (``finished``, ``failed`` or
        ``interrupted``); stopping again changes nothing. Returns the status recorded."""
        return self._stop(status, None)

    def _stop(self, status: str, signal: Optional[int]) -> str:
        recorded, messages = self._native.stop(status, signal)
        if self._status is None:
            for message in messages:
                _warn(message)
        self._status = recorded
        return recorded

    def __repr__(self) -> str:
        return (
            f"<mlcarbon.Run {self.id} {self.status or 'running'}: "
            f"{self.energy_kwh:.6g} kWh, {self.emissions_kg:.6g} kg CO2e>"
        )


class track:
    """Measure a block, a function or a script: a context manager and a decorator.

    ::

        with mlcarbon.track(project="bert", zone="FR") as run:
            with run.window("epoch 1"):
                train_one_epoch()
        print(run.emissions_kg)

        @mlcarbon.track(project="bert", zone="FR")
        def train(): ...

    Location (as ``mlcarbon run``): ``zone``, or ``provider`` and ``region``, or ``intensity``
    (g CO2e/kWh), with ``pue`` and ``basis``; none given: the world average, flagged as
    defaulted. ``interval``: seconds between samples (1). ``db``: the runs database (else
    ``$MLCARBON_DB``, else the CLI's default). ``job``: the distributed job's key (else read
    from Slurm, torchrun or ``MASTER_ADDR``/``MASTER_PORT``). ``attribution``: ``machine``
    (default) or ``process``. Only local rank 0 of a job measures the machine: other local
    ranks record a link to the job, and a second machine-wide tracker on one host counts only
    this process's share; each case is said once as a :class:`MlcarbonWarning`. ``replay``:
    ``"demo"`` or a trace file played back instead of this machine's sensors (tests, demos).
    ``cpu``: the CPU's name in the CPU table, for its TDP, or ``cpu_watts``: its power at full
    load, W (used where the CPU has no RAPL counters).

    Defaults come from the CLI's configuration file (``mlcarbon config set KEY VALUE``:
    ``$MLCARBON_CONFIG``, else ``$XDG_CONFIG_HOME/mlcarbon/config``; ``config=`` names another),
    as ``mlcarbon run`` reads it: an argument, else the environment, else the file, else the
    default. Its ``zone``, ``provider``, ``region`` or ``intensity`` apply when no location
    argument is given; ``pue``, ``project`` and ``interval`` when theirs is not; ``server``
    (else ``$MLCARBON_SERVER``, else config ``server``) pushes the run to a team server with
    ``$MLCARBON_TOKEN``, as ``mlcarbon run --server``.

    A window still open when the run stops (``stop()`` first, or an exception) is closed at the
    run's last sample and stored with `` [open at stop]`` after its name; its
    ``closed_by_stop`` is True.

    An exception leaving the block records the run as failed, ``KeyboardInterrupt`` as
    interrupted; the exception always propagates. Bad arguments raise :class:`InputError`.
    """

    def __init__(
        self,
        project: Any = None,
        *,
        experiment: Optional[str] = None,
        tags: Iterable[str] = (),
        zone: Optional[str] = None,
        provider: Optional[str] = None,
        region: Optional[str] = None,
        intensity: Optional[float] = None,
        pue: Optional[float] = None,
        basis: Optional[str] = None,
        interval: Optional[float] = None,
        db: Optional[str] = None,
        job: Optional[str] = None,
        attribution: str = "machine",
        cpu: Optional[str] = None,
        cpu_watts: Optional[float] = None,
        replay: Optional[str] = None,
        commit_every: Optional[float] = None,
        server: Optional[str] = None,
        config: Optional[str] = None,
    ) -> None:
        # `@mlcarbon.track` without parentheses hands the function over as `project`.
        self._function: Optional[Callable[..., Any]] = None
        if callable(project):
            import functools  # on first use: it loads `collections`

            self._function = project
            project = None
            functools.update_wrapper(self, self._function)
        self._arguments: Dict[str, Any] = {
            "project": project,
            "experiment": experiment,
            "tags": list(tags),
            "zone": zone,
            "provider": provider,
            "region": region,
            "intensity": intensity,
            "pue": pue,
            "basis": basis,
            "interval": interval,
            "db": None if db is None else str(db),
            "job": job,
            "attribution": attribution,
            "cpu": cpu,
            "cpu_watts": cpu_watts,
            "replay": None if replay is None else str(replay),
            "commit_every": commit_every,
            "server": server,
            "config": None if config is None else str(config),
        }
        self._run: Optional[Run] = None

    @property
    def run(self) -> Optional[Run]:
        """The run started last, if any."""
        return self._run

    def start(self) -> Run:
        """Starts a run (``stop()`` ends it); the context manager does both."""
        arguments = dict(self._arguments)
        arguments["command"] = ["python", *sys.argv]
        import json

        self._run = Run(_native.track_start(json.dumps(arguments)))
        return self._run

    def stop(self, status: str = "finished") -> Optional[str]:
        """Stops the run started last; idempotent. Returns the status recorded."""
        return None if self._run is None else self._run.stop(status)

    def __enter__(self) -> Run:
        return self.start()

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> bool:
        if self._run is not None:
            if exc_type is None or (
                issubclass(exc_type, SystemExit) and getattr(exc, "code", None) in (0, None)
            ):
                self._run._stop("finished", None)
            elif issubclass(exc_type, KeyboardInterrupt):
                self._run._stop("interrupted", _SIGINT)
            else:
                self._run._stop("failed", None)
        return False

    def _tracked(self, function: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        # A fresh tracker per call: calls may overlap (threads, recursion).
        fresh = track.__new__(track)
        fresh._function = None
        fresh._arguments = self._arguments
        fresh._run = None
        with fresh:
            return function(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._function is not None:
            return self._tracked(self._function, args, kwargs)
        if len(args) != 1 or kwargs or not callable(args[0]):
            raise TypeError("track(...) decorates one function: @mlcarbon.track(project=...)")
        function = args[0]
        import functools

        @functools.wraps(function)
        def tracked(*inner_args: Any, **inner_kwargs: Any) -> Any:
            return self._tracked(function, inner_args, inner_kwargs)

        return tracked
