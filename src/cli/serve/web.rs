//! The claim pages: static files from web/, compiled into the binary so the page works offline
//! and the verifier the reader runs is the one this release ships.

use super::{ApiError, PathText, Shared};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use claimledger::publish::site::{ASSETS, PAGE, json_in_script};

/// The page's policy: only our own scripts, styles and API; no inline script, no third parties.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'";

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(index))
        .route("/claims/{*rest}", get(claim_page))
        .route("/assets/{name}", get(asset))
}

fn headers(content_type: &'static str) -> [(HeaderName, &'static str); 3] {
    [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ]
}

async fn index() -> Response {
    (headers("text/html; charset=utf-8"), PAGE).into_response()
}

/// A claim page: the page, with the claim's ClaimReview JSON-LD in the head (the same array
/// as `GET /v1/claims/{ref}/claimreview`) when it has rated statements, for search engines and
/// fact-check aggregators that read the page without running it.
async fn claim_page(State(s): State<Shared>, PathText(rest): PathText) -> Response {
    let reference = rest.trim_end_matches('/').to_string();
    let reviews = s
        .read(move |l| l.claim_reviews(l.resolve(&reference)?))
        .await
        .unwrap_or_default();
    if reviews.is_empty() {
        return index().await;
    }
    let json = json_in_script(&serde_json::Value::Array(reviews));
    let page = PAGE.replacen(
        "</head>",
        &format!("  <script type=\"application/ld+json\">{json}</script>\n</head>"),
        1,
    );
    (headers("text/html; charset=utf-8"), page).into_response()
}

async fn asset(PathText(name): PathText) -> Result<Response, ApiError> {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => Ok((headers(a.content_type), a.body).into_response()),
        None => Err(ApiError::not_found(format!("no asset {name:?}"))),
    }
}
