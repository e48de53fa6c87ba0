//! The chain key and the two MACs made with it.
//!
//! - record: `HMAC-SHA-256(key, prev_mac ‖ seq as 8 bytes big-endian ‖ record bytes)`,
//!   where `prev_mac` is the previous record's MAC (32 zero bytes before
//!   the first record ever written), across segment boundaries;
//! - segment header: `HMAC-SHA-256(key, "strongroom audit segment header v1\0" ‖
//!   segment as 8 bytes BE ‖ first_seq as 8 bytes BE ‖ prev_mac)`;
//! - chain head (`HEAD`): `HMAC-SHA-256(key, "strongroom audit head v1\0" ‖
//!   seq as 8 bytes BE ‖ mac ‖ segment as 8 bytes BE)`.
//!
//! The inputs cannot be confused: a record input starts with a MAC (a
//! pseudo-random value nobody without the key chooses), a header or head
//! input with its own fixed ASCII label.

use aws_lc_rs::{constant_time, hkdf, hmac};
use zeroize::Zeroizing;

/// An HMAC-SHA-256 output.
pub(crate) type Mac = [u8; 32];

/// The `prev_mac` of the first record ever written.
pub(crate) const GENESIS_MAC: Mac = [0; 32];

/// Prefix of a header's MAC input (domain separation from records).
const HEADER_LABEL: &[u8] = b"strongroom audit segment header v1\0";

/// Prefix of the chain head's MAC input.
const HEAD_LABEL: &[u8] = b"strongroom audit head v1\0";

/// The 256-bit key of the audit chain. Whoever holds it can rewrite the
/// trail undetected, so it is derived from the root key, and stored only
/// sealed under the root key (by a root key rotation, which keeps the chain
/// key as it was).
///
/// The raw bytes are zeroized on drop and `Debug` shows nothing; the
/// prepared HMAC state lives in aws-lc, which cleanses it on drop.
pub struct AuditKey {
    /// The key itself; kept so that `Clone` does not need aws-lc's copy.
    bytes: Zeroizing<[u8; 32]>,
    /// The HMAC key with its inner and outer pads already hashed, so each
    /// record costs only the hashing of its own bytes.
    hmac: hmac::Key,
}

impl AuditKey {
    /// The HKDF `info` that separates this key from every other key derived
    /// from the root key.
    pub const HKDF_INFO: &'static [u8] = b"strongroom audit chain v1";

    /// Derives the chain key from the root key: HKDF-SHA256 (RFC 5869) with
    /// no salt (that is, 32 zero bytes), `info` = [`Self::HKDF_INFO`], 32
    /// bytes out.
    pub fn derive(root_key: &[u8]) -> AuditKey {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(root_key);
        let mut out = Zeroizing::new([0u8; 32]);
        let info = [Self::HKDF_INFO];
        let filled = prk
            .expand(&info, hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut out[..]));
        if filled.is_err() {
            // HKDF-SHA256 only refuses outputs over 255 × 32 bytes.
            unreachable!("HKDF-SHA256 expands to 32 bytes");
        }
        AuditKey::from_bytes(&out)
    }

    /// A chain key from its 32 bytes (tests, or a caller with its own
    /// derivation). The caller should zeroize its copy.
    pub fn from_bytes(bytes: &[u8; 32]) -> AuditKey {
        AuditKey {
            bytes: Zeroizing::new(*bytes),
            hmac: hmac::Key::new(hmac::HMAC_SHA256, bytes),
        }
    }

    /// The MAC of a record line.
    pub(crate) fn record_mac(&self, prev: &Mac, seq: u64, record: &[u8]) -> Mac {
        let mut ctx = hmac::Context::with_key(&self.hmac);
        ctx.update(prev);
        ctx.update(&seq.to_be_bytes());
        ctx.update(record);
        to_mac(&ctx.sign())
    }

    /// The MAC of a segment header line.
    pub(crate) fn header_mac(&self, segment: u64, first_seq: u64, prev: &Mac) -> Mac {
        let mut ctx = hmac::Context::with_key(&self.hmac);
        ctx.update(HEADER_LABEL);
        ctx.update(&segment.to_be_bytes());
        ctx.update(&first_seq.to_be_bytes());
        ctx.update(prev);
        to_mac(&ctx.sign())
    }

    /// The MAC of the chain head file: record `seq`, whose MAC is `mac`, in `segment`.
    pub(crate) fn head_mac(&self, seq: u64, mac: &Mac, segment: u64) -> Mac {
        let mut ctx = hmac::Context::with_key(&self.hmac);
        ctx.update(HEAD_LABEL);
        ctx.update(&seq.to_be_bytes());
        ctx.update(mac);
        ctx.update(&segment.to_be_bytes());
        to_mac(&ctx.sign())
    }

    /// The key's bytes: a root key rotation seals them under the new root
    /// key, so the chain stays verifiable (never written in clear).
    pub fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

fn to_mac(tag: &hmac::Tag) -> Mac {
    let mut mac = [0u8; 32];
    // An HMAC-SHA-256 tag is 32 bytes; copy defensively all the same.
    let bytes = tag.as_ref();
    let n = bytes.len().min(32);
    mac[..n].copy_from_slice(&bytes[..n]);
    mac
}

/// Compares two MACs in constant time, so that a verifier run against
/// attacker-chosen files leaks nothing about the expected values.
pub(crate) fn macs_equal(a: &Mac, b: &Mac) -> bool {
    constant_time::verify_slices_are_equal(a, b).is_ok()
}

impl Clone for AuditKey {
    fn clone(&self) -> Self {
        AuditKey::from_bytes(&self.bytes)
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known answers, computed with an independent implementation
    /// (Python's `hmac` and `hashlib`) from the documented definitions.
    fn hex(mac: &[u8]) -> String {
        mac.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn derive_is_rfc5869_hkdf_sha256_with_our_info() {
        // RFC 5869: PRK = HMAC(zeros(32), IKM); OKM = T(1) = HMAC(PRK, info ‖ 0x01),
        // IKM = 32 bytes of 0x42, info = "strongroom audit chain v1".
        let root = [0x42u8; 32];
        assert_eq!(
            hex(AuditKey::derive(&root).bytes()),
            "5a25f9460890747224aed0e7f6863baf909acbbdaa93ac6074de94b9deccb279"
        );
        // Another root key, another chain key.
        assert_ne!(
            AuditKey::derive(&[0x43u8; 32]).bytes(),
            AuditKey::derive(&root).bytes()
        );
    }

    #[test]
    fn record_and_header_macs_are_the_documented_hmacs() {
        let key = AuditKey::from_bytes(&[7u8; 32]);
        let prev = [9u8; 32];
        // HMAC(key, prev ‖ be64(5) ‖ "{}")
        assert_eq!(
            hex(&key.record_mac(&prev, 5, b"{}")),
            "3fc1aef19148ac59f7345ac297e53ab73b1a088996ebf4a7950ec7f093dd2a4e"
        );
        // HMAC(key, "strongroom audit segment header v1\0" ‖ be64(2) ‖ be64(5) ‖ prev)
        assert_eq!(
            hex(&key.header_mac(2, 5, &prev)),
            "c74cd9756860d0c14690320b8874e1fec92f8c00a0cf8104931acd24fe0cb598"
        );
        // HMAC(key, "strongroom audit head v1\0" ‖ be64(5) ‖ prev ‖ be64(2))
        assert_eq!(
            hex(&key.head_mac(5, &prev, 2)),
            "ee0c6708e6af71f42c59b3e41f581e47c12a2e0db5215d4442120f2160e3ecdb"
        );
        assert!(macs_equal(&prev, &[9u8; 32]));
        assert!(!macs_equal(&prev, &[8u8; 32]));
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(
            format!("{:?}", AuditKey::from_bytes(&[1; 32])),
            "AuditKey(<redacted>)"
        );
    }
}
