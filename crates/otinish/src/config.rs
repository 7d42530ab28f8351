//! Configuration: flags > `OTINISH_*` environment > optional TOML file > defaults.
//! Every option is documented in `otinish.example.toml` at the repository root.

use anyhow::{Context, Result};
use clap::Args;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Options shared by every subcommand (flags, or the `OTINISH_*` variables).
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// TOML configuration file (see otinish.example.toml).
    #[arg(long, env = "OTINISH_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Data folder: the SQLite database and stored files [default: ./otinish-data].
    #[arg(long, env = "OTINISH_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: postgres://user@host/db for PostgreSQL; empty for the embedded SQLite.
    #[arg(long, env = "OTINISH_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Folder with `calendars/` and `editions/` to use instead of the built-in rulebooks.
    #[arg(long, env = "OTINISH_RULEBOOKS", global = true)]
    pub rulebooks: Option<PathBuf>,
    /// Calendar jurisdiction file name under calendars/ [default: kz].
    #[arg(long, env = "OTINISH_CALENDAR", global = true)]
    pub calendar: Option<String>,
    /// Folder of trusted root and intermediate certificates and CRLs
    /// [default: <data-dir>/trust].
    #[arg(long = "trust-anchors", env = "OTINISH_TRUST_DIR", global = true)]
    pub trust_dir: Option<PathBuf>,
    /// National PKI whose roots are trusted besides the trust folder: `production` (NCA RK's
    /// GOST 2022 root and issuing CA, shipped in the binary), `test` (NCA RK's TEST PKI,
    /// test.pki.gov.kz) or `none` (the trust folder only) [default: production].
    #[arg(long, env = "OTINISH_PKI", global = true, value_parser = ["production", "test", "none"])]
    pub pki: Option<String>,
    /// How a signer's certificate is checked for revocation: `crl` (lists fetched from the
    /// certificate's distribution points and cached), `ocsp` (the certificate's responder, with
    /// a nonce), `both`, or `none` (only the CRLs in the trust folder) [default: both].
    #[arg(long, env = "OTINISH_REVOCATION", global = true, value_parser = ["crl", "ocsp", "both", "none"])]
    pub revocation: Option<String>,
    /// When the revocation list or responder cannot be reached: `refuse` the signature, or
    /// `accept` it with a mark on the card that is re-checked later [default: refuse].
    #[arg(long, env = "OTINISH_REVOCATION_UNREACHABLE", global = true, value_parser = ["refuse", "accept"])]
    pub revocation_unreachable: Option<String>,
    /// Where the pages reach NCALayer [default: wss://127.0.0.1:13579/]; for tests that stand a
    /// mock NCALayer in its place.
    #[arg(long, env = "OTINISH_NCALAYER_URL", global = true, hide = true)]
    pub ncalayer_url: Option<String>,
    /// Public address of the portal, for QR codes and links [default: http://<listen>].
    #[arg(long, env = "OTINISH_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// SMTP server for email notices, e.g. smtp://relay.internal:25 or smtps://user:pass@host.
    #[arg(long, env = "OTINISH_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// Sender of email notices [default: Otinish <noreply@otinish.local>].
    #[arg(long, env = "OTINISH_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// HTTP(S) SMS gateway that text notices are POSTed to as JSON {"id","to","text"}.
    #[arg(long, env = "OTINISH_SMS_URL", global = true)]
    pub sms_url: Option<String>,
    /// Bearer token for the SMS gateway (best given in the environment).
    #[arg(long, env = "OTINISH_SMS_TOKEN", global = true, hide_env_values = true)]
    pub sms_token: Option<String>,
    /// Log format: text or json [default: text].
    #[arg(long, env = "OTINISH_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,
    /// Object storage for files, e.g. s3://otinish-files (endpoint and credentials from the
    /// AWS_* variables); without it files are kept under <data-dir>/files.
    #[arg(long, env = "OTINISH_FILES_URL", global = true)]
    pub files_url: Option<String>,
    /// Jitsi Meet address for VKS receptions, e.g. https://meet.example.kz; without it
    /// receptions run on the body's own equipment (the "none" provider).
    #[arg(long, env = "OTINISH_JITSI_URL", global = true)]
    pub jitsi_url: Option<String>,
    /// The `app_id` of the Jitsi token authentication.
    #[arg(long, env = "OTINISH_JITSI_APP_ID", global = true)]
    pub jitsi_app_id: Option<String>,
    /// The `app_secret` of the Jitsi token authentication (prefer the environment variable).
    #[arg(
        long,
        env = "OTINISH_JITSI_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub jitsi_secret: Option<String>,
    /// Requests worked on at once; beyond it the server answers 503 with Retry-After at once
    /// instead of queueing without bound (health checks are never refused) [default: 512].
    #[arg(long, env = "OTINISH_MAX_IN_FLIGHT", global = true)]
    pub max_in_flight: Option<usize>,
    /// Requests one client address may have at once (behind a reverse proxy, set
    /// --trusted-proxies, or all clients count as one); beyond it 429; 0 sets no limit
    /// [default: 64].
    #[arg(long, env = "OTINISH_MAX_PER_CLIENT", global = true)]
    pub max_per_client: Option<usize>,
    /// Milliseconds a 503 for a full server is held before it is sent: a client that retries
    /// at once then retries at most this often, and the cores go to the requests already
    /// admitted; 0 answers at once [default: 250].
    #[arg(long, env = "OTINISH_SHED_PAUSE_MS", global = true)]
    pub shed_pause_ms: Option<u64>,
    /// Connections one client address may hold open at once, idle or not (trusted proxies are
    /// not counted); a connection beyond it is answered 429 and closed before anything is read
    /// from it; 0 sets no limit [default: 256].
    #[arg(long, env = "OTINISH_MAX_CONNECTIONS_PER_CLIENT", global = true)]
    pub max_connections_per_client: Option<usize>,
    /// Megabytes of request bodies held in memory at once, by all requests together; beyond it
    /// a request with a body is refused with 503 and Retry-After before its body is read
    /// [default: 96].
    #[arg(long, env = "OTINISH_MAX_BODY_MEMORY_MB", global = true)]
    pub max_body_memory_mb: Option<usize>,
    /// Addresses of reverse proxies in front of the server, comma-separated: from them the
    /// client's address is read from X-Forwarded-For (rate limits count per client); from
    /// anyone else that header is ignored [default: none].
    #[arg(
        long,
        env = "OTINISH_TRUSTED_PROXIES",
        global = true,
        value_delimiter = ','
    )]
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// New appeals one applicant may file through the portal and the API in an hour; 0 sets
    /// no limit (load tests) [default: 30].
    #[arg(long, env = "OTINISH_APPEALS_PER_HOUR", global = true)]
    pub appeals_per_hour: Option<u32>,
    /// Run on a PostgreSQL server with `synchronous_commit = off` or `fsync = off`, which
    /// acknowledge commits before they are on disk (refused otherwise: an acknowledged appeal
    /// could be lost in a power cut).
    #[arg(long, env = "OTINISH_ALLOW_ASYNC_COMMIT", global = true)]
    pub allow_async_commit: bool,
}

/// The optional TOML file.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub rulebooks: Option<PathBuf>,
    pub calendar: Option<String>,
    pub trust_dir: Option<PathBuf>,
    pub pki: Option<String>,
    pub revocation: Option<String>,
    pub revocation_unreachable: Option<String>,
    pub log_format: Option<String>,
    pub listen: Option<SocketAddr>,
    pub public_url: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub sms_url: Option<String>,
    pub demo: Option<bool>,
    pub secure_cookies: Option<bool>,
    pub jitsi_url: Option<String>,
    pub jitsi_app_id: Option<String>,
    pub jitsi_secret: Option<String>,
    pub files_url: Option<String>,
    pub max_in_flight: Option<usize>,
    pub max_per_client: Option<usize>,
    pub shed_pause_ms: Option<u64>,
    pub max_connections_per_client: Option<usize>,
    pub max_body_memory_mb: Option<usize>,
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    pub appeals_per_hour: Option<u32>,
    pub allow_async_commit: Option<bool>,
    /// Staff may sign in with a password (for staff without keys); off unless set, on in demo.
    pub staff_passwords: Option<bool>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub rulebooks: Option<PathBuf>,
    pub calendar: String,
    pub trust_dir: PathBuf,
    /// The national anchors trusted besides the trust folder.
    pub pki: Pki,
    /// Where the pages reach NCALayer (empty: its usual address).
    pub ncalayer_url: String,
    pub revocation: otinish_app::revocation::Policy,
    pub log_format: String,
    pub listen: SocketAddr,
    /// The address people reach the portal at (QR codes, links in emails).
    pub public_url: String,
    /// SMTP server for email notices; none means notices wait (and say so) until one is set.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// SMS gateway for text notices; none means they wait (and say so) until one is set.
    pub sms_url: Option<String>,
    pub sms_token: Option<String>,
    pub demo: bool,
    pub secure_cookies: bool,
    /// The conference provider of VKS receptions.
    pub conference: otinish_app::conference::Conference,
    /// Object storage for files (`s3://bucket`); none keeps them on the local disk.
    pub files_url: Option<String>,
    /// Requests worked on at once before the server sheds load with 503.
    pub max_in_flight: usize,
    /// Requests at once per client address (0: no limit).
    pub max_per_client: usize,
    /// How long a 503 for a full server is held before it is sent.
    pub shed_pause: std::time::Duration,
    /// Connections open at once per client address (0: no limit).
    pub max_connections_per_client: usize,
    /// Bytes of request bodies held in memory at once.
    pub max_body_memory: usize,
    /// Reverse proxies whose X-Forwarded-For names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// New appeals per applicant per hour (0: no limit).
    pub appeals_per_hour: u32,
    /// Staff may sign in with a password besides their key.
    pub staff_passwords: bool,
    /// Run on a PostgreSQL server that acknowledges commits before flushing them.
    pub allow_async_commit: bool,
}

/// Which national PKI's roots the binary trusts besides the trust folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pki {
    Production,
    Test,
    None,
}

impl Pki {
    pub fn anchors(self) -> Option<&'static otinish_pki::TrustStore> {
        match self {
            Pki::Production => Some(otinish_pki::nca_production()),
            Pki::Test => Some(otinish_pki::nca_test()),
            Pki::None => None,
        }
    }
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_MAX_IN_FLIGHT: usize = 512;
pub const DEFAULT_MAX_PER_CLIENT: usize = 64;
/// A quarter of a second: a person does not notice it, a client retrying in a loop is held to
/// four tries a second per connection.
pub const DEFAULT_SHED_PAUSE_MS: u64 = 250;
/// Connections one client address may hold open: a browser opens about six, a public service
/// center's hall behind one address a few dozen people's worth.
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: usize = 256;
pub const DEFAULT_MAX_BODY_MEMORY_MB: usize = 96;

impl Config {
    /// Resolves flags/env (`args`, `listen`, `demo`) over the file over defaults.
    pub fn resolve(
        args: &GlobalArgs,
        listen: Option<SocketAddr>,
        demo: Option<bool>,
        secure: Option<bool>,
    ) -> Result<Self> {
        let file = match &args.config {
            Some(p) => load_file(p)?,
            None => FileConfig::default(),
        };
        let default_listen: SocketAddr =
            DEFAULT_LISTEN.parse().context("default listen address")?;
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./otinish-data"));
        let conference = match args.jitsi_url.clone().or(file.jitsi_url) {
            Some(url) if !url.trim().is_empty() => {
                let app_id = args.jitsi_app_id.clone().or(file.jitsi_app_id);
                let secret = args.jitsi_secret.clone().or(file.jitsi_secret);
                match (app_id, secret) {
                    (Some(app_id), Some(secret)) if !secret.is_empty() => {
                        otinish_app::conference::Conference::Jitsi {
                            url: url.trim().to_owned(),
                            app_id,
                            secret,
                        }
                    }
                    _ => anyhow::bail!(
                        "the Jitsi provider needs --jitsi-app-id and --jitsi-secret (or OTINISH_JITSI_APP_ID and OTINISH_JITSI_SECRET)"
                    ),
                }
            }
            _ => otinish_app::conference::Conference::None,
        };
        let max_in_flight = args
            .max_in_flight
            .or(file.max_in_flight)
            .unwrap_or(DEFAULT_MAX_IN_FLIGHT);
        if max_in_flight == 0 {
            anyhow::bail!("--max-in-flight must be at least 1");
        }
        let pki = match args.pki.clone().or(file.pki).as_deref() {
            None | Some("production") => Pki::Production,
            Some("test") => Pki::Test,
            Some("none") => Pki::None,
            Some(other) => anyhow::bail!("pki must be production, test or none, not {other}"),
        };
        use otinish_app::revocation::{Mode, OnUnreachable, Policy};
        let revocation = Policy {
            mode: match args.revocation.clone().or(file.revocation).as_deref() {
                None | Some("both") => Mode::Both,
                Some("crl") => Mode::Crl,
                Some("ocsp") => Mode::Ocsp,
                Some("none") => Mode::None,
                Some(other) => {
                    anyhow::bail!("revocation must be crl, ocsp, both or none, not {other}")
                }
            },
            on_unreachable: match args
                .revocation_unreachable
                .clone()
                .or(file.revocation_unreachable)
                .as_deref()
            {
                None | Some("refuse") => OnUnreachable::Refuse,
                Some("accept") => OnUnreachable::AcceptMarked,
                Some(other) => {
                    anyhow::bail!("revocation_unreachable must be refuse or accept, not {other}")
                }
            },
        };
        Ok(Self {
            pki,
            ncalayer_url: args.ncalayer_url.clone().unwrap_or_default(),
            revocation,
            max_in_flight,
            max_per_client: args
                .max_per_client
                .or(file.max_per_client)
                .unwrap_or(DEFAULT_MAX_PER_CLIENT),
            shed_pause: std::time::Duration::from_millis(
                args.shed_pause_ms
                    .or(file.shed_pause_ms)
                    .unwrap_or(DEFAULT_SHED_PAUSE_MS)
                    .min(10_000),
            ),
            max_connections_per_client: args
                .max_connections_per_client
                .or(file.max_connections_per_client)
                .unwrap_or(DEFAULT_MAX_CONNECTIONS_PER_CLIENT),
            max_body_memory: args
                .max_body_memory_mb
                .or(file.max_body_memory_mb)
                .unwrap_or(DEFAULT_MAX_BODY_MEMORY_MB)
                .max(1)
                * 1024
                * 1024,
            allow_async_commit: args.allow_async_commit || file.allow_async_commit == Some(true),
            appeals_per_hour: args
                .appeals_per_hour
                .or(file.appeals_per_hour)
                .unwrap_or_else(|| {
                    otinish_domain::appeal::AppealLimits::default().appeals_per_hour
                }),
            trusted_proxies: args
                .trusted_proxies
                .clone()
                .or(file.trusted_proxies)
                .unwrap_or_default(),
            conference,
            files_url: args
                .files_url
                .clone()
                .or(file.files_url)
                .filter(|u| !u.trim().is_empty()),
            trust_dir: args
                .trust_dir
                .clone()
                .or(file.trust_dir)
                .unwrap_or_else(|| data_dir.join("trust")),
            data_dir,
            database_url: args
                .database_url
                .clone()
                .or(file.database_url)
                .filter(|u| !u.trim().is_empty()),
            rulebooks: args.rulebooks.clone().or(file.rulebooks),
            calendar: args
                .calendar
                .clone()
                .or(file.calendar)
                .unwrap_or_else(|| "kz".into()),
            log_format: args
                .log_format
                .clone()
                .or(file.log_format)
                .unwrap_or_else(|| "text".into()),
            listen: listen.or(file.listen).unwrap_or(default_listen),
            public_url: args
                .public_url
                .clone()
                .or(file.public_url)
                .unwrap_or_else(|| {
                    format!(
                        "http://{}",
                        listen.or(file.listen).unwrap_or(default_listen)
                    )
                }),
            smtp_url: args
                .smtp_url
                .clone()
                .or(file.smtp_url)
                .filter(|u| !u.trim().is_empty()),
            mail_from: args
                .mail_from
                .clone()
                .or(file.mail_from)
                .unwrap_or_else(|| "Otinish <noreply@otinish.local>".into()),
            sms_url: args
                .sms_url
                .clone()
                .or(file.sms_url)
                .filter(|u| !u.trim().is_empty()),
            sms_token: args.sms_token.clone().filter(|t| !t.trim().is_empty()),
            staff_passwords: std::env::var("OTINISH_STAFF_PASSWORDS")
                .ok()
                .and_then(|v| match v.trim() {
                    "1" | "true" | "on" => Some(true),
                    "0" | "false" | "off" => Some(false),
                    _ => None,
                })
                .or(file.staff_passwords)
                .unwrap_or(demo.or(file.demo).unwrap_or(false)),
            demo: demo.or(file.demo).unwrap_or(false),
            secure_cookies: secure.or(file.secure_cookies).unwrap_or(false),
        })
    }
}

fn load_file(p: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(p)
        .with_context(|| format!("cannot read configuration file {}", p.display()))?;
    toml::from_str(&text)
        .with_context(|| format!("configuration file {} is not valid", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_over_file_over_defaults() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("o.toml");
        std::fs::write(
            &path,
            "data_dir = \"/from/file\"\nlisten = \"0.0.0.0:9000\"\ndemo = true\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let args = GlobalArgs {
            config: Some(path.clone()),
            data_dir: Some("/from/flag".into()),
            ..GlobalArgs::default()
        };
        let c = Config::resolve(&args, None, None, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.data_dir, PathBuf::from("/from/flag"));
        assert_eq!(c.listen.to_string(), "0.0.0.0:9000");
        assert!(c.demo);
        assert_eq!(c.calendar, "kz");
        let c = Config::resolve(&GlobalArgs::default(), None, None, None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.data_dir, PathBuf::from("./otinish-data"));
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        std::fs::write(&path, "colour = \"blue\"\n").unwrap_or_else(|e| panic!("{e}"));
        let err = Config::resolve(
            &GlobalArgs {
                config: Some(path),
                ..GlobalArgs::default()
            },
            None,
            None,
            None,
        );
        assert!(err.is_err(), "unknown keys are refused");
    }

    #[test]
    fn example_file_is_valid() {
        let text = include_str!("../../../otinish.example.toml");
        let parsed: Result<FileConfig, _> = toml::from_str(text);
        assert!(parsed.is_ok(), "{parsed:?}");
    }
}
