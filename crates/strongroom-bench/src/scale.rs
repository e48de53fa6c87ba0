//! Listing at scale (`scripts/scale.sh`): `seed` creates many secrets
//! through CreateSecret, `list` measures ListSecrets and BatchGetSecretValue
//! over them, `ready` waits for a (re)started server's first answer.
//!
//! Seeded secret `i` is named `scale/team<i % 50>/<app>/<env>/secret-<i>`
//! (20 apps, 3 envs), has a description naming its app, env and team, two
//! tags and a value of `--value-size` bytes, so that the filters `list`
//! measures match known shares of the secrets.

use crate::{Ctx, RawConn, connect, describe_error, exchange};
use anyhow::{Context, Result, bail, ensure};
use bytes::Bytes;
use clap::{Args, Subcommand};
use http::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::{Instant, sleep, timeout};

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create secrets `--start`..`--start + --count` (see the module docs).
    Seed(SeedArgs),
    /// Measure first pages of ListSecrets per filter, and paging on.
    List(ListArgs),
    /// Wait until the server answers ListSecrets; print how long it took.
    Ready(ReadyArgs),
}

#[derive(Args, Debug)]
pub struct SeedArgs {
    #[arg(long)]
    count: usize,
    #[arg(long, default_value_t = 0)]
    start: usize,
    /// Connections, each with one CreateSecret in flight.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// First pages measured per filter.
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Pages to walk through NextToken (unfiltered and by name prefix).
    #[arg(long, default_value_t = 1000)]
    pages: usize,
}

#[derive(Args, Debug)]
pub struct ReadyArgs {
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

const APPS: [&str; 20] = [
    "billing",
    "payments",
    "search",
    "checkout",
    "inventory",
    "identity",
    "ledger",
    "reporting",
    "gateway",
    "notifications",
    "analytics",
    "catalog",
    "shipping",
    "pricing",
    "fraud",
    "support",
    "media",
    "profile",
    "orders",
    "warehouse",
];
const ENVS: [&str; 3] = ["prod", "staging", "dev"];

fn create_body(ctx: &Ctx, i: usize) -> Value {
    let team = i % 50;
    let app = APPS[(i / 7) % APPS.len()];
    let env = ENVS[i % ENVS.len()];
    json!({
        "Name": format!("scale/team{team:02}/{app}/{env}/secret-{i:07}"),
        "Description": format!("{app} credentials for {env}, owned by team {team:02}"),
        "SecretString": ctx.value,
        "Tags": [
            {"Key": "Env", "Value": env},
            {"Key": "CostCenter", "Value": format!("cc-{:03}", i % 100)},
        ],
        "ClientRequestToken": uuid::Uuid::new_v4().to_string(),
    })
}

/// Sends `wire` on `conn` (reconnecting if needed) within the timeout.
async fn send(ctx: &Ctx, conn: &mut Option<RawConn>, wire: &Bytes) -> Result<(StatusCode, Bytes)> {
    let work = async {
        let mut c = match conn.take() {
            Some(c) if !c.is_closed() => c,
            _ => connect(&ctx.endpoint).await?,
        };
        let out = exchange(&mut c, wire).await;
        *conn = Some(c);
        out
    };
    timeout(ctx.request_timeout, work)
        .await
        .context("request timed out")?
}

async fn seed(ctx: Arc<Ctx>, args: &SeedArgs) -> Result<()> {
    let next = Arc::new(AtomicUsize::new(args.start));
    let end = args.start + args.count;
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency.max(1))
        .map(|_| {
            let (ctx, next, done) = (ctx.clone(), next.clone(), done.clone());
            tokio::spawn(async move {
                let mut conn = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= end {
                        return Ok::<(), anyhow::Error>(());
                    }
                    let wire = ctx.sign("CreateSecret", &create_body(&ctx, i))?.wire;
                    let mut tries = 0;
                    loop {
                        match send(&ctx, &mut conn, &wire).await {
                            Ok((StatusCode::OK, _)) => break,
                            // A retry after a lost answer finds the name taken.
                            Ok((_, body))
                                if tries > 0
                                    && body
                                        .windows(25)
                                        .any(|w| w == b"ResourceExistsException") =>
                            {
                                break;
                            }
                            Ok((status, body)) => {
                                bail!("CreateSecret {i}: {}", describe_error(status, &body))
                            }
                            Err(e) if tries < 3 => {
                                tries += 1;
                                conn = None;
                                eprintln!("seed: CreateSecret {i}: {e:#}; retrying");
                                sleep(Duration::from_millis(200)).await;
                            }
                            Err(e) => return Err(e.context(format!("CreateSecret {i}"))),
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let progress = {
        let done = done.clone();
        tokio::spawn(async move {
            loop {
                sleep(Duration::from_secs(30)).await;
                let n = done.load(Ordering::Relaxed);
                let secs = started.elapsed().as_secs_f64();
                eprintln!(
                    "seed: {n} created in {secs:.0} s ({:.0}/s)",
                    n as f64 / secs
                );
            }
        })
    };
    for w in workers {
        w.await.context("seeding task")??;
    }
    progress.abort();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {} secrets in {secs:.1} s ({:.0} CreateSecret/s, {} connections)",
        args.count,
        args.count as f64 / secs,
        args.concurrency
    );
    Ok(())
}

fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

/// One answered call: latency, items in it and its NextToken.
async fn call(
    ctx: &Ctx,
    conn: &mut Option<RawConn>,
    operation: &str,
    body: &Value,
    items: &str,
) -> Result<(Duration, usize, Option<String>)> {
    let wire = ctx.sign(operation, body)?.wire;
    let started = Instant::now();
    let (status, answer) = send(ctx, conn, &wire).await?;
    let took = started.elapsed();
    if status != StatusCode::OK {
        bail!("{operation}: {}", describe_error(status, &answer));
    }
    let v: Value = serde_json::from_slice(&answer).context("answer is not JSON")?;
    let n = v.get(items).and_then(Value::as_array).map_or(0, Vec::len);
    let token = v
        .get("NextToken")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok((took, n, token))
}

/// The filters measured, with what they select.
fn cases() -> Vec<(&'static str, Value)> {
    vec![
        ("no filter", json!([])),
        (
            "name prefix scale/team07/ (2%)",
            json!([{"Key": "name", "Values": ["scale/team07/"]}]),
        ),
        (
            "all payments (5%)",
            json!([{"Key": "all", "Values": ["payments"]}]),
        ),
        (
            "all 0001234 (1 secret)",
            json!([{"Key": "all", "Values": ["0001234"]}]),
        ),
        (
            "description staging + tag-value cc-042 (0.33%)",
            json!([
                {"Key": "description", "Values": ["staging"]},
                {"Key": "tag-value", "Values": ["cc-042"]}
            ]),
        ),
    ]
}

async fn list(ctx: Arc<Ctx>, args: &ListArgs) -> Result<()> {
    let mut conn = None;
    println!(
        "{:<48} {:>8} {:>8} {:>8} {:>6}",
        "ListSecrets first page (MaxResults 100)", "p50 ms", "p99 ms", "max ms", "items"
    );
    let mut batch_cases = Vec::new();
    for (label, filters) in cases() {
        let body = json!({"MaxResults": 100, "Filters": filters});
        // One unmeasured call warms the caches the steady state has.
        call(&ctx, &mut conn, "ListSecrets", &body, "SecretList").await?;
        let mut took = Vec::with_capacity(args.samples);
        let mut items = 0;
        for _ in 0..args.samples.max(1) {
            let (t, n, _) = call(&ctx, &mut conn, "ListSecrets", &body, "SecretList").await?;
            took.push(t);
            items = n;
        }
        took.sort_unstable();
        println!(
            "{label:<48} {:>8.2} {:>8.2} {:>8.2} {items:>6}",
            percentile_ms(&took, 0.5),
            percentile_ms(&took, 0.99),
            percentile_ms(&took, 1.0)
        );
        batch_cases.push((label, filters));
    }

    println!();
    println!(
        "{:<48} {:>8} {:>8} {:>8} {:>6}",
        "BatchGetSecretValue by filters (MaxResults 20)", "p50 ms", "p99 ms", "max ms", "values"
    );
    for (label, filters) in batch_cases.into_iter().skip(1) {
        let body = json!({"MaxResults": 20, "Filters": filters});
        let mut took = Vec::new();
        let mut items = 0;
        for _ in 0..(args.samples / 4).max(1) {
            let (t, n, _) = call(
                &ctx,
                &mut conn,
                "BatchGetSecretValue",
                &body,
                "SecretValues",
            )
            .await?;
            took.push(t);
            items = n;
        }
        took.sort_unstable();
        println!(
            "{label:<48} {:>8.2} {:>8.2} {:>8.2} {items:>6}",
            percentile_ms(&took, 0.5),
            percentile_ms(&took, 0.99),
            percentile_ms(&took, 1.0)
        );
    }

    for (label, filters) in cases().into_iter().take(3) {
        println!();
        println!("paging through NextToken, {label} (MaxResults 100):");
        let marks = [1, 10, 100, 1000, 10_000];
        let mut token: Option<String> = None;
        let mut all = Vec::new();
        let mut items = 0;
        for page in 1..=args.pages.max(1) {
            let mut body = json!({"MaxResults": 100, "Filters": filters});
            if let Some(t) = &token {
                body["NextToken"] = json!(t);
            }
            let (t, n, next) = call(&ctx, &mut conn, "ListSecrets", &body, "SecretList").await?;
            all.push(t);
            items += n;
            if marks.contains(&page) {
                println!("  page {page:>6}: {:>8.2} ms", t.as_secs_f64() * 1e3);
            }
            match next {
                Some(n) => token = Some(n),
                None => break,
            }
        }
        let pages = all.len();
        let mean = all.iter().sum::<Duration>().as_secs_f64() * 1e3 / pages as f64;
        all.sort_unstable();
        println!(
            "  {pages} pages, {items} secrets: mean {mean:.2} ms, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            percentile_ms(&all, 0.5),
            percentile_ms(&all, 0.99),
            percentile_ms(&all, 1.0)
        );
    }
    Ok(())
}

async fn ready(ctx: Arc<Ctx>, args: &ReadyArgs) -> Result<()> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.timeout);
    let body = json!({"MaxResults": 1});
    loop {
        let mut conn = None;
        if let Ok((_, _, _)) = call(&ctx, &mut conn, "ListSecrets", &body, "SecretList").await {
            println!(
                "first answer after {:.3} s",
                started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "no answer within {} s",
            args.timeout
        );
        sleep(Duration::from_millis(20)).await;
    }
}

pub async fn run(ctx: Arc<Ctx>, command: &Command) -> Result<()> {
    match command {
        Command::Seed(args) => seed(ctx, args).await,
        Command::List(args) => list(ctx, args).await,
        Command::Ready(args) => ready(ctx, args).await,
    }
}
