//! Tests of the KMS primitives. Keys are generated once per test binary (`material`):
//! RSA-4096 generation takes seconds in a debug build.

mod cross;
mod der;
mod hmac;
mod material;
mod oaep;
mod pair;
mod sign;
mod spec;

use super::{KeyMaterial, KeySpec};
use std::sync::LazyLock;

pub(super) const ASYMMETRIC: &[KeySpec] = &[
    KeySpec::Rsa2048,
    KeySpec::Rsa3072,
    KeySpec::Rsa4096,
    KeySpec::EccNistP256,
    KeySpec::EccNistP384,
    KeySpec::EccNistP521,
    KeySpec::EccSecgP256k1,
];

pub(super) const RSA: &[KeySpec] = &[KeySpec::Rsa2048, KeySpec::Rsa3072, KeySpec::Rsa4096];

pub(super) const HMAC: &[KeySpec] = &[
    KeySpec::Hmac224,
    KeySpec::Hmac256,
    KeySpec::Hmac384,
    KeySpec::Hmac512,
];

fn generate(key_spec: KeySpec) -> KeyMaterial {
    match KeyMaterial::generate(key_spec) {
        Ok(material) => material,
        Err(e) => panic!("generating {key_spec}: {e}"),
    }
}

/// One generated key per asymmetric or HMAC key spec, shared by the tests.
pub(super) fn material(key_spec: KeySpec) -> &'static KeyMaterial {
    static RSA_2048: LazyLock<KeyMaterial> = LazyLock::new(|| generate(KeySpec::Rsa2048));
    static RSA_3072: LazyLock<KeyMaterial> = LazyLock::new(|| generate(KeySpec::Rsa3072));
    static RSA_4096: LazyLock<KeyMaterial> = LazyLock::new(|| generate(KeySpec::Rsa4096));
    static P256: LazyLock<KeyMaterial> = LazyLock::new(|| generate(KeySpec::EccNistP256));
    static P384: LazyLock<KeyMaterial> = LazyLock::new(|| generate(KeySpec::EccNistP384));
    static P521: LazyLock<KeyMaterial> = LazyLock::new(|| generate(KeySpec::EccNistP521));
    static K1: LazyLock<KeyMaterial> = LazyLock::new(|| generate(KeySpec::EccSecgP256k1));
    static H224: LazyLock<KeyMaterial> = LazyLock::new(|| generate(KeySpec::Hmac224));
    static H256: LazyLock<KeyMaterial> = LazyLock::new(|| generate(KeySpec::Hmac256));
    static H384: LazyLock<KeyMaterial> = LazyLock::new(|| generate(KeySpec::Hmac384));
    static H512: LazyLock<KeyMaterial> = LazyLock::new(|| generate(KeySpec::Hmac512));
    match key_spec {
        KeySpec::Rsa2048 => &RSA_2048,
        KeySpec::Rsa3072 => &RSA_3072,
        KeySpec::Rsa4096 => &RSA_4096,
        KeySpec::EccNistP256 => &P256,
        KeySpec::EccNistP384 => &P384,
        KeySpec::EccNistP521 => &P521,
        KeySpec::EccSecgP256k1 => &K1,
        KeySpec::Hmac224 => &H224,
        KeySpec::Hmac256 => &H256,
        KeySpec::Hmac384 => &H384,
        KeySpec::Hmac512 => &H512,
        KeySpec::SymmetricDefault => panic!("no KeyMaterial for SYMMETRIC_DEFAULT"),
    }
}

pub(super) fn public_key(key_spec: KeySpec) -> &'static [u8] {
    match material(key_spec).public_key() {
        Some(der) => der,
        None => panic!("{key_spec} has no public key"),
    }
}

pub(super) fn hex(s: &str) -> Vec<u8> {
    match aws_lc_rs::test::from_hex(s) {
        Ok(bytes) => bytes,
        Err(e) => panic!("bad hex in a test vector: {e}"),
    }
}

pub(super) fn sha(hash: super::HashAlgorithm, data: &[u8]) -> Vec<u8> {
    use aws_lc_rs::digest;
    let alg = match hash {
        super::HashAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        super::HashAlgorithm::Sha224 => &digest::SHA224,
        super::HashAlgorithm::Sha256 => &digest::SHA256,
        super::HashAlgorithm::Sha384 => &digest::SHA384,
        super::HashAlgorithm::Sha512 => &digest::SHA512,
    };
    digest::digest(alg, data).as_ref().to_vec()
}

/// The service caches parsed keys and shares them between tasks: a compile-time check.
#[test]
fn key_types_are_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<super::KeyMaterial>();
    shared::<super::SigningKey>();
    shared::<super::VerifyingKey>();
    shared::<super::RsaEncryptingKey>();
    shared::<super::RsaDecryptingKey>();
    shared::<super::MacKey>();
    shared::<super::DataKeyPair>();
    shared::<super::KmsCryptoError>();
}
