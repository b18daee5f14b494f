//! Publishing a ledger as static objects any file host or CDN can serve (docs/FORMAT.md §18).
//!
//! | file | what |
//! | --- | --- |
//! | `site.rs` | the static reader pages: claims list, claim pages, in-browser verification |

pub mod site;
