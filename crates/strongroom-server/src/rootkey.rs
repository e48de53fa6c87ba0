//! The root key at start-up: from its one source (`--root-key-*`), checked
//! against the data directory before anything is written.
//!
//! The data directory records a key check in `meta` (`root_key_check`,
//! HMAC-SHA-256 of a fixed label under the root key). A key that does not
//! give it is refused before the schema is migrated, the audit trail opened
//! or any job started; nothing in the directory changes. A directory from
//! before the check is verified by opening one of its sealed values, then
//! the check is recorded. A rotation (`rotate.rs`) stages the next key file
//! (`root.key.new`) or kdf file (`root.kdf.new`) before its transaction
//! commits; start-up finishes one whose commit happened (the staged file
//! gives the check: renamed into place) and removes one whose did not (the
//! current file still gives it).

use anyhow::{Context, bail};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use strongroom_audit::AuditKey;
use strongroom_crypto::{
    CryptoError, KDF_FILE, ROOT_KEY_FILE, RootKey, RootKeyOptions, RootKeySource, open,
};
use strongroom_domain::sealing::meta_seal_context;
use strongroom_store::Store;
use strongroom_store::sqlite::rewrap::{Peek, from_hex, peek};

/// The `meta` key of the root key check.
pub const CHECK_META: &str = "root_key_check";
/// The `meta` key of the audit chain key, sealed under the root key (set
/// by the first rotation; before it the chain key is derived from the root
/// key).
pub const AUDIT_KEY_META: &str = "sealed.audit_chain_key";
/// The database's file name in the data directory.
pub const DB_FILE: &str = "strongroom.db";

/// Where the root key comes from; one at most (default: the key file
/// `DATA_DIR/root.key`, created on first start).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RootKeyArgs {
    /// The root key file: 32 bytes, mode 0600 [default: DATA_DIR/root.key,
    /// created on first start].
    #[arg(long, env = "STRONGROOM_ROOT_KEY_FILE", value_name = "PATH")]
    pub root_key_file: Option<PathBuf>,
    /// Take the root key from this environment variable (its name, not the
    /// key), which holds the 32-byte key in base64.
    #[arg(long, env = "STRONGROOM_ROOT_KEY_ENV", value_name = "NAME")]
    pub root_key_env: Option<String>,
    /// Derive the root key from the passphrase in this environment variable
    /// (Argon2id; salt and costs in DATA_DIR/root.kdf, made on first start).
    #[arg(long, env = "STRONGROOM_ROOT_KEY_PASSPHRASE_ENV", value_name = "NAME")]
    pub root_key_passphrase_env: Option<String>,
    /// Derive the root key from the passphrase in this file (mode 0600; one
    /// trailing line break is ignored).
    #[arg(long, env = "STRONGROOM_ROOT_KEY_PASSPHRASE_FILE", value_name = "PATH")]
    pub root_key_passphrase_file: Option<PathBuf>,
}

impl RootKeyArgs {
    pub fn source(&self, data_dir: &Path) -> Result<RootKeySource, CryptoError> {
        RootKeySource::from_options(
            &RootKeyOptions {
                file: self.root_key_file.clone(),
                env: self.root_key_env.clone(),
                passphrase_env: self.root_key_passphrase_env.clone(),
                passphrase_file: self.root_key_passphrase_file.clone(),
            },
            data_dir,
            "root-key-",
        )
    }
}

/// Whether a missing key file (or kdf file) may be created: only by `serve`
/// on a data directory that holds nothing sealed yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    IfNew,
    Never,
}

/// The data directory's root key, checked.
pub struct Unlocked {
    pub root: RootKey,
    /// The chain key of the audit trail.
    pub audit_key: AuditKey,
    /// No check is recorded yet: [`record_check`] must write it.
    pub check_missing: bool,
}

/// `path` with `.new` appended: a rotation's staged file.
pub fn staged(path: &Path) -> PathBuf {
    let mut name: OsString = path.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// The file a source keeps in the data directory (key file or kdf file);
/// `None` for a key in an environment variable.
fn source_file(source: &RootKeySource) -> Option<&Path> {
    match source {
        RootKeySource::File(path) => Some(path),
        RootKeySource::Passphrase { kdf_file, .. } => Some(kdf_file),
        RootKeySource::Env(_) => None,
    }
}

/// The key `source` gives with its staged file instead of its own.
fn load_staged(source: &RootKeySource, staged_file: &Path) -> Result<RootKey, CryptoError> {
    match source {
        RootKeySource::File(_) => strongroom_crypto::load_root_key(staged_file),
        _ => source.load_with_kdf(staged_file),
    }
}

fn not_found(e: &CryptoError) -> bool {
    matches!(e, CryptoError::RootKeyIo { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
}

/// Loads the root key from `source` and checks it against the data
/// directory `data_dir`, whose store lock the caller holds (or, for reads
/// beside a running server, does not need). Writes nothing unless the key
/// matches, except creating the key or kdf file of a new data directory
/// (`Create::IfNew`).
pub fn unlock(data_dir: &Path, source: &RootKeySource, create: Create) -> anyhow::Result<Unlocked> {
    let peeked = peek(&data_dir.join(DB_FILE), &[CHECK_META, AUDIT_KEY_META])
        .context("reading the data directory's root key check")?;
    let holds_sealed = peeked
        .as_ref()
        .is_some_and(|p| p.meta.contains_key(CHECK_META) || p.sample.is_some());
    let peeked = peeked.unwrap_or_default();
    let own_file = source_file(source);
    let staged_file = own_file.map(staged).filter(|p| p.exists());

    // The source's own key, creating its file on a new data directory.
    let primary = match source.load() {
        Err(e) if not_found(&e) && own_file.is_some_and(|f| !f.exists()) => {
            if staged_file.is_some() || holds_sealed || create == Create::Never {
                Err(e)
            } else {
                create_source_file(source)?;
                Ok(source.load()?)
            }
        }
        other => other,
    };

    let matches = |key: &RootKey| match (peeked.meta.get(CHECK_META), &peeked.sample) {
        (Some(check), _) => key.matches_check(check),
        (None, Some(sample)) => open(&key.0, &sample.aad, &sample.sealed).is_ok(),
        (None, None) => true,
    };
    let root = match primary {
        Ok(key) if matches(&key) => {
            if let Some(leftover) = &staged_file {
                // Staged by a rotation that never committed: not a key of
                // this data directory.
                std::fs::remove_file(leftover)
                    .with_context(|| format!("removing {}", leftover.display()))?;
                strongroom_crypto::sync_parent(leftover);
                tracing::warn!(file = %leftover.display(), "removed the staged file of a root key rotation that did not complete");
            }
            key
        }
        primary => {
            let finished = match (&staged_file, own_file) {
                (Some(staged_file), Some(own)) if peeked.meta.contains_key(CHECK_META) => {
                    finish_rotation(source, staged_file, own, &matches)?
                }
                _ => None,
            };
            match (finished, primary) {
                (Some(key), _) => key,
                (None, Err(e)) if !not_found(&e) || !holds_sealed => return Err(e.into()),
                (None, Err(e)) => bail!(
                    "{e}: this data directory's values are sealed under a root key, and no key is created for it; give the source of its key (--root-key-file, --root-key-env, --root-key-passphrase-env or --root-key-passphrase-file)"
                ),
                (None, Ok(_)) => bail!("{}", mismatch_message(data_dir, source, &peeked)),
            }
        }
    };
    let audit_key = audit_key(&root, peeked.meta.get(AUDIT_KEY_META))?;
    if let RootKeySource::Env(_) | RootKeySource::Passphrase { .. } = source {
        warn_of_stale_key_file(data_dir, source);
    }
    Ok(Unlocked {
        root,
        audit_key,
        check_missing: !peeked.meta.contains_key(CHECK_META),
    })
}

/// A rotation committed but did not rename its staged file into place if
/// the staged file gives the recorded check: renames it now.
fn finish_rotation(
    source: &RootKeySource,
    staged_file: &Path,
    own: &Path,
    matches: &dyn Fn(&RootKey) -> bool,
) -> anyhow::Result<Option<RootKey>> {
    let Ok(key) = load_staged(source, staged_file) else {
        return Ok(None);
    };
    if !matches(&key) {
        return Ok(None);
    }
    std::fs::rename(staged_file, own).with_context(|| {
        format!(
            "finishing a root key rotation: renaming {} to {}",
            staged_file.display(),
            own.display()
        )
    })?;
    strongroom_crypto::sync_parent(own);
    tracing::warn!(file = %own.display(), "finished an interrupted root key rotation: the new key's file is in place");
    Ok(Some(key))
}

fn create_source_file(source: &RootKeySource) -> anyhow::Result<()> {
    match source {
        RootKeySource::File(path) => {
            let (_, created) = strongroom_crypto::load_or_create_root_key(path)?;
            if created {
                tracing::info!(path = %path.display(), "created root key");
            }
        }
        RootKeySource::Passphrase { kdf_file, .. } => {
            if strongroom_crypto::create_kdf_file(kdf_file)? {
                tracing::info!(path = %kdf_file.display(), "created the passphrase's Argon2id parameters");
            }
        }
        RootKeySource::Env(_) => {}
    }
    Ok(())
}

/// The refusal: which source, which directory, that nothing changed, and a
/// staged rotation file if one is waiting for its key.
fn mismatch_message(data_dir: &Path, source: &RootKeySource, peeked: &Peek) -> String {
    let mut message = format!(
        "the root key from {source} does not match this data directory ({}); refusing to use it, nothing was changed",
        data_dir.display()
    );
    if let RootKeySource::Passphrase { .. } = source {
        message.push_str(" (a wrong passphrase?)");
    }
    if !peeked.meta.contains_key(CHECK_META) {
        message.push_str(" (a sealed value did not open under it)");
    }
    for file in [ROOT_KEY_FILE, KDF_FILE] {
        let waiting = staged(&data_dir.join(file));
        if waiting.exists() && source_file(source) != Some(&data_dir.join(file)) {
            message.push_str(&format!(
                "; {} is left by a root key rotation: start with the new key's source to finish it",
                waiting.display()
            ));
        }
    }
    message.push_str(
        "; give the source of this data directory's key (--root-key-file, --root-key-env, --root-key-passphrase-env or --root-key-passphrase-file)",
    );
    message
}

/// The audit chain key: sealed in `meta` after a rotation, else derived
/// from the root key as it always was.
pub fn audit_key(root: &RootKey, sealed_hex: Option<&String>) -> anyhow::Result<AuditKey> {
    let Some(hex) = sealed_hex else {
        return Ok(AuditKey::derive(root.0.as_bytes()));
    };
    let sealed = from_hex(hex).context("the sealed audit chain key in meta is not hex")?;
    let bytes = open(&root.0, &meta_seal_context(AUDIT_KEY_META), &sealed)
        .context("the sealed audit chain key does not open under the root key")?;
    let bytes: &[u8; 32] = bytes[..]
        .try_into()
        .context("the sealed audit chain key is not 32 bytes")?;
    Ok(AuditKey::from_bytes(bytes))
}

/// Records the key check of a data directory that has none yet (new, or
/// from before checks), once its store is open.
pub async fn record_check(store: &dyn Store, unlocked: &Unlocked) -> anyhow::Result<()> {
    if !unlocked.check_missing {
        return Ok(());
    }
    let check = unlocked.root.check_value();
    store
        .write(move |tx| tx.set_meta(CHECK_META, &check))
        .await
        .context("recording the root key check")?;
    tracing::info!("recorded the root key check of this data directory");
    Ok(())
}

/// With the key from elsewhere, a key file in the data directory is an old
/// one (a rotation away from the file that stopped before removing it).
fn warn_of_stale_key_file(data_dir: &Path, source: &RootKeySource) {
    let file = data_dir.join(ROOT_KEY_FILE);
    if file.exists() {
        tracing::warn!(
            file = %file.display(),
            source = %source,
            "the data directory holds a root key file, but the key comes from another source: the file holds an old key; remove it"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use strongroom_crypto::{PassphraseFrom, create_new_key_file};
    use strongroom_store::sqlite::SqliteStore;

    /// A data directory whose store records `check` (no sealed values).
    async fn dir_with_check(check: Option<String>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let sqlite = Arc::new(SqliteStore::open(&dir.path().join(DB_FILE)).expect("open"));
        let store: Arc<dyn Store> = sqlite.clone();
        if let Some(check) = check {
            store
                .write(move |tx| tx.set_meta(CHECK_META, &check))
                .await
                .expect("write");
        }
        sqlite.close();
        dir
    }

    async fn set_check(dir: &Path, key: &RootKey) {
        let sqlite = Arc::new(SqliteStore::open(&dir.join(DB_FILE)).expect("open"));
        let store: Arc<dyn Store> = sqlite.clone();
        let check = key.check_value();
        store
            .write(move |tx| tx.set_meta(CHECK_META, &check))
            .await
            .expect("write");
        sqlite.close();
    }

    fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(dir)
            .expect("read_dir")
            .map(|e| {
                let e = e.expect("entry");
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).expect("read"),
                )
            })
            .collect()
    }

    fn file_source(dir: &Path) -> RootKeySource {
        RootKeySource::File(dir.join(ROOT_KEY_FILE))
    }

    #[test]
    fn a_key_file_is_created_only_for_a_new_data_dir_when_allowed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = file_source(dir.path());
        assert!(unlock(dir.path(), &source, Create::Never).is_err());
        assert!(!dir.path().join(ROOT_KEY_FILE).exists());
        let unlocked = unlock(dir.path(), &source, Create::IfNew).expect("created");
        assert!(unlocked.check_missing);
        let on_disk = strongroom_crypto::load_root_key(&dir.path().join(ROOT_KEY_FILE))
            .expect("the key file");
        assert_eq!(on_disk.0.as_bytes(), unlocked.root.0.as_bytes());
    }

    #[tokio::test]
    async fn a_passphrase_source_writes_its_parameters_and_no_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pass = dir.path().join("pass");
        std::fs::write(&pass, "a passphrase").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        let source = RootKeySource::Passphrase {
            from: PassphraseFrom::File(pass),
            kdf_file: dir.path().join(KDF_FILE),
        };
        let first = unlock(dir.path(), &source, Create::IfNew).expect("unlocked");
        assert!(dir.path().join(KDF_FILE).exists());
        assert!(!dir.path().join(ROOT_KEY_FILE).exists());
        let again = unlock(dir.path(), &source, Create::IfNew).expect("unlocked");
        assert_eq!(first.root.0.as_bytes(), again.root.0.as_bytes());
    }

    #[tokio::test]
    async fn a_wrong_key_changes_nothing() {
        let dir = dir_with_check(None).await;
        let right = create_new_key_file(&dir.path().join("right.key")).expect("key");
        set_check(dir.path(), &right).await;
        create_new_key_file(&dir.path().join(ROOT_KEY_FILE)).expect("another key");
        let before = snapshot(dir.path());
        let err = unlock(dir.path(), &file_source(dir.path()), Create::IfNew)
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains("does not match this data directory"), "{err}");
        assert!(err.contains("the key file"), "{err}");
        assert_eq!(snapshot(dir.path()), before);
    }

    #[tokio::test]
    async fn a_staged_key_is_discarded_before_its_commit_and_finished_after() {
        let dir = dir_with_check(None).await;
        let key_file = dir.path().join(ROOT_KEY_FILE);
        let old = create_new_key_file(&key_file).expect("key");
        set_check(dir.path(), &old).await;
        // Crashed before the commit: the check is the old key's.
        let new = create_new_key_file(&staged(&key_file)).expect("staged key");
        let unlocked = unlock(dir.path(), &file_source(dir.path()), Create::IfNew).expect("old");
        assert_eq!(unlocked.root.0.as_bytes(), old.0.as_bytes());
        assert!(!staged(&key_file).exists());
        // Crashed after the commit: the check is the staged key's.
        std::fs::write(staged(&key_file), new.0.as_bytes()).expect("stage again");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(staged(&key_file), std::fs::Permissions::from_mode(0o600))
                .expect("chmod");
        }
        set_check(dir.path(), &new).await;
        let unlocked = unlock(dir.path(), &file_source(dir.path()), Create::IfNew).expect("new");
        assert_eq!(unlocked.root.0.as_bytes(), new.0.as_bytes());
        assert!(!staged(&key_file).exists());
        let on_disk = strongroom_crypto::load_root_key(&key_file).expect("key file");
        assert_eq!(on_disk.0.as_bytes(), new.0.as_bytes());
    }

    #[test]
    fn the_audit_key_is_a_sealed_meta_value() {
        // So that a rotation's re-wrap (SEALED_UNDER_ROOT) covers it.
        assert!(AUDIT_KEY_META.starts_with(strongroom_store::sqlite::rewrap::SEALED_META_PREFIX));
    }

    #[test]
    fn staged_names_append_new() {
        assert_eq!(
            staged(Path::new("/d/root.key")),
            PathBuf::from("/d/root.key.new")
        );
        assert_eq!(
            staged(Path::new("/d/root.kdf")),
            PathBuf::from("/d/root.kdf.new")
        );
    }
}
