"""The audit trail, end to end: every call on the listener recorded once as a
CloudTrail record in chained JSON Lines segments under DATA_DIR/audit,
checked by `strongroom admin audit verify` (and caught when tampered with),
written before the answer (fail closed, crash safe), never holding a secret,
and served back through CloudTrail's LookupEvents (boto3 and the AWS CLI).

The trail is read straight from the files: every segment in order, its
header line skipped, one `{"seq","mac","record"}` object per line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from botocore.exceptions import ClientError

from support import REGION, AwsCli, CliError, Server, ServerError, expect_error, make_client, server_binary

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
SEGMENT_NAME = re.compile(r"^(\d{12})\.jsonl$")
EVENT_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
OTHER_ACCOUNT = "111111111111"


# -- reading the trail -------------------------------------------------------------


@dataclass
class TrailLine:
    file: str  # segment file name
    line: int  # 1-based line number in the file (the header is line 1)
    seq: int
    mac: str
    record: dict


def segment_files(data_dir: Path) -> list[Path]:
    audit = Path(data_dir) / "audit"
    if not audit.is_dir():
        return []
    return sorted(p for p in audit.iterdir() if SEGMENT_NAME.match(p.name) and p.is_file())


def segment_number(path: Path) -> int:
    m = SEGMENT_NAME.match(path.name)
    assert m, path
    return int(m.group(1))


def trail_lines(data_dir: Path, *, running: bool = True) -> list[TrailLine]:
    """Every record line of every segment, oldest first.

    On a running server (`running`) the newest segment may end in a line
    being written; that torn tail is left out. On a stopped server every
    line must be whole."""
    out: list[TrailLine] = []
    segments = segment_files(data_dir)
    for i, path in enumerate(segments):
        data = path.read_bytes()
        *whole, tail = data.split(b"\n")
        if tail:
            assert running and i == len(segments) - 1, f"{path.name}: torn line {tail[:200]!r}"
        for n, raw in enumerate(whole, start=1):
            obj = json.loads(raw)
            if n == 1:
                assert obj.get("strongroom_audit") == 1, f"{path.name}: header expected, got {raw[:200]!r}"
                assert obj["segment"] == segment_number(path), (path.name, obj)
                continue
            assert set(obj) == {"seq", "mac", "record"}, f"{path.name}:{n}: {raw[:200]!r}"
            out.append(TrailLine(path.name, n, obj["seq"], obj["mac"], obj["record"]))
    return out


def trail(data_dir: Path, *, running: bool = True) -> list[dict]:
    """The CloudTrail records, oldest first."""
    return [line.record for line in trail_lines(data_dir, running=running)]


def with_request_id(records: list[dict], request_id: str) -> list[dict]:
    return [r for r in records if r.get("requestID") == request_id]


def wait_for(probe: Callable[[], Any], timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Calls `probe` until it returns something truthy (returned), or the
    timeout passes (then its last, falsy, result is returned)."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got or time.monotonic() >= deadline:
            return got
        time.sleep(interval)


def verify(data_dir: Path) -> tuple[int, str]:
    """`strongroom admin audit verify`: (exit code, stdout + stderr)."""
    proc = subprocess.run(
        [str(server_binary()), "admin", "audit", "verify", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stdout + proc.stderr


def assert_intact(data_dir: Path) -> str:
    rc, out = verify(data_dir)
    assert rc == 0 and "audit trail intact" in out, f"verify exit {rc}: {out}"
    return out


def assert_not_intact(data_dir: Path, file: str | None = None, line: int | None = None) -> str:
    """Verify fails, and (when given) names `file` and `line`; the line is
    accepted as `file:line` or `file, line N`."""
    rc, out = verify(data_dir)
    assert rc == 1 and "audit trail NOT intact" in out, f"verify exit {rc}: {out}"
    if file is not None:
        assert file in out, f"expected {file} to be named: {out}"
    if file is not None and line is not None:
        assert re.search(rf"{re.escape(file)}(?::|, line ){line}\b", out), f"expected {file} line {line}: {out}"
    return out


def copy_data_dir(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.sock"))
    return dst


# -- clients ------------------------------------------------------------------------


@dataclass
class Key:
    user: str
    access_key: str
    secret_key: str
    arn: str = ""
    user_id: str = ""
    session_token: str | None = None

    def client(self, server: Server, service: str = "secretsmanager", *, validate: bool = True):
        return make_client(
            server.endpoint or "",
            region=REGION,
            access_key=self.access_key,
            secret_key=self.secret_key,
            session_token=self.session_token,
            service=service,
            validate=validate,
        )


def admin_key(server: Server) -> Key:
    return Key(
        "admin",
        server.access_key or "",
        server.secret_key or "",
        arn=f"arn:aws:iam::{server.account_id}:user/admin",
    )


def rid(resp: dict) -> str:
    """The request id of a boto3 answer (success or ClientError.response)."""
    return resp["ResponseMetadata"]["RequestId"]


def failed(call: Callable[[], Any], code: str | tuple[str, ...]) -> ClientError:
    with expect_error(code, status=None) as e:
        call()
    return e.value


def lookup_all(ct, **kwargs: Any) -> tuple[list[dict], int]:
    """Every event of a LookupEvents query, following NextTokens: (events, pages)."""
    events: list[dict] = []
    token = None
    for pages in range(1, 1000):
        args = dict(kwargs)
        if token:
            args["NextToken"] = token
        r = ct.lookup_events(**args)
        events.extend(r["Events"])
        token = r.get("NextToken")
        if not token:
            return events, pages
    raise AssertionError("LookupEvents never stopped paging")


def attr(key: str, value: str) -> list[dict]:
    return [{"AttributeKey": key, "AttributeValue": value}]


def event_record(event: dict) -> dict:
    return json.loads(event["CloudTrailEvent"])


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def make_user(server: Server, iam, user: str, *statements: dict) -> Key:
    """An IAM user with an inline policy of `statements` and one access key."""
    created = iam.create_user(UserName=user)["User"]
    if statements:
        iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=doc(*statements))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return Key(user, key["AccessKeyId"], key["SecretAccessKey"], arn=created["Arn"], user_id=created["UserId"])


def check_common_shape(record: dict, account: str) -> None:
    """What every API-call record carries."""
    assert record["eventVersion"] == "1.09", record
    assert EVENT_TIME.match(record["eventTime"]), record
    assert UUID_RE.match(record["eventID"]), record
    assert record["eventType"] == "AwsApiCall", record
    assert record["managementEvent"] is True, record
    assert record["eventCategory"] == "Management", record
    assert isinstance(record["readOnly"], bool), record
    assert record["awsRegion"] == REGION, record
    assert record["sourceIPAddress"] == "127.0.0.1", record
    assert record.get("recipientAccountId") in (account, None), record
    for name in record.get("requestParameters") or {}:
        assert name[:1] == name[:1].lower(), (name, record)


# =================================================================================
# 1. A scripted session: every call recorded once, with the right identity, and
#    no secret anywhere.
# =================================================================================


@dataclass
class Expected:
    request_id: str
    event_name: str
    event_source: str
    read_only: bool
    key: Key | None  # who signed (None: an unknown key)
    identity_type: str
    error_code: str | None = None
    access_key_id: str | None = None


def test_scripted_session_is_recorded_exactly_and_holds_no_secret(make_server):
    srv = make_server(name="session")
    acct = srv.account_id
    admin = admin_key(srv)
    sm = admin.client(srv)
    iam = admin.client(srv, "iam")
    sts = admin.client(srv, "sts")
    expected: list[Expected] = []

    def ok(resp: dict, name: str, source: str, read_only: bool, key: Key, kind: str = "IAMUser") -> dict:
        assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
        expected.append(Expected(rid(resp), name, source, read_only, key, kind, access_key_id=key.access_key))
        return resp

    def err(e: ClientError, name: str, source: str, read_only: bool, key: Key | None, kind: str = "IAMUser", access_key_id: str | None = None) -> None:
        code = e.response["Error"]["Code"]
        expected.append(
            Expected(rid(e.response), name, source, read_only, key, kind, code, access_key_id or (key.access_key if key else None))
        )

    SM, IAM, STS = "secretsmanager.amazonaws.com", "iam.amazonaws.com", "sts.amazonaws.com"
    pw1 = f"pw-{uuid.uuid4()}"
    pw2 = f"pw-{uuid.uuid4()}"

    # The secret, and users: alice may read it (and missing secrets under
    # gone/, to learn that they are missing) and look up events; bob may
    # do nothing.
    created = ok(sm.create_secret(Name="db/prod", SecretString=json.dumps({"password": pw1})), "CreateSecret", SM, False, admin)
    secret_arn = created["ARN"]
    alice_policy = doc(
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": [secret_arn, f"arn:aws:secretsmanager:{REGION}:{acct}:secret:gone/*"]},
        {"Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"},
    )
    alice_user = ok(iam.create_user(UserName="alice"), "CreateUser", IAM, False, admin)["User"]
    ok(iam.put_user_policy(UserName="alice", PolicyName="read-db-prod", PolicyDocument=alice_policy), "PutUserPolicy", IAM, False, admin)
    alice_ak = ok(iam.create_access_key(UserName="alice"), "CreateAccessKey", IAM, False, admin)["AccessKey"]
    alice = Key("alice", alice_ak["AccessKeyId"], alice_ak["SecretAccessKey"], arn=alice_user["Arn"], user_id=alice_user["UserId"])
    bob_user = ok(iam.create_user(UserName="bob"), "CreateUser", IAM, False, admin)["User"]
    bob_ak = ok(iam.create_access_key(UserName="bob"), "CreateAccessKey", IAM, False, admin)["AccessKey"]
    bob = Key("bob", bob_ak["AccessKeyId"], bob_ak["SecretAccessKey"], arn=bob_user["Arn"], user_id=bob_user["UserId"])

    # Reads: allowed, denied, missing.
    got = ok(alice.client(srv).get_secret_value(SecretId="db/prod"), "GetSecretValue", SM, True, alice)
    assert pw1 in got["SecretString"]
    alice_read = expected[-1].request_id
    e = failed(lambda: bob.client(srv).get_secret_value(SecretId="db/prod"), "AccessDeniedException")
    err(e, "GetSecretValue", SM, True, bob)
    bob_denied = expected[-1].request_id
    e = failed(lambda: alice.client(srv).get_secret_value(SecretId="gone/nothing-here"), "ResourceNotFoundException")
    err(e, "GetSecretValue", SM, True, alice)

    # Refused at authentication: alice's key id with the wrong secret (the
    # key owner is named), an unknown key (Unknown).
    wrong = Key("alice", alice.access_key, "wrong-secret-key-for-alice", arn=alice.arn, user_id=alice.user_id)
    e = failed(lambda: wrong.client(srv).get_secret_value(SecretId="db/prod"), "InvalidSignatureException")
    err(e, "GetSecretValue", SM, True, alice)
    bad_sig_json = expected[-1].request_id
    unknown = Key("nobody", "AKIAUNKNOWNKEY000000", "whatever-secret-key-of-nobody")
    e = failed(lambda: unknown.client(srv).describe_secret(SecretId="db/prod"), "UnrecognizedClientException")
    err(e, "DescribeSecret", SM, True, None, "Unknown", access_key_id=unknown.access_key)
    # (The same over Query: test_query_calls_refused_at_authentication_are_recorded.)
    refused_at_authn = {x.request_id for x in expected if x.error_code in (
        "InvalidSignatureException", "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidClientTokenId")}

    # A write, a generated password, an assumed role and a call with its session.
    ok(sm.put_secret_value(SecretId="db/prod", SecretString=json.dumps({"password": pw2})), "PutSecretValue", SM, False, admin)
    put_id = expected[-1].request_id
    random_password = ok(sm.get_random_password(PasswordLength=48), "GetRandomPassword", SM, True, admin)["RandomPassword"]
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "sts:AssumeRole"})
    role_arn = ok(iam.create_role(RoleName="auditor", AssumeRolePolicyDocument=trust), "CreateRole", IAM, False, admin)["Role"]["Arn"]
    assumed = ok(sts.assume_role(RoleArn=role_arn, RoleSessionName="audit-session"), "AssumeRole", STS, True, admin)
    creds = assumed["Credentials"]
    session = Key("auditor", creds["AccessKeyId"], creds["SecretAccessKey"], arn=assumed["AssumedRoleUser"]["Arn"], session_token=creds["SessionToken"])
    who = ok(session.client(srv, "sts").get_caller_identity(), "GetCallerIdentity", STS, True, session, "AssumedRole")
    assert who["Arn"] == session.arn

    # The AWS CLI: alice reads the secret (no request id comes back; found by
    # its user agent below).
    cli = AwsCli(srv)
    out = cli.run("secretsmanager", "get-secret-value", "--secret-id", "db/prod", access_key=alice.access_key, secret_key=alice.secret_key)
    assert pw2 in out["SecretString"]

    # Records of calls refused at authentication are not held for; wait for them.
    assert wait_for(lambda: all(with_request_id(trail(srv.data_dir), r) for r in refused_at_authn), timeout=10), "records of refused calls never appeared"
    records = trail(srv.data_dir)

    # Every call exactly once, as it happened.
    for x in expected:
        found = with_request_id(records, x.request_id)
        assert len(found) == 1, f"{x.event_name} {x.request_id}: {len(found)} records: {found}"
        r = found[0]
        check_common_shape(r, acct)
        assert (r["eventName"], r["eventSource"], r["readOnly"]) == (x.event_name, x.event_source, x.read_only), (x, r)
        assert r.get("errorCode") == x.error_code, (x, r)
        if x.error_code:
            assert r.get("errorMessage"), r
            assert "responseElements" not in r or r["responseElements"] is None, r
        ident = r["userIdentity"]
        assert ident["type"] == x.identity_type, (x, ident)
        assert ident.get("accessKeyId") == x.access_key_id, (x, ident)
        if x.identity_type == "IAMUser":
            assert x.key is not None
            assert ident["userName"] == x.key.user, (x, ident)
            assert ident["arn"] == x.key.arn, (x, ident)
            assert ident["accountId"] == acct, ident
            if x.key.user_id:
                assert ident["principalId"] == x.key.user_id, ident
        elif x.identity_type == "AssumedRole":
            assert ident["arn"] == session.arn, ident
            assert ident["sessionContext"]["sessionIssuer"]["arn"] == role_arn, ident
            assert ident["sessionContext"]["sessionIssuer"]["type"] == "Role", ident
            assert "userName" not in ident or ident["userName"] is None, ident
        else:
            assert "arn" not in ident or ident["arn"] is None, ident
            assert "userName" not in ident or ident["userName"] is None, ident
        if x.request_id in refused_at_authn:
            # The body of an unauthenticated request is not recorded.
            assert not r.get("requestParameters"), r

    by_id = {x.request_id: with_request_id(records, x.request_id)[0] for x in expected}
    # What alice's read names, and what bob's denial does not.
    alice_rec = by_id[alice_read]
    assert alice_rec["requestParameters"] == {"secretId": "db/prod"}, alice_rec
    assert alice_rec.get("responseElements") is None, alice_rec
    assert alice_rec["resources"] == [{"ARN": secret_arn, "accountId": acct, "type": "AWS::SecretsManager::Secret"}], alice_rec
    bob_rec = by_id[bob_denied]
    assert bob_rec["errorCode"] == "AccessDeniedException" and not bob_rec.get("resources"), bob_rec
    assert bob_rec["requestParameters"] == {"secretId": "db/prod"}, bob_rec
    put_rec = by_id[put_id]
    assert put_rec["requestParameters"]["secretString"] == HIDDEN, put_rec
    assert put_rec["requestParameters"]["secretId"] == "db/prod", put_rec
    assert put_rec.get("responseElements"), put_rec  # a successful write answers with what changed
    assert by_id[bad_sig_json]["userIdentity"]["userName"] == "alice"

    # The CLI's call, once, by alice, with the CLI's user agent.
    cli_recs = [
        r for r in records
        if r["eventName"] == "GetSecretValue" and r["userIdentity"].get("userName") == "alice"
        and r["userAgent"].startswith("aws-cli/")
    ]
    assert len(cli_recs) == 1, cli_recs
    assert cli_recs[0].get("errorCode") is None and cli_recs[0]["readOnly"] is True, cli_recs
    # Nothing else: the test made every call this server saw.
    assert len(records) == len(expected) + 1, (
        f"{len(records)} records for {len(expected) + 1} calls: "
        f"{sorted(r['eventName'] for r in records if r.get('requestID') not in by_id)}"
    )
    # Sequence numbers: consecutive from 1.
    assert [ln.seq for ln in trail_lines(srv.data_dir)] == list(range(1, len(records) + 1))

    # LookupEvents through the CLI, as admin, by the secret's name.
    looked = cli.run("cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=ResourceName,AttributeValue=db/prod")
    assert looked is not None
    looked_ids = [event_record(ev).get("requestID") for ev in looked["Events"]]
    assert alice_read in looked_ids, looked_ids
    assert bob_denied in looked_ids, looked_ids
    denied = [event_record(ev) for ev in looked["Events"] if event_record(ev).get("requestID") == bob_denied][0]
    assert denied["errorCode"] == "AccessDeniedException" and denied["userIdentity"]["userName"] == "bob", denied
    everything = cli.run("cloudtrail", "lookup-events")
    lookup_text = json.dumps(looked) + json.dumps(everything)

    # No secret anywhere: files (database, index, trail), logs, LookupEvents.
    secrets = {
        "first secret value": pw1,
        "second secret value": pw2,
        "random password": random_password,
        "alice's secret access key": alice.secret_key,
        "bob's secret access key": bob.secret_key,
        "the session's secret access key": session.secret_key,
        "the session token": session.session_token or "",
    }
    srv.stop()
    places: dict[str, bytes] = {}
    for path in sorted(srv.data_dir.rglob("*")):
        if path.is_file():
            places[str(path.relative_to(srv.data_dir))] = path.read_bytes()
    assert "audit-index.db" in places, sorted(places)
    places["server stderr log"] = srv.log_path.read_bytes()
    places["server stdout"] = "\n".join(srv.stdout_lines).encode()
    places["LookupEvents output"] = lookup_text.encode()
    leaks = [
        f"{what} in {where}"
        for where, data in places.items()
        for what, value in {**secrets, **({} if where == "server stdout" else {"admin's secret access key": admin.secret_key})}.items()
        if value and value.encode() in data
    ]
    assert not leaks, leaks
    assert_intact(srv.data_dir)


def test_query_calls_refused_at_authentication_are_recorded(make_server):
    """IAM/STS (Query) calls refused at authentication: recorded, with the
    key owner (wrong signature) or Unknown (unknown key), and the operation."""
    srv = make_server(name="query-refused")
    wrong = Key("admin", srv.access_key or "", "wrong-secret-key-for-admin", arn=f"arn:aws:iam::{srv.account_id}:user/admin")
    unknown = Key("nobody", "AKIAUNKNOWNKEY000000", "whatever-secret-key-of-nobody")
    bad_sig = failed(lambda: wrong.client(srv, "iam").list_users(), "SignatureDoesNotMatch").response
    bad_key = failed(lambda: unknown.client(srv, "sts").get_caller_identity(), "InvalidClientTokenId").response
    for resp in (bad_sig, bad_key):
        assert wait_for(lambda: with_request_id(trail(srv.data_dir), rid(resp)), timeout=10), resp
    records = trail(srv.data_dir)
    sig = with_request_id(records, rid(bad_sig))
    key = with_request_id(records, rid(bad_key))
    assert len(sig) == 1 and len(key) == 1, (sig, key)
    sig, key = sig[0], key[0]
    assert sig["errorCode"] == "SignatureDoesNotMatch" and sig["eventSource"] == "iam.amazonaws.com", sig
    assert sig["userIdentity"]["type"] == "IAMUser" and sig["userIdentity"]["userName"] == "admin", sig
    assert key["errorCode"] == "InvalidClientTokenId" and key["eventSource"] == "sts.amazonaws.com", key
    assert key["userIdentity"]["type"] == "Unknown", key
    assert key["userIdentity"].get("accessKeyId") == unknown.access_key, key
    assert not sig.get("requestParameters") and not key.get("requestParameters")
    # eventName is the operation (the form's Action), as for JSON calls.
    assert (sig["eventName"], key["eventName"]) == ("ListUsers", "GetCallerIdentity"), (sig["eventName"], key["eventName"])


def test_secretsmanager_calls_name_the_secret_they_acted_on(make_server):
    """`resources` names the secret every successful call on it was allowed
    to act on: reads and writes alike."""
    srv = make_server(name="resources")
    sm = srv.client()
    arn = sm.create_secret(Name="app/res", SecretString="x")["ARN"]
    policy = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{srv.account_id}:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"})
    calls = {
        "DescribeSecret": lambda: sm.describe_secret(SecretId="app/res"),
        "GetSecretValue": lambda: sm.get_secret_value(SecretId="app/res"),
        "PutSecretValue": lambda: sm.put_secret_value(SecretId="app/res", SecretString="y"),
        "UpdateSecret": lambda: sm.update_secret(SecretId="app/res", Description="d"),
        "TagResource": lambda: sm.tag_resource(SecretId="app/res", Tags=[{"Key": "a", "Value": "b"}]),
        "UntagResource": lambda: sm.untag_resource(SecretId="app/res", TagKeys=["a"]),
        "PutResourcePolicy": lambda: sm.put_resource_policy(SecretId="app/res", ResourcePolicy=policy),
        "DeleteResourcePolicy": lambda: sm.delete_resource_policy(SecretId="app/res"),
        "DeleteSecret": lambda: sm.delete_secret(SecretId="app/res", RecoveryWindowInDays=7),
        "RestoreSecret": lambda: sm.restore_secret(SecretId="app/res"),
    }
    ids = {name: rid(call()) for name, call in calls.items()}
    records = trail(srv.data_dir)
    missing = []
    for name, request_id in ids.items():
        (r,) = with_request_id(records, request_id)
        assert r["eventName"] == name
        if [res.get("ARN") for res in r.get("resources") or []] != [arn]:
            missing.append(f"{name}: resources={r.get('resources')!r}")
    assert not missing, "records not naming the secret they acted on: " + "; ".join(missing)


# =================================================================================
# 2. Tampering: verify names the place.
# =================================================================================


def generate_calls(srv: Server, n: int) -> None:
    sm = srv.client()
    name = f"tamper-{uuid.uuid4().hex[:8]}"
    sm.create_secret(Name=name, SecretString="v0")
    for i in range(n):
        if i % 10 == 0:
            sm.put_secret_value(SecretId=name, SecretString=f"v{i}")
        else:
            sm.describe_secret(SecretId=name)


@pytest.fixture(scope="module")
def segmented(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A stopped server whose trail spans several small segments, the newest
    holding at least 3 records. Tests tamper with copies of its data dir."""
    base = tmp_path_factory.mktemp("segmented")
    srv = Server(base / "data", log_path=base / "stderr.log", extra_args=["--audit-segment-bytes", "8192"])
    srv.start()
    try:
        generate_calls(srv, 100)
        for _ in range(20):
            last = segment_files(srv.data_dir)[-1]
            if len(last.read_bytes().splitlines()) >= 4:
                break
            generate_calls(srv, 1)
    finally:
        srv.stop()
    assert len(segment_files(srv.data_dir)[-1].read_bytes().splitlines()) >= 4
    assert len(segment_files(srv.data_dir)) >= 5, segment_files(srv.data_dir)
    yield srv


def rewrite_lines(path: Path, edit: Callable[[list[bytes]], list[bytes]]) -> None:
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    path.write_bytes(b"\n".join(edit(lines[:-1])) + b"\n")


def test_untouched_trail_verifies_across_segments(segmented):
    segs = segment_files(segmented.data_dir)
    assert [segment_number(p) for p in segs] == list(range(1, len(segs) + 1))
    lines = trail_lines(segmented.data_dir, running=False)
    assert [ln.seq for ln in lines] == list(range(1, len(lines) + 1))
    assert len(lines) >= 100
    # Each header continues the sequence where the previous segment ended.
    for path in segs:
        header = json.loads(path.read_bytes().split(b"\n", 1)[0])
        first = [ln for ln in lines if ln.file == path.name][0]
        assert header["first_seq"] == first.seq, (path.name, header)
    out = assert_intact(segmented.data_dir)
    assert str(len(lines)) in out and str(len(segs)) in out, out


def test_editing_one_byte_of_a_record_is_named(segmented, tmp_path):
    copy = copy_data_dir(segmented.data_dir, tmp_path / "edited")
    target = segment_files(copy)[1]
    line_no = 3  # the segment's second record

    def edit(lines: list[bytes]) -> list[bytes]:
        line = lines[line_no - 1]
        m = re.search(rb'"eventTime":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d(\d)Z"', line)
        assert m, line
        digit = m.group(1)[0] - ord("0")
        changed = bytearray(line)
        changed[m.start(1)] = ord("0") + (digit + 1) % 10
        lines[line_no - 1] = bytes(changed)
        return lines

    rewrite_lines(target, edit)
    assert_not_intact(copy, target.name, line_no)


def test_deleting_a_line_is_named(segmented, tmp_path):
    copy = copy_data_dir(segmented.data_dir, tmp_path / "deleted")
    target = segment_files(copy)[2]
    assert len(target.read_bytes().splitlines()) >= 4
    rewrite_lines(target, lambda lines: lines[:2] + lines[3:])  # drop line 3
    assert_not_intact(copy, target.name, 3)


def test_swapping_two_lines_is_named(segmented, tmp_path):
    copy = copy_data_dir(segmented.data_dir, tmp_path / "swapped")
    target = segment_files(copy)[1]
    rewrite_lines(target, lambda lines: [lines[0], lines[2], lines[1], *lines[3:]])  # swap lines 2 and 3
    assert_not_intact(copy, target.name, 2)


def test_truncating_the_newest_segment_is_caught(segmented, tmp_path):
    copy = copy_data_dir(segmented.data_dir, tmp_path / "truncated")
    newest = segment_files(copy)[-1]
    assert len(newest.read_bytes().splitlines()) >= 4
    rewrite_lines(newest, lambda lines: lines[:-2])
    assert_not_intact(copy, newest.name)


def test_a_truncated_trail_stops_the_server_until_reanchored(segmented, tmp_path):
    copy = copy_data_dir(segmented.data_dir, tmp_path / "reanchor")
    newest = segment_files(copy)[-1]
    rewrite_lines(newest, lambda lines: lines[:-2])
    srv = Server(copy, log_path=tmp_path / "reanchor.log", extra_args=["--audit-segment-bytes", "8192"])
    srv.access_key, srv.secret_key = segmented.access_key, segmented.secret_key
    # The server will not build on a cut-off chain.
    with pytest.raises(ServerError):
        srv.start()
    assert "reanchor" in srv.log_text()

    def reanchor(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(server_binary()), "admin", "audit", "reanchor", "--data-dir", str(copy), *extra],
            capture_output=True,
            text=True,
            timeout=60,
        )

    # Without --yes it only shows the finding.
    refused = reanchor()
    assert refused.returncode != 0, refused
    assert "NOT intact" in refused.stdout and newest.name in refused.stdout, refused
    done = reanchor("--yes")
    assert done.returncode == 0, done
    assert "re-anchored" in done.stdout, done
    assert_intact(copy)
    # The chain continues from the cut.
    srv.start()
    try:
        generate_calls(srv, 3)
    finally:
        srv.stop()
    assert_intact(copy)


def test_deleting_the_newest_segment_is_caught(segmented, tmp_path):
    copy = copy_data_dir(segmented.data_dir, tmp_path / "newest-gone")
    segment_files(copy)[-1].unlink()
    assert_not_intact(copy)


def test_deleting_a_middle_segment_is_named(segmented, tmp_path):
    copy = copy_data_dir(segmented.data_dir, tmp_path / "middle-gone")
    segs = segment_files(copy)
    segs[2].unlink()
    assert_not_intact(copy, segs[3].name)


def test_retention_deletes_the_oldest_segments_and_still_verifies(make_server):
    srv = make_server(name="retained", extra_args=["--audit-segment-bytes", "4096", "--audit-retention-segments", "3"])
    generate_calls(srv, 60)
    srv.stop()
    segs = segment_files(srv.data_dir)
    numbers = [segment_number(p) for p in segs]
    assert 1 <= len(segs) <= 3, numbers
    assert numbers[0] > 1, f"no segment was removed by retention: {numbers}"
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), numbers
    lines = trail_lines(srv.data_dir, running=False)
    assert [ln.seq for ln in lines] == list(range(lines[0].seq, lines[0].seq + len(lines)))
    assert_intact(srv.data_dir)


# =================================================================================
# 3. Fail closed: a trail that cannot be written refuses calls, and changes
#    nothing.
# =================================================================================


def test_calls_fail_closed_while_the_trail_cannot_be_written(make_server):
    srv = make_server(name="failclosed", extra_args=["--audit-segment-bytes", "2048"])
    sm = srv.client()
    iam = admin_key(srv).client(srv, "iam")
    name = f"fc-{uuid.uuid4().hex[:8]}"
    sm.create_secret(Name=name, SecretString="before")

    # The next segment's path is taken by a directory: rotating fails.
    newest = segment_files(srv.data_dir)[-1]
    blocker = newest.parent / f"{segment_number(newest) + 1:012d}.jsonl"
    blocker.mkdir()
    first_failure = None
    for _ in range(30):
        try:
            sm.describe_secret(SecretId=name)
        except ClientError as e:
            first_failure = e
            break
    assert first_failure is not None, (
        f"no call failed with {blocker.name} a directory; segments: {[p.name for p in segment_files(srv.data_dir)]}"
    )
    assert first_failure.response["ResponseMetadata"]["HTTPStatusCode"] == 500, first_failure.response
    assert first_failure.response["Error"]["Code"] == "InternalServiceError", first_failure.response

    # While failing, writes are refused (JSON and Query) and change nothing.
    with expect_error("InternalServiceError", status=500):
        sm.put_secret_value(SecretId=name, SecretString="while-failing")
    with expect_error("InternalFailure", status=500):
        iam.create_user(UserName="made-while-failing")

    # Writable again: calls succeed once the trail has recovered.
    blocker.rmdir()

    def write_succeeds() -> bool:
        try:
            sm.put_secret_value(SecretId=name, SecretString="after")
            return True
        except ClientError as e:
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 500, e.response
        # A read probes the trail (its record must be written to answer it).
        try:
            sm.describe_secret(SecretId=name)
        except ClientError as e:
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 500, e.response
        return False

    assert wait_for(write_succeeds, timeout=5, interval=0.2), "writes still refused after the trail became writable"
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "after"
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == "before"
    versions = sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]
    assert len(versions) == 2, versions  # "while-failing" never became a version
    with expect_error("NoSuchEntity", status=404):
        iam.get_user(UserName="made-while-failing")
    srv.stop()
    assert_intact(srv.data_dir)


# =================================================================================
# 4. kill -9 under load: every answered call is in the trail.
# =================================================================================


def test_every_answered_call_survives_kill_9(make_server):
    srv = make_server(name="killed")
    name = f"load-{uuid.uuid4().hex[:8]}"
    srv.client().create_secret(Name=name, SecretString="v0")
    answered: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def worker(n: int) -> None:
        sm = srv.client()
        i = 0
        while not stop.is_set():
            i += 1
            try:
                if i % 2:
                    resp = sm.get_secret_value(SecretId=name)
                else:
                    resp = sm.put_secret_value(SecretId=name, SecretString=f"w{n}-{i}")
            except ClientError as e:
                status = e.response["ResponseMetadata"].get("HTTPStatusCode", 0)
                if 400 <= status < 500 and e.response["ResponseMetadata"].get("RequestId"):
                    with lock:
                        answered.append(rid(e.response))
                continue
            except Exception:  # connection refused/reset once the server is gone
                if not srv.is_running():
                    return
                continue
            with lock:
                answered.append(rid(resp))

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(8)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    assert srv.proc is not None
    srv.proc.kill()  # SIGKILL, mid-load
    srv.proc.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    with lock:
        ids = list(answered)
    assert len(ids) >= 20, f"only {len(ids)} calls answered before the kill"
    srv.stop()
    srv.start()
    srv.client().get_secret_value(SecretId=name)  # the server works after the crash
    records = trail(srv.data_dir)
    counts: dict[str, int] = {}
    for r in records:
        if r.get("requestID"):
            counts[r["requestID"]] = counts.get(r["requestID"], 0) + 1
    missing = [i for i in ids if counts.get(i, 0) == 0]
    doubled = [i for i in ids if counts.get(i, 0) > 1]
    assert not missing, f"{len(missing)} of {len(ids)} answered calls are not in the trail: {missing[:5]}"
    assert not doubled, f"recorded more than once: {doubled[:5]}"
    srv.stop()
    assert_intact(srv.data_dir)


# =================================================================================
# 5. LookupEvents
# =================================================================================


@dataclass
class LookupEnv:
    server: Server
    admin: Key
    carol: Key  # secretsmanager:* and cloudtrail:LookupEvents
    dave: Key  # no permissions
    secret_name: str
    secret_arn: str
    carol_calls: list[str]  # request ids, oldest first
    ct: Any  # admin's cloudtrail client
    loose: Any  # the same without client-side validation


@pytest.fixture(scope="module")
def lookup_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LookupEnv]:
    base = tmp_path_factory.mktemp("lookup")
    srv = Server(base / "data", log_path=base / "stderr.log")
    srv.start()
    try:
        admin = admin_key(srv)
        iam = admin.client(srv, "iam")
        carol = make_user(
            srv, iam, "carol",
            {"Effect": "Allow", "Action": ["secretsmanager:*", "cloudtrail:LookupEvents"], "Resource": "*"},
        )
        dave = make_user(srv, iam, "dave")
        sm = carol.client(srv)
        secret_name = "app/lookup"
        carol_calls: list[str] = []
        created = sm.create_secret(Name=secret_name, SecretString="x")
        carol_calls.append(rid(created))
        for i in range(6):
            carol_calls.append(rid(sm.describe_secret(SecretId=secret_name)))
            carol_calls.append(rid(sm.put_secret_value(SecretId=secret_name, SecretString=f"x{i}")))
        carol_calls.append(rid(sm.get_secret_value(SecretId=created["ARN"])))
        env = LookupEnv(srv, admin, carol, dave, secret_name, created["ARN"], carol_calls, admin.client(srv, "cloudtrail"), admin.client(srv, "cloudtrail", validate=False))
        # The index may trail the files by a moment.
        assert wait_for(
            lambda: carol_calls[-1] in {event_record(e).get("requestID") for e in env.ct.lookup_events(LookupAttributes=attr("Username", "carol"))["Events"]}
        ), "carol's calls never showed up in LookupEvents"
        yield env
    finally:
        srv.stop()


def check_event_matches_record(ev: dict) -> dict:
    """The summary members of a LookupEvents event agree with its record."""
    rec = event_record(ev)
    assert ev["EventId"] == rec["eventID"], ev
    assert ev["EventName"] == rec["eventName"], ev
    assert ev["EventSource"] == rec["eventSource"], ev
    assert ev["ReadOnly"] == ("true" if rec["readOnly"] else "false"), ev
    assert ev.get("AccessKeyId") == rec["userIdentity"].get("accessKeyId"), ev
    when = ev["EventTime"]
    assert when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") == rec["eventTime"], (when, rec["eventTime"])
    return rec


def look(env: LookupEnv, key: str, value: str) -> list[dict]:
    """The records of every event LookupEvents finds by one attribute."""
    events, _ = lookup_all(env.ct, LookupAttributes=attr(key, value))
    return [check_event_matches_record(e) for e in events]


def request_ids(recs: list[dict]) -> set[str]:
    return {r.get("requestID") for r in recs}


def carol_records(env: LookupEnv) -> list[dict]:
    recs = [r for r in trail(env.server.data_dir) if r.get("requestID") in env.carol_calls]
    assert len(recs) == len(env.carol_calls)
    return recs


def test_lookup_by_event_id(lookup_env):
    one = carol_records(lookup_env)[3]
    got = look(lookup_env, "EventId", one["eventID"])
    assert [r["eventID"] for r in got] == [one["eventID"]], got


def test_lookup_by_event_name(lookup_env):
    got = look(lookup_env, "EventName", "DescribeSecret")
    assert got and all(r["eventName"] == "DescribeSecret" for r in got)
    assert {r["requestID"] for r in carol_records(lookup_env) if r["eventName"] == "DescribeSecret"} <= request_ids(got)


@pytest.mark.parametrize("flag", ["true", "false"])
def test_lookup_by_read_only(lookup_env, flag):
    got = look(lookup_env, "ReadOnly", flag)
    assert got and all(r["readOnly"] is (flag == "true") for r in got), flag
    assert {r["requestID"] for r in carol_records(lookup_env) if r["readOnly"] is (flag == "true")} <= request_ids(got)


def test_lookup_by_username(lookup_env):
    got = look(lookup_env, "Username", "carol")
    assert all(r["userIdentity"].get("userName") == "carol" for r in got), got
    assert set(lookup_env.carol_calls) <= request_ids(got)
    events, _ = lookup_all(lookup_env.ct, LookupAttributes=attr("Username", "carol"))
    assert all(e.get("Username") == "carol" for e in events)
    # No match: no events.
    assert look(lookup_env, "Username", "nobody-by-that-name") == []


def test_lookup_by_resource_type(lookup_env):
    got = look(lookup_env, "ResourceType", "AWS::SecretsManager::Secret")
    assert got and all(any(res["type"] == "AWS::SecretsManager::Secret" for res in r.get("resources") or []) for r in got)
    # Every one of carol's calls acted on her secret.
    missing = [r["eventName"] for r in carol_records(lookup_env) if r["requestID"] not in request_ids(got)]
    assert not missing, f"calls on the secret not found by ResourceType: {missing}"
    got = look(lookup_env, "ResourceType", "AWS::IAM::User")
    assert {"CreateUser", "CreateAccessKey"} <= {r["eventName"] for r in got}


@pytest.mark.parametrize("by", ["name", "arn"])
def test_lookup_by_resource_name(lookup_env, by):
    env = lookup_env
    value = env.secret_name if by == "name" else env.secret_arn
    got = look(env, "ResourceName", value)
    for r in got:
        params = r.get("requestParameters") or {}
        named = {res["ARN"] for res in r.get("resources") or []} | {str(params.get("secretId")), str(params.get("name"))}
        assert env.secret_arn in named or env.secret_name in named, r
    # Every one of carol's calls acted on that secret, whichever way it was named.
    missing = [r["eventName"] for r in carol_records(env) if r["requestID"] not in request_ids(got)]
    assert not missing, f"calls on the secret not found by ResourceName={value}: {missing}"
    events, _ = lookup_all(env.ct, LookupAttributes=attr("ResourceName", value))
    assert any(
        res["ResourceType"] == "AWS::SecretsManager::Secret" and res["ResourceName"] == env.secret_arn
        for e in events for res in e.get("Resources") or []
    ), events[:1]


def test_lookup_by_event_source(lookup_env):
    got = look(lookup_env, "EventSource", "iam.amazonaws.com")
    assert got and all(r["eventSource"] == "iam.amazonaws.com" for r in got)
    assert {"CreateUser", "PutUserPolicy", "CreateAccessKey"} <= {r["eventName"] for r in got}
    got = look(lookup_env, "EventSource", "secretsmanager.amazonaws.com")
    assert set(lookup_env.carol_calls) <= request_ids(got)


def test_lookup_by_access_key_id(lookup_env):
    got = look(lookup_env, "AccessKeyId", lookup_env.carol.access_key)
    assert all(r["userIdentity"]["accessKeyId"] == lookup_env.carol.access_key for r in got)
    assert set(lookup_env.carol_calls) <= request_ids(got)


def test_lookup_is_newest_first_and_pages_without_duplicates(lookup_env):
    env = lookup_env
    whole, pages = lookup_all(env.ct, LookupAttributes=attr("Username", "carol"), MaxResults=50)
    assert pages == 1
    ids = [event_record(e).get("requestID") for e in whole]
    # carol's calls were made one after the other: newest first means reversed.
    ours = [i for i in ids if i in env.carol_calls]
    assert ours == list(reversed(env.carol_calls)), ids
    times = [e["EventTime"] for e in whole]
    assert times == sorted(times, reverse=True)

    paged, pages = lookup_all(env.ct, LookupAttributes=attr("Username", "carol"), MaxResults=3)
    assert pages >= 4
    paged_ids = [e["EventId"] for e in paged]
    assert len(paged_ids) == len(set(paged_ids)), "an event came back twice"
    assert paged_ids == [e["EventId"] for e in whole]
    # A page is at most MaxResults long.
    assert len(env.ct.lookup_events(MaxResults=2)["Events"]) == 2


def test_lookup_time_range(lookup_env):
    env = lookup_env
    sm = env.carol.client(env.server)

    def next_second() -> int:
        """Sleeps into the next whole second; returns it (epoch seconds)."""
        now = time.time()
        time.sleep(int(now) + 1 - now + 0.02)
        return int(now) + 1

    before = [rid(sm.describe_secret(SecretId=env.secret_name)) for _ in range(2)]
    next_second()
    start = next_second()  # nothing was called in the second before `start`
    during = [rid(sm.describe_secret(SecretId=env.secret_name)) for _ in range(3)]
    end = int(time.time()) + 1  # a whole second after the last call in range
    while int(time.time()) <= end:
        time.sleep(0.05)
    after = [rid(sm.describe_secret(SecretId=env.secret_name)) for _ in range(2)]

    def in_range() -> set[str]:
        events, _ = lookup_all(
            env.ct,
            LookupAttributes=attr("Username", "carol"),
            StartTime=dt.datetime.fromtimestamp(start, dt.timezone.utc),
            EndTime=dt.datetime.fromtimestamp(end, dt.timezone.utc),
        )
        for e in events:
            t = e["EventTime"].timestamp()
            assert start <= t <= end, (e["EventTime"], start, end)
        return {event_record(e).get("requestID") for e in events}

    got = wait_for(lambda: (lambda found: found if set(during) <= found else None)(in_range()))
    assert got is not None, during
    assert set(during) <= got, (during, got)
    assert not (set(before) | set(after)) & got, got
    # Only a start: everything since.
    events, _ = lookup_all(env.ct, LookupAttributes=attr("Username", "carol"), StartTime=dt.datetime.fromtimestamp(start, dt.timezone.utc))
    got = {event_record(e).get("requestID") for e in events}
    assert set(during) | set(after) <= got and not set(before) & got


def test_lookup_is_scoped_to_the_callers_account(lookup_env):
    env = lookup_env
    srv = env.server
    proc = subprocess.run(
        [str(srv.binary), "admin", "create-account", OTHER_ACCOUNT, "--data-dir", str(srv.data_dir)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    found = dict(re.findall(r"^export (AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)=(\S+)$", proc.stdout, re.M))
    other = Key("admin", found["AWS_ACCESS_KEY_ID"], found["AWS_SECRET_ACCESS_KEY"], arn=f"arn:aws:iam::{OTHER_ACCOUNT}:user/admin")
    theirs = rid(other.client(srv).create_secret(Name=env.secret_name, SecretString="theirs"))
    other_ct = other.client(srv, "cloudtrail")
    def their_events() -> list[dict] | None:
        events = lookup_all(other_ct)[0]
        return events if theirs in {event_record(e).get("requestID") for e in events} else None

    events = wait_for(their_events)
    assert events, "the other account's own call is not in its LookupEvents"
    for e in events:
        rec = event_record(e)
        assert rec["recipientAccountId"] == OTHER_ACCOUNT, rec
        assert rec["userIdentity"].get("accountId") == OTHER_ACCOUNT, rec
    for key, value in (("Username", "carol"), ("ResourceName", env.secret_arn), ("AccessKeyId", env.carol.access_key)):
        assert lookup_all(other_ct, LookupAttributes=attr(key, value))[0] == [], (key, value)
    # And the other way round.
    mine = lookup_all(env.ct)[0]
    assert theirs not in {event_record(e).get("requestID") for e in mine}
    assert all(event_record(e)["recipientAccountId"] == srv.account_id for e in mine)


def test_lookup_needs_cloudtrail_lookup_events(lookup_env):
    env = lookup_env
    with expect_error("AccessDeniedException") as e:
        env.dave.client(env.server, "cloudtrail").lookup_events()
    denied = e.value.response
    rec = wait_for(lambda: with_request_id(trail(env.server.data_dir), rid(denied)))
    assert rec and rec[0]["eventSource"] == "cloudtrail.amazonaws.com" and rec[0]["eventName"] == "LookupEvents", rec
    assert rec[0]["errorCode"] == "AccessDeniedException" and rec[0]["userIdentity"]["userName"] == "dave", rec
    # carol's allowed lookup is recorded too, as a read.
    ok = env.carol.client(env.server, "cloudtrail").lookup_events(MaxResults=1)
    rec = with_request_id(trail(env.server.data_dir), rid(ok))
    assert len(rec) == 1 and rec[0]["readOnly"] is True and rec[0].get("errorCode") is None, rec


def test_lookup_errors(lookup_env):
    env = lookup_env
    loose = env.loose
    with expect_error("InvalidLookupAttributesException"):
        loose.lookup_events(LookupAttributes=attr("Colour", "blue"))
    with expect_error("InvalidLookupAttributesException"):
        loose.lookup_events(LookupAttributes=attr("EventName", "GetSecretValue") + attr("Username", "carol"))
    with expect_error("InvalidLookupAttributesException"):
        loose.lookup_events(LookupAttributes=attr("ReadOnly", "yes"))
    now = dt.datetime.now(dt.timezone.utc)
    with expect_error("InvalidTimeRangeException"):
        loose.lookup_events(StartTime=now, EndTime=now - dt.timedelta(hours=1))
    for bad in (0, 51):
        with expect_error("InvalidMaxResultsException"):
            loose.lookup_events(MaxResults=bad)
    token = env.ct.lookup_events(LookupAttributes=attr("Username", "carol"), MaxResults=1)["NextToken"]
    with expect_error("InvalidNextTokenException"):
        loose.lookup_events(LookupAttributes=attr("EventName", "DescribeSecret"), MaxResults=1, NextToken=token)
    with expect_error("InvalidNextTokenException"):
        loose.lookup_events(NextToken="not-a-token")
    with expect_error("InvalidEventCategoryException"):
        loose.lookup_events(EventCategory="data")


def test_lookup_of_insights_events_finds_none(lookup_env):
    # EventCategory=insight asks for Insights events only (CloudTrail's
    # LookupEvents); there are none here, but asking is valid.
    got = lookup_env.ct.lookup_events(EventCategory="insight")
    assert got["Events"] == [], [e["EventName"] for e in got["Events"]][:5]


def test_lookup_with_the_cli(lookup_env):
    env = lookup_env
    cli = AwsCli(env.server)
    out = cli.run(
        "cloudtrail", "lookup-events",
        "--lookup-attributes", "AttributeKey=Username,AttributeValue=carol",
        access_key=env.carol.access_key, secret_key=env.carol.secret_key,
    )
    ids = [json.loads(e["CloudTrailEvent"]).get("requestID") for e in out["Events"]]
    assert set(env.carol_calls) <= set(ids)
    assert len(ids) == len(set(ids))
    out = cli.run("cloudtrail", "lookup-events", "--max-items", "2", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=PutSecretValue")
    assert len(out["Events"]) == 2 and all(e["EventName"] == "PutSecretValue" for e in out["Events"])
    assert out.get("NextToken"), out
    with pytest.raises(CliError) as e:
        cli.run("cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=ReadOnly,AttributeValue=maybe")
    assert "InvalidLookupAttributesException" in e.value.stderr
    with pytest.raises(CliError) as e:
        cli.run("cloudtrail", "lookup-events", access_key=env.dave.access_key, secret_key=env.dave.secret_key)
    assert "AccessDeniedException" in e.value.stderr


# =================================================================================
# 6. --audit-log stdout | off
# =================================================================================


def stdout_records(srv: Server) -> list[dict]:
    out = []
    for line in list(srv.stdout_lines):
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        out.append(obj.get("record", obj) if isinstance(obj, dict) else obj)
    return out


def test_audit_log_stdout_streams_records(make_server):
    srv = make_server(name="stdout", extra_args=["--audit-log", "stdout"])
    sm = srv.client()
    created = sm.create_secret(Name="streamed", SecretString="streamed-secret-value")
    read = sm.get_secret_value(SecretId="streamed")
    for call, name in ((created, "CreateSecret"), (read, "GetSecretValue")):
        recs = wait_for(lambda: with_request_id(stdout_records(srv), rid(call)), timeout=5)
        assert len(recs) == 1, (name, srv.stdout_lines[-5:])
        assert recs[0]["eventName"] == name and recs[0]["eventVersion"] == "1.09", recs
    assert "streamed-secret-value" not in "\n".join(srv.stdout_lines)
    # The files are written as well.
    assert len(with_request_id(trail(srv.data_dir), rid(read))) == 1
    srv.stop()
    assert_intact(srv.data_dir)


def test_audit_log_off_writes_nothing_and_lookup_is_not_permitted(make_server):
    srv = make_server(name="off", extra_args=["--audit-log", "off"])
    sm = srv.client()
    sm.create_secret(Name="unrecorded", SecretString="v")
    sm.get_secret_value(SecretId="unrecorded")
    with expect_error("OperationNotPermittedException"):
        admin_key(srv).client(srv, "cloudtrail").lookup_events()
    log = srv.log_text()
    assert re.search(r"WARN.*--audit-log off", log), log[-2000:]
    audit = srv.data_dir / "audit"
    written = [p.name for p in audit.iterdir()] if audit.is_dir() else []
    assert segment_files(srv.data_dir) == [] and "HEAD" not in written, written
    assert not (srv.data_dir / "audit-index.db").exists()


# =================================================================================
# 7. A flood of bad signatures: answered at once, recorded at most 10 times.
# =================================================================================


def test_flood_of_bad_signatures_is_bounded(make_server):
    srv = make_server(name="flood")
    raw = srv.raw()
    slowest = 0.0
    ids = []
    for _ in range(50):
        t0 = time.monotonic()
        resp = raw.call("ListSecrets", {}, secret_key="wrong-secret-key-for-a-flood")
        slowest = max(slowest, time.monotonic() - t0)
        assert resp.status == 400, resp.body
        assert (resp.error_type or "").endswith("InvalidSignatureException"), resp.body
        ids.append(resp.headers.get("x-amzn-requestid"))
    assert slowest < 2.0, f"a refused request took {slowest:.2f}s"

    def individual() -> list[dict]:
        return [r for r in trail(srv.data_dir) if r.get("requestID") in ids]

    assert wait_for(lambda: len(individual()) >= 10, timeout=5), individual()
    # An authenticated call after the flood is answered once its own record is
    # durable; by then the flood's records (written in order) are in too.
    srv.client().list_secrets()
    got = individual()
    assert len(got) == 10, f"{len(got)} individual records for 50 refused requests in one window"
    assert all(r["errorCode"] == "InvalidSignatureException" and r["eventName"] == "ListSecrets" for r in got), got
    assert all(r["userIdentity"]["accessKeyId"] == srv.access_key for r in got)
    # (The UnauthenticatedRequestsSummary comes when the 60 s window ends: not
    # waited for here.)
    srv.stop()
    assert_intact(srv.data_dir)


# =================================================================================
# The purge job beside the trail.
# =================================================================================


def test_force_delete_is_not_an_end_secret_deletion_and_the_purge_job_runs(make_server):
    srv = make_server(name="purge", extra_args=["--purge-interval-secs", "1"])
    sm = srv.client()
    sm.create_secret(Name="short-lived", SecretString="v")
    deleted = sm.delete_secret(SecretId="short-lived", ForceDeleteWithoutRecovery=True)
    sm.create_secret(Name="scheduled", SecretString="v")
    sm.delete_secret(SecretId="scheduled", RecoveryWindowInDays=7)
    time.sleep(2.5)  # the purge job runs (twice) with nothing due
    sm.list_secrets()
    records = trail(srv.data_dir)
    assert [r["eventName"] for r in with_request_id(records, rid(deleted))] == ["DeleteSecret"]
    assert not [r for r in records if r["eventName"] == "EndSecretDeletion"], "nothing was due for purging"
    srv.stop()
    assert_intact(srv.data_dir)
