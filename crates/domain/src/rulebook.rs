//! Rulebooks (GEN-01): successive editions of the law as data with effective dates.
//!
//! Each appeal is governed by the editions in force **on the day it was received**: the
//! edition of its channel (e.g. `VC-2021` for a VKS request) and the general law on appeals
//! (`LAW-221` until 1 Jul 2021, `APPC-2021` after). A channel edition's term overrides a
//! general term with the same key. A deployment adds a newer edition by adding a file.

use crate::lang::Names;
use crate::model::{AppealKind, Channel};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulebookError {
    #[error("rulebook file `{file}` is not valid: {message}")]
    Parse { file: String, message: String },
    #[error("rulebooks `{a}` and `{b}` of family {family} overlap in time")]
    Overlap {
        family: String,
        a: String,
        b: String,
    },
    #[error("rulebook `{0}` is defined twice")]
    Duplicate(String),
    #[error("no rulebook for channel `{channel}` is in force on {date}")]
    NoneInForce { channel: String, date: NaiveDate },
    #[error("rulebook `{0}` is not known")]
    Unknown(String),
}

/// How a term is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    WorkingDays,
    CalendarDays,
}

/// The event a term counts from (or, for `before_*`, back from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    Receipt,
    Registration,
    Decision,
    Signing,
    BeforeQuarter,
    BeforeMonth,
    BeforeReception,
    BeforeDecision,
}

impl Anchor {
    pub fn is_backward(self) -> bool {
        matches!(
            self,
            Anchor::BeforeQuarter
                | Anchor::BeforeMonth
                | Anchor::BeforeReception
                | Anchor::BeforeDecision
        )
    }
}

/// A term of the law: "the answer within 15 working days of receipt".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// What the term is for, e.g. `answer`, `redirect`, `vks_decision`, `schedule_to_operator`.
    pub key: String,
    /// The clause it implements (RULES.md ID or statute article).
    pub rule: String,
    /// Where a channel's own clause sets this general term (an e-appeal's answer term is
    /// EA-14's, a VKS request's VC-19's), that clause by channel; `rule` for the others.
    #[serde(default)]
    pub rule_for: std::collections::BTreeMap<Channel, String>,
    pub amount: u32,
    pub unit: Unit,
    pub from: Anchor,
    /// Kinds of appeal it applies to; empty = all.
    #[serde(default)]
    pub kinds: Vec<AppealKind>,
    /// Whether the term is listed for every case (`true`) or only computed on request, such as
    /// schedule and timetable terms.
    #[serde(default = "yes")]
    pub per_case: bool,
    pub description: Names,
}

impl Term {
    /// The clause that sets this term for a case on `channel`.
    pub fn rule_on(&self, channel: Channel) -> &str {
        self.rule_for.get(&channel).unwrap_or(&self.rule)
    }
}

fn yes() -> bool {
    true
}

/// A step the procedure requires, e.g. the hearing before a refusal (VC-10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub key: String,
    pub rule: String,
    /// The decision the step must precede, if any.
    #[serde(default)]
    pub before_decision: Option<String>,
    pub description: Names,
}

/// How a term may be extended (APPC art. 76).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRule {
    pub rule: String,
    /// Which term may be extended.
    pub term: String,
    /// The whole procedure, from receipt, may last at most this many calendar months.
    pub max_total_months: u32,
    /// The applicant is told within this many working days of the extension.
    pub notice_working_days: u32,
    /// Whether the extension needs written reasons.
    #[serde(default = "yes")]
    pub reasons_required: bool,
}

/// One edition of the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rulebook {
    pub id: String,
    /// Editions of one family replace each other (`EA`, `VC`, `PR`, `GENERAL`).
    pub family: String,
    pub title: Names,
    pub source: String,
    pub effective_from: NaiveDate,
    /// First day it is no longer in force; `None` = in force until replaced.
    #[serde(default)]
    pub effective_to: Option<NaiveDate>,
    /// Channels it governs; empty = every channel (the general law).
    #[serde(default)]
    pub channels: Vec<Channel>,
    #[serde(default, rename = "term")]
    pub terms: Vec<Term>,
    /// Decisions allowed on an appeal, by key.
    #[serde(default)]
    pub decisions: Vec<String>,
    #[serde(default, rename = "step")]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub extension: Option<ExtensionRule>,
    /// Set when the edition is a reading of the acts rather than a published text (e.g. an
    /// amendment "in force until" a day, read as restoring the earlier wording): why it must
    /// be confirmed. Until the deployment's administrator confirms it, staff see the mark on
    /// every card it governs, and it does not open a channel the last confirmed edition of
    /// its family had closed (GEN-01).
    #[serde(default)]
    pub to_be_confirmed: Option<Names>,
    /// The effective date is not in the acts themselves but reckoned (ten calendar days after
    /// the first official publication): approximate.
    #[serde(default)]
    pub effective_from_approximate: bool,
}

impl Rulebook {
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.effective_from <= day && self.effective_to.is_none_or(|to| day < to)
    }

    fn is_general(&self) -> bool {
        self.channels.is_empty()
    }

    fn governs(&self, channel: Channel) -> bool {
        self.channels.contains(&channel)
    }

    /// Whether the edition still waits for the administrator's confirmation, given the
    /// editions confirmed so far.
    pub fn awaits_confirmation(&self, confirmed: &BTreeSet<String>) -> bool {
        self.to_be_confirmed.is_some() && !confirmed.contains(&self.id)
    }
}

/// Editions the deployment's administrator has confirmed (by id).
pub type Confirmed = BTreeSet<String>;

/// All editions a deployment knows.
#[derive(Debug, Clone, Default)]
pub struct RulebookSet {
    books: Vec<Rulebook>,
}

/// The rules that govern one appeal: its channel's edition (if any) and the general law.
#[derive(Debug, Clone, Copy)]
pub struct Governing<'a> {
    pub channel_book: Option<&'a Rulebook>,
    pub general_book: Option<&'a Rulebook>,
}

impl<'a> Governing<'a> {
    /// The edition named on the card: the channel's if there is one, else the general one.
    pub fn primary_id(&self) -> &'a str {
        self.channel_book
            .or(self.general_book)
            .map_or("", |b| b.id.as_str())
    }

    /// The term with `key` for an appeal of `kind`: the channel edition wins.
    pub fn term(&self, key: &str, kind: AppealKind) -> Option<(&'a Rulebook, &'a Term)> {
        [self.channel_book, self.general_book]
            .into_iter()
            .flatten()
            .find_map(|b| {
                b.terms
                    .iter()
                    .find(|t| t.key == key && (t.kinds.is_empty() || t.kinds.contains(&kind)))
                    .map(|t| (b, t))
            })
    }

    /// Every per-case term that applies to `kind`, one per key (channel edition first).
    pub fn case_terms(&self, kind: AppealKind) -> Vec<(&'a Rulebook, &'a Term)> {
        let mut out: Vec<(&Rulebook, &Term)> = Vec::new();
        for b in [self.channel_book, self.general_book].into_iter().flatten() {
            for t in &b.terms {
                let applies = t.per_case && (t.kinds.is_empty() || t.kinds.contains(&kind));
                if applies && !out.iter().any(|(_, o)| o.key == t.key) {
                    out.push((b, t));
                }
            }
        }
        out
    }

    /// Decisions allowed: the channel edition's list if it has one, else the general list.
    pub fn decisions(&self) -> &'a [String] {
        match self.channel_book {
            Some(b) if !b.decisions.is_empty() => &b.decisions,
            _ => self.general_book.map_or(&[], |b| &b.decisions),
        }
    }

    pub fn decision_allowed(&self, decision: &str) -> bool {
        self.decisions().iter().any(|d| d == decision)
    }

    /// Steps that must precede `decision` (e.g. the hearing before a refusal, VC-10).
    pub fn steps_before(&self, decision: &str) -> Vec<&'a Step> {
        [self.channel_book, self.general_book]
            .into_iter()
            .flatten()
            .flat_map(|b| b.steps.iter())
            .filter(|s| s.before_decision.as_deref() == Some(decision))
            .collect()
    }

    /// The governing editions that still wait for the administrator's confirmation: staff
    /// see them marked on the card.
    pub fn awaiting_confirmation(&self, confirmed: &Confirmed) -> Vec<&'a Rulebook> {
        [self.channel_book, self.general_book]
            .into_iter()
            .flatten()
            .filter(|b| b.awaits_confirmation(confirmed))
            .collect()
    }

    pub fn extension(&self) -> Option<(&'a Rulebook, &'a ExtensionRule)> {
        [self.channel_book, self.general_book]
            .into_iter()
            .flatten()
            .find_map(|b| b.extension.as_ref().map(|e| (b, e)))
    }
}

impl RulebookSet {
    /// Parses and checks a set of rulebook files `(file name, TOML text)`.
    pub fn from_toml_files<'s>(
        files: impl IntoIterator<Item = (&'s str, &'s str)>,
    ) -> Result<Self, RulebookError> {
        let mut books = Vec::new();
        for (name, text) in files {
            let b: Rulebook = toml::from_str(text).map_err(|e| RulebookError::Parse {
                file: name.to_owned(),
                message: e.to_string(),
            })?;
            books.push(b);
        }
        Self::new(books)
    }

    pub fn new(mut books: Vec<Rulebook>) -> Result<Self, RulebookError> {
        books.sort_by(|a, b| (&a.family, a.effective_from).cmp(&(&b.family, b.effective_from)));
        for (i, a) in books.iter().enumerate() {
            for b in &books[i + 1..] {
                if a.id == b.id {
                    return Err(RulebookError::Duplicate(a.id.clone()));
                }
                let same_scope = a.family == b.family
                    && (a.channels.is_empty() && b.channels.is_empty()
                        || a.channels.iter().any(|c| b.channels.contains(c)));
                let overlap = a.effective_to.is_none_or(|to| b.effective_from < to);
                if same_scope && overlap {
                    return Err(RulebookError::Overlap {
                        family: a.family.clone(),
                        a: a.id.clone(),
                        b: b.id.clone(),
                    });
                }
            }
        }
        Ok(Self { books })
    }

    pub fn all(&self) -> &[Rulebook] {
        &self.books
    }

    pub fn get(&self, id: &str) -> Option<&Rulebook> {
        self.books.iter().find(|b| b.id == id)
    }

    /// GEN-01: the editions in force on the day of receipt for an appeal on `channel`.
    pub fn governing(
        &self,
        channel: Channel,
        received_on: NaiveDate,
    ) -> Result<Governing<'_>, RulebookError> {
        let channel_book = self
            .books
            .iter()
            .find(|b| b.governs(channel) && b.in_force_on(received_on));
        let general_book = self
            .books
            .iter()
            .find(|b| b.is_general() && b.in_force_on(received_on));
        if channel_book.is_none() && general_book.is_none() {
            return Err(RulebookError::NoneInForce {
                channel: channel.to_string(),
                date: received_on,
            });
        }
        Ok(Governing {
            channel_book,
            general_book,
        })
    }

    /// Whether some edition governs `channel` on `day` specifically (e.g. the VKS service
    /// exists on that day). The general law alone does not open a channel, and an edition
    /// still to be confirmed does not reopen a channel: it is open only if the last confirmed
    /// edition of its family before it governed the channel too (video appeals, closed by
    /// VC-2023, stay closed until VC-2026 is confirmed).
    pub fn channel_open(&self, channel: Channel, day: NaiveDate, confirmed: &Confirmed) -> bool {
        let Some(book) = self
            .books
            .iter()
            .find(|b| b.governs(channel) && b.in_force_on(day))
        else {
            return false;
        };
        if !book.awaits_confirmation(confirmed) {
            return true;
        }
        self.books
            .iter()
            .filter(|p| {
                p.family == book.family
                    && p.effective_from < book.effective_from
                    && !p.awaits_confirmation(confirmed)
            })
            .max_by_key(|p| p.effective_from)
            .is_some_and(|p| p.governs(channel))
    }
}
