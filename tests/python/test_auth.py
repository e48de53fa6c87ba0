"""SigV4 authentication: keys, signatures, clock skew, presigned queries,
the region of the credential scope, and --dev mode."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from support import (
    JSON_CONTENT_TYPE,
    MSG_SECRET_NOT_FOUND,
    RawResponse,
    expect_error,
    http_post,
    list_all,
    new_token,
)

# Authentication failures may be 400 or 403 (the code is what clients match).
AUTH_STATUSES = (400, 403)


def assert_auth_error(resp: RawResponse, code: str) -> None:
    assert resp.status in AUTH_STATUSES, (resp.status, resp.body[:300])
    assert resp.error_type == code, resp.body[:300]
    assert resp.message, resp.body[:300]


def utc_naive(delta: dt.timedelta = dt.timedelta()) -> dt.datetime:
    return (dt.datetime.now(dt.timezone.utc) + delta).replace(tzinfo=None, microsecond=0)


# -- keys and signatures -------------------------------------------------------------


def test_valid_signature_is_accepted(raw):
    resp = raw.call("ListSecrets", {"MaxResults": 1})
    assert resp.status == 200, resp.body


def test_unknown_access_key(server):
    c = server.client(access_key="AKIAUNKNOWNKEY000000", secret_key="whatever-secret")
    with expect_error("UnrecognizedClientException", status=AUTH_STATUSES):
        c.list_secrets()


def test_wrong_secret_key(server):
    c = server.client(secret_key=(server.secret_key or "") + "x")
    with expect_error("InvalidSignatureException", status=AUTH_STATUSES):
        c.list_secrets()
    with expect_error("InvalidSignatureException", status=AUTH_STATUSES):
        c.get_random_password()


def test_region_must_look_like_a_region(server):
    # The scope's region ends up in ARNs and storage keys, so its shape is checked.
    c = server.client(region="US-EAST-1")
    with expect_error("InvalidSignatureException", "Credential should be scoped to a valid region. ", status=AUTH_STATUSES):
        c.list_secrets()


def test_target_header_must_be_signed(raw):
    # Signed without X-Amz-Target, which is then added: the signature would
    # not cover the operation, so the request is refused.
    url, headers, body = raw.signed(None, {})
    headers["X-Amz-Target"] = "secretsmanager.ListSecrets"
    resp = raw.send(url, headers, body)
    assert_auth_error(resp, "IncompleteSignatureException")


def test_tampered_body(raw, client, unique_name):
    name, other = unique_name(), unique_name()
    url, headers, body = raw.signed(
        "CreateSecret", {"Name": name, "SecretString": "x", "ClientRequestToken": new_token()}
    )
    tampered = body.replace(name.encode(), other.encode())
    assert tampered != body and len(tampered) == len(body)
    assert_auth_error(raw.send(url, headers, tampered), "InvalidSignatureException")
    for n in (name, other):
        with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
            client.describe_secret(SecretId=n)
    # The untouched request still goes through.
    assert raw.send(url, headers, body).status == 200


def test_tampered_target(raw):
    url, headers, body = raw.signed("ListSecrets", {})
    headers = dict(headers)
    headers["X-Amz-Target"] = "secretsmanager.GetRandomPassword"
    assert_auth_error(raw.send(url, headers, body), "InvalidSignatureException")


def test_tampered_date_header(raw):
    url, headers, body = raw.signed("ListSecrets", {})
    headers = dict(headers)
    signed_at = dt.datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    headers["X-Amz-Date"] = (signed_at - dt.timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
    assert_auth_error(raw.send(url, headers, body), "InvalidSignatureException")


def test_signature_for_another_region_scope_is_checked(raw):
    # Region is part of the signing key: a header claiming another region fails.
    url, headers, body = raw.signed("ListSecrets", {}, region="us-east-1")
    headers = dict(headers)
    headers["Authorization"] = headers["Authorization"].replace("/us-east-1/", "/eu-west-1/")
    assert_auth_error(raw.send(url, headers, body), "InvalidSignatureException")


# -- clock skew ----------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [-20, 20], ids=["20-min-old", "20-min-ahead"])
def test_date_outside_skew_window(raw, minutes):
    resp = raw.call("ListSecrets", {}, at=utc_naive(dt.timedelta(minutes=minutes)))
    assert_auth_error(resp, "InvalidSignatureException")


@pytest.mark.parametrize("minutes", [-10, 10], ids=["10-min-old", "10-min-ahead"])
def test_date_inside_skew_window(raw, minutes):
    resp = raw.call("ListSecrets", {"MaxResults": 1}, at=utc_naive(dt.timedelta(minutes=minutes)))
    assert resp.status == 200, resp.body


# -- missing and malformed signatures ------------------------------------------------


def test_missing_authorization(raw):
    headers = {
        "Content-Type": JSON_CONTENT_TYPE,
        "X-Amz-Target": "secretsmanager.ListSecrets",
        "X-Amz-Date": utc_naive().strftime("%Y%m%dT%H%M%SZ"),
    }
    resp = http_post(raw.url, headers, b"{}")
    assert_auth_error(resp, "MissingAuthenticationTokenException")


def test_missing_authorization_on_create_creates_nothing(raw, client, unique_name):
    name = unique_name()
    headers = {"Content-Type": JSON_CONTENT_TYPE, "X-Amz-Target": "secretsmanager.CreateSecret"}
    body = json.dumps({"Name": name, "SecretString": "x", "ClientRequestToken": new_token()}).encode()
    assert_auth_error(http_post(raw.url, headers, body), "MissingAuthenticationTokenException")
    with expect_error("ResourceNotFoundException"):
        client.describe_secret(SecretId=name)


def _malformed_variants(valid: str) -> dict[str, str]:
    no_signature = re.sub(r",\s*Signature=[0-9a-f]+", "", valid)
    no_signed_headers = re.sub(r",\s*SignedHeaders=[^,]+", "", valid)
    return {
        "garbage-credential": "AWS4-HMAC-SHA256 Credential=garbage",
        "no-signature": no_signature,
        "no-signed-headers": no_signed_headers,
        "short-scope": re.sub(r"Credential=([^/]+)/[^,]+", r"Credential=\1/20240101/us-east-1", valid),
    }


@pytest.mark.parametrize("variant", ["garbage-credential", "no-signature", "no-signed-headers", "short-scope"])
def test_malformed_authorization(raw, variant):
    url, headers, body = raw.signed("ListSecrets", {})
    headers = dict(headers)
    headers["Authorization"] = _malformed_variants(headers["Authorization"])[variant]
    assert_auth_error(raw.send(url, headers, body), "IncompleteSignatureException")


# -- presigned query -----------------------------------------------------------------


def test_presigned_query_is_accepted(raw, client, unique_name):
    name = unique_name()
    client.create_secret(Name=name, SecretString="presigned")
    url, headers, body = raw.signed("GetSecretValue", {"SecretId": name}, presign_expires=60)
    assert "X-Amz-Signature=" in url and "X-Amz-Credential=" in url
    assert "Authorization" not in headers
    resp = raw.send(url, headers, body)
    assert resp.status == 200, resp.body
    assert resp.json()["SecretString"] == "presigned"


def test_presigned_query_with_wrong_secret(raw):
    url, headers, body = raw.signed(
        "ListSecrets", {}, presign_expires=60, secret_key=(raw.server.secret_key or "") + "x"
    )
    assert_auth_error(raw.send(url, headers, body), "InvalidSignatureException")


def test_presigned_query_with_tampered_body(raw):
    url, headers, body = raw.signed("ListSecrets", {"MaxResults": 1}, presign_expires=60)
    assert_auth_error(raw.send(url, headers, b'{"MaxResults": 2}'), "InvalidSignatureException")


def test_presigned_query_expired(raw):
    url, headers, body = raw.signed(
        "ListSecrets", {}, presign_expires=60, at=utc_naive(dt.timedelta(minutes=-5))
    )
    assert_auth_error(raw.send(url, headers, body), "InvalidSignatureException")


# -- region ---------------------------------------------------------------------------


def test_region_comes_from_credential_scope(server, client, unique_name):
    eu = server.client(region="eu-west-1")
    name = unique_name()
    r = eu.create_secret(Name=name, SecretString="in-eu")
    assert re.match(
        rf"^arn:aws:secretsmanager:eu-west-1:{server.account_id}:secret:{re.escape(name)}-[A-Za-z0-9]{{6}}$", r["ARN"]
    ), r["ARN"]
    assert eu.get_secret_value(SecretId=name)["SecretString"] == "in-eu"
    assert eu.describe_secret(SecretId=name)["ARN"] == r["ARN"]

    # Not visible from us-east-1.
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.get_secret_value(SecretId=name)
    with expect_error("ResourceNotFoundException", MSG_SECRET_NOT_FOUND):
        client.describe_secret(SecretId=name)
    entries, _ = list_all(client, Filters=[{"Key": "name", "Values": [name]}])
    assert entries == []
    entries, _ = list_all(eu, Filters=[{"Key": "name", "Values": [name]}])
    assert [e["ARN"] for e in entries] == [r["ARN"]]

    # The same name is free in us-east-1 and makes a separate secret there.
    us = client.create_secret(Name=name, SecretString="in-us")
    assert ":us-east-1:" in us["ARN"]
    assert client.get_secret_value(SecretId=name)["SecretString"] == "in-us"
    assert eu.get_secret_value(SecretId=name)["SecretString"] == "in-eu"


# -- dev mode ------------------------------------------------------------------------


def test_dev_mode_accepts_any_keys(make_server, unique_name):
    dev = make_server(dev=True, name="dev")
    c = dev.client(access_key="AKIAANYTHINGATALL000", secret_key="not-a-real-secret")
    name = unique_name()
    c.create_secret(Name=name, SecretString="dev-value")
    other = dev.client(access_key="AKIASOMEONEELSE00000", secret_key="another-made-up-secret")
    assert other.get_secret_value(SecretId=name)["SecretString"] == "dev-value"

    # It still wants an Authorization header.
    headers = {
        "Content-Type": JSON_CONTENT_TYPE,
        "X-Amz-Target": "secretsmanager.ListSecrets",
        "X-Amz-Date": utc_naive().strftime("%Y%m%dT%H%M%SZ"),
    }
    resp = http_post(dev.endpoint + "/", headers, b"{}")
    assert_auth_error(resp, "MissingAuthenticationTokenException")
