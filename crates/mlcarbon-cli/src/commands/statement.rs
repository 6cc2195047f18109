//! `mlcarbon statement`: the citable paragraph.

use anyhow::Result;
use mlcarbon_data::Dataset;
use mlcarbon_model::estimate;
use mlcarbon_model::statement::{self, StatementInput};

use crate::cli::{Format, StatementArgs, StatementFormat};
use crate::commands::act::{EmbodiedInput, EmbodiedReport, embodied_report};
use crate::inputs::{ResolvedJob, resolve_job, resolve_location};

pub use mlcarbon_model::statement::{statement_input, with_sentence};

/// Cites the embodied figures in a statement and returns its sentence about them.
pub fn add_embodied<'a>(
    data: &'a Dataset,
    input: &mut StatementInput<'a>,
    embodied: &EmbodiedReport,
) -> Option<String> {
    input.add_embodied(data, embodied)
}

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
    let sentence = add_embodied(data, &mut input, &embodied);
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
    let embodied = embodied_report(
        data,
        &EmbodiedInput {
            devices: job.hardware.map(|h| (h, job.count)),
            host: crate::commands::estimate::host_spec(&args.job),
            run_hours: job.hours.0,
            lifetime_years: None,
        },
    )?;
    let sentence = add_embodied(data, &mut input, &embodied);
    Ok(render(&input, args.format, sentence.as_deref()))
}
