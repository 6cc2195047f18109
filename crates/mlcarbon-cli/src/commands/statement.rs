//! `mlcarbon statement`: the citable paragraph, of an estimate or of a tracked run
//! (`mlcarbon_model::statement_report`).

use anyhow::Result;
use mlcarbon_data::Dataset;
use mlcarbon_model::statement_report::{request_statements, run_statements};

use crate::cli::{StatementArgs, StatementFormat};
use crate::db::measured_run;
use crate::inputs::{estimate_request, user_error};

pub fn run(data: &Dataset, args: &StatementArgs) -> Result<String> {
    let statements = match &args.run {
        Some(name) => run_statements(
            data,
            &measured_run(name, args.db.as_deref())?,
            &args.activity,
            args.style(),
        ),
        None => request_statements(
            data,
            &estimate_request(&args.job, &args.location),
            &args.activity,
            args.style(),
        ),
    }
    .map_err(user_error)?;
    Ok(match args.format {
        StatementFormat::Markdown => statements.markdown,
        StatementFormat::Latex => statements.latex,
        StatementFormat::Bibtex => statements.bibtex,
        StatementFormat::ModelCard => statements.model_card.text(),
    })
}
