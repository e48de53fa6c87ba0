//! Where the root key comes from: a key file (the default,
//! `DATA_DIR/root.key`), an environment variable holding it in base64, or a
//! passphrase (from an environment variable or a file) stretched with
//! Argon2id. Exactly one source is used.

use crate::passphrase::{KdfParams, read_kdf_file, trim_line_break};
use crate::{CryptoError, Key256, RootKey, load_root_key};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The root key file's name in the data directory.
pub const ROOT_KEY_FILE: &str = "root.key";
/// The Argon2id salt and costs of a passphrase-derived key.
pub const KDF_FILE: &str = "root.kdf";

/// The root key options as given (flags, config file or environment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RootKeyOptions {
    pub file: Option<PathBuf>,
    pub env: Option<String>,
    pub passphrase_env: Option<String>,
    pub passphrase_file: Option<PathBuf>,
}

/// Where a passphrase is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassphraseFrom {
    Env(String),
    File(PathBuf),
}

/// The one source of the root key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootKeySource {
    /// 32 raw bytes in a file only its owner can read.
    File(PathBuf),
    /// The key in base64 in this environment variable.
    Env(String),
    /// A passphrase stretched with the parameters in `kdf_file`.
    Passphrase {
        from: PassphraseFrom,
        kdf_file: PathBuf,
    },
}

impl RootKeySource {
    /// The source `options` name for the data directory `data_dir`: the key
    /// file `DATA_DIR/root.key` when none is named; an error naming both
    /// when more than one is.
    pub fn from_options(
        options: &RootKeyOptions,
        data_dir: &Path,
        flag_prefix: &str,
    ) -> Result<RootKeySource, CryptoError> {
        let mut given = Vec::new();
        let mut chosen = None;
        if let Some(path) = &options.file {
            given.push("file");
            chosen = Some(RootKeySource::File(path.clone()));
        }
        if let Some(name) = &options.env {
            given.push("env");
            chosen = Some(RootKeySource::Env(name.clone()));
        }
        let kdf_file = data_dir.join(KDF_FILE);
        if let Some(name) = &options.passphrase_env {
            given.push("passphrase-env");
            chosen = Some(RootKeySource::Passphrase {
                from: PassphraseFrom::Env(name.clone()),
                kdf_file: kdf_file.clone(),
            });
        }
        if let Some(path) = &options.passphrase_file {
            given.push("passphrase-file");
            chosen = Some(RootKeySource::Passphrase {
                from: PassphraseFrom::File(path.clone()),
                kdf_file,
            });
        }
        if given.len() > 1 {
            let flags: Vec<String> = given
                .iter()
                .map(|g| format!("--{flag_prefix}{g}"))
                .collect();
            return Err(CryptoError::SourceConflict(flags.join(" and ")));
        }
        if let Some(
            RootKeySource::Env(name)
            | RootKeySource::Passphrase {
                from: PassphraseFrom::Env(name),
                ..
            },
        ) = &chosen
            && name.is_empty()
        {
            return Err(CryptoError::EmptyVariableName);
        }
        Ok(chosen.unwrap_or_else(|| RootKeySource::File(data_dir.join(ROOT_KEY_FILE))))
    }

    /// Loads the key from this source. Creates nothing: a passphrase needs
    /// its kdf file (see [`crate::create_kdf_file`]).
    pub fn load(&self) -> Result<RootKey, CryptoError> {
        match self {
            RootKeySource::File(path) => load_root_key(path),
            RootKeySource::Env(name) => key_from_env(name),
            RootKeySource::Passphrase { from, kdf_file } => {
                let params = read_kdf_file(kdf_file)?;
                self.derive_with(from, &params)
            }
        }
    }

    /// The key this passphrase source gives with `params` (a kdf file other
    /// than its own: the next one of a rotation).
    pub fn load_with_kdf(&self, kdf_file: &Path) -> Result<RootKey, CryptoError> {
        match self {
            RootKeySource::Passphrase { from, .. } => {
                self.derive_with(from, &read_kdf_file(kdf_file)?)
            }
            _ => self.load(),
        }
    }

    fn derive_with(
        &self,
        from: &PassphraseFrom,
        params: &KdfParams,
    ) -> Result<RootKey, CryptoError> {
        let passphrase = read_passphrase(from)?;
        if passphrase.is_empty() {
            return Err(CryptoError::EmptyPassphrase(self.to_string()));
        }
        params.derive(&passphrase)
    }
}

impl fmt::Display for RootKeySource {
    /// Names the source, never its contents.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootKeySource::File(path) => write!(f, "the key file {}", path.display()),
            RootKeySource::Env(name) => write!(f, "the environment variable {name}"),
            RootKeySource::Passphrase { from, kdf_file } => {
                match from {
                    PassphraseFrom::Env(name) => {
                        write!(f, "the passphrase in the environment variable {name}")?
                    }
                    PassphraseFrom::File(path) => {
                        write!(f, "the passphrase in the file {}", path.display())?
                    }
                }
                write!(f, " (Argon2id, parameters in {})", kdf_file.display())
            }
        }
    }
}

/// The key in base64 in the environment variable `name`.
fn key_from_env(name: &str) -> Result<RootKey, CryptoError> {
    let value = Zeroizing::new(
        std::env::var(name).map_err(|_| CryptoError::VariableUnset(name.to_owned()))?,
    );
    key_from_base64(name, &value)
}

/// Decodes a base64 root key; the error names `name` and never the value.
pub fn key_from_base64(name: &str, value: &str) -> Result<RootKey, CryptoError> {
    let bad = |reason: String| CryptoError::VariableKey {
        name: name.to_owned(),
        reason,
    };
    let bytes = Zeroizing::new(
        STANDARD
            .decode(value.trim())
            .map_err(|_| bad("it is not base64".to_owned()))?,
    );
    Key256::from_bytes(&bytes).map(RootKey).ok_or_else(|| {
        bad(format!(
            "it decodes to {} bytes, and a root key is exactly 32 (e.g. `head -c 32 /dev/urandom | base64`)",
            bytes.len()
        ))
    })
}

fn read_passphrase(from: &PassphraseFrom) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    match from {
        PassphraseFrom::Env(name) => {
            let value =
                std::env::var(name).map_err(|_| CryptoError::VariableUnset(name.to_owned()))?;
            Ok(Zeroizing::new(value.into_bytes()))
        }
        PassphraseFrom::File(path) => {
            let io = |source| CryptoError::RootKeyIo {
                path: path.display().to_string(),
                source,
            };
            let mut f = std::fs::File::open(path).map_err(io)?;
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
            let mut bytes = Zeroizing::new(Vec::new());
            // A passphrase is short; a huge file is a mistake.
            (&mut f)
                .take(64 << 10)
                .read_to_end(&mut bytes)
                .map_err(io)?;
            Ok(trim_line_break(bytes))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> RootKeyOptions {
        RootKeyOptions::default()
    }

    #[test]
    fn the_default_source_is_the_data_dirs_key_file() {
        let source = RootKeySource::from_options(&options(), Path::new("/d"), "root-key-").unwrap();
        assert_eq!(source, RootKeySource::File(PathBuf::from("/d/root.key")));
        assert_eq!(source.to_string(), "the key file /d/root.key");
    }

    #[test]
    fn each_option_names_its_source() {
        let dir = Path::new("/d");
        let one = |o: RootKeyOptions| RootKeySource::from_options(&o, dir, "root-key-").unwrap();
        assert_eq!(
            one(RootKeyOptions {
                file: Some("/k".into()),
                ..options()
            }),
            RootKeySource::File("/k".into())
        );
        assert_eq!(
            one(RootKeyOptions {
                env: Some("K".into()),
                ..options()
            }),
            RootKeySource::Env("K".into())
        );
        let pass = one(RootKeyOptions {
            passphrase_env: Some("P".into()),
            ..options()
        });
        assert_eq!(
            pass,
            RootKeySource::Passphrase {
                from: PassphraseFrom::Env("P".into()),
                kdf_file: "/d/root.kdf".into()
            }
        );
        assert_eq!(
            pass.to_string(),
            "the passphrase in the environment variable P (Argon2id, parameters in /d/root.kdf)"
        );
        assert_eq!(
            one(RootKeyOptions {
                passphrase_file: Some("/p".into()),
                ..options()
            }),
            RootKeySource::Passphrase {
                from: PassphraseFrom::File("/p".into()),
                kdf_file: "/d/root.kdf".into()
            }
        );
    }

    #[test]
    fn two_sources_are_a_configuration_error() {
        let both = RootKeyOptions {
            file: Some("/k".into()),
            env: Some("K".into()),
            ..options()
        };
        let err = RootKeySource::from_options(&both, Path::new("/d"), "root-key-").unwrap_err();
        assert_eq!(
            err.to_string(),
            "give one root key source, not several: --root-key-file and --root-key-env"
        );
        let passphrases = RootKeyOptions {
            passphrase_env: Some("P".into()),
            passphrase_file: Some("/p".into()),
            ..options()
        };
        let err = RootKeySource::from_options(&passphrases, Path::new("/d"), "new-root-key-")
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("--new-root-key-passphrase-env and --new-root-key-passphrase-file"),
            "{err}"
        );
        let empty = RootKeyOptions {
            env: Some(String::new()),
            ..options()
        };
        assert!(matches!(
            RootKeySource::from_options(&empty, Path::new("/d"), "root-key-"),
            Err(CryptoError::EmptyVariableName)
        ));
    }

    #[test]
    fn a_base64_key_must_be_32_bytes_and_is_never_shown() {
        let key = key_from_base64("K", &STANDARD.encode([7u8; 32])).unwrap();
        assert_eq!(key.0.as_bytes(), &[7u8; 32]);
        // Surrounding whitespace (a trailing newline) is not part of it.
        assert!(key_from_base64("K", &format!(" {}\n", STANDARD.encode([7u8; 32]))).is_ok());
        let short = STANDARD.encode([7u8; 31]);
        let err = key_from_base64("K", &short).unwrap_err().to_string();
        assert!(
            err.contains("31 bytes") && err.contains("exactly 32"),
            "{err}"
        );
        assert!(!err.contains(&short), "{err}");
        let err = key_from_base64("K", "not base64 at all!")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "the environment variable K does not hold a root key: it is not base64"
        );
    }

    #[test]
    fn an_unset_variable_is_named() {
        let source = RootKeySource::Env("STRONGROOM_TEST_SURELY_UNSET_4711".into());
        let err = source.load().unwrap_err().to_string();
        assert_eq!(
            err,
            "the environment variable STRONGROOM_TEST_SURELY_UNSET_4711 is not set (or not UTF-8)"
        );
    }

    #[test]
    fn a_passphrase_file_gives_the_same_key_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let kdf = dir.path().join(KDF_FILE);
        std::fs::write(&kdf, "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ\n").unwrap();
        let pass = dir.path().join("pass");
        std::fs::write(&pass, "open sesame\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let source = RootKeySource::Passphrase {
            from: PassphraseFrom::File(pass.clone()),
            kdf_file: kdf.clone(),
        };
        let a = source.load().unwrap();
        let b = source.load().unwrap();
        assert_eq!(a.0.as_bytes(), b.0.as_bytes());
        // The line break is not part of the passphrase.
        std::fs::write(&pass, "open sesame").unwrap();
        assert_eq!(source.load().unwrap().0.as_bytes(), a.0.as_bytes());
        std::fs::write(&pass, "open sesamf").unwrap();
        assert_ne!(source.load().unwrap().0.as_bytes(), a.0.as_bytes());
        std::fs::write(&pass, "\n").unwrap();
        assert!(matches!(
            source.load(),
            Err(CryptoError::EmptyPassphrase(_))
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                source.load(),
                Err(CryptoError::RootKeyPermissions { .. })
            ));
        }
        std::fs::remove_file(&kdf).unwrap();
        assert!(matches!(source.load(), Err(CryptoError::RootKeyIo { .. })));
    }
}
