//! KMS's evaluation mode (`authorize_with_key_policy`): a key is usable only
//! where its key policy allows, directly or by naming the account root, which
//! delegates to IAM; across accounts both the key policy and the caller's
//! identity policy must allow.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use strongroom_policy::{
    Decision, DenyReason, Policies, Policy, PolicyKind, Request, authorize_with_key_policy,
};

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ENCRYPT: &str = "kms:Encrypt";

fn identity(effect: &str, action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"{effect}","Action":"{action}","Resource":"*"}}}}"#
    )
}

fn key_policy(effect: &str, principal: &str, action: &str, extra: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"{effect}","Principal":{{"AWS":"{principal}"}},"Action":"{action}","Resource":"*"{extra}}}}}"#
    )
}

struct Case {
    name: &'static str,
    caller: (&'static str, &'static str, Option<&'static str>),
    identity: Vec<String>,
    key_policy: Option<String>,
    session: Option<String>,
    context: &'static [(&'static str, &'static str)],
    expected: Decision,
}

fn case(name: &'static str) -> Case {
    Case {
        name,
        caller: (ALICE, ACCOUNT_A, None),
        identity: vec![],
        key_policy: None,
        session: None,
        context: &[],
        expected: Decision::Allow,
    }
}

fn check(cases: Vec<Case>) {
    for c in cases {
        let identity: Vec<Policy> = c
            .identity
            .iter()
            .map(|j| policy(j, PolicyKind::Identity))
            .collect();
        let identity_refs: Vec<&Policy> = identity.iter().collect();
        let resource = c
            .key_policy
            .as_deref()
            .map(|j| policy(j, PolicyKind::Resource));
        let session = c.session.as_deref().map(|j| policy(j, PolicyKind::Session));
        let ctx = context(c.context);
        let request = Request {
            principal: caller(c.caller.0, c.caller.1, c.caller.2),
            action: ENCRYPT,
            resource: KEY,
            resource_account: ACCOUNT_A,
            context: &ctx,
        };
        let got = authorize_with_key_policy(
            &request,
            &Policies {
                identity: &identity_refs,
                resource: resource.as_ref(),
                session: session.as_ref(),
            },
        );
        assert_eq!(got, c.expected, "{}", c.name);
    }
}

use Decision::Deny;
use DenyReason::*;

const ROOT_A: &str = "arn:aws:iam::111122223333:root";
const ROOT_B: &str = "arn:aws:iam::444455556666:root";

#[test]
fn same_account() {
    check(vec![
        Case {
            identity: vec![identity("Allow", "kms:*")],
            expected: Deny(NoResourceAllow),
            ..case("an identity allow without a key policy is not enough")
        },
        Case {
            identity: vec![identity("Allow", "kms:*")],
            key_policy: Some(key_policy("Allow", CAROL, "kms:*", "")),
            expected: Deny(NoResourceAllow),
            ..case("an identity allow with a key policy naming someone else")
        },
        Case {
            identity: vec![identity("Allow", "kms:Encrypt")],
            key_policy: Some(key_policy("Allow", ROOT_A, "kms:*", "")),
            ..case("the account root delegates to the identity allow")
        },
        Case {
            key_policy: Some(key_policy("Allow", ROOT_A, "kms:*", "")),
            expected: Deny(NoIdentityAllow),
            ..case("the account root delegates, but no identity policy allows")
        },
        Case {
            key_policy: Some(key_policy("Allow", ALICE, "kms:Encrypt", "")),
            ..case("the key policy names the caller: allowed on its own")
        },
        Case {
            key_policy: Some(key_policy("Allow", "*", "kms:Encrypt", "")),
            ..case("the key policy allows everyone")
        },
        Case {
            identity: vec![identity("Allow", "kms:*"), identity("Deny", "kms:Encrypt")],
            key_policy: Some(key_policy("Allow", ROOT_A, "kms:*", "")),
            expected: Deny(ExplicitDenyIdentity),
            ..case("an identity deny wins")
        },
        Case {
            identity: vec![identity("Allow", "kms:*")],
            key_policy: Some(
                r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
                {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","Resource":"*"}]}"#
                    .into(),
            ),
            expected: Deny(ExplicitDenyResource),
            ..case("a key policy deny wins")
        },
        Case {
            key_policy: Some(key_policy(
                "Allow",
                "*",
                "kms:Encrypt",
                r#","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","kms:ViaService":"secretsmanager.us-east-1.amazonaws.com"}}"#,
            )),
            context: &[("kms:CallerAccount", "111122223333")],
            expected: Deny(NoResourceAllow),
            ..case("the managed key's ViaService condition: not through Secrets Manager")
        },
        Case {
            key_policy: Some(key_policy(
                "Allow",
                "*",
                "kms:Encrypt",
                r#","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","kms:ViaService":"secretsmanager.us-east-1.amazonaws.com"}}"#,
            )),
            context: &[
                ("kms:CallerAccount", "111122223333"),
                ("kms:ViaService", "secretsmanager.us-east-1.amazonaws.com"),
            ],
            ..case("the managed key's ViaService condition: through Secrets Manager")
        },
        Case {
            caller: (READER_SESSION, ACCOUNT_A, Some(READER_ROLE)),
            identity: vec![identity("Allow", "kms:*")],
            key_policy: Some(key_policy("Allow", ROOT_A, "kms:*", "")),
            session: Some(identity("Allow", "kms:Decrypt")),
            expected: Deny(NoSessionAllow),
            ..case("a session policy narrows a delegated allow")
        },
    ]);
}

#[test]
fn cross_account() {
    check(vec![
        Case {
            caller: (BOB, ACCOUNT_B, None),
            identity: vec![identity("Allow", "kms:Encrypt")],
            key_policy: Some(key_policy("Allow", ROOT_A, "kms:*", "")),
            expected: Deny(NoResourceAllow),
            ..case("the key policy allows only its own account")
        },
        Case {
            caller: (BOB, ACCOUNT_B, None),
            key_policy: Some(key_policy("Allow", ROOT_B, "kms:Encrypt", "")),
            expected: Deny(NoIdentityAllow),
            ..case("the key policy allows the other account, its IAM does not")
        },
        Case {
            caller: (BOB, ACCOUNT_B, None),
            identity: vec![identity("Allow", "kms:Encrypt")],
            key_policy: Some(key_policy("Allow", ROOT_B, "kms:Encrypt", "")),
            ..case("both the key policy and the identity policy allow")
        },
        Case {
            caller: (BOB, ACCOUNT_B, None),
            key_policy: Some(key_policy("Allow", BOB, "kms:Encrypt", "")),
            expected: Deny(NoIdentityAllow),
            ..case("naming the caller directly still needs its identity policy")
        },
    ]);
}
