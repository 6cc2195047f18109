//! `mlcarbon`: energy and carbon emissions of machine-learning jobs.

mod cli;
mod commands;
mod inputs;
mod output;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use mlcarbon_data::{Dataset, Table};

use cli::{Cli, Command};

/// A user's folder of tables: each file present replaces the built-in one.
fn load_data_dir(dir: &Path) -> Result<Dataset> {
    if !dir.is_dir() {
        anyhow::bail!(
            "--data-dir {}: not a folder; it should hold CSV tables such as hardware.csv",
            dir.display()
        );
    }
    let mut texts = Vec::new();
    for table in Table::ALL {
        let path = dir.join(table.file_name());
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            texts.push((table, text));
        }
    }
    if texts.is_empty() {
        anyhow::bail!(
            "--data-dir {}: no tables found (expected files such as hardware.csv, zones.csv; see docs/data.md)",
            dir.display()
        );
    }
    let name = format!("mlcarbon+{}", dir.display());
    Dataset::from_texts(&name, |table| {
        texts
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, text)| text.clone())
    })
    .with_context(|| format!("--data-dir {}", dir.display()))
}

fn run(cli: &Cli) -> Result<String> {
    let owned;
    let data: &Dataset = match &cli.data_dir {
        Some(dir) => {
            owned = load_data_dir(dir)?;
            &owned
        }
        None => Dataset::builtin().context("built-in data")?,
    };
    match &cli.command {
        Command::Estimate(args) => commands::estimate::run(data, args),
        Command::Compare(args) => commands::compare::run(data, args),
        Command::Statement(args) => commands::statement::run(data, args),
        Command::Hardware(args) => commands::lists::hardware(data, args),
        Command::Zones(args) => commands::lists::zones(data, args),
        Command::Regions(args) => commands::lists::regions(data, args),
        Command::Sources(args) => commands::lists::sources(data, args),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`mlcarbon zones | head`) is not an error worth reporting.
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
