//! The root key: 32 random bytes in a file created with mode 0600.

use crate::{CryptoError, Key256};
use std::io::{Read, Write};
use std::path::Path;
use zeroize::Zeroizing;

/// The top of the key hierarchy; it only ever wraps other keys.
#[derive(Debug, Clone)]
pub struct RootKey(pub Key256);

/// Loads the root key at `path`, creating it (0600, fsynced) if absent.
/// Returns whether it was created.
pub fn load_or_create_root_key(path: &Path) -> Result<(RootKey, bool), CryptoError> {
    let io = |source| CryptoError::RootKeyIo {
        path: path.display().to_string(),
        source,
    };
    match std::fs::File::open(path) {
        Ok(mut f) => {
            let mut bytes = Zeroizing::new(Vec::with_capacity(32));
            f.read_to_end(&mut bytes).map_err(io)?;
            let key = Key256::from_bytes(&bytes)
                .ok_or_else(|| CryptoError::RootKeyLength(path.display().to_string()))?;
            Ok((RootKey(key), false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = Key256::generate()?;
            // Written to a temporary file and renamed into place, so a crash
            // never leaves a short root.key behind.
            let tmp = path.with_extension("key.tmp");
            let _ = std::fs::remove_file(&tmp);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut f = options.open(&tmp).map_err(io)?;
            f.write_all(key.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
            drop(f);
            std::fs::rename(&tmp, path).map_err(io)?;
            if let Some(dir) = path.parent() {
                // Make the new directory entry durable too.
                if let Ok(d) = std::fs::File::open(dir) {
                    let _ = d.sync_all();
                }
            }
            Ok((RootKey(key), true))
        }
        Err(e) => Err(io(e)),
    }
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
        std::fs::write(&path, b"short").unwrap();
        assert!(matches!(
            load_or_create_root_key(&path),
            Err(CryptoError::RootKeyLength(_))
        ));
    }
}
