//! GenerateDataKeyPair.

use super::material::assert_spki;
use crate::kms::{
    DataKeyPairSpec, KeyMaterial, MessageType, SigningKey, VerifyingKey, generate_data_key_pair,
};
use zeroize::Zeroizing;

#[test]
fn each_spec_generates_a_pkcs8_private_key_and_its_spki_public_key() {
    for &spec in DataKeyPairSpec::ALL {
        // RSA-4096 takes seconds in a debug build; one pair of each is enough.
        let pair = generate_data_key_pair(spec).unwrap();
        let key_spec = spec.key_spec();
        assert_spki(key_spec, &pair.public_key);
        // The private key parses as the spec's and is the public key's other half.
        let material =
            KeyMaterial::from_secret(key_spec, Zeroizing::new(pair.private_key.to_vec())).unwrap();
        assert_eq!(material.public_key(), Some(&pair.public_key[..]));
        let alg = key_spec.signing_algorithms()[0];
        let sig = SigningKey::from_pkcs8(key_spec, &pair.private_key)
            .unwrap()
            .sign(alg, MessageType::Raw, b"pair")
            .unwrap();
        VerifyingKey::from_spki(key_spec, &pair.public_key)
            .unwrap()
            .verify(alg, MessageType::Raw, b"pair", &sig)
            .unwrap();
        assert!(format!("{pair:?}").contains("<redacted>"));
    }
}

#[test]
fn two_pairs_differ() {
    let a = generate_data_key_pair(DataKeyPairSpec::EccNistP256).unwrap();
    let b = generate_data_key_pair(DataKeyPairSpec::EccNistP256).unwrap();
    assert_ne!(a.public_key, b.public_key);
    assert_ne!(a.private_key, b.private_key);
}
