from typing import Any, Callable, Dict, List, Optional, TypeVar, Union, overload

from mlcarbon import Run

_F = TypeVar("_F", bound=Callable[..., Any])

CODECARBON_HEADER: List[str]

class EmissionsData:
    """A row of ``emissions.csv``: one attribute per CodeCarbon 3.3.2 column."""

    timestamp: str
    project_name: str
    run_id: str
    experiment_id: str
    duration: Optional[float]
    emissions: Optional[float]
    emissions_rate: Optional[float]
    cpu_power: Optional[float]
    gpu_power: Optional[float]
    ram_power: Optional[float]
    cpu_energy: Optional[float]
    gpu_energy: Optional[float]
    ram_energy: Optional[float]
    energy_consumed: Optional[float]
    water_consumed: Optional[float]
    country_name: str
    country_iso_code: str
    region: str
    cloud_provider: str
    cloud_region: str
    os: str
    python_version: str
    codecarbon_version: str
    cpu_count: Optional[int]
    cpu_model: str
    gpu_count: Optional[int]
    gpu_model: str
    longitude: Optional[float]
    latitude: Optional[float]
    ram_total_size: Optional[float]
    tracking_mode: str
    cpu_utilization_percent: Optional[float]
    gpu_utilization_percent: Optional[float]
    ram_utilization_percent: Optional[float]
    ram_used_gb: Optional[float]
    on_cloud: str
    pue: Optional[float]
    wue: Optional[float]
    def __init__(self, row: Dict[str, Any]) -> None: ...
    @property
    def values(self) -> Dict[str, Any]: ...

class _Tracker:
    final_emissions_data: Optional[EmissionsData]
    final_emissions: Optional[float]
    def __init__(
        self,
        project_name: Optional[str] = ...,
        measure_power_secs: Optional[float] = ...,
        *,
        output_dir: Optional[str] = ...,
        output_file: Optional[str] = ...,
        save_to_file: Optional[bool] = ...,
        country_iso_code: Optional[str] = ...,
        country_2letter_iso_code: Optional[str] = ...,
        region: Optional[str] = ...,
        cloud_provider: Optional[str] = ...,
        cloud_region: Optional[str] = ...,
        pue: Optional[float] = ...,
        wue: Optional[float] = ...,
        force_cpu_power: Optional[float] = ...,
        force_ram_power: Optional[float] = ...,
        force_carbon_intensity_g_co2e_kwh: Optional[float] = ...,
        gpu_ids: Optional[Union[List[int], str]] = ...,
        tracking_mode: Optional[str] = ...,
        log_level: Optional[Union[int, str]] = ...,
        allow_multiple_runs: Optional[bool] = ...,
        experiment_id: Optional[str] = ...,
        on_csv_write: Optional[str] = ...,
        **other: Any,
    ) -> None: ...
    @property
    def run(self) -> Optional[Run]: ...
    def start(self) -> None: ...
    def stop(self) -> Optional[float]: ...
    def flush(self) -> Optional[float]: ...
    def start_task(self, task_name: Optional[str] = ...) -> None: ...
    def stop_task(self, task_name: Optional[str] = ...) -> Optional[EmissionsData]: ...
    def __enter__(self) -> "_Tracker": ...
    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None: ...

class EmissionsTracker(_Tracker): ...
class OfflineEmissionsTracker(_Tracker): ...

@overload
def track_emissions(fn: _F) -> _F: ...
@overload
def track_emissions(fn: None = ..., *, offline: bool = ..., **kwargs: Any) -> Callable[[_F], _F]: ...
