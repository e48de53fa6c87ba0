"""Resource policies through boto3: Put/Get/Delete/List/ValidateResourcePolicy,
BlockPublicPolicy, the PolicyName member, and a resource policy's explicit
Deny taking part in authorization."""

from __future__ import annotations

import json

import pytest

from support import ACCOUNT_ID, REGION, expect_error, new_token

ADMIN_ARN = f"arn:aws:iam::{ACCOUNT_ID}:user/admin"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow_account_read() -> str:
    return policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
        }
    )


PUBLIC = policy({"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"})


@pytest.fixture
def secret(client, unique_name) -> dict:
    return client.create_secret(Name=unique_name(), SecretString="s3cr3t", ClientRequestToken=new_token())


def test_put_get_list_delete_round_trip(client, secret):
    arn, name = secret["ARN"], secret["Name"]
    assert client.list_resource_policies(SecretId=arn)["ResourcePolicies"] == []
    got = client.get_resource_policy(SecretId=arn)
    assert got["ARN"] == arn and got["Name"] == name
    assert "ResourcePolicy" not in got

    put = client.put_resource_policy(SecretId=name, ResourcePolicy=allow_account_read())
    assert put["ARN"] == arn and put["Name"] == name and put["PolicyName"] == "default"

    got = client.get_resource_policy(SecretId=name)
    assert json.loads(got["ResourcePolicy"]) == json.loads(allow_account_read())
    assert got["PolicyName"] == "default"
    listed = client.list_resource_policies(SecretId=arn)["ResourcePolicies"]
    assert listed == [{"PolicyName": "default"}]

    deleted = client.delete_resource_policy(SecretId=arn)
    assert deleted["ARN"] == arn and deleted["PolicyName"] == "default"
    assert "ResourcePolicy" not in client.get_resource_policy(SecretId=arn)
    assert client.list_resource_policies(SecretId=arn)["ResourcePolicies"] == []


def test_only_the_default_policy_name_can_be_written(client, secret):
    with expect_error("InvalidParameterException"):
        client.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy=allow_account_read(), PolicyName="other")
    with expect_error("InvalidParameterException"):
        client.delete_resource_policy(SecretId=secret["ARN"], PolicyName="other")
    with expect_error(("ValidationException", "InvalidParameterException")):
        client.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy=allow_account_read(), PolicyName="bad name")
    client.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy=allow_account_read(), PolicyName="default")


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]}),
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*"}]}),
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "GetSecretValue", "Resource": "*"}]}),
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*", "Condition": {"StringEqualsPlease": {"aws:username": "x"}}}]}),
    ],
    ids=["not-json", "no-principal", "bad-effect", "no-vendor", "bad-operator"],
)
def test_malformed_policies_are_refused_and_change_nothing(client, secret, document):
    with expect_error("MalformedPolicyDocumentException"):
        client.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy=document)
    with expect_error("MalformedPolicyDocumentException"):
        client.validate_resource_policy(SecretId=secret["ARN"], ResourcePolicy=document)
    assert "ResourcePolicy" not in client.get_resource_policy(SecretId=secret["ARN"])


def test_block_public_policy(client, secret):
    message = (
        "The BlockPublicPolicy parameter is set to true, and the resource policy "
        "did not prevent broad access to the secret."
    )
    with expect_error("PublicPolicyException", message):
        client.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy=PUBLIC, BlockPublicPolicy=True)
    assert "ResourcePolicy" not in client.get_resource_policy(SecretId=secret["ARN"])
    # A condition pinning the caller to an account is not public.
    pinned = policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT_ID}},
        }
    )
    client.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy=pinned, BlockPublicPolicy=True)
    # Without BlockPublicPolicy a public policy is accepted.
    client.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy=PUBLIC)


def test_validate_resource_policy(client, secret):
    ok = client.validate_resource_policy(ResourcePolicy=allow_account_read())
    assert ok["PolicyValidationPassed"] is True and ok["ValidationErrors"] == []
    ok = client.validate_resource_policy(SecretId=secret["ARN"], ResourcePolicy=allow_account_read())
    assert ok["PolicyValidationPassed"] is True

    broad = client.validate_resource_policy(ResourcePolicy=PUBLIC)
    assert broad["PolicyValidationPassed"] is False
    assert [e["CheckName"] for e in broad["ValidationErrors"]] == ["BROAD_ACCESS"]
    assert all(e["ErrorMessage"] for e in broad["ValidationErrors"])

    lockout = policy({"Effect": "Deny", "Principal": {"AWS": ADMIN_ARN}, "Action": "secretsmanager:*", "Resource": "*"})
    found = client.validate_resource_policy(SecretId=secret["ARN"], ResourcePolicy=lockout)
    assert found["PolicyValidationPassed"] is False
    assert "LOCKOUT" in [e["CheckName"] for e in found["ValidationErrors"]]

    with expect_error("ResourceNotFoundException"):
        client.validate_resource_policy(SecretId="no-such-secret-6f2c1e", ResourcePolicy=allow_account_read())


def test_explicit_deny_in_resource_policy_wins_over_admin(client, secret):
    arn = secret["ARN"]
    deny_read = policy(
        {"Effect": "Deny", "Principal": {"AWS": ADMIN_ARN}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    )
    client.put_resource_policy(SecretId=arn, ResourcePolicy=deny_read)
    message = (
        f"User: {ADMIN_ARN} is not authorized to perform: secretsmanager:GetSecretValue "
        f"on resource: {arn} with an explicit deny in a resource-based policy"
    )
    with expect_error("AccessDeniedException", message):
        client.get_secret_value(SecretId=arn)
    # Other actions are untouched, and the denial is lifted with the policy.
    client.describe_secret(SecretId=arn)
    batch = client.batch_get_secret_value(SecretIdList=[arn])
    assert batch["SecretValues"] == []
    assert [e["ErrorCode"] for e in batch["Errors"]] == ["AccessDeniedException"]
    client.delete_resource_policy(SecretId=arn)
    assert client.get_secret_value(SecretId=arn)["SecretString"] == "s3cr3t"


def test_resource_policy_operations_on_missing_and_deleted_secrets(client, unique_name):
    with expect_error("ResourceNotFoundException"):
        client.put_resource_policy(SecretId=unique_name(), ResourcePolicy=allow_account_read())
    with expect_error("ResourceNotFoundException"):
        client.get_resource_policy(SecretId=unique_name())
    with expect_error("ResourceNotFoundException"):
        client.list_resource_policies(SecretId=unique_name())
    name = unique_name()
    client.create_secret(Name=name, SecretString="x", ClientRequestToken=new_token())
    client.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    with expect_error("InvalidRequestException"):
        client.put_resource_policy(SecretId=name, ResourcePolicy=allow_account_read())


def test_resource_policy_members_are_validated(loose_client, secret):
    with expect_error(("ValidationException", "InvalidParameterException")):
        loose_client.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy="x" * 20481)
    with expect_error(("ValidationException", "InvalidParameterException")):
        loose_client.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy="")
    with expect_error("InvalidNextTokenException"):
        loose_client.list_resource_policies(SecretId=secret["ARN"], NextToken="bogus")


def test_cli_put_and_get_resource_policy(aws_cli, client, secret):
    aws_cli(
        "put-resource-policy",
        "--secret-id",
        secret["ARN"],
        "--resource-policy",
        allow_account_read(),
        "--block-public-policy",
    )
    got = aws_cli("get-resource-policy", "--secret-id", secret["ARN"])
    assert json.loads(got["ResourcePolicy"]) == json.loads(allow_account_read())
    assert REGION in got["ARN"]
