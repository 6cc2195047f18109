//! The error of a request: which field was bad, and what to do about it.

use crate::scenario::ScenarioError;

/// A bad input: which field, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RequestError {
    pub field: &'static str,
    pub message: String,
}

impl RequestError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        RequestError {
            field,
            message: message.into(),
        }
    }
}

impl From<ScenarioError> for RequestError {
    fn from(error: ScenarioError) -> Self {
        RequestError::new("data", error.to_string())
    }
}
