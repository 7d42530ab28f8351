//! The repository implementations, one file per repository trait, each a macro that
//! [`impl_repos!`] expands for a backend.

#[macro_use]
mod body;
#[macro_use]
mod branch;
#[macro_use]
mod staff;
#[macro_use]
mod applicant;
#[macro_use]
mod card;
#[macro_use]
mod calendar;
#[macro_use]
mod journal;
#[macro_use]
mod mobile_signing;
#[macro_use]
mod hearing;
#[macro_use]
mod revocation;
#[macro_use]
mod appeal;
#[macro_use]
mod notice;
#[macro_use]
mod job;
#[macro_use]
mod tally;
#[macro_use]
mod applicant_auth;
#[macro_use]
mod access;
#[macro_use]
mod deployment;
#[macro_use]
mod announcement;
#[macro_use]
mod vks;
#[macro_use]
mod video;
