//! KMS symmetric ciphertext blobs and the sealing of KMS key material.
//!
//! A blob is self-describing, so Decrypt needs no KeyId:
//!
//! ```text
//! version (1 byte, 1) ‖ key id (36 ASCII bytes) ‖ material generation (u32 BE)
//!   ‖ nonce (12) ‖ AES-256-GCM ciphertext ‖ tag (16)
//! ```
//!
//! The associated data is the header (version, key id, generation) followed
//! by the canonical encryption context, so a blob opens only under its own
//! key's material of its generation and with the context it was made with.

use crate::{CryptoError, Key256, open, seal};
use zeroize::Zeroizing;

/// The blob format's version byte.
pub const BLOB_VERSION: u8 = 1;
/// Key ids are UUIDs: 36 ASCII characters.
pub const KEY_ID_LEN: usize = 36;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + 4;

/// What a blob's header says: which key and which of its material generations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobHeader {
    pub key_id: String,
    pub generation: u32,
}

/// `n` bytes from the system CSPRNG (data keys, GenerateRandom).
pub fn random_bytes(n: usize) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let mut out = Zeroizing::new(vec![0u8; n]);
    SystemRandom::new()
        .fill(&mut out[..])
        .map_err(|_| CryptoError::Encrypt)?;
    Ok(out)
}

/// SHA-256 of `data` (grant tokens are stored by their hash).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

fn header(key_id: &str, generation: u32) -> Result<[u8; HEADER_LEN], CryptoError> {
    if key_id.len() != KEY_ID_LEN || !key_id.is_ascii() {
        return Err(CryptoError::Encrypt);
    }
    let mut h = [0u8; HEADER_LEN];
    h[0] = BLOB_VERSION;
    h[1..1 + KEY_ID_LEN].copy_from_slice(key_id.as_bytes());
    h[1 + KEY_ID_LEN..].copy_from_slice(&generation.to_be_bytes());
    Ok(h)
}

fn aad(header: &[u8], context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + context.len());
    aad.extend_from_slice(header);
    aad.extend_from_slice(context);
    aad
}

/// Encrypts `plaintext` under one generation of a key's material, binding
/// the canonical encryption context.
pub fn encrypt_blob(
    material: &Key256,
    key_id: &str,
    generation: u32,
    context: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let h = header(key_id, generation)?;
    let sealed = seal(material, &aad(&h, context), plaintext)?;
    let mut blob = Vec::with_capacity(HEADER_LEN + sealed.len());
    blob.extend_from_slice(&h);
    blob.extend_from_slice(&sealed);
    Ok(blob)
}

/// Reads a blob's header without decrypting; `None` if it is not a blob
/// of this format (too short, another version, a malformed key id).
pub fn blob_header(blob: &[u8]) -> Option<BlobHeader> {
    if blob.len() < HEADER_LEN || blob[0] != BLOB_VERSION {
        return None;
    }
    let id = std::str::from_utf8(&blob[1..1 + KEY_ID_LEN]).ok()?;
    if !id.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-') {
        return None;
    }
    let generation = u32::from_be_bytes(blob[1 + KEY_ID_LEN..HEADER_LEN].try_into().ok()?);
    Some(BlobHeader {
        key_id: id.to_owned(),
        generation,
    })
}

/// Decrypts a blob with the material its header names; fails unless the
/// material and context are the ones it was made with.
pub fn decrypt_blob(
    material: &Key256,
    blob: &[u8],
    context: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if blob.len() < HEADER_LEN {
        return Err(CryptoError::Truncated);
    }
    let (h, sealed) = blob.split_at(HEADER_LEN);
    open(material, &aad(h, context), sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn blobs_round_trip_and_bind_key_generation_and_context() {
        let k = Key256::generate().unwrap();
        let blob = encrypt_blob(&k, ID, 3, b"ctx", b"hello").unwrap();
        assert_eq!(
            blob_header(&blob),
            Some(BlobHeader {
                key_id: ID.into(),
                generation: 3
            })
        );
        assert_eq!(&decrypt_blob(&k, &blob, b"ctx").unwrap()[..], b"hello");
        assert!(decrypt_blob(&k, &blob, b"other").is_err());
        assert!(decrypt_blob(&Key256::generate().unwrap(), &blob, b"ctx").is_err());
        // A header rewritten to another generation no longer authenticates.
        let mut moved = blob.clone();
        moved[HEADER_LEN - 1] ^= 1;
        assert!(decrypt_blob(&k, &moved, b"ctx").is_err());
        let mut tampered = blob.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(decrypt_blob(&k, &tampered, b"ctx").is_err());
        assert!(!blob.windows(5).any(|w| w == b"hello"));
    }

    #[test]
    fn foreign_bytes_have_no_header() {
        assert_eq!(blob_header(b"short"), None);
        let mut b = vec![2u8; 80];
        assert_eq!(blob_header(&b), None);
        b[0] = BLOB_VERSION;
        assert_eq!(blob_header(&b), None);
        assert!(matches!(
            decrypt_blob(&Key256::generate().unwrap(), b"x", b""),
            Err(CryptoError::Truncated)
        ));
    }
}
