"""Who may do what, end to end through boto3 (and the AWS CLI): IAM users with
inline, group and managed policies, ABAC on resource and request tags, the
CreateSecret-with-Tags and tag lock-out rules, resource policies across two
accounts, AssumeRole with trust, session tags and session policies, and
--dev mode."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from dataclasses import dataclass

import pytest

from support import ACCOUNT_ID, REGION, AwsCli, expect_error, make_client, new_token

OTHER_ACCOUNT = "210987654321"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resource="*", condition=None) -> dict:
    statement = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def secret_arn_pattern(pattern: str, account: str = ACCOUNT_ID) -> str:
    return f"arn:aws:secretsmanager:{REGION}:{account}:secret:{pattern}"


def denied_message(user_arn: str, action: str, resource: str, why: str) -> str:
    return f"User: {user_arn} is not authorized to perform: {action} on resource: {resource} {why}"


NO_IDENTITY = "because no identity-based policy allows the {} action"


@dataclass
class User:
    name: str
    arn: str
    access_key: str
    secret_key: str
    endpoint: str

    def client(self, service: str = "secretsmanager"):
        return make_client(
            self.endpoint, region=REGION, access_key=self.access_key, secret_key=self.secret_key, service=service
        )


def iam_client(server, key: tuple[str, str] | None = None):
    access, secret = key or (server.access_key, server.secret_key)
    return make_client(server.endpoint, region=REGION, access_key=access, secret_key=secret, service="iam")


def make_user(server, iam, *, policy: str | None = None, tags: dict | None = None, prefix: str = "u") -> User:
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    created = iam.create_user(
        UserName=name, Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    )["User"]
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return User(name, created["Arn"], key["AccessKeyId"], key["SecretAccessKey"], server.endpoint)


@pytest.fixture(scope="module")
def iam(server):
    return iam_client(server)


@pytest.fixture
def secret(client, unique_name):
    """A secret in the admin's account: (name, ARN)."""

    def make(prefix: str, tags: dict | None = None) -> tuple[str, str]:
        name = f"{prefix}/{unique_name()}"
        kwargs = {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} if tags else {}
        arn = client.create_secret(Name=name, SecretString=f"value of {name}", ClientRequestToken=new_token(), **kwargs)[
            "ARN"
        ]
        return name, arn

    return make


# -- identity policies ---------------------------------------------------------


def test_read_only_inline_policy(server, iam, secret):
    app_name, app_arn = secret("app")
    other_name, _ = secret("other")
    reader = make_user(
        server,
        iam,
        policy=doc(allow(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], secret_arn_pattern("app/*"))),
    )
    sm = reader.client()
    assert sm.get_secret_value(SecretId=app_name)["SecretString"] == f"value of {app_name}"
    assert sm.describe_secret(SecretId=app_arn)["ARN"] == app_arn

    action = "secretsmanager:GetSecretValue"
    with expect_error(
        "AccessDeniedException", denied_message(reader.arn, action, other_name, NO_IDENTITY.format(action))
    ):
        sm.get_secret_value(SecretId=other_name)
    action = "secretsmanager:PutSecretValue"
    with expect_error(
        "AccessDeniedException", denied_message(reader.arn, action, app_name, NO_IDENTITY.format(action))
    ):
        sm.put_secret_value(SecretId=app_name, SecretString="x", ClientRequestToken=new_token())
    with expect_error("AccessDeniedException"):
        sm.list_secrets()
    # Authorization before existence: only where the caller may read does it
    # learn that a secret is missing.
    with expect_error("ResourceNotFoundException"):
        sm.get_secret_value(SecretId="app/does-not-exist-7f3a")
    with expect_error("AccessDeniedException"):
        sm.get_secret_value(SecretId="elsewhere/does-not-exist-7f3a")
    # The denied put changed nothing.
    versions = server.client().list_secret_version_ids(SecretId=app_name)["Versions"]
    assert len(versions) == 1
    # No IAM permissions either.
    with expect_error("AccessDenied", status=403):
        reader.client("iam").create_user(UserName=f"x-{uuid.uuid4().hex[:8]}")


def test_group_policy_applies_while_a_member(server, iam, secret):
    name, _ = secret("grp")
    group = f"g-{uuid.uuid4().hex[:10]}"
    iam.create_group(GroupName=group)
    iam.put_group_policy(
        GroupName=group, PolicyName="read", PolicyDocument=doc(allow("secretsmanager:GetSecretValue", secret_arn_pattern("grp/*")))
    )
    user = make_user(server, iam)
    sm = user.client()
    with expect_error("AccessDeniedException"):
        sm.get_secret_value(SecretId=name)
    iam.add_user_to_group(GroupName=group, UserName=user.name)
    assert sm.get_secret_value(SecretId=name)["Name"] == name
    iam.remove_user_from_group(GroupName=group, UserName=user.name)
    with expect_error("AccessDeniedException"):
        sm.get_secret_value(SecretId=name)


def test_managed_policy_attached_and_detached(server, iam, secret):
    name, _ = secret("managed")
    policy_arn = iam.create_policy(
        PolicyName=f"describe-{uuid.uuid4().hex[:8]}",
        PolicyDocument=doc(allow("secretsmanager:DescribeSecret")),
    )["Policy"]["Arn"]
    user = make_user(server, iam)
    sm = user.client()
    with expect_error("AccessDeniedException"):
        sm.describe_secret(SecretId=name)
    iam.attach_user_policy(UserName=user.name, PolicyArn=policy_arn)
    assert sm.describe_secret(SecretId=name)["Name"] == name
    iam.detach_user_policy(UserName=user.name, PolicyArn=policy_arn)
    with expect_error("AccessDeniedException"):
        sm.describe_secret(SecretId=name)
    # AWS's managed SecretsManagerReadWrite lets the user create and read.
    iam.attach_user_policy(UserName=user.name, PolicyArn="arn:aws:iam::aws:policy/SecretsManagerReadWrite")
    own = f"rw/{uuid.uuid4().hex[:10]}"
    sm.create_secret(Name=own, SecretString="mine")
    assert sm.get_secret_value(SecretId=own)["SecretString"] == "mine"
    with expect_error("AccessDenied", status=403):
        user.client("iam").list_users()


# -- tags ------------------------------------------------------------------------


ABAC = doc(
    allow(
        ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
        condition={
            "StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"},
            "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]},
        },
    ),
    allow(
        ["secretsmanager:GetSecretValue", "secretsmanager:UntagResource", "secretsmanager:TagResource"],
        condition={"StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}},
    ),
)


def test_abac_on_request_and_resource_tags(server, iam, secret, client):
    blue = make_user(server, iam, policy=ABAC, tags={"team": "blue"})
    sm = blue.client()
    mine = f"abac/{uuid.uuid4().hex[:10]}"
    sm.create_secret(Name=mine, SecretString="blue data", Tags=[{"Key": "team", "Value": "blue"}])
    assert sm.get_secret_value(SecretId=mine)["SecretString"] == "blue data"
    with expect_error("AccessDeniedException"):
        sm.create_secret(Name=f"abac/{uuid.uuid4().hex[:10]}", SecretString="x", Tags=[{"Key": "team", "Value": "red"}])
    with expect_error("AccessDeniedException"):
        sm.create_secret(
            Name=f"abac/{uuid.uuid4().hex[:10]}",
            SecretString="x",
            Tags=[{"Key": "team", "Value": "blue"}, {"Key": "owner", "Value": "me"}],
        )
    red_name, _ = secret("abac", tags={"team": "red"})
    with expect_error("AccessDeniedException"):
        sm.get_secret_value(SecretId=red_name)


def test_create_with_tags_needs_tag_resource(server, iam, client):
    creator = make_user(server, iam, policy=doc(allow("secretsmanager:CreateSecret")))
    sm = creator.client()
    name = f"tagless/{uuid.uuid4().hex[:10]}"
    with expect_error("AccessDeniedException") as e:
        sm.create_secret(Name=name, SecretString="x", Tags=[{"Key": "team", "Value": "a"}])
    assert "secretsmanager:TagResource" in e.value.response["Error"]["Message"]
    with expect_error("ResourceNotFoundException"):
        client.describe_secret(SecretId=name)
    sm.create_secret(Name=name, SecretString="x")
    assert client.describe_secret(SecretId=name)["Name"] == name


def test_a_tag_change_that_would_lock_the_caller_out_is_refused(server, iam, secret, client):
    name, arn = secret("lockout", tags={"team": "blue"})
    policy = doc(allow("secretsmanager:*", condition={"StringEquals": {"secretsmanager:ResourceTag/team": "blue"}}))
    user = make_user(server, iam, policy=policy)
    sm = user.client()
    with expect_error("AccessDeniedException"):
        sm.untag_resource(SecretId=name, TagKeys=["team"])
    with expect_error("AccessDeniedException"):
        sm.tag_resource(SecretId=name, Tags=[{"Key": "team", "Value": "red"}])
    assert client.describe_secret(SecretId=arn)["Tags"] == [{"Key": "team", "Value": "blue"}]
    sm.tag_resource(SecretId=name, Tags=[{"Key": "env", "Value": "prod"}])
    sm.untag_resource(SecretId=name, TagKeys=["env"])


# -- resource policies -------------------------------------------------------------


def test_explicit_deny_in_a_resource_policy(server, iam, secret, client):
    name, arn = secret("rpdeny")
    user = make_user(server, iam, policy=doc(allow("secretsmanager:GetSecretValue")))
    assert user.client().get_secret_value(SecretId=name)["Name"] == name
    client.put_resource_policy(
        SecretId=arn,
        ResourcePolicy=doc(
            {"Effect": "Deny", "Principal": {"AWS": user.arn}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
        ),
    )
    action = "secretsmanager:GetSecretValue"
    with expect_error(
        "AccessDeniedException",
        denied_message(user.arn, action, name, "with an explicit deny in a resource-based policy"),
    ):
        user.client().get_secret_value(SecretId=name)


def test_a_resource_policy_alone_grants_within_the_account(server, iam, secret, client):
    name, arn = secret("rpgrant")
    user = make_user(server, iam)
    with expect_error("AccessDeniedException"):
        user.client().get_secret_value(SecretId=arn)
    client.put_resource_policy(
        SecretId=arn,
        ResourcePolicy=doc(
            {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
        ),
    )
    assert user.client().get_secret_value(SecretId=arn)["Name"] == name


def create_account(server, account: str) -> tuple[str, str]:
    proc = subprocess.run(
        [str(server.binary), "admin", "create-account", account, "--data-dir", str(server.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    found = dict(re.findall(r"^export (AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)=(\S+)$", proc.stdout, re.M))
    return found["AWS_ACCESS_KEY_ID"], found["AWS_SECRET_ACCESS_KEY"]


CROSS_ACCOUNT_DEFAULT_KEY = (
    "You can't access a secret from a different AWS account if you encrypt the secret with the default KMS service key."
)


def test_cross_account_read_needs_both_sides(fresh_server):
    owner = fresh_server.client()
    arn = owner.create_secret(Name="shared/db", SecretString="pw")["ARN"]
    other_admin = create_account(fresh_server, OTHER_ACCOUNT)
    other_iam = iam_client(fresh_server, other_admin)
    reader = make_user(fresh_server, other_iam, policy=doc(allow("secretsmanager:GetSecretValue", arn)))
    no_policy = make_user(fresh_server, other_iam)
    action = "secretsmanager:GetSecretValue"

    # Only the caller's side allows.
    with expect_error(
        "AccessDeniedException",
        denied_message(reader.arn, action, arn, f"because no resource-based policy allows the {action} action"),
    ):
        reader.client().get_secret_value(SecretId=arn)

    owner.put_resource_policy(
        SecretId=arn,
        ResourcePolicy=doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                "Action": action,
                "Resource": "*",
            }
        ),
    )
    # Only the owner's side allows.
    with expect_error(
        "AccessDeniedException", denied_message(no_policy.arn, action, arn, NO_IDENTITY.format(action))
    ):
        no_policy.client().get_secret_value(SecretId=arn)
    # Both allow: authorization passes, and the AWS managed key refuses, as in AWS.
    with expect_error("InvalidRequestException", CROSS_ACCOUNT_DEFAULT_KEY):
        reader.client().get_secret_value(SecretId=arn)
    # By name, the other account's namespace is searched: nothing there.
    with expect_error("AccessDeniedException"):
        reader.client().get_secret_value(SecretId="shared/db")
    # Another account's secret that exists and one that does not get the
    # same answer.
    other_admin_sm = make_client(
        fresh_server.endpoint, region=REGION, access_key=other_admin[0], secret_key=other_admin[1]
    )
    with expect_error("AccessDeniedException") as existing:
        other_admin_sm.describe_secret(SecretId=arn)
    missing_arn = arn[:-6] + ("zzzzzz" if not arn.endswith("zzzzzz") else "yyyyyy")
    with expect_error("AccessDeniedException") as missing:
        other_admin_sm.describe_secret(SecretId=missing_arn)
    assert existing.value.response["Error"]["Message"].replace(arn, "X") == missing.value.response["Error"][
        "Message"
    ].replace(missing_arn, "X")


# -- roles -----------------------------------------------------------------------


def test_assume_role_with_trust_session_tags_and_session_policy(server, iam, secret, client):
    blue_name, _ = secret("roles", tags={"team": "blue"})
    red_name, _ = secret("roles", tags={"team": "red"})
    caller = make_user(server, iam)  # no identity policy: the trust policy names it
    stranger = make_user(server, iam, policy=doc(allow("sts:AssumeRole")))
    role = f"r-{uuid.uuid4().hex[:10]}"
    trust = doc({"Effect": "Allow", "Principal": {"AWS": caller.arn}, "Action": ["sts:AssumeRole", "sts:TagSession"]})
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role,
        PolicyName="team-read",
        PolicyDocument=doc(
            allow(
                ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                condition={"StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}},
            )
        ),
    )
    session_policy = doc(allow("secretsmanager:GetSecretValue"))
    got = caller.client("sts").assume_role(
        RoleArn=role_arn,
        RoleSessionName="ci-job",
        DurationSeconds=900,
        Tags=[{"Key": "team", "Value": "blue"}],
        Policy=session_policy,
    )
    creds = got["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert got["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/ci-job"
    session = make_client(
        server.endpoint,
        region=REGION,
        access_key=creds["AccessKeyId"],
        secret_key=creds["SecretAccessKey"],
        session_token=creds["SessionToken"],
    )
    assert session.get_secret_value(SecretId=blue_name)["Name"] == blue_name
    with expect_error("AccessDeniedException"):
        session.get_secret_value(SecretId=red_name)  # session tag team=blue
    # The role may describe blue secrets; the session policy narrows that away.
    # (The message gives the reason a missing secret would get, so that it
    # does not reveal the secret: the session-policy reason is checked with a
    # role allowed on "*" in crates/strongroom-api/tests/sessions.rs.)
    with expect_error("AccessDeniedException") as e:
        session.describe_secret(SecretId=blue_name)
    assert "secretsmanager:DescribeSecret" in e.value.response["Error"]["Message"]

    # `aws sts get-caller-identity` with the session's credentials.
    cli = AwsCli(server)
    me = cli.run(
        "sts",
        "get-caller-identity",
        access_key=creds["AccessKeyId"],
        secret_key=creds["SecretAccessKey"],
        session_token=creds["SessionToken"],
    )
    assert me["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/ci-job"
    assert me["Account"] == ACCOUNT_ID

    # A user the trust policy does not name cannot assume the role, whatever
    # its own policy says.
    with expect_error("AccessDenied", status=403):
        stranger.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="nope")
    # Tags need sts:TagSession too.
    iam.update_assume_role_policy(
        RoleName=role, PolicyDocument=doc({"Effect": "Allow", "Principal": {"AWS": caller.arn}, "Action": "sts:AssumeRole"})
    )
    with expect_error("AccessDenied", status=403):
        caller.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="tagged", Tags=[{"Key": "team", "Value": "blue"}])
    caller.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="untagged")


def test_cli_get_caller_identity_for_a_user(server, iam):
    user = make_user(server, iam)
    me = AwsCli(server).run("sts", "get-caller-identity", access_key=user.access_key, secret_key=user.secret_key)
    assert me["Arn"] == user.arn
    assert me["UserId"].startswith("AIDA")


# -- keys --------------------------------------------------------------------------


def test_inactive_and_deleted_keys_are_refused(server, iam):
    user = make_user(server, iam, policy=doc(allow("secretsmanager:ListSecrets")))
    user.client().list_secrets()
    iam.update_access_key(UserName=user.name, AccessKeyId=user.access_key, Status="Inactive")
    with expect_error("UnrecognizedClientException"):
        user.client().list_secrets()
    with expect_error("InvalidClientTokenId", status=403):
        user.client("sts").get_caller_identity()
    iam.update_access_key(UserName=user.name, AccessKeyId=user.access_key, Status="Active")
    user.client().list_secrets()
    iam.delete_access_key(UserName=user.name, AccessKeyId=user.access_key)
    with expect_error("UnrecognizedClientException"):
        user.client().list_secrets()


# -- --dev -------------------------------------------------------------------------


def test_dev_mode_unknown_keys_are_admin_and_iam_keys_are_their_users(make_server):
    srv = make_server(dev=True)
    anyone = make_client(srv.endpoint, region=REGION, access_key="AKIAANYTHING", secret_key="whatever", service="sts")
    assert anyone.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/admin"
    iam = make_client(srv.endpoint, region=REGION, access_key="AKIAANYTHING", secret_key="whatever", service="iam")
    user = make_user(srv, iam, policy=doc(allow("secretsmanager:ListSecrets")))
    # Signatures are not checked, but the key is the user's.
    wrong_secret = make_client(
        srv.endpoint, region=REGION, access_key=user.access_key, secret_key="not-the-secret", service="sts"
    )
    assert wrong_secret.get_caller_identity()["Arn"] == user.arn
    sm = make_client(srv.endpoint, region=REGION, access_key=user.access_key, secret_key="not-the-secret")
    sm.list_secrets()
    with expect_error("AccessDeniedException"):
        sm.create_secret(Name="dev/x", SecretString="x")


def test_iam_resource_tags_control_access_to_users_and_roles(server, iam):
    policy = doc(
        allow(
            ["iam:GetUser", "iam:GetRole"],
            condition={"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
        )
    )
    caller = make_user(server, iam, policy=policy, tags={"team": "blue"})
    same = make_user(server, iam, tags={"team": "blue"})
    other = make_user(server, iam, tags={"team": "red"})
    me = caller.client("iam")
    assert me.get_user(UserName=same.name)["User"]["Arn"] == same.arn
    with expect_error("AccessDenied", status=403):
        me.get_user(UserName=other.name)
    role = f"tagged-{uuid.uuid4().hex[:8]}"
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "sts:AssumeRole"})
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust, Tags=[{"Key": "team", "Value": "blue"}])
    assert me.get_role(RoleName=role)["Role"]["RoleName"] == role
    iam.tag_role(RoleName=role, Tags=[{"Key": "team", "Value": "red"}])
    with expect_error("AccessDenied", status=403):
        me.get_role(RoleName=role)


def test_iam_denials_do_not_reveal_users_or_their_paths(server, iam):
    hidden = f"hidden-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=hidden, Path="/eng/")
    nobody = make_user(server, iam)
    me = nobody.client("iam")
    with expect_error("AccessDenied", status=403) as existing:
        me.get_user(UserName=hidden.upper())
    message = existing.value.response["Error"]["Message"]
    assert f"user/{hidden.upper()}" in message and "/eng/" not in message, message
    with expect_error("AccessDenied", status=403) as missing:
        me.get_user(UserName="NO-SUCH-USER-X")
    assert missing.value.response["Error"]["Message"] == message.replace(hidden.upper(), "NO-SUCH-USER-X")


def test_tag_conditions_apply_to_managed_policies(server, iam):
    caller = make_user(
        server,
        iam,
        policy=doc(
            allow("iam:*"),
            {
                "Effect": "Deny",
                "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy"],
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:ResourceTag/protected": "true"}},
            },
        ),
    )
    me = caller.client("iam")
    document = doc(allow("secretsmanager:DescribeSecret"))
    protected = me.create_policy(
        PolicyName=f"guarded-{uuid.uuid4().hex[:8]}", PolicyDocument=document, Tags=[{"Key": "protected", "Value": "true"}]
    )["Policy"]["Arn"]
    plain = me.create_policy(PolicyName=f"plain-{uuid.uuid4().hex[:8]}", PolicyDocument=document)["Policy"]["Arn"]
    with expect_error("AccessDenied", status=403):
        me.create_policy_version(PolicyArn=protected, PolicyDocument=document, SetAsDefault=True)
    with expect_error("AccessDenied", status=403):
        me.delete_policy(PolicyArn=protected)
    me.create_policy_version(PolicyArn=plain, PolicyDocument=document, SetAsDefault=True)

