//! `mlcarbon serve token|project ...`: a team server's accounts, written straight into its
//! database (SQLite or PostgreSQL, as `serve --db` names it); a running server sees a new
//! token within a second.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use mlcarbon_store::{RunStore, SqliteRunStore, Store, StoreError, TokenScope};
use mlcarbon_web::accounts::{self, AccountError};

use crate::cli::{AdminDb, ProjectAction, ServeAdmin, TokenAction};
use crate::output::stderr_line;

/// Runs the account command; the text for standard output.
pub fn run(admin: &ServeAdmin) -> Result<String> {
    match admin {
        ServeAdmin::Token(TokenAction::Create {
            user,
            team,
            scope,
            name,
            db,
        }) => {
            let store = open(db)?;
            let scope = TokenScope::parse(scope)?;
            let issued = accounts::issue_user_token(store.as_ref(), user, team, scope, name)
                .map_err(explain)?;
            stderr_line!(
                "token {} for user `{}`{} in team `{}`{}, scope {}: stored hashed; cannot be shown again",
                issued.token_id,
                issued.user,
                if issued.created_user { " (new)" } else { "" },
                issued.team,
                if issued.created_team { " (new)" } else { "" },
                issued.scope.as_str()
            );
            Ok(format!("{}\n", issued.token))
        }
        ServeAdmin::Token(TokenAction::List { db }) => {
            let tokens = open(db)?.user_tokens()?;
            if tokens.is_empty() {
                return Ok(
                    "no tokens: accounts are off (create one with `mlcarbon serve token create --user NAME --team TEAM`)\n"
                        .to_string(),
                );
            }
            let mut out = format!(
                "{:<16}  {:<16}  {:<16}  {:<5}  {:<12}  {:<25}  {}\n",
                "ID", "USER", "TEAM", "SCOPE", "LABEL", "CREATED", "REVOKED"
            );
            for t in tokens {
                out.push_str(&format!(
                    "{:<16}  {:<16}  {:<16}  {:<5}  {:<12}  {:<25}  {}\n",
                    t.token_id,
                    t.user,
                    t.team,
                    t.scope.as_str(),
                    t.name,
                    t.created_at,
                    t.revoked_at.as_deref().unwrap_or("-")
                ));
            }
            Ok(out)
        }
        ServeAdmin::Token(TokenAction::Revoke { id, db }) => {
            let store = open(db)?;
            let now = mlcarbon_time::now_rfc3339();
            match store.revoke_user_token(id.trim(), &now) {
                Ok(true) => Ok(format!("token {} revoked\n", id.trim())),
                Ok(false) => Ok(format!("token {} was already revoked\n", id.trim())),
                Err(StoreError::Unknown { .. }) => Err(anyhow!(
                    "no token with id `{}`; `mlcarbon serve token list` shows the ids",
                    id.trim()
                )),
                Err(e) => Err(e.into()),
            }
        }
        ServeAdmin::Project(ProjectAction::Assign { project, team, db }) => {
            let store = open(db)?;
            let assigned =
                accounts::assign_project(store.as_ref(), project, team).map_err(explain)?;
            let before = match (&assigned.previous_team, assigned.created_team) {
                (Some(previous), _) => format!(" (moved from team `{previous}`)"),
                (None, true) => " (new team)".to_string(),
                (None, false) => String::new(),
            };
            Ok(format!(
                "project `{}` belongs to team `{}`{before}\n",
                project.trim(),
                team.trim()
            ))
        }
        ServeAdmin::Project(ProjectAction::List { db }) => {
            let store = open(db)?;
            let teams = store.cc_organizations()?;
            let assigned = store.project_teams()?;
            if assigned.is_empty() {
                return Ok(
                    "no project belongs to a team: every token holder sees every run\n".to_string(),
                );
            }
            let mut out = format!("{:<24}  {}\n", "PROJECT", "TEAM");
            for (project, team_id) in assigned {
                let team = teams
                    .iter()
                    .find(|t| t.id == team_id)
                    .map_or(team_id.as_str(), |t| t.name.as_str());
                out.push_str(&format!("{project:<24}  {team}\n"));
            }
            Ok(out)
        }
    }
}

/// One line for an account error, with what to do.
fn explain(error: AccountError) -> anyhow::Error {
    match error {
        AccountError::Store(StoreError::Exists { what, name }) => anyhow!(
            "{what} `{name}` already exists (a project name belongs to one team on a server)"
        ),
        other => other.into(),
    }
}

/// The server's database, as `serve` resolves `--db`/`MLCARBON_DB`: created (and migrated)
/// when it is a SQLite file not there yet.
fn open(db: &AdminDb) -> Result<Arc<dyn RunStore>> {
    let path = crate::settings::db_path(db.db.as_deref())?;
    if let Some(url) = path
        .to_str()
        .filter(|p| mlcarbon_store_pg::is_postgres_url(p))
    {
        return Ok(Arc::new(mlcarbon_store_pg::PgStore::connect(url)?));
    }
    let store = Store::open(&path).with_context(|| format!("runs database {}", path.display()))?;
    Ok(Arc::new(SqliteRunStore::new(store, Some(path))))
}
