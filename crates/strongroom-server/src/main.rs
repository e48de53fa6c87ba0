//! `strongroom`: the server binary. Parses the command line, opens the data
//! directory (root key, database), wires the layers together, serves HTTP and
//! runs the background purge job until SIGTERM/SIGINT.

mod jobs;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use strongroom_api::{AppState, Authenticator, Credential, LogRecorder, router};
use strongroom_service::{Clock, Principal, PrincipalKind, Service, SystemClock, ensure_account};
use strongroom_store::Store;
use strongroom_store::sqlite::SqliteStore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Every request allocates a few dozen small buffers; mimalloc's thread-local
/// free lists make that measurably cheaper than glibc malloc here.
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
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "STRONGROOM_LISTEN", default_value = "127.0.0.1:4566")]
    listen: SocketAddr,
    /// Directory for the database and the root key; created if missing.
    #[arg(long, env = "STRONGROOM_DATA_DIR", default_value = "./strongroom-data")]
    data_dir: PathBuf,
    /// The 12-digit AWS account id of this server, fixed at first start.
    #[arg(long, env = "STRONGROOM_ACCOUNT_ID", default_value = "000000000000")]
    account_id: String,
    /// Emulator mode for throwaway tests: accept any access key without
    /// checking signatures or their dates.
    #[arg(long)]
    dev: bool,
    /// Seconds between runs of the job that purges secrets whose recovery
    /// window has ended.
    #[arg(long, default_value_t = 60)]
    purge_interval_secs: u64,
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
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
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
    if args.account_id.len() != 12 || !args.account_id.bytes().all(|b| b.is_ascii_digit()) {
        bail!("--account-id must be 12 digits, got {:?}", args.account_id);
    }
    create_data_dir(&args.data_dir)?;
    warn_if_readable_by_others(&args.data_dir);
    let (root, created) =
        strongroom_crypto::load_or_create_root_key(&args.data_dir.join("root.key"))?;
    if created {
        tracing::info!(path = %args.data_dir.join("root.key").display(), "created root key");
    }
    let sqlite = Arc::new(SqliteStore::open(&args.data_dir.join("strongroom.db"))?);
    let store: Arc<dyn Store> = sqlite.clone();
    let account = ensure_account(&store, &args.account_id).await?;
    if account != args.account_id {
        tracing::warn!(recorded = %account, requested = %args.account_id, "data directory belongs to another account id; keeping the recorded one");
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let service = Arc::new(Service::new(store, root, account.clone(), clock.clone()));

    let mut stdout = std::io::stdout();
    if let Some(key) = service.ensure_admin_key().await? {
        // Shown once: the secret half is stored only encrypted.
        writeln!(stdout, "export AWS_ACCESS_KEY_ID={}", key.access_key_id)?;
        writeln!(
            stdout,
            "export AWS_SECRET_ACCESS_KEY={}",
            key.secret_access_key.as_str()
        )?;
    }
    let keys: HashMap<String, Credential> = service
        .access_keys()?
        .into_iter()
        .map(|k| {
            let principal = Arc::new(admin_principal(&k.account, &k.access_key_id));
            (
                k.access_key_id,
                Credential {
                    principal,
                    secret_access_key: k.secret_access_key,
                },
            )
        })
        .collect();
    if args.dev {
        tracing::warn!("--dev: signatures are NOT checked; any access key is accepted");
    }
    let dev_principal = Arc::new(admin_principal(&account, "dev"));
    let auth = Arc::new(Authenticator::new(keys, args.dev, dev_principal));
    let state = Arc::new(AppState {
        service: service.clone(),
        auth,
        clock,
        recorder: Arc::new(LogRecorder),
    });

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let local = listener.local_addr()?;
    // For scripts that wait for readiness; a closed stdout is not fatal.
    let _ =
        writeln!(stdout, "strongroom listening on http://{local}").and_then(|()| stdout.flush());
    tracing::info!(address = %local, data_dir = %args.data_dir.display(), "serving");

    let shutdown = CancellationToken::new();
    let tasks = TaskTracker::new();
    tasks.spawn(jobs::purge_loop(
        service.clone(),
        Duration::from_secs(args.purge_interval_secs.max(1)),
        shutdown.clone(),
    ));
    tasks.spawn(wait_for_signal(shutdown.clone()));
    tasks.close();

    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let server =
        axum::serve(listener, app).with_graceful_shutdown(shutdown.clone().cancelled_owned());
    tokio::select! {
        result = server => result.context("serving HTTP")?,
        _ = async { shutdown.cancelled().await; tokio::time::sleep(DRAIN_DEADLINE).await } => {
            tracing::warn!("in-flight requests did not finish within the drain deadline");
        }
    }
    shutdown.cancel();
    tasks.wait().await;
    drop(service);
    sqlite.close();
    tracing::info!("stopped");
    Ok(())
}

/// The account's administrator (every key is one until IAM users exist).
fn admin_principal(account: &str, access_key_id: &str) -> Principal {
    Principal {
        account: account.to_owned(),
        arn: format!("arn:aws:iam::{account}:user/admin"),
        kind: PrincipalKind::User,
        id: format!("{account}-admin"),
        user_name: Some("admin".to_owned()),
        tags: Vec::new(),
        access_key_id: access_key_id.to_owned(),
        session: None,
    }
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
