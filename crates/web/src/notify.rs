//! Delivering notices (EA-07, GEN-07): workers claim due notices from the outbox with a lease,
//! send them, and record delivery or failure with exponential backoff; after the last try a
//! notice is dead and shows as undelivered in the cabinet and on the card.

use crate::App;
use async_trait::async_trait;
use futures_util::StreamExt;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use otinish_domain::notice::{next_attempt, Notice, NoticeChannel};
use otinish_domain::repo::StoreError;

/// Sends one email. The real one speaks SMTP; tests may use their own. `key` names the notice
/// for good: a message sent again (a worker killed after the server took it but before the
/// delivery was recorded) carries the same Message-ID, so mail systems can tell it is one.
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, key: &str, to: &str, subject: &str, body: &str) -> Result<(), String>;
}

/// SMTP through `lettre`: `smtp://host:port` (plain, for a local relay), `smtp://…?tls=required`
/// (STARTTLS) or `smtps://host` (TLS), with `user:password@` if the server wants it.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("bad SMTP URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e| format!("bad sender address `{from}`: {e}"))?;
        Ok(Self { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, key: &str, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("bad address: {e}"))?;
        let msg = Message::builder()
            .message_id(Some(format!("<{key}@{}>", self.from.email.domain())))
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// How many notices one worker sends at a time.
pub const CONCURRENT_SENDS: usize = 8;

/// What one round of delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryRound {
    pub delivered: u32,
    pub failed: u32,
    /// Claimed but given back because the worker is stopping.
    pub released: u64,
}

/// Claims due notices and delivers them. Without a mailer, email notices fail with a reason
/// (and are retried), so a missing configuration is visible rather than silent.
pub async fn deliver_due(
    app: &App,
    mailer: Option<&dyn Mailer>,
    limit: u32,
) -> Result<DeliveryRound, StoreError> {
    let (_running, stop) = tokio::sync::watch::channel(false);
    deliver_due_until(app, mailer, limit, &stop).await
}

/// As [`deliver_due`], stopping when `stop` turns true: the notice being sent is abandoned and
/// it and the rest of the claim are given back at once (not left to their lease), so another
/// node delivers them without waiting.
pub async fn deliver_due_until(
    app: &App,
    mailer: Option<&dyn Mailer>,
    limit: u32,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Result<DeliveryRound, StoreError> {
    let now = app.clock.now();
    let claimed = app
        .store
        .claim_notices(now, now + chrono::Duration::minutes(2), limit)
        .await?;
    // Several at once (over pooled SMTP connections); each records its own outcome the moment
    // it has it, and gives way when the worker is stopping.
    let sends: Vec<_> = claimed
        .iter()
        .map(|n| send_one(app, n, mailer, stop))
        .collect();
    let mut results = futures_util::stream::iter(sends).buffer_unordered(CONCURRENT_SENDS);
    let mut round = DeliveryRound::default();
    let mut abandoned = Vec::new();
    while let Some(sent) = results.next().await {
        match sent? {
            Sent::Abandoned(id) => abandoned.push(id),
            Sent::Delivered => round.delivered += 1,
            Sent::Failed => round.failed += 1,
        }
    }
    if !abandoned.is_empty() {
        round.released = app.store.release_notices(&abandoned).await?;
        tracing::info!(released = round.released, "stopping: notices given back");
    }
    Ok(round)
}

/// What became of one claimed notice.
enum Sent {
    Delivered,
    Failed,
    /// Not sent: the worker is stopping.
    Abandoned(i64),
}

/// Sends one notice and records the outcome at once (the shorter the time between the mail
/// server's acceptance and the record, the fewer notices a crash makes go out twice).
async fn send_one(
    app: &App,
    n: &Notice,
    mailer: Option<&dyn Mailer>,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Result<Sent, StoreError> {
    let send = async {
        match (n.channel, mailer, n.address.as_deref()) {
            (NoticeChannel::Email, Some(m), Some(to)) => {
                let key = format!("otinish-notice-{}-{}", n.id, n.created_at.timestamp());
                m.send(&key, to, &n.subject, &n.body).await
            }
            (NoticeChannel::Email, None, _) => Err("no SMTP server is configured".into()),
            (NoticeChannel::Email, _, None) => Err("no email address".into()),
            (other, _, _) => Err(format!("no gateway for the {other} channel is configured")),
        }
    };
    let mut stopping = stop.clone();
    let result = tokio::select! {
        biased;
        _ = stopping.wait_for(|s| *s) => return Ok(Sent::Abandoned(n.id)),
        r = send => r,
    };
    match result {
        Ok(()) => {
            app.store.notice_delivered(n.id, app.clock.now()).await?;
            Ok(Sent::Delivered)
        }
        Err(e) => {
            tracing::warn!(notice = n.id, error = %e, "notice not delivered");
            app.store
                .notice_failed(n.id, &e, next_attempt(n.attempts + 1, app.clock.now()))
                .await?;
            Ok(Sent::Failed)
        }
    }
}
