from typing import Any, Callable, Dict, Iterable, List, Literal, Optional, TypeVar, Union, overload

from mlcarbon._native import Window as Window

_F = TypeVar("_F", bound=Callable[..., Any])

class MlcarbonError(Exception):
    """Base of every error mlcarbon raises."""

class InputError(MlcarbonError, ValueError):
    """A bad argument; the message is the CLI's one line, with its suggestion."""

class MlcarbonWarning(UserWarning):
    """Something the user should hear once: a fallback, a defaulted figure, a downgraded run."""

class Run:
    """A run being tracked: live figures, windows, the stored summary."""

    attribution: Literal["machine", "process", "link"]
    placement: Dict[str, Any]
    hostname: str
    @property
    def id(self) -> int: ...
    @property
    def uuid(self) -> str: ...
    @property
    def energy_kwh(self) -> float:
        """Energy so far, kWh, with PUE (as of the last sample or window boundary)."""
    @property
    def emissions_kg(self) -> float:
        """Emissions so far, kg CO2e."""
    @property
    def status(self) -> Optional[Literal["finished", "failed", "interrupted"]]: ...
    def window(self, name: str) -> Window:
        """A named interval for ``with``: its energy and emissions, stored with the run."""
    def windows(self) -> List[Dict[str, Any]]: ...
    def summary(self) -> Dict[str, Any]:
        """``run``, ``components``, ``samples`` (as ``mlcarbon show --format json``) and ``windows``."""
    def flush(self) -> None: ...
    def stop(self, status: Literal["finished", "failed", "interrupted"] = ...) -> str: ...

class track:
    """Measure a block (``with``), a function (decorator) or a script into the CLI's run store."""

    @overload
    def __init__(self, project: _F) -> None: ...
    @overload
    def __init__(
        self,
        project: Optional[str] = ...,
        *,
        experiment: Optional[str] = ...,
        tags: Iterable[str] = ...,
        zone: Optional[str] = ...,
        provider: Optional[str] = ...,
        region: Optional[str] = ...,
        intensity: Optional[float] = ...,
        pue: Optional[float] = ...,
        basis: Optional[Literal["lifecycle", "direct"]] = ...,
        interval: Optional[float] = ...,
        db: Optional[str] = ...,
        job: Optional[str] = ...,
        attribution: Literal["machine", "process"] = ...,
        cpu: Optional[str] = ...,
        cpu_watts: Optional[float] = ...,
        replay: Optional[str] = ...,
        commit_every: Optional[float] = ...,
        server: Optional[str] = ...,
        config: Optional[str] = ...,
    ) -> None: ...
    @property
    def run(self) -> Optional[Run]: ...
    def start(self) -> Run: ...
    def stop(self, status: Literal["finished", "failed", "interrupted"] = ...) -> Optional[str]: ...
    def __enter__(self) -> Run: ...
    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> bool: ...
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...

def estimate(
    *,
    hardware: Optional[str] = ...,
    count: Optional[int] = ...,
    hours: Optional[float] = ...,
    energy_kwh: Optional[float] = ...,
    utilization: Optional[float] = ...,
    cpu: Optional[str] = ...,
    cpu_count: Optional[int] = ...,
    cpu_utilization: Optional[float] = ...,
    ram_gb: Optional[float] = ...,
    provider: Optional[str] = ...,
    region: Optional[str] = ...,
    zone: Optional[str] = ...,
    intensity: Optional[float] = ...,
    offset_percent: Optional[float] = ...,
    pue: Optional[float] = ...,
    lifetime_years: Optional[float] = ...,
    basis: Optional[Literal["lifecycle", "direct"]] = ...,
    watts: Optional[float] = ...,
) -> Dict[str, Any]: ...
def compare(
    *,
    by: Optional[Literal["regions", "providers", "zones", "hardware"]] = ...,
    limit: int = ...,
    all_zones: bool = ...,
    **job: Any,
) -> Dict[str, Any]: ...
def statement(*, activity: str = ..., long: bool = ..., lang: str = ..., **job: Any) -> Dict[str, Any]: ...
def plan_search(
    *,
    grid: Optional[str] = ...,
    trials: Optional[int] = ...,
    top: Optional[float] = ...,
    probability: Optional[float] = ...,
    halving: bool = ...,
    eta: Optional[float] = ...,
    min_budget: Optional[float] = ...,
    **job: Any,
) -> Dict[str, Any]: ...
def schedule(
    *, within: Optional[float] = ..., now: Optional[str] = ..., windows: Optional[int] = ..., **job: Any
) -> Dict[str, Any]: ...
def advise(
    *,
    deadline: Optional[float] = ...,
    now: Optional[str] = ...,
    max_slowdown: Optional[float] = ...,
    grid: Optional[str] = ...,
    top: Optional[float] = ...,
    probability: Optional[float] = ...,
    **job: Any,
) -> Dict[str, Any]: ...
