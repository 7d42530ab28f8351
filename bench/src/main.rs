//! `otinish-bench`: the load generator and the ceiling measurements behind docs/PERFORMANCE.md.
//! `bench/run` drives it; each subcommand prints one JSON line of figures.

mod attacks;

use anyhow::{bail, Context, Result};
use base64::Engine;
use chrono::Utc;
use clap::{Parser, Subcommand};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{AppealKind, Applicant, Channel, NewCard};
use otinish_domain::repo::{NewAppeal, StoredDeadline};
use otinish_domain::Lang;
use otinish_pki::sign::{load_key, save_key, KzSubject, LocalCa, SigningKey};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "otinish-bench",
    about = "Otinish load benchmarks (see bench/run)."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Makes N signers under a bench CA whose root goes into the server's trust folder:
    /// GOST R 34.10-2015 512-bit keys as NCA RK issues them (the realistic case), or ECDSA
    /// P-256 (`--algorithm ecdsa`) for comparison.
    Prepare {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long, default_value_t = 1000)]
        signers: usize,
        #[arg(long, default_value = "gost")]
        algorithm: String,
    },
    /// Signed e-appeal submissions per second through the JSON API.
    Intake {
        #[arg(long)]
        url: String,
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long, default_value_t = 64)]
        conns: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Recipient body id.
        #[arg(long, default_value_t = 2)]
        body: i64,
    },
    /// The HTTP ceiling: a bare POST echo of the same size on the same server stack.
    Echo {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 64)]
        conns: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// The durable-insert ceiling: the same rows straight into the store, one per transaction
    /// and in batches.
    Insert {
        /// Empty for a fresh SQLite database in a temporary folder, or postgres://…
        #[arg(long, default_value = "")]
        database_url: String,
        #[arg(long, default_value_t = 3000)]
        rows: usize,
        #[arg(long, default_value_t = 100)]
        batch: usize,
    },
    /// The plain durable-insert ceiling: 2 KB rows with five indexes written with sqlx alone
    /// (no store, no journal, no triggers), WAL with full sync on SQLite, synchronous commit
    /// on PostgreSQL; one row per transaction, then BATCH per transaction.
    Plain {
        /// Empty for a fresh SQLite database in a temporary folder, or postgres://…
        #[arg(long, default_value = "")]
        database_url: String,
        #[arg(long, default_value_t = 3000)]
        rows: usize,
        #[arg(long, default_value_t = 256)]
        batch: usize,
    },
    /// Open cards loaded straight into a deployment's store (the server stopped): CARDS cards
    /// in execution at BODY, shared among its executors, to measure intake as they accumulate.
    Preload {
        #[arg(long)]
        data_dir: PathBuf,
        /// Empty for the deployment's SQLite database, or postgres://…
        #[arg(long, default_value = "")]
        database_url: String,
        #[arg(long)]
        cards: usize,
        #[arg(long, default_value_t = 2)]
        body: i64,
    },
    /// Pages on a loaded database: inbox, due list, card, search, the dashboard, the public
    /// statistics, 1-OL; p50/p99 each.
    Reads {
        #[arg(long)]
        url: String,
        /// Requests per page kind.
        #[arg(long, default_value_t = 400)]
        requests: usize,
        /// Concurrent connections.
        #[arg(long, default_value_t = 4)]
        conns: usize,
        /// The number of cards loaded (reported with the figures).
        #[arg(long)]
        cards: usize,
    },
    /// Overload: signed e-appeals sent at a fixed rate (open loop, as real users arrive, not
    /// waiting for answers) for a while; counts the accepted and the refused with 503, samples
    /// the server's memory and the health check, then checks that it serves at once afterwards.
    Overload {
        #[arg(long)]
        url: String,
        #[arg(long)]
        data_dir: PathBuf,
        /// Requests per second.
        #[arg(long)]
        rate: u64,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// The server's process id, for its memory.
        #[arg(long)]
        pid: u32,
        #[arg(long, default_value_t = 2)]
        body: i64,
    },
    /// A flood: CLIENTS clients file appeals and retry a refused one at once; appeals
    /// accepted per second against CAPACITY (the server's rate at its best concurrency).
    Flood {
        #[arg(long)]
        url: String,
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long, default_value_t = 640)]
        clients: usize,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        #[arg(long)]
        capacity: f64,
        #[arg(long, default_value_t = 2)]
        body: i64,
    },
    /// Slow bodies: ATTACKERS connections send a byte every two seconds while a legitimate
    /// client reads and writes; the share of its requests served.
    SlowBodies {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 520)]
        attackers: usize,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
    /// Large uploads at once with a junk signature: the server's memory at its peak.
    Uploads {
        #[arg(long)]
        url: String,
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        pid: u32,
        #[arg(long, default_value_t = 32)]
        uploads: usize,
        #[arg(long, default_value_t = 60)]
        megabytes: usize,
        #[arg(long, default_value_t = 2)]
        body: i64,
    },
    /// Signature verifications per second on one core.
    Verify {
        #[arg(long, default_value_t = 3)]
        seconds: u64,
    },
    /// GOST R 34.10-2015 512-bit verifications per second on one core: the bare signature
    /// (NCA's TEST CA over a certificate) and a whole KalkanCrypt CMS with its timestamp and
    /// both paths, from the NCA fixtures in crates/pki/tests/fixtures/kz-gost.
    GostVerify {
        #[arg(long, default_value_t = 3)]
        seconds: u64,
        /// The fixture folder.
        #[arg(long, default_value = "crates/pki/tests/fixtures/kz-gost")]
        fixtures: PathBuf,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Cmd::Prepare {
            data_dir,
            signers,
            algorithm,
        } => prepare(&data_dir, signers, &algorithm),
        Cmd::Intake {
            url,
            data_dir,
            conns,
            seconds,
            body,
        } => intake(&url, &data_dir, conns, seconds, body).await,
        Cmd::Echo {
            url,
            conns,
            seconds,
        } => echo(&url, conns, seconds).await,
        Cmd::Insert {
            database_url,
            rows,
            batch,
        } => insert(&database_url, rows, batch).await,
        Cmd::Plain {
            database_url,
            rows,
            batch,
        } => plain(&database_url, rows, batch).await,
        Cmd::Flood {
            url,
            data_dir,
            clients,
            seconds,
            capacity,
            body,
        } => attacks::flood(&url, &data_dir, clients, seconds, capacity, body).await,
        Cmd::SlowBodies {
            url,
            attackers,
            seconds,
        } => attacks::slow_bodies(&url, attackers, seconds).await,
        Cmd::Uploads {
            url,
            data_dir,
            pid,
            uploads,
            megabytes,
            body,
        } => attacks::uploads(&url, &data_dir, pid, uploads, megabytes, body).await,
        Cmd::Verify { seconds } => verify_rate(seconds),
        Cmd::GostVerify { seconds, fixtures } => gost_verify_rate(seconds, &fixtures),
        Cmd::Overload {
            url,
            data_dir,
            rate,
            seconds,
            pid,
            body,
        } => overload(&url, &data_dir, rate, seconds, pid, body).await,
        Cmd::Preload {
            data_dir,
            database_url,
            cards,
            body,
        } => preload(&data_dir, &database_url, cards, body).await,
        Cmd::Reads {
            url,
            requests,
            conns,
            cards,
        } => reads(&url, requests, conns, cards).await,
    }
}

/// A valid IIN for bench signer `i` (born 1980-1999, the check digit computed).
fn iin(i: usize) -> String {
    for serial in 0..10_000 {
        let base = format!(
            "{:02}{:02}{:02}3{:04}",
            80 + i % 20,
            1 + i % 12,
            1 + i % 28,
            (i * 7 + serial) % 10_000
        );
        let d: Vec<u32> = base.bytes().map(|b| u32::from(b - b'0')).collect();
        let w1: u32 = (0..11).map(|k| d[k] * (k as u32 + 1)).sum::<u32>() % 11;
        let c = if w1 == 10 {
            const W: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
            let w2 = (0..11).map(|k| d[k] * W[k]).sum::<u32>() % 11;
            if w2 == 10 {
                continue;
            }
            w2
        } else {
            w1
        };
        return format!("{base}{c}");
    }
    String::new()
}

fn prepare(data_dir: &Path, n: usize, algorithm: &str) -> Result<()> {
    let now = Utc::now();
    let e = |e: otinish_pki::sign::SignError| anyhow::anyhow!("{e}");
    enum Ca {
        Gost(otinish_pki::gost_ca::GostCa),
        Ecdsa(LocalCa),
    }
    let ca = match algorithm {
        "gost" => {
            Ca::Gost(otinish_pki::gost_ca::GostCa::generate("Otinish Bench CA", now).map_err(e)?)
        }
        "ecdsa" => Ca::Ecdsa(LocalCa::generate("Otinish Bench CA", now).map_err(e)?),
        other => bail!("--algorithm gost or ecdsa, not {other}"),
    };
    let root = match &ca {
        Ca::Gost(c) => c.root_der(),
        Ca::Ecdsa(c) => c.root_der(),
    };
    let trust = data_dir.join("trust");
    std::fs::create_dir_all(&trust)?;
    std::fs::write(
        trust.join("bench-ca.pem"),
        otinish_pki::sign::certificate_pem(root),
    )?;
    let keys = data_dir.join("bench-signers");
    let started = Instant::now();
    let mut seen = std::collections::HashSet::new();
    for i in 0..n {
        let id = iin(i);
        if !seen.insert(id.clone()) {
            bail!("duplicate IIN {id}");
        }
        let subject = KzSubject {
            surname: format!("БЕНЧ{i}"),
            name: "ТЕСТ".into(),
            patronymic: None,
            iin: id,
            organization: None,
            bin: None,
            email: None,
        };
        let key = match &ca {
            Ca::Gost(c) => c
                .issue(&subject, otinish_pki::gost_ca::Purpose::Signing, now)
                .map_err(e)?,
            Ca::Ecdsa(c) => c.issue(&subject, now).map_err(e)?,
        };
        save_key(&keys, &format!("s{i}"), &key).map_err(e)?;
    }
    println!(
        "{}",
        serde_json::json!({ "figure": "prepare", "signers": n, "algorithm": algorithm, "seconds": started.elapsed().as_secs_f64() })
    );
    Ok(())
}

/// A request ready to send: its headers and body.
type Prepared = (Vec<(&'static str, String)>, Bytes);

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn client(conns: usize) -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(conns)
        .build_http()
}

async fn post(
    c: &HttpClient,
    url: &str,
    headers: &[(&str, String)],
    body: Bytes,
) -> Result<(u16, Bytes)> {
    let mut req = hyper::Request::post(url).header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = c.request(req.body(Full::new(body))?).await?;
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await?.to_bytes();
    Ok((status, bytes))
}

/// Runs `conns` loops for `seconds`, each sending the next request from `requests`; returns
/// the figures as JSON.
async fn load(
    name: &str,
    c: HttpClient,
    url: String,
    requests: Arc<Vec<Prepared>>,
    conns: usize,
    seconds: u64,
    ok_status: &'static [u16],
) -> Result<serde_json::Value> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (c, url, requests, next) = (c.clone(), url.clone(), requests.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((headers, body)) = requests.get(i % requests.len()) else {
                    break;
                };
                if i >= requests.len()
                    && requests.len() > 1
                    && headers.iter().any(|(k, _)| *k == "idempotency-key")
                {
                    break; // every submission must be new: stop when the pool is used up
                }
                let t = Instant::now();
                match post(&c, &url, headers, body.clone()).await {
                    Ok((s, _)) if ok_status.contains(&s) => lat.push(t.elapsed()),
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        lat.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    lat.sort_unstable();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Ok(serde_json::json!({
        "figure": name,
        "conns": conns,
        "requests": lat.len(),
        "errors": errors,
        "seconds": elapsed,
        "per_second": lat.len() as f64 / elapsed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
    }))
}

/// A 2 KB appeal text.
fn content(i: usize) -> String {
    let mut s = format!("Обращение № {i}. Прошу разъяснить порядок получения справки. ");
    while s.len() < 2048 {
        s.push_str("Текст обращения для нагрузочного теста. ");
    }
    s.chars().take(1100).collect()
}

/// Signs in every prepared signer and pre-signs `pool` distinct appeals (not timed: the
/// client must not be the bottleneck). Returns the requests ready to send.
async fn signed_appeals(
    c: &HttpClient,
    url: &str,
    data_dir: &Path,
    pool: usize,
    body: i64,
) -> Result<Vec<Prepared>> {
    let keys_dir = data_dir.join("bench-signers");
    let mut signers: Vec<SigningKey> = Vec::new();
    for i in 0.. {
        match load_key(&keys_dir, &format!("s{i}")) {
            Ok(k) => signers.push(k),
            Err(_) => break,
        }
    }
    if signers.is_empty() {
        bail!(
            "no signers in {}: run `otinish-bench prepare` first",
            keys_dir.display()
        );
    }
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    // Sign in every signer (not timed).
    let mut tokens = Vec::with_capacity(signers.len());
    for k in &signers {
        let (_, ch) = post(
            c,
            &format!("{url}/api/v1/auth/challenge"),
            &[],
            Bytes::from_static(b"{}"),
        )
        .await?;
        let ch: serde_json::Value = serde_json::from_slice(&ch)?;
        let challenge = ch["challenge"].as_str().context("challenge")?.to_owned();
        let sig = k
            .sign_cms(challenge.as_bytes(), true, Utc::now())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let body =
            serde_json::json!({ "challenge": challenge, "signature": b64(&sig) }).to_string();
        let (s, v) = post(
            c,
            &format!("{url}/api/v1/auth/signin"),
            &[],
            Bytes::from(body),
        )
        .await?;
        if s != 200 {
            bail!("sign-in failed ({s}): {}", String::from_utf8_lossy(&v));
        }
        let v: serde_json::Value = serde_json::from_slice(&v)?;
        tokens.push(format!("Bearer {}", v["token"].as_str().context("token")?));
    }
    // Each run signs its own content: the same signed appeal again would be a replay,
    // answered with the first one (not 201).
    let run = Utc::now().timestamp_micros();
    let mut requests = Vec::with_capacity(pool);
    for i in 0..pool {
        let s = i % signers.len();
        let doc = serde_json::json!({
            "otinish": "appeal/1",
            "applicant_type": "individual",
            "form": { "recipient": body.to_string(), "kind": "statement", "postal_address": "Астана, ул. Бенч 1", "content": format!("{run}: {}", content(i)) },
            "files": []
        })
        .to_string();
        let sig = signers[s]
            .sign_cms(doc.as_bytes(), true, Utc::now())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let payload = serde_json::json!({ "signature": b64(&sig), "files": [] }).to_string();
        requests.push((
            vec![
                ("authorization", tokens[s].clone()),
                ("idempotency-key", format!("bench-{run}-{i}")),
            ],
            Bytes::from(payload),
        ));
    }
    Ok(requests)
}

async fn intake(url: &str, data_dir: &Path, conns: usize, seconds: u64, body: i64) -> Result<()> {
    let c = client(conns);
    let requests =
        signed_appeals(&c, url, data_dir, (conns * 40).clamp(2000, 60_000), body).await?;
    let size = requests.first().map_or(0, |r| r.1.len());
    let mut v = load(
        "intake",
        c,
        format!("{url}/api/v1/appeals"),
        Arc::new(requests),
        conns,
        seconds,
        &[201],
    )
    .await?;
    v["request_bytes"] = serde_json::json!(size);
    println!("{v}");
    Ok(())
}

/// The resident memory of process `pid`, in KB.
fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn overload(
    url: &str,
    data_dir: &Path,
    rate: u64,
    seconds: u64,
    pid: u32,
    body: i64,
) -> Result<()> {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
    let total = usize::try_from(rate * seconds + 200)?;
    let c = client(1024);
    let requests = Arc::new(signed_appeals(&c, url, data_dir, total, body).await?);
    let target = format!("{url}/api/v1/appeals");
    let (accepted, shed, other) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<Duration>::new()));
    let done = Arc::new(AtomicBool::new(false));
    // Memory and the health check, sampled four times a second.
    let monitor = {
        let (c, done, health) = (c.clone(), done.clone(), format!("{url}/healthz"));
        tokio::spawn(async move {
            let (mut rss_peak, mut health_max, mut health_failed) = (0u64, Duration::ZERO, 0u64);
            while !done.load(Relaxed) {
                rss_peak = rss_peak.max(rss_kb(pid));
                let t = Instant::now();
                match tokio::time::timeout(Duration::from_secs(5), get(&c, &health, "")).await {
                    Ok(Ok((200, _, _))) => health_max = health_max.max(t.elapsed()),
                    _ => health_failed += 1,
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            (rss_peak, health_max, health_failed)
        })
    };
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(total);
    let mut sent = 0usize;
    while started.elapsed() < Duration::from_secs(seconds) && sent + 200 < requests.len() {
        tick.tick().await;
        let (c, target, requests) = (c.clone(), target.clone(), requests.clone());
        let (accepted, shed, other, latencies) = (
            accepted.clone(),
            shed.clone(),
            other.clone(),
            latencies.clone(),
        );
        let i = sent;
        tasks.push(tokio::spawn(async move {
            let (headers, body) = &requests[i];
            let t = Instant::now();
            match post(&c, &target, headers, body.clone()).await {
                Ok((201, _)) => {
                    accepted.fetch_add(1, Relaxed);
                    if let Ok(mut l) = latencies.lock() {
                        l.push(t.elapsed());
                    }
                }
                Ok((503, _)) => {
                    shed.fetch_add(1, Relaxed);
                }
                _ => {
                    other.fetch_add(1, Relaxed);
                }
            }
        }));
        sent += 1;
    }
    let offered_seconds = started.elapsed().as_secs_f64();
    for t in tasks {
        let _ = t.await;
    }
    let drained_seconds = started.elapsed().as_secs_f64();
    done.store(true, Relaxed);
    let (rss_peak, health_max, health_failed) = monitor.await?;
    // Recovery: the load is gone; the next requests are served at once.
    let mut recovered = 0;
    let t = Instant::now();
    for i in 0..20 {
        let (headers, body) = &requests[sent + i];
        if let Ok((201, _)) = post(&c, &target, headers, body.clone()).await {
            recovered += 1;
        }
    }
    let recovery_ms = t.elapsed().as_secs_f64() * 1000.0 / 20.0;
    let mut lat = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort_unstable();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{}",
        serde_json::json!({
            "figure": "overload",
            "rate": rate,
            "seconds": offered_seconds,
            "drained_seconds": drained_seconds,
            "sent": sent,
            "accepted": accepted.load(Relaxed),
            "accepted_per_second": accepted.load(Relaxed) as f64 / offered_seconds,
            "shed": shed.load(Relaxed),
            "other": other.load(Relaxed),
            "p50_ms": pct(0.5),
            "p99_ms": pct(0.99),
            "rss_peak_kb": rss_peak,
            "health_max_ms": health_max.as_secs_f64() * 1000.0,
            "health_failed": health_failed,
            "recovered": recovered,
            "recovery_ms_per_request": recovery_ms,
        })
    );
    Ok(())
}

async fn echo(url: &str, conns: usize, seconds: u64) -> Result<()> {
    let body =
        Bytes::from(serde_json::json!({ "signature": "x".repeat(4400), "files": [] }).to_string());
    let size = body.len();
    let requests = Arc::new(vec![(Vec::new(), body)]);
    let mut v = load(
        "echo",
        client(conns),
        format!("{url}/api/v1/echo"),
        requests,
        conns,
        seconds,
        &[200],
    )
    .await?;
    v["request_bytes"] = serde_json::json!(size);
    println!("{v}");
    Ok(())
}

fn appeal_row(i: usize, body_id: i64) -> Result<NewAppeal> {
    let iin =
        otinish_domain::ids::Iin::parse(&iin(i % 1000)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = Utc::now();
    Ok(NewAppeal {
        card: NewCard {
            body_id,
            channel: Channel::Portal,
            kind: AppealKind::Statement,
            applicant_id: None,
            addressee: None,
            summary: content(i).chars().take(200).collect(),
            received_at: now,
            rulebook_id: "APPC-2021".into(),
            collective: false,
        },
        applicant: Applicant::Individual {
            iin,
            surname: "БЕНЧ".into(),
            name: "ТЕСТ".into(),
            patronymic: None,
            email: None,
            phone: None,
            address: "Астана".into(),
            lang: Lang::Ru,
        },
        content: content(i),
        outgoing_number: None,
        outgoing_date: None,
        postal_address: "Астана".into(),
        email: None,
        phone: None,
        lang: Lang::Ru,
        signed_document: content(i),
        signature: vec![0x30; 1500],
        signer_serial: "01".into(),
        signed_at: Some(now),
        signature_check: None,
        idempotency_key: format!("row-{i}"),
        signed_digest: None,
        size_bytes: 2048,
        attachments: vec![],
        deadlines: vec![
            StoredDeadline {
                key: "answer".into(),
                rule: "VC-19".into(),
                rulebook: "APPC-2021".into(),
                due_at: now,
                due_on: now.date_naive(),
                paused: false,
                explanation: "{}".into(),
            },
            StoredDeadline {
                key: "redirect".into(),
                rule: "VA-10".into(),
                rulebook: "APPC-2021".into(),
                due_at: now,
                due_on: now.date_naive(),
                paused: false,
                explanation: "{}".into(),
            },
        ],
        admission: None,
    })
}

async fn preload(data_dir: &Path, database_url: &str, cards: usize, body: i64) -> Result<()> {
    use otinish_domain::model::CardState;
    use otinish_domain::repo::ImportCard;
    let url = (!database_url.is_empty()).then_some(database_url);
    let store = otinish_store::open(url, data_dir, true, false)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let executors: Vec<i64> = store
        .executor_loads(body)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .into_iter()
        .filter(|(u, _)| u.has_role(otinish_domain::model::Role::Executor))
        .map(|(u, _)| u.id)
        .collect();
    if executors.is_empty() {
        bail!("body {body} has no executor");
    }
    let now = Utc::now();
    let started = Instant::now();
    let mut batch = Vec::with_capacity(5_000);
    for i in 0..cards {
        batch.push(ImportCard {
            body_id: body,
            channel: Channel::Paper,
            kind: AppealKind::Statement,
            state: CardState::InExecution,
            applicant_id: None,
            summary: format!("Обращение {i}"),
            received_at: now,
            registered_at: Some(now),
            reg_year: Some(chrono::Datelike::year(&now)),
            executor_id: Some(executors[i % executors.len()]),
            rulebook_id: "APPC-2021".into(),
            decision: None,
            closed_at: None,
            archived_at: None,
            collective: false,
            deadlines: vec![],
        });
        if batch.len() == 5_000 || i + 1 == cards {
            store
                .import_cards(&batch, JournalDraft::new(now, "bench", "", "preload"))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            batch.clear();
        }
    }
    println!(
        "{}",
        serde_json::json!({"figure": "preload", "cards": cards, "seconds": started.elapsed().as_secs_f64()})
    );
    Ok(())
}

async fn insert(database_url: &str, rows: usize, batch: usize) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("otinish-bench-insert-{}", std::process::id()));
    let url = (!database_url.is_empty()).then_some(database_url);
    let store = otinish_store::open(url, &dir, true, false)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let body = store
        .create_body(
            &otinish_domain::model::NewBody {
                code: format!("B{}", std::process::id()),
                name: otinish_domain::Names::new("Бенч", "Бенч", "Bench"),
                parent_code: None,
                competence: vec![],
                vks_connected: false,
                video_appeal_connected: false,
                contacts: Default::default(),
                time_zone: "Asia/Almaty".into(),
            },
            JournalDraft::new(Utc::now(), "bench", "", "create_body"),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let j = || JournalDraft::new(Utc::now(), "bench", "", "receive");
    let started = Instant::now();
    for i in 0..rows {
        store
            .submit_appeal(&appeal_row(i, body.id)?, j())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let single = rows as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut i = rows;
    while i < rows * 3 {
        let items: Vec<_> = (i..i + batch)
            .map(|k| appeal_row(k, body.id).map(|a| (a, j())))
            .collect::<Result<_>>()?;
        store
            .submit_appeals(&items)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        i += batch;
    }
    let batched = (rows * 2) as f64 / started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({ "figure": "insert", "backend": store.backend(), "single_per_second": single, "batched_per_second": batched, "batch": batch })
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// One plain row: five indexed columns and a 2 KB payload.
fn plain_row(i: usize) -> (i64, i64, String, String, i64, String) {
    let i = i as i64;
    (
        i % 97,
        i * 7919 % 100_003,
        format!("reg-{i:08}"),
        format!("{:016x}", (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        i / 10,
        format!("{i:08}").repeat(256),
    )
}

async fn plain(database_url: &str, rows: usize, batch: usize) -> Result<()> {
    use sqlx::Connection;
    const TABLE: &str = "CREATE TABLE bench_plain (id BIGINT PRIMARY KEY, a BIGINT NOT NULL, \
        b BIGINT NOT NULL, c TEXT NOT NULL, d TEXT NOT NULL, e BIGINT NOT NULL, payload TEXT NOT NULL)";
    const INDEXES: [&str; 5] = [
        "CREATE INDEX bench_plain_a ON bench_plain(a)",
        "CREATE INDEX bench_plain_b ON bench_plain(b)",
        "CREATE INDEX bench_plain_c ON bench_plain(c)",
        "CREATE INDEX bench_plain_d ON bench_plain(d)",
        "CREATE INDEX bench_plain_e ON bench_plain(e)",
    ];
    const INSERT: &str =
        "INSERT INTO bench_plain (id, a, b, c, d, e, payload) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    // One row per transaction, then `batch` per transaction; rows/s of each.
    macro_rules! measure {
        ($conn:expr) => {{
            let conn = $conn;
            let mut rates = [0f64; 2];
            let mut next = 0usize;
            for (rate, (per_tx, total)) in rates.iter_mut().zip([(1, rows), (batch, rows * 4)]) {
                let (first, started) = (next, Instant::now());
                while next < first + total {
                    let mut tx = conn.begin().await?;
                    for k in next..next + per_tx {
                        let r = plain_row(k);
                        sqlx::query(INSERT)
                            .bind(k as i64)
                            .bind(r.0)
                            .bind(r.1)
                            .bind(&r.2)
                            .bind(&r.3)
                            .bind(r.4)
                            .bind(&r.5)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    next += per_tx;
                }
                *rate = (next - first) as f64 / started.elapsed().as_secs_f64();
            }
            (rates[0], rates[1])
        }};
    }
    let (backend, single, batched) = if database_url.is_empty() {
        let dir = std::env::temp_dir().join(format!("otinish-bench-plain-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.join("plain.db"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
        sqlx::query(TABLE).execute(&mut conn).await?;
        for ix in INDEXES {
            sqlx::query(ix).execute(&mut conn).await?;
        }
        let (single, batched) = measure!(&mut conn);
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
        ("sqlite", single, batched)
    } else {
        let mut conn = sqlx::PgConnection::connect(database_url).await?;
        let on: String = sqlx::query_scalar("SHOW synchronous_commit")
            .fetch_one(&mut conn)
            .await?;
        anyhow::ensure!(
            on != "off",
            "synchronous_commit is off: not a durable ceiling"
        );
        sqlx::query("DROP TABLE IF EXISTS bench_plain")
            .execute(&mut conn)
            .await?;
        sqlx::query(TABLE).execute(&mut conn).await?;
        for ix in INDEXES {
            sqlx::query(ix).execute(&mut conn).await?;
        }
        let (single, batched) = measure!(&mut conn);
        sqlx::query("DROP TABLE bench_plain")
            .execute(&mut conn)
            .await?;
        ("postgres", single, batched)
    };
    println!(
        "{}",
        serde_json::json!({ "figure": "plain_insert", "backend": backend, "single_per_second": single, "batched_per_second": batched, "batch": batch, "row_bytes": plain_row(0).5.len() })
    );
    Ok(())
}

fn verify_rate(seconds: u64) -> Result<()> {
    let now = Utc::now();
    let ca = LocalCa::generate("CA", now).map_err(|e| anyhow::anyhow!("{e}"))?;
    let key = ca
        .issue(
            &KzSubject {
                surname: "Б".into(),
                name: "Т".into(),
                patronymic: None,
                iin: iin(0),
                organization: None,
                bin: None,
                email: None,
            },
            now,
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut trust = otinish_pki::TrustStore::new();
    for c in otinish_pki::parse_certificates(ca.root_der()).map_err(anyhow::Error::msg)? {
        trust.add_certificate(c);
    }
    let cms = key
        .sign_cms(content(0).as_bytes(), true, now)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        otinish_pki::verify(&cms, None, &trust, now).map_err(|e| anyhow::anyhow!("{e}"))?;
        n += 1;
    }
    println!(
        "{}",
        serde_json::json!({ "figure": "verify", "per_second_one_core": n as f64 / started.elapsed().as_secs_f64(), "algorithm": "ECDSA P-256 SHA-256, full path check" })
    );
    Ok(())
}

fn gost_verify_rate(seconds: u64, fixtures: &std::path::Path) -> Result<()> {
    use otinish_pki::gost::{Layout, PublicKey, Streebog};
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(
        fixtures.join("vectors/kz_real_signatures.json"),
    )?)?;
    let v = json["vectors"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|v| v["name"] == "TEST individual signer cert")
        })
        .ok_or_else(|| anyhow::anyhow!("no vector"))?;
    let h = |k: &str| hex::decode(v[k].as_str().unwrap_or_default());
    let curve = const_oid::ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.2.1");
    let key = PublicKey::from_xy_le(&curve, &h("pub_kz")?).map_err(|e| anyhow::anyhow!("{e}"))?;
    let digest = Streebog::S512.digest(&h("signed_data_hex")?);
    let sig = h("sig_kz")?;
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        anyhow::ensure!(
            key.verify_digest(&digest, &sig, Layout::Nca),
            "not verified"
        );
        n += 1;
    }
    let raw = n as f64 / started.elapsed().as_secs_f64();

    let mut trust = otinish_pki::TrustStore::new();
    for f in ["root_test_gost_2022.cer", "nca_gost2022_test.cer"] {
        for c in otinish_pki::parse_certificates(&std::fs::read(fixtures.join("test-pki").join(f))?)
            .map_err(anyhow::Error::msg)?
        {
            trust.add_certificate(c);
        }
    }
    let cms = std::fs::read(fixtures.join("cms/individual_attached.der"))?;
    let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 30, 12, 0, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("date"))?;
    let started = Instant::now();
    let mut m = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        otinish_pki::verify(&cms, None, &trust, at).map_err(|e| anyhow::anyhow!("{e}"))?;
        m += 1;
    }
    println!(
        "{}",
        serde_json::json!({
            "figure": "gost_verify",
            "per_second_one_core": raw,
            "cms_per_second_one_core": m as f64 / started.elapsed().as_secs_f64(),
            "algorithm": "GOST R 34.10-2015 512-bit paramSetA, Streebog-512 (NCA RK)",
            "cms": "KalkanCrypt CMS with a timestamp: 6 signatures (signer, TSA token, 4 certificates)",
        })
    );
    Ok(())
}

/// A GET with a cookie; the status, the `Set-Cookie` values and the body.
async fn get(c: &HttpClient, url: &str, cookie: &str) -> Result<(u16, Vec<String>, Bytes)> {
    let req = hyper::Request::get(url)
        .header("cookie", cookie)
        .body(Full::new(Bytes::new()))?;
    let resp = c.request(req).await?;
    let status = resp.status().as_u16();
    let cookies = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next().map(str::to_owned))
        .collect();
    let bytes = resp.into_body().collect().await?.to_bytes();
    Ok((status, cookies, bytes))
}

/// Signs a demo staff member in through the login form; returns the cookie header.
async fn staff_session(c: &HttpClient, url: &str, login: &str) -> Result<String> {
    let (_, cookies, _) = get(c, &format!("{url}/staff/login"), "").await?;
    let csrf = cookies
        .iter()
        .find_map(|k| k.strip_prefix("otinish_csrf="))
        .context("no CSRF cookie on the login form")?
        .to_owned();
    let jar = format!("otinish_csrf={csrf}");
    let req = hyper::Request::post(format!("{url}/staff/login"))
        .header("cookie", &jar)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(format!(
            "csrf={csrf}&login={login}&password=demo"
        ))))?;
    let resp = c.request(req).await?;
    let session = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()?
                .strip_prefix("otinish_session=")
                .map(str::to_owned)
        })
        .with_context(|| format!("{login} could not sign in ({})", resp.status()))?;
    Ok(format!("{jar}; otinish_session={session}"))
}

/// Card ids linked from a page.
fn card_links(html: &[u8]) -> Vec<i64> {
    let text = String::from_utf8_lossy(html);
    text.split("href=\"/staff/cards/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

/// Search words: common and rare, Russian and Kazakh, one and two words.
const SEARCH_WORDS: &[&str] = &[
    "%D0%B7%D0%B5%D0%BC%D0%B5%D0%BB",                         // земел
    "%D0%B6%D0%B5%D1%80",                                     // жер
    "%D0%BE%D1%82%D0%BE%D0%BF%D0%BB%D0%B5%D0%BD%D0%B8%D0%B5", // отопление
    "%D0%B7%D0%B5%D0%B9%D0%BD%D0%B5%D1%82%D0%B0%D2%9B%D1%8B", // зейнетақы
    "%D1%80%D0%B5%D0%BC%D0%BE%D0%BD%D1%82+%D0%B4%D0%BE%D1%80%D0%BE%D0%B3%D0%B8+%D0%90%D0%BA%D1%82%D0%BE%D0%B1%D0%B5", // ремонт дороги Актобе
    "%D2%9B%D0%BE%D2%9B%D1%8B%D1%81+%D3%A9%D1%81%D0%BA%D0%B5%D0%BC%D0%B5%D0%BD%D0%B4%D0%B5", // қоқыс өскеменде
    "%D0%B4%D0%BE%D0%BC+217",                                 // дом 217
    "%D0%B3%D0%B0%D0%B7%D0%BE%D0%BF%D1%80%D0%BE%D0%B2%D0%BE%D0%B4", // газопровод (no match)
];

/// Issues `n` GETs (URLs from `urls`, in turn) over `conns` connections; p50/p99.
async fn read_figure(
    c: &HttpClient,
    page: &str,
    urls: Vec<String>,
    cookie: &str,
    n: usize,
    conns: usize,
    cards: usize,
) -> Result<serde_json::Value> {
    let urls = Arc::new(urls);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (c, urls, next, cookie) = (c.clone(), urls.clone(), next.clone(), cookie.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let t = Instant::now();
                match get(&c, &urls[i % urls.len()], &cookie).await {
                    Ok((200, _, _)) => lat.push(t.elapsed()),
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        lat.extend(l);
        errors += e;
    }
    lat.sort_unstable();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Ok(serde_json::json!({
        "figure": "read",
        "page": page,
        "cards": cards,
        "requests": lat.len(),
        "errors": errors,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
    }))
}

async fn reads(url: &str, n: usize, conns: usize, cards: usize) -> Result<()> {
    let c = client(conns);
    let registrar = staff_session(&c, url, "registrar.mj").await?;
    let executor = staff_session(&c, url, "executor.mj").await?;
    let anonymous = String::new();
    // Cards to open: those the registrar's lists link to.
    let mut ids = Vec::new();
    for path in [
        "/staff/inbox?state=archived".to_owned(),
        "/staff/inbox?state=archived&page=40".to_owned(),
        "/staff/inbox?state=in_execution".to_owned(),
        format!("/staff/search?q={}", SEARCH_WORDS[0]),
        format!("/staff/search?q={}", SEARCH_WORDS[1]),
    ] {
        let (_, _, body) = get(&c, &format!("{url}{path}"), &registrar).await?;
        ids.extend(card_links(&body));
    }
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        bail!("the registrar's lists link no cards: load some with `otinish demo --cards N`");
    }
    let tabs = [
        "received",
        "in_execution",
        "answered",
        "redirected",
        "archived",
    ];
    let figures = [
        (
            "inbox",
            tabs.iter()
                .map(|t| format!("{url}/staff/inbox?state={t}"))
                .collect::<Vec<_>>(),
            &registrar,
        ),
        ("due", vec![format!("{url}/staff/due")], &executor),
        (
            "card",
            ids.iter()
                .map(|id| format!("{url}/staff/cards/{id}"))
                .collect(),
            &registrar,
        ),
        (
            "search",
            SEARCH_WORDS
                .iter()
                .map(|q| format!("{url}/staff/search?q={q}"))
                .collect(),
            &registrar,
        ),
        (
            "dashboard",
            vec![format!("{url}/staff/dashboard")],
            &registrar,
        ),
        // Public: anyone may ask for it, so it must cost the same for a million cards.
        (
            "statistics",
            vec![
                format!("{url}/statistics"),
                format!(
                    "{url}/statistics?year={}",
                    chrono::Datelike::year(&Utc::now()) - 1
                ),
            ],
            &anonymous,
        ),
        (
            "one_ol",
            vec![format!(
                "{url}/staff/reports/1-ol?year={}",
                chrono::Datelike::year(&Utc::now()) - 1
            )],
            &registrar,
        ),
    ];
    for (page, urls, cookie) in figures {
        // The yearly report is heavier and rarer: fewer requests, one at a time.
        let (count, parallel) = if page == "one_ol" {
            (n / 10 + 1, 1)
        } else {
            (n, conns)
        };
        let v = read_figure(&c, page, urls, cookie, count, parallel, cards).await?;
        println!("{v}");
    }
    Ok(())
}
