//! Helpers shared by the table-driven tests: fixed callers, context set-up from a
//! compact notation, and one-call evaluation.
#![allow(clippy::unwrap_used, dead_code)]

use strongroom_policy::{
    Context, Decision, Policies, Policy, PolicyKind, Principal, Request, authorize,
};

/// The account that owns the resources under test.
pub const ACCOUNT_A: &str = "111122223333";
/// Another account.
pub const ACCOUNT_B: &str = "444455556666";
pub const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
pub const CAROL: &str = "arn:aws:iam::111122223333:user/carol";
pub const BOB: &str = "arn:aws:iam::444455556666:user/bob";
pub const READER_ROLE: &str = "arn:aws:iam::111122223333:role/Reader";
pub const READER_SESSION: &str = "arn:aws:sts::111122223333:assumed-role/Reader/s1";
pub const READER_SESSION_2: &str = "arn:aws:sts::111122223333:assumed-role/Reader/s2";
pub const EXT_ROLE: &str = "arn:aws:iam::444455556666:role/Ext";
pub const EXT_SESSION: &str = "arn:aws:sts::444455556666:assumed-role/Ext/s1";
pub const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
pub const GET: &str = "secretsmanager:GetSecretValue";

/// Builds a context from `(key, value)` pairs; a value written as a JSON array
/// (`["a","b"]`, `[]`) sets a multivalued key.
pub fn context(setup: &[(&str, &str)]) -> Context {
    let mut c = Context::new();
    for (key, value) in setup {
        if value.starts_with('[') {
            let values: Vec<String> = serde_json::from_str(value).unwrap();
            c.set_multi(key, values);
        } else {
            c.set(key, *value);
        }
    }
    c
}

/// Parses `json` as `kind`, failing the test with IAM's message if it is refused.
pub fn policy(json: &str, kind: PolicyKind) -> Policy {
    Policy::parse(json, kind).unwrap_or_else(|e| panic!("{e}: {json}"))
}

/// The caller `arn` in `account`, with its role for sessions.
pub fn caller<'a>(arn: &'a str, account: &'a str, role_arn: Option<&'a str>) -> Principal<'a> {
    Principal {
        arn,
        account,
        role_arn,
    }
}

/// Alice (same account as every resource under test) asks for `action` on `resource`
/// with only identity policy `json`; true when allowed.
pub fn identity_allows(json: &str, action: &str, resource: &str, ctx: &Context) -> bool {
    let p = policy(json, PolicyKind::Identity);
    let request = Request {
        principal: caller(ALICE, ACCOUNT_A, None),
        action,
        resource,
        resource_account: ACCOUNT_A,
        context: ctx,
    };
    let decision = authorize(
        &request,
        &Policies {
            identity: &[&p],
            resource: None,
            session: None,
        },
    );
    decision == Decision::Allow
}
