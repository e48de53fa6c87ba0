"""KMS asymmetric and HMAC keys end to end through boto3 and the AWS CLI:
CreateKey for every key spec and usage KMS allows; Sign checked by Python
`cryptography` with the GetPublicKey bytes (RAW and DIGEST) and Verify through
KMS; RSA OAEP both ways; GenerateMac/VerifyMac; GenerateDataKeyPair; the
wrong-key-usage errors; DescribeKey's fields; condition keys; no private key or
message in the trail or the data dir."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from support import ACCOUNT_ID, REGION, expect_error, make_client
from test_access import iam_client, make_user

HASHES = {"SHA_256": hashes.SHA256, "SHA_384": hashes.SHA384, "SHA_512": hashes.SHA512}
RSA_SIGNING = [
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
]
SIGNING = {
    "RSA_2048": RSA_SIGNING,
    "RSA_3072": RSA_SIGNING,
    "RSA_4096": RSA_SIGNING,
    "ECC_NIST_P256": ["ECDSA_SHA_256"],
    "ECC_NIST_P384": ["ECDSA_SHA_384"],
    "ECC_NIST_P521": ["ECDSA_SHA_512"],
    "ECC_SECG_P256K1": ["ECDSA_SHA_256"],
}
CURVES = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
    "ECC_SECG_P256K1": ec.SECP256K1,
}
MACS = {"HMAC_224": "HMAC_SHA_224", "HMAC_256": "HMAC_SHA_256", "HMAC_384": "HMAC_SHA_384", "HMAC_512": "HMAC_SHA_512"}
OAEP_LIMITS = {
    ("RSA_2048", "RSAES_OAEP_SHA_1"): 214,
    ("RSA_2048", "RSAES_OAEP_SHA_256"): 190,
    ("RSA_3072", "RSAES_OAEP_SHA_256"): 318,
    ("RSA_4096", "RSAES_OAEP_SHA_1"): 470,
}


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture(scope="module")
def loose_kms(server):
    return make_client(
        server.endpoint,
        region=REGION,
        access_key=server.access_key,
        secret_key=server.secret_key,
        service="kms",
        validate=False,
    )


_made: dict[tuple[str, str], dict] = {}


def made_key(kms, spec: str, usage: str) -> dict:
    """One key of each (spec, usage) for the module (RSA 4096 takes a while)."""
    if (spec, usage) not in _made:
        _made[(spec, usage)] = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    return _made[(spec, usage)]


@pytest.fixture(scope="module")
def symmetric(kms):
    return kms.create_key()["KeyMetadata"]


def digest_of(algorithm: str, message: bytes) -> bytes:
    return hashlib.new(algorithm[-7:].replace("_", "").lower(), message).digest()


def verify_locally(public_der: bytes, algorithm: str, message: bytes, signature: bytes, digest: bool) -> None:
    """Raises InvalidSignature unless `signature` is `algorithm`'s over `message`."""
    public = serialization.load_der_public_key(public_der)
    hash_cls = HASHES[algorithm[-7:]]
    chosen = utils.Prehashed(hash_cls()) if digest else hash_cls()
    if algorithm.startswith("ECDSA"):
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(signature, message, ec.ECDSA(chosen))
    elif algorithm.startswith("RSASSA_PSS"):
        assert isinstance(public, rsa.RSAPublicKey)
        pss = padding.PSS(mgf=padding.MGF1(hash_cls()), salt_length=hash_cls.digest_size)
        public.verify(signature, message, pss, chosen)
    else:
        assert isinstance(public, rsa.RSAPublicKey)
        public.verify(signature, message, padding.PKCS1v15(), chosen)


def oaep(algorithm: str) -> padding.OAEP:
    h = hashes.SHA1() if algorithm == "RSAES_OAEP_SHA_1" else hashes.SHA256()
    return padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)


# -- CreateKey and DescribeKey --------------------------------------------------------


@pytest.mark.parametrize("spec", list(SIGNING))
def test_describe_signing_keys(kms, spec):
    meta = made_key(kms, spec, "SIGN_VERIFY")
    described = kms.describe_key(KeyId=meta["KeyId"])["KeyMetadata"]
    for m in (meta, described):
        assert m["KeySpec"] == spec
        assert m["CustomerMasterKeySpec"] == spec
        assert m["KeyUsage"] == "SIGN_VERIFY"
        assert m["SigningAlgorithms"] == SIGNING[spec]
        assert "EncryptionAlgorithms" not in m
        assert "MacAlgorithms" not in m


def test_describe_rsa_encryption_and_hmac_keys(kms, symmetric):
    rsa_key = kms.describe_key(KeyId=made_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")["KeyId"])["KeyMetadata"]
    assert rsa_key["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert rsa_key["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    assert "SigningAlgorithms" not in rsa_key
    # RSA without KeyUsage is ENCRYPT_DECRYPT, as in KMS.
    default = kms.create_key(KeySpec="RSA_2048")["KeyMetadata"]
    assert default["KeyUsage"] == "ENCRYPT_DECRYPT"
    for spec, mac in MACS.items():
        meta = made_key(kms, spec, "GENERATE_VERIFY_MAC")
        assert meta["KeySpec"] == spec
        assert meta["MacAlgorithms"] == [mac]
        assert "EncryptionAlgorithms" not in meta and "SigningAlgorithms" not in meta
    assert symmetric["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    assert "SigningAlgorithms" not in symmetric and "MacAlgorithms" not in symmetric


def test_create_key_refuses_what_kms_refuses(kms, loose_kms):
    for spec, usage in [
        ("ECC_NIST_P256", "ENCRYPT_DECRYPT"),
        ("HMAC_256", "SIGN_VERIFY"),
        ("SYMMETRIC_DEFAULT", "GENERATE_VERIFY_MAC"),
        ("RSA_2048", "GENERATE_VERIFY_MAC"),
    ]:
        with expect_error("ValidationException", f"KeyUsage {usage} is not compatible with KeySpec {spec}"):
            kms.create_key(KeySpec=spec, KeyUsage=usage)
    # Without KeyUsage, ECC and HMAC keys would be ENCRYPT_DECRYPT.
    with expect_error("ValidationException"):
        kms.create_key(KeySpec="ECC_NIST_P384")
    with expect_error("ValidationException"):
        kms.create_key(CustomerMasterKeySpec="HMAC_512")
    with expect_error("UnsupportedOperationException"):
        kms.create_key(KeySpec="SM2", KeyUsage="SIGN_VERIFY")
    with expect_error("UnsupportedOperationException"):
        kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")
    with expect_error("ValidationException"):
        loose_kms.create_key(KeySpec="RSA_1024", KeyUsage="SIGN_VERIFY")


# -- Sign, Verify, GetPublicKey -------------------------------------------------------


@pytest.mark.parametrize("spec", list(SIGNING))
def test_sign_verified_by_cryptography_and_by_kms(kms, spec):
    meta = made_key(kms, spec, "SIGN_VERIFY")
    key_id = meta["KeyId"]
    pub = kms.get_public_key(KeyId=key_id)
    assert pub["KeyId"] == meta["Arn"]
    assert pub["KeySpec"] == spec and pub["CustomerMasterKeySpec"] == spec
    assert pub["KeyUsage"] == "SIGN_VERIFY"
    assert pub["SigningAlgorithms"] == SIGNING[spec]
    assert "EncryptionAlgorithms" not in pub
    public = serialization.load_der_public_key(pub["PublicKey"])
    if spec in CURVES:
        assert isinstance(public.curve, CURVES[spec])
    else:
        assert public.key_size == int(spec[4:])
    message = f"message for {spec} {uuid.uuid4()}".encode()
    for algorithm in SIGNING[spec]:
        for digest in (False, True):
            body = digest_of(algorithm, message) if digest else message
            message_type = "DIGEST" if digest else "RAW"
            out = kms.sign(KeyId=key_id, Message=body, MessageType=message_type, SigningAlgorithm=algorithm)
            assert out["KeyId"] == meta["Arn"] and out["SigningAlgorithm"] == algorithm
            signature = out["Signature"]
            verify_locally(pub["PublicKey"], algorithm, body, signature, digest)
            # A RAW signature is one over the digest, and the other way round.
            verify_locally(pub["PublicKey"], algorithm, digest_of(algorithm, message), signature, True)
            got = kms.verify(
                KeyId=key_id, Message=body, MessageType=message_type, Signature=signature, SigningAlgorithm=algorithm
            )
            assert got["SignatureValid"] is True and got["KeyId"] == meta["Arn"]
            with pytest.raises(InvalidSignature):
                verify_locally(pub["PublicKey"], algorithm, body + b"!" if not digest else bytes(len(body)), signature, digest)
            # The last byte flipped (a digest may well end in any given byte).
            altered = body[:-1] + bytes([body[-1] ^ 1])
            with expect_error("KMSInvalidSignatureException"):
                kms.verify(KeyId=key_id, Message=altered, MessageType=message_type, Signature=signature, SigningAlgorithm=algorithm)


def test_verify_refuses_bad_signatures_and_inputs(kms, loose_kms):
    key_id = made_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")["KeyId"]
    sig = kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    for bad in (b"\x00", sig[:-1], bytes(len(sig)), sig + b"\x00"):
        with expect_error("KMSInvalidSignatureException"):
            kms.verify(KeyId=key_id, Message=b"m", Signature=bad, SigningAlgorithm="ECDSA_SHA_256")
    # A signature of another key of the same spec.
    other = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    with expect_error("KMSInvalidSignatureException"):
        kms.verify(KeyId=other, Message=b"m", Signature=sig, SigningAlgorithm="ECDSA_SHA_256")
    # A digest of the wrong length, an algorithm the key does not support, messages
    # outside 1..4096 bytes, an unknown algorithm.
    with expect_error("ValidationException", "Digest is invalid length for algorithm ECDSA_SHA_256."):
        kms.sign(KeyId=key_id, Message=b"x" * 20, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256")
    with expect_error("InvalidKeyUsageException", "Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256."):
        kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_384")
    with expect_error("InvalidKeyUsageException"):
        kms.verify(KeyId=key_id, Message=b"m", Signature=sig, SigningAlgorithm="RSASSA_PSS_SHA_256")
    with expect_error("ValidationException"):
        loose_kms.sign(KeyId=key_id, Message=b"x" * 4097, SigningAlgorithm="ECDSA_SHA_256")
    with expect_error("ValidationException"):
        loose_kms.sign(KeyId=key_id, Message=b"", SigningAlgorithm="ECDSA_SHA_256")
    with expect_error("ValidationException"):
        loose_kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_1")
    with expect_error("ValidationException"):
        loose_kms.sign(KeyId=key_id, Message=b"m")
    assert kms.sign(KeyId=key_id, Message=b"x" * 4096, SigningAlgorithm="ECDSA_SHA_256")["Signature"]


def test_disabled_key_does_not_sign(kms):
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=key_id)
    with expect_error("DisabledException"):
        kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    with expect_error("DisabledException"):
        kms.get_public_key(KeyId=key_id)
    kms.enable_key(KeyId=key_id)
    assert kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")["Signature"]


# -- RSA OAEP -------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["RSA_2048", "RSA_3072", "RSA_4096"])
def test_rsa_oaep_both_ways(kms, spec):
    meta = made_key(kms, spec, "ENCRYPT_DECRYPT")
    key_id = meta["KeyId"]
    pub = kms.get_public_key(KeyId=key_id)
    assert pub["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert pub["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    assert "SigningAlgorithms" not in pub
    public = serialization.load_der_public_key(pub["PublicKey"])
    for algorithm in ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"):
        plain = f"{spec} {algorithm}".encode()
        # Encrypted locally, decrypted by KMS.
        local = public.encrypt(plain, oaep(algorithm))
        out = kms.decrypt(KeyId=key_id, CiphertextBlob=local, EncryptionAlgorithm=algorithm)
        assert out["Plaintext"] == plain
        assert out["KeyId"] == meta["Arn"] and out["EncryptionAlgorithm"] == algorithm
        # Encrypted by KMS, checked by decrypting through KMS (the private key never leaves).
        enc = kms.encrypt(KeyId=key_id, Plaintext=plain, EncryptionAlgorithm=algorithm)
        assert enc["EncryptionAlgorithm"] == algorithm and enc["KeyId"] == meta["Arn"]
        assert len(enc["CiphertextBlob"]) == public.key_size // 8
        assert kms.decrypt(KeyId=key_id, CiphertextBlob=enc["CiphertextBlob"], EncryptionAlgorithm=algorithm)["Plaintext"] == plain
        # The other OAEP hash does not decrypt it.
        other = "RSAES_OAEP_SHA_1" if algorithm == "RSAES_OAEP_SHA_256" else "RSAES_OAEP_SHA_256"
        with expect_error("InvalidCiphertextException"):
            kms.decrypt(KeyId=key_id, CiphertextBlob=local, EncryptionAlgorithm=other)


def test_rsa_oaep_limits_and_errors(kms, loose_kms, symmetric):
    key_id = made_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")["KeyId"]
    for (spec, algorithm), limit in OAEP_LIMITS.items():
        k = made_key(kms, spec, "ENCRYPT_DECRYPT")["KeyId"]
        assert kms.encrypt(KeyId=k, Plaintext=b"x" * limit, EncryptionAlgorithm=algorithm)["CiphertextBlob"]
        with expect_error("ValidationException"):
            kms.encrypt(KeyId=k, Plaintext=b"x" * (limit + 1), EncryptionAlgorithm=algorithm)
    # No encryption context with asymmetric keys.
    with expect_error("ValidationException"):
        kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256", EncryptionContext={"a": "b"})
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
    with expect_error("ValidationException"):
        kms.decrypt(KeyId=key_id, CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256", EncryptionContext={"a": "b"})
    # An RSA key without its algorithm, a symmetric key with an RSA algorithm.
    with expect_error("InvalidKeyUsageException"):
        kms.encrypt(KeyId=key_id, Plaintext=b"x")
    with expect_error("InvalidKeyUsageException"):
        kms.encrypt(KeyId=symmetric["KeyId"], Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    # An RSA ciphertext names no key: KeyId is required.
    with expect_error("ValidationException"):
        kms.decrypt(CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    with expect_error("InvalidCiphertextException"):
        kms.decrypt(KeyId=key_id, CiphertextBlob=blob[:-1] + bytes([blob[-1] ^ 1]), EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    with expect_error("InvalidCiphertextException"):
        kms.decrypt(KeyId=key_id, CiphertextBlob=blob[:100], EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    with expect_error("UnsupportedOperationException"):
        kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="SM2PKE")
    with expect_error("ValidationException"):
        loose_kms.encrypt(KeyId=key_id, Plaintext=b"", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    with expect_error("DryRunOperationException", status=412):
        kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256", DryRun=True)
    with expect_error("DryRunOperationException", status=412):
        kms.decrypt(KeyId=key_id, CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256", DryRun=True)


def test_re_encrypt_between_rsa_and_symmetric_keys(kms, symmetric):
    rsa_key = made_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    sym_blob = kms.encrypt(KeyId=symmetric["KeyId"], Plaintext=b"moving", EncryptionContext={"c": "1"})["CiphertextBlob"]
    to_rsa = kms.re_encrypt(
        CiphertextBlob=sym_blob,
        SourceEncryptionContext={"c": "1"},
        DestinationKeyId=rsa_key["KeyId"],
        DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256",
    )
    assert to_rsa["SourceKeyId"] == symmetric["Arn"] and to_rsa["KeyId"] == rsa_key["Arn"]
    assert to_rsa["SourceEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert to_rsa["DestinationEncryptionAlgorithm"] == "RSAES_OAEP_SHA_256"
    back = kms.re_encrypt(
        CiphertextBlob=to_rsa["CiphertextBlob"],
        SourceKeyId=rsa_key["KeyId"],
        SourceEncryptionAlgorithm="RSAES_OAEP_SHA_256",
        DestinationKeyId=symmetric["KeyId"],
        DestinationEncryptionContext={"c": "2"},
    )
    assert back["SourceKeyId"] == rsa_key["Arn"] and back["KeyId"] == symmetric["Arn"]
    out = kms.decrypt(CiphertextBlob=back["CiphertextBlob"], EncryptionContext={"c": "2"})
    assert out["Plaintext"] == b"moving"
    with expect_error("ValidationException"):
        kms.re_encrypt(
            CiphertextBlob=to_rsa["CiphertextBlob"],
            SourceEncryptionAlgorithm="RSAES_OAEP_SHA_256",
            DestinationKeyId=symmetric["KeyId"],
        )


def test_re_encrypt_authorizes_both_keys_before_dry_run(server, kms, symmetric):
    iam = iam_client(server)
    user = make_user(server, iam)
    root = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "kms:*", "Resource": "*"}
    source = kms.create_key(
        Policy=doc(root, {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "kms:ReEncryptFrom", "Resource": "*"})
    )["KeyMetadata"]["KeyId"]
    rsa_key = made_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")["KeyId"]
    blob = kms.encrypt(KeyId=source, Plaintext=b"x")["CiphertextBlob"]
    request = dict(CiphertextBlob=blob, DestinationKeyId=rsa_key, DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_1")
    # The user may not use the destination: refused, DryRun or not.
    for dry_run in (True, False):
        with expect_error("AccessDeniedException"):
            user.client("kms").re_encrypt(**request, DryRun=dry_run)
    with expect_error("DryRunOperationException", status=412):
        kms.re_encrypt(**request, DryRun=True)
    assert kms.re_encrypt(**request)["DestinationEncryptionAlgorithm"] == "RSAES_OAEP_SHA_1"


# -- HMAC -----------------------------------------------------------------------------


@pytest.mark.parametrize("spec", list(MACS))
def test_generate_and_verify_mac(kms, spec):
    meta = made_key(kms, spec, "GENERATE_VERIFY_MAC")
    key_id, algorithm = meta["KeyId"], MACS[spec]
    out = kms.generate_mac(KeyId=key_id, Message=b"mac me", MacAlgorithm=algorithm)
    assert out["KeyId"] == meta["Arn"] and out["MacAlgorithm"] == algorithm
    mac = out["Mac"]
    assert len(mac) == int(spec[5:]) // 8
    # Deterministic: the same key and message give the same MAC; another message or key does not.
    assert kms.generate_mac(KeyId=key_id, Message=b"mac me", MacAlgorithm=algorithm)["Mac"] == mac
    assert kms.generate_mac(KeyId=key_id, Message=b"mac me!", MacAlgorithm=algorithm)["Mac"] != mac
    other = kms.create_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    assert kms.generate_mac(KeyId=other, Message=b"mac me", MacAlgorithm=algorithm)["Mac"] != mac
    got = kms.verify_mac(KeyId=key_id, Message=b"mac me", MacAlgorithm=algorithm, Mac=mac)
    assert got["MacValid"] is True and got["KeyId"] == meta["Arn"] and got["MacAlgorithm"] == algorithm
    for bad in (mac[:-1] + bytes([mac[-1] ^ 1]), mac[:-1], mac + b"\x00"):
        with expect_error("KMSInvalidMacException"):
            kms.verify_mac(KeyId=key_id, Message=b"mac me", MacAlgorithm=algorithm, Mac=bad)
    with expect_error("KMSInvalidMacException"):
        kms.verify_mac(KeyId=key_id, Message=b"other", MacAlgorithm=algorithm, Mac=mac)
    with expect_error("KMSInvalidMacException"):
        kms.verify_mac(KeyId=other, Message=b"mac me", MacAlgorithm=algorithm, Mac=mac)
    wrong = "HMAC_SHA_256" if algorithm != "HMAC_SHA_256" else "HMAC_SHA_384"
    with expect_error("InvalidKeyUsageException"):
        kms.generate_mac(KeyId=key_id, Message=b"mac me", MacAlgorithm=wrong)


def test_mac_input_errors(kms, loose_kms):
    key_id = made_key(kms, "HMAC_256", "GENERATE_VERIFY_MAC")["KeyId"]
    with expect_error("ValidationException"):
        loose_kms.generate_mac(KeyId=key_id, Message=b"x" * 4097, MacAlgorithm="HMAC_SHA_256")
    with expect_error("ValidationException"):
        loose_kms.generate_mac(KeyId=key_id, Message=b"x", MacAlgorithm="HMAC_MD5")
    with expect_error("ValidationException"):
        loose_kms.verify_mac(KeyId=key_id, Message=b"x", MacAlgorithm="HMAC_SHA_256")


# -- data key pairs -------------------------------------------------------------------


@pytest.mark.parametrize("pair_spec", ["RSA_2048", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1"])
def test_generate_data_key_pair(kms, symmetric, pair_spec):
    context = {"purpose": "pair"}
    out = kms.generate_data_key_pair(KeyId=symmetric["KeyId"], KeyPairSpec=pair_spec, EncryptionContext=context)
    assert out["KeyId"] == symmetric["Arn"] and out["KeyPairSpec"] == pair_spec
    private = serialization.load_der_private_key(out["PrivateKeyPlaintext"], password=None)
    spki = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert spki == out["PublicKey"]
    # The encrypted private key is an ordinary ciphertext blob under the KMS key.
    back = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"], EncryptionContext=context)
    assert back["Plaintext"] == out["PrivateKeyPlaintext"] and back["KeyId"] == symmetric["Arn"]
    with expect_error("InvalidCiphertextException"):
        kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"])
    # It signs what its public key verifies.
    if isinstance(private, ec.EllipticCurvePrivateKey):
        sig = private.sign(b"pair", ec.ECDSA(hashes.SHA256()))
        private.public_key().verify(sig, b"pair", ec.ECDSA(hashes.SHA256()))


def test_generate_data_key_pair_without_plaintext(kms, symmetric):
    out = kms.generate_data_key_pair_without_plaintext(KeyId=symmetric["KeyId"], KeyPairSpec="ECC_NIST_P256")
    assert "PrivateKeyPlaintext" not in out
    private_der = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"])["Plaintext"]
    private = serialization.load_der_private_key(private_der, password=None)
    spki = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert spki == out["PublicKey"]


def test_generate_data_key_pair_errors(kms, loose_kms, symmetric):
    with expect_error("ValidationException"):
        loose_kms.generate_data_key_pair(KeyId=symmetric["KeyId"], KeyPairSpec="RSA_1024")
    with expect_error("ValidationException"):
        loose_kms.generate_data_key_pair(KeyId=symmetric["KeyId"])
    with expect_error("UnsupportedOperationException"):
        kms.generate_data_key_pair(KeyId=symmetric["KeyId"], KeyPairSpec="SM2")


# -- the wrong kind of key ------------------------------------------------------------


def test_every_operation_on_the_wrong_kind_of_key(kms, symmetric):
    sign_key = made_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    rsa_sign = made_key(kms, "RSA_2048", "SIGN_VERIFY")
    rsa_enc = made_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    mac_key = made_key(kms, "HMAC_256", "GENERATE_VERIFY_MAC")

    def usage_error(key: dict, usage: str, operation: str) -> str:
        return f"{key['Arn']} key usage is {usage} which is not valid for {operation}."

    blob = kms.encrypt(KeyId=symmetric["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    calls = [
        # Symmetric key: no Sign, Verify, MACs.
        (symmetric, "ENCRYPT_DECRYPT", "Sign", lambda k: kms.sign(KeyId=k, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")),
        (symmetric, "ENCRYPT_DECRYPT", "Verify", lambda k: kms.verify(KeyId=k, Message=b"m", Signature=b"s", SigningAlgorithm="ECDSA_SHA_256")),
        (symmetric, "ENCRYPT_DECRYPT", "GenerateMac", lambda k: kms.generate_mac(KeyId=k, Message=b"m", MacAlgorithm="HMAC_SHA_256")),
        (symmetric, "ENCRYPT_DECRYPT", "VerifyMac", lambda k: kms.verify_mac(KeyId=k, Message=b"m", Mac=b"m", MacAlgorithm="HMAC_SHA_256")),
        # HMAC key: no encryption, signing, data keys.
        (mac_key, "GENERATE_VERIFY_MAC", "Encrypt", lambda k: kms.encrypt(KeyId=k, Plaintext=b"x")),
        (mac_key, "GENERATE_VERIFY_MAC", "Decrypt", lambda k: kms.decrypt(KeyId=k, CiphertextBlob=b"x" * 256, EncryptionAlgorithm="RSAES_OAEP_SHA_256")),
        (mac_key, "GENERATE_VERIFY_MAC", "GenerateDataKey", lambda k: kms.generate_data_key(KeyId=k, KeySpec="AES_256")),
        (mac_key, "GENERATE_VERIFY_MAC", "GenerateDataKeyWithoutPlaintext", lambda k: kms.generate_data_key_without_plaintext(KeyId=k, KeySpec="AES_256")),
        (mac_key, "GENERATE_VERIFY_MAC", "GenerateDataKeyPair", lambda k: kms.generate_data_key_pair(KeyId=k, KeyPairSpec="ECC_NIST_P256")),
        (mac_key, "GENERATE_VERIFY_MAC", "Sign", lambda k: kms.sign(KeyId=k, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")),
        (mac_key, "GENERATE_VERIFY_MAC", "ReEncrypt", lambda k: kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=k)),
        # Signing keys: no encryption, data keys, MACs.
        (sign_key, "SIGN_VERIFY", "Encrypt", lambda k: kms.encrypt(KeyId=k, Plaintext=b"x")),
        (rsa_sign, "SIGN_VERIFY", "Encrypt", lambda k: kms.encrypt(KeyId=k, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")),
        (sign_key, "SIGN_VERIFY", "GenerateDataKey", lambda k: kms.generate_data_key(KeyId=k, KeySpec="AES_256")),
        (sign_key, "SIGN_VERIFY", "GenerateMac", lambda k: kms.generate_mac(KeyId=k, Message=b"m", MacAlgorithm="HMAC_SHA_256")),
        # RSA encryption key: no signing, MACs.
        (rsa_enc, "ENCRYPT_DECRYPT", "Sign", lambda k: kms.sign(KeyId=k, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")),
        (rsa_enc, "ENCRYPT_DECRYPT", "VerifyMac", lambda k: kms.verify_mac(KeyId=k, Message=b"m", Mac=b"m", MacAlgorithm="HMAC_SHA_256")),
    ]
    for key, usage, operation, call in calls:
        with expect_error("InvalidKeyUsageException", usage_error(key, usage, operation)):
            call(key["KeyId"])
    # An RSA ENCRYPT_DECRYPT key makes no data keys (SYMMETRIC_DEFAULT only).
    for call in (
        lambda k: kms.generate_data_key(KeyId=k, KeySpec="AES_256"),
        lambda k: kms.generate_data_key_pair(KeyId=k, KeyPairSpec="RSA_2048"),
        lambda k: kms.generate_data_key_pair_without_plaintext(KeyId=k, KeyPairSpec="RSA_2048"),
        lambda k: kms.encrypt(KeyId=k, Plaintext=b"x"),
    ):
        with expect_error(
            "InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048."
        ):
            call(rsa_enc["KeyId"])
    # No public key for symmetric or HMAC keys.
    for key in (symmetric, mac_key):
        with expect_error("UnsupportedOperationException"):
            kms.get_public_key(KeyId=key["KeyId"])


# -- authorization, trail, data at rest -----------------------------------------------


def test_condition_keys_of_asymmetric_operations(server, kms):
    iam = iam_client(server)
    user = make_user(server, iam)
    root = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "kms:*", "Resource": "*"}

    def allow(action: str, condition: dict) -> dict:
        return {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": action, "Resource": "*", "Condition": condition}

    sign_key = kms.create_key(
        KeySpec="RSA_2048",
        KeyUsage="SIGN_VERIFY",
        Policy=doc(
            root,
            allow("kms:Sign", {"StringEquals": {"kms:SigningAlgorithm": "RSASSA_PSS_SHA_256", "kms:MessageType": "DIGEST"}}),
        ),
    )["KeyMetadata"]["KeyId"]
    user_kms = user.client("kms")
    digest = hashlib.sha256(b"m").digest()
    user_kms.sign(KeyId=sign_key, Message=digest, MessageType="DIGEST", SigningAlgorithm="RSASSA_PSS_SHA_256")
    with expect_error("AccessDeniedException"):
        user_kms.sign(KeyId=sign_key, Message=b"m", MessageType="RAW", SigningAlgorithm="RSASSA_PSS_SHA_256")
    with expect_error("AccessDeniedException"):
        user_kms.sign(KeyId=sign_key, Message=digest, MessageType="DIGEST", SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")

    enc_key = kms.create_key(
        KeySpec="RSA_2048",
        Policy=doc(root, allow("kms:Encrypt", {"StringEquals": {"kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}})),
    )["KeyMetadata"]["KeyId"]
    user_kms.encrypt(KeyId=enc_key, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    with expect_error("AccessDeniedException"):
        user_kms.encrypt(KeyId=enc_key, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_1")

    mac_key = kms.create_key(
        KeySpec="HMAC_256",
        KeyUsage="GENERATE_VERIFY_MAC",
        Policy=doc(root, allow("kms:GenerateMac", {"StringEquals": {"kms:MacAlgorithm": "HMAC_SHA_256"}})),
    )["KeyMetadata"]["KeyId"]
    user_kms.generate_mac(KeyId=mac_key, Message=b"m", MacAlgorithm="HMAC_SHA_256")
    with expect_error("AccessDeniedException"):
        user_kms.verify_mac(KeyId=mac_key, Message=b"m", Mac=b"m" * 32, MacAlgorithm="HMAC_SHA_256")

    sym = kms.create_key(
        Policy=doc(root, allow("kms:GenerateDataKeyPair", {"StringEquals": {"kms:DataKeyPairSpec": "ECC_NIST_P256"}}))
    )["KeyMetadata"]["KeyId"]
    user_kms.generate_data_key_pair(KeyId=sym, KeyPairSpec="ECC_NIST_P256")
    with expect_error("AccessDeniedException"):
        user_kms.generate_data_key_pair(KeyId=sym, KeyPairSpec="ECC_NIST_P384")


def test_trail_holds_no_message_or_private_key(server, kms, symmetric):
    sign_key = made_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    marker = f"signed-message-{uuid.uuid4().hex}".encode()
    kms.sign(KeyId=sign_key["KeyId"], Message=marker, SigningAlgorithm="ECDSA_SHA_256")
    pair = kms.generate_data_key_pair(KeyId=symmetric["KeyId"], KeyPairSpec="ECC_NIST_P256")
    ct = make_client(
        server.endpoint, region=REGION, access_key=server.access_key, secret_key=server.secret_key, service="cloudtrail"
    )
    needles = [base64.b64encode(marker).decode(), base64.b64encode(pair["PrivateKeyPlaintext"]).decode()]
    seen = set()
    for arn in (sign_key["Arn"], symmetric["Arn"]):
        for e in ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": arn}])["Events"]:
            seen.add(e["EventName"])
            record = json.loads(e["CloudTrailEvent"])
            if record["eventName"] in ("Sign", "GenerateDataKeyPair"):
                assert record["readOnly"] is True
            for needle in needles:
                assert needle not in e["CloudTrailEvent"], e["EventName"]
    assert {"Sign", "GenerateDataKeyPair"} <= seen, seen


# A PKCS#8 private key in DER: version 0, then the AlgorithmIdentifier of rsaEncryption
# or id-ecPublicKey (both under 1.2.840).
PKCS8_HEADER = re.compile(rb"\x02\x01\x00\x30.\x06.\x2a\x86\x48", re.DOTALL)


def test_no_private_key_or_message_in_the_data_dir(fresh_server):
    kms = make_client(
        fresh_server.endpoint,
        region=REGION,
        access_key=fresh_server.access_key,
        secret_key=fresh_server.secret_key,
        service="kms",
    )
    marker = f"message-marker-{uuid.uuid4().hex}".encode()
    for spec in ("RSA_2048", "ECC_NIST_P256", "ECC_SECG_P256K1"):
        key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        algorithm = SIGNING[spec][0]
        kms.sign(KeyId=key, Message=marker, SigningAlgorithm=algorithm)
    mac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    kms.generate_mac(KeyId=mac_key, Message=marker, MacAlgorithm="HMAC_SHA_256")
    sym = kms.create_key()["KeyMetadata"]["KeyId"]
    pairs = [kms.generate_data_key_pair(KeyId=sym, KeyPairSpec=s)["PrivateKeyPlaintext"] for s in ("RSA_2048", "ECC_NIST_P256")]
    fresh_server.stop()
    needles = [marker, base64.b64encode(marker)] + [v for p in pairs for v in (p, base64.b64encode(p))]
    checked = 0
    for path in Path(fresh_server.data_dir).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            checked += 1
            for needle in needles:
                assert needle not in content, f"{path} holds plaintext"
            assert not PKCS8_HEADER.search(content), f"{path} holds what looks like a PKCS#8 private key"
    assert checked > 0
    # The pattern does find a private key.
    assert PKCS8_HEADER.search(pairs[0]) and PKCS8_HEADER.search(pairs[1])


# -- the AWS CLI ----------------------------------------------------------------------


def test_aws_cli_sign_verify_and_public_key(aws_cli, tmp_path: Path):
    meta = aws_cli.run("kms", "create-key", "--key-spec", "ECC_NIST_P384", "--key-usage", "SIGN_VERIFY")["KeyMetadata"]
    assert meta["SigningAlgorithms"] == ["ECDSA_SHA_384"]
    message = tmp_path / "message.bin"
    message.write_bytes(b"signed on the command line")
    out = aws_cli.run(
        "kms", "sign", "--key-id", meta["KeyId"], "--message", f"fileb://{message}", "--signing-algorithm", "ECDSA_SHA_384"
    )
    signature = base64.b64decode(out["Signature"])
    sig_file = tmp_path / "sig.bin"
    sig_file.write_bytes(signature)
    got = aws_cli.run(
        "kms",
        "verify",
        "--key-id",
        meta["KeyId"],
        "--message",
        f"fileb://{message}",
        "--signature",
        f"fileb://{sig_file}",
        "--signing-algorithm",
        "ECDSA_SHA_384",
    )
    assert got["SignatureValid"] is True
    pub = aws_cli.run("kms", "get-public-key", "--key-id", meta["KeyId"])
    verify_locally(base64.b64decode(pub["PublicKey"]), "ECDSA_SHA_384", message.read_bytes(), signature, False)
