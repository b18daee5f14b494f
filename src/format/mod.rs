//! docs/FORMAT.md in code: the bytes claimledger hashes, signs and exchanges. Pure: no SQLite,
//! no file or network I/O, so it builds for any target (`cargo check --lib --no-default-features`).
//!
//! | file | implements (docs/FORMAT.md) |
//! | --- | --- |
//! | `encoding.rs` | §2 canonical JSON (RFC 8785 subset) |
//! | `time.rs` | §1 timestamps (RFC 3339 UTC) and dates |
//! | `keys.rs` | §3 keys: names, key IDs, vkey and private key text, strict verification |
//! | `kind.rs` | §4.1 entry kinds, §4/§5 size limits, the error for a refused entry |
//! | `entry.rs` | §4 the envelope, its signature and leaf hash; §12 the import/export line |
//! | `payload.rs` | §5 payloads: claim, statement, key change, party, source |
//! | `redaction.rs` | §5.7 redaction payloads, categories, the withheld stand-in (§7.8) |
//! | `figure/` | §6 figures: parsing stated wording, comparing values and scopes |
//! | `merkle/` | §8 RFC 6962 / RFC 9162 Merkle tree, inclusion and consistency proofs |
//! | `note.rs` | §9.1 C2SP signed notes |
//! | `checkpoint.rs` | §9.2 C2SP tlog-checkpoint bodies |
//! | `cosignature.rs` | §14 C2SP tlog-cosignature: witness keys, cosignatures on checkpoints |
//! | `policy.rs` | §15 witness policies (C2SP tlog-policy): k-of-n witness quorums |
//! | `witness.rs` | §16 C2SP tlog-witness messages: add-checkpoint body, 409 size body |
//! | `receipt.rs` | §10 receipts (C2SP tlog-proof), §11 proof JSON |
//! | `tiles.rs` | §13 C2SP tlog-tiles paths and entry bundles; §13.1 payload bundles |
//! | `evidence.rs` | §19 fork evidence: two checkpoints signed by one log key that prove a fork or rollback |
//! | `claimreview.rs` | Appendix A: ClaimReview JSON-LD out of rated statements, and in as payloads |
//!
//! Dependency direction inside: keys, encoding, time → kind → payload, figure → entry →
//! merkle → note → checkpoint → receipt, tiles, cosignature → policy; witness and evidence use checkpoint. A test (`tests/it/layout.rs`) fails if
//! any file here names the SQLite crate or the standard library's file or network modules.

pub mod checkpoint;
pub mod claimreview;
pub mod cosignature;
pub mod encoding;
pub mod entry;
pub mod evidence;
pub mod figure;
pub mod keys;
pub mod kind;
pub mod merkle;
pub mod note;
pub mod payload;
pub mod policy;
pub mod receipt;
pub mod redaction;
pub mod tiles;
pub mod time;
pub mod witness;
