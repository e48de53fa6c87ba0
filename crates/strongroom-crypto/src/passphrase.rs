//! A root key stretched from a passphrase with Argon2id.
//!
//! The salt and the cost parameters are not secret; they are kept beside
//! the data (`DATA_DIR/root.kdf`, one line in the PHC string format without
//! a hash, e.g. `$argon2id$v=19$m=65536,t=3,p=1$<salt, base64>`), created
//! with a random salt on first start, so the same passphrase gives the same
//! key on every start. The passphrase and the derived key are zeroized.

use crate::root::create_exclusively;
use crate::{CryptoError, Key256, RootKey};
use argon2::{Algorithm, Argon2, Params, Version};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use std::path::Path;
use zeroize::Zeroizing;

/// OWASP's first Argon2id configuration: 64 MiB, 3 passes, 1 lane.
pub const DEFAULT_M_KIB: u32 = 64 * 1024;
pub const DEFAULT_T: u32 = 3;
pub const DEFAULT_P: u32 = 1;
/// Bytes of random salt.
const SALT_LEN: usize = 16;
/// Bounds on what a kdf file may ask for (4 GiB, 64 passes, 16 lanes): a
/// damaged file fails clearly instead of exhausting the machine.
const MAX_M_KIB: u32 = 4 << 20;
const MAX_T: u32 = 64;
const MAX_P: u32 = 16;

/// Argon2id's cost parameters and salt: what `root.kdf` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KdfParams {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
    pub salt: Vec<u8>,
}

impl KdfParams {
    /// The default costs with a fresh random salt.
    pub fn generate() -> Result<KdfParams, CryptoError> {
        let mut salt = vec![0u8; SALT_LEN];
        SystemRandom::new()
            .fill(&mut salt)
            .map_err(|_| CryptoError::Encrypt)?;
        Ok(KdfParams {
            m_kib: DEFAULT_M_KIB,
            t: DEFAULT_T,
            p: DEFAULT_P,
            salt,
        })
    }

    /// The PHC-style line (`$argon2id$v=19$m=…,t=…,p=…$salt`).
    pub fn encode(&self) -> String {
        format!(
            "$argon2id$v=19$m={},t={},p={}${}\n",
            self.m_kib,
            self.t,
            self.p,
            STANDARD_NO_PAD.encode(&self.salt)
        )
    }

    /// Parses [`encode`](Self::encode)'s line; `None` if it is not one.
    pub fn decode(text: &str) -> Option<KdfParams> {
        let mut parts = text.trim_end().split('$');
        if parts.next() != Some("") || parts.next() != Some("argon2id") {
            return None;
        }
        if parts.next() != Some("v=19") {
            return None;
        }
        let (mut m, mut t, mut p) = (None, None, None);
        for pair in parts.next()?.split(',') {
            let (name, value) = pair.split_once('=')?;
            let value: u32 = value.parse().ok()?;
            let slot = match name {
                "m" => &mut m,
                "t" => &mut t,
                "p" => &mut p,
                _ => return None,
            };
            if slot.replace(value).is_some() {
                return None;
            }
        }
        let salt = STANDARD_NO_PAD.decode(parts.next()?).ok()?;
        if parts.next().is_some() || salt.len() < 8 {
            return None;
        }
        let params = KdfParams {
            m_kib: m?,
            t: t?,
            p: p?,
            salt,
        };
        let sane = (1..=MAX_T).contains(&params.t)
            && (1..=MAX_P).contains(&params.p)
            && params.m_kib >= 8 * params.p
            && params.m_kib <= MAX_M_KIB;
        sane.then_some(params)
    }

    /// Stretches `passphrase` into a root key.
    pub fn derive(&self, passphrase: &[u8]) -> Result<RootKey, CryptoError> {
        let params = Params::new(self.m_kib, self.t, self.p, Some(32))
            .map_err(|e| CryptoError::Kdf(e.to_string()))?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase, &self.salt, &mut out[..])
            .map_err(|e| CryptoError::Kdf(e.to_string()))?;
        let key = Key256::from_bytes(&out[..]).ok_or(CryptoError::Encrypt)?;
        Ok(RootKey(key))
    }
}

/// Reads the kdf file at `path`, which must exist.
pub fn read_kdf_file(path: &Path) -> Result<KdfParams, CryptoError> {
    let text = std::fs::read_to_string(path).map_err(|source| CryptoError::RootKeyIo {
        path: path.display().to_string(),
        source,
    })?;
    KdfParams::decode(&text).ok_or_else(|| CryptoError::KdfFile(path.display().to_string()))
}

/// Creates the kdf file at `path` with fresh parameters, whole or not at
/// all; `false` if it already existed (left as it was).
pub fn create_kdf_file(path: &Path) -> Result<bool, CryptoError> {
    create_exclusively(path, KdfParams::generate()?.encode().as_bytes())
}

/// A passphrase as read from a file: one trailing line break (`\n` or
/// `\r\n`) is not part of it, as editors and `echo` add one.
pub(crate) fn trim_line_break(mut bytes: Zeroizing<Vec<u8>>) -> Zeroizing<Vec<u8>> {
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap parameters: the tests check behaviour, not cost.
    fn cheap(salt: &[u8]) -> KdfParams {
        KdfParams {
            m_kib: 64,
            t: 1,
            p: 1,
            salt: salt.to_vec(),
        }
    }

    #[test]
    fn the_same_passphrase_and_salt_give_the_same_key() {
        let params = cheap(b"0123456789abcdef");
        let a = params.derive(b"correct horse").unwrap();
        let b = params.derive(b"correct horse").unwrap();
        assert_eq!(a.0.as_bytes(), b.0.as_bytes());
        let other_pass = params.derive(b"correct horsf").unwrap();
        assert_ne!(a.0.as_bytes(), other_pass.0.as_bytes());
        let other_salt = cheap(b"0123456789abcdeg").derive(b"correct horse").unwrap();
        assert_ne!(a.0.as_bytes(), other_salt.0.as_bytes());
    }

    #[test]
    fn argon2id_known_answer() {
        // The reference implementation's test vector (phc-winner-argon2,
        // Argon2id v1.3, m=2^8 KiB, t=2, p=1): pins our use of the crate.
        let params = KdfParams {
            m_kib: 256,
            t: 2,
            p: 1,
            salt: b"somesalt".to_vec(),
        };
        let key = params.derive(b"password").unwrap();
        assert_eq!(
            crate::root::hex_of(key.0.as_bytes()),
            "9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe"
        );
    }

    #[test]
    fn the_kdf_line_round_trips_and_rejects_damage() {
        let params = KdfParams::generate().unwrap();
        assert_eq!(params.m_kib, 65536);
        assert_eq!((params.t, params.p), (3, 1));
        let line = params.encode();
        assert!(
            line.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"),
            "{line}"
        );
        assert_eq!(KdfParams::decode(&line), Some(params.clone()));
        let salt = STANDARD_NO_PAD.encode(&params.salt);
        for bad in [
            String::new(),
            format!("$argon2i$v=19$m=65536,t=3,p=1${salt}"),
            format!("$argon2id$v=16$m=65536,t=3,p=1${salt}"),
            format!("$argon2id$v=19$m=65536,t=3${salt}"),
            format!("$argon2id$v=19$m=65536,t=3,p=1,p=1${salt}"),
            format!("$argon2id$v=19$m=65536,t=0,p=1${salt}"),
            format!("$argon2id$v=19$m=999999999,t=3,p=1${salt}"),
            format!("$argon2id$v=19$m=65536,t=3,p=1,x=1${salt}"),
            "$argon2id$v=19$m=65536,t=3,p=1$!!".to_owned(),
            "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA".to_owned(),
            format!("$argon2id$v=19$m=65536,t=3,p=1${salt}$hash"),
        ] {
            assert_eq!(KdfParams::decode(&bad), None, "{bad}");
        }
    }

    #[test]
    fn the_kdf_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.kdf");
        assert!(create_kdf_file(&path).unwrap());
        let first = read_kdf_file(&path).unwrap();
        assert!(!create_kdf_file(&path).unwrap());
        assert_eq!(read_kdf_file(&path).unwrap(), first);
        std::fs::write(&path, "garbage").unwrap();
        assert!(matches!(read_kdf_file(&path), Err(CryptoError::KdfFile(_))));
    }

    #[test]
    fn one_trailing_line_break_is_dropped() {
        let t = |b: &[u8]| trim_line_break(Zeroizing::new(b.to_vec())).to_vec();
        assert_eq!(t(b"pass\n"), b"pass");
        assert_eq!(t(b"pass\r\n"), b"pass");
        assert_eq!(t(b"pass\n\n"), b"pass\n");
        assert_eq!(t(b"pass "), b"pass ");
    }
}
