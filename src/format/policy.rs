//! Witness policies (C2SP tlog-policy, Sigsum's policy file): which witnesses, and how many of them
//! must cosign a checkpoint before a verifier trusts it.
//!
//! Text format (FORMAT.md §15), one item per line, tokens separated by spaces or tabs:
//!
//! ```text
//! # comments and blank lines are ignored
//! log <log vkey (type 0x01)> [<url>]
//! witness <name> <witness vkey (type 0x04)> [<url>]
//! group <name> all|any|<k> <member>...
//! quorum <name>|none
//! ```
//!
//! Exactly one `quorum` line; a `group` or `quorum` line names only witnesses and groups defined
//! on earlier lines; names are unique (`none` is reserved); a witness key or log key appears once
//! (keys are compared by public key, whatever their name); each name is a member of a group at
//! most once. A witness counts once however many lines it has on a note, so "k of n" always means
//! k *distinct* witnesses.
//!
//! API: [`Policy::parse`] / `FromStr`, [`Policy::to_text`] (`Display`), [`Policy::k_of_n`] (the
//! CLI quick form `--witness VKEY … --quorum K`), [`Policy::check`] (open a signed checkpoint
//! with the log key and judge its cosignatures) and [`Policy::evaluate`] (judge an already opened
//! note), both returning a [`PolicyVerdict`] with a per-witness ✓/✗.

use crate::format::checkpoint::{Checkpoint, CheckpointError, open_checkpoint};
use crate::format::cosignature::{WitnessKey, WitnessStatus, check_cosignatures};
use crate::format::keys::{KeyError, VerifyingKey};
use crate::format::note::Note;
use std::fmt;
use std::str::FromStr;

/// Most logs, witnesses and groups (each) a policy may define; the spec recommends at least 32.
pub const MAX_POLICY_ITEMS: usize = 256;

/// Longest policy text accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;

/// A witness listed in a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyWitness {
    /// The policy-local name (for `group` and `quorum` lines; not the key name).
    pub name: String,
    /// The witness's cosignature verifier key.
    pub key: WitnessKey,
    /// The witness's tlog-witness submission prefix, if given.
    pub url: Option<String>,
}

/// A log listed in a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyLog {
    /// The log's verifier key; its name is the log's origin.
    pub key: VerifyingKey,
    /// The log's URL, if given.
    pub url: Option<String>,
}

/// A group: satisfied when at least `threshold` of its members are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyGroup {
    /// The group's name.
    pub name: String,
    /// How many members must be satisfied (1 ..= members.len()).
    pub threshold: usize,
    /// Member names (witnesses or earlier groups), each once.
    pub members: Vec<String>,
    /// How the threshold was written (`all`, `any` or the number), kept for printing.
    written: String,
}

/// Why a policy text or a policy check was rejected.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// A line of the policy text is wrong.
    #[error("policy line {line}: {what}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong, and what to write instead.
        what: String,
    },
    /// A key on a policy line is invalid.
    #[error("policy line {line}: {source}")]
    Key {
        /// 1-based line number.
        line: usize,
        /// The key error.
        #[source]
        source: KeyError,
    },
    /// The text has no `quorum` line.
    #[error("the policy has no quorum line; add 'quorum <witness or group>' or 'quorum none'")]
    NoQuorum,
    /// The text is not UTF-8 or too long.
    #[error("the policy is not a UTF-8 text of at most {MAX_POLICY_BYTES} bytes")]
    NotText,
    /// Quick form: k is larger than the number of witnesses.
    #[error("quorum {k} is larger than the {n} witnesses given")]
    QuorumTooLarge {
        /// Requested quorum.
        k: usize,
        /// Number of witnesses.
        n: usize,
    },
    /// Quick form: the same witness key was given twice.
    #[error("witness key {0} is given twice")]
    DuplicateWitness(String),
    /// The policy lists logs and the given log key is not one of them.
    #[error("log {0} is not listed in the policy; use the policy written for this ledger")]
    LogNotListed(String),
    /// The checkpoint does not open with the log key.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
}

fn line_error(line: usize, what: impl Into<String>) -> PolicyError {
    PolicyError::Line {
        line,
        what: what.into(),
    }
}

/// The quorum rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Quorum {
    /// `quorum none`: no cosignature required.
    None,
    /// `quorum <name>`: that witness or group must be satisfied.
    Name(String),
}

/// A parsed, valid witness policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    logs: Vec<PolicyLog>,
    witnesses: Vec<PolicyWitness>,
    groups: Vec<PolicyGroup>,
    quorum: Quorum,
}

/// One witness in a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessVerdict {
    /// The policy-local name.
    pub name: String,
    /// The witness key.
    pub key: WitnessKey,
    /// Verified (✓), missing or invalid (✗).
    pub status: WitnessStatus,
}

/// The result of judging a checkpoint against a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyVerdict {
    /// Every listed witness, in policy order.
    pub witnesses: Vec<WitnessVerdict>,
    /// Number of distinct listed witnesses whose cosignature verified.
    pub verified: usize,
    /// Whether the quorum rule is satisfied.
    pub met: bool,
    /// The rule in words, e.g. `2 of 3 witnesses` or `group X-and-Y`.
    pub rule: String,
}

fn is_name_token(name: &str) -> bool {
    !name.is_empty() && name != "none"
}

impl Policy {
    /// Parse a policy text (see the module docs and FORMAT.md §15).
    ///
    /// MUST reject: control characters other than tab and newline; unknown keywords; a wrong
    /// number of tokens; an invalid key, a log key of type other than 0x01 or a witness key of
    /// type other than 0x04; duplicate names, duplicate keys, a reference to an undefined or later
    /// name, a member listed twice, a threshold not in `1 ..= n`; zero or several `quorum` lines;
    /// more than [`MAX_POLICY_ITEMS`] logs, witnesses or groups. Never panics.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::NotText);
        }
        let mut policy = Policy {
            logs: Vec::new(),
            witnesses: Vec::new(),
            groups: Vec::new(),
            quorum: Quorum::None,
        };
        let mut quorum_seen = false;
        for (i, line) in text.split('\n').enumerate() {
            let n = i + 1;
            if line.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
                return Err(line_error(
                    n,
                    "control character (only tab and newline are allowed)",
                ));
            }
            let tokens: Vec<&str> = line.split([' ', '\t']).filter(|t| !t.is_empty()).collect();
            let Some(&keyword) = tokens.first() else {
                continue;
            };
            if keyword.starts_with('#') {
                continue;
            }
            let args = &tokens[1..];
            match keyword {
                "log" => {
                    if !(1..=2).contains(&args.len()) {
                        return Err(line_error(n, "expected 'log <vkey> [<url>]'"));
                    }
                    let key: VerifyingKey = args[0]
                        .parse()
                        .map_err(|source| PolicyError::Key { line: n, source })?;
                    if policy
                        .logs
                        .iter()
                        .any(|l| l.key.public_bytes() == key.public_bytes())
                    {
                        return Err(line_error(n, "this log key is listed twice"));
                    }
                    policy.logs.push(PolicyLog {
                        key,
                        url: args.get(1).map(|u| (*u).to_owned()),
                    });
                    if policy.logs.len() > MAX_POLICY_ITEMS {
                        return Err(line_error(n, "too many logs"));
                    }
                }
                "witness" => {
                    if !(2..=3).contains(&args.len()) {
                        return Err(line_error(n, "expected 'witness <name> <vkey> [<url>]'"));
                    }
                    let key: WitnessKey = args[1]
                        .parse()
                        .map_err(|source| PolicyError::Key { line: n, source })?;
                    policy.define_name(n, args[0])?;
                    if policy
                        .witnesses
                        .iter()
                        .any(|w| w.key.public_bytes() == key.public_bytes())
                    {
                        return Err(line_error(n, "this witness key is listed twice"));
                    }
                    policy.witnesses.push(PolicyWitness {
                        name: args[0].to_owned(),
                        key,
                        url: args.get(2).map(|u| (*u).to_owned()),
                    });
                    if policy.witnesses.len() > MAX_POLICY_ITEMS {
                        return Err(line_error(n, "too many witnesses"));
                    }
                }
                "group" => {
                    if args.len() < 3 {
                        return Err(line_error(
                            n,
                            "expected 'group <name> all|any|<k> <member>...'",
                        ));
                    }
                    let members: Vec<String> = args[2..].iter().map(|m| (*m).to_owned()).collect();
                    // Each member is a distinct defined name, so there cannot be more of them
                    // than names defined so far; checking this first bounds the work below.
                    if members.len() > policy.witnesses.len() + policy.groups.len() {
                        return Err(line_error(
                            n,
                            "more members than witnesses and groups defined above",
                        ));
                    }
                    for (j, m) in members.iter().enumerate() {
                        if !policy.is_defined(m) {
                            return Err(line_error(
                                n,
                                format!("member {m:?} is not a witness or group defined above"),
                            ));
                        }
                        if members[..j].contains(m) {
                            return Err(line_error(n, format!("member {m:?} is listed twice")));
                        }
                    }
                    let threshold = match args[1] {
                        "all" => members.len(),
                        "any" => 1,
                        k => parse_threshold(k)
                            .filter(|k| (1..=members.len()).contains(k))
                            .ok_or_else(|| {
                                line_error(
                                    n,
                                    format!(
                                        "threshold {k:?} is not all, any or a number from 1 to {}",
                                        members.len()
                                    ),
                                )
                            })?,
                    };
                    policy.define_name(n, args[0])?;
                    policy.groups.push(PolicyGroup {
                        name: args[0].to_owned(),
                        threshold,
                        members,
                        written: args[1].to_owned(),
                    });
                    if policy.groups.len() > MAX_POLICY_ITEMS {
                        return Err(line_error(n, "too many groups"));
                    }
                }
                "quorum" => {
                    if quorum_seen {
                        return Err(line_error(n, "a policy has exactly one quorum line"));
                    }
                    if args.len() != 1 {
                        return Err(line_error(n, "expected 'quorum <name>' or 'quorum none'"));
                    }
                    policy.quorum = if args[0] == "none" {
                        Quorum::None
                    } else if policy.is_defined(args[0]) {
                        Quorum::Name(args[0].to_owned())
                    } else {
                        return Err(line_error(
                            n,
                            format!(
                                "quorum {:?} is not a witness or group defined above",
                                args[0]
                            ),
                        ));
                    };
                    quorum_seen = true;
                }
                other => {
                    return Err(line_error(
                        n,
                        format!(
                            "unknown keyword {other:?}; expected log, witness, group or quorum"
                        ),
                    ));
                }
            }
        }
        if !quorum_seen {
            return Err(PolicyError::NoQuorum);
        }
        Ok(policy)
    }

    fn is_defined(&self, name: &str) -> bool {
        self.witnesses.iter().any(|w| w.name == name) || self.groups.iter().any(|g| g.name == name)
    }

    fn define_name(&self, line: usize, name: &str) -> Result<(), PolicyError> {
        if !is_name_token(name) {
            return Err(line_error(line, "the name 'none' is reserved"));
        }
        if self.is_defined(name) {
            return Err(line_error(line, format!("name {name:?} is defined twice")));
        }
        Ok(())
    }

    /// The quick form: `k` of the given witnesses (distinct keys), no listed logs.
    ///
    /// `k == 0` is `quorum none`. Witness names are their key names (suffixed `#2`, `#3`… when
    /// two keys share a name). MUST reject `k > n` and a key given twice.
    pub fn k_of_n(
        witnesses: Vec<(WitnessKey, Option<String>)>,
        k: usize,
    ) -> Result<Policy, PolicyError> {
        let n = witnesses.len();
        if k > n {
            return Err(PolicyError::QuorumTooLarge { k, n });
        }
        let mut listed: Vec<PolicyWitness> = Vec::with_capacity(n);
        for (key, url) in witnesses {
            if listed
                .iter()
                .any(|w| w.key.public_bytes() == key.public_bytes())
            {
                return Err(PolicyError::DuplicateWitness(key.to_string()));
            }
            let mut name = key.name().to_owned();
            let mut suffix = 1;
            while name == "none" || listed.iter().any(|w| w.name == name) {
                suffix += 1;
                name = format!("{}#{suffix}", key.name());
            }
            listed.push(PolicyWitness { name, key, url });
        }
        let quorum = if k == 0 {
            Quorum::None
        } else {
            Quorum::Name("quorum".into())
        };
        let groups = if k == 0 {
            Vec::new()
        } else {
            let mut group_name = "quorum".to_owned();
            while listed.iter().any(|w| w.name == group_name) {
                group_name.push('_');
            }
            vec![PolicyGroup {
                name: group_name,
                threshold: k,
                members: listed.iter().map(|w| w.name.clone()).collect(),
                written: k.to_string(),
            }]
        };
        let quorum = match (quorum, groups.first()) {
            (Quorum::Name(_), Some(g)) => Quorum::Name(g.name.clone()),
            (q, _) => q,
        };
        Ok(Policy {
            logs: Vec::new(),
            witnesses: listed,
            groups,
            quorum,
        })
    }

    /// The listed logs (may be empty: then any log key given to [`Policy::check`] is accepted).
    pub fn logs(&self) -> &[PolicyLog] {
        &self.logs
    }

    /// The listed witnesses, in file order.
    pub fn witnesses(&self) -> &[PolicyWitness] {
        &self.witnesses
    }

    /// The groups, in file order.
    pub fn groups(&self) -> &[PolicyGroup] {
        &self.groups
    }

    /// The quorum rule.
    pub fn quorum(&self) -> &Quorum {
        &self.quorum
    }

    /// The witness keys, in policy order (for [`check_cosignatures`]).
    pub fn witness_keys(&self) -> Vec<WitnessKey> {
        self.witnesses.iter().map(|w| w.key.clone()).collect()
    }

    /// The policy as text; [`Policy::parse`] reads it back to an equal policy.
    pub fn to_text(&self) -> String {
        self.to_string()
    }

    /// Open `note` as a checkpoint signed by `log_key`, then judge its cosignatures.
    ///
    /// MUST fail if the policy lists logs and `log_key` is not one of them
    /// ([`PolicyError::LogNotListed`]) or if the log signature does not verify. A checkpoint
    /// that opens but lacks cosignatures is not an error: the verdict says `met: false`.
    pub fn check(
        &self,
        note: &[u8],
        log_key: &VerifyingKey,
    ) -> Result<(Checkpoint, PolicyVerdict), PolicyError> {
        if !self.logs.is_empty() && !self.logs.iter().any(|l| &l.key == log_key) {
            return Err(PolicyError::LogNotListed(log_key.to_string()));
        }
        let (checkpoint, parsed) = open_checkpoint(note, log_key)?;
        Ok((checkpoint, self.evaluate(&parsed)))
    }

    /// Judge the cosignatures on a note whose log signature the caller has verified.
    pub fn evaluate(&self, note: &Note) -> PolicyVerdict {
        let statuses = check_cosignatures(note, &self.witness_keys());
        let witnesses: Vec<WitnessVerdict> = self
            .witnesses
            .iter()
            .zip(statuses)
            .map(|(w, status)| WitnessVerdict {
                name: w.name.clone(),
                key: w.key.clone(),
                status,
            })
            .collect();
        let verified = witnesses.iter().filter(|w| w.status.is_verified()).count();
        let met = match &self.quorum {
            Quorum::None => true,
            Quorum::Name(name) => self.satisfied(name, &witnesses),
        };
        PolicyVerdict {
            witnesses,
            verified,
            met,
            rule: self.rule(),
        }
    }

    /// Whether witness or group `name` is satisfied. Groups are judged once each, in file
    /// order (a group names only earlier items), so the cost is linear in the policy's size even
    /// when groups share members (naive recursion would be exponential).
    fn satisfied(&self, name: &str, verdicts: &[WitnessVerdict]) -> bool {
        let mut met: std::collections::HashMap<&str, bool> = verdicts
            .iter()
            .map(|w| (w.name.as_str(), w.status.is_verified()))
            .collect();
        for group in &self.groups {
            let count = group
                .members
                .iter()
                .filter(|m| met.get(m.as_str()).copied().unwrap_or(false))
                .count();
            met.insert(group.name.as_str(), count >= group.threshold);
        }
        met.get(name).copied().unwrap_or(false)
    }

    fn rule(&self) -> String {
        match &self.quorum {
            Quorum::None => "no cosignature required".into(),
            Quorum::Name(name) => match self.groups.iter().find(|g| &g.name == name) {
                Some(g)
                    if g.members
                        .iter()
                        .all(|m| self.witnesses.iter().any(|w| &w.name == m)) =>
                {
                    format!("{} of {} witnesses", g.threshold, g.members.len())
                }
                Some(g) => format!("group {}", g.name),
                None => format!("witness {name}"),
            },
        }
    }
}

fn parse_threshold(text: &str) -> Option<usize> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

impl FromStr for Policy {
    type Err = PolicyError;

    fn from_str(text: &str) -> Result<Self, PolicyError> {
        Policy::parse(text)
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = |u: &Option<String>| u.as_ref().map(|u| format!(" {u}")).unwrap_or_default();
        for log in &self.logs {
            writeln!(f, "log {}{}", log.key, url(&log.url))?;
        }
        for w in &self.witnesses {
            writeln!(f, "witness {} {}{}", w.name, w.key, url(&w.url))?;
        }
        for g in &self.groups {
            writeln!(f, "group {} {} {}", g.name, g.written, g.members.join(" "))?;
        }
        match &self.quorum {
            Quorum::None => writeln!(f, "quorum none"),
            Quorum::Name(n) => writeln!(f, "quorum {n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::cosignature::{WitnessSigner, add_cosignatures};
    use crate::format::keys::SigningKey;

    fn log() -> SigningKey {
        SigningKey::from_seed("example.com/log", [1; 32]).expect("valid name")
    }

    fn witness(i: u8) -> WitnessSigner {
        WitnessSigner::new(
            SigningKey::from_seed(&format!("w{i}.example"), [10 + i; 32]).expect("valid name"),
        )
    }

    fn cosigned(by: &[u8]) -> String {
        let note = Checkpoint::new("example.com/log", 3, [4; 32])
            .expect("valid")
            .sign(&log())
            .expect("signs");
        let body = Note::parse(note.as_bytes())
            .expect("parses")
            .text()
            .to_owned();
        let lines: Vec<_> = by
            .iter()
            .map(|i| {
                witness(*i)
                    .cosign(&body, 1000)
                    .expect("in range")
                    .to_note_signature()
            })
            .collect();
        add_cosignatures(&note, &lines).expect("adds")
    }

    fn policy_text() -> String {
        format!(
            "# two organisations\nlog {log}\n\nwitness X1 {x1} https://w1.example/\nwitness X2 {x2}\n\twitness X3   {x3}\ngroup X 2 X1 X2 X3\nwitness Y1 {y1}\ngroup Y any Y1\ngroup XY all X Y\nquorum XY\n",
            log = log().verifying_key(),
            x1 = witness(1).witness_key(),
            x2 = witness(2).witness_key(),
            x3 = witness(3).witness_key(),
            y1 = witness(4).witness_key(),
        )
    }

    #[test]
    fn groups_and_quorum() {
        let policy: Policy = policy_text().parse().expect("valid policy");
        assert_eq!(policy.witnesses().len(), 4);
        assert_eq!(
            policy.witnesses()[0].url.as_deref(),
            Some("https://w1.example/")
        );
        let reparsed: Policy = policy.to_text().parse().expect("printed policy parses");
        assert_eq!(reparsed, policy);
        let vk = log().verifying_key();
        for (by, met, verified) in [
            (&[1u8, 2, 4][..], true, 3),
            (&[1, 2][..], false, 2),
            (&[1, 4][..], false, 2),
            (&[1, 2, 3, 4][..], true, 4),
            (&[5, 6, 7][..], false, 0),
        ] {
            let (cp, verdict) = policy.check(cosigned(by).as_bytes(), &vk).expect("opens");
            assert_eq!(cp.size, 3);
            assert_eq!(verdict.met, met, "{by:?}");
            assert_eq!(verdict.verified, verified, "{by:?}");
        }
        // A log not listed.
        let other = SigningKey::from_seed("example.com/log", [2; 32]).expect("valid name");
        assert!(matches!(
            policy.check(cosigned(&[1]).as_bytes(), &other.verifying_key()),
            Err(PolicyError::LogNotListed(_))
        ));
    }

    #[test]
    fn quick_form_counts_distinct_witnesses() {
        let keys: Vec<_> = (1..=3).map(|i| (witness(i).witness_key(), None)).collect();
        let policy = Policy::k_of_n(keys.clone(), 2).expect("valid");
        assert_eq!(policy.to_text().parse::<Policy>(), Ok(policy.clone()));
        let vk = log().verifying_key();
        // Witness 1 twice is still one witness.
        let note = cosigned(&[1]);
        let body = Note::parse(note.as_bytes())
            .expect("parses")
            .text()
            .to_owned();
        let again = witness(1)
            .cosign(&body, 2000)
            .expect("in range")
            .to_note_signature();
        let twice = format!("{note}{}\n", again.line());
        let (_, verdict) = policy.check(twice.as_bytes(), &vk).expect("opens");
        assert!(!verdict.met);
        assert_eq!(verdict.verified, 1);
        assert_eq!(verdict.rule, "2 of 3 witnesses");
        let (_, verdict) = policy
            .check(cosigned(&[1, 3]).as_bytes(), &vk)
            .expect("opens");
        assert!(verdict.met);
        assert!(matches!(
            Policy::k_of_n(keys.clone(), 4),
            Err(PolicyError::QuorumTooLarge { k: 4, n: 3 })
        ));
        let dup = vec![keys[0].clone(), keys[0].clone()];
        assert!(matches!(
            Policy::k_of_n(dup, 1),
            Err(PolicyError::DuplicateWitness(_))
        ));
        let none = Policy::k_of_n(keys, 0).expect("valid");
        assert!(
            none.check(cosigned(&[]).as_bytes(), &vk)
                .expect("opens")
                .1
                .met
        );
    }

    #[test]
    fn chained_groups_are_judged_in_linear_time() {
        // G(k) = all G(k-1) G(k-2): naive recursion would take Fibonacci(200) steps.
        let w = witness(1).witness_key();
        let mut text = format!("witness W {w}\ngroup G0 any W\ngroup G1 any W G0\n");
        for k in 2..200 {
            text.push_str(&format!("group G{k} all G{} G{}\n", k - 1, k - 2));
        }
        text.push_str("quorum G199\n");
        let policy: Policy = text.parse().expect("valid");
        let (_, verdict) = policy
            .check(cosigned(&[1]).as_bytes(), &log().verifying_key())
            .expect("opens");
        assert!(verdict.met);
        let (_, verdict) = policy
            .check(cosigned(&[]).as_bytes(), &log().verifying_key())
            .expect("opens");
        assert!(!verdict.met);
    }

    #[test]
    fn bad_policies() {
        let w1 = witness(1).witness_key();
        let w2 = witness(2).witness_key();
        let lk = log().verifying_key();
        let cases = [
            String::new(),
            "quorum none\nquorum none\n".into(),
            "quorum X\n".into(),
            format!("witness none {w1}\nquorum none\n"),
            format!("witness A {w1}\nwitness A {w2}\nquorum A\n"),
            format!("witness A {w1}\nwitness B {w1}\nquorum A\n"),
            format!("witness A {lk}\nquorum A\n"),
            format!("log {w1}\nquorum none\n"),
            format!("log {lk}\nlog {lk}\nquorum none\n"),
            format!("witness A {w1}\ngroup G 2 A\nquorum G\n"),
            format!("witness A {w1}\ngroup G 0 A\nquorum G\n"),
            format!("witness A {w1}\ngroup G 01 A\nquorum G\n"),
            format!("witness A {w1}\ngroup G any A A\nquorum G\n"),
            format!("witness A {w1}\ngroup G any B\nquorum G\n"),
            format!("witness A {w1}\ngroup G any\nquorum G\n"),
            format!("witness A {w1}\nquorum A\r\n"),
            format!("witness A {w1} url extra\nquorum A\n"),
            "witness\nquorum none\n".into(),
            "frobnicate\nquorum none\n".into(),
            "quorum\n".into(),
        ];
        for text in cases {
            assert!(Policy::parse(&text).is_err(), "{text:?}");
        }
        // Tabs, comments, leading space and no final newline are fine.
        let ok = format!("  # c\n\twitness\tA\t{w1}\t\nquorum A");
        assert!(Policy::parse(&ok).is_ok());
    }
}
