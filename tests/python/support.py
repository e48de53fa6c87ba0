"""Helpers shared by the end-to-end tests: running the server, building
boto3 clients, sending raw SigV4-signed requests, running the AWS CLI and
serving rotation functions over the Lambda Invoke API, and the throwaway
PostgreSQL of the rotation tests.

The tests import this module directly (pytest puts this folder on sys.path);
conftest.py turns the pieces into fixtures.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import boto3
import botocore.auth
import psycopg
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO_ROOT / "target" / "debug" / "strongroom"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0

# Exact AWS messages (shared/AWS_BEHAVIOUR.md).
MSG_INVALID_NAME = (
    "Invalid name. Must be a valid name containing alphanumeric characters, "
    "or any of the following: -/_+=.@!"
)
MSG_SECRET_NOT_FOUND = "Secrets Manager can't find the specified secret."
MSG_MARKED_FOR_DELETION = (
    "You can't perform this operation on the secret because it was marked for deletion."
)
MSG_ALREADY_MARKED_DELETED = (
    "You tried to perform the operation on a secret that's currently marked deleted."
)
MSG_NAME_SCHEDULED_FOR_DELETION = (
    "You can't create this secret because a secret with this name is already "
    "scheduled for deletion."
)
MSG_MISSING_TOKEN = "You must provide a ClientRequestToken value. We recommend a UUID-type value."
MSG_STAGE_NOT_ON_VERSION = "You provided a VersionStage that is not associated to the provided VersionId."
MSG_RECOVERY_WINDOW = "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."
MSG_FORCE_WITH_WINDOW = (
    "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
)

# A model constraint violation (length, range) may come back as either code.
CONSTRAINT_CODES = ("InvalidParameterException", "ValidationException")


def msg_stage_not_found(stage: str) -> str:
    return f"Secrets Manager can't find the specified secret value for staging label: {stage}"


def msg_version_not_found(version_id: str) -> str:
    return f"Secrets Manager can't find the specified secret value for VersionId: {version_id}"


def msg_secret_exists(name: str) -> str:
    return f"The operation failed because the secret {name} already exists."


def msg_token_in_use(token: str, arn: str) -> str:
    return (
        f"You can't use ClientRequestToken {token} because that value is already "
        f"in use for a version of secret {arn}."
    )


def msg_remove_from_required(stage: str, holder: str) -> str:
    return (
        f"The parameter RemoveFromVersionId can't be empty. Staging label {stage} is "
        f"currently attached to version {holder}, so you must explicitly reference "
        "that version in RemoveFromVersionId."
    )


def server_binary() -> Path:
    return Path(os.environ.get("STRONGROOM_BIN") or DEFAULT_BINARY)


def new_token() -> str:
    """A ClientRequestToken / VersionId (36 chars, inside the 32-64 range)."""
    return str(uuid.uuid4())


class ServerError(RuntimeError):
    pass


_EXPORT_RE = re.compile(r"^\s*export\s+(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)=(.*?)\s*$")
_LISTEN_RE = re.compile(r"strongroom listening on (https?://\S+)")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


class Server:
    """One `strongroom serve` process on a data directory.

    `start()` reads stdout until the listening line; a reader thread keeps
    draining stdout afterwards, and stderr goes to a log file beside the data
    directory, so the pipes never fill up. Credentials printed on the first
    start of a data dir are kept on the object, so `restart()` reuses them.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        dev: bool = False,
        account_id: str = ACCOUNT_ID,
        binary: Path | None = None,
        log_path: Path | None = None,
        extra_args: list[str] | None = None,
        default_flags: bool = True,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        # More `strongroom serve` flags (e.g. `--audit-log stdout`).
        self.extra_args = list(extra_args or [])
        # False: only `extra_args` (no --listen/--data-dir/--account-id), for
        # settings that come from a config file or the environment.
        self.default_flags = default_flags
        # Environment variables added to the server's.
        self.env = dict(env or {})
        self.dev = dev
        self.account_id = account_id
        self.binary = Path(binary) if binary else server_binary()
        self.log_path = Path(log_path) if log_path else self.data_dir.parent / f"{self.data_dir.name}.stderr.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.endpoint: str | None = None
        self.port: int | None = None
        self.access_key: str | None = None
        self.secret_key: str | None = None
        # What the latest start printed: a (key id, secret) pair, or None.
        self.printed_credentials: tuple[str, str] | None = None
        # Every stdout line of the latest start.
        self.stdout_lines: list[str] = []
        self.starts = 0
        self._reader: threading.Thread | None = None
        self._log_file: Any = None
        # What boto3 clients verify TLS with (a CA bundle path), for a
        # server started with --tls-*.
        self.verify: str | bool | None = None

    # -- lifecycle -------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT_S) -> "Server":
        if self.proc is not None:
            raise ServerError("server already running")
        if not self.binary.is_file():
            raise ServerError(
                f"strongroom binary not found at {self.binary}; build it with "
                "`cargo build -p strongroom-server` or set STRONGROOM_BIN"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(f"==== start #{self.starts + 1} ====\n".encode())
        self._log_file.flush()
        cmd = [str(self.binary), "serve"]
        if self.default_flags:
            cmd += ["--listen", "127.0.0.1:0", "--data-dir", str(self.data_dir), "--account-id", self.account_id]
        if self.dev:
            cmd.append("--dev")
        cmd.extend(self.extra_args)
        self.stdout_lines = []
        self.printed_credentials = None
        self.proc = subprocess.Popen(
            cmd,
            env={**os.environ, **self.env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
        )
        self.starts += 1
        lines: "queue.Queue[str | None]" = queue.Queue()
        proc = self.proc

        def pump() -> None:
            assert proc.stdout is not None
            for raw in iter(proc.stdout.readline, b""):
                lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
            lines.put(None)

        self._reader = threading.Thread(target=pump, name="strongroom-stdout", daemon=True)
        self._reader.start()

        printed: dict[str, str] = {}
        deadline = dt.datetime.now() + dt.timedelta(seconds=timeout)
        while True:
            left = (deadline - dt.datetime.now()).total_seconds()
            if left <= 0:
                self._abort()
                raise ServerError(f"no listening line within {timeout}s\n{self.describe_failure()}")
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                rc = self.proc.wait(timeout=5) if self.proc else None
                self._abort()
                raise ServerError(f"server exited (rc={rc}) before listening\n{self.describe_failure()}")
            self.stdout_lines.append(line)
            m = _EXPORT_RE.match(line)
            if m:
                printed[m.group(1)] = _unquote(m.group(2))
                continue
            m = _LISTEN_RE.search(line)
            if m:
                self.endpoint = m.group(1).rstrip("/")
                self.port = urlsplit(self.endpoint).port
                break

        # The reader thread goes on draining stdout into the queue (and the
        # list below) for as long as the process lives.
        def keep() -> None:
            while True:
                item = lines.get()
                if item is None:
                    return
                self.stdout_lines.append(item)

        threading.Thread(target=keep, name="strongroom-stdout-keep", daemon=True).start()

        if "AWS_ACCESS_KEY_ID" in printed or "AWS_SECRET_ACCESS_KEY" in printed:
            if not ("AWS_ACCESS_KEY_ID" in printed and "AWS_SECRET_ACCESS_KEY" in printed):
                self.stop()
                raise ServerError(f"server printed only half of the credentials: {sorted(printed)}")
            self.printed_credentials = (printed["AWS_ACCESS_KEY_ID"], printed["AWS_SECRET_ACCESS_KEY"])
            self.access_key, self.secret_key = self.printed_credentials
        if self.access_key is None:
            if self.dev:
                # Dev mode checks no signature: any key pair will do.
                self.access_key, self.secret_key = "AKIADEVMODEEXAMPLE00", "dev-mode-any-secret-works"
            else:
                self.stop()
                raise ServerError(
                    "server printed no credentials on the first start of this data dir\n"
                    + self.describe_failure()
                )
        return self

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM, wait, then SIGKILL. Returns the exit code (None if not running)."""
        proc = self.proc
        if proc is None:
            return None
        rc: int | None
        try:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    rc = proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
                    rc = None  # did not stop on SIGTERM
            else:
                rc = proc.returncode
        finally:
            if self._reader is not None:
                self._reader.join(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None
            self.proc = None
            self.endpoint = None
            self.port = None
        return rc

    def kill(self) -> int | None:
        """SIGKILL, as a crash or the OOM killer would: no shutdown code runs.
        Returns the exit code (-9), or None if it was not running."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        return self.stop()

    def _abort(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        self.stop(timeout=5)

    def restart(self) -> "Server":
        self.stop()
        return self.start()

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def describe_failure(self, tail: int = 4000) -> str:
        out = "\n".join(self.stdout_lines)
        return f"--- stdout ---\n{out[-tail:]}\n--- stderr ({self.log_path}) ---\n{self.log_text()[-tail:]}"

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- clients ---------------------------------------------------------

    def client(
        self,
        region: str = REGION,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        validate: bool = True,
    ):
        return make_client(
            self.endpoint or "",
            region=region,
            access_key=access_key or self.access_key or "",
            secret_key=secret_key or self.secret_key or "",
            validate=validate,
            verify=self.verify,
        )

    def sts_client(
        self,
        region: str = REGION,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
    ):
        """A boto3 STS client (Query protocol) for this server."""
        return make_client(
            self.endpoint or "",
            region=region,
            access_key=access_key or self.access_key or "",
            secret_key=secret_key or self.secret_key or "",
            service="sts",
            verify=self.verify,
        )

    def raw(self) -> "RawClient":
        return RawClient(self)


def make_client(
    endpoint: str,
    *,
    region: str,
    access_key: str,
    secret_key: str,
    validate: bool = True,
    service: str = "secretsmanager",
    session_token: str | None = None,
    verify: str | bool | None = None,
):
    """A boto3 client (Secrets Manager unless `service` says otherwise) with
    retries off; `session_token` for temporary credentials; `verify` a CA
    bundle for an https endpoint."""
    session = boto3.session.Session(
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=session_token,
        region_name=region,
    )
    config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
        parameter_validation=validate,
    )
    return session.client(service, endpoint_url=endpoint, config=config, verify=verify)


# -- errors -----------------------------------------------------------------


@contextlib.contextmanager
def expect_error(
    code: str | tuple[str, ...],
    message: str | None = None,
    *,
    status: int | tuple[int, ...] | None = 400,
) -> Iterator[Any]:
    """`pytest.raises(ClientError)` that also checks the AWS error code,
    the exact message when given, and the HTTP status."""
    with pytest.raises(ClientError) as e:
        yield e
    err = e.value.response["Error"]
    codes = (code,) if isinstance(code, str) else code
    assert err.get("Code") in codes, f"expected {codes}, got {err}"
    if message is not None:
        assert err.get("Message") == message, f"message mismatch: {err.get('Message')!r} != {message!r}"
    if status is not None:
        statuses = (status,) if isinstance(status, int) else status
        got = e.value.response["ResponseMetadata"]["HTTPStatusCode"]
        assert got in statuses, f"HTTP status {got}, expected {statuses} ({err})"


def payload_keys(response: dict) -> set[str]:
    """The members of a boto3 response, without ResponseMetadata."""
    return set(response) - {"ResponseMetadata"}


# -- raw HTTP ---------------------------------------------------------------


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error_type(self) -> str | None:
        try:
            return self.json().get("__type")
        except ValueError:
            return None

    @property
    def message(self) -> str | None:
        try:
            return self.json().get("Message")
        except ValueError:
            return None


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


def _fixed_clock(when: dt.datetime):
    """Patches botocore's clock so a signer stamps `when` (a naive UTC time)."""
    if hasattr(botocore.auth, "get_current_datetime"):
        return _patched(botocore.auth, "get_current_datetime", lambda *a, **k: when)

    class _FakeDatetimeClass(dt.datetime):
        @classmethod
        def utcnow(cls):  # type: ignore[override]
            return when

        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return when if tz is None else when.replace(tzinfo=dt.timezone.utc).astimezone(tz)

    class _FakeDatetimeModule:
        datetime = _FakeDatetimeClass

        def __getattr__(self, name: str) -> Any:
            return getattr(dt, name)

    return _patched(botocore.auth, "datetime", _FakeDatetimeModule())


@contextlib.contextmanager
def _patched(obj: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


class BodyHashingQueryAuth(SigV4QueryAuth):
    """Presigned-query SigV4 for a JSON POST.

    botocore's SigV4QueryAuth moves a request body into the query string
    (as the query protocol wants). For the JSON protocol the body must stay
    the body, so this keeps it, and the canonical request then carries the
    body's SHA-256 as the payload hash.
    """

    def _modify_request_before_signing(self, request):  # noqa: D401
        data = request.data
        request.data = b""
        try:
            super()._modify_request_before_signing(request)
        finally:
            request.data = data


def sign(
    url: str,
    body: bytes,
    *,
    target: str | None,
    access_key: str,
    secret_key: str,
    region: str = REGION,
    at: dt.datetime | None = None,
    presign_expires: int | None = None,
    extra_headers: dict[str, str] | None = None,
) -> tuple[str, dict[str, str]]:
    """Signs a POST with botocore's SigV4 signer. Returns (url, headers).

    `at` is a naive UTC datetime to sign with instead of now. With
    `presign_expires` the signature goes in the query string instead of
    an Authorization header.
    """
    headers = {"Content-Type": JSON_CONTENT_TYPE}
    if target is not None:
        headers["X-Amz-Target"] = target
    if extra_headers:
        headers.update(extra_headers)
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    creds = Credentials(access_key, secret_key)
    if presign_expires is not None:
        signer: SigV4Auth = BodyHashingQueryAuth(creds, "secretsmanager", region, expires=presign_expires)
    else:
        signer = SigV4Auth(creds, "secretsmanager", region)
    clock = _fixed_clock(at) if at is not None else contextlib.nullcontext()
    with clock:
        signer.add_auth(request)
    if at is not None and presign_expires is None:
        stamped = request.headers.get("X-Amz-Date")
        assert stamped == at.strftime("%Y%m%dT%H%M%SZ"), f"clock patch did not take: {stamped}"
    return request.url, {k: v for k, v in request.headers.items()}


def http_post(url: str, headers: dict[str, str], body: bytes, timeout: float = 30.0) -> RawResponse:
    """Sends one POST over a fresh socket and reads the response.

    Written on a bare socket so that a server answering early (413) and
    closing the connection before reading the whole body still yields its
    response instead of a broken-pipe error.
    """
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    lines = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}"]
    for name, value in headers.items():
        if name.lower() in ("host", "content-length", "connection"):
            continue
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        try:
            sock.sendall(head + body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer before reading everything
        resp = http.client.HTTPResponse(sock, method="POST")
        resp.begin()
        try:
            data = resp.read()
        except (ConnectionResetError, http.client.IncompleteRead) as exc:
            data = getattr(exc, "partial", b"") or b""
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        sock.close()


class RawClient:
    """Raw JSON 1.1 requests to a running server, signed with its credentials."""

    def __init__(self, server: Server) -> None:
        self.server = server

    @property
    def url(self) -> str:
        assert self.server.endpoint, "server not running"
        return self.server.endpoint + "/"

    def signed(
        self,
        operation: str | None,
        body: Any = None,
        *,
        target: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = REGION,
        at: dt.datetime | None = None,
        presign_expires: int | None = None,
    ) -> tuple[str, dict[str, str], bytes]:
        """(url, headers, body) of a signed request, to send or tamper with."""
        data = _body_bytes(body if body is not None else {})
        tgt = target if target is not None else (f"secretsmanager.{operation}" if operation else None)
        url, headers = sign(
            self.url,
            data,
            target=tgt,
            access_key=access_key or self.server.access_key or "",
            secret_key=secret_key or self.server.secret_key or "",
            region=region,
            at=at,
            presign_expires=presign_expires,
        )
        return url, headers, data

    def call(self, operation: str | None, body: Any = None, **kw: Any) -> RawResponse:
        url, headers, data = self.signed(operation, body, **kw)
        return http_post(url, headers, data)

    def send(self, url: str, headers: dict[str, str], body: bytes) -> RawResponse:
        return http_post(url, headers, body)


# -- AWS CLI ----------------------------------------------------------------


class CliError(RuntimeError):
    def __init__(self, args: list[str], returncode: int, stdout: str, stderr: str) -> None:
        super().__init__(f"aws {' '.join(args)} failed ({returncode}):\n{stderr}")
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def aws_cli_path() -> str:
    sibling = Path(sys.executable).with_name("aws")
    found = shutil.which("aws")
    if found:
        return found
    if sibling.exists():
        return str(sibling)
    raise ServerError("the AWS CLI (`aws`) is not on PATH; scripts/test.sh installs it into .venv")


@dataclass
class AwsCli:
    """Runs the AWS CLI against a server, isolated from any local AWS config."""

    server: Server
    region: str = REGION

    def __call__(self, *args: str, timeout: float = 60) -> Any:
        """Runs `aws --endpoint-url ... --output json secretsmanager ARGS`
        and returns the parsed JSON (None for empty output). Raises
        CliError, carrying stderr, when the command fails."""
        return self.run("secretsmanager", *args, timeout=timeout)

    def run(
        self,
        service: str,
        *args: str,
        timeout: float = 60,
        secret_key: str | None = None,
        access_key: str | None = None,
        session_token: str | None = None,
    ) -> Any:
        """Runs `aws --endpoint-url ... --output json SERVICE ARGS` (e.g.
        `run("sts", "get-caller-identity")`) with the server's admin key, or
        `access_key`/`secret_key`/`session_token` when given (a wrong
        `secret_key` alone signs wrongly on purpose)."""
        argv = [
            aws_cli_path(),
            "--endpoint-url",
            self.server.endpoint or "",
            "--output",
            "json",
            service,
            *args,
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            {
                "AWS_ACCESS_KEY_ID": access_key or self.server.access_key or "",
                "AWS_SECRET_ACCESS_KEY": secret_key or self.server.secret_key or "",
                "AWS_DEFAULT_REGION": self.region,
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_PAGER": "",
                "AWS_MAX_ATTEMPTS": "1",
                "AWS_RETRY_MODE": "standard",
            }
        )
        if session_token:
            env["AWS_SESSION_TOKEN"] = session_token
        proc = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
        if proc.returncode != 0:
            raise CliError(list(args), proc.returncode, proc.stdout, proc.stderr)
        out = proc.stdout.strip()
        return json.loads(out) if out else None


# -- listing helpers --------------------------------------------------------


def list_all(client, **kwargs: Any) -> tuple[list[dict], list[list[dict]]]:
    """Follows ListSecrets NextTokens. Returns (all entries, pages)."""
    pages: list[list[dict]] = []
    token = None
    for _ in range(10_000):
        args = dict(kwargs)
        if token:
            args["NextToken"] = token
        r = client.list_secrets(**args)
        pages.append(r["SecretList"])
        token = r.get("NextToken")
        if not token:
            break
    else:  # pragma: no cover
        raise AssertionError("ListSecrets never stopped paging")
    return [s for p in pages for s in p], pages


def all_versions(client, secret_id: str, include_deprecated: bool = True, page_size: int = 100) -> list[dict]:
    """Every ListSecretVersionIds entry, following NextTokens."""
    out: list[dict] = []
    token = None
    for _ in range(10_000):
        args: dict[str, Any] = {"SecretId": secret_id, "IncludeDeprecated": include_deprecated, "MaxResults": page_size}
        if token:
            args["NextToken"] = token
        r = client.list_secret_version_ids(**args)
        out.extend(r["Versions"])
        token = r.get("NextToken")
        if not token:
            return out
    raise AssertionError("ListSecretVersionIds never stopped paging")


def stages_by_version(client, secret_id: str) -> dict[str, set[str]]:
    """VersionIdsToStages of DescribeSecret, with the labels as sets."""
    d = client.describe_secret(SecretId=secret_id)
    return {v: set(s) for v, s in d.get("VersionIdsToStages", {}).items()}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# -- rotation -----------------------------------------------------------------


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    """Polls `condition` until it returns something truthy, which it returns."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = condition()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stages(client, secret_id: str) -> dict[str, list[str]]:
    """VersionIdsToStages of DescribeSecret, as the service lists them."""
    return client.describe_secret(SecretId=secret_id).get("VersionIdsToStages", {})


def rotation_events(srv: "Server", arn: str) -> list[str]:
    """The names of the secret's Rotation* events in the trail, oldest first;
    checks that each is a service event invoked by Secrets Manager."""
    ct = make_client(srv.endpoint or "", region=REGION, access_key=srv.access_key or "",
                     secret_key=srv.secret_key or "", service="cloudtrail")
    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": arn}])["Events"]
    names = [e["EventName"] for e in events if e["EventName"].startswith("Rotation")]
    for e in events:
        if e["EventName"].startswith("Rotation"):
            record = json.loads(e["CloudTrailEvent"])
            assert record["eventType"] == "AwsServiceEvent"
            assert record["userIdentity"]["invokedBy"] == "secretsmanager.amazonaws.com"
    return list(reversed(names))


@dataclass
class Invocation:
    """One request to the Invoke API."""

    name: str  # the path's FunctionName, URL-decoded
    kind: str  # X-Amz-Invocation-Type
    event: dict
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    """What the Invoke API answers: a status, a JSON payload (None: empty
    body) and X-Amz-Function-Error when the function failed."""

    status: int
    payload: Any = None
    function_error: str | None = None


def run_function(function: Callable[[dict], Any], event: dict) -> Answer:
    """Runs a function as Lambda does: an exception is an `Unhandled`
    function error with Lambda's error payload."""
    try:
        function(event)
    except Exception as e:  # the function's failure, as Lambda reports it
        return Answer(200, {"errorMessage": str(e), "errorType": type(e).__name__}, "Unhandled")
    return Answer(200)


class InvokeServer:
    """The Lambda Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`)
    on 127.0.0.1 for rotation functions run in this process. Subclasses
    answer each invocation in `serve`; every invocation is kept in `calls`."""

    def __init__(self) -> None:
        self.calls: list[Invocation] = []
        self.lock = threading.Lock()
        invoke = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path.split("/")
                if len(parts) != 5 or parts[1:3] != ["2015-03-31", "functions"] or parts[4] != "invocations":
                    return self.answer(Answer(404, {"Message": "no such path"}))
                invocation = Invocation(
                    name=urllib.parse.unquote(parts[3]),
                    kind=self.headers.get("X-Amz-Invocation-Type", "RequestResponse"),
                    event=json.loads(body) if body else {},
                    path=self.path,
                    headers=dict(self.headers.items()),
                    body=body,
                )
                with invoke.lock:
                    invoke.calls.append(invocation)
                self.answer(invoke.serve(invocation))

            def answer(self, answer: Answer) -> None:
                data = b"" if answer.payload is None else json.dumps(answer.payload).encode()
                self.send_response(answer.status)
                if answer.function_error:
                    self.send_header("X-Amz-Function-Error", answer.function_error)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self, invocation: Invocation) -> Answer:
        raise NotImplementedError

    def function_of(self, name: str) -> str:
        """The short name `steps_for` reports for a FunctionName."""
        return name

    def steps_for(self, secret_arn: str) -> list[tuple[str, str]]:
        """(function, step) of every step invoked for one secret, in order."""
        with self.lock:
            return [(self.function_of(c.name), c.event["Step"]) for c in self.calls
                    if c.kind != "DryRun" and c.event.get("SecretId") == secret_arn]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- the throwaway PostgreSQL of the rotation tests ---------------------------


def start_postgres() -> dict[str, str]:
    """Starts `scripts/postgres.sh`'s PostgreSQL (installing Debian's package
    when there is none); its shell assignments: PGHOST, PGPORT, PGUSER,
    PGPASSWORD, PG_TEST_DIR, PG_CA_FILE."""
    out = subprocess.run([str(REPO_ROOT / "scripts" / "postgres.sh"), "start"], check=True, capture_output=True,
                         text=True, timeout=600).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def stop_postgres(pg: dict[str, str]) -> None:
    subprocess.run([str(REPO_ROOT / "scripts" / "postgres.sh"), "stop", pg["PG_TEST_DIR"]], check=False, timeout=60)


def superuser(pg: dict[str, str]) -> psycopg.Connection:
    return psycopg.connect(
        host=pg["PGHOST"], port=int(pg["PGPORT"]), user=pg["PGUSER"], password=pg["PGPASSWORD"],
        dbname="postgres", autocommit=True, connect_timeout=5,
    )


def logs_in(pg: dict[str, str], user: str, password: str) -> bool:
    try:
        with psycopg.connect(host=pg["PGHOST"], port=int(pg["PGPORT"]), user=user, password=password,
                             dbname="postgres", connect_timeout=5) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.OperationalError:
        return False


def create_role(pg: dict[str, str], name: str, password: str) -> None:
    with superuser(pg) as conn:
        conn.execute(psycopg.sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            psycopg.sql.Identifier(name), psycopg.sql.Literal(password)))


def db_secret(pg: dict[str, str], user: str, password: str, **extra: Any) -> str:
    """A database secret as AWS documents it for PostgreSQL."""
    return json.dumps({"engine": "postgres", "host": pg["PGHOST"], "port": int(pg["PGPORT"]),
                       "username": user, "password": password, "dbname": "postgres", **extra})
