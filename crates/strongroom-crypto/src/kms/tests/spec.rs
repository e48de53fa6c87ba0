//! Names and the rules between them.

use crate::kms::{
    DataKeyPairSpec, EncryptionAlgorithmSpec, KeyAlgorithms, KeySpec, KeyUsage, KmsCryptoError,
    MacAlgorithmSpec, MessageType, SigningAlgorithmSpec, require_key_usage,
};
use std::str::FromStr;

/// Every value's wire string parses back to it, and the strings are KMS's (botocore's
/// kms model, less what this server does not offer).
fn round_trips<T>(all: &[T], expected: &[&str])
where
    T: FromStr<Err = KmsCryptoError> + Copy + PartialEq + std::fmt::Debug + std::fmt::Display,
{
    let strings: Vec<String> = all.iter().map(|v| v.to_string()).collect();
    assert_eq!(strings, expected);
    for v in all {
        assert_eq!(T::from_str(&v.to_string()), Ok(*v));
    }
}

#[test]
fn wire_strings_are_kms_names_and_parse_back() {
    round_trips(
        KeySpec::ALL,
        &[
            "RSA_2048",
            "RSA_3072",
            "RSA_4096",
            "ECC_NIST_P256",
            "ECC_NIST_P384",
            "ECC_NIST_P521",
            "ECC_SECG_P256K1",
            "SYMMETRIC_DEFAULT",
            "HMAC_224",
            "HMAC_256",
            "HMAC_384",
            "HMAC_512",
        ],
    );
    round_trips(
        KeyUsage::ALL,
        &["SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC"],
    );
    round_trips(
        SigningAlgorithmSpec::ALL,
        &[
            "RSASSA_PSS_SHA_256",
            "RSASSA_PSS_SHA_384",
            "RSASSA_PSS_SHA_512",
            "RSASSA_PKCS1_V1_5_SHA_256",
            "RSASSA_PKCS1_V1_5_SHA_384",
            "RSASSA_PKCS1_V1_5_SHA_512",
            "ECDSA_SHA_256",
            "ECDSA_SHA_384",
            "ECDSA_SHA_512",
        ],
    );
    round_trips(
        EncryptionAlgorithmSpec::ALL,
        &[
            "SYMMETRIC_DEFAULT",
            "RSAES_OAEP_SHA_1",
            "RSAES_OAEP_SHA_256",
        ],
    );
    round_trips(
        MacAlgorithmSpec::ALL,
        &[
            "HMAC_SHA_224",
            "HMAC_SHA_256",
            "HMAC_SHA_384",
            "HMAC_SHA_512",
        ],
    );
    round_trips(
        DataKeyPairSpec::ALL,
        &[
            "RSA_2048",
            "RSA_3072",
            "RSA_4096",
            "ECC_NIST_P256",
            "ECC_NIST_P384",
            "ECC_NIST_P521",
            "ECC_SECG_P256K1",
        ],
    );
    round_trips(MessageType::ALL, &["RAW", "DIGEST"]);
}

#[test]
fn unknown_names_are_refused_as_unknown() {
    for bad in ["rsa_2048", "RSA_1024", "", "RSA_2048 "] {
        assert_eq!(
            KeySpec::from_str(bad),
            Err(KmsCryptoError::UnknownName {
                member: "KeySpec",
                value: bad.to_owned(),
            })
        );
    }
    assert!(matches!(
        SigningAlgorithmSpec::from_str("ECDSA_SHA_224"),
        Err(KmsCryptoError::UnknownName {
            member: "SigningAlgorithm",
            ..
        })
    ));
    // A long value is cut in the error.
    let long = "X".repeat(1000);
    match KeyUsage::from_str(&long) {
        Err(KmsCryptoError::UnknownName { value, .. }) => assert_eq!(value.len(), 64),
        other => panic!("{other:?}"),
    }
}

#[test]
fn sm2_and_other_kms_names_this_server_does_not_offer_are_not_supported() {
    let not_supported = |r: Result<(), KmsCryptoError>, value: &str| {
        assert!(
            matches!(&r, Err(KmsCryptoError::NotSupported { value: v, .. }) if v == value),
            "{value}: {r:?}"
        );
    };
    not_supported(KeySpec::from_str("SM2").map(drop), "SM2");
    not_supported(
        KeySpec::from_str("ECC_NIST_EDWARDS25519").map(drop),
        "ECC_NIST_EDWARDS25519",
    );
    not_supported(DataKeyPairSpec::from_str("SM2").map(drop), "SM2");
    not_supported(SigningAlgorithmSpec::from_str("SM2DSA").map(drop), "SM2DSA");
    not_supported(
        EncryptionAlgorithmSpec::from_str("SM2PKE").map(drop),
        "SM2PKE",
    );
    not_supported(
        KeyUsage::from_str("KEY_AGREEMENT").map(drop),
        "KEY_AGREEMENT",
    );
    not_supported(
        MessageType::from_str("EXTERNAL_MU").map(drop),
        "EXTERNAL_MU",
    );
}

#[test]
fn key_usages_each_key_spec_allows() {
    use KeyUsage::*;
    for spec in [KeySpec::Rsa2048, KeySpec::Rsa3072, KeySpec::Rsa4096] {
        assert_eq!(spec.allowed_key_usages(), &[EncryptDecrypt, SignVerify]);
    }
    for spec in [
        KeySpec::EccNistP256,
        KeySpec::EccNistP384,
        KeySpec::EccNistP521,
        KeySpec::EccSecgP256k1,
    ] {
        assert_eq!(spec.allowed_key_usages(), &[SignVerify]);
        assert_eq!(
            spec.check_key_usage(EncryptDecrypt),
            Err(KmsCryptoError::InvalidKeyUsage {
                key_spec: spec,
                key_usage: EncryptDecrypt,
            })
        );
    }
    for spec in super::HMAC {
        assert_eq!(spec.allowed_key_usages(), &[GenerateVerifyMac]);
        assert!(spec.check_key_usage(SignVerify).is_err());
        assert!(spec.check_key_usage(EncryptDecrypt).is_err());
    }
    assert_eq!(
        KeySpec::SymmetricDefault.allowed_key_usages(),
        &[EncryptDecrypt]
    );
    assert!(
        KeySpec::SymmetricDefault
            .check_key_usage(GenerateVerifyMac)
            .is_err()
    );
    assert_eq!(KeySpec::Rsa2048.check_key_usage(SignVerify), Ok(()));
}

#[test]
fn an_operation_refuses_a_key_of_another_usage() {
    assert_eq!(
        require_key_usage(KeySpec::Rsa2048, KeyUsage::SignVerify, KeyUsage::SignVerify),
        Ok(())
    );
    assert_eq!(
        require_key_usage(
            KeySpec::Rsa2048,
            KeyUsage::EncryptDecrypt,
            KeyUsage::SignVerify
        ),
        Err(KmsCryptoError::InvalidKeyUsage {
            key_spec: KeySpec::Rsa2048,
            key_usage: KeyUsage::EncryptDecrypt,
        })
    );
    assert!(
        require_key_usage(
            KeySpec::Hmac256,
            KeyUsage::GenerateVerifyMac,
            KeyUsage::EncryptDecrypt
        )
        .is_err()
    );
}

#[test]
fn describe_key_lists_are_kms_lists_in_kms_order() {
    use EncryptionAlgorithmSpec as E;
    use SigningAlgorithmSpec as S;
    // AWS CLI describe-key example, RSA_2048 SIGN_VERIFY.
    let rsa_sign = KeyAlgorithms::of(KeySpec::Rsa2048, KeyUsage::SignVerify).unwrap();
    assert_eq!(
        rsa_sign.signing,
        &[
            S::RsassaPkcs1V15Sha256,
            S::RsassaPkcs1V15Sha384,
            S::RsassaPkcs1V15Sha512,
            S::RsassaPssSha256,
            S::RsassaPssSha384,
            S::RsassaPssSha512,
        ]
    );
    assert!(rsa_sign.encryption.is_empty() && rsa_sign.mac.is_empty());
    // AWS CLI get-public-key example, RSA_4096 ENCRYPT_DECRYPT.
    let rsa_enc = KeyAlgorithms::of(KeySpec::Rsa4096, KeyUsage::EncryptDecrypt).unwrap();
    assert_eq!(rsa_enc.encryption, &[E::RsaesOaepSha1, E::RsaesOaepSha256]);
    assert!(rsa_enc.signing.is_empty() && rsa_enc.mac.is_empty());
    // One ECDSA hash per curve (KMS Developer Guide, ECC key specs).
    for (spec, alg) in [
        (KeySpec::EccNistP256, S::EcdsaSha256),
        (KeySpec::EccNistP384, S::EcdsaSha384),
        (KeySpec::EccNistP521, S::EcdsaSha512),
        (KeySpec::EccSecgP256k1, S::EcdsaSha256),
    ] {
        assert_eq!(
            KeyAlgorithms::of(spec, KeyUsage::SignVerify)
                .unwrap()
                .signing,
            &[alg]
        );
    }
    for (spec, alg) in [
        (KeySpec::Hmac224, MacAlgorithmSpec::HmacSha224),
        (KeySpec::Hmac256, MacAlgorithmSpec::HmacSha256),
        (KeySpec::Hmac384, MacAlgorithmSpec::HmacSha384),
        (KeySpec::Hmac512, MacAlgorithmSpec::HmacSha512),
    ] {
        let lists = KeyAlgorithms::of(spec, KeyUsage::GenerateVerifyMac).unwrap();
        assert_eq!(lists.mac, &[alg]);
        assert!(lists.signing.is_empty() && lists.encryption.is_empty());
    }
    assert_eq!(
        KeyAlgorithms::of(KeySpec::SymmetricDefault, KeyUsage::EncryptDecrypt)
            .unwrap()
            .encryption,
        &[E::SymmetricDefault]
    );
    assert!(KeyAlgorithms::of(KeySpec::EccNistP256, KeyUsage::EncryptDecrypt).is_err());
}

#[test]
fn algorithms_a_key_spec_does_not_support_are_refused() {
    use SigningAlgorithmSpec as S;
    let refused = |alg: S, spec: KeySpec| {
        assert_eq!(
            alg.check_for(spec),
            Err(KmsCryptoError::UnsupportedAlgorithmForKey {
                key_spec: spec,
                algorithm: alg.as_str(),
            })
        );
    };
    refused(S::EcdsaSha384, KeySpec::EccNistP256);
    refused(S::EcdsaSha256, KeySpec::EccNistP384);
    refused(S::EcdsaSha256, KeySpec::EccNistP521);
    refused(S::EcdsaSha512, KeySpec::EccSecgP256k1);
    refused(S::EcdsaSha256, KeySpec::Rsa2048);
    refused(S::RsassaPssSha256, KeySpec::EccNistP256);
    refused(S::RsassaPssSha256, KeySpec::Hmac256);
    assert!(
        EncryptionAlgorithmSpec::SymmetricDefault
            .check_for(KeySpec::Rsa2048)
            .is_err()
    );
    assert!(
        EncryptionAlgorithmSpec::RsaesOaepSha256
            .check_for(KeySpec::SymmetricDefault)
            .is_err()
    );
    assert!(
        EncryptionAlgorithmSpec::RsaesOaepSha1
            .check_for(KeySpec::EccNistP256)
            .is_err()
    );
    assert!(
        MacAlgorithmSpec::HmacSha256
            .check_for(KeySpec::Hmac384)
            .is_err()
    );
    assert!(
        MacAlgorithmSpec::HmacSha256
            .check_for(KeySpec::Rsa2048)
            .is_err()
    );
}

#[test]
fn oaep_plaintext_limits_are_kms_table() {
    use EncryptionAlgorithmSpec::*;
    // KMS Developer Guide, "Maximum plaintext size (in bytes) in an Encrypt operation".
    for (spec, sha1, sha256) in [
        (KeySpec::Rsa2048, 214, 190),
        (KeySpec::Rsa3072, 342, 318),
        (KeySpec::Rsa4096, 470, 446),
    ] {
        assert_eq!(RsaesOaepSha1.max_plaintext_len(spec), Some(sha1));
        assert_eq!(RsaesOaepSha256.max_plaintext_len(spec), Some(sha256));
    }
    assert_eq!(SymmetricDefault.max_plaintext_len(KeySpec::Rsa2048), None);
    assert_eq!(
        RsaesOaepSha256.max_plaintext_len(KeySpec::EccNistP256),
        None
    );
}

#[test]
fn digest_mac_and_hmac_key_lengths() {
    use SigningAlgorithmSpec as S;
    for (alg, len) in [
        (S::RsassaPssSha256, 32),
        (S::RsassaPssSha384, 48),
        (S::RsassaPssSha512, 64),
        (S::RsassaPkcs1V15Sha256, 32),
        (S::RsassaPkcs1V15Sha384, 48),
        (S::RsassaPkcs1V15Sha512, 64),
        (S::EcdsaSha256, 32),
        (S::EcdsaSha384, 48),
        (S::EcdsaSha512, 64),
    ] {
        assert_eq!(alg.digest_len(), len, "{alg}");
    }
    for (spec, alg, len) in [
        (KeySpec::Hmac224, MacAlgorithmSpec::HmacSha224, 28),
        (KeySpec::Hmac256, MacAlgorithmSpec::HmacSha256, 32),
        (KeySpec::Hmac384, MacAlgorithmSpec::HmacSha384, 48),
        (KeySpec::Hmac512, MacAlgorithmSpec::HmacSha512, 64),
    ] {
        assert_eq!(spec.hmac_key_len(), Some(len));
        assert_eq!(alg.mac_len(), len);
    }
    assert_eq!(KeySpec::Rsa2048.hmac_key_len(), None);
}

#[test]
fn message_lengths_raw_and_digest() {
    let alg = SigningAlgorithmSpec::EcdsaSha384;
    assert!(alg.check_message(MessageType::Raw, &[0; 1]).is_ok());
    assert!(alg.check_message(MessageType::Raw, &[0; 4096]).is_ok());
    assert_eq!(
        alg.check_message(MessageType::Raw, &[0; 4097]),
        Err(KmsCryptoError::MessageLength {
            len: 4097,
            max: 4096
        })
    );
    assert_eq!(
        alg.check_message(MessageType::Raw, &[]),
        Err(KmsCryptoError::MessageLength { len: 0, max: 4096 })
    );
    assert!(alg.check_message(MessageType::Digest, &[0; 48]).is_ok());
    assert_eq!(
        alg.check_message(MessageType::Digest, &[0; 32]),
        Err(KmsCryptoError::BadDigestLength {
            algorithm: "ECDSA_SHA_384",
            expected: 48,
            len: 32,
        })
    );
}

#[test]
fn data_key_pair_specs_map_to_key_specs_of_the_same_name() {
    for spec in DataKeyPairSpec::ALL {
        assert_eq!(spec.key_spec().as_str(), spec.as_str());
    }
}
