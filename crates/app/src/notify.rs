//! Delivering notices (EA-07, GEN-07) by email and SMS: the mailer and the gateway, and the
//! work of a notice job (see [`crate::jobs`]): send, and record delivery or failure on the
//! notice; after the job's last try the notice is dead and shows as undelivered in the cabinet
//! and on the card.

use async_trait::async_trait;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use otinish_domain::notice::{NoticeChannel, NoticeStatus};
use otinish_domain::repo::{Store, StoreError};

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

/// Sends one text message (SMS). `key` names the notice for good, so a gateway may tell a
/// message sent again from a new one.
#[async_trait]
pub trait SmsGateway: Send + Sync {
    async fn send(&self, key: &str, to: &str, text: &str) -> Result<(), SmsError>;
}

/// Why a gateway did not take a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// It answered, but not with success: its status and the start of its answer.
    #[error("the SMS gateway answered {status}: {answer}")]
    Answered { status: u16, answer: String },
    /// It could not be reached (or did not answer in time).
    #[error("the SMS gateway did not answer: {0}")]
    Unreachable(String),
}

/// An HTTP(S) SMS gateway: each message is POSTed as JSON `{"id","to","text"}` to its URL, with
/// `Authorization: Bearer <token>` when a token is set; any 2xx answer means it took the
/// message, anything else is the reason it did not (the notice is tried again later).
pub struct HttpSmsGateway {
    client: reqwest::Client,
    url: reqwest::Url,
    token: Option<String>,
}

impl HttpSmsGateway {
    pub fn new(url: &str, token: Option<String>) -> Result<Self, String> {
        let url = reqwest::Url::parse(url).map_err(|e| format!("bad SMS gateway URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "bad SMS gateway URL: {} is not http or https",
                url.scheme()
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { client, url, token })
    }
}

/// The longest text sent: ten segments of a Cyrillic SMS.
pub const SMS_MAX_CHARS: usize = 670;

/// A notice as one text message: its subject and body, cut to [`SMS_MAX_CHARS`].
pub fn sms_text(subject: &str, body: &str) -> String {
    let full = if body.trim().is_empty() {
        subject.trim().to_owned()
    } else {
        format!("{}\n{}", subject.trim(), body.trim())
    };
    if full.chars().count() <= SMS_MAX_CHARS {
        full
    } else {
        let mut cut: String = full.chars().take(SMS_MAX_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

#[async_trait]
impl SmsGateway for HttpSmsGateway {
    async fn send(&self, key: &str, to: &str, text: &str) -> Result<(), SmsError> {
        let body = serde_json::json!({ "id": key, "to": to, "text": text }).to_string();
        let mut req = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| {
            // The URL may carry a key in its query: never in a reason shown or stored.
            SmsError::Unreachable(e.without_url().to_string())
        })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let answer: String = resp
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        Err(SmsError::Answered {
            status: status.as_u16(),
            answer: answer.trim().to_owned(),
        })
    }
}

/// Sends notice `id`, the work of a notice job (EA-07, GEN-07), and records the outcome on the
/// notice (delivered, or failed with the reason; dead on the job's last try). A notice already
/// delivered (its worker was killed after sending, before the job was recorded done) is not
/// sent again. Without a mailer or gateway the try fails with a reason, so a missing
/// configuration is visible rather than silent.
pub(crate) async fn deliver(
    store: &dyn Store,
    mailer: Option<&dyn Mailer>,
    sms: Option<&dyn SmsGateway>,
    id: i64,
    last_try: bool,
    clock: &dyn crate::clock::Clock,
) -> Result<(), String> {
    let n = match store.notice(id).await {
        Ok(n) => n,
        Err(StoreError::NotFound(_)) => return Ok(()),
        Err(e) => return Err(format!("the notice could not be read: {e}")),
    };
    if n.status == NoticeStatus::Delivered {
        return Ok(());
    }
    let key = format!("otinish-notice-{}-{}", n.id, n.created_at.timestamp());
    let sent = match (n.channel, n.address.as_deref()) {
        (NoticeChannel::Email, Some(to)) => match mailer {
            Some(m) => m.send(&key, to, &n.subject, &n.body).await,
            None => Err("no SMTP server is configured".into()),
        },
        (NoticeChannel::Email, None) => Err("no email address".into()),
        (NoticeChannel::Sms, Some(to)) => match sms {
            Some(g) => g
                .send(&key, to, &sms_text(&n.subject, &n.body))
                .await
                .map_err(|e| e.to_string()),
            None => Err("no SMS gateway is configured".into()),
        },
        (NoticeChannel::Sms, None) => Err("no phone number".into()),
        (other, _) => Err(format!("no gateway for the {other} channel is configured")),
    };
    // Recorded at once: the shorter the time between the mail server's acceptance and the
    // record, the fewer notices a crash makes go out twice.
    match sent {
        Ok(()) => store
            .notice_delivered(n.id, clock.now())
            .await
            .map_err(|e| format!("sent, but not recorded: {e}")),
        Err(e) => {
            let retry = (!last_try).then(|| clock.now());
            if let Err(st) = store.notice_failed(n.id, &e, retry).await {
                tracing::warn!(notice = n.id, error = %st, "a failed delivery not recorded");
            }
            Err(e)
        }
    }
}

/// A URL (SMTP or the SMS gateway's) without the user and password it may carry, nor its
/// query (where a gateway's key may be).
pub fn without_credentials(url: &str) -> String {
    let url = url.split('?').next().unwrap_or_default();
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            format!("{scheme}://{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod sms_tests {
    use super::*;

    #[test]
    fn a_text_notice_is_its_subject_and_body_cut_to_ten_segments() {
        assert_eq!(sms_text(" Тіркелді ", ""), "Тіркелді");
        assert_eq!(sms_text("Тіркелді", "MJ-1"), "Тіркелді\nMJ-1");
        let long = sms_text("Тема", &"ә".repeat(1000));
        assert_eq!(long.chars().count(), SMS_MAX_CHARS);
        assert!(long.ends_with('…'));
        assert!(HttpSmsGateway::new("ftp://gw", None).is_err());
        assert!(HttpSmsGateway::new("https://sms.example.kz/send", None).is_ok());
    }
}
