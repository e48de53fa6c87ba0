//! `strongroom admin …`: operator commands on a data directory, for when
//! no access key is at hand (a new account, a lost key).
//!
//! Only one process can open the store (it holds `strongroom.lock`), so a
//! command first tries to open the data directory itself; if a server has
//! it open, the command is sent to that server over the Unix socket
//! `DATA_DIR/admin/admin.sock`, and the server runs it — so it takes effect
//! in the running server at once. The socket sits in its own 0700 directory
//! (so it is never reachable by others, whatever the umask or the data
//! directory's mode), and the server answers only peers running as the
//! data directory's owner: whoever can use it can already read `root.key`.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use strongroom_iam::{Iam, IamError, NewAccessKey};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;

/// The socket's private directory inside the data directory, and its name.
const SOCKET_DIR: &str = "admin";
const SOCKET_NAME: &str = "admin.sock";

/// One operator command.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
pub enum AdminRequest {
    /// A new account with its `admin` user and that user's first key.
    CreateAccount { account: String },
    /// A new access key for an existing user; `account` defaults to the
    /// data directory's first account.
    CreateAccessKey {
        account: Option<String>,
        user: String,
    },
}

/// The answer: a new key, or why there is none.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminResponse {
    Key {
        access_key_id: String,
        secret_access_key: String,
    },
    Error {
        message: String,
    },
}

impl AdminResponse {
    pub fn from_result(result: Result<NewAccessKey, IamError>) -> AdminResponse {
        match result {
            Ok(key) => AdminResponse::Key {
                access_key_id: key.access_key_id,
                secret_access_key: key.secret_access_key.as_str().to_owned(),
            },
            Err(e) => AdminResponse::Error {
                message: format!("{}: {e}", e.code()),
            },
        }
    }
}

impl Drop for AdminResponse {
    fn drop(&mut self) {
        if let AdminResponse::Key {
            secret_access_key, ..
        } = self
        {
            zeroize::Zeroize::zeroize(secret_access_key);
        }
    }
}

/// Runs a command against the IAM use cases; `default_account` is the
/// data directory's first account.
pub async fn execute(
    iam: &Iam,
    default_account: &str,
    request: &AdminRequest,
) -> Result<NewAccessKey, IamError> {
    match request {
        AdminRequest::CreateAccount { account } => iam.create_account(account).await,
        AdminRequest::CreateAccessKey { account, user } => {
            let account = account.as_deref().unwrap_or(default_account);
            iam.create_access_key_for(account, user).await
        }
    }
}

pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_DIR).join(SOCKET_NAME)
}

/// Creates (or tightens) the socket's directory: mode 0700, ours.
fn private_dir(data_dir: &Path) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let dir = data_dir.join(SOCKET_DIR);
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Only a real directory (not a symlink to somewhere else) is
            // tightened and used.
            if !std::fs::symlink_metadata(&dir)?.file_type().is_dir() {
                return Err(std::io::Error::other(format!(
                    "{} exists and is not a directory",
                    dir.display()
                )));
            }
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Err(e) => return Err(e),
    }
    Ok(dir)
}

/// The uid that owns `path`.
fn owner_of(path: &Path) -> std::io::Result<u32> {
    use std::os::unix::fs::MetadataExt;
    Ok(std::fs::metadata(path)?.uid())
}

/// Serves admin commands on `DATA_DIR/admin.sock` until `shutdown`.
/// The bound admin socket and who may use it.
pub struct AdminSocket {
    listener: tokio::net::UnixListener,
    path: PathBuf,
    /// The data directory's owner and the user the server runs as.
    allowed: (u32, u32),
}

/// Binds `DATA_DIR/admin/admin.sock` (before the server announces itself,
/// so `strongroom admin` can reach it as soon as the server is up). `None`,
/// with a warning, when it cannot be made.
pub fn bind(data_dir: &Path) -> Option<AdminSocket> {
    let path = socket_path(data_dir);
    let bound = private_dir(data_dir).and_then(|_| {
        // A socket left by a server that was killed; we hold the store
        // lock, so no live server owns it.
        let _ = std::fs::remove_file(&path);
        bind_private(&path)
    });
    // Who may run admin commands: the data directory's owner, and the user
    // this server runs as (the owner of the socket it just created).
    let owners = owner_of(data_dir).and_then(|dir| Ok((dir, owner_of(&path)?)));
    match (bound, owners) {
        (Ok(listener), Ok(allowed)) => Some(AdminSocket {
            listener,
            path,
            allowed,
        }),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(path = %path.display(), error = %e, "admin socket unavailable; `strongroom admin` will not reach this server");
            None
        }
    }
}

/// Serves admin commands on `socket` until `shutdown`.
pub async fn serve(
    socket: AdminSocket,
    iam: Arc<Iam>,
    default_account: String,
    shutdown: CancellationToken,
) {
    let AdminSocket {
        listener,
        path,
        allowed: (dir_owner, server_user),
    } = socket;
    loop {
        let stream = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "admin socket accept failed");
                    continue;
                }
            },
        };
        // Only the data directory's owner may run admin commands.
        match stream.peer_cred() {
            Ok(cred) if cred.uid() == dir_owner || cred.uid() == server_user => {}
            Ok(cred) => {
                tracing::warn!(
                    uid = cred.uid(),
                    "admin socket: refused a peer that does not own the data directory"
                );
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "admin socket: could not identify the peer");
                continue;
            }
        }
        let (iam, account) = (iam.clone(), default_account.clone());
        tokio::spawn(async move {
            if let Err(e) = answer(stream, &iam, &account).await {
                tracing::warn!(error = %e, "admin command failed");
            }
        });
    }
    let _ = std::fs::remove_file(&path);
}

/// Binds the socket and makes it 0600 (its 0700 directory already keeps
/// others out while it is being created).
fn bind_private(path: &Path) -> std::io::Result<tokio::net::UnixListener> {
    let listener = tokio::net::UnixListener::bind(path)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// Longest request line accepted on the socket.
const MAX_REQUEST_BYTES: u64 = 4096;

async fn answer(
    stream: tokio::net::UnixStream,
    iam: &Iam,
    default_account: &str,
) -> anyhow::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(tokio::io::AsyncReadExt::take(read, MAX_REQUEST_BYTES))
        .read_line(&mut line)
        .await?;
    let response = match serde_json::from_str::<AdminRequest>(&line) {
        Ok(request) => {
            tracing::info!(?request, "admin command");
            AdminResponse::from_result(execute(iam, default_account, &request).await)
        }
        Err(_) => AdminResponse::Error {
            message: "malformed admin request".to_owned(),
        },
    };
    let mut out = serde_json::to_vec(&response)?;
    out.push(b'\n');
    write.write_all(&out).await?;
    zeroize::Zeroize::zeroize(&mut out);
    Ok(())
}

/// Sends `request` to the server that has `data_dir` open.
pub async fn send(data_dir: &Path, request: &AdminRequest) -> anyhow::Result<AdminResponse> {
    let path = socket_path(data_dir);
    let stream = tokio::net::UnixStream::connect(&path)
        .await
        .with_context(|| {
            format!(
                "the data directory is in use by a server, but its admin socket {} does not answer",
                path.display()
            )
        })?;
    let (read, mut write) = stream.into_split();
    let mut line = serde_json::to_vec(request)?;
    line.push(b'\n');
    write.write_all(&line).await?;
    write.shutdown().await?;
    let mut answer = String::new();
    BufReader::new(read).read_line(&mut answer).await?;
    let response = serde_json::from_str(&answer).context("unreadable answer from the server")?;
    zeroize::Zeroize::zeroize(&mut answer);
    Ok(response)
}

/// Prints a new key as the two `export` lines a shell can paste.
pub fn print_key(response: &AdminResponse) -> anyhow::Result<()> {
    match response {
        AdminResponse::Key {
            access_key_id,
            secret_access_key,
        } => {
            println!("export AWS_ACCESS_KEY_ID={access_key_id}");
            println!("export AWS_SECRET_ACCESS_KEY={secret_access_key}");
            Ok(())
        }
        AdminResponse::Error { message } => bail!("{message}"),
    }
}
