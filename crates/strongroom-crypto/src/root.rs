//! The root key: 32 random bytes in a file only its owner can read (0600).
//!
//! The caller holds the data directory's lock while it loads or creates the
//! key; creation is exclusive all the same (a hard link, which never
//! replaces), so two processes can never each believe their own new key is
//! the root key.

use crate::{CryptoError, Key256};
use aws_lc_rs::hmac;
use std::io::{Read, Write};
use std::path::Path;
use zeroize::Zeroizing;

/// The top of the key hierarchy; it only ever wraps other keys.
#[derive(Debug, Clone)]
pub struct RootKey(pub Key256);

/// The label the key check is a MAC of (see [`RootKey::check_value`]).
const CHECK_LABEL: &[u8] = b"strongroom root key check v1";
/// The check's format tag, so a later format can be told apart.
const CHECK_PREFIX: &str = "v1:";

impl RootKey {
    /// What a data directory records to recognise its root key:
    /// `v1:` and the hex of HMAC-SHA-256(root key, a fixed label). A MAC
    /// output tells nothing about the key; only the same key gives it again.
    pub fn check_value(&self) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0.as_bytes());
        let tag = hmac::sign(&key, CHECK_LABEL);
        format!("{CHECK_PREFIX}{}", hex_of(tag.as_ref()))
    }

    /// Whether `recorded` (a [`check_value`](Self::check_value)) was made
    /// with this key; compared in constant time. A malformed value matches
    /// no key.
    pub fn matches_check(&self, recorded: &str) -> bool {
        let Some(tag) = recorded.strip_prefix(CHECK_PREFIX).and_then(unhex) else {
            return false;
        };
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0.as_bytes());
        hmac::verify(&key, CHECK_LABEL, &tag).is_ok()
    }
}

/// Loads the root key at `path`, which must exist, hold 32 bytes and be
/// readable by its owner only.
pub fn load_root_key(path: &Path) -> Result<RootKey, CryptoError> {
    let io = |source| CryptoError::RootKeyIo {
        path: path.display().to_string(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    // Checked on the open file, so the mode is that of the bytes read.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = f.metadata().map_err(io)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CryptoError::RootKeyPermissions {
                path: path.display().to_string(),
                mode,
            });
        }
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(33));
    // One byte more than a key: enough to tell a longer file.
    (&mut f).take(33).read_to_end(&mut bytes).map_err(io)?;
    let key = Key256::from_bytes(&bytes)
        .ok_or_else(|| CryptoError::RootKeyLength(path.display().to_string()))?;
    Ok(RootKey(key))
}

/// Loads the root key at `path`, creating it (0600, fsynced) if absent.
/// Returns whether this call created it.
pub fn load_or_create_root_key(path: &Path) -> Result<(RootKey, bool), CryptoError> {
    match load_root_key(path) {
        Err(CryptoError::RootKeyIo { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            if create_root_key(path)? {
                Ok((load_root_key(path)?, true))
            } else {
                Ok((load_root_key(path)?, false))
            }
        }
        loaded => loaded.map(|key| (key, false)),
    }
}

/// Writes a fresh key to a temporary file and links it to `path`. A link
/// never replaces an existing file, so if another process created the key
/// first, its key stays and this returns `false`. A crash never leaves a
/// short root.key behind: the file appears whole or not at all.
fn create_root_key(path: &Path) -> Result<bool, CryptoError> {
    let key = Key256::generate()?;
    create_exclusively(path, key.as_bytes())
}

/// Creates `path` (mode 0600) holding `bytes`, whole or not at all: written
/// and fsynced under a temporary name, then hard-linked, which never
/// replaces a file; the directory is fsynced after. `false` if `path`
/// already existed (it is left as it was).
pub(crate) fn create_exclusively(path: &Path, bytes: &[u8]) -> Result<bool, CryptoError> {
    let io = |source| CryptoError::RootKeyIo {
        path: path.display().to_string(),
        source,
    };
    // Unique per process and call, so concurrent creators never share it.
    let tmp = path.with_extension(format!(
        "tmp-{}-{}",
        std::process::id(),
        hex_of(&Key256::generate()?.as_bytes()[..6])
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    let created = match linked {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
        Err(e) => return Err(io(e)),
    };
    sync_parent(path);
    Ok(created)
}

/// Makes a new, renamed or removed directory entry under `path`'s parent
/// durable (best effort: not every file system can fsync a directory).
pub fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Writes a fresh root key to `path` (0600, fsynced, with its directory),
/// which must not exist yet: the next key of a rotation (`root.key.new`).
pub fn create_new_key_file(path: &Path) -> Result<RootKey, CryptoError> {
    let key = Key256::generate()?;
    if !create_exclusively(path, key.as_bytes())? {
        return Err(CryptoError::RootKeyIo {
            path: path.display().to_string(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "already exists; remove it if no rotation is under way",
            ),
        });
    }
    Ok(RootKey(key))
}

pub(crate) fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let (k1, created) = load_or_create_root_key(&path).unwrap();
        assert!(created);
        let (k2, created) = load_or_create_root_key(&path).unwrap();
        assert!(!created);
        assert_eq!(k1.0.as_bytes(), k2.0.as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("root.key")]);
        std::fs::write(&path, b"short").unwrap();
        assert!(matches!(
            load_or_create_root_key(&path),
            Err(CryptoError::RootKeyLength(_))
        ));
        std::fs::write(&path, [7u8; 33]).unwrap();
        assert!(matches!(
            load_root_key(&path),
            Err(CryptoError::RootKeyLength(_))
        ));
    }

    #[test]
    fn the_check_recognises_its_key_only() {
        let key = RootKey(Key256::from_bytes(&[0x42; 32]).unwrap());
        let check = key.check_value();
        // A known answer: the format must never change under a data dir.
        assert_eq!(
            check,
            "v1:58863a8ab209e45ec207fb3583b1e71fb0e9d9acea5df350bb47110b0a1937f4"
        );
        assert!(key.matches_check(&check));
        assert!(!key.matches_check(&check.replace("v1:", "v2:")));
        assert!(!key.matches_check("v1:00"));
        assert!(!key.matches_check("v1:zz"));
        assert!(!key.matches_check(""));
        let other = RootKey(Key256::from_bytes(&[0x43; 32]).unwrap());
        assert!(!other.matches_check(&check));
        assert_ne!(other.check_value(), check);
        // The key's bytes appear nowhere in it.
        assert!(!check.contains("4242"));
    }

    #[test]
    fn a_new_key_file_is_never_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key.new");
        let key = create_new_key_file(&path).unwrap();
        assert_eq!(load_root_key(&path).unwrap().0.as_bytes(), key.0.as_bytes());
        assert!(create_new_key_file(&path).is_err());
        assert_eq!(load_root_key(&path).unwrap().0.as_bytes(), key.0.as_bytes());
    }

    #[test]
    fn a_missing_key_is_not_created_by_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        assert!(matches!(
            load_root_key(&path),
            Err(CryptoError::RootKeyIo { .. })
        ));
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        load_or_create_root_key(&path).unwrap();
        for mode in [0o640, 0o604, 0o660, 0o644] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let err = load_or_create_root_key(&path).unwrap_err();
            assert!(
                matches!(err, CryptoError::RootKeyPermissions { mode: m, .. } if m == mode),
                "{mode:o}: {err}"
            );
            let shown = err.to_string();
            assert!(
                shown.contains("root.key") && shown.contains("chmod 600"),
                "{shown}"
            );
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(load_root_key(&path).is_ok());
    }

    #[test]
    fn concurrent_creators_agree_on_one_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("root.key");
            let barrier = std::sync::Barrier::new(8);
            let results: Vec<(Vec<u8>, bool)> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            let (key, created) = load_or_create_root_key(&path).unwrap();
                            (key.0.as_bytes().to_vec(), created)
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let on_disk = std::fs::read(&path).unwrap();
            assert!(results.iter().all(|(k, _)| *k == on_disk));
            assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
        }
    }
}
