//! Keys with several candidate values for one (tags whose keys differ only
//! in case): a Deny applies if any candidate would trigger it, an Allow only
//! if every candidate satisfies it, whatever the operator.

use strongroom_policy::{
    Context, Decision, Policies, Policy, PolicyKind, Principal, Request, authorize,
};

fn decide(policy: &str, context: &Context) -> Decision {
    let policy = Policy::parse(policy, PolicyKind::Identity).expect("policy");
    authorize(
        &Request {
            principal: Principal {
                arn: "arn:aws:iam::111122223333:user/alice",
                account: "111122223333",
                role_arn: None,
            },
            action: "secretsmanager:GetSecretValue",
            resource: "arn:aws:secretsmanager:us-east-1:111122223333:secret:s-abcdef",
            resource_account: "111122223333",
            context,
        },
        &Policies {
            identity: &[&policy],
            resource: None,
            session: None,
        },
    )
}

fn with_tags(values: &[&str], ambiguous: bool) -> Context {
    let mut c = Context::new();
    let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
    if ambiguous {
        c.set_ambiguous("aws:ResourceTag/Classification", values);
    } else {
        c.set_multi("aws:ResourceTag/Classification", values);
    }
    c
}

const DENY_UNLESS_PUBLIC: &str = r#"{"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":"*","Resource":"*"},
    {"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*",
     "Condition":{"StringNotEquals":{"aws:ResourceTag/Classification":"public"}}}]}"#;

const ALLOW_IF_PUBLIC: &str = r#"{"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*",
     "Condition":{"StringEquals":{"aws:ResourceTag/Classification":"public"}}}]}"#;

#[test]
fn a_second_spelling_cannot_lift_a_negated_deny() {
    // `Classification=secret` and `classification=public`.
    assert!(!decide(DENY_UNLESS_PUBLIC, &with_tags(&["secret", "public"], true)).is_allowed());
    assert!(decide(DENY_UNLESS_PUBLIC, &with_tags(&["public", "public"], true)).is_allowed());
    // A genuinely multivalued key keeps the engine's rule for negated
    // operators (the condition holds only if no value equals): here one
    // does, so the Deny does not apply. That is exactly the hole an
    // ambiguous key closes.
    assert!(decide(DENY_UNLESS_PUBLIC, &with_tags(&["secret", "public"], false)).is_allowed());
}

#[test]
fn a_second_spelling_cannot_satisfy_an_allow_alone() {
    assert!(!decide(ALLOW_IF_PUBLIC, &with_tags(&["secret", "public"], true)).is_allowed());
    assert!(decide(ALLOW_IF_PUBLIC, &with_tags(&["public"], true)).is_allowed());
    // A multivalued key: any value may satisfy a positive operator.
    assert!(decide(ALLOW_IF_PUBLIC, &with_tags(&["secret", "public"], false)).is_allowed());
}
