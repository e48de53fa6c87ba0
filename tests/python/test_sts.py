"""STS over the AWS Query protocol, on the same listener as Secrets Manager:
GetCallerIdentity through boto3 and the AWS CLI, and the XML errors of
signatures, scopes and actions the server refuses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from support import REGION, CliError, RawResponse, Server, expect_error, http_post, make_client

FORM = "application/x-www-form-urlencoded; charset=utf-8"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
GET_CALLER_IDENTITY = "Action=GetCallerIdentity&Version=2011-06-15"


def admin_arn(server: Server) -> str:
    return f"arn:aws:iam::{server.account_id}:user/admin"


def query(server: Server, body: str, *, service: str | None = "sts", secret_key: str | None = None) -> RawResponse:
    """POSTs a form body, signed with botocore's SigV4 for `service`
    (unsigned when `service` is None)."""
    url = (server.endpoint or "") + "/"
    data = body.encode()
    headers = {"Content-Type": FORM}
    if service is not None:
        request = AWSRequest(method="POST", url=url, data=data, headers=headers)
        creds = Credentials(server.access_key, secret_key or server.secret_key)
        SigV4Auth(creds, service, REGION).add_auth(request)
        headers = dict(request.headers.items())
    return http_post(url, headers, data)


@dataclass
class XmlError:
    namespace: str
    type: str
    code: str
    message: str
    request_id: str


def xml_error(resp: RawResponse, status: int) -> XmlError:
    """Parses a Query ErrorResponse, checking the HTTP status and headers."""
    assert resp.status == status, (resp.status, resp.body)
    assert resp.headers.get("content-type") == "text/xml", resp.headers
    assert "x-amzn-errortype" not in resp.headers, resp.headers
    root = ET.fromstring(resp.body)
    namespace, _, local = root.tag[1:].partition("}")
    assert local == "ErrorResponse", resp.body
    ns = {"a": namespace}

    def text(path: str) -> str:
        node = root.find(path, ns)
        assert node is not None and node.text is not None, (path, resp.body)
        return node.text

    err = XmlError(
        namespace=namespace,
        type=text("a:Error/a:Type"),
        code=text("a:Error/a:Code"),
        message=text("a:Error/a:Message"),
        request_id=text("a:RequestId"),
    )
    assert err.request_id == resp.headers.get("x-amzn-requestid"), (err, resp.headers)
    return err


# -- GetCallerIdentity ----------------------------------------------------------------


def test_get_caller_identity_with_boto3(server):
    who = server.sts_client().get_caller_identity()
    assert who["Account"] == server.account_id
    assert who["Arn"] == admin_arn(server)
    assert who["UserId"]
    meta = who["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 200
    assert meta["RequestId"] == meta["HTTPHeaders"]["x-amzn-requestid"]
    assert meta["HTTPHeaders"]["content-type"] == "text/xml"


def test_get_caller_identity_in_another_region(server):
    # STS is regional; every region's endpoint names the same caller.
    who = server.sts_client(region="eu-central-1").get_caller_identity()
    assert who["Arn"] == admin_arn(server)


def test_get_caller_identity_with_the_cli(server, aws_cli):
    who = aws_cli.run("sts", "get-caller-identity")
    assert who["Account"] == server.account_id
    assert who["Arn"] == admin_arn(server)
    assert who["UserId"]


def test_secrets_manager_still_answers_json_beside_sts(server, client):
    server.sts_client().get_caller_identity()
    resp = client.list_secrets(MaxResults=1)
    assert resp["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"


def test_get_caller_identity_wire_shape(server):
    resp = query(server, GET_CALLER_IDENTITY)
    assert resp.status == 200, resp.body
    root = ET.fromstring(resp.body)
    assert root.tag == f"{{{STS_NS}}}GetCallerIdentityResponse"
    ns = {"a": STS_NS}
    result = root.find("a:GetCallerIdentityResult", ns)
    assert result is not None, resp.body
    assert [child.tag.partition("}")[2] for child in result] == ["Arn", "UserId", "Account"]
    assert result.findtext("a:Arn", namespaces=ns) == admin_arn(server)
    assert root.findtext("a:ResponseMetadata/a:RequestId", namespaces=ns) == resp.headers["x-amzn-requestid"]


def test_dev_mode_caller_is_the_admin(make_server):
    srv = make_server(dev=True)
    who = srv.sts_client(access_key="AKIAANYKEY0000000000", secret_key="any").get_caller_identity()
    assert who["Arn"] == admin_arn(srv)


# -- authentication -------------------------------------------------------------------


def test_bad_signature_with_boto3(server):
    sts = server.sts_client(secret_key=(server.secret_key or "") + "x")
    with expect_error("SignatureDoesNotMatch", status=403):
        sts.get_caller_identity()


def test_bad_signature_with_the_cli(server, aws_cli):
    with pytest.raises(CliError) as e:
        aws_cli.run("sts", "get-caller-identity", secret_key=(server.secret_key or "") + "x")
    assert "SignatureDoesNotMatch" in e.value.stderr, e.value.stderr


def test_bad_signature_is_an_xml_error(server):
    err = xml_error(query(server, GET_CALLER_IDENTITY, secret_key=(server.secret_key or "") + "x"), 403)
    assert (err.namespace, err.type, err.code) == (STS_NS, "Sender", "SignatureDoesNotMatch")
    assert err.message.startswith("The request signature we calculated does not match")


def test_unknown_access_key(server):
    sts = server.sts_client(access_key="AKIAUNKNOWNKEY000000", secret_key="whatever")
    with expect_error("InvalidClientTokenId", "The security token included in the request is invalid.", status=403):
        sts.get_caller_identity()


def test_unsigned_request(server):
    err = xml_error(query(server, GET_CALLER_IDENTITY, service=None), 403)
    assert err.code == "MissingAuthenticationToken"
    assert err.message == "Request is missing Authentication Token"


def test_scope_of_another_service_is_refused(server):
    # A form request is routed by its credential scope: sts or iam only.
    err = xml_error(query(server, GET_CALLER_IDENTITY, service="secretsmanager"), 403)
    assert err.code == "SignatureDoesNotMatch"
    assert err.message == "Credential should be scoped to correct service: 'sts' or 'iam'."


def test_tampered_body_is_refused(server):
    url = (server.endpoint or "") + "/"
    request = AWSRequest(method="POST", url=url, data=GET_CALLER_IDENTITY.encode(), headers={"Content-Type": FORM})
    SigV4Auth(Credentials(server.access_key, server.secret_key), "sts", REGION).add_auth(request)
    tampered = b"Action=GetCallerIdentity&Version=2011-06-15&X=1"
    err = xml_error(http_post(url, dict(request.headers.items()), tampered), 403)
    assert err.code == "SignatureDoesNotMatch"


# -- actions --------------------------------------------------------------------------


def test_unknown_action(server):
    err = xml_error(query(server, "Action=NoSuchAction&Version=2011-06-15"), 400)
    assert (err.namespace, err.type, err.code) == (STS_NS, "Sender", "InvalidAction")
    assert err.message == "Could not find operation NoSuchAction for version 2011-06-15"


def test_action_of_another_api_version(server):
    err = xml_error(query(server, "Action=GetCallerIdentity&Version=2010-05-08"), 400)
    assert err.code == "InvalidAction"
    assert err.message == "Could not find operation GetCallerIdentity for version 2010-05-08"


def test_missing_action(server):
    err = xml_error(query(server, "Version=2011-06-15"), 400)
    assert err.code == "MissingAction"


def test_client_text_is_escaped_in_errors(server):
    err = xml_error(query(server, "Action=%3Cb%3E%26x&Version=2011-06-15"), 400)
    assert err.message == "Could not find operation <b>&x for version 2011-06-15"


def test_unimplemented_sts_operation_with_boto3(server):
    sts = server.sts_client()
    msg = "Could not find operation GetFederationToken for version 2011-06-15"
    with expect_error("InvalidAction", msg, status=400):
        sts.get_federation_token(Name="someone")


def test_unimplemented_iam_actions_are_unknown_in_iams_namespace(server):
    iam = make_client(
        server.endpoint or "",
        region=REGION,
        access_key=server.access_key or "",
        secret_key=server.secret_key or "",
        service="iam",
    )
    msg = "Could not find operation CreateInstanceProfile for version 2010-05-08"
    with expect_error("InvalidAction", msg, status=400):
        iam.create_instance_profile(InstanceProfileName="profile")
    err = xml_error(query(server, "Action=CreateInstanceProfile&Version=2010-05-08", service="iam"), 400)
    assert err.namespace == IAM_NS
