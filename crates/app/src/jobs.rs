//! The job worker (see [`otinish_domain::job`]): each round claims due jobs with a lease, runs
//! several at once, and records each outcome the moment it has it — done (the job is deleted),
//! failed (tried again later, with a growing pause) or, after the kind's maximum of tries,
//! dead. A worker that is stopping gives back what it claimed and has not finished, so another
//! node takes it at once; a worker that dies holds its leases until they end, and then any
//! worker claims those jobs again. The administrator's side (counts, dead jobs sent again or
//! dismissed) is at the end.

use crate::clock::Clock;
use crate::notify::{Mailer, SmsGateway};
use crate::Error;
use futures_util::StreamExt;
use otinish_domain::job::{notice_of, Job, JobCount, JobKind};
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::StaffUser;
use otinish_domain::repo::{Page, PageRequest, Store, StoreError};
use std::sync::Arc;

/// How many jobs one worker runs at a time.
pub const CONCURRENT: usize = 8;

/// How long a claim lasts: longer than any one try (an SMTP exchange times out after 20 s).
pub const LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub done: u32,
    pub failed: u32,
    /// Of the failed, those that were on their last try and are now dead.
    pub dead: u32,
    /// Claimed but given back because the worker is stopping.
    pub released: u64,
    /// Finished after the lease had ended and another worker had claimed the job: the outcome
    /// was not recorded (the other worker's stands).
    pub lost: u32,
}

/// A worker: what the handlers need, and the name its leases carry.
#[derive(Clone)]
pub struct Worker {
    pub name: String,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub mailer: Option<Arc<dyn Mailer>>,
    pub sms: Option<Arc<dyn SmsGateway>>,
}

impl Worker {
    /// A worker named after this process (host and pid) and a random tag, so two workers never
    /// share a name, even in one process.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        mailer: Option<Arc<dyn Mailer>>,
        sms: Option<Arc<dyn SmsGateway>>,
    ) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into());
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("{host}:{}:{n}", std::process::id());
        Self {
            name,
            store,
            clock,
            mailer,
            sms,
        }
    }

    /// One round: claims up to `limit` due jobs and runs them.
    pub async fn run_due(&self, limit: u32) -> Result<Round, StoreError> {
        let (_running, stop) = tokio::sync::watch::channel(false);
        self.run_due_until(limit, &stop).await
    }

    /// As [`Worker::run_due`], stopping when `stop` turns true: the jobs under way are
    /// abandoned and they and the rest of the claim are given back at once (not left to their
    /// lease), their tries not counted.
    pub async fn run_due_until(
        &self,
        limit: u32,
        stop: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<Round, StoreError> {
        let now = self.clock.now();
        let claimed = self
            .store
            .claim_jobs(JobKind::ALL, &self.name, now, now + LEASE, limit)
            .await?;
        let runs: Vec<_> = claimed.iter().map(|j| self.run_one(j, stop)).collect();
        let mut results = futures_util::stream::iter(runs).buffer_unordered(CONCURRENT);
        let mut round = Round::default();
        let mut abandoned = Vec::new();
        while let Some(ran) = results.next().await {
            match ran? {
                Ran::Abandoned(id) => abandoned.push(id),
                Ran::Done => round.done += 1,
                Ran::Failed { dead } => {
                    round.failed += 1;
                    round.dead += u32::from(dead);
                }
                Ran::Lost => round.lost += 1,
            }
        }
        if !abandoned.is_empty() {
            round.released = self.store.release_jobs(&abandoned, &self.name).await?;
            tracing::info!(released = round.released, "stopping: jobs given back");
        }
        Ok(round)
    }

    async fn run_one(
        &self,
        job: &Job,
        stop: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<Ran, StoreError> {
        let mut stopping = stop.clone();
        let result = tokio::select! {
            biased;
            _ = stopping.wait_for(|s| *s) => return Ok(Ran::Abandoned(job.id)),
            r = self.handle(job) => r,
        };
        let recorded = match &result {
            Ok(()) => self.store.job_done(job.id, &self.name).await?,
            Err(e) => {
                tracing::warn!(job = job.id, kind = %job.kind, error = %e, "a job failed");
                let retry = job.retry_at(self.clock.now());
                self.store.job_failed(job.id, &self.name, e, retry).await?
            }
        };
        Ok(match (recorded, result) {
            (false, _) => Ran::Lost,
            (true, Ok(())) => Ran::Done,
            (true, Err(_)) => Ran::Failed {
                dead: job.last_try(),
            },
        })
    }

    /// The work of one job, by its kind.
    async fn handle(&self, job: &Job) -> Result<(), String> {
        match job.kind {
            JobKind::Notice => {
                let id = notice_of(&job.payload)
                    .ok_or_else(|| format!("a notice job without a notice: {}", job.payload))?;
                crate::notify::deliver(
                    self.store.as_ref(),
                    self.mailer.as_deref(),
                    self.sms.as_deref(),
                    id,
                    job.last_try(),
                    self.clock.as_ref(),
                )
                .await
            }
        }
    }
}

/// What became of one claimed job.
enum Ran {
    Done,
    Failed {
        dead: bool,
    },
    /// Not run: the worker is stopping.
    Abandoned(i64),
    /// Run, but the lease had passed to another worker.
    Lost,
}

/// Jobs, counted by kind and state, for the deployment's administrator.
pub async fn counts(store: &dyn Store, user: &StaffUser) -> Result<Vec<JobCount>, Error> {
    crate::notices::keeper(user)?;
    Ok(store.job_counts().await?)
}

/// A dead job as the administrator sees it: its last reason with any address in it masked
/// (a mail server repeats the address it refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadJob {
    pub job: Job,
    pub reason: Option<String>,
    /// The notice it delivers, for a notice job.
    pub notice: Option<i64>,
}

/// Dead jobs not dismissed, newest first.
pub async fn dead(
    store: &dyn Store,
    user: &StaffUser,
    page: PageRequest,
) -> Result<Page<DeadJob>, Error> {
    crate::notices::keeper(user)?;
    let jobs = store.dead_jobs(page).await?;
    let mut items = Vec::with_capacity(jobs.items.len());
    for job in jobs.items {
        let notice = match job.kind {
            JobKind::Notice => notice_of(&job.payload),
        };
        let address = match notice {
            Some(id) => match store.notice(id).await {
                Ok(n) => n.address,
                Err(StoreError::NotFound(_)) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        let reason = job
            .last_error
            .as_deref()
            .map(|r| crate::notices::masked_reason(r, address.as_deref()));
        items.push(DeadJob {
            job,
            reason,
            notice,
        });
    }
    Ok(Page {
        items,
        total: jobs.total,
        request: jobs.request,
    })
}

/// Sends a dead job again from now, its tries counted afresh; journaled.
pub async fn retry(
    store: &dyn Store,
    user: &StaffUser,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Error> {
    let actor = crate::notices::keeper(user)?;
    if store
        .retry_job(id, now, JournalDraft::new(now, actor, "", "retry_job"))
        .await?
    {
        Ok(())
    } else {
        Err(Error::NotFound(format!("dead job {id}")))
    }
}

/// Dismisses a dead job from the list; journaled.
pub async fn dismiss(
    store: &dyn Store,
    user: &StaffUser,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Error> {
    let actor = crate::notices::keeper(user)?;
    if store
        .dismiss_job(id, now, JournalDraft::new(now, actor, "", "dismiss_job"))
        .await?
    {
        Ok(())
    } else {
        Err(Error::NotFound(format!("dead job {id}")))
    }
}
