"""Settings from a TOML config file (`--config`) and `STRONGROOM_*`
environment variables, with flags winning over the environment and the
environment over the file; `strongroom config check`, which reports every
bad key of a file (exit 1) or the effective settings and their sources."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from support import Server, expect_error, server_binary

# Set by no test environment: the tests set what they need themselves.
SETTING_VARS = [v for v in os.environ if v.startswith("STRONGROOM_") and v not in ("STRONGROOM_BIN", "STRONGROOM_LOG")]


@pytest.fixture(autouse=True)
def _no_inherited_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in SETTING_VARS:
        monkeypatch.delenv(var)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`strongroom config check ARGS`."""
    return subprocess.run(
        [str(server_binary()), "config", "check", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )


def settings(stdout: str) -> dict[str, tuple[str, str]]:
    """`key = value  # source` lines of `config check` → {key: (value, source)}."""
    out = {}
    for line in stdout.splitlines():
        m = re.match(r"^([a-z0-9-]+) = (.*)  # (flag|environment|file|default)$", line)
        if m:
            out[m.group(1)] = (m.group(2), m.group(3))
    return out


def test_a_running_server_takes_flags_over_environment_over_file(tmp_path: Path):
    data = tmp_path / "data"
    config = write(
        tmp_path / "strongroom.toml",
        f"""
        listen = "127.0.0.1:0"
        data-dir = "{data}"
        account-id = "111111111111"
        regions = ["eu-west-1", "eu-west-2"]
        purge-interval-secs = 30
        """,
    )
    srv = Server(
        data,
        log_path=tmp_path / "stderr.log",
        default_flags=False,
        extra_args=["--config", str(config), "--regions", "eu-west-2"],
        env={"STRONGROOM_ACCOUNT_ID": "222222222222"},
    )
    srv.start()
    try:
        # The file's listen address and data directory (the default would
        # be 127.0.0.1:4566 and ./strongroom-data).
        assert srv.port != 4566
        assert (data / "root.key").is_file()
        # The environment's account id beat the file's.
        sts = srv.sts_client(region="eu-west-2")
        assert sts.get_caller_identity()["Account"] == "222222222222"
        # The flag's regions beat the file's: eu-west-1 is not served.
        srv.client(region="eu-west-2").list_secrets()
        with expect_error("InvalidSignatureException", "Credential should be scoped to a valid region. ", status=(400, 403)):
            srv.client(region="eu-west-1").list_secrets()
    finally:
        srv.stop()


def test_config_check_prints_the_effective_settings_and_their_sources(tmp_path: Path):
    config = write(
        tmp_path / "strongroom.toml",
        """
        listen = "0.0.0.0:8443"
        audit-log = "stdout"
        purge-interval-secs = 30
        regions = ["eu-west-1", "us-east-1"]
        dev = false
        """,
    )
    proc = check(
        "--config",
        str(config),
        "--audit-log",
        "off",
        env={"STRONGROOM_PURGE_INTERVAL_SECS": "7", "STRONGROOM_AUDIT_LOG": "file"},
    )
    assert proc.returncode == 0, proc.stderr
    got = settings(proc.stdout)
    assert got["listen"] == ('"0.0.0.0:8443"', "file")
    assert got["purge-interval-secs"] == ("7", "environment")
    assert got["audit-log"] == ('"off"', "flag")
    assert got["regions"] == ('["eu-west-1", "us-east-1"]', "file")
    assert got["data-dir"] == ('"./strongroom-data"', "default")
    assert got["account-id"] == ('"000000000000"', "default")
    assert got["dev"] == ("false", "file")
    assert "# audit-retention-days is not set" in proc.stdout


def test_config_check_without_a_file_shows_environment_and_defaults():
    proc = check(env={"STRONGROOM_LISTEN": "127.0.0.1:9999", "STRONGROOM_REGIONS": "eu-west-1,ap-south-1"})
    assert proc.returncode == 0, proc.stderr
    got = settings(proc.stdout)
    assert got["listen"] == ('"127.0.0.1:9999"', "environment")
    assert got["regions"] == ('["eu-west-1", "ap-south-1"]', "environment")
    assert got["audit-log"] == ('"file"', "default")
    # The default regions are AWS's commercial ones.
    default = settings(check().stdout)["regions"][0]
    assert '"us-east-1"' in default and '"eu-west-3"' in default and '"cn-north-1"' not in default


BAD_FILE = """
listne = "0.0.0.0:8443"
listen = "nowhere"
audit-log = "sometimes"
purge-interval-secs = "soon"
dev = "yes"
regions = ["eu-west-1", "EU"]
account-id = "12"
audit-retention-days = [1, 2]
"""

# Every key of BAD_FILE and what must be said about it.
BAD_KEYS = {
    "listne": "unknown key",
    "listen": 'invalid value "nowhere": invalid socket address syntax',
    "audit-log": 'invalid value "sometimes"; expected one of: file, stdout, off',
    "purge-interval-secs": 'invalid value "soon"',
    "dev": "expected true or false, found string",
    "regions": 'invalid value "EU": not a region name',
    "account-id": 'invalid value "12": an account id must be 12 digits',
    "audit-retention-days": "expected a single value, found array",
}


def test_config_check_reports_every_bad_key_with_its_key(tmp_path: Path):
    config = write(tmp_path / "bad.toml", BAD_FILE)
    proc = check("--config", str(config))
    assert proc.returncode == 1, proc
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == len(BAD_KEYS), proc.stderr
    for key, message in BAD_KEYS.items():
        matching = [line for line in lines if line.startswith(f"{config}: key `{key}`: ")]
        assert len(matching) == 1, (key, proc.stderr)
        assert message in matching[0], (key, matching[0])


def test_serve_refuses_a_bad_config_file_before_anything_else(tmp_path: Path):
    data = tmp_path / "data"
    config = write(tmp_path / "bad.toml", BAD_FILE + f'data-dir = "{data}"\n')
    proc = subprocess.run(
        [str(server_binary()), "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 1, proc
    assert "key `listne`: unknown key" in proc.stderr
    assert "key `audit-log`: " in proc.stderr
    assert not data.exists(), "nothing is created from a bad config"


def test_config_check_names_a_syntax_error(tmp_path: Path):
    config = write(tmp_path / "broken.toml", 'listen = "127.0.0.1:1"\nregions = eu-west-1\n')
    proc = check("--config", str(config))
    assert proc.returncode == 1
    assert str(config) in proc.stderr and "line 2" in proc.stderr, proc.stderr


def test_config_check_on_a_missing_file(tmp_path: Path):
    proc = check("--config", str(tmp_path / "absent.toml"))
    assert proc.returncode == 1
    assert "cannot read the config file" in proc.stderr


def test_a_bad_environment_variable_is_refused():
    proc = check(env={"STRONGROOM_AUDIT_LOG": "sometimes"})
    assert proc.returncode == 2, proc
    assert "sometimes" in proc.stderr and "--audit-log" in proc.stderr


def test_config_check_output_is_a_config_file_that_gives_the_same_settings(tmp_path: Path):
    config = write(tmp_path / "strongroom.toml", 'listen = "0.0.0.0:8443"\nregions = ["eu-west-1"]\n')
    first = check("--config", str(config))
    assert first.returncode == 0, first.stderr
    again = write(tmp_path / "again.toml", first.stdout)
    second = check("--config", str(again))
    assert second.returncode == 0, second.stderr
    values = lambda out: {k: v for k, (v, _) in settings(out).items()}  # noqa: E731
    assert values(second.stdout) == values(first.stdout)
    assert all(source == "file" for _, source in settings(second.stdout).values())
