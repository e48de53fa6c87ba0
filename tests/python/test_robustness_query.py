"""Hostile inputs for the Query services (IAM, STS): every implemented
operation, every input member of botocore's model, fed odd values (as a
scalar, as a list, as a map). Each must get a 4xx Query error (or a
success), never a 5xx, and the server must stay up."""

from __future__ import annotations

import random
from urllib.parse import quote

import botocore.session
import pytest

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from support import REGION, Server, http_post

FORM = "application/x-www-form-urlencoded; charset=utf-8"
VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}
# Only the ones this server implements (others answer InvalidAction, which the
# STS and IAM suites test).
IMPLEMENTED = {
    "sts": ["AssumeRole", "GetCallerIdentity", "GetSessionToken"],
    "iam": [
        "CreateUser", "GetUser", "ListUsers", "DeleteUser", "CreateGroup", "GetGroup", "ListGroups", "DeleteGroup",
        "AddUserToGroup", "RemoveUserFromGroup", "ListGroupsForUser", "CreateRole", "GetRole", "ListRoles",
        "DeleteRole", "UpdateAssumeRolePolicy", "CreateAccessKey", "ListAccessKeys", "UpdateAccessKey",
        "DeleteAccessKey", "GetAccessKeyLastUsed", "PutUserPolicy", "GetUserPolicy", "DeleteUserPolicy",
        "ListUserPolicies", "PutGroupPolicy", "GetGroupPolicy", "DeleteGroupPolicy", "ListGroupPolicies",
        "PutRolePolicy", "GetRolePolicy", "DeleteRolePolicy", "ListRolePolicies", "CreatePolicy", "GetPolicy",
        "GetPolicyVersion", "ListPolicies", "DeletePolicy", "CreatePolicyVersion", "SetDefaultPolicyVersion",
        "AttachUserPolicy", "DetachUserPolicy", "ListAttachedUserPolicies", "AttachGroupPolicy",
        "DetachGroupPolicy", "ListAttachedGroupPolicies", "AttachRolePolicy", "DetachRolePolicy",
        "ListAttachedRolePolicies", "TagUser", "UntagUser", "ListUserTags", "TagRole", "UntagRole", "ListRoleTags",
        "UpdateUser", "UpdateGroup", "UpdateRole", "UpdateRoleDescription", "ListInstanceProfilesForRole",
        "ListPolicyVersions", "DeletePolicyVersion", "TagPolicy", "UntagPolicy", "ListPolicyTags", "ListMFADevices",
        "ListVirtualMFADevices", "ListSSHPublicKeys", "ListSigningCertificates", "ListServiceSpecificCredentials",
        "DeleteLoginProfile",
    ],
}
ODD = ["", " ", "x" * 5000, "\u0000", "é☃😀", "-1", "0", "99999999999999999999", "1.5", "true", "arn:", "arn:aws:iam::",
       "{", '{"Version":"2012-10-17","Statement":[]}', "%00", "../../", "*", "a/b/c", "/", "//", "<x>&amp;"]


def _members(service: str, operation: str) -> list[str]:
    model = botocore.session.get_session().get_service_model(service)
    shape = model.operation_model(operation).input_shape
    return list(shape.members) if shape is not None else []


def _send(server: Server, service: str, params: list[tuple[str, str]]):
    body = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
    url = (server.endpoint or "") + "/"
    request = AWSRequest(method="POST", url=url, data=body.encode(), headers={"Content-Type": FORM})
    SigV4Auth(Credentials(server.access_key, server.secret_key), service, REGION).add_auth(request)
    return http_post(url, dict(request.headers.items()), body.encode())


def _forms(member: str, value: str):
    yield [(member, value)]
    yield [(f"{member}.member.1", value)]
    yield [(f"{member}.member.1.Key", value), (f"{member}.member.1.Value", value)]
    yield [(f"{member}.entry.1.key", value)]


@pytest.mark.parametrize(
    "service,operation", [(s, op) for s, ops in sorted(IMPLEMENTED.items()) for op in ops]
)
def test_no_query_input_makes_a_server_error(server, service, operation):
    rng = random.Random(operation)
    base = [("Action", operation), ("Version", VERSIONS[service])]
    members = _members(service, operation)
    cases = [[]]
    for member in members:
        for value in rng.sample(ODD, k=6):
            cases.extend(_forms(member, value))
    for _ in range(10):
        cases.append([(m, rng.choice(ODD)) for m in rng.sample(members, k=min(len(members), 3))] if members else [])
    for params in cases:
        resp = _send(server, service, base + params)
        assert resp.status < 500, (operation, params, resp.status, resp.body[:300])
        if resp.status != 200:
            assert b"<ErrorResponse" in resp.body, (operation, params, resp.body[:300])
    assert server.is_running()
