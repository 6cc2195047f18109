//! `mlcarbon`: energy and carbon emissions of machine-learning jobs.

mod child;
mod cli;
mod clock;
mod commands;
mod config;
mod db;
mod env;
mod files;
mod inputs;
mod output;
mod render;
mod settings;
mod team;
mod tracking;

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
            let text = files::read_text(&path, "--data-dir table", files::MAX_INPUT_BYTES)?;
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

/// What a command hands back: text for standard output, or an exit code (`run` passes on the
/// command's).
enum Outcome {
    Text(String),
    Exit(i32),
}

fn load_config() -> Result<config::Config> {
    Ok(config::Config::load_default()?)
}

fn config_command(data: &Dataset, action: &cli::ConfigAction) -> Result<String> {
    let path = env::config_file()
        .ok_or_else(|| anyhow::anyhow!("no config location: set {} or HOME", env::CONFIG))?;
    let mut config = config::Config::load(&path)?;
    Ok(match action {
        cli::ConfigAction::Set { key, value } => {
            config.set(key, value)?;
            settings::check_config(data, &config)?;
            config.save(&path)?;
            format!("{key} = {value} ({})\n", path.display())
        }
        cli::ConfigAction::Get { key } => match config.get(key) {
            Some(value) => format!("{value}\n"),
            None => anyhow::bail!("`{key}` is not set; `mlcarbon config list` shows what is"),
        },
        cli::ConfigAction::Unset { key } => {
            if !config.unset(key) {
                anyhow::bail!("`{key}` is not set");
            }
            config.save(&path)?;
            format!("{key} unset\n")
        }
        cli::ConfigAction::List => config.to_text(),
        cli::ConfigAction::Path => format!("{}\n", path.display()),
    })
}

/// `mlcarbon serve`: the server keeps the dataset for its whole life.
fn serve(cli: &Cli, args: &cli::ServeArgs) -> Result<Outcome> {
    if let Some(admin) = &args.admin {
        return commands::serve_admin::run(admin).map(Outcome::Text);
    }
    let data: &'static Dataset = match &cli.data_dir {
        Some(dir) => Box::leak(Box::new(load_data_dir(dir)?)),
        None => Dataset::builtin().context("built-in data")?,
    };
    let mut options = mlcarbon_web::ServeOptions::new(data);
    options.bind = args.bind;
    // The default database may not exist yet (no run tracked): the calculator still serves,
    // and the dashboard says how to record runs. A database named with --db must exist.
    let path = settings::db_path(args.db.as_deref())?;
    options.token = settings::serve_token(args)?;
    if let Some(url) = path
        .to_str()
        .filter(|p| mlcarbon_store_pg::is_postgres_url(p))
    {
        // A team server's PostgreSQL: connected (and migrated) here, before the server's
        // runtime starts, as its synchronous client runs a runtime of its own.
        let store = mlcarbon_store_pg::PgStore::connect(url)?;
        options.run_store = Some(std::sync::Arc::new(store));
    } else {
        options.db = (args.db.is_some() || std::env::var_os(env::DB).is_some() || path.exists())
            .then_some(path);
    }
    options.public_commands = args.public_commands;
    mlcarbon_web::serve_blocking(options)?;
    Ok(Outcome::Exit(0))
}

fn run(cli: &Cli) -> Result<Outcome> {
    let owned;
    let data: &Dataset = match &cli.data_dir {
        Some(dir) => {
            owned = load_data_dir(dir)?;
            &owned
        }
        None => Dataset::builtin().context("built-in data")?,
    };
    let text = match &cli.command {
        Command::Estimate(args) => commands::estimate::run(data, args),
        Command::Compare(args) => commands::compare::run(data, args),
        Command::Statement(args) => commands::statement::run(data, args),
        Command::Hardware(args) => commands::lists::hardware(data, args),
        Command::Zones(args) => commands::lists::zones(data, args),
        Command::Regions(args) => commands::lists::regions(data, args),
        Command::Sources(args) => commands::lists::sources(data, args),
        Command::Run(args) => {
            return commands::run::run(data, args, &load_config()?).map(Outcome::Exit);
        }
        Command::Monitor(args) => {
            return commands::monitor::monitor(data, args, &load_config()?).map(Outcome::Exit);
        }
        Command::Runs(args) => commands::runs::list(args),
        Command::Show(args) => commands::runs::show(data, args),
        Command::Jobs(args) => commands::runs::jobs(args),
        Command::Export(args) => return export(data, args),
        Command::Config(args) => config_command(data, &args.action),
        Command::Advise(args) => commands::advise::run(data, args),
        Command::PlanSearch(args) => commands::plan_search::run(data, args),
        Command::Schedule(args) => commands::schedule::run(data, args),
        Command::Serve(args) => return serve(cli, args),
        Command::Push(args) => commands::push::run(args, &load_config()?),
        Command::Slurm(command) => commands::slurm::run(data, command),
    }?;
    Ok(Outcome::Text(text))
}

/// `mlcarbon export`: written as it is read, to the file or standard output, so that memory
/// stays constant at any size.
fn export(data: &Dataset, args: &cli::ExportArgs) -> Result<Outcome> {
    if let Some(path) = &args.output {
        let file =
            std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        commands::runs::export(data, args, &mut out)
            .with_context(|| format!("writing {}", path.display()))?;
        out.flush()
            .with_context(|| format!("writing {}", path.display()))?;
        return Ok(Outcome::Text(String::new()));
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match commands::runs::export(data, args, &mut out).and_then(|()| Ok(out.flush()?)) {
        Err(e) if commands::runs::is_closed_pipe(&e) => Ok(Outcome::Text(String::new())),
        Err(e) => Err(e.context("writing standard output")),
        Ok(()) => Ok(Outcome::Text(String::new())),
    }
}

/// `run`'s code for its own failures (bad flags, an unreadable trace, a database it cannot
/// open), distinct from the command's codes, as `env` and container runners do.
const RUN_OWN_ERROR: u8 = 125;
/// Every other command's code for an error: bad input, or output that could not be written.
const ERROR: u8 = 2;

/// Whether the arguments name the `run` command, read leniently so that it is known even when
/// they do not parse.
fn is_run(args: &[std::ffi::OsString]) -> bool {
    use clap::CommandFactory;
    Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(args)
        .is_ok_and(|m| m.subcommand_name() == Some("run"))
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => {
            // Printing help or an error must not panic on a closed stream either.
            let _ = error.print();
            let code = error.exit_code();
            if code != 0 && is_run(&args) {
                return ExitCode::from(RUN_OWN_ERROR);
            }
            return ExitCode::from(u8::try_from(code).unwrap_or(ERROR));
        }
    };
    match run(&cli) {
        Ok(Outcome::Exit(code)) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Ok(Outcome::Text(text)) => match output::to_stdout(&mut std::io::stdout().lock(), &text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                output::stderr_line!("error: writing standard output: {e}");
                ExitCode::from(ERROR)
            }
        },
        Err(error) => {
            output::stderr_line!("error: {error:#}");
            if matches!(cli.command, Command::Run(_)) {
                let start = error
                    .chain()
                    .find_map(|e| e.downcast_ref::<child::StartError>());
                ExitCode::from(start.map_or(RUN_OWN_ERROR, |e| e.exit_code))
            } else {
                ExitCode::from(ERROR)
            }
        }
    }
}
