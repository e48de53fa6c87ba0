//! Key generation and stored material: structure checked with our own DER reader.

use super::der::{self, tlv};
use super::{ASYMMETRIC, HMAC, material, public_key};
use crate::kms::{KeyMaterial, KeySpec, KmsCryptoError};
use zeroize::Zeroizing;

/// The AlgorithmIdentifier a key of `spec` must carry: (algorithm OID, curve OID or NULL).
fn expected_algorithm(spec: KeySpec) -> (&'static [u8], Option<&'static [u8]>) {
    match spec {
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => (der::RSA_ENCRYPTION, None),
        KeySpec::EccNistP256 => (der::EC_PUBLIC_KEY, Some(der::P256)),
        KeySpec::EccNistP384 => (der::EC_PUBLIC_KEY, Some(der::P384)),
        KeySpec::EccNistP521 => (der::EC_PUBLIC_KEY, Some(der::P521)),
        KeySpec::EccSecgP256k1 => (der::EC_PUBLIC_KEY, Some(der::SECP256K1)),
        _ => panic!("{spec} is not asymmetric"),
    }
}

fn assert_algorithm(spec: KeySpec, algorithm_identifier: &[u8]) {
    let (oid, params_tag, params) = der::algorithm_identifier(algorithm_identifier);
    let (expected_oid, curve) = expected_algorithm(spec);
    assert_eq!(oid, expected_oid, "{spec}: algorithm OID");
    match curve {
        None => assert_eq!(
            (params_tag, params),
            (der::NULL, &[][..]),
            "{spec}: RSA NULL params"
        ),
        Some(curve) => assert_eq!((params_tag, params), (der::OID, curve), "{spec}: curve OID"),
    }
}

/// Checks a public key is an SPKI of `spec`: OIDs, RSA modulus size, EC point size.
pub(crate) fn assert_spki(spec: KeySpec, spki: &[u8]) {
    let (alg, key) = der::spki(spki);
    assert_algorithm(spec, alg);
    if let Some(bits) = spec.rsa_bits() {
        let (tag, rsa_public_key, rest) = tlv(key);
        assert_eq!(tag, der::SEQUENCE);
        assert!(rest.is_empty());
        let (tag, modulus, rest) = tlv(rsa_public_key);
        assert_eq!(tag, der::INTEGER);
        assert_eq!(der::integer_bits(modulus), bits, "{spec}: modulus size");
        let (tag, exponent, _) = tlv(rest);
        assert_eq!((tag, exponent), (der::INTEGER, &[1, 0, 1][..]), "e = 65537");
    } else {
        let coordinate = match spec {
            KeySpec::EccNistP384 => 48,
            KeySpec::EccNistP521 => 66,
            _ => 32,
        };
        assert_eq!(key[0], 0x04, "{spec}: uncompressed point");
        assert_eq!(key.len(), 1 + 2 * coordinate, "{spec}: point size");
    }
}

#[test]
fn each_asymmetric_spec_generates_pkcs8_and_an_spki_public_key_of_its_type() {
    for &spec in ASYMMETRIC {
        let m = material(spec);
        assert_eq!(m.key_spec(), spec);
        assert_algorithm(spec, der::pkcs8_algorithm(m.secret()));
        assert_spki(spec, public_key(spec));
    }
}

#[test]
fn each_hmac_spec_generates_random_key_bytes_of_its_length() {
    for &spec in HMAC {
        let a = material(spec);
        let b = KeyMaterial::generate(spec).unwrap();
        assert_eq!(a.secret().len(), spec.hmac_key_len().unwrap());
        assert_eq!(b.secret().len(), a.secret().len());
        assert_ne!(a.secret(), b.secret(), "{spec}: two keys differ");
        assert!(a.public_key().is_none());
    }
}

#[test]
fn symmetric_default_material_is_not_made_here() {
    assert_eq!(
        KeyMaterial::generate(KeySpec::SymmetricDefault).map(drop),
        Err(KmsCryptoError::WrongKeyKind {
            key_spec: KeySpec::SymmetricDefault,
        })
    );
}

#[test]
fn stored_material_reads_back_with_the_same_public_key() {
    for &spec in ASYMMETRIC.iter().chain(HMAC) {
        let m = material(spec);
        let back = KeyMaterial::from_secret(spec, Zeroizing::new(m.secret().to_vec())).unwrap();
        assert_eq!(back.secret(), m.secret());
        assert_eq!(back.public_key(), m.public_key(), "{spec}");
    }
}

#[test]
fn stored_material_of_another_spec_or_garbage_is_malformed() {
    let malformed = |spec: KeySpec, secret: &[u8]| {
        let r = KeyMaterial::from_secret(spec, Zeroizing::new(secret.to_vec())).map(drop);
        assert!(
            matches!(r, Err(KmsCryptoError::MalformedKeyMaterial { key_spec, .. }) if key_spec == spec),
            "{spec}: {r:?}"
        );
    };
    // Another curve, another modulus size, another key type.
    malformed(
        KeySpec::EccNistP384,
        material(KeySpec::EccNistP256).secret(),
    );
    malformed(
        KeySpec::EccNistP256,
        material(KeySpec::EccSecgP256k1).secret(),
    );
    malformed(
        KeySpec::EccSecgP256k1,
        material(KeySpec::EccNistP256).secret(),
    );
    malformed(KeySpec::Rsa3072, material(KeySpec::Rsa2048).secret());
    malformed(KeySpec::Rsa2048, material(KeySpec::Rsa4096).secret());
    malformed(KeySpec::Rsa2048, material(KeySpec::EccNistP256).secret());
    malformed(KeySpec::EccNistP521, material(KeySpec::Rsa2048).secret());
    // Truncated and garbage.
    let p256 = material(KeySpec::EccNistP256).secret();
    malformed(KeySpec::EccNistP256, &p256[..p256.len() - 1]);
    malformed(KeySpec::Rsa2048, b"not a key");
    malformed(KeySpec::EccNistP256, &[]);
    // HMAC keys of the wrong length.
    malformed(KeySpec::Hmac256, &[7; 31]);
    malformed(KeySpec::Hmac224, &[7; 32]);
    malformed(KeySpec::Hmac512, &[]);
}

#[test]
fn debug_output_shows_no_key_material() {
    for &spec in &[KeySpec::Hmac256, KeySpec::EccNistP256] {
        let m = material(spec);
        let debug = format!("{m:?}");
        assert!(debug.contains("<redacted>"), "{debug}");
        assert!(
            !debug.contains(&format!("{:?}", &m.secret()[..4])),
            "{debug}"
        );
    }
}
