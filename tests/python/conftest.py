"""Fixtures for the Strongroom end-to-end suite.

- `server`: one Strongroom process for the whole session (most tests).
- `fresh_server`: a server on its own new data dir, for persistence tests;
  call `.restart()` / `.stop()` / `.start()` on it freely.
- `client`: boto3 Secrets Manager client (us-east-1) for `server`.
- `loose_client`: the same with botocore's client-side validation off, to
  send values below the model's minimums (the server must reject them).
- `raw`: raw SigV4-signed JSON 1.1 requests to `server`.
- `aws_cli`: runs the AWS CLI against `server`.
- `unique_name`: makes secret names no other test uses.
- `postgres`: one throwaway PostgreSQL (`scripts/postgres.sh`) for the
  session, started by the first test that asks; its PG* assignments.

Every server is stopped at teardown (SIGTERM, wait, then SIGKILL).
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest

from support import (
    REGION,
    AwsCli,
    RawClient,
    Server,
    ServerError,
    make_client,
    server_binary,
    start_postgres,
    stop_postgres,
    superuser,
)

# Keep any AWS configuration of the machine out of the tests.
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
for _var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
    os.environ.pop(_var, None)


def _start(server: Server) -> Server:
    try:
        return server.start()
    except ServerError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not server_binary().is_file():
        pytest.fail(
            f"strongroom binary not found at {server_binary()} (set STRONGROOM_BIN or run scripts/test.sh)",
            pytrace=False,
        )
    base = tmp_path_factory.mktemp("session-server")
    srv = Server(base / "data", log_path=base / "stderr.log")
    _start(srv)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def kms(server):
    """The admin's KMS client on the session server."""
    return make_client(
        server.endpoint, region=REGION, access_key=server.access_key, secret_key=server.secret_key, service="kms"
    )


@pytest.fixture(autouse=True)
def _session_server_alive(request: pytest.FixtureRequest) -> None:
    """Fails fast, with the server's log, if the shared server has died."""
    if "server" not in request.fixturenames:
        return
    srv: Server = request.getfixturevalue("server")
    if not srv.is_running():
        pytest.fail("the session server is not running\n" + srv.describe_failure(), pytrace=False)


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Factory for extra servers on new data dirs (stopped at teardown)."""
    made: list[Server] = []

    def factory(
        *, dev: bool = False, start: bool = True, name: str | None = None, extra_args: list[str] | None = None
    ) -> Server:
        base = tmp_path / (name or f"srv{len(made)}")
        base.mkdir(parents=True, exist_ok=True)
        srv = Server(base / "data", dev=dev, log_path=base / "stderr.log", extra_args=extra_args)
        made.append(srv)
        if start:
            _start(srv)
        return srv

    try:
        yield factory
    finally:
        for srv in made:
            srv.stop()


@pytest.fixture
def fresh_server(make_server: Callable[..., Server]) -> Server:
    return make_server(name="fresh")


@pytest.fixture(scope="session")
def client(server: Server):
    return server.client()


@pytest.fixture(scope="session")
def loose_client(server: Server):
    return server.client(validate=False)


@pytest.fixture(scope="session")
def raw(server: Server) -> RawClient:
    return RawClient(server)


@pytest.fixture(scope="session")
def aws_cli(server: Server) -> AwsCli:
    return AwsCli(server)


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """`unique_name()` or `unique_name("prefix")`: a name no other test uses.

    Ends in 12 hex digits, so it never looks like a name followed by a
    `-XXXXXX` ARN suffix.
    """
    test = re.sub(r"[^A-Za-z0-9]", "", request.node.name.removeprefix("test_"))[:40] or "t"

    def make(prefix: str | None = None) -> str:
        return f"{prefix or test}-{uuid.uuid4().hex[:12]}"

    return make


@pytest.fixture(scope="session")
def postgres() -> Iterator[dict[str, str]]:
    pg = start_postgres()
    try:
        with superuser(pg) as conn:
            conn.execute("CREATE ROLE tls_only NOLOGIN")  # its members log in over TLS only
        yield pg
    finally:
        stop_postgres(pg)
