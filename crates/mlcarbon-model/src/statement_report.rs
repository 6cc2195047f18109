//! The citable statement of a request or of a measured run, in its three forms (Markdown,
//! LaTeX, BibTeX), with the embodied sentence: what `mlcarbon statement`, `estimate --format
//! markdown|latex` and `/api/statement` write.

use mlcarbon_data::Dataset;

use crate::estimate::estimate;
use crate::lang::{Msg, text};
use crate::report::request_embodied;
use crate::request::{self, EstimateRequest, RequestError, ResolvedJob};
use crate::statement::{StatementStyle, Statements, statement_input, statements};
use crate::subject::MeasuredRun;

/// The statement of an estimate request; `activity` is what the figure covers ("training").
pub fn request_statements(
    data: &Dataset,
    request: &EstimateRequest,
    activity: &str,
    style: StatementStyle,
) -> Result<Statements, RequestError> {
    let resolved = request::resolve(data, request)?;
    let location = &resolved.location.location;
    let result = estimate(&resolved.job.job, location);
    let mut input = statement_input(data, &resolved.job, location, &result, activity);
    let embodied = request_embodied(data, request, &resolved.job)?;
    input.add_embodied(data, &embodied);
    Ok(statements(&input, style))
}

/// The statement of a measured run: its measured energy at its stored location.
pub fn run_statements(
    data: &Dataset,
    run: &MeasuredRun,
    activity: &str,
    style: StatementStyle,
) -> Result<Statements, RequestError> {
    let (job, location) = run.job_and_location();
    let result = estimate(&job, &location);
    let resolved = ResolvedJob {
        hardware: None,
        count: 0,
        hours: job.hours,
        // The run's id stays in the long form's inputs (the `runs` row of its energy).
        description: if (run.gpu_model.is_none() || run.gpu_count == 0) && run.cpu_model.is_none() {
            text(style.lang, Msg::ThisMachine).to_string()
        } else {
            run.machine()
        },
        job,
    };
    let mut input = statement_input(data, &resolved, &location, &result, activity);
    input.measured = true;
    let embodied = run.embodied(data)?;
    input.add_embodied(data, &embodied);
    Ok(statements(&input, style))
}
