//! RSA OAEP Encrypt and Decrypt.

use super::{RSA, material, public_key};
use crate::kms::{
    EncryptionAlgorithmSpec, KeySpec, KmsCryptoError, RsaDecryptingKey, RsaEncryptingKey,
};

const OAEP: [EncryptionAlgorithmSpec; 2] = [
    EncryptionAlgorithmSpec::RsaesOaepSha1,
    EncryptionAlgorithmSpec::RsaesOaepSha256,
];

fn decrypting_key(spec: KeySpec) -> RsaDecryptingKey {
    RsaDecryptingKey::from_pkcs8(spec, material(spec).secret()).unwrap()
}

fn encrypting_key(spec: KeySpec) -> RsaEncryptingKey {
    RsaEncryptingKey::from_spki(spec, public_key(spec)).unwrap()
}

#[test]
fn round_trip_at_the_exact_maximum_and_refusal_one_byte_over() {
    for &spec in RSA {
        let decrypter = decrypting_key(spec);
        assert_eq!(decrypter.public_key_der(), public_key(spec));
        let encrypter = encrypting_key(spec);
        for alg in OAEP {
            let max = alg.max_plaintext_len(spec).unwrap();
            for len in [1, max] {
                let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
                let ciphertext = encrypter.encrypt(alg, &plaintext).unwrap();
                assert_eq!(ciphertext.len() * 8, spec.rsa_bits().unwrap());
                assert_eq!(
                    &decrypter.decrypt(alg, &ciphertext).unwrap()[..],
                    &plaintext[..]
                );
            }
            assert_eq!(
                encrypter.encrypt(alg, &vec![0; max + 1]),
                Err(KmsCryptoError::PlaintextTooLong {
                    key_spec: spec,
                    algorithm: alg.as_str(),
                    len: max + 1,
                    max,
                })
            );
        }
    }
}

#[test]
fn encryption_is_randomized() {
    let encrypter = encrypting_key(KeySpec::Rsa2048);
    let alg = EncryptionAlgorithmSpec::RsaesOaepSha256;
    assert_ne!(
        encrypter.encrypt(alg, b"x").unwrap(),
        encrypter.encrypt(alg, b"x").unwrap()
    );
}

#[test]
fn wrong_algorithm_tampering_and_wrong_length_are_invalid_ciphertext() {
    let spec = KeySpec::Rsa2048;
    let decrypter = decrypting_key(spec);
    let ciphertext = decrypter
        .encrypting_key()
        .unwrap()
        .encrypt(EncryptionAlgorithmSpec::RsaesOaepSha256, b"secret")
        .unwrap();
    let invalid = Err(KmsCryptoError::InvalidCiphertext);
    assert_eq!(
        decrypter
            .decrypt(EncryptionAlgorithmSpec::RsaesOaepSha1, &ciphertext)
            .map(drop),
        invalid
    );
    let mut tampered = ciphertext.clone();
    tampered[100] ^= 0x80;
    assert_eq!(
        decrypter
            .decrypt(EncryptionAlgorithmSpec::RsaesOaepSha256, &tampered)
            .map(drop),
        invalid
    );
    for bad in [
        &ciphertext[1..],
        &[][..],
        &[ciphertext.clone(), vec![0]].concat()[..],
    ] {
        assert_eq!(
            decrypter
                .decrypt(EncryptionAlgorithmSpec::RsaesOaepSha256, bad)
                .map(drop),
            invalid
        );
    }
    // Another key of the same size.
    let other = decrypting_key(KeySpec::Rsa3072);
    let for_other = other
        .encrypting_key()
        .unwrap()
        .encrypt(EncryptionAlgorithmSpec::RsaesOaepSha1, b"x")
        .unwrap();
    assert_eq!(
        decrypter
            .decrypt(EncryptionAlgorithmSpec::RsaesOaepSha1, &for_other)
            .map(drop),
        invalid
    );
}

#[test]
fn symmetric_default_and_non_rsa_keys_are_refused() {
    let spec = KeySpec::Rsa4096;
    let unsupported = Err(KmsCryptoError::UnsupportedAlgorithmForKey {
        key_spec: spec,
        algorithm: "SYMMETRIC_DEFAULT",
    });
    assert_eq!(
        encrypting_key(spec)
            .encrypt(EncryptionAlgorithmSpec::SymmetricDefault, b"x")
            .map(drop),
        unsupported
    );
    assert_eq!(
        decrypting_key(spec)
            .decrypt(EncryptionAlgorithmSpec::SymmetricDefault, &[0; 512])
            .map(drop),
        unsupported
    );
    assert_eq!(
        RsaEncryptingKey::from_spki(KeySpec::EccNistP256, public_key(KeySpec::EccNistP256))
            .map(drop),
        Err(KmsCryptoError::WrongKeyKind {
            key_spec: KeySpec::EccNistP256,
        })
    );
    assert!(matches!(
        RsaEncryptingKey::from_spki(KeySpec::Rsa3072, public_key(KeySpec::Rsa2048)),
        Err(KmsCryptoError::MalformedKeyMaterial { .. })
    ));
    assert!(matches!(
        RsaDecryptingKey::from_pkcs8(KeySpec::Rsa2048, material(KeySpec::Rsa3072).secret()),
        Err(KmsCryptoError::MalformedKeyMaterial { .. })
    ));
}
