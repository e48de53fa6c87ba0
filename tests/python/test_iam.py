"""IAM over the AWS Query protocol, through boto3's `iam` client and the AWS
CLI: every implemented operation's happy path, IAM's error codes and
statuses, paging with MaxItems/Marker, the wire shape of answers (dates,
URL-encoded policy documents), keys created through IAM signing Secrets
Manager and STS requests (and refused once inactive or deleted), the
authorization of IAM operations themselves (actions, resource ARNs with
paths, condition keys), and the call sequences Terraform's AWS provider
makes for its IAM resources (replayed call for call through boto3)."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import unquote

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from support import ACCOUNT_ID, REGION, AwsCli, RawResponse, Server, expect_error, http_post, make_client

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

READ_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"}]}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "sts:AssumeRole"}],
}


def name(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", condition: dict | None = None) -> dict:
    s = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        s["Condition"] = condition
    return s


def user_arn(user: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:user{path}{user}"


@dataclass
class Key:
    user: str
    arn: str
    access_key: str
    secret_key: str

    def client(self, server: Server, service: str):
        return make_client(
            server.endpoint or "", region=REGION, access_key=self.access_key, secret_key=self.secret_key, service=service
        )


@pytest.fixture(scope="module")
def iam(server):
    return make_client(
        server.endpoint or "",
        region=REGION,
        access_key=server.access_key or "",
        secret_key=server.secret_key or "",
        service="iam",
    )


@pytest.fixture(scope="module")
def loose_iam(server):
    """Without botocore's own checks, to send what the server must refuse."""
    return make_client(
        server.endpoint or "",
        region=REGION,
        access_key=server.access_key or "",
        secret_key=server.secret_key or "",
        service="iam",
        validate=False,
    )


def new_user_with_key(iam, *, policy: str | None = None, path: str = "/") -> Key:
    user = name("u")
    arn = iam.create_user(UserName=user, Path=path)["User"]["Arn"]
    if policy:
        iam.put_user_policy(UserName=user, PolicyName="inline", PolicyDocument=policy)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return Key(user, arn, key["AccessKeyId"], key["SecretAccessKey"])


def query(server: Server, body: str) -> RawResponse:
    """A form POST signed for iam with the admin's key."""
    url = (server.endpoint or "") + "/"
    request = AWSRequest(method="POST", url=url, data=body.encode(), headers={"Content-Type": FORM})
    SigV4Auth(Credentials(server.access_key, server.secret_key), "iam", REGION).add_auth(request)
    return http_post(url, dict(request.headers.items()), body.encode())


def children(element) -> list[str]:
    return [c.tag.partition("}")[2] for c in element]


# -- users ---------------------------------------------------------------------------


def test_user_lifecycle(iam):
    user = name("u")
    created = iam.create_user(UserName=user, Path="/eng/", Tags=[{"Key": "team", "Value": "blue"}])["User"]
    assert created["UserName"] == user
    assert created["Path"] == "/eng/"
    assert created["Arn"] == user_arn(user, "/eng/")
    assert created["UserId"].startswith("AIDA") and len(created["UserId"]) == 20
    assert created["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert isinstance(created["CreateDate"], dt.datetime)
    assert abs((dt.datetime.now(dt.timezone.utc) - created["CreateDate"]).total_seconds()) < 300

    got = iam.get_user(UserName=user)["User"]
    assert got == created
    # Names ignore case; the stored spelling comes back.
    assert iam.get_user(UserName=user.upper())["User"]["UserName"] == user

    listed = iam.list_users(PathPrefix="/eng/")["Users"]
    assert user in [u["UserName"] for u in listed]
    # Lists come without tags, as IAM's.
    assert all("Tags" not in u for u in listed)

    iam.delete_user(UserName=user)
    with expect_error("NoSuchEntity", f"The user with name {user} cannot be found.", status=404):
        iam.get_user(UserName=user)
    with expect_error("NoSuchEntity", status=404):
        iam.delete_user(UserName=user)


def test_get_user_without_a_name_is_the_caller(server, iam):
    me = iam.get_user()["User"]
    assert me["UserName"] == "admin"
    assert me["Arn"] == f"arn:aws:iam::{server.account_id}:user/admin"


def test_a_user_needs_permission_for_itself(server, iam):
    key = new_user_with_key(iam)
    own = key.client(server, "iam")
    action = "iam:GetUser"
    msg = (
        f"User: {key.arn} is not authorized to perform: {action} on resource: {key.arn} "
        f"because no identity-based policy allows the {action} action"
    )
    with expect_error("AccessDenied", msg, status=403):
        own.get_user()
    iam.put_user_policy(
        UserName=key.user,
        PolicyName="self",
        PolicyDocument=doc(allow(["iam:GetUser", "iam:*AccessKey*"], "arn:aws:iam::*:user/${aws:username}")),
    )
    assert own.get_user()["User"]["Arn"] == key.arn
    # The access-key operations default to the caller too.
    second = own.create_access_key()["AccessKey"]
    assert second["UserName"] == key.user
    ids = {k["AccessKeyId"] for k in own.list_access_keys()["AccessKeyMetadata"]}
    assert ids == {key.access_key, second["AccessKeyId"]}
    own.update_access_key(AccessKeyId=second["AccessKeyId"], Status="Inactive")
    statuses = {k["AccessKeyId"]: k["Status"] for k in own.list_access_keys()["AccessKeyMetadata"]}
    assert statuses[second["AccessKeyId"]] == "Inactive"
    own.delete_access_key(AccessKeyId=second["AccessKeyId"])
    assert [k["AccessKeyId"] for k in own.list_access_keys()["AccessKeyMetadata"]] == [key.access_key]
    # Someone else's user is another resource.
    with expect_error("AccessDenied", status=403):
        own.get_user(UserName="admin")
    with expect_error("AccessDenied", status=403):
        own.create_access_key(UserName="admin")


def test_get_user_with_role_credentials_must_name_a_user(server, iam):
    role = name("r")
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName=role, PolicyName="iam-read", PolicyDocument=doc(allow("iam:GetUser")))
    creds = server.sts_client().assume_role(RoleArn=role_arn, RoleSessionName="no-user")["Credentials"]
    session = make_client(
        server.endpoint or "",
        region=REGION,
        access_key=creds["AccessKeyId"],
        secret_key=creds["SecretAccessKey"],
        session_token=creds["SessionToken"],
        service="iam",
    )
    with expect_error("ValidationError", "Must specify userName when calling with non-User credentials", status=400):
        session.get_user()
    with expect_error("ValidationError", "Must specify userName when calling with non-User credentials", status=400):
        session.list_access_keys()
    assert session.get_user(UserName="admin")["User"]["UserName"] == "admin"


def test_user_tags(iam):
    user = name("u")
    iam.create_user(UserName=user)
    assert "Tags" not in iam.get_user(UserName=user)["User"]
    iam.tag_user(UserName=user, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}])
    iam.tag_user(UserName=user, Tags=[{"Key": "c", "Value": "3"}, {"Key": "A", "Value": "one"}])
    tags = iam.list_user_tags(UserName=user)
    assert tags["IsTruncated"] is False
    # Keys ignore case: `A` replaced `a`, in place.
    assert tags["Tags"] == [{"Key": "A", "Value": "one"}, {"Key": "b", "Value": "2"}, {"Key": "c", "Value": "3"}]
    page = iam.list_user_tags(UserName=user, MaxItems=2)
    assert page["IsTruncated"] is True and len(page["Tags"]) == 2
    rest = iam.list_user_tags(UserName=user, Marker=page["Marker"])
    assert len(page["Tags"]) + len(rest["Tags"]) == 3 and rest["IsTruncated"] is False
    iam.untag_user(UserName=user, TagKeys=["b", "C"])
    assert iam.list_user_tags(UserName=user)["Tags"] == [{"Key": "A", "Value": "one"}]
    with expect_error("NoSuchEntity", status=404):
        iam.tag_user(UserName=name("nobody"), Tags=[{"Key": "a", "Value": "b"}])


def test_create_user_errors(iam, loose_iam):
    user = name("u")
    iam.create_user(UserName=user)
    with expect_error("EntityAlreadyExists", f"User with name {user} already exists.", status=409):
        iam.create_user(UserName=user)
    with expect_error("EntityAlreadyExists", status=409):
        iam.create_user(UserName=user.upper())
    with expect_error("ValidationError", status=400) as e:
        iam.create_user(UserName="x" * 65)
    assert "at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64" in str(
        e.value
    )
    with expect_error("ValidationError", status=400):
        iam.create_user(UserName="bad name")
    with expect_error("ValidationError", status=400) as e:
        loose_iam.create_user(Path="/x/")
    assert e.value.response["Error"]["Message"] == (
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"
    )
    with expect_error("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive."):
        iam.create_user(UserName=name("u"), Tags=[{"Key": "k", "Value": "1"}, {"Key": "K", "Value": "2"}])
    # Not supported, so refused rather than silently dropped.
    with expect_error("InvalidInput", "Permissions boundaries are not supported by this server."):
        iam.create_user(UserName=name("u"), PermissionsBoundary="arn:aws:iam::aws:policy/SecretsManagerReadWrite")


def test_list_users_paging(iam):
    prefix = f"/paging-{uuid.uuid4().hex[:8]}/"
    users = sorted(name("p") for _ in range(5))
    for u in users:
        iam.create_user(UserName=u, Path=prefix)
    seen: list[str] = []
    marker = None
    pages = 0
    while True:
        kwargs = {"PathPrefix": prefix, "MaxItems": 2}
        if marker:
            kwargs["Marker"] = marker
        page = iam.list_users(**kwargs)
        pages += 1
        seen += [u["UserName"] for u in page["Users"]]
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        assert len(page["Users"]) == 2
        marker = page["Marker"]
    assert seen == users
    assert pages == 3
    # boto3's paginator speaks the same IsTruncated/Marker.
    pages_of = iam.get_paginator("list_users").paginate(PathPrefix=prefix, PaginationConfig={"PageSize": 2})
    paged = [u["UserName"] for p in pages_of for u in p["Users"]]
    assert paged == users
    with expect_error("ValidationError", status=400):
        iam.list_users(MaxItems=1001)


# -- groups --------------------------------------------------------------------------


def test_groups_and_membership(iam):
    group = name("g")
    created = iam.create_group(GroupName=group, Path="/ops/")["Group"]
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:group/ops/{group}"
    assert created["GroupId"].startswith("AGPA")
    with expect_error("EntityAlreadyExists", status=409):
        iam.create_group(GroupName=group)
    members = sorted(name("m") for _ in range(3))
    for m in members:
        iam.create_user(UserName=m)
        iam.add_user_to_group(GroupName=group, UserName=m)
    iam.add_user_to_group(GroupName=group, UserName=members[0])  # again: a no-op

    got = iam.get_group(GroupName=group)
    assert got["Group"] == created
    assert [u["UserName"] for u in got["Users"]] == members
    assert got["IsTruncated"] is False
    first = iam.get_group(GroupName=group, MaxItems=2)
    assert first["IsTruncated"] is True and len(first["Users"]) == 2
    second = iam.get_group(GroupName=group, Marker=first["Marker"])
    assert [u["UserName"] for u in first["Users"] + second["Users"]] == members

    assert group in [g["GroupName"] for g in iam.list_groups(PathPrefix="/ops/")["Groups"]]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=members[1])["Groups"]] == [group]

    with expect_error("DeleteConflict", "Cannot delete entity, must remove users from group first.", status=409):
        iam.delete_group(GroupName=group)
    with expect_error("DeleteConflict", status=409):
        iam.delete_user(UserName=members[0])
    for m in members:
        iam.remove_user_from_group(GroupName=group, UserName=m)
    assert iam.list_groups_for_user(UserName=members[1])["Groups"] == []
    iam.delete_group(GroupName=group)
    with expect_error("NoSuchEntity", f"The group with name {group} cannot be found.", status=404):
        iam.get_group(GroupName=group)
    with expect_error("NoSuchEntity", status=404):
        iam.add_user_to_group(GroupName=group, UserName=members[0])


def test_groups_per_user_limit(iam):
    user = name("u")
    iam.create_user(UserName=user)
    for _ in range(10):
        group = name("g")
        iam.create_group(GroupName=group)
        iam.add_user_to_group(GroupName=group, UserName=user)
    extra = name("g")
    iam.create_group(GroupName=extra)
    with expect_error("LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10", status=409):
        iam.add_user_to_group(GroupName=extra, UserName=user)


# -- roles ---------------------------------------------------------------------------


def test_role_lifecycle(iam):
    role = name("r")
    created = iam.create_role(
        RoleName=role,
        Path="/svc/",
        AssumeRolePolicyDocument=json.dumps(TRUST),
        Description="for tests",
        MaxSessionDuration=7200,
        Tags=[{"Key": "env", "Value": "test"}],
    )["Role"]
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/svc/{role}"
    assert created["RoleId"].startswith("AROA")
    # boto3 decodes the URL-encoded document back into a dict.
    assert created["AssumeRolePolicyDocument"] == TRUST
    assert created["Description"] == "for tests"
    assert created["MaxSessionDuration"] == 7200
    assert created["Tags"] == [{"Key": "env", "Value": "test"}]
    got = iam.get_role(RoleName=role)["Role"]
    assert got == created
    listed = [r for r in iam.list_roles(PathPrefix="/svc/")["Roles"] if r["RoleName"] == role]
    assert len(listed) == 1 and listed[0]["AssumeRolePolicyDocument"] == TRUST and "Tags" not in listed[0]

    new_trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(new_trust))
    assert iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"] == new_trust

    iam.tag_role(RoleName=role, Tags=[{"Key": "owner", "Value": "me"}])
    assert {t["Key"] for t in iam.list_role_tags(RoleName=role)["Tags"]} == {"env", "owner"}
    iam.untag_role(RoleName=role, TagKeys=["env"])
    assert iam.list_role_tags(RoleName=role)["Tags"] == [{"Key": "owner", "Value": "me"}]

    iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=json.dumps(READ_ONLY))
    with expect_error("DeleteConflict", "Cannot delete entity, must delete policies first.", status=409):
        iam.delete_role(RoleName=role)
    iam.delete_role_policy(RoleName=role, PolicyName="p")
    iam.delete_role(RoleName=role)
    with expect_error("NoSuchEntity", f"The role with name {role} cannot be found.", status=404):
        iam.get_role(RoleName=role)


def test_role_errors(iam, loose_iam):
    role = name("r")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    with expect_error("EntityAlreadyExists", f"Role with name {role} already exists.", status=409):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    with expect_error("MalformedPolicyDocument", status=400):
        iam.create_role(RoleName=name("r"), AssumeRolePolicyDocument="{not json")
    with expect_error("MalformedPolicyDocument", status=400):
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(READ_ONLY))  # no Principal
    with expect_error("ValidationError", status=400):
        loose_iam.create_role(RoleName=name("r"), AssumeRolePolicyDocument=json.dumps(TRUST), MaxSessionDuration=60)


# -- access keys ---------------------------------------------------------------------


def test_access_keys(iam):
    user = name("u")
    iam.create_user(UserName=user)
    first = iam.create_access_key(UserName=user)["AccessKey"]
    assert first["UserName"] == user
    assert first["AccessKeyId"].startswith("AKIA") and len(first["AccessKeyId"]) == 20
    assert len(first["SecretAccessKey"]) == 40
    assert first["Status"] == "Active"
    second = iam.create_access_key(UserName=user)["AccessKey"]
    with expect_error("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", status=409):
        iam.create_access_key(UserName=user)

    listed = iam.list_access_keys(UserName=user)
    assert sorted(k["AccessKeyId"] for k in listed["AccessKeyMetadata"]) == sorted(
        [first["AccessKeyId"], second["AccessKeyId"]]
    )
    assert all("SecretAccessKey" not in k for k in listed["AccessKeyMetadata"])
    page = iam.list_access_keys(UserName=user, MaxItems=1)
    assert page["IsTruncated"] is True
    rest = iam.list_access_keys(UserName=user, Marker=page["Marker"])
    assert len(rest["AccessKeyMetadata"]) == 1 and rest["IsTruncated"] is False

    iam.update_access_key(UserName=user, AccessKeyId=first["AccessKeyId"], Status="Inactive")
    statuses = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}
    assert statuses[first["AccessKeyId"]] == "Inactive"
    with expect_error("ValidationError", status=400):
        iam.update_access_key(UserName=user, AccessKeyId=first["AccessKeyId"], Status="Sleeping")

    never = iam.get_access_key_last_used(AccessKeyId=second["AccessKeyId"])
    assert never["UserName"] == user
    assert never["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}

    with expect_error("DeleteConflict", "Cannot delete entity, must delete access keys first.", status=409):
        iam.delete_user(UserName=user)
    missing = "AKIAAAAAAAAAAAAAAAAA"
    with expect_error("NoSuchEntity", f"The Access Key with id {missing} cannot be found.", status=404):
        iam.delete_access_key(UserName=user, AccessKeyId=missing)
    with expect_error("NoSuchEntity", status=404):
        iam.get_access_key_last_used(AccessKeyId=missing)
    iam.delete_access_key(UserName=user, AccessKeyId=first["AccessKeyId"])
    iam.delete_access_key(UserName=user, AccessKeyId=second["AccessKeyId"])
    assert iam.list_access_keys(UserName=user)["AccessKeyMetadata"] == []
    iam.delete_user(UserName=user)


def test_a_new_users_key_works_for_secrets_manager_and_sts(server, iam, aws_cli):
    key = new_user_with_key(iam, policy=json.dumps(READ_ONLY))
    sm = key.client(server, "secretsmanager")
    sm.list_secrets()
    who = key.client(server, "sts").get_caller_identity()
    assert who["Arn"] == key.arn
    assert who["Account"] == ACCOUNT_ID
    cli = aws_cli.run("sts", "get-caller-identity", access_key=key.access_key, secret_key=key.secret_key)
    assert cli["Arn"] == key.arn
    # Only what its policy allows.
    with expect_error("AccessDeniedException"):
        sm.create_secret(Name=name("s"), SecretString="x")
    # The key's use is recorded (at most once a minute, so poll briefly).
    for _ in range(50):
        used = iam.get_access_key_last_used(AccessKeyId=key.access_key)["AccessKeyLastUsed"]
        if "LastUsedDate" in used:
            break
        time.sleep(0.1)
    assert isinstance(used["LastUsedDate"], dt.datetime), used
    assert used["Region"] == REGION
    assert used["ServiceName"] in ("secretsmanager", "sts")


def test_inactive_and_deleted_keys_are_refused(server, iam):
    key = new_user_with_key(iam, policy=json.dumps(READ_ONLY))
    sm, sts, own_iam = (key.client(server, s) for s in ("secretsmanager", "sts", "iam"))
    sm.list_secrets()
    iam.update_access_key(UserName=key.user, AccessKeyId=key.access_key, Status="Inactive")
    with expect_error("UnrecognizedClientException", status=400):
        sm.list_secrets()
    with expect_error("InvalidClientTokenId", "The security token included in the request is invalid.", status=403):
        sts.get_caller_identity()
    with expect_error("InvalidClientTokenId", status=403):
        own_iam.list_users()
    iam.update_access_key(UserName=key.user, AccessKeyId=key.access_key, Status="Active")
    sm.list_secrets()
    assert sts.get_caller_identity()["Arn"] == key.arn
    iam.delete_access_key(UserName=key.user, AccessKeyId=key.access_key)
    with expect_error("UnrecognizedClientException", status=400):
        sm.list_secrets()
    with expect_error("InvalidClientTokenId", status=403):
        sts.get_caller_identity()
    with expect_error("InvalidClientTokenId", status=403):
        own_iam.get_user()


# -- inline policies -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_inline_policies(iam, kind):
    holder = name(kind[0])
    member = {"user": "UserName", "group": "GroupName", "role": "RoleName"}[kind]
    if kind == "user":
        iam.create_user(UserName=holder)
    elif kind == "group":
        iam.create_group(GroupName=holder)
    else:
        iam.create_role(RoleName=holder, AssumeRolePolicyDocument=json.dumps(TRUST))
    put = getattr(iam, f"put_{kind}_policy")
    get = getattr(iam, f"get_{kind}_policy")
    delete = getattr(iam, f"delete_{kind}_policy")
    list_ = getattr(iam, f"list_{kind}_policies")

    names = ["alpha", "beta", "gamma"]
    for n in reversed(names):
        put(**{member: holder}, PolicyName=n, PolicyDocument=json.dumps(READ_ONLY))
    got = get(**{member: holder}, PolicyName="beta")
    assert got[member] == holder
    assert got["PolicyName"] == "beta"
    assert got["PolicyDocument"] == READ_ONLY  # decoded by botocore
    # Replacing keeps one policy of the name.
    changed = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    put(**{member: holder}, PolicyName="beta", PolicyDocument=json.dumps(changed))
    assert get(**{member: holder}, PolicyName="beta")["PolicyDocument"] == changed

    listed = list_(**{member: holder})
    assert listed["PolicyNames"] == names and listed["IsTruncated"] is False
    page = list_(**{member: holder}, MaxItems=2)
    assert page["PolicyNames"] == names[:2] and page["IsTruncated"] is True
    assert list_(**{member: holder}, Marker=page["Marker"])["PolicyNames"] == names[2:]

    delete(**{member: holder}, PolicyName="alpha")
    with expect_error("NoSuchEntity", f"The {kind} policy with name alpha cannot be found.", status=404):
        get(**{member: holder}, PolicyName="alpha")
    with expect_error("NoSuchEntity", status=404):
        delete(**{member: holder}, PolicyName="alpha")
    with expect_error("NoSuchEntity", status=404):
        put(**{member: name("nobody")}, PolicyName="p", PolicyDocument=json.dumps(READ_ONLY))
    with expect_error("MalformedPolicyDocument", status=400):
        put(**{member: holder}, PolicyName="bad", PolicyDocument='{"Statement": "nope"}')


def test_inline_policy_size_limit(iam):
    user = name("u")
    iam.create_user(UserName=user)
    big = doc(allow([f"secretsmanager:Action{i:04d}" for i in range(120)]))
    with expect_error("LimitExceeded", status=409) as e:
        iam.put_user_policy(UserName=user, PolicyName="big", PolicyDocument=big)
    assert e.value.response["Error"]["Message"] == f"Maximum policy size of 2048 bytes exceeded for user {user}"


# -- managed policies ----------------------------------------------------------------


def test_managed_policy_lifecycle(iam):
    policy = name("mp")
    created = iam.create_policy(
        PolicyName=policy,
        Path="/team/",
        PolicyDocument=json.dumps(READ_ONLY),
        Description="read secrets",
        Tags=[{"Key": "k", "Value": "v"}],
    )["Policy"]
    arn = created["Arn"]
    assert arn == f"arn:aws:iam::{ACCOUNT_ID}:policy/team/{policy}"
    assert created["PolicyId"].startswith("ANPA")
    assert created["DefaultVersionId"] == "v1"
    assert created["AttachmentCount"] == 0
    assert created["IsAttachable"] is True
    assert created["Description"] == "read secrets"
    assert created["Tags"] == [{"Key": "k", "Value": "v"}]
    assert iam.get_policy(PolicyArn=arn)["Policy"] == created
    with expect_error("EntityAlreadyExists", f"A policy called {policy} already exists. Duplicate names are not allowed.", status=409):
        iam.create_policy(PolicyName=policy, PolicyDocument=json.dumps(READ_ONLY))

    v1 = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert v1["Document"] == READ_ONLY and v1["IsDefaultVersion"] is True and v1["VersionId"] == "v1"
    v2_doc = doc(allow("secretsmanager:DescribeSecret"))
    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=v2_doc)["PolicyVersion"]
    assert v2["VersionId"] == "v2" and v2["IsDefaultVersion"] is False
    assert "Document" not in v2  # as IAM: only GetPolicyVersion returns it
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v2")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"] == json.loads(v2_doc)
    v3 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(READ_ONLY), SetAsDefault=True)
    assert v3["PolicyVersion"]["IsDefaultVersion"] is True
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(READ_ONLY))
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(READ_ONLY))
    with expect_error("LimitExceeded", status=409):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(READ_ONLY))
    with expect_error("NoSuchEntity", status=404):
        iam.get_policy_version(PolicyArn=arn, VersionId="v9")

    local = [p for p in iam.list_policies(Scope="Local", PathPrefix="/team/")["Policies"] if p["Arn"] == arn]
    assert len(local) == 1 and "Description" not in local[0] and "Tags" not in local[0]

    with expect_error("DeleteConflict", status=409):
        iam.delete_policy(PolicyArn=arn)  # it has other versions
    with expect_error("MalformedPolicyDocument", status=400):
        iam.create_policy(PolicyName=name("mp"), PolicyDocument='{"Version": "2012-10-17"}')
    with expect_error("NoSuchEntity", status=404):
        iam.get_policy(PolicyArn=f"arn:aws:iam::{ACCOUNT_ID}:policy/{name('nope')}")
    with expect_error("InvalidInput", status=400):
        iam.get_policy(PolicyArn="not-an-arn-at-all-xyz")

    single = iam.create_policy(PolicyName=name("mp"), PolicyDocument=json.dumps(READ_ONLY))["Policy"]["Arn"]
    iam.delete_policy(PolicyArn=single)
    with expect_error("NoSuchEntity", status=404):
        iam.get_policy(PolicyArn=single)


def test_aws_managed_policies(iam):
    aws = iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]
    arns = {p["Arn"] for p in aws}
    assert "arn:aws:iam::aws:policy/AdministratorAccess" in arns
    admin = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")["Policy"]
    assert admin["AttachmentCount"] >= 1  # the admin user has it
    version = iam.get_policy_version(PolicyArn=admin["Arn"], VersionId=admin["DefaultVersionId"])["PolicyVersion"]
    assert version["Document"]["Statement"]
    with expect_error("AccessDenied", status=403):
        iam.delete_policy(PolicyArn=admin["Arn"])


def test_list_policies_paging(iam):
    prefix = f"/pp{uuid.uuid4().hex[:8]}/"
    policies = sorted(name("lp") for _ in range(3))
    for p in policies:
        iam.create_policy(PolicyName=p, Path=prefix, PolicyDocument=json.dumps(READ_ONLY))
    first = iam.list_policies(Scope="Local", PathPrefix=prefix, MaxItems=2)
    assert first["IsTruncated"] is True and [p["PolicyName"] for p in first["Policies"]] == policies[:2]
    rest = iam.list_policies(Scope="Local", PathPrefix=prefix, MaxItems=2, Marker=first["Marker"])
    assert rest["IsTruncated"] is False and [p["PolicyName"] for p in rest["Policies"]] == policies[2:]
    assert iam.list_policies(Scope="Local", PathPrefix=prefix, OnlyAttached=True)["Policies"] == []
    with expect_error("ValidationError", status=400):
        iam.list_policies(Scope="Everything")


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_attached_policies(iam, kind):
    holder = name(kind[0])
    member = {"user": "UserName", "group": "GroupName", "role": "RoleName"}[kind]
    if kind == "user":
        iam.create_user(UserName=holder)
    elif kind == "group":
        iam.create_group(GroupName=holder)
    else:
        iam.create_role(RoleName=holder, AssumeRolePolicyDocument=json.dumps(TRUST))
    attach = getattr(iam, f"attach_{kind}_policy")
    detach = getattr(iam, f"detach_{kind}_policy")
    list_ = getattr(iam, f"list_attached_{kind}_policies")

    mine = iam.create_policy(PolicyName=name("ap"), PolicyDocument=json.dumps(READ_ONLY))["Policy"]
    aws_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    attach(**{member: holder}, PolicyArn=mine["Arn"])
    attach(**{member: holder}, PolicyArn=aws_arn)
    attach(**{member: holder}, PolicyArn=mine["Arn"])  # again: a no-op
    listed = list_(**{member: holder})
    assert {(p["PolicyName"], p["PolicyArn"]) for p in listed["AttachedPolicies"]} == {
        (mine["PolicyName"], mine["Arn"]),
        ("AdministratorAccess", aws_arn),
    }
    page = list_(**{member: holder}, MaxItems=1)
    assert page["IsTruncated"] is True and len(page["AttachedPolicies"]) == 1
    assert len(list_(**{member: holder}, Marker=page["Marker"])["AttachedPolicies"]) == 1
    assert iam.get_policy(PolicyArn=mine["Arn"])["Policy"]["AttachmentCount"] == 1
    with expect_error("DeleteConflict", "Cannot delete a policy attached to entities.", status=409):
        iam.delete_policy(PolicyArn=mine["Arn"])
    with expect_error("NoSuchEntity", status=404):
        attach(**{member: holder}, PolicyArn=f"arn:aws:iam::{ACCOUNT_ID}:policy/{name('missing')}")

    detach(**{member: holder}, PolicyArn=mine["Arn"])
    detach(**{member: holder}, PolicyArn=aws_arn)
    assert list_(**{member: holder})["AttachedPolicies"] == []
    with expect_error("NoSuchEntity", status=404):
        detach(**{member: holder}, PolicyArn=mine["Arn"])
    iam.delete_policy(PolicyArn=mine["Arn"])


# -- authorization of IAM itself -----------------------------------------------------


def test_read_only_user_cannot_create_users(server, iam):
    key = new_user_with_key(iam, policy=doc(allow(["iam:Get*", "iam:List*"])))
    own = key.client(server, "iam")
    assert own.get_user()["User"]["Arn"] == key.arn
    assert own.list_users()["Users"]
    newcomer = name("u")
    action = "iam:CreateUser"
    msg = (
        f"User: {key.arn} is not authorized to perform: {action} on resource: {user_arn(newcomer)} "
        f"because no identity-based policy allows the {action} action"
    )
    with expect_error("AccessDenied", msg, status=403):
        own.create_user(UserName=newcomer)
    # The denied request changed nothing.
    with expect_error("NoSuchEntity", status=404):
        iam.get_user(UserName=newcomer)
    with expect_error("AccessDenied", status=403):
        own.put_user_policy(UserName=key.user, PolicyName="escalate", PolicyDocument=doc(allow("*")))
    with expect_error("AccessDenied", status=403):
        own.attach_user_policy(UserName=key.user, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")


def test_paths_scope_iam_permissions(server, iam):
    # Allowed everything except deleting users under /protected/: the
    # resource ARN of an existing user carries its path.
    key = new_user_with_key(
        iam,
        policy=doc(
            allow("iam:*"),
            {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": f"arn:aws:iam::{ACCOUNT_ID}:user/protected/*"},
        ),
    )
    own = key.client(server, "iam")
    protected, plain = name("p"), name("p")
    own.create_user(UserName=protected, Path="/protected/")
    own.create_user(UserName=plain)
    with expect_error("AccessDenied", status=403) as e:
        own.delete_user(UserName=protected)
    msg = e.value.response["Error"]["Message"]
    # Authorized on the real ARN (path included), but named in the denial
    # as the caller named it, so the answer does not reveal the path.
    assert f"on resource: {user_arn(protected, '/')} " in msg
    assert "with an explicit deny" in msg
    own.delete_user(UserName=plain)
    iam.delete_user(UserName=protected)


def test_request_tag_and_policy_arn_conditions(server, iam):
    key = new_user_with_key(
        iam,
        policy=doc(
            allow("iam:CreateUser", condition={"StringEquals": {"aws:RequestTag/team": "blue"}}),
            allow("iam:TagUser", condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}),
            allow(
                "iam:AttachUserPolicy",
                condition={"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/SecretsManagerReadWrite"}},
            ),
        ),
    )
    own = key.client(server, "iam")
    with expect_error("AccessDenied", status=403):
        own.create_user(UserName=name("u"))
    with expect_error("AccessDenied", status=403):
        own.create_user(UserName=name("u"), Tags=[{"Key": "team", "Value": "red"}])
    blue = name("u")
    own.create_user(UserName=blue, Tags=[{"Key": "team", "Value": "blue"}])
    own.tag_user(UserName=blue, Tags=[{"Key": "team", "Value": "green"}])
    with expect_error("AccessDenied", status=403):
        own.tag_user(UserName=blue, Tags=[{"Key": "cost", "Value": "1"}])
    own.attach_user_policy(UserName=blue, PolicyArn="arn:aws:iam::aws:policy/SecretsManagerReadWrite")
    with expect_error("AccessDenied", status=403):
        own.attach_user_policy(UserName=blue, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")


# -- wire shape ----------------------------------------------------------------------


def test_wire_shape_of_get_role(server, iam):
    role = name("r")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST), Description="a & b")
    resp = query(server, f"Action=GetRole&Version=2010-05-08&RoleName={role}")
    assert resp.status == 200, resp.body
    assert resp.headers["content-type"] == "text/xml"
    root = ET.fromstring(resp.body)
    assert root.tag == f"{{{IAM_NS}}}GetRoleResponse"
    ns = {"a": IAM_NS}
    r = root.find("a:GetRoleResult/a:Role", ns)
    assert r is not None, resp.body
    assert children(r) == [
        "Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument", "Description", "MaxSessionDuration",
    ]
    assert ISO_SECONDS.match(r.findtext("a:CreateDate", namespaces=ns) or ""), resp.body
    encoded = r.findtext("a:AssumeRolePolicyDocument", namespaces=ns) or ""
    # URL-encoded as IAM sends it: no JSON punctuation left in the clear.
    assert encoded.startswith("%7B%22") and not set('{}":, ') & set(encoded), encoded
    assert json.loads(unquote(encoded)) == TRUST
    assert r.findtext("a:Description", namespaces=ns) == "a & b"
    assert root.findtext("a:ResponseMetadata/a:RequestId", namespaces=ns) == resp.headers["x-amzn-requestid"]


def test_wire_shape_of_lists_and_empty_answers(server, iam):
    resp = query(server, "Action=ListUsers&Version=2010-05-08&MaxItems=1")
    root = ET.fromstring(resp.body)
    ns = {"a": IAM_NS}
    result = root.find("a:ListUsersResult", ns)
    assert result is not None
    assert children(result) == ["Users", "IsTruncated", "Marker"]
    assert children(result.find("a:Users", ns)) == ["member"]
    user = name("u")
    iam.create_user(UserName=user)
    resp = query(server, f"Action=DeleteUser&Version=2010-05-08&UserName={user}")
    assert resp.status == 200
    root = ET.fromstring(resp.body)
    assert root.tag == f"{{{IAM_NS}}}DeleteUserResponse"
    assert children(root) == ["ResponseMetadata"]


def test_wire_errors(server):
    resp = query(server, "Action=GetUser&Version=2010-05-08&UserName=no-such-user-x1")
    assert resp.status == 404
    root = ET.fromstring(resp.body)
    ns = {"a": IAM_NS}
    assert root.tag == f"{{{IAM_NS}}}ErrorResponse"
    assert root.findtext("a:Error/a:Type", namespaces=ns) == "Sender"
    assert root.findtext("a:Error/a:Code", namespaces=ns) == "NoSuchEntity"
    resp = query(server, "Action=ListUsers&Version=2010-05-08&MaxItems=lots")
    assert resp.status == 400
    assert ET.fromstring(resp.body).findtext("a:Error/a:Code", namespaces=ns) == "ValidationError"
    resp = query(server, "Action=CreateUser&Version=2010-05-08")
    assert ET.fromstring(resp.body).findtext("a:Error/a:Message", namespaces=ns) == (
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"
    )
    resp = query(server, "Action=CreateLoginProfile&Version=2010-05-08&UserName=x&Password=p")
    assert resp.status == 400
    assert ET.fromstring(resp.body).findtext("a:Error/a:Code", namespaces=ns) == "InvalidAction"


# -- the AWS CLI ---------------------------------------------------------------------


def test_cli(aws_cli: AwsCli):
    user = name("cli")
    created = aws_cli.run("iam", "create-user", "--user-name", user, "--tags", "Key=via,Value=cli")
    assert created["User"]["UserName"] == user
    assert created["User"]["Arn"] == user_arn(user)
    users = aws_cli.run("iam", "list-users")
    assert user in [u["UserName"] for u in users["Users"]]
    aws_cli.run(
        "iam", "put-user-policy", "--user-name", user, "--policy-name", "read", "--policy-document", json.dumps(READ_ONLY)
    )
    got = aws_cli.run("iam", "get-user-policy", "--user-name", user, "--policy-name", "read")
    assert got["UserName"] == user
    assert got["PolicyName"] == "read"
    assert got["PolicyDocument"] == READ_ONLY


# -- renames and updates -------------------------------------------------------------


def test_update_user_renames_and_moves(server, iam):
    key = new_user_with_key(iam, policy=json.dumps(READ_ONLY), path="/eng/")
    iam.tag_user(UserName=key.user, Tags=[{"Key": "team", "Value": "blue"}])
    before = iam.get_user(UserName=key.user)["User"]
    renamed = name("u")
    iam.update_user(UserName=key.user.upper(), NewUserName=renamed, NewPath="/ops/")
    after = iam.get_user(UserName=renamed)["User"]
    assert after["UserId"] == before["UserId"]
    assert after["Arn"] == user_arn(renamed, "/ops/")
    assert after["Path"] == "/ops/"
    assert after["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert after["CreateDate"] == before["CreateDate"]
    with expect_error("NoSuchEntity", f"The user with name {key.user} cannot be found.", status=404):
        iam.get_user(UserName=key.user)
    # The key, its policy and its identity follow the user at once.
    assert key.client(server, "sts").get_caller_identity()["Arn"] == user_arn(renamed, "/ops/")
    key.client(server, "secretsmanager").list_secrets()
    assert [k["UserName"] for k in iam.list_access_keys(UserName=renamed)["AccessKeyMetadata"]] == [renamed]
    # Only the path, then only the name in another case.
    iam.update_user(UserName=renamed, NewPath="/")
    assert iam.get_user(UserName=renamed)["User"]["Arn"] == user_arn(renamed)
    iam.update_user(UserName=renamed, NewUserName=renamed.upper())
    assert iam.get_user(UserName=renamed)["User"]["UserName"] == renamed.upper()


def test_update_user_errors(iam, loose_iam):
    a, b = name("u"), name("u")
    iam.create_user(UserName=a)
    iam.create_user(UserName=b)
    with expect_error("EntityAlreadyExists", f"User with name {a.upper()} already exists.", status=409):
        iam.update_user(UserName=b, NewUserName=a.upper())
    assert iam.get_user(UserName=b)["User"]["UserName"] == b
    missing = name("nobody")
    with expect_error("NoSuchEntity", f"The user with name {missing} cannot be found.", status=404):
        iam.update_user(UserName=missing, NewUserName=name("u"))
    with expect_error("ValidationError", status=400) as e:
        loose_iam.update_user(UserName=b, NewPath="nope")
    assert "at 'newPath' failed to satisfy constraint" in e.value.response["Error"]["Message"]
    with expect_error("ValidationError", status=400):
        iam.update_user(UserName=b, NewUserName="x" * 65)


def test_a_rename_needs_permission_on_both_names(server, iam):
    # Allowed to update users anywhere but under /protected/: moving a user
    # there, or renaming one that is there, needs permission on both ends.
    key = new_user_with_key(
        iam,
        policy=doc(
            allow("iam:UpdateUser", f"arn:aws:iam::{ACCOUNT_ID}:user/*"),
            {"Effect": "Deny", "Action": "iam:UpdateUser", "Resource": f"arn:aws:iam::{ACCOUNT_ID}:user/protected/*"},
        ),
    )
    own = key.client(server, "iam")
    plain, guarded = name("p"), name("p")
    iam.create_user(UserName=plain)
    iam.create_user(UserName=guarded, Path="/protected/")
    with expect_error("AccessDenied", status=403) as e:
        own.update_user(UserName=plain, NewPath="/protected/")
    msg = e.value.response["Error"]["Message"]
    # The denial names the target as the request gives it.
    assert f"on resource: {user_arn(plain, '/protected/')} " in msg
    assert iam.get_user(UserName=plain)["User"]["Path"] == "/"
    with expect_error("AccessDenied", status=403):
        own.update_user(UserName=guarded, NewUserName=name("p"))
    renamed = name("p")
    own.update_user(UserName=plain, NewUserName=renamed)
    assert iam.get_user(UserName=renamed)["User"]["Arn"] == user_arn(renamed)


def test_update_group(server, iam):
    group, member = name("g"), name("m")
    created = iam.create_group(GroupName=group, Path="/ops/")["Group"]
    iam.create_user(UserName=member)
    iam.add_user_to_group(GroupName=group, UserName=member)
    iam.put_group_policy(GroupName=group, PolicyName="read", PolicyDocument=json.dumps(READ_ONLY))
    renamed = name("g")
    iam.update_group(GroupName=group, NewGroupName=renamed, NewPath="/eng/")
    got = iam.get_group(GroupName=renamed)
    assert got["Group"]["GroupId"] == created["GroupId"]
    assert got["Group"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:group/eng/{renamed}"
    assert [u["UserName"] for u in got["Users"]] == [member]
    assert iam.list_group_policies(GroupName=renamed)["PolicyNames"] == ["read"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=member)["Groups"]] == [renamed]
    with expect_error("NoSuchEntity", f"The group with name {group} cannot be found.", status=404):
        iam.get_group(GroupName=group)
    other = name("g")
    iam.create_group(GroupName=other)
    with expect_error("EntityAlreadyExists", f"Group with name {other} already exists.", status=409):
        iam.update_group(GroupName=renamed, NewGroupName=other)
    with expect_error("NoSuchEntity", status=404):
        iam.update_group(GroupName=name("nobody"), NewPath="/x/")


def test_update_role_and_its_description(iam, loose_iam):
    role = name("r")
    iam.create_role(
        RoleName=role,
        AssumeRolePolicyDocument=json.dumps(TRUST),
        Description="first",
        Tags=[{"Key": "env", "Value": "test"}],
    )
    assert iam.update_role(RoleName=role, MaxSessionDuration=7200)["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = iam.get_role(RoleName=role)["Role"]
    assert (got["MaxSessionDuration"], got["Description"]) == (7200, "first")
    iam.update_role(RoleName=role.upper(), Description="second")
    got = iam.get_role(RoleName=role)["Role"]
    assert (got["MaxSessionDuration"], got["Description"]) == (7200, "second")
    described = iam.update_role_description(RoleName=role, Description="third")["Role"]
    assert described == iam.get_role(RoleName=role)["Role"]
    assert described["Description"] == "third"
    assert described["Tags"] == [{"Key": "env", "Value": "test"}]
    assert described["AssumeRolePolicyDocument"] == TRUST
    with expect_error("ValidationError", status=400) as e:
        loose_iam.update_role(RoleName=role, MaxSessionDuration=43201)
    assert "Member must have value less than or equal to 43200" in e.value.response["Error"]["Message"]
    missing = name("nobody")
    with expect_error("NoSuchEntity", f"The role with name {missing} cannot be found.", status=404):
        iam.update_role(RoleName=missing, MaxSessionDuration=3600)
    with expect_error("NoSuchEntity", status=404):
        iam.update_role_description(RoleName=missing, Description="x")


# -- policy versions and policy tags -------------------------------------------------


def test_list_and_delete_policy_versions(iam):
    arn = iam.create_policy(PolicyName=name("pv"), PolicyDocument=json.dumps(READ_ONLY))["Policy"]["Arn"]
    for default in (True, False, False):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(READ_ONLY), SetAsDefault=default)
    listed = iam.list_policy_versions(PolicyArn=arn)
    assert listed["IsTruncated"] is False
    # Newest first, as IAM lists them, and without their documents.
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in listed["Versions"]] == [
        ("v4", False), ("v3", False), ("v2", True), ("v1", False),
    ]
    assert all("Document" not in v and isinstance(v["CreateDate"], dt.datetime) for v in listed["Versions"])
    paged = iam.get_paginator("list_policy_versions").paginate(PolicyArn=arn, PaginationConfig={"PageSize": 3})
    assert [v["VersionId"] for p in paged for v in p["Versions"]] == ["v4", "v3", "v2", "v1"]

    with expect_error("DeleteConflict", "Cannot delete the default version of a policy.", status=409):
        iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    with expect_error("NoSuchEntity", f"Policy {arn} version v3 does not exist or is not attachable.", status=404):
        iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    with expect_error("NoSuchEntity", status=404):
        iam.get_policy_version(PolicyArn=arn, VersionId="v3")
    for v in ("v4", "v1"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == ["v2"]
    iam.delete_policy(PolicyArn=arn)
    with expect_error("NoSuchEntity", f"Policy {arn} was not found.", status=404):
        iam.list_policy_versions(PolicyArn=arn)

    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=admin)["Versions"]] == ["v1"]
    with expect_error("AccessDenied", status=403):
        iam.delete_policy_version(PolicyArn=admin, VersionId="v1")
    with expect_error("InvalidInput", status=400):
        iam.list_policy_versions(PolicyArn="not-an-arn-at-all-xyz")


def test_policy_tags(iam):
    arn = iam.create_policy(
        PolicyName=name("pt"), PolicyDocument=json.dumps(READ_ONLY), Tags=[{"Key": "env", "Value": "dev"}]
    )["Policy"]["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "ENV", "Value": "prod"}, {"Key": "team", "Value": "core"}])
    listed = iam.list_policy_tags(PolicyArn=arn)
    assert listed["IsTruncated"] is False
    assert listed["Tags"] == [{"Key": "ENV", "Value": "prod"}, {"Key": "team", "Value": "core"}]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == listed["Tags"]
    page = iam.list_policy_tags(PolicyArn=arn, MaxItems=1)
    assert page["IsTruncated"] is True and len(page["Tags"]) == 1
    assert iam.list_policy_tags(PolicyArn=arn, Marker=page["Marker"])["Tags"] == [{"Key": "team", "Value": "core"}]
    iam.untag_policy(PolicyArn=arn, TagKeys=["env", "missing"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "team", "Value": "core"}]
    assert "Tags" in iam.get_policy(PolicyArn=arn)["Policy"]
    iam.untag_policy(PolicyArn=arn, TagKeys=["team"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == []
    assert "Tags" not in iam.get_policy(PolicyArn=arn)["Policy"]
    with expect_error("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive."):
        iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    with expect_error("AccessDenied", status=403):
        iam.tag_policy(PolicyArn=admin, Tags=[{"Key": "a", "Value": "1"}])
    assert iam.list_policy_tags(PolicyArn=admin)["Tags"] == []
    missing = f"arn:aws:iam::{ACCOUNT_ID}:policy/{name('nope')}"
    with expect_error("NoSuchEntity", status=404):
        iam.list_policy_tags(PolicyArn=missing)


def test_tag_policy_is_authorized_with_request_tags(server, iam):
    arn = iam.create_policy(PolicyName=name("pt"), PolicyDocument=json.dumps(READ_ONLY))["Policy"]["Arn"]
    key = new_user_with_key(
        iam,
        policy=doc(allow(["iam:TagPolicy", "iam:UntagPolicy"], arn, {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}})),
    )
    own = key.client(server, "iam")
    own.tag_policy(PolicyArn=arn, Tags=[{"Key": "team", "Value": "a"}])
    with expect_error("AccessDenied", status=403):
        own.tag_policy(PolicyArn=arn, Tags=[{"Key": "cost", "Value": "1"}])
    with expect_error("AccessDenied", status=403):
        own.untag_policy(PolicyArn=arn, TagKeys=["cost"])
    own.untag_policy(PolicyArn=arn, TagKeys=["team"])
    with expect_error("AccessDenied", status=403):
        own.list_policy_tags(PolicyArn=arn)


# -- what Strongroom does not keep ---------------------------------------------------


def test_credentials_strongroom_does_not_keep_are_listed_empty(server, iam):
    user = name("u")
    iam.create_user(UserName=user)
    assert iam.list_mfa_devices(UserName=user)["MFADevices"] == []
    assert iam.list_ssh_public_keys(UserName=user)["SSHPublicKeys"] == []
    assert iam.list_signing_certificates(UserName=user)["Certificates"] == []
    assert iam.list_service_specific_credentials(UserName=user)["ServiceSpecificCredentials"] == []
    assert iam.list_service_specific_credentials(UserName=user, ServiceName="codecommit.amazonaws.com")[
        "ServiceSpecificCredentials"
    ] == []
    for status in ("Assigned", "Unassigned", "Any"):
        page = iam.list_virtual_mfa_devices(AssignmentStatus=status)
        assert page["VirtualMFADevices"] == [] and page["IsTruncated"] is False
    # Without UserName: the caller's own.
    assert iam.list_mfa_devices()["MFADevices"] == []
    assert iam.list_signing_certificates()["Certificates"] == []
    # boto3's paginators end at once.
    assert [p["MFADevices"] for p in iam.get_paginator("list_mfa_devices").paginate(UserName=user)] == [[]]

    missing = name("nobody")
    for call in (iam.list_mfa_devices, iam.list_ssh_public_keys, iam.list_signing_certificates,
                 iam.list_service_specific_credentials):
        with expect_error("NoSuchEntity", f"The user with name {missing} cannot be found.", status=404):
            call(UserName=missing)
    with expect_error("ValidationError", status=400):
        iam.list_virtual_mfa_devices(AssignmentStatus="Sometimes")
    with expect_error("InvalidInput", "AllUsers is not supported by this server."):
        iam.list_service_specific_credentials(AllUsers=True)

    # The wire: an empty list element, then IsTruncated.
    resp = query(server, f"Action=ListMFADevices&Version=2010-05-08&UserName={user}")
    assert resp.status == 200, resp.body
    result = ET.fromstring(resp.body).find(f"{{{IAM_NS}}}ListMFADevicesResult")
    assert result is not None and children(result) == ["MFADevices", "IsTruncated"]
    assert children(result.find(f"{{{IAM_NS}}}MFADevices")) == []


def test_delete_login_profile_finds_none(server, iam):
    user = name("u")
    iam.create_user(UserName=user)
    with expect_error("NoSuchEntity", f"Login Profile for User {user} cannot be found.", status=404):
        iam.delete_login_profile(UserName=user)
    missing = name("nobody")
    with expect_error("NoSuchEntity", f"The user with name {missing} cannot be found.", status=404):
        iam.delete_login_profile(UserName=missing)
    # Authorized on the user like any other user operation.
    key = new_user_with_key(iam)
    with expect_error("AccessDenied", status=403):
        key.client(server, "iam").delete_login_profile(UserName=user)
    iam.delete_user(UserName=user)


def test_a_roles_instance_profiles_are_empty(iam):
    role = name("r")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    page = iam.list_instance_profiles_for_role(RoleName=role.upper())
    assert page["InstanceProfiles"] == [] and page["IsTruncated"] is False
    missing = name("nobody")
    with expect_error("NoSuchEntity", f"The role with name {missing} cannot be found.", status=404):
        iam.list_instance_profiles_for_role(RoleName=missing)


# -- Terraform's AWS provider --------------------------------------------------------
#
# Each test replays, call for call, what hashicorp/terraform-provider-aws
# (internal/service/iam/<resource>.go, aws-sdk-go-v2 era) sends for one
# resource through create → read → update → read → destroy, including its
# tolerance of NoSuchEntity where the provider tolerates it, and its "delete
# what hangs off it first" steps on destroy. Tags go through the provider's
# tag interceptor: Untag<Resource> for removed keys, then Tag<Resource> for
# new or changed ones (tags.go, <resource>UpdateTags).


def tolerating_no_such_entity(call, **kwargs):
    """What the provider does with `if errs.IsA[*NoSuchEntityException]`."""
    try:
        return call(**kwargs)
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchEntity":
            raise
        return None


def tf_update_tags(iam, kind: str, ident: dict, old: dict[str, str], new: dict[str, str]) -> None:
    removed = [k for k in old if k not in new]
    updated = [{"Key": k, "Value": v} for k, v in new.items() if old.get(k) != v]
    if removed:
        getattr(iam, f"untag_{kind}")(**ident, TagKeys=removed)
    if updated:
        getattr(iam, f"tag_{kind}")(**ident, Tags=updated)


def tags_of(entity: dict) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in entity.get("Tags", [])}


def tf_user_delete(iam, user: str, force_destroy: bool) -> None:
    """user.go resourceUserDelete."""

    def delete_user_group_memberships():
        pages = iam.get_paginator("list_groups_for_user").paginate(UserName=user)
        for group in [g["GroupName"] for p in pages for g in p["Groups"]]:
            tolerating_no_such_entity(iam.remove_user_from_group, UserName=user, GroupName=group)

    tolerating_no_such_entity(delete_user_group_memberships)
    if force_destroy:

        def delete_user_policies():
            names = [n for p in iam.get_paginator("list_user_policies").paginate(UserName=user) for n in p["PolicyNames"]]
            for n in names:
                iam.delete_user_policy(UserName=user, PolicyName=n)

        def detach_user_policies():
            pages = iam.get_paginator("list_attached_user_policies").paginate(UserName=user)
            for arn in [a["PolicyArn"] for p in pages for a in p["AttachedPolicies"]]:
                tolerating_no_such_entity(iam.detach_user_policy, UserName=user, PolicyArn=arn)

        def delete_access_keys():
            pages = iam.get_paginator("list_access_keys").paginate(UserName=user)
            for k in [k for p in pages for k in p["AccessKeyMetadata"]]:
                iam.delete_access_key(UserName=user, AccessKeyId=k["AccessKeyId"])

        def delete_ssh_keys():
            pages = iam.get_paginator("list_ssh_public_keys").paginate(UserName=user)
            for k in [k for p in pages for k in p["SSHPublicKeys"]]:
                iam.delete_ssh_public_key(UserName=user, SSHPublicKeyId=k["SSHPublicKeyId"])

        def delete_virtual_mfa_devices():
            pages = iam.get_paginator("list_virtual_mfa_devices").paginate(AssignmentStatus="Assigned")
            for d in [d for p in pages for d in p["VirtualMFADevices"] if d.get("User", {}).get("UserName") == user]:
                iam.deactivate_mfa_device(UserName=user, SerialNumber=d["SerialNumber"])
                iam.delete_virtual_mfa_device(SerialNumber=d["SerialNumber"])

        def deactivate_mfa_devices():
            pages = iam.get_paginator("list_mfa_devices").paginate(UserName=user)
            for d in [d for p in pages for d in p["MFADevices"]]:
                iam.deactivate_mfa_device(UserName=user, SerialNumber=d["SerialNumber"])

        def delete_login_profile():
            tolerating_no_such_entity(iam.delete_login_profile, UserName=user)

        def delete_signing_certificates():
            pages = iam.get_paginator("list_signing_certificates").paginate(UserName=user)
            for c in [c for p in pages for c in p["Certificates"]]:
                iam.delete_signing_certificate(UserName=user, CertificateId=c["CertificateId"])

        def delete_service_specific_credentials():
            # listServiceSpecificCredentialsPages: Marker/IsTruncated by hand.
            marker = None
            while True:
                kwargs = {"UserName": user, **({"Marker": marker} if marker else {})}
                page = iam.list_service_specific_credentials(**kwargs)
                for c in page["ServiceSpecificCredentials"]:
                    iam.delete_service_specific_credential(
                        UserName=user, ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"]
                    )
                if not page.get("IsTruncated"):
                    break
                marker = page["Marker"]

        for step in (
            delete_user_policies,
            detach_user_policies,
            delete_access_keys,
            delete_ssh_keys,
            delete_virtual_mfa_devices,
            deactivate_mfa_devices,
            delete_login_profile,
            delete_signing_certificates,
            delete_service_specific_credentials,
        ):
            tolerating_no_such_entity(step)
    tolerating_no_such_entity(iam.delete_user, UserName=user)


def test_terraform_aws_iam_user(iam):
    user = name("tf")
    # Create: CreateUser with path and tags, then read (GetUser).
    created = iam.create_user(UserName=user, Path="/tf/", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    state = iam.get_user(UserName=created["User"]["UserName"])["User"]
    assert state["Arn"] == user_arn(user, "/tf/") and tags_of(state) == {"a": "1", "b": "2"}
    # Update name and path: UpdateUser always sends both, plus the tags diff.
    renamed = name("tf")
    iam.update_user(UserName=user, NewUserName=renamed, NewPath="/tf2/")
    tf_update_tags(iam, "user", {"UserName": renamed}, tags_of(state), {"b": "3", "c": "4"})
    state = iam.get_user(UserName=renamed)["User"]
    assert state["Arn"] == user_arn(renamed, "/tf2/") and tags_of(state) == {"b": "3", "c": "4"}
    # Only the path changes: UpdateUser with the unchanged name.
    iam.update_user(UserName=renamed, NewUserName=renamed, NewPath="/")
    assert iam.get_user(UserName=renamed)["User"]["Path"] == "/"
    # What force_destroy removes: a group, policies, keys out of Terraform's hands.
    group = name("g")
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=renamed)
    iam.put_user_policy(UserName=renamed, PolicyName="inline", PolicyDocument=json.dumps(READ_ONLY))
    iam.attach_user_policy(UserName=renamed, PolicyArn="arn:aws:iam::aws:policy/SecretsManagerReadWrite")
    iam.create_access_key(UserName=renamed)
    tf_user_delete(iam, renamed, force_destroy=True)
    with expect_error("NoSuchEntity", status=404):
        iam.get_user(UserName=renamed)
    # Read after an out-of-band delete: NoSuchEntity, so Terraform drops it.
    tf_user_delete(iam, renamed, force_destroy=False)
    iam.delete_group(GroupName=group)


def test_terraform_aws_iam_user_without_force_destroy(iam):
    user = name("tf")
    iam.create_user(UserName=user)
    group = name("g")
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user)
    # Group memberships are removed even without force_destroy.
    tf_user_delete(iam, user, force_destroy=False)
    with expect_error("NoSuchEntity", status=404):
        iam.get_user(UserName=user)
    assert iam.get_group(GroupName=group)["Users"] == []
    iam.delete_group(GroupName=group)


def test_terraform_aws_iam_group(iam):
    group = name("tf")
    # group.go: CreateGroup, then GetGroup until found, then read.
    iam.create_group(GroupName=group, Path="/")
    state = iam.get_group(GroupName=group)["Group"]
    # Update: UpdateGroup with old name, new name and the path.
    renamed = name("tf")
    iam.update_group(GroupName=group, NewGroupName=renamed, NewPath="/tf/")
    new_state = iam.get_group(GroupName=renamed)["Group"]
    assert new_state["GroupId"] == state["GroupId"]
    assert new_state["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:group/tf/{renamed}"
    # Delete: DeleteGroup, NoSuchEntity tolerated; then the read finds nothing.
    iam.delete_group(GroupName=renamed)
    assert tolerating_no_such_entity(iam.delete_group, GroupName=renamed) is None
    with expect_error("NoSuchEntity", status=404):
        iam.get_group(GroupName=renamed)


def tf_role_read(iam, role: str) -> dict:
    """role.go resourceRoleRead: GetRole, the (deprecated) inline and managed
    policy attributes: ListRolePolicies + GetRolePolicy each, and
    ListAttachedRolePolicies."""
    state = iam.get_role(RoleName=role)["Role"]
    names = [n for p in iam.get_paginator("list_role_policies").paginate(RoleName=role) for n in p["PolicyNames"]]
    state["inline"] = {n: iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"] for n in names}
    pages = iam.get_paginator("list_attached_role_policies").paginate(RoleName=role)
    state["managed"] = [a["PolicyArn"] for p in pages for a in p["AttachedPolicies"]]
    return state


def tf_role_delete(iam, role: str, force_detach_policies: bool) -> None:
    """role.go deleteRole: instance profiles first, then (if asked)
    attached and inline policies, then DeleteRole."""
    try:
        pages = iam.get_paginator("list_instance_profiles_for_role").paginate(RoleName=role)
        profiles = [ip["InstanceProfileName"] for p in pages for ip in p["InstanceProfiles"]]
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchEntity":
            raise
        profiles = []
    for profile in profiles:
        tolerating_no_such_entity(iam.remove_role_from_instance_profile, InstanceProfileName=profile, RoleName=role)
    if force_detach_policies:
        pages = iam.get_paginator("list_attached_role_policies").paginate(RoleName=role)
        for arn in [a["PolicyArn"] for p in pages for a in p["AttachedPolicies"]]:
            tolerating_no_such_entity(iam.detach_role_policy, RoleName=role, PolicyArn=arn)
        names = [n for p in iam.get_paginator("list_role_policies").paginate(RoleName=role) for n in p["PolicyNames"]]
        for n in names:
            tolerating_no_such_entity(iam.delete_role_policy, RoleName=role, PolicyName=n)
    tolerating_no_such_entity(iam.delete_role, RoleName=role)


def test_terraform_aws_iam_role(iam):
    role = name("tf")
    iam.create_role(
        AssumeRolePolicyDocument=json.dumps(TRUST),
        Path="/tf/",
        RoleName=role,
        Tags=[{"Key": "env", "Value": "dev"}],
        Description="made by terraform",
        MaxSessionDuration=3600,
    )
    state = tf_role_read(iam, role)
    assert state["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/tf/{role}"
    assert state["inline"] == {} and state["managed"] == []
    # Update every updatable argument, in resourceRoleUpdate's order.
    new_trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(new_trust))
    iam.update_role_description(RoleName=role, Description="changed")
    iam.update_role(RoleName=role, MaxSessionDuration=14400)
    tf_update_tags(iam, "role", {"RoleName": role}, tags_of(state), {"env": "prod", "team": "core"})
    state = tf_role_read(iam, role)
    assert state["AssumeRolePolicyDocument"] == new_trust
    assert state["Description"] == "changed"
    assert state["MaxSessionDuration"] == 14400
    assert tags_of(state) == {"env": "prod", "team": "core"}
    # Removing the description: UpdateRoleDescription with "".
    iam.update_role_description(RoleName=role, Description="")
    assert tf_role_read(iam, role).get("Description", "") == ""
    # Policies attached out of band, which force_detach_policies removes.
    iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=json.dumps(READ_ONLY))
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/SecretsManagerReadWrite")
    state = tf_role_read(iam, role)
    assert list(state["inline"]) == ["inline"] and len(state["managed"]) == 1
    tf_role_delete(iam, role, force_detach_policies=True)
    with expect_error("NoSuchEntity", status=404):
        iam.get_role(RoleName=role)
    # Destroying again (already gone) succeeds, as the provider's does.
    tf_role_delete(iam, role, force_detach_policies=False)


def tf_policy_read(iam, arn: str) -> tuple[dict, dict]:
    """policy.go resourcePolicyRead: GetPolicy, then its default version."""
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    return policy, version


def tf_policy_prune_versions(iam, arn: str) -> None:
    """policy.go policyPruneVersions: at 5 versions, delete the oldest
    non-default one (strictly older CreateDate wins; ties keep the first)."""
    versions = [v for p in iam.get_paginator("list_policy_versions").paginate(PolicyArn=arn) for v in p["Versions"]]
    if len(versions) < 5:
        return
    oldest = None
    for v in versions:
        if v["IsDefaultVersion"]:
            continue
        if oldest is None or v["CreateDate"] < oldest["CreateDate"]:
            oldest = v
    if oldest is not None:
        iam.delete_policy_version(PolicyArn=arn, VersionId=oldest["VersionId"])


def tf_policy_delete(iam, arn: str) -> None:
    """policy.go resourcePolicyDelete: non-default versions, then the policy."""
    try:
        versions = [v for p in iam.get_paginator("list_policy_versions").paginate(PolicyArn=arn) for v in p["Versions"]]
    except ClientError as e:
        if e.response["Error"]["Code"] == "NoSuchEntity":
            return
        raise
    for v in versions:
        if not v["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=v["VersionId"])
    tolerating_no_such_entity(iam.delete_policy, PolicyArn=arn)


def test_terraform_aws_iam_policy(iam):
    created = iam.create_policy(
        Description="",  # the provider always sends it, empty when unset
        Path="/tf/",
        PolicyDocument=json.dumps(READ_ONLY),
        PolicyName=name("tf"),
        Tags=[{"Key": "env", "Value": "dev"}],
    )["Policy"]
    arn = created["Arn"]
    policy, version = tf_policy_read(iam, arn)
    assert version["Document"] == READ_ONLY and policy["Description"] == ""
    # Seven policy changes: past five versions, pruning must make room.
    for i in range(7):
        tf_policy_prune_versions(iam, arn)
        document = doc(allow(f"secretsmanager:DescribeSecret{i}"))
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=document, SetAsDefault=True)
        policy, version = tf_policy_read(iam, arn)
        assert version["Document"] == json.loads(document)
        assert version["VersionId"] == f"v{i + 2}"
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 5
    # With delay_after_policy_creation_in_ms: CreatePolicyVersion, then SetDefault.
    tf_policy_prune_versions(iam, arn)
    staged = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(READ_ONLY), SetAsDefault=False)
    iam.set_default_policy_version(PolicyArn=arn, VersionId=staged["PolicyVersion"]["VersionId"])
    assert tf_policy_read(iam, arn)[0]["DefaultVersionId"] == staged["PolicyVersion"]["VersionId"]
    # Tags.
    tf_update_tags(iam, "policy", {"PolicyArn": arn}, tags_of(policy), {"env": "prod", "team": "core"})
    policy, _ = tf_policy_read(iam, arn)
    assert tags_of(policy) == {"env": "prod", "team": "core"}
    tf_update_tags(iam, "policy", {"PolicyArn": arn}, tags_of(policy), {})
    assert "Tags" not in tf_policy_read(iam, arn)[0]
    # Destroy: every non-default version, then the policy.
    tf_policy_delete(iam, arn)
    with expect_error("NoSuchEntity", status=404):
        iam.get_policy(PolicyArn=arn)
    tf_policy_delete(iam, arn)  # already gone: nothing to do


def test_terraform_aws_iam_access_key(iam):
    user = name("tf")
    iam.create_user(UserName=user)
    # access_key.go: CreateAccessKey; with status = "Inactive", UpdateAccessKey.
    created = iam.create_access_key(UserName=user)["AccessKey"]
    key_id = created["AccessKeyId"]
    iam.update_access_key(AccessKeyId=key_id, Status="Inactive", UserName=user)

    def read():
        pages = iam.get_paginator("list_access_keys").paginate(UserName=user)
        found = [k for p in pages for k in p["AccessKeyMetadata"] if k["AccessKeyId"] == key_id]
        assert len(found) <= 1
        return found[0] if found else None

    assert read()["Status"] == "Inactive"
    iam.update_access_key(AccessKeyId=key_id, Status="Active", UserName=user)
    assert read()["Status"] == "Active"
    # Import finds the user through GetAccessKeyLastUsed.
    assert iam.get_access_key_last_used(AccessKeyId=key_id)["UserName"] == user
    iam.delete_access_key(AccessKeyId=key_id, UserName=user)
    assert read() is None
    assert tolerating_no_such_entity(iam.delete_access_key, AccessKeyId=key_id, UserName=user) is None
    iam.delete_user(UserName=user)


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_terraform_aws_iam_inline_policy(iam, kind):
    """user_policy.go, group_policy.go, role_policy.go: Put, then Get until
    found; update is Put again; delete tolerates NoSuchEntity."""
    holder = name("tf")
    member = {"user": "UserName", "group": "GroupName", "role": "RoleName"}[kind]
    if kind == "user":
        iam.create_user(UserName=holder)
    elif kind == "group":
        iam.create_group(GroupName=holder)
    else:
        iam.create_role(RoleName=holder, AssumeRolePolicyDocument=json.dumps(TRUST))
    put = getattr(iam, f"put_{kind}_policy")
    get = getattr(iam, f"get_{kind}_policy")
    delete = getattr(iam, f"delete_{kind}_policy")
    policy = name("p")
    put(**{member: holder}, PolicyName=policy, PolicyDocument=json.dumps(READ_ONLY))
    assert get(**{member: holder}, PolicyName=policy)["PolicyDocument"] == READ_ONLY
    changed = doc(allow("secretsmanager:DescribeSecret"))
    put(**{member: holder}, PolicyName=policy, PolicyDocument=changed)
    assert get(**{member: holder}, PolicyName=policy)["PolicyDocument"] == json.loads(changed)
    delete(**{member: holder}, PolicyName=policy)
    assert tolerating_no_such_entity(delete, **{member: holder}, PolicyName=policy) is None
    with expect_error("NoSuchEntity", status=404):
        get(**{member: holder}, PolicyName=policy)


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_terraform_aws_iam_policy_attachment(iam, kind):
    """{user,group,role}_policy_attachment.go: Attach, then find it in
    ListAttached*Policies; delete is Detach, NoSuchEntity tolerated."""
    holder = name("tf")
    member = {"user": "UserName", "group": "GroupName", "role": "RoleName"}[kind]
    if kind == "user":
        iam.create_user(UserName=holder)
    elif kind == "group":
        iam.create_group(GroupName=holder)
    else:
        iam.create_role(RoleName=holder, AssumeRolePolicyDocument=json.dumps(TRUST))
    arn = iam.create_policy(PolicyName=name("tf"), PolicyDocument=json.dumps(READ_ONLY))["Policy"]["Arn"]
    getattr(iam, f"attach_{kind}_policy")(**{member: holder}, PolicyArn=arn)

    def attached() -> bool:
        pages = iam.get_paginator(f"list_attached_{kind}_policies").paginate(**{member: holder})
        return any(a["PolicyArn"] == arn for p in pages for a in p["AttachedPolicies"])

    assert attached()
    getattr(iam, f"detach_{kind}_policy")(**{member: holder}, PolicyArn=arn)
    assert not attached()
    assert tolerating_no_such_entity(getattr(iam, f"detach_{kind}_policy"), **{member: holder}, PolicyArn=arn) is None
    tf_policy_delete(iam, arn)


def test_terraform_aws_iam_group_membership(iam):
    group = name("tf")
    iam.create_group(GroupName=group)
    users = sorted(name("m") for _ in range(3))
    for u in users:
        iam.create_user(UserName=u)

    def read() -> list[str]:
        """group_membership.go: GetGroup, every page."""
        pages = iam.get_paginator("get_group").paginate(GroupName=group, PaginationConfig={"PageSize": 2})
        return [u["UserName"] for p in pages for u in p["Users"]]

    for u in users[:2]:
        iam.add_user_to_group(UserName=u, GroupName=group)
    assert read() == users[:2]
    # Update: remove what left the set, add what joined.
    tolerating_no_such_entity(iam.remove_user_from_group, UserName=users[0], GroupName=group)
    iam.add_user_to_group(UserName=users[2], GroupName=group)
    assert read() == users[1:]
    for u in users[1:]:
        tolerating_no_such_entity(iam.remove_user_from_group, UserName=u, GroupName=group)
    assert read() == []
    iam.delete_group(GroupName=group)


def test_terraform_aws_iam_user_group_membership(iam):
    user = name("tf")
    iam.create_user(UserName=user)
    groups = sorted(name("g") for _ in range(3))
    for g in groups:
        iam.create_group(GroupName=g)

    def read(configured: list[str]) -> list[str]:
        """user_group_membership.go: ListGroupsForUser, filtered to the configured groups."""
        pages = iam.get_paginator("list_groups_for_user").paginate(UserName=user)
        return [g["GroupName"] for p in pages for g in p["Groups"] if g["GroupName"] in configured]

    for g in groups[:2]:
        iam.add_user_to_group(UserName=user, GroupName=g)
    assert read(groups[:2]) == groups[:2]
    tolerating_no_such_entity(iam.remove_user_from_group, UserName=user, GroupName=groups[0])
    iam.add_user_to_group(UserName=user, GroupName=groups[2])
    assert read(groups[1:]) == groups[1:]
    for g in groups[1:]:
        tolerating_no_such_entity(iam.remove_user_from_group, UserName=user, GroupName=g)
    assert read(groups) == []
    iam.delete_user(UserName=user)
