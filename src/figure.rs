//! TEMPORARY STUB (replaced by the real parser).
#![allow(missing_docs)]
use serde::{Deserialize, Serialize};
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    pub subject: String,
    pub property: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub value: String,
    pub precision: Precision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<String>,
    pub unit: String,
    pub as_stated: String,
}
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Exact,
    About,
    AtLeast,
    AtMost,
    Range,
}
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FigureError {
    #[error("cannot read {0:?}; accepted forms: ...")]
    Unparseable(String),
}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    Agrees,
    DifferentValue,
    DifferentScope,
    DifferentUnit,
    Unrelated,
}
impl Figure {
    pub fn from_as_stated(
        subject: &str,
        property: &str,
        scope: Option<&str>,
        as_stated: &str,
    ) -> Result<Figure, FigureError> {
        Ok(Figure {
            subject: subject.into(),
            property: property.into(),
            scope: scope.map(Into::into),
            value: "1".into(),
            precision: Precision::Exact,
            lower: None,
            upper: None,
            unit: "USD".into(),
            as_stated: as_stated.into(),
        })
    }
    pub fn validate(&self) -> Result<(), FigureError> {
        Ok(())
    }
}
pub fn compare(_a: &Figure, _b: &Figure) -> Comparison {
    Comparison::Agrees
}
