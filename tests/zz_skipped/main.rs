//! The last word of `cargo test`: which tests were skipped, and why.
//!
//! A skipped test passes (libtest has no "skipped" result), so without this a normal run reports
//! it as `ok` and its notice is hidden in captured output. Cargo runs this binary after `it`:
//! test targets run in the order of their names, so `zz_skipped` comes after `it` (and after
//! the library's and binary's unit tests; only the doc tests follow it). It has no test harness
//! (`harness = false` in Cargo.toml): it prints the skips recorded by this run, or one line
//! saying there were none, and succeeds either way (under `CI=true` a skip already failed).

mod summary;

fn main() {
    let run = std::os::unix::process::parent_id();
    match summary::take_summary(&summary::dir(), run) {
        Some(text) => {
            let rule = "=".repeat(72);
            println!("\n{rule}\n{}{rule}\n", text);
        }
        None => println!("\nno tests were skipped\n"),
    }
}
