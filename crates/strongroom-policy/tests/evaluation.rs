//! The evaluation logic: explicit deny, same-account and cross-account rules,
//! principals in resource policies (direct, by account, NotPrincipal), session
//! policies, and role trust policies evaluated for `sts:AssumeRole`.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use strongroom_policy::{Decision, DenyReason, Policies, Policy, PolicyKind, Request, authorize};

/// An identity statement allowing `action` on every resource.
fn allow(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"{action}","Resource":"*"}}}}"#
    )
}

/// An identity statement denying `action` on every resource.
fn deny(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Deny","Action":"{action}","Resource":"*"}}}}"#
    )
}

/// A resource-policy statement: `effect`, principal element (e.g. `"Principal":"*"`),
/// `action`, extra elements (e.g. a condition, or empty).
fn res(effect: &str, principal: &str, action: &str, extra: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"{effect}",{principal},"Action":"{action}","Resource":"*"{extra}}}}}"#
    )
}

/// A trust-policy statement.
fn trust(effect: &str, principal: &str, action: &str, extra: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"{effect}",{principal},"Action":"{action}"{extra}}}}}"#
    )
}

/// One scenario: who asks, what applies, what should come out.
struct Case {
    name: &'static str,
    caller: (&'static str, &'static str, Option<&'static str>),
    identity: Vec<String>,
    resource: Option<String>,
    session: Option<String>,
    action: &'static str,
    resource_arn: &'static str,
    resource_account: &'static str,
    resource_kind: PolicyKind,
    context: &'static [(&'static str, &'static str)],
    expected: Decision,
}

impl Default for Case {
    fn default() -> Self {
        Case {
            name: "",
            caller: (ALICE, ACCOUNT_A, None),
            identity: vec![],
            resource: None,
            session: None,
            action: GET,
            resource_arn: SECRET,
            resource_account: ACCOUNT_A,
            resource_kind: PolicyKind::Resource,
            context: &[],
            expected: Decision::Allow,
        }
    }
}

fn check(cases: Vec<Case>) {
    for case in cases {
        let identity: Vec<Policy> = case
            .identity
            .iter()
            .map(|j| policy(j, PolicyKind::Identity))
            .collect();
        let identity_refs: Vec<&Policy> = identity.iter().collect();
        let resource = case
            .resource
            .as_deref()
            .map(|j| policy(j, case.resource_kind));
        let session = case
            .session
            .as_deref()
            .map(|j| policy(j, PolicyKind::Session));
        let ctx = context(case.context);
        let (arn, account, role_arn) = case.caller;
        let request = Request {
            principal: caller(arn, account, role_arn),
            action: case.action,
            resource: case.resource_arn,
            resource_account: case.resource_account,
            context: &ctx,
        };
        let got = authorize(
            &request,
            &Policies {
                identity: &identity_refs,
                resource: resource.as_ref(),
                session: session.as_ref(),
            },
        );
        assert_eq!(got, case.expected, "{}", case.name);
    }
}

use Decision::{Allow, Deny};
use DenyReason::*;

const P_ALICE: &str = r#""Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"}"#;
const P_CAROL: &str = r#""Principal":{"AWS":"arn:aws:iam::111122223333:user/carol"}"#;
const P_BOB: &str = r#""Principal":{"AWS":"arn:aws:iam::444455556666:user/bob"}"#;
const P_A: &str = r#""Principal":{"AWS":"111122223333"}"#;
const P_A_ROOT: &str = r#""Principal":{"AWS":"arn:aws:iam::111122223333:root"}"#;
const P_B: &str = r#""Principal":{"AWS":"444455556666"}"#;
const P_B_ROOT: &str = r#""Principal":{"AWS":"arn:aws:iam::444455556666:root"}"#;
const P_STAR: &str = r#""Principal":"*""#;
const P_AWS_STAR: &str = r#""Principal":{"AWS":"*"}"#;

#[test]
fn same_account() {
    check(vec![
        Case {
            name: "identity allow",
            identity: vec![allow(GET)],
            ..Default::default()
        },
        Case {
            name: "nothing applies",
            expected: Deny(NoIdentityAllow),
            ..Default::default()
        },
        Case {
            name: "identity allows another action",
            identity: vec![allow("secretsmanager:PutSecretValue")],
            expected: Deny(NoIdentityAllow),
            ..Default::default()
        },
        Case {
            name: "identity allow and deny",
            identity: vec![allow("secretsmanager:*"), deny(GET)],
            expected: Deny(ExplicitDenyIdentity),
            ..Default::default()
        },
        Case {
            name: "deny in the second identity policy",
            identity: vec![allow(GET), allow("kms:*"), deny("secretsmanager:Get*")],
            expected: Deny(ExplicitDenyIdentity),
            ..Default::default()
        },
        Case {
            name: "resource names alice, no identity policy",
            resource: Some(res("Allow", P_ALICE, GET, "")),
            ..Default::default()
        },
        Case {
            name: "resource Principal *",
            resource: Some(res("Allow", P_STAR, GET, "")),
            ..Default::default()
        },
        Case {
            name: "resource AWS *",
            resource: Some(res("Allow", P_AWS_STAR, GET, "")),
            ..Default::default()
        },
        Case {
            name: "account principal delegates, is no grant",
            resource: Some(res("Allow", P_A, GET, "")),
            expected: Deny(NoIdentityAllow),
            ..Default::default()
        },
        Case {
            name: "account root principal delegates",
            resource: Some(res("Allow", P_A_ROOT, GET, "")),
            expected: Deny(NoIdentityAllow),
            ..Default::default()
        },
        Case {
            name: "account principal plus identity allow",
            identity: vec![allow(GET)],
            resource: Some(res("Allow", P_A, GET, "")),
            ..Default::default()
        },
        Case {
            name: "resource denies alice",
            identity: vec![allow(GET)],
            resource: Some(res("Deny", P_ALICE, GET, "")),
            expected: Deny(ExplicitDenyResource),
            ..Default::default()
        },
        Case {
            name: "resource denies the whole account",
            identity: vec![allow(GET)],
            resource: Some(res("Deny", P_A_ROOT, GET, "")),
            expected: Deny(ExplicitDenyResource),
            ..Default::default()
        },
        Case {
            name: "identity deny reported before resource deny",
            identity: vec![deny(GET)],
            resource: Some(res("Deny", P_STAR, GET, "")),
            expected: Deny(ExplicitDenyIdentity),
            ..Default::default()
        },
        Case {
            name: "resource deny of another user",
            identity: vec![allow(GET)],
            resource: Some(res("Deny", P_CAROL, GET, "")),
            ..Default::default()
        },
        Case {
            name: "resource allows another user only",
            resource: Some(res("Allow", P_CAROL, GET, "")),
            expected: Deny(NoIdentityAllow),
            ..Default::default()
        },
        Case {
            name: "resource allows a different action",
            resource: Some(res("Allow", P_ALICE, "secretsmanager:PutSecretValue", "")),
            expected: Deny(NoIdentityAllow),
            ..Default::default()
        },
        Case {
            name: "resource allow whose condition fails",
            resource: Some(res(
                "Allow",
                P_ALICE,
                GET,
                r#","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#,
            )),
            expected: Deny(NoIdentityAllow),
            ..Default::default()
        },
        Case {
            name: "resource allow whose condition holds",
            resource: Some(res(
                "Allow",
                P_ALICE,
                GET,
                r#","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#,
            )),
            context: &[("aws:SecureTransport", "true")],
            ..Default::default()
        },
        Case {
            name: "resource deny with condition on the request",
            identity: vec![allow(GET)],
            resource: Some(res(
                "Deny",
                P_STAR,
                GET,
                r#","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            )),
            context: &[("aws:SourceIp", "192.0.2.1")],
            expected: Deny(ExplicitDenyResource),
            ..Default::default()
        },
        Case {
            name: "resource deny with condition not met",
            identity: vec![allow(GET)],
            resource: Some(res(
                "Deny",
                P_STAR,
                GET,
                r#","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            )),
            context: &[("aws:SourceIp", "10.1.1.1")],
            ..Default::default()
        },
    ]);
}

#[test]
fn not_principal() {
    check(vec![
        Case {
            name: "Allow NotPrincipal bob grants alice",
            resource: Some(res(
                "Allow",
                r#""NotPrincipal":{"AWS":"arn:aws:iam::444455556666:user/bob"}"#,
                GET,
                "",
            )),
            ..Default::default()
        },
        Case {
            name: "Allow NotPrincipal alice does not grant alice",
            resource: Some(res(
                "Allow",
                r#""NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"}"#,
                GET,
                "",
            )),
            expected: Deny(NoIdentityAllow),
            ..Default::default()
        },
        Case {
            name: "Deny NotPrincipal alice spares alice",
            identity: vec![allow(GET)],
            resource: Some(res(
                "Deny",
                r#""NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice"]}"#,
                GET,
                "",
            )),
            ..Default::default()
        },
        Case {
            name: "Deny NotPrincipal alice denies carol",
            caller: (CAROL, ACCOUNT_A, None),
            identity: vec![allow(GET)],
            resource: Some(res(
                "Deny",
                r#""NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice"]}"#,
                GET,
                "",
            )),
            expected: Deny(ExplicitDenyResource),
            ..Default::default()
        },
        Case {
            name: "Deny NotPrincipal account spares its users",
            identity: vec![allow(GET)],
            resource: Some(res(
                "Deny",
                r#""NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"}"#,
                GET,
                "",
            )),
            ..Default::default()
        },
        Case {
            name: "Deny NotPrincipal account denies other accounts",
            caller: (BOB, ACCOUNT_B, None),
            identity: vec![allow(GET)],
            resource: Some(res(
                "Deny",
                r#""NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"}"#,
                GET,
                "",
            )),
            expected: Deny(ExplicitDenyResource),
            ..Default::default()
        },
        Case {
            name: "Deny NotPrincipal role spares its sessions",
            caller: (READER_SESSION, ACCOUNT_A, Some(READER_ROLE)),
            identity: vec![allow(GET)],
            resource: Some(res(
                "Deny",
                r#""NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/Reader"}"#,
                GET,
                "",
            )),
            ..Default::default()
        },
    ]);
}

#[test]
fn cross_account() {
    let bob = (BOB, ACCOUNT_B, None);
    check(vec![
        Case { name: "identity and resource (direct)", caller: bob, identity: vec![allow(GET)], resource: Some(res("Allow", P_BOB, GET, "")), ..Default::default() },
        Case { name: "identity and resource (account id)", caller: bob, identity: vec![allow(GET)], resource: Some(res("Allow", P_B, GET, "")), ..Default::default() },
        Case { name: "identity and resource (account root)", caller: bob, identity: vec![allow(GET)], resource: Some(res("Allow", P_B_ROOT, GET, "")), ..Default::default() },
        Case { name: "identity and resource (*)", caller: bob, identity: vec![allow(GET)], resource: Some(res("Allow", P_STAR, GET, "")), ..Default::default() },
        Case { name: "identity only, no resource policy", caller: bob, identity: vec![allow(GET)], expected: Deny(NoResourceAllow), ..Default::default() },
        Case { name: "identity only, resource names another account", caller: bob, identity: vec![allow(GET)], resource: Some(res("Allow", P_A, GET, "")), expected: Deny(NoResourceAllow), ..Default::default() },
        Case { name: "resource only (direct)", caller: bob, resource: Some(res("Allow", P_BOB, GET, "")), expected: Deny(NoIdentityAllow), ..Default::default() },
        Case { name: "resource only (*)", caller: bob, resource: Some(res("Allow", P_STAR, GET, "")), expected: Deny(NoIdentityAllow), ..Default::default() },
        Case { name: "neither", caller: bob, expected: Deny(NoIdentityAllow), ..Default::default() },
        Case { name: "resource denies the caller's account", caller: bob, identity: vec![allow(GET)], resource: Some(res("Deny", P_B, GET, "")), expected: Deny(ExplicitDenyResource), ..Default::default() },
        Case { name: "resource allow and deny", caller: bob, identity: vec![allow(GET)], resource: Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"secretsmanager:Get*","Resource":"*"}]}"#.to_owned()), expected: Deny(ExplicitDenyResource), ..Default::default() },
        Case { name: "resource restricted by org condition", caller: bob, identity: vec![allow(GET)], resource: Some(res("Allow", P_STAR, GET, r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}"#)), context: &[("aws:PrincipalOrgID", "o-999")], expected: Deny(NoResourceAllow), ..Default::default() },
        Case { name: "resource restricted by account condition (derived)", caller: bob, identity: vec![allow(GET)], resource: Some(res("Allow", P_STAR, GET, r#","Condition":{"StringEquals":{"aws:PrincipalAccount":"444455556666"}}"#)), ..Default::default() },
    ]);
}

#[test]
fn session_policies() {
    let reader = (READER_SESSION, ACCOUNT_A, Some(READER_ROLE));
    let only_describe = || Some(allow("secretsmanager:DescribeSecret"));
    check(vec![
        Case {
            name: "role allows, session allows",
            caller: reader,
            identity: vec![allow(GET)],
            session: Some(allow("secretsmanager:*")),
            ..Default::default()
        },
        Case {
            name: "role allows, no session policy",
            caller: reader,
            identity: vec![allow(GET)],
            ..Default::default()
        },
        Case {
            name: "session policy narrows",
            caller: reader,
            identity: vec![allow("secretsmanager:*")],
            session: only_describe(),
            expected: Deny(NoSessionAllow),
            ..Default::default()
        },
        Case {
            name: "session policy denies",
            caller: reader,
            identity: vec![allow(GET)],
            session: Some(deny(GET)),
            expected: Deny(ExplicitDenySession),
            ..Default::default()
        },
        Case {
            name: "session policy grants nothing by itself",
            caller: reader,
            session: Some(allow(GET)),
            expected: Deny(NoIdentityAllow),
            ..Default::default()
        },
        Case {
            name: "resource names the role; session policy narrows it",
            caller: reader,
            resource: Some(res(
                "Allow",
                r#""Principal":{"AWS":"arn:aws:iam::111122223333:role/Reader"}"#,
                GET,
                "",
            )),
            session: only_describe(),
            expected: Deny(NoSessionAllow),
            ..Default::default()
        },
        Case {
            name: "resource names the role; session policy allows",
            caller: reader,
            resource: Some(res(
                "Allow",
                r#""Principal":{"AWS":"arn:aws:iam::111122223333:role/Reader"}"#,
                GET,
                "",
            )),
            session: Some(allow(GET)),
            ..Default::default()
        },
        Case {
            name: "resource names the role: another session matches",
            caller: (READER_SESSION_2, ACCOUNT_A, Some(READER_ROLE)),
            resource: Some(res(
                "Allow",
                r#""Principal":{"AWS":"arn:aws:iam::111122223333:role/Reader"}"#,
                GET,
                "",
            )),
            ..Default::default()
        },
        Case {
            name: "resource names the session ARN: not narrowed",
            caller: reader,
            resource: Some(res(
                "Allow",
                r#""Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/Reader/s1"}"#,
                GET,
                "",
            )),
            session: only_describe(),
            ..Default::default()
        },
        Case {
            name: "resource names another session",
            caller: reader,
            resource: Some(res(
                "Allow",
                r#""Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/Reader/s2"}"#,
                GET,
                "",
            )),
            expected: Deny(NoIdentityAllow),
            ..Default::default()
        },
        Case {
            name: "resource names the session ARN, session policy denies",
            caller: reader,
            resource: Some(res(
                "Allow",
                r#""Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/Reader/s1"}"#,
                GET,
                "",
            )),
            session: Some(deny(GET)),
            expected: Deny(ExplicitDenySession),
            ..Default::default()
        },
        Case {
            name: "resource Principal * is narrowed by the session policy",
            caller: reader,
            resource: Some(res("Allow", P_STAR, GET, "")),
            session: only_describe(),
            expected: Deny(NoSessionAllow),
            ..Default::default()
        },
        Case {
            name: "cross-account session, all three allow",
            caller: (EXT_SESSION, ACCOUNT_B, Some(EXT_ROLE)),
            identity: vec![allow(GET)],
            resource: Some(res(
                "Allow",
                r#""Principal":{"AWS":"arn:aws:iam::444455556666:role/Ext"}"#,
                GET,
                "",
            )),
            session: Some(allow(GET)),
            ..Default::default()
        },
        Case {
            name: "cross-account session narrowed even when the resource names the session",
            caller: (EXT_SESSION, ACCOUNT_B, Some(EXT_ROLE)),
            identity: vec![allow(GET)],
            resource: Some(res(
                "Allow",
                r#""Principal":{"AWS":"arn:aws:sts::444455556666:assumed-role/Ext/s1"}"#,
                GET,
                "",
            )),
            session: only_describe(),
            expected: Deny(NoSessionAllow),
            ..Default::default()
        },
        Case {
            name: "cross-account session without the resource side",
            caller: (EXT_SESSION, ACCOUNT_B, Some(EXT_ROLE)),
            identity: vec![allow(GET)],
            session: Some(allow(GET)),
            expected: Deny(NoResourceAllow),
            ..Default::default()
        },
    ]);
}

const ASSUME: &str = "sts:AssumeRole";
const TARGET_ROLE: &str = "arn:aws:iam::111122223333:role/Target";

#[test]
fn trust_policies() {
    let t = |name, caller, identity: Vec<String>, trust_json: String, ctx, expected| Case {
        name,
        caller,
        identity,
        resource: Some(trust_json),
        action: ASSUME,
        resource_arn: TARGET_ROLE,
        resource_kind: PolicyKind::Trust,
        context: ctx,
        expected,
        ..Default::default()
    };
    let alice = (ALICE, ACCOUNT_A, None);
    let bob = (BOB, ACCOUNT_B, None);
    check(vec![
        t("account trust plus identity allow", alice, vec![allow(ASSUME)], trust("Allow", P_A_ROOT, ASSUME, ""), &[], Allow),
        t("account trust without identity allow", alice, vec![], trust("Allow", P_A_ROOT, ASSUME, ""), &[], Deny(NoIdentityAllow)),
        t("trust names alice directly", alice, vec![], trust("Allow", P_ALICE, ASSUME, ""), &[], Allow),
        t("cross-account trust plus identity allow", bob, vec![allow(ASSUME)], trust("Allow", P_B_ROOT, ASSUME, ""), &[], Allow),
        t("cross-account trust without identity allow", bob, vec![], trust("Allow", P_B_ROOT, ASSUME, ""), &[], Deny(NoIdentityAllow)),
        t("trust names only a service", bob, vec![allow(ASSUME)], trust("Allow", r#""Principal":{"Service":"lambda.amazonaws.com"}"#, ASSUME, ""), &[], Deny(NoResourceAllow)),
        t("trust allows another action only", bob, vec![allow(ASSUME)], trust("Allow", P_B_ROOT, "sts:TagSession", ""), &[], Deny(NoResourceAllow)),
        t("trust with external id present", bob, vec![allow(ASSUME)], trust("Allow", P_B_ROOT, ASSUME, r#","Condition":{"StringEquals":{"sts:ExternalId":"xyz"}}"#), &[("sts:ExternalId", "xyz")], Allow),
        t("trust with external id missing", bob, vec![allow(ASSUME)], trust("Allow", P_B_ROOT, ASSUME, r#","Condition":{"StringEquals":{"sts:ExternalId":"xyz"}}"#), &[], Deny(NoResourceAllow)),
        t("trust deny", bob, vec![allow(ASSUME)], r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#.to_owned(), &[("aws:MultiFactorAuthPresent", "false")], Deny(ExplicitDenyResource)),
        t("identity deny beats trust allow", alice, vec![allow("*"), deny(ASSUME)], trust("Allow", P_ALICE, ASSUME, ""), &[], Deny(ExplicitDenyIdentity)),
    ]);
}

#[test]
fn deny_reason_messages() {
    let a = "secretsmanager:GetSecretValue";
    let rows = [
        (
            ExplicitDenyIdentity,
            "with an explicit deny in an identity-based policy",
        ),
        (
            ExplicitDenyResource,
            "with an explicit deny in a resource-based policy",
        ),
        (
            ExplicitDenySession,
            "with an explicit deny in a session policy",
        ),
        (
            NoIdentityAllow,
            "because no identity-based policy allows the secretsmanager:GetSecretValue action",
        ),
        (
            NoResourceAllow,
            "because no resource-based policy allows the secretsmanager:GetSecretValue action",
        ),
        (
            NoSessionAllow,
            "because no session policy allows the secretsmanager:GetSecretValue action",
        ),
    ];
    for (reason, message) in rows {
        assert_eq!(reason.message(a), message);
    }
}
