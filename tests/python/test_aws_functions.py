"""AWS's published rotation functions, unchanged, rotating Strongroom's secrets.

The files under aws_functions/ are AWS's own (see its README). The Invoke API
server here imports each as a module and calls its `lambda_handler(event,
context)`; the function builds its boto3 client as it does in Lambda, from
the environment: `SECRETS_MANAGER_ENDPOINT` (which AWS's functions pass as
`endpoint_url`), the AWS_* credentials and the region.

SecretsManagerRotationTemplate's setSecret and testSecret are placeholders
that raise NotImplementedError, for the user to fill in. So the template as
published rotates nothing: its createSecret works and its setSecret fails.
Filled in (its two module functions replaced here, the file untouched), it
rotates end to end.

SecretsManagerRDSPostgreSQLRotationSingleUser rotates a database user's
password on conftest's throwaway PostgreSQL, as published. It imports
PyGreSQL (`pg`, `pgdb`), which pip builds from source (see
scripts/python-build-deps.sh); it is loaded only by its own tests.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import string
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import boto3
import pytest

from support import (
    ACCOUNT_ID,
    REGION,
    Answer,
    Invocation,
    InvokeServer,
    Server,
    create_role,
    db_secret,
    logs_in,
    new_token,
    rotation_events,
    run_function,
    stages,
    wait_for,
)

FUNCTIONS_DIR = Path(__file__).resolve().parent / "aws_functions"
FUNCTION_PREFIX = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:"
# the template's default EXCLUDE_CHARACTERS
EXCLUDED = set("/@\"'\\")


def load_function(name: str, module_name: str) -> ModuleType:
    """A fresh module object of aws_functions/<name>/lambda_function.py."""
    spec = importlib.util.spec_from_file_location(module_name, FUNCTIONS_DIR / name / "lambda_function.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class AwsFunctions(InvokeServer):
    """The Invoke API for `template` (as published), `template-filled` (its
    setSecret and testSecret placeholders filled in) and, once the
    `postgresql_function` fixture has loaded it, `postgresql-single-user`."""

    def __init__(self) -> None:
        super().__init__()
        self.template = load_function("SecretsManagerRotationTemplate", "aws_template")
        self.filled = load_function("SecretsManagerRotationTemplate", "aws_template_filled")
        self.modules = {"template": self.template, "template-filled": self.filled}
        # what the filled-in placeholders saw: (step, secret ARN, token, AWSPENDING value)
        self.placeholder_calls: list[tuple[str, str, str, str]] = []
        # the error payload of every failed step: (secret ARN, step, payload)
        self.failures: list[tuple[str, str, Any]] = []
        self.filled.set_secret = lambda client, arn, token: self.placeholder("setSecret", client, arn, token)
        self.filled.test_secret = lambda client, arn, token: self.placeholder("testSecret", client, arn, token)

    def placeholder(self, step: str, client: Any, arn: str, token: str) -> None:
        """A filled-in step: reads AWSPENDING with the function's own client."""
        pending = client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")["SecretString"]
        with self.lock:
            self.placeholder_calls.append((step, arn, token, pending))

    def function_of(self, name: str) -> str:
        return name.removeprefix(FUNCTION_PREFIX)

    def serve(self, invocation: Invocation) -> Answer:
        with self.lock:
            module = self.modules.get(self.function_of(invocation.name))
        if module is None:
            return Answer(404, {"Type": "User", "Message": f"Function not found: {invocation.name}"})
        if invocation.kind == "DryRun":
            return Answer(204)
        answer = run_function(lambda event: module.lambda_handler(event, None), invocation.event)
        if answer.function_error:
            with self.lock:
                self.failures.append((invocation.event.get("SecretId"), invocation.event.get("Step"), answer.payload))
        return answer


@pytest.fixture(scope="module")
def functions() -> Iterator[AwsFunctions]:
    f = AwsFunctions()
    try:
        yield f
    finally:
        f.stop()


@pytest.fixture(scope="module")
def postgresql_function(functions: AwsFunctions) -> str:
    """Loads AWS's PostgreSQL single-user function; its RotationLambdaARN."""
    module = load_function("SecretsManagerRDSPostgreSQLRotationSingleUser", "aws_postgresql_single_user")
    with functions.lock:
        functions.modules["postgresql-single-user"] = module
    return FUNCTION_PREFIX + "postgresql-single-user"


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory, functions: AwsFunctions) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("aws-functions")
    server = Server(
        base / "data",
        log_path=base / "stderr.log",
        extra_args=["--lambda-endpoint", functions.endpoint, "--rotation-interval-secs", "1",
                    "--rotation-retry-secs", "1", "--rotation-invoke-timeout-secs", "20"],
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def lambda_environment(srv: Server) -> Iterator[None]:
    """The environment Lambda gives the functions, with Strongroom as the
    endpoint; boto3's default session is made anew from it."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
            mp.delenv(name, raising=False)
        mp.setenv("SECRETS_MANAGER_ENDPOINT", srv.endpoint or "")
        mp.setenv("AWS_ACCESS_KEY_ID", srv.access_key or "")
        mp.setenv("AWS_SECRET_ACCESS_KEY", srv.secret_key or "")
        mp.setenv("AWS_REGION", REGION)
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        mp.setenv("AWS_CONFIG_FILE", "/nonexistent")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        mp.setattr(boto3, "DEFAULT_SESSION", None)
        yield


@pytest.fixture(scope="module")
def sm(srv: Server, lambda_environment: None) -> Any:
    return srv.client()


def test_the_template_as_published_creates_the_pending_secret_and_stops_at_its_set_secret_placeholder(
    sm: Any, srv: Server, functions: AwsFunctions, unique_name
) -> None:
    name = unique_name()
    first = new_token()
    arn = sm.create_secret(Name=name, SecretString="initial", ClientRequestToken=first)["ARN"]
    token = new_token()
    sm.rotate_secret(SecretId=name, ClientRequestToken=token, RotationLambdaARN=FUNCTION_PREFIX + "template")
    wait_for(lambda: "RotationFailed" in rotation_events(srv, arn), "the failed setSecret")
    assert functions.steps_for(arn)[:2] == [("template", "createSecret"), ("template", "setSecret")]
    # createSecret put GetRandomPassword's value (the template's ExcludeCharacters) under AWSPENDING
    pending = sm.get_secret_value(SecretId=name, VersionId=token, VersionStage="AWSPENDING")["SecretString"]
    assert len(pending) == 32 and not EXCLUDED & set(pending), pending
    # setSecret raised NotImplementedError: AWSCURRENT is untouched
    with functions.lock:
        failures = [(step, payload["errorType"]) for secret, step, payload in functions.failures if secret == arn]
    assert failures and all(f == ("setSecret", "NotImplementedError") for f in failures), failures
    sm.cancel_rotate_secret(SecretId=name)
    assert stages(sm, name) == {first: ["AWSCURRENT"], token: ["AWSPENDING"]}
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "initial"
    assert all(step in ("createSecret", "setSecret") for _, step in functions.steps_for(arn))


def test_the_template_filled_in_rotates_a_secret_end_to_end(
    sm: Any, srv: Server, functions: AwsFunctions, unique_name
) -> None:
    name = unique_name()
    first = new_token()
    arn = sm.create_secret(Name=name, SecretString="initial", ClientRequestToken=first)["ARN"]
    token = new_token()
    sm.rotate_secret(SecretId=name, ClientRequestToken=token, RotationLambdaARN=FUNCTION_PREFIX + "template-filled",
                     RotationRules={"AutomaticallyAfterDays": 30})
    wait_for(lambda: stages(sm, name).get(token) == ["AWSCURRENT"], "the new version to become AWSCURRENT")
    assert stages(sm, name) == {first: ["AWSPREVIOUS"], token: ["AWSCURRENT"]}
    steps = ("createSecret", "setSecret", "testSecret", "finishSecret")
    assert functions.steps_for(arn) == [("template-filled", s) for s in steps]
    value = sm.get_secret_value(SecretId=name)
    assert value["VersionId"] == token
    new = value["SecretString"]
    assert len(new) == 32 and not EXCLUDED & set(new) and set(new) <= set(string.printable), new
    # the placeholders ran between createSecret and finishSecret, reading AWSPENDING through the function's client
    with functions.lock:
        calls = [c for c in functions.placeholder_calls if c[1] == arn]
    assert calls == [("setSecret", arn, token, new), ("testSecret", arn, token, new)]
    wait_for(lambda: rotation_events(srv, arn) == ["RotationStarted", "RotationSucceeded"], "the trail's events")

    # a second rotation: the function's finishSecret moves AWSCURRENT on again
    again = new_token()
    sm.rotate_secret(SecretId=name, ClientRequestToken=again)
    wait_for(lambda: stages(sm, name).get(again) == ["AWSCURRENT"], "the second rotation")
    s = stages(sm, name)
    assert (s[token], s[again]) == (["AWSPREVIOUS"], ["AWSCURRENT"])
    assert sm.get_secret_value(SecretId=name)["SecretString"] != new


# The secrets below have no `ssl` key, so AWS's function first tries TLS with
# sslmode=verify-full against /etc/pki/tls/cert.pem (Amazon Linux's CA bundle):
# absent on Debian, and not the test PostgreSQL's CA anyway, so that attempt
# fails and the function falls back to plain TCP, as it does in AWS.


def test_the_postgresql_function_rotates_a_database_password(
    sm: Any, srv: Server, functions: AwsFunctions, postgresql_function: str, postgres: dict[str, str], unique_name,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    name = unique_name()
    user = name.replace("-", "_")
    create_role(postgres, user, "initial-password")
    first = new_token()
    arn = sm.create_secret(Name=name, ClientRequestToken=first,
                           SecretString=db_secret(postgres, user, "initial-password"))["ARN"]
    token = new_token()
    sm.rotate_secret(SecretId=name, ClientRequestToken=token, RotationLambdaARN=postgresql_function)
    wait_for(lambda: stages(sm, name).get(token) == ["AWSCURRENT"], "the new password to become AWSCURRENT", 60)
    assert stages(sm, name) == {first: ["AWSPREVIOUS"], token: ["AWSCURRENT"]}
    steps = ("createSecret", "setSecret", "testSecret", "finishSecret")
    assert functions.steps_for(arn) == [("postgresql-single-user", s) for s in steps]

    new = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    old = json.loads(sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"])
    assert old["password"] == "initial-password"
    # only the password changed: GetRandomPassword's, with the function's default exclusions
    assert {k: v for k, v in new.items() if k != "password"} == {k: v for k, v in old.items() if k != "password"}
    assert len(new["password"]) == 32 and not set(':/@"\'\\') & set(new["password"]), new["password"]
    assert logs_in(postgres, user, new["password"])
    assert not logs_in(postgres, user, "initial-password")
    wait_for(lambda: rotation_events(srv, arn) == ["RotationStarted", "RotationSucceeded"], "the trail's events")
    with functions.lock:
        assert [f for f in functions.failures if f[0] == arn] == []
    # the function's own log: its connections were the plain-TCP fallback
    connected = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Successfully established")]
    assert connected and all(m.startswith("Successfully established non SSL/TLS connection") for m in connected), connected


def test_the_postgresql_function_falls_back_on_awsprevious(
    sm: Any, srv: Server, functions: AwsFunctions, postgresql_function: str, postgres: dict[str, str], unique_name
) -> None:
    """AWSCURRENT's password is stale, AWSPREVIOUS's still works: setSecret
    logs in with it and sets the new password."""
    name = unique_name()
    user = name.replace("-", "_")
    create_role(postgres, user, "right-password")
    previous = new_token()
    sm.create_secret(Name=name, ClientRequestToken=previous, SecretString=db_secret(postgres, user, "right-password"))
    stale = new_token()
    sm.put_secret_value(SecretId=name, ClientRequestToken=stale, SecretString=db_secret(postgres, user, "stale-password"))
    token = new_token()
    sm.rotate_secret(SecretId=name, ClientRequestToken=token, RotationLambdaARN=postgresql_function)
    wait_for(lambda: stages(sm, name).get(token) == ["AWSCURRENT"], "the new password to become AWSCURRENT", 60)
    assert stages(sm, name) == {stale: ["AWSPREVIOUS"], token: ["AWSCURRENT"]}
    new = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    assert logs_in(postgres, user, new["password"])
    assert not logs_in(postgres, user, "right-password")


@pytest.mark.parametrize("previous", ["none", "also-wrong"])
def test_the_postgresql_function_fails_when_no_stored_password_logs_in(
    sm: Any, srv: Server, functions: AwsFunctions, postgresql_function: str, postgres: dict[str, str],
    unique_name, previous: str
) -> None:
    """AWSCURRENT's password is wrong and there is no AWSPREVIOUS, or one as
    wrong: setSecret fails, AWSCURRENT stays, the database is untouched."""
    name = unique_name()
    user = name.replace("-", "_")
    create_role(postgres, user, "right-password")
    first = new_token()
    arn = sm.create_secret(Name=name, ClientRequestToken=first,
                           SecretString=db_secret(postgres, user, "wrong-password"))["ARN"]
    if previous == "also-wrong":
        older, first = first, new_token()
        sm.put_secret_value(SecretId=name, ClientRequestToken=first,
                            SecretString=db_secret(postgres, user, "another-wrong-password"))
    current = sm.get_secret_value(SecretId=name)["SecretString"]
    token = new_token()
    sm.rotate_secret(SecretId=name, ClientRequestToken=token, RotationLambdaARN=postgresql_function)
    wait_for(lambda: "RotationFailed" in rotation_events(srv, arn), "RotationFailed", 60)
    sm.cancel_rotate_secret(SecretId=name)

    expected = {first: ["AWSCURRENT"], token: ["AWSPENDING"]}
    if previous == "also-wrong":
        expected[older] = ["AWSPREVIOUS"]
    assert stages(sm, name) == expected
    assert sm.get_secret_value(SecretId=name)["SecretString"] == current
    with functions.lock:
        failures = [(step, payload["errorType"], payload["errorMessage"])
                    for secret, step, payload in functions.failures if secret == arn]
    assert failures, "no failed step"
    assert all(f == ("setSecret", "ValueError",
                     f"Unable to log into database with previous, current, or pending secret of secret arn {arn}")
               for f in failures), failures
    assert logs_in(postgres, user, "right-password"), "the database user was not changed"
    pending = json.loads(sm.get_secret_value(SecretId=name, VersionId=token, VersionStage="AWSPENDING")["SecretString"])
    assert not logs_in(postgres, user, pending["password"])


def test_the_vendored_functions_are_byte_for_byte_aws_s() -> None:
    """The copies carry AWS's header and license and were not edited (a git
    blob hash per file, as in the upstream commit named in the README)."""
    import hashlib

    upstream = {
        "SecretsManagerRotationTemplate": "1db86e771e8bd51fa4929001e1d9337502a90413",
        "SecretsManagerRDSPostgreSQLRotationSingleUser": "fa17e81dd1b70940dc9b5dac03809729b5ce1083",
    }
    for name, blob in upstream.items():
        data = (FUNCTIONS_DIR / name / "lambda_function.py").read_bytes()
        assert hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == blob, name
        assert re.search(r"SPDX-License-Identifier: MIT-0", data.decode())
        assert (FUNCTIONS_DIR / name / "LICENSE").is_file()
