//! CodeCarbon's organisations, projects, experiments and project tokens on PostgreSQL: the
//! SQLite store's methods (`mlcarbon_store::Store::cc_*`) with the same checks and errors.

use mlcarbon_store::{CcExperiment, CcOrganization, CcProject, CcProjectToken, StoreError};
use postgres::Row;
use postgres::types::ToSql;
use subtle::ConstantTimeEq;

use crate::{PgError, PgStore};

const ORGANIZATION: &str = "SELECT id, name, description, created_at FROM codecarbon_organizations";
const PROJECT: &str =
    "SELECT id, organization_id, name, description, created_at FROM codecarbon_projects";
const EXPERIMENT: &str =
    "SELECT id, project_id, name, description, created_at FROM codecarbon_experiments";

fn organization(row: &Row) -> CcOrganization {
    CcOrganization {
        id: row.get(0),
        name: row.get(1),
        description: row.get(2),
        created_at: row.get(3),
    }
}

fn project(row: &Row) -> CcProject {
    CcProject {
        id: row.get(0),
        organization_id: row.get(1),
        name: row.get(2),
        description: row.get(3),
        created_at: row.get(4),
    }
}

fn experiment(row: &Row) -> CcExperiment {
    CcExperiment {
        id: row.get(0),
        project_id: row.get(1),
        name: row.get(2),
        description: row.get(3),
        created_at: row.get(4),
    }
}

impl PgStore {
    pub(crate) fn cc_organizations_pg(&self) -> Result<Vec<CcOrganization>, PgError> {
        let rows = self
            .client()?
            .query(&format!("{ORGANIZATION} ORDER BY name COLLATE \"C\""), &[])?;
        Ok(rows.iter().map(organization).collect())
    }

    pub(crate) fn cc_organization_pg(&self, id: &str) -> Result<Option<CcOrganization>, PgError> {
        let row = self
            .client()?
            .query_opt(&format!("{ORGANIZATION} WHERE id = $1"), &[&id])?;
        Ok(row.as_ref().map(organization))
    }

    /// Runs an `INSERT … ON CONFLICT DO NOTHING`; nothing inserted is `what` `name` existing.
    fn insert_new(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        what: &'static str,
        name: &str,
    ) -> Result<(), PgError> {
        if self.client()?.execute(sql, params)? == 0 {
            return Err(StoreError::Exists {
                what,
                name: name.to_string(),
            }
            .into());
        }
        Ok(())
    }

    pub(crate) fn add_cc_organization_pg(&self, org: &CcOrganization) -> Result<(), PgError> {
        self.insert_new(
            "INSERT INTO codecarbon_organizations (id, name, description, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&org.id, &org.name, &org.description, &org.created_at],
            "organization",
            &org.name,
        )
    }

    pub(crate) fn cc_projects_pg(&self, organization_id: &str) -> Result<Vec<CcProject>, PgError> {
        let rows = self.client()?.query(
            &format!("{PROJECT} WHERE organization_id = $1 ORDER BY name COLLATE \"C\""),
            &[&organization_id],
        )?;
        Ok(rows.iter().map(project).collect())
    }

    pub(crate) fn cc_project_pg(&self, id: &str) -> Result<Option<CcProject>, PgError> {
        let row = self
            .client()?
            .query_opt(&format!("{PROJECT} WHERE id = $1"), &[&id])?;
        Ok(row.as_ref().map(project))
    }

    pub(crate) fn add_cc_project_pg(&self, new: &CcProject) -> Result<(), PgError> {
        if self.cc_organization_pg(&new.organization_id)?.is_none() {
            return Err(StoreError::Unknown {
                what: "organization",
                id: new.organization_id.clone(),
            }
            .into());
        }
        self.insert_new(
            "INSERT INTO codecarbon_projects (id, organization_id, name, description, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[
                &new.id,
                &new.organization_id,
                &new.name,
                &new.description,
                &new.created_at,
            ],
            "project",
            &new.name,
        )
    }

    pub(crate) fn cc_experiments_pg(&self, project_id: &str) -> Result<Vec<CcExperiment>, PgError> {
        let rows = self.client()?.query(
            &format!("{EXPERIMENT} WHERE project_id = $1 ORDER BY name COLLATE \"C\""),
            &[&project_id],
        )?;
        Ok(rows.iter().map(experiment).collect())
    }

    pub(crate) fn cc_experiment_pg(&self, id: &str) -> Result<Option<CcExperiment>, PgError> {
        let row = self
            .client()?
            .query_opt(&format!("{EXPERIMENT} WHERE id = $1"), &[&id])?;
        Ok(row.as_ref().map(experiment))
    }

    pub(crate) fn add_cc_experiment_pg(&self, new: &CcExperiment) -> Result<(), PgError> {
        if let Some(project_id) = &new.project_id
            && self.cc_project_pg(project_id)?.is_none()
        {
            return Err(StoreError::Unknown {
                what: "project",
                id: project_id.clone(),
            }
            .into());
        }
        self.insert_new(
            "INSERT INTO codecarbon_experiments (id, project_id, name, description, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[
                &new.id,
                &new.project_id,
                &new.name,
                &new.description,
                &new.created_at,
            ],
            "experiment",
            &new.id,
        )
    }

    pub(crate) fn ensure_cc_experiment_pg(
        &self,
        id: &str,
        now: &str,
    ) -> Result<CcExperiment, PgError> {
        self.client()?.execute(
            "INSERT INTO codecarbon_experiments (id, project_id, name, description, created_at)
             VALUES ($1, NULL, $1, 'first seen in a run', $2) ON CONFLICT DO NOTHING",
            &[&id, &now],
        )?;
        self.cc_experiment_pg(id)?.ok_or_else(|| {
            StoreError::Unknown {
                what: "experiment",
                id: id.to_string(),
            }
            .into()
        })
    }

    pub(crate) fn add_cc_project_token_pg(&self, token: &CcProjectToken) -> Result<(), PgError> {
        if self.cc_project_pg(&token.project_id)?.is_none() {
            return Err(StoreError::Unknown {
                what: "project",
                id: token.project_id.clone(),
            }
            .into());
        }
        self.client()?.execute(
            "INSERT INTO codecarbon_project_tokens
                 (token_id, project_id, name, secret_sha256, created_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &token.token_id,
                &token.project_id,
                &token.name,
                &&token.secret_sha256[..],
                &token.created_at,
            ],
        )?;
        Ok(())
    }

    pub(crate) fn cc_project_of_token_pg(
        &self,
        token_id: &str,
        secret_sha256: &[u8; 32],
    ) -> Result<Option<String>, PgError> {
        let row = self.client()?.query_opt(
            "SELECT project_id, secret_sha256 FROM codecarbon_project_tokens WHERE token_id = $1",
            &[&token_id],
        )?;
        Ok(row.and_then(|row| {
            let project: String = row.get(0);
            let stored: Vec<u8> = row.get(1);
            bool::from(stored.as_slice().ct_eq(&secret_sha256[..])).then_some(project)
        }))
    }
}
