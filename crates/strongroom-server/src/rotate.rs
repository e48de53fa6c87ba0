//! `strongroom admin rotate-root-key`: re-wraps everything sealed under the
//! root key under a new one, offline (the store's lock keeps a server out).
//!
//! The order makes every crash leave a directory that starts with the old
//! key or the new one:
//! 1. the new key's file is staged and fsynced (`root.key.new`, or the new
//!    passphrase's `root.kdf.new`); nothing refers to it yet;
//! 2. one store transaction re-wraps every sealed column, seals the audit
//!    chain key under the new key (derived from the old one before the
//!    first rotation) and replaces the key check: the commit is the switch;
//! 3. the staged file is renamed into place and the directory fsynced; a
//!    key file the new source makes useless is removed.
//!
//! Start-up (`rootkey.rs`) removes a staged file the check does not match
//! (crash before 2) and renames one it matches (crash between 2 and 3).

use crate::rootkey::{AUDIT_KEY_META, CHECK_META, Create, DB_FILE, RootKeyArgs, staged, unlock};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use strongroom_crypto::{
    KDF_FILE, PassphraseFrom, ROOT_KEY_FILE, RootKey, RootKeyOptions, RootKeySource, open, seal,
};
use strongroom_domain::sealing::meta_seal_context;
use strongroom_store::sqlite::SqliteStore;
use strongroom_store::sqlite::rewrap::to_hex;
use strongroom_store::{Store, StoreError};
use zeroize::Zeroizing;

/// The new root key's source (default: a new random key file).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct NewRootKeyArgs {
    /// The new key is in this environment variable (32 bytes, base64).
    #[arg(long, value_name = "NAME")]
    pub new_root_key_env: Option<String>,
    /// The new key is derived from the passphrase in this environment
    /// variable (Argon2id, with a new salt).
    #[arg(long, value_name = "NAME")]
    pub new_root_key_passphrase_env: Option<String>,
    /// The new key is derived from the passphrase in this file.
    #[arg(long, value_name = "PATH")]
    pub new_root_key_passphrase_file: Option<PathBuf>,
}

/// Where a crash may be injected (tests: `STRONGROOM_TEST_ROTATE_CRASH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Staged,
    Committed,
}

/// A test hook: stop the process right after `step`, as a crash would.
fn crash_point(step: Step) {
    let wanted = match step {
        Step::Staged => "after-stage",
        Step::Committed => "after-commit",
    };
    if std::env::var("STRONGROOM_TEST_ROTATE_CRASH").is_ok_and(|v| v == wanted) {
        eprintln!("rotate-root-key: stopping {wanted} (STRONGROOM_TEST_ROTATE_CRASH)");
        std::process::exit(101);
    }
}

/// The next key and how it is put in place.
struct Next {
    key: RootKey,
    /// The source to start with afterwards.
    source: RootKeySource,
    /// (staged, final) file to rename after the commit.
    rename: Option<(PathBuf, PathBuf)>,
}

pub async fn rotate(
    data_dir: &Path,
    current: &RootKeyArgs,
    new: &NewRootKeyArgs,
) -> anyhow::Result<()> {
    let db = data_dir.join(DB_FILE);
    if !db.is_file() {
        bail!(
            "{} is not a Strongroom data directory (no {DB_FILE})",
            data_dir.display()
        );
    }
    let lock = SqliteStore::lock(&db).map_err(|e| {
        anyhow::anyhow!(
            "{e}: rotate-root-key runs offline; stop the server using {} first",
            data_dir.display()
        )
    })?;
    let source = current.source(data_dir)?;
    let unlocked = unlock(data_dir, &source, Create::Never)?;
    let old = unlocked.root.clone();
    let next = next_key(data_dir, &source, new)?;
    if next.key.check_value() == old.check_value() {
        discard(&next);
        bail!("the new root key is the current one; give another");
    }
    crash_point(Step::Staged);

    let sqlite = match SqliteStore::open_locked(&db, lock) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            discard(&next);
            return Err(e.into());
        }
    };
    let store: Arc<dyn Store> = sqlite.clone();
    let new_key = next.key.clone();
    // Derived from the old key unless a rotation sealed it already.
    let chain_key = Zeroizing::new(*unlocked.audit_key.bytes());
    let committed = store
        .write(move |tx| -> Result<usize, StoreError> {
            let had_chain_key = tx.meta(AUDIT_KEY_META)?.is_some();
            let count = tx.rewrap_root_sealed(&mut |item| {
                let unsealable = || StoreError::Unsealable {
                    table: item.table,
                    key: item.key.clone(),
                };
                let plain = open(&old.0, &item.aad, &item.sealed).map_err(|_| unsealable())?;
                seal(&new_key.0, &item.aad, &plain).map_err(|_| unsealable())
            })?;
            if !had_chain_key {
                let sealed = seal(
                    &new_key.0,
                    &meta_seal_context(AUDIT_KEY_META),
                    &chain_key[..],
                )
                .map_err(|_| StoreError::Unsealable {
                    table: "meta",
                    key: AUDIT_KEY_META.to_owned(),
                })?;
                tx.set_meta(AUDIT_KEY_META, &to_hex(&sealed))?;
            }
            tx.set_meta(CHECK_META, &new_key.check_value())?;
            Ok(count)
        })
        .await;
    sqlite.close();
    let count = match committed {
        Ok(count) => count,
        Err(e) => {
            discard(&next);
            return Err(e).context("re-wrapping under the new root key; nothing was changed");
        }
    };
    crash_point(Step::Committed);

    if let Some((staged_file, target)) = &next.rename {
        std::fs::rename(staged_file, target).with_context(|| {
            format!(
                "the rotation committed, but renaming {} to {} failed: rename it by hand (or start the server with the new key's source, which finishes it)",
                staged_file.display(),
                target.display()
            )
        })?;
        strongroom_crypto::sync_parent(target);
    }
    remove_superseded(data_dir, &source, &next.source);
    report(count, &source, &next.source);
    Ok(())
}

/// Makes the new key: stages its file (fsynced) where it has one.
fn next_key(
    data_dir: &Path,
    current: &RootKeySource,
    new: &NewRootKeyArgs,
) -> anyhow::Result<Next> {
    let options = RootKeyOptions {
        file: None,
        env: new.new_root_key_env.clone(),
        passphrase_env: new.new_root_key_passphrase_env.clone(),
        passphrase_file: new.new_root_key_passphrase_file.clone(),
    };
    let given = options != RootKeyOptions::default();
    let source = RootKeySource::from_options(&options, data_dir, "new-root-key-")?;
    match source {
        RootKeySource::File(default_file) if !given => {
            // A new random key, in the current key file's place.
            let target = match current {
                RootKeySource::File(path) => path.clone(),
                _ => default_file,
            };
            let staged_file = staged(&target);
            let key = strongroom_crypto::create_new_key_file(&staged_file)?;
            Ok(Next {
                key,
                source: RootKeySource::File(target.clone()),
                rename: Some((staged_file, target)),
            })
        }
        RootKeySource::Env(_) => Ok(Next {
            key: source.load()?,
            source,
            rename: None,
        }),
        RootKeySource::Passphrase { ref kdf_file, .. } => {
            let staged_file = staged(kdf_file);
            if !strongroom_crypto::create_kdf_file(&staged_file)? {
                bail!(
                    "{} exists: remove it if no rotation is under way",
                    staged_file.display()
                );
            }
            let key = match source.load_with_kdf(&staged_file) {
                Ok(key) => key,
                Err(e) => {
                    let _ = std::fs::remove_file(&staged_file);
                    return Err(e.into());
                }
            };
            let target = kdf_file.clone();
            Ok(Next {
                key,
                source,
                rename: Some((staged_file, target)),
            })
        }
        RootKeySource::File(_) => unreachable!("no option names a new key file"),
    }
}

/// Removes the staged file of a rotation that will not commit.
fn discard(next: &Next) {
    if let Some((staged_file, _)) = &next.rename {
        let _ = std::fs::remove_file(staged_file);
        strongroom_crypto::sync_parent(staged_file);
    }
}

/// After the switch: the data directory's old key file (the old key in
/// clear) and a kdf file no source uses go.
fn remove_superseded(data_dir: &Path, old: &RootKeySource, new: &RootKeySource) {
    let key_file = data_dir.join(ROOT_KEY_FILE);
    if matches!(old, RootKeySource::File(p) if *p == key_file)
        && !matches!(new, RootKeySource::File(_))
    {
        remove_noting(&key_file);
    }
    let kdf_file = data_dir.join(KDF_FILE);
    if matches!(old, RootKeySource::Passphrase { .. })
        && !matches!(new, RootKeySource::Passphrase { .. })
    {
        remove_noting(&kdf_file);
    }
}

fn remove_noting(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {
            strongroom_crypto::sync_parent(path);
            println!("removed {} (no longer used)", path.display());
        }
        Err(e) => println!(
            "could not remove {} ({e}); it is no longer used: remove it",
            path.display()
        ),
    }
}

/// Tells the operator what was done and exactly what to change.
fn report(count: usize, old: &RootKeySource, new: &RootKeySource) {
    println!("root key rotated: {count} sealed values re-wrapped under the new key");
    let start_with = match new {
        RootKeySource::File(path) => format!("--root-key-file {}", path.display()),
        RootKeySource::Env(name) => format!("--root-key-env {name}"),
        RootKeySource::Passphrase {
            from: PassphraseFrom::Env(name),
            ..
        } => format!("--root-key-passphrase-env {name}"),
        RootKeySource::Passphrase {
            from: PassphraseFrom::File(path),
            ..
        } => format!("--root-key-passphrase-file {}", path.display()),
    };
    let same_kind = std::mem::discriminant(old) == std::mem::discriminant(new);
    match new {
        RootKeySource::File(path) if same_kind => println!(
            "the new key is in {}; start the server as before",
            path.display()
        ),
        _ => println!(
            "start the server with {start_with} (or its STRONGROOM_ROOT_KEY_* variable / config key) instead of the old source; the old key no longer opens this data directory"
        ),
    }
    if let RootKeySource::Env(name) = new {
        println!(
            "keep the new key (the value of {name}) safe: this data directory cannot be opened without it"
        );
    }
    println!("STS session tokens issued before the rotation no longer work; callers get new ones");
}
