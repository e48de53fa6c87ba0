"""Version retention as AWS keeps it: no version younger than 24 hours is
removed, so a burst of PutSecretValue keeps every value it acknowledged; and
a per-secret cap (`--max-versions-per-secret`) answers LimitExceededException
instead of letting a secret grow without bound. (Removal after 24 hours is
tested with a manual clock in crates/strongroom-service/tests/retention.rs.)"""

from __future__ import annotations

import uuid

from support import expect_error


def all_versions(client, name: str) -> list[dict]:
    out, kw = [], {"SecretId": name, "IncludeDeprecated": True, "MaxResults": 100}
    while True:
        page = client.list_secret_version_ids(**kw)
        out.extend(page["Versions"])
        if "NextToken" not in page:
            return out
        kw["NextToken"] = page["NextToken"]


def test_a_burst_of_150_puts_keeps_all_150_readable(client, unique_name):
    name = unique_name()
    client.create_secret(Name=name)
    tokens = [str(uuid.uuid4()) for _ in range(150)]
    for i, token in enumerate(tokens):
        client.put_secret_value(SecretId=name, SecretString=f"value {i}", ClientRequestToken=token)
    assert {v["VersionId"] for v in all_versions(client, name)} == set(tokens)
    for i, token in enumerate(tokens):
        got = client.get_secret_value(SecretId=name, VersionId=token)
        assert got["SecretString"] == f"value {i}"
    assert client.get_secret_value(SecretId=name)["VersionId"] == tokens[-1]


def test_the_version_cap_answers_limit_exceeded(make_server):
    srv = make_server(extra_args=["--max-versions-per-secret", "101"])
    client = srv.client()
    client.create_secret(Name="capped", SecretString="value 0", ClientRequestToken=str(uuid.uuid4()))
    for i in range(1, 101):
        client.put_secret_value(SecretId="capped", SecretString=f"value {i}", ClientRequestToken=str(uuid.uuid4()))
    assert len(all_versions(client, "capped")) == 101

    refused = str(uuid.uuid4())
    with expect_error("LimitExceededException") as e:
        client.put_secret_value(SecretId="capped", SecretString="one too many", ClientRequestToken=refused)
    assert "101 versions" in e.value.response["Error"]["Message"]
    with expect_error("LimitExceededException"):
        client.update_secret(SecretId="capped", SecretString="one too many", ClientRequestToken=refused)
    # Nothing changed: the last accepted value is still current.
    assert client.get_secret_value(SecretId="capped")["SecretString"] == "value 100"
    assert len(all_versions(client, "capped")) == 101
    with expect_error("ResourceNotFoundException"):
        client.get_secret_value(SecretId="capped", VersionId=refused)
    # A change that makes no version is still allowed.
    client.update_secret(SecretId="capped", Description="still writable")
