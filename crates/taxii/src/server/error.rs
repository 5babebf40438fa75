//! TAXII error messages (§3.6.1): `{title, description, http_status, ...}` as
//! `application/taxii+json;version=2.1`, with the matching HTTP status.

use super::media::TAXII;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error a TAXII endpoint answers with.
#[derive(Debug)]
pub struct TaxiiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A short, human-readable summary.
    pub title: &'static str,
    /// What exactly is wrong.
    pub description: String,
}

impl TaxiiError {
    /// An error with a status, title and description.
    pub fn new(status: StatusCode, title: &'static str, description: impl Into<String>) -> Self {
        TaxiiError {
            status,
            title,
            description: description.into(),
        }
    }
    /// 400: a malformed request (parameters, envelope).
    pub fn bad_request(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", d)
    }
    /// 403: the principal may not do this.
    pub fn forbidden(d: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", d)
    }
    /// 404: no such resource (or none the principal may know of).
    pub fn not_found(d: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found", d)
    }
    /// 406: no acceptable media type.
    pub fn not_acceptable(d: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_ACCEPTABLE, "Not acceptable", d)
    }
    /// 413: the body is larger than the server takes.
    pub fn too_large(d: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "Request entity too large", d)
    }
    /// 415: a body of a media type the endpoint does not read.
    pub fn unsupported(d: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            d,
        )
    }
    /// 500: the server failed (logged; the store's message is passed on).
    pub fn internal(d: impl Into<String>) -> Self {
        let d = d.into();
        tracing::error!("TAXII request failed: {d}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", d)
    }
    /// 503: the store is busy (another writer holds it for too long).
    pub fn unavailable(d: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "Service unavailable", d)
    }
}

impl From<vigil_store::StoreError> for TaxiiError {
    fn from(e: vigil_store::StoreError) -> Self {
        TaxiiError::internal(e.to_string())
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let body = json!({
            "title": self.title,
            "description": self.description,
            "http_status": self.status.as_str(),
        });
        (
            self.status,
            [(header::CONTENT_TYPE, TAXII)],
            body.to_string(),
        )
            .into_response()
    }
}
