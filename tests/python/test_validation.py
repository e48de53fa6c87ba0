"""Input validation and the JSON 1.1 wire format, through boto3 and through
raw SigV4-signed HTTP requests."""

from __future__ import annotations

import base64
import json

import pytest

from support import (
    CONSTRAINT_CODES,
    JSON_CONTENT_TYPE,
    MSG_INVALID_NAME,
    MSG_MISSING_TOKEN,
    RawResponse,
    expect_error,
    new_token,
)

BAD_NAMES = ["Inv Name", " Inv*Name? ", " Inv *?!]Name\\-"]


def assert_aws_error(resp: RawResponse, code: str, message: str | None = None, status: int = 400) -> None:
    assert resp.status == status, (resp.status, resp.body[:500])
    assert resp.headers.get("content-type", "").startswith(JSON_CONTENT_TYPE), resp.headers
    assert resp.headers.get("x-amzn-requestid"), resp.headers
    body = resp.json()
    assert set(body) == {"__type", "Message"}, body
    assert body["__type"] == code, body
    if message is not None:
        assert body["Message"] == message, body


# -- names ---------------------------------------------------------------------------

BAD_NAME_CALLS = {
    "CreateSecret": lambda c, n: c.create_secret(Name=n, SecretString="x"),
    "DescribeSecret": lambda c, n: c.describe_secret(SecretId=n),
    "GetSecretValue": lambda c, n: c.get_secret_value(SecretId=n),
    "PutSecretValue": lambda c, n: c.put_secret_value(SecretId=n, SecretString="x"),
    "UpdateSecret": lambda c, n: c.update_secret(SecretId=n, Description="x"),
    "DeleteSecret": lambda c, n: c.delete_secret(SecretId=n, ForceDeleteWithoutRecovery=True),
    "ListSecretVersionIds": lambda c, n: c.list_secret_version_ids(SecretId=n),
    "TagResource": lambda c, n: c.tag_resource(SecretId=n, Tags=[{"Key": "k", "Value": "v"}]),
    "UntagResource": lambda c, n: c.untag_resource(SecretId=n, TagKeys=["k"]),
}


@pytest.mark.parametrize("op", sorted(BAD_NAME_CALLS))
@pytest.mark.parametrize("bad", BAD_NAMES, ids=["space", "star", "mixed"])
def test_invalid_name(client, op, bad):
    with expect_error("ValidationException", MSG_INVALID_NAME):
        BAD_NAME_CALLS[op](client, bad)


def test_valid_names_with_every_allowed_character(client, unique_name):
    base = unique_name()
    for name in (f"{base}/_+=.@-Name", f"{base}-Valid/_+=.@-Name-a1b2", f"{base}/Name-a1b2c3-"):
        r = client.create_secret(Name=name, SecretString="ok")
        assert r["Name"] == name
        assert client.get_secret_value(SecretId=name)["SecretString"] == "ok"


def test_name_length(client, unique_name):
    base = unique_name()
    name = base + "x" * (512 - len(base))
    assert len(name) == 512
    client.create_secret(Name=name, SecretString="x")
    assert client.describe_secret(SecretId=name)["Name"] == name
    with expect_error(CONSTRAINT_CODES):
        client.create_secret(Name=name + "y", SecretString="x")


def test_secret_id_too_long(client):
    with expect_error(CONSTRAINT_CODES):
        client.describe_secret(SecretId="a" * 2049)


# -- value sizes -------------------------------------------------------------------


def test_secret_string_size_limit(client, unique_name):
    name = unique_name()
    big = "s" * 65536
    client.create_secret(Name=name, SecretString=big)
    assert client.get_secret_value(SecretId=name)["SecretString"] == big
    with expect_error(CONSTRAINT_CODES):
        client.create_secret(Name=unique_name(), SecretString=big + "s")
    with expect_error(CONSTRAINT_CODES):
        client.put_secret_value(SecretId=name, SecretString=big + "s")
    with expect_error(CONSTRAINT_CODES):
        client.update_secret(SecretId=name, SecretString=big + "s")
    assert len(client.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]) == 1


def test_secret_binary_size_limit(client, unique_name):
    name = unique_name()
    big = bytes(range(256)) * 256
    assert len(big) == 65536
    client.create_secret(Name=name, SecretBinary=big)
    assert client.get_secret_value(SecretId=name)["SecretBinary"] == big
    with expect_error(CONSTRAINT_CODES):
        client.put_secret_value(SecretId=name, SecretBinary=big + b"\x00")


def test_empty_secret_string_is_rejected(loose_client, unique_name):
    with expect_error(CONSTRAINT_CODES):
        loose_client.create_secret(Name=unique_name(), SecretString="")


def test_both_string_and_binary(client, unique_name):
    with expect_error(("InvalidRequestException", "InvalidParameterException", "ValidationException")):
        client.create_secret(Name=unique_name(), SecretString="x", SecretBinary=b"x")


def test_description_length(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x", Description="d" * 2048)
    assert client.describe_secret(SecretId=name)["Description"] == "d" * 2048
    with expect_error(CONSTRAINT_CODES):
        client.create_secret(Name=unique_name(), SecretString="x", Description="d" * 2049)
    with expect_error(CONSTRAINT_CODES):
        client.update_secret(SecretId=name, Description="d" * 2049)
    assert client.describe_secret(SecretId=name)["Description"] == "d" * 2048


def test_client_request_token_length(loose_client, unique_name):
    name = unique_name()
    with expect_error(CONSTRAINT_CODES):
        loose_client.create_secret(Name=name, SecretString="x", ClientRequestToken="t" * 31)
    with expect_error(CONSTRAINT_CODES):
        loose_client.create_secret(Name=name, SecretString="x", ClientRequestToken="t" * 65)
    with expect_error("ResourceNotFoundException"):
        loose_client.describe_secret(SecretId=name)
    loose_client.create_secret(Name=name, SecretString="x", ClientRequestToken="t" * 32)
    p = loose_client.put_secret_value(SecretId=name, SecretString="y", ClientRequestToken="u" * 64)
    assert p["VersionId"] == "u" * 64
    with expect_error(CONSTRAINT_CODES):
        loose_client.put_secret_value(SecretId=name, SecretString="z", ClientRequestToken="v" * 31)


def test_version_stage_limits(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    with expect_error(CONSTRAINT_CODES + ("LimitExceededException",)):
        client.put_secret_value(SecretId=name, SecretString="y", VersionStages=[f"S{i}" for i in range(21)])
    with expect_error(CONSTRAINT_CODES):
        client.put_secret_value(SecretId=name, SecretString="y", VersionStages=["L" * 257])
    assert len(client.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]) == 1
    p = client.put_secret_value(SecretId=name, SecretString="y", VersionStages=[f"S{i}" for i in range(20)])
    assert len(p["VersionStages"]) == 20


def test_unknown_filter_key(client):
    with expect_error("ValidationException") as e:
        client.list_secrets(Filters=[{"Key": "bogus", "Values": ["x"]}])
    assert "bogus" in e.value.response["Error"]["Message"]


# -- raw wire format ------------------------------------------------------------------


def test_success_response_headers(raw):
    resp = raw.call("ListSecrets", {"MaxResults": 1})
    assert resp.status == 200, resp.body
    assert resp.headers.get("x-amzn-requestid")
    assert resp.headers.get("content-type", "").startswith(JSON_CONTENT_TYPE)
    assert "SecretList" in resp.json()


def test_request_ids_differ(raw):
    a = raw.call("ListSecrets", {"MaxResults": 1}).headers["x-amzn-requestid"]
    b = raw.call("ListSecrets", {"MaxResults": 1}).headers["x-amzn-requestid"]
    assert a != b


def test_error_shape(raw, unique_name):
    resp = raw.call("DescribeSecret", {"SecretId": unique_name()})
    assert_aws_error(resp, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")


def test_unknown_operation(raw):
    resp = raw.call("NoSuchOperation", {})
    assert_aws_error(resp, "UnknownOperationException")


@pytest.mark.parametrize(
    "operation, body",
    [
        ("CreateSecret", b'{"Name": '),
        ("CreateSecret", b"not json at all"),
        ("CreateSecret", b'{"Name": 5, "SecretString": "x"}'),
        ("DescribeSecret", b'{"SecretId": ["a", "b"]}'),
        ("GetRandomPassword", b'{"PasswordLength": "ten"}'),
        ("ListSecrets", b'{"IncludePlannedDeletion": "yes"}'),
        ("ListSecrets", b"[]"),
    ],
    ids=["truncated", "garbage", "name-number", "id-list", "length-string", "bool-string", "array"],
)
def test_serialization_errors(raw, operation, body):
    resp = raw.call(operation, body)
    assert_aws_error(resp, "SerializationException")


def test_body_over_one_mib_is_413(raw, unique_name):
    value = "v" * (1024 * 1024 + 1024)
    body = json.dumps({"Name": unique_name(), "SecretString": value, "ClientRequestToken": new_token()})
    resp = raw.call("CreateSecret", body)
    assert resp.status == 413, (resp.status, resp.body[:300])
    assert resp.headers.get("x-amzn-requestid"), resp.headers
    # The server is still fine afterwards.
    assert raw.call("ListSecrets", {"MaxResults": 1}).status == 200


def test_body_just_under_limit_is_parsed(raw, unique_name):
    # ~1 MiB of JSON that is accepted by the transport and rejected by the model.
    body = json.dumps({"Name": unique_name(), "SecretString": "v" * (1024 * 1024 - 200), "ClientRequestToken": new_token()})
    assert len(body) < 1024 * 1024
    resp = raw.call("CreateSecret", body)
    assert resp.status == 400
    assert resp.error_type in CONSTRAINT_CODES


@pytest.mark.parametrize(
    "operation, body",
    [
        ("CreateSecret", {"Name": "raw-no-token-create", "SecretString": "x"}),
        ("PutSecretValue", {"SecretId": "raw-no-token-put-does-not-exist", "SecretString": "x"}),
        ("UpdateSecret", {"SecretId": "raw-no-token-update-does-not-exist", "SecretString": "x"}),
    ],
)
def test_missing_client_request_token(raw, operation, body):
    body = dict(body)
    for key in ("Name", "SecretId"):
        if key in body:
            body[key] = f"{body[key]}-{new_token()[:8]}"
    resp = raw.call(operation, body)
    assert_aws_error(resp, "InvalidRequestException", MSG_MISSING_TOKEN)


def test_raw_create_with_token_works(raw, client, unique_name):
    name = unique_name()
    token = new_token()
    resp = raw.call("CreateSecret", {"Name": name, "SecretString": "raw", "ClientRequestToken": token})
    assert resp.status == 200, resp.body
    body = resp.json()
    assert set(body) == {"ARN", "Name", "VersionId"}
    assert body["VersionId"] == token
    assert client.get_secret_value(SecretId=name)["SecretString"] == "raw"


def test_raw_binary_is_base64(raw, client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretBinary=b"footest")
    resp = raw.call("GetSecretValue", {"SecretId": name})
    assert resp.status == 200, resp.body
    body = resp.json()
    assert body["SecretBinary"] == "Zm9vdGVzdA=="
    assert "SecretString" not in body

    # And base64 in: raw bytes that are not UTF-8.
    value = b"\xff\x00\xfe binary"
    resp = raw.call(
        "PutSecretValue",
        {"SecretId": name, "SecretBinary": base64.b64encode(value).decode(), "ClientRequestToken": new_token()},
    )
    assert resp.status == 200, resp.body
    assert client.get_secret_value(SecretId=name)["SecretBinary"] == value


def _nulls_and_empties(value, path="$"):
    """Paths of null members and empty strings: AWS omits absent fields."""
    if value is None or value == "":
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _nulls_and_empties(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _nulls_and_empties(v, f"{path}[{i}]")


def test_raw_shapes_have_numeric_dates_and_no_nulls(raw, client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    for op, body in (
        ("DescribeSecret", {"SecretId": name}),
        ("GetSecretValue", {"SecretId": name}),
        ("ListSecretVersionIds", {"SecretId": name}),
        ("ListSecrets", {"Filters": [{"Key": "name", "Values": [name]}]}),
    ):
        resp = raw.call(op, body)
        assert resp.status == 200, (op, resp.body)
        bad = list(_nulls_and_empties(resp.json()))
        assert not bad, (op, bad, resp.body[:1000])
    d = raw.call("DescribeSecret", {"SecretId": name}).json()
    for key in ("CreatedDate", "LastChangedDate"):
        assert isinstance(d[key], (int, float)) and not isinstance(d[key], bool), d
        assert d[key] > 1_600_000_000
    g = raw.call("GetSecretValue", {"SecretId": name}).json()
    assert isinstance(g["CreatedDate"], (int, float))


def test_raw_tag_response_is_empty_object(raw, client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    resp = raw.call("TagResource", {"SecretId": name, "Tags": [{"Key": "a", "Value": "b"}]})
    assert resp.status == 200, resp.body
    assert resp.json() == {}
    resp = raw.call("UntagResource", {"SecretId": name, "TagKeys": ["a"]})
    assert resp.status == 200, resp.body
    assert resp.json() == {}
