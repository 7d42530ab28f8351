//! The audit journal (GEN-06): append-only; each entry carries the hash of the previous one,
//! so altering or removing any entry breaks every link after it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash the first entry links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A state change about to be journaled: who, when, what, from which state to which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalDraft {
    pub at: DateTime<Utc>,
    /// `staff:12`, `applicant:IIN`, `system`, `cli`…
    pub actor: String,
    /// What changed: `card:42`, `calendar:KZ`, `staff:7`…
    pub subject: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// Further facts as JSON text (kept verbatim; it is part of the hash).
    pub details: String,
}

impl JournalDraft {
    pub fn new(
        at: DateTime<Utc>,
        actor: impl Into<String>,
        subject: impl Into<String>,
        action: impl Into<String>,
    ) -> Self {
        Self {
            at,
            actor: actor.into(),
            subject: subject.into(),
            action: action.into(),
            from_state: None,
            to_state: None,
            details: "{}".into(),
        }
    }

    pub fn states(mut self, from: Option<&str>, to: Option<&str>) -> Self {
        self.from_state = from.map(str::to_owned);
        self.to_state = to.map(str::to_owned);
        self
    }

    pub fn details(mut self, json: impl Into<String>) -> Self {
        self.details = json.into();
        self
    }
}

/// A journaled entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub seq: i64,
    pub draft: JournalDraft,
    pub prev_hash: String,
    pub hash: String,
}

fn field(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s.as_bytes());
}

/// The hash of entry `seq` linked to `prev_hash`. Every field is length-prefixed, so no two
/// different entries share an encoding.
pub fn entry_hash(prev_hash: &str, seq: i64, d: &JournalDraft) -> String {
    let mut h = Sha256::new();
    h.update(b"otinish-journal-v1");
    field(&mut h, prev_hash);
    h.update(seq.to_be_bytes());
    h.update(d.at.timestamp_micros().to_be_bytes());
    field(&mut h, &d.actor);
    field(&mut h, &d.subject);
    field(&mut h, &d.action);
    field(&mut h, d.from_state.as_deref().unwrap_or("\u{0}"));
    field(&mut h, d.to_state.as_deref().unwrap_or("\u{0}"));
    field(&mut h, &d.details);
    hex::encode(h.finalize())
}

/// The first broken link found in a journal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrokenLink {
    #[error("entry {seq}: its content does not match its hash (altered)")]
    Altered { seq: i64 },
    #[error(
        "entry {seq}: it does not link to the entry before it (an entry was removed or replaced)"
    )]
    Unlinked { seq: i64 },
    #[error("entry {seq}: expected sequence number {expected} (an entry is missing)")]
    Gap { seq: i64, expected: i64 },
}

/// Checks entries one by one, in sequence order, keeping only the last hash.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev_hash: String,
    next_seq: i64,
    pub checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            prev_hash: GENESIS_HASH.to_owned(),
            next_seq: 1,
            checked: 0,
        }
    }
}

impl ChainVerifier {
    pub fn feed(&mut self, e: &JournalEntry) -> Result<(), BrokenLink> {
        if e.seq != self.next_seq {
            return Err(BrokenLink::Gap {
                seq: e.seq,
                expected: self.next_seq,
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(BrokenLink::Unlinked { seq: e.seq });
        }
        if entry_hash(&e.prev_hash, e.seq, &e.draft) != e.hash {
            return Err(BrokenLink::Altered { seq: e.seq });
        }
        self.prev_hash.clone_from(&e.hash);
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// The head the journal's last entry must have, when the store keeps one.
    pub fn last_hash(&self) -> &str {
        &self.prev_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<JournalEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let draft = JournalDraft::new(
                    DateTime::<Utc>::from_timestamp(1_700_000_000 + seq, 0).unwrap_or_default(),
                    "system",
                    format!("card:{seq}"),
                    "register",
                )
                .states(Some("received"), Some("registered"));
                let hash = entry_hash(&prev, seq, &draft);
                let e = JournalEntry {
                    seq,
                    draft,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    /// GEN-06: a chain verifies; altering, removing or reordering an entry is found and named.
    #[test]
    fn gen_06_hash_chain_detects_alteration_and_removal() {
        let entries = chain(5);
        let mut v = ChainVerifier::default();
        assert!(entries.iter().all(|e| v.feed(e).is_ok()));
        assert_eq!(v.checked, 5);

        let mut altered = entries.clone();
        altered[2].draft.to_state = Some("archived".into());
        let mut v = ChainVerifier::default();
        let r = altered.iter().try_for_each(|e| v.feed(e));
        assert_eq!(r, Err(BrokenLink::Altered { seq: 3 }));

        let mut removed = entries.clone();
        removed.remove(1);
        let mut v = ChainVerifier::default();
        assert_eq!(
            removed.iter().try_for_each(|e| v.feed(e)),
            Err(BrokenLink::Gap {
                seq: 3,
                expected: 2
            })
        );

        // Re-hashing the altered entry is not enough: the next link breaks.
        let mut rehashed = altered;
        rehashed[2].hash = entry_hash(&rehashed[2].prev_hash, 3, &rehashed[2].draft);
        let mut v = ChainVerifier::default();
        assert_eq!(
            rehashed.iter().try_for_each(|e| v.feed(e)),
            Err(BrokenLink::Unlinked { seq: 4 })
        );
    }
}
