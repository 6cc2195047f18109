//! Settings resolved once, in one place: a command's flags, then the config file, then the
//! `MLCARBON_*` environment variables (named in [`crate::env`]), then the built-in defaults.
//! Commands ask this module, never each other.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use mlcarbon_data::Dataset;
use mlcarbon_track::push::ServerUrl;

use crate::cli::{self, LocationArgs};
use crate::config::Config;
use crate::inputs::{self, ResolvedLocation};
use crate::{env, files, output};

/// The runs database: `--db`, else `$MLCARBON_DB`, else the XDG data dir.
pub fn db_path(flag: Option<&Path>) -> Result<PathBuf> {
    match flag {
        Some(path) => Ok(path.to_path_buf()),
        None => env::default_db().ok_or_else(|| {
            anyhow!(
                "no place for the runs database: set --db PATH or {} (HOME is not set)",
                env::DB
            )
        }),
    }
}

/// The location of a tracked run: flags, else the configuration file, else the world average
/// (flagged as defaulted).
pub fn tracked_location<'d>(
    data: &'d Dataset,
    flags: &LocationArgs,
    config: &Config,
) -> Result<ResolvedLocation<'d>> {
    let given = flags.provider.is_some()
        || flags.region.is_some()
        || flags.zone.is_some()
        || flags.intensity.is_some();
    let mut args = flags.clone();
    if !given {
        args.provider = config.get("provider").map(str::to_string);
        args.region = config.get("region").map(str::to_string);
        args.zone = config.get("zone").map(str::to_string);
        args.intensity = config.intensity()?;
    }
    if args.pue.is_none() {
        args.pue = config.pue()?;
    }
    let request = mlcarbon_model::request::EstimateRequest {
        provider: args.provider,
        region: args.region,
        zone: args.zone,
        intensity: args.intensity,
        offset_percent: args.offset_percent,
        pue: args.pue,
        basis: args.basis,
        ..Default::default()
    };
    mlcarbon_model::request::tracked_location(data, &request)
        .map_err(inputs::user_error)
        .context("location")
}

/// The sampling interval in seconds: `flag`, else config `interval`, else 1 s; checked (also by
/// `config set`, so that a value every run would refuse is refused when set).
pub fn sampling_interval(flag: Option<f64>, config: &Config) -> Result<f64> {
    let interval = match flag {
        Some(seconds) => seconds,
        None => config.interval()?.unwrap_or(1.0),
    };
    mlcarbon_track::check_periods(interval, mlcarbon_track::DEFAULT_COMMIT_EVERY_S)?;
    Ok(interval)
}

/// The write token of `serve`: --token-file, --token (with a warning: the process list shows it),
/// else MLCARBON_TOKEN; an empty one is refused, as it would let nobody write.
pub fn serve_token(args: &cli::ServeArgs) -> Result<Option<String>> {
    let (token, origin) = if let Some(path) = &args.token_file {
        let text = files::read_text(path, "--token-file", files::MAX_SHORT_BYTES)?;
        let first_line = text.lines().next().unwrap_or_default().trim().to_string();
        (first_line, format!("--token-file {}", path.display()))
    } else if let Some(token) = &args.token {
        output::stderr_line!(
            "mlcarbon: warning: --token on the command line is visible to every user of this machine (`ps`); pass it in {} or --token-file PATH",
            env::TOKEN
        );
        (token.trim().to_string(), "--token".to_string())
    } else {
        match std::env::var(env::TOKEN) {
            Ok(token) => (token.trim().to_string(), env::TOKEN.to_string()),
            Err(std::env::VarError::NotPresent) => return Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                anyhow::bail!("{} is not UTF-8 text; give a plain-text token", env::TOKEN)
            }
        }
    };
    if token.is_empty() {
        anyhow::bail!(
            "the token from {origin} is empty: nobody could write; give a secret (e.g. `head -c 32 /dev/urandom | base64 > token`, then --token-file token) or no token for a read-only server"
        );
    }
    Ok(Some(token))
}

/// A configuration every `run` would accept: its location, PUE and interval resolved as `run`
/// resolves them, with the same messages. A provider alone is a step towards provider and
/// region, so only the provider's name is checked then.
pub fn check_config(data: &Dataset, config: &Config) -> Result<()> {
    match (config.get("provider"), config.get("region")) {
        (Some(provider), None) => {
            data.find_provider(provider)
                .map_err(|e| inputs::lookup_error(e, "regions"))
                .context("location")?;
        }
        _ => {
            tracked_location(data, &cli::LocationArgs::default(), config)?;
        }
    }
    sampling_interval(None, config)?;
    if let Some(server) = config.get("server") {
        ServerUrl::parse(server).context("config `server`")?;
    }
    Ok(())
}

/// The team server runs are pushed to: `flag`, else $MLCARBON_SERVER, else config `server`;
/// none: runs stay local.
pub fn push_server(flag: Option<&str>, config: &Config) -> Result<Option<ServerUrl>> {
    let (text, origin) = match flag {
        Some(text) => (text.to_string(), "--server"),
        None => match std::env::var(env::SERVER) {
            Ok(text) if !text.trim().is_empty() => (text, env::SERVER),
            _ => match config.get("server") {
                Some(text) => (text.to_string(), "config `server`"),
                None => return Ok(None),
            },
        },
    };
    ServerUrl::parse(&text).map(Some).context(origin)
}

/// The token a tracker sends its server: --token-file, else $MLCARBON_TOKEN; none for a server
/// that takes no token (it then refuses writes, which is said when it does).
pub fn push_token(token_file: Option<&Path>) -> Result<Option<String>> {
    if let Some(path) = token_file {
        let text = files::read_text(path, "--token-file", files::MAX_SHORT_BYTES)?;
        let token = text.lines().next().unwrap_or_default().trim().to_string();
        if token.is_empty() {
            anyhow::bail!(
                "--token-file {}: the file is empty; put the server's token on its first line",
                path.display()
            );
        }
        return Ok(Some(token));
    }
    Ok(std::env::var(env::TOKEN)
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty()))
}
