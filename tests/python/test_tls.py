"""TLS: `--tls-self-signed` (a CA for clients in DATA_DIR/tls/ca.pem),
`--tls-cert/--tls-key` reloaded on SIGHUP, HTTP/2 and HTTP/1.1 by ALPN,
plain HTTP refused off loopback, and aws:SecureTransport."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from botocore.exceptions import SSLError

from support import Server, expect_error, make_client, server_binary


def tls_server(make_server, name: str, extra: list[str] | None = None) -> Server:
    srv = make_server(name=name, extra_args=extra or ["--tls-self-signed"])
    if not extra:
        srv.verify = str(srv.data_dir / "tls" / "ca.pem")
    return srv


def printed_fingerprint(srv: Server) -> str:
    prefix = "strongroom tls certificate sha256 "
    lines = [ln[len(prefix):].strip() for ln in srv.stdout_lines if ln.startswith(prefix)]
    assert lines, srv.stdout_lines
    return lines[-1]


def served_fingerprint(port: int) -> str:
    """SHA-256 of the certificate a new connection is served, as AA:BB:…"""
    pem = ssl.get_server_certificate(("127.0.0.1", port))
    der = ssl.PEM_cert_to_DER_cert(pem)
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def alpn(port: int, offered: list[str]) -> str | None:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(offered)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.selected_alpn_protocol()


def test_self_signed_round_trip_through_boto3(make_server):
    srv = tls_server(make_server, "tls")
    assert srv.endpoint and srv.endpoint.startswith("https://127.0.0.1:"), srv.endpoint
    assert srv.port is not None
    ca = srv.data_dir / "tls" / "ca.pem"
    assert ca.is_file()
    assert printed_fingerprint(srv) == served_fingerprint(srv.port)

    sm = srv.client()
    arn = sm.create_secret(Name="tls/one", SecretString="over tls")["ARN"]
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == "over tls"
    # Verification is real: without the CA file the certificate is refused.
    untrusted = make_client(
        srv.endpoint, region="us-east-1", access_key=srv.access_key or "", secret_key=srv.secret_key or ""
    )
    with pytest.raises(SSLError):
        untrusted.list_secrets()
    # HTTP/2 and HTTP/1.1 by ALPN.
    assert alpn(srv.port, ["h2", "http/1.1"]) == "h2"
    assert alpn(srv.port, ["http/1.1"]) == "http/1.1"
    # The key is private.
    assert (srv.data_dir / "tls" / "server.key").stat().st_mode & 0o077 == 0

    # The same certificate after a restart: clients' trust survives.
    fingerprint = served_fingerprint(srv.port)
    ca_text = ca.read_text()
    srv.restart()
    assert srv.port is not None
    assert served_fingerprint(srv.port) == fingerprint
    assert ca.read_text() == ca_text
    assert srv.client().get_secret_value(SecretId=arn)["SecretString"] == "over tls"


def start_and_read_listening(args: list[str], data_dir: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [str(server_binary()), "serve", *args, "--data-dir", str(data_dir)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    for line in proc.stdout:
        if line.startswith("strongroom listening on "):
            return proc, line.split()[-1]
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise AssertionError("no listening line")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_plain_http_is_refused_off_loopback(tmp_path):
    data_dir = tmp_path / "data"
    refused = subprocess.run(
        [str(server_binary()), "serve", "--listen", "0.0.0.0:0", "--data-dir", str(data_dir)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode != 0, refused
    assert "refusing to serve plain HTTP on 0.0.0.0:0" in refused.stderr, refused.stderr
    assert "--allow-plain-http" in refused.stderr and "--tls-cert" in refused.stderr, refused.stderr
    assert not data_dir.exists(), "nothing is created before the refusal"

    # With the override, or with TLS, it serves (no traffic leaves the machine:
    # only the listening line is read).
    proc, url = start_and_read_listening(["--listen", "0.0.0.0:0", "--allow-plain-http"], data_dir)
    stop(proc)
    assert url.startswith("http://0.0.0.0:"), url
    proc, url = start_and_read_listening(["--listen", "0.0.0.0:0", "--tls-self-signed"], data_dir)
    stop(proc)
    assert url.startswith("https://0.0.0.0:"), url


def make_pair(make_server, name: str) -> tuple[Path, Path, Path]:
    """A certificate chain, key and CA made by a throwaway self-signed start."""
    srv = tls_server(make_server, name)
    srv.stop()
    tls = srv.data_dir / "tls"
    return tls / "server.pem", tls / "server.key", tls / "ca.pem"


def https_context(ca: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca))
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def bodiless_get(conn: http.client.HTTPSConnection) -> int:
    """A request without a body, answered on a connection kept alive (405:
    only POST is served). (A refused request whose body the server did not
    read would have its connection closed.)"""
    conn.request("GET", "/")
    response = conn.getresponse()
    response.read()
    return response.status


def test_certificate_reload_on_sighup_keeps_open_connections(make_server, tmp_path):
    first_cert, first_key, first_ca = make_pair(make_server, "pair-a")
    second_cert, second_key, second_ca = make_pair(make_server, "pair-b")
    certs = tmp_path / "certs"
    certs.mkdir()
    cert, key = certs / "server.pem", certs / "server.key"
    shutil.copy(first_cert, cert)
    shutil.copy(first_key, key)
    srv = make_server(name="reload", extra_args=["--tls-cert", str(cert), "--tls-key", str(key)])
    assert srv.proc is not None and srv.port is not None
    srv.verify = str(first_ca)
    before = served_fingerprint(srv.port)
    assert printed_fingerprint(srv) == before

    # A connection open across the reload.
    open_conn = http.client.HTTPSConnection("localhost", srv.port, context=https_context(first_ca), timeout=10)
    assert bodiless_get(open_conn) == 405
    open_sock = open_conn.sock

    shutil.copy(second_cert, cert)
    shutil.copy(second_key, key)
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while served_fingerprint(srv.port) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    after = served_fingerprint(srv.port)
    assert after != before, "SIGHUP did not change the served certificate"
    srv.verify = str(second_ca)
    assert srv.client().list_secrets()["SecretList"] is not None

    # The connection opened before is still served, on the same socket.
    assert bodiless_get(open_conn) == 405
    assert open_conn.sock is open_sock
    open_conn.close()

    # A bad file on reload: the certificate stays, an error is logged.
    cert.write_text("not a certificate\n")
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "could not be reloaded" not in srv.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "could not be reloaded" in srv.log_text()
    assert served_fingerprint(srv.port) == after
    assert srv.is_running()
    # Key material never reaches the log.
    key_body = "".join(second_key.read_text().splitlines()[1:-1])
    assert key_body[:40] not in srv.log_text()


DENY_PLAIN = {"Bool": {"aws:SecureTransport": "false"}}


def secure_transport_outcomes(srv: Server, tag: str) -> dict[str, str]:
    """What a resource policy and an identity policy that deny requests not
    over TLS let through on `srv`."""
    sm = srv.client()
    arn = sm.create_secret(Name=f"st/{tag}", SecretString="v")["ARN"]
    sm.put_resource_policy(
        SecretId=arn,
        ResourcePolicy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:GetSecretValue",
                "Resource": "*", "Condition": DENY_PLAIN,
            }],
        }),
    )
    iam = make_client(
        srv.endpoint or "", region="us-east-1", access_key=srv.access_key or "",
        secret_key=srv.secret_key or "", service="iam", verify=srv.verify,
    )
    iam.create_user(UserName=f"st-{tag}")
    iam.put_user_policy(
        UserName=f"st-{tag}",
        PolicyName="tls-only",
        PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": "*"},
                {"Effect": "Deny", "Action": "secretsmanager:DescribeSecret", "Resource": "*", "Condition": DENY_PLAIN},
            ],
        }),
    )
    key = iam.create_access_key(UserName=f"st-{tag}")["AccessKey"]
    user = srv.client(access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])

    def outcome(call) -> str:
        try:
            call()
            return "allowed"
        except Exception as e:  # noqa: BLE001 - the code is what is compared
            return getattr(e, "response", {}).get("Error", {}).get("Code", repr(e))

    return {
        "resource policy": outcome(lambda: sm.get_secret_value(SecretId=arn)),
        "identity policy": outcome(lambda: user.describe_secret(SecretId=arn)),
    }


def test_secure_transport_condition_reflects_tls(make_server):
    plain = make_server(name="st-plain")
    tls = tls_server(make_server, "st-tls")
    assert secure_transport_outcomes(plain, "plain") == {
        "resource policy": "AccessDeniedException",
        "identity policy": "AccessDeniedException",
    }
    assert secure_transport_outcomes(tls, "tls") == {
        "resource policy": "allowed",
        "identity policy": "allowed",
    }
