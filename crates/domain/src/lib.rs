//! The pure domain of Otinish. No IO, no async runtime, no clock reads: time is passed in.
//!
//! * [`ids`] — IIN, BIN, email, phone, parsed and checked.
//! * [`model`] — bodies, officials (VC-01), branches, staff, applicants, the
//!   registration-control card (GEN-05) and its state machine.
//! * [`calendar`] — the working-day calendar (GEN-02, GEN-03).
//! * [`rulebook`] — editions of the law with effective dates (GEN-01).
//! * [`deadline`] — the deadline engine (GEN-04).
//! * [`journal`] — the hash-chained audit journal (GEN-06).
//! * [`search`] — full-text search queries over cards.
//! * [`vks`] — reception by videoconference: quarterly schedules, slots, requests (VC).
//! * [`personal`] — personal reception: when a sign-up is taken, first heads' monthly
//!   receptions in centers, distribution in queue order (PR).
//! * [`reception`] — a booked VKS reception: decision, timetable, changes, equipment check,
//!   check-in, record (VC-09 … VC-18).
//! * [`video`] — video appeals: the recording's real container and duration, the secret code,
//!   the receipt's Code 128 barcode (VA).
//! * [`signature`] — what was established about an applicant's signature (EA-06).
//! * [`job`] — background jobs: enqueued with the change that causes them, leased, retried,
//!   dead after their maximum.
//! * [`repo`] — the repository traits the store implements.

#[macro_use]
mod macros;
pub mod appeal;
pub mod calendar;
pub mod deadline;
pub mod hearing;
pub mod ids;
pub mod job;
pub mod journal;
pub mod lang;
pub mod model;
pub mod notice;
pub mod personal;
pub mod reception;
pub mod repo;
pub mod report;
pub mod rulebook;
pub mod search;
pub mod signature;
pub mod video;
pub mod vks;

pub use lang::{Lang, Names};
