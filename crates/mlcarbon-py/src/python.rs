//! The `mlcarbon._native` module: JSON strings in and out, the GIL released while Rust computes.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyDict, PyTuple, PyType};

use std::sync::{Arc, Mutex};

use mlcarbon_store::{RunStatus, RunWindow};

use crate::CallError;
use crate::tracking::LiveRun;

create_exception!(
    mlcarbon,
    MlcarbonError,
    PyException,
    "Base of every error mlcarbon raises."
);

/// `InputError(MlcarbonError, ValueError)`, made at import: PyO3's exceptions have one base,
/// and a bad argument is both mlcarbon's error and a `ValueError`.
static INPUT_ERROR: GILOnceCell<Py<PyType>> = GILOnceCell::new();

fn input_error_type(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    INPUT_ERROR
        .get_or_try_init(py, || {
            let bases = PyTuple::new(
                py,
                [
                    py.get_type::<MlcarbonError>().into_any(),
                    py.get_type::<PyValueError>().into_any(),
                ],
            )?;
            let namespace = PyDict::new(py);
            namespace.set_item("__module__", "mlcarbon")?;
            namespace.set_item(
                "__doc__",
                "A bad argument (also a ValueError); the message is the CLI's one line, with its suggestion.",
            )?;
            let made = py
                .import("builtins")?
                .getattr("type")?
                .call1(("InputError", bases, namespace))?;
            Ok::<_, PyErr>(made.downcast_into::<PyType>()?.unbind())
        })
        .map(|t| t.bind(py).clone())
}

fn raise(error: CallError) -> PyErr {
    match error {
        CallError::Input(m) => Python::with_gil(|py| match input_error_type(py) {
            Ok(input) => PyErr::from_type(input, m),
            Err(e) => e,
        }),
        CallError::Internal(m) => MlcarbonError::new_err(m),
    }
}

fn input(message: impl Into<String>) -> PyErr {
    raise(CallError::Input(message.into()))
}

fn call(
    py: Python<'_>,
    args_json: String,
    f: fn(&str) -> Result<String, CallError>,
) -> PyResult<String> {
    py.allow_threads(|| f(&args_json)).map_err(raise)
}

#[pyfunction]
fn estimate(py: Python<'_>, args_json: String) -> PyResult<String> {
    call(py, args_json, crate::estimate_json)
}

#[pyfunction]
fn compare(py: Python<'_>, args_json: String) -> PyResult<String> {
    call(py, args_json, crate::compare_json)
}

#[pyfunction]
fn statement(py: Python<'_>, args_json: String) -> PyResult<String> {
    call(py, args_json, crate::statement_json)
}

#[pyfunction]
fn plan_search(py: Python<'_>, args_json: String) -> PyResult<String> {
    call(py, args_json, crate::plan_search_json)
}

#[pyfunction]
fn schedule(py: Python<'_>, args_json: String) -> PyResult<String> {
    call(py, args_json, crate::schedule_json)
}

#[pyfunction]
fn advise(py: Python<'_>, args_json: String) -> PyResult<String> {
    call(py, args_json, crate::advise_json)
}

fn to_json(value: &impl serde::Serialize) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| MlcarbonError::new_err(e.to_string()))
}

/// A run tracked by a thread of this process (`mlcarbon.track()` wraps it).
#[pyclass(frozen, module = "mlcarbon._native")]
struct NativeRun {
    run: Arc<LiveRun>,
}

/// Starts tracking; the arguments as a JSON object (see `mlcarbon.track`).
#[pyfunction]
fn track_start(py: Python<'_>, args_json: String) -> PyResult<NativeRun> {
    let run = py
        .allow_threads(|| LiveRun::start(&args_json))
        .map_err(raise)?;
    Ok(NativeRun { run: Arc::new(run) })
}

#[pymethods]
impl NativeRun {
    #[getter]
    fn id(&self) -> i64 {
        self.run.started().id
    }

    #[getter]
    fn uuid(&self) -> String {
        self.run.started().uuid.clone()
    }

    /// The start: attribution, placement, hostname and the warnings to say once, as JSON.
    fn started_json(&self) -> PyResult<String> {
        to_json(self.run.started())
    }

    #[getter]
    fn energy_kwh(&self, py: Python<'_>) -> f64 {
        py.allow_threads(|| self.run.figures().0)
    }

    #[getter]
    fn emissions_kg(&self, py: Python<'_>) -> f64 {
        py.allow_threads(|| self.run.figures().1)
    }

    /// A named window of the run, for `with`.
    fn window(&self, name: String) -> PyResult<Window> {
        if name.trim().is_empty() || name.len() > 200 {
            return Err(input("a window's name has 1 to 200 characters"));
        }
        Ok(Window {
            run: Arc::clone(&self.run),
            name,
            state: Mutex::new(WindowState::default()),
        })
    }

    fn windows_json(&self, py: Python<'_>) -> PyResult<String> {
        to_json(&py.allow_threads(|| self.run.windows()))
    }

    fn summary_json(&self, py: Python<'_>) -> PyResult<String> {
        let summary = py.allow_threads(|| self.run.summary()).map_err(raise)?;
        to_json(&summary)
    }

    fn take_warnings(&self, py: Python<'_>) -> Vec<String> {
        py.allow_threads(|| self.run.take_warnings())
    }

    /// Commits the samples taken so far to the store.
    fn commit(&self, py: Python<'_>) {
        py.allow_threads(|| self.run.commit());
    }

    /// Stops the run with `status` (finished, failed, interrupted); idempotent. Returns the
    /// status recorded and the warnings to say.
    #[pyo3(signature = (status, signal=None))]
    fn stop(
        &self,
        py: Python<'_>,
        status: &str,
        signal: Option<i32>,
    ) -> PyResult<(String, Vec<String>)> {
        let status = match status {
            "finished" => RunStatus::Finished,
            "failed" => RunStatus::Failed,
            "interrupted" => RunStatus::Interrupted,
            other => {
                return Err(input(format!(
                    "status `{other}`: finished, failed or interrupted"
                )));
            }
        };
        let (ended, warnings) = py
            .allow_threads(|| self.run.stop(status, signal))
            .map_err(raise)?;
        Ok((ended.as_str().to_string(), warnings))
    }

    /// The run's Hugging Face model card (metadata block and section), as the CLI's
    /// `statement --run RUN --format model-card`.
    #[pyo3(signature = (activity="training".to_string()))]
    fn model_card(&self, py: Python<'_>, activity: String) -> PyResult<String> {
        py.allow_threads(|| self.run.model_card(&activity))
            .map_err(raise)
    }

    /// The stored run as a row of CodeCarbon 3.3.2's `emissions.csv`.
    #[pyo3(signature = (wue=None))]
    fn codecarbon_row(&self, py: Python<'_>, wue: Option<f64>) -> PyResult<Vec<String>> {
        py.allow_threads(|| self.run.codecarbon_row(wue))
            .map_err(raise)
    }
}

#[derive(Default)]
struct WindowState {
    /// The run's key of the window once entered.
    key: Option<u64>,
    done: Option<RunWindow>,
    /// Whether the run's stop closed it (still open then).
    closed_by_stop: bool,
}

/// A named interval of a run: energy and emissions between `__enter__` and `__exit__`.
#[pyclass(frozen, module = "mlcarbon._native")]
struct Window {
    run: Arc<LiveRun>,
    name: String,
    state: Mutex<WindowState>,
}

impl Window {
    fn state(&self) -> std::sync::MutexGuard<'_, WindowState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[pymethods]
impl Window {
    fn __enter__(slf: Py<Self>, py: Python<'_>) -> PyResult<Py<Self>> {
        let this = slf.get();
        if this.state().key.is_some() {
            return Err(input(format!(
                "window `{}` is already open; make a new one with run.window(name)",
                this.name
            )));
        }
        let key = py
            .allow_threads(|| this.run.open_window(&this.name))
            .map_err(raise)?;
        this.state().key = Some(key);
        Ok(slf)
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        let Some(key) = self.state().key else {
            return Err(input(format!("window `{}` was never entered", self.name)));
        };
        if self.state().done.is_some() {
            return Ok(false);
        }
        let (window, closed_by_stop) = py
            .allow_threads(|| self.run.close_window(key))
            .map_err(raise)?;
        let mut state = self.state();
        state.done = Some(window);
        state.closed_by_stop = closed_by_stop;
        // Never swallow the block's exception.
        Ok(false)
    }

    #[getter]
    fn name(&self) -> String {
        self.name.clone()
    }

    /// True when the run stopped while the window was open: it was closed then, at the run's
    /// last sample, and stored with ` [open at stop]` after its name.
    #[getter]
    fn closed_by_stop(&self) -> bool {
        self.state().closed_by_stop
    }

    /// kWh (with PUE) within the window; None until it closes.
    #[getter]
    fn energy_kwh(&self) -> Option<f64> {
        self.state().done.as_ref().map(|w| w.energy_kwh)
    }

    /// kg CO2e within the window; None until it closes.
    #[getter]
    fn emissions_kg(&self) -> Option<f64> {
        self.state().done.as_ref().map(|w| w.emissions_kg)
    }

    /// The closed window as stored (name, times, energy, emissions), as JSON; None while open.
    fn record_json(&self) -> PyResult<Option<String>> {
        self.state().done.as_ref().map(to_json).transpose()
    }
}

#[pyfunction]
fn codecarbon_header() -> Vec<&'static str> {
    mlcarbon_store::export::CODECARBON_HEADER.to_vec()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("MlcarbonError", m.py().get_type::<MlcarbonError>())?;
    m.add("InputError", input_error_type(m.py())?)?;
    m.add_function(wrap_pyfunction!(estimate, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(statement, m)?)?;
    m.add_function(wrap_pyfunction!(plan_search, m)?)?;
    m.add_function(wrap_pyfunction!(schedule, m)?)?;
    m.add_function(wrap_pyfunction!(advise, m)?)?;
    m.add_function(wrap_pyfunction!(track_start, m)?)?;
    m.add_function(wrap_pyfunction!(codecarbon_header, m)?)?;
    m.add_class::<NativeRun>()?;
    m.add_class::<Window>()?;
    Ok(())
}
