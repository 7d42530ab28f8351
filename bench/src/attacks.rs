//! The attacks of docs/RELIABILITY.md, against a running server: a flood of clients that all
//! retry at once, clients that send their bodies a byte at a time, and large uploads with a
//! junk signature. Each prints one JSON line.

use crate::{post, rss_kb, signed_appeals, HttpClient};
use anyhow::Result;
use hyper::body::Bytes;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `clients` clients each file appeals one after another and retry a refused one at once (no
/// back-off, the worst case): how many are accepted per second against `capacity`, the rate of
/// the same server at its best concurrency, measured before.
pub async fn flood(
    url: &str,
    data_dir: &Path,
    clients: usize,
    seconds: u64,
    capacity: f64,
    body: i64,
) -> Result<()> {
    let c = crate::client(clients);
    let pool = ((capacity * seconds as f64 * 1.5) as usize).max(clients * 2) + clients;
    let requests = Arc::new(signed_appeals(&c, url, data_dir, pool, body).await?);
    let target = format!("{url}/api/v1/appeals");
    let next = Arc::new(AtomicUsize::new(0));
    let (accepted, refused, other) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<Duration>::new()));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (c, target, requests, next) =
                (c.clone(), target.clone(), requests.clone(), next.clone());
            let (accepted, refused, other, stop, latencies) = (
                accepted.clone(),
                refused.clone(),
                other.clone(),
                stop.clone(),
                latencies.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Relaxed) {
                    let i = next.fetch_add(1, Relaxed);
                    let Some((headers, payload)) = requests.get(i) else {
                        return;
                    };
                    let first = Instant::now();
                    // The same appeal until it is taken.
                    while !stop.load(Relaxed) {
                        match post(&c, &target, headers, payload.clone()).await {
                            Ok((201 | 200, _)) => {
                                accepted.fetch_add(1, Relaxed);
                                if let Ok(mut l) = latencies.lock() {
                                    l.push(first.elapsed());
                                }
                                break;
                            }
                            Ok((503 | 429, _)) => {
                                refused.fetch_add(1, Relaxed);
                            }
                            _ => {
                                other.fetch_add(1, Relaxed);
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            }
                        }
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let taken = accepted.load(Relaxed);
    for t in tasks {
        t.abort();
    }
    let mut lat = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort_unstable();
    let p99 = lat
        .get(((lat.len() as f64 * 0.99) as usize).min(lat.len().saturating_sub(1)))
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let per_second = taken as f64 / elapsed;
    println!(
        "{}",
        serde_json::json!({
            "figure": "flood",
            "clients": clients,
            "seconds": elapsed,
            "capacity": capacity,
            "accepted": taken,
            "accepted_per_second": per_second,
            "of_capacity": per_second / capacity.max(1.0),
            "refused": refused.load(Relaxed),
            "other": other.load(Relaxed),
            "p99_until_accepted_ms": p99,
        })
    );
    Ok(())
}

/// `attackers` connections announce a 100 KB body and send a byte every two seconds,
/// reconnecting whenever they are cut off; meanwhile one legitimate client asks for the list of
/// bodies (a page read) and a sign-in challenge (a write) in turn: how many of its requests are
/// served, and how fast.
pub async fn slow_bodies(url: &str, attackers: usize, seconds: u64) -> Result<()> {
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let stop = Arc::new(AtomicBool::new(false));
    let (connections, cut_off) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let tasks: Vec<_> = (0..attackers)
        .map(|_| {
            let (addr, stop, connections, cut_off) = (
                addr.clone(),
                stop.clone(),
                connections.clone(),
                cut_off.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Relaxed) {
                    let Ok(s) = tokio::net::TcpStream::connect(&addr).await else {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    };
                    connections.fetch_add(1, Relaxed);
                    let (mut r, mut w) = s.into_split();
                    let head = format!(
                        "POST /api/v1/auth/challenge HTTP/1.1\r\nHost: {addr}\r\n\
                         Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{"
                    );
                    if w.write_all(head.as_bytes()).await.is_err() {
                        continue;
                    }
                    let stop_w = stop.clone();
                    let trickle = tokio::spawn(async move {
                        while !stop_w.load(Relaxed) {
                            tokio::time::sleep(Duration::from_secs(2)).await;
                            if w.write_all(b" ").await.is_err() {
                                return;
                            }
                        }
                    });
                    let mut buf = [0u8; 512];
                    // Cut off when the server answers or closes.
                    loop {
                        tokio::select! {
                            n = r.read(&mut buf) => {
                                if !matches!(n, Ok(n) if n > 0) {
                                    break;
                                }
                                cut_off.fetch_add(1, Relaxed);
                                break;
                            }
                            () = tokio::time::sleep(Duration::from_millis(500)) => {
                                if stop.load(Relaxed) {
                                    break;
                                }
                            }
                        }
                    }
                    trickle.abort();
                }
            })
        })
        .collect();
    // Let the attack settle, then measure the legitimate client.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let c = crate::client(4);
    let (mut served, mut failed, mut lat) = (0u64, 0u64, Vec::new());
    let started = Instant::now();
    let mut i = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        i += 1;
        let t = Instant::now();
        let answer = if i.is_multiple_of(2) {
            tokio::time::timeout(
                Duration::from_secs(10),
                crate::get(&c, &format!("{url}/api/v1/bodies"), ""),
            )
            .await
            .map(|r| r.map(|(s, _, _)| s))
        } else {
            tokio::time::timeout(
                Duration::from_secs(10),
                post(
                    &c,
                    &format!("{url}/api/v1/auth/challenge"),
                    &[],
                    Bytes::from_static(b"{}"),
                ),
            )
            .await
            .map(|r| r.map(|(s, _)| s))
        };
        match answer {
            Ok(Ok(200)) => {
                served += 1;
                lat.push(t.elapsed());
            }
            _ => failed += 1,
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Relaxed);
    for t in tasks {
        t.abort();
    }
    lat.sort_unstable();
    let p99 = lat
        .get(((lat.len() as f64 * 0.99) as usize).min(lat.len().saturating_sub(1)))
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    println!(
        "{}",
        serde_json::json!({
            "figure": "slow_bodies",
            "attackers": attackers,
            "seconds": seconds,
            "attack_connections": connections.load(Relaxed),
            "attackers_cut_off": cut_off.load(Relaxed),
            "legitimate_requests": served + failed,
            "legitimate_served": served,
            "served_fraction": served as f64 / (served + failed).max(1) as f64,
            "legitimate_p99_ms": p99,
        })
    );
    Ok(())
}

/// `uploads` signed-in requests at once, each a `megabytes` MB JSON body whose signature is
/// junk: the server's resident memory before, at its peak, and after.
pub async fn uploads(
    url: &str,
    data_dir: &Path,
    pid: u32,
    uploads: usize,
    megabytes: usize,
    body: i64,
) -> Result<()> {
    let c: HttpClient = crate::client(uploads);
    // One signed-in applicant (the token of the first prepared appeal).
    let prepared = signed_appeals(&c, url, data_dir, 1, body).await?;
    let token = prepared
        .first()
        .and_then(|(h, _)| h.iter().find(|(k, _)| *k == "authorization"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let junk = format!(
        "{{\"signature\":\"{}\",\"files\":[]}}",
        "A".repeat(megabytes << 20)
    );
    let payload = Bytes::from(junk);
    let before = rss_kb(pid);
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while !done.load(Relaxed) {
                peak = rss_kb(pid).max(peak);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            peak
        })
    };
    let started = Instant::now();
    let tasks: Vec<_> = (0..uploads)
        .map(|i| {
            let (c, payload, token) = (c.clone(), payload.clone(), token.clone());
            let target = format!("{url}/api/v1/appeals");
            tokio::spawn(async move {
                post(
                    &c,
                    &target,
                    &[
                        ("authorization", token),
                        ("idempotency-key", format!("junk-{i}")),
                    ],
                    payload,
                )
                .await
                .map(|(s, _)| s)
                .unwrap_or(0)
            })
        })
        .collect();
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    for t in tasks {
        *statuses.entry(t.await.unwrap_or(0)).or_default() += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    done.store(true, Relaxed);
    let peak = sampler.await.unwrap_or(0);
    let after = rss_kb(pid);
    println!(
        "{}",
        serde_json::json!({
            "figure": "uploads",
            "uploads": uploads,
            "megabytes": megabytes,
            "seconds": seconds,
            "statuses": statuses,
            "rss_before_mb": before / 1024,
            "rss_peak_mb": peak / 1024,
            "rss_after_mb": after / 1024,
        })
    );
    Ok(())
}
