//! Where `runs`, `show` and `jobs` read: the local database, or a team server named with
//! `--server` (never by $MLCARBON_SERVER or config `server` alone: those say where trackers
//! push, and a read that silently went elsewhere would show other figures than the user expects).
//! The server's errors become one line that says what to do.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use mlcarbon_store::Store;
use mlcarbon_track::push::ServerUrl;
use mlcarbon_track::remote::{ReadError, TeamReader};

use crate::cli::TeamReadArgs;
use crate::db::open_store;
use crate::output::printable;
use crate::settings::push_token;

/// The runs a read command reads.
pub enum Source {
    Local(Store),
    Team(Team),
}

/// A team server to read, and where its token came from (for the message when it refuses it).
pub struct Team {
    pub reader: TeamReader,
    token_origin: Option<String>,
}

/// The local database (`--db`, $MLCARBON_DB, the default), or the server of `--server`.
pub fn source(db: Option<&Path>, team: &TeamReadArgs) -> Result<Source> {
    let Some(text) = &team.server else {
        return Ok(Source::Local(open_store(db)?.0));
    };
    let server = ServerUrl::parse(text).context("--server")?;
    let token = push_token(team.token_file.as_deref())?;
    let token_origin = token.as_ref().map(|_| match &team.token_file {
        Some(path) => format!("--token-file {}", path.display()),
        None => crate::env::TOKEN.to_string(),
    });
    Ok(Source::Team(Team {
        reader: TeamReader::new(server, token),
        token_origin,
    }))
}

/// What was asked for, for the message when the server does not have it.
pub enum Asked<'a> {
    Job(&'a str),
    Run,
    /// A list (of runs or jobs): nothing in particular can be missing.
    List,
}

impl Team {
    pub fn server(&self) -> &ServerUrl {
        self.reader.server()
    }

    /// `error` as one line with the fix.
    pub fn explain(&self, error: ReadError, asked: Asked<'_>) -> anyhow::Error {
        let server = self.server();
        match (error, asked) {
            (e @ ReadError::Unreachable { .. }, _) => anyhow!(
                "{e}; check the address and that `mlcarbon serve` runs there (reach a remote one through `ssh -L` or a TLS proxy)"
            ),
            (e @ ReadError::Denied { .. }, _) => match &self.token_origin {
                Some(origin) => anyhow!(
                    "{e}; it does not accept the token from {origin} for reading: give one it does (the server's token, or a user token with read scope) in {} or --token-file PATH",
                    crate::env::TOKEN
                ),
                None => anyhow!(
                    "{e}; it wants a token to read: put the server's token (or a user token with read scope) in {} or in a file given with --token-file PATH",
                    crate::env::TOKEN
                ),
            },
            // `key`: the server has its database but not this job (not a server without one).
            (
                ReadError::NotFound {
                    field: Some(field), ..
                },
                Asked::Job(key),
            ) if field == "key" => {
                anyhow!(
                    "no job `{}` on the team server {server}; `mlcarbon jobs --server {server}` lists its jobs",
                    printable(key)
                )
            }
            (e @ ReadError::NotFound { .. }, Asked::Run) => {
                anyhow!("{e}; `mlcarbon runs --server {server}` lists its runs")
            }
            (e, _) => anyhow!("{e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(token_origin: Option<&str>) -> Team {
        let server = ServerUrl::parse("http://team:8080").expect("url");
        Team {
            reader: TeamReader::new(server, token_origin.map(|_| "t".to_string())),
            token_origin: token_origin.map(str::to_string),
        }
    }

    fn denied(status: u16) -> ReadError {
        ReadError::Denied {
            server: "http://team:8080".into(),
            status,
            message: "missing or wrong bearer token".into(),
        }
    }

    #[test]
    fn a_refused_token_says_which_one_to_give() {
        let sent = team(Some("--token-file /etc/t")).explain(denied(401), Asked::List);
        let text = sent.to_string();
        assert!(
            text.contains("(401)") && text.contains("the token from --token-file /etc/t"),
            "{text}"
        );
        let none = team(None).explain(denied(403), Asked::List).to_string();
        assert!(
            none.contains("wants a token") && none.contains("MLCARBON_TOKEN"),
            "{none}"
        );
        assert!(!none.contains('\n') && !text.contains('\n'));
    }

    #[test]
    fn an_unknown_job_points_at_the_servers_list() {
        let missing = ReadError::NotFound {
            server: "http://team:8080".into(),
            field: Some("key".into()),
            message: "no job `x`".into(),
        };
        let text = team(None).explain(missing, Asked::Job("x")).to_string();
        assert_eq!(
            text,
            "no job `x` on the team server http://team:8080; `mlcarbon jobs --server http://team:8080` lists its jobs"
        );
        // A server without a database is not "no such job".
        let no_db = ReadError::NotFound {
            server: "http://team:8080".into(),
            field: None,
            message: "this server has no run database: start it with --db PATH".into(),
        };
        let text = team(None).explain(no_db, Asked::Job("x")).to_string();
        assert!(text.contains("no run database"), "{text}");
    }
}
