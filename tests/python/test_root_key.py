"""The root key: its sources (key file, environment variable, passphrase),
the refusal of a wrong key (nothing in the data directory changes), and
`strongroom admin rotate-root-key` (data written before and after, IAM
access keys, the audit chain across the rotation, crash points)."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from support import REGION, Server, make_client, server_binary

PASSPHRASE = "correct horse battery staple"


def fresh_key_b64() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(server_binary()), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "RUST_BACKTRACE": "0", **(env or {})},
    )


def admin(srv: Server, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run("admin", *args, "--data-dir", str(srv.data_dir), env=env)


def serve_refused(srv: Server, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`serve` on the server's data dir, expected to stop before listening."""
    proc = run(
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        str(srv.data_dir),
        *args,
        env=env,
        timeout=60,
    )
    assert proc.returncode != 0, proc.stdout
    assert "listening" not in proc.stdout
    return proc


def snapshot(data_dir: Path) -> dict[str, str]:
    """Every file under the data dir with the hash of its bytes, except
    SQLite's `-shm` files: a shared-memory index of the WAL, rebuilt by any
    connection that opens the database (even the refused start's read-only
    peek), holding no data of its own."""
    return {
        str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file() and not p.name.endswith("-shm")
    }


def files_containing(data_dir: Path, needle: bytes) -> list[str]:
    return [str(p.relative_to(data_dir)) for p in data_dir.rglob("*") if p.is_file() and needle in p.read_bytes()]


def iam(srv: Server):
    return make_client(srv.endpoint, region=REGION, access_key=srv.access_key, secret_key=srv.secret_key, service="iam")


def caller_arn(srv: Server, key: tuple[str, str]) -> str:
    sts = make_client(srv.endpoint, region=REGION, access_key=key[0], secret_key=key[1], service="sts")
    return sts.get_caller_identity()["Arn"]


def user_key(srv: Server, name: str) -> tuple[str, str]:
    client = iam(srv)
    client.create_user(UserName=name)
    key = client.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def write_data(srv: Server, tag: str) -> tuple[str, tuple[str, str]]:
    """A secret and an IAM user's access key, made through the API."""
    name = f"rk-{tag}"
    srv.client().create_secret(Name=name, SecretString=f"value-{tag}")
    return name, user_key(srv, f"user-{tag}")


def assert_data(srv: Server, name: str, key: tuple[str, str]) -> None:
    tag = name.removeprefix("rk-")
    assert srv.client().get_secret_value(SecretId=name)["SecretString"] == f"value-{tag}"
    assert caller_arn(srv, key).endswith(f":user/user-{tag}")


def audit_verify(srv: Server, *source: str, env: dict[str, str] | None = None) -> None:
    proc = admin(srv, "audit", "verify", *source, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "audit trail intact" in proc.stdout


def rotate(srv: Server, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = admin(srv, "rotate-root-key", *args, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "re-wrapped under the new key" in proc.stdout
    return proc


def test_rotation_keeps_data_written_before_and_after(fresh_server):
    srv = fresh_server
    before = write_data(srv, "before")
    srv.stop()
    root_key = srv.data_dir / "root.key"
    old_key = root_key.read_bytes()

    proc = rotate(srv)
    assert "start the server as before" in proc.stdout
    assert "STS session tokens" in proc.stdout
    new_key = root_key.read_bytes()
    assert len(new_key) == 32 and new_key != old_key
    assert oct(root_key.stat().st_mode & 0o777) == "0o600"
    assert not (srv.data_dir / "root.key.new").exists()
    # No file but root.key holds a root key, old or new, or an access key's secret.
    assert files_containing(srv.data_dir, new_key) == ["root.key"]
    assert files_containing(srv.data_dir, old_key) == []
    assert files_containing(srv.data_dir, before[1][1].encode()) == []

    srv.start()
    assert_data(srv, *before)
    after = write_data(srv, "after")
    assert_data(srv, *after)
    srv.stop()
    # The chain spans records made under both keys.
    audit_verify(srv)

    # A second rotation re-wraps the sealed chain key too.
    rotate(srv)
    srv.start()
    assert_data(srv, *before)
    assert_data(srv, *after)
    srv.stop()
    audit_verify(srv)
    # The old key opens nothing any more.
    old = srv.data_dir.parent / "old.key"
    old.write_bytes(old_key)
    old.chmod(0o600)
    proc = serve_refused(srv, "--root-key-file", str(old))
    assert "does not match this data directory" in proc.stderr


def test_rotation_refuses_a_running_server(fresh_server):
    proc = admin(fresh_server, "rotate-root-key")
    assert proc.returncode != 0
    assert "runs offline" in proc.stderr and "stop the server" in proc.stderr
    assert not (fresh_server.data_dir / "root.key.new").exists()


def test_a_wrong_root_key_refuses_to_start_and_changes_nothing(fresh_server):
    srv = fresh_server
    name, key = write_data(srv, "wrong")
    srv.stop()
    before = snapshot(srv.data_dir)

    other = srv.data_dir.parent / "other.key"
    other.write_bytes(os.urandom(32))
    other.chmod(0o600)
    proc = serve_refused(srv, "--root-key-file", str(other))
    assert "does not match this data directory" in proc.stderr
    assert f"the key file {other}" in proc.stderr
    assert "nothing was changed" in proc.stderr
    assert snapshot(srv.data_dir) == before

    proc = serve_refused(srv, "--root-key-env", "SR_TEST_KEY", env={"SR_TEST_KEY": fresh_key_b64()})
    assert "does not match this data directory" in proc.stderr
    assert "the environment variable SR_TEST_KEY" in proc.stderr
    assert snapshot(srv.data_dir) == before

    # Admin commands that need the key refuse it the same way.
    proc = admin(srv, "create-access-key", "--user", "admin", "--root-key-file", str(other))
    assert proc.returncode != 0 and "does not match this data directory" in proc.stderr
    proc = admin(srv, "audit", "verify", "--root-key-file", str(other))
    assert proc.returncode != 0 and "does not match this data directory" in proc.stderr
    assert snapshot(srv.data_dir) == before

    srv.start()
    assert_data(srv, name, key)


def test_source_configuration_errors_are_clear(fresh_server):
    srv = fresh_server
    srv.stop()
    before = snapshot(srv.data_dir)
    proc = serve_refused(srv, "--root-key-env", "K", "--root-key-passphrase-env", "P", env={"K": "x", "P": "y"})
    assert "give one root key source, not several: --root-key-env and --root-key-passphrase-env" in proc.stderr
    short = base64.b64encode(os.urandom(31)).decode()
    proc = serve_refused(srv, "--root-key-env", "SR_TEST_KEY", env={"SR_TEST_KEY": short})
    assert "SR_TEST_KEY does not hold a root key" in proc.stderr and "31 bytes" in proc.stderr
    assert short not in proc.stderr
    proc = serve_refused(srv, "--root-key-env", "SR_TEST_UNSET_VARIABLE")
    assert "SR_TEST_UNSET_VARIABLE is not set" in proc.stderr
    # The key file is not created when it is missing from a directory that
    # holds sealed data.
    (srv.data_dir / "root.key").rename(srv.data_dir.parent / "moved.key")
    proc = serve_refused(srv)
    assert "no key is created for it" in proc.stderr
    assert not (srv.data_dir / "root.key").exists()
    (srv.data_dir.parent / "moved.key").rename(srv.data_dir / "root.key")
    assert snapshot(srv.data_dir) == before


def test_environment_variable_source(make_server):
    key = fresh_key_b64()
    env = {"SR_ROOT_KEY": key}
    srv = make_server(extra_args=["--root-key-env", "SR_ROOT_KEY"], start=False)
    srv.env = env
    srv.start()
    data = write_data(srv, "env")
    srv.stop()
    assert not (srv.data_dir / "root.key").exists()
    assert files_containing(srv.data_dir, base64.b64decode(key)) == []
    assert files_containing(srv.data_dir, key.encode()) == []
    assert files_containing(srv.data_dir, data[1][1].encode()) == []
    srv.start()
    assert_data(srv, *data)
    srv.stop()
    audit_verify(srv, "--root-key-env", "SR_ROOT_KEY", env=env)
    # The STRONGROOM_* variable names the source too, like every serve flag.
    srv.extra_args = []
    srv.env = {"STRONGROOM_ROOT_KEY_ENV": "SR_ROOT_KEY", **env}
    srv.start()
    assert_data(srv, *data)


def test_passphrase_source(make_server, tmp_path):
    env = {"SR_PASSPHRASE": PASSPHRASE}
    srv = make_server(extra_args=["--root-key-passphrase-env", "SR_PASSPHRASE"], start=False)
    srv.env = env
    srv.start()
    data = write_data(srv, "pass")
    srv.stop()
    kdf = (srv.data_dir / "root.kdf").read_text()
    assert kdf.startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert not (srv.data_dir / "root.key").exists()
    assert files_containing(srv.data_dir, PASSPHRASE.encode()) == []
    before = snapshot(srv.data_dir)

    proc = serve_refused(srv, "--root-key-passphrase-env", "SR_PASSPHRASE", env={"SR_PASSPHRASE": "wrong horse"})
    assert "does not match this data directory" in proc.stderr
    assert "the passphrase in the environment variable SR_PASSPHRASE" in proc.stderr
    assert "a wrong passphrase?" in proc.stderr
    assert snapshot(srv.data_dir) == before

    # The same passphrase from a file gives the same key.
    pass_file = tmp_path / "passphrase"
    pass_file.write_text(PASSPHRASE + "\n")
    pass_file.chmod(0o600)
    srv.extra_args = ["--root-key-passphrase-file", str(pass_file)]
    srv.env = {}
    srv.start()
    assert_data(srv, *data)
    srv.stop()
    audit_verify(srv, "--root-key-passphrase-file", str(pass_file))


def test_rotation_between_sources(fresh_server, tmp_path):
    srv = fresh_server
    data = write_data(srv, "sources")
    srv.stop()

    # Key file → environment variable: the key file goes.
    env_key = fresh_key_b64()
    proc = rotate(srv, "--new-root-key-env", "SR_NEW_KEY", env={"SR_NEW_KEY": env_key})
    assert "--root-key-env SR_NEW_KEY" in proc.stdout
    assert not (srv.data_dir / "root.key").exists()
    assert files_containing(srv.data_dir, base64.b64decode(env_key)) == []
    srv.extra_args = ["--root-key-env", "SR_NEW_KEY"]
    srv.env = {"SR_NEW_KEY": env_key}
    srv.start()
    assert_data(srv, *data)
    srv.stop()

    # Environment variable → passphrase.
    proc = rotate(
        srv,
        "--root-key-env",
        "SR_NEW_KEY",
        "--new-root-key-passphrase-env",
        "SR_PASSPHRASE",
        env={"SR_NEW_KEY": env_key, "SR_PASSPHRASE": PASSPHRASE},
    )
    assert "--root-key-passphrase-env SR_PASSPHRASE" in proc.stdout
    assert (srv.data_dir / "root.kdf").exists() and not (srv.data_dir / "root.kdf.new").exists()
    serve_refused(srv, "--root-key-env", "SR_NEW_KEY", env={"SR_NEW_KEY": env_key})
    srv.extra_args = ["--root-key-passphrase-env", "SR_PASSPHRASE"]
    srv.env = {"SR_PASSPHRASE": PASSPHRASE}
    srv.start()
    assert_data(srv, *data)
    more = write_data(srv, "more")
    srv.stop()

    # Passphrase → a new passphrase (a new salt), then back to a key file.
    rotate(
        srv,
        "--root-key-passphrase-env",
        "SR_PASSPHRASE",
        "--new-root-key-passphrase-env",
        "SR_NEW_PASSPHRASE",
        env={"SR_PASSPHRASE": PASSPHRASE, "SR_NEW_PASSPHRASE": "another passphrase"},
    )
    serve_refused(srv, "--root-key-passphrase-env", "SR_PASSPHRASE", env={"SR_PASSPHRASE": PASSPHRASE})
    rotate(srv, "--root-key-passphrase-env", "SR_P", env={"SR_P": "another passphrase"})
    assert (srv.data_dir / "root.key").exists() and not (srv.data_dir / "root.kdf").exists()
    srv.extra_args = []
    srv.env = {}
    srv.start()
    assert_data(srv, *data)
    assert_data(srv, *more)
    srv.stop()
    audit_verify(srv)


@pytest.mark.parametrize("crash", ["after-stage", "after-commit"])
def test_a_rotation_stopped_at_any_point_starts_with_one_key(fresh_server, crash):
    srv = fresh_server
    data = write_data(srv, "crash")
    srv.stop()
    old_key = (srv.data_dir / "root.key").read_bytes()
    proc = admin(srv, "rotate-root-key", env={"STRONGROOM_TEST_ROTATE_CRASH": crash})
    assert proc.returncode == 101, proc.stdout + proc.stderr
    staged = srv.data_dir / "root.key.new"
    assert staged.exists()
    staged_key = staged.read_bytes()

    srv.start()
    assert_data(srv, *data)
    assert not staged.exists()
    current = (srv.data_dir / "root.key").read_bytes()
    # Before the commit the old key stays; after it the staged key is put
    # in place.
    assert current == (old_key if crash == "after-stage" else staged_key)
    write_data(srv, "after-crash")
    srv.stop()
    audit_verify(srv)


def test_a_passphrase_rotation_stopped_after_its_commit_finishes_on_start(make_server):
    srv = make_server(extra_args=["--root-key-passphrase-env", "SR_P"], start=False)
    srv.env = {"SR_P": PASSPHRASE}
    srv.start()
    data = write_data(srv, "passcrash")
    srv.stop()
    proc = admin(
        srv,
        "rotate-root-key",
        "--root-key-passphrase-env",
        "SR_P",
        "--new-root-key-passphrase-env",
        "SR_NEW",
        env={"SR_P": PASSPHRASE, "SR_NEW": "new passphrase", "STRONGROOM_TEST_ROTATE_CRASH": "after-commit"},
    )
    assert proc.returncode == 101, proc.stdout + proc.stderr
    assert (srv.data_dir / "root.kdf.new").exists()
    # The old passphrase no longer opens it; the new one finishes the rename.
    serve_refused(srv, "--root-key-passphrase-env", "SR_P", env={"SR_P": PASSPHRASE})
    srv.env = {"SR_P": "new passphrase"}
    srv.start()
    assert_data(srv, *data)
    assert not (srv.data_dir / "root.kdf.new").exists()


def test_the_source_can_come_from_the_config_file(tmp_path):
    data = tmp_path / "data"
    config = tmp_path / "strongroom.toml"
    config.write_text(f'listen = "127.0.0.1:0"\ndata-dir = "{data}"\nroot-key-passphrase-env = "SR_CONF_PASS"\n')
    srv = Server(
        data,
        log_path=tmp_path / "stderr.log",
        default_flags=False,
        extra_args=["--config", str(config)],
        env={"SR_CONF_PASS": PASSPHRASE},
    )
    srv.start()
    try:
        data_written = write_data(srv, "conf")
    finally:
        srv.stop()
    assert (data / "root.kdf").exists() and not (data / "root.key").exists()
    proc = run("config", "check", "--config", str(config))
    assert proc.returncode == 0, proc.stderr
    assert 'root-key-passphrase-env = "SR_CONF_PASS"  # file' in proc.stdout
    srv.start()
    try:
        assert_data(srv, *data_written)
    finally:
        srv.stop()


def test_a_data_dir_from_before_the_key_check_is_verified_by_a_sealed_value(fresh_server):
    import sqlite3

    srv = fresh_server
    data = write_data(srv, "legacy")
    srv.stop()
    db = srv.data_dir / "strongroom.db"
    # As a data directory written before the check existed.
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'root_key_check'")
    conn.close()
    before = snapshot(srv.data_dir)

    proc = serve_refused(srv, "--root-key-env", "SR_TEST_KEY", env={"SR_TEST_KEY": fresh_key_b64()})
    assert "does not match this data directory" in proc.stderr
    assert "a sealed value did not open under it" in proc.stderr
    assert snapshot(srv.data_dir) == before

    srv.start()
    assert_data(srv, *data)
    srv.stop()
    with sqlite3.connect(db) as conn:
        (check,) = conn.execute("SELECT value FROM meta WHERE key = 'root_key_check'").fetchone()
    conn.close()
    assert check.startswith("v1:") and len(check) == 3 + 64
