//! Sign and Verify for every key spec and algorithm, RAW and DIGEST.

use super::der::{self, tlv};
use super::{ASYMMETRIC, material, public_key, sha};
use crate::kms::{
    KeySpec, KmsCryptoError, MessageType, SigningAlgorithmSpec, SigningKey, VerifyingKey,
};
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaParameters, RsaPssSaltLength};

fn signing_key(spec: KeySpec) -> SigningKey {
    SigningKey::from_pkcs8(spec, material(spec).secret()).unwrap()
}

fn verifying_key(spec: KeySpec) -> VerifyingKey {
    VerifyingKey::from_spki(spec, public_key(spec)).unwrap()
}

fn flip_bit(bytes: &[u8], index: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[index] ^= 0x01;
    out
}

const MESSAGE: &[u8] = b"a message KMS signs";

#[test]
fn every_allowed_algorithm_round_trips_raw_and_digest_and_a_flipped_bit_fails() {
    for &spec in ASYMMETRIC {
        let signer = signing_key(spec);
        let verifier = verifying_key(spec);
        assert_eq!(signer.public_key_der().unwrap(), public_key(spec));
        for &alg in spec.signing_algorithms() {
            let digest = sha(alg.hash(), MESSAGE);
            for (message_type, message) in [
                (MessageType::Raw, MESSAGE),
                (MessageType::Digest, &digest[..]),
            ] {
                let sig = signer.sign(alg, message_type, message).unwrap();
                verifier
                    .verify(alg, message_type, message, &sig)
                    .unwrap_or_else(|e| panic!("{spec} {alg} {message_type}: {e}"));
                // DIGEST signs the hash RAW would compute: each verifies as the other.
                let (other_type, other) = match message_type {
                    MessageType::Raw => (MessageType::Digest, &digest[..]),
                    MessageType::Digest => (MessageType::Raw, MESSAGE),
                };
                assert_eq!(
                    verifier.verify(alg, other_type, other, &sig),
                    Ok(()),
                    "{spec} {alg}"
                );
                // A flipped bit in the signature, in the message: refused.
                for i in [0, sig.len() / 2, sig.len() - 1] {
                    assert_eq!(
                        verifier.verify(alg, message_type, message, &flip_bit(&sig, i)),
                        Err(KmsCryptoError::InvalidSignature),
                        "{spec} {alg} {message_type} bit at {i}"
                    );
                }
                assert_eq!(
                    verifier.verify(alg, message_type, &flip_bit(message, 0), &sig),
                    Err(KmsCryptoError::InvalidSignature)
                );
            }
        }
    }
}

#[test]
fn a_signature_verifies_only_with_its_algorithm_and_key() {
    let spec = KeySpec::Rsa2048;
    let sig = signing_key(spec)
        .sign(
            SigningAlgorithmSpec::RsassaPssSha256,
            MessageType::Raw,
            MESSAGE,
        )
        .unwrap();
    let verifier = verifying_key(spec);
    for alg in [
        SigningAlgorithmSpec::RsassaPssSha384,
        SigningAlgorithmSpec::RsassaPkcs1V15Sha256,
    ] {
        assert_eq!(
            verifier.verify(alg, MessageType::Raw, MESSAGE, &sig),
            Err(KmsCryptoError::InvalidSignature)
        );
    }
    // Another key of the same spec.
    let other = crate::kms::KeyMaterial::generate(KeySpec::EccNistP256).unwrap();
    let sig = signing_key(KeySpec::EccNistP256)
        .sign(SigningAlgorithmSpec::EcdsaSha256, MessageType::Raw, MESSAGE)
        .unwrap();
    let other = VerifyingKey::from_spki(KeySpec::EccNistP256, other.public_key().unwrap()).unwrap();
    assert_eq!(
        other.verify(
            SigningAlgorithmSpec::EcdsaSha256,
            MessageType::Raw,
            MESSAGE,
            &sig
        ),
        Err(KmsCryptoError::InvalidSignature)
    );
}

#[test]
fn malformed_or_empty_signatures_are_invalid_signatures() {
    for &spec in &[KeySpec::Rsa2048, KeySpec::EccNistP384] {
        let alg = spec.signing_algorithms()[0];
        let verifier = verifying_key(spec);
        for bad in [&[][..], &[0x30, 0x00], &[0xff; 7], &[0u8; 600]] {
            assert_eq!(
                verifier.verify(alg, MessageType::Raw, MESSAGE, bad),
                Err(KmsCryptoError::InvalidSignature),
                "{spec}"
            );
        }
    }
}

#[test]
fn ecdsa_signatures_are_der_sequences_of_two_integers() {
    for &spec in &[
        KeySpec::EccNistP256,
        KeySpec::EccNistP384,
        KeySpec::EccNistP521,
        KeySpec::EccSecgP256k1,
    ] {
        let alg = spec.signing_algorithms()[0];
        let sig = signing_key(spec)
            .sign(alg, MessageType::Raw, MESSAGE)
            .unwrap();
        let (tag, body, rest) = tlv(&sig);
        assert_eq!(tag, der::SEQUENCE, "{spec}");
        assert!(rest.is_empty());
        let (r_tag, _, rest) = tlv(body);
        let (s_tag, _, rest) = tlv(rest);
        assert_eq!((r_tag, s_tag), (der::INTEGER, der::INTEGER));
        assert!(rest.is_empty(), "{spec}: r and s only");
    }
}

#[test]
fn rsa_signatures_are_as_long_as_the_modulus() {
    for &spec in super::RSA {
        let sig = signing_key(spec)
            .sign(
                SigningAlgorithmSpec::RsassaPkcs1V15Sha512,
                MessageType::Raw,
                MESSAGE,
            )
            .unwrap();
        assert_eq!(sig.len() * 8, spec.rsa_bits().unwrap());
    }
}

#[test]
fn pss_salt_is_as_long_as_the_hash() {
    static SALT_32: RsaParameters =
        signature::RSA_PSS_2048_8192_SHA256.with_pss_salt_length(RsaPssSaltLength::Custom(32));
    static SALT_31: RsaParameters =
        signature::RSA_PSS_2048_8192_SHA256.with_pss_salt_length(RsaPssSaltLength::Custom(31));
    static SALT_64: RsaParameters =
        signature::RSA_PSS_2048_8192_SHA512.with_pss_salt_length(RsaPssSaltLength::Custom(64));
    static SALT_0: RsaParameters =
        signature::RSA_PSS_2048_8192_SHA512.with_pss_salt_length(RsaPssSaltLength::Custom(0));
    let spec = KeySpec::Rsa2048;
    let signer = signing_key(spec);
    let check = |alg, exact: &'static RsaParameters, other: &'static RsaParameters| {
        let sig = signer.sign(alg, MessageType::Raw, MESSAGE).unwrap();
        let key = |p| ParsedPublicKey::new(p, public_key(spec)).unwrap();
        assert!(
            key(exact).verify_sig(MESSAGE, &sig).is_ok(),
            "{alg}: salt = hash length"
        );
        assert!(
            key(other).verify_sig(MESSAGE, &sig).is_err(),
            "{alg}: strict salt check"
        );
    };
    check(SigningAlgorithmSpec::RsassaPssSha256, &SALT_32, &SALT_31);
    check(SigningAlgorithmSpec::RsassaPssSha512, &SALT_64, &SALT_0);
}

#[test]
fn a_digest_of_the_wrong_length_is_refused() {
    for &spec in ASYMMETRIC {
        let signer = signing_key(spec);
        let verifier = verifying_key(spec);
        for &alg in spec.signing_algorithms() {
            for len in [0, alg.digest_len() - 1, alg.digest_len() + 1, 20] {
                let expected = Err(KmsCryptoError::BadDigestLength {
                    algorithm: alg.as_str(),
                    expected: alg.digest_len(),
                    len,
                });
                let digest = vec![0x5a; len];
                assert_eq!(
                    signer.sign(alg, MessageType::Digest, &digest).map(drop),
                    expected
                );
                assert_eq!(
                    verifier.verify(alg, MessageType::Digest, &digest, &[0; 64]),
                    expected
                );
            }
        }
    }
}

#[test]
fn raw_messages_take_1_to_4096_bytes() {
    let spec = KeySpec::EccNistP256;
    let alg = SigningAlgorithmSpec::EcdsaSha256;
    let signer = signing_key(spec);
    let verifier = verifying_key(spec);
    let big = vec![7u8; 4096];
    let sig = signer.sign(alg, MessageType::Raw, &big).unwrap();
    assert_eq!(verifier.verify(alg, MessageType::Raw, &big, &sig), Ok(()));
    for len in [0, 4097] {
        let expected = Err(KmsCryptoError::MessageLength { len, max: 4096 });
        let message = vec![7u8; len];
        assert_eq!(
            signer.sign(alg, MessageType::Raw, &message).map(drop),
            expected
        );
        assert_eq!(
            verifier.verify(alg, MessageType::Raw, &message, &sig),
            expected
        );
    }
}

#[test]
fn an_algorithm_the_key_spec_does_not_support_is_refused() {
    use SigningAlgorithmSpec as S;
    for (spec, alg) in [
        (KeySpec::EccNistP256, S::EcdsaSha384),
        (KeySpec::EccNistP384, S::EcdsaSha256),
        (KeySpec::EccNistP521, S::EcdsaSha384),
        (KeySpec::EccSecgP256k1, S::EcdsaSha512),
        (KeySpec::EccNistP256, S::RsassaPssSha256),
        (KeySpec::Rsa3072, S::EcdsaSha384),
    ] {
        let expected = Err(KmsCryptoError::UnsupportedAlgorithmForKey {
            key_spec: spec,
            algorithm: alg.as_str(),
        });
        let digest = vec![0; alg.digest_len()];
        assert_eq!(
            signing_key(spec)
                .sign(alg, MessageType::Raw, MESSAGE)
                .map(drop),
            expected
        );
        assert_eq!(
            signing_key(spec)
                .sign(alg, MessageType::Digest, &digest)
                .map(drop),
            expected
        );
        assert_eq!(
            verifying_key(spec).verify(alg, MessageType::Raw, MESSAGE, &[1]),
            expected
        );
    }
}

#[test]
fn keys_of_another_spec_are_refused() {
    let p256 = material(KeySpec::EccNistP256);
    assert!(matches!(
        SigningKey::from_pkcs8(KeySpec::EccNistP384, p256.secret()),
        Err(KmsCryptoError::MalformedKeyMaterial { .. })
    ));
    assert!(matches!(
        VerifyingKey::from_spki(KeySpec::EccSecgP256k1, p256.public_key().unwrap()),
        Err(KmsCryptoError::MalformedKeyMaterial { .. })
    ));
    assert!(matches!(
        VerifyingKey::from_spki(KeySpec::Rsa4096, public_key(KeySpec::Rsa2048)),
        Err(KmsCryptoError::MalformedKeyMaterial { .. })
    ));
    assert!(matches!(
        VerifyingKey::from_spki(KeySpec::Rsa2048, public_key(KeySpec::EccNistP256)),
        Err(KmsCryptoError::MalformedKeyMaterial { .. })
    ));
    assert_eq!(
        SigningKey::from_pkcs8(KeySpec::Hmac256, &[0; 32]).map(drop),
        Err(KmsCryptoError::WrongKeyKind {
            key_spec: KeySpec::Hmac256,
        })
    );
}
