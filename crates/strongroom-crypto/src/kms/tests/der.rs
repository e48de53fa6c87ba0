//! A minimal DER reader, enough to check SubjectPublicKeyInfo and PKCS#8 structure
//! independently of the library that wrote them.

/// One TLV: (tag, contents, rest of the input).
pub(crate) fn tlv(input: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = input[0];
    let first = input[1] as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        let len = input[2..2 + n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, 2 + n)
    };
    (tag, &input[header..header + len], &input[header + len..])
}

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const NULL: u8 = 0x05;
pub(crate) const OID: u8 = 0x06;

/// rsaEncryption 1.2.840.113549.1.1.1
pub(crate) const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// id-ecPublicKey 1.2.840.10045.2.1
pub(crate) const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// prime256v1 1.2.840.10045.3.1.7
pub(crate) const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// secp384r1 1.3.132.0.34
pub(crate) const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
/// secp521r1 1.3.132.0.35
pub(crate) const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
/// secp256k1 1.3.132.0.10
pub(crate) const SECP256K1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x0a];

/// AlgorithmIdentifier → (algorithm OID, parameters TLV tag, parameters contents).
pub(crate) fn algorithm_identifier(input: &[u8]) -> (&[u8], u8, &[u8]) {
    let (tag, alg, _) = tlv(input);
    assert_eq!(tag, SEQUENCE, "AlgorithmIdentifier is a SEQUENCE");
    let (tag, oid, rest) = tlv(alg);
    assert_eq!(tag, OID);
    let (params_tag, params, rest) = tlv(rest);
    assert!(rest.is_empty(), "AlgorithmIdentifier has two fields");
    (oid, params_tag, params)
}

/// SubjectPublicKeyInfo → (AlgorithmIdentifier TLV, subjectPublicKey bits without the
/// unused-bits byte).
pub(crate) fn spki(der: &[u8]) -> (&[u8], &[u8]) {
    let (tag, body, rest) = tlv(der);
    assert_eq!(tag, SEQUENCE, "SPKI is a SEQUENCE");
    assert!(rest.is_empty(), "nothing after the SPKI");
    let (_, _, after_alg) = tlv(body);
    let alg = &body[..body.len() - after_alg.len()];
    let (tag, bits, rest) = tlv(after_alg);
    assert_eq!(tag, BIT_STRING);
    assert!(rest.is_empty());
    assert_eq!(bits[0], 0, "no unused bits");
    (alg, &bits[1..])
}

/// PKCS#8 PrivateKeyInfo → AlgorithmIdentifier TLV (checks version 0 and the OCTET STRING).
pub(crate) fn pkcs8_algorithm(der: &[u8]) -> &[u8] {
    let (tag, body, rest) = tlv(der);
    assert_eq!(tag, SEQUENCE, "PKCS#8 is a SEQUENCE");
    assert!(rest.is_empty());
    let (tag, version, after_version) = tlv(body);
    assert_eq!((tag, version), (INTEGER, &[0u8][..]), "PKCS#8 v1");
    let (_, _, after_alg) = tlv(after_version);
    let alg = &after_version[..after_version.len() - after_alg.len()];
    let (tag, _, _) = tlv(after_alg);
    assert_eq!(tag, OCTET_STRING, "privateKey is an OCTET STRING");
    alg
}

/// Length in bits of a DER INTEGER's unsigned value.
pub(crate) fn integer_bits(contents: &[u8]) -> usize {
    let trimmed: Vec<u8> = contents.iter().copied().skip_while(|b| *b == 0).collect();
    trimmed.len() * 8 - trimmed[0].leading_zeros() as usize
}
