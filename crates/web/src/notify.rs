//! Delivering notices (EA-07, GEN-07): workers claim due notices from the outbox with a lease,
//! send them, and record delivery or failure with exponential backoff; after the last try a
//! notice is dead and shows as undelivered in the cabinet and on the card.

use crate::App;
use async_trait::async_trait;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use otinish_domain::notice::{next_attempt, NoticeChannel};
use otinish_domain::repo::StoreError;

/// Sends one email. The real one speaks SMTP; tests may use their own.
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String>;
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
    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("bad address: {e}"))?;
        let msg = Message::builder()
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

/// What one round of delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryRound {
    pub delivered: u32,
    pub failed: u32,
}

/// Claims due notices and delivers them. Without a mailer, email notices fail with a reason
/// (and are retried), so a missing configuration is visible rather than silent.
pub async fn deliver_due(
    app: &App,
    mailer: Option<&dyn Mailer>,
    limit: u32,
) -> Result<DeliveryRound, StoreError> {
    let now = app.clock.now();
    let claimed = app
        .store
        .claim_notices(now, now + chrono::Duration::minutes(2), limit)
        .await?;
    let mut round = DeliveryRound::default();
    for n in claimed {
        let result = match (n.channel, mailer, n.address.as_deref()) {
            (NoticeChannel::Email, Some(m), Some(to)) => m.send(to, &n.subject, &n.body).await,
            (NoticeChannel::Email, None, _) => Err("no SMTP server is configured".into()),
            (NoticeChannel::Email, _, None) => Err("no email address".into()),
            (other, _, _) => Err(format!("no gateway for the {other} channel is configured")),
        };
        match result {
            Ok(()) => {
                app.store.notice_delivered(n.id, app.clock.now()).await?;
                round.delivered += 1;
            }
            Err(e) => {
                tracing::warn!(notice = n.id, error = %e, "notice not delivered");
                app.store
                    .notice_failed(n.id, &e, next_attempt(n.attempts + 1, app.clock.now()))
                    .await?;
                round.failed += 1;
            }
        }
    }
    Ok(round)
}
