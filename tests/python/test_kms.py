"""KMS end to end through boto3's kms client and the AWS CLI: the key
lifecycle and its states, aliases, tags, key policies, symmetric crypto
(EncryptionContext bound in, GenerateDataKey used locally with
`cryptography`), KMS's authorization (the key policy must allow, directly or
through the account root; across accounts both sides), the managed key
`aws/secretsmanager`, the audit trail, and no plaintext in the data dir."""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path

import pytest

from support import ACCOUNT_ID, REGION, expect_error, make_client
from test_access import NO_IDENTITY, OTHER_ACCOUNT, create_account, iam_client, make_user

UNKNOWN_ID = "11111111-2222-4333-8444-555555555555"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def key_arn(key_id: str, account: str = ACCOUNT_ID) -> str:
    return f"arn:aws:kms:{REGION}:{account}:key/{key_id}"


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


@pytest.fixture
def key(kms):
    """A fresh customer managed key: its KeyMetadata."""
    return kms.create_key(Description="test key")["KeyMetadata"]


def alias_name(prefix: str = "t") -> str:
    return f"alias/{prefix}-{uuid.uuid4().hex[:12]}"


# -- keys ------------------------------------------------------------------------


def test_create_and_describe_by_every_key_id_form(kms):
    meta = kms.create_key(Description="orders", Tags=[{"TagKey": "team", "TagValue": "payments"}])["KeyMetadata"]
    assert meta["AWSAccountId"] == ACCOUNT_ID
    assert meta["Arn"] == key_arn(meta["KeyId"])
    assert meta["KeyState"] == "Enabled" and meta["Enabled"] is True
    assert meta["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert meta["KeySpec"] == meta["CustomerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    assert meta["KeyManager"] == "CUSTOMER" and meta["Origin"] == "AWS_KMS"
    assert meta["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    assert meta["Description"] == "orders"
    alias = alias_name("orders")
    kms.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
    for key_id in (meta["KeyId"], meta["Arn"], alias, f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:{alias}"):
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == meta["KeyId"], key_id
    assert kms.list_resource_tags(KeyId=meta["KeyId"])["Tags"] == [{"TagKey": "team", "TagValue": "payments"}]


def test_unknown_and_malformed_key_ids(kms):
    with expect_error("NotFoundException", f"Key '{key_arn(UNKNOWN_ID)}' does not exist"):
        kms.describe_key(KeyId=UNKNOWN_ID)
    with expect_error("NotFoundException", "Invalid keyId 'not-a-key'"):
        kms.describe_key(KeyId="not-a-key")
    with expect_error("NotFoundException"):
        kms.describe_key(KeyId="alias/never-created-7f3a")
    with expect_error("InvalidArnException"):
        kms.describe_key(KeyId="arn:aws:kms:us-east-1:123456789012:bucket/x")
    # Keys are regional: an ARN of another region names nothing here.
    meta = kms.create_key()["KeyMetadata"]
    with expect_error("NotFoundException"):
        kms.describe_key(KeyId=meta["Arn"].replace(REGION, "eu-west-1"))


def test_list_keys_pages_without_repeats(kms):
    made = {kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(3)}
    seen: list[str] = []
    marker = None
    while True:
        kwargs = {"Limit": 2, **({"Marker": marker} if marker else {})}
        page = kms.list_keys(**kwargs)
        seen.extend(k["KeyId"] for k in page["Keys"])
        for k in page["Keys"]:
            assert k["KeyArn"] == key_arn(k["KeyId"])
        if not page["Truncated"]:
            assert "NextMarker" not in page
            break
        marker = page["NextMarker"]
    assert len(seen) == len(set(seen))
    assert made <= set(seen)
    with expect_error("InvalidMarkerException"):
        kms.list_keys(Marker="not-a-marker")


def test_unsupported_key_specs_and_options(kms):
    # Asymmetric and HMAC keys are served (test_kms_asymmetric.py); SM2 is China's only.
    with expect_error("UnsupportedOperationException"):
        kms.create_key(KeySpec="SM2", KeyUsage="SIGN_VERIFY")
    with expect_error("UnsupportedOperationException"):
        kms.create_key(Origin="EXTERNAL")
    with expect_error("UnsupportedOperationException"):
        kms.create_key(MultiRegion=True)
    with expect_error("ValidationException"):
        kms.create_key(KeyUsage="SIGN_VERIFY")


def test_key_states_enable_disable_schedule_cancel(kms, key):
    key_id, arn = key["KeyId"], key["Arn"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"state")["CiphertextBlob"]

    kms.disable_key(KeyId=key_id)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"
    with expect_error("DisabledException", f"{arn} is disabled."):
        kms.encrypt(KeyId=key_id, Plaintext=b"x")
    with expect_error("DisabledException"):
        kms.decrypt(CiphertextBlob=blob)
    kms.enable_key(KeyId=key_id)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"state"

    with expect_error("ValidationException"):
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=6)
    with expect_error("ValidationException"):
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=31)
    with expect_error("KMSInvalidStateException", f"{arn} is not pending deletion."):
        kms.cancel_key_deletion(KeyId=key_id)
    out = kms.schedule_key_deletion(KeyId=key_id)
    assert out["KeyId"] == arn and out["KeyState"] == "PendingDeletion" and out["PendingWindowInDays"] == 30
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion" and meta["Enabled"] is False
    assert meta["PendingDeletionWindowInDays"] == 30
    assert (meta["DeletionDate"] - meta["CreationDate"]).days in (29, 30)
    with expect_error("KMSInvalidStateException", f"{arn} is pending deletion."):
        kms.encrypt(KeyId=key_id, Plaintext=b"x")
    with expect_error("KMSInvalidStateException"):
        kms.decrypt(CiphertextBlob=blob)
    with expect_error("KMSInvalidStateException"):
        kms.enable_key(KeyId=key_id)
    with expect_error("KMSInvalidStateException"):
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    with expect_error("KMSInvalidStateException"):
        kms.update_key_description(KeyId=key_id, Description="no")
    with expect_error("KMSInvalidStateException"):
        kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "a", "TagValue": "b"}])
    # Cancelled, the key comes back disabled, as in AWS.
    assert kms.cancel_key_deletion(KeyId=key_id)["KeyId"] == arn
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "Disabled" and "DeletionDate" not in meta
    kms.enable_key(KeyId=key_id)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"state"


def test_update_description_and_tags(kms, key):
    key_id = key["KeyId"]
    kms.update_key_description(KeyId=key_id, Description="new words")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "new words"

    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "b", "TagValue": "2"}, {"TagKey": "a", "TagValue": "1"}])
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "a", "TagValue": "one"}])
    assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [
        {"TagKey": "a", "TagValue": "one"},
        {"TagKey": "b", "TagValue": "2"},
    ]
    page = kms.list_resource_tags(KeyId=key_id, Limit=1)
    assert page["Truncated"] and page["Tags"] == [{"TagKey": "a", "TagValue": "one"}]
    rest = kms.list_resource_tags(KeyId=key_id, Marker=page["NextMarker"])
    assert rest["Tags"] == [{"TagKey": "b", "TagValue": "2"}] and not rest["Truncated"]
    kms.untag_resource(KeyId=key_id, TagKeys=["a", "absent"])
    assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "b", "TagValue": "2"}]
    with expect_error("TagException"):
        kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "aws:reserved", "TagValue": "x"}])
    with expect_error("TagException"):
        kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": f"k{i}", "TagValue": "v"} for i in range(51)])
    with expect_error("NotFoundException"):
        kms.tag_resource(KeyId=UNKNOWN_ID, Tags=[{"TagKey": "a", "TagValue": "b"}])


# -- aliases ---------------------------------------------------------------------


def test_alias_lifecycle(kms):
    first = kms.create_key()["KeyMetadata"]
    second = kms.create_key()["KeyMetadata"]
    name = alias_name()
    kms.create_alias(AliasName=name, TargetKeyId=first["Arn"])
    with expect_error("AlreadyExistsException"):
        kms.create_alias(AliasName=name, TargetKeyId=second["KeyId"])
    listed = kms.list_aliases(KeyId=first["KeyId"])["Aliases"]
    assert [a["AliasName"] for a in listed] == [name]
    assert listed[0]["AliasArn"] == f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:{name}"
    assert listed[0]["TargetKeyId"] == first["KeyId"]

    blob = kms.encrypt(KeyId=name, Plaintext=b"via alias")["CiphertextBlob"]
    kms.update_alias(AliasName=name, TargetKeyId=second["KeyId"])
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == second["KeyId"]
    assert kms.list_aliases(KeyId=first["KeyId"])["Aliases"] == []
    # The blob names its key, not the alias: it still decrypts.
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"via alias"
    with expect_error("IncorrectKeyException"):
        kms.decrypt(CiphertextBlob=blob, KeyId=name)

    kms.delete_alias(AliasName=name)
    with expect_error("NotFoundException"):
        kms.describe_key(KeyId=name)
    with expect_error("NotFoundException"):
        kms.delete_alias(AliasName=name)
    with expect_error("NotFoundException"):
        kms.update_alias(AliasName=name, TargetKeyId=first["KeyId"])


def test_alias_rules(kms, key):
    with expect_error("InvalidAliasNameException"):
        kms.create_alias(AliasName="no-prefix", TargetKeyId=key["KeyId"])
    with expect_error("InvalidAliasNameException"):
        kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=key["KeyId"])
    with expect_error("ValidationException"):
        kms.create_alias(AliasName="alias/has space", TargetKeyId=key["KeyId"])
    with expect_error("ValidationException"):
        kms.create_alias(AliasName=alias_name(), TargetKeyId="alias/other")
    with expect_error("NotFoundException"):
        kms.create_alias(AliasName=alias_name(), TargetKeyId=UNKNOWN_ID)
    with expect_error("AccessDeniedException"):
        kms.update_alias(AliasName="alias/aws/secretsmanager", TargetKeyId=key["KeyId"])
    with expect_error("AccessDeniedException"):
        kms.delete_alias(AliasName="alias/aws/secretsmanager")
    pending = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=pending, PendingWindowInDays=7)
    with expect_error("KMSInvalidStateException"):
        kms.create_alias(AliasName=alias_name(), TargetKeyId=pending)


def test_list_aliases_pages(kms, key):
    names = sorted(alias_name("page") for _ in range(3))
    for n in names:
        kms.create_alias(AliasName=n, TargetKeyId=key["KeyId"])
    seen, marker = [], None
    while True:
        page = kms.list_aliases(KeyId=key["Arn"], Limit=2, **({"Marker": marker} if marker else {}))
        seen.extend(a["AliasName"] for a in page["Aliases"])
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert seen == names
    with expect_error("NotFoundException"):
        kms.list_aliases(KeyId=UNKNOWN_ID)


# -- key policies ------------------------------------------------------------------


def test_default_key_policy_and_put_get_list(kms, key):
    assert kms.list_key_policies(KeyId=key["KeyId"])["PolicyNames"] == ["default"]
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    assert policy["Statement"] == [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    new = doc(
        {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "deny-decrypt", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"},
    )
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=new)
    assert kms.get_key_policy(KeyId=key["KeyId"])["Policy"] == new
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    with expect_error("AccessDeniedException"):
        kms.decrypt(CiphertextBlob=blob)

    with expect_error("MalformedPolicyDocumentException"):
        kms.put_key_policy(KeyId=key["KeyId"], Policy="{not json")
    with expect_error("ValidationException"):
        kms.put_key_policy(KeyId=key["KeyId"], Policy=new.replace("deny-decrypt", "deny-\u2603"))
    # The lockout safety check: a policy that would stop the caller from
    # changing it again is refused unless bypassed.
    lockout = doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/nobody"}, "Action": "kms:*", "Resource": "*"})
    with expect_error("MalformedPolicyDocumentException"):
        kms.put_key_policy(KeyId=key["KeyId"], Policy=lockout)
    with expect_error("MalformedPolicyDocumentException"):
        kms.create_key(Policy=lockout)
    with expect_error("NotFoundException"):
        kms.get_key_policy(KeyId=key["KeyId"], PolicyName="other")
    kms.put_key_policy(KeyId=key["KeyId"], Policy=lockout, BypassPolicyLockoutSafetyCheck=True)
    with expect_error("AccessDeniedException"):
        kms.get_key_policy(KeyId=key["KeyId"])


# -- crypto ------------------------------------------------------------------------


def test_encrypt_decrypt_with_and_without_context(kms, key):
    key_id, arn = key["KeyId"], key["Arn"]
    out = kms.encrypt(KeyId=key_id, Plaintext=b"hello")
    assert out["KeyId"] == arn and out["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert b"hello" not in out["CiphertextBlob"]
    back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"])
    assert back["Plaintext"] == b"hello" and back["KeyId"] == arn
    assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"], KeyId=arn)["Plaintext"] == b"hello"

    ctx = {"purpose": "test", "tenant": "a"}
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"bound", EncryptionContext=ctx)["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext=dict(reversed(list(ctx.items()))))["Plaintext"] == b"bound"
    for wrong in ({}, {"purpose": "test"}, {"purpose": "test", "tenant": "b"}):
        with expect_error("InvalidCiphertextException"):
            kms.decrypt(CiphertextBlob=blob, EncryptionContext=wrong)
    # A context where there was none fails too.
    with expect_error("InvalidCiphertextException"):
        kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"a": "b"})

    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with expect_error("InvalidCiphertextException"):
        kms.decrypt(CiphertextBlob=bytes(tampered), EncryptionContext=ctx)
    with expect_error("InvalidCiphertextException"):
        kms.decrypt(CiphertextBlob=b"not a kms blob at all")
    with expect_error("ValidationException"):
        kms.decrypt(CiphertextBlob=os.urandom(6145))
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    with expect_error("IncorrectKeyException"):
        kms.decrypt(CiphertextBlob=blob, EncryptionContext=ctx, KeyId=other)

    big = os.urandom(4096)
    assert kms.decrypt(CiphertextBlob=kms.encrypt(KeyId=key_id, Plaintext=big)["CiphertextBlob"])["Plaintext"] == big


def test_model_constraints_are_validation_exceptions(loose_kms, key):
    with expect_error("ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"):
        loose_kms.describe_key()
    with expect_error("ValidationException"):
        loose_kms.create_key(KeySpec="NOT_A_SPEC")
    with expect_error("ValidationException"):
        loose_kms.create_key(Description="d" * 8193)
    with expect_error("ValidationException"):
        loose_kms.list_keys(Limit=0)
    with expect_error("ValidationException"):
        loose_kms.encrypt(KeyId=key["KeyId"])
    with expect_error("ValidationException"):
        loose_kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": "k"}])


def test_encrypt_errors(kms, loose_kms, key):
    with expect_error("NotFoundException"):
        kms.encrypt(KeyId=UNKNOWN_ID, Plaintext=b"x")
    with expect_error("ValidationException"):
        loose_kms.encrypt(KeyId=key["KeyId"], Plaintext=os.urandom(4097))
    with expect_error("InvalidKeyUsageException"):
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    # A dry run that would have succeeded: 412, as KMS answers it.
    with expect_error("DryRunOperationException", status=412):
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x", DryRun=True)
    kms.disable_key(KeyId=key["KeyId"])
    with expect_error("DisabledException"):
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x", DryRun=True)


def test_re_encrypt(kms, key):
    ctx = {"k": "v"}
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"move me", EncryptionContext=ctx)["CiphertextBlob"]
    dest = kms.create_key()["KeyMetadata"]
    out = kms.re_encrypt(
        CiphertextBlob=blob,
        SourceEncryptionContext=ctx,
        DestinationKeyId=dest["KeyId"],
        DestinationEncryptionContext={"new": "ctx"},
    )
    assert out["SourceKeyId"] == key["Arn"] and out["KeyId"] == dest["Arn"]
    assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"new": "ctx"})["Plaintext"] == b"move me"
    with expect_error("InvalidCiphertextException"):
        kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=dest["KeyId"])
    with expect_error("IncorrectKeyException"):
        kms.re_encrypt(
            CiphertextBlob=blob, SourceEncryptionContext=ctx, SourceKeyId=dest["KeyId"], DestinationKeyId=dest["KeyId"]
        )


def test_generate_data_key_for_local_aes_gcm(kms, key):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ctx = {"file": "report.pdf"}
    dk = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256", EncryptionContext=ctx)
    assert len(dk["Plaintext"]) == 32 and dk["KeyId"] == key["Arn"]
    nonce = os.urandom(12)
    sealed = AESGCM(dk["Plaintext"]).encrypt(nonce, b"the document", None)
    # Later: the stored encrypted data key is all a client keeps.
    recovered = kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext=ctx)["Plaintext"]
    assert recovered == dk["Plaintext"]
    assert AESGCM(recovered).decrypt(nonce, sealed, None) == b"the document"

    assert len(kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_128")["Plaintext"]) == 16
    assert len(kms.generate_data_key(KeyId=key["KeyId"], NumberOfBytes=7)["Plaintext"]) == 7
    without = kms.generate_data_key_without_plaintext(KeyId=key["KeyId"], KeySpec="AES_256", EncryptionContext=ctx)
    assert "Plaintext" not in without
    assert len(kms.decrypt(CiphertextBlob=without["CiphertextBlob"], EncryptionContext=ctx)["Plaintext"]) == 32
    with expect_error("ValidationException"):
        kms.generate_data_key(KeyId=key["KeyId"])
    with expect_error("ValidationException"):
        kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256", NumberOfBytes=32)


def test_generate_data_key_number_of_bytes_bounds(loose_kms, key):
    for n in (0, 1025):
        with expect_error("ValidationException"):
            loose_kms.generate_data_key(KeyId=key["KeyId"], NumberOfBytes=n)


def test_generate_random(kms, loose_kms):
    a = kms.generate_random(NumberOfBytes=32)["Plaintext"]
    b = kms.generate_random(NumberOfBytes=32)["Plaintext"]
    assert len(a) == 32 and a != b
    assert len(kms.generate_random(NumberOfBytes=1024)["Plaintext"]) == 1024
    with expect_error("ValidationException"):
        loose_kms.generate_random(NumberOfBytes=1025)


# -- the AWS managed key ------------------------------------------------------------


def test_secretsmanager_key_is_visible_and_protected(server, kms, client):
    client.create_secret(Name=f"kms-visible-{uuid.uuid4().hex[:8]}", SecretString="v")
    aliases = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}
    managed = aliases["alias/aws/secretsmanager"]
    meta = kms.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]
    assert meta["KeyId"] == managed["TargetKeyId"]
    assert meta["KeyManager"] == "AWS" and meta["KeyState"] == "Enabled"
    assert meta["KeyId"] in {k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]}
    policy = json.loads(kms.get_key_policy(KeyId=meta["KeyId"])["Policy"])
    assert any("kms:ViaService" in json.dumps(s) for s in policy["Statement"])
    # Usable only through Secrets Manager, and only AWS changes it.
    with expect_error("AccessDeniedException"):
        kms.encrypt(KeyId="alias/aws/secretsmanager", Plaintext=b"x")
    for call in (
        lambda: kms.disable_key(KeyId=meta["KeyId"]),
        lambda: kms.schedule_key_deletion(KeyId=meta["KeyId"], PendingWindowInDays=7),
        lambda: kms.put_key_policy(KeyId=meta["KeyId"], Policy=doc({"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"})),
    ):
        with expect_error("AccessDeniedException"):
            call()
    # Secrets under it still read.
    name = f"kms-still-{uuid.uuid4().hex[:8]}"
    client.create_secret(Name=name, SecretString="still readable")
    assert client.get_secret_value(SecretId=name)["SecretString"] == "still readable"


def test_describe_key_of_the_predefined_alias_makes_the_managed_key(make_server):
    """As KMS does, DescribeKey of `alias/aws/secretsmanager` before anything
    used it makes the AWS managed key (Terraform's `data "aws_kms_key"` reads
    it so); Secrets Manager then seals under that same key. A caller who may
    not describe it, or the alias of another region, makes nothing."""
    srv = make_server()
    kms = make_client(srv.endpoint, region=REGION, access_key=srv.access_key, secret_key=srv.secret_key, service="kms")
    alias_arn = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:alias/aws/secretsmanager"
    nobody = make_user(srv, iam_client(srv))
    with expect_error(
        "AccessDeniedException",
        f"User: {nobody.arn} is not authorized to perform: kms:DescribeKey on resource: {alias_arn} "
        + NO_IDENTITY.format("kms:DescribeKey"),
    ):
        nobody.client("kms").describe_key(KeyId="alias/aws/secretsmanager")
    with expect_error("NotFoundException"):
        kms.describe_key(KeyId=f"arn:aws:kms:us-west-2:{ACCOUNT_ID}:alias/aws/secretsmanager")
    assert kms.list_keys()["Keys"] == []

    meta = kms.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]
    assert meta["KeyManager"] == "AWS" and meta["KeyState"] == "Enabled"
    assert meta["Description"] == "Default key that protects my Secrets Manager data when no other key is defined"
    assert kms.describe_key(KeyId=alias_arn)["KeyMetadata"]["KeyId"] == meta["KeyId"]
    assert [k["KeyId"] for k in kms.list_keys()["Keys"]] == [meta["KeyId"]]
    managed = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}["alias/aws/secretsmanager"]
    assert managed["TargetKeyId"] == meta["KeyId"]
    assert kms.get_key_rotation_status(KeyId=meta["KeyId"])["KeyRotationEnabled"] is True

    sm = srv.client()
    sm.create_secret(Name="under-the-managed-key", SecretString="v")
    assert sm.get_secret_value(SecretId="under-the-managed-key")["SecretString"] == "v"
    assert [k["KeyId"] for k in kms.list_keys()["Keys"]] == [meta["KeyId"]]


# -- authorization -------------------------------------------------------------------


def test_key_policy_is_required_as_well_as_iam(server, kms):
    iam = iam_client(server)
    user = make_user(server, iam, policy=doc({"Effect": "Allow", "Action": "kms:*", "Resource": "*"}))
    user_kms = user.client("kms")
    # The default policy delegates to IAM: the identity allow suffices.
    mine = user_kms.create_key()["KeyMetadata"]
    blob = user_kms.encrypt(KeyId=mine["KeyId"], Plaintext=b"ok")["CiphertextBlob"]
    assert user_kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"ok"

    # A key whose policy names neither the user nor the account root: the
    # identity allow is not enough.
    admin_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/admin"
    closed = kms.create_key(
        Policy=doc({"Effect": "Allow", "Principal": {"AWS": admin_arn}, "Action": "kms:*", "Resource": "*"})
    )["KeyMetadata"]
    action = "kms:Encrypt"
    with expect_error(
        "AccessDeniedException",
        f"User: {user.arn} is not authorized to perform: {action} on resource: {closed['Arn']} "
        f"because no resource-based policy allows the {action} action",
    ):
        user_kms.encrypt(KeyId=closed["KeyId"], Plaintext=b"no")
    # Naming the user directly in the key policy allows without IAM.
    no_iam = make_user(server, iam)
    direct = kms.create_key(
        Policy=doc(
            {"Effect": "Allow", "Principal": {"AWS": admin_arn}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": no_iam.arn}, "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"},
        )
    )["KeyMetadata"]
    blob = no_iam.client("kms").encrypt(KeyId=direct["KeyId"], Plaintext=b"direct")["CiphertextBlob"]
    assert no_iam.client("kms").decrypt(CiphertextBlob=blob)["Plaintext"] == b"direct"
    with expect_error("AccessDeniedException"):
        no_iam.client("kms").describe_key(KeyId=direct["KeyId"])
    # An unknown key: authorized first, so only those allowed learn it is missing.
    with expect_error("AccessDeniedException"):
        no_iam.client("kms").describe_key(KeyId=UNKNOWN_ID)
    with expect_error("NotFoundException"):
        user_kms.describe_key(KeyId=UNKNOWN_ID)


def test_encryption_context_condition_keys(server, kms):
    iam = iam_client(server)
    user = make_user(server, iam)
    key = kms.create_key(
        Policy=doc(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "kms:*", "Resource": "*"},
            {
                "Effect": "Allow",
                "Principal": {"AWS": user.arn},
                "Action": "kms:Encrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:EncryptionContext:tenant": "a"}},
            },
        )
    )["KeyMetadata"]
    user.client("kms").encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"tenant": "a"})
    with expect_error("AccessDeniedException"):
        user.client("kms").encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"tenant": "b"})


def test_tags_in_conditions(server, kms):
    ok_alias, other_alias = alias_name("abac-ok"), alias_name("abac-other")
    iam = iam_client(server)
    user = make_user(
        server,
        iam,
        policy=doc(
            {
                "Effect": "Allow",
                "Action": ["kms:CreateKey", "kms:TagResource"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestTag/team": "core"}},
            },
            {
                "Effect": "Allow",
                "Action": "kms:Encrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag/team": "core"}},
            },
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:RequestAlias": ok_alias}},
            },
        ),
    )
    user_kms = user.client("kms")
    with expect_error("AccessDeniedException"):
        user_kms.create_key()
    with expect_error("AccessDeniedException"):
        user_kms.create_key(Tags=[{"TagKey": "team", "TagValue": "other"}])
    mine = user_kms.create_key(Tags=[{"TagKey": "team", "TagValue": "core"}])["KeyMetadata"]
    blob = user_kms.encrypt(KeyId=mine["KeyId"], Plaintext=b"tagged")["CiphertextBlob"]
    untagged = kms.create_key()["KeyMetadata"]
    with expect_error("AccessDeniedException"):
        user_kms.encrypt(KeyId=untagged["KeyId"], Plaintext=b"x")
    # kms:RequestAlias: only when the key is named by that alias.
    for name in (ok_alias, other_alias):
        kms.create_alias(AliasName=name, TargetKeyId=mine["KeyId"])
    assert user_kms.decrypt(CiphertextBlob=blob, KeyId=ok_alias)["Plaintext"] == b"tagged"
    with expect_error("AccessDeniedException"):
        user_kms.decrypt(CiphertextBlob=blob, KeyId=other_alias)
    with expect_error("AccessDeniedException"):
        user_kms.decrypt(CiphertextBlob=blob)


def test_cross_account_needs_key_policy_and_identity_policy(fresh_server):
    owner_kms = make_client(
        fresh_server.endpoint,
        region=REGION,
        access_key=fresh_server.access_key,
        secret_key=fresh_server.secret_key,
        service="kms",
    )
    key = owner_kms.create_key()["KeyMetadata"]
    blob = owner_kms.encrypt(KeyId=key["KeyId"], Plaintext=b"shared")["CiphertextBlob"]
    other_iam = iam_client(fresh_server, create_account(fresh_server, OTHER_ACCOUNT))
    allowed = make_user(fresh_server, other_iam, policy=doc({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key["Arn"]}))
    no_identity = make_user(fresh_server, other_iam)
    action = "kms:Decrypt"

    # Only the caller's side allows: the default key policy names the owner's account.
    with expect_error(
        "AccessDeniedException",
        f"User: {allowed.arn} is not authorized to perform: {action} on resource: {key['Arn']} "
        f"because no resource-based policy allows the {action} action",
    ):
        allowed.client("kms").decrypt(CiphertextBlob=blob)

    owner_kms.put_key_policy(
        KeyId=key["KeyId"],
        Policy=doc(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, "Action": "kms:Decrypt", "Resource": "*"},
        ),
    )
    # Only the owner's side allows.
    with expect_error("AccessDeniedException"):
        no_identity.client("kms").decrypt(CiphertextBlob=blob)
    # Both allow.
    assert allowed.client("kms").decrypt(CiphertextBlob=blob)["Plaintext"] == b"shared"
    assert allowed.client("kms").decrypt(CiphertextBlob=blob, KeyId=key["Arn"])["Plaintext"] == b"shared"
    # The other account's own keys do not include it.
    with expect_error("AccessDeniedException"):
        allowed.client("kms").encrypt(KeyId=key["Arn"], Plaintext=b"no")


# -- the AWS CLI ------------------------------------------------------------------------


def test_aws_cli(aws_cli, tmp_path: Path):
    meta = aws_cli.run("kms", "create-key", "--description", "from the cli")["KeyMetadata"]
    name = alias_name("cli")
    aws_cli.run("kms", "create-alias", "--alias-name", name, "--target-key-id", meta["KeyId"])
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"cli secret bytes")
    out = aws_cli.run("kms", "encrypt", "--key-id", name, "--plaintext", f"fileb://{plain}", "--encryption-context", "app=cli")
    blob = tmp_path / "blob.bin"
    blob.write_bytes(base64.b64decode(out["CiphertextBlob"]))
    back = aws_cli.run("kms", "decrypt", "--ciphertext-blob", f"fileb://{blob}", "--encryption-context", "app=cli")
    assert base64.b64decode(back["Plaintext"]) == b"cli secret bytes"
    assert back["KeyId"] == meta["Arn"]
    listed = aws_cli.run("kms", "list-aliases", "--key-id", meta["KeyId"])["Aliases"]
    assert [a["AliasName"] for a in listed] == [name]
    assert aws_cli.run("kms", "describe-key", "--key-id", name)["KeyMetadata"]["Description"] == "from the cli"
    out = aws_cli.run("kms", "schedule-key-deletion", "--key-id", meta["KeyId"], "--pending-window-in-days", "7")
    assert out["KeyState"] == "PendingDeletion"


# -- audit and data at rest -----------------------------------------------------------------


def test_calls_are_recorded_without_plaintext(server, kms, key):
    marker = f"audit-plaintext-{uuid.uuid4().hex}".encode()
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=marker)["CiphertextBlob"]
    kms.decrypt(CiphertextBlob=blob)
    ct = make_client(
        server.endpoint, region=REGION, access_key=server.access_key, secret_key=server.secret_key, service="cloudtrail"
    )
    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": key["Arn"]}])["Events"]
    names = {e["EventName"] for e in events}
    assert {"CreateKey", "Encrypt", "Decrypt"} <= names, names
    for e in events:
        record = json.loads(e["CloudTrailEvent"])
        assert record["eventSource"] == "kms.amazonaws.com"
        text = e["CloudTrailEvent"]
        assert base64.b64encode(marker).decode() not in text
        assert base64.b64encode(blob).decode() not in text
        if record["eventName"] in ("Encrypt", "Decrypt"):
            assert record["readOnly"] is True


def test_no_plaintext_in_the_data_dir(fresh_server):
    kms = make_client(
        fresh_server.endpoint,
        region=REGION,
        access_key=fresh_server.access_key,
        secret_key=fresh_server.secret_key,
        service="kms",
    )
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    marker = f"plaintext-marker-{uuid.uuid4().hex}".encode()
    kms.encrypt(KeyId=key, Plaintext=marker)
    data_keys = [kms.generate_data_key(KeyId=key, KeySpec="AES_256")["Plaintext"] for _ in range(5)]
    randoms = [kms.generate_random(NumberOfBytes=32)["Plaintext"]]
    fresh_server.stop()
    needles = [marker, base64.b64encode(marker)] + [
        v for dk in data_keys + randoms for v in (dk, base64.b64encode(dk))
    ]
    for path in Path(fresh_server.data_dir).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for needle in needles:
                assert needle not in content, f"{path} holds plaintext"


def test_kms_calls_need_a_kms_signature(raw):
    """A request for KMS signed for Secrets Manager is refused at
    authentication (the credential scope names the service)."""
    r = raw.call(None, {}, target="TrentService.ListKeys")
    assert r.status == 400, r.body
    assert r.error_type == "InvalidSignatureException"
    assert r.message == "Credential should be scoped to correct service: 'kms'."
