//! HTTP/2 (h2c, prior knowledge) abuse before authentication, against the
//! real binary: 4 connections × 100 streams, each a 1 MiB body signed with
//! a key nobody issued. Each is refused from its headers, no body is
//! buffered, and the server's RSS (from /proc) grows by a few MiB at most,
//! while an honest SDK client is answered. (HTTP/1.1 abuse:
//! tests/python/test_abuse.py.)

mod common;

use bytes::Bytes;
use common::*;
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

const MIB: usize = 1024 * 1024;
/// "A few tens of MiB".
const MAX_GROWTH_KIB: u64 = 48 * 1024;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

/// Samples the peak RSS until `stop`.
fn sample_peak(
    pid: u32,
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(10));
        }
    })
}

fn bogus_request(authority: &str, body: Bytes) -> http::Request<Full<Bytes>> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let date = strongroom_auth::format_amz_date(now);
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=AKIAH2ABUSE000000000/{}/us-east-1/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature={}",
        &date[..8],
        "0".repeat(64)
    );
    http::Request::post(format!("http://{authority}/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "secretsmanager.ListSecrets")
        .header("x-amz-date", date)
        .header("authorization", authorization)
        .header("content-length", body.len())
        .body(Full::new(body))
        .expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_h2c_bodies_are_not_buffered() {
    let sr = Strongroom::start();
    let client = sr.client();
    client.list_secrets().send().await.expect("warm-up call");
    let pid = sr.pid();
    let before = rss_kib(pid);
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(before));
    let sampler = sample_peak(pid, stop.clone(), peak.clone());

    let body = Bytes::from(vec![b' '; MIB]);
    let mut streams = Vec::new();
    for _ in 0..4 {
        let tcp = tokio::net::TcpStream::connect(&sr.authority)
            .await
            .expect("connect");
        let (sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
                .await
                .expect("h2c handshake");
        tokio::spawn(connection);
        // One request first, so that the server's SETTINGS (its stream
        // limit) are known before the flood.
        let mut first = sender.clone();
        let reply = first
            .send_request(bogus_request(&sr.authority, Bytes::from_static(b"{}")))
            .await
            .expect("first stream");
        assert_eq!(reply.status(), 400);
        for _ in 0..100 {
            let mut sender = sender.clone();
            let request = bogus_request(&sr.authority, body.clone());
            streams.push(tokio::spawn(async move {
                let outcome = match sender.ready().await {
                    Ok(()) => sender.send_request(request).await,
                    Err(e) => Err(e),
                };
                match outcome {
                    Ok(response) => response.status().as_u16().to_string(),
                    // Streams opened beyond the server's limit before its
                    // SETTINGS arrived: refused unprocessed, as h2 does.
                    Err(e) if format!("{e:?}").contains("REFUSED_STREAM") => {
                        "REFUSED_STREAM".to_owned()
                    }
                    Err(e) => format!("{e:?}"),
                }
            }));
        }
    }
    // An honest client meanwhile.
    let honest = tokio::time::timeout(Duration::from_secs(10), client.list_secrets().send())
        .await
        .expect("honest call answered within 10 s during the attack");
    honest.expect("honest call succeeds during the attack");
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    for stream in streams {
        *statuses.entry(stream.await.expect("task")).or_default() += 1;
    }
    client
        .list_secrets()
        .send()
        .await
        .expect("honest call after the attack");
    stop.store(true, Ordering::Relaxed);
    sampler.join().expect("sampler");
    let (peak, after) = (peak.load(Ordering::Relaxed), rss_kib(pid));
    println!(
        "h2c: 4 connections x 100 streams of unauthenticated 1 MiB bodies: statuses {statuses:?}; RSS before {:.1} MiB, peak {:.1} MiB (+{:.1}), after {:.1} MiB",
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
        (peak - before) as f64 / 1024.0,
        after as f64 / 1024.0
    );
    // Every stream refused from its headers (UnrecognizedClientException),
    // or (should the client open more than the server's limit) refused
    // unprocessed.
    let refused = statuses.get("400").copied().unwrap_or(0)
        + statuses.get("REFUSED_STREAM").copied().unwrap_or(0);
    assert_eq!(refused, 400, "{statuses:?}");
    assert!(
        peak - before < MAX_GROWTH_KIB,
        "RSS grew by {} KiB",
        peak - before
    );
}
