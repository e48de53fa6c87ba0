"""The built-in rotators, named by reserved RotationLambdaARNs: a random
password into a JSON field, and PostgreSQL single-user and alternating-users
rotation against a real PostgreSQL (conftest's `postgres`: `scripts/postgres.sh`,
which installs Debian's postgresql package when there is none).
No Lambda endpoint is configured: the server runs these functions itself.
"""

from __future__ import annotations

import json
import socket
import string
import time
from typing import Any, Iterator

import psycopg
import pytest

from support import ACCOUNT_ID, Server, create_role, db_secret, logs_in, make_client, new_token, superuser

RANDOM_PASSWORD = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:strongroom.builtin.random-password"
SINGLE_USER = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:strongroom.builtin.postgresql-single-user"
# any region and account name the same built-in
ALTERNATING_USERS = "arn:aws:lambda:eu-west-1:111122223333:function:strongroom.builtin.postgresql-alternating-users"
TAG = "strongroom:rotation:"


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory, postgres: dict[str, str]) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("builtin-rotators")
    server = Server(
        base / "data",
        log_path=base / "stderr.log",
        # the test PostgreSQL's CA, for the rotators' TLS connections
        env={"SSL_CERT_FILE": postgres["PG_CA_FILE"]},
        extra_args=["--rotation-retry-secs", "1", "--rotation-interval-secs", "1", "--rotation-invoke-timeout-secs", "20"],
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def sm(srv: Server) -> Any:
    return srv.client()


def wait_for(condition, what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = condition()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stages(sm: Any, secret: str) -> dict[str, list[str]]:
    return sm.describe_secret(SecretId=secret).get("VersionIdsToStages", {})


def rotate(sm: Any, secret: str, function: str) -> str:
    """Rotates `secret` with `function` and waits for it to succeed."""
    token = new_token()
    sm.rotate_secret(SecretId=secret, RotationLambdaARN=function, ClientRequestToken=token)
    wait_for(lambda: stages(sm, secret).get(token) == ["AWSCURRENT"], f"rotation {token} of {secret}")
    return token


def rotation_records(srv: Server, arn: str) -> list[dict]:
    """The trail's rotation events for `arn`, oldest first."""
    ct = make_client(srv.endpoint or "", region="us-east-1", access_key=srv.access_key or "",
                     secret_key=srv.secret_key or "", service="cloudtrail")
    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": arn}])["Events"]
    return [json.loads(e["CloudTrailEvent"]) for e in reversed(events) if e["EventName"].startswith("Rotation")]


def first_failure(srv: Server, arn: str) -> dict:
    return wait_for(lambda: next((r for r in rotation_records(srv, arn) if r["eventName"] == "RotationFailed"), None),
                    "RotationFailed")


# -- random password ---------------------------------------------------------


def test_random_password_replaces_the_field_and_keeps_the_others(sm: Any, srv: Server, unique_name) -> None:
    name = unique_name()
    first = new_token()
    arn = sm.create_secret(Name=name, ClientRequestToken=first,
                           SecretString=json.dumps({"username": "app", "password": "old", "port": 5432}))["ARN"]
    token = rotate(sm, name, RANDOM_PASSWORD)
    value = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    assert value["username"] == "app" and value["port"] == 5432 and set(value) == {"username", "password", "port"}
    assert value["password"] != "old" and len(value["password"]) == 32
    assert stages(sm, name) == {first: ["AWSPREVIOUS"], token: ["AWSCURRENT"]}
    records = rotation_records(srv, arn)
    assert [r["eventName"] for r in records] == ["RotationStarted", "RotationSucceeded"]
    assert all(r["userIdentity"]["invokedBy"] == "secretsmanager.amazonaws.com" for r in records)
    described = sm.describe_secret(SecretId=name)
    assert described["RotationEnabled"] and described["RotationLambdaARN"] == RANDOM_PASSWORD


def test_random_password_honours_the_options_in_tags(sm: Any, unique_name) -> None:
    name = unique_name()
    sm.create_secret(Name=name, SecretString=json.dumps({"password": "keep", "apiKey": "old"}), Tags=[
        {"Key": TAG + "Field", "Value": "apiKey"},
        {"Key": TAG + "PasswordLength", "Value": "12"},
        {"Key": TAG + "ExcludePunctuation", "Value": "true"},
        {"Key": TAG + "ExcludeUppercase", "Value": "true"},
        {"Key": TAG + "ExcludeCharacters", "Value": "abcdefghij0123"},
    ])
    rotate(sm, name, RANDOM_PASSWORD)
    value = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    assert value["password"] == "keep"
    key = value["apiKey"]
    assert len(key) == 12, key
    allowed = set(string.ascii_lowercase + string.digits) - set("abcdefghij0123")
    assert set(key) <= allowed, key
    # RequireEachIncludedType (default true): a lowercase letter and a digit
    assert any(c.isdigit() for c in key) and any(c.islower() for c in key), key


@pytest.mark.parametrize(
    ("value", "tags", "message"),
    [
        ("not json", [], "createSecret failed: the AWSCURRENT value is not a JSON object"),
        (json.dumps(["a", "list"]), [], "createSecret failed: the AWSCURRENT value is not a JSON object"),
        (json.dumps({"password": "x"}), [{"Key": TAG + "PasswordLength", "Value": "many"}],
         'createSecret failed: tag "strongroom:rotation:PasswordLength" has a value that is not a valid option ("many")'),
        (json.dumps({"password": "x"}), [{"Key": TAG + "ExcludeLowercase", "Value": "true"},
                                         {"Key": TAG + "ExcludeUppercase", "Value": "true"},
                                         {"Key": TAG + "ExcludeNumbers", "Value": "true"},
                                         {"Key": TAG + "ExcludePunctuation", "Value": "true"}],
         "createSecret failed: the password options cannot be met"),
    ],
    ids=["not-json", "json-not-an-object", "bad-option", "empty-character-set"],
)
def test_random_password_failures_are_failed_steps_with_a_message(
    sm: Any, srv: Server, unique_name, value: str, tags: list, message: str
) -> None:
    name = unique_name()
    first = new_token()
    arn = sm.create_secret(Name=name, ClientRequestToken=first, SecretString=value, **({"Tags": tags} if tags else {}))["ARN"]
    token = new_token()
    sm.rotate_secret(SecretId=name, RotationLambdaARN=RANDOM_PASSWORD, ClientRequestToken=token)
    record = first_failure(srv, arn)
    assert record["errorMessage"].startswith(message), record["errorMessage"]
    sm.cancel_rotate_secret(SecretId=name)
    assert stages(sm, name) == {first: ["AWSCURRENT"], token: ["AWSPENDING"]}
    assert sm.get_secret_value(SecretId=name)["SecretString"] == value


# -- PostgreSQL ----------------------------------------------------------------


def test_postgresql_single_user_the_new_password_logs_in_and_the_old_does_not(
    sm: Any, srv: Server, postgres: dict[str, str], unique_name
) -> None:
    # quotes and a space in the role name: the ALTER must quote it
    user = f'app "{unique_name()[-12:]}" single'
    create_role(postgres, user, "initial-password")
    name = unique_name()
    arn = sm.create_secret(Name=name, SecretString=db_secret(postgres, user, "initial-password"))["ARN"]
    assert logs_in(postgres, user, "initial-password")
    rotate(sm, name, SINGLE_USER)
    new = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    assert new["username"] == user and new["password"] != "initial-password"
    assert not set(new["password"]) & set("/@\"'\\"), "the database default ExcludeCharacters"
    assert logs_in(postgres, user, new["password"])
    assert not logs_in(postgres, user, "initial-password")
    # and again, from the rotated credentials
    rotate(sm, name, SINGLE_USER)
    newer = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    assert logs_in(postgres, user, newer["password"])
    assert not logs_in(postgres, user, new["password"])
    assert [r["eventName"] for r in rotation_records(srv, arn)] == ["RotationStarted", "RotationSucceeded"] * 2


def test_postgresql_alternating_users_the_previous_user_logs_in_for_one_cycle(
    sm: Any, postgres: dict[str, str], unique_name
) -> None:
    suffix = unique_name()[-12:]
    user, table = f"app_{suffix}", f"data_{suffix}"
    create_role(postgres, user, "p0-initial")
    with superuser(postgres) as conn:
        conn.execute(f'CREATE TABLE "{table}" (n int)')
        conn.execute(f'INSERT INTO "{table}" VALUES (7)')
        conn.execute(f'GRANT SELECT ON "{table}" TO "{user}"')
    master = sm.create_secret(Name=unique_name("master"),
                              SecretString=db_secret(postgres, postgres["PGUSER"], postgres["PGPASSWORD"]))["ARN"]
    name = unique_name()
    sm.create_secret(Name=name, SecretString=db_secret(postgres, user, "p0-initial", masterarn=master))

    rotate(sm, name, ALTERNATING_USERS)
    first = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    previous = json.loads(sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"])
    assert first["username"] == f"{user}_clone" and first["masterarn"] == master
    assert logs_in(postgres, first["username"], first["password"])
    assert (previous["username"], previous["password"]) == (user, "p0-initial")
    assert logs_in(postgres, user, "p0-initial"), "the previous user still logs in for one cycle"
    # the clone has the user's rights
    with psycopg.connect(host=postgres["PGHOST"], port=int(postgres["PGPORT"]), user=first["username"],
                         password=first["password"], dbname="postgres") as conn:
        assert conn.execute(f'SELECT n FROM "{table}"').fetchone() == (7,)

    rotate(sm, name, ALTERNATING_USERS)
    second = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    assert second["username"] == user
    assert logs_in(postgres, user, second["password"])
    assert not logs_in(postgres, user, "p0-initial"), "two cycles on, the first password is gone"
    assert logs_in(postgres, first["username"], first["password"]), "the previous (clone) still logs in"


@pytest.mark.parametrize("ssl", [True, "true", None], ids=["ssl-true", "ssl-string", "ssl-absent"])
def test_postgresql_over_tls(sm: Any, postgres: dict[str, str], unique_name, ssl: Any) -> None:
    """A tls_only user logs in over TLS only: `ssl: true` requires it (the
    certificate checked against SSL_CERT_FILE), and without `ssl` TLS is
    tried first, as AWS's functions do."""
    user = f"tls_{unique_name()[-12:]}"
    create_role(postgres, user, "initial-password")
    with superuser(postgres) as conn:
        conn.execute(f'GRANT tls_only TO "{user}"')
    extra = {} if ssl is None else {"ssl": ssl}
    name = unique_name()
    sm.create_secret(Name=name, SecretString=db_secret(postgres, user, "initial-password", **extra))
    rotate(sm, name, SINGLE_USER)
    new = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    assert logs_in(postgres, user, new["password"])
    assert not logs_in(postgres, user, "initial-password")


def test_postgresql_ssl_false_never_uses_tls(sm: Any, srv: Server, postgres: dict[str, str], unique_name) -> None:
    user = f"tls_{unique_name()[-12:]}"
    create_role(postgres, user, "initial-password")
    with superuser(postgres) as conn:
        conn.execute(f'GRANT tls_only TO "{user}"')
    name, first = unique_name(), new_token()
    arn = sm.create_secret(Name=name, ClientRequestToken=first,
                           SecretString=db_secret(postgres, user, "initial-password", ssl=False))["ARN"]
    sm.rotate_secret(SecretId=name, RotationLambdaARN=SINGLE_USER, ClientRequestToken=new_token())
    record = first_failure(srv, arn)
    assert "no encryption" in record["errorMessage"], record["errorMessage"]
    sm.cancel_rotate_secret(SecretId=name)
    assert stages(sm, name)[first] == ["AWSCURRENT"]
    assert logs_in(postgres, user, "initial-password")


def test_a_test_only_rotation_logs_in_with_awscurrent_and_changes_nothing(
    sm: Any, srv: Server, postgres: dict[str, str], unique_name
) -> None:
    user = f"app_{unique_name()[-12:]}"
    create_role(postgres, user, "initial-password")
    name, first = unique_name(), new_token()
    value = db_secret(postgres, user, "initial-password")
    arn = sm.create_secret(Name=name, ClientRequestToken=first, SecretString=value)["ARN"]
    sm.rotate_secret(SecretId=name, RotationLambdaARN=SINGLE_USER, ClientRequestToken=new_token(),
                     RotateImmediately=False)
    wait_for(lambda: [r["eventName"] for r in rotation_records(srv, arn)] == ["RotationStarted", "RotationSucceeded"],
             "the test-only run")
    assert stages(sm, name) == {first: ["AWSCURRENT"]}
    assert sm.get_secret_value(SecretId=name)["SecretString"] == value
    assert logs_in(postgres, user, "initial-password")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("failure", ["database-down", "wrong-password"])
def test_postgresql_failures_leave_awscurrent(
    sm: Any, srv: Server, postgres: dict[str, str], unique_name, failure: str
) -> None:
    user = f"app_{unique_name()[-12:]}"
    create_role(postgres, user, "right-password")
    pg = dict(postgres, PGPORT=str(closed_port())) if failure == "database-down" else postgres
    password = "right-password" if failure == "database-down" else "wrong-password"
    value = db_secret(pg, user, password)
    name, first, token = unique_name(), new_token(), new_token()
    arn = sm.create_secret(Name=name, ClientRequestToken=first, SecretString=value)["ARN"]
    sm.rotate_secret(SecretId=name, RotationLambdaARN=SINGLE_USER, ClientRequestToken=token)
    record = first_failure(srv, arn)
    assert record["errorMessage"].startswith("setSecret failed: cannot log in to 127.0.0.1:"), record["errorMessage"]
    expected = "Connection refused" if failure == "database-down" else "password authentication failed"
    assert expected in record["errorMessage"], record["errorMessage"]
    assert "right-password" not in json.dumps(record) and "wrong-password" not in json.dumps(record)
    sm.cancel_rotate_secret(SecretId=name)
    assert stages(sm, name)[first] == ["AWSCURRENT"]
    assert stages(sm, name)[token] == ["AWSPENDING"]
    assert sm.get_secret_value(SecretId=name)["SecretString"] == value
    assert logs_in(postgres, user, "right-password"), "the database user was not changed"


def test_a_resource_policy_can_deny_the_rotator(sm: Any, srv: Server, unique_name) -> None:
    """The rotator acts with its own role, subject to the secret's policy."""
    name = unique_name()
    first = new_token()
    arn = sm.create_secret(Name=name, ClientRequestToken=first, SecretString=json.dumps({"password": "x"}))["ARN"]
    sm.put_resource_policy(SecretId=name, ResourcePolicy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:PutSecretValue", "Resource": "*",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/strongroom-builtin-rotator"}},
        }],
    }))
    sm.rotate_secret(SecretId=name, RotationLambdaARN=RANDOM_PASSWORD, ClientRequestToken=new_token())
    record = first_failure(srv, arn)
    assert record["errorMessage"].startswith("createSecret failed: putting the new value:"), record["errorMessage"]
    assert "not authorized" in record["errorMessage"], record["errorMessage"]
    sm.cancel_rotate_secret(SecretId=name)
    assert stages(sm, name)[first] == ["AWSCURRENT"]
