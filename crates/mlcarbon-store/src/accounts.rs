//! Accounts of a team server (schema v10): users, the teams they belong to (a team is a
//! CodeCarbon organisation), tokens per user with a read or write scope, and which team a
//! project belongs to (a project of runs is named by its `project` string, mapped to a team
//! through `codecarbon_projects`, whose names are unique on a server).
//!
//! A token is kept as its public selector (`token_id`) and the SHA-256 of its secret, compared
//! in constant time; a revoked token stays listed with its `revoked_at`.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::{CcProject, Store, StoreError};

/// What a user token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    /// Reading the runs of the user's teams (and of projects of no team).
    Read,
    /// Reading, and writing runs of the token's team's projects.
    Write,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    /// `read` or `write`; anything else is [`StoreError::Invalid`].
    pub fn parse(text: &str) -> Result<TokenScope, StoreError> {
        match text {
            "read" => Ok(TokenScope::Read),
            "write" => Ok(TokenScope::Write),
            other => Err(StoreError::invalid(
                "scope",
                format!("`{other}` is neither `read` nor `write`"),
            )),
        }
    }
}

/// A person (or a robot) who holds tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    /// Unique on the server.
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
}

/// A user token as stored: the secret itself is never kept.
#[derive(Debug, Clone, PartialEq)]
pub struct UserToken {
    /// Selects the row; the public part of the token.
    pub token_id: String,
    pub user_id: String,
    /// The team whose projects the token writes to (and claims new projects for).
    pub team_id: String,
    pub scope: TokenScope,
    /// A label for people (`ci`, `laptop`).
    pub name: String,
    /// SHA-256 of the secret part.
    pub secret_sha256: [u8; 32],
    pub created_at: String,
}

/// Who presents a valid, unrevoked token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenHolder {
    pub token_id: String,
    pub user_id: String,
    pub user: String,
    /// The token's team (id and name).
    pub team_id: String,
    pub team: String,
    pub scope: TokenScope,
    /// Every team the user belongs to (ids, sorted): the runs of their projects are visible.
    pub teams: Vec<String>,
}

/// A token as `serve token list` shows it: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenListing {
    pub token_id: String,
    pub user: String,
    pub team: String,
    pub scope: TokenScope,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Which projects a reader sees: `None` everything (no accounts, or an admin); else the runs of
/// projects of these teams (ids) and of projects of no team.
pub type Visibility = Option<Vec<String>>;

impl Store {
    /// Stores a new user; [`StoreError::Exists`] when the name or id is taken.
    pub fn add_user(&self, user: &User) -> Result<(), StoreError> {
        let inserted = self.conn.execute(
            "INSERT OR IGNORE INTO users (id, name, created_at) VALUES (?1, ?2, ?3)",
            params![user.id, user.name, user.created_at],
        )?;
        if inserted == 0 {
            return Err(StoreError::Exists {
                what: "user",
                name: user.name.clone(),
            });
        }
        Ok(())
    }

    pub fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, name, created_at FROM users WHERE name = ?1",
                [name],
                |row| {
                    Ok(User {
                        id: row.get(0)?,
                        name: row.get(1)?,
                        created_at: row.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Makes the user a member of the team (again, harmlessly); both must exist.
    pub fn add_team_member(&self, team_id: &str, user_id: &str) -> Result<(), StoreError> {
        if self.cc_organization(team_id)?.is_none() {
            return Err(StoreError::Unknown {
                what: "team",
                id: team_id.to_string(),
            });
        }
        let user: bool = self.conn.query_row(
            "SELECT count(*) > 0 FROM users WHERE id = ?1",
            [user_id],
            |row| row.get(0),
        )?;
        if !user {
            return Err(StoreError::Unknown {
                what: "user",
                id: user_id.to_string(),
            });
        }
        self.conn.execute(
            "INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?1, ?2)",
            params![team_id, user_id],
        )?;
        Ok(())
    }

    /// The ids of the teams the user belongs to, sorted.
    pub fn user_team_ids(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT team_id FROM team_members WHERE user_id = ?1 ORDER BY team_id")?;
        let rows = statement.query_map([user_id], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a user token; its user must belong to its team.
    pub fn add_user_token(&self, token: &UserToken) -> Result<(), StoreError> {
        let member: bool = self.conn.query_row(
            "SELECT count(*) > 0 FROM team_members WHERE team_id = ?1 AND user_id = ?2",
            params![token.team_id, token.user_id],
            |row| row.get(0),
        )?;
        if !member {
            return Err(StoreError::Unknown {
                what: "team member",
                id: format!("{} in {}", token.user_id, token.team_id),
            });
        }
        let inserted = self.conn.execute(
            "INSERT OR IGNORE INTO user_tokens
                 (token_id, user_id, team_id, scope, name, secret_sha256, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                token.token_id,
                token.user_id,
                token.team_id,
                token.scope.as_str(),
                token.name,
                &token.secret_sha256[..],
                token.created_at
            ],
        )?;
        if inserted == 0 {
            return Err(StoreError::Exists {
                what: "token",
                name: token.token_id.clone(),
            });
        }
        Ok(())
    }

    /// The holder of the unrevoked token with this id whose stored hash equals
    /// `secret_sha256` (compared in constant time); none for an unknown id, a wrong secret or
    /// a revoked token.
    pub fn user_token(
        &self,
        token_id: &str,
        secret_sha256: &[u8; 32],
    ) -> Result<Option<TokenHolder>, StoreError> {
        let found = self
            .conn
            .query_row(
                "SELECT t.secret_sha256, t.user_id, u.name, t.team_id, o.name, t.scope
                 FROM user_tokens t
                 JOIN users u ON u.id = t.user_id
                 JOIN codecarbon_organizations o ON o.id = t.team_id
                 WHERE t.token_id = ?1 AND t.revoked_at IS NULL",
                [token_id],
                |row| {
                    Ok((
                        row.get::<_, Vec<u8>>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, String>(5)?,
                    ))
                },
            )
            .optional()?;
        let Some((stored, user_id, user, team_id, team, scope)) = found else {
            return Ok(None);
        };
        if !bool::from(stored.as_slice().ct_eq(&secret_sha256[..])) {
            return Ok(None);
        }
        let teams = self.user_team_ids(&user_id)?;
        Ok(Some(TokenHolder {
            token_id: token_id.to_string(),
            user_id,
            user,
            team_id,
            team,
            scope: TokenScope::parse(&scope)?,
            teams,
        }))
    }

    /// Revokes a token: `true` when it was live, `false` when it was revoked before;
    /// [`StoreError::Unknown`] for an id never issued.
    pub fn revoke_user_token(&self, token_id: &str, now: &str) -> Result<bool, StoreError> {
        let revoked = self.conn.execute(
            "UPDATE user_tokens SET revoked_at = ?2 WHERE token_id = ?1 AND revoked_at IS NULL",
            params![token_id, now],
        )?;
        if revoked > 0 {
            return Ok(true);
        }
        let exists: bool = self.conn.query_row(
            "SELECT count(*) > 0 FROM user_tokens WHERE token_id = ?1",
            [token_id],
            |row| row.get(0),
        )?;
        if exists {
            Ok(false)
        } else {
            Err(StoreError::Unknown {
                what: "token",
                id: token_id.to_string(),
            })
        }
    }

    /// Every token ever issued, oldest first, without secrets.
    pub fn user_tokens(&self) -> Result<Vec<TokenListing>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT t.token_id, u.name, o.name, t.scope, t.name, t.created_at, t.revoked_at
             FROM user_tokens t
             JOIN users u ON u.id = t.user_id
             JOIN codecarbon_organizations o ON o.id = t.team_id
             ORDER BY t.created_at, t.token_id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, Option<String>>(6)?,
            ))
        })?;
        let mut listed = Vec::new();
        for row in rows {
            let (token_id, user, team, scope, name, created_at, revoked_at) = row?;
            listed.push(TokenListing {
                token_id,
                user,
                team,
                scope: TokenScope::parse(&scope)?,
                name,
                created_at,
                revoked_at,
            });
        }
        Ok(listed)
    }

    /// Whether any user token was ever issued (revoked ones count: revoking the last token
    /// must not open the server to everyone). A file from before accounts, opened read-only
    /// and so not migrated, has none.
    pub fn has_user_tokens(&self) -> Result<bool, StoreError> {
        let has_table: bool = self.conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'user_tokens'",
            [],
            |row| row.get(0),
        )?;
        if !has_table {
            return Ok(false);
        }
        Ok(self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM user_tokens)", [], |row| {
                row.get(0)
            })?)
    }

    /// The team (id) that the project of this name belongs to, if any.
    pub fn project_team(&self, project: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT organization_id FROM codecarbon_projects WHERE name = ?1",
                [project],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Every project that belongs to a team, as (project name, team id), by name.
    pub fn project_teams(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT name, organization_id FROM codecarbon_projects ORDER BY name")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Gives the project named `project.name` to the team `project.organization_id`: stored
    /// as `project` when new, else moved. Returns the team it belonged to before.
    pub fn assign_project(&self, project: &CcProject) -> Result<Option<String>, StoreError> {
        if self.cc_organization(&project.organization_id)?.is_none() {
            return Err(StoreError::Unknown {
                what: "team",
                id: project.organization_id.clone(),
            });
        }
        let before = self.project_team(&project.name)?;
        if before.is_some() {
            self.conn.execute(
                "UPDATE codecarbon_projects SET organization_id = ?2 WHERE name = ?1",
                params![project.name, project.organization_id],
            )?;
        } else {
            self.add_cc_project(project)?;
        }
        Ok(before)
    }

    /// Claims a project for a writer's team on its first write: stored as `project` when no
    /// project of that name exists and no run has it yet (runs written before accounts stay
    /// in a project of no team). Returns the team the project belongs to afterwards.
    pub fn claim_project(&self, project: &CcProject) -> Result<Option<String>, StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO codecarbon_projects
                 (id, organization_id, name, description, created_at)
             SELECT ?1, ?2, ?3, ?4, ?5
             WHERE EXISTS (SELECT 1 FROM codecarbon_organizations WHERE id = ?2)
               AND NOT EXISTS (SELECT 1 FROM runs WHERE project = ?3)",
            params![
                project.id,
                project.organization_id,
                project.name,
                project.description,
                project.created_at
            ],
        )?;
        self.project_team(&project.name)
    }
}
