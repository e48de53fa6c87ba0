"""The regions served: by default AWS's commercial regions, else those of
`--regions`. A request signed for any other region is refused at
authentication (as AWS refuses a credential scoped to an invalid region)
and leaves nothing behind: no KMS key, no secret, no last-used region."""

from __future__ import annotations

import sqlite3

import pytest

from support import expect_error, make_client

INVALID_REGION = "Credential should be scoped to a valid region. "
AUTH_STATUSES = (400, 403)


def kms_key_regions(data_dir) -> set[str]:
    """The regions the data directory holds an aws/secretsmanager key for."""
    db = sqlite3.connect(f"file:{data_dir / 'strongroom.db'}?mode=ro", uri=True)
    try:
        return {row[0] for row in db.execute("SELECT region FROM kms_keys")}
    finally:
        db.close()


@pytest.mark.parametrize("region", ["cn-north-1", "us-gov-west-1", "xx-moon-1"])
def test_by_default_only_commercial_regions_are_served(server, region):
    with expect_error("InvalidSignatureException", INVALID_REGION, status=AUTH_STATUSES):
        server.client(region=region).list_secrets()


@pytest.mark.parametrize("region", ["eu-west-3", "ap-southeast-2", "sa-east-1"])
def test_commercial_regions_are_served_by_default(server, region):
    server.client(region=region).list_secrets()


def test_a_region_not_served_is_refused_and_creates_nothing(make_server):
    srv = make_server(extra_args=["--regions", "eu-west-1,us-east-1"])
    served = srv.client(region="eu-west-1")
    served.create_secret(Name="app/db", SecretString="v")
    refused = srv.client(region="eu-west-2")
    with expect_error("InvalidSignatureException", INVALID_REGION, status=AUTH_STATUSES):
        refused.create_secret(Name="app/db", SecretString="v")
    with expect_error("InvalidSignatureException", INVALID_REGION, status=AUTH_STATUSES):
        refused.list_secrets()
    # STS (Query) answers the same refusal in its own shape.
    sts = srv.sts_client(region="eu-west-2")
    with expect_error("SignatureDoesNotMatch", INVALID_REGION, status=403):
        sts.get_caller_identity()
    assert srv.sts_client(region="eu-west-1").get_caller_identity()["Account"]
    # Nothing was created for eu-west-2: no KMS key, and the access key's
    # last use names a served region.
    assert kms_key_regions(srv.data_dir) == {"eu-west-1"}
    iam = make_client(srv.endpoint, region="us-east-1", access_key=srv.access_key, secret_key=srv.secret_key, service="iam")
    used = iam.get_access_key_last_used(AccessKeyId=srv.access_key)["AccessKeyLastUsed"]
    assert used["Region"] in ("eu-west-1", "us-east-1"), used
    assert [s["Name"] for s in served.list_secrets()["SecretList"]] == ["app/db"]


def test_iam_is_global_and_signed_for_us_east_1(make_server):
    # IAM keeps nothing per region; AWS's SDKs sign it for us-east-1.
    srv = make_server(extra_args=["--regions", "eu-west-1"])
    iam = make_client(srv.endpoint, region="us-east-1", access_key=srv.access_key, secret_key=srv.secret_key, service="iam")
    assert iam.list_users()["Users"]
    other = make_client(srv.endpoint, region="eu-west-2", access_key=srv.access_key, secret_key=srv.secret_key, service="iam")
    with expect_error("SignatureDoesNotMatch", INVALID_REGION, status=403):
        other.list_users()
    # Secrets Manager in us-east-1 is not served here.
    with expect_error("InvalidSignatureException", INVALID_REGION, status=AUTH_STATUSES):
        srv.client(region="us-east-1").list_secrets()
