from typing import Any, Dict, List, Literal, Optional

class MlcarbonError(Exception): ...
class InputError(MlcarbonError, ValueError): ...

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
