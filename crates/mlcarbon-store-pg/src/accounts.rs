//! Accounts on PostgreSQL: the SQLite store's methods (`mlcarbon_store::Store::add_user` and
//! the rest of its `accounts` module) with the same checks, errors and meaning.

use mlcarbon_store::{
    CcProject, StoreError, TokenHolder, TokenListing, TokenScope, User, UserToken,
};
use subtle::ConstantTimeEq;

use crate::{PgError, PgStore};

fn scope(text: &str) -> Result<TokenScope, PgError> {
    Ok(TokenScope::parse(text)?)
}

impl PgStore {
    pub(crate) fn add_user_pg(&self, user: &User) -> Result<(), PgError> {
        let inserted = self.client()?.execute(
            "INSERT INTO users (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&user.id, &user.name, &user.created_at],
        )?;
        if inserted == 0 {
            return Err(StoreError::Exists {
                what: "user",
                name: user.name.clone(),
            }
            .into());
        }
        Ok(())
    }

    pub(crate) fn user_by_name_pg(&self, name: &str) -> Result<Option<User>, PgError> {
        let row = self.client()?.query_opt(
            "SELECT id, name, created_at FROM users WHERE name = $1",
            &[&name],
        )?;
        Ok(row.map(|row| User {
            id: row.get(0),
            name: row.get(1),
            created_at: row.get(2),
        }))
    }

    pub(crate) fn add_team_member_pg(&self, team_id: &str, user_id: &str) -> Result<(), PgError> {
        if self.cc_organization_pg(team_id)?.is_none() {
            return Err(StoreError::Unknown {
                what: "team",
                id: team_id.to_string(),
            }
            .into());
        }
        let mut client = self.client()?;
        let user: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)",
                &[&user_id],
            )?
            .get(0);
        if !user {
            return Err(StoreError::Unknown {
                what: "user",
                id: user_id.to_string(),
            }
            .into());
        }
        client.execute(
            "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&team_id, &user_id],
        )?;
        Ok(())
    }

    pub(crate) fn user_team_ids_pg(&self, user_id: &str) -> Result<Vec<String>, PgError> {
        let rows = self.client()?.query(
            "SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id COLLATE \"C\"",
            &[&user_id],
        )?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    pub(crate) fn add_user_token_pg(&self, token: &UserToken) -> Result<(), PgError> {
        let mut client = self.client()?;
        let member: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM team_members WHERE team_id = $1 AND user_id = $2)",
                &[&token.team_id, &token.user_id],
            )?
            .get(0);
        if !member {
            return Err(StoreError::Unknown {
                what: "team member",
                id: format!("{} in {}", token.user_id, token.team_id),
            }
            .into());
        }
        let inserted = client.execute(
            "INSERT INTO user_tokens
                 (token_id, user_id, team_id, scope, name, secret_sha256, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            &[
                &token.token_id,
                &token.user_id,
                &token.team_id,
                &token.scope.as_str(),
                &token.name,
                &&token.secret_sha256[..],
                &token.created_at,
            ],
        )?;
        if inserted == 0 {
            return Err(StoreError::Exists {
                what: "token",
                name: token.token_id.clone(),
            }
            .into());
        }
        Ok(())
    }

    pub(crate) fn user_token_pg(
        &self,
        token_id: &str,
        secret_sha256: &[u8; 32],
    ) -> Result<Option<TokenHolder>, PgError> {
        let row = self.client()?.query_opt(
            "SELECT t.secret_sha256, t.user_id, u.name, t.team_id, o.name, t.scope
             FROM user_tokens t
             JOIN users u ON u.id = t.user_id
             JOIN codecarbon_organizations o ON o.id = t.team_id
             WHERE t.token_id = $1 AND t.revoked_at IS NULL",
            &[&token_id],
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        let stored: Vec<u8> = row.get(0);
        if !bool::from(stored.as_slice().ct_eq(&secret_sha256[..])) {
            return Ok(None);
        }
        let user_id: String = row.get(1);
        let teams = self.user_team_ids_pg(&user_id)?;
        Ok(Some(TokenHolder {
            token_id: token_id.to_string(),
            user_id,
            user: row.get(2),
            team_id: row.get(3),
            team: row.get(4),
            scope: scope(row.get(5))?,
            teams,
        }))
    }

    pub(crate) fn revoke_user_token_pg(&self, token_id: &str, now: &str) -> Result<bool, PgError> {
        let mut client = self.client()?;
        let revoked = client.execute(
            "UPDATE user_tokens SET revoked_at = $2 WHERE token_id = $1 AND revoked_at IS NULL",
            &[&token_id, &now],
        )?;
        if revoked > 0 {
            return Ok(true);
        }
        let exists: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM user_tokens WHERE token_id = $1)",
                &[&token_id],
            )?
            .get(0);
        if exists {
            Ok(false)
        } else {
            Err(StoreError::Unknown {
                what: "token",
                id: token_id.to_string(),
            }
            .into())
        }
    }

    pub(crate) fn user_tokens_pg(&self) -> Result<Vec<TokenListing>, PgError> {
        let rows = self.client()?.query(
            "SELECT t.token_id, u.name, o.name, t.scope, t.name, t.created_at, t.revoked_at
             FROM user_tokens t
             JOIN users u ON u.id = t.user_id
             JOIN codecarbon_organizations o ON o.id = t.team_id
             ORDER BY t.created_at COLLATE \"C\", t.token_id COLLATE \"C\"",
            &[],
        )?;
        rows.iter()
            .map(|row| {
                Ok(TokenListing {
                    token_id: row.get(0),
                    user: row.get(1),
                    team: row.get(2),
                    scope: scope(row.get(3))?,
                    name: row.get(4),
                    created_at: row.get(5),
                    revoked_at: row.get(6),
                })
            })
            .collect()
    }

    pub(crate) fn has_user_tokens_pg(&self) -> Result<bool, PgError> {
        Ok(self
            .client()?
            .query_one("SELECT EXISTS (SELECT 1 FROM user_tokens)", &[])?
            .get(0))
    }

    pub(crate) fn project_team_pg(&self, project: &str) -> Result<Option<String>, PgError> {
        let row = self.client()?.query_opt(
            "SELECT organization_id FROM codecarbon_projects WHERE name = $1",
            &[&project],
        )?;
        Ok(row.map(|row| row.get(0)))
    }

    pub(crate) fn project_teams_pg(&self) -> Result<Vec<(String, String)>, PgError> {
        let rows = self.client()?.query(
            "SELECT name, organization_id FROM codecarbon_projects ORDER BY name COLLATE \"C\"",
            &[],
        )?;
        Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
    }

    pub(crate) fn assign_project_pg(&self, project: &CcProject) -> Result<Option<String>, PgError> {
        if self.cc_organization_pg(&project.organization_id)?.is_none() {
            return Err(StoreError::Unknown {
                what: "team",
                id: project.organization_id.clone(),
            }
            .into());
        }
        let before = self.project_team_pg(&project.name)?;
        if before.is_some() {
            self.client()?.execute(
                "UPDATE codecarbon_projects SET organization_id = $2 WHERE name = $1",
                &[&project.name, &project.organization_id],
            )?;
        } else {
            self.add_cc_project_pg(project)?;
        }
        Ok(before)
    }

    pub(crate) fn claim_project_pg(&self, project: &CcProject) -> Result<Option<String>, PgError> {
        self.client()?.execute(
            "INSERT INTO codecarbon_projects (id, organization_id, name, description, created_at)
             SELECT $1, $2, $3, $4, $5
             WHERE EXISTS (SELECT 1 FROM codecarbon_organizations WHERE id = $2)
               AND NOT EXISTS (SELECT 1 FROM runs WHERE project = $3)
             ON CONFLICT DO NOTHING",
            &[
                &project.id,
                &project.organization_id,
                &project.name,
                &project.description,
                &project.created_at,
            ],
        )?;
        self.project_team_pg(&project.name)
    }
}
