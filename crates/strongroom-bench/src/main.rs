//! `strongroom-bench`: a small load generator for the Secrets Manager API.
//!
//! Design, in short:
//! - Every connection is a raw hyper 1 HTTP/1.1 keep-alive connection over a
//!   `TcpStream` with `TCP_NODELAY`, driven by its own task that sends one
//!   request at a time (closed loop). A closed or failed connection is
//!   re-opened on the next iteration.
//! - Read scenarios (`get`, `describe`) sign ONE request before the timed
//!   window and every connection replays it (SigV4 allows that for 15 min).
//! - Write scenarios (`put`, `create`) need a distinct body per request, so
//!   each task signs requests itself in batches of [`SIGN_BATCH`], between
//!   requests and outside any latency measurement. `put` spreads over
//!   `--put-secrets` secrets, since one would soon hold the 1000 versions a
//!   secret may keep within 24 hours.
//! - Each scenario runs `--warmup` seconds unmeasured, then `--duration`
//!   seconds measured. A request is measured if it *starts* inside the window;
//!   the elapsed time used for requests/s runs to the last measured response.
//!   Every request has a timeout, so the tool always terminates.
//! - Latencies of HTTP 200 responses are kept per task in a `Vec` and merged;
//!   anything else (non-200, transport error, timeout) counts as an error.
//! - `--ops mix` measures GetSecretValue under writes: over `--secrets`
//!   secrets (created before timing), a pure-read scenario (GetSecretValue
//!   on a random secret, pre-signed, one request per secret) and then a mix
//!   where `--mix-put-percent` % of the requests, evenly spread, are
//!   PutSecretValue on a random secret; it reports each operation's rate
//!   and latencies and the mixed GetSecretValue rate as a share of the
//!   pure-read one (as the admin caller only).
//! - `--callers admin,policy` runs every scenario as each caller in turn:
//!   the account's admin, and a least-privilege IAM user whose access comes
//!   from a 10-statement policy plus the secret's resource policy
//!   ([`policy_caller`]), so the cost of authorization shows in one run.

mod policy_caller;
mod scale;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use bytes::Bytes;
use clap::{Parser, ValueEnum};
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep, timeout};
use uuid::Uuid;

/// How many write requests a task signs at a time (outside latency timing).
const SIGN_BATCH: usize = 256;
/// Replayed signatures are valid for 15 minutes; keep a safety margin.
const MAX_REPLAY_WINDOW_SECS: u64 = 14 * 60;
const X_AMZ_TARGET: HeaderName = HeaderName::from_static("x-amz-target");
const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Load benchmark for a Secrets Manager compatible endpoint"
)]
struct Args {
    /// Base URL of the server (plain http only).
    #[arg(long, default_value = "http://127.0.0.1:4566")]
    endpoint: String,
    /// Access key ID to sign with.
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    access_key: String,
    /// Secret access key to sign with (prefer the environment variable).
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    secret_key: String,
    /// Region of the credential scope.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Number of keep-alive connections, each with one request in flight.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Unmeasured warm-up seconds before each scenario.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Scenarios to run, in the order given.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "get,describe,put,create"
    )]
    ops: Vec<Op>,
    /// Size of the SecretString in bytes.
    #[arg(long, default_value_t = 256)]
    value_size: usize,
    /// Per-request timeout in seconds (a timed-out request counts as an error).
    #[arg(long, default_value_t = 10)]
    request_timeout: u64,
    /// Print the results as JSON on stdout instead of a table.
    #[arg(long)]
    json: bool,
    /// Leave the secrets created by the run in place.
    #[arg(long)]
    no_cleanup: bool,
    /// Secrets that `mix` reads and writes (created before timing).
    #[arg(long, default_value_t = 1000)]
    secrets: usize,
    /// Secrets that `put` spreads its PutSecretValue over (created before
    /// timing). Each gets about rate × time / N versions, and a secret keeps
    /// at most 1000 versions younger than 24 hours (AWS's quota, Strongroom's
    /// default `--max-versions-per-secret`): raise this for long put runs.
    #[arg(long, default_value_t = 100)]
    put_secrets: usize,
    /// Share of `mix`'s requests that are PutSecretValue, in percent.
    #[arg(long, default_value_t = 10)]
    mix_put_percent: u32,
    /// Who calls: `admin` (the credentials given), `policy` (an IAM user
    /// the run creates, with a 10-statement policy and the secret's
    /// resource policy), or both, each scenario run once per caller.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "admin")]
    callers: Vec<Caller>,
    /// The KMS key the run's secrets are created under: `managed`
    /// (aws/secretsmanager) or `customer` (a symmetric customer managed key
    /// the run creates through KMS's CreateKey before timing and schedules
    /// for deletion at cleanup), to compare GetSecretValue under the two.
    #[arg(long, value_enum, default_value = "managed")]
    kms_key: KmsKeyKind,
    /// Instead of the load scenarios: seed or measure listings at scale
    /// (`scripts/scale.sh`).
    #[command(subcommand)]
    scale: Option<scale::Command>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum KmsKeyKind {
    Managed,
    Customer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Caller {
    Admin,
    Policy,
}

impl Caller {
    fn name(self) -> &'static str {
        match self {
            Caller::Admin => "admin",
            Caller::Policy => "policy",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Op {
    Get,
    Describe,
    Put,
    Create,
    /// Pure reads, then reads and writes, over many secrets.
    Mix,
    /// KMS Encrypt of a `--value-size` plaintext under a customer key the
    /// run creates (JSON 1.1, `TrentService.Encrypt`, SigV4 service `kms`).
    Encrypt,
    /// KMS Decrypt of that plaintext's ciphertext blob.
    Decrypt,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Get => "GetSecretValue",
            Op::Describe => "DescribeSecret",
            Op::Put => "PutSecretValue",
            Op::Create => "CreateSecret",
            Op::Mix => "GetSecretValue+PutSecretValue",
            Op::Encrypt => "Encrypt",
            Op::Decrypt => "Decrypt",
        }
    }

    /// Reads replay one pre-signed request; writes need a fresh body each time.
    fn replayed(self) -> bool {
        matches!(self, Op::Get | Op::Describe | Op::Encrypt | Op::Decrypt)
    }

    fn is_kms(self) -> bool {
        matches!(self, Op::Encrypt | Op::Decrypt)
    }
}

/// Where to connect, and the `Host` header value to sign.
#[derive(Clone)]
struct Endpoint {
    host: String,
    port: u16,
    authority: HeaderValue,
}

fn parse_endpoint(s: &str) -> Result<Endpoint> {
    let uri: Uri = s
        .parse()
        .with_context(|| format!("invalid --endpoint {s:?}"))?;
    ensure!(
        uri.scheme_str() == Some("http"),
        "--endpoint must be an http:// URL"
    );
    ensure!(
        matches!(uri.path(), "" | "/"),
        "--endpoint must not have a path"
    );
    let authority = uri.authority().context("--endpoint has no host")?;
    Ok(Endpoint {
        host: authority.host().trim_matches(['[', ']']).to_owned(),
        port: authority.port_u16().unwrap_or(80),
        authority: HeaderValue::from_str(authority.as_str())?,
    })
}

/// A signed request, kept both as parts and as the exact bytes to send.
struct Prepared {
    // The parts are read by the tests, which check them with the verifier.
    #[cfg_attr(not(test), allow(dead_code))]
    headers: HeaderMap,
    #[cfg_attr(not(test), allow(dead_code))]
    body: Bytes,
    /// The whole HTTP/1.1 request, serialized once and replayed as is.
    wire: Bytes,
}

impl Prepared {
    fn new(headers: HeaderMap, body: Bytes) -> Prepared {
        let mut wire = Vec::with_capacity(512 + body.len());
        wire.extend_from_slice(b"POST / HTTP/1.1\r\n");
        for (name, value) in &headers {
            wire.extend_from_slice(name.as_str().as_bytes());
            wire.extend_from_slice(b": ");
            wire.extend_from_slice(value.as_bytes());
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
        wire.extend_from_slice(&body);
        Prepared {
            headers,
            body,
            wire: Bytes::from(wire),
        }
    }

    /// As an `http::Request` (tests check these with the verifier).
    #[cfg(test)]
    fn request(&self) -> http::Request<http_body_util::Full<Bytes>> {
        // `Bytes` and header clones are cheap (reference counted / small).
        let mut req = http::Request::new(http_body_util::Full::new(self.body.clone()));
        *req.method_mut() = http::Method::POST;
        *req.uri_mut() = Uri::from_static("/");
        *req.headers_mut() = self.headers.clone();
        req
    }
}

/// Everything the tasks share: where to go, how to sign, what to send.
#[derive(Clone)]
struct Ctx {
    endpoint: Endpoint,
    access_key: String,
    secret_key: String,
    region: String,
    /// The secret used by get/describe/put; also the prefix of created names.
    secret: String,
    value: String,
    request_timeout: Duration,
    /// For `encrypt`/`decrypt`: the KMS key the run created and the
    /// ciphertext blob (base64) of `value` under it.
    kms: Option<KmsTarget>,
    /// The KmsKeyId secrets are created with (`None`: aws/secretsmanager).
    kms_key_id: Option<String>,
    /// How many secrets `put` spreads over ([`Ctx::put_target`]).
    put_secrets: usize,
}

#[derive(Clone)]
struct KmsTarget {
    key_id: String,
    blob: String,
}

impl Ctx {
    /// Signs a Secrets Manager `operation` with `body`, dated now.
    fn sign(&self, operation: &str, body: &Value) -> Result<Prepared> {
        self.sign_for("secretsmanager", "secretsmanager", operation, body)
    }

    /// Signs a KMS `operation` with `body`, dated now.
    fn sign_kms(&self, operation: &str, body: &Value) -> Result<Prepared> {
        self.sign_for("kms", "TrentService", operation, body)
    }

    /// Signs `POST /` for `{target}.{operation}` of SigV4 `service`.
    fn sign_for(
        &self,
        service: &str,
        target: &str,
        operation: &str,
        body: &Value,
    ) -> Result<Prepared> {
        let body = serde_json::to_vec(body)?;
        let amz_date = strongroom_auth::format_amz_date(jiff::Timestamp::now().as_millisecond());
        let mut headers = HeaderMap::with_capacity(5);
        headers.insert(HOST, self.endpoint.authority.clone());
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        headers.insert(
            X_AMZ_TARGET,
            HeaderValue::from_str(&format!("{target}.{operation}"))?,
        );
        headers.insert(X_AMZ_DATE, HeaderValue::from_str(&amz_date)?);
        let authorization = strongroom_auth::sign_headers(&strongroom_auth::SignInput {
            method: "POST",
            path: "/",
            query: None,
            headers: &headers,
            body: &body,
            access_key_id: &self.access_key,
            secret_access_key: &self.secret_key,
            region: &self.region,
            service,
            amz_date: &amz_date,
        });
        headers.insert(AUTHORIZATION, HeaderValue::from_str(&authorization)?);
        Ok(Prepared::new(headers, Bytes::from(body)))
    }

    fn create(&self, name: &str) -> Result<Prepared> {
        let token = Uuid::new_v4().to_string();
        let mut body =
            json!({"Name": name, "SecretString": self.value, "ClientRequestToken": token});
        if let Some(key) = &self.kms_key_id {
            body["KmsKeyId"] = json!(key);
        }
        self.sign("CreateSecret", &body)
    }

    fn delete(&self, name: &str) -> Result<Prepared> {
        self.sign(
            "DeleteSecret",
            &json!({"SecretId": name, "ForceDeleteWithoutRecovery": true}),
        )
    }

    /// The request for request number `seq` of `task` in scenario `op`,
    /// plus the name of the secret it creates, if any.
    fn prepare(&self, op: Op, task: usize, seq: u64) -> Result<(Prepared, Option<String>)> {
        match op {
            Op::Get | Op::Describe => Ok((
                self.sign(op.name(), &json!({"SecretId": self.secret}))?,
                None,
            )),
            Op::Put => Ok((self.put(&self.put_target(task, seq))?, None)),
            Op::Create => {
                let name = format!("{}-{task}-{seq}", self.secret);
                Ok((self.create(&name)?, Some(name)))
            }
            Op::Mix => bail!("mix is not one operation"),
            Op::Encrypt | Op::Decrypt => {
                let kms = self.kms.as_ref().context("no KMS key was set up")?;
                let body = if op == Op::Encrypt {
                    json!({"KeyId": kms.key_id, "Plaintext": base64_encode(self.value.as_bytes())})
                } else {
                    json!({"CiphertextBlob": kms.blob})
                };
                Ok((self.sign_kms(op.name(), &body)?, None))
            }
        }
    }

    fn get(&self, name: &str) -> Result<Prepared> {
        self.sign("GetSecretValue", &json!({"SecretId": name}))
    }

    /// The `put` scenario's secrets, created before timing: one secret
    /// would reach its version quota within seconds.
    fn put_names(&self) -> Vec<String> {
        (0..self.put_secrets.max(1))
            .map(|i| format!("{}-p{i}", self.secret))
            .collect()
    }

    /// The secret request `seq` of `task` puts to: the tasks walk the pool
    /// from different places, so the versions spread evenly.
    fn put_target(&self, task: usize, seq: u64) -> String {
        let n = self.put_secrets.max(1) as u64;
        format!("{}-p{}", self.secret, (task as u64 + seq) % n)
    }

    fn put(&self, name: &str) -> Result<Prepared> {
        let token = Uuid::new_v4().to_string();
        let body =
            json!({"SecretId": name, "SecretString": self.value, "ClientRequestToken": token});
        self.sign("PutSecretValue", &body)
    }
}

/// A keep-alive HTTP/1.1 client connection that writes pre-serialized
/// requests and parses just enough of the response (status, length, body),
/// as `wrk` does: the generator should spend its CPU on the wire, not on
/// itself, because it shares the machine with the server.
struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
    closed: bool,
}

impl RawConn {
    fn is_closed(&self) -> bool {
        self.closed
    }
}

/// Opens one keep-alive HTTP/1.1 connection.
async fn connect(ep: &Endpoint) -> Result<RawConn> {
    let stream = TcpStream::connect((ep.host.as_str(), ep.port))
        .await
        .with_context(|| format!("connecting to {}:{}", ep.host, ep.port))?;
    stream.set_nodelay(true)?;
    Ok(RawConn {
        stream,
        buf: Vec::with_capacity(16 * 1024),
        closed: false,
    })
}

/// Sends one request and reads the whole response.
async fn exchange(conn: &mut RawConn, wire: &Bytes) -> Result<(StatusCode, Bytes)> {
    let result = exchange_inner(conn, wire).await;
    if result.is_err() {
        conn.closed = true;
    }
    result
}

async fn exchange_inner(conn: &mut RawConn, wire: &Bytes) -> Result<(StatusCode, Bytes)> {
    conn.stream.write_all(wire).await?;
    conn.buf.clear();
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(head_len) = response.parse(&conn.buf)? {
            let status = StatusCode::from_u16(response.code.unwrap_or(0))?;
            let mut length = None;
            for h in response.headers.iter() {
                if h.name.eq_ignore_ascii_case("content-length") {
                    length = std::str::from_utf8(h.value)
                        .ok()
                        .and_then(|v| v.trim().parse::<usize>().ok());
                } else if h.name.eq_ignore_ascii_case("connection")
                    && h.value.eq_ignore_ascii_case(b"close")
                {
                    conn.closed = true;
                }
            }
            let length = length.context("response without content-length")?;
            while conn.buf.len() < head_len + length {
                read_more(conn).await?;
            }
            let body = Bytes::copy_from_slice(&conn.buf[head_len..head_len + length]);
            return Ok((status, body));
        }
        read_more(conn).await?;
    }
}

async fn read_more(conn: &mut RawConn) -> Result<()> {
    let mut chunk = [0u8; 16 * 1024];
    let n = conn.stream.read(&mut chunk).await?;
    if n == 0 {
        bail!("connection closed by the server");
    }
    conn.buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

/// One request on a fresh connection, for setup.
async fn one_shot(ctx: &Ctx, prepared: &Prepared) -> Result<(StatusCode, Bytes)> {
    let work = async {
        let mut sender = connect(&ctx.endpoint).await?;
        exchange(&mut sender, &prepared.wire).await
    };
    timeout(ctx.request_timeout, work)
        .await
        .context("request timed out")?
}

fn describe_error(status: StatusCode, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let short: String = text.chars().take(500).collect();
    format!("HTTP {status}: {short}")
}

#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

/// What one task observed.
#[derive(Default)]
struct TaskStats {
    latencies_ns: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
    /// Secrets (maybe) created, for cleanup; includes warm-up requests.
    created: Vec<String>,
    last_finish: Option<Instant>,
}

impl TaskStats {
    fn error(&mut self, message: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(message());
        }
    }

    fn merge(&mut self, other: TaskStats) {
        self.latencies_ns.extend(other.latencies_ns);
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
        self.created.extend(other.created);
        self.last_finish = self.last_finish.max(other.last_finish);
    }
}

/// Where one connection's requests come from.
#[derive(Clone)]
enum Source {
    /// One operation on the benchmark secret: the replayed request, or
    /// fresh ones signed in batches.
    Single {
        op: Op,
        replay: Option<Arc<Prepared>>,
    },
    /// Over many secrets: GetSecretValue on a random one (pre-signed, one
    /// request per secret) and, for `put_percent` % of the requests evenly
    /// spread, PutSecretValue on a random one (signed in batches).
    Many {
        gets: Arc<Vec<Prepared>>,
        names: Arc<Vec<String>>,
        put_percent: u32,
    },
}

/// Statistics are kept per kind of request: the scenario's operation (or
/// GetSecretValue in a mix), and PutSecretValue in a mix.
const KIND_MAIN: usize = 0;
const KIND_PUT: usize = 1;

/// A small deterministic generator (PCG's multiplier): which secret next.
struct Pick(u64);

impl Pick {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n.max(1) as u64) as usize
    }
}

/// Whether request number `n` of a mix is a put: exactly `percent` of
/// every 100 consecutive requests, evenly spread.
fn is_put(n: u64, percent: u32) -> bool {
    (n * u64::from(percent)) % 100 < u64::from(percent)
}

/// The closed loop of one connection for one scenario.
async fn worker(ctx: Arc<Ctx>, source: Source, task: usize, window: Window) -> [TaskStats; 2] {
    let mut stats: [TaskStats; 2] = Default::default();
    let mut conn: Option<RawConn> = None;
    // Signed but not yet sent write requests (popped from the back).
    let mut pending: Vec<(Prepared, Option<String>)> = Vec::new();
    let mut seq: u64 = 0;
    let mut pick = Pick(task as u64 + 1);
    let mut n: u64 = task as u64 * 7;

    while Instant::now() < window.end {
        // (Re)connect if needed. Connection failures count as errors once the
        // window has started; back off briefly so a dead server is not spun on.
        if conn.as_ref().is_none_or(RawConn::is_closed) {
            conn = None;
            match timeout(ctx.request_timeout, connect(&ctx.endpoint)).await {
                Ok(Ok(sender)) => conn = Some(sender),
                failure => {
                    if Instant::now() >= window.start {
                        stats[KIND_MAIN].error(|| match failure {
                            Ok(Err(e)) => format!("connect: {e:#}"),
                            _ => "connect: timed out".to_owned(),
                        });
                    }
                    sleep(
                        Duration::from_millis(100)
                            .min(window.end.saturating_duration_since(Instant::now())),
                    )
                    .await;
                    continue;
                }
            }
        }
        let Some(sender) = conn.as_mut() else {
            continue;
        };

        // The next request: a replayed one, or a freshly signed one.
        let fresh = match &source {
            Source::Single {
                replay: Some(prepared),
                ..
            } => Some((prepared.wire.clone(), None, KIND_MAIN)),
            Source::Single { op, replay: None } => {
                let op = *op;
                next_signed(&mut pending, &mut seq, |seq| ctx.prepare(op, task, seq))
                    .map(|(p, name)| (p.wire, name, KIND_MAIN))
            }
            Source::Many {
                gets,
                names,
                put_percent,
            } => {
                n += 1;
                if is_put(n, *put_percent) {
                    next_signed(&mut pending, &mut seq, |_| {
                        Ok((ctx.put(&names[pick.below(names.len())])?, None))
                    })
                    .map(|(p, _)| (p.wire, None, KIND_PUT))
                } else {
                    gets.get(pick.below(gets.len()))
                        .map(|p| (p.wire.clone(), None, KIND_MAIN))
                }
            }
        };
        let (req, created, kind) = match fresh {
            Some(next) => next,
            None => {
                stats[KIND_MAIN].error(|| "signing failed".to_owned());
                return stats;
            }
        };
        let stats = &mut stats[kind];

        let started = Instant::now();
        let outcome = timeout(ctx.request_timeout, exchange(sender, &req)).await;
        let finished = Instant::now();
        let measured = started >= window.start;
        if measured {
            stats.last_finish = Some(finished);
        }
        match outcome {
            Ok(Ok((StatusCode::OK, _))) => {
                if measured {
                    stats
                        .latencies_ns
                        .push((finished - started).as_nanos() as u64);
                }
                stats.created.extend(created);
            }
            Ok(Ok((status, body))) => {
                if measured {
                    stats.error(|| describe_error(status, &body));
                }
            }
            failure => {
                // The request may or may not have reached the server: drop the
                // connection, and remember the name for a best-effort delete.
                conn = None;
                stats.created.extend(created);
                if measured {
                    stats.error(|| match failure {
                        Ok(Err(e)) => format!("transport: {e:#}"),
                        _ => format!("timed out after {:?}", ctx.request_timeout),
                    });
                }
            }
        }
    }
    stats
}

/// The next of the requests signed in batches of [`SIGN_BATCH`] by `sign`
/// (given the request's sequence number; between requests, outside
/// latency timing); `None` if signing failed.
fn next_signed(
    pending: &mut Vec<(Prepared, Option<String>)>,
    seq: &mut u64,
    mut sign: impl FnMut(u64) -> Result<(Prepared, Option<String>)>,
) -> Option<(Prepared, Option<String>)> {
    if pending.is_empty() {
        for _ in 0..SIGN_BATCH {
            pending.push(sign(*seq).ok()?);
            *seq += 1;
        }
        pending.reverse(); // send in sequence order
    }
    pending.pop()
}

/// The summary of one operation in one scenario.
struct Report {
    /// `single` (one secret), `read` or `mix` (over `--secrets` secrets).
    scenario: &'static str,
    operation: &'static str,
    caller: Caller,
    /// How requests were signed (see the module's comment).
    signing: &'static str,
    requests: u64,
    errors: u64,
    rps: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    first_error: Option<String>,
}

/// Nearest-rank percentile of sorted nanosecond samples, in milliseconds.
fn percentile_ms(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1e6
}

/// What one scenario reports about one kind of request.
struct Labels {
    scenario: &'static str,
    operation: &'static str,
    signing: &'static str,
}

const PRESIGNED: &str = "presigned-replayed";
const SIGNED_IN_BATCHES: &str = "signed-per-request-in-batches";

/// Runs `source` over `--concurrency` connections; one report per entry of
/// `labels` (by kind, see [`KIND_MAIN`]) that saw requests.
async fn run_scenario(
    ctx: &Arc<Ctx>,
    args: &Args,
    source: Source,
    caller: Caller,
    labels: [Option<Labels>; 2],
    created: &mut Vec<String>,
) -> Result<Vec<Report>> {
    let now = Instant::now();
    let start = now + Duration::from_secs(args.warmup);
    let window = Window {
        start,
        end: start + Duration::from_secs(args.duration),
    };
    let handles: Vec<_> = (0..args.concurrency)
        .map(|task| tokio::spawn(worker(ctx.clone(), source.clone(), task, window)))
        .collect();
    let mut all: [TaskStats; 2] = Default::default();
    for handle in handles {
        let [main, put] = handle.await.context("benchmark task failed")?;
        all[KIND_MAIN].merge(main);
        all[KIND_PUT].merge(put);
    }
    // Every kind is measured over the same window, to the last response.
    let last = all
        .iter()
        .filter_map(|s| s.last_finish)
        .max()
        .map_or(window.end, |f| f.max(window.end));
    let elapsed = last - window.start;
    let mut reports = Vec::new();
    for (mut stats, labels) in all.into_iter().zip(labels) {
        created.append(&mut stats.created);
        let Some(labels) = labels else { continue };
        stats.latencies_ns.sort_unstable();
        let ok = stats.latencies_ns.len() as u64;
        let s = &stats.latencies_ns;
        reports.push(Report {
            scenario: labels.scenario,
            operation: labels.operation,
            caller,
            signing: labels.signing,
            requests: ok + stats.errors,
            errors: stats.errors,
            rps: ok as f64 / elapsed.as_secs_f64(),
            p50: percentile_ms(s, 0.50),
            p90: percentile_ms(s, 0.90),
            p99: percentile_ms(s, 0.99),
            max: percentile_ms(s, 1.0),
            first_error: stats.first_error,
        });
    }
    Ok(reports)
}

/// Deletes `names` over `concurrency` connections. Returns (deleted, failed).
async fn cleanup(
    ctx: &Arc<Ctx>,
    names: Vec<String>,
    concurrency: usize,
) -> (u64, u64, Option<String>) {
    // Already gone (e.g. a create that never happened): fine.
    for_each_name(ctx, names, concurrency, Ctx::delete, true).await
}

/// Sends `request(name)` for each of `names` over `concurrency`
/// connections; HTTP 200 counts as done, and so does
/// ResourceNotFoundException if `gone_is_done`. Returns (done, failed,
/// the first failure).
async fn for_each_name(
    ctx: &Arc<Ctx>,
    names: Vec<String>,
    concurrency: usize,
    request: fn(&Ctx, &str) -> Result<Prepared>,
    gone_is_done: bool,
) -> (u64, u64, Option<String>) {
    let queue = Arc::new(Mutex::new(names));
    let handles: Vec<_> = (0..concurrency)
        .map(|_| {
            let (ctx, queue) = (ctx.clone(), queue.clone());
            tokio::spawn(async move {
                let (mut deleted, mut failed, mut first_error) = (0u64, 0u64, None);
                let mut conn = None;
                loop {
                    // A poisoned lock only means another task panicked.
                    let next = queue.lock().map_or(None, |mut q| q.pop());
                    let Some(name) = next else { break };
                    let work = async {
                        let mut sender = match conn.take() {
                            Some(s) if !RawConn::is_closed(&s) => s,
                            _ => connect(&ctx.endpoint).await?,
                        };
                        let result = exchange(&mut sender, &request(&ctx, &name)?.wire).await;
                        conn = Some(sender);
                        result
                    };
                    match timeout(ctx.request_timeout, work).await {
                        Ok(Ok((StatusCode::OK, _))) => deleted += 1,
                        Ok(Ok((_, body)))
                            if gone_is_done
                                && body.windows(25).any(|w| w == b"ResourceNotFoundException") => {}
                        Ok(Ok((status, body))) => {
                            failed += 1;
                            first_error.get_or_insert_with(|| describe_error(status, &body));
                        }
                        other => {
                            failed += 1;
                            conn = None;
                            first_error.get_or_insert_with(|| match other {
                                Ok(Err(e)) => format!("{e:#}"),
                                _ => "timed out".to_owned(),
                            });
                        }
                    }
                }
                (deleted, failed, first_error)
            })
        })
        .collect();
    let (mut deleted, mut failed, mut first_error) = (0, 0, None);
    for handle in handles {
        if let Ok((d, f, e)) = handle.await {
            deleted += d;
            failed += f;
            first_error = first_error.or(e);
        }
    }
    (deleted, failed, first_error)
}

fn print_table(reports: &[Report], mix: Option<&MixRatio>) {
    println!(
        "{:<8} {:<16} {:<7} {:>10} {:>8} {:>11} {:>9} {:>9} {:>9} {:>9}",
        "scenario",
        "operation",
        "caller",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms"
    );
    for r in reports {
        println!(
            "{:<8} {:<16} {:<7} {:>10} {:>8} {:>11.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            r.scenario,
            r.operation,
            r.caller.name(),
            r.requests,
            r.errors,
            r.rps,
            r.p50,
            r.p90,
            r.p99,
            r.max
        );
    }
    println!("(req/s and latencies count HTTP 200 responses only)");
    if let Some(m) = mix {
        println!(
            "mix over {} secrets, {} % PutSecretValue: GetSecretValue at {:.2} req/s is {:.1} % of the pure-read rate ({:.2} req/s)",
            m.secrets,
            m.put_percent,
            m.mixed_get_rps,
            m.percent(),
            m.read_rps
        );
    }
}

/// The mixed GetSecretValue rate against the pure-read one, same run.
struct MixRatio {
    secrets: usize,
    put_percent: u32,
    read_rps: f64,
    mixed_get_rps: f64,
}

impl MixRatio {
    fn percent(&self) -> f64 {
        if self.read_rps > 0.0 {
            100.0 * self.mixed_get_rps / self.read_rps
        } else {
            0.0
        }
    }
}

fn print_json(args: &Args, reports: &[Report], mix: Option<&MixRatio>) -> Result<()> {
    let scenarios: Vec<Value> = reports
        .iter()
        .map(|r| {
            json!({
                "scenario": r.scenario,
                "operation": r.operation,
                "caller": r.caller.name(),
                "signing": r.signing,
                "requests": r.requests,
                "errors": r.errors,
                "requests_per_sec": r.rps,
                "latency_ms": {"p50": r.p50, "p90": r.p90, "p99": r.p99, "max": r.max},
                "first_error": r.first_error,
            })
        })
        .collect();
    let doc = json!({
        "endpoint": args.endpoint,
        "concurrency": args.concurrency,
        "duration_secs": args.duration,
        "warmup_secs": args.warmup,
        "value_size": args.value_size,
        "kms_key": format!("{:?}", args.kms_key).to_lowercase(),
        "scenarios": scenarios,
        "mix": mix.map(|m| json!({
            "secrets": m.secrets,
            "put_percent": m.put_percent,
            "read_get_per_sec": m.read_rps,
            "mixed_get_per_sec": m.mixed_get_rps,
            "mixed_get_percent_of_read": m.percent(),
        })),
    });
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}

/// Creates `--secrets` secrets for `mix` (outside any timing) and runs its
/// two scenarios: pure reads, then the mix. Returns their reports.
async fn run_mix(
    ctx: &Arc<Ctx>,
    args: &Args,
    created: &mut Vec<String>,
) -> Result<(Vec<Report>, MixRatio)> {
    let names: Vec<String> = (0..args.secrets)
        .map(|i| format!("{}-m{i}", ctx.secret))
        .collect();
    eprintln!("setup: creating {} secrets for mix", names.len());
    created.extend(names.iter().cloned());
    let (done, failed, first) =
        for_each_name(ctx, names.clone(), args.concurrency, Ctx::create, false).await;
    if failed > 0 {
        bail!(
            "setup: {failed} of {} creates failed; first: {}",
            done + failed,
            first.unwrap_or_default()
        );
    }
    let names = Arc::new(names);
    let sign_gets = || -> Result<Arc<Vec<Prepared>>> {
        Ok(Arc::new(
            names.iter().map(|n| ctx.get(n)).collect::<Result<_>>()?,
        ))
    };
    let get = |scenario| Labels {
        scenario,
        operation: Op::Get.name(),
        signing: PRESIGNED,
    };

    eprintln!(
        "running read: GetSecretValue on a random one of {} secrets (pre-signed, replayed)",
        names.len()
    );
    let read = Source::Many {
        gets: sign_gets()?,
        names: names.clone(),
        put_percent: 0,
    };
    let mut reports = run_scenario(
        ctx,
        args,
        read,
        Caller::Admin,
        [Some(get("read")), None],
        created,
    )
    .await?;

    eprintln!(
        "running mix: {} % PutSecretValue (signed in batches), the rest GetSecretValue, on random secrets",
        args.mix_put_percent
    );
    let mix = Source::Many {
        gets: sign_gets()?,
        names: names.clone(),
        put_percent: args.mix_put_percent,
    };
    let put = Labels {
        scenario: "mix",
        operation: Op::Put.name(),
        signing: SIGNED_IN_BATCHES,
    };
    reports.extend(
        run_scenario(
            ctx,
            args,
            mix,
            Caller::Admin,
            [Some(get("mix")), Some(put)],
            created,
        )
        .await?,
    );
    let rps = |scenario| {
        reports
            .iter()
            .find(|r| r.scenario == scenario && r.operation == Op::Get.name())
            .map_or(0.0, |r| r.rps)
    };
    let ratio = MixRatio {
        secrets: names.len(),
        put_percent: args.mix_put_percent,
        read_rps: rps("read"),
        mixed_get_rps: rps("mix"),
    };
    Ok((reports, ratio))
}

/// One thread drives every connection (as `wrk -t1` does): on a small
/// machine shared with the server, a multi-threaded client mostly measures
/// its own cross-thread wake-ups.
/// Creates the customer key `encrypt`/`decrypt` use and encrypts the value
/// once under it, outside any timing. The key is left to be deleted by
/// whoever owns the server's data directory (benchmarks run on a throwaway one).
async fn kms_setup(ctx: &Ctx) -> Result<KmsTarget> {
    let field = |body: &[u8], name: &str| -> Result<String> {
        serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.pointer(name).and_then(Value::as_str).map(str::to_owned))
            .with_context(|| format!("setup answer without {name}"))
    };
    let create = ctx.sign_kms(
        "CreateKey",
        &json!({"Description": "strongroom-bench encrypt/decrypt"}),
    )?;
    let (status, body) = one_shot(ctx, &create).await.context("setup CreateKey")?;
    ensure!(
        status == StatusCode::OK,
        "setup CreateKey failed: {}",
        describe_error(status, &body)
    );
    let key_id = field(&body, "/KeyMetadata/KeyId")?;
    let encrypt = ctx.sign_kms(
        "Encrypt",
        &json!({"KeyId": key_id, "Plaintext": base64_encode(ctx.value.as_bytes())}),
    )?;
    let (status, body) = one_shot(ctx, &encrypt).await.context("setup Encrypt")?;
    ensure!(
        status == StatusCode::OK,
        "setup Encrypt failed: {}",
        describe_error(status, &body)
    );
    let blob = field(&body, "/CiphertextBlob")?;
    eprintln!("setup: KMS key {key_id}");
    Ok(KmsTarget { key_id, blob })
}

/// Creates the symmetric customer managed key `--kms-key customer` puts
/// the run's secrets under (default key policy: the account's IAM policies
/// decide) and answers its ARN.
async fn create_customer_key(ctx: &Ctx) -> Result<String> {
    let body = json!({"Description": format!("strongroom-bench {}", ctx.secret)});
    let (status, answer) = one_shot(ctx, &ctx.sign_kms("CreateKey", &body)?)
        .await
        .context("setup CreateKey")?;
    ensure!(
        status == StatusCode::OK,
        "setup CreateKey failed: {}",
        describe_error(status, &answer)
    );
    serde_json::from_slice::<Value>(&answer)
        .ok()
        .and_then(|v| v.pointer("/KeyMetadata/Arn")?.as_str().map(str::to_owned))
        .context("setup CreateKey answered without KeyMetadata.Arn")
}

/// Schedules the `--kms-key customer` key for deletion (7 days, KMS's minimum).
async fn retire_customer_key(ctx: &Ctx) -> Result<()> {
    let Some(key) = &ctx.kms_key_id else {
        return Ok(());
    };
    let body = json!({"KeyId": key, "PendingWindowInDays": 7});
    let (status, answer) = one_shot(ctx, &ctx.sign_kms("ScheduleKeyDeletion", &body)?).await?;
    ensure!(
        status == StatusCode::OK,
        "cleanup ScheduleKeyDeletion failed: {}",
        describe_error(status, &answer)
    );
    Ok(())
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let mut args = Args::parse();
    ensure!(args.concurrency >= 1, "--concurrency must be at least 1");
    ensure!(args.duration >= 1, "--duration must be at least 1 second");
    ensure!(
        (1..=65536).contains(&args.value_size),
        "--value-size must be 1..=65536 bytes"
    );
    ensure!(args.secrets >= 1, "--secrets must be at least 1");
    ensure!(args.put_secrets >= 1, "--put-secrets must be at least 1");
    ensure!(
        args.mix_put_percent <= 100,
        "--mix-put-percent must be 0..=100"
    );
    ensure!(
        args.warmup + args.duration <= MAX_REPLAY_WINDOW_SECS,
        "--warmup + --duration must stay under {MAX_REPLAY_WINDOW_SECS} s (replayed signatures expire after 15 min)"
    );
    // Run each scenario once, keeping the first position it was given in.
    let mut ops: Vec<Op> = Vec::new();
    for op in std::mem::take(&mut args.ops) {
        if !ops.contains(&op) {
            ops.push(op);
        }
    }
    args.ops = ops;

    // A printable value of exactly `value_size` bytes.
    let mut value = String::with_capacity(args.value_size + 32);
    while value.len() < args.value_size {
        value.push_str(&Uuid::new_v4().simple().to_string());
    }
    value.truncate(args.value_size);

    let secret = format!("bench-{}", &Uuid::new_v4().simple().to_string()[..12]);
    let mut base = Ctx {
        endpoint: parse_endpoint(&args.endpoint)?,
        access_key: args.access_key.clone(),
        secret_key: args.secret_key.clone(),
        region: args.region.clone(),
        secret: secret.clone(),
        value,
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        kms: None,
        kms_key_id: None,
        put_secrets: args.put_secrets,
    };
    if args.scale.is_none() && args.ops.iter().any(|op| op.is_kms()) {
        ensure!(
            args.value_size <= 4096,
            "--value-size must be at most 4096 bytes for encrypt/decrypt (KMS's Plaintext limit)"
        );
        base.kms = Some(kms_setup(&base).await?);
    }
    if args.scale.is_none() && args.kms_key == KmsKeyKind::Customer {
        let key = create_customer_key(&base).await?;
        eprintln!("setup: secrets go under the customer managed key {key}");
        base.kms_key_id = Some(key);
    }
    let ctx = Arc::new(base);
    if let Some(command) = &args.scale {
        return scale::run(ctx, command).await;
    }
    eprintln!(
        "strongroom-bench: {} | {} connections | {} s warm-up + {} s per scenario | {} B values | {:?} key",
        args.endpoint, args.concurrency, args.warmup, args.duration, args.value_size, args.kms_key
    );

    // Setup, outside any timing: the secret read and updated by the scenarios.
    let (status, body) = one_shot(&ctx, &ctx.create(&secret)?)
        .await
        .context("setup CreateSecret")?;
    if status != StatusCode::OK {
        bail!(
            "setup CreateSecret {secret} failed: {}",
            describe_error(status, &body)
        );
    }
    let mut created = vec![secret.clone()];
    eprintln!("setup: created {secret}");
    if args.ops.contains(&Op::Put) {
        let names = ctx.put_names();
        eprintln!("setup: creating {} secrets for put", names.len());
        created.extend(names.iter().cloned());
        let (done, failed, first) =
            for_each_name(&ctx, names, args.concurrency, Ctx::create, false).await;
        if failed > 0 {
            bail!(
                "setup: {failed} of {} creates failed; first: {}",
                done + failed,
                first.unwrap_or_default()
            );
        }
    }
    let secret_arn = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("ARN")?.as_str().map(str::to_owned))
        .context("setup CreateSecret answered without an ARN")?;

    // The least-privilege caller, if asked for.
    let mut policy_caller = None;
    let mut callers: Vec<(Caller, Arc<Ctx>)> = Vec::new();
    for &caller in &args.callers {
        if callers.iter().any(|(c, _)| *c == caller) {
            continue;
        }
        let caller_ctx = match caller {
            Caller::Admin => ctx.clone(),
            Caller::Policy => {
                let user = policy_caller::setup(&ctx, &secret_arn).await?;
                eprintln!(
                    "setup: IAM user {} with a 10-statement policy and the secret's resource policy",
                    user.user_name
                );
                let mut as_user = Ctx::clone(&ctx);
                as_user.access_key = user.access_key.clone();
                as_user.secret_key = user.secret_key.clone();
                policy_caller = Some(user);
                Arc::new(as_user)
            }
        };
        callers.push((caller, caller_ctx));
    }

    let mut reports = Vec::new();
    let mut failure = None;
    let mut mix = None;
    'scenarios: for &op in &args.ops {
        if op == Op::Mix {
            match run_mix(&ctx, &args, &mut created).await {
                Ok((mut r, ratio)) => {
                    for report in r.iter().filter(|r| r.errors > 0) {
                        if let Some(e) = &report.first_error {
                            eprintln!(
                                "  {} {} errors; first: {e}",
                                report.operation, report.errors
                            );
                        }
                    }
                    reports.append(&mut r);
                    mix = Some(ratio);
                }
                Err(e) => {
                    failure = Some(e.context("scenario mix"));
                    break 'scenarios;
                }
            }
            continue;
        }
        let how = if op.replayed() {
            "one request pre-signed before the window, replayed by every connection"
        } else {
            "fresh body per request, signed by each connection in batches outside latency timing"
        };
        for (caller, caller_ctx) in &callers {
            eprintln!("running {} as {} ({how})", op.name(), caller.name());
            let replay = if op.replayed() {
                match caller_ctx.prepare(op, 0, 0) {
                    Ok((p, _)) => Some(Arc::new(p)),
                    Err(e) => {
                        failure = Some(e.context(format!("signing {}", op.name())));
                        break 'scenarios;
                    }
                }
            } else {
                None
            };
            let labels = Labels {
                scenario: "single",
                operation: op.name(),
                signing: if op.replayed() {
                    PRESIGNED
                } else {
                    SIGNED_IN_BATCHES
                },
            };
            let source = Source::Single { op, replay };
            match run_scenario(
                caller_ctx,
                &args,
                source,
                *caller,
                [Some(labels), None],
                &mut created,
            )
            .await
            {
                Ok(mut r) => {
                    for report in &r {
                        if let Some(e) = &report.first_error {
                            eprintln!("  {} errors; first: {e}", report.errors);
                        }
                    }
                    reports.append(&mut r);
                }
                Err(e) => {
                    failure = Some(e.context(format!("scenario {}", op.name())));
                    break 'scenarios;
                }
            }
        }
    }
    if let Some(user) = &policy_caller {
        policy_caller::teardown(&ctx, user).await;
    }

    // Best-effort cleanup, even if a scenario failed.
    if args.no_cleanup {
        eprintln!(
            "cleanup skipped (--no-cleanup): {} secrets named {secret}*",
            created.len()
        );
    } else {
        eprintln!(
            "cleanup: deleting {} secrets with {} connections",
            created.len(),
            args.concurrency
        );
        let (deleted, failed, first) = cleanup(&ctx, created, args.concurrency).await;
        eprintln!("cleanup: {deleted} deleted, {failed} failed");
        if let Some(e) = first {
            eprintln!("cleanup: first error: {e}");
        }
        if let Err(e) = retire_customer_key(&ctx).await {
            eprintln!("cleanup: {e}");
        }
    }

    if args.json {
        print_json(&args, &reports, mix.as_ref())?;
    } else {
        print_table(&reports, mix.as_ref());
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let errors: u64 = reports.iter().map(|r| r.errors).sum();
    ensure!(errors == 0, "{errors} requests did not return HTTP 200");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Result<Ctx> {
        Ok(Ctx {
            endpoint: parse_endpoint("http://127.0.0.1:4566")?,
            access_key: "AKIDEXAMPLE".to_owned(),
            secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_owned(),
            region: "us-east-1".to_owned(),
            secret: "bench-test".to_owned(),
            value: "v".repeat(16),
            request_timeout: Duration::from_secs(1),
            kms: Some(KmsTarget {
                key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".to_owned(),
                blob: "AQID".to_owned(),
            }),
            kms_key_id: None,
            put_secrets: 3,
        })
    }

    /// `put` writes to every secret of its pool in turn, from each task's
    /// own starting place, and to nothing else.
    #[test]
    fn puts_spread_over_the_pool() -> Result<()> {
        let ctx = ctx()?;
        let pool = ctx.put_names();
        assert_eq!(pool, ["bench-test-p0", "bench-test-p1", "bench-test-p2"]);
        for task in 0..4 {
            let targets: Vec<String> = (0..3).map(|seq| ctx.put_target(task, seq)).collect();
            let mut sorted = targets.clone();
            sorted.sort();
            assert_eq!(sorted, pool, "task {task}: {targets:?}");
        }
        assert_ne!(ctx.put_target(0, 0), ctx.put_target(1, 0));
        Ok(())
    }

    /// `--kms-key customer`: CreateSecret names the key.
    #[test]
    fn secrets_go_under_the_customer_key() -> Result<()> {
        let mut ctx = ctx()?;
        let plain: Value = serde_json::from_slice(&ctx.create("n")?.body)?;
        assert!(plain.get("KmsKeyId").is_none());
        ctx.kms_key_id = Some("arn:aws:kms:us-east-1:123456789012:key/k".to_owned());
        let created: Value = serde_json::from_slice(&ctx.create("n")?.body)?;
        assert_eq!(created["KmsKeyId"], json!(ctx.kms_key_id));
        Ok(())
    }

    #[test]
    fn signed_requests_verify() -> Result<()> {
        let ctx = ctx()?;
        for op in [
            Op::Get,
            Op::Describe,
            Op::Put,
            Op::Create,
            Op::Encrypt,
            Op::Decrypt,
        ] {
            let (prepared, name) = ctx.prepare(op, 3, 7)?;
            let service = if op.is_kms() { "kms" } else { "secretsmanager" };
            assert_eq!(name.is_some(), op == Op::Create);
            let (parts, _) = prepared.request().into_parts();
            assert_eq!(
                parts.headers.get(HOST),
                Some(&HeaderValue::from_static("127.0.0.1:4566"))
            );
            let auth = strongroom_auth::parse_auth(&parts)?;
            let now = jiff::Timestamp::now().as_millisecond();
            let cache = strongroom_auth::SigningKeyCache::default();
            strongroom_auth::verify_signature(
                &auth,
                &parts,
                &prepared.body,
                ctx.secret_key.as_bytes(),
                service,
                now,
                &cache,
            )?;
            let target = parts.headers.get("x-amz-target").map(HeaderValue::to_str);
            let prefix = if op.is_kms() {
                "TrentService"
            } else {
                "secretsmanager"
            };
            assert_eq!(
                target.transpose()?,
                Some(format!("{prefix}.{}", op.name()).as_str())
            );
        }
        Ok(())
    }

    #[test]
    fn a_mix_puts_exactly_its_share_evenly_spread() {
        for percent in [0, 1, 10, 25, 33, 100] {
            let puts = (0..1000u64).filter(|&n| is_put(n, percent)).count();
            assert_eq!(puts, 10 * percent as usize, "{percent} %");
        }
        // 10 %: one in every ten consecutive requests.
        assert!(
            (0..100u64)
                .step_by(10)
                .all(|start| { (start..start + 10).filter(|&n| is_put(n, 10)).count() == 1 })
        );
        let mut pick = Pick(1);
        let mut seen = [0usize; 10];
        for _ in 0..10_000 {
            seen[pick.below(10)] += 1;
        }
        assert!(seen.iter().all(|&n| (800..1200).contains(&n)), "{seen:?}");
    }

    #[test]
    fn endpoints_and_percentiles() -> Result<()> {
        let ep = parse_endpoint("http://[::1]:8080/")?;
        assert_eq!((ep.host.as_str(), ep.port), ("::1", 8080));
        assert!(parse_endpoint("https://example.com").is_err());
        let samples: Vec<u64> = (1..=100).map(|ms| ms * 1_000_000).collect();
        assert_eq!(percentile_ms(&samples, 0.5), 50.0);
        assert_eq!(percentile_ms(&samples, 0.99), 99.0);
        assert_eq!(percentile_ms(&samples, 1.0), 100.0);
        assert_eq!(percentile_ms(&[], 0.5), 0.0);
        Ok(())
    }
}
