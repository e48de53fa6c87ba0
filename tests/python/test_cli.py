"""The AWS CLI, unchanged, against the server."""

from __future__ import annotations

import base64
import re

import pytest

from support import CliError


def test_cli_secret_lifecycle(aws_cli, server, unique_name, tmp_path):
    name = unique_name("cli")
    created = aws_cli(
        "create-secret", "--name", name, "--secret-string", '{"user":"cli","pass":"p@ss"}', "--description", "from the cli"
    )
    assert created["Name"] == name
    assert re.match(rf"^arn:aws:secretsmanager:us-east-1:{server.account_id}:secret:{re.escape(name)}-[A-Za-z0-9]{{6}}$", created["ARN"])
    assert created["VersionId"]

    got = aws_cli("get-secret-value", "--secret-id", name)
    assert got["SecretString"] == '{"user":"cli","pass":"p@ss"}'
    assert got["VersionId"] == created["VersionId"]
    assert got["VersionStages"] == ["AWSCURRENT"]

    put = aws_cli("put-secret-value", "--secret-id", created["ARN"], "--secret-string", "second")
    assert put["VersionStages"] == ["AWSCURRENT"]
    assert aws_cli("get-secret-value", "--secret-id", name, "--version-stage", "AWSPREVIOUS")["SecretString"].startswith("{")

    listed = aws_cli("list-secrets", "--filters", f"Key=name,Values={name}")
    assert [s["Name"] for s in listed["SecretList"]] == [name]
    assert listed["SecretList"][0]["Description"] == "from the cli"

    described = aws_cli("describe-secret", "--secret-id", name)
    assert set(described["VersionIdsToStages"]) == {created["VersionId"], put["VersionId"]}

    deleted = aws_cli("delete-secret", "--secret-id", name, "--force-delete-without-recovery")
    assert deleted["Name"] == name
    assert deleted["ARN"] == created["ARN"]
    with pytest.raises(CliError) as e:
        aws_cli("get-secret-value", "--secret-id", name)
    assert "ResourceNotFoundException" in e.value.stderr


def test_cli_binary_secret(aws_cli, unique_name, tmp_path):
    name = unique_name("clibin")
    value = b"\x00\xff\xfe cli binary \x80"
    path = tmp_path / "secret.bin"
    path.write_bytes(value)
    aws_cli("create-secret", "--name", name, "--secret-binary", f"fileb://{path}")
    got = aws_cli("get-secret-value", "--secret-id", name)
    assert base64.b64decode(got["SecretBinary"]) == value
    assert "SecretString" not in got


def test_cli_errors_carry_aws_codes(aws_cli, unique_name):
    name = unique_name("clierr")
    aws_cli("create-secret", "--name", name, "--secret-string", "x")
    with pytest.raises(CliError) as e:
        aws_cli("create-secret", "--name", name, "--secret-string", "x")
    assert "ResourceExistsException" in e.value.stderr
    with pytest.raises(CliError) as e:
        aws_cli("describe-secret", "--secret-id", "bad name")
    assert "ValidationException" in e.value.stderr


def test_cli_get_random_password(aws_cli):
    r = aws_cli("get-random-password", "--password-length", "20", "--exclude-punctuation")
    p = r["RandomPassword"]
    assert len(p) == 20
    assert p.isalnum()
