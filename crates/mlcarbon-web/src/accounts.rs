//! Accounts: who may read which runs and write where, once the store holds a user token.
//!
//! Off (no user token ever issued): today's rules, reads open to everyone and writes with the
//! server's token. On: the server's token is an admin's (reads and writes everything); a user
//! token (`mlct_<id>_<secret>`, from `mlcarbon serve token create`) reads the runs of its
//! user's teams' projects and of projects of no team, and, with the `write` scope, writes runs
//! of its team's projects (a project no team has and no run carries yet is given to the
//! token's team on its first write). Tokens come as `Authorization: Bearer`, as CodeCarbon's
//! `x-api-token`, or, for reads only, from the cookie that `/login` sets.
//!
//! [`gate`] works out each request's [`Access`] once; handlers ask [`reader`] for what they
//! may show and [`writer`] for who writes.

use std::io::Read;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mlcarbon_store::{
    CcOrganization, CcProject, RunStore, StoreError, TokenHolder, TokenScope, User, UserToken,
    Visibility,
};

use crate::auth::{API_TOKEN_HEADER, tokens_match};
use crate::error::ApiError;
use crate::state::AppState;

/// How user tokens start: `mlct_<token id>_<secret>`.
pub const USER_TOKEN_PREFIX: &str = "mlct_";

/// The cookie `/login` sets (HttpOnly, SameSite=Strict).
pub const LOGIN_COOKIE: &str = "mlcarbon_token";

/// A user token's id and the SHA-256 of its secret, if `token` has a user token's shape.
pub fn split_user_token(token: &str) -> Option<(&str, [u8; 32])> {
    use sha2::{Digest, Sha256};
    let (id, secret) = token.strip_prefix(USER_TOKEN_PREFIX)?.split_once('_')?;
    if id.is_empty() || secret.is_empty() {
        return None;
    }
    Some((id, Sha256::digest(secret.as_bytes()).into()))
}

/// `N` bytes from the kernel's generator.
pub(crate) fn urandom<const N: usize>() -> std::io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why an account command failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read /dev/urandom for a new token: {0}")]
    Random(std::io::Error),
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

fn check_name(field: &'static str, value: &str) -> Result<String, AccountError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > 200 || value.chars().any(char::is_control) {
        return Err(AccountError::Invalid {
            field,
            reason: format!("`{value}` is not 1 to 200 printable characters"),
        });
    }
    Ok(value.to_string())
}

fn new_id() -> Result<String, AccountError> {
    Ok(mlcarbon_store::uuid_v4(
        urandom::<16>().map_err(AccountError::Random)?,
    ))
}

/// The team named `name`, created (with a new id) when missing; `true` when created now.
pub fn ensure_team(
    store: &dyn RunStore,
    name: &str,
    now: &str,
) -> Result<(CcOrganization, bool), AccountError> {
    let name = check_name("team", name)?;
    if let Some(team) = store
        .cc_organizations()?
        .into_iter()
        .find(|o| o.name == name)
    {
        return Ok((team, false));
    }
    let team = CcOrganization {
        id: new_id()?,
        name,
        description: "team".to_string(),
        created_at: now.to_string(),
    };
    store.add_cc_organization(&team)?;
    Ok((team, true))
}

/// A token just issued: the only time its secret exists outside the caller's hands.
#[derive(Debug, Clone)]
pub struct IssuedUserToken {
    /// `mlct_<id>_<secret>`.
    pub token: String,
    pub token_id: String,
    pub user: String,
    pub team: String,
    pub scope: TokenScope,
    pub created_user: bool,
    pub created_team: bool,
}

/// Issues a token for `user` in `team` (both created when missing, the user made a member),
/// kept as its id and the SHA-256 of its secret (32 random bytes, hex).
pub fn issue_user_token(
    store: &dyn RunStore,
    user: &str,
    team: &str,
    scope: TokenScope,
    label: &str,
) -> Result<IssuedUserToken, AccountError> {
    let now = mlcarbon_time::now_rfc3339();
    let user_name = check_name("user", user)?;
    let label = check_name("name", label)?;
    let (team, created_team) = ensure_team(store, team, &now)?;
    let (user, created_user) = match store.user_by_name(&user_name)? {
        Some(found) => (found, false),
        None => {
            let new = User {
                id: new_id()?,
                name: user_name,
                created_at: now.clone(),
            };
            store.add_user(&new)?;
            (new, true)
        }
    };
    store.add_team_member(&team.id, &user.id)?;
    let token_id = hex(&urandom::<8>().map_err(AccountError::Random)?);
    let secret = hex(&urandom::<32>().map_err(AccountError::Random)?);
    let token = format!("{USER_TOKEN_PREFIX}{token_id}_{secret}");
    let Some((_, secret_sha256)) = split_user_token(&token) else {
        return Err(AccountError::Invalid {
            field: "token",
            reason: "a new token does not parse".to_string(),
        });
    };
    store.add_user_token(&UserToken {
        token_id: token_id.clone(),
        user_id: user.id.clone(),
        team_id: team.id.clone(),
        scope,
        name: label,
        secret_sha256,
        created_at: now,
    })?;
    Ok(IssuedUserToken {
        token,
        token_id,
        user: user.name,
        team: team.name,
        scope,
        created_user,
        created_team,
    })
}

/// What `serve project assign` did.
#[derive(Debug, Clone)]
pub struct AssignedProject {
    /// The team's name before, if it had one.
    pub previous_team: Option<String>,
    pub created_team: bool,
}

/// Gives the project (runs' `project`) to `team` (created when missing).
pub fn assign_project(
    store: &dyn RunStore,
    project: &str,
    team: &str,
) -> Result<AssignedProject, AccountError> {
    let now = mlcarbon_time::now_rfc3339();
    let project = check_name("project", project)?;
    let (team, created_team) = ensure_team(store, team, &now)?;
    let previous = store.assign_project(&CcProject {
        id: new_id()?,
        organization_id: team.id,
        name: project,
        description: "assigned with mlcarbon serve project assign".to_string(),
        created_at: now,
    })?;
    let previous_team = match previous {
        Some(id) => Some(store.cc_organization(&id)?.map_or(id, |o| o.name)),
        None => None,
    };
    Ok(AssignedProject {
        previous_team,
        created_team,
    })
}

/// Whether accounts are on: the cached answer, else the store's (see
/// [`crate::accounts_switch::Switch`]).
async fn accounts_on(state: &AppState) -> Result<bool, ApiError> {
    if !state.has_store() {
        return Ok(false);
    }
    if let Some(known) = state.accounts().cached() {
        return Ok(known);
    }
    let on = state.with_store(|store| store.has_user_tokens()).await?;
    state.accounts().record(on);
    Ok(on)
}

/// Who a request is, as far as accounts go.
#[derive(Debug, Clone)]
pub(crate) enum Access {
    /// Accounts are off: today's rules.
    Open,
    /// The server's token, accounts on.
    Admin,
    /// A valid user token (`from_cookie`: presented by the login cookie, which reads only).
    Member {
        holder: Arc<TokenHolder>,
        from_cookie: bool,
    },
    /// Accounts on, and no token, or one the server does not know (or revoked).
    Anonymous { rejected: bool },
}

tokio::task_local! {
    static ACCESS: Access;
}

/// The request's access; [`Access::Open`] outside a request that went through [`gate`].
pub(crate) fn current() -> Access {
    ACCESS.try_with(Access::clone).unwrap_or(Access::Open)
}

fn how_to_get_one() -> &'static str {
    "send `Authorization: Bearer TOKEN` or log in at /login; an admin creates tokens with `mlcarbon serve token create --user NAME --team TEAM`"
}

fn unauthorized(rejected: bool) -> ApiError {
    let first = if rejected {
        "this token is unknown or revoked"
    } else {
        "this server has accounts: reading runs needs a token"
    };
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        format!("{first}; {}", how_to_get_one()),
        Some("authorization"),
    )
}

/// What the request may read of the stored runs: every run (`None`) or those of these teams'
/// projects and of projects of no team; 401 without a valid token when accounts are on.
pub(crate) fn reader() -> Result<Visibility, ApiError> {
    match current() {
        Access::Open | Access::Admin => Ok(None),
        Access::Member { holder, .. } => Ok(Some(holder.teams.clone())),
        Access::Anonymous { rejected } => Err(unauthorized(rejected)),
    }
}

/// Whether a reader with `visible` may see a run of `project`.
pub(crate) fn may_see(
    store: &dyn RunStore,
    visible: &Visibility,
    project: &str,
) -> Result<bool, StoreError> {
    let Some(teams) = visible else {
        return Ok(true);
    };
    Ok(match store.project_team(project)? {
        Some(team) => teams.contains(&team),
        None => true,
    })
}

/// Who writes, once accounts are on.
#[derive(Debug, Clone)]
pub(crate) enum Writer {
    /// Accounts off (the server's token, checked by the caller as before), or the admin.
    Anyone,
    /// A user token with the write scope: runs of its team's projects only.
    Member(Arc<TokenHolder>),
}

/// The writer of a request when accounts are on: `None` when they are off (the caller checks
/// the server's token as it always has). 401 without a valid header token, 403 for a read-only
/// token. The login cookie never writes: a page cannot be made to write for its visitor.
pub(crate) fn writer() -> Result<Option<Writer>, ApiError> {
    match current() {
        Access::Open => Ok(None),
        Access::Admin => Ok(Some(Writer::Anyone)),
        Access::Member {
            from_cookie: true, ..
        } => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "writing needs the token in a header (`Authorization: Bearer TOKEN` or `x-api-token`), not the login cookie",
            Some("authorization"),
        )),
        Access::Member { holder, .. } if holder.scope == TokenScope::Read => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "read-only token ({} of team {}): writing needs a token created with --scope write",
                holder.user, holder.team
            ),
            Some("authorization"),
        )),
        Access::Member { holder, .. } => Ok(Some(Writer::Member(holder))),
        Access::Anonymous { rejected } => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!(
                "{}; {}",
                if rejected {
                    "this token is unknown or revoked"
                } else {
                    "writing needs a write token"
                },
                how_to_get_one()
            ),
            Some("authorization"),
        )),
    }
}

/// The writer of a request to a writing endpoint: with accounts off, the bearer of the
/// server's token as always ([`crate::auth::require_token`]); on, see [`writer`].
pub(crate) fn require_writer(state: &AppState, headers: &HeaderMap) -> Result<Writer, ApiError> {
    match writer()? {
        Some(writer) => Ok(writer),
        None => {
            crate::auth::require_token(headers, state.token())?;
            Ok(Writer::Anyone)
        }
    }
}

/// Who reads CodeCarbon's organisations, projects and experiments: with accounts off the
/// bearer of the server's token as always (`None`); on, the admin (`None`: everything) or a
/// user token's holder (its teams only).
pub(crate) fn manager(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Arc<TokenHolder>>, ApiError> {
    match current() {
        Access::Open => crate::auth::require_token(headers, state.token()).map(|()| None),
        Access::Admin => Ok(None),
        Access::Member { holder, .. } => Ok(Some(holder)),
        Access::Anonymous { rejected } => Err(unauthorized(rejected)),
    }
}

/// [`check_project`] for the stored run `uuid` (a run not stored passes: the write itself
/// then answers that it is unknown).
pub(crate) fn check_run(
    store: &dyn RunStore,
    writer: &Writer,
    uuid: &str,
) -> Result<Result<(), ApiError>, StoreError> {
    if matches!(writer, Writer::Anyone) {
        return Ok(Ok(()));
    }
    match store.run_id_by_uuid(uuid)? {
        Some(id) => check_project(store, writer, &store.run(id)?.project),
        None => Ok(Ok(())),
    }
}

/// Whether `writer` may write runs of `project`: its team's project, or a project of no team
/// (which its first write gives to the writer's team unless runs already carry it). 403 naming
/// the team that owns it otherwise. Runs on a blocking thread (it may write).
pub(crate) fn check_project(
    store: &dyn RunStore,
    writer: &Writer,
    project: &str,
) -> Result<Result<(), ApiError>, StoreError> {
    let Writer::Member(holder) = writer else {
        return Ok(Ok(()));
    };
    let owner = match store.project_team(project)? {
        Some(team) => Some(team),
        None => {
            let id = urandom::<16>()
                .map(mlcarbon_store::uuid_v4)
                .map_err(StoreError::Write)?;
            store.claim_project(&CcProject {
                id,
                organization_id: holder.team_id.clone(),
                name: project.to_string(),
                description: format!("first written by {} of team {}", holder.user, holder.team),
                created_at: mlcarbon_time::now_rfc3339(),
            })?
        }
    };
    match owner {
        None => Ok(Ok(())),
        Some(team) if team == holder.team_id => Ok(Ok(())),
        Some(team) => {
            let name = store.cc_organization(&team)?.map_or(team, |o| o.name);
            Ok(Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "project `{project}` belongs to team `{name}`; this token writes for team `{}`",
                    holder.team
                ),
                Some("project"),
            )))
        }
    }
}

/// The token a request presents: a header's (Bearer, then `x-api-token`), else the login
/// cookie's (`true`).
fn presented(headers: &HeaderMap) -> Option<(String, bool)> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_string())
        });
    let api_token = || {
        headers
            .get(API_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
    };
    if let Some(token) = bearer.or_else(api_token) {
        return Some((token, false));
    }
    cookie(headers, LOGIN_COOKIE).map(|token| (token, true))
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name && !value.is_empty()).then(|| value.to_string())
        })
}

/// The request's [`Access`] from its headers.
pub(crate) async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Access, ApiError> {
    if !accounts_on(state).await? {
        return Ok(Access::Open);
    }
    let Some((token, from_cookie)) = presented(headers) else {
        return Ok(Access::Anonymous { rejected: false });
    };
    if state
        .token()
        .is_some_and(|expected| tokens_match(token.as_bytes(), expected.as_bytes()))
    {
        return Ok(Access::Admin);
    }
    let Some((id, secret_sha256)) = split_user_token(&token) else {
        // A CodeCarbon project token (`mlcc_`) is the CodeCarbon endpoints' to judge.
        return Ok(Access::Anonymous {
            rejected: !token.starts_with(crate::auth::PROJECT_TOKEN_PREFIX),
        });
    };
    let id = id.to_string();
    let holder = state
        .with_store(move |store| store.user_token(&id, &secret_sha256))
        .await?;
    Ok(match holder {
        Some(holder) => Access::Member {
            holder: Arc::new(holder),
            from_cookie,
        },
        None => Access::Anonymous { rejected: true },
    })
}

/// Works out the request's [`Access`] and serves it within it.
pub(crate) async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let access = match resolve(&state, request.headers()).await {
        Ok(access) => access,
        Err(error) => return error.into_response(),
    };
    ACCESS.scope(access, next.run(request)).await
}
