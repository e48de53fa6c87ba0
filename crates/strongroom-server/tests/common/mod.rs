//! Shared harness for the end-to-end tests: starts the real `strongroom`
//! binary on a fresh temporary data directory, builds AWS SDK clients that
//! point at it, and offers small assertion helpers for AWS error shapes.
//!
//! Every test binary compiles this module separately and uses a different
//! subset of it, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Debug;
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::retry::RetryConfig;
use aws_sdk_secretsmanager::config::timeout::TimeoutConfig;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};

/// Account id every test server is started with.
pub const ACCOUNT_ID: &str = "123456789012";
/// Region the default SDK client signs for.
pub const REGION: &str = "us-east-1";
/// How long the server may take to print its listening line.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a graceful (SIGTERM) shutdown may take.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

// Messages recorded against real AWS (see shared/AWS_BEHAVIOUR.md).
pub const MSG_NOT_FOUND: &str = "Secrets Manager can't find the specified secret.";
pub const MSG_MARKED_FOR_DELETION: &str =
    "You can't perform this operation on the secret because it was marked for deletion.";
pub const MSG_INVALID_NAME: &str = "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!";
pub const MSG_CREATE_SCHEDULED: &str = "You can't create this secret because a secret with this name is already scheduled for deletion.";
pub const MSG_NO_TOKEN: &str =
    "You must provide a ClientRequestToken value. We recommend a UUID-type value.";
pub const MSG_STAGE_NOT_ON_VERSION: &str =
    "You provided a VersionStage that is not associated to the provided VersionId.";

pub fn msg_already_exists(name: &str) -> String {
    format!("The operation failed because the secret {name} already exists.")
}

pub fn msg_token_in_use(token: &str, arn: &str) -> String {
    format!(
        "You can't use ClientRequestToken {token} because that value is already in use for a version of secret {arn}."
    )
}

pub fn msg_no_value_for_stage(stage: &str) -> String {
    format!("Secrets Manager can't find the specified secret value for staging label: {stage}")
}

pub fn msg_no_value_for_version(version_id: &str) -> String {
    format!("Secrets Manager can't find the specified secret value for VersionId: {version_id}")
}

/// Codes accepted for a violated length/range constraint (the exact code is
/// unrecorded for AWS; see AWS_BEHAVIOUR.md §3).
pub const CONSTRAINT_CODES: &[&str] = &["InvalidParameterException", "ValidationException"];

// ---------------------------------------------------------------------------
// Randomness without extra dependencies
// ---------------------------------------------------------------------------

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// `n` random lowercase hex characters (std's per-instance random SipHash keys
/// mixed with a counter and the clock; good enough for unique test data).
pub fn random_hex(n: usize) -> String {
    let mut out = String::with_capacity(n + 16);
    while out.len() < n {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(n);
    out
}

/// A fresh UUID-shaped ClientRequestToken (36 chars, within 32–64).
pub fn token() -> String {
    let h = random_hex(32);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// A unique secret name: `prefix` plus a random tail.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", random_hex(10))
}

/// Standard base64 (with padding), for comparing against wire/at-rest forms.
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(ALPHABET[(n >> 18) as usize & 63] as char);
        out.push(ALPHABET[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            ALPHABET[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            ALPHABET[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------

/// Access key pair printed by the server on the first start of a data dir.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keys {
    pub access_key: String,
    pub secret_key: String,
}

#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    /// Start with `--dev` (any well-formed signature is accepted).
    pub dev: bool,
    /// `--purge-interval-secs N`.
    pub purge_interval_secs: Option<u64>,
}

/// A running `strongroom serve` child plus the temporary directory holding
/// its data dir and stderr logs. The child is killed when this is dropped.
pub struct Strongroom {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    /// `127.0.0.1:PORT`
    pub authority: String,
    /// Keys printed on first start (None in dev mode if none were printed).
    keys: Option<Keys>,
    /// Whether the *latest* start printed credential lines.
    pub printed_credentials: bool,
    opts: ServerOptions,
    starts: usize,
    /// Parent of `data/` and the `server-N.log` files. Dropped last.
    root: tempfile::TempDir,
}

impl Strongroom {
    /// Start a server on a fresh temporary data dir with default options.
    pub fn start() -> Self {
        Self::start_with(ServerOptions::default())
    }

    pub fn start_dev() -> Self {
        Self::start_with(ServerOptions {
            dev: true,
            ..ServerOptions::default()
        })
    }

    pub fn start_with(opts: ServerOptions) -> Self {
        let root = tempfile::Builder::new()
            .prefix("strongroom-e2e-")
            .tempdir()
            .expect("create temporary directory for the test server");
        std::fs::create_dir(root.path().join("data")).expect("create data dir");
        let mut s = Strongroom {
            child: None,
            endpoint: String::new(),
            authority: String::new(),
            keys: None,
            printed_credentials: false,
            opts,
            starts: 0,
            root,
        };
        s.spawn();
        if s.keys.is_none() && !s.opts.dev {
            panic!(
                "first start of a fresh data dir printed no `export AWS_ACCESS_KEY_ID=`/`export AWS_SECRET_ACCESS_KEY=` lines on stdout\n--- stderr ---\n{}",
                s.log_tail()
            );
        }
        s
    }

    /// The data directory passed as `--data-dir`.
    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    fn log_path(&self, n: usize) -> PathBuf {
        self.root.path().join(format!("server-{n}.log"))
    }

    /// All stderr log files written so far (outside the data dir).
    pub fn log_paths(&self) -> Vec<PathBuf> {
        (1..=self.starts).map(|n| self.log_path(n)).collect()
    }

    /// The last few KiB of the current stderr log, for panic messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read(self.log_path(self.starts))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_else(|e| format!("<could not read server log: {e}>"));
        let start = text.len().saturating_sub(6000);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        text[start..].to_owned()
    }

    /// Keys for signing (the printed ones, or dummies in dev mode).
    pub fn keys(&self) -> Keys {
        self.keys.clone().unwrap_or_else(|| Keys {
            access_key: "AKIADEVMODE000000000".to_owned(),
            secret_key: "dev-mode-secret-key".to_owned(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server is not running").id()
    }

    fn spawn(&mut self) {
        assert!(self.child.is_none(), "server already running");
        self.starts += 1;
        let log = File::create(self.log_path(self.starts)).expect("create server log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strongroom"));
        cmd.arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--account-id")
            .arg(ACCOUNT_ID);
        if self.opts.dev {
            cmd.arg("--dev");
        }
        if let Some(n) = self.opts.purge_interval_secs {
            cmd.arg("--purge-interval-secs").arg(n.to_string());
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        let mut child = cmd.spawn().expect("spawn the strongroom binary");
        let stdout = child.stdout.take().expect("child stdout is piped");

        // Reader thread: forwards lines until the receiver goes away, then
        // keeps draining so the server never blocks on a full pipe.
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            let reader = BufReader::new(stdout);
            for line in reader.lines() {
                match line {
                    Ok(l) => {
                        let _ = tx.send(l);
                    }
                    Err(_) => break,
                }
            }
        });
        self.child = Some(child);

        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let mut seen = Vec::new();
        let mut access_key = None;
        let mut secret_key = None;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(remaining) {
                Ok(line) => {
                    let trimmed = line.trim();
                    if let Some(v) = trimmed.strip_prefix("export AWS_ACCESS_KEY_ID=") {
                        access_key = Some(unquote(v));
                    } else if let Some(v) = trimmed.strip_prefix("export AWS_SECRET_ACCESS_KEY=") {
                        secret_key = Some(unquote(v));
                    } else if let Some(url) = trimmed.strip_prefix("strongroom listening on ") {
                        let url = url.trim().trim_end_matches('/').to_owned();
                        self.authority = url
                            .strip_prefix("http://")
                            .or_else(|| url.strip_prefix("https://"))
                            .unwrap_or_else(|| panic!("listening URL is not http(s)://: {url}"))
                            .to_owned();
                        self.endpoint = url;
                        break;
                    }
                    seen.push(line);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    self.kill();
                    panic!(
                        "strongroom did not print `strongroom listening on http://...` within {STARTUP_TIMEOUT:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                        seen.join("\n"),
                        self.log_tail()
                    );
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = self.child.as_mut().and_then(|c| c.wait().ok());
                    self.child = None;
                    panic!(
                        "strongroom exited before listening (status {status:?})\n--- stdout ---\n{}\n--- stderr ---\n{}",
                        seen.join("\n"),
                        self.log_tail()
                    );
                }
            }
        }
        self.printed_credentials = access_key.is_some() || secret_key.is_some();
        match (access_key, secret_key) {
            (Some(access_key), Some(secret_key)) => {
                self.keys = Some(Keys {
                    access_key,
                    secret_key,
                });
            }
            (None, None) => {}
            (a, s) => panic!(
                "server printed only one of the credential lines (access key: {}, secret key: {})",
                a.is_some(),
                s.is_some()
            ),
        }
    }

    /// Send SIGTERM and wait for the process to exit.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("server is not running");
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .expect("run `kill -TERM`");
        assert!(status.success(), "`kill -TERM {}` failed", child.id());
        let deadline = Instant::now() + SHUTDOWN_TIMEOUT;
        loop {
            match child.try_wait().expect("wait for strongroom") {
                Some(status) => return status,
                None if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "strongroom did not exit within {SHUTDOWN_TIMEOUT:?} of SIGTERM\n--- stderr ---\n{}",
                        self.log_tail()
                    );
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// Start again on the same data dir (after `stop`). The credentials
    /// learned on the first start stay in use.
    pub fn restart(&mut self) {
        let keys = self.keys.clone();
        self.spawn();
        if let (Some(old), Some(new)) = (&keys, &self.keys) {
            assert_eq!(old, new, "restart printed different credentials");
        }
        if self.keys.is_none() {
            self.keys = keys;
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SDK client for the default region with the server's keys.
    pub fn client(&self) -> Client {
        let k = self.keys();
        sdk_client(&self.endpoint, REGION, &k.access_key, &k.secret_key)
    }

    pub fn client_in(&self, region: &str) -> Client {
        let k = self.keys();
        sdk_client(&self.endpoint, region, &k.access_key, &k.secret_key)
    }

    /// STS SDK client (Query protocol) for the default region with the
    /// server's keys.
    pub fn sts_client(&self) -> aws_sdk_sts::Client {
        let k = self.keys();
        sts_sdk_client(&self.endpoint, REGION, &k.access_key, &k.secret_key)
    }
}

impl Drop for Strongroom {
    fn drop(&mut self) {
        self.kill();
    }
}

fn unquote(v: &str) -> String {
    v.trim().trim_matches('"').trim_matches('\'').to_owned()
}

/// An SDK client exactly as a user would build it, minus aws-config.
pub fn sdk_client(endpoint: &str, region: &str, access_key: &str, secret_key: &str) -> Client {
    let conf = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(access_key, secret_key, None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(60))
                .build(),
        )
        .build();
    Client::from_conf(conf)
}

/// An STS SDK client built like [`sdk_client`].
pub fn sts_sdk_client(
    endpoint: &str,
    region: &str,
    access_key: &str,
    secret_key: &str,
) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(access_key, secret_key, None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(60))
                .build(),
        )
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

// ---------------------------------------------------------------------------
// Error assertions
// ---------------------------------------------------------------------------

/// An AWS service error as the SDK parsed it.
#[derive(Debug, Clone)]
pub struct AwsError {
    pub code: String,
    pub message: Option<String>,
    pub status: Option<u16>,
}

/// Expect `res` to be a *service* error (not a transport/parse failure) and
/// return its code, message and HTTP status.
#[track_caller]
pub fn service_error<T: Debug, E>(res: Result<T, SdkError<E>>) -> AwsError
where
    E: ProvideErrorMetadata + Debug,
{
    match res {
        Ok(v) => panic!("expected a service error, but the call succeeded: {v:?}"),
        Err(err) => {
            if err.as_service_error().is_none() {
                panic!("expected a service error, got a non-service SDK error: {err:?}");
            }
            let status = err.raw_response().map(|r| r.status().as_u16());
            let code = err
                .code()
                .unwrap_or_else(|| panic!("service error without a code: {err:?}"))
                .to_owned();
            let message = err.message().map(str::to_owned);
            AwsError {
                code,
                message,
                status,
            }
        }
    }
}

/// Assert the call failed with HTTP 400 and `code`; returns the error.
#[track_caller]
pub fn expect_code<T: Debug, E>(res: Result<T, SdkError<E>>, code: &str) -> AwsError
where
    E: ProvideErrorMetadata + Debug,
{
    let e = service_error(res);
    assert_eq!(e.code, code, "unexpected error code: {e:?}");
    assert_eq!(
        e.status,
        Some(400),
        "AWS sends every client error as HTTP 400: {e:?}"
    );
    e
}

/// Assert the call failed with HTTP 400, `code` and exactly `message`.
#[track_caller]
pub fn expect_error<T: Debug, E>(res: Result<T, SdkError<E>>, code: &str, message: &str)
where
    E: ProvideErrorMetadata + Debug,
{
    let e = expect_code(res, code);
    assert_eq!(
        e.message.as_deref(),
        Some(message),
        "unexpected message for {code}: {e:?}"
    );
}

/// Assert the call failed with HTTP 400 and one of `codes`.
#[track_caller]
pub fn expect_one_of<T: Debug, E>(res: Result<T, SdkError<E>>, codes: &[&str]) -> AwsError
where
    E: ProvideErrorMetadata + Debug,
{
    let e = service_error(res);
    assert!(
        codes.contains(&e.code.as_str()),
        "expected one of {codes:?}, got {e:?}"
    );
    assert_eq!(
        e.status,
        Some(400),
        "AWS sends every client error as HTTP 400: {e:?}"
    );
    e
}

/// Unwrap an SDK result with the full error in the panic message.
#[track_caller]
pub fn ok<T, E: Debug>(res: Result<T, SdkError<E>>, what: &str) -> T {
    match res {
        Ok(v) => v,
        Err(e) => panic!("{what} failed: {e:?}"),
    }
}

// ---------------------------------------------------------------------------
// Small data helpers
// ---------------------------------------------------------------------------

pub fn set<I, S>(items: I) -> BTreeSet<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    items.into_iter().map(|s| s.as_ref().to_owned()).collect()
}

/// Normalise a `VersionIdsToStages`-style map (stage order is not meaningful).
pub fn stage_map(map: Option<&HashMap<String, Vec<String>>>) -> BTreeMap<String, BTreeSet<String>> {
    map.map(|m| m.iter().map(|(k, v)| (k.clone(), set(v))).collect())
        .unwrap_or_default()
}

/// Assert `arn` is `arn:aws:secretsmanager:{region}:123456789012:secret:{name}-XXXXXX`.
#[track_caller]
pub fn assert_arn(arn: &str, region: &str, name: &str) {
    let prefix = format!("arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:{name}-");
    let suffix = arn
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("ARN {arn:?} does not start with {prefix:?}"));
    assert_eq!(suffix.len(), 6, "ARN suffix must be 6 chars: {arn}");
    assert!(
        suffix.chars().all(|c| c.is_ascii_alphanumeric()),
        "ARN suffix must be alphanumeric: {arn}"
    );
}

/// The ARN without its `-XXXXXX` suffix.
pub fn partial_arn(arn: &str) -> String {
    assert!(arn.len() > 7, "ARN too short: {arn}");
    arn[..arn.len() - 7].to_owned()
}

pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("read_dir {d:?}: {e}")) {
            let entry = entry.expect("directory entry");
            let path = entry.path();
            let ft = entry.file_type().expect("file type");
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() {
                out.push(path);
            }
        }
    }
    out
}
