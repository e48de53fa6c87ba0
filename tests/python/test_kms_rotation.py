"""KMS key rotation end to end through boto3's kms client and the AWS CLI:
EnableKeyRotation / DisableKeyRotation / GetKeyRotationStatus /
RotateKeyOnDemand / ListKeyRotations with their errors, old ciphertext still
decrypting after a rotation while new ciphertext names the new generation, and
Secrets Manager versions under a rotated customer key. (The scheduled rotation
runs on the server's clock: `strongroom-server/src/jobs.rs`'s test.)"""

from __future__ import annotations

import json
import sqlite3
import struct
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from support import REGION, expect_error, make_client, payload_keys

UNKNOWN_ID = "11111111-2222-4333-8444-555555555555"


@pytest.fixture(scope="module")
def loose_kms(server):
    return make_client(
        server.endpoint,
        region=REGION,
        access_key=server.access_key,
        secret_key=server.secret_key,
        service="kms",
        validate=False,
    )


@pytest.fixture
def key(kms):
    return kms.create_key(Description="rotation test key")["KeyMetadata"]


def generation(blob: bytes) -> int:
    """The material generation a ciphertext blob names (version ‖ key id ‖ generation)."""
    assert blob[0] == 1
    return struct.unpack(">I", blob[37:41])[0]


def test_enable_status_disable(kms, key):
    key_id, arn = key["KeyId"], key["Arn"]
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert status["KeyRotationEnabled"] is False and status["KeyId"] == arn
    assert "RotationPeriodInDays" not in status and "NextRotationDate" not in status
    assert "OnDemandRotationStartDate" not in status

    kms.enable_key_rotation(KeyId=key_id)
    status = kms.get_key_rotation_status(KeyId=arn)
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 365
    expected = datetime.now(timezone.utc) + timedelta(days=365)
    assert abs(status["NextRotationDate"] - expected) < timedelta(minutes=5)

    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert status["RotationPeriodInDays"] == 90
    assert abs(status["NextRotationDate"] - (key["CreationDate"] + timedelta(days=90))) < timedelta(minutes=5)
    # Enabling again with the same period keeps the schedule (an on-demand rotation between).
    kms.rotate_key_on_demand(KeyId=key_id)
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    assert kms.get_key_rotation_status(KeyId=key_id)["NextRotationDate"] == status["NextRotationDate"]

    kms.disable_key_rotation(KeyId=key_id)
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert status["KeyRotationEnabled"] is False and "RotationPeriodInDays" not in status


def test_a_key_pending_deletion_reports_rotation_disabled_until_cancelled(kms, key):
    """KMS: "While a KMS key is pending deletion, its key rotation status is
    false ... If you cancel the deletion, the original key rotation status is
    restored." """
    key_id = key["KeyId"]
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=120)
    before = kms.get_key_rotation_status(KeyId=key_id)
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert status["KeyRotationEnabled"] is False and status["KeyId"] == key["Arn"]
    assert "RotationPeriodInDays" not in status and "NextRotationDate" not in status
    kms.cancel_key_deletion(KeyId=key_id)
    after = kms.get_key_rotation_status(KeyId=key_id)
    assert after["KeyRotationEnabled"] is True and after["RotationPeriodInDays"] == 120
    assert after["NextRotationDate"] == before["NextRotationDate"]


def test_rotation_period_bounds(kms, loose_kms, key):
    for days in (89, 2561):
        with expect_error("ValidationException"):
            loose_kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=days)
    with expect_error(
        "ValidationException",
        "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: "
        "Member must have value greater than or equal to 90",
    ):
        loose_kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=89)
    for days in (90, 2560):
        kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=days)
        assert kms.get_key_rotation_status(KeyId=key["KeyId"])["RotationPeriodInDays"] == days
    with expect_error("ValidationException"):
        loose_kms.get_key_rotation_status()


def test_unknown_keys_are_not_found(kms):
    for call in (
        lambda: kms.enable_key_rotation(KeyId=UNKNOWN_ID),
        lambda: kms.disable_key_rotation(KeyId=UNKNOWN_ID),
        lambda: kms.get_key_rotation_status(KeyId=UNKNOWN_ID),
        lambda: kms.rotate_key_on_demand(KeyId=UNKNOWN_ID),
        lambda: kms.list_key_rotations(KeyId=UNKNOWN_ID),
    ):
        with expect_error("NotFoundException"):
            call()


def test_asymmetric_and_hmac_keys_do_not_rotate(kms):
    for spec, usage in (("RSA_2048", "SIGN_VERIFY"), ("HMAC_256", "GENERATE_VERIFY_MAC"), ("ECC_NIST_P256", "SIGN_VERIFY")):
        meta = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
        key_id = meta["KeyId"]
        for call in (
            lambda: kms.enable_key_rotation(KeyId=key_id),
            lambda: kms.disable_key_rotation(KeyId=key_id),
            lambda: kms.rotate_key_on_demand(KeyId=key_id),
            lambda: kms.list_key_rotations(KeyId=key_id),
        ):
            with expect_error("UnsupportedOperationException"):
                call()
        # Reading the status is no error: KMS answers rotation disabled (and
        # Terraform's AWS provider reads it for every key it manages).
        status = kms.get_key_rotation_status(KeyId=key_id)
        assert payload_keys(status) == {"KeyRotationEnabled", "KeyId"}, status
        assert status["KeyRotationEnabled"] is False and status["KeyId"] == meta["Arn"]


def test_disabled_and_pending_deletion_keys_refuse(kms, key):
    key_id, arn = key["KeyId"], key["Arn"]
    kms.disable_key(KeyId=key_id)
    for call in (
        lambda: kms.enable_key_rotation(KeyId=key_id),
        lambda: kms.disable_key_rotation(KeyId=key_id),
        lambda: kms.rotate_key_on_demand(KeyId=key_id),
    ):
        with expect_error("DisabledException", f"{arn} is disabled."):
            call()
    # Reading the status and the list still works on a disabled key.
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False
    assert kms.list_key_rotations(KeyId=key_id)["Rotations"] == []

    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    for call in (
        lambda: kms.enable_key_rotation(KeyId=key_id),
        lambda: kms.disable_key_rotation(KeyId=key_id),
        lambda: kms.rotate_key_on_demand(KeyId=key_id),
    ):
        with expect_error("KMSInvalidStateException", f"{arn} is pending deletion."):
            call()


def test_aws_managed_key_rotates_yearly_and_cannot_be_changed(server, kms, client):
    client.create_secret(Name=f"rot-managed-{uuid.uuid4().hex[:8]}", SecretString="v")
    meta = kms.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]
    status = kms.get_key_rotation_status(KeyId=meta["KeyId"])
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 365
    for call in (
        lambda: kms.enable_key_rotation(KeyId=meta["KeyId"], RotationPeriodInDays=90),
        lambda: kms.disable_key_rotation(KeyId=meta["KeyId"]),
        lambda: kms.rotate_key_on_demand(KeyId=meta["KeyId"]),
    ):
        with expect_error("AccessDeniedException"):
            call()
    assert kms.get_key_rotation_status(KeyId=meta["KeyId"])["RotationPeriodInDays"] == 365


def test_on_demand_rotation_keeps_old_ciphertext_readable(kms, key):
    key_id, arn = key["KeyId"], key["Arn"]
    old = kms.encrypt(KeyId=key_id, Plaintext=b"before", EncryptionContext={"a": "1"})["CiphertextBlob"]
    assert generation(old) == 1
    assert kms.rotate_key_on_demand(KeyId=key_id)["KeyId"] == arn
    new = kms.encrypt(KeyId=key_id, Plaintext=b"after", EncryptionContext={"a": "1"})["CiphertextBlob"]
    assert generation(new) == 2
    assert kms.decrypt(CiphertextBlob=old, EncryptionContext={"a": "1"})["Plaintext"] == b"before"
    assert kms.decrypt(CiphertextBlob=new, EncryptionContext={"a": "1"})["Plaintext"] == b"after"
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    assert generation(data_key["CiphertextBlob"]) == 2
    assert kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == data_key["Plaintext"]
    # ReEncrypt moves an old blob onto the newest generation.
    moved = kms.re_encrypt(
        CiphertextBlob=old, SourceEncryptionContext={"a": "1"}, DestinationKeyId=key_id
    )["CiphertextBlob"]
    assert generation(moved) == 2
    # The automatic schedule is not turned on by an on-demand rotation.
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False


def test_rotate_key_on_demand_answers_the_key_arn(kms, key):
    out = kms.rotate_key_on_demand(KeyId=key["KeyId"])
    assert out["KeyId"] == key["Arn"]


def test_on_demand_limit_and_list_paging(kms, loose_kms, key):
    key_id = key["KeyId"]
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=120)
    before = kms.get_key_rotation_status(KeyId=key_id)["NextRotationDate"]
    for _ in range(10):
        kms.rotate_key_on_demand(KeyId=key_id)
    with expect_error("LimitExceededException"):
        kms.rotate_key_on_demand(KeyId=key_id)
    # On-demand rotations leave the automatic schedule where it was.
    assert kms.get_key_rotation_status(KeyId=key_id)["NextRotationDate"] == before

    everything = kms.list_key_rotations(KeyId=key_id)
    assert everything["Truncated"] is False and "NextMarker" not in everything
    rotations = everything["Rotations"]
    assert len(rotations) == 10
    assert all(r["KeyId"] == key_id and r["RotationType"] == "ON_DEMAND" for r in rotations)
    assert [r["KeyMaterialState"] for r in rotations] == ["NON_CURRENT"] * 9 + ["CURRENT"]
    dates = [r["RotationDate"] for r in rotations]
    assert dates == sorted(dates)
    assert len({r["KeyMaterialId"] for r in rotations}) == 10

    seen, marker = [], None
    while True:
        page = kms.list_key_rotations(KeyId=key_id, Limit=3, **({"Marker": marker} if marker else {}))
        assert len(page["Rotations"]) <= 3
        seen += page["Rotations"]
        if not page["Truncated"]:
            assert "NextMarker" not in page
            break
        marker = page["NextMarker"]
    assert [r["KeyMaterialId"] for r in seen] == [r["KeyMaterialId"] for r in rotations]

    all_material = kms.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
    assert len(all_material) == 11
    assert "RotationDate" not in all_material[0] and "RotationType" not in all_material[0]
    assert all_material[0]["KeyMaterialState"] == "NON_CURRENT"

    with expect_error("InvalidMarkerException"):
        kms.list_key_rotations(KeyId=key_id, Marker="not-a-marker")
    with expect_error("ValidationException"):
        loose_kms.list_key_rotations(KeyId=key_id, Limit=0)
    with expect_error("ValidationException"):
        loose_kms.list_key_rotations(KeyId=key_id, Limit=1001)
    with expect_error("ValidationException"):
        loose_kms.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="SOME")
    paginated = [
        r for page in kms.get_paginator("list_key_rotations").paginate(KeyId=key_id, PaginationConfig={"PageSize": 4})
        for r in page["Rotations"]
    ]
    assert len(paginated) == 10


def version_generation(server, name: str, version_id: str) -> int:
    db = sqlite3.connect(f"file:{server.data_dir / 'strongroom.db'}?mode=ro", uri=True)
    try:
        (blob,) = db.execute(
            "SELECT v.wrapped_key FROM versions v JOIN secrets s ON s.pk = v.secret_pk "
            "WHERE s.name = ? AND v.version_id = ?",
            (name, version_id),
        ).fetchone()
    finally:
        db.close()
    return generation(bytes(blob))


def test_secret_versions_survive_key_rotation(server, client, kms, key):
    name = f"rot-secret-{uuid.uuid4().hex[:8]}"
    first = client.create_secret(Name=name, KmsKeyId=key["Arn"], SecretString="one")["VersionId"]
    assert version_generation(server, name, first) == 1
    kms.rotate_key_on_demand(KeyId=key["KeyId"])
    second = client.put_secret_value(SecretId=name, SecretString="two")["VersionId"]
    assert version_generation(server, name, second) == 2
    assert client.get_secret_value(SecretId=name, VersionId=first)["SecretString"] == "one"
    assert client.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == "one"
    assert client.get_secret_value(SecretId=name)["SecretString"] == "two"


def test_aws_cli(aws_cli):
    key_id = aws_cli.run("kms", "create-key", "--description", "cli rotation")["KeyMetadata"]["KeyId"]
    aws_cli.run("kms", "enable-key-rotation", "--key-id", key_id, "--rotation-period-in-days", "180")
    status = aws_cli.run("kms", "get-key-rotation-status", "--key-id", key_id)
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 180
    assert aws_cli.run("kms", "rotate-key-on-demand", "--key-id", key_id)["KeyId"].endswith(key_id)
    rotations = aws_cli.run("kms", "list-key-rotations", "--key-id", key_id)["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["ON_DEMAND"]


def test_rotation_calls_are_recorded(server, kms, key):
    kms.enable_key_rotation(KeyId=key["KeyId"])
    kms.rotate_key_on_demand(KeyId=key["KeyId"])
    kms.get_key_rotation_status(KeyId=key["KeyId"])
    ct = make_client(
        server.endpoint, region=REGION, access_key=server.access_key, secret_key=server.secret_key, service="cloudtrail"
    )
    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": key["Arn"]}])["Events"]
    read_only = {e["EventName"]: json.loads(e["CloudTrailEvent"])["readOnly"] for e in events}
    assert read_only.get("EnableKeyRotation") is False, read_only
    assert read_only.get("RotateKeyOnDemand") is False, read_only
    assert read_only.get("GetKeyRotationStatus") is True, read_only
