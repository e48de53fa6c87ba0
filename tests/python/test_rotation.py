"""Rotation end to end: RotateSecret invokes rotation functions over the
Lambda Invoke API, served here by a small HTTP server that runs the logic
of AWS's SecretsManagerRotationTemplate with boto3 pointed at Strongroom.

Functions (by the last part of their ARN):
- `template`: the template as published (createSecret puts a random
  password under AWSPENDING, finishSecret moves AWSCURRENT);
- `flaky`: the template, but setSecret fails on its first call;
- `silent`: never answers (the server's invocation timeout ends the step);
- `rie`: the template behind a Runtime Interface Emulator style URL
  (`--rotation-function ARN=URL`); every other ARN goes to
  `--lambda-endpoint`, and an ARN the function server does not know is a
  missing function (404).
"""

from __future__ import annotations

import datetime
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from botocore.exceptions import ClientError

from support import (
    ACCOUNT_ID,
    Answer,
    InvokeServer,
    Invocation,
    Server,
    expect_error,
    new_token,
    rotation_events,
    run_function,
    stages,
    wait_for,
)

FUNCTION_PREFIX = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:"
CANNOT_INVOKE = (
    "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy "
    "grants access to the principal secretsmanager.amazonaws.com."
)
IN_PROGRESS = "A previous rotation isn't complete. That rotation will be reattempted."
MARKED_DELETED = "You tried to perform the operation on a secret that's currently marked deleted."
ROTATION_KEYS = {"RotationEnabled", "RotationLambdaARN", "RotationRules", "LastRotatedDate", "NextRotationDate"}


def arn_of(function: str) -> str:
    return FUNCTION_PREFIX + function


# -- AWS's template (SecretsManagerRotationTemplate/lambda_function.py) -------


def template_handler(event: dict, sm: Any, set_secret=lambda sm, arn, token: None) -> None:
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    metadata = sm.describe_secret(SecretId=arn)
    if not metadata["RotationEnabled"]:
        raise ValueError(f"Secret {arn} is not enabled for rotation")
    versions = metadata["VersionIdsToStages"]
    if token not in versions:
        raise ValueError(f"Secret version {token} has no stage for rotation of secret {arn}.")
    if "AWSCURRENT" in versions[token]:
        return
    if "AWSPENDING" not in versions[token]:
        raise ValueError(f"Secret version {token} not set as AWSPENDING for rotation of secret {arn}.")
    if step == "createSecret":
        sm.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
        try:
            sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        except sm.exceptions.ResourceNotFoundException:
            passwd = sm.get_random_password(ExcludeCharacters="/@\"'\\")
            extra = {"RotationToken": event["RotationToken"]} if event.get("RotationToken") else {}
            sm.put_secret_value(
                SecretId=arn,
                ClientRequestToken=token,
                SecretString=passwd["RandomPassword"],
                VersionStages=["AWSPENDING"],
                **extra,
            )
    elif step == "setSecret":
        set_secret(sm, arn, token)
    elif step == "testSecret":
        pass
    elif step == "finishSecret":
        metadata = sm.describe_secret(SecretId=arn)
        current = None
        for version, stages in metadata["VersionIdsToStages"].items():
            if "AWSCURRENT" in stages:
                if version == token:
                    return
                current = version
                break
        sm.update_secret_version_stage(
            SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current
        )
    else:
        raise ValueError("Invalid step parameter")


class Functions(InvokeServer):
    """The Invoke API, for the functions above."""

    def __init__(self) -> None:
        super().__init__()
        self.strongroom: Server | None = None
        self.flaky_failures: dict[str, int] = {}  # secret ARN → setSecret failures so far
        self.release = threading.Event()
        # (key id, secret, session token) whose SigV4 signatures are checked;
        # each check's outcome is kept in `signatures`.
        self.expect_signed_by: tuple[str, str, str] | None = None
        self.signatures: list[bool] = []

    def function_of(self, name: str) -> str:
        return "rie" if name == "function" else name.removeprefix(FUNCTION_PREFIX)

    def serve(self, invocation: Invocation) -> Answer:
        if self.expect_signed_by is not None:
            ok = self.signature_ok("POST", invocation.path, invocation.headers, invocation.body)
            with self.lock:
                self.signatures.append(ok)
            if not ok:
                return Answer(403, {"Message": "The request signature we calculated does not match"})
        function = self.function_of(invocation.name)
        if function not in ("template", "flaky", "silent", "rie"):
            return Answer(404, {"Type": "User", "Message": f"Function not found: {invocation.name}"})
        if invocation.kind == "DryRun":
            return Answer(204)
        return run_function(lambda event: self.run(function, event), invocation.event)

    def signature_ok(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        """Recomputes the request's SigV4 signature (service lambda) with botocore."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        assert self.expect_signed_by is not None
        key, secret, token = self.expect_signed_by
        lower = {k.lower(): v for k, v in headers.items()}
        auth = lower.get("authorization", "")
        if f"Credential={key}/" not in auth or "/us-east-1/lambda/aws4_request" not in auth:
            return False
        if lower.get("x-amz-security-token") != token:
            return False
        signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
        request = AWSRequest(method=method, url=f"{self.endpoint}{path}", data=body,
                             headers={h: lower[h] for h in signed if h in lower and h != "authorization"})
        request.context["timestamp"] = lower["x-amz-date"]
        SigV4Auth(Credentials(key, secret, token), "lambda", "us-east-1").add_auth(request)
        return request.headers["Authorization"] == auth

    def run(self, function: str, event: dict) -> None:
        assert self.strongroom is not None
        sm = self.strongroom.client()
        if function == "silent":
            self.release.wait(30)
            return
        if function == "flaky":

            def set_secret(sm: Any, arn: str, token: str) -> None:
                with self.lock:
                    failures = self.flaky_failures.get(arn, 0)
                    self.flaky_failures[arn] = failures + 1
                if failures == 0:
                    raise RuntimeError("setSecret: the database refused the new password")

            return template_handler(event, sm, set_secret)
        template_handler(event, sm)

    def stop(self) -> None:
        self.release.set()
        super().stop()


@pytest.fixture(scope="module")
def functions() -> Iterator[Functions]:
    f = Functions()
    try:
        yield f
    finally:
        f.stop()


@pytest.fixture(scope="module")
def rotating_server(tmp_path_factory: pytest.TempPathFactory, functions: Functions) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("rotation")
    srv = Server(
        base / "data",
        log_path=base / "stderr.log",
        extra_args=[
            "--lambda-endpoint",
            functions.endpoint,
            "--rotation-function",
            f"{arn_of('rie')}={functions.endpoint}/2015-03-31/functions/function/invocations",
            "--rotation-invoke-timeout-secs",
            "2",
            "--rotation-retry-secs",
            "1",
            "--rotation-interval-secs",
            "1",
        ],
    )
    srv.start()
    functions.strongroom = srv
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def sm(rotating_server: Server) -> Any:
    return rotating_server.client()


def create(sm: Any, name: str, value: str = "initial") -> tuple[str, str]:
    token = new_token()
    arn = sm.create_secret(Name=name, SecretString=value, ClientRequestToken=token)["ARN"]
    return arn, token


# -- success ----------------------------------------------------------------


def test_the_template_rotates_a_secret(sm: Any, rotating_server: Server, functions: Functions, unique_name) -> None:
    name = unique_name()
    arn, first = create(sm, name)
    assert not ROTATION_KEYS & set(sm.describe_secret(SecretId=name)), "no rotation fields before RotateSecret"
    token = new_token()
    r = sm.rotate_secret(
        SecretId=name,
        ClientRequestToken=token,
        RotationLambdaARN=arn_of("template"),
        RotationRules={"AutomaticallyAfterDays": 30},
    )
    assert (r["ARN"], r["Name"], r["VersionId"]) == (arn, name, token)
    wait_for(lambda: stages(sm, name).get(token) == ["AWSCURRENT"], "the new version to become AWSCURRENT")
    assert stages(sm, name)[first] == ["AWSPREVIOUS"]
    assert functions.steps_for(arn) == [("template", s) for s in ("createSecret", "setSecret", "testSecret", "finishSecret")]
    new_value = sm.get_secret_value(SecretId=name)
    assert new_value["VersionId"] == token and new_value["SecretString"] != "initial"
    d = sm.describe_secret(SecretId=name)
    assert d["RotationEnabled"] is True
    assert d["RotationLambdaARN"] == arn_of("template")
    assert d["RotationRules"] == {"AutomaticallyAfterDays": 30}
    assert d["LastRotatedDate"] <= d["NextRotationDate"]
    assert (d["NextRotationDate"] - d["LastRotatedDate"]).days in (29, 30)
    listed = [s for s in sm.list_secrets(Filters=[{"Key": "name", "Values": [name]}])["SecretList"] if s["Name"] == name]
    assert ROTATION_KEYS <= set(listed[0])
    wait_for(lambda: rotation_events(rotating_server, arn) == ["RotationStarted", "RotationSucceeded"], "the trail's events")

    # a second rotation reuses the stored function, and the RIE-style URL works too
    again = new_token()
    sm.rotate_secret(SecretId=name, ClientRequestToken=again)
    wait_for(lambda: stages(sm, name).get(again) == ["AWSCURRENT"], "the second rotation")
    sm.rotate_secret(SecretId=name, ClientRequestToken=(third := new_token()), RotationLambdaARN=arn_of("rie"))
    wait_for(lambda: stages(sm, name).get(third) == ["AWSCURRENT"], "the rotation through --rotation-function")
    assert functions.steps_for(arn)[-1] == ("rie", "finishSecret")


def test_rotate_immediately_false_only_tests(sm: Any, functions: Functions, unique_name) -> None:
    name = unique_name()
    arn, first = create(sm, name)
    token = new_token()
    sm.rotate_secret(SecretId=name, ClientRequestToken=token, RotationLambdaARN=arn_of("template"),
                     RotationRules={"ScheduleExpression": "rate(10 days)"}, RotateImmediately=False)
    wait_for(lambda: functions.steps_for(arn) == [("template", "testSecret")] and token not in stages(sm, name),
             "the test-only run to end")
    d = sm.describe_secret(SecretId=name)
    assert d["VersionIdsToStages"] == {first: ["AWSCURRENT"]}
    assert d["RotationEnabled"] is True and "LastRotatedDate" not in d
    assert d["RotationRules"] == {"ScheduleExpression": "rate(10 days)"}


# -- failures ---------------------------------------------------------------


def test_a_failure_at_set_secret_keeps_awscurrent_and_succeeds_on_retry(
    sm: Any, rotating_server: Server, functions: Functions, unique_name
) -> None:
    name = unique_name()
    arn, first = create(sm, name, "before")
    token = new_token()
    sm.rotate_secret(SecretId=name, ClientRequestToken=token, RotationLambdaARN=arn_of("flaky"))
    # the first attempt stops at setSecret: AWSCURRENT untouched, AWSPENDING kept
    wait_for(lambda: ("flaky", "setSecret") in functions.steps_for(arn), "setSecret")
    wait_for(lambda: "RotationFailed" in rotation_events(rotating_server, arn), "RotationFailed")
    pending = sm.get_secret_value(SecretId=name, VersionId=token)["SecretString"]
    # the retry (1 s later) finishes, with the value the first createSecret put
    wait_for(lambda: stages(sm, name).get(token) == ["AWSCURRENT"], "the retry to succeed")
    assert sm.get_secret_value(SecretId=name)["SecretString"] == pending
    assert stages(sm, name)[first] == ["AWSPREVIOUS"]
    steps = [s for _, s in functions.steps_for(arn)]
    assert steps == ["createSecret", "setSecret", "createSecret", "setSecret", "testSecret", "finishSecret"]
    wait_for(
        lambda: rotation_events(rotating_server, arn)
        == ["RotationStarted", "RotationFailed", "RotationStarted", "RotationSucceeded"],
        "the trail's events",
    )


def test_a_function_that_never_answers_times_out(sm: Any, rotating_server: Server, functions: Functions, unique_name) -> None:
    name = unique_name()
    arn, first = create(sm, name)
    token = new_token()
    started = time.monotonic()
    sm.rotate_secret(SecretId=name, ClientRequestToken=token, RotationLambdaARN=arn_of("silent"))
    assert time.monotonic() - started < 2, "RotateSecret answers before the steps run"
    wait_for(lambda: "RotationFailed" in rotation_events(rotating_server, arn), "the timeout (2 s)")
    s = stages(sm, name)
    assert s[first] == ["AWSCURRENT"] and s[token] == ["AWSPENDING"]
    # a rotation in progress refuses another
    with expect_error("InvalidRequestException", IN_PROGRESS):
        sm.rotate_secret(SecretId=name, ClientRequestToken=new_token())
    # cancelled: no more attempts; AWSPENDING is left for the caller
    c = sm.cancel_rotate_secret(SecretId=name)
    assert (c["ARN"], c["Name"], c["VersionId"]) == (arn, name, token)
    d = sm.describe_secret(SecretId=name)
    assert d["RotationEnabled"] is False and "NextRotationDate" not in d
    assert d["VersionIdsToStages"][token] == ["AWSPENDING"]
    # (a step whose check passed just before the cancel reaches the function at once)
    time.sleep(0.5)
    calls = len(functions.steps_for(arn))
    time.sleep(4)
    assert len(functions.steps_for(arn)) == calls, "no step starts after the cancel"


# -- error paths --------------------------------------------------------------


def test_rotate_secret_error_paths(sm: Any, rotating_server: Server, unique_name) -> None:
    name = unique_name()
    arn, _ = create(sm, name)
    with expect_error("ResourceNotFoundException"):
        sm.rotate_secret(SecretId=unique_name("missing"), ClientRequestToken=new_token(), RotationLambdaARN=arn_of("template"))
    with expect_error("InvalidRequestException", "No Lambda rotation function ARN is associated with this secret."):
        sm.rotate_secret(SecretId=name, ClientRequestToken=new_token())
    with expect_error("AccessDeniedException", CANNOT_INVOKE):
        sm.rotate_secret(SecretId=name, ClientRequestToken=new_token(), RotationLambdaARN=arn_of("no-such-function"))
    d = sm.describe_secret(SecretId=name)
    assert not ROTATION_KEYS & set(d), "a refused RotateSecret saves no rotation settings"
    assert len(d["VersionIdsToStages"]) == 1
    with expect_error("InvalidParameterException", "You cannot specify both rotation frequency and schedule expression together."):
        sm.rotate_secret(SecretId=name, ClientRequestToken=new_token(), RotationLambdaARN=arn_of("template"),
                         RotationRules={"AutomaticallyAfterDays": 3, "ScheduleExpression": "rate(4 hours)"})
    for rules in (
        {"ScheduleExpression": "rate(1 hours)"},
        {"ScheduleExpression": "cron(0 16 1,15 * * *)"},
        {"ScheduleExpression": "weekly"},
        {"ScheduleExpression": "rate(4 hours)", "Duration": "5h"},
        {"ScheduleExpression": "cron(0 22 * * ? *)", "Duration": "3h"},
        {"AutomaticallyAfterDays": 1001},
        {"AutomaticallyAfterDays": 7, "Duration": "0h"},
    ):
        with expect_error("InvalidParameterException"):
            sm.rotate_secret(SecretId=name, ClientRequestToken=new_token(), RotationLambdaARN=arn_of("template"), RotationRules=rules)
    with expect_error("ValidationException"):
        sm.rotate_secret(SecretId="bad name", ClientRequestToken=new_token(), RotationLambdaARN=arn_of("template"))
    loose = rotating_server.client(validate=False)
    for extra in (
        {"ClientRequestToken": "too-short"},
        {"RotationLambdaARN": "a" * 2049},
        {"RotationRules": {"Duration": "1234h"}},
        {"RotationRules": {"AutomaticallyAfterDays": 0}},
        {"RotationRules": {"ScheduleExpression": ""}},
        {"ExternalSecretRotationRoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/partner"},
    ):
        args = {"SecretId": name, "ClientRequestToken": new_token(), "RotationLambdaARN": arn_of("template"), **extra}
        with expect_error("InvalidParameterException"):
            loose.rotate_secret(**args)
    assert not ROTATION_KEYS & set(sm.describe_secret(SecretId=name))

    # a raw request without ClientRequestToken: its own error code for RotateSecret
    r = rotating_server.raw().call("RotateSecret", {"SecretId": unique_name("never"), "RotationLambdaARN": arn_of("template")})
    assert (r.status, r.error_type, r.message) == (
        400,
        "InvalidParameterException",
        "You must provide a ClientRequestToken value. We recommend a UUID-type value.",
    )

    sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    with expect_error("InvalidRequestException", MARKED_DELETED):
        sm.rotate_secret(SecretId=name, ClientRequestToken=new_token(), RotationLambdaARN=arn_of("template"))
    with expect_error("InvalidRequestException", MARKED_DELETED):
        sm.cancel_rotate_secret(SecretId=name)
    with expect_error("ResourceNotFoundException"):
        sm.cancel_rotate_secret(SecretId=unique_name("missing"))
    with expect_error("ValidationException"):
        sm.cancel_rotate_secret(SecretId="bad name")


def test_invocations_are_signed_with_the_servers_environment_credentials(
    tmp_path: Path, functions: Functions, rotating_server: Server, unique_name
) -> None:
    creds = ("AKIAROTATIONTEST0001", "rotation/test/secret/key+0123456789abcdefgh", "session-token-1")
    srv = Server(
        tmp_path / "data",
        log_path=tmp_path / "stderr.log",
        extra_args=["--lambda-endpoint", functions.endpoint, "--rotation-interval-secs", "1"],
        env={"AWS_ACCESS_KEY_ID": creds[0], "AWS_SECRET_ACCESS_KEY": creds[1], "AWS_SESSION_TOKEN": creds[2]},
    )
    srv.start()
    previous = functions.strongroom
    functions.strongroom = srv
    functions.expect_signed_by = creds
    try:
        sm = srv.client()
        name = unique_name()
        create(sm, name)
        token = new_token()
        sm.rotate_secret(SecretId=name, ClientRequestToken=token, RotationLambdaARN=arn_of("template"))
        wait_for(lambda: stages(sm, name).get(token) == ["AWSCURRENT"], "the signed rotation")
        with functions.lock:
            checked = list(functions.signatures)
        assert len(checked) == 5 and all(checked), checked  # DryRun and four steps
    finally:
        functions.expect_signed_by = None
        functions.strongroom = previous
        srv.stop()


def test_the_schedule_and_a_rotation_in_progress_survive_a_restart(
    tmp_path: Path, functions: Functions, rotating_server: Server, unique_name
) -> None:
    srv = Server(
        tmp_path / "data",
        log_path=tmp_path / "stderr.log",
        extra_args=["--lambda-endpoint", functions.endpoint, "--rotation-interval-secs", "1",
                    "--rotation-invoke-timeout-secs", "30"],
    )
    srv.start()
    previous = functions.strongroom
    functions.strongroom = srv
    try:
        sm = srv.client()
        done, _ = create(sm, (done_name := unique_name("done")))
        token = new_token()
        sm.rotate_secret(SecretId=done_name, ClientRequestToken=token, RotationLambdaARN=arn_of("template"),
                         RotationRules={"ScheduleExpression": "cron(0 16 1,15 * ? *)", "Duration": "2h"})
        wait_for(lambda: stages(sm, done_name).get(token) == ["AWSCURRENT"], "the rotation")
        before = sm.describe_secret(SecretId=done_name)
        busy, first = create(sm, (busy_name := unique_name("busy")))
        pending = new_token()
        sm.rotate_secret(SecretId=busy_name, ClientRequestToken=pending, RotationLambdaARN=arn_of("silent"))
        wait_for(lambda: ("silent", "createSecret") in functions.steps_for(busy), "the hanging createSecret")
        srv.restart()
        sm = srv.client()
        after = sm.describe_secret(SecretId=done_name)
        for key in ("RotationEnabled", "RotationLambdaARN", "RotationRules", "LastRotatedDate", "NextRotationDate"):
            assert after[key] == before[key], key
        next_utc = after["NextRotationDate"].astimezone(datetime.timezone.utc)
        assert (next_utc.hour, next_utc.minute) == (16, 0) and next_utc.day in (1, 15)
        # the unfinished run is kept (resumed once its claim lapses): AWSPENDING stays, and it blocks another
        s = stages(sm, busy_name)
        assert s[first] == ["AWSCURRENT"] and s[pending] == ["AWSPENDING"]
        with expect_error("InvalidRequestException", IN_PROGRESS):
            sm.rotate_secret(SecretId=busy_name, ClientRequestToken=new_token())
        steps = len(functions.steps_for(done))
        time.sleep(2.5)
        assert len(functions.steps_for(done)) == steps, "a restart does not rotate again before the window"
        sm.cancel_rotate_secret(SecretId=busy_name)
    finally:
        functions.strongroom = previous
        srv.stop()


def test_no_lambda_endpoint_means_access_denied(make_server, unique_name) -> None:
    srv = make_server()
    sm = srv.client()
    name = unique_name()
    create(sm, name)
    with expect_error("AccessDeniedException", CANNOT_INVOKE):
        sm.rotate_secret(SecretId=name, ClientRequestToken=new_token(), RotationLambdaARN=arn_of("template"))
    assert not ROTATION_KEYS & set(sm.describe_secret(SecretId=name))


def test_put_secret_value_rotation_token(sm: Any, unique_name) -> None:
    """A RotationToken is accepted only from the rotation in progress that sent it
    (the functions above pass the event's token and succeed); otherwise the call is
    AccessDeniedException and writes nothing."""
    name = unique_name()
    create(sm, name)
    token = new_token()
    with expect_error("AccessDeniedException"):
        sm.put_secret_value(SecretId=name, ClientRequestToken=token, SecretString="x", RotationToken=new_token())
    assert token not in stages(sm, name)
    with expect_error(("InvalidParameterException", "ValidationException")):
        sm.put_secret_value(SecretId=name, ClientRequestToken=new_token(), SecretString="x", RotationToken="!" * 40)
