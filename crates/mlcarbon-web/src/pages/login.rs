//! `/login` and `/logout`: a token kept in a cookie for the pages (see [`crate::accounts`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::accounts::{Access, LOGIN_COOKIE, resolve};
use crate::pages::{Nav, error_page, escape, html, layout};
use crate::state::AppState;

/// `GET /login`: a form for a token, kept in a cookie for the pages.
pub async fn login_page() -> Response {
    login_form(StatusCode::OK, None)
}

fn login_form(status: StatusCode, error: Option<&str>) -> Response {
    let error = error.map_or(String::new(), |e| {
        format!(r#"<p class="error" id="error">{}</p>"#, escape(e))
    });
    let body = format!(
        r#"<h1>Log in</h1>{error}<form method="post" action="/login"><label>Token <input type="password" name="token" autocomplete="off" required></label> <button type="submit">Log in</button></form><p>A token comes from the server's admin: <code>mlcarbon serve token create --user NAME --team TEAM</code>. It is kept in an HttpOnly, SameSite=Strict cookie for the pages; <a href="/logout">log out</a> forgets it.</p>"#
    );
    html(status, layout("Log in", Nav::None, &body))
}

/// `POST /login` (form field `token`): a known token is set as the cookie and the browser
/// sent to the runs; another answers the form again, 401.
pub async fn login_post(State(state): State<AppState>, body: Bytes) -> Response {
    let token = form_urlencoded::parse(&body)
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.trim().to_string())
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    let Ok(bearer) = HeaderValue::from_str(&format!("Bearer {token}")) else {
        return login_form(StatusCode::UNAUTHORIZED, Some("that is not a token"));
    };
    headers.insert(header::AUTHORIZATION, bearer);
    let known = match resolve(&state, &headers).await {
        Ok(Access::Admin | Access::Member { .. }) => true,
        Ok(Access::Open) => {
            return login_form(
                StatusCode::BAD_REQUEST,
                Some("this server has no accounts: every page is open without logging in"),
            );
        }
        Ok(Access::Anonymous { .. }) => false,
        Err(e) => return error_page(&e),
    };
    if !known {
        return login_form(StatusCode::UNAUTHORIZED, Some("unknown or revoked token"));
    }
    let Ok(cookie) = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    )) else {
        return login_form(StatusCode::UNAUTHORIZED, Some("that is not a token"));
    };
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/runs")]).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}

/// `/logout`: forgets the cookie.
pub async fn logout() -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("mlcarbon_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}
