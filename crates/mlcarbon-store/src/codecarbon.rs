//! The organisation → project → experiment hierarchy that CodeCarbon's API names runs by, and
//! project tokens, for the server's CodeCarbon endpoints. Ids are chosen by the caller (the
//! server draws random UUIDs); an experiment a run names before anyone created it is recorded
//! without a project. Tokens are kept as a selector (`token_id`) and the SHA-256 of their
//! secret, compared in constant time.

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::{Store, StoreError};

/// A CodeCarbon organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CcOrganization {
    pub id: String,
    pub name: String,
    pub description: String,
    /// RFC 3339.
    pub created_at: String,
}

/// A CodeCarbon project, in one organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CcProject {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub description: String,
    pub created_at: String,
}

/// A CodeCarbon experiment: the `experiment_id` its trackers send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CcExperiment {
    pub id: String,
    /// None for an experiment first seen in a run.
    pub project_id: Option<String>,
    pub name: String,
    pub description: String,
    pub created_at: String,
}

/// A project token as stored: the secret itself is never kept.
#[derive(Debug, Clone, PartialEq)]
pub struct CcProjectToken {
    /// Selects the row; public part of the token.
    pub token_id: String,
    pub project_id: String,
    pub name: String,
    /// SHA-256 of the secret part.
    pub secret_sha256: [u8; 32],
    pub created_at: String,
}

fn organization(row: &Row<'_>) -> rusqlite::Result<CcOrganization> {
    Ok(CcOrganization {
        id: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        created_at: row.get(3)?,
    })
}

fn project(row: &Row<'_>) -> rusqlite::Result<CcProject> {
    Ok(CcProject {
        id: row.get(0)?,
        organization_id: row.get(1)?,
        name: row.get(2)?,
        description: row.get(3)?,
        created_at: row.get(4)?,
    })
}

fn experiment(row: &Row<'_>) -> rusqlite::Result<CcExperiment> {
    Ok(CcExperiment {
        id: row.get(0)?,
        project_id: row.get(1)?,
        name: row.get(2)?,
        description: row.get(3)?,
        created_at: row.get(4)?,
    })
}

const ORGANIZATION: &str = "SELECT id, name, description, created_at FROM codecarbon_organizations";
const PROJECT: &str =
    "SELECT id, organization_id, name, description, created_at FROM codecarbon_projects";
const EXPERIMENT: &str =
    "SELECT id, project_id, name, description, created_at FROM codecarbon_experiments";

impl Store {
    /// Every organisation, by name.
    pub fn cc_organizations(&self) -> Result<Vec<CcOrganization>, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!("{ORGANIZATION} ORDER BY name"))?;
        let rows = statement.query_map([], organization)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn cc_organization(&self, id: &str) -> Result<Option<CcOrganization>, StoreError> {
        Ok(self
            .conn
            .query_row(&format!("{ORGANIZATION} WHERE id = ?1"), [id], organization)
            .optional()?)
    }

    /// Stores a new organisation; [`StoreError::Exists`] when its name is taken.
    pub fn add_cc_organization(&self, org: &CcOrganization) -> Result<(), StoreError> {
        let taken: bool = self.conn.query_row(
            "SELECT count(*) > 0 FROM codecarbon_organizations WHERE name = ?1 OR id = ?2",
            params![org.name, org.id],
            |row| row.get(0),
        )?;
        if taken {
            return Err(StoreError::Exists {
                what: "organization",
                name: org.name.clone(),
            });
        }
        self.conn.execute(
            "INSERT INTO codecarbon_organizations (id, name, description, created_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![org.id, org.name, org.description, org.created_at],
        )?;
        Ok(())
    }

    /// The projects of an organisation, by name.
    pub fn cc_projects(&self, organization_id: &str) -> Result<Vec<CcProject>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "{PROJECT} WHERE organization_id = ?1 ORDER BY name"
        ))?;
        let rows = statement.query_map([organization_id], project)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn cc_project(&self, id: &str) -> Result<Option<CcProject>, StoreError> {
        Ok(self
            .conn
            .query_row(&format!("{PROJECT} WHERE id = ?1"), [id], project)
            .optional()?)
    }

    /// Stores a new project; its organisation must exist ([`StoreError::Unknown`]) and no
    /// project may have its name on this server ([`StoreError::Exists`]; schema v10: a project
    /// name maps runs to a team).
    pub fn add_cc_project(&self, new: &CcProject) -> Result<(), StoreError> {
        if self.cc_organization(&new.organization_id)?.is_none() {
            return Err(StoreError::Unknown {
                what: "organization",
                id: new.organization_id.clone(),
            });
        }
        let taken: bool = self.conn.query_row(
            "SELECT count(*) > 0 FROM codecarbon_projects WHERE name = ?1 OR id = ?2",
            params![new.name, new.id],
            |row| row.get(0),
        )?;
        if taken {
            return Err(StoreError::Exists {
                what: "project",
                name: new.name.clone(),
            });
        }
        self.conn.execute(
            "INSERT INTO codecarbon_projects (id, organization_id, name, description, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                new.id,
                new.organization_id,
                new.name,
                new.description,
                new.created_at
            ],
        )?;
        Ok(())
    }

    /// The experiments of a project, by name.
    pub fn cc_experiments(&self, project_id: &str) -> Result<Vec<CcExperiment>, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!("{EXPERIMENT} WHERE project_id = ?1 ORDER BY name"))?;
        let rows = statement.query_map([project_id], experiment)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn cc_experiment(&self, id: &str) -> Result<Option<CcExperiment>, StoreError> {
        Ok(self
            .conn
            .query_row(&format!("{EXPERIMENT} WHERE id = ?1"), [id], experiment)
            .optional()?)
    }

    /// Stores a new experiment; its project, if it names one, must exist.
    pub fn add_cc_experiment(&self, new: &CcExperiment) -> Result<(), StoreError> {
        if let Some(project_id) = &new.project_id
            && self.cc_project(project_id)?.is_none()
        {
            return Err(StoreError::Unknown {
                what: "project",
                id: project_id.clone(),
            });
        }
        let inserted = self.conn.execute(
            "INSERT OR IGNORE INTO codecarbon_experiments
                 (id, project_id, name, description, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                new.id,
                new.project_id,
                new.name,
                new.description,
                new.created_at
            ],
        )?;
        if inserted == 0 {
            return Err(StoreError::Exists {
                what: "experiment",
                name: new.id.clone(),
            });
        }
        Ok(())
    }

    /// The experiment with this id, recorded (without a project, named by its id) if it is
    /// new: a tracker may name an experiment nobody created.
    pub fn ensure_cc_experiment(&self, id: &str, now: &str) -> Result<CcExperiment, StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO codecarbon_experiments
                 (id, project_id, name, description, created_at)
             VALUES (?1, NULL, ?1, 'first seen in a run', ?2)",
            params![id, now],
        )?;
        self.cc_experiment(id)?.ok_or_else(|| StoreError::Unknown {
            what: "experiment",
            id: id.to_string(),
        })
    }

    /// Stores a project token (its project must exist).
    pub fn add_cc_project_token(&self, token: &CcProjectToken) -> Result<(), StoreError> {
        if self.cc_project(&token.project_id)?.is_none() {
            return Err(StoreError::Unknown {
                what: "project",
                id: token.project_id.clone(),
            });
        }
        self.conn.execute(
            "INSERT INTO codecarbon_project_tokens
                 (token_id, project_id, name, secret_sha256, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                token.token_id,
                token.project_id,
                token.name,
                &token.secret_sha256[..],
                token.created_at
            ],
        )?;
        Ok(())
    }

    /// The project whose token has this id and whose stored hash equals `secret_sha256`
    /// (compared in constant time); none for an unknown id or a wrong secret.
    pub fn cc_project_of_token(
        &self,
        token_id: &str,
        secret_sha256: &[u8; 32],
    ) -> Result<Option<String>, StoreError> {
        let found: Option<(String, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT project_id, secret_sha256 FROM codecarbon_project_tokens
                 WHERE token_id = ?1",
                [token_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        Ok(found.and_then(|(project, stored)| {
            bool::from(stored.as_slice().ct_eq(&secret_sha256[..])).then_some(project)
        }))
    }
}
