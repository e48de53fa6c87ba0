"""IAM over the AWS Query protocol, through boto3's `iam` client and the AWS
CLI: every implemented operation's happy path, IAM's error codes and
statuses, paging with MaxItems/Marker, the wire shape of answers (dates,
URL-encoded policy documents), keys created through IAM signing Secrets
Manager and STS requests (and refused once inactive or deleted), and the
authorization of IAM operations themselves (actions, resource ARNs with
paths, condition keys)."""

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
    resp = query(server, "Action=UpdateUser&Version=2010-05-08&UserName=x")
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
