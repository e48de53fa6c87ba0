"""Hostile inputs: every operation, every member, fed values of the wrong
type, out of range, oversized or odd. Each must get a 4xx AWS error (or a
success), never a 5xx, and the server must stay up."""

from __future__ import annotations

import random

import pytest

OPERATIONS = {
    "CreateSecret": ["Name", "ClientRequestToken", "Description", "KmsKeyId", "SecretBinary", "SecretString", "Tags", "AddReplicaRegions", "ForceOverwriteReplicaSecret", "Type"],
    "GetSecretValue": ["SecretId", "VersionId", "VersionStage"],
    "PutSecretValue": ["SecretId", "ClientRequestToken", "SecretBinary", "SecretString", "VersionStages", "RotationToken"],
    "UpdateSecret": ["SecretId", "ClientRequestToken", "Description", "KmsKeyId", "SecretBinary", "SecretString"],
    "DescribeSecret": ["SecretId"],
    "ListSecrets": ["IncludePlannedDeletion", "MaxResults", "NextToken", "Filters", "SortOrder", "SortBy"],
    "ListSecretVersionIds": ["SecretId", "MaxResults", "NextToken", "IncludeDeprecated"],
    "UpdateSecretVersionStage": ["SecretId", "VersionStage", "RemoveFromVersionId", "MoveToVersionId"],
    "DeleteSecret": ["SecretId", "RecoveryWindowInDays", "ForceDeleteWithoutRecovery"],
    "RestoreSecret": ["SecretId"],
    "TagResource": ["SecretId", "Tags"],
    "UntagResource": ["SecretId", "TagKeys"],
    "GetRandomPassword": ["PasswordLength", "ExcludeCharacters", "ExcludeNumbers", "IncludeSpace", "RequireEachIncludedType"],
    "BatchGetSecretValue": ["SecretIdList", "Filters", "MaxResults", "NextToken"],
    "PutResourcePolicy": ["SecretId", "ResourcePolicy", "PolicyName", "BlockPublicPolicy"],
    "GetResourcePolicy": ["SecretId", "PolicyName"],
    "DeleteResourcePolicy": ["SecretId", "PolicyName"],
    "ListResourcePolicies": ["SecretId", "MaxResults", "NextToken"],
    "ValidateResourcePolicy": ["SecretId", "ResourcePolicy"],
}

ODD_VALUES = [
    None, True, 0, -1, 2**63, -(2**63) - 1, 1.5, 1e308, "", " ", "x" * 70000, "\u0000", "é☃😀", "arn:", "arn:aws:secretsmanager:::secret:",
    "!", "%00", [], [None], [{}], [{"Key": None, "Value": 5}], [{"Key": "bogus", "Values": ["a"]}], {}, {"a": {"b": []}},
    "AAAA", "not base64!", ["AWSCURRENT"] * 25,
]


def _bodies(operation: str, members: list[str], rng: random.Random):
    for member in members:
        for value in ODD_VALUES:
            yield {member: value}
    # random combinations
    for _ in range(40):
        yield {m: rng.choice(ODD_VALUES) for m in rng.sample(members, k=min(len(members), rng.randint(1, 4)))}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_no_input_makes_a_server_error(server, raw, operation):
    rng = random.Random(operation)
    for body in _bodies(operation, OPERATIONS[operation], rng):
        resp = raw.call(operation, body)
        assert resp.status < 500, (operation, str(body)[:200], resp.status, resp.body[:300])
        if resp.status != 200:
            assert resp.error_type, (operation, str(body)[:200], resp.body[:300])
    assert server.is_running()


@pytest.mark.parametrize(
    "body",
    [b"{", b"}", b"[]", b"null", b"0", b'"x"', b"{\"a\":" * 200 + b"1" + b"}" * 200, b"\xff\xfe", b"{\"SecretId\": \"\\ud800\"}"],
)
def test_malformed_documents(server, raw, body):
    resp = raw.call("DescribeSecret", body)
    assert 400 <= resp.status < 500, (body[:50], resp.status, resp.body[:200])
    assert server.is_running()
