//! GenerateMac and VerifyMac: RFC 4231 known answers and verification.

use super::{HMAC, hex, material};
use crate::kms::{KeySpec, KmsCryptoError, MacAlgorithmSpec, MacKey};

fn mac_key(spec: KeySpec) -> MacKey {
    MacKey::new(spec, material(spec).secret()).unwrap()
}

fn alg(spec: KeySpec) -> MacAlgorithmSpec {
    spec.mac_algorithms()[0]
}

/// RFC 4231 test cases 1 and 2 (their keys are 20 and 4 bytes, not KMS's lengths, so
/// the key is made with the test-only constructor; the algorithm mapping is what is
/// checked here).
#[test]
fn rfc_4231_known_answers() {
    let cases: [(&[u8], &[u8], [&str; 4]); 2] = [
        (
            &[0x0b; 20],
            b"Hi There",
            [
                "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c\
                 faea9ea9076ede7f4af152e8b2fa9cb6",
                "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde\
                 daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
            ],
        ),
        (
            b"Jefe",
            b"what do ya want for nothing?",
            [
                "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e\
                 8e2240ca5e69e2c78b3239ecfab21649",
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
                 9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ],
        ),
    ];
    for (key, data, expected) in cases {
        for (&spec, expected) in HMAC.iter().zip(expected) {
            let key = MacKey::with_any_len(spec, key).unwrap();
            let mac = key.generate_mac(alg(spec), data).unwrap();
            assert_eq!(mac, hex(&expected.replace(' ', "")), "{spec}");
            assert_eq!(key.verify_mac(alg(spec), data, &mac), Ok(()));
        }
    }
}

#[test]
fn generated_macs_verify_and_any_change_fails() {
    for &spec in HMAC {
        let key = mac_key(spec);
        let message = b"message to authenticate";
        let mac = key.generate_mac(alg(spec), message).unwrap();
        assert_eq!(mac.len(), alg(spec).mac_len());
        assert_eq!(key.verify_mac(alg(spec), message, &mac), Ok(()));
        let mut flipped = mac.clone();
        flipped[mac.len() - 1] ^= 1;
        for (msg, tag) in [
            (&message[..], &flipped[..]),
            (&message[..], &mac[..mac.len() - 1]),
            (&message[..], &[mac.clone(), vec![0]].concat()[..]),
            (&b"message to authenticatE"[..], &mac[..]),
        ] {
            assert_eq!(
                key.verify_mac(alg(spec), msg, tag),
                Err(KmsCryptoError::InvalidMac)
            );
        }
        // Another key of the same spec.
        let other = MacKey::new(spec, &vec![9; spec.hmac_key_len().unwrap()]).unwrap();
        assert_eq!(
            other.verify_mac(alg(spec), message, &mac),
            Err(KmsCryptoError::InvalidMac)
        );
    }
}

#[test]
fn another_mac_algorithm_is_refused() {
    let key = mac_key(KeySpec::Hmac384);
    let expected = Err(KmsCryptoError::UnsupportedAlgorithmForKey {
        key_spec: KeySpec::Hmac384,
        algorithm: "HMAC_SHA_256",
    });
    assert_eq!(
        key.generate_mac(MacAlgorithmSpec::HmacSha256, b"m")
            .map(drop),
        expected
    );
    assert_eq!(
        key.verify_mac(MacAlgorithmSpec::HmacSha256, b"m", &[0; 32]),
        expected
    );
}

#[test]
fn messages_take_1_to_4096_bytes() {
    let key = mac_key(KeySpec::Hmac256);
    let alg = MacAlgorithmSpec::HmacSha256;
    assert!(key.generate_mac(alg, &[1; 4096]).is_ok());
    for len in [0, 4097] {
        let expected = Err(KmsCryptoError::MessageLength { len, max: 4096 });
        assert_eq!(key.generate_mac(alg, &vec![1; len]).map(drop), expected);
        assert_eq!(key.verify_mac(alg, &vec![1; len], &[0; 32]), expected);
    }
}

#[test]
fn keys_of_the_wrong_length_or_kind_are_refused() {
    assert!(matches!(
        MacKey::new(KeySpec::Hmac512, &[0; 32]),
        Err(KmsCryptoError::MalformedKeyMaterial { .. })
    ));
    assert_eq!(
        MacKey::new(KeySpec::Rsa2048, &[0; 32]).map(drop),
        Err(KmsCryptoError::WrongKeyKind {
            key_spec: KeySpec::Rsa2048,
        })
    );
}
