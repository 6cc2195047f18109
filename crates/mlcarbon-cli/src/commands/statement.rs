//! `mlcarbon statement`: the citable paragraph.

use anyhow::Result;
use mlcarbon_data::{Dataset, Source};
use mlcarbon_model::statement::{self, StatementInput};
use mlcarbon_model::{Estimate, Location, estimate};

use crate::cli::{Format, StatementArgs, StatementFormat};
use crate::commands::act::{EmbodiedInput, EmbodiedReport, embodied_report, embodied_sentence};
use crate::inputs::{ResolvedJob, provenance_of, resolve_job, resolve_location};

/// Adds the embodied figures' provenance and sources to a statement; returns its sentence
/// ("Manufacturing the hardware … reported separately …"), none when no figure applies.
pub fn add_embodied<'a>(
    data: &'a Dataset,
    input: &mut StatementInput<'a>,
    embodied: &EmbodiedReport,
) -> Option<String> {
    let sentence = embodied_sentence(embodied)?;
    for part in &embodied.parts {
        input.provenance.push(part.provenance.clone());
        if let Some(source) = part
            .provenance
            .source
            .as_deref()
            .and_then(|id| data.source(id))
            && !input.sources.iter().any(|s| s.id == source.id)
        {
            input.sources.push(source);
        }
    }
    Some(sentence)
}

fn latex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '×' => out.push_str("$\\times$"),
            '–' => out.push_str("--"),
            _ => out.push(c),
        }
    }
    out.replace("CO2e", "CO$_2$e")
}

/// The statement with the embodied sentence at the end of its first paragraph (Markdown) or of
/// its paragraph (LaTeX); BibTeX and statements without one are unchanged.
pub fn with_sentence(text: String, sentence: Option<&str>, latex: bool) -> String {
    let Some(sentence) = sentence else {
        return text;
    };
    if latex {
        let body = text.trim_end_matches('\n');
        return format!("{body} {}\n", latex_escape(sentence));
    }
    match text.split_once("\n\n") {
        Some((first, rest)) => format!("{first} {sentence}\n\n{rest}"),
        None => format!("{} {sentence}\n", text.trim_end_matches('\n')),
    }
}

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
    let mut input = statement_input(data, &job, &location.location, &result, &args.activity)?;
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
