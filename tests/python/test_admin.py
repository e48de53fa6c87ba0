"""`strongroom admin`: new accounts and recovery keys, both against a running
server (through its admin socket, taking effect at once) and on a stopped
data directory."""

from __future__ import annotations

import re
import subprocess

import pytest

from support import REGION, make_client

OTHER_ACCOUNT = "210987654321"


def admin(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(server.binary), "admin", *args, "--data-dir", str(server.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def exported_key(proc: subprocess.CompletedProcess) -> tuple[str, str]:
    assert proc.returncode == 0, proc.stderr
    found = dict(re.findall(r"^export (AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)=(\S+)$", proc.stdout, re.M))
    assert set(found) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}, proc.stdout
    return found["AWS_ACCESS_KEY_ID"], found["AWS_SECRET_ACCESS_KEY"]


def sts(server, key: tuple[str, str]):
    return make_client(server.endpoint, region=REGION, access_key=key[0], secret_key=key[1], service="sts")


def test_create_account_on_a_running_server_serves_it_at_once(fresh_server):
    key = exported_key(admin(fresh_server, "create-account", OTHER_ACCOUNT))
    assert key[0].startswith("AKIA")
    me = sts(fresh_server, key).get_caller_identity()
    assert me["Account"] == OTHER_ACCOUNT
    assert me["Arn"] == f"arn:aws:iam::{OTHER_ACCOUNT}:user/admin"
    # The new account is its own namespace of secrets.
    other = make_client(fresh_server.endpoint, region=REGION, access_key=key[0], secret_key=key[1])
    other.create_secret(Name="shared-name", SecretString="theirs")
    fresh_server.client().create_secret(Name="shared-name", SecretString="ours")
    assert other.get_secret_value(SecretId="shared-name")["SecretString"] == "theirs"

    again = admin(fresh_server, "create-account", OTHER_ACCOUNT)
    assert again.returncode != 0
    assert "EntityAlreadyExists" in again.stderr or "exists" in again.stderr
    bad = admin(fresh_server, "create-account", "12345")
    assert bad.returncode != 0


def test_create_access_key_recovers_access(fresh_server):
    # The first-start key plus this one: the user's two keys.
    key = exported_key(admin(fresh_server, "create-access-key", "--user", "admin"))
    me = sts(fresh_server, key).get_caller_identity()
    assert me["Arn"].endswith(":user/admin")
    third = admin(fresh_server, "create-access-key", "--user", "admin")
    assert third.returncode != 0
    assert "LimitExceeded" in third.stderr
    missing = admin(fresh_server, "create-access-key", "--user", "nobody")
    assert missing.returncode != 0
    assert "NoSuchEntity" in missing.stderr


def test_admin_commands_work_on_a_stopped_data_dir(fresh_server):
    fresh_server.stop()
    key = exported_key(admin(fresh_server, "create-account", OTHER_ACCOUNT))
    fresh_server.start()
    me = sts(fresh_server, key).get_caller_identity()
    assert me["Account"] == OTHER_ACCOUNT


def test_admin_refuses_a_directory_that_is_not_a_data_dir(tmp_path):
    from support import server_binary

    proc = subprocess.run(
        [str(server_binary()), "admin", "create-account", OTHER_ACCOUNT, "--data-dir", str(tmp_path / "nothing")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "not a Strongroom data directory" in proc.stderr


def test_admin_socket_is_private(fresh_server):
    sock = fresh_server.data_dir / "admin" / "admin.sock"
    assert sock.exists()
    assert sock.stat().st_mode & 0o777 == 0o600
    assert sock.parent.stat().st_mode & 0o777 == 0o700
