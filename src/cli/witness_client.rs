//! The C2SP tlog-witness client: one `add-checkpoint` request to one witness, and its answer.
//!
//! Blocking (ureq) with one overall timeout per request, so a witness that is down or slow costs
//! at most that long and the operator goes on with the others.

use claimledger::format::witness::{AddCheckpoint, SIZE_CONTENT_TYPE, parse_size_body};
use std::time::Duration;

/// Largest answer body read from a witness: cosignature lines are ~150 bytes each; anything
/// this large is not an answer to trust.
const MAX_ANSWER: u64 = 64 * 1024;

/// How a witness answered an `add-checkpoint` request (c2sp.org/tlog-witness).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// 200: the body holds the witness's cosignature lines (signed-note signature lines).
    Cosigned(String),
    /// 409 with `text/x.tlog.size`: the witness's latest size for this log is not the old size
    /// sent. Resend from this size.
    Conflict(u64),
    /// 422: the consistency proof does not lead from the tree the witness knows to this
    /// checkpoint. The witness saw a different history: evidence of a fork or a rebuild.
    Inconsistent(String),
    /// 400 (malformed request), 403 (unknown log, or a signature the witness cannot verify),
    /// 404 (no such endpoint), or any other status: the request was refused.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The body, trimmed and shortened, to show the operator.
        message: String,
    },
    /// No answer: connection refused, name not resolved, or the timeout passed.
    Unreachable(String),
}

/// A tlog-witness client with one overall timeout per request.
pub struct WitnessClient {
    agent: ureq::Agent,
}

impl WitnessClient {
    /// A client whose requests each give up after `timeout` (connect, send and answer).
    pub fn new(timeout: Duration) -> WitnessClient {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            // A witness answers at its own URL; a redirect could send the checkpoint elsewhere.
            .max_redirects(0)
            .user_agent(concat!("claimledger/", env!("CARGO_PKG_VERSION")))
            .build();
        WitnessClient {
            agent: config.into(),
        }
    }

    /// POST `request` to `<url>/add-checkpoint`.
    pub fn add_checkpoint(&self, url: &str, request: &AddCheckpoint) -> Answer {
        let endpoint = format!("{}/add-checkpoint", url.trim_end_matches('/'));
        let resp = match self.agent.post(&endpoint).send(request.to_body()) {
            Ok(r) => r,
            Err(e) => return Answer::Unreachable(e.to_string()),
        };
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = match resp
            .into_body()
            .into_with_config()
            .limit(MAX_ANSWER)
            .read_to_string()
        {
            Ok(t) => t,
            Err(e) => return Answer::Unreachable(format!("reading the answer: {e}")),
        };
        match status {
            200 => Answer::Cosigned(text),
            409 => {
                let size = content_type
                    .starts_with(SIZE_CONTENT_TYPE)
                    .then(|| parse_size_body(text.as_bytes()))
                    .flatten();
                match size {
                    Some(n) => Answer::Conflict(n),
                    None => Answer::Refused {
                        status,
                        message: format!(
                            "409 without a text/x.tlog.size body (got {content_type:?}: {})",
                            shorten(&text)
                        ),
                    },
                }
            }
            422 => Answer::Inconsistent(shorten(&text)),
            _ => Answer::Refused {
                status,
                message: shorten(&text),
            },
        }
    }
}

/// A witness's message, one line and at most 200 characters, for the operator's terminal.
fn shorten(text: &str) -> String {
    let one_line: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match one_line.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_short_line() {
        assert_eq!(shorten(" a\nb\r\n"), "a b");
        assert_eq!(shorten(&"x".repeat(300)).chars().count(), 201);
    }
}
