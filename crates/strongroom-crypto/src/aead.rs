//! AES-256-GCM sealing with random 96-bit nonces, and the envelope scheme.

use crate::CryptoError;
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use std::sync::OnceLock;
use zeroize::Zeroizing;

const TAG_LEN: usize = 16;

/// A 256-bit symmetric key. Zeroized on drop; `Debug` shows nothing.
///
/// The AES key schedule is computed on first use and kept, so a long-lived
/// key (the per-region key-encryption key) pays for it once, not per request.
pub struct Key256 {
    bytes: Zeroizing<[u8; 32]>,
    prepared: OnceLock<LessSafeKey>,
}

impl Clone for Key256 {
    fn clone(&self) -> Self {
        Key256 {
            bytes: self.bytes.clone(),
            prepared: OnceLock::new(),
        }
    }
}

impl std::fmt::Debug for Key256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key256(<redacted>)")
    }
}

impl Key256 {
    fn new(bytes: Zeroizing<[u8; 32]>) -> Key256 {
        Key256 {
            bytes,
            prepared: OnceLock::new(),
        }
    }

    /// A fresh key from the system CSPRNG.
    pub fn generate() -> Result<Key256, CryptoError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(&mut bytes[..])
            .map_err(|_| CryptoError::Encrypt)?;
        Ok(Key256::new(bytes))
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Key256> {
        let mut arr = Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            return None;
        }
        arr.copy_from_slice(bytes);
        Some(Key256::new(arr))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    fn aead(&self) -> Result<&LessSafeKey, CryptoError> {
        if let Some(k) = self.prepared.get() {
            return Ok(k);
        }
        let unbound =
            UnboundKey::new(&AES_256_GCM, &self.bytes[..]).map_err(|_| CryptoError::Encrypt)?;
        // A concurrent first use may have set it meanwhile; either is fine.
        let _ = self.prepared.set(LessSafeKey::new(unbound));
        self.prepared.get().ok_or(CryptoError::Encrypt)
    }
}

/// Encrypts `plaintext` under `key`, binding `aad`. Output: nonce ‖ ciphertext ‖ tag.
pub fn seal(key: &Key256, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| CryptoError::Encrypt)?;
    // Holds plaintext until sealed in place: wiped if sealing fails.
    let mut out = Zeroizing::new(Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN));
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let tag = key
        .aead()?
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut out[NONCE_LEN..],
        )
        .map_err(|_| CryptoError::Encrypt)?;
    out.extend_from_slice(tag.as_ref());
    Ok(std::mem::take(&mut *out))
}

/// Reverses [`seal`]; fails unless `key` and `aad` are the ones sealed with.
pub fn open(key: &Key256, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Truncated);
    }
    let (nonce, rest) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Decrypt)?;
    let mut buf = Zeroizing::new(rest.to_vec());
    let len = key
        .aead()?
        .open_in_place(nonce, Aad::from(aad), &mut buf[..])
        .map_err(|_| CryptoError::Decrypt)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

/// A value encrypted under its own data key, and that data key wrapped by a
/// key-encryption key. Both halves are safe to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub wrapped_key: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

/// Envelope-encrypts `plaintext` with a fresh data key wrapped by `kek`;
/// `context` (secret ARN and version id) is bound into both layers.
pub fn encrypt_value(
    kek: &Key256,
    context: &[u8],
    plaintext: &[u8],
) -> Result<Envelope, CryptoError> {
    let data_key = Key256::generate()?;
    Ok(Envelope {
        wrapped_key: seal(kek, context, data_key.as_bytes())?,
        ciphertext: seal(&data_key, context, plaintext)?,
    })
}

/// Reverses [`encrypt_value`], given the two halves of an [`Envelope`].
pub fn decrypt_value(
    kek: &Key256,
    context: &[u8],
    wrapped_key: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let key_bytes = open(kek, context, wrapped_key)?;
    let data_key = Key256::from_bytes(&key_bytes).ok_or(CryptoError::Decrypt)?;
    open(&data_key, context, ciphertext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_context_binding() {
        let kek = Key256::generate().unwrap();
        let env = encrypt_value(&kek, b"arn|v1", b"hunter2").unwrap();
        assert!(!env.ciphertext.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(
            &decrypt_value(&kek, b"arn|v1", &env.wrapped_key, &env.ciphertext).unwrap()[..],
            b"hunter2"
        );
        assert!(matches!(
            decrypt_value(&kek, b"arn|v2", &env.wrapped_key, &env.ciphertext),
            Err(CryptoError::Decrypt)
        ));
        let other = Key256::generate().unwrap();
        assert!(decrypt_value(&other, b"arn|v1", &env.wrapped_key, &env.ciphertext).is_err());
        let mut tampered = env.clone();
        let last = tampered.ciphertext.len() - 1;
        tampered.ciphertext[last] ^= 1;
        assert!(
            decrypt_value(&kek, b"arn|v1", &tampered.wrapped_key, &tampered.ciphertext).is_err()
        );
        assert!(matches!(
            open(&kek, b"", &[0u8; 5]),
            Err(CryptoError::Truncated)
        ));
    }

    #[test]
    fn debug_hides_keys() {
        let k = Key256::from_bytes(&[7u8; 32]).unwrap();
        assert_eq!(format!("{k:?}"), "Key256(<redacted>)");
    }
}
