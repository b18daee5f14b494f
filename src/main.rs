//! The `claimledger` command: parse, run, map errors to exit codes — nothing else.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(cli::Outcome::Ok) => ExitCode::SUCCESS,
        Ok(cli::Outcome::VerificationFailed) => ExitCode::from(1),
        Err(err) if cli::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // Errors quote paths, references and file contents: shown escaped, on one line.
            eprintln!("claimledger: error: {:#}", cli::Shown(&err));
            if let Some(hint) = cli::hint(&err) {
                eprintln!("hint: {}", cli::Shown(hint));
            }
            ExitCode::from(2)
        }
    }
}
