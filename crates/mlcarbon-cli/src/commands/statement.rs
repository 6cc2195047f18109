//! `mlcarbon statement`: the citable paragraph.

use anyhow::{Result, anyhow};
use mlcarbon_data::Dataset;
use mlcarbon_model::estimate;
use mlcarbon_model::report::request_embodied;
use mlcarbon_model::statement::{self, StatementInput, statement_input, with_sentence};

use crate::cli::{Format, StatementArgs, StatementFormat};
use crate::inputs::{ResolvedJob, estimate_request, resolve_job, resolve_location};

pub fn write_statement(input: &StatementInput<'_>, format: Format) -> String {
    match format {
        Format::Latex => statement::latex(input),
        _ => statement::markdown(input),
    }
}

/// The statement of a tracked run: its measured energy at its stored location.
fn of_run(data: &Dataset, args: &StatementArgs, name: &str) -> Result<String> {
    let (store, _) = crate::commands::runs::open_store(args.db.as_deref())?;
    let record = crate::commands::runs::find_run(&store, name)?;
    let (job, location) = crate::commands::runs::run_as_job(&record);
    let result = estimate(&job, &location);
    let resolved = ResolvedJob {
        hardware: None,
        count: 0,
        hours: job.hours,
        description: match (&record.gpu_model, record.gpu_count) {
            (Some(gpu), n) if n > 0 => format!("{n} × {gpu} (measured run {})", record.id),
            _ => format!(
                "{} (measured run {})",
                record.cpu_model.as_deref().unwrap_or("this machine"),
                record.id
            ),
        },
        job,
    };
    let mut input = statement_input(data, &resolved, &location, &result, &args.activity);
    input.measured = true;
    let embodied = crate::commands::runs::run_embodied(data, &record)?;
    let sentence = input.add_embodied(data, &embodied);
    Ok(render(&input, args.format, sentence.as_deref()))
}

fn render(input: &StatementInput<'_>, format: StatementFormat, sentence: Option<&str>) -> String {
    match format {
        StatementFormat::Markdown => with_sentence(statement::markdown(input), sentence, false),
        StatementFormat::Latex => with_sentence(statement::latex(input), sentence, true),
        StatementFormat::Bibtex => statement::bibtex(input),
    }
}

pub fn run(data: &Dataset, args: &StatementArgs) -> Result<String> {
    if let Some(name) = &args.run {
        return of_run(data, args, name);
    }
    let job = resolve_job(data, &args.job)?;
    let location = resolve_location(data, &args.location)?;
    let result = estimate(&job.job, &location.location);
    let mut input = statement_input(data, &job, &location.location, &result, &args.activity);
    let request = estimate_request(&args.job, &args.location);
    let embodied = request_embodied(data, &request, &job).map_err(|e| anyhow!(e.message))?;
    let sentence = input.add_embodied(data, &embodied);
    Ok(render(&input, args.format, sentence.as_deref()))
}
