"""Durability across restarts, the data directory's contents (no plaintext,
a 0600 root key) and concurrent writers."""

from __future__ import annotations

import base64
import datetime as dt
import os
import signal
import stat
import threading
import time
import uuid
from pathlib import Path

from support import (
    MSG_MARKED_FOR_DELETION,
    all_versions,
    expect_error,
    list_all,
    new_token,
    stages_by_version,
)


def data_files(data_dir: Path) -> dict[Path, bytes]:
    """Raw bytes of every regular file under the data dir (the admin
    socket is not a file one can read)."""
    out = {}
    for root, _dirs, files in os.walk(data_dir):
        for f in files:
            p = Path(root) / f
            if not p.is_file():
                continue
            try:
                out[p] = p.read_bytes()
            except FileNotFoundError:  # e.g. a -shm or journal file going away
                pass
    return out


def assert_absent(markers: dict[str, bytes], files: dict[Path, bytes], where: str) -> None:
    assert files, f"no files in the data dir ({where})"
    for label, marker in markers.items():
        for path, content in files.items():
            assert marker not in content, f"{label} found in plaintext in {path} ({where})"


def snapshot(client, name: str) -> dict:
    """What a client can see of a secret, minus volatile metadata."""
    d = client.describe_secret(SecretId=name)
    d.pop("ResponseMetadata", None)
    versions = sorted(
        ({k: v for k, v in ver.items() if k != "LastAccessedDate"} for ver in all_versions(client, name)),
        key=lambda v: v["VersionId"],
    )
    return {"describe": d, "versions": versions}


# -- restart ---------------------------------------------------------------------------


def test_data_and_credentials_survive_restart(fresh_server):
    srv = fresh_server
    assert srv.printed_credentials is not None, "first start must print the credentials"
    access_key, secret_key = srv.printed_credentials
    assert access_key.startswith("AKIA"), access_key
    assert len(secret_key) >= 20
    assert srv.data_dir.joinpath("strongroom.db").is_file()

    c = srv.client()
    v1, v2 = new_token(), new_token()
    c.create_secret(
        Name="persist/string",
        SecretString="string-value",
        ClientRequestToken=v1,
        Description="kept across restarts",
        Tags=[{"Key": "Env", "Value": "prod"}, {"Key": "Owner", "Value": "me"}],
    )
    c.put_secret_value(SecretId="persist/string", SecretString="second-value", ClientRequestToken=v2)
    c.put_secret_value(SecretId="persist/string", SecretString="custom", VersionStages=["CUSTOM"])
    binary = b"\x00\x01\xfe\xff persisted \x80"
    c.create_secret(Name="persist/binary", SecretBinary=binary)
    c.create_secret(Name="persist/empty")
    c.create_secret(Name="persist/doomed", SecretString="doomed")
    c.delete_secret(SecretId="persist/doomed", RecoveryWindowInDays=7)
    c.create_secret(Name="persist/gone", SecretString="gone")
    c.delete_secret(SecretId="persist/gone", ForceDeleteWithoutRecovery=True)
    c.create_secret(Name="persist/eu", SecretString="eu")  # us-east-1
    srv.client(region="eu-west-1").create_secret(Name="persist/eu", SecretString="eu-west")

    names = ["persist/string", "persist/binary", "persist/empty", "persist/doomed"]
    before = {n: snapshot(c, n) for n in names}
    listing_before = sorted(e["ARN"] for e in list_all(c, IncludePlannedDeletion=True)[0])

    rc = srv.stop()
    assert rc == 0, f"SIGTERM should shut down cleanly, exit code {rc}\n{srv.log_text()[-2000:]}"
    srv.start()

    assert srv.printed_credentials is None, "credentials must be printed on the first start only"
    assert not any("AWS_SECRET_ACCESS_KEY" in line or secret_key in line for line in srv.stdout_lines)
    assert (srv.access_key, srv.secret_key) == (access_key, secret_key)

    c = srv.client()
    for n in names:
        assert snapshot(c, n) == before[n], n
    assert sorted(e["ARN"] for e in list_all(c, IncludePlannedDeletion=True)[0]) == listing_before

    g = c.get_secret_value(SecretId="persist/string")
    assert (g["SecretString"], g["VersionId"]) == ("second-value", v2)
    assert c.get_secret_value(SecretId="persist/string", VersionId=v1)["SecretString"] == "string-value"
    assert c.get_secret_value(SecretId="persist/string", VersionStage="CUSTOM")["SecretString"] == "custom"
    assert c.get_secret_value(SecretId="persist/binary")["SecretBinary"] == binary
    with expect_error("ResourceNotFoundException"):
        c.get_secret_value(SecretId="persist/empty")
    with expect_error("InvalidRequestException", MSG_MARKED_FOR_DELETION):
        c.get_secret_value(SecretId="persist/doomed")
    with expect_error("ResourceNotFoundException"):
        c.describe_secret(SecretId="persist/gone")
    assert c.get_secret_value(SecretId="persist/eu")["SecretString"] == "eu"
    assert srv.client(region="eu-west-1").get_secret_value(SecretId="persist/eu")["SecretString"] == "eu-west"

    # Idempotency survives too: the same token and value is still a no-op.
    again = c.put_secret_value(SecretId="persist/string", SecretString="second-value", ClientRequestToken=v2)
    assert again["VersionId"] == v2
    assert snapshot(c, "persist/string")["versions"] == before["persist/string"]["versions"]

    # And the server keeps working after the restart.
    c.restore_secret(SecretId="persist/doomed")
    assert c.get_secret_value(SecretId="persist/doomed")["SecretString"] == "doomed"


def test_acknowledged_writes_survive_kill_9(fresh_server):
    """SIGKILL, unlike SIGTERM, runs no shutdown code: every write the
    server answered must be on disk already, including while other writes
    are in flight at the moment of the kill."""
    srv = fresh_server
    c = srv.client()
    t1, t2 = new_token(), new_token()
    c.create_secret(Name="k9/string", SecretString="one", ClientRequestToken=t1, Tags=[{"Key": "K", "Value": "V"}])
    c.put_secret_value(SecretId="k9/string", SecretString="two", ClientRequestToken=t2)
    c.put_secret_value(SecretId="k9/string", SecretString="custom", VersionStages=["CUSTOM"])
    c.update_secret(SecretId="k9/string", Description="described")
    c.create_secret(Name="k9/binary", SecretBinary=b"\x00\xffbin")
    c.create_secret(Name="k9/doomed", SecretString="doomed")
    c.delete_secret(SecretId="k9/doomed", RecoveryWindowInDays=7)
    c.create_secret(Name="k9/gone", SecretString="gone")
    c.delete_secret(SecretId="k9/gone", ForceDeleteWithoutRecovery=True)
    names = ["k9/string", "k9/binary", "k9/doomed"]
    before = {n: snapshot(c, n) for n in names}

    # Writers that keep going until the server dies under them.
    writers = 4
    acked: list[list[tuple[str, str]]] = [[] for _ in range(writers)]
    in_flight: list[tuple[str, str] | None] = [None] * writers
    stop = threading.Event()

    def write(i: int) -> None:
        own = srv.client()
        name = f"k9/busy{i}"
        token, value = new_token(), f"busy{i}-0"
        in_flight[i] = (token, value)
        own.create_secret(Name=name, SecretString=value, ClientRequestToken=token)
        acked[i].append((token, value))
        # Fewer than 100 versions: retention never removes one here.
        for n in range(1, 90):
            if stop.is_set():
                return
            token, value = new_token(), f"busy{i}-{n}"
            in_flight[i] = (token, value)
            try:
                own.put_secret_value(SecretId=name, SecretString=value, ClientRequestToken=token)
            except Exception:  # the server was killed mid-call
                return
            acked[i].append((token, value))
            in_flight[i] = None

    threads = [threading.Thread(target=write, args=(i,), daemon=True) for i in range(writers)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while min(len(a) for a in acked) < 10:
        assert time.monotonic() < deadline, f"writers too slow: {[len(a) for a in acked]}"
        assert all(t.is_alive() or len(a) >= 10 for t, a in zip(threads, acked)), "a writer failed early"
        time.sleep(0.01)
    assert srv.kill() == -signal.SIGKILL
    stop.set()
    for t in threads:
        t.join(timeout=60)
    # What was answered before the kill is final; a write in flight at the
    # kill may have committed or not.
    acked = [list(a) for a in acked]

    srv.start()
    c = srv.client()
    for n in names:
        assert snapshot(c, n) == before[n], n
    assert c.get_secret_value(SecretId="k9/string")["SecretString"] == "two"
    assert c.get_secret_value(SecretId="k9/string", VersionId=t1)["SecretString"] == "one"
    assert c.get_secret_value(SecretId="k9/string", VersionStage="CUSTOM")["SecretString"] == "custom"
    assert c.get_secret_value(SecretId="k9/binary")["SecretBinary"] == b"\x00\xffbin"
    with expect_error("ResourceNotFoundException"):
        c.describe_secret(SecretId="k9/gone")
    for i in range(writers):
        name = f"k9/busy{i}"
        stored = {v["VersionId"] for v in all_versions(c, name)}
        mine = {token for token, _ in acked[i]}
        extra = stored - mine
        assert mine <= stored, f"{name}: acknowledged versions lost: {mine - stored}"
        maybe = {in_flight[i][0]} if in_flight[i] else set()
        assert extra <= maybe, f"{name}: versions nobody wrote: {extra - maybe}"
        for token, value in acked[i]:
            assert c.get_secret_value(SecretId=name, VersionId=token)["SecretString"] == value
        current = c.get_secret_value(SecretId=name)["VersionId"]
        assert current in extra or current == acked[i][-1][0], (name, current)
    # And the server goes on writing.
    c.put_secret_value(SecretId="k9/busy0", SecretString="after")
    assert c.get_secret_value(SecretId="k9/busy0")["SecretString"] == "after"


def test_other_credentials_still_rejected_after_restart(fresh_server):
    srv = fresh_server
    srv.restart()
    with expect_error("UnrecognizedClientException", status=(400, 403)):
        srv.client(access_key="AKIAUNKNOWNKEY000000", secret_key="x").list_secrets()
    assert srv.client().list_secrets()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_root_key_is_private(fresh_server):
    root_key = fresh_server.data_dir / "root.key"
    assert root_key.is_file()
    mode = stat.S_IMODE(root_key.stat().st_mode)
    assert mode == 0o600, oct(mode)
    fresh_server.restart()
    assert stat.S_IMODE(root_key.stat().st_mode) == 0o600


def test_last_accessed_date_is_shown_after_a_read_and_kept_across_restart(make_server):
    """A read notes LastAccessedDate in memory; the server writes it in the
    background (here never: the interval is an hour), when an answer that
    shows it comes, and at shutdown."""
    srv = make_server(name="accessed", extra_args=["--access-flush-interval-secs", "3600"])
    c = srv.client()
    for name in ("accessed/described", "accessed/listed", "accessed/at-shutdown", "accessed/never"):
        c.create_secret(Name=name, SecretString="x")
    today = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)

    def day(value: dt.datetime) -> dt.datetime:
        return value.astimezone(dt.timezone.utc)

    # DescribeSecret, right after the read, shows it (date only).
    assert "LastAccessedDate" not in c.describe_secret(SecretId="accessed/described")
    c.get_secret_value(SecretId="accessed/described")
    d = c.describe_secret(SecretId="accessed/described")
    assert day(d["LastAccessedDate"]) in (today, today + dt.timedelta(days=1)), d["LastAccessedDate"]
    # ListSecrets too.
    c.get_secret_value(SecretId="accessed/listed")
    listed, _ = list_all(c, Filters=[{"Key": "name", "Values": ["accessed/"]}])
    by_name = {e["Name"]: e for e in listed}
    assert "LastAccessedDate" in by_name["accessed/listed"], by_name["accessed/listed"]
    assert "LastAccessedDate" not in by_name["accessed/never"]

    # Read, and nothing shows it before the restart: only shutdown writes it.
    c.get_secret_value(SecretId="accessed/at-shutdown")
    assert srv.restart()
    c = srv.client()
    for name in ("accessed/described", "accessed/listed", "accessed/at-shutdown"):
        d = c.describe_secret(SecretId=name)
        assert "LastAccessedDate" in d, name
        version = c.list_secret_version_ids(SecretId=name)["Versions"][0]
        assert version["LastAccessedDate"] == d["LastAccessedDate"], name
    assert "LastAccessedDate" not in c.describe_secret(SecretId="accessed/never")


# -- encryption at rest -------------------------------------------------------------


def test_no_plaintext_in_data_dir(fresh_server):
    srv = fresh_server
    c = srv.client()
    tag = uuid.uuid4().hex
    string_marker = f"PLAINTEXT-MARKER-{tag}"
    put_marker = f"PUT-MARKER-{tag}"
    update_marker = f"UPDATE-MARKER-{tag}"
    binary_marker = os.urandom(24) + b"BINARY-MARKER" + bytes.fromhex(tag)
    json_marker = '{"username": "admin", "password": "JSON-MARKER-%s"}' % tag

    c.create_secret(Name="enc/string", SecretString=string_marker)
    c.create_secret(Name="enc/binary", SecretBinary=binary_marker)
    c.create_secret(Name="enc/json", SecretString=json_marker)
    c.put_secret_value(SecretId="enc/string", SecretString=put_marker)
    c.update_secret(SecretId="enc/json", SecretString=update_marker)
    # Read them back so any caching or access bookkeeping has happened too.
    assert c.get_secret_value(SecretId="enc/string")["SecretString"] == put_marker
    assert c.get_secret_value(SecretId="enc/binary")["SecretBinary"] == binary_marker
    assert c.batch_get_secret_value(SecretIdList=["enc/json"])["SecretValues"][0]["SecretString"] == update_marker

    markers = {
        "string marker": string_marker.encode(),
        "put marker": put_marker.encode(),
        "update marker": update_marker.encode(),
        "json marker": f"JSON-MARKER-{tag}".encode(),
        "binary marker": binary_marker,
        "binary marker (base64)": base64.b64encode(binary_marker),
        "binary marker (hex)": binary_marker.hex().encode(),
        "string marker (base64)": base64.b64encode(string_marker.encode()),
        "put marker (base64)": base64.b64encode(put_marker.encode()),
    }
    assert_absent(markers, data_files(srv.data_dir), "while running")
    assert srv.data_dir.joinpath("strongroom.db").is_file()

    srv.restart()
    c = srv.client()  # the port changes on every start
    assert c.get_secret_value(SecretId="enc/string")["SecretString"] == put_marker
    assert c.get_secret_value(SecretId="enc/binary")["SecretBinary"] == binary_marker
    assert_absent(markers, data_files(srv.data_dir), "after restart")

    srv.stop()
    assert_absent(markers, data_files(srv.data_dir), "after shutdown")
    # Nor in the server's own log.
    log = srv.log_path.read_bytes()
    for label, marker in markers.items():
        assert marker not in log, f"{label} found in the server log"


# -- concurrency ---------------------------------------------------------------------


def test_concurrent_puts_keep_one_current_and_one_previous(server, client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="initial")
    threads_n, per_thread = 8, 10
    written: set[str] = set()
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads_n)

    def worker(i: int) -> None:
        c = server.client()
        try:
            start.wait(timeout=30)
            for j in range(per_thread):
                value = f"value-{i}-{j}"
                with lock:
                    written.add(value)
                c.put_secret_value(SecretId=name, SecretString=value)
        except BaseException as e:  # noqa: BLE001 - reported below
            with lock:
                errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "writers hung"
    assert not errors, errors[:3]

    versions = all_versions(client, name)
    assert len(versions) == 1 + threads_n * per_thread
    current = [v for v in versions if "AWSCURRENT" in v.get("VersionStages", [])]
    previous = [v for v in versions if "AWSPREVIOUS" in v.get("VersionStages", [])]
    assert len(current) == 1, current
    assert len(previous) == 1, previous
    assert current[0]["VersionId"] != previous[0]["VersionId"]
    labelled = [v for v in versions if v.get("VersionStages")]
    assert len(labelled) == 2

    stages = stages_by_version(client, name)
    assert stages == {current[0]["VersionId"]: {"AWSCURRENT"}, previous[0]["VersionId"]: {"AWSPREVIOUS"}}
    g = client.get_secret_value(SecretId=name)
    assert g["VersionId"] == current[0]["VersionId"]
    assert g["SecretString"] in written
    p = client.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
    assert p["SecretString"] in written
    assert p["SecretString"] != g["SecretString"]
