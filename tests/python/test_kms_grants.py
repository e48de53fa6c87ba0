"""KMS grants end to end through boto3 (and one AWS CLI call): a user with no
policy permission encrypts and decrypts through a grant, with
EncryptionContextSubset / EncryptionContextEquals honoured; retire by token
and by id; revoke; ListGrants filters and paging; ListRetirableGrants;
CreateGrant's idempotent Name; the error codes; and another account's user
reading a secret through Secrets Manager with a grant and the secret's
resource policy."""

from __future__ import annotations

import pytest

from support import ACCOUNT_ID, REGION, expect_error, make_client
from test_access import OTHER_ACCOUNT, allow, create_account, doc, iam_client, make_user

KMS_DENIED = "Access to KMS is not allowed"


@pytest.fixture(scope="module")
def iam(server):
    return iam_client(server)


@pytest.fixture
def key(kms):
    return kms.create_key(Description="granted key")["KeyMetadata"]


@pytest.fixture
def grantee(server, iam):
    return make_user(server, iam, prefix="grantee")


def test_grant_allows_encrypt_and_decrypt_without_policy(kms, key, grantee):
    user_kms = grantee.client("kms")
    with expect_error("AccessDeniedException"):
        user_kms.encrypt(KeyId=key["Arn"], Plaintext=b"x")
    grant = kms.create_grant(
        KeyId=key["KeyId"], GranteePrincipal=grantee.arn, Operations=["Encrypt", "Decrypt"]
    )
    assert len(grant["GrantId"]) == 64 and grant["GrantToken"]
    blob = user_kms.encrypt(KeyId=key["Arn"], Plaintext=b"secret", GrantTokens=[grant["GrantToken"]])[
        "CiphertextBlob"
    ]
    assert user_kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
    # Only the granted operations.
    with expect_error("AccessDeniedException"):
        user_kms.generate_data_key(KeyId=key["Arn"], KeySpec="AES_256")
    with expect_error("AccessDeniedException"):
        user_kms.describe_key(KeyId=key["Arn"])


def test_encryption_context_subset_and_equals(kms, key, grantee):
    user_kms = grantee.client("kms")
    kms.create_grant(
        KeyId=key["KeyId"],
        GranteePrincipal=grantee.arn,
        Operations=["Encrypt"],
        Constraints={"EncryptionContextSubset": {"app": "a"}},
    )
    kms.create_grant(
        KeyId=key["KeyId"],
        GranteePrincipal=grantee.arn,
        Operations=["Decrypt"],
        Constraints={"EncryptionContextEquals": {"app": "a"}},
    )
    wide = user_kms.encrypt(KeyId=key["Arn"], Plaintext=b"p", EncryptionContext={"app": "a", "more": "1"})
    exact = user_kms.encrypt(KeyId=key["Arn"], Plaintext=b"p", EncryptionContext={"app": "a"})
    with expect_error("AccessDeniedException"):
        user_kms.encrypt(KeyId=key["Arn"], Plaintext=b"p", EncryptionContext={"app": "b"})
    with expect_error("AccessDeniedException"):
        user_kms.encrypt(KeyId=key["Arn"], Plaintext=b"p")
    assert user_kms.decrypt(CiphertextBlob=exact["CiphertextBlob"], EncryptionContext={"app": "a"})["Plaintext"] == b"p"
    # Equals: a wider context is refused.
    with expect_error("AccessDeniedException"):
        user_kms.decrypt(CiphertextBlob=wide["CiphertextBlob"], EncryptionContext={"app": "a", "more": "1"})


def test_retire_by_token_and_by_id_and_revoke(kms, key, grantee, server, iam):
    user_kms = grantee.client("kms")
    retirer = make_user(server, iam, prefix="retirer")
    by_token = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee.arn, Operations=["Encrypt"])
    user_kms.encrypt(KeyId=key["Arn"], Plaintext=b"x")
    # Anyone holding the token... still needs to be allowed: the retiring principal.
    by_id = kms.create_grant(
        KeyId=key["KeyId"], GranteePrincipal=grantee.arn, RetiringPrincipal=retirer.arn, Operations=["Decrypt"]
    )
    kms.retire_grant(GrantToken=by_token["GrantToken"])
    with expect_error("AccessDeniedException"):
        user_kms.encrypt(KeyId=key["Arn"], Plaintext=b"x")
    with expect_error("InvalidGrantTokenException"):
        kms.retire_grant(GrantToken=by_token["GrantToken"])
    # The grantee without RetireGrant in its operations may not retire.
    with expect_error("AccessDeniedException"):
        user_kms.retire_grant(KeyId=key["Arn"], GrantId=by_id["GrantId"])
    retirer.client("kms").retire_grant(KeyId=key["Arn"], GrantId=by_id["GrantId"])
    with expect_error("InvalidGrantIdException"):
        kms.retire_grant(KeyId=key["Arn"], GrantId=by_id["GrantId"])

    self_retiring = kms.create_grant(
        KeyId=key["KeyId"], GranteePrincipal=grantee.arn, Operations=["Encrypt", "RetireGrant"]
    )
    user_kms.retire_grant(KeyId=key["Arn"], GrantId=self_retiring["GrantId"])

    # The issuing account's principals retire by identity policy (kms:RetireGrant).
    by_account = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee.arn, Operations=["Encrypt"])
    admin_of_grants = make_user(server, iam, policy=doc(allow("kms:RetireGrant", key["Arn"])))
    admin_of_grants.client("kms").retire_grant(GrantToken=by_account["GrantToken"])

    revoked = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee.arn, Operations=["Encrypt"])
    user_kms.encrypt(KeyId=key["Arn"], Plaintext=b"x")
    with expect_error("AccessDeniedException"):
        user_kms.revoke_grant(KeyId=key["KeyId"], GrantId=revoked["GrantId"])
    kms.revoke_grant(KeyId=key["KeyId"], GrantId=revoked["GrantId"])
    with expect_error("AccessDeniedException"):
        user_kms.encrypt(KeyId=key["Arn"], Plaintext=b"x")
    with expect_error("InvalidGrantIdException"):
        kms.revoke_grant(KeyId=key["KeyId"], GrantId=revoked["GrantId"])
    assert kms.list_grants(KeyId=key["KeyId"])["Grants"] == []


def test_list_filters_paging_and_retirable(kms, key, grantee, server, iam):
    other = make_user(server, iam, prefix="other")
    retiring = f"arn:aws:iam::{ACCOUNT_ID}:role/retirer-{key['KeyId'][:8]}"
    ids = set()
    for _ in range(3):
        ids.add(
            kms.create_grant(
                KeyId=key["KeyId"], GranteePrincipal=grantee.arn, RetiringPrincipal=retiring, Operations=["Encrypt"]
            )["GrantId"]
        )
    ids.add(kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=other.arn, Operations=["Decrypt"])["GrantId"])
    seen, marker, pages = [], None, 0
    while True:
        page = kms.list_grants(KeyId=key["KeyId"], Limit=3, **({"Marker": marker} if marker else {}))
        seen += page["Grants"]
        pages += 1
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert pages == 2 and {g["GrantId"] for g in seen} == ids
    entry = next(g for g in seen if g["GranteePrincipal"] == other.arn)
    assert entry["KeyId"] == key["Arn"]
    assert entry["IssuingAccount"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert entry["Operations"] == ["Decrypt"]
    assert "RetiringPrincipal" not in entry
    only_other = kms.list_grants(KeyId=key["KeyId"], GranteePrincipal=other.arn)["Grants"]
    assert [g["GrantId"] for g in only_other] == [entry["GrantId"]]
    one = kms.list_grants(KeyId=key["KeyId"], GrantId=entry["GrantId"])["Grants"]
    assert [g["GrantId"] for g in one] == [entry["GrantId"]]
    retirable = kms.list_retirable_grants(RetiringPrincipal=retiring)["Grants"]
    assert len(retirable) == 3 and all(g["RetiringPrincipal"] == retiring for g in retirable)
    with expect_error("InvalidMarkerException"):
        kms.list_grants(KeyId=key["KeyId"], Marker="not-a-marker")


def test_name_is_idempotent(kms, key, grantee):
    first = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee.arn, Operations=["Encrypt"], Name="app")
    again = kms.create_grant(
        KeyId=key["KeyId"],
        GranteePrincipal=grantee.arn,
        Operations=["Encrypt"],
        Name="app",
        GrantTokens=[first["GrantToken"]],
    )
    assert again["GrantId"] == first["GrantId"]
    different = kms.create_grant(
        KeyId=key["KeyId"], GranteePrincipal=grantee.arn, Operations=["Decrypt"], Name="app"
    )
    assert different["GrantId"] != first["GrantId"]
    assert len(kms.list_grants(KeyId=key["KeyId"])["Grants"]) == 2
    # The retry's token is the grant's too.
    kms.retire_grant(GrantToken=again["GrantToken"])
    with expect_error("InvalidGrantTokenException"):
        kms.retire_grant(GrantToken=first["GrantToken"])
    assert [g["GrantId"] for g in kms.list_grants(KeyId=key["KeyId"])["Grants"]] == [different["GrantId"]]


def test_errors(kms, key, grantee):
    missing = "arn:aws:kms:%s:%s:key/00000000-0000-0000-0000-000000000000" % (REGION, ACCOUNT_ID)
    with expect_error("NotFoundException"):
        kms.create_grant(KeyId=missing, GranteePrincipal=grantee.arn, Operations=["Encrypt"])
    with expect_error("NotFoundException"):
        kms.list_grants(KeyId=missing)
    with expect_error("DryRunOperationException", status=412):
        kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee.arn, Operations=["Encrypt"], DryRun=True)
    assert kms.list_grants(KeyId=key["KeyId"])["Grants"] == []
    with expect_error("ValidationException"):
        kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee.arn, Operations=["Sign"])
    with expect_error("ValidationException"):
        kms.create_grant(KeyId=key["KeyId"], GranteePrincipal="bad principal!", Operations=["Encrypt"])
    with expect_error("InvalidGrantIdException"):
        kms.revoke_grant(KeyId=key["KeyId"], GrantId="0" * 64)
    with expect_error("InvalidGrantTokenException"):
        kms.retire_grant(GrantToken="not-a-token")
    with expect_error("ValidationException"):
        kms.retire_grant(KeyId=key["KeyId"])
    with expect_error("InvalidGrantTokenException"):
        kms.create_grant(
            KeyId=key["KeyId"], GranteePrincipal=grantee.arn, Operations=["Encrypt"], GrantTokens=["forged"]
        )
    grant = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee.arn, Operations=["Encrypt"])
    with expect_error("DryRunOperationException", status=412):
        kms.revoke_grant(KeyId=key["KeyId"], GrantId=grant["GrantId"], DryRun=True)
    with expect_error("DryRunOperationException", status=412):
        kms.retire_grant(GrantToken=grant["GrantToken"], DryRun=True)
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    with expect_error("KMSInvalidStateException"):
        kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee.arn, Operations=["Encrypt"])
    # Crypto through a grant still needs a usable key.
    with expect_error("KMSInvalidStateException"):
        grantee.client("kms").encrypt(KeyId=key["Arn"], Plaintext=b"x")
    kms.cancel_key_deletion(KeyId=key["KeyId"])
    kms.disable_key(KeyId=key["KeyId"])
    with expect_error("DisabledException"):
        grantee.client("kms").encrypt(KeyId=key["Arn"], Plaintext=b"x")


def test_explicit_deny_beats_grant(server, iam, kms, key):
    denied = make_user(server, iam, policy=doc({"Effect": "Deny", "Action": "kms:Encrypt", "Resource": "*"}))
    kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=denied.arn, Operations=["Encrypt"])
    with expect_error("AccessDeniedException"):
        denied.client("kms").encrypt(KeyId=key["Arn"], Plaintext=b"x")


def test_cli_create_and_list(aws_cli, kms, key, grantee):
    out = aws_cli.run(
        "kms", "create-grant", "--key-id", key["KeyId"], "--grantee-principal", grantee.arn, "--operations", "Encrypt"
    )
    listed = aws_cli.run("kms", "list-grants", "--key-id", key["KeyId"])
    assert [g["GrantId"] for g in listed["Grants"]] == [out["GrantId"]]


def test_cross_account_secret_read_through_grant(fresh_server):
    owner = fresh_server.client()
    owner_kms = make_client(
        fresh_server.endpoint,
        region=REGION,
        access_key=fresh_server.access_key,
        secret_key=fresh_server.secret_key,
        service="kms",
    )
    key = owner_kms.create_key()["KeyMetadata"]
    arn = owner.create_secret(Name="shared/granted", SecretString="across", KmsKeyId=key["Arn"])["ARN"]
    other_iam = iam_client(fresh_server, create_account(fresh_server, OTHER_ACCOUNT))
    reader = make_user(fresh_server, other_iam, policy=doc(allow("secretsmanager:GetSecretValue", arn)))
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
    # The key policy (the default) names only the owner's account.
    with expect_error("AccessDeniedException", KMS_DENIED):
        reader.client().get_secret_value(SecretId=arn)
    grant = owner_kms.create_grant(
        KeyId=key["KeyId"],
        GranteePrincipal=reader.arn,
        Operations=["Decrypt"],
        Constraints={"EncryptionContextSubset": {"SecretARN": arn}},
    )
    assert reader.client().get_secret_value(SecretId=arn)["SecretString"] == "across"
    owner_kms.revoke_grant(KeyId=key["KeyId"], GrantId=grant["GrantId"])
    with expect_error("AccessDeniedException", KMS_DENIED):
        reader.client().get_secret_value(SecretId=arn)


def test_create_grant_through_a_grant(server, iam, kms, key, grantee):
    """A grant with CreateGrant lets its grantee create grants with no more
    operations and constraints at least as strict."""
    delegate = make_user(server, iam, prefix="delegate")
    kms.create_grant(
        KeyId=key["KeyId"],
        GranteePrincipal=grantee.arn,
        Operations=["Encrypt", "Decrypt", "CreateGrant"],
        Constraints={"EncryptionContextSubset": {"app": "a"}},
    )
    user_kms = grantee.client("kms")
    user_kms.create_grant(
        KeyId=key["Arn"],
        GranteePrincipal=delegate.arn,
        Operations=["Encrypt"],
        Constraints={"EncryptionContextSubset": {"app": "a", "tier": "1"}},
    )
    delegate.client("kms").encrypt(
        KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"app": "a", "tier": "1"}
    )
    with expect_error("AccessDeniedException"):
        user_kms.create_grant(KeyId=key["Arn"], GranteePrincipal=delegate.arn, Operations=["GenerateDataKey"])
    with expect_error("AccessDeniedException"):
        user_kms.create_grant(KeyId=key["Arn"], GranteePrincipal=delegate.arn, Operations=["Decrypt"])
    # Without CreateGrant in its grant, the grantee cannot pass access on.
    with expect_error("AccessDeniedException"):
        delegate.client("kms").create_grant(KeyId=key["Arn"], GranteePrincipal=grantee.arn, Operations=["Encrypt"])


def test_grant_to_a_role_serves_its_sessions(server, iam, kms, key):
    caller = make_user(server, iam, prefix="assumer")
    role = f"granted-{key['KeyId'][:8]}"
    trust = doc({"Effect": "Allow", "Principal": {"AWS": caller.arn}, "Action": "sts:AssumeRole"})
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    creds = caller.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="granted")["Credentials"]
    session_kms = make_client(
        server.endpoint,
        region=REGION,
        access_key=creds["AccessKeyId"],
        secret_key=creds["SecretAccessKey"],
        session_token=creds["SessionToken"],
        service="kms",
    )
    with expect_error("AccessDeniedException"):
        session_kms.encrypt(KeyId=key["Arn"], Plaintext=b"x")
    kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=role_arn, Operations=["Encrypt"])
    session_kms.encrypt(KeyId=key["Arn"], Plaintext=b"x")
