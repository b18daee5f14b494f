//! Fact-check interop: rated statements out as schema.org ClaimReview JSON-LD, and ClaimReview
//! archives and feeds in as signed entries (docs/FORMAT.md Appendix A).
//!
//! | file | what |
//! | --- | --- |
//! | `export.rs` | the one builder of ClaimReview JSON-LD (CLI, HTTP API and claim page) |
//! | `import.rs` | reading a ClaimReview object, array or DataFeed into claims and rated statements |
//!
//! Property names and required sets follow Google's ClaimReview structured-data documentation
//! and schema.org's ClaimReview, Rating and Claim types.

pub mod export;
#[cfg(feature = "sqlite")]
pub mod import;

pub use export::{Publisher, claim_reviews};
#[cfg(feature = "sqlite")]
pub use import::{BadItem, ImportReviewOptions, ReviewImportReport};
