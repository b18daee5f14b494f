//! The progress bar of long runs (audit, publish, mirror): on standard error, only on a terminal
//! and never with `--json`, and only once the run has taken a second.

use std::io::IsTerminal;
use std::time::Instant;

/// A progress bar that stays hidden for short runs.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
}

impl Progress {
    /// `what` names the run and `unit` what it counts: "auditing", "entries" shows
    /// `auditing ████ 10/20 entries (…/s, eta …)`.
    pub fn new(json: bool, what: &str, unit: &str) -> Progress {
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new(0);
            let template =
                format!("{what} {{bar:40}} {{pos}}/{{len}} {unit} ({{per_sec}}, eta {{eta}})");
            if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
                b.set_style(style);
            }
            b.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            b
        });
        Progress {
            bar,
            started: Instant::now(),
        }
    }

    /// `done` of `total` so far (the library's progress callback).
    pub fn update(&self, done: u64, total: u64) {
        if let Some(b) = &self.bar {
            if self.started.elapsed().as_secs() >= 1 && b.is_hidden() {
                b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            b.set_length(total);
            b.set_position(done);
        }
    }

    /// Remove the bar before the summary prints.
    pub fn finish(self) {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}
