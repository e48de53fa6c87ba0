//! `strongroom`: the server binary. Parses the command line, opens the data
//! directory (root key, database, audit trail), wires the layers together,
//! serves HTTP and runs the background jobs (purge, flood summaries) until
//! SIGTERM/SIGINT.

mod admin;
mod builtin;
mod config;
mod jobs;
mod lambda;
mod listener;
mod rootkey;
mod rotate;
mod rotation;
mod tls;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use rootkey::{Create, DB_FILE, RootKeyArgs};
use std::ffi::OsString;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use strongroom_api::audit::flood::FloodLimits;
use strongroom_api::audit::{AuditRecorder, AuditSink};
use strongroom_api::{
    AppState, Authenticator, BodyLimits, LogRecorder, Recorder, Recorders, ServedRegions, router,
};
use strongroom_audit::{AuditKey, AuditLog, AuditOptions, Retention};
use strongroom_iam::Iam;
use strongroom_policy::PolicyKind;
use strongroom_service::{Clock, Principal, PrincipalKind, Service, SystemClock, ensure_account};
use strongroom_store::Store;
use strongroom_store::sqlite::SqliteStore;
use strongroom_trail::{AuditMode, Trail, TrailOptions};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Every request allocates a few dozen small buffers; mimalloc's thread-local
/// free lists make that measurably cheaper than glibc malloc here.
///
/// mimalloc gives freed memory back to the OS lazily: a page is purged only
/// after its delay (1 s), when the thread owning it next allocates (a page
/// freed by another worker waits on its owner's list). After a burst RSS so
/// stays up until requests come again, which is why bodies are never
/// buffered before their key is known, and only within the body budget
/// (`strongroom_api::BodyLimits`): what can be retained is bounded.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long in-flight requests get to finish after a shutdown signal.
const DRAIN_DEADLINE: Duration = Duration::from_secs(10);

#[derive(Parser)]
#[command(
    name = "strongroom",
    version,
    about = "A self-hosted AWS Secrets Manager-compatible secrets server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Secrets Manager API.
    Serve(ServeArgs),
    /// Operator commands on a data directory (they reach a running server
    /// through its admin socket).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The settings `serve` takes from a TOML file (`--config`) and
    /// `STRONGROOM_*` environment variables.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Check the config file: every error, each with its key (exit 1); or
    /// the effective settings and where each came from (exit 0). Takes
    /// `serve`'s flags, which win over the environment and the file.
    Check(ServeArgs),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create another account; prints its administrator's access key as
    /// two `export` lines.
    CreateAccount {
        /// The new account's 12-digit id.
        account_id: String,
        #[arg(long, env = "STRONGROOM_DATA_DIR", default_value = "./strongroom-data")]
        data_dir: PathBuf,
        #[command(flatten)]
        root_key: RootKeyArgs,
    },
    /// Create an access key for an IAM user (recovers access when a key is
    /// lost); prints it as two `export` lines.
    CreateAccessKey {
        /// The user's name, e.g. `admin`.
        #[arg(long)]
        user: String,
        /// The user's account; defaults to the data directory's first account.
        #[arg(long)]
        account: Option<String>,
        #[arg(long, env = "STRONGROOM_DATA_DIR", default_value = "./strongroom-data")]
        data_dir: PathBuf,
        #[command(flatten)]
        root_key: RootKeyArgs,
    },
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Re-wrap everything sealed under the root key under a new root key,
    /// in one transaction, with the server stopped. The current key comes
    /// from the `--root-key-*` options (as for `serve`); the new one is a
    /// new random key file in the current key file's place (default), or
    /// the `--new-root-key-*` source. Prints what to change. STS session
    /// tokens issued before stop working.
    RotateRootKey {
        #[arg(long, env = "STRONGROOM_DATA_DIR", default_value = "./strongroom-data")]
        data_dir: PathBuf,
        #[command(flatten)]
        root_key: RootKeyArgs,
        #[command(flatten)]
        new_root_key: rotate::NewRootKeyArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the audit trail's chain: exits 0 when it is intact, 1 naming
    /// the first modified, inserted, removed or reordered record (or the
    /// truncated end). Needs the root key (`--root-key-*`, as for `serve`).
    Verify {
        #[arg(long, env = "STRONGROOM_DATA_DIR", default_value = "./strongroom-data")]
        data_dir: PathBuf,
        #[command(flatten)]
        root_key: RootKeyArgs,
    },
    /// Accept a trail whose newest records were cut off (the server then
    /// refuses to start, naming `verify`): prints verify's finding, then
    /// anchors the chain head at the chain's end as it is, so that the
    /// server starts and the chain continues. Run it only once the finding
    /// is recorded elsewhere; with the server stopped.
    Reanchor {
        #[arg(long, env = "STRONGROOM_DATA_DIR", default_value = "./strongroom-data")]
        data_dir: PathBuf,
        /// Confirms that the finding printed by `verify` has been recorded.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        root_key: RootKeyArgs,
    },
}

/// Where the audit trail goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AuditLogMode {
    /// JSON Lines segments under `DATA_DIR/audit/`, chained and durable.
    File,
    /// The same, and each record also on stdout (for log shippers).
    Stdout,
    /// No audit trail (benchmarks, throwaway `--dev` use).
    Off,
}

/// `serve`'s settings. Every one is also settable in the config file (its
/// long name as the key) and as `STRONGROOM_<NAME>` (see `config.rs`);
/// flags win over the environment, which wins over the file.
#[derive(clap::Args)]
struct ServeArgs {
    /// A TOML file of settings: `listen = "0.0.0.0:4566"`, one key per
    /// flag (its long name), arrays for lists.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "STRONGROOM_LISTEN", default_value = "127.0.0.1:4566")]
    listen: SocketAddr,
    /// Directory for the database and the root key; created if missing.
    #[arg(long, env = "STRONGROOM_DATA_DIR", default_value = "./strongroom-data")]
    data_dir: PathBuf,
    #[command(flatten)]
    root_key: RootKeyArgs,
    /// The 12-digit AWS account id of this server, fixed at first start.
    #[arg(long, env = "STRONGROOM_ACCOUNT_ID", default_value = "000000000000", value_parser = parse_account_id)]
    account_id: String,
    /// Emulator mode for throwaway tests: accept any access key without
    /// checking signatures or their dates.
    #[arg(long)]
    dev: bool,
    /// Seconds between runs of the job that purges secrets whose recovery
    /// window has ended.
    #[arg(long, default_value_t = 60)]
    purge_interval_secs: u64,
    /// Seconds between writes of LastAccessedDate (reads note it in
    /// memory; a crash loses at most this interval's).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=3600))]
    access_flush_interval_secs: u64,
    /// The audit trail: every call, chained and durable before it is
    /// answered (`file`); also streamed to stdout (`stdout`); or none (`off`).
    #[arg(long, env = "STRONGROOM_AUDIT_LOG", value_enum, default_value_t = AuditLogMode::File)]
    audit_log: AuditLogMode,
    /// An audit segment is closed once it reaches this many bytes.
    #[arg(long, env = "STRONGROOM_AUDIT_SEGMENT_BYTES", default_value_t = 64 << 20)]
    audit_segment_bytes: u64,
    /// Keep at most this many audit segments (the oldest are deleted).
    #[arg(long, env = "STRONGROOM_AUDIT_RETENTION_SEGMENTS")]
    audit_retention_segments: Option<usize>,
    /// Delete audit segments last written more than this many days ago.
    #[arg(long, env = "STRONGROOM_AUDIT_RETENTION_DAYS")]
    audit_retention_days: Option<u64>,
    /// The regions served (comma-separated or repeated); a request signed
    /// for any other region is refused at authentication. Default: AWS's
    /// commercial regions.
    #[arg(
        long,
        value_delimiter = ',',
        value_parser = parse_region,
        default_values = strongroom_domain::region::COMMERCIAL_REGIONS.iter().copied()
    )]
    regions: Vec<String>,
    /// Serve HTTPS with this PEM certificate chain (the server's
    /// certificate first); reloaded on SIGHUP.
    #[arg(long, requires = "tls_key", conflicts_with = "tls_self_signed")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of `--tls-cert` (PKCS#8, PKCS#1 or SEC1);
    /// reloaded on SIGHUP.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate made once for this data directory, for
    /// local use; clients trust `DATA_DIR/tls/ca.pem` (`AWS_CA_BUNDLE`,
    /// boto3's `verify=`).
    #[arg(long)]
    tls_self_signed: bool,
    /// Allow plain HTTP on an address other than loopback (refused without
    /// it: signed requests and secret values would cross the network in
    /// clear).
    #[arg(long)]
    allow_plain_http: bool,
    /// Connections served at once. At the limit, the connection idle the
    /// longest is closed to make room; while all are busy, new connections
    /// wait in the listen backlog.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Seconds a new connection has for its TLS handshake and first
    /// request's headers (HTTP/1.1: every request's headers).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout_secs: u64,
    /// Seconds a connection with no request in flight stays open.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_secs: u64,
    /// Seconds a request body may take to arrive (slow-body timeout;
    /// 408 RequestTimeoutException after it).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    body_timeout_secs: u64,
    /// Largest request head (request line and headers), in bytes: HTTP/1.1
    /// read buffer and HTTP/2 header list.
    #[arg(long, default_value_t = 16 << 10, value_parser = clap::value_parser!(u32).range(8192..))]
    max_header_bytes: u32,
    /// Most headers in one HTTP/1.1 request.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    max_headers: u32,
    /// Bytes of request bodies buffered at once over all requests (at least
    /// the largest body, 1 MiB); a request that cannot get its share within
    /// the body timeout gets ThrottlingException.
    #[arg(long, default_value_t = 64 << 20, value_parser = clap::value_parser!(u64).range(1..))]
    max_buffered_body_bytes: u64,
    /// HTTP/2 concurrent streams (requests) per connection.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..))]
    h2_max_streams: u32,
    /// HTTP/2 flow-control window of a stream, in bytes.
    #[arg(long, default_value_t = 256 << 10, value_parser = clap::value_parser!(u32).range(65_535..=2_147_483_647))]
    h2_stream_window_bytes: u32,
    /// HTTP/2 flow-control window of a connection, in bytes.
    #[arg(long, default_value_t = 1 << 20, value_parser = clap::value_parser!(u32).range(65_535..=2_147_483_647))]
    h2_connection_window_bytes: u32,
    /// At most this many versions per secret (at least 101). Versions
    /// younger than 24 hours are never removed, so a secret written faster
    /// than that grows; past this cap a write answers LimitExceededException.
    #[arg(long, default_value_t = strongroom_domain::secret::DEFAULT_VERSION_CAP as u64,
          value_parser = clap::value_parser!(u64).range(101..))]
    max_versions_per_secret: u64,
    /// Bound of the read cache (GetSecretValue and DescribeSecret answers,
    /// encrypted), in MiB; 0 turns it off.
    #[arg(long, default_value_t = strongroom_service::DEFAULT_READ_CACHE_BYTES >> 20)]
    read_cache_mib: u64,
    /// Rotation: an Invoke API endpoint (AWS Lambda, LocalStack) at which
    /// every RotationLambdaARN is invoked, the ARN as FunctionName.
    #[arg(long, value_name = "URL", value_parser = parse_url)]
    lambda_endpoint: Option<String>,
    /// Rotation: `ARN=URL`, the full invoke URL of one function (e.g. the
    /// Lambda Runtime Interface Emulator's); repeatable, wins over
    /// `--lambda-endpoint`.
    #[arg(long, value_name = "ARN=URL", value_parser = lambda::parse_function)]
    rotation_function: Vec<(String, String)>,
    /// Rotation: seconds one invocation of a rotation function may take
    /// (a step that does not answer in time has failed).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=900))]
    rotation_invoke_timeout_secs: u64,
    /// Rotation: seconds before a failed rotation is retried (doubled after
    /// each further failure, at most a day).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    rotation_retry_secs: u64,
    /// Rotation: seconds between looks for due rotations.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    rotation_interval_secs: u64,
    /// Rotation: rotations run at once, over all secrets.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1024))]
    rotation_concurrency: u32,
}

fn parse_url(value: &str) -> Result<String, String> {
    lambda::check_url(value)?;
    Ok(value.to_owned())
}

fn parse_account_id(value: &str) -> Result<String, String> {
    check_account_id(value).map_err(|e| e.to_string())?;
    Ok(value.to_owned())
}

fn parse_region(value: &str) -> Result<String, String> {
    if strongroom_domain::region::is_region_name(value) {
        Ok(value.to_owned())
    } else {
        Err("not a region name (like us-east-1)".to_owned())
    }
}

impl ServeArgs {
    fn listener_limits(&self) -> listener::Limits {
        listener::Limits {
            max_connections: self.max_connections as usize,
            header_timeout: Duration::from_secs(self.header_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_header_bytes: self.max_header_bytes,
            max_headers: self.max_headers as usize,
            h2_max_streams: self.h2_max_streams,
            h2_stream_window: self.h2_stream_window_bytes,
            h2_connection_window: self.h2_connection_window_bytes,
        }
    }

    fn body_limits(&self) -> BodyLimits {
        BodyLimits::new(
            Duration::from_secs(self.body_timeout_secs),
            usize::try_from(self.max_buffered_body_bytes).unwrap_or(usize::MAX),
        )
    }

    fn tls_wanted(&self) -> bool {
        self.tls_cert.is_some() || self.tls_self_signed
    }
}

/// Plain HTTP only on loopback, unless the operator says otherwise.
fn check_plain_http(args: &ServeArgs) -> anyhow::Result<()> {
    if !args.tls_wanted() && !args.listen.ip().is_loopback() && !args.allow_plain_http {
        bail!(
            "refusing to serve plain HTTP on {}, which is not a loopback address: give --tls-cert and --tls-key (or --tls-self-signed), or --allow-plain-http to serve it unencrypted anyway",
            args.listen
        );
    }
    Ok(())
}

/// The TLS acceptor `--tls-*` asks for (`None` for plain HTTP), and SIGHUP
/// reloading of its certificate.
fn tls_setup(
    args: &ServeArgs,
    stdout: &mut std::io::Stdout,
) -> anyhow::Result<Option<Arc<tls::CertResolver>>> {
    let files = if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        tls::CertFiles {
            cert: cert.clone(),
            key: key.clone(),
        }
    } else if args.tls_self_signed {
        let made = tls::self_signed(&args.data_dir.join("tls"), args.listen.ip())
            .context("--tls-self-signed")?;
        if made.created {
            tracing::info!(ca = %made.ca.display(), "created a self-signed TLS certificate");
        }
        // For people and scripts: what to trust, and what it looks like.
        let _ = writeln!(
            stdout,
            "strongroom tls ca {} (AWS_CA_BUNDLE, boto3 verify=)",
            made.ca.display()
        );
        made.files
    } else {
        return Ok(None);
    };
    let resolver = Arc::new(tls::CertResolver::new(files).context("loading the TLS certificate")?);
    let _ = writeln!(
        stdout,
        "strongroom tls certificate sha256 {}",
        resolver.fingerprint()
    );
    Ok(Some(resolver))
}

fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STRONGROOM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A log that cannot be written is dropped: tracing-subscriber would
    // otherwise report it with `eprintln!`, which panics when stderr is a
    // closed pipe (a log shipper that went away) and would take down
    // whatever task was logging, including the shutdown handler.
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .log_internal_errors(false);
    // One JSON object per line for log shippers; text for people.
    if std::env::var("STRONGROOM_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
    let cli = match config::parse::<Cli>(std::env::args_os().collect::<Vec<OsString>>()) {
        Ok(parsed) => {
            if let (Command::Config(ConfigCommand::Check(_)), Some(settings)) =
                (&parsed.cli.command, &parsed.settings)
            {
                // A closed stdout (`| head`) is not worth a panic.
                let _ = write!(std::io::stdout(), "{settings}");
                return Ok(());
            }
            parsed.cli
        }
        Err(config::ConfigError::Cli(e)) => e.exit(),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::Admin(command) => runtime.block_on(run_admin(command)),
        // Answered above, before the runtime.
        Command::Config(ConfigCommand::Check(_)) => Ok(()),
    }
}

fn create_data_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(dir)
            .with_context(|| format!("creating data directory {}", dir.display()))?;
    }
    Ok(())
}

/// The data directory should be private: its files hold only ciphertext,
/// but also metadata and the root key.
fn warn_if_readable_by_others(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(dir)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(data_dir = %dir.display(), mode = format!("{:o}", meta.permissions().mode() & 0o777), "data directory is accessible to other users; chmod 700 it");
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    check_account_id(&args.account_id).context("--account-id")?;
    check_plain_http(&args)?;
    let source = args.root_key.source(&args.data_dir)?;
    create_data_dir(&args.data_dir)?;
    warn_if_readable_by_others(&args.data_dir);
    // The store's lock is the data directory's: taken before the root key
    // is read or created, so a second server on the same directory stops
    // here instead of racing the first one to create the key. The key is
    // checked against the directory before the store is opened (which
    // migrates it): a wrong key changes nothing.
    let db_path = args.data_dir.join(DB_FILE);
    let lock = SqliteStore::lock(&db_path)?;
    let unlocked = rootkey::unlock(&args.data_dir, &source, Create::IfNew)?;
    tracing::info!(source = %source, "root key matches the data directory");
    let sqlite = Arc::new(SqliteStore::open_locked(&db_path, lock)?);
    let store: Arc<dyn Store> = sqlite.clone();
    rootkey::record_check(&*store, &unlocked).await?;
    let root = unlocked.root.clone();
    let account = ensure_account(&store, &args.account_id).await?;
    if account != args.account_id {
        tracing::warn!(recorded = %account, requested = %args.account_id, "data directory belongs to another account id; keeping the recorded one");
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let iam = Arc::new(Iam::new(
        store.clone(),
        root.clone(),
        Arc::new(strongroom_iam::SystemClock),
    ));
    let invoke_timeout = Duration::from_secs(args.rotation_invoke_timeout_secs);
    let lambda = Arc::new(lambda::LambdaClient::new(
        lambda::Targets {
            endpoint: args.lambda_endpoint.clone(),
            functions: args.rotation_function.iter().cloned().collect(),
        },
        invoke_timeout,
    ));
    // Built-in rotators in process, every other function through Lambda.
    let functions = Arc::new(builtin::Functions::new(lambda, invoke_timeout));
    let service = Arc::new(
        Service::new(store, root.clone(), clock.clone())
            .with_version_cap(usize::try_from(args.max_versions_per_secret).unwrap_or(usize::MAX))
            .with_read_cache_bytes(args.read_cache_mib.saturating_mul(1 << 20))
            .with_rotation_functions(functions.clone()),
    );
    functions.attach(&service);

    let mut stdout = std::io::stdout();
    if let Some(key) = iam.bootstrap_account(&account).await? {
        // Shown once: the secret half is stored only encrypted.
        writeln!(stdout, "export AWS_ACCESS_KEY_ID={}", key.access_key_id)?;
        writeln!(
            stdout,
            "export AWS_SECRET_ACCESS_KEY={}",
            key.secret_access_key.as_str()
        )?;
    }
    let dev_admin = if args.dev {
        tracing::warn!(
            "--dev: signatures are NOT checked; unknown access keys act as the account's admin"
        );
        Some(Arc::new(dev_admin(&iam, &account).await?))
    } else {
        None
    };
    let auth = Arc::new(
        Authenticator::new(iam.clone(), dev_admin)
            .with_regions(ServedRegions::new(args.regions.iter().cloned())),
    );
    let trail = open_trail(&args, unlocked.audit_key)?;
    let audit = trail.clone().map(|trail| {
        Arc::new(AuditRecorder::new(
            trail as Arc<dyn AuditSink>,
            FloodLimits::default(),
        ))
    });
    let recorder: Arc<dyn Recorder> = match &audit {
        Some(audit) => Arc::new(Recorders(vec![Arc::new(LogRecorder), audit.clone()])),
        None => Arc::new(LogRecorder),
    };
    let state = Arc::new(AppState {
        service: service.clone(),
        iam: iam.clone(),
        auth,
        clock: clock.clone(),
        recorder,
        trail: trail.clone(),
        calls: TaskTracker::new(),
        bodies: args.body_limits(),
    });
    let calls = state.calls.clone();

    let admin_socket = admin::bind(&args.data_dir);
    let cert = tls_setup(&args, &mut stdout)?;
    let acceptor = match &cert {
        Some(resolver) => Some(tokio_rustls::TlsAcceptor::from(Arc::new(
            tls::server_config(resolver.clone())?,
        ))),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let local = listener.local_addr()?;
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    // For scripts that wait for readiness; a closed stdout is not fatal.
    let _ = writeln!(stdout, "strongroom listening on {scheme}://{local}")
        .and_then(|()| stdout.flush());
    tracing::info!(address = %local, scheme, data_dir = %args.data_dir.display(), "serving");

    let shutdown = CancellationToken::new();
    let tasks = TaskTracker::new();
    tasks.spawn(jobs::purge_loop(
        service.clone(),
        audit.clone(),
        clock.clone(),
        Duration::from_secs(args.purge_interval_secs.max(1)),
        shutdown.clone(),
    ));
    if let Some(audit) = &audit {
        tasks.spawn(jobs::flood_summary_loop(
            audit.clone(),
            clock.clone(),
            FLOOD_FLUSH_INTERVAL,
            shutdown.clone(),
        ));
    }
    tasks.spawn(jobs::rotation_loop(
        Arc::new(rotation::Rotations::new(
            service.clone(),
            functions,
            audit.clone(),
            clock.clone(),
            invoke_timeout,
            Duration::from_secs(args.rotation_retry_secs),
            args.rotation_concurrency as usize,
        )),
        Duration::from_secs(args.rotation_interval_secs),
        shutdown.clone(),
    ));
    tasks.spawn(jobs::access_flush_loop(
        service.clone(),
        Duration::from_secs(args.access_flush_interval_secs),
        shutdown.clone(),
    ));
    tasks.spawn(wait_for_signal(shutdown.clone()));
    if let Some(resolver) = &cert {
        tasks.spawn(tls::reload_on_sighup(resolver.clone(), shutdown.clone()));
    }
    if let Some(socket) = admin_socket {
        tasks.spawn(admin::serve(
            socket,
            iam.clone(),
            account.clone(),
            shutdown.clone(),
        ));
    }
    tasks.close();

    let server = listener::serve(
        listener,
        acceptor,
        router(state),
        args.listener_limits(),
        shutdown.clone(),
    );
    tokio::select! {
        () = server => {}
        _ = async { shutdown.cancelled().await; tokio::time::sleep(DRAIN_DEADLINE).await } => {
            tracing::warn!("in-flight requests did not finish within the drain deadline");
        }
    }
    shutdown.cancel();
    // Calls whose clients went away run on; they commit and record before
    // the store and the trail close.
    calls.close();
    if tokio::time::timeout(DRAIN_DEADLINE, calls.wait())
        .await
        .is_err()
    {
        tracing::warn!("calls did not finish within the drain deadline");
    }
    tasks.wait().await;
    // The LastAccessedDate of reads since the last flush.
    if let Err(e) = service.flush_accesses().await {
        tracing::error!(error = %e, "could not record LastAccessedDate at shutdown");
    }
    drop(service);
    sqlite.close();
    if let Some(trail) = trail {
        // Commits what is queued and syncs the chain head.
        trail.close();
    }
    tracing::info!("stopped");
    Ok(())
}

/// How often ended flood windows are summarised in the audit trail.
const FLOOD_FLUSH_INTERVAL: Duration = Duration::from_secs(10);

/// Opens the audit trail as `--audit-log` asks (`None` for `off`).
fn open_trail(args: &ServeArgs, key: AuditKey) -> anyhow::Result<Option<Arc<Trail>>> {
    let mode = match args.audit_log {
        AuditLogMode::Off => {
            tracing::warn!(
                "--audit-log off: calls are NOT recorded in an audit trail, and LookupEvents has nothing to answer"
            );
            return Ok(None);
        }
        AuditLogMode::File => AuditMode::File,
        AuditLogMode::Stdout => AuditMode::Stdout,
    };
    let options = TrailOptions {
        mode,
        audit: AuditOptions {
            segment_size: args.audit_segment_bytes.max(1),
            retention: Retention {
                max_segments: args.audit_retention_segments.map(|n| n.max(1)),
                max_age: args
                    .audit_retention_days
                    .map(|d| Duration::from_secs(d.saturating_mul(86_400))),
            },
            sync: true,
        },
        tap_batches: None,
    };
    let trail = Trail::open(
        &args.data_dir.join(AUDIT_DIR),
        &args.data_dir.join(AUDIT_INDEX),
        key,
        options,
    )
    .context(
        "opening the audit trail (DATA_DIR/audit); if `strongroom admin audit verify` finds its newest records cut off, `strongroom admin audit reanchor` accepts the cut once it is recorded",
    )?;
    Ok(Some(Arc::new(trail)))
}

/// The audit trail's segments, under the data directory.
const AUDIT_DIR: &str = "audit";
/// The LookupEvents index (derived from the segments; rebuilt if deleted).
const AUDIT_INDEX: &str = "audit-index.db";

/// The audit chain's key, through the data directory's root key (checked).
/// Reads only: safe beside a running server.
fn audit_key(data_dir: &Path, root_key: &RootKeyArgs) -> anyhow::Result<AuditKey> {
    if !data_dir.join(DB_FILE).is_file() {
        bail!(
            "{} is not a Strongroom data directory (no {DB_FILE})",
            data_dir.display()
        );
    }
    let source = root_key.source(data_dir)?;
    Ok(rootkey::unlock(data_dir, &source, Create::Never)?.audit_key)
}

/// `strongroom admin audit reanchor`: see [`AuditCommand::Reanchor`].
fn reanchor_audit(data_dir: &Path, yes: bool, root_key: &RootKeyArgs) -> anyhow::Result<()> {
    let key = audit_key(data_dir, root_key)?;
    let dir = data_dir.join(AUDIT_DIR);
    match strongroom_audit::verify(&dir, &key) {
        Ok(_) => {
            println!("audit trail intact; nothing to re-anchor");
            return Ok(());
        }
        Err(tamper) => println!("audit trail NOT intact: {tamper}"),
    }
    if !yes {
        bail!("record the finding above, then run again with --yes to accept the chain as it is");
    }
    let anchored = AuditLog::reanchor(&dir, key, AuditOptions::default())
        .context("re-anchoring the audit trail (is the server stopped?)")?;
    println!(
        "audit HEAD re-anchored at record {}; the chain continues from there",
        anchored.map_or(0, |s| s.0)
    );
    Ok(())
}

/// `strongroom admin audit verify`: prints what was checked, or the first
/// problem; an error (exit 1) when the chain is not intact.
fn verify_audit(data_dir: &Path, root_key: &RootKeyArgs) -> anyhow::Result<()> {
    let key = audit_key(data_dir, root_key)?;
    let dir = data_dir.join(AUDIT_DIR);
    match strongroom_audit::verify(&dir, &key) {
        Ok(report) => {
            let seq = |s: Option<strongroom_audit::Sequence>| s.map_or(0, |s| s.0);
            println!(
                "audit trail intact: {} records (seq {}..={}) in {} segments{}",
                report.records,
                seq(report.first_seq),
                seq(report.last_seq),
                report.segments,
                if report.starts_at_retention_boundary {
                    "; older segments were removed by retention"
                } else {
                    ""
                }
            );
            Ok(())
        }
        Err(tamper) => {
            println!("audit trail NOT intact: {tamper}");
            std::process::exit(1);
        }
    }
}

/// Who an unknown access key acts as in `--dev` mode: the account's
/// `admin` user, with AdministratorAccess.
async fn dev_admin(iam: &Iam, account: &str) -> anyhow::Result<Principal> {
    let admin = iam
        .get_user(
            account,
            strongroom_iam::GetUserInput {
                user_name: strongroom_domain::iam::ADMIN_USER_NAME.to_owned(),
            },
        )
        .await?;
    let policy = strongroom_policy::Policy::parse(
        strongroom_domain::iam::ADMINISTRATOR_ACCESS.document,
        PolicyKind::Identity,
    )?;
    Ok(Principal {
        account: account.to_owned(),
        arn: admin.arn,
        kind: PrincipalKind::User,
        id: admin.user_id,
        user_name: Some(admin.user_name),
        tags: Vec::new(),
        access_key_id: "dev".to_owned(),
        session: None,
        policies: vec![Arc::new(policy)],
        session_policy: None,
        condition_keys: Default::default(),
        token_issued: None,
    })
}

/// `strongroom admin …`: runs the command on the data directory itself, or,
/// when a server has it open, through that server's admin socket.
async fn run_admin(command: AdminCommand) -> anyhow::Result<()> {
    let (data_dir, root_key, request) = match command {
        AdminCommand::Audit(AuditCommand::Verify { data_dir, root_key }) => {
            return verify_audit(&data_dir, &root_key);
        }
        AdminCommand::Audit(AuditCommand::Reanchor {
            data_dir,
            yes,
            root_key,
        }) => {
            return reanchor_audit(&data_dir, yes, &root_key);
        }
        AdminCommand::RotateRootKey {
            data_dir,
            root_key,
            new_root_key,
        } => return rotate::rotate(&data_dir, &root_key, &new_root_key).await,
        AdminCommand::CreateAccount {
            account_id,
            data_dir,
            root_key,
        } => {
            check_account_id(&account_id)?;
            (
                data_dir,
                root_key,
                admin::AdminRequest::CreateAccount {
                    account: account_id,
                },
            )
        }
        AdminCommand::CreateAccessKey {
            user,
            account,
            data_dir,
            root_key,
        } => (
            data_dir,
            root_key,
            admin::AdminRequest::CreateAccessKey { account, user },
        ),
    };
    let db_path = data_dir.join(DB_FILE);
    if !db_path.is_file() {
        bail!(
            "{} is not a Strongroom data directory (no {DB_FILE}); start a server on it first",
            data_dir.display()
        );
    }
    let lock = match SqliteStore::lock(&db_path) {
        Ok(lock) => lock,
        // A server has the store open: it runs the command for us.
        Err(_) if admin::socket_path(&data_dir).exists() => {
            return admin::print_key(&admin::send(&data_dir, &request).await?);
        }
        Err(e) => return Err(e.into()),
    };
    let source = root_key.source(&data_dir)?;
    let unlocked = rootkey::unlock(&data_dir, &source, Create::Never)?;
    let sqlite = Arc::new(SqliteStore::open_locked(&db_path, lock)?);
    let store: Arc<dyn Store> = sqlite.clone();
    rootkey::record_check(&*store, &unlocked).await?;
    let root = unlocked.root;
    let Some(account) = store.read(|tx| tx.meta("account_id"))? else {
        bail!(
            "{} has no account yet; start a server on it first",
            data_dir.display()
        );
    };
    let iam = Iam::new(store, root, Arc::new(strongroom_iam::SystemClock));
    let response =
        admin::AdminResponse::from_result(admin::execute(&iam, &account, &request).await);
    drop(iam);
    sqlite.close();
    admin::print_key(&response)
}

fn check_account_id(account_id: &str) -> anyhow::Result<()> {
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        bail!("an account id must be 12 digits, got {account_id:?}");
    }
    Ok(())
}

async fn wait_for_signal(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
        _ = shutdown.cancelled() => return,
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
    shutdown.cancel();
}
