//! `otinish`: one binary — serve, migrate, demo, calendar, verify-journal.

mod backup;
mod config;
mod demo;
mod generate;
mod rules;
mod server;

use anyhow::{bail, Context, Result};
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand};
use config::{Config, GlobalArgs};
use otinish_app::clock::SystemClock;
use otinish_domain::calendar::DayEdit;
use otinish_domain::Lang;
use otinish_web::{App, WebConfig};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    name = "otinish",
    version,
    about = "Appeals to state bodies: register, route, consider and answer within the legal term."
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web portal, the API and the background workers (migrates first).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "OTINISH_LISTEN")]
        listen: Option<SocketAddr>,
        /// Load the demo data set (if absent) and show the demo banner. Never in production.
        #[arg(long, env = "OTINISH_DEMO")]
        demo: bool,
        /// Mark cookies Secure (when served over HTTPS).
        #[arg(long, env = "OTINISH_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Add the benchmarks' echo endpoint (bench/run only).
        #[arg(long, hide = true)]
        bench_endpoints: bool,
        /// Demo or `--pki test` only: run as if it were this moment (e.g.
        /// 2027-04-06T09:40:00+05:00), the clock moving on from there; for training on a future
        /// day, and for a staging deployment whose NCA TEST keys have expired.
        #[arg(long, value_name = "RFC3339")]
        demo_now: Option<chrono::DateTime<chrono::FixedOffset>>,
        /// Demo only: cards to generate when the demo data is first loaded — every state,
        /// channels other than the portal, some overdue, several executors per body (0: none).
        #[arg(long, value_name = "N", default_value_t = 900)]
        demo_cards: usize,
    },
    /// Set a real deployment up on an empty database: its name, its operator's BIN and the
    /// first administrator (by IIN; they sign in with their own key). Nothing else is created;
    /// NCA RK's production roots are built in (`--pki`), and `--trust-from` installs more.
    Init {
        /// The deployment's name in Kazakh.
        #[arg(long)]
        name_kk: String,
        /// The deployment's name in Russian.
        #[arg(long)]
        name_ru: String,
        /// The deployment's name in English [default: the Russian name].
        #[arg(long)]
        name_en: Option<String>,
        /// The operator's BIN.
        #[arg(long)]
        bin: Option<String>,
        /// The first administrator's IIN: their key signs them in.
        #[arg(long)]
        admin_iin: String,
        /// The first administrator's full name.
        #[arg(long)]
        admin_name: String,
        /// Their login, shown in the journal [default: admin].
        #[arg(long)]
        admin_login: Option<String>,
        #[arg(long)]
        admin_email: Option<String>,
        /// A folder of further trust anchors (roots, intermediates `.pem/.crt/.cer/.der`,
        /// CRLs `.crl`) to install into the trust folder; each must parse.
        #[arg(long, value_name = "DIR")]
        trust_from: Option<PathBuf>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo data set: bodies, heads and deputies, branches, staff for every role.
    Demo {
        /// Also generate this many cards spread over the last three years (load tests).
        #[arg(long, value_name = "N")]
        cards: Option<usize>,
        /// Seed of the generated cards: the same seed gives the same cards.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Working-day arithmetic on the configured calendar.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Check the audit journal's hash chain; exit status 1 names the first broken entry.
    VerifyJournal,
    /// A consistent online copy of the embedded database, the signing keys, the trust anchors
    /// and the stored files, while the server keeps running. Restore: `--data-dir DIR`.
    /// PostgreSQL deployments use pg_dump (see the README).
    Backup {
        /// A new folder to write the copy into.
        #[arg(long)]
        to: PathBuf,
    },
    /// Statistical reports (EA-13).
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Announce a planned outage (or other notice) on every portal page during a window (EA-16).
    Announce {
        /// Start, e.g. 2026-12-01T02:00:00+05:00.
        #[arg(long)]
        from: chrono::DateTime<chrono::FixedOffset>,
        /// End, after the start.
        #[arg(long)]
        to: chrono::DateTime<chrono::FixedOffset>,
        /// The text in Russian.
        #[arg(long)]
        ru: String,
        /// The text in Kazakh.
        #[arg(long)]
        kk: String,
        /// The text in English (defaults to the Russian text).
        #[arg(long)]
        en: Option<String>,
    },
    /// Demo and testing only: sign a file with a demo signer's key (GOST R 34.10-2015 512-bit
    /// under the demo CA) as NCALayer would, writing an attached CMS in DER. Real keys never
    /// reach the server.
    DemoSign {
        /// The demo signer (akhmetov, ivanova, romashka, …; see keys/demo-*).
        #[arg(long)]
        signer: String,
        /// The file to sign.
        file: PathBuf,
        /// Where to write the signature.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an electronic signature (CMS, DER/PEM/base64) and print the signer, IIN/BIN, chain
    /// and verdict. Exit status 0 only for a valid signature, 1 with the reason otherwise.
    Verify {
        /// The signature file.
        signature: std::path::PathBuf,
        /// The signed document, for a detached signature.
        #[arg(long)]
        content: Option<std::path::PathBuf>,
        /// Folder of trusted roots and intermediates (.pem/.crt/.cer/.der) and CRLs (.crl)
        /// [default: the deployment's trust folder].
        #[arg(long)]
        trust_dir: Option<std::path::PathBuf>,
        /// A CRL file (DER or PEM); repeat for several.
        #[arg(long)]
        crl: Vec<std::path::PathBuf>,
        /// Judge validity and revocation at this moment (RFC 3339) instead of now: a signature
        /// made while its certificate was valid, checked as it was then.
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::FixedOffset>>,
    },
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// Form 1-OL "On consideration of appeals of individuals and legal entities" for a body and
    /// a period: XLSX (Kazakh and Russian headings), CSV or JSON.
    #[command(name = "1-ol")]
    OneOl {
        /// The body's code, e.g. MJ.
        #[arg(long)]
        body: String,
        /// First day of the period (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// Last day of the period, included (YYYY-MM-DD).
        #[arg(long)]
        to: NaiveDate,
        /// Include every body below it in the hierarchy, each appeal counted once.
        #[arg(long)]
        rollup: bool,
        /// xlsx, csv or json [default: from --out's extension, else csv].
        #[arg(long)]
        format: Option<String>,
        /// Write here instead of standard output (required for xlsx).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// The due date of a term, and the days it skipped and why.
    Due {
        /// The day of the event (YYYY-MM-DD); the term starts the working day after.
        #[arg(long)]
        from: NaiveDate,
        /// Term in working days.
        #[arg(long, conflicts_with = "calendar_days")]
        working_days: Option<u32>,
        /// Term in calendar days.
        #[arg(long)]
        calendar_days: Option<u32>,
        /// Count backwards: "no later than N days before --from".
        #[arg(long)]
        before: bool,
        /// Language of the explanation: kk, ru or en.
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// The days off of a year (beyond weekends), with reasons.
    DaysOff {
        #[arg(long)]
        year: i32,
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Make one day a working day or a day off (the law changed); recomputes the deadlines of
    /// open cases and journals every change. Closed cases never move.
    SetDay {
        #[arg(long)]
        date: NaiveDate,
        /// Make it a working day (otherwise a day off).
        #[arg(long)]
        working: bool,
        /// Why (the order or law that made the change).
        #[arg(long)]
        reason: String,
    },
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OTINISH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn lang(s: &str) -> Result<Lang> {
    Lang::parse(s).with_context(|| format!("unknown language `{s}` (use kk, ru or en)"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let (listen, demo_flag, secure) = match &cli.command {
        Command::Serve {
            listen,
            demo,
            secure_cookies,
            ..
        } => (
            *listen,
            demo.then_some(true),
            secure_cookies.then_some(true),
        ),
        _ => (None, None, None),
    };
    let cfg = Config::resolve(&cli.global, listen, demo_flag, secure)?;
    init_logging(&cfg.log_format);
    let (books, base_cal) = rules::load(cfg.rulebooks.as_deref(), &cfg.calendar)?;
    match cli.command {
        Command::Calendar {
            command:
                CalendarCommand::Due {
                    from,
                    working_days,
                    calendar_days,
                    before,
                    lang: l,
                },
        } => {
            let l = lang(&l)?;
            let store = open_store(&cfg, base_cal.zone()).await.ok();
            let cal = match &store {
                Some(s) => base_cal.with_edits(
                    s.calendar_edits(base_cal.jurisdiction())
                        .await
                        .unwrap_or_default(),
                )?,
                None => base_cal,
            };
            let span = match (working_days, calendar_days, before) {
                (Some(n), None, false) => cal.add_working_days(from, n)?,
                (Some(n), None, true) => cal.working_days_before(from, n)?,
                (None, Some(n), false) => cal.add_calendar_days(from, n)?,
                (None, Some(n), true) => cal.calendar_days_before(from, n)?,
                _ => bail!("give --working-days N or --calendar-days N"),
            };
            println!("due: {} (end of day, {})", span.due, cal.zone().name());
            if span.skipped.is_empty() {
                println!("skipped: none");
            } else {
                println!("skipped:");
                for line in span.explain_skipped(l) {
                    println!("  {line}");
                }
            }
            for y in span.unconfirmed_years {
                println!("warning: the calendar for {y} is not confirmed; holidays and transfers may be missing");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Calendar {
            command: CalendarCommand::DaysOff { year, lang: l },
        } => {
            let l = lang(&l)?;
            for s in base_cal.days_off(year) {
                println!("{} {}", s.date, s.reason.describe(l));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Calendar {
            command:
                CalendarCommand::SetDay {
                    date,
                    working,
                    reason,
                },
        } => {
            if reason.trim().is_empty() {
                bail!("--reason must say which order or law made the change");
            }
            let store = open_store(&cfg, base_cal.zone()).await?;
            let edit = DayEdit {
                date,
                working,
                reason,
            };
            let (_, report) = otinish_app::calendar::apply(
                store.as_ref(),
                &books,
                &base_cal,
                &otinish_app::calendar::DayChange::Set(edit),
                "cli",
                Utc::now(),
                |r| eprintln!("checked {} open cases…", r.open_cases_checked),
            )
            .await?;
            println!(
                "{date} is now a {}. Open cases checked: {}; cases whose deadlines moved: {}; deadlines moved: {}.",
                if working { "working day" } else { "day off" },
                report.open_cases_checked,
                report.cases_changed,
                report.deadlines_changed
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Announce {
            from,
            to,
            ru,
            kk,
            en,
        } => {
            let store = open_store(&cfg, base_cal.zone()).await?;
            let new = otinish_app::announce::NewAnnouncement {
                from: Some(from.with_timezone(&Utc)),
                to: Some(to.with_timezone(&Utc)),
                kk,
                ru,
                en: en.unwrap_or_default(),
            };
            let id = match otinish_app::announce::add(store.as_ref(), "cli", &new, Utc::now()).await
            {
                Ok(id) => id,
                Err(otinish_app::Error::Invalid(p)) => {
                    for p in p {
                        let why = match p.key {
                            "announce-to-before-from" => "--to must be after --from",
                            "announce-over" => "--to is past: the announcement would never show",
                            "appeal-field-required" => {
                                "give the text in Russian (--ru) and Kazakh (--kk)"
                            }
                            _ => field_problem(p.key),
                        };
                        eprintln!("--{}: {why}", p.field);
                    }
                    return Ok(ExitCode::from(2));
                }
                Err(e) => bail!("{e}"),
            };
            println!("announcement {id} is shown from {from} to {to}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            command:
                ReportCommand::OneOl {
                    body,
                    from,
                    to,
                    rollup,
                    format,
                    out,
                },
        } => {
            let format = format
                .or_else(|| {
                    out.as_ref()
                        .and_then(|p| p.extension())
                        .map(|e| e.to_string_lossy().to_lowercase())
                })
                .unwrap_or_else(|| "csv".into());
            if !["xlsx", "csv", "json"].contains(&format.as_str()) {
                bail!("unknown --format `{format}` (use xlsx, csv or json)");
            }
            if format == "xlsx" && out.is_none() {
                bail!("XLSX is binary: give --out FILE.xlsx");
            }
            let store = open_store(&cfg, base_cal.zone()).await?;
            let report = otinish_app::reports::build_one_ol(
                store.as_ref(),
                &base_cal,
                &body,
                rollup,
                from,
                to,
                Utc::now(),
            )
            .await?;
            let bytes = match format.as_str() {
                "xlsx" => otinish_app::reports::one_ol_xlsx(&report)?,
                "json" => otinish_app::reports::one_ol_json(&report),
                _ => otinish_app::reports::one_ol_csv(&report).into_bytes(),
            };
            match out {
                Some(path) => {
                    std::fs::write(&path, &bytes)
                        .with_context(|| format!("writing {}", path.display()))?;
                    println!(
                        "1-OL {body} {from} – {to}: {} received; written to {}",
                        report.total.received,
                        path.display()
                    );
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Init {
            name_kk,
            name_ru,
            name_en,
            bin,
            admin_iin,
            admin_name,
            admin_login,
            admin_email,
            trust_from,
        } => {
            // The trust anchors are checked before anything is written.
            let anchors = match &trust_from {
                Some(dir) => trust_files(dir)?,
                None => vec![],
            };
            let store = open_store(&cfg, base_cal.zone()).await?;
            let req = otinish_app::setup::InitRequest {
                name_kk,
                name_ru,
                name_en: name_en.unwrap_or_default(),
                bin: bin.unwrap_or_default(),
                admin_iin,
                admin_name,
                admin_login: admin_login.unwrap_or_default(),
                admin_email: admin_email.unwrap_or_default(),
                admin_lang: None,
                test_pki: cfg.pki == config::Pki::Test,
            };
            let admin = match otinish_app::setup::init(store.as_ref(), &req, Utc::now()).await {
                Ok(a) => a,
                Err(otinish_app::Error::Invalid(p)) => {
                    for p in p {
                        eprintln!("--{}: {}", p.field.replace('_', "-"), field_problem(p.key));
                    }
                    eprintln!("nothing was written");
                    return Ok(ExitCode::from(2));
                }
                Err(e) => anyhow::bail!("{e}"),
            };
            std::fs::create_dir_all(&cfg.trust_dir)?;
            for (name, bytes) in &anchors {
                std::fs::write(cfg.trust_dir.join(name), bytes)?;
            }
            println!(
                "set up; the administrator {} ({}, IIN {}) signs in at /staff/login with their own key",
                admin.full_name,
                admin.login,
                admin.iin.as_deref().unwrap_or_default()
            );
            if !anchors.is_empty() {
                println!(
                    "{} trust anchor file(s) installed in {}",
                    anchors.len(),
                    cfg.trust_dir.display()
                );
            }
            println!("next: `otinish serve` (without --demo), then the administration pages");
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let store = open_store(&cfg, base_cal.zone()).await?;
            println!("migrations applied ({})", store.backend());
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { cards, seed } => {
            let store = open_store(&cfg, base_cal.zone()).await?;
            otinish_app::setup::check_start(store.as_ref(), true)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if demo::load(store.as_ref(), Utc::now(), &base_cal).await? {
                println!(
                    "demo data loaded; staff logins: {} (password \"{}\")",
                    demo::demo_logins().join(", "),
                    demo::DEMO_PASSWORD
                );
            } else {
                println!("demo data already present");
            }
            if let Some(n) = cards {
                let cal =
                    base_cal.with_edits(store.calendar_edits(base_cal.jurisdiction()).await?)?;
                let done = generate::cards(
                    store.as_ref(),
                    &books,
                    &cal,
                    n,
                    seed,
                    Utc::now(),
                    chrono::Duration::days(3 * 365),
                )
                .await?;
                println!(
                    "{} cards generated in {:.1} s ({:.0} cards/s)",
                    done.cards,
                    done.seconds,
                    done.cards as f64 / done.seconds.max(0.001)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { to } => backup::backup(&cfg, &to).await,
        Command::VerifyJournal => {
            let store = open_store(&cfg, base_cal.zone()).await?;
            match otinish_store::verify_journal(store.as_ref(), |n| {
                eprintln!("checked {n} entries…")
            })
            .await
            {
                Ok(n) => {
                    println!("journal intact: {n} entries verified");
                    Ok(ExitCode::SUCCESS)
                }
                Err(otinish_store::JournalCheckError::Store(e)) => Err(e.into()),
                Err(e) => {
                    println!("journal BROKEN: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::DemoSign { signer, file, out } => {
            let keys = cfg.data_dir.join("keys");
            let key =
                otinish_pki::sign::load_key(&keys, &format!("demo-{signer}")).map_err(|e| {
                    anyhow::anyhow!(
                        "no demo signer {signer} in {} ({e}); `serve --demo` makes them",
                        keys.display()
                    )
                })?;
            let content =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let cms = key
                .sign_cms(&content, true, Utc::now())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(&out, cms).with_context(|| format!("cannot write {}", out.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            signature,
            content,
            trust_dir,
            crl,
            at,
        } => {
            let dir = trust_dir.unwrap_or_else(|| cfg.trust_dir.clone());
            let mut trust = trust_store(&cfg, &dir).context("set --trust-dir")?;
            for path in &crl {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                trust.add_crl(
                    otinish_pki::trust_crl(&bytes)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
                );
            }
            let sig = std::fs::read(&signature)
                .with_context(|| format!("cannot read {}", signature.display()))?;
            let content = match &content {
                Some(p) => {
                    Some(std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?)
                }
                None => None,
            };
            let at = at.map_or_else(Utc::now, |t| t.with_timezone(&Utc));
            let revocation = otinish_app::revocation::Revocation::new(cfg.revocation, None);
            let checked = match otinish_pki::verify(&sig, content.as_deref(), &trust, at) {
                Ok(v) => {
                    let mut how = Vec::new();
                    let mut refused = None;
                    for s in &v.signers {
                        match revocation.check(s, at).await {
                            Ok(r) => how.push(r),
                            Err(e) => {
                                refused = Some(e);
                                break;
                            }
                        }
                    }
                    match refused {
                        Some(e) => Err(e),
                        None => Ok((v, how)),
                    }
                }
                Err(e) => Err(e),
            };
            match checked {
                Ok((v, how)) => {
                    println!("verdict: VALID");
                    println!("signer: {}", v.signer.common_name);
                    if let Some(iin) = &v.signer.iin {
                        println!("IIN: {iin}");
                    }
                    if let Some(bin) = &v.signer.bin {
                        println!("BIN: {bin}");
                    }
                    if let Some(o) = &v.signer.organization {
                        println!("organization: {o}");
                    }
                    println!("role: {}", v.role.describe());
                    match (&v.timestamp, v.signing_time) {
                        (Some(ts), _) => println!(
                            "signed at: {} (timestamp by {}, serial {})",
                            ts.time.to_rfc3339(),
                            ts.authority,
                            ts.serial
                        ),
                        (None, Some(t)) => {
                            println!("signed at: {} (the signer's own clock)", t.to_rfc3339())
                        }
                        (None, None) => {}
                    }
                    println!(
                        "algorithm: {}, digest {} ({} bytes signed)",
                        v.signature_algorithm,
                        v.digest_algorithm,
                        v.content.len()
                    );
                    println!(
                        "revocation: {}",
                        how.first()
                            .map(describe_revocation)
                            .unwrap_or_else(|| "not checked".into())
                    );
                    println!("chain:");
                    for (i, l) in v.chain.iter().enumerate() {
                        println!(
                            "  {i}: {} (serial {}, valid {} – {})",
                            l.subject,
                            l.serial,
                            l.not_before.date_naive(),
                            l.not_after.date_naive()
                        );
                    }
                    for (i, s) in v.signers.iter().enumerate().skip(1) {
                        println!(
                            "co-signer {}: {} ({}){}",
                            i + 1,
                            s.identity.common_name,
                            s.role.describe(),
                            s.identity
                                .iin
                                .as_ref()
                                .map(|iin| format!(", IIN {iin}"))
                                .unwrap_or_default()
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("verdict: INVALID");
                    println!("reason: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Serve {
            bench_endpoints,
            demo_now,
            demo_cards,
            ..
        } => {
            let clock: Arc<dyn otinish_app::clock::Clock> = match demo_now {
                // A staging deployment on NCA's TEST PKI may run at a past moment: the TEST
                // keys NCA published have all expired. Production never moves its clock.
                Some(_) if !cfg.demo && cfg.pki != config::Pki::Test => {
                    anyhow::bail!("--demo-now works with --demo or --pki test only")
                }
                Some(t) => Arc::new(otinish_app::clock::ShiftedClock {
                    offset: t.with_timezone(&Utc) - Utc::now(),
                }),
                None => Arc::new(SystemClock),
            };
            serve(cfg, books, base_cal, bench_endpoints, clock, demo_cards).await
        }
    }
}

/// How a signer's certificate was checked for revocation, in words.
fn describe_revocation(r: &otinish_domain::signature::RevocationCheck) -> String {
    use otinish_domain::signature::RevocationCheck as R;
    match r {
        R::Crl {
            issuer,
            this_update,
        } => format!(
            "not revoked — CRL of {issuer} of {}",
            this_update.to_rfc3339()
        ),
        R::Ocsp {
            responder,
            produced_at,
        } => format!(
            "not revoked — OCSP responder {responder}, answer of {}",
            produced_at.to_rfc3339()
        ),
        R::NotPublished => {
            "not checked (the certificate names no revocation list or responder)".into()
        }
        R::NotChecked => "not checked (--revocation none)".into(),
        R::Pending { reason, .. } => format!("could not be checked ({reason})"),
        R::FoundRevoked { revoked_at, .. } => format!("revoked on {}", revoked_at.to_rfc3339()),
    }
}

/// What the deployment trusts: its trust folder, and the national PKI's anchors it chose.
fn trust_store(cfg: &Config, dir: &Path) -> Result<otinish_pki::TrustStore> {
    let mut trust = otinish_pki::TrustStore::from_dir(dir)
        .with_context(|| format!("trust anchors in {}", dir.display()))?;
    if let Some(national) = cfg.pki.anchors() {
        trust.extend(national);
    }
    Ok(trust)
}

/// The server's signing key, the trust anchors and, in demo mode, the demo signers.
fn signatures(
    cfg: &Config,
    store: Option<Arc<dyn otinish_domain::repo::Store>>,
) -> Result<otinish_app::service::Pki> {
    let keys = cfg.data_dir.join("keys");
    let now = Utc::now();
    let server_key = otinish_pki::sign::ensure_server_key(&keys, &cfg.trust_dir, now)
        .map_err(|e| anyhow::anyhow!("server signing key: {e}"))?;
    let mut demo_signers = Vec::new();
    if cfg.demo {
        let profiles = demo::demo_applicants();
        let subjects: Vec<_> = profiles
            .iter()
            .map(|(slug, _, s)| {
                (
                    slug.clone(),
                    s.clone(),
                    otinish_pki::gost_ca::Purpose::Signing,
                )
            })
            .collect();
        let keys = otinish_pki::sign::ensure_demo_signers(&keys, &cfg.trust_dir, &subjects, now)
            .map_err(|e| anyhow::anyhow!("demo signers: {e}"))?;
        for ((slug, key), (_, label, subject)) in keys.into_iter().zip(profiles) {
            demo_signers.push(otinish_app::service::DemoSigner {
                slug,
                tax_id: subject.bin.clone().unwrap_or(subject.iin.clone()),
                label,
                key,
            });
        }
    }
    let trust = trust_store(cfg, &cfg.trust_dir)?;
    tracing::info!(anchors = trust.anchors(), dir = %cfg.trust_dir.display(), pki = ?cfg.pki, "trust anchors loaded");
    Ok(otinish_app::service::Pki {
        trust: otinish_app::service::Trust::new(trust),
        server_key,
        demo_signers,
        revocation: otinish_app::revocation::Revocation::new(cfg.revocation, store),
        demo_keys: cfg
            .demo
            .then(|| (cfg.data_dir.join("keys"), cfg.trust_dir.clone())),
    })
}

async fn serve(
    cfg: Config,
    books: otinish_domain::rulebook::RulebookSet,
    base_cal: otinish_domain::calendar::WorkingCalendar,
    bench_endpoints: bool,
    clock: Arc<dyn otinish_app::clock::Clock>,
    demo_cards: usize,
) -> Result<ExitCode> {
    let store = open_store(&cfg, base_cal.zone()).await?;
    // A real deployment never takes the demo data, nor the demo's database real work.
    let deployment = otinish_app::setup::check_start(store.as_ref(), cfg.demo)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let files = match &cfg.files_url {
        Some(url) => otinish_store::files::FileStore::s3(url)
            .map_err(|e| anyhow::anyhow!("object storage {url}: {e}"))?,
        None => otinish_store::files::FileStore::new(cfg.data_dir.join("files")),
    };
    let loaded = if cfg.demo {
        let loaded = demo::load(store.as_ref(), clock.now(), &base_cal).await?;
        if loaded {
            tracing::info!("demo data loaded");
        }
        demo::ensure_identities(store.as_ref(), clock.now()).await?;
        loaded
    } else {
        false
    };
    let edits = store.calendar_edits(base_cal.jurisdiction()).await?;
    let cal = base_cal.with_edits(edits)?;
    if loaded && demo_cards > 0 {
        // Three months of appeals: enough in progress, some answered, a few overdue.
        let done = generate::cards(
            store.as_ref(),
            &books,
            &cal,
            demo_cards,
            1,
            clock.now(),
            chrono::Duration::days(90),
        )
        .await?;
        // And a few of this morning's, waiting for the registrar.
        generate::cards(
            store.as_ref(),
            &books,
            &cal,
            demo_cards.div_ceil(10),
            2,
            clock.now(),
            chrono::Duration::hours(5),
        )
        .await?;
        tracing::info!(cards = done.cards, "demo cards generated");
    }
    // Notices: delivered by a worker with leases and retries (EA-07, GEN-07).
    let mailer: Option<Arc<dyn otinish_app::notify::Mailer>> = match &cfg.smtp_url {
        Some(url) => Some(Arc::new(
            otinish_app::notify::SmtpMailer::new(url, &cfg.mail_from)
                .map_err(anyhow::Error::msg)?,
        )),
        None => {
            tracing::warn!(
                "no SMTP server configured (--smtp-url): email notices will wait and show why"
            );
            None
        }
    };
    let sms: Option<Arc<dyn otinish_app::notify::SmsGateway>> = match &cfg.sms_url {
        Some(url) => Some(Arc::new(
            otinish_app::notify::HttpSmsGateway::new(url, cfg.sms_token.clone())
                .map_err(anyhow::Error::msg)?,
        )),
        None => None,
    };
    let pki = signatures(&cfg, Some(store.clone()))?;
    let app = Arc::new(App {
        service: otinish_app::Service {
            store: store.clone(),
            files: Arc::new(files),
            pki,
            limits: otinish_domain::appeal::AppealLimits {
                appeals_per_hour: cfg.appeals_per_hour,
                ..Default::default()
            },
            rulebooks: books,
            calendar: tokio::sync::RwLock::new(std::sync::Arc::new(cal)),
            clock,
            settings: otinish_app::Settings {
                demo: cfg.demo,
                public_url: cfg.public_url.clone(),
                conference: cfg.conference.clone(),
                operator: deployment
                    .filter(|d| !d.demo)
                    .map(|d| otinish_app::service::Operator {
                        name: d.name,
                        bin: d.bin.unwrap_or_default(),
                    })
                    .unwrap_or_default(),
            },
            started_at: Utc::now(),
            announcements: Default::default(),
            mailer: mailer.clone(),
            mail_route: cfg.smtp_url.as_deref().map(|u| {
                (
                    otinish_app::notify::without_credentials(u),
                    cfg.mail_from.clone(),
                )
            }),
            sms,
            sms_route: cfg
                .sms_url
                .as_deref()
                .map(otinish_app::notify::without_credentials),
            editions_confirmed: Default::default(),
        },
        config: WebConfig {
            staff_passwords: cfg.staff_passwords,
            secure_cookies: cfg.secure_cookies,
            demo_logins: if cfg.demo { demo::demo_staff() } else { vec![] },
            demo_password: demo::DEMO_PASSWORD.into(),
            bench_endpoints,
            max_in_flight: cfg.max_in_flight,
            max_per_client: cfg.max_per_client,
            shed_pause: cfg.shed_pause,
            max_body_memory: cfg.max_body_memory,
            body_pace: Default::default(),
            trusted_proxies: cfg.trusted_proxies.clone(),
            e_appeals_token: std::env::var("OTINISH_E_APPEALS_TOKEN")
                .ok()
                .filter(|t| !t.is_empty())
                .or_else(|| cfg.demo.then(|| demo::E_APPEALS_TOKEN.to_owned())),
            ncalayer_url: cfg.ncalayer_url.clone(),
        },
        metrics: Default::default(),
    });
    // The certificates trusted or withdrawn from the console, before the first request.
    let anchors = app
        .reload_trust()
        .await
        .context("reading the trusted certificates")?;
    tracing::info!(anchors, "trust store in force");
    let confirmed = app
        .reload_editions()
        .await
        .context("reading the confirmed rulebook editions")?;
    tracing::info!(confirmed, "rulebook editions confirmed");
    if loaded {
        demo::confirm_editions(&app).await?;
    }
    if loaded && demo_cards > 0 {
        // Portal appeals at each stage, filed and moved on through the service itself.
        let filed = demo::portal_appeals(&app).await?;
        tracing::info!(filed, "demo portal appeals filed");
    }
    // Background work: expired sessions and eGov mobile signings are removed every hour.
    let sweeper = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = sweeper.delete_expired_sessions(Utc::now()).await {
                tracing::warn!(error = %e, "session sweep failed");
            }
            if let Err(e) = sweeper.delete_expired_mobile_signings(Utc::now()).await {
                tracing::warn!(error = %e, "mobile signing sweep failed");
            }
        }
    });
    // Revocation: lists other nodes fetched are loaded and lists near their next update are
    // fetched again; certificates trusted or withdrawn on another node are taken; signatures
    // accepted while revocation could not be checked are checked again. Every five minutes.
    let revocation_app = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            let fetched = revocation_app
                .pki
                .revocation
                .refresh(revocation_app.clock.now())
                .await;
            if fetched > 0 {
                tracing::info!(fetched, "revocation lists refreshed");
            }
            // Certificates trusted or withdrawn on another node's console.
            if let Err(e) = revocation_app.reload_trust().await {
                tracing::warn!(error = %e, "trust anchors not reloaded");
            }
            // Rulebook editions confirmed on another node's console.
            if let Err(e) = revocation_app.reload_editions().await {
                tracing::warn!(error = %e, "confirmed editions not reloaded");
            }
            match revocation_app.recheck_pending_signatures().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(settled = n, "signatures checked again for revocation"),
                Err(e) => tracing::warn!(error = %e, "signature re-check"),
            }
        }
    });
    // A commit that could not be made durable (a failed fsync) stops the store taking writes;
    // the process then exits for the supervisor to restart it, and recovery starts from what
    // is really on disk (carrying on could acknowledge commits that a later crash loses).
    let watched = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
        loop {
            tick.tick().await;
            if let Some(why) = watched.failed() {
                tracing::error!("stopping: {why}");
                eprintln!("otinish: stopping: {why}");
                std::process::exit(EXIT_STORE_FAILED);
            }
        }
    });
    // Background jobs (notices today): on shutdown the worker stops and gives back what it
    // claimed and has not finished.
    let (stopping, stop) = tokio::sync::watch::channel(false);
    let jobs =
        otinish_app::jobs::Worker::new(store.clone(), app.clock.clone(), mailer, app.sms.clone());
    let worker = tokio::spawn(async move {
        let mut idle = stop.clone();
        while !*stop.borrow() {
            let pause = match jobs.run_due_until(50, &stop).await {
                Ok(r) if r.done + r.failed + r.lost > 0 => {
                    tracing::info!(done = r.done, failed = r.failed, dead = r.dead, "jobs");
                    continue;
                }
                Ok(_) => 2,
                Err(e) => {
                    tracing::warn!(error = %e, "job worker");
                    5
                }
            };
            let _ =
                tokio::time::timeout(std::time::Duration::from_secs(pause), idle.wait_for(|s| *s))
                    .await;
        }
    });
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = store.backend(), demo = cfg.demo, "serving");
    println!("Otinish is serving on http://{addr}/ ({})", store.backend());
    let cap = server::ConnectionCap {
        per_client: cfg.max_connections_per_client,
        exempt: cfg.trusted_proxies.clone(),
    };
    server::serve(listener, otinish_web::router(app), cap, async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    })
    .await;
    // The worker has given its claims back by now, or does within a few seconds.
    if tokio::time::timeout(std::time::Duration::from_secs(10), worker)
        .await
        .is_err()
    {
        tracing::warn!("the notice worker did not stop in time; its leases will expire");
    }
    tracing::info!("stopped: every request in flight was answered");
    Ok(ExitCode::SUCCESS)
}

/// The configured store, migrated (a PostgreSQL server that acknowledges commits before
/// flushing them is refused unless `--allow-async-commit`).
/// Opens the deployment's store (migrating it) and gives it the time zone its statistics count
/// months in.
async fn open_store(
    cfg: &Config,
    zone: &otinish_domain::calendar::Zone,
) -> Result<std::sync::Arc<dyn otinish_domain::repo::Store>, otinish_domain::repo::StoreError> {
    let store = otinish_store::open(
        cfg.database_url.as_deref(),
        &cfg.data_dir,
        true,
        cfg.allow_async_commit,
    )
    .await?;
    otinish_app::calendar::keep_tally_zone(store.as_ref(), zone).await?;
    Ok(store)
}

/// The exit status when the store could not make a commit durable (EX_IOERR).
const EXIT_STORE_FAILED: i32 = 74;

/// SIGTERM (the service manager, the container runtime) or Ctrl+C: stop taking connections and
/// finish the requests in flight before exiting.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

/// The trust anchor files of `dir` (certificates and CRLs), each checked to parse; refused
/// whole when one does not.
fn trust_files(dir: &Path) -> Result<Vec<(std::ffi::OsString, Vec<u8>)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_lowercase)
            .unwrap_or_default();
        let bytes = std::fs::read(&path)?;
        let parsed = match ext.as_str() {
            "pem" | "crt" | "cer" | "der" => otinish_pki::parse_certificates(&bytes).map(|_| ()),
            "crl" => otinish_pki::trust_crl(&bytes).map(|_| ()),
            _ => continue,
        };
        parsed.map_err(|e| {
            anyhow::anyhow!(
                "{}: not a certificate or CRL ({e}); nothing was written",
                path.display()
            )
        })?;
        if let Some(name) = path.file_name() {
            out.push((name.to_owned(), bytes));
        }
    }
    if out.is_empty() {
        anyhow::bail!("{} holds no certificate or CRL", dir.display());
    }
    Ok(out)
}

/// A field problem of the set-up, in words.
fn field_problem(key: &str) -> &'static str {
    match key {
        "appeal-field-required" => "required",
        "appeal-field-too-long" => "too long",
        "setup-bin-invalid" => "not a BIN (12 digits whose checksum holds)",
        "setup-iin-invalid" => "not an IIN (12 digits, a birth date, a checksum that holds)",
        "setup-login-invalid" => "letters, digits, dots, dashes and underscores only, at most 64",
        "setup-email-invalid" => "not an email address",
        _ => "not valid",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
