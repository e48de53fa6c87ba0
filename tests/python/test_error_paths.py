"""Error paths not covered elsewhere: each checks the AWS error code (and our
message where the wording is ours)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from support import expect_error, new_token


def _secret(client, name: str, value: str = "v1") -> str:
    return client.create_secret(Name=name, SecretString=value)["VersionId"]


def test_only_post_slash_is_served(server):
    req = urllib.request.Request(server.endpoint + "/", method="GET")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 405
    assert e.value.headers["x-amzn-requestid"]
    assert b"MethodNotAllowedException" in e.value.read()


def test_update_version_stage_rule_violations(client, unique_name):
    name = unique_name()
    v1 = _secret(client, name)
    v2 = client.put_secret_value(SecretId=name, SecretString="v2", VersionStages=["X"])["VersionId"]
    with expect_error("InvalidParameterException", "You can't remove the staging label AWSCURRENT without moving it to another version."):
        client.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT", RemoveFromVersionId=v1)
    with expect_error("InvalidParameterException", "You must specify MoveToVersionId, RemoveFromVersionId, or both."):
        client.update_secret_version_stage(SecretId=name, VersionStage="X")
    with expect_error("InvalidParameterException", f"The staging label X is not attached to version {v1}, so it can't be removed from it."):
        client.update_secret_version_stage(SecretId=name, VersionStage="X", RemoveFromVersionId=v1)
    missing = new_token()
    with expect_error("InvalidParameterException", f"Not a valid version: {missing}"):
        client.update_secret_version_stage(SecretId=name, VersionStage="X", MoveToVersionId=missing)
    # nothing changed
    stages = client.describe_secret(SecretId=name)["VersionIdsToStages"]
    assert stages == {v1: ["AWSCURRENT"], v2: ["X"]}


def test_twenty_one_labels_exceed_the_limit(client, unique_name):
    name = unique_name()
    _secret(client, name)
    v2 = client.put_secret_value(SecretId=name, SecretString="v2", VersionStages=[f"L{i}" for i in range(20)])["VersionId"]
    with expect_error("LimitExceededException"):
        client.update_secret_version_stage(SecretId=name, VersionStage="L20", MoveToVersionId=v2)


def test_impossible_passwords(client):
    with expect_error("InvalidParameterException", "The password character set is empty: every character type was excluded."):
        client.get_random_password(ExcludeNumbers=True, ExcludePunctuation=True, ExcludeUppercase=True, ExcludeLowercase=True)
    with expect_error("InvalidParameterException"):
        client.get_random_password(PasswordLength=3)
    with expect_error("InvalidParameterException"):
        client.get_random_password(ExcludeCharacters="abcdefghijklmnopqrstuvwxyz", ExcludeNumbers=True, ExcludePunctuation=True, ExcludeUppercase=True)


def test_unsupported_features_say_so(client, unique_name):
    with expect_error("ResourceNotFoundException"):
        client.create_secret(Name=unique_name(), SecretString="v", KmsKeyId="alias/no-such-key")
    with expect_error("InvalidParameterException"):
        client.create_secret(Name=unique_name(), SecretString="v", AddReplicaRegions=[{"Region": "eu-west-1"}])
    # the default key, by alias, is fine
    client.create_secret(Name=unique_name(), SecretString="v", KmsKeyId="alias/aws/secretsmanager")


def test_both_value_kinds_and_duplicate_tags(client, unique_name):
    with expect_error("InvalidParameterException"):
        client.create_secret(Name=unique_name(), SecretString="v", SecretBinary=b"v")
    with expect_error("InvalidParameterException", "Tag keys must be unique; k appears more than once."):
        client.create_secret(Name=unique_name(), SecretString="v", Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}])


def test_put_without_a_value(raw, client, unique_name):
    name = unique_name()
    _secret(client, name)
    resp = raw.call("PutSecretValue", {"SecretId": name, "ClientRequestToken": new_token()})
    assert resp.status == 400
    assert resp.error_type == "InvalidRequestException"
    assert resp.message == "You must provide either SecretString or SecretBinary."


def test_foreign_next_tokens_are_rejected(client, unique_name):
    name = unique_name()
    _secret(client, name)
    with expect_error("InvalidNextTokenException"):
        client.list_secret_version_ids(SecretId=name, NextToken="not-one-of-ours")
    with expect_error("InvalidNextTokenException"):
        client.list_secrets(NextToken="sr1.999999999")


def test_bad_region_in_arn_is_not_found(client, unique_name):
    name = unique_name()
    _secret(client, name)
    arn = client.describe_secret(SecretId=name)["ARN"]
    with expect_error("ResourceNotFoundException"):
        client.get_secret_value(SecretId=arn.replace("us-east-1", "eu-west-1"))
