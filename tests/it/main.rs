//! The one integration test binary (one link step, shared helpers). Modules:
mod util; // where ../shared/vectors is; skip with a notice, or fail under CI=true

mod audit_state; // incremental audit: --resume/--save-state, only new entries checked, rollbacks and rewrites caught, verdict = full audit
mod bad_input; // the bad-input matrix of docs/RELIABILITY.md: errors, never panics, nothing changed
mod browser; // headless Chromium: find the DeepSeek claim, Verify passes, a tampered receipt fails
mod browser_verifier; // web/verify.js agrees with the Rust verifier: CCTV vectors, good and tampered receipts
mod claimreview; // ratings; ClaimReview JSON-LD out (tsc + schema-dts, API, page in Chromium) and in (round trip, bad feeds)
mod cli; // the binary: every command, --json contracts, bad input exits 2 and changes nothing
mod cli_hardening; // issue 12: hostile text escaped, concurrent init, batch size, FIFO and non-key key files
mod cli_output; // what a newcomer reads: history trees, fitted tables, info, demo hints, usage errors
mod concurrency; // 4 CLI writers + a reader, 4 library threads: nothing lost, forked or refused
mod crash; // SIGKILL during appends, import, checkpoint --sign; torn and lost WAL copies
mod ed25519; // CCTV edge cases: verify_strict accepts exactly the expected 43
mod entry; // envelope known-answer vectors, canonical round trips, every byte flip rejected
mod figure; // "$5.6M", "2 048 puces Nvidia H800"… parsed into figures
mod import; // JSON Lines import/export: round trips, all-or-nothing batches, bad lines named
mod interop; // Go sumdb/note + sumdb/tlog verify our receipts and consistency proofs
mod layout; // src/format/ is pure (no rusqlite, std::fs, std::net); DESIGN.md names every file
mod ledger; // library: append rules, history, figures, proofs, receipts, re-checked after each step
mod litewitness; // litewitness (torchwood, Go) as our witness: cosign, 409/422 evidence, slow and dead witnesses
mod merkle; // RFC 6962 roots, RFC 9162 proof vectors, slow reference vs stored-hash code
mod mirror; // claimledger mirror: replicas follow a published log, refuse appends, catch rollbacks and forks with evidence, resume
mod note; // C2SP signed-note and tlog-checkpoint vectors, Tessera checkpoints
mod parsers; // property tests: every parser of untrusted bytes never panics; valid inputs round-trip
mod publish; // publish DEST: Go reads the static tiles, receipts verify, redacted bytes gone, incremental, SIGKILL
mod redaction; // legal removal: bytes gone from db/-wal/-shm, proofs kept, forgeries refused and found
mod serve; // claimledger serve over HTTP: every endpoint vs the CLI, error classes, concurrent appends, tiles
mod serve_limits; // serve vs slow, idle and malformed clients: timeouts, connection cap, JSON refusals
mod signing; // the operator signs only what extends its last signed tree; no derived column is trusted
mod skips; // a skipped test is named, with its reason, in the summary that ends cargo test
mod storage_faults; // read-only file and mount, disk full (tmpfs, ulimit -f): exit 2, auditable
mod tamper; // edits behind the tool's back: audit names the entry and the check, exits 1
mod witness; // witness serve over HTTP: every tlog-witness status, restarts, races; Go x/mod + torchwood peers
