//! Conference rooms for VKS receptions through a pluggable provider. `none` leaves the
//! connection to the body's own equipment (the room is only named); `jitsi` gives each
//! reception a Jitsi Meet room and join links signed with a JWT (HS256), as Jitsi's token
//! authentication (prosody `token` auth with `app_id` and `app_secret`) expects.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};

/// Who joins a room: the presiding head (moderator) or the branch with the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Participant {
    Head,
    Branch,
}

/// How a deployment connects receptions.
#[derive(Debug, Clone, Default)]
pub enum Conference {
    /// No conferencing service: the room name identifies the session on the body's own
    /// equipment; there are no join links.
    #[default]
    None,
    /// A Jitsi Meet deployment with token authentication.
    Jitsi {
        /// e.g. `https://meet.example.kz`
        url: String,
        app_id: String,
        secret: String,
    },
}

impl Conference {
    pub fn name(&self) -> &'static str {
        match self {
            Conference::None => "none",
            Conference::Jitsi { .. } => "jitsi",
        }
    }

    /// The room of a reception: stable for the booking, not guessable from the id alone
    /// (a random suffix is added once, when the reception is appointed).
    pub fn room_name(booking_id: i64, body_code: &str) -> String {
        let suffix: u64 = rand::random();
        format!(
            "otinish-{}-{booking_id}-{suffix:016x}",
            body_code
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase()
        )
    }

    /// The link `who` joins `room` with, valid until `until`; `None` without a provider.
    pub fn join_link(
        &self,
        room: &str,
        who: Participant,
        display_name: &str,
        until: DateTime<Utc>,
    ) -> Option<String> {
        match self {
            Conference::None => None,
            Conference::Jitsi {
                url,
                app_id,
                secret,
            } => {
                let token = jitsi_token(app_id, secret, room, who, display_name, until);
                Some(format!("{}/{room}?jwt={token}", url.trim_end_matches('/')))
            }
        }
    }
}

/// A Jitsi JWT: HS256 over `{"alg":"HS256","typ":"JWT"}` and the claims Jitsi reads
/// (`aud`, `iss`, `sub`, `room`, `exp`, `context.user`, `moderator`).
pub fn jitsi_token(
    app_id: &str,
    secret: &str,
    room: &str,
    who: Participant,
    display_name: &str,
    until: DateTime<Utc>,
) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "aud": "jitsi",
        "iss": app_id,
        "sub": "*",
        "room": room,
        "exp": until.timestamp(),
        "moderator": who == Participant::Head,
        "context": { "user": { "name": display_name } },
    });
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}
