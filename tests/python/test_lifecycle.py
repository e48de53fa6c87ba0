"""A secret's life: create, read, versions and labels, update, describe,
idempotency, delete / restore (shared/AWS_BEHAVIOUR.md §1-2)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from support import (
    MSG_ALREADY_MARKED_DELETED,
    MSG_FORCE_WITH_WINDOW,
    MSG_MARKED_FOR_DELETION,
    MSG_NAME_SCHEDULED_FOR_DELETION,
    MSG_RECOVERY_WINDOW,
    MSG_SECRET_NOT_FOUND,
    MSG_STAGE_NOT_ON_VERSION,
    all_versions,
    expect_error,
    msg_remove_from_required,
    msg_secret_exists,
    msg_stage_not_found,
    msg_token_in_use,
    msg_version_not_found,
    new_token,
    payload_keys,
    stages_by_version,
    utcnow,
)

ARN_SUFFIX = r"-[A-Za-z0-9]{6}"


def arn_re(server, name: str, region: str = "us-east-1") -> re.Pattern[str]:
    return re.compile(
        rf"^arn:aws:secretsmanager:{region}:{server.account_id}:secret:{re.escape(name)}{ARN_SUFFIX}$"
    )


def partial_arn(arn: str) -> str:
    return arn[:-7]


# -- create and read ------------------------------------------------------------


def test_create_string_secret_and_get(client, server, unique_name):
    name = unique_name()
    r = client.create_secret(Name=name, SecretString="s3cr3t value")
    assert payload_keys(r) == {"ARN", "Name", "VersionId"}
    assert r["Name"] == name
    assert arn_re(server, name).match(r["ARN"]), r["ARN"]

    g = client.get_secret_value(SecretId=name)
    assert payload_keys(g) == {"ARN", "Name", "VersionId", "SecretString", "VersionStages", "CreatedDate"}
    assert g["SecretString"] == "s3cr3t value"
    assert g["ARN"] == r["ARN"]
    assert g["Name"] == name
    assert g["VersionId"] == r["VersionId"]
    assert g["VersionStages"] == ["AWSCURRENT"]
    assert isinstance(g["CreatedDate"], dt.datetime)
    assert abs(g["CreatedDate"] - utcnow()) < dt.timedelta(minutes=5)


def test_client_request_token_becomes_version_id(client, unique_name):
    name = unique_name()
    token = new_token()
    r = client.create_secret(Name=name, SecretString="v", ClientRequestToken=token)
    assert r["VersionId"] == token
    assert client.get_secret_value(SecretId=name)["VersionId"] == token


def test_unicode_string_round_trip(client, unique_name):
    name = unique_name()
    value = '{"user": "zoë", "pass": "p\u00e4ss\u2603\U0001f511", "nl": "a\\nb"}'
    client.create_secret(Name=name, SecretString=value)
    assert client.get_secret_value(SecretId=name)["SecretString"] == value


def test_binary_round_trip_non_utf8(client, unique_name):
    name = unique_name()
    first = bytes(range(256)) + b"\xff\xfe\x00\x80\xc3\x28"
    second = b"\x80\x81\x82 not utf-8 \xfe\xff"
    third = b"\x00" * 7 + b"\xc0\xaf"
    r = client.create_secret(Name=name, SecretBinary=first)
    g = client.get_secret_value(SecretId=name)
    assert g["SecretBinary"] == first
    assert "SecretString" not in g

    client.put_secret_value(SecretId=name, SecretBinary=second)
    g = client.get_secret_value(SecretId=name)
    assert g["SecretBinary"] == second
    assert "SecretString" not in g

    client.update_secret(SecretId=name, SecretBinary=third)
    assert client.get_secret_value(SecretId=name)["SecretBinary"] == third
    assert client.get_secret_value(SecretId=name, VersionId=r["VersionId"])["SecretBinary"] == first


def test_switch_between_string_and_binary(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="text")
    client.put_secret_value(SecretId=name, SecretBinary=b"\x01\x02")
    g = client.get_secret_value(SecretId=name)
    assert g["SecretBinary"] == b"\x01\x02"
    assert "SecretString" not in g
    g = client.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
    assert g["SecretString"] == "text"
    assert "SecretBinary" not in g


def test_create_without_value(client, unique_name):
    name = unique_name()
    r = client.create_secret(Name=name, Description="no value yet")
    assert payload_keys(r) == {"ARN", "Name"}
    d = client.describe_secret(SecretId=name)
    assert "VersionIdsToStages" not in d
    assert all_versions(client, name) == []
    with expect_error("ResourceNotFoundException", msg_stage_not_found("AWSCURRENT")):
        client.get_secret_value(SecretId=name)

    # The first value put on it becomes AWSCURRENT.
    p = client.put_secret_value(SecretId=name, SecretString="now")
    assert p["VersionStages"] == ["AWSCURRENT"]
    g = client.get_secret_value(SecretId=name)
    assert g["SecretString"] == "now"
    assert g["VersionId"] == p["VersionId"]


def test_get_by_name_full_arn_and_partial_arn(client, unique_name):
    name = unique_name("app/db") + "/password"
    arn = client.create_secret(Name=name, SecretString="by-any-id")["ARN"]
    for secret_id in (name, arn, partial_arn(arn)):
        g = client.get_secret_value(SecretId=secret_id)
        assert g["SecretString"] == "by-any-id", secret_id
        assert g["ARN"] == arn
        assert g["Name"] == name
        d = client.describe_secret(SecretId=secret_id)
        assert d["ARN"] == arn


def test_partial_arn_of_name_that_looks_suffixed_is_not_found(client, unique_name):
    # A name ending in -XXXXXX: its partial ARN reads as a full ARN.
    name = unique_name() + "-a1b2c3"
    arn = client.create_secret(Name=name, SecretString="x")["ARN"]
    assert client.get_secret_value(SecretId=arn)["SecretString"] == "x"
    assert client.get_secret_value(SecretId=name)["SecretString"] == "x"
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.get_secret_value(SecretId=partial_arn(arn))


def test_get_unknown_secret(client, server, unique_name):
    name = unique_name()
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.get_secret_value(SecretId=name)
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.describe_secret(SecretId=name)
    fake_arn = f"arn:aws:secretsmanager:us-east-1:{server.account_id}:secret:{name}-AbC123"
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.get_secret_value(SecretId=fake_arn)
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.list_secret_version_ids(SecretId=name)


def test_arn_suffix_is_six_alphanumerics_and_changes_on_recreate(client, server, unique_name):
    name = unique_name()
    arn1 = client.create_secret(Name=name, SecretString="one")["ARN"]
    assert arn_re(server, name).match(arn1)
    client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    # The name is free again at once after a force delete.
    arn2 = client.create_secret(Name=name, SecretString="two")["ARN"]
    assert arn_re(server, name).match(arn2)
    assert arn1 != arn2
    assert client.get_secret_value(SecretId=name)["SecretString"] == "two"
    assert client.get_secret_value(SecretId=arn2)["SecretString"] == "two"
    # The old ARN names the old, gone, secret.
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.get_secret_value(SecretId=arn1)


def test_distinct_secrets_get_distinct_arns(client, unique_name):
    arns = {client.create_secret(Name=unique_name(), SecretString="x")["ARN"][-6:] for _ in range(5)}
    assert len(arns) == 5


# -- versions and labels --------------------------------------------------------


def test_get_by_version_id_and_stage(client, unique_name):
    name = unique_name()
    v1, v2 = new_token(), new_token()
    client.create_secret(Name=name, SecretString="first", ClientRequestToken=v1)
    client.put_secret_value(SecretId=name, SecretString="second", ClientRequestToken=v2)

    g = client.get_secret_value(SecretId=name, VersionId=v1)
    assert g["SecretString"] == "first"
    assert g["VersionId"] == v1
    assert g["VersionStages"] == ["AWSPREVIOUS"]

    assert client.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == "first"
    assert client.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["SecretString"] == "second"
    assert client.get_secret_value(SecretId=name, VersionId=v2, VersionStage="AWSCURRENT")["VersionId"] == v2
    assert client.get_secret_value(SecretId=name, VersionId=v1, VersionStage="AWSPREVIOUS")["VersionId"] == v1

    with expect_error("InvalidRequestException", MSG_STAGE_NOT_ON_VERSION):
        client.get_secret_value(SecretId=name, VersionId=v1, VersionStage="AWSCURRENT")
    missing = new_token()
    with expect_error("ResourceNotFoundException", msg_version_not_found(missing)):
        client.get_secret_value(SecretId=name, VersionId=missing)
    with expect_error("ResourceNotFoundException", msg_stage_not_found("NOSUCHSTAGE")):
        client.get_secret_value(SecretId=name, VersionStage="NOSUCHSTAGE")


def test_put_default_labels(client, unique_name):
    name = unique_name()
    v1, v2, v3 = new_token(), new_token(), new_token()
    c = client.create_secret(Name=name, SecretString="1", ClientRequestToken=v1)
    p2 = client.put_secret_value(SecretId=name, SecretString="2", ClientRequestToken=v2)
    assert payload_keys(p2) == {"ARN", "Name", "VersionId", "VersionStages"}
    assert p2["ARN"] == c["ARN"]
    assert p2["Name"] == name
    assert p2["VersionId"] == v2
    assert p2["VersionStages"] == ["AWSCURRENT"]
    client.put_secret_value(SecretId=name, SecretString="3", ClientRequestToken=v3)

    assert client.get_secret_value(SecretId=name)["SecretString"] == "3"
    assert stages_by_version(client, name) == {v3: {"AWSCURRENT"}, v2: {"AWSPREVIOUS"}}
    listed = {v["VersionId"]: set(v["VersionStages"]) for v in client.list_secret_version_ids(SecretId=name)["Versions"]}
    assert listed == {v3: {"AWSCURRENT"}, v2: {"AWSPREVIOUS"}}
    # The deprecated first version is still readable by id.
    g = client.get_secret_value(SecretId=name, VersionId=v1)
    assert g["SecretString"] == "1"


def test_put_custom_stages_are_unique_per_secret(client, unique_name):
    name = unique_name()
    v0, v1, v2, v3 = (new_token() for _ in range(4))
    client.create_secret(Name=name, SecretString="zero", ClientRequestToken=v0)

    p1 = client.put_secret_value(
        SecretId=name, SecretString="one", ClientRequestToken=v1, VersionStages=["one", "two", "three"]
    )
    assert set(p1["VersionStages"]) == {"one", "two", "three"}
    # A put without AWSCURRENT never moves it.
    assert client.get_secret_value(SecretId=name)["SecretString"] == "zero"

    p2 = client.put_secret_value(
        SecretId=name, SecretString="two", ClientRequestToken=v2, VersionStages=["one", "two", "four"]
    )
    assert set(p2["VersionStages"]) == {"one", "two", "four"}
    assert stages_by_version(client, name) == {
        v0: {"AWSCURRENT"},
        v1: {"three"},
        v2: {"one", "two", "four"},
    }
    assert client.get_secret_value(SecretId=name, VersionStage="one")["SecretString"] == "two"
    assert client.get_secret_value(SecretId=name, VersionStage="three")["SecretString"] == "one"

    p3 = client.put_secret_value(
        SecretId=name, SecretString="three", ClientRequestToken=v3, VersionStages=["AWSCURRENT", "PUT0"]
    )
    assert set(p3["VersionStages"]) == {"AWSCURRENT", "PUT0"}
    assert stages_by_version(client, name) == {
        v0: {"AWSPREVIOUS"},
        v1: {"three"},
        v2: {"one", "two", "four"},
        v3: {"AWSCURRENT", "PUT0"},
    }
    assert client.get_secret_value(SecretId=name)["SecretString"] == "three"


def test_put_never_creates_a_secret(client, unique_name):
    name = unique_name()
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.put_secret_value(SecretId=name, SecretString="x")
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.describe_secret(SecretId=name)


def test_put_needs_a_value(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    with expect_error(("InvalidRequestException", "InvalidParameterException", "ValidationException")):
        client.put_secret_value(SecretId=name)
    assert len(all_versions(client, name)) == 1


def test_update_secret_version_stage(client, unique_name):
    name = unique_name()
    v1, v2, v3 = new_token(), new_token(), new_token()
    client.create_secret(Name=name, SecretString="one", ClientRequestToken=v1)
    client.put_secret_value(SecretId=name, SecretString="two", ClientRequestToken=v2, VersionStages=["AWSPENDING"])
    assert stages_by_version(client, name) == {v1: {"AWSCURRENT"}, v2: {"AWSPENDING"}}

    # AWSCURRENT sits on v1: moving it requires naming v1.
    with expect_error("InvalidParameterException", msg_remove_from_required("AWSCURRENT", v1)):
        client.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=v2)
    assert stages_by_version(client, name) == {v1: {"AWSCURRENT"}, v2: {"AWSPENDING"}}

    r = client.update_secret_version_stage(
        SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=v2, RemoveFromVersionId=v1
    )
    assert payload_keys(r) == {"ARN", "Name"}
    assert r["Name"] == name
    # The target keeps its labels; the former holder becomes AWSPREVIOUS.
    assert stages_by_version(client, name) == {v2: {"AWSCURRENT", "AWSPENDING"}, v1: {"AWSPREVIOUS"}}
    # GetSecretValue follows the label.
    g = client.get_secret_value(SecretId=name)
    assert g["SecretString"] == "two"
    assert g["VersionId"] == v2

    # A default put: the old current drops AWSPENDING and becomes AWSPREVIOUS;
    # the old AWSPREVIOUS is left with no label (deprecated).
    client.put_secret_value(SecretId=name, SecretString="three", ClientRequestToken=v3)
    assert stages_by_version(client, name) == {v3: {"AWSCURRENT"}, v2: {"AWSPREVIOUS"}}

    # A custom label onto the deprecated version, then off again.
    client.update_secret_version_stage(SecretId=name, VersionStage="TESTING", MoveToVersionId=v1)
    assert stages_by_version(client, name) == {v3: {"AWSCURRENT"}, v2: {"AWSPREVIOUS"}, v1: {"TESTING"}}
    assert client.get_secret_value(SecretId=name, VersionStage="TESTING")["SecretString"] == "one"
    client.update_secret_version_stage(SecretId=name, VersionStage="TESTING", RemoveFromVersionId=v1)
    assert stages_by_version(client, name) == {v3: {"AWSCURRENT"}, v2: {"AWSPREVIOUS"}}
    with expect_error("ResourceNotFoundException", msg_stage_not_found("TESTING")):
        client.get_secret_value(SecretId=name, VersionStage="TESTING")


def test_moving_current_back_keeps_one_previous(client, unique_name):
    name = unique_name()
    v1, v2, v3 = new_token(), new_token(), new_token()
    client.create_secret(Name=name, SecretString="1", ClientRequestToken=v1)
    client.put_secret_value(SecretId=name, SecretString="2", ClientRequestToken=v2)
    client.put_secret_value(SecretId=name, SecretString="3", ClientRequestToken=v3)
    client.update_secret_version_stage(
        SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=v1, RemoveFromVersionId=v3
    )
    assert stages_by_version(client, name) == {v1: {"AWSCURRENT"}, v3: {"AWSPREVIOUS"}}
    assert client.get_secret_value(SecretId=name)["SecretString"] == "1"


# -- update -------------------------------------------------------------------------


def test_update_description_only_makes_no_version(client, unique_name):
    name = unique_name()
    v1 = new_token()
    client.create_secret(Name=name, SecretString="x", ClientRequestToken=v1)
    r = client.update_secret(SecretId=name, Description="new description")
    assert payload_keys(r) == {"ARN", "Name"}
    assert "VersionId" not in r
    d = client.describe_secret(SecretId=name)
    assert d["Description"] == "new description"
    assert [v["VersionId"] for v in all_versions(client, name)] == [v1]

    # Only SecretId: a successful no-op.
    r = client.update_secret(SecretId=name)
    assert "VersionId" not in r
    assert [v["VersionId"] for v in all_versions(client, name)] == [v1]


def test_update_value_makes_a_version(client, unique_name):
    name = unique_name()
    v1, v2 = new_token(), new_token()
    client.create_secret(Name=name, SecretString="old", ClientRequestToken=v1)
    r = client.update_secret(SecretId=name, SecretString="new", ClientRequestToken=v2, Description="both")
    assert payload_keys(r) == {"ARN", "Name", "VersionId"}
    assert r["VersionId"] == v2
    assert client.get_secret_value(SecretId=name)["SecretString"] == "new"
    assert stages_by_version(client, name) == {v2: {"AWSCURRENT"}, v1: {"AWSPREVIOUS"}}
    assert client.describe_secret(SecretId=name)["Description"] == "both"

    # The same value again with a fresh token is still a new version.
    r2 = client.update_secret(SecretId=name, SecretString="new")
    assert r2["VersionId"] not in (v1, v2)
    assert stages_by_version(client, name) == {r2["VersionId"]: {"AWSCURRENT"}, v2: {"AWSPREVIOUS"}}


def test_update_unknown_secret(client, unique_name):
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.update_secret(SecretId=unique_name(), SecretString="x")


# -- describe -------------------------------------------------------------------------

OMITTED_ON_FRESH_SECRET = (
    "Description",
    "Tags",
    "LastAccessedDate",
    "DeletedDate",
    "KmsKeyId",
    "RotationEnabled",
    "RotationLambdaARN",
    "RotationRules",
    "LastRotatedDate",
    "NextRotationDate",
    "OwningService",
    "PrimaryRegion",
    "ReplicationStatus",
)


def test_describe_omits_unset_fields(client, server, unique_name):
    name = unique_name()
    v1 = new_token()
    created = client.create_secret(Name=name, SecretString="x", ClientRequestToken=v1, Description="")
    d = client.describe_secret(SecretId=name)
    for key in ("ARN", "Name", "CreatedDate", "LastChangedDate", "VersionIdsToStages"):
        assert key in d, key
    for key in OMITTED_ON_FRESH_SECRET:
        assert key not in d, f"{key} should be omitted: {d.get(key)!r}"
    assert d["ARN"] == created["ARN"]
    assert d["Name"] == name
    assert d["VersionIdsToStages"] == {v1: ["AWSCURRENT"]}
    assert all(v is not None for v in d.values())
    assert abs(d["CreatedDate"] - utcnow()) < dt.timedelta(minutes=5)


def test_describe_description_and_tags(client, unique_name):
    name = unique_name()
    tags = [{"Key": "Env", "Value": "prod"}, {"Key": "Team", "Value": "core"}, {"Key": "Cost", "Value": "42"}]
    client.create_secret(Name=name, SecretString="x", Description="my db password", Tags=tags)
    d = client.describe_secret(SecretId=name)
    assert d["Description"] == "my db password"
    assert d["Tags"] == tags


def test_tags_absent_until_tagged_then_empty_after_untag_all(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    assert "Tags" not in client.describe_secret(SecretId=name)
    client.tag_resource(SecretId=name, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    assert client.describe_secret(SecretId=name)["Tags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    client.untag_resource(SecretId=name, TagKeys=["a", "b"])
    assert client.describe_secret(SecretId=name)["Tags"] == []


def test_describe_shows_deleted_date_while_scheduled(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    before = utcnow()
    client.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    d = client.describe_secret(SecretId=name)
    assert "DeletedDate" in d
    assert before - dt.timedelta(minutes=1) <= d["DeletedDate"] <= utcnow() + dt.timedelta(minutes=1)
    client.restore_secret(SecretId=name)
    assert "DeletedDate" not in client.describe_secret(SecretId=name)


def test_last_changed_date_increases(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    d0 = client.describe_secret(SecretId=name)
    assert d0["LastChangedDate"] >= d0["CreatedDate"]
    client.update_secret(SecretId=name, Description="one")
    d1 = client.describe_secret(SecretId=name)
    client.update_secret(SecretId=name, Description="two")
    d2 = client.describe_secret(SecretId=name)
    assert d0["LastChangedDate"] < d1["LastChangedDate"] < d2["LastChangedDate"]
    client.put_secret_value(SecretId=name, SecretString="y")
    d3 = client.describe_secret(SecretId=name)
    assert d3["LastChangedDate"] > d2["LastChangedDate"]
    assert d3["CreatedDate"] == d0["CreatedDate"]


def test_last_accessed_date_set_by_get(client, unique_name):
    name = unique_name()
    v1, v2 = new_token(), new_token()
    client.create_secret(Name=name, SecretString="x", ClientRequestToken=v1)
    client.put_secret_value(SecretId=name, SecretString="y", ClientRequestToken=v2)
    assert "LastAccessedDate" not in client.describe_secret(SecretId=name)
    assert all("LastAccessedDate" not in v for v in all_versions(client, name))

    client.get_secret_value(SecretId=name)
    d = client.describe_secret(SecretId=name)
    assert "LastAccessedDate" in d
    lad = d["LastAccessedDate"].astimezone(dt.timezone.utc)
    # Day granularity: midnight UTC of today (or of yesterday right after midnight).
    assert (lad.hour, lad.minute, lad.second, lad.microsecond) == (0, 0, 0, 0), lad
    assert utcnow() - dt.timedelta(days=1, minutes=5) <= lad <= utcnow()

    # Only the version that was read carries it.
    versions = {v["VersionId"]: v for v in client.list_secret_version_ids(SecretId=name)["Versions"]}
    assert "LastAccessedDate" in versions[v2]
    assert "LastAccessedDate" not in versions[v1]

    # A second read on the same day keeps the same value.
    client.get_secret_value(SecretId=name)
    assert client.describe_secret(SecretId=name)["LastAccessedDate"] == d["LastAccessedDate"]


# -- ListSecretVersionIds -------------------------------------------------------------


def test_list_secret_version_ids(client, unique_name):
    name = unique_name()
    tokens = [new_token() for _ in range(5)]
    c = client.create_secret(Name=name, SecretString="v0", ClientRequestToken=tokens[0])
    for i, t in enumerate(tokens[1:], start=1):
        client.put_secret_value(SecretId=name, SecretString=f"v{i}", ClientRequestToken=t)

    r = client.list_secret_version_ids(SecretId=name)
    assert payload_keys(r) == {"ARN", "Name", "Versions"}
    assert r["ARN"] == c["ARN"]
    assert r["Name"] == name
    assert {v["VersionId"]: set(v["VersionStages"]) for v in r["Versions"]} == {
        tokens[4]: {"AWSCURRENT"},
        tokens[3]: {"AWSPREVIOUS"},
    }
    for v in r["Versions"]:
        assert isinstance(v["CreatedDate"], dt.datetime)
        assert v["KmsKeyIds"] == ["DefaultEncryptionKey"]

    r = client.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)
    by_id = {v["VersionId"]: v for v in r["Versions"]}
    assert set(by_id) == set(tokens)
    for t in tokens[:3]:
        assert "VersionStages" not in by_id[t], by_id[t]
    created = [by_id[t]["CreatedDate"] for t in tokens]
    assert created == sorted(created)
    assert created[0] < created[-1]


def test_list_secret_version_ids_paging(client, unique_name):
    name = unique_name()
    tokens = [new_token() for _ in range(7)]
    client.create_secret(Name=name, SecretString="0", ClientRequestToken=tokens[0])
    for i, t in enumerate(tokens[1:], start=1):
        client.put_secret_value(SecretId=name, SecretString=str(i), ClientRequestToken=t)

    seen: list[str] = []
    token = None
    pages = 0
    while True:
        args = {"SecretId": name, "IncludeDeprecated": True, "MaxResults": 3}
        if token:
            args["NextToken"] = token
        r = client.list_secret_version_ids(**args)
        pages += 1
        assert len(r["Versions"]) <= 3
        if pages == 1:
            assert "NextToken" in r
        seen.extend(v["VersionId"] for v in r["Versions"])
        token = r.get("NextToken")
        if not token:
            break
        assert pages < 20
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == set(tokens)
    assert pages >= 3


def test_young_deprecated_versions_beyond_100_are_kept(client, unique_name):
    # AWS removes deprecated versions beyond 100 only once they are 24 hours
    # old (tested with a manual clock in strongroom-service's retention.rs).
    name = unique_name()
    tokens = [new_token() for _ in range(106)]
    client.create_secret(Name=name, SecretString="0", ClientRequestToken=tokens[0])
    for i, t in enumerate(tokens[1:], start=1):
        client.put_secret_value(SecretId=name, SecretString=str(i), ClientRequestToken=t)

    versions = all_versions(client, name)
    ids = [v["VersionId"] for v in versions]
    assert len(ids) == len(set(ids)) == 106
    assert set(ids) == set(tokens)
    assert stages_by_version(client, name) == {tokens[105]: {"AWSCURRENT"}, tokens[104]: {"AWSPREVIOUS"}}
    assert client.get_secret_value(SecretId=name, VersionId=tokens[0])["SecretString"] == "0"


# -- ClientRequestToken idempotency ---------------------------------------------------


def test_create_idempotency(client, unique_name):
    name = unique_name()
    token = new_token()
    r1 = client.create_secret(Name=name, SecretString="value", ClientRequestToken=token)
    r2 = client.create_secret(Name=name, SecretString="value", ClientRequestToken=token)
    assert {k: r2[k] for k in ("ARN", "Name", "VersionId")} == {k: r1[k] for k in ("ARN", "Name", "VersionId")}
    assert payload_keys(r2) == payload_keys(r1)
    assert [v["VersionId"] for v in all_versions(client, name)] == [token]

    with expect_error("ResourceExistsException", msg_token_in_use(token, r1["ARN"])):
        client.create_secret(Name=name, SecretString="other value", ClientRequestToken=token)
    with expect_error("ResourceExistsException", msg_secret_exists(name)):
        client.create_secret(Name=name, SecretString="value", ClientRequestToken=new_token())
    # boto3 fills in a fresh token: the normal duplicate-create case.
    with expect_error("ResourceExistsException", msg_secret_exists(name)):
        client.create_secret(Name=name, SecretString="value")
    assert client.get_secret_value(SecretId=name)["SecretString"] == "value"
    assert [v["VersionId"] for v in all_versions(client, name)] == [token]


def test_create_without_value_twice_is_resource_exists(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name)
    with expect_error("ResourceExistsException", msg_secret_exists(name)):
        client.create_secret(Name=name)


def test_put_idempotency(client, unique_name):
    name = unique_name()
    arn = client.create_secret(Name=name, SecretString="v0")["ARN"]
    token = new_token()
    p1 = client.put_secret_value(SecretId=name, SecretString="v1", ClientRequestToken=token)
    p2 = client.put_secret_value(SecretId=name, SecretString="v1", ClientRequestToken=token)
    assert p1["VersionId"] == p2["VersionId"] == token
    assert p2["VersionStages"] == ["AWSCURRENT"]
    assert len(all_versions(client, name)) == 2
    assert stages_by_version(client, name)[token] == {"AWSCURRENT"}

    with expect_error("ResourceExistsException", msg_token_in_use(token, arn)):
        client.put_secret_value(SecretId=name, SecretString="different", ClientRequestToken=token)
    with expect_error("ResourceExistsException", msg_token_in_use(token, arn)):
        client.put_secret_value(SecretId=name, SecretBinary=b"v1", ClientRequestToken=token)
    assert client.get_secret_value(SecretId=name)["SecretString"] == "v1"
    assert len(all_versions(client, name)) == 2


def test_update_idempotency(client, unique_name):
    name = unique_name()
    arn = client.create_secret(Name=name, SecretString="v0")["ARN"]
    token = new_token()
    u1 = client.update_secret(SecretId=name, SecretString="v1", ClientRequestToken=token)
    u2 = client.update_secret(SecretId=name, SecretString="v1", ClientRequestToken=token)
    assert u1["VersionId"] == u2["VersionId"] == token
    assert len(all_versions(client, name)) == 2
    with expect_error("ResourceExistsException", msg_token_in_use(token, arn)):
        client.update_secret(SecretId=name, SecretString="v2", ClientRequestToken=token)
    assert client.get_secret_value(SecretId=name)["SecretString"] == "v1"


# -- delete / restore ---------------------------------------------------------------


def test_delete_default_window_and_restore(client, unique_name):
    name = unique_name()
    arn = client.create_secret(Name=name, SecretString="keep me")["ARN"]
    r = client.delete_secret(SecretId=name)
    assert payload_keys(r) == {"ARN", "Name", "DeletionDate"}
    assert r["ARN"] == arn
    assert r["Name"] == name
    assert abs(r["DeletionDate"] - (utcnow() + dt.timedelta(days=30))) < dt.timedelta(hours=1)

    with expect_error("InvalidRequestException", MSG_MARKED_FOR_DELETION):
        client.get_secret_value(SecretId=name)

    rr = client.restore_secret(SecretId=name)
    assert payload_keys(rr) == {"ARN", "Name"}
    assert rr["ARN"] == arn
    assert client.get_secret_value(SecretId=name)["SecretString"] == "keep me"
    assert "DeletedDate" not in client.describe_secret(SecretId=name)


def test_delete_with_recovery_window(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    r = client.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    assert abs(r["DeletionDate"] - (utcnow() + dt.timedelta(days=7))) < dt.timedelta(hours=1)
    client.restore_secret(SecretId=name)
    r = client.delete_secret(SecretId=name, RecoveryWindowInDays=30)
    assert abs(r["DeletionDate"] - (utcnow() + dt.timedelta(days=30))) < dt.timedelta(hours=1)


@pytest.mark.parametrize("days", [0, 6, 31])
def test_recovery_window_out_of_range(client, unique_name, days):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    with expect_error("InvalidParameterException", MSG_RECOVERY_WINDOW):
        client.delete_secret(SecretId=name, RecoveryWindowInDays=days)
    assert "DeletedDate" not in client.describe_secret(SecretId=name)


def test_force_with_window_is_rejected(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    with expect_error("InvalidParameterException", MSG_FORCE_WITH_WINDOW):
        client.delete_secret(SecretId=name, RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True)
    assert client.get_secret_value(SecretId=name)["SecretString"] == "x"


def test_double_delete_and_force_after_schedule(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    client.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    with expect_error("InvalidRequestException", MSG_ALREADY_MARKED_DELETED):
        client.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    with expect_error("InvalidRequestException", MSG_ALREADY_MARKED_DELETED):
        client.delete_secret(SecretId=name)
    # Force on a secret already scheduled is allowed and removes it at once.
    r = client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert r["Name"] == name
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.describe_secret(SecretId=name)
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.restore_secret(SecretId=name)


def test_force_delete_removes_at_once(client, unique_name):
    name = unique_name()
    arn = client.create_secret(Name=name, SecretString="x")["ARN"]
    r = client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert payload_keys(r) == {"ARN", "Name", "DeletionDate"}
    assert r["ARN"] == arn
    assert abs(r["DeletionDate"] - utcnow()) < dt.timedelta(minutes=5)
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.get_secret_value(SecretId=name)
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.describe_secret(SecretId=name)


def test_force_delete_of_unknown_secret_succeeds(client, unique_name):
    name = unique_name()
    r = client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert r["Name"] == name
    assert "ARN" in r and "DeletionDate" in r


def test_delete_unknown_secret_without_force(client, unique_name):
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.delete_secret(SecretId=unique_name())
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.restore_secret(SecretId=unique_name())


def test_create_name_scheduled_for_deletion(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="x")
    client.delete_secret(SecretId=name)
    with expect_error("InvalidRequestException", MSG_NAME_SCHEDULED_FOR_DELETION):
        client.create_secret(Name=name, SecretString="y")
    with expect_error("InvalidRequestException", MSG_NAME_SCHEDULED_FOR_DELETION):
        client.create_secret(Name=name)


def test_operations_on_scheduled_secret(client, unique_name):
    name = unique_name()
    v1 = new_token()
    client.create_secret(Name=name, SecretString="x", ClientRequestToken=v1, Tags=[{"Key": "k", "Value": "v"}])
    client.delete_secret(SecretId=name, RecoveryWindowInDays=7)

    calls = {
        "GetSecretValue": lambda: client.get_secret_value(SecretId=name),
        "GetSecretValue(VersionId)": lambda: client.get_secret_value(SecretId=name, VersionId=v1),
        "PutSecretValue": lambda: client.put_secret_value(SecretId=name, SecretString="y"),
        "UpdateSecret(value)": lambda: client.update_secret(SecretId=name, SecretString="y"),
        "UpdateSecret(description)": lambda: client.update_secret(SecretId=name, Description="d"),
        "TagResource": lambda: client.tag_resource(SecretId=name, Tags=[{"Key": "a", "Value": "b"}]),
        "UntagResource": lambda: client.untag_resource(SecretId=name, TagKeys=["k"]),
    }
    for op, call in calls.items():
        with expect_error("InvalidRequestException", MSG_MARKED_FOR_DELETION):
            call()

    # Describe still works and nothing changed.
    d = client.describe_secret(SecretId=name)
    assert "DeletedDate" in d
    assert d["Tags"] == [{"Key": "k", "Value": "v"}]
    assert "Description" not in d
    assert [v["VersionId"] for v in all_versions(client, name)] == [v1]

    client.restore_secret(SecretId=name)
    assert client.get_secret_value(SecretId=name)["SecretString"] == "x"
