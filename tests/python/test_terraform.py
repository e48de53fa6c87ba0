"""Terraform's AWS provider manages Strongroom's KMS keys and secrets.

One configuration, run by the real `terraform` CLI and hashicorp/aws provider
against the session server: a customer managed key (description, rotation
every 180 days, a deletion window, tags, a key policy), a grant on it, an
alias, a signing key and an HMAC key; a secret under the alias (description,
tags, recovery window), its resource policy, a current value and one under a
label of its own; data sources reading the value, the keys, the alias, the
public key and the AWS managed key `aws/secretsmanager`. The provider checks
the credentials and finds the account through STS GetCallerIdentity.

`apply`, checked through boto3; then `plan -detailed-exitcode` must find no
changes: every attribute the provider reads back (DescribeKey, GetKeyPolicy,
GetKeyRotationStatus, ListResourceTags, ListAliases, ListGrants,
DescribeSecret, GetResourcePolicy, GetSecretValue) equals what was declared.
Then a change (a new value, the secret's description, the key's tags),
applied and checked, and `destroy`: the keys pending deletion, the secret
deleted with its recovery window.

Nothing is downloaded: terraform takes the provider from a filesystem mirror
(/opt/tf-plugins, or $STRONGROOM_TF_MIRROR). Without terraform or the mirror
the test is skipped, naming what is missing. On failure, terraform's debug log
(every request and answer) is in the test's tmp dir: terraform.log.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from support import ACCOUNT_ID, REGION, expect_error

PROVIDER_VERSION = "5.100.0"
MIRROR = Path(os.environ.get("STRONGROOM_TF_MIRROR", "/opt/tf-plugins"))
PROVIDER_DIR = MIRROR / "registry.terraform.io" / "hashicorp" / "aws" / PROVIDER_VERSION / "linux_amd64"
# Debug builds are slow, and the provider waits for each key attribute to
# read back the same five times in a row, a second apart.
COMMAND_TIMEOUT_S = 300

CLI_CONFIG = f"""
provider_installation {{
  filesystem_mirror {{
    path    = "{MIRROR}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }}
  direct {{
    exclude = ["*/*"]
  }}
}}
"""

MAIN_TF = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "%(version)s" }
  }
}

variable "endpoint" {}
variable "access_key" {}
variable "secret_key" { sensitive = true }
variable "alias" {}
variable "secret_name" {}
variable "key_description" {}
variable "key_tags" { type = map(string) }
variable "secret_description" {}
variable "secret_value" { sensitive = true }

provider "aws" {
  region     = "%(region)s"
  access_key = var.access_key
  secret_key = var.secret_key
  # No instance metadata here; credentials and the account id are still
  # checked, through STS GetCallerIdentity.
  skip_metadata_api_check     = true
  skip_credentials_validation = false
  skip_requesting_account_id  = false
  endpoints {
    kms            = var.endpoint
    secretsmanager = var.endpoint
    sts            = var.endpoint
    iam            = var.endpoint
  }
}

data "aws_caller_identity" "me" {}

resource "aws_kms_key" "k" {
  description             = var.key_description
  enable_key_rotation     = true
  rotation_period_in_days = 180
  deletion_window_in_days = 7
  tags                    = var.key_tags
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdmin"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_kms_grant" "app" {
  name              = "orders-app"
  key_id            = aws_kms_key.k.key_id
  grantee_principal = data.aws_caller_identity.me.arn
  operations        = ["Decrypt", "GenerateDataKey"]
  constraints {
    encryption_context_equals = { app = "orders" }
  }
}

# Keys that do not rotate: the provider reads their rotation status all the same.
resource "aws_kms_key" "signing" {
  description              = "token signing"
  key_usage                = "SIGN_VERIFY"
  customer_master_key_spec = "ECC_NIST_P256"
  deletion_window_in_days  = 7
}

resource "aws_kms_key" "mac" {
  description              = "webhook MACs"
  key_usage                = "GENERATE_VERIFY_MAC"
  customer_master_key_spec = "HMAC_256"
  deletion_window_in_days  = 7
}

data "aws_kms_public_key" "signing" {
  key_id = aws_kms_key.signing.arn
}

resource "aws_kms_alias" "a" {
  name          = var.alias
  target_key_id = aws_kms_key.k.key_id
}

resource "aws_secretsmanager_secret" "s" {
  name                    = var.secret_name
  description             = var.secret_description
  kms_key_id              = aws_kms_alias.a.name
  recovery_window_in_days = 7
  tags                    = { team = "vault" }
}

resource "aws_secretsmanager_secret_policy" "p" {
  secret_arn          = aws_secretsmanager_secret.s.arn
  block_public_policy = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountRead"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root" }
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
    }]
  })
}

resource "aws_secretsmanager_secret_version" "v" {
  secret_id     = aws_secretsmanager_secret.s.id
  secret_string = var.secret_value
}

# A version under a label of its own, beside the current one.
resource "aws_secretsmanager_secret_version" "next" {
  secret_id      = aws_secretsmanager_secret.s.id
  secret_string  = "next value"
  version_stages = ["NEXT"]
  depends_on     = [aws_secretsmanager_secret_version.v]
}

data "aws_secretsmanager_secret_version" "read" {
  secret_id  = aws_secretsmanager_secret_version.v.secret_id
  version_id = aws_secretsmanager_secret_version.v.version_id
}

data "aws_kms_key" "by_alias" {
  key_id = aws_kms_alias.a.arn
}

# The AWS managed key, made by this DescribeKey if nothing used it yet.
data "aws_kms_key" "managed" {
  key_id = "alias/aws/secretsmanager"
}

data "aws_kms_alias" "a" {
  name = aws_kms_alias.a.name
}

output "account_id" { value = data.aws_caller_identity.me.account_id }
output "caller_arn" { value = data.aws_caller_identity.me.arn }
output "key_id" { value = aws_kms_key.k.key_id }
output "key_arn" { value = aws_kms_key.k.arn }
output "alias_arn" { value = aws_kms_alias.a.arn }
output "secret_arn" { value = aws_secretsmanager_secret.s.arn }
output "version_id" { value = aws_secretsmanager_secret_version.v.version_id }
output "read_back" {
  value     = data.aws_secretsmanager_secret_version.read.secret_string
  sensitive = true
}
output "read_back_stages" { value = data.aws_secretsmanager_secret_version.read.version_stages }
output "signing_key_id" { value = aws_kms_key.signing.key_id }
output "mac_key_id" { value = aws_kms_key.mac.key_id }
output "grant_id" { value = aws_kms_grant.app.grant_id }
output "next_version_id" { value = aws_secretsmanager_secret_version.next.version_id }
output "public_key_pem" { value = data.aws_kms_public_key.signing.public_key_pem }
output "managed_key" {
  value = {
    arn         = data.aws_kms_key.managed.arn
    key_manager = data.aws_kms_key.managed.key_manager
  }
}
output "key_by_alias" {
  value = {
    arn         = data.aws_kms_key.by_alias.arn
    description = data.aws_kms_key.by_alias.description
    enabled     = data.aws_kms_key.by_alias.enabled
    key_manager = data.aws_kms_key.by_alias.key_manager
    key_spec    = data.aws_kms_key.by_alias.key_spec
    key_state   = data.aws_kms_key.by_alias.key_state
    key_usage   = data.aws_kms_key.by_alias.key_usage
  }
}
output "alias_target" {
  value = {
    target_key_id  = data.aws_kms_alias.a.target_key_id
    target_key_arn = data.aws_kms_alias.a.target_key_arn
  }
}
""" % {"version": PROVIDER_VERSION, "region": REGION}


def _missing() -> str | None:
    if shutil.which("terraform") is None:
        return "the terraform CLI is not on PATH"
    if not PROVIDER_DIR.is_dir():
        return f"the hashicorp/aws {PROVIDER_VERSION} provider mirror is missing: {PROVIDER_DIR}"
    return None


MISSING = _missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"Terraform test: {MISSING}")


class Terraform:
    """The terraform CLI in one working directory, with its own CLI config
    (the filesystem mirror, nothing fetched) and a debug log."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.log = workdir / "terraform.log"
        cli_config = workdir / "cli.tfrc"
        cli_config.write_text(CLI_CONFIG)
        (workdir / "main.tf").write_text(MAIN_TF)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "AWS_"))}
        env.update(
            TF_CLI_CONFIG_FILE=str(cli_config),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            TF_LOG="DEBUG",
            TF_LOG_PATH=str(self.log),
            CHECKPOINT_DISABLE="1",
            # Nothing of the machine's own AWS configuration.
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
        )
        self.env = env

    def set_vars(self, **values: object) -> None:
        (self.workdir / "terraform.tfvars.json").write_text(json.dumps(values))

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Runs `terraform ARGS`; fails the test unless it exits 0 (for
        `plan -detailed-exitcode`: unless it found no changes)."""
        # Its own process group, so that a timeout ends the provider too.
        proc = subprocess.Popen(
            ["terraform", *args, "-no-color"],
            cwd=self.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=COMMAND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            pytest.fail(
                f"terraform {args[0]} did not finish in {COMMAND_TIMEOUT_S}s (log: {self.log})\n{out[-3000:]}\n{err[-3000:]}",
                pytrace=False,
            )
        if proc.returncode != 0:
            pytest.fail(
                f"terraform {' '.join(args)} exited {proc.returncode} (log: {self.log})\n"
                f"--- stdout ---\n{out[-6000:]}\n--- stderr ---\n{err[-6000:]}",
                pytrace=False,
            )
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def destroy_quietly(self) -> None:
        try:
            self.run("destroy", "-auto-approve", "-input=false")
        except (Exception, pytest.fail.Exception):
            pass  # the first failure is the one to report

    def outputs(self) -> dict:
        shown = self.run("output", "-json")
        return {name: o["value"] for name, o in json.loads(shown.stdout).items()}


def tags_of(tag_list: list[dict], key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {t[key]: t[value] for t in tag_list}


def check_key(kms, key_id: str, description: str, tags: dict[str, str]) -> None:
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["Description"] == description
    assert meta["KeyState"] == "Enabled" and meta["KeyManager"] == "CUSTOMER"
    assert meta["KeySpec"] == "SYMMETRIC_DEFAULT" and meta["KeyUsage"] == "ENCRYPT_DECRYPT"
    rotation = kms.get_key_rotation_status(KeyId=key_id)
    assert rotation["KeyRotationEnabled"] is True and rotation["RotationPeriodInDays"] == 180
    assert tags_of(kms.list_resource_tags(KeyId=key_id)["Tags"], "TagKey", "TagValue") == tags
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    assert policy["Statement"] == [
        {
            "Sid": "AccountAdmin",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]


def check_secret(client, name: str, alias: str, description: str, value: str, version_id: str) -> None:
    described = client.describe_secret(SecretId=name)
    assert described["Description"] == description
    assert described["KmsKeyId"] == alias
    assert tags_of(described["Tags"]) == {"team": "vault"}
    assert "DeletedDate" not in described
    current = client.get_secret_value(SecretId=name)
    assert current["SecretString"] == value and current["VersionId"] == version_id
    assert client.get_secret_value(SecretId=name, VersionStage="NEXT")["SecretString"] == "next value"
    policy = json.loads(client.get_resource_policy(SecretId=name)["ResourcePolicy"])
    assert [s["Action"] for s in policy["Statement"]] == ["secretsmanager:GetSecretValue"]


def check_other_keys(kms, out: dict, caller_arn: str) -> None:
    """The grant, the signing and MAC keys, the managed key, as declared."""
    (grant,) = kms.list_grants(KeyId=out["key_id"])["Grants"]
    assert grant["GrantId"] == out["grant_id"] and grant["Name"] == "orders-app"
    assert grant["GranteePrincipal"] == caller_arn
    assert sorted(grant["Operations"]) == ["Decrypt", "GenerateDataKey"]
    # The provider also sends an empty EncryptionContextSubset: no constraint.
    constraints = grant["Constraints"]
    assert constraints["EncryptionContextEquals"] == {"app": "orders"}
    assert not constraints.get("EncryptionContextSubset"), constraints
    for key_id, spec, usage in (
        (out["signing_key_id"], "ECC_NIST_P256", "SIGN_VERIFY"),
        (out["mac_key_id"], "HMAC_256", "GENERATE_VERIFY_MAC"),
    ):
        meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        assert (meta["KeySpec"], meta["KeyUsage"], meta["KeyState"]) == (spec, usage, "Enabled")
        assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False
    der = kms.get_public_key(KeyId=out["signing_key_id"])["PublicKey"]
    assert "".join(out["public_key_pem"].splitlines()[1:-1]) == base64.b64encode(der).decode()
    managed = kms.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]
    assert out["managed_key"] == {"arn": managed["Arn"], "key_manager": "AWS"}


def test_terraform_manages_kms_key_and_secret(server, client, kms, tmp_path, unique_name):
    tf = Terraform(tmp_path)
    name = unique_name("tf")
    alias = f"alias/{name}"
    secret_name = f"tf/{name}"
    first_value = json.dumps({"user": "app", "password": "p@ss w0rd/ü"})
    settings = dict(
        endpoint=server.endpoint,
        access_key=server.access_key,
        secret_key=server.secret_key,
        alias=alias,
        secret_name=secret_name,
        key_description="orders key",
        key_tags={"team": "vault", "env": "test"},
        secret_description="orders database",
        secret_value=first_value,
    )
    caller_arn = server.sts_client().get_caller_identity()["Arn"]
    tf.set_vars(**settings)
    tf.run("init", "-input=false")
    try:
        # -- create ------------------------------------------------------------
        tf.run("apply", "-auto-approve", "-input=false")
        out = tf.outputs()
        assert out["account_id"] == ACCOUNT_ID and out["caller_arn"] == caller_arn
        key_id = out["key_id"]
        check_key(kms, key_id, "orders key", {"team": "vault", "env": "test"})
        key_arn = kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
        assert out["key_arn"] == key_arn
        (listed,) = [a for a in kms.list_aliases(KeyId=key_id)["Aliases"] if a["AliasName"] == alias]
        assert listed["TargetKeyId"] == key_id and listed["AliasArn"] == out["alias_arn"]
        assert out["alias_arn"] == f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:{alias}"
        assert out["alias_target"] == {"target_key_id": key_id, "target_key_arn": key_arn}
        assert out["key_by_alias"] == {
            "arn": key_arn,
            "description": "orders key",
            "enabled": True,
            "key_manager": "CUSTOMER",
            "key_spec": "SYMMETRIC_DEFAULT",
            "key_state": "Enabled",
            "key_usage": "ENCRYPT_DECRYPT",
        }
        check_other_keys(kms, out, caller_arn)
        check_secret(client, secret_name, alias, "orders database", first_value, out["version_id"])
        assert out["secret_arn"] == client.describe_secret(SecretId=secret_name)["ARN"]
        assert out["read_back"] == first_value and out["read_back_stages"] == ["AWSCURRENT"]
        # The value is sealed under the customer key: with the key disabled it
        # cannot be read.
        kms.disable_key(KeyId=key_id)
        with expect_error("DecryptionFailure"):
            client.get_secret_value(SecretId=secret_name)
        kms.enable_key(KeyId=key_id)

        # -- no drift: everything read back equals the configuration ------------
        plan = tf.run("plan", "-detailed-exitcode", "-input=false")
        assert "No changes." in plan.stdout, plan.stdout

        # -- change: a new value, the secret's description, the key's tags ---------
        # (Not the key's description: the provider then polls DescribeKey for
        # 10 s, which UpdateKeyDescription's own tests cover without it.)
        second_value = "rotated by hand"
        new_tags = {"team": "vault", "owner": "orders"}
        tf.set_vars(**{**settings, "key_tags": new_tags, "secret_description": "orders db v2", "secret_value": second_value})
        tf.run("apply", "-auto-approve", "-input=false")
        first_version = out["version_id"]
        out = tf.outputs()
        check_key(kms, key_id, "orders key", new_tags)
        check_secret(client, secret_name, alias, "orders db v2", second_value, out["version_id"])
        assert out["read_back"] == second_value
        assert client.describe_secret(SecretId=secret_name)["VersionIdsToStages"] == {
            out["version_id"]: ["AWSCURRENT"],
            first_version: ["AWSPREVIOUS"],
            out["next_version_id"]: ["NEXT"],
        }
    except BaseException:
        tf.destroy_quietly()  # leave nothing half made for the other tests
        raise

    # -- destroy ------------------------------------------------------------------
    tf.run("destroy", "-auto-approve", "-input=false")
    for destroyed in (key_id, out["signing_key_id"], out["mac_key_id"]):
        meta = kms.describe_key(KeyId=destroyed)["KeyMetadata"]
        assert meta["KeyState"] == "PendingDeletion"
        days = (meta["DeletionDate"] - dt.datetime.now(dt.timezone.utc)).total_seconds() / 86400
        assert 6.9 < days <= 7.01, meta["DeletionDate"]
    assert all(a["AliasName"] != alias for a in kms.list_aliases()["Aliases"])
    assert kms.list_grants(KeyId=key_id)["Grants"] == []
    assert "DeletedDate" in client.describe_secret(SecretId=secret_name)
    with expect_error("InvalidRequestException"):
        client.get_secret_value(SecretId=secret_name)
