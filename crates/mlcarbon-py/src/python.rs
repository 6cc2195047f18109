//! The `mlcarbon._native` module: JSON strings in and out, the GIL released while Rust computes.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;

use crate::CallError;

create_exception!(
    _native,
    MlcarbonError,
    PyException,
    "Base of mlcarbon's errors."
);
create_exception!(
    _native,
    InputError,
    PyValueError,
    "A bad argument (also a ValueError); the message is the CLI's."
);

fn raise(error: CallError) -> PyErr {
    match error {
        CallError::Input(m) => InputError::new_err(m),
        CallError::Internal(m) => MlcarbonError::new_err(m),
    }
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

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("MlcarbonError", m.py().get_type::<MlcarbonError>())?;
    m.add("InputError", m.py().get_type::<InputError>())?;
    m.add_function(wrap_pyfunction!(estimate, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(statement, m)?)?;
    m.add_function(wrap_pyfunction!(plan_search, m)?)?;
    m.add_function(wrap_pyfunction!(schedule, m)?)?;
    m.add_function(wrap_pyfunction!(advise, m)?)?;
    Ok(())
}
