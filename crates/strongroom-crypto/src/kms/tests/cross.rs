//! Cross-checks against OpenSSL, an implementation independent of aws-lc: keys,
//! signatures, ciphertexts and MACs it made (testdata/kms/README.md says how).

use super::hex;
use super::material::assert_spki;
use crate::kms::{
    EncryptionAlgorithmSpec, KeyMaterial, KeySpec, MacAlgorithmSpec, MacKey, MessageType,
    RsaDecryptingKey, SigningAlgorithmSpec, SigningKey, VerifyingKey,
};
use zeroize::Zeroizing;

macro_rules! vector {
    ($file:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/kms/", $file))
    };
}

const MESSAGE: &[u8] = vector!("msg");

/// OpenSSL's private key reads back, and the public key we derive is OpenSSL's, byte
/// for byte.
fn openssl_key(spec: KeySpec, pkcs8: &[u8], spki: &[u8]) -> KeyMaterial {
    let material = KeyMaterial::from_secret(spec, Zeroizing::new(pkcs8.to_vec())).unwrap();
    assert_eq!(
        material.public_key(),
        Some(spki),
        "{spec}: derived SPKI = OpenSSL's"
    );
    assert_spki(spec, spki);
    material
}

#[test]
fn openssl_ecdsa_signatures_verify_and_ours_verify_with_openssl_keys() {
    for (spec, pkcs8, spki, sig) in [
        (
            KeySpec::EccNistP256,
            &vector!("p256.p8")[..],
            &vector!("p256.spki")[..],
            &vector!("p256.sig")[..],
        ),
        (
            KeySpec::EccNistP384,
            vector!("p384.p8"),
            vector!("p384.spki"),
            vector!("p384.sig"),
        ),
        (
            KeySpec::EccSecgP256k1,
            vector!("k1.p8"),
            vector!("k1.spki"),
            vector!("k1.sig"),
        ),
    ] {
        let material = openssl_key(spec, pkcs8, spki);
        let alg = spec.signing_algorithms()[0];
        let verifier = VerifyingKey::from_spki(spec, spki).unwrap();
        assert_eq!(
            verifier.verify(alg, MessageType::Raw, MESSAGE, sig),
            Ok(()),
            "{spec}"
        );
        let digest = super::sha(alg.hash(), MESSAGE);
        assert_eq!(
            verifier.verify(alg, MessageType::Digest, &digest, sig),
            Ok(()),
            "{spec}"
        );
        let ours = SigningKey::from_pkcs8(spec, material.secret())
            .unwrap()
            .sign(alg, MessageType::Digest, &digest)
            .unwrap();
        assert_eq!(
            verifier.verify(alg, MessageType::Raw, MESSAGE, &ours),
            Ok(())
        );
    }
}

#[test]
fn rsa_pkcs1_signature_equals_openssls_byte_for_byte() {
    // PKCS#1 v1.5 is deterministic: same key, same message, same signature.
    let material = openssl_key(KeySpec::Rsa2048, vector!("rsa.p8"), vector!("rsa.spki"));
    let signer = SigningKey::from_pkcs8(KeySpec::Rsa2048, material.secret()).unwrap();
    let alg = SigningAlgorithmSpec::RsassaPkcs1V15Sha256;
    let expected = vector!("rsa_pkcs1_sha256.sig");
    assert_eq!(
        signer.sign(alg, MessageType::Raw, MESSAGE).unwrap(),
        expected
    );
    let digest = super::sha(alg.hash(), MESSAGE);
    assert_eq!(
        signer.sign(alg, MessageType::Digest, &digest).unwrap(),
        expected
    );
}

#[test]
fn openssl_pss_signature_with_digest_length_salt_verifies() {
    let verifier = VerifyingKey::from_spki(KeySpec::Rsa2048, vector!("rsa.spki")).unwrap();
    let sig = vector!("rsa_pss_sha384.sig");
    let alg = SigningAlgorithmSpec::RsassaPssSha384;
    assert_eq!(verifier.verify(alg, MessageType::Raw, MESSAGE, sig), Ok(()));
    let digest = super::sha(alg.hash(), MESSAGE);
    assert_eq!(
        verifier.verify(alg, MessageType::Digest, &digest, sig),
        Ok(())
    );
}

#[test]
fn openssl_oaep_ciphertexts_decrypt() {
    let key = RsaDecryptingKey::from_pkcs8(KeySpec::Rsa2048, vector!("rsa.p8")).unwrap();
    for (alg, ciphertext) in [
        (
            EncryptionAlgorithmSpec::RsaesOaepSha1,
            &vector!("oaep1.bin")[..],
        ),
        (
            EncryptionAlgorithmSpec::RsaesOaepSha256,
            vector!("oaep256.bin"),
        ),
    ] {
        assert_eq!(
            &key.decrypt(alg, ciphertext).unwrap()[..],
            vector!("pt"),
            "{alg}"
        );
    }
}

#[test]
fn hmac_of_kms_key_lengths_equals_openssls() {
    // Key = bytes 0, 1, 2, … of the spec's length; message = msg.
    for (spec, alg, expected) in [
        (
            KeySpec::Hmac224,
            MacAlgorithmSpec::HmacSha224,
            "58db89df66a37eccae6a277773a01716b6b5f8dca217a9b489312c06",
        ),
        (
            KeySpec::Hmac256,
            MacAlgorithmSpec::HmacSha256,
            "54a59e8a4c33a69548d2ec438aa796e5f1a865524250de64d3137bf886c13111",
        ),
        (
            KeySpec::Hmac384,
            MacAlgorithmSpec::HmacSha384,
            "c04e0d1613ae91b93667ace200236c31c44d54994a1d901069afc858343aa7b9\
             d2727dd20e9efd150d5b34ebb0e8d113",
        ),
        (
            KeySpec::Hmac512,
            MacAlgorithmSpec::HmacSha512,
            "7f91935f47c910d4297bed59c77656f27ffa784c7a7ca3c58fe1662dfc4f8e57\
             e37bca2aef00bb7c0ef7bb8cab763930e3c2579a461d241e965cda98d3a5d9b2",
        ),
    ] {
        let secret: Vec<u8> = (0..spec.hmac_key_len().unwrap() as u8).collect();
        let key = MacKey::new(spec, &secret).unwrap();
        assert_eq!(
            key.generate_mac(alg, MESSAGE).unwrap(),
            hex(expected),
            "{spec}"
        );
    }
}

#[test]
fn keys_not_in_pkcs8_are_refused() {
    // What `openssl genpkey -outform DER` writes: RFC 5915 ECPrivateKey, not PKCS#8.
    let sec1 = vector!("p256.sec1");
    assert!(matches!(
        KeyMaterial::from_secret(KeySpec::EccNistP256, Zeroizing::new(sec1.to_vec())),
        Err(crate::kms::KmsCryptoError::MalformedKeyMaterial { .. })
    ));
}
