"""Secrets under KMS keys, end to end through boto3 and the AWS CLI: the
four KmsKeyId forms, a disabled or pending-deletion key (reads fail with
DecryptionFailure, writes with EncryptionFailure, both work again after
EnableKey / CancelKeyDeletion), an alias re-pointed, UpdateSecret changing
the key, kms:Decrypt / kms:GenerateDataKey through key policies and identity
policies (kms:ViaService included), a cross-account read that needs both the
secret's resource policy and the key policy, and no value in clear on disk."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from support import ACCOUNT_ID, REGION, expect_error, make_client
from test_access import OTHER_ACCOUNT, allow, create_account, doc, iam_client, make_user

KMS_DENIED = "Access to KMS is not allowed"
CANT_DECRYPT = "Secrets Manager can't decrypt the protected secret text using the provided KMS key."
CANT_ENCRYPT = "Secrets Manager can't encrypt the protected secret text using the provided KMS key."
VIA_SM = f"secretsmanager.{REGION}.amazonaws.com"


@pytest.fixture(scope="module")
def iam(server):
    return iam_client(server)


@pytest.fixture
def key(kms):
    return kms.create_key(Description="secrets key")["KeyMetadata"]


def alias_name() -> str:
    return f"alias/sm-{uuid.uuid4().hex[:12]}"


def token() -> str:
    return str(uuid.uuid4())


def test_create_read_disable_enable(client, kms, key, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="v1", KmsKeyId=key["KeyId"])
    assert client.get_secret_value(SecretId=name)["SecretString"] == "v1"
    # Read twice: the second answer may come from the read cache, which must
    # notice the key's state all the same.
    assert client.get_secret_value(SecretId=name)["SecretString"] == "v1"

    kms.disable_key(KeyId=key["KeyId"])
    with expect_error("DecryptionFailure", CANT_DECRYPT):
        client.get_secret_value(SecretId=name)
    with expect_error("EncryptionFailure", CANT_ENCRYPT):
        client.put_secret_value(SecretId=name, SecretString="v2")
    with expect_error("EncryptionFailure", CANT_ENCRYPT):
        client.update_secret(SecretId=name, SecretString="v2")
    # Metadata is not encrypted: DescribeSecret still answers.
    assert client.describe_secret(SecretId=name)["KmsKeyId"] == key["KeyId"]

    kms.enable_key(KeyId=key["KeyId"])
    assert client.get_secret_value(SecretId=name)["SecretString"] == "v1"
    client.put_secret_value(SecretId=name, SecretString="v2")
    assert client.get_secret_value(SecretId=name)["SecretString"] == "v2"
    assert client.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == "v1"


def test_pending_deletion_then_cancel(client, kms, key, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="keep me", KmsKeyId=key["Arn"])
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    with expect_error("DecryptionFailure"):
        client.get_secret_value(SecretId=name)
    with expect_error("EncryptionFailure"):
        client.put_secret_value(SecretId=name, SecretString="no")
    # CancelKeyDeletion leaves the key Disabled, as in KMS; EnableKey finishes.
    kms.cancel_key_deletion(KeyId=key["KeyId"])
    with expect_error("DecryptionFailure"):
        client.get_secret_value(SecretId=name)
    kms.enable_key(KeyId=key["KeyId"])
    assert client.get_secret_value(SecretId=name)["SecretString"] == "keep me"


def test_every_key_id_form(client, kms, key, unique_name):
    name = alias_name()
    kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
    alias_arn = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:{name}"
    for form in (key["KeyId"], key["Arn"], name, alias_arn):
        secret = unique_name()
        client.create_secret(Name=secret, SecretString=f"under {form}", KmsKeyId=form)
        assert client.get_secret_value(SecretId=secret)["SecretString"] == f"under {form}"
        described = client.describe_secret(SecretId=secret)
        assert described["KmsKeyId"] == form
        listed = client.list_secrets(Filters=[{"Key": "name", "Values": [secret]}])["SecretList"]
        assert [s.get("KmsKeyId") for s in listed] == [form]
    # Every form of the managed key means the managed key: no KmsKeyId shown.
    for form in ("alias/aws/secretsmanager", f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:alias/aws/secretsmanager", ""):
        secret = unique_name()
        client.create_secret(Name=secret, SecretString="managed", KmsKeyId=form)
        assert "KmsKeyId" not in client.describe_secret(SecretId=secret)
        assert client.get_secret_value(SecretId=secret)["SecretString"] == "managed"


def test_unusable_key_ids_are_refused(client, kms, unique_name):
    name = unique_name()
    with expect_error("ResourceNotFoundException", "Secrets Manager can't find the specified KMS key."):
        client.create_secret(Name=name, SecretString="v", KmsKeyId="alias/no-such-alias")
    with expect_error("ResourceNotFoundException"):
        client.create_secret(Name=name, SecretString="v", KmsKeyId="11111111-2222-4333-8444-555555555555")
    with expect_error("InvalidParameterException"):
        client.create_secret(Name=name, SecretString="v", KmsKeyId="not a key")
    with expect_error("ResourceNotFoundException"):
        client.describe_secret(SecretId=name)  # nothing was created
    created = client.create_secret(Name=name, SecretString="v")
    with expect_error("ResourceNotFoundException"):
        client.update_secret(SecretId=name, KmsKeyId="alias/no-such-alias")
    assert "KmsKeyId" not in client.describe_secret(SecretId=created["ARN"])


@pytest.mark.parametrize("spec,usage", [("ECC_NIST_P256", "SIGN_VERIFY"), ("HMAC_256", "GENERATE_VERIFY_MAC")])
def test_asymmetric_and_hmac_keys_are_refused(client, kms, unique_name, spec, usage):
    try:
        meta = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    except ClientError as e:
        if e.response["Error"]["Code"] == "UnsupportedOperationException":
            pytest.skip(f"{spec} keys are not served by this build")
        raise
    name = unique_name()
    with expect_error("InvalidParameterException"):
        client.create_secret(Name=name, SecretString="v", KmsKeyId=meta["Arn"])
    client.create_secret(Name=name, SecretString="v")
    with expect_error("InvalidParameterException"):
        client.update_secret(SecretId=name, KmsKeyId=meta["KeyId"])


def test_alias_re_pointed(client, kms, unique_name):
    first = kms.create_key()["KeyMetadata"]
    second = kms.create_key()["KeyMetadata"]
    name = alias_name()
    kms.create_alias(AliasName=name, TargetKeyId=first["KeyId"])
    secret = unique_name()
    client.create_secret(Name=secret, SecretString="under first", KmsKeyId=name)
    kms.update_alias(AliasName=name, TargetKeyId=second["KeyId"])
    # The old version stays under the key that sealed it; new ones go under
    # the key the alias names now.
    assert client.get_secret_value(SecretId=secret)["SecretString"] == "under first"
    client.put_secret_value(SecretId=secret, SecretString="under second")
    kms.disable_key(KeyId=first["KeyId"])
    assert client.get_secret_value(SecretId=secret)["SecretString"] == "under second"
    with expect_error("DecryptionFailure"):
        client.get_secret_value(SecretId=secret, VersionStage="AWSPREVIOUS")
    kms.enable_key(KeyId=first["KeyId"])
    assert client.get_secret_value(SecretId=secret, VersionStage="AWSPREVIOUS")["SecretString"] == "under first"


def test_update_secret_moves_labelled_versions_to_the_new_key(client, kms, key, unique_name):
    secret = unique_name()
    client.create_secret(Name=secret, SecretString="one")
    client.put_secret_value(SecretId=secret, SecretString="two")
    assert "KmsKeyId" not in client.describe_secret(SecretId=secret)
    client.update_secret(SecretId=secret, KmsKeyId=key["Arn"])
    assert client.describe_secret(SecretId=secret)["KmsKeyId"] == key["Arn"]
    # AWSCURRENT and AWSPREVIOUS were re-encrypted: the new key's state now decides.
    kms.disable_key(KeyId=key["KeyId"])
    for stage in ("AWSCURRENT", "AWSPREVIOUS"):
        with expect_error("DecryptionFailure"):
            client.get_secret_value(SecretId=secret, VersionStage=stage)
    kms.enable_key(KeyId=key["KeyId"])
    versions = client.list_secret_version_ids(SecretId=secret)["Versions"]
    assert {v["KmsKeyIds"][0] for v in versions} == {key["Arn"]}
    # An empty KmsKeyId goes back to aws/secretsmanager, re-encrypting again.
    client.update_secret(SecretId=secret, KmsKeyId="")
    assert "KmsKeyId" not in client.describe_secret(SecretId=secret)
    kms.disable_key(KeyId=key["KeyId"])
    assert client.get_secret_value(SecretId=secret)["SecretString"] == "two"
    assert client.get_secret_value(SecretId=secret, VersionStage="AWSPREVIOUS")["SecretString"] == "one"


def test_kms_permissions_through_identity_policies(server, client, kms, iam, key, unique_name):
    secret = unique_name()
    arn = client.create_secret(Name=secret, SecretString="guarded", KmsKeyId=key["Arn"])["ARN"]
    managed = client.create_secret(Name=unique_name(), SecretString="managed")["ARN"]
    sm_only = doc(allow("secretsmanager:*"))
    user = make_user(server, iam, policy=sm_only)
    sm = user.client()
    # The managed key needs nothing beyond Secrets Manager permissions.
    assert sm.get_secret_value(SecretId=managed)["SecretString"] == "managed"
    # The default key policy delegates to IAM: nothing allows kms:Decrypt yet.
    with expect_error("AccessDeniedException", KMS_DENIED):
        sm.get_secret_value(SecretId=arn)
    with expect_error("AccessDeniedException", KMS_DENIED):
        sm.put_secret_value(SecretId=arn, SecretString="no")

    iam.put_user_policy(
        UserName=user.name,
        PolicyName="inline",
        PolicyDocument=doc(allow("secretsmanager:*"), allow("kms:Decrypt", key["Arn"])),
    )
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == "guarded"
    with expect_error("AccessDeniedException", KMS_DENIED):
        sm.put_secret_value(SecretId=arn, SecretString="still no")

    # Conditions on kms:ViaService and the encryption context hold.
    iam.put_user_policy(
        UserName=user.name,
        PolicyName="inline",
        PolicyDocument=doc(
            allow("secretsmanager:*"),
            allow("kms:Decrypt", key["Arn"]),
            allow(
                "kms:GenerateDataKey",
                key["Arn"],
                {"StringEquals": {"kms:ViaService": VIA_SM, "kms:EncryptionContext:SecretARN": arn}},
            ),
        ),
    )
    sm.put_secret_value(SecretId=arn, SecretString="written")
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == "written"
    # The same permission, used directly (not through Secrets Manager), is not granted.
    with expect_error("AccessDeniedException"):
        user.client("kms").generate_data_key(KeyId=key["Arn"], KeySpec="AES_256", EncryptionContext={"SecretARN": arn})


def test_key_policy_decides_too(server, client, kms, iam, unique_name):
    user = make_user(server, iam, policy=doc(allow(["secretsmanager:*", "kms:*"])))
    # A key whose policy names only the admin: IAM cannot grant it to others.
    admin_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/admin"
    root_only = doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "kms:*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"kms:ViaService": VIA_SM}},
        },
    )
    key = kms.create_key(Policy=root_only)["KeyMetadata"]
    secret = unique_name()
    client.create_secret(Name=secret, SecretString="via sm", KmsKeyId=key["KeyId"])
    # Decrypt through Secrets Manager passes the ViaService condition.
    assert user.client().get_secret_value(SecretId=f"{secret}")["SecretString"] == "via sm"
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"direct")["CiphertextBlob"]
    with expect_error("AccessDeniedException"):
        kms.decrypt(CiphertextBlob=blob)
    # A key policy that does not delegate to IAM: the user is refused.
    kms.put_key_policy(
        KeyId=key["KeyId"],
        PolicyName="default",
        Policy=doc({"Effect": "Allow", "Principal": {"AWS": admin_arn}, "Action": "kms:*", "Resource": "*"}),
        BypassPolicyLockoutSafetyCheck=True,
    )
    with expect_error("AccessDeniedException", KMS_DENIED):
        user.client().get_secret_value(SecretId=secret)
    assert client.get_secret_value(SecretId=secret)["SecretString"] == "via sm"


def test_cross_account_read_needs_resource_policy_and_key_policy(fresh_server):
    owner = fresh_server.client()
    owner_kms = make_client(
        fresh_server.endpoint,
        region=REGION,
        access_key=fresh_server.access_key,
        secret_key=fresh_server.secret_key,
        service="kms",
    )
    key = owner_kms.create_key()["KeyMetadata"]
    arn = owner.create_secret(Name="shared/kms", SecretString="across", KmsKeyId=key["Arn"])["ARN"]
    other_iam = iam_client(fresh_server, create_account(fresh_server, OTHER_ACCOUNT))
    reader = make_user(
        fresh_server,
        other_iam,
        policy=doc(allow("secretsmanager:GetSecretValue", arn), allow("kms:Decrypt", key["Arn"])),
    )
    sm_only = make_user(fresh_server, other_iam, policy=doc(allow("secretsmanager:GetSecretValue", arn)))

    # Neither the resource policy nor the key policy allows.
    with expect_error("AccessDeniedException") as e:
        reader.client().get_secret_value(SecretId=arn)
    assert e.value.response["Error"]["Message"] != KMS_DENIED
    owner.put_resource_policy(
        SecretId=arn,
        ResourcePolicy=doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ),
    )
    # The secret's side allows; the key policy (the default) names only its account.
    with expect_error("AccessDeniedException", KMS_DENIED):
        reader.client().get_secret_value(SecretId=arn)
    owner_kms.put_key_policy(
        KeyId=key["KeyId"],
        PolicyName="default",
        Policy=doc(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, "Action": "kms:Decrypt", "Resource": "*"},
        ),
    )
    # Both policies allow.
    assert reader.client().get_secret_value(SecretId=arn)["SecretString"] == "across"
    # The caller's own account must allow kms:Decrypt as well.
    with expect_error("AccessDeniedException", KMS_DENIED):
        sm_only.client().get_secret_value(SecretId=arn)
    # A disabled key is DecryptionFailure across accounts too.
    owner_kms.disable_key(KeyId=key["KeyId"])
    with expect_error("DecryptionFailure"):
        reader.client().get_secret_value(SecretId=arn)


def test_aws_cli(aws_cli, unique_name):
    meta = aws_cli.run("kms", "create-key", "--description", "for a secret")["KeyMetadata"]
    name = alias_name()
    aws_cli.run("kms", "create-alias", "--alias-name", name, "--target-key-id", meta["KeyId"])
    secret = unique_name()
    aws_cli.run("secretsmanager", "create-secret", "--name", secret, "--secret-string", "cli", "--kms-key-id", name)
    assert aws_cli.run("secretsmanager", "describe-secret", "--secret-id", secret)["KmsKeyId"] == name
    assert aws_cli.run("secretsmanager", "get-secret-value", "--secret-id", secret)["SecretString"] == "cli"


def test_no_secret_value_in_the_data_dir(fresh_server):
    client = fresh_server.client()
    kms = make_client(
        fresh_server.endpoint,
        region=REGION,
        access_key=fresh_server.access_key,
        secret_key=fresh_server.secret_key,
        service="kms",
    )
    key = kms.create_key()["KeyMetadata"]
    markers = [f"secret-value-marker-{uuid.uuid4().hex}" for _ in range(3)]
    client.create_secret(Name="on-disk/customer", SecretString=markers[0], KmsKeyId=key["KeyId"])
    client.create_secret(Name="on-disk/managed", SecretString=markers[1])
    client.update_secret(SecretId="on-disk/managed", KmsKeyId=key["Arn"], SecretString=markers[2])
    for name in ("on-disk/customer", "on-disk/managed"):
        client.get_secret_value(SecretId=name)
    fresh_server.stop()
    needles = [m.encode() for m in markers] + [json.dumps(m).encode() for m in markers]
    for path in Path(fresh_server.data_dir).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for needle in needles:
                assert needle not in content, f"{path} holds a secret value"


def test_session_policy_limits_customer_keys_not_the_managed_key(server, client, iam, key, unique_name):
    """A role session whose session policy allows only GetSecretValue still
    reads secrets under aws/secretsmanager (its key policy grants use
    through Secrets Manager) but not under a customer key, even though the
    role's own policy allows kms:Decrypt: the session policy narrows it."""
    customer = client.create_secret(Name=unique_name(), SecretString="customer", KmsKeyId=key["Arn"])["ARN"]
    managed = client.create_secret(Name=unique_name(), SecretString="managed")["ARN"]
    caller = make_user(server, iam)
    role = f"r-{uuid.uuid4().hex[:10]}"
    trust = doc({"Effect": "Allow", "Principal": {"AWS": caller.arn}, "Action": "sts:AssumeRole"})
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role, PolicyName="read", PolicyDocument=doc(allow(["secretsmanager:GetSecretValue", "kms:Decrypt"]))
    )

    def session(policy: str | None):
        kwargs = {"Policy": policy} if policy else {}
        creds = caller.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="reader", **kwargs)["Credentials"]
        return make_client(
            server.endpoint,
            region=REGION,
            access_key=creds["AccessKeyId"],
            secret_key=creds["SecretAccessKey"],
            session_token=creds["SessionToken"],
        )

    full = session(None)
    assert full.get_secret_value(SecretId=customer)["SecretString"] == "customer"
    narrowed = session(doc(allow("secretsmanager:GetSecretValue")))
    assert narrowed.get_secret_value(SecretId=managed)["SecretString"] == "managed"
    with expect_error("AccessDeniedException", KMS_DENIED):
        narrowed.get_secret_value(SecretId=customer)
