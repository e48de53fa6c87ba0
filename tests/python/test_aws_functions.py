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
"""

from __future__ import annotations

import importlib.util
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
    """The Invoke API for `template` (as published) and `template-filled`
    (its setSecret and testSecret placeholders filled in)."""

    def __init__(self) -> None:
        super().__init__()
        self.template = load_function("SecretsManagerRotationTemplate", "aws_template")
        self.filled = load_function("SecretsManagerRotationTemplate", "aws_template_filled")
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
        modules = {"template": self.template, "template-filled": self.filled}
        module = modules.get(self.function_of(invocation.name))
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
