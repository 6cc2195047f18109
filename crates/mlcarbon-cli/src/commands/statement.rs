//! `mlcarbon statement`: the citable paragraph.

use anyhow::Result;
use mlcarbon_data::{Dataset, Source};
use mlcarbon_model::statement::{self, StatementInput};
use mlcarbon_model::{Estimate, Location, estimate};

use crate::cli::{Format, StatementArgs, StatementFormat};
use crate::inputs::{ResolvedJob, provenance_of, resolve_job, resolve_location};

pub fn statement_input<'a>(
    data: &'a Dataset,
    job: &ResolvedJob<'_>,
    location: &'a Location,
    result: &'a Estimate,
    activity: &str,
) -> Result<StatementInput<'a>> {
    let provenance = provenance_of(&job.job, location);
    let mut sources: Vec<&Source> = Vec::new();
    for p in &provenance {
        if let Some(source) = p.source.as_deref().and_then(|id| data.source(id))
            && !sources.iter().any(|s| s.id == source.id)
        {
            sources.push(source);
        }
    }
    Ok(StatementInput {
        hardware: job.description.clone(),
        activity: activity.to_string(),
        location,
        estimate: result,
        provenance,
        sources,
        tool_version: env!("CARGO_PKG_VERSION"),
        dataset: &data.name,
        measured: false,
    })
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
    let mut input = statement_input(data, &resolved, &location, &result, &args.activity)?;
    input.measured = true;
    Ok(match args.format {
        StatementFormat::Markdown => statement::markdown(&input),
        StatementFormat::Latex => statement::latex(&input),
        StatementFormat::Bibtex => statement::bibtex(&input),
    })
}

pub fn run(data: &Dataset, args: &StatementArgs) -> Result<String> {
    if let Some(name) = &args.run {
        return of_run(data, args, name);
    }
    let job = resolve_job(data, &args.job)?;
    let location = resolve_location(data, &args.location)?;
    let result = estimate(&job.job, &location.location);
    let input = statement_input(data, &job, &location.location, &result, &args.activity)?;
    Ok(match args.format {
        StatementFormat::Markdown => statement::markdown(&input),
        StatementFormat::Latex => statement::latex(&input),
        StatementFormat::Bibtex => statement::bibtex(&input),
    })
}
